/* tg-merge-view.h — reports side by side, merged into one incident
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "tg-workspace.h"

G_BEGIN_DECLS

#define TG_TYPE_MERGE_VIEW (tg_merge_view_get_type ())
G_DECLARE_FINAL_TYPE (TgMergeView, tg_merge_view, TG, MERGE_VIEW, GtkWidget)

/* Two or more reports side by side, one row a field (title, narrative,
 * date, location, place, categories, perpetrators), the rows whose
 * values differ highlighted; in each row one choice a report ("Title from
 * report 2: …"), the first report that has a value chosen to begin with,
 * and the title may be written anew. The counts are shown for each report
 * and kept as a range; persons are matched by name when merged.
 *
 * The reports are read, merged (tg_workspace_merge_async) and the choices
 * saved (tg_workspace_save_incident_async) on worker threads.
 *
 * Signals: "merged" (const char *incident_id), "cancelled". */
GtkWidget  *tg_merge_view_new           (void);
void        tg_merge_view_set_workspace (TgMergeView        *self,
                                         TgWorkspace        *workspace);
/* The vocabularies that name categories and perpetrators (nullable). */
void        tg_merge_view_set_vocabularies (TgMergeView     *self,
                                            GListModel      *categories,
                                            GListModel      *perpetrators);
/* Reads the reports (on a worker thread) and shows them. */
void        tg_merge_view_load          (TgMergeView        *self,
                                         const char * const *report_ids);
/* Chooses report @index's value (0-based) for @field, as a click would. */
gboolean    tg_merge_view_choose        (TgMergeView        *self,
                                         TgIncidentField     field,
                                         guint               index);

G_END_DECLS
