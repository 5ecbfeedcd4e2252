/* tg-test-map.h — map helpers the map UI tests share (tests/common)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <shumate/shumate.h>

G_BEGIN_DECLS

/* One tile asked of a data source, and what came back: the data passed to
 * "received-data" (with its address) and the result of the request. */
typedef struct
{
  gboolean  received;
  int       x, y, zoom;
  GBytes   *received_bytes;
  gboolean  received_before_done;
  gboolean  done;
  GBytes   *bytes;
  GError   *error;
} TgTestTileFetch;

void tg_test_fetch_tile       (ShumateDataSource *source,
                               int                x,
                               int                y,
                               int                zoom,
                               TgTestTileFetch   *fetch);
void tg_test_tile_fetch_clear (TgTestTileFetch   *fetch);

G_END_DECLS
