/* tg-sqlite.h — one SQLite connection with its statement cache
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#include "tg-types.h"

G_BEGIN_DECLS

/* A statement the caller prepared and owns: finalised on scope exit. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* A statement from a connection's cache: reset and its bindings cleared,
 * never finalised, on scope exit (g_autoptr (TgSqliteStmt)). */
typedef sqlite3_stmt TgSqliteStmt;

void tg_sqlite_stmt_release (TgSqliteStmt *stmt);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgSqliteStmt, tg_sqlite_stmt_release)

/* The TG_ERROR code for an SQLite result code (primary or extended):
 * CORRUPT, NOT_A_DATABASE, or else FAILED; the _or form gives @otherwise
 * instead of FAILED, for a file that must read (a shipped map). */
TgError  tg_sqlite_error_code    (int      rc);
TgError  tg_sqlite_error_code_or (int      rc,
                                  TgError  otherwise);

/* Sets @error from @db's last error: the code by tg_sqlite_error_code(),
 * the message from @format. Returns FALSE. */
gboolean tg_sqlite_set_error  (GError     **error,
                               sqlite3     *db,
                               const char  *format,
                               ...) G_GNUC_PRINTF (3, 4);

typedef struct _TgSqlite TgSqlite;

/* Opens @path with @flags (SQLITE_OPEN_*), extended result codes on. A
 * failure to open is TG_ERROR_FAILED with @path in the message. */
TgSqlite     *tg_sqlite_open          (const char   *path,
                                       int           flags,
                                       GError      **error);
/* Encryption at rest (docs/sqlite-cipher.md): a database opened with a
 * key is encrypted by SQLite3 Multiple Ciphers, its WAL and journal too,
 * every page encrypted and authenticated. A new database is written with
 * AEGIS-256; one written before December 2026 is in the SQLCipher 4
 * scheme (AES-256-CBC, HMAC-SHA512 per page, 16 KiB pages) and keeps it:
 * each open finds the scheme from the file. The key is the raw 256-bit
 * key: no key derivation per open (the passphrase's Argon2id is the
 * vault's). */
#define TG_SQLITE_KEY_SIZE 32

typedef enum
{
  TG_SQLITE_CIPHER_NONE,        /* a plain SQLite file */
  TG_SQLITE_CIPHER_AEGIS256,    /* new databases */
  TG_SQLITE_CIPHER_SQLCIPHER4,  /* written before AEGIS-256 (or not a database) */
} TgSqliteCipher;

/* The scheme of the database at @path, from its first page (or, while a
 * new database's pages are all in its write-ahead log, the log's first
 * frame); a missing or empty database gets the scheme of new ones. Any
 * file that is neither plain nor AEGIS-256 is taken as SQLCipher 4. */
TgSqliteCipher tg_sqlite_file_cipher  (const char    *path);
/* Tests only: the scheme new databases are written with (default
 * AEGIS-256), to make a database as Testigo did before. */
void          tg_sqlite_set_new_cipher_for_testing (TgSqliteCipher cipher);

/* As tg_sqlite_open(), the file encrypted with @key (TG_SQLITE_KEY_SIZE
 * bytes; the connection keeps no copy the caller can see). A new file is
 * created encrypted. A file the key does not open is TG_ERROR_WRONG_KEY
 * and a plain SQLite file TG_ERROR_INVALID, both before anything is
 * written to it. */
TgSqlite     *tg_sqlite_open_keyed    (const char    *path,
                                       int            flags,
                                       const guint8  *key,
                                       GError       **error);
/* Keys a connection just opened with sqlite3_open_v2() (a raw handle,
 * e.g. a checkpointer's) and reads its schema, so that a wrong key fails
 * here. @path only names the file in the error. */
gboolean      tg_sqlite_key_db        (sqlite3       *db,
                                       const char    *path,
                                       const guint8  *key,
                                       GError       **error);
/* Whether @path starts with the plain SQLite header ("SQLite format 3").
 * An encrypted file, a missing or empty one is not plain. */
gboolean      tg_sqlite_file_is_plain (const char    *path);
/* Copies the plain database @plain_path into a new file @encrypted_path
 * encrypted with @key (VACUUM INTO), then verifies the copy: it opens with
 * the key, passes an integrity check, and holds the same schema version,
 * tables and row counts as the source. @encrypted_path must not exist.
 * On failure the partial copy is removed and @plain_path is untouched. */
gboolean      tg_sqlite_export_encrypted (const char    *plain_path,
                                          const char    *encrypted_path,
                                          const guint8  *key,
                                          GError       **error);
/* The SQLite3 Multiple Ciphers version the program was built with. */
const char   *tg_sqlite_cipher_version (void);

/* Finalises every cached statement, then closes the connection. */
void          tg_sqlite_close         (TgSqlite     *self);
sqlite3      *tg_sqlite_get_db        (TgSqlite     *self);
const char   *tg_sqlite_get_path      (TgSqlite     *self);

/* Sets @error from the connection's last error. A damaged file
 * (SQLITE_CORRUPT, SQLITE_NOTADB) gets a message naming the file that
 * says nothing was changed; anything else is "@what: <SQLite's message>".
 * Returns FALSE. */
gboolean      tg_sqlite_fail          (TgSqlite     *self,
                                       GError      **error,
                                       const char   *what);

/* The statement for @sql, prepared on first use (persistent) and kept
 * until the connection closes. Release it with tg_sqlite_stmt_release()
 * (or g_autoptr (TgSqliteStmt)) before asking for the same text again.
 * A statement that fails to prepare is a GError. Not thread-safe: the
 * owner serialises use of the connection. */
TgSqliteStmt *tg_sqlite_prepare       (TgSqlite     *self,
                                       const char   *sql,
                                       GError      **error);
/* Finalises every cached statement, for a connection whose schema was
 * replaced under them (a backup copied into it). None may be in use. */
void          tg_sqlite_clear_cache   (TgSqlite     *self);
/* How many statements the cache holds. */
guint         tg_sqlite_get_n_cached  (TgSqlite     *self);

/* Steps @stmt once and expects SQLITE_DONE. */
gboolean      tg_sqlite_step_done     (TgSqlite     *self,
                                       sqlite3_stmt *stmt,
                                       GError      **error);
/* Runs @sql (one or more statements, no results). */
gboolean      tg_sqlite_exec          (TgSqlite     *self,
                                       const char   *sql,
                                       GError      **error);

/* BEGIN IMMEDIATE, COMMIT, ROLLBACK. A failed commit rolls back. Rollback
 * keeps no error: there is nothing more to undo. */
gboolean      tg_sqlite_begin         (TgSqlite     *self,
                                       GError      **error);
gboolean      tg_sqlite_commit        (TgSqlite     *self,
                                       GError      **error);
void          tg_sqlite_rollback      (TgSqlite     *self);

typedef gboolean (*TgSqliteFunc) (TgSqlite  *db,
                                  gpointer   user_data,
                                  GError   **error);

/* Runs @func inside BEGIN IMMEDIATE … COMMIT; if @func fails (returns
 * FALSE) or the commit does, everything it wrote is rolled back. */
gboolean      tg_sqlite_transaction   (TgSqlite     *self,
                                       TgSqliteFunc  func,
                                       gpointer      user_data,
                                       GError      **error);

/* Reads PRAGMA user_version. */
gboolean      tg_sqlite_get_user_version (TgSqlite  *self,
                                          int       *version,
                                          GError   **error);

/* Binds @text, or NULL for a NULL @text. */
void          tg_sqlite_bind_text     (sqlite3_stmt *stmt,
                                       int           column,
                                       const char   *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgSqlite, tg_sqlite_close)

G_END_DECLS
