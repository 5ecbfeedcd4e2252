/* tg-wal-checkpointer.h — WAL checkpoints on a thread of their own
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

typedef struct _TgWalCheckpointer TgWalCheckpointer;

TgWalCheckpointer *tg_wal_checkpointer_new  (sqlite3            *writer,
                                             const char         *path,
                                             GError            **error);
void               tg_wal_checkpointer_free (TgWalCheckpointer  *self);
guint              tg_wal_checkpointer_get_n_checkpoints
                                            (TgWalCheckpointer  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgWalCheckpointer, tg_wal_checkpointer_free)

G_END_DECLS
