/* tg-report-editor.h — every field of a report, saved as one types
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "tg-gazetteer.h"
#include "tg-store.h"
#include "tg-store-sync.h"

G_BEGIN_DECLS

#define TG_TYPE_REPORT_EDITOR (tg_report_editor_get_type ())
G_DECLARE_FINAL_TYPE (TgReportEditor, tg_report_editor, TG, REPORT_EDITOR, GtkWidget)

/* Signals:
 *   "pick-location"                 the person wants to click the map
 *   "show-message" (const char *)   a passing message for a toast
 * Properties: "save-state" (string, read-only) — "Saved", "Saving…", or
 * why the report could not be saved. */

void        tg_report_editor_set_store      (TgReportEditor   *self,
                                             TgStore          *store);
TgStore    *tg_report_editor_get_store      (TgReportEditor   *self);
/* What the editor is handed once, before a report is set: the app's
 * settings (units, default region) and the vocabularies of the category
 * and perpetrator lists and of the person rows. */
void        tg_report_editor_set_settings   (TgReportEditor   *self,
                                             GSettings        *settings);
void        tg_report_editor_set_vocabularies (TgReportEditor *self,
                                             GListModel       *categories,
                                             GListModel       *perpetrators,
                                             GListModel       *harms,
                                             GListModel       *weapons);
/* The gazetteer that names a place found or picked (nullable: none). */
void        tg_report_editor_set_gazetteer  (TgReportEditor   *self,
                                             TgGazetteer      *gazetteer);
/* Edits @report (a copy loaded from the store, or a new report not stored
 * yet; the editor keeps a ref). The report open before is saved, or
 * discarded if it is a new report still as it was made, or deleted if it
 * is a stored draft emptied back to blank; none of this waits: with a
 * save in flight, what follows is done when it finishes. NULL closes the
 * editor (and so saves or discards the same way). */
void        tg_report_editor_set_report     (TgReportEditor   *self,
                                             TgReport         *report);
TgReport   *tg_report_editor_get_report     (TgReportEditor   *self);
/* A report left with its save or delete still in flight (the same object
 * set_report() takes back), or NULL. */
TgReport   *tg_report_editor_get_left_report (TgReportEditor  *self,
                                             const char       *report_id);
/* TRUE while a save or delete started by the editor is in flight. */
gboolean    tg_report_editor_is_busy        (TgReportEditor   *self);
/* Saves now what is not saved yet; answers once it is in the store
 * (an error when the report is invalid or could not be written). */
void        tg_report_editor_flush_async    (TgReportEditor   *self,
                                             GAsyncReadyCallback callback,
                                             gpointer          user_data);
gboolean    tg_report_editor_flush_finish   (TgReportEditor   *self,
                                             GAsyncResult     *result,
                                             GError          **error);
/* Closes the open report and deletes it (a tombstone) after any save in
 * flight; edits not saved yet are dropped. The finish gives the
 * tombstone, or NULL without an error when the report was never stored. */
void        tg_report_editor_delete_async   (TgReportEditor   *self,
                                             GAsyncReadyCallback callback,
                                             gpointer          user_data);
TgRevision *tg_report_editor_delete_finish  (TgReportEditor   *self,
                                             GAsyncResult     *result,
                                             GError          **error);
/* FALSE for a new report that is not (being) written to the store. */
gboolean    tg_report_editor_is_stored      (TgReportEditor   *self);
const char *tg_report_editor_get_save_state (TgReportEditor   *self);
gboolean    tg_report_editor_can_undo       (TgReportEditor   *self);
gboolean    tg_report_editor_undo           (TgReportEditor   *self);
void        tg_report_editor_set_location   (TgReportEditor   *self,
                                             double            latitude,
                                             double            longitude,
                                             TgLocationMethod  method);
void        tg_report_editor_focus_title    (TgReportEditor   *self);
/* Adds files as sources, one after the other, with progress. */
void        tg_report_editor_import_files   (TgReportEditor   *self,
                                             GListModel       *files);

/* The open report's sync state as shown (the line at the top, or the
 * conflict banner with its Resolve… button). */
TgReportSyncState tg_report_editor_get_sync_state     (TgReportEditor *self);
gboolean          tg_report_editor_get_conflict_shown (TgReportEditor *self);
/* The conflict resolver opened from the banner, while it is open. */
GtkWindow        *tg_report_editor_get_resolver       (TgReportEditor *self);

G_END_DECLS
