/* tg-erase.c — asking before the emergency erase
 *
 * Two dialogs at most: "Sync before erasing?" when a sync could send
 * what the server lacks, then the confirmation. The confirmation says
 * what the erase does and does not do; nothing here erases but the
 * device token in the keyring. From the lock page, one dialog: locked,
 * nothing can be sent, and the confirmation says so.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-erase"

#include "config.h"

#include <glib/gi18n.h>

#include "tg-erase.h"
#include "tg-sync-credentials.h"

typedef struct
{
  GtkWindow     *parent;
  TgSyncManager *sync;
  GCallback      erase;
  gpointer       user_data;
  char          *sync_outcome;   /* a sentence for the confirmation, or NULL */
  GCancellable  *cancellable;
  AdwMessageDialog *syncing;
  gboolean       locked;         /* from the lock page: no account known */
} EraseData;

static void
erase_data_free (EraseData *data)
{
  g_clear_object (&data->parent);
  g_clear_object (&data->sync);
  g_clear_object (&data->cancellable);
  g_free (data->sync_outcome);
  g_free (data);
}

static void
token_cleared_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* No keyring at all: no token either. */
  if (!tg_sync_credentials_clear_finish (result, &error) &&
      !g_error_matches (error, TG_SYNC_CREDENTIALS_ERROR, TG_SYNC_CREDENTIALS_ERROR_NO_KEYRING))
    g_warning ("The erase could not remove the device token from the keyring: %s", error->message);
}

/* The device token in the keyring would outlive the erase (and with it
 * the server's address, its attribute): a fresh install has none. */
static void
forget_token (TgSyncManager *sync)
{
  const TgSyncAccount *account = sync != NULL ? tg_sync_manager_get_account (sync) : NULL;

  if (account != NULL && account->server_uri != NULL && account->server_device_id != NULL &&
      tg_sync_manager_get_token_state (sync) == TG_SYNC_TOKEN_KEYRING)
    tg_sync_credentials_clear_async (account->server_uri, account->server_device_id, NULL,
                                     token_cleared_cb, NULL);
}

void
tg_erase_forget_all_tokens (void)
{
  tg_sync_credentials_clear_all_async (NULL, token_cleared_cb, NULL);
}

static void
confirm_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     EraseData        *data)
{
  if (g_strcmp0 (response, "erase") == 0)
    {
      /* The erase destroys the main window, this dialog's parent; GTK
       * 4.8 does not forget a destroyed parent, and the dialog's own
       * dispose would then disconnect from a freed window. */
      gtk_window_set_transient_for (GTK_WINDOW (dialog), NULL);
      /* Locked, the account (server and device) is inside the store:
       * every Testigo token goes, whatever its server. */
      if (data->locked)
        tg_erase_forget_all_tokens ();
      else
        forget_token (data->sync);
      ((void (*) (gpointer)) data->erase) (data->user_data);
    }
  erase_data_free (data);
}

static void
confirm (EraseData *data)
{
  AdwMessageDialog *dialog;
  g_autofree char *body = NULL;
  const char *honest = _("This destroys the key that encrypts the data on this laptop — the reports, their photos and "
                         "files, and the sync history — so that what is left is unreadable noise, and removes it. It "
                         "cannot hide that Testigo was installed. There are no hidden vaults. Testigo will then start "
                         "as on a new laptop.");

  body = data->sync_outcome != NULL ? g_strdup_printf ("%s\n\n%s", data->sync_outcome, honest) : g_strdup (honest);
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (data->parent, _("Erase Everything on This Laptop?"), body));
  /* Named as its heading (window lists, screenshots). */
  gtk_window_set_title (GTK_WINDOW (dialog), _("Erase Everything on This Laptop?"));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "erase", _("_Erase Everything"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "erase", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (confirm_response_cb), data);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
sync_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  EraseData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TgSyncEntry) entry = tg_sync_engine_sync_finish (TG_SYNC_ENGINE (object), result, &error);

  if (data->syncing != NULL)
    {
      AdwMessageDialog *syncing = g_steal_pointer (&data->syncing);

      g_signal_handlers_disconnect_by_data (syncing, data);
      gtk_window_destroy (GTK_WINDOW (syncing));
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    data->sync_outcome = g_strdup (_("The sync was stopped: what it had not sent is not on the server."));
  else if (error != NULL)
    data->sync_outcome = g_strdup_printf (_("The sync failed (%s): what it had not sent is not on the server."),
                                          error->message);
  else
    data->sync_outcome = g_strdup (_("The sync is done: the reports are on the server."));
  confirm (data);
}

static void
syncing_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     EraseData        *data)
{
  /* Stopped: sync_done_cb follows, with the cancellation. */
  data->syncing = NULL;
  g_cancellable_cancel (data->cancellable);
}

static void
offer_response_cb (AdwMessageDialog *dialog,
                   const char       *response,
                   EraseData        *data)
{
  if (g_strcmp0 (response, "sync") == 0)
    {
      GtkWidget *spinner = gtk_spinner_new ();

      gtk_spinner_start (GTK_SPINNER (spinner));
      gtk_widget_set_size_request (spinner, 32, 32);
      gtk_accessible_update_property (GTK_ACCESSIBLE (spinner), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Syncing"), -1);
      data->syncing = ADW_MESSAGE_DIALOG (adw_message_dialog_new (data->parent, _("Syncing…"),
                                                                  _("Sending the reports to the server before erasing.")));
      gtk_window_set_title (GTK_WINDOW (data->syncing), _("Syncing…"));
      adw_message_dialog_set_extra_child (data->syncing, spinner);
      adw_message_dialog_add_response (data->syncing, "stop", _("_Stop"));
      adw_message_dialog_set_close_response (data->syncing, "stop");
      g_signal_connect (data->syncing, "response", G_CALLBACK (syncing_response_cb), data);
      gtk_window_present (GTK_WINDOW (data->syncing));
      data->cancellable = g_cancellable_new ();
      tg_sync_engine_sync_async (tg_sync_manager_get_engine (data->sync), TG_SYNC_FLAGS_SEND_ORIGINALS,
                                 data->cancellable, sync_done_cb, data);
    }
  else if (g_strcmp0 (response, "skip") == 0)
    confirm (data);
  else
    erase_data_free (data);
}

static gboolean
can_sync (TgSyncManager *sync)
{
  TgSyncTokenState state;
  TgSyncStatus status;

  if (sync == NULL)
    return FALSE;
  state = tg_sync_manager_get_token_state (sync);
  if (state != TG_SYNC_TOKEN_KEYRING && state != TG_SYNC_TOKEN_MEMORY)
    return FALSE;
  status = tg_sync_engine_get_status (tg_sync_manager_get_engine (sync));
  return status != TG_SYNC_STATUS_OFFLINE && status != TG_SYNC_STATUS_NOT_CONFIGURED &&
         g_network_monitor_get_network_available (g_network_monitor_get_default ());
}

void
tg_erase_ask (GtkWindow     *parent,
              TgSyncManager *sync,
              GCallback      erase,
              gpointer       user_data)
{
  EraseData *data = g_new0 (EraseData, 1);
  AdwMessageDialog *dialog;

  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (erase != NULL);

  data->parent = parent != NULL ? g_object_ref (parent) : NULL;
  data->sync = sync != NULL ? g_object_ref (sync) : NULL;
  data->erase = erase;
  data->user_data = user_data;

  if (!can_sync (sync))
    {
      confirm (data);
      return;
    }
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent, _("Sync Before Erasing?"),
                                                       _("Testigo is connected to your organisation’s server. "
                                                         "A sync first sends what the server does not have yet; "
                                                         "after the erase, what it lacks is lost.")));
  /* Named as its heading (window lists, screenshots, tests). */
  gtk_window_set_title (GTK_WINDOW (dialog), _("Sync Before Erasing?"));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "skip", _("Erase _Without Syncing"),
                                    "sync", _("_Sync First"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "sync", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "sync");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (offer_response_cb), data);
  gtk_window_present (GTK_WINDOW (dialog));
}

void
tg_erase_ask_locked (GtkWindow *parent,
                     GCallback  erase,
                     gpointer   user_data)
{
  EraseData *data = g_new0 (EraseData, 1);

  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (erase != NULL);

  data->parent = parent != NULL ? g_object_ref (parent) : NULL;
  data->erase = erase;
  data->user_data = user_data;
  data->locked = TRUE;
  /* One dialog: under pressure, the choice and its cost in one place. */
  data->sync_outcome = g_strdup (_("Testigo is locked, so it cannot sync first: reports not yet sent to your "
                                   "organisation’s server will be lost. To send them first, cancel, unlock "
                                   "Testigo and choose Emergency Erase in the main menu."));
  confirm (data);
}
