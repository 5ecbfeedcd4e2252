/* tg-export.h — GeoJSON and CSV exports of the store's reports
 *
 * GeoJSON (RFC 7946): a FeatureCollection, one Feature per report, in
 * WGS 84 with [longitude, latitude] positions; a report without a location
 * has "geometry": null. "properties" hold every field of the report (as in
 * the report's JSON form, without latitude/longitude, which are the
 * geometry) and "testigo:revision", the wire form of the revision the
 * report's state comes from, so that importing the file into another store
 * recreates the same revision (see tg-import.h).
 *
 * Consent holds in every export: a person is named only with consent to
 * share their identity with the organisation (or the public; pseudonyms
 * always). A report naming someone without it is written masked: the name
 * "[withheld]", that person's notes dropped, no "testigo:revision" (which
 * carries the names), and "testigo:withheld": true, so that importing the
 * file back never writes the masked copy over the full report.
 *
 * CSV (RFC 4180, see tg-csv.h): a header row and one row per report with
 * flattened fields (the columns of tg-export-columns.h). Lists are joined
 * with ";". The "victims" column names a victim only with consent to share
 * their identity with the organisation or the public (or when the name is
 * a pseudonym); otherwise it says "[withheld]" ("[unnamed]" for a victim
 * with no name). Cells that a spreadsheet would run as a formula are
 * guarded with a leading single quote (TG_CSV_GUARD_FORMULAS).
 *
 * TG_EXPORT_PUBLIC narrows both for publication: names only with public
 * consent, every person's notes and typed testimony dropped, no
 * "testigo:revision"; every feature is masked.
 *
 * Exports to a file are logged: once the file is in place, each report
 * written gets an "exported" event in the store's custody log (subject the
 * report's id), all in one transaction of the store's, with the detail
 * "format=geojson|csv audience=organisation|public revision=REV_ID", REV_ID
 * being the revision whose state was written. A failed or cancelled export
 * logs nothing; when the log cannot be written after the file is, the
 * export fails with an error that says the file was written. Exports to a
 * stream (the _to_stream functions) are not logged: the caller knows where
 * the bytes go.
 *
 * Reports are written one by one through a buffered stream: memory does not
 * grow with the number of reports (but for the ids and revision ids kept
 * for the custody log, some 100 bytes a report). Deleted reports are not exported; a
 * report in conflict is exported in its current (newest) state. With no
 * query every report is written, ordered by id, so that two stores holding
 * the same revisions give byte-identical files.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "tg-progress.h"
#include "tg-store.h"

G_BEGIN_DECLS

typedef enum
{
  TG_EXPORT_NONE   = 0,
  TG_EXPORT_PUBLIC = 1 << 0,
  /* GeoJSON for the organisation: each feature gets "testigo:custody",
   * the custody events of the report and of its files (ignored with
   * TG_EXPORT_PUBLIC and in CSV). */
  TG_EXPORT_CUSTODY = 1 << 1,
} TgExportFlags;

/* Progress (reports done of total) is a TgProgressFunc (tg-progress.h),
 * called at most every TG_PROGRESS_INTERVAL_MS and at the end.
 * Synchronous calls run it in the calling thread; _async ones in the
 * thread-default main context of the caller. */

#define TG_EXPORT_WITHHELD "[withheld]"
#define TG_EXPORT_UNNAMED  "[unnamed]"

/* Writes to a stream (not closed). @query: (nullable). */
gboolean tg_export_csv_to_stream     (TgStore             *store,
                                      const TgReportQuery *query,
                                      GOutputStream       *stream,
                                      TgExportFlags        flags,
                                      TgProgressFunc progress,
                                      gpointer             progress_data,
                                      guint               *n_exported,
                                      GCancellable        *cancellable,
                                      GError             **error);

/* Writes @file atomically: it is replaced only when the export succeeds.
 * The file is private to the user (mode 0600): it may name people. */
gboolean tg_export_geojson           (TgStore             *store,
                                      const TgReportQuery *query,
                                      GFile               *file,
                                      TgExportFlags        flags,
                                      TgProgressFunc progress,
                                      gpointer             progress_data,
                                      guint               *n_exported,
                                      GCancellable        *cancellable,
                                      GError             **error);
gboolean tg_export_csv               (TgStore             *store,
                                      const TgReportQuery *query,
                                      GFile               *file,
                                      TgExportFlags        flags,
                                      TgProgressFunc progress,
                                      gpointer             progress_data,
                                      guint               *n_exported,
                                      GCancellable        *cancellable,
                                      GError             **error);

/* In a worker thread. @progress_notify frees @progress_data at the end. */
void     tg_export_csv_async         (TgStore             *store,
                                      const TgReportQuery *query,
                                      GFile               *file,
                                      TgExportFlags        flags,
                                      TgProgressFunc progress,
                                      gpointer             progress_data,
                                      GDestroyNotify       progress_notify,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
gboolean tg_export_csv_finish        (GAsyncResult        *result,
                                      guint               *n_exported,
                                      GError             **error);

typedef enum
{
  TG_EXPORT_FORMAT_GEOJSON,
  TG_EXPORT_FORMAT_CSV,
} TgExportFormat;

/* CSV for a name ending in ".csv" (any case), GeoJSON otherwise. */
TgExportFormat tg_export_format_for_file (GFile           *file);

/* Either format, in a worker thread. @ids: (nullable): the reports to
 * write, in that order (ids the store does not have are left out);
 * otherwise those @query matches (every report when NULL). */
void     tg_export_file_async        (TgStore             *store,
                                      const TgReportQuery *query,
                                      const char * const  *ids,
                                      GFile               *file,
                                      TgExportFormat       format,
                                      TgExportFlags        flags,
                                      TgProgressFunc progress,
                                      gpointer             progress_data,
                                      GDestroyNotify       progress_notify,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
gboolean tg_export_file_finish       (GAsyncResult        *result,
                                      guint               *n_exported,
                                      GError             **error);

G_END_DECLS
