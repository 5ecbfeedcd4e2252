/* tg-server-store-blobs.c — which blobs are complete, who may see and who holds each
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "testigo-server"

#include "config.h"

#include <string.h>
#include <sqlite3.h>
#include <glib/gi18n.h>

#include "tg-revision.h"
#include "tg-server-decode.h"
#include "tg-server-store-private.h"

/* blobs ------------------------------------------------------------------ */

gboolean
tg_server_store_blob_visible (TgServerStore *self,
                              TgServerAuth  *auth,
                              const char    *sha256)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgSqliteStmt) stmt = NULL;
  gboolean visible;

  if (auth->role == TG_SERVER_ROLE_ADMIN)
    return FALSE;

  if (auth->role == TG_SERVER_ROLE_COORDINATOR)
    {
      stmt = _tg_server_store_statement (self, "SELECT 1 FROM blob_refs WHERE sha256 = ? LIMIT 1", &error);
      if (stmt != NULL)
        tg_sqlite_bind_text (stmt, 1, sha256);
    }
  else
    {
      stmt = _tg_server_store_statement (self, "SELECT 1 FROM blob_refs b JOIN records c ON c.id = b.record_id "
                                               "WHERE b.sha256 = ? AND c.owner_user_id = ? LIMIT 1", &error);
      if (stmt != NULL)
        {
          tg_sqlite_bind_text (stmt, 1, sha256);
          sqlite3_bind_int64 (stmt, 2, auth->user_id);
        }
    }
  /* a database that fails shows no blob */
  if (stmt == NULL)
    {
      g_warning ("%s", error->message);
      return FALSE;
    }
  visible = _tg_server_store_step (self, stmt) == SQLITE_ROW;
  return visible;
}

/* 1 when @auth holds the blob, 0 when not, -1 with @error set when the
 * database fails */
int
_tg_server_store_blob_held (TgServerStore  *self,
                            TgServerAuth   *auth,
                            const char     *sha256,
                            GError        **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  int held, rc;

  if (auth->role == TG_SERVER_ROLE_ADMIN)
    return 0;
  if (auth->role == TG_SERVER_ROLE_COORDINATOR)
    return 1;

  if ((stmt = _tg_server_store_statement (self, "SELECT 1 FROM blob_holders WHERE sha256 = ? AND user_id = ?", error)) == NULL)
    return -1;
  tg_sqlite_bind_text (stmt, 1, sha256);
  sqlite3_bind_int64 (stmt, 2, auth->user_id);
  rc = _tg_server_store_step (self, stmt);
  held = rc == SQLITE_ROW;
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    held = _tg_server_store_sql_error (self, error, "looking up a blob holder") - 1;
  return held;
}

gboolean
tg_server_store_blob_held (TgServerStore *self,
                           TgServerAuth  *auth,
                           const char    *sha256)
{
  g_autoptr(GError) error = NULL;
  int held = _tg_server_store_blob_held (self, auth, sha256, &error);

  /* a database that fails holds nothing for anyone */
  if (held < 0)
    g_warning ("%s", error->message);
  return held > 0;
}

gboolean
tg_server_store_blob_add_holder (TgServerStore  *self,
                                 const char     *sha256,
                                 gint64          user_id,
                                 GError        **error)
{
  g_autoptr(TgSqliteStmt) stmt = _tg_server_store_statement (self, "INSERT OR IGNORE INTO blob_holders (sha256, user_id) "
                                                                  "VALUES (?, ?)", error);

  if (stmt == NULL)
    return FALSE;
  tg_sqlite_bind_text (stmt, 1, sha256);
  sqlite3_bind_int64 (stmt, 2, user_id);
  if (_tg_server_store_step (self, stmt) != SQLITE_DONE)
    return _tg_server_store_sql_error (self, error, "recording who holds a blob");
  return TRUE;
}

/* 1 when the blob is complete, 0 when not, -1 with @error set when the
 * database fails */
int
_tg_server_store_blob_is_complete (TgServerStore  *self,
                                   const char     *sha256,
                                   GError        **error)
{
  g_autoptr(TgSqliteStmt) stmt = _tg_server_store_statement (self, "SELECT complete FROM blobs WHERE sha256 = ?", error);
  int complete = 0;
  int rc;

  if (stmt == NULL)
    return -1;
  tg_sqlite_bind_text (stmt, 1, sha256);
  if ((rc = _tg_server_store_step (self, stmt)) == SQLITE_ROW)
    complete = sqlite3_column_int (stmt, 0) != 0;
  else if (rc != SQLITE_DONE)
    complete = _tg_server_store_sql_error (self, error, "looking up a blob") - 1;
  return complete;
}

gboolean
tg_server_store_blob_is_complete (TgServerStore *self,
                                  const char    *sha256)
{
  g_autoptr(GError) error = NULL;
  int complete = _tg_server_store_blob_is_complete (self, sha256, &error);

  /* a database that fails has no complete blob to serve */
  if (complete < 0)
    g_warning ("%s", error->message);
  return complete > 0;
}

gboolean
tg_server_store_blob_set_complete (TgServerStore  *self,
                                   const char     *sha256,
                                   gint64          size,
                                   GError        **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;

  if ((stmt = _tg_server_store_statement (self, "INSERT INTO blobs (sha256, size, complete, created_at, completed_at) "
                                                "VALUES (?1, ?2, 1, ?3, ?3) ON CONFLICT (sha256) DO UPDATE "
                                                "SET size = ?2, complete = 1, completed_at = ?3", error)) == NULL)
    return FALSE;
  tg_sqlite_bind_text (stmt, 1, sha256);
  sqlite3_bind_int64 (stmt, 2, size);
  sqlite3_bind_int64 (stmt, 3, _tg_server_store_now ());
  if (_tg_server_store_step (self, stmt) != SQLITE_DONE)
    return _tg_server_store_sql_error (self, error, "recording a blob");
  return TRUE;
}
