/* tg-mbtiles.c — MBTiles 1.3 raster tile files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An MBTiles file is an SQLite database with a `metadata (name, value)`
 * table and a `tiles (zoom_level, tile_column, tile_row, tile_data)` table
 * or view. Rows count from the south (TMS), so row = 2^zoom - 1 - y.
 */
#define G_LOG_DOMAIN "tg-mbtiles"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include "tg-mbtiles.h"
#include "tg-sqlite.h"
#include "tg-types.h"

struct _TgMbtiles
{
  GObject       parent_instance;

  char         *path;
  TgSqlite     *sql;
  sqlite3      *db;        /* its handle */
  GMutex        mutex;
  GHashTable   *metadata;
  /* From the connection's cache, finalised when it closes. */
  sqlite3_stmt *get_tile;
  sqlite3_stmt *has_tile;
  sqlite3_stmt *put_tile;
  int           min_zoom;
  int           max_zoom;
  guint         writable : 1;
};

G_DEFINE_FINAL_TYPE (TgMbtiles, tg_mbtiles, G_TYPE_OBJECT)

/* Helpers ----------------------------------------------------------------- */

/* Damage, for a tile file: what the layer calls damaged or not a
 * database, and an auxiliary database format error. */
static gboolean
is_corrupt_code (int rc)
{
  return tg_sqlite_error_code (rc) != TG_ERROR_FAILED || (rc & 0xff) == SQLITE_FORMAT;
}

static void
set_sqlite_error (TgMbtiles   *self,
                  int          rc,
                  GError     **error)
{
  if (is_corrupt_code (rc))
    g_set_error (error, TG_ERROR, TG_ERROR_CORRUPT,
                 _("The tile file “%s” is damaged: %s"),
                 self->path, sqlite3_errmsg (self->db));
  else
    g_set_error (error, TG_ERROR, TG_ERROR_FAILED,
                 _("Could not use the tile file “%s”: %s"),
                 self->path, sqlite3_errmsg (self->db));
}

static gboolean
check_sqlite_header (const char  *path,
                     GError     **error)
{
  static const char magic[16] = "SQLite format 3";
  char header[16];
  FILE *fp;
  size_t n;

  fp = g_fopen (path, "rb");
  if (fp == NULL)
    {
      int saved = errno;

      g_set_error (error, TG_ERROR,
                   saved == ENOENT ? TG_ERROR_NOT_FOUND : TG_ERROR_FAILED,
                   _("Could not open the tile file “%s”: %s"),
                   path, g_strerror (saved));
      return FALSE;
    }
  n = fread (header, 1, sizeof header, fp);
  fclose (fp);

  if (n != sizeof header || memcmp (header, magic, sizeof header) != 0)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                   _("“%s” is not an MBTiles file: it is not an SQLite database"),
                   path);
      return FALSE;
    }
  return TRUE;
}

static int
parse_zoom (const char *str,
            int         fallback)
{
  g_autofree char *copy = g_strstrip (g_strdup (str ? str : ""));
  gint64 v;

  if (g_ascii_string_to_signed (copy, 10, 0, 30, &v, NULL))
    return (int) v;
  return fallback;
}

/* Reads metadata and the zoom range; the file must already be open. */
static gboolean
load (TgMbtiles  *self,
      GError    **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;
  int n_tables = 0;

  rc = sqlite3_prepare_v2 (self->db,
                           "SELECT count(*) FROM sqlite_master"
                           " WHERE type IN ('table', 'view') AND name IN ('tiles', 'metadata')",
                           -1, &stmt, NULL);
  if (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    n_tables = sqlite3_column_int (stmt, 0);
  if (rc != SQLITE_ROW)
    {
      set_sqlite_error (self, rc, error);
      return FALSE;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  if (n_tables != 2)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                   _("“%s” is an SQLite database but not an MBTiles file: it lacks the “tiles” or “metadata” table"),
                   self->path);
      return FALSE;
    }

  rc = sqlite3_prepare_v2 (self->db, "SELECT name, value FROM metadata", -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (self, rc, error);
      return FALSE;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *name = (const char *) sqlite3_column_text (stmt, 0);
      const char *value = (const char *) sqlite3_column_text (stmt, 1);

      if (name != NULL && value != NULL)
        g_hash_table_insert (self->metadata, g_strdup (name), g_strdup (value));
    }
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, rc, error);
      return FALSE;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  self->min_zoom = parse_zoom (g_hash_table_lookup (self->metadata, "minzoom"), -1);
  self->max_zoom = parse_zoom (g_hash_table_lookup (self->metadata, "maxzoom"), -1);

  /* Also reads the tiles table, so damage there shows now and not as a
   * blank map later. */
  rc = sqlite3_prepare_v2 (self->db,
                           "SELECT min(zoom_level), max(zoom_level), count(*) FROM tiles",
                           -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      set_sqlite_error (self, rc, error);
      return FALSE;
    }
  if (sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    {
      if (self->min_zoom < 0)
        self->min_zoom = sqlite3_column_int (stmt, 0);
      if (self->max_zoom < 0)
        self->max_zoom = sqlite3_column_int (stmt, 1);
    }

  self->get_tile = tg_sqlite_prepare (self->sql,
                                      "SELECT tile_data FROM tiles"
                                      " WHERE zoom_level = ?1 AND tile_column = ?2 AND tile_row = ?3",
                                      NULL);
  if (self->get_tile != NULL)
    self->has_tile = tg_sqlite_prepare (self->sql,
                                        "SELECT 1 FROM tiles"
                                        " WHERE zoom_level = ?1 AND tile_column = ?2 AND tile_row = ?3",
                                        NULL);
  if (self->has_tile == NULL)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                   _("“%s” is not a usable MBTiles file: %s"),
                   self->path, sqlite3_errmsg (self->db));
      return FALSE;
    }

  return TRUE;
}

static gboolean
tile_in_range (int      zoom,
               int      x,
               int      y,
               GError **error)
{
  gint64 n;

  if (zoom < 0 || zoom > 30)
    goto bad;
  n = (gint64) 1 << zoom;
  if (x < 0 || y < 0 || x >= n || y >= n)
    goto bad;
  return TRUE;

bad:
  g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
               _("There is no map tile %d/%d/%d"), zoom, x, y);
  return FALSE;
}

static inline int
tms_row (int zoom,
         int y)
{
  return (int) (((gint64) 1 << zoom) - 1 - y);
}

/* GObject ------------------------------------------------------------------ */

static void
tg_mbtiles_finalize (GObject *object)
{
  TgMbtiles *self = TG_MBTILES (object);

  self->get_tile = self->has_tile = self->put_tile = NULL;
  self->db = NULL;
  g_clear_pointer (&self->sql, tg_sqlite_close);
  g_clear_pointer (&self->metadata, g_hash_table_unref);
  g_clear_pointer (&self->path, g_free);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (tg_mbtiles_parent_class)->finalize (object);
}

static void
tg_mbtiles_class_init (TgMbtilesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tg_mbtiles_finalize;
}

static void
tg_mbtiles_init (TgMbtiles *self)
{
  g_mutex_init (&self->mutex);
  self->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->min_zoom = -1;
  self->max_zoom = -1;
}

/* Public API ----------------------------------------------------------------- */

/**
 * tg_mbtiles_open:
 * @path: an MBTiles file
 *
 * Opens an MBTiles file read-only. A file that is not an MBTiles file fails
 * with %TG_ERROR_WRONG_FORMAT, a damaged one with %TG_ERROR_CORRUPT.
 *
 * Returns: (transfer full): the tile file, or %NULL with @error set
 */
TgMbtiles *
tg_mbtiles_open (const char  *path,
                 GError     **error)
{
  g_autoptr(TgMbtiles) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  if (!check_sqlite_header (path, error))
    return NULL;

  self = g_object_new (TG_TYPE_MBTILES, NULL);
  self->path = g_strdup (path);

  if (!(self->sql = tg_sqlite_open (path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, error)))
    return NULL;
  self->db = tg_sqlite_get_db (self->sql);

  if (!load (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * tg_mbtiles_create:
 * @path: where to write
 * @name: the tile set's name for its metadata
 * @format: "png" or "jpg"
 *
 * Creates an MBTiles file for writing, or reopens one this function made
 * before so that an interrupted download can go on where it stopped.
 *
 * Returns: (transfer full): the tile file, or %NULL with @error set
 */
TgMbtiles *
tg_mbtiles_create (const char  *path,
                   const char  *name,
                   const char  *format,
                   GError     **error)
{
  g_autoptr(TgMbtiles) self = NULL;
  gboolean existed;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);

  existed = g_file_test (path, G_FILE_TEST_EXISTS);
  if (existed && !check_sqlite_header (path, error))
    return NULL;

  self = g_object_new (TG_TYPE_MBTILES, NULL);
  self->path = g_strdup (path);
  self->writable = TRUE;

  if (!(self->sql = tg_sqlite_open (path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                    error)))
    return NULL;
  self->db = tg_sqlite_get_db (self->sql);
  sqlite3_busy_timeout (self->db, 5000);

  rc = sqlite3_exec (self->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec (self->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec (self->db,
                       "BEGIN;"
                       "CREATE TABLE IF NOT EXISTS metadata (name TEXT PRIMARY KEY, value TEXT);"
                       "CREATE TABLE IF NOT EXISTS tiles (zoom_level INTEGER NOT NULL,"
                       " tile_column INTEGER NOT NULL, tile_row INTEGER NOT NULL, tile_data BLOB NOT NULL);"
                       "CREATE UNIQUE INDEX IF NOT EXISTS tile_index ON tiles (zoom_level, tile_column, tile_row);"
                       "COMMIT;", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (self, rc, error);
      return NULL;
    }

  if (!load (self, error))
    return NULL;

  self->put_tile = tg_sqlite_prepare (self->sql,
                                      "INSERT OR REPLACE INTO tiles (zoom_level, tile_column, tile_row, tile_data)"
                                      " VALUES (?1, ?2, ?3, ?4)",
                                      NULL);
  if (self->put_tile == NULL)
    {
      set_sqlite_error (self, sqlite3_extended_errcode (self->db), error);
      return NULL;
    }

  if (!existed || !g_hash_table_contains (self->metadata, "name"))
    {
      if (!tg_mbtiles_set_metadata (self, "name", name ? name : "Testigo", error) ||
          !tg_mbtiles_set_metadata (self, "format", format ? format : "png", error) ||
          !tg_mbtiles_set_metadata (self, "type", "baselayer", error) ||
          !tg_mbtiles_set_metadata (self, "version", "1.3", error))
        return NULL;
    }

  return g_steal_pointer (&self);
}

const char *
tg_mbtiles_get_path (TgMbtiles *self)
{
  g_return_val_if_fail (TG_IS_MBTILES (self), NULL);

  return self->path;
}

/**
 * tg_mbtiles_get_name:
 *
 * Returns: the name from the metadata, else the file's base name
 */
const char *
tg_mbtiles_get_name (TgMbtiles *self)
{
  const char *name;

  g_return_val_if_fail (TG_IS_MBTILES (self), NULL);

  g_mutex_lock (&self->mutex);
  name = g_hash_table_lookup (self->metadata, "name");
  if (name == NULL || *name == '\0')
    {
      g_autofree char *base = g_path_get_basename (self->path);

      g_hash_table_insert (self->metadata, g_strdup ("name"), g_steal_pointer (&base));
      name = g_hash_table_lookup (self->metadata, "name");
    }
  g_mutex_unlock (&self->mutex);

  return name;
}

/**
 * tg_mbtiles_get_format:
 *
 * Returns: "png", "jpg" or "webp" as the metadata says ("png" if it does not)
 */
const char *
tg_mbtiles_get_format (TgMbtiles *self)
{
  const char *format;

  g_return_val_if_fail (TG_IS_MBTILES (self), NULL);

  format = g_hash_table_lookup (self->metadata, "format");
  if (format == NULL || *format == '\0')
    return "png";
  if (g_ascii_strcasecmp (format, "jpeg") == 0)
    return "jpg";
  return format;
}

const char *
tg_mbtiles_get_attribution (TgMbtiles *self)
{
  g_return_val_if_fail (TG_IS_MBTILES (self), NULL);

  return g_hash_table_lookup (self->metadata, "attribution");
}

/**
 * tg_mbtiles_dup_metadata:
 *
 * Returns: (transfer full) (nullable): a metadata value
 */
char *
tg_mbtiles_dup_metadata (TgMbtiles  *self,
                         const char *key)
{
  char *value;

  g_return_val_if_fail (TG_IS_MBTILES (self), NULL);

  g_mutex_lock (&self->mutex);
  value = g_strdup (g_hash_table_lookup (self->metadata, key));
  g_mutex_unlock (&self->mutex);

  return value;
}

/**
 * tg_mbtiles_get_bounds:
 *
 * Returns: %TRUE if the metadata holds valid bounds (WGS 84 degrees)
 */
gboolean
tg_mbtiles_get_bounds (TgMbtiles *self,
                       double    *west,
                       double    *south,
                       double    *east,
                       double    *north)
{
  g_auto(GStrv) parts = NULL;
  double v[4];
  const char *bounds;

  g_return_val_if_fail (TG_IS_MBTILES (self), FALSE);

  g_mutex_lock (&self->mutex);
  bounds = g_hash_table_lookup (self->metadata, "bounds");
  parts = bounds ? g_strsplit (bounds, ",", -1) : NULL;
  g_mutex_unlock (&self->mutex);

  if (parts == NULL || g_strv_length (parts) != 4)
    return FALSE;
  for (int i = 0; i < 4; i++)
    {
      char *end = NULL;

      v[i] = g_ascii_strtod (g_strstrip (parts[i]), &end);
      /* "nan" reads as a number, and passes every comparison below. */
      if (end == parts[i] || *end != '\0' || !isfinite (v[i]))
        return FALSE;
    }
  if (v[0] < -180 || v[2] > 180 || v[1] < -90 || v[3] > 90 || v[0] > v[2] || v[1] > v[3])
    return FALSE;

  if (west) *west = v[0];
  if (south) *south = v[1];
  if (east) *east = v[2];
  if (north) *north = v[3];
  return TRUE;
}

/**
 * tg_mbtiles_get_min_zoom:
 *
 * Returns: the lowest zoom with tiles (metadata "minzoom" if given), or -1
 */
int
tg_mbtiles_get_min_zoom (TgMbtiles *self)
{
  g_return_val_if_fail (TG_IS_MBTILES (self), -1);

  return self->min_zoom;
}

int
tg_mbtiles_get_max_zoom (TgMbtiles *self)
{
  g_return_val_if_fail (TG_IS_MBTILES (self), -1);

  return self->max_zoom;
}

/**
 * tg_mbtiles_get_tile:
 * @x: tile column
 * @y: tile row counted from the north (slippy-map numbering)
 *
 * Returns: (transfer full): the tile's image data, or %NULL with @error
 *   set (%TG_ERROR_NOT_FOUND if the file has no such tile)
 */
GBytes *
tg_mbtiles_get_tile (TgMbtiles  *self,
                     int         zoom,
                     int         x,
                     int         y,
                     GError    **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  GBytes *bytes = NULL;
  int rc;

  g_return_val_if_fail (TG_IS_MBTILES (self), NULL);

  if (!tile_in_range (zoom, x, y, error))
    return NULL;

  locker = g_mutex_locker_new (&self->mutex);
  sqlite3_reset (self->get_tile);
  sqlite3_bind_int (self->get_tile, 1, zoom);
  sqlite3_bind_int (self->get_tile, 2, x);
  sqlite3_bind_int (self->get_tile, 3, tms_row (zoom, y));
  rc = sqlite3_step (self->get_tile);
  if (rc == SQLITE_ROW)
    bytes = g_bytes_new (sqlite3_column_blob (self->get_tile, 0),
                         sqlite3_column_bytes (self->get_tile, 0));
  else if (rc == SQLITE_DONE)
    g_set_error (error, TG_ERROR, TG_ERROR_NOT_FOUND,
                 _("The tile file “%s” has no tile %d/%d/%d"),
                 self->path, zoom, x, y);
  else
    set_sqlite_error (self, rc, error);
  sqlite3_reset (self->get_tile);

  return bytes;
}

gboolean
tg_mbtiles_has_tile (TgMbtiles *self,
                     int        zoom,
                     int        x,
                     int        y)
{
  g_autoptr(GMutexLocker) locker = NULL;
  gboolean found;

  g_return_val_if_fail (TG_IS_MBTILES (self), FALSE);

  if (!tile_in_range (zoom, x, y, NULL))
    return FALSE;

  locker = g_mutex_locker_new (&self->mutex);
  sqlite3_reset (self->has_tile);
  sqlite3_bind_int (self->has_tile, 1, zoom);
  sqlite3_bind_int (self->has_tile, 2, x);
  sqlite3_bind_int (self->has_tile, 3, tms_row (zoom, y));
  found = sqlite3_step (self->has_tile) == SQLITE_ROW;
  sqlite3_reset (self->has_tile);

  return found;
}

/**
 * tg_mbtiles_count_tiles:
 * @total_bytes: (out) (optional): the size of all tiles' data
 *
 * Returns: how many tiles the file holds, or -1 on a read error
 */
gint64
tg_mbtiles_count_tiles (TgMbtiles *self,
                        gint64    *total_bytes)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gint64 count = -1;

  g_return_val_if_fail (TG_IS_MBTILES (self), -1);

  locker = g_mutex_locker_new (&self->mutex);
  if (sqlite3_prepare_v2 (self->db,
                          "SELECT count(*), coalesce(sum(length(tile_data)), 0) FROM tiles",
                          -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    {
      count = sqlite3_column_int64 (stmt, 0);
      if (total_bytes)
        *total_bytes = sqlite3_column_int64 (stmt, 1);
    }

  return count;
}

/**
 * tg_mbtiles_put_tile:
 * @y: tile row counted from the north (slippy-map numbering)
 *
 * Stores a tile, replacing any held for the same place. The write is
 * committed when this returns.
 */
gboolean
tg_mbtiles_put_tile (TgMbtiles  *self,
                     int         zoom,
                     int         x,
                     int         y,
                     GBytes     *data,
                     GError    **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  gsize size;
  const void *bytes;
  int rc;

  g_return_val_if_fail (TG_IS_MBTILES (self), FALSE);
  g_return_val_if_fail (data != NULL, FALSE);

  if (!self->writable)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_FAILED,
                   _("The tile file “%s” is open read-only"), self->path);
      return FALSE;
    }
  if (!tile_in_range (zoom, x, y, error))
    return FALSE;

  bytes = g_bytes_get_data (data, &size);
  locker = g_mutex_locker_new (&self->mutex);
  sqlite3_reset (self->put_tile);
  sqlite3_bind_int (self->put_tile, 1, zoom);
  sqlite3_bind_int (self->put_tile, 2, x);
  sqlite3_bind_int (self->put_tile, 3, tms_row (zoom, y));
  sqlite3_bind_blob (self->put_tile, 4, bytes ? bytes : "", (int) size, SQLITE_STATIC);
  rc = sqlite3_step (self->put_tile);
  sqlite3_reset (self->put_tile);
  sqlite3_clear_bindings (self->put_tile);
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, rc, error);
      return FALSE;
    }

  if (self->min_zoom < 0 || zoom < self->min_zoom)
    self->min_zoom = zoom;
  if (zoom > self->max_zoom)
    self->max_zoom = zoom;

  return TRUE;
}

gboolean
tg_mbtiles_set_metadata (TgMbtiles   *self,
                         const char  *key,
                         const char  *value,
                         GError     **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (TG_IS_MBTILES (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  if (!self->writable)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_FAILED,
                   _("The tile file “%s” is open read-only"), self->path);
      return FALSE;
    }

  locker = g_mutex_locker_new (&self->mutex);
  rc = sqlite3_prepare_v2 (self->db,
                           "INSERT OR REPLACE INTO metadata (name, value) VALUES (?1, ?2)",
                           -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, value, -1, SQLITE_TRANSIENT);
      rc = sqlite3_step (stmt);
    }
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, rc, error);
      return FALSE;
    }

  g_hash_table_insert (self->metadata, g_strdup (key), g_strdup (value));
  return TRUE;
}

gboolean
tg_mbtiles_set_bounds (TgMbtiles  *self,
                       double      west,
                       double      south,
                       double      east,
                       double      north,
                       int         min_zoom,
                       int         max_zoom,
                       GError    **error)
{
  char buf[4][G_ASCII_DTOSTR_BUF_SIZE];
  g_autofree char *bounds = NULL;
  g_autofree char *center = NULL;
  g_autofree char *minz = g_strdup_printf ("%d", min_zoom);
  g_autofree char *maxz = g_strdup_printf ("%d", max_zoom);
  char cx[G_ASCII_DTOSTR_BUF_SIZE], cy[G_ASCII_DTOSTR_BUF_SIZE];

  bounds = g_strjoin (",",
                      g_ascii_formatd (buf[0], sizeof buf[0], "%.6f", west),
                      g_ascii_formatd (buf[1], sizeof buf[1], "%.6f", south),
                      g_ascii_formatd (buf[2], sizeof buf[2], "%.6f", east),
                      g_ascii_formatd (buf[3], sizeof buf[3], "%.6f", north),
                      NULL);
  center = g_strdup_printf ("%s,%s,%d",
                            g_ascii_formatd (cx, sizeof cx, "%.6f", (west + east) / 2),
                            g_ascii_formatd (cy, sizeof cy, "%.6f", (south + north) / 2),
                            min_zoom);

  return tg_mbtiles_set_metadata (self, "bounds", bounds, error) &&
         tg_mbtiles_set_metadata (self, "center", center, error) &&
         tg_mbtiles_set_metadata (self, "minzoom", minz, error) &&
         tg_mbtiles_set_metadata (self, "maxzoom", maxz, error);
}
