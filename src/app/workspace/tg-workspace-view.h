/* tg-workspace-view.h — the coordinator's workspace
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "tg-workspace.h"

G_BEGIN_DECLS

/* One incident of the list (and of the map), a row of the store's
 * incident table. */
#define TG_TYPE_INCIDENT_ITEM (tg_incident_item_get_type ())
G_DECLARE_FINAL_TYPE (TgIncidentItem, tg_incident_item, TG, INCIDENT_ITEM, GObject)

const TgIncidentSummary *tg_incident_item_get_summary (TgIncidentItem *self);

#define TG_TYPE_WORKSPACE_VIEW (tg_workspace_view_get_type ())
G_DECLARE_FINAL_TYPE (TgWorkspaceView, tg_workspace_view, TG, WORKSPACE_VIEW, GtkWidget)

/* Three pages: the review queue (duplicate candidates, then the merge
 * view of a confirmed pair), the incidents (list and editor) and every
 * monitor's reports as filtered. Everything is read and changed through
 * TgWorkspace and the dedupe engine on worker threads.
 *
 * Signals: "back" (the person wants their own list again),
 * "show-message" (const char *), a sentence for a toast. */
GtkWidget   *tg_workspace_view_new            (void);
/* @categories, @perpetrators: the vocabularies (GListModel of
 * TgVocabularyEntry) of the category filter and of the fields' words. */
void         tg_workspace_view_set_store      (TgWorkspaceView *self,
                                               TgStore         *store,
                                               GListModel      *categories,
                                               GListModel      *perpetrators);
/* The filters are read from and kept in @settings (see
 * tg_workspace_filters_set_settings()). */
void         tg_workspace_view_set_settings   (TgWorkspaceView *self,
                                               GSettings       *settings);
TgWorkspace *tg_workspace_view_get_workspace  (TgWorkspaceView *self);
/* The live incidents (TgIncidentItem), kept up to date: for the map. */
GListModel  *tg_workspace_view_get_incidents  (TgWorkspaceView *self);
/* Shows the incident in the editor, on the Incidents page. */
void         tg_workspace_view_show_incident  (TgWorkspaceView *self,
                                               const char      *incident_id);
/* Reads the queue, the incidents and the reports again. */
void         tg_workspace_view_refresh        (TgWorkspaceView *self);

/* Whether the enrolled account may use the workspace: the sync engine's
 * role, or TESTIGO_ROLE=coordinator in the environment (for tests and
 * screenshots; see docs/app.md). */
gboolean     tg_workspace_role_is_coordinator (const char      *role);

G_END_DECLS
