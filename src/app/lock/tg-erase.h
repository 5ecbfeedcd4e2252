/* tg-erase.h — asking before the emergency erase
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "tg-sync-manager.h"

G_BEGIN_DECLS

/* Asks whether to erase. With @sync connected (a token) and online, it
 * first offers a sync (shown while it runs). Then the confirmation, in
 * plain words; @erase is called only if the monitor confirms. */
void tg_erase_ask (GtkWindow     *parent,
                   TgSyncManager *sync,
                   GCallback      erase,
                   gpointer       user_data);

G_END_DECLS
