/* bench-vault.c — how long unlocking takes with the vault's Argon2id cost
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: bench-vault [ROUNDS]
 * Times Argon2id (libsodium's crypto_pwhash) for a few costs around the
 * default, then a real create and ROUNDS (default 3) unlocks of a vault
 * with the default cost, and prints the median unlock time and the peak
 * memory. Each Argon2id line gives the wall time and this thread's
 * processor time: on an idle machine the two agree; on a busy one the
 * processor time is what an idle laptop of the same speed would wait.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include <sodium.h>

#include "tg-test-common.h"
#include "tg-vault.h"
#include "tg-vault-private.h"

/* Processor time of this thread, in seconds: on a machine shared with
 * other work the wall clock says more about the others than about us. */
static double
cpu_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
time_pwhash (guint64  ops,
             gsize    mem,
             double  *wall,
             double  *cpu)
{
  guint8 out[32], salt[crypto_pwhash_SALTBYTES] = { 0 };
  gint64 start = g_get_monotonic_time ();
  double cpu_start = cpu_s ();

  g_assert_cmpint (crypto_pwhash (out, sizeof out, "correct horse", 13, salt, ops, mem,
                                  crypto_pwhash_ALG_ARGON2ID13), ==, 0);
  *wall = (g_get_monotonic_time () - start) / 1e6;
  *cpu = cpu_s () - cpu_start;
}

int
main (int   argc,
      char *argv[])
{
  static const struct { guint64 ops; gsize mib; } costs[] = {
    { 2, 64 }, { 3, 128 }, { 2, 256 }, { 3, 256 }, { 4, 256 }, { 3, 512 },
  };
  guint rounds = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 3;
  g_autofree char *dir = tg_test_make_tmp_dir ("testigo-bench-vault-XXXXXX");
  g_autoptr(TgVault) vault = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree double *times = g_new0 (double, MAX (rounds, 1));
  gint64 start;

  g_assert_cmpint (sodium_init (), >=, 0);
  g_print ("cores online: %u\n", g_get_num_processors ());
  {
    g_autofree char *load = NULL;

    if (g_file_get_contents ("/proc/loadavg", &load, NULL, NULL))
      g_print ("load average: %s", load);
  }
  for (guint i = 0; i < G_N_ELEMENTS (costs); i++)
    {
      double wall, cpu;

      time_pwhash (costs[i].ops, costs[i].mib * 1024 * 1024, &wall, &cpu);
      g_print ("argon2id ops=%" G_GUINT64_FORMAT " mem=%zu MiB: %.2f s wall, %.2f s processor\n",
               costs[i].ops, costs[i].mib, wall, cpu);
    }

  vault = tg_vault_new (dir);
  start = g_get_monotonic_time ();
  g_assert_true (tg_vault_create (vault, "correct horse battery staple", NULL, &error));
  g_assert_no_error (error);
  g_print ("create (default cost ops=%d mem=%zu MiB): %.2f s\n", TG_VAULT_DEFAULT_OPSLIMIT,
           TG_VAULT_DEFAULT_MEMLIMIT / (1024 * 1024), (g_get_monotonic_time () - start) / 1e6);

  for (guint i = 0; i < rounds; i++)
    {
      tg_vault_lock (vault);
      start = g_get_monotonic_time ();
      g_assert_true (tg_vault_unlock (vault, "correct horse battery staple", NULL, &error));
      g_assert_no_error (error);
      times[i] = (g_get_monotonic_time () - start) / 1e6;
    }
  qsort (times, rounds, sizeof (double), tg_test_compare_double);
  g_print ("unlock, median of %u: %.2f s (fastest %.2f s, slowest %.2f s)\n",
           rounds, times[rounds / 2], times[0], times[rounds - 1]);
  g_print ("peak RSS: %" G_GINT64_FORMAT " MiB\n", tg_test_peak_rss_kib () / 1024);

  tg_test_rm_rf (dir);
  return 0;
}
