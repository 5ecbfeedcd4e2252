/* testigo-demo-data.c — fills a store with the demo data set, and
 * optionally exports it, printing how long each step took
 *
 *   testigo-demo-data DIR [N] [--seed S] [--geojson FILE] [--csv FILE]
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "testigo-demo-data"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>
#include <errno.h>
#include <locale.h>
#include <stdlib.h>

#include "tg-demo.h"
#include "tg-export.h"

static double
seconds_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
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
  gint64 seed = TG_DEMO_DEFAULT_SEED;
  guint64 n_reports = TG_DEMO_DEFAULT_SIZE;
  gint64 start;
  guint n;
  GOptionEntry entries[] = {
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, N_("Seed of the generator"), "S" },
    { "geojson", 0, 0, G_OPTION_ARG_FILENAME, &geojson, N_("Export the store to a GeoJSON file"), "FILE" },
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &csv, N_("Export the store to a CSV file"), "FILE" },
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
  if (argc < 2 || argc > 3 ||
      (argc == 3 && !g_ascii_string_to_unsigned (argv[2], 10, 1, G_MAXUINT, &n_reports, NULL)))
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

      g_printerr ("%s", help);
      return EXIT_FAILURE;
    }

  /* errno is read at once: only g_mkdir_with_parents() sets it, and the
   * calls that follow may change it. tg_store_open() reports in @error. */
  if (g_mkdir_with_parents (argv[1], 0700) != 0)
    {
      int saved_errno = errno;

      g_printerr (_("Cannot open the store in %s: %s\n"), argv[1], g_strerror (saved_errno));
      return EXIT_FAILURE;
    }
  if (!(store = tg_store_open (argv[1], &error)))
    {
      g_printerr (_("Cannot open the store in %s: %s\n"), argv[1], error->message);
      return EXIT_FAILURE;
    }

  start = g_get_monotonic_time ();
  if (!tg_demo_populate (store, n_reports, (guint32) seed, &error))
    {
      g_printerr ("%s\n", error->message);
      return EXIT_FAILURE;
    }
  g_print (_("%u reports in the store; adding %" PRIu64 " demo reports took %.2f s\n"),
           tg_store_count_reports (store), n_reports, seconds_since (start));

  if (geojson != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (geojson);

      start = g_get_monotonic_time ();
      if (!tg_export_geojson (store, NULL, file, TG_EXPORT_NONE, NULL, NULL, &n, NULL, &error))
        {
          g_printerr ("%s\n", error->message);
          return EXIT_FAILURE;
        }
      g_print (_("GeoJSON export of %u reports took %.2f s\n"), n, seconds_since (start));
    }

  if (csv != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (csv);

      start = g_get_monotonic_time ();
      if (!tg_export_csv (store, NULL, file, TG_EXPORT_NONE, NULL, NULL, &n, NULL, &error))
        {
          g_printerr ("%s\n", error->message);
          return EXIT_FAILURE;
        }
      g_print (_("CSV export of %u reports took %.2f s\n"), n, seconds_since (start));
    }

  tg_store_close (store);
  return EXIT_SUCCESS;
}
