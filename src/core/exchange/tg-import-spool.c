/* tg-import-spool.c — what an import has checked, spooled to temporary files until the whole file is known good
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-import"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tg-csv.h"
#include "tg-exchange-private.h"
#include "tg-export-columns.h"
#include "tg-import.h"
#include "tg-import-private.h"
#include "tg-json-scanner.h"

/* TgImportSpool ------------------------------------------------------------------ */


void
_tg_spool_report_progress (TgImportSpool *spool,
                           gboolean       force)
{
  goffset at;

  if (spool->progress == NULL || spool->seekable == NULL)
    return;
  at = g_seekable_tell (spool->seekable);
  tg_progress_report (spool->progress, MIN ((guint) (at / 1024), spool->total_kib),
                       spool->total_kib, force);
}

void
_tg_spool_free (TgImportSpool *spool)
{
  if (spool == NULL)
    return;
  g_clear_pointer (&spool->seen, g_hash_table_unref);
  if (spool->revisions != NULL)
    fclose (spool->revisions);
  if (spool->reports != NULL)
    fclose (spool->reports);
  g_free (spool);
}

static gboolean
spool_error (GError **error,
             int      saved_errno)
{
  g_set_error (error, TG_ERROR, TG_ERROR_FAILED,
               _("Cannot write the temporary file of the import: %s. Nothing was imported."),
               g_strerror (saved_errno));
  return FALSE;
}

/* In the store's own directory: private to the user like the store, on
 * the same disk (not a RAM-backed /tmp), and unlinked at once so that it
 * goes away when closed, even after a crash. */
static FILE *
spool_open_file (TgStore  *store,
                 GError  **error)
{
  g_autofree char *path = NULL;
  FILE *file;
  int fd;

  if (tg_store_get_directory (store) != NULL)
    {
      path = g_build_filename (tg_store_get_directory (store), ".import-XXXXXX", NULL);
      fd = g_mkstemp_full (path, O_RDWR, 0600);
      if (fd < 0)
        {
          spool_error (error, errno);
          return NULL;
        }
    }
  else if ((fd = g_file_open_tmp ("testigo-import-XXXXXX", &path, error)) < 0)
    return NULL;
  g_unlink (path);
  file = fdopen (fd, "w+b");
  if (file == NULL)
    {
      int saved_errno = errno;

      close (fd);
      spool_error (error, saved_errno);
    }
  return file;
}

TgImportSpool *
_tg_spool_new (TgStore  *store,
               GError  **error)
{
  g_autoptr(TgImportSpool) spool = g_new0 (TgImportSpool, 1);

  spool->store = store;
  spool->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (!(spool->revisions = spool_open_file (store, error)) ||
      !(spool->reports = spool_open_file (store, error)))
    return NULL;
  return g_steal_pointer (&spool);
}

void
_tg_spool_set_progress (TgImportSpool *spool,
                        GInputStream  *input,
                        TgProgress    *progress)
{
  g_autoptr(GFileInfo) info = NULL;

  if (progress == NULL || !G_IS_FILE_INPUT_STREAM (input) || !G_IS_SEEKABLE (input))
    return;
  info = g_file_input_stream_query_info (G_FILE_INPUT_STREAM (input),
                                         G_FILE_ATTRIBUTE_STANDARD_SIZE, NULL, NULL);
  spool->progress = progress;
  spool->seekable = G_SEEKABLE (input);
  spool->total_kib = info ? (guint) MIN (g_file_info_get_size (info) / 1024, G_MAXUINT) : 0;
  _tg_spool_report_progress (spool, TRUE);
}

static gboolean
spool_put (FILE        *file,
           const char  *data,
           GError     **error)
{
  guint32 length = data ? strlen (data) : 0;

  if (fwrite (&length, sizeof length, 1, file) != 1 ||
      (length > 0 && fwrite (data, 1, length, file) != length))
    return spool_error (error, errno);
  return TRUE;
}

/* Returns: (transfer full) the next string, "" for an empty one, NULL at
 * the end or on error. */
static char *
spool_get (FILE    *file,
           GError **error)
{
  g_autofree char *data = NULL;
  guint32 length;

  if (fread (&length, sizeof length, 1, file) != 1)
    {
      if (ferror (file))
        spool_error (error, errno);
      return NULL;
    }
  data = g_malloc (length + 1);
  if (length > 0 && fread (data, 1, length, file) != length)
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_FAILED,
                           _("The temporary file of the import was cut short. "
                             "The import stopped."));
      return NULL;
    }
  data[length] = '\0';
  return g_steal_pointer (&data);
}

gboolean
_tg_spool_add_revision (TgImportSpool  *spool,
                        TgRevision     *rev,
                        GError        **error)
{
  g_autoptr(JsonNode) node = tg_revision_to_json (rev);
  g_autofree char *json = json_to_string (node, FALSE);

  spool->n_revisions++;
  return spool_put (spool->revisions, json, error);
}

gboolean
_tg_spool_add_report (TgImportSpool  *spool,
                      TgReport       *report,
                      GError        **error)
{
  g_autofree char *json = tg_report_to_json_string (report);
  const char * const *base = tg_report_get_base_revisions (report);

  spool->n_reports++;
  return spool_put (spool->reports, json, error) &&
         spool_put (spool->reports, base && base[0] ? base[0] : NULL, error);
}

/* Writes what was spooled: the revisions first, then the reports (some
 * of which are edits on top of those revisions), TG_IMPORT_BATCH_SIZE at a time.
 *
 * Each tg_store_insert_revisions() or tg_store_save_reports() call is one
 * transaction of its own (both run BEGIN IMMEDIATE and do not nest inside
 * a transaction of the caller), so the write is atomic per batch only:
 * everything was checked before the first batch, but a failure of the
 * disk in the middle leaves the batches already written. Importing the
 * same file again then completes it (revisions already present are
 * skipped). */
gboolean
_tg_spool_write (TgImportSpool  *spool,
                 TgStore        *store,
                 guint          *n_written,
                 GCancellable   *cancellable,
                 GError        **error)
{
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func (g_object_unref);
  guint count = 0;
  gint64 start = g_get_monotonic_time ();
  char *json;

  *n_written = 0;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (fflush (spool->revisions) != 0 || fflush (spool->reports) != 0)
    return spool_error (error, errno);
  rewind (spool->revisions);
  rewind (spool->reports);

  for (guint i = 0; i < spool->n_revisions; i++)
    {
      g_autoptr(JsonNode) node = NULL;
      TgRevision *rev;

      json = spool_get (spool->revisions, error);
      if (json == NULL)
        return FALSE;
      node = json_from_string (json, error);
      g_free (json);
      if (node == NULL || !(rev = tg_revision_new_from_json (node, error)))
        return FALSE;
      g_ptr_array_add (batch, rev);
      if (batch->len == TG_IMPORT_BATCH_SIZE || i + 1 == spool->n_revisions)
        {
          guint n = 0;

          if (!tg_store_insert_revisions (store, batch, &n, error))
            return FALSE;
          count += n;
          g_ptr_array_set_size (batch, 0);
        }
    }

  for (guint i = 0; i < spool->n_reports; i++)
    {
      g_autofree char *base = NULL;
      TgReport *report;

      json = spool_get (spool->reports, error);
      if (json == NULL || !(base = spool_get (spool->reports, error)))
        {
          g_free (json);
          return FALSE;
        }
      report = tg_report_new_from_json_string (json, -1, error);
      g_free (json);
      if (report == NULL)
        return FALSE;
      if (*base != '\0')
        {
          const char *bases[] = { base, NULL };

          tg_report_set_base_revisions (report, bases);
        }
      g_ptr_array_add (batch, report);
      if (batch->len == TG_IMPORT_BATCH_SIZE || i + 1 == spool->n_reports)
        {
          if (!tg_store_save_reports (store, batch, error))
            return FALSE;
          count += batch->len;
          g_ptr_array_set_size (batch, 0);
        }
    }

  g_debug ("wrote %u revisions and %u reports in %.2f s", spool->n_revisions,
           spool->n_reports, (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
  *n_written = count;
  return TRUE;
}
