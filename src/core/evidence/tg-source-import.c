/* tg-source-import.c — adding a file to a report as a source
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-source-import"

#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gi18n.h>

#include "tg-source-import.h"
#include "tg-types.h"

typedef struct
{
  TgBlobStore          *blobs;
  GFile                *file;
  TgProgress           *progress;  /* to the caller's main context */
  char                 *notice;
} ImportData;

static void
import_data_free (gpointer user_data)
{
  ImportData *data = user_data;

  g_clear_object (&data->blobs);
  g_clear_object (&data->file);
  g_clear_pointer (&data->progress, tg_progress_unref);
  g_clear_pointer (&data->notice, g_free);
  g_free (data);
}

char *
tg_source_import_display_name (GFile *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *base = NULL;

  if (path != NULL)
    return g_filename_display_basename (path);
  base = g_file_get_basename (file);
  if (base != NULL && g_utf8_validate (base, -1, NULL))
    return g_steal_pointer (&base);
  return g_utf8_make_valid (base ? base : "?", -1);
}

/* From the blob store's worker thread; the last report (done == total)
 * is delivered at once, before the import's completion. */
static void
thread_progress_cb (goffset  done,
                    goffset  total,
                    gpointer user_data)
{
  ImportData *data = user_data;

  tg_progress_report (data->progress, done, total, done == total);
}

static void
import_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ImportData *data = task_data;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(TgBlobInfo) blob = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = tg_source_import_display_name (data->file);
  g_autofree char *raw_name = g_file_get_basename (data->file);
  TgSource *source;

  info = g_file_query_info (data->file,
                            G_FILE_ATTRIBUTE_STANDARD_TYPE ","
                            G_FILE_ATTRIBUTE_STANDARD_SIZE ","
                            G_FILE_ATTRIBUTE_ACCESS_CAN_READ,
                            G_FILE_QUERY_INFO_NONE, cancellable, &error);
  if (info == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                 _("“%s” is no longer there: it was moved or deleted before it could be added."),
                                 name);
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_new_error (task, error->domain, error->code,
                                 _("Could not read “%s”: %s"), name, error->message);
      return;
    }

  switch (g_file_info_get_file_type (info))
    {
    case G_FILE_TYPE_REGULAR:
      break;
    case G_FILE_TYPE_DIRECTORY:
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY,
                               _("“%s” is a folder. Add the files inside it instead."), name);
      return;
    case G_FILE_TYPE_UNKNOWN:
    case G_FILE_TYPE_SYMBOLIC_LINK:
    case G_FILE_TYPE_SPECIAL:
    case G_FILE_TYPE_SHORTCUT:
    case G_FILE_TYPE_MOUNTABLE:
    default:
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
                               _("“%s” is not a regular file and cannot be added as evidence."), name);
      return;
    }

  if (g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_ACCESS_CAN_READ) &&
      !g_file_info_get_attribute_boolean (info, G_FILE_ATTRIBUTE_ACCESS_CAN_READ))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                               _("Testigo is not allowed to read “%s”. Check the file’s permissions."), name);
      return;
    }

  blob = tg_blob_store_import_file (data->blobs, data->file,
                                    thread_progress_cb, data,
                                    cancellable, &error);
  if (blob == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                 _("“%s” is no longer there: it was moved or deleted before it could be added."),
                                 name);
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                                 _("Testigo is not allowed to read “%s”. Check the file’s permissions."), name);
      else
        g_task_return_new_error (task, error->domain, error->code,
                                 _("Could not add “%s”: %s"), name, error->message);
      return;
    }

  if (raw_name != NULL && !g_utf8_validate (raw_name, -1, NULL))
    data->notice = g_strdup_printf (_("The name of the file “%s” is not valid text. It was added as “%s”."),
                                    name, tg_blob_info_get_file_name (blob));

  source = tg_source_new (TG_SOURCE_KIND_FILE);
  tg_source_set_title (source, tg_blob_info_get_file_name (blob));
  tg_source_set_file_name (source, tg_blob_info_get_file_name (blob));
  tg_source_set_sha256 (source, tg_blob_info_get_sha256 (blob));
  tg_source_set_size (source, tg_blob_info_get_size (blob));
  tg_source_set_mime_type (source, tg_blob_info_get_mime_type (blob));
  tg_source_set_captured_at (source, tg_blob_info_get_captured_at (blob));
  tg_source_set_position (source, tg_blob_info_get_latitude (blob), tg_blob_info_get_longitude (blob));
  tg_source_set_camera (source, tg_blob_info_get_camera (blob));
  tg_source_set_thumbnail_sha256 (source, tg_blob_info_get_thumbnail_sha256 (blob));

  /* Kept all the same (it may be evidence), but said at once. */
  if (data->notice == NULL)
    {
      switch (tg_source_check_content (data->blobs, source, cancellable))
        {
        case TG_SOURCE_PROBLEM_EMPTY:
          data->notice = g_strdup_printf (_("“%s” is an empty file (0 bytes). It was added all the same, with its fingerprint."),
                                          name);
          break;
        case TG_SOURCE_PROBLEM_UNREADABLE_IMAGE:
          data->notice = g_strdup_printf (_("“%s” is not a readable image. It was added all the same, with its fingerprint."),
                                          name);
          break;
        case TG_SOURCE_PROBLEM_NONE:
        default:
          break;
        }
    }

  g_task_return_pointer (task, source, g_object_unref);
}

void
tg_source_import_async (TgBlobStore          *blobs,
                        GFile                *file,
                        TgProgressFunc        progress,
                        gpointer              progress_data,
                        GCancellable         *cancellable,
                        GAsyncReadyCallback   callback,
                        gpointer              user_data)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  g_autoptr(GTask) task = NULL;
  ImportData *data;

  g_return_if_fail (TG_IS_BLOB_STORE (blobs));
  g_return_if_fail (G_IS_FILE (file));

  data = g_new0 (ImportData, 1);
  data->blobs = g_object_ref (blobs);
  data->file = g_object_ref (file);
  data->progress = tg_progress_new (progress, progress_data, NULL,
                                    context,
                                    TG_PROGRESS_INTERVAL_MS);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, tg_source_import_async);
  g_task_set_task_data (task, data, import_data_free);
  g_task_run_in_thread (task, import_thread);
}

TgSource *
tg_source_import_finish (GAsyncResult  *result,
                         char         **notice,
                         GError       **error)
{
  ImportData *data;
  TgSource *source;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  data = g_task_get_task_data (G_TASK (result));
  source = g_task_propagate_pointer (G_TASK (result), error);
  if (notice != NULL)
    *notice = (source != NULL && data->notice != NULL) ? g_strdup (data->notice) : NULL;
  return source;
}

/* Checking a file's content ---------------------------------------------- */

/* Beyond this many pixels an image without a thumbnail is not decoded
 * again to check it: the blob store made none on purpose (see
 * MAX_DECODE_PIXELS there). */
#define MAX_CHECK_PIXELS (64 * 1000 * 1000)

typedef struct
{
  gboolean prepared;
  gboolean skip;
} CheckSize;

static void
check_size_prepared_cb (GdkPixbufLoader *loader,
                        int              width,
                        int              height,
                        CheckSize       *size)
{
  GdkPixbufFormat *format = gdk_pixbuf_loader_get_format (loader);
  g_autofree char *name = format ? gdk_pixbuf_format_get_name (format) : NULL;

  size->prepared = TRUE;
  /* Drawings are never rendered; huge images are not decoded twice. */
  if (g_strcmp0 (name, "svg") == 0 ||
      ((gint64) width * height > MAX_CHECK_PIXELS && g_strcmp0 (name, "jpeg") != 0))
    size->skip = TRUE;
  gdk_pixbuf_loader_set_size (loader, MAX (1, MIN (width, 64)), MAX (1, MIN (height, 64)));
}

/* The same check for an encrypted file: decoded as it is decrypted, in
 * memory, a chunk at a time. A file that fails its own check (changed,
 * cut) is not a readable image either. */
static TgSourceProblem
check_encrypted_image (TgBlobStore  *blobs,
                       const char   *sha256,
                       GCancellable *cancellable)
{
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();
  g_autoptr(GError) error = NULL;
  guint8 buffer[64 * 1024];
  CheckSize size = { 0 };

  in = tg_blob_store_read (blobs, sha256, cancellable, &error);
  if (in == NULL)
    return TG_SOURCE_PROBLEM_NONE;  /* locked, or gone: nothing to say now */
  g_signal_connect (loader, "size-prepared", G_CALLBACK (check_size_prepared_cb), &size);
  for (;;)
    {
      gssize n = g_input_stream_read (in, buffer, sizeof buffer, cancellable, &error);

      if (n < 0)
        {
          gdk_pixbuf_loader_close (loader, NULL);
          if (g_error_matches (error, TG_VAULT_ERROR, TG_VAULT_ERROR_TAMPERED) ||
              g_error_matches (error, TG_VAULT_ERROR, TG_VAULT_ERROR_TRUNCATED))
            return TG_SOURCE_PROBLEM_UNREADABLE_IMAGE;
          return TG_SOURCE_PROBLEM_NONE;
        }
      if (n == 0)
        break;
      if (!gdk_pixbuf_loader_write (loader, buffer, n, &error))
        {
          gdk_pixbuf_loader_close (loader, NULL);
          g_debug ("%s does not decode: %s", sha256, error->message);
          return TG_SOURCE_PROBLEM_UNREADABLE_IMAGE;
        }
      if (size.skip)
        {
          gdk_pixbuf_loader_close (loader, NULL);
          return TG_SOURCE_PROBLEM_NONE;
        }
    }
  if (!gdk_pixbuf_loader_close (loader, &error) || !size.prepared ||
      gdk_pixbuf_loader_get_pixbuf (loader) == NULL)
    {
      g_debug ("%s does not decode: %s", sha256, error ? error->message : "no image");
      return TG_SOURCE_PROBLEM_UNREADABLE_IMAGE;
    }
  return TG_SOURCE_PROBLEM_NONE;
}

TgSourceProblem
tg_source_check_content (TgBlobStore  *blobs,
                         TgSource     *source,
                         GCancellable *cancellable)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *format_name = NULL;
  GdkPixbufFormat *format;
  const char *mime = tg_source_get_mime_type (source);
  const char *thumbnail = tg_source_get_thumbnail_sha256 (source);
  int width = 0, height = 0;

  g_return_val_if_fail (TG_IS_BLOB_STORE (blobs), TG_SOURCE_PROBLEM_NONE);
  g_return_val_if_fail (TG_IS_SOURCE (source), TG_SOURCE_PROBLEM_NONE);

  if (tg_source_get_kind (source) != TG_SOURCE_KIND_FILE || tg_source_get_sha256 (source) == NULL)
    return TG_SOURCE_PROBLEM_NONE;
  if (tg_source_get_size (source) == 0)
    return TG_SOURCE_PROBLEM_EMPTY;
  if (mime == NULL || !g_str_has_prefix (mime, "image/"))
    return TG_SOURCE_PROBLEM_NONE;
  /* A thumbnail was made from it: it decoded. */
  if (thumbnail != NULL && tg_blob_store_contains (blobs, thumbnail))
    return TG_SOURCE_PROBLEM_NONE;

  file = tg_blob_store_get_file (blobs, tg_source_get_sha256 (source));
  path = file ? g_file_get_path (file) : NULL;
  if (path == NULL || !g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return TG_SOURCE_PROBLEM_NONE;  /* not here to look at: nothing to say */
  if (g_cancellable_is_cancelled (cancellable))
    return TG_SOURCE_PROBLEM_NONE;
  if (tg_blob_store_is_encrypted (blobs, tg_source_get_sha256 (source)))
    return check_encrypted_image (blobs, tg_source_get_sha256 (source), cancellable);

  format = gdk_pixbuf_get_file_info (path, &width, &height);
  if (format == NULL || width <= 0 || height <= 0)
    return TG_SOURCE_PROBLEM_UNREADABLE_IMAGE;
  format_name = gdk_pixbuf_format_get_name (format);
  /* Drawings are never rendered; huge images are not decoded twice. */
  if (g_strcmp0 (format_name, "svg") == 0 ||
      ((gint64) width * height > MAX_CHECK_PIXELS && g_strcmp0 (format_name, "jpeg") != 0))
    return TG_SOURCE_PROBLEM_NONE;

  pixbuf = gdk_pixbuf_new_from_file_at_scale (path, MIN (width, 64), MIN (height, 64), TRUE, &error);
  if (pixbuf == NULL)
    {
      g_debug ("%s does not decode: %s", path, error->message);
      return TG_SOURCE_PROBLEM_UNREADABLE_IMAGE;
    }
  return TG_SOURCE_PROBLEM_NONE;
}

static void
check_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  TgBlobStore *blobs = g_object_get_data (G_OBJECT (task), "blobs");

  g_task_return_int (task, tg_source_check_content (blobs, task_data, cancellable));
}

void
tg_source_check_content_async (TgBlobStore         *blobs,
                               TgSource            *source,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  TgSource *copy;

  g_return_if_fail (TG_IS_BLOB_STORE (blobs));
  g_return_if_fail (TG_IS_SOURCE (source));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, tg_source_check_content_async);
  /* The thread reads a copy of what it needs: the row's source may
   * change meanwhile. */
  copy = tg_source_new (TG_SOURCE_KIND_FILE);
  tg_source_set_sha256 (copy, tg_source_get_sha256 (source));
  tg_source_set_size (copy, tg_source_get_size (source));
  tg_source_set_mime_type (copy, tg_source_get_mime_type (source));
  tg_source_set_thumbnail_sha256 (copy, tg_source_get_thumbnail_sha256 (source));
  if (tg_source_get_kind (source) != TG_SOURCE_KIND_FILE)
    tg_source_set_sha256 (copy, NULL);
  g_task_set_task_data (task, copy, g_object_unref);
  g_object_set_data_full (G_OBJECT (task), "blobs", g_object_ref (blobs), g_object_unref);
  g_task_run_in_thread (task, check_thread);
}

TgSourceProblem
tg_source_check_content_finish (GAsyncResult  *result,
                                GError       **error)
{
  gssize problem;

  g_return_val_if_fail (g_task_is_valid (result, NULL), TG_SOURCE_PROBLEM_NONE);

  problem = g_task_propagate_int (G_TASK (result), error);
  return problem < 0 ? TG_SOURCE_PROBLEM_NONE : (TgSourceProblem) problem;
}

const char *
tg_source_problem_label (TgSourceProblem problem)
{
  switch (problem)
    {
    case TG_SOURCE_PROBLEM_EMPTY:
      return _("Empty file");
    case TG_SOURCE_PROBLEM_UNREADABLE_IMAGE:
      return _("Not a readable image");
    case TG_SOURCE_PROBLEM_NONE:
    default:
      return NULL;
    }
}

const char *
tg_source_problem_description (TgSourceProblem problem)
{
  switch (problem)
    {
    case TG_SOURCE_PROBLEM_EMPTY:
      return _("The file has no content (0 bytes). It is kept as it came, with its fingerprint.");
    case TG_SOURCE_PROBLEM_UNREADABLE_IMAGE:
      return _("Testigo cannot show this file as a picture: it may be damaged, cut short or not an image at all. It is kept as it came, with its fingerprint.");
    case TG_SOURCE_PROBLEM_NONE:
    default:
      return NULL;
    }
}
