/* bench-startup-common.c — what the start-up benchmarks share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "bench-startup-common.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "tg-demo.h"
#include "tg-store.h"

char **
bench_start_environ (const char *data_dir)
{
  char **env = g_get_environ ();

  env = g_environ_setenv (env, "TESTIGO_DATA_DIR", data_dir, TRUE);
  env = g_environ_setenv (env, "TESTIGO_EXIT_AFTER_LOAD", "1", TRUE);
  env = g_environ_setenv (env, "GSETTINGS_BACKEND", "memory", TRUE);
  return env;
}

gboolean
bench_start (const char * const *argv,
             char              **env,
             int                 timeout_s,
             BenchStartFlags     flags,
             const char         *label,
             BenchStart         *sample)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) command = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) run_env = g_strdupv (env);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *line;
  gint64 start, frame = 0;
  struct rusage before, after;
  int status;

  if (timeout_s > 0)
    {
      /* Bounded: a testigo that cannot open the store never draws it. */
      g_ptr_array_add (command, g_strdup ("timeout"));
      g_ptr_array_add (command, g_strdup ("--kill-after=5"));
      g_ptr_array_add (command, g_strdup_printf ("%d", timeout_s));
    }
  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (command, g_strdup (argv[i]));
  g_ptr_array_add (command, NULL);
  if (flags & BENCH_START_MARKS)
    run_env = g_environ_setenv (run_env, "TESTIGO_START_UP_MARKS", "1", TRUE);

  memset (sample, 0, sizeof *sample);
  getrusage (RUSAGE_CHILDREN, &before);
  start = g_get_monotonic_time ();
  if (!g_spawn_sync (NULL, (char **) command->pdata, run_env, G_SPAWN_SEARCH_PATH, NULL, NULL,
                     &out, &err, &status, &error))
    {
      g_printerr ("Could not start %s: %s\n", argv[0], error->message);
      return FALSE;
    }
  /* The child was waited for: its processor time is counted now. */
  getrusage (RUSAGE_CHILDREN, &after);
  sample->cpu_ms = ((after.ru_utime.tv_sec - before.ru_utime.tv_sec) +
                    (after.ru_stime.tv_sec - before.ru_stime.tv_sec)) * 1e3 +
                   ((after.ru_utime.tv_usec - before.ru_utime.tv_usec) +
                    (after.ru_stime.tv_usec - before.ru_stime.tv_usec)) / 1e3;
  line = out ? strstr (out, "first-frame ") : NULL;
  if (line == NULL ||
      sscanf (line, "first-frame %" G_GINT64_FORMAT " rss-kb %ld", &frame, &sample->rss_kb) != 2)
    goto failed;
  sample->ms = (frame - start) / 1000.0;
  if ((line = strstr (line, "renderer ")) != NULL)
    sscanf (line, "renderer %63s", sample->renderer);

  if (flags & BENCH_START_LOADS)
    {
      gint64 loaded = 0;

      line = strstr (out, "loaded ");
      if (line == NULL ||
          sscanf (line, "loaded %" G_GINT64_FORMAT " rss-kb %ld", &loaded, &sample->loaded_rss_kb) != 2)
        goto failed;
      sample->loaded_ms = (loaded - start) / 1000.0;
    }
  if (flags & BENCH_START_MARKS)
    {
      gint64 opening = 0;

      line = strstr (out, "mark opening ");
      if (line == NULL || sscanf (line, "mark opening %" G_GINT64_FORMAT, &opening) != 1)
        goto failed;
      sample->opening_ms = (opening - start) / 1000.0;
    }
  return TRUE;

failed:
  g_printerr ("%s (%s) printed no first frame%s%s.\nIts output:\n%s\nIts errors:\n%s\n",
              label, argv[0], flags & BENCH_START_LOADS ? ", no load" : "",
              flags & BENCH_START_MARKS ? ", no opening mark" : "",
              out ? out : "", err ? err : "");
  return FALSE;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

double
bench_start_median (GArray *samples,
                    gsize   offset,
                    double *low,
                    double *high)
{
  g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (double));

  g_return_val_if_fail (samples->len > 0, 0);
  for (guint i = 0; i < samples->len; i++)
    g_array_append_val (values, G_STRUCT_MEMBER (double, &g_array_index (samples, BenchStart, i), offset));
  g_array_sort (values, compare_double);
  if (low != NULL)
    *low = g_array_index (values, double, 0);
  if (high != NULL)
    *high = g_array_index (values, double, values->len - 1);
  return g_array_index (values, double, values->len / 2);
}

char *
bench_start_describe (GArray *samples,
                      gsize   offset)
{
  double low, high;
  double median = bench_start_median (samples, offset, &low, &high);

  if (samples->len < 2)
    return g_strdup_printf ("%.0f ms", median);
  return g_strdup_printf ("%.0f ms (%.0f-%.0f)", median, low, high);
}

double
bench_start_max_mb (GArray *samples,
                    gsize   offset)
{
  long kb = 0;

  for (guint i = 0; i < samples->len; i++)
    kb = MAX (kb, G_STRUCT_MEMBER (long, &g_array_index (samples, BenchStart, i), offset));
  return kb / 1024.0;
}

void
bench_print_load (const char *when)
{
  g_autofree char *load = NULL;

  if (g_file_get_contents ("/proc/loadavg", &load, NULL, NULL))
    g_print ("load average %s: %s", when, load);
}

gboolean
bench_fill_store (const char  *dir,
                  int          n_reports,
                  GError     **error)
{
  g_autoptr(TgStore) store = NULL;
  guint have;

  g_mkdir_with_parents (dir, 0700);
  store = tg_store_open (dir, error);
  if (store == NULL)
    return FALSE;
  have = tg_store_count_reports (store);
  if (have < (guint) n_reports)
    {
      gint64 t0 = g_get_monotonic_time ();

      if (!tg_demo_populate (store, n_reports - have, TG_DEMO_DEFAULT_SEED, error))
        return FALSE;
      g_print ("filled the store with %d reports in %.1f s\n", n_reports - (int) have,
               (g_get_monotonic_time () - t0) / 1e6);
    }
  g_print ("store: %u reports in %s\n", tg_store_count_reports (store), dir);
  tg_store_close (store);
  return TRUE;
}
