/* tg-at-rest-migrate.h — converting a plain data directory in place
 *
 * An existing Testigo data directory written before encryption at rest
 * (a plain testigo.db, plain files under blobs/) is converted in place:
 * the store is copied into an encrypted database and the copy verified
 * (tg_sqlite_export_encrypted()), the encrypted file takes the store's
 * name in one rename, and only then is the plain file overwritten with
 * zeros, synced and removed; each blob is encrypted the same way
 * (tg_blob_store_encrypt_in_place()), its plain bytes overwritten once
 * the encrypted file has replaced it.
 *
 * A crash (or SIGKILL) at any point leaves the store readable and
 * complete: testigo.db is either still the plain store or already the
 * verified encrypted one, never neither, and every blob is either plain
 * or encrypted. Calling tg_at_rest_migrate() again finishes the job,
 * including the overwriting of plain files left behind.
 * tg_at_rest_needs_migration() says whether there is anything to do.
 *
 * The store must be closed while this runs; the vault unlocked.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "tg-progress.h"
#include "tg-vault.h"

G_BEGIN_DECLS

/* What testigo.db in a data directory is, from its first bytes: none (no
 * file, or an empty one), a plain SQLite store, or something else — an
 * encrypted store, or a file that is not a database at all (the two
 * cannot be told apart without the key). */
typedef enum
{
  TG_AT_REST_STORE_NONE,
  TG_AT_REST_STORE_PLAIN,
  TG_AT_REST_STORE_OPAQUE,
} TgAtRestStoreKind;

TgAtRestStoreKind tg_at_rest_store_kind (const char *directory);

/* TRUE when @directory holds a plain store, or a conversion that did not
 * finish (its marker file). Cheap: reads a header and a name. */
gboolean tg_at_rest_needs_migration (const char            *directory);

/* Converts @directory (see above) with @vault's store and blob keys.
 * @progress (nullable) is given the bytes to copy and overwrite, done of
 * total; the last report (done == total) is forced. Nothing to do is
 * success. Errors: TG_VAULT_ERROR_LOCKED, a store that fails to copy or
 * verify (nothing is changed then), I/O errors; G_IO_ERROR_CANCELLED
 * between steps. After any error the directory is still readable, and a
 * later call resumes. */
gboolean tg_at_rest_migrate         (const char            *directory,
                                     TgVault               *vault,
                                     TgProgress            *progress,
                                     GCancellable          *cancellable,
                                     GError               **error);

/* The same on a worker thread; @progress (nullable) is called with the
 * bytes done of total in the thread-default main context of the caller,
 * at most every TG_PROGRESS_INTERVAL_MS, the last one always (the main
 * loop never waits on the disk). */
void     tg_at_rest_migrate_async   (const char            *directory,
                                     TgVault               *vault,
                                     TgProgressFunc         progress,
                                     gpointer               user_data,
                                     GCancellable          *cancellable,
                                     GAsyncReadyCallback    callback,
                                     gpointer               callback_data);
gboolean tg_at_rest_migrate_finish  (GAsyncResult          *result,
                                     GError               **error);

G_END_DECLS
