/* test-custody.c — the hash-chained custody log
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "tg-custody-log.h"
#include "tg-store-private.h"
#include "tg-types.h"
#include "tg-test-common.h"

typedef struct
{
  char         *dir;
  TgSqlite     *sql;
  sqlite3      *db;
  GRecMutex     lock;
  TgCustodyLog *log;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  fixture->dir = tg_test_make_tmp_dir ("testigo-custody-XXXXXX");
  path = g_build_filename (fixture->dir, "custody.db", NULL);
  fixture->sql = tg_sqlite_open (path,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                                 &error);
  g_assert_no_error (error);
  fixture->db = tg_sqlite_get_db (fixture->sql);
  g_assert_true (tg_custody_log_create_table (fixture->sql, &error));
  g_assert_no_error (error);
  /* Creating it again (a migration run twice) changes nothing. */
  g_assert_true (tg_custody_log_create_table (fixture->sql, &error));
  g_assert_no_error (error);

  g_rec_mutex_init (&fixture->lock);
  fixture->log = tg_custody_log_new_for_db (fixture->sql, &fixture->lock, "device-a");
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->dir, "custody.db", NULL);

  guint n_statements = 0;

  g_clear_object (&fixture->log);
  /* No statement left open but the connection's cache, which closing it
   * finalises. */
  for (sqlite3_stmt *stmt = sqlite3_next_stmt (fixture->db, NULL); stmt != NULL;
       stmt = sqlite3_next_stmt (fixture->db, stmt))
    n_statements++;
  g_assert_cmpuint (n_statements, ==, tg_sqlite_get_n_cached (fixture->sql));
  g_clear_pointer (&fixture->sql, tg_sqlite_close);
  g_rec_mutex_clear (&fixture->lock);
  g_unlink (path);
  g_assert_cmpint (g_rmdir (fixture->dir), ==, 0);
  g_free (fixture->dir);
}

static void
append_some (Fixture *fixture,
             guint    count)
{
  static const TgCustodyAction actions[] = {
    TG_CUSTODY_CREATED, TG_CUSTODY_IMPORTED, TG_CUSTODY_EDITED,
    TG_CUSTODY_EXPORTED, TG_CUSTODY_SYNCED, TG_CUSTODY_VERIFIED,
  };

  for (guint i = 0; i < count; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *subject = g_strdup_printf ("report-%u", i % 3);
      g_autofree char *detail = g_strdup_printf ("detail %u: víctima, Juliaca", i);

      g_assert_true (tg_custody_log_append (fixture->log, actions[i % G_N_ELEMENTS (actions)],
                                            subject, detail, &error));
      g_assert_no_error (error);
    }
}

static int
exec (Fixture    *fixture,
      const char *sql)
{
  return sqlite3_exec (fixture->db, sql, NULL, NULL, NULL);
}

static void
assert_broken_at (Fixture *fixture,
                  gint64   expected)
{
  g_autoptr(GError) error = NULL;
  gint64 broken = -1;
  g_autofree char *number = g_strdup_printf (" %" G_GINT64_FORMAT ":", expected);

  g_assert_false (tg_custody_log_verify (fixture->log, &broken, &error));
  g_assert_error (error, TG_ERROR, TG_ERROR_HASH_MISMATCH);
  g_assert_cmpint (broken, ==, expected);
  /* The message a coordinator reads names the event. */
  g_assert_nonnull (strstr (error->message, number));
}

/* The canonical form, as a forger who read the source would compute it. */
static char *
forge_hash (const char *prev_hash,
            gint64      seq,
            gint64      time,
            const char *device_id,
            const char *action,
            const char *subject,
            const char *detail)
{
  g_autoptr(GString) form = g_string_new ("testigo-custody-1\n");
  g_autofree char *seq_str = g_strdup_printf ("%" G_GINT64_FORMAT, seq);
  g_autofree char *time_str = g_strdup_printf ("%" G_GINT64_FORMAT, time);
  const char *fields[] = { prev_hash, seq_str, time_str, device_id, action, subject, detail };

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    g_string_append_printf (form, "%zu:%s\n", strlen (fields[i]), fields[i]);
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, form->str, form->len);
}

static void
test_append_verify (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) some = NULL;
  gint64 broken = -1;

  /* An empty log is whole. */
  g_assert_true (tg_custody_log_verify (fixture->log, &broken, &error));
  g_assert_no_error (error);
  g_assert_cmpint (broken, ==, 0);

  append_some (fixture, 9);

  all = tg_custody_log_list (fixture->log, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 9);
  g_assert_cmpstr (tg_custody_event_get_prev_hash (all->pdata[0]), ==,
                   "0000000000000000000000000000000000000000000000000000000000000000");
  for (guint i = 0; i < all->len; i++)
    {
      TgCustodyEvent *event = all->pdata[i];
      g_autofree char *detail = g_strdup_printf ("detail %u: víctima, Juliaca", i);

      g_assert_cmpint (tg_custody_event_get_seq (event), ==, i + 1);
      g_assert_cmpstr (tg_custody_event_get_device_id (event), ==, "device-a");
      g_assert_cmpstr (tg_custody_event_get_detail (event), ==, detail);
      g_assert_cmpint (tg_custody_event_get_time (event), >, 0);
      g_assert_true (tg_is_sha256_hex (tg_custody_event_get_hash (event)));
      if (i > 0)
        g_assert_cmpstr (tg_custody_event_get_prev_hash (event), ==,
                         tg_custody_event_get_hash (all->pdata[i - 1]));
    }
  g_assert_cmpint (tg_custody_event_get_action (all->pdata[1]), ==, TG_CUSTODY_IMPORTED);
  g_assert_cmpstr (tg_custody_event_get_action_string (all->pdata[1]), ==, "imported");

  /* One subject's history, oldest first. */
  some = tg_custody_log_list (fixture->log, "report-1", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (some->len, ==, 3);
  g_assert_cmpint (tg_custody_event_get_seq (some->pdata[0]), ==, 2);
  g_assert_cmpint (tg_custody_event_get_seq (some->pdata[2]), ==, 8);

  g_assert_true (tg_custody_log_verify (fixture->log, &broken, &error));
  g_assert_no_error (error);
  g_assert_cmpint (broken, ==, 0);
}

static void
test_triggers_refuse (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;

  append_some (fixture, 4);

  g_assert_cmpint (exec (fixture, "UPDATE custody SET detail = 'nothing happened' WHERE seq = 2"),
                   ==, SQLITE_CONSTRAINT_TRIGGER);
  g_assert_nonnull (strstr (sqlite3_errmsg (fixture->db), "append-only"));
  g_assert_cmpint (exec (fixture, "DELETE FROM custody WHERE seq = 3"), ==, SQLITE_CONSTRAINT_TRIGGER);
  g_assert_nonnull (strstr (sqlite3_errmsg (fixture->db), "append-only"));

  events = tg_custody_log_list (fixture->log, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 4);
  g_assert_cmpstr (tg_custody_event_get_detail (events->pdata[1]), ==, "detail 1: víctima, Juliaca");
  g_assert_true (tg_custody_log_verify (fixture->log, NULL, &error));
  g_assert_no_error (error);
}

/* A change to the table made behind the log's back, its triggers
 * dropped first: the chain breaks at the event named. */
typedef struct
{
  guint       n_events;
  const char *trigger;
  const char *sql;
  gint64      broken_at;
} Tamper;

static const Tamper tamper_detail = {
  6, "custody_no_update", "UPDATE custody SET detail = 'nothing happened' WHERE seq = 4", 4,
};
static const Tamper tamper_delete = {
  6, "custody_no_delete", "DELETE FROM custody WHERE seq = 3", 4,
};
static const Tamper tamper_delete_first = {
  3, "custody_no_delete", "DELETE FROM custody WHERE seq = 1", 2,
};
/* Swapping what two events say (keeping their hashes) breaks the first. */
static const Tamper tamper_reorder = {
  6, "custody_no_update",
  "UPDATE custody SET"
  " action = (SELECT action FROM custody WHERE seq = 5),"
  " subject = (SELECT subject FROM custody WHERE seq = 5),"
  " detail = (SELECT detail FROM custody WHERE seq = 5)"
  " WHERE seq = 2",
  2,
};

static void
test_tamper (Fixture       *fixture,
             gconstpointer  data)
{
  const Tamper *tamper = data;
  g_autofree char *drop = g_strdup_printf ("DROP TRIGGER %s", tamper->trigger);

  append_some (fixture, tamper->n_events);

  g_assert_cmpint (exec (fixture, drop), ==, SQLITE_OK);
  g_assert_cmpint (exec (fixture, tamper->sql), ==, SQLITE_OK);
  assert_broken_at (fixture, tamper->broken_at);
}

/* A forger who recomputes the changed event's hash still breaks the link
 * from the next one. */
static void
test_tamper_forged_hash (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *forged = NULL;
  TgCustodyEvent *event;

  append_some (fixture, 6);
  events = tg_custody_log_list (fixture->log, NULL, &error);
  g_assert_no_error (error);
  event = events->pdata[2];

  /* The forger's formula is right: it reproduces an honest hash. */
  forged = forge_hash (tg_custody_event_get_prev_hash (event),
                       tg_custody_event_get_seq (event),
                       tg_custody_event_get_time (event),
                       tg_custody_event_get_device_id (event),
                       tg_custody_event_get_action_string (event),
                       tg_custody_event_get_subject (event),
                       tg_custody_event_get_detail (event));
  g_assert_cmpstr (forged, ==, tg_custody_event_get_hash (event));
  g_free (forged);

  forged = forge_hash (tg_custody_event_get_prev_hash (event),
                       tg_custody_event_get_seq (event),
                       tg_custody_event_get_time (event),
                       tg_custody_event_get_device_id (event),
                       tg_custody_event_get_action_string (event),
                       tg_custody_event_get_subject (event),
                       "nothing happened");

  g_assert_cmpint (exec (fixture, "DROP TRIGGER custody_no_update"), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (fixture->db,
                                       "UPDATE custody SET detail = 'nothing happened', hash = ?"
                                       " WHERE seq = 3", -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, forged, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);

  assert_broken_at (fixture, 4);
}

/* append_locked joins the caller's transaction: rolled back with it. */
static void
test_append_in_transaction (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;

  append_some (fixture, 2);

  g_rec_mutex_lock (&fixture->lock);
  g_assert_cmpint (exec (fixture, "BEGIN IMMEDIATE"), ==, SQLITE_OK);
  g_assert_true (tg_custody_log_append_locked (fixture->log, TG_CUSTODY_EDITED,
                                               "report-9", "abandoned", &error));
  g_assert_no_error (error);
  g_assert_cmpint (exec (fixture, "ROLLBACK"), ==, SQLITE_OK);

  g_assert_cmpint (exec (fixture, "BEGIN IMMEDIATE"), ==, SQLITE_OK);
  g_assert_true (tg_custody_log_append_locked (fixture->log, TG_CUSTODY_EDITED,
                                               "report-9", "kept", &error));
  /* The plain append also works inside a transaction. */
  g_assert_true (tg_custody_log_append (fixture->log, TG_CUSTODY_EXPORTED,
                                        "report-9", "kept too", &error));
  g_assert_no_error (error);
  g_assert_cmpint (exec (fixture, "COMMIT"), ==, SQLITE_OK);
  g_rec_mutex_unlock (&fixture->lock);

  events = tg_custody_log_list (fixture->log, "report-9", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 2);
  g_assert_cmpstr (tg_custody_event_get_detail (events->pdata[0]), ==, "kept");
  g_assert_cmpint (tg_custody_event_get_seq (events->pdata[0]), ==, 3);
  g_assert_true (tg_custody_log_verify (fixture->log, NULL, &error));
  g_assert_no_error (error);
}

static gpointer
append_thread (gpointer data)
{
  Fixture *fixture = data;

  for (guint i = 0; i < 50; i++)
    {
      g_autoptr(GError) error = NULL;

      if (!tg_custody_log_append (fixture->log, TG_CUSTODY_SYNCED, "report-t", "", &error))
        return g_strdup (error->message);
    }
  return NULL;
}

static void
test_append_threads (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  GThread *threads[4];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("append", append_thread, fixture);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      g_autofree char *failure = g_thread_join (threads[i]);

      g_assert_null (failure);
    }

  events = tg_custody_log_list (fixture->log, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 200);
  g_assert_true (tg_custody_log_verify (fixture->log, NULL, &error));
  g_assert_no_error (error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/custody/append/verify", test_append_verify);
  ADD ("/custody/append/in-transaction", test_append_in_transaction);
  ADD ("/custody/append/threads", test_append_threads);
  ADD ("/custody/tamper/refused-by-triggers", test_triggers_refuse);
  g_test_add ("/custody/tamper/detail", Fixture, &tamper_detail, fixture_set_up, test_tamper, fixture_tear_down);
  g_test_add ("/custody/tamper/delete", Fixture, &tamper_delete, fixture_set_up, test_tamper, fixture_tear_down);
  g_test_add ("/custody/tamper/delete-first", Fixture, &tamper_delete_first, fixture_set_up, test_tamper,
              fixture_tear_down);
  g_test_add ("/custody/tamper/reorder", Fixture, &tamper_reorder, fixture_set_up, test_tamper, fixture_tear_down);
  ADD ("/custody/tamper/forged-hash", test_tamper_forged_hash);

#undef ADD

  return g_test_run ();
}
