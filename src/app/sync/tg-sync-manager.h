/* tg-sync-manager.h — the app's side of sync for one open store: the
 * engine, its account, the token in the keyring (or in memory) and the
 * settings that drive it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "tg-store.h"
#include "tg-store-sync.h"
#include "tg-sync-engine.h"

G_BEGIN_DECLS

typedef enum
{
  TG_SYNC_TOKEN_NONE,      /* no account: not connected */
  TG_SYNC_TOKEN_LOADING,   /* the account or the keyring is being read */
  TG_SYNC_TOKEN_KEYRING,   /* the token is in the keyring and handed to the engine */
  TG_SYNC_TOKEN_MEMORY,    /* kept only until Testigo quits (no keyring) */
  TG_SYNC_TOKEN_MISSING,   /* an account, but no token: re-enrol to sync */
} TgSyncTokenState;

#define TG_TYPE_SYNC_MANAGER (tg_sync_manager_get_type ())
G_DECLARE_FINAL_TYPE (TgSyncManager, tg_sync_manager, TG, SYNC_MANAGER, GObject)

/* Reads the account off the main thread, then asks the keyring for the
 * token; the engine is automatic when the "sync-automatic" setting says
 * so and a token is there. */
TgSyncManager    *tg_sync_manager_new                 (TgStore          *store,
                                                       GSettings        *settings);
TgSyncEngine     *tg_sync_manager_get_engine          (TgSyncManager    *self);
GSettings        *tg_sync_manager_get_settings        (TgSyncManager    *self);
TgStore          *tg_sync_manager_get_store           (TgSyncManager    *self);
/* NULL when not connected (or not read yet). */
const TgSyncAccount *tg_sync_manager_get_account      (TgSyncManager    *self);
TgSyncTokenState  tg_sync_manager_get_token_state     (TgSyncManager    *self);
/* Why the token is missing, in plain words; NULL otherwise. */
const char       *tg_sync_manager_get_token_problem   (TgSyncManager    *self);
/* TRUE once the account was read (connected or not). */
gboolean          tg_sync_manager_get_loaded          (TgSyncManager    *self);
/* The start of the newest sync that went through (all or part), this
 * run's (the engine's) or, read from the history, an earlier run's; 0
 * if none. Notified as "last-success". */
gint64            tg_sync_manager_get_last_success    (TgSyncManager    *self);

/* Enrols (the engine pins @fingerprint) and keeps the token in the
 * keyring. Fails with TG_SYNC_CREDENTIALS_ERROR_NO_KEYRING when enrolment
 * worked but no keyring answered: the token is held until
 * tg_sync_manager_keep_token_in_memory() or tg_sync_manager_disconnect_async(). */
void              tg_sync_manager_connect_async       (TgSyncManager       *self,
                                                       const char          *server_uri,
                                                       const char          *fingerprint,
                                                       const char          *code,
                                                       const char          *device_name,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
gboolean          tg_sync_manager_connect_finish      (TgSyncManager       *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);
void              tg_sync_manager_keep_token_in_memory (TgSyncManager      *self);
/* Forgets the token (keyring and memory) and the account with its pin;
 * nothing local is deleted. */
void              tg_sync_manager_disconnect_async    (TgSyncManager       *self,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
gboolean          tg_sync_manager_disconnect_finish   (TgSyncManager       *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);

/* Properties: "account-changed" is a signal (the account or the token
 * state changed); "token-state" (int), "loaded" (boolean),
 * "last-success" (int64, unix µs). */

G_END_DECLS
