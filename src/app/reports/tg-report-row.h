/* tg-report-row.h — one report in the list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "tg-report.h"
#include "tg-store-sync.h"

G_BEGIN_DECLS

#define TG_TYPE_REPORT_ROW (tg_report_row_get_type ())
G_DECLARE_FINAL_TYPE (TgReportRow, tg_report_row, TG, REPORT_ROW, GtkWidget)

GtkWidget          *tg_report_row_new          (void);
void                tg_report_row_set_report   (TgReportRow *self,
                                                TgReport    *report);
/* A factory making TgReportRow for a GtkListView of TgReport; the rows
 * show each report's sync state in @store and follow its
 * "report-sync-changed" (one handler for all rows), and name the
 * categories' codes from @categories (nullable: the codes as they are). */
GtkListItemFactory *tg_report_row_factory_new  (TgStore     *store,
                                                GListModel  *categories);
/* The id of the report the row shows, or NULL. */
const char         *tg_report_row_get_report_id (TgReportRow *self);

/* What the row shows now (for tests): the conflict badge, and the state
 * its icon stands for. */
gboolean            tg_report_row_get_conflict_shown   (TgReportRow *self);
TgReportSyncState   tg_report_row_get_sync_state_shown (TgReportRow *self);

G_END_DECLS
