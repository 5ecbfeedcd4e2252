/* bench-import.c — the time and peak memory of one GeoJSON or CSV import
 *
 * Imports one file into a new store and prints how long it took and the
 * process's peak memory.
 *
 *   bench-import STORE-DIR FILE [--csv]
 *
 * Peak memory is VmHWM from /proc/self/status (the resident high-water
 * mark), so run one import per process. Used for the figures in
 * docs/benchmarks.md, "Import and export".
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg-import.h"

static gint64
status_kib (const char *field)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (line = strstr (status, field)) == NULL)
    return -1;
  return g_ascii_strtoll (line + strlen (field), NULL, 10);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgStore) store = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInfo) info = NULL;
  gboolean csv = argc == 4 && g_str_equal (argv[3], "--csv");
  gint64 before, start;
  double seconds;
  guint n = 0;
  gboolean ok;

  if (argc != 3 && !csv)
    {
      g_printerr ("usage: %s STORE-DIR FILE [--csv]\n", argv[0]);
      return EXIT_FAILURE;
    }
  g_mkdir_with_parents (argv[1], 0700);
  store = tg_store_open (argv[1], &error);
  if (store == NULL)
    {
      g_printerr ("%s\n", error->message);
      return EXIT_FAILURE;
    }
  file = g_file_new_for_commandline_arg (argv[2]);
  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, 0, NULL, NULL);

  before = status_kib ("VmHWM:");
  start = g_get_monotonic_time ();
  if (csv)
    ok = tg_import_csv (store, file, &n, NULL, NULL, &error);
  else
    ok = tg_import_geojson (store, file, &n, NULL, &error);
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  if (!ok)
    {
      g_printerr ("%s\n", error->message);
      return EXIT_FAILURE;
    }

  g_print ("file %.1f MiB, %u imported, %u reports in the store, %.2f s, "
           "VmHWM %.1f MiB (%.1f MiB before the import)\n",
           info ? g_file_info_get_size (info) / 1048576.0 : -1.0, n,
           tg_store_count_reports (store), seconds,
           status_kib ("VmHWM:") / 1024.0, before / 1024.0);
  tg_store_close (store);
  return EXIT_SUCCESS;
}
