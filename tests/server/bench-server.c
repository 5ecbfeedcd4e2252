/* bench-server.c — throughput and latency of the real testigo-server
 *
 * Built, not run by the suite. Run: build/tests/server/bench-server [MiB]
 *   1. push then pull 10,000 revisions (target < 5 s together)
 *   2. 100 devices at once, 50 small batches each (p50/p99, target
 *      p99 < 250 ms, zero errors): one thread per device in this process,
 *      each with its own keep-alive TLS connection (GnuTLS directly, the
 *      certificate pinned), run twice: "cold", where the first request of
 *      each device pays its connection and TLS handshake and all 100 start
 *      together, and "warm", where each device first connects and makes one
 *      un-timed request. BENCH_CURL=1 adds the same load from 100 curl
 *      processes, BENCH_LIBSOUP=1 from one libsoup session (slow: see
 *      docs/server.md).
 *   3. a blob upload (default 1024 MiB) by libsoup and by curl to the same
 *      server (target ≥ 80 % of curl's rate), in rounds whose order
 *      alternates; each with the CPU time of the client and the server
 *   4. a blob (default 64 MiB) in chunks (default 1 MiB), one PUT per
 *      chunk on one keep-alive connection, each with its Upload-Checksum
 *      (sync protocol 2): the cost of checking every chunk.
 *      BENCH_CHUNKED_MIB and BENCH_CHUNK_KIB change the sizes;
 *      BENCH_ONLY_CHUNKED=1 runs only this part (and 5).
 *   5. the server's peak memory (VmHWM)
 * Figures are in docs/server.md.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "bench-server"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <glib/gstdio.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "tg-revision.h"
#include "test-server-fixture.h"

#define N_REVISIONS 10000
#define MAX_DEVICES 1000
static guint N_DEVICES = 100;
#define N_BATCHES   50
#define BATCH_SMALL 5

static char *
batch_body (GPtrArray *revisions,
            guint      from,
            guint      n)
{
  GString *out = g_string_new ("{\"revisions\":[");

  for (guint i = from; i < from + n; i++)
    {
      g_autoptr(JsonNode) node = tg_revision_to_json (g_ptr_array_index (revisions, i));
      g_autofree char *text = json_to_string (node, FALSE);

      if (i > from)
        g_string_append_c (out, ',');
      g_string_append (out, text);
    }
  g_string_append (out, "]}");
  return g_string_free (out, FALSE);
}

static GPtrArray *
make_revisions (const char *device,
                guint       n,
                guint       per_record)
{
  GPtrArray *revisions = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *record = NULL;
  const char *parent = NULL;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *content = NULL;
      const char *parents[] = { parent, NULL };
      TgRevision *rev;

      if (i % per_record == 0)
        {
          g_free (record);
          record = tg_record_id_new ();
          parent = NULL;
        }
      content = g_strdup_printf ("{\"title\":\"Marcha en Juliaca %u\",\"narrative\":\"Testimonio recogido en la plaza; "
                                 "varios heridos por perdigones y gases lacrimógenos.\",\"latitude\":-15.49,"
                                 "\"longitude\":-70.13,\"killed\":%u,\"injured\":%u,\"sources\":[]}", i, i % 3, i % 17);
      rev = tg_revision_new (record, "report", parent ? parents : NULL, device, i + 1,
                             g_get_real_time (), FALSE, content);
      parent = tg_revision_get_id (rev);
      g_ptr_array_add (revisions, rev);
    }
  return revisions;
}

static guint
post (TestClient *client,
      const char *path,
      const char *body)
{
  g_autoptr(GBytes) request = g_bytes_new (body, strlen (body));
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint status = 0;

  reply = test_client_request (client, "POST", path, request, NULL, &status, NULL, &error);
  return error ? 0 : status;
}

/* 1 ------------------------------------------------------------------------ */

static void
bench_push_pull (TestServer *server,
                 TestClient *client)
{
  g_autoptr(GPtrArray) revisions = make_revisions (client->device_id, N_REVISIONS, 5);
  gint64 t0, t1, t2, since = 0;
  guint pulled = 0;
  gboolean more = TRUE;

  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < N_REVISIONS; i += 1000)
    {
      g_autofree char *body = batch_body (revisions, i, 1000);
      guint status = post (client, "/api/v1/push", body);

      if (status != 200)
        g_error ("push failed: %u", status);
    }
  t1 = g_get_monotonic_time ();
  while (more)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/pull?since=%" G_GINT64_FORMAT "&limit=1000", since);
      guint status;
      g_autoptr(JsonNode) reply = test_client_json (client, "GET", path, NULL, &status);

      g_assert_cmpuint (status, ==, 200);
      pulled += json_array_get_length (test_json_array (reply, "revisions"));
      since = test_json_int (reply, "next");
      more = json_object_get_boolean_member (json_node_get_object (reply), "more");
    }
  t2 = g_get_monotonic_time ();
  g_assert_cmpuint (pulled, >=, N_REVISIONS);

  g_print ("push %u revisions (batches of 1000): %.2f s\n", N_REVISIONS, (t1 - t0) / 1e6);
  g_print ("pull %u revisions (pages of 1000):   %.2f s\n", pulled, (t2 - t1) / 1e6);
  g_print ("push + pull:                          %.2f s (target < 5 s)\n", (t2 - t0) / 1e6);
}

/* 2 ------------------------------------------------------------------------ */

/* The devices run as concurrent async requests on one main loop, the way
 * the desktop client talks to the server. */
typedef struct
{
  TestClient *client;
  GPtrArray  *revisions;
  gint64     *latencies;   /* N_BATCHES */
  guint       errors;
  guint       batch;
  gint64      started;
} Device;

static SoupSession *shared_session;
static guint running;
static GMainLoop *loop;

static void send_batch (Device *device);

static void
batch_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Device *device = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (shared_session, result);
  g_autoptr(GBytes) reply = soup_session_send_and_read_finish (shared_session, result, NULL);

  device->latencies[device->batch] = g_get_monotonic_time () - device->started;
  if (reply == NULL || soup_message_get_status (msg) != 200)
    device->errors++;
  /* from an idle: inside this callback the connection is not yet back in
   * the pool, and libsoup would open a new one for the next request */
  if (++device->batch < N_BATCHES)
    g_idle_add_once ((GSourceOnceFunc) send_batch, device);
  else if (--running == 0)
    g_main_loop_quit (loop);
}

static void
send_batch (Device *device)
{
  g_autofree char *uri = g_strconcat (device->client->server->base_uri, "/api/v1/push", NULL);
  g_autofree char *auth = g_strconcat ("Bearer ", device->client->token, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", uri);
  char *text = batch_body (device->revisions, device->batch * BATCH_SMALL, BATCH_SMALL);
  g_autoptr(GBytes) bytes = g_bytes_new_take (text, strlen (text));

  test_client_pin (device->client, msg);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  device->started = g_get_monotonic_time ();
  soup_session_send_and_read_async (shared_session, msg, G_PRIORITY_DEFAULT, NULL, batch_done_cb, device);
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

static void
bench_concurrent (TestServer *server)
{
  Device devices[MAX_DEVICES];
  g_autofree gint64 *all = g_new (gint64, N_DEVICES * N_BATCHES);
  guint errors = 0;
  gint64 t0, t1;

  for (guint i = 0; i < N_DEVICES; i++)
    {
      g_autofree char *user = g_strdup_printf ("monitor%u", i % 10);

      if (i < 10)
        test_server_add_user (server, user, "monitor");
      devices[i].client = test_client_enrol (server, user);
      devices[i].revisions = make_revisions (devices[i].client->device_id, N_BATCHES * BATCH_SMALL, 10);
      devices[i].latencies = all + i * N_BATCHES;
      devices[i].errors = 0;
      devices[i].batch = 0;
    }

  shared_session = soup_session_new_with_options ("max-conns", 1000, "max-conns-per-host", 1000,
                                                  "timeout", 60, NULL);
  loop = g_main_loop_new (NULL, FALSE);
  running = N_DEVICES;
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < N_DEVICES; i++)
    send_batch (&devices[i]);
  g_main_loop_run (loop);
  t1 = g_get_monotonic_time ();
  for (guint i = 0; i < N_DEVICES; i++)
    errors += devices[i].errors;

  qsort (all, N_DEVICES * N_BATCHES, sizeof (gint64), compare_gint64);
  g_print ("%u devices x %u batches of %u: %.2f s, p50 %.1f ms, p99 %.1f ms, max %.1f ms, errors %u "
           "(target p99 < 250 ms, 0 errors)\n",
           N_DEVICES, N_BATCHES, BATCH_SMALL, (t1 - t0) / 1e6,
           all[N_DEVICES * N_BATCHES / 2] / 1e3, all[N_DEVICES * N_BATCHES * 99 / 100] / 1e3,
           all[N_DEVICES * N_BATCHES - 1] / 1e3, errors);

  for (guint i = 0; i < N_DEVICES; i++)
    {
      test_client_free (devices[i].client);
      g_ptr_array_unref (devices[i].revisions);
    }
  g_clear_object (&shared_session);
  g_clear_pointer (&loop, g_main_loop_unref);
}

/* The same load from threads of this process, one per device, each with one
 * keep-alive TLS connection driven by GnuTLS directly: the client costs a
 * few microseconds of CPU per request, so the figure is the server's. */
typedef struct
{
  TestServer    *server;
  TestClient    *client;
  GPtrArray     *bodies;      /* N_BATCHES request texts, headers included */
  gint64        *latencies;   /* N_BATCHES */
  gint64         connect_us;  /* TCP connect + TLS handshake */
  guint          errors;
  gboolean       warm;
  int            fd;
  gnutls_session_t session;
} TlsDevice;

static gnutls_certificate_credentials_t tls_credentials;
static GMutex start_mutex;
static GCond start_cond;
static guint n_ready;
static gboolean started;

static char *
cert_fingerprint (gnutls_session_t session)
{
  unsigned int n = 0;
  const gnutls_datum_t *chain = gnutls_certificate_get_peers (session, &n);
  guint8 digest[32];
  GString *out;

  if (chain == NULL || n == 0 ||
      gnutls_hash_fast (GNUTLS_DIG_SHA256, chain[0].data, chain[0].size, digest) < 0)
    return NULL;
  out = g_string_new (NULL);
  for (guint i = 0; i < sizeof digest; i++)
    g_string_append_printf (out, i ? ":%02X" : "%02X", digest[i]);
  return g_string_free (out, FALSE);
}

static gboolean
tls_connect (TlsDevice *device)
{
  g_autoptr(GUri) uri = g_uri_parse (device->server->base_uri, G_URI_FLAGS_NONE, NULL);
  g_autofree char *fingerprint = NULL;
  struct sockaddr_in addr = { 0 };
  int one = 1, rc;

  addr.sin_family = AF_INET;
  addr.sin_port = htons (g_uri_get_port (uri));
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  device->fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (device->fd < 0 || connect (device->fd, (struct sockaddr *) &addr, sizeof addr) != 0)
    return FALSE;
  setsockopt (device->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  gnutls_init (&device->session, GNUTLS_CLIENT);
  gnutls_set_default_priority (device->session);
  gnutls_credentials_set (device->session, GNUTLS_CRD_CERTIFICATE, tls_credentials);
  gnutls_server_name_set (device->session, GNUTLS_NAME_DNS, "localhost", strlen ("localhost"));
  gnutls_transport_set_int (device->session, device->fd);
  gnutls_handshake_set_timeout (device->session, GNUTLS_DEFAULT_HANDSHAKE_TIMEOUT);
  do
    rc = gnutls_handshake (device->session);
  while (rc < 0 && gnutls_error_is_fatal (rc) == 0);
  if (rc < 0)
    {
      g_printerr ("TLS handshake: %s\n", gnutls_strerror (rc));
      return FALSE;
    }
  /* pinned, as the desktop client does */
  fingerprint = cert_fingerprint (device->session);
  return g_strcmp0 (fingerprint, device->server->fingerprint) == 0;
}

static gboolean
tls_send_all (TlsDevice  *device,
              const char *data,
              gsize       length)
{
  while (length > 0)
    {
      ssize_t n = gnutls_record_send (device->session, data, length);

      if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      length -= n;
    }
  return TRUE;
}

/* One HTTP/1.1 response on a keep-alive connection; its status, or 0. */
static guint
tls_read_response (TlsDevice *device)
{
  char buf[16384];
  gsize have = 0;
  const char *end = NULL, *cl;
  gsize header_len, content_length = 0;
  guint status = 0;

  while (end == NULL)
    {
      ssize_t n;

      if (have == sizeof buf - 1)
        return 0;
      n = gnutls_record_recv (device->session, buf + have, sizeof buf - 1 - have);
      if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
        continue;
      if (n <= 0)
        return 0;
      have += n;
      buf[have] = '\0';
      end = strstr (buf, "\r\n\r\n");
    }
  header_len = end + 4 - buf;
  if (sscanf (buf, "HTTP/1.1 %u", &status) != 1)
    return 0;
  cl = g_strstr_len (buf, header_len, "Content-Length: ");
  if (cl == NULL)
    cl = g_strstr_len (buf, header_len, "content-length: ");
  if (cl != NULL)
    content_length = g_ascii_strtoull (cl + strlen ("Content-Length: "), NULL, 10);
  if (content_length > sizeof buf - 1 - header_len)
    return 0;
  while (have < header_len + content_length)
    {
      ssize_t n = gnutls_record_recv (device->session, buf + have, header_len + content_length - have);

      if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
        continue;
      if (n <= 0)
        return 0;
      have += n;
    }
  return status;
}

static guint
tls_request (TlsDevice  *device,
             const char *request)
{
  if (!tls_send_all (device, request, strlen (request)))
    return 0;
  return tls_read_response (device);
}

static gpointer
tls_device_thread (gpointer data)
{
  TlsDevice *device = data;
  gboolean connected = FALSE;
  gint64 t0;

  if (device->warm)
    {
      g_autofree char *info = g_strdup_printf ("GET /api/v1/info HTTP/1.1\r\nHost: localhost\r\n\r\n");

      connected = tls_connect (device) && tls_request (device, info) == 200;
    }

  g_mutex_lock (&start_mutex);
  n_ready++;
  g_cond_broadcast (&start_cond);
  while (!started)
    g_cond_wait (&start_cond, &start_mutex);
  g_mutex_unlock (&start_mutex);

  for (guint b = 0; b < N_BATCHES; b++)
    {
      guint status = 0;

      t0 = g_get_monotonic_time ();
      if (!connected)
        {
          /* a device that reconnects pays the handshake in its request */
          if (device->session)
            {
              gnutls_deinit (device->session);
              device->session = NULL;
              close (device->fd);
            }
          connected = tls_connect (device);
          device->connect_us = g_get_monotonic_time () - t0;
        }
      if (connected)
        status = tls_request (device, g_ptr_array_index (device->bodies, b));
      device->latencies[b] = g_get_monotonic_time () - t0;
      if (status != 200)
        {
          device->errors++;
          connected = FALSE;
        }
    }
  if (device->session)
    {
      gnutls_bye (device->session, GNUTLS_SHUT_WR);
      gnutls_deinit (device->session);
      close (device->fd);
    }
  return NULL;
}

static void
bench_concurrent_threads (TestServer  *server,
                          TestClient **clients,
                          gboolean     warm)
{
  g_autofree TlsDevice *devices = g_new0 (TlsDevice, N_DEVICES);
  g_autofree GThread **threads = g_new0 (GThread *, N_DEVICES);
  g_autofree gint64 *all = g_new (gint64, N_DEVICES * N_BATCHES);
  g_autofree gint64 *first = g_new (gint64, N_DEVICES);
  g_autofree gint64 *connects = g_new (gint64, N_DEVICES);
  guint errors = 0, n_connects = 0;
  gint64 t0, t1;
  struct rusage before, after;

  for (guint i = 0; i < N_DEVICES; i++)
    {
      g_autoptr(GPtrArray) revisions = make_revisions (clients[i]->device_id, N_BATCHES * BATCH_SMALL, 10);

      devices[i].server = server;
      devices[i].client = clients[i];
      devices[i].warm = warm;
      devices[i].latencies = all + i * N_BATCHES;
      devices[i].bodies = g_ptr_array_new_with_free_func (g_free);
      for (guint b = 0; b < N_BATCHES; b++)
        {
          g_autofree char *body = batch_body (revisions, b * BATCH_SMALL, BATCH_SMALL);

          g_ptr_array_add (devices[i].bodies,
                           g_strdup_printf ("POST /api/v1/push HTTP/1.1\r\n"
                                            "Host: localhost\r\n"
                                            "Authorization: Bearer %s\r\n"
                                            "Content-Type: application/json\r\n"
                                            "Content-Length: %zu\r\n\r\n%s",
                                            clients[i]->token, strlen (body), body));
        }
    }

  n_ready = 0;
  started = FALSE;
  for (guint i = 0; i < N_DEVICES; i++)
    threads[i] = g_thread_new ("device", tls_device_thread, &devices[i]);
  g_mutex_lock (&start_mutex);
  while (n_ready < N_DEVICES)
    g_cond_wait (&start_cond, &start_mutex);
  getrusage (RUSAGE_SELF, &before);
  t0 = g_get_monotonic_time ();
  started = TRUE;
  g_cond_broadcast (&start_cond);
  g_mutex_unlock (&start_mutex);
  for (guint i = 0; i < N_DEVICES; i++)
    g_thread_join (threads[i]);
  t1 = g_get_monotonic_time ();
  getrusage (RUSAGE_SELF, &after);

  for (guint i = 0; i < N_DEVICES; i++)
    {
      errors += devices[i].errors;
      first[i] = devices[i].latencies[0];
      if (devices[i].connect_us > 0)
        connects[n_connects++] = devices[i].connect_us;
      g_ptr_array_unref (devices[i].bodies);
    }
  qsort (all, N_DEVICES * N_BATCHES, sizeof (gint64), compare_gint64);
  qsort (first, N_DEVICES, sizeof (gint64), compare_gint64);
  qsort (connects, n_connects, sizeof (gint64), compare_gint64);
  g_print ("threads, %s: %u devices x %u batches of %u: %.2f s, p50 %.1f ms, p99 %.1f ms, max %.1f ms, "
           "errors %u (target p99 < 250 ms, 0 errors)\n",
           warm ? "warm (connected first, un-timed)" : "cold (handshake in the first request)",
           N_DEVICES, N_BATCHES, BATCH_SMALL, (t1 - t0) / 1e6,
           all[N_DEVICES * N_BATCHES / 2] / 1e3, all[N_DEVICES * N_BATCHES * 99 / 100] / 1e3,
           all[N_DEVICES * N_BATCHES - 1] / 1e3, errors);
  g_print ("  first request of each device: p50 %.1f ms, max %.1f ms",
           first[N_DEVICES / 2] / 1e3, first[N_DEVICES - 1] / 1e3);
  if (n_connects > 0)
    g_print ("; connect + handshake p50 %.1f ms, max %.1f ms",
             connects[n_connects / 2] / 1e3, connects[n_connects - 1] / 1e3);
  g_print ("; client CPU %.2f s\n",
           (after.ru_utime.tv_sec - before.ru_utime.tv_sec + after.ru_stime.tv_sec - before.ru_stime.tv_sec) +
           (after.ru_utime.tv_usec - before.ru_utime.tv_usec + after.ru_stime.tv_usec - before.ru_stime.tv_usec) / 1e6);
}

static void
bench_concurrent_tls (TestServer *server)
{
  g_autofree TestClient **clients = g_new0 (TestClient *, N_DEVICES);

  gnutls_global_init ();
  gnutls_certificate_allocate_credentials (&tls_credentials);
  for (guint i = 0; i < N_DEVICES; i++)
    {
      g_autofree char *user = g_strdup_printf ("thread%u", i % 10);

      if (i < 10)
        test_server_add_user (server, user, "monitor");
      clients[i] = test_client_enrol (server, user);
    }
  bench_concurrent_threads (server, clients, FALSE);
  bench_concurrent_threads (server, clients, TRUE);
  for (guint i = 0; i < N_DEVICES; i++)
    test_client_free (clients[i]);
  gnutls_certificate_free_credentials (tls_credentials);
}

/* The same load from 100 curl processes (one keep-alive connection each):
 * the server's latency without libsoup's client connection pool, which in
 * this setup opened a new TLS connection for most requests. */
static void
bench_concurrent_curl (TestServer *server)
{
  GPtrArray *procs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree gint64 *all = g_new0 (gint64, N_DEVICES * N_BATCHES);
  g_autofree gint64 *warm = g_new0 (gint64, N_DEVICES * N_BATCHES);
  guint n = 0, n_warm = 0, errors = 0;
  gint64 t0, t1;

  for (guint i = 0; i < N_DEVICES; i++)
    {
      g_autofree char *user = g_strdup_printf ("curl%u", i % 10);
      TestClient *client;
      g_autoptr(GPtrArray) revisions = NULL;
      g_autofree char *config_path = g_strdup_printf ("%s/curl-%u.conf", server->dir, i);
      GString *config = g_string_new (NULL);
      g_autoptr(GError) error = NULL;
      GSubprocess *proc;

      if (i < 10)
        test_server_add_user (server, user, "monitor");
      client = test_client_enrol (server, user);
      revisions = make_revisions (client->device_id, N_BATCHES * BATCH_SMALL, 10);
      for (guint b = 0; b < N_BATCHES; b++)
        {
          g_autofree char *body = batch_body (revisions, b * BATCH_SMALL, BATCH_SMALL);
          g_autofree char *body_path = g_strdup_printf ("%s/curl-%u-%u.json", server->dir, i, b);

          g_file_set_contents (body_path, body, -1, NULL);
          if (b > 0)
            g_string_append (config, "next\n");
          g_string_append_printf (config,
                                  "url = \"%s/api/v1/push\"\n"
                                  "insecure\nsilent\n"
                                  "header = \"Authorization: Bearer %s\"\n"
                                  "header = \"Content-Type: application/json\"\n"
                                  "data-binary = \"@%s\"\n"
                                  "output = \"/dev/null\"\n"
                                  "write-out = \"%%{http_code} %%{time_total} %%{time_appconnect}\\n\"\n",
                                  server->base_uri, client->token, body_path);
        }
      g_file_set_contents (config_path, config->str, -1, NULL);
      g_string_free (config, TRUE);
      test_client_free (client);

      proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "curl", "-K", config_path, NULL);
      g_assert_no_error (error);
      g_ptr_array_add (procs, proc);
      /* started later, all at once: hold them by stopping here */
      g_subprocess_send_signal (proc, SIGSTOP);
    }

  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < procs->len; i++)
    g_subprocess_send_signal (g_ptr_array_index (procs, i), SIGCONT);
  for (guint i = 0; i < procs->len; i++)
    {
      g_autofree char *out = NULL;
      g_auto(GStrv) lines = NULL;

      g_subprocess_communicate_utf8 (g_ptr_array_index (procs, i), NULL, NULL, &out, NULL, NULL);
      lines = g_strsplit (out ? out : "", "\n", -1);
      for (guint l = 0; lines[l] && *lines[l]; l++)
        {
          if (!g_str_has_prefix (lines[l], "200 "))
            errors++;
          if (n < N_DEVICES * N_BATCHES)
            {
              char *end = NULL;
              double total = g_ascii_strtod (lines[l] + 4, &end);
              double connect = end ? g_ascii_strtod (end, NULL) : 0;

              all[n++] = (gint64) (total * 1e6);
              /* requests on an established connection (no TLS handshake) */
              if (connect == 0)
                warm[n_warm++] = (gint64) (total * 1e6);
            }
        }
    }
  t1 = g_get_monotonic_time ();
  errors += N_DEVICES * N_BATCHES - n;

  qsort (all, n, sizeof (gint64), compare_gint64);
  g_print ("curl: %u devices x %u batches of %u: %.2f s, p50 %.1f ms, p99 %.1f ms, max %.1f ms, errors %u "
           "(target p99 < 250 ms, 0 errors)\n",
           N_DEVICES, N_BATCHES, BATCH_SMALL, (t1 - t0) / 1e6,
           all[n / 2] / 1e3, all[n * 99 / 100] / 1e3, all[n ? n - 1 : 0] / 1e3, errors);
  qsort (warm, n_warm, sizeof (gint64), compare_gint64);
  if (n_warm > 0)
    g_print ("curl, %u requests on open connections (no handshake): p50 %.1f ms, p99 %.1f ms\n",
             n_warm, warm[n_warm / 2] / 1e3, warm[n_warm * 99 / 100] / 1e3);
  g_ptr_array_unref (procs);
}

/* 3 ------------------------------------------------------------------------ */

static char *
write_random_file (const char *dir,
                   const char *name,
                   gsize       mib)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint32 *buf = g_new (guint32, 256 * 1024);
  GRand *rand = g_rand_new ();
  FILE *f = fopen (path, "wb");

  g_assert_nonnull (f);
  for (gsize m = 0; m < mib; m++)
    {
      for (guint i = 0; i < 256 * 1024; i++)
        buf[i] = g_rand_int (rand);
      g_assert_cmpuint (fwrite (buf, 1, 1 << 20, f), ==, 1 << 20);
      g_checksum_update (checksum, (const guint8 *) buf, 1 << 20);
    }
  fclose (f);
  g_rand_free (rand);
  return g_strdup (g_checksum_get_string (checksum));
}

/* CPU seconds (user + system) of a process so far */
static double
process_cpu (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *stat = NULL;
  const char *p;
  unsigned long utime = 0, stime = 0;

  if (!g_file_get_contents (path, &stat, NULL, NULL) || !(p = strrchr (stat, ')')))
    return 0;
  /* after the command: state ppid pgrp session tty tpgid flags minflt
   * cminflt majflt cmajflt utime stime */
  if (sscanf (p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
    return 0;
  return (double) (utime + stime) / sysconf (_SC_CLK_TCK);
}

static double
self_cpu (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static double
children_cpu (void)
{
  struct rusage usage;

  getrusage (RUSAGE_CHILDREN, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

/* The Upload-Checksum of a whole blob sent in one request: its own name */
static char *
whole_checksum (const char *sha)
{
  guint8 digest[32];
  g_autofree char *b64 = NULL;

  for (guint i = 0; i < sizeof digest; i++)
    digest[i] = g_ascii_xdigit_value (sha[2 * i]) << 4 | g_ascii_xdigit_value (sha[2 * i + 1]);
  b64 = g_base64_encode (digest, sizeof digest);
  return g_strconcat ("sha256 ", b64, NULL);
}

static double
upload_libsoup (TestClient *client,
                const char *path,
                const char *sha,
                gsize       size)
{
  g_autofree char *uri = g_strdup_printf ("%s/api/v1/blobs/%s?offset=0", client->server->base_uri, sha);
  g_autoptr(SoupMessage) msg = soup_message_new ("PUT", uri);
  /* mapped, not read: libsoup then writes large TLS records instead of
   * the 8 KiB reads of a GInputStream body, and memory stays page cache */
  g_autoptr(GMappedFile) mapped = g_mapped_file_new (path, FALSE, NULL);
  g_autoptr(GBytes) bytes = g_mapped_file_get_bytes (mapped);
  g_autofree char *auth = g_strconcat ("Bearer ", client->token, NULL);
  g_autofree char *length = g_strdup_printf ("%" G_GSIZE_FORMAT, size);
  g_autofree char *checksum = whole_checksum (sha);
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GError) error = NULL;
  gint64 t0;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Upload-Length", length);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Upload-Checksum", checksum);
  soup_message_set_request_body_from_bytes (msg, "application/octet-stream", bytes);
  test_client_pin (client, msg);

  t0 = g_get_monotonic_time ();
  reply = soup_session_send_and_read (client->session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 201);
  return (g_get_monotonic_time () - t0) / 1e6;
}

static double
upload_curl (TestClient *client,
             const char *path,
             const char *sha,
             gsize       size)
{
  g_autofree char *uri = g_strdup_printf ("%s/api/v1/blobs/%s?offset=0", client->server->base_uri, sha);
  g_autofree char *auth = g_strconcat ("Authorization: Bearer ", client->token, NULL);
  g_autofree char *length = g_strdup_printf ("Upload-Length: %" G_GSIZE_FORMAT, size);
  g_autofree char *whole = whole_checksum (sha);
  g_autofree char *checksum = g_strconcat ("Upload-Checksum: ", whole, NULL);
  g_autofree char *out = NULL;
  const char *argv[] = { "curl", "-sS", "-k", "-T", path, "-H", auth, "-H", length, "-H", checksum,
                         "-H", "Expect:", "-o", "/dev/null", "-w", "%{http_code}", uri, NULL };
  g_autoptr(GError) error = NULL;
  int wait_status;
  gint64 t0 = g_get_monotonic_time ();

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL, &wait_status, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, "201");
  return (g_get_monotonic_time () - t0) / 1e6;
}

/* The file's variant @k: its first 8 bytes are @k, so each upload is of a
 * blob the server does not have yet. Returns its SHA-256. */
static char *
make_variant (const char *path,
              guint64     k)
{
  g_autoptr(GMappedFile) mapped = NULL;
  guint8 digest[32];
  GString *hex = g_string_new (NULL);
  int fd = open (path, O_WRONLY);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pwrite (fd, &k, sizeof k, 0), ==, sizeof k);
  close (fd);
  mapped = g_mapped_file_new (path, FALSE, NULL);
  g_assert_nonnull (mapped);
  gnutls_hash_fast (GNUTLS_DIG_SHA256, g_mapped_file_get_contents (mapped),
                    g_mapped_file_get_length (mapped), digest);
  for (guint i = 0; i < sizeof digest; i++)
    g_string_append_printf (hex, "%02x", digest[i]);
  return g_string_free (hex, FALSE);
}

/* Rounds of one curl upload and one libsoup upload of the same size, the
 * order alternating, so a slow moment of the shared machine does not fall
 * on one client only. BENCH_UPLOAD_ROUNDS (default 3). */
static void
bench_blob (TestServer *server,
            TestClient *client,
            gsize       mib)
{
  g_autofree char *path = g_build_filename (server->dir, "blob", NULL);
  g_autofree char *unused_sha = write_random_file (server->dir, "blob", mib);
  guint rounds = g_getenv ("BENCH_UPLOAD_ROUNDS") ? CLAMP (atoi (g_getenv ("BENCH_UPLOAD_ROUNDS")), 1, 20) : 3;
  g_autoptr(GPtrArray) shas = g_ptr_array_new_with_free_func (g_free);
  GString *content = g_string_new ("{\"title\":\"video\",\"sources\":[");
  g_autoptr(TgRevision) rev = NULL;
  g_autofree char *record = NULL;
  g_autoptr(GPtrArray) one = g_ptr_array_new ();
  g_autofree char *body = NULL;
  gsize size = mib << 20;
  double sum_soup = 0, sum_curl = 0;
  GPid pid = test_server_get_pid (server);

  if (g_find_program_in_path ("curl") == NULL)
    g_error ("curl is needed for the comparison");
  for (guint k = 0; k < 2 * rounds; k++)
    {
      g_ptr_array_add (shas, make_variant (path, k + 1));
      g_string_append_printf (content, "%s{\"kind\":\"file\",\"sha256\":\"%s\"}", k ? "," : "",
                              (char *) g_ptr_array_index (shas, k));
    }
  g_string_append (content, "]}");
  record = tg_record_id_new ();
  rev = tg_revision_new (record, "report", NULL, client->device_id,
                         999999, g_get_real_time (), FALSE, content->str);
  g_string_free (content, TRUE);
  g_ptr_array_add (one, rev);
  body = batch_body (one, 0, 1);
  g_assert_cmpuint (post (client, "/api/v1/push", body), ==, 200);

  for (guint r = 0; r < rounds; r++)
    {
      double t_soup = 0, t_curl = 0, c_soup = 0, c_curl = 0, s_soup = 0, s_curl = 0;

      for (guint i = 0; i < 2; i++)
        {
          /* curl first in even rounds, libsoup first in odd ones */
          gboolean use_curl = (i == 0) == (r % 2 == 0);
          const char *sha = g_ptr_array_index (shas, 2 * r + i);
          g_autofree char *check = make_variant (path, 2 * r + i + 1);
          double server0 = process_cpu (pid);

          g_assert_cmpstr (check, ==, sha);
          if (use_curl)
            {
              double cpu0 = children_cpu ();

              t_curl = upload_curl (client, path, sha, size);
              c_curl = children_cpu () - cpu0;
              s_curl = process_cpu (pid) - server0;
            }
          else
            {
              double cpu0 = self_cpu ();

              t_soup = upload_libsoup (client, path, sha, size);
              c_soup = self_cpu () - cpu0;
              s_soup = process_cpu (pid) - server0;
            }
        }
      sum_soup += t_soup;
      sum_curl += t_curl;
      g_print ("blob %zu MiB, round %u (%s first): libsoup %.2f s (%.0f MiB/s; CPU client %.2f s, server %.2f s), "
               "curl %.2f s (%.0f MiB/s; CPU client %.2f s, server %.2f s): %.0f %% of curl\n",
               mib, r + 1, r % 2 == 0 ? "curl" : "libsoup",
               t_soup, mib / t_soup, c_soup, s_soup, t_curl, mib / t_curl, c_curl, s_curl, 100.0 * t_curl / t_soup);
    }
  g_print ("blob %zu MiB x %u: libsoup %.0f MiB/s, curl %.0f MiB/s: %.0f %% of curl (target >= 80 %%)\n",
           mib, rounds, rounds * mib / sum_soup, rounds * mib / sum_curl, 100.0 * sum_curl / sum_soup);
  g_unlink (path);
}

/* 4 ------------------------------------------------------------------------ */

/* "sha256 <base64>" of @length bytes at @data: the Upload-Checksum of a chunk */
static char *
chunk_checksum (const guint8 *data,
                gsize         length)
{
  guint8 digest[32];
  g_autofree char *b64 = NULL;

  gnutls_hash_fast (GNUTLS_DIG_SHA256, data, length, digest);
  b64 = g_base64_encode (digest, sizeof digest);
  return g_strconcat ("sha256 ", b64, NULL);
}

/* One blob sent as a client of protocol 2 sends it: a PUT per chunk, the
 * client hashing each chunk before it sends it, rounds of fresh blobs. */
static void
bench_chunked (TestServer *server,
               TestClient *client)
{
  gsize mib = g_getenv ("BENCH_CHUNKED_MIB") ? CLAMP (atoi (g_getenv ("BENCH_CHUNKED_MIB")), 1, 4096) : 64;
  gsize chunk = (g_getenv ("BENCH_CHUNK_KIB") ? CLAMP (atoi (g_getenv ("BENCH_CHUNK_KIB")), 1, 1 << 20) : 1024) << 10;
  guint rounds = g_getenv ("BENCH_UPLOAD_ROUNDS") ? CLAMP (atoi (g_getenv ("BENCH_UPLOAD_ROUNDS")), 1, 20) : 3;
  g_autofree char *path = g_build_filename (server->dir, "chunked", NULL);
  g_autofree char *unused_sha = write_random_file (server->dir, "chunked", mib);
  g_autoptr(GPtrArray) shas = g_ptr_array_new_with_free_func (g_free);
  GString *content = g_string_new ("{\"title\":\"chunks\",\"sources\":[");
  g_autoptr(TgRevision) rev = NULL;
  g_autofree char *record = NULL;
  g_autoptr(GPtrArray) one = g_ptr_array_new ();
  g_autofree char *body = NULL;
  g_autofree char *auth = g_strconcat ("Bearer ", client->token, NULL);
  g_autofree char *length = g_strdup_printf ("%" G_GSIZE_FORMAT, mib << 20);
  gsize size = mib << 20;
  GPid pid = test_server_get_pid (server);
  double sum = 0, sum_server = 0;

  for (guint k = 0; k < rounds; k++)
    {
      g_ptr_array_add (shas, make_variant (path, 1000 + k));
      g_string_append_printf (content, "%s{\"kind\":\"file\",\"sha256\":\"%s\"}", k ? "," : "",
                              (char *) g_ptr_array_index (shas, k));
    }
  g_string_append (content, "]}");
  record = tg_record_id_new ();
  rev = tg_revision_new (record, "report", NULL, client->device_id,
                         999998, g_get_real_time (), FALSE, content->str);
  g_string_free (content, TRUE);
  g_ptr_array_add (one, rev);
  body = batch_body (one, 0, 1);
  g_assert_cmpuint (post (client, "/api/v1/push", body), ==, 200);

  for (guint r = 0; r < rounds; r++)
    {
      g_autofree char *check = make_variant (path, 1000 + r);
      const char *sha = g_ptr_array_index (shas, r);
      g_autoptr(GMappedFile) mapped = g_mapped_file_new (path, FALSE, NULL);
      g_autoptr(GBytes) bytes = g_mapped_file_get_bytes (mapped);
      double server0 = process_cpu (pid), t;
      guint last = 0, requests = 0;
      gint64 t0;

      g_assert_cmpstr (check, ==, sha);
      t0 = g_get_monotonic_time ();
      for (gsize offset = 0; offset < size; offset += chunk)
        {
          gsize n = MIN (chunk, size - offset);
          g_autofree char *uri = g_strdup_printf ("%s/api/v1/blobs/%s?offset=%" G_GSIZE_FORMAT,
                                                  client->server->base_uri, sha, offset);
          g_autoptr(SoupMessage) msg = soup_message_new ("PUT", uri);
          g_autoptr(GBytes) slice = g_bytes_new_from_bytes (bytes, offset, n);
          g_autofree char *checksum = chunk_checksum (g_bytes_get_data (slice, NULL), n);
          g_autoptr(GBytes) reply = NULL;
          g_autoptr(GError) error = NULL;

          soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
          soup_message_headers_replace (soup_message_get_request_headers (msg), "Upload-Length", length);
          soup_message_headers_replace (soup_message_get_request_headers (msg), "Upload-Checksum", checksum);
          soup_message_set_request_body_from_bytes (msg, "application/octet-stream", slice);
          test_client_pin (client, msg);
          reply = soup_session_send_and_read (client->session, msg, NULL, &error);
          g_assert_no_error (error);
          last = soup_message_get_status (msg);
          g_assert_cmpuint (last, ==, offset + n < size ? 200 : 201);
          requests++;
        }
      t = (g_get_monotonic_time () - t0) / 1e6;
      sum += t;
      sum_server += process_cpu (pid) - server0;
      g_print ("chunked blob %zu MiB in %u PUTs of %zu KiB, round %u: %.2f s (%.0f MiB/s; server CPU %.2f s)\n",
               mib, requests, chunk >> 10, r + 1, t, mib / t, process_cpu (pid) - server0);
    }
  g_print ("chunked blob %zu MiB in %zu KiB chunks x %u: %.0f MiB/s, server CPU %.2f s per blob\n",
           mib, chunk >> 10, rounds, rounds * mib / sum, sum_server / rounds);
  g_unlink (path);
}

static void
print_peak_memory (TestServer *server)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", test_server_get_pid (server));
  g_autofree char *status = NULL;
  const char *line;

  if (g_file_get_contents (path, &status, NULL, NULL) && (line = strstr (status, "VmHWM:")))
    {
      g_autofree char *value = g_strndup (line, strcspn (line, "\n"));
      g_print ("server peak memory: %s\n", value);
    }
}

int
main (int   argc,
      char *argv[])
{
  gsize mib = argc > 1 ? (gsize) g_ascii_strtoull (argv[1], NULL, 10) : 1024;
  TestServer *server;
  TestClient *client;

  if (g_getenv ("BENCH_DEVICES"))
    N_DEVICES = CLAMP (atoi (g_getenv ("BENCH_DEVICES")), 1, MAX_DEVICES);

  /* section 3 sends a whole blob in one request: one chunk of up to
   * 4 GiB. Section 4 alone leaves the default (8 MiB), and then runs
   * against a server of protocol 1 too, which ignores Upload-Checksum:
   * the "before" of docs/server.md. */
  server = test_server_new (g_getenv ("BENCH_ONLY_CHUNKED") ? "rate-limit=100000\n"
                                                             "rate-burst=100000\n"
                                                           : "max-body-bytes=67108864\n"
                                                             "max-chunk-bytes=4294967296\n"
                                                             "max-batch=1000\n"
                                                             "max-pull=1000\n"
                                                             "rate-limit=100000\n"
                                                             "rate-burst=100000\n"
                                                             /* every device connects from 127.0.0.1 */
                                                             "max-connections-per-address=1024\n"
                                                             "max-connections=1024\n"
                                                             "handshake-rate=100000\n"
                                                             "handshake-burst=100000\n");
  test_server_start (server);
  test_server_add_user (server, "coord", "coordinator");
  client = test_client_enrol (server, "coord");

  if (!g_getenv ("BENCH_ONLY_CHUNKED"))
    {
      bench_push_pull (server, client);
      bench_concurrent_tls (server);
      if (g_getenv ("BENCH_CURL"))
        bench_concurrent_curl (server);
      if (g_getenv ("BENCH_LIBSOUP"))
        bench_concurrent (server);
      if (mib > 0)
        bench_blob (server, client, mib);
    }
  bench_chunked (server, client);
  print_peak_memory (server);

  test_client_free (client);
  test_server_free (server);
  return 0;
}
