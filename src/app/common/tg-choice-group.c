/* tg-choice-group.c — one differing value of a conflict, a choice per version
 *
 * The report resolver (a field of a report changed on two devices) and
 * the incident resolver (a part of an incident changed by two
 * coordinators) show each value that differs the same way: a group with
 * one radio check box per version, saying which version, who wrote it
 * and when; maybe a choice that takes every version's items together;
 * maybe a value of one's own, a line or a text, which typing chooses.
 * The group keeps which one is chosen; the resolvers decide what the
 * picks mean. It also knows each version by its revision and its value
 * in a form that compares, so that what was chosen can be chosen again
 * when the versions are loaded anew (TgChoiceMemory).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-choice-group"

#include "config.h"

#include <glib/gi18n.h>

#include "tg-choice-group.h"
#include "tg-types.h"
#include "tg-ui-util.h"

#define NAMED_CHARS 80    /* of a value in a choice's accessible name */

struct _TgChoiceGroup
{
  AdwPreferencesGroup parent_instance;

  int             pick;
  GtkCheckButton *leader;   /* the first check box: the radio group */
  GtkEditable    *entry;    /* the value of one's own, a line … */
  GtkTextBuffer  *buffer;   /* … or a text, or neither */
  GtkCheckButton *typed;    /* its check box */
  char           *start;    /* what it started with */
  GPtrArray      *version_ids;  /* char *, by version index */
  GPtrArray      *same_as;      /* char *, by version index */
  GArray         *others;       /* int: the picks that are no version */
  GPtrArray      *checks;       /* GtkCheckButton, each in a row of ours */
};

G_DEFINE_FINAL_TYPE (TgChoiceGroup, tg_choice_group, ADW_TYPE_PREFERENCES_GROUP)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Helpers ----------------------------------------------------------------- */

static char *
short_value (const char *value)
{
  g_autofree char *flat = g_strdup (value);

  g_strdelimit (flat, "\n\r\t", ' ');
  if (g_utf8_strlen (flat, -1) > NAMED_CHARS)
    {
      g_autofree char *cut = g_utf8_substring (flat, 0, NAMED_CHARS);

      return g_strconcat (cut, "…", NULL);
    }
  return g_steal_pointer (&flat);
}

static void
set_key (GtkWidget     *widget,
         TgChoiceGroup *self)
{
  const char *key = g_object_get_data (G_OBJECT (self), "tg-choice-key");

  g_object_set_data_full (G_OBJECT (widget), "tg-choice-key", g_strdup (key), g_free);
}

/* Callbacks --------------------------------------------------------------- */

static void
check_toggled_cb (GtkCheckButton *check,
                  TgChoiceGroup  *self)
{
  if (!gtk_check_button_get_active (check))
    return;
  self->pick = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (check), "tg-pick"));
  g_signal_emit (self, signals[CHANGED], 0);
}

/* Typing a value of one's own chooses it. */
static void
typed_cb (gpointer        editable_or_buffer,
          GtkCheckButton *check)
{
  gtk_check_button_set_active (check, TRUE);
}

static GtkCheckButton *
add_check (TgChoiceGroup *self,
           int            pick,
           const char    *accessible)
{
  GtkCheckButton *check = GTK_CHECK_BUTTON (gtk_check_button_new ());

  gtk_widget_set_valign (GTK_WIDGET (check), GTK_ALIGN_CENTER);
  if (self->leader != NULL)
    gtk_check_button_set_group (check, self->leader);
  else
    self->leader = check;
  set_key (GTK_WIDGET (check), self);
  g_object_set_data (G_OBJECT (check), "tg-pick", GINT_TO_POINTER (pick));
  tg_ui_set_accessible_label (GTK_WIDGET (check), accessible);
  g_signal_connect (check, "toggled", G_CALLBACK (check_toggled_cb), self);
  g_ptr_array_add (self->checks, check);
  return check;
}

static GtkCheckButton *
check_of (TgChoiceGroup *self,
          int            pick)
{
  for (guint i = 0; i < self->checks->len; i++)
    if (GPOINTER_TO_INT (g_object_get_data (self->checks->pdata[i], "tg-pick")) == pick)
      return self->checks->pdata[i];
  return NULL;
}

/* Class ----------------------------------------------------------------- */

static void
tg_choice_group_finalize (GObject *object)
{
  TgChoiceGroup *self = TG_CHOICE_GROUP (object);

  g_free (self->start);
  g_clear_pointer (&self->version_ids, g_ptr_array_unref);
  g_clear_pointer (&self->same_as, g_ptr_array_unref);
  g_clear_pointer (&self->others, g_array_unref);
  g_clear_pointer (&self->checks, g_ptr_array_unref);
  G_OBJECT_CLASS (tg_choice_group_parent_class)->finalize (object);
}

static void
tg_choice_group_class_init (TgChoiceGroupClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tg_choice_group_finalize;
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
tg_choice_group_init (TgChoiceGroup *self)
{
  self->pick = TG_CHOICE_PICK_NONE;
  self->version_ids = g_ptr_array_new_with_free_func (g_free);
  self->same_as = g_ptr_array_new_with_free_func (g_free);
  self->others = g_array_new (FALSE, FALSE, sizeof (int));
  self->checks = g_ptr_array_new ();
}

/* Public API ------------------------------------------------------------ */

GtkWidget *
tg_choice_group_new (const char *title,
                     const char *key)
{
  TgChoiceGroup *self = g_object_new (TG_TYPE_CHOICE_GROUP, "title", title, NULL);

  g_object_set_data_full (G_OBJECT (self), "tg-choice-key", g_strdup (key), g_free);
  return GTK_WIDGET (self);
}

int
tg_choice_group_get_pick (TgChoiceGroup *self)
{
  g_return_val_if_fail (TG_IS_CHOICE_GROUP (self), TG_CHOICE_PICK_NONE);
  return self->pick;
}

static GtkCheckButton *
add_row (TgChoiceGroup *self,
         int            pick,
         const char    *title,
         const char    *subtitle,
         int            title_lines,
         const char    *accessible)
{
  GtkCheckButton *check;
  GtkWidget *row;

  check = add_check (self, pick, accessible);
  row = adw_action_row_new ();
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), title_lines);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), GTK_WIDGET (check));
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), GTK_WIDGET (check));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), row);
  return check;
}

GtkCheckButton *
tg_choice_group_add_choice (TgChoiceGroup *self,
                            int            pick,
                            const char    *title,
                            const char    *subtitle,
                            int            title_lines,
                            const char    *accessible)
{
  g_return_val_if_fail (TG_IS_CHOICE_GROUP (self), NULL);
  g_return_val_if_fail (pick < 0 && pick != TG_CHOICE_PICK_TYPED && pick != TG_CHOICE_PICK_NONE, NULL);

  g_array_append_val (self->others, pick);
  return add_row (self, pick, title, subtitle, title_lines, accessible);
}

GtkCheckButton *
tg_choice_group_add_version (TgChoiceGroup *self,
                             guint          index,
                             const char    *value,
                             const char    *who,
                             const char    *when,
                             const char    *source,
                             int            title_lines,
                             const char    *version_id,
                             const char    *same_as)
{
  const char *title = adw_preferences_group_get_title (ADW_PREFERENCES_GROUP (self));
  g_autofree char *shown = short_value (value);
  g_autofree char *subtitle = NULL;
  g_autofree char *accessible = g_strdup_printf (_("%s from version %u (%s): %s"), title, index + 1, who, shown);

  if (source != NULL && *source != '\0')
    /* TRANSLATORS: "Version 1, from this laptop, 7 Dec 2026 11:20 by its clock · From the report “…”" */
    subtitle = g_strdup_printf (_("Version %u, from %s, %s · %s"), index + 1, who, when, source);
  else
    subtitle = g_strdup_printf (_("Version %u, from %s, %s"), index + 1, who, when);
  if (self->version_ids->len <= index)
    {
      g_ptr_array_set_size (self->version_ids, index + 1);
      g_ptr_array_set_size (self->same_as, index + 1);
    }
  g_free (self->version_ids->pdata[index]);
  self->version_ids->pdata[index] = g_strdup (version_id);
  g_free (self->same_as->pdata[index]);
  self->same_as->pdata[index] = g_strdup (same_as);
  return add_row (self, (int) index, value, subtitle, title_lines, accessible);
}

GtkCheckButton *
tg_choice_group_add_typed (TgChoiceGroup *self,
                           const char    *label,
                           const char    *start,
                           gboolean       multiline)
{
  GtkCheckButton *check;
  GtkWidget *row;
  GtkWidget *view;

  g_return_val_if_fail (TG_IS_CHOICE_GROUP (self), NULL);
  g_return_val_if_fail (self->entry == NULL && self->buffer == NULL, NULL);

  check = add_check (self, TG_CHOICE_PICK_TYPED, label);
  self->typed = check;
  self->start = g_strdup (start ? start : "");
  if (!multiline)
    {
      row = adw_entry_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), label);
      gtk_editable_set_text (GTK_EDITABLE (row), start ? start : "");
      adw_entry_row_add_prefix (ADW_ENTRY_ROW (row), GTK_WIDGET (check));
      set_key (row, self);
      g_signal_connect (row, "changed", G_CALLBACK (typed_cb), check);
      self->entry = GTK_EDITABLE (row);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), row);
      return check;
    }

  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), label);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("Start from the first version's text, below"));
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), GTK_WIDGET (check));
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), GTK_WIDGET (check));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), row);

  view = gtk_text_view_new ();
  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (view), GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_accepts_tab (GTK_TEXT_VIEW (view), FALSE);
  gtk_text_view_set_top_margin (GTK_TEXT_VIEW (view), 10);
  gtk_text_view_set_bottom_margin (GTK_TEXT_VIEW (view), 10);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (view), 10);
  gtk_text_view_set_right_margin (GTK_TEXT_VIEW (view), 10);
  gtk_widget_set_size_request (view, -1, 120);
  gtk_widget_set_margin_top (view, 6);
  gtk_widget_add_css_class (view, "card");
  tg_ui_set_accessible_label (view, label);
  set_key (view, self);
  self->buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (view));
  gtk_text_buffer_set_text (self->buffer, start ? start : "", -1);
  g_signal_connect (self->buffer, "changed", G_CALLBACK (typed_cb), check);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), view);
  return check;
}

char *
tg_choice_group_dup_typed (TgChoiceGroup *self)
{
  g_return_val_if_fail (TG_IS_CHOICE_GROUP (self), NULL);

  if (self->entry != NULL)
    return g_strdup (gtk_editable_get_text (self->entry));
  if (self->buffer != NULL)
    {
      GtkTextIter start, end;

      gtk_text_buffer_get_bounds (self->buffer, &start, &end);
      return gtk_text_buffer_get_text (self->buffer, &start, &end, FALSE);
    }
  return g_strdup ("");
}

guint
tg_choice_group_count_chosen (GtkWidget *box)
{
  guint n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (box); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (TG_IS_CHOICE_GROUP (child) && TG_CHOICE_GROUP (child)->pick != TG_CHOICE_PICK_NONE)
      n++;
  return n;
}

char *
tg_choice_when_written (gint64 created_at)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (created_at / G_USEC_PER_SEC);
  g_autofree char *text = dt ? tg_ui_format_date (dt, TG_DATE_PRECISION_EXACT) : NULL;

  if (text == NULL)
    return g_strdup (_("at an unknown time"));
  /* TRANSLATORS: a time as the device that wrote a version had it. */
  return g_strdup_printf (_("%s by its clock"), text);
}

void
tg_choice_add_version_row (AdwPreferencesGroup *versions,
                           guint                index,
                           const char          *who,
                           const char          *when,
                           const char          *rev_id)
{
  GPtrArray *rows = g_object_get_data (G_OBJECT (versions), "tg-version-rows");
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *title = g_strdup_printf (_("Version %u, from %s"), index + 1, who);
  g_autofree char *subtitle = g_strdup_printf (_("Saved %s · revision %.12s"), when, rev_id);

  if (rows == NULL)
    {
      rows = g_ptr_array_new ();
      g_object_set_data_full (G_OBJECT (versions), "tg-version-rows", rows, (GDestroyNotify) g_ptr_array_unref);
    }
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_preferences_group_add (versions, row);
  g_ptr_array_add (rows, row);
}

void
tg_choice_clear_version_rows (AdwPreferencesGroup *versions)
{
  GPtrArray *rows = g_object_get_data (G_OBJECT (versions), "tg-version-rows");

  for (guint i = 0; rows != NULL && i < rows->len; i++)
    adw_preferences_group_remove (versions, rows->pdata[i]);
  if (rows != NULL)
    g_ptr_array_set_size (rows, 0);
}

const char *
tg_choice_group_get_key (TgChoiceGroup *self)
{
  g_return_val_if_fail (TG_IS_CHOICE_GROUP (self), NULL);
  return g_object_get_data (G_OBJECT (self), "tg-choice-key");
}

/* Writes @text as the value of one's own without choosing it. */
static void
set_typed (TgChoiceGroup *self,
           const char    *text)
{
  if (self->entry != NULL)
    {
      g_signal_handlers_block_by_func (self->entry, typed_cb, self->typed);
      gtk_editable_set_text (self->entry, text);
      g_signal_handlers_unblock_by_func (self->entry, typed_cb, self->typed);
    }
  else if (self->buffer != NULL)
    {
      g_signal_handlers_block_by_func (self->buffer, typed_cb, self->typed);
      gtk_text_buffer_set_text (self->buffer, text, -1);
      g_signal_handlers_unblock_by_func (self->buffer, typed_cb, self->typed);
    }
}

void
tg_choice_group_remember (TgChoiceGroup  *self,
                          TgChoiceMemory *memory)
{
  g_autofree char *typed = NULL;
  const char *version_id = NULL;
  const char *same_as = NULL;

  g_return_if_fail (TG_IS_CHOICE_GROUP (self));
  g_return_if_fail (memory != NULL);

  /* What was written is kept even when a version is chosen, unless it is
   * what the editor started with. */
  if (self->entry != NULL || self->buffer != NULL)
    {
      typed = tg_choice_group_dup_typed (self);
      if (self->pick != TG_CHOICE_PICK_TYPED && g_strcmp0 (typed, self->start) == 0)
        g_clear_pointer (&typed, g_free);
    }
  if (self->pick >= 0 && (guint) self->pick < self->version_ids->len)
    {
      version_id = self->version_ids->pdata[self->pick];
      same_as = self->same_as->pdata[self->pick];
    }
  tg_choice_memory_remember (memory, tg_choice_group_get_key (self), self->pick, version_id, same_as, typed);
}

TgChoiceRecall
tg_choice_group_recall (TgChoiceGroup  *self,
                        TgChoiceMemory *memory)
{
  const char *key = tg_choice_group_get_key (self);
  const char *typed;
  TgChoiceRecall how;
  GtkCheckButton *check;
  int pick = TG_CHOICE_PICK_NONE;

  g_return_val_if_fail (TG_IS_CHOICE_GROUP (self), TG_CHOICE_RECALL_NONE);
  g_return_val_if_fail (memory != NULL, TG_CHOICE_RECALL_NONE);

  typed = tg_choice_memory_get_typed (memory, key);
  if (typed != NULL && self->typed != NULL)
    set_typed (self, typed);
  how = tg_choice_memory_recall (memory, key, self->version_ids->len,
                                 (const char * const *) self->version_ids->pdata,
                                 (const char * const *) self->same_as->pdata,
                                 (const int *) (gpointer) self->others->data, self->others->len, &pick);
  check = pick != TG_CHOICE_PICK_NONE ? check_of (self, pick) : NULL;
  if (pick != TG_CHOICE_PICK_NONE && check == NULL)
    how = TG_CHOICE_RECALL_LOST;
  if (check != NULL)
    gtk_check_button_set_active (check, TRUE);
  if (how == TG_CHOICE_RECALL_MOVED)
    adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self),
                                           _("The version you chose is gone: the version with the same value is chosen now."));
  else if (how == TG_CHOICE_RECALL_LOST)
    adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self),
                                           _("The version you chose is gone: choose again."));
  return how;
}
