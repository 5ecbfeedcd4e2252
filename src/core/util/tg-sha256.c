/* tg-sha256.c — SHA-256 over nettle, as lower-case hex, for ids, custody links and files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "tg-sha256.h"

void
tg_sha256_init (TgSha256 *self)
{
  sha256_init (&self->ctx);
}

void
tg_sha256_update (TgSha256      *self,
                  gconstpointer  data,
                  gsize          length)
{
  sha256_update (&self->ctx, length, data);
}

/* Writes the lower-case hex digest and a NUL; the state starts anew. */
void
tg_sha256_finish_hex (TgSha256 *self,
                      char      hex[TG_SHA256_HEX_LENGTH + 1])
{
  static const char digits[] = "0123456789abcdef";
  guint8 digest[SHA256_DIGEST_SIZE];

  sha256_digest (&self->ctx, sizeof digest, digest);
  for (guint i = 0; i < sizeof digest; i++)
    {
      hex[2 * i] = digits[digest[i] >> 4];
      hex[2 * i + 1] = digits[digest[i] & 0xf];
    }
  hex[TG_SHA256_HEX_LENGTH] = '\0';
}

char *
tg_sha256_hex (gconstpointer data,
               gsize         length)
{
  TgSha256 sha;
  char *hex = g_malloc (TG_SHA256_HEX_LENGTH + 1);

  tg_sha256_init (&sha);
  tg_sha256_update (&sha, data, length);
  tg_sha256_finish_hex (&sha, hex);
  return hex;
}
