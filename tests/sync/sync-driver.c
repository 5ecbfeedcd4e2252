/* sync-driver.c — make data in a store, enrol it and sync it, one JSON line each
 *
 *   sync-driver --store DIR [--server URI --fingerprint FP --code CODE]
 *               [--make-reports N] [--make-files N --file-size BYTES
 *                [--file-kind random|jpeg]] [--edit N] [--delete N]
 *               [--seed S] [--syncs N] [--chunk-size BYTES]
 *               [--send-originals] [--metered] [--progress]
 *               [--timeout SECONDS]
 *
 * The fault runs (fault-sync.py) and the benchmark (bench-sync.py) run it
 * once per step, so that a step can be killed (SIGKILL) like the app.
 * Every line on stdout is one JSON object with an "event":
 *   {"event": "made", "reports": N, "revisions": N, "files": [{"sha256",
 *    "size", "thumbnail"}…]}       data made in the store (--make-*, --edit)
 *   {"event": "enrolled", "device_id": …}
 *   {"event": "progress", "phase": …, "progress": …}   with --progress
 *   {"event": "sync", "outcome": "ok"|"partial"|"failed"|"cancelled",
 *    every TgSyncEntry field, "error_code", "n_connections", "pending"
 *    (TgSyncPending after the sync), "vm_hwm_kb", "vm_rss_kb",
 *    "sqlite_heap_hwm_kb"}
 * The exit status is the last sync's outcome: 0 ok, 1 partial, 2 failed,
 * 3 cancelled or timed out; 4 when nothing could start (usage, the store,
 * the enrolment). Without --syncs (or with 0) it only makes data.
 *
 * The device token is kept in DIR/sync-driver.token (mode 0600): this is
 * a test program, and a test machine has no keyring to unlock. The app
 * keeps it in the keyring (tg-sync-credentials.h).
 *
 * The network monitor is a fake that is always up (unmetered unless
 * --metered), so that loopback runs never wait for a real network.
 *
 * A store the app has encrypted (a vault.key in DIR, docs/at-rest.md) is
 * opened with $TESTIGO_PASSPHRASE, as `testigo --export` opens it:
 * tests/app/test-sync-kill.py adds data to the app's own store this way.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sync-driver"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "tg-blob-store.h"
#include "tg-person.h"
#include "tg-source.h"
#include "tg-store.h"
#include "tg-store-sync.h"
#include "tg-sync-engine.h"
#include "tg-vault.h"

enum
{
  EXIT_OK = 0,
  EXIT_PARTIAL = 1,
  EXIT_FAILED = 2,
  EXIT_CANCELLED = 3,
  EXIT_SETUP = 4,
};

/* ---- A network monitor that is always up ------------------------------ */

#define DRIVER_TYPE_MONITOR (driver_monitor_get_type ())
G_DECLARE_FINAL_TYPE (DriverMonitor, driver_monitor, DRIVER, MONITOR, GObject)

struct _DriverMonitor
{
  GObject  parent_instance;
  gboolean metered;
};

enum
{
  PROP_0,
  PROP_NETWORK_AVAILABLE,
  PROP_NETWORK_METERED,
  PROP_CONNECTIVITY,
};

static gboolean
driver_monitor_can_reach (GNetworkMonitor     *monitor,
                          GSocketConnectable  *connectable,
                          GCancellable        *cancellable,
                          GError             **error)
{
  return TRUE;
}

static void
driver_monitor_can_reach_async (GNetworkMonitor     *monitor,
                                GSocketConnectable  *connectable,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (monitor, cancellable, callback, user_data);

  g_task_return_boolean (task, TRUE);
}

static gboolean
driver_monitor_can_reach_finish (GNetworkMonitor  *monitor,
                                 GAsyncResult     *result,
                                 GError          **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
driver_monitor_initable_init (GInitable     *initable,
                              GCancellable  *cancellable,
                              GError       **error)
{
  return TRUE;
}

static void
driver_monitor_initable_iface_init (GInitableIface *iface)
{
  iface->init = driver_monitor_initable_init;
}

static void
driver_monitor_iface_init (GNetworkMonitorInterface *iface)
{
  iface->can_reach = driver_monitor_can_reach;
  iface->can_reach_async = driver_monitor_can_reach_async;
  iface->can_reach_finish = driver_monitor_can_reach_finish;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (DriverMonitor, driver_monitor, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      driver_monitor_initable_iface_init)
                               G_IMPLEMENT_INTERFACE (G_TYPE_NETWORK_MONITOR,
                                                      driver_monitor_iface_init))

static void
driver_monitor_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  DriverMonitor *self = DRIVER_MONITOR (object);

  switch (prop_id)
    {
    case PROP_NETWORK_AVAILABLE:
      g_value_set_boolean (value, TRUE);
      break;
    case PROP_NETWORK_METERED:
      g_value_set_boolean (value, self->metered);
      break;
    case PROP_CONNECTIVITY:
      g_value_set_enum (value, G_NETWORK_CONNECTIVITY_FULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
driver_monitor_class_init (DriverMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = driver_monitor_get_property;
  g_object_class_override_property (object_class, PROP_NETWORK_AVAILABLE, "network-available");
  g_object_class_override_property (object_class, PROP_NETWORK_METERED, "network-metered");
  g_object_class_override_property (object_class, PROP_CONNECTIVITY, "connectivity");
}

static void
driver_monitor_init (DriverMonitor *self)
{
}

/* ---- Options -------------------------------------------------------------- */

static char     *opt_store;
static char     *opt_server;
static char     *opt_fingerprint;
static char     *opt_code;
static char     *opt_device_name;
static int       opt_make_reports;
static int       opt_make_files;
static gint64    opt_file_size = 2 * 1024 * 1024;
static char     *opt_file_kind;
static int       opt_edit;
static int       opt_delete;
static gint64    opt_seed = -1;
static int       opt_syncs;
static gint64    opt_chunk_size;
static gboolean  opt_send_originals;
static gboolean  opt_metered;
static gboolean  opt_progress;
static int       opt_timeout = 600;
static int       opt_sqlite_heap_limit_kb;

static GOptionEntry entries[] = {
  { "store", 0, 0, G_OPTION_ARG_FILENAME, &opt_store, "The store's folder (created if new)", "DIR" },
  { "server", 0, 0, G_OPTION_ARG_STRING, &opt_server, "Enrol with this server", "URI" },
  { "fingerprint", 0, 0, G_OPTION_ARG_STRING, &opt_fingerprint, "The server certificate's SHA-256", "FP" },
  { "code", 0, 0, G_OPTION_ARG_STRING, &opt_code, "The enrolment code", "CODE" },
  { "device-name", 0, 0, G_OPTION_ARG_STRING, &opt_device_name, "The device's name", "NAME" },
  { "make-reports", 0, 0, G_OPTION_ARG_INT, &opt_make_reports, "Make N new reports", "N" },
  { "make-files", 0, 0, G_OPTION_ARG_INT, &opt_make_files, "Make N files, one per new report", "N" },
  { "file-size", 0, 0, G_OPTION_ARG_INT64, &opt_file_size, "About this many bytes a file (2 MiB)", "BYTES" },
  { "file-kind", 0, 0, G_OPTION_ARG_STRING, &opt_file_kind, "random bytes, or a jpeg of noise (with a thumbnail)", "KIND" },
  { "edit", 0, 0, G_OPTION_ARG_INT, &opt_edit, "Edit N live reports", "N" },
  { "delete", 0, 0, G_OPTION_ARG_INT, &opt_delete, "Delete N live reports", "N" },
  { "seed", 0, 0, G_OPTION_ARG_INT64, &opt_seed, "Seed of the data made (printed)", "S" },
  { "syncs", 0, 0, G_OPTION_ARG_INT, &opt_syncs, "Run N syncs", "N" },
  { "chunk-size", 0, 0, G_OPTION_ARG_INT64, &opt_chunk_size, "Upload chunk size", "BYTES" },
  { "send-originals", 0, 0, G_OPTION_ARG_NONE, &opt_send_originals, "Send originals in this sync", NULL },
  { "metered", 0, 0, G_OPTION_ARG_NONE, &opt_metered, "The fake network is metered", NULL },
  { "progress", 0, 0, G_OPTION_ARG_NONE, &opt_progress, "Print the phase and progress as they change", NULL },
  { "timeout", 0, 0, G_OPTION_ARG_INT, &opt_timeout, "Cancel a sync after this many seconds (600)", "S" },
  { "sqlite-heap-limit-kb", 0, 0, G_OPTION_ARG_INT, &opt_sqlite_heap_limit_kb,
    "Hold SQLite's heap (its page caches) to about this many KiB (sqlite3_soft_heap_limit64)", "KIB" },
  { NULL }
};

/* ---- Output --------------------------------------------------------------- */

static void
print_object (JsonBuilder *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = json_to_string (root, FALSE);

  g_print ("%s\n", text);
  fflush (stdout);
}

/* A field of /proc/self/status in kB, or -1. */
static gint64
status_kb (const char *field)
{
  g_autofree char *status = NULL;
  g_auto(GStrv) lines = NULL;
  gsize len = strlen (field);

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  lines = g_strsplit (status, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (strncmp (lines[i], field, len) == 0 && lines[i][len] == ':')
      return g_ascii_strtoll (lines[i] + len + 1, NULL, 10);
  return -1;
}

static const char *
outcome_name (TgSyncOutcome outcome)
{
  switch (outcome)
    {
    case TG_SYNC_OUTCOME_OK:
      return "ok";
    case TG_SYNC_OUTCOME_PARTIAL:
      return "partial";
    case TG_SYNC_OUTCOME_FAILED:
      return "failed";
    case TG_SYNC_OUTCOME_CANCELLED:
      return "cancelled";
    default:
      return "unknown";
    }
}

static int
outcome_exit (TgSyncOutcome outcome)
{
  switch (outcome)
    {
    case TG_SYNC_OUTCOME_OK:
      return EXIT_OK;
    case TG_SYNC_OUTCOME_PARTIAL:
      return EXIT_PARTIAL;
    case TG_SYNC_OUTCOME_CANCELLED:
      return EXIT_CANCELLED;
    case TG_SYNC_OUTCOME_FAILED:
    default:
      return EXIT_FAILED;
    }
}

static void
print_entry (TgSyncEngine      *engine,
             const TgSyncEntry *entry,
             const GError      *error,
             gboolean           timed_out)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  TgSyncPending pending = { 0 };
  TgSyncError code;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "event");
  json_builder_add_string_value (b, "sync");
  json_builder_set_member_name (b, "outcome");
  json_builder_add_string_value (b, outcome_name (entry->outcome));
  json_builder_set_member_name (b, "started_at");
  json_builder_add_int_value (b, entry->started_at);
  json_builder_set_member_name (b, "duration_us");
  json_builder_add_int_value (b, entry->duration_us);
  json_builder_set_member_name (b, "n_revisions_sent");
  json_builder_add_int_value (b, entry->n_revisions_sent);
  json_builder_set_member_name (b, "n_reports_sent");
  json_builder_add_int_value (b, entry->n_reports_sent);
  json_builder_set_member_name (b, "n_files_sent");
  json_builder_add_int_value (b, entry->n_files_sent);
  json_builder_set_member_name (b, "bytes_sent");
  json_builder_add_int_value (b, (gint64) entry->bytes_sent);
  json_builder_set_member_name (b, "n_revisions_received");
  json_builder_add_int_value (b, entry->n_revisions_received);
  json_builder_set_member_name (b, "n_reports_new");
  json_builder_add_int_value (b, entry->n_reports_new);
  json_builder_set_member_name (b, "n_reports_changed");
  json_builder_add_int_value (b, entry->n_reports_changed);
  json_builder_set_member_name (b, "n_conflicts");
  json_builder_add_int_value (b, entry->n_conflicts);
  json_builder_set_member_name (b, "n_files_held_back");
  json_builder_add_int_value (b, entry->n_files_held_back);
  json_builder_set_member_name (b, "clock_offset_us");
  json_builder_add_int_value (b, entry->clock_offset_us);
  json_builder_set_member_name (b, "received_from");
  if (entry->received_from != NULL)
    json_builder_add_string_value (b, entry->received_from);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "error");
  if (entry->error != NULL)
    json_builder_add_string_value (b, entry->error);
  else if (error != NULL)
    json_builder_add_string_value (b, error->message);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "error_code");
  if (error != NULL && error->domain == TG_SYNC_ERROR)
    json_builder_add_int_value (b, error->code);
  else if (tg_sync_engine_get_last_error_code (engine, &code))
    json_builder_add_int_value (b, code);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "timed_out");
  json_builder_add_boolean_value (b, timed_out);
  json_builder_set_member_name (b, "status");
  json_builder_add_int_value (b, tg_sync_engine_get_status (engine));
  json_builder_set_member_name (b, "n_connections");
  json_builder_add_int_value (b, tg_sync_engine_get_n_connections (engine));
  json_builder_set_member_name (b, "pending");
  if (tg_store_get_sync_pending (tg_sync_engine_get_store (engine), &pending, NULL))
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "n_reports");
      json_builder_add_int_value (b, pending.n_reports);
      json_builder_set_member_name (b, "n_revisions");
      json_builder_add_int_value (b, pending.n_revisions);
      json_builder_set_member_name (b, "n_thumbnails");
      json_builder_add_int_value (b, pending.n_thumbnails);
      json_builder_set_member_name (b, "n_originals");
      json_builder_add_int_value (b, pending.n_originals);
      json_builder_set_member_name (b, "bytes");
      json_builder_add_int_value (b, (gint64) pending.bytes);
      json_builder_set_member_name (b, "n_conflicts");
      json_builder_add_int_value (b, pending.n_conflicts);
      json_builder_end_object (b);
    }
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "vm_hwm_kb");
  json_builder_add_int_value (b, status_kb ("VmHWM"));
  json_builder_set_member_name (b, "vm_rss_kb");
  json_builder_add_int_value (b, status_kb ("VmRSS"));
  /* SQLite's own heap at its highest (page caches of every connection
   * included): the part of VmHWM that the store's cache_size bounds. */
  json_builder_set_member_name (b, "sqlite_heap_hwm_kb");
  json_builder_add_int_value (b, sqlite3_memory_highwater (0) / 1024);
  json_builder_end_object (b);
  print_object (b);
}

/* ---- Making data ---------------------------------------------------------- */

static const char *places[] = { "Juliaca", "Ayacucho", "Huamanga", "Cusco", "Andahuaylas",
                                "Lima", "Puno", "Ilave", "Chalhuanca", "Abancay" };

static TgReport *
make_report (GRand *rand,
             guint  i)
{
  TgReport *report = tg_report_new ();
  g_autoptr(GString) narrative = g_string_new (NULL);
  g_autoptr(GDateTime) start = g_date_time_new_utc (2022, 12, 7, 12, 0, 0);
  g_autoptr(GDateTime) when = g_date_time_add_hours (start, g_rand_int_range (rand, 0, 24 * 80));
  g_autoptr(TgPerson) person = tg_person_new (TG_PERSON_ROLE_VICTIM);
  g_autofree char *title = NULL;
  g_autofree char *name = NULL;
  const char *place = places[g_rand_int_range (rand, 0, G_N_ELEMENTS (places))];

  title = g_strdup_printf ("Informe de prueba %u en %s", i, place);
  for (guint w = 0; w < 60; w++)
    g_string_append_printf (narrative, "termino%04d ", g_rand_int_range (rand, 0, 5000));
  tg_report_set_title (report, title);
  tg_report_set_narrative (report, narrative->str);
  tg_report_set_start (report, when);
  tg_report_set_place_name (report, place);
  tg_report_set_location (report, -15.5 + g_rand_double_range (rand, -3, 3),
                          -70.1 + g_rand_double_range (rand, -5, 5), TG_LOCATION_METHOD_MAP);
  tg_report_set_injured (report, g_rand_int_range (rand, 0, 40));
  name = g_strdup_printf ("Persona A-%u", i);
  tg_person_set_name (person, name);
  tg_person_set_is_pseudonym (person, TRUE);
  tg_report_add_person (report, person);
  return report;
}

static gboolean
write_random_file (GRand       *rand,
                   const char  *path,
                   gint64       size,
                   GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileOutputStream) out = NULL;
  guint32 buffer[16384];

  out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_PRIVATE, NULL, error);
  if (out == NULL)
    return FALSE;
  for (gint64 left = size; left > 0;)
    {
      gsize n = MIN ((gint64) sizeof buffer, left);

      for (guint i = 0; i < (n + 3) / 4; i++)
        buffer[i] = g_rand_int (rand);
      if (!g_output_stream_write_all (G_OUTPUT_STREAM (out), buffer, n, NULL, NULL, error))
        return FALSE;
      left -= n;
    }
  return g_output_stream_close (G_OUTPUT_STREAM (out), NULL, error);
}

/* A JPEG of noise: about @size bytes at quality 95 (noise barely
 * compresses: about 2.4 bytes a pixel), and the blob store makes a
 * thumbnail for it as for a photo. */
static gboolean
write_jpeg_file (GRand       *rand,
                 const char  *path,
                 gint64       size,
                 GError     **error)
{
  double pixels = MAX (64.0 * 64.0, size / 2.4);
  int width = (int) MAX (64.0, sqrt (pixels * 4.0 / 3.0));
  int height = (int) MAX (64.0, pixels / width);
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  guchar *pixels_data = gdk_pixbuf_get_pixels (pixbuf);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width * 3; x++)
      pixels_data[y * stride + x] = g_rand_int (rand) & 0xff;
  return gdk_pixbuf_save (pixbuf, path, "jpeg", error, "quality", "95", NULL);
}

/* Saves @batch (of TgReport) in one transaction and empties it. */
static gboolean
flush_batch (TgStore    *store,
             GPtrArray  *batch,
             GError    **error)
{
  gboolean ok = batch->len == 0 || tg_store_save_reports (store, batch, error);

  g_ptr_array_set_size (batch, 0);
  return ok;
}

static gboolean
make_data (TgStore  *store,
           GRand    *rand,
           GError  **error)
{
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(JsonBuilder) b = json_builder_new ();
  TgBlobStore *blobs = tg_store_get_blob_store (store);
  gboolean jpeg = g_strcmp0 (opt_file_kind, "jpeg") == 0;
  guint n_revisions = 0;
  guint base = g_rand_int_range (rand, 0, 1000000);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "event");
  json_builder_add_string_value (b, "made");
  json_builder_set_member_name (b, "files");
  json_builder_begin_array (b);

  /* Reports first, in transactions of 1,000 so that 10,000 are never
   * all in memory at once. */
  for (int i = 0; i < opt_make_reports; i++)
    {
      g_ptr_array_add (batch, make_report (rand, base + i));
      if (batch->len == 1000 && !flush_batch (store, batch, error))
        return FALSE;
      n_revisions++;
    }
  if (!flush_batch (store, batch, error))
    return FALSE;

  /* Then the files, each on a report of its own, so that a report
   * waits for its revision only, never for a file. */
  for (int i = 0; i < opt_make_files; i++)
    {
      g_autofree char *path = g_build_filename (opt_store, "sync-driver-file.tmp", NULL);
      g_autofree char *name = g_strdup_printf ("foto-%u.%s", base + i, jpeg ? "jpg" : "bin");
      g_autoptr(GFile) file = g_file_new_for_path (path);
      g_autoptr(TgBlobInfo) info = NULL;
      g_autoptr(TgSource) source = tg_source_new (TG_SOURCE_KIND_FILE);
      TgReport *report;
      gboolean written;

      written = jpeg ? write_jpeg_file (rand, path, opt_file_size, error)
                     : write_random_file (rand, path, opt_file_size, error);
      if (!written)
        return FALSE;
      info = tg_blob_store_import_file (blobs, file, NULL, NULL, NULL, error);
      g_unlink (path);
      if (info == NULL)
        return FALSE;
      tg_source_set_sha256 (source, tg_blob_info_get_sha256 (info));
      tg_source_set_file_name (source, name);
      tg_source_set_mime_type (source, tg_blob_info_get_mime_type (info));
      tg_source_set_size (source, tg_blob_info_get_size (info));
      tg_source_set_thumbnail_sha256 (source, tg_blob_info_get_thumbnail_sha256 (info));
      report = make_report (rand, base + opt_make_reports + i);
      tg_report_add_source (report, source);
      g_ptr_array_add (batch, report);
      n_revisions++;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "sha256");
      json_builder_add_string_value (b, tg_blob_info_get_sha256 (info));
      json_builder_set_member_name (b, "size");
      json_builder_add_int_value (b, tg_blob_info_get_size (info));
      json_builder_set_member_name (b, "thumbnail");
      if (tg_blob_info_get_thumbnail_sha256 (info) != NULL)
        json_builder_add_string_value (b, tg_blob_info_get_thumbnail_sha256 (info));
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "report");
      json_builder_add_string_value (b, tg_report_get_id (report));
      json_builder_end_object (b);

      if (batch->len == 100 && !flush_batch (store, batch, error))
        return FALSE;
    }
  if (!flush_batch (store, batch, error))
    return FALSE;
  json_builder_end_array (b);

  /* Edits and deletions of live reports picked at random. */
  if (opt_edit > 0 || opt_delete > 0)
    {
      g_autoptr(TgReportQuery) query = tg_report_query_new ();
      g_autoptr(GArray) rowids = tg_store_query_rowids (store, query, error);

      if (rowids == NULL)
        return FALSE;
      for (int i = 0; i < opt_edit + opt_delete && rowids->len > 0; i++)
        {
          guint k = g_rand_int_range (rand, 0, rowids->len);
          gint64 rowid = g_array_index (rowids, gint64, k);
          g_autoptr(TgReport) report = tg_store_load_report_by_rowid (store, rowid, error);
          g_autoptr(TgRevision) revision = NULL;

          if (report == NULL)
            return FALSE;
          g_array_remove_index_fast (rowids, k);
          if (i < opt_edit)
            {
              g_autofree char *narrative = g_strdup_printf ("%s editado%u",
                                                            tg_report_get_narrative (report),
                                                            g_rand_int_range (rand, 0, 1000000));

              tg_report_set_narrative (report, narrative);
              revision = tg_store_save_report (store, report, error);
            }
          else
            revision = tg_store_delete_report (store, tg_report_get_id (report), error);
          if (revision == NULL)
            return FALSE;
          n_revisions++;
        }
    }

  json_builder_set_member_name (b, "reports");
  json_builder_add_int_value (b, opt_make_reports + opt_make_files);
  json_builder_set_member_name (b, "revisions");
  json_builder_add_int_value (b, n_revisions);
  json_builder_set_member_name (b, "count");
  json_builder_add_int_value (b, tg_store_count_reports (store));
  json_builder_end_object (b);
  print_object (b);
  return TRUE;
}

/* ---- Enrolment and syncs -------------------------------------------------- */

typedef struct
{
  GAsyncResult *result;
  gboolean      timed_out;
} Wait;

static void
done_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
}

static gboolean
timeout_cb (gpointer user_data)
{
  TgSyncEngine *engine = user_data;

  g_printerr ("sync-driver: the sync took longer than %d s; cancelling it\n", opt_timeout);
  tg_sync_engine_cancel (engine);
  return G_SOURCE_REMOVE;
}

/* Iterates the main context until @wait has its result; the engine is
 * cancelled after --timeout seconds, and then given 30 s more. */
static void
wait_for (TgSyncEngine *engine,
          GCancellable *cancellable,
          Wait         *wait)
{
  guint timeout = g_timeout_add_seconds (opt_timeout, timeout_cb, engine);
  gint64 deadline = g_get_monotonic_time () + ((gint64) opt_timeout + 30) * G_USEC_PER_SEC;

  while (wait->result == NULL)
    {
      g_main_context_iteration (NULL, TRUE);
      if (g_get_monotonic_time () > deadline - 30 * G_USEC_PER_SEC)
        {
          wait->timed_out = TRUE;
          g_cancellable_cancel (cancellable);
        }
      if (g_get_monotonic_time () > deadline)
        {
          g_printerr ("sync-driver: the engine did not return after it was cancelled\n");
          exit (EXIT_CANCELLED);
        }
    }
  if (g_main_context_find_source_by_id (NULL, timeout) != NULL)
    g_source_remove (timeout);
}

/* One line for each phase or status, and for each 2 % of progress. */
static void
notify_cb (TgSyncEngine *engine,
           GParamSpec   *pspec,
           gpointer      user_data)
{
  static double last_progress = -1;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  const char *phase = tg_sync_engine_get_phase (engine);
  double progress = tg_sync_engine_get_progress (engine);

  if (g_strcmp0 (pspec->name, "progress") == 0 && fabs (progress - last_progress) < 0.02)
    return;
  last_progress = progress;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "event");
  json_builder_add_string_value (b, "progress");
  json_builder_set_member_name (b, "phase");
  if (phase != NULL)
    json_builder_add_string_value (b, phase);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "progress");
  json_builder_add_double_value (b, tg_sync_engine_get_progress (engine));
  json_builder_set_member_name (b, "status");
  json_builder_add_int_value (b, tg_sync_engine_get_status (engine));
  json_builder_set_member_name (b, "at_us");
  json_builder_add_int_value (b, g_get_real_time ());
  json_builder_end_object (b);
  print_object (b);
}

static char *
token_path (void)
{
  return g_build_filename (opt_store, "sync-driver.token", NULL);
}

static int
enrol (TgSyncEngine *engine)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(TgSyncAccount) account = NULL;
  g_autofree char *token = NULL;
  g_autofree char *path = token_path ();
  Wait wait = { NULL, FALSE };

  tg_sync_engine_enrol_async (engine, opt_server, opt_fingerprint, opt_code,
                              opt_device_name ? opt_device_name : "sync-driver",
                              cancellable, done_cb, &wait);
  wait_for (engine, cancellable, &wait);
  token = tg_sync_engine_enrol_finish (engine, wait.result, &error);
  g_clear_object (&wait.result);
  if (token == NULL)
    {
      g_printerr ("sync-driver: enrolment failed: %s\n", error->message);
      return EXIT_SETUP;
    }
  if (!g_file_set_contents_full (path, token, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    {
      g_printerr ("sync-driver: %s\n", error->message);
      return EXIT_SETUP;
    }
  tg_sync_engine_set_token (engine, token);

  account = tg_store_get_sync_account (tg_sync_engine_get_store (engine), NULL);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "event");
  json_builder_add_string_value (b, "enrolled");
  json_builder_set_member_name (b, "device_id");
  if (account != NULL && account->server_device_id != NULL)
    json_builder_add_string_value (b, account->server_device_id);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "token_file");
  json_builder_add_string_value (b, path);
  json_builder_end_object (b);
  print_object (b);
  return EXIT_OK;
}

static int
sync_once (TgSyncEngine *engine)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TgSyncEntry) entry = NULL;
  Wait wait = { NULL, FALSE };

  tg_sync_engine_sync_async (engine,
                             opt_send_originals ? TG_SYNC_FLAGS_SEND_ORIGINALS : TG_SYNC_FLAGS_NONE,
                             cancellable, done_cb, &wait);
  wait_for (engine, cancellable, &wait);
  entry = tg_sync_engine_sync_finish (engine, wait.result, &error);
  g_clear_object (&wait.result);
  if (entry == NULL)
    {
      /* No entry at all: report the error in the same shape. */
      TgSyncEntry failed = { 0 };

      failed.started_at = g_get_real_time ();
      failed.outcome = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                       ? TG_SYNC_OUTCOME_CANCELLED : TG_SYNC_OUTCOME_FAILED;
      print_entry (engine, &failed, error, wait.timed_out);
      return outcome_exit (failed.outcome);
    }
  print_entry (engine, entry, error, wait.timed_out);
  return wait.timed_out ? EXIT_CANCELLED : outcome_exit (entry->outcome);
}

/* The store in @dir: plain, or encrypted by the app (its vault unlocked
 * with $TESTIGO_PASSPHRASE, the store opened with the STORE subkey and
 * the blob store given the vault, so files are written encrypted). */
static TgStore *
open_store (const char  *dir,
            GError     **error)
{
  g_autoptr(TgVault) vault = tg_vault_new (dir);
  const char *passphrase = g_getenv ("TESTIGO_PASSPHRASE");
  guint8 key[TG_VAULT_KEY_BYTES];
  TgStore *store;

  if (tg_vault_get_state (vault) == TG_VAULT_STATE_NONE)
    return tg_store_open (dir, error);
  if (passphrase == NULL || *passphrase == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   "the store is encrypted: set TESTIGO_PASSPHRASE");
      return NULL;
    }
  if (!tg_vault_unlock (vault, passphrase, NULL, error) ||
      !tg_vault_derive_subkey (vault, TG_VAULT_PURPOSE_STORE, key, error))
    return NULL;
  store = tg_store_open_keyed (dir, key, error);
  explicit_bzero (key, sizeof key);
  if (store != NULL)
    tg_blob_store_set_vault (tg_store_get_blob_store (store), vault);
  return store;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("— drive one store's sync engine");
  g_autoptr(GError) error = NULL;
  g_autoptr(TgStore) store = NULL;
  g_autoptr(TgSyncEngine) engine = NULL;
  g_autoptr(DriverMonitor) monitor = NULL;
  g_autoptr(GRand) rand = NULL;
  g_autofree char *token = NULL;
  g_autofree char *path = NULL;
  int status = EXIT_OK;

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("sync-driver: %s\n", error->message);
      return EXIT_SETUP;
    }
  if (opt_store == NULL || opt_syncs < 0 || opt_make_reports < 0 || opt_make_files < 0 ||
      opt_edit < 0 || opt_delete < 0 || opt_file_size < 0 || opt_timeout <= 0 ||
      (opt_file_kind != NULL && g_strcmp0 (opt_file_kind, "random") != 0 &&
       g_strcmp0 (opt_file_kind, "jpeg") != 0) ||
      (opt_code != NULL && (opt_server == NULL || opt_fingerprint == NULL)))
    {
      g_printerr ("sync-driver: --store is required; counts are not negative; --code needs "
                  "--server and --fingerprint; --file-kind is random or jpeg\n");
      return EXIT_SETUP;
    }

  if (opt_sqlite_heap_limit_kb > 0)
    sqlite3_soft_heap_limit64 ((sqlite3_int64) opt_sqlite_heap_limit_kb * 1024);

  if (opt_seed < 0)
    opt_seed = g_random_int ();
  rand = g_rand_new_with_seed ((guint32) opt_seed);

  store = open_store (opt_store, &error);
  if (store == NULL)
    {
      g_printerr ("sync-driver: %s: %s\n", opt_store, error->message);
      return EXIT_SETUP;
    }

  if ((opt_make_reports > 0 || opt_make_files > 0 || opt_edit > 0 || opt_delete > 0) &&
      !make_data (store, rand, &error))
    {
      g_printerr ("sync-driver: making data (seed %" G_GINT64_FORMAT "): %s\n", opt_seed, error->message);
      return EXIT_SETUP;
    }

  if (opt_code == NULL && opt_syncs == 0)
    return EXIT_OK;

  monitor = g_object_new (DRIVER_TYPE_MONITOR, NULL);
  monitor->metered = opt_metered;
  engine = tg_sync_engine_new (store, G_NETWORK_MONITOR (monitor));
  if (engine == NULL)
    return EXIT_SETUP;
  if (opt_chunk_size > 0)
    tg_sync_engine_set_chunk_size (engine, opt_chunk_size);
  if (opt_progress)
    {
      g_signal_connect (engine, "notify::phase", G_CALLBACK (notify_cb), NULL);
      g_signal_connect (engine, "notify::status", G_CALLBACK (notify_cb), NULL);
      g_signal_connect (engine, "notify::progress", G_CALLBACK (notify_cb), NULL);
    }

  if (opt_code != NULL && (status = enrol (engine)) != EXIT_OK)
    return status;

  path = token_path ();
  if (g_file_get_contents (path, &token, NULL, NULL))
    tg_sync_engine_set_token (engine, g_strstrip (token));

  for (int i = 0; i < opt_syncs; i++)
    status = sync_once (engine);

  g_clear_object (&engine);
  tg_store_close (store);
  return status;
}
