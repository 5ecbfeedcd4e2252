/* bench-startup.c — how long the app takes to show its first frame
 *
 *   bench-startup [--reports N] [--runs R] [--keep-store DIR] PATH/TO/testigo
 *
 * Fills a store with N demo reports (default 100,000; done once and kept
 * in DIR when given), then R times starts testigo on it and a bare
 * libadwaita window (this program with --bare), each printing the
 * monotonic time of its first painted frame and its resident memory;
 * testigo also prints when it is loaded (the whole list in its view, every
 * report's position read and the markers placed) and its resident memory
 * then. Run it under Xvfb: xvfb-run -a -s '-screen 0 1280x800x24' bench-startup …
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <stdlib.h>
#include <string.h>

#include "tg-demo.h"
#include "tg-store.h"

/* The bare window ------------------------------------------------------- */

static void
bare_frame_cb (GdkFrameClock *clock,
               GtkWindow     *window)
{
  g_autofree char *status = NULL;
  long rss = 0;

  g_signal_handlers_disconnect_by_func (clock, bare_frame_cb, window);
  if (g_file_get_contents ("/proc/self/status", &status, NULL, NULL) && strstr (status, "VmRSS:"))
    rss = strtol (strstr (status, "VmRSS:") + 6, NULL, 10);
  g_print ("first-frame %" G_GINT64_FORMAT " rss-kb %ld\n", g_get_monotonic_time (), rss);
  g_application_quit (G_APPLICATION (gtk_window_get_application (window)));
}

static void
bare_realize_cb (GtkWidget *window)
{
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint",
                    G_CALLBACK (bare_frame_cb), window);
}

static void
bare_activate_cb (GtkApplication *app)
{
  GtkWidget *window = adw_application_window_new (app);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  gtk_box_append (GTK_BOX (box), gtk_label_new ("Hello"));
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), box);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  g_signal_connect (window, "realize", G_CALLBACK (bare_realize_cb), NULL);
  gtk_window_present (GTK_WINDOW (window));
}

static int
run_bare (void)
{
  g_autoptr(AdwApplication) app = adw_application_new ("io.github.testigo.BenchBare",
                                                       G_APPLICATION_NON_UNIQUE);

  g_signal_connect (app, "activate", G_CALLBACK (bare_activate_cb), NULL);
  return g_application_run (G_APPLICATION (app), 0, NULL);
}

/* Measuring ------------------------------------------------------------- */

static gboolean
measure (const char * const *argv,
         const char         *data_dir,
         double             *ms,
         long               *rss_kb,
         double             *loaded_ms,
         long               *loaded_rss_kb)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_auto(GStrv) env = g_get_environ ();
  const char *line;
  gint64 start, frame = 0;
  int status;

  env = g_environ_setenv (env, "TESTIGO_DATA_DIR", data_dir, TRUE);
  env = g_environ_setenv (env, "TESTIGO_EXIT_AFTER_LOAD", "1", TRUE);
  env = g_environ_setenv (env, "GSETTINGS_BACKEND", "memory", TRUE);

  start = g_get_monotonic_time ();
  if (!g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                     &out, NULL, &status, &error))
    {
      g_printerr ("Could not start %s: %s\n", argv[0], error->message);
      return FALSE;
    }
  line = out ? strstr (out, "first-frame ") : NULL;
  if (line == NULL || sscanf (line, "first-frame %" G_GINT64_FORMAT " rss-kb %ld", &frame, rss_kb) != 2)
    {
      g_printerr ("%s printed no first frame: %s\n", argv[0], out ? out : "");
      return FALSE;
    }
  *ms = (frame - start) / 1000.0;

  if (loaded_ms != NULL)
    {
      gint64 loaded = 0;

      line = strstr (out, "loaded ");
      if (line == NULL || sscanf (line, "loaded %" G_GINT64_FORMAT " rss-kb %ld", &loaded, loaded_rss_kb) != 2)
        {
          g_printerr ("%s printed no load time: %s\n", argv[0], out);
          return FALSE;
        }
      *loaded_ms = (loaded - start) / 1000.0;
    }
  return TRUE;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (GArray *values)
{
  g_array_sort (values, compare_double);
  return g_array_index (values, double, values->len / 2);
}

int
main (int   argc,
      char *argv[])
{
  int n_reports = 100000;
  int runs = 5;
  g_autofree char *keep = NULL;
  g_autofree char *testigo = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) app_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) bare_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) loaded_ms = g_array_new (FALSE, FALSE, sizeof (double));
  long app_rss = 0, bare_rss = 0, loaded_rss = 0;
  GOptionEntry entries[] = {
    { "reports", 0, 0, G_OPTION_ARG_INT, &n_reports, "Reports in the store", "N" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Start-ups of each", "R" },
    { "keep-store", 0, 0, G_OPTION_ARG_FILENAME, &keep, "Keep the store in DIR", "DIR" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;

  if (argc > 1 && g_str_equal (argv[1], "--bare"))
    return run_bare ();

  context = g_option_context_new ("PATH/TO/testigo");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc < 2)
    {
      g_printerr ("%s\n", error ? error->message : "Give the path of testigo");
      return 2;
    }
  testigo = g_strdup (argv[1]);
  dir = keep ? g_strdup (keep) : g_dir_make_tmp ("testigo-bench-XXXXXX", NULL);
  g_mkdir_with_parents (dir, 0700);

  {
    g_autoptr(TgStore) store = tg_store_open (dir, &error);
    guint have;

    if (store == NULL)
      {
        g_printerr ("%s\n", error->message);
        return 1;
      }
    have = tg_store_count_reports (store);
    if (have < (guint) n_reports)
      {
        gint64 t0 = g_get_monotonic_time ();

        if (!tg_demo_populate (store, n_reports - have, TG_DEMO_DEFAULT_SEED, &error))
          {
            g_printerr ("%s\n", error->message);
            return 1;
          }
        g_print ("filled the store with %d reports in %.1f s\n", n_reports - have,
                 (g_get_monotonic_time () - t0) / 1e6);
      }
    g_print ("store: %u reports in %s\n", tg_store_count_reports (store), dir);
    tg_store_close (store);
  }

  for (int i = 0; i < runs; i++)
    {
      const char *app_argv[] = { testigo, NULL };
      const char *bare_argv[] = { argv[0], "--bare", NULL };
      double ms, loaded;
      long rss, rss_loaded;

      if (!measure (app_argv, dir, &ms, &rss, &loaded, &rss_loaded))
        return 1;
      g_array_append_val (app_ms, ms);
      g_array_append_val (loaded_ms, loaded);
      app_rss = MAX (app_rss, rss);
      loaded_rss = MAX (loaded_rss, rss_loaded);
      if (!measure (bare_argv, dir, &ms, &rss, NULL, NULL))
        return 1;
      g_array_append_val (bare_ms, ms);
      bare_rss = MAX (bare_rss, rss);
    }

  g_print ("testigo:     first frame %.0f ms (median of %d), resident %.1f MB (target < 400 ms)\n",
           median (app_ms), runs, app_rss / 1024.0);
  g_print ("testigo:     loaded %.0f ms (median of %d), resident %.1f MB (target < 150 MB)\n",
           median (loaded_ms), runs, loaded_rss / 1024.0);
  g_print ("bare window: first frame %.0f ms (median of %d), resident %.1f MB\n",
           median (bare_ms), runs, bare_rss / 1024.0);
  g_print ("ratio testigo / bare: %.2f\n", median (app_ms) / median (bare_ms));
  return 0;
}
