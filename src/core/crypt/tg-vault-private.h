/* tg-vault-private.h — the vault's defaults and its hooks for tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "tg-vault.h"

G_BEGIN_DECLS

/* Argon2id cost of new wraps: 2 passes over 256 MiB, one lane (as
 * libsodium runs it). On this project's 2-core development machine one
 * derivation took 1.0 s of processor time (bench-vault,
 * docs/benchmarks.md); 256 MiB fits a 4 GB laptop beside the desktop.
 * The cost is stored in the key file, so it can be raised later. */
#define TG_VAULT_DEFAULT_OPSLIMIT  2
#define TG_VAULT_DEFAULT_MEMLIMIT  ((gsize) 256 * 1024 * 1024)

/* Seconds since the epoch; tests move time instead of waiting for it. */
typedef gint64 (*TgVaultClockFunc) (void);

void      tg_vault_set_clock_for_testing (TgVault          *self,
                                          TgVaultClockFunc  clock);
/* Copies the data key into @out if one is held; FALSE when locked. */
gboolean  tg_vault_peek_key_for_testing  (TgVault          *self,
                                          guint8           *out);

G_END_DECLS
