/* tg-resolver-window.c — the window of a conflict resolver, shared by the
 * report and incident resolvers
 *
 * Both resolvers are the same window: a spinner while the versions load
 * on a worker thread, then the versions (who wrote each, when) and a
 * TgChoiceGroup for each value that differs, a progress line ("2 of 4
 * details chosen"), Save once every value has an answer, and a notice
 * above when something needs saying. A single version, or a load that
 * failed, is a status page. This class holds that window, its state and
 * its save action; a subclass loads, builds its groups and saves what
 * they mean (a merged report, a resolved incident) in its own words,
 * which its template sets (title, Save, the text above and below).
 *
 * When saving finds that another version arrived meanwhile, the versions
 * are loaded again and what the person chose is kept (TgChoiceMemory): a
 * choice comes back where its version still is; when that version is
 * gone, the version holding the same value is chosen instead, else
 * nothing; a value written anew always comes back. The notice and each
 * such value's group say what fell back.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-resolver-window"

#include "config.h"

#include <glib/gi18n.h>

#include "tg-resolver-window.h"
#include "tg-types.h"
#include "tg-ui-util.h"

typedef struct
{
  char           *state;
  char           *notice;
  char           *reload_notice;  /* said again once the versions are back */
  GCancellable   *cancellable;
  GApplication   *held;           /* while a save runs, or NULL */
  TgChoiceMemory *memory;         /* what was chosen before a reload */
  GHashTable     *labels;         /* key → title of a group remembered */

  /* template children */
  AdwWindowTitle      *window_title;
  GtkWidget           *save_button;
  GtkRevealer         *notice_revealer;
  GtkWidget           *notice_box;
  GtkLabel            *notice_label;
  GtkStack            *stack;
  GtkSpinner          *spinner;
  AdwStatusPage       *status_page;
  GtkLabel            *intro_label;
  AdwPreferencesGroup *versions_group;
  GtkBox              *choices_box;
  GtkLabel            *history_label;
  GtkLabel            *progress_label;
} TgResolverWindowPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (TgResolverWindow, tg_resolver_window, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_STATE,
  PROP_INTRO,
  PROP_HISTORY_NOTE,
  PROP_SAVE_LABEL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Helpers ----------------------------------------------------------------- */

static void
set_state (TgResolverWindow *self,
           const char       *state)
{
  TgResolverWindowPrivate *priv = tg_resolver_window_get_instance_private (self);

  if (g_strcmp0 (priv->state, state) == 0)
    return;
  g_free (priv->state);
  priv->state = g_strdup (state);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
update_progress (TgResolverWindow *self)
{
  TgResolverWindowPrivate *priv = tg_resolver_window_get_instance_private (self);
  guint n = tg_resolver_window_get_n_choices (self);
  guint chosen = tg_resolver_window_get_n_chosen (self);
  g_autofree char *text = NULL;

  if (n == 0)
    text = g_strdup (_("Every version holds the same details: saving joins them into one."));
  else
    text = TG_RESOLVER_WINDOW_GET_CLASS (self)->describe_progress (self, chosen, n);
  g_return_if_fail (text != NULL);
  gtk_label_set_text (priv->progress_label, text);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "resolver.save",
                                 g_strcmp0 (priv->state, "choosing") == 0 && chosen == n);
}

static void
show_message (TgResolverWindow *self,
              const char       *icon,
              const char       *title,
              const char       *description)
{
  TgResolverWindowPrivate *priv = tg_resolver_window_get_instance_private (self);

  adw_status_page_set_icon_name (priv->status_page, icon);
  adw_status_page_set_title (priv->status_page, title);
  adw_status_page_set_description (priv->status_page, description);
  gtk_stack_set_visible_child_name (priv->stack, "message");
}

static void
clear_choices (TgResolverWindow *self)
{
  TgResolverWindowPrivate *priv = tg_resolver_window_get_instance_private (self);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (priv->choices_box))))
    gtk_box_remove (priv->choices_box, child);
  tg_choice_clear_version_rows (priv->versions_group);
}

/* Keeps what every group has chosen and written, and its title. */
static void
remember_choices (TgResolverWindow *self)
{
  TgResolverWindowPrivate *priv = tg_resolver_window_get_instance_private (self);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (priv->choices_box)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (TG_IS_CHOICE_GROUP (child))
      {
        TgChoiceGroup *group = TG_CHOICE_GROUP (child);

        tg_choice_group_remember (group, priv->memory);
        g_hash_table_insert (priv->labels, g_strdup (tg_choice_group_get_key (group)),
                             g_strdup (adw_preferences_group_get_title (ADW_PREFERENCES_GROUP (group))));
      }
}

static void
append_sentence (GString    *out,
                 const char *sentence)
{
  if (out->len > 0)
    g_string_append_c (out, ' ');
  g_string_append (out, sentence);
}

static void
append_list (GString    *list,
             const char *item)
{
  g_string_append_printf (list, "%s%s", list->len > 0 ? ", " : "", item);
}

/* Chooses again what was chosen before the reload, and says in the
 * notice what fell back. */
static void
recall_choices (TgResolverWindow *self)
{
  TgResolverWindowPrivate *priv = tg_resolver_window_get_instance_private (self);
  g_autoptr(GString) notice = g_string_new (priv->reload_notice);
  g_autoptr(GString) moved = g_string_new (NULL);
  g_autoptr(GString) lost = g_string_new (NULL);
  g_autoptr(GHashTable) shown = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree const char **typed = tg_choice_memory_list_typed (priv->memory);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (priv->choices_box)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (TG_IS_CHOICE_GROUP (child))
      {
        TgChoiceGroup *group = TG_CHOICE_GROUP (child);
        const char *title = adw_preferences_group_get_title (ADW_PREFERENCES_GROUP (group));

        g_hash_table_add (shown, (gpointer) tg_choice_group_get_key (group));
        switch (tg_choice_group_recall (group, priv->memory))
          {
          case TG_CHOICE_RECALL_MOVED:
            append_list (moved, title);
            break;
          case TG_CHOICE_RECALL_LOST:
            append_list (lost, title);
            break;
          case TG_CHOICE_RECALL_NONE:
          case TG_CHOICE_RECALL_SAME:
          case TG_CHOICE_RECALL_TYPED:
          default:
            break;
          }
      }

  if (moved->len > 0)
    {
      g_autofree char *text = g_strdup_printf (_("The version you chose for %s is gone: the version with "
                                                 "the same value is chosen now."), moved->str);

      append_sentence (notice, text);
    }
  if (lost->len > 0)
    {
      g_autofree char *text = g_strdup_printf (_("The version you chose for %s is gone: choose again."),
                                               lost->str);

      append_sentence (notice, text);
    }
  /* A value written anew where every version now agrees: said, so that
   * it is not lost. */
  for (guint i = 0; typed != NULL && typed[i] != NULL; i++)
    if (!g_hash_table_contains (shown, typed[i]))
      {
        const char *label = g_hash_table_lookup (priv->labels, typed[i]);
        g_autofree char *text = g_strdup_printf (_("Every version now holds the same %s; what you wrote for it was: “%s”"),
                                                 label ? label : typed[i],
                                                 tg_choice_memory_get_typed (priv->memory, typed[i]));

        append_sentence (notice, text);
      }
  if (notice->len > 0)
    tg_resolver_window_set_notice (self, notice->str);
  g_clear_pointer (&priv->reload_notice, g_free);
}

/* Callbacks --------------------------------------------------------------- */

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  TgResolverWindow *self = TG_RESOLVER_WINDOW (widget);
  TgResolverWindowPrivate *priv = tg_resolver_window_get_instance_private (self);

  if (g_strcmp0 (priv->state, "choosing") != 0 ||
      tg_resolver_window_get_n_chosen (self) < tg_resolver_window_get_n_choices (self))
    return;
  TG_RESOLVER_WINDOW_GET_CLASS (self)->save (self);
}

/* Vfuncs ---------------------------------------------------------------- */

static void
tg_resolver_window_dispose (GObject *object)
{
  TgResolverWindow *self = TG_RESOLVER_WINDOW (object);
  TgResolverWindowPrivate *priv = tg_resolver_window_get_instance_private (self);

  if (priv->cancellable != NULL)
    g_cancellable_cancel (priv->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), TG_TYPE_RESOLVER_WINDOW);
  G_OBJECT_CLASS (tg_resolver_window_parent_class)->dispose (object);
}

static void
tg_resolver_window_finalize (GObject *object)
{
  TgResolverWindow *self = TG_RESOLVER_WINDOW (object);
  TgResolverWindowPrivate *priv = tg_resolver_window_get_instance_private (self);

  tg_ui_release_application (g_steal_pointer (&priv->held));
  g_clear_object (&priv->cancellable);
  g_clear_pointer (&priv->memory, tg_choice_memory_free);
  g_clear_pointer (&priv->labels, g_hash_table_unref);
  g_free (priv->state);
  g_free (priv->notice);
  g_free (priv->reload_notice);
  G_OBJECT_CLASS (tg_resolver_window_parent_class)->finalize (object);
}

static void
tg_resolver_window_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  TgResolverWindow *self = TG_RESOLVER_WINDOW (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_string (value, tg_resolver_window_get_state (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_resolver_window_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  TgResolverWindow *self = TG_RESOLVER_WINDOW (object);
  TgResolverWindowPrivate *priv = tg_resolver_window_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_INTRO:
      gtk_label_set_text (priv->intro_label, g_value_get_string (value));
      break;
    case PROP_HISTORY_NOTE:
      gtk_label_set_text (priv->history_label, g_value_get_string (value));
      break;
    case PROP_SAVE_LABEL:
      gtk_button_set_label (GTK_BUTTON (priv->save_button), g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_resolver_window_class_init (TgResolverWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tg_resolver_window_dispose;
  object_class->finalize = tg_resolver_window_finalize;
  object_class->get_property = tg_resolver_window_get_property;
  object_class->set_property = tg_resolver_window_set_property;

  properties[PROP_STATE] =
    g_param_spec_string ("state", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_INTRO] =
    g_param_spec_string ("intro", NULL, NULL, NULL,
                         G_PARAM_WRITABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HISTORY_NOTE] =
    g_param_spec_string ("history-note", NULL, NULL, NULL,
                         G_PARAM_WRITABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SAVE_LABEL] =
    g_param_spec_string ("save-label", NULL, NULL, NULL,
                         G_PARAM_WRITABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "resolver.save", NULL, save_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "resolver.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/testigo/Testigo/tg-resolver-window.ui");
  gtk_widget_class_bind_template_child_private (widget_class, TgResolverWindow, window_title);
  gtk_widget_class_bind_template_child_private (widget_class, TgResolverWindow, save_button);
  gtk_widget_class_bind_template_child_private (widget_class, TgResolverWindow, notice_revealer);
  gtk_widget_class_bind_template_child_private (widget_class, TgResolverWindow, notice_box);
  gtk_widget_class_bind_template_child_private (widget_class, TgResolverWindow, notice_label);
  gtk_widget_class_bind_template_child_private (widget_class, TgResolverWindow, stack);
  gtk_widget_class_bind_template_child_private (widget_class, TgResolverWindow, spinner);
  gtk_widget_class_bind_template_child_private (widget_class, TgResolverWindow, status_page);
  gtk_widget_class_bind_template_child_private (widget_class, TgResolverWindow, intro_label);
  gtk_widget_class_bind_template_child_private (widget_class, TgResolverWindow, versions_group);
  gtk_widget_class_bind_template_child_private (widget_class, TgResolverWindow, choices_box);
  gtk_widget_class_bind_template_child_private (widget_class, TgResolverWindow, history_label);
  gtk_widget_class_bind_template_child_private (widget_class, TgResolverWindow, progress_label);
}

static void
tg_resolver_window_init (TgResolverWindow *self)
{
  TgResolverWindowPrivate *priv = tg_resolver_window_get_instance_private (self);

  gtk_widget_init_template (GTK_WIDGET (self));
  priv->cancellable = g_cancellable_new ();
  priv->memory = tg_choice_memory_new ();
  priv->labels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_object_bind_property (self, "title", priv->window_title, "title", G_BINDING_SYNC_CREATE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "resolver.save", FALSE);
}

/* Public API ------------------------------------------------------------ */

const char *
tg_resolver_window_get_state (TgResolverWindow *self)
{
  TgResolverWindowPrivate *priv = tg_resolver_window_get_instance_private (self);

  g_return_val_if_fail (TG_IS_RESOLVER_WINDOW (self), NULL);
  return priv->state;
}

const char *
tg_resolver_window_get_notice (TgResolverWindow *self)
{
  TgResolverWindowPrivate *priv = tg_resolver_window_get_instance_private (self);

  g_return_val_if_fail (TG_IS_RESOLVER_WINDOW (self), NULL);
  return priv->notice;
}

void
tg_resolver_window_set_notice (TgResolverWindow *self,
                               const char       *notice)
{
  TgResolverWindowPrivate *priv = tg_resolver_window_get_instance_private (self);

  g_return_if_fail (TG_IS_RESOLVER_WINDOW (self));

  g_free (priv->notice);
  priv->notice = g_strdup (notice);
  gtk_label_set_text (priv->notice_label, notice ? notice : "");
  gtk_revealer_set_reveal_child (priv->notice_revealer, notice != NULL);
}

guint
tg_resolver_window_get_n_choices (TgResolverWindow *self)
{
  TgResolverWindowPrivate *priv = tg_resolver_window_get_instance_private (self);
  guint n = 0;

  g_return_val_if_fail (TG_IS_RESOLVER_WINDOW (self), 0);
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (priv->choices_box)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += TG_IS_CHOICE_GROUP (child);
  return n;
}

guint
tg_resolver_window_get_n_chosen (TgResolverWindow *self)
{
  TgResolverWindowPrivate *priv = tg_resolver_window_get_instance_private (self);

  g_return_val_if_fail (TG_IS_RESOLVER_WINDOW (self), 0);
  return tg_choice_group_count_chosen (GTK_WIDGET (priv->choices_box));
}

void
tg_resolver_window_load (TgResolverWindow *self)
{
  TgResolverWindowPrivate *priv = tg_resolver_window_get_instance_private (self);

  g_return_if_fail (TG_IS_RESOLVER_WINDOW (self));

  set_state (self, "loading");
  gtk_stack_set_visible_child_name (priv->stack, "loading");
  gtk_spinner_start (priv->spinner);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "resolver.save", FALSE);
  TG_RESOLVER_WINDOW_GET_CLASS (self)->load (self, priv->cancellable);
}

void
tg_resolver_window_reload (TgResolverWindow *self,
                           const char       *notice)
{
  TgResolverWindowPrivate *priv = tg_resolver_window_get_instance_private (self);

  g_return_if_fail (TG_IS_RESOLVER_WINDOW (self));

  remember_choices (self);
  g_free (priv->reload_notice);
  priv->reload_notice = g_strdup (notice);
  tg_resolver_window_set_notice (self, notice);
  tg_resolver_window_load (self);
}

void
tg_resolver_window_begin_choices (TgResolverWindow *self,
                                  const char       *subtitle)
{
  TgResolverWindowPrivate *priv = tg_resolver_window_get_instance_private (self);

  g_return_if_fail (TG_IS_RESOLVER_WINDOW (self));

  gtk_spinner_stop (priv->spinner);
  clear_choices (self);
  adw_window_title_set_subtitle (priv->window_title, subtitle);
}

void
tg_resolver_window_add_version (TgResolverWindow *self,
                                guint             index,
                                const char       *who,
                                const char       *when,
                                const char       *rev_id)
{
  TgResolverWindowPrivate *priv = tg_resolver_window_get_instance_private (self);

  g_return_if_fail (TG_IS_RESOLVER_WINDOW (self));
  tg_choice_add_version_row (priv->versions_group, index, who, when, rev_id);
}

void
tg_resolver_window_add_choice (TgResolverWindow *self,
                               TgChoiceGroup    *group)
{
  TgResolverWindowPrivate *priv = tg_resolver_window_get_instance_private (self);

  g_return_if_fail (TG_IS_RESOLVER_WINDOW (self));
  g_return_if_fail (TG_IS_CHOICE_GROUP (group));

  g_signal_connect_object (group, "changed", G_CALLBACK (update_progress), self, G_CONNECT_SWAPPED);
  gtk_box_append (priv->choices_box, GTK_WIDGET (group));
}

void
tg_resolver_window_show_choices (TgResolverWindow *self)
{
  TgResolverWindowPrivate *priv = tg_resolver_window_get_instance_private (self);

  g_return_if_fail (TG_IS_RESOLVER_WINDOW (self));

  recall_choices (self);
  set_state (self, "choosing");
  gtk_stack_set_visible_child_name (priv->stack, "choices");
  update_progress (self);
  if (tg_resolver_window_get_n_choices (self) > 0)
    gtk_widget_child_focus (GTK_WIDGET (priv->choices_box), GTK_DIR_TAB_FORWARD);
}

const char *
tg_resolver_window_get_kept_typed (TgResolverWindow *self,
                                   const char       *key)
{
  TgResolverWindowPrivate *priv = tg_resolver_window_get_instance_private (self);

  g_return_val_if_fail (TG_IS_RESOLVER_WINDOW (self), NULL);
  return tg_choice_memory_get_typed (priv->memory, key);
}

void
tg_resolver_window_show_nothing (TgResolverWindow *self,
                                 const char       *description)
{
  TgResolverWindowPrivate *priv = tg_resolver_window_get_instance_private (self);

  g_return_if_fail (TG_IS_RESOLVER_WINDOW (self));

  gtk_spinner_stop (priv->spinner);
  clear_choices (self);
  set_state (self, "nothing");
  show_message (self, "emblem-ok-symbolic", _("Nothing to Resolve"), description);
  update_progress (self);
}

void
tg_resolver_window_load_failed (TgResolverWindow *self,
                                const GError     *error)
{
  TgResolverWindowPrivate *priv = tg_resolver_window_get_instance_private (self);

  g_return_if_fail (TG_IS_RESOLVER_WINDOW (self));

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  gtk_spinner_stop (priv->spinner);
  set_state (self, "error");
  show_message (self, "dialog-error-symbolic", _("Could Not Load the Versions"), error->message);
}

void
tg_resolver_window_begin_saving (TgResolverWindow *self,
                                 const char       *progress)
{
  TgResolverWindowPrivate *priv = tg_resolver_window_get_instance_private (self);

  g_return_if_fail (TG_IS_RESOLVER_WINDOW (self));

  tg_resolver_window_set_notice (self, NULL);
  set_state (self, "saving");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "resolver.save", FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (priv->choices_box), FALSE);
  gtk_label_set_text (priv->progress_label, progress);
  /* Quitting waits for the save. */
  tg_ui_release_application (g_steal_pointer (&priv->held));
  priv->held = tg_ui_hold_application (GTK_WIDGET (self));
}

void
tg_resolver_window_saved (TgResolverWindow *self)
{
  TgResolverWindowPrivate *priv = tg_resolver_window_get_instance_private (self);

  g_return_if_fail (TG_IS_RESOLVER_WINDOW (self));

  tg_ui_release_application (g_steal_pointer (&priv->held));
  gtk_widget_set_sensitive (GTK_WIDGET (priv->choices_box), TRUE);
  set_state (self, "saved");
}

void
tg_resolver_window_save_failed (TgResolverWindow *self,
                                const GError     *error,
                                const char       *conflict_notice,
                                const char       *failed)
{
  TgResolverWindowPrivate *priv = tg_resolver_window_get_instance_private (self);

  g_return_if_fail (TG_IS_RESOLVER_WINDOW (self));

  tg_ui_release_application (g_steal_pointer (&priv->held));
  gtk_widget_set_sensitive (GTK_WIDGET (priv->choices_box), TRUE);
  if (g_error_matches (error, TG_ERROR, TG_ERROR_CONFLICT))
    {
      tg_resolver_window_reload (self, conflict_notice ? conflict_notice : error->message);
      return;
    }
  set_state (self, "choosing");
  tg_resolver_window_set_notice (self, failed);
  update_progress (self);
}

void
tg_resolver_window_style_notice (TgResolverWindow *self,
                                 const char       *css_class)
{
  TgResolverWindowPrivate *priv = tg_resolver_window_get_instance_private (self);

  g_return_if_fail (TG_IS_RESOLVER_WINDOW (self));

  gtk_widget_set_margin_top (priv->notice_box, 0);
  gtk_widget_set_margin_bottom (priv->notice_box, 0);
  gtk_widget_set_margin_start (priv->notice_box, 0);
  gtk_widget_set_margin_end (priv->notice_box, 0);
  gtk_widget_add_css_class (priv->notice_box, css_class);
}
