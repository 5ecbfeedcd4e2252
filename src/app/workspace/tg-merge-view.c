/* tg-merge-view.c — reports side by side, merged into one incident
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-merge-view"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "tg-merge-view.h"
#include "tg-ui-util.h"
#include "tg-workspace-util.h"

#define WRITTEN (-1)

struct _TgMergeView
{
  GtkWidget        parent_instance;

  TgWorkspace     *workspace;
  GListModel      *categories;     /* vocabularies that name the codes */
  GListModel      *perpetrators;
  GPtrArray       *reports;        /* TgReport, in the order given */
  GCancellable    *cancellable;
  gboolean         busy;

  /* Per field: one check button a report (grouped), the chosen index
   * (WRITTEN: the title entry), the label saying where the value comes
   * from. */
  GPtrArray       *choices[TG_INCIDENT_N_FIELDS];
  int              chosen[TG_INCIDENT_N_FIELDS];
  GtkLabel        *provenance[TG_INCIDENT_N_FIELDS];
  GtkCheckButton  *write_title;
  GtkEntry        *title_entry;

  GtkLabel        *heading;
  GtkStack        *stack;
  GtkSpinner      *spinner;
  GtkGrid         *grid;
  AdwStatusPage   *error_page;
  GtkLabel        *status_label;
  GtkWidget       *merge_button;
  GtkWidget       *cancel_button;
};

G_DEFINE_FINAL_TYPE (TgMergeView, tg_merge_view, GTK_TYPE_WIDGET)

enum {
  MERGED,
  CANCELLED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Helpers --------------------------------------------------------------- */

static void
set_busy (TgMergeView *self,
          gboolean     busy,
          const char  *message)
{
  self->busy = busy;
  gtk_widget_set_sensitive (self->merge_button, !busy && self->reports != NULL && self->reports->len >= 2);
  gtk_label_set_text (self->status_label, message ? message : "");
}

static void
clear_grid (TgMergeView *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->grid))) != NULL)
    gtk_grid_remove (self->grid, child);
  for (guint f = 0; f < TG_INCIDENT_N_FIELDS; f++)
    {
      g_clear_pointer (&self->choices[f], g_ptr_array_unref);
      self->provenance[f] = NULL;
      self->chosen[f] = 0;
    }
  self->write_title = NULL;
  self->title_entry = NULL;
}

/* A cell of the grid: a box, highlighted when its row differs. */
static GtkWidget *
cell (TgMergeView *self,
      int          column,
      int          row,
      gboolean     differs,
      gboolean     header)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);

  gtk_widget_add_css_class (box, "tg-merge-cell");
  if (differs)
    gtk_widget_add_css_class (box, "tg-differs");
  if (header)
    gtk_widget_add_css_class (box, "tg-merge-header");
  gtk_widget_set_hexpand (box, column > 0);
  gtk_grid_attach (self->grid, box, column, row, 1, 1);
  return box;
}

static GtkWidget *
wrapped_label (const char *text,
               const char *css_class)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 40);
  gtk_label_set_width_chars (GTK_LABEL (label), 14);
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);
  return label;
}

static void
update_provenance (TgMergeView     *self,
                   TgIncidentField  field)
{
  g_autofree char *text = NULL;
  int chosen = self->chosen[field];

  if (self->provenance[field] == NULL)
    return;
  if (chosen == WRITTEN)
    text = g_strdup (_("Written by the coordinator"));
  else
    {
      TgReport *report = g_ptr_array_index (self->reports, chosen);
      const char *title = tg_report_get_title (report);

      text = g_strdup_printf (_("From report %u, “%s”"), (guint) chosen + 1,
                              title && *title ? title : _("Untitled report"));
    }
  gtk_label_set_text (self->provenance[field], text);
}

static void
choice_toggled_cb (GtkCheckButton *button,
                   TgMergeView    *self)
{
  TgIncidentField field = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "tg-field"));
  int index = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "tg-index"));

  if (!gtk_check_button_get_active (button))
    return;
  self->chosen[field] = index;
  if (field == TG_INCIDENT_FIELD_TITLE && self->title_entry != NULL)
    gtk_widget_set_sensitive (GTK_WIDGET (self->title_entry), index == WRITTEN);
  update_provenance (self, field);
}

static void
add_field_row (TgMergeView     *self,
               TgIncidentField  field,
               int              row)
{
  guint n = self->reports->len;
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  gboolean differs = FALSE;
  int first_with_value = -1;
  GtkCheckButton *group = NULL;
  GtkWidget *box;

  for (guint i = 0; i < n; i++)
    {
      JsonObject *value = tg_incident_field_value_from_report (field, g_ptr_array_index (self->reports, i));

      g_ptr_array_add (values, value);
      if (i > 0 && !tg_workspace_field_values_equal (g_ptr_array_index (values, 0), value))
        differs = TRUE;
    }

  box = cell (self, 0, row, differs, FALSE);
  gtk_box_append (GTK_BOX (box), wrapped_label (tg_incident_field_get_label (field), "heading"));
  if (differs)
    gtk_box_append (GTK_BOX (box), wrapped_label (_("Differs"), "tg-differs-label"));

  self->choices[field] = g_ptr_array_new ();
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *text = tg_workspace_describe_field (field, g_ptr_array_index (values, i),
                                                                self->categories, self->perpetrators);
      g_autofree char *name = NULL;
      GtkWidget *check = gtk_check_button_new ();
      GtkWidget *label = wrapped_label (text, NULL);
      gboolean empty = g_strcmp0 (text, _("Not given")) == 0;

      if (empty)
        gtk_widget_add_css_class (label, "dim-label");
      if (first_with_value < 0 && !empty)
        first_with_value = i;
      gtk_check_button_set_child (GTK_CHECK_BUTTON (check), label);
      if (group != NULL)
        gtk_check_button_set_group (GTK_CHECK_BUTTON (check), group);
      else
        group = GTK_CHECK_BUTTON (check);
      /* TRANSLATORS: a choice in the merge view, read by a screen reader:
       * "Title from report 2: Disparos en el puente" */
      name = g_strdup_printf (_("%s from report %u: %s"), tg_incident_field_get_label (field), i + 1, text);
      tg_ui_set_accessible_label (check, name);
      g_object_set_data (G_OBJECT (check), "tg-field", GINT_TO_POINTER (field));
      g_object_set_data (G_OBJECT (check), "tg-index", GINT_TO_POINTER (i));
      g_signal_connect (check, "toggled", G_CALLBACK (choice_toggled_cb), self);
      g_ptr_array_add (self->choices[field], check);
      box = cell (self, i + 1, row, differs, FALSE);
      gtk_box_append (GTK_BOX (box), check);
    }

  box = cell (self, n + 1, row, differs, FALSE);
  self->provenance[field] = GTK_LABEL (wrapped_label ("", "dim-label"));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->provenance[field]));

  if (field == TG_INCIDENT_FIELD_TITLE)
    {
      GtkWidget *write = gtk_check_button_new_with_mnemonic (_("_Write a new title"));
      GtkWidget *entry = gtk_entry_new ();

      gtk_check_button_set_group (GTK_CHECK_BUTTON (write), group);
      g_object_set_data (G_OBJECT (write), "tg-field", GINT_TO_POINTER (field));
      g_object_set_data (G_OBJECT (write), "tg-index", GINT_TO_POINTER (WRITTEN));
      g_signal_connect (write, "toggled", G_CALLBACK (choice_toggled_cb), self);
      gtk_widget_set_sensitive (entry, FALSE);
      tg_ui_set_accessible_label (entry, _("New title for the incident"));
      gtk_box_append (GTK_BOX (box), write);
      gtk_box_append (GTK_BOX (box), entry);
      self->write_title = GTK_CHECK_BUTTON (write);
      self->title_entry = GTK_ENTRY (entry);
    }

  self->chosen[field] = MAX (first_with_value, 0);
  gtk_check_button_set_active (g_ptr_array_index (self->choices[field], self->chosen[field]), TRUE);
  update_provenance (self, field);
}

static void
add_count_row (TgMergeView     *self,
               TgIncidentCount  count,
               int              row)
{
  guint n = self->reports->len;
  int first = tg_incident_count_from_report (count, g_ptr_array_index (self->reports, 0));
  int min = G_MAXINT, max = -1;
  gboolean differs = FALSE;
  g_autofree char *kept = NULL;
  GtkWidget *box;

  for (guint i = 0; i < n; i++)
    {
      int value = tg_incident_count_from_report (count, g_ptr_array_index (self->reports, i));

      if (value != first)
        differs = TRUE;
      if (value >= 0)
        {
          min = MIN (min, value);
          max = MAX (max, value);
        }
    }
  if (max < 0)
    return;

  box = cell (self, 0, row, differs, FALSE);
  gtk_box_append (GTK_BOX (box), wrapped_label (tg_incident_count_get_label (count), "heading"));
  for (guint i = 0; i < n; i++)
    {
      int value = tg_incident_count_from_report (count, g_ptr_array_index (self->reports, i));
      g_autofree char *text = value >= 0 ? g_strdup_printf ("%d", value) : g_strdup (_("Unknown"));

      box = cell (self, i + 1, row, differs, FALSE);
      gtk_box_append (GTK_BOX (box), wrapped_label (text, value >= 0 ? "numeric" : "dim-label"));
    }
  if (min == max)
    kept = g_strdup_printf (_("%d (all reports agree)"), min);
  else
    kept = g_strdup_printf (_("Kept as a range, %d–%d, with its sources; set a figure in the incident"), min, max);
  box = cell (self, n + 1, row, differs, FALSE);
  gtk_box_append (GTK_BOX (box), wrapped_label (kept, "dim-label"));
}

static void
add_persons_row (TgMergeView *self,
                 int          row)
{
  guint n = self->reports->len;
  GtkWidget *box;

  box = cell (self, 0, row, FALSE, FALSE);
  gtk_box_append (GTK_BOX (box), wrapped_label (_("Persons"), "heading"));
  for (guint i = 0; i < n; i++)
    {
      GListModel *persons = tg_report_get_persons (g_ptr_array_index (self->reports, i));
      g_autoptr(GString) names = g_string_new (NULL);

      for (guint p = 0; persons && p < g_list_model_get_n_items (persons); p++)
        {
          g_autoptr(TgPerson) person = g_list_model_get_item (persons, p);
          const char *name = tg_person_get_name (person);

          if (names->len > 0)
            g_string_append (names, "\n");
          g_string_append (names, name && *name ? name : _("Unnamed person"));
        }
      box = cell (self, i + 1, row, FALSE, FALSE);
      gtk_box_append (GTK_BOX (box), wrapped_label (names->len ? names->str : _("None"),
                                                    names->len ? NULL : "dim-label"));
    }
  box = cell (self, n + 1, row, FALSE, FALSE);
  gtk_box_append (GTK_BOX (box), wrapped_label (_("Matched by name when merged; a wrong match can be split in the incident"),
                                                "dim-label"));
}

static void
build_grid (TgMergeView *self)
{
  guint n = self->reports->len;
  g_autofree char *heading = NULL;
  int row = 0;
  GtkWidget *box;

  clear_grid (self);

  heading = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Merge %u Report into One Incident",
                                          "Merge %u Reports into One Incident", n), n);
  gtk_label_set_text (self->heading, heading);

  box = cell (self, 0, row, FALSE, TRUE);
  for (guint i = 0; i < n; i++)
    {
      TgReport *report = g_ptr_array_index (self->reports, i);
      g_autofree char *number = g_strdup_printf (_("Report %u"), i + 1);
      g_autoptr(GDateTime) updated = g_date_time_new_from_unix_local (tg_report_get_updated_at (report) / G_USEC_PER_SEC);
      const char *title = tg_report_get_title (report);

      box = cell (self, i + 1, row, FALSE, TRUE);
      gtk_box_append (GTK_BOX (box), wrapped_label (number, "caption-heading"));
      gtk_box_append (GTK_BOX (box), wrapped_label (title && *title ? title : _("Untitled report"), "heading"));
    }
  box = cell (self, n + 1, row, FALSE, TRUE);
  gtk_box_append (GTK_BOX (box), wrapped_label (_("The incident keeps"), "caption-heading"));
  row++;

  for (guint f = 0; f < TG_INCIDENT_N_FIELDS; f++)
    add_field_row (self, f, row++);
  for (guint c = 0; c < TG_INCIDENT_N_COUNTS; c++)
    add_count_row (self, c, row++);
  add_persons_row (self, row++);
}

/* Loading the reports on a worker thread ------------------------------ */

static void
load_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  TgStore *store = tg_workspace_get_store (TG_WORKSPACE (task_data));
  char **ids = g_object_get_data (G_OBJECT (task), "tg-ids");
  g_autoptr(GPtrArray) reports = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; ids[i] != NULL; i++)
    {
      GError *error = NULL;
      TgReport *report = tg_store_load_report (store, ids[i], &error);

      if (report == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      g_ptr_array_add (reports, report);
    }
  g_task_return_pointer (task, g_steal_pointer (&reports), (GDestroyNotify) g_ptr_array_unref);
}

static void
load_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  TgMergeView *self;
  g_autoptr(GError) error = NULL;
  GPtrArray *reports = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = TG_MERGE_VIEW (object);
  gtk_spinner_set_spinning (self->spinner, FALSE);
  if (reports == NULL)
    {
      adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      set_busy (self, FALSE, NULL);
      return;
    }
  g_clear_pointer (&self->reports, g_ptr_array_unref);
  self->reports = reports;
  build_grid (self);
  gtk_stack_set_visible_child_name (self->stack, "fields");
  set_busy (self, FALSE, NULL);
}

/* Merging --------------------------------------------------------------- */

static gboolean
apply_choices (TgMergeView *self,
               TgIncident  *incident)
{
  gboolean changed = FALSE;

  for (guint f = 0; f < TG_INCIDENT_N_FIELDS; f++)
    {
      const TgProvenance *provenance = tg_incident_get_field_provenance (incident, f);
      int chosen = self->chosen[f];

      if (chosen == WRITTEN)
        {
          const char *text = self->title_entry ? gtk_editable_get_text (GTK_EDITABLE (self->title_entry)) : "";
          g_autoptr(JsonObject) value = json_object_new ();

          json_object_set_string_member (value, "title", text);
          tg_incident_set_field_value (incident, f, value, NULL);
          changed = TRUE;
        }
      else if (chosen >= 0 && (guint) chosen < self->reports->len)
        {
          TgReport *report = g_ptr_array_index (self->reports, chosen);

          if (provenance == NULL || provenance->kind != TG_PROVENANCE_REPORT ||
              g_strcmp0 (provenance->report_id, tg_report_get_id (report)) != 0)
            {
              tg_incident_set_field_from_report (incident, f, report);
              changed = TRUE;
            }
        }
    }
  return changed;
}

static void
finish_merge (TgMergeView *self,
              const char  *incident_id)
{
  set_busy (self, FALSE, NULL);
  g_signal_emit (self, signals[MERGED], 0, incident_id);
}

static void
choices_saved_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(TgMergeView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TgIncident) incident = tg_workspace_change_finish (TG_WORKSPACE (object), result, &error);
  const char *id = g_object_get_data (G_OBJECT (self), "tg-incident-id");

  if (incident == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *message = g_strdup_printf (_("The incident was made, but the choices were not saved: %s"),
                                                  error->message);
      set_busy (self, FALSE, message);
    }
  finish_merge (self, incident ? tg_incident_get_id (incident) : id);
}

static void
bundle_loaded_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(TgMergeView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TgIncidentBundle) bundle = tg_workspace_load_bundle_finish (TG_WORKSPACE (object), result, &error);
  const char *id = g_object_get_data (G_OBJECT (self), "tg-incident-id");

  if (bundle == NULL)
    {
      finish_merge (self, id);
      return;
    }
  if (!apply_choices (self, bundle->incident))
    {
      finish_merge (self, id);
      return;
    }
  tg_workspace_save_incident_async (self->workspace, bundle->incident, self->cancellable,
                                    choices_saved_cb, g_object_ref (self));
}

static void
merged_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(TgMergeView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TgIncident) incident = tg_workspace_change_finish (TG_WORKSPACE (object), result, &error);

  if (incident == NULL)
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = g_strdup_printf (_("Not merged: %s"), error->message);
      set_busy (self, FALSE, message);
      return;
    }
  g_object_set_data_full (G_OBJECT (self), "tg-incident-id", g_strdup (tg_incident_get_id (incident)), g_free);
  /* The merge took each field from the first report that has it; the
   * choices that differ are saved on the incident's head. */
  tg_workspace_load_bundle_async (self->workspace, tg_incident_get_id (incident), self->cancellable,
                                  bundle_loaded_cb, g_object_ref (self));
}

/* Callbacks ------------------------------------------------------------- */

static void
merge_clicked_cb (TgMergeView *self)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();

  if (self->busy || self->reports == NULL || self->reports->len < 2 || self->workspace == NULL)
    return;
  for (guint i = 0; i < self->reports->len; i++)
    g_ptr_array_add (ids, (gpointer) tg_report_get_id (g_ptr_array_index (self->reports, i)));
  g_ptr_array_add (ids, NULL);
  set_busy (self, TRUE, _("Merging…"));
  tg_workspace_merge_async (self->workspace, (const char * const *) ids->pdata, self->cancellable,
                            merged_cb, g_object_ref (self));
}

static void
cancel_clicked_cb (TgMergeView *self)
{
  g_signal_emit (self, signals[CANCELLED], 0);
}

/* GObject --------------------------------------------------------------- */

static void
tg_merge_view_dispose (GObject *object)
{
  TgMergeView *self = TG_MERGE_VIEW (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  for (guint f = 0; f < TG_INCIDENT_N_FIELDS; f++)
    g_clear_pointer (&self->choices[f], g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), TG_TYPE_MERGE_VIEW);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->workspace);
  g_clear_object (&self->categories);
  g_clear_object (&self->perpetrators);
  g_clear_pointer (&self->reports, g_ptr_array_unref);

  G_OBJECT_CLASS (tg_merge_view_parent_class)->dispose (object);
}

static void
tg_merge_view_class_init (TgMergeViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tg_merge_view_dispose;

  signals[MERGED] = g_signal_new ("merged", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[CANCELLED] = g_signal_new ("cancelled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/testigo/Testigo/tg-merge-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TgMergeView, heading);
  gtk_widget_class_bind_template_child (widget_class, TgMergeView, stack);
  gtk_widget_class_bind_template_child (widget_class, TgMergeView, spinner);
  gtk_widget_class_bind_template_child (widget_class, TgMergeView, grid);
  gtk_widget_class_bind_template_child (widget_class, TgMergeView, error_page);
  gtk_widget_class_bind_template_child (widget_class, TgMergeView, status_label);
  gtk_widget_class_bind_template_child (widget_class, TgMergeView, merge_button);
  gtk_widget_class_bind_template_child (widget_class, TgMergeView, cancel_button);
  gtk_widget_class_bind_template_callback (widget_class, merge_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_clicked_cb);
}

static void
tg_merge_view_init (TgMergeView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

/* Public API ------------------------------------------------------------ */

GtkWidget *
tg_merge_view_new (void)
{
  return g_object_new (TG_TYPE_MERGE_VIEW, NULL);
}

void
tg_merge_view_set_workspace (TgMergeView *self,
                             TgWorkspace *workspace)
{
  g_return_if_fail (TG_IS_MERGE_VIEW (self));
  g_set_object (&self->workspace, workspace);
}

void
tg_merge_view_set_vocabularies (TgMergeView *self,
                                GListModel  *categories,
                                GListModel  *perpetrators)
{
  g_return_if_fail (TG_IS_MERGE_VIEW (self));
  g_set_object (&self->categories, categories);
  g_set_object (&self->perpetrators, perpetrators);
}

void
tg_merge_view_load (TgMergeView        *self,
                    const char * const *report_ids)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TG_IS_MERGE_VIEW (self));
  g_return_if_fail (self->workspace != NULL);

  /* What was loading or merging for the pair before is dropped. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  g_clear_pointer (&self->reports, g_ptr_array_unref);
  clear_grid (self);
  gtk_stack_set_visible_child_name (self->stack, "loading");
  gtk_spinner_set_spinning (self->spinner, TRUE);
  set_busy (self, TRUE, NULL);

  task = g_task_new (self, self->cancellable, load_done_cb, NULL);
  g_task_set_source_tag (task, tg_merge_view_load);
  g_task_set_task_data (task, g_object_ref (self->workspace), g_object_unref);
  g_object_set_data_full (G_OBJECT (task), "tg-ids", g_strdupv ((char **) report_ids), (GDestroyNotify) g_strfreev);
  g_task_run_in_thread (task, load_thread);
}

gboolean
tg_merge_view_choose (TgMergeView     *self,
                      TgIncidentField  field,
                      guint            index)
{
  g_return_val_if_fail (TG_IS_MERGE_VIEW (self), FALSE);

  if (field >= TG_INCIDENT_N_FIELDS || self->choices[field] == NULL || index >= self->choices[field]->len)
    return FALSE;
  gtk_check_button_set_active (g_ptr_array_index (self->choices[field], index), TRUE);
  return TRUE;
}
