/* conflict-arrives.c — another version of a report arrives from the other
 * device, as a sync would bring it while the resolver is open
 *
 * Usage: conflict-arrives DIR REPORT_ID NARRATIVE
 *
 * For test-conflict.py: on the store in DIR (made by test-conflict-store),
 * the head that another device wrote gets a child from that device, the
 * same report with @NARRATIVE as its narrative; so that version is
 * replaced, and a resolver that saves now is refused. The store is
 * opened as `testigo --export` opens it (tg_cli_open_store: encrypted at
 * rest with $TESTIGO_PASSPHRASE, or plain). Prints the new revision's id.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>

#include "tg-cli-unlock.h"
#include "tg-store.h"
#include "tg-store-sync.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgStore) store = NULL;
  g_autoptr(GPtrArray) heads = NULL;
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func (g_object_unref);
  TgRevision *theirs = NULL;
  guint n = 0;

  setlocale (LC_ALL, "");
  if (argc != 4)
    {
      g_printerr ("Usage: %s DIR REPORT_ID NARRATIVE\n", argv[0]);
      return 2;
    }
  store = tg_cli_open_store (argv[1], &error);
  if (store == NULL)
    g_error ("%s", error->message);
  heads = tg_store_list_heads (store, argv[2], &error);
  if (heads == NULL)
    g_error ("%s", error->message);
  for (guint i = 0; i < heads->len; i++)
    if (g_strcmp0 (tg_revision_get_device_id (heads->pdata[i]), tg_store_get_device_id (store)) != 0)
      theirs = heads->pdata[i];
  if (theirs == NULL)
    g_error ("no head of %s from another device", argv[2]);

  {
    g_autoptr(TgReport) report = tg_store_load_report_at (store, tg_revision_get_id (theirs), &error);
    g_autofree char *content = NULL;
    const char *parents[] = { tg_revision_get_id (theirs), NULL };

    if (report == NULL)
      g_error ("%s", error->message);
    tg_report_set_narrative (report, argv[3]);
    content = tg_report_to_json_string (report);
    g_ptr_array_add (batch, tg_revision_new (argv[2], TG_REVISION_KIND_REPORT, parents,
                                             tg_revision_get_device_id (theirs),
                                             tg_revision_get_device_seq (theirs) + 1,
                                             g_get_real_time (), FALSE, content));
  }
  if (!tg_store_insert_revisions (store, batch, &n, &error))
    g_error ("%s", error->message);
  if (n != 1)
    g_error ("the new version was not stored");
  g_print ("%s\n", tg_revision_get_id (batch->pdata[0]));
  tg_store_close (store);
  return 0;
}
