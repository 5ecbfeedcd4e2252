/* tg-store.c — the local SQLite store
 *
 * One connection, opened in WAL mode with synchronous=FULL, shared by the
 * main thread (short, indexed reads) and worker threads (saves, imports)
 * under a recursive lock. Every write is a transaction that records an
 * immutable revision, updates the heads of the record's revision tree,
 * re-materialises the record's current state (the `reports` row, its
 * categories and its full-text entry) and appends to the custody log: a
 * kill at any moment leaves either all of it or none of it.
 *
 * This file holds the object: its signals, opening and closing. Its
 * parts live beside it, sharing the struct in tg-store-private.h:
 * tg-store-schema.c (the file and its migrations), tg-store-revisions.c,
 * tg-store-save.c, tg-store-query.c, tg-store-sync.c and
 * tg-store-incident.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-store"

#include "config.h"

#include "tg-progress.h"
#include "tg-sqlite.h"
#include "tg-store-private.h"
#include "tg-wal-checkpointer.h"

G_DEFINE_FINAL_TYPE (TgStore, tg_store, G_TYPE_OBJECT)

enum {
  REPORT_CHANGED,
  REPORT_SYNC_CHANGED,
  INCIDENT_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Helpers --------------------------------------------------------------- */

sqlite3 *
tg_store_get_db (TgStore *self)
{
  return self->db;
}

void
tg_store_lock (TgStore *self)
{
  g_rec_mutex_lock (&self->lock);
}

void
tg_store_unlock (TgStore *self)
{
  g_rec_mutex_unlock (&self->lock);
}

/* The store's connection through the SQLite layer (core/db). Callers hold
 * the lock and release statements with tg_sqlite_stmt_release(). */
TgSqliteStmt *
tg_store_prepare (TgStore     *self,
                  const char  *sql,
                  GError     **error)
{
  return tg_sqlite_prepare (self->sql, sql, error);
}

TgSqlite *
tg_store_get_sql (TgStore *self)
{
  return self->sql;
}

gboolean
tg_store_exec (TgStore     *self,
               const char  *sql,
               GError     **error)
{
  return tg_sqlite_exec (self->sql, sql, error);
}

gboolean
tg_store_step_done (TgStore       *self,
                    sqlite3_stmt  *stmt,
                    GError       **error)
{
  return tg_sqlite_step_done (self->sql, stmt, error);
}

typedef struct
{
  GWeakRef  store;
  guint     signal;
  char     *report_id;
} ChangedData;

static gboolean
emit_changed_cb (gpointer user_data)
{
  ChangedData *data = user_data;
  g_autoptr(TgStore) self = g_weak_ref_get (&data->store);

  if (self != NULL)
    g_signal_emit (self, signals[data->signal], 0, data->report_id);
  return G_SOURCE_REMOVE;
}

static void
changed_data_free (gpointer user_data)
{
  ChangedData *data = user_data;

  g_weak_ref_clear (&data->store);
  g_free (data->report_id);
  g_free (data);
}

static void
emit_in_context (TgStore    *self,
                 guint       signal,
                 const char *report_id)
{
  ChangedData *data = g_new0 (ChangedData, 1);

  g_weak_ref_init (&data->store, self);
  data->signal = signal;
  data->report_id = g_strdup (report_id);

  tg_main_context_call (self->context, self->context_thread, emit_changed_cb, data, changed_data_free);
}

/* A record id is a report's or an incident's: pulls and imports say
 * "changed" for both, and each goes out as its own signal. */
void
tg_store_emit_changed (TgStore    *self,
                       const char *report_id)
{
  gboolean is_incident = FALSE;

  if (self->schema_version >= 9)
    {
      tg_store_lock (self);
      if (self->db != NULL)
        {
          g_autoptr(TgSqliteStmt) stmt =
            tg_sqlite_prepare (self->sql, "SELECT 1 FROM incidents WHERE incident_id = ?", NULL);

          if (stmt != NULL)
            {
              tg_sqlite_bind_text (stmt, 1, report_id);
              is_incident = sqlite3_step (stmt) == SQLITE_ROW;
            }
        }
      tg_store_unlock (self);
    }
  emit_in_context (self, is_incident ? INCIDENT_CHANGED : REPORT_CHANGED, report_id);
}

void
tg_store_emit_incident_changed (TgStore    *self,
                                const char *incident_id)
{
  emit_in_context (self, INCIDENT_CHANGED, incident_id);
}

void
tg_store_emit_sync_changed (TgStore    *self,
                            const char *report_id)
{
  emit_in_context (self, REPORT_SYNC_CHANGED, report_id);
}

/* GObject --------------------------------------------------------------- */

static void
tg_store_finalize (GObject *object)
{
  TgStore *self = (TgStore *) object;

  tg_store_close (self);
  g_clear_object (&self->blob_store);
  g_free (self->directory);
  g_free (self->db_path);
  g_free (self->device_id);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_rec_mutex_clear (&self->lock);
  g_mutex_clear (&self->reader_lock);

  G_OBJECT_CLASS (tg_store_parent_class)->finalize (object);
}

static void
tg_store_class_init (TgStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tg_store_finalize;

  /**
   * TgStore::report-changed:
   * @report_id: the report's id
   *
   * A report got a new revision (an edit, an import, a deletion).
   */
  signals[REPORT_CHANGED] =
    g_signal_new ("report-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * TgStore::report-sync-changed:
   * @report_id: the report's id
   *
   * The report's #TgReportSyncState may have changed (a save, a push
   * acknowledged, a file sent, a pull).
   */
  signals[REPORT_SYNC_CHANGED] =
    g_signal_new ("report-sync-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * TgStore::incident-changed:
   * @incident_id: the incident's id
   *
   * An incident got a new revision (made here or pulled), or was
   * dissolved.
   */
  signals[INCIDENT_CHANGED] =
    g_signal_new ("incident-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
tg_store_init (TgStore *self)
{
  g_rec_mutex_init (&self->lock);
  g_mutex_init (&self->reader_lock);
  self->context = g_main_context_ref_thread_default ();
  self->context_thread = g_thread_self ();
}

/* Public API: opening --------------------------------------------------- */

TgStore *
tg_store_open (const char  *directory,
               GError     **error)
{
  return tg_store_open_file (directory, TG_STORE_SCHEMA_VERSION, NULL, error);
}

TgStore *
tg_store_open_keyed (const char    *directory,
                     const guint8  *key,
                     GError       **error)
{
  g_return_val_if_fail (key != NULL, NULL);
  return tg_store_open_file (directory, TG_STORE_SCHEMA_VERSION, key, error);
}

TgStore *
tg_store_open_at_version (const char  *directory,
                          int          version,
                          GError     **error)
{
  return tg_store_open_file (directory, version, NULL, error);
}

typedef struct
{
  char   *directory;
  guint8 *key;  /* NULL: plain */
} OpenData;

static void
open_data_free (OpenData *data)
{
  tg_secure_key_free (data->key);
  g_free (data->directory);
  g_free (data);
}

static void
open_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  OpenData *data = task_data;
  GError *error = NULL;
  TgStore *store = tg_store_open_file (data->directory, TG_STORE_SCHEMA_VERSION, data->key, &error);

  if (store == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, store, g_object_unref);
}

void
tg_store_open_async (const char          *directory,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  tg_store_open_keyed_async (directory, NULL, cancellable, callback, user_data);
}

void
tg_store_open_keyed_async (const char          *directory,
                           const guint8        *key,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  OpenData *data = g_new0 (OpenData, 1);

  data->directory = g_strdup (directory);
  data->key = tg_secure_key_dup (key);  /* NULL: plain */
  g_task_set_source_tag (task, tg_store_open_async);
  g_task_set_task_data (task, data, (GDestroyNotify) open_data_free);
  g_task_run_in_thread (task, open_thread);
}

TgStore *
tg_store_open_finish (GAsyncResult  *result,
                      GError       **error)
{
  TgStore *store;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  store = g_task_propagate_pointer (G_TASK (result), error);
  if (store != NULL)
    {
      /* Signals go to the context of the thread that asked. */
      g_clear_pointer (&store->context, g_main_context_unref);
      store->context = g_main_context_ref_thread_default ();
      store->context_thread = g_thread_self ();
    }
  return store;
}

void
tg_store_close (TgStore *self)
{
  g_return_if_fail (TG_IS_STORE (self));

  g_mutex_lock (&self->reader_lock);
  g_clear_pointer (&self->reader, tg_sqlite_close);
  g_mutex_unlock (&self->reader_lock);

  g_rec_mutex_lock (&self->lock);
  g_clear_pointer (&self->checkpointer, tg_wal_checkpointer_free);
  g_clear_object (&self->custody_log);
  g_clear_pointer (&self->sql, tg_sqlite_close);
  self->db = NULL;
  g_clear_pointer (&self->key, tg_secure_key_free);
  g_rec_mutex_unlock (&self->lock);
}

guint
tg_store_get_n_checkpoints (TgStore *self)
{
  g_return_val_if_fail (TG_IS_STORE (self), 0);

  return self->checkpointer ? tg_wal_checkpointer_get_n_checkpoints (self->checkpointer) : 0;
}

const char *
tg_store_get_directory (TgStore *self)
{
  g_return_val_if_fail (TG_IS_STORE (self), NULL);
  return self->directory;
}

const char *
tg_store_get_device_id (TgStore *self)
{
  g_return_val_if_fail (TG_IS_STORE (self), NULL);
  return self->device_id;
}

int
tg_store_get_schema_version (TgStore *self)
{
  g_return_val_if_fail (TG_IS_STORE (self), 0);
  return self->schema_version;
}

TgBlobStore *
tg_store_get_blob_store (TgStore *self)
{
  g_return_val_if_fail (TG_IS_STORE (self), NULL);
  return self->blob_store;
}

TgCustodyLog *
tg_store_get_custody_log (TgStore *self)
{
  g_return_val_if_fail (TG_IS_STORE (self), NULL);
  return self->custody_log;
}
