/* tg-json-private.h — small helpers for reading and writing model JSON
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

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

/* A small writer for the model's canonical JSON: members in the order
 * written, no white space, strings escaped as RFC 8259 requires and
 * nothing more, numbers in their shortest exact form. It is much cheaper
 * than building a JsonNode tree, and saves write it for every revision. */
typedef struct
{
  GString *out;
  guint64  first;  /* one bit per nesting level: nothing written yet */
  guint    depth;
} TgJsonWriter;

void   tg_json_writer_init         (TgJsonWriter       *writer,
                                    GString            *out);
void   tg_json_writer_begin_object (TgJsonWriter       *writer,
                                    const char         *name);  /* name NULL for a value in an array or the root */
void   tg_json_writer_end_object   (TgJsonWriter       *writer);
void   tg_json_writer_begin_array  (TgJsonWriter       *writer,
                                    const char         *name);
void   tg_json_writer_end_array    (TgJsonWriter       *writer);
void   tg_json_write_string        (TgJsonWriter       *writer,
                                    const char         *name,
                                    const char         *value);  /* NULL → null */
void   tg_json_write_int           (TgJsonWriter       *writer,
                                    const char         *name,
                                    gint64              value);
void   tg_json_write_double        (TgJsonWriter       *writer,
                                    const char         *name,
                                    double              value);  /* NAN → null */
void   tg_json_write_bool          (TgJsonWriter       *writer,
                                    const char         *name,
                                    gboolean            value);
void   tg_json_write_strv          (TgJsonWriter       *writer,
                                    const char         *name,
                                    const char * const *values);

typedef struct _TgPerson TgPerson;
typedef struct _TgSource TgSource;

void   tg_person_write_json        (TgPerson           *self,
                                    TgJsonWriter       *writer);
void   tg_source_write_json        (TgSource           *self,
                                    TgJsonWriter       *writer);

G_END_DECLS
