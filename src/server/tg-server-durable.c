/* tg-server-durable.c — group commit: replies wait until the WAL holding
 * their commit is synced
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

void
_tg_server_waiter_free (Waiter *waiter)
{
  g_object_unref (waiter->msg);
  g_free (waiter);
}

static void start_sync (TgServer *self);
static gboolean sync_done_cb (gpointer data);

void
_tg_server_sync_thread (gpointer data,
                        gpointer user_data)
{
  SyncJob *job = data;
  TgServer *self = job->server;
  int fd = open (self->wal_path, O_RDONLY | O_CLOEXEC);

  /* fdatasync through any descriptor flushes the file's written pages */
  if (fd < 0 || fdatasync (fd) != 0)
    {
      int saved = errno;

      g_set_error (&job->error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "cannot sync %s: %s", self->wal_path, g_strerror (saved));
    }
  if (fd >= 0)
    close (fd);
  g_main_context_invoke (self->context, sync_done_cb, job);
}

static gboolean
sync_done_cb (gpointer data)
{
  SyncJob *job = data;
  g_autoptr(TgServer) self = job->server;
  g_autoptr(GError) error = job->error;
  guint64 generation = job->generation;
  g_autoptr(GPtrArray) ready = g_ptr_array_new_with_free_func ((GDestroyNotify) _tg_server_waiter_free);

  g_free (job);
  self->syncing = FALSE;
  if (error == NULL)
    self->synced = MAX (self->synced, generation);
  else
    g_warning ("%s", error->message);

  for (guint i = 0; i < self->waiters->len; )
    {
      Waiter *waiter = g_ptr_array_index (self->waiters, i);

      if (waiter->generation <= generation)
        g_ptr_array_add (ready, g_ptr_array_steal_index (self->waiters, i));
      else
        i++;
    }
  for (guint i = 0; i < ready->len; i++)
    {
      Waiter *waiter = g_ptr_array_index (ready, i);

      /* stored but perhaps not durable: the client retries (idempotent) */
      if (error != NULL)
        _tg_server_respond_error (waiter->msg, 503, "the server could not sync its database; retry");
      soup_server_message_unpause (waiter->msg);
    }
  if (self->waiters->len > 0)
    start_sync (self);
  return G_SOURCE_REMOVE;
}

static void
start_sync (TgServer *self)
{
  SyncJob *job;

  if (self->syncing)
    return;
  self->syncing = TRUE;
  job = g_new0 (SyncJob, 1);
  job->server = g_object_ref (self);
  /* every commit counted here was written to the WAL file before its
   * result reached the main loop, so before the thread syncs it */
  job->generation = self->committed;
  g_thread_pool_push (self->sync_pool, job, NULL);
}

/* The reply to @msg leaves once the commit @generation is durable. One
 * fdatasync covers all the commits made while the previous one ran. */
gboolean
_tg_server_reply_when_durable_full (TgServer          *self,
                                    SoupServerMessage *msg,
                                    guint64            generation,
                                    gboolean           paused)
{
  Waiter *waiter;

  if (self->synced >= generation)
    return FALSE;
  waiter = g_new0 (Waiter, 1);
  waiter->msg = g_object_ref (msg);
  waiter->generation = generation;
  g_ptr_array_add (self->waiters, waiter);
  if (!paused)
    soup_server_message_pause (msg);
  start_sync (self);
  return TRUE;
}
