/* tg-report-row.c — one report in the list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-report-row"

#include "config.h"

#include <glib/gi18n.h>

#include "tg-report-row.h"
#include "tg-ui-util.h"

#define MAX_CHIPS 3

struct _TgReportRow
{
  GtkWidget  parent_instance;

  GtkLabel  *title_label;
  GtkLabel  *subtitle_label;
  GtkWidget *conflict_badge;
  GtkLabel  *status_label;
  GtkBox    *chips_box;
  char      *report_id;
};

G_DEFINE_FINAL_TYPE (TgReportRow, tg_report_row, GTK_TYPE_WIDGET)

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *item)
{
  gtk_list_item_set_child (item, tg_report_row_new ());
}

static void
open_row_cb (GSimpleAction *action,
             GVariant      *param,
             GtkListItem   *item)
{
  GtkWidget *row = gtk_list_item_get_child (item);
  GtkWidget *view = row ? gtk_widget_get_ancestor (row, GTK_TYPE_LIST_VIEW) : NULL;
  guint position = gtk_list_item_get_position (item);

  if (view != NULL && position != GTK_INVALID_LIST_POSITION)
    g_signal_emit_by_name (view, "activate", position);
}

/* The list view's cell around a row (GTK 4.8's list item widget) is what
 * a screen reader lands on: it gets the row's sentence as its name, and an
 * action that opens the report (as Enter or a double click does). */
static void
setup_cell (GtkListItem *item,
            GtkWidget   *row)
{
  GtkWidget *cell = gtk_widget_get_parent (row);
  g_autoptr(GSimpleActionGroup) group = NULL;
  g_autoptr(GSimpleAction) open = NULL;

  if (cell == NULL || g_object_get_data (G_OBJECT (cell), "tg-report-cell") != NULL)
    return;
  g_object_set_data (G_OBJECT (cell), "tg-report-cell", GINT_TO_POINTER (1));

  group = g_simple_action_group_new ();
  open = g_simple_action_new ("open", NULL);
  g_signal_connect_object (open, "activate", G_CALLBACK (open_row_cb), item, 0);
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (open));
  gtk_widget_insert_action_group (cell, "row", G_ACTION_GROUP (group));
  gtk_accessible_update_relation (GTK_ACCESSIBLE (cell),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, row, NULL,
                                  -1);
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *item)
{
  GtkWidget *row = gtk_list_item_get_child (item);

  tg_report_row_set_report (TG_REPORT_ROW (row), gtk_list_item_get_item (item));
  setup_cell (item, row);
}

static void
tg_report_row_dispose (GObject *object)
{
  GtkWidget *child;

  g_clear_pointer (&TG_REPORT_ROW (object)->report_id, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (object), TG_TYPE_REPORT_ROW);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))))
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (tg_report_row_parent_class)->dispose (object);
}

static void
tg_report_row_class_init (TgReportRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tg_report_row_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/testigo/Testigo/tg-report-row.ui");
  gtk_widget_class_bind_template_child (widget_class, TgReportRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, TgReportRow, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, TgReportRow, conflict_badge);
  gtk_widget_class_bind_template_child (widget_class, TgReportRow, status_label);
  gtk_widget_class_bind_template_child (widget_class, TgReportRow, chips_box);
}

static void
tg_report_row_init (TgReportRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
tg_report_row_new (void)
{
  return g_object_new (TG_TYPE_REPORT_ROW, NULL);
}

void
tg_report_row_set_report (TgReportRow *self,
                          TgReport    *report)
{
  g_autoptr(GString) subtitle = g_string_new (NULL);
  g_autoptr(GString) accessible = g_string_new (NULL);
  g_autofree char *date = NULL;
  const char *title, *place;
  const char * const *categories;
  GtkWidget *child;
  guint n = 0;

  g_return_if_fail (TG_IS_REPORT_ROW (self));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->chips_box))))
    gtk_box_remove (self->chips_box, child);

  g_free (self->report_id);
  self->report_id = report ? g_strdup (tg_report_get_id (report)) : NULL;
  if (report == NULL)
    return;

  title = tg_report_get_title (report);
  if (title == NULL || *title == '\0')
    title = _("Untitled report");
  gtk_label_set_text (self->title_label, title);

  place = tg_report_get_place_name (report);
  if (place != NULL && *place != '\0')
    g_string_append (subtitle, place);
  date = tg_ui_format_date (tg_report_get_start (report), tg_report_get_date_precision (report));
  if (date != NULL)
    g_string_append_printf (subtitle, "%s%s", subtitle->len ? " · " : "", date);
  if (subtitle->len == 0)
    g_string_append (subtitle, _("No place or date yet"));
  gtk_label_set_text (self->subtitle_label, subtitle->str);

  gtk_label_set_text (self->status_label, tg_ui_status_label (tg_report_get_status (report)));
  gtk_widget_set_visible (self->conflict_badge, tg_report_has_conflict (report));

  categories = tg_report_get_categories (report);
  for (guint i = 0; categories != NULL && categories[i] != NULL; i++)
    {
      GtkWidget *chip;

      if (n++ == MAX_CHIPS)
        {
          g_autofree char *more = g_strdup_printf ("+%u", g_strv_length ((char **) categories) - MAX_CHIPS);

          chip = gtk_label_new (more);
        }
      else
        chip = gtk_label_new (tg_ui_vocabulary_label (TG_VOCABULARY_CATEGORIES, categories[i]));
      gtk_label_set_ellipsize (GTK_LABEL (chip), PANGO_ELLIPSIZE_END);
      gtk_widget_add_css_class (chip, "tg-chip");
      gtk_box_append (self->chips_box, chip);
      if (n > MAX_CHIPS)
        break;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->chips_box), n > 0);

  /* One sentence for screen readers and AT-SPI tools. */
  g_string_append_printf (accessible, "%s, %s, %s", title, subtitle->str,
                          tg_ui_status_label (tg_report_get_status (report)));
  if (tg_report_has_conflict (report))
    g_string_append_printf (accessible, ", %s", _("conflict"));
  tg_ui_set_accessible_label (GTK_WIDGET (self), accessible->str);
}

GtkListItemFactory *
tg_report_row_factory_new (void)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), NULL);
  return factory;
}

const char *
tg_report_row_get_report_id (TgReportRow *self)
{
  g_return_val_if_fail (TG_IS_REPORT_ROW (self), NULL);
  return self->report_id;
}
