/* tg-store-private.h — what the core's own files need of the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "tg-blob-store.h"
#include "tg-custody-log.h"
#include "tg-secure-key.h"
#include "tg-sqlite.h"
#include "tg-store.h"
#include "tg-wal-checkpointer.h"

G_BEGIN_DECLS

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
   * NULL for a plain store. In locked memory (tg_secure_key_dup()),
   * wiped when the store closes. */
  TgSecureKey   *key;
};

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

/* ---- Between the store's own files (tg-store*.c) -----------------------
 * The connection's helpers, opening, and the revision machinery the save,
 * query and schema files share. Called with the lock held. */

TgSqliteStmt *tg_store_prepare     (TgStore       *self,
                                    const char    *sql,
                                    GError       **error);
gboolean      tg_store_exec        (TgStore       *self,
                                    const char    *sql,
                                    GError       **error);
gboolean      tg_store_step_done   (TgStore       *self,
                                    sqlite3_stmt  *stmt,
                                    GError       **error);
/* ROLLBACK, and the device counter reloaded from the file. */
void          tg_store_rollback    (TgStore       *self);
/* Opens (creating, migrating to @version) the store in @directory; @key
 * is an encrypted store's data key or NULL. */
TgStore      *tg_store_open_file   (const char    *directory,
                                    int            version,
                                    const guint8  *key,
                                    GError       **error);
gboolean      tg_store_load_device_seq_locked (TgStore  *self,
                                               GError  **error);
/* Rewrites the record's current state from its heads; @known_rev and
 * @known_report (may be NULL) are a revision just recorded here and its
 * report, so they need not be read back. */
gboolean      tg_store_materialize_known_locked (TgStore     *self,
                                                 const char  *record_id,
                                                 TgRevision  *known_rev,
                                                 TgReport    *known_report,
                                                 GError     **error);
/* Records a revision made on this device, materialises the record and
 * logs @action in the custody log. */
TgRevision   *tg_store_record_local_revision_locked (TgStore            *self,
                                                     const char         *record_id,
                                                     const char * const *parents,
                                                     gboolean            deleted,
                                                     const char         *content,
                                                     TgReport           *report,
                                                     TgCustodyAction     action,
                                                     GError            **error);

/* ---- Between tg-store.c and tg-store-sync.c ----------------------------
 * The _locked functions are called with the store's lock held; those that
 * write, inside a transaction begun with tg_store_begin(). */

TgSqlite   *tg_store_get_sql         (TgStore  *self);
gboolean    tg_store_check_open      (TgStore  *self,
                                      GError  **error);
/* BEGIN IMMEDIATE (the store must be open). */
gboolean    tg_store_begin           (TgStore  *self,
                                      GError  **error);
/* COMMIT if @ok, else (or if the commit fails) ROLLBACK; FALSE then. */
gboolean    tg_store_commit          (TgStore  *self,
                                      gboolean  ok,
                                      GError  **error);
/* Queues "report-sync-changed" for the owning main context. */
void        tg_store_emit_sync_changed (TgStore    *self,
                                        const char *report_id);

gboolean    tg_store_materialize_locked   (TgStore     *self,
                                           const char  *record_id,
                                           GError     **error);
/* Newest arrival first, live heads before tombstones. */
GPtrArray  *tg_store_list_head_ids_locked (TgStore     *self,
                                           const char  *record_id,
                                           GError     **error);
TgRevision *tg_store_get_revision_locked  (TgStore     *self,
                                           const char  *rev_id,
                                           GError     **error);
/* Records @report (serialised as @content) as a new revision made here
 * with @parents. */
TgRevision *tg_store_record_revision_locked (TgStore            *self,
                                             TgReport           *report,
                                             const char         *content,
                                             const char * const *parents,
                                             GError            **error);
/* What a successful save sets on the report: its base, heads, time. */
void        tg_store_apply_saved          (TgReport    *report,
                                           TgRevision  *rev,
                                           guint        n_heads);
/* Revisions from elsewhere, checked and inserted (no materialisation):
 * @touched gets the record ids that got a new revision, @learned (may be
 * NULL) those where a known revision learned its server sequence. */
gboolean    tg_store_insert_revisions_locked (TgStore     *self,
                                              GPtrArray   *revisions,
                                              GHashTable  *touched,
                                              GHashTable  *learned,
                                              guint       *n_inserted,
                                              GError     **error);
/* The revisions whose ids @sql selects (parameters: @text if not NULL,
 * then @number), verified. Takes the lock. */
GPtrArray  *tg_store_list_revisions_where (TgStore     *self,
                                           const char  *sql,
                                           const char  *text,
                                           gint64       number,
                                           GError     **error);

/* In tg-store-sync.c, called by tg-store.c with the lock held inside its
 * transaction; each does nothing below schema 8. */

/* Creates the sync tables and fills them from the store's data. */
gboolean    tg_store_sync_migrate_locked       (TgStore     *self,
                                                GError     **error);
/* Schema 10: sync_device_names and sync_history.received_from. */
gboolean    tg_store_sync_migrate_v10_locked   (TgStore     *self,
                                                GError     **error);
/* @rev was inserted (@learned FALSE) or, known already, learned its
 * server sequence (@learned TRUE): the report's sync counters follow. */
gboolean    tg_store_sync_note_revision_locked (TgStore     *self,
                                                TgRevision  *rev,
                                                gboolean     learned,
                                                GError     **error);
/* A revision made here with @content: the files it names that the blob
 * folder holds join the queue to send. */
gboolean    tg_store_sync_queue_blobs_locked   (TgStore     *self,
                                                const char  *report_id,
                                                const char  *content,
                                                GError     **error);

/* ---- Incidents (tg-store-incident.c, schema 9) --------------------------
 * Called with the lock held, inside a transaction. */

/* Queues "incident-changed" for the owning main context. */
void        tg_store_emit_incident_changed       (TgStore            *self,
                                                  const char         *incident_id);
/* Creates the incident tables and fills them from the store's data. */
gboolean    tg_store_incident_migrate_locked     (TgStore            *self,
                                                  GError            **error);
/* Rewrites the incident's rows from @current, its shown head (one of
 * @n_heads): its state, and its members unless it is a tombstone. */
gboolean    tg_store_incident_materialize_locked (TgStore            *self,
                                                  const char         *incident_id,
                                                  TgRevision         *current,
                                                  guint               n_heads,
                                                  GError            **error);
/* Records a revision of kind "incident" made here, materialises it and
 * logs @action in the custody log (subject the incident, detail the
 * revision). */
TgRevision *tg_store_record_incident_locked      (TgStore            *self,
                                                  const char         *incident_id,
                                                  const char * const *parents,
                                                  gboolean            deleted,
                                                  const char         *content,
                                                  TgCustodyAction     action,
                                                  GError            **error);

G_END_DECLS
