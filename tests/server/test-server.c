/* test-server.c — the real testigo-server on loopback HTTPS
 *
 * Every endpoint, the role × endpoint permission matrix, idempotent pushes,
 * conflicts, resumable uploads cut mid-body, limits, hostile JSON,
 * enrolment codes, revocation, admin commands, and a crash test that
 * SIGKILLs the server during pushes and uploads.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-server"

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sqlite3.h>
#include <glib/gstdio.h>

#include "tg-revision.h"
#include "tg-test-common.h"
#include "test-server-fixture.h"

#define MAX_BODY   262144
#define MAX_STRING 65536
#define MAX_BATCH  20
#define MAX_BLOB   4194304
#define MAX_CHUNK  1048576

static TestServer *server;

/* helpers ---------------------------------------------------------------- */

static JsonNode *
pull (TestClient *client,
      gint64      since,
      guint       limit,
      guint      *status)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/pull?since=%" G_GINT64_FORMAT "&limit=%u", since, limit);

  return test_client_json (client, "GET", path, NULL, status);
}

/* All revisions a client can see, in server order. */
static GPtrArray *
pull_all (TestClient *client)
{
  GPtrArray *all = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  gint64 since = 0;
  gboolean more = TRUE;

  while (more)
    {
      guint status;
      g_autoptr(JsonNode) reply = pull (client, since, 100, &status);
      JsonArray *revisions;

      g_assert_cmpuint (status, ==, 200);
      revisions = test_json_array (reply, "revisions");
      for (guint i = 0; i < json_array_get_length (revisions); i++)
        g_ptr_array_add (all, json_node_copy (json_array_get_element (revisions, i)));
      since = test_json_int (reply, "next");
      more = json_object_get_boolean_member (json_node_get_object (reply), "more");
    }
  return all;
}

static gboolean
pulled_contains (GPtrArray  *pulled,
                 const char *id)
{
  for (guint i = 0; i < pulled->len; i++)
    if (g_strcmp0 (test_json_string (g_ptr_array_index (pulled, i), "id"), id) == 0)
      return TRUE;
  return FALSE;
}

static char *
content_with_blob (const char *title,
                   const char *sha256)
{
  if (sha256 == NULL)
    return g_strdup_printf ("{\"title\":\"%s\",\"sources\":[]}", title);
  return g_strdup_printf ("{\"title\":\"%s\",\"latitude\":-13.16,\"longitude\":-74.22,\"killed\":2,"
                          "\"sources\":[{\"kind\":\"file\",\"sha256\":\"%s\"}]}", title, sha256);
}

static gint64
query_offset (TestClient *client,
              const char *sha256,
              guint      *status)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/blobs/%s/upload", sha256);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GError) error = NULL;

  /* may meet a killed server in the crash test: no assertion on errors */
  reply = test_client_request (client, "GET", path, NULL, NULL, status, NULL, &error);
  if (error != NULL || *status != 200)
    {
      *status = error ? 0 : *status;
      return -1;
    }
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (reply, NULL),
                                             g_bytes_get_size (reply), NULL));
  return test_json_int (json_parser_get_root (parser), "offset");
}

/* A raw TLS connection that sends the headers of an upload (a chunk of
 * the rest, at most MAX_CHUNK) and only @sent bytes of its body, then
 * drops: a connection cut mid-chunk. */
static void
tls_event_cb (GSocketClient      *socket_client,
              GSocketClientEvent  event,
              GSocketConnectable *connectable,
              GIOStream          *connection,
              TestClient         *client);

static gboolean
raw_accept_cb (GTlsConnection       *connection,
               GTlsCertificate      *certificate,
               GTlsCertificateFlags  errors,
               TestClient           *client)
{
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize len = sizeof digest;
  GString *fingerprint = g_string_new (NULL);
  gboolean ok;

  g_object_get (certificate, "certificate", &der, NULL);
  g_checksum_update (checksum, der->data, der->len);
  g_checksum_get_digest (checksum, digest, &len);
  for (gsize i = 0; i < len; i++)
    g_string_append_printf (fingerprint, i ? ":%02X" : "%02X", digest[i]);
  ok = strcmp (fingerprint->str, client->server->fingerprint) == 0;
  g_string_free (fingerprint, TRUE);
  return ok;
}

static void
tls_event_cb (GSocketClient      *socket_client,
              GSocketClientEvent  event,
              GSocketConnectable *connectable,
              GIOStream          *connection,
              TestClient         *client)
{
  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING)
    g_signal_connect (connection, "accept-certificate", G_CALLBACK (raw_accept_cb), client);
}

static void
cut_upload (TestClient *client,
            const char *sha256,
            GBytes     *data,
            gsize       offset,
            gsize       sent)
{
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *head = NULL;
  g_autofree char *checksum = NULL;
  const char *hostport = client->server->base_uri + strlen ("https://");
  GOutputStream *out;
  gsize total = g_bytes_get_size (data);
  gsize length = MIN (total - offset, (gsize) MAX_CHUNK);

  g_socket_client_set_tls (socket_client, TRUE);
  g_signal_connect (socket_client, "event", G_CALLBACK (tls_event_cb), client);
  connection = g_socket_client_connect_to_host (socket_client, hostport, 443, NULL, &error);
  g_assert_no_error (error);

  /* the checksum of the chunk the client meant to send, all of it */
  checksum = test_upload_checksum ((const guint8 *) g_bytes_get_data (data, NULL) + offset, length);
  head = g_strdup_printf ("PUT /api/v1/blobs/%s?offset=%" G_GSIZE_FORMAT " HTTP/1.1\r\n"
                          "Host: 127.0.0.1\r\n"
                          "Authorization: Bearer %s\r\n"
                          "Upload-Length: %" G_GSIZE_FORMAT "\r\n"
                          "Upload-Checksum: %s\r\n"
                          "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n",
                          sha256, offset, client->token, total, checksum, length);
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_output_stream_write_all (out, head, strlen (head), NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (out, (const guint8 *) g_bytes_get_data (data, NULL) + offset, sent,
                             NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_flush (out, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
}

static gboolean
bytes_contain (GBytes     *bytes,
               const char *text)
{
  return bytes != NULL &&
         g_strstr_len (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), text) != NULL;
}

/* Re-sends the chunk a cut connection carried, until the server, having
 * seen the cut, takes it. While it has not yet seen it the chunk is
 * refused as a concurrent upload from the same offset; any other offset
 * would mean that bytes of the cut chunk were kept. */
typedef struct
{
  TestClient *client;
  const char *sha256;
  GBytes     *data;
  gsize       offset;
  gsize       length;
  gint64      new_offset;
} ResendWait;

static gboolean
resend_chunk_cb (gpointer user_data)
{
  ResendWait *wait = user_data;
  gint64 offset = -1;
  guint status = test_client_upload_slice (wait->client, wait->sha256, wait->data, wait->offset, wait->length, &offset, NULL);

  if (status == 409)
    {
      g_assert_cmpint (offset, ==, (gint64) wait->offset);
      return FALSE;
    }
  g_assert_cmpuint (status, ==, 200);
  wait->new_offset = offset;
  return TRUE;
}

/* Sync protocol 2 -------------------------------------------------------- */

/* PUT @length bytes of @body at @offset of the blob @sha256 (@total bytes)
 * with @checksum as its Upload-Checksum (none when NULL); returns the
 * status, *reply the JSON body. */
static guint
put_chunk (TestClient  *client,
           const char  *sha256,
           gsize        total,
           gsize        offset,
           GBytes      *body,
           const char  *checksum,
           JsonNode   **reply)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/blobs/%s?offset=%" G_GSIZE_FORMAT, sha256, offset);
  g_autofree char *length = g_strdup_printf ("%" G_GSIZE_FORMAT, total);
  const char *headers[] = { "Upload-Length", length, checksum ? "Upload-Checksum" : NULL, checksum, NULL };
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GError) error = NULL;
  guint status = 0;

  got = test_client_request (client, "PUT", path, body, headers, &status, NULL, &error);
  g_assert_no_error (error);
  if (reply)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();

      g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (got, NULL),
                                                 g_bytes_get_size (got), NULL));
      *reply = json_node_ref (json_parser_get_root (parser));
    }
  return status;
}

/* A raw TLS connection to the test server, read with a 10 s timeout: a
 * server that hangs fails the test instead of holding it. */
static GSocketConnection *
raw_connect (TestClient *client)
{
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection;

  g_socket_client_set_tls (socket_client, TRUE);
  g_signal_connect (socket_client, "event", G_CALLBACK (tls_event_cb), client);
  connection = g_socket_client_connect_to_host (socket_client, client->server->base_uri + strlen ("https://"),
                                                443, NULL, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (g_socket_connection_get_socket (connection), 10);
  return connection;
}

/* Everything the server sends until it closes (at most @size - 1 bytes),
 * NUL-terminated; *closed when it closed the connection. */
static gsize
raw_read_all (GSocketConnection *connection,
              char              *buf,
              gsize              size,
              gboolean          *closed)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  gsize got = 0;
  gssize n = 0;

  while (got < size - 1 && (n = g_input_stream_read (in, buf + got, size - 1 - got, NULL, NULL)) > 0)
    got += n;
  buf[got] = '\0';
  *closed = n == 0;
  return got;
}

static void
push_blob_record (TestClient *client,
                  const char *sha256,
                  gint64      device_seq)
{
  g_autofree char *content = content_with_blob ("Huancavelica", sha256);
  g_autofree char *record = g_uuid_string_random ();
  g_autoptr(TgRevision) rev = test_revision_new (record, NULL, "report", client->device_id, device_seq, FALSE, content);
  g_autoptr(JsonNode) reply = NULL;
  guint status;

  reply = test_client_push (client, &rev, 1, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_true (test_json_array_has_string (test_json_array (reply, "missing_blobs"), sha256));
}

static void
assert_downloads (TestClient *client,
                  const char *sha256,
                  GBytes     *blob)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/blobs/%s", sha256);
  g_autoptr(GBytes) got = NULL;
  guint status;

  got = test_client_request (client, "GET", path, NULL, NULL, &status, NULL, NULL);
  g_assert_cmpuint (status, ==, 200);
  g_assert_true (g_bytes_equal (got, blob));
}

/* A chunk whose bytes do not hash to its Upload-Checksum (a byte flipped
 * on the way, or a wrong checksum) is refused with 460 and nothing of it
 * is kept; the right chunk then counts. */
static void
test_v2_checksum_mismatch (void)
{
  g_autoptr(TestClient) ana = test_client_enrol (server, "ana");
  g_autoptr(GBytes) blob = tg_test_random_bytes (300000, g_test_rand_int ());
  g_autofree char *sha = tg_test_sha256_of (blob);
  gsize size = g_bytes_get_size (blob);
  g_autoptr(GBytes) first = g_bytes_new_from_bytes (blob, 0, 100000);
  g_autoptr(GBytes) second = g_bytes_new_from_bytes (blob, 100000, 100000);
  g_autoptr(GBytes) third = g_bytes_new_from_bytes (blob, 200000, size - 200000);
  g_autofree char *first_sum = test_upload_checksum (g_bytes_get_data (first, NULL), 100000);
  g_autofree char *second_sum = test_upload_checksum (g_bytes_get_data (second, NULL), 100000);
  g_autofree char *third_sum = test_upload_checksum (g_bytes_get_data (third, NULL), size - 200000);
  g_autoptr(GBytes) flipped = NULL;
  guint8 *copy;
  guint status;

  push_blob_record (ana, sha, 1);

  /* the first chunk with a byte flipped, its checksum the right one */
  copy = g_memdup2 (g_bytes_get_data (first, NULL), 100000);
  copy[54321] ^= 0x20;
  flipped = g_bytes_new_take (copy, 100000);
  {
    g_autoptr(JsonNode) reply = NULL;

    g_assert_cmpuint (put_chunk (ana, sha, size, 0, flipped, first_sum, &reply), ==, 460);
    g_assert_cmpint (test_json_int (reply, "offset"), ==, 0);
    g_assert_false (json_object_get_boolean_member (json_node_get_object (reply), "complete"));
    g_assert_nonnull (strstr (test_json_string (reply, "error"), "nothing of it was kept"));
  }
  g_assert_cmpint (query_offset (ana, sha, &status), ==, 0);
  /* the right chunk then goes in */
  {
    g_autoptr(JsonNode) reply = NULL;

    g_assert_cmpuint (put_chunk (ana, sha, size, 0, first, first_sum, &reply), ==, 200);
    g_assert_cmpint (test_json_int (reply, "offset"), ==, 100000);
  }

  /* the second chunk with the first's checksum: refused, the offset is
   * still the end of the first chunk (not 0, not past it) */
  {
    g_autoptr(JsonNode) reply = NULL;

    g_assert_cmpuint (put_chunk (ana, sha, size, 100000, second, first_sum, &reply), ==, 460);
    g_assert_cmpint (test_json_int (reply, "offset"), ==, 100000);
  }
  g_assert_cmpint (query_offset (ana, sha, &status), ==, 100000);
  /* and the same wrong bytes again: still nothing kept */
  g_assert_cmpuint (put_chunk (ana, sha, size, 100000, flipped, second_sum, NULL), ==, 460);
  g_assert_cmpint (query_offset (ana, sha, &status), ==, 100000);

  g_assert_cmpuint (put_chunk (ana, sha, size, 100000, second, second_sum, NULL), ==, 200);
  g_assert_cmpint (query_offset (ana, sha, &status), ==, 200000);
  /* the last chunk: checked, then the whole file */
  {
    g_autoptr(JsonNode) reply = NULL;

    g_assert_cmpuint (put_chunk (ana, sha, size, 200000, third, third_sum, &reply), ==, 201);
    g_assert_cmpint (test_json_int (reply, "offset"), ==, (gint64) size);
    g_assert_true (json_object_get_boolean_member (json_node_get_object (reply), "complete"));
  }
  assert_downloads (ana, sha, blob);
}

/* A 460 on the wire: the tus status line, Upload-Offset, and the
 * connection kept open for the next chunk. */
static void
test_v2_mismatch_wire (void)
{
  g_autoptr(TestClient) ana = test_client_enrol (server, "ana");
  g_autoptr(GBytes) blob = tg_test_random_bytes (2000, g_test_rand_int ());
  g_autofree char *sha = tg_test_sha256_of (blob);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *head = NULL;
  char buf[4096];
  gssize n;

  push_blob_record (ana, sha, 1);
  connection = raw_connect (ana);
  head = g_strdup_printf ("PUT /api/v1/blobs/%s?offset=0 HTTP/1.1\r\n"
                          "Host: 127.0.0.1\r\n"
                          "Authorization: Bearer %s\r\n"
                          "Upload-Length: 2000\r\n"
                          "Upload-Checksum: sha256 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n"
                          "Content-Length: 2000\r\n\r\n", sha, ana->token);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             head, strlen (head), NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             g_bytes_get_data (blob, NULL), 2000, NULL, NULL, &error);
  g_assert_no_error (error);
  n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                           buf, sizeof buf - 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, >, 0);
  buf[n] = '\0';
  g_assert_true (g_str_has_prefix (buf, "HTTP/1.1 460 Checksum Mismatch\r\n"));
  g_assert_nonnull (strstr (buf, "Upload-Offset: 0\r\n"));
  g_assert_null (strstr (buf, "Connection: close"));
}

/* A connection cut after half of a chunk keeps nothing of it: the offset
 * stays where it was, and the whole chunk is sent again. */
static void
test_v2_cut_mid_chunk (void)
{
  g_autoptr(TestClient) ana = test_client_enrol (server, "ana");
  g_autoptr(GBytes) blob = tg_test_random_bytes (2 * MAX_CHUNK + 12345, g_test_rand_int ());
  g_autofree char *sha = tg_test_sha256_of (blob);
  gsize size = g_bytes_get_size (blob);
  ResendWait wait = { ana, sha, blob, MAX_CHUNK, MAX_CHUNK, 0 };
  gint64 offset = -1;
  guint status;

  push_blob_record (ana, sha, 1);
  g_assert_cmpuint (test_client_upload_slice (ana, sha, blob, 0, MAX_CHUNK, &offset, NULL), ==, 200);
  g_assert_cmpint (offset, ==, MAX_CHUNK);

  /* half of the second chunk, then the connection drops */
  cut_upload (ana, sha, blob, MAX_CHUNK, MAX_CHUNK / 2);
  g_assert_cmpint (query_offset (ana, sha, &status), ==, MAX_CHUNK);
  tg_test_iterate_until (resend_chunk_cb, &wait, 20000, "the server to drop the cut chunk");
  g_assert_cmpint (wait.new_offset, ==, 2 * MAX_CHUNK);

  g_assert_cmpuint (test_client_upload_slice (ana, sha, blob, 2 * MAX_CHUNK, size - 2 * MAX_CHUNK, &offset, NULL), ==, 201);
  g_assert_cmpint (offset, ==, (gint64) size);
  assert_downloads (ana, sha, blob);
}

/* A client of protocol 1 sends no Upload-Checksum: it is told, at once
 * and from the headers, that it must be updated; never left hanging. */
static void
test_v2_old_client (void)
{
  g_autoptr(TestClient) ana = test_client_enrol (server, "ana");
  g_autoptr(GBytes) blob = tg_test_random_bytes (40000, g_test_rand_int ());
  g_autofree char *sha = tg_test_sha256_of (blob);
  gsize size = g_bytes_get_size (blob);
  guint status;

  push_blob_record (ana, sha, 1);

  /* through libsoup, as the version-1 app did */
  {
    g_autoptr(JsonNode) reply = NULL;
    const char *error;

    g_assert_cmpuint (put_chunk (ana, sha, size, 0, blob, NULL, &reply), ==, 400);
    error = test_json_string (reply, "error");
    g_assert_nonnull (strstr (error, "requires Upload-Checksum"));
    g_assert_nonnull (strstr (error, "sync protocol 2"));
    g_assert_nonnull (strstr (error, "update Testigo"));
  }
  g_assert_cmpint (query_offset (ana, sha, &status), ==, 0);

  /* on the wire: answered from the headers alone (the body is never
   * sent), with Connection: close, then closed */
  {
    g_autoptr(GSocketConnection) connection = raw_connect (ana);
    g_autoptr(GError) error = NULL;
    g_autofree char *head = g_strdup_printf ("PUT /api/v1/blobs/%s?offset=0 HTTP/1.1\r\n"
                                             "Host: 127.0.0.1\r\n"
                                             "Authorization: Bearer %s\r\n"
                                             "Upload-Length: %" G_GSIZE_FORMAT "\r\n"
                                             "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n",
                                             sha, ana->token, size, size);
    char buf[4096];
    gboolean closed;

    g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                               head, strlen (head), NULL, NULL, &error);
    g_assert_no_error (error);
    raw_read_all (connection, buf, sizeof buf, &closed);
    g_assert_true (g_str_has_prefix (buf, "HTTP/1.1 400"));
    g_assert_nonnull (strstr (buf, "Connection: close"));
    g_assert_nonnull (strstr (buf, "requires Upload-Checksum (sync protocol 2): update Testigo"));
    g_assert_true (closed);
  }

  /* malformed checksums and other algorithms: 400, naming the problem */
  {
    const struct { const char *value; const char *says; } bad[] = {
      { "sha256", "must be" },
      { "sha256 not-base64-at-all", "not the base64 of 32 bytes" },
      { "sha256 AAAA", "not the base64 of 32 bytes" },
      /* 32 bytes whose last digit has padding bits set: not canonical */
      { "sha256 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=", "not the base64 of 32 bytes" },
      { "md5 1B2M2Y8AsgTpgAmY7PhCfg==", "unknown algorithm \"md5\"" },
      { "sha1 2jmj7l5rSw0yVb/vlWAYkK/YBwk=", "unknown algorithm \"sha1\"" },
      { "sha256 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= extra", "must be" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(JsonNode) reply = NULL;

        g_assert_cmpuint (put_chunk (ana, sha, size, 0, blob, bad[i].value, &reply), ==, 400);
        if (strstr (test_json_string (reply, "error"), bad[i].says) == NULL)
          g_error ("\"%s\": %s", bad[i].value, test_json_string (reply, "error"));
      }
  }
  g_assert_cmpint (query_offset (ana, sha, &status), ==, 0);

  /* the same algorithm name in capitals is understood */
  {
    g_autofree char *checksum = test_upload_checksum (g_bytes_get_data (blob, NULL), size);

    memcpy (checksum, "SHA256", 6);
    g_assert_cmpuint (put_chunk (ana, sha, size, 0, blob, checksum, NULL), ==, 201);
  }
  assert_downloads (ana, sha, blob);
}

/* A chunk larger than max-chunk-bytes is refused from its headers: the
 * body is never sent, and the 413 arrives all the same. A chunked body
 * is counted as it arrives and refused at the first bytes past it. */
static void
test_v2_oversized_chunk (void)
{
  g_autoptr(TestClient) ana = test_client_enrol (server, "ana");
  g_autoptr(GBytes) blob = tg_test_random_bytes (3 * MAX_CHUNK, g_test_rand_int ());
  g_autofree char *sha = tg_test_sha256_of (blob);
  gsize size = g_bytes_get_size (blob);
  gint64 offset = -1;
  guint status;

  push_blob_record (ana, sha, 1);
  g_assert_cmpuint (test_client_upload_slice (ana, sha, blob, 0, 1000, &offset, NULL), ==, 200);

  /* Content-Length one byte over the limit, no body */
  {
    g_autoptr(GSocketConnection) connection = raw_connect (ana);
    g_autoptr(GError) error = NULL;
    g_autofree char *head = g_strdup_printf ("PUT /api/v1/blobs/%s?offset=1000 HTTP/1.1\r\n"
                                             "Host: 127.0.0.1\r\n"
                                             "Authorization: Bearer %s\r\n"
                                             "Upload-Length: %" G_GSIZE_FORMAT "\r\n"
                                             "Upload-Checksum: sha256 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n"
                                             "Content-Length: %d\r\n\r\n",
                                             sha, ana->token, size, MAX_CHUNK + 1);
    char buf[4096];
    gboolean closed;

    g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                               head, strlen (head), NULL, NULL, &error);
    g_assert_no_error (error);
    raw_read_all (connection, buf, sizeof buf, &closed);
    g_assert_true (g_str_has_prefix (buf, "HTTP/1.1 413"));
    g_assert_nonnull (strstr (buf, "Connection: close"));
    g_assert_nonnull (strstr (buf, "a chunk is limited to 1048576 bytes (max_chunk_bytes)"));
    g_assert_true (closed);
  }
  g_assert_cmpint (query_offset (ana, sha, &status), ==, 1000);

  /* chunked: 64 KiB pieces, refused at the first past the limit, while
   * the client still has more to send; nothing of it kept */
  {
    g_autoptr(GSocketConnection) connection = raw_connect (ana);
    g_autoptr(GError) error = NULL;
    GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
    g_autofree char *head = g_strdup_printf ("PUT /api/v1/blobs/%s?offset=1000 HTTP/1.1\r\n"
                                             "Host: 127.0.0.1\r\n"
                                             "Authorization: Bearer %s\r\n"
                                             "Upload-Length: %" G_GSIZE_FORMAT "\r\n"
                                             "Upload-Checksum: sha256 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n"
                                             "Transfer-Encoding: chunked\r\n\r\n",
                                             sha, ana->token, size);
    const guint8 *data = g_bytes_get_data (blob, NULL);
    char buf[4096];
    gboolean closed;
    gsize sent = 0;

    g_output_stream_write_all (out, head, strlen (head), NULL, NULL, &error);
    g_assert_no_error (error);
    /* the limit and one piece more: the server answers after that piece */
    while (sent <= MAX_CHUNK)
      {
        g_autofree char *size_line = g_strdup_printf ("%x\r\n", 65536);

        g_output_stream_write_all (out, size_line, strlen (size_line), NULL, NULL, &error);
        g_assert_no_error (error);
        g_output_stream_write_all (out, data + 1000 + sent, 65536, NULL, NULL, &error);
        g_assert_no_error (error);
        g_output_stream_write_all (out, "\r\n", 2, NULL, NULL, &error);
        g_assert_no_error (error);
        sent += 65536;
      }
    raw_read_all (connection, buf, sizeof buf, &closed);
    g_assert_true (g_str_has_prefix (buf, "HTTP/1.1 413"));
    g_assert_nonnull (strstr (buf, "max_chunk_bytes"));
    g_assert_nonnull (strstr (buf, "Upload-Offset: 1000\r\n"));
    g_assert_true (closed);
  }
  {
    ResendWait wait = { ana, sha, blob, 1000, MAX_CHUNK, 0 };

    /* once the server has dropped the refused request, the offset is
     * where it was and a chunk of the limit's size is taken */
    tg_test_iterate_until (resend_chunk_cb, &wait, 20000, "the server to drop the refused chunk");
    g_assert_cmpint (wait.new_offset, ==, 1000 + MAX_CHUNK);
  }
}

/* A few MiB in chunks of the limit's size, one of them chunked on the
 * wire (Transfer-Encoding: chunked, checked all the same), then the blob
 * comes back byte for byte. */
static void
test_v2_multi_chunk (void)
{
  g_autoptr(TestClient) ana = test_client_enrol (server, "ana");
  g_autoptr(GBytes) blob = tg_test_random_bytes (3 * MAX_CHUNK + 777, g_test_rand_int ());
  g_autofree char *sha = tg_test_sha256_of (blob);
  gsize size = g_bytes_get_size (blob);
  gsize offset = 0;
  guint chunks = 0;
  guint status;

  push_blob_record (ana, sha, 1);
  while (offset < size)
    {
      gsize n = MIN ((gsize) MAX_CHUNK, size - offset);
      g_autoptr(GBytes) piece = g_bytes_new_from_bytes (blob, offset, n);
      g_autofree char *checksum = test_upload_checksum (g_bytes_get_data (piece, NULL), n);
      g_autoptr(JsonNode) reply = NULL;

      if (chunks == 1)
        {
          /* this one with no Content-Length: libsoup sends it chunked */
          g_autofree char *uri = g_strdup_printf ("%s/api/v1/blobs/%s?offset=%" G_GSIZE_FORMAT,
                                                  server->base_uri, sha, offset);
          g_autofree char *auth = g_strconcat ("Bearer ", ana->token, NULL);
          g_autofree char *length = g_strdup_printf ("%" G_GSIZE_FORMAT, size);
          g_autoptr(SoupMessage) msg = soup_message_new ("PUT", uri);
          g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (piece);
          g_autoptr(GBytes) got = NULL;
          g_autoptr(GError) error = NULL;
          SoupMessageHeaders *headers = soup_message_get_request_headers (msg);

          soup_message_headers_replace (headers, "Authorization", auth);
          soup_message_headers_replace (headers, "Upload-Length", length);
          soup_message_headers_replace (headers, "Upload-Checksum", checksum);
          soup_message_set_request_body (msg, "application/octet-stream", stream, -1);
          test_client_pin (ana, msg);
          got = soup_session_send_and_read (ana->session, msg, NULL, &error);
          g_assert_no_error (error);
          g_assert_cmpuint (soup_message_headers_get_encoding (headers), ==, SOUP_ENCODING_CHUNKED);
          g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
          g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (msg), "Upload-Offset"),
                           ==, "2097152");
        }
      else
        {
          g_assert_cmpuint (put_chunk (ana, sha, size, offset, piece, checksum, &reply), ==,
                            offset + n < size ? 200 : 201);
          g_assert_cmpint (test_json_int (reply, "offset"), ==, (gint64) (offset + n));
        }
      offset += n;
      chunks++;
    }
  g_assert_cmpuint (chunks, ==, 4);
  g_assert_cmpint (query_offset (ana, sha, &status), ==, (gint64) size);
  assert_downloads (ana, sha, blob);
}

/* tests ------------------------------------------------------------------ */

static void
test_info (void)
{
  g_autoptr(TestClient) client = NULL;
  g_autoptr(JsonNode) info = NULL;
  guint status;
  gint64 now = g_get_real_time ();

  client = test_client_new (server);
  info = test_client_json (client, "GET", "/api/v1/info", NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (test_json_string (info, "version"), ==, PACKAGE_VERSION);
  g_assert_cmpstr (test_json_string (info, "fingerprint"), ==, server->fingerprint);
  /* sync protocol 2: chunks checked against their SHA-256, and how large */
  g_assert_cmpint (test_json_int (info, "api"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (json_node_get_object (info), "limits"),
                                               "max_chunk_bytes"), ==, MAX_CHUNK);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (json_node_get_object (info), "limits"),
                                               "max_blob_bytes"), ==, MAX_BLOB);
  /* the clock is usable for offset checks */
  g_assert_cmpint (ABS (test_json_int (info, "time_us") - now), <, 10 * G_USEC_PER_SEC);
}

static void
test_pinning (void)
{
  g_autoptr(TestClient) client = test_client_new (server);
  g_autofree char *saved = server->fingerprint;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) reply = NULL;
  guint status;

  /* a client pinned to another certificate refuses to talk */
  server->fingerprint = g_strdup ("00:11:22");
  reply = test_client_request (client, "GET", "/api/v1/info", NULL, NULL, &status, NULL, &error);
  g_assert_nonnull (error);
  g_assert_null (reply);
  g_free (server->fingerprint);
  server->fingerprint = g_steal_pointer (&saved);
}

static void
test_enrol_codes (void)
{
  g_autoptr(TestClient) client = test_client_new (server);
  g_autofree char *code = NULL, *body = NULL, *err = NULL, *expired = NULL, *expired_body = NULL;
  g_autoptr(JsonNode) first = NULL, again = NULL, late = NULL, unknown = NULL, bad = NULL;
  guint status;

  code = test_server_admin (server, &err, "enrol-code", "ana", "--expires", "1h", NULL);
  g_assert_nonnull (code);
  g_strstrip (code);
  /* people type codes in lower case with spaces */
  {
    g_autofree char *lower = g_ascii_strdown (code, -1);
    g_autofree char *spaced = NULL;
    g_auto(GStrv) parts = g_strsplit (lower, "-", -1);

    spaced = g_strjoinv (" ", parts);
    body = g_strdup_printf ("{\"code\":\"%s\",\"device_name\":\"field laptop\"}", spaced);
  }
  first = test_client_json (client, "POST", "/api/v1/enrol", body, &status);
  g_assert_cmpuint (status, ==, 201);
  g_assert_true (tg_is_uuid (test_json_string (first, "device_id")));
  g_assert_cmpuint (strlen (test_json_string (first, "token")), >=, 32);
  g_assert_cmpstr (test_json_string (first, "role"), ==, "monitor");   /* the app shows no workspace */

  /* single use */
  again = test_client_json (client, "POST", "/api/v1/enrol", body, &status);
  g_assert_cmpuint (status, ==, 403);
  g_assert_nonnull (strstr (test_json_string (again, "error"), "already been used"));

  /* expiry */
  expired = test_server_admin (server, &err, "enrol-code", "ana", "--expires", "1s", NULL);
  g_assert_nonnull (expired);
  g_strstrip (expired);
  g_usleep (2100 * 1000);
  expired_body = g_strdup_printf ("{\"code\":\"%s\",\"device_name\":\"late\"}", expired);
  late = test_client_json (client, "POST", "/api/v1/enrol", expired_body, &status);
  g_assert_cmpuint (status, ==, 403);
  g_assert_nonnull (strstr (test_json_string (late, "error"), "expired"));

  unknown = test_client_json (client, "POST", "/api/v1/enrol",
                              "{\"code\":\"ABCDE-FGHJK-MNPQR-STVWX\",\"device_name\":\"x\"}", &status);
  g_assert_cmpuint (status, ==, 403);
  g_assert_nonnull (strstr (test_json_string (unknown, "error"), "unknown"));

  bad = test_client_json (client, "POST", "/api/v1/enrol", "{\"code\":42}", &status);
  g_assert_cmpuint (status, ==, 400);
  g_assert_nonnull (strstr (test_json_string (bad, "error"), "\"code\" must be a string"));

  /* the admin can list the device, by its name */
  {
    g_autofree char *devices = test_server_admin (server, &err, "devices", NULL);

    g_assert_nonnull (strstr (devices, test_json_string (first, "device_id")));
    g_assert_nonnull (strstr (devices, "field laptop"));
    /* the token itself is never stored or shown */
    g_assert_null (strstr (devices, test_json_string (first, "token")));
  }
}

static void
test_auth_and_revoke (void)
{
  g_autoptr(TestClient) client = test_client_enrol (server, "ana");
  g_autoptr(TestClient) anonymous = test_client_new (server);
  g_autoptr(JsonNode) ok = NULL, none = NULL, revoked = NULL, forged = NULL;
  g_autofree char *err = NULL, *out = NULL;
  guint status;

  ok = pull (client, 0, 10, &status);
  g_assert_cmpuint (status, ==, 200);

  none = pull (anonymous, 0, 10, &status);
  g_assert_cmpuint (status, ==, 401);

  anonymous->token = g_strdup ("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  forged = pull (anonymous, 0, 10, &status);
  g_assert_cmpuint (status, ==, 401);

  out = test_server_admin (server, &err, "revoke", client->device_id, NULL);
  g_assert_nonnull (out);
  /* at once: no restart, no cache */
  revoked = pull (client, 0, 10, &status);
  g_assert_cmpuint (status, ==, 401);
  g_assert_nonnull (strstr (test_json_string (revoked, "error"), "revoked"));

  /* revoking twice says so */
  g_free (out);
  out = test_server_admin (server, NULL, "revoke", client->device_id, NULL);
  g_assert_null (out);
}

static void
test_push_pull (void)
{
  g_autoptr(TestClient) client = test_client_enrol (server, "ana");
  g_autofree char *record = g_uuid_string_random ();
  g_autofree char *record2 = g_uuid_string_random ();
  g_autoptr(TgRevision) r1 = NULL, r2 = NULL, r3 = NULL, orphan = NULL, tomb = NULL;
  g_autoptr(JsonNode) reply = NULL, again = NULL, page = NULL, page2 = NULL, partial = NULL, tomb_reply = NULL;
  g_autoptr(GPtrArray) pulled = NULL;
  JsonArray *accepted, *accepted_again;
  gint64 seq1, seq2, seq3, server_seq;
  guint status;
  const char *ghost_parent = "0000000000000000000000000000000000000000000000000000000000000000";

  /* exact bytes, including spacing and non-ASCII, must come back */
  r1 = test_revision_new (record, NULL, "report", client->device_id, 1, FALSE,
                      "{ \"title\" : \"Ayacucho, 15 dic\",  \"narrative\": \"Quechua: Ñawpaq\\u00f1a\" }");
  r2 = test_revision_new (record, tg_revision_get_id (r1), "report", client->device_id, 2, FALSE,
                      "{\"title\":\"Ayacucho, 15 dic (2)\"}");
  r3 = test_revision_new (record2, NULL, "report", client->device_id, 3, FALSE, "{\"title\":\"Juliaca\"}");
  {
    /* child listed before its parent in the batch */
    TgRevision *batch[] = { r2, r1, r3 };
    reply = test_client_push (client, batch, 3, &status);
  }
  g_assert_cmpuint (status, ==, 200);
  accepted = test_json_array (reply, "accepted");
  g_assert_cmpuint (json_array_get_length (accepted), ==, 3);
  g_assert_cmpuint (json_array_get_length (test_json_array (reply, "rejected")), ==, 0);
  seq2 = json_object_get_int_member (json_array_get_object_element (accepted, 0), "seq");
  seq1 = json_object_get_int_member (json_array_get_object_element (accepted, 1), "seq");
  seq3 = json_object_get_int_member (json_array_get_object_element (accepted, 2), "seq");
  g_assert_cmpint (seq1, <, seq2);
  g_assert_cmpint (seq1, >, 0);
  server_seq = test_json_int (reply, "server_seq");
  g_assert_cmpint (server_seq, >=, MAX (seq2, seq3));

  /* idempotent: the same push changes nothing and returns the same seqs */
  {
    TgRevision *batch[] = { r2, r1, r3 };
    again = test_client_push (client, batch, 3, &status);
  }
  g_assert_cmpuint (status, ==, 200);
  accepted_again = test_json_array (again, "accepted");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (accepted_again, 0), "seq"), ==, seq2);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (accepted_again, 1), "seq"), ==, seq1);
  g_assert_cmpint (test_json_int (again, "server_seq"), ==, server_seq);

  /* an unknown parent: that revision is rejected with a reason, others go in */
  orphan = test_revision_new (record, ghost_parent, "report", client->device_id, 4, FALSE, "{\"title\":\"?\"}");
  tomb = test_revision_new (record2, tg_revision_get_id (r3), "report", client->device_id, 5, TRUE, "{}");
  {
    TgRevision *batch[] = { orphan, tomb };
    partial = test_client_push (client, batch, 2, &status);
  }
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpuint (json_array_get_length (test_json_array (partial, "accepted")), ==, 1);
  g_assert_cmpuint (json_array_get_length (test_json_array (partial, "rejected")), ==, 1);
  {
    JsonObject *rejected = json_array_get_object_element (test_json_array (partial, "rejected"), 0);
    g_assert_cmpstr (json_object_get_string_member (rejected, "id"), ==, tg_revision_get_id (orphan));
    g_assert_cmpstr (json_object_get_string_member (rejected, "reason"), ==, "unknown parent");
  }

  /* pull: everything, in server order, content byte for byte, tombstone included */
  pulled = pull_all (client);
  g_assert_true (pulled_contains (pulled, tg_revision_get_id (r1)));
  g_assert_true (pulled_contains (pulled, tg_revision_get_id (tomb)));
  g_assert_false (pulled_contains (pulled, tg_revision_get_id (orphan)));
  for (guint i = 0; i < pulled->len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TgRevision) back = tg_revision_new_from_json (g_ptr_array_index (pulled, i), &error);

      g_assert_no_error (error);   /* ids still match content: bytes unchanged */
      if (i > 0)
        g_assert_cmpint (test_json_int (g_ptr_array_index (pulled, i - 1), "server_seq"), <,
                         test_json_int (g_ptr_array_index (pulled, i), "server_seq"));
      if (g_strcmp0 (tg_revision_get_id (back), tg_revision_get_id (r1)) == 0)
        g_assert_cmpstr (tg_revision_get_content (back), ==, tg_revision_get_content (r1));
      if (g_strcmp0 (tg_revision_get_id (back), tg_revision_get_id (tomb)) == 0)
        g_assert_true (tg_revision_get_deleted (back));
    }

  /* paging */
  page = pull (client, seq1 - 1, 1, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpuint (json_array_get_length (test_json_array (page, "revisions")), ==, 1);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (page), "more"));
  g_assert_cmpint (test_json_int (page, "next"), ==, seq1);
  page2 = pull (client, test_json_int (page, "next"), 1, &status);
  g_assert_cmpint (test_json_int (json_array_get_element (test_json_array (page2, "revisions"), 0),
                                  "server_seq"), ==, MIN (seq2, seq3));

  /* bad queries */
  {
    g_autoptr(JsonNode) bad = test_client_json (client, "GET", "/api/v1/pull?since=-1", NULL, &status);
    g_assert_cmpuint (status, ==, 400);
    g_assert_nonnull (strstr (test_json_string (bad, "error"), "since"));
  }
}

static void
test_conflict (void)
{
  g_autoptr(TestClient) laptop = test_client_enrol (server, "ana");
  g_autoptr(TestClient) desktop = test_client_enrol (server, "ana");
  g_autoptr(TestClient) office = test_client_enrol (server, "coco");
  g_autofree char *record = g_uuid_string_random ();
  g_autoptr(TgRevision) root = NULL, a = NULL, b = NULL;
  g_autoptr(JsonNode) r0 = NULL, ra = NULL, rb = NULL, view = NULL, office_view = NULL;
  guint status;
  JsonArray *conflicts;
  gboolean found = FALSE;

  root = test_revision_new (record, NULL, "report", laptop->device_id, 1, FALSE, "{\"title\":\"Juliaca\",\"killed\":17}");
  r0 = test_client_push (laptop, &root, 1, &status);
  g_assert_cmpuint (status, ==, 200);

  /* two devices edit the same version without seeing each other */
  a = test_revision_new (record, tg_revision_get_id (root), "report", laptop->device_id, 2, FALSE,
                     "{\"title\":\"Juliaca\",\"killed\":18}");
  b = test_revision_new (record, tg_revision_get_id (root), "report", desktop->device_id, 1, FALSE,
                     "{\"title\":\"Juliaca, 9 enero\",\"killed\":17}");
  ra = test_client_push (laptop, &a, 1, &status);
  g_assert_cmpuint (status, ==, 200);
  rb = test_client_push (desktop, &b, 1, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpuint (json_array_get_length (test_json_array (rb, "accepted")), ==, 1);

  /* both kept; the pull reports the record with two heads */
  view = pull (laptop, test_json_int (r0, "server_seq") - 1, 100, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpuint (json_array_get_length (test_json_array (view, "revisions")), ==, 3);
  conflicts = test_json_array (view, "conflicts");
  for (guint i = 0; i < json_array_get_length (conflicts); i++)
    {
      JsonObject *c = json_array_get_object_element (conflicts, i);

      if (g_strcmp0 (json_object_get_string_member (c, "record"), record) != 0)
        continue;
      found = TRUE;
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (c, "heads")), ==, 2);
      g_assert_true (test_json_array_has_string (json_object_get_array_member (c, "heads"), tg_revision_get_id (a)));
      g_assert_true (test_json_array_has_string (json_object_get_array_member (c, "heads"), tg_revision_get_id (b)));
    }
  g_assert_true (found);

  /* the coordinator merges: one revision with both parents ends the conflict */
  {
    const char *parents[] = { tg_revision_get_id (a), tg_revision_get_id (b), NULL };
    g_autoptr(TgRevision) merge = tg_revision_new (record, "report", parents, office->device_id, 1,
                                                   g_get_real_time (), FALSE,
                                                   "{\"title\":\"Juliaca, 9 enero\",\"killed\":18}");
    g_autoptr(JsonNode) rm = test_client_push (office, &merge, 1, &status);

    g_assert_cmpuint (status, ==, 200);
    office_view = pull (office, test_json_int (rm, "server_seq") - 1, 10, &status);
    g_assert_cmpuint (json_array_get_length (test_json_array (office_view, "conflicts")), ==, 0);
  }
  {
    g_autofree char *stats = test_server_admin (server, NULL, "stats", NULL);
    g_assert_nonnull (strstr (stats, "\"records_in_conflict\""));
  }
}

static void
test_roles (void)
{
  g_autoptr(TestClient) ana = test_client_enrol (server, "ana");
  g_autoptr(TestClient) beto = test_client_enrol (server, "beto");
  g_autoptr(TestClient) coco = test_client_enrol (server, "coco");
  g_autoptr(TestClient) root = test_client_enrol (server, "root");
  g_autoptr(GBytes) blob = tg_test_random_bytes (5000, g_test_rand_int ());
  g_autofree char *sha = tg_test_sha256_of (blob);
  g_autofree char *content = content_with_blob ("Lima, 28 enero", sha);
  g_autofree char *record = g_uuid_string_random ();
  g_autofree char *incident_record = g_uuid_string_random ();
  g_autofree char *blob_path = g_strdup_printf ("/api/v1/blobs/%s", sha);
  g_autoptr(TgRevision) own = NULL, beto_edit = NULL, coco_edit = NULL, incident_m = NULL, incident_c = NULL, root_rev = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GPtrArray) ana_sees = NULL, beto_sees = NULL, coco_sees = NULL;
  guint status;

  own = test_revision_new (record, NULL, "report", ana->device_id, 1, FALSE, content);
  reply = test_client_push (ana, &own, 1, &status);
  g_assert_cmpuint (status, ==, 200);                             /* monitor pushes own report */
  g_assert_true (test_json_array_has_string (test_json_array (reply, "missing_blobs"), sha));
  g_clear_pointer (&reply, json_node_unref);

  beto_edit = test_revision_new (record, tg_revision_get_id (own), "report", beto->device_id, 1, FALSE, "{\"title\":\"x\"}");
  reply = test_client_push (beto, &beto_edit, 1, &status);
  g_assert_cmpuint (status, ==, 403);                             /* not another monitor's report */
  g_assert_nonnull (strstr (test_json_string (reply, "error"), "another user"));
  g_clear_pointer (&reply, json_node_unref);

  coco_edit = test_revision_new (record, tg_revision_get_id (own), "report", coco->device_id, 1, FALSE,
                             "{\"title\":\"Lima, 28 enero\",\"status\":\"verified\"}");
  reply = test_client_push (coco, &coco_edit, 1, &status);
  g_assert_cmpuint (status, ==, 200);                             /* coordinator decides on it */
  g_clear_pointer (&reply, json_node_unref);

  incident_m = test_revision_new (incident_record, NULL, "incident", ana->device_id, 2, FALSE, "{\"title\":\"i\"}");
  reply = test_client_push (ana, &incident_m, 1, &status);
  g_assert_cmpuint (status, ==, 403);                             /* monitors push no incidents */
  g_clear_pointer (&reply, json_node_unref);

  incident_c = test_revision_new (incident_record, NULL, "incident", coco->device_id, 2, FALSE, "{\"title\":\"i\"}");
  reply = test_client_push (coco, &incident_c, 1, &status);
  g_assert_cmpuint (status, ==, 200);                             /* coordinators do */
  g_clear_pointer (&reply, json_node_unref);

  root_rev = test_revision_new (g_uuid_string_random (), NULL, "report", root->device_id, 1, FALSE, "{}");
  reply = test_client_push (root, &root_rev, 1, &status);
  g_assert_cmpuint (status, ==, 403);                             /* admins hold no records */
  g_clear_pointer (&reply, json_node_unref);
  reply = pull (root, 0, 10, &status);
  g_assert_cmpuint (status, ==, 403);
  g_clear_pointer (&reply, json_node_unref);

  /* every pull says the caller's role (the app shows the workspace only
   * to a coordinator) */
  reply = pull (coco, 0, 1, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (test_json_string (reply, "role"), ==, "coordinator");
  g_clear_pointer (&reply, json_node_unref);
  reply = pull (beto, 0, 1, &status);
  g_assert_cmpstr (test_json_string (reply, "role"), ==, "monitor");
  g_clear_pointer (&reply, json_node_unref);

  /* pull: the monitor sees their report and the coordinator's decision on it,
   * not the incident; another monitor sees neither; the coordinator all */
  ana_sees = pull_all (ana);
  beto_sees = pull_all (beto);
  coco_sees = pull_all (coco);
  g_assert_true (pulled_contains (ana_sees, tg_revision_get_id (own)));
  g_assert_true (pulled_contains (ana_sees, tg_revision_get_id (coco_edit)));
  g_assert_false (pulled_contains (ana_sees, tg_revision_get_id (incident_c)));
  g_assert_false (pulled_contains (beto_sees, tg_revision_get_id (own)));
  g_assert_false (pulled_contains (beto_sees, tg_revision_get_id (coco_edit)));
  g_assert_true (pulled_contains (coco_sees, tg_revision_get_id (own)));
  g_assert_true (pulled_contains (coco_sees, tg_revision_get_id (incident_c)));

  /* blobs: upload by the owner; download by owner and coordinator only */
  {
    guint s;
    query_offset (beto, sha, &s);
    g_assert_cmpuint (s, ==, 404);
    query_offset (root, sha, &s);
    g_assert_cmpuint (s, ==, 404);
    g_assert_cmpint (query_offset (coco, sha, &s), ==, 0);
    g_assert_cmpuint (test_client_upload_slice (beto, sha, blob, 0, g_bytes_get_size (blob), NULL, NULL), ==, 404);
    g_assert_cmpuint (test_client_upload_slice (ana, sha, blob, 0, g_bytes_get_size (blob), NULL, NULL), ==, 201);
  }
  {
    TestClient *readers[] = { ana, beto, coco, root };
    guint expected[] = { 200, 404, 200, 404 };

    for (guint i = 0; i < G_N_ELEMENTS (readers); i++)
      {
        g_autoptr(GBytes) got = test_client_request (readers[i], "GET", blob_path, NULL, NULL, &status, NULL, NULL);

        g_assert_cmpuint (status, ==, expected[i]);
        if (status == 200)
          g_assert_true (g_bytes_equal (got, blob));
      }
  }

  /* info and enrol need no token; every other endpoint does */
  {
    g_autoptr(TestClient) nobody = test_client_new (server);
    g_autofree char *upload_path = g_strdup_printf ("/api/v1/blobs/%s/upload", sha);
    const char *protected[][2] = {
      { "POST", "/api/v1/push" }, { "GET", "/api/v1/pull" },
      { "GET", upload_path }, { "GET", blob_path }, { "PUT", blob_path },
    };

    for (guint i = 0; i < G_N_ELEMENTS (protected); i++)
      {
        g_autoptr(GBytes) got = test_client_request (nobody, protected[i][0], protected[i][1], NULL, NULL,
                                                     &status, NULL, NULL);
        g_assert_cmpuint (status, ==, 401);
      }
  }
}

static void
test_resumable_upload (void)
{
  g_autoptr(TestClient) ana = test_client_enrol (server, "ana");
  g_autoptr(GBytes) blob = tg_test_random_bytes (600 * 1024, g_test_rand_int ());
  g_autofree char *sha = tg_test_sha256_of (blob);
  g_autofree char *content = content_with_blob ("Andahuaylas", sha);
  g_autofree char *record = g_uuid_string_random ();
  g_autofree char *path = g_strdup_printf ("/api/v1/blobs/%s", sha);
  g_autoptr(TgRevision) rev = NULL, rev2 = NULL;
  g_autoptr(JsonNode) reply = NULL, after = NULL;
  gsize size = g_bytes_get_size (blob);
  gsize cuts[] = { 0, 1000, 70000, 200001 };
  gsize expected = 0;
  gint64 offset = -1;
  guint status;

  rev = test_revision_new (record, NULL, "report", ana->device_id, 1, FALSE, content);
  reply = test_client_push (ana, &rev, 1, &status);
  g_assert_true (test_json_array_has_string (test_json_array (reply, "missing_blobs"), sha));
  g_assert_cmpint (query_offset (ana, sha, &status), ==, 0);

  /* connections cut in the middle of a chunk keep nothing of it (sync
   * protocol 2): each time the whole chunk goes again, from the same
   * offset, and then counts */
  for (guint i = 0; i < G_N_ELEMENTS (cuts); i++)
    {
      ResendWait wait = { ana, sha, blob, expected, 50000 + i * 1000, 0 };

      cut_upload (ana, sha, blob, expected, cuts[i]);
      g_assert_cmpint (query_offset (ana, sha, &status), ==, (gint64) expected);
      tg_test_iterate_until (resend_chunk_cb, &wait, 20000, "the server to drop the cut chunk");
      g_assert_cmpint (wait.new_offset, ==, (gint64) (expected + wait.length));
      expected += wait.length;
      g_assert_cmpint (query_offset (ana, sha, &status), ==, (gint64) expected);
    }

  /* a wrong offset is refused with the right one */
  g_assert_cmpuint (test_client_upload_slice (ana, sha, blob, 5, 10, &offset, NULL), ==, 409);
  g_assert_cmpint (offset, ==, (gint64) expected);

  /* a plain partial PUT moves the offset */
  g_assert_cmpuint (test_client_upload_slice (ana, sha, blob, expected, 100000, &offset, NULL), ==, 200);
  expected += 100000;
  g_assert_cmpint (offset, ==, (gint64) expected);

  /* the rest completes it, hash verified */
  g_assert_cmpuint (test_client_upload_slice (ana, sha, blob, expected, size - expected, &offset, NULL), ==, 201);
  g_assert_cmpint (offset, ==, (gint64) size);

  /* no longer missing */
  rev2 = test_revision_new (record, tg_revision_get_id (rev), "report", ana->device_id, 2, FALSE, content);
  after = test_client_push (ana, &rev2, 1, &status);
  g_assert_cmpuint (json_array_get_length (test_json_array (after, "missing_blobs")), ==, 0);

  /* download, whole and in ranges */
  {
    g_autoptr(GBytes) whole = test_client_request (ana, "GET", path, NULL, NULL, &status, NULL, NULL);
    const char *range1[] = { "Range", "bytes=10-19", NULL };
    const char *range2[] = { "Range", "bytes=-5", NULL };
    const char *range3[] = { "Range", "bytes=999999999-", NULL };
    g_autoptr(GBytes) part1 = NULL, part2 = NULL, part3 = NULL;
    g_autoptr(GBytes) want1 = g_bytes_new_from_bytes (blob, 10, 10);
    g_autoptr(GBytes) want2 = g_bytes_new_from_bytes (blob, size - 5, 5);
    g_autoptr(SoupMessageHeaders) headers = NULL;

    g_assert_cmpuint (status, ==, 200);
    g_assert_true (g_bytes_equal (whole, blob));
    part1 = test_client_request (ana, "GET", path, NULL, range1, &status, &headers, NULL);
    g_assert_cmpuint (status, ==, 206);
    g_assert_true (g_bytes_equal (part1, want1));
    g_assert_true (g_str_has_prefix (soup_message_headers_get_one (headers, "Content-Range"), "bytes 10-19/"));
    part2 = test_client_request (ana, "GET", path, NULL, range2, &status, NULL, NULL);
    g_assert_cmpuint (status, ==, 206);
    g_assert_true (g_bytes_equal (part2, want2));
    part3 = test_client_request (ana, "GET", path, NULL, range3, &status, NULL, NULL);
    g_assert_cmpuint (status, ==, 416);
  }
}

static void
test_upload_refusals (void)
{
  g_autoptr(TestClient) ana = test_client_enrol (server, "ana");
  g_autoptr(GBytes) blob = tg_test_random_bytes (50000, g_test_rand_int ());
  g_autoptr(GBytes) other = tg_test_random_bytes (50000, g_test_rand_int ());
  g_autoptr(GBytes) huge = tg_test_random_bytes (1024, g_test_rand_int ());
  g_autofree char *sha = tg_test_sha256_of (blob);
  g_autofree char *huge_sha = tg_test_sha256_of (huge);
  g_autofree char *content = content_with_blob ("Cusco", sha);
  g_autofree char *content2 = content_with_blob ("Puno", huge_sha);
  g_autoptr(TgRevision) rev = NULL, rev2 = NULL;
  g_autoptr(JsonNode) reply = NULL, reply2 = NULL;
  gint64 offset;
  guint status;

  rev = test_revision_new (g_uuid_string_random (), NULL, "report", ana->device_id, 1, FALSE, content);
  reply = test_client_push (ana, &rev, 1, &status);
  g_assert_cmpuint (status, ==, 200);

  /* bytes that do not hash to the name: rejected and thrown away */
  g_assert_cmpuint (test_client_upload_slice (ana, sha, other, 0, 20000, &offset, NULL), ==, 200);
  g_assert_cmpuint (test_client_upload_slice (ana, sha, other, 20000, 30000, &offset, NULL), ==, 422);
  g_assert_cmpint (query_offset (ana, sha, &status), ==, 0);
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/blobs/%s", sha);
    g_autoptr(GBytes) got = test_client_request (ana, "GET", path, NULL, NULL, &status, NULL, NULL);
    g_assert_cmpuint (status, ==, 404);
  }
  /* the right bytes still go in afterwards */
  g_assert_cmpuint (test_client_upload_slice (ana, sha, blob, 0, 50000, &offset, NULL), ==, 201);

  /* larger than max-blob-bytes */
  rev2 = test_revision_new (g_uuid_string_random (), NULL, "report", ana->device_id, 2, FALSE, content2);
  reply2 = test_client_push (ana, &rev2, 1, &status);
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/blobs/%s?offset=0", huge_sha);
    g_autofree char *length = g_strdup_printf ("%d", MAX_BLOB + 1);
    g_autofree char *checksum = test_upload_checksum (g_bytes_get_data (huge, NULL), g_bytes_get_size (huge));
    const char *headers[] = { "Upload-Length", length, "Upload-Checksum", checksum, NULL };
    g_autoptr(GBytes) got = test_client_request (ana, "PUT", path, huge, headers, &status, NULL, NULL);
    g_assert_cmpuint (status, ==, 413);
    g_assert_true (bytes_contain (got, "blobs are limited to"));
  }
  /* no Upload-Length */
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/blobs/%s?offset=0", huge_sha);
    g_autofree char *checksum = test_upload_checksum (g_bytes_get_data (huge, NULL), g_bytes_get_size (huge));
    const char *headers[] = { "Upload-Checksum", checksum, NULL };
    g_autoptr(GBytes) got = test_client_request (ana, "PUT", path, huge, headers, &status, NULL, NULL);
    g_assert_cmpuint (status, ==, 400);
    g_assert_true (bytes_contain (got, "Upload-Length"));
  }
  /* a chunked body past Upload-Length: answered at its first chunk past
   * it and closed, without waiting for (or reading) the rest */
  {
    g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
    g_autoptr(GSocketConnection) connection = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *head = g_strdup_printf ("PUT /api/v1/blobs/%s?offset=0 HTTP/1.1\r\n"
                                             "Host: 127.0.0.1\r\n"
                                             "Authorization: Bearer %s\r\n"
                                             "Upload-Length: 1000\r\n"
                                             "Upload-Checksum: sha256 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n"
                                             "Transfer-Encoding: chunked\r\n\r\n"
                                             "%x\r\n", huge_sha, ana->token, 4000);
    g_autofree char *zeros = g_malloc0 (4000);
    char buf[4096];
    gsize got = 0;
    gssize n = 0;

    g_socket_client_set_tls (socket_client, TRUE);
    g_signal_connect (socket_client, "event", G_CALLBACK (tls_event_cb), ana);
    connection = g_socket_client_connect_to_host (socket_client, server->base_uri + strlen ("https://"),
                                                  443, NULL, &error);
    g_assert_no_error (error);
    g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                               head, strlen (head), NULL, NULL, &error);
    g_assert_no_error (error);
    g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                               zeros, 4000, NULL, NULL, &error);
    g_assert_no_error (error);
    g_socket_set_timeout (g_socket_connection_get_socket (connection), 10);
    while (got < sizeof buf - 1 &&
           (n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                     buf + got, sizeof buf - 1 - got, NULL, NULL)) > 0)
      got += n;
    buf[got] = '\0';
    g_assert_true (g_str_has_prefix (buf, "HTTP/1.1 413"));
    g_assert_nonnull (strstr (buf, "Connection: close"));
    g_assert_cmpint (n, ==, 0);   /* then closed by the server */
    g_assert_cmpint (query_offset (ana, huge_sha, &status), ==, 0);
  }
}

static void
expect_400 (TestClient *client,
            const char *body,
            const char *message)
{
  guint status;
  g_autoptr(JsonNode) reply = test_client_json (client, "POST", "/api/v1/push", body, &status);

  g_assert_cmpuint (status, ==, 400);
  if (strstr (test_json_string (reply, "error"), message) == NULL)
    g_error ("expected “%s” in “%s”", message, test_json_string (reply, "error"));
}

static void
test_hostile_json (void)
{
  g_autoptr(TestClient) ana = test_client_enrol (server, "ana");
  g_autoptr(TgRevision) rev = test_revision_new (g_uuid_string_random (), NULL, "report", "dev", 1, FALSE, "{\"title\":\"a\"}");
  g_autoptr(JsonNode) wire = tg_revision_to_json (rev);
  GString *deep = g_string_new ("{\"revisions\":");
  g_autofree char *huge = NULL, *wrong_seq = NULL, *tampered = NULL;

  for (int i = 0; i < 5000; i++)
    g_string_append_c (deep, '[');
  for (int i = 0; i < 5000; i++)
    g_string_append_c (deep, ']');
  g_string_append_c (deep, '}');
  expect_400 (ana, deep->str, "nesting deeper than 32");
  g_string_free (deep, TRUE);

  {
    GString *s = g_string_new ("{\"revisions\":[],\"x\":\"");
    for (int i = 0; i < MAX_STRING + 10; i++)
      g_string_append_c (s, 'a');
    g_string_append (s, "\"}");
    huge = g_string_free (s, FALSE);
  }
  expect_400 (ana, huge, "longer than");

  expect_400 (ana, "not json", "invalid JSON");
  /* found by fuzz-enrol: json-glib passes bad escapes on as invalid UTF-8 */
  expect_400 (ana, "{\"revisions\":[],\"x\":\"a\\7\"}", "bad escape");
  expect_400 (ana, "{\"revisions\":[],\"x\":\"\\udc00\"}", "bad escape");
  expect_400 (ana, "{\"revisions\": [", "invalid JSON");
  expect_400 (ana, "\xff\xfe{}", "UTF-8");
  expect_400 (ana, "[]", "must be a JSON object");
  expect_400 (ana, "{}", "\"revisions\" is missing");
  expect_400 (ana, "{\"revisions\":\"all\"}", "\"revisions\" must be an array");
  expect_400 (ana, "{\"revisions\":[42]}", "revisions[0]: revision: expected a JSON object");

  json_object_set_string_member (json_node_get_object (wire), "device_seq", "1");
  wrong_seq = g_strdup_printf ("{\"revisions\":[%s]}", json_to_string (wire, FALSE));
  expect_400 (ana, wrong_seq, "\"device_seq\" must be an integer");

  json_object_set_int_member (json_node_get_object (wire), "device_seq", 1);
  json_object_set_string_member (json_node_get_object (wire), "content", "{\"title\":\"b\"}");
  tampered = g_strdup_printf ("{\"revisions\":[%s]}", json_to_string (wire, FALSE));
  expect_400 (ana, tampered, "does not match its id");

  /* nothing of that was stored */
  {
    g_autoptr(GPtrArray) seen = pull_all (ana);
    g_assert_false (pulled_contains (seen, tg_revision_get_id (rev)));
  }
}

static void
test_limits (void)
{
  g_autoptr(TestClient) ana = test_client_enrol (server, "ana");
  g_autofree char *record = g_uuid_string_random ();
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(JsonNode) reply = NULL, big = NULL;
  guint status;

  for (guint i = 0; i < MAX_BATCH + 1; i++)
    g_ptr_array_add (batch, test_revision_new (g_uuid_string_random (), NULL, "report", ana->device_id,
                                           i + 1, FALSE, "{\"title\":\"t\"}"));
  reply = test_client_push (ana, (TgRevision **) batch->pdata, batch->len, &status);
  g_assert_cmpuint (status, ==, 413);
  g_assert_nonnull (strstr (test_json_string (reply, "error"), "at most 20"));

  {
    GString *s = g_string_new ("{\"revisions\":[],\"pad\":[");
    while (s->len < MAX_BODY + 100)
      g_string_append (s, "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",");
    g_string_append (s, "1]}");
    big = test_client_json (ana, "POST", "/api/v1/push", s->str, &status);
    g_string_free (s, TRUE);
  }
  g_assert_cmpuint (status, ==, 413);

  /* unknown endpoint and wrong method */
  {
    g_autoptr(JsonNode) r = test_client_json (ana, "GET", "/api/v1/nothing", NULL, &status);
    g_assert_cmpuint (status, ==, 404);
  }
  {
    g_autoptr(JsonNode) r = test_client_json (ana, "DELETE", "/api/v1/pull", NULL, &status);
    g_assert_cmpuint (status, ==, 405);
  }
}

static void
test_rate_limit (void)
{
  TestServer *slow = test_server_new ("rate-limit=0.1\nrate-burst=3\nheader-timeout=1\n");
  g_autoptr(TestClient) client = NULL;
  g_autoptr(SoupMessageHeaders) headers = NULL;
  guint status = 0, n_ok = 0;

  test_server_start (slow);
  test_server_add_user (slow, "ana", "monitor");
  client = test_client_enrol (slow, "ana");

  for (guint i = 0; i < 10 && status != 429; i++)
    {
      g_autoptr(GBytes) got = NULL;

      g_clear_pointer (&headers, soup_message_headers_unref);
      got = test_client_request (client, "GET", "/api/v1/pull", NULL, NULL, &status, &headers, NULL);
      if (status == 200)
        n_ok++;
    }
  g_assert_cmpuint (status, ==, 429);
  g_assert_cmpuint (n_ok, ==, 3);
  g_assert_cmpint (atoi (soup_message_headers_get_one (headers, "Retry-After")), >=, 1);

  /* a client that sends half its headers and goes silent is dropped
   * after header-timeout */
  {
    g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
    g_autoptr(GSocketConnection) connection = NULL;
    g_autoptr(GError) error = NULL;
    const char *half = "GET /api/v1/info HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    char buf[64];
    gssize n;
    gint64 t0;

    g_socket_client_set_tls (socket_client, TRUE);
    g_signal_connect (socket_client, "event", G_CALLBACK (tls_event_cb), client);
    connection = g_socket_client_connect_to_host (socket_client, slow->base_uri + strlen ("https://"),
                                                  443, NULL, &error);
    g_assert_no_error (error);
    g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                               half, strlen (half), NULL, NULL, &error);
    g_assert_no_error (error);
    t0 = g_get_monotonic_time ();
    g_socket_set_timeout (g_socket_connection_get_socket (connection), 10);
    n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                             buf, sizeof buf, NULL, NULL);
    g_assert_cmpint (n, <=, 0);   /* closed (or reset), no reply */
    g_assert_cmpint (g_get_monotonic_time () - t0, <, 5 * G_USEC_PER_SEC);
  }

  test_server_free (slow);
}

static void
test_admin (void)
{
  g_autoptr(TestClient) ana = test_client_enrol (server, "ana");
  g_autofree char *record = g_uuid_string_random ();
  g_autoptr(TgRevision) rev = test_revision_new (record, NULL, "report", ana->device_id, 1, FALSE,
                                             "{\"title\":\"Puente Añashuayco\",\"latitude\":-16.4,\"longitude\":-71.5,"
                                             "\"killed\":1,\"narrative\":\"SECRET-NARRATIVE\","
                                             "\"persons\":[{\"name\":\"SECRET-NAME\"}]}");
  g_autoptr(JsonNode) reply = NULL, stats = NULL, geo = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *out = NULL, *csv = NULL, *err = NULL;
  g_autofree char *backup = g_build_filename (server->dir, "backup.db", NULL);
  guint status;

  reply = test_client_push (ana, &rev, 1, &status);
  g_assert_cmpuint (status, ==, 200);

  out = test_server_admin (server, &err, "stats", NULL);
  g_assert_nonnull (out);
  json_parser_load_from_data (parser, out, -1, NULL);
  stats = json_node_ref (json_parser_get_root (parser));
  g_assert_cmpint (test_json_int (stats, "revisions"), >=, 1);
  g_assert_cmpint (test_json_int (stats, "last_seq"), ==, test_json_int (reply, "server_seq"));

  /* GeoJSON: a feature with the point, and no narrative or names */
  g_free (out);
  out = test_server_admin (server, &err, "export", "--format", "geojson", NULL);
  g_assert_nonnull (out);
  g_assert_null (strstr (out, "SECRET"));
  json_parser_load_from_data (parser, out, -1, NULL);
  geo = json_node_ref (json_parser_get_root (parser));
  g_assert_cmpstr (test_json_string (geo, "type"), ==, "FeatureCollection");
  {
    JsonArray *features = test_json_array (geo, "features");
    gboolean found = FALSE;

    for (guint i = 0; i < json_array_get_length (features); i++)
      {
        JsonObject *f = json_array_get_object_element (features, i);
        JsonObject *props = json_object_get_object_member (f, "properties");

        if (g_strcmp0 (json_object_get_string_member (props, "record"), record) != 0)
          continue;
        found = TRUE;
        g_assert_cmpstr (json_object_get_string_member (props, "title"), ==, "Puente Añashuayco");
        g_assert_cmpfloat_with_epsilon (json_array_get_double_element (
          json_object_get_array_member (json_object_get_object_member (f, "geometry"), "coordinates"), 0),
          -71.5, 1e-9);
      }
    g_assert_true (found);
  }

  csv = test_server_admin (server, &err, "export", "--format", "csv", NULL);
  g_assert_nonnull (csv);
  g_assert_true (g_str_has_prefix (csv, "record,revision,server_seq,kind,conflict,title"));
  g_assert_nonnull (strstr (csv, record));
  g_assert_null (strstr (csv, "SECRET"));

  /* --output: the same bytes in a file of its owner's only (0600); an
   * export that cannot be written says where and writes nothing. */
  {
    g_autofree char *path = g_build_filename (server->dir, "export.csv", NULL);
    g_autofree char *bad = g_build_filename (server->dir, "no-such-dir", "export.csv", NULL);
    g_autofree char *written = NULL;
    g_autofree char *nothing = NULL;
    GStatBuf st;

    g_free (out);
    out = test_server_admin (server, &err, "export", "--format", "csv", "--output", path, NULL);
    g_assert_nonnull (out);
    g_assert_true (g_file_get_contents (path, &written, NULL, NULL));
    g_assert_cmpstr (written, ==, csv);
    g_assert_cmpint (g_stat (path, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);

    g_clear_pointer (&err, g_free);
    nothing = test_server_admin (server, &err, "export", "--format", "csv", "--output", bad, NULL);
    g_assert_null (nothing);
    g_assert_nonnull (err);
    g_assert_nonnull (strstr (err, "no-such-dir"));
    g_assert_false (g_file_test (bad, G_FILE_TEST_EXISTS));
  }

  /* online backup while the server runs, then restore into a new data dir */
  g_free (out);
  out = test_server_admin (server, &err, "backup", backup, NULL);
  g_assert_nonnull (out);
  {
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;

    g_assert_cmpint (sqlite3_open_v2 (backup, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM revisions WHERE id = ?", -1, &stmt, NULL), ==, SQLITE_OK);
    sqlite3_bind_text (stmt, 1, tg_revision_get_id (rev), -1, SQLITE_STATIC);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 1);
    sqlite3_finalize (stmt);
    sqlite3_close (db);
  }
  {
    TestServer *fresh = test_server_new (NULL);
    g_autofree char *restored = test_server_admin (fresh, &err, "restore", backup, NULL);
    g_autofree char *fresh_stats = NULL;

    g_assert_nonnull (restored);
    fresh_stats = test_server_admin (fresh, &err, "stats", NULL);
    json_parser_load_from_data (parser, fresh_stats, -1, NULL);
    g_assert_cmpint (test_json_int (json_parser_get_root (parser), "revisions"), ==,
                     test_json_int (stats, "revisions"));
    /* a file that is not a backup changes nothing */
    g_assert_null (test_server_admin (fresh, &err, "restore", fresh->config_path, NULL));
    test_server_free (fresh);
  }
  /* the backup did not disturb the running server */
  {
    g_autoptr(JsonNode) after = pull (ana, 0, 10, &status);
    g_assert_cmpuint (status, ==, 200);
  }
  /* the audit table records it all, without content */
  {
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    GString *actions = g_string_new (NULL);

    g_assert_cmpint (sqlite3_open_v2 (server->db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
    sqlite3_busy_timeout (db, 5000);
    g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT DISTINCT action, coalesce(detail, '') FROM audit", -1, &stmt, NULL), ==, SQLITE_OK);
    while (sqlite3_step (stmt) == SQLITE_ROW)
      g_string_append_printf (actions, "%s:%s\n", sqlite3_column_text (stmt, 0), sqlite3_column_text (stmt, 1));
    sqlite3_finalize (stmt);
    sqlite3_close (db);
    for (const char *a = "enrol\0push:\0pull:\0revoke:\0export:\0backup\0"; *a; a += strlen (a) + 1)
      g_assert_nonnull (strstr (actions->str, a));
    g_assert_null (strstr (actions->str, "SECRET"));
    g_assert_null (strstr (actions->str, "Añashuayco"));
    g_string_free (actions, TRUE);
  }
}

/* crash test ------------------------------------------------------------- */

typedef struct
{
  GPid  pid;
  guint delay_ms;
} Killer;

static gpointer
killer_thread (gpointer data)
{
  Killer *killer = data;

  g_usleep (killer->delay_ms * 1000);
  kill (killer->pid, SIGKILL);
  return NULL;
}

/* Devices pushing at once, each from a thread with its own session, as
 * many bytes as take the WAL past the size where the server checkpoints it
 * in the background; then the server is killed. Every acknowledged revision
 * must come back with the seq it was acknowledged with. */
typedef struct
{
  TestServer *server;
  char       *token;
  char       *device_id;
  GHashTable *acked;        /* revision id → seq, owned by the thread */
} Pusher;

#define PUSHERS       4
#define PUSHES        12
#define PUSH_BATCH    20
#define CONTENT_BYTES 20000

static gpointer
pusher_thread (gpointer data)
{
  Pusher *pusher = data;
  g_autoptr(TestClient) client = test_client_new (pusher->server);
  g_autofree char *filler = g_strnfill (CONTENT_BYTES, 'x');
  gint64 device_seq = 0;

  client->token = g_strdup (pusher->token);
  client->device_id = g_strdup (pusher->device_id);
  for (guint p = 0; p < PUSHES; p++)
    {
      TgRevision *revisions[PUSH_BATCH];
      g_autoptr(JsonNode) reply = NULL;
      JsonArray *accepted;
      guint status;

      for (guint i = 0; i < PUSH_BATCH; i++)
        {
          g_autofree char *record = g_uuid_string_random ();
          g_autofree char *content = g_strdup_printf ("{\"title\":\"Puno %u-%u\",\"narrative\":\"%s\",\"sources\":[]}",
                                                      p, i, filler);

          revisions[i] = test_revision_new (record, NULL, "report", pusher->device_id, ++device_seq, FALSE, content);
        }
      reply = test_client_push (client, revisions, PUSH_BATCH, &status);
      g_assert_cmpuint (status, ==, 200);
      accepted = test_json_array (reply, "accepted");
      g_assert_cmpuint (json_array_get_length (accepted), ==, PUSH_BATCH);
      for (guint i = 0; i < PUSH_BATCH; i++)
        {
          JsonObject *row = json_array_get_object_element (accepted, i);

          g_hash_table_insert (pusher->acked, g_strdup (json_object_get_string_member (row, "id")),
                               GSIZE_TO_POINTER (json_object_get_int_member (row, "seq")));
          g_object_unref (revisions[i]);
        }
    }
  return NULL;
}

static void
test_concurrent_checkpoint (void)
{
  TestServer *busy = test_server_new ("rate-limit=100000\nrate-burst=100000\n"
                                      "max-body-bytes=4194304\n");
  Pusher pushers[PUSHERS];
  GThread *threads[PUSHERS];
  g_autoptr(TestClient) coordinator = NULL;
  g_autoptr(GPtrArray) pulled = NULL;
  g_autoptr(GHashTable) seqs = g_hash_table_new (NULL, NULL);
  g_autofree char *wal = NULL;
  guint total = 0;

  test_server_start (busy);
  test_server_add_user (busy, "ana", "monitor");
  test_server_add_user (busy, "coco", "coordinator");
  for (guint t = 0; t < PUSHERS; t++)
    {
      g_autoptr(TestClient) enrolled = test_client_enrol (busy, "ana");

      pushers[t].server = busy;
      pushers[t].token = g_strdup (enrolled->token);
      pushers[t].device_id = g_strdup (enrolled->device_id);
      pushers[t].acked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    }
  for (guint t = 0; t < PUSHERS; t++)
    threads[t] = g_thread_new ("pusher", pusher_thread, &pushers[t]);
  for (guint t = 0; t < PUSHERS; t++)
    g_thread_join (threads[t]);

  /* acknowledged means on disk: a kill now loses nothing */
  test_server_kill (busy);
  test_server_start (busy);
  coordinator = test_client_enrol (busy, "coco");
  pulled = pull_all (coordinator);
  for (guint t = 0; t < PUSHERS; t++)
    total += g_hash_table_size (pushers[t].acked);
  g_assert_cmpuint (total, ==, PUSHERS * PUSHES * PUSH_BATCH);
  g_assert_cmpuint (pulled->len, ==, total);
  for (guint i = 0; i < pulled->len; i++)
    {
      JsonNode *row = g_ptr_array_index (pulled, i);
      const char *id = test_json_string (row, "id");
      gint64 seq = test_json_int (row, "server_seq");
      gboolean found = FALSE;

      for (guint t = 0; t < PUSHERS && !found; t++)
        {
          gpointer acked_seq;

          if (g_hash_table_lookup_extended (pushers[t].acked, id, NULL, &acked_seq))
            {
              g_assert_cmpint (GPOINTER_TO_SIZE (acked_seq), ==, seq);
              found = TRUE;
            }
        }
      g_assert_true (found);
      /* no seq given twice */
      g_assert_true (g_hash_table_add (seqs, GSIZE_TO_POINTER (seq)));
    }

  test_server_stop (busy);
  {
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;

    g_assert_cmpint (sqlite3_open_v2 (busy->db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
    sqlite3_finalize (stmt);
    sqlite3_close (db);
  }
  for (guint t = 0; t < PUSHERS; t++)
    {
      g_free (pushers[t].token);
      g_free (pushers[t].device_id);
      g_hash_table_unref (pushers[t].acked);
    }
  test_server_free (busy);
}

/* The server killed while a chunk is half in: the bytes it wrote of that
 * chunk were never verified, and after the restart they do not count. */
typedef struct
{
  const char *dir;
  const char *sha256;
  gint64      min_size;
} PartialWait;

static char *
find_partial (const char *dir,
              const char *sha256)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  while (listing && (name = g_dir_read_name (listing)))
    if (g_str_has_prefix (name, sha256) && !g_str_has_suffix (name, ".offset"))
      return g_build_filename (dir, name, NULL);
  return NULL;
}

static gboolean
partial_grew_cb (gpointer user_data)
{
  PartialWait *wait = user_data;
  g_autofree char *path = find_partial (wait->dir, wait->sha256);
  GStatBuf st;

  return path != NULL && g_stat (path, &st) == 0 && st.st_size >= wait->min_size;
}

/* A connection that stalls in the middle of a chunk (an app killed while
 * its packets were under way, a dropped link) holds the upload until the
 * server lets it go. Meanwhile another PUT of the same blob by the same
 * account is 409 with Retry-After: body-timeout, so that a client waits
 * instead of sending its chunk again and again. */
static void
test_v2_busy_retry_after (void)
{
  g_autoptr(TestClient) ana = test_client_enrol (server, "ana");
  g_autoptr(GBytes) blob = tg_test_random_bytes (64 * 1024, g_test_rand_int ());
  g_autofree char *sha = tg_test_sha256_of (blob);
  g_autofree char *checksum = test_upload_checksum (g_bytes_get_data (blob, NULL), g_bytes_get_size (blob));
  g_autofree char *path = g_strdup_printf ("/api/v1/blobs/%s?offset=0", sha);
  g_autofree char *total = g_strdup_printf ("%" G_GSIZE_FORMAT, g_bytes_get_size (blob));
  g_autoptr(GSocketConnection) stalled = NULL;
  g_autoptr(GError) error = NULL;
  const char *wrong = "sha256 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  const char *headers[] = { "Upload-Length", total, "Upload-Checksum", wrong, NULL };
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  guint status = 0;

  push_blob_record (ana, sha, 1);

  /* The stalled request and the probing PUTs race for the upload: when a
   * probe holds it as the stalled headers arrive, the stalled request is
   * the one refused (its connection has an answer to read), and a new
   * one is sent. Bounded in count and time; each probe is a round trip. */
  for (guint i = 0; i < 500 && g_get_monotonic_time () < deadline && status != 409; i++)
    {
      g_autoptr(GBytes) body = g_bytes_new_from_bytes (blob, 0, 1024);
      g_autoptr(GBytes) reply = NULL;
      g_autoptr(SoupMessageHeaders) response_headers = NULL;

      if (stalled != NULL &&
          g_socket_condition_check (g_socket_connection_get_socket (stalled), G_IO_IN) != 0)
        g_clear_object (&stalled);
      if (stalled == NULL)
        {
          g_autofree char *head = NULL;

          stalled = raw_connect (ana);
          head = g_strdup_printf ("PUT %s HTTP/1.1\r\n"
                                  "Host: 127.0.0.1\r\n"
                                  "Authorization: Bearer %s\r\n"
                                  "Upload-Length: %s\r\n"
                                  "Upload-Checksum: %s\r\n"
                                  "Content-Length: %s\r\n\r\n",
                                  path, ana->token, total, checksum, total);
          g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (stalled)),
                                     head, strlen (head), NULL, NULL, &error);
          g_assert_no_error (error);
          /* half the chunk, then nothing */
          g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (stalled)),
                                     g_bytes_get_data (blob, NULL), g_bytes_get_size (blob) / 2,
                                     NULL, NULL, &error);
          g_assert_no_error (error);
        }

      /* a wrong checksum: 460 (kept nothing) while nobody holds the upload */
      reply = test_client_request (ana, "PUT", path, body, headers, &status, &response_headers, &error);
      g_assert_no_error (error);
      if (status == 460)
        continue;
      g_assert_cmpuint (status, ==, 409);
      g_assert_cmpstr (soup_message_headers_get_one (response_headers, "Retry-After"), ==, "10");
      g_assert_cmpstr (soup_message_headers_get_one (response_headers, "Upload-Offset"), ==, "0");
    }
  g_assert_cmpuint (status, ==, 409);
}

static void
test_crash_unverified_chunk (void)
{
  TestServer *crashy = test_server_new ("max-chunk-bytes=1048576\n");
  g_autoptr(TestClient) ana = NULL;
  g_autoptr(GBytes) blob = tg_test_random_bytes (3 * MAX_CHUNK, g_test_rand_int ());
  g_autofree char *sha = tg_test_sha256_of (blob);
  g_autofree char *partial_dir = NULL;
  g_autofree char *partial = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *head = NULL;
  g_autofree char *checksum = NULL;
  gsize size = g_bytes_get_size (blob);
  const guint8 *data = g_bytes_get_data (blob, NULL);
  PartialWait wait;
  gint64 offset = -1;
  guint status;
  GStatBuf st;

  test_server_start (crashy);
  test_server_add_user (crashy, "ana", "monitor");
  ana = test_client_enrol (crashy, "ana");
  push_blob_record (ana, sha, 1);
  g_assert_cmpuint (test_client_upload_slice (ana, sha, blob, 0, MAX_CHUNK, &offset, NULL), ==, 200);

  /* three quarters of the second chunk, the connection left open */
  connection = raw_connect (ana);
  checksum = test_upload_checksum (data + MAX_CHUNK, MAX_CHUNK);
  head = g_strdup_printf ("PUT /api/v1/blobs/%s?offset=%d HTTP/1.1\r\n"
                          "Host: 127.0.0.1\r\n"
                          "Authorization: Bearer %s\r\n"
                          "Upload-Length: %" G_GSIZE_FORMAT "\r\n"
                          "Upload-Checksum: %s\r\n"
                          "Content-Length: %d\r\n\r\n",
                          sha, MAX_CHUNK, ana->token, size, checksum, MAX_CHUNK);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             head, strlen (head), NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             data + MAX_CHUNK, 3 * MAX_CHUNK / 4, NULL, NULL, &error);
  g_assert_no_error (error);

  /* until the server has written some of it past the verified offset */
  partial_dir = g_build_filename (crashy->data_dir, "partial", NULL);
  wait = (PartialWait) { partial_dir, sha, MAX_CHUNK + MAX_CHUNK / 4 };
  tg_test_iterate_until (partial_grew_cb, &wait, 20000, "the server to write the unverified bytes");
  test_server_kill (crashy);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);

  test_server_start (crashy);
  test_client_reset (ana);
  /* the offset is the verified one, whatever the file held */
  g_assert_cmpint (query_offset (ana, sha, &status), ==, MAX_CHUNK);
  g_assert_cmpuint (status, ==, 200);
  partial = find_partial (partial_dir, sha);
  g_assert_nonnull (partial);
  g_assert_cmpint (g_stat (partial, &st), ==, 0);
  g_assert_cmpint (st.st_size, >, MAX_CHUNK);
  /* the next chunk goes on from there, and the blob is whole */
  g_assert_cmpuint (test_client_upload_slice (ana, sha, blob, MAX_CHUNK, MAX_CHUNK, &offset, NULL), ==, 200);
  g_assert_cmpint (offset, ==, 2 * MAX_CHUNK);
  g_assert_cmpuint (test_client_upload_slice (ana, sha, blob, 2 * MAX_CHUNK, MAX_CHUNK, &offset, NULL), ==, 201);
  assert_downloads (ana, sha, blob);
  g_clear_pointer (&ana, test_client_free);
  test_server_free (crashy);
}

static void
test_crash (void)
{
  TestServer *crashy = test_server_new ("rate-limit=100000\nrate-burst=100000\n");
  g_autoptr(TestClient) client = NULL;
  g_autoptr(GHashTable) acked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) created = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) pending = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GBytes) blob = tg_test_random_bytes (24 * 1024 * 1024, g_test_rand_int ());
  g_autofree char *sha = tg_test_sha256_of (blob);
  g_autofree char *record = g_uuid_string_random ();
  g_autofree char *last = NULL;
  gint64 device_seq = 0;
  gboolean blob_done = FALSE;
  guint rounds = 20, kills_in_push = 0, kills_in_upload = 0;
  GRand *rand = g_rand_new_with_seed (g_test_rand_int ());

  test_server_start (crashy);
  test_server_add_user (crashy, "ana", "monitor");
  client = test_client_enrol (crashy, "ana");

  /* the record that refers to the blob */
  {
    g_autofree char *content = content_with_blob ("Ayacucho", sha);
    TgRevision *first = test_revision_new (record, NULL, "report", client->device_id, ++device_seq, FALSE, content);
    g_ptr_array_add (created, g_object_ref (first));
    g_ptr_array_add (pending, first);
    last = g_strdup (tg_revision_get_id (first));
  }

  for (guint round = 0; round <= rounds; round++)
    {
      Killer killer = { test_server_get_pid (crashy), g_rand_int_range (rand, 5, 150) };
      GThread *thread = NULL;
      gboolean in_upload = FALSE;

      if (round < rounds)
        thread = g_thread_new ("killer", killer_thread, &killer);

      for (;;)
        {
          g_autofree char *body = NULL;
          g_autoptr(JsonNode) reply = NULL;
          g_autoptr(GBytes) request = NULL, response = NULL;
          g_autoptr(GError) error = NULL;
          guint status = 0;

          if (pending->len == 0 && (round < rounds || created->len < 40))
            for (guint i = 0; i < 5; i++)
              {
                g_autofree char *content = g_strdup_printf ("{\"title\":\"edit %" G_GINT64_FORMAT "\"}", device_seq);
                TgRevision *rev = test_revision_new (record, last, "report", client->device_id,
                                                 ++device_seq, FALSE, content);

                g_free (last);
                last = g_strdup (tg_revision_get_id (rev));
                g_ptr_array_add (created, g_object_ref (rev));
                g_ptr_array_add (pending, rev);
              }

          if (pending->len > 0)
            {
              in_upload = FALSE;
              body = test_push_body ((TgRevision **) pending->pdata, pending->len);
              request = g_bytes_new (body, strlen (body));
              response = test_client_request (client, "POST", "/api/v1/push", request, NULL, &status, NULL, &error);
              if (error != NULL || status != 200)
                break;
              {
                g_autoptr(JsonParser) parser = json_parser_new ();
                JsonArray *accepted;

                g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (response, NULL),
                                                           g_bytes_get_size (response), NULL));
                accepted = test_json_array (json_parser_get_root (parser), "accepted");
                g_assert_cmpuint (json_array_get_length (accepted), ==, pending->len);
                for (guint i = 0; i < json_array_get_length (accepted); i++)
                  {
                    JsonObject *a = json_array_get_object_element (accepted, i);
                    const char *id = json_object_get_string_member (a, "id");
                    gint64 seq = json_object_get_int_member (a, "seq");
                    gpointer known;

                    /* a retried revision keeps the seq it was first given */
                    if ((known = g_hash_table_lookup (acked, id)) != NULL)
                      g_assert_cmpint (GPOINTER_TO_SIZE (known), ==, seq);
                    g_hash_table_insert (acked, g_strdup (id), GSIZE_TO_POINTER (seq));
                  }
              }
              g_ptr_array_set_size (pending, 0);
            }

          if (!blob_done)
            {
              gint64 offset, new_offset = 0;
              gsize chunk;

              in_upload = TRUE;
              offset = query_offset (client, sha, &status);
              if (status != 200)
                break;
              chunk = MIN ((gsize) 128 * 1024, g_bytes_get_size (blob) - offset);
              status = test_client_upload_slice (client, sha, blob, offset, chunk, &new_offset, NULL);
              if (status == 201)
                blob_done = TRUE;
              else if (status != 200)
                break;
            }
          else if (pending->len == 0 && round == rounds && created->len >= 40)
            break;
        }

      if (thread != NULL)
        {
          g_thread_join (thread);
          test_server_kill (crashy);
          if (in_upload)
            kills_in_upload++;
          else
            kills_in_push++;
          test_server_start (crashy);
          test_client_reset (client);
        }
    }

  g_test_message ("crash test: %u kills during pushes, %u during uploads, %u revisions",
                  kills_in_push, kills_in_upload, created->len);
  g_assert_true (blob_done);
  g_assert_cmpuint (g_hash_table_size (acked), ==, created->len);

  /* nothing acknowledged lost, nothing duplicated, seqs unchanged */
  {
    g_autoptr(GPtrArray) pulled = pull_all (client);
    g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

    g_assert_cmpuint (pulled->len, ==, created->len);
    for (guint i = 0; i < pulled->len; i++)
      {
        const char *id = test_json_string (g_ptr_array_index (pulled, i), "id");

        g_assert_true (g_hash_table_add (seen, (gpointer) id));
        g_assert_cmpint (test_json_int (g_ptr_array_index (pulled, i), "server_seq"), ==,
                         GPOINTER_TO_SIZE (g_hash_table_lookup (acked, id)));
      }
  }
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/blobs/%s", sha);
    guint status;
    g_autoptr(GBytes) got = test_client_request (client, "GET", path, NULL, NULL, &status, NULL, NULL);

    g_assert_cmpuint (status, ==, 200);
    g_assert_true (g_bytes_equal (got, blob));
  }

  test_server_stop (crashy);
  {
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;

    g_assert_cmpint (sqlite3_open_v2 (crashy->db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
    sqlite3_finalize (stmt);
    g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA foreign_key_check", -1, &stmt, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
    sqlite3_finalize (stmt);
    sqlite3_close (db);
  }
  g_rand_free (rand);
  test_server_free (crashy);
}

/* A statement that cannot be prepared (here: a table dropped behind the
 * server's back) fails its request with a 500; the server goes on
 * serving instead of aborting. */
static void
test_broken_table (void)
{
  TestServer *broken = test_server_new (NULL);
  TestClient *ana;
  g_autofree char *record = g_uuid_string_random ();
  g_autofree char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "photo", -1);
  g_autofree char *content = g_strdup_printf ("{\"sources\":[{\"sha256\":\"%s\"}]}", sha);
  g_autoptr(TgRevision) plain = NULL;
  g_autoptr(TgRevision) with_blob = NULL;
  g_autoptr(JsonNode) ok = NULL;
  g_autoptr(JsonNode) failed = NULL;
  g_autoptr(JsonNode) page = NULL;
  g_autoptr(JsonNode) info = NULL;
  guint status = 0;

  test_server_start (broken);
  test_server_add_user (broken, "ana", "monitor");
  ana = test_client_enrol (broken, "ana");

  plain = test_revision_new (record, NULL, "report", ana->device_id, 1, FALSE, "{\"title\":\"Puno\"}");
  ok = test_client_push (ana, &plain, 1, &status);
  g_assert_cmpuint (status, ==, 200);

  /* the blob references' table goes; the server has not used it yet */
  {
    sqlite3 *db = NULL;

    g_assert_cmpint (sqlite3_open_v2 (broken->db_path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
    sqlite3_busy_timeout (db, 5000);
    g_assert_cmpint (sqlite3_exec (db, "DROP TABLE blob_refs", NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close (db);
  }

  with_blob = test_revision_new (record, tg_revision_get_id (plain), "report", ana->device_id, 2, FALSE, content);
  failed = test_client_push (ana, &with_blob, 1, &status);
  g_assert_cmpuint (status, ==, 500);

  /* still serving, and the failed push stored nothing */
  page = pull (ana, 0, 100, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpuint (json_array_get_length (test_json_array (page, "revisions")), ==, 1);
  g_assert_cmpint (test_json_int (page, "server_seq"), ==, 1);
  info = test_client_json (ana, "GET", "/api/v1/info", NULL, &status);
  g_assert_cmpuint (status, ==, 200);

  test_client_free (ana);
  /* and it stops cleanly on SIGTERM (exit status 0, not an abort) */
  test_server_free (broken);
}

/* incidents -------------------------------------------------------------- */

/* Minimal incident content: what the server reads of it is
 * members[].report (docs/data-model.md); the rest is the coordinator's. */
static char *
incident_content (const char *incident,
                  const char *title,
                  const char *report_a,
                  const char *report_b)
{
  g_autoptr(GString) text = g_string_new (NULL);

  g_string_append_printf (text, "{\"format\":\"testigo-incident-1\",\"id\":\"%s\",\"members\":[", incident);
  if (report_a)
    g_string_append_printf (text, "{\"report\":\"%s\",\"revision\":null,\"tombstoned\":false}", report_a);
  if (report_b)
    g_string_append_printf (text, "%s{\"report\":\"%s\",\"revision\":null,\"tombstoned\":false}",
                            report_a ? "," : "", report_b);
  g_string_append_printf (text, "],\"notes\":\"%s\"}", title);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static TgRevision *
push_one (TestClient *client,
          TgRevision *revision,
          guint       expected)
{
  guint status = 0;
  g_autoptr(JsonNode) reply = test_client_push (client, &revision, 1, &status);

  g_assert_cmpuint (status, ==, expected);
  if (expected == 200)
    g_assert_cmpuint (json_array_get_length (test_json_array (reply, "accepted")), ==, 1);
  return revision;
}

static guint
conflict_heads (TestClient *client,
                const char *record)
{
  guint status = 0;
  g_autoptr(JsonNode) reply = pull (client, 0, 100, &status);
  JsonArray *conflicts = test_json_array (reply, "conflicts");

  g_assert_cmpuint (status, ==, 200);
  for (guint i = 0; i < json_array_get_length (conflicts); i++)
    {
      JsonObject *conflict = json_array_get_object_element (conflicts, i);

      if (g_strcmp0 (json_object_get_string_member (conflict, "record"), record) == 0)
        return json_array_get_length (json_object_get_array_member (conflict, "heads"));
    }
  return 1;
}

/* Who pulls an incident: coordinators all of it; a monitor the revisions
 * that hold one of their reports, and the one that takes it out; nobody
 * else. Two coordinators editing from the same parent leave two heads,
 * both pulled by both, until a revision names both. */
static void
test_incident_visibility (void)
{
  g_autoptr(TestClient) ana = NULL, beto = NULL, dora = NULL, coco = NULL, cora = NULL;
  g_autofree char *ra = g_uuid_string_random (), *rb = g_uuid_string_random ();
  g_autofree char *incident = g_uuid_string_random (), *other = g_uuid_string_random ();
  g_autofree char *c1 = NULL, *c2 = NULL, *c3 = NULL, *c4a = NULL, *c4b = NULL, *c5 = NULL, *cj = NULL;
  g_autoptr(TgRevision) rev_a = NULL, rev_b = NULL, i1 = NULL, i2 = NULL, i3 = NULL, i4a = NULL,
                        i4b = NULL, i5 = NULL, j1 = NULL, forged = NULL;
  g_autoptr(GPtrArray) ana_sees = NULL, beto_sees = NULL, dora_sees = NULL, coco_sees = NULL, cora_sees = NULL;

  g_free (test_server_admin (server, NULL, "user", "add", "dora", "--role", "monitor", NULL));
  g_free (test_server_admin (server, NULL, "user", "add", "cora", "--role", "coordinator", NULL));
  ana = test_client_enrol (server, "ana");
  beto = test_client_enrol (server, "beto");
  dora = test_client_enrol (server, "dora");
  coco = test_client_enrol (server, "coco");
  cora = test_client_enrol (server, "cora");

  rev_a = push_one (ana, test_revision_new (ra, NULL, "report", ana->device_id, 1, FALSE, "{\"title\":\"Juliaca, ana\"}"), 200);
  rev_b = push_one (beto, test_revision_new (rb, NULL, "report", beto->device_id, 1, FALSE, "{\"title\":\"Juliaca, beto\"}"), 200);

  /* a monitor may not push an incident, even one holding their report */
  c1 = incident_content (incident, "merged", ra, rb);
  forged = push_one (ana, test_revision_new (incident, NULL, "incident", ana->device_id, 2, FALSE, c1), 403);

  /* i1 holds both reports; i2 takes ana's out; i3 is a later edit */
  i1 = push_one (coco, test_revision_new (incident, NULL, "incident", coco->device_id, 1, FALSE, c1), 200);
  c2 = incident_content (incident, "ana's report removed", NULL, rb);
  i2 = push_one (coco, test_revision_new (incident, tg_revision_get_id (i1), "incident", coco->device_id, 2, FALSE, c2), 200);
  c3 = incident_content (incident, "verified", NULL, rb);
  i3 = push_one (coco, test_revision_new (incident, tg_revision_get_id (i2), "incident", coco->device_id, 3, FALSE, c3), 200);
  /* another incident, of beto's report only */
  cj = incident_content (other, "other", rb, NULL);
  j1 = push_one (cora, test_revision_new (other, NULL, "incident", cora->device_id, 1, FALSE, cj), 200);

  ana_sees = pull_all (ana);
  beto_sees = pull_all (beto);
  dora_sees = pull_all (dora);
  g_assert_true (pulled_contains (ana_sees, tg_revision_get_id (i1)));
  g_assert_true (pulled_contains (ana_sees, tg_revision_get_id (i2)));   /* the one that took it out */
  g_assert_false (pulled_contains (ana_sees, tg_revision_get_id (i3)));
  g_assert_false (pulled_contains (ana_sees, tg_revision_get_id (j1)));
  g_assert_false (pulled_contains (ana_sees, tg_revision_get_id (rev_b)));  /* never another's report */
  g_assert_true (pulled_contains (beto_sees, tg_revision_get_id (i1)));
  g_assert_true (pulled_contains (beto_sees, tg_revision_get_id (i3)));
  g_assert_true (pulled_contains (beto_sees, tg_revision_get_id (j1)));
  g_assert_false (pulled_contains (beto_sees, tg_revision_get_id (rev_a)));
  g_assert_cmpuint (dora_sees->len, ==, 0);                            /* nothing of hers in any */

  /* two coordinators edit i3 at once: both kept, two heads for both */
  c4a = incident_content (incident, "coco: verified", NULL, rb);
  c4b = incident_content (incident, "cora: disputed", NULL, rb);
  i4a = push_one (coco, test_revision_new (incident, tg_revision_get_id (i3), "incident", coco->device_id, 4, FALSE, c4a), 200);
  i4b = push_one (cora, test_revision_new (incident, tg_revision_get_id (i3), "incident", cora->device_id, 2, FALSE, c4b), 200);
  coco_sees = pull_all (coco);
  cora_sees = pull_all (cora);
  g_assert_true (pulled_contains (coco_sees, tg_revision_get_id (i4b)));
  g_assert_true (pulled_contains (cora_sees, tg_revision_get_id (i4a)));
  g_assert_cmpuint (conflict_heads (coco, incident), ==, 2);
  g_assert_cmpuint (conflict_heads (cora, incident), ==, 2);
  g_assert_cmpuint (conflict_heads (beto, incident), ==, 2);

  /* a resolution names both heads: one head again */
  {
    const char *parents[] = { tg_revision_get_id (i4a), tg_revision_get_id (i4b), NULL };

    c5 = incident_content (incident, "resolved", NULL, rb);
    i5 = push_one (cora, tg_revision_new (incident, "incident", parents, cora->device_id, 3,
                                          g_get_real_time (), FALSE, c5), 200);
  }
  g_assert_cmpuint (conflict_heads (coco, incident), ==, 1);
  g_clear_pointer (&beto_sees, g_ptr_array_unref);
  beto_sees = pull_all (beto);
  g_assert_true (pulled_contains (beto_sees, tg_revision_get_id (i5)));
  g_clear_pointer (&ana_sees, g_ptr_array_unref);
  ana_sees = pull_all (ana);
  g_assert_false (pulled_contains (ana_sees, tg_revision_get_id (i5)));
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);

  server = test_server_new ("max-body-bytes=262144\n"
                            "max-string-bytes=65536\n"
                            "max-batch=20\n"
                            "max-pull=100\n"
                            "max-blob-bytes=4194304\n"
                            "max-chunk-bytes=1048576\n"
                            "rate-limit=10000\n"
                            "rate-burst=10000\n");
  test_server_start (server);
  test_server_add_users (server);

  g_test_add_func ("/server/info", test_info);
  g_test_add_func ("/server/tls/pinning", test_pinning);
  g_test_add_func ("/server/enrol/codes", test_enrol_codes);
  g_test_add_func ("/server/auth/revoke", test_auth_and_revoke);
  g_test_add_func ("/server/sync/push-pull", test_push_pull);
  g_test_add_func ("/server/sync/conflict", test_conflict);
  g_test_add_func ("/server/roles/matrix", test_roles);
  g_test_add_func ("/server/roles/incidents", test_incident_visibility);
  g_test_add_func ("/server/blobs/resumable", test_resumable_upload);
  g_test_add_func ("/server/blobs/refusals", test_upload_refusals);
  g_test_add_func ("/server/blobs/v2/checksum-mismatch", test_v2_checksum_mismatch);
  g_test_add_func ("/server/blobs/v2/mismatch-wire", test_v2_mismatch_wire);
  g_test_add_func ("/server/blobs/v2/cut-mid-chunk", test_v2_cut_mid_chunk);
  g_test_add_func ("/server/blobs/v2/old-client", test_v2_old_client);
  g_test_add_func ("/server/blobs/v2/busy-retry-after", test_v2_busy_retry_after);
  g_test_add_func ("/server/blobs/v2/oversized-chunk", test_v2_oversized_chunk);
  g_test_add_func ("/server/blobs/v2/multi-chunk", test_v2_multi_chunk);
  g_test_add_func ("/server/limits/hostile-json", test_hostile_json);
  g_test_add_func ("/server/limits/sizes", test_limits);
  g_test_add_func ("/server/limits/rate-and-timeout", test_rate_limit);
  g_test_add_func ("/server/admin/commands", test_admin);
  g_test_add_func ("/server/sync/concurrent-checkpoint", test_concurrent_checkpoint);
  g_test_add_func ("/server/crash/sigkill", test_crash);
  g_test_add_func ("/server/crash/unverified-chunk", test_crash_unverified_chunk);
  g_test_add_func ("/server/crash/broken-table", test_broken_table);

  ret = g_test_run ();
  test_server_free (server);
  return ret;
}
