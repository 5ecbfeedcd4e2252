/* tg-basemap-source.c — the built-in basemap as a libshumate data source
 *
 * Tiles are rendered by TgBasemap on a worker thread. libshumate 1.0's
 * raster renderer takes the tile image from the "received-data" signal,
 * not from the async result, so the signal is emitted before the task
 * completes (1.1 and later read the result).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-basemap-source"

#include "config.h"

#include <glib/gi18n.h>

#include "tg-basemap-source.h"

struct _TgBasemapSource
{
  ShumateDataSource  parent_instance;

  TgBasemap         *basemap;
  TgBasemapStyle     style;
};

G_DEFINE_FINAL_TYPE (TgBasemapSource, tg_basemap_source, SHUMATE_TYPE_DATA_SOURCE)

enum {
  PROP_0,
  PROP_BASEMAP,
  PROP_DARK,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  int x;
  int y;
  int zoom;
} TileRequest;

static void
render_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TgBasemapSource *self = g_task_get_source_object (task);
  TileRequest *request = g_task_get_task_data (task);
  g_autoptr(GBytes) bytes = NULL;
  GError *error = NULL;

  bytes = tg_basemap_render_tile_finish (TG_BASEMAP (object), result, &error);
  if (bytes == NULL)
    {
      g_debug ("Tile %d/%d/%d not rendered: %s",
               request->zoom, request->x, request->y, error->message);
      g_task_return_error (task, error);
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    return;

#if !SHUMATE_CHECK_VERSION (1, 1, 0)
  g_signal_emit_by_name (self, "received-data",
                         request->x, request->y, request->zoom, bytes);
#endif

  g_task_return_pointer (task, g_steal_pointer (&bytes), (GDestroyNotify) g_bytes_unref);
}

static void
tg_basemap_source_get_tile_data_async (ShumateDataSource   *source,
                                       int                  x,
                                       int                  y,
                                       int                  zoom_level,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  TgBasemapSource *self = TG_BASEMAP_SOURCE (source);
  g_autoptr(GTask) task = NULL;
  TileRequest *request;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tg_basemap_source_get_tile_data_async);

  request = g_new0 (TileRequest, 1);
  request->x = x;
  request->y = y;
  request->zoom = zoom_level;
  g_task_set_task_data (task, request, g_free);

  if (zoom_level < 0 || zoom_level > TG_BASEMAP_MAX_ZOOM
      || x < 0 || y < 0 || x >= (1 << zoom_level) || y >= (1 << zoom_level))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("There is no map tile %d/%d/%d"), zoom_level, x, y);
      return;
    }

  tg_basemap_render_tile_async (self->basemap, zoom_level, x, y,
                                TG_BASEMAP_SOURCE_TILE_SIZE, self->style, cancellable,
                                render_cb, g_steal_pointer (&task));
}

static GBytes *
tg_basemap_source_get_tile_data_finish (ShumateDataSource  *source,
                                        GAsyncResult       *result,
                                        GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, source), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
tg_basemap_source_dispose (GObject *object)
{
  TgBasemapSource *self = (TgBasemapSource *) object;

  g_clear_object (&self->basemap);

  G_OBJECT_CLASS (tg_basemap_source_parent_class)->dispose (object);
}

static void
tg_basemap_source_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  TgBasemapSource *self = TG_BASEMAP_SOURCE (object);

  switch (prop_id)
    {
    case PROP_BASEMAP:
      g_value_set_object (value, self->basemap);
      break;
    case PROP_DARK:
      g_value_set_boolean (value, self->style == TG_BASEMAP_STYLE_DARK);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_basemap_source_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  TgBasemapSource *self = TG_BASEMAP_SOURCE (object);

  switch (prop_id)
    {
    case PROP_BASEMAP:
      self->basemap = g_value_dup_object (value);
      break;
    case PROP_DARK:
      self->style = g_value_get_boolean (value) ? TG_BASEMAP_STYLE_DARK : TG_BASEMAP_STYLE_LIGHT;
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_basemap_source_class_init (TgBasemapSourceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ShumateDataSourceClass *source_class = SHUMATE_DATA_SOURCE_CLASS (klass);

  object_class->dispose = tg_basemap_source_dispose;
  object_class->get_property = tg_basemap_source_get_property;
  object_class->set_property = tg_basemap_source_set_property;

  source_class->get_tile_data_async = tg_basemap_source_get_tile_data_async;
  source_class->get_tile_data_finish = tg_basemap_source_get_tile_data_finish;

  properties[PROP_BASEMAP] =
    g_param_spec_object ("basemap", NULL, NULL,
                         TG_TYPE_BASEMAP,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS);

  /* The dark style's tiles differ: a source draws one style only, and
   * its renderer has an id of its own. */
  properties[PROP_DARK] =
    g_param_spec_boolean ("dark", NULL, NULL,
                          FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tg_basemap_source_init (TgBasemapSource *self)
{
}

TgBasemapSource *
tg_basemap_source_new (TgBasemap *basemap,
                       gboolean   dark)
{
  g_return_val_if_fail (TG_IS_BASEMAP (basemap), NULL);

  return g_object_new (TG_TYPE_BASEMAP_SOURCE,
                       "basemap", basemap,
                       "dark", dark,
                       NULL);
}

ShumateRasterRenderer *
tg_basemap_source_create_renderer (TgBasemapSource *self)
{
  g_return_val_if_fail (TG_IS_BASEMAP_SOURCE (self), NULL);

  return shumate_raster_renderer_new_full (self->style == TG_BASEMAP_STYLE_DARK ?
                                           TG_BASEMAP_SOURCE_ID "-dark" : TG_BASEMAP_SOURCE_ID,
                                           _("Built-in map"),
                                           TG_BASEMAP_SOURCE_LICENSE,
                                           NULL,
                                           0,
                                           TG_BASEMAP_MAX_ZOOM,
                                           TG_BASEMAP_SOURCE_TILE_SIZE,
                                           SHUMATE_MAP_PROJECTION_MERCATOR,
                                           SHUMATE_DATA_SOURCE (self));
}
