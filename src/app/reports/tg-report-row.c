/* tg-report-row.c — one report in the list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-report-row"

#include "config.h"

#include <glib/gi18n.h>

#include "tg-report-row.h"
#include "tg-sync-badge.h"
#include "tg-ui-util.h"

#define MAX_CHIPS 3

/* The rows a factory has bound, by report id, so that one handler of the
 * store's "report-sync-changed" reaches the one row showing that report
 * (the list may hold 100,000 reports; only the bound rows, a few hundred,
 * are in here), and the vocabulary that names their categories. Shared by
 * the factory and its rows. */
typedef struct
{
  TgStore    *store;
  GListModel *categories;
  gulong      handler;
  GHashTable *rows;     /* report id (the row's own string) → TgReportRow */
} RowTracker;

struct _TgReportRow
{
  GtkWidget  parent_instance;

  GtkLabel  *title_label;
  GtkLabel  *subtitle_label;
  GtkWidget *conflict_badge;
  GtkImage  *sync_icon;
  GtkLabel  *status_label;
  GtkBox    *chips_box;
  char      *report_id;
  char      *sentence;     /* title, place · date, status */
  gboolean   has_conflict; /* as the bound report says */
  RowTracker *tracker;
};

G_DEFINE_FINAL_TYPE (TgReportRow, tg_report_row, GTK_TYPE_WIDGET)

static void update_sync_state (TgReportRow *self);

static void
row_tracker_free (RowTracker *tracker)
{
  g_clear_signal_handler (&tracker->handler, tracker->store);
  g_clear_object (&tracker->store);
  g_clear_object (&tracker->categories);
  g_hash_table_unref (tracker->rows);
}

static RowTracker *
row_tracker_ref (RowTracker *tracker)
{
  return g_rc_box_acquire (tracker);
}

static void
row_tracker_unref (RowTracker *tracker)
{
  g_rc_box_release_full (tracker, (GDestroyNotify) row_tracker_free);
}

static void
sync_changed_cb (TgStore    *store,
                 const char *report_id,
                 RowTracker *tracker)
{
  TgReportRow *row = g_hash_table_lookup (tracker->rows, report_id);

  if (row != NULL)
    update_sync_state (row);
}

static void
untrack (TgReportRow *self)
{
  if (self->tracker != NULL && self->report_id != NULL &&
      g_hash_table_lookup (self->tracker->rows, self->report_id) == self)
    g_hash_table_remove (self->tracker->rows, self->report_id);
}

/* The state shown: the store's (one indexed lookup), or a conflict the
 * bound report itself knows of. */
static void
update_sync_state (TgReportRow *self)
{
  TgReportSyncState state = TG_REPORT_SYNC_LOCAL_ONLY;
  g_autofree char *sentence = NULL;
  GtkWidget *cell;
  gboolean conflict;

  if (self->report_id == NULL)
    return;
  if (self->tracker != NULL && self->tracker->store != NULL)
    state = tg_store_get_report_sync_state (self->tracker->store, self->report_id);
  conflict = state == TG_REPORT_SYNC_CONFLICT || self->has_conflict;
  if (conflict)
    state = TG_REPORT_SYNC_CONFLICT;

  gtk_widget_set_visible (self->conflict_badge, conflict);
  gtk_widget_set_visible (GTK_WIDGET (self->sync_icon), !conflict);
  if (!conflict)
    tg_sync_badge_apply (self->sync_icon, state);

  /* One sentence for screen readers and AT-SPI tools, and what the state
   * means as the description (on the row and on the list's cell, which
   * is what a screen reader lands on). */
  sentence = g_strdup_printf ("%s, %s", self->sentence ? self->sentence : "",
                              conflict ? _("conflict") : tg_sync_badge_label (state));
  tg_ui_set_accessible_label (GTK_WIDGET (self), sentence);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, tg_sync_badge_description (state),
                                  -1);
  cell = gtk_widget_get_parent (GTK_WIDGET (self));
  if (cell != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (cell),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, tg_sync_badge_description (state),
                                    -1);
}

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          RowTracker               *tracker)
{
  TgReportRow *row = TG_REPORT_ROW (tg_report_row_new ());

  row->tracker = row_tracker_ref (tracker);
  gtk_list_item_set_child (item, GTK_WIDGET (row));
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

  setup_cell (item, row);
  tg_report_row_set_report (TG_REPORT_ROW (row), gtk_list_item_get_item (item));
}

static void
unbind_cb (GtkSignalListItemFactory *factory,
           GtkListItem              *item)
{
  GtkWidget *row = gtk_list_item_get_child (item);

  if (row != NULL)
    untrack (TG_REPORT_ROW (row));
}

static void
tg_report_row_dispose (GObject *object)
{
  GtkWidget *child;

  TgReportRow *self = TG_REPORT_ROW (object);

  untrack (self);
  g_clear_pointer (&self->report_id, g_free);
  g_clear_pointer (&self->sentence, g_free);
  g_clear_pointer (&self->tracker, row_tracker_unref);
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
  gtk_widget_class_bind_template_child (widget_class, TgReportRow, sync_icon);
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

  untrack (self);
  g_free (self->report_id);
  self->report_id = report ? g_strdup (tg_report_get_id (report)) : NULL;
  if (report == NULL)
    return;
  if (self->tracker != NULL)
    g_hash_table_replace (self->tracker->rows, self->report_id, self);

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
        chip = gtk_label_new (tg_ui_vocabulary_label (self->tracker ? self->tracker->categories : NULL,
                                                     categories[i]));
      gtk_label_set_ellipsize (GTK_LABEL (chip), PANGO_ELLIPSIZE_END);
      gtk_widget_add_css_class (chip, "tg-chip");
      gtk_box_append (self->chips_box, chip);
      if (n > MAX_CHIPS)
        break;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->chips_box), n > 0);

  g_string_append_printf (accessible, "%s, %s, %s", title, subtitle->str,
                          tg_ui_status_label (tg_report_get_status (report)));
  g_free (self->sentence);
  self->sentence = g_string_free (g_steal_pointer (&accessible), FALSE);
  self->has_conflict = tg_report_has_conflict (report);
  update_sync_state (self);
}

GtkListItemFactory *
tg_report_row_factory_new (TgStore    *store,
                           GListModel *categories)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  RowTracker *tracker = g_rc_box_new0 (RowTracker);

  g_return_val_if_fail (store == NULL || TG_IS_STORE (store), NULL);

  tracker->rows = g_hash_table_new (g_str_hash, g_str_equal);
  g_set_object (&tracker->categories, categories);
  if (store != NULL)
    {
      tracker->store = g_object_ref (store);
      tracker->handler = g_signal_connect (store, "report-sync-changed",
                                           G_CALLBACK (sync_changed_cb), tracker);
    }
  g_signal_connect_data (factory, "setup", G_CALLBACK (setup_cb),
                         tracker, (GClosureNotify) row_tracker_unref, 0);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cb), NULL);
  return factory;
}

gboolean
tg_report_row_get_conflict_shown (TgReportRow *self)
{
  g_return_val_if_fail (TG_IS_REPORT_ROW (self), FALSE);
  return gtk_widget_get_visible (self->conflict_badge);
}

TgReportSyncState
tg_report_row_get_sync_state_shown (TgReportRow *self)
{
  const char *icon;

  g_return_val_if_fail (TG_IS_REPORT_ROW (self), TG_REPORT_SYNC_LOCAL_ONLY);
  if (gtk_widget_get_visible (self->conflict_badge))
    return TG_REPORT_SYNC_CONFLICT;
  icon = gtk_image_get_icon_name (self->sync_icon);
  for (TgReportSyncState s = TG_REPORT_SYNC_LOCAL_ONLY; s <= TG_REPORT_SYNC_CONFLICT; s++)
    if (g_strcmp0 (icon, tg_sync_badge_icon_name (s)) == 0)
      return s;
  return TG_REPORT_SYNC_LOCAL_ONLY;
}

const char *
tg_report_row_get_report_id (TgReportRow *self)
{
  g_return_val_if_fail (TG_IS_REPORT_ROW (self), NULL);
  return self->report_id;
}
