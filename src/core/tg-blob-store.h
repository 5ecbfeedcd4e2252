/* tg-blob-store.h — content-addressed files under the store's directory
 *
 * A blob is stored once under blobs/ab/cdef… (its SHA-256), written to a
 * temporary file, fsync'ed and renamed, and read-only afterwards.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

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
typedef void (*TgProgressFunc) (goffset done, goffset total, gpointer user_data);

TgBlobInfo  *tg_blob_store_import_file    (TgBlobStore           *self,
                                           GFile                 *file,
                                           TgProgressFunc         progress,
                                           gpointer               progress_data,
                                           GCancellable          *cancellable,
                                           GError               **error);
TgBlobInfo  *tg_blob_store_import_bytes   (TgBlobStore           *self,
                                           GBytes                *bytes,
                                           const char            *file_name,
                                           GError               **error);
gboolean     tg_blob_store_contains       (TgBlobStore           *self,
                                           const char            *sha256);
GFile       *tg_blob_store_get_file       (TgBlobStore           *self,
                                           const char            *sha256);
/* Re-hashes the stored file; TG_ERROR_HASH_MISMATCH if it changed. */
gboolean     tg_blob_store_verify         (TgBlobStore           *self,
                                           const char            *sha256,
                                           GCancellable          *cancellable,
                                           GError               **error);

/* Rejects names with "..", "/", control characters or invalid UTF-8
 * (TG_ERROR_UNSAFE_NAME); returns a safe copy for display and export. */
char        *tg_sanitize_file_name        (const char            *name,
                                           GError               **error);

G_END_DECLS
