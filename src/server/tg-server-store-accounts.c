/* tg-server-store-accounts.c — users, devices, enrolment codes, tokens,
 * roles and the audit log
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "testigo-server"

#include "config.h"

#include <string.h>
#include <sqlite3.h>
#include <glib/gi18n.h>
#include <sys/random.h>

#include "tg-revision.h"
#include "tg-server-decode.h"
#include "tg-server-store-private.h"

/* tokens, codes and roles ------------------------------------------------ */

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

/* accounts --------------------------------------------------------------- */

gboolean
tg_server_store_add_user (TgServerStore  *self,
                          const char     *name,
                          TgServerRole    role,
                          GError        **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
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

  if ((stmt = _tg_server_store_statement (self, "INSERT INTO users (name, role, created_at) VALUES (?, ?, ?)", error)) == NULL)
    return FALSE;
  tg_sqlite_bind_text (stmt, 1, name);
  tg_sqlite_bind_text (stmt, 2, tg_server_role_to_string (role));
  sqlite3_bind_int64 (stmt, 3, _tg_server_store_now ());
  rc = sqlite3_step (stmt);
  if ((rc & 0xff) == SQLITE_CONSTRAINT)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_CONFLICT,
                   _("There is already a user called “%s”"), name);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return _tg_server_store_sql_error (self, error, "adding a user");

  tg_server_store_audit (self, NULL, "user-add", tg_server_role_to_string (role));
  return TRUE;
}

gboolean
tg_server_store_set_role (TgServerStore  *self,
                          const char     *name,
                          TgServerRole    role,
                          GError        **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  int rc;

  if ((stmt = _tg_server_store_statement (self, "UPDATE users SET role = ? WHERE name = ?", error)) == NULL)
    return FALSE;
  tg_sqlite_bind_text (stmt, 1, tg_server_role_to_string (role));
  tg_sqlite_bind_text (stmt, 2, name);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE)
    return _tg_server_store_sql_error (self, error, "changing a role");
  if (sqlite3_changes (tg_sqlite_get_db (self->db)) == 0)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_NOT_FOUND, _("There is no user called “%s”"), name);
      return FALSE;
    }
  {
    g_autofree char *detail = g_strdup_printf ("%s: %s", name, tg_server_role_to_string (role));
    tg_server_store_audit (self, NULL, "user-role", detail);
  }
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
  gint64 user_id;

  {
    g_autoptr(TgSqliteStmt) stmt = NULL;

    if ((stmt = _tg_server_store_statement (self, "SELECT id FROM users WHERE name = ?", error)) == NULL)
      return NULL;
    tg_sqlite_bind_text (stmt, 1, user_name);
    if (_tg_server_store_step (self, stmt) != SQLITE_ROW)
      {
        g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_NOT_FOUND,
                     _("There is no user called “%s”"), user_name);
        return NULL;
      }
    user_id = sqlite3_column_int64 (stmt, 0);
  }
  {
    g_autoptr(TgSqliteStmt) stmt = NULL;

    if ((stmt = _tg_server_store_statement (self, "INSERT INTO enrol_codes (code_sha256, user_id, created_at, expires_at) "
                                                  "VALUES (?, ?, ?, ?)", error)) == NULL)
      return NULL;
    tg_sqlite_bind_text (stmt, 1, hash);
    sqlite3_bind_int64 (stmt, 2, user_id);
    sqlite3_bind_int64 (stmt, 3, _tg_server_store_now ());
    sqlite3_bind_int64 (stmt, 4, _tg_server_store_now () + lifetime_s);
    if (_tg_server_store_step (self, stmt) != SQLITE_DONE)
      {
        _tg_server_store_sql_error (self, error, "storing an enrolment code");
        return NULL;
      }
  }

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
                       TgServerRole   *role,
                       GError        **error)
{
  g_autofree char *hash = tg_server_sha256_hex (code, strlen (code));
  g_autofree char *role_text = NULL;
  g_autofree char *new_token = NULL;
  g_autofree char *token_hash = NULL;
  g_autofree char *new_id = NULL;
  gint64 user_id, expires_at;
  gboolean used;

  if (!_tg_server_store_exec (self, "BEGIN IMMEDIATE", error))
    return FALSE;

  {
    g_autoptr(TgSqliteStmt) stmt = NULL;

    if ((stmt = _tg_server_store_statement (self, "SELECT c.user_id, c.expires_at, c.used_at IS NOT NULL, u.role "
                                                  "FROM enrol_codes c JOIN users u ON u.id = c.user_id "
                                                  "WHERE c.code_sha256 = ?", error)) == NULL)
      goto rollback;
    tg_sqlite_bind_text (stmt, 1, hash);
    if (_tg_server_store_step (self, stmt) != SQLITE_ROW)
      {
        g_set_error_literal (error, TG_SERVER_ERROR, TG_SERVER_ERROR_FORBIDDEN,
                             "unknown enrolment code");
        goto rollback;
      }
    user_id = sqlite3_column_int64 (stmt, 0);
    expires_at = sqlite3_column_int64 (stmt, 1);
    used = sqlite3_column_int (stmt, 2);
    role_text = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
  }

  if (used || expires_at <= _tg_server_store_now ())
    {
      tg_sqlite_rollback (self->db);
      g_set_error_literal (error, TG_SERVER_ERROR, TG_SERVER_ERROR_FORBIDDEN,
                           used ? "this enrolment code has already been used"
                                : "this enrolment code has expired");
      return FALSE;
    }

  new_id = g_uuid_string_random ();
  new_token = tg_server_random_token (32);
  token_hash = tg_server_sha256_hex (new_token, strlen (new_token));

  {
    g_autoptr(TgSqliteStmt) stmt = NULL;

    if ((stmt = _tg_server_store_statement (self, "INSERT INTO devices (id, user_id, name, token_sha256, created_at) "
                                                  "VALUES (?, ?, ?, ?, ?)", error)) == NULL)
      goto rollback;
    tg_sqlite_bind_text (stmt, 1, new_id);
    sqlite3_bind_int64 (stmt, 2, user_id);
    tg_sqlite_bind_text (stmt, 3, device_name);
    tg_sqlite_bind_text (stmt, 4, token_hash);
    sqlite3_bind_int64 (stmt, 5, _tg_server_store_now ());
    if (_tg_server_store_step (self, stmt) != SQLITE_DONE)
      goto failed;
  }
  {
    g_autoptr(TgSqliteStmt) stmt = NULL;

    if ((stmt = _tg_server_store_statement (self, "UPDATE enrol_codes SET used_at = ?, device_id = ? WHERE code_sha256 = ?",
                                            error)) == NULL)
      goto rollback;
    sqlite3_bind_int64 (stmt, 1, _tg_server_store_now ());
    tg_sqlite_bind_text (stmt, 2, new_id);
    tg_sqlite_bind_text (stmt, 3, hash);
    if (_tg_server_store_step (self, stmt) != SQLITE_DONE)
      goto failed;
  }
  {
    g_autoptr(TgSqliteStmt) stmt = NULL;

    if ((stmt = _tg_server_store_statement (self, "INSERT INTO audit (at, user_id, device_id, action, detail) "
                                                  "VALUES (?, ?, ?, 'enrol', NULL)", error)) == NULL)
      goto rollback;
    sqlite3_bind_int64 (stmt, 1, _tg_server_store_now ());
    sqlite3_bind_int64 (stmt, 2, user_id);
    tg_sqlite_bind_text (stmt, 3, new_id);
    if (_tg_server_store_step (self, stmt) != SQLITE_DONE)
      goto failed;
  }

  if (!_tg_server_store_exec (self, "COMMIT", error))
    {
      tg_sqlite_rollback (self->db);
      return FALSE;
    }

  *device_id = g_steal_pointer (&new_id);
  *token = g_steal_pointer (&new_token);
  if (role != NULL && !tg_server_role_from_string (role_text, role))
    *role = TG_SERVER_ROLE_MONITOR;
  return TRUE;

failed:
  /* the statement was released when its block was left */
  _tg_server_store_sql_error (self, error, "enrolling a device");
rollback:
  tg_sqlite_rollback (self->db);
  return FALSE;
}

TgServerAuth *
tg_server_store_authenticate (TgServerStore  *self,
                              const char     *token,
                              GError        **error)
{
  g_autofree char *hash = NULL;
  g_autoptr(TgSqliteStmt) stmt = NULL;
  TgServerAuth *auth = NULL;
  int rc;

  if (token == NULL)
    return NULL;

  hash = tg_server_sha256_hex (token, strlen (token));
  if ((stmt = _tg_server_store_statement (self, "SELECT d.id, d.user_id, u.role FROM devices d "
                                                "JOIN users u ON u.id = d.user_id "
                                                "WHERE d.token_sha256 = ? AND d.revoked_at IS NULL", error)) == NULL)
    return NULL;
  tg_sqlite_bind_text (stmt, 1, hash);
  rc = _tg_server_store_step (self, stmt);
  if (rc == SQLITE_ROW)
    {
      auth = g_new0 (TgServerAuth, 1);
      auth->device_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      auth->user_id = sqlite3_column_int64 (stmt, 1);
      tg_server_role_from_string ((const char *) sqlite3_column_text (stmt, 2), &auth->role);
    }
  else if (rc != SQLITE_DONE)
    _tg_server_store_sql_error (self, error, "checking a device token");
  return auth;
}

gboolean
tg_server_store_revoke (TgServerStore  *self,
                        const char     *device_id,
                        GError        **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;

  if ((stmt = _tg_server_store_statement (self, "UPDATE devices SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                                          error)) == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, _tg_server_store_now ());
  tg_sqlite_bind_text (stmt, 2, device_id);
  if (_tg_server_store_step (self, stmt) != SQLITE_DONE)
    return _tg_server_store_sql_error (self, error, "revoking a device");
  if (sqlite3_changes (tg_sqlite_get_db (self->db)) != 1)
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
  g_autoptr(TgSqliteStmt) stmt = NULL;
  int rc;

  if ((stmt = _tg_server_store_statement (self, "SELECT d.id, u.name, u.role, d.name, d.created_at, d.last_seen, d.revoked_at "
                                                "FROM devices d JOIN users u ON u.id = d.user_id ORDER BY d.created_at, d.id",
                                         error)) == NULL)
    return NULL;
  json_builder_begin_array (builder);
  while ((rc = _tg_server_store_step (self, stmt)) == SQLITE_ROW)
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
  json_builder_end_array (builder);
  if (rc != SQLITE_DONE)
    {
      _tg_server_store_sql_error (self, error, "listing devices");
      return NULL;
    }
  return json_builder_get_root (builder);
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
      gint64 n = _tg_server_store_count (self, stats[i].sql, error);

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
  g_autoptr(TgSqliteStmt) stmt = NULL;

  /* an audit line that cannot be written is logged instead */
  if ((stmt = _tg_server_store_statement (self, "INSERT INTO audit (at, user_id, device_id, action, detail) "
                                                "VALUES (?, ?, ?, ?, ?)", &error)) == NULL)
    {
      g_warning ("audit %s (%s): %s", action, detail ? detail : "", error->message);
      return;
    }
  sqlite3_bind_int64 (stmt, 1, _tg_server_store_now ());
  if (auth != NULL)
    {
      sqlite3_bind_int64 (stmt, 2, auth->user_id);
      tg_sqlite_bind_text (stmt, 3, auth->device_id);
    }
  tg_sqlite_bind_text (stmt, 4, action);
  tg_sqlite_bind_text (stmt, 5, detail);
  _tg_server_store_step (self, stmt);
}
