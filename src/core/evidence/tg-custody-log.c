/* tg-custody-log.c — the append-only, hash-chained custody log
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every event is one row of the `custody` table. Its hash is the SHA-256
 * (lowercase hex) of this canonical form, where each field is written as
 * its length in bytes (decimal), a colon, the bytes, and a newline:
 *
 *   "testigo-custody-1\n"
 *   field (prev_hash) field (seq) field (time) field (device_id)
 *   field (action) field (subject) field (detail)
 *
 * seq and time are written in decimal. The length prefix makes the form
 * unambiguous whatever the fields contain. The first event's prev_hash is
 * 64 zeros; every later one holds the hash of the event before it, and the
 * sequence numbers run 1, 2, 3… with no gap.
 *
 * SQL triggers refuse UPDATE and DELETE on the table, so ordinary code
 * cannot change the log; whoever goes round them (dropping the trigger,
 * editing the file) is caught by tg_custody_log_verify(), which reports the
 * first event whose hash, link or number does not hold.
 *
 * What the chain alone cannot show: events cut from the end of the log, or
 * a log rewritten from some point on with every hash recomputed. Those
 * need an anchor kept elsewhere (the head hash sent to the server).
 */
#define G_LOG_DOMAIN "tg-custody-log"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "tg-custody-log.h"
#include "tg-sha256.h"
#include "tg-store-private.h"
#include "tg-types.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

static const char * const action_names[] = {
  [TG_CUSTODY_CREATED]  = "created",
  [TG_CUSTODY_EDITED]   = "edited",
  [TG_CUSTODY_DELETED]  = "deleted",
  [TG_CUSTODY_RESTORED] = "restored",
  [TG_CUSTODY_IMPORTED] = "imported",
  [TG_CUSTODY_EXPORTED] = "exported",
  [TG_CUSTODY_SYNCED]   = "synced",
  [TG_CUSTODY_RECEIVED] = "received",
  [TG_CUSTODY_VERIFIED] = "verified",
};

/* TgCustodyEvent -------------------------------------------------------- */

struct _TgCustodyEvent
{
  GObject          parent_instance;

  gint64           seq;
  gint64           time;
  char            *device_id;
  char            *action_string;
  char            *subject;
  char            *detail;
  char            *prev_hash;
  char            *hash;
  TgCustodyAction  action;
};

G_DEFINE_FINAL_TYPE (TgCustodyEvent, tg_custody_event, G_TYPE_OBJECT)

enum {
  EVENT_PROP_0,
  EVENT_PROP_SEQ,
  EVENT_PROP_TIME,
  EVENT_PROP_DEVICE_ID,
  EVENT_PROP_ACTION,
  EVENT_PROP_SUBJECT,
  EVENT_PROP_DETAIL,
  EVENT_PROP_PREV_HASH,
  EVENT_PROP_HASH,
  EVENT_N_PROPS
};

static GParamSpec *event_properties[EVENT_N_PROPS];

static void
tg_custody_event_finalize (GObject *object)
{
  TgCustodyEvent *self = (TgCustodyEvent *) object;

  g_free (self->device_id);
  g_free (self->action_string);
  g_free (self->subject);
  g_free (self->detail);
  g_free (self->prev_hash);
  g_free (self->hash);

  G_OBJECT_CLASS (tg_custody_event_parent_class)->finalize (object);
}

static void
tg_custody_event_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  TgCustodyEvent *self = TG_CUSTODY_EVENT (object);

  switch (prop_id)
    {
    case EVENT_PROP_SEQ:
      g_value_set_int64 (value, self->seq);
      break;
    case EVENT_PROP_TIME:
      g_value_set_int64 (value, self->time);
      break;
    case EVENT_PROP_DEVICE_ID:
      g_value_set_string (value, self->device_id);
      break;
    case EVENT_PROP_ACTION:
      g_value_set_string (value, self->action_string);
      break;
    case EVENT_PROP_SUBJECT:
      g_value_set_string (value, self->subject);
      break;
    case EVENT_PROP_DETAIL:
      g_value_set_string (value, self->detail);
      break;
    case EVENT_PROP_PREV_HASH:
      g_value_set_string (value, self->prev_hash);
      break;
    case EVENT_PROP_HASH:
      g_value_set_string (value, self->hash);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_custody_event_class_init (TgCustodyEventClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tg_custody_event_finalize;
  object_class->get_property = tg_custody_event_get_property;

  event_properties[EVENT_PROP_SEQ] =
    g_param_spec_int64 ("seq", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  event_properties[EVENT_PROP_TIME] =
    g_param_spec_int64 ("time", NULL, NULL, G_MININT64, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  event_properties[EVENT_PROP_DEVICE_ID] =
    g_param_spec_string ("device-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* The stable string form, e.g. "imported". */
  event_properties[EVENT_PROP_ACTION] =
    g_param_spec_string ("action", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  event_properties[EVENT_PROP_SUBJECT] =
    g_param_spec_string ("subject", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  event_properties[EVENT_PROP_DETAIL] =
    g_param_spec_string ("detail", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  event_properties[EVENT_PROP_PREV_HASH] =
    g_param_spec_string ("prev-hash", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  event_properties[EVENT_PROP_HASH] =
    g_param_spec_string ("hash", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, EVENT_N_PROPS, event_properties);
}

static void
tg_custody_event_init (TgCustodyEvent *self)
{
}

/* TgCustodyLog ---------------------------------------------------------- */

struct _TgCustodyLog
{
  GObject    parent_instance;

  TgSqlite  *sql;        /* the store's connection, not owned */
  sqlite3   *db;         /* its handle */
  GRecMutex *lock;       /* the store's, or own_lock */
  GRecMutex  own_lock;
  char      *device_id;
};

G_DEFINE_FINAL_TYPE (TgCustodyLog, tg_custody_log, G_TYPE_OBJECT)

static gboolean
action_from_string (const char      *str,
                    TgCustodyAction *action)
{
  for (guint i = 0; i < G_N_ELEMENTS (action_names); i++)
    if (g_strcmp0 (action_names[i], str) == 0)
      {
        *action = (TgCustodyAction) i;
        return TRUE;
      }
  return FALSE;
}

static void
append_field (TgSha256   *sha,
              const char *value)
{
  char prefix[32];
  gsize len = value ? strlen (value) : 0;

  g_snprintf (prefix, sizeof prefix, "%" G_GSIZE_FORMAT ":", len);
  tg_sha256_update (sha, prefix, strlen (prefix));
  if (len > 0)
    tg_sha256_update (sha, value, len);
  tg_sha256_update (sha, "\n", 1);
}

static char *
compute_hash (const char *prev_hash,
              gint64      seq,
              gint64      time,
              const char *device_id,
              const char *action,
              const char *subject,
              const char *detail)
{
  static const char magic[] = "testigo-custody-1\n";
  TgSha256 sha;
  char number[32];
  char *hex = g_malloc (TG_SHA256_HEX_LENGTH + 1);

  tg_sha256_init (&sha);
  tg_sha256_update (&sha, magic, sizeof magic - 1);
  append_field (&sha, prev_hash);
  g_snprintf (number, sizeof number, "%" G_GINT64_FORMAT, seq);
  append_field (&sha, number);
  g_snprintf (number, sizeof number, "%" G_GINT64_FORMAT, time);
  append_field (&sha, number);
  append_field (&sha, device_id);
  append_field (&sha, action);
  append_field (&sha, subject);
  append_field (&sha, detail);

  tg_sha256_finish_hex (&sha, hex);
  return hex;
}

static gboolean
set_db_error (TgCustodyLog  *self,
              GError       **error)
{
  /* Translators: %s is the database's own message */
  return tg_sqlite_set_error (error, self->db, _("Could not use the custody log: %s"),
                              sqlite3_errmsg (self->db));
}

/* A statement from the connection's cache (kept for its life: append is
 * the hot path, one per saved revision), released on scope exit. */
static TgSqliteStmt *
prepare (TgCustodyLog  *self,
         const char    *sql,
         GError       **error)
{
  TgSqliteStmt *stmt = tg_sqlite_prepare (self->sql, sql, NULL);

  if (stmt == NULL)
    set_db_error (self, error);
  return stmt;
}

static gboolean
exec (TgCustodyLog  *self,
      const char    *sql,
      GError       **error)
{
  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return set_db_error (self, error);
  return TRUE;
}

static char *
column_dup (sqlite3_stmt *stmt,
            int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  return g_strdup (text ? text : "");
}

#define EVENT_COLUMNS "seq, time, device_id, action, subject, detail, prev_hash, hash"

static TgCustodyEvent *
event_from_row (sqlite3_stmt *stmt)
{
  TgCustodyEvent *event = g_object_new (TG_TYPE_CUSTODY_EVENT, NULL);

  event->seq = sqlite3_column_int64 (stmt, 0);
  event->time = sqlite3_column_int64 (stmt, 1);
  event->device_id = column_dup (stmt, 2);
  event->action_string = column_dup (stmt, 3);
  event->subject = column_dup (stmt, 4);
  event->detail = column_dup (stmt, 5);
  event->prev_hash = column_dup (stmt, 6);
  event->hash = column_dup (stmt, 7);
  if (!action_from_string (event->action_string, &event->action))
    event->action = TG_CUSTODY_EDITED;

  return event;
}

static void
tg_custody_log_finalize (GObject *object)
{
  TgCustodyLog *self = (TgCustodyLog *) object;

  g_free (self->device_id);
  g_rec_mutex_clear (&self->own_lock);

  G_OBJECT_CLASS (tg_custody_log_parent_class)->finalize (object);
}

static void
tg_custody_log_class_init (TgCustodyLogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tg_custody_log_finalize;
}

static void
tg_custody_log_init (TgCustodyLog *self)
{
  g_rec_mutex_init (&self->own_lock);
  self->lock = &self->own_lock;
}

/* Public API ------------------------------------------------------------ */

const char *
tg_custody_action_to_string (TgCustodyAction action)
{
  if ((guint) action < G_N_ELEMENTS (action_names))
    return action_names[action];
  return NULL;
}

gint64
tg_custody_event_get_seq (TgCustodyEvent *self)
{
  g_return_val_if_fail (TG_IS_CUSTODY_EVENT (self), 0);
  return self->seq;
}

gint64
tg_custody_event_get_time (TgCustodyEvent *self)
{
  g_return_val_if_fail (TG_IS_CUSTODY_EVENT (self), 0);
  return self->time;
}

const char *
tg_custody_event_get_device_id (TgCustodyEvent *self)
{
  g_return_val_if_fail (TG_IS_CUSTODY_EVENT (self), NULL);
  return self->device_id;
}

TgCustodyAction
tg_custody_event_get_action (TgCustodyEvent *self)
{
  g_return_val_if_fail (TG_IS_CUSTODY_EVENT (self), 0);
  return self->action;
}

const char *
tg_custody_event_get_action_string (TgCustodyEvent *self)
{
  g_return_val_if_fail (TG_IS_CUSTODY_EVENT (self), NULL);
  return self->action_string;
}

const char *
tg_custody_event_get_subject (TgCustodyEvent *self)
{
  g_return_val_if_fail (TG_IS_CUSTODY_EVENT (self), NULL);
  return self->subject;
}

const char *
tg_custody_event_get_detail (TgCustodyEvent *self)
{
  g_return_val_if_fail (TG_IS_CUSTODY_EVENT (self), NULL);
  return self->detail;
}

const char *
tg_custody_event_get_prev_hash (TgCustodyEvent *self)
{
  g_return_val_if_fail (TG_IS_CUSTODY_EVENT (self), NULL);
  return self->prev_hash;
}

const char *
tg_custody_event_get_hash (TgCustodyEvent *self)
{
  g_return_val_if_fail (TG_IS_CUSTODY_EVENT (self), NULL);
  return self->hash;
}

gboolean
tg_custody_log_create_table (TgSqlite  *connection,
                             GError   **error)
{
  static const char *sql =
    "CREATE TABLE IF NOT EXISTS custody ("
    "  seq INTEGER PRIMARY KEY,"
    "  time INTEGER NOT NULL,"
    "  device_id TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  subject TEXT NOT NULL,"
    "  detail TEXT NOT NULL DEFAULT '',"
    "  prev_hash TEXT NOT NULL,"
    "  hash TEXT NOT NULL"
    ");"
    "CREATE INDEX IF NOT EXISTS custody_subject ON custody (subject, seq);"
    "CREATE TRIGGER IF NOT EXISTS custody_no_update BEFORE UPDATE ON custody"
    " BEGIN SELECT RAISE (ABORT, 'custody log is append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS custody_no_delete BEFORE DELETE ON custody"
    " BEGIN SELECT RAISE (ABORT, 'custody log is append-only'); END;";
  sqlite3 *db;
  char *message = NULL;

  g_return_val_if_fail (connection != NULL, FALSE);

  db = tg_sqlite_get_db (connection);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_FAILED,
                   _("Could not create the custody log: %s"),
                   message ? message : sqlite3_errmsg (db));
      sqlite3_free (message);
      return FALSE;
    }
  return TRUE;
}

TgCustodyLog *
tg_custody_log_new_for_db (TgSqlite   *sql,
                           GRecMutex  *lock,
                           const char *device_id)
{
  TgCustodyLog *self;

  g_return_val_if_fail (sql != NULL, NULL);
  g_return_val_if_fail (device_id != NULL, NULL);

  self = g_object_new (TG_TYPE_CUSTODY_LOG, NULL);
  self->sql = sql;
  self->db = tg_sqlite_get_db (sql);
  if (lock != NULL)
    self->lock = lock;
  self->device_id = g_strdup (device_id);

  return self;
}

gboolean
tg_custody_log_append_locked (TgCustodyLog     *self,
                              TgCustodyAction   action,
                              const char       *subject,
                              const char       *detail,
                              GError          **error)
{
  g_autoptr(TgSqliteStmt) last = NULL;
  g_autoptr(TgSqliteStmt) insert = NULL;
  g_autofree char *prev_hash = NULL;
  g_autofree char *hash = NULL;
  const char *action_string;
  gint64 seq = 1;
  gint64 now;
  int rc;

  g_return_val_if_fail (TG_IS_CUSTODY_LOG (self), FALSE);
  g_return_val_if_fail (subject != NULL, FALSE);

  if (!(action_string = tg_custody_action_to_string (action)))
    {
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                   _("Unknown custody action %d"), (int) action);
      return FALSE;
    }
  if (detail == NULL)
    detail = "";

  g_rec_mutex_lock (self->lock);

  if (!(last = prepare (self, "SELECT seq, hash FROM custody ORDER BY seq DESC LIMIT 1", error)))
    goto fail;
  rc = sqlite3_step (last);
  if (rc == SQLITE_ROW)
    {
      seq = sqlite3_column_int64 (last, 0) + 1;
      prev_hash = column_dup (last, 1);
    }
  else if (rc == SQLITE_DONE)
    prev_hash = g_strdup (ZERO_HASH);
  else
    {
      set_db_error (self, error);
      goto fail;
    }

  now = g_get_real_time ();
  hash = compute_hash (prev_hash, seq, now, self->device_id, action_string, subject, detail);

  g_clear_pointer (&last, tg_sqlite_stmt_release);

  if (!(insert = prepare (self,
                          "INSERT INTO custody (" EVENT_COLUMNS ")"
                          " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", error)))
    goto fail;
  sqlite3_bind_int64 (insert, 1, seq);
  sqlite3_bind_int64 (insert, 2, now);
  sqlite3_bind_text (insert, 3, self->device_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (insert, 4, action_string, -1, SQLITE_STATIC);
  sqlite3_bind_text (insert, 5, subject, -1, SQLITE_STATIC);
  sqlite3_bind_text (insert, 6, detail, -1, SQLITE_STATIC);
  sqlite3_bind_text (insert, 7, prev_hash, -1, SQLITE_STATIC);
  sqlite3_bind_text (insert, 8, hash, -1, SQLITE_STATIC);
  if (sqlite3_step (insert) != SQLITE_DONE)
    {
      set_db_error (self, error);
      goto fail;
    }

  g_clear_pointer (&insert, tg_sqlite_stmt_release);
  g_rec_mutex_unlock (self->lock);
  return TRUE;

fail:
  g_clear_pointer (&last, tg_sqlite_stmt_release);
  g_clear_pointer (&insert, tg_sqlite_stmt_release);
  g_rec_mutex_unlock (self->lock);
  return FALSE;
}

gboolean
tg_custody_log_append (TgCustodyLog     *self,
                       TgCustodyAction   action,
                       const char       *subject,
                       const char       *detail,
                       GError          **error)
{
  gboolean in_transaction;
  gboolean ok;

  g_return_val_if_fail (TG_IS_CUSTODY_LOG (self), FALSE);
  g_return_val_if_fail (subject != NULL, FALSE);

  g_rec_mutex_lock (self->lock);

  /* Inside a caller's transaction a savepoint keeps the append whole;
   * otherwise a transaction of its own, taken for writing at once so the
   * last hash cannot change between reading it and appending. */
  in_transaction = !sqlite3_get_autocommit (self->db);
  if (!exec (self, in_transaction ? "SAVEPOINT custody_append" : "BEGIN IMMEDIATE", error))
    {
      g_rec_mutex_unlock (self->lock);
      return FALSE;
    }

  ok = tg_custody_log_append_locked (self, action, subject, detail, error);
  if (ok)
    ok = exec (self, in_transaction ? "RELEASE custody_append" : "COMMIT", error);
  if (!ok)
    {
      if (in_transaction)
        sqlite3_exec (self->db, "ROLLBACK TO custody_append; RELEASE custody_append", NULL, NULL, NULL);
      else if (!sqlite3_get_autocommit (self->db))
        sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
    }

  g_rec_mutex_unlock (self->lock);
  return ok;
}

GPtrArray *
tg_custody_log_list (TgCustodyLog  *self,
                     const char    *subject,
                     GError       **error)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(TgSqliteStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (TG_IS_CUSTODY_LOG (self), NULL);

  g_rec_mutex_lock (self->lock);

  if (subject != NULL)
    stmt = prepare (self, "SELECT " EVENT_COLUMNS " FROM custody WHERE subject = ? ORDER BY seq", error);
  else
    stmt = prepare (self, "SELECT " EVENT_COLUMNS " FROM custody ORDER BY seq", error);
  if (stmt == NULL)
    {
      g_rec_mutex_unlock (self->lock);
      return NULL;
    }
  if (subject != NULL)
    sqlite3_bind_text (stmt, 1, subject, -1, SQLITE_STATIC);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (events, event_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      set_db_error (self, error);
      g_clear_pointer (&stmt, tg_sqlite_stmt_release);
      g_rec_mutex_unlock (self->lock);
      return NULL;
    }

  g_clear_pointer (&stmt, tg_sqlite_stmt_release);
  g_rec_mutex_unlock (self->lock);
  return g_steal_pointer (&events);
}

gboolean
tg_custody_log_verify (TgCustodyLog  *self,
                       gint64        *first_broken,
                       GError       **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  g_autofree char *prev_hash = g_strdup (ZERO_HASH);
  gint64 expected_seq = 1;
  gint64 broken = 0;
  const char *why = NULL;
  int rc;

  g_return_val_if_fail (TG_IS_CUSTODY_LOG (self), FALSE);

  if (first_broken != NULL)
    *first_broken = 0;

  g_rec_mutex_lock (self->lock);

  if (!(stmt = prepare (self, "SELECT " EVENT_COLUMNS " FROM custody ORDER BY seq", error)))
    {
      g_rec_mutex_unlock (self->lock);
      return FALSE;
    }

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 seq = sqlite3_column_int64 (stmt, 0);
      const char *stored_prev = (const char *) sqlite3_column_text (stmt, 6);
      const char *stored_hash = (const char *) sqlite3_column_text (stmt, 7);
      g_autofree char *hash = NULL;

      if (seq != expected_seq)
        {
          broken = seq;
          why = _("events before it are missing");
          break;
        }
      if (g_strcmp0 (stored_prev, prev_hash) != 0)
        {
          broken = seq;
          why = _("it does not follow from the event before it");
          break;
        }

      hash = compute_hash (stored_prev, seq,
                           sqlite3_column_int64 (stmt, 1),
                           (const char *) sqlite3_column_text (stmt, 2),
                           (const char *) sqlite3_column_text (stmt, 3),
                           (const char *) sqlite3_column_text (stmt, 4),
                           (const char *) sqlite3_column_text (stmt, 5));
      if (g_strcmp0 (hash, stored_hash) != 0)
        {
          broken = seq;
          why = _("its content was changed after it was recorded");
          break;
        }

      g_free (prev_hash);
      prev_hash = g_steal_pointer (&hash);
      expected_seq = seq + 1;
    }

  if (why == NULL && rc != SQLITE_DONE)
    set_db_error (self, error);
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);
  g_rec_mutex_unlock (self->lock);
  if (why == NULL && rc != SQLITE_DONE)
    return FALSE;

  if (why != NULL)
    {
      g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, broken);

      if (first_broken != NULL)
        *first_broken = broken;
      g_set_error (error, TG_ERROR, TG_ERROR_HASH_MISMATCH,
                   /* Translators: the first %s is the event's number, the
                    * second says why, e.g. "its content was changed…" */
                   _("The custody log is broken at event %s: %s"),
                   number, why);
      return FALSE;
    }

  return TRUE;
}

gboolean
tg_custody_log_has_subject_locked (TgCustodyLog  *self,
                                   const char    *subject,
                                   gboolean      *has,
                                   GError       **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (TG_IS_CUSTODY_LOG (self), FALSE);

  g_rec_mutex_lock (self->lock);
  if (!(stmt = prepare (self, "SELECT 1 FROM custody WHERE subject = ? LIMIT 1", error)))
    {
      g_rec_mutex_unlock (self->lock);
      return FALSE;
    }
  sqlite3_bind_text (stmt, 1, subject, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    set_db_error (self, error);
  *has = rc == SQLITE_ROW;
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);
  g_rec_mutex_unlock (self->lock);
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}
