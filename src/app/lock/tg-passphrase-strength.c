/* tg-passphrase-strength.c — how hard a passphrase is to guess
 *
 * libpwquality scores a passphrase from 0 to 100 after its checks
 * (length, character classes, the cracklib dictionary, repeats); a
 * passphrase that fails a check gets a negative code and a reason. The
 * reason comes from libpwquality in its own translation (its "libpwquality"
 * gettext domain); the words around it are Testigo's.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-passphrase-strength"

#include "config.h"

#include <glib/gi18n.h>
#include <pwquality.h>
#include <string.h>

#include "tg-passphrase-strength.h"

/* A passphrase no dictionary holds: were it refused by the dictionary
 * check, the dictionary itself could not be read. */
#define DICTIONARY_PROBE "quartz lantern 7 heron orchard violin 42 kettle"

static pwquality_settings_t *
settings (void)
{
  static pwquality_settings_t *pwq;

  if (g_once_init_enter (&pwq))
    {
      pwquality_settings_t *s = pwquality_default_settings ();
      char buffer[PWQ_MAX_ERROR_MESSAGE_LEN];
      void *auxerror = NULL;
      int probe;

      /* Absent or unreadable, the defaults apply. */
      pwquality_read_config (s, NULL, &auxerror);

      /* Without cracklib's dictionary (cracklib-runtime is only
       * recommended by libcrack2) every passphrase fails its check with
       * "error loading dictionary", and no store could ever be made:
       * the other checks still rate it. */
      auxerror = NULL;
      probe = pwquality_check (s, DICTIONARY_PROBE, NULL, NULL, &auxerror);
      if (probe < 0)
        pwquality_strerror (buffer, sizeof buffer, probe, auxerror); /* frees auxerror */
      if (probe == PWQ_ERROR_CRACKLIB_CHECK)
        {
          g_warning ("The cracklib dictionary could not be read (%s): passphrases are rated without it",
                     buffer);
          pwquality_set_int_value (s, PWQ_SETTING_DICT_CHECK, 0);
        }
      g_once_init_leave (&pwq, s);
    }
  return pwq;
}

TgPassphraseStrength
tg_passphrase_strength (const char  *passphrase,
                        char       **hint)
{
  void *auxerror = NULL;
  int score;

  if (hint != NULL)
    *hint = NULL;
  if (passphrase == NULL || *passphrase == '\0')
    {
      if (hint != NULL)
        *hint = g_strdup (_("A few unrelated words are easy to remember and hard to guess."));
      return TG_PASSPHRASE_EMPTY;
    }

  score = pwquality_check (settings (), passphrase, NULL, NULL, &auxerror);
  if (score < 0)
    {
      char buffer[PWQ_MAX_ERROR_MESSAGE_LEN];
      /* Called whatever @hint is: it frees auxerror. */
      const char *reason = pwquality_strerror (buffer, sizeof buffer, score, auxerror);

      if (hint != NULL)
        {
          /* TRANSLATORS: %s is libpwquality's reason, in its own
           * translation, e.g. "The password is shorter than 8 characters". */
          *hint = g_strdup_printf (_("Too easy to guess: %s."), reason);
          if (g_str_has_suffix (*hint, ".."))
            (*hint)[strlen (*hint) - 1] = '\0';
        }
      return TG_PASSPHRASE_WEAK;
    }
  if (score < 50)
    {
      if (hint != NULL)
        *hint = g_strdup (_("Fair. A longer passphrase, or one more word, is better."));
      return TG_PASSPHRASE_FAIR;
    }
  if (score < 80)
    {
      if (hint != NULL)
        *hint = g_strdup (_("Good."));
      return TG_PASSPHRASE_GOOD;
    }
  if (hint != NULL)
    *hint = g_strdup (_("Strong."));
  return TG_PASSPHRASE_STRONG;
}

double
tg_passphrase_strength_level (TgPassphraseStrength strength)
{
  return (double) strength;
}
