/* tg-store-revisions.c — the store's revisions, heads and materialisation
 *
 * Recording revisions (made here or arriving from elsewhere), moving
 * the heads of each record's revision tree, re-materialising a record's
 * current state, and the transactions around them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-store"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "tg-incident.h"
#include "tg-store-private.h"
#include "tg-store-sync.h"

/* Revisions ------------------------------------------------------------- */

static void
bind_double (sqlite3_stmt *stmt,
             int           column,
             double        value)
{
  if (isnan (value))
    sqlite3_bind_null (stmt, column);
  else
    sqlite3_bind_double (stmt, column, value);
}

gboolean
tg_store_check_open (TgStore  *self,
                     GError  **error)
{
  if (self->db == NULL)
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_FAILED, "the store is closed");
      return FALSE;
    }
  return TRUE;
}

static TgRevision *
revision_from_row (sqlite3_stmt *stmt,
                   GPtrArray    *parents)
{
  /* columns: rev_id, record_id, kind, device_id, device_seq, created_at,
   * deleted, content, server_seq */
  TgRevision *rev;

  g_ptr_array_add (parents, NULL);
  rev = tg_revision_new ((const char *) sqlite3_column_text (stmt, 1),
                         (const char *) sqlite3_column_text (stmt, 2),
                         (const char * const *) parents->pdata,
                         (const char *) sqlite3_column_text (stmt, 3),
                         sqlite3_column_int64 (stmt, 4),
                         sqlite3_column_int64 (stmt, 5),
                         sqlite3_column_int (stmt, 6),
                         (const char *) sqlite3_column_text (stmt, 7));
  tg_revision_set_server_seq (rev, sqlite3_column_int64 (stmt, 8));
  return rev;
}

#define REVISION_COLUMNS \
  "rev_id, record_id, kind, device_id, device_seq, created_at, deleted, content, server_seq"

TgRevision *
tg_store_get_revision_locked (TgStore     *self,
                              const char  *rev_id,
                              GError     **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  g_autoptr(TgSqliteStmt) parents_stmt = NULL;
  g_autoptr(GPtrArray) parents = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(TgRevision) rev = NULL;
  int rc;

  if (!(parents_stmt = tg_store_prepare (self, "SELECT parent_id FROM revision_parents WHERE rev_id = ?", error)))
    return NULL;
  tg_sqlite_bind_text (parents_stmt, 1, rev_id);
  while ((rc = sqlite3_step (parents_stmt)) == SQLITE_ROW)
    g_ptr_array_add (parents, g_strdup ((const char *) sqlite3_column_text (parents_stmt, 0)));
  if (rc != SQLITE_DONE)
    {
      tg_sqlite_fail (self->sql, error, "read revision");
      return NULL;
    }

  if (!(stmt = tg_store_prepare (self, "SELECT " REVISION_COLUMNS " FROM revisions WHERE rev_id = ?", error)))
    return NULL;
  tg_sqlite_bind_text (stmt, 1, rev_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_NOT_FOUND, "no revision %s", rev_id);
      return NULL;
    }
  if (rc != SQLITE_ROW)
    {
      tg_sqlite_fail (self->sql, error, "read revision");
      return NULL;
    }

  rev = revision_from_row (stmt, parents);
  if (g_strcmp0 (tg_revision_get_id (rev), rev_id) != 0)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_HASH_MISMATCH,
                   _("Revision %s was altered in the database: its content no longer matches its id."),
                   rev_id);
      return NULL;
    }
  return g_steal_pointer (&rev);
}

GPtrArray *
tg_store_list_head_ids_locked (TgStore     *self,
                               const char  *record_id,
                               GError     **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  int rc;

  /* Newest arrival first: never ordered by device clocks. */
  if (!(stmt = tg_store_prepare (self,
                                 "SELECT h.rev_id FROM heads h JOIN revisions r ON r.rev_id = h.rev_id "
                                 "WHERE h.record_id = ? ORDER BY r.deleted ASC, r.local_seq DESC",
                                 error)))
    return NULL;
  tg_sqlite_bind_text (stmt, 1, record_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  if (rc != SQLITE_DONE)
    {
      tg_sqlite_fail (self->sql, error, "read heads");
      return NULL;
    }
  return g_steal_pointer (&ids);
}

/* Inserts a revision unless present and moves the heads: its parents stop
 * being heads; it becomes one unless a child of it arrived first. */
static gboolean
insert_revision_locked (TgStore     *self,
                        TgRevision  *rev,
                        gboolean     is_local,
                        gboolean    *inserted,
                        gboolean    *learned,
                        GError     **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  const char * const *parents = tg_revision_get_parents (rev);
  const char *record_id = tg_revision_get_record_id (rev);
  const char *rev_id = tg_revision_get_id (rev);
  gboolean has_child;

  if (!(stmt = tg_store_prepare (self,
                                 "INSERT OR IGNORE INTO revisions (rev_id, record_id, kind, device_id, "
                                 "device_seq, created_at, deleted, content, server_seq) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", error)))
    return FALSE;
  tg_sqlite_bind_text (stmt, 1, rev_id);
  tg_sqlite_bind_text (stmt, 2, record_id);
  tg_sqlite_bind_text (stmt, 3, tg_revision_get_kind (rev));
  tg_sqlite_bind_text (stmt, 4, tg_revision_get_device_id (rev));
  sqlite3_bind_int64 (stmt, 5, tg_revision_get_device_seq (rev));
  sqlite3_bind_int64 (stmt, 6, tg_revision_get_created_at (rev));
  sqlite3_bind_int (stmt, 7, tg_revision_get_deleted (rev));
  tg_sqlite_bind_text (stmt, 8, tg_revision_get_content (rev));
  sqlite3_bind_int64 (stmt, 9, tg_revision_get_server_seq (rev));
  if (!tg_store_step_done (self, stmt, error))
    return FALSE;

  *inserted = sqlite3_changes (self->db) > 0;
  if (learned != NULL)
    *learned = FALSE;
  if (!*inserted)
    {
      /* Known already: only learn its server sequence. */
      if (tg_revision_get_server_seq (rev) > 0)
        {
          g_clear_pointer (&stmt, tg_sqlite_stmt_release);
          if (!(stmt = tg_store_prepare (self, "UPDATE revisions SET server_seq = ? "
                                         "WHERE rev_id = ? AND server_seq = 0", error)))
            return FALSE;
          sqlite3_bind_int64 (stmt, 1, tg_revision_get_server_seq (rev));
          tg_sqlite_bind_text (stmt, 2, rev_id);
          if (!tg_store_step_done (self, stmt, error))
            return FALSE;
          if (sqlite3_changes (self->db) > 0)
            {
              if (learned != NULL)
                *learned = TRUE;
              return tg_store_sync_note_revision_locked (self, rev, TRUE, error);
            }
        }
      return TRUE;
    }

  if (!tg_store_sync_note_revision_locked (self, rev, FALSE, error))
    return FALSE;

  for (guint i = 0; parents[i] != NULL; i++)
    {
      g_clear_pointer (&stmt, tg_sqlite_stmt_release);
      if (!(stmt = tg_store_prepare (self, "INSERT INTO revision_parents (rev_id, parent_id) VALUES (?, ?)", error)))
        return FALSE;
      tg_sqlite_bind_text (stmt, 1, rev_id);
      tg_sqlite_bind_text (stmt, 2, parents[i]);
      if (!tg_store_step_done (self, stmt, error))
        return FALSE;

      g_clear_pointer (&stmt, tg_sqlite_stmt_release);
      if (!(stmt = tg_store_prepare (self, "DELETE FROM heads WHERE record_id = ? AND rev_id = ?", error)))
        return FALSE;
      tg_sqlite_bind_text (stmt, 1, record_id);
      tg_sqlite_bind_text (stmt, 2, parents[i]);
      if (!tg_store_step_done (self, stmt, error))
        return FALSE;
    }

  /* A revision received before its children is a head; one that came
   * after them is not. A revision just made here has no children yet. */
  has_child = FALSE;
  if (!is_local)
    {
      g_clear_pointer (&stmt, tg_sqlite_stmt_release);
      if (!(stmt = tg_store_prepare (self, "SELECT 1 FROM revision_parents WHERE parent_id = ? AND rev_id != ? LIMIT 1",
                                     error)))
        return FALSE;
      tg_sqlite_bind_text (stmt, 1, rev_id);
      tg_sqlite_bind_text (stmt, 2, rev_id);
      has_child = sqlite3_step (stmt) == SQLITE_ROW;
    }

  if (!has_child)
    {
      g_clear_pointer (&stmt, tg_sqlite_stmt_release);
      if (!(stmt = tg_store_prepare (self, "INSERT OR IGNORE INTO heads (record_id, rev_id) VALUES (?, ?)", error)))
        return FALSE;
      tg_sqlite_bind_text (stmt, 1, record_id);
      tg_sqlite_bind_text (stmt, 2, rev_id);
      if (!tg_store_step_done (self, stmt, error))
        return FALSE;
    }

  return TRUE;
}

/* Materialisation: the reports row is a cache of the current head. */

static char *
join_person_text (TgReport *report)
{
  GListModel *persons = tg_report_get_persons (report);
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (persons); i++)
    {
      g_autoptr(TgPerson) person = g_list_model_get_item (persons, i);
      const char *parts[] = {
        tg_person_get_name (person),
        tg_person_get_community (person),
        tg_person_get_ethnicity (person),
      };

      for (guint j = 0; j < G_N_ELEMENTS (parts); j++)
        if (parts[j] != NULL)
          {
            g_string_append (text, parts[j]);
            g_string_append_c (text, '\n');
          }
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
join_strv (const char * const *a,
           const char * const *b)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; a != NULL && a[i] != NULL; i++)
    {
      g_string_append (text, a[i]);
      g_string_append_c (text, ' ');
    }
  for (guint i = 0; b != NULL && b[i] != NULL; i++)
    {
      g_string_append (text, b[i]);
      g_string_append_c (text, ' ');
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static gint64
to_unix (GDateTime *time)
{
  return time ? g_date_time_to_unix (time) : 0;
}

/* @known_rev and @known_report, when given, are a revision just recorded
 * and the report it holds, so that a save need not parse back what it
 * has just written. */
gboolean
tg_store_materialize_known_locked (TgStore     *self,
                                   const char  *record_id,
                                   TgRevision  *known_rev,
                                   TgReport    *known_report,
                                   GError     **error)
{
  g_autoptr(GPtrArray) heads = NULL;
  g_autoptr(TgRevision) current = NULL;
  g_autoptr(TgReport) report = NULL;
  g_autoptr(TgSqliteStmt) stmt = NULL;
  g_autofree char *persons = NULL;
  g_autofree char *place = NULL;
  g_autofree char *tags = NULL;
  g_autofree char *origin = NULL;
  const char * const *categories;
  gboolean is_new;
  gint64 rowid;

  if (!(heads = tg_store_list_head_ids_locked (self, record_id, error)))
    return FALSE;
  if (heads->len == 0)
    return TRUE;

  if (known_rev != NULL && g_strcmp0 (tg_revision_get_id (known_rev), heads->pdata[0]) == 0)
    current = g_object_ref (known_rev);
  else if (!(current = tg_store_get_revision_locked (self, heads->pdata[0], error)))
    return FALSE;
  if (g_strcmp0 (tg_revision_get_kind (current), TG_REVISION_KIND_INCIDENT) == 0)
    return self->schema_version < 9 ||
           tg_store_incident_materialize_locked (self, record_id, current, heads->len, error);
  if (g_strcmp0 (tg_revision_get_kind (current), TG_REVISION_KIND_REPORT) != 0)
    return TRUE;

  /* A first revision recorded here: no old row, categories or index entry
   * to clear. */
  is_new = current == known_rev && heads->len == 1 &&
           tg_revision_get_parents (known_rev)[0] == NULL;

  if (known_report != NULL && current == known_rev)
    report = g_object_ref (known_report);
  else
    report = tg_report_new_from_json_string (tg_revision_get_content (current), -1, error);
  if (report == NULL)
    {
      g_prefix_error (error, "revision %s: ", tg_revision_get_id (current));
      return FALSE;
    }

  /* Each change gives the report a new row at the end, so row ids are the
   * order in which reports last changed on this device: the list's
   * default order, and the full-text index's own order. The old row, its
   * categories and its index entry go. */
  if (!is_new)
    {
      gint64 old_rowid;

      if (!(stmt = tg_store_prepare (self, self->schema_version >= 9 ?
                                     "SELECT rowid, origin_device FROM reports WHERE id = ?" :
                                     "SELECT rowid, NULL FROM reports WHERE id = ?", error)))
        return FALSE;
      tg_sqlite_bind_text (stmt, 1, record_id);
      old_rowid = 0;
      if (sqlite3_step (stmt) == SQLITE_ROW)
        {
          old_rowid = sqlite3_column_int64 (stmt, 0);
          origin = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
        }
      g_clear_pointer (&stmt, tg_sqlite_stmt_release);

      if (old_rowid != 0)
        {
          if (!(stmt = tg_store_prepare (self, "DELETE FROM reports WHERE rowid = ?", error)))
            return FALSE;
          sqlite3_bind_int64 (stmt, 1, old_rowid);
          if (!tg_store_step_done (self, stmt, error))
            return FALSE;
          g_clear_pointer (&stmt, tg_sqlite_stmt_release);

          if (self->schema_version >= 2)
            {
              if (!(stmt = tg_store_prepare (self, "DELETE FROM reports_fts WHERE rowid = ?", error)))
                return FALSE;
              sqlite3_bind_int64 (stmt, 1, old_rowid);
              if (!tg_store_step_done (self, stmt, error))
                return FALSE;
              g_clear_pointer (&stmt, tg_sqlite_stmt_release);
            }
        }
    }

  /* The new row's id is one past the highest ever given, never one freed
   * by the delete above. */
  /* The monitor: the device that made the report's first revision, kept
   * from the old row, else looked up (a revision that came before its
   * parent has no root yet: the root's arrival fills it). */
  if (is_new)
    origin = g_strdup (tg_revision_get_device_id (current));
  if (!(stmt = tg_store_prepare (self,
                                 self->schema_version >= 9 ?
                                 "INSERT INTO reports (rowid, id, rev_id, n_heads, deleted, title, place_name, "
                                 "region_code, province_code, start_time, end_time, latitude, longitude, "
                                 "status, killed, injured, detained, disappeared, updated_at, category, origin_device) "
                                 "VALUES (?19, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?20, "
                                 "coalesce (?21, (SELECT r.device_id FROM revisions r WHERE r.record_id = ?1 "
                                 "AND NOT EXISTS (SELECT 1 FROM revision_parents p WHERE p.rev_id = r.rev_id) "
                                 "ORDER BY r.local_seq LIMIT 1)))"
                                 :
                                 self->schema_version >= 7 ?
                                 "INSERT INTO reports (rowid, id, rev_id, n_heads, deleted, title, place_name, "
                                 "region_code, province_code, start_time, end_time, latitude, longitude, "
                                 "status, killed, injured, detained, disappeared, updated_at, category) "
                                 "VALUES (?19, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?20)"
                                 :
                                 "INSERT INTO reports (rowid, id, rev_id, n_heads, deleted, title, place_name, "
                                 "region_code, province_code, start_time, end_time, latitude, longitude, "
                                 "status, killed, injured, detained, disappeared, updated_at) "
                                 "VALUES (?19, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
                                 error)))
    return FALSE;
  tg_sqlite_bind_text (stmt, 1, record_id);
  tg_sqlite_bind_text (stmt, 2, tg_revision_get_id (current));
  sqlite3_bind_int (stmt, 3, heads->len);
  sqlite3_bind_int (stmt, 4, tg_revision_get_deleted (current));
  tg_sqlite_bind_text (stmt, 5, tg_report_get_title (report));
  tg_sqlite_bind_text (stmt, 6, tg_report_get_place_name (report));
  tg_sqlite_bind_text (stmt, 7, tg_report_get_region_code (report));
  tg_sqlite_bind_text (stmt, 8, tg_report_get_province_code (report));
  if (tg_report_get_start (report) != NULL)
    sqlite3_bind_int64 (stmt, 9, to_unix (tg_report_get_start (report)));
  if (tg_report_get_end (report) != NULL)
    sqlite3_bind_int64 (stmt, 10, to_unix (tg_report_get_end (report)));
  bind_double (stmt, 11, tg_report_get_latitude (report));
  bind_double (stmt, 12, tg_report_get_longitude (report));
  tg_sqlite_bind_text (stmt, 13, tg_report_status_to_string (tg_report_get_status (report)));
  sqlite3_bind_int (stmt, 14, tg_report_get_killed (report));
  sqlite3_bind_int (stmt, 15, tg_report_get_injured (report));
  sqlite3_bind_int (stmt, 16, tg_report_get_detained (report));
  sqlite3_bind_int (stmt, 17, tg_report_get_disappeared (report));
  sqlite3_bind_int64 (stmt, 18, tg_revision_get_created_at (current));
  rowid = ++self->last_report_rowid;
  sqlite3_bind_int64 (stmt, 19, rowid);
  if (self->schema_version >= 7)
    tg_sqlite_bind_text (stmt, 20, tg_report_get_categories (report)
                                   ? tg_report_get_categories (report)[0] : NULL);
  if (self->schema_version >= 9)
    tg_sqlite_bind_text (stmt, 21, origin);
  if (!tg_store_step_done (self, stmt, error))
    {
      self->last_report_rowid--;
      return FALSE;
    }
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);

  categories = tg_report_get_categories (report);
  for (guint i = 0; categories != NULL && categories[i] != NULL; i++)
    {
      g_clear_pointer (&stmt, tg_sqlite_stmt_release);
      if (!(stmt = tg_store_prepare (self, "INSERT OR IGNORE INTO report_categories (category, report_rowid) "
                                     "VALUES (?, ?)", error)))
        return FALSE;
      tg_sqlite_bind_text (stmt, 1, categories[i]);
      sqlite3_bind_int64 (stmt, 2, rowid);
      if (!tg_store_step_done (self, stmt, error))
        return FALSE;
    }

  if (self->schema_version < 2)
    return TRUE;

  if (tg_revision_get_deleted (current))
    return TRUE;

  persons = join_person_text (report);
  place = g_strjoin (" ",
                     tg_report_get_place_name (report) ? tg_report_get_place_name (report) : "",
                     tg_report_get_region_code (report) ? tg_report_get_region_code (report) : "",
                     tg_report_get_province_code (report) ? tg_report_get_province_code (report) : "",
                     NULL);
  tags = join_strv (tg_report_get_tags (report), categories);

  g_clear_pointer (&stmt, tg_sqlite_stmt_release);
  if (!(stmt = tg_store_prepare (self, "INSERT INTO reports_fts (rowid, title, narrative, place, persons, tags) "
                                 "VALUES (?, ?, ?, ?, ?, ?)", error)))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, rowid);
  tg_sqlite_bind_text (stmt, 2, tg_report_get_title (report));
  tg_sqlite_bind_text (stmt, 3, tg_report_get_narrative (report));
  tg_sqlite_bind_text (stmt, 4, place);
  tg_sqlite_bind_text (stmt, 5, persons);
  tg_sqlite_bind_text (stmt, 6, tags);
  return tg_store_step_done (self, stmt, error);
}

/* This device's revision counter lives in memory, loaded from the
 * revisions themselves; a rolled-back transaction reloads it. */
gboolean
tg_store_load_device_seq_locked (TgStore  *self,
                                 GError  **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;

  if (!(stmt = tg_store_prepare (self, "SELECT max(device_seq) FROM revisions WHERE device_id = ?", error)))
    return FALSE;
  tg_sqlite_bind_text (stmt, 1, self->device_id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return tg_sqlite_fail (self->sql, error, "device sequence");
  self->device_seq = sqlite3_column_int64 (stmt, 0);
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);

  if (!(stmt = tg_store_prepare (self, "SELECT max(rowid) FROM reports", error)))
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return tg_sqlite_fail (self->sql, error, "report rows");
  self->last_report_rowid = sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

/* Records a revision made on this device. Called with the lock held and
 * inside a transaction. */
TgRevision *
tg_store_record_local_revision_locked (TgStore            *self,
                                       const char         *record_id,
                                       const char * const *parents,
                                       gboolean            deleted,
                                       const char         *content,
                                       TgReport           *report,
                                       TgCustodyAction     action,
                                       GError            **error)
{
  g_autoptr(TgRevision) rev = NULL;
  gboolean inserted;
  gint64 seq;

  seq = ++self->device_seq;

  rev = tg_revision_new (record_id, TG_REVISION_KIND_REPORT, parents, self->device_id,
                         seq, g_get_real_time (), deleted, content);
  if (!insert_revision_locked (self, rev, TRUE, &inserted, NULL, error) ||
      !tg_store_materialize_known_locked (self, record_id, rev, report, error))
    return NULL;
  /* The files it names wait to be sent. */
  if (!deleted && !tg_store_sync_queue_blobs_locked (self, record_id, content, error))
    return NULL;
  if (self->custody_log != NULL &&
      !tg_custody_log_append_locked (self->custody_log, action, record_id,
                                     tg_revision_get_id (rev), error))
    return NULL;
  /* A file the log has never named entered the store with this report:
   * "imported", its hash the subject and the report the detail, so that
   * a source's history starts where the file came in. */
  if (self->custody_log != NULL && report != NULL)
    {
      GListModel *sources = tg_report_get_sources (report);

      for (guint i = 0; i < g_list_model_get_n_items (sources); i++)
        {
          g_autoptr(TgSource) source = g_list_model_get_item (sources, i);
          const char *sha256 = tg_source_get_sha256 (source);
          gboolean known = FALSE;

          if (sha256 == NULL ||
              tg_source_get_kind (source) != TG_SOURCE_KIND_FILE)
            continue;
          if (!tg_custody_log_has_subject_locked (self->custody_log, sha256, &known, error) ||
              (!known && !tg_custody_log_append_locked (self->custody_log, TG_CUSTODY_IMPORTED,
                                                        sha256, record_id, error)))
            return NULL;
        }
    }
  return g_steal_pointer (&rev);
}

TgRevision *
tg_store_record_incident_locked (TgStore            *self,
                                 const char         *incident_id,
                                 const char * const *parents,
                                 gboolean            deleted,
                                 const char         *content,
                                 TgCustodyAction     action,
                                 GError            **error)
{
  g_autoptr(TgRevision) rev = NULL;
  gboolean inserted;

  rev = tg_revision_new (incident_id, TG_REVISION_KIND_INCIDENT, parents, self->device_id,
                         ++self->device_seq, g_get_real_time (), deleted, content);
  if (!insert_revision_locked (self, rev, TRUE, &inserted, NULL, error) ||
      !tg_store_materialize_known_locked (self, incident_id, rev, NULL, error))
    return NULL;
  if (self->custody_log != NULL &&
      !tg_custody_log_append_locked (self->custody_log, action, incident_id,
                                     tg_revision_get_id (rev), error))
    return NULL;
  return g_steal_pointer (&rev);
}

gboolean
tg_store_begin (TgStore  *self,
                GError  **error)
{
  if (!tg_store_check_open (self, error))
    return FALSE;
  return tg_sqlite_begin (self->sql, error);
}

void
tg_store_rollback (TgStore *self)
{
  sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  tg_store_load_device_seq_locked (self, NULL);
}

gboolean
tg_store_commit (TgStore  *self,
                 gboolean  ok,
                 GError  **error)
{
  if (ok && tg_store_exec (self, "COMMIT", error))
    return TRUE;
  tg_store_rollback (self);
  return FALSE;
}

/* For tg-store-sync.c (tg-store-private.h). */

gboolean
tg_store_materialize_locked (TgStore     *self,
                             const char  *record_id,
                             GError     **error)
{
  return tg_store_materialize_known_locked (self, record_id, NULL, NULL, error);
}

TgRevision *
tg_store_record_revision_locked (TgStore            *self,
                                 TgReport           *report,
                                 const char         *content,
                                 const char * const *parents,
                                 GError            **error)
{
  return tg_store_record_local_revision_locked (self, tg_report_get_id (report), parents, FALSE, content,
                                                report, TG_CUSTODY_EDITED, error);
}

gboolean
tg_store_append_custody_events (TgStore             *self,
                                TgCustodyAction      action,
                                guint                n_events,
                                const char * const  *subjects,
                                const char * const  *details,
                                GError             **error)
{
  gboolean ok;

  g_return_val_if_fail (TG_IS_STORE (self), FALSE);
  g_return_val_if_fail (n_events == 0 || subjects != NULL, FALSE);

  if (n_events == 0)
    return TRUE;

  tg_store_lock (self);
  ok = tg_store_begin (self, error);
  if (ok && self->custody_log == NULL)
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_FAILED, "the store has no custody log");
      ok = FALSE;
    }
  for (guint i = 0; ok && i < n_events; i++)
    ok = tg_custody_log_append_locked (self->custody_log, action, subjects[i],
                                       details ? details[i] : NULL, error);
  ok = ok && tg_store_commit (self, TRUE, error);
  if (!ok && self->db != NULL && !sqlite3_get_autocommit (self->db))
    tg_store_rollback (self);
  tg_store_unlock (self);
  return ok;
}

/* Checks and inserts revisions from elsewhere inside the caller's
 * transaction. Adds to @touched the records that got a new revision (to
 * materialise) and to @learned those whose sync state changed because a
 * known revision learned its server sequence. */
gboolean
tg_store_insert_revisions_locked (TgStore     *self,
                                  GPtrArray   *revisions,
                                  GHashTable  *touched,
                                  GHashTable  *learned,
                                  guint       *n_inserted,
                                  GError     **error)
{
  guint count = 0;

  for (guint i = 0; i < revisions->len; i++)
    {
      TgRevision *rev = revisions->pdata[i];
      g_autofree char *check = NULL;
      gboolean inserted = FALSE;
      gboolean was_learned = FALSE;

      /* A revision built elsewhere is checked against its id. */
      check = tg_revision_compute_id (tg_revision_get_record_id (rev), tg_revision_get_kind (rev),
                                      tg_revision_get_parents (rev), tg_revision_get_device_id (rev),
                                      tg_revision_get_device_seq (rev),
                                      tg_revision_get_created_at (rev),
                                      tg_revision_get_deleted (rev),
                                      tg_revision_get_content (rev));
      if (g_strcmp0 (check, tg_revision_get_id (rev)) != 0)
        {
          g_set_error (error, TG_ERROR, TG_ERROR_HASH_MISMATCH,
                       _("Revision %s does not match its content."), tg_revision_get_id (rev));
          return FALSE;
        }
      if (g_strcmp0 (tg_revision_get_kind (rev), TG_REVISION_KIND_REPORT) == 0)
        {
          g_autoptr(TgReport) report =
            tg_report_new_from_json_string (tg_revision_get_content (rev), -1, error);

          if (report == NULL ||
              g_strcmp0 (tg_report_get_id (report), tg_revision_get_record_id (rev)) != 0)
            {
              if (report != NULL)
                g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                             "revision %s: the report inside belongs to another record",
                             tg_revision_get_id (rev));
              g_prefix_error (error, "revision %s: ", tg_revision_get_id (rev));
              return FALSE;
            }
        }
      else if (g_strcmp0 (tg_revision_get_kind (rev), TG_REVISION_KIND_INCIDENT) == 0)
        {
          g_autoptr(TgIncident) incident =
            tg_incident_new_from_json_string (tg_revision_get_content (rev), -1, error);

          if (incident == NULL ||
              g_strcmp0 (tg_incident_get_id (incident), tg_revision_get_record_id (rev)) != 0)
            {
              if (incident != NULL)
                g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                             "the incident inside belongs to another record");
              g_prefix_error (error, "revision %s: ", tg_revision_get_id (rev));
              return FALSE;
            }
        }

      if (!insert_revision_locked (self, rev, FALSE, &inserted, &was_learned, error))
        return FALSE;
      if (was_learned && learned != NULL)
        g_hash_table_add (learned, g_strdup (tg_revision_get_record_id (rev)));
      if (inserted)
        {
          count++;
          g_hash_table_add (touched, g_strdup (tg_revision_get_record_id (rev)));
          if (self->custody_log != NULL &&
              !tg_custody_log_append_locked (self->custody_log, TG_CUSTODY_RECEIVED,
                                             tg_revision_get_record_id (rev),
                                             tg_revision_get_id (rev), error))
            return FALSE;
        }
    }
  if (n_inserted != NULL)
    *n_inserted = count;
  return TRUE;
}

gboolean
tg_store_insert_revisions (TgStore    *self,
                           GPtrArray  *revisions,
                           guint      *n_inserted,
                           GError    **error)
{
  g_autoptr(GHashTable) touched = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) learned = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gboolean ok;
  guint count = 0;

  g_return_val_if_fail (TG_IS_STORE (self), FALSE);

  tg_store_lock (self);
  ok = tg_store_begin (self, error) &&
       tg_store_insert_revisions_locked (self, revisions, touched, learned, &count, error);
  if (ok)
    {
      GHashTableIter iter;
      gpointer key;

      g_hash_table_iter_init (&iter, touched);
      while (ok && g_hash_table_iter_next (&iter, &key, NULL))
        ok = tg_store_materialize_known_locked (self, key, NULL, NULL, error);
    }
  ok = tg_store_commit (self, ok, error);
  tg_store_unlock (self);

  if (ok)
    {
      GHashTableIter iter;
      gpointer key;

      g_hash_table_iter_init (&iter, touched);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        {
          tg_store_emit_changed (self, key);
          tg_store_emit_sync_changed (self, key);
        }
      g_hash_table_iter_init (&iter, learned);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        if (!g_hash_table_contains (touched, key))
          tg_store_emit_sync_changed (self, key);
    }
  if (n_inserted != NULL)
    *n_inserted = ok ? count : 0;
  return ok;
}
