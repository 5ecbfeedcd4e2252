/* tg-secure-key.h — a key held in locked memory, wiped when let go
 *
 * Every copy of the data key and of its subkeys that Testigo's own code
 * holds (the vault's key, a subkey on its way to a stream or to the store,
 * the store's copy for the connections it opens later) lives in memory
 * from libsodium's sodium_malloc(): pages of its own, locked with mlock()
 * where the system allows (so they never reach swap), a guard page after
 * them and a canary before them; tg_secure_key_free() overwrites the key
 * with zeros (sodium_memzero) before the pages go back.
 *
 * What the encrypting SQLite keeps of a key while a database is open is
 * SQLite's, in its own heap (docs/sqlite-cipher.md, "Keys in memory").
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Every key Testigo derives or keeps is 256 bits. */
#define TG_SECURE_KEY_BYTES 32

/* TG_SECURE_KEY_BYTES bytes; a key is passed around as guint8 *. */
typedef guint8 TgSecureKey;

/* A zeroed key in locked memory; NULL only if libsodium cannot start or
 * memory runs out (never aborts). */
TgSecureKey *tg_secure_key_new  (void);
/* A locked copy of @key (TG_SECURE_KEY_BYTES bytes); NULL for NULL. */
TgSecureKey *tg_secure_key_dup  (const guint8 *key);
/* Wipes and frees @key; NULL is fine. */
void         tg_secure_key_free (TgSecureKey  *key);

/* How many keys from tg_secure_key_new()/_dup() are alive: tests check
 * that what opens a store keeps its key here and lets it go. */
guint        tg_secure_key_count_for_testing (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgSecureKey, tg_secure_key_free)

G_END_DECLS
