/* tg-sync-util.h — words and numbers the sync widgets share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "tg-sync-engine.h"
#include "tg-sync-manager.h"
#include "tg-store-sync.h"

G_BEGIN_DECLS

/* Beyond this the sync page warns that the laptop's clock is off. */
#define TG_SYNC_CLOCK_WARNING_US (5 * 60 * G_USEC_PER_SEC)

/* "6 Dec 2026, 21:14" in the local time zone; "Never" for 0. */
char       *tg_sync_format_time     (gint64         unix_us);
/* "0.4 s", "12 s", "3 min 5 s". */
char       *tg_sync_format_duration (gint64         duration_us);
/* "This laptop’s clock is 7 minutes behind the server’s…", or NULL when
 * the offset is within TG_SYNC_CLOCK_WARNING_US. */
char       *tg_sync_describe_clock  (gint64         offset_us);
/* What the indicator says, short ("Up to date", "Syncing: 40 %"), and
 * its symbolic icon, from the engine and the manager together. */
char       *tg_sync_describe_status (TgSyncManager *manager,
                                     const char   **icon_name);
/* Why a sync asked for now cannot start, in plain words for a toast
 * ("Not connected to a server: nothing was sent…"), or NULL when the
 * laptop is connected and has its token. */
char       *tg_sync_describe_not_ready (TgSyncManager *manager);
/* Another device as a person knows it: "Laptop Huanta (rosa)" when a
 * server named it, else "device 1a2b3c4d". */
char       *tg_sync_describe_device (const TgSyncDeviceName *device);
/* "Laptop Huanta (rosa), Oficina (ana)" from a history entry's
 * received_from ("name\tuser" lines), or NULL when it names nobody. */
char       *tg_sync_describe_received_from (const char *received_from);
/* A toast for the end of a sync (or why none starts) whose words are a
 * label of role alert, so that AT-SPI shows it as an alert, not a plain
 * label (libadwaita 1.2 gives toasts no role). GTK 4.8 sends no AT-SPI
 * event when it appears (docs/sync.md). Timeout 10 s. */
AdwToast   *tg_sync_toast_new       (const char    *message);
/* For the dispose of a widget that watches the sync: cancels and drops
 * *@cancellable, disconnects @watcher's handlers from *@engine and
 * *@manager and drops them (each may be NULL). */
void        tg_sync_unwatch         (gpointer        watcher,
                                     GCancellable  **cancellable,
                                     TgSyncEngine  **engine,
                                     TgSyncManager **manager);
/* "Done", "Partly done", "Failed", "Cancelled". */
const char *tg_sync_outcome_label   (TgSyncOutcome  outcome);

G_END_DECLS
