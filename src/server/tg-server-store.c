/* tg-server-store.c — the server's SQLite database: open, schema and
 * migrations, the statement helpers its other files share, durability
 * (deferred sync, background checkpoints) and the sequence
 *
 * The rest is split by subject, around tg-server-store-private.h:
 * -accounts.c, -push.c, -pull.c, -blobs.c, -backup.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "testigo-server"

#include "config.h"

#include <string.h>
#include <sqlite3.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "tg-revision.h"
#include "tg-server-decode.h"
#include "tg-server-store-private.h"

/* WAL sizes, in pages: a checkpoint in the background after each 4000
 * new pages; past the limit a RESTART one, which makes the writer wait
 * while it copies the last frames, so that the WAL starts over (a passive
 * checkpoint from another connection cannot let it start over under a load
 * that never pauses) */
#define CHECKPOINT_PAGES       4000
#define CHECKPOINT_PAGES_LIMIT 25000

G_DEFINE_FINAL_TYPE (TgServerStore, tg_server_store, G_TYPE_OBJECT)

static const char *schema_v1 =
  "CREATE TABLE users ("
  "  id INTEGER PRIMARY KEY,"
  "  name TEXT NOT NULL UNIQUE,"
  "  role TEXT NOT NULL CHECK (role IN ('monitor', 'coordinator', 'admin')),"
  "  created_at INTEGER NOT NULL);"
  "CREATE TABLE devices ("
  "  id TEXT PRIMARY KEY,"
  "  user_id INTEGER NOT NULL REFERENCES users (id),"
  "  name TEXT NOT NULL,"
  "  token_sha256 TEXT NOT NULL UNIQUE,"
  "  created_at INTEGER NOT NULL,"
  "  last_seen INTEGER,"
  "  revoked_at INTEGER);"
  "CREATE TABLE enrol_codes ("
  "  code_sha256 TEXT PRIMARY KEY,"
  "  user_id INTEGER NOT NULL REFERENCES users (id),"
  "  created_at INTEGER NOT NULL,"
  "  expires_at INTEGER NOT NULL,"
  "  used_at INTEGER,"
  "  device_id TEXT REFERENCES devices (id));"
  "CREATE TABLE records ("
  "  id TEXT PRIMARY KEY,"
  "  kind TEXT NOT NULL,"
  "  owner_user_id INTEGER NOT NULL REFERENCES users (id),"
  "  created_seq INTEGER NOT NULL);"
  "CREATE INDEX records_owner ON records (owner_user_id);"
  "CREATE TABLE revisions ("
  "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  id TEXT NOT NULL UNIQUE,"
  "  record_id TEXT NOT NULL REFERENCES records (id),"
  "  kind TEXT NOT NULL,"
  "  parents TEXT NOT NULL,"
  "  device TEXT NOT NULL,"
  "  device_seq INTEGER NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  deleted INTEGER NOT NULL,"
  "  content TEXT NOT NULL,"
  "  pushed_by_device TEXT REFERENCES devices (id),"
  "  received_at INTEGER NOT NULL);"
  "CREATE INDEX revisions_record ON revisions (record_id, seq);"
  "CREATE TABLE parents ("
  "  revision_id TEXT NOT NULL REFERENCES revisions (id),"
  "  parent_id TEXT NOT NULL REFERENCES revisions (id),"
  "  PRIMARY KEY (revision_id, parent_id)) WITHOUT ROWID;"
  "CREATE TABLE heads ("
  "  record_id TEXT NOT NULL REFERENCES records (id),"
  "  revision_id TEXT NOT NULL REFERENCES revisions (id),"
  "  PRIMARY KEY (record_id, revision_id)) WITHOUT ROWID;"
  "CREATE TABLE blobs ("
  "  sha256 TEXT PRIMARY KEY,"
  "  size INTEGER,"
  "  complete INTEGER NOT NULL DEFAULT 0,"
  "  created_at INTEGER NOT NULL,"
  "  completed_at INTEGER);"
  "CREATE TABLE blob_refs ("
  "  sha256 TEXT NOT NULL,"
  "  record_id TEXT NOT NULL REFERENCES records (id),"
  "  PRIMARY KEY (sha256, record_id)) WITHOUT ROWID;"
  "CREATE TABLE audit ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  at INTEGER NOT NULL,"
  "  user_id INTEGER,"
  "  device_id TEXT,"
  "  action TEXT NOT NULL,"
  "  detail TEXT);";

/* Version 2: who holds which blob (see tg_server_store_blob_held). Every
 * completed upload was audited with its uploader ("blob <sha256>, N
 * bytes"), which gives the holders of the blobs stored before. */
static const char *schema_v2 =
  "CREATE TABLE blob_holders ("
  "  sha256 TEXT NOT NULL,"
  "  user_id INTEGER NOT NULL REFERENCES users (id),"
  "  PRIMARY KEY (sha256, user_id)) WITHOUT ROWID;"
  "INSERT OR IGNORE INTO blob_holders (sha256, user_id)"
  "  SELECT substr (detail, 6, 64), user_id FROM audit"
  "  WHERE action = 'upload' AND user_id IS NOT NULL AND detail LIKE 'blob %'"
  "    AND user_id IN (SELECT id FROM users);";

static const char *migrations[] = {
  NULL,       /* version 0: empty file */
  NULL,       /* schema_v1, set in _tg_server_store_migrate () */
  NULL,       /* schema_v2 */
};

/* helpers ---------------------------------------------------------------- */

gint64
_tg_server_store_now (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

gboolean
_tg_server_store_sql_error (TgServerStore  *self,
                            GError        **error,
                            const char     *what)
{
  g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL,
               "database error while %s: %s", what, sqlite3_errmsg (self->db));
  return FALSE;
}

/* The cached statement for @sql, reset; NULL with @error set when it
 * cannot be prepared (a damaged or altered database): the request fails
 * with a 500 and the server goes on serving. */
sqlite3_stmt *
_tg_server_store_statement (TgServerStore  *self,
                            const char     *sql,
                            GError        **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->statements, sql);

  if (stmt == NULL)
    {
      if (sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
        {
          g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL,
                       "database error while preparing a statement: %s (%s)",
                       sqlite3_errmsg (self->db), sql);
          sqlite3_finalize (stmt);
          return NULL;
        }
      g_hash_table_insert (self->statements, (gpointer) sql, stmt);
    }
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  return stmt;
}

void
_tg_server_store_bind_text (sqlite3_stmt *stmt,
                            int           index,
                            const char   *text)
{
  sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
}

gboolean
_tg_server_store_exec (TgServerStore  *self,
                       const char     *sql,
                       GError        **error)
{
  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return _tg_server_store_sql_error (self, error, sql);
  return TRUE;
}

/* An sqlite3_stmt row step that treats anything but ROW/DONE as an error. */
int
_tg_server_store_step (TgServerStore *self,
                       sqlite3_stmt  *stmt)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    g_warning ("sqlite step failed: %s", sqlite3_errmsg (self->db));
  return rc;
}

/* The one integer @sql selects; -1 with @error set when it fails. */
gint64
_tg_server_store_count (TgServerStore  *self,
                        const char     *sql,
                        GError        **error)
{
  sqlite3_stmt *stmt = _tg_server_store_statement (self, sql, error);
  gint64 n = -1;

  if (stmt == NULL)
    return -1;
  if (_tg_server_store_step (self, stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  else
    _tg_server_store_sql_error (self, error, "counting");
  sqlite3_reset (stmt);
  return n;
}

/* open and migrate ------------------------------------------------------- */

gboolean
_tg_server_store_migrate (TgServerStore  *self,
                          GError        **error)
{
  sqlite3_stmt *stmt;
  int version;

  migrations[1] = schema_v1;
  migrations[2] = schema_v2;

  if ((stmt = _tg_server_store_statement (self, "PRAGMA user_version", error)) == NULL)
    return FALSE;
  if (_tg_server_store_step (self, stmt) != SQLITE_ROW)
    return _tg_server_store_sql_error (self, error, "reading the schema version");
  version = sqlite3_column_int (stmt, 0);
  sqlite3_reset (stmt);

  if (version > TG_SERVER_STORE_VERSION)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL,
                   _("The database %s was written by a newer testigo-server (schema %d, this one knows %d)"),
                   self->path, version, TG_SERVER_STORE_VERSION);
      return FALSE;
    }

  for (int v = version + 1; v <= TG_SERVER_STORE_VERSION; v++)
    {
      g_autofree char *set_version = g_strdup_printf ("PRAGMA user_version = %d", v);

      if (!_tg_server_store_exec (self, "BEGIN IMMEDIATE", error))
        return FALSE;
      if (!_tg_server_store_exec (self, migrations[v], error) ||
          !_tg_server_store_exec (self, set_version, error) ||
          !_tg_server_store_exec (self, "COMMIT", error))
        {
          sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
          return FALSE;
        }
    }
  return TRUE;
}

static void
tg_server_store_finalize (GObject *object)
{
  TgServerStore *self = (TgServerStore *) object;

  if (self->checkpoint_pool != NULL)
    g_thread_pool_free (self->checkpoint_pool, FALSE, TRUE);
  if (self->checkpoint_db != NULL)
    sqlite3_close_v2 (self->checkpoint_db);
  g_clear_pointer (&self->statements, g_hash_table_unref);
  if (self->db != NULL)
    sqlite3_close_v2 (self->db);
  g_free (self->path);

  G_OBJECT_CLASS (tg_server_store_parent_class)->finalize (object);
}

static void
tg_server_store_class_init (TgServerStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tg_server_store_finalize;
}

static void
tg_server_store_init (TgServerStore *self)
{
  /* every SQL text is a string literal: its address is its key */
  self->statements = g_hash_table_new_full (NULL, NULL, NULL,
                                            (GDestroyNotify) sqlite3_finalize);
}

TgServerStore *
tg_server_store_open (const char  *path,
                      GError     **error)
{
  g_autoptr(TgServerStore) self = g_object_new (TG_TYPE_SERVER_STORE, NULL);

  self->path = g_strdup (path);
  if (sqlite3_open_v2 (path, &self->db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                       NULL) != SQLITE_OK)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL,
                   _("Cannot open the database %s: %s"), path,
                   self->db ? sqlite3_errmsg (self->db) : "out of memory");
      return NULL;
    }
  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, 5000);

  if (!_tg_server_store_exec (self, "PRAGMA journal_mode = WAL", error) ||
      !_tg_server_store_exec (self, "PRAGMA synchronous = FULL", error) ||
      !_tg_server_store_exec (self, "PRAGMA foreign_keys = ON", error) ||
      !_tg_server_store_migrate (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

const char *
tg_server_store_get_path (TgServerStore *self)
{
  return self->path;
}

/* durability ------------------------------------------------------------ */

void
tg_server_store_set_deferred_sync (TgServerStore *self,
                                   gboolean       deferred)
{
  _tg_server_store_exec (self, deferred ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL", NULL);
}

void
tg_server_store_set_read_only (TgServerStore *self)
{
  _tg_server_store_exec (self, "PRAGMA query_only = ON", NULL);
}

static void
checkpoint_thread (gpointer data,
                   gpointer user_data)
{
  TgServerStore *self = user_data;
  int mode = GPOINTER_TO_INT (data) - 1;
  int rc;

  if (self->checkpoint_db == NULL)
    {
      if (sqlite3_open_v2 (self->path, &self->checkpoint_db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
        {
          g_warning ("cannot open %s to checkpoint it: %s", self->path,
                     self->checkpoint_db ? sqlite3_errmsg (self->checkpoint_db) : "out of memory");
          g_clear_pointer (&self->checkpoint_db, sqlite3_close_v2);
          g_atomic_int_set (&self->checkpointing, 0);
          return;
        }
      sqlite3_busy_timeout (self->checkpoint_db, 5000);
      /* a new connection knows the file is in WAL mode only once it read it */
      sqlite3_exec (self->checkpoint_db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
    }
  /* copies the committed frames into the database file, syncing the WAL
   * before and the database after; PASSIVE never blocks the writer, so it
   * copies the bulk before a RESTART makes the writer wait for the rest */
  rc = sqlite3_wal_checkpoint_v2 (self->checkpoint_db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
  if (mode != SQLITE_CHECKPOINT_PASSIVE && (rc == SQLITE_OK || rc == SQLITE_BUSY))
    rc = sqlite3_wal_checkpoint_v2 (self->checkpoint_db, NULL, mode, NULL, NULL);
  if (rc != SQLITE_OK && rc != SQLITE_BUSY)
    g_warning ("checkpoint failed: %s", sqlite3_errmsg (self->checkpoint_db));
  g_atomic_int_set (&self->checkpointing, 0);
}

static int
wal_hook_cb (void       *data,
             sqlite3    *db,
             const char *name,
             int         n_pages)
{
  TgServerStore *self = data;

  /* the WAL started over: it was all checkpointed */
  if (n_pages < self->wal_pages)
    self->checkpoint_at = CHECKPOINT_PAGES;
  self->wal_pages = n_pages;

  if (n_pages >= self->checkpoint_at &&
      g_atomic_int_compare_and_exchange (&self->checkpointing, 0, 1))
    {
      int mode = n_pages >= CHECKPOINT_PAGES_LIMIT ? SQLITE_CHECKPOINT_RESTART : SQLITE_CHECKPOINT_PASSIVE;

      /* one per 4000 new pages (16 MiB), not one per commit: each syncs
       * the database file, which competes with the WAL's fdatasync */
      self->checkpoint_at = n_pages + CHECKPOINT_PAGES;
      g_thread_pool_push (self->checkpoint_pool, GINT_TO_POINTER (mode + 1), NULL);
    }
  return SQLITE_OK;
}

void
tg_server_store_checkpoint_in_background (TgServerStore *self)
{
  g_return_if_fail (self->checkpoint_pool == NULL);

  self->checkpoint_at = CHECKPOINT_PAGES;
  self->checkpoint_pool = g_thread_pool_new (checkpoint_thread, self, 1, TRUE, NULL);
  /* replaces SQLite's automatic checkpoint, which runs inside the commit
   * that crosses 1000 pages, with its two fsyncs */
  sqlite3_wal_hook (self->db, wal_hook_cb, self);
}

char *
tg_server_store_get_wal_path (TgServerStore *self)
{
  return g_strconcat (self->path, "-wal", NULL);
}

/* sequence --------------------------------------------------------------- */

gint64
_tg_server_store_last_seq (TgServerStore  *self,
                           GError        **error)
{
  return _tg_server_store_count (self, "SELECT coalesce(max(seq), 0) FROM revisions", error);
}

gint64
tg_server_store_get_last_seq (TgServerStore *self)
{
  g_autoptr(GError) error = NULL;
  gint64 seq = _tg_server_store_last_seq (self, &error);

  if (seq < 0)
    {
      g_warning ("%s", error->message);
      return 0;
    }
  return seq;
}
