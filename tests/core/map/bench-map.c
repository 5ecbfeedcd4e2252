/* bench-map.c — timings of the offline map's core (see docs/map.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Prints: built-in basemap tile render median and p95 (target < 15 ms per
 * 256 px tile), gazetteer search median over the whole world data
 * (target < 5 ms), and clustering 10,000 points on a zoom change
 * (target < 16 ms).
 */
#define G_LOG_DOMAIN "bench-map"

#include "config.h"

#include <math.h>
#include <stdio.h>

#include "tg-basemap.h"
#include "tg-cluster.h"
#include "tg-gazetteer.h"
#include "tg-test-common.h"

static void
report (const char *what,
        GArray     *ms,
        double      target)
{
  double median, p95;

  g_array_sort (ms, tg_test_compare_double);
  median = g_array_index (ms, double, ms->len / 2);
  p95 = g_array_index (ms, double, MIN (ms->len - 1, (guint) ceil (ms->len * 0.95) - 1));
  printf ("%-44s n=%-5u median %7.3f ms  p95 %7.3f ms  (target < %g ms: %s)\n",
          what, ms->len, median, p95, target, median < target ? "met" : "MISSED");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgBasemap) basemap = tg_basemap_new (NULL, &error);
  g_autoptr(TgGazetteer) gazetteer = NULL;
  g_autoptr(GArray) render = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) search = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) cluster = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree TgClusterPoint *points = NULL;
  GRand *rand = g_rand_new_with_seed (2023);
  const char *queries[] = {
    "Juliaca", "ayacucho", "JULIACA", "cusco", "lima", "Andahuaylas", "puno",
    "arequipa", "san", "santa", "villa", "la paz", "london", "paris", "berlin",
    "sao paulo", "new york", "tokyo", "moscow", "cairo", "nairobi", "delhi",
    "huamanga", "abancay", "ilave", "desaguadero", "chala", "mexico", "bogota", "quito",
  };

  if (basemap == NULL)
    g_error ("%s", error->message);
  gazetteer = tg_gazetteer_new (NULL, &error);
  if (gazetteer == NULL)
    g_error ("%s", error->message);

  /* Tiles over Peru at every zoom from 0 to 14, around five places. */
  {
    const double where[][2] = {
      { -15.50, -70.13 }, { -13.53, -71.97 }, { -13.16, -74.22 },
      { -12.05, -77.04 }, { -13.65, -73.39 },
    };

    for (int z = 0; z <= 14; z++)
      for (guint p = 0; p < G_N_ELEMENTS (where); p++)
        for (int dx = -1; dx <= 1; dx++)
          {
            int x = (int) tg_basemap_lon_to_tile_x (where[p][1], z) + dx;
            int y = (int) tg_basemap_lat_to_tile_y (where[p][0], z);
            gint64 start;
            double ms;
            g_autoptr(GBytes) png = NULL;

            x = CLAMP (x, 0, (1 << z) - 1);
            start = g_get_monotonic_time ();
            png = tg_basemap_render_tile (basemap, z, x, y, 256, TG_BASEMAP_STYLE_LIGHT, &error);
            ms = (g_get_monotonic_time () - start) / 1000.0;
            if (png == NULL)
              g_error ("%s", error->message);
            g_array_append_val (render, ms);
          }
  }
  report ("basemap tile render (256 px, z0-14, Peru)", render, 15);

  for (int round = 0; round < 5; round++)
    for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
      {
        gint64 start = g_get_monotonic_time ();
        g_autoptr(GPtrArray) places = tg_gazetteer_search (gazetteer, queries[q], NULL, 10, &error);
        double ms = (g_get_monotonic_time () - start) / 1000.0;

        if (places == NULL)
          g_error ("%s", error->message);
        g_array_append_val (search, ms);
      }
  report ("gazetteer search (171,075 places)", search, 5);

  /* 10,000 reports, most in southern Peru, some world-wide. */
  points = g_new (TgClusterPoint, 10000);
  for (int i = 0; i < 10000; i++)
    {
      if (i % 10 == 0)
        {
          points[i].latitude = g_rand_double_range (rand, -60, 70);
          points[i].longitude = g_rand_double_range (rand, -180, 180);
        }
      else
        {
          points[i].latitude = g_rand_double_range (rand, -18, -12);
          points[i].longitude = g_rand_double_range (rand, -76, -69);
        }
    }
  for (int round = 0; round < 5; round++)
    for (int z = 3; z <= 16; z++)
      {
        gint64 start = g_get_monotonic_time ();
        g_autoptr(GArray) clusters = tg_cluster_points (points, 10000, z, 60, NULL);
        double ms = (g_get_monotonic_time () - start) / 1000.0;

        g_assert (clusters->len > 0);
        g_array_append_val (cluster, ms);
      }
  report ("clustering 10,000 points on a zoom change", cluster, 16);

  g_rand_free (rand);
  return 0;
}
