/* test-server-fixture.c — run the real testigo-server on loopback for tests
 *
 * The test generates its own certificate with certtool (GnuTLS), writes a
 * configuration that listens on 127.0.0.1 port 0, starts the installed
 * binary and reads the address and certificate fingerprint it prints. The
 * client accepts the self-signed certificate only when its SHA-256 matches
 * that fingerprint: certificate pinning, as the desktop client does.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-server"

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <glib/gstdio.h>

#include "test-server-fixture.h"
#include "tg-test-common.h"

#ifndef TESTIGO_SERVER_PATH
#error "TESTIGO_SERVER_PATH must be defined by meson"
#endif

static void
write_file (const char *path,
            const char *text)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static gboolean
run_certtool (TestServer *server,
              const char *cert,
              const char *key)
{
  g_autofree char *certtool = g_find_program_in_path ("certtool");
  g_autofree char *template = g_build_filename (server->dir, "cert.template", NULL);
  g_autoptr(GError) error = NULL;
  int status = 0;

  if (certtool == NULL)
    return FALSE;

  write_file (template,
              "cn = \"localhost\"\n"
              "dns_name = \"localhost\"\n"
              "ip_address = \"127.0.0.1\"\n"
              "expiration_days = 2\n"
              "tls_www_server\n"
              "signing_key\n");
  {
    const char *argv[] = { certtool, "--generate-privkey", "--key-type=ecdsa",
                           "--outfile", key, NULL };
    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                  NULL, NULL, NULL, NULL, &status, &error);
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
  {
    const char *argv[] = { certtool, "--generate-self-signed", "--load-privkey", key,
                           "--template", template, "--outfile", cert, NULL };
    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                  NULL, NULL, NULL, NULL, &status, &error);
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
  return TRUE;
}

TestServer *
test_server_new (const char *extra_config)
{
  TestServer *server = g_new0 (TestServer, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *cert = NULL, *key = NULL;
  GString *config = g_string_new ("[server]\nlisten=127.0.0.1\nport=0\n");

  server->dir = tg_test_make_tmp_dir ("testigo-server-XXXXXX");
  server->data_dir = g_build_filename (server->dir, "data", NULL);
  server->config_path = g_build_filename (server->dir, "server.conf", NULL);
  server->db_path = g_build_filename (server->data_dir, "server.db", NULL);
  cert = g_build_filename (server->dir, "cert.pem", NULL);
  key = g_build_filename (server->dir, "key.pem", NULL);

  g_string_append_printf (config, "data-dir=%s\n", server->data_dir);
  if (run_certtool (server, cert, key))
    g_string_append_printf (config, "tls-certificate=%s\ntls-key=%s\n", cert, key);
  /* else: the server generates one in data-dir/tls on first start */
  if (extra_config)
    g_string_append (config, extra_config);
  write_file (server->config_path, config->str);
  g_string_free (config, TRUE);
  return server;
}

static void
child_setup (gpointer user_data)
{
  /* the server goes when the test goes, even when the test aborts */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

void
test_server_start (TestServer *server)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  char *line;

  g_assert_null (server->process);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  server->process = g_subprocess_launcher_spawn (launcher, &error, TESTIGO_SERVER_PATH,
                                                 "--config", server->config_path, NULL);
  g_assert_no_error (error);

  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->process));
  g_clear_pointer (&server->base_uri, g_free);
  while ((line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error)) != NULL)
    {
      const char *p;

      if ((p = strstr (line, " listening on ")))
        server->base_uri = g_strdup (p + strlen (" listening on "));
      else if ((p = strstr (line, "fingerprint: ")))
        {
          g_free (server->fingerprint);
          server->fingerprint = g_strdup (p + strlen ("fingerprint: "));
          g_free (line);
          break;
        }
      g_free (line);
    }
  g_assert_no_error (error);
  g_assert_nonnull (server->base_uri);
  g_assert_true (g_str_has_prefix (server->base_uri, "https://127.0.0.1:"));
  g_assert_nonnull (server->fingerprint);
}

GPid
test_server_get_pid (TestServer *server)
{
  const char *id = g_subprocess_get_identifier (server->process);

  return id ? (GPid) atoi (id) : 0;
}

void
test_server_kill (TestServer *server)
{
  if (server->process == NULL)
    return;
  g_subprocess_send_signal (server->process, SIGKILL);
  g_subprocess_wait (server->process, NULL, NULL);
  g_clear_object (&server->process);
}

void
test_server_stop (TestServer *server)
{
  if (server->process == NULL)
    return;
  g_subprocess_send_signal (server->process, SIGTERM);
  g_subprocess_wait (server->process, NULL, NULL);
  g_assert_true (g_subprocess_get_if_exited (server->process));
  g_assert_cmpint (g_subprocess_get_exit_status (server->process), ==, 0);
  g_clear_object (&server->process);
}

void
test_server_free (TestServer *server)
{
  test_server_stop (server);
  tg_test_rm_rf (server->dir);
  g_free (server->dir);
  g_free (server->data_dir);
  g_free (server->config_path);
  g_free (server->db_path);
  g_free (server->base_uri);
  g_free (server->fingerprint);
  g_free (server);
}

char *
test_server_admin (TestServer  *server,
                   char       **stderr_out,
                   ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, (gpointer) TESTIGO_SERVER_PATH);
  g_ptr_array_add (argv, (gpointer) "--config");
  g_ptr_array_add (argv, server->config_path);
  va_start (args, stderr_out);
  while ((arg = va_arg (args, const char *)))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);

  if (stderr_out)
    *stderr_out = g_steal_pointer (&err);
  if (!g_subprocess_get_successful (process))
    return NULL;
  return g_steal_pointer (&out);
}

void
test_server_add_user (TestServer *server,
                      const char *name,
                      const char *role)
{
  g_autofree char *err = NULL;
  g_autofree char *out = test_server_admin (server, &err, "user", "add", name, "--role", role, NULL);

  if (out == NULL)
    g_error ("user add failed: %s", err);
}

void
test_server_add_users (TestServer *server)
{
  test_server_add_user (server, "ana", "monitor");
  test_server_add_user (server, "beto", "monitor");
  test_server_add_user (server, "coco", "coordinator");
  test_server_add_user (server, "root", "admin");
}

/* certificate pinning ---------------------------------------------------- */

static char *
fingerprint_of (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize len = sizeof digest;
  GString *out = g_string_new (NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  g_checksum_update (checksum, der->data, der->len);
  g_checksum_get_digest (checksum, digest, &len);
  for (gsize i = 0; i < len; i++)
    g_string_append_printf (out, i ? ":%02X" : "%02X", digest[i]);
  return g_string_free (out, FALSE);
}

static gboolean
accept_certificate_cb (SoupMessage          *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       TestClient           *client)
{
  g_autofree char *fingerprint = fingerprint_of (certificate);

  return g_strcmp0 (fingerprint, client->server->fingerprint) == 0;
}

static void
network_event_cb (SoupMessage        *msg,
                  GSocketClientEvent  event,
                  GIOStream          *connection,
                  gpointer            user_data)
{
  /* as a sync client should: no Nagle delay between headers and body */
  if (event == G_SOCKET_CLIENT_CONNECTED && G_IS_SOCKET_CONNECTION (connection))
    g_socket_set_option (g_socket_connection_get_socket (G_SOCKET_CONNECTION (connection)),
                         IPPROTO_TCP, TCP_NODELAY, 1, NULL);
}

void
test_client_pin (TestClient  *client,
                 SoupMessage *msg)
{
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_certificate_cb), client);
  g_signal_connect (msg, "network-event", G_CALLBACK (network_event_cb), client);
}

TestClient *
test_client_new (TestServer *server)
{
  TestClient *client = g_new0 (TestClient, 1);

  client->server = server;
  test_client_reset (client);
  return client;
}

void
test_client_reset (TestClient *client)
{
  g_clear_object (&client->session);
  client->session = soup_session_new_with_options ("timeout", 30, "idle-timeout", 30, NULL);
}

TestClient *
test_client_enrol (TestServer *server,
                   const char *user)
{
  TestClient *client = test_client_new (server);
  g_autofree char *err = NULL;
  g_autofree char *code = test_server_admin (server, &err, "enrol-code", user, NULL);
  g_autofree char *body = NULL;
  g_autoptr(JsonNode) reply = NULL;
  guint status;

  if (code == NULL)
    g_error ("enrol-code failed: %s", err);
  g_strstrip (code);
  body = g_strdup_printf ("{\"code\": \"%s\", \"device_name\": \"%s laptop\"}", code, user);
  reply = test_client_json (client, "POST", "/api/v1/enrol", body, &status);
  g_assert_cmpuint (status, ==, 201);
  client->token = g_strdup (test_json_string (reply, "token"));
  client->device_id = g_strdup (test_json_string (reply, "device_id"));
  g_assert_nonnull (client->token);
  return client;
}

void
test_client_free (TestClient *client)
{
  g_clear_object (&client->session);
  g_free (client->token);
  g_free (client->device_id);
  g_free (client);
}

GBytes *
test_client_request (TestClient          *client,
                     const char          *method,
                     const char          *path,
                     GBytes              *body,
                     const char * const  *headers,
                     guint               *status,
                     SoupMessageHeaders **response_headers,
                     GError             **error)
{
  g_autofree char *uri = g_strconcat (client->server->base_uri, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, uri);
  SoupMessageHeaders *request_headers;
  GBytes *reply;

  g_assert_nonnull (msg);
  request_headers = soup_message_get_request_headers (msg);
  test_client_pin (client, msg);
  if (client->token)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", client->token, NULL);
      soup_message_headers_replace (request_headers, "Authorization", auth);
    }
  for (guint i = 0; headers && headers[i] && headers[i + 1]; i += 2)
    soup_message_headers_replace (request_headers, headers[i], headers[i + 1]);
  if (body)
    soup_message_set_request_body_from_bytes (msg, "application/json", body);

  reply = soup_session_send_and_read (client->session, msg, NULL, error);
  *status = soup_message_get_status (msg);
  if (response_headers)
    *response_headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  return reply;
}

char *
test_upload_checksum (gconstpointer data,
                      gsize         length)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize digest_length = sizeof digest;
  g_autofree char *b64 = NULL;

  g_checksum_update (checksum, data, length);
  g_checksum_get_digest (checksum, digest, &digest_length);
  b64 = g_base64_encode (digest, digest_length);
  return g_strconcat ("sha256 ", b64, NULL);
}

JsonNode *
test_client_json (TestClient *client,
                  const char *method,
                  const char *path,
                  const char *body,
                  guint      *status)
{
  g_autoptr(GBytes) request = body ? g_bytes_new (body, strlen (body)) : NULL;
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize length;
  const char *data;

  reply = test_client_request (client, method, path, request, NULL, status, NULL, &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (reply, &length);
  if (length == 0)
    return NULL;
  json_parser_load_from_data (parser, data, length, &error);
  g_assert_no_error (error);
  return json_node_ref (json_parser_get_root (parser));
}

const char *
test_json_string (JsonNode   *node,
                  const char *member)
{
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_get_string_member_with_default (json_node_get_object (node), member, NULL);
}

gint64
test_json_int (JsonNode   *node,
               const char *member)
{
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  g_assert_true (json_object_has_member (json_node_get_object (node), member));
  return json_object_get_int_member (json_node_get_object (node), member);
}

JsonArray *
test_json_array (JsonNode   *node,
                 const char *member)
{
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_get_array_member (json_node_get_object (node), member);
}

gboolean
test_json_array_has_string (JsonArray  *array,
                            const char *str)
{
  for (guint i = 0; array && i < json_array_get_length (array); i++)
    if (g_strcmp0 (json_array_get_string_element (array, i), str) == 0)
      return TRUE;
  return FALSE;
}

/* Requests ---------------------------------------------------------------- */

TgRevision *
test_revision_new (const char *record,
                   const char *parent,
                   const char *kind,
                   const char *device,
                   gint64      device_seq,
                   gboolean    deleted,
                   const char *content)
{
  const char *parents[] = { parent, NULL };

  return tg_revision_new (record, kind, parent ? parents : NULL, device, device_seq,
                          g_get_real_time (), deleted, content);
}

char *
test_push_body (TgRevision **revisions,
                guint        n)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "revisions");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n; i++)
    json_builder_add_value (builder, tg_revision_to_json (revisions[i]));
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

JsonNode *
test_client_push (TestClient  *client,
                  TgRevision **revisions,
                  guint        n,
                  guint       *status)
{
  g_autofree char *body = test_push_body (revisions, n);

  return test_client_json (client, "POST", "/api/v1/push", body, status);
}

guint
test_client_upload_slice (TestClient  *client,
                          const char  *sha256,
                          GBytes      *data,
                          gsize        offset,
                          gsize        length,
                          gint64      *new_offset,
                          JsonNode   **reply)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/blobs/%s?offset=%" G_GSIZE_FORMAT, sha256, offset);
  g_autofree char *total = g_strdup_printf ("%" G_GSIZE_FORMAT, g_bytes_get_size (data));
  g_autoptr(GBytes) slice = g_bytes_new_from_bytes (data, offset, length);
  g_autofree char *checksum = test_upload_checksum (g_bytes_get_data (slice, NULL), length);
  const char *headers[] = { "Upload-Length", total, "Upload-Checksum", checksum, NULL };
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupMessageHeaders) response_headers = NULL;
  const char *answered;
  guint status;

  if (reply)
    *reply = NULL;
  body = test_client_request (client, "PUT", path, slice, headers, &status, &response_headers, &error);
  if (error != NULL)
    return 0;
  answered = soup_message_headers_get_one (response_headers, "Upload-Offset");
  if (new_offset && answered)
    *new_offset = g_ascii_strtoll (answered, NULL, 10);
  if (reply && g_bytes_get_size (body) > 0)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();

      if (json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body), NULL))
        *reply = json_node_ref (json_parser_get_root (parser));
    }
  return status;
}
