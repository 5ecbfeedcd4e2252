/* bench-dedupe.c — how well and how fast duplicate candidates are found
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   bench-dedupe                   quality on 1,000 generated reports,
 *                                  then the time to score 50,000
 *   bench-dedupe --check N         quality on N reports only; exit 1 when
 *                                  precision < 0.95 or recall < 0.90
 *   bench-dedupe --labelled FILE   quality on a GeoJSON export whose
 *                                  features carry "truth_group"
 *   bench-dedupe --write FILE      write the generated set in that form
 *
 * Options: --seed N, --reports N, --groups N, --scale N (the timed size),
 * --threshold X, --verbose (print missed and wrong pairs).
 * docs/benchmarks.md ("Duplicate candidates") records the figures.
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench-dedupe-gen.h"
#include "tg-dedupe.h"

#define TARGET_PRECISION 0.95
#define TARGET_RECALL    0.90

static guint    opt_seed = 20230109;
static int      opt_reports = 1000;
static int      opt_groups = 0;
static int      opt_scale = 50000;
static int      opt_check = 0;
static double   opt_threshold = TG_DEDUPE_DEFAULT_THRESHOLD;
static char    *opt_labelled = NULL;
static char    *opt_write = NULL;
static gboolean opt_verbose = FALSE;

static GOptionEntry entries[] = {
  { "seed", 0, 0, G_OPTION_ARG_INT, &opt_seed, "Seed of the generator", "N" },
  { "reports", 0, 0, G_OPTION_ARG_INT, &opt_reports, "Reports for the quality run", "N" },
  { "groups", 0, 0, G_OPTION_ARG_INT, &opt_groups, "Planted groups (default reports/5, at least 200)", "N" },
  { "scale", 0, 0, G_OPTION_ARG_INT, &opt_scale, "Reports for the timed run (0: none)", "N" },
  { "check", 0, 0, G_OPTION_ARG_INT, &opt_check, "Quality only, on N reports; fail below target", "N" },
  { "threshold", 0, 0, G_OPTION_ARG_DOUBLE, &opt_threshold, "Score threshold", "X" },
  { "labelled", 0, 0, G_OPTION_ARG_FILENAME, &opt_labelled, "Evaluate a GeoJSON with truth_group", "FILE" },
  { "write", 0, 0, G_OPTION_ARG_FILENAME, &opt_write, "Write the generated set as labelled GeoJSON", "FILE" },
  { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose, "Print missed and wrong pairs", NULL },
  { NULL }
};

static double
cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *
load_average (void)
{
  static char buf[64];
  g_autofree char *text = NULL;

  if (!g_file_get_contents ("/proc/loadavg", &text, NULL, NULL))
    return "?";
  g_strlcpy (buf, text, 15);
  return buf;
}

static long
read_status_kb (const char *field)
{
  g_autofree char *status = NULL;
  const char *p;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  p = strstr (status, field);
  return p != NULL ? strtol (p + strlen (field) + 1, NULL, 10) : -1;
}

/* Start measuring the peak anew (Linux: writing 5 to clear_refs resets
 * VmHWM to the current resident size). */
static void
reset_peak (void)
{
  g_file_set_contents ("/proc/self/clear_refs", "5", 1, NULL);
}

typedef struct
{
  guint64 proposed;
  guint64 correct;
  guint64 truth;
  double  precision;
  double  recall;
} Quality;

static const char *
report_line (TgReport *r)
{
  static char buf[4][512];
  static int k;
  GListModel *persons = tg_report_get_persons (r);
  GString *s = g_string_new (NULL);
  g_autofree char *when = tg_report_get_start (r) ? g_date_time_format_iso8601 (tg_report_get_start (r)) : g_strdup ("-");

  g_string_append_printf (s, "%s p%d (%.4f,%.4f ±%.0f) %s k%d i%d |", when, tg_report_get_date_precision (r),
                          tg_report_get_latitude (r), tg_report_get_longitude (r), tg_report_get_uncertainty (r),
                          tg_report_get_categories (r) && tg_report_get_categories (r)[0] ? tg_report_get_categories (r)[0] : "-",
                          tg_report_get_killed (r), tg_report_get_injured (r));
  for (guint i = 0; i < g_list_model_get_n_items (persons); i++)
    {
      g_autoptr(TgPerson) p = g_list_model_get_item (persons, i);
      g_string_append_printf (s, " %s;", tg_person_get_name (p));
    }
  k = (k + 1) % 4;
  g_strlcpy (buf[k], s->str, sizeof buf[k]);
  g_string_free (s, TRUE);
  return buf[k];
}

static Quality
evaluate (GPtrArray *reports,
          GArray    *truth,
          double    *seconds,
          guint64   *compared)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgDedupeSet) set = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GHashTable) proposed = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GArray) keys = g_array_sized_new (FALSE, FALSE, sizeof (gint64), 1024);
  Quality q = { 0 };
  gint64 t0 = g_get_monotonic_time ();

  set = tg_dedupe_set_new (reports);
  found = tg_dedupe_set_find (set, opt_threshold, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  *seconds = (g_get_monotonic_time () - t0) / 1e6;
  *compared = tg_dedupe_set_get_n_compared (set);

  g_array_set_size (keys, found->len);
  for (guint i = 0; i < found->len; i++)
    {
      TgDedupeCandidate *c = g_ptr_array_index (found, i);
      gboolean right = g_array_index (truth, int, c->index_a) == g_array_index (truth, int, c->index_b);

      q.proposed++;
      q.correct += right;
      g_array_index (keys, gint64, i) = ((gint64) MIN (c->index_a, c->index_b) << 32) | MAX (c->index_a, c->index_b);
      g_hash_table_add (proposed, &g_array_index (keys, gint64, i));
      if (opt_verbose && !right)
        {
          g_autofree char *summary = tg_dedupe_candidate_get_summary (c);
          g_print ("wrong  %.1f  %s\n       %s\n       %s\n", c->score, summary,
                   report_line (g_ptr_array_index (reports, c->index_a)),
                   report_line (g_ptr_array_index (reports, c->index_b)));
        }
    }

  q.truth = dedupe_truth_pairs (truth);
  if (opt_verbose)
    for (guint i = 0; i < reports->len; i++)
      for (guint j = i + 1; j < reports->len && j < i + 8; j++)
        if (g_array_index (truth, int, i) == g_array_index (truth, int, j))
          {
            gint64 key = ((gint64) i << 32) | j;
            if (!g_hash_table_contains (proposed, &key))
              {
                g_autoptr(TgDedupeCandidate) c = tg_dedupe_compare (g_ptr_array_index (reports, i),
                                                                    g_ptr_array_index (reports, j));
                GString *why = g_string_new (NULL);

                for (guint k = 0; k < c->reasons->len; k++)
                  {
                    TgDedupeReason *reason = g_ptr_array_index (c->reasons, k);
                    g_string_append_printf (why, "%s%s %+.1f", k ? ", " : "", reason->sentence, reason->weight);
                  }
                g_print ("missed %.1f  %s\n       %s\n       %s\n", c->score, why->str,
                         report_line (g_ptr_array_index (reports, i)), report_line (g_ptr_array_index (reports, j)));
                g_string_free (why, TRUE);
              }
          }

  q.precision = q.proposed ? (double) q.correct / q.proposed : 1.0;
  q.recall = q.truth ? (double) q.correct / q.truth : 1.0;
  return q;
}

static void
print_quality (const char *what,
               guint       n_reports,
               Quality     q,
               double      seconds,
               guint64     compared)
{
  g_print ("%s: %u reports, %" G_GUINT64_FORMAT " true pairs, %" G_GUINT64_FORMAT
           " proposed, %" G_GUINT64_FORMAT " right (%" G_GUINT64_FORMAT " pairs compared, %.3f s)\n",
           what, n_reports, q.truth, q.proposed, q.correct, compared, seconds);
  g_print ("  precision %.4f (target ≥ %.2f)  recall %.4f (target ≥ %.2f)  threshold %.1f\n",
           q.precision, TARGET_PRECISION, q.recall, TARGET_RECALL, opt_threshold);
}

/* ---- The labelled file ------------------------------------------------- */

static gboolean
write_labelled (const char *path,
                GPtrArray  *reports,
                GArray     *truth,
                GError    **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GArray) sizes = g_array_new (FALSE, TRUE, sizeof (guint));

  for (guint i = 0; i < truth->len; i++)
    {
      int t = g_array_index (truth, int, i);

      if ((guint) t >= sizes->len)
        g_array_set_size (sizes, t + 1);
      g_array_index (sizes, guint, t)++;
    }

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "FeatureCollection");
  json_builder_set_member_name (b, "features");
  json_builder_begin_array (b);
  for (guint i = 0; i < reports->len; i++)
    {
      TgReport *report = g_ptr_array_index (reports, i);
      g_autoptr(JsonNode) props = tg_report_to_json (report);
      JsonObject *o = json_node_get_object (props);

      int t = g_array_index (truth, int, i);

      json_object_remove_member (o, "latitude");
      json_object_remove_member (o, "longitude");
      /* every form the format allows: a number, a string, null, absent */
      if (g_array_index (sizes, guint, t) < 2)
        {
          if (t % 2 == 0)
            json_object_set_null_member (o, "truth_group");
        }
      else if (t % 2 == 0)
        json_object_set_int_member (o, "truth_group", t);
      else
        {
          g_autofree char *name = g_strdup_printf ("event-%d", t);
          json_object_set_string_member (o, "truth_group", name);
        }
      json_object_set_boolean_member (o, "testigo:withheld", FALSE);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, "Feature");
      json_builder_set_member_name (b, "geometry");
      if (tg_report_has_location (report))
        {
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "type");
          json_builder_add_string_value (b, "Point");
          json_builder_set_member_name (b, "coordinates");
          json_builder_begin_array (b);
          json_builder_add_double_value (b, tg_report_get_longitude (report));
          json_builder_add_double_value (b, tg_report_get_latitude (report));
          json_builder_end_array (b);
          json_builder_end_object (b);
        }
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "properties");
      json_builder_add_value (b, json_node_ref (props));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  return json_generator_to_file (gen, path, error);
}

/* Features whose truth_group is missing or null are events of their own. */
static gboolean
read_labelled (const char  *path,
               GPtrArray  **reports_out,
               GArray     **truth_out,
               GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GPtrArray) reports = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GArray) truth = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GHashTable) groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  JsonObject *root;
  JsonArray *features;
  int next = 0;

  if (!json_parser_load_from_mapped_file (parser, path, error))
    return FALSE;
  root = JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)) ? json_node_get_object (json_parser_get_root (parser)) : NULL;
  if (root == NULL || !json_object_has_member (root, "features") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (root, "features")))
    {
      g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT, "%s: not a GeoJSON FeatureCollection", path);
      return FALSE;
    }
  features = json_object_get_array_member (root, "features");

  for (guint i = 0; i < json_array_get_length (features); i++)
    {
      JsonNode *fnode = json_array_get_element (features, i);
      JsonObject *feature = JSON_NODE_HOLDS_OBJECT (fnode) ? json_node_get_object (fnode) : NULL;
      JsonNode *pnode = feature ? json_object_get_member (feature, "properties") : NULL;
      JsonNode *gnode = feature ? json_object_get_member (feature, "geometry") : NULL;
      g_autoptr(JsonNode) copy = json_node_new (JSON_NODE_OBJECT);
      JsonObject *state = json_object_new ();
      g_autoptr(GList) members = NULL;
      g_autoptr(GError) local_error = NULL;
      g_autofree char *group = NULL;
      TgReport *report;
      double lat = NAN, lon = NAN;

      json_node_take_object (copy, state);
      if (pnode == NULL || !JSON_NODE_HOLDS_OBJECT (pnode))
        {
          g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT, "feature %u: no properties", i + 1);
          return FALSE;
        }
      members = json_object_get_members (json_node_get_object (pnode));
      for (GList *l = members; l != NULL; l = l->next)
        {
          const char *name = l->data;
          JsonNode *value = json_object_get_member (json_node_get_object (pnode), name);

          if (g_str_equal (name, "truth_group"))
            {
              if (JSON_NODE_HOLDS_VALUE (value))
                group = json_node_get_value_type (value) == G_TYPE_STRING
                        ? g_strdup (json_node_get_string (value))
                        : g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (value));
            }
          else if (!g_str_has_prefix (name, "testigo:"))
            json_object_set_member (state, name, json_node_copy (value));
        }

      if (gnode != NULL && JSON_NODE_HOLDS_OBJECT (gnode))
        {
          JsonObject *g = json_node_get_object (gnode);
          JsonNode *cnode = json_object_get_member (g, "coordinates");

          if (cnode != NULL && JSON_NODE_HOLDS_ARRAY (cnode) && json_array_get_length (json_node_get_array (cnode)) >= 2)
            {
              lon = json_array_get_double_element (json_node_get_array (cnode), 0);
              lat = json_array_get_double_element (json_node_get_array (cnode), 1);
            }
        }
      if (isnan (lat))
        {
          json_object_set_null_member (state, "latitude");
          json_object_set_null_member (state, "longitude");
        }
      else
        {
          json_object_set_double_member (state, "latitude", lat);
          json_object_set_double_member (state, "longitude", lon);
        }

      report = tg_report_new_from_json (copy, &local_error);
      if (report == NULL)
        {
          g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT, "feature %u: %s", i + 1, local_error->message);
          return FALSE;
        }
      g_ptr_array_add (reports, report);

      if (group == NULL)
        g_array_append_val (truth, next), next++;
      else
        {
          gpointer value;

          if (!g_hash_table_lookup_extended (groups, group, NULL, &value))
            {
              value = GINT_TO_POINTER (next++);
              g_hash_table_insert (groups, g_strdup (group), value);
            }
          {
            int t = GPOINTER_TO_INT (value);
            g_array_append_val (truth, t);
          }
        }
    }

  *reports_out = g_steal_pointer (&reports);
  *truth_out = g_steal_pointer (&truth);
  return TRUE;
}

/* ---- Main -------------------------------------------------------------- */

static gboolean
quality_run (guint n_reports)
{
  guint n_groups = opt_groups > 0 ? (guint) opt_groups : MAX (200, n_reports / 5);
  DedupeGen *gen = dedupe_gen_new (n_reports, n_groups, opt_seed);
  g_autofree char *what = g_strdup_printf ("generated (seed %u, %u planted groups, %u hard negatives)",
                                           opt_seed, gen->n_groups, gen->n_hard);
  double seconds;
  guint64 compared;
  Quality q = evaluate (gen->reports, gen->truth, &seconds, &compared);
  gboolean ok = q.precision >= TARGET_PRECISION && q.recall >= TARGET_RECALL;

  print_quality (what, gen->reports->len, q, seconds, compared);

  if (opt_write != NULL)
    {
      g_autoptr(GError) error = NULL;

      g_autoptr(GPtrArray) reports = NULL;
      g_autoptr(GArray) truth = NULL;

      if (!write_labelled (opt_write, gen->reports, gen->truth, &error) ||
          !read_labelled (opt_write, &reports, &truth, &error))
        {
          g_printerr ("%s\n", error->message);
          ok = FALSE;
        }
      else
        {
          /* read back, the file must give the same figures */
          Quality back = evaluate (reports, truth, &seconds, &compared);

          print_quality (opt_write, reports->len, back, seconds, compared);
          if (back.proposed != q.proposed || back.correct != q.correct || back.truth != q.truth)
            {
              g_printerr ("%s: read back, the figures differ\n", opt_write);
              ok = FALSE;
            }
        }
    }

  dedupe_gen_free (gen);
  return ok;
}

static void
timed_run (guint n_reports)
{
  DedupeGen *gen;
  g_autoptr(TgDedupeSet) set = NULL;
  g_autoptr(GPtrArray) found = NULL;
  gint64 t0, t1, t2;
  double c1, c2, c3;
  long rss_before;

  t0 = g_get_monotonic_time ();
  gen = dedupe_gen_new (n_reports, n_reports / 5, opt_seed + 1);
  t1 = g_get_monotonic_time ();
  g_print ("timed: generated %u reports (%u planted groups) in %.2f s, resident %ld kB\n",
           gen->reports->len, gen->n_groups, (t1 - t0) / 1e6, read_status_kb ("VmRSS:"));

  reset_peak ();
  rss_before = read_status_kb ("VmHWM:");
  t1 = g_get_monotonic_time ();
  c1 = cpu_seconds ();
  set = tg_dedupe_set_new (gen->reports);
  t2 = g_get_monotonic_time ();
  c2 = cpu_seconds ();
  found = tg_dedupe_set_find (set, opt_threshold, NULL, NULL, NULL, NULL);
  c3 = cpu_seconds ();
  g_print ("timed: features %.3f s + blocking and scoring %.3f s = %.3f s wall for %u reports\n",
           (t2 - t1) / 1e6, (g_get_monotonic_time () - t2) / 1e6, (g_get_monotonic_time () - t1) / 1e6,
           gen->reports->len);
  g_print ("timed: CPU time, all threads: %.3f s + %.3f s = %.3f s (load average %s)\n",
           c2 - c1, c3 - c2, c3 - c1, load_average ());
  g_print ("timed: %" G_GUINT64_FORMAT " pairs compared (of %.0f all-pairs), %u candidates\n",
           tg_dedupe_set_get_n_compared (set), (double) gen->reports->len * (gen->reports->len - 1) / 2,
           found->len);
  g_print ("timed: peak resident (VmHWM) %ld kB while scoring, %ld kB with the reports alone\n",
           read_status_kb ("VmHWM:"), rss_before);
  {
    guint64 correct = 0;
    guint64 truth = dedupe_truth_pairs (gen->truth);

    for (guint i = 0; i < found->len; i++)
      {
        TgDedupeCandidate *c = g_ptr_array_index (found, i);
        correct += g_array_index (gen->truth, int, c->index_a) == g_array_index (gen->truth, int, c->index_b);
      }
    g_print ("timed: precision %.4f recall %.4f at this size\n",
             found->len ? (double) correct / found->len : 1.0, truth ? (double) correct / truth : 1.0);
  }

  g_clear_pointer (&found, g_ptr_array_unref);
  dedupe_gen_free (gen);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("— duplicate candidates: quality and speed");
  g_autoptr(GError) error = NULL;
  gboolean ok = TRUE;

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  if (opt_labelled != NULL)
    {
      g_autoptr(GPtrArray) reports = NULL;
      g_autoptr(GArray) truth = NULL;
      double seconds;
      guint64 compared;
      Quality q;

      if (!read_labelled (opt_labelled, &reports, &truth, &error))
        {
          g_printerr ("%s\n", error->message);
          return 2;
        }
      q = evaluate (reports, truth, &seconds, &compared);
      print_quality (opt_labelled, reports->len, q, seconds, compared);
      return q.precision >= TARGET_PRECISION && q.recall >= TARGET_RECALL ? 0 : 1;
    }

  if (opt_check > 0)
    return quality_run ((guint) opt_check) ? 0 : 1;

  ok = quality_run ((guint) opt_reports);
  if (opt_scale > 0)
    timed_run ((guint) opt_scale);

  return ok ? 0 : 1;
}
