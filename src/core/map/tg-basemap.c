/* tg-basemap.c — the built-in offline basemap, rendered locally with cairo
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-basemap"

#include "config.h"

#include <math.h>
#include <string.h>

#include <cairo.h>
#include <glib/gi18n-lib.h>

#include "tg-basemap.h"
#include "tg-basemap-private.h"
#include "tg-types.h"

#define MAX_LAT 85.05112878
#define MAX_LABELS 48
#define LEVEL_COUNT 3

struct _TgBasemap
{
  GObject       parent_instance;

  char         *path;
  char         *attribution;
  TgSqlite     *sql;
  sqlite3      *db;          /* its handle */
  GMutex        mutex;       /* guards db and the statements */
  /* From the connection's cache, prepared at open (which checks the
   * file has the tables) and finalised when it closes. */
  sqlite3_stmt *shapes[LEVEL_COUNT];
  sqlite3_stmt *places;
  gboolean      show_places;
};

G_DEFINE_FINAL_TYPE (TgBasemap, tg_basemap, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PATH,
  PROP_SHOW_PLACES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  LAYER_LAND = 1,
  LAYER_BORDER = 2,
};

typedef struct
{
  int     layer;
  GBytes *geom;
} Shape;

typedef struct
{
  char   *name;
  double  lat;
  double  lon;
  gint64  population;
  int     min_zoom;
  int     important;
} Place;

typedef struct
{
  int zoom;
  int x;
  int y;
  int tile_size;
  TgBasemapStyle style;
} RenderData;

typedef struct
{
  guint32 sea;
  guint32 land;
  guint32 border;
  guint32 place;
  double  halo[4];  /* behind labels and place dots, RGBA */
} Palette;

static const Palette palettes[] = {
  [TG_BASEMAP_STYLE_LIGHT] = {
    TG_BASEMAP_SEA_COLOR, TG_BASEMAP_LAND_COLOR, TG_BASEMAP_BORDER_COLOR,
    TG_BASEMAP_PLACE_COLOR, { 1, 1, 1, 0.85 },
  },
  [TG_BASEMAP_STYLE_DARK] = {
    TG_BASEMAP_DARK_SEA_COLOR, TG_BASEMAP_DARK_LAND_COLOR, TG_BASEMAP_DARK_BORDER_COLOR,
    TG_BASEMAP_DARK_PLACE_COLOR, { 0.1, 0.1, 0.11, 0.85 },
  },
};

static void
shape_clear (gpointer data)
{
  Shape *shape = data;

  g_clear_pointer (&shape->geom, g_bytes_unref);
}

static void
place_clear (gpointer data)
{
  Place *place = data;

  g_clear_pointer (&place->name, g_free);
}

/* Helpers ----------------------------------------------------------------- */

TgSqlite *
_tg_basemap_open_db (const char  *path,
                     GError     **error)
{
  g_autofree char *uri = NULL;
  g_autofree char *full_uri = NULL;
  g_autoptr(TgSqlite) sql = NULL;
  g_autoptr(GError) local_error = NULL;
  sqlite3 *db;
  int version;
  int rc;

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, TG_ERROR, TG_ERROR_NOT_FOUND,
                   _("The map data file “%s” is missing"), path);
      return NULL;
    }

  uri = g_filename_to_uri (path, NULL, error);
  if (uri == NULL)
    return NULL;
  /* The shipped file never changes: no locks, no journal. */
  full_uri = g_strconcat (uri, "?immutable=1", NULL);

  sql = tg_sqlite_open (full_uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
                        &local_error);
  if (sql == NULL)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_FAILED,
                   _("Could not open the map data file “%s”: %s"), path, local_error->message);
      return NULL;
    }
  db = tg_sqlite_get_db (sql);

  if (!tg_sqlite_get_user_version (sql, &version, NULL))
    {
      rc = sqlite3_extended_errcode (db);
      g_set_error (error, TG_ERROR, tg_sqlite_error_code_or (rc, TG_ERROR_CORRUPT),
                   _("The map data file “%s” is damaged: %s"),
                   path, sqlite3_errmsg (db));
      return NULL;
    }

  if (version != TG_BASEMAP_SCHEMA_VERSION)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                   _("The map data file “%s” has format %d; this version of Testigo reads format %d"),
                   path, version, TG_BASEMAP_SCHEMA_VERSION);
      return NULL;
    }

  return g_steal_pointer (&sql);
}

double
tg_basemap_lon_to_tile_x (double lon,
                          int    zoom)
{
  return (lon + 180.0) / 360.0 * ldexp (1.0, zoom);
}

double
tg_basemap_lat_to_tile_y (double lat,
                          int    zoom)
{
  double s;

  lat = CLAMP (lat, -MAX_LAT, MAX_LAT);
  s = sin (lat * G_PI / 180.0);
  return (0.5 - log ((1.0 + s) / (1.0 - s)) / (4.0 * G_PI)) * ldexp (1.0, zoom);
}

double
tg_basemap_tile_x_to_lon (double x,
                          int    zoom)
{
  return x / ldexp (1.0, zoom) * 360.0 - 180.0;
}

double
tg_basemap_tile_y_to_lat (double y,
                          int    zoom)
{
  double n = G_PI - 2.0 * G_PI * y / ldexp (1.0, zoom);

  return 180.0 / G_PI * atan (sinh (n));
}

static inline gboolean
read_varint (const guint8 **p,
             const guint8  *end,
             guint64       *value)
{
  guint64 v = 0;
  int shift = 0;

  while (*p < end && shift < 64)
    {
      guint8 b = *(*p)++;

      v |= (guint64) (b & 0x7f) << shift;
      if ((b & 0x80) == 0)
        {
          *value = v;
          return TRUE;
        }
      shift += 7;
    }
  return FALSE;
}

static inline gboolean
read_zigzag (const guint8 **p,
             const guint8  *end,
             gint64        *value)
{
  guint64 v;

  if (!read_varint (p, end, &v))
    return FALSE;
  *value = (gint64) (v >> 1) ^ -(gint64) (v & 1);
  return TRUE;
}

typedef struct
{
  double x0;      /* tile origin in world tile units */
  double y0;
  double scale;   /* world tile units → pixels */
  double world;   /* 2^zoom */
} Projection;

static inline void
project (const Projection *proj,
         double            lon,
         double            lat,
         double           *px,
         double           *py)
{
  double s;

  *px = ((lon + 180.0) / 360.0 * proj->world - proj->x0) * proj->scale;
  lat = CLAMP (lat, -MAX_LAT, MAX_LAT);
  s = sin (lat * (G_PI / 180.0));
  *py = ((0.5 - log ((1.0 + s) / (1.0 - s)) / (4.0 * G_PI)) * proj->world - proj->y0) * proj->scale;
}

/* Adds the parts of a geometry blob (see tools/basemap/README.md) to the
 * current path. Returns FALSE if the blob is malformed. */
static gboolean
append_geometry (cairo_t          *cr,
                 const Projection *proj,
                 GBytes           *geom,
                 gboolean          close)
{
  gsize size;
  const guint8 *p = g_bytes_get_data (geom, &size);
  const guint8 *end = p + size;
  guint64 n_parts;

  if (!read_varint (&p, end, &n_parts))
    return FALSE;

  for (guint64 part = 0; part < n_parts; part++)
    {
      guint64 n_points;
      gint64 lon = 0, lat = 0;

      if (!read_varint (&p, end, &n_points))
        return FALSE;
      for (guint64 i = 0; i < n_points; i++)
        {
          gint64 dx, dy;
          double px, py;

          if (!read_zigzag (&p, end, &dx) || !read_zigzag (&p, end, &dy))
            return FALSE;
          lon += dx;
          lat += dy;
          project (proj, lon * 1e-5, lat * 1e-5, &px, &py);
          if (i == 0)
            cairo_move_to (cr, px, py);
          else
            cairo_line_to (cr, px, py);
        }
      if (close)
        cairo_close_path (cr);
    }
  return TRUE;
}

static void
set_color (cairo_t *cr,
           guint32  rgb)
{
  cairo_set_source_rgb (cr,
                        ((rgb >> 16) & 0xff) / 255.0,
                        ((rgb >> 8) & 0xff) / 255.0,
                        (rgb & 0xff) / 255.0);
}

static int
level_for_zoom (int zoom)
{
  if (zoom <= 2)
    return 0;
  if (zoom <= 5)
    return 1;
  return 2;
}

static int
place_compare (gconstpointer a,
               gconstpointer b)
{
  const Place *pa = a;
  const Place *pb = b;

  if (pa->min_zoom != pb->min_zoom)
    return pa->min_zoom - pb->min_zoom;
  if (pa->population != pb->population)
    return pa->population > pb->population ? -1 : 1;
  return g_strcmp0 (pa->name, pb->name);
}

/* Reads everything a tile needs while holding the lock; drawing happens
 * after, so several threads can draw at once. */
static gboolean
query_tile (TgBasemap  *self,
            int         zoom,
            double      west,
            double      south,
            double      east,
            double      north,
            double      label_west,
            double      label_south,
            double      label_east,
            double      label_north,
            GArray     *shapes,
            GArray     *places,
            GError    **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  sqlite3_stmt *stmt = self->shapes[level_for_zoom (zoom)];
  int rc;

  sqlite3_reset (stmt);
  sqlite3_bind_double (stmt, 1, east);
  sqlite3_bind_double (stmt, 2, west);
  sqlite3_bind_double (stmt, 3, north);
  sqlite3_bind_double (stmt, 4, south);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Shape shape;

      shape.layer = sqlite3_column_int (stmt, 0);
      shape.geom = g_bytes_new (sqlite3_column_blob (stmt, 1),
                                sqlite3_column_bytes (stmt, 1));
      g_array_append_val (shapes, shape);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    goto fail;

  if (places != NULL && zoom >= 2)
    {
      /* Places are grouped by label zoom and by their zoom-8 tile. */
      int tx0 = (int) floor (tg_basemap_lon_to_tile_x (label_west, 8));
      int tx1 = (int) floor (tg_basemap_lon_to_tile_x (label_east, 8));
      int ty0 = (int) floor (tg_basemap_lat_to_tile_y (label_north, 8));
      int ty1 = (int) floor (tg_basemap_lat_to_tile_y (label_south, 8));

      stmt = self->places;
      for (int m = 2; m <= MIN (zoom, 13); m++)
        {
          sqlite3_reset (stmt);
          sqlite3_bind_int (stmt, 1, m);
          sqlite3_bind_int (stmt, 2, tx0);
          sqlite3_bind_int (stmt, 3, tx1);
          sqlite3_bind_int (stmt, 4, ty0);
          sqlite3_bind_int (stmt, 5, ty1);
          while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
            {
              Place place;
              const char *feature;

              place.lat = sqlite3_column_int (stmt, 1) * 1e-5;
              place.lon = sqlite3_column_int (stmt, 2) * 1e-5;
              if (place.lat < label_south || place.lat > label_north ||
                  place.lon < label_west || place.lon > label_east)
                continue;
              place.name = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
              place.population = sqlite3_column_int64 (stmt, 3);
              feature = (const char *) sqlite3_column_text (stmt, 4);
              place.important = g_strcmp0 (feature, "PPLC") == 0 ||
                                g_strcmp0 (feature, "PPLA") == 0;
              place.min_zoom = m;
              g_array_append_val (places, place);
            }
          sqlite3_reset (stmt);
          if (rc != SQLITE_DONE)
            goto fail;
        }
    }

  return TRUE;

fail:
  g_set_error (error, TG_ERROR, TG_ERROR_CORRUPT,
               _("Could not read the map data file “%s”: %s"),
               self->path, sqlite3_errmsg (self->db));
  return FALSE;
}

typedef struct
{
  double x0, y0, x1, y1;
} Rect;

static gboolean
rect_overlaps (GArray     *rects,
               const Rect *r)
{
  for (guint i = 0; i < rects->len; i++)
    {
      const Rect *o = &g_array_index (rects, Rect, i);

      if (r->x0 < o->x1 && r->x1 > o->x0 && r->y0 < o->y1 && r->y1 > o->y0)
        return TRUE;
    }
  return FALSE;
}

static void
draw_places (cairo_t          *cr,
             const Palette    *palette,
             const Projection *proj,
             int               zoom,
             int               tile_size,
             GArray           *places)
{
  g_autoptr(GArray) taken = g_array_new (FALSE, FALSE, sizeof (Rect));
  double font_size = zoom < 6 ? 10.0 : 11.0;
  guint drawn = 0;

  g_array_sort (places, place_compare);

  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint i = 0; i < places->len && drawn < MAX_LABELS; i++)
    {
      const Place *place = &g_array_index (places, Place, i);
      cairo_text_extents_t ext;
      double px, py, radius;
      Rect r;

      project (proj, place->lon, place->lat, &px, &py);
      radius = place->important ? 3.0 : 2.0;

      cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL,
                              place->important ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
      cairo_set_font_size (cr, font_size);
      cairo_text_extents (cr, place->name, &ext);

      r.x0 = px - radius - 1;
      r.y0 = py - MAX (radius, font_size / 2) - 1;
      r.x1 = px + radius + 3 + ext.x_advance + 1;
      r.y1 = py + MAX (radius, font_size / 2) + 1;
      if (rect_overlaps (taken, &r))
        continue;
      g_array_append_val (taken, r);
      drawn++;

      /* Only draw what can touch this tile. */
      if (r.x1 < 0 || r.y1 < 0 || r.x0 > tile_size || r.y0 > tile_size)
        continue;

      cairo_new_path (cr);
      cairo_arc (cr, px, py, radius, 0, 2 * G_PI);
      cairo_set_source_rgb (cr, palette->halo[0], palette->halo[1], palette->halo[2]);
      cairo_set_line_width (cr, 1.5);
      cairo_stroke_preserve (cr);
      set_color (cr, palette->place);
      cairo_fill (cr);

      cairo_move_to (cr, px + radius + 3, py + font_size * 0.35);
      cairo_text_path (cr, place->name);
      cairo_set_source_rgba (cr, palette->halo[0], palette->halo[1], palette->halo[2], palette->halo[3]);
      cairo_set_line_width (cr, 3.0);
      cairo_stroke_preserve (cr);
      set_color (cr, palette->place);
      cairo_fill (cr);
    }
}

static cairo_status_t
write_png_cb (void                *closure,
              const unsigned char *data,
              unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

static void
render_tile_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  RenderData *data = task_data;
  GError *error = NULL;
  GBytes *bytes;

  if (g_task_return_error_if_cancelled (task))
    return;

  bytes = tg_basemap_render_tile (source_object, data->zoom, data->x, data->y,
                                  data->tile_size, data->style, &error);
  if (bytes == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
}

/* GObject ------------------------------------------------------------------ */

static void
tg_basemap_finalize (GObject *object)
{
  TgBasemap *self = TG_BASEMAP (object);

  for (int i = 0; i < LEVEL_COUNT; i++)
    self->shapes[i] = NULL;
  self->places = NULL;
  self->db = NULL;
  g_clear_pointer (&self->sql, tg_sqlite_close);
  g_mutex_clear (&self->mutex);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->attribution, g_free);

  G_OBJECT_CLASS (tg_basemap_parent_class)->finalize (object);
}

static void
tg_basemap_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  TgBasemap *self = TG_BASEMAP (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_SHOW_PLACES:
      g_value_set_boolean (value, self->show_places);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_basemap_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  TgBasemap *self = TG_BASEMAP (object);

  switch (prop_id)
    {
    case PROP_SHOW_PLACES:
      tg_basemap_set_show_places (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_basemap_class_init (TgBasemapClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tg_basemap_finalize;
  object_class->get_property = tg_basemap_get_property;
  object_class->set_property = tg_basemap_set_property;

  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_PLACES] =
    g_param_spec_boolean ("show-places", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tg_basemap_init (TgBasemap *self)
{
  g_mutex_init (&self->mutex);
  self->show_places = TRUE;
}

/* Public API ----------------------------------------------------------------- */

/**
 * tg_basemap_default_path:
 *
 * Where the built-in basemap lives: $TESTIGO_BASEMAP if set, else the
 * installed copy, else the one in the source tree (for uninstalled runs).
 *
 * Returns: (transfer full): a file name
 */
char *
tg_basemap_default_path (void)
{
  const char *env = g_getenv ("TESTIGO_BASEMAP");
  g_autofree char *installed = NULL;

  if (env != NULL && *env != '\0')
    return g_strdup (env);

  installed = g_build_filename (PKGDATADIR, "basemap", "basemap.sqlite", NULL);
  if (g_file_test (installed, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&installed);

  return g_build_filename (SRCDATADIR, "basemap", "basemap.sqlite", NULL);
}

/**
 * tg_basemap_new:
 * @path: (nullable): the basemap file, or %NULL for tg_basemap_default_path()
 *
 * Returns: (transfer full): the basemap, or %NULL with @error set
 */
TgBasemap *
tg_basemap_new (const char  *path,
                GError     **error)
{
  g_autoptr(TgBasemap) self = g_object_new (TG_TYPE_BASEMAP, NULL);
  g_autoptr(TgSqliteStmt) meta = NULL;

  self->path = path ? g_strdup (path) : tg_basemap_default_path ();
  self->sql = _tg_basemap_open_db (self->path, error);
  if (self->sql == NULL)
    return NULL;
  self->db = tg_sqlite_get_db (self->sql);

  for (int i = 0; i < LEVEL_COUNT; i++)
    {
      g_autofree char *sql =
        g_strdup_printf ("SELECT s.layer, s.geom FROM shape_index_%d i"
                         " JOIN shape s ON s.id = i.id"
                         " WHERE i.min_lon <= ?1 AND i.max_lon >= ?2"
                         " AND i.min_lat <= ?3 AND i.max_lat >= ?4"
                         " ORDER BY s.layer, s.id", i);

      if (!(self->shapes[i] = tg_sqlite_prepare (self->sql, sql, NULL)))
        goto fail;
    }

  if (!(self->places = tg_sqlite_prepare (self->sql,
                                         "SELECT name, lat, lon, population, feature FROM place"
                                         " WHERE min_zoom = ?1 AND tx BETWEEN ?2 AND ?3"
                                         " AND ty BETWEEN ?4 AND ?5", NULL)))
    goto fail;

  if (!(meta = tg_sqlite_prepare (self->sql, "SELECT value FROM meta WHERE key = 'attribution'",
                                  NULL)))
    goto fail;
  if (sqlite3_step (meta) == SQLITE_ROW)
    self->attribution = g_strdup ((const char *) sqlite3_column_text (meta, 0));

  return g_steal_pointer (&self);

fail:
  g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
               _("The map data file “%s” is not a Testigo basemap: %s"),
               self->path, sqlite3_errmsg (self->db));
  return NULL;
}

const char *
tg_basemap_get_path (TgBasemap *self)
{
  g_return_val_if_fail (TG_IS_BASEMAP (self), NULL);

  return self->path;
}

/**
 * tg_basemap_get_attribution:
 *
 * Returns: the credit line the map must show for this data
 */
const char *
tg_basemap_get_attribution (TgBasemap *self)
{
  g_return_val_if_fail (TG_IS_BASEMAP (self), NULL);

  return self->attribution ? self->attribution
                           : "Natural Earth · GeoNames (CC BY 4.0)";
}

gboolean
tg_basemap_get_show_places (TgBasemap *self)
{
  g_return_val_if_fail (TG_IS_BASEMAP (self), FALSE);

  return g_atomic_int_get (&self->show_places);
}

void
tg_basemap_set_show_places (TgBasemap *self,
                            gboolean   show_places)
{
  g_return_if_fail (TG_IS_BASEMAP (self));

  show_places = !!show_places;
  if (g_atomic_int_get (&self->show_places) == show_places)
    return;
  g_atomic_int_set (&self->show_places, show_places);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_PLACES]);
}

/**
 * tg_basemap_render_tile:
 * @zoom: 0 to %TG_BASEMAP_MAX_ZOOM
 * @x: tile column, 0 at 180° W
 * @y: tile row, 0 at the north edge (slippy-map numbering, not TMS)
 * @tile_size: pixels, 64 to 1024
 * @style: light or dark colours
 *
 * Renders one web-mercator tile: sea, land, country borders and, unless
 * #TgBasemap:show-places is off, the most important places with labels.
 * Safe to call from any thread.
 *
 * Returns: (transfer full): PNG data, or %NULL with @error set
 */
GBytes *
tg_basemap_render_tile (TgBasemap       *self,
                        int              zoom,
                        int              x,
                        int              y,
                        int              tile_size,
                        TgBasemapStyle   style,
                        GError         **error)
{
  const Palette *palette;
  g_autoptr(GArray) shapes = NULL;
  g_autoptr(GArray) places = NULL;
  g_autoptr(GByteArray) png = NULL;
  cairo_surface_t *surface;
  cairo_t *cr;
  cairo_status_t status;
  Projection proj;
  double west, east, north, south, margin_x, margin_y;
  gint64 n;

  g_return_val_if_fail (TG_IS_BASEMAP (self), NULL);

  n = (gint64) 1 << CLAMP (zoom, 0, 30);
  if (zoom < 0 || zoom > TG_BASEMAP_MAX_ZOOM || x < 0 || y < 0 || x >= n || y >= n)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                   _("There is no map tile %d/%d/%d"), zoom, x, y);
      return NULL;
    }
  g_return_val_if_fail ((guint) style < G_N_ELEMENTS (palettes), NULL);
  palette = &palettes[style];
  if (tile_size < 64 || tile_size > 1024)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                   _("A map tile of %d pixels is not supported"), tile_size);
      return NULL;
    }

  west = tg_basemap_tile_x_to_lon (x, zoom);
  east = tg_basemap_tile_x_to_lon (x + 1, zoom);
  north = tg_basemap_tile_y_to_lat (y, zoom);
  south = tg_basemap_tile_y_to_lat (y + 1, zoom);
  /* Lines a few pixels outside still touch the tile. */
  margin_x = (east - west) * 4.0 / tile_size;
  margin_y = (north - south) * 4.0 / tile_size;

  shapes = g_array_new (FALSE, FALSE, sizeof (Shape));
  g_array_set_clear_func (shapes, shape_clear);
  if (tg_basemap_get_show_places (self))
    {
      places = g_array_new (FALSE, FALSE, sizeof (Place));
      g_array_set_clear_func (places, place_clear);
    }

  /* Labels run up to ~150 px right of their place, so places a little
   * outside the tile are read too. */
  if (!query_tile (self, zoom,
                   west - margin_x, south - margin_y, east + margin_x, north + margin_y,
                   tg_basemap_tile_x_to_lon (x - 160.0 / tile_size, zoom),
                   tg_basemap_tile_y_to_lat (y + 1 + 16.0 / tile_size, zoom),
                   tg_basemap_tile_x_to_lon (x + 1 + 16.0 / tile_size, zoom),
                   tg_basemap_tile_y_to_lat (y - 16.0 / tile_size, zoom),
                   shapes, places, error))
    return NULL;

  proj.world = (double) n;
  proj.x0 = x;
  proj.y0 = y;
  proj.scale = tile_size;

  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, tile_size, tile_size);
  cr = cairo_create (surface);

  set_color (cr, palette->sea);
  cairo_paint (cr);

  /* Land: every piece is one even-odd path of its rings. */
  set_color (cr, palette->land);
  cairo_set_fill_rule (cr, CAIRO_FILL_RULE_EVEN_ODD);
  for (guint i = 0; i < shapes->len; i++)
    {
      Shape *shape = &g_array_index (shapes, Shape, i);

      if (shape->layer != LAYER_LAND)
        continue;
      cairo_new_path (cr);
      if (append_geometry (cr, &proj, shape->geom, TRUE))
        cairo_fill (cr);
      else
        g_warning ("Malformed land shape in %s", self->path);
    }

  /* Borders in one path and one stroke. */
  cairo_new_path (cr);
  for (guint i = 0; i < shapes->len; i++)
    {
      Shape *shape = &g_array_index (shapes, Shape, i);

      if (shape->layer == LAYER_BORDER &&
          !append_geometry (cr, &proj, shape->geom, FALSE))
        g_warning ("Malformed border shape in %s", self->path);
    }
  set_color (cr, palette->border);
  cairo_set_line_width (cr, zoom < 4 ? 1.0 : zoom < 8 ? 1.5 : 2.0);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_stroke (cr);

  if (places != NULL)
    draw_places (cr, palette, &proj, zoom, tile_size, places);

  cairo_destroy (cr);

  png = g_byte_array_sized_new (16 * 1024);
  status = cairo_surface_write_to_png_stream (surface, write_png_cb, png);
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_FAILED,
                   _("Could not draw map tile %d/%d/%d: %s"),
                   zoom, x, y, cairo_status_to_string (status));
      return NULL;
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&png));
}

/**
 * tg_basemap_render_tile_async:
 *
 * Renders a tile on a worker thread; see tg_basemap_render_tile().
 */
void
tg_basemap_render_tile_async (TgBasemap           *self,
                              int                  zoom,
                              int                  x,
                              int                  y,
                              int                  tile_size,
                              TgBasemapStyle       style,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  RenderData *data;

  g_return_if_fail (TG_IS_BASEMAP (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tg_basemap_render_tile_async);
  data = g_new0 (RenderData, 1);
  data->zoom = zoom;
  data->x = x;
  data->y = y;
  data->tile_size = tile_size;
  data->style = style;
  g_task_set_task_data (task, data, g_free);
  g_task_run_in_thread (task, render_tile_thread);
}

/**
 * tg_basemap_render_tile_finish:
 *
 * Returns: (transfer full): PNG data, or %NULL with @error set
 */
GBytes *
tg_basemap_render_tile_finish (TgBasemap     *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tg_basemap_render_tile_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
