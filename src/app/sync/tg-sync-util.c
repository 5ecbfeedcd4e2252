/* tg-sync-util.c — time, duration, clock and status words shared by the sync widgets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-sync-util"

#include "config.h"

#include <glib/gi18n.h>

#include "tg-sync-util.h"

char *
tg_sync_format_time (gint64 unix_us)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;

  if (unix_us <= 0)
    return g_strdup (_("Never"));
  utc = g_date_time_new_from_unix_utc (unix_us / G_USEC_PER_SEC);
  if (utc == NULL)
    return g_strdup (_("Never"));
  local = g_date_time_to_local (utc);
  /* TRANSLATORS: a date and time in strftime() form: "6 Dec 2026, 21:14". */
  return g_date_time_format (local, _("%-d %b %Y, %H:%M"));
}

char *
tg_sync_format_duration (gint64 duration_us)
{
  gint64 s;

  if (duration_us < 0)
    duration_us = 0;
  s = duration_us / G_USEC_PER_SEC;
  if (duration_us < 10 * G_USEC_PER_SEC)
    /* TRANSLATORS: a duration in seconds with one decimal. */
    return g_strdup_printf (_("%.1f s"), duration_us / (double) G_USEC_PER_SEC);
  if (s < 60)
    /* TRANSLATORS: a duration in seconds. */
    return g_strdup_printf (_("%d s"), (int) s);
  /* TRANSLATORS: a duration in minutes and seconds. */
  return g_strdup_printf (_("%d min %d s"), (int) (s / 60), (int) (s % 60));
}

char *
tg_sync_describe_clock (gint64 offset_us)
{
  gint64 magnitude = offset_us < 0 ? -offset_us : offset_us;
  guint minutes = (guint) ((magnitude + 30 * G_USEC_PER_SEC) / (60 * G_USEC_PER_SEC));

  if (magnitude <= TG_SYNC_CLOCK_WARNING_US)
    return NULL;
  /* offset is server minus laptop: positive means the laptop is behind. */
  if (offset_us > 0)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "This laptop’s clock is %u minute behind the server’s. "
                                         "Set the date and time right: reports are dated with it.",
                                         "This laptop’s clock is %u minutes behind the server’s. "
                                         "Set the date and time right: reports are dated with it.",
                                         minutes), minutes);
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "This laptop’s clock is %u minute ahead of the server’s. "
                                       "Set the date and time right: reports are dated with it.",
                                       "This laptop’s clock is %u minutes ahead of the server’s. "
                                       "Set the date and time right: reports are dated with it.",
                                       minutes), minutes);
}

char *
tg_sync_describe_status (TgSyncManager  *manager,
                         const char    **icon_name)
{
  TgSyncEngine *engine = tg_sync_manager_get_engine (manager);
  const char *icon = "network-offline-symbolic";
  char *text = NULL;

  switch (tg_sync_manager_get_token_state (manager))
    {
    case TG_SYNC_TOKEN_NONE:
      text = g_strdup (_("Not connected to a server"));
      break;
    case TG_SYNC_TOKEN_LOADING:
      text = g_strdup (_("Opening the keyring…"));
      break;
    case TG_SYNC_TOKEN_MISSING:
      icon = "dialog-warning-symbolic";
      text = g_strdup (_("Needs attention: enrol this laptop again"));
      break;
    case TG_SYNC_TOKEN_KEYRING:
    case TG_SYNC_TOKEN_MEMORY:
    default:
      break;
    }

  if (text == NULL)
    {
      TgSyncStatus status = tg_sync_engine_get_status (engine);
      double progress = tg_sync_engine_get_progress (engine);

      switch (status)
        {
        case TG_SYNC_STATUS_NOT_CONFIGURED:
          text = g_strdup (_("Not connected to a server"));
          break;
        case TG_SYNC_STATUS_OFFLINE:
          text = g_strdup (_("Offline"));
          break;
        case TG_SYNC_STATUS_SYNCING:
          icon = "emblem-synchronizing-symbolic";
          if (progress >= 0)
            /* TRANSLATORS: %d is a percentage; %% is the percent sign. */
            text = g_strdup_printf (_("Syncing: %d %%"), (int) (progress * 100 + 0.5));
          else
            text = g_strdup (_("Syncing…"));
          break;
        case TG_SYNC_STATUS_UP_TO_DATE:
          icon = "emblem-ok-symbolic";
          text = g_strdup (_("Up to date"));
          break;
        case TG_SYNC_STATUS_PENDING:
          icon = "send-to-symbolic";
          text = g_strdup (_("Waiting to send"));
          break;
        case TG_SYNC_STATUS_NEEDS_ATTENTION:
          {
            TgSyncError code;
            gboolean attention_error = tg_sync_engine_get_last_error_code (engine, &code)
                                       && (code == TG_SYNC_ERROR_REVOKED
                                           || code == TG_SYNC_ERROR_FINGERPRINT_MISMATCH
                                           || code == TG_SYNC_ERROR_VERSION);

            icon = "dialog-warning-symbolic";
            /* the popover says which report and what to do */
            if (!attention_error && tg_sync_engine_get_n_missing_files (engine) > 0)
              text = g_strdup (_("Needs attention: a file is missing"));
            else
              text = g_strdup (_("Needs attention"));
          }
          break;
        default:
          text = g_strdup (_("Not connected to a server"));
          break;
        }
    }

  if (icon_name != NULL)
    *icon_name = icon;
  return text;
}

char *
tg_sync_describe_not_ready (TgSyncManager *manager)
{
  switch (tg_sync_manager_get_token_state (manager))
    {
    case TG_SYNC_TOKEN_KEYRING:
    case TG_SYNC_TOKEN_MEMORY:
      return NULL;
    case TG_SYNC_TOKEN_LOADING:
      return g_strdup (_("Nothing was sent: Testigo is still reading this laptop’s token from the keyring. "
                         "Try again in a moment."));
    case TG_SYNC_TOKEN_MISSING:
      return g_strdup (_("Nothing was sent: this laptop’s token is missing. Re-enrol it on the Sync page."));
    case TG_SYNC_TOKEN_NONE:
    default:
      return g_strdup (_("Nothing was sent: this laptop is not connected to a server yet. "
                         "Connect it on the Sync page."));
    }
}

const char *
tg_sync_outcome_label (TgSyncOutcome outcome)
{
  switch (outcome)
    {
    case TG_SYNC_OUTCOME_OK:
      return _("Done");
    case TG_SYNC_OUTCOME_PARTIAL:
      return _("Partly done");
    case TG_SYNC_OUTCOME_FAILED:
      return _("Failed");
    case TG_SYNC_OUTCOME_CANCELLED:
      return _("Cancelled");
    default:
      return _("Failed");
    }
}

char *
tg_sync_describe_device (const TgSyncDeviceName *device)
{
  g_return_val_if_fail (device != NULL, NULL);

  /* TRANSLATORS: another device as the server named it: "Laptop Huanta (rosa)" */
  if (device->name != NULL && device->user != NULL)
    return g_strdup_printf (_("%s (%s)"), device->name, device->user);
  return g_strdup_printf (_("device %.8s"), device->device_id ? device->device_id : "?");
}

char *
tg_sync_describe_received_from (const char *received_from)
{
  g_auto(GStrv) lines = NULL;
  GString *out;

  if (received_from == NULL || *received_from == '\0')
    return NULL;
  lines = g_strsplit (received_from, "\n", TG_SYNC_ENTRY_MAX_NAMED + 1);
  out = g_string_new (NULL);
  for (guint i = 0; lines[i] != NULL && i < TG_SYNC_ENTRY_MAX_NAMED; i++)
    {
      g_auto(GStrv) parts = g_strsplit (lines[i], "\t", 2);
      TgSyncDeviceName device = { NULL, parts[0], parts[0] ? parts[1] : NULL };
      g_autofree char *one = NULL;

      if (device.name == NULL || device.user == NULL)
        continue;
      one = tg_sync_describe_device (&device);
      if (out->len > 0)
        /* TRANSLATORS: between two devices in a list */
        g_string_append (out, _(", "));
      g_string_append (out, one);
    }
  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

AdwToast *
tg_sync_toast_new (const char *message)
{
  AdwToast *toast = adw_toast_new (message);
  GtkWidget *title = g_object_new (GTK_TYPE_LABEL,
                                   "accessible-role", GTK_ACCESSIBLE_ROLE_ALERT,
                                   "label", message,
                                   "wrap", TRUE,
                                   "wrap-mode", PANGO_WRAP_WORD_CHAR,
                                   "xalign", 0.0f,
                                   NULL);

  gtk_widget_add_css_class (title, "heading");
  adw_toast_set_custom_title (toast, title);
  /* a sentence of twenty words or more, and not announced by GTK 4.8
   * (docs/sync.md): time to find it and read it */
  adw_toast_set_timeout (toast, 10);
  return toast;
}

void
tg_sync_unwatch (gpointer        watcher,
                 GCancellable  **cancellable,
                 TgSyncEngine  **engine,
                 TgSyncManager **manager)
{
  g_cancellable_cancel (*cancellable);
  g_clear_object (cancellable);
  if (*engine != NULL)
    g_signal_handlers_disconnect_by_data (*engine, watcher);
  if (*manager != NULL)
    g_signal_handlers_disconnect_by_data (*manager, watcher);
  g_clear_object (engine);
  g_clear_object (manager);
}
