/* tg-json-private.h — small helpers for reading and writing model JSON
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

void         tg_json_add_string   (JsonBuilder         *builder,
                                   const char          *name,
                                   const char          *value);
void         tg_json_add_int      (JsonBuilder         *builder,
                                   const char          *name,
                                   gint64               value);
void         tg_json_add_double   (JsonBuilder         *builder,
                                   const char          *name,
                                   double               value); /* NAN → null */
void         tg_json_add_bool     (JsonBuilder         *builder,
                                   const char          *name,
                                   gboolean             value);
void         tg_json_add_strv     (JsonBuilder         *builder,
                                   const char          *name,
                                   const char * const  *values);

/* Readers: a missing member or null gives the default; a member of the
 * wrong type is an error naming @what and the member. */
gboolean     tg_json_get_string   (JsonObject          *object,
                                   const char          *what,
                                   const char          *name,
                                   const char         **value,
                                   GError             **error);
gboolean     tg_json_get_int      (JsonObject          *object,
                                   const char          *what,
                                   const char          *name,
                                   gint64               default_value,
                                   gint64              *value,
                                   GError             **error);
gboolean     tg_json_get_double   (JsonObject          *object,
                                   const char          *what,
                                   const char          *name,
                                   double              *value,
                                   GError             **error); /* null → NAN */
gboolean     tg_json_get_bool     (JsonObject          *object,
                                   const char          *what,
                                   const char          *name,
                                   gboolean            *value,
                                   GError             **error);
gboolean     tg_json_get_strv     (JsonObject          *object,
                                   const char          *what,
                                   const char          *name,
                                   char              ***value,
                                   GError             **error);

/* Strings held by the model: NULL and "" are the same. */
gboolean     tg_set_string        (char               **field,
                                   const char          *value);
gboolean     tg_set_strv          (char              ***field,
                                   const char * const  *value);

G_END_DECLS
