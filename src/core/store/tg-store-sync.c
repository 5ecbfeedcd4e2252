/* tg-store-sync.c — the store's sync tables: push marks, blobs to send, pull cursor, account, history
 *
 * Schema 8 adds four tables (docs/data-model.md):
 *   sync_reports    one row per record: how many of its revisions made here
 *                   the server has not acknowledged, and whether any of its
 *                   revisions is on the server. Kept by every insert and
 *                   mark, so a report's state is two indexed lookups.
 *   sync_blobs      the files to send, in the order they were queued, with
 *                   their state (to send, sent, missing).
 *   sync_blob_refs  which report names which queued file, for a report's
 *                   "files still to send" and for its signal.
 *   sync_history    one row per sync, the newest TG_SYNC_HISTORY_MAX kept.
 * The pull cursor and the account live in the meta table. Schema 10 adds
 * sync_device_names (the names servers gave other devices) and
 * sync_history.received_from (who made the changes a sync brought).
 *
 * Every function takes the store's (recursive) lock; those that write do
 * it in one transaction and emit their signals after the commit.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-store"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "tg-store-private.h"
#include "tg-store-sync.h"

typedef enum
{
  BLOB_TO_SEND = 0,
  BLOB_SENT    = 1,
  BLOB_MISSING = 2,
} BlobState;

#define META_PULL_CURSOR      "sync_pull_cursor"
#define META_CURSOR_SERVER    "sync_cursor_server"
#define META_SERVER_URI       "sync_server_uri"
#define META_FINGERPRINT      "sync_fingerprint"
#define META_SERVER_DEVICE_ID "sync_server_device_id"
#define META_DEVICE_NAME      "sync_device_name"
#define META_ROLE             "sync_role"
#define META_CLOCK_OFFSET     "sync_clock_offset"

static const char *schema_v8 =
  "CREATE TABLE sync_reports ("
  "  report_id TEXT PRIMARY KEY,"
  "  n_unsent INTEGER NOT NULL DEFAULT 0,"
  "  on_server INTEGER NOT NULL DEFAULT 0"
  ") WITHOUT ROWID;"
  "CREATE INDEX sync_reports_unsent ON sync_reports (report_id) WHERE n_unsent > 0;"
  "CREATE TABLE sync_blobs ("
  "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  sha256 TEXT NOT NULL UNIQUE,"
  "  is_thumbnail INTEGER NOT NULL,"
  "  size INTEGER NOT NULL,"
  "  report_id TEXT,"
  "  state INTEGER NOT NULL DEFAULT 0,"
  "  changed_at INTEGER NOT NULL"
  ");"
  "CREATE INDEX sync_blobs_queue ON sync_blobs (state, is_thumbnail DESC, seq);"
  "CREATE TABLE sync_blob_refs ("
  "  report_id TEXT NOT NULL,"
  "  sha256 TEXT NOT NULL,"
  "  PRIMARY KEY (report_id, sha256)"
  ") WITHOUT ROWID;"
  "CREATE INDEX sync_blob_refs_blob ON sync_blob_refs (sha256);"
  "CREATE TABLE sync_history ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  started_at INTEGER NOT NULL,"
  "  duration_us INTEGER NOT NULL,"
  "  outcome INTEGER NOT NULL,"
  "  n_revisions_sent INTEGER NOT NULL,"
  "  n_reports_sent INTEGER NOT NULL,"
  "  n_files_sent INTEGER NOT NULL,"
  "  bytes_sent INTEGER NOT NULL,"
  "  n_revisions_received INTEGER NOT NULL,"
  "  n_reports_new INTEGER NOT NULL,"
  "  n_reports_changed INTEGER NOT NULL,"
  "  n_conflicts INTEGER NOT NULL,"
  "  n_files_held_back INTEGER NOT NULL,"
  "  clock_offset_us INTEGER NOT NULL,"
  "  error TEXT"
  ");"
  /* Counting conflicts reads only the reports that have one. */
  "CREATE INDEX reports_conflicts ON reports (id) WHERE n_heads > 1;";

/* Helpers --------------------------------------------------------------- */

static gboolean
fail (TgStore     *self,
      GError     **error,
      const char  *what)
{
  return tg_sqlite_fail (tg_store_get_sql (self), error, what);
}

static gboolean
has_sync_tables (TgStore *self)
{
  return tg_store_get_schema_version (self) >= 8;
}

static gboolean
has_device_names (TgStore *self)
{
  return tg_store_get_schema_version (self) >= 10;
}

static gboolean
check_ready (TgStore  *self,
             GError  **error)
{
  if (!tg_store_check_open (self, error))
    return FALSE;
  if (!has_sync_tables (self))
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_FAILED, "the store has no sync tables");
      return FALSE;
    }
  return TRUE;
}

/* *@value is NULL (and the call succeeds) when @key is not set. */
static gboolean
meta_get_locked (TgStore     *self,
                 const char  *key,
                 char       **value,
                 GError     **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  int rc;

  *value = NULL;
  if (!(stmt = tg_store_prepare (self, "SELECT value FROM meta WHERE key = ?", error)))
    return FALSE;
  tg_sqlite_bind_text (stmt, 1, key);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  else if (rc != SQLITE_DONE)
    return fail (self, error, "read meta");
  return TRUE;
}

/* A NULL @value removes @key. */
static gboolean
meta_set_locked (TgStore     *self,
                 const char  *key,
                 const char  *value,
                 GError     **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;

  if (value == NULL)
    stmt = tg_store_prepare (self, "DELETE FROM meta WHERE key = ?", error);
  else
    stmt = tg_store_prepare (self, "INSERT INTO meta (key, value) VALUES (?, ?) "
                             "ON CONFLICT (key) DO UPDATE SET value = excluded.value", error);
  if (stmt == NULL)
    return FALSE;
  tg_sqlite_bind_text (stmt, 1, key);
  if (value != NULL)
    tg_sqlite_bind_text (stmt, 2, value);
  return tg_store_step_done (self, stmt, error);
}

static gint64
meta_get_int64_locked (TgStore    *self,
                       const char *key)
{
  g_autofree char *value = NULL;

  if (!meta_get_locked (self, key, &value, NULL) || value == NULL)
    return 0;
  return g_ascii_strtoll (value, NULL, 10);
}

/* Moves a record's counters: @delta_unsent revisions made here and not
 * acknowledged, and (if @on_server) the record is on the server. */
static gboolean
note_locked (TgStore     *self,
             const char  *record_id,
             int          delta_unsent,
             gboolean     on_server,
             GError     **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;

  if (!(stmt = tg_store_prepare (self,
                                 "INSERT INTO sync_reports (report_id, n_unsent, on_server) "
                                 "VALUES (?1, max (?2, 0), ?3) "
                                 "ON CONFLICT (report_id) DO UPDATE SET "
                                 "  n_unsent = max (n_unsent + ?2, 0), on_server = max (on_server, ?3)",
                                 error)))
    return FALSE;
  tg_sqlite_bind_text (stmt, 1, record_id);
  sqlite3_bind_int (stmt, 2, delta_unsent);
  sqlite3_bind_int (stmt, 3, on_server ? 1 : 0);
  return tg_store_step_done (self, stmt, error);
}

static TgReportSyncState
state_locked (TgStore    *self,
              const char *report_id)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  TgReportSyncState state = TG_REPORT_SYNC_LOCAL_ONLY;

  if (!(stmt = tg_store_prepare (self,
                                 "SELECT r.n_heads, coalesce (s.n_unsent, 0), coalesce (s.on_server, 0), "
                                 "  EXISTS (SELECT 1 FROM sync_blob_refs f JOIN sync_blobs b ON b.sha256 = f.sha256 "
                                 "          WHERE f.report_id = ?1 AND b.state = 0), "
                                 "  EXISTS (SELECT 1 FROM sync_blob_refs f JOIN sync_blobs b ON b.sha256 = f.sha256 "
                                 "          WHERE f.report_id = ?1 AND b.state = 2) "
                                 "FROM reports r LEFT JOIN sync_reports s ON s.report_id = r.id "
                                 "WHERE r.id = ?1", NULL)))
    return state;
  tg_sqlite_bind_text (stmt, 1, report_id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return state;

  if (sqlite3_column_int (stmt, 0) > 1)
    state = TG_REPORT_SYNC_CONFLICT;
  else if (!sqlite3_column_int (stmt, 2))
    state = TG_REPORT_SYNC_LOCAL_ONLY;
  else if (sqlite3_column_int (stmt, 1) > 0)
    state = TG_REPORT_SYNC_CHANGES_PENDING;
  else if (sqlite3_column_int (stmt, 4))
    state = TG_REPORT_SYNC_FILES_MISSING;  /* never "with all its files" */
  else if (sqlite3_column_int (stmt, 3))
    state = TG_REPORT_SYNC_FILES_PENDING;
  else
    state = TG_REPORT_SYNC_SYNCED;
  return state;
}

/* The size of @sha256 in the blob folder; -1 if the folder lacks it. */
static gint64
held_blob_size (TgStore    *self,
                const char *sha256)
{
  if (sha256 == NULL || tg_store_get_blob_store (self) == NULL)
    return -1;
  /* the content's size: an encrypted file is longer than what it holds */
  return tg_blob_store_get_size (tg_store_get_blob_store (self), sha256);
}

static void
emit_all (TgStore    *self,
          GHashTable *report_ids,
          gboolean    changed_too)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, report_ids);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      if (changed_too)
        tg_store_emit_changed (self, key);
      tg_store_emit_sync_changed (self, key);
    }
}

static GHashTable *
string_set_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/* Called by tg-store.c ---------------------------------------------------- */

gboolean
tg_store_sync_note_revision_locked (TgStore     *self,
                                    TgRevision  *rev,
                                    gboolean     learned,
                                    GError     **error)
{
  gboolean mine;
  gint64 server_seq;

  if (!has_sync_tables (self))
    return TRUE;

  mine = g_strcmp0 (tg_revision_get_device_id (rev), tg_store_get_device_id (self)) == 0;
  server_seq = tg_revision_get_server_seq (rev);
  if (learned)
    return note_locked (self, tg_revision_get_record_id (rev), mine ? -1 : 0, TRUE, error);
  if (server_seq == 0 && !mine)
    return TRUE;
  return note_locked (self, tg_revision_get_record_id (rev),
                      mine && server_seq == 0 ? 1 : 0, server_seq > 0, error);
}

gboolean
tg_store_sync_queue_blobs_locked (TgStore     *self,
                                  const char  *report_id,
                                  const char  *content,
                                  GError     **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  g_autoptr(GPtrArray) shas = NULL;
  g_autoptr(GArray) thumbnail = NULL;
  gint64 now;
  int rc;

  if (!has_sync_tables (self))
    return TRUE;

  /* What it names now replaces what it named before. */
  if (!(stmt = tg_store_prepare (self, "DELETE FROM sync_blob_refs WHERE report_id = ?", error)))
    return FALSE;
  tg_sqlite_bind_text (stmt, 1, report_id);
  if (!tg_store_step_done (self, stmt, error))
    return FALSE;
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);

  /* Most saves name no file: no JSON walk for them. */
  if (content == NULL || strstr (content, "\"sha256\"") == NULL)
    return TRUE;

  shas = g_ptr_array_new_with_free_func (g_free);
  thumbnail = g_array_new (FALSE, FALSE, sizeof (gboolean));
  if (!(stmt = tg_store_prepare (self,
                                 "SELECT json_extract (value, '$.thumbnail_sha256'), json_extract (value, '$.sha256') "
                                 "FROM json_each (?, '$.sources') WHERE json_extract (value, '$.kind') = 'file'",
                                 error)))
    return FALSE;
  tg_sqlite_bind_text (stmt, 1, content);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    for (int column = 0; column < 2; column++)
      {
        const char *sha256 = (const char *) sqlite3_column_text (stmt, column);
        gboolean is_thumbnail = column == 0;

        if (sha256 == NULL)
          continue;
        g_ptr_array_add (shas, g_strdup (sha256));
        g_array_append_val (thumbnail, is_thumbnail);
      }
  if (rc != SQLITE_DONE)
    return fail (self, error, "read sources");
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);

  now = g_get_real_time ();
  for (guint i = 0; i < shas->len; i++)
    {
      const char *sha256 = shas->pdata[i];
      gint64 size = held_blob_size (self, sha256);

      /* Only what this laptop holds can leave it. */
      if (size < 0)
        continue;

      /* New: to send. Known: unchanged, unless it was missing and is
       * back in the folder. */
      if (!(stmt = tg_store_prepare (self,
                                     "INSERT INTO sync_blobs (sha256, is_thumbnail, size, report_id, state, changed_at) "
                                     "VALUES (?1, ?2, ?3, ?4, 0, ?5) "
                                     "ON CONFLICT (sha256) DO UPDATE SET state = 0, size = excluded.size, "
                                     "  changed_at = excluded.changed_at WHERE state = 2",
                                     error)))
        return FALSE;
      tg_sqlite_bind_text (stmt, 1, sha256);
      sqlite3_bind_int (stmt, 2, g_array_index (thumbnail, gboolean, i));
      sqlite3_bind_int64 (stmt, 3, size);
      tg_sqlite_bind_text (stmt, 4, report_id);
      sqlite3_bind_int64 (stmt, 5, now);
      if (!tg_store_step_done (self, stmt, error))
        return FALSE;
      g_clear_pointer (&stmt, tg_sqlite_stmt_release);

      if (!(stmt = tg_store_prepare (self, "INSERT OR IGNORE INTO sync_blob_refs (report_id, sha256) VALUES (?, ?)",
                                     error)))
        return FALSE;
      tg_sqlite_bind_text (stmt, 1, report_id);
      tg_sqlite_bind_text (stmt, 2, sha256);
      if (!tg_store_step_done (self, stmt, error))
        return FALSE;
      g_clear_pointer (&stmt, tg_sqlite_stmt_release);
    }
  return TRUE;
}

/* v10. A store of schema 9 may hold sync_device_names already: before
 * this step the table was made on first use (IF NOT EXISTS keeps it, and
 * the names in it). */
static const char *schema_v10 =
  "CREATE TABLE IF NOT EXISTS sync_device_names ("
  "  device_id TEXT PRIMARY KEY,"
  "  name TEXT NOT NULL,"
  "  user TEXT NOT NULL,"
  "  seen_at INTEGER NOT NULL"
  ") WITHOUT ROWID;"
  "ALTER TABLE sync_history ADD COLUMN received_from TEXT;";

gboolean
tg_store_sync_migrate_v10_locked (TgStore  *self,
                                  GError  **error)
{
  return tg_sqlite_exec (tg_store_get_sql (self), schema_v10, error);
}

gboolean
tg_store_sync_migrate_locked (TgStore  *self,
                              GError  **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) contents = g_ptr_array_new_with_free_func (g_free);
  int rc;

  if (!tg_sqlite_exec (tg_store_get_sql (self), schema_v8, error))
    return FALSE;

  /* Each record's counters, from its revisions: this device's unsent
   * ones, and any the server numbered. */
  if (!tg_sqlite_exec (tg_store_get_sql (self),
                       "INSERT INTO sync_reports (report_id, n_unsent, on_server) "
                       "SELECT record_id, "
                       "  sum (device_id = (SELECT value FROM meta WHERE key = 'device_id') AND server_seq = 0), "
                       "  max (server_seq > 0) "
                       "FROM revisions GROUP BY record_id", error))
    return FALSE;

  /* The files named by live reports made or edited here, in the order the
   * reports last changed. */
  if (!(stmt = tg_store_prepare (self,
                                 "SELECT r.id, v.content FROM reports r JOIN revisions v ON v.rev_id = r.rev_id "
                                 "WHERE r.deleted = 0 AND EXISTS (SELECT 1 FROM revisions w WHERE w.record_id = r.id "
                                 "  AND w.device_id = (SELECT value FROM meta WHERE key = 'device_id')) "
                                 "ORDER BY r.rowid", error)))
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      g_ptr_array_add (contents, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
    }
  if (rc != SQLITE_DONE)
    return fail (self, error, "migrate");
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);

  for (guint i = 0; i < ids->len; i++)
    if (!tg_store_sync_queue_blobs_locked (self, ids->pdata[i], contents->pdata[i], error))
      return FALSE;
  return TRUE;
}

/* Per-report state and what is pending ------------------------------------ */

TgReportSyncState
tg_store_get_report_sync_state (TgStore    *self,
                                const char *report_id)
{
  TgReportSyncState state = TG_REPORT_SYNC_LOCAL_ONLY;

  g_return_val_if_fail (TG_IS_STORE (self), TG_REPORT_SYNC_LOCAL_ONLY);
  g_return_val_if_fail (report_id != NULL, TG_REPORT_SYNC_LOCAL_ONLY);

  tg_store_lock (self);
  if (check_ready (self, NULL))
    state = state_locked (self, report_id);
  tg_store_unlock (self);
  return state;
}

gboolean
tg_store_get_sync_pending (TgStore        *self,
                           TgSyncPending  *pending,
                           GError        **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  TgSyncPending result = { 0, };
  gboolean ok = FALSE;
  int rc;

  g_return_val_if_fail (TG_IS_STORE (self), FALSE);
  g_return_val_if_fail (pending != NULL, FALSE);

  tg_store_lock (self);
  if (!check_ready (self, error))
    goto out;

  if (!(stmt = tg_store_prepare (self, "SELECT count(*) FROM revisions WHERE device_id = ? AND server_seq = 0",
                                 error)))
    goto out;
  tg_sqlite_bind_text (stmt, 1, tg_store_get_device_id (self));
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      fail (self, error, "count pending");
      goto out;
    }
  result.n_revisions = sqlite3_column_int64 (stmt, 0);
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);

  if (!(stmt = tg_store_prepare (self, "SELECT count(*) FROM sync_reports WHERE n_unsent > 0", error)))
    goto out;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      fail (self, error, "count pending");
      goto out;
    }
  result.n_reports = sqlite3_column_int64 (stmt, 0);
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);

  if (!(stmt = tg_store_prepare (self, "SELECT is_thumbnail, count(*), coalesce (sum (size), 0) "
                                 "FROM sync_blobs WHERE state = 0 GROUP BY is_thumbnail", error)))
    goto out;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      guint n = sqlite3_column_int64 (stmt, 1);
      guint64 bytes = sqlite3_column_int64 (stmt, 2);

      if (sqlite3_column_int (stmt, 0))
        result.n_thumbnails = n;
      else
        {
          result.n_originals = n;
          result.original_bytes = bytes;
        }
      result.bytes += bytes;
    }
  if (rc != SQLITE_DONE)
    {
      fail (self, error, "count pending");
      goto out;
    }
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);

  if (!(stmt = tg_store_prepare (self, "SELECT count(*) FROM reports WHERE n_heads > 1 AND deleted = 0", error)))
    goto out;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      fail (self, error, "count conflicts");
      goto out;
    }
  result.n_conflicts = sqlite3_column_int64 (stmt, 0);
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);

  /* A file gone from the blob folder counts while a live report names it:
   * attaching it again, or taking it off the report, ends it. */
  if (!(stmt = tg_store_prepare (self, "SELECT count (DISTINCT f.sha256), count (DISTINCT f.report_id) "
                                 "FROM sync_blob_refs f JOIN sync_blobs b ON b.sha256 = f.sha256 "
                                 "JOIN reports r ON r.id = f.report_id "
                                 "WHERE b.state = 2 AND r.deleted = 0", error)))
    goto out;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      fail (self, error, "count missing files");
      goto out;
    }
  result.n_missing_files = sqlite3_column_int64 (stmt, 0);
  result.n_missing_reports = sqlite3_column_int64 (stmt, 1);
  *pending = result;
  ok = TRUE;

out:
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);
  tg_store_unlock (self);
  return ok;
}

/* Push -------------------------------------------------------------------- */

gboolean
tg_store_mark_synced_batch (TgStore            *self,
                            const char * const *rev_ids,
                            const gint64       *server_seqs,
                            guint               n,
                            GError            **error)
{
  g_autoptr(GHashTable) before = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) changed = string_set_new ();
  gboolean ok;

  g_return_val_if_fail (TG_IS_STORE (self), FALSE);
  g_return_val_if_fail (n == 0 || (rev_ids != NULL && server_seqs != NULL), FALSE);

  tg_store_lock (self);
  ok = check_ready (self, error) && tg_store_begin (self, error);
  for (guint i = 0; ok && i < n; i++)
    {
      g_autoptr(TgSqliteStmt) stmt = NULL;
      g_autofree char *record_id = NULL;
      gboolean mine;
      int rc;

      if (server_seqs[i] <= 0)
        {
          g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                       "revision %s: server sequence %" G_GINT64_FORMAT " is not positive",
                       rev_ids[i], server_seqs[i]);
          ok = FALSE;
          break;
        }
      if (!(stmt = tg_store_prepare (self, "SELECT record_id, device_id FROM revisions "
                                     "WHERE rev_id = ? AND server_seq = 0", error)))
        {
          ok = FALSE;
          break;
        }
      tg_sqlite_bind_text (stmt, 1, rev_ids[i]);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_DONE)
        continue;  /* marked already, or unknown here: nothing to do */
      if (rc != SQLITE_ROW)
        {
          ok = fail (self, error, "mark synced");
          break;
        }
      record_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      mine = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 1),
                        tg_store_get_device_id (self)) == 0;
      g_clear_pointer (&stmt, tg_sqlite_stmt_release);

      if (!g_hash_table_contains (before, record_id))
        g_hash_table_insert (before, g_strdup (record_id),
                             GINT_TO_POINTER (state_locked (self, record_id)));

      if (!(stmt = tg_store_prepare (self, "UPDATE revisions SET server_seq = ? WHERE rev_id = ?", error)))
        {
          ok = FALSE;
          break;
        }
      sqlite3_bind_int64 (stmt, 1, server_seqs[i]);
      tg_sqlite_bind_text (stmt, 2, rev_ids[i]);
      ok = tg_store_step_done (self, stmt, error) &&
           note_locked (self, record_id, mine ? -1 : 0, TRUE, error);
    }
  if (ok)
    {
      GHashTableIter iter;
      gpointer key, value;

      g_hash_table_iter_init (&iter, before);
      while (g_hash_table_iter_next (&iter, &key, &value))
        if (state_locked (self, key) != (TgReportSyncState) GPOINTER_TO_INT (value))
          g_hash_table_add (changed, g_strdup (key));
    }
  if (tg_store_get_db (self) != NULL && !sqlite3_get_autocommit (tg_store_get_db (self)))
    ok = tg_store_commit (self, ok, error);
  tg_store_unlock (self);

  if (ok)
    emit_all (self, changed, FALSE);
  return ok;
}

gboolean
tg_store_mark_synced (TgStore     *self,
                      const char  *rev_id,
                      gint64       server_seq,
                      GError     **error)
{
  const char *ids[] = { rev_id, NULL };

  g_return_val_if_fail (TG_IS_STORE (self), FALSE);
  g_return_val_if_fail (rev_id != NULL, FALSE);
  return tg_store_mark_synced_batch (self, ids, &server_seq, 1, error);
}

GPtrArray *
tg_store_list_unsynced (TgStore  *self,
                        guint     limit,
                        GError  **error)
{
  g_return_val_if_fail (TG_IS_STORE (self), NULL);
  return tg_store_list_revisions_where (self,
                                        "SELECT rev_id FROM revisions WHERE device_id = ? AND server_seq = 0 "
                                        "ORDER BY local_seq LIMIT ?",
                                        tg_store_get_device_id (self),
                                        limit ? limit : G_MAXINT64, error);
}

/* Blobs to send ----------------------------------------------------------- */

void
tg_sync_blob_free (TgSyncBlob *blob)
{
  if (blob == NULL)
    return;
  g_free (blob->sha256);
  g_free (blob->report_id);
  g_free (blob);
}

GPtrArray *
tg_store_list_blobs_to_send (TgStore   *self,
                             gboolean   include_originals,
                             guint      limit,
                             GError   **error)
{
  g_autoptr(GPtrArray) blobs = g_ptr_array_new_with_free_func ((GDestroyNotify) tg_sync_blob_free);
  g_autoptr(TgSqliteStmt) stmt = NULL;
  gboolean ok = FALSE;
  int rc;

  g_return_val_if_fail (TG_IS_STORE (self), NULL);

  tg_store_lock (self);
  if (!check_ready (self, error) ||
      !(stmt = tg_store_prepare (self,
                                 include_originals ?
                                 "SELECT sha256, size, is_thumbnail, report_id FROM sync_blobs "
                                 "WHERE state = 0 ORDER BY is_thumbnail DESC, seq LIMIT ?" :
                                 "SELECT sha256, size, is_thumbnail, report_id FROM sync_blobs "
                                 "WHERE state = 0 AND is_thumbnail = 1 ORDER BY seq LIMIT ?",
                                 error)))
    goto out;
  sqlite3_bind_int64 (stmt, 1, limit ? (gint64) limit : G_MAXINT64);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TgSyncBlob *blob = g_new0 (TgSyncBlob, 1);

      blob->sha256 = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      blob->size = sqlite3_column_int64 (stmt, 1);
      blob->is_thumbnail = sqlite3_column_int (stmt, 2) != 0;
      blob->report_id = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      g_ptr_array_add (blobs, blob);
    }
  ok = rc == SQLITE_DONE || fail (self, error, "list blobs to send");

out:
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);
  tg_store_unlock (self);
  return ok ? g_steal_pointer (&blobs) : NULL;
}

static gboolean
set_blob_state (TgStore     *self,
                const char  *sha256,
                BlobState    state,
                GError     **error)
{
  g_autoptr(GHashTable) reports = string_set_new ();
  gboolean ok;
  gboolean changed = FALSE;

  g_return_val_if_fail (TG_IS_STORE (self), FALSE);
  g_return_val_if_fail (sha256 != NULL, FALSE);

  tg_store_lock (self);
  ok = check_ready (self, error) && tg_store_begin (self, error);
  if (ok)
    {
      g_autoptr(TgSqliteStmt) stmt = NULL;

      if (!(stmt = tg_store_prepare (self, "UPDATE sync_blobs SET state = ?, changed_at = ? "
                                     "WHERE sha256 = ? AND state != ?", error)))
        ok = FALSE;
      else
        {
          sqlite3_bind_int (stmt, 1, state);
          sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
          tg_sqlite_bind_text (stmt, 3, sha256);
          sqlite3_bind_int (stmt, 4, state);
          ok = tg_store_step_done (self, stmt, error);
          changed = ok && sqlite3_changes (tg_store_get_db (self)) > 0;
        }
    }
  if (ok && changed)
    {
      g_autoptr(TgSqliteStmt) stmt = NULL;
      int rc;

      if (!(stmt = tg_store_prepare (self, "SELECT report_id FROM sync_blob_refs WHERE sha256 = ?", error)))
        ok = FALSE;
      else
        {
          tg_sqlite_bind_text (stmt, 1, sha256);
          while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
            g_hash_table_add (reports, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
          ok = rc == SQLITE_DONE || fail (self, error, "blob's reports");
        }
    }
  if (tg_store_get_db (self) != NULL && !sqlite3_get_autocommit (tg_store_get_db (self)))
    ok = tg_store_commit (self, ok, error);
  tg_store_unlock (self);

  if (ok)
    emit_all (self, reports, FALSE);
  return ok;
}

gboolean
tg_store_mark_blob_sent (TgStore     *self,
                         const char  *sha256,
                         GError     **error)
{
  return set_blob_state (self, sha256, BLOB_SENT, error);
}

gboolean
tg_store_mark_blob_missing (TgStore     *self,
                            const char  *sha256,
                            GError     **error)
{
  return set_blob_state (self, sha256, BLOB_MISSING, error);
}

/* Pull -------------------------------------------------------------------- */

gint64
tg_store_get_pull_cursor (TgStore *self)
{
  gint64 cursor = 0;

  g_return_val_if_fail (TG_IS_STORE (self), 0);

  tg_store_lock (self);
  if (check_ready (self, NULL))
    cursor = meta_get_int64_locked (self, META_PULL_CURSOR);
  tg_store_unlock (self);
  return cursor;
}

gint64
tg_store_get_pushed_through (TgStore *self)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  gint64 through = 0;

  g_return_val_if_fail (TG_IS_STORE (self), 0);

  tg_store_lock (self);
  if (check_ready (self, NULL) &&
      (stmt = tg_store_prepare (self, "SELECT max (server_seq) FROM revisions WHERE device_id = ?", NULL)))
    {
      tg_sqlite_bind_text (stmt, 1, tg_store_get_device_id (self));
      if (sqlite3_step (stmt) == SQLITE_ROW)
        through = sqlite3_column_int64 (stmt, 0);
    }
  tg_store_unlock (self);
  return through;
}

typedef struct
{
  char     *rev_id;   /* NULL: no row */
  gboolean  live;
  guint     n_heads;
} RowState;

static void
row_state_free (gpointer data)
{
  RowState *row = data;

  g_free (row->rev_id);
  g_free (row);
}

static RowState *
read_row_locked (TgStore    *self,
                 const char *report_id)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  RowState *row = g_new0 (RowState, 1);

  if ((stmt = tg_store_prepare (self, "SELECT rev_id, deleted, n_heads FROM reports WHERE id = ?", NULL)))
    {
      tg_sqlite_bind_text (stmt, 1, report_id);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        {
          row->rev_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
          row->live = !sqlite3_column_int (stmt, 1);
          row->n_heads = sqlite3_column_int (stmt, 2);
        }
    }
  return row;
}

gboolean
tg_store_apply_pull_page (TgStore     *self,
                          GPtrArray   *revisions,
                          gint64       next,
                          guint       *n_new_reports,
                          guint       *n_changed_reports,
                          guint       *n_conflicts,
                          GError     **error)
{
  g_autoptr(GHashTable) before = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, row_state_free);
  g_autoptr(GHashTable) touched = string_set_new ();
  g_autoptr(GHashTable) learned = string_set_new ();
  guint n_new = 0, n_changed = 0, n_conflict = 0;
  gboolean ok;

  g_return_val_if_fail (TG_IS_STORE (self), FALSE);
  g_return_val_if_fail (revisions != NULL, FALSE);

  tg_store_lock (self);
  ok = check_ready (self, error) && tg_store_begin (self, error);

  /* How each report stood before the page. */
  for (guint i = 0; ok && i < revisions->len; i++)
    {
      const char *record_id = tg_revision_get_record_id (revisions->pdata[i]);

      if (!g_hash_table_contains (before, record_id))
        g_hash_table_insert (before, g_strdup (record_id), read_row_locked (self, record_id));
    }

  ok = ok && tg_store_insert_revisions_locked (self, revisions, touched, learned, NULL, error);
  if (ok)
    {
      GHashTableIter iter;
      gpointer key;

      g_hash_table_iter_init (&iter, touched);
      while (ok && g_hash_table_iter_next (&iter, &key, NULL))
        {
          RowState *old = g_hash_table_lookup (before, key);
          RowState *now;

          if (!(ok = tg_store_materialize_locked (self, key, error)))
            break;
          now = read_row_locked (self, key);
          if (now->rev_id != NULL)
            {
              if (now->live && (old == NULL || !old->live))
                n_new++;
              else if (old != NULL && old->live && g_strcmp0 (old->rev_id, now->rev_id) != 0)
                n_changed++;
              if (now->n_heads > 1)
                n_conflict++;
            }
          row_state_free (now);
        }
    }
  if (ok)
    {
      g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, next);

      ok = meta_set_locked (self, META_PULL_CURSOR, text, error);
    }
  if (tg_store_get_db (self) != NULL && !sqlite3_get_autocommit (tg_store_get_db (self)))
    ok = tg_store_commit (self, ok, error);
  tg_store_unlock (self);

  if (ok)
    {
      GHashTableIter iter;
      gpointer key;

      emit_all (self, touched, TRUE);
      g_hash_table_iter_init (&iter, learned);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        if (!g_hash_table_contains (touched, key))
          tg_store_emit_sync_changed (self, key);
    }
  if (n_new_reports != NULL)
    *n_new_reports = ok ? n_new : 0;
  if (n_changed_reports != NULL)
    *n_changed_reports = ok ? n_changed : 0;
  if (n_conflicts != NULL)
    *n_conflicts = ok ? n_conflict : 0;
  return ok;
}

/* Conflicts ----------------------------------------------------------------- */

TgReport *
tg_store_load_report_at (TgStore     *self,
                         const char  *rev_id,
                         GError     **error)
{
  g_autoptr(TgRevision) rev = NULL;
  g_autoptr(GPtrArray) heads = NULL;
  g_autoptr(TgReport) report = NULL;
  const char *ids[] = { rev_id, NULL };

  g_return_val_if_fail (TG_IS_STORE (self), NULL);
  g_return_val_if_fail (rev_id != NULL, NULL);

  tg_store_lock (self);
  if (tg_store_check_open (self, error) &&
      (rev = tg_store_get_revision_locked (self, rev_id, error)) != NULL)
    heads = tg_store_list_head_ids_locked (self, tg_revision_get_record_id (rev), error);
  tg_store_unlock (self);
  if (heads == NULL)
    return NULL;

  if (g_strcmp0 (tg_revision_get_kind (rev), TG_REVISION_KIND_REPORT) != 0)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID, "revision %s is not a report", rev_id);
      return NULL;
    }
  report = tg_report_new_from_json_string (tg_revision_get_content (rev), -1, error);
  if (report == NULL)
    return NULL;
  tg_report_set_base_revisions (report, ids);
  tg_report_set_n_heads (report, heads->len);
  tg_report_set_updated_at (report, tg_revision_get_created_at (rev));
  return g_steal_pointer (&report);
}

static gboolean
same_heads (GPtrArray          *heads,
            const char * const *expected)
{
  guint n_expected = expected ? g_strv_length ((char **) expected) : 0;

  if (n_expected != heads->len)
    return FALSE;
  for (guint i = 0; i < n_expected; i++)
    if (!g_ptr_array_find_with_equal_func (heads, expected[i], g_str_equal, NULL))
      return FALSE;
  return TRUE;
}

TgRevision *
tg_store_resolve_conflict (TgStore            *self,
                           TgReport           *merged,
                           const char * const *expected_heads,
                           GError            **error)
{
  g_autoptr(TgRevision) rev = NULL;
  g_autoptr(GPtrArray) heads = NULL;
  g_autofree char *content = NULL;
  const char *report_id;
  guint n_heads = 1;
  gboolean ok;

  g_return_val_if_fail (TG_IS_STORE (self), NULL);
  g_return_val_if_fail (TG_IS_REPORT (merged), NULL);

  if (!tg_report_validate (merged, error))
    return NULL;
  content = tg_report_to_json_string (merged);
  report_id = tg_report_get_id (merged);

  tg_store_lock (self);
  ok = tg_store_begin (self, error) &&
       (heads = tg_store_list_head_ids_locked (self, report_id, error)) != NULL;
  if (ok && heads->len == 0)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_NOT_FOUND, _("There is no report %s."), report_id);
      ok = FALSE;
    }
  else if (ok && !same_heads (heads, expected_heads))
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_CONFLICT,
                           _("Another version of this report arrived while you were resolving "
                             "the conflict. Review the versions again."));
      ok = FALSE;
    }
  if (ok)
    {
      g_ptr_array_add (heads, NULL);
      rev = tg_store_record_revision_locked (self, merged, content,
                                             (const char * const *) heads->pdata, error);
      ok = rev != NULL;
    }
  if (ok)
    {
      g_autoptr(GPtrArray) now = tg_store_list_head_ids_locked (self, report_id, error);

      ok = now != NULL;
      if (ok)
        n_heads = now->len;
    }
  if (tg_store_get_db (self) != NULL && !sqlite3_get_autocommit (tg_store_get_db (self)))
    ok = tg_store_commit (self, ok, error);
  tg_store_unlock (self);

  if (!ok)
    return NULL;
  tg_store_apply_saved (merged, rev, n_heads);
  tg_store_emit_changed (self, report_id);
  tg_store_emit_sync_changed (self, report_id);
  return g_steal_pointer (&rev);
}

/* The account ----------------------------------------------------------------- */

void
tg_sync_account_free (TgSyncAccount *account)
{
  if (account == NULL)
    return;
  g_free (account->server_uri);
  g_free (account->fingerprint);
  g_free (account->server_device_id);
  g_free (account->device_name);
  g_free (account->role);
  g_free (account);
}

TgSyncAccount *
tg_store_get_sync_account (TgStore  *self,
                           GError  **error)
{
  g_autoptr(TgSyncAccount) account = g_new0 (TgSyncAccount, 1);
  gboolean ok;

  g_return_val_if_fail (TG_IS_STORE (self), NULL);

  tg_store_lock (self);
  ok = check_ready (self, error) &&
       meta_get_locked (self, META_SERVER_URI, &account->server_uri, error) &&
       meta_get_locked (self, META_FINGERPRINT, &account->fingerprint, error) &&
       meta_get_locked (self, META_SERVER_DEVICE_ID, &account->server_device_id, error) &&
       meta_get_locked (self, META_DEVICE_NAME, &account->device_name, error) &&
       meta_get_locked (self, META_ROLE, &account->role, error);
  tg_store_unlock (self);

  if (!ok || account->server_uri == NULL)
    return NULL;
  return g_steal_pointer (&account);
}

/* Enrolled with another server: nothing this device sent is on it. Every
 * revision loses its old server's number, so the device's own are pushed
 * again, and every file sent goes back in the queue. Collects the reports
 * whose state changes in @changed. */
static gboolean
forget_server_locked (TgStore     *self,
                      GHashTable  *changed,
                      GError     **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  int rc;

  if (!(stmt = tg_store_prepare (self, "SELECT report_id FROM sync_reports WHERE on_server <> 0", error)))
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_add (changed, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  if (rc != SQLITE_DONE)
    return fail (self, error, "forget server");
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);

  if (!tg_sqlite_exec (tg_store_get_sql (self),
                       "UPDATE revisions SET server_seq = 0 WHERE server_seq <> 0;"
                       "DELETE FROM sync_reports;"
                       "INSERT INTO sync_reports (report_id, n_unsent, on_server) "
                       "SELECT record_id, "
                       "  sum (device_id = (SELECT value FROM meta WHERE key = 'device_id')), 0 "
                       "FROM revisions GROUP BY record_id", error))
    return FALSE;

  if (!(stmt = tg_store_prepare (self, "UPDATE sync_blobs SET state = ?, changed_at = ? WHERE state = ?", error)))
    return FALSE;
  sqlite3_bind_int (stmt, 1, BLOB_TO_SEND);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
  sqlite3_bind_int (stmt, 3, BLOB_SENT);
  return tg_store_step_done (self, stmt, error);
}

gboolean
tg_store_set_sync_account (TgStore              *self,
                           const TgSyncAccount  *account,
                           GError              **error)
{
  g_autoptr(GHashTable) changed = string_set_new ();
  gboolean ok;

  g_return_val_if_fail (TG_IS_STORE (self), FALSE);
  g_return_val_if_fail (account == NULL || account->server_uri != NULL, FALSE);

  tg_store_lock (self);
  ok = check_ready (self, error) && tg_store_begin (self, error);
  if (ok && account != NULL)
    {
      g_autofree char *cursor_server = NULL;

      /* The cursor counts one server's sequence, and what was sent went
       * to one server: another server starts from the beginning, both
       * ways. */
      ok = meta_get_locked (self, META_CURSOR_SERVER, &cursor_server, error);
      if (ok && g_strcmp0 (cursor_server, account->server_uri) != 0)
        ok = (cursor_server == NULL ||
              (meta_set_locked (self, META_PULL_CURSOR, "0", error) &&
               forget_server_locked (self, changed, error))) &&
             meta_set_locked (self, META_CURSOR_SERVER, account->server_uri, error);
    }
  ok = ok &&
       meta_set_locked (self, META_SERVER_URI, account ? account->server_uri : NULL, error) &&
       meta_set_locked (self, META_FINGERPRINT, account ? account->fingerprint : NULL, error) &&
       meta_set_locked (self, META_SERVER_DEVICE_ID, account ? account->server_device_id : NULL, error) &&
       meta_set_locked (self, META_DEVICE_NAME, account ? account->device_name : NULL, error) &&
       meta_set_locked (self, META_ROLE, account ? account->role : NULL, error) &&
       (account != NULL || meta_set_locked (self, META_CLOCK_OFFSET, NULL, error));
  if (tg_store_get_db (self) != NULL && !sqlite3_get_autocommit (tg_store_get_db (self)))
    ok = tg_store_commit (self, ok, error);
  tg_store_unlock (self);

  if (ok)
    emit_all (self, changed, FALSE);
  return ok;
}

gboolean
tg_store_set_sync_role (TgStore     *self,
                        const char  *role,
                        GError     **error)
{
  g_autofree char *server_uri = NULL;
  gboolean ok;

  g_return_val_if_fail (TG_IS_STORE (self), FALSE);

  tg_store_lock (self);
  ok = check_ready (self, error) && meta_get_locked (self, META_SERVER_URI, &server_uri, error);
  if (ok && server_uri == NULL)
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_FAILED, "this store is not connected to a server");
      ok = FALSE;
    }
  ok = ok && meta_set_locked (self, META_ROLE, role, error);
  tg_store_unlock (self);
  return ok;
}

gboolean
tg_store_set_sync_clock_offset (TgStore  *self,
                                gint64    offset_us,
                                GError  **error)
{
  char value[G_ASCII_DTOSTR_BUF_SIZE];
  gboolean ok;

  g_return_val_if_fail (TG_IS_STORE (self), FALSE);

  g_snprintf (value, sizeof value, "%" G_GINT64_FORMAT, offset_us);
  tg_store_lock (self);
  ok = check_ready (self, error) && meta_set_locked (self, META_CLOCK_OFFSET, value, error);
  tg_store_unlock (self);
  return ok;
}

gint64
tg_store_get_sync_clock_offset (TgStore  *self,
                                gboolean *known)
{
  g_autofree char *value = NULL;
  gint64 offset = 0;
  gboolean have = FALSE;

  g_return_val_if_fail (TG_IS_STORE (self), 0);

  tg_store_lock (self);
  if (tg_store_check_open (self, NULL) && has_sync_tables (self) &&
      meta_get_locked (self, META_CLOCK_OFFSET, &value, NULL) && value != NULL)
    {
      char *end = NULL;

      offset = g_ascii_strtoll (value, &end, 10);
      have = end != value && *end == '\0';
      if (!have)
        offset = 0;
    }
  tg_store_unlock (self);
  if (known)
    *known = have;
  return offset;
}

/* Device names ------------------------------------------------------------------ */

void
tg_sync_device_name_free (TgSyncDeviceName *name)
{
  if (name == NULL)
    return;
  g_free (name->device_id);
  g_free (name->name);
  g_free (name->user);
  g_free (name);
}

gboolean
tg_sync_device_name_is_printable (const char *text)
{
  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return FALSE;
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      GUnicodeType type = g_unichar_type (c);

      if (type == G_UNICODE_CONTROL || type == G_UNICODE_LINE_SEPARATOR
          || type == G_UNICODE_PARAGRAPH_SEPARATOR
          || (type == G_UNICODE_FORMAT && c != 0x200C && c != 0x200D))
        return FALSE;
    }
  return TRUE;
}

gboolean
tg_store_set_device_names (TgStore    *self,
                           GPtrArray  *names,
                           GError    **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  gboolean ok;

  g_return_val_if_fail (TG_IS_STORE (self), FALSE);

  if (names == NULL || names->len == 0)
    return TRUE;
  tg_store_lock (self);
  ok = check_ready (self, error);
  if (ok && !has_device_names (self))
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_FAILED, "the store has no device names (schema 10)");
      ok = FALSE;
    }
  ok = ok && tg_store_begin (self, error) &&
       (stmt = tg_store_prepare (self, "INSERT INTO sync_device_names (device_id, name, user, seen_at) "
                                 "VALUES (?, ?, ?, ?) ON CONFLICT (device_id) DO UPDATE SET "
                                 "name = excluded.name, user = excluded.user, seen_at = excluded.seen_at",
                                 error)) != NULL;
  for (guint i = 0; ok && i < names->len; i++)
    {
      const TgSyncDeviceName *name = g_ptr_array_index (names, i);

      sqlite3_reset (stmt);
      tg_sqlite_bind_text (stmt, 1, name->device_id);
      tg_sqlite_bind_text (stmt, 2, name->name);
      tg_sqlite_bind_text (stmt, 3, name->user);
      sqlite3_bind_int64 (stmt, 4, g_get_real_time ());
      ok = tg_store_step_done (self, stmt, error);
    }
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);
  if (tg_store_get_db (self) != NULL && !sqlite3_get_autocommit (tg_store_get_db (self)))
    ok = tg_store_commit (self, ok, error);
  tg_store_unlock (self);
  return ok;
}

TgSyncDeviceName *
tg_store_get_device_name (TgStore    *self,
                          const char *device_id)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  TgSyncDeviceName *name = NULL;

  g_return_val_if_fail (TG_IS_STORE (self), NULL);

  if (device_id == NULL)
    return NULL;
  tg_store_lock (self);
  if (tg_store_check_open (self, NULL) && has_device_names (self) &&
      (stmt = tg_store_prepare (self, "SELECT name, user FROM sync_device_names WHERE device_id = ?", NULL)) != NULL)
    {
      tg_sqlite_bind_text (stmt, 1, device_id);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        {
          name = g_new0 (TgSyncDeviceName, 1);
          name->device_id = g_strdup (device_id);
          name->name = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
          name->user = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
        }
    }
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);
  tg_store_unlock (self);
  return name;
}

GPtrArray *
tg_store_get_report_devices (TgStore    *self,
                             const char *report_id)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  GPtrArray *devices = g_ptr_array_new_with_free_func ((GDestroyNotify) tg_sync_device_name_free);
  const char *own;

  g_return_val_if_fail (TG_IS_STORE (self), devices);

  if (report_id == NULL)
    return devices;
  tg_store_lock (self);
  own = tg_store_get_device_id (self);
  if (tg_store_check_open (self, NULL) && has_device_names (self) &&
      (stmt = tg_store_prepare (self, "SELECT DISTINCT r.device_id, n.name, n.user FROM heads h "
                                "JOIN revisions r ON r.rev_id = h.rev_id "
                                "LEFT JOIN sync_device_names n ON n.device_id = r.device_id "
                                "WHERE h.record_id = ? ORDER BY r.device_id != ?, r.local_seq", NULL)) != NULL)
    {
      tg_sqlite_bind_text (stmt, 1, report_id);
      tg_sqlite_bind_text (stmt, 2, own);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          TgSyncDeviceName *item = g_new0 (TgSyncDeviceName, 1);
          gboolean mine;

          item->device_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
          mine = g_strcmp0 (item->device_id, own) == 0;
          if (!mine && sqlite3_column_type (stmt, 1) != SQLITE_NULL)
            {
              item->name = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
              item->user = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
            }
          g_ptr_array_add (devices, item);
        }
    }
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);
  tg_store_unlock (self);
  return devices;
}

/* History ---------------------------------------------------------------------- */

TgSyncEntry *
tg_sync_entry_copy (const TgSyncEntry *entry)
{
  TgSyncEntry *copy;

  g_return_val_if_fail (entry != NULL, NULL);

  copy = g_memdup2 (entry, sizeof *entry);
  copy->error = g_strdup (entry->error);
  copy->received_from = g_strdup (entry->received_from);
  return copy;
}

void
tg_sync_entry_free (TgSyncEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->error);
  g_free (entry->received_from);
  g_free (entry);
}

gboolean
tg_store_add_sync_entry (TgStore            *self,
                         const TgSyncEntry  *entry,
                         GError            **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  gboolean ok;

  g_return_val_if_fail (TG_IS_STORE (self), FALSE);
  g_return_val_if_fail (entry != NULL, FALSE);

  tg_store_lock (self);
  /* received_from is there from schema 10 (a store opened at an older
   * version, in tests, keeps it empty) */
  ok = check_ready (self, error) && tg_store_begin (self, error) &&
       (stmt = tg_store_prepare (self, has_device_names (self)
                                 ? "INSERT INTO sync_history (started_at, duration_us, outcome, n_revisions_sent, "
                                   "n_reports_sent, n_files_sent, bytes_sent, n_revisions_received, n_reports_new, "
                                   "n_reports_changed, n_conflicts, n_files_held_back, clock_offset_us, error, "
                                   "received_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                                 : "INSERT INTO sync_history (started_at, duration_us, outcome, n_revisions_sent, "
                                   "n_reports_sent, n_files_sent, bytes_sent, n_revisions_received, n_reports_new, "
                                   "n_reports_changed, n_conflicts, n_files_held_back, clock_offset_us, error) "
                                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error)) != NULL;
  if (ok)
    {
      sqlite3_bind_int64 (stmt, 1, entry->started_at);
      sqlite3_bind_int64 (stmt, 2, entry->duration_us);
      sqlite3_bind_int (stmt, 3, entry->outcome);
      sqlite3_bind_int64 (stmt, 4, entry->n_revisions_sent);
      sqlite3_bind_int64 (stmt, 5, entry->n_reports_sent);
      sqlite3_bind_int64 (stmt, 6, entry->n_files_sent);
      sqlite3_bind_int64 (stmt, 7, (gint64) entry->bytes_sent);
      sqlite3_bind_int64 (stmt, 8, entry->n_revisions_received);
      sqlite3_bind_int64 (stmt, 9, entry->n_reports_new);
      sqlite3_bind_int64 (stmt, 10, entry->n_reports_changed);
      sqlite3_bind_int64 (stmt, 11, entry->n_conflicts);
      sqlite3_bind_int64 (stmt, 12, entry->n_files_held_back);
      sqlite3_bind_int64 (stmt, 13, entry->clock_offset_us);
      tg_sqlite_bind_text (stmt, 14, entry->error);
      if (has_device_names (self))
        tg_sqlite_bind_text (stmt, 15, entry->received_from);
      ok = tg_store_step_done (self, stmt, error);
      g_clear_pointer (&stmt, tg_sqlite_stmt_release);
    }
  /* Only the newest entries stay. */
  if (ok)
    {
      ok = (stmt = tg_store_prepare (self,
                                     "DELETE FROM sync_history WHERE id < (SELECT id FROM sync_history "
                                     "ORDER BY id DESC LIMIT 1 OFFSET ?)", error)) != NULL;
      if (ok)
        {
          sqlite3_bind_int (stmt, 1, TG_SYNC_HISTORY_MAX - 1);
          ok = tg_store_step_done (self, stmt, error);
        }
    }
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);
  if (tg_store_get_db (self) != NULL && !sqlite3_get_autocommit (tg_store_get_db (self)))
    ok = tg_store_commit (self, ok, error);
  tg_store_unlock (self);
  return ok;
}

GPtrArray *
tg_store_list_sync_entries (TgStore   *self,
                            guint      limit,
                            GError   **error)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) tg_sync_entry_free);
  g_autoptr(TgSqliteStmt) stmt = NULL;
  gboolean ok = FALSE;
  int rc;

  g_return_val_if_fail (TG_IS_STORE (self), NULL);

  tg_store_lock (self);
  if (!check_ready (self, error) ||
      !(stmt = tg_store_prepare (self,
                                 has_device_names (self)
                                 ? "SELECT started_at, duration_us, outcome, n_revisions_sent, n_reports_sent, "
                                   "n_files_sent, bytes_sent, n_revisions_received, n_reports_new, "
                                   "n_reports_changed, n_conflicts, n_files_held_back, clock_offset_us, error, "
                                   "received_from FROM sync_history ORDER BY id DESC LIMIT ?"
                                 : "SELECT started_at, duration_us, outcome, n_revisions_sent, n_reports_sent, "
                                   "n_files_sent, bytes_sent, n_revisions_received, n_reports_new, "
                                   "n_reports_changed, n_conflicts, n_files_held_back, clock_offset_us, error, "
                                   "NULL FROM sync_history ORDER BY id DESC LIMIT ?", error)))
    goto out;
  sqlite3_bind_int64 (stmt, 1, limit ? (gint64) limit : G_MAXINT64);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TgSyncEntry *entry = g_new0 (TgSyncEntry, 1);

      entry->started_at = sqlite3_column_int64 (stmt, 0);
      entry->duration_us = sqlite3_column_int64 (stmt, 1);
      entry->outcome = sqlite3_column_int (stmt, 2);
      entry->n_revisions_sent = sqlite3_column_int64 (stmt, 3);
      entry->n_reports_sent = sqlite3_column_int64 (stmt, 4);
      entry->n_files_sent = sqlite3_column_int64 (stmt, 5);
      entry->bytes_sent = sqlite3_column_int64 (stmt, 6);
      entry->n_revisions_received = sqlite3_column_int64 (stmt, 7);
      entry->n_reports_new = sqlite3_column_int64 (stmt, 8);
      entry->n_reports_changed = sqlite3_column_int64 (stmt, 9);
      entry->n_conflicts = sqlite3_column_int64 (stmt, 10);
      entry->n_files_held_back = sqlite3_column_int64 (stmt, 11);
      entry->clock_offset_us = sqlite3_column_int64 (stmt, 12);
      entry->error = g_strdup ((const char *) sqlite3_column_text (stmt, 13));
      entry->received_from = g_strdup ((const char *) sqlite3_column_text (stmt, 14));
      g_ptr_array_add (entries, entry);
    }
  ok = rc == SQLITE_DONE || fail (self, error, "list sync history");

out:
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);
  tg_store_unlock (self);
  return ok ? g_steal_pointer (&entries) : NULL;
}
