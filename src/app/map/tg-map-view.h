/* tg-map-view.h — the map pane: basemap, report markers, location picking
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "tg-store.h"

G_BEGIN_DECLS

#define TG_TYPE_MAP_VIEW (tg_map_view_get_type ())
G_DECLARE_FINAL_TYPE (TgMapView, tg_map_view, TG, MAP_VIEW, GtkWidget)

GtkWidget  *tg_map_view_new                 (void);
/* The app's settings (tile URL, MBTiles files, cache size, units), read
 * and followed; NULL (the default) shows the basemap only. */
void        tg_map_view_set_settings        (TgMapView  *self,
                                             GSettings  *settings);
/* The reports to show as markers (a GListModel of TgReport, e.g. the
 * window's filtered list). */
void        tg_map_view_set_reports         (TgMapView  *self,
                                             GListModel *reports);
/* Highlights a report's marker and its uncertainty circle; NULL for none.
 * The selected report's marker can be dragged: dropping it emits
 * "location-picked". */
void        tg_map_view_set_selected_report (TgMapView  *self,
                                             TgReport   *report);
/* While picking, a click on the map emits "location-picked". */
void        tg_map_view_set_picking         (TgMapView  *self,
                                             gboolean    picking);
gboolean    tg_map_view_get_picking         (TgMapView  *self);
/* Jumps there at once. */
void        tg_map_view_center_on           (TgMapView  *self,
                                             double      latitude,
                                             double      longitude,
                                             double      zoom);
/* The location at the centre of the view and the zoom level. */
void        tg_map_view_get_center          (TgMapView  *self,
                                             double     *latitude,
                                             double     *longitude,
                                             double     *zoom);
/* The box shown, in degrees; FALSE before the view has a size. */
gboolean    tg_map_view_get_bounds          (TgMapView  *self,
                                             double     *west,
                                             double     *south,
                                             double     *east,
                                             double     *north);
/* Opens the window that downloads the region in view for offline use. */
void        tg_map_view_show_download_dialog (TgMapView *self);

/* Signals:
 *   "report-activated" (const char *report_id)  a marker was clicked
 *   "location-picked"  (double lat, double lon)  a click while picking, or
 *                                                the selected marker dragged
 *
 * Actions (for menus and shortcuts): "map.zoom-in", "map.zoom-out",
 * "map.download-region", "map.search" (focuses the place search).
 */

G_END_DECLS
