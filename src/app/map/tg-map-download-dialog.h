/* tg-map-download-dialog.h — download a map region for offline use
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "tg-gazetteer.h"

G_BEGIN_DECLS

#define TG_TYPE_MAP_DOWNLOAD_DIALOG (tg_map_download_dialog_get_type ())
G_DECLARE_FINAL_TYPE (TgMapDownloadDialog, tg_map_download_dialog, TG, MAP_DOWNLOAD_DIALOG, AdwWindow)

/* @gazetteer: (nullable): for picking a region by a place's name */
/* @settings: (nullable): the app's settings (the tile URL to download
 * from; the file is added to the map's MBTiles files). */
GtkWidget  *tg_map_download_dialog_new            (TgGazetteer         *gazetteer,
                                                   GSettings           *settings);
/* @name: (nullable): the region's name, used for the file name */
void        tg_map_download_dialog_set_region     (TgMapDownloadDialog *self,
                                                   const char          *name,
                                                   double               west,
                                                   double               south,
                                                   double               east,
                                                   double               north);
void        tg_map_download_dialog_set_zoom_range (TgMapDownloadDialog *self,
                                                   int                  min_zoom,
                                                   int                  max_zoom);
/* The tile count of the region and zooms chosen, 0 when none. */
guint64     tg_map_download_dialog_get_tile_count (TgMapDownloadDialog *self);
/* The file the tiles go to. */
const char *tg_map_download_dialog_get_path       (TgMapDownloadDialog *self);

G_END_DECLS
