/* tg-store-query.c — reads the app's store, plain or encrypted, for tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The tests check what the app stored. Python's sqlite3 links the
 * system SQLite, which cannot read a store encrypted by SQLite3 Multiple
 * Ciphers, and an encrypted blob's bytes are not its content. This
 * program reads both with the app's own code: a store that starts with
 * the plain header ("SQLite format 3\0", tg_sqlite_file_is_plain) is
 * opened plain; any other is opened with the vault's STORE subkey
 * (tg_vault_unlock with $TESTIGO_PASSPHRASE, tg_vault_derive_subkey,
 * tg_sqlite_open_keyed), exactly as the app opens it. Always read-only.
 * Blobs are read through tg_blob_store_read, which decrypts encrypted
 * files with the same vault.
 *
 * The vault is unlocked once, when first needed (Argon2id costs about a
 * second), and kept for the life of the process: one process serves a
 * whole test run (tests/app/tap_store.py keeps it). A right passphrase
 * clears the vault's count of wrong ones, as the app's unlock does; a
 * wrong one is counted like the app's.
 *
 * Usage:
 *   tg-store-query PATH              SQL from stdin, one statement a line;
 *                                    each row printed as a JSON array line
 *   tg-store-query --json PATH       requests from stdin, one JSON object a
 *                                    line, one JSON reply line each (below)
 *   tg-store-query --blob SHA PATH   prints the content's SHA-256 and size
 *   tg-store-query --blob SHA --data PATH   writes the content to stdout
 *
 * PATH is the data directory or its testigo.db. Requests in --json mode:
 *   {"sql": "SELECT …", "params": [1, 2.5, "text", null, {"blob": "<base64>"}]}
 *      → {"columns": [...], "rows": [[...], ...]}; a blob value is
 *        {"blob": "<base64>"}, integers, reals, text and NULL as in JSON.
 *   {"blob": "<sha256>", "data": false}
 *      → {"sha256": "<of the content>", "size": N, "encrypted": bool
 *         [, "data": "<base64>"]}
 *   {"open": true} → {"opened": true, "encrypted": bool}: opens the store
 *      now (unlocking the vault if it is encrypted), so that a store that
 *      cannot be opened fails here.
 *   {"close": true} → {"closed": true}: closes the SQLite connection (the
 *      next "sql" opens it again; the vault stays unlocked).
 * A failed request replies {"error": "...", "code": "..."} and the process
 * goes on. The first line printed in --json mode is {"ready": true, ...}.
 *
 * Exit status: 0 done; 1 usage; 2 no store there or it cannot be read;
 * 3 the vault refused (no passphrase given, wrong passphrase, rate
 * limited, no key file for an encrypted store); 4 an SQL statement
 * failed (plain mode) or a blob is missing or damaged.
 */
#define G_LOG_DOMAIN "tg-store-query"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sodium.h>

#include "tg-blob-store.h"
#include "tg-sqlite.h"
#include "tg-types.h"
#include "tg-vault.h"

enum
{
  EXIT_DONE = 0,
  EXIT_USAGE = 1,
  EXIT_STORE = 2,
  EXIT_VAULT = 3,
  EXIT_QUERY = 4,
};

typedef struct
{
  char        *directory;
  char        *db_path;
  TgVault     *vault;
  guint8      *key;         /* sodium_malloc'd STORE subkey, or NULL */
  TgSqlite    *sql;         /* open between requests until "close" */
  gboolean     encrypted;   /* whether ->sql was opened with the key */
  TgBlobStore *blobs;
} Reader;

/* The vault ----------------------------------------------------------------- */

/* A fresh vault object for the data folder (it reads the key file's
 * presence when made), handed to the blob store: only a blob store with
 * a vault recognises encrypted files. Locked until unlock(). */
static void
reset_vault (Reader *self)
{
  if (self->vault != NULL)
    tg_vault_lock (self->vault);
  g_clear_object (&self->vault);
  self->vault = tg_vault_new (self->directory);
  tg_blob_store_set_vault (self->blobs, self->vault);
}

static gboolean
unlock (Reader  *self,
        GError **error)
{
  const char *passphrase = g_getenv ("TESTIGO_PASSPHRASE");

  if (tg_vault_is_unlocked (self->vault))
    return TRUE;
  if (tg_vault_get_state (self->vault) == TG_VAULT_STATE_NONE)
    reset_vault (self);   /* the key file may have been written since */
  if (tg_vault_get_state (self->vault) == TG_VAULT_STATE_NONE)
    {
      g_set_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_NO_KEY,
                   "%s is not a plain SQLite store and %s has no %s: nothing can open it",
                   self->db_path, self->directory, TG_VAULT_KEY_FILE);
      return FALSE;
    }
  if (passphrase == NULL)
    {
      g_set_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_LOCKED,
                   "%s is encrypted: set TESTIGO_PASSPHRASE to the store's passphrase", self->db_path);
      return FALSE;
    }
  if (!tg_vault_unlock (self->vault, passphrase, NULL, error))
    {
      g_prefix_error (error, "%s is encrypted and TESTIGO_PASSPHRASE does not unlock %s/%s: ",
                      self->db_path, self->directory, TG_VAULT_KEY_FILE);
      return FALSE;
    }
  return TRUE;
}

/* The STORE subkey, as the app hands it to tg_store_open_keyed. */
static gboolean
derive_key (Reader  *self,
            GError **error)
{
  if (self->key == NULL && (self->key = sodium_malloc (TG_SQLITE_KEY_SIZE)) == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "out of memory for the key");
      return FALSE;
    }
  return unlock (self, error) &&
         tg_vault_derive_subkey (self->vault, TG_VAULT_PURPOSE_STORE, self->key, error);
}

/* Wipes the subkey and locks the vault; @again: a fresh vault object
 * for a later unlock (the key file may have been replaced). */
static void
forget_key (Reader   *self,
            gboolean  again)
{
  if (self->key != NULL)
    sodium_free (self->key);
  self->key = NULL;
  if (again)
    reset_vault (self);
  else
    {
      if (self->vault != NULL)
        tg_vault_lock (self->vault);
      tg_blob_store_set_vault (self->blobs, NULL);
      g_clear_object (&self->vault);
    }
}

static int
exit_status_for (const GError *error)
{
  if (error->domain == TG_VAULT_ERROR)
    return EXIT_VAULT;
  if (g_error_matches (error, TG_ERROR, TG_ERROR_WRONG_KEY))
    return EXIT_VAULT;
  return EXIT_STORE;
}

static const char *
error_code (const GError *error)
{
  static const struct { int code; const char *name; } vault_codes[] = {
    { TG_VAULT_ERROR_WRONG_PASSPHRASE, "wrong-passphrase" },
    { TG_VAULT_ERROR_RATE_LIMITED, "rate-limited" },
    { TG_VAULT_ERROR_NO_KEY, "no-key-file" },
    { TG_VAULT_ERROR_LOCKED, "no-passphrase" },
    { TG_VAULT_ERROR_TAMPERED, "tampered" },
    { TG_VAULT_ERROR_TRUNCATED, "truncated" },
    { TG_VAULT_ERROR_CORRUPT, "corrupt-key-file" },
  };

  if (error->domain == TG_VAULT_ERROR)
    {
      for (guint i = 0; i < G_N_ELEMENTS (vault_codes); i++)
        if (vault_codes[i].code == error->code)
          return vault_codes[i].name;
      return "vault";
    }
  if (g_error_matches (error, TG_ERROR, TG_ERROR_WRONG_KEY))
    return "wrong-key";
  if (g_error_matches (error, TG_ERROR, TG_ERROR_NOT_FOUND))
    return "not-found";
  return "failed";
}

/* The store ----------------------------------------------------------------- */

static gboolean
open_store (Reader  *self,
            GError **error)
{
  int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;
  g_autoptr (GError) local_error = NULL;
  GStatBuf st;

  if (self->sql != NULL)
    return TRUE;
  if (!g_file_test (self->db_path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, TG_ERROR, TG_ERROR_NOT_FOUND, "no store at %s", self->db_path);
      return FALSE;
    }
  /* An empty file is what SQLite leaves for a store never written: plain. */
  if (tg_sqlite_file_is_plain (self->db_path) ||
      (g_stat (self->db_path, &st) == 0 && st.st_size == 0))
    {
      self->sql = tg_sqlite_open (self->db_path, flags, error);
      self->encrypted = FALSE;
      return self->sql != NULL;
    }
  self->encrypted = TRUE;
  if (!derive_key (self, error))
    return FALSE;
  self->sql = tg_sqlite_open_keyed (self->db_path, flags, self->key, &local_error);
  if (self->sql == NULL && g_error_matches (local_error, TG_ERROR, TG_ERROR_WRONG_KEY))
    {
      /* The store may have been erased and made again with a new data
       * key since the vault was unlocked: unlock once more. */
      g_clear_error (&local_error);
      forget_key (self, TRUE);
      if (!derive_key (self, error))
        return FALSE;
      self->sql = tg_sqlite_open_keyed (self->db_path, flags, self->key, &local_error);
    }
  if (self->sql == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

static void
close_store (Reader *self)
{
  g_clear_pointer (&self->sql, tg_sqlite_close);
}

static JsonNode *
column_value (sqlite3_stmt *stmt,
              int           i)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  switch (sqlite3_column_type (stmt, i))
    {
    case SQLITE_INTEGER:
      json_node_set_int (node, sqlite3_column_int64 (stmt, i));
      break;
    case SQLITE_FLOAT:
      json_node_set_double (node, sqlite3_column_double (stmt, i));
      break;
    case SQLITE_TEXT:
      json_node_set_string (node, (const char *) sqlite3_column_text (stmt, i));
      break;
    case SQLITE_BLOB:
      {
        g_autoptr (JsonObject) object = json_object_new ();
        const void *data = sqlite3_column_blob (stmt, i);
        int len = sqlite3_column_bytes (stmt, i);
        g_autofree char *b64 = g_base64_encode (data, (gsize) len);

        json_object_set_string_member (object, "blob", b64);
        json_node_init_object (node, object);
      }
      break;
    case SQLITE_NULL:
    default:
      json_node_init_null (node);
      break;
    }
  return node;
}

static gboolean
bind_params (sqlite3_stmt  *stmt,
             JsonArray     *params,
             GError       **error)
{
  guint n = params ? json_array_get_length (params) : 0;

  if ((int) n != sqlite3_bind_parameter_count (stmt))
    {
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                   "Incorrect number of bindings supplied. The current statement uses %d, and there are %u supplied.",
                   sqlite3_bind_parameter_count (stmt), n);
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (params, i);
      int rc = SQLITE_OK;
      int at = (int) i + 1;

      if (JSON_NODE_HOLDS_NULL (node))
        rc = sqlite3_bind_null (stmt, at);
      else if (JSON_NODE_HOLDS_OBJECT (node) &&
               json_object_has_member (json_node_get_object (node), "blob"))
        {
          const char *b64 = json_object_get_string_member (json_node_get_object (node), "blob");
          gsize len = 0;
          guchar *data = g_base64_decode (b64 ? b64 : "", &len);

          rc = sqlite3_bind_blob64 (stmt, at, data, len, g_free);
        }
      else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
        rc = sqlite3_bind_int64 (stmt, at, json_node_get_int (node));
      else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_DOUBLE)
        rc = sqlite3_bind_double (stmt, at, json_node_get_double (node));
      else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN)
        rc = sqlite3_bind_int64 (stmt, at, json_node_get_boolean (node) ? 1 : 0);
      else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        rc = sqlite3_bind_text (stmt, at, json_node_get_string (node), -1, SQLITE_TRANSIENT);
      else
        {
          g_set_error (error, TG_ERROR, TG_ERROR_INVALID, "parameter %u: not a value SQLite takes", i + 1);
          return FALSE;
        }
      if (rc != SQLITE_OK)
        {
          g_set_error (error, TG_ERROR, TG_ERROR_FAILED, "parameter %u: %s", i + 1, sqlite3_errstr (rc));
          return FALSE;
        }
    }
  return TRUE;
}

/* Runs @sql with @params; calls @row for each row. FALSE with @error when
 * the statement does not prepare, bind or step. */
typedef void (*RowFunc) (sqlite3_stmt *stmt, gpointer user_data);

static gboolean
run (Reader      *self,
     const char  *sql,
     JsonArray   *params,
     RowFunc      row,
     gpointer     user_data,
     GError     **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  sqlite3 *db;
  const char *tail = NULL;
  int rc;

  if (!open_store (self, error))
    return FALSE;
  db = tg_sqlite_get_db (self->sql);
  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, &tail) != SQLITE_OK)
    return tg_sqlite_set_error (error, db, "%s", sqlite3_errmsg (db));
  if (stmt == NULL)
    return TRUE;   /* only a comment or white space */
  while (tail != NULL && g_ascii_isspace (*tail))
    tail++;
  if (tail != NULL && *tail != '\0' && *tail != ';')
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID, "You can only execute one statement at a time.");
      return FALSE;
    }
  if (!bind_params (stmt, params, error))
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    row (stmt, user_data);
  if (rc != SQLITE_DONE)
    return tg_sqlite_set_error (error, db, "%s", sqlite3_errmsg (db));
  return TRUE;
}

/* The blobs ----------------------------------------------------------------- */

/* Reads the content of blob @sha256 through the blob store (decrypting an
 * encrypted file), hashing it; the bytes go to @out when given. */
static gboolean
read_blob (Reader      *self,
           const char  *sha256,
           GByteArray  *out,
           char       **digest,
           gint64      *size,
           gboolean    *encrypted,
           GError     **error)
{
  g_autoptr (GInputStream) in = NULL;
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buffer = g_malloc (64 * 1024);
  gint64 total = 0;
  gssize n;

  if (!tg_blob_store_contains (self->blobs, sha256))
    {
      g_set_error (error, TG_ERROR, TG_ERROR_NOT_FOUND, "no blob %s under %s", sha256,
                   tg_blob_store_get_directory (self->blobs));
      return FALSE;
    }
  *encrypted = tg_blob_store_is_encrypted (self->blobs, sha256);
  if (*encrypted && !unlock (self, error))
    return FALSE;
  if ((in = tg_blob_store_read (self->blobs, sha256, NULL, error)) == NULL)
    return FALSE;
  while ((n = g_input_stream_read (in, buffer, 64 * 1024, NULL, error)) > 0)
    {
      g_checksum_update (sum, buffer, (gsize) n);
      if (out != NULL)
        g_byte_array_append (out, buffer, (guint) n);
      total += n;
    }
  if (n < 0)
    return FALSE;
  *digest = g_strdup (g_checksum_get_string (sum));
  *size = total;
  return TRUE;
}

/* The modes ----------------------------------------------------------------- */

static void
print_node (JsonNode *node)
{
  g_autofree char *text = json_to_string (node, FALSE);

  fputs (text, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
}

static void
row_to_stdout (sqlite3_stmt *stmt,
               gpointer      user_data)
{
  g_autoptr (JsonArray) array = json_array_new ();
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_ARRAY);

  for (int i = 0; i < sqlite3_column_count (stmt); i++)
    json_array_add_element (array, column_value (stmt, i));
  json_node_set_array (node, array);
  print_node (node);
}

static void
row_to_array (sqlite3_stmt *stmt,
              gpointer      user_data)
{
  JsonArray *rows = user_data;
  JsonArray *array = json_array_new ();

  for (int i = 0; i < sqlite3_column_count (stmt); i++)
    json_array_add_element (array, column_value (stmt, i));
  json_array_add_array_element (rows, array);
}

static JsonNode *
error_reply (const GError *error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, error->message);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, error_code (error));
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static JsonNode *
answer_sql (Reader     *self,
            JsonObject *request,
            GError    **error)
{
  const char *sql = json_object_get_string_member (request, "sql");
  JsonArray *params = json_object_has_member (request, "params")
                      ? json_object_get_array_member (request, "params") : NULL;
  g_autoptr (JsonArray) rows = json_array_new ();
  g_autoptr (JsonArray) columns = json_array_new ();
  g_autoptr (sqlite3_stmt) stmt = NULL;
  JsonObject *reply;
  JsonNode *node;

  if (sql == NULL)
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID, "\"sql\" is not a string");
      return NULL;
    }
  if (!run (self, sql, params, row_to_array, rows, error))
    return NULL;
  /* The column names, from the statement prepared again (cheap). */
  if (sqlite3_prepare_v2 (tg_sqlite_get_db (self->sql), sql, -1, &stmt, NULL) == SQLITE_OK && stmt != NULL)
    for (int i = 0; i < sqlite3_column_count (stmt); i++)
      json_array_add_string_element (columns, sqlite3_column_name (stmt, i));
  reply = json_object_new ();
  json_object_set_array_member (reply, "columns", json_array_ref (columns));
  json_object_set_array_member (reply, "rows", json_array_ref (rows));
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, reply);
  return node;
}

static JsonNode *
answer_blob (Reader     *self,
             JsonObject *request,
             GError    **error)
{
  const char *sha256 = json_object_get_string_member (request, "blob");
  gboolean want_data = json_object_get_boolean_member_with_default (request, "data", FALSE);
  g_autoptr (GByteArray) data = want_data ? g_byte_array_new () : NULL;
  g_autofree char *digest = NULL;
  gboolean encrypted = FALSE;
  gint64 size = 0;
  JsonObject *reply;
  JsonNode *node;

  if (sha256 == NULL)
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID, "\"blob\" is not a string");
      return NULL;
    }
  if (!read_blob (self, sha256, data, &digest, &size, &encrypted, error))
    return NULL;
  reply = json_object_new ();
  json_object_set_string_member (reply, "sha256", digest);
  json_object_set_int_member (reply, "size", size);
  json_object_set_boolean_member (reply, "encrypted", encrypted);
  if (data != NULL)
    {
      g_autofree char *b64 = g_base64_encode (data->data, data->len);
      json_object_set_string_member (reply, "data", b64);
    }
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, reply);
  return node;
}

static int
serve_json (Reader *self)
{
  g_autoptr (JsonBuilder) ready = json_builder_new ();
  g_autoptr (JsonNode) ready_node = NULL;
  char *line = NULL;
  size_t cap = 0;

  json_builder_begin_object (ready);
  json_builder_set_member_name (ready, "ready");
  json_builder_add_boolean_value (ready, TRUE);
  json_builder_set_member_name (ready, "cipher");
  json_builder_add_string_value (ready, tg_sqlite_cipher_version ());
  json_builder_end_object (ready);
  ready_node = json_builder_get_root (ready);
  print_node (ready_node);

  while (getline (&line, &cap, stdin) > 0)
    {
      g_autoptr (JsonParser) parser = json_parser_new ();
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonNode) reply = NULL;
      JsonObject *request;

      g_strchomp (line);
      if (*line == '\0')
        continue;
      if (!json_parser_load_from_data (parser, line, -1, &error) ||
          !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        {
          if (error == NULL)
            g_set_error_literal (&error, TG_ERROR, TG_ERROR_INVALID, "a request is a JSON object");
          reply = error_reply (error);
          print_node (reply);
          continue;
        }
      request = json_node_get_object (json_parser_get_root (parser));
      if (json_object_has_member (request, "sql"))
        reply = answer_sql (self, request, &error);
      else if (json_object_has_member (request, "blob"))
        reply = answer_blob (self, request, &error);
      else if (json_object_has_member (request, "open"))
        {
          if (open_store (self, &error))
            {
              g_autoptr (JsonBuilder) builder = json_builder_new ();

              json_builder_begin_object (builder);
              json_builder_set_member_name (builder, "opened");
              json_builder_add_boolean_value (builder, TRUE);
              json_builder_set_member_name (builder, "encrypted");
              json_builder_add_boolean_value (builder, self->encrypted);
              json_builder_end_object (builder);
              reply = json_builder_get_root (builder);
            }
        }
      else if (json_object_has_member (request, "close"))
        {
          g_autoptr (JsonBuilder) builder = json_builder_new ();

          close_store (self);
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "closed");
          json_builder_add_boolean_value (builder, TRUE);
          json_builder_end_object (builder);
          reply = json_builder_get_root (builder);
        }
      else
        g_set_error_literal (&error, TG_ERROR, TG_ERROR_INVALID,
                             "a request has \"open\", \"sql\", \"blob\" or \"close\"");
      if (reply == NULL)
        reply = error_reply (error);
      print_node (reply);
    }
  free (line);
  return EXIT_DONE;
}

static int
serve_lines (Reader *self)
{
  char *line = NULL;
  size_t cap = 0;
  int status = EXIT_DONE;

  while (getline (&line, &cap, stdin) > 0)
    {
      g_autoptr (GError) error = NULL;

      g_strchomp (line);
      if (*line == '\0')
        continue;
      if (!run (self, line, NULL, row_to_stdout, NULL, &error))
        {
          g_printerr ("tg-store-query: %s\n", error->message);
          if (error->domain == TG_VAULT_ERROR || g_error_matches (error, TG_ERROR, TG_ERROR_WRONG_KEY) ||
              g_error_matches (error, TG_ERROR, TG_ERROR_NOT_FOUND))
            {
              status = exit_status_for (error);
              break;
            }
          status = EXIT_QUERY;
        }
    }
  free (line);
  return status;
}

static int
print_blob (Reader     *self,
            const char *sha256,
            gboolean    data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GByteArray) bytes = data ? g_byte_array_new () : NULL;
  g_autofree char *digest = NULL;
  gboolean encrypted = FALSE;
  gint64 size = 0;

  if (!read_blob (self, sha256, bytes, &digest, &size, &encrypted, &error))
    {
      g_printerr ("tg-store-query: %s\n", error->message);
      return error->domain == TG_VAULT_ERROR && error->code != TG_VAULT_ERROR_TAMPERED &&
             error->code != TG_VAULT_ERROR_TRUNCATED ? EXIT_VAULT : EXIT_QUERY;
    }
  if (bytes != NULL)
    {
      if (fwrite (bytes->data, 1, bytes->len, stdout) != bytes->len)
        return EXIT_QUERY;
    }
  else
    printf ("%s %" G_GINT64_FORMAT " %s\n", digest, size, encrypted ? "encrypted" : "plain");
  return fflush (stdout) == 0 ? EXIT_DONE : EXIT_QUERY;
}

int
main (int   argc,
      char *argv[])
{
  gboolean json = FALSE;
  gboolean data = FALSE;
  g_autofree char *blob = NULL;
  g_auto (GStrv) rest = NULL;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Requests and replies as JSON lines", NULL },
    { "blob", 0, 0, G_OPTION_ARG_STRING, &blob, "Read the blob with this SHA-256", "SHA256" },
    { "data", 0, 0, G_OPTION_ARG_NONE, &data, "With --blob: write its content to stdout", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL, "PATH" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("PATH — read a Testigo store, plain or encrypted");
  g_autoptr (GError) error = NULL;
  Reader self = { 0 };
  int status;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || rest == NULL || rest[0] == NULL ||
      rest[1] != NULL || (data && blob == NULL) || (json && blob != NULL))
    {
      g_printerr ("%s\n", error ? error->message : "usage: tg-store-query [--json | --blob SHA256 [--data]] PATH");
      return EXIT_USAGE;
    }
  if (sodium_init () < 0)
    {
      g_printerr ("tg-store-query: libsodium failed to start\n");
      return EXIT_STORE;
    }

  if (g_file_test (rest[0], G_FILE_TEST_IS_DIR))
    {
      self.directory = g_strdup (rest[0]);
      self.db_path = g_build_filename (rest[0], "testigo.db", NULL);
    }
  else
    {
      self.directory = g_path_get_dirname (rest[0]);
      self.db_path = g_strdup (rest[0]);
    }
  {
    g_autofree char *blob_dir = g_build_filename (self.directory, "blobs", NULL);
    self.blobs = tg_blob_store_new (blob_dir);
  }
  reset_vault (&self);

  if (blob != NULL)
    status = print_blob (&self, blob, data);
  else if (json)
    status = serve_json (&self);
  else
    {
      /* Open (and unlock) before reading stdin, so that a store that
       * cannot be opened fails at once with a clear message. */
      if (!open_store (&self, &error))
        {
          g_printerr ("tg-store-query: %s\n", error->message);
          status = exit_status_for (error);
        }
      else
        status = serve_lines (&self);
    }

  close_store (&self);
  forget_key (&self, FALSE);
  g_clear_object (&self.blobs);
  g_free (self.directory);
  g_free (self.db_path);
  return status;
}
