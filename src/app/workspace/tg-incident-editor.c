/* tg-incident-editor.c — one incident: fields with provenance, counts,
 * persons, verification, notes and member reports
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-incident-editor"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "tg-incident-editor.h"
#include "tg-incident-resolver.h"
#include "tg-ui-util.h"
#include "tg-workspace-util.h"

struct _TgIncidentEditor
{
  GtkWidget             parent_instance;

  TgWorkspace          *workspace;
  GListModel           *categories;    /* vocabularies that name the codes */
  GListModel           *perpetrators;
  char                 *incident_id;
  TgIncidentBundle     *bundle;
  GCancellable         *cancellable;
  gboolean              busy;
  gboolean              loading_widgets;
  GPtrArray            *rows;           /* (group, row) pairs made for the incident */

  GtkStack             *stack;
  GtkSpinner           *spinner;
  AdwStatusPage        *error_page;
  GtkWidget            *content;
  GtkLabel             *title_label;
  GtkLabel             *summary_label;
  GtkLabel             *conflict_label;
  GtkWidget            *resolve_button;
  AdwComboRow          *status_row;
  AdwEntryRow          *status_reason_row;
  AdwActionRow         *status_decided_row;
  GtkWidget            *set_status_button;
  AdwPreferencesGroup  *fields_group;
  AdwPreferencesGroup  *counts_group;
  AdwPreferencesGroup  *persons_group;
  AdwPreferencesGroup  *members_group;
  GtkTextView          *notes_view;
  GtkWidget            *save_notes_button;
  GtkWidget            *dissolve_button;
};

G_DEFINE_FINAL_TYPE (TgIncidentEditor, tg_incident_editor, GTK_TYPE_WIDGET)

enum {
  SHOW_MESSAGE,
  CHANGED,
  DISSOLVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void reload (TgIncidentEditor *self);

/* Helpers --------------------------------------------------------------- */

static void
message (TgIncidentEditor *self,
         const char       *text)
{
  g_signal_emit (self, signals[SHOW_MESSAGE], 0, text);
}

static TgIncident *
incident (TgIncidentEditor *self)
{
  return self->bundle ? self->bundle->incident : NULL;
}

static TgReport *
member_report (TgIncidentEditor *self,
               const char       *report_id)
{
  guint n = tg_workspace_report_number (self->bundle->reports, report_id);

  return n > 0 ? g_ptr_array_index (self->bundle->reports, n - 1) : NULL;
}

static const char *
report_title (TgReport *report)
{
  const char *title = report ? tg_report_get_title (report) : NULL;

  return title && *title ? title : _("Untitled report");
}

static void
set_busy (TgIncidentEditor *self,
          gboolean          busy)
{
  self->busy = busy;
  gtk_widget_set_sensitive (self->content, !busy);
}

static void
add_row (TgIncidentEditor    *self,
         AdwPreferencesGroup *group,
         GtkWidget           *row)
{
  adw_preferences_group_add (group, row);
  g_ptr_array_add (self->rows, group);
  g_ptr_array_add (self->rows, row);
}

static void
clear_rows (TgIncidentEditor *self)
{
  for (guint i = 0; i + 1 < self->rows->len; i += 2)
    adw_preferences_group_remove (g_ptr_array_index (self->rows, i), g_ptr_array_index (self->rows, i + 1));
  g_ptr_array_set_size (self->rows, 0);
}

static GtkWidget *
suffix_button (const char *label,
               const char *accessible)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  if (accessible == NULL)
    {
      /* GTK 4.8 would read the underscore out. */
      g_autofree char *plain = g_strdup (label);
      char *to = plain;

      for (const char *from = label; *from != '\0'; from++)
        if (*from != '_')
          *to++ = *from;
      *to = '\0';
      tg_ui_set_accessible_label (button, plain);
    }
  else
    tg_ui_set_accessible_label (button, accessible);
  return button;
}

/* The incident resolver (tg-incident-resolver.c) opens over the window. */
static void
resolve_clicked_cb (TgIncidentEditor *self)
{
  tg_incident_resolver_present (self->workspace, self->incident_id, GTK_WIDGET (self),
                                G_CALLBACK (reload), self);
}

/* Saving ---------------------------------------------------------------- */

static void
saved_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(TgIncidentEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TgIncident) saved = tg_workspace_change_finish (TG_WORKSPACE (object), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_busy (self, FALSE);
  if (saved == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Not saved: %s"), error->message);

      message (self, text);
    }
  else
    g_signal_emit (self, signals[CHANGED], 0, self->incident_id);
  /* Either way, show what the store holds now. */
  reload (self);
}

static void
save (TgIncidentEditor *self)
{
  set_busy (self, TRUE);
  tg_workspace_save_incident_async (self->workspace, incident (self), self->cancellable,
                                    saved_cb, g_object_ref (self));
}

/* Callbacks ------------------------------------------------------------- */

static void
use_value_clicked_cb (GtkButton        *button,
                      TgIncidentEditor *self)
{
  TgIncidentField field = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "tg-field"));
  const char *report_id = g_object_get_data (G_OBJECT (button), "tg-report");
  TgReport *report;

  if (self->busy || self->bundle == NULL || (report = member_report (self, report_id)) == NULL)
    return;
  tg_incident_set_field_from_report (incident (self), field, report);
  save (self);
}

/* The member a coordinator may write anew in a field, the row's title
 * as read out and as shown, with its mnemonic (Alt+T, Alt+A, Alt+P; in
 * Spanish Alt+T, Alt+A, Alt+L: no other button of the Incidents page
 * uses these letters); NULL for a field chosen from the reports only. */
static const char *
writable_member (TgIncidentField field,
                 const char    **title,
                 const char    **mnemonic)
{
  switch (field)
    {
    case TG_INCIDENT_FIELD_TITLE:
      *title = _("Write a new title");
      *mnemonic = _("Write a new _title");
      return "title";
    case TG_INCIDENT_FIELD_NARRATIVE:
      *title = _("Write a new narrative");
      *mnemonic = _("Write a new n_arrative");
      return "narrative";
    case TG_INCIDENT_FIELD_PLACE:
      *title = _("Write a new place name");
      *mnemonic = _("Write a new _place name");
      return "place_name";
    case TG_INCIDENT_FIELD_WHEN:
    case TG_INCIDENT_FIELD_LOCATION:
    case TG_INCIDENT_FIELD_CATEGORIES:
    case TG_INCIDENT_FIELD_PERPETRATORS:
    case TG_INCIDENT_N_FIELDS:
    default:
      *title = *mnemonic = NULL;
      return NULL;
    }
}

/* A write row's mnemonic puts the keyboard in its text. AdwEntryRow 1.2
 * would activate the row instead when no other widget shares the
 * letter, and activating it does nothing. Over AT-SPI (GTK 4.8) the
 * row's text gets no focus event or state, whether reached so or with
 * Tab. */
static gboolean
write_mnemonic_cb (GtkWidget *row,
                   gboolean   group_cycling,
                   gpointer   user_data)
{
  return gtk_widget_grab_focus (row);
}

static void
write_field_cb (AdwEntryRow      *row,
                TgIncidentEditor *self)
{
  TgIncidentField field = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "tg-field"));
  g_autoptr(JsonObject) value = json_object_new ();
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
  JsonObject *current;
  const char *title, *mnemonic, *member = writable_member (field, &title, &mnemonic);

  if (self->busy || self->bundle == NULL || member == NULL || *text == '\0')
    return;
  current = tg_incident_get_field_value (incident (self), field);
  /* Enter on a text the incident already holds writes nothing. */
  if (current != NULL && g_strcmp0 (json_object_get_string_member_with_default (current, member, NULL), text) == 0)
    return;
  /* The field's other members (a place's region codes) are kept. */
  if (current != NULL)
    {
      g_autoptr(GList) names = json_object_get_members (current);

      for (GList *l = names; l != NULL; l = l->next)
        json_object_set_member (value, l->data, json_node_copy (json_object_get_member (current, l->data)));
    }
  json_object_set_string_member (value, member, text);
  tg_incident_set_field_value (incident (self), field, value, NULL);
  save (self);
}

static void
set_figure_clicked_cb (GtkButton        *button,
                       TgIncidentEditor *self)
{
  TgIncidentCount count = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "tg-count"));
  GtkSpinButton *spin = g_object_get_data (G_OBJECT (button), "tg-spin");
  GtkEditable *reason = g_object_get_data (G_OBJECT (button), "tg-reason");
  g_autofree char *why = g_strstrip (g_strdup (gtk_editable_get_text (reason)));

  if (self->busy || self->bundle == NULL)
    return;
  /* A figure typed but not yet applied (no Enter) counts too. */
  gtk_spin_button_update (spin);
  if (*why == '\0')
    {
      message (self, _("Give a reason for your figure."));
      gtk_widget_grab_focus (GTK_WIDGET (reason));
      return;
    }
  tg_incident_set_count_figure (incident (self), count, gtk_spin_button_get_value_as_int (spin), why);
  save (self);
}

static void
clear_figure_clicked_cb (GtkButton        *button,
                         TgIncidentEditor *self)
{
  TgIncidentCount count = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "tg-count"));

  if (self->busy || self->bundle == NULL)
    return;
  tg_incident_set_count_figure (incident (self), count, -1, NULL);
  save (self);
}

static const char *
mention_name (TgIncidentEditor *self,
              const char       *report_id,
              const char       *person_id)
{
  TgReport *report = member_report (self, report_id);
  GListModel *persons = report ? tg_report_get_persons (report) : NULL;

  for (guint i = 0; persons && i < g_list_model_get_n_items (persons); i++)
    {
      g_autoptr(TgPerson) person = g_list_model_get_item (persons, i);

      if (g_strcmp0 (tg_person_get_id (person), person_id) == 0)
        {
          const char *name = tg_person_get_name (person);

          /* The report keeps its persons alive as long as the bundle. */
          return name && *name ? name : _("Unnamed person");
        }
    }
  return _("Unnamed person");
}

static void
split_clicked_cb (GtkButton        *button,
                  TgIncidentEditor *self)
{
  const char *report_id = g_object_get_data (G_OBJECT (button), "tg-report");
  const char *person_id = g_object_get_data (G_OBJECT (button), "tg-person");
  const TgIncidentPerson *person;

  if (self->busy || self->bundle == NULL)
    return;
  person = tg_incident_find_person_by_link (incident (self), report_id, person_id);
  if (tg_incident_split_person (incident (self), report_id, person_id,
                                mention_name (self, report_id, person_id),
                                person ? person->role : TG_PERSON_ROLE_VICTIM) == NULL)
    {
      message (self, _("This mention is the person’s only one: there is nothing to split."));
      return;
    }
  save (self);
}

static void
set_status_clicked_cb (TgIncidentEditor *self)
{
  guint status = adw_combo_row_get_selected (self->status_row);
  g_autofree char *reason = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->status_reason_row))));
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  if (self->busy || self->bundle == NULL || status == GTK_INVALID_LIST_POSITION)
    return;
  if (status != TG_INCIDENT_STATUS_UNVERIFIED && *reason == '\0')
    {
      message (self, _("Say why: a status other than unverified needs a reason."));
      gtk_widget_grab_focus (GTK_WIDGET (self->status_reason_row));
      return;
    }
  tg_incident_set_status (incident (self), status, tg_workspace_get_actor (self->workspace), now,
                          *reason ? reason : NULL);
  save (self);
}

static void
save_notes_clicked_cb (TgIncidentEditor *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->notes_view);
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  if (self->busy || self->bundle == NULL)
    return;
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  tg_incident_set_notes (incident (self), *text ? text : NULL);
  save (self);
}

static void
removed_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(TgIncidentEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TgIncident) saved = tg_workspace_change_finish (TG_WORKSPACE (object), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_busy (self, FALSE);
  if (saved == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Not removed: %s"), error->message);

      message (self, text);
    }
  else
    {
      message (self, _("Report removed from the incident"));
      g_signal_emit (self, signals[CHANGED], 0, self->incident_id);
    }
  reload (self);
}

static void
remove_member_clicked_cb (GtkButton        *button,
                          TgIncidentEditor *self)
{
  const char *report_id = g_object_get_data (G_OBJECT (button), "tg-report");

  if (self->busy || self->bundle == NULL)
    return;
  set_busy (self, TRUE);
  tg_workspace_remove_report_async (self->workspace, self->incident_id, report_id, self->cancellable,
                                    removed_cb, g_object_ref (self));
}

static void
dissolved_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(TgIncidentEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TgIncident) was = tg_workspace_change_finish (TG_WORKSPACE (object), result, &error);
  g_autofree char *id = g_strdup (self->incident_id);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_busy (self, FALSE);
  if (was == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Not dissolved: %s"), error->message);

      message (self, text);
      return;
    }
  message (self, _("Incident dissolved; its reports are free again"));
  tg_incident_editor_load (self, NULL);
  g_signal_emit (self, signals[DISSOLVED], 0, id);
}

static void
dissolve_response_cb (AdwMessageDialog *dialog,
                      const char       *response,
                      TgIncidentEditor *self)
{
  if (g_strcmp0 (response, "dissolve") != 0 || self->busy || self->bundle == NULL)
    return;
  set_busy (self, TRUE);
  tg_workspace_dissolve_async (self->workspace, self->incident_id, self->cancellable,
                               dissolved_cb, g_object_ref (self));
}

static void
dissolve_clicked_cb (TgIncidentEditor *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  AdwMessageDialog *dialog;

  if (self->bundle == NULL)
    return;
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                       _("Dissolve This Incident?"),
                                                       _("Its reports are free to merge again. The reports are not changed, and the incident’s history is kept.")));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "dissolve", _("_Dissolve"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "dissolve", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (dissolve_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Building the rows ----------------------------------------------------- */

static void
build_field (TgIncidentEditor *self,
             TgIncidentField   field)
{
  TgIncident *inc = incident (self);
  JsonObject *value = tg_incident_get_field_value (inc, field);  /* the incident's */
  const TgProvenance *provenance = tg_incident_get_field_provenance (inc, field);
  g_autofree char *text = tg_workspace_describe_field (field, value, self->categories, self->perpetrators);
  g_autofree char *from = tg_workspace_describe_provenance (provenance, self->bundle->reports);
  g_autofree char *subtitle = g_strdup_printf ("%s\n%s", text, from);
  GtkWidget *expander = adw_expander_row_new ();
  gboolean differs = FALSE;
  const char *write_title, *write_mnemonic;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expander), tg_incident_field_get_label (field));
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander), subtitle);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (expander), FALSE);

  for (guint i = 0; i < self->bundle->reports->len; i++)
    {
      TgReport *report = g_ptr_array_index (self->bundle->reports, i);
      g_autoptr(JsonObject) theirs = tg_incident_field_value_from_report (field, report);
      g_autofree char *their_text = tg_workspace_describe_field (field, theirs,
                                                                   self->categories, self->perpetrators);
      g_autofree char *title = g_strdup_printf (_("Report %u: %s"), i + 1, their_text);
      gboolean chosen = provenance && provenance->kind == TG_PROVENANCE_REPORT &&
                        g_strcmp0 (provenance->report_id, tg_report_get_id (report)) == 0;
      GtkWidget *row = adw_action_row_new ();

      if (!tg_workspace_field_values_equal (value, theirs))
        differs = TRUE;
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), report_title (report));
      adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 3);
      if (chosen)
        {
          GtkWidget *mark = gtk_image_new_from_icon_name ("object-select-symbolic");

          tg_ui_set_accessible_label (mark, _("Chosen"));
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), mark);
        }
      else
        {
          g_autofree char *name = g_strdup_printf (_("Use report %u’s %s"), i + 1,
                                                   tg_incident_field_get_label (field));
          GtkWidget *use = suffix_button (_("_Use"), name);

          g_object_set_data (G_OBJECT (use), "tg-field", GINT_TO_POINTER (field));
          g_object_set_data_full (G_OBJECT (use), "tg-report", g_strdup (tg_report_get_id (report)), g_free);
          g_signal_connect (use, "clicked", G_CALLBACK (use_value_clicked_cb), self);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), use);
        }
      adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);
    }

  if (writable_member (field, &write_title, &write_mnemonic) != NULL)
    {
      GtkWidget *write = adw_entry_row_new ();
      const char *member = writable_member (field, &write_title, &write_mnemonic);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (write), write_mnemonic);
      adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (write), TRUE);
      g_signal_connect (write, "mnemonic-activate", G_CALLBACK (write_mnemonic_cb), NULL);
      tg_ui_set_accessible_label (write, write_title);
      adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (write), TRUE);
      if (provenance && provenance->kind == TG_PROVENANCE_COORDINATOR && value != NULL &&
          json_object_has_member (value, member))
        gtk_editable_set_text (GTK_EDITABLE (write), json_object_get_string_member_with_default (value, member, ""));
      g_object_set_data (G_OBJECT (write), "tg-field", GINT_TO_POINTER (field));
      g_signal_connect (write, "apply", G_CALLBACK (write_field_cb), self);
      /* AdwEntryRow 1.2 arms its apply button (and Enter) only for text
       * typed while it has the focus: a text set by a screen reader or
       * pasted in over AT-SPI, then Enter, would apply nothing. */
      g_signal_connect (write, "entry-activated", G_CALLBACK (write_field_cb), self);
      adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), write);
    }
  if (differs)
    gtk_widget_add_css_class (expander, "tg-differs-row");
  add_row (self, self->fields_group, expander);
}

static void
build_count (TgIncidentEditor *self,
             TgIncidentCount   count)
{
  const TgIncidentCountValue *value = tg_incident_get_count (incident (self), count);
  g_autofree char *range = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *figure_name = NULL;
  g_autofree char *reason_name = NULL;
  GtkWidget *expander, *row, *spin, *reason, *set, *clear;

  if (value == NULL || (value->n_sources == 0 && value->figure < 0))
    return;
  range = tg_workspace_describe_count (value, self->bundle->reports);
  if (value->figure >= 0)
    subtitle = g_strdup_printf (_("%d, the coordinator’s figure: %s\nThe reports say %s"),
                                value->figure, value->reason ? value->reason : "", range);
  else if (value->min != value->max)
    subtitle = g_strdup_printf (_("The reports disagree: %s"), range);
  else
    subtitle = g_strdup (range);

  expander = adw_expander_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expander), tg_incident_count_get_label (count));
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander), subtitle);
  if (value->min != value->max)
    gtk_widget_add_css_class (expander, "tg-differs-row");

  row = adw_action_row_new ();
  figure_name = g_strdup_printf (_("Your figure for %s"), tg_incident_count_get_label (count));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Your figure"));
  spin = gtk_spin_button_new_with_range (0, 100000, 1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), value->figure >= 0 ? value->figure : MAX (value->min, 0));
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  tg_ui_set_accessible_label (spin, figure_name);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);

  reason = adw_entry_row_new ();
  reason_name = g_strdup_printf (_("Reason for the figure for %s"), tg_incident_count_get_label (count));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (reason), _("Reason for your figure"));
  tg_ui_set_accessible_label (reason, reason_name);
  if (value->reason)
    gtk_editable_set_text (GTK_EDITABLE (reason), value->reason);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), reason);

  row = adw_action_row_new ();
  set = suffix_button (_("Set _Figure"), NULL);
  gtk_widget_add_css_class (set, "suggested-action");
  g_object_set_data (G_OBJECT (set), "tg-count", GINT_TO_POINTER (count));
  g_object_set_data (G_OBJECT (set), "tg-spin", spin);
  g_object_set_data (G_OBJECT (set), "tg-reason", reason);
  g_signal_connect (set, "clicked", G_CALLBACK (set_figure_clicked_cb), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), set);
  if (value->figure >= 0)
    {
      clear = suffix_button (_("_Keep the Range"), NULL);
      g_object_set_data (G_OBJECT (clear), "tg-count", GINT_TO_POINTER (count));
      g_signal_connect (clear, "clicked", G_CALLBACK (clear_figure_clicked_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), clear);
    }
  gtk_widget_set_focusable (row, FALSE);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);
  add_row (self, self->counts_group, expander);
}

static void
build_person (TgIncidentEditor       *self,
              const TgIncidentPerson *person)
{
  GtkWidget *expander = adw_expander_row_new ();
  g_autofree char *subtitle = NULL;

  subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s · named in %u report", "%s · named in %u reports",
                                           person->n_links),
                              tg_ui_role_label (person->role), person->n_links);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expander), person->name && *person->name ? person->name : _("Unnamed person"));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (expander), FALSE);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander), subtitle);

  for (guint l = 0; l < person->n_links; l++)
    {
      const TgPersonLink *link = &person->links[l];
      const char *name = mention_name (self, link->report_id, link->person_id);
      guint n = tg_workspace_report_number (self->bundle->reports, link->report_id);
      g_autofree char *where = g_strdup_printf (_("Report %u, “%s”"), n, report_title (member_report (self, link->report_id)));
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), where);
      if (person->n_links > 1)
        {
          g_autofree char *label = g_strdup_printf (_("Split “%s” in report %u into a person of their own"), name, n);
          GtkWidget *split = suffix_button (_("_Split"), label);

          g_object_set_data_full (G_OBJECT (split), "tg-report", g_strdup (link->report_id), g_free);
          g_object_set_data_full (G_OBJECT (split), "tg-person", g_strdup (link->person_id), g_free);
          g_signal_connect (split, "clicked", G_CALLBACK (split_clicked_cb), self);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), split);
        }
      adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);
    }
  add_row (self, self->persons_group, expander);
}

static void
build_member (TgIncidentEditor       *self,
              guint                   index,
              const TgIncidentMember *member)
{
  TgReport *report = member_report (self, member->report_id);
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *subtitle = NULL;
  g_autofree char *when = NULL;
  g_autofree char *number = g_strdup_printf (_("Report %u"), index + 1);

  if (report != NULL && tg_report_get_start (report) != NULL)
    when = tg_ui_format_date (tg_report_get_start (report), tg_report_get_date_precision (report));
  if (member->tombstoned)
    subtitle = g_strdup_printf (_("Report %u · deleted by its monitor: the incident keeps the link and the values it took"),
                                index + 1);
  else
    subtitle = g_strdup_printf ("%s · %s", number, when ? when : _("no date"));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), report_title (report));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  if (member->tombstoned)
    {
      GtkWidget *icon = gtk_image_new_from_icon_name ("user-trash-symbolic");

      tg_ui_set_accessible_label (icon, _("Deleted by its monitor"));
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
      gtk_widget_add_css_class (row, "tg-tombstoned");
    }
  if (tg_incident_get_n_members (incident (self)) > 1)
    {
      g_autofree char *label = g_strdup_printf (_("Remove report %u from the incident"), index + 1);
      GtkWidget *remove = suffix_button (_("_Remove"), label);

      g_object_set_data_full (G_OBJECT (remove), "tg-report", g_strdup (member->report_id), g_free);
      g_signal_connect (remove, "clicked", G_CALLBACK (remove_member_clicked_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
    }
  add_row (self, self->members_group, row);
}

static void
build (TgIncidentEditor *self)
{
  TgIncident *inc = incident (self);
  const char *title = tg_incident_get_title (inc);
  guint n_members = tg_incident_get_n_members (inc);
  guint n_tombstoned = tg_incident_count_tombstoned (inc);
  TgIncidentStatus status = tg_incident_get_status (inc);
  GDateTime *at = tg_incident_get_status_at (inc);
  const char *by = tg_incident_get_status_by (inc);
  const char *reason = tg_incident_get_status_reason (inc);
  g_autoptr(GString) summary = g_string_new (NULL);
  g_autofree char *decided = NULL;

  self->loading_widgets = TRUE;
  clear_rows (self);

  gtk_label_set_text (self->title_label, title && *title ? title : _("Untitled incident"));
  g_string_append_printf (summary, g_dngettext (GETTEXT_PACKAGE, "%u report", "%u reports", n_members), n_members);
  g_string_append_printf (summary, " · %s", tg_incident_status_get_label (status));
  if (n_tombstoned > 0)
    {
      g_string_append (summary, " · ");
      g_string_append_printf (summary, g_dngettext (GETTEXT_PACKAGE, "%u deleted by its monitor",
                                                    "%u deleted by their monitors", n_tombstoned),
                              n_tombstoned);
    }
  gtk_label_set_text (self->summary_label, summary->str);

  if (tg_incident_has_conflict (inc) || (self->bundle->conflicts && self->bundle->conflicts->len > 0))
    {
      gtk_label_set_text (self->conflict_label,
                          tg_incident_has_conflict (inc)
                          ? _("This incident was changed on two devices at once. Both versions are kept; what is shown is the newest.")
                          : _("A report of this incident is also in another incident: two coordinators merged it at once."));
      gtk_widget_set_visible (GTK_WIDGET (self->conflict_label), TRUE);
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->conflict_label), FALSE);
  gtk_widget_set_visible (self->resolve_button, tg_incident_has_conflict (inc));

  adw_combo_row_set_selected (self->status_row, status);
  gtk_editable_set_text (GTK_EDITABLE (self->status_reason_row), reason ? reason : "");
  if (at != NULL)
    {
      g_autoptr(GDateTime) local = g_date_time_to_local (at);
      g_autofree char *when = tg_ui_format_date (local, TG_DATE_PRECISION_EXACT);

      /* TRANSLATORS: "Verified by ana on 9 Jan 2023 15:42: three sources agree" */
      decided = g_strdup_printf (_("%s by %s on %s: %s"), tg_incident_status_get_label (status),
                                 by ? by : _("someone"), when, reason ? reason : _("no reason given"));
    }
  else
    decided = g_strdup (_("Not decided yet"));
  adw_action_row_set_subtitle (self->status_decided_row, decided);

  for (guint f = 0; f < TG_INCIDENT_N_FIELDS; f++)
    build_field (self, f);
  for (guint c = 0; c < TG_INCIDENT_N_COUNTS; c++)
    build_count (self, c);
  for (guint p = 0; p < tg_incident_get_n_persons (inc); p++)
    build_person (self, tg_incident_get_person (inc, p));
  gtk_widget_set_visible (GTK_WIDGET (self->persons_group), tg_incident_get_n_persons (inc) > 0);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->notes_view),
                            tg_incident_get_notes (inc) ? tg_incident_get_notes (inc) : "", -1);
  for (guint m = 0; m < n_members; m++)
    build_member (self, m, tg_incident_get_member (inc, m));

  self->loading_widgets = FALSE;
}

/* Loading --------------------------------------------------------------- */

static void
bundle_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(TgIncidentEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  TgIncidentBundle *bundle = tg_workspace_load_bundle_finish (TG_WORKSPACE (object), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  gtk_spinner_set_spinning (self->spinner, FALSE);
  set_busy (self, FALSE);
  g_clear_pointer (&self->bundle, tg_incident_bundle_free);
  if (bundle == NULL)
    {
      adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      return;
    }
  self->bundle = bundle;
  build (self);
  gtk_stack_set_visible_child_name (self->stack, "editor");
}

static void
reload (TgIncidentEditor *self)
{
  if (self->incident_id == NULL || self->workspace == NULL)
    return;
  /* Keep what is shown (no spinner) while the new state is read. */
  if (self->bundle == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "loading");
      gtk_spinner_set_spinning (self->spinner, TRUE);
    }
  set_busy (self, TRUE);
  tg_workspace_load_bundle_async (self->workspace, self->incident_id, self->cancellable,
                                  bundle_cb, g_object_ref (self));
}

/* GObject --------------------------------------------------------------- */

static void
tg_incident_editor_dispose (GObject *object)
{
  TgIncidentEditor *self = TG_INCIDENT_EDITOR (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), TG_TYPE_INCIDENT_EDITOR);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->bundle, tg_incident_bundle_free);
  g_clear_pointer (&self->incident_id, g_free);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->workspace);
  g_clear_object (&self->categories);
  g_clear_object (&self->perpetrators);

  G_OBJECT_CLASS (tg_incident_editor_parent_class)->dispose (object);
}

static void
tg_incident_editor_class_init (TgIncidentEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tg_incident_editor_dispose;

  signals[SHOW_MESSAGE] = g_signal_new ("show-message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[DISSOLVED] = g_signal_new ("dissolved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/testigo/Testigo/tg-incident-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, TgIncidentEditor, stack);
  gtk_widget_class_bind_template_child (widget_class, TgIncidentEditor, spinner);
  gtk_widget_class_bind_template_child (widget_class, TgIncidentEditor, error_page);
  gtk_widget_class_bind_template_child (widget_class, TgIncidentEditor, content);
  gtk_widget_class_bind_template_child (widget_class, TgIncidentEditor, title_label);
  gtk_widget_class_bind_template_child (widget_class, TgIncidentEditor, summary_label);
  gtk_widget_class_bind_template_child (widget_class, TgIncidentEditor, conflict_label);
  gtk_widget_class_bind_template_child (widget_class, TgIncidentEditor, resolve_button);
  gtk_widget_class_bind_template_child (widget_class, TgIncidentEditor, status_row);
  gtk_widget_class_bind_template_child (widget_class, TgIncidentEditor, status_reason_row);
  gtk_widget_class_bind_template_child (widget_class, TgIncidentEditor, status_decided_row);
  gtk_widget_class_bind_template_child (widget_class, TgIncidentEditor, set_status_button);
  gtk_widget_class_bind_template_child (widget_class, TgIncidentEditor, fields_group);
  gtk_widget_class_bind_template_child (widget_class, TgIncidentEditor, counts_group);
  gtk_widget_class_bind_template_child (widget_class, TgIncidentEditor, persons_group);
  gtk_widget_class_bind_template_child (widget_class, TgIncidentEditor, members_group);
  gtk_widget_class_bind_template_child (widget_class, TgIncidentEditor, notes_view);
  gtk_widget_class_bind_template_child (widget_class, TgIncidentEditor, save_notes_button);
  gtk_widget_class_bind_template_child (widget_class, TgIncidentEditor, dissolve_button);
  gtk_widget_class_bind_template_callback (widget_class, set_status_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, save_notes_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, dissolve_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, resolve_clicked_cb);
}

static void
tg_incident_editor_init (TgIncidentEditor *self)
{
  g_autoptr(GtkStringList) statuses = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->rows = g_ptr_array_new ();

  for (int s = TG_INCIDENT_STATUS_UNVERIFIED; s <= TG_INCIDENT_STATUS_DISPUTED; s++)
    gtk_string_list_append (statuses, tg_incident_status_get_label (s));
  adw_combo_row_set_model (self->status_row, G_LIST_MODEL (statuses));
}

/* Public API ------------------------------------------------------------ */

GtkWidget *
tg_incident_editor_new (void)
{
  return g_object_new (TG_TYPE_INCIDENT_EDITOR, NULL);
}

void
tg_incident_editor_set_workspace (TgIncidentEditor *self,
                                  TgWorkspace      *workspace)
{
  g_return_if_fail (TG_IS_INCIDENT_EDITOR (self));
  g_set_object (&self->workspace, workspace);
}

void
tg_incident_editor_set_vocabularies (TgIncidentEditor *self,
                                     GListModel       *categories,
                                     GListModel       *perpetrators)
{
  g_return_if_fail (TG_IS_INCIDENT_EDITOR (self));
  g_set_object (&self->categories, categories);
  g_set_object (&self->perpetrators, perpetrators);
}

void
tg_incident_editor_load (TgIncidentEditor *self,
                         const char       *incident_id)
{
  g_return_if_fail (TG_IS_INCIDENT_EDITOR (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_clear_pointer (&self->bundle, tg_incident_bundle_free);
  g_free (self->incident_id);
  self->incident_id = g_strdup (incident_id);
  clear_rows (self);
  reload (self);
}

const char *
tg_incident_editor_get_incident_id (TgIncidentEditor *self)
{
  g_return_val_if_fail (TG_IS_INCIDENT_EDITOR (self), NULL);
  return self->incident_id;
}

TgIncident *
tg_incident_editor_get_incident (TgIncidentEditor *self)
{
  g_return_val_if_fail (TG_IS_INCIDENT_EDITOR (self), NULL);
  return incident (self);
}
