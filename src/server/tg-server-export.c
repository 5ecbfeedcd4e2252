/* tg-server-export.c — GeoJSON and CSV of every record's current version
 *
 * A small writer of its own over the revisions' content: one row (or
 * feature) per head revision, so a record in conflict appears once per
 * branch with "conflict" set. Only event-level fields are written: no
 * narrative, no persons, no file names — the export is for figures and
 * maps, and it leaves the server.
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

#include "tg-server-decode.h"
#include "tg-server-export.h"

static const char *string_fields[] = {
  "title", "start", "end", "date_precision", "place_name", "region_code",
  "province_code", "status", "perpetrator_unit", NULL,
};
static const char *int_fields[] = {
  "killed", "injured", "detained", "disappeared", NULL,
};
static const char *list_fields[] = {
  "categories", "perpetrators", NULL,
};

#define FLUSH_BYTES (64 * 1024)

typedef struct
{
  GString       *out;     /* what is not written yet */
  GOutputStream *stream;
  GError        *error;   /* the first write error; nothing is written after it */
  gboolean       csv;
  guint          n;
} Export;

static void
flush_out (Export *export)
{
  if (export->error == NULL && export->out->len > 0)
    g_output_stream_write_all (export->stream, export->out->str, export->out->len,
                               NULL, NULL, &export->error);
  g_string_truncate (export->out, 0);
}

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
csv_field (GString    *out,
           const char *value)
{
  if (value == NULL)
    value = "";
  /* Quote everything; double inner quotes. A leading =, +, - or @ is
   * prefixed with ' so a spreadsheet does not run it as a formula. */
  g_string_append_c (out, '"');
  if (strchr ("=+-@", value[0]) != NULL && value[0] != '\0')
    g_string_append_c (out, '\'');
  for (const char *p = value; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
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
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object = content_object (content, &root);
  double lat = 0, lon = 0;
  gboolean has_point = get_number (object, "latitude", &lat) && get_number (object, "longitude", &lon) &&
                       lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 && !(lat == 0 && lon == 0);

  if (export->csv)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      csv_field (export->out, record_id);
      g_string_append_c (export->out, ',');
      csv_field (export->out, revision_id);
      g_string_append_printf (export->out, ",%" G_GINT64_FORMAT ",", seq);
      csv_field (export->out, kind);
      g_string_append_printf (export->out, ",%s", n_heads > 1 ? "true" : "false");
      for (guint i = 0; string_fields[i]; i++)
        {
          g_string_append_c (export->out, ',');
          csv_field (export->out, get_string (object, string_fields[i]));
        }
      for (guint i = 0; list_fields[i]; i++)
        {
          g_autofree char *list = get_list (object, list_fields[i]);

          g_string_append_c (export->out, ',');
          csv_field (export->out, list);
        }
      for (guint i = 0; int_fields[i]; i++)
        {
          double v = 0;

          g_string_append_c (export->out, ',');
          if (get_number (object, int_fields[i], &v))
            g_string_append_printf (export->out, "%.0f", v);
        }
      g_string_append_c (export->out, ',');
      if (has_point)
        g_string_append (export->out, g_ascii_dtostr (buf, sizeof buf, lat));
      g_string_append_c (export->out, ',');
      if (has_point)
        g_string_append (export->out, g_ascii_dtostr (buf, sizeof buf, lon));
      g_string_append (export->out, "\r\n");
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
      for (guint i = 0; string_fields[i]; i++)
        {
          const char *v = get_string (object, string_fields[i]);

          json_builder_set_member_name (builder, string_fields[i]);
          if (v)
            json_builder_add_string_value (builder, v);
          else
            json_builder_add_null_value (builder);
        }
      for (guint i = 0; list_fields[i]; i++)
        {
          g_autofree char *list = get_list (object, list_fields[i]);

          json_builder_set_member_name (builder, list_fields[i]);
          json_builder_add_string_value (builder, list);
        }
      for (guint i = 0; int_fields[i]; i++)
        {
          double v = 0;

          json_builder_set_member_name (builder, int_fields[i]);
          if (get_number (object, int_fields[i], &v))
            json_builder_add_int_value (builder, (gint64) v);
          else
            json_builder_add_null_value (builder);
        }
      json_builder_end_object (builder);
      json_builder_end_object (builder);

      feature = json_builder_get_root (builder);
      text = json_to_string (feature, FALSE);
      g_string_append (export->out, export->n ? ",\n" : "\n");
      g_string_append (export->out, text);
    }
  export->n++;
  if (export->out->len >= FLUSH_BYTES)
    flush_out (export);
}

gboolean
tg_server_export (TgServerStore  *store,
                  const char     *format,
                  const char     *path,
                  GError        **error)
{
  Export export = { g_string_sized_new (FLUSH_BYTES + 4096), NULL, NULL, g_strcmp0 (format, "csv") == 0, 0 };
  g_autoptr(GFileOutputStream) file_stream = NULL;
  g_autofree char *detail = NULL;
  gboolean ok;

  if (path != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_path (path);

      file_stream = g_file_replace (file, NULL, FALSE,
                                    G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION,
                                    NULL, error);
      if (file_stream == NULL)
        {
          g_string_free (export.out, TRUE);
          return FALSE;
        }
      export.stream = g_object_ref (G_OUTPUT_STREAM (file_stream));
    }
  else
    export.stream = g_unix_output_stream_new (STDOUT_FILENO, FALSE);

  if (export.csv)
    {
      g_string_append (export.out, "record,revision,server_seq,kind,conflict");
      for (guint i = 0; string_fields[i]; i++)
        g_string_append_printf (export.out, ",%s", string_fields[i]);
      for (guint i = 0; list_fields[i]; i++)
        g_string_append_printf (export.out, ",%s", list_fields[i]);
      for (guint i = 0; int_fields[i]; i++)
        g_string_append_printf (export.out, ",%s", int_fields[i]);
      g_string_append (export.out, ",latitude,longitude\r\n");
    }
  else
    g_string_append (export.out, "{\"type\":\"FeatureCollection\",\"features\":[");

  ok = tg_server_store_foreach_head (store, head_cb, &export, error);
  if (!export.csv)
    g_string_append (export.out, "\n]}\n");
  flush_out (&export);
  if (ok && export.error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&export.error));
      ok = FALSE;
    }
  g_clear_error (&export.error);

  if (ok)
    ok = file_stream != NULL ? g_output_stream_close (export.stream, NULL, error)
                             : g_output_stream_flush (export.stream, NULL, error);
  else if (file_stream != NULL)
    {
      /* A cancelled close leaves any earlier file as it was. */
      g_autoptr(GCancellable) abort = g_cancellable_new ();

      g_cancellable_cancel (abort);
      g_output_stream_close (export.stream, abort, NULL);
    }

  if (ok)
    {
      detail = g_strdup_printf ("%s, %u rows", format, export.n);
      tg_server_store_audit (store, NULL, "export", detail);
    }
  g_clear_object (&export.stream);
  g_string_free (export.out, TRUE);
  return ok;
}
