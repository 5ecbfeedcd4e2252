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

/* @progress is called in the caller's main context, at most every
 * TG_PROGRESS_INTERVAL_MS (50 ms), and once at the end with done == total,
 * before @callback. */
void      tg_source_import_async  (TgBlobStore          *blobs,
                                   GFile                *file,
                                   TgProgressFunc        progress,
                                   gpointer              progress_data,
                                   GCancellable         *cancellable,
                                   GAsyncReadyCallback   callback,
                                   gpointer              user_data);
/* @notice: (out) (optional): a remark for the person even on success,
 * such as a file name that was not valid text and was cleaned. */
TgSource *tg_source_import_finish (GAsyncResult         *result,
                                   char                **notice,
                                   GError              **error);

/* What is wrong with a file source's content, if anything: kept all the
 * same (it may be evidence), but shown plainly. */
typedef enum
{
  TG_SOURCE_PROBLEM_NONE,
  TG_SOURCE_PROBLEM_EMPTY,             /* 0 bytes */
  TG_SOURCE_PROBLEM_UNREADABLE_IMAGE,  /* an image type that does not decode */
} TgSourceProblem;

/* Reads @source's stored file (the header, and the whole image when the
 * import made no thumbnail) to tell; blocking, for a worker thread. A
 * file not in @blobs, or not an image, is TG_SOURCE_PROBLEM_NONE. */
TgSourceProblem tg_source_check_content        (TgBlobStore         *blobs,
                                                TgSource            *source,
                                                GCancellable        *cancellable);
void            tg_source_check_content_async  (TgBlobStore         *blobs,
                                                TgSource            *source,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
TgSourceProblem tg_source_check_content_finish (GAsyncResult        *result,
                                                GError             **error);
/* "Empty file", "Not a readable image"; NULL for none. */
const char     *tg_source_problem_label        (TgSourceProblem      problem);
/* A sentence on what it means; NULL for none. */
const char     *tg_source_problem_description  (TgSourceProblem      problem);

/* The name to show for @file in messages: always valid UTF-8. */
char     *tg_source_import_display_name (GFile          *file);

G_END_DECLS
