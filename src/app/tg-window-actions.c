/* tg-window-actions.c — the main window's actions (win.*) and their keys
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-window"

#include "config.h"

#include <glib/gi18n.h>

#include "tg-exchange.h"
#include "tg-sync-util.h"
#include "tg-window-private.h"

/* None of these waits on the disk: what the editor holds is saved on a
 * worker thread (tg_report_editor_flush_async), and what must follow the
 * save runs when it is written. */

/* Saves what the editor holds, then calls @then (unless the save failed
 * and @only_if_saved); the main loop runs on meanwhile. */
typedef void (*AfterFlush) (TgWindow *self, gpointer data);

typedef struct
{
  TgWindow      *window;
  AfterFlush     then;
  gpointer       data;
  GDestroyNotify destroy;
  gboolean       only_if_saved;
} FlushData;

static void
flush_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  FlushData *data = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = tg_report_editor_flush_finish (TG_REPORT_EDITOR (object), result, &error);

  /* The editor has said why it could not save. */
  if ((ok || !data->only_if_saved) && gtk_widget_get_realized (GTK_WIDGET (data->window)))
    data->then (data->window, data->data);
  if (data->destroy != NULL)
    data->destroy (data->data);
  g_object_unref (data->window);
  g_free (data);
}

static void
flush_editor_then (TgWindow       *self,
                   gboolean        only_if_saved,
                   AfterFlush      then,
                   gpointer        data,
                   GDestroyNotify  destroy)
{
  FlushData *flush;

  if (self->editor == NULL)
    {
      then (self, data);
      if (destroy != NULL)
        destroy (data);
      return;
    }
  flush = g_new0 (FlushData, 1);
  flush->window = g_object_ref (self);
  flush->then = then;
  flush->data = data;
  flush->destroy = destroy;
  flush->only_if_saved = only_if_saved;
  tg_report_editor_flush_async (self->editor, flush_done_cb, flush);
}

/* Actions --------------------------------------------------------------- */

static void
new_report_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  TgWindow *self = TG_WINDOW (widget);
  g_autoptr(TgReport) report = tg_report_new ();
  g_autofree char *region = NULL;

  /* The report open is left as it is (saved, or dropped if empty) by the
   * editor, without waiting. */
  region = g_settings_get_string (tg_application_get_settings (self->app), "default-region");
  if (region != NULL && *region != '\0')
    tg_report_set_region_code (report, region);

  /* Not stored yet: the editor writes it once something is set in it,
   * and drops it if it is left empty. */
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  tg_window_show_report (self, report);
  tg_report_editor_focus_title (self->editor);
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  TgWindow *self = TG_WINDOW (widget);

  adw_leaflet_set_visible_child (self->leaflet, self->list_pane);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
start_next (TgWindow *self,
            gpointer  data)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "win.new-report", NULL);
}

static void
save_and_next_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *param)
{
  TgWindow *self = TG_WINDOW (widget);

  /* An invalid report stays open, with the reason under its field. */
  if (tg_window_get_current_report (self) != NULL)
    flush_editor_then (self, TRUE, start_next, NULL, NULL);
  else
    start_next (self, NULL);
}

static void
undo_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  TgWindow *self = TG_WINDOW (widget);

  if (self->editor == NULL)
    return;
  tg_report_editor_undo (self->editor);
  tg_window_update_editor_title (self);
}

static void
restore_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(TgWindow) self = user_data;
  g_autoptr(TgRevision) rev = NULL;
  g_autoptr(GError) error = NULL;

  rev = tg_store_restore_report_finish (TG_STORE (object), result, &error);
  g_application_release (G_APPLICATION (self->app));
  if (!gtk_widget_get_realized (GTK_WIDGET (self)))
    return;
  if (rev == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not restore the report: %s"), error->message);

      tg_window_toast (self, message);
      return;
    }
  tg_window_open_report (self, tg_revision_get_record_id (rev));
  tg_window_toast (self, _("Report restored"));
}

static void
undo_delete_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  TgWindow *self = TG_WINDOW (widget);
  const char *report_id = g_variant_get_string (param, NULL);

  /* The app stays until the restore is written. */
  g_application_hold (G_APPLICATION (self->app));
  tg_store_restore_report_async (self->store, report_id, NULL, restore_done_cb, g_object_ref (self));
}

static void
delete_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(TgWindow) self = user_data;
  g_autoptr(TgRevision) rev = NULL;
  g_autoptr(GError) error = NULL;
  AdwToast *t;

  rev = tg_report_editor_delete_finish (TG_REPORT_EDITOR (object), result, &error);
  if (!gtk_widget_get_realized (GTK_WIDGET (self)))
    return;
  if (rev == NULL && error != NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not delete the report: %s"), error->message);

      tg_window_toast (self, message);
      return;
    }
  if (rev == NULL)
    return;  /* a new report with nothing in it: nothing to delete */

  t = adw_toast_new (_("Report deleted"));
  adw_toast_set_button_label (t, _("_Undo"));
  adw_toast_set_action_name (t, "win.undo-delete");
  adw_toast_set_action_target_value (t, g_variant_new_string (tg_revision_get_record_id (rev)));
  adw_toast_set_timeout (t, 10);
  adw_toast_overlay_add_toast (self->toast_overlay, t);
}

static void
delete_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    TgWindow         *self)
{
  if (g_strcmp0 (response, "delete") != 0 || tg_window_get_current_report (self) == NULL)
    return;

  /* The editor closes the report now and writes the tombstone after any
   * save in flight. */
  tg_report_editor_delete_async (self->editor, delete_done_cb, g_object_ref (self));
  tg_window_show_report (self, NULL);
  adw_leaflet_set_visible_child (self->leaflet, self->list_pane);
}

static void
delete_report_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *param)
{
  TgWindow *self = TG_WINDOW (widget);
  TgReport *report = tg_window_get_current_report (self);
  const char *title;
  AdwMessageDialog *dialog;

  if (report == NULL)
    return;

  title = tg_report_get_title (report);
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Delete This Report?"), NULL));
  adw_message_dialog_format_body (dialog,
                                  _("“%s” will leave the list. Its history stays in the store, and you can undo right after."),
                                  (title != NULL && *title != '\0') ? title : _("Untitled report"));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "delete", _("_Delete"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "delete", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (delete_response_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Import and export (tg-exchange.c) */

static void
export_now (TgWindow *self,
            gpointer  data)
{
  tg_exchange_export (GTK_WINDOW (self), self->store, tg_report_list_get_query (self->reports),
                      g_list_model_get_n_items (G_LIST_MODEL (self->reports)),
                      tg_window_get_current_report (self));
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  /* What is typed in the editor goes into the export too. */
  flush_editor_then (TG_WINDOW (widget), FALSE, export_now, NULL, NULL);
}

/* "Export This Report…" in a row's menu: the dialog with that report
 * chosen. The report is read as stored; the open one is saved first. */
static void
export_report_now (TgWindow *self,
                   gpointer  data)
{
  const char *report_id = data;
  g_autoptr(TgReport) report = NULL;
  g_autoptr(GError) error = NULL;

  report = tg_store_load_report (self->store, report_id, &error);
  if (report == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not open the report: %s"), error->message);

      tg_window_toast (self, message);
      return;
    }
  tg_exchange_export_report (GTK_WINDOW (self), self->store, tg_report_list_get_query (self->reports),
                             g_list_model_get_n_items (G_LIST_MODEL (self->reports)), report);
}

static void
export_report_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *param)
{
  flush_editor_then (TG_WINDOW (widget), FALSE, export_report_now,
                     g_strdup (g_variant_get_string (param, NULL)), g_free);
}

static void
import_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  TgWindow *self = TG_WINDOW (widget);

  tg_exchange_import_choose (GTK_WINDOW (self), self->store);
}

/* Sync now (Ctrl+R, the indicator's buttons): what is typed is saved
 * first; the end of the sync is told in a toast (never a dialog: the
 * person may be doing something else by then). */

static char *
describe_entry (const TgSyncEntry *entry)
{
  g_autofree char *size = g_format_size (entry->bytes_sent);
  g_autofree char *done = NULL;

  if (entry->n_revisions_sent == 0 && entry->n_files_sent == 0 && entry->n_revisions_received == 0)
    done = g_strdup (_("Sync done: nothing new to send or receive"));
  else
    {
      g_autofree char *reports = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u report", "%u reports",
                                                               entry->n_reports_sent), entry->n_reports_sent);
      g_autofree char *files = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u file", "%u files",
                                                             entry->n_files_sent), entry->n_files_sent);
      g_autofree char *changes = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u change", "%u changes",
                                                               entry->n_revisions_received),
                                                  entry->n_revisions_received);

      /* TRANSLATORS: a toast at the end of a sync: "Sync done — sent: 1
       * report, 2 files (1.2 MB); received: 3 changes". */
      done = g_strdup_printf (_("Sync done — sent: %s, %s (%s); received: %s"), reports, files, size, changes);
    }
  if (entry->n_conflicts > 0)
    return g_strdup_printf (_("%s. Conflicts to resolve: %u"), done, entry->n_conflicts);
  if (entry->n_files_held_back > 0)
    return g_strdup_printf (_("%s. Originals waiting for a connection that is not metered: %u"),
                            done, entry->n_files_held_back);
  return g_steal_pointer (&done);
}

static void
sync_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(TgWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TgSyncEntry) entry = tg_sync_engine_sync_finish (TG_SYNC_ENGINE (object), result, &error);
  g_autofree char *message = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      !gtk_widget_get_realized (GTK_WIDGET (self)))
    return;
  if (entry == NULL)
    message = g_strdup_printf (_("Sync failed: %s"), error ? error->message : _("unknown error"));
  else if (entry->outcome == TG_SYNC_OUTCOME_FAILED)
    message = g_strdup_printf (_("Sync failed: %s"), entry->error ? entry->error : _("unknown error"));
  else if (entry->outcome == TG_SYNC_OUTCOME_CANCELLED)
    message = g_strdup (_("Sync cancelled"));
  else
    message = describe_entry (entry);
  /* its words in a label of role alert (tg_sync_toast_new) */
  adw_toast_overlay_add_toast (self->toast_overlay, tg_sync_toast_new (message));
}

static void
sync_now (TgWindow *self,
          gpointer  data)
{
  TgSyncManager *sync = tg_application_get_sync_manager (self->app);
  g_autofree char *not_ready = NULL;

  if (sync == NULL)
    return;
  /* Asked for while it cannot run: say why where the person looks, and
   * offer the page that fixes it (the engine writes no history entry for
   * a laptop that is not connected). */
  not_ready = tg_sync_describe_not_ready (sync);
  if (not_ready != NULL)
    {
      AdwToast *toast = tg_sync_toast_new (not_ready);

      adw_toast_set_timeout (toast, 10);
      adw_toast_set_button_label (toast, _("Open Sync Settings"));
      adw_toast_set_action_name (toast, "app.sync-preferences");
      adw_toast_overlay_add_toast (self->toast_overlay, toast);
      return;
    }
  tg_sync_engine_sync_async (tg_sync_manager_get_engine (sync), GPOINTER_TO_UINT (data), NULL,
                             sync_done_cb, g_object_ref (self));
}

static void
sync_now_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *param)
{
  flush_editor_then (TG_WINDOW (widget), FALSE, sync_now, GUINT_TO_POINTER (TG_SYNC_FLAGS_NONE), NULL);
}

static void
send_originals_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *param)
{
  flush_editor_then (TG_WINDOW (widget), FALSE, sync_now, GUINT_TO_POINTER (TG_SYNC_FLAGS_SEND_ORIGINALS), NULL);
}

void
tg_window_class_add_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.new-report", NULL, new_report_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.save-and-next", NULL, save_and_next_action);
  gtk_widget_class_install_action (widget_class, "win.delete-report", NULL, delete_report_action);
  gtk_widget_class_install_action (widget_class, "win.undo", NULL, undo_action);
  gtk_widget_class_install_action (widget_class, "win.undo-delete", "s", undo_delete_action);
  gtk_widget_class_install_action (widget_class, "win.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "win.import", NULL, import_action);
  gtk_widget_class_install_action (widget_class, "win.export-report", "s", export_report_action);
  gtk_widget_class_install_action (widget_class, "win.sync-now", NULL, sync_now_action);
  gtk_widget_class_install_action (widget_class, "win.send-originals", NULL, send_originals_action);

  /* Bubble-phase bindings: a focused text field keeps its own keys. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "win.new-report", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "win.save-and-next", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK, "win.save-and-next", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "win.delete-report", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "win.undo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "win.sync-now", NULL);
}
