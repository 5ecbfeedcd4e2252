/* test-mapui-online.c — the online tile layer and its on-disk cache
 *
 * Against a SoupServer tile server on 127.0.0.1 started here. GTK tests:
 * run under Xvfb (tools/run-tests.sh).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#include "tg-basemap.h"
#include "tg-map-tile-cache.h"
#include "tg-map-util.h"
#include "tg-map-view-private.h"
#include "tg-online-tile-source.h"
#include "tg-test-common.h"
#include "tg-test-map.h"

#define SERVER_COLOR 0xff00ff   /* every tile the server draws is magenta… */
#define NOISE_TILE   TRUE       /* …or magenta with a square of noise */

static char *cache_home;

/* Helpers */

typedef enum
{
  SERVE_TILES,
  SERVE_500,
  SERVE_GARBAGE,
  SERVE_BROKEN_PNG,
  SERVE_HANG,
} ServeMode;

typedef struct
{
  SoupServer *server;
  char       *url_template;
  ServeMode   mode;
  gboolean    noise;
  guint       n_requests;
  GHashTable *counts;        /* path → number of requests */
  char       *user_agent;
  GPtrArray  *hung;          /* SoupServerMessage, never answered */
} TileServer;

static cairo_status_t
write_cb (void                *closure,
          const unsigned char *data,
          unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

/* Magenta; with @noise, a 256 px square of pseudo-random pixels seeded by
 * the tile's place, about 200 KB as PNG. */
static GBytes *
server_tile (int      zoom,
             int      x,
             int      y,
             gboolean noise)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 256, 256);
  GByteArray *png = g_byte_array_new ();
  cairo_t *cr = cairo_create (surface);

  cairo_set_source_rgb (cr, 1, 0, 1);
  cairo_paint (cr);
  cairo_destroy (cr);

  if (noise)
    {
      g_autoptr(GRand) rand = g_rand_new_with_seed ((zoom << 24) ^ (x << 12) ^ y);
      guint32 *pixels;
      int stride;

      cairo_surface_flush (surface);
      pixels = (guint32 *) cairo_image_surface_get_data (surface);
      stride = cairo_image_surface_get_stride (surface) / 4;
      for (int j = 64; j < 256; j++)
        for (int i = 0; i < 256; i++)
          pixels[j * stride + i] = g_rand_int (rand) & 0xffffff;
      cairo_surface_mark_dirty (surface);
    }

  g_assert_cmpint (cairo_surface_write_to_png_stream (surface, write_cb, png), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (surface);

  return g_byte_array_free_to_bytes (png);
}

static void
tile_handler (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  TileServer *ts = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  int zoom, x, y;
  guint count;

  ts->n_requests++;
  count = GPOINTER_TO_UINT (g_hash_table_lookup (ts->counts, path));
  g_hash_table_insert (ts->counts, g_strdup (path), GUINT_TO_POINTER (count + 1));
  g_free (ts->user_agent);
  ts->user_agent = g_strdup (soup_message_headers_get_one (headers, "User-Agent"));

  if (sscanf (path, "/tiles/%d/%d/%d.png", &zoom, &x, &y) != 3)
    {
      soup_server_message_set_status (msg, 404, NULL);
      return;
    }

  switch (ts->mode)
    {
    case SERVE_TILES:
      {
        g_autoptr(GBytes) png = server_tile (zoom, x, y, ts->noise);
        gsize size;
        gconstpointer data = g_bytes_get_data (png, &size);

        soup_server_message_set_status (msg, 200, NULL);
        soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_COPY, data, size);
      }
      break;
    case SERVE_500:
      soup_server_message_set_status (msg, 500, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "oops", 4);
      break;
    case SERVE_GARBAGE:
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_STATIC,
                                        "<html>captive portal</html>", 27);
      break;
    case SERVE_BROKEN_PNG:
      {
        static const char broken[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDRthis is not really a png";

        soup_server_message_set_status (msg, 200, NULL);
        soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_STATIC,
                                          broken, sizeof broken - 1);
      }
      break;
    case SERVE_HANG:
      soup_server_message_pause (msg);
      g_ptr_array_add (ts->hung, g_object_ref (msg));
      break;
    default:
      g_assert_not_reached ();
    }
}

static TileServer *
tile_server_new (void)
{
  TileServer *ts = g_new0 (TileServer, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  GSList *uris;

  ts->counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ts->hung = g_ptr_array_new_with_free_func (g_object_unref);
  ts->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (ts->server, "/tiles", tile_handler, ts, NULL);
  g_assert_true (soup_server_listen (ts->server, address, 0, &error));
  g_assert_no_error (error);

  uris = soup_server_get_uris (ts->server);
  g_assert_nonnull (uris);
  ts->url_template = g_strdup_printf ("http://127.0.0.1:%d/tiles/{z}/{x}/{y}.png",
                                      g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  return ts;
}

static guint
tile_server_count (TileServer *ts,
                   int         zoom,
                   int         x,
                   int         y)
{
  g_autofree char *path = g_strdup_printf ("/tiles/%d/%d/%d.png", zoom, x, y);

  return GPOINTER_TO_UINT (g_hash_table_lookup (ts->counts, path));
}

/* Stops listening: from now on connections are refused. */
static void
tile_server_stop (TileServer *ts)
{
  if (ts->server == NULL)
    return;
  soup_server_disconnect (ts->server);
  g_clear_object (&ts->server);
  g_ptr_array_set_size (ts->hung, 0);
}

static void
tile_server_free (TileServer *ts)
{
  tile_server_stop (ts);
  g_hash_table_unref (ts->counts);
  g_ptr_array_unref (ts->hung);
  g_free (ts->url_template);
  g_free (ts->user_agent);
  g_free (ts);
}

/* The online source's tile at @zoom/@x/@y (the order its tests think in). */
static void
fetch_tile (TgOnlineTileSource *source,
            int                 zoom,
            int                 x,
            int                 y,
            TgTestTileFetch    *fetch)
{
  tg_test_fetch_tile (SHUMATE_DATA_SOURCE (source), x, y, zoom, fetch);
}

/* Fetches a tile that must come through, and checks it is the server's. */
static void
assert_tile (TgOnlineTileSource *source,
             int                 zoom,
             int                 x,
             int                 y,
             gboolean            noise)
{
  g_autoptr(GBytes) expected = server_tile (zoom, x, y, noise);
  TgTestTileFetch fetch;

  fetch_tile (source, zoom, x, y, &fetch);
  g_assert_no_error (fetch.error);
  g_assert_nonnull (fetch.bytes);
  /* libshumate 1.0 draws what "received-data" carried. */
  g_assert_true (fetch.received_before_done);
  g_assert_true (g_bytes_equal (fetch.bytes, expected));
  tg_test_tile_fetch_clear (&fetch);
}

static void
assert_no_tile (TgOnlineTileSource *source,
                int                 zoom,
                int                 x,
                int                 y)
{
  TgTestTileFetch fetch;

  fetch_tile (source, zoom, x, y, &fetch);
  g_assert_null (fetch.bytes);
  g_assert_nonnull (fetch.error);
  g_assert_false (fetch.received);
  tg_test_tile_fetch_clear (&fetch);
}

static char *
temp_cache_path (const char *name)
{
  return g_build_filename (cache_home, name, NULL);
}

static void
remove_cache (const char *path)
{
  static const char * const suffixes[] = { "", "-wal", "-shm" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      g_unlink (file);
    }
}

static gint64
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (gint64) st.st_size : 0;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* The share of the map widget's pixels that have one of @colors. */
static double
compute_share (GtkWidget     *widget,
               const guint32 *colors,
               guint          n_colors)
{
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree guchar *data = NULL;
  graphene_rect_t bounds;
  int width, height;
  guint hits = 0;

  gtk_widget_snapshot_child (gtk_widget_get_parent (widget), widget, snapshot);
  node = gtk_snapshot_to_node (snapshot);
  if (node == NULL)
    return 0;  /* nothing drawn yet */
  gsk_render_node_get_bounds (node, &bounds);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)),
                                         node, &bounds);
  width = gdk_texture_get_width (texture);
  height = gdk_texture_get_height (texture);
  data = g_malloc (width * height * 4);
  gdk_texture_download (texture, data, width * 4);

  for (int i = 0; i < width * height; i++)
    {
      /* Cairo order on little-endian: B G R A */
      guint32 rgb = (data[i * 4 + 2] << 16) | (data[i * 4 + 1] << 8) | data[i * 4];

      for (guint c = 0; c < n_colors; c++)
        if (rgb == colors[c])
          {
            hits++;
            break;
          }
    }

  return (double) hits / (width * height);
}

typedef struct
{
  GtkWidget     *widget;
  const guint32 *colors;
  guint          n_colors;
  double         share;
  gboolean       done;
} Shot;

static void
after_paint_cb (GdkFrameClock *clock,
                Shot          *shot)
{
  if (shot->done)
    return;
  shot->share = compute_share (shot->widget, shot->colors, shot->n_colors);
  shot->done = TRUE;
}

/* Measured right after a frame is painted, when the layout is current. */
static double
share_of_colors (GtkWidget     *widget,
                 const guint32 *colors,
                 guint          n_colors)
{
  Shot shot = { widget, colors, n_colors, 0, FALSE };
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gulong id;

  g_assert_nonnull (clock);
  id = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &shot);
  gtk_widget_queue_draw (widget);
  tg_test_iterate_until_set (&shot.done, 20000, "a frame to be painted");
  g_signal_handler_disconnect (clock, id);
  g_assert_true (shot.done);

  return shot.share;
}

typedef struct
{
  GtkWidget     *widget;
  const guint32 *colors;
  guint          n_colors;
  double         over;
} ShareWait;

static gboolean
share_over_cb (gpointer data)
{
  ShareWait *wait = data;

  return share_of_colors (wait->widget, wait->colors, wait->n_colors) > wait->over;
}

/* Waits (up to 20 s) for @colors to cover more than @over of @widget:
 * tiles come from other threads and are drawn frames later. */
static void
wait_for_share (GtkWidget     *widget,
                const guint32 *colors,
                guint          n_colors,
                double         over)
{
  ShareWait wait = { widget, colors, n_colors, over };

  tg_test_iterate_until_or_timeout (share_over_cb, &wait, 20000);
}

static guint
count_map_layers (ShumateMap *map)
{
  guint n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (map));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (SHUMATE_IS_MAP_LAYER (child))
      n++;

  return n;
}

/* Tests */

static void
test_cache_offline (void)
{
  TileServer *ts = tile_server_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = tg_map_tile_cache_get_default_path ();
  g_autofree char *user_agent = g_strdup ("Testigo/" PACKAGE_VERSION);
  g_autoptr(TgMapTileCache) cache = NULL;
  g_autoptr(TgOnlineTileSource) source = NULL;
  g_autoptr(GArray) latencies = g_array_new (FALSE, FALSE, sizeof (double));
  gint64 n_tiles = 0;

  /* The cache lives in the person's cache folder. */
  g_assert_true (g_str_has_prefix (path, cache_home));
  remove_cache (path);

  cache = tg_map_tile_cache_new (path, ts->url_template, 64 * 1024 * 1024);
  source = tg_online_tile_source_new (ts->url_template, cache, &error);
  g_assert_no_error (error);

  for (int x = 0; x < 4; x++)
    assert_tile (source, 3, x, 2, FALSE);
  g_assert_cmpuint (ts->n_requests, ==, 4);
  g_assert_cmpstr (ts->user_agent, ==, user_agent);
  g_assert_cmpstr (tg_online_tile_source_get_user_agent (source), ==, user_agent);
  g_assert_null (tg_online_tile_source_get_last_error (source));

  /* Fresh cached tiles cost no request. */
  tg_map_tile_cache_sync (cache);
  g_assert_cmpint (tg_map_tile_cache_get_size (cache, &n_tiles), >, 0);
  g_assert_cmpint (n_tiles, ==, 4);
  for (int round = 0; round < 25; round++)
    for (int x = 0; x < 4; x++)
      {
        gint64 start = g_get_monotonic_time ();
        double ms;

        assert_tile (source, 3, x, 2, FALSE);
        ms = (g_get_monotonic_time () - start) / 1000.0;
        g_array_append_val (latencies, ms);
      }
  g_assert_cmpuint (ts->n_requests, ==, 4);
  g_array_sort (latencies, compare_double);
  g_test_message ("cache hit through the data source: n=%u median %.3f ms p95 %.3f ms",
                  latencies->len, g_array_index (latencies, double, latencies->len / 2),
                  g_array_index (latencies, double, latencies->len * 95 / 100));

  /* A stale tile is fetched again while the server answers. */
  tg_map_tile_cache_set_max_age (cache, -1);
  assert_tile (source, 3, 0, 2, FALSE);
  g_assert_cmpuint (tile_server_count (ts, 3, 0, 2), ==, 2);
  tg_map_tile_cache_set_max_age (cache, TG_MAP_TILE_CACHE_MAX_AGE_DEFAULT);
  tg_map_tile_cache_sync (cache);

  /* No network, and the app restarted: the cache still shows the tiles. */
  tile_server_stop (ts);
  g_clear_object (&source);
  g_clear_object (&cache);
  cache = tg_map_tile_cache_new (path, ts->url_template, 64 * 1024 * 1024);
  source = tg_online_tile_source_new (ts->url_template, cache, &error);
  g_assert_no_error (error);
  for (int x = 0; x < 4; x++)
    assert_tile (source, 3, x, 2, FALSE);
  g_assert_cmpuint (tg_online_tile_source_get_n_requests (source), ==, 0);

  /* A tile never fetched stays empty, with a reason to show. */
  assert_no_tile (source, 3, 5, 5);
  g_assert_nonnull (tg_online_tile_source_get_last_error (source));

  /* Offline, stale tiles are better than none. */
  tg_map_tile_cache_set_max_age (cache, -1);
  assert_tile (source, 3, 1, 2, FALSE);

  g_clear_object (&source);
  g_clear_object (&cache);
  remove_cache (path);
  tile_server_free (ts);
}

static void
test_cache_limit_lru (void)
{
  TileServer *ts = tile_server_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = temp_cache_path ("lru.mbtiles");
  const gint64 limit = 1024 * 1024;
  g_autoptr(TgMapTileCache) cache = NULL;
  g_autoptr(TgOnlineTileSource) source = NULL;
  g_autoptr(GBytes) sample = server_tile (6, 0, 0, TRUE);
  gint64 size, n_tiles;
  guint n_evicted = 0;
  gint64 eviction_us = 0;

  ts->noise = TRUE;
  remove_cache (path);
  g_assert_cmpuint (g_bytes_get_size (sample), >, limit / 8);

  cache = tg_map_tile_cache_new (path, ts->url_template, limit);
  source = tg_online_tile_source_new (ts->url_template, cache, &error);
  g_assert_no_error (error);

  /* Tile 0 stays in view while a dozen others pass by. */
  assert_tile (source, 6, 0, 9, TRUE);
  for (int x = 1; x <= 12; x++)
    {
      assert_tile (source, 6, x, 9, TRUE);
      assert_tile (source, 6, 0, 9, TRUE);
      tg_map_tile_cache_sync (cache);
      size = tg_map_tile_cache_get_size (cache, NULL);
      g_assert_cmpint (size, <=, limit);
    }
  g_assert_cmpuint (tile_server_count (ts, 6, 0, 9), ==, 1);

  size = tg_map_tile_cache_get_size (cache, &n_tiles);
  g_assert_cmpint (size, <=, limit);
  g_assert_cmpint (n_tiles, >=, 3);
  g_assert_cmpint (n_tiles, <, 13);
  /* The most recently used are kept, the least recently used went. */
  g_assert_true (tg_map_tile_cache_has_tile (cache, 6, 0, 9));
  g_assert_true (tg_map_tile_cache_has_tile (cache, 6, 12, 9));
  g_assert_false (tg_map_tile_cache_has_tile (cache, 6, 1, 9));
  for (int x = 1; x <= 12; x++)
    if (tg_map_tile_cache_has_tile (cache, 6, x, 9))
      for (int later = x + 1; later <= 12; later++)
        g_assert_true (tg_map_tile_cache_has_tile (cache, 6, later, 9));
  /* The file gave the space back. */
  g_assert_cmpint (file_size (path), <=, limit + 128 * 1024);

  /* Shrinking evicts at once (on the worker), the hot tile last. */
  tg_map_tile_cache_set_max_bytes (cache, limit / 2);
  tg_map_tile_cache_sync (cache);
  size = tg_map_tile_cache_get_size (cache, &n_tiles);
  g_assert_cmpint (size, <=, limit / 2);
  g_assert_true (tg_map_tile_cache_has_tile (cache, 6, 0, 9));
  tg_map_tile_cache_get_last_eviction (cache, &n_evicted, &eviction_us);
  g_assert_cmpuint (n_evicted, >, 0);

  tg_map_tile_cache_set_max_bytes (cache, 0);
  size = tg_map_tile_cache_get_size (cache, &n_tiles);
  g_assert_cmpint (size, ==, 0);
  g_assert_cmpint (n_tiles, ==, 0);

  g_clear_object (&source);
  g_clear_object (&cache);
  remove_cache (path);
  tile_server_free (ts);
}

static void
test_eviction_time (void)
{
  g_autofree char *path = temp_cache_path ("evict.mbtiles");
  g_autoptr(TgMapTileCache) cache = NULL;
  g_autoptr(GBytes) tile = server_tile (0, 0, 0, FALSE);
  const int n = g_test_perf () ? 20000 : 2000;
  gint64 start, n_tiles, size;
  guint n_evicted;
  gint64 eviction_us;

  remove_cache (path);
  cache = tg_map_tile_cache_new (path, "http://127.0.0.1/{z}/{x}/{y}.png", G_MAXINT64 / 2);
  start = g_get_monotonic_time ();
  for (int i = 0; i < n; i++)
    tg_map_tile_cache_store_async (cache, 12, i % 4096, i / 4096, tile, NULL, NULL, NULL);
  tg_map_tile_cache_sync (cache);
  size = tg_map_tile_cache_get_size (cache, &n_tiles);
  g_assert_cmpint (n_tiles, ==, n);
  g_test_message ("stored %d tiles of %zu bytes in %.1f ms",
                  n, g_bytes_get_size (tile), (g_get_monotonic_time () - start) / 1000.0);

  /* Down to a tenth: 90 % of the tiles go in one eviction. */
  start = g_get_monotonic_time ();
  tg_map_tile_cache_set_max_bytes (cache, size / 10);
  tg_map_tile_cache_sync (cache);
  tg_map_tile_cache_get_last_eviction (cache, &n_evicted, &eviction_us);
  g_test_message ("evicted %u of %d tiles in %.1f ms (worker thread; %.1f ms until synced)",
                  n_evicted, n, eviction_us / 1000.0, (g_get_monotonic_time () - start) / 1000.0);
  g_assert_cmpint (tg_map_tile_cache_get_size (cache, NULL), <=, size / 10);
  /* The oldest went first. */
  g_assert_false (tg_map_tile_cache_has_tile (cache, 12, 0, 0));
  g_assert_true (tg_map_tile_cache_has_tile (cache, 12, (n - 1) % 4096, (n - 1) / 4096));

  g_clear_object (&cache);
  remove_cache (path);
}

static void
test_server_failures (void)
{
  static const ServeMode modes[] = { SERVE_500, SERVE_GARBAGE, SERVE_BROKEN_PNG, SERVE_HANG };
  TileServer *ts = tile_server_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = temp_cache_path ("failures.mbtiles");
  g_autoptr(TgMapTileCache) cache = NULL;
  g_autoptr(TgOnlineTileSource) source = NULL;

  remove_cache (path);
  cache = tg_map_tile_cache_new (path, ts->url_template, 64 * 1024 * 1024);
  source = tg_online_tile_source_new (ts->url_template, cache, &error);
  g_assert_no_error (error);
  tg_online_tile_source_set_timeout (source, 1);

  /* One good tile in the cache, made stale. */
  assert_tile (source, 5, 1, 1, FALSE);
  tg_map_tile_cache_sync (cache);
  tg_map_tile_cache_set_max_age (cache, -1);

  for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
    {
      gint64 start = g_get_monotonic_time ();

      ts->mode = modes[m];
      assert_no_tile (source, 5, 2 + m, 1);
      g_assert_nonnull (tg_online_tile_source_get_last_error (source));
      g_test_message ("mode %u failed in %.0f ms: %s", modes[m],
                      (g_get_monotonic_time () - start) / 1000.0,
                      tg_online_tile_source_get_last_error (source));
      /* Nothing bad is cached. */
      tg_map_tile_cache_sync (cache);
      g_assert_false (tg_map_tile_cache_has_tile (cache, 5, 2 + m, 1));
      /* The stale tile is shown rather than nothing. */
      if (modes[m] != SERVE_HANG)
        assert_tile (source, 5, 1, 1, FALSE);
    }

  /* After a timeout the source does not wait again for each tile. */
  {
    gint64 start = g_get_monotonic_time ();

    assert_no_tile (source, 5, 9, 9);
    g_assert_cmpint (g_get_monotonic_time () - start, <, 500 * 1000);
  }

  g_clear_object (&source);
  g_clear_object (&cache);
  remove_cache (path);
  tile_server_free (ts);
}

typedef struct
{
  GtkWidget  *window;
  TgMapView  *view;
  ShumateMap *map;
} Fixture;

static gboolean
map_has_width_cb (gpointer data)
{
  Fixture *f = data;

  return gtk_widget_get_width (GTK_WIDGET (f->map)) > 0;
}

static gboolean
label_visible_cb (gpointer data)
{
  return gtk_widget_get_visible (data);
}

static void
fixture_setup (Fixture *f)
{
  f->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (f->window), 640, 480);
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
  /* Southern Peru: land and sea in view. */
  tg_map_view_center_on (f->view, -15.5, -72.0, 5);
}

static void
fixture_teardown (Fixture *f)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  tg_test_iterate_pending ();
}

static void
test_setting_switches_layer (void)
{
  static const guint32 basemap_colors[] = { TG_BASEMAP_SEA_COLOR, TG_BASEMAP_LAND_COLOR };
  static const guint32 server_colors[] = { SERVER_COLOR };
  TileServer *ts = tile_server_new ();
  g_autoptr(GSettings) settings = tg_map_settings_new ();
  g_autofree char *path = tg_map_tile_cache_get_default_path ();
  TgMapTileCache *cache;
  ShumateMapLayer *layer;
  Fixture f;
  double share;

  g_assert_nonnull (settings);
  remove_cache (path);
  g_settings_set_string (settings, "tile-url-template", "");
  g_settings_set_int (settings, "tile-cache-size-mb", 16);

  fixture_setup (&f);

  /* No template, no layer: the basemap alone. */
  g_assert_null (_tg_map_view_get_online_layer (f.view));
  g_assert_cmpuint (count_map_layers (f.map), ==, 1);
  wait_for_share (GTK_WIDGET (f.map), basemap_colors, 2, 0.3);
  share = share_of_colors (GTK_WIDGET (f.map), basemap_colors, 2);
  g_assert_cmpfloat (share, >, 0.3);

  /* A template: the server's tiles are drawn over the basemap. */
  g_settings_set_string (settings, "tile-url-template", ts->url_template);
  layer = _tg_map_view_get_online_layer (f.view);
  g_assert_nonnull (layer);
  g_assert_cmpuint (count_map_layers (f.map), ==, 2);
  g_assert_true (gtk_widget_get_prev_sibling (GTK_WIDGET (layer))
                 == GTK_WIDGET (_tg_map_view_get_basemap_layer (f.view)));
  wait_for_share (GTK_WIDGET (f.map), server_colors, 1, 0.5);
  g_assert_cmpuint (ts->n_requests, >, 0);
  g_assert_cmpfloat (share_of_colors (GTK_WIDGET (f.map), server_colors, 1), >, 0.5);

  /* The cache size key applies at once: 0 empties the cache. */
  cache = tg_online_tile_source_get_cache (_tg_map_view_get_online_source (f.view));
  g_assert_nonnull (cache);
  g_assert_cmpstr (tg_map_tile_cache_get_path (cache), ==, path);
  tg_map_tile_cache_sync (cache);
  g_assert_cmpint (tg_map_tile_cache_get_size (cache, NULL), >, 0);
  g_settings_set_int (settings, "tile-cache-size-mb", 0);
  g_assert_cmpint (tg_map_tile_cache_get_size (cache, NULL), ==, 0);
  g_settings_set_int (settings, "tile-cache-size-mb", 16);

  /* The server breaks: the basemap still shows where there is no tile,
   * and the person is told why. */
  ts->mode = SERVE_500;
  /* (A place not seen before: libshumate keeps showing a layer's old
   * tiles, scaled, where new ones fail.) */
  tg_map_view_center_on (f.view, -8.0, -40.0, 5);
  tg_test_iterate_until_or_timeout (label_visible_cb, _tg_map_view_get_online_label (f.view), 20000);
  g_assert_true (gtk_widget_get_visible (_tg_map_view_get_online_label (f.view)));
  g_assert_nonnull (gtk_label_get_text (GTK_LABEL (_tg_map_view_get_online_label (f.view))));
  wait_for_share (GTK_WIDGET (f.map), basemap_colors, 2, 0.3);
  share = share_of_colors (GTK_WIDGET (f.map), basemap_colors, 2);
  g_test_message ("basemap share of the map with a failing tile server: %.2f (server colour %.2f)",
                  share, share_of_colors (GTK_WIDGET (f.map), server_colors, 1));
  g_assert_cmpfloat (share, >, 0.3);

  /* No template again: the layer goes. */
  g_settings_set_string (settings, "tile-url-template", "");
  g_assert_null (_tg_map_view_get_online_layer (f.view));
  g_assert_cmpuint (count_map_layers (f.map), ==, 1);

  /* A template that is not one shows no layer and breaks nothing. */
  g_settings_set_string (settings, "tile-url-template", "ftp://127.0.0.1/{z}/{x}/{y}");
  g_assert_null (_tg_map_view_get_online_layer (f.view));
  g_assert_cmpuint (count_map_layers (f.map), ==, 1);
  g_assert_true (gtk_widget_get_visible (_tg_map_view_get_online_label (f.view)));
  g_settings_set_string (settings, "tile-url-template", "");

  fixture_teardown (&f);
  remove_cache (path);
  tile_server_free (ts);
}

/* The built-in map follows the desktop's style: dark colours on a dark
 * desktop, light again after, with one basemap layer throughout and the
 * online layer still above it. */
static void
test_basemap_follows_style (void)
{
  static const guint32 light_colors[] = { TG_BASEMAP_SEA_COLOR, TG_BASEMAP_LAND_COLOR };
  static const guint32 dark_colors[] = { TG_BASEMAP_DARK_SEA_COLOR, TG_BASEMAP_DARK_LAND_COLOR };
  AdwStyleManager *style = adw_style_manager_get_default ();
  TileServer *ts = tile_server_new ();
  g_autoptr(GSettings) settings = tg_map_settings_new ();
  ShumateMapLayer *online;
  Fixture f;

  g_settings_set_string (settings, "tile-url-template", "");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  fixture_setup (&f);
  wait_for_share (GTK_WIDGET (f.map), light_colors, 2, 0.3);
  g_assert_cmpfloat (share_of_colors (GTK_WIDGET (f.map), light_colors, 2), >, 0.3);
  g_assert_cmpfloat (share_of_colors (GTK_WIDGET (f.map), dark_colors, 2), ==, 0);

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  wait_for_share (GTK_WIDGET (f.map), dark_colors, 2, 0.3);
  g_assert_cmpfloat (share_of_colors (GTK_WIDGET (f.map), dark_colors, 2), >, 0.3);
  g_assert_cmpfloat (share_of_colors (GTK_WIDGET (f.map), light_colors, 2), <, 0.01);
  g_assert_cmpuint (count_map_layers (f.map), ==, 1);

  /* An online layer added now sits above the new basemap layer. */
  g_settings_set_string (settings, "tile-url-template", ts->url_template);
  online = _tg_map_view_get_online_layer (f.view);
  g_assert_nonnull (online);
  g_assert_true (gtk_widget_get_prev_sibling (GTK_WIDGET (online))
                 == GTK_WIDGET (_tg_map_view_get_basemap_layer (f.view)));
  g_settings_set_string (settings, "tile-url-template", "");

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  wait_for_share (GTK_WIDGET (f.map), light_colors, 2, 0.3);
  g_assert_cmpfloat (share_of_colors (GTK_WIDGET (f.map), light_colors, 2), >, 0.3);
  g_assert_cmpuint (count_map_layers (f.map), ==, 1);

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
  fixture_teardown (&f);
  tile_server_free (ts);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  /* Before anything asks GLib for the cache folder. */
  cache_home = g_dir_make_tmp ("mapui-cache-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv ("XDG_CACHE_HOME", cache_home, TRUE);

  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  adw_init ();

  g_test_add_func ("/mapui/online/cache-offline", test_cache_offline);
  g_test_add_func ("/mapui/online/cache-limit-lru", test_cache_limit_lru);
  g_test_add_func ("/mapui/online/eviction-time", test_eviction_time);
  g_test_add_func ("/mapui/online/server-failures", test_server_failures);
  g_test_add_func ("/mapui/online/setting-switches-layer", test_setting_switches_layer);
  g_test_add_func ("/mapui/basemap/follows-style", test_basemap_follows_style);

  status = g_test_run ();

  {
    g_autofree char *dir = g_build_filename (cache_home, "testigo", NULL);

    g_rmdir (dir);
    g_rmdir (cache_home);
  }

  return status;
}
