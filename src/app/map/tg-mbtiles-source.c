/* tg-mbtiles-source.c — an MBTiles file as a libshumate data source
 *
 * Reads happen on a worker thread (TgMbtiles locks its connection). A tile
 * the file does not hold fails with G_IO_ERROR_NOT_FOUND, which leaves that
 * tile of the layer transparent so the basemap shows through.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-mbtiles-source"

#include "config.h"

#include <glib/gi18n.h>

#include "tg-basemap.h"
#include "tg-mbtiles-source.h"

struct _TgMbtilesSource
{
  ShumateDataSource  parent_instance;

  TgMbtiles         *mbtiles;
};

G_DEFINE_FINAL_TYPE (TgMbtilesSource, tg_mbtiles_source, SHUMATE_TYPE_DATA_SOURCE)

typedef struct
{
  TgMbtiles *mbtiles;
  int        x;
  int        y;
  int        zoom;
} TileRequest;

static void
tile_request_free (TileRequest *request)
{
  g_clear_object (&request->mbtiles);
  g_free (request);
}

static void
read_tile_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  TileRequest *request = task_data;
  GError *error = NULL;
  GBytes *bytes;

  bytes = tg_mbtiles_get_tile (request->mbtiles, request->zoom,
                               request->x, request->y, &error);
  if (bytes == NULL && error == NULL)
    error = g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                         _("The tile file has no tile %d/%d/%d"),
                         request->zoom, request->x, request->y);

  if (bytes != NULL)
    g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
  else
    g_task_return_error (task, error);
}

static void
read_tile_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) outer = user_data;
  TileRequest *request = g_task_get_task_data (outer);
  g_autoptr(GBytes) bytes = NULL;
  GError *error = NULL;

  bytes = g_task_propagate_pointer (G_TASK (result), &error);
  if (bytes == NULL)
    {
      g_task_return_error (outer, error);
      return;
    }

#if !SHUMATE_CHECK_VERSION (1, 1, 0)
  g_signal_emit_by_name (g_task_get_source_object (outer), "received-data",
                         request->x, request->y, request->zoom, bytes);
#endif

  g_task_return_pointer (outer, g_steal_pointer (&bytes), (GDestroyNotify) g_bytes_unref);
}

static void
tg_mbtiles_source_get_tile_data_async (ShumateDataSource   *source,
                                       int                  x,
                                       int                  y,
                                       int                  zoom_level,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  TgMbtilesSource *self = TG_MBTILES_SOURCE (source);
  g_autoptr(GTask) outer = NULL;
  g_autoptr(GTask) inner = NULL;
  TileRequest *request;

  outer = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (outer, tg_mbtiles_source_get_tile_data_async);

  request = g_new0 (TileRequest, 1);
  request->mbtiles = g_object_ref (self->mbtiles);
  request->x = x;
  request->y = y;
  request->zoom = zoom_level;
  g_task_set_task_data (outer, request, (GDestroyNotify) tile_request_free);

  /* The worker thread must not emit signals: it returns the bytes to the
   * main context, which emits "received-data" there. */
  inner = g_task_new (NULL, cancellable, read_tile_cb, g_steal_pointer (&outer));
  g_task_set_task_data (inner, request, NULL);
  g_task_run_in_thread (inner, read_tile_thread);
}

static GBytes *
tg_mbtiles_source_get_tile_data_finish (ShumateDataSource  *source,
                                        GAsyncResult       *result,
                                        GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, source), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
tg_mbtiles_source_dispose (GObject *object)
{
  TgMbtilesSource *self = (TgMbtilesSource *) object;

  g_clear_object (&self->mbtiles);

  G_OBJECT_CLASS (tg_mbtiles_source_parent_class)->dispose (object);
}

static void
tg_mbtiles_source_class_init (TgMbtilesSourceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ShumateDataSourceClass *source_class = SHUMATE_DATA_SOURCE_CLASS (klass);

  object_class->dispose = tg_mbtiles_source_dispose;

  source_class->get_tile_data_async = tg_mbtiles_source_get_tile_data_async;
  source_class->get_tile_data_finish = tg_mbtiles_source_get_tile_data_finish;
}

static void
tg_mbtiles_source_init (TgMbtilesSource *self)
{
}

TgMbtilesSource *
tg_mbtiles_source_new (TgMbtiles *mbtiles)
{
  TgMbtilesSource *self;

  g_return_val_if_fail (TG_IS_MBTILES (mbtiles), NULL);

  self = g_object_new (TG_TYPE_MBTILES_SOURCE, NULL);
  self->mbtiles = g_object_ref (mbtiles);

  return self;
}

TgMbtilesSource *
tg_mbtiles_source_new_for_path (const char  *path,
                                GError     **error)
{
  g_autoptr(TgMbtiles) mbtiles = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  mbtiles = tg_mbtiles_open (path, error);
  if (mbtiles == NULL)
    return NULL;

  return tg_mbtiles_source_new (mbtiles);
}

TgMbtiles *
tg_mbtiles_source_get_mbtiles (TgMbtilesSource *self)
{
  g_return_val_if_fail (TG_IS_MBTILES_SOURCE (self), NULL);

  return self->mbtiles;
}

ShumateRasterRenderer *
tg_mbtiles_source_create_renderer (TgMbtilesSource *self)
{
  g_autofree char *id = NULL;
  g_autofree char *checksum = NULL;
  const char *path;
  const char *name;

  g_return_val_if_fail (TG_IS_MBTILES_SOURCE (self), NULL);

  path = tg_mbtiles_get_path (self->mbtiles);
  checksum = g_compute_checksum_for_string (G_CHECKSUM_SHA1, path, -1);
  id = g_strdup_printf ("testigo-mbtiles-%s", checksum);
  name = tg_mbtiles_get_name (self->mbtiles);
  if (name == NULL || *name == '\0')
    name = path;

  /* The layer is asked for every zoom of the map; zooms the file lacks
   * simply show the basemap. */
  return shumate_raster_renderer_new_full (id,
                                           name,
                                           tg_mbtiles_get_attribution (self->mbtiles),
                                           NULL,
                                           0,
                                           TG_BASEMAP_MAX_ZOOM,
                                           256,
                                           SHUMATE_MAP_PROJECTION_MERCATOR,
                                           SHUMATE_DATA_SOURCE (self));
}
