/* tg-test-map.c — fetching one tile from a data source, for the map UI tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "tg-test-common.h"
#include "tg-test-map.h"

static void
received_data_cb (ShumateDataSource *source,
                  int                x,
                  int                y,
                  int                zoom,
                  GBytes            *bytes,
                  TgTestTileFetch   *fetch)
{
  fetch->received = TRUE;
  fetch->x = x;
  fetch->y = y;
  fetch->zoom = zoom;
  g_clear_pointer (&fetch->received_bytes, g_bytes_unref);
  fetch->received_bytes = g_bytes_ref (bytes);
}

static void
tile_data_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  TgTestTileFetch *fetch = user_data;

  fetch->received_before_done = fetch->received;
  fetch->bytes = shumate_data_source_get_tile_data_finish (SHUMATE_DATA_SOURCE (object),
                                                           result, &fetch->error);
  fetch->done = TRUE;
}

/* Asks @source for the tile and waits (20 s at most, else the test fails)
 * for the answer. */
void
tg_test_fetch_tile (ShumateDataSource *source,
                    int                x,
                    int                y,
                    int                zoom,
                    TgTestTileFetch   *fetch)
{
  gulong id;

  memset (fetch, 0, sizeof *fetch);
  id = g_signal_connect (source, "received-data", G_CALLBACK (received_data_cb), fetch);
  shumate_data_source_get_tile_data_async (source, x, y, zoom, NULL, tile_data_cb, fetch);
  tg_test_iterate_until_set (&fetch->done, 20000, "the tile's data");
  g_signal_handler_disconnect (source, id);
  g_assert_true (fetch->done);
}

void
tg_test_tile_fetch_clear (TgTestTileFetch *fetch)
{
  g_clear_pointer (&fetch->bytes, g_bytes_unref);
  g_clear_pointer (&fetch->received_bytes, g_bytes_unref);
  g_clear_error (&fetch->error);
}
