/* tg-application.c — the Testigo application: store, settings, actions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-application"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>

#include "tg-application.h"
#include "tg-preferences-window.h"
#include "tg-renderer.h"
#include "tg-window.h"

#include "tg-demo.h"
#include "tg-exchange.h"

#define SCHEMA_ID "io.github.testigo.Testigo"

struct _TgApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;
  TgStore        *store;
  char           *data_dir;
  GListModel     *vocabularies[TG_VOCABULARY_PERPETRATORS + 1];
  TgGazetteer    *gazetteer;
  gboolean        gazetteer_failed;
  gboolean        demo;
  char           *renderer;   /* what tg_renderer_choose() said */
};

G_DEFINE_FINAL_TYPE (TgApplication, tg_application, ADW_TYPE_APPLICATION)

/* Helpers --------------------------------------------------------------- */

static void
apply_style_variant (TgApplication *self)
{
  g_autofree char *variant = g_settings_get_string (self->settings, "style-variant");
  AdwStyleManager *manager = adw_style_manager_get_default ();

  if (g_strcmp0 (variant, "light") == 0)
    adw_style_manager_set_color_scheme (manager, ADW_COLOR_SCHEME_FORCE_LIGHT);
  else if (g_strcmp0 (variant, "dark") == 0)
    adw_style_manager_set_color_scheme (manager, ADW_COLOR_SCHEME_FORCE_DARK);
  else
    adw_style_manager_set_color_scheme (manager, ADW_COLOR_SCHEME_DEFAULT);
}

static gboolean
open_store (TgApplication  *self,
            GError        **error)
{
  if (self->store != NULL)
    return TRUE;

  self->data_dir = tg_application_find_data_dir (self->settings, self->demo);
  if (g_mkdir_with_parents (self->data_dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not create the data folder “%s”: %s"),
                   self->data_dir, g_strerror (saved));
      return FALSE;
    }

  self->store = tg_store_open (self->data_dir, error);
  if (self->store == NULL)
    return FALSE;

  if (self->demo && tg_store_count_reports (self->store) == 0)
    {
      g_autoptr(GError) local_error = NULL;

      if (!tg_demo_populate (self->store, TG_DEMO_DEFAULT_SIZE, TG_DEMO_DEFAULT_SEED, &local_error))
        g_warning ("Could not fill the demo store: %s", local_error->message);
    }

  return TRUE;
}

static void
error_response_cb (AdwMessageDialog *dialog,
                   const char       *response,
                   TgApplication    *self)
{
  g_application_quit (G_APPLICATION (self));
}

/* Actions --------------------------------------------------------------- */

static void
quit_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  TgApplication *self = user_data;
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));

  /* Closing each window saves what it holds. */
  for (GList *l = windows; l != NULL;)
    {
      GList *next = l->next;

      gtk_window_close (l->data);
      l = next;
    }
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *param,
                    gpointer       user_data)
{
  TgApplication *self = user_data;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  GtkWindow *prefs;

  prefs = GTK_WINDOW (tg_preferences_window_new (self));
  gtk_window_set_transient_for (prefs, window);
  gtk_window_present (prefs);
}

static void
about_action (GSimpleAction *action,
              GVariant      *param,
              gpointer       user_data)
{
  TgApplication *self = user_data;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  const char *developers[] = { _("The Testigo contributors"), NULL };

  GtkIconTheme *theme = gtk_icon_theme_get_for_display (gdk_display_get_default ());
  const char *icon = APP_ID;
  AdwAboutWindow *about;
  g_autofree char *debug_info = NULL;

  /* Run from the build tree, the icon is only in the sources, under the
   * plain application id. */
  if (!gtk_icon_theme_has_icon (theme, icon))
    {
      g_autofree char *icons = g_build_filename (SRCDATADIR, "icons", NULL);

      if (g_file_test (icons, G_FILE_TEST_IS_DIR))
        gtk_icon_theme_add_search_path (theme, icons);
      icon = "io.github.testigo.Testigo";
    }

  about = ADW_ABOUT_WINDOW (adw_about_window_new ());
  g_object_set (about,
                "application-name", _("Testigo"),
                "application-icon", icon,
                "version", PACKAGE_VERSION,
                "comments", _("Document human-rights violations in the field"),
                "license-type", GTK_LICENSE_GPL_3_0,
                "developers", developers,
                "translator-credits", _("translator-credits"),
                NULL);
  /* The data the built-in map and place search are made from. */
  adw_about_window_add_legal_section (about, "Natural Earth",
                                      _("Land and country borders from Natural Earth, naturalearthdata.com"),
                                      GTK_LICENSE_CUSTOM,
                                      _("Natural Earth data is in the public domain."));
  adw_about_window_add_legal_section (about, "GeoNames",
                                      _("Places © GeoNames, geonames.org"),
                                      GTK_LICENSE_CUSTOM,
                                      _("Licensed under Creative Commons Attribution 4.0 (CC BY 4.0)."));
  /* What a coordinator asks for when a monitor's copy misbehaves. */
  debug_info = g_strdup_printf ("Testigo %s\nGTK %u.%u.%u\nlibadwaita %u.%u.%u\nRenderer: %s\nData: %s\n",
                                PACKAGE_VERSION,
                                gtk_get_major_version (), gtk_get_minor_version (), gtk_get_micro_version (),
                                adw_get_major_version (), adw_get_minor_version (), adw_get_micro_version (),
                                self->renderer ? self->renderer : "?",
                                self->data_dir ? self->data_dir : "?");
  adw_about_window_set_debug_info (about, debug_info);
  gtk_window_set_transient_for (GTK_WINDOW (about), window);
  gtk_window_present (GTK_WINDOW (about));
}

static const GActionEntry app_actions[] = {
  { "quit", quit_action },
  { "preferences", preferences_action },
  { "about", about_action },
};

/* Vfuncs ---------------------------------------------------------------- */

static int
tg_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  TgApplication *self = TG_APPLICATION (app);

  const char *export_path = NULL;

  if (g_variant_dict_contains (options, "demo"))
    self->demo = TRUE;
  /* testigo --export FILE: written by tg-exchange.c, no window. */
  if (g_variant_dict_lookup (options, "export", "^&ay", &export_path))
    {
      const char *env = g_getenv ("TESTIGO_DATA_DIR");
      g_autoptr(GSettings) settings = env && *env ? NULL : g_settings_new (SCHEMA_ID);
      g_autofree char *dir = tg_application_find_data_dir (settings, self->demo);

      return tg_exchange_export_command_line (dir, export_path,
                                              g_variant_dict_contains (options, "public"));
    }
  return -1;
}

static void
tg_application_startup (GApplication *app)
{
  TgApplication *self = TG_APPLICATION (app);
  static const struct { const char *action; const char *accels[3]; } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "app.preferences", { "<Control>comma", NULL } },
    { "win.show-help-overlay", { "<Control>question", "<Control><Shift>slash", NULL } },
  };

  tg_start_up_mark ("startup");
  G_APPLICATION_CLASS (tg_application_parent_class)->startup (app);
  tg_start_up_mark ("gtk-adw-ready");
  self->renderer = tg_renderer_choose (gdk_display_get_default ());
  tg_start_up_mark ("renderer-chosen");

  self->settings = g_settings_new (SCHEMA_ID);
  g_signal_connect_swapped (self->settings, "changed::style-variant",
                            G_CALLBACK (apply_style_variant), self);
  apply_style_variant (self);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self),
                                           accels[i].action, accels[i].accels);
}

static void
tg_application_activate (GApplication *app)
{
  TgApplication *self = TG_APPLICATION (app);
  g_autoptr(GError) error = NULL;
  GtkWindow *window;

  window = gtk_application_get_active_window (GTK_APPLICATION (self));
  if (window != NULL)
    {
      gtk_window_present (window);
      return;
    }

  tg_start_up_mark ("activate");
  if (!open_store (self, &error))
    {
      AdwMessageDialog *dialog;

      g_application_hold (app);
      dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (NULL, _("Could Not Open the Reports"), NULL));
      adw_message_dialog_format_body (dialog, _("The data folder “%s” could not be opened: %s"),
                                      self->data_dir, error->message);
      adw_message_dialog_add_response (dialog, "close", _("_Close"));
      gtk_window_set_application (GTK_WINDOW (dialog), GTK_APPLICATION (self));
      g_signal_connect (dialog, "response", G_CALLBACK (error_response_cb), self);
      gtk_window_present (GTK_WINDOW (dialog));
      g_application_release (app);
      return;
    }

  tg_start_up_mark ("store-open");
  window = GTK_WINDOW (tg_window_new (self));
  tg_start_up_mark ("window-built");
  gtk_window_present (window);
  tg_start_up_mark ("presented");
}

static void
tg_application_shutdown (GApplication *app)
{
  TgApplication *self = TG_APPLICATION (app);

  G_APPLICATION_CLASS (tg_application_parent_class)->shutdown (app);

  if (self->store != NULL)
    tg_store_close (self->store);
}

static void
tg_application_dispose (GObject *object)
{
  TgApplication *self = TG_APPLICATION (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->store);
  g_clear_object (&self->gazetteer);
  for (guint i = 0; i < G_N_ELEMENTS (self->vocabularies); i++)
    g_clear_object (&self->vocabularies[i]);
  g_clear_pointer (&self->data_dir, g_free);
  g_clear_pointer (&self->renderer, g_free);

  G_OBJECT_CLASS (tg_application_parent_class)->dispose (object);
}

static void
tg_application_class_init (TgApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = tg_application_dispose;
  app_class->handle_local_options = tg_application_handle_local_options;
  app_class->startup = tg_application_startup;
  app_class->activate = tg_application_activate;
  app_class->shutdown = tg_application_shutdown;
}

static void
tg_application_init (TgApplication *self)
{
  static const GOptionEntry options[] = {
    { "demo", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Open a separate store filled with demonstration reports"), NULL },
    { "export", 0, 0, G_OPTION_ARG_FILENAME, NULL,
      N_("Export every report to FILE (CSV for a .csv name, GeoJSON otherwise) and quit"), N_("FILE") },
    { "public", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("With --export: for the public (names without public consent withheld)"), NULL },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), options);
}

/* Public API ------------------------------------------------------------ */

TgApplication *
tg_application_new (void)
{
  return g_object_new (TG_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "resource-base-path", "/io/github/testigo/Testigo",
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
}

TgApplication *
tg_application_get_default (void)
{
  GApplication *app = g_application_get_default ();

  return TG_IS_APPLICATION (app) ? TG_APPLICATION (app) : NULL;
}

GSettings *
tg_application_get_settings (TgApplication *self)
{
  g_return_val_if_fail (TG_IS_APPLICATION (self), NULL);
  return self->settings;
}

TgStore *
tg_application_get_store (TgApplication *self)
{
  g_return_val_if_fail (TG_IS_APPLICATION (self), NULL);
  return self->store;
}

const char *
tg_application_get_data_dir (TgApplication *self)
{
  g_return_val_if_fail (TG_IS_APPLICATION (self), NULL);
  return self->data_dir;
}

char *
tg_application_find_vocabulary_dir (void)
{
  g_autofree char *dir = tg_vocabulary_get_default_directory ();
  g_autofree char *installed = NULL;

  if (g_file_test (dir, G_FILE_TEST_IS_DIR))
    return g_steal_pointer (&dir);

  installed = g_build_filename (PKGDATADIR, "vocabularies", NULL);
  if (g_file_test (installed, G_FILE_TEST_IS_DIR))
    return g_steal_pointer (&installed);

  return g_build_filename (SRCDATADIR, "vocabularies", NULL);
}

GListModel *
tg_application_get_vocabulary (TgApplication    *self,
                               TgVocabularyKind  kind)
{
  g_return_val_if_fail (TG_IS_APPLICATION (self), NULL);
  g_return_val_if_fail (kind <= TG_VOCABULARY_PERPETRATORS, NULL);

  if (self->vocabularies[kind] == NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *dir = tg_application_find_vocabulary_dir ();
      g_autofree char *language = NULL;
      TgVocabulary *vocabulary;

      if (self->settings != NULL)
        language = g_settings_get_string (self->settings, "vocabulary-language");

      vocabulary = tg_vocabulary_load (kind, dir,
                                       language != NULL && *language != '\0' ? language : NULL,
                                       &error);
      if (vocabulary == NULL)
        {
          g_warning ("%s", error->message);
          self->vocabularies[kind] = G_LIST_MODEL (g_list_store_new (TG_TYPE_VOCABULARY_ENTRY));
        }
      else
        self->vocabularies[kind] = G_LIST_MODEL (vocabulary);
    }

  return self->vocabularies[kind];
}

TgGazetteer *
tg_application_get_gazetteer (TgApplication *self)
{
  g_return_val_if_fail (TG_IS_APPLICATION (self), NULL);

  if (self->gazetteer == NULL && !self->gazetteer_failed)
    {
      g_autoptr(GError) error = NULL;

      self->gazetteer = tg_gazetteer_new (NULL, &error);
      if (self->gazetteer == NULL)
        {
          g_warning ("No gazetteer: %s", error->message);
          self->gazetteer_failed = TRUE;
        }
    }

  return self->gazetteer;
}

void
tg_start_up_mark (const char *what)
{
  static int enabled = -1;

  if (enabled < 0)
    enabled = g_getenv ("TESTIGO_START_UP_MARKS") != NULL;
  if (enabled)
    g_print ("mark %s %" G_GINT64_FORMAT " rss-kb %ld\n", what, g_get_monotonic_time (), tg_resident_kb ());
}

long
tg_resident_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (line = strstr (status, "VmRSS:")) == NULL)
    return 0;
  return strtol (line + 6, NULL, 10);
}

char *
tg_application_find_data_dir (GSettings *settings,
                              gboolean   demo)
{
  const char *env = g_getenv ("TESTIGO_DATA_DIR");
  g_autofree char *configured = NULL;

  if (env != NULL && *env != '\0')
    return demo ? g_build_filename (env, "demo", NULL) : g_strdup (env);

  if (demo)
    return g_build_filename (g_get_user_data_dir (), "testigo", "demo", NULL);

  if (settings != NULL)
    configured = g_settings_get_string (settings, "data-directory");
  if (configured != NULL && *configured != '\0')
    return g_steal_pointer (&configured);

  return g_build_filename (g_get_user_data_dir (), "testigo", NULL);
}
