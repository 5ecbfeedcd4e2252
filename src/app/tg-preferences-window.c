/* tg-preferences-window.c — the application's preferences
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-preferences-window"

#include "config.h"

#include <glib/gi18n.h>

#include "tg-map-preferences-page.h"
#include "tg-preferences-window.h"
#include "tg-sync-preferences-page.h"

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
  GtkWidget            *sync_page;
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
  gtk_widget_class_bind_template_callback (widget_class, open_folder_cb);
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
