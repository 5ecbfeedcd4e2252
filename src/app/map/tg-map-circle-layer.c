/* tg-map-circle-layer.c — a map layer drawing a location's uncertainty
 *
 * The radius is converted from metres on the ground to pixels by placing a
 * second point that far north of the centre (web mercator is conformal, so
 * the circle stays round at any latitude).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-map-circle-layer"

#include "config.h"

#include <math.h>

#include "tg-map-circle-layer.h"

#define EARTH_RADIUS_M 6371008.8
#define MIN_RADIUS_PX  6.0

struct _TgMapCircleLayer
{
  ShumateLayer  parent_instance;

  double        latitude;
  double        longitude;
  double        radius_m;
  gulong        notify_id;
};

G_DEFINE_FINAL_TYPE (TgMapCircleLayer, tg_map_circle_layer, SHUMATE_TYPE_LAYER)

static gboolean
compute_circle (TgMapCircleLayer *self,
                double           *cx,
                double           *cy,
                double           *radius_px)
{
  ShumateViewport *viewport = shumate_layer_get_viewport (SHUMATE_LAYER (self));
  double nx, ny;
  double north;

  if (self->radius_m <= 0 || viewport == NULL
      || shumate_viewport_get_reference_map_source (viewport) == NULL)
    return FALSE;

  north = self->latitude + (self->radius_m / EARTH_RADIUS_M) * 180.0 / G_PI;
  north = MIN (north, 85.0);

  shumate_viewport_location_to_widget_coords (viewport, GTK_WIDGET (self),
                                              self->latitude, self->longitude,
                                              cx, cy);
  shumate_viewport_location_to_widget_coords (viewport, GTK_WIDGET (self),
                                              north, self->longitude,
                                              &nx, &ny);
  *radius_px = hypot (nx - *cx, ny - *cy);

  return TRUE;
}

static void
viewport_notify_cb (TgMapCircleLayer *self)
{
  if (self->radius_m > 0)
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
tg_map_circle_layer_snapshot (GtkWidget   *widget,
                              GtkSnapshot *snapshot)
{
  TgMapCircleLayer *self = TG_MAP_CIRCLE_LAYER (widget);
  GskRoundedRect outline;
  double cx, cy, r;
  float widths[4];
  GdkRGBA colors[4];
  GdkRGBA fill = { 0.11, 0.44, 0.85, 0.18 };
  GdkRGBA line = { 0.11, 0.44, 0.85, 0.85 };

  if (!compute_circle (self, &cx, &cy, &r))
    return;

  r = MAX (r, MIN_RADIUS_PX);
  /* Nothing to draw when the circle is far bigger than the view. */
  if (r > 100000)
    return;

  gsk_rounded_rect_init_from_rect (&outline,
                                   &GRAPHENE_RECT_INIT (cx - r, cy - r, 2 * r, 2 * r),
                                   r);
  gtk_snapshot_push_rounded_clip (snapshot, &outline);
  gtk_snapshot_append_color (snapshot, &fill, &outline.bounds);
  gtk_snapshot_pop (snapshot);

  for (guint i = 0; i < 4; i++)
    {
      widths[i] = 2;
      colors[i] = line;
    }
  gtk_snapshot_append_border (snapshot, &outline, widths, colors);
}

static void
tg_map_circle_layer_constructed (GObject *object)
{
  TgMapCircleLayer *self = TG_MAP_CIRCLE_LAYER (object);
  ShumateViewport *viewport;

  G_OBJECT_CLASS (tg_map_circle_layer_parent_class)->constructed (object);

  viewport = shumate_layer_get_viewport (SHUMATE_LAYER (self));
  self->notify_id = g_signal_connect_swapped (viewport, "notify",
                                              G_CALLBACK (viewport_notify_cb), self);
}

static void
tg_map_circle_layer_dispose (GObject *object)
{
  TgMapCircleLayer *self = TG_MAP_CIRCLE_LAYER (object);
  ShumateViewport *viewport = shumate_layer_get_viewport (SHUMATE_LAYER (self));

  if (viewport != NULL)
    g_clear_signal_handler (&self->notify_id, viewport);

  G_OBJECT_CLASS (tg_map_circle_layer_parent_class)->dispose (object);
}

static void
tg_map_circle_layer_class_init (TgMapCircleLayerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = tg_map_circle_layer_constructed;
  object_class->dispose = tg_map_circle_layer_dispose;

  widget_class->snapshot = tg_map_circle_layer_snapshot;
}

static void
tg_map_circle_layer_init (TgMapCircleLayer *self)
{
  gtk_widget_set_can_target (GTK_WIDGET (self), FALSE);
}

TgMapCircleLayer *
tg_map_circle_layer_new (ShumateViewport *viewport)
{
  return g_object_new (TG_TYPE_MAP_CIRCLE_LAYER, "viewport", viewport, NULL);
}

void
tg_map_circle_layer_set_circle (TgMapCircleLayer *self,
                                double            latitude,
                                double            longitude,
                                double            radius_m)
{
  g_return_if_fail (TG_IS_MAP_CIRCLE_LAYER (self));

  self->latitude = latitude;
  self->longitude = longitude;
  self->radius_m = isfinite (radius_m) ? radius_m : 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
tg_map_circle_layer_clear (TgMapCircleLayer *self)
{
  g_return_if_fail (TG_IS_MAP_CIRCLE_LAYER (self));

  self->radius_m = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
tg_map_circle_layer_get_visible_circle (TgMapCircleLayer *self)
{
  g_return_val_if_fail (TG_IS_MAP_CIRCLE_LAYER (self), FALSE);

  return self->radius_m > 0;
}

double
tg_map_circle_layer_get_radius_px (TgMapCircleLayer *self)
{
  double cx, cy, r;

  g_return_val_if_fail (TG_IS_MAP_CIRCLE_LAYER (self), 0);

  if (!compute_circle (self, &cx, &cy, &r))
    return 0;

  return r;
}
