/* tg-at-rest-migrate.c — converting a plain data directory in place
 *
 * The order of the steps is what makes a crash harmless:
 *
 *   store:  copy testigo.db into testigo.db.encrypting, verified, synced
 *           → hard link testigo.db as testigo.db.plain (the same file)
 *           → rename testigo.db.encrypting over testigo.db (the switch)
 *           → overwrite testigo.db.plain (now only the old plain file)
 *             with zeros, sync, remove.
 *   blobs:  hard link the plain blob into at-rest-wipe/ → the blob store
 *           renames its encrypted copy over the blob → overwrite and
 *           remove the link (only the old plain file).
 *
 * Before the switch testigo.db is the plain store; after it, the verified
 * encrypted one. A leftover found at the next start is told apart by the
 * file it is: a link that is still the live file (same device and inode)
 * is only unlinked, one that is not is overwritten first. The marker file
 * at-rest-migration says a conversion began and has not finished.
 *
 * What overwriting cannot reach: copies the filesystem or the disk keep on
 * their own (a journalling or copy-on-write filesystem's old blocks, an
 * SSD's remapped pages). docs/sqlite-cipher.md says so.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-at-rest-migrate"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tg-at-rest-migrate.h"
#include "tg-blob-store.h"
#include "tg-sqlite.h"
#include "tg-types.h"

#define STORE_NAME     "testigo.db"
#define BLOBS_NAME     "blobs"
#define MARKER_NAME    "at-rest-migration"
#define WIPE_DIR_NAME  "at-rest-wipe"
#define ENCRYPTING_SUFFIX ".encrypting"
#define PLAIN_SUFFIX      ".plain"
#define WIPE_CHUNK     (1024 * 1024)

/* Bytes done of the whole conversion, reported through @reporter. */
typedef struct
{
  TgProgress *reporter;  /* nullable */
  guint64     done;
  guint64     total;
} Progress;

static void
progress_add (Progress *progress,
              guint64   n)
{
  progress->done = MIN (progress->done + n, progress->total);
  if (progress->reporter != NULL)
    tg_progress_report (progress->reporter, (goffset) progress->done, (goffset) progress->total,
                        progress->done == progress->total);
}

static gboolean
set_errno_error (GError     **error,
                 int          saved_errno,
                 const char  *what,
                 const char  *path)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               _("Could not convert %s (%s): %s"), path, what, g_strerror (saved_errno));
  return FALSE;
}

static gboolean
fsync_path (const char  *path,
            GError     **error)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0 || fsync (fd) != 0)
    {
      int saved_errno = errno;

      if (fd >= 0)
        close (fd);
      return set_errno_error (error, saved_errno, "fsync", path);
    }
  close (fd);
  return TRUE;
}

static goffset
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (goffset) st.st_size : -1;
}

/* Whether @a and @b are names of one file. */
static gboolean
same_file (const char *a,
           const char *b)
{
  GStatBuf sa, sb;

  return g_stat (a, &sa) == 0 && g_stat (b, &sb) == 0 &&
         sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Overwrites @path's bytes with zeros, syncs, removes it. */
static gboolean
overwrite_and_remove (const char  *path,
                      Progress    *progress,
                      GError     **error)
{
  g_autofree guint8 *zeros = g_malloc0 (WIPE_CHUNK);
  struct stat st;
  off_t left;
  int fd;

  fd = open (path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    {
      if (errno == ENOENT)
        return TRUE;
      return set_errno_error (error, errno, "open", path);
    }
  if (fstat (fd, &st) != 0)
    {
      int saved_errno = errno;

      close (fd);
      return set_errno_error (error, saved_errno, "stat", path);
    }
  for (left = st.st_size; left > 0;)
    {
      ssize_t n = write (fd, zeros, MIN (left, WIPE_CHUNK));

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int saved_errno = n < 0 ? errno : EIO;

          close (fd);
          return set_errno_error (error, saved_errno, "overwrite", path);
        }
      left -= n;
      if (progress != NULL)
        progress_add (progress, (guint64) n);
    }
  if (fsync (fd) != 0)
    {
      int saved_errno = errno;

      close (fd);
      return set_errno_error (error, saved_errno, "fsync", path);
    }
  close (fd);
  if (g_unlink (path) != 0 && errno != ENOENT)
    return set_errno_error (error, errno, "remove", path);
  return TRUE;
}

/* Removes a leftover hard link @link to the file @live may still name:
 * only unlinked if it is still @live (never overwrite a live file),
 * overwritten first if it is the old plain file. */
static gboolean
settle_link (const char  *link_path,
             const char  *live,
             GError     **error)
{
  if (!g_file_test (link_path, G_FILE_TEST_EXISTS))
    return TRUE;
  if (same_file (link_path, live))
    {
      if (g_unlink (link_path) != 0 && errno != ENOENT)
        return set_errno_error (error, errno, "remove", link_path);
      return TRUE;
    }
  return overwrite_and_remove (link_path, NULL, error);
}

static void
remove_database_files (const char *path)
{
  static const char *const suffixes[] = { "", "-journal", "-wal", "-shm" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      g_unlink (file);
    }
}

TgAtRestStoreKind
tg_at_rest_store_kind (const char *directory)
{
  g_autofree char *store = g_build_filename (directory, STORE_NAME, NULL);

  if (file_size (store) <= 0)
    return TG_AT_REST_STORE_NONE;
  return tg_sqlite_file_is_plain (store) ? TG_AT_REST_STORE_PLAIN : TG_AT_REST_STORE_OPAQUE;
}

gboolean
tg_at_rest_needs_migration (const char *directory)
{
  g_autofree char *store = g_build_filename (directory, STORE_NAME, NULL);
  g_autofree char *marker = g_build_filename (directory, MARKER_NAME, NULL);

  return tg_sqlite_file_is_plain (store) || g_file_test (marker, G_FILE_TEST_EXISTS);
}

/* The leftovers of a conversion that was cut short: an unfinished copy,
 * a link to the plain store. */
static gboolean
settle_store (const char  *store,
              GError     **error)
{
  g_autofree char *encrypting = g_strconcat (store, ENCRYPTING_SUFFIX, NULL);
  g_autofree char *plain = g_strconcat (store, PLAIN_SUFFIX, NULL);

  /* Cut short before the switch: the live store is still the plain one
   * (both names one file) and the copy is unfinished. The rename is the
   * switch, so testigo.db can only be missing if someone removed it: put
   * the plain store back rather than leave nothing. */
  if (!g_file_test (store, G_FILE_TEST_EXISTS) && g_file_test (plain, G_FILE_TEST_EXISTS))
    {
      if (g_rename (plain, store) != 0)
        return set_errno_error (error, errno, "rename", plain);
    }
  if (!settle_link (plain, store, error))
    return FALSE;
  if (tg_sqlite_file_is_plain (store))
    remove_database_files (encrypting);
  return TRUE;
}

static gboolean
settle_blobs (const char  *blob_dir,
              const char  *wipe_dir,
              GError     **error)
{
  g_autoptr(GDir) dir = g_dir_open (wipe_dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *link_path = g_build_filename (wipe_dir, name, NULL);
      char prefix[3] = { name[0], name[0] ? name[1] : 0, 0 };
      g_autofree char *live = g_build_filename (blob_dir, prefix, name[0] && name[1] ? name + 2 : "", NULL);

      if (!settle_link (link_path, live, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
is_hex (const char *s,
        gsize       len)
{
  if (strlen (s) != len)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isxdigit (s[i]) || g_ascii_isupper (s[i]))
      return FALSE;
  return TRUE;
}

/* The content addresses of the plain files under blobs/. */
static GPtrArray *
list_plain_blobs (TgBlobStore *blobs,
                  const char  *blob_dir,
                  guint64     *total_size)
{
  GPtrArray *plain = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) top = g_dir_open (blob_dir, 0, NULL);
  const char *prefix;

  while (top != NULL && (prefix = g_dir_read_name (top)) != NULL)
    {
      g_autofree char *sub_path = g_build_filename (blob_dir, prefix, NULL);
      g_autoptr(GDir) sub = NULL;
      const char *rest;

      if (!is_hex (prefix, 2) || !(sub = g_dir_open (sub_path, 0, NULL)))
        continue;
      while ((rest = g_dir_read_name (sub)) != NULL)
        {
          g_autofree char *sha256 = g_strconcat (prefix, rest, NULL);
          g_autofree char *path = g_build_filename (sub_path, rest, NULL);

          if (!is_hex (rest, 62) || tg_blob_store_is_encrypted (blobs, sha256))
            continue;
          *total_size += 2 * (guint64) MAX (file_size (path), 0);
          g_ptr_array_add (plain, g_steal_pointer (&sha256));
        }
    }
  return plain;
}

static gboolean
migrate_store (const char    *directory,
               const char    *store,
               const guint8  *key,
               Progress      *progress,
               GCancellable  *cancellable,
               GError       **error)
{
  g_autofree char *encrypting = g_strconcat (store, ENCRYPTING_SUFFIX, NULL);
  g_autofree char *plain = g_strconcat (store, PLAIN_SUFFIX, NULL);
  g_autoptr(TgSqlite) db = NULL;
  goffset size;

  /* Everything into the main file, and out of WAL mode, so that the
   * plain store is one file to overwrite. */
  if (!(db = tg_sqlite_open (store, SQLITE_OPEN_READWRITE, error)) ||
      !tg_sqlite_exec (db, "PRAGMA wal_checkpoint(TRUNCATE)", error) ||
      !tg_sqlite_exec (db, "PRAGMA journal_mode = DELETE", error))
    return FALSE;
  g_clear_pointer (&db, tg_sqlite_close);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *side = g_strconcat (store, i == 0 ? "-wal" : "-shm", NULL);

      if (!overwrite_and_remove (side, NULL, error))
        return FALSE;
    }

  size = MAX (file_size (store), 0);
  remove_database_files (encrypting);
  if (g_cancellable_set_error_if_cancelled (cancellable, error) ||
      !tg_sqlite_export_encrypted (store, encrypting, key, error) ||
      !fsync_path (encrypting, error) ||
      !fsync_path (directory, error))
    {
      remove_database_files (encrypting);
      return FALSE;
    }
  progress_add (progress, (guint64) size);

  /* The switch. */
  if (link (store, plain) != 0)
    return set_errno_error (error, errno, "link", store);
  if (!fsync_path (directory, error))
    return FALSE;
  if (g_rename (encrypting, store) != 0)
    return set_errno_error (error, errno, "rename", encrypting);
  if (!fsync_path (directory, error))
    return FALSE;

  /* Only the old plain file is left under testigo.db.plain. */
  return overwrite_and_remove (plain, progress, error) && fsync_path (directory, error);
}

static gboolean
migrate_blob (TgBlobStore   *blobs,
              const char    *blob_dir,
              const char    *wipe_dir,
              const char    *sha256,
              Progress      *progress,
              GCancellable  *cancellable,
              GError       **error)
{
  char prefix[3] = { sha256[0], sha256[1], 0 };
  g_autofree char *live = g_build_filename (blob_dir, prefix, sha256 + 2, NULL);
  g_autofree char *link_path = g_build_filename (wipe_dir, sha256, NULL);
  goffset size = MAX (file_size (live), 0);

  g_unlink (link_path);
  if (link (live, link_path) != 0)
    return set_errno_error (error, errno, "link", live);
  if (!fsync_path (wipe_dir, error) ||
      !tg_blob_store_encrypt_in_place (blobs, sha256, cancellable, error))
    {
      /* Not replaced: the link is still the live file; drop it only. */
      g_autoptr(GError) ignored = NULL;

      settle_link (link_path, live, &ignored);
      return FALSE;
    }
  progress_add (progress, (guint64) size);
  return overwrite_and_remove (link_path, progress, error);
}

static gboolean
write_marker (const char  *directory,
              const char  *marker,
              GError     **error)
{
  if (g_file_test (marker, G_FILE_TEST_EXISTS))
    return TRUE;
  return g_file_set_contents_full (marker, "1\n", -1,
                                   G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                   0600, error) &&
         fsync_path (directory, error);
}

gboolean
tg_at_rest_migrate (const char    *directory,
                    TgVault       *vault,
                    TgProgress    *reporter,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autofree char *store = g_build_filename (directory, STORE_NAME, NULL);
  g_autofree char *marker = g_build_filename (directory, MARKER_NAME, NULL);
  g_autofree char *blob_dir = g_build_filename (directory, BLOBS_NAME, NULL);
  g_autofree char *wipe_dir = g_build_filename (directory, WIPE_DIR_NAME, NULL);
  g_autoptr(TgBlobStore) blobs = NULL;
  g_autoptr(GPtrArray) plain_blobs = NULL;
  Progress progress = { reporter, 0, 0 };
  guint8 *key = NULL;
  gboolean ok = FALSE;
  gboolean plain_store;

  g_return_val_if_fail (directory != NULL, FALSE);
  g_return_val_if_fail (TG_IS_VAULT (vault), FALSE);

  if (!tg_at_rest_needs_migration (directory))
    {
      progress_add (&progress, 0);
      return TRUE;
    }
  if ((key = sodium_malloc (TG_SQLITE_KEY_SIZE)) == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, g_strerror (ENOMEM));
      return FALSE;
    }
  if (!tg_vault_derive_subkey (vault, TG_VAULT_PURPOSE_STORE, key, error))
    goto out;

  if (!write_marker (directory, marker, error) ||
      !settle_store (store, error) ||
      !settle_blobs (blob_dir, wipe_dir, error))
    goto out;

  blobs = tg_blob_store_new (blob_dir);
  tg_blob_store_set_vault (blobs, vault);
  plain_blobs = list_plain_blobs (blobs, blob_dir, &progress.total);
  plain_store = tg_sqlite_file_is_plain (store);
  if (plain_store)
    progress.total += 2 * (guint64) MAX (file_size (store), 0);
  progress_add (&progress, 0);

  if (plain_store && !migrate_store (directory, store, key, &progress, cancellable, error))
    goto out;

  if (plain_blobs->len > 0 && g_mkdir_with_parents (wipe_dir, 0700) != 0)
    {
      set_errno_error (error, errno, "mkdir", wipe_dir);
      goto out;
    }
  for (guint i = 0; i < plain_blobs->len; i++)
    if (g_cancellable_set_error_if_cancelled (cancellable, error) ||
        !migrate_blob (blobs, blob_dir, wipe_dir, g_ptr_array_index (plain_blobs, i),
                       &progress, cancellable, error))
      goto out;

  g_rmdir (wipe_dir);
  if (g_unlink (marker) != 0 && errno != ENOENT)
    {
      set_errno_error (error, errno, "remove", marker);
      goto out;
    }
  ok = fsync_path (directory, error);
  progress.done = progress.total;
  progress_add (&progress, 0);

out:
  sodium_free (key);
  return ok;
}

/* Async ------------------------------------------------------------------- */

typedef struct
{
  char       *directory;
  TgVault    *vault;
  TgProgress *reporter;  /* delivers in the caller's context; nullable */
} MigrateData;

static void
migrate_data_free (MigrateData *data)
{
  g_free (data->directory);
  g_clear_object (&data->vault);
  g_clear_pointer (&data->reporter, tg_progress_unref);
  g_free (data);
}

static void
migrate_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  MigrateData *data = task_data;
  GError *error = NULL;

  if (tg_at_rest_migrate (data->directory, data->vault, data->reporter, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
tg_at_rest_migrate_async (const char            *directory,
                          TgVault               *vault,
                          TgProgressFunc         progress,
                          gpointer               user_data,
                          GCancellable          *cancellable,
                          GAsyncReadyCallback    callback,
                          gpointer               callback_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, callback_data);
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  MigrateData *data = g_new0 (MigrateData, 1);

  data->directory = g_strdup (directory);
  data->vault = g_object_ref (vault);
  if (progress != NULL)
    data->reporter = tg_progress_new (progress, user_data, NULL, context, TG_PROGRESS_INTERVAL_MS);
  g_task_set_source_tag (task, tg_at_rest_migrate_async);
  g_task_set_task_data (task, data, (GDestroyNotify) migrate_data_free);
  g_task_run_in_thread (task, migrate_thread);
}

gboolean
tg_at_rest_migrate_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
