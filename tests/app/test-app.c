/* test-app.c — the app's file import against bad input
 *
 * A vanished file, a folder, an unreadable file (as root, in a child that
 * has become "nobody"), a name that is not valid
 * text and a 4 GB sparse video: each gets a clear message (or a clear
 * notice) and leaves the blob store as it was; the big file streams with
 * progress and never sits in memory (it runs where 16 GB are free, or with
 * -m slow or TESTIGO_BIG_FILE_TEST=1).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <fcntl.h>
#include <grp.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tg-source-import.h"

typedef struct
{
  char        *dir;
  TgBlobStore *blobs;
} Fixture;

typedef struct
{
  GMainLoop *loop;
  TgSource  *source;
  GError    *error;
  char      *notice;
  guint      n_progress;
  goffset    last_done;
  goffset    last_total;
  gboolean   monotonic;
  long       max_rss_kb;
} Result;

static long
rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  line = strstr (status, "VmRSS:");
  return line ? strtol (line + 6, NULL, 10) : 0;
}

/* Regular files anywhere under @path. */
static guint
count_files (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  guint n = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        n += count_files (child);
      else
        n++;
    }
  return n;
}

static guint
count_blobs (const char *dir)
{
  g_autofree char *store = g_build_filename (dir, "store", NULL);

  return count_files (store);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *blobs = NULL;

  f->dir = g_dir_make_tmp ("testigo-app-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  blobs = g_build_filename (f->dir, "store", NULL);
  f->blobs = tg_blob_store_new (blobs);
}

static void
rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        rm_rf (child);
      else
        {
          g_chmod (child, 0600);
          g_unlink (child);
        }
    }
  g_rmdir (path);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->blobs);
  rm_rf (f->dir);
  g_free (f->dir);
}

static void
progress_cb (goffset  done,
             goffset  total,
             gpointer user_data)
{
  Result *r = user_data;
  long rss = rss_kb ();

  if (done < r->last_done)
    r->monotonic = FALSE;
  r->last_done = done;
  r->last_total = total;
  r->n_progress++;
  r->max_rss_kb = MAX (r->max_rss_kb, rss);
}

static void
done_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Result *r = user_data;

  r->source = tg_source_import_finish (result, &r->notice, &r->error);
  g_main_loop_quit (r->loop);
}

static void
run_import (Fixture    *f,
            const char *path,
            Result     *r)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  memset (r, 0, sizeof *r);
  r->monotonic = TRUE;
  r->loop = g_main_loop_new (NULL, FALSE);
  tg_source_import_async (f->blobs, file, progress_cb, r, NULL, done_cb, r);
  g_main_loop_run (r->loop);
  /* Let the last progress idle run. */
  while (g_main_context_iteration (NULL, FALSE));
  g_main_loop_unref (r->loop);
}

static void
result_clear (Result *r)
{
  g_clear_object (&r->source);
  g_clear_error (&r->error);
  g_clear_pointer (&r->notice, g_free);
}

static void
test_vanished (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "video-gone.mp4", NULL);
  Result r;

  g_assert_true (g_file_set_contents (path, "x", 1, NULL));
  g_unlink (path);
  run_import (f, path, &r);
  g_assert_null (r.source);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (r.error->message, "video-gone.mp4"));
  g_assert_nonnull (strstr (r.error->message, "no longer there"));
  g_assert_cmpuint (count_blobs (f->dir), ==, 0);
  result_clear (&r);
}

static void
test_directory (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "Fotos Juliaca", NULL);
  Result r;

  g_assert_cmpint (g_mkdir (path, 0700), ==, 0);
  run_import (f, path, &r);
  g_assert_null (r.source);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY);
  g_assert_nonnull (strstr (r.error->message, "Fotos Juliaca"));
  g_assert_nonnull (strstr (r.error->message, "folder"));
  g_assert_cmpuint (count_blobs (f->dir), ==, 0);
  result_clear (&r);
}

/* Root reads every file, whatever its mode: as root (CI runs the tests
 * so), the test goes on in a child process that has become "nobody" and
 * owns the fixture's folder. */
static gboolean
run_as_nobody (Fixture *f)
{
  const uid_t nobody = 65534;

  if (geteuid () != 0)
    return FALSE;
  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return TRUE;
    }
  g_assert_cmpint (chown (f->dir, nobody, nobody), ==, 0);
  g_assert_cmpint (setgroups (0, NULL), ==, 0);
  g_assert_cmpint (setgid (nobody), ==, 0);
  g_assert_cmpint (setuid (nobody), ==, 0);
  g_assert_cmpint (geteuid (), ==, nobody);
  return FALSE;
}

static void
test_unreadable (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "acta.pdf", NULL);
  Result r;

  if (run_as_nobody (f))
    return;
  g_assert_true (g_file_set_contents (path, "%PDF-1.4", -1, NULL));
  g_assert_cmpint (g_chmod (path, 0000), ==, 0);
  run_import (f, path, &r);
  g_assert_null (r.source);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_nonnull (strstr (r.error->message, "acta.pdf"));
  g_assert_cmpuint (count_blobs (f->dir), ==, 0);
  result_clear (&r);
}

static void
test_bad_name (Fixture       *f,
               gconstpointer  data)
{
  /* "foto_" + Latin-1 "ñ" + ".jpg": not valid UTF-8 */
  g_autofree char *path = g_build_filename (f->dir, "foto_\xf1.txt", NULL);
  Result r;

  g_assert_true (g_file_set_contents (path, "testimonio", -1, NULL));
  run_import (f, path, &r);
  g_assert_no_error (r.error);
  g_assert_nonnull (r.source);
  /* Kept, under a name that is valid text, with a notice saying so. */
  g_assert_true (g_utf8_validate (tg_source_get_file_name (r.source), -1, NULL));
  g_assert_nonnull (strstr (tg_source_get_file_name (r.source), "foto_"));
  g_assert_nonnull (r.notice);
  g_assert_true (g_utf8_validate (r.notice, -1, NULL));
  g_assert_nonnull (strstr (r.notice, "not valid text"));
  g_assert_cmpint (tg_source_get_size (r.source), ==, 10);
  g_assert_cmpuint (count_blobs (f->dir), >=, 1);
  result_clear (&r);
}

static void
test_big_video (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "marcha-9-enero.mp4", NULL);
  const goffset size = G_GINT64_CONSTANT (4) * 1024 * 1024 * 1024;
  long rss_before;
  Result r;
  int fd;

  /* The blob store's copy is 4 GB of real disk (the video itself is
   * sparse): run where there is room to spare, or when asked. */
  if (!g_test_slow () && g_getenv ("TESTIGO_BIG_FILE_TEST") == NULL)
    {
      g_autoptr(GFile) dir = g_file_new_for_path (f->dir);
      g_autoptr(GFileInfo) info = g_file_query_filesystem_info (dir, G_FILE_ATTRIBUTE_FILESYSTEM_FREE,
                                                                NULL, NULL);
      guint64 free_bytes = info ? g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE) : 0;

      if (free_bytes < G_GUINT64_CONSTANT (16) * 1024 * 1024 * 1024)
        {
          g_autofree char *msg = g_strdup_printf ("writes 4 GB and needs 16 GB free, %" G_GUINT64_FORMAT
                                                  " MB here; run with -m slow or TESTIGO_BIG_FILE_TEST=1",
                                                  free_bytes / (1024 * 1024));
          g_test_skip (msg);
          return;
        }
    }

  fd = g_open (path, O_CREAT | O_WRONLY, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, size), ==, 0);
  close (fd);

  rss_before = rss_kb ();
  run_import (f, path, &r);
  g_assert_no_error (r.error);
  g_assert_nonnull (r.source);
  g_assert_cmpint (tg_source_get_size (r.source), ==, size);
  /* Progress came in many steps, in order, up to the whole file. */
  g_assert_cmpuint (r.n_progress, >, 10);
  g_assert_true (r.monotonic);
  g_assert_cmpint (r.last_done, ==, size);
  g_assert_cmpint (r.last_total, ==, size);
  /* Never in memory: far less than the file's size. */
  g_test_message ("RSS before %ld kB, peak during import %ld kB", rss_before, r.max_rss_kb);
  g_assert_cmpint (r.max_rss_kb - rss_before, <, 256 * 1024);
  result_clear (&r);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/app/import/vanished-file", Fixture, NULL, fixture_set_up, test_vanished, fixture_tear_down);
  g_test_add ("/app/import/directory", Fixture, NULL, fixture_set_up, test_directory, fixture_tear_down);
  g_test_add ("/app/import/unreadable-file", Fixture, NULL, fixture_set_up, test_unreadable, fixture_tear_down);
  g_test_add ("/app/import/non-utf8-name", Fixture, NULL, fixture_set_up, test_bad_name, fixture_tear_down);
  g_test_add ("/app/import/4gb-sparse-video", Fixture, NULL, fixture_set_up, test_big_video, fixture_tear_down);

  return g_test_run ();
}
