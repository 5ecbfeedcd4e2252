/* tg-sqlite.c — one SQLite connection, its statement cache, transactions
 * and the mapping of SQLite's result codes to TG_ERROR
 *
 * Every database the core keeps (the store, the tile cache, MBTiles, the
 * gazetteer, the basemap) goes through here, so a statement that fails to
 * prepare is a GError everywhere and a damaged file is reported the same
 * way whichever object finds it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-sqlite"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tg-sqlite.h"

struct _TgSqlite
{
  sqlite3    *db;
  char       *path;
  GHashTable *statements;  /* SQL text → prepared statement */
};

void
tg_sqlite_stmt_release (TgSqliteStmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

TgError
tg_sqlite_error_code_or (int      rc,
                         TgError  otherwise)
{
  switch (rc & 0xff)
    {
    case SQLITE_CORRUPT:
      return TG_ERROR_CORRUPT;
    case SQLITE_NOTADB:
      return TG_ERROR_NOT_A_DATABASE;
    default:
      return otherwise;
    }
}

TgError
tg_sqlite_error_code (int rc)
{
  return tg_sqlite_error_code_or (rc, TG_ERROR_FAILED);
}

gboolean
tg_sqlite_set_error (GError     **error,
                     sqlite3     *db,
                     const char  *format,
                     ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error_literal (error, TG_ERROR,
                       tg_sqlite_error_code (db ? sqlite3_extended_errcode (db) : SQLITE_NOMEM),
                       message);
  return FALSE;
}

TgSqlite *
tg_sqlite_open (const char  *path,
                int          flags,
                GError     **error)
{
  sqlite3 *db = NULL;
  TgSqlite *self;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);

  rc = sqlite3_open_v2 (path, &db, flags, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_FAILED, _("Could not open %s: %s"),
                   path, db ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
      sqlite3_close_v2 (db);
      return NULL;
    }
  sqlite3_extended_result_codes (db, 1);

  self = g_new0 (TgSqlite, 1);
  self->db = db;
  self->path = g_strdup (path);
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) sqlite3_finalize);
  return self;
}

void
tg_sqlite_close (TgSqlite *self)
{
  if (self == NULL)
    return;

  g_hash_table_unref (self->statements);
  sqlite3_close_v2 (self->db);
  g_free (self->path);
  g_free (self);
}

sqlite3 *
tg_sqlite_get_db (TgSqlite *self)
{
  return self->db;
}

const char *
tg_sqlite_get_path (TgSqlite *self)
{
  return self->path;
}

gboolean
tg_sqlite_fail (TgSqlite    *self,
                GError     **error,
                const char  *what)
{
  TgError code = tg_sqlite_error_code (sqlite3_extended_errcode (self->db));

  if (code == TG_ERROR_CORRUPT || code == TG_ERROR_NOT_A_DATABASE)
    g_set_error (error, TG_ERROR, code,
                 _("The database %s is damaged and cannot be used (%s). "
                   "Nothing was changed; restore it from a backup."),
                 self->path, sqlite3_errmsg (self->db));
  else
    g_set_error (error, TG_ERROR, code, "%s: %s", what, sqlite3_errmsg (self->db));
  return FALSE;
}

/* Prepared statements are kept for the life of the connection: a save
 * runs a dozen of them, and parsing SQL each time would cost more than
 * running it. */
TgSqliteStmt *
tg_sqlite_prepare (TgSqlite    *self,
                   const char  *sql,
                   GError     **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->statements, sql);

  if (stmt != NULL)
    return stmt;
  if (sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
    {
      tg_sqlite_fail (self, error, "prepare");
      return NULL;
    }
  g_hash_table_insert (self->statements, g_strdup (sql), stmt);
  return stmt;
}

void
tg_sqlite_clear_cache (TgSqlite *self)
{
  g_hash_table_remove_all (self->statements);
}

guint
tg_sqlite_get_n_cached (TgSqlite *self)
{
  return g_hash_table_size (self->statements);
}

gboolean
tg_sqlite_step_done (TgSqlite      *self,
                     sqlite3_stmt  *stmt,
                     GError       **error)
{
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return tg_sqlite_fail (self, error, "write");
  return TRUE;
}

gboolean
tg_sqlite_exec (TgSqlite    *self,
                const char  *sql,
                GError     **error)
{
  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return tg_sqlite_fail (self, error, sql);
  return TRUE;
}

gboolean
tg_sqlite_begin (TgSqlite  *self,
                 GError   **error)
{
  return tg_sqlite_exec (self, "BEGIN IMMEDIATE", error);
}

gboolean
tg_sqlite_commit (TgSqlite  *self,
                  GError   **error)
{
  if (tg_sqlite_exec (self, "COMMIT", error))
    return TRUE;
  tg_sqlite_rollback (self);
  return FALSE;
}

void
tg_sqlite_rollback (TgSqlite *self)
{
  /* Without a transaction (SQLite ended it itself) this fails harmlessly. */
  if (!sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
}

gboolean
tg_sqlite_transaction (TgSqlite      *self,
                       TgSqliteFunc   func,
                       gpointer       user_data,
                       GError       **error)
{
  if (!tg_sqlite_begin (self, error))
    return FALSE;
  if (!func (self, user_data, error))
    {
      tg_sqlite_rollback (self);
      return FALSE;
    }
  return tg_sqlite_commit (self, error);
}

gboolean
tg_sqlite_get_user_version (TgSqlite  *self,
                            int       *version,
                            GError   **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;

  if (!(stmt = tg_sqlite_prepare (self, "PRAGMA user_version", error)))
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return tg_sqlite_fail (self, error, "read schema version");
  *version = sqlite3_column_int (stmt, 0);
  return TRUE;
}

void
tg_sqlite_bind_text (sqlite3_stmt *stmt,
                     int           column,
                     const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, column, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, column);
}
