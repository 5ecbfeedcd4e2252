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
/* The reports to show as markers (a GListModel of TgReport, e.g. the
 * window's filtered list). */
void        tg_map_view_set_reports         (TgMapView  *self,
                                             GListModel *reports);
/* Highlights a report's marker and its uncertainty circle; NULL for none. */
void        tg_map_view_set_selected_report (TgMapView  *self,
                                             TgReport   *report);
/* While picking, a click on the map emits "location-picked". */
void        tg_map_view_set_picking         (TgMapView  *self,
                                             gboolean    picking);
gboolean    tg_map_view_get_picking         (TgMapView  *self);
void        tg_map_view_center_on           (TgMapView  *self,
                                             double      latitude,
                                             double      longitude,
                                             double      zoom);

/* Signals:
 *   "report-activated" (const char *report_id)  a marker was clicked
 *   "location-picked"  (double lat, double lon)  a click while picking, or
 *                                                the selected marker dragged
 */

G_END_DECLS
