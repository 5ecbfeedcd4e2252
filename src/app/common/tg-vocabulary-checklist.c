/* tg-vocabulary-checklist.c — check boxes for the codes of a vocabulary
 *
 * Used by the report editor (categories, perpetrators) and the person row
 * (harms, weapons). The owner writes its field on "changed"; setting the
 * codes from the model does not emit it, so loading a report is not an
 * edit.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-vocabulary-checklist"

#include "config.h"

#include <glib/gi18n.h>

#include "tg-ui-util.h"
#include "tg-vocabulary.h"
#include "tg-vocabulary-checklist.h"

struct _TgVocabularyChecklist
{
  AdwExpanderRow  parent_instance;

  GListModel     *vocabulary;
  char           *language;
  char           *empty_text;
  gboolean        show_descriptions;

  GPtrArray      *rows;      /* AdwActionRow, one per entry */
  GPtrArray      *checks;    /* GtkCheckButton, same order */
  GStrv           codes;     /* the ticked codes, kept in step with checks */
  gboolean        loading;   /* setting the checks from code */
};

G_DEFINE_FINAL_TYPE (TgVocabularyChecklist, tg_vocabulary_checklist, ADW_TYPE_EXPANDER_ROW)

enum {
  PROP_0,
  PROP_VOCABULARY,
  PROP_LANGUAGE,
  PROP_CODES,
  PROP_EMPTY_TEXT,
  PROP_SHOW_DESCRIPTIONS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Helpers --------------------------------------------------------------- */

static const char *
check_code (GtkCheckButton *check)
{
  return g_object_get_data (G_OBJECT (check), "code");
}

static void
update_codes (TgVocabularyChecklist *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < self->checks->len; i++)
    {
      GtkCheckButton *check = g_ptr_array_index (self->checks, i);

      if (!gtk_check_button_get_active (check))
        continue;
      g_strv_builder_add (builder, check_code (check));
      g_string_append_printf (text, "%s%s", text->len ? ", " : "",
                              (const char *) g_object_get_data (G_OBJECT (check), "label"));
    }
  g_strfreev (self->codes);
  self->codes = g_strv_builder_end (builder);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (self),
                                 text->len ? text->str : (self->empty_text ? self->empty_text : ""));
}

/* A tick gives the whole set of ticked codes. */
static void
check_toggled_cb (TgVocabularyChecklist *self)
{
  if (self->loading)
    return;
  update_codes (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CODES]);
  g_signal_emit (self, signals[CHANGED], 0);
}

/* A check for a code this laptop's vocabulary lacks (a report from a
 * newer Testigo, or from an organisation with a longer list): shown ticked
 * under its code and kept, so that ticking another box never drops it.
 * The person may untick it. */
static GtkWidget *
add_unknown_check (TgVocabularyChecklist *self,
                   const char            *code)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *check = gtk_check_button_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), code);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                               _("Not in this laptop’s list; kept as it is"));
  g_object_set_data_full (G_OBJECT (check), "code", g_strdup (code), g_free);
  g_object_set_data_full (G_OBJECT (check), "label", g_strdup (code), g_free);
  g_object_set_data (G_OBJECT (check), "unknown", GINT_TO_POINTER (TRUE));
  tg_ui_set_accessible_label (check, code);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
  g_signal_connect_object (check, "toggled", G_CALLBACK (check_toggled_cb), self, G_CONNECT_SWAPPED);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (self), row);
  g_ptr_array_add (self->rows, row);
  g_ptr_array_add (self->checks, check);
  return check;
}

static gboolean
is_unknown (GtkCheckButton *check)
{
  return g_object_get_data (G_OBJECT (check), "unknown") != NULL;
}

static void
tick (TgVocabularyChecklist *self,
      const char * const    *codes)
{
  self->loading = TRUE;
  /* The unknown codes' checks come last; drop them and make them anew. */
  while (self->checks->len > 0 &&
         is_unknown (g_ptr_array_index (self->checks, self->checks->len - 1)))
    {
      adw_expander_row_remove (ADW_EXPANDER_ROW (self),
                               g_ptr_array_index (self->rows, self->rows->len - 1));
      g_ptr_array_set_size (self->rows, self->rows->len - 1);
      g_ptr_array_set_size (self->checks, self->checks->len - 1);
    }
  for (guint i = 0; i < self->checks->len; i++)
    {
      GtkCheckButton *check = g_ptr_array_index (self->checks, i);

      gtk_check_button_set_active (check, codes != NULL && g_strv_contains (codes, check_code (check)));
    }
  for (guint i = 0; codes != NULL && codes[i] != NULL; i++)
    {
      gboolean known = FALSE;

      for (guint j = 0; j < self->checks->len && !known; j++)
        known = g_strcmp0 (check_code (g_ptr_array_index (self->checks, j)), codes[i]) == 0;
      if (!known && *codes[i] != '\0')
        add_unknown_check (self, codes[i]);
    }
  self->loading = FALSE;
  update_codes (self);
}

static void
rebuild (TgVocabularyChecklist *self)
{
  g_auto(GStrv) ticked = g_strdupv (self->codes);
  guint n = self->vocabulary ? g_list_model_get_n_items (self->vocabulary) : 0;

  for (guint i = 0; i < self->rows->len; i++)
    adw_expander_row_remove (ADW_EXPANDER_ROW (self), g_ptr_array_index (self->rows, i));
  g_ptr_array_set_size (self->rows, 0);
  g_ptr_array_set_size (self->checks, 0);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TgVocabularyEntry) entry = g_list_model_get_item (self->vocabulary, i);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *check = gtk_check_button_new ();
      const char *label, *description;

      if (self->language != NULL)
        {
          label = tg_vocabulary_entry_get_label_for (entry, self->language);
          description = tg_vocabulary_entry_get_description_for (entry, self->language);
        }
      else
        {
          label = tg_vocabulary_entry_get_label (entry);
          description = tg_vocabulary_entry_get_description (entry);
        }
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), label);
      if (self->show_descriptions && description != NULL && *description != '\0')
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), description);
      g_object_set_data_full (G_OBJECT (check), "code", g_strdup (tg_vocabulary_entry_get_code (entry)), g_free);
      g_object_set_data_full (G_OBJECT (check), "label", g_strdup (label), g_free);
      tg_ui_set_accessible_label (check, label);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      g_signal_connect_object (check, "toggled", G_CALLBACK (check_toggled_cb), self, G_CONNECT_SWAPPED);
      adw_expander_row_add_row (ADW_EXPANDER_ROW (self), row);
      g_ptr_array_add (self->rows, row);
      g_ptr_array_add (self->checks, check);
    }
  tick (self, (const char * const *) ticked);
}

/* GObject --------------------------------------------------------------- */

static void
tg_vocabulary_checklist_finalize (GObject *object)
{
  TgVocabularyChecklist *self = TG_VOCABULARY_CHECKLIST (object);

  g_clear_object (&self->vocabulary);
  g_clear_pointer (&self->language, g_free);
  g_clear_pointer (&self->empty_text, g_free);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->checks, g_ptr_array_unref);
  g_clear_pointer (&self->codes, g_strfreev);

  G_OBJECT_CLASS (tg_vocabulary_checklist_parent_class)->finalize (object);
}

static void
tg_vocabulary_checklist_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  TgVocabularyChecklist *self = TG_VOCABULARY_CHECKLIST (object);

  switch (prop_id)
    {
    case PROP_VOCABULARY:
      g_value_set_object (value, self->vocabulary);
      break;
    case PROP_LANGUAGE:
      g_value_set_string (value, self->language);
      break;
    case PROP_CODES:
      g_value_set_boxed (value, self->codes);
      break;
    case PROP_EMPTY_TEXT:
      g_value_set_string (value, self->empty_text);
      break;
    case PROP_SHOW_DESCRIPTIONS:
      g_value_set_boolean (value, self->show_descriptions);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_vocabulary_checklist_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  TgVocabularyChecklist *self = TG_VOCABULARY_CHECKLIST (object);

  switch (prop_id)
    {
    case PROP_VOCABULARY:
      tg_vocabulary_checklist_set_vocabulary (self, g_value_get_object (value));
      break;
    case PROP_LANGUAGE:
      tg_vocabulary_checklist_set_language (self, g_value_get_string (value));
      break;
    case PROP_CODES:
      tg_vocabulary_checklist_set_codes (self, g_value_get_boxed (value));
      break;
    case PROP_EMPTY_TEXT:
      tg_vocabulary_checklist_set_empty_text (self, g_value_get_string (value));
      break;
    case PROP_SHOW_DESCRIPTIONS:
      tg_vocabulary_checklist_set_show_descriptions (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_vocabulary_checklist_class_init (TgVocabularyChecklistClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tg_vocabulary_checklist_finalize;
  object_class->get_property = tg_vocabulary_checklist_get_property;
  object_class->set_property = tg_vocabulary_checklist_set_property;

  properties[PROP_VOCABULARY] =
    g_param_spec_object ("vocabulary", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LANGUAGE] =
    g_param_spec_string ("language", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CODES] =
    g_param_spec_boxed ("codes", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_EMPTY_TEXT] =
    g_param_spec_string ("empty-text", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_DESCRIPTIONS] =
    g_param_spec_boolean ("show-descriptions", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
tg_vocabulary_checklist_init (TgVocabularyChecklist *self)
{
  self->rows = g_ptr_array_new ();
  self->checks = g_ptr_array_new ();
  self->codes = g_new0 (char *, 1);
}

/* Public API ------------------------------------------------------------ */

GtkWidget *
tg_vocabulary_checklist_new (GListModel *vocabulary,
                             const char *language)
{
  g_return_val_if_fail (vocabulary == NULL || G_IS_LIST_MODEL (vocabulary), NULL);

  return g_object_new (TG_TYPE_VOCABULARY_CHECKLIST,
                       "language", language,
                       "vocabulary", vocabulary,
                       NULL);
}

GListModel *
tg_vocabulary_checklist_get_vocabulary (TgVocabularyChecklist *self)
{
  g_return_val_if_fail (TG_IS_VOCABULARY_CHECKLIST (self), NULL);
  return self->vocabulary;
}

void
tg_vocabulary_checklist_set_vocabulary (TgVocabularyChecklist *self,
                                        GListModel            *vocabulary)
{
  g_return_if_fail (TG_IS_VOCABULARY_CHECKLIST (self));
  g_return_if_fail (vocabulary == NULL || G_IS_LIST_MODEL (vocabulary));

  if (!g_set_object (&self->vocabulary, vocabulary))
    return;
  rebuild (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VOCABULARY]);
}

const char *
tg_vocabulary_checklist_get_language (TgVocabularyChecklist *self)
{
  g_return_val_if_fail (TG_IS_VOCABULARY_CHECKLIST (self), NULL);
  return self->language;
}

void
tg_vocabulary_checklist_set_language (TgVocabularyChecklist *self,
                                      const char            *language)
{
  g_return_if_fail (TG_IS_VOCABULARY_CHECKLIST (self));

  if (g_strcmp0 (self->language, language) == 0)
    return;
  g_free (self->language);
  self->language = g_strdup (language);
  rebuild (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LANGUAGE]);
}

const char * const *
tg_vocabulary_checklist_get_codes (TgVocabularyChecklist *self)
{
  g_return_val_if_fail (TG_IS_VOCABULARY_CHECKLIST (self), NULL);
  return (const char * const *) self->codes;
}

void
tg_vocabulary_checklist_set_codes (TgVocabularyChecklist *self,
                                   const char * const    *codes)
{
  g_auto(GStrv) before = NULL;

  g_return_if_fail (TG_IS_VOCABULARY_CHECKLIST (self));

  before = g_steal_pointer (&self->codes);
  self->codes = g_new0 (char *, 1);
  tick (self, codes);
  if (!g_strv_equal ((const char * const *) before, (const char * const *) self->codes))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CODES]);
}

const char *
tg_vocabulary_checklist_get_empty_text (TgVocabularyChecklist *self)
{
  g_return_val_if_fail (TG_IS_VOCABULARY_CHECKLIST (self), NULL);
  return self->empty_text;
}

void
tg_vocabulary_checklist_set_empty_text (TgVocabularyChecklist *self,
                                        const char            *text)
{
  g_return_if_fail (TG_IS_VOCABULARY_CHECKLIST (self));

  if (g_strcmp0 (self->empty_text, text) == 0)
    return;
  g_free (self->empty_text);
  self->empty_text = g_strdup (text);
  update_codes (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EMPTY_TEXT]);
}

gboolean
tg_vocabulary_checklist_get_show_descriptions (TgVocabularyChecklist *self)
{
  g_return_val_if_fail (TG_IS_VOCABULARY_CHECKLIST (self), FALSE);
  return self->show_descriptions;
}

void
tg_vocabulary_checklist_set_show_descriptions (TgVocabularyChecklist *self,
                                               gboolean               show)
{
  g_return_if_fail (TG_IS_VOCABULARY_CHECKLIST (self));

  show = !!show;
  if (self->show_descriptions == show)
    return;
  self->show_descriptions = show;
  rebuild (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_DESCRIPTIONS]);
}
