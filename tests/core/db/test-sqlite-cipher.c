/* test-sqlite-cipher.c — databases encrypted at rest: the keyed open, a
 * wrong key, the encrypted copy of a plain database, the keyed WAL
 * checkpointer, no planted text in the files (database and WAL), and the
 * databases of the SQLCipher 4 scheme written before AEGIS-256
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "tg-sqlite.h"
#include "tg-types.h"
#include "tg-wal-checkpointer.h"
#include "tg-test-common.h"

/* Words that must never appear in an encrypted file: a victim's name, a
 * word of a narrative, a place. */
static const char *const planted[] = { "Xochitl Quetzalli", "machete", "Ixcanul" };

typedef struct
{
  char   *dir;
  char   *path;
  guint8  key[TG_SQLITE_KEY_SIZE];
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->dir = tg_test_make_tmp_dir ("testigo-cipher-XXXXXX");
  fixture->path = g_build_filename (fixture->dir, "store.db", NULL);
  tg_test_random_key (fixture->key, sizeof fixture->key);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  tg_test_rm_rf (fixture->dir);
  g_free (fixture->path);
  g_free (fixture->dir);
}

/* Each planted word in any of @path's files (database, -wal, -journal). */
static guint
count_planted (const char *path)
{
  static const char *const suffixes[] = { "", "-wal", "-journal" };
  guint found = 0;

  for (guint s = 0; s < G_N_ELEMENTS (suffixes); s++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[s], NULL);

      found += tg_test_count_words_in_file (file, planted, G_N_ELEMENTS (planted));
    }
  return found;
}

static void
exec_ok (TgSqlite   *db,
         const char *sql)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tg_sqlite_exec (db, sql, &error));
  g_assert_no_error (error);
}

static gint64
query_int (TgSqlite   *db,
           const char *sql)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (tg_sqlite_get_db (db), sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  return sqlite3_column_int64 (stmt, 0);
}

/* A store-like schema: a table, an FTS5 index over it, JSON in a column;
 * the planted words in every part. */
static void
fill (TgSqlite *db,
      guint     n_rows)
{
  exec_ok (db,
           "CREATE TABLE IF NOT EXISTS report (id INTEGER PRIMARY KEY, title TEXT, body TEXT);"
           "CREATE VIRTUAL TABLE IF NOT EXISTS report_fts USING fts5 (title, body);"
           "PRAGMA user_version = 7;");
  exec_ok (db, "BEGIN");
  for (guint i = 0; i < n_rows; i++)
    {
      g_autofree char *sql =
        g_strdup_printf ("INSERT INTO report (title, body) VALUES ('%s %u', "
                         "json_object('narrative', 'a %s near %s', 'n', %u));"
                         "INSERT INTO report_fts (rowid, title, body) "
                         "SELECT id, title, body FROM report WHERE id = last_insert_rowid();",
                         planted[0], i, planted[1], planted[2], i);
      exec_ok (db, sql);
    }
  exec_ok (db, "COMMIT");
}

static TgSqlite *
open_keyed (const char   *path,
            const guint8 *key)
{
  g_autoptr(GError) error = NULL;
  TgSqlite *db = tg_sqlite_open_keyed (path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, key, &error);

  g_assert_no_error (error);
  g_assert_nonnull (db);
  return db;
}

static void
test_keyed_round_trip (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(TgSqlite) db = open_keyed (fixture->path, fixture->key);
  g_autofree char *wal = g_strconcat (fixture->path, "-wal", NULL);
  g_autofree char *contents = NULL;
  gsize length;

  exec_ok (db, "PRAGMA journal_mode = WAL");
  exec_ok (db, "PRAGMA wal_autocheckpoint = 0");
  fill (db, 200);

  /* Everything still in the WAL: it must be as unreadable as the file.
   * The scheme is read from the log's first frame while the database
   * file is empty. */
  g_assert_true (g_file_test (wal, G_FILE_TEST_EXISTS));
  g_assert_cmpint (tg_sqlite_file_cipher (fixture->path), ==, TG_SQLITE_CIPHER_AEGIS256);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM report_fts WHERE report_fts MATCH 'machete'"), ==, 200);
  g_assert_cmpuint (count_planted (fixture->path), ==, 0);

  /* The same words in a plain database are found: the scan can fail. */
    {
      g_autofree char *plain_path = g_build_filename (fixture->dir, "plain.db", NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(TgSqlite) plain = tg_sqlite_open (plain_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &error);

      g_assert_no_error (error);
      exec_ok (plain, "PRAGMA journal_mode = WAL");
      fill (plain, 10);
      g_assert_cmpuint (count_planted (plain_path), >=, G_N_ELEMENTS (planted));
    }

  /* Checkpointed into the database file: still nothing. */
  exec_ok (db, "PRAGMA wal_checkpoint(TRUNCATE)");
  g_clear_pointer (&db, tg_sqlite_close);
  g_assert_cmpuint (count_planted (fixture->path), ==, 0);

  /* AEGIS-256: no plain header, 16 KiB pages; page 1's bytes 16-23
   * (page size, format, 64 reserved bytes) readable, the rest not. */
  g_assert_false (tg_sqlite_file_is_plain (fixture->path));
  g_assert_cmpint (tg_sqlite_file_cipher (fixture->path), ==, TG_SQLITE_CIPHER_AEGIS256);
  g_assert_true (g_file_get_contents (fixture->path, &contents, &length, NULL));
  g_assert_cmpuint (length % 16384, ==, 0);
  g_assert_cmpuint (length, >, 0);
  g_assert_cmpint ((guint8) contents[16], ==, 0x40);
  g_assert_cmpint ((guint8) contents[17], ==, 0x00);
  g_assert_cmpint ((guint8) contents[20], ==, 64);

  db = open_keyed (fixture->path, fixture->key);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM report"), ==, 200);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM report_fts WHERE report_fts MATCH 'Ixcanul'"), ==, 200);
  g_assert_cmpint (query_int (db, "SELECT sum(body ->> '$.n') FROM report"), ==, 199 * 200 / 2);
  g_assert_cmpint (query_int (db, "PRAGMA page_size"), ==, 16384);
  g_assert_cmpint (query_int (db, "PRAGMA user_version"), ==, 7);
}

static void
test_wrong_key (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(TgSqlite) db = open_keyed (fixture->path, fixture->key);
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize before_length, after_length;
  guint8 wrong[TG_SQLITE_KEY_SIZE];

  exec_ok (db, "PRAGMA journal_mode = WAL");
  fill (db, 20);
  g_clear_pointer (&db, tg_sqlite_close);
  g_assert_true (g_file_get_contents (fixture->path, &before, &before_length, NULL));

  memcpy (wrong, fixture->key, sizeof wrong);
  wrong[TG_SQLITE_KEY_SIZE - 1] ^= 0x01;
  db = tg_sqlite_open_keyed (fixture->path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, wrong, &error);
  g_assert_error (error, TG_ERROR, TG_ERROR_WRONG_KEY);
  g_assert_null (db);
  g_assert_nonnull (strstr (error->message, fixture->path));
  g_assert_nonnull (strstr (error->message, "Nothing was changed"));
  g_clear_error (&error);

  /* Opened without a key, the file is not a database. */
  db = tg_sqlite_open (fixture->path, SQLITE_OPEN_READWRITE, &error);
  g_assert_no_error (error);
  g_assert_false (tg_sqlite_exec (db, "SELECT count(*) FROM sqlite_schema", &error));
  g_assert_error (error, TG_ERROR, TG_ERROR_NOT_A_DATABASE);
  g_clear_error (&error);
  g_clear_pointer (&db, tg_sqlite_close);

  /* Not a byte changed, and the right key still opens it. */
  g_assert_true (g_file_get_contents (fixture->path, &after, &after_length, NULL));
  g_assert_cmpmem (before, before_length, after, after_length);
  db = open_keyed (fixture->path, fixture->key);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM report"), ==, 20);
}

static void
test_plain_with_key (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgSqlite) db = tg_sqlite_open (fixture->path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &error);

  g_assert_no_error (error);
  fill (db, 3);
  g_clear_pointer (&db, tg_sqlite_close);
  g_assert_true (tg_sqlite_file_is_plain (fixture->path));

  db = tg_sqlite_open_keyed (fixture->path, SQLITE_OPEN_READWRITE, fixture->key, &error);
  g_assert_error (error, TG_ERROR, TG_ERROR_INVALID);
  g_assert_null (db);
  g_assert_true (tg_sqlite_file_is_plain (fixture->path));
}

static void
test_export (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *plain_path = g_build_filename (fixture->dir, "plain.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TgSqlite) plain = NULL;
  g_autoptr(TgSqlite) copy = NULL;
  gboolean ok;

  plain = tg_sqlite_open (plain_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  exec_ok (plain, "PRAGMA page_size = 4096");
  exec_ok (plain, "PRAGMA journal_mode = WAL");
  exec_ok (plain, "PRAGMA wal_autocheckpoint = 0");
  fill (plain, 300);
  /* Part of it only in the WAL: the copy must include it. */
  g_clear_pointer (&plain, tg_sqlite_close);

  ok = tg_sqlite_export_encrypted (plain_path, fixture->path, fixture->key, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_false (tg_sqlite_file_is_plain (fixture->path));
  g_assert_cmpint (tg_sqlite_file_cipher (fixture->path), ==, TG_SQLITE_CIPHER_AEGIS256);
  g_assert_cmpint (tg_sqlite_file_cipher (plain_path), ==, TG_SQLITE_CIPHER_NONE);
  g_assert_true (tg_sqlite_file_is_plain (plain_path));
  g_assert_cmpuint (count_planted (fixture->path), ==, 0);

  copy = open_keyed (fixture->path, fixture->key);
  g_assert_cmpint (query_int (copy, "SELECT count(*) FROM report"), ==, 300);
  g_assert_cmpint (query_int (copy, "SELECT count(*) FROM report_fts WHERE report_fts MATCH 'Xochitl'"), ==, 300);
  g_assert_cmpint (query_int (copy, "PRAGMA user_version"), ==, 7);
  /* The copy can become a WAL store and take writes. */
  exec_ok (copy, "PRAGMA journal_mode = WAL");
  fill (copy, 5);
  g_assert_cmpint (query_int (copy, "SELECT count(*) FROM report"), ==, 305);
  g_clear_pointer (&copy, tg_sqlite_close);
  g_assert_cmpuint (count_planted (fixture->path), ==, 0);

  /* Never over an existing file. */
  g_assert_false (tg_sqlite_export_encrypted (plain_path, fixture->path, fixture->key, &error));
  g_assert_error (error, TG_ERROR, TG_ERROR_CONFLICT);
  g_clear_error (&error);
  copy = open_keyed (fixture->path, fixture->key);
  g_assert_cmpint (query_int (copy, "SELECT count(*) FROM report"), ==, 305);
}

static void
test_export_damaged (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *plain_path = g_build_filename (fixture->dir, "plain.db", NULL);
  g_autoptr(GError) error = NULL;

  /* Not a database at all: an error, and no copy left behind. */
  g_assert_true (g_file_set_contents (plain_path, "This is not an SQLite database, just text. "
                                      "This is not an SQLite database, just text.", -1, NULL));
  g_assert_false (tg_sqlite_export_encrypted (plain_path, fixture->path, fixture->key, &error));
  g_assert_error (error, TG_ERROR, TG_ERROR_NOT_A_DATABASE);
  g_assert_false (g_file_test (fixture->path, G_FILE_TEST_EXISTS));
}

static void
test_checkpointer_keyed (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(TgSqlite) db = open_keyed (fixture->path, fixture->key);
  g_autoptr(TgWalCheckpointer) checkpointer = NULL;
  g_autoptr(GError) error = NULL;
  guint8 wrong[TG_SQLITE_KEY_SIZE] = { 0 };
  gint64 deadline;

  exec_ok (db, "PRAGMA journal_mode = WAL");
  fill (db, 1);

  checkpointer = tg_wal_checkpointer_new_keyed (tg_sqlite_get_db (db), fixture->path, wrong,
                                                4, 1000, &error);
  g_assert_error (error, TG_ERROR, TG_ERROR_WRONG_KEY);
  g_assert_null (checkpointer);
  g_clear_error (&error);

  checkpointer = tg_wal_checkpointer_new_keyed (tg_sqlite_get_db (db), fixture->path, fixture->key,
                                                4, 1000, &error);
  g_assert_no_error (error);
  fill (db, 200);
  /* Waits for the thread's checkpoint (a state), bounded. */
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (tg_wal_checkpointer_get_n_checkpoints (checkpointer) == 0 &&
         g_get_monotonic_time () < deadline)
    g_thread_yield ();
  g_assert_cmpuint (tg_wal_checkpointer_get_n_checkpoints (checkpointer), >, 0);
  g_clear_pointer (&checkpointer, tg_wal_checkpointer_free);
  g_clear_pointer (&db, tg_sqlite_close);
  g_assert_cmpuint (count_planted (fixture->path), ==, 0);

  db = open_keyed (fixture->path, fixture->key);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM report"), ==, 201);
}

/* A database written before AEGIS-256, by the code of main at bd6ee48 in
 * the SQLCipher 4 scheme (raw key 0x40, 0x41 … 0x5f; a table "report"
 * with the rows "Xochitl Quetzalli, machete, Ixcanul" and "ñandú en
 * Ñuñoa", user_version 42, checkpointed): it still opens, takes writes in
 * its own scheme, and a wrong key still changes nothing. */
static void
test_sqlcipher4_fixture (Fixture       *fixture,
                         gconstpointer  data)
{
  const char *source = g_test_get_filename (G_TEST_DIST, "core", "db", "sqlcipher4-fixture.db", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *after = NULL;
  g_autoptr(TgSqlite) db = NULL;
  g_autoptr(GError) error = NULL;
  guint8 key[TG_SQLITE_KEY_SIZE];
  gsize length, after_length;

  for (guint i = 0; i < TG_SQLITE_KEY_SIZE; i++)
    key[i] = (guint8) (0x40 + i);
  g_assert_true (g_file_get_contents (source, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (fixture->path, contents, length, NULL));
  g_assert_cmpint (tg_sqlite_file_cipher (fixture->path), ==, TG_SQLITE_CIPHER_SQLCIPHER4);
  g_assert_cmpuint (count_planted (fixture->path), ==, 0);

  /* A wrong key: refused, not a byte changed. */
  db = tg_sqlite_open_keyed (fixture->path, SQLITE_OPEN_READWRITE, fixture->key, &error);
  g_assert_error (error, TG_ERROR, TG_ERROR_WRONG_KEY);
  g_assert_null (db);
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (fixture->path, &after, &after_length, NULL));
  g_assert_cmpmem (contents, length, after, after_length);

  db = open_keyed (fixture->path, key);
  g_assert_cmpint (query_int (db, "PRAGMA user_version"), ==, 42);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM report WHERE body LIKE '%Ixcanul%'"), ==, 1);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM report WHERE body = 'ñandú en Ñuñoa'"), ==, 1);
  g_assert_cmpint (query_int (db, "PRAGMA page_size"), ==, 16384);
  exec_ok (db, "PRAGMA journal_mode = WAL");
  exec_ok (db, "INSERT INTO report (body) VALUES ('Xochitl Quetzalli otra vez')");
  g_assert_cmpuint (count_planted (fixture->path), ==, 0);
  exec_ok (db, "PRAGMA wal_checkpoint(TRUNCATE)");
  g_clear_pointer (&db, tg_sqlite_close);

  /* Still the old scheme, and still everything in it. */
  g_assert_cmpint (tg_sqlite_file_cipher (fixture->path), ==, TG_SQLITE_CIPHER_SQLCIPHER4);
  g_assert_cmpuint (count_planted (fixture->path), ==, 0);
  db = open_keyed (fixture->path, key);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM report"), ==, 3);
}

/* Databases made in the SQLCipher 4 scheme by this build (as before
 * AEGIS-256): the WAL, the keyed checkpointer and the reopen all find
 * the scheme from the file, whatever new databases get. */
static void
test_sqlcipher4_made (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(TgSqlite) db = NULL;
  g_autoptr(TgWalCheckpointer) checkpointer = NULL;
  g_autoptr(GError) error = NULL;
  gint64 deadline;

  tg_sqlite_set_new_cipher_for_testing (TG_SQLITE_CIPHER_SQLCIPHER4);
  db = open_keyed (fixture->path, fixture->key);
  exec_ok (db, "PRAGMA journal_mode = WAL");
  exec_ok (db, "PRAGMA wal_autocheckpoint = 0");
  fill (db, 50);
  g_assert_cmpint (tg_sqlite_file_cipher (fixture->path), ==, TG_SQLITE_CIPHER_SQLCIPHER4);
  tg_sqlite_set_new_cipher_for_testing (TG_SQLITE_CIPHER_AEGIS256);

  /* The checkpointer's connection, opened after the switch: the file's
   * scheme, from the log. */
  checkpointer = tg_wal_checkpointer_new_keyed (tg_sqlite_get_db (db), fixture->path, fixture->key,
                                                4, 1000, &error);
  g_assert_no_error (error);
  fill (db, 100);
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (tg_wal_checkpointer_get_n_checkpoints (checkpointer) == 0 &&
         g_get_monotonic_time () < deadline)
    g_thread_yield ();
  g_assert_cmpuint (tg_wal_checkpointer_get_n_checkpoints (checkpointer), >, 0);
  g_clear_pointer (&checkpointer, tg_wal_checkpointer_free);
  g_clear_pointer (&db, tg_sqlite_close);

  g_assert_cmpint (tg_sqlite_file_cipher (fixture->path), ==, TG_SQLITE_CIPHER_SQLCIPHER4);
  g_assert_cmpuint (count_planted (fixture->path), ==, 0);
  db = open_keyed (fixture->path, fixture->key);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM report"), ==, 150);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM report_fts WHERE report_fts MATCH 'Ixcanul'"), ==, 150);
}

/* Reads every row of the table; FALSE with TG_ERROR_CORRUPT when a page
 * fails its tag. */
static gboolean
read_all (TgSqlite  *db,
          GError   **error)
{
  return tg_sqlite_exec (db, "SELECT count(*), sum(length(body)) FROM report", error);
}

/* AEGIS-256 authenticates every page, bound to its number: a changed
 * byte, or a page copied over another, is damage, not data. */
static void
test_tampered (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(TgSqlite) db = open_keyed (fixture->path, fixture->key);
  g_autoptr(GError) error = NULL;
  g_autofree char *good = NULL;
  gsize length;

  exec_ok (db, "CREATE TABLE report (id INTEGER PRIMARY KEY, body TEXT)");
  exec_ok (db, "WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
               "INSERT INTO report (body) SELECT printf('%s %d', 'Xochitl Quetzalli', i) FROM n");
  g_clear_pointer (&db, tg_sqlite_close);
  g_assert_true (g_file_get_contents (fixture->path, &good, &length, NULL));
  g_assert_cmpuint (length, >=, 4 * 16384);
  db = open_keyed (fixture->path, fixture->key);
  g_assert_true (read_all (db, &error));
  g_assert_no_error (error);
  g_clear_pointer (&db, tg_sqlite_close);

  for (guint round = 0; round < 2; round++)
    {
      g_autofree char *bad = g_memdup2 (good, length);

      if (round == 0)
        bad[16384 + 5000] ^= 0x01;                 /* one bit of page 2 */
      else
        memcpy (bad + 16384, good + 2 * 16384, 16384);  /* page 3 over page 2 */
      g_assert_true (g_file_set_contents (fixture->path, bad, length, NULL));
      db = open_keyed (fixture->path, fixture->key);
      g_assert_false (read_all (db, &error));
      g_assert_error (error, TG_ERROR, TG_ERROR_CORRUPT);
      g_clear_error (&error);
      g_clear_pointer (&db, tg_sqlite_close);
    }

  /* The good file still reads: the test can tell the two apart. */
  g_assert_true (g_file_set_contents (fixture->path, good, length, NULL));
  db = open_keyed (fixture->path, fixture->key);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM report"), ==, 3000);
}

static void
test_version (void)
{
  g_assert_nonnull (strstr (tg_sqlite_cipher_version (), "SQLite3 Multiple Ciphers"));
  g_assert_true (sqlite3_compileoption_used ("ENABLE_FTS5"));
  g_assert_true (sqlite3_compileoption_used ("TEMP_STORE=3"));
  g_assert_true (sqlite3_compileoption_used ("THREADSAFE=1"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/sqlite-cipher/round-trip", test_keyed_round_trip);
  ADD ("/sqlite-cipher/wrong-key", test_wrong_key);
  ADD ("/sqlite-cipher/plain-with-key", test_plain_with_key);
  ADD ("/sqlite-cipher/export", test_export);
  ADD ("/sqlite-cipher/export-damaged", test_export_damaged);
  ADD ("/sqlite-cipher/checkpointer", test_checkpointer_keyed);
  ADD ("/sqlite-cipher/sqlcipher4-fixture", test_sqlcipher4_fixture);
  ADD ("/sqlite-cipher/sqlcipher4-made", test_sqlcipher4_made);
  ADD ("/sqlite-cipher/tampered", test_tampered);
#undef ADD
  g_test_add_func ("/sqlite-cipher/version", test_version);

  return g_test_run ();
}
