/* bench-crypt-blob.c — importing a large file encrypted against plain
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: bench-crypt-blob [MEGABYTES] [ROUNDS]
 * Writes a file of MEGABYTES (default 1024) of varied bytes, then imports
 * it ROUNDS times (default 2) into a plain blob store and into one with a
 * vault, alternating, and prints the best rate of each, the processor
 * time per run, the ratio, and the growth of peak memory. Reading back
 * (decrypting and hashing, as the sync's upload does) is timed too.
 */
#include "config.h"

#include <string.h>
#include <sys/resource.h>

#include <glib/gstdio.h>

#include "tg-blob-store.h"
#include "tg-sha256.h"
#include "tg-test-common.h"
#include "tg-vault.h"

static double
cpu_s (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
         usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

typedef struct
{
  double wall;
  double cpu;
} Run;

static Run
import_once (TgBlobStore *blobs,
             GFile       *file,
             const char  *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgBlobInfo) info = NULL;
  g_autoptr(GFile) stored = NULL;
  gint64 start = g_get_monotonic_time ();
  double cpu_start = cpu_s ();
  Run run;

  info = tg_blob_store_import_file (blobs, file, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  run.wall = (g_get_monotonic_time () - start) / 1e6;
  run.cpu = cpu_s () - cpu_start;
  /* removed, so that the next run stores it again */
  stored = tg_blob_store_get_file (blobs, tg_blob_info_get_sha256 (info));
  g_chmod (g_file_peek_path (stored), 0600);
  g_unlink (g_file_peek_path (stored));
  return run;
}

static Run
read_once (TgBlobStore *blobs,
           GFile       *file)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgBlobInfo) info = tg_blob_store_import_file (blobs, file, NULL, NULL, NULL, &error);
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GFile) stored = NULL;
  g_autofree guint8 *buffer = g_malloc (1024 * 1024);
  char hex[TG_SHA256_HEX_LENGTH + 1];
  TgSha256 sha;
  gint64 start;
  double cpu_start;
  Run run;

  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  cpu_start = cpu_s ();
  in = tg_blob_store_read (blobs, tg_blob_info_get_sha256 (info), NULL, &error);
  g_assert_no_error (error);
  tg_sha256_init (&sha);
  for (;;)
    {
      gssize n = g_input_stream_read (in, buffer, 1024 * 1024, NULL, &error);

      g_assert_no_error (error);
      if (n == 0)
        break;
      tg_sha256_update (&sha, buffer, n);
    }
  tg_sha256_finish_hex (&sha, hex);
  g_assert_cmpstr (hex, ==, tg_blob_info_get_sha256 (info));
  run.wall = (g_get_monotonic_time () - start) / 1e6;
  run.cpu = cpu_s () - cpu_start;
  stored = tg_blob_store_get_file (blobs, tg_blob_info_get_sha256 (info));
  g_chmod (g_file_peek_path (stored), 0600);
  g_unlink (g_file_peek_path (stored));
  return run;
}

int
main (int   argc,
      char *argv[])
{
  gint64 megabytes = argc > 1 ? g_ascii_strtoll (argv[1], NULL, 10) : 1024;
  guint rounds = argc > 2 ? (guint) g_ascii_strtoull (argv[2], NULL, 10) : 2;
  g_autofree char *dir = tg_test_make_tmp_dir ("testigo-bench-crypt-XXXXXX");
  g_autofree char *source = g_build_filename (dir, "video.mp4", NULL);
  g_autofree char *plain_dir = g_build_filename (dir, "plain", NULL);
  g_autofree char *crypt_dir = g_build_filename (dir, "crypt", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (source);
  g_autoptr(TgBlobStore) plain = tg_blob_store_new (plain_dir);
  g_autoptr(TgBlobStore) crypt = tg_blob_store_new (crypt_dir);
  g_autoptr(TgVault) vault = tg_vault_new (dir);
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *buffer = g_malloc (1024 * 1024);
  Run best_plain = { G_MAXDOUBLE, 0 }, best_crypt = { G_MAXDOUBLE, 0 };
  Run read_plain, read_crypt;
  gint64 rss_before;
  FILE *out;

  tg_vault_set_kdf_limits (vault, 1, 8 * 1024 * 1024);
  g_assert_true (tg_vault_create (vault, "bench", NULL, &error));
  g_assert_no_error (error);
  tg_blob_store_set_vault (crypt, vault);

  out = fopen (source, "wb");
  g_assert_nonnull (out);
  for (gint64 i = 0; i < megabytes; i++)
    {
      for (gsize j = 0; j < 1024 * 1024; j += 8)
        {
          guint64 v = ((guint64) i << 40) ^ (j * 0x9E3779B97F4A7C15ULL);

          memcpy (buffer + j, &v, 8);
        }
      g_assert_cmpint (fwrite (buffer, 1, 1024 * 1024, out), ==, 1024 * 1024);
    }
  g_assert_cmpint (fclose (out), ==, 0);

  {
    g_autofree char *load = NULL;

    if (g_file_get_contents ("/proc/loadavg", &load, NULL, NULL))
      g_print ("load average: %s", load);
  }
  rss_before = tg_test_peak_rss_kib ();
  for (guint i = 0; i < rounds; i++)
    {
      Run p = import_once (plain, file, dir);
      Run c = import_once (crypt, file, dir);

      g_print ("round %u: plain %.2f s (%.2f s processor), encrypted %.2f s (%.2f s processor)\n",
               i + 1, p.wall, p.cpu, c.wall, c.cpu);
      if (p.wall < best_plain.wall)
        best_plain = p;
      if (c.wall < best_crypt.wall)
        best_crypt = c;
    }
  g_print ("import %" G_GINT64_FORMAT " MB, best of %u: plain %.0f MB/s, encrypted %.0f MB/s "
           "= %.0f %% of plain (processor: %.0f %%)\n",
           megabytes, rounds, megabytes / best_plain.wall, megabytes / best_crypt.wall,
           100.0 * best_plain.wall / best_crypt.wall, 100.0 * best_plain.cpu / best_crypt.cpu);

  read_plain = read_once (plain, file);
  read_crypt = read_once (crypt, file);
  g_print ("read back and hash %" G_GINT64_FORMAT " MB: plain %.0f MB/s, encrypted %.0f MB/s\n",
           megabytes, megabytes / read_plain.wall, megabytes / read_crypt.wall);
  g_print ("peak RSS growth over all runs: %" G_GINT64_FORMAT " KiB\n", tg_test_peak_rss_kib () - rss_before);

  tg_test_rm_rf (dir);
  return 0;
}
