/* tg-server-store-private.h — the server store's struct and the helpers
 * its files share (tg-server-store*.c)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <sqlite3.h>

#include "tg-server-store.h"

G_BEGIN_DECLS

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

struct _TgServerStore
{
  GObject     parent_instance;

  char       *path;
  sqlite3    *db;
  GHashTable *statements;   /* SQL literal (by address) → sqlite3_stmt, prepared once */

  /* background checkpoints: a thread with a connection of its own */
  GThreadPool *checkpoint_pool;
  sqlite3     *checkpoint_db;  /* used only on that thread */
  int          checkpointing;  /* atomic */
  int          wal_pages;      /* the writer's: WAL size at the last commit */
  int          checkpoint_at;  /* the writer's: WAL size for the next one */
};

/* helpers (tg-server-store.c); every SQL text is a string literal, the
 * statement cache's key */
gint64        _tg_server_store_now              (void);
gboolean      _tg_server_store_sql_error        (TgServerStore  *self,
                                                 GError        **error,
                                                 const char     *what);
sqlite3_stmt *_tg_server_store_statement        (TgServerStore  *self,
                                                 const char     *sql,
                                                 GError        **error);
void          _tg_server_store_bind_text        (sqlite3_stmt   *stmt,
                                                 int             index,
                                                 const char     *text);
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
int           _tg_server_store_blob_is_complete (TgServerStore  *self,
                                                 const char     *sha256,
                                                 GError        **error);

G_END_DECLS
