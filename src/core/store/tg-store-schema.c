/* tg-store-schema.c — the store's file: checks, migrations, opening
 *
 * What the store is in SQL, version by version, and opening a folder's
 * file into a TgStore (tg-store.c holds the object and its public
 * opening functions).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-store"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "tg-migrations.h"
#include "tg-store-private.h"
#include "tg-wal-checkpointer.h"

/* Opening and migrations ------------------------------------------------ */

/* Checks the file before SQLite touches it: a file that is not an SQLite
 * database, or that is shorter than its own header says, is refused. */
static gboolean
check_database_file (const char  *path,
                     GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) local_error = NULL;
  guint8 header[100];
  gsize n_read = 0;
  guint32 page_size, n_pages, change_counter, valid_for;
  goffset size;

  stream = g_file_read (file, NULL, &local_error);
  if (stream == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  info = g_file_input_stream_query_info (stream, G_FILE_ATTRIBUTE_STANDARD_SIZE, NULL, error);
  if (info == NULL)
    return FALSE;
  size = g_file_info_get_size (info);
  if (size == 0)
    return TRUE;

  if (!g_input_stream_read_all (G_INPUT_STREAM (stream), header, sizeof header,
                                &n_read, NULL, error))
    return FALSE;

  if (n_read < sizeof header || memcmp (header, "SQLite format 3", 16) != 0)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_NOT_A_DATABASE,
                   _("%s is not a Testigo database. Nothing was changed."), path);
      return FALSE;
    }

  page_size = (header[16] << 8) | header[17];
  if (page_size == 1)
    page_size = 65536;
  change_counter = GUINT32_FROM_BE (*(guint32 *) (header + 24));
  n_pages = GUINT32_FROM_BE (*(guint32 *) (header + 28));
  valid_for = GUINT32_FROM_BE (*(guint32 *) (header + 92));

  /* With a write-ahead log beside it, the file may be shorter than its
   * header says (a checkpoint cut short): SQLite recovers from the log. */
  {
    g_autofree char *wal_path = g_strconcat (path, "-wal", NULL);
    GStatBuf wal;

    if (g_stat (wal_path, &wal) == 0 && wal.st_size > 0)
      n_pages = 0;
  }

  if (page_size < 512 || (page_size & (page_size - 1)) != 0 ||
      (n_pages > 0 && change_counter == valid_for &&
       (goffset) n_pages * page_size > size))
    {
      g_set_error (error, TG_ERROR, TG_ERROR_CORRUPT,
                   _("The database %s is damaged (it is shorter than it should be). "
                     "Nothing was changed; restore it from a backup."), path);
      return FALSE;
    }

  return TRUE;
}

static const char *schema_v1 =
  "CREATE TABLE meta ("
  "  key TEXT PRIMARY KEY,"
  "  value TEXT NOT NULL"
  ");"
  "CREATE TABLE revisions ("
  "  local_seq INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  rev_id TEXT NOT NULL UNIQUE,"
  "  record_id TEXT NOT NULL,"
  "  kind TEXT NOT NULL,"
  "  device_id TEXT NOT NULL,"
  "  device_seq INTEGER NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  deleted INTEGER NOT NULL DEFAULT 0,"
  "  content TEXT NOT NULL,"
  "  server_seq INTEGER NOT NULL DEFAULT 0"
  ");"
  "CREATE INDEX revisions_record ON revisions (record_id);"
  "CREATE INDEX revisions_unsynced ON revisions (device_id, server_seq);"
  "CREATE TABLE revision_parents ("
  "  rev_id TEXT NOT NULL REFERENCES revisions (rev_id),"
  "  parent_id TEXT NOT NULL,"
  "  PRIMARY KEY (rev_id, parent_id)"
  ") WITHOUT ROWID;"
  "CREATE INDEX revision_parents_parent ON revision_parents (parent_id);"
  "CREATE TABLE heads ("
  "  record_id TEXT NOT NULL,"
  "  rev_id TEXT NOT NULL REFERENCES revisions (rev_id),"
  "  PRIMARY KEY (record_id, rev_id)"
  ") WITHOUT ROWID;"
  "CREATE TABLE reports ("
  "  rowid INTEGER PRIMARY KEY,"
  "  id TEXT NOT NULL UNIQUE,"
  "  rev_id TEXT NOT NULL REFERENCES revisions (rev_id),"
  "  n_heads INTEGER NOT NULL DEFAULT 1,"
  "  deleted INTEGER NOT NULL DEFAULT 0,"
  "  title TEXT,"
  "  place_name TEXT,"
  "  region_code TEXT,"
  "  province_code TEXT,"
  "  start_time INTEGER,"
  "  end_time INTEGER,"
  "  latitude REAL,"
  "  longitude REAL,"
  "  status TEXT NOT NULL,"
  "  killed INTEGER NOT NULL DEFAULT -1,"
  "  injured INTEGER NOT NULL DEFAULT -1,"
  "  detained INTEGER NOT NULL DEFAULT -1,"
  "  disappeared INTEGER NOT NULL DEFAULT -1,"
  "  updated_at INTEGER NOT NULL"
  ");"
  "CREATE INDEX reports_updated ON reports (deleted, updated_at);"
  "CREATE INDEX reports_start ON reports (deleted, start_time);"
  "CREATE INDEX reports_title ON reports (deleted, title COLLATE NOCASE);"
  "CREATE INDEX reports_region ON reports (deleted, region_code);"
  "CREATE TABLE report_categories ("
  "  category TEXT NOT NULL,"
  "  report_rowid INTEGER NOT NULL REFERENCES reports (rowid) ON DELETE CASCADE,"
  "  PRIMARY KEY (category, report_rowid)"
  ") WITHOUT ROWID;"
  "CREATE INDEX report_categories_report ON report_categories (report_rowid);"
  "CREATE TABLE blobs ("
  "  sha256 TEXT PRIMARY KEY,"
  "  size INTEGER NOT NULL,"
  "  mime_type TEXT,"
  "  file_name TEXT,"
  "  captured_at TEXT,"
  "  latitude REAL,"
  "  longitude REAL,"
  "  camera TEXT,"
  "  thumbnail_sha256 TEXT,"
  "  imported_at INTEGER NOT NULL"
  ");";

static const char *schema_v2 =
  "CREATE VIRTUAL TABLE reports_fts USING fts5 ("
  "  title, narrative, place, persons, tags,"
  "  tokenize = 'unicode61 remove_diacritics 2'"
  ");";

static gboolean
migrate_to_v1 (gpointer   owner,
               GError   **error)
{
  TgStore *self = owner;

  return tg_store_exec (self, schema_v1, error);
}

/* v2 adds full-text search and fills it from every report's current
 * revision. */
static gboolean
migrate_to_v2 (gpointer   owner,
               GError   **error)
{
  TgStore *self = owner;
  g_autoptr(TgSqliteStmt) stmt = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  int rc;

  if (!tg_store_exec (self, schema_v2, error))
    return FALSE;

  if (!(stmt = tg_store_prepare (self, "SELECT id FROM reports", error)))
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  if (rc != SQLITE_DONE)
    return tg_sqlite_fail (self->sql, error, "migrate");

  self->schema_version = 2;
  if (!tg_store_load_device_seq_locked (self, error))
    return FALSE;
  for (guint i = 0; i < ids->len; i++)
    if (!tg_store_materialize_known_locked (self, ids->pdata[i], NULL, NULL, error))
      return FALSE;
  return TRUE;
}

/* v3 adds the custody log. */
static gboolean
migrate_to_v3 (gpointer   owner,
               GError   **error)
{
  TgStore *self = owner;

  return tg_custody_log_create_table (self->sql, error);
}

/* v4 indexes this device's revisions by counter: opening a store reads the
 * highest one, which was a scan of every revision. */
static gboolean
migrate_to_v4 (gpointer   owner,
               GError   **error)
{
  TgStore *self = owner;

  return tg_store_exec (self, "CREATE INDEX revisions_device ON revisions (device_id, device_seq)", error);
}

/* v5: a report's row id is the order it last changed in, which is the
 * list's default order; the index by device clock goes. */
static gboolean
migrate_to_v5 (gpointer   owner,
               GError   **error)
{
  TgStore *self = owner;

  return tg_store_exec (self,
                        "DROP INDEX reports_updated;"
                        "CREATE INDEX reports_live ON reports (deleted);", error);
}

/* v6: the full-text index keeps which reports hold a word but not where
 * (detail=none): a third less work per save and a smaller file. Searches
 * are words, never phrases, so nothing is lost. */
static gboolean
migrate_to_v6 (gpointer   owner,
               GError   **error)
{
  TgStore *self = owner;

  return tg_store_exec (self,
                        "CREATE VIRTUAL TABLE reports_fts_v6 USING fts5 ("
                        "  title, narrative, place, persons, tags,"
                        "  tokenize = 'unicode61 remove_diacritics 2', detail = none"
                        ");"
                        "INSERT INTO reports_fts_v6 (rowid, title, narrative, place, persons, tags) "
                        "  SELECT rowid, title, narrative, place, persons, tags FROM reports_fts;"
                        "DROP TABLE reports_fts;"
                        "ALTER TABLE reports_fts_v6 RENAME TO reports_fts;", error);
}

/* v7: each report's first category beside its position, so the map can
 * place and colour every marker from the reports table alone. */
static gboolean
migrate_to_v7 (gpointer   owner,
               GError   **error)
{
  TgStore *self = owner;

  return tg_store_exec (self,
                        "ALTER TABLE reports ADD COLUMN category TEXT;"
                        "UPDATE reports SET category = (SELECT json_extract (v.content, '$.categories[0]') "
                        "  FROM revisions v WHERE v.rev_id = reports.rev_id);", error);
}

/* v8: what sync keeps: the blobs to send, each report's sync state, the
 * history (tg-store-sync.c). */
static gboolean
migrate_to_v8 (gpointer   owner,
               GError   **error)
{
  TgStore *self = owner;

  self->schema_version = 8;
  return tg_store_sync_migrate_locked (self, error);
}

/* v9: incidents (tg-store-incident.c): their current state, which
 * incident holds which report, dismissed duplicate pairs, and each
 * report's monitor device. */
static gboolean
migrate_to_v9 (gpointer   owner,
               GError   **error)
{
  TgStore *self = owner;

  self->schema_version = 9;
  return tg_store_incident_migrate_locked (self, error);
}

/* v10: the names servers give other devices, and who made the changes
 * each sync brought (tg-store-sync.c). */
static gboolean
migrate_to_v10 (gpointer   owner,
                GError   **error)
{
  TgStore *self = owner;

  self->schema_version = 10;
  return tg_store_sync_migrate_v10_locked (self, error);
}

static const TgMigrationStep migrations[] = {
  NULL,
  migrate_to_v1,
  migrate_to_v2,
  migrate_to_v3,
  migrate_to_v4,
  migrate_to_v5,
  migrate_to_v6,
  migrate_to_v7,
  migrate_to_v8,
  migrate_to_v9,
  migrate_to_v10,
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == TG_STORE_SCHEMA_VERSION + 1);

static gboolean
migrate (TgStore  *self,
         int       target,
         GError  **error)
{
  return tg_migrations_run (self->sql, migrations, TG_STORE_SCHEMA_VERSION, target,
                            self, &self->schema_version, error);
}

static gboolean
load_device_id (TgStore  *self,
                GError  **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  g_autofree char *device_id = NULL;

  if (!(stmt = tg_store_prepare (self, "SELECT value FROM meta WHERE key = 'device_id'", error)))
    return FALSE;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      self->device_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      return TRUE;
    }
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);

  device_id = g_uuid_string_random ();
  if (!(stmt = tg_store_prepare (self, "INSERT INTO meta (key, value) VALUES ('device_id', ?)", error)))
    return FALSE;
  tg_sqlite_bind_text (stmt, 1, device_id);
  if (!tg_store_step_done (self, stmt, error))
    return FALSE;
  self->device_id = g_steal_pointer (&device_id);
  return TRUE;
}

TgStore *
tg_store_open_file (const char    *directory,
                    int           version,
                    const guint8 *key,
                    GError      **error)
{
  g_autoptr(TgStore) self = NULL;
  g_autofree char *blob_dir = NULL;

  g_return_val_if_fail (directory != NULL, NULL);

  if (g_mkdir_with_parents (directory, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Could not create the folder %s: %s"), directory, g_strerror (saved_errno));
      return NULL;
    }

  self = g_object_new (TG_TYPE_STORE, NULL);
  self->directory = g_strdup (directory);
  self->db_path = g_build_filename (directory, "testigo.db", NULL);

  /* An encrypted file has no plain header to check: its key is checked
   * instead (tg_sqlite_open_keyed()), before anything is written. */
  if (key == NULL && !check_database_file (self->db_path, error))
    return NULL;
  /* Locked memory, wiped at close (tg-secure-key.h). */
  if (key != NULL && (self->key = tg_secure_key_dup (key)) == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           _("The encryption library could not start."));
      return NULL;
    }

  /* Before the migrations: schema 8 queues the blobs the folder holds. */
  blob_dir = g_build_filename (directory, "blobs", NULL);
  self->blob_store = tg_blob_store_new (blob_dir);

  if (key != NULL)
    self->sql = tg_sqlite_open_keyed (self->db_path,
                                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                                      key, error);
  else
    self->sql = tg_sqlite_open (self->db_path,
                                SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                                error);
  if (self->sql == NULL)
    return NULL;
  self->db = tg_sqlite_get_db (self->sql);
  sqlite3_busy_timeout (self->db, 5000);

  /* Reading the schema first: a damaged database fails here, before any
   * pragma writes to it. A new store gets 16 KiB pages: a revision (some
   * 2.6 KB of JSON for a typical report) wastes less of a page, and a
   * commit writes fewer frames, above all for the index of revision ids,
   * which grows at random places. 100,000 reports saved in batches of
   * 1,000 took a fifth less time than with 8 KiB pages and a third less
   * than with 4 KiB; searches were as fast (docs/benchmarks.md). The page
   * size of an existing store stays what it is (a WAL database cannot
   * change it). */
  if (!tg_store_exec (self, "SELECT count(*) FROM sqlite_schema", error) ||
      !tg_store_exec (self, "PRAGMA page_size = 16384", error) ||
      !tg_store_exec (self, "PRAGMA journal_mode = WAL", error) ||
      !tg_store_exec (self, "PRAGMA synchronous = FULL", error) ||
      !tg_store_exec (self, "PRAGMA foreign_keys = ON", error) ||
      !tg_store_exec (self, "PRAGMA cache_size = -32768", error) ||
      !tg_store_exec (self, "PRAGMA journal_size_limit = 67108864", error) ||
      !migrate (self, version, error))
    return NULL;

  if (key != NULL)
    self->checkpointer = tg_wal_checkpointer_new_keyed (self->db, self->db_path, key,
                                                        TG_WAL_CHECKPOINT_PAGES,
                                                        TG_WAL_WRITER_CHECKPOINT_PAGES, error);
  else
    self->checkpointer = tg_wal_checkpointer_new (self->db, self->db_path,
                                                  TG_WAL_CHECKPOINT_PAGES,
                                                  TG_WAL_WRITER_CHECKPOINT_PAGES, error);
  if (self->checkpointer == NULL)
    return NULL;

  if (version >= 1 && (!load_device_id (self, error) || !tg_store_load_device_seq_locked (self, error)))
    return NULL;
  else if (version < 1)
    self->device_id = g_strdup ("");

  if (version >= 3)
    self->custody_log = tg_custody_log_new_for_db (self->sql, &self->lock, self->device_id);

  return g_steal_pointer (&self);
}
