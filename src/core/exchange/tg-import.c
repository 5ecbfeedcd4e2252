/* tg-import.c — importing GeoJSON and CSV files: the checks every format makes and the entry points
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

/* Helpers ---------------------------------------------------------------- */


/* Refuses binary data (an image renamed .geojson/.csv) before parsing.
 * @data is the start of the file: a UTF-8 sequence cut at its end is
 * allowed (the parser finds a file cut short). */
static gboolean
check_text (const char  *data,
            gsize        length,
            const char  *format,
            GError     **error)
{
  gsize probe = MIN (length, TG_IMPORT_PROBE_SIZE);
  const char *end = NULL;
  gboolean ok;

  ok = memchr (data, '\0', probe) == NULL;
  if (ok && !g_utf8_validate_len (data, length, &end))
    ok = (data + length) - end < 4 &&
         g_utf8_get_char_validated (end, (data + length) - end) == (gunichar) -2;
  if (!ok)
    {
      g_autofree char *type = g_content_type_guess (NULL, (const guchar *) data, probe, NULL);
      g_autofree char *desc = NULL;

      /* Name the kind of file only when it is known: "application/
       * octet-stream" is described as "unknown", which says nothing. */
      if (type != NULL && !g_content_type_is_unknown (type) &&
          !g_content_type_equals (type, "application/octet-stream") &&
          !g_content_type_is_a (type, "text/plain"))
        desc = g_content_type_get_description (type);
      if (desc != NULL)
        g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                     /* TRANSLATORS: the first %s is GeoJSON or CSV, the
                      * second a kind of file such as "PNG image" */
                     _("This is not a %s file: it holds binary data (it looks like %s). "
                       "Nothing was imported."), format, desc);
      else
        g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                     /* TRANSLATORS: %s is GeoJSON or CSV */
                     _("This is not a %s file: it holds binary data. Nothing was imported."),
                     format);
      return FALSE;
    }
  return TRUE;
}

static gboolean
is_blank (const char *data,
          gsize       length)
{
  for (gsize i = 0; i < length; i++)
    if (data[i] != ' ' && data[i] != '\t' && data[i] != '\n' && data[i] != '\r')
      return FALSE;
  return TRUE;
}

static gboolean
empty_error (GError     **error,
             const char  *format)
{
  g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
               /* TRANSLATORS: %s is GeoJSON or CSV */
               _("This file is empty: it holds no %s data. Nothing was imported."), format);
  return FALSE;
}

/* Reads the first TG_IMPORT_PROBE_SIZE bytes of @stream (or all of it) into its
 * buffer and checks them with check_text(). */
gboolean
_tg_import_check_stream_start (GBufferedInputStream  *stream,
                               const char            *format,
                               GCancellable          *cancellable,
                               GError               **error)
{
  const char *data;
  gsize available;
  gboolean eof = FALSE;

  while (!eof && g_buffered_input_stream_get_available (stream) < TG_IMPORT_PROBE_SIZE)
    {
      gssize n = g_buffered_input_stream_fill (stream, TG_IMPORT_PROBE_SIZE, cancellable, error);

      if (n < 0)
        return FALSE;
      eof = n == 0;
    }
  data = g_buffered_input_stream_peek_buffer (stream, &available);
  /* Empty, or only line ends and spaces (a byte-order mark at most). */
  if (eof && available >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    {
      if (is_blank (data + 3, available - 3))
        return empty_error (error, format);
    }
  else if (eof && is_blank (data, available))
    return empty_error (error, format);
  return check_text (data, available, format, error);
}

gboolean
_tg_import_parse_time (const char  *str,
                       GDateTime  **time,
                       gboolean    *date_only)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();

  *date_only = FALSE;
  *time = g_date_time_new_from_iso8601 (str, utc);
  if (*time == NULL && strlen (str) == 10)
    {
      g_autofree char *full = g_strconcat (str, "T00:00:00Z", NULL);

      *time = g_date_time_new_from_iso8601 (full, utc);
      *date_only = *time != NULL;
    }
  return *time != NULL;
}

char **
_tg_import_split_list (const char *str)
{
  g_auto(GStrv) parts = g_strsplit_set (str, ";", -1);
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *item = g_strstrip (parts[i]);

      if (*item != '\0')
        g_ptr_array_add (out, g_strdup (item));
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&out), FALSE);
}

gboolean
_tg_import_id_known (TgStore    *store,
                     const char *id)
{
  g_autoptr(GPtrArray) heads = tg_store_list_heads (store, id, NULL);

  return heads != NULL && heads->len > 0;
}

gboolean
_tg_import_revision_known (TgStore    *store,
                           const char *rev_id)
{
  g_autoptr(TgRevision) rev = tg_store_get_revision (store, rev_id, NULL);

  return rev != NULL;
}

/* Any format --------------------------------------------------------------- */

static TgImportFormat
guess_format (GFile         *file,
              GCancellable  *cancellable)
{
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *lower = name ? g_ascii_strdown (name, -1) : NULL;
  g_autoptr(GFileInputStream) stream = NULL;
  char buffer[4096];
  gssize n;

  if (lower != NULL && g_str_has_suffix (lower, ".csv"))
    return TG_IMPORT_FORMAT_CSV;
  if (lower != NULL && (g_str_has_suffix (lower, ".geojson") || g_str_has_suffix (lower, ".json")))
    return TG_IMPORT_FORMAT_GEOJSON;
  /* Read errors are left to the import itself. */
  if (!(stream = g_file_read (file, cancellable, NULL)))
    return TG_IMPORT_FORMAT_GEOJSON;
  n = g_input_stream_read (G_INPUT_STREAM (stream), buffer, sizeof buffer, cancellable, NULL);
  for (gssize i = 0; i < n; i++)
    {
      if (buffer[i] == ' ' || buffer[i] == '\t' || buffer[i] == '\r' || buffer[i] == '\n')
        continue;
      if (i + 3 <= n && memcmp (buffer + i, "\xEF\xBB\xBF", 3) == 0)
        {
          i += 2;
          continue;
        }
      return buffer[i] == '{' ? TG_IMPORT_FORMAT_GEOJSON : TG_IMPORT_FORMAT_CSV;
    }
  return TG_IMPORT_FORMAT_GEOJSON;
}

static gboolean
import_file (TgStore         *store,
             GFile           *file,
             TgImportFormat   format,
             TgProgress      *progress,
             guint           *n_imported,
             guint           *n_skipped,
             GCancellable    *cancellable,
             GError         **error)
{
  g_autoptr(GFileInputStream) stream = NULL;

  if (n_imported != NULL)
    *n_imported = 0;
  if (n_skipped != NULL)
    *n_skipped = 0;
  if (format == TG_IMPORT_FORMAT_AUTO)
    format = guess_format (file, cancellable);
  if (!(stream = g_file_read (file, cancellable, error)))
    return FALSE;
  if (format == TG_IMPORT_FORMAT_CSV)
    return _tg_import_csv_stream (store, G_INPUT_STREAM (stream), progress, n_imported, n_skipped,
                                  cancellable, error);
  return _tg_import_geojson_stream (store, G_INPUT_STREAM (stream), progress, n_imported, n_skipped,
                                    cancellable, error);
}

gboolean
tg_import_file (TgStore              *store,
                GFile                *file,
                TgImportFormat        format,
                TgProgressFunc  progress,
                gpointer              progress_data,
                guint                *n_imported,
                guint                *n_skipped,
                GCancellable         *cancellable,
                GError              **error)
{
  g_autoptr(TgProgress) p = tg_progress_new (progress, progress_data, NULL, NULL, TG_PROGRESS_INTERVAL_MS);

  g_return_val_if_fail (TG_IS_STORE (store), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);
  return import_file (store, file, format, p, n_imported, n_skipped, cancellable, error);
}

typedef struct
{
  TgStore        *store;
  GFile          *file;
  TgImportFormat  format;
  TgProgress     *progress;
  guint           n_imported;
  guint           n_skipped;
} ImportFileData;

static void
import_file_data_free (gpointer user_data)
{
  ImportFileData *data = user_data;

  g_clear_object (&data->store);
  g_clear_object (&data->file);
  g_clear_pointer (&data->progress, tg_progress_unref);
  g_free (data);
}

static void
import_file_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  ImportFileData *data = task_data;
  GError *error = NULL;

  if (import_file (data->store, data->file, data->format, data->progress,
                   &data->n_imported, &data->n_skipped, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
tg_import_file_async (TgStore              *store,
                      GFile                *file,
                      TgImportFormat        format,
                      TgProgressFunc  progress,
                      gpointer              progress_data,
                      GDestroyNotify        progress_notify,
                      GCancellable         *cancellable,
                      GAsyncReadyCallback   callback,
                      gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  ImportFileData *data;
  GMainContext *context = g_main_context_get_thread_default ();

  g_return_if_fail (TG_IS_STORE (store));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (NULL, cancellable, callback, user_data);
  data = g_new0 (ImportFileData, 1);
  data->store = g_object_ref (store);
  data->file = g_object_ref (file);
  data->format = format;
  data->progress = tg_progress_new (progress, progress_data, progress_notify,
                                    context ? context : g_main_context_default (),
                                    TG_PROGRESS_INTERVAL_MS);
  g_task_set_source_tag (task, tg_import_file_async);
  g_task_set_task_data (task, data, import_file_data_free);
  g_task_run_in_thread (task, import_file_thread);
}

gboolean
tg_import_file_finish (GAsyncResult  *result,
                       guint         *n_imported,
                       guint         *n_skipped,
                       GError       **error)
{
  ImportFileData *data;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tg_import_file_async, FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  data = g_task_get_task_data (G_TASK (result));
  if (n_imported != NULL)
    *n_imported = data->n_imported;
  if (n_skipped != NULL)
    *n_skipped = data->n_skipped;
  return TRUE;
}
