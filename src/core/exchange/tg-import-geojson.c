/* tg-import-geojson.c — mapping a GeoJSON feature, ours or foreign, to a report
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-import"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tg-csv.h"
#include "tg-exchange-private.h"
#include "tg-export-columns.h"
#include "tg-import.h"
#include "tg-import-private.h"
#include "tg-json-scanner.h"

/* GeoJSON ---------------------------------------------------------------- */

gboolean
_tg_import_feature_error (GError     **error,
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

gboolean
_tg_import_parse_geometry (JsonNode  *node,
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
    return _tg_import_feature_error (error, index, _("\"geometry\" must be an object or null"));

  object = json_node_get_object (node);
  type = json_object_get_member (object, "type");
  if (type == NULL || json_node_get_value_type (type) != G_TYPE_STRING)
    return _tg_import_feature_error (error, index, _("the geometry has no \"type\""));
  if (g_strv_contains (other_types, json_node_get_string (type)))
    return TRUE;  /* shapes other than a point give no single location */
  if (!g_str_equal (json_node_get_string (type), "Point"))
    return _tg_import_feature_error (error, index, _("the geometry type is unknown"));

  node = json_object_get_member (object, "coordinates");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node) ||
      (coords = json_node_get_array (node), json_array_get_length (coords) < 2) ||
      json_array_get_length (coords) > 3 ||
      !is_number (json_array_get_element (coords, 0)) ||
      !is_number (json_array_get_element (coords, 1)))
    return _tg_import_feature_error (error, index,
                          _("a point needs \"coordinates\": [longitude, latitude]"));

  lon = json_array_get_double_element (coords, 0);
  lat = json_array_get_double_element (coords, 1);
  if (!isfinite (lon) || !isfinite (lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90)
    {
      g_autofree char *problem =
        g_strdup_printf (_("the coordinates [%g, %g] are out of range "
                           "(GeoJSON gives longitude, from -180 to 180, then latitude, "
                           "from -90 to 90)"), lon, lat);
      return _tg_import_feature_error (error, index, problem);
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
      return _tg_import_feature_error (error, index, problem);
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
      return _tg_import_feature_error (error, index, problem);
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
      *value = _tg_import_split_list (json_node_get_string (node));
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
  return _tg_import_feature_error (error, index, problem);
}

#define NAMES(...) ((const char * const []) { __VA_ARGS__, NULL })

TgReport *
_tg_import_report_from_foreign (JsonObject  *props,
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
      if (!_tg_import_parse_time (str, &time, &date_only))
        {
          g_autofree char *problem =
            g_strdup_printf (_("\"%s\" is not a date (expected ISO 8601, such as 2023-01-09)"), str);
          _tg_import_feature_error (error, index, problem);
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
              _tg_import_feature_error (error, index, _("\"uncertainty_m\" must be a distance in metres"));
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
gboolean
_tg_import_plan_own_feature (JsonObject     *props,
                             double          latitude,
                             double          longitude,
                             guint           index,
                             TgImportSpool  *spool,
                             GError        **error)
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
    return _tg_import_feature_error (error, index, _("its revision is not a report"));

  original = tg_report_new_from_json_string (tg_revision_get_content (rev), -1, &local_error);
  if (original == NULL)
    return _tg_import_feature_error (error, index, local_error->message);

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
    return _tg_import_feature_error (error, index, local_error->message);
  if (g_strcmp0 (tg_report_get_id (current), tg_revision_get_record_id (rev)) != 0)
    return _tg_import_feature_error (error, index, _("its id does not match its revision"));
  if (!tg_report_validate (current, &local_error))
    return _tg_import_feature_error (error, index, local_error->message);

  a = tg_report_to_json_string (original);
  b = tg_report_to_json_string (current);

  /* A revision this store (or this file) has already: nothing to write
   * unless the feature was edited since. */
  if (g_hash_table_contains (spool->seen, tg_revision_get_id (rev)) ||
      _tg_import_revision_known (spool->store, tg_revision_get_id (rev)))
    {
      if (g_str_equal (a, b))
        {
          spool->n_skipped++;
          return TRUE;
        }
    }
  else
    {
      g_hash_table_add (spool->seen, g_strdup (tg_revision_get_id (rev)));
      if (!_tg_spool_add_revision (spool, rev, error))
        return FALSE;
    }

  if (!g_str_equal (a, b))
    {
      const char *base[] = { tg_revision_get_id (rev), NULL };

      tg_report_set_base_revisions (current, base);
      return _tg_spool_add_report (spool, current, error);
    }
  return TRUE;
}

/* The members a report's JSON form has, and the geometry's. */
static gboolean
is_report_member (const char *name)
{
  static GHashTable *known;

  if (g_once_init_enter (&known))
    {
      g_autoptr(TgReport) empty = tg_report_new ();
      g_autoptr(JsonNode) node = tg_report_to_json (empty);
      g_autoptr(GList) members = json_object_get_members (json_node_get_object (node));
      GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

      for (GList *l = members; l != NULL; l = l->next)
        g_hash_table_add (set, g_strdup (l->data));
      g_hash_table_add (set, g_strdup ("latitude"));
      g_hash_table_add (set, g_strdup ("longitude"));
      g_once_init_leave (&known, set);
    }
  return g_hash_table_contains (known, name);
}

/* Properties written the way Testigo writes a report (its "format" and
 * "id"), without the revision: an export edited by hand, a public export,
 * or another tool's file in Testigo's form. */
gboolean
_tg_import_is_testigo_properties (JsonObject *props)
{
  JsonNode *format = json_object_get_member (props, "format");
  JsonNode *id = json_object_get_member (props, "id");

  return format != NULL && is_number (format) && id != NULL &&
         json_node_get_value_type (id) == G_TYPE_STRING &&
         tg_is_uuid (json_node_get_string (id));
}

/* Keeps every field of the report as written (id, persons, sources with
 * their hashes…). Properties a report does not have are not dropped: they
 * are appended to the narrative under a heading, where a person sees
 * them. */
gboolean
_tg_import_plan_testigo_properties (JsonObject     *props,
                                    double          latitude,
                                    double          longitude,
                                    guint           index,
                                    TgImportSpool  *spool,
                                    GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) copy = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(TgReport) report = NULL;
  g_autoptr(TgReport) here = NULL;
  g_autoptr(GString) extra = g_string_new (NULL);
  g_autoptr(GList) members = json_object_get_members (props);
  JsonObject *state = json_object_new ();
  gboolean masked = FALSE;
  const char *id;

  json_node_take_object (copy, state);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *value = json_object_get_member (props, name);

      if (g_str_equal (name, TG_GEOJSON_WITHHELD_MEMBER))
        masked = JSON_NODE_HOLDS_VALUE (value) && json_node_get_boolean (value);
      else if (g_str_has_prefix (name, "testigo:"))
        continue;
      else if (is_report_member (name))
        json_object_set_member (state, name, json_node_copy (value));
      else
        {
          g_autofree char *text = NULL;

          if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
            text = g_strdup (json_node_get_string (value));
          else
            text = json_to_string (value, FALSE);
          g_string_append_printf (extra, "\n%s: %s", name, text);
        }
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

  report = tg_report_new_from_json (copy, &local_error);
  if (report == NULL)
    return _tg_import_feature_error (error, index, local_error->message);
  if (extra->len > 0)
    {
      const char *narrative = tg_report_get_narrative (report);
      g_autofree char *text =
        g_strdup_printf ("%s%s%s%s", narrative ? narrative : "", narrative ? "\n\n" : "",
                         _("Fields of the imported file that a Testigo report does not have:"), extra->str);

      tg_report_set_narrative (report, text);
    }
  if (!tg_report_validate (report, &local_error))
    return _tg_import_feature_error (error, index, local_error->message);

  id = tg_report_get_id (report);
  if (g_hash_table_contains (spool->seen, id))
    {
      g_autofree char *problem = g_strdup_printf (_("the report %s appears twice in the file"), id);
      return _tg_import_feature_error (error, index, problem);
    }
  g_hash_table_add (spool->seen, g_strdup (id));

  if (_tg_import_id_known (spool->store, id))
    {
      g_autofree char *a = NULL;
      g_autofree char *b = NULL;

      here = tg_store_load_report (spool->store, id, &local_error);
      if (here == NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      a = tg_report_to_json_string (here);
      b = tg_report_to_json_string (report);
      /* The same report, or a copy with names withheld for the public:
       * never written over the full one. */
      if (g_str_equal (a, b) || masked)
        {
          spool->n_skipped++;
          return TRUE;
        }
      /* Edited by hand: an edit on top of the report as it is here. */
      tg_report_set_base_revisions (report, tg_report_get_base_revisions (here));
    }
  return _tg_spool_add_report (spool, report, error);
}
