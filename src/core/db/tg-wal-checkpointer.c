/* tg-wal-checkpointer.c — WAL checkpoints on a thread with a connection of its own
 *
 * SQLite appends each commit to the write-ahead log; a checkpoint copies
 * the log back into the database file. By default the connection that
 * commits does it, so a save now and then pays for copying and syncing
 * thousands of pages written by earlier saves. Here a thread with its own
 * connection does it instead, woken once the log holds CHECKPOINT_PAGES:
 * a passive checkpoint copies what no reader still needs and never blocks
 * the writer, so saves cost their own pages only.
 * The store wakes it at 1000 pages (TG_WAL_CHECKPOINT_PAGES).
 *
 * Should the thread fall behind (a long read holds the log), the writer
 * checkpoints itself past its own threshold, as SQLite's own
 * automatic checkpoint would, so the log stays bounded.
 *
 * Durability is unchanged: a commit is synced to the log before it
 * returns (synchronous=FULL), and a checkpoint is safe to interrupt.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-store"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tg-types.h"
#include "tg-wal-checkpointer.h"

struct _TgWalCheckpointer
{
  sqlite3  *writer;
  sqlite3  *db;       /* the thread's own connection */
  GThread  *thread;
  GMutex    mutex;
  GCond     cond;
  gboolean  pending;
  gboolean  stopping;
  guint     n_checkpoints;
  int       thread_pages;  /* wake the thread at this many pages */
  int       writer_pages;  /* the writer checkpoints itself at this many */
};

static int
wal_hook_cb (gpointer    data,
             sqlite3    *db,
             const char *name,
             int         n_pages)
{
  TgWalCheckpointer *self = data;

  if (n_pages >= self->writer_pages)
    {
      /* SQLITE_BUSY here means the thread is at it: nothing to do. */
      sqlite3_wal_checkpoint_v2 (db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    }
  else if (n_pages >= self->thread_pages)
    {
      g_mutex_lock (&self->mutex);
      self->pending = TRUE;
      g_cond_signal (&self->cond);
      g_mutex_unlock (&self->mutex);
    }
  return SQLITE_OK;
}

static gpointer
checkpoint_thread (gpointer data)
{
  TgWalCheckpointer *self = data;

  for (;;)
    {
      int rc;

      g_mutex_lock (&self->mutex);
      while (!self->pending && !self->stopping)
        g_cond_wait (&self->cond, &self->mutex);
      if (self->stopping)
        {
          g_mutex_unlock (&self->mutex);
          break;
        }
      self->pending = FALSE;
      g_mutex_unlock (&self->mutex);

      rc = sqlite3_wal_checkpoint_v2 (self->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
      if (rc != SQLITE_OK && rc != SQLITE_BUSY)
        g_warning ("WAL checkpoint failed: %s", sqlite3_errmsg (self->db));
      else
        g_atomic_int_inc (&self->n_checkpoints);
    }
  return NULL;
}

TgWalCheckpointer *
tg_wal_checkpointer_new (sqlite3     *writer,
                         const char  *path,
                         guint        thread_pages,
                         guint        writer_pages,
                         GError     **error)
{
  TgWalCheckpointer *self;
  sqlite3 *db = NULL;
  int rc;

  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec (db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_FAILED, _("Could not open %s: %s"),
                   path, db ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
      sqlite3_close_v2 (db);
      return NULL;
    }
  /* This connection never checkpoints on its own account. */
  sqlite3_wal_autocheckpoint (db, 0);

  self = g_new0 (TgWalCheckpointer, 1);
  self->writer = writer;
  self->db = db;
  self->thread_pages = (int) MIN (thread_pages, G_MAXINT);
  self->writer_pages = (int) MIN (writer_pages, G_MAXINT);
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->thread = g_thread_new ("tg-wal-checkpoint", checkpoint_thread, self);

  /* Replaces the writer's automatic checkpoint (a WAL hook as well). */
  sqlite3_wal_hook (writer, wal_hook_cb, self);
  return self;
}

/* Call while no commit can run on the writer. */
void
tg_wal_checkpointer_free (TgWalCheckpointer *self)
{
  if (self == NULL)
    return;

  sqlite3_wal_hook (self->writer, NULL, NULL);

  g_mutex_lock (&self->mutex);
  self->stopping = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);
  g_thread_join (self->thread);

  sqlite3_close_v2 (self->db);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_free (self);
}

guint
tg_wal_checkpointer_get_n_checkpoints (TgWalCheckpointer *self)
{
  return g_atomic_int_get (&self->n_checkpoints);
}
