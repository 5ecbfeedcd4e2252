/* tg-tile-download.c — download a region's map tiles into an MBTiles file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The tile server is the organisation's to choose: there is no default,
 * because public OpenStreetMap servers forbid bulk download. Requests carry
 * a "Testigo/<version>" User-Agent and are spaced to a bounded rate. Tiles
 * already in the file are not fetched again, so a cancelled or interrupted
 * download resumes where it stopped.
 */
#define G_LOG_DOMAIN "tg-tile-download"

#include "config.h"

#include <inttypes.h>

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "tg-basemap.h"
#include "tg-mbtiles.h"
#include "tg-progress.h"
#include "tg-tile-download.h"
#include "tg-types.h"

#define MAX_ATTEMPTS 4

struct _TgTileDownload
{
  GObject   parent_instance;

  char     *url_template;
  char     *path;
  char     *name;
  char     *user_agent;
  double    west, south, east, north;
  int       min_zoom, max_zoom;
  double    max_rate;

  /* Written by the worker, read anywhere. */
  guint64   total;
  int       done;
  int       fetched;
  int       skipped;
  int       running;
};

G_DEFINE_FINAL_TYPE (TgTileDownload, tg_tile_download, G_TYPE_OBJECT)

enum {
  PROGRESS,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Helpers ----------------------------------------------------------------- */

static void
tile_range (double  west,
            double  south,
            double  east,
            double  north,
            int     zoom,
            gint64 *x0,
            gint64 *y0,
            gint64 *x1,
            gint64 *y1)
{
  gint64 n = (gint64) 1 << zoom;

  *x0 = CLAMP ((gint64) floor (tg_basemap_lon_to_tile_x (west, zoom)), 0, n - 1);
  *x1 = CLAMP ((gint64) floor (tg_basemap_lon_to_tile_x (east, zoom)), 0, n - 1);
  *y0 = CLAMP ((gint64) floor (tg_basemap_lat_to_tile_y (north, zoom)), 0, n - 1);
  *y1 = CLAMP ((gint64) floor (tg_basemap_lat_to_tile_y (south, zoom)), 0, n - 1);
}

static char *
expand_url (const char *url_template,
            int         z,
            gint64      x,
            gint64      y)
{
  g_autoptr(GString) url = g_string_new (url_template);
  char buf[32];

  g_snprintf (buf, sizeof buf, "%d", z);
  g_string_replace (url, "{z}", buf, 0);
  g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT, x);
  g_string_replace (url, "{x}", buf, 0);
  g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT, y);
  g_string_replace (url, "{y}", buf, 0);

  return g_string_free (g_steal_pointer (&url), FALSE);
}

static const char *
sniff_format (GBytes *bytes)
{
  gsize size;
  const guint8 *d = g_bytes_get_data (bytes, &size);

  if (size >= 8 && memcmp (d, "\x89PNG\r\n\x1a\n", 8) == 0)
    return "png";
  if (size >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff)
    return "jpg";
  if (size >= 12 && memcmp (d, "RIFF", 4) == 0 && memcmp (d + 8, "WEBP", 4) == 0)
    return "webp";
  return NULL;
}

/* Delivered by the run's TgProgress in the caller's context. */
static void
emit_progress (goffset  done,
               goffset  total,
               gpointer data)
{
  g_signal_emit (data, signals[PROGRESS], 0, (guint64) done, (guint64) total);
}

/* Sleeps until @until (monotonic µs), waking early if cancelled. */
static gboolean
wait_until (gint64        until,
            GCancellable *cancellable)
{
  gint64 now;

  while ((now = g_get_monotonic_time ()) < until)
    {
      if (g_cancellable_is_cancelled (cancellable))
        return FALSE;
      g_usleep (MIN (until - now, 50000));
    }
  return !g_cancellable_is_cancelled (cancellable);
}

static gboolean
fetch_tile (TgTileDownload  *self,
            SoupSession     *session,
            TgMbtiles       *mbtiles,
            int              z,
            gint64           x,
            gint64           y,
            gint64          *next_request,
            gboolean        *format_known,
            GCancellable    *cancellable,
            GError         **error)
{
  g_autofree char *url = expand_url (self->url_template, z, x, y);
  gint64 interval = self->max_rate > 0 ? (gint64) (G_USEC_PER_SEC / self->max_rate) : 0;
  gint64 backoff = G_USEC_PER_SEC / 2;

  for (int attempt = 1; ; attempt++)
    {
      g_autoptr(SoupMessage) msg = NULL;
      g_autoptr(GBytes) body = NULL;
      g_autoptr(GError) local_error = NULL;
      const char *format;
      guint status;

      if (!wait_until (*next_request, cancellable))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               _("The download was cancelled"));
          return FALSE;
        }
      *next_request = g_get_monotonic_time () + interval;

      msg = soup_message_new (SOUP_METHOD_GET, url);
      if (msg == NULL)
        {
          g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                       _("“%s” is not a valid tile address"), url);
          return FALSE;
        }
      body = soup_session_send_and_read (session, msg, cancellable, &local_error);
      status = soup_message_get_status (msg);

      if (body == NULL)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
              attempt >= MAX_ATTEMPTS)
            {
              g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                          _("Could not download tile %d/%" PRId64 "/%" PRId64 ": "),
                                          z, x, y);
              return FALSE;
            }
        }
      else if (status == SOUP_STATUS_OK)
        {
          format = sniff_format (body);
          if (format == NULL)
            {
              g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                           _("The tile server sent something that is not an image for tile %d/%" PRId64 "/%" PRId64),
                           z, x, y);
              return FALSE;
            }
          if (!*format_known)
            {
              if (!tg_mbtiles_set_metadata (mbtiles, "format", format, error))
                return FALSE;
              *format_known = TRUE;
            }
          if (!tg_mbtiles_put_tile (mbtiles, z, (int) x, (int) y, body, error))
            return FALSE;
          g_atomic_int_inc (&self->fetched);
          return TRUE;
        }
      else if (status == SOUP_STATUS_NOT_FOUND || status == SOUP_STATUS_NO_CONTENT)
        {
          /* The server has nothing there (open sea, outside its area). */
          g_atomic_int_inc (&self->skipped);
          return TRUE;
        }
      else if ((status == 429 || status >= 500) && attempt < MAX_ATTEMPTS)
        {
          /* Busy or failing: slow down and try again. */
        }
      else
        {
          g_set_error (error, TG_ERROR, TG_ERROR_FAILED,
                       _("The tile server answered “%u %s” for tile %d/%" PRId64 "/%" PRId64),
                       status, soup_message_get_reason_phrase (msg) ? soup_message_get_reason_phrase (msg) : "",
                       z, x, y);
          return FALSE;
        }

      *next_request = MAX (*next_request, g_get_monotonic_time () + backoff);
      backoff *= 2;
    }
}

static void
run_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  TgTileDownload *self = source_object;
  GMainContext *context = task_data;
  g_autoptr(TgMbtiles) mbtiles = NULL;
  g_autoptr(SoupSession) session = NULL;
  GError *error = NULL;
  gboolean format_known;
  gint64 next_request = 0;
  g_autoptr(TgProgress) progress = tg_progress_new (emit_progress, g_object_ref (self), g_object_unref,
                                                    context, TG_PROGRESS_INTERVAL_MS);

  mbtiles = tg_mbtiles_create (self->path, self->name, "png", &error);
  if (mbtiles == NULL ||
      !tg_mbtiles_set_bounds (mbtiles, self->west, self->south, self->east, self->north,
                              self->min_zoom, self->max_zoom, &error))
    {
      g_atomic_int_set (&self->running, FALSE);
      g_task_return_error (task, error);
      return;
    }
  /* A file that already holds tiles knows its format. */
  format_known = tg_mbtiles_count_tiles (mbtiles, NULL) > 0;

  /* Made in this thread and used only here. */
  session = soup_session_new_with_options ("user-agent", self->user_agent,
                                           "timeout", 30,
                                           "max-conns-per-host", 2,
                                           NULL);

  for (int z = self->min_zoom; z <= self->max_zoom; z++)
    {
      gint64 x0, y0, x1, y1;

      tile_range (self->west, self->south, self->east, self->north, z, &x0, &y0, &x1, &y1);
      for (gint64 x = x0; x <= x1; x++)
        for (gint64 y = y0; y <= y1; y++)
          {
            if (g_cancellable_set_error_if_cancelled (cancellable, &error))
              goto out;

            if (tg_mbtiles_has_tile (mbtiles, z, (int) x, (int) y))
              g_atomic_int_inc (&self->skipped);
            else if (!fetch_tile (self, session, mbtiles, z, x, y, &next_request,
                                  &format_known, cancellable, &error))
              goto out;

            g_atomic_int_inc (&self->done);
            tg_progress_report (progress, g_atomic_int_get (&self->done), self->total, FALSE);
          }
    }

out:
  tg_progress_report (progress, g_atomic_int_get (&self->done), self->total, TRUE);
  g_atomic_int_set (&self->running, FALSE);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
run_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
}

/* GObject ------------------------------------------------------------------ */

static void
tg_tile_download_finalize (GObject *object)
{
  TgTileDownload *self = TG_TILE_DOWNLOAD (object);

  g_free (self->url_template);
  g_free (self->path);
  g_free (self->name);
  g_free (self->user_agent);

  G_OBJECT_CLASS (tg_tile_download_parent_class)->finalize (object);
}

static void
tg_tile_download_class_init (TgTileDownloadClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tg_tile_download_finalize;

  /**
   * TgTileDownload::progress:
   * @done: tiles handled so far (fetched, already held, or absent on the server)
   * @total: tiles in the region
   *
   * Emitted in the thread-default main context of the caller of
   * tg_tile_download_run_async(), a few times a second at most.
   */
  signals[PROGRESS] =
    g_signal_new ("progress",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT64, G_TYPE_UINT64);
}

static void
tg_tile_download_init (TgTileDownload *self)
{
  self->user_agent = g_strdup ("Testigo/" PACKAGE_VERSION);
  self->max_rate = 4.0;
  self->min_zoom = 0;
  self->max_zoom = -1;
}

/* Public API ----------------------------------------------------------------- */

/**
 * tg_tile_url_template_is_valid:
 *
 * Checks a tile address template such as "https://tiles.example.org/{z}/{x}/{y}.png".
 */
gboolean
tg_tile_url_template_is_valid (const char  *url_template,
                               GError     **error)
{
  g_autofree char *sample = NULL;
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  if (url_template == NULL || *url_template == '\0')
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                           _("No tile server is set: enter its address template in the map preferences"));
      return FALSE;
    }
  if (strstr (url_template, "{z}") == NULL || strstr (url_template, "{x}") == NULL ||
      strstr (url_template, "{y}") == NULL)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                   _("The tile address “%s” must contain {z}, {x} and {y}"), url_template);
      return FALSE;
    }

  sample = expand_url (url_template, 1, 0, 0);
  uri = g_uri_parse (sample, G_URI_FLAGS_NONE, NULL);
  scheme = uri ? g_uri_get_scheme (uri) : NULL;
  if (uri == NULL || g_uri_get_host (uri) == NULL ||
      (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0))
    {
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                   _("The tile address “%s” is not a valid http or https address"), url_template);
      return FALSE;
    }
  return TRUE;
}

/**
 * tg_tile_region_count:
 *
 * Returns: how many tiles cover the box at the zoom levels, both included
 */
guint64
tg_tile_region_count (double west,
                      double south,
                      double east,
                      double north,
                      int    min_zoom,
                      int    max_zoom)
{
  guint64 total = 0;

  for (int z = MAX (min_zoom, 0); z <= MIN (max_zoom, 30); z++)
    {
      gint64 x0, y0, x1, y1;

      tile_range (west, south, east, north, z, &x0, &y0, &x1, &y1);
      total += (guint64) (x1 - x0 + 1) * (guint64) (y1 - y0 + 1);
    }
  return total;
}

/**
 * tg_tile_download_new:
 * @url_template: the tile server's address with {z}, {x} and {y}
 * @mbtiles_path: the MBTiles file to fill (made if missing)
 *
 * Returns: (transfer full): the download, or %NULL with @error set
 */
TgTileDownload *
tg_tile_download_new (const char  *url_template,
                      const char  *mbtiles_path,
                      GError     **error)
{
  TgTileDownload *self;

  g_return_val_if_fail (mbtiles_path != NULL, NULL);

  if (!tg_tile_url_template_is_valid (url_template, error))
    return NULL;

  self = g_object_new (TG_TYPE_TILE_DOWNLOAD, NULL);
  self->url_template = g_strdup (url_template);
  self->path = g_strdup (mbtiles_path);
  return self;
}

/**
 * tg_tile_download_set_region:
 *
 * Sets the box (degrees) and zoom levels to fetch. Fails for an empty or
 * inverted box, bad zoom levels, or more than %TG_TILE_DOWNLOAD_MAX_TILES.
 */
gboolean
tg_tile_download_set_region (TgTileDownload  *self,
                             double           west,
                             double           south,
                             double           east,
                             double           north,
                             int              min_zoom,
                             int              max_zoom,
                             GError         **error)
{
  guint64 count;

  g_return_val_if_fail (TG_IS_TILE_DOWNLOAD (self), FALSE);
  g_return_val_if_fail (!g_atomic_int_get (&self->running), FALSE);

  if (!(west >= -180 && east <= 180 && south >= -90 && north <= 90 && west < east && south < north))
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                           _("The region to download is not a valid box"));
      return FALSE;
    }
  if (min_zoom < 0 || max_zoom > 20 || min_zoom > max_zoom)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                   _("Zoom levels %d to %d are not valid (0 to 20)"), min_zoom, max_zoom);
      return FALSE;
    }
  count = tg_tile_region_count (west, south, east, north, min_zoom, max_zoom);
  if (count > TG_TILE_DOWNLOAD_MAX_TILES)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                   _("The region needs %" PRIu64 " tiles; choose a smaller area or fewer zoom levels (at most %d)"),
                   count, TG_TILE_DOWNLOAD_MAX_TILES);
      return FALSE;
    }

  self->west = west;
  self->south = south;
  self->east = east;
  self->north = north;
  self->min_zoom = min_zoom;
  self->max_zoom = max_zoom;
  self->total = count;
  return TRUE;
}

void
tg_tile_download_set_name (TgTileDownload *self,
                           const char     *name)
{
  g_return_if_fail (TG_IS_TILE_DOWNLOAD (self));

  g_free (self->name);
  self->name = g_strdup (name);
}

/**
 * tg_tile_download_set_max_rate:
 * @requests_per_second: at most this many requests a second (default 4)
 */
void
tg_tile_download_set_max_rate (TgTileDownload *self,
                               double          requests_per_second)
{
  g_return_if_fail (TG_IS_TILE_DOWNLOAD (self));
  g_return_if_fail (requests_per_second > 0);

  self->max_rate = requests_per_second;
}

const char *
tg_tile_download_get_user_agent (TgTileDownload *self)
{
  g_return_val_if_fail (TG_IS_TILE_DOWNLOAD (self), NULL);
  return self->user_agent;
}

guint64
tg_tile_download_get_total (TgTileDownload *self)
{
  g_return_val_if_fail (TG_IS_TILE_DOWNLOAD (self), 0);
  return self->total;
}

/**
 * tg_tile_download_estimate_bytes:
 *
 * Returns: the expected size of the finished file: the tile count times
 *   the mean size of the tiles already held, or a typical tile size
 */
guint64
tg_tile_download_estimate_bytes (TgTileDownload *self)
{
  g_autoptr(TgMbtiles) held = NULL;
  guint64 per_tile = TG_TILE_DOWNLOAD_TYPICAL_TILE_BYTES;

  g_return_val_if_fail (TG_IS_TILE_DOWNLOAD (self), 0);

  if (g_file_test (self->path, G_FILE_TEST_EXISTS) &&
      (held = tg_mbtiles_open (self->path, NULL)) != NULL)
    {
      gint64 bytes = 0;
      gint64 count = tg_mbtiles_count_tiles (held, &bytes);

      if (count > 0)
        per_tile = (guint64) (bytes / count);
    }

  return self->total * per_tile;
}

guint64
tg_tile_download_get_done (TgTileDownload *self)
{
  g_return_val_if_fail (TG_IS_TILE_DOWNLOAD (self), 0);
  return (guint64) g_atomic_int_get (&self->done);
}

/**
 * tg_tile_download_get_fetched:
 *
 * Returns: tiles downloaded and stored by the last run
 */
guint64
tg_tile_download_get_fetched (TgTileDownload *self)
{
  g_return_val_if_fail (TG_IS_TILE_DOWNLOAD (self), 0);
  return (guint64) g_atomic_int_get (&self->fetched);
}

/**
 * tg_tile_download_get_skipped:
 *
 * Returns: tiles of the last run that were already held or that the
 *   server does not have
 */
guint64
tg_tile_download_get_skipped (TgTileDownload *self)
{
  g_return_val_if_fail (TG_IS_TILE_DOWNLOAD (self), 0);
  return (guint64) g_atomic_int_get (&self->skipped);
}

/**
 * tg_tile_download_run_async:
 *
 * Downloads every tile of the region that the file lacks, on a worker
 * thread, emitting #TgTileDownload::progress. Cancel with @cancellable;
 * running again later resumes.
 */
void
tg_tile_download_run_async (TgTileDownload      *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TG_IS_TILE_DOWNLOAD (self));
  g_return_if_fail (!g_atomic_int_get (&self->running));

  task = g_task_new (self, cancellable, callback ? callback : run_done_cb, user_data);
  g_task_set_source_tag (task, tg_tile_download_run_async);
  g_task_set_return_on_cancel (task, FALSE);

  if (self->max_zoom < self->min_zoom)
    {
      g_task_return_new_error (task, TG_ERROR, TG_ERROR_INVALID, "%s",
                               _("Choose the region to download first"));
      return;
    }

  self->done = 0;
  self->fetched = 0;
  self->skipped = 0;
  self->running = TRUE;
  g_task_set_task_data (task, g_main_context_ref_thread_default (),
                        (GDestroyNotify) g_main_context_unref);
  g_task_run_in_thread (task, run_thread);
}

gboolean
tg_tile_download_run_finish (TgTileDownload  *self,
                             GAsyncResult    *result,
                             GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
