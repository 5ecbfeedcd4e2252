/* tg-gazetteer-place.h — one populated place of the gazetteer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define TG_TYPE_GAZETTEER_PLACE (tg_gazetteer_place_get_type ())
G_DECLARE_FINAL_TYPE (TgGazetteerPlace, tg_gazetteer_place, TG, GAZETTEER_PLACE, GObject)

const char *tg_gazetteer_place_get_name        (TgGazetteerPlace *self);
const char *tg_gazetteer_place_get_country     (TgGazetteerPlace *self);
const char *tg_gazetteer_place_get_admin1_code (TgGazetteerPlace *self);
const char *tg_gazetteer_place_get_admin1_name (TgGazetteerPlace *self);
const char *tg_gazetteer_place_get_admin2_code (TgGazetteerPlace *self);
const char *tg_gazetteer_place_get_admin2_name (TgGazetteerPlace *self);
double      tg_gazetteer_place_get_latitude    (TgGazetteerPlace *self);
double      tg_gazetteer_place_get_longitude   (TgGazetteerPlace *self);
gint64      tg_gazetteer_place_get_population  (TgGazetteerPlace *self);
char       *tg_gazetteer_place_dup_label       (TgGazetteerPlace *self);

/* For the gazetteer only. */
TgGazetteerPlace *_tg_gazetteer_place_new (const char *name,
                                           const char *country,
                                           const char *admin1_code,
                                           const char *admin1_name,
                                           const char *admin2_code,
                                           const char *admin2_name,
                                           double      latitude,
                                           double      longitude,
                                           gint64      population,
                                           const char *feature);

G_END_DECLS
