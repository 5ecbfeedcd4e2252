/* tg-online-tile-source.h — raster tiles from a tile server, cached on disk
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <shumate/shumate.h>

#include "tg-map-tile-cache.h"

G_BEGIN_DECLS

#define TG_ONLINE_TILE_SOURCE_ID               "testigo-online"
#define TG_ONLINE_TILE_SOURCE_MAX_ZOOM         19
#define TG_ONLINE_TILE_SOURCE_MAX_CONNECTIONS  4
#define TG_ONLINE_TILE_SOURCE_TIMEOUT_S        20
/* After the server could not be reached, cache misses fail at once for
 * this long instead of each waiting for its own timeout. */
#define TG_ONLINE_TILE_SOURCE_RETRY_S          30

#define TG_TYPE_ONLINE_TILE_SOURCE (tg_online_tile_source_get_type ())
G_DECLARE_FINAL_TYPE (TgOnlineTileSource, tg_online_tile_source, TG, ONLINE_TILE_SOURCE, ShumateDataSource)

/* @url_template: http(s) with {z}, {x} and {y}; @cache may be NULL. */
TgOnlineTileSource    *tg_online_tile_source_new             (const char          *url_template,
                                                              TgMapTileCache      *cache,
                                                              GError             **error);
TgMapTileCache        *tg_online_tile_source_get_cache       (TgOnlineTileSource  *self);
const char            *tg_online_tile_source_get_user_agent  (TgOnlineTileSource  *self);
void                   tg_online_tile_source_set_timeout     (TgOnlineTileSource  *self,
                                                              guint                seconds);
/* Why the last request failed, for a person ("last-error", notified);
 * NULL once a tile came through again. */
const char            *tg_online_tile_source_get_last_error  (TgOnlineTileSource  *self);
/* Requests sent to the server so far. */
guint                  tg_online_tile_source_get_n_requests  (TgOnlineTileSource  *self);
ShumateRasterRenderer *tg_online_tile_source_create_renderer (TgOnlineTileSource  *self);

G_END_DECLS
