/* tg-sync-client.c — one SoupSession for the engine's life: requests, certificate pinning, error mapping
 *
 * The session is used with blocking sends from the engine's worker thread
 * (libsoup ≥ 3.2). Each message is pinned twice: "accept-certificate"
 * accepts the self-signed certificate only when its SHA-256 is the pinned
 * one, and after the reply the certificate the message was carried over is
 * checked again — a kept-alive connection opened by a probe, or a
 * certificate a CA signed (which never asks "accept-certificate"), cannot
 * slip past the pin. Connections are counted at G_SOCKET_CLIENT_CONNECTED.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "testigo-sync"

#include "config.h"

#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <glib/gi18n-lib.h>

#include "tg-sync-private.h"
#include "tg-sha256.h"

struct _TgSyncClient
{
  SoupSession *session;
  guint        n_connections;   /* atomic */
  guint64      bytes_out;       /* under lock */
  guint64      bytes_in;
  GMutex       lock;
};

typedef struct
{
  TgSyncClient *client;
  const char   *pin;
  char         *seen;
  gboolean      mismatch;
  gboolean      connected;     /* this message opened a connection */
  gboolean      handshaked;    /* and its TLS handshake finished */
} Pinning;

G_DEFINE_QUARK (tg-sync-error-quark, tg_sync_error)

char *
tg_sync_fingerprint_of (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;
  TgSha256 sha;
  guint8 digest[32];
  GString *out;

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return NULL;
  tg_sha256_init (&sha);
  tg_sha256_update (&sha, der->data, der->len);
  sha256_digest (&sha.ctx, sizeof digest, digest);
  out = g_string_sized_new (96);
  for (gsize i = 0; i < sizeof digest; i++)
    g_string_append_printf (out, i ? ":%02X" : "%02X", digest[i]);
  return g_string_free (out, FALSE);
}

char *
tg_sync_normalize_fingerprint (const char *text)
{
  GString *out;
  guint n = 0;
  int high = -1;

  if (text == NULL)
    return NULL;
  out = g_string_sized_new (96);
  for (const char *p = text; *p; p++)
    {
      int v;

      if (*p == ':' || *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '-')
        continue;
      v = g_ascii_xdigit_value (*p);
      if (v < 0)
        {
          g_string_free (out, TRUE);
          return NULL;
        }
      if (high < 0)
        {
          high = v;
          continue;
        }
      if (n == 32)
        {
          g_string_free (out, TRUE);
          return NULL;
        }
      g_string_append_printf (out, n ? ":%02X" : "%02X", (high << 4) | v);
      n++;
      high = -1;
    }
  if (n != 32 || high >= 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

char *
tg_sync_normalize_uri (const char  *uri,
                       GError     **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GUri) parsed = NULL;

  if (uri == NULL || *uri == '\0')
    {
      g_set_error (error, TG_SYNC_ERROR, TG_SYNC_ERROR_NOT_CONFIGURED,
                   _("No server address was given."));
      return NULL;
    }
  text = g_strstrip (g_strdup (uri));
  if (strstr (text, "://") == NULL)
    {
      char *with = g_strconcat ("https://", text, NULL);
      g_free (text);
      text = with;
    }
  parsed = g_uri_parse (text, G_URI_FLAGS_NONE, NULL);
  if (parsed == NULL || g_uri_get_host (parsed) == NULL || *g_uri_get_host (parsed) == '\0')
    {
      g_set_error (error, TG_SYNC_ERROR, TG_SYNC_ERROR_NOT_CONFIGURED,
                   _("“%s” is not a server address. It looks like https://sync.example.org:8443."), uri);
      return NULL;
    }
  if (g_ascii_strcasecmp (g_uri_get_scheme (parsed), "https") != 0)
    {
      g_set_error (error, TG_SYNC_ERROR, TG_SYNC_ERROR_TLS,
                   _("The server address must start with https://: Testigo only talks to its server over an encrypted connection."));
      return NULL;
    }
  {
    const char *host = g_uri_get_host (parsed);
    int port = g_uri_get_port (parsed);
    gboolean v6 = strchr (host, ':') != NULL;

    if (port > 0)
      return g_strdup_printf (v6 ? "https://[%s]:%d" : "https://%s:%d", host, port);
    return g_strdup_printf (v6 ? "https://[%s]" : "https://%s", host);
  }
}

void
tg_sync_reply_clear (TgSyncReply *reply)
{
  g_clear_pointer (&reply->body, g_bytes_unref);
  g_clear_pointer (&reply->headers, soup_message_headers_unref);
  g_clear_pointer (&reply->fingerprint, g_free);
  reply->status = 0;
}

/* callbacks ---------------------------------------------------------------- */

static gboolean
accept_certificate_cb (SoupMessage          *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       Pinning              *pinning)
{
  g_autofree char *seen = tg_sync_fingerprint_of (certificate);

  g_free (pinning->seen);
  pinning->seen = g_strdup (seen);
  if (pinning->pin == NULL)
    return TRUE;   /* a probe: the caller shows what it saw */
  if (g_strcmp0 (seen, pinning->pin) == 0)
    return TRUE;
  pinning->mismatch = TRUE;
  return FALSE;
}

static void
network_event_cb (SoupMessage        *msg,
                  GSocketClientEvent  event,
                  GIOStream          *connection,
                  Pinning            *pinning)
{
  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKED)
    pinning->handshaked = TRUE;
  if (event != G_SOCKET_CLIENT_CONNECTED)
    return;
  pinning->connected = TRUE;
  g_atomic_int_inc (&pinning->client->n_connections);
  /* no Nagle delay between a request's headers and its body */
  if (G_IS_SOCKET_CONNECTION (connection))
    g_socket_set_option (g_socket_connection_get_socket (G_SOCKET_CONNECTION (connection)),
                         IPPROTO_TCP, TCP_NODELAY, 1, NULL);
}

/* errors -------------------------------------------------------------------- */

static GError *
fingerprint_error (void)
{
  return g_error_new_literal (TG_SYNC_ERROR, TG_SYNC_ERROR_FINGERPRINT_MISMATCH,
                              _("The server’s identity changed: it is not the server this laptop was "
                                "connected to. Nothing was sent. Ask your organisation’s administrator "
                                "before you sync again."));
}

static GError *
transport_error (const GError *error,
                 gboolean      after_handshake)
{
  g_debug ("transport error: %s (%s %d)", error->message,
           g_quark_to_string (error->domain), error->code);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);
  /* after the handshake: a record that failed its check (a byte changed
   * on the way) or a connection closed without TLS's goodbye */
  if (error->domain == G_TLS_ERROR && after_handshake)
    return g_error_new_literal (TG_SYNC_ERROR, TG_SYNC_ERROR_NETWORK,
                                _("The connection to the server was damaged or cut on the way. "
                                  "Nothing was lost; Testigo will try again."));
  if (error->domain == G_TLS_ERROR)
    return g_error_new_literal (TG_SYNC_ERROR, TG_SYNC_ERROR_TLS,
                                _("A secure connection to the server could not be made. Check the "
                                  "server address; if it is right, ask your organisation’s administrator."));
  if (error->domain == G_RESOLVER_ERROR
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_NOT_FOUND))
    return g_error_new_literal (TG_SYNC_ERROR, TG_SYNC_ERROR_NETWORK,
                                _("The server’s name could not be found. Check the address and the "
                                  "Internet connection; Testigo will try again."));
  if (error->domain == G_IO_ERROR
      && (error->code == G_IO_ERROR_PARTIAL_INPUT
          || error->code == G_IO_ERROR_CONNECTION_CLOSED
          || error->code == G_IO_ERROR_BROKEN_PIPE))
    return g_error_new_literal (TG_SYNC_ERROR, TG_SYNC_ERROR_NETWORK,
                                _("The connection to the server was cut in the middle of a reply. "
                                  "Nothing was lost; Testigo will try again."));
  if (error->domain == SOUP_SESSION_ERROR)
    return g_error_new_literal (TG_SYNC_ERROR, TG_SYNC_ERROR_PROTOCOL,
                                _("The server’s reply could not be understood. It may not be a "
                                  "Testigo server; check the address."));
  return g_error_new_literal (TG_SYNC_ERROR, TG_SYNC_ERROR_NETWORK,
                              _("The server could not be reached. Check the Internet connection; "
                                "Testigo will try again."));
}

static guint
parse_retry_after (SoupMessageHeaders *headers)
{
  const char *value = headers ? soup_message_headers_get_one (headers, "Retry-After") : NULL;
  guint64 seconds;

  if (value == NULL)
    return 0;
  if (g_ascii_string_to_unsigned (value, 10, 0, 24 * 3600, &seconds, NULL))
    return (guint) seconds;
  {
    g_autoptr(GDateTime) when = soup_date_time_new_from_http_string (value);
    g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

    if (when)
      {
        GTimeSpan span = g_date_time_difference (when, now);
        return span > 0 ? (guint) MIN (span / G_USEC_PER_SEC, 24 * 3600) : 0;
      }
  }
  return 0;
}

static char *
server_detail (const TgSyncReply *reply)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;

  if (reply->body == NULL)
    return NULL;
  root = tg_sync_wire_parse (reply->body, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  object = json_node_get_object (root);
  if (!json_object_has_member (object, "error")
      || json_node_get_value_type (json_object_get_member (object, "error")) != G_TYPE_STRING)
    return NULL;
  return g_strdup (json_object_get_string_member (object, "error"));
}

GError *
tg_sync_error_from_reply (const TgSyncReply *reply,
                          guint             *retry_after_s)
{
  g_autofree char *detail = server_detail (reply);
  guint status = reply->status;

  if (retry_after_s)
    *retry_after_s = 0;
  g_debug ("HTTP %u: %s", status, detail ? detail : "(no detail)");

  switch (status)
    {
    case 401:
      return g_error_new_literal (TG_SYNC_ERROR, TG_SYNC_ERROR_REVOKED,
                                  _("This laptop was disconnected by your organisation. Nothing on it "
                                    "was deleted. Ask your organisation’s administrator for a new "
                                    "enrolment code to connect it again."));
    case 403:
      return g_error_new_literal (TG_SYNC_ERROR, TG_SYNC_ERROR_FORBIDDEN,
                                  _("The server refused: your account may not do this. Ask your "
                                    "organisation’s administrator."));
    case 413:
      return g_error_new_literal (TG_SYNC_ERROR, TG_SYNC_ERROR_TOO_LARGE,
                                  _("Something was too large for the server’s limits. Ask your "
                                    "organisation’s administrator."));
    case 429:
      if (retry_after_s)
        *retry_after_s = parse_retry_after (reply->headers);
      return g_error_new_literal (TG_SYNC_ERROR, TG_SYNC_ERROR_RATE_LIMITED,
                                  _("The server asked Testigo to slow down. It will try again shortly."));
    case 503:
      if (retry_after_s)
        *retry_after_s = parse_retry_after (reply->headers);
      return g_error_new_literal (TG_SYNC_ERROR, TG_SYNC_ERROR_SERVER,
                                  _("The server could not save safely just now. Nothing was lost; "
                                    "Testigo will try again."));
    case 404:
    case 405:
      return g_error_new (TG_SYNC_ERROR, TG_SYNC_ERROR_PROTOCOL,
                          _("The server does not know what Testigo asked for. It may run another "
                            "version of Testigo (%s)."), detail ? detail : "404");
    case 409:
      return g_error_new (TG_SYNC_ERROR, TG_SYNC_ERROR_PROTOCOL,
                          _("The server is busy with another upload of the same file. Testigo will "
                            "try again (%s)."), detail ? detail : "409");
    case 422:
      return g_error_new (TG_SYNC_ERROR, TG_SYNC_ERROR_PROTOCOL,
                          _("A file arrived damaged at the server and will be sent again (%s)."),
                          detail ? detail : "422");
    default:
      break;
    }
  if (status >= 500)
    return g_error_new (TG_SYNC_ERROR, TG_SYNC_ERROR_SERVER,
                        _("The server had a problem (%u). Testigo will try again later; if it goes "
                          "on, tell your organisation’s administrator."), status);
  return g_error_new (TG_SYNC_ERROR, TG_SYNC_ERROR_PROTOCOL,
                      _("The server refused a request Testigo made (%u: %s). Testigo may need an "
                        "update."), status, detail ? detail : "");
}

/* client ------------------------------------------------------------------- */

TgSyncClient *
tg_sync_client_new (void)
{
  TgSyncClient *self = g_new0 (TgSyncClient, 1);

  g_mutex_init (&self->lock);
  /* the server closes idle connections after 30 s; close ours a bit sooner */
  self->session = soup_session_new_with_options ("timeout", 60,
                                                 "idle-timeout", 25,
                                                 "max-conns-per-host", 4,
                                                 "user-agent", "Testigo/" PACKAGE_VERSION,
                                                 NULL);
  return self;
}

void
tg_sync_client_free (TgSyncClient *self)
{
  if (self == NULL)
    return;
  soup_session_abort (self->session);
  g_object_unref (self->session);
  g_mutex_clear (&self->lock);
  g_free (self);
}

guint
tg_sync_client_get_n_connections (TgSyncClient *self)
{
  return (guint) g_atomic_int_get (&self->n_connections);
}

guint64
tg_sync_client_get_bytes_out (TgSyncClient *self)
{
  guint64 n;

  g_mutex_lock (&self->lock);
  n = self->bytes_out;
  g_mutex_unlock (&self->lock);
  return n;
}

guint64
tg_sync_client_get_bytes_in (TgSyncClient *self)
{
  guint64 n;

  g_mutex_lock (&self->lock);
  n = self->bytes_in;
  g_mutex_unlock (&self->lock);
  return n;
}

/* Counts what actually left, so that a chunk cut half-way counts half. */
static void
wrote_body_data_cb (SoupMessage *msg,
                    guint        chunk_size,
                    TgSyncReply *reply)
{
  reply->body_bytes_written += chunk_size;
}

gboolean
tg_sync_client_send (TgSyncClient        *self,
                     const TgSyncTarget  *target,
                     const char          *method,
                     const char          *path,
                     const char          *content_type,
                     GBytes              *body,
                     const char * const  *headers,
                     TgSyncReply         *reply,
                     GCancellable        *cancellable,
                     GError             **error)
{
  g_autofree char *uri = g_strconcat (target->base_uri, path, NULL);
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  Pinning pinning = { self, target->pin, NULL, FALSE, FALSE, FALSE };
  SoupMessageHeaders *request_headers;
  GTlsCertificate *peer;
  g_autofree char *seen = NULL;

  tg_sync_reply_clear (reply);
  msg = soup_message_new (method, uri);
  if (msg == NULL)
    {
      g_set_error (error, TG_SYNC_ERROR, TG_SYNC_ERROR_NOT_CONFIGURED,
                   _("“%s” is not a server address."), target->base_uri);
      return FALSE;
    }
  /* Every write of the protocol is idempotent (a push is insert-or-ignore
   * by id, an upload names its offset) except enrolment, whose code is
   * spent once. libsoup sends a POST over an idle kept-alive connection
   * only when told so: without this flag every push opened a connection. */
  if (strcmp (path, "/api/v1/enrol") != 0)
    soup_message_add_flags (msg, SOUP_MESSAGE_IDEMPOTENT);
  request_headers = soup_message_get_request_headers (msg);
  if (target->token)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", target->token, NULL);
      soup_message_headers_replace (request_headers, "Authorization", auth);
    }
  for (guint i = 0; headers && headers[i] && headers[i + 1]; i += 2)
    soup_message_headers_replace (request_headers, headers[i], headers[i + 1]);
  if (body)
    soup_message_set_request_body_from_bytes (msg, content_type ? content_type : "application/json", body);

  g_signal_connect (msg, "wrote-body-data", G_CALLBACK (wrote_body_data_cb), reply);
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_certificate_cb), &pinning);
  g_signal_connect (msg, "network-event", G_CALLBACK (network_event_cb), &pinning);

  reply->sent_at = g_get_real_time ();
  bytes = soup_session_send_and_read (self->session, msg, cancellable, &local_error);
  reply->received_at = g_get_real_time ();
  g_signal_handlers_disconnect_by_data (msg, &pinning);
  g_signal_handlers_disconnect_by_data (msg, reply);

  g_mutex_lock (&self->lock);
  self->bytes_out += body ? g_bytes_get_size (body) : 0;
  self->bytes_in += bytes ? g_bytes_get_size (bytes) : 0;
  g_mutex_unlock (&self->lock);

  if (pinning.mismatch)
    {
      g_free (pinning.seen);
      g_propagate_error (error, fingerprint_error ());
      return FALSE;
    }
  g_clear_pointer (&pinning.seen, g_free);
  if (local_error)
    {
      /* a connection kept alive from an earlier message had its handshake */
      g_propagate_error (error, transport_error (local_error, !pinning.connected || pinning.handshaked));
      return FALSE;
    }

  /* the connection may have been opened by an earlier message: check the
   * certificate it carries for this one too */
  peer = soup_message_get_tls_peer_certificate (msg);
  if (peer == NULL)
    {
      g_set_error_literal (error, TG_SYNC_ERROR, TG_SYNC_ERROR_TLS,
                           _("The server did not use an encrypted connection."));
      return FALSE;
    }
  seen = tg_sync_fingerprint_of (peer);
  if (target->pin && g_strcmp0 (seen, target->pin) != 0)
    {
      g_propagate_error (error, fingerprint_error ());
      return FALSE;
    }

  reply->status = soup_message_get_status (msg);
  reply->body = g_steal_pointer (&bytes);
  reply->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  reply->fingerprint = g_steal_pointer (&seen);
  return TRUE;
}

JsonNode *
tg_sync_client_call_json (TgSyncClient        *self,
                          const TgSyncTarget  *target,
                          const char          *method,
                          const char          *path,
                          GBytes              *body,
                          TgSyncReply         *reply,
                          guint               *retry_after_s,
                          GCancellable        *cancellable,
                          GError             **error)
{
  if (retry_after_s)
    *retry_after_s = 0;
  if (!tg_sync_client_send (self, target, method, path, "application/json", body, NULL,
                            reply, cancellable, error))
    return NULL;
  if (reply->status != 200 && reply->status != 201)
    {
      g_propagate_error (error, tg_sync_error_from_reply (reply, retry_after_s));
      return NULL;
    }
  return tg_sync_wire_parse (reply->body, error);
}
