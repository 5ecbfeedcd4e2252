/* tg-mbtiles.h — MBTiles 1.3 raster tile files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TG_TYPE_MBTILES (tg_mbtiles_get_type ())
G_DECLARE_FINAL_TYPE (TgMbtiles, tg_mbtiles, TG, MBTILES, GObject)

TgMbtiles  *tg_mbtiles_open           (const char  *path,
                                       GError     **error);
TgMbtiles  *tg_mbtiles_create         (const char  *path,
                                       const char  *name,
                                       const char  *format,
                                       GError     **error);

const char *tg_mbtiles_get_path       (TgMbtiles   *self);
const char *tg_mbtiles_get_name       (TgMbtiles   *self);
const char *tg_mbtiles_get_format     (TgMbtiles   *self);
const char *tg_mbtiles_get_attribution(TgMbtiles   *self);
gboolean    tg_mbtiles_get_bounds     (TgMbtiles   *self,
                                       double      *west,
                                       double      *south,
                                       double      *east,
                                       double      *north);
int         tg_mbtiles_get_min_zoom   (TgMbtiles   *self);
int         tg_mbtiles_get_max_zoom   (TgMbtiles   *self);
char       *tg_mbtiles_dup_metadata   (TgMbtiles   *self,
                                       const char  *key);

/* x and y in slippy-map numbering (y = 0 at the north edge); the TMS row
 * flip of the file format is done inside. */
GBytes     *tg_mbtiles_get_tile       (TgMbtiles   *self,
                                       int          zoom,
                                       int          x,
                                       int          y,
                                       GError     **error);
gboolean    tg_mbtiles_has_tile       (TgMbtiles   *self,
                                       int          zoom,
                                       int          x,
                                       int          y);
gint64      tg_mbtiles_count_tiles    (TgMbtiles   *self,
                                       gint64      *total_bytes);

/* Writing (files made by tg_mbtiles_create() only). */
gboolean    tg_mbtiles_put_tile       (TgMbtiles   *self,
                                       int          zoom,
                                       int          x,
                                       int          y,
                                       GBytes      *data,
                                       GError     **error);
gboolean    tg_mbtiles_set_metadata   (TgMbtiles   *self,
                                       const char  *key,
                                       const char  *value,
                                       GError     **error);
gboolean    tg_mbtiles_set_bounds     (TgMbtiles   *self,
                                       double       west,
                                       double       south,
                                       double       east,
                                       double       north,
                                       int          min_zoom,
                                       int          max_zoom,
                                       GError     **error);

G_END_DECLS
