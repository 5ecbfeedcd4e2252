/* tg-test-common.c — helpers the C tests share: folders, stores, waits
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "tg-sqlite.h"
#include "tg-store-private.h"
#include "tg-test-common.h"

/* Makes a folder under the temporary directory from @tmpl (ending in
 * XXXXXX); the test fails if it cannot. */
char *
tg_test_make_tmp_dir (const char *tmpl)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp (tmpl, &error);

  g_assert_no_error (error);
  g_assert_nonnull (dir);
  return dir;
}

/* Removes @path and all below it, symbolic links as links (never what they
 * point to), folders and files a test made read-only included. */
void
tg_test_rm_rf (const char *path)
{
  GDir *dir;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR) || g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_unlink (path);
      return;
    }
  g_chmod (path, 0700);
  dir = g_dir_open (path, 0, NULL);
  if (dir != NULL)
    {
      const char *name;

      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          tg_test_rm_rf (child);
        }
      g_dir_close (dir);
    }
  g_rmdir (path);
}

/* @size bytes of noise, the same for the same @seed. */
GBytes *
tg_test_random_bytes (gsize   size,
                      guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) g_rand_int (rand);
  return g_bytes_new_take (data, size);
}

/* The SHA-256 of @bytes in lowercase hex, as the stores name blobs. */
char *
tg_test_sha256_of (GBytes *bytes)
{
  return g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
}

/* The contents of @path (the test fails if it cannot read them). */
char *
tg_test_read_file (const char *path,
                   gsize      *length)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_assert_true (g_file_get_contents (path, &contents, length, &error));
  g_assert_no_error (error);
  return contents;
}

/* The process's peak resident memory (VmHWM) in KiB, or -1 where
 * /proc does not tell. */
gint64
tg_test_peak_rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      !(line = strstr (status, "VmHWM:")))
    return -1;
  return g_ascii_strtoll (line + strlen ("VmHWM:"), NULL, 10);
}

/* A GCompareFunc for g_array_sort() of doubles. */
int
tg_test_compare_double (gconstpointer a,
                        gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

/* How many of the @n_words @words stand, as bytes, in the file at @path
 * (none where it cannot be read); each one found is named in the log. */
guint
tg_test_count_words_in_file (const char         *path,
                             const char * const *words,
                             guint               n_words)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  guint found = 0;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return 0;
  for (guint i = 0; i < n_words; i++)
    {
      gsize n = strlen (words[i]);

      for (gsize at = 0; at + n <= length; at++)
        if (memcmp (contents + at, words[i], n) == 0)
          {
            g_test_message ("\"%s\" found in %s", words[i], path);
            found++;
            break;
          }
    }
  return found;
}

/* Fills @key with random bytes: a database key of the test's own. */
void
tg_test_random_key (guint8 *key,
                    gsize   size)
{
  for (gsize i = 0; i < size; i++)
    key[i] = (guint8) g_random_int ();
}

TgStore *
tg_test_open_store (const char *dir)
{
  g_autoptr(GError) error = NULL;
  TgStore *store = tg_store_open (dir, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

/* Opens a store in @parent/@name, making the folder. */
TgStore *
tg_test_open_store_in (const char *parent,
                       const char *name)
{
  g_autofree char *dir = g_build_filename (parent, name, NULL);

  g_mkdir_with_parents (dir, 0700);
  return tg_test_open_store (dir);
}

/* The store is opened in the folder itself, which is named for the test
 * program. */
void
tg_test_store_fixture_set_up (TgTestStoreFixture *fixture,
                              gconstpointer       data)
{
  g_autofree char *name = g_path_get_basename (g_get_prgname () ? g_get_prgname () : "testigo-test");
  g_autofree char *tmpl = g_strdup_printf ("%s-XXXXXX", name);

  fixture->dir = tg_test_make_tmp_dir (tmpl);
  fixture->store = tg_test_open_store (fixture->dir);
}

void
tg_test_store_fixture_tear_down (TgTestStoreFixture *fixture,
                                 gconstpointer       data)
{
  g_clear_object (&fixture->store);
  tg_test_rm_rf (fixture->dir);
  g_free (fixture->dir);
}

/* The per-report sync counters agree with a count of the revisions. */
void
tg_test_assert_sync_counters (TgStore *store)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  tg_store_lock (store);
  g_assert_cmpint (sqlite3_prepare_v2 (tg_store_get_db (store),
                                       "SELECT count(*) FROM (SELECT record_id, "
                                       "  sum (device_id = ?1 AND server_seq = 0) AS n, "
                                       "  max (server_seq > 0) AS up FROM revisions GROUP BY record_id) r "
                                       "LEFT JOIN sync_reports s ON s.report_id = r.record_id "
                                       "WHERE coalesce (s.n_unsent, 0) != r.n OR coalesce (s.on_server, 0) != r.up",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, tg_store_get_device_id (store), -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 0);
  tg_store_unlock (store);
}

/* How many reports the store's full-text search finds for @text. */
guint
tg_test_count_matches (TgStore    *store,
                       const char *text)
{
  g_autoptr(TgReportQuery) query = tg_report_query_new ();
  g_autoptr(GArray) rowids = NULL;
  g_autoptr(GError) error = NULL;

  query->text = g_strdup (text);
  rowids = tg_store_query_rowids (store, query, &error);
  g_assert_no_error (error);
  return rowids->len;
}

/* Saves @report; the test fails if the store refuses it. Returns the new
 * revision. */
TgRevision *
tg_test_save_report (TgStore  *store,
                     TgReport *report)
{
  g_autoptr(GError) error = NULL;
  TgRevision *rev = tg_store_save_report (store, report, &error);

  g_assert_no_error (error);
  g_assert_nonnull (rev);
  return rev;
}

gboolean
tg_test_flag_is_set (gpointer flag)
{
  return *(gboolean *) flag;
}

/* Whether the pointer that @pointer points to is set: a result a callback
 * stores. */
gboolean
tg_test_pointer_is_set (gpointer pointer)
{
  return *(gpointer *) pointer != NULL;
}

void
tg_test_keep_result_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      slot)
{
  GAsyncResult **out = slot;

  g_assert_null (*out);
  *out = g_object_ref (result);
}

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
_tg_test_iterate_until (TgTestCheck  check,
                        gpointer     data,
                        guint        timeout_ms,
                        gboolean     fail,
                        const char  *what,
                        const char  *file,
                        int          line,
                        const char  *func)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  g_autofree char *message = NULL;
  gboolean held = FALSE;
  guint wake;

  /* Iterations block until something happens, so a wait does not spin
   * beside the worker threads it waits for; the 10 ms wake-up is there
   * for checks that no event announces and for the deadline. */
  wake = g_timeout_add (10, wake_cb, NULL);
  while (!(held = check (data)) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake);

  if (!held && fail)
    {
      message = g_strdup_printf ("waited %u ms for %s in vain", timeout_ms, what);
      g_assertion_message ("testigo-test", file, line, func, message);
    }
  return held;
}

GAsyncResult *
_tg_test_await_result (GAsyncResult **slot,
                       guint          timeout_ms,
                       const char    *what,
                       const char    *file,
                       int            line,
                       const char    *func)
{
  _tg_test_iterate_until (tg_test_pointer_is_set, slot, timeout_ms, TRUE, what, file, line, func);
  return *slot;
}

/* Runs what is ready now: callbacks already queued behind a result. */
void
tg_test_iterate_pending (void)
{
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

void
tg_test_progress_init (TgTestProgress *progress,
                       gboolean        check_total)
{
  memset (progress, 0, sizeof *progress);
  progress->monotonic = TRUE;
  progress->check_total = check_total;
}

void
tg_test_progress_cb (goffset  done,
                     goffset  total,
                     gpointer user_data)
{
  TgTestProgress *progress = user_data;

  if (done < progress->last_done || (progress->check_total && done > total))
    progress->monotonic = FALSE;
  progress->last_done = done;
  progress->last_total = total;
  progress->calls++;
  if (progress->cancellable != NULL && done >= progress->cancel_at)
    g_cancellable_cancel (progress->cancellable);
}
