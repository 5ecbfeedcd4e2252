/* tg-test-sync.h — the sync engine's calls run to their end, for tests
 *
 * Each starts one of the engine's async calls and iterates the thread-
 * default main context until it answers: TG_TEST_SYNC_WAIT_MS at most,
 * after which the test fails naming the call. The error, if any, is the
 * engine's own.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "tg-sync-engine.h"

G_BEGIN_DECLS

#define TG_TEST_SYNC_WAIT_MS 60000

TgSyncServerInfo *tg_test_sync_probe (TgSyncEngine  *engine,
                                      const char    *base_uri,
                                      GError       **error);
char             *tg_test_sync_enrol (TgSyncEngine  *engine,
                                      const char    *base_uri,
                                      const char    *fingerprint,
                                      const char    *code,
                                      const char    *device_name,
                                      GError       **error);
TgSyncEntry      *tg_test_sync_run   (TgSyncEngine  *engine,
                                      TgSyncFlags    flags,
                                      GCancellable  *cancellable,
                                      GError       **error);

G_END_DECLS
