/* tg-workspace-filters.h — the coordinator's workspace filters
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TG_TYPE_WORKSPACE_FILTERS (tg_workspace_filters_get_type ())
G_DECLARE_FINAL_TYPE (TgWorkspaceFilters, tg_workspace_filters, TG, WORKSPACE_FILTERS, GtkWidget)

/* Monitor, region or province code, report dates from/until
 * (YYYY-MM-DD, whole days in UTC), category, status and "only reports not
 * yet in an incident". A date that cannot be read is shown as an error
 * under the controls and not filtered on.
 *
 * Signal "changed": a control changed; read the values with the getters. */
GtkWidget  *tg_workspace_filters_new            (void);
/* @categories: GListModel of TgVocabularyEntry. */
void        tg_workspace_filters_set_categories (TgWorkspaceFilters *self,
                                                 GListModel         *categories);
/* The monitors to choose from: NULL-terminated, ids and the names shown
 * (same length). The choice is kept when the monitor is still there. */
void        tg_workspace_filters_set_monitors   (TgWorkspaceFilters *self,
                                                 const char * const *ids,
                                                 const char * const *names);
void        tg_workspace_filters_reset          (TgWorkspaceFilters *self);
/* Shows the filters kept in @settings (the workspace-filter-* keys) and
 * keeps every change there; NULL keeps nothing. Emits "changed". */
void        tg_workspace_filters_set_settings   (TgWorkspaceFilters *self,
                                                 GSettings          *settings);

/* NULL for any. */
const char *tg_workspace_filters_get_monitor    (TgWorkspaceFilters *self);
/* NULL for any; a copy, trimmed. */
char       *tg_workspace_filters_dup_region     (TgWorkspaceFilters *self);
/* Unix seconds, 0 for open. */
gint64      tg_workspace_filters_get_from       (TgWorkspaceFilters *self);
gint64      tg_workspace_filters_get_until      (TgWorkspaceFilters *self);
/* A code of the categories vocabulary, or NULL. */
const char *tg_workspace_filters_get_category   (TgWorkspaceFilters *self);
/* A TgReportStatus, or -1 for any. */
int         tg_workspace_filters_get_status     (TgWorkspaceFilters *self);
gboolean    tg_workspace_filters_get_unmerged   (TgWorkspaceFilters *self);
/* TRUE when any control filters something. */
gboolean    tg_workspace_filters_get_active     (TgWorkspaceFilters *self);

G_END_DECLS
