/* tg-map-util.h — small helpers shared by the map's widgets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The application's settings, or NULL (with a warning) when the schema is
 * not installed. */
GSettings *tg_map_settings_new              (void);
/* Appends @path to "mbtiles-files" unless it is there; TRUE if added. */
gboolean   tg_map_settings_add_mbtiles_file (GSettings  *settings,
                                             const char *path);
gboolean   tg_map_settings_remove_mbtiles_file (GSettings  *settings,
                                                const char *path);
/* Where downloaded regions are saved: $XDG_DATA_HOME/testigo/maps. */
char      *tg_map_get_downloads_dir         (void);

G_END_DECLS
