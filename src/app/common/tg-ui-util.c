/* tg-ui-util.c — labels and formatting shared by the app's widgets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-ui-util"

#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>

#include <adwaita.h>

#include "tg-ui-util.h"

const char *
tg_ui_status_label (TgReportStatus status)
{
  switch (status)
    {
    case TG_REPORT_STATUS_DRAFT: return _("Draft");
    case TG_REPORT_STATUS_SUBMITTED: return _("Submitted");
    case TG_REPORT_STATUS_UNDER_REVIEW: return _("Under review");
    case TG_REPORT_STATUS_VERIFIED: return _("Verified");
    case TG_REPORT_STATUS_REJECTED: return _("Rejected");
    default: return "";
    }
}

const char *
tg_ui_role_label (TgPersonRole role)
{
  switch (role)
    {
    case TG_PERSON_ROLE_VICTIM: return _("Victim");
    case TG_PERSON_ROLE_WITNESS: return _("Witness");
    case TG_PERSON_ROLE_SOURCE: return _("Source");
    case TG_PERSON_ROLE_PERPETRATOR: return _("Alleged perpetrator");
    default: return "";
    }
}

const char *
tg_ui_consent_label (TgConsent consent)
{
  switch (consent)
    {
    case TG_CONSENT_NONE: return _("No consent: keep identity on this device");
    case TG_CONSENT_ORGANISATION: return _("Organisation only");
    case TG_CONSENT_PUBLIC: return _("Public");
    default: return "";
    }
}

const char *
tg_ui_sex_label (TgSex sex)
{
  switch (sex)
    {
    case TG_SEX_UNKNOWN: return _("Unknown");
    case TG_SEX_FEMALE: return _("Female");
    case TG_SEX_MALE: return _("Male");
    case TG_SEX_OTHER: return _("Other");
    default: return "";
    }
}

const char *
tg_ui_precision_label (TgDatePrecision precision)
{
  switch (precision)
    {
    case TG_DATE_PRECISION_EXACT: return _("Exact time");
    case TG_DATE_PRECISION_DAY: return _("Day");
    case TG_DATE_PRECISION_MONTH: return _("Month");
    case TG_DATE_PRECISION_APPROXIMATE: return _("Approximate");
    default: return "";
    }
}

const char *
tg_ui_source_kind_label (TgSourceKind kind)
{
  switch (kind)
    {
    case TG_SOURCE_KIND_FILE: return _("File");
    case TG_SOURCE_KIND_LINK: return _("Link");
    case TG_SOURCE_KIND_TESTIMONY: return _("Testimony");
    default: return "";
    }
}

char *
tg_ui_format_date (GDateTime       *date,
                   TgDatePrecision  precision)
{
  g_autoptr(GDateTime) local = NULL;
  g_autofree char *text = NULL;

  if (date == NULL)
    return NULL;

  local = g_date_time_to_local (date);
  switch (precision)
    {
    case TG_DATE_PRECISION_EXACT:
      /* Translators: a date with time, see g_date_time_format() */
      return g_date_time_format (local, _("%-d %b %Y %H:%M"));
    case TG_DATE_PRECISION_MONTH:
      /* Translators: a month and year, see g_date_time_format() */
      return g_date_time_format (local, _("%b %Y"));
    case TG_DATE_PRECISION_APPROXIMATE:
      text = g_date_time_format (local, _("%-d %b %Y"));
      /* Translators: %s is a date that is not certain */
      return g_strdup_printf (_("about %s"), text);
    case TG_DATE_PRECISION_DAY:
    default:
      /* Translators: a day, see g_date_time_format() */
      return g_date_time_format (local, _("%-d %b %Y"));
    }
}

char *
tg_ui_short_sha (const char *sha256)
{
  if (sha256 == NULL || *sha256 == '\0')
    return g_strdup ("");
  return g_strdup_printf ("%.12s…", sha256);
}

const char *
tg_ui_vocabulary_label (GListModel *vocabulary,
                        const char *code)
{
  if (code == NULL || !TG_IS_VOCABULARY (vocabulary))
    return code;
  return tg_vocabulary_get_label (TG_VOCABULARY (vocabulary), code, NULL);
}

static GListModel *
make_model (const char *(*label) (int),
            int          n)
{
  GtkStringList *list = gtk_string_list_new (NULL);

  for (int i = 0; i < n; i++)
    gtk_string_list_append (list, label (i));
  return G_LIST_MODEL (list);
}

GListModel *
tg_ui_status_model (void)
{
  return make_model ((const char *(*) (int)) tg_ui_status_label, TG_REPORT_STATUS_REJECTED + 1);
}

GListModel *
tg_ui_role_model (void)
{
  return make_model ((const char *(*) (int)) tg_ui_role_label, TG_PERSON_ROLE_PERPETRATOR + 1);
}

GListModel *
tg_ui_consent_model (void)
{
  return make_model ((const char *(*) (int)) tg_ui_consent_label, TG_CONSENT_PUBLIC + 1);
}

GListModel *
tg_ui_sex_model (void)
{
  return make_model ((const char *(*) (int)) tg_ui_sex_label, TG_SEX_OTHER + 1);
}

GListModel *
tg_ui_precision_model (void)
{
  return make_model ((const char *(*) (int)) tg_ui_precision_label, TG_DATE_PRECISION_APPROXIMATE + 1);
}

void
tg_ui_set_accessible_label (GtkWidget  *widget,
                            const char *label)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
}

static gboolean
count_output_cb (GtkSpinButton *spin,
                 gpointer       user_data)
{
  double value = gtk_adjustment_get_value (gtk_spin_button_get_adjustment (spin));
  g_autofree char *text = NULL;

  if (value < 0)
    text = g_strdup (_("Unknown"));
  else
    text = g_strdup_printf ("%d", (int) value);
  if (g_strcmp0 (text, gtk_editable_get_text (GTK_EDITABLE (spin))) != 0)
    gtk_editable_set_text (GTK_EDITABLE (spin), text);
  return TRUE;
}

static int
count_input_cb (GtkSpinButton *spin,
                double        *new_value,
                gpointer       user_data)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (spin));
  char *end = NULL;
  double value;

  while (*text == ' ')
    text++;
  if (*text == '\0' || g_strcmp0 (text, _("Unknown")) == 0)
    {
      *new_value = -1;
      return TRUE;
    }
  value = g_ascii_strtod (text, &end);
  if (end == text)
    return GTK_INPUT_ERROR;
  *new_value = value;
  return TRUE;
}

void
tg_ui_setup_count_spin (GtkSpinButton *spin)
{
  g_signal_connect (spin, "output", G_CALLBACK (count_output_cb), NULL);
  g_signal_connect (spin, "input", G_CALLBACK (count_input_cb), NULL);
}

/* Accessibility fixes for GTK 4.8 -------------------------------------- */

/* GTK 4.8 gives an AT-SPI action only to GtkButton and a few others: a
 * check box, a drop-down, a combo or expander row and the outer node of a
 * menu button (the one that carries its name) offer a screen reader
 * nothing to do; a drop-down's inner button, an expander row and
 * GtkCalendar's arrows have no name. Every such widget gets, when it is
 * first mapped, an action of its own ("a11y.toggle", "a11y.open",
 * "a11y.activate": GTK exposes a widget's own actions over AT-SPI) and a
 * name. An emission hook on GtkWidget::map reaches every one, including
 * rows built later, so none is forgotten. */

#define A11Y_DONE "tg-a11y-done"

static void
check_toggle_cb (GSimpleAction *action,
                 GVariant      *param,
                 gpointer       user_data)
{
  /* What a click does (in a group, only ever switched on). */
  gtk_widget_activate (GTK_WIDGET (user_data));
}

static void
menu_button_open_cb (GSimpleAction *action,
                     GVariant      *param,
                     gpointer       user_data)
{
  gtk_menu_button_popup (GTK_MENU_BUTTON (user_data));
}

static GtkWidget *
inner_toggle_button (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_TOGGLE_BUTTON (child))
      return child;
  return NULL;
}

static void
drop_down_open_cb (GSimpleAction *action,
                   GVariant      *param,
                   gpointer       user_data)
{
  GtkWidget *toggle = inner_toggle_button (GTK_WIDGET (user_data));

  if (toggle != NULL)
    gtk_widget_activate (toggle);
}

static void
add_a11y_action_full (GtkWidget  *widget,
                      const char *name,
                      GCallback   callback,
                      GtkWidget  *target)
{
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
  g_autoptr(GSimpleAction) action = g_simple_action_new (name, NULL);

  g_signal_connect_object (action, "activate", callback, target, 0);
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (action));
  gtk_widget_insert_action_group (widget, "a11y", G_ACTION_GROUP (group));
}

static void
add_a11y_action (GtkWidget  *widget,
                 const char *name,
                 GCallback   callback)
{
  add_a11y_action_full (widget, name, callback, widget);
}

static void
row_activate_cb (GSimpleAction *action,
                 GVariant      *param,
                 gpointer       user_data)
{
  gtk_widget_activate (GTK_WIDGET (user_data));
}

static void
name_from_title_cb (GtkWidget  *row,
                    GParamSpec *pspec,
                    GtkWidget  *named)
{
  const char *title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row));

  gtk_accessible_update_property (GTK_ACCESSIBLE (named),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, title ? title : "",
                                  -1);
}

/* GtkCalendar's four arrows are icon buttons without names: previous and
 * next month, then previous and next year, in that order in its header. */
static void
name_calendar_arrows (GtkWidget *calendar)
{
  const char *names[] = { N_("Previous month"), N_("Next month"), N_("Previous year"), N_("Next year") };
  GtkWidget *node = calendar;
  guint n = 0;

  /* Depth first, in the order they are packed. */
  while (node != NULL && n < G_N_ELEMENTS (names))
    {
      if (node != calendar && GTK_IS_BUTTON (node))
        {
          gtk_accessible_update_property (GTK_ACCESSIBLE (node),
                                          GTK_ACCESSIBLE_PROPERTY_LABEL, _(names[n]),
                                          -1);
          gtk_widget_set_tooltip_text (node, _(names[n]));
          n++;
        }
      if (gtk_widget_get_first_child (node) != NULL && !GTK_IS_BUTTON (node))
        node = gtk_widget_get_first_child (node);
      else
        {
          while (node != calendar && gtk_widget_get_next_sibling (node) == NULL)
            node = gtk_widget_get_parent (node);
          node = node == calendar ? NULL : gtk_widget_get_next_sibling (node);
        }
    }
}

static gboolean
map_hook_cb (GSignalInvocationHint *hint,
             guint                  n_params,
             const GValue          *params,
             gpointer               user_data)
{
  GtkWidget *widget = g_value_get_object (&params[0]);

  static GType list_item_widget = 0;

  if (list_item_widget == 0)
    list_item_widget = g_type_from_name ("GtkListItemWidget");

  if (!GTK_IS_CHECK_BUTTON (widget) && !GTK_IS_DROP_DOWN (widget) && !GTK_IS_MENU_BUTTON (widget) &&
      !GTK_IS_LIST_BOX_ROW (widget) && !GTK_IS_CALENDAR (widget) &&
      G_OBJECT_TYPE (widget) != list_item_widget)
    return TRUE;
  if (g_object_get_data (G_OBJECT (widget), A11Y_DONE) != NULL)
    return TRUE;
  g_object_set_data (G_OBJECT (widget), A11Y_DONE, GINT_TO_POINTER (1));

  if (G_OBJECT_TYPE (widget) == list_item_widget)
    {
      /* The selected value shown inside a combo row (not the items of
       * its open list, in a popover): named by the row, opens it. */
      GtkWidget *combo = gtk_widget_get_ancestor (widget, ADW_TYPE_COMBO_ROW);

      if (combo != NULL && gtk_widget_get_ancestor (widget, GTK_TYPE_POPOVER) == NULL)
        {
          g_signal_connect_object (combo, "notify::title", G_CALLBACK (name_from_title_cb), widget, 0);
          name_from_title_cb (combo, NULL, widget);
          add_a11y_action_full (widget, "open", G_CALLBACK (row_activate_cb), combo);
        }
    }
  else if (GTK_IS_CALENDAR (widget))
    name_calendar_arrows (widget);
  else if (GTK_IS_LIST_BOX_ROW (widget))
    {
      /* A row that is not an action row (an expander row, a plain
       * preferences row around a text view) is named by its title, which
       * changes as a person's name is typed. */
      if (ADW_IS_PREFERENCES_ROW (widget) && !ADW_IS_ACTION_ROW (widget) && !ADW_IS_ENTRY_ROW (widget))
        {
          g_signal_connect_object (widget, "notify::title", G_CALLBACK (name_from_title_cb), widget, 0);
          name_from_title_cb (widget, NULL, widget);
        }

      /* A row that does something when activated (a combo row opens its
       * list, an expander row opens, a check row ticks its box). */
      if (ADW_IS_COMBO_ROW (widget))
        add_a11y_action (widget, "open", G_CALLBACK (row_activate_cb));
      else if (gtk_list_box_row_get_activatable (GTK_LIST_BOX_ROW (widget)))
        add_a11y_action (widget, "activate", G_CALLBACK (row_activate_cb));
    }
  else if (GTK_IS_CHECK_BUTTON (widget))
    add_a11y_action (widget, "toggle", G_CALLBACK (check_toggle_cb));
  else if (GTK_IS_MENU_BUTTON (widget))
    add_a11y_action (widget, "open", G_CALLBACK (menu_button_open_cb));
  else
    {
      GtkWidget *toggle = inner_toggle_button (widget);

      add_a11y_action (widget, "open", G_CALLBACK (drop_down_open_cb));
      if (toggle != NULL)
        gtk_accessible_update_relation (GTK_ACCESSIBLE (toggle),
                                        GTK_ACCESSIBLE_RELATION_LABELLED_BY, widget, NULL,
                                        -1);
    }
  return TRUE;
}

void
tg_ui_install_accessibility_fixes (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      gpointer klass = g_type_class_ref (GTK_TYPE_WIDGET);  /* registers "map" */

      g_signal_add_emission_hook (g_signal_lookup ("map", GTK_TYPE_WIDGET), 0,
                                  map_hook_cb, NULL, NULL);
      g_type_class_unref (klass);
      g_once_init_leave (&done, 1);
    }
}

GApplication *
tg_ui_hold_application (GtkWidget *widget)
{
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkApplication *application = NULL;

  if (GTK_IS_WINDOW (root))
    {
      GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (root));

      application = gtk_window_get_application (GTK_WINDOW (root));
      if (application == NULL && parent != NULL)
        application = gtk_window_get_application (parent);
    }
  if (application == NULL)
    return NULL;
  g_application_hold (G_APPLICATION (application));
  return g_object_ref (G_APPLICATION (application));
}

void
tg_ui_release_application (GApplication *application)
{
  if (application == NULL)
    return;
  g_application_release (application);
  g_object_unref (application);
}
