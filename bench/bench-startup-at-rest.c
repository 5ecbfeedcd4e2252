/* bench-startup-at-rest.c — the app's start-up, encrypted store against plain
 *
 *   bench-startup-at-rest [--reports N] [--runs R] [--keep-store DIR]
 *                         [--timeout S] PATH/TO/testigo
 *
 * Fills a plain data folder with N demo reports (default 100,000), copies
 * it and converts the copy as the app converts an old store
 * (tg_at_rest_migrate(): a vault, the store encrypted with its key), then
 * starts testigo R times (default 5) on each, in turn, after one
 * unmeasured start of each. testigo prints the monotonic time of its
 * first frame with the list and of being loaded (docs/app.md, "Start-up
 * benchmark"); this prints the medians of both, encrypted against plain,
 * with the target: the first frame within 100 ms of plain.
 *
 * The encrypted start is given its passphrase with $TESTIGO_PASSPHRASE,
 * so no one types. Its vault is made with the cheapest Argon2id cost
 * (the cost is stored in the key file), so that what is measured here is
 * what encryption adds to opening and showing the store; the unlock
 * itself, a second of Argon2id at the default cost while the person
 * waits after typing, is timed once at the end (the same in every
 * start-up) and is bench-vault's subject (docs/benchmarks.md).
 *
 * The load average is printed before and after: run it on an idle
 * machine, under Xvfb:
 *   xvfb-run -a -s '-screen 0 1280x800x24' env GSETTINGS_SCHEMA_DIR=build/data \
 *     build/bench/bench-startup-at-rest build/src/app/testigo
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib/gstdio.h>
#include <sodium.h>

#include "tg-at-rest-migrate.h"
#include "tg-demo.h"
#include "tg-store.h"
#include "tg-vault.h"
#include "tg-vault-private.h"

#define PASSPHRASE "banco de pruebas de arranque"

static int timeout_s = 120;

typedef struct
{
  double frame_ms;
  double loaded_ms;
  long   loaded_rss_kb;
} Sample;

static void
print_load (const char *when)
{
  g_autofree char *load = NULL;

  if (g_file_get_contents ("/proc/loadavg", &load, NULL, NULL))
    g_print ("load average %s: %s", when, load);
}

/* One start-up of testigo on @data_dir; FALSE (and a message) if it
 * printed no first frame or no load. */
static gboolean
measure (const char *testigo,
         const char *data_dir,
         gboolean    encrypted,
         Sample     *sample)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto(GStrv) env = g_get_environ ();
  g_autofree char *limit = g_strdup_printf ("%d", timeout_s);
  /* Bounded: a testigo that cannot open the store (one that does not yet
   * open encrypted stores) never gets to its first frame. */
  const char *argv[] = { "timeout", "--kill-after=5", limit, testigo, NULL };
  const char *line;
  gint64 start, frame = 0, loaded = 0;
  long rss = 0;
  int status;

  env = g_environ_setenv (env, "TESTIGO_DATA_DIR", data_dir, TRUE);
  env = g_environ_setenv (env, "TESTIGO_EXIT_AFTER_LOAD", "1", TRUE);
  env = g_environ_setenv (env, "GSETTINGS_BACKEND", "memory", TRUE);
  if (encrypted)
    env = g_environ_setenv (env, "TESTIGO_PASSPHRASE", PASSPHRASE, TRUE);
  else
    env = g_environ_unsetenv (env, "TESTIGO_PASSPHRASE");

  memset (sample, 0, sizeof *sample);
  start = g_get_monotonic_time ();
  if (!g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_SEARCH_PATH, NULL, NULL,
                     &out, &err, &status, &error))
    {
      g_printerr ("Could not start %s: %s\n", testigo, error->message);
      return FALSE;
    }
  line = out ? strstr (out, "first-frame ") : NULL;
  if (line == NULL || sscanf (line, "first-frame %" G_GINT64_FORMAT, &frame) != 1 ||
      (line = strstr (line, "loaded ")) == NULL ||
      sscanf (line, "loaded %" G_GINT64_FORMAT " rss-kb %ld", &loaded, &rss) != 2)
    {
      g_printerr ("testigo on the %s store printed no first frame or no load.\n"
                  "Its output:\n%s\nIts errors:\n%s\n",
                  encrypted ? "encrypted" : "plain", out ? out : "", err ? err : "");
      return FALSE;
    }
  sample->frame_ms = (frame - start) / 1000.0;
  sample->loaded_ms = (loaded - start) / 1000.0;
  sample->loaded_rss_kb = rss;
  return TRUE;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

/* The median, lowest and highest of the samples' field at @offset. */
static double
summarise (GArray  *samples,
           gsize    offset,
           double  *low,
           double  *high)
{
  g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint i = 0; i < samples->len; i++)
    g_array_append_val (values, G_STRUCT_MEMBER (double, &g_array_index (samples, Sample, i), offset));
  g_array_sort (values, compare_double);
  *low = g_array_index (values, double, 0);
  *high = g_array_index (values, double, values->len - 1);
  return g_array_index (values, double, values->len / 2);
}

static gboolean
copy_tree (const char  *from,
           const char  *to,
           GError     **error)
{
  const char *argv[] = { "cp", "-a", "--", from, to, NULL };
  int status;

  return g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                       NULL, NULL, &status, error) &&
         g_spawn_check_wait_status (status, error);
}

/* @plain_dir's copy at @dir, converted; kept when it is there already. */
static gboolean
make_encrypted (const char  *plain_dir,
                const char  *dir,
                GError     **error)
{
  g_autoptr(TgVault) vault = NULL;
  gint64 t0;

  if (g_file_test (dir, G_FILE_TEST_IS_DIR) && tg_at_rest_store_kind (dir) == TG_AT_REST_STORE_OPAQUE &&
      !tg_at_rest_needs_migration (dir))
    return TRUE;
  if (g_file_test (dir, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                   "%s exists and is not an encrypted data folder: remove it first", dir);
      return FALSE;
    }
  if (!copy_tree (plain_dir, dir, error))
    return FALSE;
  vault = tg_vault_new (dir);
  /* The cheapest Argon2id: the unlock is timed apart (above). */
  tg_vault_set_kdf_limits (vault, crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN);
  if (!tg_vault_create (vault, PASSPHRASE, NULL, error))
    return FALSE;
  t0 = g_get_monotonic_time ();
  if (!tg_at_rest_migrate (dir, vault, NULL, NULL, error))
    return FALSE;
  g_print ("encrypted a copy of the store in %.1f s: %s\n",
           (g_get_monotonic_time () - t0) / 1e6, dir);
  return TRUE;
}

/* One unlock at the default Argon2id cost, as a person waits for it
 * after typing: wall and processor seconds. */
static void
time_default_unlock (const char *parent)
{
  g_autofree char *dir = g_build_filename (parent, "unlock", NULL);
  g_autoptr(TgVault) vault = NULL;
  g_autoptr(GError) error = NULL;
  struct timespec c0, c1;
  gint64 t0;

  g_mkdir_with_parents (dir, 0700);
  vault = tg_vault_new (dir);
  if (tg_vault_get_state (vault) == TG_VAULT_STATE_NONE &&
      !tg_vault_create (vault, PASSPHRASE, NULL, &error))
    {
      g_printerr ("%s\n", error->message);
      return;
    }
  tg_vault_lock (vault);
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &c0);
  t0 = g_get_monotonic_time ();
  if (!tg_vault_unlock (vault, PASSPHRASE, NULL, &error))
    {
      g_printerr ("%s\n", error->message);
      return;
    }
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &c1);
  g_print ("unlock at the default cost (Argon2id, %d passes, %zu MiB): %.2f s, %.2f s of processor\n",
           TG_VAULT_DEFAULT_OPSLIMIT, TG_VAULT_DEFAULT_MEMLIMIT / (1024 * 1024),
           (g_get_monotonic_time () - t0) / 1e6,
           (c1.tv_sec - c0.tv_sec) + (c1.tv_nsec - c0.tv_nsec) / 1e9);
}

int
main (int   argc,
      char *argv[])
{
  int n_reports = 100000;
  int runs = 5;
  g_autofree char *keep = NULL;
  g_autofree char *parent = NULL;
  g_autofree char *plain_dir = NULL;
  g_autofree char *encrypted_dir = NULL;
  g_autoptr(GArray) plain = g_array_new (FALSE, FALSE, sizeof (Sample));
  g_autoptr(GArray) encrypted = g_array_new (FALSE, FALSE, sizeof (Sample));
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) context = NULL;
  GOptionEntry entries[] = {
    { "reports", 0, 0, G_OPTION_ARG_INT, &n_reports, "Reports in the store", "N" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Start-ups of each", "R" },
    { "keep-store", 0, 0, G_OPTION_ARG_FILENAME, &keep, "Keep both data folders in DIR", "DIR" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout_s, "Seconds a start-up may take (default 120)", "S" },
    { NULL }
  };
  Sample sample;
  double low, high, p_frame, e_frame, p_loaded, e_loaded;
  int status = 0;

  context = g_option_context_new ("PATH/TO/testigo");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc < 2 || runs < 1)
    {
      g_printerr ("%s\n", error ? error->message : "Give the path of testigo");
      return 2;
    }
  if (sodium_init () < 0)
    return 1;

  parent = keep ? g_strdup (keep) : g_dir_make_tmp ("testigo-bench-at-rest-XXXXXX", NULL);
  plain_dir = g_build_filename (parent, "plain", NULL);
  encrypted_dir = g_build_filename (parent, "encrypted", NULL);
  g_mkdir_with_parents (plain_dir, 0700);
  {
    g_autoptr(TgStore) store = tg_store_open (plain_dir, &error);
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
        g_print ("filled the store with %d reports in %.1f s\n", n_reports - (int) have,
                 (g_get_monotonic_time () - t0) / 1e6);
      }
    g_print ("plain store: %u reports in %s\n", tg_store_count_reports (store), plain_dir);
    tg_store_close (store);
  }
  if (!make_encrypted (plain_dir, encrypted_dir, &error))
    {
      g_printerr ("Could not make the encrypted copy: %s\n", error->message);
      return 1;
    }

  /* Unmeasured: the first start pays for the session bus and a cold
   * page cache. */
  if (!measure (argv[1], plain_dir, FALSE, &sample) ||
      !measure (argv[1], encrypted_dir, TRUE, &sample))
    {
      status = 1;
      goto out;
    }

  print_load ("before");
  for (int i = 0; i < runs; i++)
    {
      if (!measure (argv[1], plain_dir, FALSE, &sample))
        {
          status = 1;
          goto out;
        }
      g_array_append_val (plain, sample);
      if (!measure (argv[1], encrypted_dir, TRUE, &sample))
        {
          status = 1;
          goto out;
        }
      g_array_append_val (encrypted, sample);
    }
  print_load ("after");

  g_print ("\n%d start-ups of each, in turn, %d reports (median, lowest-highest):\n", runs, n_reports);
  p_frame = summarise (plain, G_STRUCT_OFFSET (Sample, frame_ms), &low, &high);
  g_print ("  plain:     first frame %.0f ms (%.0f-%.0f)", p_frame, low, high);
  p_loaded = summarise (plain, G_STRUCT_OFFSET (Sample, loaded_ms), &low, &high);
  g_print (", loaded %.0f ms (%.0f-%.0f)\n", p_loaded, low, high);
  e_frame = summarise (encrypted, G_STRUCT_OFFSET (Sample, frame_ms), &low, &high);
  g_print ("  encrypted: first frame %.0f ms (%.0f-%.0f)", e_frame, low, high);
  e_loaded = summarise (encrypted, G_STRUCT_OFFSET (Sample, loaded_ms), &low, &high);
  g_print (", loaded %.0f ms (%.0f-%.0f)\n", e_loaded, low, high);
  g_print ("  first frame, encrypted - plain: %+.0f ms (target within 100 ms): %s\n",
           e_frame - p_frame, e_frame - p_frame <= 100 ? "met" : "NOT MET");
  g_print ("  loaded, encrypted - plain: %+.0f ms\n", e_loaded - p_loaded);

  time_default_unlock (parent);
out:
  if (keep == NULL)
    {
      const char *rm[] = { "rm", "-rf", "--", parent, NULL };

      g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
    }
  return status;
}
