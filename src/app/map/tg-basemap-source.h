/* tg-basemap-source.h — the built-in basemap as a libshumate data source
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <shumate/shumate.h>

#include "tg-basemap.h"

G_BEGIN_DECLS

/* The licence line shown under the map for the built-in basemap. */
#define TG_BASEMAP_SOURCE_LICENSE "Natural Earth · GeoNames (CC BY 4.0)"
#define TG_BASEMAP_SOURCE_ID      "testigo-basemap"
#define TG_BASEMAP_SOURCE_TILE_SIZE 256

#define TG_TYPE_BASEMAP_SOURCE (tg_basemap_source_get_type ())
G_DECLARE_FINAL_TYPE (TgBasemapSource, tg_basemap_source, TG, BASEMAP_SOURCE, ShumateDataSource)

TgBasemapSource       *tg_basemap_source_new             (TgBasemap       *basemap,
                                                          gboolean         dark);
/* A raster renderer over this source (zoom 0 to TG_BASEMAP_MAX_ZOOM),
 * for the bottom layer of a ShumateMap. */
ShumateRasterRenderer *tg_basemap_source_create_renderer (TgBasemapSource *self);

G_END_DECLS
