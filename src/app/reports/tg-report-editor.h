/* tg-report-editor.h — every field of a report, saved as one types
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "tg-store.h"

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
/* Edits @report (a copy loaded from the store, or a new report not stored
 * yet; the editor keeps a ref). The report open before is saved first, or
 * discarded if it is a new report still as it was made. NULL closes the
 * editor (and so saves or discards the same way). */
void        tg_report_editor_set_report     (TgReportEditor   *self,
                                             TgReport         *report);
TgReport   *tg_report_editor_get_report     (TgReportEditor   *self);
/* Saves now what is not saved yet; FALSE when the report is invalid. */
gboolean    tg_report_editor_flush          (TgReportEditor   *self);
/* FALSE for a new report that has not been written to the store yet. */
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

G_END_DECLS
