/* tg-source-import.h — adding a file to a report as a source
 *
 * Checks the file before reading it (vanished, a folder, unreadable),
 * streams it into the blob store on a worker thread with progress, and
 * returns a file TgSource filled from what the blob store learned. No
 * widgets: the tests drive this directly.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "tg-blob-store.h"
#include "tg-source.h"

G_BEGIN_DECLS

/* Called in the caller's main context, at most every 50 ms, and once at
 * the end with done == total. */
typedef void (*TgImportProgressFunc) (goffset  done,
                                      goffset  total,
                                      gpointer user_data);

void      tg_source_import_async  (TgBlobStore          *blobs,
                                   GFile                *file,
                                   TgImportProgressFunc  progress,
                                   gpointer              progress_data,
                                   GCancellable         *cancellable,
                                   GAsyncReadyCallback   callback,
                                   gpointer              user_data);
/* @notice: (out) (optional): a remark for the person even on success,
 * such as a file name that was not valid text and was cleaned. */
TgSource *tg_source_import_finish (GAsyncResult         *result,
                                   char                **notice,
                                   GError              **error);

/* The name to show for @file in messages: always valid UTF-8. */
char     *tg_source_import_display_name (GFile          *file);

G_END_DECLS
