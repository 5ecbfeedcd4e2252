/* test-at-rest-migrate.c — converting a plain data directory in place,
 * killed at any point
 *
 * A template data directory holds a vault (cheap Argon2id for the test),
 * a plain store of N_REPORTS reports and N_BLOBS plain blobs, every one
 * carrying planted words. Each round copies it, runs the conversion in a
 * child (`test-at-rest-migrate --migrate DIR`), which prints a line for
 * every progress step, and kills it with SIGKILL after a different line
 * each round (the first rounds before it even starts, the last after it
 * finished). Then: the store opens — plain without a key or encrypted
 * with it, whichever testigo.db is — with every report, and every blob
 * reads back its exact content. Then the conversion is resumed to the
 * end: the store is encrypted, nothing is left to do, no leftover file,
 * and no planted word is in any file of the directory.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "tg-at-rest-migrate.h"
#include "tg-blob-store.h"
#include "tg-sqlite.h"
#include "tg-store.h"
#include "tg-test-common.h"
#include "tg-vault.h"

#define ROUNDS     24
#define N_REPORTS  40
#define N_BLOBS    8
#define PASSPHRASE "correct horse battery staple"

static const char *const planted[] = { "Xochitl Quetzalli", "machete", "Ixcanul" };
static const char *self_path;

static void
print_progress (goffset  done,
                goffset  total,
                gpointer user_data)
{
  printf ("progress %.6f\n", total > 0 ? (double) done / (double) total : 1.0);
  fflush (stdout);
}

static int
run_migrate (const char *dir)
{
  g_autoptr(TgVault) vault = tg_vault_new (dir);
  g_autoptr(GError) error = NULL;
  /* Every step, in this thread: each line is a point to be killed at. */
  g_autoptr(TgProgress) progress = tg_progress_new (print_progress, NULL, NULL, NULL, 0);

  if (!tg_vault_unlock (vault, PASSPHRASE, NULL, &error) ||
      !tg_at_rest_migrate (dir, vault, progress, NULL, &error))
    {
      fprintf (stderr, "migrate: %s\n", error->message);
      return 1;
    }
  printf ("done\n");
  fflush (stdout);
  return 0;
}

static GBytes *
blob_content (guint i)
{
  GString *s = g_string_new (NULL);

  /* From 1 KiB to some 300 KiB: several overwrite chunks for the largest. */
  while (s->len < 1024 + i * i * 5000)
    g_string_append_printf (s, "%s %s %s %u\n", planted[0], planted[1], planted[2], i);
  return g_string_free_to_bytes (s);
}

static char *
make_template (void)
{
  char *dir = tg_test_make_tmp_dir ("testigo-at-rest-XXXXXX");
  g_autoptr(TgVault) vault = tg_vault_new (dir);
  g_autoptr(TgStore) store = NULL;
  g_autoptr(TgBlobStore) blobs = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *blob_dir = g_build_filename (dir, "blobs", NULL);

  tg_vault_set_kdf_limits (vault, 1, 8 * 1024 * 1024);
  g_assert_true (tg_vault_create (vault, PASSPHRASE, NULL, &error));
  g_assert_no_error (error);

  store = tg_store_open (dir, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < N_REPORTS; i++)
    {
      g_autoptr(TgReport) report = tg_report_new ();
      g_autoptr(TgRevision) revision = NULL;
      g_autofree char *title = g_strdup_printf ("%s %u", planted[2], i);

      tg_report_set_title (report, title);
      tg_report_set_narrative (report, planted[1]);
      revision = tg_store_save_report (store, report, &error);
      g_assert_no_error (error);
    }
  g_clear_object (&store);

  blobs = tg_blob_store_new (blob_dir);
  for (guint i = 0; i < N_BLOBS; i++)
    {
      g_autoptr(GBytes) bytes = blob_content (i);
      g_autoptr(TgBlobInfo) info = tg_blob_store_import_bytes (blobs, bytes, "notes.txt", &error);

      g_assert_no_error (error);
      g_assert_nonnull (info);
    }
  return dir;
}

static void
copy_dir (const char *from,
          const char *to)
{
  const char *argv[] = { "cp", "-a", from, to, NULL };
  g_autoptr(GError) error = NULL;
  int status;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

static TgVault *
unlocked_vault (const char *dir)
{
  TgVault *vault = tg_vault_new (dir);
  g_autoptr(GError) error = NULL;

  g_assert_true (tg_vault_unlock (vault, PASSPHRASE, NULL, &error));
  g_assert_no_error (error);
  return vault;
}

/* One store readable and complete, every blob as it was. */
static void
assert_readable_and_complete (const char *dir,
                              TgVault    *vault,
                              gboolean   *was_plain)
{
  g_autofree char *db_path = g_build_filename (dir, "testigo.db", NULL);
  g_autofree char *blob_dir = g_build_filename (dir, "blobs", NULL);
  g_autoptr(TgStore) store = NULL;
  g_autoptr(TgBlobStore) blobs = NULL;
  g_autoptr(GError) error = NULL;

  *was_plain = tg_sqlite_file_is_plain (db_path);
  if (*was_plain)
    store = tg_store_open (dir, &error);
  else
    {
      guint8 key[TG_SQLITE_KEY_SIZE];

      g_assert_true (tg_vault_derive_subkey (vault, TG_VAULT_PURPOSE_STORE, key, &error));
      store = tg_store_open_keyed (dir, key, &error);
      sodium_memzero (key, sizeof key);
    }
  g_assert_no_error (error);
  g_assert_nonnull (store);
  g_assert_cmpuint (tg_store_count_reports (store), ==, N_REPORTS);
  g_clear_object (&store);

  blobs = tg_blob_store_new (blob_dir);
  tg_blob_store_set_vault (blobs, vault);
  for (guint i = 0; i < N_BLOBS; i++)
    {
      g_autoptr(GBytes) expected = blob_content (i);
      g_autofree char *sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, expected);
      g_autoptr(GBytes) got = tg_blob_store_load_bytes (blobs, sha256, 16 * 1024 * 1024, NULL, &error);

      g_assert_no_error (error);
      g_assert_true (g_bytes_equal (got, expected));
    }
}

static guint
count_planted_in_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint found = 0;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        found += count_planted_in_dir (path);
      else
        found += tg_test_count_words_in_file (path, planted, G_N_ELEMENTS (planted));
    }
  return found;
}

/* Runs the child, kills it after @kill_after progress lines (G_MAXUINT:
 * never). Returns the number of lines it printed. */
static guint
run_child_and_kill (const char *dir,
                    guint       kill_after,
                    gboolean   *finished)
{
  const char *argv[] = { self_path, "--migrate", dir, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOChannel) channel = NULL;
  GPid pid;
  int out_fd, status;
  guint lines = 0;
  char *line = NULL;

  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                           NULL, NULL, &pid, NULL, &out_fd, NULL, &error));
  g_assert_no_error (error);
  channel = g_io_channel_unix_new (out_fd);
  g_io_channel_set_close_on_unref (channel, TRUE);
  *finished = FALSE;

  if (kill_after == 0)
    kill (pid, SIGKILL);
  while (g_io_channel_read_line (channel, &line, NULL, NULL, NULL) == G_IO_STATUS_NORMAL)
    {
      if (g_str_has_prefix (line, "done"))
        *finished = TRUE;
      else
        lines++;
      g_free (line);
      if (lines == kill_after)
        kill (pid, SIGKILL);
    }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_spawn_close_pid (pid);
  if (!*finished)
    g_assert_true (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
  return lines;
}

static void
test_sigkill (void)
{
  g_autofree char *template = make_template ();
  g_autofree char *parent = tg_test_make_tmp_dir ("testigo-at-rest-rounds-XXXXXX");
  guint n_lines = 0;
  guint killed_plain = 0, killed_encrypted = 0, finished_rounds = 0;

  /* Once through without a kill: how many steps there are. */
  {
    g_autofree char *dir = g_build_filename (parent, "full", NULL);
    gboolean finished;

    copy_dir (template, dir);
    n_lines = run_child_and_kill (dir, G_MAXUINT, &finished);
    g_assert_true (finished);
    g_assert_cmpuint (n_lines, >=, 2 * N_BLOBS);
    g_test_message ("a full conversion prints %u progress lines", n_lines);
    tg_test_rm_rf (dir);
  }

  for (guint round = 0; round < ROUNDS; round++)
    {
      g_autofree char *name = g_strdup_printf ("round-%u", round);
      g_autofree char *dir = g_build_filename (parent, name, NULL);
      g_autofree char *db_path = g_build_filename (dir, "testigo.db", NULL);
      g_autofree char *leftover = g_build_filename (dir, "testigo.db.plain", NULL);
      g_autofree char *wipe_dir = g_build_filename (dir, "at-rest-wipe", NULL);
      g_autoptr(TgVault) vault = NULL;
      g_autoptr(GError) error = NULL;
      /* Spread over every step, from before the first to after the last. */
      guint kill_after = round * (n_lines + 1) / (ROUNDS - 1);
      gboolean finished, was_plain;

      copy_dir (template, dir);
      run_child_and_kill (dir, kill_after, &finished);
      finished_rounds += finished;

      vault = unlocked_vault (dir);
      assert_readable_and_complete (dir, vault, &was_plain);
      if (!finished)
        {
          if (was_plain)
            killed_plain++;
          else
            killed_encrypted++;
        }

      /* Resumed to the end. */
      g_assert_true (tg_at_rest_migrate (dir, vault, NULL, NULL, &error));
      g_assert_no_error (error);
      g_assert_false (tg_at_rest_needs_migration (dir));
      g_assert_false (tg_sqlite_file_is_plain (db_path));
      g_assert_false (g_file_test (leftover, G_FILE_TEST_EXISTS));
      g_assert_false (g_file_test (wipe_dir, G_FILE_TEST_EXISTS));
      assert_readable_and_complete (dir, vault, &was_plain);
      g_assert_false (was_plain);
      g_assert_cmpuint (count_planted_in_dir (dir), ==, 0);
      tg_test_rm_rf (dir);
    }

  g_test_message ("%u rounds killed with the plain store live, %u with the encrypted one, "
                  "%u finished first", killed_plain, killed_encrypted, finished_rounds);
  /* The kills fell on both sides of the switch. */
  g_assert_cmpuint (killed_plain, >, 0);
  g_assert_cmpuint (killed_encrypted, >, 0);
  g_assert_cmpuint (killed_plain + killed_encrypted, >=, 20);

  /* The template itself is found by the scan: it can fail. */
  g_assert_cmpuint (count_planted_in_dir (template), >, 0);
  tg_test_rm_rf (template);
  tg_test_rm_rf (parent);
}

typedef struct
{
  GThread *thread;     /* the test's: where every report must arrive */
  GArray  *done;       /* goffset, each report's */
  goffset  total;
  gboolean elsewhere;  /* a report arrived in another thread */
  gboolean total_changed;
} Seen;

static void
progress_cb (goffset  done,
             goffset  total,
             gpointer user_data)
{
  Seen *seen = user_data;

  if (g_thread_self () != seen->thread)
    seen->elsewhere = TRUE;
  if (seen->done->len > 0 && total != seen->total)
    seen->total_changed = TRUE;
  seen->total = total;
  g_array_append_val (seen->done, done);
}

static void
migrated_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (tg_at_rest_migrate_finish (result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static void
test_async_progress (void)
{
  g_autofree char *dir = make_template ();
  g_autoptr(TgVault) vault = unlocked_vault (dir);
  g_autoptr(GArray) reports = g_array_new (FALSE, FALSE, sizeof (goffset));
  Seen seen = { g_thread_self (), reports, 0, FALSE, FALSE };
  gboolean done = FALSE, was_plain;

  g_assert_true (tg_at_rest_needs_migration (dir));
  tg_at_rest_migrate_async (dir, vault, progress_cb, &seen, NULL, migrated_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  /* Reports queued before the result may still be pending. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  /* Reports are throttled (TgProgress), so their number depends on the
   * machine's speed: at least the first and the forced last, every one
   * in this thread, never going back, ending with all of it done. */
  g_assert_false (seen.elsewhere);
  g_assert_false (seen.total_changed);
  g_assert_cmpuint (reports->len, >=, 2);
  g_assert_cmpint (seen.total, >, 0);
  for (guint i = 1; i < reports->len; i++)
    g_assert_cmpint (g_array_index (reports, goffset, i), >=, g_array_index (reports, goffset, i - 1));
  g_assert_cmpint (g_array_index (reports, goffset, reports->len - 1), ==, seen.total);
  assert_readable_and_complete (dir, vault, &was_plain);
  g_assert_false (was_plain);
  tg_test_rm_rf (dir);
}

static void
test_locked_changes_nothing (void)
{
  g_autofree char *dir = make_template ();
  g_autofree char *db_path = g_build_filename (dir, "testigo.db", NULL);
  g_autoptr(TgVault) vault = tg_vault_new (dir);
  g_autoptr(GError) error = NULL;

  g_assert_false (tg_at_rest_migrate (dir, vault, NULL, NULL, &error));
  g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_LOCKED);
  g_assert_true (tg_sqlite_file_is_plain (db_path));
  g_assert_cmpuint (count_planted_in_dir (dir), >, 0);
  tg_test_rm_rf (dir);
}

/* What testigo.db is, from its first bytes: none, plain, or opaque (an
 * encrypted store or a file that is not a database); plain again after
 * nothing but before the conversion, opaque after it. */
static void
test_store_kind (void)
{
  g_autofree char *dir = make_template ();
  g_autofree char *empty = tg_test_make_tmp_dir ("testigo-at-rest-kind-XXXXXX");
  g_autofree char *db_path = g_build_filename (empty, "testigo.db", NULL);
  g_autoptr(TgVault) vault = tg_vault_new (dir);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (tg_at_rest_store_kind (empty), ==, TG_AT_REST_STORE_NONE);
  g_assert_true (g_file_set_contents (db_path, "", 0, NULL));
  g_assert_cmpint (tg_at_rest_store_kind (empty), ==, TG_AT_REST_STORE_NONE);
  g_assert_true (g_file_set_contents (db_path, "SQLite format 2\0 and then some bytes", -1, NULL));
  g_assert_cmpint (tg_at_rest_store_kind (empty), ==, TG_AT_REST_STORE_OPAQUE);

  g_assert_cmpint (tg_at_rest_store_kind (dir), ==, TG_AT_REST_STORE_PLAIN);
  tg_vault_set_kdf_limits (vault, 1, 8 * 1024 * 1024);
  g_assert_true (tg_vault_unlock (vault, PASSPHRASE, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (tg_at_rest_migrate (dir, vault, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tg_at_rest_store_kind (dir), ==, TG_AT_REST_STORE_OPAQUE);
  tg_test_rm_rf (dir);
  tg_test_rm_rf (empty);
}

int
main (int   argc,
      char *argv[])
{
  self_path = argv[0];
  if (argc == 3 && g_str_equal (argv[1], "--migrate"))
    return run_migrate (argv[2]);

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/at-rest-migrate/sigkill", test_sigkill);
  g_test_add_func ("/at-rest-migrate/async-progress", test_async_progress);
  g_test_add_func ("/at-rest-migrate/locked", test_locked_changes_nothing);
  g_test_add_func ("/at-rest-migrate/store-kind", test_store_kind);
  return g_test_run ();
}
