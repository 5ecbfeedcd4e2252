/* tg-open-copy.h — a decrypted copy of a stored file, for another program
 *
 * "Open" hands a file to the desktop's viewer, which needs a plain file.
 * An encrypted blob is decrypted into a private folder of the user's
 * runtime directory ($XDG_RUNTIME_DIR/testigo-open/PID, mode 0700; the
 * file 0600, named by random letters, never by the report's file name)
 * — and only when that directory is memory-backed (tmpfs): a decrypted
 * byte is never written to the disk. Without such a directory Open says
 * so and writes nothing. The copies are removed when Testigo locks or
 * quits, and those of a Testigo that crashed at its next start.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "tg-blob-store.h"

G_BEGIN_DECLS

/* On a worker thread: the copy of @sha256 from @blobs, its name ending
 * as @file_name does (".pdf"). Errors: G_IO_ERROR_NOT_SUPPORTED when no
 * memory-backed folder exists, G_IO_ERROR_NO_SPACE when the file does
 * not fit in it, the blob store's errors. */
void   tg_open_copy_async      (TgBlobStore          *blobs,
                                const char           *sha256,
                                const char           *file_name,
                                GCancellable         *cancellable,
                                GAsyncReadyCallback   callback,
                                gpointer              user_data);
GFile *tg_open_copy_finish     (GAsyncResult         *result,
                                GError              **error);

/* Removes this process's copies (at lock and quit) — the viewers that
 * have them open keep what they read. */
void   tg_open_copy_remove_all (void);
/* Removes the copies of Testigo processes that are gone. */
void   tg_open_copy_remove_stale (void);

G_END_DECLS
