/* tg-report-filters.c — the report list's filter and sort controls
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-report-filters"

#include "config.h"

#include <glib/gi18n.h>

#include "tg-list-filters.h"
#include "tg-report-filters.h"
#include "tg-vocabulary.h"

struct _TgReportFilters
{
  GtkWidget       parent_instance;

  GListModel     *categories;
  char           *search_text;
  gboolean        resetting;

  GtkDropDown    *category_filter;
  GtkDropDown    *status_filter;
  GtkEntry       *region_filter;
  GtkEntry       *from_filter;
  GtkEntry       *until_filter;
  GtkCheckButton *conflict_filter;
  GtkDropDown    *sort_filter;
  GtkLabel       *filter_error;
};

G_DEFINE_FINAL_TYPE (TgReportFilters, tg_report_filters, GTK_TYPE_WIDGET)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Callbacks ------------------------------------------------------------- */

static void
control_changed_cb (TgReportFilters *self)
{
  tg_list_filters_check_days (GTK_EDITABLE (self->from_filter), GTK_EDITABLE (self->until_filter),
                              self->filter_error);
  if (!self->resetting)
    g_signal_emit (self, signals[CHANGED], 0);
}

static void
reset_clicked_cb (TgReportFilters *self)
{
  tg_report_filters_reset (self);
}

/* GObject --------------------------------------------------------------- */

static void
tg_report_filters_dispose (GObject *object)
{
  TgReportFilters *self = TG_REPORT_FILTERS (object);
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (self), TG_TYPE_REPORT_FILTERS);
  /* GTK 4.8 leaves the template's unnamed top child in place. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->categories);
  g_clear_pointer (&self->search_text, g_free);

  G_OBJECT_CLASS (tg_report_filters_parent_class)->dispose (object);
}

static void
tg_report_filters_class_init (TgReportFiltersClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tg_report_filters_dispose;

  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/testigo/Testigo/tg-report-filters.ui");
  gtk_widget_class_bind_template_child (widget_class, TgReportFilters, category_filter);
  gtk_widget_class_bind_template_child (widget_class, TgReportFilters, status_filter);
  gtk_widget_class_bind_template_child (widget_class, TgReportFilters, region_filter);
  gtk_widget_class_bind_template_child (widget_class, TgReportFilters, from_filter);
  gtk_widget_class_bind_template_child (widget_class, TgReportFilters, until_filter);
  gtk_widget_class_bind_template_child (widget_class, TgReportFilters, conflict_filter);
  gtk_widget_class_bind_template_child (widget_class, TgReportFilters, sort_filter);
  gtk_widget_class_bind_template_child (widget_class, TgReportFilters, filter_error);
  gtk_widget_class_bind_template_callback (widget_class, reset_clicked_cb);
}

static void
tg_report_filters_init (TgReportFilters *self)
{
  g_autoptr(GListModel) statuses = tg_list_filters_status_model ();
  g_autoptr(GtkStringList) sorts = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  tg_report_filters_set_categories (self, NULL);

  gtk_drop_down_set_model (self->status_filter, statuses);

  /* In TgReportSort order. */
  gtk_string_list_append (sorts, _("Recently edited"));
  gtk_string_list_append (sorts, _("Newest incident"));
  gtk_string_list_append (sorts, _("Oldest incident"));
  gtk_string_list_append (sorts, _("Title"));
  gtk_drop_down_set_model (self->sort_filter, G_LIST_MODEL (sorts));

  g_signal_connect_swapped (self->category_filter, "notify::selected", G_CALLBACK (control_changed_cb), self);
  g_signal_connect_swapped (self->status_filter, "notify::selected", G_CALLBACK (control_changed_cb), self);
  g_signal_connect_swapped (self->sort_filter, "notify::selected", G_CALLBACK (control_changed_cb), self);
  g_signal_connect_swapped (self->region_filter, "changed", G_CALLBACK (control_changed_cb), self);
  g_signal_connect_swapped (self->from_filter, "changed", G_CALLBACK (control_changed_cb), self);
  g_signal_connect_swapped (self->until_filter, "changed", G_CALLBACK (control_changed_cb), self);
  g_signal_connect_swapped (self->conflict_filter, "toggled", G_CALLBACK (control_changed_cb), self);
}

/* Public API ------------------------------------------------------------ */

GtkWidget *
tg_report_filters_new (void)
{
  return g_object_new (TG_TYPE_REPORT_FILTERS, NULL);
}

void
tg_report_filters_set_categories (TgReportFilters *self,
                                  GListModel      *categories)
{
  g_autoptr(GListModel) labels = NULL;

  g_return_if_fail (TG_IS_REPORT_FILTERS (self));
  g_return_if_fail (categories == NULL || G_IS_LIST_MODEL (categories));

  g_set_object (&self->categories, categories);
  labels = tg_list_filters_category_model (categories);
  gtk_drop_down_set_model (self->category_filter, labels);
}

void
tg_report_filters_set_search_text (TgReportFilters *self,
                                   const char      *text)
{
  g_return_if_fail (TG_IS_REPORT_FILTERS (self));

  g_free (self->search_text);
  self->search_text = g_strdup (text);
  g_signal_emit (self, signals[CHANGED], 0);
}

void
tg_report_filters_reset (TgReportFilters *self)
{
  g_return_if_fail (TG_IS_REPORT_FILTERS (self));

  self->resetting = TRUE;
  gtk_drop_down_set_selected (self->category_filter, 0);
  gtk_drop_down_set_selected (self->status_filter, 0);
  gtk_drop_down_set_selected (self->sort_filter, 0);
  gtk_editable_set_text (GTK_EDITABLE (self->region_filter), "");
  gtk_editable_set_text (GTK_EDITABLE (self->from_filter), "");
  gtk_editable_set_text (GTK_EDITABLE (self->until_filter), "");
  gtk_check_button_set_active (self->conflict_filter, FALSE);
  self->resetting = FALSE;
  control_changed_cb (self);
}

TgReportQuery *
tg_report_filters_get_query (TgReportFilters *self)
{
  TgReportQuery *query;
  const char *region;
  guint category, status;

  g_return_val_if_fail (TG_IS_REPORT_FILTERS (self), NULL);

  query = tg_report_query_new ();
  region = gtk_editable_get_text (GTK_EDITABLE (self->region_filter));
  category = gtk_drop_down_get_selected (self->category_filter);
  status = gtk_drop_down_get_selected (self->status_filter);

  query->text = (self->search_text && *self->search_text) ? g_strdup (self->search_text) : NULL;
  query->region_code = *region ? g_strstrip (g_strdup (region)) : NULL;
  if (category != GTK_INVALID_LIST_POSITION && category > 0 && self->categories != NULL)
    {
      g_autoptr(TgVocabularyEntry) entry = g_list_model_get_item (self->categories, category - 1);

      if (entry != NULL)
        query->category = g_strdup (tg_vocabulary_entry_get_code (entry));
    }
  query->status = (status == GTK_INVALID_LIST_POSITION || status == 0) ? -1 : (int) status - 1;
  query->only_conflicts = gtk_check_button_get_active (self->conflict_filter);
  query->sort = gtk_drop_down_get_selected (self->sort_filter);
  if ((guint) query->sort > TG_REPORT_SORT_TITLE)
    query->sort = TG_REPORT_SORT_UPDATED_DESC;

  if (!tg_list_filters_parse_day (gtk_editable_get_text (GTK_EDITABLE (self->from_filter)),
                                  &query->start_from, FALSE) ||
      !tg_list_filters_parse_day (gtk_editable_get_text (GTK_EDITABLE (self->until_filter)),
                                  &query->start_until, TRUE))
    query->start_from = query->start_until = 0;
  return query;
}
