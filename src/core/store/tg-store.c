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
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-store"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "tg-incident.h"
#include "tg-migrations.h"
#include "tg-sqlite.h"
#include "tg-store-private.h"
#include "tg-store-sync.h"
#include "tg-wal-checkpointer.h"

struct _TgStore
{
  GObject        parent_instance;

  char          *directory;
  char          *db_path;
  TgSqlite      *sql;         /* the connection and its statements */
  sqlite3       *db;          /* its handle, while open */
  GRecMutex      lock;
  GMainContext  *context;
  GThread       *context_thread;  /* the thread that gave the context */
  char          *device_id;
  gint64         device_seq;
  gint64         last_report_rowid;
  int            schema_version;
  TgBlobStore   *blob_store;
  TgCustodyLog  *custody_log;
  TgWalCheckpointer *checkpointer;
  /* A read-only connection for long reads (every report's position), so
   * they hold up neither saves nor the list; opened on first use. */
  TgSqlite      *reader;
  GMutex         reader_lock;
  /* The data key of an encrypted store (TG_SQLITE_KEY_SIZE bytes), for
   * the connections opened after the first (the reader, the checkpointer);
   * NULL for a plain store. Wiped when the store closes. */
  guint8        *key;
};

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

static void
bind_double (sqlite3_stmt *stmt,
             int           column,
             double        value)
{
  if (isnan (value))
    sqlite3_bind_null (stmt, column);
  else
    sqlite3_bind_double (stmt, column, value);
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

  /* From another thread, always through the context: invoking would call
   * the handlers right here, on the worker, whenever no loop runs the
   * context at that moment. */
  if (g_thread_self () != self->context_thread && !g_main_context_is_owner (self->context))
    {
      GSource *source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, emit_changed_cb, data, changed_data_free);
      g_source_set_static_name (source, "[tg-store] changed");
      g_source_attach (source, self->context);
      g_source_unref (source);
      return;
    }
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT,
                              emit_changed_cb, data, changed_data_free);
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
  if (key != NULL)
    self->key = g_memdup2 (key, TG_SQLITE_KEY_SIZE);

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
  if (data->key != NULL)
    explicit_bzero (data->key, TG_SQLITE_KEY_SIZE);
  g_free (data->key);
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
  data->key = key ? g_memdup2 (key, TG_SQLITE_KEY_SIZE) : NULL;
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
  if (self->key != NULL)
    explicit_bzero (self->key, TG_SQLITE_KEY_SIZE);
  g_clear_pointer (&self->key, g_free);
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

/* Revisions ------------------------------------------------------------- */

gboolean
tg_store_check_open (TgStore  *self,
                     GError  **error)
{
  if (self->db == NULL)
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_FAILED, "the store is closed");
      return FALSE;
    }
  return TRUE;
}

static TgRevision *
revision_from_row (sqlite3_stmt *stmt,
                   GPtrArray    *parents)
{
  /* columns: rev_id, record_id, kind, device_id, device_seq, created_at,
   * deleted, content, server_seq */
  TgRevision *rev;

  g_ptr_array_add (parents, NULL);
  rev = tg_revision_new ((const char *) sqlite3_column_text (stmt, 1),
                         (const char *) sqlite3_column_text (stmt, 2),
                         (const char * const *) parents->pdata,
                         (const char *) sqlite3_column_text (stmt, 3),
                         sqlite3_column_int64 (stmt, 4),
                         sqlite3_column_int64 (stmt, 5),
                         sqlite3_column_int (stmt, 6),
                         (const char *) sqlite3_column_text (stmt, 7));
  tg_revision_set_server_seq (rev, sqlite3_column_int64 (stmt, 8));
  return rev;
}

#define REVISION_COLUMNS \
  "rev_id, record_id, kind, device_id, device_seq, created_at, deleted, content, server_seq"

TgRevision *
tg_store_get_revision_locked (TgStore     *self,
                              const char  *rev_id,
                              GError     **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  g_autoptr(TgSqliteStmt) parents_stmt = NULL;
  g_autoptr(GPtrArray) parents = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(TgRevision) rev = NULL;
  int rc;

  if (!(parents_stmt = tg_store_prepare (self, "SELECT parent_id FROM revision_parents WHERE rev_id = ?", error)))
    return NULL;
  tg_sqlite_bind_text (parents_stmt, 1, rev_id);
  while ((rc = sqlite3_step (parents_stmt)) == SQLITE_ROW)
    g_ptr_array_add (parents, g_strdup ((const char *) sqlite3_column_text (parents_stmt, 0)));
  if (rc != SQLITE_DONE)
    {
      tg_sqlite_fail (self->sql, error, "read revision");
      return NULL;
    }

  if (!(stmt = tg_store_prepare (self, "SELECT " REVISION_COLUMNS " FROM revisions WHERE rev_id = ?", error)))
    return NULL;
  tg_sqlite_bind_text (stmt, 1, rev_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_NOT_FOUND, "no revision %s", rev_id);
      return NULL;
    }
  if (rc != SQLITE_ROW)
    {
      tg_sqlite_fail (self->sql, error, "read revision");
      return NULL;
    }

  rev = revision_from_row (stmt, parents);
  if (g_strcmp0 (tg_revision_get_id (rev), rev_id) != 0)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_HASH_MISMATCH,
                   _("Revision %s was altered in the database: its content no longer matches its id."),
                   rev_id);
      return NULL;
    }
  return g_steal_pointer (&rev);
}

GPtrArray *
tg_store_list_head_ids_locked (TgStore     *self,
                               const char  *record_id,
                               GError     **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  int rc;

  /* Newest arrival first: never ordered by device clocks. */
  if (!(stmt = tg_store_prepare (self,
                                 "SELECT h.rev_id FROM heads h JOIN revisions r ON r.rev_id = h.rev_id "
                                 "WHERE h.record_id = ? ORDER BY r.deleted ASC, r.local_seq DESC",
                                 error)))
    return NULL;
  tg_sqlite_bind_text (stmt, 1, record_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  if (rc != SQLITE_DONE)
    {
      tg_sqlite_fail (self->sql, error, "read heads");
      return NULL;
    }
  return g_steal_pointer (&ids);
}

/* Inserts a revision unless present and moves the heads: its parents stop
 * being heads; it becomes one unless a child of it arrived first. */
static gboolean
insert_revision_locked (TgStore     *self,
                        TgRevision  *rev,
                        gboolean     is_local,
                        gboolean    *inserted,
                        gboolean    *learned,
                        GError     **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  const char * const *parents = tg_revision_get_parents (rev);
  const char *record_id = tg_revision_get_record_id (rev);
  const char *rev_id = tg_revision_get_id (rev);
  gboolean has_child;

  if (!(stmt = tg_store_prepare (self,
                                 "INSERT OR IGNORE INTO revisions (rev_id, record_id, kind, device_id, "
                                 "device_seq, created_at, deleted, content, server_seq) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", error)))
    return FALSE;
  tg_sqlite_bind_text (stmt, 1, rev_id);
  tg_sqlite_bind_text (stmt, 2, record_id);
  tg_sqlite_bind_text (stmt, 3, tg_revision_get_kind (rev));
  tg_sqlite_bind_text (stmt, 4, tg_revision_get_device_id (rev));
  sqlite3_bind_int64 (stmt, 5, tg_revision_get_device_seq (rev));
  sqlite3_bind_int64 (stmt, 6, tg_revision_get_created_at (rev));
  sqlite3_bind_int (stmt, 7, tg_revision_get_deleted (rev));
  tg_sqlite_bind_text (stmt, 8, tg_revision_get_content (rev));
  sqlite3_bind_int64 (stmt, 9, tg_revision_get_server_seq (rev));
  if (!tg_store_step_done (self, stmt, error))
    return FALSE;

  *inserted = sqlite3_changes (self->db) > 0;
  if (learned != NULL)
    *learned = FALSE;
  if (!*inserted)
    {
      /* Known already: only learn its server sequence. */
      if (tg_revision_get_server_seq (rev) > 0)
        {
          g_clear_pointer (&stmt, tg_sqlite_stmt_release);
          if (!(stmt = tg_store_prepare (self, "UPDATE revisions SET server_seq = ? "
                                         "WHERE rev_id = ? AND server_seq = 0", error)))
            return FALSE;
          sqlite3_bind_int64 (stmt, 1, tg_revision_get_server_seq (rev));
          tg_sqlite_bind_text (stmt, 2, rev_id);
          if (!tg_store_step_done (self, stmt, error))
            return FALSE;
          if (sqlite3_changes (self->db) > 0)
            {
              if (learned != NULL)
                *learned = TRUE;
              return tg_store_sync_note_revision_locked (self, rev, TRUE, error);
            }
        }
      return TRUE;
    }

  if (!tg_store_sync_note_revision_locked (self, rev, FALSE, error))
    return FALSE;

  for (guint i = 0; parents[i] != NULL; i++)
    {
      g_clear_pointer (&stmt, tg_sqlite_stmt_release);
      if (!(stmt = tg_store_prepare (self, "INSERT INTO revision_parents (rev_id, parent_id) VALUES (?, ?)", error)))
        return FALSE;
      tg_sqlite_bind_text (stmt, 1, rev_id);
      tg_sqlite_bind_text (stmt, 2, parents[i]);
      if (!tg_store_step_done (self, stmt, error))
        return FALSE;

      g_clear_pointer (&stmt, tg_sqlite_stmt_release);
      if (!(stmt = tg_store_prepare (self, "DELETE FROM heads WHERE record_id = ? AND rev_id = ?", error)))
        return FALSE;
      tg_sqlite_bind_text (stmt, 1, record_id);
      tg_sqlite_bind_text (stmt, 2, parents[i]);
      if (!tg_store_step_done (self, stmt, error))
        return FALSE;
    }

  /* A revision received before its children is a head; one that came
   * after them is not. A revision just made here has no children yet. */
  has_child = FALSE;
  if (!is_local)
    {
      g_clear_pointer (&stmt, tg_sqlite_stmt_release);
      if (!(stmt = tg_store_prepare (self, "SELECT 1 FROM revision_parents WHERE parent_id = ? AND rev_id != ? LIMIT 1",
                                     error)))
        return FALSE;
      tg_sqlite_bind_text (stmt, 1, rev_id);
      tg_sqlite_bind_text (stmt, 2, rev_id);
      has_child = sqlite3_step (stmt) == SQLITE_ROW;
    }

  if (!has_child)
    {
      g_clear_pointer (&stmt, tg_sqlite_stmt_release);
      if (!(stmt = tg_store_prepare (self, "INSERT OR IGNORE INTO heads (record_id, rev_id) VALUES (?, ?)", error)))
        return FALSE;
      tg_sqlite_bind_text (stmt, 1, record_id);
      tg_sqlite_bind_text (stmt, 2, rev_id);
      if (!tg_store_step_done (self, stmt, error))
        return FALSE;
    }

  return TRUE;
}

/* Materialisation: the reports row is a cache of the current head. */

static char *
join_person_text (TgReport *report)
{
  GListModel *persons = tg_report_get_persons (report);
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (persons); i++)
    {
      g_autoptr(TgPerson) person = g_list_model_get_item (persons, i);
      const char *parts[] = {
        tg_person_get_name (person),
        tg_person_get_community (person),
        tg_person_get_ethnicity (person),
      };

      for (guint j = 0; j < G_N_ELEMENTS (parts); j++)
        if (parts[j] != NULL)
          {
            g_string_append (text, parts[j]);
            g_string_append_c (text, '\n');
          }
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
join_strv (const char * const *a,
           const char * const *b)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; a != NULL && a[i] != NULL; i++)
    {
      g_string_append (text, a[i]);
      g_string_append_c (text, ' ');
    }
  for (guint i = 0; b != NULL && b[i] != NULL; i++)
    {
      g_string_append (text, b[i]);
      g_string_append_c (text, ' ');
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static gint64
to_unix (GDateTime *time)
{
  return time ? g_date_time_to_unix (time) : 0;
}

/* @known_rev and @known_report, when given, are a revision just recorded
 * and the report it holds, so that a save need not parse back what it
 * has just written. */
gboolean
tg_store_materialize_known_locked (TgStore     *self,
                                   const char  *record_id,
                                   TgRevision  *known_rev,
                                   TgReport    *known_report,
                                   GError     **error)
{
  g_autoptr(GPtrArray) heads = NULL;
  g_autoptr(TgRevision) current = NULL;
  g_autoptr(TgReport) report = NULL;
  g_autoptr(TgSqliteStmt) stmt = NULL;
  g_autofree char *persons = NULL;
  g_autofree char *place = NULL;
  g_autofree char *tags = NULL;
  g_autofree char *origin = NULL;
  const char * const *categories;
  gboolean is_new;
  gint64 rowid;

  if (!(heads = tg_store_list_head_ids_locked (self, record_id, error)))
    return FALSE;
  if (heads->len == 0)
    return TRUE;

  if (known_rev != NULL && g_strcmp0 (tg_revision_get_id (known_rev), heads->pdata[0]) == 0)
    current = g_object_ref (known_rev);
  else if (!(current = tg_store_get_revision_locked (self, heads->pdata[0], error)))
    return FALSE;
  if (g_strcmp0 (tg_revision_get_kind (current), TG_REVISION_KIND_INCIDENT) == 0)
    return self->schema_version < 9 ||
           tg_store_incident_materialize_locked (self, record_id, current, heads->len, error);
  if (g_strcmp0 (tg_revision_get_kind (current), TG_REVISION_KIND_REPORT) != 0)
    return TRUE;

  /* A first revision recorded here: no old row, categories or index entry
   * to clear. */
  is_new = current == known_rev && heads->len == 1 &&
           tg_revision_get_parents (known_rev)[0] == NULL;

  if (known_report != NULL && current == known_rev)
    report = g_object_ref (known_report);
  else
    report = tg_report_new_from_json_string (tg_revision_get_content (current), -1, error);
  if (report == NULL)
    {
      g_prefix_error (error, "revision %s: ", tg_revision_get_id (current));
      return FALSE;
    }

  /* Each change gives the report a new row at the end, so row ids are the
   * order in which reports last changed on this device: the list's
   * default order, and the full-text index's own order. The old row, its
   * categories and its index entry go. */
  if (!is_new)
    {
      gint64 old_rowid;

      if (!(stmt = tg_store_prepare (self, self->schema_version >= 9 ?
                                     "SELECT rowid, origin_device FROM reports WHERE id = ?" :
                                     "SELECT rowid, NULL FROM reports WHERE id = ?", error)))
        return FALSE;
      tg_sqlite_bind_text (stmt, 1, record_id);
      old_rowid = 0;
      if (sqlite3_step (stmt) == SQLITE_ROW)
        {
          old_rowid = sqlite3_column_int64 (stmt, 0);
          origin = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
        }
      g_clear_pointer (&stmt, tg_sqlite_stmt_release);

      if (old_rowid != 0)
        {
          if (!(stmt = tg_store_prepare (self, "DELETE FROM reports WHERE rowid = ?", error)))
            return FALSE;
          sqlite3_bind_int64 (stmt, 1, old_rowid);
          if (!tg_store_step_done (self, stmt, error))
            return FALSE;
          g_clear_pointer (&stmt, tg_sqlite_stmt_release);

          if (self->schema_version >= 2)
            {
              if (!(stmt = tg_store_prepare (self, "DELETE FROM reports_fts WHERE rowid = ?", error)))
                return FALSE;
              sqlite3_bind_int64 (stmt, 1, old_rowid);
              if (!tg_store_step_done (self, stmt, error))
                return FALSE;
              g_clear_pointer (&stmt, tg_sqlite_stmt_release);
            }
        }
    }

  /* The new row's id is one past the highest ever given, never one freed
   * by the delete above. */
  /* The monitor: the device that made the report's first revision, kept
   * from the old row, else looked up (a revision that came before its
   * parent has no root yet: the root's arrival fills it). */
  if (is_new)
    origin = g_strdup (tg_revision_get_device_id (current));
  if (!(stmt = tg_store_prepare (self,
                                 self->schema_version >= 9 ?
                                 "INSERT INTO reports (rowid, id, rev_id, n_heads, deleted, title, place_name, "
                                 "region_code, province_code, start_time, end_time, latitude, longitude, "
                                 "status, killed, injured, detained, disappeared, updated_at, category, origin_device) "
                                 "VALUES (?19, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?20, "
                                 "coalesce (?21, (SELECT r.device_id FROM revisions r WHERE r.record_id = ?1 "
                                 "AND NOT EXISTS (SELECT 1 FROM revision_parents p WHERE p.rev_id = r.rev_id) "
                                 "ORDER BY r.local_seq LIMIT 1)))"
                                 :
                                 self->schema_version >= 7 ?
                                 "INSERT INTO reports (rowid, id, rev_id, n_heads, deleted, title, place_name, "
                                 "region_code, province_code, start_time, end_time, latitude, longitude, "
                                 "status, killed, injured, detained, disappeared, updated_at, category) "
                                 "VALUES (?19, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?20)"
                                 :
                                 "INSERT INTO reports (rowid, id, rev_id, n_heads, deleted, title, place_name, "
                                 "region_code, province_code, start_time, end_time, latitude, longitude, "
                                 "status, killed, injured, detained, disappeared, updated_at) "
                                 "VALUES (?19, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
                                 error)))
    return FALSE;
  tg_sqlite_bind_text (stmt, 1, record_id);
  tg_sqlite_bind_text (stmt, 2, tg_revision_get_id (current));
  sqlite3_bind_int (stmt, 3, heads->len);
  sqlite3_bind_int (stmt, 4, tg_revision_get_deleted (current));
  tg_sqlite_bind_text (stmt, 5, tg_report_get_title (report));
  tg_sqlite_bind_text (stmt, 6, tg_report_get_place_name (report));
  tg_sqlite_bind_text (stmt, 7, tg_report_get_region_code (report));
  tg_sqlite_bind_text (stmt, 8, tg_report_get_province_code (report));
  if (tg_report_get_start (report) != NULL)
    sqlite3_bind_int64 (stmt, 9, to_unix (tg_report_get_start (report)));
  if (tg_report_get_end (report) != NULL)
    sqlite3_bind_int64 (stmt, 10, to_unix (tg_report_get_end (report)));
  bind_double (stmt, 11, tg_report_get_latitude (report));
  bind_double (stmt, 12, tg_report_get_longitude (report));
  tg_sqlite_bind_text (stmt, 13, tg_report_status_to_string (tg_report_get_status (report)));
  sqlite3_bind_int (stmt, 14, tg_report_get_killed (report));
  sqlite3_bind_int (stmt, 15, tg_report_get_injured (report));
  sqlite3_bind_int (stmt, 16, tg_report_get_detained (report));
  sqlite3_bind_int (stmt, 17, tg_report_get_disappeared (report));
  sqlite3_bind_int64 (stmt, 18, tg_revision_get_created_at (current));
  rowid = ++self->last_report_rowid;
  sqlite3_bind_int64 (stmt, 19, rowid);
  if (self->schema_version >= 7)
    tg_sqlite_bind_text (stmt, 20, tg_report_get_categories (report)
                                   ? tg_report_get_categories (report)[0] : NULL);
  if (self->schema_version >= 9)
    tg_sqlite_bind_text (stmt, 21, origin);
  if (!tg_store_step_done (self, stmt, error))
    {
      self->last_report_rowid--;
      return FALSE;
    }
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);

  categories = tg_report_get_categories (report);
  for (guint i = 0; categories != NULL && categories[i] != NULL; i++)
    {
      g_clear_pointer (&stmt, tg_sqlite_stmt_release);
      if (!(stmt = tg_store_prepare (self, "INSERT OR IGNORE INTO report_categories (category, report_rowid) "
                                     "VALUES (?, ?)", error)))
        return FALSE;
      tg_sqlite_bind_text (stmt, 1, categories[i]);
      sqlite3_bind_int64 (stmt, 2, rowid);
      if (!tg_store_step_done (self, stmt, error))
        return FALSE;
    }

  if (self->schema_version < 2)
    return TRUE;

  if (tg_revision_get_deleted (current))
    return TRUE;

  persons = join_person_text (report);
  place = g_strjoin (" ",
                     tg_report_get_place_name (report) ? tg_report_get_place_name (report) : "",
                     tg_report_get_region_code (report) ? tg_report_get_region_code (report) : "",
                     tg_report_get_province_code (report) ? tg_report_get_province_code (report) : "",
                     NULL);
  tags = join_strv (tg_report_get_tags (report), categories);

  g_clear_pointer (&stmt, tg_sqlite_stmt_release);
  if (!(stmt = tg_store_prepare (self, "INSERT INTO reports_fts (rowid, title, narrative, place, persons, tags) "
                                 "VALUES (?, ?, ?, ?, ?, ?)", error)))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, rowid);
  tg_sqlite_bind_text (stmt, 2, tg_report_get_title (report));
  tg_sqlite_bind_text (stmt, 3, tg_report_get_narrative (report));
  tg_sqlite_bind_text (stmt, 4, place);
  tg_sqlite_bind_text (stmt, 5, persons);
  tg_sqlite_bind_text (stmt, 6, tags);
  return tg_store_step_done (self, stmt, error);
}

/* This device's revision counter lives in memory, loaded from the
 * revisions themselves; a rolled-back transaction reloads it. */
gboolean
tg_store_load_device_seq_locked (TgStore  *self,
                                 GError  **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;

  if (!(stmt = tg_store_prepare (self, "SELECT max(device_seq) FROM revisions WHERE device_id = ?", error)))
    return FALSE;
  tg_sqlite_bind_text (stmt, 1, self->device_id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return tg_sqlite_fail (self->sql, error, "device sequence");
  self->device_seq = sqlite3_column_int64 (stmt, 0);
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);

  if (!(stmt = tg_store_prepare (self, "SELECT max(rowid) FROM reports", error)))
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return tg_sqlite_fail (self->sql, error, "report rows");
  self->last_report_rowid = sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

/* Records a revision made on this device. Called with the lock held and
 * inside a transaction. */
TgRevision *
tg_store_record_local_revision_locked (TgStore            *self,
                                       const char         *record_id,
                                       const char * const *parents,
                                       gboolean            deleted,
                                       const char         *content,
                                       TgReport           *report,
                                       TgCustodyAction     action,
                                       GError            **error)
{
  g_autoptr(TgRevision) rev = NULL;
  gboolean inserted;
  gint64 seq;

  seq = ++self->device_seq;

  rev = tg_revision_new (record_id, TG_REVISION_KIND_REPORT, parents, self->device_id,
                         seq, g_get_real_time (), deleted, content);
  if (!insert_revision_locked (self, rev, TRUE, &inserted, NULL, error) ||
      !tg_store_materialize_known_locked (self, record_id, rev, report, error))
    return NULL;
  /* The files it names wait to be sent. */
  if (!deleted && !tg_store_sync_queue_blobs_locked (self, record_id, content, error))
    return NULL;
  if (self->custody_log != NULL &&
      !tg_custody_log_append_locked (self->custody_log, action, record_id,
                                     tg_revision_get_id (rev), error))
    return NULL;
  /* A file the log has never named entered the store with this report:
   * "imported", its hash the subject and the report the detail, so that
   * a source's history starts where the file came in. */
  if (self->custody_log != NULL && report != NULL)
    {
      GListModel *sources = tg_report_get_sources (report);

      for (guint i = 0; i < g_list_model_get_n_items (sources); i++)
        {
          g_autoptr(TgSource) source = g_list_model_get_item (sources, i);
          const char *sha256 = tg_source_get_sha256 (source);
          gboolean known = FALSE;

          if (sha256 == NULL ||
              tg_source_get_kind (source) != TG_SOURCE_KIND_FILE)
            continue;
          if (!tg_custody_log_has_subject_locked (self->custody_log, sha256, &known, error) ||
              (!known && !tg_custody_log_append_locked (self->custody_log, TG_CUSTODY_IMPORTED,
                                                        sha256, record_id, error)))
            return NULL;
        }
    }
  return g_steal_pointer (&rev);
}

TgRevision *
tg_store_record_incident_locked (TgStore            *self,
                                 const char         *incident_id,
                                 const char * const *parents,
                                 gboolean            deleted,
                                 const char         *content,
                                 TgCustodyAction     action,
                                 GError            **error)
{
  g_autoptr(TgRevision) rev = NULL;
  gboolean inserted;

  rev = tg_revision_new (incident_id, TG_REVISION_KIND_INCIDENT, parents, self->device_id,
                         ++self->device_seq, g_get_real_time (), deleted, content);
  if (!insert_revision_locked (self, rev, TRUE, &inserted, NULL, error) ||
      !tg_store_materialize_known_locked (self, incident_id, rev, NULL, error))
    return NULL;
  if (self->custody_log != NULL &&
      !tg_custody_log_append_locked (self->custody_log, action, incident_id,
                                     tg_revision_get_id (rev), error))
    return NULL;
  return g_steal_pointer (&rev);
}

gboolean
tg_store_begin (TgStore  *self,
                GError  **error)
{
  if (!tg_store_check_open (self, error))
    return FALSE;
  return tg_sqlite_begin (self->sql, error);
}

void
tg_store_rollback (TgStore *self)
{
  sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  tg_store_load_device_seq_locked (self, NULL);
}

gboolean
tg_store_commit (TgStore  *self,
                 gboolean  ok,
                 GError  **error)
{
  if (ok && tg_store_exec (self, "COMMIT", error))
    return TRUE;
  tg_store_rollback (self);
  return FALSE;
}

/* For tg-store-sync.c (tg-store-private.h). */

gboolean
tg_store_materialize_locked (TgStore     *self,
                             const char  *record_id,
                             GError     **error)
{
  return tg_store_materialize_known_locked (self, record_id, NULL, NULL, error);
}

TgRevision *
tg_store_record_revision_locked (TgStore            *self,
                                 TgReport           *report,
                                 const char         *content,
                                 const char * const *parents,
                                 GError            **error)
{
  return tg_store_record_local_revision_locked (self, tg_report_get_id (report), parents, FALSE, content,
                                                report, TG_CUSTODY_EDITED, error);
}

gboolean
tg_store_append_custody_events (TgStore             *self,
                                TgCustodyAction      action,
                                guint                n_events,
                                const char * const  *subjects,
                                const char * const  *details,
                                GError             **error)
{
  gboolean ok;

  g_return_val_if_fail (TG_IS_STORE (self), FALSE);
  g_return_val_if_fail (n_events == 0 || subjects != NULL, FALSE);

  if (n_events == 0)
    return TRUE;

  tg_store_lock (self);
  ok = tg_store_begin (self, error);
  if (ok && self->custody_log == NULL)
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_FAILED, "the store has no custody log");
      ok = FALSE;
    }
  for (guint i = 0; ok && i < n_events; i++)
    ok = tg_custody_log_append_locked (self->custody_log, action, subjects[i],
                                       details ? details[i] : NULL, error);
  ok = ok && tg_store_commit (self, TRUE, error);
  if (!ok && self->db != NULL && !sqlite3_get_autocommit (self->db))
    tg_store_rollback (self);
  tg_store_unlock (self);
  return ok;
}

typedef struct
{
  char     *record_id;
  char    **parents;
  char     *content;
  TgReport *report;  /* only when saving on the report's own thread */
} SaveData;

static void
save_data_free (gpointer data)
{
  SaveData *save = data;

  if (save == NULL)
    return;
  g_free (save->record_id);
  g_strfreev (save->parents);
  g_free (save->content);
  g_free (save);
}

static SaveData *
save_data_new (TgReport  *report,
               GError   **error)
{
  SaveData *save;

  if (!tg_report_validate (report, error))
    return NULL;

  save = g_new0 (SaveData, 1);
  save->record_id = g_strdup (tg_report_get_id (report));
  save->parents = g_strdupv ((char **) tg_report_get_base_revisions (report));
  save->content = tg_report_to_json_string (report);
  return save;
}

/* Returns the new revision, or the base revision if nothing changed. */
static TgRevision *
save_locked (TgStore   *self,
             SaveData  *save,
             GError   **error)
{
  g_autoptr(TgRevision) rev = NULL;

  if (save->parents != NULL && g_strv_length (save->parents) == 1)
    {
      g_autoptr(TgRevision) base = tg_store_get_revision_locked (self, save->parents[0], NULL);

      if (base != NULL && !tg_revision_get_deleted (base) &&
          g_strcmp0 (tg_revision_get_content (base), save->content) == 0)
        return g_steal_pointer (&base);
    }

  return tg_store_record_local_revision_locked (self, save->record_id,
                                                (const char * const *) save->parents, FALSE,
                                                save->content, save->report,
                                                save->parents ? TG_CUSTODY_EDITED : TG_CUSTODY_CREATED,
                                                error);
}

static guint
count_heads_locked (TgStore    *self,
                    const char *record_id)
{
  g_autoptr(GPtrArray) heads = tg_store_list_head_ids_locked (self, record_id, NULL);

  return heads ? heads->len : 1;
}

static TgRevision *
save_one (TgStore   *self,
          SaveData  *save,
          guint     *n_heads,
          GError   **error)
{
  g_autoptr(TgRevision) rev = NULL;

  tg_store_lock (self);
  if (tg_store_begin (self, error))
    {
      rev = save_locked (self, save, error);
      if (rev != NULL)
        *n_heads = count_heads_locked (self, save->record_id);
      if (!tg_store_commit (self, rev != NULL, error))
        g_clear_object (&rev);
    }
  tg_store_unlock (self);

  if (rev != NULL)
    {
      tg_store_emit_changed (self, save->record_id);
      tg_store_emit_sync_changed (self, save->record_id);
    }
  return g_steal_pointer (&rev);
}

void
tg_store_apply_saved (TgReport   *report,
                      TgRevision *rev,
                      guint       n_heads)
{
  const char *ids[] = { tg_revision_get_id (rev), NULL };

  tg_report_set_base_revisions (report, ids);
  tg_report_set_n_heads (report, n_heads);
  tg_report_set_updated_at (report, tg_revision_get_created_at (rev));
}

TgRevision *
tg_store_save_report (TgStore   *self,
                      TgReport  *report,
                      GError   **error)
{
  SaveData *save;
  TgRevision *rev;
  guint n_heads = 1;

  g_return_val_if_fail (TG_IS_STORE (self), NULL);
  g_return_val_if_fail (TG_IS_REPORT (report), NULL);

  if (!(save = save_data_new (report, error)))
    return NULL;
  save->report = report;
  rev = save_one (self, save, &n_heads, error);
  save_data_free (save);
  if (rev != NULL)
    tg_store_apply_saved (report, rev, n_heads);
  return rev;
}

typedef struct
{
  SaveData *save;
  guint     n_heads;
} SaveTaskData;

static void
save_task_data_free (gpointer data)
{
  SaveTaskData *task_data = data;

  save_data_free (task_data->save);
  g_free (task_data);
}

static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SaveTaskData *data = task_data;
  GError *error = NULL;
  TgRevision *rev;

  rev = save_one (source_object, data->save, &data->n_heads, &error);
  if (rev == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, rev, g_object_unref);
}

void
tg_store_save_report_async (TgStore             *self,
                            TgReport            *report,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  SaveTaskData *data;
  SaveData *save;

  g_return_if_fail (TG_IS_STORE (self));
  g_return_if_fail (TG_IS_REPORT (report));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tg_store_save_report_async);

  /* The report is serialised here, on the caller's thread. */
  if (!(save = save_data_new (report, &error)))
    {
      g_task_return_error (task, error);
      return;
    }
  data = g_new0 (SaveTaskData, 1);
  data->save = save;
  g_task_set_task_data (task, data, save_task_data_free);
  g_object_set_data_full (G_OBJECT (task), "report", g_object_ref (report), g_object_unref);
  g_task_run_in_thread (task, save_thread);
}

TgRevision *
tg_store_save_report_finish (TgStore       *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  TgRevision *rev;
  TgReport *report;
  SaveTaskData *data;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  rev = g_task_propagate_pointer (G_TASK (result), error);
  if (rev == NULL)
    return NULL;

  /* Only the saved state's base moves: edits made since the save started
   * will be children of this revision. */
  report = g_object_get_data (G_OBJECT (result), "report");
  data = g_task_get_task_data (G_TASK (result));
  tg_store_apply_saved (report, rev, data->n_heads);
  return rev;
}

/* Saving a batch is a pipeline: a second thread validates and serialises
 * the reports in order (no database needed; the reports are only read)
 * while this one writes those already prepared. */
typedef struct
{
  GPtrArray *reports;
  GPtrArray *saves;
  GMutex     mutex;
  GCond      cond;
  guint      n_ready;    /* saves[0 .. n_ready) are prepared */
  gboolean   failed;     /* saves[n_ready] could not be */
  GError    *error;
  gboolean   waiting;    /* the writer waits for the next one */
  gint       cancelled;  /* atomic: the writer gave up */
} SavePipeline;

static gpointer
prepare_saves_thread (gpointer data)
{
  SavePipeline *pipe = data;

  for (guint i = 0; i < pipe->reports->len; i++)
    {
      GError *error = NULL;
      SaveData *save;

      if (g_atomic_int_get (&pipe->cancelled))
        break;

      save = save_data_new (pipe->reports->pdata[i], &error);
      if (save != NULL)
        {
          save->report = pipe->reports->pdata[i];
          pipe->saves->pdata[i] = save;
        }

      g_mutex_lock (&pipe->mutex);
      if (save != NULL)
        pipe->n_ready = i + 1;
      else
        {
          pipe->failed = TRUE;
          pipe->error = error;
        }
      if (pipe->waiting)
        g_cond_signal (&pipe->cond);
      g_mutex_unlock (&pipe->mutex);

      if (save == NULL)
        break;
    }
  return NULL;
}

/* Waits until saves[i] is prepared; FALSE if it cannot be. */
static gboolean
wait_for_save (SavePipeline  *pipe,
               guint          i,
               GError       **error)
{
  gboolean ready;

  g_mutex_lock (&pipe->mutex);
  pipe->waiting = TRUE;
  while (pipe->n_ready <= i && !pipe->failed)
    g_cond_wait (&pipe->cond, &pipe->mutex);
  pipe->waiting = FALSE;
  ready = pipe->n_ready > i;
  if (!ready)
    g_propagate_prefixed_error (error, g_steal_pointer (&pipe->error), "report %u: ", i + 1);
  g_mutex_unlock (&pipe->mutex);
  return ready;
}

gboolean
tg_store_save_reports (TgStore    *self,
                       GPtrArray  *reports,
                       GError    **error)
{
  g_autoptr(GPtrArray) saves = g_ptr_array_new_with_free_func (save_data_free);
  g_autoptr(GPtrArray) revs = g_ptr_array_new_with_free_func (g_object_unref);
  SavePipeline pipe = { reports, saves, };
  GThread *thread = NULL;
  gboolean ok = TRUE;

  g_return_val_if_fail (TG_IS_STORE (self), FALSE);

  g_ptr_array_set_size (saves, reports->len);
  g_mutex_init (&pipe.mutex);
  g_cond_init (&pipe.cond);
  if (reports->len >= 64)
    thread = g_thread_new ("tg-store-prepare", prepare_saves_thread, &pipe);
  else
    prepare_saves_thread (&pipe);

  tg_store_lock (self);
  if (!tg_store_begin (self, error))
    ok = FALSE;
  for (guint i = 0; ok && i < saves->len; i++)
    {
      TgRevision *rev;

      if (!wait_for_save (&pipe, i, error))
        {
          ok = FALSE;
          break;
        }
      if ((rev = save_locked (self, saves->pdata[i], error)) == NULL)
        ok = FALSE;
      else
        g_ptr_array_add (revs, rev);
    }
  if (ok)
    ok = tg_store_commit (self, TRUE, error);
  else if (self->db != NULL)
    tg_store_rollback (self);
  tg_store_unlock (self);

  g_atomic_int_set (&pipe.cancelled, TRUE);
  if (thread != NULL)
    g_thread_join (thread);
  g_clear_error (&pipe.error);
  g_mutex_clear (&pipe.mutex);
  g_cond_clear (&pipe.cond);

  if (!ok)
    return FALSE;

  for (guint i = 0; i < revs->len; i++)
    {
      tg_store_apply_saved (reports->pdata[i], revs->pdata[i], 1);
      tg_store_emit_changed (self, tg_report_get_id (reports->pdata[i]));
      tg_store_emit_sync_changed (self, tg_report_get_id (reports->pdata[i]));
    }
  return TRUE;
}

static TgRevision *
change_deleted (TgStore     *self,
                const char  *report_id,
                gboolean     deleted,
                GError     **error)
{
  g_autoptr(TgRevision) rev = NULL;
  gboolean ok = FALSE;

  tg_store_lock (self);
  if (tg_store_begin (self, error))
    {
      g_autoptr(GPtrArray) heads = tg_store_list_head_ids_locked (self, report_id, error);

      if (heads != NULL && heads->len == 0)
        g_set_error (error, TG_ERROR, TG_ERROR_NOT_FOUND, _("There is no report %s."), report_id);
      else if (heads != NULL)
        {
          g_autoptr(TgRevision) current = tg_store_get_revision_locked (self, heads->pdata[0], error);

          if (current != NULL && tg_revision_get_deleted (current) == deleted)
            {
              /* Already in that state. */
              rev = g_steal_pointer (&current);
              ok = TRUE;
            }
          else if (current != NULL)
            {
              const char *parents[] = { tg_revision_get_id (current), NULL };

              rev = tg_store_record_local_revision_locked (self, report_id, parents, deleted,
                                                           tg_revision_get_content (current), NULL,
                                                           deleted ? TG_CUSTODY_DELETED : TG_CUSTODY_RESTORED,
                                                           error);
              ok = rev != NULL;
            }
        }
      if (!tg_store_commit (self, ok, error))
        g_clear_object (&rev);
    }
  tg_store_unlock (self);

  if (rev != NULL)
    {
      tg_store_emit_changed (self, report_id);
      tg_store_emit_sync_changed (self, report_id);
    }
  return g_steal_pointer (&rev);
}

TgRevision *
tg_store_delete_report (TgStore     *self,
                        const char  *report_id,
                        GError     **error)
{
  g_return_val_if_fail (TG_IS_STORE (self), NULL);
  return change_deleted (self, report_id, TRUE, error);
}

TgRevision *
tg_store_restore_report (TgStore     *self,
                         const char  *report_id,
                         GError     **error)
{
  g_return_val_if_fail (TG_IS_STORE (self), NULL);
  return change_deleted (self, report_id, FALSE, error);
}

static TgReport *
load_report_where (TgStore      *self,
                   const char   *where,
                   const char   *id_text,
                   gint64        rowid,
                   gboolean      include_deleted,
                   GError      **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  g_autofree char *sql = NULL;
  g_autoptr(TgReport) report = NULL;
  int rc;

  tg_store_lock (self);
  if (!tg_store_check_open (self, error))
    goto out;

  sql = g_strdup_printf ("SELECT r.rev_id, r.n_heads, r.deleted, r.updated_at, v.content "
                         "FROM reports r JOIN revisions v ON v.rev_id = r.rev_id WHERE %s",
                         where);
  if (!(stmt = tg_store_prepare (self, sql, error)))
    goto out;
  if (id_text != NULL)
    tg_sqlite_bind_text (stmt, 1, id_text);
  else
    sqlite3_bind_int64 (stmt, 1, rowid);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE || (rc == SQLITE_ROW && sqlite3_column_int (stmt, 2) && !include_deleted))
    {
      g_set_error (error, TG_ERROR, TG_ERROR_NOT_FOUND, _("There is no report %s."),
                   id_text ? id_text : "");
      goto out;
    }
  if (rc != SQLITE_ROW)
    {
      tg_sqlite_fail (self->sql, error, "load report");
      goto out;
    }

  report = tg_report_new_from_json_string ((const char *) sqlite3_column_text (stmt, 4),
                                           sqlite3_column_bytes (stmt, 4), error);
  if (report != NULL)
    {
      const char *ids[] = { (const char *) sqlite3_column_text (stmt, 0), NULL };

      tg_report_set_base_revisions (report, ids);
      tg_report_set_n_heads (report, sqlite3_column_int (stmt, 1));
      tg_report_set_updated_at (report, sqlite3_column_int64 (stmt, 3));
    }

out:
  tg_store_unlock (self);
  return g_steal_pointer (&report);
}

TgReport *
tg_store_load_report (TgStore     *self,
                      const char  *report_id,
                      GError     **error)
{
  g_return_val_if_fail (TG_IS_STORE (self), NULL);
  g_return_val_if_fail (report_id != NULL, NULL);
  return load_report_where (self, "r.id = ?", report_id, 0, FALSE, error);
}

TgReport *
tg_store_load_report_by_rowid (TgStore  *self,
                               gint64    rowid,
                               GError  **error)
{
  g_return_val_if_fail (TG_IS_STORE (self), NULL);
  return load_report_where (self, "r.rowid = ?", NULL, rowid, TRUE, error);
}

GArray *
tg_store_list_live_rowids (TgStore  *self,
                           GError  **error)
{
  g_autoptr(GArray) rowids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(TgSqliteStmt) stmt = NULL;
  gboolean ok = FALSE;
  int rc;

  g_return_val_if_fail (TG_IS_STORE (self), NULL);

  tg_store_lock (self);
  if (tg_store_check_open (self, error) &&
      (stmt = tg_store_prepare (self, "SELECT rowid FROM reports WHERE deleted = 0 ORDER BY id",
                                error)))
    {
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          gint64 rowid = sqlite3_column_int64 (stmt, 0);
          g_array_append_val (rowids, rowid);
        }
      ok = rc == SQLITE_DONE || tg_sqlite_fail (self->sql, error, "list reports");
    }
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);
  tg_store_unlock (self);

  return ok ? g_steal_pointer (&rowids) : NULL;
}

gboolean
tg_store_get_rev_id (TgStore  *self,
                     gint64    rowid,
                     char    **rev_id,
                     GError  **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  gboolean ok = FALSE;
  int rc;

  g_return_val_if_fail (TG_IS_STORE (self), FALSE);
  g_return_val_if_fail (rev_id != NULL, FALSE);

  *rev_id = NULL;
  tg_store_lock (self);
  if (tg_store_check_open (self, error) &&
      (stmt = tg_store_prepare (self, "SELECT rev_id FROM reports WHERE rowid = ?", error)))
    {
      sqlite3_bind_int64 (stmt, 1, rowid);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        *rev_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      ok = rc == SQLITE_ROW || rc == SQLITE_DONE ||
           tg_sqlite_fail (self->sql, error, "read report");
    }
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);
  tg_store_unlock (self);
  return ok;
}

gboolean
tg_store_get_report_label (TgStore  *self,
                           gint64    rowid,
                           char    **id,
                           char    **title,
                           GError  **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  gboolean ok = FALSE;
  int rc;

  g_return_val_if_fail (TG_IS_STORE (self), FALSE);

  tg_store_lock (self);
  if (!tg_store_check_open (self, error) ||
      !(stmt = tg_store_prepare (self, "SELECT id, title FROM reports WHERE rowid = ? AND deleted = 0", error)))
    goto out;
  sqlite3_bind_int64 (stmt, 1, rowid);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      if (id != NULL)
        *id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      if (title != NULL)
        *title = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      ok = TRUE;
    }
  else if (rc == SQLITE_DONE)
    g_set_error (error, TG_ERROR, TG_ERROR_NOT_FOUND, "no live report in row %" G_GINT64_FORMAT, rowid);
  else
    tg_sqlite_fail (self->sql, error, "query");

out:
  tg_store_unlock (self);
  return ok;
}

gint64
tg_store_lookup_rowid (TgStore    *self,
                       const char *id)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  gint64 rowid = 0;

  g_return_val_if_fail (TG_IS_STORE (self), 0);
  g_return_val_if_fail (id != NULL, 0);

  tg_store_lock (self);
  if (tg_store_check_open (self, NULL) &&
      (stmt = tg_store_prepare (self, "SELECT rowid FROM reports WHERE id = ?", NULL)) != NULL)
    {
      tg_sqlite_bind_text (stmt, 1, id);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        rowid = sqlite3_column_int64 (stmt, 0);
    }
  tg_store_unlock (self);
  return rowid;
}

GPtrArray *
tg_store_list_heads (TgStore     *self,
                     const char  *report_id,
                     GError     **error)
{
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GPtrArray) heads = g_ptr_array_new_with_free_func (g_object_unref);
  gboolean ok = TRUE;

  g_return_val_if_fail (TG_IS_STORE (self), NULL);

  tg_store_lock (self);
  if (!tg_store_check_open (self, error) || !(ids = tg_store_list_head_ids_locked (self, report_id, error)))
    ok = FALSE;
  for (guint i = 0; ok && i < ids->len; i++)
    {
      TgRevision *rev = tg_store_get_revision_locked (self, ids->pdata[i], error);

      if (rev == NULL)
        ok = FALSE;
      else
        g_ptr_array_add (heads, rev);
    }
  tg_store_unlock (self);

  return ok ? g_steal_pointer (&heads) : NULL;
}

TgRevision *
tg_store_get_revision (TgStore     *self,
                       const char  *rev_id,
                       GError     **error)
{
  TgRevision *rev = NULL;

  g_return_val_if_fail (TG_IS_STORE (self), NULL);

  tg_store_lock (self);
  if (tg_store_check_open (self, error))
    rev = tg_store_get_revision_locked (self, rev_id, error);
  tg_store_unlock (self);
  return rev;
}

GPtrArray *
tg_store_list_revisions_where (TgStore     *self,
                               const char  *sql,
                               const char  *text,
                               gint64       number,
                               GError     **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) revs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(TgSqliteStmt) stmt = NULL;
  gboolean ok = FALSE;
  int rc;

  tg_store_lock (self);
  if (!tg_store_check_open (self, error) || !(stmt = tg_store_prepare (self, sql, error)))
    goto out;
  if (text != NULL)
    tg_sqlite_bind_text (stmt, 1, text);
  sqlite3_bind_int64 (stmt, text ? 2 : 1, number);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  if (rc != SQLITE_DONE)
    {
      tg_sqlite_fail (self->sql, error, "list revisions");
      goto out;
    }
  ok = TRUE;
  for (guint i = 0; ok && i < ids->len; i++)
    {
      TgRevision *rev = tg_store_get_revision_locked (self, ids->pdata[i], error);

      if (rev == NULL)
        ok = FALSE;
      else
        g_ptr_array_add (revs, rev);
    }
out:
  tg_store_unlock (self);
  return ok ? g_steal_pointer (&revs) : NULL;
}

GPtrArray *
tg_store_list_revisions (TgStore     *self,
                         const char  *record_id,
                         GError     **error)
{
  g_return_val_if_fail (TG_IS_STORE (self), NULL);
  return tg_store_list_revisions_where (self,
                                        "SELECT rev_id FROM revisions WHERE record_id = ? "
                                        "ORDER BY local_seq LIMIT ?",
                                        record_id, G_MAXINT64, error);
}

/* Checks and inserts revisions from elsewhere inside the caller's
 * transaction. Adds to @touched the records that got a new revision (to
 * materialise) and to @learned those whose sync state changed because a
 * known revision learned its server sequence. */
gboolean
tg_store_insert_revisions_locked (TgStore     *self,
                                  GPtrArray   *revisions,
                                  GHashTable  *touched,
                                  GHashTable  *learned,
                                  guint       *n_inserted,
                                  GError     **error)
{
  guint count = 0;

  for (guint i = 0; i < revisions->len; i++)
    {
      TgRevision *rev = revisions->pdata[i];
      g_autofree char *check = NULL;
      gboolean inserted = FALSE;
      gboolean was_learned = FALSE;

      /* A revision built elsewhere is checked against its id. */
      check = tg_revision_compute_id (tg_revision_get_record_id (rev), tg_revision_get_kind (rev),
                                      tg_revision_get_parents (rev), tg_revision_get_device_id (rev),
                                      tg_revision_get_device_seq (rev),
                                      tg_revision_get_created_at (rev),
                                      tg_revision_get_deleted (rev),
                                      tg_revision_get_content (rev));
      if (g_strcmp0 (check, tg_revision_get_id (rev)) != 0)
        {
          g_set_error (error, TG_ERROR, TG_ERROR_HASH_MISMATCH,
                       _("Revision %s does not match its content."), tg_revision_get_id (rev));
          return FALSE;
        }
      if (g_strcmp0 (tg_revision_get_kind (rev), TG_REVISION_KIND_REPORT) == 0)
        {
          g_autoptr(TgReport) report =
            tg_report_new_from_json_string (tg_revision_get_content (rev), -1, error);

          if (report == NULL ||
              g_strcmp0 (tg_report_get_id (report), tg_revision_get_record_id (rev)) != 0)
            {
              if (report != NULL)
                g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                             "revision %s: the report inside belongs to another record",
                             tg_revision_get_id (rev));
              g_prefix_error (error, "revision %s: ", tg_revision_get_id (rev));
              return FALSE;
            }
        }
      else if (g_strcmp0 (tg_revision_get_kind (rev), TG_REVISION_KIND_INCIDENT) == 0)
        {
          g_autoptr(TgIncident) incident =
            tg_incident_new_from_json_string (tg_revision_get_content (rev), -1, error);

          if (incident == NULL ||
              g_strcmp0 (tg_incident_get_id (incident), tg_revision_get_record_id (rev)) != 0)
            {
              if (incident != NULL)
                g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                             "the incident inside belongs to another record");
              g_prefix_error (error, "revision %s: ", tg_revision_get_id (rev));
              return FALSE;
            }
        }

      if (!insert_revision_locked (self, rev, FALSE, &inserted, &was_learned, error))
        return FALSE;
      if (was_learned && learned != NULL)
        g_hash_table_add (learned, g_strdup (tg_revision_get_record_id (rev)));
      if (inserted)
        {
          count++;
          g_hash_table_add (touched, g_strdup (tg_revision_get_record_id (rev)));
          if (self->custody_log != NULL &&
              !tg_custody_log_append_locked (self->custody_log, TG_CUSTODY_RECEIVED,
                                             tg_revision_get_record_id (rev),
                                             tg_revision_get_id (rev), error))
            return FALSE;
        }
    }
  if (n_inserted != NULL)
    *n_inserted = count;
  return TRUE;
}

gboolean
tg_store_insert_revisions (TgStore    *self,
                           GPtrArray  *revisions,
                           guint      *n_inserted,
                           GError    **error)
{
  g_autoptr(GHashTable) touched = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) learned = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gboolean ok;
  guint count = 0;

  g_return_val_if_fail (TG_IS_STORE (self), FALSE);

  tg_store_lock (self);
  ok = tg_store_begin (self, error) &&
       tg_store_insert_revisions_locked (self, revisions, touched, learned, &count, error);
  if (ok)
    {
      GHashTableIter iter;
      gpointer key;

      g_hash_table_iter_init (&iter, touched);
      while (ok && g_hash_table_iter_next (&iter, &key, NULL))
        ok = tg_store_materialize_known_locked (self, key, NULL, NULL, error);
    }
  ok = tg_store_commit (self, ok, error);
  tg_store_unlock (self);

  if (ok)
    {
      GHashTableIter iter;
      gpointer key;

      g_hash_table_iter_init (&iter, touched);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        {
          tg_store_emit_changed (self, key);
          tg_store_emit_sync_changed (self, key);
        }
      g_hash_table_iter_init (&iter, learned);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        if (!g_hash_table_contains (touched, key))
          tg_store_emit_sync_changed (self, key);
    }
  if (n_inserted != NULL)
    *n_inserted = ok ? count : 0;
  return ok;
}

guint
tg_store_count_reports (TgStore *self)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  guint count = 0;

  g_return_val_if_fail (TG_IS_STORE (self), 0);

  tg_store_lock (self);
  if (self->db != NULL &&
      (stmt = tg_store_prepare (self, "SELECT count(*) FROM reports WHERE deleted = 0", NULL)) &&
      sqlite3_step (stmt) == SQLITE_ROW)
    count = sqlite3_column_int (stmt, 0);
  tg_store_unlock (self);
  return count;
}

/* Queries --------------------------------------------------------------- */

G_DEFINE_BOXED_TYPE (TgReportQuery, tg_report_query, tg_report_query_copy, tg_report_query_free)

TgReportQuery *
tg_report_query_new (void)
{
  TgReportQuery *query = g_new0 (TgReportQuery, 1);

  query->status = -1;
  return query;
}

TgReportQuery *
tg_report_query_copy (const TgReportQuery *query)
{
  TgReportQuery *copy = g_memdup2 (query, sizeof *query);

  copy->text = g_strdup (query->text);
  copy->category = g_strdup (query->category);
  copy->region_code = g_strdup (query->region_code);
  return copy;
}

void
tg_report_query_free (TgReportQuery *query)
{
  if (query == NULL)
    return;
  g_free (query->text);
  g_free (query->category);
  g_free (query->region_code);
  g_free (query);
}

/* What a person types becomes a safe FTS5 query: split into words where
 * the index's tokenizer splits them (anything but letters and digits),
 * each word quoted, the last one a prefix. Operators, quotes and
 * parentheses typed are only text. */
static char *
fts_query_from_text (const char *text)
{
  g_autoptr(GString) query = g_string_new (NULL);
  g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) word = g_string_new (NULL);
  const char *p;

  if (!g_utf8_validate (text, -1, NULL))
    return NULL;

  for (p = text; ; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c != 0 && (g_unichar_isalnum (c) || g_unichar_ismark (c)))
        {
          g_string_append_unichar (word, c);
          continue;
        }
      if (word->len > 0)
        {
          g_ptr_array_add (words, g_strdup (word->str));
          g_string_truncate (word, 0);
        }
      if (c == 0)
        break;
    }

  for (guint i = 0; i < words->len; i++)
    {
      if (i > 0)
        g_string_append_c (query, ' ');
      g_string_append_printf (query, "\"%s\"", (const char *) words->pdata[i]);
      if (i + 1 == words->len)
        g_string_append_c (query, '*');
    }
  if (words->len == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&query), FALSE);
}

/* The SQL selecting @columns ("r.rowid", or other columns of reports r) of
 * the reports matching @query (in the list's order when @ordered); its
 * parameters are bound by bind_query(). Unordered, it ends in its WHERE
 * clause, so a caller may add conditions. */
static char *
build_query (const TgReportQuery *query,
             const char          *fts,
             const char          *columns,
             gboolean             ordered)
{
  GString *sql = g_string_new (NULL);

  g_string_printf (sql, "SELECT %s FROM ", columns);

  /* Text alone, newest first: the full-text index holds only live reports
   * under their row ids, so it answers by itself, already in order. */
  if (fts != NULL && g_str_equal (columns, "r.rowid") && query->category == NULL && query->region_code == NULL &&
      query->status < 0 && query->start_from == 0 && query->start_until == 0 &&
      !query->only_conflicts && query->sort == TG_REPORT_SORT_UPDATED_DESC)
    {
      g_string_assign (sql, "SELECT rowid FROM reports_fts WHERE reports_fts MATCH ?");
      if (ordered)
        g_string_append (sql, " ORDER BY rowid DESC");
      return g_string_free (sql, FALSE);
    }

  /* With text, the full-text index leads (CROSS JOIN keeps that order):
   * the matches are few next to the whole store. */
  if (fts != NULL)
    g_string_append (sql, "reports_fts f CROSS JOIN reports r ON r.rowid = f.rowid "
                          "WHERE reports_fts MATCH ? AND r.deleted = 0 ");
  else
    g_string_append (sql, "reports r WHERE r.deleted = 0 ");
  if (query != NULL)
    {
      if (query->category != NULL)
        g_string_append (sql, "AND r.rowid IN (SELECT report_rowid FROM report_categories "
                              "WHERE category = ?) ");
      if (query->region_code != NULL)
        g_string_append (sql, "AND r.region_code = ? ");
      if (query->status >= 0)
        g_string_append (sql, "AND r.status = ? ");
      if (query->start_from != 0)
        g_string_append (sql, "AND r.start_time >= ? ");
      if (query->start_until != 0)
        g_string_append (sql, "AND r.start_time < ? ");
      if (query->only_conflicts)
        g_string_append (sql, "AND r.n_heads > 1 ");
    }

  if (!ordered)
    return g_string_free (sql, FALSE);

  switch (query ? query->sort : TG_REPORT_SORT_UPDATED_DESC)
    {
    case TG_REPORT_SORT_START_DESC:
      g_string_append (sql, "ORDER BY r.start_time DESC, r.rowid DESC");
      break;
    case TG_REPORT_SORT_START_ASC:
      g_string_append (sql, "ORDER BY r.start_time ASC, r.rowid ASC");
      break;
    case TG_REPORT_SORT_TITLE:
      g_string_append (sql, "ORDER BY r.title COLLATE NOCASE, r.rowid");
      break;
    case TG_REPORT_SORT_UPDATED_DESC:
    default:
      g_string_append (sql, "ORDER BY r.rowid DESC");
      break;
    }
  return g_string_free (sql, FALSE);
}

static void
bind_query (TgSqliteStmt              *stmt,
            const TgReportQuery *query,
            const char          *fts)
{
  int column = 1;

  if (fts != NULL)
    tg_sqlite_bind_text (stmt, column++, fts);
  if (query == NULL)
    return;
  if (query->category != NULL)
    tg_sqlite_bind_text (stmt, column++, query->category);
  if (query->region_code != NULL)
    tg_sqlite_bind_text (stmt, column++, query->region_code);
  if (query->status >= 0)
    tg_sqlite_bind_text (stmt, column++, tg_report_status_to_string (query->status));
  if (query->start_from != 0)
    sqlite3_bind_int64 (stmt, column++, query->start_from);
  if (query->start_until != 0)
    sqlite3_bind_int64 (stmt, column++, query->start_until);
}

GArray *
tg_store_query_rowids (TgStore              *self,
                       const TgReportQuery  *query,
                       GError              **error)
{
  g_autoptr(GArray) rowids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(TgSqliteStmt) stmt = NULL;
  g_autofree char *fts = NULL;
  g_autofree char *sql = NULL;
  gboolean ok = FALSE;
  int rc;

  g_return_val_if_fail (TG_IS_STORE (self), NULL);

  if (query != NULL && query->text != NULL)
    fts = fts_query_from_text (query->text);
  sql = build_query (query, fts, "r.rowid", TRUE);

  tg_store_lock (self);
  if (!tg_store_check_open (self, error) || !(stmt = tg_store_prepare (self, sql, error)))
    goto out;
  bind_query (stmt, query, fts);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 rowid = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (rowids, rowid);
    }
  if (rc != SQLITE_DONE)
    {
      tg_sqlite_fail (self->sql, error, "query");
      goto out;
    }
  ok = TRUE;

out:
  tg_store_unlock (self);
  return ok ? g_steal_pointer (&rowids) : NULL;
}

GArray *
tg_store_query_locations (TgStore              *self,
                          const TgReportQuery  *query,
                          GError              **error)
{
  g_autoptr(GArray) locations = g_array_new (FALSE, FALSE, sizeof (TgReportLocation));
  sqlite3_stmt *stmt = NULL;
  g_autofree char *fts = NULL;
  g_autofree char *where = NULL;
  g_autofree char *sql = NULL;
  gboolean ok = FALSE;
  int rc;

  g_return_val_if_fail (TG_IS_STORE (self), NULL);

  /* The list's own conditions, straight on the table (no "rowid IN" set
   * of 100,000 row ids to build), unordered. */
  if (query != NULL && query->text != NULL)
    fts = fts_query_from_text (query->text);
  where = build_query (query, fts, "r.rowid, r.category, r.latitude, r.longitude", FALSE);
  sql = g_strconcat (where, "AND r.latitude IS NOT NULL AND r.longitude IS NOT NULL", NULL);

  g_mutex_lock (&self->reader_lock);
  if (!tg_store_check_open (self, error))
    goto out;
  if (self->reader == NULL)
    {
      if (self->key != NULL)
        self->reader = tg_sqlite_open_keyed (self->db_path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                                             self->key, error);
      else
        self->reader = tg_sqlite_open (self->db_path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                                       error);
      if (self->reader == NULL)
        goto out;
      sqlite3_busy_timeout (tg_sqlite_get_db (self->reader), 5000);
    }
  if (sqlite3_prepare_v2 (tg_sqlite_get_db (self->reader), sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      tg_sqlite_fail (self->reader, error, "query");
      goto out;
    }
  bind_query (stmt, query, fts);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TgReportLocation location;
      const char *category = (const char *) sqlite3_column_text (stmt, 1);

      location.rowid = sqlite3_column_int64 (stmt, 0);
      location.category = category ? g_intern_string (category) : NULL;
      location.latitude = sqlite3_column_double (stmt, 2);
      location.longitude = sqlite3_column_double (stmt, 3);
      g_array_append_val (locations, location);
    }
  if (rc != SQLITE_DONE)
    {
      tg_sqlite_fail (self->reader, error, "query");
      goto out;
    }
  ok = TRUE;

out:
  g_clear_pointer (&stmt, sqlite3_finalize);
  g_mutex_unlock (&self->reader_lock);
  return ok ? g_steal_pointer (&locations) : NULL;
}

/* Deleting and restoring on a worker thread ------------------------------ */

static void
change_deleted_thread (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  gboolean deleted = g_task_get_source_tag (task) == tg_store_delete_report_async;
  GError *error = NULL;
  TgRevision *rev = change_deleted (source_object, task_data, deleted, &error);

  if (rev == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, rev, g_object_unref);
}

static void
change_deleted_async (TgStore             *self,
                      const char          *report_id,
                      gpointer             source_tag,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, g_strdup (report_id), g_free);
  g_task_run_in_thread (task, change_deleted_thread);
}

void
tg_store_delete_report_async (TgStore             *self,
                              const char          *report_id,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (TG_IS_STORE (self));
  g_return_if_fail (report_id != NULL);
  change_deleted_async (self, report_id, tg_store_delete_report_async,
                        cancellable, callback, user_data);
}

TgRevision *
tg_store_delete_report_finish (TgStore       *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tg_store_restore_report_async (TgStore             *self,
                               const char          *report_id,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (TG_IS_STORE (self));
  g_return_if_fail (report_id != NULL);
  change_deleted_async (self, report_id, tg_store_restore_report_async,
                        cancellable, callback, user_data);
}

TgRevision *
tg_store_restore_report_finish (TgStore       *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
