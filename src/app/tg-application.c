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
#include "tg-erase.h"
#include "tg-lock-monitor.h"
#include "tg-lock-window.h"
#include "tg-open-copy.h"
#include "tg-preferences-window.h"
#include "tg-renderer.h"
#include "tg-ui-util.h"
#include "tg-window.h"

#include "tg-at-rest-migrate.h"
#include "tg-blob-store.h"
#include "tg-demo.h"
#include "tg-exchange.h"
#include "tg-vault.h"

#define SCHEMA_ID "io.github.testigo.Testigo"

struct _TgApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;
  TgStore        *store;
  TgSyncManager  *sync;       /* one per open store */
  char           *data_dir;
  GListModel     *vocabularies[TG_VOCABULARY_PERPETRATORS + 1];
  TgGazetteer    *gazetteer;
  gboolean        gazetteer_failed;
  gboolean        demo;
  char           *renderer;   /* what tg_renderer_choose() said */

  TgVault        *vault;      /* the data folder's key (src/core/crypt) */
  TgLockMonitor  *lock_monitor;
  TgLockWindow   *lock_window; /* while locked or before the first unlock */
  gboolean        lock_remember;
  GCancellable   *migrating;  /* while an old plain store is encrypted */
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

/* Opening the store. A migration can rewrite every row, so the store is
 * opened on a worker thread (tg_store_open_async) while the window shows
 * its "Opening…" page; the main loop never waits on the disk. */

static void show_store_error (TgApplication *self,
                              const char    *damaged_dir,
                              const GError  *error);

typedef struct
{
  TgApplication *app;
  TgWindow      *window;       /* showing "Opening…" */
  char          *dir;
  gboolean       remember;     /* keep @dir in the settings once open */
  gboolean       keyed;        /* opened with the vault's store key */
} OpenData;

static void
open_data_free (OpenData *data)
{
  g_application_release (G_APPLICATION (data->app));
  g_object_unref (data->app);
  g_clear_object (&data->window);
  g_free (data->dir);
  g_free (data);
}

/* The store is open: the window shows it. */
static void
store_ready (OpenData *data)
{
  TgApplication *self = data->app;
  const char *env = g_getenv ("TESTIGO_DATA_DIR");

  tg_start_up_mark ("store-open");
  if (data->remember && (env == NULL || *env == '\0') && !self->demo)
    g_settings_set_string (self->settings, "data-directory", data->dir);
  /* Reads the account and asks the keyring for the token, off the main
   * loop; the window's indicator shows it when it answers. */
  g_clear_object (&self->sync);
  self->sync = tg_sync_manager_new (self->store, self->settings);
  tg_window_set_store (data->window, self->store);
  tg_lock_monitor_set_armed (self->lock_monitor, TRUE);
  /* The lock window goes once the main window is there. */
  if (self->lock_window != NULL)
    gtk_window_destroy (GTK_WINDOW (self->lock_window));
  open_data_free (data);
}

static void
demo_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;

  if (!tg_demo_populate (task_data, TG_DEMO_DEFAULT_SIZE, TG_DEMO_DEFAULT_SEED, &error))
    g_warning ("Could not fill the demo store: %s", error->message);
  g_task_return_boolean (task, TRUE);
}

static void
demo_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  store_ready (user_data);
}

static void
store_opened_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  OpenData *data = user_data;
  TgApplication *self = data->app;
  g_autoptr(GError) error = NULL;

  self->store = tg_store_open_finish (result, &error);
  /* Files and thumbnails are written encrypted, and read through the
   * vault, from now on. */
  if (self->store != NULL && data->keyed)
    tg_blob_store_set_vault (tg_store_get_blob_store (self->store), self->vault);
  if (self->store == NULL)
    {
      /* The dialog first, so the app always has a window. */
      show_store_error (self, data->dir, error);
      gtk_window_destroy (GTK_WINDOW (data->window));
      /* Not left on its "Opening…" page behind the dialog. */
      if (self->lock_window != NULL)
        gtk_window_destroy (GTK_WINDOW (self->lock_window));
      open_data_free (data);
      return;
    }

  if (self->demo && tg_store_count_reports (self->store) == 0)
    {
      g_autoptr(GTask) task = g_task_new (NULL, NULL, demo_done_cb, data);

      g_task_set_task_data (task, g_object_ref (self->store), g_object_unref);
      g_task_run_in_thread (task, demo_thread);
      return;
    }
  store_ready (data);
}

static void show_lock_window (TgApplication *self);

static void open_store_at (TgApplication *self,
                           const char    *dir,
                           gboolean       remember);

typedef struct
{
  TgApplication *app;
  char          *dir;
  gboolean       remember;
  gboolean       creating;
} EnvUnlockData;

/* The vault was unlocked (or made) with $TESTIGO_PASSPHRASE, before any
 * window: the store is opened next, as after a typed passphrase. */
static void
env_unlocked_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  EnvUnlockData *data = user_data;
  TgApplication *self = data->app;
  g_autoptr(GError) error = NULL;
  gboolean ok = data->creating ? tg_vault_create_finish (TG_VAULT (object), result, &error)
                               : tg_vault_unlock_finish (TG_VAULT (object), result, &error);

  if (ok)
    open_store_at (self, data->dir, data->remember);
  else
    show_store_error (self, data->dir, error);
  g_application_release (G_APPLICATION (self));
  g_object_unref (data->app);
  g_free (data->dir);
  g_free (data);
}

static void start_migration (TgApplication *self,
                             const char    *dir,
                             gboolean       remember);

/* Opens (or creates) the store in @dir and makes it the app's, showing
 * the main window at once (its "Opening…" page until the store is open).
 * The store opens only once the vault of @dir is unlocked: until then
 * the lock window asks for the passphrase (or, on a first run, for a new
 * one). $TESTIGO_PASSPHRASE, for tests only (docs/app.md), types it.
 * Unlocked, a store still plain (written by an older Testigo, or a
 * conversion cut short) is first encrypted behind the lock window's
 * progress page; then the store opens with the vault's store key. */
static void
open_store_at (TgApplication *self,
               const char    *dir,
               gboolean       remember)
{
  OpenData *data;
  const char *passphrase = g_getenv ("TESTIGO_PASSPHRASE");
  TgAtRestStoreKind kind;
  gboolean keyed;

  g_clear_object (&self->sync);
  g_clear_object (&self->store);
  g_clear_pointer (&self->data_dir, g_free);
  self->data_dir = g_strdup (dir);

  if (self->vault == NULL || g_strcmp0 (tg_vault_get_directory (self->vault), dir) != 0)
    {
      g_clear_object (&self->vault);
      /* The vault reads the key file's presence: the folder must be there. */
      g_mkdir_with_parents (dir, 0700);
      self->vault = tg_vault_new (dir);
    }
  /* No key file and a database that is not a plain store: a damaged or
   * foreign file (or an encrypted store whose key is gone). Opened as it
   * is, it fails with the store's own message, and no key file is
   * written beside it. */
  kind = tg_at_rest_store_kind (dir);
  keyed = !(tg_vault_get_state (self->vault) == TG_VAULT_STATE_NONE && kind == TG_AT_REST_STORE_OPAQUE);
  if (keyed && !tg_vault_is_unlocked (self->vault) && (passphrase == NULL || *passphrase == '\0'))
    {
      self->lock_remember = remember;
      show_lock_window (self);
      /* Reports already here, written by an older Testigo: the page says
       * they will be encrypted. */
      if (tg_vault_get_state (self->vault) == TG_VAULT_STATE_NONE)
        tg_lock_window_show_create (self->lock_window, kind == TG_AT_REST_STORE_PLAIN);
      return;
    }
  else if (keyed && !tg_vault_is_unlocked (self->vault))
    {
      EnvUnlockData *env = g_new0 (EnvUnlockData, 1);

      env->app = g_object_ref (self);
      env->dir = g_strdup (dir);
      env->remember = remember;
      env->creating = tg_vault_get_state (self->vault) == TG_VAULT_STATE_NONE;
      g_application_hold (G_APPLICATION (self));
      if (env->creating)
        tg_vault_create_async (self->vault, passphrase, NULL, env_unlocked_cb, env);
      else
        tg_vault_unlock_async (self->vault, passphrase, NULL, env_unlocked_cb, env);
      return;
    }
  /* A plain store must not stay plain once there is a key. */
  if (keyed && tg_at_rest_needs_migration (dir))
    {
      start_migration (self, dir, remember);
      return;
    }

  data = g_new0 (OpenData, 1);
  data->app = g_object_ref (self);
  data->dir = g_strdup (dir);
  data->remember = remember;
  data->keyed = keyed;
  g_application_hold (G_APPLICATION (self));

  tg_start_up_mark ("opening");
  data->window = g_object_ref (tg_window_new (self));
  tg_lock_monitor_watch_window (self->lock_monitor, GTK_WINDOW (data->window));
  tg_start_up_mark ("window-built");
  gtk_window_present (GTK_WINDOW (data->window));
  tg_start_up_mark ("presented");

  if (g_mkdir_with_parents (self->data_dir, 0700) != 0)
    {
      int saved = errno;
      g_autoptr(GError) error = NULL;

      g_set_error (&error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not create the data folder “%s”: %s"),
                   self->data_dir, g_strerror (saved));
      show_store_error (self, data->dir, error);
      gtk_window_destroy (GTK_WINDOW (data->window));
      open_data_free (data);
      return;
    }
  if (!keyed)
    {
      tg_store_open_async (self->data_dir, NULL, store_opened_cb, data);
      return;
    }
  {
    g_autoptr(GError) error = NULL;

    /* In locked memory; the store keeps its own locked copy, and this one
     * is wiped when it goes. */
    g_autoptr(TgSecureKey) key = tg_vault_dup_subkey (self->vault, TG_VAULT_PURPOSE_STORE, &error);

    if (key == NULL)
      {
        show_store_error (self, data->dir, error);
        gtk_window_destroy (GTK_WINDOW (data->window));
        open_data_free (data);
        return;
      }
    tg_store_open_keyed_async (self->data_dir, key, NULL, store_opened_cb, data);
  }
}

/* Encrypting an old store ----------------------------------------------- */

typedef struct
{
  TgApplication *app;
  char          *dir;
  gboolean       remember;
  gint64         started;
} MigrateData;

static void
migrate_progress_cb (goffset  done,
                     goffset  total,
                     gpointer user_data)
{
  TgApplication *self = user_data;

  if (self->lock_window != NULL && self->migrating != NULL)
    tg_lock_window_set_progress (self->lock_window, total > 0 ? (double) done / (double) total : 1.0);
}

static void
migrate_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  MigrateData *data = user_data;
  TgApplication *self = data->app;
  g_autoptr(GError) error = NULL;
  gboolean ok = tg_at_rest_migrate_finish (result, &error);

  g_clear_object (&self->migrating);
  g_debug ("Encrypting the store took %.2f s", (g_get_monotonic_time () - data->started) / 1e6);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    ;  /* the window was closed: the next start finishes the job */
  else if (!ok)
    {
      /* The dialog first, so the app always has a window. What was
       * converted stays converted; the rest is still readable. */
      show_store_error (self, data->dir, error);
      if (self->lock_window != NULL)
        gtk_window_destroy (GTK_WINDOW (self->lock_window));
    }
  else if (self->lock_window != NULL)
    {
      tg_lock_window_show_working (self->lock_window, _("Opening the Reports…"), NULL, -1);
      open_store_at (self, data->dir, data->remember);
    }
  g_application_release (G_APPLICATION (self));
  g_object_unref (data->app);
  g_free (data->dir);
  g_free (data);
}

/* The vault is unlocked and @dir holds a plain store (or a conversion
 * that was cut short): it is encrypted in place on a worker thread, the
 * lock window showing how far it is. A crash or a kill leaves it
 * readable; the next start goes on from there (tg-at-rest-migrate.h). */
static void
start_migration (TgApplication *self,
                 const char    *dir,
                 gboolean       remember)
{
  MigrateData *data = g_new0 (MigrateData, 1);

  data->app = g_object_ref (self);
  data->dir = g_strdup (dir);
  data->remember = remember;
  data->started = g_get_monotonic_time ();
  show_lock_window (self);
  tg_lock_window_show_working (self->lock_window, _("Encrypting the Reports…"),
                               _("The reports and files already on this laptop are being encrypted, "
                                 "and their unencrypted copies overwritten. If this is interrupted, "
                                 "Testigo goes on from where it stopped at the next start; nothing is lost."),
                               0);
  g_application_hold (G_APPLICATION (self));
  g_clear_object (&self->migrating);
  self->migrating = g_cancellable_new ();
  tg_at_rest_migrate_async (dir, self->vault, migrate_progress_cb, self, self->migrating,
                            migrate_done_cb, data);
}

/* A folder beside @dir that does not exist yet, for a new store:
 * "…/testigo-2026-12-06-153012" (then "-2", "-3", … if taken). */
static char *
new_store_dir (const char *dir)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%d-%H%M%S");
  g_autofree char *trimmed = g_strdup (dir);
  char *candidate;

  while (strlen (trimmed) > 1 && g_str_has_suffix (trimmed, G_DIR_SEPARATOR_S))
    trimmed[strlen (trimmed) - 1] = '\0';
  candidate = g_strdup_printf ("%s-%s", trimmed, stamp);
  for (guint i = 2; g_file_test (candidate, G_FILE_TEST_EXISTS) && i < 1000; i++)
    {
      g_free (candidate);
      candidate = g_strdup_printf ("%s-%s-%u", trimmed, stamp, i);
    }
  return candidate;
}

/* After the store in the data folder could not be opened: opens the one
 * in @dir instead and, unless $TESTIGO_DATA_DIR or --demo decide the
 * folder, keeps it in the settings for the next start. The damaged
 * folder is not touched. */
static void
switch_to_store (TgApplication *self,
                 const char    *damaged_dir,
                 const char    *dir)
{
  open_store_at (self, dir, TRUE);
}

typedef struct
{
  TgApplication *app;
  char          *damaged_dir;
  GError        *error;
} StoreErrorData;

static void
store_error_data_free (StoreErrorData *data)
{
  g_object_unref (data->app);
  g_free (data->damaged_dir);
  g_clear_error (&data->error);
  g_free (data);
}

static void
choose_folder_response_cb (GtkNativeDialog *chooser,
                           int              response,
                           StoreErrorData  *data)
{
  TgApplication *self = data->app;
  g_autoptr(GFile) folder = NULL;
  g_autofree char *path = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  if (folder != NULL)
    path = g_file_get_path (folder);

  if (path != NULL)
    switch_to_store (self, data->damaged_dir, path);
  else
    show_store_error (self, data->damaged_dir, data->error);

  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
  g_application_release (G_APPLICATION (self));
  store_error_data_free (data);
}

static void
store_error_response_cb (AdwMessageDialog *dialog,
                         const char       *response,
                         StoreErrorData   *data)
{
  TgApplication *self = data->app;

  if (g_strcmp0 (response, "new") == 0)
    {
      g_autofree char *dir = new_store_dir (data->damaged_dir);

      switch_to_store (self, data->damaged_dir, dir);
    }
  else if (g_strcmp0 (response, "choose") == 0)
    {
      GtkFileChooserNative *chooser;

      /* The dialog closes now: the app must not quit with no window. */
      g_application_hold (G_APPLICATION (self));
      chooser = gtk_file_chooser_native_new (_("Choose a Folder for the Reports"), NULL,
                                             GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                             _("_Open"), _("_Cancel"));
      gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
      g_signal_connect (chooser, "response", G_CALLBACK (choose_folder_response_cb), data);
      gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
      return;  /* data goes with the chooser */
    }
  else
    g_application_quit (G_APPLICATION (self));

  store_error_data_free (data);
}

/* The store in @damaged_dir could not be opened (a damaged or foreign
 * database, a folder that cannot be written…): says so, with the folder,
 * and offers a new store beside it or another folder. Nothing in the
 * folder is changed. */
static void
show_store_error (TgApplication *self,
                  const char    *damaged_dir,
                  const GError  *error)
{
  AdwMessageDialog *dialog;
  StoreErrorData *data = g_new0 (StoreErrorData, 1);
  g_autofree char *proposed = new_store_dir (damaged_dir);

  g_clear_object (&self->sync);
  g_clear_object (&self->store);
  data->app = g_object_ref (self);
  data->damaged_dir = g_strdup (damaged_dir);
  data->error = g_error_copy (error);

  g_application_hold (G_APPLICATION (self));
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (NULL, _("Could Not Open the Reports"), NULL));
  adw_message_dialog_format_body (dialog,
                                  _("The data folder “%s” could not be opened: %s\n\n"
                                    "You can start a new, empty store in “%s” and leave this folder as it "
                                    "is, or choose another folder."),
                                  damaged_dir, error->message, proposed);
  adw_message_dialog_add_responses (dialog,
                                    "close", _("_Close"),
                                    "choose", _("C_hoose Another Folder…"),
                                    "new", _("Start a _New Store"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "new", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "new");
  adw_message_dialog_set_close_response (dialog, "close");
  gtk_window_set_application (GTK_WINDOW (dialog), GTK_APPLICATION (self));
  g_signal_connect (dialog, "response", G_CALLBACK (store_error_response_cb), data);
  gtk_window_present (GTK_WINDOW (dialog));
  g_application_release (G_APPLICATION (self));
}

/* Locking ------------------------------------------------------------- */

static void
lock_window_unlocked_cb (TgApplication *self)
{
  g_autofree char *dir = g_strdup (self->data_dir);

  /* The lock window stays until the main window has the store. */
  tg_lock_window_show_working (self->lock_window, _("Opening the Reports…"), NULL, -1);
  open_store_at (self, dir, self->lock_remember);
}

/* The erase passphrase was typed: everything is gone, as on a fresh
 * install, the device tokens too. */
static void
lock_window_erased_cb (TgApplication *self)
{
  tg_erase_forget_all_tokens ();
  g_settings_reset (self->settings, "sync-offer-dismissed");
}

static void
erase_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(TgApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (self->lock_window == NULL)
    return;
  if (!tg_vault_erase_finish (TG_VAULT (object), result, &error))
    {
      g_autofree char *message = g_strdup_printf (_("The erase did not finish: %s"), error->message);

      /* Whatever state the vault is in now, the window shows it. */
      if (tg_vault_get_state (TG_VAULT (object)) == TG_VAULT_STATE_NONE)
        tg_lock_window_show_create (self->lock_window, FALSE);
      else
        tg_lock_window_show_unlock (self->lock_window);
      tg_lock_window_show_message (self->lock_window, message);
      return;
    }
  g_settings_reset (self->settings, "sync-offer-dismissed");
  tg_lock_window_show_create (self->lock_window, FALSE);
}

static void lock_now (TgApplication *self);

/* Confirmed: the app locks (store closed, key wiped), then the vault
 * destroys the key file and removes the encrypted files. */
static void
erase_confirmed (TgApplication *self)
{
  lock_now (self);
  if (self->lock_window == NULL)
    show_lock_window (self);
  tg_lock_window_show_working (self->lock_window, _("Erasing…"), NULL, -1);
  tg_vault_erase_async (self->vault, NULL, erase_done_cb, g_object_ref (self));
}

static void
lock_window_erase_cb (TgApplication *self)
{
  /* Locked, the store is closed: no sync, and the confirmation says so. */
  tg_erase_ask_locked (GTK_WINDOW (self->lock_window), G_CALLBACK (erase_confirmed), self);
}

static void
lock_window_destroyed_cb (TgApplication *self)
{
  self->lock_window = NULL;
  /* Closed while an old store is encrypted: it stops between two files
   * and goes on at the next start. */
  if (self->migrating != NULL)
    g_cancellable_cancel (self->migrating);
}

/* The lock window, on its unlock page (or first-run page), for the data
 * folder self->data_dir. */
static void
show_lock_window (TgApplication *self)
{
  if (self->lock_window == NULL)
    {
      self->lock_window = tg_lock_window_new (GTK_APPLICATION (self), self->vault);
      gtk_window_set_default_size (GTK_WINDOW (self->lock_window),
                                   g_settings_get_int (self->settings, "window-width"),
                                   g_settings_get_int (self->settings, "window-height"));
      if (g_settings_get_boolean (self->settings, "window-maximized"))
        gtk_window_maximize (GTK_WINDOW (self->lock_window));
      g_signal_connect_object (self->lock_window, "unlocked", G_CALLBACK (lock_window_unlocked_cb),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->lock_window, "erased", G_CALLBACK (lock_window_erased_cb),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->lock_window, "erase", G_CALLBACK (lock_window_erase_cb),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->lock_window, "destroy", G_CALLBACK (lock_window_destroyed_cb),
                               self, G_CONNECT_SWAPPED);
    }
  else if (tg_vault_get_state (self->vault) == TG_VAULT_STATE_NONE)
    tg_lock_window_show_create (self->lock_window, FALSE);
  else
    tg_lock_window_show_unlock (self->lock_window);
  gtk_window_present (GTK_WINDOW (self->lock_window));
}

/* Locked: the lock window alone, every other window (the main window,
 * which saves the report being written, the preferences, dialogs)
 * closed, the store let go of and the key wiped. The store closes as
 * soon as a save still in flight has ended (the last reference). */
static void
lock_now (TgApplication *self)
{
  GList *windows;

  if (self->vault == NULL || !tg_vault_is_unlocked (self->vault) || self->store == NULL)
    return;

  tg_lock_monitor_set_armed (self->lock_monitor, FALSE);
  /* First, so the application always has a window. */
  show_lock_window (self);
  tg_lock_window_show_unlock (self->lock_window);

  windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (self)));
  g_list_foreach (windows, (GFunc) g_object_ref, NULL);
  for (GList *l = windows; l != NULL; l = l->next)
    {
      if (l->data == (gpointer) self->lock_window)
        continue;
      if (TG_IS_WINDOW (l->data))
        gtk_window_close (l->data);   /* saves the report, the window's size */
      else
        gtk_window_destroy (l->data);
    }
  g_list_free_full (windows, g_object_unref);

  g_clear_object (&self->sync);
  g_clear_object (&self->store);
  tg_vault_lock (self->vault);
  /* The decrypted copies handed to other programs go too. */
  tg_open_copy_remove_all ();
  /* tests/app/test-lock-memory-ui.py waits for this line. */
  g_debug ("Locked: the key is wiped; the store closes once the saves in flight end");
}

static void
lock_monitor_cb (TgApplication *self,
                 TgLockReason   reason)
{
  g_debug ("Locking (reason %d)", reason);
  lock_now (self);
}

/* Actions --------------------------------------------------------------- */

static void
lock_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  lock_now (user_data);
}

static void
erase_action (GSimpleAction *action,
              GVariant      *param,
              gpointer       user_data)
{
  TgApplication *self = user_data;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (self->store == NULL)
    return;
  tg_erase_ask (window, self->sync, G_CALLBACK (erase_confirmed), self);
}

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

static TgPreferencesWindow *
show_preferences (TgApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  GtkWindow *prefs;

  /* Not while the store is opening: the preferences count its reports. */
  if (self->store == NULL)
    return NULL;
  /* One preferences window: asked again, it comes to the front. */
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (TG_IS_PREFERENCES_WINDOW (l->data))
      {
        gtk_window_present (l->data);
        return l->data;
      }
  prefs = GTK_WINDOW (tg_preferences_window_new (self));
  gtk_window_set_application (prefs, GTK_APPLICATION (self));
  gtk_window_set_destroy_with_parent (prefs, TRUE);
  gtk_window_set_transient_for (prefs, window);
  gtk_window_present (prefs);
  return TG_PREFERENCES_WINDOW (prefs);
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *param,
                    gpointer       user_data)
{
  show_preferences (user_data);
}

/* The preferences, opened on the Sync page (the indicator's "Set Up
 * Sync…", the first-run offer). */
static void
sync_preferences_action (GSimpleAction *action,
                         GVariant      *param,
                         gpointer       user_data)
{
  TgPreferencesWindow *prefs = show_preferences (user_data);

  if (prefs != NULL)
    tg_preferences_window_show_sync_page (prefs);
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
                "website", HOMEPAGE_URL,
                "issue-url", ISSUE_URL,
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
  /* The app's accelerators (Ctrl+W) reach only its own windows. */
  gtk_window_set_application (GTK_WINDOW (about), GTK_APPLICATION (self));
  gtk_window_set_destroy_with_parent (GTK_WINDOW (about), TRUE);
  gtk_window_set_transient_for (GTK_WINDOW (about), window);
  gtk_window_present (GTK_WINDOW (about));
}

static const GActionEntry app_actions[] = {
  { "quit", quit_action },
  { "preferences", preferences_action },
  { "sync-preferences", sync_preferences_action },
  { "about", about_action },
  { "lock", lock_action },
  { "erase", erase_action },
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
    /* Every GtkWindow has window.close: the main window, the preferences,
     * About. Closing the main window saves and quits, as its close button. */
    { "window.close", { "<Control>w", NULL } },
    { "app.preferences", { "<Control>comma", NULL } },
    { "app.lock", { "<Control><Shift>l", NULL } },
    { "win.show-help-overlay", { "<Control>question", "<Control><Shift>slash", NULL } },
  };

  tg_start_up_mark ("startup");
  G_APPLICATION_CLASS (tg_application_parent_class)->startup (app);
  tg_start_up_mark ("gtk-adw-ready");
  self->renderer = tg_renderer_choose (gdk_display_get_default ());
  tg_start_up_mark ("renderer-chosen");
  tg_ui_install_accessibility_fixes ();
  /* GTK's file chooser would list every file added as a source in the
   * desktop's recently-used list, in plain text (issue 16). */
  g_object_set (gtk_settings_get_default (), "gtk-recent-files-enabled", FALSE, NULL);

  self->settings = g_settings_new (SCHEMA_ID);
  g_signal_connect_swapped (self->settings, "changed::style-variant",
                            G_CALLBACK (apply_style_variant), self);
  apply_style_variant (self);

  /* Decrypted copies left by a Testigo that did not quit (tg-open-copy.h). */
  tg_open_copy_remove_stale ();
  self->lock_monitor = tg_lock_monitor_new (self->settings);
  g_signal_connect_object (self->lock_monitor, "lock", G_CALLBACK (lock_monitor_cb), self, G_CONNECT_SWAPPED);

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
  GtkWindow *window;

  window = gtk_application_get_active_window (GTK_APPLICATION (self));
  if (window == NULL && self->lock_window != NULL)
    window = GTK_WINDOW (self->lock_window);
  if (window != NULL)
    {
      gtk_window_present (window);
      return;
    }

  tg_start_up_mark ("activate");
  if (self->store != NULL)
    {
      gtk_window_present (GTK_WINDOW (tg_window_new (self)));
      return;
    }
  {
    g_autofree char *dir = tg_application_find_data_dir (self->settings, self->demo);

    open_store_at (self, dir, FALSE);
  }
}

static void
tg_application_shutdown (GApplication *app)
{
  TgApplication *self = TG_APPLICATION (app);

  G_APPLICATION_CLASS (tg_application_parent_class)->shutdown (app);

  /* A sync under way is cancelled; what it sent is kept (the engine
   * checkpoints after each step). */
  g_clear_object (&self->sync);
  if (self->store != NULL)
    tg_store_close (self->store);
  if (self->vault != NULL)
    tg_vault_lock (self->vault);
  tg_open_copy_remove_all ();
}

static void
tg_application_dispose (GObject *object)
{
  TgApplication *self = TG_APPLICATION (object);

  g_clear_object (&self->sync);
  g_clear_object (&self->migrating);
  g_clear_object (&self->lock_monitor);
  g_clear_object (&self->settings);
  g_clear_object (&self->store);
  g_clear_object (&self->gazetteer);
  for (guint i = 0; i < G_N_ELEMENTS (self->vocabularies); i++)
    g_clear_object (&self->vocabularies[i]);
  g_clear_pointer (&self->data_dir, g_free);
  g_clear_pointer (&self->renderer, g_free);
  if (self->vault != NULL)
    tg_vault_lock (self->vault);
  g_clear_object (&self->vault);

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

TgSyncManager *
tg_application_get_sync_manager (TgApplication *self)
{
  g_return_val_if_fail (TG_IS_APPLICATION (self), NULL);
  return self->sync;
}

TgVault *
tg_application_get_vault (TgApplication *self)
{
  g_return_val_if_fail (TG_IS_APPLICATION (self), NULL);
  return self->vault;
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
