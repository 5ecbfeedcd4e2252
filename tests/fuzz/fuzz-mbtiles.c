/* fuzz-mbtiles.c — the metadata of an MBTiles file a person adds as a
 * map layer
 *
 * The input is lines of "name=value": each becomes a row of the file's
 * metadata table (the value as given, NUL bytes and all; no "=" makes a
 * row with a NULL value). Lines "tile=Z,X,Y" add a row to the tiles
 * table instead, its three columns as the text given (SQLite converts
 * what looks like a number), so that the zoom range read from the tiles
 * is fuzzed too. The file is written for every input, then opened with
 * tg_mbtiles_open() and everything the app asks of it is asked.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>
#include <sqlite3.h>

#include "fuzz-common.h"
#include "tg-mbtiles.h"
#include "tg-types.h"

static const char * const keys[] = {
  "name", "format", "bounds", "center", "minzoom", "maxzoom", "attribution",
  "description", "type", "version", "json", "testigo:source",
};

static void
exec (sqlite3    *db,
      const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
}

static void
write_file (const char    *path,
            const uint8_t *data,
            size_t         size)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *meta = NULL, *tile = NULL;
  const char *p = (const char *) data, *end = p + size;

  g_unlink (path);
  g_assert (sqlite3_open (path, &db) == SQLITE_OK);
  exec (db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; BEGIN;"
            "CREATE TABLE metadata (name TEXT, value TEXT);"
            "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER,"
            " tile_row INTEGER, tile_data BLOB);");
  g_assert (sqlite3_prepare_v2 (db, "INSERT INTO metadata VALUES (?1, ?2)", -1, &meta, NULL) == SQLITE_OK);
  g_assert (sqlite3_prepare_v2 (db, "INSERT INTO tiles VALUES (?1, ?2, ?3, x'89504e47')", -1, &tile, NULL) == SQLITE_OK);

  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      const char *line_end = nl ? nl : end;
      const char *eq = memchr (p, '=', line_end - p);

      if (eq != NULL && eq - p == 4 && memcmp (p, "tile", 4) == 0)
        {
          const char *field = eq + 1;

          for (int i = 1; i <= 3; i++)
            {
              const char *comma = memchr (field, ',', line_end - field);
              const char *field_end = (comma && i < 3) ? comma : line_end;

              sqlite3_bind_text (tile, i, field, field_end - field, SQLITE_TRANSIENT);
              field = field_end < line_end ? field_end + 1 : line_end;
            }
          sqlite3_step (tile);
          sqlite3_reset (tile);
        }
      else
        {
          sqlite3_bind_text (meta, 1, p, (eq ? eq : line_end) - p, SQLITE_TRANSIENT);
          if (eq != NULL)
            sqlite3_bind_text (meta, 2, eq + 1, line_end - (eq + 1), SQLITE_TRANSIENT);
          else
            sqlite3_bind_null (meta, 2);
          sqlite3_step (meta);
          sqlite3_reset (meta);
        }
      p = nl ? nl + 1 : end;
    }
  sqlite3_finalize (meta);
  sqlite3_finalize (tile);
  exec (db, "COMMIT");
  g_assert (sqlite3_close (db) == SQLITE_OK);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgMbtiles) mbtiles = NULL;
  g_autofree char *path = g_build_filename (fuzz_tmpdir (), "layer.mbtiles", NULL);
  double west = NAN, south = NAN, east = NAN, north = NAN;
  const char *format;
  const char *name;
  gint64 bytes = 0;
  int min_zoom, max_zoom;

  write_file (path, data, size);
  mbtiles = tg_mbtiles_open (path, &error);
  if (mbtiles == NULL)
    {
      fuzz_check_error (error);
      g_assert (error->domain == TG_ERROR);
      return 0;
    }
  g_assert_no_error (error);

  /* What the preferences page, the map layer and the tile cache ask. */
  name = tg_mbtiles_get_name (mbtiles);
  g_assert (name != NULL);
  format = tg_mbtiles_get_format (mbtiles);
  g_assert (format != NULL && *format != '\0');
  (void) tg_mbtiles_get_attribution (mbtiles);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_free (tg_mbtiles_dup_metadata (mbtiles, keys[i]));

  if (tg_mbtiles_get_bounds (mbtiles, &west, &south, &east, &north))
    {
      /* "valid bounds (WGS 84 degrees)" */
      g_assert (isfinite (west) && isfinite (south) && isfinite (east) && isfinite (north));
      g_assert (-180 <= west && west <= east && east <= 180);
      g_assert (-90 <= south && south <= north && north <= 90);
    }

  min_zoom = tg_mbtiles_get_min_zoom (mbtiles);
  max_zoom = tg_mbtiles_get_max_zoom (mbtiles);
  for (int z = MAX (min_zoom, 0); z <= MIN (max_zoom, 30) && z <= MAX (min_zoom, 0) + 2; z++)
    {
      GBytes *tile = tg_mbtiles_get_tile (mbtiles, z, 0, 0, NULL);

      g_clear_pointer (&tile, g_bytes_unref);
      (void) tg_mbtiles_has_tile (mbtiles, z, 0, 0);
    }
  g_assert_cmpint (tg_mbtiles_count_tiles (mbtiles, &bytes), >=, 0);
  return 0;
}
