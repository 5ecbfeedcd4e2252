/* tg-migrations.h — versioned schema steps under PRAGMA user_version
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "tg-sqlite.h"

G_BEGIN_DECLS

/* One step: brings the schema from version N-1 to N. It runs inside the
 * runner's transaction and must not commit. */
typedef gboolean (*TgMigrationStep) (gpointer   owner,
                                     GError   **error);

/* Brings @db from its user_version to @target, one step at a time: for
 * each, BEGIN IMMEDIATE, @steps[v + 1] (@owner), user_version = v + 1,
 * COMMIT. A failing step rolls back and leaves user_version at the last
 * step that succeeded. @steps[0] is unused; @latest is the highest
 * version @steps knows, and a database newer than that is refused with
 * TG_ERROR_TOO_NEW. If @current is not NULL it holds the schema version
 * the database is at: before each step runs, and on return. */
gboolean tg_migrations_run (TgSqlite               *db,
                            const TgMigrationStep  *steps,
                            int                     latest,
                            int                     target,
                            gpointer                owner,
                            int                    *current,
                            GError                **error);

G_END_DECLS
