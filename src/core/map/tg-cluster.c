/* tg-cluster.c — grid clustering of map points per zoom
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-cluster"

#include "config.h"

#include <math.h>

#include "tg-cluster.h"

#define MAX_LAT 85.05112878

/**
 * tg_cluster_points:
 * @points: (array length=n_points): the points
 * @zoom: the map's zoom level (0–22)
 * @cell_size: the grid cell in screen pixels (e.g. 60)
 * @membership: (out) (optional) (transfer full): for each point, the index
 *   of its cluster in the result
 *
 * Groups points that fall into the same @cell_size square of the
 * web-mercator pixel grid at @zoom. Clusters come in the order of their
 * first member, so the result is stable for the same input.
 *
 * Returns: (transfer full) (element-type TgCluster): the clusters
 */
GArray *
tg_cluster_points (const TgClusterPoint *points,
                   guint                 n_points,
                   int                   zoom,
                   double                cell_size,
                   guint               **membership)
{
  g_autoptr(GHashTable) cells = NULL;
  g_autofree gint64 *keys = NULL;
  GArray *clusters;
  guint *member = NULL;
  double world;

  g_return_val_if_fail (points != NULL || n_points == 0, NULL);
  g_return_val_if_fail (cell_size > 0, NULL);

  zoom = CLAMP (zoom, 0, 30);
  world = ldexp (256.0, zoom) / cell_size;   /* cells across the world */
  clusters = g_array_sized_new (FALSE, FALSE, sizeof (TgCluster), MIN (n_points, 1024));
  cells = g_hash_table_new (g_int64_hash, g_int64_equal);
  if (membership)
    member = g_new (guint, MAX (n_points, 1));

  /* Keys live in this array so the hash table can point at them. */
  keys = g_new (gint64, MAX (n_points, 1));

  for (guint i = 0; i < n_points; i++)
    {
      double lat = CLAMP (points[i].latitude, -MAX_LAT, MAX_LAT);
      double s = sin (lat * G_PI / 180.0);
      double fx = (points[i].longitude + 180.0) / 360.0;
      double fy = 0.5 - log ((1.0 + s) / (1.0 - s)) / (4.0 * G_PI);
      gint64 cx = (gint64) floor (CLAMP (fx, 0.0, 1.0) * world);
      gint64 cy = (gint64) floor (CLAMP (fy, 0.0, 1.0) * world);
      gpointer index_ptr;
      TgCluster *c;

      keys[i] = (cy << 32) | (cx & 0xffffffff);
      if (g_hash_table_lookup_extended (cells, &keys[i], NULL, &index_ptr))
        {
          guint index = GPOINTER_TO_UINT (index_ptr);

          c = &g_array_index (clusters, TgCluster, index);
          c->count++;
          c->latitude += (points[i].latitude - c->latitude) / c->count;
          c->longitude += (points[i].longitude - c->longitude) / c->count;
          if (member)
            member[i] = index;
        }
      else
        {
          TgCluster nc = { points[i].latitude, points[i].longitude, 1, i };

          g_hash_table_insert (cells, &keys[i], GUINT_TO_POINTER (clusters->len));
          if (member)
            member[i] = clusters->len;
          g_array_append_val (clusters, nc);
        }
    }

  if (membership)
    *membership = member;

  return clusters;
}
