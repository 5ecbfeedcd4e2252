/* tg-store-query.c — reading reports and revisions back
 *
 * Loading a report, its heads and revisions, and the list's and map's
 * queries (filters and full-text search).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-store"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tg-store-private.h"

/* Reading ------------------------------------------------------------- */

static TgReport *
load_report_where (TgStore      *self,
                   const char   *where,
                   const char   *id_text,
                   gint64        rowid,
                   gboolean      include_deleted,
                   GError      **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  g_autofree char *sql = NULL;
  g_autoptr(TgReport) report = NULL;
  int rc;

  tg_store_lock (self);
  if (!tg_store_check_open (self, error))
    goto out;

  sql = g_strdup_printf ("SELECT r.rev_id, r.n_heads, r.deleted, r.updated_at, v.content "
                         "FROM reports r JOIN revisions v ON v.rev_id = r.rev_id WHERE %s",
                         where);
  if (!(stmt = tg_store_prepare (self, sql, error)))
    goto out;
  if (id_text != NULL)
    tg_sqlite_bind_text (stmt, 1, id_text);
  else
    sqlite3_bind_int64 (stmt, 1, rowid);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE || (rc == SQLITE_ROW && sqlite3_column_int (stmt, 2) && !include_deleted))
    {
      g_set_error (error, TG_ERROR, TG_ERROR_NOT_FOUND, _("There is no report %s."),
                   id_text ? id_text : "");
      goto out;
    }
  if (rc != SQLITE_ROW)
    {
      tg_sqlite_fail (self->sql, error, "load report");
      goto out;
    }

  report = tg_report_new_from_json_string ((const char *) sqlite3_column_text (stmt, 4),
                                           sqlite3_column_bytes (stmt, 4), error);
  if (report != NULL)
    {
      const char *ids[] = { (const char *) sqlite3_column_text (stmt, 0), NULL };

      tg_report_set_base_revisions (report, ids);
      tg_report_set_n_heads (report, sqlite3_column_int (stmt, 1));
      tg_report_set_updated_at (report, sqlite3_column_int64 (stmt, 3));
    }

out:
  tg_store_unlock (self);
  return g_steal_pointer (&report);
}

TgReport *
tg_store_load_report (TgStore     *self,
                      const char  *report_id,
                      GError     **error)
{
  g_return_val_if_fail (TG_IS_STORE (self), NULL);
  g_return_val_if_fail (report_id != NULL, NULL);
  return load_report_where (self, "r.id = ?", report_id, 0, FALSE, error);
}

TgReport *
tg_store_load_report_by_rowid (TgStore  *self,
                               gint64    rowid,
                               GError  **error)
{
  g_return_val_if_fail (TG_IS_STORE (self), NULL);
  return load_report_where (self, "r.rowid = ?", NULL, rowid, TRUE, error);
}

GArray *
tg_store_list_live_rowids (TgStore  *self,
                           GError  **error)
{
  g_autoptr(GArray) rowids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(TgSqliteStmt) stmt = NULL;
  gboolean ok = FALSE;
  int rc;

  g_return_val_if_fail (TG_IS_STORE (self), NULL);

  tg_store_lock (self);
  if (tg_store_check_open (self, error) &&
      (stmt = tg_store_prepare (self, "SELECT rowid FROM reports WHERE deleted = 0 ORDER BY id",
                                error)))
    {
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          gint64 rowid = sqlite3_column_int64 (stmt, 0);
          g_array_append_val (rowids, rowid);
        }
      ok = rc == SQLITE_DONE || tg_sqlite_fail (self->sql, error, "list reports");
    }
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);
  tg_store_unlock (self);

  return ok ? g_steal_pointer (&rowids) : NULL;
}

gboolean
tg_store_get_rev_id (TgStore  *self,
                     gint64    rowid,
                     char    **rev_id,
                     GError  **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  gboolean ok = FALSE;
  int rc;

  g_return_val_if_fail (TG_IS_STORE (self), FALSE);
  g_return_val_if_fail (rev_id != NULL, FALSE);

  *rev_id = NULL;
  tg_store_lock (self);
  if (tg_store_check_open (self, error) &&
      (stmt = tg_store_prepare (self, "SELECT rev_id FROM reports WHERE rowid = ?", error)))
    {
      sqlite3_bind_int64 (stmt, 1, rowid);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        *rev_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      ok = rc == SQLITE_ROW || rc == SQLITE_DONE ||
           tg_sqlite_fail (self->sql, error, "read report");
    }
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);
  tg_store_unlock (self);
  return ok;
}

gboolean
tg_store_get_report_label (TgStore  *self,
                           gint64    rowid,
                           char    **id,
                           char    **title,
                           GError  **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  gboolean ok = FALSE;
  int rc;

  g_return_val_if_fail (TG_IS_STORE (self), FALSE);

  tg_store_lock (self);
  if (!tg_store_check_open (self, error) ||
      !(stmt = tg_store_prepare (self, "SELECT id, title FROM reports WHERE rowid = ? AND deleted = 0", error)))
    goto out;
  sqlite3_bind_int64 (stmt, 1, rowid);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      if (id != NULL)
        *id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      if (title != NULL)
        *title = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      ok = TRUE;
    }
  else if (rc == SQLITE_DONE)
    g_set_error (error, TG_ERROR, TG_ERROR_NOT_FOUND, "no live report in row %" G_GINT64_FORMAT, rowid);
  else
    tg_sqlite_fail (self->sql, error, "query");

out:
  tg_store_unlock (self);
  return ok;
}

gint64
tg_store_lookup_rowid (TgStore    *self,
                       const char *id)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  gint64 rowid = 0;

  g_return_val_if_fail (TG_IS_STORE (self), 0);
  g_return_val_if_fail (id != NULL, 0);

  tg_store_lock (self);
  if (tg_store_check_open (self, NULL) &&
      (stmt = tg_store_prepare (self, "SELECT rowid FROM reports WHERE id = ?", NULL)) != NULL)
    {
      tg_sqlite_bind_text (stmt, 1, id);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        rowid = sqlite3_column_int64 (stmt, 0);
    }
  tg_store_unlock (self);
  return rowid;
}

GPtrArray *
tg_store_list_heads (TgStore     *self,
                     const char  *report_id,
                     GError     **error)
{
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GPtrArray) heads = g_ptr_array_new_with_free_func (g_object_unref);
  gboolean ok = TRUE;

  g_return_val_if_fail (TG_IS_STORE (self), NULL);

  tg_store_lock (self);
  if (!tg_store_check_open (self, error) || !(ids = tg_store_list_head_ids_locked (self, report_id, error)))
    ok = FALSE;
  for (guint i = 0; ok && i < ids->len; i++)
    {
      TgRevision *rev = tg_store_get_revision_locked (self, ids->pdata[i], error);

      if (rev == NULL)
        ok = FALSE;
      else
        g_ptr_array_add (heads, rev);
    }
  tg_store_unlock (self);

  return ok ? g_steal_pointer (&heads) : NULL;
}

TgRevision *
tg_store_get_revision (TgStore     *self,
                       const char  *rev_id,
                       GError     **error)
{
  TgRevision *rev = NULL;

  g_return_val_if_fail (TG_IS_STORE (self), NULL);

  tg_store_lock (self);
  if (tg_store_check_open (self, error))
    rev = tg_store_get_revision_locked (self, rev_id, error);
  tg_store_unlock (self);
  return rev;
}

GPtrArray *
tg_store_list_revisions_where (TgStore     *self,
                               const char  *sql,
                               const char  *text,
                               gint64       number,
                               GError     **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) revs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(TgSqliteStmt) stmt = NULL;
  gboolean ok = FALSE;
  int rc;

  tg_store_lock (self);
  if (!tg_store_check_open (self, error) || !(stmt = tg_store_prepare (self, sql, error)))
    goto out;
  if (text != NULL)
    tg_sqlite_bind_text (stmt, 1, text);
  sqlite3_bind_int64 (stmt, text ? 2 : 1, number);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  if (rc != SQLITE_DONE)
    {
      tg_sqlite_fail (self->sql, error, "list revisions");
      goto out;
    }
  ok = TRUE;
  for (guint i = 0; ok && i < ids->len; i++)
    {
      TgRevision *rev = tg_store_get_revision_locked (self, ids->pdata[i], error);

      if (rev == NULL)
        ok = FALSE;
      else
        g_ptr_array_add (revs, rev);
    }
out:
  tg_store_unlock (self);
  return ok ? g_steal_pointer (&revs) : NULL;
}

GPtrArray *
tg_store_list_revisions (TgStore     *self,
                         const char  *record_id,
                         GError     **error)
{
  g_return_val_if_fail (TG_IS_STORE (self), NULL);
  return tg_store_list_revisions_where (self,
                                        "SELECT rev_id FROM revisions WHERE record_id = ? "
                                        "ORDER BY local_seq LIMIT ?",
                                        record_id, G_MAXINT64, error);
}

guint
tg_store_count_reports (TgStore *self)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  guint count = 0;

  g_return_val_if_fail (TG_IS_STORE (self), 0);

  tg_store_lock (self);
  if (self->db != NULL &&
      (stmt = tg_store_prepare (self, "SELECT count(*) FROM reports WHERE deleted = 0", NULL)) &&
      sqlite3_step (stmt) == SQLITE_ROW)
    count = sqlite3_column_int (stmt, 0);
  tg_store_unlock (self);
  return count;
}

/* Queries --------------------------------------------------------------- */

G_DEFINE_BOXED_TYPE (TgReportQuery, tg_report_query, tg_report_query_copy, tg_report_query_free)

TgReportQuery *
tg_report_query_new (void)
{
  TgReportQuery *query = g_new0 (TgReportQuery, 1);

  query->status = -1;
  return query;
}

TgReportQuery *
tg_report_query_copy (const TgReportQuery *query)
{
  TgReportQuery *copy = g_memdup2 (query, sizeof *query);

  copy->text = g_strdup (query->text);
  copy->category = g_strdup (query->category);
  copy->region_code = g_strdup (query->region_code);
  return copy;
}

void
tg_report_query_free (TgReportQuery *query)
{
  if (query == NULL)
    return;
  g_free (query->text);
  g_free (query->category);
  g_free (query->region_code);
  g_free (query);
}

/* What a person types becomes a safe FTS5 query: split into words where
 * the index's tokenizer splits them (anything but letters and digits),
 * each word quoted, the last one a prefix. Operators, quotes and
 * parentheses typed are only text. */
static char *
fts_query_from_text (const char *text)
{
  g_autoptr(GString) query = g_string_new (NULL);
  g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) word = g_string_new (NULL);
  const char *p;

  if (!g_utf8_validate (text, -1, NULL))
    return NULL;

  for (p = text; ; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c != 0 && (g_unichar_isalnum (c) || g_unichar_ismark (c)))
        {
          g_string_append_unichar (word, c);
          continue;
        }
      if (word->len > 0)
        {
          g_ptr_array_add (words, g_strdup (word->str));
          g_string_truncate (word, 0);
        }
      if (c == 0)
        break;
    }

  for (guint i = 0; i < words->len; i++)
    {
      if (i > 0)
        g_string_append_c (query, ' ');
      g_string_append_printf (query, "\"%s\"", (const char *) words->pdata[i]);
      if (i + 1 == words->len)
        g_string_append_c (query, '*');
    }
  if (words->len == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&query), FALSE);
}

/* The SQL selecting @columns ("r.rowid", or other columns of reports r) of
 * the reports matching @query (in the list's order when @ordered); its
 * parameters are bound by bind_query(). Unordered, it ends in its WHERE
 * clause, so a caller may add conditions. */
static char *
build_query (const TgReportQuery *query,
             const char          *fts,
             const char          *columns,
             gboolean             ordered)
{
  GString *sql = g_string_new (NULL);

  g_string_printf (sql, "SELECT %s FROM ", columns);

  /* Text alone, newest first: the full-text index holds only live reports
   * under their row ids, so it answers by itself, already in order. */
  if (fts != NULL && g_str_equal (columns, "r.rowid") && query->category == NULL && query->region_code == NULL &&
      query->status < 0 && query->start_from == 0 && query->start_until == 0 &&
      !query->only_conflicts && query->sort == TG_REPORT_SORT_UPDATED_DESC)
    {
      g_string_assign (sql, "SELECT rowid FROM reports_fts WHERE reports_fts MATCH ?");
      if (ordered)
        g_string_append (sql, " ORDER BY rowid DESC");
      return g_string_free (sql, FALSE);
    }

  /* With text, the full-text index leads (CROSS JOIN keeps that order):
   * the matches are few next to the whole store. */
  if (fts != NULL)
    g_string_append (sql, "reports_fts f CROSS JOIN reports r ON r.rowid = f.rowid "
                          "WHERE reports_fts MATCH ? AND r.deleted = 0 ");
  else
    g_string_append (sql, "reports r WHERE r.deleted = 0 ");
  if (query != NULL)
    {
      if (query->category != NULL)
        g_string_append (sql, "AND r.rowid IN (SELECT report_rowid FROM report_categories "
                              "WHERE category = ?) ");
      if (query->region_code != NULL)
        g_string_append (sql, "AND r.region_code = ? ");
      if (query->status >= 0)
        g_string_append (sql, "AND r.status = ? ");
      if (query->start_from != 0)
        g_string_append (sql, "AND r.start_time >= ? ");
      if (query->start_until != 0)
        g_string_append (sql, "AND r.start_time < ? ");
      if (query->only_conflicts)
        g_string_append (sql, "AND r.n_heads > 1 ");
    }

  if (!ordered)
    return g_string_free (sql, FALSE);

  switch (query ? query->sort : TG_REPORT_SORT_UPDATED_DESC)
    {
    case TG_REPORT_SORT_START_DESC:
      g_string_append (sql, "ORDER BY r.start_time DESC, r.rowid DESC");
      break;
    case TG_REPORT_SORT_START_ASC:
      g_string_append (sql, "ORDER BY r.start_time ASC, r.rowid ASC");
      break;
    case TG_REPORT_SORT_TITLE:
      g_string_append (sql, "ORDER BY r.title COLLATE NOCASE, r.rowid");
      break;
    case TG_REPORT_SORT_UPDATED_DESC:
    default:
      g_string_append (sql, "ORDER BY r.rowid DESC");
      break;
    }
  return g_string_free (sql, FALSE);
}

static void
bind_query (TgSqliteStmt              *stmt,
            const TgReportQuery *query,
            const char          *fts)
{
  int column = 1;

  if (fts != NULL)
    tg_sqlite_bind_text (stmt, column++, fts);
  if (query == NULL)
    return;
  if (query->category != NULL)
    tg_sqlite_bind_text (stmt, column++, query->category);
  if (query->region_code != NULL)
    tg_sqlite_bind_text (stmt, column++, query->region_code);
  if (query->status >= 0)
    tg_sqlite_bind_text (stmt, column++, tg_report_status_to_string (query->status));
  if (query->start_from != 0)
    sqlite3_bind_int64 (stmt, column++, query->start_from);
  if (query->start_until != 0)
    sqlite3_bind_int64 (stmt, column++, query->start_until);
}

GArray *
tg_store_query_rowids (TgStore              *self,
                       const TgReportQuery  *query,
                       GError              **error)
{
  g_autoptr(GArray) rowids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(TgSqliteStmt) stmt = NULL;
  g_autofree char *fts = NULL;
  g_autofree char *sql = NULL;
  gboolean ok = FALSE;
  int rc;

  g_return_val_if_fail (TG_IS_STORE (self), NULL);

  if (query != NULL && query->text != NULL)
    fts = fts_query_from_text (query->text);
  sql = build_query (query, fts, "r.rowid", TRUE);

  tg_store_lock (self);
  if (!tg_store_check_open (self, error) || !(stmt = tg_store_prepare (self, sql, error)))
    goto out;
  bind_query (stmt, query, fts);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 rowid = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (rowids, rowid);
    }
  if (rc != SQLITE_DONE)
    {
      tg_sqlite_fail (self->sql, error, "query");
      goto out;
    }
  ok = TRUE;

out:
  tg_store_unlock (self);
  return ok ? g_steal_pointer (&rowids) : NULL;
}

GArray *
tg_store_query_locations (TgStore              *self,
                          const TgReportQuery  *query,
                          GError              **error)
{
  g_autoptr(GArray) locations = g_array_new (FALSE, FALSE, sizeof (TgReportLocation));
  sqlite3_stmt *stmt = NULL;
  g_autofree char *fts = NULL;
  g_autofree char *where = NULL;
  g_autofree char *sql = NULL;
  gboolean ok = FALSE;
  int rc;

  g_return_val_if_fail (TG_IS_STORE (self), NULL);

  /* The list's own conditions, straight on the table (no "rowid IN" set
   * of 100,000 row ids to build), unordered. */
  if (query != NULL && query->text != NULL)
    fts = fts_query_from_text (query->text);
  where = build_query (query, fts, "r.rowid, r.category, r.latitude, r.longitude", FALSE);
  sql = g_strconcat (where, "AND r.latitude IS NOT NULL AND r.longitude IS NOT NULL", NULL);

  g_mutex_lock (&self->reader_lock);
  if (!tg_store_check_open (self, error))
    goto out;
  if (self->reader == NULL)
    {
      if (self->key != NULL)
        self->reader = tg_sqlite_open_keyed (self->db_path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                                             self->key, error);
      else
        self->reader = tg_sqlite_open (self->db_path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                                       error);
      if (self->reader == NULL)
        goto out;
      sqlite3_busy_timeout (tg_sqlite_get_db (self->reader), 5000);
    }
  if (sqlite3_prepare_v2 (tg_sqlite_get_db (self->reader), sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      tg_sqlite_fail (self->reader, error, "query");
      goto out;
    }
  bind_query (stmt, query, fts);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TgReportLocation location;
      const char *category = (const char *) sqlite3_column_text (stmt, 1);

      location.rowid = sqlite3_column_int64 (stmt, 0);
      location.category = category ? g_intern_string (category) : NULL;
      location.latitude = sqlite3_column_double (stmt, 2);
      location.longitude = sqlite3_column_double (stmt, 3);
      g_array_append_val (locations, location);
    }
  if (rc != SQLITE_DONE)
    {
      tg_sqlite_fail (self->reader, error, "query");
      goto out;
    }
  ok = TRUE;

out:
  g_clear_pointer (&stmt, sqlite3_finalize);
  g_mutex_unlock (&self->reader_lock);
  return ok ? g_steal_pointer (&locations) : NULL;
}
