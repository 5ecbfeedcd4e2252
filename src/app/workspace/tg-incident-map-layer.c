/* tg-incident-map-layer.c — the coordinator's incidents on the map
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-incident-map-layer"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>

#include "tg-incident-map-layer.h"
#include "tg-map-view-private.h"
#include "tg-ui-util.h"
#include "tg-workspace-view.h"

struct _TgIncidentMapLayer
{
  GObject             parent_instance;

  ShumateMarkerLayer *layer;        /* the map's */
  GListModel         *incidents;
  guint               n_markers;
};

G_DEFINE_FINAL_TYPE (TgIncidentMapLayer, tg_incident_map_layer, G_TYPE_OBJECT)

enum {
  INCIDENT_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char * const status_classes[] = {
  "tg-incident-unverified", "tg-incident-corroborated", "tg-incident-verified", "tg-incident-disputed",
};

static void
marker_clicked_cb (GtkGestureClick    *gesture,
                   int                 n_press,
                   double              x,
                   double              y,
                   TgIncidentMapLayer *self)
{
  GtkWidget *marker = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));
  const char *id = g_object_get_data (G_OBJECT (marker), "tg-incident-id");

  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  if (id != NULL)
    g_signal_emit (self, signals[INCIDENT_ACTIVATED], 0, id);
}

static GtkWidget *
make_marker (TgIncidentMapLayer      *self,
             const TgIncidentSummary *summary)
{
  ShumateMarker *marker = shumate_marker_new ();
  GtkWidget *label;
  GtkGesture *click;
  const char *title = summary->title && *summary->title ? summary->title : _("Untitled incident");
  g_autofree char *count = g_strdup_printf ("%u", summary->n_members);
  g_autofree char *sentence = NULL;

  /* TRANSLATORS: an incident's marker on the map, for screen readers:
   * "Incident: Juliaca, Verified, 3 reports" */
  sentence = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Incident: %s, %s, %u report",
                                           "Incident: %s, %s, %u reports", summary->n_members),
                              title, tg_incident_status_get_label (summary->status), summary->n_members);
  label = gtk_label_new (count);
  gtk_widget_add_css_class (label, "tg-incident-marker");
  if ((guint) summary->status < G_N_ELEMENTS (status_classes))
    gtk_widget_add_css_class (label, status_classes[summary->status]);
  shumate_marker_set_child (marker, label);
  shumate_location_set_location (SHUMATE_LOCATION (marker), summary->latitude, summary->longitude);
  gtk_widget_set_tooltip_text (GTK_WIDGET (marker), sentence);
  tg_ui_set_accessible_label (GTK_WIDGET (marker), sentence);
  g_object_set_data_full (G_OBJECT (marker), "tg-incident-id", g_strdup (summary->incident_id), g_free);

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "released", G_CALLBACK (marker_clicked_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (marker), GTK_EVENT_CONTROLLER (click));
  return GTK_WIDGET (marker);
}

static void
rebuild (TgIncidentMapLayer *self)
{
  guint n = self->incidents ? g_list_model_get_n_items (self->incidents) : 0;

  shumate_marker_layer_remove_all (self->layer);
  self->n_markers = 0;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TgIncidentItem) item = g_list_model_get_item (self->incidents, i);
      const TgIncidentSummary *summary = tg_incident_item_get_summary (item);

      if (isnan (summary->latitude) || isnan (summary->longitude))
        continue;
      shumate_marker_layer_add_marker (self->layer,
                                       SHUMATE_MARKER (make_marker (self, summary)));
      self->n_markers++;
    }
}

static void
tg_incident_map_layer_dispose (GObject *object)
{
  TgIncidentMapLayer *self = TG_INCIDENT_MAP_LAYER (object);

  if (self->incidents != NULL)
    g_signal_handlers_disconnect_by_data (self->incidents, self);
  g_clear_object (&self->incidents);
  g_clear_object (&self->layer);

  G_OBJECT_CLASS (tg_incident_map_layer_parent_class)->dispose (object);
}

static void
tg_incident_map_layer_class_init (TgIncidentMapLayerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tg_incident_map_layer_dispose;

  signals[INCIDENT_ACTIVATED] = g_signal_new ("incident-activated", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
tg_incident_map_layer_init (TgIncidentMapLayer *self)
{
}

TgIncidentMapLayer *
tg_incident_map_layer_attach (TgMapView  *map_view,
                              GListModel *incidents)
{
  ShumateMap *map;
  TgIncidentMapLayer *self;

  g_return_val_if_fail (TG_IS_MAP_VIEW (map_view), NULL);
  g_return_val_if_fail (G_IS_LIST_MODEL (incidents), NULL);

  map = _tg_map_view_get_map (map_view);
  self = g_object_new (TG_TYPE_INCIDENT_MAP_LAYER, NULL);
  self->layer = g_object_ref (shumate_marker_layer_new (shumate_map_get_viewport (map)));
  self->incidents = g_object_ref (incidents);
  g_signal_connect_swapped (incidents, "items-changed", G_CALLBACK (rebuild), self);
  /* Above the report pins: the map keeps the layer. */
  shumate_map_add_layer (map, SHUMATE_LAYER (self->layer));
  rebuild (self);
  return self;
}

void
tg_incident_map_layer_set_visible (TgIncidentMapLayer *self,
                                   gboolean            visible)
{
  g_return_if_fail (TG_IS_INCIDENT_MAP_LAYER (self));
  gtk_widget_set_visible (GTK_WIDGET (self->layer), visible);
}

guint
tg_incident_map_layer_get_n_markers (TgIncidentMapLayer *self)
{
  g_return_val_if_fail (TG_IS_INCIDENT_MAP_LAYER (self), 0);
  return self->n_markers;
}
