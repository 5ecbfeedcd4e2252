/* tg-store-sync.h — what sync keeps in the local store: the push queue,
 * the blobs still to send, the pull cursor, the account, per-report sync
 * state and the sync history
 *
 * Every function is safe from any thread (the store's lock) and touches
 * the disk: call it off the main thread, except the two cheap lookups
 * marked "cheap" that the list rows use.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "tg-store.h"

G_BEGIN_DECLS

/* ---- Per-report state, as the list and the editor show it ------------ */

typedef enum
{
  TG_REPORT_SYNC_LOCAL_ONLY,       /* no revision of it is on the server yet */
  TG_REPORT_SYNC_CHANGES_PENDING,  /* on the server; newer edits only here */
  TG_REPORT_SYNC_FILES_PENDING,    /* every revision on the server; files to send */
  TG_REPORT_SYNC_SYNCED,           /* revisions and files on the server */
  TG_REPORT_SYNC_CONFLICT,         /* more than one head: a person must merge */
  TG_REPORT_SYNC_FILES_MISSING,    /* every revision on the server; a file it names is
                                    * gone from this laptop and cannot be sent */
} TgReportSyncState;

/* Cheap (indexed lookups); TG_REPORT_SYNC_LOCAL_ONLY for an unknown id. */
TgReportSyncState tg_store_get_report_sync_state (TgStore    *self,
                                                  const char *report_id);

/* What waits to leave this laptop. */
typedef struct
{
  guint   n_reports;          /* reports with at least one unsent revision */
  guint   n_revisions;        /* unsent revisions made on this device */
  guint   n_thumbnails;       /* thumbnails still to send */
  guint   n_originals;        /* original files still to send */
  guint64 bytes;              /* bytes of those files */
  guint64 original_bytes;     /* of which originals */
  guint   n_conflicts;        /* live reports with more than one head */
  guint   n_missing_files;    /* files a live report names that are gone from
                               * this laptop and cannot be sent */
  guint   n_missing_reports;  /* live reports naming such a file */
} TgSyncPending;

gboolean tg_store_get_sync_pending (TgStore        *self,
                                    TgSyncPending  *pending,
                                    GError        **error);

/* ---- Push ----------------------------------------------------------- */

/* tg_store_list_unsynced() (tg-store.h) gives revisions made here and not
 * yet acknowledged, parents before children. Marks a pushed batch in one
 * transaction: @rev_ids[i] got @server_seqs[i]. Emits "report-sync-changed"
 * for each report whose state changed. */
gboolean tg_store_mark_synced_batch (TgStore            *self,
                                     const char * const *rev_ids,
                                     const gint64       *server_seqs,
                                     guint               n,
                                     GError            **error);

/* ---- Blobs to send ---------------------------------------------------- */

/* Every blob held in this store's blob folder and named by a live report
 * made or edited here starts as "to send"; it leaves the queue when the
 * server confirms it holds it (upload complete, or the offset query says
 * complete). */
typedef struct
{
  char     *sha256;
  gint64    size;
  gboolean  is_thumbnail;
  char     *report_id;       /* one report naming it, for messages */
} TgSyncBlob;

void        tg_sync_blob_free          (TgSyncBlob *blob);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgSyncBlob, tg_sync_blob_free)

/* Thumbnails first, then originals, each in the order they were added;
 * at most @limit (0: all). @include_originals FALSE lists thumbnails only.
 * GPtrArray of TgSyncBlob, owning. */
GPtrArray  *tg_store_list_blobs_to_send (TgStore   *self,
                                         gboolean   include_originals,
                                         guint      limit,
                                         GError   **error);
/* The server holds it now. Emits "report-sync-changed". */
gboolean    tg_store_mark_blob_sent     (TgStore     *self,
                                         const char  *sha256,
                                         GError     **error);
/* The file is gone from the blob folder (deleted by hand, disk damage):
 * keep it out of the queue and remember why, so the history and the
 * report say so instead of failing every sync. */
gboolean    tg_store_mark_blob_missing  (TgStore     *self,
                                         const char  *sha256,
                                         GError     **error);

/* ---- Pull ----------------------------------------------------------- */

/* The server sequence up to which this store has applied pulls (0 at
 * first). */
gint64   tg_store_get_pull_cursor (TgStore *self);

/* The highest server sequence the server gave a revision made on this
 * device (0 if none): this store holds every revision it pushed up to
 * there, so a pull may leave them out (own_through, sync protocol 2). */
gint64   tg_store_get_pushed_through (TgStore *self);

/* Applies one pulled page in one transaction: inserts the revisions
 * (checked against their hashes; known ones ignored), re-materialises the
 * reports they touch, and stores @next as the cursor, all or nothing.
 * *@n_new_reports / *@n_changed_reports count live reports that appeared
 * or changed; *@n_conflicts reports now holding more than one head. Emits
 * "report-changed" for each touched report. */
gboolean tg_store_apply_pull_page (TgStore     *self,
                                   GPtrArray   *revisions,
                                   gint64       next,
                                   guint       *n_new_reports,
                                   guint       *n_changed_reports,
                                   guint       *n_conflicts,
                                   GError     **error);

/* ---- Conflicts -------------------------------------------------------- */

/* The report as head revision @rev_id has it (for the resolver, which
 * shows each head side by side). */
TgReport *tg_store_load_report_at (TgStore     *self,
                                   const char  *rev_id,
                                   GError     **error);
/* Saves @merged as one new revision whose parents are every current head
 * of the report, whatever @merged's base revisions say; fails with
 * TG_ERROR_CONFLICT if the heads changed since @expected_heads (a pull
 * brought another branch while the person was choosing). */
TgRevision *tg_store_resolve_conflict (TgStore            *self,
                                       TgReport           *merged,
                                       const char * const *expected_heads,
                                       GError            **error);

/* ---- The account (no secret: the token lives in the keyring) ---------- */

typedef struct
{
  char *server_uri;          /* "https://host:port" */
  char *fingerprint;         /* "AB:CD:…" SHA-256 of the certificate's DER */
  char *server_device_id;    /* from enrolment */
  char *device_name;
  char *role;                /* TG_SYNC_ROLE_NAME_*, NULL when the server has not said */
} TgSyncAccount;

/* The account's role as the server names it. */
#define TG_SYNC_ROLE_NAME_MONITOR     "monitor"
#define TG_SYNC_ROLE_NAME_COORDINATOR "coordinator"

void           tg_sync_account_free (TgSyncAccount *account);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgSyncAccount, tg_sync_account_free)

/* NULL (no error) when this store is not connected to a server. */
TgSyncAccount *tg_store_get_sync_account   (TgStore              *self,
                                            GError              **error);
/* NULL forgets the account (disconnect). Nothing else is deleted: the
 * queue and the cursor stay (a re-enrolment to the same server goes on
 * where it left off). Enrolling with another server starts over: the
 * cursor goes back to 0, and every revision and file this device sent is
 * queued again, since none of it is on the new server. */
gboolean       tg_store_set_sync_account   (TgStore              *self,
                                            const TgSyncAccount  *account,
                                            GError              **error);
/* Records the role the server gave at a sync (NULL: unknown); nothing
 * else of the account changes. Fails when no account is stored. */
gboolean       tg_store_set_sync_role      (TgStore              *self,
                                            const char           *role,
                                            GError              **error);

/* The offset between the server's clock and this laptop's (server minus
 * laptop, in µs) that the last sync to reach the server measured, kept so
 * that a restarted app warns of a wrong clock before its next sync. 0 and
 * *@known FALSE when no sync measured one since the account was stored
 * (disconnecting forgets it). */
gboolean       tg_store_set_sync_clock_offset (TgStore            *self,
                                               gint64              offset_us,
                                               GError            **error);
gint64         tg_store_get_sync_clock_offset (TgStore            *self,
                                               gboolean           *known);

/* ---- Device names ----------------------------------------------------- */

/* Another device as the server names it in a pull page
 * (docs/sync-protocol.md, "Device names"): the laptop that made some
 * revisions this one holds, its enrolled name and its user's name. */
typedef struct
{
  char *device_id;           /* a revision's "device" */
  char *name;
  char *user;
} TgSyncDeviceName;

void              tg_sync_device_name_free (TgSyncDeviceName *name);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgSyncDeviceName, tg_sync_device_name_free)

/* TRUE when @text is valid UTF-8 with no control, format (Cf) or line
 * separator characters: a name that shows as what it is. */
gboolean          tg_sync_device_name_is_printable (const char *text);

/* Records (or updates) the names in @names (TgSyncDeviceName), in one
 * transaction. Only names a server sent are kept; nothing is listed. */
gboolean          tg_store_set_device_names (TgStore    *self,
                                             GPtrArray  *names,
                                             GError    **error);
/* NULL when no server has named @device_id. */
TgSyncDeviceName *tg_store_get_device_name  (TgStore    *self,
                                             const char *device_id);
/* Who made the report's current version (each head's, in a conflict):
 * a TgSyncDeviceName per device, this laptop's first when it made one,
 * with @name and @user NULL for this laptop and for a device no server
 * named. Indexed reads of the heads, their revisions and the names; an
 * empty array for an unknown report or a store below schema 10. */
GPtrArray        *tg_store_get_report_devices (TgStore    *self,
                                               const char *report_id);

/* ---- History ---------------------------------------------------------- */

typedef enum
{
  TG_SYNC_OUTCOME_OK,          /* everything that was due went both ways */
  TG_SYNC_OUTCOME_PARTIAL,     /* stopped early or held originals back */
  TG_SYNC_OUTCOME_FAILED,
  TG_SYNC_OUTCOME_CANCELLED,
} TgSyncOutcome;

typedef struct
{
  gint64        started_at;          /* unix µs, this laptop's clock */
  gint64        duration_us;
  TgSyncOutcome outcome;
  guint         n_revisions_sent;
  guint         n_reports_sent;      /* distinct reports */
  guint         n_files_sent;        /* blobs completed */
  guint64       bytes_sent;          /* file bytes put on the wire, resends included */
  guint         n_revisions_received;
  guint         n_reports_new;
  guint         n_reports_changed;
  guint         n_conflicts;
  guint         n_files_held_back;   /* originals kept for an unmetered link */
  gint64        clock_offset_us;     /* server minus laptop; 0 if unknown */
  char         *error;               /* plain words, translated; NULL if none */
  /* The other devices whose changes this sync brought, as the server
   * named them: one "name\tuser" line each (names hold no control
   * characters), at most TG_SYNC_ENTRY_MAX_NAMED; NULL if none was named. */
  char         *received_from;
} TgSyncEntry;

#define TG_SYNC_ENTRY_MAX_NAMED 20

TgSyncEntry *tg_sync_entry_copy (const TgSyncEntry *entry);
void         tg_sync_entry_free (TgSyncEntry       *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgSyncEntry, tg_sync_entry_free)

/* Keeps the newest TG_SYNC_HISTORY_MAX entries. */
#define TG_SYNC_HISTORY_MAX 500
gboolean   tg_store_add_sync_entry    (TgStore            *self,
                                       const TgSyncEntry  *entry,
                                       GError            **error);
/* Newest first; GPtrArray of TgSyncEntry, owning. */
GPtrArray *tg_store_list_sync_entries (TgStore            *self,
                                       guint               limit,
                                       GError            **error);

/* Signal on TgStore, in the store's main context like "report-changed":
 *   "report-sync-changed" (const char *report_id) — the report's
 *                         TgReportSyncState may have changed. */

G_END_DECLS
