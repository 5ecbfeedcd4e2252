/* tg-sync-manager.c — one store's sync engine, its account and its token, for the widgets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-sync-manager"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tg-sync-credentials.h"
#include "tg-sync-manager.h"

struct _TgSyncManager
{
  GObject           parent_instance;

  TgStore          *store;
  GSettings        *settings;
  TgSyncEngine     *engine;
  TgSyncAccount    *account;
  TgSyncTokenState  token_state;
  char             *token_problem;
  char             *pending_token;   /* enrolled, the keyring did not take it */
  gboolean          loaded;
  gint64            history_success; /* newest good sync in the history */
  GCancellable     *cancellable;     /* the account and keyring reads */
};

G_DEFINE_FINAL_TYPE (TgSyncManager, tg_sync_manager, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TOKEN_STATE,
  PROP_LOADED,
  PROP_LAST_SUCCESS,
  N_PROPS
};

enum {
  ACCOUNT_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Helpers --------------------------------------------------------------- */

static void
apply_automatic (TgSyncManager *self)
{
  gboolean has_token = self->token_state == TG_SYNC_TOKEN_KEYRING ||
                       self->token_state == TG_SYNC_TOKEN_MEMORY;

  tg_sync_engine_set_automatic (self->engine,
                                has_token && g_settings_get_boolean (self->settings, "sync-automatic"));
}

static void
apply_metered (TgSyncManager *self)
{
  tg_sync_engine_set_send_originals_on_metered (self->engine,
                                                g_settings_get_boolean (self->settings, "sync-originals-on-metered"));
}

static void
set_token_state (TgSyncManager    *self,
                 TgSyncTokenState  state,
                 const char       *problem)
{
  g_free (self->token_problem);
  self->token_problem = g_strdup (problem);
  self->token_state = state;
  apply_automatic (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOKEN_STATE]);
  g_signal_emit (self, signals[ACCOUNT_CHANGED], 0);
}

static void
account_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  TgStore *store = task_data;
  GError *error = NULL;
  TgSyncAccount *account = tg_store_get_sync_account (store, &error);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, account, (GDestroyNotify) tg_sync_account_free);
}

/* Reads the store's account on a worker thread. */
static void
read_account_async (TgSyncManager       *self,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, read_account_async);
  g_task_set_task_data (task, g_object_ref (self->store), g_object_unref);
  g_task_run_in_thread (task, account_thread);
}

static TgSyncAccount *
read_account_finish (TgSyncManager  *self,
                     GAsyncResult   *result,
                     GError        **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
set_account (TgSyncManager *self,
             TgSyncAccount *account)
{
  g_clear_pointer (&self->account, tg_sync_account_free);
  self->account = account;
}

/* The engine knows only the syncs of this run: the newest good one
 * before it is read from the history, on a worker thread. */
static void
history_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  GError *error = NULL;
  g_autoptr(GPtrArray) entries = tg_store_list_sync_entries (task_data, TG_SYNC_HISTORY_MAX, &error);
  gint64 *when;

  if (entries == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  when = g_new0 (gint64, 1);
  for (guint i = 0; i < entries->len; i++)
    {
      const TgSyncEntry *entry = g_ptr_array_index (entries, i);

      /* As the engine counts it: a sync that went through, all or part. */
      if (entry->outcome == TG_SYNC_OUTCOME_OK || entry->outcome == TG_SYNC_OUTCOME_PARTIAL)
        {
          *when = entry->started_at;
          break;
        }
    }
  g_task_return_pointer (task, when, g_free);
}

static void
history_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  TgSyncManager *self = TG_SYNC_MANAGER (object);
  g_autoptr(GError) error = NULL;
  g_autofree gint64 *when = g_task_propagate_pointer (G_TASK (result), &error);

  if (when == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Could not read the sync history: %s", error->message);
      return;
    }
  if (*when > self->history_success)
    {
      self->history_success = *when;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_SUCCESS]);
    }
}

static void
read_history (TgSyncManager *self)
{
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, history_done_cb, NULL);

  g_task_set_source_tag (task, read_history);
  g_task_set_task_data (task, g_object_ref (self->store), g_object_unref);
  g_task_run_in_thread (task, history_thread);
}

/* Callbacks ------------------------------------------------------------- */

static void
engine_last_success_cb (TgSyncManager *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_SUCCESS]);
}

static void
settings_changed_cb (TgSyncManager *self,
                     const char    *key)
{
  if (g_strcmp0 (key, "sync-automatic") == 0)
    apply_automatic (self);
  else if (g_strcmp0 (key, "sync-originals-on-metered") == 0)
    apply_metered (self);
}

static void
start_lookup_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(TgSyncManager) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = tg_sync_credentials_lookup_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (token != NULL)
    {
      tg_sync_engine_set_token (self->engine, token);
      set_token_state (self, TG_SYNC_TOKEN_KEYRING, NULL);
    }
  else if (g_error_matches (error, TG_SYNC_CREDENTIALS_ERROR, TG_SYNC_CREDENTIALS_ERROR_NO_KEYRING))
    set_token_state (self, TG_SYNC_TOKEN_MISSING,
                     _("No keyring answered, so this laptop’s token could not be read (it may have been "
                       "kept only until Testigo last quit). Re-enrol with a new code to sync again."));
  else if (error != NULL)
    set_token_state (self, TG_SYNC_TOKEN_MISSING, error->message);
  else
    set_token_state (self, TG_SYNC_TOKEN_MISSING,
                     _("This laptop’s token is not in the keyring (it was kept only until Testigo quit, "
                       "or the keyring was reset). Re-enrol with a new code to sync again."));
}

static void
start_account_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  TgSyncManager *self = TG_SYNC_MANAGER (object);
  g_autoptr(GError) error = NULL;
  TgSyncAccount *account = read_account_finish (self, result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->loaded = TRUE;
  set_account (self, account);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
  if (error != NULL)
    {
      g_warning ("Could not read the sync account: %s", error->message);
      set_token_state (self, TG_SYNC_TOKEN_NONE, NULL);
      return;
    }
  if (account == NULL)
    {
      set_token_state (self, TG_SYNC_TOKEN_NONE, NULL);
      return;
    }
  set_token_state (self, TG_SYNC_TOKEN_LOADING, NULL);
  tg_sync_credentials_lookup_async (account->server_uri, account->server_device_id,
                                    self->cancellable, start_lookup_cb, g_object_ref (self));
}

/* Connecting: enrol, read the account the engine stored, keep the token. */

typedef struct
{
  char *server_uri;
  char *fingerprint;
  char *code;
  char *device_name;
  char *token;
  char *old_server_uri;     /* the account before, whose token is forgotten */
  char *old_device_id;
} ConnectData;

static void
connect_data_free (ConnectData *data)
{
  g_free (data->server_uri);
  g_free (data->fingerprint);
  g_free (data->code);
  g_free (data->device_name);
  if (data->token != NULL)
    memset (data->token, 0, strlen (data->token));
  g_free (data->token);
  g_free (data->old_server_uri);
  g_free (data->old_device_id);
  g_free (data);
}

static void
forget_old_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!tg_sync_credentials_clear_finish (result, &error))
    g_debug ("The old token was not cleared: %s", error->message);
}

static void
connect_stored_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TgSyncManager *self = g_task_get_source_object (task);
  ConnectData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!tg_sync_credentials_store_finish (result, &error))
    {
      /* Enrolled all the same: the token waits for the person's choice. */
      g_free (self->pending_token);
      self->pending_token = g_strdup (data->token);
      set_token_state (self, TG_SYNC_TOKEN_MISSING, error->message);
      g_task_return_error (task, error);
      return;
    }
  tg_sync_engine_set_token (self->engine, data->token);
  set_token_state (self, TG_SYNC_TOKEN_KEYRING, NULL);
  g_task_return_boolean (task, TRUE);
}

static void
connect_account_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TgSyncManager *self = g_task_get_source_object (task);
  ConnectData *data = g_task_get_task_data (task);
  GError *error = NULL;
  TgSyncAccount *account = read_account_finish (self, result, &error);

  if (account == NULL)
    {
      if (error == NULL)
        error = g_error_new_literal (TG_SYNC_ERROR, TG_SYNC_ERROR_LOCAL,
                                     _("The server enrolled this laptop, but the account was not kept in the store."));
      g_task_return_error (task, error);
      return;
    }
  set_account (self, account);
  if (data->old_device_id != NULL &&
      (g_strcmp0 (data->old_device_id, account->server_device_id) != 0 ||
       g_strcmp0 (data->old_server_uri, account->server_uri) != 0))
    tg_sync_credentials_clear_async (data->old_server_uri, data->old_device_id, NULL, forget_old_cb, NULL);
  tg_sync_credentials_store_async (account->server_uri, account->server_device_id, data->token,
                                   g_task_get_cancellable (task), connect_stored_cb, g_object_ref (task));
}

static void
connect_enrolled_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TgSyncManager *self = g_task_get_source_object (task);
  ConnectData *data = g_task_get_task_data (task);
  GError *error = NULL;

  data->token = tg_sync_engine_enrol_finish (self->engine, result, &error);
  if (data->token == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  read_account_async (self, g_task_get_cancellable (task), connect_account_cb, g_object_ref (task));
}

static void
disconnect_cleared_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  /* No keyring: there was nothing in it to forget. */
  if (!tg_sync_credentials_clear_finish (result, &error))
    g_debug ("The token was not cleared from the keyring: %s", error->message);
  g_task_return_boolean (task, TRUE);
}

/* Vfuncs ---------------------------------------------------------------- */

static void
tg_sync_manager_dispose (GObject *object)
{
  TgSyncManager *self = TG_SYNC_MANAGER (object);

  g_cancellable_cancel (self->cancellable);
  if (self->engine != NULL)
    tg_sync_engine_cancel (self->engine);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->engine);
  g_clear_object (&self->settings);
  g_clear_object (&self->store);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (tg_sync_manager_parent_class)->dispose (object);
}

static void
tg_sync_manager_finalize (GObject *object)
{
  TgSyncManager *self = TG_SYNC_MANAGER (object);

  g_clear_pointer (&self->account, tg_sync_account_free);
  g_free (self->token_problem);
  if (self->pending_token != NULL)
    memset (self->pending_token, 0, strlen (self->pending_token));
  g_free (self->pending_token);

  G_OBJECT_CLASS (tg_sync_manager_parent_class)->finalize (object);
}

static void
tg_sync_manager_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  TgSyncManager *self = TG_SYNC_MANAGER (object);

  switch (prop_id)
    {
    case PROP_TOKEN_STATE:
      g_value_set_int (value, self->token_state);
      break;
    case PROP_LOADED:
      g_value_set_boolean (value, self->loaded);
      break;
    case PROP_LAST_SUCCESS:
      g_value_set_int64 (value, tg_sync_manager_get_last_success (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_sync_manager_class_init (TgSyncManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tg_sync_manager_dispose;
  object_class->finalize = tg_sync_manager_finalize;
  object_class->get_property = tg_sync_manager_get_property;

  properties[PROP_TOKEN_STATE] =
    g_param_spec_int ("token-state", NULL, NULL,
                      TG_SYNC_TOKEN_NONE, TG_SYNC_TOKEN_MISSING, TG_SYNC_TOKEN_LOADING,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADED] =
    g_param_spec_boolean ("loaded", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LAST_SUCCESS] =
    g_param_spec_int64 ("last-success", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[ACCOUNT_CHANGED] =
    g_signal_new ("account-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
tg_sync_manager_init (TgSyncManager *self)
{
  self->token_state = TG_SYNC_TOKEN_LOADING;
  self->cancellable = g_cancellable_new ();
}

/* Public API ------------------------------------------------------------ */

TgSyncManager *
tg_sync_manager_new (TgStore   *store,
                     GSettings *settings)
{
  TgSyncManager *self;

  g_return_val_if_fail (TG_IS_STORE (store), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (TG_TYPE_SYNC_MANAGER, NULL);
  self->store = g_object_ref (store);
  self->settings = g_object_ref (settings);
  self->engine = tg_sync_engine_new (store, NULL);
  apply_metered (self);
  apply_automatic (self);
  g_signal_connect_swapped (settings, "changed", G_CALLBACK (settings_changed_cb), self);
  g_signal_connect_swapped (self->engine, "notify::last-success", G_CALLBACK (engine_last_success_cb), self);
  read_account_async (self, self->cancellable, start_account_cb, NULL);
  read_history (self);
  return self;
}

TgSyncEngine *
tg_sync_manager_get_engine (TgSyncManager *self)
{
  g_return_val_if_fail (TG_IS_SYNC_MANAGER (self), NULL);
  return self->engine;
}

GSettings *
tg_sync_manager_get_settings (TgSyncManager *self)
{
  g_return_val_if_fail (TG_IS_SYNC_MANAGER (self), NULL);
  return self->settings;
}

TgStore *
tg_sync_manager_get_store (TgSyncManager *self)
{
  g_return_val_if_fail (TG_IS_SYNC_MANAGER (self), NULL);
  return self->store;
}

const TgSyncAccount *
tg_sync_manager_get_account (TgSyncManager *self)
{
  g_return_val_if_fail (TG_IS_SYNC_MANAGER (self), NULL);
  return self->account;
}

TgSyncTokenState
tg_sync_manager_get_token_state (TgSyncManager *self)
{
  g_return_val_if_fail (TG_IS_SYNC_MANAGER (self), TG_SYNC_TOKEN_NONE);
  return self->token_state;
}

const char *
tg_sync_manager_get_token_problem (TgSyncManager *self)
{
  g_return_val_if_fail (TG_IS_SYNC_MANAGER (self), NULL);
  return self->token_problem;
}

gboolean
tg_sync_manager_get_loaded (TgSyncManager *self)
{
  g_return_val_if_fail (TG_IS_SYNC_MANAGER (self), FALSE);
  return self->loaded;
}

gint64
tg_sync_manager_get_last_success (TgSyncManager *self)
{
  g_return_val_if_fail (TG_IS_SYNC_MANAGER (self), 0);
  return MAX (tg_sync_engine_get_last_success (self->engine), self->history_success);
}

void
tg_sync_manager_connect_async (TgSyncManager       *self,
                               const char          *server_uri,
                               const char          *fingerprint,
                               const char          *code,
                               const char          *device_name,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ConnectData *data;

  g_return_if_fail (TG_IS_SYNC_MANAGER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tg_sync_manager_connect_async);
  data = g_new0 (ConnectData, 1);
  data->server_uri = g_strdup (server_uri);
  data->fingerprint = g_strdup (fingerprint);
  data->code = g_strdup (code);
  data->device_name = g_strdup (device_name);
  if (self->account != NULL)
    {
      data->old_server_uri = g_strdup (self->account->server_uri);
      data->old_device_id = g_strdup (self->account->server_device_id);
    }
  g_task_set_task_data (task, data, (GDestroyNotify) connect_data_free);

  g_clear_pointer (&self->pending_token, g_free);
  tg_sync_engine_enrol_async (self->engine, server_uri, fingerprint, code, device_name,
                              cancellable, connect_enrolled_cb, g_object_ref (task));
}

gboolean
tg_sync_manager_connect_finish (TgSyncManager  *self,
                                GAsyncResult   *result,
                                GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
tg_sync_manager_keep_token_in_memory (TgSyncManager *self)
{
  g_return_if_fail (TG_IS_SYNC_MANAGER (self));

  if (self->pending_token == NULL)
    return;
  tg_sync_engine_set_token (self->engine, self->pending_token);
  memset (self->pending_token, 0, strlen (self->pending_token));
  g_clear_pointer (&self->pending_token, g_free);
  set_token_state (self, TG_SYNC_TOKEN_MEMORY, NULL);
}

void
tg_sync_manager_disconnect_async (TgSyncManager       *self,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(TgSyncAccount) account = NULL;

  g_return_if_fail (TG_IS_SYNC_MANAGER (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, tg_sync_manager_disconnect_async);

  account = g_steal_pointer (&self->account);
  if (self->pending_token != NULL)
    memset (self->pending_token, 0, strlen (self->pending_token));
  g_clear_pointer (&self->pending_token, g_free);
  tg_sync_engine_cancel (self->engine);
  tg_sync_engine_disconnect (self->engine);
  set_token_state (self, TG_SYNC_TOKEN_NONE, NULL);

  if (account != NULL && account->server_device_id != NULL)
    tg_sync_credentials_clear_async (account->server_uri, account->server_device_id, NULL,
                                     disconnect_cleared_cb, g_object_ref (task));
  else
    g_task_return_boolean (task, TRUE);
}

gboolean
tg_sync_manager_disconnect_finish (TgSyncManager  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
