/* tg-store-incident.c — the store's incident tables (schema 9): each
 * incident's current state, which incident holds which report, dismissed
 * duplicate pairs
 *
 * The truth is in the revisions (kind "incident"); these tables are a
 * cache of each incident's shown head, rewritten whenever a revision of
 * it arrives, made here or pulled. See docs/data-model.md.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-store"

#include "config.h"

#include <math.h>

#include "tg-incident.h"
#include "tg-store-private.h"

static const char *schema_v9 =
  "CREATE TABLE incidents ("
  "  incident_id TEXT PRIMARY KEY,"
  "  rev_id TEXT NOT NULL,"
  "  n_heads INTEGER NOT NULL DEFAULT 1,"
  "  deleted INTEGER NOT NULL DEFAULT 0,"
  "  title TEXT,"
  "  status TEXT NOT NULL,"
  "  status_reason TEXT,"
  "  start_time INTEGER,"
  "  latitude REAL,"
  "  longitude REAL,"
  "  region_code TEXT,"
  "  killed_min INTEGER NOT NULL DEFAULT -1,"
  "  killed_max INTEGER NOT NULL DEFAULT -1,"
  "  killed_figure INTEGER NOT NULL DEFAULT -1,"
  "  n_members INTEGER NOT NULL DEFAULT 0,"
  "  changed_seq INTEGER NOT NULL"
  ");"
  "CREATE INDEX incidents_changed ON incidents (deleted, changed_seq);"
  "CREATE TABLE incident_members ("
  "  report_id TEXT NOT NULL,"
  "  incident_id TEXT NOT NULL,"
  "  tombstoned INTEGER NOT NULL DEFAULT 0,"
  "  PRIMARY KEY (report_id, incident_id)"
  ") WITHOUT ROWID;"
  "CREATE INDEX incident_members_incident ON incident_members (incident_id);"
  "CREATE TABLE dismissed_pairs ("
  "  report_a TEXT NOT NULL,"
  "  report_b TEXT NOT NULL,"
  "  rev_a TEXT NOT NULL,"
  "  rev_b TEXT NOT NULL,"
  "  dismissed_at INTEGER NOT NULL,"
  "  PRIMARY KEY (report_a, report_b)"
  ") WITHOUT ROWID;"
  "ALTER TABLE reports ADD COLUMN origin_device TEXT;"
  "UPDATE reports SET origin_device = (SELECT r.device_id FROM revisions r "
  "  WHERE r.record_id = reports.id AND NOT EXISTS (SELECT 1 FROM revision_parents p "
  "  WHERE p.rev_id = r.rev_id) ORDER BY r.local_seq LIMIT 1);"
  "CREATE INDEX reports_origin ON reports (deleted, origin_device);";

gboolean
tg_store_incident_migrate_locked (TgStore  *self,
                                  GError  **error)
{
  TgSqlite *sql = tg_store_get_sql (self);
  g_autoptr(TgSqliteStmt) stmt = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  int rc;

  if (!tg_sqlite_exec (sql, schema_v9, error))
    return FALSE;

  /* Incidents pulled before this schema: their rows from their heads. */
  if (!(stmt = tg_sqlite_prepare (sql, "SELECT DISTINCT record_id FROM revisions WHERE kind = ?",
                                  error)))
    return FALSE;
  tg_sqlite_bind_text (stmt, 1, TG_REVISION_KIND_INCIDENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  if (rc != SQLITE_DONE)
    return tg_sqlite_fail (sql, error, "migrate incidents");
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);

  for (guint i = 0; i < ids->len; i++)
    if (!tg_store_materialize_locked (self, ids->pdata[i], error))
      return FALSE;
  return TRUE;
}

static void
bind_double_or_null (sqlite3_stmt *stmt,
                     int           index,
                     double        value)
{
  if (isnan (value))
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_double (stmt, index, value);
}

gboolean
tg_store_incident_materialize_locked (TgStore     *self,
                                      const char  *incident_id,
                                      TgRevision  *current,
                                      guint        n_heads,
                                      GError     **error)
{
  TgSqlite *sql = tg_store_get_sql (self);
  g_autoptr(TgSqliteStmt) stmt = NULL;
  g_autoptr(TgIncident) incident = NULL;
  g_autoptr(GDateTime) start = NULL;
  const TgIncidentCountValue *killed;
  gboolean deleted = tg_revision_get_deleted (current);

  incident = tg_incident_new_from_json_string (tg_revision_get_content (current), -1, error);
  if (incident == NULL)
    {
      g_prefix_error (error, "revision %s: ", tg_revision_get_id (current));
      return FALSE;
    }

  if (!(stmt = tg_sqlite_prepare (sql, "DELETE FROM incident_members WHERE incident_id = ?", error)))
    return FALSE;
  tg_sqlite_bind_text (stmt, 1, incident_id);
  if (!tg_sqlite_step_done (sql, stmt, error))
    return FALSE;
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);

  start = tg_incident_dup_start (incident);
  killed = tg_incident_get_count (incident, TG_INCIDENT_COUNT_KILLED);
  if (!(stmt = tg_sqlite_prepare (sql,
                                  "INSERT OR REPLACE INTO incidents (incident_id, rev_id, n_heads, deleted, "
                                  "title, status, status_reason, start_time, latitude, longitude, "
                                  "region_code, killed_min, killed_max, killed_figure, n_members, "
                                  "changed_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                                  "(SELECT coalesce (max (changed_seq), 0) + 1 FROM incidents))",
                                  error)))
    return FALSE;
  tg_sqlite_bind_text (stmt, 1, incident_id);
  tg_sqlite_bind_text (stmt, 2, tg_revision_get_id (current));
  sqlite3_bind_int (stmt, 3, n_heads);
  sqlite3_bind_int (stmt, 4, deleted);
  tg_sqlite_bind_text (stmt, 5, tg_incident_get_title (incident));
  tg_sqlite_bind_text (stmt, 6, tg_incident_status_to_string (tg_incident_get_status (incident)));
  tg_sqlite_bind_text (stmt, 7, tg_incident_get_status_reason (incident));
  if (start != NULL)
    sqlite3_bind_int64 (stmt, 8, g_date_time_to_unix (start));
  bind_double_or_null (stmt, 9, tg_incident_get_latitude (incident));
  bind_double_or_null (stmt, 10, tg_incident_get_longitude (incident));
  tg_sqlite_bind_text (stmt, 11, tg_incident_get_region_code (incident));
  sqlite3_bind_int (stmt, 12, killed->min);
  sqlite3_bind_int (stmt, 13, killed->max);
  sqlite3_bind_int (stmt, 14, killed->figure);
  sqlite3_bind_int (stmt, 15, tg_incident_get_n_members (incident));
  if (!tg_sqlite_step_done (sql, stmt, error))
    return FALSE;
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);

  /* A dissolved incident holds no report. */
  if (deleted)
    return TRUE;
  for (guint i = 0; i < tg_incident_get_n_members (incident); i++)
    {
      const TgIncidentMember *member = tg_incident_get_member (incident, i);

      if (!(stmt = tg_sqlite_prepare (sql, "INSERT OR REPLACE INTO incident_members "
                                      "(report_id, incident_id, tombstoned) VALUES (?, ?, ?)", error)))
        return FALSE;
      tg_sqlite_bind_text (stmt, 1, member->report_id);
      tg_sqlite_bind_text (stmt, 2, incident_id);
      sqlite3_bind_int (stmt, 3, member->tombstoned);
      if (!tg_sqlite_step_done (sql, stmt, error))
        return FALSE;
      g_clear_pointer (&stmt, tg_sqlite_stmt_release);
    }
  return TRUE;
}
