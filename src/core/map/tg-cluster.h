/* tg-cluster.h — grid clustering of map points per zoom
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  double latitude;
  double longitude;
} TgClusterPoint;

typedef struct
{
  double latitude;    /* mean of the members */
  double longitude;
  guint  count;
  guint  first;       /* index of the first member in the input */
} TgCluster;

GArray *tg_cluster_points (const TgClusterPoint *points,
                           guint                 n_points,
                           int                   zoom,
                           double                cell_size,
                           guint               **membership);

G_END_DECLS
