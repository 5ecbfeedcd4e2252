/* tg-server-store.c — the server's SQLite database: open, schema and
 * migrations, the statement helpers its other files share, durability
 * (deferred sync, background checkpoints) and the sequence
 *
 * The connection, its statement cache, the migration runner and the
 * checkpoint thread are the core's (src/core/db: TgSqlite,
 * tg_migrations_run, TgWalCheckpointer); what stays here is the schema,
 * the server's thresholds and its error domain (TG_SERVER_ERROR).
 *
 * The rest is split by subject, around tg-server-store-private.h:
 * -accounts.c, -push.c, -pull.c, -blobs.c, -backup.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "testigo-server"

#include "config.h"

#include <string.h>
#include <sqlite3.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "tg-migrations.h"
#include "tg-revision.h"
#include "tg-server-decode.h"
#include "tg-server-store-private.h"

/* WAL sizes, in pages: a checkpoint in the background after each 4000
 * new pages; past the limit a RESTART one, which makes the writer wait
 * while it copies the last frames, so that the WAL starts over (a passive
 * checkpoint from another connection cannot let it start over under a load
 * that never pauses). The writer never checkpoints itself. */
#define CHECKPOINT_PAGES       4000
#define CHECKPOINT_PAGES_LIMIT 25000

G_DEFINE_FINAL_TYPE (TgServerStore, tg_server_store, G_TYPE_OBJECT)

static const char *schema_v1 =
  "CREATE TABLE users ("
  "  id INTEGER PRIMARY KEY,"
  "  name TEXT NOT NULL UNIQUE,"
  "  role TEXT NOT NULL CHECK (role IN ('monitor', 'coordinator', 'admin')),"
  "  created_at INTEGER NOT NULL);"
  "CREATE TABLE devices ("
  "  id TEXT PRIMARY KEY,"
  "  user_id INTEGER NOT NULL REFERENCES users (id),"
  "  name TEXT NOT NULL,"
  "  token_sha256 TEXT NOT NULL UNIQUE,"
  "  created_at INTEGER NOT NULL,"
  "  last_seen INTEGER,"
  "  revoked_at INTEGER);"
  "CREATE TABLE enrol_codes ("
  "  code_sha256 TEXT PRIMARY KEY,"
  "  user_id INTEGER NOT NULL REFERENCES users (id),"
  "  created_at INTEGER NOT NULL,"
  "  expires_at INTEGER NOT NULL,"
  "  used_at INTEGER,"
  "  device_id TEXT REFERENCES devices (id));"
  "CREATE TABLE records ("
  "  id TEXT PRIMARY KEY,"
  "  kind TEXT NOT NULL,"
  "  owner_user_id INTEGER NOT NULL REFERENCES users (id),"
  "  created_seq INTEGER NOT NULL);"
  "CREATE INDEX records_owner ON records (owner_user_id);"
  "CREATE TABLE revisions ("
  "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  id TEXT NOT NULL UNIQUE,"
  "  record_id TEXT NOT NULL REFERENCES records (id),"
  "  kind TEXT NOT NULL,"
  "  parents TEXT NOT NULL,"
  "  device TEXT NOT NULL,"
  "  device_seq INTEGER NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  deleted INTEGER NOT NULL,"
  "  content TEXT NOT NULL,"
  "  pushed_by_device TEXT REFERENCES devices (id),"
  "  received_at INTEGER NOT NULL);"
  "CREATE INDEX revisions_record ON revisions (record_id, seq);"
  "CREATE TABLE parents ("
  "  revision_id TEXT NOT NULL REFERENCES revisions (id),"
  "  parent_id TEXT NOT NULL REFERENCES revisions (id),"
  "  PRIMARY KEY (revision_id, parent_id)) WITHOUT ROWID;"
  "CREATE TABLE heads ("
  "  record_id TEXT NOT NULL REFERENCES records (id),"
  "  revision_id TEXT NOT NULL REFERENCES revisions (id),"
  "  PRIMARY KEY (record_id, revision_id)) WITHOUT ROWID;"
  "CREATE TABLE blobs ("
  "  sha256 TEXT PRIMARY KEY,"
  "  size INTEGER,"
  "  complete INTEGER NOT NULL DEFAULT 0,"
  "  created_at INTEGER NOT NULL,"
  "  completed_at INTEGER);"
  "CREATE TABLE blob_refs ("
  "  sha256 TEXT NOT NULL,"
  "  record_id TEXT NOT NULL REFERENCES records (id),"
  "  PRIMARY KEY (sha256, record_id)) WITHOUT ROWID;"
  "CREATE TABLE audit ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  at INTEGER NOT NULL,"
  "  user_id INTEGER,"
  "  device_id TEXT,"
  "  action TEXT NOT NULL,"
  "  detail TEXT);";

/* Version 2: who holds which blob (see tg_server_store_blob_held). Every
 * completed upload was audited with its uploader ("blob <sha256>, N
 * bytes"), which gives the holders of the blobs stored before. */
static const char *schema_v2 =
  "CREATE TABLE blob_holders ("
  "  sha256 TEXT NOT NULL,"
  "  user_id INTEGER NOT NULL REFERENCES users (id),"
  "  PRIMARY KEY (sha256, user_id)) WITHOUT ROWID;"
  "INSERT OR IGNORE INTO blob_holders (sha256, user_id)"
  "  SELECT substr (detail, 6, 64), user_id FROM audit"
  "  WHERE action = 'upload' AND user_id IS NOT NULL AND detail LIKE 'blob %'"
  "    AND user_id IN (SELECT id FROM users);";

/* Version 3: which reports each incident revision holds
 * (content.members[].report) and which monitors may pull it (the owners of
 * those reports and of its parents' members). Filled from the incident
 * revisions already stored by migrate_v3. */
static const char *schema_v3 =
  "CREATE TABLE incident_members ("
  "  revision_seq INTEGER NOT NULL REFERENCES revisions (seq),"
  "  report_id TEXT NOT NULL,"
  "  PRIMARY KEY (revision_seq, report_id)) WITHOUT ROWID;"
  "CREATE INDEX incident_members_report ON incident_members (report_id);"
  "CREATE TABLE revision_readers ("
  "  user_id INTEGER NOT NULL REFERENCES users (id),"
  "  seq INTEGER NOT NULL REFERENCES revisions (seq),"
  "  PRIMARY KEY (user_id, seq)) WITHOUT ROWID;";

static gboolean
migrate_v1 (gpointer   owner,
            GError   **error)
{
  TgServerStore *self = owner;

  return tg_sqlite_exec (self->db, schema_v1, error);
}

static gboolean
migrate_v2 (gpointer   owner,
            GError   **error)
{
  TgServerStore *self = owner;

  return tg_sqlite_exec (self->db, schema_v2, error);
}

static gboolean
migrate_v3 (gpointer   owner,
            GError   **error)
{
  TgServerStore *self = owner;
  g_autoptr(GArray) seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) parents = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(GPtrArray) contents = g_ptr_array_new_with_free_func (g_free);
  if (!tg_sqlite_exec (self->db, schema_v3, error))
    return FALSE;
  {
    g_autoptr(TgSqliteStmt) stmt = NULL;
    int rc;

    if ((stmt = _tg_server_store_statement (self, "SELECT seq, parents, content FROM revisions "
                                                  "WHERE kind = 'incident' ORDER BY seq", error)) == NULL)
      return FALSE;
    while ((rc = _tg_server_store_step (self, stmt)) == SQLITE_ROW)
      {
        gint64 seq = sqlite3_column_int64 (stmt, 0);
        g_auto(GStrv) split = g_strsplit ((const char *) sqlite3_column_text (stmt, 1), " ", -1);
        g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

        for (guint i = 0; split[i]; i++)
          if (*split[i])
            g_strv_builder_add (builder, split[i]);
        g_array_append_val (seqs, seq);
        g_ptr_array_add (parents, g_strv_builder_end (builder));
        g_ptr_array_add (contents, g_strdup ((const char *) sqlite3_column_text (stmt, 2)));
      }
    if (rc != SQLITE_DONE)
      return _tg_server_store_sql_error (self, error, "reading incidents");
  }
  for (guint i = 0; i < seqs->len; i++)
    if (!_tg_server_store_index_incident (self, g_array_index (seqs, gint64, i),
                                          (const char * const *) parents->pdata[i],
                                          contents->pdata[i], error))
      return FALSE;
  return TRUE;
}

/* one step per version: steps[v] brings the schema from v - 1 to v */
static const TgMigrationStep migrations[] = {
  NULL,        /* version 0: empty file */
  migrate_v1,
  migrate_v2,
  migrate_v3,
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == TG_SERVER_STORE_VERSION + 1);

/* helpers ---------------------------------------------------------------- */

/* An error from the shared SQLite layer (TG_ERROR) as the store's own:
 * the HTTP status comes from TG_SERVER_ERROR, and any SQLite failure is
 * the server's (500). Returns FALSE. */
static gboolean
internal_error (GError **error)
{
  if (error != NULL && *error != NULL && (*error)->domain == TG_ERROR)
    {
      (*error)->domain = TG_SERVER_ERROR;
      (*error)->code = TG_SERVER_ERROR_INTERNAL;
    }
  return FALSE;
}

gint64
_tg_server_store_now (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

gboolean
_tg_server_store_sql_error (TgServerStore  *self,
                            GError        **error,
                            const char     *what)
{
  g_autofree char *doing = g_strconcat ("database error while ", what, NULL);

  tg_sqlite_fail (self->db, error, doing);
  return internal_error (error);
}

/* A statement that cannot be prepared (a damaged or altered database) is
 * an error: the request fails with a 500 and the server goes on serving. */
TgSqliteStmt *
_tg_server_store_statement (TgServerStore  *self,
                            const char     *sql,
                            GError        **error)
{
  TgSqliteStmt *stmt = tg_sqlite_prepare (self->db, sql, error);

  if (stmt == NULL)
    {
      g_prefix_error (error, "database error while preparing a statement (%s): ", sql);
      internal_error (error);
      return NULL;
    }
  tg_sqlite_stmt_release (stmt);
  return stmt;
}

gboolean
_tg_server_store_exec (TgServerStore  *self,
                       const char     *sql,
                       GError        **error)
{
  if (!tg_sqlite_exec (self->db, sql, error))
    return internal_error (error);
  return TRUE;
}

/* An sqlite3_stmt row step that treats anything but ROW/DONE as an error. */
int
_tg_server_store_step (TgServerStore *self,
                       sqlite3_stmt  *stmt)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    g_warning ("sqlite step failed: %s", sqlite3_errmsg (tg_sqlite_get_db (self->db)));
  return rc;
}

/* The one integer @sql selects; -1 with @error set when it fails. */
gint64
_tg_server_store_count (TgServerStore  *self,
                        const char     *sql,
                        GError        **error)
{
  g_autoptr(TgSqliteStmt) stmt = _tg_server_store_statement (self, sql, error);
  gint64 n = -1;

  if (stmt == NULL)
    return -1;
  if (_tg_server_store_step (self, stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  else
    _tg_server_store_sql_error (self, error, "counting");
  return n;
}

/* open and migrate ------------------------------------------------------- */

gboolean
_tg_server_store_migrate (TgServerStore  *self,
                          GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  int version = 0;

  if (tg_migrations_run (self->db, migrations, TG_SERVER_STORE_VERSION,
                         TG_SERVER_STORE_VERSION, self, NULL, &local_error))
    return TRUE;

  if (g_error_matches (local_error, TG_ERROR, TG_ERROR_TOO_NEW) &&
      tg_sqlite_get_user_version (self->db, &version, NULL))
    g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL,
                 _("The database %s was written by a newer testigo-server (schema %d, this one knows %d)"),
                 tg_sqlite_get_path (self->db), version, TG_SERVER_STORE_VERSION);
  else
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      internal_error (error);
    }
  return FALSE;
}

static void
tg_server_store_finalize (GObject *object)
{
  TgServerStore *self = (TgServerStore *) object;

  /* before the connection whose commits it watches */
  g_clear_pointer (&self->checkpointer, tg_wal_checkpointer_free);
  g_clear_pointer (&self->db, tg_sqlite_close);

  G_OBJECT_CLASS (tg_server_store_parent_class)->finalize (object);
}

static void
tg_server_store_class_init (TgServerStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tg_server_store_finalize;
}

static void
tg_server_store_init (TgServerStore *self)
{
}

TgServerStore *
tg_server_store_open (const char  *path,
                      GError     **error)
{
  g_autoptr(TgServerStore) self = g_object_new (TG_TYPE_SERVER_STORE, NULL);

  self->db = tg_sqlite_open (path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             error);
  if (self->db == NULL)
    {
      internal_error (error);
      return NULL;
    }
  sqlite3_busy_timeout (tg_sqlite_get_db (self->db), 5000);

  if (!_tg_server_store_exec (self, "PRAGMA journal_mode = WAL", error) ||
      !_tg_server_store_exec (self, "PRAGMA synchronous = FULL", error) ||
      !_tg_server_store_exec (self, "PRAGMA foreign_keys = ON", error) ||
      !_tg_server_store_migrate (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

const char *
tg_server_store_get_path (TgServerStore *self)
{
  return tg_sqlite_get_path (self->db);
}

/* durability ------------------------------------------------------------ */

void
tg_server_store_set_deferred_sync (TgServerStore *self,
                                   gboolean       deferred)
{
  _tg_server_store_exec (self, deferred ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL", NULL);
}

void
tg_server_store_set_read_only (TgServerStore *self)
{
  _tg_server_store_exec (self, "PRAGMA query_only = ON", NULL);
}

/* Replaces SQLite's automatic checkpoint, which runs inside the commit
 * that crosses 1000 pages with its two fsyncs, by one on a thread with a
 * connection of its own: one per 4000 new pages (16 MiB), not one per
 * commit, since each syncs the database file, which competes with the
 * WAL's fdatasync. */
void
tg_server_store_checkpoint_in_background (TgServerStore *self)
{
  const TgWalCheckpointerOptions options = {
    .thread_pages = CHECKPOINT_PAGES,
    .rearm_pages = CHECKPOINT_PAGES,
    .restart_pages = CHECKPOINT_PAGES_LIMIT,
    .writer_pages = 0,
    .busy_timeout_ms = 5000,
  };
  g_autoptr(GError) error = NULL;

  g_return_if_fail (self->checkpointer == NULL);

  self->checkpointer = tg_wal_checkpointer_new_full (tg_sqlite_get_db (self->db),
                                                     tg_sqlite_get_path (self->db),
                                                     &options, &error);
  /* as before, a checkpoint that cannot run only warns: the server goes
   * on with SQLite's own automatic checkpoint */
  if (self->checkpointer == NULL)
    g_warning ("cannot checkpoint %s in the background: %s",
               tg_sqlite_get_path (self->db), error->message);
}

char *
tg_server_store_get_wal_path (TgServerStore *self)
{
  return g_strconcat (tg_sqlite_get_path (self->db), "-wal", NULL);
}

/* sequence --------------------------------------------------------------- */

gint64
_tg_server_store_last_seq (TgServerStore  *self,
                           GError        **error)
{
  return _tg_server_store_count (self, "SELECT coalesce(max(seq), 0) FROM revisions", error);
}

gint64
tg_server_store_get_last_seq (TgServerStore *self)
{
  g_autoptr(GError) error = NULL;
  gint64 seq = _tg_server_store_last_seq (self, &error);

  if (seq < 0)
    {
      g_warning ("%s", error->message);
      return 0;
    }
  return seq;
}
