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
/* The lock page's erase: the store is locked, so no sync; the
 * confirmation says that what was not sent is lost. Confirmed, every
 * Testigo device token leaves the keyring, then @erase is called. */
void tg_erase_ask_locked (GtkWindow *parent,
                          GCallback  erase,
                          gpointer   user_data);
/* Removes every Testigo device token (and with it the server's address,
 * its attribute) from the keyring; a failure is logged. */
void tg_erase_forget_all_tokens (void);

G_END_DECLS
