/* fuzz-csv.c — CSV files given to the import: the reader, a write and
 * read back of what it read, and the whole import into a store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "tg-csv.h"
#include "tg-import.h"
#include "tg-types.h"

/* One store for the run (opening one costs more than an import); a new
 * one after this many imported reports, so that it does not grow without
 * bound. */
#define REOPEN_AFTER 20000

static TgStore *store;
static guint n_stored;
static guint n_stores;

static void
open_store (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("store-%u", n_stores++);
  g_autofree char *dir = g_build_filename (fuzz_tmpdir (), name, NULL);

  if (store != NULL)
    {
      g_autofree char *old = g_strdup (tg_store_get_directory (store));

      g_clear_object (&store);
      fuzz_remove_tree (old);
    }
  store = tg_store_open (dir, &error);
  g_assert_no_error (error);
  n_stored = 0;
}

static GPtrArray *
parse_or_fail (const char *text,
               gsize       length)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *rows = tg_csv_parse (text, length, &error);

  g_assert_no_error (error);
  g_assert (rows != NULL);
  return rows;
}

/* What the reader read, written by the writer (after a byte-order mark,
 * as the export writes it) and read again, is the same rows; with the
 * formula guard too, once unguarded. */
static void
check_round_trip (GPtrArray  *rows,
                  TgCsvFlags  flags)
{
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(TgCsvWriter) writer = tg_csv_writer_new (out, flags);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) again = NULL;
  gsize length;

  g_assert (g_output_stream_write_all (out, "\xEF\xBB\xBF", 3, NULL, NULL, NULL));
  for (guint i = 0; i < rows->len; i++)
    {
      g_assert (tg_csv_writer_write_row (writer, g_ptr_array_index (rows, i), -1, NULL, &error));
      g_assert_no_error (error);
    }
  g_assert (g_output_stream_close (out, NULL, NULL));
  length = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out));
  again = parse_or_fail (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)), length);

  g_assert_cmpuint (again->len, ==, rows->len);
  for (guint i = 0; i < rows->len; i++)
    {
      char **a = g_ptr_array_index (rows, i);
      char **b = g_ptr_array_index (again, i);

      g_assert_cmpuint (g_strv_length (a), ==, g_strv_length (b));
      for (guint j = 0; a[j] != NULL; j++)
        {
          g_autofree char *back = (flags & TG_CSV_GUARD_FORMULAS) ? tg_csv_unguard (b[j]) : g_strdup (b[j]);

          g_assert_cmpstr (a[j], ==, back);
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  guint n_imported = 0, n_skipped = 0;

  if (store == NULL || n_stored > REOPEN_AFTER)
    open_store ();

  /* The reader alone. */
  rows = tg_csv_parse ((const char *) data, size, &error);
  if (rows == NULL)
    {
      fuzz_check_error (error);
      g_assert (g_error_matches (error, TG_ERROR, TG_ERROR_WRONG_FORMAT));
      g_clear_error (&error);
    }
  else
    {
      for (guint i = 0; i < rows->len; i++)
        {
          char **row = g_ptr_array_index (rows, i);

          g_assert (row[0] != NULL && g_strv_length (row) <= TG_CSV_MAX_FIELDS);
          for (guint j = 0; row[j] != NULL; j++)
            g_assert (g_utf8_validate (row[j], -1, NULL));
        }
      check_round_trip (rows, TG_CSV_NONE);
      check_round_trip (rows, TG_CSV_GUARD_FORMULAS);
    }

  /* The import: all or nothing, and a clear error. */
  if (tg_import_csv_data (store, (const char *) data, size, &n_imported, &n_skipped, &error))
    {
      g_assert_no_error (error);
      g_assert (rows != NULL);
      g_assert_cmpuint (n_imported + n_skipped, <=, rows->len);
      n_stored += n_imported;
    }
  else
    {
      fuzz_check_error (error);
      g_assert (error->domain == TG_ERROR);
      g_assert_cmpuint (n_imported, ==, 0);
    }
  return 0;
}
