/* tg-gazetteer-place.c — one populated place of the gazetteer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-gazetteer"

#include "config.h"

#include "tg-gazetteer-place.h"

struct _TgGazetteerPlace
{
  GObject  parent_instance;

  char    *name;
  char    *country;
  char    *admin1_code;
  char    *admin1_name;
  char    *admin2_code;
  char    *admin2_name;
  char    *feature;
  double   latitude;
  double   longitude;
  gint64   population;
};

G_DEFINE_FINAL_TYPE (TgGazetteerPlace, tg_gazetteer_place, G_TYPE_OBJECT)

static void
tg_gazetteer_place_finalize (GObject *object)
{
  TgGazetteerPlace *self = TG_GAZETTEER_PLACE (object);

  g_free (self->name);
  g_free (self->country);
  g_free (self->admin1_code);
  g_free (self->admin1_name);
  g_free (self->admin2_code);
  g_free (self->admin2_name);
  g_free (self->feature);

  G_OBJECT_CLASS (tg_gazetteer_place_parent_class)->finalize (object);
}

static void
tg_gazetteer_place_class_init (TgGazetteerPlaceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tg_gazetteer_place_finalize;
}

static void
tg_gazetteer_place_init (TgGazetteerPlace *self)
{
}

TgGazetteerPlace *
_tg_gazetteer_place_new (const char *name,
                         const char *country,
                         const char *admin1_code,
                         const char *admin1_name,
                         const char *admin2_code,
                         const char *admin2_name,
                         double      latitude,
                         double      longitude,
                         gint64      population,
                         const char *feature)
{
  TgGazetteerPlace *self = g_object_new (TG_TYPE_GAZETTEER_PLACE, NULL);

  self->name = g_strdup (name);
  self->country = g_strdup (country);
  self->admin1_code = g_strdup (admin1_code);
  self->admin1_name = g_strdup (admin1_name);
  self->admin2_code = g_strdup (admin2_code);
  self->admin2_name = g_strdup (admin2_name);
  self->latitude = latitude;
  self->longitude = longitude;
  self->population = population;
  self->feature = g_strdup (feature);

  return self;
}

const char *
tg_gazetteer_place_get_name (TgGazetteerPlace *self)
{
  g_return_val_if_fail (TG_IS_GAZETTEER_PLACE (self), NULL);
  return self->name;
}

/**
 * tg_gazetteer_place_get_country:
 *
 * Returns: the ISO 3166-1 alpha-2 code ("PE")
 */
const char *
tg_gazetteer_place_get_country (TgGazetteerPlace *self)
{
  g_return_val_if_fail (TG_IS_GAZETTEER_PLACE (self), NULL);
  return self->country;
}

/**
 * tg_gazetteer_place_get_admin1_code:
 *
 * Returns: (nullable): the region's GeoNames code with the country ("PE.21")
 */
const char *
tg_gazetteer_place_get_admin1_code (TgGazetteerPlace *self)
{
  g_return_val_if_fail (TG_IS_GAZETTEER_PLACE (self), NULL);
  return self->admin1_code;
}

const char *
tg_gazetteer_place_get_admin1_name (TgGazetteerPlace *self)
{
  g_return_val_if_fail (TG_IS_GAZETTEER_PLACE (self), NULL);
  return self->admin1_name;
}

/**
 * tg_gazetteer_place_get_admin2_code:
 *
 * Returns: (nullable): the province's GeoNames code ("PE.21.2111")
 */
const char *
tg_gazetteer_place_get_admin2_code (TgGazetteerPlace *self)
{
  g_return_val_if_fail (TG_IS_GAZETTEER_PLACE (self), NULL);
  return self->admin2_code;
}

const char *
tg_gazetteer_place_get_admin2_name (TgGazetteerPlace *self)
{
  g_return_val_if_fail (TG_IS_GAZETTEER_PLACE (self), NULL);
  return self->admin2_name;
}

double
tg_gazetteer_place_get_latitude (TgGazetteerPlace *self)
{
  g_return_val_if_fail (TG_IS_GAZETTEER_PLACE (self), 0);
  return self->latitude;
}

double
tg_gazetteer_place_get_longitude (TgGazetteerPlace *self)
{
  g_return_val_if_fail (TG_IS_GAZETTEER_PLACE (self), 0);
  return self->longitude;
}

/**
 * tg_gazetteer_place_get_population:
 *
 * Returns: the population GeoNames gives, 0 where it gives none
 */
gint64
tg_gazetteer_place_get_population (TgGazetteerPlace *self)
{
  g_return_val_if_fail (TG_IS_GAZETTEER_PLACE (self), 0);
  return self->population;
}

/**
 * tg_gazetteer_place_dup_label:
 *
 * Returns: (transfer full): "Juliaca, San Román, Puno" — the name with the
 *   province and region that differ from it
 */
char *
tg_gazetteer_place_dup_label (TgGazetteerPlace *self)
{
  GString *label;

  g_return_val_if_fail (TG_IS_GAZETTEER_PLACE (self), NULL);

  label = g_string_new (self->name);
  if (self->admin2_name && *self->admin2_name && g_strcmp0 (self->admin2_name, self->name) != 0)
    g_string_append_printf (label, ", %s", self->admin2_name);
  if (self->admin1_name && *self->admin1_name &&
      g_strcmp0 (self->admin1_name, self->admin2_name) != 0 &&
      g_strcmp0 (self->admin1_name, self->name) != 0)
    g_string_append_printf (label, ", %s", self->admin1_name);

  return g_string_free (label, FALSE);
}
