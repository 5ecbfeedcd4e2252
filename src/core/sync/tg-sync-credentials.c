/* tg-sync-credentials.c — the device token kept in the Secret Service through libsecret
 *
 * The token is stored under a schema of its own, keyed by server address
 * and the server's device id. Nothing is ever written to a file by this
 * code: when no Secret Service answers on the session bus (no keyring
 * daemon, no portal, no bus at all) the calls fail with
 * TG_SYNC_CREDENTIALS_ERROR_NO_KEYRING and the app decides what to do.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-sync-credentials"

#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "tg-sync-credentials.h"

G_DEFINE_QUARK (tg-sync-credentials-error-quark, tg_sync_credentials_error)

static const SecretSchema *
token_schema (void)
{
  static const SecretSchema schema = {
    "io.github.testigo.Testigo.DeviceToken", SECRET_SCHEMA_NONE,
    {
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "device", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  };

  return &schema;
}

static GHashTable *
token_attributes (const char *server_uri,
                  const char *device_id)
{
  /* libsecret keeps a reference to the table past the call: it owns
   * copies, so the caller may free its strings at once. */
  GHashTable *attributes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  g_hash_table_insert (attributes, (gpointer) "server", g_strdup (server_uri));
  g_hash_table_insert (attributes, (gpointer) "device", g_strdup (device_id));
  return attributes;
}

/* libsecret reports a missing keyring as whatever the bus said: no bus
 * (G_IO_ERROR), no owner for org.freedesktop.secrets and no way to start
 * one (G_DBUS_ERROR), or a service that is not a Secret Service. Each of
 * those is "no keyring" to the person; a locked item or a dismissed
 * prompt is "locked"; a cancelled call stays cancelled. */
static GError *
translate_error (GError *error)
{
  GError *translated;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return error;

  if (error->domain == SECRET_ERROR && error->code == SECRET_ERROR_IS_LOCKED)
    translated = g_error_new (TG_SYNC_CREDENTIALS_ERROR, TG_SYNC_CREDENTIALS_ERROR_LOCKED,
                              _("The keyring is locked: unlock it and try again."));
  else if (error->domain == G_DBUS_ERROR || error->domain == G_IO_ERROR ||
           (error->domain == SECRET_ERROR && error->code == SECRET_ERROR_PROTOCOL))
    translated = g_error_new (TG_SYNC_CREDENTIALS_ERROR, TG_SYNC_CREDENTIALS_ERROR_NO_KEYRING,
                              _("No keyring answered (%s)."), error->message);
  else
    translated = g_error_new (TG_SYNC_CREDENTIALS_ERROR, TG_SYNC_CREDENTIALS_ERROR_FAILED,
                              _("The keyring failed: %s"), error->message);
  g_error_free (error);
  return translated;
}

/* Callbacks ------------------------------------------------------------- */

static void
store_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (secret_password_store_finish (result, &error))
    g_task_return_boolean (task, TRUE);
  else if (error != NULL)
    g_task_return_error (task, translate_error (error));
  else
    /* A prompt the person dismissed. */
    g_task_return_new_error (task, TG_SYNC_CREDENTIALS_ERROR, TG_SYNC_CREDENTIALS_ERROR_LOCKED,
                             _("The keyring was not unlocked, so the token was not kept."));
}

static void
lookup_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  char *token;

  token = secret_password_lookup_finish (result, &error);
  if (error != NULL)
    g_task_return_error (task, translate_error (error));
  else
    g_task_return_pointer (task, token, (GDestroyNotify) secret_password_free);
}

static void
clear_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  /* FALSE without an error: there was nothing to clear. */
  secret_password_clear_finish (result, &error);
  if (error != NULL)
    g_task_return_error (task, translate_error (error));
  else
    g_task_return_boolean (task, TRUE);
}

/* Public API ------------------------------------------------------------ */

void
tg_sync_credentials_store_async (const char          *server_uri,
                                 const char          *device_id,
                                 const char          *token,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task;
  g_autoptr(GHashTable) attributes = NULL;
  g_autofree char *label = NULL;

  g_return_if_fail (server_uri != NULL);
  g_return_if_fail (device_id != NULL);
  g_return_if_fail (token != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, tg_sync_credentials_store_async);
  attributes = token_attributes (server_uri, device_id);
  /* TRANSLATORS: the keyring item's label, as a keyring manager lists it. */
  label = g_strdup_printf (_("Testigo device token for %s"), server_uri);
  secret_password_storev (token_schema (), attributes, SECRET_COLLECTION_DEFAULT, label, token,
                          cancellable, store_cb, task);
}

gboolean
tg_sync_credentials_store_finish (GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tg_sync_credentials_store_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
tg_sync_credentials_lookup_async (const char          *server_uri,
                                  const char          *device_id,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GTask *task;
  g_autoptr(GHashTable) attributes = NULL;

  g_return_if_fail (server_uri != NULL);
  g_return_if_fail (device_id != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, tg_sync_credentials_lookup_async);
  attributes = token_attributes (server_uri, device_id);
  secret_password_lookupv (token_schema (), attributes, cancellable, lookup_cb, task);
}

char *
tg_sync_credentials_lookup_finish (GAsyncResult  *result,
                                   GError       **error)
{
  char *secret;
  char *token;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tg_sync_credentials_lookup_async, NULL);

  /* libsecret's string must be freed with secret_password_free (it wipes
   * it); the caller gets a plain g_free-able copy. */
  secret = g_task_propagate_pointer (G_TASK (result), error);
  if (secret == NULL)
    return NULL;
  token = g_strdup (secret);
  secret_password_free (secret);
  return token;
}

void
tg_sync_credentials_clear_async (const char          *server_uri,
                                 const char          *device_id,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task;
  g_autoptr(GHashTable) attributes = NULL;

  g_return_if_fail (server_uri != NULL);
  g_return_if_fail (device_id != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, tg_sync_credentials_clear_async);
  attributes = token_attributes (server_uri, device_id);
  secret_password_clearv (token_schema (), attributes, cancellable, clear_cb, task);
}

void
tg_sync_credentials_clear_all_async (GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  /* No attribute but the schema's name: every item of the schema. */
  g_autoptr(GHashTable) attributes = g_hash_table_new (g_str_hash, g_str_equal);

  g_task_set_source_tag (task, tg_sync_credentials_clear_async);
  secret_password_clearv (token_schema (), attributes, cancellable, clear_cb, task);
}

gboolean
tg_sync_credentials_clear_finish (GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tg_sync_credentials_clear_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
