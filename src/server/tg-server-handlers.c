/* tg-server-handlers.c — routing, rate limits, the early and the main
 * handler of every request, and the replies
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "testigo-server"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <gnutls/crypto.h>

#include "tg-revision.h"
#include "tg-server-private.h"
#include "tg-server-conn.h"
#include "tg-server-decode.h"
#include "tg-server-tls.h"

/* requests and replies --------------------------------------------------- */

static void
request_free (Request *req)
{
  g_clear_pointer (&req->auth, tg_server_auth_free);
  g_free (req->sha256);
  g_free (req->upload_error);
  g_free (req);
}

static void
respond_json (SoupServerMessage *msg,
              guint              status,
              JsonNode          *node)
{
  gsize length;
  char *text = json_to_string (node, FALSE);

  length = strlen (text);
  /* 460 is the tus checksum extension's, unknown to libsoup */
  soup_server_message_set_status (msg, status, status == 460 ? "Checksum Mismatch" : NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text, length);
}

void
_tg_server_respond_error (SoupServerMessage *msg,
                          guint              status,
                          const char        *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  respond_json (msg, status, node);
}

void
_tg_server_respond_gerror (SoupServerMessage *msg,
                           const GError      *error)
{
  guint status = tg_server_error_to_status (error);

  if (status >= 500)
    {
      g_warning ("internal error: %s", error->message);
      _tg_server_respond_error (msg, status, "internal server error");
    }
  else
    _tg_server_respond_error (msg, status, error->message);
}

void
_tg_server_respond_offset (SoupServerMessage *msg,
                           guint              status,
                           gint64             offset,
                           gboolean           complete,
                           const char        *error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  char buf[32];

  g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT, offset);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Upload-Offset", buf);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "offset");
  json_builder_add_int_value (builder, offset);
  json_builder_set_member_name (builder, "complete");
  json_builder_add_boolean_value (builder, complete);
  if (error != NULL)
    {
      json_builder_set_member_name (builder, "error");
      json_builder_add_string_value (builder, error);
    }
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  respond_json (msg, status, node);
}
static Route
route_request (const char  *method,
               const char  *path,
               char       **sha256,
               gboolean    *method_ok)
{
  *method_ok = TRUE;

  if (strcmp (path, "/api/v1/info") == 0)
    {
      *method_ok = strcmp (method, "GET") == 0 || strcmp (method, "HEAD") == 0;
      return ROUTE_INFO;
    }
  if (strcmp (path, "/api/v1/enrol") == 0)
    {
      *method_ok = strcmp (method, "POST") == 0;
      return ROUTE_ENROL;
    }
  if (strcmp (path, "/api/v1/push") == 0)
    {
      *method_ok = strcmp (method, "POST") == 0;
      return ROUTE_PUSH;
    }
  if (strcmp (path, "/api/v1/pull") == 0)
    {
      *method_ok = strcmp (method, "GET") == 0;
      return ROUTE_PULL;
    }
  if (g_str_has_prefix (path, "/api/v1/blobs/"))
    {
      const char *rest = path + strlen ("/api/v1/blobs/");
      g_autofree char *sha = g_strndup (rest, 64);

      if (!tg_is_sha256_hex (sha))
        return ROUTE_NONE;
      rest += 64;
      *sha256 = g_steal_pointer (&sha);
      if (strcmp (rest, "/upload") == 0)
        {
          *method_ok = strcmp (method, "GET") == 0 || strcmp (method, "HEAD") == 0;
          return ROUTE_BLOB_OFFSET;
        }
      if (*rest == '\0')
        {
          if (strcmp (method, "PUT") == 0 || strcmp (method, "PATCH") == 0)
            return ROUTE_BLOB_UPLOAD;
          *method_ok = strcmp (method, "GET") == 0 || strcmp (method, "HEAD") == 0;
          return ROUTE_BLOB_GET;
        }
      g_clear_pointer (sha256, g_free);
    }
  return ROUTE_NONE;
}

/* Token bucket: TRUE when allowed, else *retry_after in seconds. */
static gboolean
rate_allow (TgServer   *self,
            const char *key,
            guint      *retry_after)
{
  Bucket *bucket = g_hash_table_lookup (self->buckets, key);
  gint64 now = g_get_monotonic_time ();

  if (bucket == NULL)
    {
      bucket = g_new0 (Bucket, 1);
      bucket->tokens = self->config->rate_burst;
      bucket->last_us = now;
      g_hash_table_insert (self->buckets, g_strdup (key), bucket);
    }
  bucket->tokens = MIN (self->config->rate_burst,
                        bucket->tokens + (now - bucket->last_us) / 1e6 * self->config->rate_limit);
  bucket->last_us = now;
  if (bucket->tokens >= 1.0)
    {
      bucket->tokens -= 1.0;
      return TRUE;
    }
  *retry_after = (guint) MAX (1.0, (1.0 - bucket->tokens) / self->config->rate_limit + 0.999);
  return FALSE;
}

/* handlers --------------------------------------------------------------- */

/* Absent, or 1 to 18 decimal digits: "-1", "+5", "1e3", "5, 5" or a value
 * past 10^18 are refused before libsoup reads by it. */
static gboolean
content_length_valid (SoupMessageHeaders *headers)
{
  const char *value = soup_message_headers_get_one (headers, "Content-Length");
  guint digits = 0;

  if (value == NULL)
    return TRUE;
  while (*value == ' ' || *value == '\t')
    value++;
  for (; g_ascii_isdigit (*value); value++)
    digits++;
  while (*value == ' ' || *value == '\t')
    value++;
  return digits >= 1 && digits <= 18 && *value == '\0';
}

static void
count_framing_cb (const char *name,
                  const char *value,
                  gpointer    user_data)
{
  guint *counts = user_data;

  if (g_ascii_strcasecmp (name, "Content-Length") == 0)
    counts[0] += strchr (value, ',') != NULL ? 2 : 1;
  else if (g_ascii_strcasecmp (name, "Transfer-Encoding") == 0)
    counts[1]++;
}

/* A body whose length two headers state differently is read one way by
 * the server and another by anything in front of it (request smuggling):
 * refuse duplicate Content-Length (RFC 9112 §6.3) and Content-Length with
 * Transfer-Encoding. NULL when the framing is unambiguous. */
static const char *
framing_error (SoupMessageHeaders *headers)
{
  guint counts[2] = { 0, 0 };

  soup_message_headers_foreach (headers, count_framing_cb, counts);
  if (counts[0] > 1)
    return "more than one Content-Length";
  if (counts[0] > 0 && counts[1] > 0)
    return "both Content-Length and Transfer-Encoding";
  return NULL;
}

void
_tg_server_early_handler_cb (SoupServer        *server,
                             SoupServerMessage *msg,
                             const char        *path,
                             GHashTable        *query,
                             gpointer           user_data)
{
  TgServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *method = soup_server_message_get_method (msg);
  g_autofree char *token = NULL;
  g_autofree char *sha256 = NULL;
  gboolean method_ok;
  Request *req;
  guint retry_after;
  const char *rate_key;
  g_autofree char *ip_key = NULL;
  Route route;
  const char *framing;

  if ((framing = framing_error (headers)) != NULL)
    {
      g_autofree char *message = g_strdup_printf ("the request has %s", framing);

      /* the body's end is unknown: nothing more can be read from here */
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
      _tg_server_respond_error (msg, 400, message);
      return;
    }

  /* Every refusal here is sent before a byte of the body is read, and a
   * request with a body is then closed (tg-server-conn.c). */
  if (!content_length_valid (headers))
    {
      _tg_server_respond_error (msg, 400, "Content-Length is not a valid length");
      return;
    }
  route = route_request (method, path, &sha256, &method_ok);
  if (route == ROUTE_NONE)
    {
      _tg_server_respond_error (msg, 404, "no such endpoint");
      return;
    }
  if (!method_ok)
    {
      _tg_server_respond_error (msg, 405, "method not allowed on this endpoint");
      return;
    }
  if (route != ROUTE_ENROL && route != ROUTE_PUSH && route != ROUTE_BLOB_UPLOAD &&
      tg_server_request_has_body (msg))
    {
      _tg_server_respond_error (msg, 413, "this endpoint takes no request body");
      return;
    }

  req = g_new0 (Request, 1);
  req->server = self;
  req->route = route;
  req->sha256 = g_steal_pointer (&sha256);
  g_object_set_data_full (G_OBJECT (msg), "tg-request", req, (GDestroyNotify) request_free);
  g_signal_connect (msg, "finished", G_CALLBACK (_tg_server_message_finished_cb), req);

  if (route != ROUTE_INFO && route != ROUTE_ENROL)
    {
      g_autoptr(GError) auth_error = NULL;

      token = tg_server_decode_bearer (soup_message_headers_get_one (headers, "Authorization"));
      req->auth = tg_server_store_authenticate (self->reader, token, &auth_error);
      if (auth_error != NULL)
        {
          _tg_server_respond_gerror (msg, auth_error);
          return;
        }
      if (req->auth == NULL)
        {
          soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                        "WWW-Authenticate", "Bearer realm=\"testigo\"");
          _tg_server_respond_error (msg, 401, token ? "this device token is unknown or was revoked"
                                                    : "an Authorization: Bearer token is required");
          return;
        }
      rate_key = req->auth->device_id;
    }
  else
    {
      g_autofree char *address = tg_server_address_key (soup_server_message_get_remote_host (msg));

      ip_key = g_strconcat ("ip:", address ? address : "?", NULL);
      rate_key = ip_key;
    }

  if (!rate_allow (self, rate_key, &retry_after))
    {
      char buf[16];

      g_snprintf (buf, sizeof buf, "%u", retry_after);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", buf);
      _tg_server_respond_error (msg, 429, "too many requests; retry later");
      return;
    }

  if (route == ROUTE_ENROL || route == ROUTE_PUSH)
    {
      gint64 limit = route == ROUTE_ENROL ? ENROL_MAX_BODY_BYTES : self->config->max_body_bytes;

      if (soup_message_headers_get_encoding (headers) != SOUP_ENCODING_CONTENT_LENGTH)
        {
          _tg_server_respond_error (msg, 411, "a Content-Length is required");
          return;
        }
      if (soup_message_headers_get_content_length (headers) > limit)
        {
          g_autofree char *message = g_strdup_printf ("the body is larger than %" G_GINT64_FORMAT " bytes",
                                                      limit);
          _tg_server_respond_error (msg, 413, message);
          return;
        }
    }
  else if (route == ROUTE_BLOB_UPLOAD)
    _tg_server_early_upload (self, msg, req, query);
}

static void
handle_info (TgServer          *self,
             SoupServerMessage *msg)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *iso = g_date_time_format_iso8601 (now);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "server");
  json_builder_add_string_value (builder, "testigo-server");
  json_builder_set_member_name (builder, "version");
  json_builder_add_string_value (builder, PACKAGE_VERSION);
  json_builder_set_member_name (builder, "api");
  json_builder_add_int_value (builder, 2);
  json_builder_set_member_name (builder, "time");
  json_builder_add_string_value (builder, iso);
  json_builder_set_member_name (builder, "time_us");
  json_builder_add_int_value (builder, g_date_time_to_unix (now) * G_USEC_PER_SEC +
                                       g_date_time_get_microsecond (now));
  json_builder_set_member_name (builder, "fingerprint");
  if (self->fingerprint)
    json_builder_add_string_value (builder, self->fingerprint);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "limits");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "max_body_bytes");
  json_builder_add_int_value (builder, self->config->max_body_bytes);
  json_builder_set_member_name (builder, "max_string_bytes");
  json_builder_add_int_value (builder, self->config->max_string_bytes);
  json_builder_set_member_name (builder, "max_batch");
  json_builder_add_int_value (builder, self->config->max_batch);
  json_builder_set_member_name (builder, "max_blob_refs");
  json_builder_add_int_value (builder, self->config->max_blob_refs);
  json_builder_set_member_name (builder, "max_batch_blob_refs");
  json_builder_add_int_value (builder, self->config->max_batch_blob_refs);
  json_builder_set_member_name (builder, "max_pull");
  json_builder_add_int_value (builder, self->config->max_pull);
  json_builder_set_member_name (builder, "max_blob_bytes");
  json_builder_add_int_value (builder, self->config->max_blob_bytes);
  json_builder_set_member_name (builder, "max_chunk_bytes");
  json_builder_add_int_value (builder, self->config->max_chunk_bytes);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  respond_json (msg, 200, node);
}

/* Push and enrolment bodies are decoded, and a push checked against the
 * caps (revisions, parents, blob references), on threads of their own: a
 * hostile body is refused there and never holds the store thread, which
 * gets only batches whose work is bounded. Enrolment, which needs no
 * token, has one thread and pushes two, apart from each other and from
 * GIO's shared pool (where TLS handshakes run): a stranger's 15 MB body
 * costs json-glib seconds, and must cost them only to other strangers. */
static gboolean
decode_done_cb (gpointer data)
{
  Job *job = data;

  if (job->error != NULL)
    {
      if (job->kind == JOB_ENROL)
        g_message ("enrolment refused: %s", job->error->message);
      _tg_server_respond_gerror (job->msg, job->error);
      soup_server_message_unpause (job->msg);
      _tg_server_job_free (job);
      return G_SOURCE_REMOVE;
    }
  g_clear_pointer (&job->body, g_bytes_unref);
  _tg_server_job_queue (job, TRUE);
  return G_SOURCE_REMOVE;
}

void
_tg_server_decode_thread (gpointer data,
                          gpointer user_data)
{
  Job *job = data;
  TgServer *self = job->server;
  gsize length;
  const char *body = g_bytes_get_data (job->body, &length);

  if (job->kind == JOB_PUSH)
    {
      const TgServerPushLimits limits = {
        .max_batch = self->config->max_batch,
        .max_string = self->config->max_string_bytes,
        .max_blob_refs = self->config->max_blob_refs,
        .max_batch_blob_refs = self->config->max_batch_blob_refs,
      };

      job->revisions = tg_server_decode_push (body, length, &limits, &job->blobs, &job->error);
    }
  else
    tg_server_decode_enrol (body, length, &job->text, &job->detail, &job->error);
  g_main_context_invoke (self->context, decode_done_cb, job);
}

static void
decode_later (TgServer          *self,
              JobKind            kind,
              SoupServerMessage *msg,
              Request           *req)
{
  Job *job = _tg_server_job_new (self, kind, msg, req ? req->auth : NULL);

  job->body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  soup_server_message_pause (msg);
  g_thread_pool_push (kind == JOB_PUSH ? self->push_pool : self->enrol_pool, job, NULL);
}

static void
handle_enrol (TgServer          *self,
              SoupServerMessage *msg)
{
  decode_later (self, JOB_ENROL, msg, NULL);
}

static void
handle_push (TgServer          *self,
             SoupServerMessage *msg,
             Request           *req)
{
  decode_later (self, JOB_PUSH, msg, req);
}

static void
handle_pull (TgServer          *self,
             SoupServerMessage *msg,
             Request           *req)
{
  Job *job = _tg_server_job_new (self, JOB_PULL, msg, req->auth);

  job->text = g_strdup (g_uri_get_query (soup_server_message_get_uri (msg)));
  _tg_server_job_queue (job, FALSE);
}

static void
handle_blob_offset (TgServer          *self,
                    SoupServerMessage *msg,
                    Request           *req)
{
  g_autofree char *key = NULL;
  Upload *upload;
  gint64 size;

  if (!tg_server_store_blob_visible (self->reader, req->auth, req->sha256))
    {
      _tg_server_respond_error (msg, 404, "no revision you can see refers to this blob");
      _tg_server_audit_probe (self, req, "offset query refused (404)");
      return;
    }
  if (tg_server_store_blob_held (self->reader, req->auth, req->sha256) &&
      _tg_server_blob_is_complete (self, req->sha256, &size))
    {
      _tg_server_respond_offset (msg, 200, size, TRUE, NULL);
      return;
    }
  _tg_server_audit_probe (self, req, "offset query");
  key = _tg_server_upload_key (req->sha256, req->auth);
  upload = g_hash_table_lookup (self->uploads, key);
  /* the verified offset: bytes of a chunk not yet checked, cut or
   * refused never count */
  if (upload != NULL)
    size = _tg_server_upload_get_offset (upload);
  else
    size = _tg_server_partial_offset (self, key);
  _tg_server_respond_offset (msg, 200, size, FALSE, NULL);
}

static void
handle_blob_get (TgServer          *self,
                 SoupServerMessage *msg,
                 Request           *req)
{
  SoupMessageHeaders *response_headers = soup_server_message_get_response_headers (msg);
  const char *range = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Range");
  g_autofree char *path = _tg_server_blob_path (self, req->sha256);
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  gint64 size, start = 0, end;
  guint status = 200;

  if (!tg_server_store_blob_visible (self->reader, req->auth, req->sha256) ||
      !tg_server_store_blob_held (self->reader, req->auth, req->sha256) ||
      !_tg_server_blob_is_complete (self, req->sha256, &size))
    {
      _tg_server_respond_error (msg, 404, "no such blob");
      _tg_server_audit_probe (self, req, "download refused (404)");
      return;
    }
  end = size - 1;

  if (range != NULL)
    {
      char buf[96];

      if (!tg_server_decode_range (range, size, &start, &end, &error))
        {
          if (error->code == TG_SERVER_ERROR_RANGE)
            {
              g_snprintf (buf, sizeof buf, "bytes */%" G_GINT64_FORMAT, size);
              soup_message_headers_replace (response_headers, "Content-Range", buf);
            }
          _tg_server_respond_gerror (msg, error);
          return;
        }
      status = 206;
      g_snprintf (buf, sizeof buf, "bytes %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT,
                  start, end, size);
      soup_message_headers_replace (response_headers, "Content-Range", buf);
    }

  soup_message_headers_replace (response_headers, "Accept-Ranges", "bytes");
  soup_message_headers_replace (response_headers, "Content-Type", "application/octet-stream");
  soup_server_message_set_status (msg, status, NULL);
  if (size == 0)
    return;

  mapped = g_mapped_file_new (path, FALSE, &error);
  if (mapped == NULL)
    {
      g_warning ("cannot map blob %s: %s", req->sha256, error->message);
      _tg_server_respond_error (msg, 500, "internal server error");
      return;
    }
  bytes = g_mapped_file_get_bytes (mapped);
  {
    g_autoptr(GBytes) slice = g_bytes_new_from_bytes (bytes, start, end - start + 1);

    soup_message_body_append_bytes (soup_server_message_get_response_body (msg), slice);
  }
  _tg_server_audit_later (self, req->auth, "download", req->sha256);
}

void
_tg_server_handler_cb (SoupServer        *server,
                       SoupServerMessage *msg,
                       const char        *path,
                       GHashTable        *query,
                       gpointer           user_data)
{
  TgServer *self = user_data;
  Request *req = g_object_get_data (G_OBJECT (msg), "tg-request");

  if (req == NULL)
    {
      _tg_server_respond_error (msg, 500, "internal server error");
      return;
    }

  switch (req->route)
    {
    case ROUTE_INFO:        handle_info (self, msg); break;
    case ROUTE_ENROL:       handle_enrol (self, msg); break;
    case ROUTE_PUSH:        handle_push (self, msg, req); break;
    case ROUTE_PULL:        handle_pull (self, msg, req); break;
    case ROUTE_BLOB_OFFSET: handle_blob_offset (self, msg, req); break;
    case ROUTE_BLOB_UPLOAD: _tg_server_handle_upload (self, msg, req); break;
    case ROUTE_BLOB_GET:    handle_blob_get (self, msg, req); break;
    case ROUTE_NONE:
    default:
      _tg_server_respond_error (msg, 404, "no such endpoint");
      break;
    }
}

/* Logs and audits one refusal: one by one up to REFUSALS_AUDITED per
 * client address (an IPv6 client per /64) and minute, then counted, and
 * the count audited with the next minute's first refusal. @detail names
 * what was refused and from where; @auth the device, when known. */
static void
note_refusal (TgServer     *self,
              const char   *host,
              TgServerAuth *auth,
              const char   *detail)
{
  g_autofree char *key = NULL;
  RefusalWindow *window;
  gint64 now = g_get_monotonic_time ();

  /* counted per address, an IPv6 client per /64 */
  key = tg_server_address_key (host);
  if (key == NULL)
    key = g_strdup (host);
  window = g_hash_table_lookup (self->refusals, key);
  if (window == NULL)
    {
      if (g_hash_table_size (self->refusals) >= REFUSALS_MAX_KEYS)
        g_hash_table_remove_all (self->refusals);
      window = g_new0 (RefusalWindow, 1);
      window->start_us = now;
      g_hash_table_insert (self->refusals, g_strdup (key), window);
    }
  if (now - window->start_us >= REFUSALS_WINDOW_US)
    {
      if (window->suppressed > 0)
        {
          g_autofree char *summary = g_strdup_printf ("%u more refused requests from %s in the minute "
                                                      "before were not audited one by one",
                                                      window->suppressed, key);
          g_message ("%s", summary);
          _tg_server_audit_later (self, NULL, "refused", summary);
        }
      window->start_us = now;
      window->audited = 0;
      window->suppressed = 0;
    }
  if (window->audited >= REFUSALS_AUDITED)
    {
      window->suppressed++;
      return;
    }
  window->audited++;

  g_message ("refused: %s%s%s", detail,
             auth ? ", device " : "", auth ? auth->device_id : "");
  _tg_server_audit_later (self, auth, "refused", detail);
}

/* 401, 403, 413 and 429 are logged and audited: who (device, when the
 * token was known), what (method, path without its query), from where —
 * never a header, a token or a body. */
void
_tg_server_request_finished_cb (SoupServer        *server,
                                SoupServerMessage *msg,
                                TgServer          *self)
{
  guint status = soup_server_message_get_status (msg);
  Request *req = g_object_get_data (G_OBJECT (msg), "tg-request");
  const char *host = soup_server_message_get_remote_host (msg);
  GUri *uri = soup_server_message_get_uri (msg);
  g_autofree char *path = NULL;
  g_autofree char *detail = NULL;

  if (status != 401 && status != 403 && status != 413 && status != 429)
    return;
  host = host ? host : "?";
  /* the path is ours to route; cut whatever a client put there short */
  path = g_strndup (uri ? g_uri_get_path (uri) : "?", 128);
  for (char *p = path; *p; p++)
    if ((guchar) *p < 0x20 || (guchar) *p >= 0x7f)
      *p = '?';

  detail = g_strdup_printf ("%u %s %s from %s", status, soup_server_message_get_method (msg), path, host);
  note_refusal (self, host, req ? req->auth : NULL, detail);
}

/* a connection closed at accept, its address over handshake-rate
 * (tg-server-conn.c): logged and audited in the same windows */
void
_tg_server_handshake_throttled_cb (const char *host,
                                   gpointer    user_data)
{
  TgServer *self = user_data;
  g_autofree char *detail = g_strdup_printf ("TLS connection over handshake-rate (%g a second, burst %g) from %s",
                                             self->config->handshake_rate, self->config->handshake_burst, host);

  note_refusal (self, host, NULL, detail);
}

/* a refusal sent before the body (tg-server-conn.c): libsoup ends its
 * message as aborted, so it is logged and audited here */
void
_tg_server_refused_early_cb (SoupServerMessage *msg,
                             gpointer           user_data)
{
  TgServer *self = user_data;

  _tg_server_request_finished_cb (self->soup, msg, self);
}
