/* tg-preferences-window.h — the application's preferences
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "tg-application.h"

G_BEGIN_DECLS

#define TG_TYPE_PREFERENCES_WINDOW (tg_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (TgPreferencesWindow, tg_preferences_window, TG, PREFERENCES_WINDOW, AdwPreferencesWindow)

TgPreferencesWindow *tg_preferences_window_new            (TgApplication       *app);
/* Shows the Sync page (connecting to the organisation's server). */
void                 tg_preferences_window_show_sync_page (TgPreferencesWindow *self);

G_END_DECLS
