/* make-unknown-codes.c — a store holding a report with codes this
 * laptop's vocabularies lack
 *
 * For tests/app/test-unknown-codes.py: `make-unknown-codes DIR` makes a
 * store in DIR with one report whose categories and alleged perpetrators
 * hold a known code and one from a newer Testigo (or a longer list), as a
 * sync or an import would bring them, and prints the report's id.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>

#include "tg-store.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgStore) store = NULL;
  g_autoptr(TgReport) report = tg_report_new ();
  g_autoptr(TgRevision) rev = NULL;
  const char *categories[] = { "killing", "protest_2031", NULL };
  const char *perpetrators[] = { "police", "drone_unit_2031", NULL };

  setlocale (LC_ALL, "");
  if (argc != 2)
    {
      g_printerr ("Usage: %s DIR\n", argv[0]);
      return 2;
    }
  store = tg_store_open (argv[1], &error);
  if (store == NULL)
    g_error ("%s", error->message);

  tg_report_set_title (report, "Marcha con códigos nuevos");
  tg_report_set_place_name (report, "Juliaca");
  tg_report_set_categories (report, categories);
  tg_report_set_perpetrators (report, perpetrators);
  rev = tg_store_save_report (store, report, &error);
  if (rev == NULL)
    g_error ("%s", error->message);
  g_print ("%s\n", tg_report_get_id (report));
  tg_store_close (store);
  return 0;
}
