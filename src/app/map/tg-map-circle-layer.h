/* tg-map-circle-layer.h — a map layer drawing a location's uncertainty
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <shumate/shumate.h>

G_BEGIN_DECLS

#define TG_TYPE_MAP_CIRCLE_LAYER (tg_map_circle_layer_get_type ())
G_DECLARE_FINAL_TYPE (TgMapCircleLayer, tg_map_circle_layer, TG, MAP_CIRCLE_LAYER, ShumateLayer)

TgMapCircleLayer *tg_map_circle_layer_new          (ShumateViewport  *viewport);
/* A circle of @radius_m metres on the ground around the point; a radius of
 * 0 or less hides it. */
void              tg_map_circle_layer_set_circle   (TgMapCircleLayer *self,
                                                    double            latitude,
                                                    double            longitude,
                                                    double            radius_m);
void              tg_map_circle_layer_clear        (TgMapCircleLayer *self);
gboolean          tg_map_circle_layer_get_visible_circle (TgMapCircleLayer *self);
/* The radius in pixels at the current zoom, 0 when hidden. */
double            tg_map_circle_layer_get_radius_px (TgMapCircleLayer *self);

G_END_DECLS
