/* tg-open-copy.c — a decrypted copy of a stored file, for another program
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-open-copy"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixoutputstream.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <unistd.h>

#include "tg-open-copy.h"

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif
#ifndef RAMFS_MAGIC
#define RAMFS_MAGIC 0x858458f6
#endif

#define FOLDER_NAME "testigo-open"

static char *
base_dir (void)
{
  return g_build_filename (g_get_user_runtime_dir (), FOLDER_NAME, NULL);
}

static char *
process_dir (void)
{
  g_autofree char *base = base_dir ();
  g_autofree char *pid = g_strdup_printf ("%d", (int) getpid ());

  return g_build_filename (base, pid, NULL);
}

/* Removes the files of @dir (one level: the copies) and @dir. */
static void
remove_dir (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

/* ".pdf" from "witness statement.pdf": letters and digits only, at most
 * 8 of them; "" when there is none. */
static char *
extension_of (const char *file_name)
{
  const char *dot = file_name ? strrchr (file_name, '.') : NULL;

  if (dot == NULL || dot[1] == '\0' || strlen (dot + 1) > 8)
    return g_strdup ("");
  for (const char *p = dot + 1; *p; p++)
    if (!g_ascii_isalnum (*p))
      return g_strdup ("");
  return g_ascii_strdown (dot, -1);
}

typedef struct
{
  TgBlobStore *blobs;
  char        *sha256;
  char        *file_name;
} CopyData;

static void
copy_data_free (CopyData *data)
{
  g_object_unref (data->blobs);
  g_free (data->sha256);
  g_free (data->file_name);
  g_free (data);
}

static GFile *
make_copy (CopyData      *data,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autofree char *dir = process_dir ();
  g_autofree char *base = base_dir ();
  g_autofree char *extension = extension_of (data->file_name);
  g_autofree char *path = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GOutputStream) out = NULL;
  struct statfs fs;
  gint64 size;
  int fd;

  if (statfs (g_get_user_runtime_dir (), &fs) != 0 ||
      (fs.f_type != TMPFS_MAGIC && fs.f_type != RAMFS_MAGIC))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("This file is encrypted, and Testigo never writes it decrypted to the disk. "
                             "This system has no memory-backed folder for a copy another program could open, "
                             "so it cannot be opened outside Testigo."));
      return NULL;
    }
  size = tg_blob_store_get_size (data->blobs, data->sha256);
  if (size > 0 && fs.f_type == TMPFS_MAGIC && (guint64) size > (guint64) fs.f_bavail * fs.f_bsize / 2)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                           _("This file is too large to be opened outside Testigo: its decrypted copy is "
                             "kept in memory only, and there is not enough room for it."));
      return NULL;
    }
  if (g_mkdir_with_parents (base, 0700) != 0 || g_mkdir_with_parents (dir, 0700) != 0 ||
      g_chmod (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "%s: %s", dir, g_strerror (saved));
      return NULL;
    }

  if (!(in = tg_blob_store_read (data->blobs, data->sha256, cancellable, error)))
    return NULL;
  path = g_strdup_printf ("%s" G_DIR_SEPARATOR_S "XXXXXXXX%s", dir, extension);
  if ((fd = g_mkstemp_full (path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "%s: %s", dir, g_strerror (saved));
      return NULL;
    }
  out = g_unix_output_stream_new (fd, TRUE);
  if (g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE |
                              G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, cancellable, error) < 0)
    {
      g_unlink (path);
      return NULL;
    }
  return g_file_new_for_path (path);
}

static void
copy_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;
  GFile *file = make_copy (task_data, cancellable, &error);

  if (file != NULL)
    g_task_return_pointer (task, file, g_object_unref);
  else
    g_task_return_error (task, error);
}

void
tg_open_copy_async (TgBlobStore         *blobs,
                    const char          *sha256,
                    const char          *file_name,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  CopyData *data = g_new0 (CopyData, 1);

  g_return_if_fail (TG_IS_BLOB_STORE (blobs));
  g_return_if_fail (sha256 != NULL);

  data->blobs = g_object_ref (blobs);
  data->sha256 = g_strdup (sha256);
  data->file_name = g_strdup (file_name);
  g_task_set_source_tag (task, tg_open_copy_async);
  g_task_set_task_data (task, data, (GDestroyNotify) copy_data_free);
  g_task_run_in_thread (task, copy_thread);
}

GFile *
tg_open_copy_finish (GAsyncResult  *result,
                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tg_open_copy_remove_all (void)
{
  g_autofree char *dir = process_dir ();

  remove_dir (dir);
}

void
tg_open_copy_remove_stale (void)
{
  g_autofree char *base = base_dir ();
  g_autoptr(GDir) handle = g_dir_open (base, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      char *end = NULL;
      long pid = strtol (name, &end, 10);

      if (end == name || *end != '\0' || pid <= 0)
        continue;
      if (kill ((pid_t) pid, 0) == 0 || errno != ESRCH)
        continue;
      {
        g_autofree char *dir = g_build_filename (base, name, NULL);

        remove_dir (dir);
      }
    }
}
