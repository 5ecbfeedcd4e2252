/* tg-workspace-util.c — words for incident fields, provenance and counts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-workspace"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "tg-ui-util.h"
#include "tg-workspace-util.h"

static const char *
member_string (JsonObject *value,
               const char *name)
{
  JsonNode *node = value && json_object_has_member (value, name) ? json_object_get_member (value, name) : NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
member_double (JsonObject *value,
               const char *name,
               double     *out)
{
  JsonNode *node = value && json_object_has_member (value, name) ? json_object_get_member (value, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  *out = json_node_get_double (node);
  return TRUE;
}

static void
append_codes (GString    *out,
              JsonObject *value,
              const char *name,
              GListModel *vocabulary)
{
  JsonNode *node = value && json_object_has_member (value, name) ? json_object_get_member (value, name) : NULL;
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return;
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      const char *code = json_array_get_string_element (array, i);
      const char *label = code ? tg_ui_vocabulary_label (vocabulary, code) : NULL;

      if (code == NULL)
        continue;
      if (out->len > 0)
        g_string_append (out, ", ");
      g_string_append (out, label ? label : code);
    }
}

static char *
describe_when (JsonObject *value)
{
  const char *start = member_string (value, "start");
  const char *end = member_string (value, "end");
  TgDatePrecision precision = TG_DATE_PRECISION_DAY;
  g_autoptr(GDateTime) s = NULL;
  g_autoptr(GDateTime) e = NULL;
  g_autofree char *from = NULL;
  g_autofree char *until = NULL;

  if (start == NULL)
    return NULL;
  tg_date_precision_from_string (member_string (value, "date_precision"), &precision);
  s = g_date_time_new_from_iso8601 (start, NULL);
  e = end ? g_date_time_new_from_iso8601 (end, NULL) : NULL;
  if (s == NULL)
    return g_strdup (start);
  from = tg_ui_format_date (s, precision);
  if (e == NULL)
    return g_steal_pointer (&from);
  until = tg_ui_format_date (e, precision);
  /* TRANSLATORS: a date range */
  return g_strdup_printf (_("%s to %s"), from, until);
}

char *
tg_workspace_describe_field (TgIncidentField  field,
                             JsonObject      *value,
                             GListModel      *categories,
                             GListModel      *perpetrators)
{
  g_autoptr(GString) out = g_string_new (NULL);
  double lat, lon, radius;

  switch (field)
    {
    case TG_INCIDENT_FIELD_TITLE:
      g_string_append (out, member_string (value, "title") ?: "");
      break;
    case TG_INCIDENT_FIELD_NARRATIVE:
      g_string_append (out, member_string (value, "narrative") ?: "");
      break;
    case TG_INCIDENT_FIELD_WHEN:
      {
        g_autofree char *when = describe_when (value);

        g_string_append (out, when ?: "");
      }
      break;
    case TG_INCIDENT_FIELD_LOCATION:
      if (member_double (value, "latitude", &lat) && member_double (value, "longitude", &lon))
        {
          g_string_append_printf (out, "%.5f, %.5f", lat, lon);
          if (member_double (value, "uncertainty_m", &radius) && radius > 0)
            /* TRANSLATORS: a location's uncertainty in metres */
            g_string_append_printf (out, _(" (± %.0f m)"), radius);
        }
      break;
    case TG_INCIDENT_FIELD_PLACE:
      {
        const char *place = member_string (value, "place_name");
        const char *region = member_string (value, "region_code");
        const char *province = member_string (value, "province_code");
        const char *code = province && *province ? province : region;

        if (place && *place)
          g_string_append (out, place);
        if (code && *code)
          g_string_append_printf (out, out->len ? " (%s)" : "%s", code);
      }
      break;
    case TG_INCIDENT_FIELD_CATEGORIES:
      append_codes (out, value, "categories", categories);
      break;
    case TG_INCIDENT_FIELD_PERPETRATORS:
      {
        const char *unit = member_string (value, "perpetrator_unit");

        append_codes (out, value, "perpetrators", perpetrators);
        if (unit && *unit)
          g_string_append_printf (out, out->len ? " — %s" : "%s", unit);
      }
      break;
    case TG_INCIDENT_N_FIELDS:
    default:
      break;
    }
  if (out->len == 0)
    return g_strdup (_("Not given"));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

gboolean
tg_workspace_field_values_equal (JsonObject *a,
                                 JsonObject *b)
{
  g_autoptr(JsonNode) na = NULL;
  g_autoptr(JsonNode) nb = NULL;

  if (a == NULL || b == NULL)
    return (a == NULL || json_object_get_size (a) == 0) && (b == NULL || json_object_get_size (b) == 0);
  na = json_node_init_object (json_node_alloc (), a);
  nb = json_node_init_object (json_node_alloc (), b);
  return json_node_equal (na, nb);
}

guint
tg_workspace_report_number (GPtrArray  *reports,
                            const char *report_id)
{
  for (guint i = 0; reports != NULL && i < reports->len; i++)
    if (g_strcmp0 (tg_report_get_id (g_ptr_array_index (reports, i)), report_id) == 0)
      return i + 1;
  return 0;
}

char *
tg_workspace_describe_provenance (const TgProvenance *provenance,
                                  GPtrArray          *reports)
{
  guint n;

  if (provenance == NULL || provenance->kind == TG_PROVENANCE_NONE)
    return g_strdup (_("No report gives it"));
  if (provenance->kind == TG_PROVENANCE_COORDINATOR)
    {
      if (provenance->reason != NULL && *provenance->reason != '\0')
        return g_strdup_printf (_("Written by the coordinator: %s"), provenance->reason);
      return g_strdup (_("Written by the coordinator"));
    }
  n = tg_workspace_report_number (reports, provenance->report_id);
  if (n == 0)
    return g_strdup_printf (_("From report %s"), provenance->report_id);
  {
    const char *title = tg_report_get_title (g_ptr_array_index (reports, n - 1));

    return g_strdup_printf (_("From report %u, “%s”"), n,
                            title && *title ? title : _("Untitled report"));
  }
}

char *
tg_workspace_describe_count (const TgIncidentCountValue *count,
                             GPtrArray                  *reports)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GString) sources = g_string_new (NULL);

  if (count == NULL || count->n_sources == 0)
    return g_strdup (_("Unknown"));
  if (count->min == count->max)
    g_string_append_printf (out, "%d", count->min);
  else
    /* TRANSLATORS: a range of counts, such as "17–18" */
    g_string_append_printf (out, _("%d–%d"), count->min, count->max);
  for (guint i = 0; i < count->n_sources; i++)
    {
      guint n = tg_workspace_report_number (reports, count->sources[i].report_id);

      if (sources->len > 0)
        g_string_append (sources, ", ");
      /* TRANSLATORS: one report's figure, such as "17 in report 1" */
      g_string_append_printf (sources, _("%d in report %u"), count->sources[i].value, n);
    }
  g_string_append_printf (out, " (%s)", sources->str);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

char *
tg_workspace_report_line (const char *place,
                          gint64      start)
{
  g_autoptr(GDateTime) date = start != 0 ? g_date_time_new_from_unix_local (start) : NULL;
  g_autofree char *when = date ? tg_ui_format_date (date, TG_DATE_PRECISION_DAY) : NULL;

  if (place && *place && when)
    return g_strdup_printf ("%s · %s", place, when);
  if (place && *place)
    return g_strdup (place);
  if (when)
    return g_steal_pointer (&when);
  return g_strdup (_("No place or date"));
}
