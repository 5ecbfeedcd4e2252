/* tg-map-view.c — the map pane
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-map-view"

#include "config.h"

#include <shumate/shumate.h>

#include "tg-map-view.h"

struct _TgMapView
{
  GtkWidget          parent_instance;

  ShumateSimpleMap  *map;
  GListModel        *reports;
  TgReport          *selected;
  gboolean           picking;
};

G_DEFINE_FINAL_TYPE (TgMapView, tg_map_view, GTK_TYPE_WIDGET)

enum {
  REPORT_ACTIVATED,
  LOCATION_PICKED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
tg_map_view_dispose (GObject *object)
{
  TgMapView *self = (TgMapView *) object;

  g_clear_pointer ((GtkWidget **) &self->map, gtk_widget_unparent);
  g_clear_object (&self->reports);
  g_clear_object (&self->selected);

  G_OBJECT_CLASS (tg_map_view_parent_class)->dispose (object);
}

static void
tg_map_view_class_init (TgMapViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tg_map_view_dispose;

  signals[REPORT_ACTIVATED] =
    g_signal_new ("report-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[LOCATION_PICKED] =
    g_signal_new ("location-picked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_DOUBLE, G_TYPE_DOUBLE);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "tgmapview");
}

static void
tg_map_view_init (TgMapView *self)
{
  self->map = shumate_simple_map_new ();
  gtk_widget_set_parent (GTK_WIDGET (self->map), GTK_WIDGET (self));
}

GtkWidget *
tg_map_view_new (void)
{
  return g_object_new (TG_TYPE_MAP_VIEW, NULL);
}

void
tg_map_view_set_reports (TgMapView  *self,
                         GListModel *reports)
{
  g_return_if_fail (TG_IS_MAP_VIEW (self));
  g_set_object (&self->reports, reports);
}

void
tg_map_view_set_selected_report (TgMapView *self,
                                 TgReport  *report)
{
  g_return_if_fail (TG_IS_MAP_VIEW (self));
  g_set_object (&self->selected, report);
}

void
tg_map_view_set_picking (TgMapView *self,
                         gboolean   picking)
{
  g_return_if_fail (TG_IS_MAP_VIEW (self));
  self->picking = picking;
}

gboolean
tg_map_view_get_picking (TgMapView *self)
{
  g_return_val_if_fail (TG_IS_MAP_VIEW (self), FALSE);
  return self->picking;
}

void
tg_map_view_center_on (TgMapView *self,
                       double     latitude,
                       double     longitude,
                       double     zoom)
{
  ShumateMap *map;

  g_return_if_fail (TG_IS_MAP_VIEW (self));

  map = shumate_simple_map_get_map (self->map);
  shumate_map_go_to_full (map, latitude, longitude, zoom);
}
