/* make-store-fixture.c — a data folder for test-store-query.py
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: make-store-fixture DIR plain|encrypted [PASSPHRASE]
 *
 * Makes a store in DIR with one report (a fixed title and a narrative
 * with non-ASCII text) and one blob of known bytes. "encrypted" first
 * makes a vault with PASSPHRASE (a small Argon2id cost, so the test stays
 * quick; the cost is written in the key file) and opens the store with
 * its STORE subkey and the blob store with the vault, as the app does.
 * Prints one JSON line: {"report_id": …, "blob": "<sha256>", "size": N}.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "tg-blob-store.h"
#include "tg-report.h"
#include "tg-sqlite.h"
#include "tg-store.h"
#include "tg-vault.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TgVault) vault = NULL;
  g_autoptr (TgReport) report = tg_report_new ();
  g_autoptr (TgRevision) revision = NULL;
  g_autoptr (TgBlobInfo) info = NULL;
  g_autoptr (GBytes) bytes = NULL;
  TgStore *store;
  gboolean encrypted;
  GString *content = g_string_new (NULL);

  if (argc < 3 || (strcmp (argv[2], "plain") != 0 && strcmp (argv[2], "encrypted") != 0) ||
      (strcmp (argv[2], "encrypted") == 0 && argc < 4))
    {
      g_printerr ("usage: make-store-fixture DIR plain|encrypted [PASSPHRASE]\n");
      return 1;
    }
  encrypted = strcmp (argv[2], "encrypted") == 0;
  if (sodium_init () < 0 || g_mkdir_with_parents (argv[1], 0700) != 0)
    return 1;

  if (encrypted)
    {
      guint8 *key = sodium_malloc (TG_SQLITE_KEY_SIZE);

      vault = tg_vault_new (argv[1]);
      tg_vault_set_kdf_limits (vault, 1, 8 * 1024 * 1024);
      if (!tg_vault_create (vault, argv[3], NULL, &error) ||
          !tg_vault_derive_subkey (vault, TG_VAULT_PURPOSE_STORE, key, &error))
        goto fail;
      store = tg_store_open_keyed (argv[1], key, &error);
      sodium_free (key);
    }
  else
    store = tg_store_open (argv[1], &error);
  if (store == NULL)
    goto fail;
  if (vault != NULL)
    tg_blob_store_set_vault (tg_store_get_blob_store (store), vault);

  /* 200 KiB: more than one 64 KiB chunk of the encrypted stream. */
  for (guint i = 0; content->len < 200 * 1024; i++)
    g_string_append_printf (content, "line %u of the fixture blob, ñandú\n", i);
  bytes = g_string_free_to_bytes (content);
  info = tg_blob_store_import_bytes (tg_store_get_blob_store (store), bytes, "fixture.txt", &error);
  if (info == NULL)
    goto fail;

  tg_report_set_title (report, "Fixture report: Ñuñoa");
  tg_report_set_narrative (report, "Plain words, «quoted», and a tab\there.");
  if ((revision = tg_store_save_report (store, report, &error)) == NULL)
    goto fail;
  tg_store_close (store);
  g_object_unref (store);

  printf ("{\"report_id\": \"%s\", \"blob\": \"%s\", \"size\": %" G_GINT64_FORMAT "}\n",
          tg_report_get_id (report), tg_blob_info_get_sha256 (info), tg_blob_info_get_size (info));
  return 0;

fail:
  g_printerr ("make-store-fixture: %s\n", error->message);
  return 1;
}
