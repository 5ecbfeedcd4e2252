/* tg-gazetteer.c — offline place search and reverse lookup
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reads the places of the built-in basemap file (see
 * tools/basemap/README.md). Search keys there are normalised exactly as
 * tg_gazetteer_normalize() does.
 */
#define G_LOG_DOMAIN "tg-gazetteer"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "tg-basemap.h"
#include "tg-basemap-private.h"
#include "tg-gazetteer.h"
#include "tg-types.h"

#define MAX_CANDIDATES 4000
#define EARTH_RADIUS_KM 6371.0

struct _TgGazetteer
{
  GObject       parent_instance;

  char         *path;
  TgSqlite     *sql;
  sqlite3      *db;     /* its handle */
  GMutex        mutex;
  /* From the connection's cache, prepared at open (which checks the file
   * has a place index) and finalised when it closes. */
  sqlite3_stmt *exact;
  sqlite3_stmt *prefix;
  sqlite3_stmt *admin;
  sqlite3_stmt *grid;
};

G_DEFINE_FINAL_TYPE (TgGazetteer, tg_gazetteer, G_TYPE_OBJECT)

typedef struct
{
  gint64  id;
  int     tier;       /* 0 exact name, 1 name prefix, 2 exact word, 3 word prefix */
  int     biased;     /* 0 in the preferred country, 1 elsewhere */
  gint64  population;
  char   *name;
  char    country[4];
  char   *admin1;
  char   *admin2;
  double  lat;
  double  lon;
  char    feature[12];
} Candidate;

typedef struct
{
  char  *query;
  char  *country_bias;
  guint  limit;
} SearchData;

static void
candidate_free (gpointer data)
{
  Candidate *c = data;

  g_free (c->name);
  g_free (c->admin1);
  g_free (c->admin2);
  g_free (c);
}

static void
search_data_free (gpointer data)
{
  SearchData *sd = data;

  g_free (sd->query);
  g_free (sd->country_bias);
  g_free (sd);
}

/* Helpers ----------------------------------------------------------------- */

/* Columns: id, name, country, admin1, admin2, lat, lon, population, feature */
#define PLACE_COLUMNS "p.id, p.name, p.country, p.admin1, p.admin2, p.lat, p.lon, p.population, p.feature"

static Candidate *
candidate_from_row (sqlite3_stmt *stmt,
                    int           first)
{
  Candidate *c = g_new0 (Candidate, 1);
  const char *country = (const char *) sqlite3_column_text (stmt, first + 2);
  const char *feature = (const char *) sqlite3_column_text (stmt, first + 8);

  c->id = sqlite3_column_int64 (stmt, first);
  c->name = g_strdup ((const char *) sqlite3_column_text (stmt, first + 1));
  g_strlcpy (c->country, country ? country : "", sizeof c->country);
  c->admin1 = g_strdup ((const char *) sqlite3_column_text (stmt, first + 3));
  c->admin2 = g_strdup ((const char *) sqlite3_column_text (stmt, first + 4));
  c->lat = sqlite3_column_int (stmt, first + 5) * 1e-5;
  c->lon = sqlite3_column_int (stmt, first + 6) * 1e-5;
  c->population = sqlite3_column_int64 (stmt, first + 7);
  g_strlcpy (c->feature, feature ? feature : "", sizeof c->feature);

  return c;
}

static char *
lookup_admin (TgGazetteer *self,
              const char  *code)
{
  char *name = NULL;

  sqlite3_reset (self->admin);
  sqlite3_bind_text (self->admin, 1, code, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (self->admin) == SQLITE_ROW)
    name = g_strdup ((const char *) sqlite3_column_text (self->admin, 0));
  sqlite3_reset (self->admin);

  return name;
}

/* Called with the lock held. */
static TgGazetteerPlace *
place_from_candidate (TgGazetteer     *self,
                      const Candidate *c)
{
  g_autofree char *code1 = NULL;
  g_autofree char *code2 = NULL;
  g_autofree char *name1 = NULL;
  g_autofree char *name2 = NULL;

  if (c->admin1 != NULL)
    {
      code1 = g_strdup_printf ("%s.%s", c->country, c->admin1);
      name1 = lookup_admin (self, code1);
      if (c->admin2 != NULL)
        {
          code2 = g_strdup_printf ("%s.%s.%s", c->country, c->admin1, c->admin2);
          name2 = lookup_admin (self, code2);
        }
    }

  return _tg_gazetteer_place_new (c->name, c->country, code1, name1, code2, name2,
                                  c->lat, c->lon, c->population, c->feature);
}

static int
candidate_compare (gconstpointer a,
                   gconstpointer b)
{
  const Candidate *ca = *(Candidate * const *) a;
  const Candidate *cb = *(Candidate * const *) b;

  if (ca->tier != cb->tier)
    return ca->tier - cb->tier;
  if (ca->biased != cb->biased)
    return ca->biased - cb->biased;
  if (ca->population != cb->population)
    return ca->population > cb->population ? -1 : 1;
  if (ca->id != cb->id)
    return ca->id < cb->id ? -1 : 1;
  return 0;
}

static double
distance_km (double lat1,
             double lon1,
             double lat2,
             double lon2)
{
  double p1 = lat1 * G_PI / 180, p2 = lat2 * G_PI / 180;
  double dp = p2 - p1, dl = (lon2 - lon1) * G_PI / 180;
  double a = sin (dp / 2) * sin (dp / 2) + cos (p1) * cos (p2) * sin (dl / 2) * sin (dl / 2);

  return 2 * EARTH_RADIUS_KM * asin (MIN (1.0, sqrt (a)));
}

static void
search_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  SearchData *sd = task_data;
  GError *error = NULL;
  GPtrArray *result;

  result = tg_gazetteer_search (source_object, sd->query, sd->country_bias, sd->limit, &error);
  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) g_ptr_array_unref);
}

/* GObject ------------------------------------------------------------------ */

static void
tg_gazetteer_finalize (GObject *object)
{
  TgGazetteer *self = TG_GAZETTEER (object);

  self->exact = self->prefix = self->admin = self->grid = NULL;
  self->db = NULL;
  g_clear_pointer (&self->sql, tg_sqlite_close);
  g_clear_pointer (&self->path, g_free);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (tg_gazetteer_parent_class)->finalize (object);
}

static void
tg_gazetteer_class_init (TgGazetteerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tg_gazetteer_finalize;
}

static void
tg_gazetteer_init (TgGazetteer *self)
{
  g_mutex_init (&self->mutex);
}

/* Public API ----------------------------------------------------------------- */

/**
 * tg_gazetteer_normalize:
 *
 * Folds text for search: accents and case are dropped and every run of
 * characters that are not letters or digits becomes one space, so
 * "  JULIACA" and "juliaca", "Apurímac" and "apurimac" are the same.
 *
 * Returns: (transfer full): the folded text ("" for invalid UTF-8)
 */
char *
tg_gazetteer_normalize (const char *text)
{
  g_autofree char *nfd = NULL;
  GString *out;
  gboolean gap = FALSE;

  if (text == NULL || (nfd = g_utf8_normalize (text, -1, G_NORMALIZE_NFD)) == NULL)
    return g_strdup ("");

  out = g_string_sized_new (strlen (nfd));
  for (const char *p = nfd; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_ismark (c))
        continue;
      if (g_unichar_isalnum (c))
        {
          if (gap && out->len > 0)
            g_string_append_c (out, ' ');
          gap = FALSE;
          g_string_append_unichar (out, g_unichar_tolower (c));
        }
      else
        gap = TRUE;
    }

  return g_string_free (out, FALSE);
}

/**
 * tg_gazetteer_new:
 * @path: (nullable): the basemap file, or %NULL for tg_basemap_default_path()
 *
 * Returns: (transfer full): the gazetteer, or %NULL with @error set
 */
TgGazetteer *
tg_gazetteer_new (const char  *path,
                  GError     **error)
{
  g_autoptr(TgGazetteer) self = g_object_new (TG_TYPE_GAZETTEER, NULL);

  self->path = path ? g_strdup (path) : tg_basemap_default_path ();
  self->sql = _tg_basemap_open_db (self->path, error);
  if (self->sql == NULL)
    return NULL;
  self->db = tg_sqlite_get_db (self->sql);

  self->exact = tg_sqlite_prepare (self->sql,
                                   "SELECT k.key, k.kind, " PLACE_COLUMNS
                                   " FROM place_key k JOIN place p ON p.id = k.place"
                                   " WHERE k.key = ?1", NULL);
  if (self->exact != NULL)
    self->prefix = tg_sqlite_prepare (self->sql,
                                      "SELECT k.key, k.kind, " PLACE_COLUMNS
                                      " FROM place_key k JOIN place p ON p.id = k.place"
                                      " WHERE k.key > ?1 AND k.key < ?2 LIMIT "
                                      G_STRINGIFY (MAX_CANDIDATES), NULL);
  if (self->prefix != NULL)
    self->admin = tg_sqlite_prepare (self->sql, "SELECT name FROM admin WHERE code = ?1", NULL);
  if (self->admin != NULL)
    self->grid = tg_sqlite_prepare (self->sql,
                                    "SELECT " PLACE_COLUMNS " FROM place p"
                                    " WHERE p.min_zoom = ?1 AND p.tx BETWEEN ?2 AND ?3"
                                    " AND p.ty BETWEEN ?4 AND ?5", NULL);
  if (self->grid == NULL)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                   _("The map data file “%s” has no usable place index: %s"),
                   self->path, sqlite3_errmsg (self->db));
      return NULL;
    }

  return g_steal_pointer (&self);
}

/**
 * tg_gazetteer_search:
 * @query: what the person typed
 * @country_bias: (nullable): an ISO country code whose places come first
 *   among equally good matches ("PE"), or %NULL
 * @limit: the most places to return
 *
 * Finds places by name, ignoring accents and case. Exact names come first,
 * then names that start with the query, then names with a later word that
 * does; within each, places of @country_bias, then the most populous.
 *
 * Returns: (transfer full) (element-type TgGazetteerPlace): the places,
 *   maybe none, or %NULL with @error set
 */
GPtrArray *
tg_gazetteer_search (TgGazetteer  *self,
                     const char   *query,
                     const char   *country_bias,
                     guint         limit,
                     GError      **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(GHashTable) seen = NULL;
  g_autoptr(GPtrArray) candidates = NULL;
  g_autofree char *key = NULL;
  g_autofree char *upper = NULL;
  GPtrArray *result;
  sqlite3_stmt *stmts[2];
  int rc = SQLITE_DONE;

  g_return_val_if_fail (TG_IS_GAZETTEER (self), NULL);

  result = g_ptr_array_new_with_free_func (g_object_unref);
  key = tg_gazetteer_normalize (query);
  if (*key == '\0' || limit == 0)
    return result;
  /* Every key that starts with `key` sorts below this. */
  upper = g_strconcat (key, "\xf4\x8f\xbf\xbf", NULL);

  seen = g_hash_table_new (g_int64_hash, g_int64_equal);
  candidates = g_ptr_array_new_with_free_func (candidate_free);

  locker = g_mutex_locker_new (&self->mutex);
  stmts[0] = self->exact;
  stmts[1] = self->prefix;
  sqlite3_bind_text (self->exact, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text (self->prefix, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text (self->prefix, 2, upper, -1, SQLITE_STATIC);

  for (guint s = 0; s < G_N_ELEMENTS (stmts); s++)
    {
      while ((rc = sqlite3_step (stmts[s])) == SQLITE_ROW)
        {
          const char *k = (const char *) sqlite3_column_text (stmts[s], 0);
          int kind = sqlite3_column_int (stmts[s], 1);
          gboolean exact = g_strcmp0 (k, key) == 0;
          int tier = (kind == 0 ? 0 : 2) + (exact ? 0 : 1);
          gint64 id = sqlite3_column_int64 (stmts[s], 2);
          Candidate *c = g_hash_table_lookup (seen, &id);

          if (c != NULL)
            {
              c->tier = MIN (c->tier, tier);
              continue;
            }
          c = candidate_from_row (stmts[s], 2);
          c->tier = tier;
          c->biased = country_bias != NULL && g_ascii_strcasecmp (c->country, country_bias) != 0;
          g_ptr_array_add (candidates, c);
          g_hash_table_insert (seen, &c->id, c);
        }
      sqlite3_reset (stmts[s]);
      if (rc != SQLITE_DONE)
        break;
    }
  sqlite3_clear_bindings (self->exact);
  sqlite3_clear_bindings (self->prefix);

  if (rc != SQLITE_DONE)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_CORRUPT,
                   _("Could not search the places in “%s”: %s"),
                   self->path, sqlite3_errmsg (self->db));
      g_ptr_array_unref (result);
      return NULL;
    }

  g_ptr_array_sort (candidates, candidate_compare);
  for (guint i = 0; i < candidates->len && i < limit; i++)
    g_ptr_array_add (result, place_from_candidate (self, g_ptr_array_index (candidates, i)));

  return result;
}

void
tg_gazetteer_search_async (TgGazetteer         *self,
                           const char          *query,
                           const char          *country_bias,
                           guint                limit,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SearchData *sd;

  g_return_if_fail (TG_IS_GAZETTEER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tg_gazetteer_search_async);
  sd = g_new0 (SearchData, 1);
  sd->query = g_strdup (query);
  sd->country_bias = g_strdup (country_bias);
  sd->limit = limit;
  g_task_set_task_data (task, sd, search_data_free);
  g_task_run_in_thread (task, search_thread);
}

/**
 * tg_gazetteer_search_finish:
 *
 * Returns: (transfer full) (element-type TgGazetteerPlace): the places
 */
GPtrArray *
tg_gazetteer_search_finish (TgGazetteer   *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * tg_gazetteer_nearest:
 * @distance_km: (out) (optional): how far the place is
 *
 * Finds the place that best names a point: the nearest one, with larger
 * towns counting as a little nearer than hamlets (a point 5 km from
 * Juliaca is named by Juliaca, not by a village 3 km away).
 *
 * Returns: (transfer full): the place, or %NULL with @error set
 *   (%TG_ERROR_NOT_FOUND if no place is within reach)
 */
TgGazetteerPlace *
tg_gazetteer_nearest (TgGazetteer  *self,
                      double        latitude,
                      double        longitude,
                      double       *distance_km_out,
                      GError      **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  Candidate *best = NULL;
  double best_score = G_MAXDOUBLE, best_distance = 0;
  int tx, ty;

  g_return_val_if_fail (TG_IS_GAZETTEER (self), NULL);

  if (!(latitude >= -90 && latitude <= 90 && longitude >= -180 && longitude <= 180))
    {
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                   _("%.5f, %.5f is not a valid position"), latitude, longitude);
      return NULL;
    }

  tx = (int) floor (tg_basemap_lon_to_tile_x (longitude, 8));
  ty = (int) floor (tg_basemap_lat_to_tile_y (latitude, 8));

  locker = g_mutex_locker_new (&self->mutex);
  /* Widen the window of zoom-8 tiles until a place is found. */
  for (int radius = 1; radius <= 256 && best == NULL; radius *= 4)
    {
      for (int m = 2; m <= 13; m++)
        {
          int rc;

          sqlite3_reset (self->grid);
          sqlite3_bind_int (self->grid, 1, m);
          sqlite3_bind_int (self->grid, 2, tx - radius);
          sqlite3_bind_int (self->grid, 3, tx + radius);
          sqlite3_bind_int (self->grid, 4, ty - radius);
          sqlite3_bind_int (self->grid, 5, ty + radius);
          while ((rc = sqlite3_step (self->grid)) == SQLITE_ROW)
            {
              Candidate *c = candidate_from_row (self->grid, 0);
              double d = distance_km (latitude, longitude, c->lat, c->lon);
              double lp = log10 (1.0 + c->population);
              double score = d / (1.0 + lp * lp / 10.0);

              if (score < best_score)
                {
                  g_clear_pointer (&best, candidate_free);
                  best = c;
                  best_score = score;
                  best_distance = d;
                }
              else
                candidate_free (c);
            }
          sqlite3_reset (self->grid);
          if (rc != SQLITE_DONE)
            {
              g_clear_pointer (&best, candidate_free);
              g_set_error (error, TG_ERROR, TG_ERROR_CORRUPT,
                           _("Could not read the places in “%s”: %s"),
                           self->path, sqlite3_errmsg (self->db));
              return NULL;
            }
        }
    }

  if (best == NULL)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_NOT_FOUND,
                   _("No known place is near %.5f, %.5f"), latitude, longitude);
      return NULL;
    }

  if (distance_km_out)
    *distance_km_out = best_distance;

  {
    TgGazetteerPlace *place = place_from_candidate (self, best);

    candidate_free (best);
    return place;
  }
}

/**
 * tg_gazetteer_describe:
 * @admin1_code: (out) (optional) (transfer full): the region code ("PE.21")
 * @admin2_code: (out) (optional) (transfer full): the province code ("PE.21.2111")
 *
 * Names a point for a person: "near Juliaca, San Román, Puno", or just
 * "Juliaca, San Román, Puno" within a kilometre of the place.
 *
 * Returns: (transfer full): the label, or %NULL with @error set
 */
char *
tg_gazetteer_describe (TgGazetteer  *self,
                       double        latitude,
                       double        longitude,
                       char        **admin1_code,
                       char        **admin2_code,
                       GError      **error)
{
  g_autoptr(TgGazetteerPlace) place = NULL;
  g_autofree char *label = NULL;
  double d = 0;

  place = tg_gazetteer_nearest (self, latitude, longitude, &d, error);
  if (place == NULL)
    return NULL;

  if (admin1_code)
    *admin1_code = g_strdup (tg_gazetteer_place_get_admin1_code (place));
  if (admin2_code)
    *admin2_code = g_strdup (tg_gazetteer_place_get_admin2_code (place));

  label = tg_gazetteer_place_dup_label (place);
  if (d < 1.0)
    return g_steal_pointer (&label);
  /* Translators: %s is a place, e.g. "Juliaca, San Román, Puno" */
  return g_strdup_printf (_("near %s"), label);
}
