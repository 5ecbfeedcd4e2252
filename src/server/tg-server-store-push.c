/* tg-server-store.c — the server's SQLite database
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "testigo-server"

#include "config.h"

#include <string.h>
#include <sys/random.h>
#include <sqlite3.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "tg-revision.h"
#include "tg-server-decode.h"
#include "tg-server-store.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

struct _TgServerStore
{
  GObject     parent_instance;

  char       *path;
  sqlite3    *db;
  GHashTable *statements;   /* SQL literal (by address) → sqlite3_stmt, prepared once */

  /* background checkpoints: a thread with a connection of its own */
  GThreadPool *checkpoint_pool;
  sqlite3     *checkpoint_db;  /* used only on that thread */
  int          checkpointing;  /* atomic */
  int          wal_pages;      /* the writer's: WAL size at the last commit */
  int          checkpoint_at;  /* the writer's: WAL size for the next one */
};

/* WAL sizes, in pages: a checkpoint in the background after each 4000
 * new pages; past the limit a RESTART one, which makes the writer wait
 * while it copies the last frames, so that the WAL starts over (a passive
 * checkpoint from another connection cannot let it start over under a load
 * that never pauses) */
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

static const char *migrations[] = {
  NULL,       /* version 0: empty file */
  NULL,       /* schema_v1, set in migrate () */
  NULL,       /* schema_v2 */
};

/* helpers ---------------------------------------------------------------- */

static gint64
now_s (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

char *
tg_server_sha256_hex (const char *data,
                      gsize       length)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, length);
}

static void
fill_random (guint8 *buf,
             gsize   n)
{
  gsize done = 0;

  while (done < n)
    {
      gssize r = getrandom (buf + done, n - done, 0);

      if (r < 0)
        g_error ("getrandom failed: %s", g_strerror (errno));
      done += (gsize) r;
    }
}

/* base64url without padding: safe in headers and URLs */
char *
tg_server_random_token (gsize n_bytes)
{
  g_autofree guint8 *buf = g_malloc (n_bytes);
  g_autofree char *b64 = NULL;

  fill_random (buf, n_bytes);
  b64 = g_base64_encode (buf, n_bytes);
  g_strdelimit (b64, "+", '-');
  g_strdelimit (b64, "/", '_');
  g_strdelimit (b64, "=", '\0');
  return g_strdup (b64);
}

static char *
random_code (void)
{
  static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  guint8 buf[20];
  GString *out = g_string_new (NULL);

  fill_random (buf, sizeof buf);
  for (guint i = 0; i < sizeof buf; i++)
    {
      if (i > 0 && i % 5 == 0)
        g_string_append_c (out, '-');
      g_string_append_c (out, alphabet[buf[i] & 31]);
    }
  return g_string_free (out, FALSE);
}

static gboolean
set_sqlite_error (TgServerStore  *self,
                  GError        **error,
                  const char     *what)
{
  g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL,
               "database error while %s: %s", what, sqlite3_errmsg (self->db));
  return FALSE;
}

/* The cached statement for @sql, reset; NULL with @error set when it
 * cannot be prepared (a damaged or altered database): the request fails
 * with a 500 and the server goes on serving. */
static sqlite3_stmt *
get_statement (TgServerStore  *self,
               const char     *sql,
               GError        **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->statements, sql);

  if (stmt == NULL)
    {
      if (sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
        {
          g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL,
                       "database error while preparing a statement: %s (%s)",
                       sqlite3_errmsg (self->db), sql);
          sqlite3_finalize (stmt);
          return NULL;
        }
      g_hash_table_insert (self->statements, (gpointer) sql, stmt);
    }
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  return stmt;
}

static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *text)
{
  sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
}

static gboolean
exec (TgServerStore  *self,
      const char     *sql,
      GError        **error)
{
  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return set_sqlite_error (self, error, sql);
  return TRUE;
}

/* An sqlite3_stmt row step that treats anything but ROW/DONE as an error. */
static int
step (TgServerStore *self,
      sqlite3_stmt  *stmt)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    g_warning ("sqlite step failed: %s", sqlite3_errmsg (self->db));
  return rc;
}

const char *
tg_server_role_to_string (TgServerRole role)
{
  switch (role)
    {
    case TG_SERVER_ROLE_COORDINATOR: return "coordinator";
    case TG_SERVER_ROLE_ADMIN:       return "admin";
    case TG_SERVER_ROLE_MONITOR:
    default:                         return "monitor";
    }
}

gboolean
tg_server_role_from_string (const char   *str,
                            TgServerRole *role)
{
  if (g_strcmp0 (str, "monitor") == 0)
    *role = TG_SERVER_ROLE_MONITOR;
  else if (g_strcmp0 (str, "coordinator") == 0)
    *role = TG_SERVER_ROLE_COORDINATOR;
  else if (g_strcmp0 (str, "admin") == 0)
    *role = TG_SERVER_ROLE_ADMIN;
  else
    return FALSE;
  return TRUE;
}

void
tg_server_auth_free (TgServerAuth *auth)
{
  if (auth == NULL)
    return;
  g_free (auth->device_id);
  g_free (auth);
}

/* open and migrate ------------------------------------------------------- */

static gboolean
migrate (TgServerStore  *self,
         GError        **error)
{
  sqlite3_stmt *stmt;
  int version;

  migrations[1] = schema_v1;
  migrations[2] = schema_v2;

  if ((stmt = get_statement (self, "PRAGMA user_version", error)) == NULL)
    return FALSE;
  if (step (self, stmt) != SQLITE_ROW)
    return set_sqlite_error (self, error, "reading the schema version");
  version = sqlite3_column_int (stmt, 0);
  sqlite3_reset (stmt);

  if (version > TG_SERVER_STORE_VERSION)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL,
                   _("The database %s was written by a newer testigo-server (schema %d, this one knows %d)"),
                   self->path, version, TG_SERVER_STORE_VERSION);
      return FALSE;
    }

  for (int v = version + 1; v <= TG_SERVER_STORE_VERSION; v++)
    {
      g_autofree char *set_version = g_strdup_printf ("PRAGMA user_version = %d", v);

      if (!exec (self, "BEGIN IMMEDIATE", error))
        return FALSE;
      if (!exec (self, migrations[v], error) ||
          !exec (self, set_version, error) ||
          !exec (self, "COMMIT", error))
        {
          sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
          return FALSE;
        }
    }
  return TRUE;
}

static void
tg_server_store_finalize (GObject *object)
{
  TgServerStore *self = (TgServerStore *) object;

  if (self->checkpoint_pool != NULL)
    g_thread_pool_free (self->checkpoint_pool, FALSE, TRUE);
  if (self->checkpoint_db != NULL)
    sqlite3_close_v2 (self->checkpoint_db);
  g_clear_pointer (&self->statements, g_hash_table_unref);
  if (self->db != NULL)
    sqlite3_close_v2 (self->db);
  g_free (self->path);

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
  /* every SQL text is a string literal: its address is its key */
  self->statements = g_hash_table_new_full (NULL, NULL, NULL,
                                            (GDestroyNotify) sqlite3_finalize);
}

TgServerStore *
tg_server_store_open (const char  *path,
                      GError     **error)
{
  g_autoptr(TgServerStore) self = g_object_new (TG_TYPE_SERVER_STORE, NULL);

  self->path = g_strdup (path);
  if (sqlite3_open_v2 (path, &self->db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                       NULL) != SQLITE_OK)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL,
                   _("Cannot open the database %s: %s"), path,
                   self->db ? sqlite3_errmsg (self->db) : "out of memory");
      return NULL;
    }
  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, 5000);

  if (!exec (self, "PRAGMA journal_mode = WAL", error) ||
      !exec (self, "PRAGMA synchronous = FULL", error) ||
      !exec (self, "PRAGMA foreign_keys = ON", error) ||
      !migrate (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

const char *
tg_server_store_get_path (TgServerStore *self)
{
  return self->path;
}

/* accounts --------------------------------------------------------------- */

gboolean
tg_server_store_add_user (TgServerStore  *self,
                          const char     *name,
                          TgServerRole    role,
                          GError        **error)
{
  sqlite3_stmt *stmt;
  int rc;

  if (name == NULL || *name == '\0' || strlen (name) > 64 || !g_utf8_validate (name, -1, NULL))
    {
      g_set_error_literal (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                           _("A user name must be 1 to 64 characters"));
      return FALSE;
    }
  if (!tg_server_check_display_name (name, "the user name", NULL))
    {
      g_autofree char *shown = tg_server_display_name_escape (name);

      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                   _("A user name may not contain invisible, control or direction-changing characters: %s"),
                   shown);
      return FALSE;
    }

  if ((stmt = get_statement (self, "INSERT INTO users (name, role, created_at) VALUES (?, ?, ?)", error)) == NULL)
    return FALSE;
  bind_text (stmt, 1, name);
  bind_text (stmt, 2, tg_server_role_to_string (role));
  sqlite3_bind_int64 (stmt, 3, now_s ());
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if ((rc & 0xff) == SQLITE_CONSTRAINT)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_CONFLICT,
                   _("There is already a user called “%s”"), name);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return set_sqlite_error (self, error, "adding a user");

  tg_server_store_audit (self, NULL, "user-add", tg_server_role_to_string (role));
  return TRUE;
}

char *
tg_server_store_create_enrol_code (TgServerStore  *self,
                                   const char     *user_name,
                                   gint64          lifetime_s,
                                   GError        **error)
{
  g_autofree char *code = random_code ();
  g_autofree char *normalized = tg_server_normalize_code (code);
  g_autofree char *hash = tg_server_sha256_hex (normalized, strlen (normalized));
  sqlite3_stmt *stmt;
  gint64 user_id;

  if ((stmt = get_statement (self, "SELECT id FROM users WHERE name = ?", error)) == NULL)
    return NULL;
  bind_text (stmt, 1, user_name);
  if (step (self, stmt) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_NOT_FOUND,
                   _("There is no user called “%s”"), user_name);
      return NULL;
    }
  user_id = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);

  if ((stmt = get_statement (self, "INSERT INTO enrol_codes (code_sha256, user_id, created_at, expires_at) "
                                   "VALUES (?, ?, ?, ?)", error)) == NULL)
    return NULL;
  bind_text (stmt, 1, hash);
  sqlite3_bind_int64 (stmt, 2, user_id);
  sqlite3_bind_int64 (stmt, 3, now_s ());
  sqlite3_bind_int64 (stmt, 4, now_s () + lifetime_s);
  if (step (self, stmt) != SQLITE_DONE)
    {
      sqlite3_reset (stmt);
      set_sqlite_error (self, error, "storing an enrolment code");
      return NULL;
    }
  sqlite3_reset (stmt);

  {
    g_autofree char *detail = g_strdup_printf ("user %" G_GINT64_FORMAT, user_id);
    tg_server_store_audit (self, NULL, "enrol-code", detail);
  }
  return g_steal_pointer (&code);
}

gboolean
tg_server_store_enrol (TgServerStore  *self,
                       const char     *code,
                       const char     *device_name,
                       char          **device_id,
                       char          **token,
                       GError        **error)
{
  g_autofree char *hash = tg_server_sha256_hex (code, strlen (code));
  g_autofree char *new_token = NULL;
  g_autofree char *token_hash = NULL;
  g_autofree char *new_id = NULL;
  sqlite3_stmt *stmt;
  gint64 user_id, expires_at;
  gboolean used;

  if (!exec (self, "BEGIN IMMEDIATE", error))
    return FALSE;

  if ((stmt = get_statement (self, "SELECT user_id, expires_at, used_at IS NOT NULL "
                                   "FROM enrol_codes WHERE code_sha256 = ?", error)) == NULL)
    goto rollback;
  bind_text (stmt, 1, hash);
  if (step (self, stmt) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      exec (self, "ROLLBACK", NULL);
      g_set_error_literal (error, TG_SERVER_ERROR, TG_SERVER_ERROR_FORBIDDEN,
                           "unknown enrolment code");
      return FALSE;
    }
  user_id = sqlite3_column_int64 (stmt, 0);
  expires_at = sqlite3_column_int64 (stmt, 1);
  used = sqlite3_column_int (stmt, 2);
  sqlite3_reset (stmt);

  if (used || expires_at <= now_s ())
    {
      exec (self, "ROLLBACK", NULL);
      g_set_error_literal (error, TG_SERVER_ERROR, TG_SERVER_ERROR_FORBIDDEN,
                           used ? "this enrolment code has already been used"
                                : "this enrolment code has expired");
      return FALSE;
    }

  new_id = g_uuid_string_random ();
  new_token = tg_server_random_token (32);
  token_hash = tg_server_sha256_hex (new_token, strlen (new_token));

  if ((stmt = get_statement (self, "INSERT INTO devices (id, user_id, name, token_sha256, created_at) "
                                   "VALUES (?, ?, ?, ?, ?)", error)) == NULL)
    goto rollback;
  bind_text (stmt, 1, new_id);
  sqlite3_bind_int64 (stmt, 2, user_id);
  bind_text (stmt, 3, device_name);
  bind_text (stmt, 4, token_hash);
  sqlite3_bind_int64 (stmt, 5, now_s ());
  if (step (self, stmt) != SQLITE_DONE)
    goto failed;
  sqlite3_reset (stmt);

  if ((stmt = get_statement (self, "UPDATE enrol_codes SET used_at = ?, device_id = ? WHERE code_sha256 = ?",
                            error)) == NULL)
    goto rollback;
  sqlite3_bind_int64 (stmt, 1, now_s ());
  bind_text (stmt, 2, new_id);
  bind_text (stmt, 3, hash);
  if (step (self, stmt) != SQLITE_DONE)
    goto failed;
  sqlite3_reset (stmt);

  if ((stmt = get_statement (self, "INSERT INTO audit (at, user_id, device_id, action, detail) "
                                   "VALUES (?, ?, ?, 'enrol', NULL)", error)) == NULL)
    goto rollback;
  sqlite3_bind_int64 (stmt, 1, now_s ());
  sqlite3_bind_int64 (stmt, 2, user_id);
  bind_text (stmt, 3, new_id);
  if (step (self, stmt) != SQLITE_DONE)
    goto failed;
  sqlite3_reset (stmt);

  if (!exec (self, "COMMIT", error))
    {
      exec (self, "ROLLBACK", NULL);
      return FALSE;
    }

  *device_id = g_steal_pointer (&new_id);
  *token = g_steal_pointer (&new_token);
  return TRUE;

failed:
  set_sqlite_error (self, error, "enrolling a device");
  sqlite3_reset (stmt);
rollback:
  exec (self, "ROLLBACK", NULL);
  return FALSE;
}

TgServerAuth *
tg_server_store_authenticate (TgServerStore  *self,
                              const char     *token,
                              GError        **error)
{
  g_autofree char *hash = NULL;
  sqlite3_stmt *stmt;
  TgServerAuth *auth = NULL;
  int rc;

  if (token == NULL)
    return NULL;

  hash = tg_server_sha256_hex (token, strlen (token));
  if ((stmt = get_statement (self, "SELECT d.id, d.user_id, u.role FROM devices d "
                                   "JOIN users u ON u.id = d.user_id "
                                   "WHERE d.token_sha256 = ? AND d.revoked_at IS NULL", error)) == NULL)
    return NULL;
  bind_text (stmt, 1, hash);
  rc = step (self, stmt);
  if (rc == SQLITE_ROW)
    {
      auth = g_new0 (TgServerAuth, 1);
      auth->device_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      auth->user_id = sqlite3_column_int64 (stmt, 1);
      tg_server_role_from_string ((const char *) sqlite3_column_text (stmt, 2), &auth->role);
    }
  else if (rc != SQLITE_DONE)
    set_sqlite_error (self, error, "checking a device token");
  sqlite3_reset (stmt);
  return auth;
}

gboolean
tg_server_store_revoke (TgServerStore  *self,
                        const char     *device_id,
                        GError        **error)
{
  sqlite3_stmt *stmt;

  if ((stmt = get_statement (self, "UPDATE devices SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                            error)) == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, now_s ());
  bind_text (stmt, 2, device_id);
  if (step (self, stmt) != SQLITE_DONE)
    {
      sqlite3_reset (stmt);
      return set_sqlite_error (self, error, "revoking a device");
    }
  sqlite3_reset (stmt);
  if (sqlite3_changes (self->db) != 1)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_NOT_FOUND,
                   _("There is no active device “%s”"), device_id);
      return FALSE;
    }

  {
    g_autofree char *detail = g_strdup_printf ("device %s", device_id);
    tg_server_store_audit (self, NULL, "revoke", detail);
  }
  return TRUE;
}

JsonNode *
tg_server_store_list_devices (TgServerStore  *self,
                              GError        **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  sqlite3_stmt *stmt;
  int rc;

  if ((stmt = get_statement (self, "SELECT d.id, u.name, u.role, d.name, d.created_at, d.last_seen, d.revoked_at "
                                   "FROM devices d JOIN users u ON u.id = d.user_id ORDER BY d.created_at, d.id",
                            error)) == NULL)
    return NULL;
  json_builder_begin_array (builder);
  while ((rc = step (self, stmt)) == SQLITE_ROW)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 0));
      json_builder_set_member_name (builder, "user");
      json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 1));
      json_builder_set_member_name (builder, "role");
      json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 2));
      json_builder_set_member_name (builder, "name");
      {
        /* a name stored before names were checked shows what it hides */
        g_autofree char *name = tg_server_display_name_escape ((const char *) sqlite3_column_text (stmt, 3));
        json_builder_add_string_value (builder, name);
      }
      json_builder_set_member_name (builder, "created_at");
      json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, 4));
      json_builder_set_member_name (builder, "last_seen");
      json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, 5));
      json_builder_set_member_name (builder, "revoked");
      json_builder_add_boolean_value (builder, sqlite3_column_type (stmt, 6) != SQLITE_NULL);
      json_builder_end_object (builder);
    }
  sqlite3_reset (stmt);
  json_builder_end_array (builder);
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, error, "listing devices");
      return NULL;
    }
  return json_builder_get_root (builder);
}

/* The one integer @sql selects; -1 with @error set when it fails. */
static gint64
count (TgServerStore  *self,
       const char     *sql,
       GError        **error)
{
  sqlite3_stmt *stmt = get_statement (self, sql, error);
  gint64 n = -1;

  if (stmt == NULL)
    return -1;
  if (step (self, stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  else
    set_sqlite_error (self, error, "counting");
  sqlite3_reset (stmt);
  return n;
}

JsonNode *
tg_server_store_stats (TgServerStore  *self,
                       GError        **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  static const struct { const char *name; const char *sql; } stats[] = {
    { "users", "SELECT count(*) FROM users" },
    { "monitors", "SELECT count(*) FROM users WHERE role = 'monitor'" },
    { "coordinators", "SELECT count(*) FROM users WHERE role = 'coordinator'" },
    { "devices_active", "SELECT count(*) FROM devices WHERE revoked_at IS NULL" },
    { "devices_revoked", "SELECT count(*) FROM devices WHERE revoked_at IS NOT NULL" },
    { "records", "SELECT count(*) FROM records" },
    { "reports", "SELECT count(*) FROM records WHERE kind = 'report'" },
    { "incidents", "SELECT count(*) FROM records WHERE kind = 'incident'" },
    { "revisions", "SELECT count(*) FROM revisions" },
    { "tombstones", "SELECT count(*) FROM revisions WHERE deleted" },
    { "records_in_conflict", "SELECT count(*) FROM (SELECT record_id FROM heads GROUP BY record_id HAVING count(*) > 1)" },
    { "blobs_complete", "SELECT count(*) FROM blobs WHERE complete" },
    { "blob_bytes", "SELECT coalesce(sum(size), 0) FROM blobs WHERE complete" },
    { "blobs_missing", "SELECT count(*) FROM (SELECT DISTINCT sha256 FROM blob_refs WHERE sha256 NOT IN (SELECT sha256 FROM blobs WHERE complete))" },
    { "last_seq", "SELECT coalesce(max(seq), 0) FROM revisions" },
  };

  json_builder_begin_object (builder);
  for (guint i = 0; i < G_N_ELEMENTS (stats); i++)
    {
      gint64 n = count (self, stats[i].sql, error);

      if (n < 0)
        return NULL;
      json_builder_set_member_name (builder, stats[i].name);
      json_builder_add_int_value (builder, n);
    }
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

void
tg_server_store_audit (TgServerStore *self,
                       TgServerAuth  *auth,
                       const char    *action,
                       const char    *detail)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt;

  /* an audit line that cannot be written is logged instead */
  if ((stmt = get_statement (self, "INSERT INTO audit (at, user_id, device_id, action, detail) "
                                   "VALUES (?, ?, ?, ?, ?)", &error)) == NULL)
    {
      g_warning ("audit %s (%s): %s", action, detail ? detail : "", error->message);
      return;
    }
  sqlite3_bind_int64 (stmt, 1, now_s ());
  if (auth != NULL)
    {
      sqlite3_bind_int64 (stmt, 2, auth->user_id);
      bind_text (stmt, 3, auth->device_id);
    }
  bind_text (stmt, 4, action);
  bind_text (stmt, 5, detail);
  step (self, stmt);
  sqlite3_reset (stmt);
}

/* durability ------------------------------------------------------------ */

void
tg_server_store_set_deferred_sync (TgServerStore *self,
                                   gboolean       deferred)
{
  exec (self, deferred ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL", NULL);
}

void
tg_server_store_set_read_only (TgServerStore *self)
{
  exec (self, "PRAGMA query_only = ON", NULL);
}

static void
checkpoint_thread (gpointer data,
                   gpointer user_data)
{
  TgServerStore *self = user_data;
  int mode = GPOINTER_TO_INT (data) - 1;
  int rc;

  if (self->checkpoint_db == NULL)
    {
      if (sqlite3_open_v2 (self->path, &self->checkpoint_db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
        {
          g_warning ("cannot open %s to checkpoint it: %s", self->path,
                     self->checkpoint_db ? sqlite3_errmsg (self->checkpoint_db) : "out of memory");
          g_clear_pointer (&self->checkpoint_db, sqlite3_close_v2);
          g_atomic_int_set (&self->checkpointing, 0);
          return;
        }
      sqlite3_busy_timeout (self->checkpoint_db, 5000);
      /* a new connection knows the file is in WAL mode only once it read it */
      sqlite3_exec (self->checkpoint_db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
    }
  /* copies the committed frames into the database file, syncing the WAL
   * before and the database after; PASSIVE never blocks the writer, so it
   * copies the bulk before a RESTART makes the writer wait for the rest */
  rc = sqlite3_wal_checkpoint_v2 (self->checkpoint_db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
  if (mode != SQLITE_CHECKPOINT_PASSIVE && (rc == SQLITE_OK || rc == SQLITE_BUSY))
    rc = sqlite3_wal_checkpoint_v2 (self->checkpoint_db, NULL, mode, NULL, NULL);
  if (rc != SQLITE_OK && rc != SQLITE_BUSY)
    g_warning ("checkpoint failed: %s", sqlite3_errmsg (self->checkpoint_db));
  g_atomic_int_set (&self->checkpointing, 0);
}

static int
wal_hook_cb (void       *data,
             sqlite3    *db,
             const char *name,
             int         n_pages)
{
  TgServerStore *self = data;

  /* the WAL started over: it was all checkpointed */
  if (n_pages < self->wal_pages)
    self->checkpoint_at = CHECKPOINT_PAGES;
  self->wal_pages = n_pages;

  if (n_pages >= self->checkpoint_at &&
      g_atomic_int_compare_and_exchange (&self->checkpointing, 0, 1))
    {
      int mode = n_pages >= CHECKPOINT_PAGES_LIMIT ? SQLITE_CHECKPOINT_RESTART : SQLITE_CHECKPOINT_PASSIVE;

      /* one per 4000 new pages (16 MiB), not one per commit: each syncs
       * the database file, which competes with the WAL's fdatasync */
      self->checkpoint_at = n_pages + CHECKPOINT_PAGES;
      g_thread_pool_push (self->checkpoint_pool, GINT_TO_POINTER (mode + 1), NULL);
    }
  return SQLITE_OK;
}

void
tg_server_store_checkpoint_in_background (TgServerStore *self)
{
  g_return_if_fail (self->checkpoint_pool == NULL);

  self->checkpoint_at = CHECKPOINT_PAGES;
  self->checkpoint_pool = g_thread_pool_new (checkpoint_thread, self, 1, TRUE, NULL);
  /* replaces SQLite's automatic checkpoint, which runs inside the commit
   * that crosses 1000 pages, with its two fsyncs */
  sqlite3_wal_hook (self->db, wal_hook_cb, self);
}

char *
tg_server_store_get_wal_path (TgServerStore *self)
{
  return g_strconcat (self->path, "-wal", NULL);
}

/* push ------------------------------------------------------------------- */

static gint64
last_seq (TgServerStore  *self,
          GError        **error)
{
  return count (self, "SELECT coalesce(max(seq), 0) FROM revisions", error);
}

gint64
tg_server_store_get_last_seq (TgServerStore *self)
{
  g_autoptr(GError) error = NULL;
  gint64 seq = last_seq (self, &error);

  if (seq < 0)
    {
      g_warning ("%s", error->message);
      return 0;
    }
  return seq;
}

/* Owner and kind of a record: 1 when known, 0 when unknown, -1 with
 * @error set when the database fails. */
static int
lookup_record (TgServerStore  *self,
               const char     *record_id,
               gint64         *owner,
               char          **kind,
               GError        **error)
{
  sqlite3_stmt *stmt = get_statement (self, "SELECT owner_user_id, kind FROM records WHERE id = ?", error);
  int found = 0;
  int rc;

  if (stmt == NULL)
    return -1;
  bind_text (stmt, 1, record_id);
  if ((rc = step (self, stmt)) == SQLITE_ROW)
    {
      found = 1;
      if (owner)
        *owner = sqlite3_column_int64 (stmt, 0);
      if (kind)
        *kind = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
    }
  else if (rc != SQLITE_DONE)
    found = set_sqlite_error (self, error, "looking up a record") - 1;
  sqlite3_reset (stmt);
  return found;
}

/* seq of a stored revision and its record, 0 when unknown, -1 with
 * @error set when the database fails */
static gint64
lookup_revision (TgServerStore  *self,
                 const char     *id,
                 char          **record_id,
                 GError        **error)
{
  sqlite3_stmt *stmt = get_statement (self, "SELECT seq, record_id FROM revisions WHERE id = ?", error);
  gint64 seq = 0;
  int rc;

  if (stmt == NULL)
    return -1;
  bind_text (stmt, 1, id);
  if ((rc = step (self, stmt)) == SQLITE_ROW)
    {
      seq = sqlite3_column_int64 (stmt, 0);
      if (record_id)
        *record_id = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
    }
  else if (rc != SQLITE_DONE)
    seq = set_sqlite_error (self, error, "looking up a revision") - 1;
  sqlite3_reset (stmt);
  return seq;
}

static gboolean
check_push_allowed (TgServerStore  *self,
                    TgServerAuth   *auth,
                    GPtrArray      *revisions,
                    GError        **error)
{
  if (auth->role == TG_SERVER_ROLE_ADMIN)
    {
      g_set_error_literal (error, TG_SERVER_ERROR, TG_SERVER_ERROR_FORBIDDEN,
                           "admin accounts manage the server; they do not push or pull records");
      return FALSE;
    }
  if (auth->role == TG_SERVER_ROLE_COORDINATOR)
    return TRUE;

  for (guint i = 0; i < revisions->len; i++)
    {
      TgRevision *revision = g_ptr_array_index (revisions, i);
      gint64 owner;
      int known;

      if (strcmp (tg_revision_get_kind (revision), TG_REVISION_KIND_INCIDENT) == 0)
        {
          g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_FORBIDDEN,
                       "revisions[%u]: monitors may not push incidents", i);
          return FALSE;
        }
      if ((known = lookup_record (self, tg_revision_get_record_id (revision), &owner, NULL, error)) < 0)
        return FALSE;
      if (known && owner != auth->user_id)
        {
          g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_FORBIDDEN,
                       "revisions[%u]: record %s was created by another user", i,
                       tg_revision_get_record_id (revision));
          return FALSE;
        }
    }
  return TRUE;
}

/* Stores @revision: "" when stored, a reason when it is rejected, NULL
 * with @error set when the database fails. */
static const char *
insert_revision (TgServerStore  *self,
                 TgServerAuth   *auth,
                 TgRevision     *revision,
                 gint64         *seq,
                 GError        **error)
{
  const char * const *parents = tg_revision_get_parents (revision);
  const char *record_id = tg_revision_get_record_id (revision);
  g_autofree char *record_kind = NULL;
  g_autofree char *parents_text = NULL;
  sqlite3_stmt *stmt;
  int record_exists;

  for (guint i = 0; parents[i]; i++)
    {
      g_autofree char *parent_record = NULL;
      gint64 parent_seq = lookup_revision (self, parents[i], &parent_record, error);

      if (parent_seq < 0)
        return NULL;
      if (parent_seq == 0)
        return "unknown parent";
      if (strcmp (parent_record, record_id) != 0)
        return "a parent belongs to another record";
    }

  if ((record_exists = lookup_record (self, record_id, NULL, &record_kind, error)) < 0)
    return NULL;
  if (record_exists && strcmp (record_kind, tg_revision_get_kind (revision)) != 0)
    return "its kind differs from its record's";
  if (!record_exists && parents[0] != NULL)
    return "unknown parent";

  parents_text = g_strjoinv (" ", (char **) parents);
  if ((stmt = get_statement (self, "INSERT INTO revisions (id, record_id, kind, parents, device, device_seq, "
                                   "created_at, deleted, content, pushed_by_device, received_at) "
                                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error)) == NULL)
    return NULL;
  bind_text (stmt, 1, tg_revision_get_id (revision));
  bind_text (stmt, 2, record_id);
  bind_text (stmt, 3, tg_revision_get_kind (revision));
  bind_text (stmt, 4, parents_text);
  bind_text (stmt, 5, tg_revision_get_device_id (revision));
  sqlite3_bind_int64 (stmt, 6, tg_revision_get_device_seq (revision));
  sqlite3_bind_int64 (stmt, 7, tg_revision_get_created_at (revision));
  sqlite3_bind_int (stmt, 8, tg_revision_get_deleted (revision));
  sqlite3_bind_text (stmt, 9, tg_revision_get_content (revision), -1, SQLITE_STATIC);
  bind_text (stmt, 10, auth->device_id);
  sqlite3_bind_int64 (stmt, 11, now_s ());

  /* The record row must exist first (foreign key); created_seq is fixed
   * just below once the revision has its seq. */
  if (!record_exists)
    {
      sqlite3_stmt *rec = get_statement (self, "INSERT INTO records (id, kind, owner_user_id, created_seq) "
                                               "VALUES (?, ?, ?, 0)", error);

      if (rec == NULL)
        {
          sqlite3_reset (stmt);
          return NULL;
        }
      bind_text (rec, 1, record_id);
      bind_text (rec, 2, tg_revision_get_kind (revision));
      sqlite3_bind_int64 (rec, 3, auth->user_id);
      if (step (self, rec) != SQLITE_DONE)
        {
          set_sqlite_error (self, error, "storing a record");
          sqlite3_reset (rec);
          sqlite3_reset (stmt);
          return NULL;
        }
      sqlite3_reset (rec);
      /* get_statement reset our statement's bindings? No: distinct SQL. */
    }

  if (step (self, stmt) != SQLITE_DONE)
    {
      set_sqlite_error (self, error, "storing a revision");
      sqlite3_reset (stmt);
      return NULL;
    }
  sqlite3_reset (stmt);
  *seq = sqlite3_last_insert_rowid (self->db);

  if (!record_exists)
    {
      if ((stmt = get_statement (self, "UPDATE records SET created_seq = ? WHERE id = ?", error)) == NULL)
        return NULL;
      sqlite3_bind_int64 (stmt, 1, *seq);
      bind_text (stmt, 2, record_id);
      if (step (self, stmt) != SQLITE_DONE)
        goto failed;
      sqlite3_reset (stmt);
    }

  for (guint i = 0; parents[i]; i++)
    {
      if ((stmt = get_statement (self, "INSERT INTO parents (revision_id, parent_id) VALUES (?, ?)",
                                error)) == NULL)
        return NULL;
      bind_text (stmt, 1, tg_revision_get_id (revision));
      bind_text (stmt, 2, parents[i]);
      if (step (self, stmt) != SQLITE_DONE)
        goto failed;
      sqlite3_reset (stmt);

      if ((stmt = get_statement (self, "DELETE FROM heads WHERE record_id = ? AND revision_id = ?",
                                error)) == NULL)
        return NULL;
      bind_text (stmt, 1, record_id);
      bind_text (stmt, 2, parents[i]);
      if (step (self, stmt) != SQLITE_DONE)
        goto failed;
      sqlite3_reset (stmt);
    }

  /* A revision already named as a parent cannot arrive after its child
   * (children need their parents first), so a new revision is a head. */
  if ((stmt = get_statement (self, "INSERT INTO heads (record_id, revision_id) VALUES (?, ?)", error)) == NULL)
    return NULL;
  bind_text (stmt, 1, record_id);
  bind_text (stmt, 2, tg_revision_get_id (revision));
  if (step (self, stmt) != SQLITE_DONE)
    goto failed;
  sqlite3_reset (stmt);
  return "";

failed:
  set_sqlite_error (self, error, "storing a revision");
  sqlite3_reset (stmt);
  return NULL;
}

/* Records which blobs the revision refers to and lists the ones the
 * pusher must upload: those not complete and, for a monitor, those their
 * account does not hold — a blob someone else uploaded is listed exactly
 * like one the server never saw. *probes counts the latter. */
static int blob_is_complete (TgServerStore  *self,
                             const char     *sha256,
                             GError        **error);
static int blob_held        (TgServerStore  *self,
                             TgServerAuth   *auth,
                             const char     *sha256,
                             GError        **error);

static gboolean
add_blob_refs (TgServerStore  *self,
               TgServerAuth   *auth,
               TgRevision     *revision,
               char          **blobs,
               GHashTable     *missing,
               GPtrArray      *probes,
               GError        **error)
{
  gint64 owner = 0;

  if (auth->role == TG_SERVER_ROLE_COORDINATOR &&
      lookup_record (self, tg_revision_get_record_id (revision), &owner, NULL, error) < 0)
    return FALSE;

  for (guint i = 0; blobs[i]; i++)
    {
      sqlite3_stmt *stmt = get_statement (self, "INSERT OR IGNORE INTO blob_refs (sha256, record_id) VALUES (?, ?)",
                                          error);
      int complete, held;

      if (stmt == NULL)
        return FALSE;
      bind_text (stmt, 1, blobs[i]);
      bind_text (stmt, 2, tg_revision_get_record_id (revision));
      if (step (self, stmt) != SQLITE_DONE)
        {
          set_sqlite_error (self, error, "recording a blob reference");
          sqlite3_reset (stmt);
          return FALSE;
        }
      sqlite3_reset (stmt);

      /* a coordinator who puts a file on a monitor's report shares it */
      if (owner != 0 && owner != auth->user_id &&
          !tg_server_store_blob_add_holder (self, blobs[i], owner, error))
        return FALSE;

      if ((complete = blob_is_complete (self, blobs[i], error)) < 0)
        return FALSE;
      if (!complete)
        {
          g_hash_table_add (missing, g_strdup (blobs[i]));
          continue;
        }
      if ((held = blob_held (self, auth, blobs[i], error)) < 0)
        return FALSE;
      if (!held)
        {
          if (g_hash_table_add (missing, g_strdup (blobs[i])))
            g_ptr_array_add (probes, g_strdup (blobs[i]));
        }
    }
  return TRUE;
}

/* The indices of @revisions, each after its parents within the batch
 * (depth first, iterative: a batch may be one long chain). */
static guint *
batch_order (GPtrArray *revisions)
{
  typedef struct { guint node; guint next; } Frame;
  guint n = revisions->len;
  g_autoptr(GHashTable) index = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree guint8 *state = g_new0 (guint8, n + 1);  /* 0 new, 1 open, 2 done */
  g_autofree Frame *stack = g_new (Frame, n + 1);
  guint *order = g_new (guint, n + 1);
  guint n_out = 0;

  for (guint i = 0; i < n; i++)
    g_hash_table_insert (index, (gpointer) tg_revision_get_id (g_ptr_array_index (revisions, i)),
                         GUINT_TO_POINTER (i + 1));

  for (guint root = 0; root < n; root++)
    {
      guint top = 0;

      if (state[root] != 0)
        continue;
      state[root] = 1;
      stack[top++] = (Frame) { root, 0 };
      while (top > 0)
        {
          Frame *frame = &stack[top - 1];
          const char * const *parents = tg_revision_get_parents (g_ptr_array_index (revisions, frame->node));

          if (parents[frame->next] != NULL)
            {
              guint p = GPOINTER_TO_UINT (g_hash_table_lookup (index, parents[frame->next++]));

              if (p != 0 && state[p - 1] == 0)
                {
                  state[p - 1] = 1;
                  stack[top++] = (Frame) { p - 1, 0 };
                }
            }
          else
            {
              state[frame->node] = 2;
              order[n_out++] = frame->node;
              top--;
            }
        }
    }
  return order;
}

JsonNode *
tg_server_store_push (TgServerStore  *self,
                      TgServerAuth   *auth,
                      GPtrArray      *revisions,
                      GPtrArray      *blobs,
                      GError        **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GHashTable) missing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) probes = g_ptr_array_new_with_free_func (g_free);
  g_autofree gint64 *seqs = g_new0 (gint64, revisions->len + 1);
  g_autofree const char **reasons = g_new0 (const char *, revisions->len + 1);
  g_autofree guint *order = NULL;
  guint n_new = 0, n_known = 0, n_rejected = 0;
  gint64 server_seq;

  if (!exec (self, "BEGIN IMMEDIATE", error))
    return NULL;

  if (!check_push_allowed (self, auth, revisions, error))
    {
      exec (self, "ROLLBACK", NULL);
      return NULL;
    }

  /* Revisions already stored are acknowledged with their original seq. */
  for (guint i = 0; i < revisions->len; i++)
    {
      TgRevision *revision = g_ptr_array_index (revisions, i);

      if ((seqs[i] = lookup_revision (self, tg_revision_get_id (revision), NULL, error)) < 0)
        {
          exec (self, "ROLLBACK", NULL);
          return NULL;
        }
      if (seqs[i] > 0)
        n_known++;
    }

  /* Parents first, whatever the order sent, in one pass: a batch that
   * listed each child before its parent used to take one pass per level,
   * n² lookups for a chain of n. */
  order = batch_order (revisions);
  for (guint k = 0; k < revisions->len; k++)
    {
      guint i = order[k];
      TgRevision *revision = g_ptr_array_index (revisions, i);
      const char *reason;

      if (seqs[i] > 0)
        continue;
      reason = insert_revision (self, auth, revision, &seqs[i], error);
      if (reason == NULL)
        {
          exec (self, "ROLLBACK", NULL);
          return NULL;
        }
      if (*reason == '\0')
        {
          n_new++;
          reasons[i] = NULL;
        }
      else
        reasons[i] = reason;
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "accepted");
  json_builder_begin_array (builder);
  for (guint i = 0; i < revisions->len; i++)
    {
      TgRevision *revision = g_ptr_array_index (revisions, i);

      if (seqs[i] == 0)
        continue;
      if (!add_blob_refs (self, auth, revision, g_ptr_array_index (blobs, i), missing, probes, error))
        {
          exec (self, "ROLLBACK", NULL);
          return NULL;
        }
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, tg_revision_get_id (revision));
      json_builder_set_member_name (builder, "seq");
      json_builder_add_int_value (builder, seqs[i]);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "rejected");
  json_builder_begin_array (builder);
  for (guint i = 0; i < revisions->len; i++)
    {
      TgRevision *revision = g_ptr_array_index (revisions, i);

      if (seqs[i] > 0)
        continue;
      n_rejected++;
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, tg_revision_get_id (revision));
      json_builder_set_member_name (builder, "reason");
      json_builder_add_string_value (builder, reasons[i] ? reasons[i] : "rejected");
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "missing_blobs");
  json_builder_begin_array (builder);
  {
    g_autofree const char **keys = (const char **) g_hash_table_get_keys_as_array (missing, NULL);

    for (guint i = 0; keys[i]; i++)
      json_builder_add_string_value (builder, keys[i]);
  }
  json_builder_end_array (builder);

  if ((server_seq = last_seq (self, error)) < 0)
    {
      exec (self, "ROLLBACK", NULL);
      return NULL;
    }
  json_builder_set_member_name (builder, "server_seq");
  json_builder_add_int_value (builder, server_seq);
  json_builder_end_object (builder);

  {
    g_autofree char *detail = g_strdup_printf ("new %u, known %u, rejected %u",
                                               n_new, n_known, n_rejected);
    tg_server_store_audit (self, auth, "push", detail);
  }
  if (probes->len > 0)
    {
      g_autofree char *detail = g_strdup_printf ("push named %u blob%s stored for another account, "
                                                 "listed as missing; first: blob %s",
                                                 probes->len, probes->len == 1 ? "" : "s",
                                                 (const char *) g_ptr_array_index (probes, 0));
      tg_server_store_audit (self, auth, "blob-probe", detail);
    }
  {
    sqlite3_stmt *stmt = get_statement (self, "UPDATE devices SET last_seen = ? WHERE id = ?", error);

    if (stmt == NULL)
      {
        exec (self, "ROLLBACK", NULL);
        return NULL;
      }
    sqlite3_bind_int64 (stmt, 1, now_s ());
    bind_text (stmt, 2, auth->device_id);
    step (self, stmt);
    sqlite3_reset (stmt);
  }

  if (!exec (self, "COMMIT", error))
    {
      exec (self, "ROLLBACK", NULL);
      return NULL;
    }
  return json_builder_get_root (builder);
}

/* pull ------------------------------------------------------------------- */

static void
add_revision_row (JsonBuilder  *builder,
                  sqlite3_stmt *stmt)
{
  g_auto(GStrv) parents = g_strsplit ((const char *) sqlite3_column_text (stmt, 3), " ", -1);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 1));
  json_builder_set_member_name (builder, "record");
  json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 2));
  json_builder_set_member_name (builder, "kind");
  json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 4));
  json_builder_set_member_name (builder, "parents");
  json_builder_begin_array (builder);
  for (guint i = 0; parents[i]; i++)
    if (*parents[i])
      json_builder_add_string_value (builder, parents[i]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "device");
  json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 5));
  json_builder_set_member_name (builder, "device_seq");
  json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, 6));
  json_builder_set_member_name (builder, "created_at");
  json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, 7));
  json_builder_set_member_name (builder, "deleted");
  json_builder_add_boolean_value (builder, sqlite3_column_int (stmt, 8));
  json_builder_set_member_name (builder, "content");
  json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 9));
  json_builder_set_member_name (builder, "server_seq");
  json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, 0));
  json_builder_end_object (builder);
}

JsonNode *
tg_server_store_pull (TgServerStore  *self,
                      TgServerAuth   *auth,
                      gint64          since,
                      guint           limit,
                      GError        **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GHashTable) records = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3_stmt *stmt;
  gint64 next = since;
  gboolean more = FALSE;
  guint n = 0;
  gint64 page_bytes = 0;
  gint64 server_seq;
  int rc;

  if (auth->role == TG_SERVER_ROLE_ADMIN)
    {
      g_set_error_literal (error, TG_SERVER_ERROR, TG_SERVER_ERROR_FORBIDDEN,
                           "admin accounts manage the server; they do not push or pull records");
      return NULL;
    }

  /* A read transaction so the page and the heads agree. */
  if (!exec (self, "SAVEPOINT pull", error))
    return NULL;

  if (auth->role == TG_SERVER_ROLE_COORDINATOR)
    {
      stmt = get_statement (self, "SELECT seq, id, record_id, parents, kind, device, device_seq, "
                                  "created_at, deleted, content FROM revisions "
                                  "WHERE seq > ? ORDER BY seq LIMIT ?", error);
      if (stmt == NULL)
        goto failed;
      sqlite3_bind_int64 (stmt, 1, since);
      sqlite3_bind_int64 (stmt, 2, (gint64) limit + 1);
    }
  else
    {
      stmt = get_statement (self, "SELECT r.seq, r.id, r.record_id, r.parents, r.kind, r.device, r.device_seq, "
                                  "r.created_at, r.deleted, r.content FROM revisions r "
                                  "JOIN records c ON c.id = r.record_id "
                                  "WHERE r.seq > ? AND c.owner_user_id = ? ORDER BY r.seq LIMIT ?", error);
      if (stmt == NULL)
        goto failed;
      sqlite3_bind_int64 (stmt, 1, since);
      sqlite3_bind_int64 (stmt, 2, auth->user_id);
      sqlite3_bind_int64 (stmt, 3, (gint64) limit + 1);
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "revisions");
  json_builder_begin_array (builder);
  while ((rc = step (self, stmt)) == SQLITE_ROW)
    {
      /* a page ends at @limit revisions or past TG_SERVER_PULL_PAGE_BYTES
       * of content, whichever comes first: a thousand revisions of 1 MiB
       * must not hold the store thread (and a gigabyte of reply) */
      if (n == limit || (n > 0 && page_bytes >= TG_SERVER_PULL_PAGE_BYTES))
        {
          more = TRUE;
          break;
        }
      page_bytes += sqlite3_column_bytes (stmt, 9);
      add_revision_row (builder, stmt);
      next = sqlite3_column_int64 (stmt, 0);
      g_hash_table_add (records, g_strdup ((const char *) sqlite3_column_text (stmt, 2)));
      n++;
    }
  sqlite3_reset (stmt);
  json_builder_end_array (builder);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      set_sqlite_error (self, error, "reading revisions");
      goto failed;
    }

  /* Records of this page with more than one head: concurrent branches a
   * person has to merge. */
  json_builder_set_member_name (builder, "conflicts");
  json_builder_begin_array (builder);
  {
    GHashTableIter iter;
    const char *record_id;

    g_hash_table_iter_init (&iter, records);
    while (g_hash_table_iter_next (&iter, (gpointer *) &record_id, NULL))
      {
        g_autoptr(GPtrArray) heads = g_ptr_array_new_with_free_func (g_free);

        stmt = get_statement (self, "SELECT revision_id FROM heads WHERE record_id = ? ORDER BY revision_id",
                              error);
        if (stmt == NULL)
          goto failed;
        bind_text (stmt, 1, record_id);
        while ((rc = step (self, stmt)) == SQLITE_ROW)
          g_ptr_array_add (heads, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
        sqlite3_reset (stmt);
        if (rc != SQLITE_DONE)
          {
            set_sqlite_error (self, error, "reading heads");
            goto failed;
          }
        if (heads->len < 2)
          continue;

        json_builder_begin_object (builder);
        json_builder_set_member_name (builder, "record");
        json_builder_add_string_value (builder, record_id);
        json_builder_set_member_name (builder, "heads");
        json_builder_begin_array (builder);
        for (guint i = 0; i < heads->len; i++)
          json_builder_add_string_value (builder, g_ptr_array_index (heads, i));
        json_builder_end_array (builder);
        json_builder_end_object (builder);
      }
  }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "next");
  json_builder_add_int_value (builder, next);
  json_builder_set_member_name (builder, "more");
  json_builder_add_boolean_value (builder, more);
  if ((server_seq = last_seq (self, error)) < 0)
    goto failed;
  json_builder_set_member_name (builder, "server_seq");
  json_builder_add_int_value (builder, server_seq);
  json_builder_end_object (builder);

  exec (self, "RELEASE pull", NULL);

  {
    g_autofree char *detail = g_strdup_printf ("since %" G_GINT64_FORMAT ", %u revisions", since, n);
    tg_server_store_audit (self, auth, "pull", detail);
  }
  return json_builder_get_root (builder);

failed:
  exec (self, "ROLLBACK TO pull; RELEASE pull", NULL);
  return NULL;
}

gboolean
tg_server_store_foreach_head (TgServerStore    *self,
                              TgServerHeadFunc  func,
                              gpointer          user_data,
                              GError          **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = get_statement (self, "SELECT h.record_id, r.kind, r.id, r.seq, "
                              "(SELECT count(*) FROM heads h2 WHERE h2.record_id = h.record_id), r.content "
                              "FROM heads h JOIN revisions r ON r.id = h.revision_id "
                              "ORDER BY h.record_id, r.seq", error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = step (self, stmt)) == SQLITE_ROW)
    func ((const char *) sqlite3_column_text (stmt, 0),
          (const char *) sqlite3_column_text (stmt, 1),
          (const char *) sqlite3_column_text (stmt, 2),
          sqlite3_column_int64 (stmt, 3),
          (guint) sqlite3_column_int (stmt, 4),
          (const char *) sqlite3_column_text (stmt, 5),
          user_data);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return set_sqlite_error (self, error, "reading heads");
  return TRUE;
}

/* blobs ------------------------------------------------------------------ */

gboolean
tg_server_store_blob_visible (TgServerStore *self,
                              TgServerAuth  *auth,
                              const char    *sha256)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt;
  gboolean visible;

  if (auth->role == TG_SERVER_ROLE_ADMIN)
    return FALSE;

  if (auth->role == TG_SERVER_ROLE_COORDINATOR)
    {
      stmt = get_statement (self, "SELECT 1 FROM blob_refs WHERE sha256 = ? LIMIT 1", &error);
      if (stmt != NULL)
        bind_text (stmt, 1, sha256);
    }
  else
    {
      stmt = get_statement (self, "SELECT 1 FROM blob_refs b JOIN records c ON c.id = b.record_id "
                                  "WHERE b.sha256 = ? AND c.owner_user_id = ? LIMIT 1", &error);
      if (stmt != NULL)
        {
          bind_text (stmt, 1, sha256);
          sqlite3_bind_int64 (stmt, 2, auth->user_id);
        }
    }
  /* a database that fails shows no blob */
  if (stmt == NULL)
    {
      g_warning ("%s", error->message);
      return FALSE;
    }
  visible = step (self, stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return visible;
}

/* 1 when @auth holds the blob, 0 when not, -1 with @error set when the
 * database fails */
static int
blob_held (TgServerStore  *self,
           TgServerAuth   *auth,
           const char     *sha256,
           GError        **error)
{
  sqlite3_stmt *stmt;
  int held, rc;

  if (auth->role == TG_SERVER_ROLE_ADMIN)
    return 0;
  if (auth->role == TG_SERVER_ROLE_COORDINATOR)
    return 1;

  if ((stmt = get_statement (self, "SELECT 1 FROM blob_holders WHERE sha256 = ? AND user_id = ?", error)) == NULL)
    return -1;
  bind_text (stmt, 1, sha256);
  sqlite3_bind_int64 (stmt, 2, auth->user_id);
  rc = step (self, stmt);
  held = rc == SQLITE_ROW;
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    held = set_sqlite_error (self, error, "looking up a blob holder") - 1;
  sqlite3_reset (stmt);
  return held;
}

gboolean
tg_server_store_blob_held (TgServerStore *self,
                           TgServerAuth  *auth,
                           const char    *sha256)
{
  g_autoptr(GError) error = NULL;
  int held = blob_held (self, auth, sha256, &error);

  /* a database that fails holds nothing for anyone */
  if (held < 0)
    g_warning ("%s", error->message);
  return held > 0;
}

gboolean
tg_server_store_blob_add_holder (TgServerStore  *self,
                                 const char     *sha256,
                                 gint64          user_id,
                                 GError        **error)
{
  sqlite3_stmt *stmt = get_statement (self, "INSERT OR IGNORE INTO blob_holders (sha256, user_id) VALUES (?, ?)",
                                      error);

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, sha256);
  sqlite3_bind_int64 (stmt, 2, user_id);
  if (step (self, stmt) != SQLITE_DONE)
    {
      sqlite3_reset (stmt);
      return set_sqlite_error (self, error, "recording who holds a blob");
    }
  sqlite3_reset (stmt);
  return TRUE;
}

/* 1 when the blob is complete, 0 when not, -1 with @error set when the
 * database fails */
static int
blob_is_complete (TgServerStore  *self,
                  const char     *sha256,
                  GError        **error)
{
  sqlite3_stmt *stmt = get_statement (self, "SELECT complete FROM blobs WHERE sha256 = ?", error);
  int complete = 0;
  int rc;

  if (stmt == NULL)
    return -1;
  bind_text (stmt, 1, sha256);
  if ((rc = step (self, stmt)) == SQLITE_ROW)
    complete = sqlite3_column_int (stmt, 0) != 0;
  else if (rc != SQLITE_DONE)
    complete = set_sqlite_error (self, error, "looking up a blob") - 1;
  sqlite3_reset (stmt);
  return complete;
}

gboolean
tg_server_store_blob_is_complete (TgServerStore *self,
                                  const char    *sha256)
{
  g_autoptr(GError) error = NULL;
  int complete = blob_is_complete (self, sha256, &error);

  /* a database that fails has no complete blob to serve */
  if (complete < 0)
    g_warning ("%s", error->message);
  return complete > 0;
}

gboolean
tg_server_store_blob_set_complete (TgServerStore  *self,
                                   const char     *sha256,
                                   gint64          size,
                                   GError        **error)
{
  sqlite3_stmt *stmt;

  if ((stmt = get_statement (self, "INSERT INTO blobs (sha256, size, complete, created_at, completed_at) "
                                   "VALUES (?1, ?2, 1, ?3, ?3) ON CONFLICT (sha256) DO UPDATE "
                                   "SET size = ?2, complete = 1, completed_at = ?3", error)) == NULL)
    return FALSE;
  bind_text (stmt, 1, sha256);
  sqlite3_bind_int64 (stmt, 2, size);
  sqlite3_bind_int64 (stmt, 3, now_s ());
  if (step (self, stmt) != SQLITE_DONE)
    {
      sqlite3_reset (stmt);
      return set_sqlite_error (self, error, "recording a blob");
    }
  sqlite3_reset (stmt);
  return TRUE;
}

/* backup and restore ----------------------------------------------------- */

static gboolean
copy_database (sqlite3     *from,
               sqlite3     *to,
               GError     **error)
{
  sqlite3_backup *backup = sqlite3_backup_init (to, "main", from, "main");
  int rc;

  if (backup == NULL)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL,
                   "cannot start the backup: %s", sqlite3_errmsg (to));
      return FALSE;
    }
  /* Copy in steps so a serving server is never locked out for long. */
  do
    {
      rc = sqlite3_backup_step (backup, 256);
      if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        sqlite3_sleep (20);
    }
  while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  sqlite3_backup_finish (backup);
  if (rc != SQLITE_DONE)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL,
                   "the backup failed: %s", sqlite3_errstr (rc));
      return FALSE;
    }
  return TRUE;
}

gboolean
tg_server_store_backup (TgServerStore  *self,
                        const char     *dest,
                        GError        **error)
{
  g_autofree char *tmp = g_strconcat (dest, ".partial", NULL);
  sqlite3 *out = NULL;
  gboolean ok;

  if (g_file_test (dest, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_CONFLICT,
                   _("%s already exists; choose a new file for the backup"), dest);
      return FALSE;
    }
  g_unlink (tmp);
  if (sqlite3_open_v2 (tmp, &out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL,
                   _("Cannot create %s: %s"), tmp, out ? sqlite3_errmsg (out) : "out of memory");
      sqlite3_close (out);
      return FALSE;
    }
  ok = copy_database (self->db, out, error);
  if (ok)
    sqlite3_exec (out, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
  sqlite3_close (out);
  if (ok && g_rename (tmp, dest) != 0)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL,
                   _("Cannot rename the backup to %s: %s"), dest, g_strerror (errno));
      ok = FALSE;
    }
  if (!ok)
    g_unlink (tmp);
  else
    tg_server_store_audit (self, NULL, "backup", NULL);
  return ok;
}

gboolean
tg_server_store_restore (TgServerStore  *self,
                         const char     *source,
                         GError        **error)
{
  sqlite3 *in = NULL;
  sqlite3_stmt *stmt = NULL;
  gboolean ok = FALSE;
  int version = -1;
  g_autofree char *check = NULL;

  if (sqlite3_open_v2 (source, &in, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                   _("Cannot open %s: %s"), source, in ? sqlite3_errmsg (in) : "out of memory");
      goto out;
    }
  if (sqlite3_prepare_v2 (in, "PRAGMA integrity_check", -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_step (stmt) != SQLITE_ROW)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                   _("%s is not a testigo-server database"), source);
      goto out;
    }
  check = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (g_strcmp0 (check, "ok") != 0)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                   _("%s is damaged: %s"), source, check);
      goto out;
    }
  if (sqlite3_prepare_v2 (in, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (version < 1 || version > TG_SERVER_STORE_VERSION ||
      sqlite3_prepare_v2 (in, "SELECT count(*) FROM revisions, users LIMIT 1", -1, &stmt, NULL) != SQLITE_OK)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                   _("%s is not a testigo-server database this version can read"), source);
      goto out;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  /* Drop our cached statements: the schema is replaced under them. */
  g_hash_table_remove_all (self->statements);
  ok = copy_database (in, self->db, error);
  if (ok)
    ok = migrate (self, error);
  if (ok)
    tg_server_store_audit (self, NULL, "restore", NULL);

out:
  g_clear_pointer (&stmt, sqlite3_finalize);
  sqlite3_close (in);
  return ok;
}
