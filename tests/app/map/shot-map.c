/* shot-map.c — a window with just the map, for screenshots
 *
 *   shot-map [--lat -14.8] [--lon -72.5] [--zoom 6] [--demo 60]
 *            [--width 1200] [--height 800] [--seconds 0] [--select N]
 *            [--select-nearest] [--search TEXT]
 *
 * Shows TgMapView at the given centre and zoom with the demo reports
 * (tg-demo.h). With --seconds it quits after that many seconds, else it
 * stays until closed; take the screenshot meanwhile, e.g. under Xvfb:
 *   xwd -root -silent | convert xwd:- data/screenshots/map-peru.png
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <math.h>

#include "tg-demo.h"
#include "tg-map-util.h"
#include "tg-map-view-private.h"
#include "tg-report.h"

static double   opt_lat = -14.8;
static double   opt_lon = -72.5;
static double   opt_zoom = 6;
static int      opt_demo = TG_DEMO_DEFAULT_SIZE;
static int      opt_width = 1200;
static int      opt_height = 800;
static int      opt_seconds = 0;
static int      opt_select = -1;
static char    *opt_search = NULL;
static gboolean opt_select_nearest = FALSE;

static const GOptionEntry entries[] = {
  { "lat", 0, 0, G_OPTION_ARG_DOUBLE, &opt_lat, "Latitude of the centre", "DEG" },
  { "lon", 0, 0, G_OPTION_ARG_DOUBLE, &opt_lon, "Longitude of the centre", "DEG" },
  { "zoom", 0, 0, G_OPTION_ARG_DOUBLE, &opt_zoom, "Zoom level", "Z" },
  { "demo", 0, 0, G_OPTION_ARG_INT, &opt_demo, "Number of demo reports", "N" },
  { "width", 0, 0, G_OPTION_ARG_INT, &opt_width, "Window width", "PX" },
  { "height", 0, 0, G_OPTION_ARG_INT, &opt_height, "Window height", "PX" },
  { "seconds", 0, 0, G_OPTION_ARG_INT, &opt_seconds, "Quit after this many seconds", "S" },
  { "select", 0, 0, G_OPTION_ARG_INT, &opt_select, "Select the demo report with this index", "N" },
  { "select-nearest", 0, 0, G_OPTION_ARG_NONE, &opt_select_nearest, "Select the report nearest the centre", NULL },
  { "search", 0, 0, G_OPTION_ARG_STRING, &opt_search, "Type this in the place search", "TEXT" },
  { NULL }
};

static gboolean
quit_cb (gpointer user_data)
{
  gboolean *done = user_data;

  *done = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
close_cb (GtkWindow *window,
          gboolean  *done)
{
  *done = TRUE;
  return FALSE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("— show the map for a screenshot");
  g_autoptr(GError) error = NULL;
  g_autoptr(GListStore) store = NULL;
  g_autoptr(GPtrArray) reports = NULL;
  GtkWidget *window;
  GtkWidget *view;
  gboolean done = FALSE;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  adw_init ();

  store = g_list_store_new (TG_TYPE_REPORT);
  if (opt_demo > 0)
    {
      reports = tg_demo_generate (opt_demo, TG_DEMO_DEFAULT_SEED);
      for (guint i = 0; i < reports->len; i++)
        g_list_store_append (store, g_ptr_array_index (reports, i));
    }

  window = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (window), "Testigo map");
  gtk_window_set_decorated (GTK_WINDOW (window), FALSE);
  gtk_window_set_default_size (GTK_WINDOW (window), opt_width, opt_height);
  view = tg_map_view_new ();
  {
    g_autoptr(GSettings) settings = tg_map_settings_new ();

    tg_map_view_set_settings (TG_MAP_VIEW (view), settings);
  }
  gtk_window_set_child (GTK_WINDOW (window), view);
  tg_map_view_set_reports (TG_MAP_VIEW (view), G_LIST_MODEL (store));
  tg_map_view_center_on (TG_MAP_VIEW (view), opt_lat, opt_lon, opt_zoom);
  if (reports != NULL && opt_select >= 0 && (guint) opt_select < reports->len)
    tg_map_view_set_selected_report (TG_MAP_VIEW (view), g_ptr_array_index (reports, opt_select));
  if (reports != NULL && opt_select_nearest)
    {
      TgReport *nearest = NULL;
      double best = G_MAXDOUBLE;

      for (guint i = 0; i < reports->len; i++)
        {
          TgReport *r = g_ptr_array_index (reports, i);
          double d;

          if (!tg_report_has_location (r))
            continue;
          d = hypot (tg_report_get_latitude (r) - opt_lat, tg_report_get_longitude (r) - opt_lon);
          if (d < best)
            {
              best = d;
              nearest = r;
            }
        }
      if (nearest != NULL)
        tg_map_view_set_selected_report (TG_MAP_VIEW (view), nearest);
    }
  if (opt_search != NULL)
    tg_map_search_set_text (_tg_map_view_get_search (TG_MAP_VIEW (view)), opt_search);
  g_signal_connect (window, "close-request", G_CALLBACK (close_cb), &done);
  gtk_window_present (GTK_WINDOW (window));

  if (opt_seconds > 0)
    g_timeout_add_seconds (opt_seconds, quit_cb, &done);

  while (!done)
    g_main_context_iteration (NULL, TRUE);

  return 0;
}
