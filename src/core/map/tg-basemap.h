/* tg-basemap.h — the built-in offline basemap, rendered locally
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The colours of the built-in map style, as 0xRRGGBB. */
#define TG_BASEMAP_SEA_COLOR    0xaad3df
#define TG_BASEMAP_LAND_COLOR   0xf2efe9
#define TG_BASEMAP_BORDER_COLOR 0x8e4f9e
#define TG_BASEMAP_PLACE_COLOR  0x333333

/* The same for a dark desktop: land a little lighter than libadwaita's
 * dark view, sea darker and bluer, borders and labels light. */
#define TG_BASEMAP_DARK_SEA_COLOR    0x1b2a36
#define TG_BASEMAP_DARK_LAND_COLOR   0x35353a
#define TG_BASEMAP_DARK_BORDER_COLOR 0xc39bd3
#define TG_BASEMAP_DARK_PLACE_COLOR  0xe8e8e8

typedef enum
{
  TG_BASEMAP_STYLE_LIGHT,
  TG_BASEMAP_STYLE_DARK,
} TgBasemapStyle;

#define TG_BASEMAP_MAX_ZOOM 18

#define TG_TYPE_BASEMAP (tg_basemap_get_type ())
G_DECLARE_FINAL_TYPE (TgBasemap, tg_basemap, TG, BASEMAP, GObject)

char       *tg_basemap_default_path     (void);

TgBasemap  *tg_basemap_new              (const char           *path,
                                         GError              **error);
const char *tg_basemap_get_path         (TgBasemap            *self);
const char *tg_basemap_get_attribution  (TgBasemap            *self);
gboolean    tg_basemap_get_show_places  (TgBasemap            *self);
void        tg_basemap_set_show_places  (TgBasemap            *self,
                                         gboolean              show_places);

GBytes     *tg_basemap_render_tile      (TgBasemap            *self,
                                         int                   zoom,
                                         int                   x,
                                         int                   y,
                                         int                   tile_size,
                                         TgBasemapStyle        style,
                                         GError              **error);
void        tg_basemap_render_tile_async  (TgBasemap          *self,
                                           int                 zoom,
                                           int                 x,
                                           int                 y,
                                           int                 tile_size,
                                           TgBasemapStyle      style,
                                           GCancellable       *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer            user_data);
GBytes     *tg_basemap_render_tile_finish (TgBasemap          *self,
                                           GAsyncResult       *result,
                                           GError            **error);

/* Web-mercator slippy-map helpers (tiles as OpenStreetMap numbers them). */
double      tg_basemap_lon_to_tile_x    (double                lon,
                                         int                   zoom);
double      tg_basemap_lat_to_tile_y    (double                lat,
                                         int                   zoom);
double      tg_basemap_tile_x_to_lon    (double                x,
                                         int                   zoom);
double      tg_basemap_tile_y_to_lat    (double                y,
                                         int                   zoom);

G_END_DECLS
