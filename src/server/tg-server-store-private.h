/* tg-server-store-private.h — the server store's struct and the helpers
 * its files share (tg-server-store*.c)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <sqlite3.h>

#include "tg-server-store.h"
#include "tg-sqlite.h"
#include "tg-wal-checkpointer.h"

G_BEGIN_DECLS

struct _TgServerStore
{
  GObject            parent_instance;

  TgSqlite          *db;            /* the connection and its statement cache */
  TgWalCheckpointer *checkpointer;  /* background checkpoints, once asked for */
};

/* helpers (tg-server-store.c) over the shared SQLite layer (tg-sqlite.h).
 * The store's errors are in TG_SERVER_ERROR (the HTTP status comes from
 * them): each helper reports an SQLite failure as
 * TG_SERVER_ERROR_INTERNAL, with tg_sqlite_fail()'s message. */
gint64        _tg_server_store_now              (void);
gboolean      _tg_server_store_sql_error        (TgServerStore  *self,
                                                 GError        **error,
                                                 const char     *what);
/* The cached statement for @sql (tg_sqlite_prepare()). Its owner holds
 * it in a g_autoptr (TgSqliteStmt), which resets it and clears its
 * bindings when it goes out of scope: a statement whose rows must be let
 * go before other work (a SELECT left at a row, inside a transaction)
 * lives in a block of its own. A fetch also starts it clean, so that a
 * caller that did not release one cannot hand the next a half-run
 * statement. */
TgSqliteStmt *_tg_server_store_statement        (TgServerStore  *self,
                                                 const char     *sql,
                                                 GError        **error);
gboolean      _tg_server_store_exec             (TgServerStore  *self,
                                                 const char     *sql,
                                                 GError        **error);
int           _tg_server_store_step             (TgServerStore  *self,
                                                 sqlite3_stmt   *stmt);
gint64        _tg_server_store_count            (TgServerStore  *self,
                                                 const char     *sql,
                                                 GError        **error);
gboolean      _tg_server_store_migrate          (TgServerStore  *self,
                                                 GError        **error);
gint64        _tg_server_store_last_seq         (TgServerStore  *self,
                                                 GError        **error);

/* blobs (tg-server-store-blobs.c): 1 yes, 0 no, -1 with @error set */
int           _tg_server_store_blob_held        (TgServerStore  *self,
                                                 TgServerAuth   *auth,
                                                 const char     *sha256,
                                                 GError        **error);
/* Indexes an incident revision's members and who may pull it (push and
 * the version 3 migration). */
gboolean      _tg_server_store_index_incident (TgServerStore       *self,
                                               gint64               seq,
                                               const char * const  *parents,
                                               const char          *content,
                                               GError             **error);
int           _tg_server_store_blob_is_complete (TgServerStore  *self,
                                                 const char     *sha256,
                                                 GError        **error);

G_END_DECLS
