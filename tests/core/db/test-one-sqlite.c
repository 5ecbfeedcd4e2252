/* test-one-sqlite.c — one SQLite in the process: libshumate's tile file
 * cache, which links the system libsqlite3, runs on the SQLite3 Multiple
 * Ciphers copy the program carries, and works beside an encrypted store
 *
 * The proof: an automatic extension registered with our copy (its own
 * global state) sees the connection libshumate opens for its cache. Were
 * libshumate's calls bound to the system library, that copy would never
 * run our extension and the test would fail.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
/* dladdr(), RTLD_DEFAULT */
#define _GNU_SOURCE
#include "config.h"

#include <dlfcn.h>
#include <glib/gstdio.h>
#include <shumate/shumate.h>
#include <string.h>

#include "tg-sqlite.h"

static GMutex opened_lock;
static GPtrArray *opened;  /* file names of the connections our copy opened */

static int
record_open (sqlite3                     *db,
             char                       **error_message,
             const struct sqlite3_api_routines *api)
{
  const char *name = sqlite3_db_filename (db, "main");

  g_mutex_lock (&opened_lock);
  g_ptr_array_add (opened, g_strdup (name ? name : ""));
  g_mutex_unlock (&opened_lock);
  return SQLITE_OK;
}

static gboolean
opened_under (const char *dir)
{
  gboolean found = FALSE;

  g_mutex_lock (&opened_lock);
  for (guint i = 0; i < opened->len; i++)
    found |= g_str_has_prefix (g_ptr_array_index (opened, i), dir);
  g_mutex_unlock (&opened_lock);
  return found;
}

typedef struct
{
  gboolean  done;
  GBytes   *bytes;
  GError   *error;
} Result;

static void
stored_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Result *r = user_data;

  shumate_file_cache_store_tile_finish (SHUMATE_FILE_CACHE (source), result, &r->error);
  r->done = TRUE;
}

static void
got_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  Result *r = user_data;

  r->bytes = shumate_file_cache_get_tile_finish (SHUMATE_FILE_CACHE (source), NULL, NULL,
                                                  result, &r->error);
  r->done = TRUE;
}

/* Waits for the callback (a state; meson's timeout bounds a hang). */
static void
wait_for (Result *r)
{
  while (!r->done)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_symbols (void)
{
  Dl_info ours = { 0 };
  Dl_info resolved = { 0 };
  void *system_copy = dlopen ("libsqlite3.so.0", RTLD_NOW | RTLD_NOLOAD);

  /* What a shared library's reference to sqlite3_open_v2 binds to: the
   * first definition in the global scope, the program's own. */
  g_assert_true (dladdr ((void *) sqlite3_open_v2, &ours));
  g_assert_true (dladdr (dlsym (RTLD_DEFAULT, "sqlite3_open_v2"), &resolved));
  g_assert_cmpstr (ours.dli_fname, ==, resolved.dli_fname);
  g_assert_true (dlsym (RTLD_DEFAULT, "sqlite3_open_v2") == (void *) sqlite3_open_v2);
  g_assert_nonnull (strstr (tg_sqlite_cipher_version (), "SQLite3 Multiple Ciphers"));

  /* The system library is mapped (libshumate and libsoup name it), but
   * none of its functions is what the process calls. */
  if (system_copy != NULL)
    {
      g_assert_true (dlsym (system_copy, "sqlite3_open_v2") != (void *) sqlite3_open_v2);
      dlclose (system_copy);
    }
  else
    g_test_message ("the system libsqlite3 is not loaded at all");
}

static void
test_shumate_cache_beside_encrypted_store (void)
{
  g_autofree char *dir = g_dir_make_tmp ("testigo-one-sqlite-XXXXXX", NULL);
  g_autofree char *cache_dir = g_build_filename (dir, "tiles", NULL);
  g_autofree char *store_path = g_build_filename (dir, "store.db", NULL);
  g_autoptr(ShumateFileCache) cache = NULL;
  g_autoptr(TgSqlite) store = NULL;
  g_autoptr(GBytes) tile = g_bytes_new_static ("\x89PNG not really a tile", 22);
  g_autoptr(GError) error = NULL;
  Result stored = { 0 }, got = { 0 }, missing = { 0 };
  guint8 key[TG_SQLITE_KEY_SIZE];

  for (guint i = 0; i < sizeof key; i++)
    key[i] = (guint8) g_random_int ();

  /* The encrypted store, open and written, all along. */
  store = tg_sqlite_open_keyed (store_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, key, &error);
  g_assert_no_error (error);
  g_assert_true (tg_sqlite_exec (store, "PRAGMA journal_mode = WAL;"
                                 "CREATE TABLE t (x); INSERT INTO t VALUES ('Ixcanul');", &error));
  g_assert_no_error (error);

  g_assert_false (opened_under (cache_dir));
  cache = shumate_file_cache_new_full (10 * 1024 * 1024, "testigo-test", cache_dir);

  shumate_file_cache_store_tile_async (cache, 3, 5, 4, tile, "etag-1", NULL, stored_cb, &stored);
  wait_for (&stored);
  g_assert_no_error (stored.error);

  shumate_file_cache_get_tile_async (cache, 3, 5, 4, NULL, got_cb, &got);
  wait_for (&got);
  g_assert_no_error (got.error);
  g_assert_nonnull (got.bytes);
  g_assert_true (g_bytes_equal (got.bytes, tile));

  shumate_file_cache_get_tile_async (cache, 4, 5, 4, NULL, got_cb, &missing);
  wait_for (&missing);
  g_assert_null (missing.bytes);
  g_clear_error (&missing.error);

  /* libshumate's database was opened by our copy. */
  g_assert_true (opened_under (cache_dir));

  /* And the store still reads. */
  g_assert_true (tg_sqlite_exec (store, "INSERT INTO t VALUES ('x')", &error));
  g_assert_no_error (error);

  g_clear_pointer (&got.bytes, g_bytes_unref);
  g_clear_object (&cache);
  g_clear_pointer (&store, tg_sqlite_close);
  {
    g_autoptr(GDir) d = g_dir_open (cache_dir, 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name (d)))
      {
        g_autofree char *file = g_build_filename (cache_dir, name, NULL);
        g_remove (file);
      }
  }
  g_rmdir (cache_dir);
  {
    g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name (d)))
      {
        g_autofree char *file = g_build_filename (dir, name, NULL);
        g_remove (file);
      }
  }
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  opened = g_ptr_array_new_with_free_func (g_free);
  g_assert_cmpint (sqlite3_auto_extension ((void (*) (void)) record_open), ==, SQLITE_OK);

  g_test_add_func ("/one-sqlite/symbols", test_symbols);
  g_test_add_func ("/one-sqlite/shumate-cache", test_shumate_cache_beside_encrypted_store);

  return g_test_run ();
}
