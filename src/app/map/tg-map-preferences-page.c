/* tg-map-preferences-page.c — the map's page of the preferences window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-map-preferences-page"

#include "config.h"

#include <glib/gi18n.h>

#include "tg-map-preferences-page.h"
#include "tg-map-util.h"
#include "tg-mbtiles.h"
#include "tg-tile-download.h"

struct _TgMapPreferencesPage
{
  AdwPreferencesPage  parent_instance;

  GtkWidget          *url_row;
  GtkWidget          *url_error;
  GtkWidget          *files_list;
  GtkAdjustment      *cache_adjustment;

  GSettings          *settings;
};

G_DEFINE_FINAL_TYPE (TgMapPreferencesPage, tg_map_preferences_page, ADW_TYPE_PREFERENCES_PAGE)

/* Helpers */

static void
show_error (TgMapPreferencesPage *self,
            const char           *heading,
            const char           *body)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, heading, body);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static char *
describe_file (TgMbtiles *mbtiles)
{
  double west, south, east, north;
  g_autofree char *zooms = NULL;
  g_autofree char *bounds = NULL;

  zooms = g_strdup_printf (_("zoom %d–%d"),
                           tg_mbtiles_get_min_zoom (mbtiles),
                           tg_mbtiles_get_max_zoom (mbtiles));
  if (tg_mbtiles_get_bounds (mbtiles, &west, &south, &east, &north))
    bounds = g_strdup_printf ("%.2f, %.2f — %.2f, %.2f", south, west, north, east);

  return bounds ? g_strdup_printf ("%s · %s · %s", zooms, bounds, tg_mbtiles_get_path (mbtiles))
                : g_strdup_printf ("%s · %s", zooms, tg_mbtiles_get_path (mbtiles));
}

static void
remove_clicked_cb (GtkButton            *button,
                   TgMapPreferencesPage *self)
{
  const char *path = g_object_get_data (G_OBJECT (button), "path");

  if (self->settings != NULL && path != NULL)
    tg_map_settings_remove_mbtiles_file (self->settings, path);
}

static void
reload_files (TgMapPreferencesPage *self)
{
  g_auto(GStrv) files = NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (self->files_list)) != NULL)
    gtk_list_box_remove (GTK_LIST_BOX (self->files_list), child);

  if (self->settings == NULL)
    return;

  files = g_settings_get_strv (self->settings, "mbtiles-files");
  for (guint i = 0; files[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TgMbtiles) mbtiles = tg_mbtiles_open (files[i], &error);
      g_autofree char *subtitle = NULL;
      g_autofree char *escaped = NULL;
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *remove;

      if (mbtiles != NULL)
        {
          const char *name = tg_mbtiles_get_name (mbtiles);
          g_autofree char *basename = g_path_get_basename (files[i]);

          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                         name && *name ? name : basename);
          subtitle = describe_file (mbtiles);
        }
      else
        {
          g_autofree char *basename = g_path_get_basename (files[i]);

          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), basename);
          subtitle = g_strdup (error->message);
          gtk_widget_add_css_class (row, "error");
        }
      escaped = g_markup_escape_text (subtitle, -1);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), escaped);
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 2);

      remove = gtk_button_new_from_icon_name ("user-trash-symbolic");
      gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (remove, _("Remove From Map"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (remove),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, _("Remove From Map"),
                                      -1);
      gtk_widget_add_css_class (remove, "flat");
      g_object_set_data_full (G_OBJECT (remove), "path", g_strdup (files[i]), g_free);
      g_signal_connect (remove, "clicked", G_CALLBACK (remove_clicked_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);

      gtk_list_box_append (GTK_LIST_BOX (self->files_list), row);
    }

  if (files[0] == NULL)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No map files"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                   _("The built-in map is always shown. Add MBTiles files or download a region from the map."));
      gtk_list_box_append (GTK_LIST_BOX (self->files_list), row);
    }
}

/* Callbacks */

static void
url_changed_cb (TgMapPreferencesPage *self)
{
  gtk_widget_remove_css_class (self->url_row, "error");
  gtk_widget_set_visible (self->url_error, FALSE);
}

static void
url_apply_cb (TgMapPreferencesPage *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->url_row))));

  if (*text != '\0' && !tg_tile_url_template_is_valid (text, &error))
    {
      gtk_widget_add_css_class (self->url_row, "error");
      gtk_label_set_text (GTK_LABEL (self->url_error), error->message);
      gtk_widget_set_visible (self->url_error, TRUE);
      return;
    }

  if (self->settings != NULL)
    g_settings_set_string (self->settings, "tile-url-template", text);
}

static void
file_chosen_cb (GtkNativeDialog      *dialog,
                int                   response,
                TgMapPreferencesPage *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      g_autoptr(GError) error = NULL;

      if (path != NULL && !tg_map_preferences_page_add_file (self, path, &error))
        show_error (self, _("This Map File Cannot Be Used"), error->message);
    }

  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (self);
}

static void
add_clicked_cb (TgMapPreferencesPage *self)
{
  GtkFileChooserNative *native;
  GtkFileFilter *filter;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  native = gtk_file_chooser_native_new (_("Add Map File"),
                                        GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_OPEN,
                                        _("_Add"), _("_Cancel"));
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("MBTiles map files"));
  gtk_file_filter_add_pattern (filter, "*.mbtiles");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
  g_object_unref (filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);

  g_signal_connect (native, "response", G_CALLBACK (file_chosen_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

/* Vfuncs */

static void
tg_map_preferences_page_dispose (GObject *object)
{
  TgMapPreferencesPage *self = (TgMapPreferencesPage *) object;

  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);

  gtk_widget_dispose_template (GTK_WIDGET (self), TG_TYPE_MAP_PREFERENCES_PAGE);

  G_OBJECT_CLASS (tg_map_preferences_page_parent_class)->dispose (object);
}

static void
tg_map_preferences_page_class_init (TgMapPreferencesPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tg_map_preferences_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/testigo/Testigo/map/tg-map-preferences-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TgMapPreferencesPage, url_row);
  gtk_widget_class_bind_template_child (widget_class, TgMapPreferencesPage, url_error);
  gtk_widget_class_bind_template_child (widget_class, TgMapPreferencesPage, files_list);
  gtk_widget_class_bind_template_child (widget_class, TgMapPreferencesPage, cache_adjustment);
  gtk_widget_class_bind_template_callback (widget_class, url_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, url_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, add_clicked_cb);
}

static void
tg_map_preferences_page_init (TgMapPreferencesPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  /* Nothing to change until the settings are handed in. */
  gtk_widget_set_sensitive (GTK_WIDGET (self), FALSE);
}

/* Public API */

GtkWidget *
tg_map_preferences_page_new (GSettings *settings)
{
  TgMapPreferencesPage *self;
  g_autofree char *url = NULL;

  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  self = g_object_new (TG_TYPE_MAP_PREFERENCES_PAGE, NULL);
  if (settings == NULL)
    return GTK_WIDGET (self);

  self->settings = g_object_ref (settings);
  gtk_widget_set_sensitive (GTK_WIDGET (self), TRUE);
  url = g_settings_get_string (self->settings, "tile-url-template");
  gtk_editable_set_text (GTK_EDITABLE (self->url_row), url);
  url_changed_cb (self);

  g_settings_bind (self->settings, "tile-cache-size-mb",
                   self->cache_adjustment, "value", G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_swapped (self->settings, "changed::mbtiles-files",
                            G_CALLBACK (reload_files), self);
  reload_files (self);
  return GTK_WIDGET (self);
}

gboolean
tg_map_preferences_page_add_file (TgMapPreferencesPage  *self,
                                  const char            *path,
                                  GError               **error)
{
  g_autoptr(TgMbtiles) mbtiles = NULL;

  g_return_val_if_fail (TG_IS_MAP_PREFERENCES_PAGE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  mbtiles = tg_mbtiles_open (path, error);
  if (mbtiles == NULL)
    return FALSE;

  if (self->settings != NULL)
    tg_map_settings_add_mbtiles_file (self->settings, path);

  return TRUE;
}
