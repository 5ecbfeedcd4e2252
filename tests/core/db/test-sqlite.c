/* test-sqlite.c — the SQLite layer: statement cache, transactions, error
 * mapping, the migration runner and the WAL checkpointer's thresholds
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "tg-migrations.h"
#include "tg-sqlite.h"
#include "tg-test-common.h"
#include "tg-wal-checkpointer.h"

typedef struct
{
  char     *dir;
  char     *path;
  TgSqlite *db;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = tg_test_make_tmp_dir ("testigo-sqlite-XXXXXX");
  fixture->path = g_build_filename (fixture->dir, "test.db", NULL);
  fixture->db = tg_sqlite_open (fixture->path,
                                SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                &error);
  g_assert_no_error (error);
  g_assert_nonnull (fixture->db);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_pointer (&fixture->db, tg_sqlite_close);
  tg_test_rm_rf (fixture->dir);
  g_free (fixture->path);
  g_free (fixture->dir);
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

static gboolean
table_exists (TgSqlite   *db,
              const char *name)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM sqlite_schema "
                                          "WHERE type = 'table' AND name = '%s'", name);
  return query_int (db, sql) == 1;
}

/* Statement cache ------------------------------------------------------- */

static void
test_cache_reuse (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char *sql = "SELECT ?1";
  TgSqliteStmt *first, *again;
  g_autofree char *copy = g_strdup (sql);

  first = tg_sqlite_prepare (fixture->db, sql, &error);
  g_assert_no_error (error);
  g_assert_nonnull (first);
  g_assert_cmpint (sqlite3_bind_int (first, 1, 42), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (first), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (first, 0), ==, 42);
  /* Released in the middle of its rows. */
  tg_sqlite_stmt_release (first);

  /* The same text (another copy of it) is the same statement, once. */
  again = tg_sqlite_prepare (fixture->db, copy, &error);
  g_assert_no_error (error);
  g_assert_true (again == first);
  g_assert_cmpuint (tg_sqlite_get_n_cached (fixture->db), ==, 1);
  g_assert_true (sqlite3_next_stmt (tg_sqlite_get_db (fixture->db), NULL) == first);
  g_assert_null (sqlite3_next_stmt (tg_sqlite_get_db (fixture->db), first));

  /* Reset and its bindings cleared: the old 42 is gone. */
  g_assert_cmpint (sqlite3_step (again), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_type (again, 0), ==, SQLITE_NULL);
  tg_sqlite_stmt_release (again);

  /* The autoptr releases as well. */
  {
    g_autoptr(TgSqliteStmt) scoped = tg_sqlite_prepare (fixture->db, sql, &error);

    g_assert_true (scoped == first);
    g_assert_cmpint (sqlite3_bind_text (scoped, 1, "x", -1, SQLITE_STATIC), ==, SQLITE_OK);
  }
  g_assert_cmpint (sqlite3_step (first), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_type (first, 0), ==, SQLITE_NULL);
  tg_sqlite_stmt_release (first);

  /* Another text is another statement. */
  g_assert_nonnull (tg_sqlite_prepare (fixture->db, "SELECT 2", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tg_sqlite_get_n_cached (fixture->db), ==, 2);
}

/* The cache's statements are finalised with the connection: the last
 * connection to a WAL database that closes removes the log, which a
 * connection left open by a forgotten statement does not. */
static void
test_cache_finalized_on_close (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *wal = g_strconcat (fixture->path, "-wal", NULL);
  TgSqliteStmt *stmt;

  g_assert_true (tg_sqlite_exec (fixture->db, "PRAGMA journal_mode = WAL;"
                                 "CREATE TABLE t (x);"
                                 "INSERT INTO t VALUES (1), (2);", &error));
  g_assert_no_error (error);
  stmt = tg_sqlite_prepare (fixture->db, "SELECT x FROM t", &error);
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  tg_sqlite_stmt_release (stmt);
  g_assert_true (g_file_test (wal, G_FILE_TEST_EXISTS));

  g_clear_pointer (&fixture->db, tg_sqlite_close);
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
}

/* A statement that does not prepare is an error, not an abort. */
static void
test_prepare_error (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (tg_sqlite_prepare (fixture->db, "SELECT * FROM no_such_table", &error));
  g_assert_error (error, TG_ERROR, TG_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "no_such_table"));
  g_assert_cmpuint (tg_sqlite_get_n_cached (fixture->db), ==, 0);
  g_clear_error (&error);

  g_assert_false (tg_sqlite_exec (fixture->db, "NOT SQL", &error));
  g_assert_error (error, TG_ERROR, TG_ERROR_FAILED);
}

/* Transactions ---------------------------------------------------------- */

typedef struct
{
  const char *sql;
  gboolean    fail_after;
} TxData;

static gboolean
insert_cb (TgSqlite  *db,
           gpointer   user_data,
           GError   **error)
{
  TxData *tx = user_data;

  if (!tg_sqlite_exec (db, tx->sql, error))
    return FALSE;
  if (tx->fail_after)
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID, "refused");
      return FALSE;
    }
  return TRUE;
}

static void
test_transaction_rollback (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TxData tx = { "INSERT INTO t VALUES (1); INSERT INTO t VALUES (2);", TRUE };

  g_assert_true (tg_sqlite_exec (fixture->db, "CREATE TABLE t (x UNIQUE)", &error));

  /* The function fails after writing: none of it stays. */
  g_assert_false (tg_sqlite_transaction (fixture->db, insert_cb, &tx, &error));
  g_assert_error (error, TG_ERROR, TG_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (query_int (fixture->db, "SELECT count(*) FROM t"), ==, 0);
  g_assert_true (sqlite3_get_autocommit (tg_sqlite_get_db (fixture->db)));

  /* SQL fails halfway (the second row breaks a constraint): nor here. */
  tx.sql = "INSERT INTO t VALUES (3); INSERT INTO t VALUES (3);";
  tx.fail_after = FALSE;
  g_assert_false (tg_sqlite_transaction (fixture->db, insert_cb, &tx, &error));
  g_assert_error (error, TG_ERROR, TG_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_cmpint (query_int (fixture->db, "SELECT count(*) FROM t"), ==, 0);
  g_assert_true (sqlite3_get_autocommit (tg_sqlite_get_db (fixture->db)));

  /* And a transaction that succeeds keeps all it wrote. */
  tx.sql = "INSERT INTO t VALUES (4); INSERT INTO t VALUES (5);";
  g_assert_true (tg_sqlite_transaction (fixture->db, insert_cb, &tx, &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int (fixture->db, "SELECT count(*) FROM t"), ==, 2);

  /* By hand: begin, write, roll back. */
  g_assert_true (tg_sqlite_begin (fixture->db, &error));
  g_assert_true (tg_sqlite_exec (fixture->db, "INSERT INTO t VALUES (6)", &error));
  tg_sqlite_rollback (fixture->db);
  g_assert_cmpint (query_int (fixture->db, "SELECT count(*) FROM t"), ==, 2);
  g_assert_true (tg_sqlite_begin (fixture->db, &error));
  g_assert_true (tg_sqlite_exec (fixture->db, "INSERT INTO t VALUES (6)", &error));
  g_assert_true (tg_sqlite_commit (fixture->db, &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int (fixture->db, "SELECT count(*) FROM t"), ==, 3);
}

/* Error mapping --------------------------------------------------------- */

static void
test_error_mapping (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("testigo-sqlite-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "not-a-db", NULL);
  g_autoptr(TgSqlite) db = NULL;
  char junk[4096];

  g_assert_cmpint (tg_sqlite_error_code (SQLITE_CORRUPT), ==, TG_ERROR_CORRUPT);
  g_assert_cmpint (tg_sqlite_error_code (SQLITE_CORRUPT_VTAB), ==, TG_ERROR_CORRUPT);
  g_assert_cmpint (tg_sqlite_error_code (SQLITE_CORRUPT_INDEX), ==, TG_ERROR_CORRUPT);
  g_assert_cmpint (tg_sqlite_error_code (SQLITE_NOTADB), ==, TG_ERROR_NOT_A_DATABASE);
  g_assert_cmpint (tg_sqlite_error_code (SQLITE_BUSY), ==, TG_ERROR_FAILED);
  g_assert_cmpint (tg_sqlite_error_code (SQLITE_CONSTRAINT_UNIQUE), ==, TG_ERROR_FAILED);
  g_assert_cmpint (tg_sqlite_error_code (SQLITE_IOERR_FSYNC), ==, TG_ERROR_FAILED);
  g_assert_cmpint (tg_sqlite_error_code_or (SQLITE_IOERR, TG_ERROR_CORRUPT), ==, TG_ERROR_CORRUPT);
  g_assert_cmpint (tg_sqlite_error_code_or (SQLITE_NOTADB, TG_ERROR_CORRUPT), ==, TG_ERROR_NOT_A_DATABASE);

  /* A real file that is not a database: the code, and a message that
   * names the file. */
  memset (junk, 'x', sizeof junk);
  g_assert_true (g_file_set_contents (path, junk, sizeof junk, NULL));
  db = tg_sqlite_open (path, SQLITE_OPEN_READWRITE, &error);
  g_assert_no_error (error);
  g_assert_false (tg_sqlite_exec (db, "SELECT count(*) FROM sqlite_schema", &error));
  g_assert_error (error, TG_ERROR, TG_ERROR_NOT_A_DATABASE);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);

  g_assert_false (tg_sqlite_set_error (&error, tg_sqlite_get_db (db), "custody: %s", "x"));
  g_assert_error (error, TG_ERROR, TG_ERROR_NOT_A_DATABASE);
  g_assert_cmpstr (error->message, ==, "custody: x");

  g_clear_pointer (&db, tg_sqlite_close);
  g_remove (path);
  g_rmdir (dir);
}

/* Migration runner ------------------------------------------------------ */

typedef struct
{
  TgSqlite *db;
  gboolean  fail_v2;
  int       n_runs[4];
} Owner;

static gboolean
step_v1 (gpointer   owner,
         GError   **error)
{
  Owner *o = owner;

  o->n_runs[1]++;
  return tg_sqlite_exec (o->db, "CREATE TABLE a (x)", error);
}

static gboolean
step_v2 (gpointer   owner,
         GError   **error)
{
  Owner *o = owner;

  o->n_runs[2]++;
  if (!tg_sqlite_exec (o->db, "CREATE TABLE b (x); INSERT INTO a VALUES (1)", error))
    return FALSE;
  if (o->fail_v2)
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID, "step two fails");
      return FALSE;
    }
  return TRUE;
}

static gboolean
step_v3 (gpointer   owner,
         GError   **error)
{
  Owner *o = owner;

  o->n_runs[3]++;
  return tg_sqlite_exec (o->db, "CREATE TABLE c (x)", error);
}

static const TgMigrationStep steps[] = { NULL, step_v1, step_v2, step_v3 };

static void
test_migrations_failure (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  Owner owner = { fixture->db, TRUE, { 0 } };
  int current = -1;

  /* Step 2 fails after writing: step 1 stays, step 2 leaves nothing. */
  g_assert_false (tg_migrations_run (fixture->db, steps, 3, 3, &owner, &current, &error));
  g_assert_error (error, TG_ERROR, TG_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "migration to schema 2"));
  g_clear_error (&error);
  g_assert_cmpint (current, ==, 1);
  g_assert_cmpint (query_int (fixture->db, "PRAGMA user_version"), ==, 1);
  g_assert_true (table_exists (fixture->db, "a"));
  g_assert_false (table_exists (fixture->db, "b"));
  g_assert_cmpint (query_int (fixture->db, "SELECT count(*) FROM a"), ==, 0);
  g_assert_false (table_exists (fixture->db, "c"));
  g_assert_true (sqlite3_get_autocommit (tg_sqlite_get_db (fixture->db)));

  /* Run again once the step is fixed: it resumes at 2 and reaches 3. */
  owner.fail_v2 = FALSE;
  g_assert_true (tg_migrations_run (fixture->db, steps, 3, 3, &owner, &current, &error));
  g_assert_no_error (error);
  g_assert_cmpint (current, ==, 3);
  g_assert_cmpint (owner.n_runs[1], ==, 1);
  g_assert_cmpint (owner.n_runs[2], ==, 2);
  g_assert_cmpint (owner.n_runs[3], ==, 1);
  g_assert_cmpint (query_int (fixture->db, "PRAGMA user_version"), ==, 3);
  g_assert_true (table_exists (fixture->db, "b"));
  g_assert_cmpint (query_int (fixture->db, "SELECT count(*) FROM a"), ==, 1);

  /* Nothing to do at the latest version. */
  g_assert_true (tg_migrations_run (fixture->db, steps, 3, 3, &owner, &current, &error));
  g_assert_cmpint (owner.n_runs[3], ==, 1);
}

static void
test_migrations_target_and_too_new (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  Owner owner = { fixture->db, FALSE, { 0 } };
  int current = -1;

  /* Up to an exact version, no further. */
  g_assert_true (tg_migrations_run (fixture->db, steps, 3, 1, &owner, &current, &error));
  g_assert_no_error (error);
  g_assert_cmpint (current, ==, 1);
  g_assert_cmpint (query_int (fixture->db, "PRAGMA user_version"), ==, 1);
  g_assert_false (table_exists (fixture->db, "b"));

  /* A database from a newer version is refused and left alone. */
  g_assert_true (tg_sqlite_exec (fixture->db, "PRAGMA user_version = 9", &error));
  g_assert_false (tg_migrations_run (fixture->db, steps, 3, 3, &owner, &current, &error));
  g_assert_error (error, TG_ERROR, TG_ERROR_TOO_NEW);
  g_assert_nonnull (strstr (error->message, fixture->path));
  g_assert_cmpint (query_int (fixture->db, "PRAGMA user_version"), ==, 9);
  g_assert_cmpint (owner.n_runs[2], ==, 0);
}

/* WAL checkpointer ------------------------------------------------------ */

static void
write_pages (TgSqlite *db,
             guint     n_commits)
{
  g_autoptr(GError) error = NULL;

  /* Each commit: one row of 8 KiB, some three pages of 4 KiB. */
  for (guint i = 0; i < n_commits; i++)
    {
      g_autoptr(TgSqliteStmt) stmt = tg_sqlite_prepare (db, "INSERT INTO t VALUES (randomblob (8192))",
                                                        &error);
      g_assert_no_error (error);
      g_assert_true (tg_sqlite_step_done (db, stmt, &error));
      g_assert_no_error (error);
    }
}

static goffset
file_size (const char *path)
{
  GStatBuf buf;

  return g_stat (path, &buf) == 0 ? (goffset) buf.st_size : 0;
}

/* A WAL database of 4 KiB pages with one table, and a checkpointer on it
 * with the thread's and the writer's thresholds (in pages). */
static TgWalCheckpointer *
wal_setup (Fixture *fixture,
           guint    thread_pages,
           guint    writer_pages)
{
  g_autoptr(GError) error = NULL;
  TgWalCheckpointer *checkpointer;

  g_assert_true (tg_sqlite_exec (fixture->db, "PRAGMA page_size = 4096;"
                                 "PRAGMA journal_mode = WAL;"
                                 "CREATE TABLE t (x BLOB)", &error));
  g_assert_no_error (error);
  checkpointer = tg_wal_checkpointer_new (tg_sqlite_get_db (fixture->db), fixture->path,
                                          thread_pages, writer_pages, &error);
  g_assert_no_error (error);
  g_assert_nonnull (checkpointer);
  return checkpointer;
}

static gboolean
has_checkpointed (gpointer checkpointer)
{
  return tg_wal_checkpointer_get_n_checkpoints (checkpointer) > 0;
}

/* The thread wakes at its threshold, and not before. */
static void
test_checkpointer_thread_threshold (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autoptr(TgWalCheckpointer) checkpointer = wal_setup (fixture, 60, 100000);

  /* Some 30 pages: below the threshold, no checkpoint. */
  write_pages (fixture->db, 10);
  g_assert_cmpuint (tg_wal_checkpointer_get_n_checkpoints (checkpointer), ==, 0);

  /* Past 60 pages the thread checkpoints (a bounded wait for it). */
  write_pages (fixture->db, 20);
  tg_test_iterate_until (has_checkpointed, checkpointer, 20000, "the thread's checkpoint");
  g_assert_cmpuint (tg_wal_checkpointer_get_n_checkpoints (checkpointer), >, 0);
}

/* Past the writer's threshold the writer checkpoints itself, so the log
 * stays bounded even when the thread never runs. */
static void
test_checkpointer_writer_threshold (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autoptr(TgWalCheckpointer) checkpointer = wal_setup (fixture, 100000, 20);
  g_autofree char *wal = g_strconcat (fixture->path, "-wal", NULL);
  const goffset frame = 4096 + 24;

  /* Some 600 pages written; the log never grows past 20 and a commit. */
  write_pages (fixture->db, 200);
  g_assert_cmpuint (tg_wal_checkpointer_get_n_checkpoints (checkpointer), ==, 0);
  g_assert_cmpint (file_size (wal), >, 0);
  g_assert_cmpint (file_size (wal), <, 40 * frame);
  g_assert_cmpint (query_int (fixture->db, "SELECT count(*) FROM t"), ==, 200);
}

/* Neither threshold reached: SQLite's own automatic checkpoint is off too,
 * so the log holds every page. */
static void
test_checkpointer_below_thresholds (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autoptr(TgWalCheckpointer) checkpointer = wal_setup (fixture, 100000, 100000);
  g_autofree char *wal = g_strconcat (fixture->path, "-wal", NULL);
  const goffset frame = 4096 + 24;

  write_pages (fixture->db, 400);
  g_assert_cmpuint (tg_wal_checkpointer_get_n_checkpoints (checkpointer), ==, 0);
  g_assert_cmpint (file_size (wal), >, 1000 * frame);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/sqlite/cache/reuse", test_cache_reuse);
  ADD ("/sqlite/cache/finalized-on-close", test_cache_finalized_on_close);
  ADD ("/sqlite/cache/prepare-error", test_prepare_error);
  ADD ("/sqlite/transaction/rollback", test_transaction_rollback);
  g_test_add_func ("/sqlite/error/mapping", test_error_mapping);
  ADD ("/sqlite/migrations/failure-rolls-back", test_migrations_failure);
  ADD ("/sqlite/migrations/target-and-too-new", test_migrations_target_and_too_new);
  ADD ("/sqlite/checkpointer/thread-threshold", test_checkpointer_thread_threshold);
  ADD ("/sqlite/checkpointer/writer-threshold", test_checkpointer_writer_threshold);
  ADD ("/sqlite/checkpointer/below-thresholds", test_checkpointer_below_thresholds);

#undef ADD

  return g_test_run ();
}
