/* tg-server.c — the HTTPS API over a SoupServer
 *
 * Every request passes an early handler first, run as soon as the headers
 * are in: it routes, authenticates, applies the rate limit and the size
 * limits, and for blob uploads opens the partial file so the body streams
 * to disk chunk by chunk and is never held in memory. The main handler then
 * runs on the complete request.
 *
 * Threads: the main loop does TLS, HTTP and the cheap reads of the early
 * handler (token, blob permission) on a read-only database connection. The
 * work of enrol, push and pull — decoding the body, SQLite, encoding the
 * reply — and every other write runs on one store thread that owns the
 * writing connection; the message is paused meanwhile and its reply set
 * back on the main loop. Another thread fdatasyncs the WAL (group commit),
 * one writes and hashes uploads, and the store checkpoints the WAL from one
 * of its own. See docs/sync-protocol.md and docs/server.md.
 *
 * This file holds the object's lifecycle; the rest is split by subject
 * around tg-server-private.h (the struct and the types): -handlers.c
 * (routing, rate limits, the handlers, replies), -jobs.c (the store
 * thread), -upload.c (uploads and their thread), -durable.c (group
 * commit).
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

G_DEFINE_FINAL_TYPE (TgServer, tg_server, G_TYPE_OBJECT)

/* object ----------------------------------------------------------------- */

static void
tg_server_finalize (GObject *object)
{
  TgServer *self = (TgServer *) object;

  /* every job holds a reference: none is left in either pool here */
  if (self->store_pool)
    g_thread_pool_free (self->store_pool, FALSE, TRUE);
  if (self->sync_pool)
    g_thread_pool_free (self->sync_pool, FALSE, TRUE);
  if (self->push_pool)
    g_thread_pool_free (self->push_pool, FALSE, TRUE);
  if (self->enrol_pool)
    g_thread_pool_free (self->enrol_pool, FALSE, TRUE);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_object (&self->reader);
  g_clear_pointer (&self->waiters, g_ptr_array_unref);
  g_free (self->wal_path);
  g_clear_pointer (&self->conns, tg_server_conns_free);
  if (self->soup)
    soup_server_disconnect (self->soup);
  g_clear_object (&self->soup);
  g_clear_object (&self->store);
  g_clear_object (&self->certificate);
  /* each upload waits for its chunks to be written */
  g_clear_pointer (&self->uploads, g_hash_table_unref);
  g_clear_pointer (&self->buckets, g_hash_table_unref);
  g_clear_pointer (&self->refusals, g_hash_table_unref);
  g_free (self->fingerprint);
  g_free (self->base_uri);
  g_free (self->blob_dir);
  g_free (self->partial_dir);

  G_OBJECT_CLASS (tg_server_parent_class)->finalize (object);
}

static void
tg_server_class_init (TgServerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tg_server_finalize;
}

static void
tg_server_init (TgServer *self)
{
  self->uploads = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) _tg_server_upload_free);
  self->buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->refusals = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->waiters = g_ptr_array_new_with_free_func ((GDestroyNotify) _tg_server_waiter_free);
}

TgServer *
tg_server_new (TgServerConfig   *config,
               TgServerStore    *store,
               GTlsCertificate  *certificate,
               GError          **error)
{
  g_autoptr(TgServer) self = g_object_new (TG_TYPE_SERVER, NULL);

  self->config = config;
  self->store = g_object_ref (store);
  self->wal_path = tg_server_store_get_wal_path (store);
  tg_server_store_set_deferred_sync (store, TRUE);
  tg_server_store_checkpoint_in_background (store);
  if (!(self->reader = tg_server_store_open (tg_server_store_get_path (store), error)))
    return NULL;
  tg_server_store_set_read_only (self->reader);
  self->context = g_main_context_ref_thread_default ();
  /* exclusive pools of one thread each: the store thread owns its
   * connection, and there is one fdatasync at a time */
  if (!(self->store_pool = g_thread_pool_new (_tg_server_store_thread, NULL, 1, TRUE, error)) ||
      !(self->sync_pool = g_thread_pool_new (_tg_server_sync_thread, NULL, 1, TRUE, error)) ||
      !(self->push_pool = g_thread_pool_new (_tg_server_decode_thread, NULL, 2, TRUE, error)) ||
      !(self->enrol_pool = g_thread_pool_new (_tg_server_decode_thread, NULL, 1, TRUE, error)))
    return NULL;
  /* one for the process, shared by every upload */
  if (_tg_server_upload_pool == NULL &&
      !(_tg_server_upload_pool = g_thread_pool_new (_tg_server_upload_thread, NULL, 1, TRUE, error)))
    return NULL;
  self->blob_dir = g_build_filename (config->data_dir, "blobs", NULL);
  self->partial_dir = g_build_filename (config->data_dir, "partial", NULL);
  if (g_mkdir_with_parents (self->blob_dir, 0700) != 0 ||
      g_mkdir_with_parents (self->partial_dir, 0700) != 0)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL,
                   _("Cannot create %s: %s"), self->blob_dir, g_strerror (errno));
      return NULL;
    }

  self->soup = soup_server_new ("server-header", "testigo-server/" PACKAGE_VERSION " ", NULL);
  if (certificate != NULL)
    {
      self->certificate = g_object_ref (certificate);
      self->fingerprint = tg_server_tls_fingerprint (certificate);
    }

  /* TLS is done by tg-server-conn.c, which hands libsoup each connection;
   * every path goes through the early handler, so that no body is read
   * before its route, method, size and token are checked */
  soup_server_add_early_handler (self->soup, NULL, _tg_server_early_handler_cb, self, NULL);
  soup_server_add_handler (self->soup, NULL, _tg_server_handler_cb, self, NULL);
  g_signal_connect (self->soup, "request-finished", G_CALLBACK (_tg_server_request_finished_cb), self);

  return g_steal_pointer (&self);
}

gboolean
tg_server_start (TgServer  *self,
                 GError   **error)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (self->config->listen);
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GSocket) listen_socket = NULL;
  g_autoptr(GSocketAddress) local = NULL;

  if (address == NULL)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                   _("“%s” is not an IP address to listen on"), self->config->listen);
      return FALSE;
    }
  if (self->certificate == NULL &&
      (!self->config->insecure_http || !g_inet_address_get_is_loopback (address)))
    {
      g_set_error_literal (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                           _("Plain HTTP is allowed only with --insecure-dev-http on a loopback address"));
      return FALSE;
    }

  /* Our own listening socket: soup_server_listen () keeps GSocket's
   * backlog of 10, and when a hundred devices connect at once the kernel
   * drops the SYNs past it; they are retried after 1, 3, 7 s, which was
   * most of the first requests' latency. */
  socket_address = g_inet_socket_address_new (address, self->config->port);
  listen_socket = g_socket_new (g_socket_address_get_family (socket_address), G_SOCKET_TYPE_STREAM,
                                G_SOCKET_PROTOCOL_DEFAULT, error);
  if (listen_socket == NULL)
    return FALSE;
  if (g_socket_address_get_family (socket_address) == G_SOCKET_FAMILY_IPV6)
    g_socket_set_option (listen_socket, IPPROTO_IPV6, IPV6_V6ONLY, TRUE, NULL);
  g_socket_set_listen_backlog (listen_socket, SOMAXCONN);
  if (!g_socket_bind (listen_socket, socket_address, TRUE, error) ||
      !g_socket_listen (listen_socket, error) ||
      !(local = g_socket_get_local_address (listen_socket, error)) ||
      !(self->conns = tg_server_conns_new (self->soup, self->config, self->certificate,
                                           listen_socket, error)))
    return FALSE;
  tg_server_conns_set_refused_func (self->conns, _tg_server_refused_early_cb, self);
  tg_server_conns_set_throttled_func (self->conns, _tg_server_handshake_throttled_cb, self);

  {
    gboolean v6 = strchr (self->config->listen, ':') != NULL;

    self->base_uri = g_strdup_printf ("%s://%s%s%s:%u", self->certificate ? "https" : "http",
                                      v6 ? "[" : "", self->config->listen, v6 ? "]" : "",
                                      g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)));
  }
  return TRUE;
}

const char *
tg_server_get_base_uri (TgServer *self)
{
  return self->base_uri;
}
