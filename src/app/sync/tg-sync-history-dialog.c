/* tg-sync-history-dialog.c — the sync history, read from the store off the main thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-sync-history-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "tg-store-sync.h"
#include "tg-sync-history-dialog.h"
#include "tg-sync-util.h"

/* The dialog shows at most this many (the store keeps TG_SYNC_HISTORY_MAX). */
#define HISTORY_SHOWN 200

struct _TgSyncHistoryDialog
{
  AdwWindow       parent_instance;

  TgStore        *store;
  GCancellable   *cancellable;

  /* template children */
  AdwWindowTitle *title;
  GtkStack       *stack;
  GtkListBox     *list;
  AdwStatusPage  *empty_page;
};

G_DEFINE_FINAL_TYPE (TgSyncHistoryDialog, tg_sync_history_dialog, ADW_TYPE_WINDOW)

/* Helpers --------------------------------------------------------------- */

static void
list_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;
  GPtrArray *entries = tg_store_list_sync_entries (task_data, HISTORY_SHOWN, &error);

  if (entries == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, entries, (GDestroyNotify) g_ptr_array_unref);
}

static const char *
outcome_icon (TgSyncOutcome outcome)
{
  switch (outcome)
    {
    case TG_SYNC_OUTCOME_OK:
      return "emblem-ok-symbolic";
    case TG_SYNC_OUTCOME_PARTIAL:
      return "send-to-symbolic";
    case TG_SYNC_OUTCOME_CANCELLED:
      return "process-stop-symbolic";
    case TG_SYNC_OUTCOME_FAILED:
    default:
      return "dialog-warning-symbolic";
    }
}

static GtkWidget *
make_row (const TgSyncEntry *entry)
{
  g_autofree char *when = tg_sync_format_time (entry->started_at);
  g_autofree char *took = tg_sync_format_duration (entry->duration_us);
  g_autofree char *sent_size = g_format_size (entry->bytes_sent);
  g_autofree char *title = NULL;
  g_autofree char *clock = tg_sync_describe_clock (entry->clock_offset_us);
  g_autofree char *from = tg_sync_describe_received_from (entry->received_from);
  GString *details = g_string_new (NULL);
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name (outcome_icon (entry->outcome));

  /* TRANSLATORS: a sync's row: "6 Dec 2026, 21:14 — Done". */
  title = g_strdup_printf (_("%s — %s"), when, tg_sync_outcome_label (entry->outcome));
  g_string_append_printf (details, _("Took %s"), took);
  g_string_append_c (details, '\n');
  {
    g_autofree char *reports = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u report", "%u reports",
                                                             entry->n_reports_sent), entry->n_reports_sent);
    g_autofree char *changes = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u change", "%u changes",
                                                             entry->n_revisions_sent), entry->n_revisions_sent);
    g_autofree char *files = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u file", "%u files",
                                                           entry->n_files_sent), entry->n_files_sent);
    g_autofree char *received = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u change", "%u changes",
                                                              entry->n_revisions_received),
                                                 entry->n_revisions_received);

    /* TRANSLATORS: "Sent: 2 reports (3 changes), 1 file, 1.2 MB". */
    g_string_append_printf (details, _("Sent: %s (%s), %s, %s"), reports, changes, files, sent_size);
    g_string_append_c (details, '\n');
    /* TRANSLATORS: "Received: 4 changes — 1 new report(s), 2 changed". */
    g_string_append_printf (details, _("Received: %s — new reports: %u, changed: %u"),
                            received, entry->n_reports_new, entry->n_reports_changed);
  }
  if (from != NULL)
    {
      g_string_append_c (details, '\n');
      /* TRANSLATORS: the devices whose changes a sync brought: "Changes from: Laptop Huanta (rosa)". */
      g_string_append_printf (details, _("Changes from: %s"), from);
    }
  if (entry->n_files_held_back > 0)
    {
      g_string_append_c (details, '\n');
      g_string_append_printf (details, _("Originals held back for a connection that is not metered: %u"),
                              entry->n_files_held_back);
    }
  if (entry->n_conflicts > 0)
    {
      g_string_append_c (details, '\n');
      g_string_append_printf (details, _("Conflicts to resolve: %u"), entry->n_conflicts);
    }
  if (entry->error != NULL && *entry->error != '\0')
    {
      g_string_append_c (details, '\n');
      g_string_append_printf (details, _("Error: %s"), entry->error);
    }
  if (clock != NULL)
    {
      g_string_append_c (details, '\n');
      g_string_append (details, clock);
    }

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), details->str);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, details->str,
                                  -1);
  gtk_image_set_icon_size (GTK_IMAGE (icon), GTK_ICON_SIZE_NORMAL);
  gtk_widget_set_valign (icon, GTK_ALIGN_START);
  gtk_widget_set_margin_top (icon, 12);
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, tg_sync_outcome_label (entry->outcome),
                                  -1);
  if (entry->outcome == TG_SYNC_OUTCOME_FAILED)
    gtk_widget_add_css_class (icon, "error");
  else if (entry->outcome == TG_SYNC_OUTCOME_OK)
    gtk_widget_add_css_class (icon, "success");
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  g_string_free (details, TRUE);
  return row;
}

/* Callbacks ------------------------------------------------------------- */

static void
list_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = g_task_propagate_pointer (G_TASK (result), &error);
  TgSyncHistoryDialog *self;
  g_autofree char *subtitle = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = TG_SYNC_HISTORY_DIALOG (user_data);
  if (entries == NULL)
    {
      adw_status_page_set_title (self->empty_page, _("Could Not Read the History"));
      adw_status_page_set_description (self->empty_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }
  if (entries->len == 0)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }
  for (guint i = 0; i < entries->len; i++)
    gtk_list_box_append (self->list, make_row (g_ptr_array_index (entries, i)));
  subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u sync", "%u syncs", entries->len), entries->len);
  adw_window_title_set_subtitle (self->title, subtitle);
  gtk_stack_set_visible_child_name (self->stack, "list");
}

/* Vfuncs ---------------------------------------------------------------- */

static void
tg_sync_history_dialog_dispose (GObject *object)
{
  TgSyncHistoryDialog *self = TG_SYNC_HISTORY_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->store);
  gtk_widget_dispose_template (GTK_WIDGET (self), TG_TYPE_SYNC_HISTORY_DIALOG);

  G_OBJECT_CLASS (tg_sync_history_dialog_parent_class)->dispose (object);
}

static void
tg_sync_history_dialog_class_init (TgSyncHistoryDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tg_sync_history_dialog_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/testigo/Testigo/tg-sync-history-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, TgSyncHistoryDialog, title);
  gtk_widget_class_bind_template_child (widget_class, TgSyncHistoryDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, TgSyncHistoryDialog, list);
  gtk_widget_class_bind_template_child (widget_class, TgSyncHistoryDialog, empty_page);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
tg_sync_history_dialog_init (TgSyncHistoryDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

/* Public API ------------------------------------------------------------ */

GtkWidget *
tg_sync_history_dialog_new (TgStore *store)
{
  TgSyncHistoryDialog *self;
  g_autoptr(GTask) task = NULL;

  g_return_val_if_fail (TG_IS_STORE (store), NULL);

  self = g_object_new (TG_TYPE_SYNC_HISTORY_DIALOG, NULL);
  self->store = g_object_ref (store);
  gtk_stack_set_visible_child_name (self->stack, "loading");
  task = g_task_new (NULL, self->cancellable, list_done_cb, self);
  g_task_set_source_tag (task, tg_sync_history_dialog_new);
  g_task_set_task_data (task, g_object_ref (store), g_object_unref);
  g_task_run_in_thread (task, list_thread);
  return GTK_WIDGET (self);
}
