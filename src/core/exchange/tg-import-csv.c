/* tg-import-csv.c — importing the CSV that Testigo exports, row by row
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

      if (!_tg_import_parse_time (value, &time, &date_only))
        return row_error (error, line, column,
                          _("not a date (expected ISO 8601, such as 2023-01-09T14:30:00Z)"));
      iso = tg_format_rfc3339 (time);
      json_object_set_string_member (object, column, iso);
      if (date_only && g_str_equal (column, "start") &&
          !json_object_has_member (object, "date_precision"))
        json_object_set_string_member (object, "date_precision",
                                       tg_date_precision_to_string (TG_DATE_PRECISION_DAY));
    }
  else if (g_strv_contains (list_columns, column))
    {
      g_auto(GStrv) items = _tg_import_split_list (value);
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
_tg_import_csv_stream (TgStore       *store,
                       GInputStream  *input,
                       TgProgress    *progress,
                       guint         *n_imported,
                       guint         *n_skipped,
                       GCancellable  *cancellable,
                       GError       **error)
{
  const char * const *known = tg_export_column_names ();
  g_autoptr(GBufferedInputStream) buffered = NULL;
  g_autoptr(TgCsvReader) reader = NULL;
  g_autoptr(TgImportSpool) spool = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) header = NULL;
  guint n_columns;
  guint skipped = 0;
  guint n_written = 0;
  char **row;

  if (n_imported != NULL)
    *n_imported = 0;
  if (n_skipped != NULL)
    *n_skipped = 0;

  buffered = G_BUFFERED_INPUT_STREAM (g_buffered_input_stream_new_sized (input, TG_IMPORT_PROBE_SIZE));
  if (!_tg_import_check_stream_start (buffered, "CSV", cancellable, error))
    return FALSE;
  if (!(spool = _tg_spool_new (store, error)))
    return FALSE;
  _tg_spool_set_progress (spool, input, progress);
  reader = tg_csv_reader_new (G_INPUT_STREAM (buffered));

  header = tg_csv_reader_read_row (reader, cancellable, &local_error);
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

  /* One record at a time; what is checked goes to the spool. */
  while ((row = tg_csv_reader_read_row (reader, cancellable, &local_error)) != NULL)
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

      if (id != NULL && (g_hash_table_contains (seen, id) || _tg_import_id_known (store, id)))
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
      if (!_tg_spool_add_report (spool, report, error))
        return FALSE;
      _tg_spool_report_progress (spool, FALSE);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (!_tg_spool_write (spool, store, &n_written, cancellable, error))
    return FALSE;
  _tg_spool_report_progress (spool, TRUE);
  if (n_imported != NULL)
    *n_imported = n_written;
  if (n_skipped != NULL)
    *n_skipped = skipped;
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
  g_autoptr(GInputStream) stream = NULL;

  g_return_val_if_fail (TG_IS_STORE (store), FALSE);

  stream = g_memory_input_stream_new_from_data (data, length, NULL);
  return _tg_import_csv_stream (store, stream, NULL, n_imported, n_skipped, NULL, error);
}

gboolean
tg_import_csv (TgStore       *store,
               GFile         *file,
               guint         *n_imported,
               guint         *n_skipped,
               GCancellable  *cancellable,
               GError       **error)
{
  g_autoptr(GFileInputStream) stream = NULL;

  g_return_val_if_fail (TG_IS_STORE (store), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  if (n_imported != NULL)
    *n_imported = 0;
  if (n_skipped != NULL)
    *n_skipped = 0;
  if (!(stream = g_file_read (file, cancellable, error)))
    return FALSE;
  return _tg_import_csv_stream (store, G_INPUT_STREAM (stream), NULL, n_imported, n_skipped,
                                cancellable, error);
}
