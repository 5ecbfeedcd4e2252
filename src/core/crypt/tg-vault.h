/* tg-vault.h — the data key, wrapped by the monitor's passphrase
 *
 * One random 256-bit data key encrypts everything Testigo writes. It
 * lives only in sodium_malloc'd, mlock'ed memory while the vault is
 * unlocked, and on disk only wrapped (XChaCha20-Poly1305) by a key that
 * Argon2id derives from the passphrase, in a small versioned key file
 * (`vault.key` in the data directory, mode 0600, written atomically:
 * temporary file, fsync, rename, fsync of the directory).
 *
 * States: TG_VAULT_STATE_NONE (no key file: a fresh install),
 * TG_VAULT_STATE_LOCKED (a key file, no key in memory) and
 * TG_VAULT_STATE_UNLOCKED. The "state" property is notified on every
 * change, from the main context the vault was created in.
 *
 * Argon2id takes about a second: never call the blocking functions on
 * the main loop — use the _async variants there. Every function is
 * thread-safe.
 *
 * Erase passphrase. The key file always holds a second slot, the same
 * size as the first: random bytes, or the erase marker wrapped by an
 * erase passphrase. Nothing, not even Testigo, can tell which — the
 * file says only that an erase passphrase *may* be set. Typed at unlock,
 * the erase passphrase erases (as tg_vault_erase()) and unlock fails
 * with TG_VAULT_ERROR_ERASED; the vault is then in state NONE, exactly
 * as a fresh install. There are no hidden vaults: erasing destroys, it
 * does not hide.
 *
 * Wrong passphrases are counted in `vault.attempts` beside the key file
 * (so a restart does not reset the count). After
 * TG_VAULT_FREE_ATTEMPTS wrong passphrases each further attempt must
 * wait (15 s, doubling, at most an hour); an attempt made too early
 * fails with TG_VAULT_ERROR_RATE_LIMITED whose message says how long,
 * and tg_vault_get_retry_after() gives the seconds. A wrong or early
 * attempt changes nothing else.
 *
 * Subkeys. Each use gets its own key, derived from the data key with
 * crypto_kdf (BLAKE2b) and a purpose; see tg_vault_derive_subkey().
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "tg-secure-key.h"

G_BEGIN_DECLS

#define TG_VAULT_ERROR (tg_vault_error_quark ())
GQuark tg_vault_error_quark (void);

typedef enum
{
  TG_VAULT_ERROR_FAILED,
  TG_VAULT_ERROR_NO_KEY,            /* no key file: create one first */
  TG_VAULT_ERROR_EXISTS,            /* create, but a key file exists */
  TG_VAULT_ERROR_LOCKED,            /* needs the key, and the vault is locked */
  TG_VAULT_ERROR_WRONG_PASSPHRASE,
  TG_VAULT_ERROR_RATE_LIMITED,      /* too many wrong passphrases: wait */
  TG_VAULT_ERROR_ERASED,            /* the erase passphrase was typed: all is gone */
  TG_VAULT_ERROR_CORRUPT,           /* a key file that is damaged or not ours */
  TG_VAULT_ERROR_TOO_NEW,           /* a key file from a newer Testigo */
  TG_VAULT_ERROR_WEAK_PASSPHRASE,   /* empty, or the erase passphrase equals the passphrase */
  TG_VAULT_ERROR_TAMPERED,          /* an encrypted file that fails authentication */
  TG_VAULT_ERROR_TRUNCATED,         /* an encrypted file that ends before its final tag */
} TgVaultError;

typedef enum
{
  TG_VAULT_STATE_NONE,
  TG_VAULT_STATE_LOCKED,
  TG_VAULT_STATE_UNLOCKED,
} TgVaultState;

GType tg_vault_state_get_type (void);
#define TG_TYPE_VAULT_STATE (tg_vault_state_get_type ())

/* What a subkey is for; each gives an independent 256-bit key. */
typedef enum
{
  TG_VAULT_PURPOSE_STORE     = 1,   /* the SQLite store (SQLCipher raw key) */
  TG_VAULT_PURPOSE_BLOBS     = 2,   /* evidence files under blobs/ */
  TG_VAULT_PURPOSE_THUMBNAILS = 3,  /* thumbnails */
  TG_VAULT_PURPOSE_SYNC      = 4,   /* sync state and history files */
  TG_VAULT_PURPOSE_CUSTODY   = 5,   /* the custody log */
} TgVaultPurpose;

#define TG_VAULT_KEY_BYTES      32
#define TG_VAULT_FREE_ATTEMPTS  3
#define TG_VAULT_KEY_FILE       "vault.key"
#define TG_VAULT_ATTEMPTS_FILE  "vault.attempts"

#define TG_TYPE_VAULT (tg_vault_get_type ())
G_DECLARE_FINAL_TYPE (TgVault, tg_vault, TG, VAULT, GObject)

/* @directory is the data directory (it holds vault.key). Reads the key
 * file's presence only; never blocks for long. */
TgVault      *tg_vault_new                 (const char          *directory);
const char   *tg_vault_get_directory       (TgVault             *self);
TgVaultState  tg_vault_get_state           (TgVault             *self);
gboolean      tg_vault_is_unlocked         (TgVault             *self);
/* Wrong passphrases since the last right one (persisted). */
guint         tg_vault_get_failed_attempts (TgVault             *self);
/* Seconds until the next attempt is allowed; 0 if allowed now. */
guint         tg_vault_get_retry_after     (TgVault             *self);

/* Argon2id cost; 0 for either means the defaults (about one second on a
 * 2-core laptop). Tests set small ones. Only affects later wraps. */
void          tg_vault_set_kdf_limits      (TgVault             *self,
                                            guint64              opslimit,
                                            gsize                memlimit);

/* NONE → UNLOCKED: a fresh data key, wrapped by @passphrase. */
gboolean      tg_vault_create              (TgVault             *self,
                                            const char          *passphrase,
                                            GCancellable        *cancellable,
                                            GError             **error);
void          tg_vault_create_async        (TgVault             *self,
                                            const char          *passphrase,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
gboolean      tg_vault_create_finish       (TgVault             *self,
                                            GAsyncResult        *result,
                                            GError             **error);

/* LOCKED → UNLOCKED. Errors: WRONG_PASSPHRASE, RATE_LIMITED, ERASED
 * (the erase passphrase: the vault is now NONE), NO_KEY, CORRUPT. */
gboolean      tg_vault_unlock              (TgVault             *self,
                                            const char          *passphrase,
                                            GCancellable        *cancellable,
                                            GError             **error);
void          tg_vault_unlock_async        (TgVault             *self,
                                            const char          *passphrase,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
gboolean      tg_vault_unlock_finish       (TgVault             *self,
                                            GAsyncResult        *result,
                                            GError             **error);

/* UNLOCKED → LOCKED: the data key is zeroed and freed at once. Cheap;
 * fine on the main loop. Open decrypting streams fail from then on. */
void          tg_vault_lock                (TgVault             *self);

/* Rewraps the data key (nothing else is re-encrypted). Checks
 * @old_passphrase first (a wrong one counts as a failed attempt). */
gboolean      tg_vault_change_passphrase   (TgVault             *self,
                                            const char          *old_passphrase,
                                            const char          *new_passphrase,
                                            GCancellable        *cancellable,
                                            GError             **error);
void          tg_vault_change_passphrase_async  (TgVault             *self,
                                                 const char          *old_passphrase,
                                                 const char          *new_passphrase,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean      tg_vault_change_passphrase_finish (TgVault             *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);

/* Sets (or, with NULL, clears) the erase passphrase; needs UNLOCKED.
 * Refused (WEAK_PASSPHRASE) if it equals the passphrase. */
gboolean      tg_vault_set_erase_passphrase (TgVault             *self,
                                             const char          *erase_passphrase,
                                             GCancellable        *cancellable,
                                             GError             **error);
void          tg_vault_set_erase_passphrase_async  (TgVault             *self,
                                                    const char          *erase_passphrase,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gboolean      tg_vault_set_erase_passphrase_finish (TgVault             *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

/* Any state → NONE: overwrites the key file, fsyncs, removes it, then
 * removes the data directory's encrypted files (the store and its WAL,
 * blobs/, thumbnails/, sync state) — a fresh install. Emits "erased". */
gboolean      tg_vault_erase               (TgVault             *self,
                                            GCancellable        *cancellable,
                                            GError             **error);
void          tg_vault_erase_async         (TgVault             *self,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
gboolean      tg_vault_erase_finish        (TgVault             *self,
                                            GAsyncResult        *result,
                                            GError             **error);

/* Writes the TG_VAULT_KEY_BYTES subkey for @purpose into @out (the
 * caller zeroes it with sodium_memzero when done, ideally keeping it in
 * sodium_malloc'd memory). TG_VAULT_ERROR_LOCKED unless unlocked. */
gboolean      tg_vault_derive_subkey       (TgVault             *self,
                                            TgVaultPurpose       purpose,
                                            guint8              *out,
                                            GError             **error);

/* The subkey for @purpose in locked memory, wiped when freed
 * (tg-secure-key.h: g_autoptr(TgSecureKey) or tg_secure_key_free()). NULL
 * with TG_VAULT_ERROR_LOCKED unless unlocked. What the app hands the store
 * (tg_store_open_keyed(), which keeps its own locked copy). */
TgSecureKey  *tg_vault_dup_subkey          (TgVault             *self,
                                            TgVaultPurpose       purpose,
                                            GError             **error);

/* Bumped on every lock and unlock: a stream that holds a subkey checks
 * it to stop decrypting once the vault is locked. */
guint         tg_vault_get_generation      (TgVault             *self);

G_END_DECLS
