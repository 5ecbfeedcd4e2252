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
 * testigo-server (tg_wal_checkpointer_new_full) wakes it once per 4000
 * new pages and past 25000 has it RESTART the log, since under a load
 * that never pauses a passive checkpoint cannot let the log start over.
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
#include "tg-sqlite.h"
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
  /* tg_wal_checkpointer_new_full () only; 0 keeps them off */
  int       rearm_pages;   /* next wake this many pages after the last */
  int       restart_pages; /* RESTART after the PASSIVE one past this many */
  int       next_wake;     /* the writer's: pages for the next wake */
  int       last_pages;    /* the writer's: the log's size at the last commit */
  int       mode;          /* the mode asked for, under the mutex */
};

static int
wal_hook_cb (gpointer    data,
             sqlite3    *db,
             const char *name,
             int         n_pages)
{
  TgWalCheckpointer *self = data;

  if (self->rearm_pages > 0)
    {
      /* the log started over: everything in it was checkpointed */
      if (n_pages < self->last_pages)
        self->next_wake = self->thread_pages;
      self->last_pages = n_pages;
    }

  if (n_pages >= self->writer_pages)
    {
      /* SQLITE_BUSY here means the thread is at it: nothing to do. */
      sqlite3_wal_checkpoint_v2 (db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    }
  else if (self->rearm_pages > 0 && n_pages >= self->next_wake)
    {
      self->next_wake = n_pages + self->rearm_pages;
      g_mutex_lock (&self->mutex);
      self->pending = TRUE;
      if (self->restart_pages > 0 && n_pages >= self->restart_pages)
        self->mode = SQLITE_CHECKPOINT_RESTART;
      g_cond_signal (&self->cond);
      g_mutex_unlock (&self->mutex);
    }
  else if (self->rearm_pages == 0 && n_pages >= self->thread_pages)
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
      int mode;
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
      mode = self->mode;
      self->mode = SQLITE_CHECKPOINT_PASSIVE;
      g_mutex_unlock (&self->mutex);

      /* PASSIVE never blocks the writer, so it copies the bulk before a
       * RESTART makes the writer wait for the rest */
      rc = sqlite3_wal_checkpoint_v2 (self->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
      if (mode != SQLITE_CHECKPOINT_PASSIVE && (rc == SQLITE_OK || rc == SQLITE_BUSY))
        rc = sqlite3_wal_checkpoint_v2 (self->db, NULL, mode, NULL, NULL);
      if (rc != SQLITE_OK && rc != SQLITE_BUSY)
        g_warning ("WAL checkpoint failed: %s", sqlite3_errmsg (self->db));
      else
        g_atomic_int_inc (&self->n_checkpoints);
    }
  return NULL;
}

static TgWalCheckpointer *
checkpointer_new (sqlite3                        *writer,
                  const char                     *path,
                  const TgWalCheckpointerOptions *options,
                  gboolean                        read_first,
                  GError                        **error)
{
  TgWalCheckpointer *self;
  sqlite3 *db = NULL;
  int rc;

  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  sqlite3_extended_result_codes (db, 1);
  if (rc == SQLITE_OK && options->key != NULL && !tg_sqlite_key_db (db, path, options->key, error))
    {
      sqlite3_close_v2 (db);
      return NULL;
    }
  if (rc == SQLITE_OK && options->busy_timeout_ms > 0)
    rc = sqlite3_busy_timeout (db, (int) MIN (options->busy_timeout_ms, G_MAXINT));
  if (rc == SQLITE_OK)
    rc = sqlite3_exec (db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
  /* a new connection knows the file is in WAL mode only once it read it */
  if (rc == SQLITE_OK && read_first)
    rc = sqlite3_exec (db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
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
  self->thread_pages = (int) MIN (options->thread_pages, G_MAXINT);
  self->writer_pages = (int) MIN (options->writer_pages, G_MAXINT);
  self->rearm_pages = (int) MIN (options->rearm_pages, G_MAXINT);
  self->restart_pages = (int) MIN (options->restart_pages, G_MAXINT);
  self->next_wake = self->thread_pages;
  self->mode = SQLITE_CHECKPOINT_PASSIVE;
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->thread = g_thread_new ("tg-wal-checkpoint", checkpoint_thread, self);

  /* Replaces the writer's automatic checkpoint (a WAL hook as well). */
  sqlite3_wal_hook (writer, wal_hook_cb, self);
  return self;
}

TgWalCheckpointer *
tg_wal_checkpointer_new (sqlite3     *writer,
                         const char  *path,
                         guint        thread_pages,
                         guint        writer_pages,
                         GError     **error)
{
  const TgWalCheckpointerOptions options = {
    .thread_pages = thread_pages,
    .writer_pages = writer_pages,
  };

  return checkpointer_new (writer, path, &options, FALSE, error);
}

TgWalCheckpointer *
tg_wal_checkpointer_new_keyed (sqlite3       *writer,
                               const char    *path,
                               const guint8  *key,
                               guint          thread_pages,
                               guint          writer_pages,
                               GError       **error)
{
  const TgWalCheckpointerOptions options = {
    .thread_pages = thread_pages,
    .writer_pages = writer_pages,
    .key = key,
  };

  g_return_val_if_fail (key != NULL, NULL);
  return checkpointer_new (writer, path, &options, FALSE, error);
}

TgWalCheckpointer *
tg_wal_checkpointer_new_full (sqlite3                        *writer,
                              const char                     *path,
                              const TgWalCheckpointerOptions *options,
                              GError                        **error)
{
  TgWalCheckpointerOptions full = *options;

  /* 0: the writer never checkpoints itself */
  if (full.writer_pages == 0)
    full.writer_pages = G_MAXINT;
  return checkpointer_new (writer, path, &full, TRUE, error);
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
