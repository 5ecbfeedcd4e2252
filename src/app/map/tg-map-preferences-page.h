/* tg-map-preferences-page.h — the map's page of the preferences window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TG_TYPE_MAP_PREFERENCES_PAGE (tg_map_preferences_page_get_type ())
G_DECLARE_FINAL_TYPE (TgMapPreferencesPage, tg_map_preferences_page, TG, MAP_PREFERENCES_PAGE, AdwPreferencesPage)

/* Tile server address template, MBTiles files and tile cache size, bound
 * to the application's settings. Add it to an AdwPreferencesWindow with
 * adw_preferences_window_add(). */
/* @settings: (nullable): the app's settings; without them the page is
 * insensitive. */
GtkWidget *tg_map_preferences_page_new      (GSettings            *settings);
/* Adds an MBTiles file after checking it opens; FALSE with @error if not. */
gboolean   tg_map_preferences_page_add_file (TgMapPreferencesPage  *self,
                                             const char            *path,
                                             GError               **error);

G_END_DECLS
