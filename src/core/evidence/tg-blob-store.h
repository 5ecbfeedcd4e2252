/* tg-blob-store.h — content-addressed files under the store's directory
 *
 * A blob is stored once under blobs/ab/cdef… (its SHA-256), written to a
 * temporary file, fsync'ed and renamed, and read-only afterwards.
 *
 * File names. Two functions, two purposes:
 * - tg_sanitize_file_name() is strict: a name that is empty, not UTF-8,
 *   "." or "..", or holds "/", "\", control or bidi-override characters
 *   is refused with TG_ERROR_UNSAFE_NAME. Use it where a name arrives as
 *   data (sync, imports) and will be used to write a file.
 * - Importing never fails because of a name: tg_blob_store_import_file()
 *   and _import_bytes() keep only the last path component and clean it
 *   with tg_clean_file_name() — invalid bytes become U+FFFD, control and
 *   bidi-override characters and separators become "_", the result is NFC,
 *   at most 255 bytes, and never "", "." or "..". That cleaned name is what
 *   tg_blob_info_get_file_name() returns. The stored file itself is named
 *   by its hash only, so no name can ever reach the file system.
 *
 * Encryption. Given a vault (tg_blob_store_set_vault), every file written
 * from then on is encrypted as it streams (tg-crypt-stream.h), and the
 * stored files are read through tg_blob_store_read(), which decrypts as
 * it goes. The name stays the plain content's SHA-256. Read a blob only
 * through _read(), _load_bytes() or _export(), never through the file
 * _get_file() names: that file may be encrypted. Without a vault the
 * store writes and reads plain files, as before.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "tg-progress.h"
#include "tg-vault.h"

G_BEGIN_DECLS

#define TG_TYPE_BLOB_INFO (tg_blob_info_get_type ())
G_DECLARE_FINAL_TYPE (TgBlobInfo, tg_blob_info, TG, BLOB_INFO, GObject)

const char *tg_blob_info_get_sha256           (TgBlobInfo *self);
gint64      tg_blob_info_get_size             (TgBlobInfo *self);
const char *tg_blob_info_get_mime_type        (TgBlobInfo *self);
const char *tg_blob_info_get_file_name        (TgBlobInfo *self);  /* sanitised original name */
const char *tg_blob_info_get_captured_at      (TgBlobInfo *self);  /* ISO 8601 or NULL */
double      tg_blob_info_get_latitude         (TgBlobInfo *self);  /* NAN if none */
double      tg_blob_info_get_longitude        (TgBlobInfo *self);
const char *tg_blob_info_get_camera           (TgBlobInfo *self);
const char *tg_blob_info_get_thumbnail_sha256 (TgBlobInfo *self);  /* NULL if none */

#define TG_TYPE_BLOB_STORE (tg_blob_store_get_type ())
G_DECLARE_FINAL_TYPE (TgBlobStore, tg_blob_store, TG, BLOB_STORE, GObject)

TgBlobStore *tg_blob_store_new            (const char            *directory);
const char  *tg_blob_store_get_directory  (TgBlobStore           *self);

/* Streams @file into the store (never whole into memory), hashing as it
 * goes, then reads its metadata and makes a thumbnail for images.
 * Importing the same content twice stores it once. @progress is called
 * from the worker thread with bytes done and total. */
TgBlobInfo  *tg_blob_store_import_file    (TgBlobStore           *self,
                                           GFile                 *file,
                                           TgProgressFunc         progress,
                                           gpointer               progress_data,
                                           GCancellable          *cancellable,
                                           GError               **error);
void         tg_blob_store_import_file_async  (TgBlobStore         *self,
                                               GFile               *file,
                                               TgProgressFunc       progress,
                                               gpointer             progress_data,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
TgBlobInfo  *tg_blob_store_import_file_finish (TgBlobStore         *self,
                                               GAsyncResult        *result,
                                               GError             **error);
/* Small in-memory content (a thumbnail, a pasted image); @file_name is
 * cleaned as above and may be NULL. */
TgBlobInfo  *tg_blob_store_import_bytes   (TgBlobStore           *self,
                                           GBytes                *bytes,
                                           const char            *file_name,
                                           GError               **error);
gboolean     tg_blob_store_contains       (TgBlobStore           *self,
                                           const char            *sha256);
/* The stored file: for its existence, never to read its bytes. */
GFile       *tg_blob_store_get_file       (TgBlobStore           *self,
                                           const char            *sha256);

/* Encrypts what is written from now on with @vault's subkeys, and reads
 * encrypted files with them; NULL returns to plain writing. */
void         tg_blob_store_set_vault      (TgBlobStore           *self,
                                           TgVault               *vault);
TgVault     *tg_blob_store_get_vault      (TgBlobStore           *self);

/* A seekable stream of the content, decrypted as it is read when the
 * stored file is encrypted. Errors: TG_ERROR_NOT_FOUND, and while
 * reading TG_VAULT_ERROR_TAMPERED, _TRUNCATED, _LOCKED. */
GInputStream *tg_blob_store_read          (TgBlobStore           *self,
                                           const char            *sha256,
                                           GCancellable          *cancellable,
                                           GError               **error);
/* The content's size (not the stored file's); -1 if not here. */
gint64       tg_blob_store_get_size       (TgBlobStore           *self,
                                           const char            *sha256);
gboolean     tg_blob_store_is_encrypted   (TgBlobStore           *self,
                                           const char            *sha256);
/* The whole content in memory, for showing a photo or a thumbnail (never
 * through a temporary file); TG_ERROR_INVALID beyond @max_size bytes. */
GBytes      *tg_blob_store_load_bytes     (TgBlobStore           *self,
                                           const char            *sha256,
                                           gsize                  max_size,
                                           GCancellable          *cancellable,
                                           GError               **error);
void         tg_blob_store_load_bytes_async  (TgBlobStore         *self,
                                              const char          *sha256,
                                              gsize                max_size,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
GBytes      *tg_blob_store_load_bytes_finish (TgBlobStore         *self,
                                              GAsyncResult        *result,
                                              GError             **error);
/* Writes the plain content to @destination, a file the monitor chose
 * (replaced only once whole). What is written there is outside the
 * store's protection. */
gboolean     tg_blob_store_export         (TgBlobStore           *self,
                                           const char            *sha256,
                                           GFile                 *destination,
                                           GCancellable          *cancellable,
                                           GError               **error);
/* For the move to an encrypted store: replaces a plain stored file by
 * its encrypted copy (written whole, hashed, then renamed over it).
 * TRUE at once for a file already encrypted. Needs a vault. */
gboolean     tg_blob_store_encrypt_in_place (TgBlobStore         *self,
                                             const char          *sha256,
                                             GCancellable        *cancellable,
                                             GError             **error);
/* Re-hashes the stored file; TG_ERROR_HASH_MISMATCH if it changed. */
gboolean     tg_blob_store_verify         (TgBlobStore           *self,
                                           const char            *sha256,
                                           GCancellable          *cancellable,
                                           GError               **error);

/* Rejects names with "..", "/", control characters or invalid UTF-8
 * (TG_ERROR_UNSAFE_NAME); returns a safe copy for display and export. */
char        *tg_sanitize_file_name        (const char            *name,
                                           GError               **error);

/* Never fails: the last component of @name (raw bytes allowed), cleaned
 * as described at the top of this file; "file" when nothing is left. */
char        *tg_clean_file_name           (const char            *name);

G_END_DECLS
