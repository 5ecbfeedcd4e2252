/* at-rest-store.c — stores for test-at-rest-ui.py
 *
 *   at-rest-store make DIR N_REPORTS N_FILES KIB
 *       A plain store, as a Testigo older than protection at rest wrote
 *       it: N_REPORTS reports whose titles and narratives carry the
 *       planted words, and N_FILES files of KIB KiB each (text carrying
 *       them too), each a source of one report. No key file.
 *   at-rest-store check DIR
 *       Opens the store as `testigo --export` does (tg_cli_open_store:
 *       $TESTIGO_PASSPHRASE) and prints "reports N files F encrypted E
 *       verified V": the reports, the files under blobs/, how many are
 *       encrypted, and how many decrypt to their SHA-256.
 *   at-rest-store convert DIR
 *       Figures for docs/at-rest.md: a key file made with
 *       $TESTIGO_PASSPHRASE (the app's Argon2id cost), the folder
 *       converted (tg_at_rest_migrate), then a fresh unlock and keyed
 *       open, each timed (wall clock).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg-at-rest-migrate.h"
#include "tg-blob-store.h"
#include "tg-cli-unlock.h"
#include "tg-store.h"

static const char *const planted[] = { "Xochitl Quetzalli", "machete", "Ixcanul" };

static int
make (const char *dir,
      guint       n_reports,
      guint       n_files,
      guint       kib)
{
  g_autofree char *blob_dir = g_build_filename (dir, "blobs", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TgStore) store = NULL;
  g_autoptr(TgBlobStore) blobs = NULL;
  g_autoptr(GPtrArray) reports = g_ptr_array_new_with_free_func (g_object_unref);

  if (!(store = tg_store_open (dir, &error)))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  blobs = tg_blob_store_new (blob_dir);
  for (guint i = 0; i < n_reports; i++)
    {
      TgReport *report = tg_report_new ();
      g_autofree char *title = g_strdup_printf ("%s %u", planted[0], i);
      g_autofree char *narrative = g_strdup_printf ("%s, %s: testimonio %u", planted[1], planted[2], i);

      tg_report_set_title (report, title);
      tg_report_set_narrative (report, narrative);
      g_ptr_array_add (reports, report);
    }
  for (guint i = 0; i < n_files; i++)
    {
      GString *text = g_string_new (NULL);
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(TgBlobInfo) info = NULL;
      g_autoptr(TgSource) source = tg_source_new (TG_SOURCE_KIND_FILE);
      guint line = 0;

      while (text->len < (gsize) kib * 1024)
        g_string_append_printf (text, "%s %s %s %u/%u\n", planted[0], planted[1], planted[2], i, line++);
      bytes = g_string_free_to_bytes (text);
      if (!(info = tg_blob_store_import_bytes (blobs, bytes, "notes.txt", &error)))
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
      tg_source_set_sha256 (source, tg_blob_info_get_sha256 (info));
      tg_source_set_file_name (source, "notes.txt");
      tg_source_set_mime_type (source, "text/plain");
      tg_source_set_size (source, tg_blob_info_get_size (info));
      tg_report_add_source (g_ptr_array_index (reports, i % n_reports), source);
    }
  if (!tg_store_save_reports (store, reports, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  tg_store_close (store);
  printf ("made %u reports, %u files\n", n_reports, n_files);
  return 0;
}

static int
check (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgStore) store = tg_cli_open_store (dir, &error);
  g_autofree char *blob_dir = g_build_filename (dir, "blobs", NULL);
  g_autoptr(GDir) top = NULL;
  TgBlobStore *blobs;
  const char *prefix;
  guint files = 0, encrypted = 0, verified = 0;

  if (store == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  blobs = tg_store_get_blob_store (store);
  top = g_dir_open (blob_dir, 0, NULL);
  while (top != NULL && (prefix = g_dir_read_name (top)) != NULL)
    {
      g_autofree char *sub_path = g_build_filename (blob_dir, prefix, NULL);
      g_autoptr(GDir) sub = strlen (prefix) == 2 ? g_dir_open (sub_path, 0, NULL) : NULL;
      const char *rest;

      while (sub != NULL && (rest = g_dir_read_name (sub)) != NULL)
        {
          g_autofree char *sha256 = g_strconcat (prefix, rest, NULL);
          g_autoptr(GError) local_error = NULL;

          if (strlen (sha256) != 64)
            continue;
          files++;
          if (tg_blob_store_is_encrypted (blobs, sha256))
            encrypted++;
          if (tg_blob_store_verify (blobs, sha256, NULL, &local_error))
            verified++;
          else
            fprintf (stderr, "%s: %s\n", sha256, local_error->message);
        }
    }
  printf ("reports %u files %u encrypted %u verified %u\n",
          tg_store_count_reports (store), files, encrypted, verified);
  tg_store_close (store);
  return 0;
}

static double
seconds_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1e6;
}

static int
convert (const char *dir)
{
  g_autoptr(TgVault) vault = tg_vault_new (dir);
  g_autoptr(TgStore) store = NULL;
  g_autoptr(GError) error = NULL;
  const char *passphrase = g_getenv ("TESTIGO_PASSPHRASE");
  gint64 start = g_get_monotonic_time ();

  if (passphrase == NULL || !tg_vault_create (vault, passphrase, NULL, &error))
    {
      fprintf (stderr, "%s\n", error ? error->message : "no TESTIGO_PASSPHRASE");
      return 1;
    }
  printf ("create-key %.2f s\n", seconds_since (start));
  start = g_get_monotonic_time ();
  if (!tg_at_rest_migrate (dir, vault, NULL, NULL, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  printf ("convert %.2f s\n", seconds_since (start));
  tg_vault_lock (vault);
  start = g_get_monotonic_time ();
  if (!(store = tg_cli_open_store (dir, &error)))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  printf ("unlock-and-open %.2f s, %u reports\n", seconds_since (start), tg_store_count_reports (store));
  tg_store_close (store);
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 6 && strcmp (argv[1], "make") == 0)
    return make (argv[2], (guint) atoi (argv[3]), (guint) atoi (argv[4]), (guint) atoi (argv[5]));
  if (argc == 3 && strcmp (argv[1], "check") == 0)
    return check (argv[2]);
  if (argc == 3 && strcmp (argv[1], "convert") == 0)
    return convert (argv[2]);
  fprintf (stderr, "usage: %s make DIR N_REPORTS N_FILES KIB | check DIR | convert DIR\n", argv[0]);
  return 2;
}
