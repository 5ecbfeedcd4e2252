/* tg-sync-preferences-page.h — the Sync page of the preferences window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "tg-sync-manager.h"

G_BEGIN_DECLS

#define TG_TYPE_SYNC_PREFERENCES_PAGE (tg_sync_preferences_page_get_type ())
G_DECLARE_FINAL_TYPE (TgSyncPreferencesPage, tg_sync_preferences_page, TG, SYNC_PREFERENCES_PAGE, AdwPreferencesPage)

/* Connect (probe, compare fingerprints, enrol, keep the token), the
 * connected account, disconnect and re-enrol, and the sync settings
 * (bound to the manager's GSettings). Its name is "sync". */
GtkWidget *tg_sync_preferences_page_new (TgSyncManager *manager);

G_END_DECLS
