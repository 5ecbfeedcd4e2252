/* tg-server-export.c — GeoJSON and CSV of every record's current version
 *
 * One row (or feature) per head revision, over the revisions' content, so
 * a record in conflict appears once per branch with "conflict" set. Only
 * event-level fields are written — the columns of the core's one column
 * table (tg-export-columns.h) marked event, in its order: no narrative, no
 * persons, no file names; the export is for figures and maps, and it
 * leaves the server. CSV goes through the core's writer (tg-csv.h) with
 * its formula guard, the same as the app's export.
 *
 * Rows are written as they are read, 64 KiB at a time, so an export of
 * the whole server never sits in memory. A file is replaced only when the
 * export is complete.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "testigo-server"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <gio/gunixoutputstream.h>
#include <glib/gi18n.h>

#include "tg-csv.h"
#include "tg-export-columns.h"
#include "tg-server-decode.h"
#include "tg-server-export.h"

#define FLUSH_BYTES (64 * 1024)

/* The record's own columns, before the report's event-level ones. */
static const char * const record_columns[] = {
  "record", "revision", "server_seq", "kind", "conflict",
};

typedef struct
{
  GOutputStream *stream;  /* buffered, FLUSH_BYTES at a time */
  TgCsvWriter   *csv;     /* NULL for GeoJSON */
  GError        *error;   /* the first write error; nothing is written after it */
  guint          n;
} Export;

static JsonObject *
content_object (const char *content,
                JsonNode  **root)
{
  *root = tg_server_parse_json (content, strlen (content), G_MAXSIZE, NULL);
  if (*root == NULL || !JSON_NODE_HOLDS_OBJECT (*root))
    return NULL;
  return json_node_get_object (*root);
}

static const char *
get_string (JsonObject *object,
            const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return NULL;
}

static gboolean
get_number (JsonObject *object,
            const char *name,
            double     *value)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE ||
      json_node_get_value_type (node) == G_TYPE_INT64)
    {
      *value = json_node_get_double (node);
      return TRUE;
    }
  return FALSE;
}

static char *
get_list (JsonObject *object,
          const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;
  GString *out = g_string_new (NULL);

  if (node && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *e = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_VALUE (e) && json_node_get_value_type (e) == G_TYPE_STRING)
            {
              if (out->len)
                g_string_append_c (out, ';');
              g_string_append (out, json_node_get_string (e));
            }
        }
    }
  return g_string_free (out, FALSE);
}

static void
head_cb (const char *record_id,
         const char *kind,
         const char *revision_id,
         gint64      seq,
         guint       n_heads,
         const char *content,
         gpointer    user_data)
{
  Export *export = user_data;
  guint n_columns;
  const TgExportColumn *columns = tg_export_columns (&n_columns);
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object = content_object (content, &root);
  double lat = 0, lon = 0;
  gboolean has_point = get_number (object, "latitude", &lat) && get_number (object, "longitude", &lon) &&
                       lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 && !(lat == 0 && lon == 0);

  if (export->error != NULL)
    return;

  if (export->csv != NULL)
    {
      g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      g_ptr_array_add (cells, g_strdup (record_id));
      g_ptr_array_add (cells, g_strdup (revision_id));
      g_ptr_array_add (cells, g_strdup_printf ("%" G_GINT64_FORMAT, seq));
      g_ptr_array_add (cells, g_strdup (kind));
      g_ptr_array_add (cells, g_strdup (n_heads > 1 ? "true" : "false"));
      for (guint i = 0; i < n_columns; i++)
        {
          const TgExportColumn *column = &columns[i];
          double v = 0;

          if (!column->event)
            continue;
          switch (column->kind)
            {
            case TG_EXPORT_COLUMN_TEXT:
              g_ptr_array_add (cells, g_strdup (get_string (object, column->name)));
              break;
            case TG_EXPORT_COLUMN_LIST:
              g_ptr_array_add (cells, get_list (object, column->name));
              break;
            case TG_EXPORT_COLUMN_COUNT:
              /* A negative count is "unknown" (-1 in a report): empty. */
              g_ptr_array_add (cells, get_number (object, column->name, &v) && v >= 0
                                        ? g_strdup_printf ("%.0f", v) : NULL);
              break;
            case TG_EXPORT_COLUMN_NUMBER:
              g_ptr_array_add (cells, get_number (object, column->name, &v)
                                        ? g_strdup (g_ascii_dtostr (buf, sizeof buf, v)) : NULL);
              break;
            case TG_EXPORT_COLUMN_LATITUDE:
            case TG_EXPORT_COLUMN_LONGITUDE:
              v = column->kind == TG_EXPORT_COLUMN_LATITUDE ? lat : lon;
              g_ptr_array_add (cells, has_point ? g_strdup (g_ascii_dtostr (buf, sizeof buf, v)) : NULL);
              break;
            case TG_EXPORT_COLUMN_DERIVED:
            default:
              /* Computed from a whole report: never event-level. */
              g_assert_not_reached ();
            }
        }
      tg_csv_writer_write_row (export->csv, (const char * const *) cells->pdata, cells->len,
                               NULL, &export->error);
    }
  else
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) feature = NULL;
      g_autofree char *text = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, "Feature");
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, revision_id);
      json_builder_set_member_name (builder, "geometry");
      if (has_point)
        {
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "type");
          json_builder_add_string_value (builder, "Point");
          json_builder_set_member_name (builder, "coordinates");
          json_builder_begin_array (builder);
          json_builder_add_double_value (builder, lon);
          json_builder_add_double_value (builder, lat);
          json_builder_end_array (builder);
          json_builder_end_object (builder);
        }
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "properties");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "record");
      json_builder_add_string_value (builder, record_id);
      json_builder_set_member_name (builder, "server_seq");
      json_builder_add_int_value (builder, seq);
      json_builder_set_member_name (builder, "kind");
      json_builder_add_string_value (builder, kind);
      json_builder_set_member_name (builder, "conflict");
      json_builder_add_boolean_value (builder, n_heads > 1);
      for (guint i = 0; i < n_columns; i++)
        {
          const TgExportColumn *column = &columns[i];
          const char *value;
          g_autofree char *list = NULL;
          double v = 0;

          if (!column->event)
            continue;
          switch (column->kind)
            {
            case TG_EXPORT_COLUMN_TEXT:
              json_builder_set_member_name (builder, column->name);
              if ((value = get_string (object, column->name)) != NULL)
                json_builder_add_string_value (builder, value);
              else
                json_builder_add_null_value (builder);
              break;
            case TG_EXPORT_COLUMN_LIST:
              list = get_list (object, column->name);
              json_builder_set_member_name (builder, column->name);
              json_builder_add_string_value (builder, list);
              break;
            case TG_EXPORT_COLUMN_COUNT:
              json_builder_set_member_name (builder, column->name);
              if (get_number (object, column->name, &v) && v >= 0)
                json_builder_add_int_value (builder, (gint64) v);
              else
                json_builder_add_null_value (builder);
              break;
            case TG_EXPORT_COLUMN_NUMBER:
              json_builder_set_member_name (builder, column->name);
              if (get_number (object, column->name, &v))
                json_builder_add_double_value (builder, v);
              else
                json_builder_add_null_value (builder);
              break;
            case TG_EXPORT_COLUMN_LATITUDE:
            case TG_EXPORT_COLUMN_LONGITUDE:
              break;  /* the geometry */
            case TG_EXPORT_COLUMN_DERIVED:
            default:
              g_assert_not_reached ();
            }
        }
      json_builder_end_object (builder);
      json_builder_end_object (builder);

      feature = json_builder_get_root (builder);
      text = json_to_string (feature, FALSE);
      if (g_output_stream_write_all (export->stream, export->n ? ",\n" : "\n",
                                     strlen (export->n ? ",\n" : "\n"), NULL, NULL, &export->error))
        g_output_stream_write_all (export->stream, text, strlen (text), NULL, NULL, &export->error);
    }
  export->n++;
}

static gboolean
write_text (Export     *export,
            const char *text)
{
  return export->error == NULL &&
         g_output_stream_write_all (export->stream, text, strlen (text), NULL, NULL, &export->error);
}

static gboolean
write_csv_header (Export *export)
{
  guint n_columns;
  const TgExportColumn *columns = tg_export_columns (&n_columns);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();

  for (guint i = 0; i < G_N_ELEMENTS (record_columns); i++)
    g_ptr_array_add (names, (char *) record_columns[i]);
  for (guint i = 0; i < n_columns; i++)
    if (columns[i].event)
      g_ptr_array_add (names, (char *) columns[i].name);
  return tg_csv_writer_write_row (export->csv, (const char * const *) names->pdata, names->len,
                                  NULL, &export->error);
}

gboolean
tg_server_export (TgServerStore  *store,
                  const char     *format,
                  const char     *path,
                  GError        **error)
{
  Export export = { NULL, NULL, NULL, 0 };
  g_autoptr(GFileOutputStream) file_stream = NULL;
  g_autoptr(GOutputStream) base = NULL;
  g_autofree char *detail = NULL;
  gboolean csv = g_strcmp0 (format, "csv") == 0;
  gboolean ok;

  if (path != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_path (path);

      file_stream = g_file_replace (file, NULL, FALSE,
                                    G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION,
                                    NULL, error);
      if (file_stream == NULL)
        return FALSE;
      base = g_object_ref (G_OUTPUT_STREAM (file_stream));
    }
  else
    base = g_unix_output_stream_new (STDOUT_FILENO, FALSE);

  /* The base stream is closed (or, on failure, abandoned) below, by hand. */
  export.stream = g_buffered_output_stream_new_sized (base, FLUSH_BYTES);
  g_filter_output_stream_set_close_base_stream (G_FILTER_OUTPUT_STREAM (export.stream), FALSE);

  if (csv)
    {
      export.csv = tg_csv_writer_new (export.stream, TG_CSV_GUARD_FORMULAS);
      write_csv_header (&export);
    }
  else
    write_text (&export, "{\"type\":\"FeatureCollection\",\"features\":[");

  ok = tg_server_store_foreach_head (store, head_cb, &export, error);
  if (!csv)
    write_text (&export, "\n]}\n");
  if (export.error == NULL)
    g_output_stream_flush (export.stream, NULL, &export.error);
  if (ok && export.error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&export.error));
      ok = FALSE;
    }
  g_clear_error (&export.error);

  if (ok)
    ok = file_stream != NULL ? g_output_stream_close (base, NULL, error)
                             : g_output_stream_flush (base, NULL, error);
  else if (file_stream != NULL)
    {
      /* A cancelled close leaves any earlier file as it was. */
      g_autoptr(GCancellable) abort = g_cancellable_new ();

      g_cancellable_cancel (abort);
      g_output_stream_close (base, abort, NULL);
    }

  if (ok)
    {
      detail = g_strdup_printf ("%s, %u rows", format, export.n);
      tg_server_store_audit (store, NULL, "export", detail);
    }
  g_clear_pointer (&export.csv, tg_csv_writer_free);
  g_clear_object (&export.stream);
  return ok;
}
