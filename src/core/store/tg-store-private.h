/* tg-store-private.h — what the core's own files need of the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "tg-blob-store.h"
#include "tg-custody-log.h"
#include "tg-sqlite.h"
#include "tg-store.h"

G_BEGIN_DECLS

/* The store's connection, for tests that inspect or damage the file. No
 * core file takes it: each asks the store (or the custody log) instead. */
sqlite3  *tg_store_get_db      (TgStore *self);
/* The lock that serialises use of the connection across threads. It is
 * recursive, so a function holding it may call another that takes it. */
void      tg_store_lock        (TgStore *self);
void      tg_store_unlock      (TgStore *self);

/* Every live report's row id, ordered by report id: the same order in any
 * store that holds the same revisions. */
GArray   *tg_store_list_live_rowids (TgStore  *self,
                                     GError  **error);
/* The revision a report's row holds now; *@rev_id is NULL (and the call
 * succeeds) if no row has @rowid. */
gboolean  tg_store_get_rev_id  (TgStore  *self,
                                gint64    rowid,
                                char    **rev_id,
                                GError  **error);
/* Queues "report-changed" for the owning main context. */
void      tg_store_emit_changed(TgStore *self,
                                const char *report_id);

/* How many checkpoints the store's checkpoint thread has finished. */
guint     tg_store_get_n_checkpoints (TgStore *self);

/* Migrations to an exact version, for tests of upgrades. */
TgStore  *tg_store_open_at_version (const char *directory,
                                    int         version,
                                    GError    **error);

/* Appends @n_events custody events (@subjects[i], @details[i]; @details
 * may be NULL) in one transaction of the store's: all of them or none. */
gboolean  tg_store_append_custody_events (TgStore             *self,
                                          TgCustodyAction      action,
                                          guint                n_events,
                                          const char * const  *subjects,
                                          const char * const  *details,
                                          GError             **error);

/* Custody log on a connection shared with the store. The log takes @lock
 * (recursive) around each use, so the store may call append_locked while it
 * holds the lock inside its own transaction. */
gboolean      tg_custody_log_create_table (TgSqlite        *sql,
                                           GError         **error);
TgCustodyLog *tg_custody_log_new_for_db   (TgSqlite        *sql,
                                           GRecMutex       *lock,
                                           const char      *device_id);
/* Appends inside the caller's transaction (the caller holds @lock). */
gboolean      tg_custody_log_append_locked(TgCustodyLog    *self,
                                           TgCustodyAction  action,
                                           const char      *subject,
                                           const char      *detail,
                                           GError         **error);
/* Whether any event names @subject (the caller holds @lock). */
gboolean      tg_custody_log_has_subject_locked (TgCustodyLog *self,
                                                 const char   *subject,
                                                 gboolean     *has,
                                                 GError      **error);

G_END_DECLS
