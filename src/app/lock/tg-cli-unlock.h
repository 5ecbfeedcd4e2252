/* tg-cli-unlock.h — opening the store from the command line
 *
 * `testigo --export` runs without a window: it needs the passphrase from
 * $TESTIGO_PASSPHRASE or, on a terminal, typed without echo.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "tg-store.h"

G_BEGIN_DECLS

/* Opens the store in @directory for a command that runs without a
 * window. With no key file (a store an older Testigo wrote) the store
 * opens as it is. Otherwise the passphrase is taken from
 * $TESTIGO_PASSPHRASE or asked for on the terminal (no echo); a wrong
 * one fails with the vault's message and changes nothing but the count
 * of wrong attempts. A store still plain beside a key file is encrypted
 * first (as the app does, saying so on stderr); the store then opens
 * with its key, and its files are read through the vault. Blocks: for
 * the command line only. */
TgStore *tg_cli_open_store (const char  *directory,
                            GError     **error);

G_END_DECLS
