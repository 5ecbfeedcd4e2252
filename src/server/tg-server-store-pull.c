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
pulled_revision_free (TgServerPulledRevision *revision)
{
  g_free (revision->id);
  g_free (revision->record_id);
  g_free (revision->kind);
  g_strfreev (revision->parents);
  g_free (revision->device);
  g_free (revision->content);
  g_free (revision);
}

static void
conflict_free (TgServerConflict *conflict)
{
  g_free (conflict->record_id);
  g_strfreev (conflict->heads);
  g_free (conflict);
}

static void
device_name_free (TgServerDeviceName *name)
{
  g_free (name->device);
  g_free (name->name);
  g_free (name->user);
  g_free (name);
}

/* Names the devices that made the revisions of @page, and only those
 * (docs/sync-protocol.md, "Device names"): a monitor learns the names of
 * the devices whose revisions they may pull anyway — their own, and the
 * coordinators' who decided on their reports — never the organisation's
 * list. A revision's "device" is the creating laptop's own id; the name is
 * that of the enrolled device that pushed it (the newest in the page when
 * a laptop re-enrolled). Revisions pushed before the server recorded the
 * pusher name nothing. */
static gboolean
pull_device_names (TgServerStore     *self,
                   TgServerPullPage  *page,
                   GError           **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  page->devices = g_ptr_array_new_with_free_func ((GDestroyNotify) device_name_free);
  for (guint i = page->revisions->len; i-- > 0; )
    {
      const TgServerPulledRevision *revision = g_ptr_array_index (page->revisions, i);
      g_autoptr(TgSqliteStmt) stmt = NULL;
      int rc;

      if (g_hash_table_contains (seen, revision->device))
        continue;
      stmt = _tg_server_store_statement (self, "SELECT d.name, u.name FROM revisions r "
                                               "JOIN devices d ON d.id = r.pushed_by_device "
                                               "JOIN users u ON u.id = d.user_id WHERE r.seq = ?", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, revision->seq);
      rc = _tg_server_store_step (self, stmt);
      if (rc == SQLITE_ROW)
        {
          TgServerDeviceName *name = g_new0 (TgServerDeviceName, 1);

          name->device = g_strdup (revision->device);
          name->name = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
          name->user = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
          g_ptr_array_add (page->devices, name);
          g_hash_table_add (seen, revision->device);
        }
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return _tg_server_store_sql_error (self, error, "reading device names");
    }
  return TRUE;
}

void
tg_server_pull_page_free (TgServerPullPage *page)
{
  g_clear_pointer (&page->devices, g_ptr_array_unref);
  g_clear_pointer (&page->revisions, g_ptr_array_unref);
  g_clear_pointer (&page->conflicts, g_ptr_array_unref);
  g_free (page);
}

static TgServerPulledRevision *
pulled_revision_new (sqlite3_stmt *stmt)
{
  TgServerPulledRevision *revision = g_new0 (TgServerPulledRevision, 1);
  g_auto(GStrv) parents = g_strsplit ((const char *) sqlite3_column_text (stmt, 3), " ", -1);
  guint n = 0;

  revision->seq = sqlite3_column_int64 (stmt, 0);
  revision->id = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  revision->record_id = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  revision->kind = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
  revision->parents = g_new0 (char *, g_strv_length (parents) + 1);
  for (guint i = 0; parents[i]; i++)
    if (*parents[i])
      revision->parents[n++] = g_strdup (parents[i]);
  revision->device = g_strdup ((const char *) sqlite3_column_text (stmt, 5));
  revision->device_seq = sqlite3_column_int64 (stmt, 6);
  revision->created_at = sqlite3_column_int64 (stmt, 7);
  revision->deleted = sqlite3_column_int (stmt, 8) != 0;
  revision->content = g_strdup ((const char *) sqlite3_column_text (stmt, 9));
  return revision;
}

TgServerPullPage *
tg_server_store_pull (TgServerStore  *self,
                      TgServerAuth   *auth,
                      gint64          since,
                      guint           limit,
                      gint64          own_through,
                      GError        **error)
{
  g_autoptr(TgServerPullPage) page = g_new0 (TgServerPullPage, 1);
  g_autoptr(GHashTable) records = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gint64 next = since;
  gboolean more = FALSE;
  guint n = 0;
  gint64 page_bytes = 0;
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

  /* the page, read in a block of its own: its statement is released
   * before the heads are read */
  {
    g_autoptr(TgSqliteStmt) stmt = NULL;

    if (auth->role == TG_SERVER_ROLE_COORDINATOR)
      {
        stmt = _tg_server_store_statement (self, "SELECT seq, id, record_id, parents, kind, device, device_seq, "
                                                 "created_at, deleted, content FROM revisions "
                                                 "WHERE seq > ? AND NOT (seq <= ? AND pushed_by_device IS ?) "
                                                 "ORDER BY seq LIMIT ?", error);
        if (stmt == NULL)
          goto failed;
        sqlite3_bind_int64 (stmt, 1, since);
        sqlite3_bind_int64 (stmt, 2, own_through);
        tg_sqlite_bind_text (stmt, 3, auth->device_id);
        sqlite3_bind_int64 (stmt, 4, (gint64) limit + 1);
      }
    else
      {
        stmt = _tg_server_store_statement (self, "SELECT r.seq, r.id, r.record_id, r.parents, r.kind, r.device, r.device_seq, "
                                                 "r.created_at, r.deleted, r.content FROM revisions r "
                                                 "JOIN records c ON c.id = r.record_id "
                                                 "WHERE r.seq > ?1 AND (c.owner_user_id = ?2 "
                                                 "  OR EXISTS (SELECT 1 FROM revision_readers v "
                                                 "             WHERE v.user_id = ?2 AND v.seq = r.seq)) "
                                                 "AND NOT (r.seq <= ?3 AND r.pushed_by_device IS ?4) "
                                                 "ORDER BY r.seq LIMIT ?5", error);
        if (stmt == NULL)
          goto failed;
        /* a monitor: the records they created, and the revisions of
         * incidents that hold (or just stopped holding) one of their
         * reports (revision_readers, filled at push) */
        sqlite3_bind_int64 (stmt, 1, since);
        sqlite3_bind_int64 (stmt, 2, auth->user_id);
        sqlite3_bind_int64 (stmt, 3, own_through);
        tg_sqlite_bind_text (stmt, 4, auth->device_id);
        sqlite3_bind_int64 (stmt, 5, (gint64) limit + 1);
      }

    page->revisions = g_ptr_array_new_with_free_func ((GDestroyNotify) pulled_revision_free);
    page->conflicts = g_ptr_array_new_with_free_func ((GDestroyNotify) conflict_free);
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
        g_ptr_array_add (page->revisions, pulled_revision_new (stmt));
        next = sqlite3_column_int64 (stmt, 0);
        g_hash_table_add (records, g_strdup ((const char *) sqlite3_column_text (stmt, 2)));
        n++;
      }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
      {
        _tg_server_store_sql_error (self, error, "reading revisions");
        goto failed;
      }
  }

  /* Records of this page with more than one head: concurrent branches a
   * person has to merge. */
  {
    GHashTableIter iter;
    const char *record_id;

    g_hash_table_iter_init (&iter, records);
    while (g_hash_table_iter_next (&iter, (gpointer *) &record_id, NULL))
      {
        g_autoptr(GPtrArray) heads = g_ptr_array_new_with_free_func (g_free);
        g_autoptr(TgSqliteStmt) stmt = NULL;

        stmt = _tg_server_store_statement (self, "SELECT revision_id FROM heads WHERE record_id = ? ORDER BY revision_id",
                                           error);
        if (stmt == NULL)
          goto failed;
        tg_sqlite_bind_text (stmt, 1, record_id);
        while ((rc = _tg_server_store_step (self, stmt)) == SQLITE_ROW)
          g_ptr_array_add (heads, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
        if (rc != SQLITE_DONE)
          {
            _tg_server_store_sql_error (self, error, "reading heads");
            goto failed;
          }
        if (heads->len < 2)
          continue;

        {
          TgServerConflict *conflict = g_new0 (TgServerConflict, 1);

          conflict->record_id = g_strdup (record_id);
          g_ptr_array_add (heads, NULL);
          conflict->heads = (GStrv) g_ptr_array_steal (heads, NULL);
          g_ptr_array_add (page->conflicts, conflict);
        }
      }
  }

  if (!pull_device_names (self, page, error))
    goto failed;

  page->more = more;
  if ((page->server_seq = _tg_server_store_last_seq (self, error)) < 0)
    goto failed;
  /* With the whole rest read, the revisions left out (the caller's own, up
   * to own_through) are behind the cursor too. */
  if (!more && own_through > next)
    next = MIN (own_through, page->server_seq);
  page->next = next;

  _tg_server_store_exec (self, "RELEASE pull", NULL);

  {
    g_autofree char *detail = g_strdup_printf ("since %" G_GINT64_FORMAT ", %u revisions", since, n);
    tg_server_store_audit (self, auth, "pull", detail);
  }
  return g_steal_pointer (&page);

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
  g_autoptr(TgSqliteStmt) stmt = NULL;
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
  if (rc != SQLITE_DONE)
    return _tg_server_store_sql_error (self, error, "reading heads");
  return TRUE;
}
