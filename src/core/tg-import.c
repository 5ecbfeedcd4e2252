/* tg-import.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-import"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "tg-csv.h"
#include "tg-exchange-private.h"
#include "tg-import.h"

/* Helpers ---------------------------------------------------------------- */

/* Refuses binary data (an image renamed .geojson/.csv) before parsing. */
static gboolean
check_text (const char  *data,
            gsize        length,
            const char  *format,
            GError     **error)
{
  gsize probe = MIN (length, 64 * 1024);

  if (memchr (data, '\0', probe) != NULL || !g_utf8_validate_len (data, length, NULL))
    {
      g_autofree char *type = g_content_type_guess (NULL, (const guchar *) data, probe, NULL);
      g_autofree char *desc = type ? g_content_type_get_description (type) : NULL;

      g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                   _("This file is not %s: it holds binary data (it looks like %s). "
                     "Nothing was imported."),
                   format, desc ? desc : _("an unknown kind of file"));
      return FALSE;
    }
  return TRUE;
}

static const char *
skip_bom (const char *data,
          gsize      *length)
{
  if (*length >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    {
      *length -= 3;
      return data + 3;
    }
  return data;
}

static gboolean
parse_time (const char  *str,
            GDateTime  **time,
            gboolean    *date_only)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();

  *date_only = FALSE;
  *time = g_date_time_new_from_iso8601 (str, utc);
  if (*time == NULL && strlen (str) == 10)
    {
      g_autofree char *full = g_strconcat (str, "T00:00:00Z", NULL);

      *time = g_date_time_new_from_iso8601 (full, utc);
      *date_only = *time != NULL;
    }
  return *time != NULL;
}

static char **
split_list (const char *str)
{
  g_auto(GStrv) parts = g_strsplit_set (str, ";", -1);
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *item = g_strstrip (parts[i]);

      if (*item != '\0')
        g_ptr_array_add (out, g_strdup (item));
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&out), FALSE);
}

static gboolean
id_known (TgStore    *store,
          const char *id)
{
  g_autoptr(GPtrArray) heads = tg_store_list_heads (store, id, NULL);

  return heads != NULL && heads->len > 0;
}

static gboolean
save_all (TgStore    *store,
          GPtrArray  *reports,
          GError    **error)
{
  /* In batches, each one transaction. */
  for (guint i = 0; i < reports->len; i += 1000)
    {
      g_autoptr(GPtrArray) batch = g_ptr_array_new ();

      for (guint j = i; j < reports->len && j < i + 1000; j++)
        g_ptr_array_add (batch, reports->pdata[j]);
      if (!tg_store_save_reports (store, batch, error))
        return FALSE;
    }
  return TRUE;
}

/* GeoJSON ---------------------------------------------------------------- */

static gboolean
feature_error (GError     **error,
               guint        index,
               const char  *problem)
{
  g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
               _("Feature %u of the GeoJSON file is invalid: %s. Nothing was imported."),
               index, problem);
  return FALSE;
}

static gboolean
is_number (JsonNode *node)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  return type == G_TYPE_INT64 || type == G_TYPE_DOUBLE;
}

static gboolean
parse_geometry (JsonNode  *node,
                guint      index,
                double    *latitude,
                double    *longitude,
                GError   **error)
{
  static const char * const other_types[] = {
    "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
    "GeometryCollection", NULL
  };
  JsonObject *object;
  JsonNode *type;
  JsonArray *coords;
  double lon, lat;

  *latitude = *longitude = NAN;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return feature_error (error, index, _("\"geometry\" must be an object or null"));

  object = json_node_get_object (node);
  type = json_object_get_member (object, "type");
  if (type == NULL || json_node_get_value_type (type) != G_TYPE_STRING)
    return feature_error (error, index, _("the geometry has no \"type\""));
  if (g_strv_contains (other_types, json_node_get_string (type)))
    return TRUE;  /* shapes other than a point give no single location */
  if (!g_str_equal (json_node_get_string (type), "Point"))
    return feature_error (error, index, _("the geometry type is unknown"));

  node = json_object_get_member (object, "coordinates");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node) ||
      (coords = json_node_get_array (node), json_array_get_length (coords) < 2) ||
      json_array_get_length (coords) > 3 ||
      !is_number (json_array_get_element (coords, 0)) ||
      !is_number (json_array_get_element (coords, 1)))
    return feature_error (error, index,
                          _("a point needs \"coordinates\": [longitude, latitude]"));

  lon = json_array_get_double_element (coords, 0);
  lat = json_array_get_double_element (coords, 1);
  if (!isfinite (lon) || !isfinite (lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90)
    {
      g_autofree char *problem =
        g_strdup_printf (_("the coordinates [%g, %g] are out of range "
                           "(GeoJSON gives longitude, from -180 to 180, then latitude, "
                           "from -90 to 90)"), lon, lat);
      return feature_error (error, index, problem);
    }
  *latitude = lat;
  *longitude = lon;
  return TRUE;
}

/* The first of @names present in @props; a present value of the wrong type
 * is an error. */
static JsonNode *
find_property (JsonObject         *props,
               const char * const *names,
               const char        **found)
{
  for (guint i = 0; names[i] != NULL; i++)
    {
      JsonNode *node = json_object_get_member (props, names[i]);

      if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
        {
          *found = names[i];
          return node;
        }
    }
  return NULL;
}

static gboolean
get_string_prop (JsonObject          *props,
                 const char * const  *names,
                 guint                index,
                 const char         **value,
                 GError             **error)
{
  const char *found = NULL;
  JsonNode *node = find_property (props, names, &found);

  *value = NULL;
  if (node == NULL)
    return TRUE;
  if (json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_autofree char *problem = g_strdup_printf (_("the property \"%s\" must be text"), found);
      return feature_error (error, index, problem);
    }
  *value = json_node_get_string (node);
  return TRUE;
}

static gboolean
get_count_prop (JsonObject          *props,
                const char * const  *names,
                guint                index,
                int                 *value,
                GError             **error)
{
  const char *found = NULL;
  JsonNode *node = find_property (props, names, &found);
  double v;

  *value = -1;
  if (node == NULL)
    return TRUE;
  if (is_number (node))
    v = json_node_get_double (node);
  else if (json_node_get_value_type (node) == G_TYPE_STRING &&
           *json_node_get_string (node) != '\0')
    {
      char *end;

      v = g_ascii_strtod (json_node_get_string (node), &end);
      if (*end != '\0')
        v = NAN;
    }
  else
    v = NAN;

  if (!isfinite (v) || v < -1 || v > G_MAXINT || v != floor (v))
    {
      g_autofree char *problem =
        g_strdup_printf (_("the property \"%s\" must be a whole number"), found);
      return feature_error (error, index, problem);
    }
  *value = (int) v;
  return TRUE;
}

static gboolean
get_list_prop (JsonObject          *props,
               const char * const  *names,
               guint                index,
               char              ***value,
               GError             **error)
{
  const char *found = NULL;
  JsonNode *node = find_property (props, names, &found);
  g_autofree char *problem = NULL;

  *value = NULL;
  if (node == NULL)
    return TRUE;
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    {
      *value = split_list (json_node_get_string (node));
      return TRUE;
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *item = json_array_get_element (array, i);

          if (json_node_get_value_type (item) != G_TYPE_STRING)
            goto wrong;
          g_strv_builder_add (builder, json_node_get_string (item));
        }
      *value = g_strv_builder_end (builder);
      return TRUE;
    }

wrong:
  problem = g_strdup_printf (_("the property \"%s\" must be a list of texts"), found);
  return feature_error (error, index, problem);
}

#define NAMES(...) ((const char * const []) { __VA_ARGS__, NULL })

static TgReport *
report_from_foreign (JsonObject  *props,
                     double       latitude,
                     double       longitude,
                     guint        index,
                     GError     **error)
{
  g_autoptr(TgReport) report = tg_report_new ();
  g_auto(GStrv) categories = NULL;
  g_auto(GStrv) tags = NULL;
  g_auto(GStrv) perpetrators = NULL;
  const char *str;
  int count;
  gboolean date_only = FALSE;
  JsonNode *node;
  const char *found;

  if (!get_string_prop (props, NAMES ("title", "name", "titulo", "título"), index, &str, error))
    return NULL;
  tg_report_set_title (report, str);
  if (!get_string_prop (props, NAMES ("narrative", "description", "descripcion", "descripción"),
                        index, &str, error))
    return NULL;
  tg_report_set_narrative (report, str);

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GDateTime) time = NULL;

      if (!get_string_prop (props,
                            i == 0 ? NAMES ("start", "date", "fecha", "time", "timestamp")
                                   : NAMES ("end"),
                            index, &str, error))
        return NULL;
      if (str == NULL)
        continue;
      if (!parse_time (str, &time, &date_only))
        {
          g_autofree char *problem =
            g_strdup_printf (_("\"%s\" is not a date (expected ISO 8601, such as 2023-01-09)"), str);
          feature_error (error, index, problem);
          return NULL;
        }
      if (i == 0)
        {
          tg_report_set_start (report, time);
          if (date_only)
            tg_report_set_date_precision (report, TG_DATE_PRECISION_DAY);
        }
      else
        tg_report_set_end (report, time);
    }

  if (!get_string_prop (props, NAMES ("date_precision"), index, &str, error))
    return NULL;
  if (str != NULL)
    {
      TgDatePrecision precision;

      if (tg_date_precision_from_string (str, &precision))
        tg_report_set_date_precision (report, precision);
    }

  if (!isnan (latitude))
    {
      TgLocationMethod method = TG_LOCATION_METHOD_TYPED;

      if (!get_string_prop (props, NAMES ("location_method"), index, &str, error))
        return NULL;
      if (str != NULL && !tg_location_method_from_string (str, &method))
        method = TG_LOCATION_METHOD_TYPED;
      tg_report_set_location (report, latitude, longitude, method);

      node = find_property (props, NAMES ("uncertainty_m"), &found);
      if (node != NULL)
        {
          if (!is_number (node) || json_node_get_double (node) < 0)
            {
              feature_error (error, index, _("\"uncertainty_m\" must be a distance in metres"));
              return NULL;
            }
          tg_report_set_uncertainty (report, json_node_get_double (node));
        }
    }

  if (!get_string_prop (props, NAMES ("place_name", "place", "lugar", "location"), index, &str, error))
    return NULL;
  tg_report_set_place_name (report, str);
  if (!get_string_prop (props, NAMES ("region_code", "region"), index, &str, error))
    return NULL;
  tg_report_set_region_code (report, str);
  if (!get_string_prop (props, NAMES ("province_code", "province"), index, &str, error))
    return NULL;
  tg_report_set_province_code (report, str);
  if (!get_string_prop (props, NAMES ("perpetrator_unit"), index, &str, error))
    return NULL;
  tg_report_set_perpetrator_unit (report, str);

  if (!get_list_prop (props, NAMES ("categories", "category"), index, &categories, error) ||
      !get_list_prop (props, NAMES ("tags"), index, &tags, error) ||
      !get_list_prop (props, NAMES ("perpetrators", "perpetrator"), index, &perpetrators, error))
    return NULL;
  tg_report_set_categories (report, (const char * const *) categories);
  tg_report_set_tags (report, (const char * const *) tags);
  tg_report_set_perpetrators (report, (const char * const *) perpetrators);

  if (!get_count_prop (props, NAMES ("killed", "fatalities", "deaths", "muertos"), index, &count, error))
    return NULL;
  tg_report_set_killed (report, count);
  if (!get_count_prop (props, NAMES ("injured", "heridos"), index, &count, error))
    return NULL;
  tg_report_set_injured (report, count);
  if (!get_count_prop (props, NAMES ("detained", "detenidos"), index, &count, error))
    return NULL;
  tg_report_set_detained (report, count);
  if (!get_count_prop (props, NAMES ("disappeared", "desaparecidos"), index, &count, error))
    return NULL;
  tg_report_set_disappeared (report, count);

  if (!get_string_prop (props, NAMES ("status"), index, &str, error))
    return NULL;
  if (str != NULL)
    {
      TgReportStatus status;

      if (tg_report_status_from_string (str, &status))
        tg_report_set_status (report, status);
    }

  return g_steal_pointer (&report);
}

/* A feature we exported: the revision, and the state its properties and
 * geometry describe now (which differs when edited elsewhere). */
static gboolean
plan_own_feature (JsonObject  *props,
                  double       latitude,
                  double       longitude,
                  guint        index,
                  GPtrArray   *revisions,
                  GPtrArray   *reports,
                  GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(TgRevision) rev = NULL;
  g_autoptr(TgReport) original = NULL;
  g_autoptr(TgReport) current = NULL;
  g_autoptr(JsonNode) copy = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  JsonObject *state;

  rev = tg_revision_new_from_json (json_object_get_member (props, TG_GEOJSON_REVISION_MEMBER),
                                   &local_error);
  if (rev == NULL)
    {
      g_autofree char *problem = g_strdup_printf (_("its revision is damaged (%s)"),
                                                  local_error->message);
      g_set_error (error, TG_ERROR,
                   local_error->code == TG_ERROR_HASH_MISMATCH ? TG_ERROR_HASH_MISMATCH
                                                               : TG_ERROR_INVALID,
                   _("Feature %u of the GeoJSON file is invalid: %s. Nothing was imported."),
                   index, problem);
      return FALSE;
    }
  if (g_strcmp0 (tg_revision_get_kind (rev), TG_REVISION_KIND_REPORT) != 0 ||
      tg_revision_get_deleted (rev))
    return feature_error (error, index, _("its revision is not a report"));

  original = tg_report_new_from_json_string (tg_revision_get_content (rev), -1, &local_error);
  if (original == NULL)
    return feature_error (error, index, local_error->message);

  /* The state the feature shows: its properties with the geometry. */
  copy = json_node_new (JSON_NODE_OBJECT);
  state = json_object_new ();
  json_node_take_object (copy, state);
  {
    g_autoptr(GList) members = json_object_get_members (props);

    for (GList *l = members; l != NULL; l = l->next)
      if (!g_str_equal (l->data, TG_GEOJSON_REVISION_MEMBER))
        json_object_set_member (state, l->data,
                                json_node_copy (json_object_get_member (props, l->data)));
  }
  if (isnan (latitude))
    {
      json_object_set_null_member (state, "latitude");
      json_object_set_null_member (state, "longitude");
    }
  else
    {
      json_object_set_double_member (state, "latitude", latitude);
      json_object_set_double_member (state, "longitude", longitude);
    }
  current = tg_report_new_from_json (copy, &local_error);
  if (current == NULL)
    return feature_error (error, index, local_error->message);
  if (g_strcmp0 (tg_report_get_id (current), tg_revision_get_record_id (rev)) != 0)
    return feature_error (error, index, _("its id does not match its revision"));
  if (!tg_report_validate (current, &local_error))
    return feature_error (error, index, local_error->message);

  g_ptr_array_add (revisions, g_object_ref (rev));

  a = tg_report_to_json_string (original);
  b = tg_report_to_json_string (current);
  if (!g_str_equal (a, b))
    {
      const char *base[] = { tg_revision_get_id (rev), NULL };

      tg_report_set_base_revisions (current, base);
      g_ptr_array_add (reports, g_steal_pointer (&current));
    }
  return TRUE;
}

gboolean
tg_import_geojson_data (TgStore     *store,
                        const char  *data,
                        gsize        length,
                        guint       *n_imported,
                        GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) revisions = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) reports = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(JsonArray) single = NULL;
  JsonArray *features;
  JsonObject *root;
  JsonNode *node;
  const char *type;
  guint n_inserted = 0;

  g_return_val_if_fail (TG_IS_STORE (store), FALSE);

  if (n_imported != NULL)
    *n_imported = 0;
  if (!check_text (data, length, "GeoJSON", error))
    return FALSE;
  data = skip_bom (data, &length);

  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                   _("This file is not valid GeoJSON (it may be cut short): %s. "
                     "Nothing was imported."), local_error->message);
      return FALSE;
    }
  node = json_parser_get_root (parser);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node) ||
      !json_object_has_member (json_node_get_object (node), "type") ||
      json_node_get_value_type (json_object_get_member (json_node_get_object (node), "type"))
        != G_TYPE_STRING)
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                           _("This file is JSON but not GeoJSON: it must be an object with "
                             "\"type\": \"FeatureCollection\". Nothing was imported."));
      return FALSE;
    }
  root = json_node_get_object (node);
  type = json_object_get_string_member (root, "type");

  if (g_str_equal (type, "Feature"))
    {
      single = json_array_new ();
      json_array_add_element (single, json_node_copy (node));
      features = single;
    }
  else if (g_str_equal (type, "FeatureCollection"))
    {
      node = json_object_get_member (root, "features");
      if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
        {
          g_set_error_literal (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                               _("This GeoJSON file has no list of \"features\". "
                                 "Nothing was imported."));
          return FALSE;
        }
      features = json_node_get_array (node);
    }
  else
    {
      g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                   _("This GeoJSON file holds a %s, not features. Nothing was imported."), type);
      return FALSE;
    }

  for (guint i = 0; i < json_array_get_length (features); i++)
    {
      JsonNode *feature = json_array_get_element (features, i);
      JsonObject *object;
      JsonObject *props = NULL;
      double latitude, longitude;

      if (!JSON_NODE_HOLDS_OBJECT (feature) ||
          (object = json_node_get_object (feature),
           g_strcmp0 (json_object_get_string_member_with_default (object, "type", NULL), "Feature") != 0))
        return feature_error (error, i + 1, _("it is not a GeoJSON Feature"));

      node = json_object_get_member (object, "properties");
      if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
        {
          if (!JSON_NODE_HOLDS_OBJECT (node))
            return feature_error (error, i + 1, _("\"properties\" must be an object or null"));
          props = json_node_get_object (node);
        }
      if (!parse_geometry (json_object_get_member (object, "geometry"), i + 1,
                           &latitude, &longitude, error))
        return FALSE;

      if (props != NULL && json_object_has_member (props, TG_GEOJSON_REVISION_MEMBER))
        {
          if (!plan_own_feature (props, latitude, longitude, i + 1, revisions, reports, error))
            return FALSE;
        }
      else
        {
          g_autoptr(JsonObject) empty = json_object_new ();
          g_autoptr(TgReport) report = NULL;

          report = report_from_foreign (props ? props : empty, latitude, longitude, i + 1, error);
          if (report == NULL)
            return FALSE;
          if (!tg_report_validate (report, &local_error))
            return feature_error (error, i + 1, local_error->message);
          g_ptr_array_add (reports, g_steal_pointer (&report));
        }
    }

  /* Everything checked: now write. Revisions go in one transaction; new
   * and edited reports (already validated) follow. */
  if (revisions->len > 0 &&
      !tg_store_insert_revisions (store, revisions, &n_inserted, error))
    return FALSE;
  if (!save_all (store, reports, error))
    return FALSE;

  if (n_imported != NULL)
    *n_imported = n_inserted + reports->len;
  return TRUE;
}

gboolean
tg_import_geojson (TgStore       *store,
                   GFile         *file,
                   guint         *n_imported,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_autofree char *data = NULL;
  gsize length;

  g_return_val_if_fail (TG_IS_STORE (store), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  if (!g_file_load_contents (file, cancellable, &data, &length, NULL, error))
    return FALSE;
  return tg_import_geojson_data (store, data, length, n_imported, error);
}

/* CSV -------------------------------------------------------------------- */

static gboolean
row_error (GError     **error,
           guint        line,
           const char  *column,
           const char  *problem)
{
  g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
               _("Line %u of the CSV file, column \"%s\": %s. Nothing was imported."),
               line, column, problem);
  return FALSE;
}

static gboolean
set_from_cell (JsonObject  *object,
               const char  *column,
               const char  *value,
               guint        line,
               GError     **error)
{
  static const char * const text_columns[] = {
    "title", "narrative", "date_precision", "location_method", "place_name",
    "region_code", "province_code", "perpetrator_unit", "status", NULL
  };
  static const char * const list_columns[] = { "categories", "tags", "perpetrators", NULL };
  static const char * const count_columns[] = { "killed", "injured", "detained", "disappeared", NULL };
  static const char * const number_columns[] = { "latitude", "longitude", "uncertainty_m", NULL };

  if (*value == '\0')
    return TRUE;

  if (g_strv_contains (text_columns, column))
    json_object_set_string_member (object, column, value);
  else if (g_str_equal (column, "start") || g_str_equal (column, "end"))
    {
      g_autoptr(GDateTime) time = NULL;
      gboolean date_only;
      g_autofree char *iso = NULL;

      if (!parse_time (value, &time, &date_only))
        return row_error (error, line, column,
                          _("not a date (expected ISO 8601, such as 2023-01-09T14:30:00Z)"));
      iso = g_date_time_format_iso8601 (time);
      json_object_set_string_member (object, column, iso);
      if (date_only && g_str_equal (column, "start") &&
          !json_object_has_member (object, "date_precision"))
        json_object_set_string_member (object, "date_precision",
                                       tg_date_precision_to_string (TG_DATE_PRECISION_DAY));
    }
  else if (g_strv_contains (list_columns, column))
    {
      g_auto(GStrv) items = split_list (value);
      JsonArray *array = json_array_new ();

      for (guint i = 0; items[i] != NULL; i++)
        json_array_add_string_element (array, items[i]);
      json_object_set_array_member (object, column, array);
    }
  else if (g_strv_contains (count_columns, column))
    {
      gint64 count;

      if (!g_ascii_string_to_signed (value, 10, 0, G_MAXINT, &count, NULL))
        return row_error (error, line, column, _("not a whole number"));
      json_object_set_int_member (object, column, count);
    }
  else if (g_strv_contains (number_columns, column))
    {
      char *end;
      double number = g_ascii_strtod (value, &end);

      if (*end != '\0' || !isfinite (number))
        return row_error (error, line, column, _("not a number"));
      json_object_set_double_member (object, column, number);
    }
  /* id is handled by the caller; the summary columns are not imported. */
  return TRUE;
}

gboolean
tg_import_csv_data (TgStore     *store,
                    const char  *data,
                    gsize        length,
                    guint       *n_imported,
                    guint       *n_skipped,
                    GError     **error)
{
  static const char * const known[] = { TG_EXPORT_CSV_COLUMNS, NULL };
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(TgCsvReader) reader = NULL;
  g_autoptr(GPtrArray) reports = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) header = NULL;
  guint n_columns;
  guint skipped = 0;
  char **row;

  g_return_val_if_fail (TG_IS_STORE (store), FALSE);

  if (n_imported != NULL)
    *n_imported = 0;
  if (n_skipped != NULL)
    *n_skipped = 0;
  if (!check_text (data, length, "CSV", error))
    return FALSE;

  stream = g_memory_input_stream_new_from_data (data, length, NULL);
  reader = tg_csv_reader_new (stream);

  header = tg_csv_reader_read_row (reader, NULL, &local_error);
  if (header == NULL)
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error_literal (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                             _("The CSV file is empty. Nothing was imported."));
      return FALSE;
    }
  n_columns = g_strv_length (header);
  for (guint i = 0; i < n_columns; i++)
    {
      g_strstrip (header[i]);
      if (!g_strv_contains (known, header[i]))
        {
          g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                       _("The CSV file has a column \"%s\" that Testigo does not know; "
                         "the first line must name columns of a Testigo export. "
                         "Nothing was imported."), header[i]);
          return FALSE;
        }
      for (guint j = 0; j < i; j++)
        if (g_str_equal (header[i], header[j]))
          {
            g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                         _("The CSV file has the column \"%s\" twice. Nothing was imported."),
                         header[i]);
            return FALSE;
          }
    }

  while ((row = tg_csv_reader_read_row (reader, NULL, &local_error)) != NULL)
    {
      g_auto(GStrv) fields = row;
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      g_autoptr(TgReport) report = NULL;
      JsonObject *object = json_object_new ();
      guint line = tg_csv_reader_get_line (reader);
      g_autofree char *id = NULL;

      json_node_take_object (node, object);

      if (g_strv_length (fields) == 1 && *fields[0] == '\0' && n_columns > 1)
        continue;  /* a blank line */
      if (g_strv_length (fields) != n_columns)
        {
          g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                       _("Line %u of the CSV file has %u fields; the header names %u. "
                         "Nothing was imported."), line, g_strv_length (fields), n_columns);
          return FALSE;
        }

      for (guint i = 0; i < n_columns; i++)
        {
          g_autofree char *value = tg_csv_unguard (fields[i]);

          if (g_str_equal (header[i], "id"))
            {
              if (*value != '\0' && !tg_is_uuid (value))
                return row_error (error, line, "id", _("not a report id"));
              if (*value != '\0')
                id = g_steal_pointer (&value);
            }
          else if (!set_from_cell (object, header[i], value, line, error))
            return FALSE;
        }

      if (id != NULL && (g_hash_table_contains (seen, id) || id_known (store, id)))
        {
          skipped++;
          continue;
        }
      if (id == NULL)
        id = g_uuid_string_random ();
      g_hash_table_add (seen, g_strdup (id));
      json_object_set_string_member (object, "id", id);

      report = tg_report_new_from_json (node, &local_error);
      if (report == NULL || !tg_report_validate (report, &local_error))
        {
          g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                       _("Line %u of the CSV file is invalid: %s. Nothing was imported."),
                       line, local_error->message);
          return FALSE;
        }
      g_ptr_array_add (reports, g_steal_pointer (&report));
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (!save_all (store, reports, error))
    return FALSE;

  if (n_imported != NULL)
    *n_imported = reports->len;
  if (n_skipped != NULL)
    *n_skipped = skipped;
  return TRUE;
}

gboolean
tg_import_csv (TgStore       *store,
               GFile         *file,
               guint         *n_imported,
               guint         *n_skipped,
               GCancellable  *cancellable,
               GError       **error)
{
  g_autofree char *data = NULL;
  gsize length;

  g_return_val_if_fail (TG_IS_STORE (store), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  if (!g_file_load_contents (file, cancellable, &data, &length, NULL, error))
    return FALSE;
  return tg_import_csv_data (store, data, length, n_imported, n_skipped, error);
}

/* Async ------------------------------------------------------------------ */

typedef struct
{
  TgStore  *store;
  GFile    *file;
  gboolean  csv;
  guint     n_imported;
  guint     n_skipped;
} ImportData;

static void
import_data_free (gpointer user_data)
{
  ImportData *data = user_data;

  g_clear_object (&data->store);
  g_clear_object (&data->file);
  g_free (data);
}

static void
import_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ImportData *data = task_data;
  GError *error = NULL;
  gboolean ok;

  if (data->csv)
    ok = tg_import_csv (data->store, data->file, &data->n_imported, &data->n_skipped,
                        cancellable, &error);
  else
    ok = tg_import_geojson (data->store, data->file, &data->n_imported, cancellable, &error);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
import_async (TgStore             *store,
              GFile               *file,
              gboolean             csv,
              gpointer             source_tag,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  ImportData *data = g_new0 (ImportData, 1);

  data->store = g_object_ref (store);
  data->file = g_object_ref (file);
  data->csv = csv;
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, data, import_data_free);
  g_task_run_in_thread (task, import_thread);
}

void
tg_import_geojson_async (TgStore             *store,
                         GFile               *file,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (TG_IS_STORE (store));
  g_return_if_fail (G_IS_FILE (file));
  import_async (store, file, FALSE, tg_import_geojson_async, cancellable, callback, user_data);
}

gboolean
tg_import_geojson_finish (GAsyncResult  *result,
                          guint         *n_imported,
                          GError       **error)
{
  ImportData *data;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tg_import_geojson_async, FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  data = g_task_get_task_data (G_TASK (result));
  if (n_imported != NULL)
    *n_imported = data->n_imported;
  return TRUE;
}

void
tg_import_csv_async (TgStore             *store,
                     GFile               *file,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_return_if_fail (TG_IS_STORE (store));
  g_return_if_fail (G_IS_FILE (file));
  import_async (store, file, TRUE, tg_import_csv_async, cancellable, callback, user_data);
}

gboolean
tg_import_csv_finish (GAsyncResult  *result,
                      guint         *n_imported,
                      guint         *n_skipped,
                      GError       **error)
{
  ImportData *data;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tg_import_csv_async, FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  data = g_task_get_task_data (G_TASK (result));
  if (n_imported != NULL)
    *n_imported = data->n_imported;
  if (n_skipped != NULL)
    *n_skipped = data->n_skipped;
  return TRUE;
}
