/* tg-sha256.h — SHA-256 for revision ids, custody links and files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <nettle/sha2.h>

G_BEGIN_DECLS

#define TG_SHA256_HEX_LENGTH 64

/* A running SHA-256. It lives on the stack: no allocation per hash.
 * Nettle picks the processor's SHA instructions when it has them, some
 * four times faster than GChecksum; the results are the same. */
typedef struct
{
  struct sha256_ctx ctx;
} TgSha256;

void  tg_sha256_init       (TgSha256      *self);
void  tg_sha256_update     (TgSha256      *self,
                            gconstpointer  data,
                            gsize          length);
void  tg_sha256_finish_hex (TgSha256      *self,
                            char           hex[TG_SHA256_HEX_LENGTH + 1]);
char *tg_sha256_hex        (gconstpointer  data,
                            gsize          length);

G_END_DECLS
