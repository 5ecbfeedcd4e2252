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
#include <locale.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "tg-date-button.h"
#include "tg-source-import.h"
#include "tg-test-common.h"

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
  TgTestProgress progress;
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

  f->dir = tg_test_make_tmp_dir ("testigo-app-XXXXXX");
  blobs = g_build_filename (f->dir, "store", NULL);
  f->blobs = tg_blob_store_new (blobs);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->blobs);
  tg_test_rm_rf (f->dir);
  g_free (f->dir);
}

static void
progress_cb (goffset  done,
             goffset  total,
             gpointer user_data)
{
  Result *r = user_data;
  long rss = rss_kb ();

  tg_test_progress_cb (done, total, &r->progress);
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
  tg_test_progress_init (&r->progress, FALSE);
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


/* An empty file and files that are not readable images are kept (they
 * may be evidence), with a notice at once and a mark that the row shows. */
static TgSourceProblem
check_async (Fixture  *f,
             TgSource *source);

static void
check_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  int *problem = user_data;

  *problem = tg_source_check_content_finish (result, NULL);
}

static TgSourceProblem
check_async (Fixture  *f,
             TgSource *source)
{
  int problem = -1;

  tg_source_check_content_async (f->blobs, source, NULL, check_done_cb, &problem);
  for (guint i = 0; i < 5000 && problem < 0; i++)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (problem, >=, 0);
  return problem;
}

static void
test_empty_file (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "foto-vacia.jpg", NULL);
  Result r;

  g_assert_true (g_file_set_contents (path, "", 0, NULL));
  run_import (f, path, &r);
  g_assert_no_error (r.error);
  g_assert_nonnull (r.source);
  g_assert_cmpint (tg_source_get_size (r.source), ==, 0);
  g_assert_cmpstr (tg_source_get_sha256 (r.source), ==,
                   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  g_assert_nonnull (r.notice);
  g_assert_nonnull (strstr (r.notice, "foto-vacia.jpg"));
  g_assert_nonnull (strstr (r.notice, "empty file"));
  g_assert_cmpint (tg_source_check_content (f->blobs, r.source, NULL), ==, TG_SOURCE_PROBLEM_EMPTY);
  g_assert_cmpint (check_async (f, r.source), ==, TG_SOURCE_PROBLEM_EMPTY);
  g_assert_cmpstr (tg_source_problem_label (TG_SOURCE_PROBLEM_EMPTY), ==, "Empty file");
  g_assert_nonnull (strstr (tg_source_problem_description (TG_SOURCE_PROBLEM_EMPTY), "0 bytes"));
  result_clear (&r);
}

/* A 2×2 PNG, written whole or cut short. */
static char *
write_png (Fixture    *f,
           const char *name,
           gssize      cut)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 2, 2);
  g_autofree char *buffer = NULL;
  gsize len = 0;
  char *path = g_build_filename (f->dir, name, NULL);

  gdk_pixbuf_fill (pixbuf, 0x808080ff);
  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &len, "png", NULL, NULL));
  g_assert_true (g_file_set_contents (path, buffer, cut >= 0 ? cut : (gssize) len, NULL));
  return path;
}

static void
test_unreadable_image (Fixture       *f,
                       gconstpointer  data)
{
  struct { const char *name; const char *contents; gssize cut; } cases[] = {
    /* Bytes that are no picture, under a photo's name. */
    { "foto-danada.jpg", "esta tarjeta de memoria falló", -1 },
    /* A JPEG's first bytes and nothing after. */
    { "corte.jpg", "\xff\xd8\xff\xe0\x00\x10JFIF\x00", 11 },
    /* A PNG cut after its header: the size can be read, not the pixels. */
    { "corte.png", NULL, 40 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = NULL;
      Result r;

      if (cases[i].contents != NULL)
        {
          path = g_build_filename (f->dir, cases[i].name, NULL);
          g_assert_true (g_file_set_contents (path, cases[i].contents,
                                              cases[i].cut >= 0 ? cases[i].cut : (gssize) strlen (cases[i].contents),
                                              NULL));
        }
      else
        path = write_png (f, cases[i].name, cases[i].cut);

      run_import (f, path, &r);
      g_assert_no_error (r.error);
      g_assert_nonnull (r.source);
      g_test_message ("%s: %s", cases[i].name, tg_source_get_mime_type (r.source));
      g_assert_true (g_str_has_prefix (tg_source_get_mime_type (r.source), "image/"));
      g_assert_null (tg_source_get_thumbnail_sha256 (r.source));
      g_assert_nonnull (r.notice);
      g_assert_nonnull (strstr (r.notice, cases[i].name));
      g_assert_nonnull (strstr (r.notice, "not a readable image"));
      g_assert_cmpint (tg_source_check_content (f->blobs, r.source, NULL), ==,
                       TG_SOURCE_PROBLEM_UNREADABLE_IMAGE);
      g_assert_cmpint (check_async (f, r.source), ==, TG_SOURCE_PROBLEM_UNREADABLE_IMAGE);
      result_clear (&r);
    }
  g_assert_cmpstr (tg_source_problem_label (TG_SOURCE_PROBLEM_UNREADABLE_IMAGE), ==, "Not a readable image");
}

/* A good picture and a file that is no picture at all: nothing to say. */
static void
test_readable_files (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *png = write_png (f, "plaza.png", -1);
  g_autofree char *text = g_build_filename (f->dir, "acta.txt", NULL);
  Result r;

  run_import (f, png, &r);
  g_assert_no_error (r.error);
  g_assert_null (r.notice);
  g_assert_nonnull (tg_source_get_thumbnail_sha256 (r.source));
  g_assert_cmpint (tg_source_check_content (f->blobs, r.source, NULL), ==, TG_SOURCE_PROBLEM_NONE);
  /* Without its thumbnail (as after a sync that brought only the file),
   * the picture itself is decoded to tell. */
  tg_source_set_thumbnail_sha256 (r.source, NULL);
  g_assert_cmpint (check_async (f, r.source), ==, TG_SOURCE_PROBLEM_NONE);
  result_clear (&r);

  g_assert_true (g_file_set_contents (text, "Acta de intervención", -1, NULL));
  run_import (f, text, &r);
  g_assert_no_error (r.error);
  g_assert_null (r.notice);
  g_assert_cmpint (tg_source_check_content (f->blobs, r.source, NULL), ==, TG_SOURCE_PROBLEM_NONE);
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
  g_assert_cmpuint (r.progress.calls, >, 10);
  g_assert_true (r.progress.monotonic);
  g_assert_cmpint (r.progress.last_done, ==, size);
  g_assert_cmpint (r.progress.last_total, ==, size);
  /* Never in memory: far less than the file's size. */
  g_test_message ("RSS before %ld kB, peak during import %ld kB", rss_before, r.max_rss_kb);
  g_assert_cmpint (r.max_rss_kb - rss_before, <, 256 * 1024);
  result_clear (&r);
}


/* Typed dates --------------------------------------------------------------- */

static void
assert_layout (const char *d_fmt,
               const char *order,
               char        separator)
{
  TgDateLayout layout;

  tg_date_layout_init_from_format (&layout, d_fmt);
  g_assert_cmpmem (layout.order, 3, order, 3);
  g_assert_cmpint (layout.separator, ==, separator);
}

/* The order comes from the locale's own date format, whatever it is. */
static void
test_date_layout (void)
{
  assert_layout ("%d/%m/%y", "dmy", '/');   /* es_PE, es_ES, en_GB */
  assert_layout ("%m/%d/%Y", "mdy", '/');   /* en_US */
  assert_layout ("%d.%m.%Y", "dmy", '.');   /* de_DE */
  assert_layout ("%Y-%m-%d", "ymd", '-');   /* sv_SE */
  assert_layout ("%Y年%m月%d日", "ymd", '-'); /* ja_JP: no separator to type */
  assert_layout ("%D", "mdy", '/');
  assert_layout ("%F", "ymd", '-');
  assert_layout ("%e/%m/%Y", "dmy", '/');
  assert_layout ("%Od/%Om/%EY", "dmy", '/');
  /* Nothing usable: ISO 8601. */
  assert_layout ("", "ymd", '-');
  assert_layout ("%d/%d/%Y", "ymd", '-');
  assert_layout ("%H:%M", "ymd", '-');
}

/* With the locale's real D_FMT, where the system has the locale. */
static void
test_date_layout_locales (void)
{
  struct { const char *locale; const char *order; char separator; } cases[] = {
    { "es_PE.UTF-8", "dmy", '/' },
    { "en_US.UTF-8", "mdy", '/' },
    { "de_DE.UTF-8", "dmy", '.' },
  };
  g_autofree char *saved = g_strdup (setlocale (LC_TIME, NULL));
  guint tried = 0;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      TgDateLayout layout;

      if (setlocale (LC_TIME, cases[i].locale) == NULL)
        continue;
      tried++;
      tg_date_layout_init_from_locale (&layout);
      g_assert_cmpmem (layout.order, 3, cases[i].order, 3);
      g_assert_cmpint (layout.separator, ==, cases[i].separator);
    }
  setlocale (LC_TIME, saved);
  if (tried == 0)
    g_test_skip ("none of es_PE, en_US, de_DE is installed (LOCPATH may point to compiled ones)");
}

static GDateTime *
parse (const char *d_fmt,
       const char *text,
       gboolean   *full,
       GError    **error)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_utc ();
  TgDateLayout layout;

  tg_date_layout_init_from_format (&layout, d_fmt);
  return tg_date_layout_parse (&layout, text, tz, full, error);
}

static void
assert_parses (const char *d_fmt,
               const char *text,
               const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) date = parse (d_fmt, text, NULL, &error);
  g_autofree char *iso = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (date);
  iso = g_date_time_format (date, "%Y-%m-%d %H:%M");
  g_assert_cmpstr (iso, ==, expected);
}

static void
assert_refused (const char *d_fmt,
                const char *text,
                const char *message_part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) date = parse (d_fmt, text, NULL, &error);

  g_assert_null (date);
  g_assert_error (error, TG_ERROR, TG_ERROR_INVALID);
  if (strstr (error->message, message_part) == NULL)
    g_error ("“%s”: “%s” does not say “%s”", text, error->message, message_part);
}

static void
test_date_parse (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) empty = NULL;
  g_autofree char *two_digits = NULL;
  g_autofree char *expected = NULL;
  gboolean full = TRUE;

  /* January 2023, typed in Spanish and American order. */
  assert_parses ("%d/%m/%y", "09/01/2023", "2023-01-09 00:00");
  assert_parses ("%d/%m/%y", "9/1/2023 15:42", "2023-01-09 15:42");
  assert_parses ("%m/%d/%Y", "01/09/2023 15:42", "2023-01-09 15:42");
  assert_parses ("%m/%d/%Y", "1/9/2023 3:42 pm", "2023-01-09 15:42");
  assert_parses ("%m/%d/%Y", "1/9/2023 12:05 AM", "2023-01-09 00:05");
  assert_parses ("%m/%d/%Y", "1/9/2023 12:05 p.m.", "2023-01-09 12:05");
  assert_parses ("%d.%m.%Y", "9.1.2023", "2023-01-09 00:00");
  /* Any separator, spaces around, seconds dropped, ISO 8601 always. */
  assert_parses ("%d/%m/%y", "  09-01-2023 15:42:07 ", "2023-01-09 15:42");
  assert_parses ("%m/%d/%Y", "2023-01-09", "2023-01-09 00:00");
  assert_parses ("%d/%m/%y", "2023-01-09T15:42", "2023-01-09 15:42");
  assert_parses ("%d/%m/%y", "29/02/2024", "2024-02-29 00:00");

  /* A two-digit year is this century's, unless that is still to come. */
  two_digits = g_strdup_printf ("09/01/%02d", g_date_time_get_year (now) % 100);
  expected = g_strdup_printf ("%d-01-09 00:00", g_date_time_get_year (now));
  assert_parses ("%d/%m/%y", two_digits, expected);
  g_clear_pointer (&two_digits, g_free);
  g_clear_pointer (&expected, g_free);
  two_digits = g_strdup_printf ("09/01/%02d", (g_date_time_get_year (now) + 1) % 100);
  expected = g_strdup_printf ("%d-01-09 00:00", g_date_time_get_year (now) + 1 - 100);
  assert_parses ("%d/%m/%y", two_digits, expected);
  {
    g_autoptr(GDateTime) date = parse ("%d/%m/%y", two_digits, &full, &error);

    g_assert_no_error (error);
    g_assert_nonnull (date);
    g_assert_false (full);
  }
  {
    g_autoptr(GDateTime) date = parse ("%d/%m/%y", "09/01/2023", &full, &error);

    g_assert_no_error (error);
    g_assert_true (full);
  }

  /* Empty text is no date, and no error. */
  empty = parse ("%d/%m/%y", "   ", NULL, &error);
  g_assert_null (empty);
  g_assert_no_error (error);

  /* Impossible dates say what is wrong. */
  assert_refused ("%d/%m/%y", "31/02/2023", "28");
  assert_refused ("%d/%m/%y", "29/02/2023", "28");
  assert_refused ("%m/%d/%Y", "02/30/2024", "29");
  assert_refused ("%d/%m/%y", "00/01/2023", "31");
  assert_refused ("%d/%m/%y", "09/13/2023", "13");
  assert_refused ("%m/%d/%Y", "13/09/2023", "13");
  assert_refused ("%d/%m/%y", "09/01/2023 25:00", "25:00");
  assert_refused ("%d/%m/%y", "09/01/2023 10:75", "10:75");
  /* Text that is not a date says how to type one. */
  assert_refused ("%d/%m/%y", "ayer", "dd/mm/yyyy");
  assert_refused ("%m/%d/%Y", "garbage", "mm/dd/yyyy");
  assert_refused ("%d/%m/%y", "09/01", "dd/mm/yyyy");
  assert_refused ("%d/%m/%y", "09/01/202", "dd/mm/yyyy");
  assert_refused ("%d/%m/%y", "09/01/20233", "dd/mm/yyyy");
  assert_refused ("%d/%m/%y", "009/01/2023", "dd/mm/yyyy");
  assert_refused ("%d/%m/%y", "09/01/2023 15", "dd/mm/yyyy hh:mm");
  assert_refused ("%d/%m/%y", "09/01/2023 15:4", "dd/mm/yyyy");
  assert_refused ("%d/%m/%y", "09/01/2023 15:42 tarde", "dd/mm/yyyy");
  assert_refused ("%d/%m/%y", "09/01/2023 13:42 pm", "dd/mm/yyyy");
  assert_refused ("%d/%m/%y", "09 enero 2023", "dd/mm/yyyy");
  assert_refused ("%d/%m/%y", "0000-01-09", "dd/mm/yyyy");
}

static void
test_date_format (void)
{
  g_autoptr(GDateTime) date = g_date_time_new_local (2023, 1, 9, 15, 42, 7);
  g_autofree char *es = NULL, *us = NULL, *de = NULL, *iso = NULL, *placeholder = NULL;
  TgDateLayout layout;

  tg_date_layout_init_from_format (&layout, "%d/%m/%y");
  es = tg_date_layout_format (&layout, date, TRUE);
  g_assert_cmpstr (es, ==, "09/01/2023 15:42");
  placeholder = tg_date_layout_placeholder (&layout, TRUE);
  g_assert_cmpstr (placeholder, ==, "dd/mm/yyyy hh:mm");
  tg_date_layout_init_from_format (&layout, "%m/%d/%Y");
  us = tg_date_layout_format (&layout, date, FALSE);
  g_assert_cmpstr (us, ==, "01/09/2023");
  tg_date_layout_init_from_format (&layout, "%d.%m.%Y");
  de = tg_date_layout_format (&layout, date, TRUE);
  g_assert_cmpstr (de, ==, "09.01.2023 15:42");
  tg_date_layout_init_from_format (&layout, "%F");
  iso = tg_date_layout_format (&layout, date, FALSE);
  g_assert_cmpstr (iso, ==, "2023-01-09");

  /* What is shown is read back as the same date. */
  {
    g_autoptr(GTimeZone) tz = g_time_zone_new_local ();
    g_autoptr(GDateTime) back = tg_date_layout_parse (&layout, iso, tz, NULL, NULL);

    g_assert_nonnull (back);
    g_assert_cmpint (g_date_time_get_day_of_month (back), ==, 9);
    g_assert_cmpint (g_date_time_get_month (back), ==, 1);
    g_assert_cmpint (g_date_time_get_year (back), ==, 2023);
  }
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/app/date/layout", test_date_layout);
  g_test_add_func ("/app/date/layout-of-locales", test_date_layout_locales);
  g_test_add_func ("/app/date/parse", test_date_parse);
  g_test_add_func ("/app/date/format", test_date_format);

  g_test_add ("/app/import/vanished-file", Fixture, NULL, fixture_set_up, test_vanished, fixture_tear_down);
  g_test_add ("/app/import/directory", Fixture, NULL, fixture_set_up, test_directory, fixture_tear_down);
  g_test_add ("/app/import/unreadable-file", Fixture, NULL, fixture_set_up, test_unreadable, fixture_tear_down);
  g_test_add ("/app/import/non-utf8-name", Fixture, NULL, fixture_set_up, test_bad_name, fixture_tear_down);
  g_test_add ("/app/import/empty-file", Fixture, NULL, fixture_set_up, test_empty_file, fixture_tear_down);
  g_test_add ("/app/import/unreadable-image", Fixture, NULL, fixture_set_up, test_unreadable_image, fixture_tear_down);
  g_test_add ("/app/import/readable-files", Fixture, NULL, fixture_set_up, test_readable_files, fixture_tear_down);
  g_test_add ("/app/import/4gb-sparse-video", Fixture, NULL, fixture_set_up, test_big_video, fixture_tear_down);

  return g_test_run ();
}
