/* test-open-copy.c — "Open"'s decrypted copy (src/app/lock/tg-open-copy.c)
 *
 * An encrypted blob opened for another program: decrypted into
 * $XDG_RUNTIME_DIR/testigo-open/PID when that folder is memory-backed,
 * 0600 in a 0700 folder, the plain bytes, never under the file's own
 * name; removed by tg_open_copy_remove_all(); a dead process's folder
 * removed by tg_open_copy_remove_stale(). A runtime folder on the disk:
 * refused, with the reason, and nothing written. Each case runs in a
 * subprocess with its own XDG_RUNTIME_DIR (GLib reads it once).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "tg-blob-store.h"
#include "tg-open-copy.h"
#include "tg-test-common.h"
#include "tg-vault.h"

#define PASSPHRASE "tin whistle over the bay"
#define CONTENT    "Testimonio de Xochitl Quetzalli: el machete, Ixcanul."

static void
store_result (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GFile *
copy_of (TgBlobStore  *blobs,
         const char   *sha256,
         GError      **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  GAsyncResult *result = NULL;
  GFile *file;

  g_main_context_push_thread_default (context);
  tg_open_copy_async (blobs, sha256, "witness statement.TXT", NULL,
                      store_result, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  file = tg_open_copy_finish (result, error);
  g_object_unref (result);
  g_main_context_pop_thread_default (context);
  return file;
}

static TgBlobStore *
encrypted_blob (const char  *dir,
                TgVault    **vault_out,
                char       **sha256_out)
{
  g_autofree char *blob_dir = g_build_filename (dir, "blobs", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new_static (CONTENT, strlen (CONTENT));
  g_autoptr(TgBlobInfo) info = NULL;
  TgVault *vault = tg_vault_new (dir);
  TgBlobStore *blobs = tg_blob_store_new (blob_dir);

  tg_vault_set_kdf_limits (vault, 1, 8 * 1024 * 1024);
  g_assert_true (tg_vault_create (vault, PASSPHRASE, NULL, &error));
  g_assert_no_error (error);
  tg_blob_store_set_vault (blobs, vault);
  info = tg_blob_store_import_bytes (blobs, bytes, "witness statement.txt", &error);
  g_assert_no_error (error);
  g_assert_true (tg_blob_store_is_encrypted (blobs, tg_blob_info_get_sha256 (info)));
  *vault_out = vault;
  *sha256_out = g_strdup (tg_blob_info_get_sha256 (info));
  return blobs;
}

static void
child_memory (void)
{
  g_autofree char *dir = tg_test_make_tmp_dir ("testigo-open-copy-XXXXXX");
  g_autoptr(TgVault) vault = NULL;
  g_autofree char *sha256 = NULL;
  g_autoptr(TgBlobStore) blobs = encrypted_blob (dir, &vault, &sha256);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) copy = copy_of (blobs, sha256, &error);
  g_autofree char *path = NULL;
  g_autofree char *parent = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *base = NULL;
  GStatBuf st;

  g_assert_no_error (error);
  g_assert_nonnull (copy);
  path = g_file_get_path (copy);
  parent = g_path_get_dirname (path);
  base = g_path_get_basename (path);
  g_assert_true (g_str_has_prefix (path, g_get_user_runtime_dir ()));
  g_assert_true (g_str_has_suffix (base, ".txt"));
  g_assert_null (strstr (base, "witness"));
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (parent, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, CONTENT);

  tg_open_copy_remove_all ();
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (parent, G_FILE_TEST_EXISTS));

  /* A locked vault: the copy cannot be made. */
  tg_vault_lock (vault);
  g_clear_object (&copy);
  copy = copy_of (blobs, sha256, &error);
  g_assert_null (copy);
  g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_LOCKED);
  tg_open_copy_remove_all ();
  tg_test_rm_rf (dir);
}

static void
child_disk (void)
{
  g_autofree char *dir = tg_test_make_tmp_dir ("testigo-open-copy-XXXXXX");
  g_autoptr(TgVault) vault = NULL;
  g_autofree char *sha256 = NULL;
  g_autoptr(TgBlobStore) blobs = encrypted_blob (dir, &vault, &sha256);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) copy = copy_of (blobs, sha256, &error);
  g_autofree char *folder = g_build_filename (g_get_user_runtime_dir (), "testigo-open", NULL);

  g_assert_null (copy);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "never writes it decrypted to the disk"));
  g_assert_false (g_file_test (folder, G_FILE_TEST_EXISTS));
  tg_test_rm_rf (dir);
}

static void
child_stale (void)
{
  g_autofree char *base = g_build_filename (g_get_user_runtime_dir (), "testigo-open", NULL);
  /* PIDs are below 2^22 on Linux: this one is no process. */
  g_autofree char *dead = g_build_filename (base, "4194303", NULL);
  g_autofree char *dead_file = g_build_filename (dead, "abcdefgh.jpg", NULL);
  g_autofree char *alive = g_build_filename (base, "1", NULL);

  g_assert_cmpint (g_mkdir_with_parents (dead, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (alive, 0700), ==, 0);
  g_assert_true (g_file_set_contents (dead_file, CONTENT, -1, NULL));
  tg_open_copy_remove_stale ();
  g_assert_false (g_file_test (dead, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (alive, G_FILE_TEST_IS_DIR));  /* PID 1 is alive */
  g_rmdir (alive);
  g_rmdir (base);
}

static void
run_child (const char *path,
           const char *runtime)
{
  g_setenv ("XDG_RUNTIME_DIR", runtime, TRUE);
  g_test_trap_subprocess (path, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

static void
test_memory (void)
{
  struct statfs fs;
  g_autofree char *runtime = NULL;

  if (statfs ("/dev/shm", &fs) != 0 || fs.f_type != 0x01021994)
    {
      g_test_skip ("no tmpfs at /dev/shm");
      return;
    }
  runtime = g_strdup ("/dev/shm/testigo-open-copy-XXXXXX");
  g_assert_nonnull (g_mkdtemp (runtime));
  run_child ("/open-copy/subprocess/memory", runtime);
  run_child ("/open-copy/subprocess/stale", runtime);
  tg_test_rm_rf (runtime);
}

static void
test_disk (void)
{
  g_autofree char *runtime = tg_test_make_tmp_dir ("testigo-open-copy-run-XXXXXX");
  struct statfs fs;

  if (statfs (runtime, &fs) == 0 && (fs.f_type == 0x01021994 || fs.f_type == 0x858458f6))
    {
      g_test_skip ("the temporary folder is memory-backed here");
      tg_test_rm_rf (runtime);
      return;
    }
  run_child ("/open-copy/subprocess/disk", runtime);
  tg_test_rm_rf (runtime);
}

/* The child cases run only in the subprocess their parent case starts. */
static void
only_in_subprocess (gconstpointer data)
{
  if (!g_test_subprocess ())
    {
      g_test_skip ("run by its parent case");
      return;
    }
  ((void (*) (void)) data) ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/open-copy/memory", test_memory);
  g_test_add_func ("/open-copy/disk", test_disk);
  g_test_add_data_func ("/open-copy/subprocess/memory", child_memory, only_in_subprocess);
  g_test_add_data_func ("/open-copy/subprocess/disk", child_disk, only_in_subprocess);
  g_test_add_data_func ("/open-copy/subprocess/stale", child_stale, only_in_subprocess);
  return g_test_run ();
}
