/* tg-tile-download.h — download a region's map tiles into an MBTiles file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Refuse regions larger than this many tiles. */
#define TG_TILE_DOWNLOAD_MAX_TILES 250000
/* Used for size estimates until the file holds tiles of its own. */
#define TG_TILE_DOWNLOAD_TYPICAL_TILE_BYTES (15 * 1024)

#define TG_TYPE_TILE_DOWNLOAD (tg_tile_download_get_type ())
G_DECLARE_FINAL_TYPE (TgTileDownload, tg_tile_download, TG, TILE_DOWNLOAD, GObject)

gboolean        tg_tile_url_template_is_valid   (const char      *url_template,
                                                 GError         **error);
guint64         tg_tile_region_count            (double           west,
                                                 double           south,
                                                 double           east,
                                                 double           north,
                                                 int              min_zoom,
                                                 int              max_zoom);

TgTileDownload *tg_tile_download_new            (const char      *url_template,
                                                 const char      *mbtiles_path,
                                                 GError         **error);
gboolean        tg_tile_download_set_region     (TgTileDownload  *self,
                                                 double           west,
                                                 double           south,
                                                 double           east,
                                                 double           north,
                                                 int              min_zoom,
                                                 int              max_zoom,
                                                 GError         **error);
void            tg_tile_download_set_name       (TgTileDownload  *self,
                                                 const char      *name);
void            tg_tile_download_set_max_rate   (TgTileDownload  *self,
                                                 double           requests_per_second);
const char     *tg_tile_download_get_user_agent (TgTileDownload  *self);

guint64         tg_tile_download_get_total      (TgTileDownload  *self);
guint64         tg_tile_download_estimate_bytes (TgTileDownload  *self);
guint64         tg_tile_download_get_done       (TgTileDownload  *self);
guint64         tg_tile_download_get_fetched    (TgTileDownload  *self);
guint64         tg_tile_download_get_skipped    (TgTileDownload  *self);

void            tg_tile_download_run_async      (TgTileDownload      *self,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean        tg_tile_download_run_finish     (TgTileDownload      *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);

G_END_DECLS
