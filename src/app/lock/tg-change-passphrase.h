/* tg-change-passphrase.h — the Preferences' "Change Passphrase" dialog
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "tg-vault.h"

G_BEGIN_DECLS

/* Asks for the current passphrase and a new one (twice, with the
 * strength hint of the first-run page; a weak one cannot be used), then
 * rewraps the data key off the main loop (tg_vault_change_passphrase_async:
 * nothing else is re-encrypted). The outcome is a toast on @parent; a
 * wrong current passphrase changes nothing and counts as a failed
 * attempt, as at the unlock page. */
void tg_change_passphrase_show (AdwPreferencesWindow *parent,
                                TgVault              *vault);

G_END_DECLS
