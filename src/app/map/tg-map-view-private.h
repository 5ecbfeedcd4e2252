/* tg-map-view-private.h — TgMapView internals, for tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <shumate/shumate.h>

#include "tg-map-circle-layer.h"
#include "tg-map-search.h"
#include "tg-map-view.h"
#include "tg-online-tile-source.h"

G_BEGIN_DECLS

ShumateMap       *_tg_map_view_get_map          (TgMapView *self);
TgMapCircleLayer *_tg_map_view_get_circle_layer (TgMapView *self);
TgMapSearch      *_tg_map_view_get_search       (TgMapView *self);
/* Rebuilds the markers now instead of after the debounce delay. */
void              _tg_map_view_update_markers   (TgMapView *self);
ShumateMapLayer  *_tg_map_view_get_basemap_layer (TgMapView *self);
/* The online tiles' layer and source, NULL while no template is set. */
ShumateMapLayer  *_tg_map_view_get_online_layer  (TgMapView *self);
TgOnlineTileSource *_tg_map_view_get_online_source (TgMapView *self);
/* The note shown over the map when the tile server fails. */
GtkWidget        *_tg_map_view_get_online_label  (TgMapView *self);
/* The markers shown (TgMapMarker), owned by the view. */
GPtrArray        *_tg_map_view_get_markers      (TgMapView *self);
/* What a primary click at (x, y) in the map widget's coordinates does. */
void              _tg_map_view_click_at         (TgMapView *self,
                                                 double     x,
                                                 double     y);
/* Drags the selected report's marker by (dx, dy) pixels and drops it. */
gboolean          _tg_map_view_drag_selected    (TgMapView *self,
                                                 double     dx,
                                                 double     dy);

G_END_DECLS
