/* tg-migrations.c — the one schema migration runner
 *
 * Each step runs in a transaction of its own, together with the
 * user_version it brings the database to: a kill or a failing step
 * leaves the database at the last version that completed, never halfway.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-sqlite"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tg-migrations.h"

gboolean
tg_migrations_run (TgSqlite               *db,
                   const TgMigrationStep  *steps,
                   int                     latest,
                   int                     target,
                   gpointer                owner,
                   int                    *current,
                   GError                **error)
{
  int version;

  g_return_val_if_fail (target <= latest, FALSE);

  if (!tg_sqlite_get_user_version (db, &version, error))
    return FALSE;

  if (version > latest)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_TOO_NEW,
                   _("The database %s was written by a newer version of Testigo "
                     "(schema %d; this version knows up to %d). Update Testigo to open it."),
                   tg_sqlite_get_path (db), version, latest);
      return FALSE;
    }

  while (version < target)
    {
      g_autofree char *set_version = NULL;

      if (!tg_sqlite_begin (db, error))
        return FALSE;
      if (current != NULL)
        *current = version;
      set_version = g_strdup_printf ("PRAGMA user_version = %d", version + 1);
      if (!steps[version + 1] (owner, error) || !tg_sqlite_exec (db, set_version, error) ||
          !tg_sqlite_commit (db, error))
        {
          tg_sqlite_rollback (db);
          g_prefix_error (error, "migration to schema %d: ", version + 1);
          return FALSE;
        }
      version++;
      g_debug ("migrated %s to schema %d", tg_sqlite_get_path (db), version);
    }
  if (current != NULL)
    *current = version;
  return TRUE;
}
