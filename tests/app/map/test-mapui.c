/* test-mapui.c — the map pane: tile sources, markers, clusters, picking
 *
 * GTK tests: run under Xvfb (tools/run-tests.sh).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <math.h>

#include "tg-basemap-source.h"
#include "tg-basemap.h"
#include "tg-map-download-dialog.h"
#include "tg-map-marker.h"
#include "tg-map-preferences-page.h"
#include "tg-map-util.h"
#include "tg-store.h"
#include "tg-map-view-private.h"
#include "tg-mbtiles-source.h"
#include "tg-report.h"
#include "tg-tile-download.h"
#include "tg-test-common.h"
#include "tg-test-map.h"

#define JULIACA_LAT  (-15.4997)
#define JULIACA_LON  (-70.1333)
#define AYACUCHO_LAT (-13.1588)
#define AYACUCHO_LON (-74.2239)

/* Helpers */

static gboolean
never_cb (gpointer data)
{
  return FALSE;
}

/* Only where a step checks that nothing happens: there is no state to
 * wait for, so the map gets @ms to do the wrong thing. */
static void
iterate_for (guint ms)
{
  tg_test_iterate_until_or_timeout (never_cb, NULL, ms);
}

typedef struct
{
  TgMapView *view;
  guint      n;
} MarkersWait;

static gboolean
has_n_markers_cb (gpointer data)
{
  MarkersWait *wait = data;

  return _tg_map_view_get_markers (wait->view)->len == wait->n;
}

/* Re-clustering runs after a short delay and, under load, later still:
 * wait (up to 20 s) for the map to hold the number of markers a step
 * expects, rather than for a fixed time. */
static GPtrArray *
wait_for_n_markers (TgMapView *view,
                    guint      n)
{
  MarkersWait wait = { view, n };

  tg_test_iterate_until_or_timeout (has_n_markers_cb, &wait, 20000);
  return _tg_map_view_get_markers (view);
}

static GdkPixbuf *
decode (GBytes *bytes)
{
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (bytes);
  g_autoptr(GError) error = NULL;
  GdkPixbuf *pixbuf = gdk_pixbuf_new_from_stream (stream, NULL, &error);

  g_assert_no_error (error);
  return pixbuf;
}

static guint32
pixel_at (GdkPixbuf *pixbuf,
          int        x,
          int        y)
{
  const guint8 *p = gdk_pixbuf_read_pixels (pixbuf)
                    + y * gdk_pixbuf_get_rowstride (pixbuf)
                    + x * gdk_pixbuf_get_n_channels (pixbuf);

  return (p[0] << 16) | (p[1] << 8) | p[2];
}

static guint
count_color (GdkPixbuf *pixbuf,
             guint32    rgb)
{
  guint n = 0;

  for (int y = 0; y < gdk_pixbuf_get_height (pixbuf); y++)
    for (int x = 0; x < gdk_pixbuf_get_width (pixbuf); x++)
      if (pixel_at (pixbuf, x, y) == rgb)
        n++;

  return n;
}

static GBytes *
solid_png (double r,
           double g,
           double b)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 256, 256);
  cairo_t *cr = cairo_create (surface);
  g_autofree char *path = NULL;
  char *data;
  gsize length;
  int fd;

  cairo_set_source_rgb (cr, r, g, b);
  cairo_paint (cr);
  cairo_destroy (cr);

  fd = g_file_open_tmp ("mapui-XXXXXX.png", &path, NULL);
  g_assert_cmpint (fd, >=, 0);
  close (fd);
  g_assert_cmpint (cairo_surface_write_to_png (surface, path), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (surface);
  g_assert_true (g_file_get_contents (path, &data, &length, NULL));
  g_unlink (path);

  return g_bytes_new_take (data, length);
}

static TgReport *
make_report (const char *title,
             double      lat,
             double      lon,
             const char *category)
{
  TgReport *report = tg_report_new ();
  const char *categories[] = { category, NULL };

  tg_report_set_title (report, title);
  if (!isnan (lat))
    tg_report_set_location (report, lat, lon, TG_LOCATION_METHOD_MAP);
  if (category != NULL)
    tg_report_set_categories (report, categories);

  return report;
}

typedef struct
{
  GtkWidget *window;
  TgMapView *view;
  ShumateMap *map;
} Fixture;

static gboolean
map_has_width_cb (gpointer data)
{
  Fixture *f = data;

  return gtk_widget_get_width (GTK_WIDGET (f->map)) > 0;
}

static void
fixture_setup (Fixture *f)
{
  f->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (f->window), 800, 600);
  f->view = TG_MAP_VIEW (tg_map_view_new ());
  {
    g_autoptr(GSettings) settings = tg_map_settings_new ();

    tg_map_view_set_settings (f->view, settings);
  }
  gtk_window_set_child (GTK_WINDOW (f->window), GTK_WIDGET (f->view));
  f->map = _tg_map_view_get_map (f->view);
  gtk_window_present (GTK_WINDOW (f->window));

  tg_test_iterate_until (map_has_width_cb, f, 20000, "the map to be laid out");
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (f->map)), >, 0);
}

static void
fixture_teardown (Fixture *f)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  tg_test_iterate_pending ();
}

static guint
sum_counts (GPtrArray *markers)
{
  guint sum = 0;

  for (guint i = 0; i < markers->len; i++)
    sum += tg_map_marker_get_count (g_ptr_array_index (markers, i));

  return sum;
}

/* Tests */

static void
test_basemap_source_tile (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgBasemap) basemap = tg_basemap_new (NULL, &error);
  g_autoptr(TgBasemapSource) source = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  TgTestTileFetch fetch;
  int z = 6;
  /* The tile holding Lima: land to the east, the Pacific to the west. */
  int x = (int) tg_basemap_lon_to_tile_x (-77.03, z);
  int y = (int) tg_basemap_lat_to_tile_y (-12.05, z);

  g_assert_no_error (error);
  source = tg_basemap_source_new (basemap, FALSE);
  tg_test_fetch_tile (SHUMATE_DATA_SOURCE (source), x, y, z, &fetch);

  g_assert_no_error (fetch.error);
  g_assert_nonnull (fetch.bytes);
  g_assert_cmpuint (g_bytes_get_size (fetch.bytes), >, 500);
  g_assert_cmpmem (g_bytes_get_data (fetch.bytes, NULL), 8, "\x89PNG\r\n\x1a\n", 8);

  /* libshumate 1.0 paints the tile from "received-data" only. */
  g_assert_true (fetch.received);
  g_assert_true (fetch.received_before_done);
  g_assert_cmpint (fetch.x, ==, x);
  g_assert_cmpint (fetch.y, ==, y);
  g_assert_cmpint (fetch.zoom, ==, z);
  g_assert_true (g_bytes_equal (fetch.received_bytes, fetch.bytes));

  pixbuf = decode (fetch.bytes);
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, 256);
  g_assert_cmpint (count_color (pixbuf, TG_BASEMAP_SEA_COLOR), >, 1000);
  g_assert_cmpint (count_color (pixbuf, TG_BASEMAP_LAND_COLOR), >, 1000);
  tg_test_tile_fetch_clear (&fetch);

  /* A tile that cannot exist fails, and nothing is painted. */
  tg_test_fetch_tile (SHUMATE_DATA_SOURCE (source), 1 << z, 0, z, &fetch);
  g_assert_null (fetch.bytes);
  g_assert_nonnull (fetch.error);
  g_assert_false (fetch.received);
  tg_test_tile_fetch_clear (&fetch);
}

static void
test_basemap_renderer (void)
{
  g_autoptr(TgBasemap) basemap = tg_basemap_new (NULL, NULL);
  g_autoptr(TgBasemapSource) source = tg_basemap_source_new (basemap, FALSE);
  g_autoptr(ShumateRasterRenderer) renderer = tg_basemap_source_create_renderer (source);
  ShumateMapSource *map_source = SHUMATE_MAP_SOURCE (renderer);

  /* What the licence line under the map shows. */
  g_assert_cmpstr (shumate_map_source_get_license (map_source), ==,
                   "Natural Earth · GeoNames (CC BY 4.0)");
  g_assert_cmpuint (shumate_map_source_get_max_zoom_level (map_source), ==, TG_BASEMAP_MAX_ZOOM);
  g_assert_cmpuint (shumate_map_source_get_tile_size (map_source), ==, 256);
}

static void
test_mbtiles_source (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("mapui-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "test.mbtiles", NULL);
  g_autofree char *junk = g_build_filename (dir, "junk.mbtiles", NULL);
  g_autoptr(TgMbtiles) writer = NULL;
  g_autoptr(TgMbtilesSource) source = NULL;
  g_autoptr(ShumateRasterRenderer) renderer = NULL;
  g_autoptr(GBytes) red = solid_png (1, 0, 0);
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  TgTestTileFetch fetch;

  g_assert_no_error (error);
  writer = tg_mbtiles_create (path, "Puno survey", "png", &error);
  g_assert_no_error (error);
  g_assert_true (tg_mbtiles_put_tile (writer, 3, 2, 4, red, &error));
  g_assert_no_error (error);
  g_assert_true (tg_mbtiles_set_bounds (writer, -90, -45, -45, 0, 3, 3, &error));
  g_clear_object (&writer);

  source = tg_mbtiles_source_new_for_path (path, &error);
  g_assert_no_error (error);
  renderer = tg_mbtiles_source_create_renderer (source);
  g_assert_cmpstr (shumate_map_source_get_name (SHUMATE_MAP_SOURCE (renderer)), ==, "Puno survey");

  tg_test_fetch_tile (SHUMATE_DATA_SOURCE (source), 2, 4, 3, &fetch);
  g_assert_no_error (fetch.error);
  g_assert_true (fetch.received_before_done);
  g_assert_true (g_bytes_equal (fetch.bytes, red));
  pixbuf = decode (fetch.bytes);
  g_assert_cmphex (pixel_at (pixbuf, 128, 128), ==, 0xff0000);
  tg_test_tile_fetch_clear (&fetch);

  /* The TMS row is flipped inside: the mirrored row holds nothing. */
  tg_test_fetch_tile (SHUMATE_DATA_SOURCE (source), 2, 3, 3, &fetch);
  g_assert_null (fetch.bytes);
  g_assert_false (fetch.received);
  tg_test_tile_fetch_clear (&fetch);

  /* A file that is not MBTiles is refused with a message naming it. */
  g_assert_true (g_file_set_contents (junk, "not a map", -1, NULL));
  g_assert_null (tg_mbtiles_source_new_for_path (junk, &error));
  g_assert_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT);
  g_clear_error (&error);

  g_unlink (junk);
  g_unlink (path);
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);
    g_unlink (wal);
    g_unlink (shm);
  }
  g_rmdir (dir);
}

static void
test_markers_cluster (void)
{
  Fixture f;
  g_autoptr(GListStore) store = g_list_store_new (TG_TYPE_REPORT);
  GPtrArray *markers;
  g_autoptr(TgReport) extra = NULL;
  guint n_located = 0;

  fixture_setup (&f);

  /* 20 reports in Juliaca, 10 in Ayacucho, each ~200 m apart; one with
   * no location. */
  for (guint i = 0; i < 20; i++)
    {
      g_autoptr(TgReport) r = make_report ("Juliaca", JULIACA_LAT + (i / 5) * 0.002,
                                           JULIACA_LON + (i % 5) * 0.002, "killing");
      g_list_store_append (store, r);
      n_located++;
    }
  for (guint i = 0; i < 10; i++)
    {
      g_autoptr(TgReport) r = make_report ("Ayacucho", AYACUCHO_LAT + (i / 5) * 0.002,
                                           AYACUCHO_LON + (i % 5) * 0.002,
                                           i % 2 ? "injury" : "killing");
      g_list_store_append (store, r);
      n_located++;
    }
  {
    g_autoptr(TgReport) r = make_report ("Unplaced", NAN, NAN, "raid");
    g_list_store_append (store, r);
  }

  tg_map_view_set_reports (f.view, G_LIST_MODEL (store));
  tg_map_view_center_on (f.view, -14.5, -72.5, 5);
  _tg_map_view_update_markers (f.view);
  markers = _tg_map_view_get_markers (f.view);

  /* Zoomed out: one cluster per city, counting every placed report. */
  g_assert_cmpuint (markers->len, ==, 2);
  g_assert_cmpuint (sum_counts (markers), ==, n_located);
  for (guint i = 0; i < markers->len; i++)
    {
      TgMapMarker *m = g_ptr_array_index (markers, i);
      double lat = shumate_location_get_latitude (SHUMATE_LOCATION (m));
      GdkRGBA color, killing;

      g_assert_null (tg_map_marker_get_report_id (m));
      tg_map_marker_get_color (m, &color);
      tg_map_category_color ("killing", &killing);
      if (fabs (lat - JULIACA_LAT) < 0.1)
        {
          g_assert_cmpuint (tg_map_marker_get_count (m), ==, 20);
          /* All of one category: the cluster takes its colour. */
          g_assert_true (gdk_rgba_equal (&color, &killing));
        }
      else
        {
          g_assert_cmpuint (tg_map_marker_get_count (m), ==, 10);
          g_assert_false (gdk_rgba_equal (&color, &killing));
        }
    }

  /* Zoomed in: every report around the view has its own pin, and only
   * those: Ayacucho's are made when the map goes there. */
  tg_map_view_center_on (f.view, JULIACA_LAT, JULIACA_LON, 17);
  _tg_map_view_update_markers (f.view);
  markers = _tg_map_view_get_markers (f.view);
  g_assert_cmpuint (markers->len, ==, 20);
  for (guint i = 0; i < markers->len; i++)
    {
      TgMapMarker *m = g_ptr_array_index (markers, i);

      g_assert_nonnull (tg_map_marker_get_report_id (m));
      g_assert_cmpfloat (fabs (shumate_location_get_latitude (SHUMATE_LOCATION (m)) - JULIACA_LAT), <, 0.1);
    }
  tg_map_view_center_on (f.view, AYACUCHO_LAT, AYACUCHO_LON, 17);
  markers = wait_for_n_markers (f.view, 10);
  g_assert_cmpuint (markers->len, ==, 10);
  for (guint i = 0; i < markers->len; i++)
    g_assert_nonnull (tg_map_marker_get_report_id (g_ptr_array_index (markers, i)));

  /* A zoom change re-clusters by itself (after a short delay). */
  shumate_viewport_set_zoom_level (shumate_map_get_viewport (f.map), 5);
  g_assert_cmpuint (wait_for_n_markers (f.view, 2)->len, ==, 2);

  /* A report added to the list appears. */
  extra = make_report ("Lima", -12.05, -77.04, "arbitrary_detention");
  g_list_store_append (store, extra);
  markers = wait_for_n_markers (f.view, 3);
  g_assert_cmpuint (markers->len, ==, 3);
  g_assert_cmpuint (sum_counts (markers), ==, n_located + 1);

  fixture_teardown (&f);
}

typedef struct
{
  guint  n;
  double lat;
  double lon;
  char  *report_id;
} Picked;

static void
location_picked_cb (TgMapView *view,
                    double     lat,
                    double     lon,
                    Picked    *picked)
{
  picked->n++;
  picked->lat = lat;
  picked->lon = lon;
}

static void
report_activated_cb (TgMapView  *view,
                     const char *id,
                     Picked     *picked)
{
  picked->n++;
  g_free (picked->report_id);
  picked->report_id = g_strdup (id);
}

static void
test_picking (void)
{
  Fixture f;
  Picked picked = { 0 };
  int zoom = 10;
  double cx, cy;
  double expected_lon, expected_lat;

  fixture_setup (&f);
  g_signal_connect (f.view, "location-picked", G_CALLBACK (location_picked_cb), &picked);

  tg_map_view_center_on (f.view, JULIACA_LAT, JULIACA_LON, zoom);
  cx = gtk_widget_get_width (GTK_WIDGET (f.map)) / 2.0;
  cy = gtk_widget_get_height (GTK_WIDGET (f.map)) / 2.0;

  /* Not picking: a click does nothing. */
  _tg_map_view_click_at (f.view, cx, cy);
  g_assert_cmpuint (picked.n, ==, 0);

  tg_map_view_set_picking (f.view, TRUE);
  g_assert_true (tg_map_view_get_picking (f.view));

  /* The centre is the centre. */
  _tg_map_view_click_at (f.view, cx, cy);
  g_assert_cmpuint (picked.n, ==, 1);
  g_assert_cmpfloat_with_epsilon (picked.lat, JULIACA_LAT, 1e-4);
  g_assert_cmpfloat_with_epsilon (picked.lon, JULIACA_LON, 1e-4);

  /* 128 px right and 100 px down, in web-mercator tile units. */
  _tg_map_view_click_at (f.view, cx + 128, cy + 100);
  g_assert_cmpuint (picked.n, ==, 2);
  expected_lon = tg_basemap_tile_x_to_lon (tg_basemap_lon_to_tile_x (JULIACA_LON, zoom) + 128.0 / 256, zoom);
  expected_lat = tg_basemap_tile_y_to_lat (tg_basemap_lat_to_tile_y (JULIACA_LAT, zoom) + 100.0 / 256, zoom);
  g_assert_cmpfloat_with_epsilon (picked.lon, expected_lon, 1e-4);
  g_assert_cmpfloat_with_epsilon (picked.lat, expected_lat, 1e-4);
  g_assert_cmpfloat (picked.lat, <, JULIACA_LAT);

  tg_map_view_set_picking (f.view, FALSE);
  _tg_map_view_click_at (f.view, cx, cy);
  g_assert_cmpuint (picked.n, ==, 2);

  fixture_teardown (&f);
}

static void
test_selected_drag_and_circle (void)
{
  Fixture f;
  Picked picked = { 0 };
  Picked activated = { 0 };
  g_autoptr(GListStore) store = g_list_store_new (TG_TYPE_REPORT);
  g_autoptr(TgReport) report = make_report ("Plaza", JULIACA_LAT, JULIACA_LON, "injury");
  g_autoptr(TgReport) other = make_report ("Puente", JULIACA_LAT + 0.01, JULIACA_LON, "raid");
  TgMapCircleLayer *circle;
  TgMapMarker *selected = NULL;
  GPtrArray *markers;
  int zoom = 14;
  double metres_per_px, expected_lon;

  fixture_setup (&f);
  g_signal_connect (f.view, "location-picked", G_CALLBACK (location_picked_cb), &picked);
  g_signal_connect (f.view, "report-activated", G_CALLBACK (report_activated_cb), &activated);

  tg_report_set_uncertainty (report, 500);
  g_list_store_append (store, report);
  g_list_store_append (store, other);
  tg_map_view_set_reports (f.view, G_LIST_MODEL (store));
  tg_map_view_center_on (f.view, JULIACA_LAT, JULIACA_LON, zoom);
  tg_map_view_set_selected_report (f.view, report);

  markers = _tg_map_view_get_markers (f.view);
  g_assert_cmpuint (markers->len, ==, 2);
  for (guint i = 0; i < markers->len; i++)
    if (tg_map_marker_get_selected (g_ptr_array_index (markers, i)))
      selected = g_ptr_array_index (markers, i);
  g_assert_nonnull (selected);
  g_assert_cmpstr (tg_map_marker_get_report_id (selected), ==, tg_report_get_id (report));

  /* 500 m at Juliaca's latitude and zoom 14, in pixels. */
  circle = _tg_map_view_get_circle_layer (f.view);
  g_assert_true (tg_map_circle_layer_get_visible_circle (circle));
  metres_per_px = 2 * G_PI * 6378137.0 * cos (JULIACA_LAT * G_PI / 180) / (256 << zoom);
  g_assert_cmpfloat_with_epsilon (tg_map_circle_layer_get_radius_px (circle),
                                  500 / metres_per_px, 0.02 * 500 / metres_per_px);

  /* Dragging the selected pin 50 px east moves the location. */
  g_assert_true (_tg_map_view_drag_selected (f.view, 50, 0));
  g_assert_cmpuint (picked.n, ==, 1);
  expected_lon = tg_basemap_tile_x_to_lon (tg_basemap_lon_to_tile_x (JULIACA_LON, zoom) + 50.0 / 256, zoom);
  g_assert_cmpfloat_with_epsilon (picked.lon, expected_lon, 1e-5);
  g_assert_cmpfloat_with_epsilon (picked.lat, JULIACA_LAT, 1e-5);
  g_assert_cmpfloat_with_epsilon (shumate_location_get_longitude (SHUMATE_LOCATION (selected)),
                                  expected_lon, 1e-5);

  /* The editor applies it; the pin follows the report. */
  tg_report_set_location (report, picked.lat, picked.lon, TG_LOCATION_METHOD_MAP);
  g_assert_cmpfloat_with_epsilon (shumate_location_get_longitude (SHUMATE_LOCATION (selected)),
                                  expected_lon, 1e-9);

  /* A click on the selected pin without moving it does not move it. */
  g_assert_true (_tg_map_view_drag_selected (f.view, 1, 0));
  g_assert_cmpuint (picked.n, ==, 1);
  g_assert_cmpuint (activated.n, ==, 1);
  g_assert_cmpstr (activated.report_id, ==, tg_report_get_id (report));

  /* No selection: no pin to drag, no circle. */
  tg_map_view_set_selected_report (f.view, NULL);
  g_assert_false (tg_map_circle_layer_get_visible_circle (circle));
  g_assert_false (_tg_map_view_drag_selected (f.view, 50, 0));

  g_free (activated.report_id);
  fixture_teardown (&f);
}


/* Waits (bounded) until the view's centre is within @tolerance degrees of
 * the point; the flight there is animated while the map is on screen. */
typedef struct
{
  TgMapView *view;
  double     lat, lon, tolerance, min_zoom;
  double     clat, clon, zoom;
} CenterWait;

static gboolean
centered_cb (gpointer data)
{
  CenterWait *wait = data;

  tg_map_view_get_center (wait->view, &wait->clat, &wait->clon, &wait->zoom);
  return fabs (wait->clat - wait->lat) < wait->tolerance &&
         fabs (wait->clon - wait->lon) < wait->tolerance &&
         wait->zoom >= wait->min_zoom;
}

static gboolean
wait_for_center (Fixture *f,
                 double   lat,
                 double   lon,
                 double   tolerance,
                 double  *zoom)
{
  CenterWait wait = { f->view, lat, lon, tolerance, -G_MAXDOUBLE, NAN, NAN, NAN };
  gboolean held = tg_test_iterate_until_or_timeout (centered_cb, &wait, 20000);

  *zoom = wait.zoom;
  if (!held)
    g_test_message ("centre %f, %f; expected %f, %f", wait.clat, wait.clon, lat, lon);
  return held;
}

/* A place picked for the selected report from the list of places or a
 * photo moves the map there, closer if it was far out; a place set on
 * the map leaves the view alone. */
static void
test_selected_follows_place (void)
{
  Fixture f;
  g_autoptr(GListStore) store = g_list_store_new (TG_TYPE_REPORT);
  g_autoptr(TgReport) report = make_report ("Plaza", JULIACA_LAT, JULIACA_LON, "injury");
  double lat, lon, zoom;

  fixture_setup (&f);
  g_list_store_append (store, report);
  tg_map_view_set_reports (f.view, G_LIST_MODEL (store));
  tg_map_view_center_on (f.view, JULIACA_LAT, JULIACA_LON, 6);
  tg_map_view_set_selected_report (f.view, report);

  /* From the list of places, 400 km away: the map flies there, zooming in. */
  tg_report_set_location (report, AYACUCHO_LAT, AYACUCHO_LON, TG_LOCATION_METHOD_GAZETTEER);
  g_assert_true (wait_for_center (&f, AYACUCHO_LAT, AYACUCHO_LON, 1e-4, &zoom));
  {
    CenterWait wait = { f.view, AYACUCHO_LAT, AYACUCHO_LON, G_MAXDOUBLE, 13, NAN, NAN, NAN };

    tg_test_iterate_until_or_timeout (centered_cb, &wait, 20000);
    zoom = wait.zoom;
  }
  g_assert_cmpfloat (zoom, >=, 13);

  /* From a photo, back in Juliaca: closer in already, the zoom stays. */
  tg_map_view_center_on (f.view, AYACUCHO_LAT, AYACUCHO_LON, 15);
  tg_report_set_location (report, JULIACA_LAT, JULIACA_LON, TG_LOCATION_METHOD_PHOTO);
  g_assert_true (wait_for_center (&f, JULIACA_LAT, JULIACA_LON, 1e-4, &zoom));
  g_assert_cmpfloat_with_epsilon (zoom, 15, 1e-6);

  /* Set on the map (a click or a dragged pin): the view stays put. */
  tg_map_view_center_on (f.view, JULIACA_LAT, JULIACA_LON, 14);
  tg_report_set_location (report, JULIACA_LAT + 0.002, JULIACA_LON + 0.002, TG_LOCATION_METHOD_MAP);
  iterate_for (100);
  tg_map_view_get_center (f.view, &lat, &lon, &zoom);
  g_assert_cmpfloat_with_epsilon (lat, JULIACA_LAT, 1e-6);
  g_assert_cmpfloat_with_epsilon (lon, JULIACA_LON, 1e-6);

  /* Typed coordinates change with every key: nor do they. */
  tg_report_set_location (report, JULIACA_LAT - 0.003, JULIACA_LON, TG_LOCATION_METHOD_TYPED);
  iterate_for (100);
  tg_map_view_get_center (f.view, &lat, &lon, &zoom);
  g_assert_cmpfloat_with_epsilon (lat, JULIACA_LAT, 1e-6);

  /* Another edit of the report (its title) moves nothing either. */
  tg_report_set_title (report, "Plaza de armas");
  iterate_for (100);
  tg_map_view_get_center (f.view, &lat, &lon, &zoom);
  g_assert_cmpfloat_with_epsilon (lat, JULIACA_LAT, 1e-6);

  fixture_teardown (&f);
}

typedef struct
{
  gboolean done;
} Wait;

static void
results_changed_cb (GListModel *model,
                    guint       position,
                    guint       removed,
                    guint       added,
                    Wait       *wait)
{
  if (g_list_model_get_n_items (model) > 0)
    wait->done = TRUE;
}

static void
test_search (void)
{
  Fixture f;
  TgMapSearch *search;
  GListModel *results;
  g_autoptr(TgGazetteerPlace) first = NULL;
  Wait wait = { FALSE };
  double lat, lon, zoom;

  fixture_setup (&f);
  search = _tg_map_view_get_search (f.view);
  g_assert_nonnull (search);
  results = tg_map_search_get_results (search);
  g_signal_connect (results, "items-changed", G_CALLBACK (results_changed_cb), &wait);

  /* Accents and case do not matter. */
  tg_map_search_set_text (search, "JULIACA");
  tg_test_iterate_until_set (&wait.done, 20000, "search results");
  g_assert_cmpuint (g_list_model_get_n_items (results), >, 0);
  first = g_list_model_get_item (results, 0);
  g_assert_cmpstr (tg_gazetteer_place_get_name (first), ==, "Juliaca");
  g_assert_cmpstr (tg_gazetteer_place_get_country (first), ==, "PE");

  /* Choosing it centres the map there. */
  tg_map_search_choose (search, 0);
  {
    CenterWait centre = { f.view, tg_gazetteer_place_get_latitude (first),
                          tg_gazetteer_place_get_longitude (first), 0.005, 10, NAN, NAN, NAN };

    tg_test_iterate_until_or_timeout (centered_cb, &centre, 20000);
    lat = centre.clat;
    lon = centre.clon;
    zoom = centre.zoom;
  }
  g_assert_cmpfloat_with_epsilon (lat, tg_gazetteer_place_get_latitude (first), 0.01);
  g_assert_cmpfloat_with_epsilon (lon, tg_gazetteer_place_get_longitude (first), 0.01);
  g_assert_cmpfloat (zoom, >=, 10);

  g_signal_handlers_disconnect_by_data (results, &wait);
  fixture_teardown (&f);
}

static void
test_preferences_and_layers (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("mapui-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "layer.mbtiles", NULL);
  g_autofree char *junk = g_build_filename (dir, "junk.mbtiles", NULL);
  g_autoptr(GSettings) settings = tg_map_settings_new ();
  g_autoptr(TgMbtiles) writer = NULL;
  g_autoptr(GBytes) blue = solid_png (0, 0, 1);
  g_auto(GStrv) files = NULL;
  GtkWidget *window;
  GtkWidget *page;

  g_assert_nonnull (settings);
  g_settings_set_strv (settings, "mbtiles-files", NULL);

  writer = tg_mbtiles_create (path, "Juliaca detail", "png", &error);
  g_assert_no_error (error);
  g_assert_true (tg_mbtiles_put_tile (writer, 0, 0, 0, blue, &error));
  g_clear_object (&writer);
  g_assert_true (g_file_set_contents (junk, "SQLite? no", -1, NULL));

  window = adw_preferences_window_new ();
  page = tg_map_preferences_page_new (settings);
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (window), ADW_PREFERENCES_PAGE (page));
  gtk_window_present (GTK_WINDOW (window));

  /* A file that is not MBTiles is refused and not remembered. */
  g_assert_false (tg_map_preferences_page_add_file (TG_MAP_PREFERENCES_PAGE (page), junk, &error));
  g_assert_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT);
  g_clear_error (&error);

  g_assert_true (tg_map_preferences_page_add_file (TG_MAP_PREFERENCES_PAGE (page), path, &error));
  g_assert_no_error (error);
  files = g_settings_get_strv (settings, "mbtiles-files");
  g_assert_cmpuint (g_strv_length (files), ==, 1);
  g_assert_cmpstr (files[0], ==, path);

  /* A new map view shows the remembered file as a layer over the
   * basemap: the licence/attribution stays, the layer count grows. */
  {
    Fixture f;
    ShumateMap *map;
    guint n_layers = 0;

    fixture_setup (&f);
    map = f.map;
    for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (map));
         child != NULL; child = gtk_widget_get_next_sibling (child))
      if (SHUMATE_IS_MAP_LAYER (child))
        n_layers++;
    g_assert_cmpuint (n_layers, ==, 2);

    /* Removing it from the settings removes the layer. */
    g_assert_true (tg_map_settings_remove_mbtiles_file (settings, path));
    n_layers = 0;
    for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (map));
         child != NULL; child = gtk_widget_get_next_sibling (child))
      if (SHUMATE_IS_MAP_LAYER (child))
        n_layers++;
    g_assert_cmpuint (n_layers, ==, 1);
    fixture_teardown (&f);
  }

  gtk_window_destroy (GTK_WINDOW (window));
  tg_test_iterate_pending ();
  g_unlink (junk);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_download_dialog (void)
{
  g_autoptr(GSettings) settings = tg_map_settings_new ();
  GtkWidget *dialog;
  guint64 expected;

  g_settings_set_string (settings, "tile-url-template", "");
  dialog = tg_map_download_dialog_new (NULL, settings);

  /* The tile count shown before starting is the region's. */
  tg_map_download_dialog_set_region (TG_MAP_DOWNLOAD_DIALOG (dialog), "Juliaca",
                                     -70.3, -15.6, -70.0, -15.4);
  tg_map_download_dialog_set_zoom_range (TG_MAP_DOWNLOAD_DIALOG (dialog), 8, 14);
  expected = tg_tile_region_count (-70.3, -15.6, -70.0, -15.4, 8, 14);
  g_assert_cmpuint (expected, >, 0);
  g_assert_cmpuint (tg_map_download_dialog_get_tile_count (TG_MAP_DOWNLOAD_DIALOG (dialog)), ==, expected);
  g_assert_true (g_str_has_suffix (tg_map_download_dialog_get_path (TG_MAP_DOWNLOAD_DIALOG (dialog)),
                                   "juliaca-z8-14.mbtiles"));

  gtk_window_destroy (GTK_WINDOW (dialog));
}

static gboolean
has_sum_cb (gpointer data)
{
  MarkersWait *wait = data;

  return sum_counts (_tg_map_view_get_markers (wait->view)) == wait->n;
}

/* Waits (up to 20 s) for the markers to stand for @n reports in all. */
static GPtrArray *
wait_for_sum (TgMapView *view,
              guint      n)
{
  MarkersWait wait = { view, n };

  tg_test_iterate_until_or_timeout (has_sum_cb, &wait, 20000);
  return _tg_map_view_get_markers (view);
}

/* With a live list from the store, positions are read on a worker
 * thread: the markers come after, with every placed report, and follow a
 * report saved later. */
static void
test_markers_from_store (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("mapui-store-XXXXXX", &error);
  g_autoptr(TgStore) store = NULL;
  g_autoptr(TgReportList) list = NULL;
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(TgReport) extra = NULL;
  GPtrArray *markers;
  Fixture f;

  g_assert_no_error (error);
  store = tg_store_open (dir, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 300; i++)
    g_ptr_array_add (batch, make_report ("Juliaca", JULIACA_LAT + (i / 20) * 0.001,
                                         JULIACA_LON + (i % 20) * 0.001, "killing"));
  g_ptr_array_add (batch, make_report ("Unplaced", NAN, NAN, "raid"));
  g_assert_true (tg_store_save_reports (store, batch, &error));
  g_assert_no_error (error);

  fixture_setup (&f);
  tg_map_view_center_on (f.view, JULIACA_LAT, JULIACA_LON, 5);
  list = tg_report_list_new (store, NULL);
  tg_map_view_set_reports (f.view, G_LIST_MODEL (list));
  _tg_map_view_update_markers (f.view);

  markers = wait_for_sum (f.view, 300);
  g_assert_cmpuint (sum_counts (markers), ==, 300);

  extra = make_report ("Juliaca, later", JULIACA_LAT, JULIACA_LON + 0.05, "injury");
  g_assert_nonnull (tg_store_save_report (store, extra, &error));
  g_assert_no_error (error);
  markers = wait_for_sum (f.view, 301);
  g_assert_cmpuint (sum_counts (markers), ==, 301);

  /* Close enough for single pins: each is labelled from the store, by
   * row, with its report's id and title; the selected report is drawn
   * once, by itself. */
  tg_map_view_set_selected_report (f.view, extra);
  tg_map_view_center_on (f.view, JULIACA_LAT, JULIACA_LON + 0.05, 18);
  _tg_map_view_update_markers (f.view);
  markers = _tg_map_view_get_markers (f.view);
  {
    guint n_pins = 0, n_extra = 0;

    for (guint i = 0; i < markers->len; i++)
      {
        TgMapMarker *m = g_ptr_array_index (markers, i);
        const char *id = tg_map_marker_get_report_id (m);
        g_autoptr(TgReport) stored = NULL;

        if (id == NULL)
          continue;
        n_pins++;
        stored = tg_store_load_report (store, id, &error);
        g_assert_no_error (error);
        g_assert_cmpstr (gtk_widget_get_tooltip_text (GTK_WIDGET (m)), ==, tg_report_get_title (stored));
        if (g_str_equal (id, tg_report_get_id (extra)))
          {
            n_extra++;
            g_assert_true (tg_map_marker_get_selected (m));
          }
      }
    g_assert_cmpuint (n_pins, >, 0);
    g_assert_cmpuint (n_extra, ==, 1);
  }

  fixture_teardown (&f);
  tg_store_close (store);
  {
    const char *names[] = { "testigo.db", "testigo.db-wal", "testigo.db-shm" };
    g_autofree char *blobs = g_build_filename (dir, "blobs", NULL);

    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      {
        g_autofree char *path = g_build_filename (dir, names[i], NULL);

        g_unlink (path);
      }
    g_rmdir (blobs);
    g_rmdir (dir);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  adw_init ();

  g_test_add_func ("/mapui/basemap-source/tile", test_basemap_source_tile);
  g_test_add_func ("/mapui/basemap-source/renderer", test_basemap_renderer);
  g_test_add_func ("/mapui/mbtiles-source/read", test_mbtiles_source);
  g_test_add_func ("/mapui/markers/cluster", test_markers_cluster);
  g_test_add_func ("/mapui/markers/from-store", test_markers_from_store);
  g_test_add_func ("/mapui/picking/click", test_picking);
  g_test_add_func ("/mapui/selected/drag-and-circle", test_selected_drag_and_circle);
  g_test_add_func ("/mapui/selected/follows-picked-place", test_selected_follows_place);
  g_test_add_func ("/mapui/search/choose", test_search);
  g_test_add_func ("/mapui/preferences/mbtiles-layers", test_preferences_and_layers);
  g_test_add_func ("/mapui/download/estimate", test_download_dialog);

  return g_test_run ();
}
