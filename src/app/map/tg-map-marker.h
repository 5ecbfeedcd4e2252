/* tg-map-marker.h — report and cluster markers for the map
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <shumate/shumate.h>

#include "tg-report.h"
#include "tg-store.h"

G_BEGIN_DECLS

#define TG_TYPE_MAP_MARKER (tg_map_marker_get_type ())
G_DECLARE_FINAL_TYPE (TgMapMarker, tg_map_marker, TG, MAP_MARKER, ShumateMarker)

/* A pin for one report, coloured by its first category. */
TgMapMarker *tg_map_marker_new_for_report   (TgReport    *report,
                                             gboolean     selected);
/* The same pin from the store's summary of a report (not selected), with
 * the report's id and title (its tooltip). */
TgMapMarker *tg_map_marker_new_for_location (const TgReportLocation *location,
                                             const char  *report_id,
                                             const char  *title);
/* A disc with the number of reports it stands for; @color NULL for a
 * neutral colour (the members differ in category). */
TgMapMarker *tg_map_marker_new_for_cluster  (double       latitude,
                                             double       longitude,
                                             guint        count,
                                             const GdkRGBA *color);

/* NULL for a cluster. */
const char  *tg_map_marker_get_report_id    (TgMapMarker *self);
/* 1 for a report's pin. */
guint        tg_map_marker_get_count        (TgMapMarker *self);
gboolean     tg_map_marker_get_selected     (TgMapMarker *self);
void         tg_map_marker_get_color        (TgMapMarker *self,
                                             GdkRGBA     *color);

/* The colour of a category code of the categories vocabulary; unknown
 * codes and NULL get the colour of "other". */
void         tg_map_category_color          (const char  *category,
                                             GdkRGBA     *color);

G_END_DECLS
