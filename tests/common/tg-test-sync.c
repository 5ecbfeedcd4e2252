/* tg-test-sync.c — the sync engine's calls run to their end, for tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "tg-test-common.h"
#include "tg-test-sync.h"

TgSyncServerInfo *
tg_test_sync_probe (TgSyncEngine  *engine,
                    const char    *base_uri,
                    GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tg_sync_engine_probe_async (engine, base_uri, NULL, tg_test_keep_result_cb, &result);
  tg_test_await_result (&result, TG_TEST_SYNC_WAIT_MS, "the probe");
  return tg_sync_engine_probe_finish (engine, result, error);
}

/* Returns the device's token. */
char *
tg_test_sync_enrol (TgSyncEngine  *engine,
                    const char    *base_uri,
                    const char    *fingerprint,
                    const char    *code,
                    const char    *device_name,
                    GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tg_sync_engine_enrol_async (engine, base_uri, fingerprint, code, device_name,
                              NULL, tg_test_keep_result_cb, &result);
  tg_test_await_result (&result, TG_TEST_SYNC_WAIT_MS, "enrolment");
  return tg_sync_engine_enrol_finish (engine, result, error);
}

TgSyncEntry *
tg_test_sync_run (TgSyncEngine  *engine,
                  TgSyncFlags    flags,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tg_sync_engine_sync_async (engine, flags, cancellable, tg_test_keep_result_cb, &result);
  tg_test_await_result (&result, TG_TEST_SYNC_WAIT_MS, "a sync");
  return tg_sync_engine_sync_finish (engine, result, error);
}
