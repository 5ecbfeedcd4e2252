/* tg-map-tile-cache.c — the on-disk cache of tiles fetched from a tile server
 *
 * The cache is an MBTiles file (written with the core TgMbtiles writer) with
 * one more table, `tile_usage`, that holds for every tile when it was
 * fetched (seconds) and when it was last used (microseconds, strictly
 * increasing), and its size. When the tile data grows over the limit, the
 * least recently used tiles are deleted until it is at 90 % of the limit,
 * and the file gives the pages back (auto_vacuum = INCREMENTAL).
 *
 * All disk work runs on one worker thread of the cache's own (one thread,
 * first in first out), never on the main loop; the order of lookups and
 * stores is therefore the order they were asked for.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-map-tile-cache"

#include "config.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <glib/gstdio.h>
#include "tg-map-tile-cache.h"
#include "tg-mbtiles.h"
#include "tg-sqlite.h"
#include "tg-types.h"

#define SOURCE_KEY       "testigo-tile-source"
#define TRIM_TO_FRACTION 0.9

struct _TgMapTileCache
{
  GObject        parent_instance;

  char          *path;
  char          *source_id;
  GThreadPool   *pool;

  /* Settings, read by the worker. */
  GMutex         config_lock;
  gint64         max_bytes;
  gint64         max_age;

  /* Only the worker thread touches these. */
  TgSqlite      *sql;
  sqlite3       *db;          /* its handle */
  TgMbtiles     *mbtiles;
  GError        *open_error;
  gint64         total_bytes;
  gint64         n_tiles;
  gint64         clock;

  /* Written by the worker, read by anyone under config_lock. */
  guint          last_evicted;
  gint64         last_eviction_us;
};

G_DEFINE_FINAL_TYPE (TgMapTileCache, tg_map_tile_cache, G_TYPE_OBJECT)

typedef void (*JobFunc) (TgMapTileCache *self,
                         GTask          *task);

typedef struct
{
  JobFunc  func;
  GTask   *task;
} Job;

typedef struct
{
  int     zoom;
  int     x;
  int     y;
  GBytes *data;
} TileJob;

static void
tile_job_free (TileJob *job)
{
  g_clear_pointer (&job->data, g_bytes_unref);
  g_free (job);
}

/* Helpers (worker thread) */

static gint64
config_get (TgMapTileCache *self,
            gint64         *field)
{
  gint64 value;

  g_mutex_lock (&self->config_lock);
  value = *field;
  g_mutex_unlock (&self->config_lock);

  return value;
}

static gboolean
set_db_error (TgMapTileCache  *self,
              GError         **error)
{
  return tg_sqlite_set_error (error, self->db, _("The map tile cache “%s” could not be used: %s"),
                              self->path, self->db ? sqlite3_errmsg (self->db) : g_strerror (ENOMEM));
}

static inline int
tms_row (int zoom,
         int y)
{
  return (int) (((gint64) 1 << zoom) - 1 - y);
}

static gint64
tick (TgMapTileCache *self)
{
  /* Strictly increasing, so that the order of use is never a tie. */
  self->clock = MAX (g_get_real_time (), self->clock + 1);
  return self->clock;
}

static void
close_db (TgMapTileCache *self)
{
  g_clear_object (&self->mbtiles);
  self->db = NULL;
  g_clear_pointer (&self->sql, tg_sqlite_close);
}

static gboolean
query_totals (TgMapTileCache *self)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;

  if (!(stmt = tg_sqlite_prepare (self->sql,
                                  "SELECT coalesce (sum (bytes), 0), count (*), coalesce (max (last_used), 0)"
                                  " FROM tile_usage", NULL)) ||
      sqlite3_step (stmt) != SQLITE_ROW)
    return FALSE;

  self->total_bytes = sqlite3_column_int64 (stmt, 0);
  self->n_tiles = sqlite3_column_int64 (stmt, 1);
  self->clock = MAX (self->clock, sqlite3_column_int64 (stmt, 2));
  return TRUE;
}

static gboolean
try_open (TgMapTileCache  *self,
          GError         **error)
{
  g_autofree char *dir = g_path_get_dirname (self->path);
  g_autofree char *held_source = NULL;
  g_autoptr(GError) local_error = NULL;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, TG_ERROR, TG_ERROR_FAILED,
                   _("The map tile cache folder “%s” could not be made: %s"),
                   dir, g_strerror (saved));
      return FALSE;
    }

  self->sql = tg_sqlite_open (self->path,
                              SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                              &local_error);
  if (self->sql == NULL)
    {
      g_set_error (error, TG_ERROR, local_error->code,
                   _("The map tile cache “%s” could not be used: %s"),
                   self->path, local_error->message);
      return FALSE;
    }
  self->db = tg_sqlite_get_db (self->sql);
  sqlite3_busy_timeout (self->db, 5000);

  /* auto_vacuum only takes on a new file, before the first table. */
  if (!tg_sqlite_exec (self->sql, "PRAGMA auto_vacuum = INCREMENTAL", NULL) ||
      !tg_sqlite_exec (self->sql, "PRAGMA journal_mode = WAL", NULL) ||
      !tg_sqlite_exec (self->sql, "PRAGMA synchronous = NORMAL", NULL) ||
      !tg_sqlite_exec (self->sql,
                       "CREATE TABLE IF NOT EXISTS tile_usage ("
                       " zoom_level INTEGER NOT NULL, tile_column INTEGER NOT NULL,"
                       " tile_row INTEGER NOT NULL, fetched INTEGER NOT NULL,"
                       " last_used INTEGER NOT NULL, bytes INTEGER NOT NULL,"
                       " PRIMARY KEY (zoom_level, tile_column, tile_row)) WITHOUT ROWID;"
                       "CREATE INDEX IF NOT EXISTS tile_usage_lru ON tile_usage (last_used);", NULL))
    return set_db_error (self, error);

  self->mbtiles = tg_mbtiles_create (self->path, _("Map tile cache"), "png", error);
  if (self->mbtiles == NULL)
    return FALSE;

  /* A cache filled from another server is of no use. */
  held_source = tg_mbtiles_dup_metadata (self->mbtiles, SOURCE_KEY);
  if (g_strcmp0 (held_source, self->source_id) != 0)
    {
      if (!tg_sqlite_exec (self->sql, "BEGIN IMMEDIATE; DELETE FROM tiles; DELETE FROM tile_usage; COMMIT;", NULL))
        return set_db_error (self, error);
      tg_sqlite_exec (self->sql, "PRAGMA incremental_vacuum", NULL);
      if (!tg_mbtiles_set_metadata (self->mbtiles, SOURCE_KEY, self->source_id, error))
        return FALSE;
    }

  /* A crash between writing a tile and its usage row leaves one without
   * the other: tiles without a row count as the least recently used. */
  if (!tg_sqlite_exec (self->sql,
                       "BEGIN IMMEDIATE;"
                       "INSERT OR IGNORE INTO tile_usage"
                       " SELECT zoom_level, tile_column, tile_row, 0, 0, length (tile_data) FROM tiles;"
                       "DELETE FROM tile_usage WHERE NOT EXISTS (SELECT 1 FROM tiles t"
                       " WHERE t.zoom_level = tile_usage.zoom_level AND t.tile_column = tile_usage.tile_column"
                       " AND t.tile_row = tile_usage.tile_row);"
                       "COMMIT;", NULL))
    return set_db_error (self, error);

  if (!query_totals (self))
    return set_db_error (self, error);

  return TRUE;
}

static void evict_locked (TgMapTileCache *self,
                          gint64          max_bytes);

static gboolean
ensure_open (TgMapTileCache  *self,
             GError         **error)
{
  g_autoptr(GError) local_error = NULL;

  if (self->db != NULL)
    return TRUE;
  if (self->open_error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->open_error));
      return FALSE;
    }

  if (!try_open (self, &local_error))
    {
      /* The cache holds nothing that cannot be fetched again: a damaged
       * or foreign file is replaced rather than left to fail forever. */
      g_warning ("Map tile cache %s is unusable, starting a new one: %s",
                 self->path, local_error->message);
      g_clear_error (&local_error);
      close_db (self);
      for (guint i = 0; i < 3; i++)
        {
          static const char * const suffixes[] = { "", "-wal", "-shm" };
          g_autofree char *file = g_strconcat (self->path, suffixes[i], NULL);

          g_unlink (file);
        }
      if (!try_open (self, &local_error))
        {
          close_db (self);
          self->open_error = g_error_copy (local_error);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }

  evict_locked (self, config_get (self, &self->max_bytes));

  return TRUE;
}

static void
evict_locked (TgMapTileCache *self,
              gint64          max_bytes)
{
  g_autoptr(TgSqliteStmt) select = NULL;
  g_autoptr(TgSqliteStmt) del_tile = NULL;
  g_autoptr(TgSqliteStmt) del_usage = NULL;
  g_autoptr(GArray) victims = NULL;
  gint64 target;
  gint64 freed = 0;
  gint64 start;
  g_autoptr(GError) error = NULL;

  if (self->total_bytes <= max_bytes)
    return;

  start = g_get_monotonic_time ();
  target = max_bytes > 0 ? (gint64) (max_bytes * TRIM_TO_FRACTION) : 0;

  /* Pick first, delete after: no table is changed under a running query. */
  victims = g_array_new (FALSE, FALSE, sizeof (gint64) * 4);
  select = tg_sqlite_prepare (self->sql,
                              "SELECT zoom_level, tile_column, tile_row, bytes FROM tile_usage"
                              " ORDER BY last_used", NULL);
  while (select != NULL && self->total_bytes - freed > target &&
         sqlite3_step (select) == SQLITE_ROW)
    {
      gint64 row[4];

      for (int i = 0; i < 4; i++)
        row[i] = sqlite3_column_int64 (select, i);
      g_array_append_val (victims, row);
      freed += row[3];
    }
  g_clear_pointer (&select, tg_sqlite_stmt_release);

  if (!tg_sqlite_begin (self->sql, &error))
    {
      g_warning ("Map tile cache not trimmed: %s", error->message);
      return;
    }
  del_tile = tg_sqlite_prepare (self->sql,
                                "DELETE FROM tiles"
                                " WHERE zoom_level = ?1 AND tile_column = ?2 AND tile_row = ?3", NULL);
  del_usage = tg_sqlite_prepare (self->sql,
                                 "DELETE FROM tile_usage"
                                 " WHERE zoom_level = ?1 AND tile_column = ?2 AND tile_row = ?3", NULL);
  for (guint i = 0; del_tile && del_usage && i < victims->len; i++)
    {
      gint64 *row = &g_array_index (victims, gint64, i * 4);
      sqlite3_stmt *stmts[2] = { del_tile, del_usage };

      for (int s = 0; s < 2; s++)
        {
          sqlite3_reset (stmts[s]);
          for (int k = 0; k < 3; k++)
            sqlite3_bind_int64 (stmts[s], k + 1, row[k]);
          sqlite3_step (stmts[s]);
        }
    }
  if (!tg_sqlite_commit (self->sql, &error))
    {
      g_warning ("Map tile cache not trimmed: %s", error->message);
      return;
    }

  /* Give the freed pages back to the file system. */
  tg_sqlite_exec (self->sql, "PRAGMA incremental_vacuum", NULL);
  tg_sqlite_exec (self->sql, "PRAGMA wal_checkpoint(TRUNCATE)", NULL);
  query_totals (self);

  g_mutex_lock (&self->config_lock);
  self->last_evicted = victims->len;
  self->last_eviction_us = g_get_monotonic_time () - start;
  g_mutex_unlock (&self->config_lock);

  g_debug ("Evicted %u tiles (%" G_GINT64_FORMAT " bytes) in %" G_GINT64_FORMAT " µs",
           victims->len, freed, self->last_eviction_us);
}

/* Jobs (worker thread) */

static void
lookup_job (TgMapTileCache *self,
            GTask          *task)
{
  TileJob *job = g_task_get_task_data (task);
  g_autoptr(TgSqliteStmt) stmt = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gint64 fetched = 0;
  gboolean *fresh;

  if (g_task_return_error_if_cancelled (task))
    return;
  if (!ensure_open (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  bytes = tg_mbtiles_get_tile (self->mbtiles, job->zoom, job->x, job->y, &error);
  if (bytes == NULL)
    {
      if (g_error_matches (error, TG_ERROR, TG_ERROR_NOT_FOUND))
        g_task_return_pointer (task, NULL, NULL);
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if ((stmt = tg_sqlite_prepare (self->sql,
                                 "UPDATE tile_usage SET last_used = ?4"
                                 " WHERE zoom_level = ?1 AND tile_column = ?2 AND tile_row = ?3"
                                 " RETURNING fetched", NULL)) != NULL)
    {
      sqlite3_bind_int (stmt, 1, job->zoom);
      sqlite3_bind_int (stmt, 2, job->x);
      sqlite3_bind_int (stmt, 3, tms_row (job->zoom, job->y));
      sqlite3_bind_int64 (stmt, 4, tick (self));
      if (sqlite3_step (stmt) == SQLITE_ROW)
        fetched = sqlite3_column_int64 (stmt, 0);
    }

  fresh = g_new (gboolean, 1);
  *fresh = g_get_real_time () / G_USEC_PER_SEC - fetched <= config_get (self, &self->max_age);
  g_object_set_data_full (G_OBJECT (task), "fresh", fresh, g_free);
  g_task_return_pointer (task, g_steal_pointer (&bytes), (GDestroyNotify) g_bytes_unref);
}

static void
store_job (TgMapTileCache *self,
           GTask          *task)
{
  TileJob *job = g_task_get_task_data (task);
  g_autoptr(TgSqliteStmt) stmt = NULL;
  g_autoptr(GError) error = NULL;
  gint64 max_bytes = config_get (self, &self->max_bytes);
  gint64 size = (gint64) g_bytes_get_size (job->data);
  gint64 old_size = 0;
  gboolean existed = FALSE;

  if (!ensure_open (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Nothing to keep in a cache of size 0, nor a tile bigger than it. */
  if (size > max_bytes)
    {
      g_task_return_boolean (task, FALSE);
      return;
    }

  if ((stmt = tg_sqlite_prepare (self->sql,
                                 "SELECT bytes FROM tile_usage"
                                 " WHERE zoom_level = ?1 AND tile_column = ?2 AND tile_row = ?3", NULL)) != NULL)
    {
      sqlite3_bind_int (stmt, 1, job->zoom);
      sqlite3_bind_int (stmt, 2, job->x);
      sqlite3_bind_int (stmt, 3, tms_row (job->zoom, job->y));
      if (sqlite3_step (stmt) == SQLITE_ROW)
        {
          existed = TRUE;
          old_size = sqlite3_column_int64 (stmt, 0);
        }
    }
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);

  if (!tg_mbtiles_put_tile (self->mbtiles, job->zoom, job->x, job->y, job->data, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (!(stmt = tg_sqlite_prepare (self->sql,
                                  "INSERT OR REPLACE INTO tile_usage"
                                  " (zoom_level, tile_column, tile_row, fetched, last_used, bytes)"
                                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)", NULL)))
    {
      set_db_error (self, &error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  sqlite3_bind_int (stmt, 1, job->zoom);
  sqlite3_bind_int (stmt, 2, job->x);
  sqlite3_bind_int (stmt, 3, tms_row (job->zoom, job->y));
  sqlite3_bind_int64 (stmt, 4, g_get_real_time () / G_USEC_PER_SEC);
  sqlite3_bind_int64 (stmt, 5, tick (self));
  sqlite3_bind_int64 (stmt, 6, size);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      set_db_error (self, &error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  self->total_bytes += size - old_size;
  if (!existed)
    self->n_tiles++;
  evict_locked (self, max_bytes);

  g_task_return_boolean (task, TRUE);
}

static void
trim_job (TgMapTileCache *self,
          GTask          *task)
{
  g_autoptr(GError) error = NULL;

  if (!ensure_open (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  evict_locked (self, config_get (self, &self->max_bytes));
  g_task_return_boolean (task, TRUE);
}

static void
size_job (TgMapTileCache *self,
          GTask          *task)
{
  gint64 *result = g_task_get_task_data (task);

  if (ensure_open (self, NULL))
    {
      result[0] = self->total_bytes;
      result[1] = self->n_tiles;
    }
  g_task_return_boolean (task, TRUE);
}

static void
worker_func (gpointer data,
             gpointer user_data)
{
  Job *job = data;
  TgMapTileCache *self = g_task_get_source_object (job->task);

  job->func (self, job->task);
  g_object_unref (job->task);
  g_free (job);
}

static void
push_job (TgMapTileCache *self,
          GTask          *task,
          JobFunc         func)
{
  Job *job = g_new0 (Job, 1);

  job->func = func;
  job->task = task;
  g_thread_pool_push (self->pool, job, NULL);
}

/* Runs a job and waits for it, iterating nothing: the task returns into a
 * private context. */
static void
run_sync (TgMapTileCache *self,
          JobFunc         func,
          gpointer        task_data)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GTask) task = NULL;

  g_main_context_push_thread_default (context);
  task = g_task_new (self, NULL, NULL, NULL);
  g_task_set_task_data (task, task_data, NULL);
  push_job (self, g_object_ref (task), func);
  while (!g_task_get_completed (task))
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);
}

/* GObject */

static void
tg_map_tile_cache_finalize (GObject *object)
{
  TgMapTileCache *self = (TgMapTileCache *) object;

  /* Jobs hold a reference, so none is queued; this may run on the worker
   * thread itself (it dropped the last reference), so do not wait. */
  g_thread_pool_free (self->pool, FALSE, FALSE);
  close_db (self);
  g_clear_error (&self->open_error);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->source_id, g_free);
  g_mutex_clear (&self->config_lock);

  G_OBJECT_CLASS (tg_map_tile_cache_parent_class)->finalize (object);
}

static void
tg_map_tile_cache_class_init (TgMapTileCacheClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tg_map_tile_cache_finalize;
}

static void
tg_map_tile_cache_init (TgMapTileCache *self)
{
  g_mutex_init (&self->config_lock);
  self->max_age = TG_MAP_TILE_CACHE_MAX_AGE_DEFAULT;
  self->pool = g_thread_pool_new (worker_func, NULL, 1, FALSE, NULL);
}

/* Public API */

char *
tg_map_tile_cache_get_default_path (void)
{
  return g_build_filename (g_get_user_cache_dir (), "testigo", "tiles.mbtiles", NULL);
}

TgMapTileCache *
tg_map_tile_cache_new (const char *path,
                       const char *source_id,
                       gint64      max_bytes)
{
  TgMapTileCache *self;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (source_id != NULL, NULL);

  self = g_object_new (TG_TYPE_MAP_TILE_CACHE, NULL);
  self->path = g_strdup (path);
  self->source_id = g_strdup (source_id);
  self->max_bytes = MAX (0, max_bytes);

  return self;
}

const char *
tg_map_tile_cache_get_path (TgMapTileCache *self)
{
  g_return_val_if_fail (TG_IS_MAP_TILE_CACHE (self), NULL);

  return self->path;
}

const char *
tg_map_tile_cache_get_source_id (TgMapTileCache *self)
{
  g_return_val_if_fail (TG_IS_MAP_TILE_CACHE (self), NULL);

  return self->source_id;
}

void
tg_map_tile_cache_set_max_bytes (TgMapTileCache *self,
                                 gint64          max_bytes)
{
  gint64 old;

  g_return_if_fail (TG_IS_MAP_TILE_CACHE (self));

  max_bytes = MAX (0, max_bytes);
  g_mutex_lock (&self->config_lock);
  old = self->max_bytes;
  self->max_bytes = max_bytes;
  g_mutex_unlock (&self->config_lock);

  if (max_bytes < old)
    push_job (self, g_task_new (self, NULL, NULL, NULL), trim_job);
}

void
tg_map_tile_cache_set_max_age (TgMapTileCache *self,
                               gint64          seconds)
{
  g_return_if_fail (TG_IS_MAP_TILE_CACHE (self));

  g_mutex_lock (&self->config_lock);
  self->max_age = seconds;
  g_mutex_unlock (&self->config_lock);
}

static GTask *
tile_task (TgMapTileCache      *self,
           int                  zoom,
           int                  x,
           int                  y,
           GBytes              *data,
           GCancellable        *cancellable,
           GAsyncReadyCallback  callback,
           gpointer             user_data,
           gpointer             source_tag)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  TileJob *job = g_new0 (TileJob, 1);

  g_task_set_source_tag (task, source_tag);
  job->zoom = zoom;
  job->x = x;
  job->y = y;
  job->data = data ? g_bytes_ref (data) : NULL;
  g_task_set_task_data (task, job, (GDestroyNotify) tile_job_free);

  return task;
}

static gboolean
tile_in_range (int zoom,
               int x,
               int y)
{
  return zoom >= 0 && zoom <= 30 && x >= 0 && y >= 0 &&
         x < ((gint64) 1 << zoom) && y < ((gint64) 1 << zoom);
}

void
tg_map_tile_cache_lookup_async (TgMapTileCache      *self,
                                int                  zoom,
                                int                  x,
                                int                  y,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (TG_IS_MAP_TILE_CACHE (self));

  task = tile_task (self, zoom, x, y, NULL, cancellable, callback, user_data,
                    tg_map_tile_cache_lookup_async);
  if (!tile_in_range (zoom, x, y))
    {
      g_task_return_new_error (task, TG_ERROR, TG_ERROR_INVALID,
                               _("There is no map tile %d/%d/%d"), zoom, x, y);
      g_object_unref (task);
      return;
    }
  push_job (self, task, lookup_job);
}

GBytes *
tg_map_tile_cache_lookup_finish (TgMapTileCache  *self,
                                 GAsyncResult    *result,
                                 gboolean        *fresh,
                                 GError         **error)
{
  gboolean *is_fresh;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  is_fresh = g_object_get_data (G_OBJECT (result), "fresh");
  if (fresh)
    *fresh = is_fresh != NULL && *is_fresh;

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tg_map_tile_cache_store_async (TgMapTileCache      *self,
                               int                  zoom,
                               int                  x,
                               int                  y,
                               GBytes              *data,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (TG_IS_MAP_TILE_CACHE (self));
  g_return_if_fail (data != NULL);

  task = tile_task (self, zoom, x, y, data, cancellable, callback, user_data,
                    tg_map_tile_cache_store_async);
  if (!tile_in_range (zoom, x, y))
    {
      g_task_return_new_error (task, TG_ERROR, TG_ERROR_INVALID,
                               _("There is no map tile %d/%d/%d"), zoom, x, y);
      g_object_unref (task);
      return;
    }
  push_job (self, task, store_job);
}

gboolean
tg_map_tile_cache_store_finish (TgMapTileCache  *self,
                                GAsyncResult    *result,
                                GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
nothing_job (TgMapTileCache *self,
             GTask          *task)
{
  g_task_return_boolean (task, TRUE);
}

void
tg_map_tile_cache_sync (TgMapTileCache *self)
{
  g_return_if_fail (TG_IS_MAP_TILE_CACHE (self));

  run_sync (self, nothing_job, NULL);
}

gint64
tg_map_tile_cache_get_size (TgMapTileCache *self,
                            gint64         *n_tiles)
{
  gint64 result[2] = { 0, 0 };

  g_return_val_if_fail (TG_IS_MAP_TILE_CACHE (self), 0);

  run_sync (self, size_job, result);
  if (n_tiles)
    *n_tiles = result[1];

  return result[0];
}

static void
has_tile_job (TgMapTileCache *self,
              GTask          *task)
{
  int *args = g_task_get_task_data (task);

  args[3] = ensure_open (self, NULL) &&
            tg_mbtiles_has_tile (self->mbtiles, args[0], args[1], args[2]);
  g_task_return_boolean (task, TRUE);
}

gboolean
tg_map_tile_cache_has_tile (TgMapTileCache *self,
                            int             zoom,
                            int             x,
                            int             y)
{
  int args[4] = { zoom, x, y, FALSE };

  g_return_val_if_fail (TG_IS_MAP_TILE_CACHE (self), FALSE);

  run_sync (self, has_tile_job, args);

  return args[3];
}

void
tg_map_tile_cache_get_last_eviction (TgMapTileCache *self,
                                     guint          *n_tiles,
                                     gint64         *duration_us)
{
  g_return_if_fail (TG_IS_MAP_TILE_CACHE (self));

  g_mutex_lock (&self->config_lock);
  if (n_tiles)
    *n_tiles = self->last_evicted;
  if (duration_us)
    *duration_us = self->last_eviction_us;
  g_mutex_unlock (&self->config_lock);
}
