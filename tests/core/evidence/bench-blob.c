/* bench-blob.c — how fast the blob store and the custody log are
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: bench-blob [MEGABYTES] [EVENTS]
 * Imports a sparse file of MEGABYTES (default 1024) and reports MB/s and
 * the growth of peak memory, imports 50 photos with thumbnails, then
 * appends EVENTS (default 100000) custody events and verifies the chain.
 */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>

#include "tg-blob-store.h"
#include "tg-custody-log.h"
#include "tg-store-private.h"
#include "tg-test-common.h"

int
main (int   argc,
      char *argv[])
{
  gint64 megabytes = argc > 1 ? g_ascii_strtoll (argv[1], NULL, 10) : 1024;
  gint64 events = argc > 2 ? g_ascii_strtoll (argv[2], NULL, 10) : 100000;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("testigo-bench-blob-XXXXXX", &error);
  g_autofree char *blob_dir = g_build_filename (dir, "blobs", NULL);
  g_autofree char *big = g_build_filename (dir, "big.mp4", NULL);
  g_autofree char *db_path = g_build_filename (dir, "custody.db", NULL);
  g_autoptr(TgBlobStore) store = tg_blob_store_new (blob_dir);
  g_autoptr(TgBlobInfo) info = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(TgCustodyLog) log = NULL;
  GRecMutex lock;
  TgSqlite *sql = NULL;
  sqlite3 *db = NULL;
  gint64 start, rss_before;
  double secs;
  int fd;

  g_assert_no_error (error);

  /* A large file, streamed. */
  fd = g_open (big, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  g_assert_true (fd >= 0 && ftruncate (fd, megabytes * 1024 * 1024) == 0);
  close (fd);
  file = g_file_new_for_path (big);
  rss_before = tg_test_peak_rss_kib ();
  start = g_get_monotonic_time ();
  info = tg_blob_store_import_file (store, file, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  secs = (g_get_monotonic_time () - start) / 1e6;
  g_print ("import %" G_GINT64_FORMAT " MB file: %.2f s, %.0f MB/s, peak RSS +%" G_GINT64_FORMAT " KiB\n",
           megabytes, secs, megabytes / secs, tg_test_peak_rss_kib () - rss_before);
  start = g_get_monotonic_time ();
  g_assert_true (tg_blob_store_verify (store, tg_blob_info_get_sha256 (info), NULL, &error));
  secs = (g_get_monotonic_time () - start) / 1e6;
  g_print ("verify %" G_GINT64_FORMAT " MB file: %.2f s, %.0f MB/s\n", megabytes, secs, megabytes / secs);
  g_unlink (big);

  /* Photos with metadata and thumbnails. */
  {
    g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 4000, 3000);
    g_autofree char *jpeg = NULL;
    gsize len;

    gdk_pixbuf_fill (pixbuf, 0x336699ff);
    g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &jpeg, &len, "jpeg", &error, NULL));
    start = g_get_monotonic_time ();
    for (guint i = 0; i < 50; i++)
      {
        g_autoptr(GBytes) bytes = NULL;
        g_autoptr(TgBlobInfo) photo = NULL;

        jpeg[len - 3] = (char) i;   /* different content each time */
        bytes = g_bytes_new (jpeg, len);
        photo = tg_blob_store_import_bytes (store, bytes, "foto.jpg", &error);
        g_assert_no_error (error);
        g_assert_nonnull (tg_blob_info_get_thumbnail_sha256 (photo));
      }
    g_print ("import 12 MP photo with thumbnail: %.1f ms each\n",
             (g_get_monotonic_time () - start) / 1e3 / 50);
  }

  /* The custody log. */
  sql = tg_sqlite_open (db_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  db = tg_sqlite_get_db (sql);
  sqlite3_exec (db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL", NULL, NULL, NULL);
  g_assert_true (tg_custody_log_create_table (sql, &error));
  g_rec_mutex_init (&lock);
  log = tg_custody_log_new_for_db (sql, &lock, "bench-device");

  start = g_get_monotonic_time ();
  for (gint64 i = 0; i < events; i += 1000)
    {
      sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
      for (gint64 j = i; j < MIN (events, i + 1000); j++)
        {
          char subject[32];

          g_snprintf (subject, sizeof subject, "report-%" G_GINT64_FORMAT, j % 5000);
          if (!tg_custody_log_append_locked (log, TG_CUSTODY_EDITED, subject,
                                             "0123456789abcdef0123456789abcdef", &error))
            g_error ("%s", error->message);
        }
      sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
    }
  secs = (g_get_monotonic_time () - start) / 1e6;
  g_print ("append %" G_GINT64_FORMAT " custody events (1000 per transaction): %.2f s, %.1f us each\n",
           events, secs, secs * 1e6 / events);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < 10; i++)
    g_assert_true (tg_custody_log_append (log, TG_CUSTODY_SYNCED, "report-1", "", &error));
  g_print ("append one event in its own transaction: %.2f ms\n",
           (g_get_monotonic_time () - start) / 1e3 / 10);

  start = g_get_monotonic_time ();
  g_assert_true (tg_custody_log_verify (log, NULL, &error));
  g_print ("verify %" G_GINT64_FORMAT " events: %.2f s\n", events + 10,
           (g_get_monotonic_time () - start) / 1e6);

  start = g_get_monotonic_time ();
  {
    g_autoptr(GPtrArray) list = tg_custody_log_list (log, "report-42", &error);

    g_assert_no_error (error);
    g_print ("history of one record (%u events): %.2f ms\n", list->len,
             (g_get_monotonic_time () - start) / 1e3);
  }
  g_print ("peak RSS: %" G_GINT64_FORMAT " KiB\n", tg_test_peak_rss_kib ());

  g_clear_object (&log);
  tg_sqlite_close (sql);
  g_rec_mutex_clear (&lock);
  tg_test_rm_rf (dir);
  return 0;
}
