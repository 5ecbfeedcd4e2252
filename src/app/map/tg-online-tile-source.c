/* tg-online-tile-source.c — raster tiles from a tile server, cached on disk
 *
 * A tile is looked up in the TgMapTileCache first; a cached tile younger
 * than the cache's maximum age is shown without any request. Otherwise it
 * is fetched with the source's one SoupSession (User-Agent
 * "Testigo/<version>", at most max-connections requests at once, the rest
 * queued), checked to decode as an image on a worker thread, shown, and
 * stored in the cache. When the server fails (cannot be reached, times
 * out, answers an error or something that is not an image), a stale cached
 * tile is shown if there is one; otherwise the tile fails, which leaves it
 * transparent over the basemap. After a connection failure, cache misses
 * fail at once for TG_ONLINE_TILE_SOURCE_RETRY_S seconds, so a map without
 * network serves its cache at disk speed.
 *
 * libshumate 1.0 takes the tile from "received-data", emitted before the
 * task completes (1.1 and later read the result).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-online-tile-source"

#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include <string.h>

#include "tg-online-tile-source.h"
#include "tg-tile-download.h"
#include "tg-types.h"

struct _TgOnlineTileSource
{
  ShumateDataSource  parent_instance;

  char              *url_template;
  char              *user_agent;
  TgMapTileCache    *cache;
  SoupSession       *session;

  GQueue             pending;       /* GTask, waiting for a connection */
  guint              in_flight;
  guint              max_connections;
  guint              n_requests;

  gint64             offline_until; /* monotonic µs */
  char              *last_error;
};

G_DEFINE_FINAL_TYPE (TgOnlineTileSource, tg_online_tile_source, SHUMATE_TYPE_DATA_SOURCE)

enum {
  PROP_0,
  PROP_LAST_ERROR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  int          x;
  int          y;
  int          zoom;
  GBytes      *stale;
  SoupMessage *message;
} Request;

static void
request_free (Request *request)
{
  g_clear_pointer (&request->stale, g_bytes_unref);
  g_clear_object (&request->message);
  g_free (request);
}

static void pump (TgOnlineTileSource *self);

/* Helpers */

static void
set_last_error (TgOnlineTileSource *self,
                const char         *message)
{
  if (g_strcmp0 (self->last_error, message) == 0)
    return;

  if (message != NULL)
    g_message ("Online map tiles: %s", message);
  g_free (self->last_error);
  self->last_error = g_strdup (message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_ERROR]);
}

static char *
expand_template (const char *url_template,
                 int         zoom,
                 int         x,
                 int         y)
{
  GString *url = g_string_new (NULL);

  for (const char *p = url_template; *p != '\0'; p++)
    {
      if (g_str_has_prefix (p, "{z}"))
        g_string_append_printf (url, "%d", zoom), p += 2;
      else if (g_str_has_prefix (p, "{x}"))
        g_string_append_printf (url, "%d", x), p += 2;
      else if (g_str_has_prefix (p, "{y}"))
        g_string_append_printf (url, "%d", y), p += 2;
      else
        g_string_append_c (url, *p);
    }

  return g_string_free (url, FALSE);
}

static gboolean
looks_like_image (GBytes *bytes)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  if (size < 12 || size > TG_MAP_TILE_CACHE_MAX_TILE_BYTES)
    return FALSE;

  return memcmp (data, "\x89PNG\r\n\x1a\n", 8) == 0 ||
         memcmp (data, "\xff\xd8\xff", 3) == 0 ||
         (memcmp (data, "RIFF", 4) == 0 && memcmp (data + 8, "WEBP", 4) == 0);
}

static void
deliver (GTask  *task,
         GBytes *bytes)
{
#if !SHUMATE_CHECK_VERSION (1, 1, 0)
  Request *request = g_task_get_task_data (task);

  g_signal_emit_by_name (g_task_get_source_object (task), "received-data",
                         request->x, request->y, request->zoom, bytes);
#endif

  g_task_return_pointer (task, g_bytes_ref (bytes), (GDestroyNotify) g_bytes_unref);
}

/* The server gave no tile: show the stale cached one if there is one. */
static void
fail (GTask  *task,
      GError *error)
{
  Request *request = g_task_get_task_data (task);

  if (request->stale != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_error_free (error);
      deliver (task, request->stale);
      return;
    }

  g_task_return_error (task, error);
}

/* Callbacks */

static void
validate_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  GBytes *bytes = task_data;
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();
  GError *error = NULL;
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  if (gdk_pixbuf_loader_write (loader, data, size, &error) &&
      gdk_pixbuf_loader_close (loader, &error) &&
      gdk_pixbuf_loader_get_pixbuf (loader) != NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  gdk_pixbuf_loader_close (loader, NULL);
  if (error == NULL)
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "no image");
  g_task_return_error (task, error);
}

static void
validate_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TgOnlineTileSource *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  GBytes *bytes = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_debug ("Tile %d/%d/%d does not decode: %s",
               request->zoom, request->x, request->y, error->message);
      set_last_error (self, _("The tile server sent something that is not a map image"));
      fail (task, g_error_new (TG_ERROR, TG_ERROR_WRONG_FORMAT,
                               _("The tile server sent something that is not a map image")));
      return;
    }

  set_last_error (self, NULL);
  self->offline_until = 0;

  if (self->cache != NULL)
    tg_map_tile_cache_store_async (self->cache, request->zoom, request->x, request->y,
                                   bytes, NULL, NULL, NULL);

  if (g_task_return_error_if_cancelled (task))
    return;
  deliver (task, bytes);
}

static void
fetch_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TgOnlineTileSource *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  g_autoptr(GBytes) body = NULL;
  GError *error = NULL;
  guint status;

  self->in_flight--;
  pump (self);

  body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);
  if (body == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *message =
            g_strdup_printf (_("The tile server could not be reached: %s"), error->message);

          self->offline_until = g_get_monotonic_time ()
                                + TG_ONLINE_TILE_SOURCE_RETRY_S * G_USEC_PER_SEC;
          set_last_error (self, message);
        }
      fail (task, error);
      return;
    }

  status = soup_message_get_status (request->message);
  if (status == SOUP_STATUS_NOT_FOUND || status == SOUP_STATUS_NO_CONTENT)
    {
      fail (task, g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _("The tile server has no tile %d/%d/%d"),
                               request->zoom, request->x, request->y));
      return;
    }
  if (status != SOUP_STATUS_OK)
    {
      g_autofree char *message =
        g_strdup_printf (_("The tile server answered “%u %s”"), status,
                         soup_message_get_reason_phrase (request->message));

      set_last_error (self, message);
      fail (task, g_error_new_literal (TG_ERROR, TG_ERROR_FAILED, message));
      return;
    }
  if (!looks_like_image (body))
    {
      set_last_error (self, _("The tile server sent something that is not a map image"));
      fail (task, g_error_new (TG_ERROR, TG_ERROR_WRONG_FORMAT,
                               _("The tile server sent something that is not a map image")));
      return;
    }

  {
    GCancellable *cancellable = g_task_get_cancellable (task);
    GTask *validate = g_task_new (self, cancellable, validate_cb, g_steal_pointer (&task));

    g_task_set_task_data (validate, g_steal_pointer (&body), (GDestroyNotify) g_bytes_unref);
    g_task_run_in_thread (validate, validate_thread);
    g_object_unref (validate);
  }
}

static void
start_request (TgOnlineTileSource *self,
               GTask              *task)
{
  Request *request = g_task_get_task_data (task);
  g_autofree char *url = expand_template (self->url_template, request->zoom,
                                          request->x, request->y);

  request->message = soup_message_new (SOUP_METHOD_GET, url);
  if (request->message == NULL)
    {
      fail (task, g_error_new (TG_ERROR, TG_ERROR_INVALID,
                               _("“%s” is not a valid address"), url));
      g_object_unref (task);
      return;
    }

  self->in_flight++;
  self->n_requests++;
  soup_session_send_and_read_async (self->session, request->message, G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (task), fetch_cb, task);
}

static void
pump (TgOnlineTileSource *self)
{
  while (self->in_flight < self->max_connections && !g_queue_is_empty (&self->pending))
    {
      GTask *task = g_queue_pop_head (&self->pending);

      /* Tiles scrolled out of view before their turn cost nothing. */
      if (g_task_return_error_if_cancelled (task))
        {
          g_object_unref (task);
          continue;
        }
      start_request (self, task);
    }
}

static void
lookup_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TgOnlineTileSource *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gboolean fresh = FALSE;

  bytes = tg_map_tile_cache_lookup_finish (TG_MAP_TILE_CACHE (object), result, &fresh, &error);
  if (g_task_return_error_if_cancelled (task))
    return;
  if (error != NULL)
    g_debug ("Tile cache not read: %s", error->message);

  if (bytes != NULL && fresh)
    {
      deliver (task, bytes);
      return;
    }

  request->stale = g_steal_pointer (&bytes);
  if (g_get_monotonic_time () < self->offline_until)
    {
      fail (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE,
                                       self->last_error ? self->last_error
                                                        : _("The tile server could not be reached")));
      return;
    }

  g_queue_push_tail (&self->pending, g_steal_pointer (&task));
  pump (self);
}

/* Vfuncs */

static void
tg_online_tile_source_get_tile_data_async (ShumateDataSource   *source,
                                           int                  x,
                                           int                  y,
                                           int                  zoom_level,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  TgOnlineTileSource *self = TG_ONLINE_TILE_SOURCE (source);
  GTask *task;
  Request *request;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tg_online_tile_source_get_tile_data_async);

  request = g_new0 (Request, 1);
  request->x = x;
  request->y = y;
  request->zoom = zoom_level;
  g_task_set_task_data (task, request, (GDestroyNotify) request_free);

  if (zoom_level < 0 || zoom_level > 30 || x < 0 || y < 0 ||
      x >= (1 << zoom_level) || y >= (1 << zoom_level))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("There is no map tile %d/%d/%d"), zoom_level, x, y);
      g_object_unref (task);
      return;
    }

  if (self->cache != NULL)
    tg_map_tile_cache_lookup_async (self->cache, zoom_level, x, y, cancellable,
                                    lookup_cb, task);
  else
    {
      g_queue_push_tail (&self->pending, task);
      pump (self);
    }
}

static GBytes *
tg_online_tile_source_get_tile_data_finish (ShumateDataSource  *source,
                                            GAsyncResult       *result,
                                            GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, source), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
tg_online_tile_source_dispose (GObject *object)
{
  TgOnlineTileSource *self = (TgOnlineTileSource *) object;
  GTask *task;

  while ((task = g_queue_pop_head (&self->pending)) != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "The map layer was removed");
      g_object_unref (task);
    }
  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);
  g_clear_object (&self->cache);

  G_OBJECT_CLASS (tg_online_tile_source_parent_class)->dispose (object);
}

static void
tg_online_tile_source_finalize (GObject *object)
{
  TgOnlineTileSource *self = (TgOnlineTileSource *) object;

  g_clear_pointer (&self->url_template, g_free);
  g_clear_pointer (&self->user_agent, g_free);
  g_clear_pointer (&self->last_error, g_free);

  G_OBJECT_CLASS (tg_online_tile_source_parent_class)->finalize (object);
}

static void
tg_online_tile_source_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  TgOnlineTileSource *self = TG_ONLINE_TILE_SOURCE (object);

  switch (prop_id)
    {
    case PROP_LAST_ERROR:
      g_value_set_string (value, self->last_error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_online_tile_source_class_init (TgOnlineTileSourceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ShumateDataSourceClass *source_class = SHUMATE_DATA_SOURCE_CLASS (klass);

  object_class->dispose = tg_online_tile_source_dispose;
  object_class->finalize = tg_online_tile_source_finalize;
  object_class->get_property = tg_online_tile_source_get_property;

  source_class->get_tile_data_async = tg_online_tile_source_get_tile_data_async;
  source_class->get_tile_data_finish = tg_online_tile_source_get_tile_data_finish;

  properties[PROP_LAST_ERROR] =
    g_param_spec_string ("last-error", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tg_online_tile_source_init (TgOnlineTileSource *self)
{
  g_queue_init (&self->pending);
  self->max_connections = TG_ONLINE_TILE_SOURCE_MAX_CONNECTIONS;
  self->user_agent = g_strdup ("Testigo/" PACKAGE_VERSION);
  self->session = soup_session_new_with_options ("user-agent", self->user_agent,
                                                 "max-conns", TG_ONLINE_TILE_SOURCE_MAX_CONNECTIONS,
                                                 "max-conns-per-host", TG_ONLINE_TILE_SOURCE_MAX_CONNECTIONS,
                                                 "timeout", TG_ONLINE_TILE_SOURCE_TIMEOUT_S,
                                                 NULL);
}

/* Public API */

TgOnlineTileSource *
tg_online_tile_source_new (const char      *url_template,
                           TgMapTileCache  *cache,
                           GError         **error)
{
  TgOnlineTileSource *self;

  g_return_val_if_fail (url_template != NULL, NULL);
  g_return_val_if_fail (cache == NULL || TG_IS_MAP_TILE_CACHE (cache), NULL);

  if (!tg_tile_url_template_is_valid (url_template, error))
    return NULL;

  self = g_object_new (TG_TYPE_ONLINE_TILE_SOURCE, NULL);
  self->url_template = g_strdup (url_template);
  if (cache != NULL)
    self->cache = g_object_ref (cache);

  return self;
}

TgMapTileCache *
tg_online_tile_source_get_cache (TgOnlineTileSource *self)
{
  g_return_val_if_fail (TG_IS_ONLINE_TILE_SOURCE (self), NULL);

  return self->cache;
}

const char *
tg_online_tile_source_get_user_agent (TgOnlineTileSource *self)
{
  g_return_val_if_fail (TG_IS_ONLINE_TILE_SOURCE (self), NULL);

  return self->user_agent;
}

void
tg_online_tile_source_set_timeout (TgOnlineTileSource *self,
                                   guint               seconds)
{
  g_return_if_fail (TG_IS_ONLINE_TILE_SOURCE (self));

  soup_session_set_timeout (self->session, seconds);
}

const char *
tg_online_tile_source_get_last_error (TgOnlineTileSource *self)
{
  g_return_val_if_fail (TG_IS_ONLINE_TILE_SOURCE (self), NULL);

  return self->last_error;
}

guint
tg_online_tile_source_get_n_requests (TgOnlineTileSource *self)
{
  g_return_val_if_fail (TG_IS_ONLINE_TILE_SOURCE (self), 0);

  return self->n_requests;
}

ShumateRasterRenderer *
tg_online_tile_source_create_renderer (TgOnlineTileSource *self)
{
  g_return_val_if_fail (TG_IS_ONLINE_TILE_SOURCE (self), NULL);

  return shumate_raster_renderer_new_full (TG_ONLINE_TILE_SOURCE_ID,
                                           _("Online map"),
                                           NULL,
                                           NULL,
                                           0,
                                           TG_ONLINE_TILE_SOURCE_MAX_ZOOM,
                                           256,
                                           SHUMATE_MAP_PROJECTION_MERCATOR,
                                           SHUMATE_DATA_SOURCE (self));
}
