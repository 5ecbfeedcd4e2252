/* tg-sync-indicator.h — the header bar's sync button and its popover
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "tg-sync-manager.h"

G_BEGIN_DECLS

#define TG_TYPE_SYNC_INDICATOR (tg_sync_indicator_get_type ())
G_DECLARE_FINAL_TYPE (TgSyncIndicator, tg_sync_indicator, TG, SYNC_INDICATOR, GtkWidget)

/* Its icon, tooltip and accessible description say offline, syncing
 * (with progress), up to date or needs attention; the popover says when
 * the last sync succeeded and what waits to be sent (read off the main
 * thread), with "Sync Now" (win.sync-now) and "Send Originals Now"
 * (win.send-originals). */
GtkWidget  *tg_sync_indicator_new         (void);
void        tg_sync_indicator_set_manager (TgSyncIndicator *self,
                                           TgSyncManager   *manager);
/* The short sentence shown ("Up to date"); the "summary" property. */
const char *tg_sync_indicator_get_summary (TgSyncIndicator *self);
/* The icon shown; the "icon-name" property. */
const char *tg_sync_indicator_get_icon_name (TgSyncIndicator *self);

G_END_DECLS
