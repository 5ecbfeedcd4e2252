/* bench-store.c — figures for the local store
 *
 *   bench-store [N]            (N reports, default 100000)
 *   bench-store --plain [N]    the plain store only (also with
 *                              TESTIGO_BENCH_PLAIN=1 in the environment,
 *                              as tools/bench-compare.sh sets, so that an
 *                              older tree's figures compare)
 *
 * Runs everything twice in the same process, on a plain store and on a
 * store encrypted at rest (a random key, tg_store_open_keyed()), then
 * prints the ratio encrypted / plain of the insert time (wall and CPU)
 * and of the full-text query median; target ≤ 1.3 each. Each run prints:
 * time to insert N reports with 2 persons and 3 sources each;
 * median and p95 of full-text queries; time to open the store and load
 * the first 50 rows of the report list; the sync page's pending counts
 * and the sync state of those 50 rows (every report waiting to be pushed);
 * peak resident memory. Targets are in docs/benchmarks.md.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "tg-sqlite.h"
#include "tg-store.h"
#include "tg-store-sync.h"
#include "tg-test-common.h"

static const char *places[] = { "Juliaca", "Ayacucho", "Huamanga", "Cusco", "Andahuaylas",
                                "Lima", "Puno", "Ilave", "Chalhuanca", "Abancay" };
static const char *words[] = { "disparos", "perdigones", "lacrimógena", "detención", "brigada",
                               "periodista", "bloqueo", "aeropuerto", "universidad", "marcha",
                               "heridos", "comunidad", "quechua", "aimara", "plaza" };

static TgReport *
make_report (GRand *rand,
             guint  i)
{
  TgReport *report = tg_report_new ();
  g_autoptr(GString) narrative = g_string_new (NULL);
  g_autoptr(GDateTime) start = g_date_time_new_utc (2022, 12, 7, 12, 0, 0);
  g_autoptr(GDateTime) when = g_date_time_add_hours (start, g_rand_int_range (rand, 0, 24 * 80));
  g_autofree char *title = NULL;
  const char *place = places[g_rand_int_range (rand, 0, G_N_ELEMENTS (places))];

  title = g_strdup_printf ("Informe %u en %s", i, place);
  /* Narratives of 60 words: most from a broad vocabulary, a few of the
   * field's own words, so a search matches a realistic share. */
  for (guint w = 0; w < 60; w++)
    {
      if (g_rand_int_range (rand, 0, 100) < 3)
        g_string_append_printf (narrative, "%s ", words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))]);
      else
        g_string_append_printf (narrative, "termino%04d ", g_rand_int_range (rand, 0, 5000));
    }

  tg_report_set_title (report, title);
  tg_report_set_narrative (report, narrative->str);
  tg_report_set_start (report, when);
  tg_report_set_place_name (report, place);
  tg_report_set_location (report, -15.5 + g_rand_double_range (rand, -3, 3),
                          -70.1 + g_rand_double_range (rand, -5, 5), TG_LOCATION_METHOD_MAP);
  tg_report_set_injured (report, g_rand_int_range (rand, 0, 40));

  for (guint p = 0; p < 2; p++)
    {
      g_autoptr(TgPerson) person = tg_person_new (p == 0 ? TG_PERSON_ROLE_VICTIM : TG_PERSON_ROLE_WITNESS);
      g_autofree char *name = g_strdup_printf ("Persona %c-%u", 'A' + p, i);

      tg_person_set_name (person, name);
      tg_person_set_is_pseudonym (person, TRUE);
      tg_report_add_person (report, person);
    }

  {
    g_autoptr(TgSource) file = tg_source_new (TG_SOURCE_KIND_FILE);
    g_autoptr(TgSource) link = tg_source_new (TG_SOURCE_KIND_LINK);
    g_autoptr(TgSource) testimony = tg_source_new (TG_SOURCE_KIND_TESTIMONY);
    g_autofree char *sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guchar *) &i, sizeof i);

    tg_source_set_sha256 (file, sha);
    tg_source_set_file_name (file, "foto.jpg");
    tg_source_set_mime_type (file, "image/jpeg");
    tg_source_set_size (file, 2400000);
    tg_source_set_url (link, "https://example.org/noticia");
    tg_source_set_text (testimony, "Testimonio transcrito de un testigo presencial.");
    tg_report_add_source (report, file);
    tg_report_add_source (report, link);
    tg_report_add_source (report, testimony);
  }
  return report;
}

/* CPU time of this process, seconds: on a busy machine it shows what the
 * work costs apart from waiting for the processor. */
static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
         usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

static long
peak_rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmHWM:");
  return line ? strtol (line + 6, NULL, 10) : -1;
}

typedef struct
{
  double insert_s;
  double insert_cpu_s;
  double query_median_ms;
  double query_cpu_ms;   /* CPU time of all queries / number of queries */
  double open_ms;
} Figures;

static TgStore *
open_store (const char    *dir,
            const guint8  *key,
            GError       **error)
{
  return key ? tg_store_open_keyed (dir, key, error) : tg_store_open (dir, error);
}

static void
run (guint          n,
     const guint8  *key,
     Figures       *figures)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("testigo-bench-XXXXXX", &error);
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autoptr(TgStore) store = NULL;
  gint64 t0, t_insert = 0;
  double cpu_insert = 0;
  /* Place names (a tenth of the store each), words of the field (a tenth),
   * two words together, a pseudonym, a report number, and prefixes as
   * one types them. */
  const char *queries[] = { "juliaca", "perdigones", "lacrimogena", "quechua aimara",
                            "periodista", "universidad", "brigada", "aeropuerto marcha",
                            "persona a-777", "informe 4242", "cusco bloqueo", "heri",
                            "termino0042", "termino12", "ayacucho disparos" };
  double open_ms;

  store = open_store (dir, key, &error);
  g_assert_no_error (error);

  printf ("\n%s store: %s\n", key ? "ENCRYPTED (AEGIS-256)" : "PLAIN", dir);
  for (guint done = 0; done < n;)
    {
      g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func (g_object_unref);
      guint size = MIN (1000, n - done);
      gint64 t;
      double cpu;

      for (guint i = 0; i < size; i++)
        g_ptr_array_add (batch, make_report (rand, done + i));
      t = g_get_monotonic_time ();
      cpu = cpu_seconds ();
      if (!tg_store_save_reports (store, batch, &error))
        g_error ("%s", error->message);
      t_insert += g_get_monotonic_time () - t;
      cpu_insert += cpu_seconds () - cpu;
      done += size;
    }
  printf ("insert %u reports (2 persons, 3 sources each): %.2f s store time, %.2f s of it on the CPU (target < 10 s)\n",
          n, t_insert / 1e6, cpu_insert);
  figures->insert_s = t_insert / 1e6;
  figures->insert_cpu_s = cpu_insert;

  /* Three figures per query: the query itself (the ids of every match in
   * the list's default order), loading the first page of 50 reports, and
   * the query sorted by incident date (which has to sort the matches). */
  {
    double query_ms[G_N_ELEMENTS (queries) * 5], page_ms[G_N_ELEMENTS (queries) * 5];
    double dated_ms[G_N_ELEMENTS (queries) * 5];
    guint n_runs = 0;
    double cpu_queries = 0;

    for (guint rep = 0; rep < 5; rep++)
      for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
        {
          g_autoptr(TgReportQuery) query = tg_report_query_new ();
          g_autoptr(GArray) rows = NULL;
          g_autoptr(GArray) dated = NULL;
          gint64 t1, t2;

          double cpu;

          query->text = g_strdup (queries[q]);
          cpu = cpu_seconds ();
          t0 = g_get_monotonic_time ();
          rows = tg_store_query_rowids (store, query, &error);
          g_assert_no_error (error);
          t1 = g_get_monotonic_time ();
          cpu_queries += cpu_seconds () - cpu;
          for (guint i = 0; i < MIN (rows->len, 50); i++)
            g_object_unref (tg_store_load_report_by_rowid (store, g_array_index (rows, gint64, i), NULL));
          t2 = g_get_monotonic_time ();
          query->sort = TG_REPORT_SORT_START_DESC;
          dated = tg_store_query_rowids (store, query, &error);
          g_assert_no_error (error);
          query_ms[n_runs] = (t1 - t0) / 1e3;
          page_ms[n_runs] = (t2 - t1) / 1e3;
          dated_ms[n_runs] = (g_get_monotonic_time () - t2) / 1e3;
          n_runs++;
          if (rep == 0)
            printf ("  fts \"%s\": %u matches\n", queries[q], rows->len);
        }
    qsort (query_ms, n_runs, sizeof (double), tg_test_compare_double);
    qsort (page_ms, n_runs, sizeof (double), tg_test_compare_double);
    qsort (dated_ms, n_runs, sizeof (double), tg_test_compare_double);
    printf ("fts query over %u reports, ids of all matches newest first: median %.2f ms, p95 %.2f ms (target median < 5 ms)\n",
            n, query_ms[n_runs / 2], query_ms[(n_runs * 95) / 100]);
    figures->query_median_ms = query_ms[n_runs / 2];
    figures->query_cpu_ms = cpu_queries * 1e3 / n_runs;
    printf ("  then loading the first 50 matching reports: median %.2f ms, p95 %.2f ms\n",
            page_ms[n_runs / 2], page_ms[(n_runs * 95) / 100]);
    printf ("  the same query sorted by incident date: median %.2f ms, p95 %.2f ms\n",
            dated_ms[n_runs / 2], dated_ms[(n_runs * 95) / 100]);
  }

  g_clear_object (&store);

  t0 = g_get_monotonic_time ();
  store = open_store (dir, key, &error);
  g_assert_no_error (error);
  {
    g_autoptr(TgReportList) list = tg_report_list_new (store, NULL);

    for (guint i = 0; i < 50; i++)
      {
        g_autoptr(TgReport) report = g_list_model_get_item (G_LIST_MODEL (list), i);
        g_assert_nonnull (tg_report_get_title (report));
      }
    open_ms = (g_get_monotonic_time () - t0) / 1e3;
    figures->open_ms = open_ms;
    printf ("open store + list of %u + first 50 rows: %.1f ms (target < 50 ms)\n",
            g_list_model_get_n_items (G_LIST_MODEL (list)), open_ms);

    /* What the sync page and the list rows ask of the store. */
    {
      double pending_ms[5];
      double state_us[50];
      TgSyncPending pending;

      for (guint rep = 0; rep < G_N_ELEMENTS (pending_ms); rep++)
        {
          t0 = g_get_monotonic_time ();
          if (!tg_store_get_sync_pending (store, &pending, &error))
            g_error ("%s", error->message);
          pending_ms[rep] = (g_get_monotonic_time () - t0) / 1e3;
        }
      qsort (pending_ms, G_N_ELEMENTS (pending_ms), sizeof (double), tg_test_compare_double);
      printf ("sync pending counts (%u reports, %u revisions to push): median %.2f ms of 5\n",
              pending.n_reports, pending.n_revisions, pending_ms[2]);

      for (guint i = 0; i < 50; i++)
        {
          g_autoptr(TgReport) report = g_list_model_get_item (G_LIST_MODEL (list), i);

          t0 = g_get_monotonic_time ();
          if (tg_store_get_report_sync_state (store, tg_report_get_id (report)) != TG_REPORT_SYNC_LOCAL_ONLY)
            g_error ("a report never pushed is not local only");
          state_us[i] = g_get_monotonic_time () - t0;
        }
      qsort (state_us, 50, sizeof (double), tg_test_compare_double);
      printf ("  a list row's sync state: median %.0f µs, p95 %.0f µs of 50 rows\n",
              state_us[25], state_us[47]);
    }
  }

  g_clear_object (&store);
  tg_test_rm_rf (dir);
}

static void
print_ratio (const char *what,
             double      plain,
             double      encrypted)
{
  double ratio = plain > 0 ? encrypted / plain : 0;

  printf ("  %-34s plain %9.2f  encrypted %9.2f  ratio %.2f× %s\n", what, plain, encrypted,
          ratio, ratio <= 1.3 ? "(within 1.3×)" : "(OVER 1.3×)");
}

int
main (int   argc,
      char *argv[])
{
  gboolean plain_flag = argc > 1 && g_str_equal (argv[1], "--plain");
  gboolean plain_only = plain_flag || g_strcmp0 (g_getenv ("TESTIGO_BENCH_PLAIN"), "1") == 0;
  guint n = argc > 1 + plain_flag ? (guint) atoi (argv[1 + plain_flag]) : 100000;
  guint8 key[TG_SQLITE_KEY_SIZE];
  Figures plain = { 0 }, encrypted = { 0 };

  for (guint i = 0; i < sizeof key; i++)
    key[i] = (guint8) g_random_int ();

  run (n, NULL, &plain);
  if (!plain_only)
    {
      run (n, key, &encrypted);
      printf ("\nencrypted against plain, %u reports, the same run (target ≤ 1.3× each):\n", n);
      print_ratio ("insert, s (wall)", plain.insert_s, encrypted.insert_s);
      print_ratio ("insert, s (CPU)", plain.insert_cpu_s, encrypted.insert_cpu_s);
      print_ratio ("fts query median, ms (wall)", plain.query_median_ms, encrypted.query_median_ms);
      print_ratio ("fts query mean CPU, ms", plain.query_cpu_ms, encrypted.query_cpu_ms);
      print_ratio ("open + first 50 rows, ms", plain.open_ms, encrypted.open_ms);
    }
  printf ("peak resident memory: %.1f MB\n", peak_rss_kb () / 1024.0);
  return 0;
}
