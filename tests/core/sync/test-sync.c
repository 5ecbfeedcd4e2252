/* test-sync.c — the sync engine against the real testigo-server on loopback
 *
 * One server for the whole program (users made per test so that tests do
 * not see each other's records); a second one where a test needs another
 * certificate. Every wait is for a signal or a flag, bounded.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "tg-sync-engine.h"
#include "tg-sync-private.h"
#include "tg-demo.h"
#include "tg-blob-store.h"
#include "tg-report.h"
#include "tg-source.h"
#include "tg-sha256.h"
#include "test-server-fixture.h"
#include "tg-test-common.h"
#include "tg-test-sync.h"

#define WAIT_MS TG_TEST_SYNC_WAIT_MS

static TestServer *server;
static char *tmp_dir;

/* A network monitor whose link the test sets ---------------------------- */

#define TEST_TYPE_MONITOR (test_monitor_get_type ())
G_DECLARE_FINAL_TYPE (TestMonitor, test_monitor, TEST, MONITOR, GObject)

struct _TestMonitor
{
  GObject  parent_instance;
  gboolean available;
  gboolean metered;
};

enum { MON_PROP_0, MON_PROP_AVAILABLE, MON_PROP_METERED, MON_PROP_CONNECTIVITY };

static void test_monitor_iface_init (GNetworkMonitorInterface *iface);
static void test_monitor_initable_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestMonitor, test_monitor, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, test_monitor_initable_init)
                               G_IMPLEMENT_INTERFACE (G_TYPE_NETWORK_MONITOR, test_monitor_iface_init))

static gboolean
test_monitor_initable_init_fn (GInitable     *initable,
                               GCancellable  *cancellable,
                               GError       **error)
{
  return TRUE;
}

static void
test_monitor_initable_init (GInitableIface *iface)
{
  iface->init = test_monitor_initable_init_fn;
}

static gboolean
test_monitor_can_reach (GNetworkMonitor     *monitor,
                        GSocketConnectable  *connectable,
                        GCancellable        *cancellable,
                        GError             **error)
{
  return TEST_MONITOR (monitor)->available;
}

static void
test_monitor_iface_init (GNetworkMonitorInterface *iface)
{
  iface->can_reach = test_monitor_can_reach;
}

static void
test_monitor_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  TestMonitor *self = TEST_MONITOR (object);

  switch (prop_id)
    {
    case MON_PROP_AVAILABLE:
      g_value_set_boolean (value, self->available);
      break;
    case MON_PROP_METERED:
      g_value_set_boolean (value, self->metered);
      break;
    case MON_PROP_CONNECTIVITY:
      g_value_set_enum (value, self->available ? G_NETWORK_CONNECTIVITY_FULL : G_NETWORK_CONNECTIVITY_LOCAL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
test_monitor_class_init (TestMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = test_monitor_get_property;
  g_object_class_override_property (object_class, MON_PROP_AVAILABLE, "network-available");
  g_object_class_override_property (object_class, MON_PROP_METERED, "network-metered");
  g_object_class_override_property (object_class, MON_PROP_CONNECTIVITY, "connectivity");
}

static void
test_monitor_init (TestMonitor *self)
{
  self->available = TRUE;
}

static void
test_monitor_set (TestMonitor *self,
                  gboolean     available,
                  gboolean     metered)
{
  self->available = available;
  self->metered = metered;
  g_object_notify (G_OBJECT (self), "network-metered");
  g_signal_emit_by_name (self, "network-changed", available);
}

/* Helpers ----------------------------------------------------------------- */

static char *
make_code (TestServer *srv,
           const char *user)
{
  g_autofree char *err = NULL;
  char *code = test_server_admin (srv, &err, "enrol-code", user, NULL);

  if (code == NULL)
    g_error ("enrol-code failed: %s", err);
  return g_strstrip (code);
}

static char *
enrol_with (TgSyncEngine *engine,
            TestServer   *srv,
            const char   *fingerprint,
            const char   *code,
            GError      **error)
{
  return tg_test_sync_enrol (engine, srv->base_uri, fingerprint, code, "test laptop", error);
}

/* Makes a user (once) and enrols @engine as one of its devices. */
static void
enrol (TgSyncEngine *engine,
       const char   *user,
       const char   *role)
{
  g_autofree char *err = NULL;
  g_autofree char *out = test_server_admin (server, &err, "user", "add", user, "--role", role, NULL);
  g_autofree char *code = make_code (server, user);
  g_autoptr(GError) error = NULL;
  g_autofree char *token = enrol_with (engine, server, server->fingerprint, code, &error);

  g_assert_no_error (error);
  g_assert_nonnull (token);
  tg_sync_engine_set_token (engine, token);
}

static TgSyncEntry *
sync_now (TgSyncEngine *engine,
          TgSyncFlags   flags,
          GError      **error)
{
  return tg_test_sync_run (engine, flags, NULL, error);
}

static TgSyncEntry *
sync_ok (TgSyncEngine *engine)
{
  g_autoptr(GError) error = NULL;
  TgSyncEntry *entry = sync_now (engine, TG_SYNC_FLAGS_NONE, &error);

  g_assert_no_error (error);
  g_assert_nonnull (entry);
  return entry;
}

/* Probes @base_uri, which must fail: returns the error. */
static GError *
probe_error (TgSyncEngine *engine,
             const char   *base_uri)
{
  GError *error = NULL;
  g_autoptr(TgSyncServerInfo) info = tg_test_sync_probe (engine, base_uri, &error);

  g_assert_null (info);
  g_assert_nonnull (error);
  return error;
}

static TgStore *
new_store (const char *name)
{
  return tg_test_open_store_in (tmp_dir, name);
}

typedef struct
{
  char *original;
  char *thumbnail;
  gsize size;
} AddedFile;

/* A report with one file source of @size random bytes and its thumbnail;
 * the file is imported from disk as the app does. */
static char *
add_file_report (TgStore   *store,
                 const char *title,
                 gsize      size,
                 guint32    seed,
                 AddedFile *added)
{
  TgBlobStore *blobs = tg_store_get_blob_store (store);
  g_autofree char *path = g_build_filename (tmp_dir, "upload.bin", NULL);
  g_autoptr(GBytes) bytes = tg_test_random_bytes (size, seed);
  g_autoptr(GBytes) thumb = tg_test_random_bytes (2048, seed + 1);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(TgBlobInfo) info = NULL, thumb_info = NULL;
  g_autoptr(TgReport) report = tg_report_new ();
  g_autoptr(TgSource) source = tg_source_new (TG_SOURCE_KIND_FILE);
  g_autoptr(TgRevision) rev = NULL;

  g_file_set_contents (path, g_bytes_get_data (bytes, NULL), size, &error);
  g_assert_no_error (error);
  info = tg_blob_store_import_file (blobs, file, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  thumb_info = tg_blob_store_import_bytes (blobs, thumb, "thumb.png", &error);
  g_assert_no_error (error);
  g_unlink (path);

  tg_source_set_title (source, "photo");
  tg_source_set_sha256 (source, tg_blob_info_get_sha256 (info));
  tg_source_set_file_name (source, "photo.bin");
  tg_source_set_mime_type (source, "application/octet-stream");
  tg_source_set_size (source, (gint64) size);
  tg_source_set_thumbnail_sha256 (source, tg_blob_info_get_sha256 (thumb_info));
  tg_report_set_title (report, title);
  tg_report_add_source (report, source);
  rev = tg_store_save_report (store, report, &error);
  g_assert_no_error (error);
  g_assert_nonnull (rev);
  if (added)
    {
      added->original = g_strdup (tg_blob_info_get_sha256 (info));
      added->thumbnail = g_strdup (tg_blob_info_get_sha256 (thumb_info));
      added->size = size;
    }
  return g_strdup (tg_report_get_id (report));
}

static void
added_file_clear (AddedFile *added)
{
  g_clear_pointer (&added->original, g_free);
  g_clear_pointer (&added->thumbnail, g_free);
}

/* The blob as the server holds it, hashed; NULL when it answers 404. */
static char *
server_blob_sha256 (TestClient *client,
                    const char *sha256)
{
  g_autofree char *path = g_strconcat ("/api/v1/blobs/", sha256, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  guint status = 0;
  gsize length;
  const char *data;

  bytes = test_client_request (client, "GET", path, NULL, NULL, &status, NULL, &error);
  g_assert_no_error (error);
  if (status == 404)
    return NULL;
  g_assert_cmpuint (status, ==, 200);
  data = g_bytes_get_data (bytes, &length);
  return tg_sha256_hex (data, length);
}

/* Every revision id the server gives @client, and the last of each record. */
static GHashTable *
server_revision_ids (TestClient *client)
{
  GHashTable *ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gint64 since = 0;

  for (guint page = 0; page < 10000; page++)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/pull?since=%" G_GINT64_FORMAT, since);
      guint status = 0;
      g_autoptr(JsonNode) reply = test_client_json (client, "GET", path, NULL, &status);
      JsonArray *revisions;

      g_assert_cmpuint (status, ==, 200);
      revisions = test_json_array (reply, "revisions");
      for (guint i = 0; i < json_array_get_length (revisions); i++)
        {
          JsonObject *rev = json_array_get_object_element (revisions, i);
          g_hash_table_add (ids, g_strdup (json_object_get_string_member (rev, "id")));
        }
      since = test_json_int (reply, "next");
      if (!json_object_get_boolean_member (json_node_get_object (reply), "more"))
        break;
    }
  return ids;
}

static gboolean
engine_configured (gpointer data)
{
  return tg_sync_engine_get_status (data) != TG_SYNC_STATUS_NOT_CONFIGURED;
}

/* Starts @fake on a free loopback port over HTTPS; returns its base URI. */
static char *
fake_listen (SoupServer *fake)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) uris = NULL;
  char *base;

  soup_server_listen_local (fake, 0, SOUP_SERVER_LISTEN_IPV4_ONLY | SOUP_SERVER_LISTEN_HTTPS, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (fake);
  base = g_strdup_printf ("https://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);
  return base;
}

/* A store named @name (in *@store) with an account on the fake server at
 * @base, which uses the fixture's certificate, and a token: an engine
 * ready to sync with it. */
static TgSyncEngine *
fake_engine (const char  *name,
             const char  *base,
             TgStore    **store)
{
  g_autoptr(GError) error = NULL;
  TgSyncAccount account = { 0 };
  TgSyncEngine *engine;

  *store = new_store (name);
  account.server_uri = (char *) base;
  account.fingerprint = server->fingerprint;
  account.server_device_id = (char *) "device";
  account.device_name = (char *) "laptop";
  g_assert_true (tg_store_set_sync_account (*store, &account, &error));
  g_assert_no_error (error);
  engine = tg_sync_engine_new (*store, NULL);
  tg_sync_engine_set_token (engine, "token");
  tg_test_iterate_until (engine_configured, engine, WAIT_MS, "the account");
  return engine;
}

/* Tests ------------------------------------------------------------------- */

static void
test_normalize (void)
{
  g_autofree char *a = tg_sync_normalize_fingerprint ("ab cd ef 01 23 45 67 89 ab cd ef 01 23 45 67 89 "
                                                      "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89");
  g_autofree char *b = tg_sync_normalize_fingerprint ("abcd");
  g_autofree char *c = tg_sync_normalize_fingerprint ("zz");
  g_autofree char *u1 = tg_sync_normalize_uri ("sync.example.org:8443/", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *u2 = tg_sync_normalize_uri ("http://sync.example.org", &error);

  g_assert_cmpstr (a, ==, "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
                          "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89");
  g_assert_null (b);
  g_assert_null (c);
  g_assert_cmpstr (u1, ==, "https://sync.example.org:8443");
  g_assert_null (u2);
  g_assert_error (error, TG_SYNC_ERROR, TG_SYNC_ERROR_TLS);
}

static void
test_probe (void)
{
  g_autoptr(TgStore) store = new_store ("probe");
  g_autoptr(TgSyncEngine) engine = tg_sync_engine_new (store, NULL);
  g_autoptr(TgSyncServerInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  info = tg_test_sync_probe (engine, server->base_uri, &error);
  g_assert_no_error (error);
  g_assert_nonnull (info);
  g_assert_cmpstr (info->fingerprint, ==, server->fingerprint);
  g_assert_cmpint (info->api, ==, 2);
  g_assert_nonnull (info->version);
  /* both clocks are this machine's */
  g_assert_cmpint (ABS (info->clock_offset_us), <, 5 * G_USEC_PER_SEC);
  g_assert_cmpint (tg_sync_engine_get_status (engine), ==, TG_SYNC_STATUS_NOT_CONFIGURED);
}

static void
test_probe_unreachable (void)
{
  g_autoptr(TgStore) store = new_store ("unreachable");
  g_autoptr(TgSyncEngine) engine = tg_sync_engine_new (store, NULL);
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;
  guint16 port;

  /* a port that was free a moment ago: nobody listens there now */
  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (listener);
  uri = g_strdup_printf ("https://127.0.0.1:%u", port);
  error = probe_error (engine, uri);
  g_assert_error (error, TG_SYNC_ERROR, TG_SYNC_ERROR_NETWORK);
  g_clear_error (&error);
}

static void
test_enrol (void)
{
  g_autoptr(TgStore) store = new_store ("enrol");
  g_autoptr(TgSyncEngine) engine = tg_sync_engine_new (store, NULL);
  g_autoptr(TgSyncAccount) account = NULL;
  g_autoptr(GError) error = NULL;

  enrol (engine, "enrolled", "monitor");
  tg_test_iterate_until (engine_configured, engine, WAIT_MS, "the engine to know its account");
  account = tg_store_get_sync_account (store, &error);
  g_assert_no_error (error);
  g_assert_nonnull (account);
  g_assert_cmpstr (account->server_uri, ==, server->base_uri);
  g_assert_cmpstr (account->fingerprint, ==, server->fingerprint);
  g_assert_nonnull (account->server_device_id);
  g_assert_cmpstr (account->device_name, ==, "test laptop");
  g_assert_cmpstr (account->role, ==, TG_SYNC_ROLE_NAME_MONITOR);
  g_assert_cmpint (tg_sync_engine_get_role (engine), ==, TG_SYNC_ROLE_MONITOR);
}

typedef struct
{
  TgSyncEngine *engine;
  TgSyncRole    role;
} RoleWait;

static gboolean
engine_role_is (gpointer data)
{
  RoleWait *wait = data;

  return tg_sync_engine_get_role (wait->engine) == wait->role;
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    data)
{
  (*(guint *) data)++;
}

/* The role comes at enrolment, is kept with the account, read back by a
 * new engine, and changed by the next sync after the administrator
 * changes it; disconnecting forgets it. */
static void
test_role (void)
{
  g_autoptr(TgStore) store = new_store ("role");
  g_autoptr(TgSyncEngine) engine = tg_sync_engine_new (store, NULL);
  g_autoptr(TgSyncAccount) account = NULL;
  g_autoptr(TgSyncEntry) entry = NULL, again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL, *out = NULL;
  RoleWait wait = { engine, TG_SYNC_ROLE_COORDINATOR };
  guint notified = 0;

  g_signal_connect (engine, "notify::role", G_CALLBACK (count_notify), &notified);
  g_assert_cmpint (tg_sync_engine_get_role (engine), ==, TG_SYNC_ROLE_UNKNOWN);
  enrol (engine, "role-desk", "coordinator");
  tg_test_iterate_until (engine_role_is, &wait, WAIT_MS, "the engine to say coordinator");
  g_assert_cmpuint (notified, ==, 1);
  account = tg_store_get_sync_account (store, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (account->role, ==, TG_SYNC_ROLE_NAME_COORDINATOR);

  /* the app's next start reads it from the store */
  {
    g_autoptr(TgSyncEngine) later = tg_sync_engine_new (store, NULL);
    RoleWait later_wait = { later, TG_SYNC_ROLE_COORDINATOR };

    tg_test_iterate_until (engine_role_is, &later_wait, WAIT_MS, "a new engine to read the role");
  }

  /* a sync with the same role changes nothing */
  entry = sync_ok (engine);
  g_assert_cmpint (tg_sync_engine_get_role (engine), ==, TG_SYNC_ROLE_COORDINATOR);
  g_assert_cmpuint (notified, ==, 1);

  /* the administrator changes it: the next sync brings it */
  out = test_server_admin (server, &err, "user", "role", "role-desk", "--role", "monitor", NULL);
  g_assert_nonnull (out);
  again = sync_ok (engine);
  wait.role = TG_SYNC_ROLE_MONITOR;
  tg_test_iterate_until (engine_role_is, &wait, WAIT_MS, "the engine to say monitor");
  g_assert_cmpuint (notified, ==, 2);
  g_clear_pointer (&account, tg_sync_account_free);
  account = tg_store_get_sync_account (store, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (account->role, ==, TG_SYNC_ROLE_NAME_MONITOR);

  tg_sync_engine_disconnect (engine);
  g_assert_cmpint (tg_sync_engine_get_role (engine), ==, TG_SYNC_ROLE_UNKNOWN);
  g_assert_cmpuint (notified, ==, 3);
}

typedef struct
{
  TgSyncEngine *engine;
  gint64        offset;
} ClockWait;

static gboolean
engine_clock_is (gpointer data)
{
  ClockWait *wait = data;

  return tg_sync_engine_get_clock_offset (wait->engine) == wait->offset;
}

static gboolean
store_has_no_account (gpointer data)
{
  g_autoptr(TgSyncAccount) account = tg_store_get_sync_account (data, NULL);

  return account == NULL;
}

/* The clock offset a sync measures is kept in the store: the app's next
 * start has it (and warns of a wrong clock) before its first sync;
 * disconnecting forgets it. */
static void
test_clock_offset_kept (void)
{
  g_autoptr(TgStore) store = new_store ("clock-kept");
  g_autoptr(TgSyncEngine) engine = tg_sync_engine_new (store, NULL);
  g_autoptr(TgSyncEntry) entry = NULL;
  gint64 twenty = 20 * 60 * G_USEC_PER_SEC;
  gboolean known = TRUE;

  g_assert_cmpint (tg_store_get_sync_clock_offset (store, &known), ==, 0);
  g_assert_false (known);
  enrol (engine, "clock-kept", "monitor");
  tg_test_iterate_until (engine_configured, engine, WAIT_MS, "the engine to know its account");
  entry = sync_ok (engine);
  /* what the sync measured is what the store keeps */
  g_assert_cmpint (tg_store_get_sync_clock_offset (store, &known), ==, entry->clock_offset_us);
  g_assert_true (known);
  g_assert_cmpint (tg_sync_engine_get_clock_offset (engine), ==, entry->clock_offset_us);

  /* a laptop 20 minutes off, as an earlier run measured it: a new engine
   * (the app started again) says so before any sync */
  g_assert_true (tg_store_set_sync_clock_offset (store, -twenty, NULL));
  {
    g_autoptr(TgSyncEngine) later = tg_sync_engine_new (store, NULL);
    ClockWait wait = { later, -twenty };

    g_assert_cmpint (tg_sync_engine_get_clock_offset (later), ==, 0);
    tg_test_iterate_until (engine_clock_is, &wait, WAIT_MS, "a new engine to read the clock offset");
  }

  /* disconnecting forgets it, in the engine and in the store */
  tg_sync_engine_disconnect (engine);
  g_assert_cmpint (tg_sync_engine_get_clock_offset (engine), ==, 0);
  tg_test_iterate_until (store_has_no_account, store, WAIT_MS, "the store to forget the account");
  tg_store_get_sync_clock_offset (store, &known);
  g_assert_false (known);
}

/* "role" in the enrolment and pull replies: optional (an older server
 * says none), a string when present, an unknown role kept as unknown. */
static void
test_role_wire (void)
{
  static const struct { const char *json; gboolean ok; const char *role; } enrols[] = {
    { "{\"device_id\":\"d\",\"token\":\"t\"}", TRUE, NULL },
    { "{\"device_id\":\"d\",\"token\":\"t\",\"role\":\"coordinator\"}", TRUE, "coordinator" },
    { "{\"device_id\":\"d\",\"token\":\"t\",\"role\":\"monitor\"}", TRUE, "monitor" },
    { "{\"device_id\":\"d\",\"token\":\"t\",\"role\":\"auditor\"}", TRUE, NULL },
    { "{\"device_id\":\"d\",\"token\":\"t\",\"role\":null}", TRUE, NULL },
    { "{\"device_id\":\"d\",\"token\":\"t\",\"role\":7}", FALSE, NULL },
    { "{\"device_id\":\"\",\"token\":\"t\",\"role\":\"monitor\"}", FALSE, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (enrols); i++)
    {
      g_autoptr(GBytes) body = g_bytes_new_static (enrols[i].json, strlen (enrols[i].json));
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) root = tg_sync_wire_parse (body, &error);
      g_autofree char *device_id = NULL, *token = NULL, *role = NULL;
      gboolean ok;

      g_assert_no_error (error);
      ok = tg_sync_wire_decode_enrol (root, &device_id, &token, &role, &error);
      g_assert_cmpint (ok, ==, enrols[i].ok);
      if (ok)
        g_assert_no_error (error);
      else
        g_assert_error (error, TG_SYNC_ERROR, TG_SYNC_ERROR_PROTOCOL);
      g_assert_cmpstr (role, ==, enrols[i].role);
    }

  {
    static const char *page = "{\"revisions\":[],\"conflicts\":[],\"next\":3,\"more\":false,"
                              "\"server_seq\":3,\"role\":\"coordinator\"}";
    static const char *old = "{\"revisions\":[],\"conflicts\":[],\"next\":3,\"more\":false,\"server_seq\":3}";
    static const char *bad = "{\"revisions\":[],\"conflicts\":[],\"next\":3,\"more\":false,"
                             "\"server_seq\":3,\"role\":[]}";
    const char *bodies[] = { page, old, bad };
    const char *roles[] = { "coordinator", NULL, NULL };

    for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
      {
        g_autoptr(GBytes) body = g_bytes_new_static (bodies[i], strlen (bodies[i]));
        g_autoptr(GError) error = NULL;
        g_autoptr(JsonNode) root = tg_sync_wire_parse (body, &error);
        TgSyncWirePull pull = { 0 };
        gboolean ok = tg_sync_wire_decode_pull (root, &pull, &error);

        g_assert_cmpint (ok, ==, i != 2);
        g_assert_cmpstr (pull.role, ==, roles[i]);
        tg_sync_wire_pull_clear (&pull);
      }
  }
}

static void
test_enrol_wrong_pin (void)
{
  g_autoptr(TgStore) store = new_store ("wrong-pin");
  g_autoptr(TgSyncEngine) engine = tg_sync_engine_new (store, NULL);
  g_autoptr(TgSyncAccount) account = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = test_server_admin (server, NULL, "user", "add", "pinned", "--role", "monitor", NULL);
  g_autofree char *code = make_code (server, "pinned");
  g_autofree char *wrong = g_strdup (server->fingerprint);
  g_autofree char *token = NULL;

  wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
  token = enrol_with (engine, server, wrong, code, &error);
  g_assert_error (error, TG_SYNC_ERROR, TG_SYNC_ERROR_FINGERPRINT_MISMATCH);
  g_assert_null (token);
  g_assert_true (strstr (error->message, "administrator") != NULL);
  g_clear_error (&error);

  account = tg_store_get_sync_account (store, &error);
  g_assert_no_error (error);
  g_assert_null (account);

  /* nothing reached the server: the code is still good */
  token = enrol_with (engine, server, server->fingerprint, code, &error);
  g_assert_no_error (error);
  g_assert_nonnull (token);

  /* and now it is used */
  g_free (token);
  token = enrol_with (engine, server, server->fingerprint, code, &error);
  g_assert_error (error, TG_SYNC_ERROR, TG_SYNC_ERROR_ENROLMENT);
  g_assert_null (token);
}

static void
demo_sync_check (guint n_reports)
{
  g_autoptr(TgStore) store = new_store ("demo");
  g_autoptr(TgSyncEngine) engine = tg_sync_engine_new (store, NULL);
  g_autoptr(TestClient) coordinator = test_client_enrol (server, "demo-coco");
  g_autoptr(GPtrArray) unsynced = NULL;
  g_autoptr(GHashTable) on_server = NULL;
  g_autoptr(TgSyncEntry) first = NULL, second = NULL;
  g_autoptr(GError) error = NULL;
  AddedFile files[3] = { { 0 } };
  const gsize sizes[3] = { 2 * 1024 * 1024 + 12345, 300 * 1000, 10 };
  TgSyncPending pending = { 0 };
  guint64 out0, in0, out1, in1, payload = 0;
  gint64 t0, t1;

  g_assert_true (tg_demo_populate (store, n_reports, TG_DEMO_DEFAULT_SEED, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *title = g_strdup_printf ("File report %u", i);
      g_autofree char *id = add_file_report (store, title, sizes[i], 100 + i, &files[i]);
      payload += sizes[i] + 2048;
    }
  unsynced = tg_store_list_unsynced (store, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (unsynced->len, >=, n_reports);

  enrol (engine, "demo-ana", "monitor");
  tg_test_iterate_until (engine_configured, engine, WAIT_MS, "the engine to know its account");

  _tg_sync_engine_get_traffic (engine, &out0, &in0);
  t0 = g_get_monotonic_time ();
  first = sync_ok (engine);
  t1 = g_get_monotonic_time ();
  _tg_sync_engine_get_traffic (engine, &out1, &in1);

  g_assert_cmpint (first->outcome, ==, TG_SYNC_OUTCOME_OK);
  g_assert_null (first->error);
  g_assert_cmpuint (first->n_revisions_sent, ==, unsynced->len);
  g_assert_cmpuint (first->n_files_sent, ==, 6);
  g_assert_cmpuint (first->bytes_sent, ==, payload);
  g_assert_cmpuint (first->n_files_held_back, ==, 0);
  g_test_message ("demo sync of %u revisions and 6 files: %.2f s, %u connections, "
                  "HTTP bodies out %" G_GUINT64_FORMAT " B (files %" G_GUINT64_FORMAT " B), in %" G_GUINT64_FORMAT " B",
                  unsynced->len, (t1 - t0) / 1e6, tg_sync_engine_get_n_connections (engine),
                  out1 - out0, payload, in1 - in0);

  /* what was pushed does not come back down the link (own_through): the
   * replies are the acknowledgements, far less than the revisions sent
   * (before, the pull brought every one of them back: in ≈ out) */
  g_assert_cmpuint (in1 - in0, <, (out1 - out0 - payload) / 4);

  /* every revision is on the server */
  on_server = server_revision_ids (coordinator);
  for (guint i = 0; i < unsynced->len; i++)
    g_assert_true (g_hash_table_contains (on_server, tg_revision_get_id (g_ptr_array_index (unsynced, i))));

  /* every file is there, byte for byte */
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *original = server_blob_sha256 (coordinator, files[i].original);
      g_autofree char *thumbnail = server_blob_sha256 (coordinator, files[i].thumbnail);

      g_assert_cmpstr (original, ==, files[i].original);
      g_assert_cmpstr (thumbnail, ==, files[i].thumbnail);
    }
  g_assert_true (tg_store_get_sync_pending (store, &pending, &error));
  g_assert_cmpuint (pending.n_revisions, ==, 0);
  g_assert_cmpuint (pending.n_thumbnails, ==, 0);
  g_assert_cmpuint (pending.n_originals, ==, 0);
  g_assert_cmpint (tg_sync_engine_get_status (engine), ==, TG_SYNC_STATUS_UP_TO_DATE);
  g_assert_cmpint (tg_sync_engine_get_last_success (engine), >, 0);

  /* a whole sync of many batches (max-batch is 100 here) over few connections */
  g_assert_cmpuint (tg_sync_engine_get_n_connections (engine), <=, 3);

  /* again: nothing to send */
  second = sync_ok (engine);
  g_assert_cmpint (second->outcome, ==, TG_SYNC_OUTCOME_OK);
  g_assert_cmpuint (second->n_revisions_sent, ==, 0);
  g_assert_cmpuint (second->n_files_sent, ==, 0);
  g_assert_cmpuint (second->bytes_sent, ==, 0);
  g_assert_cmpuint (second->n_revisions_received, ==, 0);
  g_assert_cmpuint (tg_sync_engine_get_n_connections (engine), <=, 3);

  {
    g_autoptr(GPtrArray) history = tg_store_list_sync_entries (store, 10, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (history->len, ==, 2);
  }
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    added_file_clear (&files[i]);
}

static void
test_demo_sync (void)
{
  demo_sync_check (1200);
}

static gboolean
status_is_pending (gpointer data)
{
  return tg_sync_engine_get_status (data) == TG_SYNC_STATUS_PENDING;
}

static char *
save_title (TgStore    *store,
            const char *report_id,
            const char *title)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgReport) report = tg_store_load_report (store, report_id, &error);
  g_autoptr(TgRevision) rev = NULL;

  g_assert_no_error (error);
  tg_report_set_title (report, title);
  rev = tg_store_save_report (store, report, &error);
  g_assert_no_error (error);
  return g_strdup (tg_revision_get_id (rev));
}

static int
compare_strings (const void *a,
                 const void *b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

static GStrv
sorted_heads (TgStore    *store,
              const char *report_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = tg_store_list_heads (store, report_id, &error);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GStrv heads;

  g_assert_no_error (error);
  for (guint i = 0; i < list->len; i++)
    g_strv_builder_add (builder, tg_revision_get_id (g_ptr_array_index (list, i)));
  heads = g_strv_builder_end (builder);
  qsort (heads, g_strv_length (heads), sizeof (char *), compare_strings);
  return heads;
}

static void
test_conflict (void)
{
  g_autoptr(TgStore) a = new_store ("conflict-a");
  g_autoptr(TgStore) b = new_store ("conflict-b");
  g_autoptr(TgSyncEngine) ea = tg_sync_engine_new (a, NULL);
  g_autoptr(TgSyncEngine) eb = tg_sync_engine_new (b, NULL);
  g_autoptr(TgReport) report = tg_report_new ();
  g_autoptr(TgRevision) first = NULL, merged_rev = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TgSyncEntry) e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL, e5 = NULL, e6 = NULL, e7 = NULL;
  g_autoptr(TgReport) merged = NULL;
  g_auto(GStrv) heads_a = NULL, heads_b = NULL;
  g_autofree char *ra = NULL, *rb = NULL;
  const char *id;

  enrol (ea, "two-devices", "monitor");
  {
    g_autofree char *code = make_code (server, "two-devices");
    g_autofree char *token = enrol_with (eb, server, server->fingerprint, code, &error);

    g_assert_no_error (error);
    tg_sync_engine_set_token (eb, token);
  }
  tg_test_iterate_until (engine_configured, ea, WAIT_MS, "device A's account");
  tg_test_iterate_until (engine_configured, eb, WAIT_MS, "device B's account");

  tg_report_set_title (report, "Checkpoint at the bridge");
  first = tg_store_save_report (a, report, &error);
  g_assert_no_error (error);
  id = tg_report_get_id (report);

  e1 = sync_ok (ea);
  e2 = sync_ok (eb);
  g_assert_cmpuint (e2->n_revisions_received, ==, 1);
  g_assert_cmpuint (e2->n_reports_new, ==, 1);

  ra = save_title (a, id, "Checkpoint at the north bridge");
  rb = save_title (b, id, "Checkpoint at the south bridge");
  e3 = sync_ok (ea);
  e4 = sync_ok (eb);
  e5 = sync_ok (ea);
  g_assert_cmpuint (e4->n_conflicts, ==, 1);
  g_assert_cmpuint (e5->n_conflicts, ==, 1);
  g_assert_cmpint (tg_store_get_report_sync_state (a, id), ==, TG_REPORT_SYNC_CONFLICT);
  g_assert_cmpint (tg_store_get_report_sync_state (b, id), ==, TG_REPORT_SYNC_CONFLICT);
  g_assert_cmpint (tg_sync_engine_get_status (ea), ==, TG_SYNC_STATUS_NEEDS_ATTENTION);
  g_assert_cmpint (tg_sync_engine_get_status (eb), ==, TG_SYNC_STATUS_NEEDS_ATTENTION);

  /* resolve on A, then both sync */
  heads_a = sorted_heads (a, id);
  g_assert_cmpuint (g_strv_length (heads_a), ==, 2);
  merged = tg_store_load_report (a, id, &error);
  g_assert_no_error (error);
  tg_report_set_title (merged, "Checkpoint at both bridges");
  merged_rev = tg_store_resolve_conflict (a, merged, (const char * const *) heads_a, &error);
  g_assert_no_error (error);
  g_assert_nonnull (merged_rev);

  e6 = sync_ok (ea);
  e7 = sync_ok (eb);
  g_strfreev (heads_a);
  heads_a = sorted_heads (a, id);
  heads_b = sorted_heads (b, id);
  g_assert_cmpuint (g_strv_length (heads_a), ==, 1);
  g_assert_true (g_strv_equal ((const char * const *) heads_a, (const char * const *) heads_b));
  g_assert_cmpstr (heads_a[0], ==, tg_revision_get_id (merged_rev));
  g_assert_cmpint (tg_store_get_report_sync_state (b, id), ==, TG_REPORT_SYNC_SYNCED);
  g_assert_cmpint (tg_sync_engine_get_status (eb), ==, TG_SYNC_STATUS_UP_TO_DATE);
  {
    g_autoptr(TgReport) on_b = tg_store_load_report (b, id, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (tg_report_get_title (on_b), ==, "Checkpoint at both bridges");
  }
}

/* A pull page names the devices that made its revisions, and only those:
 * B, of the same account as A, learns A's name and user; C, another
 * monitor, learns nothing of A or B. */
static void
test_device_names (void)
{
  g_autoptr(TgStore) a = new_store ("names-a");
  g_autoptr(TgStore) b = new_store ("names-b");
  g_autoptr(TgStore) c = new_store ("names-c");
  g_autoptr(TgSyncEngine) ea = tg_sync_engine_new (a, NULL);
  g_autoptr(TgSyncEngine) eb = tg_sync_engine_new (b, NULL);
  g_autoptr(TgSyncEngine) ec = tg_sync_engine_new (c, NULL);
  g_autoptr(TgReport) report = tg_report_new ();
  g_autoptr(TgReport) other = tg_report_new ();
  g_autoptr(TgRevision) rev = NULL, other_rev = NULL;
  g_autoptr(TgSyncEntry) e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL;
  g_autoptr(TgSyncDeviceName) named = NULL, none = NULL, self_name = NULL, c_of_a = NULL;
  g_autoptr(GError) error = NULL;

  enrol (ea, "names-rosa", "monitor");
  {
    g_autofree char *code = make_code (server, "names-rosa");
    g_autofree char *token = enrol_with (eb, server, server->fingerprint, code, &error);

    g_assert_no_error (error);
    tg_sync_engine_set_token (eb, token);
  }
  enrol (ec, "names-other", "monitor");
  tg_test_iterate_until (engine_configured, ea, WAIT_MS, "device A's account");
  tg_test_iterate_until (engine_configured, eb, WAIT_MS, "device B's account");
  tg_test_iterate_until (engine_configured, ec, WAIT_MS, "device C's account");

  g_assert_null (tg_store_get_device_name (b, tg_store_get_device_id (a)));
  tg_report_set_title (report, "Road closed at Tambo");
  rev = tg_store_save_report (a, report, &error);
  g_assert_no_error (error);
  tg_report_set_title (other, "Another monitor's report");
  other_rev = tg_store_save_report (c, other, &error);
  g_assert_no_error (error);

  e1 = sync_ok (ea);
  e2 = sync_ok (ec);
  e3 = sync_ok (eb);
  e4 = sync_ok (ec);
  g_assert_cmpuint (e3->n_revisions_received, ==, 1);
  /* B's history says whose changes came: A, by name and user */
  g_assert_cmpstr (e3->received_from, ==, "test laptop\tnames-rosa");
  g_assert_null (e1->received_from);
  g_assert_null (e4->received_from);
  {
    g_autoptr(GPtrArray) history = tg_store_list_sync_entries (b, 1, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (((TgSyncEntry *) history->pdata[0])->received_from, ==, "test laptop\tnames-rosa");
  }

  named = tg_store_get_device_name (b, tg_store_get_device_id (a));
  g_assert_nonnull (named);
  g_assert_cmpstr (named->device_id, ==, tg_store_get_device_id (a));
  g_assert_cmpstr (named->name, ==, "test laptop");
  g_assert_cmpstr (named->user, ==, "names-rosa");
  /* B never got a revision of C's: nothing of C is named on B */
  none = tg_store_get_device_name (b, tg_store_get_device_id (c));
  g_assert_null (none);
  /* C pulled nothing of A's: neither A nor B is named on C */
  c_of_a = tg_store_get_device_name (c, tg_store_get_device_id (a));
  g_assert_null (c_of_a);
  g_assert_cmpuint (e4->n_revisions_received, ==, 0);
  /* A's own revisions come back to nobody's name on A (own_through) */
  self_name = tg_store_get_device_name (a, tg_store_get_device_id (b));
  g_assert_null (self_name);
}

static void
test_revoked (void)
{
  g_autoptr(TgStore) store = new_store ("revoked");
  g_autoptr(TgSyncEngine) engine = tg_sync_engine_new (store, NULL);
  g_autoptr(TgSyncAccount) account = NULL;
  g_autoptr(TgReport) report = tg_report_new ();
  g_autoptr(TgRevision) rev = NULL;
  g_autoptr(TgSyncEntry) ok = NULL, failed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) history = NULL;
  g_autofree char *out = NULL, *err = NULL;
  TgSyncError code;

  enrol (engine, "revoked", "monitor");
  tg_test_iterate_until (engine_configured, engine, WAIT_MS, "the account");
  tg_report_set_title (report, "Before");
  rev = tg_store_save_report (store, report, &error);
  g_assert_no_error (error);
  ok = sync_ok (engine);

  account = tg_store_get_sync_account (store, &error);
  out = test_server_admin (server, &err, "revoke", account->server_device_id, NULL);
  g_assert_nonnull (out);

  tg_report_set_title (report, "After");
  g_clear_object (&rev);
  rev = tg_store_save_report (store, report, &error);
  g_assert_no_error (error);

  failed = sync_now (engine, TG_SYNC_FLAGS_NONE, &error);
  g_assert_error (error, TG_SYNC_ERROR, TG_SYNC_ERROR_REVOKED);
  g_assert_null (failed);
  g_assert_true (strstr (error->message, "disconnected by your organisation") != NULL);
  g_assert_cmpint (tg_sync_engine_get_status (engine), ==, TG_SYNC_STATUS_NEEDS_ATTENTION);
  g_assert_true (tg_sync_engine_get_last_error_code (engine, &code));
  g_assert_cmpint (code, ==, TG_SYNC_ERROR_REVOKED);
  g_clear_error (&error);

  /* nothing local was deleted: the report and its unsent change stay */
  {
    g_autoptr(TgReport) local = tg_store_load_report (store, tg_report_get_id (report), &error);
    g_autoptr(GPtrArray) unsynced = tg_store_list_unsynced (store, 0, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (tg_report_get_title (local), ==, "After");
    g_assert_cmpuint (unsynced->len, ==, 1);
  }
  history = tg_store_list_sync_entries (store, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (history->len, ==, 2);
  g_assert_cmpint (((TgSyncEntry *) g_ptr_array_index (history, 0))->outcome, ==, TG_SYNC_OUTCOME_FAILED);
  g_assert_nonnull (((TgSyncEntry *) g_ptr_array_index (history, 0))->error);
}

static void
test_fingerprint_changed (void)
{
  g_autoptr(TgStore) store = new_store ("identity");
  g_autoptr(TgSyncEngine) engine = tg_sync_engine_new (store, NULL);
  g_autoptr(TgSyncAccount) account = NULL;
  g_autoptr(TgReport) report = tg_report_new ();
  g_autoptr(TgRevision) rev = NULL;
  g_autoptr(TgSyncEntry) entry = NULL;
  g_autoptr(GError) error = NULL;
  TestServer *other = test_server_new ("rate-limit=10000\nrate-burst=10000\n");
  TgSyncAccount moved = { 0 };

  test_server_start (other);
  g_assert_cmpstr (other->fingerprint, !=, server->fingerprint);
  enrol (engine, "identity", "monitor");
  tg_test_iterate_until (engine_configured, engine, WAIT_MS, "the account");
  tg_report_set_title (report, "Not for strangers");
  rev = tg_store_save_report (store, report, &error);
  g_assert_no_error (error);

  /* the same address now answers with another certificate */
  account = tg_store_get_sync_account (store, &error);
  moved = *account;
  moved.server_uri = other->base_uri;
  g_assert_true (tg_store_set_sync_account (store, &moved, &error));
  g_assert_no_error (error);

  entry = sync_now (engine, TG_SYNC_FLAGS_NONE, &error);
  g_assert_error (error, TG_SYNC_ERROR, TG_SYNC_ERROR_FINGERPRINT_MISMATCH);
  g_assert_true (strstr (error->message, "identity changed") != NULL);
  g_assert_null (entry);
  g_assert_cmpint (tg_sync_engine_get_status (engine), ==, TG_SYNC_STATUS_NEEDS_ATTENTION);
  g_clear_error (&error);
  {
    g_autoptr(GPtrArray) unsynced = tg_store_list_unsynced (store, 0, &error);
    g_assert_cmpuint (unsynced->len, ==, 1);
  }
  test_server_free (other);
}

static void
phase_cb (TgSyncEngine *engine,
          GParamSpec   *pspec,
          GPtrArray    *phases)
{
  const char *phase = tg_sync_engine_get_phase (engine);

  if (phase && (phases->len == 0 || g_strcmp0 (g_ptr_array_index (phases, phases->len - 1), phase) != 0))
    g_ptr_array_add (phases, g_strdup (phase));
}

static gboolean
phases_have (GPtrArray  *phases,
             const char *text)
{
  for (guint i = 0; i < phases->len; i++)
    if (strcmp (g_ptr_array_index (phases, i), text) == 0)
      return TRUE;
  return FALSE;
}

static void
test_metered (void)
{
  g_autoptr(GPtrArray) phases = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(TgStore) store = new_store ("metered");
  g_autoptr(TestMonitor) monitor = g_object_new (TEST_TYPE_MONITOR, NULL);
  g_autoptr(TgSyncEngine) engine = tg_sync_engine_new (store, G_NETWORK_MONITOR (monitor));
  g_autoptr(TestClient) coordinator = test_client_enrol (server, "demo-coco");
  g_autoptr(TgSyncEntry) held = NULL, sent = NULL;
  g_autofree char *id = NULL, *thumb = NULL, *orig = NULL, *orig2 = NULL;
  AddedFile file = { 0 };

  test_monitor_set (monitor, TRUE, TRUE);
  id = add_file_report (store, "On the phone's data", 200 * 1000, 7, &file);
  enrol (engine, "metered", "monitor");
  tg_test_iterate_until (engine_configured, engine, WAIT_MS, "the account");

  held = sync_ok (engine);
  g_assert_cmpint (held->outcome, ==, TG_SYNC_OUTCOME_PARTIAL);
  g_assert_cmpuint (held->n_files_sent, ==, 1);
  g_assert_cmpuint (held->n_files_held_back, ==, 1);
  g_assert_cmpint (tg_sync_engine_get_status (engine), ==, TG_SYNC_STATUS_PENDING);
  g_assert_cmpint (tg_store_get_report_sync_state (store, id), ==, TG_REPORT_SYNC_FILES_PENDING);
  thumb = server_blob_sha256 (coordinator, file.thumbnail);
  orig = server_blob_sha256 (coordinator, file.original);
  g_assert_cmpstr (thumb, ==, file.thumbnail);
  g_assert_null (orig);

  /* unmetered now */
  test_monitor_set (monitor, TRUE, FALSE);
  g_signal_connect (engine, "notify::phase", G_CALLBACK (phase_cb), phases);
  sent = sync_ok (engine);
  /* a file of one chunk is announced too, between the checks and the pull */
  g_assert_true (phases_have (phases, "Checking the server"));
  g_assert_true (phases_have (phases, "Sending files: 1 of 1"));
  g_assert_true (phases_have (phases, "Receiving changes"));
  g_assert_null (tg_sync_engine_get_phase (engine));
  g_assert_cmpfloat (tg_sync_engine_get_progress (engine), ==, -1);
  g_assert_cmpint (sent->outcome, ==, TG_SYNC_OUTCOME_OK);
  g_assert_cmpuint (sent->n_files_sent, ==, 1);
  g_assert_cmpuint (sent->n_files_held_back, ==, 0);
  orig2 = server_blob_sha256 (coordinator, file.original);
  g_assert_cmpstr (orig2, ==, file.original);
  g_assert_cmpint (tg_store_get_report_sync_state (store, id), ==, TG_REPORT_SYNC_SYNCED);
  g_assert_cmpint (tg_sync_engine_get_status (engine), ==, TG_SYNC_STATUS_UP_TO_DATE);
  added_file_clear (&file);
}

static void
test_verification_pulled (void)
{
  g_autoptr(TgStore) store = new_store ("verified");
  g_autoptr(TgSyncEngine) engine = tg_sync_engine_new (store, NULL);
  g_autoptr(TestClient) coordinator = test_client_enrol (server, "demo-coco");
  g_autoptr(TgReport) report = tg_report_new ();
  g_autoptr(TgRevision) rev = NULL, decision = NULL;
  g_autoptr(TgReport) decided = NULL, local = NULL;
  g_autoptr(TgSyncEntry) pushed = NULL, pulled = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autofree char *content = NULL, *body = NULL;
  const char *parents[2] = { NULL, NULL };
  guint status = 0;

  enrol (engine, "verified", "monitor");
  tg_test_iterate_until (engine_configured, engine, WAIT_MS, "the account");
  tg_report_set_title (report, "Burned school");
  tg_report_set_status (report, TG_REPORT_STATUS_SUBMITTED);
  rev = tg_store_save_report (store, report, &error);
  g_assert_no_error (error);
  pushed = sync_ok (engine);

  /* the coordinator verifies it */
  decided = tg_report_new_from_json_string (tg_revision_get_content (rev), -1, &error);
  g_assert_no_error (error);
  tg_report_set_status (decided, TG_REPORT_STATUS_VERIFIED);
  content = tg_report_to_json_string (decided);
  parents[0] = tg_revision_get_id (rev);
  decision = tg_revision_new (tg_report_get_id (report), TG_REVISION_KIND_REPORT, parents,
                              "coordinator-desk", 1, g_get_real_time (), FALSE, content);
  {
    g_autoptr(GPtrArray) one = g_ptr_array_new ();
    g_autoptr(GBytes) bytes = NULL;

    g_ptr_array_add (one, decision);
    bytes = tg_sync_wire_encode_push (one, 0, 1);
    body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  }
  reply = test_client_json (coordinator, "POST", "/api/v1/push", body, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpuint (json_array_get_length (test_json_array (reply, "accepted")), ==, 1);

  pulled = sync_ok (engine);
  g_assert_cmpuint (pulled->n_revisions_received, ==, 1);
  g_assert_cmpuint (pulled->n_reports_changed, ==, 1);
  local = tg_store_load_report (store, tg_report_get_id (report), &error);
  g_assert_no_error (error);
  g_assert_cmpint (tg_report_get_status (local), ==, TG_REPORT_STATUS_VERIFIED);
  g_assert_false (tg_report_has_conflict (local));
  g_assert_cmpint (tg_sync_engine_get_status (engine), ==, TG_SYNC_STATUS_UP_TO_DATE);

  /* an edit afterwards waits to leave: the status says so */
  g_free (save_title (store, tg_report_get_id (report), "Burned school, east wing"));
  tg_test_iterate_until (status_is_pending, engine, WAIT_MS, "the status to say an edit waits");
}

typedef struct
{
  gint64 cancel_at;
  gint64 last_offset;
} CancelHook;

static void
cancel_hook (TgSyncEngine *engine,
             gint64        offset,
             gpointer      data)
{
  CancelHook *hook = data;

  hook->last_offset = offset;
  if (hook->cancel_at > 0 && offset >= hook->cancel_at)
    tg_sync_engine_cancel (engine);
}

static void
test_upload_resumes (void)
{
  g_autoptr(TgStore) store = new_store ("resume");
  g_autoptr(TgSyncEngine) engine = tg_sync_engine_new (store, NULL);
  g_autoptr(TestClient) coordinator = test_client_enrol (server, "demo-coco");
  g_autoptr(TgSyncEntry) cut = NULL, resumed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) history = NULL;
  g_autofree char *id = NULL, *on_server = NULL;
  const gsize chunk = 64 * 1024;
  const gsize size = 3 * 1024 * 1024 + 777;
  CancelHook hook = { 5 * 64 * 1024, 0 };
  AddedFile file = { 0 };
  TgSyncEntry *last;

  id = add_file_report (store, "Long video", size, 42, &file);
  enrol (engine, "resume", "monitor");
  tg_test_iterate_until (engine_configured, engine, WAIT_MS, "the account");
  tg_sync_engine_set_chunk_size (engine, chunk);
  _tg_sync_engine_set_chunk_hook (engine, cancel_hook, &hook);

  cut = sync_now (engine, TG_SYNC_FLAGS_NONE, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (cut);
  g_clear_error (&error);
  history = tg_store_list_sync_entries (store, 1, &error);
  last = g_ptr_array_index (history, 0);
  g_assert_cmpint (last->outcome, ==, TG_SYNC_OUTCOME_CANCELLED);
  g_assert_cmpint (tg_store_get_report_sync_state (store, id), ==, TG_REPORT_SYNC_FILES_PENDING);
  g_clear_pointer (&on_server, g_free);

  hook.cancel_at = 0;
  resumed = sync_ok (engine);
  g_assert_cmpint (resumed->outcome, ==, TG_SYNC_OUTCOME_OK);
  /* the original went on from the server's offset: the five chunks already
   * verified were not sent again */
  g_assert_cmpuint (resumed->bytes_sent, ==, (size - 5 * chunk));
  on_server = server_blob_sha256 (coordinator, file.original);
  g_assert_cmpstr (on_server, ==, file.original);
  added_file_clear (&file);
}

/* A TLS server answering what a test wants: every status of the issue. */
typedef struct
{
  guint       status;
  const char *body;
  const char *retry_after;
} Canned;

static void
canned_handler (SoupServer        *soup_server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           data)
{
  const Canned *canned = data;

  if (canned->retry_after)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                  "Retry-After", canned->retry_after);
  soup_server_message_set_status (msg, canned->status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY,
                                    canned->body, strlen (canned->body));
}

static void
test_error_mapping (void)
{
  static const struct
  {
    Canned      canned;
    int         code;
    const char *words;
  } cases[] = {
    { { 401, "{\"error\": \"revoked\"}", NULL }, TG_SYNC_ERROR_REVOKED, "disconnected by your organisation" },
    { { 403, "{\"error\": \"no\"}", NULL }, TG_SYNC_ERROR_FORBIDDEN, "may not do this" },
    { { 404, "{\"error\": \"no such endpoint\"}", NULL }, TG_SYNC_ERROR_PROTOCOL, "another version" },
    { { 409, "{\"error\": \"busy\"}", NULL }, TG_SYNC_ERROR_PROTOCOL, "another upload" },
    { { 413, "{\"error\": \"big\"}", NULL }, TG_SYNC_ERROR_TOO_LARGE, "too large" },
    { { 422, "{\"error\": \"hash\"}", NULL }, TG_SYNC_ERROR_PROTOCOL, "damaged" },
    { { 429, "{\"error\": \"slow down\"}", "7" }, TG_SYNC_ERROR_RATE_LIMITED, "slow down" },
    { { 500, "{\"error\": \"internal server error\"}", NULL }, TG_SYNC_ERROR_SERVER, "had a problem" },
    { { 503, "{\"error\": \"not durable\"}", "2" }, TG_SYNC_ERROR_SERVER, "could not save" },
    { { 200, "<html>hello</html>", NULL }, TG_SYNC_ERROR_PROTOCOL, "not what Testigo expects" },
    { { 200, "{\"server\": \"testigo-server\", \"api\": \"two\"}", NULL }, TG_SYNC_ERROR_PROTOCOL, "not what Testigo expects" },
    { { 200, "{\"server\": \"testigo-server\", \"api\": 1, \"time_us\": 1}", NULL }, TG_SYNC_ERROR_VERSION, "protocol 1" },
  };
  g_autofree char *cert = g_build_filename (server->dir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (server->dir, "key.pem", NULL);
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GError) error = NULL;

  certificate = g_tls_certificate_new_from_files (cert, key, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SoupServer) fake = soup_server_new ("tls-certificate", certificate, NULL);
      g_autoptr(TgStore) store = NULL;
      g_autoptr(TgSyncEngine) engine = NULL;
      g_autofree char *name = g_strdup_printf ("canned-%u", i);
      g_autofree char *base = NULL;
      g_autoptr(TgSyncEntry) entry = NULL;
      TgSyncError code;

      soup_server_add_handler (fake, NULL, canned_handler, (gpointer) &cases[i].canned, NULL);
      base = fake_listen (fake);

      engine = fake_engine (name, base, &store);

      entry = sync_now (engine, TG_SYNC_FLAGS_NONE, &error);
      g_assert_null (entry);
      g_assert_error (error, TG_SYNC_ERROR, cases[i].code);
      if (strstr (error->message, cases[i].words) == NULL)
        g_error ("status %u: “%s” does not say “%s”", cases[i].canned.status,
                 error->message, cases[i].words);
      g_assert_true (tg_sync_engine_get_last_error_code (engine, &code));
      g_assert_cmpint (code, ==, cases[i].code);
      g_assert_cmpstr (tg_sync_engine_get_last_error (engine), ==, error->message);
      g_clear_error (&error);
    }
}

/* A pull page whose "devices" a hostile or broken server made bad -------- */

typedef struct
{
  char *pull;       /* the body of every pull */
  guint n_pulls;
} BadPage;

static void
bad_page_handler (SoupServer        *soup_server,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           data)
{
  BadPage *page = data;
  g_autofree char *body = NULL;

  if (g_str_equal (path, "/api/v1/info"))
    body = g_strdup_printf ("{\"server\": \"testigo-server\", \"api\": 2, \"time_us\": %" G_GINT64_FORMAT ", "
                            "\"fingerprint\": \"%s\", \"limits\": {\"max_pull\": 1000}}",
                            g_get_real_time (), server->fingerprint);
  else if (g_str_has_prefix (path, "/api/v1/pull"))
    {
      page->n_pulls++;
      body = g_strdup (page->pull);
    }
  else
    {
      soup_server_message_set_status (msg, 404, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC,
                                        "{\"error\": \"no\"}", strlen ("{\"error\": \"no\"}"));
      return;
    }
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body, strlen (body));
}

/* One pull page: @revision (with server_seq 1) and "devices": @devices
 * (JSON text, NULL for none). */
static char *
page_with_devices (JsonNode   *revision,
                   const char *devices)
{
  g_autofree char *rev = json_to_string (revision, FALSE);

  return g_strdup_printf ("{\"revisions\": [%s], \"conflicts\": [], \"next\": 1, \"more\": false, "
                          "\"server_seq\": 1, \"role\": \"monitor\"%s%s}",
                          rev, devices ? ", \"devices\": " : "", devices ? devices : "");
}

/* The client refuses a pull page whose "devices" list is bad (overlong,
 * invisible or direction-changing characters, more entries than
 * revisions, wrong types): a protocol error in plain words that says
 * what was wrong, and nothing of that page in the store — no report, no
 * name, the cursor where it was. The same page with a good list is
 * applied, so the checks can see a page go in. */
static void
test_bad_devices (void)
{
  g_autoptr(TgStore) source = new_store ("bad-devices-source");
  g_autoptr(TgReport) report = tg_report_new ();
  g_autoptr(TgRevision) rev = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *cert = g_build_filename (server->dir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (server->dir, "key.pem", NULL);
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *long_name = g_strnfill (257, 'a');
  g_autofree char *long_user = g_strnfill (257, 'u');
  g_autofree char *long_id = g_strnfill (257, 'd');
  const char *dev = NULL;
  struct { char *devices; const char *says; } bad[12];
  guint n_bad = 0;

  tg_report_set_title (report, "Puente tomado en Mayocc");
  rev = tg_store_save_report (source, report, &error);
  g_assert_no_error (error);
  node = tg_revision_to_json (rev);
  json_object_set_int_member (json_node_get_object (node), "server_seq", 1);
  dev = tg_revision_get_device_id (rev);

#define BAD(json, words) (bad[n_bad].devices = (json), bad[n_bad].says = (words), n_bad++)
  BAD (g_strdup_printf ("[{\"device\": \"%s\", \"name\": \"%s\", \"user\": \"rosa\"}]", dev, long_name),
       "devices[0]: an empty, overlong or unprintable name");
  BAD (g_strdup_printf ("[{\"device\": \"%s\", \"name\": \"Laptop\", \"user\": \"%s\"}]", dev, long_user),
       "devices[0]: an empty, overlong or unprintable name");
  BAD (g_strdup_printf ("[{\"device\": \"%s\", \"name\": \"Laptop\", \"user\": \"rosa\"}]", long_id),
       "devices[0]: an empty, overlong or unprintable name");
  /* a right-to-left override: "Laptop <U+202E>asor" shows as "Laptop rosa" */
  BAD (g_strdup_printf ("[{\"device\": \"%s\", \"name\": \"Laptop \\u202easor\", \"user\": \"rosa\"}]", dev),
       "devices[0]: an empty, overlong or unprintable name");
  BAD (g_strdup_printf ("[{\"device\": \"%s\", \"name\": \"Laptop\", \"user\": \"ro\\u200bsa\"}]", dev),
       "devices[0]: an empty, overlong or unprintable name");
  BAD (g_strdup_printf ("[{\"device\": \"%s\", \"name\": \"Lap\\ntop\", \"user\": \"rosa\"}]", dev),
       "devices[0]: an empty, overlong or unprintable name");
  BAD (g_strdup_printf ("[{\"device\": \"%s\", \"name\": \"\", \"user\": \"rosa\"}]", dev),
       "devices[0]: an empty, overlong or unprintable name");
  BAD (g_strdup_printf ("[{\"device\": \"%s\", \"name\": \"A\", \"user\": \"rosa\"}, "
                        "{\"device\": \"other\", \"name\": \"B\", \"user\": \"ana\"}]", dev),
       "names more devices than the page has revisions");
  BAD (g_strdup ("\"Laptop Huanta\""), "devices");
  BAD (g_strdup ("[7]"), "holds something other than objects");
  BAD (g_strdup_printf ("[{\"device\": \"%s\", \"name\": 5, \"user\": \"rosa\"}]", dev),
       "devices[0]: \"device\", \"name\" and \"user\" must be strings");
  BAD (g_strdup_printf ("[{\"device\": \"%s\", \"name\": \"Laptop\"}]", dev),
       "devices[0]: \"device\", \"name\" and \"user\" must be strings");
#undef BAD
  g_assert_cmpuint (n_bad, ==, G_N_ELEMENTS (bad));

  certificate = g_tls_certificate_new_from_files (cert, key, &error);
  g_assert_no_error (error);

  for (guint i = 0; i <= n_bad; i++)
    {
      gboolean good = i == n_bad;
      g_autofree char *good_devices = g_strdup_printf ("[{\"device\": \"%s\", \"name\": \"Laptop Huanta\", "
                                                       "\"user\": \"rosa\"}]", dev);
      BadPage page = { page_with_devices (node, good ? good_devices : bad[i].devices), 0 };
      g_autoptr(SoupServer) fake = soup_server_new ("tls-certificate", certificate, NULL);
      g_autofree char *name = g_strdup_printf ("bad-devices-%u", i);
      g_autofree char *base = NULL;
      g_autoptr(TgStore) store = NULL;
      g_autoptr(TgSyncEngine) engine = NULL;
      g_autoptr(TgSyncEntry) entry = NULL;
      g_autoptr(TgReport) loaded = NULL;
      g_autoptr(TgSyncDeviceName) named = NULL;
      g_autoptr(GPtrArray) history = NULL;
      g_autoptr(GError) load_error = NULL;

      g_test_message ("devices: %s", good ? good_devices : bad[i].devices);
      soup_server_add_handler (fake, NULL, bad_page_handler, &page, NULL);
      base = fake_listen (fake);

      engine = fake_engine (name, base, &store);

      entry = sync_now (engine, TG_SYNC_FLAGS_NONE, &error);
      g_assert_cmpuint (page.n_pulls, ==, 1);
      loaded = tg_store_load_report (store, tg_report_get_id (report), &load_error);
      named = tg_store_get_device_name (store, dev);
      history = tg_store_list_sync_entries (store, 0, NULL);
      g_assert_cmpuint (history->len, ==, 1);
      if (good)
        {
          g_assert_no_error (error);
          g_assert_nonnull (entry);
          g_assert_nonnull (loaded);
          g_assert_cmpstr (tg_report_get_title (loaded), ==, "Puente tomado en Mayocc");
          g_assert_cmpint (tg_store_get_pull_cursor (store), ==, 1);
          g_assert_nonnull (named);
          g_assert_cmpstr (named->name, ==, "Laptop Huanta");
          g_assert_cmpstr (entry->received_from, ==, "Laptop Huanta\trosa");
        }
      else
        {
          g_assert_null (entry);
          g_assert_error (error, TG_SYNC_ERROR, TG_SYNC_ERROR_PROTOCOL);
          /* plain words for the monitor, and what was wrong for an administrator */
          if (strstr (error->message, "not what Testigo expects") == NULL
              || strstr (error->message, bad[i].says) == NULL)
            g_error ("devices %s: “%s” does not say “%s”", bad[i].devices, error->message, bad[i].says);
          g_assert_null (loaded);
          g_assert_cmpint (tg_store_get_pull_cursor (store), ==, 0);
          g_assert_null (named);
          g_assert_cmpint (((TgSyncEntry *) history->pdata[0])->outcome, ==, TG_SYNC_OUTCOME_FAILED);
          g_assert_cmpstr (((TgSyncEntry *) history->pdata[0])->error, ==, error->message);
          g_assert_null (((TgSyncEntry *) history->pdata[0])->received_from);
          g_clear_error (&error);
          g_free (bad[i].devices);
        }
      g_free (page.pull);
    }
}

static gboolean
plain_incoming_cb (GSocketService    *service,
                   GSocketConnection *connection,
                   GObject           *source,
                   gpointer           data)
{
  static const char answer[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));

  /* not TLS: a plain HTTP answer to the client's TLS hello */
  g_output_stream_write_all (out, answer, sizeof answer - 1, NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return TRUE;
}

static void
test_tls_failure (void)
{
  g_autoptr(GSocketService) plain = g_socket_service_new ();
  g_autoptr(TgStore) store = new_store ("plain");
  g_autoptr(TgSyncEngine) engine = tg_sync_engine_new (store, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *base = NULL;

  g_socket_listener_add_address (G_SOCKET_LISTENER (plain), address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  g_signal_connect (plain, "incoming", G_CALLBACK (plain_incoming_cb), NULL);
  g_socket_service_start (plain);
  base = g_strdup_printf ("https://127.0.0.1:%u",
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  error = probe_error (engine, base);
  g_assert_error (error, TG_SYNC_ERROR, TG_SYNC_ERROR_TLS);
  g_clear_error (&error);
  g_socket_service_stop (plain);
}

static void
test_probe_dns (void)
{
  g_autoptr(TgStore) store = new_store ("dns");
  g_autoptr(TgSyncEngine) engine = tg_sync_engine_new (store, NULL);
  g_autoptr(GError) error = NULL;

  /* .invalid never resolves (RFC 6761) */
  error = probe_error (engine, "testigo-sync-test.invalid:8443");
  g_assert_error (error, TG_SYNC_ERROR, TG_SYNC_ERROR_NETWORK);
  g_assert_true (strstr (error->message, "name could not be found") != NULL);
  g_clear_error (&error);
}

/* A TLS server (the fixture's certificate) that announces a reply longer
 * than what it sends, then hangs up. */
static gboolean
cut_run_cb (GThreadedSocketService *service,
            GSocketConnection      *connection,
            GObject                *source,
            gpointer                data)
{
  static const char answer[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                               "Content-Length: 4000\r\n\r\n{\"server\": \"testigo-";
  g_autoptr(GIOStream) tls = g_tls_server_connection_new (G_IO_STREAM (connection), data, NULL);
  GInputStream *in;
  char buffer[4096];
  gsize got = 0;

  if (tls == NULL || !g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, NULL))
    return TRUE;
  in = g_io_stream_get_input_stream (tls);
  while (got < sizeof buffer - 1)
    {
      gssize n = g_input_stream_read (in, buffer + got, sizeof buffer - 1 - got, NULL, NULL);

      if (n <= 0)
        return TRUE;
      got += n;
      buffer[got] = '\0';
      if (strstr (buffer, "\r\n\r\n"))
        break;
    }
  if (g_object_get_data (G_OBJECT (service), "garble"))
    {
      /* bytes that are no TLS record, as if the link changed them */
      static const char garbage[] = "\x17\x03\x03\x00\x20garbled-on-the-way-by-a-bad-link!";

      g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                 garbage, sizeof garbage - 1, NULL, NULL, NULL);
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return TRUE;
    }
  g_output_stream_write_all (g_io_stream_get_output_stream (tls), answer, sizeof answer - 1,
                             NULL, NULL, NULL);
  g_io_stream_close (tls, NULL, NULL);
  return TRUE;
}

static void
test_reply_cut (void)
{
  g_autofree char *cert = g_build_filename (server->dir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (server->dir, "key.pem", NULL);
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GSocketService) cut = g_threaded_socket_service_new (2);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(TgStore) store = new_store ("cut");
  g_autoptr(TgSyncEngine) engine = tg_sync_engine_new (store, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *base = NULL;

  certificate = g_tls_certificate_new_from_files (cert, key, &error);
  g_assert_no_error (error);
  g_socket_listener_add_address (G_SOCKET_LISTENER (cut), address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  g_signal_connect (cut, "run", G_CALLBACK (cut_run_cb), certificate);
  g_socket_service_start (cut);
  base = g_strdup_printf ("https://127.0.0.1:%u",
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  error = probe_error (engine, base);
  g_assert_error (error, TG_SYNC_ERROR, TG_SYNC_ERROR_NETWORK);
  g_assert_true (strstr (error->message, "cut") != NULL);
  g_clear_error (&error);

  /* a reply damaged after the handshake is the link, not the server's TLS */
  g_object_set_data (G_OBJECT (cut), "garble", GINT_TO_POINTER (TRUE));
  error = probe_error (engine, base);
  g_assert_error (error, TG_SYNC_ERROR, TG_SYNC_ERROR_NETWORK);
  g_assert_true (strstr (error->message, "damaged or cut") != NULL);
  g_clear_error (&error);
  g_socket_service_stop (cut);
}

typedef struct
{
  guint         n;
  guint         want;
  gint64        at[8];
  TgSyncOutcome outcome[8];
} Finished;

static void
finished_cb (TgSyncEngine *engine,
             TgSyncEntry  *entry,
             Finished     *finished)
{
  if (finished->n < G_N_ELEMENTS (finished->at))
    {
      finished->at[finished->n] = g_get_monotonic_time ();
      finished->outcome[finished->n] = entry->outcome;
    }
  finished->n++;
}

static gboolean
finished_enough (gpointer data)
{
  Finished *finished = data;

  return finished->n >= finished->want;
}

static void
wait_finished (Finished   *finished,
               guint       n,
               const char *what)
{
  finished->want = n;
  tg_test_iterate_until (finished_enough, finished, WAIT_MS, what);
}

static gboolean
status_is_offline (gpointer data)
{
  return tg_sync_engine_get_status (data) == TG_SYNC_STATUS_OFFLINE;
}

static void
test_automatic_network (void)
{
  g_autoptr(TgStore) store = new_store ("automatic");
  g_autoptr(TestMonitor) monitor = g_object_new (TEST_TYPE_MONITOR, NULL);
  g_autoptr(TgSyncEngine) engine = tg_sync_engine_new (store, G_NETWORK_MONITOR (monitor));
  g_autoptr(TgReport) report = tg_report_new ();
  g_autoptr(TgRevision) rev = NULL;
  g_autoptr(GError) error = NULL;
  Finished finished = { 0 };

  enrol (engine, "automatic", "monitor");
  tg_test_iterate_until (engine_configured, engine, WAIT_MS, "the account");
  tg_report_set_title (report, "Made offline");
  rev = tg_store_save_report (store, report, &error);
  g_assert_no_error (error);

  g_signal_connect (engine, "finished", G_CALLBACK (finished_cb), &finished);
  test_monitor_set (monitor, FALSE, FALSE);
  tg_sync_engine_set_timing (engine, 3600, 20, 200);
  tg_sync_engine_set_automatic (engine, TRUE);
  tg_test_iterate_until (status_is_offline, engine, WAIT_MS, "the status to say offline");
  tg_test_iterate_pending ();
  g_assert_cmpuint (finished.n, ==, 0);

  /* the link comes back: the engine syncs by itself */
  test_monitor_set (monitor, TRUE, FALSE);
  wait_finished (&finished, 1, "an automatic sync when the network came back");
  g_assert_cmpint (finished.outcome[0], ==, TG_SYNC_OUTCOME_OK);
  g_assert_cmpint (tg_store_get_report_sync_state (store, tg_report_get_id (report)), ==, TG_REPORT_SYNC_SYNCED);
  g_assert_cmpint (tg_sync_engine_get_status (engine), ==, TG_SYNC_STATUS_UP_TO_DATE);
  tg_sync_engine_set_automatic (engine, FALSE);
}

static void
test_backoff (void)
{
  static const Canned busy = { 503, "{\"error\": \"not durable\"}", "1" };
  static const Canned broken = { 500, "{\"error\": \"internal server error\"}", NULL };
  g_autofree char *cert = g_build_filename (server->dir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (server->dir, "key.pem", NULL);
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GError) error = NULL;
  const Canned *canned[2] = { &busy, &broken };

  certificate = g_tls_certificate_new_from_files (cert, key, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(SoupServer) fake = soup_server_new ("tls-certificate", certificate, NULL);
      g_autoptr(TgStore) store = NULL;
      g_autoptr(TgSyncEngine) engine = NULL;
      g_autofree char *name = g_strdup_printf ("backoff-%u", i);
      g_autofree char *base = NULL;
      Finished finished = { 0 };
      gint64 gap;

      soup_server_add_handler (fake, NULL, canned_handler, (gpointer) canned[i], NULL);
      base = fake_listen (fake);

      engine = fake_engine (name, base, &store);
      g_signal_connect (engine, "finished", G_CALLBACK (finished_cb), &finished);

      tg_sync_engine_set_timing (engine, 3600, 20, 100);
      tg_sync_engine_set_automatic (engine, TRUE);
      wait_finished (&finished, 1, "the first automatic sync");
      g_assert_cmpint (finished.outcome[0], ==, TG_SYNC_OUTCOME_FAILED);
      /* waiting to try again */
      g_assert_cmpint (tg_sync_engine_get_status (engine), ==, TG_SYNC_STATUS_PENDING);
      wait_finished (&finished, 3, "two retries after the backoff");
      tg_sync_engine_set_automatic (engine, FALSE);

      gap = finished.at[1] - finished.at[0];
      if (canned[i] == &busy)
        /* Retry-After: 1 wins over a backoff of at most 100 ms */
        g_assert_cmpint (gap, >=, 1 * G_USEC_PER_SEC);
      else
        g_assert_cmpint (gap, <, 1 * G_USEC_PER_SEC);
      g_test_message ("status %u: retried after %.0f ms, then %.0f ms", canned[i]->status,
                      gap / 1e3, (finished.at[2] - finished.at[1]) / 1e3);
    }
}

/* A fake blob endpoint that damages the first chunk it gets (460), moves
 * the offset once (409), and checks every Upload-Checksum. */
typedef struct
{
  GBytes  *file;
  gint64   offset;
  guint    n_puts;
  guint    n_460;
  guint    n_409;
  guint    n_bad_checksum;
  gboolean damaged_once;
  gboolean moved_once;
  int      busy;           /* answer every PUT "another upload in progress":
                            * 1 with Retry-After: 7, 2 without (an older server) */
} FakeBlob;

static void
fake_offset_reply (SoupServerMessage *msg,
                   guint              status,
                   gint64             offset,
                   gboolean           complete)
{
  g_autofree char *body = g_strdup_printf ("{\"offset\": %" G_GINT64_FORMAT ", \"complete\": %s}",
                                           offset, complete ? "true" : "false");

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body, strlen (body));
}

static void
fake_blob_handler (SoupServer        *soup_server,
                   SoupServerMessage *msg,
                   const char        *path,
                   GHashTable        *query,
                   gpointer           data)
{
  FakeBlob *fake = data;
  gsize size = g_bytes_get_size (fake->file);
  SoupMessageBody *request;
  g_autoptr(GBytes) chunk = NULL;
  g_autofree char *expected = NULL;
  const char *checksum;
  gint64 offset;

  if (strcmp (soup_server_message_get_method (msg), "GET") == 0)
    {
      fake_offset_reply (msg, 200, fake->offset, FALSE);
      return;
    }
  fake->n_puts++;
  offset = g_ascii_strtoll (g_hash_table_lookup (query, "offset"), NULL, 10);
  request = soup_server_message_get_request_body (msg);
  chunk = soup_message_body_flatten (request);
  checksum = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Upload-Checksum");
  expected = tg_sync_upload_checksum (g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
  if (g_strcmp0 (checksum, expected) != 0)
    fake->n_bad_checksum++;
  if (fake->busy)
    {
      fake->n_409++;
      if (fake->busy == 1)
        soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", "7");
      fake_offset_reply (msg, 409, fake->offset, FALSE);
      return;
    }
  if (offset != fake->offset)
    {
      fake->n_409++;
      fake_offset_reply (msg, 409, fake->offset, FALSE);
      return;
    }
  if (!fake->damaged_once)
    {
      fake->damaged_once = TRUE;
      fake->n_460++;
      fake_offset_reply (msg, 460, fake->offset, FALSE);
      return;
    }
  g_assert_cmpmem (g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk),
                   (const guint8 *) g_bytes_get_data (fake->file, NULL) + offset, g_bytes_get_size (chunk));
  fake->offset += g_bytes_get_size (chunk);
  fake_offset_reply (msg, fake->offset == (gint64) size ? 201 : 200, fake->offset,
                     fake->offset == (gint64) size);
  if (!fake->moved_once && fake->offset < (gint64) size)
    {
      /* after the reply, as if another of this account's uploads had
       * moved on: the client's next PUT is at a stale offset */
      fake->moved_once = TRUE;
      fake->offset += 1000;
    }
}

typedef struct
{
  TgSyncUpload       upload;
  TgSyncUploadResult result;
  GError            *error;
  gboolean           ok;
  gboolean           done;
} UploadRun;

static void
upload_thread (GTask        *task,
               gpointer      source,
               gpointer      data,
               GCancellable *cancellable)
{
  UploadRun *run = data;

  run->ok = tg_sync_upload_run (&run->upload, &run->result, NULL, &run->error);
  g_task_return_boolean (task, TRUE);
}

static void
upload_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  ((UploadRun *) data)->done = TRUE;
}

static void
test_upload_resends (void)
{
  g_autofree char *cert = g_build_filename (server->dir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (server->dir, "key.pem", NULL);
  g_autofree char *path = g_build_filename (tmp_dir, "resend.bin", NULL);
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(SoupServer) fake_server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GTask) task = NULL;
  g_autofree char *base = NULL, *sha = NULL;
  TgSyncClient *client = tg_sync_client_new ();
  FakeBlob fake = { 0 };
  TgSyncTarget target = { 0 };
  UploadRun run = { { 0 } };
  gsize size = 5 * 4096 + 17;

  fake.file = tg_test_random_bytes (size, 99);
  sha = tg_sha256_hex (g_bytes_get_data (fake.file, NULL), size);
  g_file_set_contents (path, g_bytes_get_data (fake.file, NULL), size, &error);
  g_assert_no_error (error);

  certificate = g_tls_certificate_new_from_files (cert, key, &error);
  g_assert_no_error (error);
  fake_server = soup_server_new ("tls-certificate", certificate, NULL);
  soup_server_add_handler (fake_server, "/api/v1/blobs", fake_blob_handler, &fake, NULL);
  base = fake_listen (fake_server);

  target.base_uri = base;
  target.pin = server->fingerprint;
  target.token = "token";
  run.upload.client = client;
  run.upload.target = &target;
  run.upload.file = file;
  run.upload.sha256 = sha;
  run.upload.size = (gint64) size;
  run.upload.chunk_size = 4096;

  task = g_task_new (NULL, NULL, upload_done_cb, &run);
  g_task_set_task_data (task, &run, NULL);
  g_task_run_in_thread (task, upload_thread);
  tg_test_iterate_until_set (&run.done, WAIT_MS, "the upload");

  g_assert_no_error (run.error);
  g_assert_true (run.ok);
  g_assert_true (run.result.complete);
  g_assert_cmpuint (fake.n_460, ==, 1);
  g_assert_cmpuint (run.result.n_resent_chunks, ==, 1);
  g_assert_cmpuint (fake.n_409, ==, 1);
  g_assert_cmpuint (fake.n_bad_checksum, ==, 0);
  g_assert_cmpint (fake.offset, ==, (gint64) size);
  /* every byte once, the damaged chunk twice, the 1000 bytes the server
   * skipped never, the chunk sent at the stale offset once more */
  g_assert_cmpuint (run.result.bytes_sent, ==, size + 4096 - 1000 + 4096);
  g_assert_cmpuint (tg_sync_client_get_n_connections (client), ==, 1);
  tg_sync_client_free (client);
  g_bytes_unref (fake.file);
  g_unlink (path);
}

/* The server is still taking the file over an earlier connection (a
 * killed app's, a dropped link's): 409 with Retry-After. The engine used
 * to send the chunk five times over at once and fail; now it sends it
 * once, leaves the file for a later sync and says when to come back. An
 * older server without Retry-After names the very offset that was sent. */
static void
test_upload_busy (void)
{
  g_autofree char *cert = g_build_filename (server->dir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (server->dir, "key.pem", NULL);
  g_autofree char *path = g_build_filename (tmp_dir, "busy.bin", NULL);
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(SoupServer) fake_server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *base = NULL, *sha = NULL;
  FakeBlob fake = { 0 };
  TgSyncTarget target = { 0 };
  gsize size = 3 * 4096 + 5;

  fake.file = tg_test_random_bytes (size, 77);
  fake.offset = 4096;
  sha = tg_sha256_hex (g_bytes_get_data (fake.file, NULL), size);
  g_file_set_contents (path, g_bytes_get_data (fake.file, NULL), size, &error);
  g_assert_no_error (error);

  certificate = g_tls_certificate_new_from_files (cert, key, &error);
  g_assert_no_error (error);
  fake_server = soup_server_new ("tls-certificate", certificate, NULL);
  soup_server_add_handler (fake_server, "/api/v1/blobs", fake_blob_handler, &fake, NULL);
  base = fake_listen (fake_server);
  target.base_uri = base;
  target.pin = server->fingerprint;
  target.token = "token";

  for (int busy = 1; busy <= 2; busy++)
    {
      g_autoptr(GTask) task = NULL;
      TgSyncClient *client = tg_sync_client_new ();
      UploadRun run = { { 0 } };

      fake.busy = busy;
      fake.n_puts = fake.n_409 = 0;
      run.upload.client = client;
      run.upload.target = &target;
      run.upload.file = file;
      run.upload.sha256 = sha;
      run.upload.size = (gint64) size;
      run.upload.chunk_size = 4096;
      task = g_task_new (NULL, NULL, upload_done_cb, &run);
      g_task_set_task_data (task, &run, NULL);
      g_task_run_in_thread (task, upload_thread);
      tg_test_iterate_until_set (&run.done, WAIT_MS, "the upload");

      g_assert_false (run.ok);
      g_assert_error (run.error, TG_SYNC_ERROR, TG_SYNC_ERROR_BUSY);
      g_assert_cmpuint (fake.n_puts, ==, 1);
      g_assert_cmpuint (fake.n_409, ==, 1);
      g_assert_cmpuint (run.result.retry_after_s, ==, busy == 1 ? 7 : 10);
      /* the one chunk that left is counted, though it was refused */
      g_assert_cmpuint (run.result.bytes_sent, ==, 4096);
      g_assert_false (run.result.complete);
      g_assert_cmpint (fake.offset, ==, 4096);
      g_clear_error (&run.error);
      tg_sync_client_free (client);
    }
  g_bytes_unref (fake.file);
  g_unlink (path);
}

static void
test_missing_file (void)
{
  g_autoptr(TgStore) store = new_store ("missing");
  g_autoptr(TgSyncEngine) engine = tg_sync_engine_new (store, NULL);
  g_autoptr(TestClient) coordinator = test_client_enrol (server, "demo-coco");
  g_autoptr(TgSyncEntry) entry = NULL, again = NULL;
  g_autoptr(GFile) gone = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *lost_id = NULL, *kept_id = NULL, *thumb = NULL, *kept = NULL;
  AddedFile lost = { 0 }, other = { 0 };
  TgSyncPending pending = { 0 };

  lost_id = add_file_report (store, "Lost photo", 50 * 1000, 11, &lost);
  kept_id = add_file_report (store, "Kept photo", 60 * 1000, 12, &other);
  gone = tg_blob_store_get_file (tg_store_get_blob_store (store), lost.original);
  g_assert_true (g_file_delete (gone, NULL, &error));
  enrol (engine, "missing", "monitor");
  tg_test_iterate_until (engine_configured, engine, WAIT_MS, "the account");

  entry = sync_ok (engine);
  g_assert_cmpint (entry->outcome, ==, TG_SYNC_OUTCOME_PARTIAL);
  g_assert_nonnull (entry->error);
  g_assert_true (strstr (entry->error, "Lost photo") != NULL);
  g_assert_true (strstr (entry->error, "missing") != NULL);
  /* the report says so, never "with all its files"; the other is whole */
  g_assert_cmpint (tg_store_get_report_sync_state (store, lost_id), ==, TG_REPORT_SYNC_FILES_MISSING);
  g_assert_cmpint (tg_store_get_report_sync_state (store, kept_id), ==, TG_REPORT_SYNC_SYNCED);
  /* the rest went: both thumbnails and the other original */
  g_assert_cmpuint (entry->n_files_sent, ==, 3);
  thumb = server_blob_sha256 (coordinator, lost.thumbnail);
  kept = server_blob_sha256 (coordinator, other.original);
  g_assert_cmpstr (thumb, ==, lost.thumbnail);
  g_assert_cmpstr (kept, ==, other.original);
  /* and it does not fail every sync after */
  g_assert_true (tg_store_get_sync_pending (store, &pending, &error));
  g_assert_cmpuint (pending.n_originals, ==, 0);
  /* a file that cannot leave is never "up to date" */
  g_assert_cmpuint (pending.n_missing_files, ==, 1);
  g_assert_cmpuint (pending.n_missing_reports, ==, 1);
  g_assert_cmpuint (tg_sync_engine_get_n_missing_files (engine), ==, 1);
  g_assert_cmpint (tg_sync_engine_get_status (engine), ==, TG_SYNC_STATUS_NEEDS_ATTENTION);
  again = sync_ok (engine);
  g_assert_cmpint (again->outcome, ==, TG_SYNC_OUTCOME_OK);
  g_assert_cmpuint (again->n_files_sent, ==, 0);
  g_assert_cmpint (tg_sync_engine_get_status (engine), ==, TG_SYNC_STATUS_NEEDS_ATTENTION);
  /* the report deleted (its tombstone sent), nothing is missing any more */
  {
    g_autoptr(TgRevision) tombstone = tg_store_delete_report (store, lost_id, &error);
    g_autoptr(TgSyncEntry) third = NULL;

    g_assert_no_error (error);
    third = sync_ok (engine);
    g_assert_cmpint (third->outcome, ==, TG_SYNC_OUTCOME_OK);
  }
  g_assert_true (tg_store_get_sync_pending (store, &pending, &error));
  g_assert_cmpuint (pending.n_missing_files, ==, 0);
  g_assert_cmpuint (pending.n_missing_reports, ==, 0);
  g_assert_cmpint (tg_sync_engine_get_status (engine), ==, TG_SYNC_STATUS_UP_TO_DATE);
  added_file_clear (&lost);
  added_file_clear (&other);
}

/* The status from its facts, one fact at a time above the rest. */
static void
test_status_decide (void)
{
  TgSyncStatusFacts idle = { .configured = TRUE, .online = TRUE };
  TgSyncStatusFacts f;

  g_assert_cmpint (tg_sync_status_decide (&idle), ==, TG_SYNC_STATUS_UP_TO_DATE);
  f = idle, f.configured = FALSE, f.syncing = TRUE;
  g_assert_cmpint (tg_sync_status_decide (&f), ==, TG_SYNC_STATUS_NOT_CONFIGURED);
  f = idle, f.syncing = TRUE, f.attention_error = TRUE, f.n_missing_files = 1;
  g_assert_cmpint (tg_sync_status_decide (&f), ==, TG_SYNC_STATUS_SYNCING);
  f = idle, f.attention_error = TRUE, f.online = FALSE;
  g_assert_cmpint (tg_sync_status_decide (&f), ==, TG_SYNC_STATUS_NEEDS_ATTENTION);
  f = idle, f.online = FALSE, f.n_missing_files = 1, f.waiting = TRUE;
  g_assert_cmpint (tg_sync_status_decide (&f), ==, TG_SYNC_STATUS_OFFLINE);
  f = idle, f.n_missing_files = 1;
  g_assert_cmpint (tg_sync_status_decide (&f), ==, TG_SYNC_STATUS_NEEDS_ATTENTION);
  f = idle, f.n_missing_files = 1, f.waiting = TRUE;
  g_assert_cmpint (tg_sync_status_decide (&f), ==, TG_SYNC_STATUS_NEEDS_ATTENTION);
  f = idle, f.n_conflicts = 2;
  g_assert_cmpint (tg_sync_status_decide (&f), ==, TG_SYNC_STATUS_NEEDS_ATTENTION);
  f = idle, f.waiting = TRUE;
  g_assert_cmpint (tg_sync_status_decide (&f), ==, TG_SYNC_STATUS_PENDING);
}

static void
test_unknown_parent (void)
{
  g_autoptr(TgStore) a = new_store ("parent-a");
  g_autoptr(TgStore) b = new_store ("parent-b");
  g_autoptr(TgSyncEngine) ea = tg_sync_engine_new (a, NULL);
  g_autoptr(TgSyncEngine) eb = tg_sync_engine_new (b, NULL);
  g_autoptr(TgReport) report = tg_report_new ();
  g_autoptr(TgRevision) first = NULL;
  g_autoptr(GPtrArray) carried = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(TgSyncEntry) refused = NULL, parent = NULL, accepted = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *child = NULL;
  guint n_inserted = 0;

  enrol (ea, "carried", "monitor");
  {
    g_autofree char *code = make_code (server, "carried");
    g_autofree char *token = enrol_with (eb, server, server->fingerprint, code, &error);

    g_assert_no_error (error);
    tg_sync_engine_set_token (eb, token);
  }
  tg_test_iterate_until (engine_configured, ea, WAIT_MS, "device A's account");
  tg_test_iterate_until (engine_configured, eb, WAIT_MS, "device B's account");

  /* A's report reaches B on a USB stick, not through the server; B edits it */
  tg_report_set_title (report, "Carried by hand");
  first = tg_store_save_report (a, report, &error);
  g_assert_no_error (error);
  g_ptr_array_add (carried, g_object_ref (first));
  g_assert_true (tg_store_insert_revisions (b, carried, &n_inserted, &error));
  g_assert_cmpuint (n_inserted, ==, 1);
  child = save_title (b, tg_report_get_id (report), "Carried by hand, then edited");

  /* B first: the server does not know the parent */
  refused = sync_ok (eb);
  g_assert_cmpint (refused->outcome, ==, TG_SYNC_OUTCOME_PARTIAL);
  g_assert_cmpuint (refused->n_revisions_sent, ==, 0);
  g_assert_nonnull (refused->error);
  g_assert_true (strstr (refused->error, "stays on this laptop") != NULL);
  g_assert_cmpint (tg_store_get_report_sync_state (b, tg_report_get_id (report)), !=, TG_REPORT_SYNC_SYNCED);

  /* A pushes the parent; B's edit goes at its next sync */
  parent = sync_ok (ea);
  g_assert_cmpuint (parent->n_revisions_sent, ==, 1);
  accepted = sync_ok (eb);
  g_assert_cmpint (accepted->outcome, ==, TG_SYNC_OUTCOME_OK);
  g_assert_cmpuint (accepted->n_revisions_sent, ==, 1);
  {
    g_autoptr(GPtrArray) unsynced = tg_store_list_unsynced (b, 0, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (unsynced->len, ==, 0);
  }
}

static void
test_cancelled_by_caller (void)
{
  g_autoptr(TgStore) store = new_store ("caller-cancel");
  g_autoptr(TgSyncEngine) engine = tg_sync_engine_new (store, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(TgReport) report = tg_report_new ();
  g_autoptr(TgRevision) rev = NULL;
  g_autoptr(TgSyncEntry) entry = NULL;
  g_autoptr(GError) error = NULL;

  enrol (engine, "caller-cancel", "monitor");
  tg_test_iterate_until (engine_configured, engine, WAIT_MS, "the account");
  tg_report_set_title (report, "Not now");
  rev = tg_store_save_report (store, report, &error);
  g_assert_no_error (error);

  /* a caller's cancellable stops the sync, even one cancelled already */
  g_cancellable_cancel (cancellable);
  entry = tg_test_sync_run (engine, TG_SYNC_FLAGS_NONE, cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (entry);
  g_clear_error (&error);
  {
    g_autoptr(GPtrArray) unsynced = tg_store_list_unsynced (store, 0, &error);
    g_assert_cmpuint (unsynced->len, ==, 1);
  }

  /* the next one, without it, goes */
  entry = sync_ok (engine);
  g_assert_cmpuint (entry->n_revisions_sent, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);

  tmp_dir = tg_test_make_tmp_dir ("test-sync-XXXXXX");
  server = test_server_new ("rate-limit=10000\nrate-burst=10000\nmax-batch=100\n");
  test_server_start (server);
  g_free (test_server_admin (server, NULL, "user", "add", "demo-coco", "--role", "coordinator", NULL));

  g_test_add_func ("/sync/normalize", test_normalize);
  g_test_add_func ("/sync/probe", test_probe);
  g_test_add_func ("/sync/probe/unreachable", test_probe_unreachable);
  g_test_add_func ("/sync/probe/not-tls", test_tls_failure);
  g_test_add_func ("/sync/probe/dns", test_probe_dns);
  g_test_add_func ("/sync/probe/reply-cut", test_reply_cut);
  g_test_add_func ("/sync/enrol", test_enrol);
  g_test_add_func ("/sync/enrol/wrong-pin", test_enrol_wrong_pin);
  g_test_add_func ("/sync/role", test_role);
  g_test_add_func ("/sync/role/wire", test_role_wire);
  g_test_add_func ("/sync/clock-offset/kept", test_clock_offset_kept);
  g_test_add_func ("/sync/errors", test_error_mapping);
  g_test_add_func ("/sync/demo", test_demo_sync);
  g_test_add_func ("/sync/conflict", test_conflict);
  g_test_add_func ("/sync/device-names", test_device_names);
  g_test_add_func ("/sync/device-names/refused", test_bad_devices);
  g_test_add_func ("/sync/revoked", test_revoked);
  g_test_add_func ("/sync/fingerprint-changed", test_fingerprint_changed);
  g_test_add_func ("/sync/metered", test_metered);
  g_test_add_func ("/sync/verification", test_verification_pulled);
  g_test_add_func ("/sync/upload-resumes", test_upload_resumes);
  g_test_add_func ("/sync/upload-resends", test_upload_resends);
  g_test_add_func ("/sync/upload-busy", test_upload_busy);
  g_test_add_func ("/sync/status/decide", test_status_decide);
  g_test_add_func ("/sync/missing-file", test_missing_file);
  g_test_add_func ("/sync/unknown-parent", test_unknown_parent);
  g_test_add_func ("/sync/cancelled-by-caller", test_cancelled_by_caller);
  g_test_add_func ("/sync/automatic/network", test_automatic_network);
  g_test_add_func ("/sync/automatic/backoff", test_backoff);

  ret = g_test_run ();
  test_server_free (server);
  tg_test_rm_rf (tmp_dir);
  g_free (tmp_dir);
  return ret;
}
