/* tg-preferences-window.c — the application's preferences
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-preferences-window"

#include "config.h"

#include <glib/gi18n.h>

#include "tg-change-passphrase.h"
#include "tg-map-preferences-page.h"
#include "tg-preferences-window.h"
#include "tg-sync-preferences-page.h"
#include "tg-vault.h"

struct _TgPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  TgApplication        *app;
  GSettings            *settings;

  AdwComboRow          *language_row;
  AdwEntryRow          *region_row;
  AdwComboRow          *units_row;
  AdwComboRow          *style_row;
  AdwActionRow         *data_row;
  AdwActionRow         *count_row;
  AdwComboRow          *lock_row;
  AdwActionRow         *erase_row;
  GtkWidget            *sync_page;
  GArray               *lock_choices;  /* seconds, one per row of lock_row */
};

G_DEFINE_FINAL_TYPE (TgPreferencesWindow, tg_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static const char *languages[] = { "", "en", "es" };
static const char *units[] = { "metric", "imperial" };
static const char *styles[] = { "default", "light", "dark" };

static guint
index_of (const char  *value,
          const char **values,
          guint        n)
{
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (value, values[i]) == 0)
      return i;
  return 0;
}

static void
combo_changed_cb (TgPreferencesWindow *self,
                  GParamSpec          *pspec,
                  AdwComboRow         *row)
{
  guint selected = adw_combo_row_get_selected (row);

  if (selected == GTK_INVALID_LIST_POSITION)
    return;
  if (row == self->language_row)
    g_settings_set_string (self->settings, "vocabulary-language", languages[MIN (selected, 2)]);
  else if (row == self->units_row)
    g_settings_set_string (self->settings, "units", units[MIN (selected, 1)]);
  else if (row == self->style_row)
    g_settings_set_string (self->settings, "style-variant", styles[MIN (selected, 2)]);
}

/* "Lock after": the usual choices, and the stored value if it is none
 * of them (set by hand or by a test), so it is shown as it is. */
static const guint lock_seconds[] = { 0, 60, 120, 300, 600, 900, 1800, 3600 };

static char *
lock_label (guint seconds)
{
  if (seconds == 0)
    return g_strdup (_("Never"));
  if (seconds % 3600 == 0)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u hour", "%u hours", seconds / 3600), seconds / 3600);
  if (seconds % 60 == 0)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u minute", "%u minutes", seconds / 60), seconds / 60);
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u second", "%u seconds", seconds), seconds);
}

static void
lock_changed_cb (TgPreferencesWindow *self)
{
  guint selected = adw_combo_row_get_selected (self->lock_row);

  if (selected == GTK_INVALID_LIST_POSITION || selected >= self->lock_choices->len)
    return;
  g_settings_set_int (self->settings, "lock-idle-seconds",
                      (int) g_array_index (self->lock_choices, guint, selected));
}

static void
setup_lock_row (TgPreferencesWindow *self)
{
  g_autoptr(GtkStringList) list = gtk_string_list_new (NULL);
  guint current = (guint) MAX (0, g_settings_get_int (self->settings, "lock-idle-seconds"));
  guint selected = G_MAXUINT;

  self->lock_choices = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint i = 0; i < G_N_ELEMENTS (lock_seconds); i++)
    {
      if (selected == G_MAXUINT && current < lock_seconds[i])
        {
          selected = self->lock_choices->len;
          g_array_append_val (self->lock_choices, current);
        }
      if (current == lock_seconds[i])
        selected = self->lock_choices->len;
      g_array_append_val (self->lock_choices, lock_seconds[i]);
    }
  if (selected == G_MAXUINT)
    {
      selected = self->lock_choices->len;
      g_array_append_val (self->lock_choices, current);
    }
  for (guint i = 0; i < self->lock_choices->len; i++)
    {
      g_autofree char *label = lock_label (g_array_index (self->lock_choices, guint, i));

      gtk_string_list_append (list, label);
    }
  adw_combo_row_set_model (self->lock_row, G_LIST_MODEL (list));
  adw_combo_row_set_selected (self->lock_row, selected);
  g_signal_connect_swapped (self->lock_row, "notify::selected", G_CALLBACK (lock_changed_cb), self);
}

/* The erase passphrase: a dialog with the passphrase twice; "Remove"
 * clears it. The vault cannot tell whether one is set (its key file
 * does not say), so neither can this page. */
typedef struct
{
  TgPreferencesWindow *self;
  GtkEditable         *entry;
  GtkEditable         *confirm;
} EraseDialog;

static void
erase_set_done_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(TgPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  const char *message;
  g_autofree char *text = NULL;

  if (!tg_vault_set_erase_passphrase_finish (TG_VAULT (object), result, &error))
    message = text = g_strdup_printf (_("The erase passphrase was not changed: %s"), error->message);
  else
    message = _("Erase passphrase saved");
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (message));
}

static void
erase_dialog_response_cb (AdwMessageDialog *dialog,
                          const char       *response,
                          EraseDialog      *data)
{
  TgPreferencesWindow *self = data->self;
  TgVault *vault = tg_application_get_vault (self->app);

  if (vault != NULL && g_strcmp0 (response, "set") == 0)
    tg_vault_set_erase_passphrase_async (vault, gtk_editable_get_text (data->entry), NULL,
                                         erase_set_done_cb, g_object_ref (self));
  else if (vault != NULL && g_strcmp0 (response, "remove") == 0)
    tg_vault_set_erase_passphrase_async (vault, NULL, NULL, erase_set_done_cb, g_object_ref (self));
  g_object_unref (data->self);
  g_free (data);
}

static void
erase_entries_changed_cb (AdwMessageDialog *dialog)
{
  EraseDialog *data = g_object_get_data (G_OBJECT (dialog), "tg-erase-dialog");
  const char *a = gtk_editable_get_text (data->entry);

  adw_message_dialog_set_response_enabled (dialog, "set",
                                           *a != '\0' && g_strcmp0 (a, gtk_editable_get_text (data->confirm)) == 0);
}

/* "Change Passphrase": src/app/lock/tg-change-passphrase.c. */
static void
change_passphrase_cb (TgPreferencesWindow *self)
{
  TgVault *vault = tg_application_get_vault (self->app);

  if (vault != NULL && tg_vault_is_unlocked (vault))
    tg_change_passphrase_show (ADW_PREFERENCES_WINDOW (self), vault);
}

static void
erase_passphrase_cb (TgPreferencesWindow *self)
{
  AdwMessageDialog *dialog;
  GtkWidget *list = gtk_list_box_new ();
  GtkWidget *entry = adw_password_entry_row_new ();
  GtkWidget *confirm = adw_password_entry_row_new ();
  EraseDialog *data = g_new0 (EraseDialog, 1);

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (entry), _("Erase passphrase"));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (confirm), _("Confirm erase passphrase"));
  gtk_list_box_append (GTK_LIST_BOX (list), entry);
  gtk_list_box_append (GTK_LIST_BOX (list), confirm);

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Erase Passphrase"),
                                                       _("Typed at the unlock page instead of the passphrase, it "
                                                         "makes the data on this laptop unreadable at once and "
                                                         "Testigo starts as on a new laptop. It must differ from "
                                                         "the passphrase. It cannot hide that Testigo was "
                                                         "installed.")));
  adw_message_dialog_set_extra_child (dialog, list);
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove"),
                                    "set", _("_Set"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "set", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_response_enabled (dialog, "set", FALSE);
  adw_message_dialog_set_close_response (dialog, "cancel");
  data->self = g_object_ref (self);
  data->entry = GTK_EDITABLE (entry);
  data->confirm = GTK_EDITABLE (confirm);
  g_object_set_data (G_OBJECT (dialog), "tg-erase-dialog", data);
  g_signal_connect_swapped (entry, "changed", G_CALLBACK (erase_entries_changed_cb), dialog);
  g_signal_connect_swapped (confirm, "changed", G_CALLBACK (erase_entries_changed_cb), dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (erase_dialog_response_cb), data);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
region_changed_cb (TgPreferencesWindow *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->region_row))));

  g_settings_set_string (self->settings, "default-region", text);
}

static void
open_folder_cb (TgPreferencesWindow *self)
{
  g_autoptr(GFile) dir = g_file_new_for_path (tg_application_get_data_dir (self->app));
  g_autofree char *uri = g_file_get_uri (dir);
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri (uri, NULL, &error))
    {
      AdwToast *toast = adw_toast_new (error->message);

      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), toast);
    }
}

static void
setup_combo (AdwComboRow *row,
             const char **labels,
             guint        n,
             guint        selected)
{
  g_autoptr(GtkStringList) list = gtk_string_list_new (NULL);

  for (guint i = 0; i < n; i++)
    gtk_string_list_append (list, labels[i]);
  adw_combo_row_set_model (row, G_LIST_MODEL (list));
  adw_combo_row_set_selected (row, selected);
}

static void
tg_preferences_window_dispose (GObject *object)
{
  TgPreferencesWindow *self = TG_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), TG_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->app);
  g_clear_pointer (&self->lock_choices, g_array_unref);

  G_OBJECT_CLASS (tg_preferences_window_parent_class)->dispose (object);
}

static void
tg_preferences_window_class_init (TgPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tg_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/testigo/Testigo/tg-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, language_row);
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, region_row);
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, units_row);
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, style_row);
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, data_row);
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, count_row);
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, lock_row);
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, erase_row);
  gtk_widget_class_bind_template_callback (widget_class, open_folder_cb);
  gtk_widget_class_bind_template_callback (widget_class, erase_passphrase_cb);
  gtk_widget_class_bind_template_callback (widget_class, change_passphrase_cb);
}

static void
tg_preferences_window_init (TgPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

TgPreferencesWindow *
tg_preferences_window_new (TgApplication *app)
{
  TgPreferencesWindow *self = g_object_new (TG_TYPE_PREFERENCES_WINDOW, NULL);
  const char *language_labels[] = { _("The desktop’s language"), "English", "Español" };
  const char *unit_labels[] = { _("Metric (metres, kilometres)"), _("Imperial (feet, miles)") };
  const char *style_labels[] = { _("Follow the system"), _("Light"), _("Dark") };
  g_autofree char *language = NULL;
  g_autofree char *unit = NULL;
  g_autofree char *style = NULL;
  g_autofree char *region = NULL;
  g_autofree char *count = NULL;
  guint n;

  self->app = g_object_ref (app);
  self->settings = tg_application_get_settings (app);

  language = g_settings_get_string (self->settings, "vocabulary-language");
  unit = g_settings_get_string (self->settings, "units");
  style = g_settings_get_string (self->settings, "style-variant");
  region = g_settings_get_string (self->settings, "default-region");

  setup_combo (self->language_row, language_labels, 3, index_of (language, languages, 3));
  setup_combo (self->units_row, unit_labels, 2, index_of (unit, units, 2));
  setup_combo (self->style_row, style_labels, 3, index_of (style, styles, 3));
  gtk_editable_set_text (GTK_EDITABLE (self->region_row), region);
  setup_lock_row (self);

  g_signal_connect_swapped (self->language_row, "notify::selected", G_CALLBACK (combo_changed_cb), self);
  g_signal_connect_swapped (self->units_row, "notify::selected", G_CALLBACK (combo_changed_cb), self);
  g_signal_connect_swapped (self->style_row, "notify::selected", G_CALLBACK (combo_changed_cb), self);
  g_signal_connect_swapped (self->region_row, "changed", G_CALLBACK (region_changed_cb), self);

  adw_action_row_set_subtitle (self->data_row, tg_application_get_data_dir (app));
  n = tg_store_count_reports (tg_application_get_store (app));
  count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u report", "%u reports", n), n);
  adw_action_row_set_subtitle (self->count_row, count);
  /* Sync: the store's own engine and account, handed over. */
  if (tg_application_get_sync_manager (app) != NULL)
    {
      self->sync_page = tg_sync_preferences_page_new (tg_application_get_sync_manager (app));
      adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self), ADW_PREFERENCES_PAGE (self->sync_page));
    }
  /* The map's own page (tile server, MBTiles files, cache). */
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self),
                              ADW_PREFERENCES_PAGE (tg_map_preferences_page_new (self->settings)));

  return self;
}

void
tg_preferences_window_show_sync_page (TgPreferencesWindow *self)
{
  g_return_if_fail (TG_IS_PREFERENCES_WINDOW (self));

  if (self->sync_page != NULL)
    adw_preferences_window_set_visible_page (ADW_PREFERENCES_WINDOW (self),
                                             ADW_PREFERENCES_PAGE (self->sync_page));
}
