/* tg-sync-credentials.h — the device token in the keyring (libsecret; the
 * Secret portal inside Flatpak)
 *
 * Never falls back to plain text: when no keyring answers, lookup and
 * store fail with TG_SYNC_CREDENTIALS_ERROR_NO_KEYRING and the app offers to
 * keep the token in memory until it quits.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TG_SYNC_CREDENTIALS_ERROR (tg_sync_credentials_error_quark ())
GQuark tg_sync_credentials_error_quark (void);

typedef enum
{
  TG_SYNC_CREDENTIALS_ERROR_NO_KEYRING,   /* no Secret Service answered */
  TG_SYNC_CREDENTIALS_ERROR_LOCKED,       /* the person did not unlock it */
  TG_SYNC_CREDENTIALS_ERROR_FAILED,
} TgSyncCredentialsError;

/* Keyed by server address and the server's device id. */
void      tg_sync_credentials_store_async   (const char          *server_uri,
                                             const char          *device_id,
                                             const char          *token,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean  tg_sync_credentials_store_finish  (GAsyncResult        *result,
                                             GError             **error);
/* NULL without error when the keyring holds none. */
void      tg_sync_credentials_lookup_async  (const char          *server_uri,
                                             const char          *device_id,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
char     *tg_sync_credentials_lookup_finish (GAsyncResult        *result,
                                             GError             **error);
void      tg_sync_credentials_clear_async   (const char          *server_uri,
                                             const char          *device_id,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean  tg_sync_credentials_clear_finish  (GAsyncResult        *result,
                                             GError             **error);
/* Every device token Testigo stored, whatever its server and device (the
 * erase from the lock page, which cannot read the account). Finish with
 * tg_sync_credentials_clear_finish(). */
void      tg_sync_credentials_clear_all_async (GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);

G_END_DECLS
