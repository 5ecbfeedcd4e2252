/* tg-export-columns.c — the one table of CSV export columns, for the app and the server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-export"

#include "config.h"

#include "tg-exchange-private.h"
#include "tg-export-columns.h"

static char *
join (const char * const *values)
{
  if (values == NULL || values[0] == NULL)
    return NULL;
  return g_strjoinv (";", (char **) values);
}

static char *
format_count (int count)
{
  return count < 0 ? NULL : g_strdup_printf ("%d", count);
}

static char *
victims_column (TgReport      *report,
                TgExportFlags  flags)
{
  GListModel *persons = tg_report_get_persons (report);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();

  for (guint i = 0; i < g_list_model_get_n_items (persons); i++)
    {
      g_autoptr(TgPerson) person = g_list_model_get_item (persons, i);
      const char *name = tg_person_get_name (person);

      if (tg_person_get_role (person) != TG_PERSON_ROLE_VICTIM)
        continue;
      if (name == NULL || *name == '\0')
        g_ptr_array_add (names, (char *) TG_EXPORT_UNNAMED);
      else if (_tg_export_may_name (person, flags))
        g_ptr_array_add (names, (char *) name);
      else
        g_ptr_array_add (names, (char *) TG_EXPORT_WITHHELD);
    }
  g_ptr_array_add (names, NULL);
  return join ((const char * const *) names->pdata);
}

/* One cell function per column; @flags matters only for the victims. */
#define CELL(column, expr) \
  static char *column##_cell (TgReport *r, TgExportFlags flags) { return (expr); }

CELL (id, g_strdup (tg_report_get_id (r)))
CELL (title, g_strdup (tg_report_get_title (r)))
CELL (narrative, g_strdup (tg_report_get_narrative (r)))
CELL (start, tg_format_rfc3339 (tg_report_get_start (r)))
CELL (end, tg_format_rfc3339 (tg_report_get_end (r)))
CELL (date_precision, g_strdup (tg_date_precision_to_string (tg_report_get_date_precision (r))))
CELL (latitude, _tg_format_double (tg_report_get_latitude (r)))
CELL (longitude, _tg_format_double (tg_report_get_longitude (r)))
CELL (uncertainty_m, tg_report_get_uncertainty (r) > 0 ? _tg_format_double (tg_report_get_uncertainty (r)) : NULL)
CELL (location_method, g_strdup (tg_location_method_to_string (tg_report_get_location_method (r))))
CELL (place_name, g_strdup (tg_report_get_place_name (r)))
CELL (region_code, g_strdup (tg_report_get_region_code (r)))
CELL (province_code, g_strdup (tg_report_get_province_code (r)))
CELL (categories, join (tg_report_get_categories (r)))
CELL (tags, join (tg_report_get_tags (r)))
CELL (killed, format_count (tg_report_get_killed (r)))
CELL (injured, format_count (tg_report_get_injured (r)))
CELL (detained, format_count (tg_report_get_detained (r)))
CELL (disappeared, format_count (tg_report_get_disappeared (r)))
CELL (perpetrators, join (tg_report_get_perpetrators (r)))
CELL (perpetrator_unit, g_strdup (tg_report_get_perpetrator_unit (r)))
CELL (status, g_strdup (tg_report_status_to_string (tg_report_get_status (r))))
CELL (n_persons, g_strdup_printf ("%u", g_list_model_get_n_items (tg_report_get_persons (r))))
CELL (n_sources, g_strdup_printf ("%u", g_list_model_get_n_items (tg_report_get_sources (r))))
CELL (victims, victims_column (r, flags))

#undef CELL

#define COLUMN(name, kind, event) { #name, TG_EXPORT_COLUMN_##kind, event, name##_cell }

static const TgExportColumn columns[] = {
  COLUMN (id,               TEXT,      FALSE),  /* the server writes "record" */
  COLUMN (title,            TEXT,      TRUE),
  COLUMN (narrative,        TEXT,      FALSE),
  COLUMN (start,            TEXT,      TRUE),
  COLUMN (end,              TEXT,      TRUE),
  COLUMN (date_precision,   TEXT,      TRUE),
  COLUMN (latitude,         LATITUDE,  TRUE),
  COLUMN (longitude,        LONGITUDE, TRUE),
  COLUMN (uncertainty_m,    NUMBER,    FALSE),
  COLUMN (location_method,  TEXT,      FALSE),
  COLUMN (place_name,       TEXT,      TRUE),
  COLUMN (region_code,      TEXT,      TRUE),
  COLUMN (province_code,    TEXT,      TRUE),
  COLUMN (categories,       LIST,      TRUE),
  COLUMN (tags,             LIST,      FALSE),
  COLUMN (killed,           COUNT,     TRUE),
  COLUMN (injured,          COUNT,     TRUE),
  COLUMN (detained,         COUNT,     TRUE),
  COLUMN (disappeared,      COUNT,     TRUE),
  COLUMN (perpetrators,     LIST,      TRUE),
  COLUMN (perpetrator_unit, TEXT,      TRUE),
  COLUMN (status,           TEXT,      TRUE),
  COLUMN (n_persons,        DERIVED,   FALSE),
  COLUMN (n_sources,        DERIVED,   FALSE),
  COLUMN (victims,          DERIVED,   FALSE),  /* names: never on the server */
};

#undef COLUMN

const TgExportColumn *
tg_export_columns (guint *n_columns)
{
  *n_columns = G_N_ELEMENTS (columns);
  return columns;
}

const char * const *
tg_export_column_names (void)
{
  static const char *names[G_N_ELEMENTS (columns) + 1];
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
        names[i] = columns[i].name;
      names[G_N_ELEMENTS (columns)] = NULL;
      g_once_init_leave (&once, 1);
    }
  return names;
}
