/* tg-server-store-backup.c — online backup to a new file and restore from a checked one
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

/* backup and restore ----------------------------------------------------- */

static gboolean
copy_database (sqlite3     *from,
               sqlite3     *to,
               GError     **error)
{
  sqlite3_backup *backup = sqlite3_backup_init (to, "main", from, "main");
  int rc;

  if (backup == NULL)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL,
                   "cannot start the backup: %s", sqlite3_errmsg (to));
      return FALSE;
    }
  /* Copy in steps so a serving server is never locked out for long. */
  do
    {
      rc = sqlite3_backup_step (backup, 256);
      if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        sqlite3_sleep (20);
    }
  while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  sqlite3_backup_finish (backup);
  if (rc != SQLITE_DONE)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL,
                   "the backup failed: %s", sqlite3_errstr (rc));
      return FALSE;
    }
  return TRUE;
}

gboolean
tg_server_store_backup (TgServerStore  *self,
                        const char     *dest,
                        GError        **error)
{
  g_autofree char *tmp = g_strconcat (dest, ".partial", NULL);
  sqlite3 *out = NULL;
  gboolean ok;

  if (g_file_test (dest, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_CONFLICT,
                   _("%s already exists; choose a new file for the backup"), dest);
      return FALSE;
    }
  g_unlink (tmp);
  if (sqlite3_open_v2 (tmp, &out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL,
                   _("Cannot create %s: %s"), tmp, out ? sqlite3_errmsg (out) : "out of memory");
      sqlite3_close (out);
      return FALSE;
    }
  ok = copy_database (tg_sqlite_get_db (self->db), out, error);
  if (ok)
    sqlite3_exec (out, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
  sqlite3_close (out);
  if (ok && g_rename (tmp, dest) != 0)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL,
                   _("Cannot rename the backup to %s: %s"), dest, g_strerror (errno));
      ok = FALSE;
    }
  if (!ok)
    g_unlink (tmp);
  else
    tg_server_store_audit (self, NULL, "backup", NULL);
  return ok;
}

gboolean
tg_server_store_restore (TgServerStore  *self,
                         const char     *source,
                         GError        **error)
{
  sqlite3 *in = NULL;
  sqlite3_stmt *stmt = NULL;
  gboolean ok = FALSE;
  int version = -1;
  g_autofree char *check = NULL;

  if (sqlite3_open_v2 (source, &in, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                   _("Cannot open %s: %s"), source, in ? sqlite3_errmsg (in) : "out of memory");
      goto out;
    }
  if (sqlite3_prepare_v2 (in, "PRAGMA integrity_check", -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_step (stmt) != SQLITE_ROW)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                   _("%s is not a testigo-server database"), source);
      goto out;
    }
  check = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (g_strcmp0 (check, "ok") != 0)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                   _("%s is damaged: %s"), source, check);
      goto out;
    }
  if (sqlite3_prepare_v2 (in, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (version < 1 || version > TG_SERVER_STORE_VERSION ||
      sqlite3_prepare_v2 (in, "SELECT count(*) FROM revisions, users LIMIT 1", -1, &stmt, NULL) != SQLITE_OK)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                   _("%s is not a testigo-server database this version can read"), source);
      goto out;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  /* Drop our cached statements: the schema is replaced under them. */
  tg_sqlite_clear_cache (self->db);
  ok = copy_database (in, tg_sqlite_get_db (self->db), error);
  if (ok)
    ok = _tg_server_store_migrate (self, error);
  if (ok)
    tg_server_store_audit (self, NULL, "restore", NULL);

out:
  g_clear_pointer (&stmt, sqlite3_finalize);
  sqlite3_close (in);
  return ok;
}
