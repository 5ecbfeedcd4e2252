/* testigo-demo-data.c — makes stores of demo reports, and times exports
 *
 *   testigo-demo-data DIR [N] [--seed S] [--geojson FILE] [--csv FILE]
 *       fills the store in DIR with N demo reports (and exports it). DIR
 *       must be new, empty, or a store this tool made (it leaves a
 *       ".testigo-demo" mark there): demo reports are never added to a
 *       monitor's real store.
 *   testigo-demo-data --export-only DIR [--geojson FILE] [--csv FILE]
 *       exports an existing store and times it; adds no report to it
 *       (the exports are logged in its custody log, as every export is).
 *
 * To export a store from the app's side, use `testigo --export FILE`.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "testigo-demo-data"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <locale.h>
#include <stdlib.h>

#include "tg-demo.h"
#include "tg-export.h"

/* Left in a store this tool made. */
#define DEMO_MARK ".testigo-demo"

static double
seconds_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
}

/* TRUE when demo reports may go into @dir: it does not exist, is empty,
 * or carries this tool's mark. */
static gboolean
may_fill (const char *dir)
{
  g_autofree char *mark = g_build_filename (dir, DEMO_MARK, NULL);
  g_autoptr(GDir) d = NULL;

  if (!g_file_test (dir, G_FILE_TEST_EXISTS))
    return TRUE;
  if (g_file_test (mark, G_FILE_TEST_IS_REGULAR))
    return TRUE;
  d = g_dir_open (dir, 0, NULL);
  return d != NULL && g_dir_read_name (d) == NULL;
}

static gboolean
export_timed (TgStore     *store,
              const char  *path,
              gboolean     csv,
              GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_commandline_arg (path);
  gint64 start = g_get_monotonic_time ();
  guint n = 0;

  if (csv ? !tg_export_csv (store, NULL, file, TG_EXPORT_NONE, NULL, NULL, &n, NULL, error)
          : !tg_export_geojson (store, NULL, file, TG_EXPORT_NONE, NULL, NULL, &n, NULL, error))
    return FALSE;
  if (csv)
    g_print (_("CSV export of %u reports took %.2f s\n"), n, seconds_since (start));
  else
    g_print (_("GeoJSON export of %u reports took %.2f s\n"), n, seconds_since (start));
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TgStore) store = NULL;
  g_autofree char *geojson = NULL;
  g_autofree char *csv = NULL;
  gboolean export_only = FALSE;
  gint64 seed = TG_DEMO_DEFAULT_SEED;
  guint64 n_reports = TG_DEMO_DEFAULT_SIZE;
  gint64 start;
  GOptionEntry entries[] = {
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, N_("Seed of the generator"), "S" },
    { "geojson", 0, 0, G_OPTION_ARG_FILENAME, &geojson, N_("Export the store to a GeoJSON file"), "FILE" },
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &csv, N_("Export the store to a CSV file"), "FILE" },
    { "export-only", 0, 0, G_OPTION_ARG_NONE, &export_only,
      N_("Export an existing store and add no report to it"), NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (_("DIRECTORY [NUMBER] — fill a store with demo reports"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return EXIT_FAILURE;
    }
  if (argc < 2 || argc > 3 || (export_only && argc != 2) ||
      (argc == 3 && !g_ascii_string_to_unsigned (argv[2], 10, 1, G_MAXUINT, &n_reports, NULL)))
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

      g_printerr ("%s", help);
      return EXIT_FAILURE;
    }

  if (export_only)
    {
      /* An existing store only: opening a missing one would create it. */
      if (!g_file_test (argv[1], G_FILE_TEST_IS_DIR))
        {
          g_printerr (_("There is no store in %s.\n"), argv[1]);
          return EXIT_FAILURE;
        }
    }
  else
    {
      g_autofree char *mark = g_build_filename (argv[1], DEMO_MARK, NULL);

      if (!may_fill (argv[1]))
        {
          g_printerr (_("%s is not a store this tool made: demo reports are never added to "
                        "another store. To export a store, use --export-only or "
                        "“testigo --export FILE”.\n"), argv[1]);
          return EXIT_FAILURE;
        }
      /* errno is read at once: only g_mkdir_with_parents() sets it, and
       * the calls that follow may change it. */
      if (g_mkdir_with_parents (argv[1], 0700) != 0 ||
          !g_file_set_contents (mark, "Demo reports made by testigo-demo-data\n", -1, &error))
        {
          int saved_errno = errno;

          g_printerr (_("Cannot open the store in %s: %s\n"), argv[1],
                      error ? error->message : g_strerror (saved_errno));
          return EXIT_FAILURE;
        }
    }
  if (!(store = tg_store_open (argv[1], &error)))
    {
      g_printerr (_("Cannot open the store in %s: %s\n"), argv[1], error->message);
      return EXIT_FAILURE;
    }

  if (!export_only)
    {
      start = g_get_monotonic_time ();
      if (!tg_demo_populate (store, n_reports, (guint32) seed, &error))
        {
          g_printerr ("%s\n", error->message);
          return EXIT_FAILURE;
        }
      g_print (_("%u reports in the store; adding %" PRIu64 " demo reports took %.2f s\n"),
               tg_store_count_reports (store), n_reports, seconds_since (start));
    }

  if ((geojson != NULL && !export_timed (store, geojson, FALSE, &error)) ||
      (csv != NULL && !export_timed (store, csv, TRUE, &error)))
    {
      g_printerr ("%s\n", error->message);
      return EXIT_FAILURE;
    }

  tg_store_close (store);
  return EXIT_SUCCESS;
}
