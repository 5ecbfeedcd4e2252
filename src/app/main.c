/* main.c — the Testigo desktop application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "tg-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(TgApplication) app = NULL;

  tg_start_up_mark ("main");
  setlocale (LC_ALL, "");
  /* An uninstalled build can point at its compiled catalogues. */
  if (g_getenv ("TESTIGO_LOCALEDIR") != NULL)
    bindtextdomain (GETTEXT_PACKAGE, g_getenv ("TESTIGO_LOCALEDIR"));
  else
    bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = tg_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
