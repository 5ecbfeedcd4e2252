/* tg-store.h — the local SQLite store: revisions, the current state of
 * each report, full-text search, blobs and the custody log
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "tg-report.h"
#include "tg-revision.h"

G_BEGIN_DECLS

typedef struct _TgBlobStore  TgBlobStore;
typedef struct _TgCustodyLog TgCustodyLog;

#define TG_STORE_SCHEMA_VERSION 10

#define TG_TYPE_STORE (tg_store_get_type ())
G_DECLARE_FINAL_TYPE (TgStore, tg_store, TG, STORE, GObject)

/* Opens (creating and migrating as needed) the store in @directory:
 * directory/testigo.db and directory/blobs/. A damaged or foreign database
 * is refused with TG_ERROR_CORRUPT / TG_ERROR_NOT_A_DATABASE and is never
 * written to. */
TgStore       *tg_store_open               (const char          *directory,
                                            GError             **error);
void           tg_store_open_async         (const char          *directory,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
TgStore       *tg_store_open_finish        (GAsyncResult        *result,
                                            GError             **error);
/* As tg_store_open(), the database encrypted with the data key @key
 * (TG_SQLITE_KEY_SIZE bytes; the store keeps a copy until it closes, and
 * wipes it then). A new store is created encrypted; the key that does not
 * open an existing one is TG_ERROR_WRONG_KEY, a plain one TG_ERROR_INVALID
 * (tg-at-rest-migrate.h converts it), and nothing is written to either.
 * The custody log and the sync history are tables of the same database.
 * tg_store_open_finish() finishes the async form; @key is copied. */
TgStore       *tg_store_open_keyed         (const char          *directory,
                                            const guint8        *key,
                                            GError             **error);
void           tg_store_open_keyed_async   (const char          *directory,
                                            const guint8        *key,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
void           tg_store_close              (TgStore             *self);

const char    *tg_store_get_directory      (TgStore             *self);
const char    *tg_store_get_device_id      (TgStore             *self);
int            tg_store_get_schema_version (TgStore             *self);
TgBlobStore   *tg_store_get_blob_store     (TgStore             *self);
TgCustodyLog  *tg_store_get_custody_log    (TgStore             *self);

/* Saving validates the report, then records a new revision whose parents
 * are the report's base revisions, and updates the report's base to it.
 * Saving an unchanged report records nothing and returns the current
 * revision. Safe from any thread. */
TgRevision    *tg_store_save_report        (TgStore             *self,
                                            TgReport            *report,
                                            GError             **error);
void           tg_store_save_report_async  (TgStore             *self,
                                            TgReport            *report,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
TgRevision    *tg_store_save_report_finish (TgStore             *self,
                                            GAsyncResult        *result,
                                            GError             **error);
/* Many reports in one transaction (imports, the demo data, benchmarks). */
gboolean       tg_store_save_reports       (TgStore             *self,
                                            GPtrArray           *reports,
                                            GError             **error);

/* A tombstone revision: the report leaves lists but its history stays. */
TgRevision    *tg_store_delete_report      (TgStore             *self,
                                            const char          *report_id,
                                            GError             **error);
/* Undo of a deletion: a new revision restoring the content before it. */
TgRevision    *tg_store_restore_report     (TgStore             *self,
                                            const char          *report_id,
                                            GError             **error);

/* The same two on a worker thread. */
void           tg_store_delete_report_async   (TgStore             *self,
                                               const char          *report_id,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
TgRevision    *tg_store_delete_report_finish  (TgStore             *self,
                                               GAsyncResult        *result,
                                               GError             **error);
void           tg_store_restore_report_async  (TgStore             *self,
                                               const char          *report_id,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
TgRevision    *tg_store_restore_report_finish (TgStore             *self,
                                               GAsyncResult        *result,
                                               GError             **error);

/* The current state (the newest head; see tg_report_has_conflict()).
 * Deleted reports are TG_ERROR_NOT_FOUND unless @include_deleted. */
TgReport      *tg_store_load_report        (TgStore             *self,
                                            const char          *report_id,
                                            GError             **error);
/* Every head of a report's revision tree: more than one is a conflict. */
GPtrArray     *tg_store_list_heads         (TgStore             *self,
                                            const char          *report_id,
                                            GError             **error);
TgRevision    *tg_store_get_revision       (TgStore             *self,
                                            const char          *rev_id,
                                            GError             **error);
/* The whole history of a record, oldest first. */
GPtrArray     *tg_store_list_revisions     (TgStore             *self,
                                            const char          *record_id,
                                            GError             **error);

/* Revisions from elsewhere (sync pull, import): each is checked against
 * its hash and inserted unless already present. Returns how many were new. */
gboolean       tg_store_insert_revisions   (TgStore             *self,
                                            GPtrArray           *revisions,
                                            guint               *n_inserted,
                                            GError             **error);
/* Revisions made on this device that the server has not acknowledged. */
GPtrArray     *tg_store_list_unsynced      (TgStore             *self,
                                            guint                limit,
                                            GError             **error);
gboolean       tg_store_mark_synced        (TgStore             *self,
                                            const char          *rev_id,
                                            gint64               server_seq,
                                            GError             **error);

guint          tg_store_count_reports      (TgStore             *self);

/* Queries: the result is a live GListModel of TgReport that updates as the
 * store changes. Full-text search ignores case and accents. */
typedef enum
{
  /* The order reports last changed in on this device, newest first (never
   * the device clocks). */
  TG_REPORT_SORT_UPDATED_DESC,
  TG_REPORT_SORT_START_DESC,
  TG_REPORT_SORT_START_ASC,
  TG_REPORT_SORT_TITLE,
} TgReportSort;

#define TG_TYPE_REPORT_QUERY (tg_report_query_get_type ())
typedef struct _TgReportQuery TgReportQuery;
struct _TgReportQuery
{
  char         *text;          /* full-text, or NULL */
  char         *category;      /* vocabulary code, or NULL */
  char         *region_code;   /* or NULL */
  int           status;        /* TgReportStatus, or -1 for any */
  gint64        start_from;    /* unix seconds, 0 for open */
  gint64        start_until;   /* unix seconds, 0 for open */
  gboolean      only_conflicts;
  TgReportSort  sort;
};
GType          tg_report_query_get_type    (void) G_GNUC_CONST;
TgReportQuery *tg_report_query_new         (void);
TgReportQuery *tg_report_query_copy        (const TgReportQuery *query);
void           tg_report_query_free        (TgReportQuery       *query);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgReportQuery, tg_report_query_free)

/* The ids of matching reports, in order; used by the list model. */
GArray        *tg_store_query_rowids       (TgStore             *self,
                                            const TgReportQuery *query,
                                            GError             **error);
TgReport      *tg_store_load_report_by_rowid (TgStore           *self,
                                              gint64             rowid,
                                              GError           **error);
/* The id and title of the live report in row @rowid, without loading it;
 * FALSE with TG_ERROR_NOT_FOUND when there is none (the report changed
 * since, and has a new row, or was deleted). */
gboolean       tg_store_get_report_label   (TgStore             *self,
                                            gint64               rowid,
                                            char               **id,
                                            char               **title,
                                            GError             **error);
/* The row of the report @id, or 0 when the store has none. */
gint64         tg_store_lookup_rowid       (TgStore             *self,
                                            const char          *id);

/* Where the matching reports are, straight from the store's tables with no
 * report loaded: what a map needs for 100,000 markers, in 32 bytes each
 * (a report's id and title are asked for by row id when a marker needs
 * them: tg_store_get_report_label()). Reports without a location are left
 * out. */
typedef struct
{
  gint64      rowid;
  const char *category;   /* the first category, interned; or NULL */
  double      latitude;
  double      longitude;
} TgReportLocation;

GArray        *tg_store_query_locations    (TgStore             *self,
                                            const TgReportQuery *query,
                                            GError             **error);  /* of TgReportLocation */

#define TG_TYPE_REPORT_LIST (tg_report_list_get_type ())
G_DECLARE_FINAL_TYPE (TgReportList, tg_report_list, TG, REPORT_LIST, GObject)

TgReportList  *tg_report_list_new          (TgStore             *store,
                                            const TgReportQuery *query);
void           tg_report_list_set_query    (TgReportList        *self,
                                            const TgReportQuery *query);
const TgReportQuery *tg_report_list_get_query (TgReportList     *self);
TgStore       *tg_report_list_get_store    (TgReportList        *self);
/* tg_store_query_locations() for this list's query, on a worker thread. */
void           tg_report_list_query_locations_async  (TgReportList        *self,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
GArray        *tg_report_list_query_locations_finish (TgReportList        *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

/* Signals on TgStore (emitted in the main context of the thread that
 * opened the store):
 *   "report-changed" (const char *report_id) — any new revision, import or
 *                    deletion of that report. */

G_END_DECLS
