/* tg-store-save.c — saving, deleting and restoring reports
 *
 * One report or a batch (validated on a second thread while this one
 * writes), synchronously or on a worker thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-store"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tg-store-private.h"

/* Saving -------------------------------------------------------------- */

typedef struct
{
  char     *record_id;
  char    **parents;
  char     *content;
  TgReport *report;  /* only when saving on the report's own thread */
} SaveData;

static void
save_data_free (gpointer data)
{
  SaveData *save = data;

  if (save == NULL)
    return;
  g_free (save->record_id);
  g_strfreev (save->parents);
  g_free (save->content);
  g_free (save);
}

static SaveData *
save_data_new (TgReport  *report,
               GError   **error)
{
  SaveData *save;

  if (!tg_report_validate (report, error))
    return NULL;

  save = g_new0 (SaveData, 1);
  save->record_id = g_strdup (tg_report_get_id (report));
  save->parents = g_strdupv ((char **) tg_report_get_base_revisions (report));
  save->content = tg_report_to_json_string (report);
  return save;
}

/* Returns the new revision, or the base revision if nothing changed. */
static TgRevision *
save_locked (TgStore   *self,
             SaveData  *save,
             GError   **error)
{
  g_autoptr(TgRevision) rev = NULL;

  if (save->parents != NULL && g_strv_length (save->parents) == 1)
    {
      g_autoptr(TgRevision) base = tg_store_get_revision_locked (self, save->parents[0], NULL);

      if (base != NULL && !tg_revision_get_deleted (base) &&
          g_strcmp0 (tg_revision_get_content (base), save->content) == 0)
        return g_steal_pointer (&base);
    }

  return tg_store_record_local_revision_locked (self, save->record_id,
                                                (const char * const *) save->parents, FALSE,
                                                save->content, save->report,
                                                save->parents ? TG_CUSTODY_EDITED : TG_CUSTODY_CREATED,
                                                error);
}

static guint
count_heads_locked (TgStore    *self,
                    const char *record_id)
{
  g_autoptr(GPtrArray) heads = tg_store_list_head_ids_locked (self, record_id, NULL);

  return heads ? heads->len : 1;
}

static TgRevision *
save_one (TgStore   *self,
          SaveData  *save,
          guint     *n_heads,
          GError   **error)
{
  g_autoptr(TgRevision) rev = NULL;

  tg_store_lock (self);
  if (tg_store_begin (self, error))
    {
      rev = save_locked (self, save, error);
      if (rev != NULL)
        *n_heads = count_heads_locked (self, save->record_id);
      if (!tg_store_commit (self, rev != NULL, error))
        g_clear_object (&rev);
    }
  tg_store_unlock (self);

  if (rev != NULL)
    {
      tg_store_emit_changed (self, save->record_id);
      tg_store_emit_sync_changed (self, save->record_id);
    }
  return g_steal_pointer (&rev);
}

void
tg_store_apply_saved (TgReport   *report,
                      TgRevision *rev,
                      guint       n_heads)
{
  const char *ids[] = { tg_revision_get_id (rev), NULL };

  tg_report_set_base_revisions (report, ids);
  tg_report_set_n_heads (report, n_heads);
  tg_report_set_updated_at (report, tg_revision_get_created_at (rev));
}

TgRevision *
tg_store_save_report (TgStore   *self,
                      TgReport  *report,
                      GError   **error)
{
  SaveData *save;
  TgRevision *rev;
  guint n_heads = 1;

  g_return_val_if_fail (TG_IS_STORE (self), NULL);
  g_return_val_if_fail (TG_IS_REPORT (report), NULL);

  if (!(save = save_data_new (report, error)))
    return NULL;
  save->report = report;
  rev = save_one (self, save, &n_heads, error);
  save_data_free (save);
  if (rev != NULL)
    tg_store_apply_saved (report, rev, n_heads);
  return rev;
}

typedef struct
{
  SaveData *save;
  guint     n_heads;
} SaveTaskData;

static void
save_task_data_free (gpointer data)
{
  SaveTaskData *task_data = data;

  save_data_free (task_data->save);
  g_free (task_data);
}

static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SaveTaskData *data = task_data;
  GError *error = NULL;
  TgRevision *rev;

  rev = save_one (source_object, data->save, &data->n_heads, &error);
  if (rev == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, rev, g_object_unref);
}

void
tg_store_save_report_async (TgStore             *self,
                            TgReport            *report,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  SaveTaskData *data;
  SaveData *save;

  g_return_if_fail (TG_IS_STORE (self));
  g_return_if_fail (TG_IS_REPORT (report));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tg_store_save_report_async);

  /* The report is serialised here, on the caller's thread. */
  if (!(save = save_data_new (report, &error)))
    {
      g_task_return_error (task, error);
      return;
    }
  data = g_new0 (SaveTaskData, 1);
  data->save = save;
  g_task_set_task_data (task, data, save_task_data_free);
  g_object_set_data_full (G_OBJECT (task), "report", g_object_ref (report), g_object_unref);
  g_task_run_in_thread (task, save_thread);
}

TgRevision *
tg_store_save_report_finish (TgStore       *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  TgRevision *rev;
  TgReport *report;
  SaveTaskData *data;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  rev = g_task_propagate_pointer (G_TASK (result), error);
  if (rev == NULL)
    return NULL;

  /* Only the saved state's base moves: edits made since the save started
   * will be children of this revision. */
  report = g_object_get_data (G_OBJECT (result), "report");
  data = g_task_get_task_data (G_TASK (result));
  tg_store_apply_saved (report, rev, data->n_heads);
  return rev;
}

/* Saving a batch is a pipeline: a second thread validates and serialises
 * the reports in order (no database needed; the reports are only read)
 * while this one writes those already prepared. */
typedef struct
{
  GPtrArray *reports;
  GPtrArray *saves;
  GMutex     mutex;
  GCond      cond;
  guint      n_ready;    /* saves[0 .. n_ready) are prepared */
  gboolean   failed;     /* saves[n_ready] could not be */
  GError    *error;
  gboolean   waiting;    /* the writer waits for the next one */
  gint       cancelled;  /* atomic: the writer gave up */
} SavePipeline;

static gpointer
prepare_saves_thread (gpointer data)
{
  SavePipeline *pipe = data;

  for (guint i = 0; i < pipe->reports->len; i++)
    {
      GError *error = NULL;
      SaveData *save;

      if (g_atomic_int_get (&pipe->cancelled))
        break;

      save = save_data_new (pipe->reports->pdata[i], &error);
      if (save != NULL)
        {
          save->report = pipe->reports->pdata[i];
          pipe->saves->pdata[i] = save;
        }

      g_mutex_lock (&pipe->mutex);
      if (save != NULL)
        pipe->n_ready = i + 1;
      else
        {
          pipe->failed = TRUE;
          pipe->error = error;
        }
      if (pipe->waiting)
        g_cond_signal (&pipe->cond);
      g_mutex_unlock (&pipe->mutex);

      if (save == NULL)
        break;
    }
  return NULL;
}

/* Waits until saves[i] is prepared; FALSE if it cannot be. */
static gboolean
wait_for_save (SavePipeline  *pipe,
               guint          i,
               GError       **error)
{
  gboolean ready;

  g_mutex_lock (&pipe->mutex);
  pipe->waiting = TRUE;
  while (pipe->n_ready <= i && !pipe->failed)
    g_cond_wait (&pipe->cond, &pipe->mutex);
  pipe->waiting = FALSE;
  ready = pipe->n_ready > i;
  if (!ready)
    g_propagate_prefixed_error (error, g_steal_pointer (&pipe->error), "report %u: ", i + 1);
  g_mutex_unlock (&pipe->mutex);
  return ready;
}

gboolean
tg_store_save_reports (TgStore    *self,
                       GPtrArray  *reports,
                       GError    **error)
{
  g_autoptr(GPtrArray) saves = g_ptr_array_new_with_free_func (save_data_free);
  g_autoptr(GPtrArray) revs = g_ptr_array_new_with_free_func (g_object_unref);
  SavePipeline pipe = { reports, saves, };
  GThread *thread = NULL;
  gboolean ok = TRUE;

  g_return_val_if_fail (TG_IS_STORE (self), FALSE);

  g_ptr_array_set_size (saves, reports->len);
  g_mutex_init (&pipe.mutex);
  g_cond_init (&pipe.cond);
  if (reports->len >= 64)
    thread = g_thread_new ("tg-store-prepare", prepare_saves_thread, &pipe);
  else
    prepare_saves_thread (&pipe);

  tg_store_lock (self);
  if (!tg_store_begin (self, error))
    ok = FALSE;
  for (guint i = 0; ok && i < saves->len; i++)
    {
      TgRevision *rev;

      if (!wait_for_save (&pipe, i, error))
        {
          ok = FALSE;
          break;
        }
      if ((rev = save_locked (self, saves->pdata[i], error)) == NULL)
        ok = FALSE;
      else
        g_ptr_array_add (revs, rev);
    }
  if (ok)
    ok = tg_store_commit (self, TRUE, error);
  else if (self->db != NULL)
    tg_store_rollback (self);
  tg_store_unlock (self);

  g_atomic_int_set (&pipe.cancelled, TRUE);
  if (thread != NULL)
    g_thread_join (thread);
  g_clear_error (&pipe.error);
  g_mutex_clear (&pipe.mutex);
  g_cond_clear (&pipe.cond);

  if (!ok)
    return FALSE;

  for (guint i = 0; i < revs->len; i++)
    {
      tg_store_apply_saved (reports->pdata[i], revs->pdata[i], 1);
      tg_store_emit_changed (self, tg_report_get_id (reports->pdata[i]));
      tg_store_emit_sync_changed (self, tg_report_get_id (reports->pdata[i]));
    }
  return TRUE;
}

static TgRevision *
change_deleted (TgStore     *self,
                const char  *report_id,
                gboolean     deleted,
                GError     **error)
{
  g_autoptr(TgRevision) rev = NULL;
  gboolean ok = FALSE;

  tg_store_lock (self);
  if (tg_store_begin (self, error))
    {
      g_autoptr(GPtrArray) heads = tg_store_list_head_ids_locked (self, report_id, error);

      if (heads != NULL && heads->len == 0)
        g_set_error (error, TG_ERROR, TG_ERROR_NOT_FOUND, _("There is no report %s."), report_id);
      else if (heads != NULL)
        {
          g_autoptr(TgRevision) current = tg_store_get_revision_locked (self, heads->pdata[0], error);

          if (current != NULL && tg_revision_get_deleted (current) == deleted)
            {
              /* Already in that state. */
              rev = g_steal_pointer (&current);
              ok = TRUE;
            }
          else if (current != NULL)
            {
              const char *parents[] = { tg_revision_get_id (current), NULL };

              rev = tg_store_record_local_revision_locked (self, report_id, parents, deleted,
                                                           tg_revision_get_content (current), NULL,
                                                           deleted ? TG_CUSTODY_DELETED : TG_CUSTODY_RESTORED,
                                                           error);
              ok = rev != NULL;
            }
        }
      if (!tg_store_commit (self, ok, error))
        g_clear_object (&rev);
    }
  tg_store_unlock (self);

  if (rev != NULL)
    {
      tg_store_emit_changed (self, report_id);
      tg_store_emit_sync_changed (self, report_id);
    }
  return g_steal_pointer (&rev);
}

TgRevision *
tg_store_delete_report (TgStore     *self,
                        const char  *report_id,
                        GError     **error)
{
  g_return_val_if_fail (TG_IS_STORE (self), NULL);
  return change_deleted (self, report_id, TRUE, error);
}

TgRevision *
tg_store_restore_report (TgStore     *self,
                         const char  *report_id,
                         GError     **error)
{
  g_return_val_if_fail (TG_IS_STORE (self), NULL);
  return change_deleted (self, report_id, FALSE, error);
}


/* Deleting and restoring on a worker thread ------------------------------ */

static void
change_deleted_thread (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  gboolean deleted = g_task_get_source_tag (task) == tg_store_delete_report_async;
  GError *error = NULL;
  TgRevision *rev = change_deleted (source_object, task_data, deleted, &error);

  if (rev == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, rev, g_object_unref);
}

static void
change_deleted_async (TgStore             *self,
                      const char          *report_id,
                      gpointer             source_tag,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, g_strdup (report_id), g_free);
  g_task_run_in_thread (task, change_deleted_thread);
}

void
tg_store_delete_report_async (TgStore             *self,
                              const char          *report_id,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (TG_IS_STORE (self));
  g_return_if_fail (report_id != NULL);
  change_deleted_async (self, report_id, tg_store_delete_report_async,
                        cancellable, callback, user_data);
}

TgRevision *
tg_store_delete_report_finish (TgStore       *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tg_store_restore_report_async (TgStore             *self,
                               const char          *report_id,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (TG_IS_STORE (self));
  g_return_if_fail (report_id != NULL);
  change_deleted_async (self, report_id, tg_store_restore_report_async,
                        cancellable, callback, user_data);
}

TgRevision *
tg_store_restore_report_finish (TgStore       *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
