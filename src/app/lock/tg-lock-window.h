/* tg-lock-window.h — the window of a locked Testigo: first-run
 * passphrase, unlock, and the work in between (encrypting an old store)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "tg-vault.h"

G_BEGIN_DECLS

#define TG_TYPE_LOCK_WINDOW (tg_lock_window_get_type ())
G_DECLARE_FINAL_TYPE (TgLockWindow, tg_lock_window, TG, LOCK_WINDOW, AdwApplicationWindow)

/* Shows the first-run page when @vault has no key (NONE), the unlock
 * page otherwise. The window creates or unlocks @vault itself, off the
 * main loop, and emits "unlocked" once it holds the key; typing the erase
 * passphrase emits "erased" and shows the first-run page. "erase" is
 * emitted when Emergency Erase is pressed (the application asks and
 * erases). */
TgLockWindow *tg_lock_window_new          (GtkApplication *app,
                                           TgVault        *vault);
TgVault      *tg_lock_window_get_vault    (TgLockWindow   *self);
void          tg_lock_window_show_create  (TgLockWindow   *self,
                                           gboolean        has_reports);
void          tg_lock_window_show_unlock  (TgLockWindow   *self);
/* A page with @title, @description and a progress bar (@fraction from
 * 0 to 1) or, with a negative @fraction, a spinner. */
void          tg_lock_window_show_working (TgLockWindow   *self,
                                           const char     *title,
                                           const char     *description,
                                           double          fraction);
void          tg_lock_window_set_progress (TgLockWindow   *self,
                                           double          fraction);
/* A message on the visible page (an error, the erase's outcome). */
void          tg_lock_window_show_message (TgLockWindow   *self,
                                           const char     *message);

G_END_DECLS
