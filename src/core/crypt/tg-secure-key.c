/* tg-secure-key.c — a key held in locked memory, wiped when let go
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "tg-secure-key.h"

static gint n_live;

TgSecureKey *
tg_secure_key_new (void)
{
  TgSecureKey *key;

  if (sodium_init () < 0)
    return NULL;
  /* sodium_malloc: its own pages, mlock'ed where allowed, a guard page
   * after and a canary before; sodium_free checks the canary. */
  if ((key = sodium_malloc (TG_SECURE_KEY_BYTES)) == NULL)
    return NULL;
  sodium_memzero (key, TG_SECURE_KEY_BYTES);
  g_atomic_int_inc (&n_live);
  return key;
}

TgSecureKey *
tg_secure_key_dup (const guint8 *key)
{
  TgSecureKey *copy;

  if (key == NULL || (copy = tg_secure_key_new ()) == NULL)
    return NULL;
  memcpy (copy, key, TG_SECURE_KEY_BYTES);
  return copy;
}

void
tg_secure_key_free (TgSecureKey *key)
{
  if (key == NULL)
    return;
  /* A key its owner protected (sodium_mprotect_noaccess) is made
   * writable first, or the wipe would fault. */
  sodium_mprotect_readwrite (key);
  sodium_memzero (key, TG_SECURE_KEY_BYTES);
  sodium_free (key);
  g_atomic_int_dec_and_test (&n_live);
}

guint
tg_secure_key_count_for_testing (void)
{
  return (guint) g_atomic_int_get (&n_live);
}
