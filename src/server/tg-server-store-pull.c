/* tg-server-store-pull.c — GET /pull: a page of revisions with the
 * conflicts on it, and every record's heads (for exports)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "testigo-server"

#include "config.h"

#include <string.h>
#include <sqlite3.h>
#include <glib/gi18n.h>

#include "tg-revision.h"
#include "tg-server-decode.h"
#include "tg-server-store-private.h"

/* pull ------------------------------------------------------------------- */

static void
add_revision_row (JsonBuilder  *builder,
                  sqlite3_stmt *stmt)
{
  g_auto(GStrv) parents = g_strsplit ((const char *) sqlite3_column_text (stmt, 3), " ", -1);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 1));
  json_builder_set_member_name (builder, "record");
  json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 2));
  json_builder_set_member_name (builder, "kind");
  json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 4));
  json_builder_set_member_name (builder, "parents");
  json_builder_begin_array (builder);
  for (guint i = 0; parents[i]; i++)
    if (*parents[i])
      json_builder_add_string_value (builder, parents[i]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "device");
  json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 5));
  json_builder_set_member_name (builder, "device_seq");
  json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, 6));
  json_builder_set_member_name (builder, "created_at");
  json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, 7));
  json_builder_set_member_name (builder, "deleted");
  json_builder_add_boolean_value (builder, sqlite3_column_int (stmt, 8));
  json_builder_set_member_name (builder, "content");
  json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 9));
  json_builder_set_member_name (builder, "server_seq");
  json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, 0));
  json_builder_end_object (builder);
}

JsonNode *
tg_server_store_pull (TgServerStore  *self,
                      TgServerAuth   *auth,
                      gint64          since,
                      guint           limit,
                      GError        **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GHashTable) records = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3_stmt *stmt;
  gint64 next = since;
  gboolean more = FALSE;
  guint n = 0;
  gint64 page_bytes = 0;
  gint64 server_seq;
  int rc;

  if (auth->role == TG_SERVER_ROLE_ADMIN)
    {
      g_set_error_literal (error, TG_SERVER_ERROR, TG_SERVER_ERROR_FORBIDDEN,
                           "admin accounts manage the server; they do not push or pull records");
      return NULL;
    }

  /* A read transaction so the page and the heads agree. */
  if (!_tg_server_store_exec (self, "SAVEPOINT pull", error))
    return NULL;

  if (auth->role == TG_SERVER_ROLE_COORDINATOR)
    {
      stmt = _tg_server_store_statement (self, "SELECT seq, id, record_id, parents, kind, device, device_seq, "
                                               "created_at, deleted, content FROM revisions "
                                               "WHERE seq > ? ORDER BY seq LIMIT ?", error);
      if (stmt == NULL)
        goto failed;
      sqlite3_bind_int64 (stmt, 1, since);
      sqlite3_bind_int64 (stmt, 2, (gint64) limit + 1);
    }
  else
    {
      stmt = _tg_server_store_statement (self, "SELECT r.seq, r.id, r.record_id, r.parents, r.kind, r.device, r.device_seq, "
                                               "r.created_at, r.deleted, r.content FROM revisions r "
                                               "JOIN records c ON c.id = r.record_id "
                                               "WHERE r.seq > ? AND c.owner_user_id = ? ORDER BY r.seq LIMIT ?", error);
      if (stmt == NULL)
        goto failed;
      sqlite3_bind_int64 (stmt, 1, since);
      sqlite3_bind_int64 (stmt, 2, auth->user_id);
      sqlite3_bind_int64 (stmt, 3, (gint64) limit + 1);
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "revisions");
  json_builder_begin_array (builder);
  while ((rc = _tg_server_store_step (self, stmt)) == SQLITE_ROW)
    {
      /* a page ends at @limit revisions or past TG_SERVER_PULL_PAGE_BYTES
       * of content, whichever comes first: a thousand revisions of 1 MiB
       * must not hold the store thread (and a gigabyte of reply) */
      if (n == limit || (n > 0 && page_bytes >= TG_SERVER_PULL_PAGE_BYTES))
        {
          more = TRUE;
          break;
        }
      page_bytes += sqlite3_column_bytes (stmt, 9);
      add_revision_row (builder, stmt);
      next = sqlite3_column_int64 (stmt, 0);
      g_hash_table_add (records, g_strdup ((const char *) sqlite3_column_text (stmt, 2)));
      n++;
    }
  sqlite3_reset (stmt);
  json_builder_end_array (builder);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _tg_server_store_sql_error (self, error, "reading revisions");
      goto failed;
    }

  /* Records of this page with more than one head: concurrent branches a
   * person has to merge. */
  json_builder_set_member_name (builder, "conflicts");
  json_builder_begin_array (builder);
  {
    GHashTableIter iter;
    const char *record_id;

    g_hash_table_iter_init (&iter, records);
    while (g_hash_table_iter_next (&iter, (gpointer *) &record_id, NULL))
      {
        g_autoptr(GPtrArray) heads = g_ptr_array_new_with_free_func (g_free);

        stmt = _tg_server_store_statement (self, "SELECT revision_id FROM heads WHERE record_id = ? ORDER BY revision_id",
                                           error);
        if (stmt == NULL)
          goto failed;
        _tg_server_store_bind_text (stmt, 1, record_id);
        while ((rc = _tg_server_store_step (self, stmt)) == SQLITE_ROW)
          g_ptr_array_add (heads, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
        sqlite3_reset (stmt);
        if (rc != SQLITE_DONE)
          {
            _tg_server_store_sql_error (self, error, "reading heads");
            goto failed;
          }
        if (heads->len < 2)
          continue;

        json_builder_begin_object (builder);
        json_builder_set_member_name (builder, "record");
        json_builder_add_string_value (builder, record_id);
        json_builder_set_member_name (builder, "heads");
        json_builder_begin_array (builder);
        for (guint i = 0; i < heads->len; i++)
          json_builder_add_string_value (builder, g_ptr_array_index (heads, i));
        json_builder_end_array (builder);
        json_builder_end_object (builder);
      }
  }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "next");
  json_builder_add_int_value (builder, next);
  json_builder_set_member_name (builder, "more");
  json_builder_add_boolean_value (builder, more);
  if ((server_seq = _tg_server_store_last_seq (self, error)) < 0)
    goto failed;
  json_builder_set_member_name (builder, "server_seq");
  json_builder_add_int_value (builder, server_seq);
  json_builder_end_object (builder);

  _tg_server_store_exec (self, "RELEASE pull", NULL);

  {
    g_autofree char *detail = g_strdup_printf ("since %" G_GINT64_FORMAT ", %u revisions", since, n);
    tg_server_store_audit (self, auth, "pull", detail);
  }
  return json_builder_get_root (builder);

failed:
  _tg_server_store_exec (self, "ROLLBACK TO pull; RELEASE pull", NULL);
  return NULL;
}

gboolean
tg_server_store_foreach_head (TgServerStore    *self,
                              TgServerHeadFunc  func,
                              gpointer          user_data,
                              GError          **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = _tg_server_store_statement (self, "SELECT h.record_id, r.kind, r.id, r.seq, "
                                           "(SELECT count(*) FROM heads h2 WHERE h2.record_id = h.record_id), r.content "
                                           "FROM heads h JOIN revisions r ON r.id = h.revision_id "
                                           "ORDER BY h.record_id, r.seq", error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = _tg_server_store_step (self, stmt)) == SQLITE_ROW)
    func ((const char *) sqlite3_column_text (stmt, 0),
          (const char *) sqlite3_column_text (stmt, 1),
          (const char *) sqlite3_column_text (stmt, 2),
          sqlite3_column_int64 (stmt, 3),
          (guint) sqlite3_column_int (stmt, 4),
          (const char *) sqlite3_column_text (stmt, 5),
          user_data);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _tg_server_store_sql_error (self, error, "reading heads");
  return TRUE;
}
