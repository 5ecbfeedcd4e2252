/* tg-sync-indicator.c — the header bar's sync status button, with what is pending in its popover
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-sync-indicator"

#include "config.h"

#include <glib/gi18n.h>

#include "tg-store-sync.h"
#include "tg-sync-indicator.h"
#include "tg-sync-util.h"

struct _TgSyncIndicator
{
  GtkWidget       parent_instance;

  TgSyncManager  *manager;
  TgSyncEngine   *engine;
  GCancellable   *cancellable;   /* the pending count being read */
  char           *summary;
  const char     *icon_name;

  /* template children */
  GtkMenuButton  *button;
  GtkPopover     *popover;
  GtkLabel       *status_label;
  GtkLabel       *phase_label;
  GtkProgressBar *progress_bar;
  GtkLabel       *last_label;
  GtkLabel       *pending_label;
  GtkLabel       *error_label;
  GtkWidget      *sync_buttons;
  GtkWidget      *setup_button;
};

G_DEFINE_FINAL_TYPE (TgSyncIndicator, tg_sync_indicator, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SUMMARY,
  PROP_ICON_NAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Helpers --------------------------------------------------------------- */

static void
pending_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  TgSyncPending *pending = g_new0 (TgSyncPending, 1);
  GError *error = NULL;

  if (tg_store_get_sync_pending (task_data, pending, &error))
    g_task_return_pointer (task, pending, g_free);
  else
    {
      g_free (pending);
      g_task_return_error (task, error);
    }
}

static char *
describe_pending (const TgSyncPending *pending)
{
  g_autofree char *size = NULL;
  g_autofree char *reports = NULL;
  g_autofree char *files = NULL;
  guint n_files = pending->n_thumbnails + pending->n_originals;
  GString *text = g_string_new (NULL);

  if (pending->n_reports == 0 && n_files == 0)
    g_string_append (text, _("Nothing waits to be sent."));
  else
    {
      size = g_format_size (pending->bytes);
      reports = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u report", "%u reports", pending->n_reports),
                                 pending->n_reports);
      files = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u file", "%u files", n_files), n_files);
      /* TRANSLATORS: "Waiting to be sent: 3 reports, 5 files (12.4 MB)". */
      g_string_append_printf (text, _("Waiting to be sent: %s, %s (%s)"), reports, files, size);
      if (pending->n_originals > 0)
        {
          g_autofree char *originals = g_format_size (pending->original_bytes);

          g_string_append_c (text, '\n');
          g_string_append_printf (text,
                                  g_dngettext (GETTEXT_PACKAGE,
                                               "Of these, %u original (%s) waits for a connection that is not metered.",
                                               "Of these, %u originals (%s) wait for a connection that is not metered.",
                                               pending->n_originals),
                                  pending->n_originals, originals);
        }
    }
  if (pending->n_missing_reports > 0)
    {
      g_string_append_c (text, '\n');
      g_string_append_printf (text,
                              g_dngettext (GETTEXT_PACKAGE,
                                           "%u report names a file that is missing from this laptop and "
                                           "cannot be sent. Attach the file to it again, or take it off the report.",
                                           "%u reports name files that are missing from this laptop and "
                                           "cannot be sent. Attach the files to them again, or take them off the reports.",
                                           pending->n_missing_reports),
                              pending->n_missing_reports);
    }
  if (pending->n_conflicts > 0)
    {
      g_string_append_c (text, '\n');
      g_string_append_printf (text,
                              g_dngettext (GETTEXT_PACKAGE,
                                           "%u report has a conflict to resolve.",
                                           "%u reports have conflicts to resolve.",
                                           pending->n_conflicts),
                              pending->n_conflicts);
    }
  return g_string_free (text, FALSE);
}

static void
pending_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree TgSyncPending *pending = g_task_propagate_pointer (G_TASK (result), &error);
  TgSyncIndicator *self;
  g_autofree char *text = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = TG_SYNC_INDICATOR (user_data);
  if (pending == NULL)
    text = g_strdup_printf (_("Could not count what waits to be sent: %s"), error->message);
  else
    text = describe_pending (pending);
  gtk_label_set_text (self->pending_label, text);
}

/* Counts what waits on a worker thread; shown when it answers. */
static void
refresh_pending (TgSyncIndicator *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->manager == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  /* The indicator outlives no callback: the task holds no ref to it, and
   * a disposed indicator cancels. */
  task = g_task_new (NULL, self->cancellable, pending_done_cb, self);
  g_task_set_source_tag (task, refresh_pending);
  g_task_set_task_data (task, g_object_ref (tg_sync_manager_get_store (self->manager)), g_object_unref);
  g_task_run_in_thread (task, pending_thread);
}

static void
update (TgSyncIndicator *self)
{
  g_autofree char *summary = NULL;
  g_autofree char *last = NULL;
  g_autofree char *last_line = NULL;
  g_autofree char *tooltip = NULL;
  const char *icon = "network-offline-symbolic";
  const char *phase = NULL;
  const char *error = NULL;
  gboolean connected = FALSE;
  gboolean syncing = FALSE;
  double progress = -1;

  if (self->manager == NULL)
    return;

  summary = tg_sync_describe_status (self->manager, &icon);
  switch (tg_sync_manager_get_token_state (self->manager))
    {
    case TG_SYNC_TOKEN_KEYRING:
    case TG_SYNC_TOKEN_MEMORY:
      connected = TRUE;
      break;
    case TG_SYNC_TOKEN_NONE:
    case TG_SYNC_TOKEN_LOADING:
    case TG_SYNC_TOKEN_MISSING:
    default:
      break;
    }
  if (connected)
    {
      syncing = tg_sync_engine_get_status (self->engine) == TG_SYNC_STATUS_SYNCING;
      phase = tg_sync_engine_get_phase (self->engine);
      progress = tg_sync_engine_get_progress (self->engine);
      error = tg_sync_engine_get_last_error (self->engine);
    }
  else if (tg_sync_manager_get_token_state (self->manager) == TG_SYNC_TOKEN_MISSING)
    error = tg_sync_manager_get_token_problem (self->manager);

  last = tg_sync_format_time (tg_sync_manager_get_last_success (self->manager));
  /* TRANSLATORS: %s is a date and time, or "Never". */
  last_line = g_strdup_printf (_("Last successful sync: %s"), last);
  tooltip = g_strdup_printf ("%s\n%s", summary, last_line);

  gtk_menu_button_set_icon_name (self->button, icon);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->button), tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->button),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, summary,
                                  -1);

  gtk_label_set_text (self->status_label, summary);
  gtk_label_set_text (self->phase_label, phase ? phase : "");
  gtk_widget_set_visible (GTK_WIDGET (self->phase_label), syncing && phase != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), syncing);
  if (syncing && progress >= 0)
    gtk_progress_bar_set_fraction (self->progress_bar, progress);
  else if (syncing)
    gtk_progress_bar_pulse (self->progress_bar);
  gtk_label_set_text (self->last_label, last_line);
  gtk_widget_set_visible (GTK_WIDGET (self->last_label), connected);
  gtk_widget_set_visible (GTK_WIDGET (self->pending_label), TRUE);
  gtk_label_set_text (self->error_label, error ? error : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), error != NULL && !syncing);
  gtk_widget_set_visible (self->sync_buttons, connected);
  gtk_widget_set_visible (self->setup_button, !connected);

  if (g_strcmp0 (summary, self->summary) != 0)
    {
      g_free (self->summary);
      self->summary = g_steal_pointer (&summary);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUMMARY]);
    }
  if (g_strcmp0 (icon, self->icon_name) != 0)
    {
      self->icon_name = icon;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ICON_NAME]);
    }
}

/* Callbacks ------------------------------------------------------------- */

static void
popover_show_cb (TgSyncIndicator *self)
{
  update (self);
  refresh_pending (self);
}

static void
finished_cb (TgSyncIndicator *self)
{
  update (self);
  refresh_pending (self);
}

/* Vfuncs ---------------------------------------------------------------- */

static void
tg_sync_indicator_dispose (GObject *object)
{
  TgSyncIndicator *self = TG_SYNC_INDICATOR (object);

  tg_sync_unwatch (self, &self->cancellable, &self->engine, &self->manager);
  gtk_widget_dispose_template (GTK_WIDGET (self), TG_TYPE_SYNC_INDICATOR);

  G_OBJECT_CLASS (tg_sync_indicator_parent_class)->dispose (object);
}

static void
tg_sync_indicator_finalize (GObject *object)
{
  TgSyncIndicator *self = TG_SYNC_INDICATOR (object);

  g_free (self->summary);

  G_OBJECT_CLASS (tg_sync_indicator_parent_class)->finalize (object);
}

static void
tg_sync_indicator_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  TgSyncIndicator *self = TG_SYNC_INDICATOR (object);

  switch (prop_id)
    {
    case PROP_SUMMARY:
      g_value_set_string (value, self->summary);
      break;
    case PROP_ICON_NAME:
      g_value_set_string (value, self->icon_name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_sync_indicator_class_init (TgSyncIndicatorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tg_sync_indicator_dispose;
  object_class->finalize = tg_sync_indicator_finalize;
  object_class->get_property = tg_sync_indicator_get_property;

  properties[PROP_SUMMARY] =
    g_param_spec_string ("summary", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ICON_NAME] =
    g_param_spec_string ("icon-name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/testigo/Testigo/tg-sync-indicator.ui");
  gtk_widget_class_bind_template_child (widget_class, TgSyncIndicator, button);
  gtk_widget_class_bind_template_child (widget_class, TgSyncIndicator, popover);
  gtk_widget_class_bind_template_child (widget_class, TgSyncIndicator, status_label);
  gtk_widget_class_bind_template_child (widget_class, TgSyncIndicator, phase_label);
  gtk_widget_class_bind_template_child (widget_class, TgSyncIndicator, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, TgSyncIndicator, last_label);
  gtk_widget_class_bind_template_child (widget_class, TgSyncIndicator, pending_label);
  gtk_widget_class_bind_template_child (widget_class, TgSyncIndicator, error_label);
  gtk_widget_class_bind_template_child (widget_class, TgSyncIndicator, sync_buttons);
  gtk_widget_class_bind_template_child (widget_class, TgSyncIndicator, setup_button);
  gtk_widget_class_bind_template_callback (widget_class, popover_show_cb);
}

static void
tg_sync_indicator_init (TgSyncIndicator *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->icon_name = "network-offline-symbolic";
}

/* Public API ------------------------------------------------------------ */

GtkWidget *
tg_sync_indicator_new (void)
{
  return g_object_new (TG_TYPE_SYNC_INDICATOR, NULL);
}

void
tg_sync_indicator_set_manager (TgSyncIndicator *self,
                               TgSyncManager   *manager)
{
  static const char * const engine_props[] = {
    "notify::status", "notify::progress", "notify::phase", "notify::last-error",
  };

  g_return_if_fail (TG_IS_SYNC_INDICATOR (self));
  g_return_if_fail (TG_IS_SYNC_MANAGER (manager));
  g_return_if_fail (self->manager == NULL);

  self->manager = g_object_ref (manager);
  self->engine = g_object_ref (tg_sync_manager_get_engine (manager));
  for (guint i = 0; i < G_N_ELEMENTS (engine_props); i++)
    g_signal_connect_swapped (self->engine, engine_props[i], G_CALLBACK (update), self);
  g_signal_connect_swapped (self->engine, "finished", G_CALLBACK (finished_cb), self);
  g_signal_connect_swapped (manager, "account-changed", G_CALLBACK (update), self);
  g_signal_connect_swapped (manager, "notify::last-success", G_CALLBACK (update), self);
  update (self);
}

const char *
tg_sync_indicator_get_summary (TgSyncIndicator *self)
{
  g_return_val_if_fail (TG_IS_SYNC_INDICATOR (self), NULL);
  return self->summary;
}

const char *
tg_sync_indicator_get_icon_name (TgSyncIndicator *self)
{
  g_return_val_if_fail (TG_IS_SYNC_INDICATOR (self), NULL);
  return self->icon_name;
}
