/* test-server-hardening.c — testigo-server against a hostile client
 *
 * The real binary on loopback, attacked as issue 12 describes: old TLS
 * versions and CBC suites, probes for blobs another monitor uploaded,
 * pushes naming blobs by the hundred thousand, raw control bytes in JSON,
 * doubled Content-Length, refused requests that must be audited, and
 * device names that would spoof the admin's device list.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-server"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sqlite3.h>
#include <gnutls/gnutls.h>
#include <glib/gstdio.h>

#include "tg-revision.h"
#include "test-server-fixture.h"
#include "tg-test-common.h"

static TestServer *server;

/* helpers ---------------------------------------------------------------- */

static guint
server_port (TestServer *s)
{
  const char *colon = strrchr (s->base_uri, ':');

  g_assert_nonnull (colon);
  return (guint) atoi (colon + 1);
}

static int
connect_loopback (TestServer *s)
{
  struct sockaddr_in addr = { 0 };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  addr.sin_family = AF_INET;
  addr.sin_port = htons (server_port (s));
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (connect (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  return fd;
}

static TgRevision *
make_revision (const char *record,
               const char *parent,
               const char *device,
               gint64      device_seq,
               const char *content)
{
  return test_revision_new (record, parent, "report", device, device_seq, FALSE, content);
}

static char *
content_with_blob (const char *title,
                   const char *sha256)
{
  return g_strdup_printf ("{\"title\":\"%s\",\"sources\":[{\"kind\":\"file\",\"sha256\":\"%s\"}]}",
                          title, sha256);
}

/* The rows of the audit table with @action, as "detail" strings. */
static GPtrArray *
audit_rows (TestServer *s,
            const char *action)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func (g_free);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (s->db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT coalesce(detail, '') FROM audit WHERE action = ? ORDER BY id",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, action, -1, SQLITE_STATIC);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (rows, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return rows;
}

/* Polls the audit table (bounded: 10 s) until a row of @action contains
 * every one of @needles; returns that row or NULL. */
static char *
wait_for_audit (TestServer         *s,
                const char         *action,
                const char * const *needles)
{
  for (guint attempt = 0; attempt < 200; attempt++)
    {
      g_autoptr(GPtrArray) rows = audit_rows (s, action);

      for (guint i = 0; i < rows->len; i++)
        {
          const char *row = g_ptr_array_index (rows, i);
          gboolean all = TRUE;

          for (guint k = 0; needles[k]; k++)
            all = all && strstr (row, needles[k]) != NULL;
          if (all)
            return g_strdup (row);
        }
      g_usleep (50 * 1000);
    }
  return NULL;
}

/* TLS -------------------------------------------------------------------- */

/* A handshake from a GnuTLS client limited to @priority. Returns TRUE when
 * the server completed it; *description says what was negotiated. */
static gboolean
handshake_with_server (TestServer  *s,
                       const char  *priority,
                       char       **description)
{
  gnutls_certificate_credentials_t credentials;
  gnutls_session_t session;
  int fd = connect_loopback (s);
  int rc;

  g_assert_cmpint (gnutls_certificate_allocate_credentials (&credentials), ==, 0);
  g_assert_cmpint (gnutls_init (&session, GNUTLS_CLIENT), ==, 0);
  g_assert_cmpint (gnutls_priority_set_direct (session, priority, NULL), ==, 0);
  g_assert_cmpint (gnutls_credentials_set (session, GNUTLS_CRD_CERTIFICATE, credentials), ==, 0);
  gnutls_server_name_set (session, GNUTLS_NAME_DNS, "localhost", strlen ("localhost"));
  gnutls_transport_set_int (session, fd);
  gnutls_handshake_set_timeout (session, 10 * 1000);
  do
    rc = gnutls_handshake (session);
  while (rc < 0 && !gnutls_error_is_fatal (rc));

  if (rc == 0 && description)
    {
      char *desc = gnutls_session_get_desc (session);

      *description = g_strdup (desc);
      gnutls_free (desc);
    }
  else if (description)
    *description = g_strdup (gnutls_strerror (rc));
  if (rc == 0)
    gnutls_bye (session, GNUTLS_SHUT_WR);
  gnutls_deinit (session);
  gnutls_certificate_free_credentials (credentials);
  close (fd);
  return rc == 0;
}

static gboolean
handshake_with (const char  *priority,
                char       **description)
{
  return handshake_with_server (server, priority, description);
}

static void
test_tls_versions (void)
{
  static const struct { const char *priority; gboolean accepted; const char *expect; } cases[] = {
    { "NORMAL:-VERS-ALL:+VERS-TLS1.0", FALSE, NULL },
    { "NORMAL:-VERS-ALL:+VERS-TLS1.1", FALSE, NULL },
    /* CBC with SHA-1 MACs, in TLS 1.2 */
    { "NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-CBC:+AES-256-CBC:-MAC-ALL:+SHA1", FALSE, NULL },
    /* CBC with SHA-256 MACs: not AEAD either */
    { "NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-CBC:+AES-256-CBC:-MAC-ALL:+SHA256:+SHA384", FALSE, NULL },
    { "NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM", TRUE, "(TLS1.2)-(ECDHE-" },
    { "NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+CHACHA20-POLY1305", TRUE, "(TLS1.2)-(ECDHE-" },
    { "NORMAL:-VERS-ALL:+VERS-TLS1.3", TRUE, "(TLS1.3)" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *description = NULL;
      gboolean accepted = handshake_with (cases[i].priority, &description);

      g_test_message ("%s: %s (%s)", cases[i].priority, accepted ? "accepted" : "refused", description);
      if (accepted != cases[i].accepted)
        g_error ("%s was %s (%s)", cases[i].priority, accepted ? "accepted" : "refused", description);
      if (accepted)
        {
          g_assert_nonnull (strstr (description, cases[i].expect));
          g_assert_true (strstr (description, "GCM") || strstr (description, "CHACHA20"));
        }
    }

  /* the environment cannot weaken it: a server started with a permissive
   * G_TLS_GNUTLS_PRIORITY still refuses TLS 1.0 and CBC */
  {
    TestServer *lax;
    g_autofree char *description = NULL;

    g_setenv ("G_TLS_GNUTLS_PRIORITY", "NORMAL:+VERS-TLS1.0:+VERS-TLS1.1:+AES-128-CBC:+SHA1", TRUE);
    lax = test_server_new (NULL);
    test_server_start (lax);
    g_unsetenv ("G_TLS_GNUTLS_PRIORITY");
    g_assert_false (handshake_with_server (lax, "NORMAL:-VERS-ALL:+VERS-TLS1.0", &description));
    g_clear_pointer (&description, g_free);
    g_assert_false (handshake_with_server (lax, cases[2].priority, &description));
    g_clear_pointer (&description, g_free);
    g_assert_true (handshake_with_server (lax, "NORMAL:-VERS-ALL:+VERS-TLS1.3", &description));
    test_server_free (lax);
  }
}

/* blob oracle ------------------------------------------------------------ */

static JsonNode *
query_offset (TestClient *client,
              const char *sha256,
              guint      *status)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/blobs/%s/upload", sha256);

  return test_client_json (client, "GET", path, NULL, status);
}

static gboolean
json_bool (JsonNode   *node,
           const char *member)
{
  g_assert_true (json_object_has_member (json_node_get_object (node), member));
  return json_object_get_boolean_member (json_node_get_object (node), member);
}

static void
push_referring (TestClient  *client,
                const char  *sha256,
                JsonNode   **reply)
{
  g_autofree char *record = g_uuid_string_random ();
  g_autofree char *content = content_with_blob ("Huamanga", sha256);
  g_autoptr(TgRevision) rev = make_revision (record, NULL, client->device_id, 1, content);
  guint status;

  *reply = test_client_push (client, &rev, 1, &status);
  g_assert_cmpuint (status, ==, 200);
}

/* Every probe a monitor can make about a file another monitor uploaded
 * answers as for a file the server never saw. */
static void
test_blob_oracle (void)
{
  g_autoptr(TestClient) ana = test_client_enrol (server, "ana");
  g_autoptr(TestClient) beto = test_client_enrol (server, "beto");
  g_autoptr(TestClient) coco = test_client_enrol (server, "coco");
  g_autoptr(TestClient) root = test_client_enrol (server, "root");
  g_autoptr(GBytes) blob = tg_test_random_bytes (40000, g_test_rand_int ());
  g_autoptr(GBytes) never = tg_test_random_bytes (40000, g_test_rand_int ());
  g_autoptr(GBytes) partial = tg_test_random_bytes (30000, g_test_rand_int ());
  g_autofree char *sha = tg_test_sha256_of (blob);
  g_autofree char *never_sha = tg_test_sha256_of (never);
  g_autofree char *partial_sha = tg_test_sha256_of (partial);
  g_autofree char *blob_path = g_strdup_printf ("/api/v1/blobs/%s", sha);
  g_autoptr(JsonNode) reply = NULL;
  guint status;

  /* ana uploads a file in full; she alone holds it */
  push_referring (ana, sha, &reply);
  g_assert_true (test_json_array_has_string (test_json_array (reply, "missing_blobs"), sha));
  g_clear_pointer (&reply, json_node_unref);
  g_assert_cmpuint (test_client_upload_slice (ana, sha, blob, 0, 40000, NULL, NULL), ==, 201);

  /* beto, who never uploaded it, asks about it without naming it in a
   * record: 404, the very reply a file the server never saw gets */
  {
    g_autoptr(JsonNode) r1 = query_offset (beto, sha, &status);
    guint status2;
    g_autoptr(JsonNode) r2 = query_offset (beto, never_sha, &status2);
    g_autofree char *t1 = json_to_string (r1, FALSE), *t2 = json_to_string (r2, FALSE);

    g_assert_cmpuint (status, ==, 404);
    g_assert_cmpuint (status2, ==, 404);
    g_assert_cmpstr (t1, ==, t2);
  }
  g_assert_cmpuint (test_client_upload_slice (beto, sha, blob, 0, 100, NULL, NULL), ==, 404);
  {
    g_autoptr(GBytes) got = test_client_request (beto, "GET", blob_path, NULL, NULL, &status, NULL, NULL);
    g_assert_cmpuint (status, ==, 404);
  }

  /* he names it in a record of his own: it is listed as missing, as a
   * file nobody has would be, and the offset is his own (0) */
  push_referring (beto, sha, &reply);
  g_assert_true (test_json_array_has_string (test_json_array (reply, "missing_blobs"), sha));
  g_clear_pointer (&reply, json_node_unref);
  push_referring (beto, never_sha, &reply);
  g_assert_true (test_json_array_has_string (test_json_array (reply, "missing_blobs"), never_sha));
  g_clear_pointer (&reply, json_node_unref);

  reply = query_offset (beto, sha, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpint (test_json_int (reply, "offset"), ==, 0);
  g_assert_false (json_bool (reply, "complete"));
  g_clear_pointer (&reply, json_node_unref);

  /* downloading it is refused until he has uploaded it himself */
  {
    g_autoptr(GBytes) got = test_client_request (beto, "GET", blob_path, NULL, NULL, &status, NULL, NULL);
    g_assert_cmpuint (status, ==, 404);
  }

  /* a PUT is not answered "complete": he uploads, byte by byte, from 0 */
  g_assert_cmpuint (test_client_upload_slice (beto, sha, blob, 0, 15000, NULL, &reply), ==, 200);
  g_assert_cmpint (test_json_int (reply, "offset"), ==, 15000);
  g_assert_false (json_bool (reply, "complete"));
  g_clear_pointer (&reply, json_node_unref);
  reply = query_offset (beto, sha, &status);
  g_assert_cmpint (test_json_int (reply, "offset"), ==, 15000);
  g_clear_pointer (&reply, json_node_unref);
  {
    g_autoptr(GBytes) got = test_client_request (beto, "GET", blob_path, NULL, NULL, &status, NULL, NULL);
    g_assert_cmpuint (status, ==, 404);
  }
  /* ana's view is hers: complete */
  reply = query_offset (ana, sha, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_true (json_bool (reply, "complete"));
  g_clear_pointer (&reply, json_node_unref);

  /* once his bytes are in and verified, the file is his too; the server
   * keeps one copy (his partial file is gone, the blob file is there) */
  g_assert_cmpuint (test_client_upload_slice (beto, sha, blob, 15000, 25000, NULL, &reply), ==, 201);
  g_clear_pointer (&reply, json_node_unref);
  {
    g_autofree char *partial_dir = g_build_filename (server->data_dir, "partial", NULL);
    g_autoptr(GDir) dir = g_dir_open (partial_dir, 0, NULL);
    g_autofree char *prefix = g_strndup (sha, 2);
    g_autofree char *stored = g_build_filename (server->data_dir, "blobs", prefix, sha, NULL);
    const char *name;

    g_assert_nonnull (dir);
    while ((name = g_dir_read_name (dir)))
      g_assert_false (g_str_has_prefix (name, sha));
    g_assert_true (g_file_test (stored, G_FILE_TEST_IS_REGULAR));
  }
  {
    g_autoptr(GBytes) got = test_client_request (beto, "GET", blob_path, NULL, NULL, &status, NULL, NULL);
    g_assert_cmpuint (status, ==, 200);
    g_assert_true (g_bytes_equal (got, blob));
  }

  /* offsets are per uploader: ana's half-done upload is not beto's */
  push_referring (ana, partial_sha, &reply);
  g_clear_pointer (&reply, json_node_unref);
  push_referring (beto, partial_sha, &reply);
  g_clear_pointer (&reply, json_node_unref);
  g_assert_cmpuint (test_client_upload_slice (ana, partial_sha, partial, 0, 20000, NULL, NULL), ==, 200);
  reply = query_offset (beto, partial_sha, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpint (test_json_int (reply, "offset"), ==, 0);
  g_clear_pointer (&reply, json_node_unref);
  reply = query_offset (ana, partial_sha, &status);
  g_assert_cmpint (test_json_int (reply, "offset"), ==, 20000);
  g_clear_pointer (&reply, json_node_unref);

  /* admins see no blob at all, complete or not */
  reply = query_offset (root, sha, &status);
  g_assert_cmpuint (status, ==, 404);
  g_clear_pointer (&reply, json_node_unref);
  g_assert_cmpuint (test_client_upload_slice (root, sha, blob, 0, 100, NULL, NULL), ==, 404);

  /* a coordinator may read every record, and so every file */
  reply = query_offset (coco, sha, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_true (json_bool (reply, "complete"));
  g_clear_pointer (&reply, json_node_unref);

  /* the probes are audited, with the blob and never a token */
  {
    const char *push_probe[] = { "push named 1 blob", sha, NULL };
    const char *offset_probe[] = { "offset query", sha, NULL };
    const char *download_probe[] = { "download refused", sha, NULL };
    const char *admin_probe[] = { "offset query refused", sha, NULL };
    g_autofree char *row1 = wait_for_audit (server, "blob-probe", push_probe);
    g_autofree char *row2 = wait_for_audit (server, "blob-probe", offset_probe);
    g_autofree char *row3 = wait_for_audit (server, "blob-probe", download_probe);
    g_autofree char *row4 = wait_for_audit (server, "blob-probe", admin_probe);
    g_autoptr(GPtrArray) rows = audit_rows (server, "blob-probe");

    g_assert_nonnull (row1);
    g_assert_nonnull (row2);
    g_assert_nonnull (row3);
    g_assert_nonnull (row4);
    for (guint i = 0; i < rows->len; i++)
      {
        g_assert_null (strstr (g_ptr_array_index (rows, i), beto->token));
        g_assert_null (strstr (g_ptr_array_index (rows, i), never_sha));
      }
  }
}

/* A coordinator who puts a file on a monitor's report shares it; and the
 * holders of blobs stored before schema 2 come back from the audit. */
static void
test_blob_holders (void)
{
  TestServer *own = test_server_new ("rate-limit=10000\nrate-burst=10000\n");
  g_autoptr(TestClient) ana = NULL, beto = NULL, coco = NULL;
  g_autoptr(GBytes) blob = tg_test_random_bytes (20000, g_test_rand_int ());
  g_autofree char *sha = tg_test_sha256_of (blob);
  g_autofree char *blob_path = g_strdup_printf ("/api/v1/blobs/%s", sha);
  g_autofree char *beto_record = g_uuid_string_random ();
  g_autoptr(TgRevision) beto_rev = NULL, coco_rev = NULL;
  g_autoptr(JsonNode) reply = NULL;
  guint status;

  test_server_start (own);
  test_server_add_user (own, "ana", "monitor");
  test_server_add_user (own, "beto", "monitor");
  test_server_add_user (own, "coco", "coordinator");
  ana = test_client_enrol (own, "ana");
  beto = test_client_enrol (own, "beto");
  coco = test_client_enrol (own, "coco");

  push_referring (ana, sha, &reply);
  g_clear_pointer (&reply, json_node_unref);
  g_assert_cmpuint (test_client_upload_slice (ana, sha, blob, 0, 20000, NULL, NULL), ==, 201);

  /* beto's report, to which the coordinator adds ana's photo */
  beto_rev = make_revision (beto_record, NULL, beto->device_id, 1, "{\"title\":\"t\",\"sources\":[]}");
  reply = test_client_push (beto, &beto_rev, 1, &status);
  g_assert_cmpuint (status, ==, 200);
  g_clear_pointer (&reply, json_node_unref);
  {
    g_autoptr(GBytes) got = test_client_request (beto, "GET", blob_path, NULL, NULL, &status, NULL, NULL);
    g_assert_cmpuint (status, ==, 404);
  }
  {
    g_autofree char *content = content_with_blob ("t", sha);
    g_autoptr(JsonNode) r = NULL;

    coco_rev = make_revision (beto_record, tg_revision_get_id (beto_rev), coco->device_id, 1, content);
    r = test_client_push (coco, &coco_rev, 1, &status);
    g_assert_cmpuint (status, ==, 200);
    g_assert_false (test_json_array_has_string (test_json_array (r, "missing_blobs"), sha));
  }
  {
    g_autoptr(GBytes) got = test_client_request (beto, "GET", blob_path, NULL, NULL, &status, NULL, NULL);
    g_assert_cmpuint (status, ==, 200);
    g_assert_true (g_bytes_equal (got, blob));
  }

  /* back to schema 1, as a database of the previous versions would be (no
   * blob holders, no incident membership) */
  test_server_stop (own);
  {
    sqlite3 *db = NULL;

    g_assert_cmpint (sqlite3_open (own->db_path, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (db, "DROP TABLE blob_holders; DROP TABLE incident_members; "
                                   "DROP TABLE revision_readers; PRAGMA user_version = 1;",
                                   NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close (db);
  }
  test_server_start (own);
  /* the uploader holds it again; the coordinator's share was not audited
   * as an upload and is gone (beto uploads it to have it again) */
  {
    g_autoptr(GBytes) got = test_client_request (ana, "GET", blob_path, NULL, NULL, &status, NULL, NULL);
    g_assert_cmpuint (status, ==, 200);
    g_assert_true (g_bytes_equal (got, blob));
  }
  {
    g_autoptr(GBytes) got = test_client_request (beto, "GET", blob_path, NULL, NULL, &status, NULL, NULL);
    g_assert_cmpuint (status, ==, 404);
  }
  {
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;

    g_assert_cmpint (sqlite3_open_v2 (own->db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 3);
    sqlite3_finalize (stmt);
    sqlite3_close (db);
  }

  test_server_free (own);
}

/* push caps -------------------------------------------------------------- */

#define MAX_BLOB_REFS       1000
#define MAX_BATCH_BLOB_REFS 10000

/* Content naming @n distinct made-up blobs. */
static char *
content_with_refs (guint n,
                   guint salt)
{
  GString *out = g_string_new ("{\"title\":\"many\",\"sources\":[");

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *seed = g_strdup_printf ("%u-%u", salt, i);
      g_autofree char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, seed, -1);

      g_string_append_printf (out, "%s{\"kind\":\"file\",\"sha256\":\"%s\"}", i ? "," : "", sha);
    }
  g_string_append (out, "]}");
  return g_string_free (out, FALSE);
}

static char *
body_with_refs (TestClient *client,
                guint       n_revisions,
                guint       refs_each,
                guint       salt)
{
  g_autoptr(GPtrArray) revisions = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < n_revisions; i++)
    {
      g_autofree char *content = content_with_refs (refs_each, salt * 1000 + i);
      g_autofree char *record = g_uuid_string_random ();

      g_ptr_array_add (revisions, make_revision (record, NULL, client->device_id, i + 1, content));
    }
  return test_push_body ((TgRevision **) revisions->pdata, revisions->len);
}

typedef struct
{
  TestClient *client;
  gint        stop;
  guint       n;
  gint64      max_us;
  gint64      total_us;
} Bystander;

static gint64
timed_small_push (TestClient *client,
                  guint       seq)
{
  g_autofree char *record = g_uuid_string_random ();
  g_autoptr(TgRevision) rev = make_revision (record, NULL, client->device_id, seq, "{\"title\":\"t\"}");
  g_autoptr(JsonNode) reply = NULL;
  gint64 t0 = g_get_monotonic_time ();
  guint status;

  reply = test_client_push (client, &rev, 1, &status);
  g_assert_cmpuint (status, ==, 200);
  return g_get_monotonic_time () - t0;
}

/* Another device pushes one small revision after another, until told to
 * stop (and at most 2000 times). */
static gpointer
bystander_thread (gpointer data)
{
  Bystander *b = data;

  while (!g_atomic_int_get (&b->stop) && b->n < 2000)
    {
      gint64 us = timed_small_push (b->client, 1000 + b->n);

      b->max_us = MAX (b->max_us, us);
      b->total_us += us;
      b->n++;
    }
  return NULL;
}

static void
test_push_caps (void)
{
  g_autoptr(TestClient) ana = test_client_enrol (server, "ana");
  g_autoptr(TestClient) beto = test_client_enrol (server, "beto");
  Bystander bystander = { beto, 0, 0, 0, 0 };
  gint64 baseline_max = 0, attack_max = 0, t0;
  g_autofree char *huge = NULL;
  GThread *thread;
  guint status;

  /* the caps are announced */
  {
    g_autoptr(JsonNode) info = test_client_json (beto, "GET", "/api/v1/info", NULL, &status);
    JsonObject *limits = json_object_get_object_member (json_node_get_object (info), "limits");

    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpint (json_object_get_int_member (limits, "max_blob_refs"), ==, MAX_BLOB_REFS);
    g_assert_cmpint (json_object_get_int_member (limits, "max_batch_blob_refs"), ==, MAX_BATCH_BLOB_REFS);
  }

  /* one revision over the per-revision cap */
  {
    g_autofree char *body = body_with_refs (ana, 1, MAX_BLOB_REFS + 1, 1);
    g_autoptr(JsonNode) reply = test_client_json (ana, "POST", "/api/v1/push", body, &status);

    g_assert_cmpuint (status, ==, 413);
    g_assert_nonnull (strstr (test_json_string (reply, "error"), "revisions[0]: more than 1000 blob references"));
  }
  /* each revision within it, the batch over the per-push cap */
  {
    g_autofree char *body = body_with_refs (ana, MAX_BATCH_BLOB_REFS / MAX_BLOB_REFS + 1, MAX_BLOB_REFS, 2);
    g_autoptr(JsonNode) reply = test_client_json (ana, "POST", "/api/v1/push", body, &status);

    g_assert_cmpuint (status, ==, 413);
    g_assert_nonnull (strstr (test_json_string (reply, "error"), "more than 10000 blob references in one push"));
  }
  /* too many parents in one revision */
  {
    GString *parents = g_string_new (NULL);
    g_autofree char *body = NULL;
    g_autoptr(JsonNode) reply = NULL;
    g_autoptr(TgRevision) rev = NULL;
    g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (g_free);

    for (guint i = 0; i < 40; i++)
      g_ptr_array_add (list, g_compute_checksum_for_string (G_CHECKSUM_SHA256, parents->str, i + 1));
    g_ptr_array_add (list, NULL);
    rev = tg_revision_new ("0190a7c2-6f5e-7d3a-9c1b-2a3b4c5d6e7f", "report", (const char * const *) list->pdata,
                           ana->device_id, 9, g_get_real_time (), FALSE, "{}");
    body = test_push_body (&rev, 1);
    reply = test_client_json (ana, "POST", "/api/v1/push", body, &status);
    g_assert_cmpuint (status, ==, 413);
    g_assert_nonnull (strstr (test_json_string (reply, "error"), "40 parents; at most 32"));
    g_string_free (parents, TRUE);
  }

  /* a push at both caps is accepted */
  {
    g_autofree char *body = body_with_refs (ana, MAX_BATCH_BLOB_REFS / MAX_BLOB_REFS, MAX_BLOB_REFS, 3);
    g_autoptr(JsonNode) reply = NULL;

    t0 = g_get_monotonic_time ();
    reply = test_client_json (ana, "POST", "/api/v1/push", body, &status);
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpuint (json_array_get_length (test_json_array (reply, "missing_blobs")), ==, MAX_BATCH_BLOB_REFS);
    g_test_message ("a push at the caps (%u revisions, %u blob references): %.0f ms",
                    MAX_BATCH_BLOB_REFS / MAX_BLOB_REFS, MAX_BATCH_BLOB_REFS,
                    (g_get_monotonic_time () - t0) / 1000.0);
  }

  /* the other device's normal time */
  for (guint i = 0; i < 10; i++)
    baseline_max = MAX (baseline_max, timed_small_push (beto, 100 + i));

  /* 150,000 blob hashes in one test_client_push (20 revisions × 7500), sent three
   * times while the other device keeps pushing */
  huge = body_with_refs (ana, 20, 7500, 4);
  thread = g_thread_new ("bystander", bystander_thread, &bystander);
  for (guint round = 0; round < 3; round++)
    {
      g_autoptr(JsonNode) reply = NULL;
      gint64 us;

      t0 = g_get_monotonic_time ();
      reply = test_client_json (ana, "POST", "/api/v1/push", huge, &status);
      us = g_get_monotonic_time () - t0;
      attack_max = MAX (attack_max, us);
      g_assert_cmpuint (status, ==, 413);
      g_assert_nonnull (strstr (test_json_string (reply, "error"), "more than 1000 blob references"));
    }
  /* the bystander has made at least one push during the attack */
  while (bystander.n == 0)
    g_thread_yield ();
  g_atomic_int_set (&bystander.stop, 1);
  g_thread_join (thread);

  g_test_message ("150,000-reference test_client_push (%zu bytes): refused 413 in at most %.0f ms; "
                  "the other device: %u pushes meanwhile, mean %.0f ms, max %.0f ms "
                  "(alone: max %.0f ms)",
                  strlen (huge), attack_max / 1000.0, bystander.n,
                  bystander.total_us / 1000.0 / bystander.n, bystander.max_us / 1000.0,
                  baseline_max / 1000.0);
  /* generous for a shared 2-core machine; before the caps one such push
   * held the store thread for 4.5 s */
  g_assert_cmpint (bystander.max_us, <, 2 * G_USEC_PER_SEC);
}

/* An enrolment needs no token: a large one is refused without holding
 * up the devices that sync. */
static void
test_enrol_body_off_store (void)
{
  g_autoptr(TestClient) beto = test_client_enrol (server, "beto");
  g_autoptr(TestClient) stranger = test_client_new (server);
  Bystander bystander = { beto, 0, 0, 0, 0 };
  GString *body = g_string_new ("{\"code\":\"AAAA-BBBB-CCCC\",\"device_name\":\"x\",\"pad\":[");
  gint64 baseline_max = 0, attack_max = 0;
  GThread *thread;

  /* 15 MB of small numbers: cheap to send, dear to parse */
  while (body->len < 15 * 1000 * 1000)
    g_string_append (body, "1,2,3,4,5,6,7,8,9,");
  g_string_append (body, "0]}");

  for (guint i = 0; i < 10; i++)
    baseline_max = MAX (baseline_max, timed_small_push (beto, 5000 + i));

  thread = g_thread_new ("bystander", bystander_thread, &bystander);
  for (guint round = 0; round < 3; round++)
    {
      guint status;
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr(JsonNode) reply = test_client_json (stranger, "POST", "/api/v1/enrol", body->str, &status);

      attack_max = MAX (attack_max, g_get_monotonic_time () - t0);
      /* refused from its Content-Length, past the enrolment's 16 KiB
       * limit, before a byte of it is read (tg-server-conn.c) */
      g_assert_cmpuint (status, ==, 413);
    }
  while (bystander.n == 0)
    g_thread_yield ();
  g_atomic_int_set (&bystander.stop, 1);
  g_thread_join (thread);

  g_test_message ("15 MB enrolment body refused 413 in at most %.0f ms; the other device: %u pushes "
                  "meanwhile, mean %.0f ms, max %.0f ms (alone: max %.0f ms)",
                  attack_max / 1000.0, bystander.n, bystander.total_us / 1000.0 / bystander.n,
                  bystander.max_us / 1000.0, baseline_max / 1000.0);
  g_assert_cmpint (bystander.max_us, <, 2 * G_USEC_PER_SEC);
  g_string_free (body, TRUE);
}

/* A pull page is bounded in bytes as well as in revisions. */
static void
test_pull_page_bytes (void)
{
  g_autoptr(TestClient) coco = test_client_enrol (server, "coco");
  g_autoptr(JsonNode) first = NULL;
  GString *padding = g_string_new (NULL);
  g_autofree char *content = NULL;
  gint64 since;
  guint status, n_big = 0;

  /* start from the end of what the other tests pushed */
  first = test_client_json (coco, "GET", "/api/v1/pull?since=0&limit=1", NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  since = test_json_int (first, "server_seq");

  while (padding->len < 1000 * 1000)
    g_string_append (padding, "abcdefghij");
  content = g_strdup_printf ("{\"title\":\"big\",\"narrative\":\"%s\"}", padding->str);
  g_string_free (padding, TRUE);
  for (guint batch = 0; batch < 2; batch++)
    {
      g_autoptr(GPtrArray) revisions = g_ptr_array_new_with_free_func (g_object_unref);
      g_autoptr(JsonNode) reply = NULL;

      for (guint i = 0; i < 10; i++)
        g_ptr_array_add (revisions, make_revision (g_uuid_string_random (), NULL, coco->device_id,
                                                   100 + batch * 10 + i, content));
      reply = test_client_push (coco, (TgRevision **) revisions->pdata, revisions->len, &status);
      g_assert_cmpuint (status, ==, 200);
    }

  /* 20 revisions of 1 MB: the first page stops past 16 MiB, the next
   * one has the rest */
  for (guint page = 0; page < 2; page++)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/pull?since=%" G_GINT64_FORMAT "&limit=1000", since);
      g_autoptr(JsonNode) reply = test_client_json (coco, "GET", path, NULL, &status);
      guint n;

      g_assert_cmpuint (status, ==, 200);
      n = json_array_get_length (test_json_array (reply, "revisions"));
      g_test_message ("page %u: %u revisions of 1 MB", page, n);
      if (page == 0)
        {
          g_assert_cmpuint (n, ==, 17);   /* 16 × 1,000,000 < 16 MiB ≤ 17 × 1,000,000 */
          g_assert_true (json_object_get_boolean_member (json_node_get_object (reply), "more"));
        }
      else
        {
          g_assert_cmpuint (n, ==, 3);
          g_assert_false (json_object_get_boolean_member (json_node_get_object (reply), "more"));
        }
      n_big += n;
      since = test_json_int (reply, "next");
    }
  g_assert_cmpuint (n_big, ==, 20);
}

/* smaller holes ---------------------------------------------------------- */

static void
expect_error (TestClient *client,
              const char *path,
              const char *body,
              guint       expected_status,
              const char *message)
{
  guint status;
  g_autoptr(JsonNode) reply = test_client_json (client, "POST", path, body, &status);

  g_assert_cmpuint (status, ==, expected_status);
  if (strstr (test_json_string (reply, "error"), message) == NULL)
    g_error ("expected “%s” in “%s”", message, test_json_string (reply, "error"));
}

static void
test_raw_control_bytes (void)
{
  g_autoptr(TestClient) ana = test_client_enrol (server, "ana");
  g_autoptr(TestClient) nobody = test_client_new (server);
  g_autofree char *record = g_uuid_string_random ();
  g_autoptr(TgRevision) rev = make_revision (record, NULL, ana->device_id, 1, "{\"title\":\"a\"}");
  g_autoptr(JsonNode) wire = tg_revision_to_json (rev);
  g_autofree char *text = json_to_string (wire, TRUE);   /* pretty: raw newlines between tokens */
  g_autofree char *body = g_strdup_printf ("{\n\t\"revisions\": [%s]\r\n}", text);
  guint status;

  /* RFC 8259: U+0000–U+001F must be escaped inside strings */
  expect_error (ana, "/api/v1/push", "{\"revisions\":[],\"x\":\"a\x01" "b\"}", 400,
                "raw control character U+0001 in a string at byte 22");
  expect_error (ana, "/api/v1/push", "{\"revisions\":[],\"x\":\"tab\there\"}", 400,
                "raw control character U+0009");
  expect_error (ana, "/api/v1/push", "{\"revisions\":[],\"x\":\"line\nbreak\"}", 400,
                "raw control character U+000A");
  expect_error (nobody, "/api/v1/enrol", "{\"code\":\"AAAAAAAA\",\"device_name\":\"a\x1f" "b\"}", 400,
                "raw control character U+001F");
  /* escaped in the body, raw inside the revision's content: refused there */
  {
    g_autoptr(TgRevision) bad = make_revision (record, NULL, ana->device_id, 2, "{\"title\":\"a\x02" "b\"}");
    g_autofree char *bad_body = test_push_body (&bad, 1);

    expect_error (ana, "/api/v1/push", bad_body, 400, "raw control character U+0002");
  }
  /* escaped control characters, and raw whitespace between tokens, are fine */
  {
    g_autoptr(JsonNode) reply = test_client_json (ana, "POST", "/api/v1/push", body, &status);
    g_assert_cmpuint (status, ==, 200);
  }
  {
    g_autoptr(TgRevision) ok = make_revision (g_uuid_string_random (), NULL, ana->device_id, 3,
                                              "{\"title\":\"a\\u0002b\\nc\\td\"}");
    g_autoptr(JsonNode) reply = test_client_push (ana, &ok, 1, &status);
    g_assert_cmpuint (status, ==, 200);
  }
}

static gboolean
raw_accept_cb (GTlsConnection       *connection,
               GTlsCertificate      *certificate,
               GTlsCertificateFlags  errors,
               TestServer           *s)
{
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize len = sizeof digest;
  g_autoptr(GString) fingerprint = g_string_new (NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  g_checksum_update (checksum, der->data, der->len);
  g_checksum_get_digest (checksum, digest, &len);
  for (gsize i = 0; i < len; i++)
    g_string_append_printf (fingerprint, i ? ":%02X" : "%02X", digest[i]);
  return strcmp (fingerprint->str, s->fingerprint) == 0;
}

static void
raw_event_cb (GSocketClient      *socket_client,
              GSocketClientEvent  event,
              GSocketConnectable *connectable,
              GIOStream          *connection,
              TestServer         *s)
{
  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING)
    g_signal_connect (connection, "accept-certificate", G_CALLBACK (raw_accept_cb), s);
}

/* Sends @request as it is over TLS and returns what comes back before the
 * server closes (or 10 s of silence). */
static char *
raw_request (const char *request,
             gsize       length)
{
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  GString *reply = g_string_new (NULL);
  char buf[4096];
  gssize n;

  g_socket_client_set_tls (socket_client, TRUE);
  g_signal_connect (socket_client, "event", G_CALLBACK (raw_event_cb), server);
  connection = g_socket_client_connect_to_host (socket_client, server->base_uri + strlen ("https://"),
                                                443, NULL, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (g_socket_connection_get_socket (connection), 10);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             request, length, NULL, NULL, &error);
  g_assert_no_error (error);
  /* read until the reply's JSON body has come (or the server closes) */
  for (guint i = 0; i < 100; i++)
    {
      n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                               buf, sizeof buf, NULL, NULL);
      if (n <= 0)
        break;
      g_string_append_len (reply, buf, n);
      if (strstr (reply->str, "\r\n\r\n") && g_str_has_suffix (reply->str, "}"))
        break;
    }
  return g_string_free (reply, FALSE);
}

static void
test_duplicate_content_length (void)
{
  g_autofree char *body = g_strnfill (50, ' ');
  g_autofree char *twice = g_strdup_printf ("POST /api/v1/enrol HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                            "Content-Length: 5\r\nContent-Length: 50\r\n\r\n%s", body);
  g_autofree char *same = g_strdup_printf ("POST /api/v1/enrol HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                           "Content-Length: 50\r\ncontent-length: 50\r\n\r\n%s", body);
  g_autofree char *both = g_strdup_printf ("POST /api/v1/enrol HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                           "Content-Length: 50\r\nTransfer-Encoding: chunked\r\n\r\n"
                                           "0\r\n\r\n");
  const char *requests[] = { twice, same, both };
  const char *messages[] = { "more than one Content-Length", "more than one Content-Length",
                             "both Content-Length and Transfer-Encoding" };

  for (guint i = 0; i < G_N_ELEMENTS (requests); i++)
    {
      g_autofree char *reply = raw_request (requests[i], strlen (requests[i]));

      g_test_message ("%s", reply);
      g_assert_true (g_str_has_prefix (reply, "HTTP/1.1 400 "));
      g_assert_nonnull (strstr (reply, messages[i]));
      g_assert_nonnull (strstr (reply, "Connection: close"));
    }
}

static void
test_refusals_audited (void)
{
  TestServer *strict = test_server_new ("rate-limit=0.01\nrate-burst=60\n");
  g_autoptr(TestClient) ana = NULL, root = NULL, liar = NULL;
  const char *bad_token = "BADTOKENbadtokenBADTOKENbadtoken0123456789";
  guint status;

  test_server_start (strict);
  test_server_add_user (strict, "ana", "monitor");
  test_server_add_user (strict, "root", "admin");
  ana = test_client_enrol (strict, "ana");
  root = test_client_enrol (strict, "root");
  liar = test_client_new (strict);
  liar->token = g_strdup (bad_token);

  /* 401: an unknown token */
  {
    g_autoptr(JsonNode) r = test_client_json (liar, "GET", "/api/v1/pull?since=0", NULL, &status);
    g_assert_cmpuint (status, ==, 401);
  }
  /* 403: an admin pulls */
  {
    g_autoptr(JsonNode) r = test_client_json (root, "GET", "/api/v1/pull", NULL, &status);
    g_assert_cmpuint (status, ==, 403);
  }
  /* 403: an unknown enrolment code */
  {
    g_autoptr(TestClient) stranger = test_client_new (strict);
    g_autoptr(JsonNode) r = test_client_json (stranger, "POST", "/api/v1/enrol",
                                              "{\"code\":\"ZZZZZZZZZZZZZZZZZZZZ\",\"device_name\":\"x\"}", &status);
    g_assert_cmpuint (status, ==, 403);
  }
  /* 413: a push over the blob reference cap */
  {
    g_autofree char *body = body_with_refs (ana, 1, MAX_BLOB_REFS + 1, 9);
    g_autoptr(JsonNode) r = test_client_json (ana, "POST", "/api/v1/push", body, &status);
    g_assert_cmpuint (status, ==, 413);
  }
  /* 429: ana's bucket (60) runs dry */
  for (guint i = 0; i < 80 && status != 429; i++)
    {
      g_autoptr(JsonNode) r = test_client_json (ana, "GET", "/api/v1/pull", NULL, &status);
    }
  g_assert_cmpuint (status, ==, 429);

  {
    const char *n401[] = { "401 GET /api/v1/pull from 127.0.0.1", NULL };
    const char *n403[] = { "403 GET /api/v1/pull from 127.0.0.1", NULL };
    const char *n403e[] = { "403 POST /api/v1/enrol from 127.0.0.1", NULL };
    const char *n413[] = { "413 POST /api/v1/push from 127.0.0.1", NULL };
    const char *n429[] = { "429 GET /api/v1/pull from 127.0.0.1", NULL };
    g_autofree char *r401 = wait_for_audit (strict, "refused", n401);
    g_autofree char *r403 = wait_for_audit (strict, "refused", n403);
    g_autofree char *r403e = wait_for_audit (strict, "refused", n403e);
    g_autofree char *r413 = wait_for_audit (strict, "refused", n413);
    g_autofree char *r429 = wait_for_audit (strict, "refused", n429);
    g_autoptr(GPtrArray) rows = NULL;

    g_assert_nonnull (r401);
    g_assert_nonnull (r403);
    g_assert_nonnull (r403e);
    g_assert_nonnull (r413);
    g_assert_nonnull (r429);
    /* never a token, nor the query string */
    rows = audit_rows (strict, "refused");
    for (guint i = 0; i < rows->len; i++)
      {
        const char *row = g_ptr_array_index (rows, i);

        g_assert_null (strstr (row, bad_token));
        g_assert_null (strstr (row, ana->token));
        g_assert_null (strstr (row, root->token));
        g_assert_null (strstr (row, "since="));
      }
  }

  /* a flood of bad tokens is audited 20 times a minute per address, not
   * once per request: the store thread is not the attacker's to fill */
  for (guint i = 0; i < 40; i++)
    {
      g_autoptr(JsonNode) r = test_client_json (liar, "GET", "/api/v1/pull", NULL, &status);
      g_assert_cmpuint (status, ==, 401);
    }
  {
    /* the store thread is first in, first out: once a later write is
     * audited, every refusal audit queued before it is in the table */
    g_autoptr(TestClient) late = test_client_enrol (strict, "ana");
    g_autoptr(JsonNode) r = test_client_json (late, "GET", "/api/v1/pull", NULL, &status);
    const char *pull[] = { "since 0", NULL };
    g_autofree char *row = NULL;
    g_autoptr(GPtrArray) rows = NULL;

    g_assert_cmpuint (status, ==, 200);
    row = wait_for_audit (strict, "pull", pull);
    g_assert_nonnull (row);
    rows = audit_rows (strict, "refused");
    g_test_message ("%u refusals audited one by one", rows->len);
    g_assert_cmpuint (rows->len, ==, 20);
  }

  test_server_free (strict);
}

static void
test_display_names (void)
{
  static const struct { const char *name_json; const char *code_point; } refused[] = {
    { "Laptop \\u202Egpj.exe", "U+202E" },       /* right-to-left override */
    { "Laptop \\u202Ax", "U+202A" },
    { "\\u2066Laptop\\u2069", "U+2066" },        /* isolates */
    { "Laptop\\u200F", "U+200F" },               /* right-to-left mark */
    { "Lap\\u200Btop", "U+200B" },               /* zero-width space */
    { "\\uFEFFLaptop", "U+FEFF" },               /* BOM */
    { "Laptop\\u0085", "U+0085" },               /* C1 control */
    { "Laptop\\u2028two", "U+2028" },            /* line separator */
    { "\\u3164", "U+3164" },                     /* Hangul filler: draws nothing */
  };
  g_autoptr(TestClient) nobody = test_client_new (server);
  g_autofree char *err = NULL;
  g_autofree char *out = NULL;
  guint status;

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autofree char *code = test_server_admin (server, &err, "enrol-code", "ana", NULL);
      g_autofree char *body = NULL;
      g_autoptr(JsonNode) reply = NULL;

      g_assert_nonnull (code);
      g_strstrip (code);
      body = g_strdup_printf ("{\"code\":\"%s\",\"device_name\":\"%s\"}", code, refused[i].name_json);
      reply = test_client_json (nobody, "POST", "/api/v1/enrol", body, &status);
      g_assert_cmpuint (status, ==, 400);
      if (!strstr (test_json_string (reply, "error"), refused[i].code_point))
        g_error ("%s: %s", refused[i].name_json, test_json_string (reply, "error"));
      g_assert_nonnull (strstr (test_json_string (reply, "error"), "direction-changing"));
      g_clear_pointer (&err, g_free);
    }

  /* the joiners Persian, Indic scripts and emoji need are kept */
  {
    g_autofree char *code = test_server_admin (server, &err, "enrol-code", "ana", NULL);
    g_autofree char *body = NULL;
    g_autoptr(JsonNode) reply = NULL;

    g_strstrip (code);
    body = g_strdup_printf ("{\"code\":\"%s\",\"device_name\":\"%s\"}", code,
                            "\\u06A9\\u062A\\u0627\\u0628\\u200C\\u0647\\u0627 Ayacucho");
    reply = test_client_json (nobody, "POST", "/api/v1/enrol", body, &status);
    g_assert_cmpuint (status, ==, 201);
    g_clear_pointer (&err, g_free);
  }

  /* user names, which the admin also reads */
  out = test_server_admin (server, &err, "user", "add", "ana\xe2\x80\xaemal", "--role", "monitor", NULL);
  g_assert_null (out);
  g_assert_nonnull (strstr (err, "ana<U+202E>mal"));
  g_clear_pointer (&err, g_free);

  /* the device list holds no hidden character */
  out = test_server_admin (server, &err, "devices", NULL);
  g_assert_nonnull (out);
  g_assert_null (strstr (out, "\xe2\x80\xae"));
  g_assert_nonnull (strstr (out, "\xe2\x80\x8c"));   /* the ZWNJ is there */
}

/* main ------------------------------------------------------------------- */

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);

  server = test_server_new ("rate-limit=10000\n"
                            "rate-burst=10000\n");
  test_server_start (server);
  test_server_add_users (server);

  g_test_add_func ("/server-hardening/tls/versions-and-suites", test_tls_versions);
  g_test_add_func ("/server-hardening/blobs/no-oracle", test_blob_oracle);
  g_test_add_func ("/server-hardening/blobs/holders", test_blob_holders);
  g_test_add_func ("/server-hardening/push/caps", test_push_caps);
  g_test_add_func ("/server-hardening/enrol/large-body", test_enrol_body_off_store);
  g_test_add_func ("/server-hardening/pull/page-bytes", test_pull_page_bytes);
  g_test_add_func ("/server-hardening/json/raw-control-bytes", test_raw_control_bytes);
  g_test_add_func ("/server-hardening/http/duplicate-content-length", test_duplicate_content_length);
  g_test_add_func ("/server-hardening/audit/refusals", test_refusals_audited);
  g_test_add_func ("/server-hardening/names/invisible-characters", test_display_names);

  ret = g_test_run ();
  test_server_free (server);
  return ret;
}
