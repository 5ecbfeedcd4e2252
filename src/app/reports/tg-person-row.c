/* tg-person-row.c — editing one person of a report
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-person-row"

#include "config.h"

#include <glib/gi18n.h>

#include "tg-person-row.h"
#include "tg-ui-util.h"
#include "tg-vocabulary-checklist.h"

struct _TgPersonRow
{
  AdwExpanderRow  parent_instance;

  TgPerson       *person;
  gboolean        loading;

  AdwEntryRow    *name_row;
  GtkSwitch      *pseudonym_switch;
  AdwComboRow    *role_row;
  GtkSpinButton  *age_min_spin;
  GtkSpinButton  *age_max_spin;
  AdwComboRow    *sex_row;
  GtkSwitch      *minor_switch;
  AdwEntryRow    *ethnicity_row;
  AdwEntryRow    *community_row;
  TgVocabularyChecklist *harms_row;
  TgVocabularyChecklist *weapons_row;
  AdwComboRow    *consent_row;
  AdwEntryRow    *notes_row;
};

G_DEFINE_FINAL_TYPE (TgPersonRow, tg_person_row, ADW_TYPE_EXPANDER_ROW)

enum {
  CHANGED,
  REMOVE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
update_header (TgPersonRow *self)
{
  const char *name = tg_person_get_name (self->person);
  g_autofree char *accessible = NULL;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self),
                                 (name != NULL && *name != '\0') ? name : _("Unnamed person"));
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (self), tg_ui_role_label (tg_person_get_role (self->person)));
}

/* Widgets → model: each control writes its own field when it changes. */

static void
changed (TgPersonRow *self)
{
  update_header (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

typedef void (*TextSetter) (TgPerson *person, const char *text);
typedef void (*CodesSetter) (TgPerson *person, const char * const *codes);

static void
text_changed_cb (GtkEditable *editable,
                 TgPersonRow *self)
{
  TextSetter set = (TextSetter) g_object_get_data (G_OBJECT (editable), "setter");

  if (self->loading || self->person == NULL)
    return;
  set (self->person, gtk_editable_get_text (editable));
  changed (self);
}

static void
bind_text (TgPersonRow *self,
           gpointer     editable,
           TextSetter   setter)
{
  g_object_set_data (G_OBJECT (editable), "setter", (gpointer) setter);
  g_signal_connect_object (editable, "changed", G_CALLBACK (text_changed_cb), self, 0);
}

static void
pseudonym_changed_cb (TgPersonRow *self)
{
  if (self->loading || self->person == NULL)
    return;
  tg_person_set_is_pseudonym (self->person, gtk_switch_get_active (self->pseudonym_switch));
  changed (self);
}

static void
role_changed_cb (TgPersonRow *self)
{
  if (self->loading || self->person == NULL)
    return;
  tg_person_set_role (self->person, adw_combo_row_get_selected (self->role_row));
  changed (self);
}

static void
age_changed_cb (TgPersonRow *self)
{
  int age_min, age_max;

  if (self->loading || self->person == NULL)
    return;
  age_min = gtk_spin_button_get_value_as_int (self->age_min_spin);
  age_max = gtk_spin_button_get_value_as_int (self->age_max_spin);
  if (age_max < age_min)
    age_max = age_min;
  tg_person_set_age_range (self->person, age_min, age_max);
  changed (self);
}

static void
sex_changed_cb (TgPersonRow *self)
{
  if (self->loading || self->person == NULL)
    return;
  tg_person_set_sex (self->person, adw_combo_row_get_selected (self->sex_row));
  changed (self);
}

static void
minor_changed_cb (TgPersonRow *self)
{
  if (self->loading || self->person == NULL)
    return;
  tg_person_set_minor (self->person, gtk_switch_get_active (self->minor_switch));
  changed (self);
}

static void
consent_changed_cb (TgPersonRow *self)
{
  if (self->loading || self->person == NULL)
    return;
  tg_person_set_consent (self->person, adw_combo_row_get_selected (self->consent_row));
  changed (self);
}

/* A tick writes the whole set of ticked codes of its group. */
static void
harms_changed_cb (TgPersonRow *self)
{
  if (self->loading || self->person == NULL)
    return;
  tg_person_set_harms (self->person, tg_vocabulary_checklist_get_codes (self->harms_row));
  changed (self);
}

static void
weapons_changed_cb (TgPersonRow *self)
{
  if (self->loading || self->person == NULL)
    return;
  tg_person_set_weapons (self->person, tg_vocabulary_checklist_get_codes (self->weapons_row));
  changed (self);
}

static void
remove_clicked_cb (TgPersonRow *self)
{
  g_signal_emit (self, signals[REMOVE], 0);
}

static void
load_fields (TgPersonRow *self)
{
  TgPerson *p = self->person;

  self->loading = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), tg_person_get_name (p) ? tg_person_get_name (p) : "");
  gtk_switch_set_active (self->pseudonym_switch, tg_person_get_is_pseudonym (p));
  adw_combo_row_set_selected (self->role_row, tg_person_get_role (p));
  gtk_spin_button_set_value (self->age_min_spin, tg_person_get_age_min (p));
  gtk_spin_button_set_value (self->age_max_spin, tg_person_get_age_max (p));
  adw_combo_row_set_selected (self->sex_row, tg_person_get_sex (p));
  gtk_switch_set_active (self->minor_switch, tg_person_get_minor (p));
  gtk_editable_set_text (GTK_EDITABLE (self->ethnicity_row), tg_person_get_ethnicity (p) ? tg_person_get_ethnicity (p) : "");
  gtk_editable_set_text (GTK_EDITABLE (self->community_row), tg_person_get_community (p) ? tg_person_get_community (p) : "");
  adw_combo_row_set_selected (self->consent_row, tg_person_get_consent (p));
  gtk_editable_set_text (GTK_EDITABLE (self->notes_row), tg_person_get_notes (p) ? tg_person_get_notes (p) : "");
  tg_vocabulary_checklist_set_codes (self->harms_row, tg_person_get_harms (p));
  tg_vocabulary_checklist_set_codes (self->weapons_row, tg_person_get_weapons (p));
  update_header (self);
  self->loading = FALSE;
}

static void
tg_person_row_dispose (GObject *object)
{
  TgPersonRow *self = TG_PERSON_ROW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), TG_TYPE_PERSON_ROW);
  g_clear_object (&self->person);

  G_OBJECT_CLASS (tg_person_row_parent_class)->dispose (object);
}

static void
tg_person_row_class_init (TgPersonRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tg_person_row_dispose;

  g_type_ensure (TG_TYPE_VOCABULARY_CHECKLIST);

  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[REMOVE] = g_signal_new ("remove", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/testigo/Testigo/tg-person-row.ui");
  gtk_widget_class_bind_template_child (widget_class, TgPersonRow, name_row);
  gtk_widget_class_bind_template_child (widget_class, TgPersonRow, pseudonym_switch);
  gtk_widget_class_bind_template_child (widget_class, TgPersonRow, role_row);
  gtk_widget_class_bind_template_child (widget_class, TgPersonRow, age_min_spin);
  gtk_widget_class_bind_template_child (widget_class, TgPersonRow, age_max_spin);
  gtk_widget_class_bind_template_child (widget_class, TgPersonRow, sex_row);
  gtk_widget_class_bind_template_child (widget_class, TgPersonRow, minor_switch);
  gtk_widget_class_bind_template_child (widget_class, TgPersonRow, ethnicity_row);
  gtk_widget_class_bind_template_child (widget_class, TgPersonRow, community_row);
  gtk_widget_class_bind_template_child (widget_class, TgPersonRow, harms_row);
  gtk_widget_class_bind_template_child (widget_class, TgPersonRow, weapons_row);
  gtk_widget_class_bind_template_child (widget_class, TgPersonRow, consent_row);
  gtk_widget_class_bind_template_child (widget_class, TgPersonRow, notes_row);
  gtk_widget_class_bind_template_callback (widget_class, pseudonym_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, role_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, age_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, sex_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, minor_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, consent_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, harms_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, weapons_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, remove_clicked_cb);
}

static void
tg_person_row_init (TgPersonRow *self)
{
  g_autoptr(GListModel) roles = tg_ui_role_model ();
  g_autoptr(GListModel) sexes = tg_ui_sex_model ();
  g_autoptr(GListModel) consents = tg_ui_consent_model ();

  self->loading = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));
  adw_combo_row_set_model (self->role_row, roles);
  adw_combo_row_set_model (self->sex_row, sexes);
  adw_combo_row_set_model (self->consent_row, consents);
  tg_ui_setup_count_spin (self->age_min_spin);
  tg_ui_setup_count_spin (self->age_max_spin);
  bind_text (self, self->name_row, tg_person_set_name);
  bind_text (self, self->ethnicity_row, tg_person_set_ethnicity);
  bind_text (self, self->community_row, tg_person_set_community);
  bind_text (self, self->notes_row, tg_person_set_notes);
  self->loading = FALSE;
}

GtkWidget *
tg_person_row_new (TgPerson   *person,
                   GListModel *harms,
                   GListModel *weapons)
{
  TgPersonRow *self = g_object_new (TG_TYPE_PERSON_ROW, NULL);

  self->person = g_object_ref (person);
  tg_vocabulary_checklist_set_vocabulary (self->harms_row, harms);
  tg_vocabulary_checklist_set_vocabulary (self->weapons_row, weapons);
  load_fields (self);
  return GTK_WIDGET (self);
}

TgPerson *
tg_person_row_get_person (TgPersonRow *self)
{
  g_return_val_if_fail (TG_IS_PERSON_ROW (self), NULL);
  return self->person;
}
