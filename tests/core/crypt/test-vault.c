/* test-vault.c — the data key: create, unlock, lock, change, erase
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Argon2id runs with a small cost here (tg_vault_set_kdf_limits) so the
 * suite stays quick; the cost itself is bench-vault's subject.
 */
#define _GNU_SOURCE 1   /* memmem */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sodium.h>

#include "tg-test-common.h"
#include "tg-vault.h"
#include "tg-vault-private.h"

#define PASS   "correct horse battery staple"
#define OTHER  "Tr0ub4dor&3"
#define ERASE  "the owls are not what they seem"
#define TEST_OPS 1
#define TEST_MEM (8 * 1024 * 1024)

static gint64 fake_now = 1700000000;

static gint64
fake_clock (void)
{
  return fake_now;
}

typedef struct
{
  char    *dir;
  char    *key_path;
  TgVault *vault;
} Fixture;

static TgVault *
open_vault (const char *dir)
{
  TgVault *vault = tg_vault_new (dir);

  tg_vault_set_kdf_limits (vault, TEST_OPS, TEST_MEM);
  tg_vault_set_clock_for_testing (vault, fake_clock);
  return vault;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = tg_test_make_tmp_dir ("testigo-vault-XXXXXX");
  f->key_path = g_build_filename (f->dir, TG_VAULT_KEY_FILE, NULL);
  f->vault = open_vault (f->dir);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->vault);
  tg_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->key_path);
}

static GBytes *
read_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  return g_bytes_new_take (contents, len);
}

static void
create (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tg_vault_create (f->vault, PASS, NULL, &error));
  g_assert_no_error (error);
}

static void
subkey (TgVault        *vault,
        TgVaultPurpose  purpose,
        guint8         *out)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tg_vault_derive_subkey (vault, purpose, out, &error));
  g_assert_no_error (error);
}

/* ------------------------------------------------------------------------- */

static void
test_create_unlock_lock (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgVault) again = NULL;
  guint8 blobs[32], store[32], blobs_again[32], key[32];
  GStatBuf st;
  guint generation;

  g_assert_cmpint (tg_vault_get_state (f->vault), ==, TG_VAULT_STATE_NONE);
  g_assert_false (tg_vault_unlock (f->vault, PASS, NULL, &error));
  g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_NO_KEY);
  g_clear_error (&error);
  g_assert_false (tg_vault_create (f->vault, "", NULL, &error));
  g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_WEAK_PASSPHRASE);
  g_clear_error (&error);

  create (f);
  g_assert_cmpint (tg_vault_get_state (f->vault), ==, TG_VAULT_STATE_UNLOCKED);
  g_assert_cmpint (g_stat (f->key_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (st.st_size, ==, 224);
  g_assert_false (tg_vault_create (f->vault, PASS, NULL, &error));
  g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_EXISTS);
  g_clear_error (&error);

  /* The key file holds neither the passphrase nor the data key. */
  {
    g_autoptr(GBytes) file = read_file (f->key_path);

    g_assert_true (tg_vault_peek_key_for_testing (f->vault, key));
    g_assert_null (memmem (g_bytes_get_data (file, NULL), g_bytes_get_size (file), key, sizeof key));
    g_assert_null (memmem (g_bytes_get_data (file, NULL), g_bytes_get_size (file), PASS, strlen (PASS)));
  }

  subkey (f->vault, TG_VAULT_PURPOSE_BLOBS, blobs);
  subkey (f->vault, TG_VAULT_PURPOSE_STORE, store);
  g_assert_cmpmem (blobs, 32, blobs, 32);
  g_assert_true (memcmp (blobs, store, 32) != 0);   /* one key per purpose */
  g_assert_true (memcmp (blobs, key, 32) != 0);     /* and none is the data key */

  generation = tg_vault_get_generation (f->vault);
  tg_vault_lock (f->vault);
  g_assert_cmpint (tg_vault_get_state (f->vault), ==, TG_VAULT_STATE_LOCKED);
  g_assert_cmpuint (tg_vault_get_generation (f->vault), !=, generation);
  /* Locked: no key held, no subkey to be had. */
  g_assert_false (tg_vault_peek_key_for_testing (f->vault, key));
  g_assert_false (tg_vault_derive_subkey (f->vault, TG_VAULT_PURPOSE_BLOBS, blobs_again, &error));
  g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_LOCKED);
  g_clear_error (&error);

  /* A restart finds it locked; the passphrase gives back the same key. */
  again = open_vault (f->dir);
  g_assert_cmpint (tg_vault_get_state (again), ==, TG_VAULT_STATE_LOCKED);
  g_assert_true (tg_vault_unlock (again, PASS, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tg_vault_get_state (again), ==, TG_VAULT_STATE_UNLOCKED);
  subkey (again, TG_VAULT_PURPOSE_BLOBS, blobs_again);
  g_assert_cmpmem (blobs, 32, blobs_again, 32);
}

static void
test_wrong_passphrase (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;
  g_autoptr(TgVault) restarted = NULL;

  create (f);
  tg_vault_lock (f->vault);
  before = read_file (f->key_path);

  for (guint i = 1; i <= TG_VAULT_FREE_ATTEMPTS; i++)
    {
      g_assert_false (tg_vault_unlock (f->vault, OTHER, NULL, &error));
      g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_WRONG_PASSPHRASE);
      g_clear_error (&error);
      g_assert_cmpint (tg_vault_get_state (f->vault), ==, TG_VAULT_STATE_LOCKED);
      g_assert_cmpuint (tg_vault_get_failed_attempts (f->vault), ==, i);
    }
  /* Nothing changed: the key file is the same, byte for byte. */
  after = read_file (f->key_path);
  g_assert_true (g_bytes_equal (before, after));

  /* The count survives a restart, and so does the wait. */
  restarted = open_vault (f->dir);
  g_assert_cmpuint (tg_vault_get_failed_attempts (restarted), ==, TG_VAULT_FREE_ATTEMPTS);
  g_assert_cmpuint (tg_vault_get_retry_after (restarted), ==, 15);
  g_assert_false (tg_vault_unlock (restarted, PASS, NULL, &error));
  g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_RATE_LIMITED);
  g_assert_nonnull (strstr (error->message, "15 seconds"));
  g_clear_error (&error);
  g_assert_cmpint (tg_vault_get_state (restarted), ==, TG_VAULT_STATE_LOCKED);
  g_assert_cmpuint (tg_vault_get_failed_attempts (restarted), ==, TG_VAULT_FREE_ATTEMPTS);

  /* After the wait, a wrong one doubles the next wait... */
  fake_now += 15;
  g_assert_false (tg_vault_unlock (restarted, OTHER, NULL, &error));
  g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_WRONG_PASSPHRASE);
  g_assert_nonnull (strstr (error->message, "30 seconds"));
  g_clear_error (&error);
  g_assert_cmpuint (tg_vault_get_retry_after (restarted), ==, 30);

  /* ...and the right one, once allowed, unlocks and clears the count. */
  fake_now += 30;
  g_assert_true (tg_vault_unlock (restarted, PASS, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tg_vault_get_failed_attempts (restarted), ==, 0);
  g_assert_cmpuint (tg_vault_get_retry_after (restarted), ==, 0);

  /* A count file cut short counts as the limit reached, not as zero. */
  tg_vault_lock (restarted);
  {
    g_autofree char *path = g_build_filename (f->dir, TG_VAULT_ATTEMPTS_FILE, NULL);

    g_assert_true (g_file_set_contents (path, "x", 1, NULL));
    g_assert_cmpuint (tg_vault_get_failed_attempts (restarted), ==, TG_VAULT_FREE_ATTEMPTS);
    g_assert_false (tg_vault_unlock (restarted, PASS, NULL, &error));
    g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_RATE_LIMITED);
    g_clear_error (&error);
    g_unlink (path);
  }
}

static void
test_change_passphrase (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;
  g_autoptr(TgVault) again = NULL;
  guint8 blobs[32], blobs_again[32];

  create (f);
  subkey (f->vault, TG_VAULT_PURPOSE_BLOBS, blobs);
  before = read_file (f->key_path);

  g_assert_false (tg_vault_change_passphrase (f->vault, OTHER, "new one", NULL, &error));
  g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_WRONG_PASSPHRASE);
  g_clear_error (&error);
  after = read_file (f->key_path);
  g_assert_true (g_bytes_equal (before, after));
  g_assert_cmpuint (tg_vault_get_failed_attempts (f->vault), ==, 1);

  g_assert_true (tg_vault_change_passphrase (f->vault, PASS, "new one", NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tg_vault_get_failed_attempts (f->vault), ==, 0);

  again = open_vault (f->dir);
  g_assert_false (tg_vault_unlock (again, PASS, NULL, &error));
  g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_WRONG_PASSPHRASE);
  g_clear_error (&error);
  g_assert_true (tg_vault_unlock (again, "new one", NULL, &error));
  g_assert_no_error (error);
  /* Rewrapped only: the data key, hence every subkey, is the same. */
  subkey (again, TG_VAULT_PURPOSE_BLOBS, blobs_again);
  g_assert_cmpmem (blobs, 32, blobs_again, 32);

  /* Locked, it refuses. */
  tg_vault_lock (again);
  g_assert_false (tg_vault_change_passphrase (again, "new one", PASS, NULL, &error));
  g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_LOCKED);
}

static void
plant_data (const char *dir)
{
  g_autofree char *db = g_build_filename (dir, "testigo.db", NULL);
  g_autofree char *wal = g_build_filename (dir, "testigo.db-wal", NULL);
  g_autofree char *blobs = g_build_filename (dir, "blobs", "ab", NULL);
  g_autofree char *blob = g_build_filename (blobs, "cdef", NULL);
  g_autofree char *maps = g_build_filename (dir, "maps", NULL);
  g_autofree char *map = g_build_filename (maps, "region.mbtiles", NULL);

  g_assert_true (g_file_set_contents (db, "db", -1, NULL));
  g_assert_true (g_file_set_contents (wal, "wal", -1, NULL));
  g_assert_cmpint (g_mkdir_with_parents (blobs, 0700), ==, 0);
  g_assert_true (g_file_set_contents (blob, "blob", -1, NULL));
  g_assert_cmpint (g_mkdir_with_parents (maps, 0700), ==, 0);
  g_assert_true (g_file_set_contents (map, "map", -1, NULL));
}

static gboolean
fresh_install (const char *dir)
{
  static const char * const gone[] = {
    TG_VAULT_KEY_FILE, TG_VAULT_ATTEMPTS_FILE, "testigo.db", "testigo.db-wal", "blobs",
  };

  for (guint i = 0; i < G_N_ELEMENTS (gone); i++)
    {
      g_autofree char *path = g_build_filename (dir, gone[i], NULL);

      if (g_file_test (path, G_FILE_TEST_EXISTS))
        return FALSE;
    }
  return TRUE;
}

static void
erased_cb (TgVault  *vault,
           gboolean *flag)
{
  *flag = TRUE;
}

static void
test_erase (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *map = g_build_filename (f->dir, "maps", "region.mbtiles", NULL);
  g_autoptr(TgVault) again = NULL;
  gboolean erased = FALSE;

  create (f);
  plant_data (f->dir);
  g_signal_connect (f->vault, "erased", G_CALLBACK (erased_cb), &erased);
  g_assert_true (tg_vault_erase (f->vault, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tg_vault_get_state (f->vault), ==, TG_VAULT_STATE_NONE);
  g_assert_true (fresh_install (f->dir));
  tg_test_iterate_until_set (&erased, 5000, "the erased signal");
  /* Maps are not the monitor's records: they stay. */
  g_assert_true (g_file_test (map, G_FILE_TEST_EXISTS));

  /* The old passphrase opens nothing; a new start is possible. */
  again = open_vault (f->dir);
  g_assert_cmpint (tg_vault_get_state (again), ==, TG_VAULT_STATE_NONE);
  g_assert_false (tg_vault_unlock (again, PASS, NULL, &error));
  g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_NO_KEY);
  g_clear_error (&error);
  g_assert_true (tg_vault_create (again, OTHER, NULL, &error));
  g_assert_no_error (error);
}

static void
test_erase_passphrase (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GBytes) armed = NULL;
  g_autoptr(TgVault) again = NULL;
  gboolean erased = FALSE;

  create (f);
  plain = read_file (f->key_path);

  /* With none set, any other passphrase is only a wrong one. */
  tg_vault_lock (f->vault);
  g_assert_false (tg_vault_unlock (f->vault, ERASE, NULL, &error));
  g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_WRONG_PASSPHRASE);
  g_clear_error (&error);
  g_assert_true (tg_vault_unlock (f->vault, PASS, NULL, &error));
  g_assert_no_error (error);

  g_assert_false (tg_vault_set_erase_passphrase (f->vault, PASS, NULL, &error));
  g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_WEAK_PASSPHRASE);
  g_clear_error (&error);

  g_assert_true (tg_vault_set_erase_passphrase (f->vault, ERASE, NULL, &error));
  g_assert_no_error (error);
  armed = read_file (f->key_path);
  /* The same size and header; only the second slot differs. */
  g_assert_cmpuint (g_bytes_get_size (armed), ==, g_bytes_get_size (plain));
  g_assert_cmpmem (g_bytes_get_data (armed, NULL), 136, g_bytes_get_data (plain, NULL), 136);
  g_assert_true (memcmp ((const guint8 *) g_bytes_get_data (armed, NULL) + 136,
                         (const guint8 *) g_bytes_get_data (plain, NULL) + 136, 88) != 0);

  /* The passphrase still unlocks; a change of it keeps the erase one. */
  g_assert_true (tg_vault_change_passphrase (f->vault, PASS, OTHER, NULL, &error));
  g_assert_no_error (error);

  plant_data (f->dir);
  tg_vault_lock (f->vault);
  again = open_vault (f->dir);
  g_signal_connect (again, "erased", G_CALLBACK (erased_cb), &erased);
  g_assert_false (tg_vault_unlock (again, ERASE, NULL, &error));
  g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_ERASED);
  g_clear_error (&error);
  g_assert_cmpint (tg_vault_get_state (again), ==, TG_VAULT_STATE_NONE);
  g_assert_true (fresh_install (f->dir));
  tg_test_iterate_until_set (&erased, 5000, "the erased signal");
}

static void
test_clear_erase_passphrase (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  create (f);
  g_assert_true (tg_vault_set_erase_passphrase (f->vault, ERASE, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (tg_vault_set_erase_passphrase (f->vault, NULL, NULL, &error));
  g_assert_no_error (error);
  tg_vault_lock (f->vault);
  g_assert_false (tg_vault_unlock (f->vault, ERASE, NULL, &error));
  g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_WRONG_PASSPHRASE);
  g_clear_error (&error);
  g_assert_true (g_file_test (f->key_path, G_FILE_TEST_EXISTS));
}

static void
test_corrupt_key_file (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) good = NULL;
  g_autofree char *attempts = g_build_filename (f->dir, TG_VAULT_ATTEMPTS_FILE, NULL);
  guint8 bytes[224];

  create (f);
  tg_vault_lock (f->vault);
  good = read_file (f->key_path);
  memcpy (bytes, g_bytes_get_data (good, NULL), sizeof bytes);

  /* Cut short. */
  g_assert_true (g_file_set_contents (f->key_path, (const char *) bytes, 100, NULL));
  g_assert_false (tg_vault_unlock (f->vault, PASS, NULL, &error));
  g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_CORRUPT);
  g_clear_error (&error);

  /* Not ours. */
  g_assert_true (g_file_set_contents (f->key_path, "hello, world", -1, NULL));
  g_assert_false (tg_vault_unlock (f->vault, PASS, NULL, &error));
  g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_CORRUPT);
  g_clear_error (&error);

  /* From a later version. */
  bytes[8] = 2;
  g_assert_true (g_file_set_contents (f->key_path, (const char *) bytes, sizeof bytes, NULL));
  g_assert_false (tg_vault_unlock (f->vault, PASS, NULL, &error));
  g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_TOO_NEW);
  g_clear_error (&error);
  bytes[8] = 1;

  /* A changed salt (or cost) fails authentication, like a wrong passphrase. */
  bytes[40] ^= 1;
  g_assert_true (g_file_set_contents (f->key_path, (const char *) bytes, sizeof bytes, NULL));
  g_assert_false (tg_vault_unlock (f->vault, PASS, NULL, &error));
  g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_WRONG_PASSPHRASE);
  g_clear_error (&error);
  bytes[40] ^= 1;

  /* A flipped bit in the wrapped key, likewise. */
  bytes[100] ^= 0x80;
  g_assert_true (g_file_set_contents (f->key_path, (const char *) bytes, sizeof bytes, NULL));
  g_assert_false (tg_vault_unlock (f->vault, PASS, NULL, &error));
  g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_WRONG_PASSPHRASE);
  g_clear_error (&error);
  g_unlink (attempts);

  /* Put back, it opens. */
  g_assert_true (g_file_set_contents (f->key_path, g_bytes_get_data (good, NULL),
                                      g_bytes_get_size (good), NULL));
  g_assert_true (tg_vault_unlock (f->vault, PASS, NULL, &error));
  g_assert_no_error (error);
}

/* A passphrase change killed at random points, 20 times: the key file
 * opens afterwards with the old passphrase or the new one. */
static void
test_atomic_key_file (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *attempts = g_build_filename (f->dir, TG_VAULT_ATTEMPTS_FILE, NULL);
  guint rounds = 20, old_seen = 0, new_seen = 0;

  create (f);
  g_clear_object (&f->vault);

  for (guint round = 0; round < rounds; round++)
    {
      int status = 0;
      pid_t pid;
      int pipefd[2];
      char ready;

      g_assert_cmpint (pipe (pipefd), ==, 0);
      pid = fork ();
      g_assert_cmpint (pid, >=, 0);
      if (pid == 0)
        {
          /* Flip between the two passphrases for ever. */
          g_autoptr(TgVault) child = open_vault (f->dir);
          const char *now = PASS, *next = OTHER;

          close (pipefd[0]);
          if (!tg_vault_unlock (child, PASS, NULL, NULL) &&
              !tg_vault_unlock (child, OTHER, NULL, NULL))
            _exit (3);
          if (tg_vault_unlock (child, OTHER, NULL, NULL))
            now = OTHER, next = PASS;
          g_unlink (attempts);
          if (write (pipefd[1], "r", 1) != 1)
            _exit (4);
          for (;;)
            {
              const char *t;

              if (!tg_vault_change_passphrase (child, now, next, NULL, NULL))
                _exit (5);
              t = now, now = next, next = t;
              /* one byte for each change done */
              if (write (pipefd[1], "c", 1) != 1)
                _exit (6);
            }
        }
      close (pipefd[1]);
      g_assert_cmpint (read (pipefd[0], &ready, 1), ==, 1);
      /* Wait for 0 to 2 changes to be done, then kill the child at a
       * varying point of the next one. */
      for (guint done = 0; done < round % 3; done++)
        g_assert_cmpint (read (pipefd[0], &ready, 1), ==, 1);
      g_usleep (g_random_int_range (0, 5000));
      kill (pid, SIGKILL);
      close (pipefd[0]);
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      g_assert_true (WIFSIGNALED (status));

      {
        g_autoptr(TgVault) after = open_vault (f->dir);
        g_autoptr(GError) error = NULL;

        g_unlink (attempts);
        g_assert_cmpint (tg_vault_get_state (after), ==, TG_VAULT_STATE_LOCKED);
        if (tg_vault_unlock (after, PASS, NULL, &error))
          old_seen++;
        else
          {
            g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_WRONG_PASSPHRASE);
            g_clear_error (&error);
            g_assert_true (tg_vault_unlock (after, OTHER, NULL, &error));
            g_assert_no_error (error);
            new_seen++;
          }
        g_unlink (attempts);
      }
    }
  g_test_message ("after %u kills: %u opened with the first passphrase, %u with the second",
                  rounds, old_seen, new_seen);
  g_assert_cmpuint (old_seen + new_seen, ==, rounds);
}

static void
state_notify_cb (TgVault    *vault,
                 GParamSpec *pspec,
                 guint      *notified)
{
  (*notified)++;
}

static void
test_async (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint notified = 0;

  g_signal_connect (f->vault, "notify::state", G_CALLBACK (state_notify_cb), &notified);
  tg_vault_create_async (f->vault, PASS, NULL, tg_test_keep_result_cb, &result);
  tg_test_await_result (&result, 30000, "the vault to be created");
  g_assert_true (tg_vault_create_finish (f->vault, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  tg_test_iterate_pending ();
  g_assert_cmpuint (notified, ==, 1);

  tg_vault_lock (f->vault);
  tg_test_iterate_pending ();
  g_assert_cmpuint (notified, ==, 2);

  tg_vault_unlock_async (f->vault, OTHER, NULL, tg_test_keep_result_cb, &result);
  tg_test_await_result (&result, 30000, "the wrong passphrase to be refused");
  g_assert_false (tg_vault_unlock_finish (f->vault, result, &error));
  g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_WRONG_PASSPHRASE);
  g_clear_error (&error);
  g_clear_object (&result);
  g_assert_cmpint (tg_vault_get_state (f->vault), ==, TG_VAULT_STATE_LOCKED);

  tg_vault_unlock_async (f->vault, PASS, NULL, tg_test_keep_result_cb, &result);
  tg_test_await_result (&result, 30000, "the vault to unlock");
  g_assert_true (tg_vault_unlock_finish (f->vault, result, &error));
  g_assert_no_error (error);
  tg_test_iterate_pending ();
  g_assert_cmpint (tg_vault_get_state (f->vault), ==, TG_VAULT_STATE_UNLOCKED);
  g_assert_cmpuint (notified, ==, 3);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/vault/create-unlock-lock", test_create_unlock_lock);
  ADD ("/vault/wrong-passphrase", test_wrong_passphrase);
  ADD ("/vault/change-passphrase", test_change_passphrase);
  ADD ("/vault/erase", test_erase);
  ADD ("/vault/erase-passphrase", test_erase_passphrase);
  ADD ("/vault/clear-erase-passphrase", test_clear_erase_passphrase);
  ADD ("/vault/corrupt-key-file", test_corrupt_key_file);
  ADD ("/vault/atomic-key-file", test_atomic_key_file);
  ADD ("/vault/async", test_async);
#undef ADD

  return g_test_run ();
}
