/* test-crash.c — a writer killed at random moments loses nothing it saved
 *
 * Nothing the writer was told was saved may be missing afterwards, and the
 * database must be whole.
 *
 * The test runs itself as the writer: `test-crash --writer DIR` saves
 * reports (single saves and batches) as fast as it can and prints the id
 * of each one after the store says it is saved. The parent kills it with
 * SIGKILL after a random delay, opens the store and checks every id it
 * read.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib-unix.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg-store-private.h"
#include "tg-test-common.h"

#define ROUNDS 25

static const char *self_path;

static int
run_writer (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgStore) store = tg_store_open (dir, &error);
  g_autoptr(TgReport) edited = NULL;
  guint i = 0;

  if (store == NULL)
    {
      fprintf (stderr, "writer: %s\n", error->message);
      return 1;
    }

  edited = tg_report_new ();
  tg_report_set_title (edited, "Editado muchas veces");

  for (;;)
    {
      i++;
      if (i % 5 == 0)
        {
          /* A batch: all of it or none of it. */
          g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func (g_object_unref);

          for (guint j = 0; j < 20; j++)
            {
              TgReport *report = tg_report_new ();
              g_autofree char *title = g_strdup_printf ("Lote %u-%u", i, j);

              tg_report_set_title (report, title);
              tg_report_set_narrative (report, "Relato de prueba para el choque.");
              g_ptr_array_add (batch, report);
            }
          if (!tg_store_save_reports (store, batch, &error))
            return 1;
          for (guint j = 0; j < batch->len; j++)
            printf ("saved %s\n", tg_report_get_id (batch->pdata[j]));
        }
      else if (i % 3 == 0)
        {
          g_autofree char *narrative = g_strdup_printf ("versión %u", i);
          g_autoptr(TgRevision) rev = NULL;

          tg_report_set_narrative (edited, narrative);
          if (!(rev = tg_store_save_report (store, edited, &error)))
            return 1;
          printf ("edited %s %s\n", tg_report_get_id (edited), narrative);
        }
      else
        {
          g_autoptr(TgReport) report = tg_report_new ();
          g_autoptr(TgRevision) rev = NULL;
          g_autofree char *title = g_strdup_printf ("Informe %u", i);

          tg_report_set_title (report, title);
          if (!(rev = tg_store_save_report (store, report, &error)))
            return 1;
          printf ("saved %s\n", tg_report_get_id (report));
        }
      fflush (stdout);
    }
  return 0;
}

static void
test_kill_writer (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = tg_test_make_tmp_dir ("testigo-crash-XXXXXX");
  g_autoptr(GHashTable) saved = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *edited_id = NULL;
  g_autofree char *last_narrative = NULL;
  guint total_acknowledged = 0;

  g_assert_no_error (error);

  for (guint round = 0; round < ROUNDS; round++)
    {
      const char *argv[] = { self_path, "--writer", dir, NULL };
      g_autoptr(GSubprocess) writer = NULL;
      g_autoptr(GDataInputStream) lines = NULL;
      gint64 deadline;
      guint delay_ms = g_test_rand_int_range (5, 400);
      char *line;

      writer = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
      g_assert_no_error (error);
      lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (writer));

      g_usleep (delay_ms * 1000);
      g_subprocess_send_signal (writer, SIGKILL);
      deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
      g_subprocess_wait (writer, NULL, NULL);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);

      /* Everything it printed, it had been told was saved. A line cut by
       * the kill has no newline and is not counted. */
      while ((line = g_data_input_stream_read_line (lines, NULL, NULL, NULL)) != NULL)
        {
          g_auto(GStrv) parts = g_strsplit (line, " ", 3);

          if (g_strcmp0 (parts[0], "saved") == 0 && parts[1] != NULL)
            g_hash_table_add (saved, g_strdup (parts[1]));
          else if (g_strcmp0 (parts[0], "edited") == 0 && parts[1] != NULL && parts[2] != NULL)
            {
              g_free (edited_id);
              edited_id = g_strdup (parts[1]);
              g_free (last_narrative);
              last_narrative = g_strdup (parts[2]);
            }
          total_acknowledged++;
          g_free (line);
        }

      /* After each kill: the database is whole and holds every write
       * that was acknowledged. */
      {
        g_autoptr(TgStore) store = tg_store_open (dir, &error);
        g_autoptr(sqlite3_stmt) stmt = NULL;
        GHashTableIter iter;
        gpointer key;
        gint64 broken = -1;

        g_assert_no_error (error);
        g_assert_cmpint (sqlite3_prepare_v2 (tg_store_get_db (store), "PRAGMA integrity_check",
                                             -1, &stmt, NULL), ==, SQLITE_OK);
        g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
        g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
        /* The sync counters were written with the revisions, or not at all. */
        tg_test_assert_sync_counters (store);

        g_hash_table_iter_init (&iter, saved);
        while (g_hash_table_iter_next (&iter, &key, NULL))
          {
            g_autoptr(TgReport) report = tg_store_load_report (store, key, &error);

            g_assert_no_error (error);
            g_assert_nonnull (report);
          }
        g_assert_cmpuint (tg_store_count_reports (store), >=, g_hash_table_size (saved));

        if (edited_id != NULL)
          {
            /* The edited report is at least as new as the last edit
             * acknowledged (a later, unacknowledged one may have landed). */
            g_autoptr(TgReport) report = tg_store_load_report (store, edited_id, &error);
            g_assert_no_error (error);
            g_assert_nonnull (tg_report_get_narrative (report));
            g_assert_cmpint (atoi (tg_report_get_narrative (report) + strlen ("versión ")), >=,
                             atoi (last_narrative + strlen ("versión ")));
          }

        g_assert_true (tg_custody_log_verify (tg_store_get_custody_log (store), &broken, &error));
        g_assert_no_error (error);
      }
    }

  g_test_message ("%u rounds, %u acknowledged writes checked", ROUNDS, total_acknowledged);
  g_assert_cmpuint (total_acknowledged, >, 0);
  tg_test_rm_rf (dir);
}

int
main (int   argc,
      char *argv[])
{
  self_path = argv[0];
  if (argc == 3 && strcmp (argv[1], "--writer") == 0)
    return run_writer (argv[2]);

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/store/crash/kill-writer", test_kill_writer);
  return g_test_run ();
}
