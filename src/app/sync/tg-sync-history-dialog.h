/* tg-sync-history-dialog.h — one row per sync: when, how long, what went
 * each way, errors and conflicts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "tg-store.h"

G_BEGIN_DECLS

#define TG_TYPE_SYNC_HISTORY_DIALOG (tg_sync_history_dialog_get_type ())
G_DECLARE_FINAL_TYPE (TgSyncHistoryDialog, tg_sync_history_dialog, TG, SYNC_HISTORY_DIALOG, AdwWindow)

/* Reads the store's history on a worker thread and shows it newest first. */
GtkWidget *tg_sync_history_dialog_new (TgStore *store);

G_END_DECLS
