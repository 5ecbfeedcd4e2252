/* tg-sync-badge.h — how a report's sync state is shown: icon and words
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "tg-store-sync.h"

G_BEGIN_DECLS

/* A symbolic icon name for @state. */
const char *tg_sync_badge_icon_name   (TgReportSyncState  state);
/* A few words ("Only on this laptop"), translated. */
const char *tg_sync_badge_label       (TgReportSyncState  state);
/* A sentence saying what it means, translated; the icon's tooltip and
 * accessible description. */
const char *tg_sync_badge_description (TgReportSyncState  state);
/* Shows @state on @image: icon, tooltip, accessible label and
 * description (so it is never told by colour alone). */
void        tg_sync_badge_apply       (GtkImage          *image,
                                       TgReportSyncState  state);

/* The report widgets' own style (the conflict banner), added to the
 * default display once. */
void        tg_reports_ensure_style   (void);

G_END_DECLS
