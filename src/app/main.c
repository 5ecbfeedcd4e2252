/* main.c — the Testigo desktop application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>
#include <sys/stat.h>

#include "tg-application.h"

/* TRUE when this process runs the testigo built in the build tree (not
 * an installed copy): the same file as BUILD_EXE. */
static gboolean
running_uninstalled (void)
{
  struct stat self, built;

  return stat ("/proc/self/exe", &self) == 0 &&
         stat (BUILD_EXE, &built) == 0 &&
         self.st_dev == built.st_dev && self.st_ino == built.st_ino;
}

/* Where the catalogues are: $TESTIGO_LOCALEDIR when set; the ones
 * compiled in the build tree (<build>/po/LANG/LC_MESSAGES/testigo.mo) when
 * this is the build tree's binary, as `tools/dev.sh run` starts it;
 * otherwise the installed ones under LOCALEDIR. */
static const char *
find_locale_dir (void)
{
  const char *env = g_getenv ("TESTIGO_LOCALEDIR");

  if (env != NULL && *env != '\0')
    return env;
  if (running_uninstalled ())
    return BUILD_LOCALEDIR;
  return LOCALEDIR;
}

/* The locale the environment names (LC_ALL, LC_MESSAGES or LANG). */
static const char *
wanted_locale (void)
{
  const char *vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };

  for (guint i = 0; i < G_N_ELEMENTS (vars); i++)
    {
      const char *value = g_getenv (vars[i]);

      if (value != NULL && *value != '\0')
        return value;
    }
  return NULL;
}

/* Sets the locale from the environment. When it names a locale this
 * system has not generated (es_PE.UTF-8 without `locales` set up for it),
 * the C library falls back to "C", where gettext ignores every language:
 * the window would be in English. Then the app takes C.UTF-8 and asks
 * gettext for that locale's language through LANGUAGE, so the words are
 * still the user's; dates and numbers are written as in C. Returns the
 * missing locale's name, or NULL when all went well. */
static char *
set_up_locale (void)
{
  const char *wanted;
  g_autofree char *language = NULL;

  if (setlocale (LC_ALL, "") != NULL)
    return NULL;

  wanted = wanted_locale ();
  if (setlocale (LC_ALL, "C.UTF-8") == NULL || wanted == NULL)
    return NULL;

  language = g_strndup (wanted, strcspn (wanted, ".@"));
  if (*language != '\0' && strcmp (language, "C") != 0 && strcmp (language, "POSIX") != 0 &&
      (g_getenv ("LANGUAGE") == NULL || *g_getenv ("LANGUAGE") == '\0'))
    g_setenv ("LANGUAGE", language, TRUE);
  return g_strdup (wanted);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(TgApplication) app = NULL;
  g_autofree char *missing = NULL;

  tg_start_up_mark ("main");
  missing = set_up_locale ();
  bindtextdomain (GETTEXT_PACKAGE, find_locale_dir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (missing != NULL)
    g_printerr (_("The locale “%s” is not installed on this system. Testigo is shown in its language, "
                  "but dates and numbers are written as in C.UTF-8. To install it on Debian: "
                  "sudo dpkg-reconfigure locales\n"),
                missing);

  app = tg_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
