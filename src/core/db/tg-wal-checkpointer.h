/* tg-wal-checkpointer.h — WAL checkpoints on a thread of their own
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

typedef struct _TgWalCheckpointer TgWalCheckpointer;

/* The client store's thresholds, in pages of the write-ahead log. */
#define TG_WAL_CHECKPOINT_PAGES        1000
#define TG_WAL_WRITER_CHECKPOINT_PAGES 8000

/* Checkpoints @writer's database (@path) on a thread with a connection of
 * its own, woken once the log holds @thread_pages; past @writer_pages
 * (the thread fell behind) the writer checkpoints itself, so the log
 * stays bounded. @writer must already be in WAL mode. */
TgWalCheckpointer *tg_wal_checkpointer_new  (sqlite3            *writer,
                                             const char         *path,
                                             guint               thread_pages,
                                             guint               writer_pages,
                                             GError            **error);

/* As tg_wal_checkpointer_new(), for a database encrypted with @key
 * (tg_sqlite_open_keyed()): the thread's connection is keyed too, and a
 * wrong key is TG_ERROR_WRONG_KEY. @key is not kept. */
TgWalCheckpointer *tg_wal_checkpointer_new_keyed
                                            (sqlite3            *writer,
                                             const char         *path,
                                             const guint8       *key,
                                             guint               thread_pages,
                                             guint               writer_pages,
                                             GError            **error);

/* The knobs of tg_wal_checkpointer_new_full(); zero is "as
 * tg_wal_checkpointer_new() does" for each. */
typedef struct
{
  guint thread_pages;     /* wake the thread once the log holds this many */
  guint writer_pages;     /* past this the writer checkpoints itself; 0: never */
  guint rearm_pages;      /* 0: wake on every commit past thread_pages; else
                           * next after this many more pages (reset when the
                           * log starts over) */
  guint restart_pages;    /* 0: never; else past this the thread follows its
                           * PASSIVE checkpoint with a RESTART one, which waits
                           * for the writer so that the log starts over */
  guint busy_timeout_ms;  /* the thread's connection's busy timeout */
  const guint8 *key;      /* NULL: a plain database; else its key
                           * (TG_SQLITE_KEY_SIZE bytes, not kept) */
} TgWalCheckpointerOptions;

/* As tg_wal_checkpointer_new(), with every knob. The thread's connection
 * reads the file once at start (so it knows it is in WAL mode). */
TgWalCheckpointer *tg_wal_checkpointer_new_full
                                            (sqlite3                        *writer,
                                             const char                     *path,
                                             const TgWalCheckpointerOptions *options,
                                             GError                        **error);
void               tg_wal_checkpointer_free (TgWalCheckpointer  *self);
guint              tg_wal_checkpointer_get_n_checkpoints
                                            (TgWalCheckpointer  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgWalCheckpointer, tg_wal_checkpointer_free)

G_END_DECLS
