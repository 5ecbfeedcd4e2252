/* test-passphrase-strength.c — the first-run page's passphrase rating,
 * with cracklib's dictionary and without it (no display)
 *
 * With the dictionary, a dictionary word is refused and a few unrelated
 * words are not. Without it (cracklib-runtime is only recommended by
 * libcrack2, so a --no-install-recommends machine lacks it), every
 * passphrase used to fail the dictionary check ("error loading
 * dictionary") and no store could ever be made: now the other checks
 * rate it. That case runs in a child process that cannot see the
 * dictionary: where the machine has one, the child runs in a mount
 * namespace (unshare -rm) with an empty folder over it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "tg-passphrase-strength.h"

#define DICTIONARY_DIR "/var/cache/cracklib"
#define DICTIONARY DICTIONARY_DIR "/cracklib_dict.pwd"
#define PHRASE "river lantern copper seventeen"
#define CHILD "--rate-without-dictionary"

static char *self;

static void
test_rated (void)
{
  g_autofree char *hint = NULL;

  if (!g_file_test (DICTIONARY, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no cracklib dictionary (" DICTIONARY "): cracklib-runtime is not installed");
      return;
    }

  g_assert_cmpint (tg_passphrase_strength ("", &hint), ==, TG_PASSPHRASE_EMPTY);
  g_assert_nonnull (hint);
  g_clear_pointer (&hint, g_free);

  g_assert_cmpint (tg_passphrase_strength ("abc", &hint), ==, TG_PASSPHRASE_WEAK);
  g_assert_true (g_str_has_prefix (hint, "Too easy to guess: "));
  g_clear_pointer (&hint, g_free);

  /* The dictionary check is still made where the dictionary is there. */
  g_assert_cmpint (tg_passphrase_strength ("sunshine", &hint), ==, TG_PASSPHRASE_WEAK);
  g_assert_nonnull (strstr (hint, "dictionary"));
  g_clear_pointer (&hint, g_free);

  g_assert_cmpint (tg_passphrase_strength (PHRASE, &hint), >=, TG_PASSPHRASE_GOOD);
  g_assert_null (strstr (hint, "Too easy"));
}

/* The child's side: rates PHRASE and "abc" with no dictionary in sight;
 * prints both levels and the hints, one to a line. */
static int
rate_without_dictionary (void)
{
  g_autofree char *hint = NULL;
  g_autofree char *short_hint = NULL;
  TgPassphraseStrength phrase, shorter;

  if (g_file_test (DICTIONARY, G_FILE_TEST_EXISTS))
    {
      g_printerr ("the dictionary is still in sight\n");
      return 2;
    }
  phrase = tg_passphrase_strength (PHRASE, &hint);
  shorter = tg_passphrase_strength ("abc", &short_hint);
  g_print ("%d\n%s\n%d\n%s\n", phrase, hint, shorter, short_hint);
  return 0;
}

static void
test_without_dictionary (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *empty = NULL;
  g_auto(GStrv) lines = NULL;
  int status = 0;

  if (g_file_test (DICTIONARY, G_FILE_TEST_EXISTS))
    {
      const char *probe[] = { "unshare", "-rm", "true", NULL };
      const char *argv[] = {
        "unshare", "-rm", "sh", "-c",
        "mount --bind \"$1\" " DICTIONARY_DIR " && exec \"$2\" " CHILD,
        "sh", NULL, self, NULL
      };

      if (!g_spawn_sync (NULL, (char **) probe, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL
                         | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL)
          || !g_spawn_check_wait_status (status, NULL))
        {
          g_test_skip ("no mount namespace (unshare -rm) to hide the dictionary in");
          return;
        }
      empty = g_dir_make_tmp ("testigo-no-dictionary-XXXXXX", &error);
      g_assert_no_error (error);
      argv[6] = empty;
      g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                    &out, &err, &status, &error);
      g_rmdir (empty);
    }
  else
    {
      const char *argv[] = { self, CHILD, NULL };

      g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error);
    }
  g_assert_no_error (error);
  g_test_message ("child: %s%s", out, err);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  lines = g_strsplit (out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), >=, 4);
  /* A good passphrase can be used: before, it was WEAK with
   * "error loading dictionary". */
  g_assert_cmpint (atoi (lines[0]), >=, TG_PASSPHRASE_FAIR);
  g_assert_null (strstr (lines[1], "dictionary"));
  /* The other checks still refuse a short one. */
  g_assert_cmpint (atoi (lines[2]), ==, TG_PASSPHRASE_WEAK);
  g_assert_true (g_str_has_prefix (lines[3], "Too easy to guess: "));
  /* The app says why it rates without the dictionary. */
  g_assert_nonnull (strstr (err, "The cracklib dictionary could not be read"));
}

int
main (int argc, char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_setenv ("LANGUAGE", "en", TRUE);
  self = g_canonicalize_filename (argv[0], NULL);
  if (argc > 1 && g_str_equal (argv[1], CHILD))
    return rate_without_dictionary ();

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/passphrase-strength/rated", test_rated);
  g_test_add_func ("/passphrase-strength/without-dictionary", test_without_dictionary);
  return g_test_run ();
}
