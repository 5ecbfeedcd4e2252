/* tg-map-tile-cache.h — the on-disk cache of tiles fetched from a tile server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A cached tile younger than this is used without asking the server. */
#define TG_MAP_TILE_CACHE_MAX_AGE_DEFAULT (30 * 24 * 60 * 60)
/* Tiles larger than this are neither shown nor cached. */
#define TG_MAP_TILE_CACHE_MAX_TILE_BYTES  (4 * 1024 * 1024)

#define TG_TYPE_MAP_TILE_CACHE (tg_map_tile_cache_get_type ())
G_DECLARE_FINAL_TYPE (TgMapTileCache, tg_map_tile_cache, TG, MAP_TILE_CACHE, GObject)

/* $XDG_CACHE_HOME/testigo/tiles.mbtiles */
char           *tg_map_tile_cache_get_default_path (void);

/* Nothing is read or written here: the file is opened (and made, or
 * remade if damaged) by the cache's worker thread on first use. The cache
 * holds the tiles of one server: @source_id (the URL template) is kept in
 * the file, and a file filled from another source is emptied. */
TgMapTileCache *tg_map_tile_cache_new              (const char          *path,
                                                    const char          *source_id,
                                                    gint64               max_bytes);
const char     *tg_map_tile_cache_get_path         (TgMapTileCache      *self);
const char     *tg_map_tile_cache_get_source_id    (TgMapTileCache      *self);

/* Shrinking evicts least recently used tiles on the worker thread; 0
 * empties the cache and stores nothing more. */
void            tg_map_tile_cache_set_max_bytes    (TgMapTileCache      *self,
                                                    gint64               max_bytes);
void            tg_map_tile_cache_set_max_age      (TgMapTileCache      *self,
                                                    gint64               seconds);

/* Finds a tile and marks it used now. Finish returns NULL without an
 * error when the cache has no such tile; @fresh says whether it is younger
 * than the maximum age. */
void            tg_map_tile_cache_lookup_async     (TgMapTileCache      *self,
                                                    int                  zoom,
                                                    int                  x,
                                                    int                  y,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
GBytes         *tg_map_tile_cache_lookup_finish    (TgMapTileCache      *self,
                                                    GAsyncResult        *result,
                                                    gboolean            *fresh,
                                                    GError             **error);
/* Stores a fetched tile, then evicts until the cache fits its size. */
void            tg_map_tile_cache_store_async      (TgMapTileCache      *self,
                                                    int                  zoom,
                                                    int                  x,
                                                    int                  y,
                                                    GBytes              *data,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gboolean        tg_map_tile_cache_store_finish     (TgMapTileCache      *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

/* Blocking (tests, tools): waits until the work queued before it is done. */
void            tg_map_tile_cache_sync             (TgMapTileCache      *self);
/* Blocking: the bytes of tile data held and the number of tiles. */
gint64          tg_map_tile_cache_get_size         (TgMapTileCache      *self,
                                                    gint64              *n_tiles);
gboolean        tg_map_tile_cache_has_tile         (TgMapTileCache      *self,
                                                    int                  zoom,
                                                    int                  x,
                                                    int                  y);
/* What the last eviction did, for the preferences and benchmarks. */
void            tg_map_tile_cache_get_last_eviction (TgMapTileCache     *self,
                                                     guint              *n_tiles,
                                                     gint64             *duration_us);

G_END_DECLS
