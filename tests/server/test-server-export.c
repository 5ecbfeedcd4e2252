/* test-server-export.c — the server's CSV export and the app's: one column table, one formula guard
 *
 * Both exports of the same reports, in process: the app's through
 * tg_export_csv_to_stream() on a client store, the server's through
 * tg_server_export() on a server store the reports were pushed to.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "tg-csv.h"
#include "tg-test-common.h"
#include "tg-export.h"
#include "tg-export-columns.h"
#include "tg-server-decode.h"
#include "tg-server-export.h"
#include "tg-server-store.h"
#include "tg-store.h"

/* A spreadsheet runs a cell that begins with any of these as a formula. */
static const char *hostile[] = {
  "=HYPERLINK(\"http://127.0.0.1/x\",\"clic\")",
  "+1+2",
  "-2+3 x",
  "@SUM(A1:A2)",
  "\tTAB=1+2",
  "\rCR=1+2",
  "'=quoted",   /* a leading quote is doubled, so that unguarding is exact */
};

typedef struct
{
  char          *dir;
  TgStore       *store;       /* the app's */
  TgServerStore *server;
  TgServerAuth  *auth;
  GPtrArray     *reports;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *app_dir = NULL;
  g_autofree char *db = NULL;
  g_autofree char *code = NULL;
  g_autofree char *device_id = NULL;
  g_autofree char *token = NULL;
  g_autofree char *normal = NULL;

  fixture->dir = g_dir_make_tmp ("testigo-server-export-XXXXXX", &error);
  g_assert_no_error (error);
  app_dir = g_build_filename (fixture->dir, "app", NULL);
  db = g_build_filename (fixture->dir, "server.db", NULL);

  fixture->store = tg_store_open (app_dir, &error);
  g_assert_no_error (error);
  fixture->server = tg_server_store_open (db, &error);
  g_assert_no_error (error);
  g_assert_true (tg_server_store_add_user (fixture->server, "ana", TG_SERVER_ROLE_MONITOR, &error));
  g_assert_no_error (error);
  code = tg_server_store_create_enrol_code (fixture->server, "ana", 3600, &error);
  g_assert_no_error (error);
  normal = tg_server_normalize_code (code);
  g_assert_true (tg_server_store_enrol (fixture->server, normal, "laptop", &device_id, &token, NULL, &error));
  g_assert_no_error (error);
  fixture->auth = tg_server_store_authenticate (fixture->server, token, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fixture->auth);
  fixture->reports = g_ptr_array_new_with_free_func (g_object_unref);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_pointer (&fixture->reports, g_ptr_array_unref);
  g_clear_pointer (&fixture->auth, tg_server_auth_free);
  g_clear_object (&fixture->server);
  tg_store_close (fixture->store);
  g_clear_object (&fixture->store);
  tg_test_rm_rf (fixture->dir);
  g_free (fixture->dir);
}

/* Saved in the app's store and pushed to the server. */
static void
add_report (Fixture  *fixture,
            TgReport *report)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgRevision) saved = tg_store_save_report (fixture->store, report, &error);
  g_autoptr(GPtrArray) revisions = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) blobs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(TgServerPushResult) reply = NULL;
  g_autofree char *content = tg_report_to_json_string (report);

  g_assert_no_error (error);
  g_assert_nonnull (saved);
  g_ptr_array_add (revisions, tg_revision_new (tg_report_get_id (report), "report", NULL,
                                               fixture->auth->device_id, fixture->reports->len + 1,
                                               g_get_real_time (), FALSE, content));
  g_ptr_array_add (blobs, g_new0 (char *, 1));  /* no files */
  reply = tg_server_store_push (fixture->server, fixture->auth, revisions, blobs, &error);
  g_assert_no_error (error);
  g_assert_nonnull (reply);
  g_ptr_array_add (fixture->reports, g_object_ref (report));
}

static GPtrArray *
parse_csv (const char *text)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *rows = tg_csv_parse (text, -1, &error);

  g_assert_no_error (error);
  g_assert_nonnull (rows);
  g_assert_cmpuint (rows->len, >=, 1);
  return rows;
}

static GPtrArray *
app_csv (Fixture *fixture)
{
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_assert_true (tg_export_csv_to_stream (fixture->store, NULL, out, TG_EXPORT_NONE,
                                          NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_all (out, "", 1, NULL, NULL, NULL));
  g_output_stream_close (out, NULL, NULL);
  text = g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
  return parse_csv (text);
}

static GPtrArray *
server_csv (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (fixture->dir, "server.csv", NULL);
  g_autofree char *text = NULL;

  g_assert_true (tg_server_export (fixture->server, "csv", path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return parse_csv (text);
}

static int
column_of (char      **header,
           const char *name)
{
  for (int i = 0; header[i] != NULL; i++)
    if (g_str_equal (header[i], name))
      return i;
  return -1;
}

/* The row whose @id_column is @id. */
static char **
row_of (GPtrArray  *rows,
        const char *id_column,
        const char *id)
{
  int at = column_of (rows->pdata[0], id_column);

  g_assert_cmpint (at, >=, 0);
  for (guint i = 1; i < rows->len; i++)
    if (g_strcmp0 (((char **) rows->pdata[i])[at], id) == 0)
      return rows->pdata[i];
  g_error ("no row %s", id);
  return NULL;
}

static void
assert_guarded (const char *who,
                const char *column,
                const char *cell,
                const char *value)
{
  g_autofree char *back = tg_csv_unguard (cell);

  if (cell == NULL || cell[0] != '\'' || g_strcmp0 (back, value) != 0)
    {
      g_autofree char *shown = g_strescape (cell ? cell : "(none)", NULL);
      g_autofree char *wanted = g_strescape (value, NULL);

      g_error ("%s export, column %s: cell \"%s\" for \"%s\" is not guarded", who, column, shown, wanted);
    }
}

/* A report whose text and list fields begin with each character a
 * spreadsheet runs as a formula: every such cell is guarded by both
 * exports, and reads back (unguarded) as what was typed. */
static void
test_injection (Fixture       *fixture,
                gconstpointer  data)
{
  static const char *fields[] = {
    "title", "place_name", "perpetrator_unit", "categories", "perpetrators",
  };
  g_autoptr(GPtrArray) app = NULL;
  g_autoptr(GPtrArray) server = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      g_autoptr(TgReport) report = tg_report_new ();
      const char *list[] = { hostile[i], NULL };

      tg_report_set_title (report, hostile[i]);
      tg_report_set_place_name (report, hostile[i]);
      tg_report_set_perpetrator_unit (report, hostile[i]);
      tg_report_set_categories (report, list);
      tg_report_set_perpetrators (report, list);
      add_report (fixture, report);
    }

  app = app_csv (fixture);
  server = server_csv (fixture);
  g_assert_cmpuint (app->len, ==, 1 + G_N_ELEMENTS (hostile));
  g_assert_cmpuint (server->len, ==, 1 + G_N_ELEMENTS (hostile));

  for (guint i = 0; i < fixture->reports->len; i++)
    {
      const char *id = tg_report_get_id (fixture->reports->pdata[i]);
      char **app_row = row_of (app, "id", id);
      char **server_row = row_of (server, "record", id);

      for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
        {
          int a = column_of (app->pdata[0], fields[f]);
          int s = column_of (server->pdata[0], fields[f]);

          g_assert_cmpint (a, >=, 0);
          g_assert_cmpint (s, >=, 0);
          assert_guarded ("app", fields[f], app_row[a], hostile[i]);
          assert_guarded ("server", fields[f], server_row[s], hostile[i]);
        }
    }
}

/* The report columns of the server's export are those of the app's that
 * the one table marks event-level, in the same order; the event-level
 * cells of one report are the same in both (but for the point, which the
 * server writes as its own number format). */
static void
test_columns (Fixture       *fixture,
              gconstpointer  data)
{
  static const char *record_columns[] = { "record", "revision", "server_seq", "kind", "conflict" };
  g_autoptr(TgReport) report = tg_report_new ();
  g_autoptr(GPtrArray) app = NULL;
  g_autoptr(GPtrArray) server = NULL;
  const char *categories[] = { "killing", "threat", NULL };
  const char *perpetrators[] = { "army", NULL };
  guint n_columns;
  const TgExportColumn *columns = tg_export_columns (&n_columns);
  char **app_header, **server_header, **app_row, **server_row;
  guint n_server, n_event = 0;
  int last = -1;

  tg_report_set_title (report, "Puente Añashuayco");
  tg_report_set_narrative (report, "SECRET-NARRATIVE");
  tg_report_set_place_name (report, "Añashuayco");
  tg_report_set_perpetrator_unit (report, "Batallón 3");
  tg_report_set_categories (report, categories);
  tg_report_set_perpetrators (report, perpetrators);
  tg_report_set_killed (report, 2);
  tg_report_set_detained (report, 0);
  tg_report_set_location (report, -16.5, -71.5, TG_LOCATION_METHOD_MAP);
  add_report (fixture, report);

  app = app_csv (fixture);
  server = server_csv (fixture);
  app_header = app->pdata[0];
  server_header = server->pdata[0];
  n_server = g_strv_length (server_header);

  /* The app writes every column of the table, in its order. */
  g_assert_cmpstrv ((const char * const *) app_header, tg_export_column_names ());

  /* The server: its record columns, then report columns in the app's
   * order, each one the table's event-level column at that place. */
  g_assert_cmpuint (n_server, >, G_N_ELEMENTS (record_columns));
  for (guint i = 0; i < G_N_ELEMENTS (record_columns); i++)
    g_assert_cmpstr (server_header[i], ==, record_columns[i]);
  for (guint i = G_N_ELEMENTS (record_columns); i < n_server; i++)
    {
      int at = column_of (app_header, server_header[i]);

      if (at < 0 || at <= last)
        g_error ("server column %s is not in the app's export after %s", server_header[i],
                 last >= 0 ? app_header[last] : "the start");
      last = at;
    }
  for (guint i = 0; i < n_columns; i++)
    if (columns[i].event)
      {
        g_assert_cmpstr (server_header[G_N_ELEMENTS (record_columns) + n_event], ==, columns[i].name);
        n_event++;
      }
  g_assert_cmpuint (G_N_ELEMENTS (record_columns) + n_event, ==, n_server);

  /* The same report gives the same event-level cells. */
  app_row = row_of (app, "id", tg_report_get_id (report));
  server_row = row_of (server, "record", tg_report_get_id (report));
  for (guint i = 0; i < n_columns; i++)
    {
      int a = column_of (app_header, columns[i].name);
      int s = column_of (server_header, columns[i].name);

      if (!columns[i].event)
        {
          g_assert_cmpint (s, <, 0);
          continue;
        }
      if (columns[i].kind == TG_EXPORT_COLUMN_LATITUDE || columns[i].kind == TG_EXPORT_COLUMN_LONGITUDE)
        g_assert_cmpfloat_with_epsilon (g_ascii_strtod (server_row[s], NULL),
                                        g_ascii_strtod (app_row[a], NULL), 1e-9);
      else
        g_assert_cmpstr (server_row[s], ==, app_row[a]);
    }
  g_assert_cmpstr (server_row[column_of (server_header, "title")], ==, "Puente Añashuayco");
  g_assert_cmpstr (server_row[column_of (server_header, "killed")], ==, "2");
  g_assert_cmpstr (server_row[column_of (server_header, "detained")], ==, "0");
  /* Unknown (-1 in the report's JSON): empty, as in the app's export. */
  g_assert_cmpstr (server_row[column_of (server_header, "injured")], ==, "");
  g_assert_cmpstr (server_row[column_of (server_header, "categories")], ==, "killing;threat");
  for (guint i = 0; i < n_server; i++)
    g_assert_null (strstr (server_row[i], "SECRET"));

  /* GeoJSON: the same event-level properties, an unknown count null. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonParser) parser = json_parser_new ();
    g_autofree char *path = g_build_filename (fixture->dir, "server.geojson", NULL);
    JsonObject *props;

    g_assert_true (tg_server_export (fixture->server, "geojson", path, &error));
    g_assert_no_error (error);
    g_assert_true (json_parser_load_from_file (parser, path, &error));
    g_assert_no_error (error);
    props = json_object_get_object_member (json_array_get_object_element (
      json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "features"), 0),
      "properties");
    for (guint i = 0; i < n_columns; i++)
      {
        gboolean geometry = columns[i].kind == TG_EXPORT_COLUMN_LATITUDE ||
                            columns[i].kind == TG_EXPORT_COLUMN_LONGITUDE;

        g_assert_cmpint (json_object_has_member (props, columns[i].name), ==, columns[i].event && !geometry);
      }
    g_assert_cmpint (json_object_get_int_member (props, "killed"), ==, 2);
    g_assert_true (json_object_get_null_member (props, "injured"));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/server/export/csv-injection", Fixture, NULL, fixture_set_up, test_injection, fixture_tear_down);
  g_test_add ("/server/export/columns", Fixture, NULL, fixture_set_up, test_columns, fixture_tear_down);

  return g_test_run ();
}
