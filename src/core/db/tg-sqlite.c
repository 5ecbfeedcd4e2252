/* tg-sqlite.c — one SQLite connection, its statement cache, transactions
 * and the mapping of SQLite's result codes to TG_ERROR
 *
 * Every database the core keeps (the store, the tile cache, MBTiles, the
 * gazetteer, the basemap) goes through here, so a statement that fails to
 * prepare is a GError everywhere and a damaged file is reported the same
 * way whichever object finds it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-sqlite"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

#include <sodium.h>

#include "tg-sqlite.h"

/* The two schemes of docs/sqlite-cipher.md. New databases: AEGIS-256
 * (SQLite3MC's "aegis" cipher, algorithm 4), 32 bytes of nonce and 32 of
 * tag reserved at the end of every page; page 1's bytes 16-23 (page size,
 * format, reserved bytes) stay readable, as SQLite needs them before it
 * can decrypt. Databases written before December 2026: the SQLCipher 4
 * scheme with 16 KiB pages, in which nothing is readable, so its page
 * size is fixed here. */
#define AEGIS_NAME       "aegis"
#define AEGIS_ALGORITHM  4
#define AEGIS_RESERVED   64
#define SQLCIPHER_NAME   "sqlcipher"
#define SQLCIPHER_LEGACY 4
#define CIPHER_PAGE_SIZE 16384

/* The scheme of new databases; tests set the old one. */
static TgSqliteCipher new_cipher = TG_SQLITE_CIPHER_AEGIS256;

struct _TgSqlite
{
  sqlite3    *db;
  char       *path;
  GHashTable *statements;  /* SQL text → prepared statement */
};

void
tg_sqlite_stmt_release (TgSqliteStmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

TgError
tg_sqlite_error_code_or (int      rc,
                         TgError  otherwise)
{
  switch (rc & 0xff)
    {
    case SQLITE_CORRUPT:
      return TG_ERROR_CORRUPT;
    case SQLITE_NOTADB:
      return TG_ERROR_NOT_A_DATABASE;
    default:
      return otherwise;
    }
}

TgError
tg_sqlite_error_code (int rc)
{
  return tg_sqlite_error_code_or (rc, TG_ERROR_FAILED);
}

gboolean
tg_sqlite_set_error (GError     **error,
                     sqlite3     *db,
                     const char  *format,
                     ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error_literal (error, TG_ERROR,
                       tg_sqlite_error_code (db ? sqlite3_extended_errcode (db) : SQLITE_NOMEM),
                       message);
  return FALSE;
}

TgSqlite *
tg_sqlite_open (const char  *path,
                int          flags,
                GError     **error)
{
  sqlite3 *db = NULL;
  TgSqlite *self;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);

  rc = sqlite3_open_v2 (path, &db, flags, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_FAILED, _("Could not open %s: %s"),
                   path, db ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
      sqlite3_close_v2 (db);
      return NULL;
    }
  sqlite3_extended_result_codes (db, 1);

  self = g_new0 (TgSqlite, 1);
  self->db = db;
  self->path = g_strdup (path);
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) sqlite3_finalize);
  return self;
}

/* The key as SQLite3MC takes a raw key (no key derivation): "raw:" and
 * the 32 bytes, in locked memory (sodium_malloc) that
 * raw_key_text_free() wipes. NULL if libsodium cannot give any. */
#define RAW_KEY_TEXT_LEN (4 + TG_SQLITE_KEY_SIZE)

static char *
raw_key_text (const guint8 *key)
{
  char *text;

  if (sodium_init () < 0 || (text = sodium_malloc (RAW_KEY_TEXT_LEN)) == NULL)
    return NULL;
  memcpy (text, "raw:", 4);
  memcpy (text + 4, key, TG_SQLITE_KEY_SIZE);
  return text;
}

static void
raw_key_text_free (char *text)
{
  if (text == NULL)
    return;
  sodium_memzero (text, RAW_KEY_TEXT_LEN);
  sodium_free (text);
}

static gboolean
configure_cipher (sqlite3        *db,
                  TgSqliteCipher  cipher)
{
  int index;

  if (cipher == TG_SQLITE_CIPHER_SQLCIPHER4)
    {
      index = sqlite3mc_cipher_index (SQLCIPHER_NAME);
      return index > 0 &&
             sqlite3mc_config (db, "cipher", index) == index &&
             sqlite3mc_config_cipher (db, SQLCIPHER_NAME, "legacy", SQLCIPHER_LEGACY) == SQLCIPHER_LEGACY &&
             sqlite3mc_config_cipher (db, SQLCIPHER_NAME, "legacy_page_size", CIPHER_PAGE_SIZE) == CIPHER_PAGE_SIZE;
    }
  index = sqlite3mc_cipher_index (AEGIS_NAME);
  return index > 0 &&
         sqlite3mc_config (db, "cipher", index) == index &&
         sqlite3mc_config_cipher (db, AEGIS_NAME, "algorithm", AEGIS_ALGORITHM) == AEGIS_ALGORITHM &&
         sqlite3mc_config_cipher (db, AEGIS_NAME, "plaintext_header_size", 0) == 0;
}

/* Whether @header (bytes 16-23 of page 1) is what an AEGIS-256 database
 * of SQLite3MC leaves readable: a page size, file format 1 or 2, our
 * reserved bytes and SQLite's fixed payload fractions. In the SQLCipher 4
 * scheme those bytes are ciphertext: they match by chance once in 2^56. */
static gboolean
is_aegis_header (const guint8 header[8])
{
  guint page_size = (header[0] << 8) | header[1];

  if (page_size == 1)
    page_size = 65536;
  return page_size >= 512 && page_size <= 65536 && (page_size & (page_size - 1)) == 0 &&
         (header[2] == 1 || header[2] == 2) && (header[3] == 1 || header[3] == 2) &&
         header[4] == AEGIS_RESERVED && header[5] == 64 && header[6] == 32 && header[7] == 32;
}

static gboolean
read_at (const char *path,
         goffset     offset,
         guint8     *buf,
         gsize       len)
{
  gboolean ok = FALSE;
  FILE *file;

  if ((file = g_fopen (path, "rb")) == NULL)
    return FALSE;
  ok = fseeko (file, offset, SEEK_SET) == 0 && fread (buf, 1, len, file) == len;
  fclose (file);
  return ok;
}

/* SQLite3MC's memory security (built with SQLITE3MC_SECURE_MEMORY): while
 * it is on, every block SQLite frees, in any connection of the process,
 * is overwritten with zeros first. It is on only while SQLite parses a
 * key out of a URI (tg_sqlite_export_encrypted()), so that SQLite's
 * copies of that text do not linger in freed memory; always on, it made
 * a large full-text query cost 1.7 times the processor time (SQLite then
 * also grows a buffer by copying it, never in place). The setting is the
 * process's, so the calls are counted; any connection to a file can
 * change it. */
G_LOCK_DEFINE_STATIC (secure_memory);
static guint secure_memory_users;

static gboolean
set_memory_security (sqlite3 *db,
                     gboolean on)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  return sqlite3_prepare_v2 (db, on ? "PRAGMA memory_security = fill" : "PRAGMA memory_security = none",
                             -1, &stmt, NULL) == SQLITE_OK &&
         sqlite3_step (stmt) == SQLITE_ROW &&
         sqlite3_column_int (stmt, 0) == (on ? 1 : 0);
}

static gboolean
secure_memory_begin (sqlite3 *db)
{
  gboolean ok = TRUE;

  G_LOCK (secure_memory);
  if (secure_memory_users == 0)
    ok = set_memory_security (db, TRUE);
  if (ok)
    secure_memory_users++;
  G_UNLOCK (secure_memory);
  return ok;
}

static void
secure_memory_end (sqlite3 *db)
{
  G_LOCK (secure_memory);
  if (--secure_memory_users == 0)
    set_memory_security (db, FALSE);
  G_UNLOCK (secure_memory);
}

TgSqliteCipher
tg_sqlite_file_cipher (const char *path)
{
  static const char plain[16] = "SQLite format 3";  /* with its NUL */
  guint8 head[24];

  if (read_at (path, 0, head, sizeof head))
    {
      if (memcmp (head, plain, sizeof plain) == 0)
        return TG_SQLITE_CIPHER_NONE;
      return is_aegis_header (head + 16) ? TG_SQLITE_CIPHER_AEGIS256 : TG_SQLITE_CIPHER_SQLCIPHER4;
    }
  else
    {
      /* An empty file (a new database whose pages are all still in its
       * write-ahead log): page 1 is the log's first frame (a 32-byte
       * header, a 24-byte frame header, then the page). */
      g_autofree char *wal = g_strconcat (path, "-wal", NULL);

      if (read_at (wal, 32 + 24, head, sizeof head) && memcmp (head, plain, sizeof plain) != 0)
        return is_aegis_header (head + 16) ? TG_SQLITE_CIPHER_AEGIS256 : TG_SQLITE_CIPHER_SQLCIPHER4;
      return new_cipher;
    }
}

void
tg_sqlite_set_new_cipher_for_testing (TgSqliteCipher cipher)
{
  g_return_if_fail (cipher == TG_SQLITE_CIPHER_AEGIS256 || cipher == TG_SQLITE_CIPHER_SQLCIPHER4);
  new_cipher = cipher;
}

gboolean
tg_sqlite_file_is_plain (const char *path)
{
  static const char header[16] = "SQLite format 3";  /* with its NUL */
  char buf[16];
  gboolean plain = FALSE;
  FILE *file;

  if ((file = g_fopen (path, "rb")) == NULL)
    return FALSE;
  if (fread (buf, 1, sizeof buf, file) == sizeof buf)
    plain = memcmp (buf, header, sizeof buf) == 0;
  fclose (file);
  return plain;
}

gboolean
tg_sqlite_key_db (sqlite3       *db,
                  const char    *path,
                  const guint8  *key,
                  GError       **error)
{
  TgSqliteCipher cipher;
  char *raw;
  int rc;

  g_return_val_if_fail (db != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  /* A plain file gets the new scheme here and is refused below. */
  cipher = tg_sqlite_file_cipher (path);
  if (!configure_cipher (db, cipher == TG_SQLITE_CIPHER_NONE ? new_cipher : cipher))
    {
      g_set_error (error, TG_ERROR, TG_ERROR_FAILED,
                   _("Could not set up the encryption of %s"), path);
      return FALSE;
    }
  if ((raw = raw_key_text (key)) == NULL)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_FAILED,
                   _("Could not set up the encryption of %s"), path);
      return FALSE;
    }
  rc = sqlite3_key_v2 (db, "main", raw, RAW_KEY_TEXT_LEN);
  raw_key_text_free (raw);
  /* A new database gets 16 KiB pages, as the SQLCipher 4 scheme had
   * them (an existing one keeps its own). */
  if (rc == SQLITE_OK)
    rc = sqlite3_exec (db, "PRAGMA page_size = " G_STRINGIFY (CIPHER_PAGE_SIZE), NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_FAILED,
                   _("Could not set up the encryption of %s: %s"), path, sqlite3_errmsg (db));
      return FALSE;
    }

  /* The first read decrypts page 1 and checks its HMAC: a wrong key, or a
   * plain file, fails here, before anything is written. */
  rc = sqlite3_exec (db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL);
  if ((rc & 0xff) == SQLITE_NOTADB)
    {
      if (tg_sqlite_file_is_plain (path))
        g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                     _("The database %s is not encrypted; it must be converted before "
                       "it can be opened with a key. Nothing was changed."), path);
      else
        g_set_error (error, TG_ERROR, TG_ERROR_WRONG_KEY,
                     _("The key does not open the database %s (a wrong key, or not a "
                       "Testigo database). Nothing was changed."), path);
      return FALSE;
    }
  if (rc != SQLITE_OK)
    return tg_sqlite_set_error (error, db, _("Could not read %s: %s"), path, sqlite3_errmsg (db));
  return TRUE;
}

TgSqlite *
tg_sqlite_open_keyed (const char    *path,
                      int            flags,
                      const guint8  *key,
                      GError       **error)
{
  TgSqlite *self;

  g_return_val_if_fail (key != NULL, NULL);

  if (!(self = tg_sqlite_open (path, flags, error)))
    return NULL;
  if (!tg_sqlite_key_db (self->db, path, key, error))
    {
      tg_sqlite_close (self);
      return NULL;
    }
  return self;
}

const char *
tg_sqlite_cipher_version (void)
{
  return sqlite3mc_version ();
}

static void
remove_database_files (const char *path)
{
  static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      g_remove (file);
    }
}

static gboolean
get_int (TgSqlite     *db,
         const char   *sql,
         gint64       *value,
         GError      **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (sqlite3_prepare_v2 (db->db, sql, -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_step (stmt) != SQLITE_ROW)
    return tg_sqlite_fail (db, error, sql);
  *value = sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

/* The copy holds what the source holds: it passes an integrity check and
 * has the same schema version, the same tables and indices (by name and
 * SQL) and the same number of rows in each table. */
static gboolean
verify_copy (TgSqlite     *plain,
             TgSqlite     *copy,
             GError      **error)
{
  static const char schema_sql[] =
    "SELECT type, name, coalesce(sql, '') FROM sqlite_schema ORDER BY type, name";
  g_autoptr(sqlite3_stmt) a = NULL;
  g_autoptr(sqlite3_stmt) b = NULL;
  g_autoptr(sqlite3_stmt) check = NULL;
  gint64 va, vb;
  int rc_a, rc_b;

  if (sqlite3_prepare_v2 (copy->db, "PRAGMA integrity_check(1)", -1, &check, NULL) != SQLITE_OK ||
      sqlite3_step (check) != SQLITE_ROW)
    return tg_sqlite_fail (copy, error, "integrity check");
  if (g_strcmp0 ((const char *) sqlite3_column_text (check, 0), "ok") != 0)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_CORRUPT,
                   _("The encrypted copy %s failed its integrity check: %s"),
                   copy->path, sqlite3_column_text (check, 0));
      return FALSE;
    }

  if (!get_int (plain, "PRAGMA user_version", &va, error) ||
      !get_int (copy, "PRAGMA user_version", &vb, error))
    return FALSE;
  if (va != vb)
    goto differ;

  if (sqlite3_prepare_v2 (plain->db, schema_sql, -1, &a, NULL) != SQLITE_OK)
    return tg_sqlite_fail (plain, error, "read schema");
  if (sqlite3_prepare_v2 (copy->db, schema_sql, -1, &b, NULL) != SQLITE_OK)
    return tg_sqlite_fail (copy, error, "read schema");
  for (;;)
    {
      const char *type, *name;
      g_autofree char *count_sql = NULL;

      rc_a = sqlite3_step (a);
      rc_b = sqlite3_step (b);
      if (rc_a != rc_b)
        goto differ;
      if (rc_a == SQLITE_DONE)
        break;
      if (rc_a != SQLITE_ROW)
        return tg_sqlite_fail (plain, error, "read schema");
      for (int i = 0; i < 3; i++)
        if (g_strcmp0 ((const char *) sqlite3_column_text (a, i),
                       (const char *) sqlite3_column_text (b, i)) != 0)
          goto differ;

      type = (const char *) sqlite3_column_text (a, 0);
      name = (const char *) sqlite3_column_text (a, 1);
      /* Virtual tables are counted through their shadow tables. */
      if (g_strcmp0 (type, "table") != 0 ||
          g_str_has_prefix ((const char *) sqlite3_column_text (a, 2), "CREATE VIRTUAL"))
        continue;
      count_sql = sqlite3_mprintf ("SELECT count(*) FROM \"%w\"", name);
      if (!get_int (plain, count_sql, &va, error) || !get_int (copy, count_sql, &vb, error))
        {
          sqlite3_free (g_steal_pointer (&count_sql));
          return FALSE;
        }
      sqlite3_free (g_steal_pointer (&count_sql));
      if (va != vb)
        goto differ;
    }
  return TRUE;

differ:
  g_set_error (error, TG_ERROR, TG_ERROR_CORRUPT,
               _("The encrypted copy %s does not hold what %s holds"),
               copy->path, plain->path);
  return FALSE;
}

gboolean
tg_sqlite_export_encrypted (const char    *plain_path,
                            const char    *encrypted_path,
                            const guint8  *key,
                            GError       **error)
{
  g_autoptr(TgSqlite) plain = NULL;
  g_autoptr(TgSqlite) copy = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *prefix = NULL;
  gsize prefix_len, uri_len;
  char *uri;
  int rc;

  g_return_val_if_fail (plain_path != NULL && encrypted_path != NULL && key != NULL, FALSE);

  if (g_file_test (encrypted_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, TG_ERROR, TG_ERROR_CONFLICT,
                   _("Could not encrypt %s: %s already exists"), plain_path, encrypted_path);
      return FALSE;
    }
  if (!(plain = tg_sqlite_open (plain_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI, error)))
    return FALSE;
  /* The copy gets the encrypted page size whatever the source's (an
   * older store has 4 KiB pages): VACUUM INTO takes it from here. */
  if (!tg_sqlite_exec (plain, "SELECT count(*) FROM sqlite_schema", error) ||
      !tg_sqlite_exec (plain, "PRAGMA page_size = " G_STRINGIFY (CIPHER_PAGE_SIZE), error))
    return FALSE;

  /* VACUUM INTO a URI that carries the cipher and the raw key (hex):
   * SQLite3MC keys the new file from it, and every page is written
   * encrypted; nothing of the copy is ever plain on disk. The URI is
   * built in locked memory, wiped after, and bound without a copy;
   * SQLite's own copies of it are zeroed when SQLite frees them
   * (secure_memory_begin()). */
  escaped = g_uri_escape_string (encrypted_path, "/", FALSE);
  if (new_cipher == TG_SQLITE_CIPHER_SQLCIPHER4)
    prefix = g_strdup_printf ("file:%s?cipher=%s&legacy=%d&legacy_page_size=%d&key=raw:", escaped,
                              SQLCIPHER_NAME, SQLCIPHER_LEGACY, CIPHER_PAGE_SIZE);
  else
    prefix = g_strdup_printf ("file:%s?cipher=%s&algorithm=%d&plaintext_header_size=0&key=raw:",
                              escaped, AEGIS_NAME, AEGIS_ALGORITHM);
  prefix_len = strlen (prefix);
  uri_len = prefix_len + 2 * TG_SQLITE_KEY_SIZE;
  if ((uri = sodium_malloc (uri_len + 1)) == NULL)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_FAILED,
                   _("Could not set up the encryption of %s"), encrypted_path);
      return FALSE;
    }
  if (!secure_memory_begin (plain->db))
    {
      sodium_free (uri);
      g_set_error (error, TG_ERROR, TG_ERROR_FAILED,
                   _("Could not set up the encryption of %s"), encrypted_path);
      return FALSE;
    }
  memcpy (uri, prefix, prefix_len);
  sodium_bin2hex (uri + prefix_len, 2 * TG_SQLITE_KEY_SIZE + 1, key, TG_SQLITE_KEY_SIZE);

  rc = sqlite3_prepare_v2 (plain->db, "VACUUM INTO ?", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text (stmt, 1, uri, (int) uri_len, SQLITE_STATIC);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (stmt != NULL)
    sqlite3_clear_bindings (stmt);
  sodium_memzero (uri, uri_len);
  sodium_free (uri);
  if (rc != SQLITE_DONE)
    {
      tg_sqlite_fail (plain, error, "encrypt");
      g_clear_pointer (&stmt, sqlite3_finalize);
      secure_memory_end (plain->db);
      remove_database_files (encrypted_path);
      return FALSE;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  secure_memory_end (plain->db);

  if (!(copy = tg_sqlite_open_keyed (encrypted_path, SQLITE_OPEN_READONLY, key, error)) ||
      !verify_copy (plain, copy, error))
    {
      g_clear_pointer (&copy, tg_sqlite_close);
      remove_database_files (encrypted_path);
      return FALSE;
    }
  return TRUE;
}

void
tg_sqlite_close (TgSqlite *self)
{
  if (self == NULL)
    return;

  g_hash_table_unref (self->statements);
  sqlite3_close_v2 (self->db);
  g_free (self->path);
  g_free (self);
}

sqlite3 *
tg_sqlite_get_db (TgSqlite *self)
{
  return self->db;
}

const char *
tg_sqlite_get_path (TgSqlite *self)
{
  return self->path;
}

gboolean
tg_sqlite_fail (TgSqlite    *self,
                GError     **error,
                const char  *what)
{
  TgError code = tg_sqlite_error_code (sqlite3_extended_errcode (self->db));

  if (code == TG_ERROR_CORRUPT || code == TG_ERROR_NOT_A_DATABASE)
    g_set_error (error, TG_ERROR, code,
                 _("The database %s is damaged and cannot be used (%s). "
                   "Nothing was changed; restore it from a backup."),
                 self->path, sqlite3_errmsg (self->db));
  else
    g_set_error (error, TG_ERROR, code, "%s: %s", what, sqlite3_errmsg (self->db));
  return FALSE;
}

/* Prepared statements are kept for the life of the connection: a save
 * runs a dozen of them, and parsing SQL each time would cost more than
 * running it. */
TgSqliteStmt *
tg_sqlite_prepare (TgSqlite    *self,
                   const char  *sql,
                   GError     **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->statements, sql);

  if (stmt != NULL)
    return stmt;
  if (sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
    {
      tg_sqlite_fail (self, error, "prepare");
      return NULL;
    }
  g_hash_table_insert (self->statements, g_strdup (sql), stmt);
  return stmt;
}

void
tg_sqlite_clear_cache (TgSqlite *self)
{
  g_hash_table_remove_all (self->statements);
}

guint
tg_sqlite_get_n_cached (TgSqlite *self)
{
  return g_hash_table_size (self->statements);
}

gboolean
tg_sqlite_step_done (TgSqlite      *self,
                     sqlite3_stmt  *stmt,
                     GError       **error)
{
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return tg_sqlite_fail (self, error, "write");
  return TRUE;
}

gboolean
tg_sqlite_exec (TgSqlite    *self,
                const char  *sql,
                GError     **error)
{
  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return tg_sqlite_fail (self, error, sql);
  return TRUE;
}

gboolean
tg_sqlite_begin (TgSqlite  *self,
                 GError   **error)
{
  return tg_sqlite_exec (self, "BEGIN IMMEDIATE", error);
}

gboolean
tg_sqlite_commit (TgSqlite  *self,
                  GError   **error)
{
  if (tg_sqlite_exec (self, "COMMIT", error))
    return TRUE;
  tg_sqlite_rollback (self);
  return FALSE;
}

void
tg_sqlite_rollback (TgSqlite *self)
{
  /* Without a transaction (SQLite ended it itself) this fails harmlessly. */
  if (!sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
}

gboolean
tg_sqlite_transaction (TgSqlite      *self,
                       TgSqliteFunc   func,
                       gpointer       user_data,
                       GError       **error)
{
  if (!tg_sqlite_begin (self, error))
    return FALSE;
  if (!func (self, user_data, error))
    {
      tg_sqlite_rollback (self);
      return FALSE;
    }
  return tg_sqlite_commit (self, error);
}

gboolean
tg_sqlite_get_user_version (TgSqlite  *self,
                            int       *version,
                            GError   **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;

  if (!(stmt = tg_sqlite_prepare (self, "PRAGMA user_version", error)))
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return tg_sqlite_fail (self, error, "read schema version");
  *version = sqlite3_column_int (stmt, 0);
  return TRUE;
}

void
tg_sqlite_bind_text (sqlite3_stmt *stmt,
                     int           column,
                     const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, column, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, column);
}
