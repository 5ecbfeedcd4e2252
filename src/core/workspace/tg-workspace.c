/* tg-workspace.c — the coordinator's workspace: report lists, incidents
 * and every change to them, each one revision of the incident
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-workspace"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "tg-names.h"
#include "tg-store-private.h"
#include "tg-store-sync.h"
#include "tg-workspace.h"

struct _TgWorkspace
{
  GObject   parent_instance;

  TgStore  *store;
  char     *actor;
};

G_DEFINE_FINAL_TYPE (TgWorkspace, tg_workspace, G_TYPE_OBJECT)

/* Boxed types ----------------------------------------------------------- */

TgWorkspaceFilter *
tg_workspace_filter_new (void)
{
  TgWorkspaceFilter *filter = g_new0 (TgWorkspaceFilter, 1);

  filter->report_status = -1;
  filter->incident_status = -1;
  return filter;
}

TgWorkspaceFilter *
tg_workspace_filter_copy (const TgWorkspaceFilter *filter)
{
  TgWorkspaceFilter *copy;

  if (filter == NULL)
    return tg_workspace_filter_new ();
  copy = g_memdup2 (filter, sizeof *filter);
  copy->device_id = g_strdup (filter->device_id);
  copy->region_code = g_strdup (filter->region_code);
  copy->province_code = g_strdup (filter->province_code);
  copy->category = g_strdup (filter->category);
  return copy;
}

void
tg_workspace_filter_free (TgWorkspaceFilter *filter)
{
  if (filter == NULL)
    return;
  g_free (filter->device_id);
  g_free (filter->region_code);
  g_free (filter->province_code);
  g_free (filter->category);
  g_free (filter);
}

G_DEFINE_BOXED_TYPE (TgWorkspaceFilter, tg_workspace_filter,
                     tg_workspace_filter_copy, tg_workspace_filter_free)

TgWorkspaceReport *
tg_workspace_report_copy (const TgWorkspaceReport *row)
{
  TgWorkspaceReport *copy = g_memdup2 (row, sizeof *row);

  copy->report_id = g_strdup (row->report_id);
  copy->rev_id = g_strdup (row->rev_id);
  copy->title = g_strdup (row->title);
  copy->device_id = g_strdup (row->device_id);
  copy->region_code = g_strdup (row->region_code);
  copy->province_code = g_strdup (row->province_code);
  copy->place_name = g_strdup (row->place_name);
  copy->category = g_strdup (row->category);
  copy->incident_id = g_strdup (row->incident_id);
  return copy;
}

void
tg_workspace_report_free (TgWorkspaceReport *row)
{
  if (row == NULL)
    return;
  g_free (row->report_id);
  g_free (row->rev_id);
  g_free (row->title);
  g_free (row->device_id);
  g_free (row->region_code);
  g_free (row->province_code);
  g_free (row->place_name);
  g_free (row->category);
  g_free (row->incident_id);
  g_free (row);
}

G_DEFINE_BOXED_TYPE (TgWorkspaceReport, tg_workspace_report,
                     tg_workspace_report_copy, tg_workspace_report_free)

TgIncidentSummary *
tg_incident_summary_copy (const TgIncidentSummary *row)
{
  TgIncidentSummary *copy = g_memdup2 (row, sizeof *row);

  copy->incident_id = g_strdup (row->incident_id);
  copy->rev_id = g_strdup (row->rev_id);
  copy->title = g_strdup (row->title);
  copy->region_code = g_strdup (row->region_code);
  return copy;
}

void
tg_incident_summary_free (TgIncidentSummary *row)
{
  if (row == NULL)
    return;
  g_free (row->incident_id);
  g_free (row->rev_id);
  g_free (row->title);
  g_free (row->region_code);
  g_free (row);
}

G_DEFINE_BOXED_TYPE (TgIncidentSummary, tg_incident_summary,
                     tg_incident_summary_copy, tg_incident_summary_free)

void
tg_membership_conflict_free (TgMembershipConflict *conflict)
{
  if (conflict == NULL)
    return;
  g_free (conflict->report_id);
  g_strfreev (conflict->incident_ids);
  g_free (conflict);
}

void
tg_incident_bundle_free (TgIncidentBundle *bundle)
{
  if (bundle == NULL)
    return;
  g_clear_object (&bundle->incident);
  g_clear_pointer (&bundle->reports, g_ptr_array_unref);
  g_clear_pointer (&bundle->heads, g_ptr_array_unref);
  g_clear_pointer (&bundle->conflicts, g_ptr_array_unref);
  g_free (bundle);
}

/* Names ----------------------------------------------------------------- */

/* Two names of the same individual, by the dedupe's matcher (tg-names.h):
 * accents, case, word order, typos, initials, a missing second surname.
 * @cache keeps each name normalised once (a merge of 200 reports
 * compares every new mention with every person). */
static gboolean
names_match (GHashTable *cache,
             const char *a,
             const char *b)
{
  TgName *na;
  TgName *nb;

  if (a == NULL || b == NULL)
    return FALSE;
  if (!(na = g_hash_table_lookup (cache, a)))
    g_hash_table_insert (cache, g_strdup (a), na = tg_name_new (a));
  if (!(nb = g_hash_table_lookup (cache, b)))
    g_hash_table_insert (cache, g_strdup (b), nb = tg_name_new (b));
  return tg_name_matches (na, nb);
}

/* Helpers --------------------------------------------------------------- */

static gboolean
fail_sql (TgWorkspace  *self,
          GError      **error,
          const char   *what)
{
  return tg_sqlite_fail (tg_store_get_sql (self->store), error, what);
}

static TgSqliteStmt *
prepare (TgWorkspace  *self,
         const char   *sql,
         GError      **error)
{
  return tg_sqlite_prepare (tg_store_get_sql (self->store), sql, error);
}

static char *
column_dup (sqlite3_stmt *stmt,
            int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

static TgIncidentStatus
status_from_column (sqlite3_stmt *stmt,
                    int           column)
{
  TgIncidentStatus status = TG_INCIDENT_STATUS_UNVERIFIED;

  tg_incident_status_from_string ((const char *) sqlite3_column_text (stmt, column), &status);
  return status;
}

/* A member report as it is now: its shown head, live or, when its
 * monitor deleted it, the tombstone (whose content is the last state).
 * NULL with TG_ERROR_NOT_FOUND when the store has no revision of it. */
static TgReport *
load_member_report (TgWorkspace  *self,
                    const char   *report_id,
                    char        **rev_id,
                    gboolean     *deleted,
                    GError      **error)
{
  g_autoptr(GPtrArray) heads = tg_store_list_heads (self->store, report_id, error);
  TgRevision *head;
  TgReport *report;
  const char *ids[2] = { NULL, NULL };

  if (heads == NULL)
    return NULL;
  if (heads->len == 0)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_NOT_FOUND, _("There is no report %s."), report_id);
      return NULL;
    }
  head = heads->pdata[0];
  if (g_strcmp0 (tg_revision_get_kind (head), TG_REVISION_KIND_REPORT) != 0)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID, _("%s is not a report."), report_id);
      return NULL;
    }
  report = tg_report_new_from_json_string (tg_revision_get_content (head), -1, error);
  if (report == NULL)
    return NULL;
  ids[0] = tg_revision_get_id (head);
  tg_report_set_base_revisions (report, ids);
  tg_report_set_n_heads (report, heads->len);
  if (rev_id != NULL)
    *rev_id = g_strdup (ids[0]);
  if (deleted != NULL)
    *deleted = tg_revision_get_deleted (head);
  return report;
}

static TgIncident *
incident_from_revision (TgRevision  *rev,
                        guint        n_heads,
                        GError     **error)
{
  const char *ids[] = { tg_revision_get_id (rev), NULL };
  TgIncident *incident;

  incident = tg_incident_new_from_json_string (tg_revision_get_content (rev), -1, error);
  if (incident == NULL)
    return NULL;
  tg_incident_set_base_revisions (incident, ids);
  tg_incident_set_n_heads (incident, n_heads);
  return incident;
}

/* The incident's heads, shown one first; TG_ERROR_NOT_FOUND when there
 * is none, or (unless @include_dissolved) when it is dissolved. */
static GPtrArray *
incident_heads (TgWorkspace  *self,
                const char   *incident_id,
                gboolean      include_dissolved,
                GError      **error)
{
  g_autoptr(GPtrArray) heads = NULL;

  g_return_val_if_fail (incident_id != NULL, NULL);

  if (!(heads = tg_store_list_heads (self->store, incident_id, error)))
    return NULL;
  if (heads->len == 0 ||
      g_strcmp0 (tg_revision_get_kind (heads->pdata[0]), TG_REVISION_KIND_INCIDENT) != 0)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_NOT_FOUND, _("There is no incident %s."), incident_id);
      return NULL;
    }
  if (!include_dissolved && tg_revision_get_deleted (heads->pdata[0]))
    {
      g_set_error (error, TG_ERROR, TG_ERROR_NOT_FOUND,
                   _("The incident %s was dissolved."), incident_id);
      return NULL;
    }
  return g_steal_pointer (&heads);
}

/* The live incidents holding @report_id, other than @except. */
static GPtrArray *
incidents_holding (TgWorkspace  *self,
                   const char   *report_id,
                   const char   *except,
                   GError      **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  int rc;

  if (!(stmt = prepare (self, "SELECT incident_id FROM incident_members WHERE report_id = ? "
                        "ORDER BY incident_id", error)))
    return NULL;
  tg_sqlite_bind_text (stmt, 1, report_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    if (g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0), except) != 0)
      g_ptr_array_add (ids, column_dup (stmt, 0));
  if (rc != SQLITE_DONE)
    {
      fail_sql (self, error, "incident members");
      return NULL;
    }
  return g_steal_pointer (&ids);
}

/* Whether @report has a value for @field worth taking. */
static gboolean
field_present (TgIncidentField  field,
               TgReport        *report)
{
  switch (field)
    {
    case TG_INCIDENT_FIELD_TITLE:
      return tg_report_get_title (report) != NULL && *tg_report_get_title (report) != '\0';
    case TG_INCIDENT_FIELD_NARRATIVE:
      return tg_report_get_narrative (report) != NULL && *tg_report_get_narrative (report) != '\0';
    case TG_INCIDENT_FIELD_WHEN:
      return tg_report_get_start (report) != NULL;
    case TG_INCIDENT_FIELD_LOCATION:
      return tg_report_has_location (report);
    case TG_INCIDENT_FIELD_PLACE:
      return tg_report_get_place_name (report) != NULL || tg_report_get_region_code (report) != NULL ||
             tg_report_get_province_code (report) != NULL;
    case TG_INCIDENT_FIELD_CATEGORIES:
      return tg_report_get_categories (report) != NULL && tg_report_get_categories (report)[0] != NULL;
    case TG_INCIDENT_FIELD_PERPETRATORS:
      return (tg_report_get_perpetrators (report) != NULL && tg_report_get_perpetrators (report)[0] != NULL) ||
             tg_report_get_perpetrator_unit (report) != NULL;
    case TG_INCIDENT_N_FIELDS:
    default:
      return FALSE;
    }
}

/* The member reports, by id (last state for deleted ones); members the
 * store does not hold yet are left out. */
static GHashTable *
load_members (TgWorkspace  *self,
              TgIncident   *incident,
              GError      **error)
{
  g_autoptr(GHashTable) reports = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);

  for (guint i = 0; i < tg_incident_get_n_members (incident); i++)
    {
      const TgIncidentMember *member = tg_incident_get_member (incident, i);
      g_autoptr(GError) local_error = NULL;
      g_autofree char *rev_id = NULL;
      gboolean deleted = FALSE;
      TgReport *report = load_member_report (self, member->report_id, &rev_id, &deleted, &local_error);

      if (report == NULL)
        {
          if (g_error_matches (local_error, TG_ERROR, TG_ERROR_NOT_FOUND))
            continue;
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      g_hash_table_insert (reports, g_strdup (member->report_id), report);
      /* The link follows the report: its head now, and whether its
       * monitor deleted it. */
      tg_incident_set_member_state (incident, member->report_id, rev_id, deleted);
    }
  return g_steal_pointer (&reports);
}

/* Fields no member gives yet take the first member's value that has one
 * (in member order). */
static void
fill_fields (TgIncident *incident,
             GHashTable *reports,
             const char * const *prefer)
{
  for (guint f = 0; f < TG_INCIDENT_N_FIELDS; f++)
    {
      if (tg_incident_get_field_provenance (incident, f)->kind != TG_PROVENANCE_NONE)
        continue;
      /* The reports named first (a merge's order), then every member. */
      for (guint i = 0; prefer != NULL && prefer[i] != NULL; i++)
        {
          TgReport *report = g_hash_table_lookup (reports, prefer[i]);

          if (report != NULL && field_present (f, report))
            {
              tg_incident_set_field_from_report (incident, f, report);
              break;
            }
        }
      for (guint i = 0; tg_incident_get_field_provenance (incident, f)->kind == TG_PROVENANCE_NONE &&
                        i < tg_incident_get_n_members (incident); i++)
        {
          TgReport *report = g_hash_table_lookup (reports, tg_incident_get_member (incident, i)->report_id);

          if (report != NULL && field_present (f, report))
            tg_incident_set_field_from_report (incident, f, report);
        }
    }
}

static void
compute_counts (TgIncident *incident,
                GHashTable *reports)
{
  for (guint c = 0; c < TG_INCIDENT_N_COUNTS; c++)
    {
      tg_incident_clear_count_sources (incident, c);
      for (guint i = 0; i < tg_incident_get_n_members (incident); i++)
        {
          const char *report_id = tg_incident_get_member (incident, i)->report_id;
          TgReport *report = g_hash_table_lookup (reports, report_id);

          if (report != NULL)
            tg_incident_add_count_source (incident, c, report_id,
                                          tg_incident_count_from_report (c, report));
        }
    }
}

static TgPerson *
find_report_person (TgReport   *report,
                    const char *person_id)
{
  GListModel *persons = tg_report_get_persons (report);

  for (guint i = 0; i < g_list_model_get_n_items (persons); i++)
    {
      g_autoptr(TgPerson) person = g_list_model_get_item (persons, i);

      if (g_strcmp0 (tg_person_get_id (person), person_id) == 0)
        return g_steal_pointer (&person);
    }
  return NULL;
}

/* Whether incident person @person is the individual @name (@role)
 * mentioned in report @report_id. Never two mentions of one report: a
 * report that names someone twice means two people. */
static gboolean
person_matches (const TgIncidentPerson *person,
                GHashTable             *reports,
                GHashTable             *cache,
                const char             *report_id,
                const char             *name,
                TgPersonRole            role)
{
  if (person->role != role || name == NULL)
    return FALSE;
  for (guint i = 0; i < person->n_links; i++)
    if (g_strcmp0 (person->links[i].report_id, report_id) == 0)
      return FALSE;
  if (names_match (cache, person->name, name))
    return TRUE;
  for (guint i = 0; i < person->n_links; i++)
    {
      TgReport *report = g_hash_table_lookup (reports, person->links[i].report_id);
      g_autoptr(TgPerson) mention = report ? find_report_person (report, person->links[i].person_id) : NULL;
      const char *other = mention ? tg_person_get_name (mention) : NULL;

      /* The person's own name was tried just above. */
      if (other != NULL && g_strcmp0 (other, person->name) != 0 && names_match (cache, other, name))
        return TRUE;
    }
  return FALSE;
}

/* Every mention no person holds yet joins the person it matches, or
 * becomes a person of its own. Matches and splits made by hand stay. */
static void
match_persons (TgIncident *incident,
               GHashTable *reports)
{
  g_autoptr(GHashTable) cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                       (GDestroyNotify) tg_name_free);

  for (guint i = 0; i < tg_incident_get_n_members (incident); i++)
    {
      const char *report_id = tg_incident_get_member (incident, i)->report_id;
      TgReport *report = g_hash_table_lookup (reports, report_id);
      GListModel *persons;

      if (report == NULL)
        continue;
      persons = tg_report_get_persons (report);
      for (guint j = 0; j < g_list_model_get_n_items (persons); j++)
        {
          g_autoptr(TgPerson) mention = g_list_model_get_item (persons, j);
          const char *mention_id = tg_person_get_id (mention);
          const char *name = tg_person_get_name (mention);
          gboolean linked = FALSE;

          if (tg_incident_find_person_by_link (incident, report_id, mention_id) != NULL)
            continue;
          for (guint k = 0; k < tg_incident_get_n_persons (incident) && !linked; k++)
            {
              const TgIncidentPerson *person = tg_incident_get_person (incident, k);

              if (person_matches (person, reports, cache, report_id, name, tg_person_get_role (mention)))
                linked = tg_incident_link_person (incident, person->id, report_id, mention_id);
            }
          if (!linked)
            tg_incident_add_person (incident, name, tg_person_get_role (mention), report_id, mention_id);
        }
    }
}

/* Recording ------------------------------------------------------------- */

/* Checks that every base revision of @incident is a head of it now. */
static gboolean
check_base (TgWorkspace  *self,
            TgIncident   *incident,
            GError      **error)
{
  const char * const *base = tg_incident_get_base_revisions (incident);
  g_autoptr(GPtrArray) heads = tg_store_list_heads (self->store, tg_incident_get_id (incident), error);

  if (heads == NULL)
    return FALSE;
  for (guint i = 0; base != NULL && base[i] != NULL; i++)
    {
      gboolean found = FALSE;

      for (guint j = 0; j < heads->len && !found; j++)
        found = g_strcmp0 (tg_revision_get_id (heads->pdata[j]), base[i]) == 0;
      if (!found)
        {
          g_set_error (error, TG_ERROR, TG_ERROR_CONFLICT,
                       _("The incident changed meanwhile (on this device or in a sync). "
                         "Open it again to see the change; nothing was saved."));
          return FALSE;
        }
    }
  if ((base == NULL || base[0] == NULL) && heads->len > 0)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_CONFLICT,
                   _("An incident with this id exists already."));
      return FALSE;
    }
  return TRUE;
}

/* Each member's link follows its report: the head the store shows now,
 * and whether its monitor deleted it. A report the store does not hold
 * (not pulled yet) keeps what the incident says. */
static gboolean
refresh_members_locked (TgWorkspace  *self,
                        TgIncident   *incident,
                        GError      **error)
{
  for (guint i = 0; i < tg_incident_get_n_members (incident); i++)
    {
      const TgIncidentMember *member = tg_incident_get_member (incident, i);
      g_autoptr(TgSqliteStmt) stmt = prepare (self, "SELECT rev_id, deleted FROM reports WHERE id = ?", error);
      int rc;

      if (stmt == NULL)
        return FALSE;
      tg_sqlite_bind_text (stmt, 1, member->report_id);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        tg_incident_set_member_state (incident, member->report_id,
                                      (const char *) sqlite3_column_text (stmt, 0),
                                      sqlite3_column_int (stmt, 1));
      else if (rc != SQLITE_DONE)
        return fail_sql (self, error, "incident members");
    }
  return TRUE;
}

/* Records @incident as a child of its base revisions, inside the caller's
 * transaction. An unchanged incident records nothing. */
static gboolean
record_locked (TgWorkspace      *self,
               TgIncident       *incident,
               gboolean          deleted,
               TgCustodyAction   action,
               gboolean         *changed,
               GError          **error)
{
  const char * const *base = tg_incident_get_base_revisions (incident);
  g_autofree char *content = NULL;
  g_autoptr(TgRevision) rev = NULL;
  g_autoptr(GPtrArray) heads = NULL;

  *changed = FALSE;
  if (!refresh_members_locked (self, incident, error) ||
      !tg_incident_validate (incident, error))
    return FALSE;
  content = tg_incident_to_json_string (incident);

  if (base != NULL && base[0] != NULL && base[1] == NULL)
    {
      g_autoptr(TgRevision) current = tg_store_get_revision (self->store, base[0], error);

      if (current == NULL)
        return FALSE;
      if (tg_revision_get_deleted (current) == deleted &&
          g_strcmp0 (tg_revision_get_content (current), content) == 0)
        return TRUE;
    }

  rev = tg_store_record_incident_locked (self->store, tg_incident_get_id (incident), base,
                                         deleted, content, action, error);
  if (rev == NULL)
    return FALSE;
  if (!(heads = tg_store_list_head_ids_locked (self->store, tg_incident_get_id (incident), error)))
    return FALSE;
  {
    const char *ids[] = { tg_revision_get_id (rev), NULL };

    tg_incident_set_base_revisions (incident, ids);
    tg_incident_set_n_heads (incident, heads->len);
  }
  *changed = TRUE;
  return TRUE;
}

typedef gboolean (*EditFunc) (TgWorkspace  *self,
                              TgIncident   *incident,
                              gpointer      data,
                              GError      **error);

/* Loads the incident's shown head, lets @func change it and records the
 * result as its child, all in one transaction. */
static TgIncident *
edit_incident (TgWorkspace      *self,
               const char       *incident_id,
               EditFunc          func,
               gpointer          data,
               TgCustodyAction   action,
               GError          **error)
{
  g_autoptr(TgIncident) incident = NULL;
  gboolean changed = FALSE;
  gboolean ok = FALSE;

  g_return_val_if_fail (TG_IS_WORKSPACE (self), NULL);
  g_return_val_if_fail (incident_id != NULL, NULL);

  tg_store_lock (self->store);
  if (tg_store_begin (self->store, error))
    {
      g_autoptr(GPtrArray) heads = incident_heads (self, incident_id, FALSE, error);

      if (heads != NULL &&
          (incident = incident_from_revision (heads->pdata[0], heads->len, error)) != NULL)
        ok = func (self, incident, data, error) &&
             record_locked (self, incident, FALSE, action, &changed, error);
      ok = tg_store_commit (self->store, ok, error);
    }
  tg_store_unlock (self->store);

  if (!ok)
    return NULL;
  if (changed)
    tg_store_emit_incident_changed (self->store, incident_id);
  return g_steal_pointer (&incident);
}

/* GObject --------------------------------------------------------------- */

static void
tg_workspace_finalize (GObject *object)
{
  TgWorkspace *self = TG_WORKSPACE (object);

  g_clear_object (&self->store);
  g_free (self->actor);

  G_OBJECT_CLASS (tg_workspace_parent_class)->finalize (object);
}

static void
tg_workspace_class_init (TgWorkspaceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tg_workspace_finalize;
}

static void
tg_workspace_init (TgWorkspace *self)
{
}

TgWorkspace *
tg_workspace_new (TgStore *store)
{
  TgWorkspace *self;

  g_return_val_if_fail (TG_IS_STORE (store), NULL);

  self = g_object_new (TG_TYPE_WORKSPACE, NULL);
  self->store = g_object_ref (store);
  return self;
}

TgStore *
tg_workspace_get_store (TgWorkspace *self)
{
  g_return_val_if_fail (TG_IS_WORKSPACE (self), NULL);
  return self->store;
}

const char *
tg_workspace_get_actor (TgWorkspace *self)
{
  g_return_val_if_fail (TG_IS_WORKSPACE (self), NULL);
  return self->actor ? self->actor : tg_store_get_device_id (self->store);
}

void
tg_workspace_set_actor (TgWorkspace *self,
                        const char  *actor)
{
  g_return_if_fail (TG_IS_WORKSPACE (self));
  g_free (self->actor);
  self->actor = actor && *actor ? g_strdup (actor) : NULL;
}

/* Reports --------------------------------------------------------------- */

GPtrArray *
tg_workspace_list_reports (TgWorkspace              *self,
                           const TgWorkspaceFilter  *filter,
                           GError                  **error)
{
  g_autoptr(TgWorkspaceFilter) any = NULL;
  g_autoptr(TgSqliteStmt) stmt = NULL;
  g_autoptr(GString) sql = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) tg_workspace_report_free);
  gboolean ok = FALSE;
  int rc;

  g_return_val_if_fail (TG_IS_WORKSPACE (self), NULL);

  if (filter == NULL)
    filter = any = tg_workspace_filter_new ();

  tg_store_lock (self->store);
  if (!tg_store_check_open (self->store, error))
    goto out;
  /* Only the conditions the filter sets, so that SQLite can use the
   * index of each (monitor, region, start); each variant's statement is
   * prepared once and kept. */
  sql = g_string_new ("SELECT r.rowid, r.id, r.rev_id, r.title, r.origin_device, r.region_code, "
                      "  r.province_code, r.place_name, r.category, r.start_time, r.status, r.killed, "
                      "  r.n_heads, i.incident_id, i.status, "
                      "  (SELECT count(*) FROM incident_members c WHERE c.report_id = r.id) "
                      "FROM reports r "
                      "LEFT JOIN incidents i ON i.incident_id = (SELECT m.incident_id FROM incident_members m "
                      "  JOIN incidents j ON j.incident_id = m.incident_id WHERE m.report_id = r.id "
                      "  ORDER BY j.changed_seq DESC LIMIT 1) "
                      "WHERE r.deleted = 0 ");
  if (filter->device_id != NULL)
    g_string_append (sql, "AND r.origin_device = ?1 ");
  if (filter->region_code != NULL)
    g_string_append (sql, "AND r.region_code = ?2 ");
  if (filter->province_code != NULL)
    g_string_append (sql, "AND r.province_code = ?3 ");
  if (filter->start_from != 0)
    g_string_append (sql, "AND r.start_time >= ?4 ");
  if (filter->start_until != 0)
    g_string_append (sql, "AND r.start_time <= ?5 ");
  if (filter->category != NULL)
    g_string_append (sql, "AND EXISTS (SELECT 1 FROM report_categories k "
                          "WHERE k.category = ?6 AND k.report_rowid = r.rowid) ");
  if (filter->report_status >= 0)
    g_string_append (sql, "AND r.status = ?7 ");
  if (filter->not_in_incident)
    g_string_append (sql, "AND NOT EXISTS (SELECT 1 FROM incident_members n WHERE n.report_id = r.id) ");
  if (filter->incident_status >= 0)
    g_string_append (sql, "AND EXISTS (SELECT 1 FROM incident_members s JOIN incidents t "
                          "ON t.incident_id = s.incident_id WHERE s.report_id = r.id AND t.status = ?9) ");
  g_string_append (sql, "ORDER BY r.rowid DESC LIMIT ?10 OFFSET ?11");
  stmt = prepare (self, sql->str, error);
  if (stmt == NULL)
    goto out;
  tg_sqlite_bind_text (stmt, 1, filter->device_id);
  tg_sqlite_bind_text (stmt, 2, filter->region_code);
  tg_sqlite_bind_text (stmt, 3, filter->province_code);
  sqlite3_bind_int64 (stmt, 4, filter->start_from);
  sqlite3_bind_int64 (stmt, 5, filter->start_until);
  tg_sqlite_bind_text (stmt, 6, filter->category);
  tg_sqlite_bind_text (stmt, 7, filter->report_status >= 0 ?
                       tg_report_status_to_string (filter->report_status) : NULL);
  sqlite3_bind_int (stmt, 8, filter->not_in_incident);
  tg_sqlite_bind_text (stmt, 9, filter->incident_status >= 0 ?
                       tg_incident_status_to_string (filter->incident_status) : NULL);
  sqlite3_bind_int64 (stmt, 10, filter->limit > 0 ? (gint64) filter->limit : -1);
  sqlite3_bind_int64 (stmt, 11, filter->offset);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TgWorkspaceReport *row = g_new0 (TgWorkspaceReport, 1);

      row->rowid = sqlite3_column_int64 (stmt, 0);
      row->report_id = column_dup (stmt, 1);
      row->rev_id = column_dup (stmt, 2);
      row->title = column_dup (stmt, 3);
      row->device_id = column_dup (stmt, 4);
      row->region_code = column_dup (stmt, 5);
      row->province_code = column_dup (stmt, 6);
      row->place_name = column_dup (stmt, 7);
      row->category = column_dup (stmt, 8);
      row->start = sqlite3_column_int64 (stmt, 9);
      row->report_status = TG_REPORT_STATUS_DRAFT;
      tg_report_status_from_string ((const char *) sqlite3_column_text (stmt, 10), &row->report_status);
      row->killed = sqlite3_column_int (stmt, 11);
      row->n_heads = sqlite3_column_int (stmt, 12);
      row->incident_id = column_dup (stmt, 13);
      row->incident_status = status_from_column (stmt, 14);
      row->n_incidents = sqlite3_column_int (stmt, 15);
      g_ptr_array_add (rows, row);
    }
  ok = rc == SQLITE_DONE || fail_sql (self, error, "list reports");

out:
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);
  tg_store_unlock (self->store);
  return ok ? g_steal_pointer (&rows) : NULL;
}

GStrv
tg_workspace_list_monitors (TgWorkspace  *self,
                            GError      **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();
  gboolean ok = FALSE;
  int rc;

  g_return_val_if_fail (TG_IS_WORKSPACE (self), NULL);

  tg_store_lock (self->store);
  if (!tg_store_check_open (self->store, error))
    goto out;
  /* reports_origin (deleted, origin_device) answers it alone. */
  stmt = prepare (self, "SELECT DISTINCT origin_device FROM reports "
                        "WHERE deleted = 0 AND origin_device IS NOT NULL AND origin_device <> '' "
                        "ORDER BY origin_device", error);
  if (stmt == NULL)
    goto out;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_strv_builder_add (ids, (const char *) sqlite3_column_text (stmt, 0));
  ok = rc == SQLITE_DONE || fail_sql (self, error, "list monitors");

out:
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);
  tg_store_unlock (self->store);
  return ok ? g_strv_builder_end (ids) : NULL;
}

gboolean
tg_workspace_get_report_incident (TgWorkspace       *self,
                                  const char        *report_id,
                                  char             **incident_id,
                                  TgIncidentStatus  *status,
                                  char             **reason,
                                  GError           **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  gboolean ok = FALSE;
  int rc;

  g_return_val_if_fail (TG_IS_WORKSPACE (self), FALSE);
  g_return_val_if_fail (report_id != NULL && incident_id != NULL, FALSE);

  *incident_id = NULL;
  tg_store_lock (self->store);
  if (tg_store_check_open (self->store, error) &&
      (stmt = prepare (self, "SELECT i.incident_id, i.status, i.status_reason FROM incident_members m "
                       "JOIN incidents i ON i.incident_id = m.incident_id WHERE m.report_id = ? "
                       "ORDER BY i.changed_seq DESC LIMIT 1", error)))
    {
      tg_sqlite_bind_text (stmt, 1, report_id);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          *incident_id = column_dup (stmt, 0);
          if (status != NULL)
            *status = status_from_column (stmt, 1);
          if (reason != NULL)
            *reason = column_dup (stmt, 2);
        }
      ok = rc == SQLITE_ROW || rc == SQLITE_DONE || fail_sql (self, error, "report incident");
    }
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);
  tg_store_unlock (self->store);
  return ok;
}

/* Incidents ------------------------------------------------------------- */

GPtrArray *
tg_workspace_list_incidents (TgWorkspace  *self,
                             int           status,
                             GError      **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) tg_incident_summary_free);
  gboolean ok = FALSE;
  int rc;

  g_return_val_if_fail (TG_IS_WORKSPACE (self), NULL);

  tg_store_lock (self->store);
  if (!tg_store_check_open (self->store, error) ||
      !(stmt = prepare (self,
                        "SELECT i.incident_id, i.rev_id, i.title, i.status, i.start_time, i.latitude, "
                        "  i.longitude, i.region_code, i.killed_min, i.killed_max, i.killed_figure, "
                        "  i.n_members, i.n_heads, "
                        "  (SELECT count(*) FROM incident_members m LEFT JOIN reports r ON r.id = m.report_id "
                        "   WHERE m.incident_id = i.incident_id AND (m.tombstoned OR r.deleted = 1)), "
                        "  (SELECT count(*) FROM incident_members m WHERE m.incident_id = i.incident_id "
                        "   AND EXISTS (SELECT 1 FROM incident_members o WHERE o.report_id = m.report_id "
                        "   AND o.incident_id != m.incident_id)) "
                        "FROM incidents i WHERE i.deleted = 0 AND (?1 IS NULL OR i.status = ?1) "
                        "ORDER BY i.changed_seq DESC", error)))
    goto out;
  tg_sqlite_bind_text (stmt, 1, status >= 0 ? tg_incident_status_to_string (status) : NULL);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TgIncidentSummary *row = g_new0 (TgIncidentSummary, 1);

      row->incident_id = column_dup (stmt, 0);
      row->rev_id = column_dup (stmt, 1);
      row->title = column_dup (stmt, 2);
      row->status = status_from_column (stmt, 3);
      row->start = sqlite3_column_int64 (stmt, 4);
      row->latitude = sqlite3_column_type (stmt, 5) == SQLITE_NULL ? NAN : sqlite3_column_double (stmt, 5);
      row->longitude = sqlite3_column_type (stmt, 6) == SQLITE_NULL ? NAN : sqlite3_column_double (stmt, 6);
      row->region_code = column_dup (stmt, 7);
      row->killed_min = sqlite3_column_int (stmt, 8);
      row->killed_max = sqlite3_column_int (stmt, 9);
      row->killed_figure = sqlite3_column_int (stmt, 10);
      row->n_members = sqlite3_column_int (stmt, 11);
      row->n_heads = sqlite3_column_int (stmt, 12);
      row->n_tombstoned = sqlite3_column_int (stmt, 13);
      row->n_shared = sqlite3_column_int (stmt, 14);
      g_ptr_array_add (rows, row);
    }
  ok = rc == SQLITE_DONE || fail_sql (self, error, "list incidents");

out:
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);
  tg_store_unlock (self->store);
  return ok ? g_steal_pointer (&rows) : NULL;
}

static int
compare_strv_items (gconstpointer a,
                    gconstpointer b,
                    gpointer      user_data)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

static GPtrArray *
list_conflicts (TgWorkspace  *self,
                const char   *incident_id,
                GError      **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) tg_membership_conflict_free);
  gboolean ok = FALSE;
  int rc;

  tg_store_lock (self->store);
  if (!tg_store_check_open (self->store, error) ||
      !(stmt = prepare (self,
                        "SELECT report_id, group_concat (incident_id, ' ') FROM incident_members "
                        "WHERE ?1 IS NULL OR report_id IN (SELECT report_id FROM incident_members "
                        "  WHERE incident_id = ?1) "
                        "GROUP BY report_id HAVING count(*) > 1 ORDER BY report_id", error)))
    goto out;
  tg_sqlite_bind_text (stmt, 1, incident_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TgMembershipConflict *conflict = g_new0 (TgMembershipConflict, 1);

      conflict->report_id = column_dup (stmt, 0);
      conflict->incident_ids = g_strsplit ((const char *) sqlite3_column_text (stmt, 1), " ", -1);
      g_qsort_with_data (conflict->incident_ids, g_strv_length (conflict->incident_ids),
                         sizeof (char *), compare_strv_items, NULL);
      g_ptr_array_add (rows, conflict);
    }
  ok = rc == SQLITE_DONE || fail_sql (self, error, "membership conflicts");

out:
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);
  tg_store_unlock (self->store);
  return ok ? g_steal_pointer (&rows) : NULL;
}

GPtrArray *
tg_workspace_list_membership_conflicts (TgWorkspace  *self,
                                        GError      **error)
{
  g_return_val_if_fail (TG_IS_WORKSPACE (self), NULL);
  return list_conflicts (self, NULL, error);
}

TgIncident *
tg_workspace_load_incident (TgWorkspace  *self,
                            const char   *incident_id,
                            GError      **error)
{
  g_autoptr(GPtrArray) heads = NULL;

  g_return_val_if_fail (TG_IS_WORKSPACE (self), NULL);

  if (!(heads = incident_heads (self, incident_id, FALSE, error)))
    return NULL;
  return incident_from_revision (heads->pdata[0], heads->len, error);
}

GPtrArray *
tg_workspace_list_incident_heads (TgWorkspace  *self,
                                  const char   *incident_id,
                                  GError      **error)
{
  g_autoptr(GPtrArray) heads = NULL;
  g_autoptr(GPtrArray) incidents = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_val_if_fail (TG_IS_WORKSPACE (self), NULL);

  if (!(heads = incident_heads (self, incident_id, TRUE, error)))
    return NULL;
  for (guint i = 0; i < heads->len; i++)
    {
      TgIncident *incident = incident_from_revision (heads->pdata[i], heads->len, error);

      if (incident == NULL)
        return NULL;
      g_ptr_array_add (incidents, incident);
    }
  return g_steal_pointer (&incidents);
}

TgIncidentBundle *
tg_workspace_load_bundle (TgWorkspace  *self,
                          const char   *incident_id,
                          GError      **error)
{
  g_autoptr(TgIncidentBundle) bundle = g_new0 (TgIncidentBundle, 1);
  g_autoptr(GHashTable) reports = NULL;

  g_return_val_if_fail (TG_IS_WORKSPACE (self), NULL);

  if (!(bundle->incident = tg_workspace_load_incident (self, incident_id, error)) ||
      !(reports = load_members (self, bundle->incident, error)) ||
      !(bundle->heads = tg_workspace_list_incident_heads (self, incident_id, error)) ||
      !(bundle->conflicts = list_conflicts (self, incident_id, error)))
    return NULL;
  bundle->reports = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < tg_incident_get_n_members (bundle->incident); i++)
    {
      TgReport *report = g_hash_table_lookup (reports, tg_incident_get_member (bundle->incident, i)->report_id);

      if (report != NULL)
        g_ptr_array_add (bundle->reports, g_object_ref (report));
    }
  return g_steal_pointer (&bundle);
}

/* Changes --------------------------------------------------------------- */

/* Checks that @report_id can join an incident (not @incident_id's own
 * members): live, a report, in no other live incident. */
static TgReport *
load_joining_report (TgWorkspace  *self,
                     const char   *report_id,
                     const char   *incident_id,
                     char        **rev_id,
                     GError      **error)
{
  g_autoptr(TgReport) report = NULL;
  g_autoptr(GPtrArray) holders = NULL;
  gboolean deleted = FALSE;

  if (!(report = load_member_report (self, report_id, rev_id, &deleted, error)))
    return NULL;
  if (deleted)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_NOT_FOUND,
                   _("The report “%s” was deleted by its monitor."),
                   tg_report_get_title (report) ? tg_report_get_title (report) : report_id);
      return NULL;
    }
  if (!(holders = incidents_holding (self, report_id, incident_id, error)))
    return NULL;
  if (holders->len > 0)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_CONFLICT,
                   _("The report “%s” is already in another incident. Remove it from that "
                     "incident first, or add the other reports to it."),
                   tg_report_get_title (report) ? tg_report_get_title (report) : report_id);
      return NULL;
    }
  return g_steal_pointer (&report);
}

static gboolean
add_reports (TgWorkspace         *self,
             TgIncident          *incident,
             const char * const  *report_ids,
             GError             **error)
{
  g_autoptr(GHashTable) reports = NULL;

  for (guint i = 0; report_ids[i] != NULL; i++)
    {
      g_autoptr(TgReport) report = NULL;
      g_autofree char *rev_id = NULL;

      if (tg_incident_find_member (incident, report_ids[i]) != NULL)
        continue;
      if (!(report = load_joining_report (self, report_ids[i], tg_incident_get_id (incident),
                                          &rev_id, error)))
        return FALSE;
      tg_incident_add_member (incident, report_ids[i], rev_id);
    }
  if (!(reports = load_members (self, incident, error)))
    return FALSE;
  fill_fields (incident, reports, report_ids);
  compute_counts (incident, reports);
  match_persons (incident, reports);
  return TRUE;
}

TgIncident *
tg_workspace_merge (TgWorkspace         *self,
                    const char * const  *report_ids,
                    GError             **error)
{
  g_autoptr(TgIncident) incident = NULL;
  g_autoptr(GHashTable) distinct = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean changed = FALSE;
  gboolean ok = FALSE;

  g_return_val_if_fail (TG_IS_WORKSPACE (self), NULL);

  for (guint i = 0; report_ids != NULL && report_ids[i] != NULL; i++)
    g_hash_table_add (distinct, (gpointer) report_ids[i]);
  if (g_hash_table_size (distinct) < 2)
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                           _("Choose at least two reports to merge into an incident."));
      return NULL;
    }

  incident = tg_incident_new ();
  tg_store_lock (self->store);
  if (tg_store_begin (self->store, error))
    {
      ok = add_reports (self, incident, report_ids, error) &&
           record_locked (self, incident, FALSE, TG_CUSTODY_CREATED, &changed, error);
      ok = tg_store_commit (self->store, ok, error);
    }
  tg_store_unlock (self->store);

  if (!ok)
    return NULL;
  tg_store_emit_incident_changed (self->store, tg_incident_get_id (incident));
  return g_steal_pointer (&incident);
}

static gboolean
join_func (TgWorkspace  *self,
           TgIncident   *incident,
           gpointer      data,
           GError      **error)
{
  return add_reports (self, incident, data, error);
}

TgIncident *
tg_workspace_join (TgWorkspace         *self,
                   const char          *incident_id,
                   const char * const  *report_ids,
                   GError             **error)
{
  g_return_val_if_fail (report_ids != NULL, NULL);
  return edit_incident (self, incident_id, join_func, (gpointer) report_ids, TG_CUSTODY_EDITED, error);
}

const char *
tg_workspace_join_target (GPtrArray  *rows,
                          guint      *n_free,
                          GError    **error)
{
  const char *target = NULL;
  guint free_rows = 0;

  g_return_val_if_fail (rows != NULL, NULL);

  for (guint i = 0; i < rows->len; i++)
    {
      const TgWorkspaceReport *row = rows->pdata[i];

      if (row->incident_id == NULL)
        {
          free_rows++;
          continue;
        }
      if (row->n_incidents > 1 || (target != NULL && g_strcmp0 (target, row->incident_id) != 0))
        {
          g_set_error_literal (error, TG_ERROR, TG_ERROR_CONFLICT,
                               row->n_incidents > 1
                               ? _("A report chosen is in two incidents at once: resolve that first.")
                               : _("The reports chosen are in different incidents. Remove them from one "
                                   "of them first, or choose reports of one incident only."));
          return NULL;
        }
      target = row->incident_id;
    }
  if (n_free != NULL)
    *n_free = free_rows;
  return target;
}

static gboolean
remove_func (TgWorkspace  *self,
             TgIncident   *incident,
             gpointer      data,
             GError      **error)
{
  const char *report_id = data;
  g_autoptr(GHashTable) reports = NULL;

  if (tg_incident_find_member (incident, report_id) == NULL)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_NOT_FOUND, _("That report is not in the incident."));
      return FALSE;
    }
  if (tg_incident_get_n_members (incident) == 1)
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                           _("This is the incident's last report: dissolve the incident instead."));
      return FALSE;
    }
  tg_incident_remove_member (incident, report_id);
  if (!(reports = load_members (self, incident, error)))
    return FALSE;
  fill_fields (incident, reports, NULL);
  compute_counts (incident, reports);
  return TRUE;
}

TgIncident *
tg_workspace_remove_report (TgWorkspace  *self,
                            const char   *incident_id,
                            const char   *report_id,
                            GError      **error)
{
  g_return_val_if_fail (report_id != NULL, NULL);
  return edit_incident (self, incident_id, remove_func, (gpointer) report_id, TG_CUSTODY_EDITED, error);
}

TgIncident *
tg_workspace_dissolve (TgWorkspace  *self,
                       const char   *incident_id,
                       GError      **error)
{
  g_autoptr(TgIncident) incident = NULL;
  gboolean changed = FALSE;
  gboolean ok = FALSE;

  g_return_val_if_fail (TG_IS_WORKSPACE (self), NULL);

  tg_store_lock (self->store);
  if (tg_store_begin (self->store, error))
    {
      g_autoptr(GPtrArray) heads = incident_heads (self, incident_id, FALSE, error);

      if (heads != NULL &&
          (incident = incident_from_revision (heads->pdata[0], heads->len, error)) != NULL)
        ok = record_locked (self, incident, TRUE, TG_CUSTODY_DELETED, &changed, error);
      ok = tg_store_commit (self->store, ok, error);
    }
  tg_store_unlock (self->store);

  if (!ok)
    return NULL;
  tg_store_emit_incident_changed (self->store, incident_id);
  return g_steal_pointer (&incident);
}

typedef struct
{
  TgIncidentField  field;
  const char      *report_id;
  JsonObject      *value;
  const char      *reason;
} FieldEdit;

static gboolean
field_func (TgWorkspace  *self,
            TgIncident   *incident,
            gpointer      data,
            GError      **error)
{
  FieldEdit *edit = data;
  g_autoptr(TgReport) report = NULL;

  if ((guint) edit->field >= TG_INCIDENT_N_FIELDS)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID, "no field %d", edit->field);
      return FALSE;
    }
  if (edit->value != NULL)
    {
      tg_incident_set_field_value (incident, edit->field, edit->value, edit->reason);
      return TRUE;
    }
  if (tg_incident_find_member (incident, edit->report_id) == NULL)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID, _("That report is not in the incident."));
      return FALSE;
    }
  if (!(report = load_member_report (self, edit->report_id, NULL, NULL, error)))
    return FALSE;
  tg_incident_set_field_from_report (incident, edit->field, report);
  return TRUE;
}

TgIncident *
tg_workspace_set_field_from_report (TgWorkspace      *self,
                                    const char       *incident_id,
                                    TgIncidentField   field,
                                    const char       *report_id,
                                    GError          **error)
{
  FieldEdit edit = { field, report_id, NULL, NULL };

  g_return_val_if_fail (report_id != NULL, NULL);
  return edit_incident (self, incident_id, field_func, &edit, TG_CUSTODY_EDITED, error);
}

TgIncident *
tg_workspace_set_field (TgWorkspace      *self,
                        const char       *incident_id,
                        TgIncidentField   field,
                        JsonObject       *value,
                        const char       *reason,
                        GError          **error)
{
  FieldEdit edit = { field, NULL, value, reason };

  g_return_val_if_fail (value != NULL, NULL);
  return edit_incident (self, incident_id, field_func, &edit, TG_CUSTODY_EDITED, error);
}

typedef struct
{
  TgIncidentCount  count;
  int              figure;
  const char      *reason;
} FigureEdit;

static gboolean
figure_func (TgWorkspace  *self,
             TgIncident   *incident,
             gpointer      data,
             GError      **error)
{
  FigureEdit *edit = data;

  if ((guint) edit->count >= TG_INCIDENT_N_COUNTS)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID, "no count %d", edit->count);
      return FALSE;
    }
  if (edit->figure >= 0 && (edit->reason == NULL || *edit->reason == '\0'))
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                           _("Say why you set this figure: the reports give other counts."));
      return FALSE;
    }
  tg_incident_set_count_figure (incident, edit->count, edit->figure, edit->reason);
  return TRUE;
}

TgIncident *
tg_workspace_set_figure (TgWorkspace      *self,
                         const char       *incident_id,
                         TgIncidentCount   count,
                         int               figure,
                         const char       *reason,
                         GError          **error)
{
  FigureEdit edit = { count, figure, reason };

  return edit_incident (self, incident_id, figure_func, &edit, TG_CUSTODY_EDITED, error);
}

static gboolean
match_func (TgWorkspace  *self,
            TgIncident   *incident,
            gpointer      data,
            GError      **error)
{
  g_autoptr(GHashTable) reports = load_members (self, incident, error);

  if (reports == NULL)
    return FALSE;
  match_persons (incident, reports);
  return TRUE;
}

TgIncident *
tg_workspace_match_persons (TgWorkspace  *self,
                            const char   *incident_id,
                            GError      **error)
{
  return edit_incident (self, incident_id, match_func, NULL, TG_CUSTODY_EDITED, error);
}

typedef struct
{
  const char *a;
  const char *b;
} PairEdit;

static gboolean
merge_persons_func (TgWorkspace  *self,
                    TgIncident   *incident,
                    gpointer      data,
                    GError      **error)
{
  PairEdit *edit = data;

  if (!tg_incident_merge_persons (incident, edit->a, edit->b))
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                           _("Those are not two persons of this incident."));
      return FALSE;
    }
  return TRUE;
}

TgIncident *
tg_workspace_merge_persons (TgWorkspace  *self,
                            const char   *incident_id,
                            const char   *into_person_id,
                            const char   *from_person_id,
                            GError      **error)
{
  PairEdit edit = { into_person_id, from_person_id };

  return edit_incident (self, incident_id, merge_persons_func, &edit, TG_CUSTODY_EDITED, error);
}

static gboolean
split_func (TgWorkspace  *self,
            TgIncident   *incident,
            gpointer      data,
            GError      **error)
{
  PairEdit *edit = data;
  g_autoptr(TgReport) report = NULL;
  g_autoptr(TgPerson) mention = NULL;

  if (tg_incident_find_member (incident, edit->a) == NULL ||
      !(report = load_member_report (self, edit->a, NULL, NULL, error)))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, TG_ERROR, TG_ERROR_INVALID, _("That report is not in the incident."));
      return FALSE;
    }
  if (!(mention = find_report_person (report, edit->b)) ||
      !tg_incident_split_person (incident, edit->a, edit->b, tg_person_get_name (mention),
                                 tg_person_get_role (mention)))
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                           _("That person is not matched with anyone else: there is nothing to split."));
      return FALSE;
    }
  return TRUE;
}

TgIncident *
tg_workspace_split_person (TgWorkspace  *self,
                           const char   *incident_id,
                           const char   *report_id,
                           const char   *report_person_id,
                           GError      **error)
{
  PairEdit edit = { report_id, report_person_id };

  g_return_val_if_fail (report_id != NULL && report_person_id != NULL, NULL);
  return edit_incident (self, incident_id, split_func, &edit, TG_CUSTODY_EDITED, error);
}

typedef struct
{
  TgIncidentStatus  status;
  const char       *reason;
} StatusEdit;

static gboolean
status_func (TgWorkspace  *self,
             TgIncident   *incident,
             gpointer      data,
             GError      **error)
{
  StatusEdit *edit = data;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) second = g_date_time_add (now, -(g_date_time_get_microsecond (now)));

  if ((guint) edit->status > TG_INCIDENT_STATUS_DISPUTED)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID, "no status %d", edit->status);
      return FALSE;
    }
  if (edit->status != TG_INCIDENT_STATUS_UNVERIFIED && (edit->reason == NULL || *edit->reason == '\0'))
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                           _("Give the reason for this decision: the monitors will see it."));
      return FALSE;
    }
  tg_incident_set_status (incident, edit->status, tg_workspace_get_actor (self), second, edit->reason);
  return TRUE;
}

TgIncident *
tg_workspace_set_status (TgWorkspace       *self,
                         const char        *incident_id,
                         TgIncidentStatus   status,
                         const char        *reason,
                         GError           **error)
{
  StatusEdit edit = { status, reason };

  return edit_incident (self, incident_id, status_func, &edit, TG_CUSTODY_VERIFIED, error);
}

static gboolean
notes_func (TgWorkspace  *self,
            TgIncident   *incident,
            gpointer      data,
            GError      **error)
{
  tg_incident_set_notes (incident, data);
  return TRUE;
}

TgIncident *
tg_workspace_set_notes (TgWorkspace  *self,
                        const char   *incident_id,
                        const char   *notes,
                        GError      **error)
{
  return edit_incident (self, incident_id, notes_func, (gpointer) notes, TG_CUSTODY_EDITED, error);
}

TgIncident *
tg_workspace_save_incident (TgWorkspace  *self,
                            TgIncident   *incident,
                            GError      **error)
{
  g_autoptr(TgIncident) saved = NULL;
  gboolean changed = FALSE;
  gboolean ok = FALSE;

  g_return_val_if_fail (TG_IS_WORKSPACE (self), NULL);
  g_return_val_if_fail (TG_IS_INCIDENT (incident), NULL);

  saved = tg_incident_copy (incident);
  tg_store_lock (self->store);
  if (tg_store_begin (self->store, error))
    {
      g_autoptr(GHashTable) reports = NULL;

      /* A member added by hand must be free to join. */
      for (guint i = 0; i < tg_incident_get_n_members (saved); i++)
        {
          const char *report_id = tg_incident_get_member (saved, i)->report_id;
          g_autoptr(GPtrArray) holders = incidents_holding (self, report_id, tg_incident_get_id (saved), error);

          if (holders == NULL)
            goto done;
          if (holders->len > 0)
            {
              g_set_error (error, TG_ERROR, TG_ERROR_CONFLICT,
                           _("A report of this incident is already in another incident."));
              goto done;
            }
        }
      ok = check_base (self, saved, error) &&
           (reports = load_members (self, saved, error)) != NULL &&
           record_locked (self, saved, FALSE, TG_CUSTODY_EDITED, &changed, error);
    done:
      ok = tg_store_commit (self->store, ok, error);
    }
  tg_store_unlock (self->store);

  if (!ok)
    return NULL;
  if (changed)
    tg_store_emit_incident_changed (self->store, tg_incident_get_id (saved));
  return g_steal_pointer (&saved);
}

/* Incident conflicts ---------------------------------------------------- */

static void
incident_head_free (TgIncidentHead *head)
{
  g_clear_object (&head->incident);
  g_free (head->rev_id);
  g_free (head->device_id);
  g_free (head->device_name);
  g_free (head->user);
  g_free (head);
}

static void
incident_difference_free (TgIncidentDifference *difference)
{
  g_free (difference->key);
  g_free (difference->label);
  g_strfreev (difference->values);
  g_strfreev (difference->sources);
  g_free (difference);
}

void
tg_incident_conflict_free (TgIncidentConflict *conflict)
{
  if (conflict == NULL)
    return;
  g_free (conflict->incident_id);
  g_clear_pointer (&conflict->heads, g_ptr_array_unref);
  g_clear_pointer (&conflict->differences, g_ptr_array_unref);
  g_free (conflict);
}

/* A head's canonical JSON, parsed: what the parts are compared on. */
static JsonObject *
head_json (TgIncidentHead *head)
{
  g_autofree char *text = tg_incident_to_json_string (head->incident);
  g_autoptr(JsonNode) node = json_from_string (text, NULL);

  g_assert (node != NULL && JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

static JsonNode *
object_path (JsonObject *root,
             const char *first,
             const char *second)
{
  JsonNode *node = json_object_get_member (root, first);

  if (second == NULL || node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return node;
  return json_object_get_member (json_node_get_object (node), second);
}

static gboolean
nodes_equal (JsonNode *a,
             JsonNode *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return json_node_equal (a, b);
}

static gboolean
heads_differ (GPtrArray  *jsons,
              const char *first,
              const char *second)
{
  for (guint h = 1; h < jsons->len; h++)
    if (!nodes_equal (object_path (jsons->pdata[0], first, second),
                      object_path (jsons->pdata[h], first, second)))
      return TRUE;
  return FALSE;
}

static int
compare_member_objects (gconstpointer a,
                        gconstpointer b,
                        gpointer      user_data)
{
  return g_strcmp0 (json_object_get_string_member (*(JsonObject * const *) a, "report"),
                    json_object_get_string_member (*(JsonObject * const *) b, "report"));
}

static void
append_scalar (GString  *out,
               JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return;
  if (out->len > 0)
    g_string_append (out, " · ");
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *item = json_array_get_element (array, i);

          if (i > 0)
            g_string_append (out, ", ");
          if (JSON_NODE_HOLDS_VALUE (item) && json_node_get_value_type (item) == G_TYPE_STRING)
            g_string_append (out, json_node_get_string (item));
        }
    }
  else if (json_node_get_value_type (node) == G_TYPE_STRING)
    g_string_append (out, json_node_get_string (node));
  else if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    g_string_append_printf (out, "%.5f", json_node_get_double (node));
  else if (json_node_get_value_type (node) == G_TYPE_INT64)
    g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
  else if (json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
}

/* A field's value as a person reads it: its members' values in order. */
static char *
field_text (TgIncidentField  field,
            JsonNode        *entry)
{
  JsonNode *value = entry && JSON_NODE_HOLDS_OBJECT (entry)
                    ? json_object_get_member (json_node_get_object (entry), "value") : NULL;
  const char * const *members = tg_incident_field_get_members (field);
  g_autoptr(GString) out = g_string_new (NULL);

  if (value == NULL || !JSON_NODE_HOLDS_OBJECT (value))
    return g_strdup (_("No value"));
  for (guint i = 0; members[i] != NULL; i++)
    {
      JsonNode *member = json_object_get_member (json_node_get_object (value), members[i]);

      if (field == TG_INCIDENT_FIELD_LOCATION && g_str_equal (members[i], "uncertainty_m") &&
          member != NULL && !JSON_NODE_HOLDS_NULL (member))
        {
          /* TRANSLATORS: a location's uncertainty, "± 250 m" */
          g_string_append_printf (out, _(" ± %.0f m"), json_node_get_double (member));
          continue;
        }
      append_scalar (out, member);
    }
  if (out->len == 0)
    return g_strdup (_("No value"));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
provenance_text (JsonNode   *entry,
                 GHashTable *titles)
{
  JsonObject *provenance = NULL;
  const char *kind, *report, *reason;

  if (entry != NULL && JSON_NODE_HOLDS_OBJECT (entry) &&
      json_object_has_member (json_node_get_object (entry), "provenance"))
    provenance = json_object_get_object_member (json_node_get_object (entry), "provenance");
  if (provenance == NULL)
    return g_strdup ("");
  kind = json_object_get_string_member_with_default (provenance, "kind", "none");
  report = json_object_get_string_member_with_default (provenance, "report", NULL);
  reason = json_object_get_string_member_with_default (provenance, "reason", NULL);
  if (g_strcmp0 (kind, "report") == 0 && report != NULL)
    {
      const char *title = g_hash_table_lookup (titles, report);

      return g_strdup_printf (_("From the report “%s”"), title && *title ? title : report);
    }
  if (g_strcmp0 (kind, "coordinator") == 0)
    {
      if (reason != NULL && *reason != '\0')
        return g_strdup_printf (_("Written by the coordinator: %s"), reason);
      return g_strdup (_("Written by the coordinator"));
    }
  return g_strdup (_("No report gives it"));
}

static char *
figure_text (JsonNode *count)
{
  JsonObject *object = count && JSON_NODE_HOLDS_OBJECT (count) ? json_node_get_object (count) : NULL;
  JsonNode *figure = object ? json_object_get_member (object, "figure") : NULL;
  const char *reason;

  if (figure == NULL || JSON_NODE_HOLDS_NULL (figure))
    return g_strdup (_("No figure set"));
  reason = json_object_get_string_member_with_default (object, "reason", NULL);
  /* TRANSLATORS: a coordinator's figure and its reason: "18: the hospital's list" */
  return g_strdup_printf (_("%d: %s"), (int) json_node_get_int (figure),
                          reason ? reason : _("no reason given"));
}

/* The member report ids, sorted (the canonical JSON keeps them so). */
static GPtrArray *
member_ids (JsonObject *root)
{
  JsonArray *members = json_object_get_array_member (root, "members");
  GPtrArray *ids = g_ptr_array_new ();

  for (guint i = 0; members != NULL && i < json_array_get_length (members); i++)
    g_ptr_array_add (ids, (gpointer) json_object_get_string_member (json_array_get_object_element (members, i),
                                                                    "report"));
  return ids;
}

static gboolean
same_members (JsonObject *a,
              JsonObject *b)
{
  g_autoptr(GPtrArray) x = member_ids (a);
  g_autoptr(GPtrArray) y = member_ids (b);

  if (x->len != y->len)
    return FALSE;
  for (guint i = 0; i < x->len; i++)
    if (g_strcmp0 (x->pdata[i], y->pdata[i]) != 0)
      return FALSE;
  return TRUE;
}

static char *
members_text (JsonObject *root,
              GHashTable *titles)
{
  g_autoptr(GPtrArray) ids = member_ids (root);
  g_autoptr(GString) out = g_string_new (NULL);

  g_string_append_printf (out, g_dngettext (GETTEXT_PACKAGE, "%u report", "%u reports", ids->len), ids->len);
  for (guint i = 0; i < ids->len; i++)
    {
      const char *title = g_hash_table_lookup (titles, ids->pdata[i]);

      g_string_append (out, i == 0 ? ": " : "; ");
      g_string_append (out, title && *title ? title : (const char *) ids->pdata[i]);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
persons_text (JsonObject *root)
{
  JsonArray *persons = json_object_get_array_member (root, "persons");
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; persons != NULL && i < json_array_get_length (persons); i++)
    {
      JsonObject *person = json_array_get_object_element (persons, i);
      JsonArray *links = json_object_get_array_member (person, "links");
      guint n = links ? json_array_get_length (links) : 0;
      const char *name = json_object_get_string_member_with_default (person, "name", NULL);

      if (out->len > 0)
        g_string_append (out, "; ");
      /* TRANSLATORS: an incident person and how many reports mention them */
      g_string_append_printf (out, g_dngettext (GETTEXT_PACKAGE, "%s (in %u report)", "%s (in %u reports)", n),
                              name ? name : _("unnamed"), n);
    }
  if (out->len == 0)
    return g_strdup (_("No persons"));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
status_text (TgIncident *incident)
{
  TgIncidentStatus status = tg_incident_get_status (incident);
  const char *by = tg_incident_get_status_by (incident);
  const char *reason = tg_incident_get_status_reason (incident);
  GDateTime *at = tg_incident_get_status_at (incident);
  g_autofree char *when = at ? g_date_time_format (at, "%Y-%m-%d %H:%M UTC") : NULL;

  if (by == NULL && at == NULL)
    return g_strdup (tg_incident_status_get_label (status));
  /* TRANSLATORS: "Verified, by ana at 2026-12-07 11:20 UTC: three sources agree" */
  return g_strdup_printf (_("%s, by %s at %s: %s"), tg_incident_status_get_label (status),
                          by ? by : _("someone"), when ? when : _("an unknown time"),
                          reason && *reason ? reason : _("no reason given"));
}

static TgIncidentDifference *
difference_new (TgIncidentPart  part,
                int             index,
                const char     *key,
                const char     *label,
                guint           n_heads)
{
  TgIncidentDifference *difference = g_new0 (TgIncidentDifference, 1);

  difference->part = part;
  difference->index = index;
  difference->key = g_strdup (key);
  difference->label = g_strdup (label);
  difference->values = g_new0 (char *, n_heads + 1);
  difference->sources = g_new0 (char *, n_heads + 1);
  return difference;
}

static gint
compare_incident_heads (gconstpointer a,
                        gconstpointer b)
{
  TgIncidentHead *x = *(TgIncidentHead **) a, *y = *(TgIncidentHead **) b;

  /* This device's first, then the others by their clocks: only an order
   * to show them in, nothing is decided by it. */
  if (x->this_device != y->this_device)
    return x->this_device ? -1 : 1;
  if (x->created_at != y->created_at)
    return x->created_at < y->created_at ? -1 : 1;
  return g_strcmp0 (x->rev_id, y->rev_id);
}

/* The title of every report any head names, for people. */
static GHashTable *
member_titles (TgWorkspace  *self,
               GPtrArray    *jsons)
{
  GHashTable *titles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (guint h = 0; h < jsons->len; h++)
    {
      g_autoptr(GPtrArray) ids = member_ids (jsons->pdata[h]);

      for (guint i = 0; i < ids->len; i++)
        {
          g_autoptr(TgReport) report = NULL;

          if (g_hash_table_contains (titles, ids->pdata[i]))
            continue;
          report = load_member_report (self, ids->pdata[i], NULL, NULL, NULL);
          g_hash_table_insert (titles, g_strdup (ids->pdata[i]),
                               g_strdup (report ? tg_report_get_title (report) : NULL));
        }
    }
  return titles;
}

TgIncidentConflict *
tg_workspace_load_conflict (TgWorkspace  *self,
                            const char   *incident_id,
                            GError      **error)
{
  g_autoptr(TgIncidentConflict) conflict = g_new0 (TgIncidentConflict, 1);
  g_autoptr(GPtrArray) revs = NULL;
  g_autoptr(GPtrArray) jsons = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr(GHashTable) titles = NULL;
  const char *here;
  guint n;

  g_return_val_if_fail (TG_IS_WORKSPACE (self), NULL);
  g_return_val_if_fail (incident_id != NULL, NULL);

  if (!(revs = incident_heads (self, incident_id, TRUE, error)))
    return NULL;
  here = tg_store_get_device_id (self->store);
  conflict->incident_id = g_strdup (incident_id);
  conflict->heads = g_ptr_array_new_with_free_func ((GDestroyNotify) incident_head_free);
  conflict->differences = g_ptr_array_new_with_free_func ((GDestroyNotify) incident_difference_free);
  for (guint i = 0; i < revs->len; i++)
    {
      TgRevision *rev = revs->pdata[i];
      TgIncidentHead *head = g_new0 (TgIncidentHead, 1);
      g_autoptr(TgSyncDeviceName) named = NULL;

      g_ptr_array_add (conflict->heads, head);
      if (!(head->incident = incident_from_revision (rev, revs->len, error)))
        return NULL;
      head->rev_id = g_strdup (tg_revision_get_id (rev));
      head->device_id = g_strdup (tg_revision_get_device_id (rev));
      head->this_device = g_strcmp0 (head->device_id, here) == 0;
      head->created_at = tg_revision_get_created_at (rev);
      head->dissolved = tg_revision_get_deleted (rev);
      if (!head->this_device && (named = tg_store_get_device_name (self->store, head->device_id)))
        {
          head->device_name = g_strdup (named->name);
          head->user = g_strdup (named->user);
        }
    }
  g_ptr_array_sort (conflict->heads, compare_incident_heads);
  n = conflict->heads->len;
  for (guint h = 0; h < n; h++)
    g_ptr_array_add (jsons, head_json (conflict->heads->pdata[h]));
  titles = member_titles (self, jsons);

  if (n < 2)
    return g_steal_pointer (&conflict);


  for (guint f = 0; f < TG_INCIDENT_N_FIELDS; f++)
    {
      const char *name = tg_incident_field_to_string (f);
      g_autofree char *key = g_strconcat ("field:", name, NULL);
      TgIncidentDifference *difference;

      if (!heads_differ (jsons, "fields", name))
        continue;
      difference = difference_new (TG_INCIDENT_PART_FIELD, f, key, tg_incident_field_get_label (f), n);
      for (guint h = 0; h < n; h++)
        {
          JsonNode *entry = object_path (jsons->pdata[h], "fields", name);

          difference->values[h] = field_text (f, entry);
          difference->sources[h] = provenance_text (entry, titles);
        }
      g_ptr_array_add (conflict->differences, difference);
    }

  for (guint c = 0; c < TG_INCIDENT_N_COUNTS; c++)
    {
      const char *name = tg_incident_count_to_string (c);
      g_autofree char *key = g_strconcat ("figure:", name, NULL);
      /* TRANSLATORS: "Killed (the coordinator's figure)" */
      g_autofree char *label = g_strdup_printf (_("%s (the coordinator’s figure)"), tg_incident_count_get_label (c));
      gboolean differs = FALSE;
      TgIncidentDifference *difference;

      for (guint h = 1; h < n && !differs; h++)
        {
          JsonNode *a = object_path (jsons->pdata[0], "counts", name);
          JsonNode *b = object_path (jsons->pdata[h], "counts", name);
          JsonObject *x = a && JSON_NODE_HOLDS_OBJECT (a) ? json_node_get_object (a) : NULL;
          JsonObject *y = b && JSON_NODE_HOLDS_OBJECT (b) ? json_node_get_object (b) : NULL;

          differs = !nodes_equal (x ? json_object_get_member (x, "figure") : NULL,
                                  y ? json_object_get_member (y, "figure") : NULL) ||
                    !nodes_equal (x ? json_object_get_member (x, "reason") : NULL,
                                  y ? json_object_get_member (y, "reason") : NULL);
        }
      if (!differs)
        continue;
      difference = difference_new (TG_INCIDENT_PART_FIGURE, c, key, label, n);
      for (guint h = 0; h < n; h++)
        {
          difference->values[h] = figure_text (object_path (jsons->pdata[h], "counts", name));
          difference->sources[h] = g_strdup ("");
        }
      g_ptr_array_add (conflict->differences, difference);
    }

  {
    gboolean differs = FALSE;

    for (guint h = 1; h < n && !differs; h++)
      differs = !same_members (jsons->pdata[0], jsons->pdata[h]);
    if (differs)
      {
        TgIncidentDifference *difference = difference_new (TG_INCIDENT_PART_MEMBERS, -1, "members",
                                                           _("Reports"), n);

        for (guint h = 0; h < n; h++)
          {
            difference->values[h] = members_text (jsons->pdata[h], titles);
            difference->sources[h] = g_strdup ("");
          }
        g_ptr_array_add (conflict->differences, difference);
      }
  }

  if (heads_differ (jsons, "persons", NULL))
    {
      TgIncidentDifference *difference = difference_new (TG_INCIDENT_PART_PERSONS, -1, "persons",
                                                         _("Persons"), n);

      for (guint h = 0; h < n; h++)
        {
          difference->values[h] = persons_text (jsons->pdata[h]);
          difference->sources[h] = g_strdup ("");
        }
      g_ptr_array_add (conflict->differences, difference);
    }

  if (heads_differ (jsons, "status", NULL))
    {
      TgIncidentDifference *difference = difference_new (TG_INCIDENT_PART_STATUS, -1, "status",
                                                         _("Verification"), n);

      for (guint h = 0; h < n; h++)
        {
          difference->values[h] = status_text (((TgIncidentHead *) conflict->heads->pdata[h])->incident);
          difference->sources[h] = g_strdup ("");
        }
      g_ptr_array_add (conflict->differences, difference);
    }

  if (heads_differ (jsons, "notes", NULL))
    {
      TgIncidentDifference *difference = difference_new (TG_INCIDENT_PART_NOTES, -1, "notes", _("Notes"), n);

      for (guint h = 0; h < n; h++)
        {
          const char *notes = tg_incident_get_notes (((TgIncidentHead *) conflict->heads->pdata[h])->incident);

          difference->values[h] = g_strdup (notes && *notes ? notes : _("No notes"));
          difference->sources[h] = g_strdup ("");
        }
      g_ptr_array_add (conflict->differences, difference);
    }

  {
    gboolean differs = FALSE;

    for (guint h = 1; h < n; h++)
      differs |= ((TgIncidentHead *) conflict->heads->pdata[h])->dissolved !=
                 ((TgIncidentHead *) conflict->heads->pdata[0])->dissolved;
    if (differs)
      {
        TgIncidentDifference *difference = difference_new (TG_INCIDENT_PART_DISSOLVED, -1, "dissolved",
                                                           _("Dissolved or kept"), n);

        for (guint h = 0; h < n; h++)
          {
            difference->values[h] = g_strdup (((TgIncidentHead *) conflict->heads->pdata[h])->dissolved
                                              ? _("Dissolved: its reports are free again")
                                              : _("Kept"));
            difference->sources[h] = g_strdup ("");
          }
        g_ptr_array_add (conflict->differences, difference);
      }
  }
  return g_steal_pointer (&conflict);
}

static void
copy_member (JsonObject *to,
             JsonObject *from,
             const char *member)
{
  JsonNode *node = from ? json_object_get_member (from, member) : NULL;

  if (node != NULL)
    json_object_set_member (to, member, json_node_copy (node));
  else
    json_object_remove_member (to, member);
}

TgIncident *
tg_incident_conflict_build (TgIncidentConflict  *conflict,
                            const int           *picks,
                            gboolean            *dissolved,
                            GError             **error)
{
  g_autoptr(GPtrArray) jsons = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr(GHashTable) chosen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) all = g_ptr_array_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonArray) members = json_array_new ();
  g_autoptr(TgIncident) incident = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GPtrArray) parents = g_ptr_array_new ();
  JsonObject *root;
  int member_pick = 0;

  g_return_val_if_fail (conflict != NULL && conflict->heads->len > 0, NULL);
  g_return_val_if_fail (picks != NULL || conflict->differences->len == 0, NULL);

  for (guint h = 0; h < conflict->heads->len; h++)
    g_ptr_array_add (jsons, head_json (conflict->heads->pdata[h]));
  /* The first head's object, parsed here for this build alone. */
  root = jsons->pdata[0];
  node = json_node_init_object (json_node_alloc (), root);
  if (dissolved != NULL)
    *dissolved = ((TgIncidentHead *) conflict->heads->pdata[0])->dissolved;

  for (guint i = 0; i < conflict->differences->len; i++)
    {
      TgIncidentDifference *difference = conflict->differences->pdata[i];
      int pick = picks[i];
      JsonObject *from;

      if ((pick < 0 || (guint) pick >= conflict->heads->len) &&
          !(pick == TG_INCIDENT_PICK_UNION && difference->part == TG_INCIDENT_PART_MEMBERS))
        {
          g_set_error (error, TG_ERROR, TG_ERROR_INVALID, _("Choose a version for “%s”."), difference->label);
          return NULL;
        }
      from = pick >= 0 ? jsons->pdata[pick] : NULL;
      switch (difference->part)
        {
        case TG_INCIDENT_PART_FIELD:
          copy_member (json_object_get_object_member (root, "fields"),
                       json_object_get_object_member (from, "fields"),
                       tg_incident_field_to_string (difference->index));
          break;
        case TG_INCIDENT_PART_FIGURE:
          {
            const char *name = tg_incident_count_to_string (difference->index);
            JsonObject *to = json_object_get_object_member (json_object_get_object_member (root, "counts"), name);
            JsonObject *src = json_object_get_object_member (json_object_get_object_member (from, "counts"), name);

            copy_member (to, src, "figure");
            copy_member (to, src, "reason");
          }
          break;
        case TG_INCIDENT_PART_MEMBERS:
          member_pick = pick;
          break;
        case TG_INCIDENT_PART_PERSONS:
          copy_member (root, from, "persons");
          break;
        case TG_INCIDENT_PART_STATUS:
          copy_member (root, from, "status");
          break;
        case TG_INCIDENT_PART_NOTES:
          copy_member (root, from, "notes");
          break;
        case TG_INCIDENT_PART_DISSOLVED:
          if (dissolved != NULL)
            *dissolved = ((TgIncidentHead *) conflict->heads->pdata[pick])->dissolved;
          break;
        default:
          g_assert_not_reached ();
        }
    }

  /* Members: every head's while parsing (so every link and provenance
   * still names a member), then the ones not chosen leave, taking their
   * links, count sources and provenances with them. */
  for (guint h = 0; h < jsons->len; h++)
    {
      JsonArray *array = json_object_get_array_member (jsons->pdata[h], "members");

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonObject *member = json_array_get_object_element (array, i);
          const char *id = json_object_get_string_member (member, "report");

          if (member_pick == TG_INCIDENT_PICK_UNION || (guint) member_pick == h)
            g_hash_table_add (chosen, (gpointer) id);
          if (g_hash_table_contains (seen, id))
            continue;
          g_hash_table_add (seen, (gpointer) id);
          g_ptr_array_add (all, member);
        }
    }
  g_ptr_array_sort_with_data (all, (GCompareDataFunc) compare_member_objects, NULL);
  for (guint i = 0; i < all->len; i++)
    json_array_add_object_element (members, json_object_ref (all->pdata[i]));
  json_object_set_array_member (root, "members", json_array_ref (members));

  text = json_to_string (node, FALSE);
  if (!(incident = tg_incident_new_from_json_string (text, -1, error)))
    return NULL;
  for (guint i = 0; i < all->len; i++)
    {
      const char *id = json_object_get_string_member (all->pdata[i], "report");

      if (!g_hash_table_contains (chosen, id))
        tg_incident_remove_member (incident, id);
    }
  for (guint h = 0; h < conflict->heads->len; h++)
    g_ptr_array_add (parents, ((TgIncidentHead *) conflict->heads->pdata[h])->rev_id);
  g_ptr_array_add (parents, NULL);
  tg_incident_set_base_revisions (incident, (const char * const *) parents->pdata);
  tg_incident_set_n_heads (incident, conflict->heads->len);
  return g_steal_pointer (&incident);
}

TgIncident *
tg_workspace_resolve_conflict (TgWorkspace         *self,
                               TgIncidentConflict  *conflict,
                               TgIncident          *resolved,
                               gboolean             dissolved,
                               GError             **error)
{
  g_autoptr(TgIncident) saved = NULL;
  g_autoptr(GPtrArray) parents = g_ptr_array_new ();
  gboolean changed = FALSE;
  gboolean ok = FALSE;

  g_return_val_if_fail (TG_IS_WORKSPACE (self), NULL);
  g_return_val_if_fail (conflict != NULL, NULL);
  g_return_val_if_fail (TG_IS_INCIDENT (resolved), NULL);
  g_return_val_if_fail (g_strcmp0 (tg_incident_get_id (resolved), conflict->incident_id) == 0, NULL);

  saved = tg_incident_copy (resolved);
  for (guint h = 0; h < conflict->heads->len; h++)
    g_ptr_array_add (parents, ((TgIncidentHead *) conflict->heads->pdata[h])->rev_id);
  g_ptr_array_add (parents, NULL);
  tg_incident_set_base_revisions (saved, (const char * const *) parents->pdata);

  tg_store_lock (self->store);
  if (tg_store_begin (self->store, error))
    {
      g_autoptr(GPtrArray) heads = tg_store_list_head_ids_locked (self->store, conflict->incident_id, error);
      g_autoptr(GHashTable) reports = NULL;
      gboolean same = heads != NULL && heads->len == conflict->heads->len;

      for (guint i = 0; same && i < heads->len; i++)
        same = g_strv_contains ((const char * const *) parents->pdata, heads->pdata[i]);
      if (heads != NULL && !same)
        g_set_error (error, TG_ERROR, TG_ERROR_CONFLICT,
                     _("Another change to this incident arrived meanwhile (on this device or in a "
                       "sync), so nothing was saved. Look at the versions again."));
      ok = same;

      /* A report no head holds is joining: it must be free. */
      for (guint i = 0; ok && i < tg_incident_get_n_members (saved); i++)
        {
          const char *report_id = tg_incident_get_member (saved, i)->report_id;
          g_autoptr(GPtrArray) holders = NULL;
          gboolean held = FALSE;

          for (guint h = 0; h < conflict->heads->len && !held; h++)
            held = tg_incident_find_member (((TgIncidentHead *) conflict->heads->pdata[h])->incident,
                                            report_id) != NULL;
          if (held)
            continue;
          if (!(holders = incidents_holding (self, report_id, conflict->incident_id, error)))
            ok = FALSE;
          else if (holders->len > 0)
            {
              g_set_error (error, TG_ERROR, TG_ERROR_CONFLICT,
                           _("A report of this incident is already in another incident."));
              ok = FALSE;
            }
        }
      if (ok && tg_incident_get_n_members (saved) == 0)
        {
          g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                               _("An incident needs at least one report: dissolve it instead."));
          ok = FALSE;
        }
      if (ok && (reports = load_members (self, saved, error)) != NULL)
        {
          fill_fields (saved, reports, NULL);
          compute_counts (saved, reports);
          match_persons (saved, reports);
          ok = record_locked (self, saved, dissolved, dissolved ? TG_CUSTODY_DELETED : TG_CUSTODY_EDITED,
                              &changed, error);
        }
      else
        ok = FALSE;
      ok = tg_store_commit (self->store, ok, error);
    }
  tg_store_unlock (self->store);

  if (!ok)
    return NULL;
  if (changed)
    tg_store_emit_incident_changed (self->store, conflict->incident_id);
  return g_steal_pointer (&saved);
}

gboolean
tg_workspace_count_conflicts (TgWorkspace  *self,
                              guint        *n_heads,
                              guint        *n_shared,
                              GError      **error)
{
  g_autoptr(TgSqliteStmt) heads = NULL;
  g_autoptr(TgSqliteStmt) shared = NULL;
  gboolean ok = FALSE;

  g_return_val_if_fail (TG_IS_WORKSPACE (self), FALSE);

  tg_store_lock (self->store);
  if (tg_store_check_open (self->store, error) &&
      (heads = prepare (self, "SELECT count(*) FROM incidents WHERE deleted = 0 AND n_heads > 1", error)) &&
      (shared = prepare (self, "SELECT count(*) FROM (SELECT report_id FROM incident_members "
                         "GROUP BY report_id HAVING count(*) > 1)", error)))
    {
      ok = sqlite3_step (heads) == SQLITE_ROW && sqlite3_step (shared) == SQLITE_ROW;
      if (!ok)
        fail_sql (self, error, "count conflicts");
      else
        {
          if (n_heads != NULL)
            *n_heads = sqlite3_column_int (heads, 0);
          if (n_shared != NULL)
            *n_shared = sqlite3_column_int (shared, 0);
        }
    }
  g_clear_pointer (&heads, tg_sqlite_stmt_release);
  g_clear_pointer (&shared, tg_sqlite_stmt_release);
  tg_store_unlock (self->store);
  return ok;
}

/* Dismissed pairs ------------------------------------------------------- */

char *
tg_workspace_pair_key (const char *report_a,
                       const char *report_b)
{
  if (g_strcmp0 (report_a, report_b) > 0)
    return g_strconcat (report_b, " ", report_a, NULL);
  return g_strconcat (report_a, " ", report_b, NULL);
}

gboolean
tg_workspace_skip_dismissed (const char *report_a,
                             const char *report_b,
                             gpointer    dismissed_pairs)
{
  g_autofree char *key = tg_workspace_pair_key (report_a, report_b);

  return dismissed_pairs != NULL && g_hash_table_contains (dismissed_pairs, key);
}

static void
order_pair (const char **a,
            const char **b)
{
  if (g_strcmp0 (*a, *b) > 0)
    {
      const char *t = *a;
      *a = *b;
      *b = t;
    }
}

static char *
report_head_locked (TgWorkspace  *self,
                    const char   *report_id,
                    GError      **error)
{
  g_autoptr(TgSqliteStmt) stmt = prepare (self, "SELECT rev_id FROM reports WHERE id = ? AND deleted = 0",
                                          error);

  if (stmt == NULL)
    return NULL;
  tg_sqlite_bind_text (stmt, 1, report_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    return column_dup (stmt, 0);
  g_set_error (error, TG_ERROR, TG_ERROR_NOT_FOUND, _("There is no report %s."), report_id);
  return NULL;
}

gboolean
tg_workspace_dismiss_pair (TgWorkspace  *self,
                           const char   *report_a,
                           const char   *report_b,
                           GError      **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  g_autofree char *rev_a = NULL;
  g_autofree char *rev_b = NULL;
  gboolean ok = FALSE;

  g_return_val_if_fail (TG_IS_WORKSPACE (self), FALSE);
  g_return_val_if_fail (report_a != NULL && report_b != NULL, FALSE);

  if (g_strcmp0 (report_a, report_b) == 0)
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID, "a pair needs two reports");
      return FALSE;
    }
  order_pair (&report_a, &report_b);
  tg_store_lock (self->store);
  if (tg_store_begin (self->store, error))
    {
      ok = (rev_a = report_head_locked (self, report_a, error)) != NULL &&
           (rev_b = report_head_locked (self, report_b, error)) != NULL &&
           (stmt = prepare (self, "INSERT OR REPLACE INTO dismissed_pairs "
                            "(report_a, report_b, rev_a, rev_b, dismissed_at) VALUES (?, ?, ?, ?, ?)",
                            error)) != NULL;
      if (ok)
        {
          tg_sqlite_bind_text (stmt, 1, report_a);
          tg_sqlite_bind_text (stmt, 2, report_b);
          tg_sqlite_bind_text (stmt, 3, rev_a);
          tg_sqlite_bind_text (stmt, 4, rev_b);
          sqlite3_bind_int64 (stmt, 5, g_get_real_time ());
          ok = tg_sqlite_step_done (tg_store_get_sql (self->store), stmt, error);
        }
      g_clear_pointer (&stmt, tg_sqlite_stmt_release);
      ok = tg_store_commit (self->store, ok, error);
    }
  tg_store_unlock (self->store);
  return ok;
}

gboolean
tg_workspace_undismiss_pair (TgWorkspace  *self,
                             const char   *report_a,
                             const char   *report_b,
                             GError      **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  gboolean ok = FALSE;

  g_return_val_if_fail (TG_IS_WORKSPACE (self), FALSE);

  order_pair (&report_a, &report_b);
  tg_store_lock (self->store);
  if (tg_store_check_open (self->store, error) &&
      (stmt = prepare (self, "DELETE FROM dismissed_pairs WHERE report_a = ? AND report_b = ?", error)))
    {
      tg_sqlite_bind_text (stmt, 1, report_a);
      tg_sqlite_bind_text (stmt, 2, report_b);
      ok = tg_sqlite_step_done (tg_store_get_sql (self->store), stmt, error);
    }
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);
  tg_store_unlock (self->store);
  return ok;
}

#define DISMISSED_SQL \
  "SELECT d.report_a, d.report_b FROM dismissed_pairs d " \
  "JOIN reports ra ON ra.id = d.report_a JOIN reports rb ON rb.id = d.report_b " \
  "WHERE ra.rev_id = d.rev_a AND rb.rev_id = d.rev_b "

gboolean
tg_workspace_is_pair_dismissed (TgWorkspace  *self,
                                const char   *report_a,
                                const char   *report_b,
                                gboolean     *dismissed,
                                GError      **error)
{
  g_autoptr(TgSqliteStmt) stmt = NULL;
  gboolean ok = FALSE;
  int rc;

  g_return_val_if_fail (TG_IS_WORKSPACE (self), FALSE);
  g_return_val_if_fail (dismissed != NULL, FALSE);

  *dismissed = FALSE;
  order_pair (&report_a, &report_b);
  tg_store_lock (self->store);
  if (tg_store_check_open (self->store, error) &&
      (stmt = prepare (self, DISMISSED_SQL "AND d.report_a = ? AND d.report_b = ?", error)))
    {
      tg_sqlite_bind_text (stmt, 1, report_a);
      tg_sqlite_bind_text (stmt, 2, report_b);
      rc = sqlite3_step (stmt);
      *dismissed = rc == SQLITE_ROW;
      ok = rc == SQLITE_ROW || rc == SQLITE_DONE || fail_sql (self, error, "dismissed pairs");
    }
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);
  tg_store_unlock (self->store);
  return ok;
}

GHashTable *
tg_workspace_load_dismissed_pairs (TgWorkspace  *self,
                                   GError      **error)
{
  g_autoptr(GHashTable) pairs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(TgSqliteStmt) stmt = NULL;
  gboolean ok = FALSE;
  int rc;

  g_return_val_if_fail (TG_IS_WORKSPACE (self), NULL);

  tg_store_lock (self->store);
  if (tg_store_check_open (self->store, error) && (stmt = prepare (self, DISMISSED_SQL, error)))
    {
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        g_hash_table_add (pairs, tg_workspace_pair_key ((const char *) sqlite3_column_text (stmt, 0),
                                                        (const char *) sqlite3_column_text (stmt, 1)));
      ok = rc == SQLITE_DONE || fail_sql (self, error, "dismissed pairs");
    }
  g_clear_pointer (&stmt, tg_sqlite_stmt_release);
  tg_store_unlock (self->store);
  return ok ? g_steal_pointer (&pairs) : NULL;
}

/* Async ----------------------------------------------------------------- */

typedef enum
{
  OP_MERGE,
  OP_JOIN,
  OP_REMOVE,
  OP_DISSOLVE,
  OP_SAVE,
  OP_LIST_REPORTS,
  OP_LIST_MONITORS,
  OP_LIST_INCIDENTS,
  OP_LOAD_BUNDLE,
  OP_LOAD_CONFLICT,
  OP_RESOLVE,
} OpKind;

typedef struct
{
  OpKind              kind;
  char               *incident_id;
  char               *report_id;
  char              **report_ids;
  TgIncident         *incident;
  TgWorkspaceFilter  *filter;
  int                 status;
  TgIncidentConflict *conflict;
  gboolean            dissolved;
} Op;

static void
op_free (gpointer data)
{
  Op *op = data;

  g_free (op->incident_id);
  g_free (op->report_id);
  g_strfreev (op->report_ids);
  g_clear_object (&op->incident);
  tg_workspace_filter_free (op->filter);
  tg_incident_conflict_free (op->conflict);
  g_free (op);
}

static void
op_thread (GTask        *task,
           gpointer      source_object,
           gpointer      task_data,
           GCancellable *cancellable)
{
  TgWorkspace *self = source_object;
  Op *op = task_data;
  GError *error = NULL;
  gpointer result = NULL;
  GDestroyNotify free_func = g_object_unref;

  switch (op->kind)
    {
    case OP_MERGE:
      result = tg_workspace_merge (self, (const char * const *) op->report_ids, &error);
      break;
    case OP_JOIN:
      result = tg_workspace_join (self, op->incident_id, (const char * const *) op->report_ids, &error);
      break;
    case OP_REMOVE:
      result = tg_workspace_remove_report (self, op->incident_id, op->report_id, &error);
      break;
    case OP_DISSOLVE:
      result = tg_workspace_dissolve (self, op->incident_id, &error);
      break;
    case OP_SAVE:
      result = tg_workspace_save_incident (self, op->incident, &error);
      break;
    case OP_LIST_REPORTS:
      result = tg_workspace_list_reports (self, op->filter, &error);
      free_func = (GDestroyNotify) g_ptr_array_unref;
      break;
    case OP_LIST_MONITORS:
      result = tg_workspace_list_monitors (self, &error);
      free_func = (GDestroyNotify) g_strfreev;
      break;
    case OP_LIST_INCIDENTS:
      result = tg_workspace_list_incidents (self, op->status, &error);
      free_func = (GDestroyNotify) g_ptr_array_unref;
      break;
    case OP_LOAD_BUNDLE:
      result = tg_workspace_load_bundle (self, op->incident_id, &error);
      free_func = (GDestroyNotify) tg_incident_bundle_free;
      break;
    case OP_LOAD_CONFLICT:
      result = tg_workspace_load_conflict (self, op->incident_id, &error);
      free_func = (GDestroyNotify) tg_incident_conflict_free;
      break;
    case OP_RESOLVE:
      result = tg_workspace_resolve_conflict (self, op->conflict, op->incident, op->dissolved, &error);
      break;
    default:
      g_assert_not_reached ();
    }
  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, free_func);
}

static void
run_op (TgWorkspace         *self,
        Op                  *op,
        gpointer             source_tag,
        GCancellable        *cancellable,
        GAsyncReadyCallback  callback,
        gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, op, op_free);
  g_task_run_in_thread (task, op_thread);
}

static Op *
op_new (OpKind kind)
{
  Op *op = g_new0 (Op, 1);

  op->kind = kind;
  op->status = -1;
  return op;
}

void
tg_workspace_list_reports_async (TgWorkspace             *self,
                                 const TgWorkspaceFilter *filter,
                                 GCancellable            *cancellable,
                                 GAsyncReadyCallback      callback,
                                 gpointer                 user_data)
{
  Op *op = op_new (OP_LIST_REPORTS);

  g_return_if_fail (TG_IS_WORKSPACE (self));
  op->filter = tg_workspace_filter_copy (filter);
  run_op (self, op, tg_workspace_list_reports_async, cancellable, callback, user_data);
}

GPtrArray *
tg_workspace_list_reports_finish (TgWorkspace   *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tg_workspace_list_monitors_async (TgWorkspace         *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (TG_IS_WORKSPACE (self));
  run_op (self, op_new (OP_LIST_MONITORS), tg_workspace_list_monitors_async, cancellable, callback, user_data);
}

GStrv
tg_workspace_list_monitors_finish (TgWorkspace   *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tg_workspace_list_incidents_async (TgWorkspace         *self,
                                   int                  status,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  Op *op = op_new (OP_LIST_INCIDENTS);

  g_return_if_fail (TG_IS_WORKSPACE (self));
  op->status = status;
  run_op (self, op, tg_workspace_list_incidents_async, cancellable, callback, user_data);
}

GPtrArray *
tg_workspace_list_incidents_finish (TgWorkspace   *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tg_workspace_load_bundle_async (TgWorkspace         *self,
                                const char          *incident_id,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  Op *op = op_new (OP_LOAD_BUNDLE);

  g_return_if_fail (TG_IS_WORKSPACE (self));
  op->incident_id = g_strdup (incident_id);
  run_op (self, op, tg_workspace_load_bundle_async, cancellable, callback, user_data);
}

TgIncidentBundle *
tg_workspace_load_bundle_finish (TgWorkspace   *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tg_workspace_merge_async (TgWorkspace         *self,
                          const char * const  *report_ids,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  Op *op = op_new (OP_MERGE);

  g_return_if_fail (TG_IS_WORKSPACE (self));
  op->report_ids = g_strdupv ((char **) report_ids);
  run_op (self, op, tg_workspace_change_finish, cancellable, callback, user_data);
}

void
tg_workspace_join_async (TgWorkspace         *self,
                         const char          *incident_id,
                         const char * const  *report_ids,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  Op *op = op_new (OP_JOIN);

  g_return_if_fail (TG_IS_WORKSPACE (self));
  op->incident_id = g_strdup (incident_id);
  op->report_ids = g_strdupv ((char **) report_ids);
  run_op (self, op, tg_workspace_change_finish, cancellable, callback, user_data);
}

void
tg_workspace_remove_report_async (TgWorkspace         *self,
                                  const char          *incident_id,
                                  const char          *report_id,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  Op *op = op_new (OP_REMOVE);

  g_return_if_fail (TG_IS_WORKSPACE (self));
  op->incident_id = g_strdup (incident_id);
  op->report_id = g_strdup (report_id);
  run_op (self, op, tg_workspace_change_finish, cancellable, callback, user_data);
}

void
tg_workspace_dissolve_async (TgWorkspace         *self,
                             const char          *incident_id,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  Op *op = op_new (OP_DISSOLVE);

  g_return_if_fail (TG_IS_WORKSPACE (self));
  op->incident_id = g_strdup (incident_id);
  run_op (self, op, tg_workspace_change_finish, cancellable, callback, user_data);
}

void
tg_workspace_save_incident_async (TgWorkspace         *self,
                                  TgIncident          *incident,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  Op *op = op_new (OP_SAVE);

  g_return_if_fail (TG_IS_WORKSPACE (self));
  g_return_if_fail (TG_IS_INCIDENT (incident));
  /* The worker gets its own copy: it never touches the caller's object. */
  op->incident = tg_incident_copy (incident);
  run_op (self, op, tg_workspace_change_finish, cancellable, callback, user_data);
}

void
tg_workspace_load_conflict_async (TgWorkspace         *self,
                                  const char          *incident_id,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  Op *op = op_new (OP_LOAD_CONFLICT);

  g_return_if_fail (TG_IS_WORKSPACE (self));
  op->incident_id = g_strdup (incident_id);
  run_op (self, op, tg_workspace_load_conflict_async, cancellable, callback, user_data);
}

TgIncidentConflict *
tg_workspace_load_conflict_finish (TgWorkspace   *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tg_workspace_load_conflict_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tg_workspace_resolve_conflict_async (TgWorkspace         *self,
                                     TgIncidentConflict  *conflict,
                                     TgIncident          *resolved,
                                     gboolean             dissolved,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  Op *op = op_new (OP_RESOLVE);

  g_return_if_fail (TG_IS_WORKSPACE (self));
  g_return_if_fail (conflict != NULL);
  g_return_if_fail (TG_IS_INCIDENT (resolved));
  /* The worker reads the heads only; it gets its own incident. */
  op->conflict = g_new0 (TgIncidentConflict, 1);
  op->conflict->incident_id = g_strdup (conflict->incident_id);
  op->conflict->heads = g_ptr_array_ref (conflict->heads);
  op->conflict->differences = g_ptr_array_ref (conflict->differences);
  op->incident = tg_incident_copy (resolved);
  op->dissolved = dissolved;
  run_op (self, op, tg_workspace_change_finish, cancellable, callback, user_data);
}

TgIncident *
tg_workspace_change_finish (TgWorkspace   *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tg_workspace_change_finish, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
