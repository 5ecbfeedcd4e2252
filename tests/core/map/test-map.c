/* test-map.c — the offline map's core: basemap, MBTiles, gazetteer, download, clusters
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-map"

#include "config.h"

#include <math.h>
#include <string.h>

#include <cairo.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <sqlite3.h>

#include "tg-basemap.h"
#include "tg-cluster.h"
#include "tg-gazetteer.h"
#include "tg-mbtiles.h"
#include "tg-tile-download.h"
#include "tg-types.h"
#include "tg-test-common.h"

/* Places the tests look at. */
#define CUSCO_LAT   -13.5319
#define CUSCO_LON   -71.9675
#define PACIFIC_LAT -12.0     /* open sea west of Lima */
#define PACIFIC_LON -80.0
#define JULIACA_LAT -15.5
#define JULIACA_LON -70.1333
/* The Peru–Bolivia border at Desaguadero. */
#define BORDER_LAT  -16.565
#define BORDER_LON  -69.04

static TgBasemap *basemap;
static TgGazetteer *gazetteer;

/* Helpers ----------------------------------------------------------------- */

typedef struct
{
  const guint8 *data;
  gsize         size;
  gsize         pos;
} PngReader;

static cairo_status_t
read_png_cb (void          *closure,
             unsigned char *data,
             unsigned int   length)
{
  PngReader *r = closure;

  if (r->pos + length > r->size)
    return CAIRO_STATUS_READ_ERROR;
  memcpy (data, r->data + r->pos, length);
  r->pos += length;
  return CAIRO_STATUS_SUCCESS;
}

static cairo_surface_t *
decode_png (GBytes *bytes)
{
  PngReader r = { 0 };
  cairo_surface_t *surface;

  r.data = g_bytes_get_data (bytes, &r.size);
  surface = cairo_image_surface_create_from_png_stream (read_png_cb, &r);
  g_assert_cmpint (cairo_surface_status (surface), ==, CAIRO_STATUS_SUCCESS);
  return surface;
}

static guint32
pixel_at (cairo_surface_t *surface,
          int              px,
          int              py)
{
  const guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);

  cairo_surface_flush (surface);
  return *(const guint32 *) (data + py * stride + px * 4) & 0xffffff;
}

static gboolean
color_near (guint32 a,
            guint32 b,
            int     tolerance)
{
  for (int shift = 0; shift < 24; shift += 8)
    if (ABS ((int) ((a >> shift) & 0xff) - (int) ((b >> shift) & 0xff)) > tolerance)
      return FALSE;
  return TRUE;
}

static guint
count_near (cairo_surface_t *surface,
            guint32          color,
            int              tolerance)
{
  int w = cairo_image_surface_get_width (surface);
  int h = cairo_image_surface_get_height (surface);
  guint n = 0;

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      if (color_near (pixel_at (surface, x, y), color, tolerance))
        n++;
  return n;
}

/* Renders the tile holding a point and gives the point's pixel in it. */
static cairo_surface_t *
render_styled_at (double          lat,
                  double          lon,
                  int             zoom,
                  TgBasemapStyle  style,
                  int            *px,
                  int            *py)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = NULL;
  double fx = tg_basemap_lon_to_tile_x (lon, zoom);
  double fy = tg_basemap_lat_to_tile_y (lat, zoom);
  cairo_surface_t *surface;

  png = tg_basemap_render_tile (basemap, zoom, (int) floor (fx), (int) floor (fy), 256, style, &error);
  g_assert_no_error (error);
  g_assert_nonnull (png);
  g_assert_cmpuint (g_bytes_get_size (png), >, 8);
  g_assert_cmpmem (g_bytes_get_data (png, NULL), 8, "\x89PNG\r\n\x1a\n", 8);

  surface = decode_png (png);
  g_assert_cmpint (cairo_image_surface_get_width (surface), ==, 256);
  g_assert_cmpint (cairo_image_surface_get_height (surface), ==, 256);
  if (px)
    *px = (int) ((fx - floor (fx)) * 256);
  if (py)
    *py = (int) ((fy - floor (fy)) * 256);
  return surface;
}

static cairo_surface_t *
render_at (double lat,
           double lon,
           int    zoom,
           int   *px,
           int   *py)
{
  return render_styled_at (lat, lon, zoom, TG_BASEMAP_STYLE_LIGHT, px, py);
}

static char *tmp_dir;

static char *
tmp_path (const char *name)
{
  if (tmp_dir == NULL)
    tmp_dir = tg_test_make_tmp_dir ("test-map-XXXXXX");
  return g_build_filename (tmp_dir, name, NULL);
}

/* Basemap ------------------------------------------------------------------ */

static void
test_basemap_peru_zooms (void)
{
  tg_basemap_set_show_places (basemap, FALSE);

  for (int z = 0; z <= 14; z++)
    {
      cairo_surface_t *s;
      int px, py;
      guint land, sea;

      /* Cusco, in the Andes: land, and the tile is not all one colour. */
      s = render_at (CUSCO_LAT, CUSCO_LON, z, &px, &py);
      g_test_message ("z%d Cusco pixel %06x", z, pixel_at (s, px, py));
      g_assert_true (color_near (pixel_at (s, px, py), TG_BASEMAP_LAND_COLOR, 4));
      land = count_near (s, TG_BASEMAP_LAND_COLOR, 4);
      g_assert_cmpuint (land, >, 0);
      if (z <= 3)
        {
          /* Zoomed out, the tile over Peru shows both land and sea. */
          sea = count_near (s, TG_BASEMAP_SEA_COLOR, 4);
          g_assert_cmpuint (sea, >, 256);
        }
      cairo_surface_destroy (s);

      /* The Pacific west of Lima: sea, all of it from zoom 6 on. */
      s = render_at (PACIFIC_LAT, PACIFIC_LON, z, &px, &py);
      g_assert_true (color_near (pixel_at (s, px, py), TG_BASEMAP_SEA_COLOR, 4));
      if (z >= 6)
        g_assert_cmpuint (count_near (s, TG_BASEMAP_SEA_COLOR, 0), ==, 256 * 256);
      cairo_surface_destroy (s);

      /* The Peru–Bolivia border is drawn where it runs. */
      if (z >= 2 && z <= 10)
        {
          s = render_at (BORDER_LAT, BORDER_LON, z, NULL, NULL);
          g_assert_cmpuint (count_near (s, TG_BASEMAP_BORDER_COLOR, 40), >, 10);
          cairo_surface_destroy (s);
        }

      /* …and not across the middle of the country. */
      if (z >= 7 && z <= 14)
        {
          s = render_at (CUSCO_LAT, CUSCO_LON, z, NULL, NULL);
          g_assert_cmpuint (count_near (s, TG_BASEMAP_BORDER_COLOR, 40), ==, 0);
          cairo_surface_destroy (s);
        }
    }

  tg_basemap_set_show_places (basemap, TRUE);
}

/* The dark style: the same shapes in its own colours, none of the light
 * style's, and labels drawn light on dark. */
static void
test_basemap_dark (void)
{
  const int zooms[] = { 3, 6, 9 };
  cairo_surface_t *s;

  tg_basemap_set_show_places (basemap, FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (zooms); i++)
    {
      int px, py;

      s = render_styled_at (CUSCO_LAT, CUSCO_LON, zooms[i], TG_BASEMAP_STYLE_DARK, &px, &py);
      g_assert_true (color_near (pixel_at (s, px, py), TG_BASEMAP_DARK_LAND_COLOR, 4));
      g_assert_cmpuint (count_near (s, TG_BASEMAP_LAND_COLOR, 4), ==, 0);
      g_assert_cmpuint (count_near (s, TG_BASEMAP_SEA_COLOR, 4), ==, 0);
      if (zooms[i] == 3)
        g_assert_cmpuint (count_near (s, TG_BASEMAP_DARK_SEA_COLOR, 4), >, 256);
      cairo_surface_destroy (s);

      s = render_styled_at (BORDER_LAT, BORDER_LON, zooms[i], TG_BASEMAP_STYLE_DARK, NULL, NULL);
      g_assert_cmpuint (count_near (s, TG_BASEMAP_DARK_BORDER_COLOR, 40), >, 10);
      cairo_surface_destroy (s);
    }
  tg_basemap_set_show_places (basemap, TRUE);

  /* Labels light on dark: Cusco's tile has light text, which the same tile
   * without places lacks. */
  s = render_styled_at (CUSCO_LAT, CUSCO_LON, 6, TG_BASEMAP_STYLE_DARK, NULL, NULL);
  g_assert_cmpuint (count_near (s, TG_BASEMAP_DARK_PLACE_COLOR, 24), >, 10);
  cairo_surface_destroy (s);
  tg_basemap_set_show_places (basemap, FALSE);
  s = render_styled_at (CUSCO_LAT, CUSCO_LON, 6, TG_BASEMAP_STYLE_DARK, NULL, NULL);
  g_assert_cmpuint (count_near (s, TG_BASEMAP_DARK_PLACE_COLOR, 24), ==, 0);
  cairo_surface_destroy (s);
  tg_basemap_set_show_places (basemap, TRUE);
}

static void
test_basemap_labels (void)
{
  cairo_surface_t *with, *without;
  guint dark_with, dark_without;

  /* Juliaca is a city of 245,000: labelled by zoom 8. */
  tg_basemap_set_show_places (basemap, TRUE);
  with = render_at (JULIACA_LAT, JULIACA_LON, 8, NULL, NULL);
  tg_basemap_set_show_places (basemap, FALSE);
  without = render_at (JULIACA_LAT, JULIACA_LON, 8, NULL, NULL);
  tg_basemap_set_show_places (basemap, TRUE);

  dark_with = count_near (with, TG_BASEMAP_PLACE_COLOR, 40);
  dark_without = count_near (without, TG_BASEMAP_PLACE_COLOR, 40);
  g_assert_cmpuint (dark_without, ==, 0);
  g_assert_cmpuint (dark_with, >, 50);

  cairo_surface_destroy (with);
  cairo_surface_destroy (without);
}

static void
render_async_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GBytes **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = tg_basemap_render_tile_finish (TG_BASEMAP (object), result, &error);
  g_assert_no_error (error);
}

static void
test_basemap_async (void)
{
  g_autoptr(GBytes) sync = NULL;
  GBytes *async = NULL;
  int x = (int) tg_basemap_lon_to_tile_x (CUSCO_LON, 6);
  int y = (int) tg_basemap_lat_to_tile_y (CUSCO_LAT, 6);

  sync = tg_basemap_render_tile (basemap, 6, x, y, 256, TG_BASEMAP_STYLE_LIGHT, NULL);
  g_assert_nonnull (sync);
  tg_basemap_render_tile_async (basemap, 6, x, y, 256, TG_BASEMAP_STYLE_LIGHT, NULL, render_async_cb, &async);
  while (async == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (g_bytes_equal (sync, async));
  g_bytes_unref (async);
}

static void
test_basemap_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(TgBasemap) missing = NULL;

  png = tg_basemap_render_tile (basemap, 3, 8, 0, 256, TG_BASEMAP_STYLE_LIGHT, &error);
  g_assert_error (error, TG_ERROR, TG_ERROR_INVALID);
  g_assert_null (png);
  g_clear_error (&error);

  png = tg_basemap_render_tile (basemap, 25, 0, 0, 256, TG_BASEMAP_STYLE_LIGHT, &error);
  g_assert_error (error, TG_ERROR, TG_ERROR_INVALID);
  g_clear_error (&error);

  missing = tg_basemap_new ("/nonexistent/basemap.sqlite", &error);
  g_assert_error (error, TG_ERROR, TG_ERROR_NOT_FOUND);
  g_assert_null (missing);
}

/* MBTiles ------------------------------------------------------------------ */

/* Four colours, one per quadrant of a 512-pixel world image. */
static const guint32 quadrant[4] = { 0xff0000, 0x00ff00, 0x0000ff, 0xffff00 };

static void
test_mbtiles_gdal (void)
{
  g_autofree char *gdal = g_find_program_in_path ("gdal_translate");
  g_autofree char *png_path = tmp_path ("world.png");
  g_autofree char *mbtiles_path = tmp_path ("world.mbtiles");
  g_autoptr(GError) error = NULL;
  g_autoptr(TgMbtiles) mbtiles = NULL;
  g_autofree char *stderr_text = NULL;
  cairo_surface_t *image;
  cairo_t *cr;
  double west, south, east, north;
  int status;

  if (gdal == NULL)
    {
      g_test_skip ("gdal_translate is not installed (Debian package gdal-bin)");
      return;
    }

  image = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 512, 512);
  cr = cairo_create (image);
  for (int i = 0; i < 4; i++)
    {
      cairo_set_source_rgb (cr, (quadrant[i] >> 16) / 255.0,
                            ((quadrant[i] >> 8) & 0xff) / 255.0,
                            (quadrant[i] & 0xff) / 255.0);
      cairo_rectangle (cr, (i % 2) * 256, (i / 2) * 256, 256, 256);
      cairo_fill (cr);
    }
  cairo_destroy (cr);
  g_assert_cmpint (cairo_surface_write_to_png (image, png_path), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (image);

  {
    const char *argv[] = {
      gdal, "-q", "-of", "MBTILES", "-a_srs", "EPSG:3857",
      "-a_ullr", "-20037508.34", "20037508.34", "20037508.34", "-20037508.34",
      "-mo", "name=Quadrants",
      png_path, mbtiles_path, NULL
    };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                  NULL, &stderr_text, &status, &error);
    g_assert_no_error (error);
    if (!g_spawn_check_wait_status (status, NULL))
      g_error ("gdal_translate failed: %s", stderr_text);
  }

  mbtiles = tg_mbtiles_open (mbtiles_path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tg_mbtiles_get_max_zoom (mbtiles), ==, 1);
  g_assert_cmpstr (tg_mbtiles_get_format (mbtiles), ==, "png");
  g_assert_true (tg_mbtiles_get_bounds (mbtiles, &west, &south, &east, &north));
  g_assert_cmpfloat_with_epsilon (west, -180, 0.01);
  g_assert_cmpfloat_with_epsilon (east, 180, 0.01);
  g_assert_cmpfloat_with_epsilon (north, 85.0511, 0.01);
  g_assert_cmpfloat_with_epsilon (south, -85.0511, 0.01);

  /* Slippy y = 0 is the north: the top quadrants of the image. */
  for (int i = 0; i < 4; i++)
    {
      g_autoptr(GBytes) tile = tg_mbtiles_get_tile (mbtiles, 1, i % 2, i / 2, &error);
      cairo_surface_t *s;

      g_assert_no_error (error);
      s = decode_png (tile);
      g_assert_true (color_near (pixel_at (s, 128, 128), quadrant[i], 2));
      cairo_surface_destroy (s);
    }

  g_assert_true (tg_mbtiles_has_tile (mbtiles, 1, 1, 1));
  g_assert_false (tg_mbtiles_has_tile (mbtiles, 2, 0, 0));
  g_assert_null (tg_mbtiles_get_tile (mbtiles, 2, 0, 0, &error));
  g_assert_error (error, TG_ERROR, TG_ERROR_NOT_FOUND);
}

static void
test_mbtiles_write_read (void)
{
  g_autofree char *path = tmp_path ("written.mbtiles");
  g_autoptr(GError) error = NULL;
  g_autoptr(TgMbtiles) writer = NULL;
  g_autoptr(TgMbtiles) reader = NULL;
  g_autoptr(GBytes) tile = g_bytes_new_static ("\x89PNG\r\n\x1a\n" "3/2/1", 13);
  g_autoptr(GBytes) back = NULL;
  sqlite3 *db;
  sqlite3_stmt *stmt;

  writer = tg_mbtiles_create (path, "Puno", "png", &error);
  g_assert_no_error (error);
  g_assert_true (tg_mbtiles_put_tile (writer, 3, 2, 1, tile, &error));
  g_assert_true (tg_mbtiles_set_bounds (writer, -71, -17, -69, -14, 3, 3, &error));
  g_assert_no_error (error);
  g_clear_object (&writer);

  reader = tg_mbtiles_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tg_mbtiles_get_name (reader), ==, "Puno");
  g_assert_cmpint (tg_mbtiles_get_min_zoom (reader), ==, 3);
  back = tg_mbtiles_get_tile (reader, 3, 2, 1, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (tile, back));
  g_assert_false (tg_mbtiles_put_tile (reader, 3, 2, 2, tile, &error));
  g_assert_error (error, TG_ERROR, TG_ERROR_FAILED);

  /* On disk the row counts from the south, as MBTiles 1.3 says. */
  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT tile_row FROM tiles WHERE zoom_level = 3 AND tile_column = 2",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 6);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

/* Found by fuzz-mbtiles' check of the bounds it is given: "nan" reads as a
 * number and passed every range comparison, so a file with "nan" in its
 * bounds had valid bounds of NaN degrees. */
static void
test_mbtiles_bounds (void)
{
  static const struct { const char *bounds; gboolean valid; } cases[] = {
    { "-71,-17,-69,-14", TRUE },
    { " -71 , -17 ,-69,-14", TRUE },
    { "nan,nan,nan,nan", FALSE },
    { "-71,-17,-69,nan", FALSE },
    { "-71,-17,-69,NAN", FALSE },
    { "-inf,-17,-69,-14", FALSE },
    { "-71,-17,-69", FALSE },
    { "-69,-17,-71,-14", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = tmp_path ("bounds.mbtiles");
      g_autoptr(GError) error = NULL;
      g_autoptr(TgMbtiles) writer = NULL;
      g_autoptr(TgMbtiles) reader = NULL;
      double west = 0, south = 0, east = 0, north = 0;

      g_unlink (path);
      writer = tg_mbtiles_create (path, "Puno", "png", &error);
      g_assert_no_error (error);
      g_assert_true (tg_mbtiles_set_metadata (writer, "bounds", cases[i].bounds, &error));
      g_clear_object (&writer);

      reader = tg_mbtiles_open (path, &error);
      g_assert_no_error (error);
      if (tg_mbtiles_get_bounds (reader, &west, &south, &east, &north) != cases[i].valid)
        g_error ("bounds \"%s\" taken as %s", cases[i].bounds, cases[i].valid ? "invalid" : "valid");
      if (cases[i].valid)
        g_assert_true (west == -71 && south == -17 && east == -69 && north == -14);
    }
}

static void
test_mbtiles_rejects (void)
{
  g_autofree char *text = tmp_path ("notes.mbtiles");
  g_autofree char *plain = tmp_path ("plain.sqlite");
  g_autofree char *damaged = tmp_path ("damaged.mbtiles");
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) tile = g_bytes_new_static ("\x89PNG\r\n\x1a\n", 8);
  TgMbtiles *m;
  sqlite3 *db;
  FILE *fp;

  /* Not a database at all. */
  g_assert_true (g_file_set_contents (text, "these are my notes, not tiles\n", -1, NULL));
  m = tg_mbtiles_open (text, &error);
  g_assert_null (m);
  g_assert_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT);
  g_assert_nonnull (strstr (error->message, "not an MBTiles file"));
  g_clear_error (&error);

  /* A database, but not of tiles. */
  g_assert_cmpint (sqlite3_open (plain, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE reports (id TEXT)", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  m = tg_mbtiles_open (plain, &error);
  g_assert_null (m);
  g_assert_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT);
  g_clear_error (&error);

  /* Missing. */
  m = tg_mbtiles_open ("/nonexistent/tiles.mbtiles", &error);
  g_assert_null (m);
  g_assert_error (error, TG_ERROR, TG_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* A real MBTiles file whose schema page is overwritten. */
  m = tg_mbtiles_create (damaged, "Damaged", "png", &error);
  g_assert_no_error (error);
  for (int x = 0; x < 64; x++)
    g_assert_true (tg_mbtiles_put_tile (m, 6, x, 10, tile, NULL));
  g_object_unref (m);
  fp = g_fopen (damaged, "r+b");
  g_assert_nonnull (fp);
  fseek (fp, 100, SEEK_SET);
  for (int i = 0; i < 2000; i++)
    fputc (0xa5, fp);
  fclose (fp);
  m = tg_mbtiles_open (damaged, &error);
  g_assert_null (m);
  g_assert_error (error, TG_ERROR, TG_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "damaged"));
}

/* Gazetteer ------------------------------------------------------------------ */

static TgGazetteerPlace *
first_result (const char *query,
              const char *bias)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) places = tg_gazetteer_search (gazetteer, query, bias, 10, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (places->len, >, 0);
  return g_object_ref (g_ptr_array_index (places, 0));
}

static void
test_gazetteer_normalize (void)
{
  g_autofree char *a = tg_gazetteer_normalize ("  Ayacúcho!! ");
  g_autofree char *b = tg_gazetteer_normalize ("SAN ROMÁN-Juliaca");
  g_autofree char *c = tg_gazetteer_normalize ("\xff\xfe");

  g_assert_cmpstr (a, ==, "ayacucho");
  g_assert_cmpstr (b, ==, "san roman juliaca");
  g_assert_cmpstr (c, ==, "");
}

static void
test_gazetteer_ranking (void)
{
  const char *juliaca_queries[] = { "Juliaca", "JULIACA", "juliaca", "Julíaca", "julia" };
  g_autoptr(GPtrArray) none = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (juliaca_queries); i++)
    {
      g_autoptr(TgGazetteerPlace) p = first_result (juliaca_queries[i], NULL);

      g_assert_cmpstr (tg_gazetteer_place_get_name (p), ==, "Juliaca");
      g_assert_cmpstr (tg_gazetteer_place_get_country (p), ==, "PE");
      g_assert_cmpstr (tg_gazetteer_place_get_admin1_code (p), ==, "PE.21");
      g_assert_cmpstr (tg_gazetteer_place_get_admin1_name (p), ==, "Puno");
      g_assert_cmpstr (tg_gazetteer_place_get_admin2_code (p), ==, "PE.21.2111");
      g_assert_cmpstr (tg_gazetteer_place_get_admin2_name (p), ==, "San Román");
      g_assert_cmpfloat_with_epsilon (tg_gazetteer_place_get_latitude (p), JULIACA_LAT, 0.05);
    }

  {
    /* Argentina has an Ayacucho too; Peru's regional capital is larger. */
    g_autoptr(TgGazetteerPlace) p = first_result ("ayacucho", NULL);

    g_assert_cmpstr (tg_gazetteer_place_get_country (p), ==, "PE");
    g_assert_cmpstr (tg_gazetteer_place_get_admin1_code (p), ==, "PE.05");
    g_assert_cmpint (tg_gazetteer_place_get_population (p), >, 100000);
  }

  {
    /* Two Cuscos in Peru: the city, not the village in San Martín. */
    g_autoptr(TgGazetteerPlace) p = first_result ("cusco", NULL);

    g_assert_cmpstr (tg_gazetteer_place_get_country (p), ==, "PE");
    g_assert_cmpstr (tg_gazetteer_place_get_admin1_code (p), ==, "PE.08");
    g_assert_cmpfloat_with_epsilon (tg_gazetteer_place_get_longitude (p), CUSCO_LON, 0.05);
  }

  {
    /* With a bias, Peru comes first among equally good matches. */
    g_autoptr(TgGazetteerPlace) biased = first_result ("Andahuaylas", "PE");
    g_autoptr(TgGazetteerPlace) lima = first_result ("lima", "PE");

    g_assert_cmpstr (tg_gazetteer_place_get_country (biased), ==, "PE");
    g_assert_cmpstr (tg_gazetteer_place_get_country (lima), ==, "PE");
  }

  {
    /* A later word of a name is found too. */
    g_autoptr(GPtrArray) places = tg_gazetteer_search (gazetteer, "salvador", "PE", 50, NULL);
    gboolean found = FALSE;

    for (guint i = 0; i < places->len; i++)
      found |= g_strcmp0 (tg_gazetteer_place_get_name (g_ptr_array_index (places, i)),
                          "Villa El Salvador") == 0;
    g_assert_true (found);
  }

  none = tg_gazetteer_search (gazetteer, "  !! ", NULL, 10, NULL);
  g_assert_nonnull (none);
  g_assert_cmpuint (none->len, ==, 0);
}

static void
test_gazetteer_describe (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *label = NULL;
  g_autofree char *admin1 = NULL;
  g_autofree char *admin2 = NULL;
  g_autofree char *centre = NULL;

  /* About 5 km north of Juliaca's centre, on the road to Lampa. */
  label = tg_gazetteer_describe (gazetteer, JULIACA_LAT + 0.045, JULIACA_LON, &admin1, &admin2, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (label, ==, "near Juliaca, San Román, Puno");
  g_assert_cmpstr (admin1, ==, "PE.21");
  g_assert_cmpstr (admin2, ==, "PE.21.2111");

  /* On the place itself, no "near". */
  centre = tg_gazetteer_describe (gazetteer, JULIACA_LAT, JULIACA_LON, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (centre, ==, "Juliaca, San Román, Puno");

  g_assert_null (tg_gazetteer_describe (gazetteer, 123, 0, NULL, NULL, &error));
  g_assert_error (error, TG_ERROR, TG_ERROR_INVALID);
}

/* Region download -------------------------------------------------------------- */

typedef struct
{
  GMutex       mutex;
  GCond        cond;
  GMainLoop   *loop;
  GMainContext *context;
  guint16      port;
  GHashTable  *requests;     /* "z/x/y" → count */
  char        *user_agent;
  GThread     *thread;
} TileServer;

static void
tile_handler (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  TileServer *ts = user_data;
  int z, x, y;
  char *body;

  if (sscanf (path, "/tiles/%d/%d/%d.png", &z, &x, &y) != 3)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }

  g_mutex_lock (&ts->mutex);
  {
    char *key = g_strdup_printf ("%d/%d/%d", z, x, y);
    guint n = GPOINTER_TO_UINT (g_hash_table_lookup (ts->requests, key));

    g_hash_table_replace (ts->requests, key, GUINT_TO_POINTER (n + 1));
    g_free (ts->user_agent);
    ts->user_agent = g_strdup (soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                             "User-Agent"));
  }
  g_mutex_unlock (&ts->mutex);

  /* A PNG signature followed by the tile's own address. */
  body = g_strdup_printf ("\x89PNG\r\n\x1a\n%d/%d/%d", z, x, y);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_TAKE, body, strlen (body));
}

static gpointer
tile_server_thread (gpointer data)
{
  TileServer *ts = data;
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (ts->context);
  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, "/tiles", tile_handler, ts, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);

  g_mutex_lock (&ts->mutex);
  ts->port = g_uri_get_port (uris->data);
  g_cond_signal (&ts->cond);
  g_mutex_unlock (&ts->mutex);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_main_loop_run (ts->loop);
  soup_server_disconnect (server);
  g_main_context_pop_thread_default (ts->context);
  return NULL;
}

static TileServer *
tile_server_start (void)
{
  TileServer *ts = g_new0 (TileServer, 1);

  g_mutex_init (&ts->mutex);
  g_cond_init (&ts->cond);
  ts->context = g_main_context_new ();
  ts->loop = g_main_loop_new (ts->context, FALSE);
  ts->requests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ts->thread = g_thread_new ("tile-server", tile_server_thread, ts);

  g_mutex_lock (&ts->mutex);
  while (ts->port == 0)
    g_cond_wait (&ts->cond, &ts->mutex);
  g_mutex_unlock (&ts->mutex);
  return ts;
}

static void
tile_server_stop (TileServer *ts)
{
  g_main_loop_quit (ts->loop);
  g_thread_join (ts->thread);
  g_main_loop_unref (ts->loop);
  g_main_context_unref (ts->context);
  g_hash_table_unref (ts->requests);
  g_free (ts->user_agent);
  g_mutex_clear (&ts->mutex);
  g_cond_clear (&ts->cond);
  g_free (ts);
}

typedef struct
{
  GCancellable *cancellable;
  guint64       cancel_after;
  guint64       last_done;
  guint         n_progress;
  gboolean      finished;
  GError       *error;
} RunState;

static void
progress_cb (TgTileDownload *download,
             guint64         done,
             guint64         total,
             RunState       *state)
{
  g_assert_cmpuint (done, <=, total);
  g_assert_cmpuint (done, >=, state->last_done);
  state->last_done = done;
  state->n_progress++;
  if (state->cancel_after > 0 && done >= state->cancel_after)
    g_cancellable_cancel (state->cancellable);
}

static void
run_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  RunState *state = user_data;

  tg_tile_download_run_finish (TG_TILE_DOWNLOAD (object), result, &state->error);
  state->finished = TRUE;
}

static void
run_download (TgTileDownload *download,
              RunState       *state)
{
  gulong id = g_signal_connect (download, "progress", G_CALLBACK (progress_cb), state);

  tg_tile_download_run_async (download, state->cancellable, run_cb, state);
  while (!state->finished)
    g_main_context_iteration (NULL, TRUE);
  /* Progress still queued behind the result. */
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_signal_handler_disconnect (download, id);
}

static void
test_download_resume (void)
{
  /* A box around Juliaca, zoom 8 to 13. */
  const double west = -70.30, south = -15.62, east = -70.00, north = -15.38;
  const int min_zoom = 8, max_zoom = 13;
  g_autofree char *path = tmp_path ("juliaca.mbtiles");
  g_autofree char *url = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TgTileDownload) download = NULL;
  g_autoptr(TgMbtiles) partial = NULL;
  g_autoptr(TgMbtiles) done = NULL;
  g_autoptr(GHashTable) held_before = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  RunState first = { 0 }, second = { 0 };
  TileServer *ts;
  guint64 total, expected = 0;
  gint64 n_partial;

  /* No server, no download: there is no default. */
  g_assert_null (tg_tile_download_new (NULL, path, &error));
  g_assert_error (error, TG_ERROR, TG_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (tg_tile_download_new ("http://127.0.0.1/tiles/{z}/{x}.png", path, &error));
  g_assert_error (error, TG_ERROR, TG_ERROR_INVALID);
  g_clear_error (&error);

  ts = tile_server_start ();
  url = g_strdup_printf ("http://127.0.0.1:%u/tiles/{z}/{x}/{y}.png", ts->port);

  download = tg_tile_download_new (url, path, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (tg_tile_download_get_user_agent (download), "Testigo/"));
  g_assert_true (tg_tile_download_set_region (download, west, south, east, north,
                                              min_zoom, max_zoom, &error));
  g_assert_no_error (error);

  for (int z = min_zoom; z <= max_zoom; z++)
    {
      int x0 = (int) tg_basemap_lon_to_tile_x (west, z), x1 = (int) tg_basemap_lon_to_tile_x (east, z);
      int y0 = (int) tg_basemap_lat_to_tile_y (north, z), y1 = (int) tg_basemap_lat_to_tile_y (south, z);

      expected += (guint64) (x1 - x0 + 1) * (y1 - y0 + 1);
    }
  total = tg_tile_download_get_total (download);
  g_assert_cmpuint (total, ==, expected);
  g_assert_cmpuint (total, >=, 20);
  g_assert_cmpuint (tg_tile_download_estimate_bytes (download), ==,
                    total * TG_TILE_DOWNLOAD_TYPICAL_TILE_BYTES);

  /* Interrupted after about ten tiles. */
  tg_tile_download_set_max_rate (download, 100);
  first.cancellable = cancellable;
  first.cancel_after = 10;
  run_download (download, &first);
  g_assert_error (first.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&first.error);

  partial = tg_mbtiles_open (path, &error);
  g_assert_no_error (error);
  n_partial = tg_mbtiles_count_tiles (partial, NULL);
  g_assert_cmpint (n_partial, >=, 10);
  g_assert_cmpint (n_partial, <, (gint64) total);
  for (int z = min_zoom; z <= max_zoom; z++)
    for (int x = (int) tg_basemap_lon_to_tile_x (west, z); x <= (int) tg_basemap_lon_to_tile_x (east, z); x++)
      for (int y = (int) tg_basemap_lat_to_tile_y (north, z); y <= (int) tg_basemap_lat_to_tile_y (south, z); y++)
        if (tg_mbtiles_has_tile (partial, z, x, y))
          g_hash_table_add (held_before, g_strdup_printf ("%d/%d/%d", z, x, y));
  g_assert_cmpuint (g_hash_table_size (held_before), ==, (guint) n_partial);
  g_clear_object (&partial);

  /* The size estimate now uses the tiles held. */
  g_assert_cmpuint (tg_tile_download_estimate_bytes (download), <,
                    total * TG_TILE_DOWNLOAD_TYPICAL_TILE_BYTES);

  /* Resumed: only the missing tiles are fetched. */
  tg_tile_download_set_max_rate (download, 1000);
  run_download (download, &second);
  g_assert_no_error (second.error);
  g_assert_cmpuint (second.last_done, ==, total);
  g_assert_cmpuint (tg_tile_download_get_fetched (download), ==, total - (guint64) n_partial);
  g_assert_cmpuint (tg_tile_download_get_skipped (download), ==, (guint64) n_partial);

  {
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init (&iter, held_before);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (ts->requests, key)), ==, 1);
  }
  g_assert_true (g_str_has_prefix (ts->user_agent, "Testigo/"));

  /* Exactly the expected tiles, each with its own content. */
  done = tg_mbtiles_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tg_mbtiles_count_tiles (done, NULL), ==, (gint64) total);
  g_assert_cmpint (tg_mbtiles_get_min_zoom (done), ==, min_zoom);
  g_assert_cmpint (tg_mbtiles_get_max_zoom (done), ==, max_zoom);
  for (int z = min_zoom; z <= max_zoom; z++)
    {
      int x0 = (int) tg_basemap_lon_to_tile_x (west, z), x1 = (int) tg_basemap_lon_to_tile_x (east, z);
      int y0 = (int) tg_basemap_lat_to_tile_y (north, z), y1 = (int) tg_basemap_lat_to_tile_y (south, z);

      for (int x = x0; x <= x1; x++)
        for (int y = y0; y <= y1; y++)
          {
            g_autoptr(GBytes) tile = tg_mbtiles_get_tile (done, z, x, y, &error);
            g_autofree char *want = g_strdup_printf ("\x89PNG\r\n\x1a\n%d/%d/%d", z, x, y);

            g_assert_no_error (error);
            g_assert_cmpmem (g_bytes_get_data (tile, NULL), g_bytes_get_size (tile), want, strlen (want));
          }
    }

  tile_server_stop (ts);
}

static void
test_download_region_limits (void)
{
  g_autofree char *path = tmp_path ("huge.mbtiles");
  g_autoptr(GError) error = NULL;
  g_autoptr(TgTileDownload) download = tg_tile_download_new ("https://tiles.invalid/{z}/{x}/{y}.png", path, &error);

  g_assert_no_error (error);
  /* All of Peru at zoom 0–16 is millions of tiles: refused before starting. */
  g_assert_false (tg_tile_download_set_region (download, -81.4, -18.4, -68.6, -0.03, 0, 16, &error));
  g_assert_error (error, TG_ERROR, TG_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (tg_tile_download_set_region (download, -70, -15, -71, -14, 5, 6, &error));
  g_assert_error (error, TG_ERROR, TG_ERROR_INVALID);
  g_assert_cmpuint (tg_tile_region_count (-180, -85, 180, 85, 0, 2), ==, 1 + 4 + 16);
}

/* Clustering ------------------------------------------------------------------ */

static void
test_cluster (void)
{
  TgClusterPoint pts[] = {
    { JULIACA_LAT, JULIACA_LON },
    { JULIACA_LAT + 0.01, JULIACA_LON + 0.01 },
    { CUSCO_LAT, CUSCO_LON },
    { -12.046, -77.043 },           /* Lima */
    { JULIACA_LAT - 0.01, JULIACA_LON },
  };
  g_autoptr(GArray) far = NULL;
  g_autoptr(GArray) near = NULL;
  g_autofree guint *member = NULL;
  guint sum = 0;

  /* Zoomed out over Peru: Juliaca's three points are one cluster. */
  far = tg_cluster_points (pts, G_N_ELEMENTS (pts), 5, 60, &member);
  g_assert_cmpuint (far->len, ==, 3);
  g_assert_cmpuint (member[0], ==, member[1]);
  g_assert_cmpuint (member[0], ==, member[4]);
  g_assert_cmpuint (member[0], !=, member[2]);
  g_assert_cmpuint (g_array_index (far, TgCluster, member[0]).count, ==, 3);
  for (guint i = 0; i < far->len; i++)
    sum += g_array_index (far, TgCluster, i).count;
  g_assert_cmpuint (sum, ==, G_N_ELEMENTS (pts));

  /* Zoomed in, every point stands alone. */
  near = tg_cluster_points (pts, G_N_ELEMENTS (pts), 16, 60, NULL);
  g_assert_cmpuint (near->len, ==, G_N_ELEMENTS (pts));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);

  basemap = tg_basemap_new (NULL, &error);
  g_assert_no_error (error);
  gazetteer = tg_gazetteer_new (NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/map/basemap/peru-zoom-0-14", test_basemap_peru_zooms);
  g_test_add_func ("/map/basemap/labels", test_basemap_labels);
  g_test_add_func ("/map/basemap/dark", test_basemap_dark);
  g_test_add_func ("/map/basemap/async", test_basemap_async);
  g_test_add_func ("/map/basemap/errors", test_basemap_errors);
  g_test_add_func ("/map/mbtiles/gdal-tms", test_mbtiles_gdal);
  g_test_add_func ("/map/mbtiles/write-read", test_mbtiles_write_read);
  g_test_add_func ("/map/mbtiles/rejects", test_mbtiles_rejects);
  g_test_add_func ("/map/mbtiles/bounds", test_mbtiles_bounds);
  g_test_add_func ("/map/gazetteer/normalize", test_gazetteer_normalize);
  g_test_add_func ("/map/gazetteer/ranking", test_gazetteer_ranking);
  g_test_add_func ("/map/gazetteer/describe", test_gazetteer_describe);
  g_test_add_func ("/map/download/interrupt-resume", test_download_resume);
  g_test_add_func ("/map/download/limits", test_download_region_limits);
  g_test_add_func ("/map/cluster/grid", test_cluster);

  ret = g_test_run ();

  g_clear_object (&basemap);
  g_clear_object (&gazetteer);
  if (tmp_dir != NULL)
    tg_test_rm_rf (tmp_dir);
  g_free (tmp_dir);
  return ret;
}
