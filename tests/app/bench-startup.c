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

#include "tg-demo.h"
#include "tg-store.h"

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

typedef struct
{
  double ms;
  long   rss_kb;
  double loaded_ms;
  long   loaded_rss_kb;
  char   renderer[64];
} Sample;

static gboolean
measure (const char * const *argv,
         const char         *data_dir,
         const char         *renderer,
         gboolean            loads,
         Sample             *sample)
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
  if (g_strcmp0 (renderer, "default") != 0)
    env = g_environ_setenv (env, "GSK_RENDERER", renderer, TRUE);

  memset (sample, 0, sizeof *sample);
  start = g_get_monotonic_time ();
  if (!g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                     &out, NULL, &status, &error))
    {
      g_printerr ("Could not start %s: %s\n", argv[0], error->message);
      return FALSE;
    }
  line = out ? strstr (out, "first-frame ") : NULL;
  if (line == NULL ||
      sscanf (line, "first-frame %" G_GINT64_FORMAT " rss-kb %ld", &frame, &sample->rss_kb) != 2)
    {
      g_printerr ("%s printed no first frame: %s\n", argv[0], out ? out : "");
      return FALSE;
    }
  sample->ms = (frame - start) / 1000.0;
  if ((line = strstr (line, "renderer ")) != NULL)
    sscanf (line, "renderer %63s", sample->renderer);

  if (loads)
    {
      gint64 loaded = 0;

      line = strstr (out, "loaded ");
      if (line == NULL ||
          sscanf (line, "loaded %" G_GINT64_FORMAT " rss-kb %ld", &loaded, &sample->loaded_rss_kb) != 2)
        {
          g_printerr ("%s printed no load time: %s\n", argv[0], out);
          return FALSE;
        }
      sample->loaded_ms = (loaded - start) / 1000.0;
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

/* "median (min–max)" of the samples' field at @offset. */
static char *
describe_ms (GArray *samples,
             gsize   offset)
{
  g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (double));
  GString *text;

  for (guint i = 0; i < samples->len; i++)
    g_array_append_val (values, G_STRUCT_MEMBER (double, &g_array_index (samples, Sample, i), offset));
  g_array_sort (values, compare_double);
  text = g_string_new (NULL);
  g_string_append_printf (text, "%.0f ms", g_array_index (values, double, values->len / 2));
  if (values->len > 1)
    g_string_append_printf (text, " (%.0f-%.0f)", g_array_index (values, double, 0),
                            g_array_index (values, double, values->len - 1));
  return g_string_free (text, FALSE);
}

static double
median_ms (GArray *samples)
{
  g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint i = 0; i < samples->len; i++)
    g_array_append_val (values, g_array_index (samples, Sample, i).ms);
  g_array_sort (values, compare_double);
  return g_array_index (values, double, values->len / 2);
}

static double
max_mb (GArray *samples,
        gsize   offset)
{
  long kb = 0;

  for (guint i = 0; i < samples->len; i++)
    kb = MAX (kb, G_STRUCT_MEMBER (long, &g_array_index (samples, Sample, i), offset));
  return kb / 1024.0;
}

static void
print_load (const char *when)
{
  g_autofree char *load = NULL;

  if (g_file_get_contents ("/proc/loadavg", &load, NULL, NULL))
    g_print ("load average %s: %s", when, load);
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
  Sample sample;

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

  /* Unmeasured: whichever starts first would launch the session bus. */
  if (!measure (app_argv, dir, renderers[0], TRUE, &sample) ||
      !measure (bare_argv, dir, renderers[0], FALSE, &sample))
    return 1;

  print_load ("before");
  for (guint r = 0; renderers[r] != NULL; r++)
    {
      g_ptr_array_add (app_samples, g_array_new (FALSE, FALSE, sizeof (Sample)));
      g_ptr_array_add (bare_samples, g_array_new (FALSE, FALSE, sizeof (Sample)));
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
  print_load ("after");

  for (guint r = 0; renderers[r] != NULL; r++)
    {
      GArray *app = g_ptr_array_index (app_samples, r);
      GArray *bare = g_ptr_array_index (bare_samples, r);
      g_autofree char *app_frame = describe_ms (app, G_STRUCT_OFFSET (Sample, ms));
      g_autofree char *app_loaded = describe_ms (app, G_STRUCT_OFFSET (Sample, loaded_ms));
      g_autofree char *bare_frame = describe_ms (bare, G_STRUCT_OFFSET (Sample, ms));

      g_print ("\nrenderer %s (testigo drew with %s, the bare window with %s), median of %d:\n",
               renderers[r], g_array_index (app, Sample, 0).renderer,
               g_array_index (bare, Sample, 0).renderer, runs);
      g_print ("  testigo:     first frame %s, resident %.1f MB (target < 400 ms)\n",
               app_frame, max_mb (app, G_STRUCT_OFFSET (Sample, rss_kb)));
      g_print ("  testigo:     loaded %s, resident %.1f MB (target < 150 MB)\n",
               app_loaded, max_mb (app, G_STRUCT_OFFSET (Sample, loaded_rss_kb)));
      g_print ("  bare window: first frame %s, resident %.1f MB\n",
               bare_frame, max_mb (bare, G_STRUCT_OFFSET (Sample, rss_kb)));
      g_print ("  ratio testigo / bare (first frame): %.2f\n", median_ms (app) / median_ms (bare));
    }
  return 0;
}
