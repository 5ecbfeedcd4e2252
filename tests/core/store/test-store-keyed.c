/* test-store-keyed.c — the store encrypted at rest: it opens with its key,
 * keeps reports, their full-text index, custody log and sync history in a
 * database in which no planted word can be found, and a wrong key changes
 * nothing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "tg-sqlite.h"
#include "tg-store.h"
#include "tg-test-common.h"
#include "tg-types.h"

static const char *const planted[] = { "Xochitl Quetzalli", "machete", "Ixcanul" };

typedef struct
{
  char   *dir;
  guint8  key[TG_SQLITE_KEY_SIZE];
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->dir = g_dir_make_tmp ("testigo-store-keyed-XXXXXX", NULL);
  g_assert_nonnull (fixture->dir);
  tg_test_random_key (fixture->key, sizeof fixture->key);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  tg_test_rm_rf (fixture->dir);
  g_free (fixture->dir);
}

/* How many (file, word) pairs: every planted word in every SQLite file of
 * the store (the database, its WAL, its shared memory index). */
static guint
count_planted (const char *dir)
{
  static const char *const files[] = { "testigo.db", "testigo.db-wal", "testigo.db-shm" };
  guint found = 0;

  for (guint f = 0; f < G_N_ELEMENTS (files); f++)
    {
      g_autofree char *path = g_build_filename (dir, files[f], NULL);

      found += tg_test_count_words_in_file (path, planted, G_N_ELEMENTS (planted));
    }
  return found;
}

static char *
save_planted_report (TgStore *store)
{
  g_autoptr(TgReport) report = tg_report_new ();
  g_autoptr(TgPerson) victim = tg_person_new (TG_PERSON_ROLE_VICTIM);
  g_autoptr(TgRevision) revision = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *narrative = g_strdup_printf ("Atacado con un %s cerca de %s.", planted[1], planted[2]);

  tg_report_set_title (report, planted[2]);
  tg_report_set_narrative (report, narrative);
  tg_report_set_location (report, -15.4996, -70.1331, TG_LOCATION_METHOD_MAP);
  tg_person_set_name (victim, planted[0]);
  tg_report_add_person (report, victim);
  revision = tg_store_save_report (store, report, &error);
  g_assert_no_error (error);
  g_assert_nonnull (revision);
  return g_strdup (tg_report_get_id (report));
}

static guint
count_located (TgStore *store)
{
  g_autoptr(TgReportQuery) query = tg_report_query_new ();
  g_autoptr(GArray) locations = NULL;
  g_autoptr(GError) error = NULL;

  /* The store's second, read-only connection: keyed as well. */
  locations = tg_store_query_locations (store, query, &error);
  g_assert_no_error (error);
  return locations->len;
}

static TgStore *
open_keyed (const char   *dir,
            const guint8 *key)
{
  g_autoptr(GError) error = NULL;
  TgStore *store = tg_store_open_keyed (dir, key, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

static void
test_round_trip (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(TgStore) store = open_keyed (fixture->dir, fixture->key);
  g_autoptr(TgReport) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = save_planted_report (store);
  g_autofree char *db_path = g_build_filename (fixture->dir, "testigo.db", NULL);

  g_assert_cmpuint (tg_test_count_matches (store, planted[1]), ==, 1);
  g_assert_cmpuint (count_located (store), ==, 1);
  /* Open, with the revision in the WAL: nothing readable. */
  g_assert_cmpuint (count_planted (fixture->dir), ==, 0);
  g_clear_object (&store);
  g_assert_cmpuint (count_planted (fixture->dir), ==, 0);
  g_assert_false (tg_sqlite_file_is_plain (db_path));

  store = open_keyed (fixture->dir, fixture->key);
  loaded = tg_store_load_report (store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tg_report_get_title (loaded), ==, planted[2]);
  g_assert_cmpuint (tg_test_count_matches (store, planted[2]), ==, 1);
  g_assert_cmpint (tg_store_get_schema_version (store), ==, TG_STORE_SCHEMA_VERSION);
  g_assert_nonnull (tg_store_get_custody_log (store));
}

/* The same report in a plain store is found by the same scan: the scan
 * can fail. */
static void
test_scan_finds_plain (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(TgStore) store = tg_test_open_store (fixture->dir);
  g_autofree char *id = save_planted_report (store);

  g_clear_object (&store);
  g_assert_cmpuint (count_planted (fixture->dir), >=, G_N_ELEMENTS (planted));
}

static GBytes *
read_all (const char *dir)
{
  g_autofree char *db_path = g_build_filename (dir, "testigo.db", NULL);
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (db_path, &contents, &length, NULL));
  return g_bytes_new_take (g_steal_pointer (&contents), length);
}

static void
test_wrong_key (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(TgStore) store = open_keyed (fixture->dir, fixture->key);
  g_autofree char *id = save_planted_report (store);
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;
  g_autoptr(GError) error = NULL;
  guint8 wrong[TG_SQLITE_KEY_SIZE];

  g_clear_object (&store);
  before = read_all (fixture->dir);

  memcpy (wrong, fixture->key, sizeof wrong);
  wrong[0] ^= 0x80;
  store = tg_store_open_keyed (fixture->dir, wrong, &error);
  g_assert_error (error, TG_ERROR, TG_ERROR_WRONG_KEY);
  g_assert_null (store);
  g_clear_error (&error);

  /* Without a key: not a Testigo database, and still nothing written. */
  store = tg_store_open (fixture->dir, &error);
  g_assert_error (error, TG_ERROR, TG_ERROR_NOT_A_DATABASE);
  g_assert_null (store);
  g_clear_error (&error);

  after = read_all (fixture->dir);
  g_assert_true (g_bytes_equal (before, after));

  store = open_keyed (fixture->dir, fixture->key);
  g_assert_cmpuint (tg_store_count_reports (store), ==, 1);
}

static void
test_plain_refused (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(TgStore) store = tg_test_open_store (fixture->dir);
  g_autofree char *id = save_planted_report (store);
  g_autoptr(GError) error = NULL;

  g_clear_object (&store);
  store = tg_store_open_keyed (fixture->dir, fixture->key, &error);
  g_assert_error (error, TG_ERROR, TG_ERROR_INVALID);
  g_assert_null (store);
  g_clear_error (&error);

  store = tg_store_open (fixture->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tg_store_count_reports (store), ==, 1);
}

static void
opened_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  TgStore **store = user_data;
  g_autoptr(GError) error = NULL;

  *store = tg_store_open_finish (result, &error);
  g_assert_no_error (error);
}

static void
test_async (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(TgStore) store = open_keyed (fixture->dir, fixture->key);
  g_autofree char *id = save_planted_report (store);
  guint8 key[TG_SQLITE_KEY_SIZE];

  g_clear_object (&store);
  memcpy (key, fixture->key, sizeof key);
  tg_store_open_keyed_async (fixture->dir, key, NULL, opened_cb, &store);
  /* The key is copied: the caller may wipe its own at once. */
  memset (key, 0, sizeof key);
  while (store == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (tg_store_count_reports (store), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/store-keyed/round-trip", test_round_trip);
  ADD ("/store-keyed/scan-finds-plain", test_scan_finds_plain);
  ADD ("/store-keyed/wrong-key", test_wrong_key);
  ADD ("/store-keyed/plain-refused", test_plain_refused);
  ADD ("/store-keyed/async", test_async);
#undef ADD

  return g_test_run ();
}
