/* tg-test-common.c — helpers the C tests share: folders, stores, waits
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

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

gboolean
tg_test_flag_is_set (gpointer flag)
{
  return *(gboolean *) flag;
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
