/* tg-mbtiles-source.h — an MBTiles file as a libshumate data source
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <shumate/shumate.h>

#include "tg-mbtiles.h"

G_BEGIN_DECLS

#define TG_TYPE_MBTILES_SOURCE (tg_mbtiles_source_get_type ())
G_DECLARE_FINAL_TYPE (TgMbtilesSource, tg_mbtiles_source, TG, MBTILES_SOURCE, ShumateDataSource)

TgMbtilesSource       *tg_mbtiles_source_new             (TgMbtiles        *mbtiles);
/* Opens the file (see tg_mbtiles_open() for the errors). */
TgMbtilesSource       *tg_mbtiles_source_new_for_path    (const char       *path,
                                                          GError          **error);
TgMbtiles             *tg_mbtiles_source_get_mbtiles     (TgMbtilesSource  *self);
/* A raster renderer for a layer over the basemap; its id is unique to the
 * file, its name and licence come from the file's metadata. */
ShumateRasterRenderer *tg_mbtiles_source_create_renderer (TgMbtilesSource  *self);

G_END_DECLS
