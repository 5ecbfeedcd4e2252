/* tg-report-filters.h — the report list's filter and sort controls
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "tg-store.h"

G_BEGIN_DECLS

#define TG_TYPE_REPORT_FILTERS (tg_report_filters_get_type ())
G_DECLARE_FINAL_TYPE (TgReportFilters, tg_report_filters, TG, REPORT_FILTERS, GtkWidget)

/* Category, status, region code, incident dates from/until (YYYY-MM-DD,
 * whole days in UTC), only conflicts, and the sort order; plus the search
 * text, which the window's search entry hands in. A date that cannot be
 * read is shown as an error under the controls and not filtered on.
 *
 * Signal "changed": any control (or the search text) changed; read the
 * new query with tg_report_filters_get_query(). */
GtkWidget     *tg_report_filters_new             (void);
/* @categories: GListModel of TgVocabularyEntry, the category choices. */
void           tg_report_filters_set_categories  (TgReportFilters *self,
                                                  GListModel      *categories);
void           tg_report_filters_set_search_text (TgReportFilters *self,
                                                  const char      *text);
/* Every control back to "any"; emits "changed" once. */
void           tg_report_filters_reset           (TgReportFilters *self);
/* A new query for what the controls say. */
TgReportQuery *tg_report_filters_get_query       (TgReportFilters *self);

G_END_DECLS
