/* tg-map-view.c — the map pane
 *
 * Layers, bottom up: the built-in basemap (TgBasemapSource, rendered
 * locally so the map is never blank), the online tiles of the
 * "tile-url-template" setting when one is set (TgOnlineTileSource, cached
 * on disk within "tile-cache-size-mb"), the MBTiles files of the
 * "mbtiles-files" setting, the selected report's uncertainty circle, and
 * the report markers, clustered per zoom level. Over the map: the place
 * search, zoom and download buttons, the scale and the licence line.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-map-view"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>
#include <shumate/shumate.h>

#include "tg-basemap-source.h"
#include "tg-cluster.h"
#include "tg-gazetteer.h"
#include "tg-map-circle-layer.h"
#include "tg-map-download-dialog.h"
#include "tg-map-marker.h"
#include "tg-map-search.h"
#include "tg-map-util.h"
#include "tg-map-view-private.h"
#include "tg-map-view.h"
#include "tg-mbtiles-source.h"
#include "tg-online-tile-source.h"

#define CLUSTER_CELL_PX     56.0
#define RECLUSTER_DELAY_MS  80
#define DRAG_THRESHOLD_PX   3.0
#define DEFAULT_LATITUDE    (-14.5)
#define DEFAULT_LONGITUDE   (-72.5)
#define DEFAULT_ZOOM        5.0
/* A place picked from the list of places or a photo is shown at least
 * this close: streets and the next village. */
#define FOLLOW_MIN_ZOOM     13.0

struct _TgMapView
{
  GtkWidget            parent_instance;

  GtkWidget           *overlay;
  ShumateMap          *map;
  ShumateViewport     *viewport;
  ShumateLicense      *license;
  ShumateScale        *scale;
  GtkWidget           *search;
  GtkWidget           *error_label;
  GtkWidget           *online_label;

  TgBasemap           *basemap;
  TgGazetteer         *gazetteer;
  ShumateMapSource    *basemap_renderer;
  ShumateMapLayer     *basemap_layer;
  gboolean             basemap_dark;
  TgMapTileCache      *tile_cache;
  TgOnlineTileSource  *online_source;
  ShumateMapSource    *online_renderer;
  ShumateMapLayer     *online_layer;
  GPtrArray           *mbtiles_layers;    /* ShumateMapLayer */
  GPtrArray           *mbtiles_renderers; /* ShumateMapSource */
  TgMapCircleLayer    *circle_layer;
  ShumateMarkerLayer  *marker_layer;
  GPtrArray           *markers;           /* TgMapMarker */

  GSettings           *settings;

  GListModel          *reports;
  GCancellable        *locations_cancellable;  /* positions being read */
  GArray              *locations;   /* of TgReportLocation, NULL until needed */
  double               clustered_latitude;
  double               clustered_longitude;
  gulong               items_changed_id;
  TgReport            *selected;
  gulong               selected_changed_id;
  TgMapMarker         *selected_marker;
  double               selected_latitude;   /* where the selected report was, to see it move */
  double               selected_longitude;
  guint                update_id;
  int                  cluster_zoom;

  double               drag_x0;
  double               drag_y0;
  gboolean             dragging;

  gboolean             picking;
};

G_DEFINE_FINAL_TYPE (TgMapView, tg_map_view, GTK_TYPE_WIDGET)

enum {
  REPORT_ACTIVATED,
  LOCATION_PICKED,
  LOCATIONS_LOADED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void schedule_update (TgMapView *self);
static void fly_to          (TgMapView *self,
                             double     latitude,
                             double     longitude,
                             double     zoom);

/* Helpers */

static void
reload_mbtiles_layers (TgMapView *self)
{
  g_auto(GStrv) files = NULL;

  for (guint i = 0; i < self->mbtiles_layers->len; i++)
    shumate_map_remove_layer (self->map, g_ptr_array_index (self->mbtiles_layers, i));
  for (guint i = 0; i < self->mbtiles_renderers->len; i++)
    shumate_license_remove_map_source (self->license,
                                       g_ptr_array_index (self->mbtiles_renderers, i));
  g_ptr_array_set_size (self->mbtiles_layers, 0);
  g_ptr_array_set_size (self->mbtiles_renderers, 0);

  if (self->settings == NULL)
    return;

  files = g_settings_get_strv (self->settings, "mbtiles-files");
  for (guint i = 0; files[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TgMbtilesSource) source = NULL;
      g_autoptr(ShumateRasterRenderer) renderer = NULL;
      ShumateMapLayer *layer;

      source = tg_mbtiles_source_new_for_path (files[i], &error);
      if (source == NULL)
        {
          g_warning ("Map layer %s not shown: %s", files[i], error->message);
          continue;
        }

      renderer = tg_mbtiles_source_create_renderer (source);
      layer = shumate_map_layer_new (SHUMATE_MAP_SOURCE (renderer), self->viewport);
      /* Each one goes above the ones before and below the markers. */
      shumate_map_insert_layer_behind (self->map, SHUMATE_LAYER (layer),
                                       SHUMATE_LAYER (self->circle_layer));
      g_ptr_array_add (self->mbtiles_layers, layer);
      if (tg_mbtiles_get_attribution (tg_mbtiles_source_get_mbtiles (source)) != NULL)
        shumate_license_append_map_source (self->license, SHUMATE_MAP_SOURCE (renderer));
      g_ptr_array_add (self->mbtiles_renderers, g_steal_pointer (&renderer));
    }
}

/* The built-in basemap follows the desktop's style: on a dark desktop a
 * light map would glare. The layer is replaced in place, so the online
 * and MBTiles layers stay above it. */
static void
style_dark_changed_cb (TgMapView *self)
{
  gboolean dark = adw_style_manager_get_dark (adw_style_manager_get_default ());
  g_autoptr(TgBasemapSource) source = NULL;
  ShumateMapSource *renderer;
  ShumateMapLayer *layer;

  if (self->basemap == NULL || dark == self->basemap_dark)
    return;
  self->basemap_dark = dark;

  source = tg_basemap_source_new (self->basemap, dark);
  renderer = SHUMATE_MAP_SOURCE (tg_basemap_source_create_renderer (source));
  layer = shumate_map_layer_new (renderer, self->viewport);
  shumate_map_insert_layer_behind (self->map, SHUMATE_LAYER (layer),
                                   SHUMATE_LAYER (self->basemap_layer));
  shumate_map_remove_layer (self->map, SHUMATE_LAYER (self->basemap_layer));
  self->basemap_layer = layer;

  shumate_map_set_map_source (self->map, renderer);
  shumate_license_remove_map_source (self->license, self->basemap_renderer);
  shumate_license_append_map_source (self->license, renderer);
  g_set_object (&self->basemap_renderer, renderer);
  g_object_unref (renderer);
}

static gint64
cache_max_bytes (TgMapView *self)
{
  return (gint64) g_settings_get_int (self->settings, "tile-cache-size-mb") * 1024 * 1024;
}

static void
online_error_cb (TgMapView *self)
{
  const char *message = NULL;

  if (self->online_source != NULL)
    message = tg_online_tile_source_get_last_error (self->online_source);

  if (message != NULL)
    {
      g_autofree char *text =
        g_strdup_printf (_("Online map unavailable: %s. Showing saved tiles and the built-in map."),
                         message);

      gtk_label_set_text (GTK_LABEL (self->online_label), text);
    }
  gtk_widget_set_visible (self->online_label, message != NULL);
}

static void
remove_online_layer (TgMapView *self)
{
  if (self->online_layer != NULL)
    shumate_map_remove_layer (self->map, SHUMATE_LAYER (self->online_layer));
  if (self->online_source != NULL)
    g_signal_handlers_disconnect_by_data (self->online_source, self);
  self->online_layer = NULL;
  g_clear_object (&self->online_renderer);
  g_clear_object (&self->online_source);
  if (self->online_label != NULL)
    gtk_widget_set_visible (self->online_label, FALSE);
}

/* The online layer sits right above the basemap and below the MBTiles
 * files: a person's own files win over the server's tiles. */
static void
reload_online_layer (TgMapView *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url_template = NULL;
  g_autoptr(ShumateRasterRenderer) renderer = NULL;

  remove_online_layer (self);

  if (self->settings == NULL)
    return;

  url_template = g_strstrip (g_settings_get_string (self->settings, "tile-url-template"));
  if (*url_template == '\0')
    {
      g_clear_object (&self->tile_cache);
      return;
    }

  if (self->tile_cache == NULL ||
      g_strcmp0 (tg_map_tile_cache_get_source_id (self->tile_cache), url_template) != 0)
    {
      g_autofree char *path = tg_map_tile_cache_get_default_path ();

      g_clear_object (&self->tile_cache);
      self->tile_cache = tg_map_tile_cache_new (path, url_template, cache_max_bytes (self));
    }

  self->online_source = tg_online_tile_source_new (url_template, self->tile_cache, &error);
  if (self->online_source == NULL)
    {
      g_message ("Online map layer not shown: %s", error->message);
      gtk_label_set_text (GTK_LABEL (self->online_label), error->message);
      gtk_widget_set_visible (self->online_label, TRUE);
      return;
    }
  g_signal_connect_swapped (self->online_source, "notify::last-error",
                            G_CALLBACK (online_error_cb), self);

  renderer = tg_online_tile_source_create_renderer (self->online_source);
  self->online_renderer = SHUMATE_MAP_SOURCE (g_steal_pointer (&renderer));
  self->online_layer = shumate_map_layer_new (self->online_renderer, self->viewport);
  shumate_map_insert_layer_above (self->map, SHUMATE_LAYER (self->online_layer),
                                  SHUMATE_LAYER (self->basemap_layer));
}

static void
update_circle (TgMapView *self)
{
  if (self->selected != NULL && tg_report_has_location (self->selected))
    {
      double lat = tg_report_get_latitude (self->selected);
      double lon = tg_report_get_longitude (self->selected);

      if (self->selected_marker != NULL)
        {
          lat = shumate_location_get_latitude (SHUMATE_LOCATION (self->selected_marker));
          lon = shumate_location_get_longitude (SHUMATE_LOCATION (self->selected_marker));
        }
      tg_map_circle_layer_set_circle (self->circle_layer, lat, lon,
                                      tg_report_get_uncertainty (self->selected));
    }
  else
    tg_map_circle_layer_clear (self->circle_layer);
}

static void
marker_pressed_cb (GtkGestureClick *gesture,
                   int              n_press,
                   double           x,
                   double           y,
                   TgMapView       *self)
{
  /* While picking, a click on a marker sets the location like any click
   * on the map: leave the event to the map's gesture. */
  if (self->picking)
    return;

  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static void
activate_marker (TgMapView   *self,
                 TgMapMarker *marker)
{
  const char *report_id = tg_map_marker_get_report_id (marker);

  if (report_id != NULL)
    {
      g_signal_emit (self, signals[REPORT_ACTIVATED], 0, report_id);
    }
  else
    {
      /* A cluster: zoom in on it until it comes apart. */
      double zoom = shumate_viewport_get_zoom_level (self->viewport);

      fly_to (self,
              shumate_location_get_latitude (SHUMATE_LOCATION (marker)),
              shumate_location_get_longitude (SHUMATE_LOCATION (marker)),
              MIN (floor (zoom) + 2, TG_BASEMAP_MAX_ZOOM));
    }
}

static void
marker_released_cb (GtkGestureClick *gesture,
                    int              n_press,
                    double           x,
                    double           y,
                    TgMapView       *self)
{
  GtkWidget *marker = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));

  if (self->picking)
    return;

  activate_marker (self, TG_MAP_MARKER (marker));
}

static gboolean
begin_drag (TgMapView *self)
{
  if (self->selected_marker == NULL)
    return FALSE;

  shumate_viewport_location_to_widget_coords (self->viewport, GTK_WIDGET (self->map),
                                              shumate_location_get_latitude (SHUMATE_LOCATION (self->selected_marker)),
                                              shumate_location_get_longitude (SHUMATE_LOCATION (self->selected_marker)),
                                              &self->drag_x0, &self->drag_y0);
  self->dragging = TRUE;

  return TRUE;
}

static void
drag_begin_cb (GtkGestureDrag *gesture,
               double          x,
               double          y,
               TgMapView      *self)
{
  /* Claiming the sequence keeps the map from panning under the pin. */
  if (begin_drag (self))
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  else
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
}

static void
move_selected_marker (TgMapView *self,
                      double     dx,
                      double     dy,
                      double    *latitude,
                      double    *longitude)
{
  shumate_viewport_widget_coords_to_location (self->viewport, GTK_WIDGET (self->map),
                                              self->drag_x0 + dx, self->drag_y0 + dy,
                                              latitude, longitude);
  shumate_location_set_location (SHUMATE_LOCATION (self->selected_marker), *latitude, *longitude);
  update_circle (self);
}

static void
drag_update_cb (GtkGestureDrag *gesture,
                double          dx,
                double          dy,
                TgMapView      *self)
{
  double lat, lon;

  if (!self->dragging || self->selected_marker == NULL)
    return;

  move_selected_marker (self, dx, dy, &lat, &lon);
}

static void
drag_end_cb (GtkGestureDrag *gesture,
             double          dx,
             double          dy,
             TgMapView      *self)
{
  double lat, lon;

  if (!self->dragging || self->selected_marker == NULL)
    return;

  self->dragging = FALSE;
  if (hypot (dx, dy) < DRAG_THRESHOLD_PX)
    {
      if (!self->picking)
        activate_marker (self, self->selected_marker);
      return;
    }

  move_selected_marker (self, dx, dy, &lat, &lon);
  g_signal_emit (self, signals[LOCATION_PICKED], 0, lat, lon);
}

static void
add_marker (TgMapView   *self,
            TgMapMarker *marker)
{
  GtkGesture *gesture;

  if (tg_map_marker_get_selected (marker))
    {
      gesture = gtk_gesture_drag_new ();
      gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_PRIMARY);
      g_signal_connect (gesture, "drag-begin", G_CALLBACK (drag_begin_cb), self);
      g_signal_connect (gesture, "drag-update", G_CALLBACK (drag_update_cb), self);
      g_signal_connect (gesture, "drag-end", G_CALLBACK (drag_end_cb), self);
      gtk_widget_add_controller (GTK_WIDGET (marker), GTK_EVENT_CONTROLLER (gesture));
      gtk_widget_set_cursor_from_name (GTK_WIDGET (marker), "grab");
    }
  else
    {
      gesture = gtk_gesture_click_new ();
      gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_PRIMARY);
      g_signal_connect (gesture, "pressed", G_CALLBACK (marker_pressed_cb), self);
      g_signal_connect (gesture, "released", G_CALLBACK (marker_released_cb), self);
      gtk_widget_add_controller (GTK_WIDGET (marker), GTK_EVENT_CONTROLLER (gesture));
    }

  shumate_marker_layer_add_marker (self->marker_layer, SHUMATE_MARKER (marker));
  g_ptr_array_add (self->markers, marker);
}

static const char *
first_category (TgReport *report)
{
  const char * const *categories = tg_report_get_categories (report);

  return categories != NULL ? categories[0] : NULL;
}

/* A location's report: from a store's list, looked up by row id; from any
 * other model, location->rowid is the item's position (see
 * update_markers). */
static gboolean
location_label (TgMapView              *self,
                const TgReportLocation *location,
                char                  **id,
                char                  **title)
{
  g_autoptr(TgReport) report = NULL;

  if (TG_IS_REPORT_LIST (self->reports))
    {
      g_autoptr(GError) error = NULL;

      if (tg_store_get_report_label (tg_report_list_get_store (TG_REPORT_LIST (self->reports)),
                                     location->rowid, id, title, &error))
        return TRUE;
      /* The report changed or went since the positions were read; the
       * list's change brings a new reading. */
      if (!g_error_matches (error, TG_ERROR, TG_ERROR_NOT_FOUND))
        g_warning ("Could not label a marker: %s", error->message);
      return FALSE;
    }

  if (self->reports == NULL ||
      !(report = g_list_model_get_item (self->reports, (guint) location->rowid)))
    return FALSE;
  *id = g_strdup (tg_report_get_id (report));
  *title = g_strdup (tg_report_get_title (report));
  return TRUE;
}

/* The location key of the selected report, or -1 when it has none. */
static gint64
selected_key (TgMapView *self)
{
  const char *selected_id;

  if (self->selected == NULL)
    return -1;
  selected_id = tg_report_get_id (self->selected);
  if (TG_IS_REPORT_LIST (self->reports))
    {
      gint64 rowid = tg_store_lookup_rowid (tg_report_list_get_store (TG_REPORT_LIST (self->reports)),
                                            selected_id);
      return rowid != 0 ? rowid : -1;
    }
  for (guint i = 0; self->reports != NULL && i < g_list_model_get_n_items (self->reports); i++)
    {
      g_autoptr(TgReport) report = g_list_model_get_item (self->reports, i);

      if (g_strcmp0 (tg_report_get_id (report), selected_id) == 0)
        return i;
    }
  return -1;
}

static void update_markers (TgMapView *self);

static void
cancel_locations (TgMapView *self)
{
  if (self->locations_cancellable != NULL)
    g_cancellable_cancel (self->locations_cancellable);
  g_clear_object (&self->locations_cancellable);
  g_clear_pointer (&self->locations, g_array_unref);
}

static void
locations_ready_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(TgMapView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) locations = NULL;

  locations = tg_report_list_query_locations_finish (TG_REPORT_LIST (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;  /* the list changed meanwhile: a newer query is on its way */

  g_clear_object (&self->locations_cancellable);
  if (locations == NULL)
    g_warning ("Could not place the reports on the map: %s", error->message);
  else
    {
      g_clear_pointer (&self->locations, g_array_unref);
      self->locations = g_steal_pointer (&locations);
      update_markers (self);
    }
  g_signal_emit (self, signals[LOCATIONS_LOADED], 0);
}

static void
update_markers (TgMapView *self)
{
  g_autoptr(GArray) points = NULL;
  g_autoptr(GArray) located = NULL;  /* indices into self->locations */
  g_autoptr(GArray) clusters = NULL;
  double west, south, east, north;
  g_autofree guint *membership = NULL;
  gint64 selected = -1;
  int zoom;

  g_clear_handle_id (&self->update_id, g_source_remove);

  self->dragging = FALSE;
  self->selected_marker = NULL;
  shumate_marker_layer_remove_all (self->marker_layer);
  g_ptr_array_set_size (self->markers, 0);

  zoom = (int) floor (shumate_viewport_get_zoom_level (self->viewport));
  self->cluster_zoom = zoom;

  points = g_array_new (FALSE, FALSE, sizeof (TgClusterPoint));
  located = g_array_new (FALSE, FALSE, sizeof (guint));

  /* Only what is on screen, and a screen's width around it, is clustered;
   * panning further brings an update (see viewport_moved_cb). */
  if (!tg_map_view_get_bounds (self, &west, &south, &east, &north))
    {
      west = -180; east = 180; south = -85.05; north = 85.05;
    }
  else
    {
      double dx = east - west, dy = north - south;

      west -= dx; east += dx; south -= dy; north += dy;
    }
  self->clustered_latitude = shumate_location_get_latitude (SHUMATE_LOCATION (self->viewport));
  self->clustered_longitude = shumate_location_get_longitude (SHUMATE_LOCATION (self->viewport));

  /* A report list from the store gives every position in one query,
   * without loading 100,000 reports, on a worker thread: the window shows
   * at once and the markers follow (see locations_ready_cb). Any other
   * model is read item by item. */
  if (self->locations == NULL && TG_IS_REPORT_LIST (self->reports))
    {
      if (self->locations_cancellable == NULL)
        {
          self->locations_cancellable = g_cancellable_new ();
          tg_report_list_query_locations_async (TG_REPORT_LIST (self->reports),
                                                self->locations_cancellable,
                                                locations_ready_cb, g_object_ref (self));
        }
    }
  else if (self->locations == NULL && self->reports != NULL)
    {
      guint n_items = g_list_model_get_n_items (self->reports);

      self->locations = g_array_new (FALSE, FALSE, sizeof (TgReportLocation));
      for (guint i = 0; i < n_items; i++)
        {
          g_autoptr(TgReport) report = g_list_model_get_item (self->reports, i);
          TgReportLocation location = { 0 };

          if (!tg_report_has_location (report))
            continue;
          location.rowid = i;
          location.category = first_category (report) ? g_intern_string (first_category (report)) : NULL;
          location.latitude = tg_report_get_latitude (report);
          location.longitude = tg_report_get_longitude (report);
          g_array_append_val (self->locations, location);
        }
    }

  if (self->locations != NULL)
    selected = selected_key (self);
  for (guint i = 0; self->locations != NULL && i < self->locations->len; i++)
    {
      const TgReportLocation *location = &g_array_index (self->locations, TgReportLocation, i);
      TgClusterPoint point;

      /* The selected report is drawn by itself, above the rest. */
      if (location->rowid == selected)
        continue;
      if (location->latitude < south || location->latitude > north ||
          location->longitude < west || location->longitude > east)
        continue;

      point.latitude = location->latitude;
      point.longitude = location->longitude;
      g_array_append_val (points, point);
      g_array_append_val (located, i);
    }

  if (points->len > 0)
    clusters = tg_cluster_points ((const TgClusterPoint *) (gpointer) points->data,
                                  points->len, zoom, CLUSTER_CELL_PX, &membership);

  for (guint c = 0; clusters != NULL && c < clusters->len; c++)
    {
      const TgCluster *cluster = &g_array_index (clusters, TgCluster, c);
      const TgReportLocation *first = &g_array_index (self->locations, TgReportLocation,
                                                      g_array_index (located, guint, cluster->first));

      if (cluster->count == 1)
        {
          g_autofree char *id = NULL;
          g_autofree char *title = NULL;

          if (location_label (self, first, &id, &title))
            add_marker (self, tg_map_marker_new_for_location (first, id, title));
        }
      else
        {
          gboolean same = TRUE;
          GdkRGBA color;

          for (guint i = 0; same && i < located->len; i++)
            if (membership[i] == c &&
                g_array_index (self->locations, TgReportLocation,
                               g_array_index (located, guint, i)).category != first->category)
              same = FALSE;

          tg_map_category_color (first->category, &color);
          add_marker (self, tg_map_marker_new_for_cluster (cluster->latitude,
                                                           cluster->longitude,
                                                           cluster->count,
                                                           same ? &color : NULL));
        }
    }

  if (self->selected != NULL && tg_report_has_location (self->selected))
    {
      self->selected_marker = tg_map_marker_new_for_report (self->selected, TRUE);
      add_marker (self, self->selected_marker);
    }

  update_circle (self);
}

static gboolean
update_timeout_cb (gpointer user_data)
{
  TgMapView *self = user_data;

  self->update_id = 0;
  update_markers (self);

  return G_SOURCE_REMOVE;
}

static void
schedule_update (TgMapView *self)
{
  if (self->update_id != 0)
    return;

  self->update_id = g_timeout_add (RECLUSTER_DELAY_MS, update_timeout_cb, self);
}

/* Callbacks */

static void
zoom_changed_cb (TgMapView *self)
{
  int zoom = (int) floor (shumate_viewport_get_zoom_level (self->viewport));

  if (zoom != self->cluster_zoom && !self->dragging)
    schedule_update (self);
}

static void
reports_changed_cb (TgMapView  *self,
                    guint       position,
                    guint       removed,
                    guint       added,
                    GListModel *model)
{
  cancel_locations (self);
  schedule_update (self);
}

/* Markers are made for the area around the view: moving further than
 * half of it brings them up to date. */
static void
viewport_moved_cb (TgMapView *self)
{
  double lat = shumate_location_get_latitude (SHUMATE_LOCATION (self->viewport));
  double lon = shumate_location_get_longitude (SHUMATE_LOCATION (self->viewport));
  double west, south, east, north;

  if (self->dragging || !tg_map_view_get_bounds (self, &west, &south, &east, &north))
    return;
  if (fabs (lat - self->clustered_latitude) > (north - south) / 2 ||
      fabs (lon - self->clustered_longitude) > (east - west) / 2)
    schedule_update (self);
}

static void
remember_selected_location (TgMapView *self)
{
  gboolean has = self->selected != NULL && tg_report_has_location (self->selected);

  self->selected_latitude = has ? tg_report_get_latitude (self->selected) : NAN;
  self->selected_longitude = has ? tg_report_get_longitude (self->selected) : NAN;
}

/* The selected report got a place from the list of places or from a
 * photo: the map goes there. A place set on the map itself (a click, a
 * dragged pin) is already in view, and typed coordinates change with
 * every key, so those leave the view alone. */
static void
follow_selected (TgMapView *self)
{
  double latitude = self->selected_latitude;
  double longitude = self->selected_longitude;
  TgLocationMethod method;

  remember_selected_location (self);
  if (isnan (self->selected_latitude) ||
      (self->selected_latitude == latitude && self->selected_longitude == longitude))
    return;

  method = tg_report_get_location_method (self->selected);
  if (method != TG_LOCATION_METHOD_GAZETTEER && method != TG_LOCATION_METHOD_PHOTO)
    return;
  fly_to (self, self->selected_latitude, self->selected_longitude,
          MAX (shumate_viewport_get_zoom_level (self->viewport), FOLLOW_MIN_ZOOM));
}

static void
selected_changed_cb (TgMapView *self)
{
  if (self->dragging)
    return;

  follow_selected (self);

  if (self->selected_marker != NULL && tg_report_has_location (self->selected))
    {
      shumate_location_set_location (SHUMATE_LOCATION (self->selected_marker),
                                     tg_report_get_latitude (self->selected),
                                     tg_report_get_longitude (self->selected));
      update_circle (self);
    }
  else
    schedule_update (self);
}

static void
map_click_released_cb (GtkGestureClick *gesture,
                       int              n_press,
                       double           x,
                       double           y,
                       TgMapView       *self)
{
  if (n_press != 1)
    return;

  _tg_map_view_click_at (self, x, y);
}

static void
update_units (TgMapView *self)
{
  g_autofree char *units = self->settings ? g_settings_get_string (self->settings, "units") : NULL;

  shumate_scale_set_unit (self->scale, g_strcmp0 (units, "imperial") == 0
                                         ? SHUMATE_UNIT_IMPERIAL : SHUMATE_UNIT_METRIC);
}

static void
settings_changed_cb (TgMapView  *self,
                     const char *key)
{
  if (g_strcmp0 (key, "mbtiles-files") == 0)
    reload_mbtiles_layers (self);
  else if (g_strcmp0 (key, "units") == 0)
    update_units (self);
  else if (g_strcmp0 (key, "tile-url-template") == 0)
    reload_online_layer (self);
  else if (g_strcmp0 (key, "tile-cache-size-mb") == 0 && self->tile_cache != NULL)
    tg_map_tile_cache_set_max_bytes (self->tile_cache, cache_max_bytes (self));
}

static void
place_chosen_cb (TgMapView        *self,
                 TgGazetteerPlace *place)
{
  gint64 population = tg_gazetteer_place_get_population (place);
  double zoom;

  /* Cities get a wider view than villages. */
  if (population >= 1000000)
    zoom = 10;
  else if (population >= 100000)
    zoom = 12;
  else
    zoom = 13;

  fly_to (self,
          tg_gazetteer_place_get_latitude (place),
          tg_gazetteer_place_get_longitude (place),
          zoom);
}

static void
search_focus_cb (TgMapView *self)
{
  g_autoptr(TgGazetteerPlace) near = NULL;
  double lat, lon, zoom;

  if (self->gazetteer == NULL)
    return;

  /* Rank places of the country in view first. */
  tg_map_view_get_center (self, &lat, &lon, &zoom);
  near = tg_gazetteer_nearest (self->gazetteer, lat, lon, NULL, NULL);
  tg_map_search_set_country_bias (TG_MAP_SEARCH (self->search),
                                  near ? tg_gazetteer_place_get_country (near) : NULL);
}

static void
zoom_in_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  shumate_map_zoom_in (TG_MAP_VIEW (widget)->map);
}

static void
zoom_out_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  shumate_map_zoom_out (TG_MAP_VIEW (widget)->map);
}

static void
download_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  tg_map_view_show_download_dialog (TG_MAP_VIEW (widget));
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  TgMapView *self = TG_MAP_VIEW (widget);

  if (self->search != NULL)
    gtk_widget_grab_focus (self->search);
}

/* Vfuncs */

static void
tg_map_view_dispose (GObject *object)
{
  TgMapView *self = (TgMapView *) object;

  g_clear_handle_id (&self->update_id, g_source_remove);
  if (self->reports != NULL)
    g_clear_signal_handler (&self->items_changed_id, self->reports);
  if (self->selected != NULL)
    g_clear_signal_handler (&self->selected_changed_id, self->selected);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);

  self->selected_marker = NULL;
  /* The layer goes with the map. */
  if (self->online_source != NULL)
    g_signal_handlers_disconnect_by_data (self->online_source, self);
  self->online_layer = NULL;
  g_clear_object (&self->online_renderer);
  g_clear_object (&self->online_source);
  g_clear_object (&self->tile_cache);
  g_clear_pointer (&self->markers, g_ptr_array_unref);
  g_clear_pointer (&self->mbtiles_layers, g_ptr_array_unref);
  g_clear_pointer (&self->mbtiles_renderers, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), TG_TYPE_MAP_VIEW);
  g_clear_object (&self->reports);
  cancel_locations (self);
  g_clear_object (&self->selected);
  g_clear_object (&self->settings);
  g_clear_object (&self->basemap_renderer);
  g_clear_object (&self->gazetteer);
  g_clear_object (&self->basemap);

  G_OBJECT_CLASS (tg_map_view_parent_class)->dispose (object);
}

static gboolean
tg_map_view_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (GTK_WIDGET (TG_MAP_VIEW (widget)->map));
}

static void
tg_map_view_class_init (TgMapViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tg_map_view_dispose;
  widget_class->grab_focus = tg_map_view_grab_focus;

  signals[REPORT_ACTIVATED] =
    g_signal_new ("report-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[LOCATION_PICKED] =
    g_signal_new ("location-picked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_DOUBLE, G_TYPE_DOUBLE);
  /* The positions of the store's reports have been read (or failed to
   * be) and the markers placed. */
  signals[LOCATIONS_LOADED] =
    g_signal_new ("locations-loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_install_action (widget_class, "map.zoom-in", NULL, zoom_in_action);
  gtk_widget_class_install_action (widget_class, "map.zoom-out", NULL, zoom_out_action);
  gtk_widget_class_install_action (widget_class, "map.download-region", NULL, download_action);
  gtk_widget_class_install_action (widget_class, "map.search", NULL, search_action);

  g_type_ensure (SHUMATE_TYPE_MAP);
  g_type_ensure (SHUMATE_TYPE_SCALE);
  g_type_ensure (SHUMATE_TYPE_LICENSE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/testigo/Testigo/map/tg-map-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TgMapView, overlay);
  gtk_widget_class_bind_template_child (widget_class, TgMapView, map);
  gtk_widget_class_bind_template_child (widget_class, TgMapView, scale);
  gtk_widget_class_bind_template_child (widget_class, TgMapView, license);
  gtk_widget_class_bind_template_child (widget_class, TgMapView, online_label);
  gtk_widget_class_bind_template_callback (widget_class, map_click_released_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "tgmapview");
}

static void
tg_map_view_init (TgMapView *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgBasemapSource) source = NULL;

  self->markers = g_ptr_array_new ();
  self->mbtiles_layers = g_ptr_array_new ();
  self->mbtiles_renderers = g_ptr_array_new_with_free_func (g_object_unref);
  self->cluster_zoom = -1;
  self->selected_latitude = NAN;
  self->selected_longitude = NAN;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->viewport = shumate_map_get_viewport (self->map);
  shumate_scale_set_viewport (self->scale, self->viewport);

  self->basemap = tg_basemap_new (NULL, &error);
  if (self->basemap != NULL)
    {
      self->basemap_dark = adw_style_manager_get_dark (adw_style_manager_get_default ());
      source = tg_basemap_source_new (self->basemap, self->basemap_dark);
      self->basemap_renderer = SHUMATE_MAP_SOURCE (tg_basemap_source_create_renderer (source));
      self->gazetteer = tg_gazetteer_new (tg_basemap_get_path (self->basemap), NULL);
    }
  else
    {
      g_warning ("The built-in map could not be opened: %s", error->message);
      self->error_label = gtk_label_new (error->message);
      gtk_widget_add_css_class (self->error_label, "osd");
      gtk_widget_set_halign (self->error_label, GTK_ALIGN_CENTER);
      gtk_widget_set_valign (self->error_label, GTK_ALIGN_CENTER);
      gtk_label_set_wrap (GTK_LABEL (self->error_label), TRUE);
      /* Something must give the view its zoom range and projection. */
      self->basemap_renderer =
        SHUMATE_MAP_SOURCE (shumate_raster_renderer_new_full_from_url ("testigo-none", "", NULL, NULL,
                                                                       0, TG_BASEMAP_MAX_ZOOM, 256,
                                                                       SHUMATE_MAP_PROJECTION_MERCATOR,
                                                                       "invalid:///{z}/{x}/{y}"));
    }

  shumate_map_set_map_source (self->map, self->basemap_renderer);
  self->basemap_layer = shumate_map_layer_new (self->basemap_renderer, self->viewport);
  shumate_map_add_layer (self->map, SHUMATE_LAYER (self->basemap_layer));
  shumate_license_append_map_source (self->license, self->basemap_renderer);

  self->circle_layer = tg_map_circle_layer_new (self->viewport);
  shumate_map_add_layer (self->map, SHUMATE_LAYER (self->circle_layer));

  self->marker_layer = shumate_marker_layer_new (self->viewport);
  shumate_map_add_layer (self->map, SHUMATE_LAYER (self->marker_layer));

  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (style_dark_changed_cb), self, G_CONNECT_SWAPPED);

  g_signal_connect_swapped (self->viewport, "notify::latitude",
                            G_CALLBACK (viewport_moved_cb), self);
  g_signal_connect_swapped (self->viewport, "notify::longitude",
                            G_CALLBACK (viewport_moved_cb), self);
  g_signal_connect_swapped (self->viewport, "notify::zoom-level",
                            G_CALLBACK (zoom_changed_cb), self);

  /* The search at the top left, above the template's overlays. */
  if (self->gazetteer != NULL)
    {
      GtkEventController *focus = gtk_event_controller_focus_new ();

      self->search = tg_map_search_new (self->gazetteer);
      gtk_widget_set_halign (self->search, GTK_ALIGN_START);
      gtk_widget_set_valign (self->search, GTK_ALIGN_START);
      gtk_widget_set_margin_start (self->search, 8);
      gtk_widget_set_margin_top (self->search, 8);
      g_signal_connect_swapped (self->search, "place-chosen", G_CALLBACK (place_chosen_cb), self);
      g_signal_connect_swapped (focus, "enter", G_CALLBACK (search_focus_cb), self);
      gtk_widget_add_controller (self->search, focus);
      gtk_overlay_add_overlay (GTK_OVERLAY (self->overlay), self->search);
    }

  if (self->error_label != NULL)
    gtk_overlay_add_overlay (GTK_OVERLAY (self->overlay), self->error_label);

  shumate_map_center_on (self->map, DEFAULT_LATITUDE, DEFAULT_LONGITUDE);
  shumate_viewport_set_zoom_level (self->viewport, DEFAULT_ZOOM);
}

/* Private API */

ShumateMap *
_tg_map_view_get_map (TgMapView *self)
{
  return self->map;
}

TgMapCircleLayer *
_tg_map_view_get_circle_layer (TgMapView *self)
{
  return self->circle_layer;
}

TgMapSearch *
_tg_map_view_get_search (TgMapView *self)
{
  return self->search ? TG_MAP_SEARCH (self->search) : NULL;
}

void
_tg_map_view_update_markers (TgMapView *self)
{
  update_markers (self);
}

ShumateMapLayer *
_tg_map_view_get_basemap_layer (TgMapView *self)
{
  return self->basemap_layer;
}

ShumateMapLayer *
_tg_map_view_get_online_layer (TgMapView *self)
{
  return self->online_layer;
}

TgOnlineTileSource *
_tg_map_view_get_online_source (TgMapView *self)
{
  return self->online_source;
}

GtkWidget *
_tg_map_view_get_online_label (TgMapView *self)
{
  return self->online_label;
}

GPtrArray *
_tg_map_view_get_markers (TgMapView *self)
{
  return self->markers;
}

void
_tg_map_view_click_at (TgMapView *self,
                       double     x,
                       double     y)
{
  double lat, lon;

  if (!self->picking)
    return;

  shumate_viewport_widget_coords_to_location (self->viewport, GTK_WIDGET (self->map),
                                              x, y, &lat, &lon);
  g_signal_emit (self, signals[LOCATION_PICKED], 0, lat, lon);
}

gboolean
_tg_map_view_drag_selected (TgMapView *self,
                            double     dx,
                            double     dy)
{
  if (!begin_drag (self))
    return FALSE;

  drag_update_cb (NULL, dx / 2, dy / 2, self);
  drag_end_cb (NULL, dx, dy, self);

  return TRUE;
}

/* Public API */

GtkWidget *
tg_map_view_new (void)
{
  return g_object_new (TG_TYPE_MAP_VIEW, NULL);
}

void
tg_map_view_set_settings (TgMapView *self,
                          GSettings *settings)
{
  g_return_if_fail (TG_IS_MAP_VIEW (self));
  g_return_if_fail (settings == NULL || G_IS_SETTINGS (settings));

  if (self->settings == settings)
    return;
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_set_object (&self->settings, settings);
  if (self->settings != NULL)
    {
      g_signal_connect_swapped (self->settings, "changed::mbtiles-files",
                                G_CALLBACK (settings_changed_cb), self);
      g_signal_connect_swapped (self->settings, "changed::units",
                                G_CALLBACK (settings_changed_cb), self);
      g_signal_connect_swapped (self->settings, "changed::tile-url-template",
                                G_CALLBACK (settings_changed_cb), self);
      g_signal_connect_swapped (self->settings, "changed::tile-cache-size-mb",
                                G_CALLBACK (settings_changed_cb), self);
    }
  reload_online_layer (self);
  reload_mbtiles_layers (self);
  update_units (self);
}

void
tg_map_view_set_reports (TgMapView  *self,
                         GListModel *reports)
{
  g_return_if_fail (TG_IS_MAP_VIEW (self));
  g_return_if_fail (reports == NULL || G_IS_LIST_MODEL (reports));

  if (self->reports == reports)
    return;

  if (self->reports != NULL)
    g_clear_signal_handler (&self->items_changed_id, self->reports);
  g_set_object (&self->reports, reports);
  cancel_locations (self);
  if (reports != NULL)
    self->items_changed_id = g_signal_connect_swapped (reports, "items-changed",
                                                       G_CALLBACK (reports_changed_cb), self);
  schedule_update (self);
}

void
tg_map_view_set_selected_report (TgMapView *self,
                                 TgReport  *report)
{
  g_return_if_fail (TG_IS_MAP_VIEW (self));
  g_return_if_fail (report == NULL || TG_IS_REPORT (report));

  if (self->selected == report)
    return;

  if (self->selected != NULL)
    g_clear_signal_handler (&self->selected_changed_id, self->selected);
  g_set_object (&self->selected, report);
  remember_selected_location (self);
  if (report != NULL)
    self->selected_changed_id = g_signal_connect_swapped (report, "changed",
                                                          G_CALLBACK (selected_changed_cb), self);

  /* Selecting is a direct response to a person: no delay. */
  update_markers (self);
}

void
tg_map_view_set_picking (TgMapView *self,
                         gboolean   picking)
{
  g_return_if_fail (TG_IS_MAP_VIEW (self));

  picking = !!picking;
  if (self->picking == picking)
    return;

  self->picking = picking;
  shumate_map_set_zoom_on_double_click (self->map, !picking);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self->map), picking ? "crosshair" : NULL);
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
  g_return_if_fail (TG_IS_MAP_VIEW (self));

  shumate_map_stop_go_to (self->map);
  shumate_viewport_set_zoom_level (self->viewport, zoom);
  shumate_map_center_on (self->map, latitude, longitude);
}

static void
fly_to (TgMapView *self,
        double     latitude,
        double     longitude,
        double     zoom)
{
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    shumate_map_go_to_full (self->map, latitude, longitude, zoom);
  else
    tg_map_view_center_on (self, latitude, longitude, zoom);
}

void
tg_map_view_get_center (TgMapView *self,
                        double    *latitude,
                        double    *longitude,
                        double    *zoom)
{
  g_return_if_fail (TG_IS_MAP_VIEW (self));

  if (latitude)
    *latitude = shumate_location_get_latitude (SHUMATE_LOCATION (self->viewport));
  if (longitude)
    *longitude = shumate_location_get_longitude (SHUMATE_LOCATION (self->viewport));
  if (zoom)
    *zoom = shumate_viewport_get_zoom_level (self->viewport);
}

gboolean
tg_map_view_get_bounds (TgMapView *self,
                        double    *west,
                        double    *south,
                        double    *east,
                        double    *north)
{
  int width, height;
  double lat0, lon0, lat1, lon1;

  g_return_val_if_fail (TG_IS_MAP_VIEW (self), FALSE);

  width = gtk_widget_get_width (GTK_WIDGET (self->map));
  height = gtk_widget_get_height (GTK_WIDGET (self->map));
  if (width <= 0 || height <= 0)
    return FALSE;

  shumate_viewport_widget_coords_to_location (self->viewport, GTK_WIDGET (self->map),
                                              0, 0, &lat0, &lon0);
  shumate_viewport_widget_coords_to_location (self->viewport, GTK_WIDGET (self->map),
                                              width, height, &lat1, &lon1);
  *west = CLAMP (lon0, -180, 180);
  *east = CLAMP (lon1, -180, 180);
  *north = CLAMP (lat0, -85.05, 85.05);
  *south = CLAMP (lat1, -85.05, 85.05);

  return *west < *east && *south < *north;
}

void
tg_map_view_show_download_dialog (TgMapView *self)
{
  GtkWidget *dialog;
  GtkRoot *root;
  double west = -180, south = -85, east = 180, north = 85;

  g_return_if_fail (TG_IS_MAP_VIEW (self));

  tg_map_view_get_bounds (self, &west, &south, &east, &north);
  dialog = tg_map_download_dialog_new (self->gazetteer, self->settings);
  tg_map_download_dialog_set_region (TG_MAP_DOWNLOAD_DIALOG (dialog), NULL,
                                     west, south, east, north);
  tg_map_download_dialog_set_zoom_range (TG_MAP_DOWNLOAD_DIALOG (dialog),
                                         MAX (0, (int) floor (shumate_viewport_get_zoom_level (self->viewport))),
                                         MIN (TG_BASEMAP_MAX_ZOOM,
                                              (int) floor (shumate_viewport_get_zoom_level (self->viewport)) + 4));

  root = gtk_widget_get_root (GTK_WIDGET (self));
  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (root));
  gtk_window_present (GTK_WINDOW (dialog));
}
