/* tg-report-list.c — a live GListModel over a store query
 *
 * Holds only the matching rows' ids; a report is loaded when a view asks
 * for it and kept in a small cache. When the store reports a change the
 * query runs again and the model emits the smallest items-changed that
 * turns the old list into the new one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-report-list"

#include "config.h"

#include "tg-store.h"

#define CACHE_LIMIT 512

struct _TgReportList
{
  GObject        parent_instance;

  TgStore       *store;
  TgReportQuery *query;
  GArray        *rowids;
  GHashTable    *cache;    /* rowid → TgReport */
  GHashTable    *changed;  /* report ids changed since the last refresh */
  guint          refresh_source;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TgReportList, tg_report_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
refresh (TgReportList *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) old = NULL;
  g_autoptr(GArray) in_place = g_array_new (FALSE, FALSE, sizeof (gint64));
  GHashTableIter iter;
  gpointer key, value;
  GArray *rowids;
  guint prefix = 0, suffix = 0;
  guint old_len, new_len;

  rowids = tg_store_query_rowids (self->store, self->query, &error);
  if (rowids == NULL)
    {
      g_warning ("Could not list reports: %s", error->message);
      rowids = g_array_new (FALSE, FALSE, sizeof (gint64));
    }

  old = g_steal_pointer (&self->rowids);
  self->rowids = rowids;
  old_len = old ? old->len : 0;
  new_len = rowids->len;

  while (prefix < old_len && prefix < new_len &&
         g_array_index (old, gint64, prefix) == g_array_index (rowids, gint64, prefix))
    prefix++;
  while (suffix < old_len - prefix && suffix < new_len - prefix &&
         g_array_index (old, gint64, old_len - 1 - suffix) ==
         g_array_index (rowids, gint64, new_len - 1 - suffix))
    suffix++;

  /* Drop changed reports from the cache; remember their rows. */
  g_hash_table_iter_init (&iter, self->cache);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (g_hash_table_contains (self->changed, tg_report_get_id (value)))
        {
          g_array_append_val (in_place, *(gint64 *) key);
          g_hash_table_iter_remove (&iter);
        }
    }
  g_hash_table_remove_all (self->changed);
  for (guint i = prefix; old != NULL && i < old_len - suffix; i++)
    g_hash_table_remove (self->cache, &g_array_index (old, gint64, i));

  if (prefix < old_len || prefix < new_len)
    g_list_model_items_changed (G_LIST_MODEL (self), prefix,
                                old_len - prefix - suffix, new_len - prefix - suffix);

  /* Rows that changed but kept their place: views rebind them. */
  for (guint i = 0; i < in_place->len; i++)
    {
      gint64 rowid = g_array_index (in_place, gint64, i);

      for (guint pos = 0; pos < new_len; pos++)
        {
          if (g_array_index (rowids, gint64, pos) != rowid)
            continue;
          if (pos < prefix || pos >= new_len - suffix)
            g_list_model_items_changed (G_LIST_MODEL (self), pos, 1, 1);
          break;
        }
    }

  if (old_len != new_len)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static gboolean
refresh_cb (gpointer user_data)
{
  TgReportList *self = user_data;

  self->refresh_source = 0;
  refresh (self);
  return G_SOURCE_REMOVE;
}

static void
report_changed_cb (TgReportList *self,
                   const char   *report_id,
                   TgStore      *store)
{
  g_hash_table_add (self->changed, g_strdup (report_id));
  /* Many changes in a burst (an import, a sync) refresh once. */
  if (self->refresh_source == 0)
    self->refresh_source = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, refresh_cb, self, NULL);
}

static GType
tg_report_list_get_item_type (GListModel *model)
{
  return TG_TYPE_REPORT;
}

static guint
tg_report_list_get_n_items (GListModel *model)
{
  TgReportList *self = TG_REPORT_LIST (model);

  return self->rowids ? self->rowids->len : 0;
}

static gpointer
tg_report_list_get_item (GListModel *model,
                         guint       position)
{
  TgReportList *self = TG_REPORT_LIST (model);
  g_autoptr(GError) error = NULL;
  TgReport *report;
  gint64 rowid;

  if (self->rowids == NULL || position >= self->rowids->len)
    return NULL;

  rowid = g_array_index (self->rowids, gint64, position);
  report = g_hash_table_lookup (self->cache, &rowid);
  if (report != NULL)
    return g_object_ref (report);

  report = tg_store_load_report_by_rowid (self->store, rowid, &error);
  if (report == NULL)
    {
      /* Deleted between the query and now: an empty report keeps the
       * model's promise of an item until the refresh removes the row. */
      g_debug ("row %" G_GINT64_FORMAT ": %s", rowid, error->message);
      return tg_report_new ();
    }

  if (g_hash_table_size (self->cache) >= CACHE_LIMIT)
    g_hash_table_remove_all (self->cache);
  g_hash_table_insert (self->cache, g_memdup2 (&rowid, sizeof rowid), g_object_ref (report));
  return report;
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = tg_report_list_get_item_type;
  iface->get_n_items = tg_report_list_get_n_items;
  iface->get_item = tg_report_list_get_item;
}

static void
tg_report_list_dispose (GObject *object)
{
  TgReportList *self = (TgReportList *) object;

  g_clear_handle_id (&self->refresh_source, g_source_remove);
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (tg_report_list_parent_class)->dispose (object);
}

static void
tg_report_list_finalize (GObject *object)
{
  TgReportList *self = (TgReportList *) object;

  g_clear_pointer (&self->query, tg_report_query_free);
  g_clear_pointer (&self->rowids, g_array_unref);
  g_clear_pointer (&self->cache, g_hash_table_unref);
  g_clear_pointer (&self->changed, g_hash_table_unref);

  G_OBJECT_CLASS (tg_report_list_parent_class)->finalize (object);
}

static void
tg_report_list_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  TgReportList *self = TG_REPORT_LIST (object);

  switch (prop_id)
    {
    case PROP_N_ITEMS:
      g_value_set_uint (value, tg_report_list_get_n_items (G_LIST_MODEL (self)));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_report_list_class_init (TgReportListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tg_report_list_dispose;
  object_class->finalize = tg_report_list_finalize;
  object_class->get_property = tg_report_list_get_property;

  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tg_report_list_init (TgReportList *self)
{
  self->cache = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
  self->changed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

TgReportList *
tg_report_list_new (TgStore             *store,
                    const TgReportQuery *query)
{
  TgReportList *self;

  g_return_val_if_fail (TG_IS_STORE (store), NULL);

  self = g_object_new (TG_TYPE_REPORT_LIST, NULL);
  self->store = g_object_ref (store);
  self->query = query ? tg_report_query_copy (query) : tg_report_query_new ();
  g_signal_connect_object (store, "report-changed", G_CALLBACK (report_changed_cb),
                           self, G_CONNECT_SWAPPED);
  refresh (self);
  return self;
}

void
tg_report_list_set_query (TgReportList        *self,
                          const TgReportQuery *query)
{
  g_return_if_fail (TG_IS_REPORT_LIST (self));

  g_clear_pointer (&self->query, tg_report_query_free);
  self->query = query ? tg_report_query_copy (query) : tg_report_query_new ();
  refresh (self);
}

const TgReportQuery *
tg_report_list_get_query (TgReportList *self)
{
  g_return_val_if_fail (TG_IS_REPORT_LIST (self), NULL);
  return self->query;
}

TgStore *
tg_report_list_get_store (TgReportList *self)
{
  g_return_val_if_fail (TG_IS_REPORT_LIST (self), NULL);
  return self->store;
}

typedef struct
{
  TgStore       *store;
  TgReportQuery *query;
} LocationsData;

static void
locations_data_free (gpointer data)
{
  LocationsData *ld = data;

  g_clear_object (&ld->store);
  g_clear_pointer (&ld->query, tg_report_query_free);
  g_free (ld);
}

static void
locations_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  LocationsData *ld = task_data;
  GError *error = NULL;
  GArray *locations;

  if (g_task_return_error_if_cancelled (task))
    return;
  locations = tg_store_query_locations (ld->store, ld->query, &error);
  if (locations == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, locations, (GDestroyNotify) g_array_unref);
}

/* The same on a worker thread, for the list's query as it is now: the map
 * places 100,000 reports without holding up the window. */
void
tg_report_list_query_locations_async (TgReportList        *self,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  LocationsData *ld;

  g_return_if_fail (TG_IS_REPORT_LIST (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tg_report_list_query_locations_async);
  ld = g_new0 (LocationsData, 1);
  ld->store = g_object_ref (self->store);
  ld->query = self->query ? tg_report_query_copy (self->query) : NULL;
  g_task_set_task_data (task, ld, locations_data_free);
  g_task_run_in_thread (task, locations_thread);
}

GArray *
tg_report_list_query_locations_finish (TgReportList  *self,
                                       GAsyncResult  *result,
                                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tg_report_list_query_locations_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
