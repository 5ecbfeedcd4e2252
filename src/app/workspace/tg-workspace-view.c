/* tg-workspace-view.c — the coordinator's workspace
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-workspace-view"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "tg-dedupe.h"
#include "tg-incident-editor.h"
#include "tg-incident-resolver.h"
#include "tg-merge-view.h"
#include "tg-review-queue.h"
#include "tg-ui-util.h"
#include "tg-workspace-filters.h"
#include "tg-workspace-util.h"
#include "tg-workspace-view.h"

/* TgIncidentItem and TgReportItem ----------------------------------------- */

struct _TgIncidentItem
{
  GObject            parent_instance;
  TgIncidentSummary *summary;
};

G_DEFINE_FINAL_TYPE (TgIncidentItem, tg_incident_item, G_TYPE_OBJECT)

static void
tg_incident_item_finalize (GObject *object)
{
  g_clear_pointer (&TG_INCIDENT_ITEM (object)->summary, tg_incident_summary_free);
  G_OBJECT_CLASS (tg_incident_item_parent_class)->finalize (object);
}

static void
tg_incident_item_class_init (TgIncidentItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tg_incident_item_finalize;
}

static void
tg_incident_item_init (TgIncidentItem *self)
{
}

const TgIncidentSummary *
tg_incident_item_get_summary (TgIncidentItem *self)
{
  g_return_val_if_fail (TG_IS_INCIDENT_ITEM (self), NULL);
  return self->summary;
}

#define TG_TYPE_REPORT_ITEM (tg_report_item_get_type ())
G_DECLARE_FINAL_TYPE (TgReportItem, tg_report_item, TG, REPORT_ITEM, GObject)

struct _TgReportItem
{
  GObject            parent_instance;
  TgWorkspaceReport *row;
};

G_DEFINE_FINAL_TYPE (TgReportItem, tg_report_item, G_TYPE_OBJECT)

static void
tg_report_item_finalize (GObject *object)
{
  g_clear_pointer (&TG_REPORT_ITEM (object)->row, tg_workspace_report_free);
  G_OBJECT_CLASS (tg_report_item_parent_class)->finalize (object);
}

static void
tg_report_item_class_init (TgReportItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tg_report_item_finalize;
}

static void
tg_report_item_init (TgReportItem *self)
{
}

/* TgWorkspaceView ---------------------------------------------------------- */

#define REFRESH_DELAY_MS 300

struct _TgWorkspaceView
{
  GtkWidget              parent_instance;

  TgStore               *store;
  TgWorkspace           *workspace;
  GCancellable          *cancellable;
  GListStore            *incidents;       /* TgIncidentItem */
  GListStore            *reports;         /* TgReportItem, as filtered */
  GtkMultiSelection     *report_selection;
  GtkSingleSelection    *incident_selection;
  guint                  refresh_source;
  char                  *show_when_listed; /* an incident to select once listed */
  GHashTable            *titles;           /* report id → title, for the queue */

  GtkWidget             *box;
  AdwHeaderBar          *header;
  AdwViewSwitcherTitle  *switcher_title;
  GtkWidget             *back_button;
  TgWorkspaceFilters    *filters;
  AdwViewStack          *pages;
  GtkStack              *queue_stack;
  TgReviewQueue         *queue;
  TgMergeView           *merge_view;
  GtkStack              *incident_list_stack;
  GtkListView           *incident_list;
  GtkStack              *editor_stack;
  TgIncidentEditor      *incident_editor;
  GtkLabel              *reports_summary;
  GtkColumnView         *report_table;
  GtkWidget             *merge_selected_button;
  AdwViewSwitcherBar    *switcher_bar;
};

G_DEFINE_FINAL_TYPE (TgWorkspaceView, tg_workspace_view, GTK_TYPE_WIDGET)

enum {
  BACK,
  SHOW_MESSAGE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void refresh_queue (TgWorkspaceView *self);

/* Helpers --------------------------------------------------------------- */

static void
load_css (void)
{
  static gboolean done;
  GdkDisplay *display = gdk_display_get_default ();
  g_autoptr(GtkCssProvider) provider = NULL;

  if (done || display == NULL)
    return;
  done = TRUE;
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, "/io/github/testigo/Testigo/tg-workspace.css");
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

static void
toast (TgWorkspaceView *self,
       const char      *text)
{
  g_signal_emit (self, signals[SHOW_MESSAGE], 0, text);
}

static TgWorkspaceFilter *
filter_from_controls (TgWorkspaceView *self)
{
  TgWorkspaceFilter *filter = tg_workspace_filter_new ();
  g_autofree char *region = tg_workspace_filters_dup_region (self->filters);
  guint dashes = 0;

  filter->device_id = g_strdup (tg_workspace_filters_get_monitor (self->filters));
  /* A code with a province part ("PE-PUN-SR": three parts) is a province. */
  for (const char *c = region; c != NULL && *c != '\0'; c++)
    dashes += *c == '-';
  if (dashes >= 2)
    filter->province_code = g_steal_pointer (&region);
  else
    filter->region_code = g_steal_pointer (&region);
  filter->start_from = tg_workspace_filters_get_from (self->filters);
  filter->start_until = tg_workspace_filters_get_until (self->filters);
  filter->category = g_strdup (tg_workspace_filters_get_category (self->filters));
  filter->report_status = tg_workspace_filters_get_status (self->filters);
  filter->not_in_incident = tg_workspace_filters_get_unmerged (self->filters);
  return filter;
}

static char *
incident_line (const TgIncidentSummary *summary)
{
  g_autoptr(GString) line = g_string_new (tg_incident_status_get_label (summary->status));

  g_string_append (line, " · ");
  g_string_append_printf (line, g_dngettext (GETTEXT_PACKAGE, "%u report", "%u reports", summary->n_members),
                          summary->n_members);
  if (summary->killed_figure >= 0)
    g_string_append_printf (line, " · %s %d", tg_incident_count_get_label (TG_INCIDENT_COUNT_KILLED),
                            summary->killed_figure);
  else if (summary->killed_min >= 0 && summary->killed_min != summary->killed_max)
    g_string_append_printf (line, " · %s %d–%d", tg_incident_count_get_label (TG_INCIDENT_COUNT_KILLED),
                            summary->killed_min, summary->killed_max);
  else if (summary->killed_min >= 0)
    g_string_append_printf (line, " · %s %d", tg_incident_count_get_label (TG_INCIDENT_COUNT_KILLED),
                            summary->killed_min);
  if (summary->n_tombstoned > 0)
    {
      g_string_append (line, " · ");
      g_string_append_printf (line, g_dngettext (GETTEXT_PACKAGE, "%u deleted by its monitor",
                                                 "%u deleted by their monitors", summary->n_tombstoned),
                              summary->n_tombstoned);
    }
  if (summary->n_heads > 1 || summary->n_shared > 0)
    {
      g_string_append (line, " · ");
      g_string_append (line, _("conflict"));
    }
  return g_string_free (g_steal_pointer (&line), FALSE);
}

/* The incident list's rows -------------------------------------------------- */

static void
incident_setup_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *item)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *line = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (line), 0);
  gtk_label_set_wrap (GTK_LABEL (line), TRUE);
  gtk_widget_add_css_class (title, "heading");
  gtk_widget_add_css_class (line, "dim-label");
  gtk_widget_add_css_class (line, "caption");
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), line);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_list_item_set_child (item, box);
}

static void
open_incident_cb (GSimpleAction *action,
                  GVariant      *param,
                  GtkListItem   *item)
{
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *view = box ? gtk_widget_get_ancestor (box, GTK_TYPE_LIST_VIEW) : NULL;
  guint position = gtk_list_item_get_position (item);

  if (view != NULL && position != GTK_INVALID_LIST_POSITION)
    g_signal_emit_by_name (view, "activate", position);
}

/* The list view's cell is what a screen reader lands on: it gets the
 * incident's sentence and an action that opens it ("row.open"), as a
 * click or Enter does. */
static void
setup_incident_cell (GtkListItem *item,
                     GtkWidget   *cell)
{
  g_autoptr(GSimpleActionGroup) group = NULL;
  g_autoptr(GSimpleAction) open = NULL;

  if (cell == NULL || g_object_get_data (G_OBJECT (cell), "tg-incident-cell") != NULL)
    return;
  g_object_set_data (G_OBJECT (cell), "tg-incident-cell", GINT_TO_POINTER (1));
  group = g_simple_action_group_new ();
  open = g_simple_action_new ("open", NULL);
  g_signal_connect_object (open, "activate", G_CALLBACK (open_incident_cb), item, 0);
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (open));
  gtk_widget_insert_action_group (cell, "row", G_ACTION_GROUP (group));
}

static void
incident_bind_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *item)
{
  TgIncidentItem *incident = gtk_list_item_get_item (item);
  GtkWidget *box = gtk_list_item_get_child (item);
  const TgIncidentSummary *summary = incident->summary;
  const char *title = summary->title && *summary->title ? summary->title : _("Untitled incident");
  g_autofree char *line = incident_line (summary);
  g_autofree char *sentence = g_strdup_printf ("%s, %s", title, line);
  GtkWidget *cell = gtk_widget_get_parent (box);

  gtk_label_set_text (GTK_LABEL (gtk_widget_get_first_child (box)), title);
  gtk_label_set_text (GTK_LABEL (gtk_widget_get_last_child (box)), line);
  tg_ui_set_accessible_label (box, sentence);
  if (cell != NULL)
    {
      setup_incident_cell (item, cell);
      tg_ui_set_accessible_label (cell, sentence);
    }
}

/* The reports table's cells --------------------------------------------------- */

typedef enum {
  REPORT_TITLE,
  REPORT_WHERE,
  REPORT_MONITOR,
  REPORT_STATUS,
  REPORT_INCIDENT,
} ReportColumn;

static void
report_setup_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 gpointer                  column)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_margin_top (label, 4);
  gtk_widget_set_margin_bottom (label, 4);
  if (GPOINTER_TO_INT (column) != REPORT_TITLE)
    gtk_widget_add_css_class (label, "dim-label");
  gtk_list_item_set_child (item, label);
}

static void
report_bind_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                gpointer                  column)
{
  TgReportItem *report = gtk_list_item_get_item (item);
  GtkLabel *label = GTK_LABEL (gtk_list_item_get_child (item));
  const TgWorkspaceReport *row = report->row;
  g_autofree char *text = NULL;

  switch (GPOINTER_TO_INT (column))
    {
    case REPORT_TITLE:
      text = g_strdup (row->title && *row->title ? row->title : _("Untitled report"));
      break;
    case REPORT_WHERE:
      text = tg_workspace_report_line (row->place_name, row->start);
      break;
    case REPORT_MONITOR:
      /* Devices are named by their id; the first 8 digits tell them apart. */
      text = g_strndup (row->device_id ? row->device_id : "", 8);
      break;
    case REPORT_STATUS:
      text = g_strdup (tg_ui_status_label (row->report_status));
      break;
    case REPORT_INCIDENT:
    default:
      text = row->incident_id ? g_strdup (tg_incident_status_get_label (row->incident_status))
                              : g_strdup (_("Not in an incident"));
      break;
    }
  gtk_label_set_text (label, text);
  if (GPOINTER_TO_INT (column) == REPORT_TITLE)
    {
      GtkWidget *cell = gtk_widget_get_parent (GTK_WIDGET (label));
      GtkWidget *table_row = cell ? gtk_widget_get_parent (cell) : NULL;
      g_autofree char *where = tg_workspace_report_line (row->place_name, row->start);
      g_autofree char *sentence = g_strdup_printf ("%s, %s, %s", text, where,
                                                   row->incident_id ? _("in an incident") : _("not in an incident"));

      if (table_row != NULL)
        tg_ui_set_accessible_label (table_row, sentence);
    }
}

/* The first column: a check box per report, ticked while the report is
 * selected, so that reports can be chosen for Merge Selected without Ctrl
 * or Shift, by keyboard, pointer or screen reader alike. */
static void
report_check_toggled_cb (GtkCheckButton  *check,
                         TgWorkspaceView *self)
{
  GtkListItem *item = g_object_get_data (G_OBJECT (check), "tg-list-item");
  guint position = item ? gtk_list_item_get_position (item) : GTK_INVALID_LIST_POSITION;
  gboolean active = gtk_check_button_get_active (check);

  if (position == GTK_INVALID_LIST_POSITION || active == gtk_list_item_get_selected (item))
    return;
  if (active)
    gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->report_selection), position, FALSE);
  else
    gtk_selection_model_unselect_item (GTK_SELECTION_MODEL (self->report_selection), position);
}

static void
report_check_setup_cb (GtkSignalListItemFactory *factory,
                       GtkListItem              *item,
                       TgWorkspaceView          *self)
{
  GtkWidget *check = gtk_check_button_new ();

  g_object_set_data (G_OBJECT (check), "tg-list-item", item);
  g_object_bind_property (item, "selected", check, "active", G_BINDING_SYNC_CREATE);
  g_signal_connect (check, "toggled", G_CALLBACK (report_check_toggled_cb), self);
  gtk_list_item_set_child (item, check);
}

static void
report_check_bind_cb (GtkSignalListItemFactory *factory,
                      GtkListItem              *item,
                      TgWorkspaceView          *self)
{
  TgReportItem *report = gtk_list_item_get_item (item);
  const char *title = report->row->title && *report->row->title ? report->row->title : _("Untitled report");
  /* TRANSLATORS: the check box of a report in the workspace's table */
  g_autofree char *name = g_strdup_printf (_("Select “%s” to merge"), title);

  tg_ui_set_accessible_label (gtk_list_item_get_child (item), name);
}

static void
add_report_check_column (TgWorkspaceView *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *col;

  g_signal_connect (factory, "setup", G_CALLBACK (report_check_setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (report_check_bind_cb), self);
  col = gtk_column_view_column_new (NULL, factory);
  gtk_column_view_append_column (self->report_table, col);
  g_object_unref (col);
}

static void
add_report_column (TgWorkspaceView *self,
                   const char      *title,
                   ReportColumn     column,
                   gboolean         expand)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *col;

  g_signal_connect (factory, "setup", G_CALLBACK (report_setup_cb), GINT_TO_POINTER (column));
  g_signal_connect (factory, "bind", G_CALLBACK (report_bind_cb), GINT_TO_POINTER (column));
  col = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_expand (col, expand);
  gtk_column_view_column_set_resizable (col, TRUE);
  gtk_column_view_append_column (self->report_table, col);
  g_object_unref (col);
}

/* Reading the lists on worker threads ------------------------------------ */

static void
select_incident (TgWorkspaceView *self,
                 const char      *incident_id)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->incidents));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TgIncidentItem) item = g_list_model_get_item (G_LIST_MODEL (self->incidents), i);

      if (g_strcmp0 (item->summary->incident_id, incident_id) == 0)
        {
          gtk_single_selection_set_selected (self->incident_selection, i);
          return;
        }
    }
}

/* The tabs below @top that show the page called @title (the view
 * switchers of the header bar and of the bottom bar) say @description,
 * as their tooltip and to a screen reader, or nothing when it is NULL. */
static void
describe_tabs (GtkWidget  *top,
               const char *title,
               const char *description)
{
  for (GtkWidget *child = gtk_widget_get_first_child (top); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_TOGGLE_BUTTON (child) &&
          gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (child)) == GTK_ACCESSIBLE_ROLE_TAB)
        {
          g_autofree char *label = NULL;

          g_object_get (child, "label", &label, NULL);
          if (g_strcmp0 (label, title) != 0)
            continue;
          gtk_widget_set_tooltip_text (child, description);
          if (description != NULL)
            gtk_accessible_update_property (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                            description, -1);
          else
            gtk_accessible_reset_property (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
        }
      else
        describe_tabs (child, title, description);
    }
}

/* The Incidents page's badge (its number, and its dot) is drawn only:
 * libadwaita 1.2 gives a screen reader nothing of it. Its tabs say it. */
static void
describe_attention (TgWorkspaceView *self,
                    guint            n)
{
  GtkWidget *child = adw_view_stack_get_child_by_name (self->pages, "incidents");
  AdwViewStackPage *page = child ? adw_view_stack_get_page (self->pages, child) : NULL;
  g_autofree char *description = NULL;

  if (page == NULL)
    return;
  if (n > 0)
    description = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u incident needs attention",
                                                "%u incidents need attention", n), n);
  describe_tabs (GTK_WIDGET (self->switcher_title), adw_view_stack_page_get_title (page), description);
  describe_tabs (GTK_WIDGET (self->switcher_bar), adw_view_stack_page_get_title (page), description);
}

static void
incidents_listed_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  TgWorkspaceView *self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = tg_workspace_list_incidents_finish (TG_WORKSPACE (object), result, &error);
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = TG_WORKSPACE_VIEW (user_data);
  if (rows == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The incidents could not be read: %s"), error->message);

      toast (self, text);
      return;
    }
  for (guint i = 0; i < rows->len; i++)
    {
      TgIncidentItem *item = g_object_new (TG_TYPE_INCIDENT_ITEM, NULL);

      item->summary = tg_incident_summary_copy (g_ptr_array_index (rows, i));
      g_ptr_array_add (items, item);
    }
  g_list_store_splice (self->incidents, 0, g_list_model_get_n_items (G_LIST_MODEL (self->incidents)),
                       items->pdata, items->len);
  gtk_stack_set_visible_child_name (self->incident_list_stack, items->len > 0 ? "list" : "empty");
  /* Incidents in conflict: a badge on the Incidents page (tg-incident-resolver.c). */
  describe_attention (self, tg_incident_resolver_flag_attention (self->pages, "incidents", rows));

  /* Keep the incident open selected (the list was replaced). */
  if (self->show_when_listed != NULL)
    {
      g_autofree char *id = g_steal_pointer (&self->show_when_listed);

      select_incident (self, id);
    }
  else if (tg_incident_editor_get_incident_id (self->incident_editor) != NULL)
    select_incident (self, tg_incident_editor_get_incident_id (self->incident_editor));
}

/* The monitor filter offers every monitor whose reports the store holds
 * (not only those the other filters let through, so that filters kept
 * from the last run find their monitor), plus the one chosen. */
static void
monitors_listed_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  TgWorkspaceView *self;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) listed = tg_workspace_list_monitors_finish (TG_WORKSPACE (object), result, &error);
  g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) copy = NULL;
  const char *chosen;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = TG_WORKSPACE_VIEW (user_data);
  if (listed == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The reports could not be read: %s"), error->message);

      toast (self, text);
      return;
    }
  g_strv_builder_addv (ids, (const char **) listed);
  chosen = tg_workspace_filters_get_monitor (self->filters);
  if (chosen != NULL && !g_strv_contains ((const char * const *) listed, chosen))
    g_strv_builder_add (ids, chosen);
  /* set_monitors may free the chosen id: the list is a copy. */
  copy = g_strv_builder_end (ids);
  for (guint i = 0; copy[i] != NULL; i++)
    {
      /* TRANSLATORS: a monitor's device, by the first digits of its id */
      g_ptr_array_add (names, g_strdup_printf (_("Device %.8s"), copy[i]));
    }
  g_ptr_array_add (names, NULL);
  tg_workspace_filters_set_monitors (self->filters, (const char * const *) copy,
                                     (const char * const *) names->pdata);
}

static void
reports_listed_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  TgWorkspaceView *self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = tg_workspace_list_reports_finish (TG_WORKSPACE (object), result, &error);
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *summary = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = TG_WORKSPACE_VIEW (user_data);
  if (rows == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The reports could not be read: %s"), error->message);

      toast (self, text);
      return;
    }
  g_hash_table_remove_all (self->titles);
  for (guint i = 0; i < rows->len; i++)
    {
      TgReportItem *item = g_object_new (TG_TYPE_REPORT_ITEM, NULL);

      item->row = tg_workspace_report_copy (g_ptr_array_index (rows, i));
      g_hash_table_insert (self->titles, g_strdup (item->row->report_id), item);
      g_ptr_array_add (items, item);
    }
  g_list_store_splice (self->reports, 0, g_list_model_get_n_items (G_LIST_MODEL (self->reports)),
                       items->pdata, items->len);
  summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u report from every monitor",
                                          "%u reports from every monitor", rows->len), rows->len);
  if (tg_workspace_filters_get_active (self->filters))
    {
      g_free (summary);
      summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u report matches the filters",
                                              "%u reports match the filters", rows->len), rows->len);
    }
  gtk_label_set_text (self->reports_summary, summary);
  refresh_queue (self);
}

static gboolean
refresh_cb (gpointer user_data)
{
  TgWorkspaceView *self = user_data;
  g_autoptr(TgWorkspaceFilter) filter = NULL;

  self->refresh_source = 0;
  if (self->workspace == NULL)
    return G_SOURCE_REMOVE;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  filter = filter_from_controls (self);
  tg_workspace_list_reports_async (self->workspace, filter, self->cancellable, reports_listed_cb, self);
  tg_workspace_list_monitors_async (self->workspace, self->cancellable, monitors_listed_cb, self);
  tg_workspace_list_incidents_async (self->workspace, -1, self->cancellable, incidents_listed_cb, self);
  return G_SOURCE_REMOVE;
}

static void
queue_refresh (TgWorkspaceView *self)
{
  if (self->refresh_source == 0)
    self->refresh_source = g_timeout_add (REFRESH_DELAY_MS, refresh_cb, self);
}

/* The review queue ------------------------------------------------------- */

/* What the worker thread that finds the candidates needs. */
typedef struct
{
  TgWorkspace *workspace;
  GArray      *rowids;      /* of the reports listed and in no incident */
} QueueJob;

static void
queue_job_free (QueueJob *job)
{
  g_clear_object (&job->workspace);
  g_clear_pointer (&job->rowids, g_array_unref);
  g_free (job);
}

static gboolean
skip_dismissed (const char *report_a,
                const char *report_b,
                gpointer    user_data)
{
  g_autofree char *key = tg_workspace_pair_key (report_a, report_b);

  return g_hash_table_contains (user_data, key);
}

static TgQueueItem *
queue_item_new (TgReport                *a,
                TgReport                *b,
                const TgDedupeCandidate *candidate)
{
  g_autofree char *why = tg_dedupe_candidate_get_summary (candidate);
  g_autofree char *line_a = NULL;
  g_autofree char *line_b = NULL;
  GDateTime *start_a = tg_report_get_start (a);
  GDateTime *start_b = tg_report_get_start (b);

  line_a = tg_workspace_report_line (tg_report_get_place_name (a), start_a ? g_date_time_to_unix (start_a) : 0);
  line_b = tg_workspace_report_line (tg_report_get_place_name (b), start_b ? g_date_time_to_unix (start_b) : 0);
  return tg_queue_item_new (tg_report_get_id (a), tg_report_get_title (a), line_a,
                            tg_report_get_id (b), tg_report_get_title (b), line_b,
                            candidate->score, why);
}

/* Reads the reports, leaves out the pairs dismissed, scores the rest with
 * the dedupe engine, and makes the queue's items: all on a worker
 * thread. */
static void
find_candidates_thread (GTask        *task,
                        gpointer      source,
                        gpointer      task_data,
                        GCancellable *cancellable)
{
  QueueJob *job = task_data;
  TgStore *store = tg_workspace_get_store (job->workspace);
  g_autoptr(GPtrArray) reports = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) candidates = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) dismissed = NULL;
  GError *error = NULL;

  for (guint i = 0; i < job->rowids->len; i++)
    {
      TgReport *report = tg_store_load_report_by_rowid (store, g_array_index (job->rowids, gint64, i), NULL);

      /* A report changed meanwhile has a new row: the next refresh has it. */
      if (report != NULL)
        g_ptr_array_add (reports, report);
      if (g_cancellable_set_error_if_cancelled (cancellable, &error))
        {
          g_task_return_error (task, error);
          return;
        }
    }
  dismissed = tg_workspace_load_dismissed_pairs (job->workspace, &error);
  if (dismissed == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  candidates = tg_dedupe_find (reports, TG_DEDUPE_DEFAULT_THRESHOLD, skip_dismissed, dismissed,
                               cancellable, &error);
  if (candidates == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  for (guint i = 0; i < candidates->len; i++)
    {
      const TgDedupeCandidate *candidate = g_ptr_array_index (candidates, i);

      g_ptr_array_add (items, queue_item_new (g_ptr_array_index (reports, candidate->index_a),
                                              g_ptr_array_index (reports, candidate->index_b),
                                              candidate));
    }
  g_task_return_pointer (task, g_steal_pointer (&items), (GDestroyNotify) g_ptr_array_unref);
}

static void
candidates_found_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  TgWorkspaceView *self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = g_task_propagate_pointer (G_TASK (result), &error);
  g_autoptr(GListStore) store = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = TG_WORKSPACE_VIEW (object);
  tg_review_queue_set_busy (self->queue, FALSE, NULL);
  if (items == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The duplicates could not be looked for: %s"), error->message);

      toast (self, text);
      return;
    }
  store = g_list_store_new (TG_TYPE_QUEUE_ITEM);
  g_list_store_splice (store, 0, 0, items->pdata, items->len);
  tg_review_queue_set_items (self->queue, G_LIST_MODEL (store));
}

static void
refresh_queue (TgWorkspaceView *self)
{
  g_autoptr(GTask) task = NULL;
  QueueJob *job;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->reports));

  if (self->workspace == NULL)
    return;
  job = g_new0 (QueueJob, 1);
  job->workspace = g_object_ref (self->workspace);
  job->rowids = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TgReportItem) item = g_list_model_get_item (G_LIST_MODEL (self->reports), i);

      /* A report already in an incident joins it, it is not merged anew. */
      if (item->row->incident_id == NULL)
        g_array_append_val (job->rowids, item->row->rowid);
    }
  /* The first time only: later refreshes keep the pairs shown meanwhile. */
  if (tg_review_queue_get_n_items (self->queue) == 0)
    tg_review_queue_set_busy (self->queue, TRUE, _("Comparing the reports from every monitor."));
  task = g_task_new (self, self->cancellable, candidates_found_cb, NULL);
  g_task_set_source_tag (task, refresh_queue);
  g_task_set_task_data (task, job, (GDestroyNotify) queue_job_free);
  g_task_run_in_thread (task, find_candidates_thread);
}

/* Callbacks ------------------------------------------------------------- */

static void
back_clicked_cb (TgWorkspaceView *self)
{
  g_signal_emit (self, signals[BACK], 0);
}

static void
filters_changed_cb (TgWorkspaceView *self)
{
  queue_refresh (self);
}

static void
candidate_confirmed_cb (TgWorkspaceView *self,
                        TgQueueItem     *item)
{
  const char *ids[] = { tg_queue_item_get_id (item, 0), tg_queue_item_get_id (item, 1), NULL };

  g_object_set_data_full (G_OBJECT (self->merge_view), "tg-queue-item", g_object_ref (item), g_object_unref);
  tg_merge_view_load (self->merge_view, ids);
  gtk_stack_set_visible_child_name (self->queue_stack, "merge");
}

static void
candidate_dismissed_cb (TgWorkspaceView *self,
                        TgQueueItem     *item)
{
  g_autoptr(GError) error = NULL;

  /* One small indexed write (the pair and the two heads). */
  if (!tg_workspace_dismiss_pair (self->workspace, tg_queue_item_get_id (item, 0),
                                  tg_queue_item_get_id (item, 1), &error))
    {
      g_autofree char *text = g_strdup_printf (_("Not dismissed: %s"), error->message);

      toast (self, text);
      return;
    }
  tg_review_queue_remove (self->queue, item);
  toast (self, _("Pair dismissed: it comes back only if one of the reports changes"));
}

static void
merged_cb (TgWorkspaceView *self,
           const char      *incident_id)
{
  TgQueueItem *item = g_object_get_data (G_OBJECT (self->merge_view), "tg-queue-item");

  if (item != NULL)
    tg_review_queue_remove (self->queue, item);
  g_object_set_data (G_OBJECT (self->merge_view), "tg-queue-item", NULL);
  gtk_stack_set_visible_child_name (self->queue_stack, "queue");
  toast (self, _("Merged into a new incident"));
  tg_workspace_view_show_incident (self, incident_id);
  queue_refresh (self);
}

static void
merge_cancelled_cb (TgWorkspaceView *self)
{
  g_object_set_data (G_OBJECT (self->merge_view), "tg-queue-item", NULL);
  gtk_stack_set_visible_child_name (self->queue_stack, "queue");
  tg_review_queue_focus (self->queue);
}

static void
incident_activated_cb (TgWorkspaceView *self,
                       guint            position)
{
  g_autoptr(TgIncidentItem) item = g_list_model_get_item (G_LIST_MODEL (self->incidents), position);

  if (item == NULL)
    return;
  gtk_stack_set_visible_child_name (self->editor_stack, "editor");
  if (g_strcmp0 (tg_incident_editor_get_incident_id (self->incident_editor), item->summary->incident_id) != 0)
    tg_incident_editor_load (self->incident_editor, item->summary->incident_id);
}

static void
incident_selected_cb (TgWorkspaceView *self)
{
  guint position = gtk_single_selection_get_selected (self->incident_selection);

  if (position != GTK_INVALID_LIST_POSITION)
    incident_activated_cb (self, position);
}

static void
editor_message_cb (TgWorkspaceView *self,
                   const char      *text)
{
  toast (self, text);
}

static void
editor_changed_cb (TgWorkspaceView *self)
{
  queue_refresh (self);
}

static void
editor_dissolved_cb (TgWorkspaceView *self)
{
  gtk_stack_set_visible_child_name (self->editor_stack, "empty");
  queue_refresh (self);
}

static void
report_selection_changed_cb (TgWorkspaceView *self)
{
  g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->report_selection));

  gtk_widget_set_sensitive (self->merge_selected_button, gtk_bitset_get_size (selected) >= 2);
}

static void
joined_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(TgWorkspaceView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TgIncident) incident = tg_workspace_change_finish (TG_WORKSPACE (object), result, &error);
  g_autofree char *text = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (incident == NULL)
    text = g_strdup_printf (_("Not added to the incident: %s"), error->message);
  toast (self, text ? text : _("Added to the incident"));
  if (incident != NULL)
    tg_workspace_view_show_incident (self, tg_incident_get_id (incident));
}

static void
merge_selected_cb (TgWorkspaceView *self)
{
  g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->report_selection));
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) tg_workspace_report_free);
  g_autoptr(GPtrArray) free_ids = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  const char *target;
  GtkBitsetIter iter;
  guint position;

  for (gboolean ok = gtk_bitset_iter_init_first (&iter, selected, &position); ok;
       ok = gtk_bitset_iter_next (&iter, &position))
    {
      g_autoptr(TgReportItem) item = g_list_model_get_item (G_LIST_MODEL (self->reports), position);

      if (item != NULL)
        g_ptr_array_add (ids, g_strdup (item->row->report_id));
      if (item != NULL)
        g_ptr_array_add (rows, tg_workspace_report_copy (item->row));
    }
  if (ids->len < 2)
    return;
  /* Reports of one incident with free ones: the free ones join it. */
  target = tg_workspace_join_target (rows, NULL, &error);
  for (guint i = 0; target != NULL && i < rows->len; i++)
    if (((TgWorkspaceReport *) rows->pdata[i])->incident_id == NULL)
      g_ptr_array_add (free_ids, ((TgWorkspaceReport *) rows->pdata[i])->report_id);
  if (error != NULL || (target != NULL && free_ids->len == 0))
    {
      toast (self, error ? error->message : _("These reports are in that incident already"));
      return;
    }
  if (target != NULL)
    {
      g_ptr_array_add (free_ids, NULL);
      tg_workspace_join_async (self->workspace, target, (const char * const *) free_ids->pdata,
                               self->cancellable, joined_cb, g_object_ref (self));
      return;
    }
  g_ptr_array_add (ids, NULL);
  g_object_set_data (G_OBJECT (self->merge_view), "tg-queue-item", NULL);
  tg_merge_view_load (self->merge_view, (const char * const *) ids->pdata);
  gtk_stack_set_visible_child_name (self->queue_stack, "merge");
  adw_view_stack_set_visible_child_name (self->pages, "queue");
}

static void
store_changed_cb (TgWorkspaceView *self)
{
  queue_refresh (self);
}

/* GObject --------------------------------------------------------------- */

static void
tg_workspace_view_dispose (GObject *object)
{
  TgWorkspaceView *self = TG_WORKSPACE_VIEW (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), TG_TYPE_WORKSPACE_VIEW);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->report_selection);
  g_clear_object (&self->incident_selection);
  g_clear_object (&self->incidents);
  g_clear_object (&self->reports);
  g_clear_object (&self->workspace);
  g_clear_object (&self->store);
  g_clear_pointer (&self->titles, g_hash_table_unref);
  g_clear_pointer (&self->show_when_listed, g_free);

  G_OBJECT_CLASS (tg_workspace_view_parent_class)->dispose (object);
}

static void
tg_workspace_view_class_init (TgWorkspaceViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tg_workspace_view_dispose;

  signals[BACK] = g_signal_new ("back", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SHOW_MESSAGE] = g_signal_new ("show-message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  g_type_ensure (TG_TYPE_WORKSPACE_FILTERS);
  g_type_ensure (TG_TYPE_REVIEW_QUEUE);
  g_type_ensure (TG_TYPE_MERGE_VIEW);
  g_type_ensure (TG_TYPE_INCIDENT_EDITOR);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/testigo/Testigo/tg-workspace-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TgWorkspaceView, box);
  gtk_widget_class_bind_template_child (widget_class, TgWorkspaceView, header);
  gtk_widget_class_bind_template_child (widget_class, TgWorkspaceView, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, TgWorkspaceView, back_button);
  gtk_widget_class_bind_template_child (widget_class, TgWorkspaceView, filters);
  gtk_widget_class_bind_template_child (widget_class, TgWorkspaceView, pages);
  gtk_widget_class_bind_template_child (widget_class, TgWorkspaceView, queue_stack);
  gtk_widget_class_bind_template_child (widget_class, TgWorkspaceView, queue);
  gtk_widget_class_bind_template_child (widget_class, TgWorkspaceView, merge_view);
  gtk_widget_class_bind_template_child (widget_class, TgWorkspaceView, incident_list_stack);
  gtk_widget_class_bind_template_child (widget_class, TgWorkspaceView, incident_list);
  gtk_widget_class_bind_template_child (widget_class, TgWorkspaceView, editor_stack);
  gtk_widget_class_bind_template_child (widget_class, TgWorkspaceView, incident_editor);
  gtk_widget_class_bind_template_child (widget_class, TgWorkspaceView, reports_summary);
  gtk_widget_class_bind_template_child (widget_class, TgWorkspaceView, report_table);
  gtk_widget_class_bind_template_child (widget_class, TgWorkspaceView, merge_selected_button);
  gtk_widget_class_bind_template_child (widget_class, TgWorkspaceView, switcher_bar);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, filters_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, candidate_confirmed_cb);
  gtk_widget_class_bind_template_callback (widget_class, merged_cb);
  gtk_widget_class_bind_template_callback (widget_class, merge_cancelled_cb);
  gtk_widget_class_bind_template_callback (widget_class, incident_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, editor_message_cb);
  gtk_widget_class_bind_template_callback (widget_class, merge_selected_cb);
}

static void
tg_workspace_view_init (TgWorkspaceView *self)
{
  GtkListItemFactory *factory;

  gtk_widget_init_template (GTK_WIDGET (self));
  load_css ();

  self->cancellable = g_cancellable_new ();
  self->titles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->incidents = g_list_store_new (TG_TYPE_INCIDENT_ITEM);
  self->reports = g_list_store_new (TG_TYPE_REPORT_ITEM);

  self->incident_selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->incidents)));
  gtk_single_selection_set_autoselect (self->incident_selection, FALSE);
  gtk_single_selection_set_can_unselect (self->incident_selection, TRUE);
  gtk_single_selection_set_selected (self->incident_selection, GTK_INVALID_LIST_POSITION);
  g_signal_connect_swapped (self->incident_selection, "notify::selected",
                            G_CALLBACK (incident_selected_cb), self);
  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (incident_setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (incident_bind_cb), NULL);
  gtk_list_view_set_factory (self->incident_list, factory);
  g_object_unref (factory);
  gtk_list_view_set_model (self->incident_list, GTK_SELECTION_MODEL (self->incident_selection));

  self->report_selection = gtk_multi_selection_new (g_object_ref (G_LIST_MODEL (self->reports)));
  g_signal_connect_swapped (self->report_selection, "selection-changed",
                            G_CALLBACK (report_selection_changed_cb), self);
  gtk_column_view_set_model (self->report_table, GTK_SELECTION_MODEL (self->report_selection));
  add_report_check_column (self);
  add_report_column (self, _("Report"), REPORT_TITLE, TRUE);
  add_report_column (self, _("Place and date"), REPORT_WHERE, TRUE);
  add_report_column (self, _("Monitor"), REPORT_MONITOR, FALSE);
  add_report_column (self, _("Status"), REPORT_STATUS, FALSE);
  add_report_column (self, _("Incident"), REPORT_INCIDENT, FALSE);

  g_signal_connect_swapped (self->queue, "dismissed", G_CALLBACK (candidate_dismissed_cb), self);
  g_signal_connect_swapped (self->incident_editor, "changed", G_CALLBACK (editor_changed_cb), self);
  g_signal_connect_swapped (self->incident_editor, "dissolved", G_CALLBACK (editor_dissolved_cb), self);
}

/* Public API ------------------------------------------------------------ */

GtkWidget *
tg_workspace_view_new (void)
{
  return g_object_new (TG_TYPE_WORKSPACE_VIEW, NULL);
}

void
tg_workspace_view_set_store (TgWorkspaceView *self,
                             TgStore         *store,
                             GListModel      *categories,
                             GListModel      *perpetrators)
{
  g_return_if_fail (TG_IS_WORKSPACE_VIEW (self));
  g_return_if_fail (TG_IS_STORE (store));

  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  g_set_object (&self->store, store);
  g_clear_object (&self->workspace);
  self->workspace = tg_workspace_new (store);
  tg_merge_view_set_workspace (self->merge_view, self->workspace);
  tg_incident_editor_set_workspace (self->incident_editor, self->workspace);
  tg_merge_view_set_vocabularies (self->merge_view, categories, perpetrators);
  tg_incident_editor_set_vocabularies (self->incident_editor, categories, perpetrators);
  tg_workspace_filters_set_categories (self->filters, categories);

  /* Pulled or merged elsewhere: read again (once for a burst). */
  if (g_signal_lookup ("incident-changed", TG_TYPE_STORE) != 0)
    g_signal_connect_object (store, "incident-changed", G_CALLBACK (store_changed_cb), self, G_CONNECT_SWAPPED);
  if (g_signal_lookup ("report-changed", TG_TYPE_STORE) != 0)
    g_signal_connect_object (store, "report-changed", G_CALLBACK (store_changed_cb), self, G_CONNECT_SWAPPED);
  queue_refresh (self);
}

void
tg_workspace_view_set_settings (TgWorkspaceView *self,
                                GSettings       *settings)
{
  g_return_if_fail (TG_IS_WORKSPACE_VIEW (self));

  tg_workspace_filters_set_settings (self->filters, settings);
}

TgWorkspace *
tg_workspace_view_get_workspace (TgWorkspaceView *self)
{
  g_return_val_if_fail (TG_IS_WORKSPACE_VIEW (self), NULL);
  return self->workspace;
}

GListModel *
tg_workspace_view_get_incidents (TgWorkspaceView *self)
{
  g_return_val_if_fail (TG_IS_WORKSPACE_VIEW (self), NULL);
  return G_LIST_MODEL (self->incidents);
}

void
tg_workspace_view_show_incident (TgWorkspaceView *self,
                                 const char      *incident_id)
{
  g_return_if_fail (TG_IS_WORKSPACE_VIEW (self));

  adw_view_stack_set_visible_child_name (self->pages, "incidents");
  gtk_stack_set_visible_child_name (self->editor_stack, "editor");
  tg_incident_editor_load (self->incident_editor, incident_id);
  g_free (self->show_when_listed);
  self->show_when_listed = g_strdup (incident_id);
  select_incident (self, incident_id);
}

void
tg_workspace_view_refresh (TgWorkspaceView *self)
{
  g_return_if_fail (TG_IS_WORKSPACE_VIEW (self));
  queue_refresh (self);
}

gboolean
tg_workspace_role_is_coordinator (const char *role)
{
  const char *forced = g_getenv ("TESTIGO_ROLE");

  if (forced != NULL && *forced != '\0')
    return g_strcmp0 (forced, "coordinator") == 0;
  return g_strcmp0 (role, "coordinator") == 0;
}
