/* bench-startup.c — how long the app takes to show its first frame
 *
 *   bench-startup [--reports N] [--runs R] [--renderers LIST] [--keep-store DIR]
 *                 PATH/TO/testigo
 *
 * Fills a store with N demo reports (default 100,000; done once and kept
 * in DIR when given), then R times starts testigo on it and a bare
 * libadwaita window (this program with --bare), each printing the
 * monotonic time of its first painted frame, its resident memory and the
 * GSK renderer that drew it; testigo also prints when it is loaded (the
 * whole list in its view, every report's position read and the markers
 * placed) and its resident memory then.
 *
 * Each start-up is done once for every renderer of LIST (default
 * "default,cairo": "default" leaves GSK_RENDERER as it is, so testigo
 * picks (cairo where OpenGL is drawn in software, see src/app/tg-renderer.c)
 * and the bare window gets GTK's own pick; any other name is set as
 * GSK_RENDERER), in turn, so the renderers are measured in the same
 * conditions. Before measuring, each window is
 * started once unmeasured: the first GTK program on a display without a
 * session bus pays for D-Bus being launched. The load average is printed
 * before and after. Run it under Xvfb:
 * xvfb-run -a -s '-screen 0 1280x800x24' bench-startup …
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <stdlib.h>
#include <string.h>

#include "bench-startup-common.h"

/* The bare window ------------------------------------------------------- */

/* As testigo does with $TESTIGO_START_UP_MARKS: the steps of a start-up. */
static void
mark (const char *what)
{
  if (g_getenv ("TESTIGO_START_UP_MARKS") != NULL)
    g_print ("mark %s %" G_GINT64_FORMAT "\n", what, g_get_monotonic_time ());
}

static void
bare_frame_cb (GdkFrameClock *clock,
               GtkWindow     *window)
{
  g_autofree char *status = NULL;
  long rss = 0;

  g_signal_handlers_disconnect_by_func (clock, bare_frame_cb, window);
  if (g_file_get_contents ("/proc/self/status", &status, NULL, NULL) && strstr (status, "VmRSS:"))
    rss = strtol (strstr (status, "VmRSS:") + 6, NULL, 10);
  g_print ("first-frame %" G_GINT64_FORMAT " rss-kb %ld renderer %s\n", g_get_monotonic_time (), rss,
           G_OBJECT_TYPE_NAME (gtk_native_get_renderer (GTK_NATIVE (window))));
  g_application_quit (G_APPLICATION (gtk_window_get_application (window)));
}

static void
bare_realize_cb (GtkWidget *window)
{
  mark ("realized");
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint",
                    G_CALLBACK (bare_frame_cb), window);
}

static void
bare_activate_cb (GtkApplication *app)
{
  GtkWidget *window;
  GtkWidget *box;

  mark ("gtk-adw-ready");
  window = adw_application_window_new (app);
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  gtk_box_append (GTK_BOX (box), gtk_label_new ("Hello"));
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), box);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  g_signal_connect (window, "realize", G_CALLBACK (bare_realize_cb), NULL);
  gtk_window_present (GTK_WINDOW (window));
  mark ("presented");
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
         const char         *renderer,
         gboolean            loads,
         BenchStart         *sample)
{
  g_auto(GStrv) env = bench_start_environ (data_dir);

  if (g_strcmp0 (renderer, "default") != 0)
    env = g_environ_setenv (env, "GSK_RENDERER", renderer, TRUE);
  /* Bounded: a testigo waiting for a passphrase never draws the list. */
  return bench_start (argv, env, 120, loads ? BENCH_START_LOADS : 0, argv[0], sample);
}

int
main (int   argc,
      char *argv[])
{
  int n_reports = 100000;
  int runs = 5;
  g_autofree char *keep = NULL;
  g_autofree char *renderer_list = NULL;
  g_autofree char *testigo = NULL;
  g_autofree char *dir = NULL;
  g_auto(GStrv) renderers = NULL;
  g_autoptr(GPtrArray) app_samples = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_autoptr(GPtrArray) bare_samples = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_autoptr(GError) error = NULL;
  GOptionEntry entries[] = {
    { "reports", 0, 0, G_OPTION_ARG_INT, &n_reports, "Reports in the store", "N" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Start-ups of each", "R" },
    { "renderers", 0, 0, G_OPTION_ARG_STRING, &renderer_list,
      "GSK renderers, comma-separated (default: default,cairo)", "LIST" },
    { "keep-store", 0, 0, G_OPTION_ARG_FILENAME, &keep, "Keep the store in DIR", "DIR" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  const char *app_argv[] = { NULL, NULL };
  const char *bare_argv[] = { argv[0], "--bare", NULL };
  BenchStart sample;

  if (argc > 1 && g_str_equal (argv[1], "--bare"))
    {
      mark ("main");
      return run_bare ();
    }

  context = g_option_context_new ("PATH/TO/testigo");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc < 2 || runs < 1)
    {
      g_printerr ("%s\n", error ? error->message : "Give the path of testigo");
      return 2;
    }
  testigo = g_strdup (argv[1]);
  app_argv[0] = testigo;
  renderers = g_strsplit (renderer_list ? renderer_list : "default,cairo", ",", -1);
  dir = keep ? g_strdup (keep) : g_dir_make_tmp ("testigo-bench-XXXXXX", NULL);
  g_mkdir_with_parents (dir, 0700);

  if (!bench_fill_store (dir, n_reports, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  /* Unmeasured: whichever starts first would launch the session bus. */
  if (!measure (app_argv, dir, renderers[0], TRUE, &sample) ||
      !measure (bare_argv, dir, renderers[0], FALSE, &sample))
    return 1;

  bench_print_load ("before");
  for (guint r = 0; renderers[r] != NULL; r++)
    {
      g_ptr_array_add (app_samples, g_array_new (FALSE, FALSE, sizeof (BenchStart)));
      g_ptr_array_add (bare_samples, g_array_new (FALSE, FALSE, sizeof (BenchStart)));
    }
  for (int i = 0; i < runs; i++)
    for (guint r = 0; renderers[r] != NULL; r++)
      {
        if (!measure (app_argv, dir, renderers[r], TRUE, &sample))
          return 1;
        g_array_append_val (g_ptr_array_index (app_samples, r), sample);
        if (!measure (bare_argv, dir, renderers[r], FALSE, &sample))
          return 1;
        g_array_append_val (g_ptr_array_index (bare_samples, r), sample);
      }
  bench_print_load ("after");

  for (guint r = 0; renderers[r] != NULL; r++)
    {
      GArray *app = g_ptr_array_index (app_samples, r);
      GArray *bare = g_ptr_array_index (bare_samples, r);
      g_autofree char *app_frame = bench_start_describe (app, G_STRUCT_OFFSET (BenchStart, ms));
      g_autofree char *app_loaded = bench_start_describe (app, G_STRUCT_OFFSET (BenchStart, loaded_ms));
      g_autofree char *bare_frame = bench_start_describe (bare, G_STRUCT_OFFSET (BenchStart, ms));

      g_print ("\nrenderer %s (testigo drew with %s, the bare window with %s), median of %d:\n",
               renderers[r], g_array_index (app, BenchStart, 0).renderer,
               g_array_index (bare, BenchStart, 0).renderer, runs);
      g_print ("  testigo:     first frame %s, resident %.1f MB (target < 400 ms)\n",
               app_frame, bench_start_max_mb (app, G_STRUCT_OFFSET (BenchStart, rss_kb)));
      g_print ("  testigo:     loaded %s, resident %.1f MB (target < 150 MB)\n",
               app_loaded, bench_start_max_mb (app, G_STRUCT_OFFSET (BenchStart, loaded_rss_kb)));
      g_print ("  bare window: first frame %s, resident %.1f MB\n",
               bare_frame, bench_start_max_mb (bare, G_STRUCT_OFFSET (BenchStart, rss_kb)));
      g_print ("  ratio testigo / bare (first frame): %.2f\n", bench_start_median (app, G_STRUCT_OFFSET (BenchStart, ms), NULL, NULL) /
           bench_start_median (bare, G_STRUCT_OFFSET (BenchStart, ms), NULL, NULL));
    }
  return 0;
}
