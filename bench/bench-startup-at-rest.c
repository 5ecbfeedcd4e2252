/* bench-startup-at-rest.c — the app's start-up, encrypted store against plain
 *
 *   bench-startup-at-rest [--reports N] [--runs R] [--keep-store DIR]
 *                         [--timeout S] PATH/TO/testigo PATH/TO/plain-testigo
 *
 * Fills a plain data folder with N demo reports (default 100,000),
 * compacts it (VACUUM, as the conversion's copy is written), copies it
 * and converts the copy as the app converts an old store
 * (tg_at_rest_migrate(): a vault, the store encrypted with its key), then
 * starts, R times (default 5) each, in turn, after one unmeasured start of
 * each:
 *
 *  - plain: plain-testigo on the plain folder. Today's testigo never
 *    opens a plain store (it asks for a passphrase and encrypts it
 *    first), so the plain side is a testigo built from the tree just
 *    before the app was wired to the encrypted store (7536491, the parent
 *    of 258db2c): bench/bench-startup-plain-base.sh builds it in a
 *    throwaway folder and prints its path.
 *  - encrypted: testigo on the encrypted folder, unlocked with
 *    $TESTIGO_PASSPHRASE, so no one types.
 *
 * Each prints the monotonic time of its first frame with the list, of
 * being loaded (docs/app.md, "Start-up benchmark") and of its "opening"
 * step (the main window made, the store about to be opened: after the
 * unlock on the encrypted side). This prints the medians, encrypted
 * against plain, with the target: the first frame within 100 ms of plain.
 *
 * What the encrypted first frame includes: reading the key file, Argon2id
 * at the cheapest cost (the vault here is made with it; the cost is
 * stored in the key file), the subkey, the keyed open (every page read
 * is decrypted) and the list's first rows. The unlock at the default
 * cost, a second of Argon2id that the person waits for after typing, the
 * same in every start-up, is not in it: it is timed once at the end, and
 * is bench-vault's subject (docs/benchmarks.md). "opening → first frame"
 * leaves out process start and the unlock on both sides.
 *
 * The load average is printed before and after: run it on an idle
 * machine, under Xvfb:
 *   xvfb-run -a -s '-screen 0 1280x800x24' env GSETTINGS_SCHEMA_DIR=build/data \
 *     build/bench/bench-startup-at-rest build/src/app/testigo \
 *     "$(bench/bench-startup-plain-base.sh)"
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib/gstdio.h>
#include <sodium.h>

#include "bench-startup-common.h"
#include "tg-at-rest-migrate.h"
#include "tg-sqlite.h"
#include "tg-vault.h"
#include "tg-vault-private.h"

#define PASSPHRASE "banco de pruebas de arranque"

static int timeout_s = 120;

/* One start-up of @testigo on @data_dir; FALSE (and a message) if it
 * printed no first frame, no load or no "opening". */
static gboolean
measure (const char *testigo,
         const char *data_dir,
         gboolean    encrypted,
         BenchStart *sample)
{
  const char *argv[] = { testigo, NULL };
  g_auto(GStrv) env = bench_start_environ (data_dir);

  if (encrypted)
    env = g_environ_setenv (env, "TESTIGO_PASSPHRASE", PASSPHRASE, TRUE);
  else
    env = g_environ_unsetenv (env, "TESTIGO_PASSPHRASE");
  return bench_start (argv, env, timeout_s, BENCH_START_LOADS | BENCH_START_MARKS,
                      encrypted ? "testigo on the encrypted store" : "plain-testigo on the plain store",
                      sample);
}

/* "opening → first frame" of each sample, in @samples' opening_ms. */
static GArray *
opening_to_frame (GArray *samples)
{
  GArray *out = g_array_copy (samples);

  for (guint i = 0; i < out->len; i++)
    {
      BenchStart *sample = &g_array_index (out, BenchStart, i);

      sample->opening_ms = sample->ms - sample->opening_ms;
    }
  return out;
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

/* The plain store rewritten whole (VACUUM), as the conversion writes the
 * encrypted one (VACUUM INTO): both sides then read a store laid out
 * afresh, not one side a store grown by 100,000 inserts. */
static gboolean
compact_plain (const char  *plain_dir,
               GError     **error)
{
  g_autofree char *path = g_build_filename (plain_dir, "testigo.db", NULL);
  TgSqlite *db = tg_sqlite_open (path, SQLITE_OPEN_READWRITE, error);
  gint64 t0 = g_get_monotonic_time ();
  char *message = NULL;
  gboolean ok;

  if (db == NULL)
    return FALSE;
  ok = sqlite3_exec (tg_sqlite_get_db (db), "PRAGMA wal_checkpoint(TRUNCATE); VACUUM;",
                     NULL, NULL, &message) == SQLITE_OK;
  if (!ok)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "VACUUM of %s: %s", path, message);
  sqlite3_free (message);
  tg_sqlite_close (db);
  if (ok)
    g_print ("compacted the plain store (VACUUM) in %.1f s\n", (g_get_monotonic_time () - t0) / 1e6);
  return ok;
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
  g_autoptr(GArray) plain = g_array_new (FALSE, FALSE, sizeof (BenchStart));
  g_autoptr(GArray) encrypted = g_array_new (FALSE, FALSE, sizeof (BenchStart));
  g_autoptr(GArray) plain_open = NULL;
  g_autoptr(GArray) encrypted_open = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) context = NULL;
  GOptionEntry entries[] = {
    { "reports", 0, 0, G_OPTION_ARG_INT, &n_reports, "Reports in the store", "N" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Start-ups of each", "R" },
    { "keep-store", 0, 0, G_OPTION_ARG_FILENAME, &keep, "Keep both data folders in DIR", "DIR" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout_s, "Seconds a start-up may take (default 120)", "S" },
    { NULL }
  };
  const char *testigo, *plain_testigo;
  BenchStart sample;
  double p_frame, e_frame, p_loaded, e_loaded, p_open, e_open;
  int status = 0;

  context = g_option_context_new ("PATH/TO/testigo PATH/TO/plain-testigo");
  g_option_context_set_summary (context,
                                "plain-testigo: a testigo that opens a plain store as it is, built from 7536491\n"
                                "(bench/bench-startup-plain-base.sh prints its path).");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc < 3 || runs < 1)
    {
      g_printerr ("%s\n", error ? error->message
                                : "Give the paths of testigo and of a plain-store testigo "
                                  "(bench/bench-startup-plain-base.sh builds it)");
      return 2;
    }
  testigo = argv[1];
  plain_testigo = argv[2];
  if (sodium_init () < 0)
    return 1;

  parent = keep ? g_strdup (keep) : g_dir_make_tmp ("testigo-bench-at-rest-XXXXXX", NULL);
  plain_dir = g_build_filename (parent, "plain", NULL);
  encrypted_dir = g_build_filename (parent, "encrypted", NULL);
  if (!bench_fill_store (plain_dir, n_reports, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  if (!compact_plain (plain_dir, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  if (!make_encrypted (plain_dir, encrypted_dir, &error))
    {
      g_printerr ("Could not make the encrypted copy: %s\n", error->message);
      return 1;
    }

  /* Unmeasured: the first start pays for the session bus and a cold
   * page cache. */
  if (!measure (plain_testigo, plain_dir, FALSE, &sample) ||
      !measure (testigo, encrypted_dir, TRUE, &sample))
    {
      status = 1;
      goto out;
    }

  bench_print_load ("before");
  for (int i = 0; i < runs; i++)
    {
      if (!measure (plain_testigo, plain_dir, FALSE, &sample))
        {
          status = 1;
          goto out;
        }
      g_array_append_val (plain, sample);
      if (!measure (testigo, encrypted_dir, TRUE, &sample))
        {
          status = 1;
          goto out;
        }
      g_array_append_val (encrypted, sample);
    }
  bench_print_load ("after");

  plain_open = opening_to_frame (plain);
  encrypted_open = opening_to_frame (encrypted);
  p_frame = bench_start_median (plain, G_STRUCT_OFFSET (BenchStart, ms), NULL, NULL);
  e_frame = bench_start_median (encrypted, G_STRUCT_OFFSET (BenchStart, ms), NULL, NULL);
  p_loaded = bench_start_median (plain, G_STRUCT_OFFSET (BenchStart, loaded_ms), NULL, NULL);
  e_loaded = bench_start_median (encrypted, G_STRUCT_OFFSET (BenchStart, loaded_ms), NULL, NULL);
  p_open = bench_start_median (plain_open, G_STRUCT_OFFSET (BenchStart, opening_ms), NULL, NULL);
  e_open = bench_start_median (encrypted_open, G_STRUCT_OFFSET (BenchStart, opening_ms), NULL, NULL);

  g_print ("\n%d start-ups of each, in turn, %d reports (median, lowest-highest):\n", runs, n_reports);
  g_print ("  plain (%s):\n", plain_testigo);
  {
    g_autofree char *frame = bench_start_describe (plain, G_STRUCT_OFFSET (BenchStart, ms));
    g_autofree char *loaded = bench_start_describe (plain, G_STRUCT_OFFSET (BenchStart, loaded_ms));
    g_autofree char *open = bench_start_describe (plain_open, G_STRUCT_OFFSET (BenchStart, opening_ms));

    g_autofree char *cpu = bench_start_describe (plain, G_STRUCT_OFFSET (BenchStart, cpu_ms));

    g_print ("    first frame %s, loaded %s, opening -> first frame %s\n", frame, loaded, open);
    g_print ("    processor time, start to exit after loaded: %s\n", cpu);
  }
  g_print ("  encrypted, unlocked at the cheapest Argon2id (%s):\n", testigo);
  {
    g_autofree char *frame = bench_start_describe (encrypted, G_STRUCT_OFFSET (BenchStart, ms));
    g_autofree char *loaded = bench_start_describe (encrypted, G_STRUCT_OFFSET (BenchStart, loaded_ms));
    g_autofree char *open = bench_start_describe (encrypted_open, G_STRUCT_OFFSET (BenchStart, opening_ms));

    g_autofree char *cpu = bench_start_describe (encrypted, G_STRUCT_OFFSET (BenchStart, cpu_ms));

    g_print ("    first frame %s, loaded %s, opening -> first frame %s\n", frame, loaded, open);
    g_print ("    processor time, start to exit after loaded: %s\n", cpu);
  }
  g_print ("  first frame, encrypted - plain: %+.0f ms (target within 100 ms): %s\n",
           e_frame - p_frame, e_frame - p_frame <= 100 ? "met" : "NOT MET");
  g_print ("  opening -> first frame, encrypted - plain: %+.0f ms\n", e_open - p_open);
  g_print ("  loaded, encrypted - plain: %+.0f ms\n", e_loaded - p_loaded);
  g_print ("  processor time, encrypted - plain: %+.0f ms\n",
           bench_start_median (encrypted, G_STRUCT_OFFSET (BenchStart, cpu_ms), NULL, NULL) -
           bench_start_median (plain, G_STRUCT_OFFSET (BenchStart, cpu_ms), NULL, NULL));
  g_print ("  resident at loaded: plain %.1f MB, encrypted %.1f MB (highest)\n",
           bench_start_max_mb (plain, G_STRUCT_OFFSET (BenchStart, loaded_rss_kb)),
           bench_start_max_mb (encrypted, G_STRUCT_OFFSET (BenchStart, loaded_rss_kb)));

  time_default_unlock (parent);
out:
  if (keep == NULL)
    {
      const char *rm[] = { "rm", "-rf", "--", parent, NULL };

      g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
    }
  return status;
}
