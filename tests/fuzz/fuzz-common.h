/* fuzz-common.h — shared setup for the libFuzzer targets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <sanitizer/lsan_interface.h>

#include "tg-revision.h"
#include "tg-server-decode.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* A g_return_if_fail () or a warning reached from outside input is a bug:
 * make it crash so libFuzzer reports it. abort (), not the SIGTRAP GLib
 * raises for a fatal message, which libFuzzer does not catch: then it
 * keeps the input that did it. */
static GLogWriterOutput
fuzz_log_writer (GLogLevelFlags   log_level,
                 const GLogField *fields,
                 gsize            n_fields,
                 gpointer         user_data)
{
  GLogWriterOutput out = g_log_writer_default (log_level, fields, n_fields, user_data);

  if (log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    abort ();
  return out;
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_log_set_writer_func (fuzz_log_writer, NULL, NULL);

  /* Not ours: GIO's shared-mime-info reader allocates its caches on the
   * first g_content_type_guess () (the imports' check for binary files)
   * and keeps no pointer LeakSanitizer can see. Done once here, outside
   * the leak checks. */
  __lsan_disable ();
  g_free (g_content_type_guess (NULL, (const guchar *) "\x89PNG", 4, NULL));
  __lsan_enable ();
  return 0;
}

/* The input as a NUL-terminated string (what a header or query is). */
static inline char *
fuzz_string (const uint8_t *data,
             size_t         size)
{
  return g_strndup ((const char *) data, size);
}

/* A private folder for the run's files, on tmpfs when the machine has
 * one (the file targets write for every input), removed at exit. */
static char *fuzz_dir;

static inline void
fuzz_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        fuzz_remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static inline void
fuzz_remove_dir (void)
{
  if (fuzz_dir != NULL)
    fuzz_remove_tree (fuzz_dir);
}

static inline const char *
fuzz_tmpdir (void)
{
  if (fuzz_dir == NULL)
    {
      g_autofree char *tmpl = g_build_filename (g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) ?
                                                "/dev/shm" : g_get_tmp_dir (),
                                                "testigo-fuzz-XXXXXX", NULL);

      fuzz_dir = g_mkdtemp (g_steal_pointer (&tmpl));
      g_assert (fuzz_dir != NULL);
      atexit (fuzz_remove_dir);
    }
  return fuzz_dir;
}

/* Errors people read are shown in labels: always valid UTF-8. */
static inline void
fuzz_check_error (GError *error)
{
  g_assert (error != NULL && error->message != NULL);
  g_assert (g_utf8_validate (error->message, -1, NULL));
}
