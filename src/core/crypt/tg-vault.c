/* tg-vault.c — the data key, wrapped by the monitor's passphrase
 *
 * STUB: this first version only tracks the states so the lock page can
 * be built on the header; it holds no key and encrypts nothing. The real
 * Argon2id wrap, key file and subkeys follow.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "testigo-vault"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tg-vault.h"

struct _TgVault
{
  GObject       parent_instance;
  char         *directory;
  TgVaultState  state;
  guint         generation;
};

enum { PROP_0, PROP_DIRECTORY, PROP_STATE, N_PROPS };
enum { SIGNAL_ERASED, N_SIGNALS };

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (TgVault, tg_vault, G_TYPE_OBJECT)
G_DEFINE_QUARK (tg-vault-error-quark, tg_vault_error)

GType
tg_vault_state_get_type (void)
{
  static gsize type = 0;

  if (g_once_init_enter (&type))
    {
      static const GEnumValue values[] = {
        { TG_VAULT_STATE_NONE, "TG_VAULT_STATE_NONE", "none" },
        { TG_VAULT_STATE_LOCKED, "TG_VAULT_STATE_LOCKED", "locked" },
        { TG_VAULT_STATE_UNLOCKED, "TG_VAULT_STATE_UNLOCKED", "unlocked" },
        { 0, NULL, NULL },
      };
      g_once_init_leave (&type, g_enum_register_static ("TgVaultState", values));
    }
  return type;
}

static char *
key_file_path (TgVault *self)
{
  return g_build_filename (self->directory, TG_VAULT_KEY_FILE, NULL);
}

static void
set_state (TgVault      *self,
           TgVaultState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  self->generation++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
tg_vault_finalize (GObject *object)
{
  TgVault *self = TG_VAULT (object);

  g_free (self->directory);
  G_OBJECT_CLASS (tg_vault_parent_class)->finalize (object);
}

static void
tg_vault_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  TgVault *self = TG_VAULT (object);

  switch (prop_id)
    {
    case PROP_DIRECTORY:
      g_value_set_string (value, self->directory);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_vault_class_init (TgVaultClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tg_vault_finalize;
  object_class->get_property = tg_vault_get_property;

  properties[PROP_DIRECTORY] =
    g_param_spec_string ("directory", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, TG_TYPE_VAULT_STATE,
                       TG_VAULT_STATE_NONE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_ERASED] =
    g_signal_new ("erased", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
tg_vault_init (TgVault *self)
{
}

TgVault *
tg_vault_new (const char *directory)
{
  TgVault *self = g_object_new (TG_TYPE_VAULT, NULL);
  g_autofree char *path = NULL;

  self->directory = g_strdup (directory);
  path = key_file_path (self);
  self->state = g_file_test (path, G_FILE_TEST_EXISTS) ? TG_VAULT_STATE_LOCKED
                                                        : TG_VAULT_STATE_NONE;
  return self;
}

const char *
tg_vault_get_directory (TgVault *self)
{
  return self->directory;
}

TgVaultState
tg_vault_get_state (TgVault *self)
{
  return self->state;
}

gboolean
tg_vault_is_unlocked (TgVault *self)
{
  return self->state == TG_VAULT_STATE_UNLOCKED;
}

guint
tg_vault_get_failed_attempts (TgVault *self)
{
  return 0;
}

guint
tg_vault_get_retry_after (TgVault *self)
{
  return 0;
}

void
tg_vault_set_kdf_limits (TgVault *self,
                         guint64  opslimit,
                         gsize    memlimit)
{
}

static gboolean
not_yet (GError **error)
{
  g_set_error_literal (error, TG_VAULT_ERROR, TG_VAULT_ERROR_FAILED,
                       "The vault is not implemented yet");
  return FALSE;
}

gboolean
tg_vault_create (TgVault       *self,
                 const char    *passphrase,
                 GCancellable  *cancellable,
                 GError       **error)
{
  return not_yet (error);
}

gboolean
tg_vault_unlock (TgVault       *self,
                 const char    *passphrase,
                 GCancellable  *cancellable,
                 GError       **error)
{
  return not_yet (error);
}

void
tg_vault_lock (TgVault *self)
{
  if (self->state == TG_VAULT_STATE_UNLOCKED)
    set_state (self, TG_VAULT_STATE_LOCKED);
}

gboolean
tg_vault_change_passphrase (TgVault       *self,
                            const char    *old_passphrase,
                            const char    *new_passphrase,
                            GCancellable  *cancellable,
                            GError       **error)
{
  return not_yet (error);
}

gboolean
tg_vault_set_erase_passphrase (TgVault       *self,
                               const char    *erase_passphrase,
                               GCancellable  *cancellable,
                               GError       **error)
{
  return not_yet (error);
}

gboolean
tg_vault_erase (TgVault       *self,
                GCancellable  *cancellable,
                GError       **error)
{
  return not_yet (error);
}

gboolean
tg_vault_derive_subkey (TgVault         *self,
                        TgVaultPurpose   purpose,
                        guint8          *out,
                        GError         **error)
{
  return not_yet (error);
}

guint
tg_vault_get_generation (TgVault *self)
{
  return self->generation;
}

/* The async variants all fail the same way in the stub. */
static void
stub_async (TgVault             *self,
            gpointer             tag,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tag);
  g_task_return_new_error (task, TG_VAULT_ERROR, TG_VAULT_ERROR_FAILED,
                           "The vault is not implemented yet");
}

void
tg_vault_create_async (TgVault *self, const char *passphrase, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  stub_async (self, tg_vault_create_async, cancellable, callback, user_data);
}

gboolean
tg_vault_create_finish (TgVault *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
tg_vault_unlock_async (TgVault *self, const char *passphrase, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  stub_async (self, tg_vault_unlock_async, cancellable, callback, user_data);
}

gboolean
tg_vault_unlock_finish (TgVault *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
tg_vault_change_passphrase_async (TgVault *self, const char *old_passphrase,
                                  const char *new_passphrase, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  stub_async (self, tg_vault_change_passphrase_async, cancellable, callback, user_data);
}

gboolean
tg_vault_change_passphrase_finish (TgVault *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
tg_vault_set_erase_passphrase_async (TgVault *self, const char *erase_passphrase,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  stub_async (self, tg_vault_set_erase_passphrase_async, cancellable, callback, user_data);
}

gboolean
tg_vault_set_erase_passphrase_finish (TgVault *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
tg_vault_erase_async (TgVault *self, GCancellable *cancellable,
                      GAsyncReadyCallback callback, gpointer user_data)
{
  stub_async (self, tg_vault_erase_async, cancellable, callback, user_data);
}

gboolean
tg_vault_erase_finish (TgVault *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
