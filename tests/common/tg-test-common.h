/* tg-test-common.h — helpers the C tests share (tests/common)
 *
 * Temporary folders made and removed, stores in them, a bounded main
 * context iteration that fails the test with a message when the state it
 * waits for never comes, and a recorder for progress callbacks.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "tg-store.h"

G_BEGIN_DECLS

/* Temporary folders ------------------------------------------------------- */

char    *tg_test_make_tmp_dir  (const char *tmpl);
void     tg_test_rm_rf         (const char *path);

/* Bytes ------------------------------------------------------------------- */

GBytes  *tg_test_random_bytes  (gsize       size,
                                guint32     seed);
char    *tg_test_sha256_of     (GBytes     *bytes);
char    *tg_test_read_file     (const char *path,
                                gsize      *length);
guint    tg_test_count_words_in_file (const char         *path,
                                      const char * const *words,
                                      guint               n_words);
void     tg_test_random_key    (guint8     *key,
                                gsize       size);

/* Benchmarks ------------------------------------------------------------- */

gint64   tg_test_peak_rss_kib   (void);
int      tg_test_compare_double (gconstpointer a,
                                 gconstpointer b);

/* Stores ------------------------------------------------------------------- */

TgStore *tg_test_open_store    (const char *dir);
TgStore *tg_test_open_store_in (const char *parent,
                                const char *name);
TgRevision *tg_test_save_report (TgStore  *store,
                                 TgReport *report);
void     tg_test_assert_sync_counters (TgStore *store);
guint    tg_test_count_matches (TgStore    *store,
                                const char *text);

/* A fixture for g_test_add(): a store of its own in a temporary folder. */
typedef struct
{
  char    *dir;
  TgStore *store;
} TgTestStoreFixture;

void     tg_test_store_fixture_set_up    (TgTestStoreFixture *fixture,
                                          gconstpointer       data);
void     tg_test_store_fixture_tear_down (TgTestStoreFixture *fixture,
                                          gconstpointer       data);

/* Waiting for a state ------------------------------------------------------ */

typedef gboolean (*TgTestCheck) (gpointer data);

gboolean tg_test_flag_is_set   (gpointer flag);
gboolean tg_test_pointer_is_set (gpointer pointer);

gboolean _tg_test_iterate_until (TgTestCheck  check,
                                 gpointer     data,
                                 guint        timeout_ms,
                                 gboolean     fail,
                                 const char  *what,
                                 const char  *file,
                                 int          line,
                                 const char  *func);

/* Iterates the thread-default main context until @check (@data) holds,
 * for @timeout_ms at most; on timeout the test fails with a message naming
 * @what at the caller's line. Returns whether the state came. */
#define tg_test_iterate_until(check, data, timeout_ms, what) \
  _tg_test_iterate_until ((check), (data), (timeout_ms), TRUE, (what), __FILE__, __LINE__, G_STRFUNC)

/* The same for a gboolean that a callback sets. */
#define tg_test_iterate_until_set(flag, timeout_ms, what) \
  _tg_test_iterate_until (tg_test_flag_is_set, (flag), (timeout_ms), TRUE, (what), __FILE__, __LINE__, G_STRFUNC)

/* As above, but a timeout is no failure: the caller asserts what it can. */
#define tg_test_iterate_until_or_timeout(check, data, timeout_ms) \
  _tg_test_iterate_until ((check), (data), (timeout_ms), FALSE, NULL, __FILE__, __LINE__, G_STRFUNC)

void     tg_test_iterate_pending (void);

/* Async calls -------------------------------------------------------------- */

/* A GAsyncReadyCallback that keeps a reference to the result in the
 * GAsyncResult * that @slot points to: the test waits for it with
 * tg_test_await_result() and then calls the _finish function itself. */
void     tg_test_keep_result_cb (GObject      *source,
                                 GAsyncResult *result,
                                 gpointer      slot);

GAsyncResult *_tg_test_await_result (GAsyncResult **slot,
                                     guint          timeout_ms,
                                     const char    *what,
                                     const char    *file,
                                     int            line,
                                     const char    *func);

/* Iterates until the GAsyncResult * at @slot is set, failing the test
 * after @timeout_ms with a message naming @what; returns it (the slot
 * keeps its reference), ready for the _finish function. */
#define tg_test_await_result(slot, timeout_ms, what) \
  _tg_test_await_result ((slot), (timeout_ms), (what), __FILE__, __LINE__, G_STRFUNC)

/* Progress recorder -------------------------------------------------------- */

typedef struct
{
  GCancellable *cancellable;  /* cancelled once done reaches cancel_at */
  goffset       cancel_at;
  goffset       last_done;
  goffset       last_total;
  guint         calls;
  gboolean      monotonic;    /* done never went back, nor past total */
  gboolean      check_total;  /* whether done > total breaks monotonic */
} TgTestProgress;

void     tg_test_progress_init (TgTestProgress *progress,
                                gboolean        check_total);
void     tg_test_progress_cb   (goffset         done,
                                goffset         total,
                                gpointer        progress);

G_END_DECLS
