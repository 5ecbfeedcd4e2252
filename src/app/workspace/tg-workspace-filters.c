/* tg-workspace-filters.c — the coordinator's workspace filters
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-workspace-filters"

#include "config.h"

#include <glib/gi18n.h>

#include "tg-list-filters.h"
#include "tg-types.h"
#include "tg-vocabulary.h"
#include "tg-workspace-filters.h"

struct _TgWorkspaceFilters
{
  GtkWidget       parent_instance;

  GListModel     *categories;
  GStrv           monitor_ids;
  gboolean        resetting;

  /* The filters are kept in these settings (workspace-filter-*), when
   * set. The monitor and category wanted stay chosen while their lists
   * are still being read. */
  GSettings      *settings;
  char           *wanted_monitor;
  char           *wanted_category;

  GtkDropDown    *monitor_filter;
  GtkEntry       *region_filter;
  GtkEntry       *from_filter;
  GtkEntry       *until_filter;
  GtkDropDown    *category_filter;
  GtkDropDown    *status_filter;
  GtkCheckButton *unmerged_filter;
  GtkLabel       *filter_error;
};

G_DEFINE_FINAL_TYPE (TgWorkspaceFilters, tg_workspace_filters, GTK_TYPE_WIDGET)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Helpers --------------------------------------------------------------- */

static guint
category_position (TgWorkspaceFilters *self,
                   const char         *code)
{
  guint n = self->categories ? g_list_model_get_n_items (self->categories) : 0;

  for (guint i = 0; code != NULL && *code != '\0' && i < n; i++)
    {
      g_autoptr(TgVocabularyEntry) entry = g_list_model_get_item (self->categories, i);

      if (g_strcmp0 (tg_vocabulary_entry_get_code (entry), code) == 0)
        return i + 1;
    }
  return 0;
}

static guint
monitor_position (TgWorkspaceFilters *self,
                  const char         *id)
{
  for (guint i = 0; id != NULL && *id != '\0' && self->monitor_ids && self->monitor_ids[i]; i++)
    if (g_strcmp0 (self->monitor_ids[i], id) == 0)
      return i + 1;
  return 0;
}

/* Writes @value to @key only when it differs, so a change of one filter
 * writes one key. */
static void
set_string_if_changed (GSettings  *settings,
                       const char *key,
                       const char *value)
{
  g_autofree char *now = g_settings_get_string (settings, key);

  if (g_strcmp0 (now, value) != 0)
    g_settings_set_string (settings, key, value);
}

/* The settings object is the application's, shared by every window part:
 * never put it in delay-apply mode (g_settings_delay lasts for the
 * object's life, and every other key written through it afterwards, the
 * sync switches among them, would wait for an apply that never comes). */
static void
save_settings (TgWorkspaceFilters *self)
{
  int status;
  gboolean unmerged;

  if (self->settings == NULL)
    return;
  status = tg_workspace_filters_get_status (self);
  set_string_if_changed (self->settings, "workspace-filter-monitor", self->wanted_monitor ?: "");
  set_string_if_changed (self->settings, "workspace-filter-category", self->wanted_category ?: "");
  set_string_if_changed (self->settings, "workspace-filter-region",
                         gtk_editable_get_text (GTK_EDITABLE (self->region_filter)));
  set_string_if_changed (self->settings, "workspace-filter-from",
                         gtk_editable_get_text (GTK_EDITABLE (self->from_filter)));
  set_string_if_changed (self->settings, "workspace-filter-until",
                         gtk_editable_get_text (GTK_EDITABLE (self->until_filter)));
  set_string_if_changed (self->settings, "workspace-filter-status",
                         status >= 0 ? tg_report_status_to_string (status) : "");
  unmerged = gtk_check_button_get_active (self->unmerged_filter);
  if (g_settings_get_boolean (self->settings, "workspace-filter-unmerged") != unmerged)
    g_settings_set_boolean (self->settings, "workspace-filter-unmerged", unmerged);
}

/* Callbacks ------------------------------------------------------------- */

static void
monitor_chosen_cb (TgWorkspaceFilters *self)
{
  if (self->resetting)
    return;
  g_free (self->wanted_monitor);
  self->wanted_monitor = g_strdup (tg_workspace_filters_get_monitor (self));
}

static void
category_chosen_cb (TgWorkspaceFilters *self)
{
  if (self->resetting)
    return;
  g_free (self->wanted_category);
  self->wanted_category = g_strdup (tg_workspace_filters_get_category (self));
}

static void
control_changed_cb (TgWorkspaceFilters *self)
{
  tg_list_filters_check_days (GTK_EDITABLE (self->from_filter), GTK_EDITABLE (self->until_filter),
                              self->filter_error);
  if (!self->resetting)
    {
      save_settings (self);
      g_signal_emit (self, signals[CHANGED], 0);
    }
}

static void
reset_clicked_cb (TgWorkspaceFilters *self)
{
  tg_workspace_filters_reset (self);
}

/* GObject --------------------------------------------------------------- */

static void
tg_workspace_filters_dispose (GObject *object)
{
  TgWorkspaceFilters *self = TG_WORKSPACE_FILTERS (object);
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (self), TG_TYPE_WORKSPACE_FILTERS);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->categories);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->monitor_ids, g_strfreev);
  g_clear_pointer (&self->wanted_monitor, g_free);
  g_clear_pointer (&self->wanted_category, g_free);

  G_OBJECT_CLASS (tg_workspace_filters_parent_class)->dispose (object);
}

static void
tg_workspace_filters_class_init (TgWorkspaceFiltersClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tg_workspace_filters_dispose;

  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/testigo/Testigo/tg-workspace-filters.ui");
  gtk_widget_class_bind_template_child (widget_class, TgWorkspaceFilters, monitor_filter);
  gtk_widget_class_bind_template_child (widget_class, TgWorkspaceFilters, region_filter);
  gtk_widget_class_bind_template_child (widget_class, TgWorkspaceFilters, from_filter);
  gtk_widget_class_bind_template_child (widget_class, TgWorkspaceFilters, until_filter);
  gtk_widget_class_bind_template_child (widget_class, TgWorkspaceFilters, category_filter);
  gtk_widget_class_bind_template_child (widget_class, TgWorkspaceFilters, status_filter);
  gtk_widget_class_bind_template_child (widget_class, TgWorkspaceFilters, unmerged_filter);
  gtk_widget_class_bind_template_child (widget_class, TgWorkspaceFilters, filter_error);
  gtk_widget_class_bind_template_callback (widget_class, reset_clicked_cb);
}

static void
tg_workspace_filters_init (TgWorkspaceFilters *self)
{
  g_autoptr(GListModel) statuses = tg_list_filters_status_model ();

  gtk_widget_init_template (GTK_WIDGET (self));

  tg_workspace_filters_set_categories (self, NULL);
  tg_workspace_filters_set_monitors (self, NULL, NULL);

  gtk_drop_down_set_model (self->status_filter, statuses);

  /* First the wanted choice, then the change saved and announced. */
  g_signal_connect_swapped (self->monitor_filter, "notify::selected", G_CALLBACK (monitor_chosen_cb), self);
  g_signal_connect_swapped (self->category_filter, "notify::selected", G_CALLBACK (category_chosen_cb), self);
  g_signal_connect_swapped (self->monitor_filter, "notify::selected", G_CALLBACK (control_changed_cb), self);
  g_signal_connect_swapped (self->category_filter, "notify::selected", G_CALLBACK (control_changed_cb), self);
  g_signal_connect_swapped (self->status_filter, "notify::selected", G_CALLBACK (control_changed_cb), self);
  g_signal_connect_swapped (self->region_filter, "changed", G_CALLBACK (control_changed_cb), self);
  g_signal_connect_swapped (self->from_filter, "changed", G_CALLBACK (control_changed_cb), self);
  g_signal_connect_swapped (self->until_filter, "changed", G_CALLBACK (control_changed_cb), self);
  g_signal_connect_swapped (self->unmerged_filter, "toggled", G_CALLBACK (control_changed_cb), self);
}

/* Public API ------------------------------------------------------------ */

GtkWidget *
tg_workspace_filters_new (void)
{
  return g_object_new (TG_TYPE_WORKSPACE_FILTERS, NULL);
}

void
tg_workspace_filters_set_categories (TgWorkspaceFilters *self,
                                     GListModel         *categories)
{
  g_autoptr(GListModel) labels = NULL;

  g_return_if_fail (TG_IS_WORKSPACE_FILTERS (self));

  g_set_object (&self->categories, categories);
  labels = tg_list_filters_category_model (categories);
  self->resetting = TRUE;
  gtk_drop_down_set_model (self->category_filter, labels);
  gtk_drop_down_set_selected (self->category_filter, category_position (self, self->wanted_category));
  self->resetting = FALSE;
}

void
tg_workspace_filters_set_monitors (TgWorkspaceFilters *self,
                                   const char * const *ids,
                                   const char * const *names)
{
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  g_autofree char *chosen = g_strdup (tg_workspace_filters_get_monitor (self));
  guint selected;

  g_return_if_fail (TG_IS_WORKSPACE_FILTERS (self));

  gtk_string_list_append (labels, _("Any monitor"));
  for (guint i = 0; ids != NULL && ids[i] != NULL; i++)
    gtk_string_list_append (labels, names && names[i] && *names[i] ? names[i] : ids[i]);
  g_clear_pointer (&self->monitor_ids, g_strfreev);
  self->monitor_ids = g_strdupv ((char **) ids);
  selected = monitor_position (self, self->wanted_monitor);
  self->resetting = TRUE;
  gtk_drop_down_set_model (self->monitor_filter, G_LIST_MODEL (labels));
  gtk_drop_down_set_selected (self->monitor_filter, selected);
  self->resetting = FALSE;
  /* Gone, or a kept choice now found: filter again. */
  if (g_strcmp0 (chosen, tg_workspace_filters_get_monitor (self)) != 0)
    control_changed_cb (self);
}

void
tg_workspace_filters_reset (TgWorkspaceFilters *self)
{
  g_return_if_fail (TG_IS_WORKSPACE_FILTERS (self));

  self->resetting = TRUE;
  gtk_drop_down_set_selected (self->monitor_filter, 0);
  gtk_drop_down_set_selected (self->category_filter, 0);
  gtk_drop_down_set_selected (self->status_filter, 0);
  gtk_editable_set_text (GTK_EDITABLE (self->region_filter), "");
  gtk_editable_set_text (GTK_EDITABLE (self->from_filter), "");
  gtk_editable_set_text (GTK_EDITABLE (self->until_filter), "");
  gtk_check_button_set_active (self->unmerged_filter, FALSE);
  g_clear_pointer (&self->wanted_monitor, g_free);
  g_clear_pointer (&self->wanted_category, g_free);
  self->resetting = FALSE;
  control_changed_cb (self);
}

void
tg_workspace_filters_set_settings (TgWorkspaceFilters *self,
                                   GSettings          *settings)
{
  g_autofree char *status = NULL;
  g_autofree char *region = NULL;
  g_autofree char *from = NULL;
  g_autofree char *until = NULL;
  TgReportStatus value;

  g_return_if_fail (TG_IS_WORKSPACE_FILTERS (self));
  g_return_if_fail (settings == NULL || G_IS_SETTINGS (settings));

  g_clear_object (&self->settings);
  if (settings == NULL)
    return;

  self->resetting = TRUE;
  g_free (self->wanted_monitor);
  self->wanted_monitor = g_settings_get_string (settings, "workspace-filter-monitor");
  g_free (self->wanted_category);
  self->wanted_category = g_settings_get_string (settings, "workspace-filter-category");
  gtk_drop_down_set_selected (self->monitor_filter, monitor_position (self, self->wanted_monitor));
  gtk_drop_down_set_selected (self->category_filter, category_position (self, self->wanted_category));
  region = g_settings_get_string (settings, "workspace-filter-region");
  from = g_settings_get_string (settings, "workspace-filter-from");
  until = g_settings_get_string (settings, "workspace-filter-until");
  gtk_editable_set_text (GTK_EDITABLE (self->region_filter), region);
  gtk_editable_set_text (GTK_EDITABLE (self->from_filter), from);
  gtk_editable_set_text (GTK_EDITABLE (self->until_filter), until);
  status = g_settings_get_string (settings, "workspace-filter-status");
  gtk_drop_down_set_selected (self->status_filter,
                              *status && tg_report_status_from_string (status, &value) ? (guint) value + 1 : 0);
  gtk_check_button_set_active (self->unmerged_filter,
                               g_settings_get_boolean (settings, "workspace-filter-unmerged"));
  self->resetting = FALSE;
  /* Only now kept: the values just read are not written back. */
  self->settings = g_object_ref (settings);
  control_changed_cb (self);
}

const char *
tg_workspace_filters_get_monitor (TgWorkspaceFilters *self)
{
  guint selected;

  g_return_val_if_fail (TG_IS_WORKSPACE_FILTERS (self), NULL);

  selected = gtk_drop_down_get_selected (self->monitor_filter);
  if (self->monitor_ids == NULL || selected == 0 || selected == GTK_INVALID_LIST_POSITION ||
      selected > g_strv_length (self->monitor_ids))
    return NULL;
  return self->monitor_ids[selected - 1];
}

char *
tg_workspace_filters_dup_region (TgWorkspaceFilters *self)
{
  const char *text;

  g_return_val_if_fail (TG_IS_WORKSPACE_FILTERS (self), NULL);

  text = gtk_editable_get_text (GTK_EDITABLE (self->region_filter));
  if (text == NULL)
    return NULL;
  return *text ? g_strstrip (g_strdup (text)) : NULL;
}

gint64
tg_workspace_filters_get_from (TgWorkspaceFilters *self)
{
  g_return_val_if_fail (TG_IS_WORKSPACE_FILTERS (self), 0);
  return tg_list_filters_day_of (GTK_EDITABLE (self->from_filter), FALSE);
}

gint64
tg_workspace_filters_get_until (TgWorkspaceFilters *self)
{
  g_return_val_if_fail (TG_IS_WORKSPACE_FILTERS (self), 0);
  return tg_list_filters_day_of (GTK_EDITABLE (self->until_filter), TRUE);
}

const char *
tg_workspace_filters_get_category (TgWorkspaceFilters *self)
{
  g_autoptr(TgVocabularyEntry) entry = NULL;
  guint selected;

  g_return_val_if_fail (TG_IS_WORKSPACE_FILTERS (self), NULL);

  selected = gtk_drop_down_get_selected (self->category_filter);
  if (self->categories == NULL || selected == 0 || selected == GTK_INVALID_LIST_POSITION)
    return NULL;
  entry = g_list_model_get_item (self->categories, selected - 1);
  /* The vocabulary owns the entry and its code. */
  return entry != NULL ? tg_vocabulary_entry_get_code (entry) : NULL;
}

int
tg_workspace_filters_get_status (TgWorkspaceFilters *self)
{
  guint selected;

  g_return_val_if_fail (TG_IS_WORKSPACE_FILTERS (self), -1);

  selected = gtk_drop_down_get_selected (self->status_filter);
  return (selected == 0 || selected == GTK_INVALID_LIST_POSITION) ? -1 : (int) selected - 1;
}

gboolean
tg_workspace_filters_get_unmerged (TgWorkspaceFilters *self)
{
  g_return_val_if_fail (TG_IS_WORKSPACE_FILTERS (self), FALSE);
  return gtk_check_button_get_active (self->unmerged_filter);
}

gboolean
tg_workspace_filters_get_active (TgWorkspaceFilters *self)
{
  g_autofree char *region = tg_workspace_filters_dup_region (self);

  return tg_workspace_filters_get_monitor (self) != NULL || region != NULL ||
         tg_workspace_filters_get_from (self) != 0 || tg_workspace_filters_get_until (self) != 0 ||
         tg_workspace_filters_get_category (self) != NULL ||
         tg_workspace_filters_get_status (self) >= 0 || tg_workspace_filters_get_unmerged (self);
}
