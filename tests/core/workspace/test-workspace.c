/* test-workspace.c — incidents: the model's canonical JSON, the store's
 * incident tables, and every workspace operation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <sqlite3.h>
#include <string.h>

#include "tg-custody-log.h"
#include "tg-dedupe.h"
#include "tg-incident.h"
#include "tg-store-private.h"
#include "tg-test-common.h"
#include "tg-workspace.h"

typedef struct
{
  char        *dir;
  TgStore     *store;
  TgWorkspace *workspace;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->dir = tg_test_make_tmp_dir ("testigo-workspace-XXXXXX");
  fixture->store = tg_test_open_store (fixture->dir);
  fixture->workspace = tg_workspace_new (fixture->store);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->workspace);
  g_clear_object (&fixture->store);
  tg_test_rm_rf (fixture->dir);
  g_free (fixture->dir);
}

/* Closes and opens the store again: what follows reads from the file. */
static void
reopen (Fixture *fixture)
{
  g_clear_object (&fixture->workspace);
  g_clear_object (&fixture->store);
  fixture->store = tg_test_open_store (fixture->dir);
  fixture->workspace = tg_workspace_new (fixture->store);
}

static TgPerson *
new_person (const char   *name,
            TgPersonRole  role)
{
  TgPerson *person = tg_person_new (role);

  tg_person_set_name (person, name);
  return person;
}

/* Three monitors' reports of the Juliaca airport shootings of 9 January
 * 2023: different counts, a name written three ways. */
static TgReport *
juliaca_report (int         variant,
                const char *victim_name,
                int         killed)
{
  TgReport *report = tg_report_new ();
  g_autoptr(TgPerson) victim = new_person (victim_name, TG_PERSON_ROLE_VICTIM);
  const char *categories[] = { "killing", NULL };

  switch (variant)
    {
    case 0:
      tg_report_set_title (report, "Disparos en el aeropuerto de Juliaca");
      tg_report_set_narrative (report, "La policía disparó contra manifestantes.");
      {
        g_autoptr(GDateTime) start = g_date_time_new_utc (2023, 1, 9, 20, 30, 0);
        tg_report_set_start (report, start);
        tg_report_set_date_precision (report, TG_DATE_PRECISION_EXACT);
      }
      tg_report_set_location (report, -15.4671, -70.1581, TG_LOCATION_METHOD_MAP);
      tg_report_set_uncertainty (report, 300);
      tg_report_set_region_code (report, "PE-PUN");
      tg_report_set_province_code (report, "PE-PUN-SRO");
      tg_report_set_place_name (report, "Juliaca");
      break;
    case 1:
      tg_report_set_title (report, "Muertos en Juliaca");
      {
        g_autoptr(GDateTime) start = g_date_time_new_utc (2023, 1, 9, 0, 0, 0);
        tg_report_set_start (report, start);
        tg_report_set_date_precision (report, TG_DATE_PRECISION_DAY);
      }
      tg_report_set_region_code (report, "PE-PUN");
      {
        const char *perpetrators[] = { "police", NULL };
        tg_report_set_perpetrators (report, perpetrators);
      }
      break;
    default:
      tg_report_set_title (report, "Juliaca, 9 de enero");
      tg_report_set_narrative (report, "Testimonio de un familiar.");
      break;
    }
  tg_report_set_categories (report, categories);
  tg_report_set_killed (report, killed);
  tg_report_add_person (report, victim);
  return report;
}

static char *
save (TgStore  *store,
      TgReport *report)
{
  g_autoptr(TgRevision) rev = tg_test_save_report (store, report);

  return g_strdup (tg_report_get_id (report));
}

/* Every revision of a record, id and content bytes, in one string. */
static char *
snapshot (TgStore    *store,
          const char *record_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) revs = tg_store_list_revisions (store, record_id, &error);
  GString *out = g_string_new (NULL);

  g_assert_no_error (error);
  g_assert_cmpuint (revs->len, >, 0);
  for (guint i = 0; i < revs->len; i++)
    g_string_append_printf (out, "%s %d\n%s\n", tg_revision_get_id (revs->pdata[i]),
                            tg_revision_get_deleted (revs->pdata[i]),
                            tg_revision_get_content (revs->pdata[i]));
  return g_string_free (out, FALSE);
}

static guint
count_revisions (TgStore    *store,
                 const char *record_id)
{
  g_autoptr(GPtrArray) revs = tg_store_list_revisions (store, record_id, NULL);

  return revs ? revs->len : 0;
}

static const TgIncidentPerson *
person_named (TgIncident *incident,
              const char *name)
{
  for (guint i = 0; i < tg_incident_get_n_persons (incident); i++)
    {
      const TgIncidentPerson *person = tg_incident_get_person (incident, i);

      if (g_strcmp0 (person->name, name) == 0)
        return person;
    }
  return NULL;
}

static const char *
person_id_of (TgReport *report,
              guint     index)
{
  g_autoptr(TgPerson) person = g_list_model_get_item (tg_report_get_persons (report), index);

  return tg_person_get_id (person);
}

/* The model ------------------------------------------------------------- */

static TgIncident *
full_incident (TgReport *a,
               TgReport *b)
{
  TgIncident *incident = tg_incident_new ();
  g_autoptr(JsonObject) value = json_object_new ();
  g_autoptr(GDateTime) at = g_date_time_new_utc (2023, 2, 1, 12, 0, 0);
  const char *pid;

  tg_incident_add_member (incident, tg_report_get_id (b), "b-rev");
  tg_incident_add_member (incident, tg_report_get_id (a), "a-rev");
  for (guint f = 0; f < TG_INCIDENT_N_FIELDS; f++)
    tg_incident_set_field_from_report (incident, f, f % 2 ? b : a);
  json_object_set_string_member (value, "title", "Masacre de Juliaca");
  json_object_set_string_member (value, "ignored", "not a member of the field");
  tg_incident_set_field_value (incident, TG_INCIDENT_FIELD_TITLE, value, "Nombre usado por la prensa");
  tg_incident_add_count_source (incident, TG_INCIDENT_COUNT_KILLED, tg_report_get_id (b), 18);
  tg_incident_add_count_source (incident, TG_INCIDENT_COUNT_KILLED, tg_report_get_id (a), 17);
  tg_incident_set_count_figure (incident, TG_INCIDENT_COUNT_KILLED, 18, "Acta de defunción");
  pid = tg_incident_add_person (incident, "Juan Pérez Quispe", TG_PERSON_ROLE_VICTIM,
                                tg_report_get_id (a), person_id_of (a, 0));
  tg_incident_link_person (incident, pid, tg_report_get_id (b), person_id_of (b, 0));
  tg_incident_set_status (incident, TG_INCIDENT_STATUS_VERIFIED, "coordinadora", at, "Dos fuentes");
  tg_incident_set_notes (incident, "Ver informe de la Defensoría.");
  return incident;
}

static void
test_model_json (void)
{
  g_autoptr(TgReport) a = juliaca_report (0, "Juan Pérez Quispe", 17);
  g_autoptr(TgReport) b = juliaca_report (1, "juan perez q.", 18);
  g_autoptr(TgIncident) incident = full_incident (a, b);
  g_autoptr(TgIncident) again = NULL;
  g_autoptr(TgIncident) copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = tg_incident_to_json_string (incident);
  g_autofree char *json2 = NULL;
  g_autofree char *json3 = NULL;
  const TgIncidentCountValue *killed;
  const TgProvenance *provenance;

  g_assert_true (tg_incident_validate (incident, &error));
  g_assert_no_error (error);

  /* The same incident gives the same bytes, through a parse and a copy. */
  again = tg_incident_new_from_json_string (json, -1, &error);
  g_assert_no_error (error);
  json2 = tg_incident_to_json_string (again);
  g_assert_cmpstr (json, ==, json2);
  copy = tg_incident_copy (incident);
  json3 = tg_incident_to_json_string (copy);
  g_assert_cmpstr (json, ==, json3);

  /* Members sorted by report id, whatever the order they were added in. */
  g_assert_cmpuint (tg_incident_get_n_members (again), ==, 2);
  g_assert_cmpint (strcmp (tg_incident_get_member (again, 0)->report_id,
                           tg_incident_get_member (again, 1)->report_id), <, 0);

  g_assert_cmpstr (tg_incident_get_title (again), ==, "Masacre de Juliaca");
  g_assert_null (strstr (json, "not a member of the field"));
  provenance = tg_incident_get_field_provenance (again, TG_INCIDENT_FIELD_TITLE);
  g_assert_cmpint (provenance->kind, ==, TG_PROVENANCE_COORDINATOR);
  g_assert_cmpstr (provenance->reason, ==, "Nombre usado por la prensa");
  provenance = tg_incident_get_field_provenance (again, TG_INCIDENT_FIELD_WHEN);
  g_assert_cmpint (provenance->kind, ==, TG_PROVENANCE_REPORT);
  g_assert_cmpstr (provenance->report_id, ==, tg_report_get_id (a));
  {
    g_autoptr(GDateTime) start = tg_incident_dup_start (again);
    g_autoptr(GDateTime) expected = g_date_time_new_utc (2023, 1, 9, 20, 30, 0);

    g_assert_nonnull (start);
    g_assert_true (g_date_time_equal (start, expected));
  }
  /* Even fields came from a, odd ones from b: b has no point. */
  g_assert_true (isnan (tg_incident_get_latitude (again)));
  g_assert_cmpint (tg_incident_get_field_provenance (again, TG_INCIDENT_FIELD_LOCATION)->kind,
                   ==, TG_PROVENANCE_REPORT);
  g_assert_cmpstr (tg_incident_get_region_code (again), ==, "PE-PUN");
  g_assert_cmpstr (tg_incident_get_place_name (again), ==, "Juliaca");
  {
    g_auto(GStrv) categories = tg_incident_dup_categories (again);

    g_assert_cmpstrv (categories, ((const char *[]) { "killing", NULL }));
  }

  killed = tg_incident_get_count (again, TG_INCIDENT_COUNT_KILLED);
  g_assert_cmpint (killed->min, ==, 17);
  g_assert_cmpint (killed->max, ==, 18);
  g_assert_cmpuint (killed->n_sources, ==, 2);
  g_assert_cmpint (killed->figure, ==, 18);
  g_assert_cmpstr (killed->reason, ==, "Acta de defunción");
  g_assert_cmpint (tg_incident_get_count_display (again, TG_INCIDENT_COUNT_KILLED), ==, 18);
  g_assert_cmpint (tg_incident_get_count (again, TG_INCIDENT_COUNT_INJURED)->min, ==, -1);

  g_assert_cmpuint (tg_incident_get_n_persons (again), ==, 1);
  g_assert_cmpuint (tg_incident_get_person (again, 0)->n_links, ==, 2);
  g_assert_cmpint (tg_incident_get_status (again), ==, TG_INCIDENT_STATUS_VERIFIED);
  g_assert_cmpstr (tg_incident_get_status_by (again), ==, "coordinadora");
  g_assert_cmpstr (tg_incident_get_status_reason (again), ==, "Dos fuentes");
  g_assert_nonnull (tg_incident_get_status_at (again));
  g_assert_cmpstr (tg_incident_get_notes (again), ==, "Ver informe de la Defensoría.");
}

static void
test_model_bad_input (void)
{
  g_autoptr(TgReport) a = juliaca_report (0, "Juan Pérez Quispe", 17);
  g_autoptr(TgReport) b = juliaca_report (1, "juan perez q.", 18);
  g_autoptr(TgIncident) incident = full_incident (a, b);
  g_autofree char *json = tg_incident_to_json_string (incident);
  const char *bad[] = {
    "",
    "[]",
    "{\"format\":\"testigo-incident-9\"}",
    "{\"format\":\"testigo-incident-1\",\"id\":\"not-a-uuid\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TgIncident) parsed = tg_incident_new_from_json_string (bad[i], -1, &error);

      g_assert_null (parsed);
      g_assert_error (error, TG_ERROR, TG_ERROR_INVALID);
    }

  /* Edits of the good form that break one rule each. */
  {
    const char *edits[][2] = {
      { "\"value\":\"verified\"", "\"value\":\"certain\"" },
      { "\"figure\":18", "\"figure\":-7" },
      { "\"kind\":\"coordinator\"", "\"kind\":\"rumour\"" },
      { "\"tombstoned\":false", "\"tombstoned\":\"no\"" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (edits); i++)
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(GString) text = g_string_new (json);
        g_autoptr(TgIncident) parsed = NULL;

        g_assert_nonnull (strstr (json, edits[i][0]));
        g_string_replace (text, edits[i][0], edits[i][1], 1);
        parsed = tg_incident_new_from_json_string (text->str, -1, &error);
        g_assert_null (parsed);
        g_assert_error (error, TG_ERROR, TG_ERROR_INVALID);
      }
  }

  /* A provenance, a count source or a person link outside the members is
   * refused by validation. */
  {
    g_autoptr(GError) error = NULL;

    g_assert_true (tg_incident_remove_member (incident, tg_report_get_id (b)));
    g_assert_true (tg_incident_validate (incident, &error));
    g_assert_cmpuint (tg_incident_get_count (incident, TG_INCIDENT_COUNT_KILLED)->n_sources, ==, 1);
    g_assert_cmpint (tg_incident_get_count (incident, TG_INCIDENT_COUNT_KILLED)->max, ==, 17);
    tg_incident_add_count_source (incident, TG_INCIDENT_COUNT_KILLED, tg_report_get_id (b), 18);
    g_assert_false (tg_incident_validate (incident, &error));
    g_assert_error (error, TG_ERROR, TG_ERROR_INVALID);
  }
}

/* Merge and unmerge ----------------------------------------------------- */

typedef struct
{
  char *ids[4];  /* NULL-terminated */
  TgReport *reports[3];
} Juliaca;

static void
juliaca_save (TgStore *store,
              Juliaca *j)
{
  const char *names[] = { "Juan Pérez Quispe", "juan perez q.", "Pérez Quispe, Juan" };
  const int killed[] = { 17, 18, -1 };

  for (guint i = 0; i < 3; i++)
    {
      j->reports[i] = juliaca_report (i, names[i], killed[i]);
      j->ids[i] = save (store, j->reports[i]);
    }
  /* A second victim only the first report names. */
  {
    g_autoptr(TgPerson) other = new_person ("María Mamani Condori", TG_PERSON_ROLE_VICTIM);
    g_autoptr(GError) error = NULL;
    g_autoptr(TgRevision) rev = NULL;

    tg_report_add_person (j->reports[0], other);
    rev = tg_store_save_report (store, j->reports[0], &error);
    g_assert_no_error (error);
  }
}

static void
juliaca_clear (Juliaca *j)
{
  for (guint i = 0; i < 3; i++)
    {
      g_free (j->ids[i]);
      g_clear_object (&j->reports[i]);
    }
}

static void
test_merge_round_trip (Fixture       *fixture,
                       gconstpointer  data)
{
  Juliaca j = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(TgIncident) incident = NULL;
  g_autoptr(TgIncident) removed = NULL;
  g_autoptr(TgIncident) dissolved = NULL;
  char *before[3];
  g_autofree char *incident_id = NULL;

  juliaca_save (fixture->store, &j);
  for (guint i = 0; i < 3; i++)
    before[i] = snapshot (fixture->store, j.ids[i]);

  incident = tg_workspace_merge (fixture->workspace, (const char * const *) j.ids, &error);
  g_assert_no_error (error);
  g_assert_nonnull (incident);
  incident_id = g_strdup (tg_incident_get_id (incident));
  g_assert_cmpuint (tg_incident_get_n_members (incident), ==, 3);
  g_assert_cmpuint (count_revisions (fixture->store, incident_id), ==, 1);

  /* Each report is held by it, and no longer "not in an incident". */
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *holder = NULL;
      TgIncidentStatus status = TG_INCIDENT_STATUS_DISPUTED;

      g_assert_true (tg_workspace_get_report_incident (fixture->workspace, j.ids[i], &holder,
                                                       &status, NULL, &error));
      g_assert_cmpstr (holder, ==, incident_id);
      g_assert_cmpint (status, ==, TG_INCIDENT_STATUS_UNVERIFIED);
    }

  removed = tg_workspace_remove_report (fixture->workspace, incident_id, j.ids[1], &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tg_incident_get_n_members (removed), ==, 2);
  g_assert_null (tg_incident_find_member (removed, j.ids[1]));
  /* Its mention of Juan and its figure went with it. */
  g_assert_cmpuint (person_named (removed, "Juan Pérez Quispe")->n_links, ==, 2);
  g_assert_null (tg_incident_find_person_by_link (removed, j.ids[1], person_id_of (j.reports[1], 0)));
  g_assert_cmpint (tg_incident_get_count (removed, TG_INCIDENT_COUNT_KILLED)->max, ==, 17);
  g_assert_cmpuint (count_revisions (fixture->store, incident_id), ==, 2);
  {
    g_autofree char *holder = NULL;

    g_assert_true (tg_workspace_get_report_incident (fixture->workspace, j.ids[1], &holder,
                                                     NULL, NULL, &error));
    g_assert_null (holder);
  }

  dissolved = tg_workspace_dissolve (fixture->workspace, incident_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_revisions (fixture->store, incident_id), ==, 3);

  reopen (fixture);
  /* Its reports are free again. */
  {
    g_autoptr(TgWorkspaceFilter) filter = tg_workspace_filter_new ();
    g_autoptr(GPtrArray) rows = NULL;

    filter->not_in_incident = TRUE;
    rows = tg_workspace_list_reports (fixture->workspace, filter, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (rows->len, ==, 3);
  }
  {
    g_autoptr(GPtrArray) incidents = tg_workspace_list_incidents (fixture->workspace, -1, &error);
    g_autoptr(TgIncident) gone = tg_workspace_load_incident (fixture->workspace, incident_id, &error);

    g_assert_null (gone);
    g_assert_error (error, TG_ERROR, TG_ERROR_NOT_FOUND);
    g_clear_error (&error);
    g_assert_nonnull (incidents);
    g_assert_cmpuint (incidents->len, ==, 0);
  }

  /* Every change was logged: subject the incident, detail the revision. */
  {
    g_autoptr(GPtrArray) events = tg_custody_log_list (tg_store_get_custody_log (fixture->store),
                                                       incident_id, &error);
    g_autoptr(GPtrArray) revs = tg_store_list_revisions (fixture->store, incident_id, &error);
    const TgCustodyAction actions[] = { TG_CUSTODY_CREATED, TG_CUSTODY_EDITED, TG_CUSTODY_DELETED };

    g_assert_no_error (error);
    g_assert_cmpuint (events->len, ==, 3);
    for (guint i = 0; i < 3; i++)
      {
        g_assert_cmpint (tg_custody_event_get_action (events->pdata[i]), ==, actions[i]);
        g_assert_cmpstr (tg_custody_event_get_detail (events->pdata[i]), ==,
                         tg_revision_get_id (revs->pdata[i]));
      }
    g_assert_true (tg_revision_get_deleted (revs->pdata[2]));
  }

  /* The reports are byte for byte what they were: every revision, no new
   * one. */
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *after = snapshot (fixture->store, j.ids[i]);

      g_assert_cmpstr (before[i], ==, after);
      g_free (before[i]);
    }
  juliaca_clear (&j);
}

static void
test_merge_provenance (Fixture       *fixture,
                       gconstpointer  data)
{
  Juliaca j = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(TgIncident) incident = NULL;
  const char *order[] = { NULL, NULL, NULL, NULL };
  const struct { TgIncidentField field; int from; } expected[] = {
    { TG_INCIDENT_FIELD_TITLE, 1 },         /* the first named has one */
    { TG_INCIDENT_FIELD_NARRATIVE, 2 },     /* report 1 has none: the next named */
    { TG_INCIDENT_FIELD_WHEN, 1 },
    { TG_INCIDENT_FIELD_LOCATION, 0 },      /* only report 0 has a point */
    { TG_INCIDENT_FIELD_PLACE, 1 },
    { TG_INCIDENT_FIELD_CATEGORIES, 1 },
    { TG_INCIDENT_FIELD_PERPETRATORS, 1 },
  };

  juliaca_save (fixture->store, &j);
  order[0] = j.ids[1];
  order[1] = j.ids[2];
  order[2] = j.ids[0];
  incident = tg_workspace_merge (fixture->workspace, order, &error);
  g_assert_no_error (error);

  /* Every field names the report it came from, and holds that report's
   * value exactly. */
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      const TgProvenance *provenance = tg_incident_get_field_provenance (incident, expected[i].field);
      g_autoptr(JsonObject) theirs = tg_incident_field_value_from_report (expected[i].field,
                                                                          j.reports[expected[i].from]);
      JsonObject *ours = tg_incident_get_field_value (incident, expected[i].field);
      g_autoptr(JsonNode) a = json_node_init_object (json_node_alloc (), theirs);
      g_autoptr(JsonNode) b = json_node_init_object (json_node_alloc (), ours);

      g_test_message ("field %s", tg_incident_field_to_string (expected[i].field));
      g_assert_cmpint (provenance->kind, ==, TG_PROVENANCE_REPORT);
      g_assert_cmpstr (provenance->report_id, ==, j.ids[expected[i].from]);
      g_assert_true (json_node_equal (a, b));
    }

  /* Chosen from another report, then written anew with a reason. */
  {
    g_autoptr(TgIncident) chosen = NULL;
    g_autoptr(TgIncident) written = NULL;
    g_autoptr(JsonObject) value = json_object_new ();

    chosen = tg_workspace_set_field_from_report (fixture->workspace, tg_incident_get_id (incident),
                                                 TG_INCIDENT_FIELD_TITLE, j.ids[0], &error);
    g_assert_no_error (error);
    g_assert_cmpstr (tg_incident_get_title (chosen), ==, "Disparos en el aeropuerto de Juliaca");
    g_assert_cmpstr (tg_incident_get_field_provenance (chosen, TG_INCIDENT_FIELD_TITLE)->report_id,
                     ==, j.ids[0]);

    json_object_set_string_member (value, "title", "Masacre del aeropuerto de Juliaca");
    written = tg_workspace_set_field (fixture->workspace, tg_incident_get_id (incident),
                                      TG_INCIDENT_FIELD_TITLE, value, "Nombre de la CIDH", &error);
    g_assert_no_error (error);
    g_assert_cmpint (tg_incident_get_field_provenance (written, TG_INCIDENT_FIELD_TITLE)->kind,
                     ==, TG_PROVENANCE_COORDINATOR);
  }

  /* A report outside the incident cannot give a value. */
  {
    g_autoptr(TgReport) outsider = juliaca_report (2, "Otra persona", 1);
    g_autofree char *outsider_id = save (fixture->store, outsider);
    g_autoptr(TgIncident) refused =
      tg_workspace_set_field_from_report (fixture->workspace, tg_incident_get_id (incident),
                                          TG_INCIDENT_FIELD_TITLE, outsider_id, &error);

    g_assert_null (refused);
    g_assert_error (error, TG_ERROR, TG_ERROR_INVALID);
    g_clear_error (&error);
  }

  /* Removing the report a field came from takes it from another member. */
  {
    g_autoptr(TgIncident) after = tg_workspace_remove_report (fixture->workspace,
                                                              tg_incident_get_id (incident),
                                                              j.ids[1], &error);
    const TgProvenance *when;

    g_assert_no_error (error);
    when = tg_incident_get_field_provenance (after, TG_INCIDENT_FIELD_WHEN);
    g_assert_cmpint (when->kind, ==, TG_PROVENANCE_REPORT);
    g_assert_cmpstr (when->report_id, ==, j.ids[0]);
    /* Written by the coordinator: stays. */
    g_assert_cmpstr (tg_incident_get_title (after), ==, "Masacre del aeropuerto de Juliaca");
    /* Only report 1 had perpetrators. */
    g_assert_cmpint (tg_incident_get_field_provenance (after, TG_INCIDENT_FIELD_PERPETRATORS)->kind,
                     ==, TG_PROVENANCE_NONE);
  }

  reopen (fixture);
  {
    g_autoptr(TgIncident) loaded = tg_workspace_load_incident (fixture->workspace,
                                                               tg_incident_get_id (incident), &error);

    g_assert_no_error (error);
    g_assert_cmpstr (tg_incident_get_title (loaded), ==, "Masacre del aeropuerto de Juliaca");
    g_assert_cmpstr (tg_incident_get_field_provenance (loaded, TG_INCIDENT_FIELD_TITLE)->reason,
                     ==, "Nombre de la CIDH");
  }
  juliaca_clear (&j);
}

/* A report joins an existing incident; an unchanged save records
 * nothing. */
static void
test_join (Fixture       *fixture,
           gconstpointer  data)
{
  Juliaca j = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(TgIncident) incident = NULL;
  g_autoptr(TgIncident) same = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  TgIncident *joined = NULL;
  const char *first[] = { NULL, NULL, NULL };
  const char *third[] = { NULL, NULL };
  guint n_revisions;

  juliaca_save (fixture->store, &j);
  first[0] = j.ids[0];
  first[1] = j.ids[2];
  third[0] = j.ids[1];
  incident = tg_workspace_merge (fixture->workspace, first, &error);
  g_assert_no_error (error);
  /* Neither has perpetrators; only report 1 does. */
  g_assert_cmpint (tg_incident_get_field_provenance (incident, TG_INCIDENT_FIELD_PERPETRATORS)->kind,
                   ==, TG_PROVENANCE_NONE);
  g_assert_cmpint (tg_incident_get_count (incident, TG_INCIDENT_COUNT_KILLED)->max, ==, 17);

  tg_workspace_join_async (fixture->workspace, tg_incident_get_id (incident), third, NULL,
                           tg_test_keep_result_cb, &result);
  joined = tg_workspace_change_finish (fixture->workspace, tg_test_await_result (&result, 30000, "join"), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tg_incident_get_n_members (joined), ==, 3);
  g_assert_cmpstr (tg_incident_get_field_provenance (joined, TG_INCIDENT_FIELD_PERPETRATORS)->report_id,
                   ==, j.ids[1]);
  /* Fields already chosen stay. */
  g_assert_cmpstr (tg_incident_get_field_provenance (joined, TG_INCIDENT_FIELD_TITLE)->report_id,
                   ==, j.ids[0]);
  g_assert_cmpint (tg_incident_get_count (joined, TG_INCIDENT_COUNT_KILLED)->max, ==, 18);
  g_assert_cmpuint (person_named (joined, "Juan Pérez Quispe")->n_links, ==, 3);

  n_revisions = count_revisions (fixture->store, tg_incident_get_id (incident));
  g_assert_cmpuint (n_revisions, ==, 2);
  same = tg_workspace_save_incident (fixture->workspace, joined, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_revisions (fixture->store, tg_incident_get_id (incident)), ==, n_revisions);

  /* Joining again changes nothing either. */
  {
    g_autoptr(TgIncident) again = tg_workspace_join (fixture->workspace, tg_incident_get_id (incident),
                                                     third, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (count_revisions (fixture->store, tg_incident_get_id (incident)), ==, n_revisions);
  }
  g_object_unref (joined);
  juliaca_clear (&j);
}

/* Joining is refused, with nothing recorded, for a report another live
 * incident holds (TG_ERROR_CONFLICT), a report its monitor deleted, a
 * dissolved incident and an id that is no incident (TG_ERROR_NOT_FOUND). */
static void
test_join_refused (Fixture       *fixture,
                   gconstpointer  data)
{
  Juliaca j = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(TgIncident) first = NULL;
  g_autoptr(TgIncident) second = NULL;
  g_autoptr(TgReport) loose = juliaca_report (2, "Rosa Quispe", 1);
  g_autoptr(TgReport) gone = juliaca_report (2, "Ana Huamán", 1);
  g_autofree char *loose_id = NULL, *gone_id = NULL;
  guint n_revisions;

  juliaca_save (fixture->store, &j);
  loose_id = save (fixture->store, loose);
  gone_id = save (fixture->store, gone);
  {
    const char *a[] = { j.ids[0], j.ids[1], NULL };
    const char *b[] = { j.ids[2], loose_id, NULL };

    first = tg_workspace_merge (fixture->workspace, a, &error);
    g_assert_no_error (error);
    second = tg_workspace_merge (fixture->workspace, b, &error);
    g_assert_no_error (error);
  }
  {
    g_autoptr(TgRevision) tombstone = tg_store_delete_report (fixture->store, gone_id, &error);

    g_assert_no_error (error);
    g_assert_nonnull (tombstone);
  }
  n_revisions = count_revisions (fixture->store, tg_incident_get_id (first));

  {
    const char *held[] = { loose_id, NULL };
    g_autoptr(TgIncident) refused = tg_workspace_join (fixture->workspace, tg_incident_get_id (first), held, &error);

    g_assert_null (refused);
    g_assert_error (error, TG_ERROR, TG_ERROR_CONFLICT);
    g_clear_error (&error);
  }
  {
    const char *deleted[] = { gone_id, NULL };
    g_autoptr(TgIncident) refused = tg_workspace_join (fixture->workspace, tg_incident_get_id (first), deleted,
                                                       &error);

    g_assert_null (refused);
    g_assert_error (error, TG_ERROR, TG_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }
  g_assert_cmpuint (count_revisions (fixture->store, tg_incident_get_id (first)), ==, n_revisions);
  {
    const char *ids[] = { j.ids[2], NULL };
    g_autoptr(TgIncident) refused = tg_workspace_join (fixture->workspace, "0190e6d2-0000-7000-8000-000000000000",
                                                       ids, &error);

    g_assert_null (refused);
    g_assert_error (error, TG_ERROR, TG_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }
  /* Chosen together in the report list: which incident they join. */
  {
    g_autoptr(GPtrArray) rows = tg_workspace_list_reports (fixture->workspace, NULL, &error);
    g_autoptr(GPtrArray) chosen = g_ptr_array_new ();
    const char *target;
    guint n_free = 0;

    g_assert_no_error (error);
    for (guint i = 0; i < rows->len; i++)
      {
        TgWorkspaceReport *row = rows->pdata[i];

        if (g_strcmp0 (row->report_id, j.ids[0]) == 0 || g_strcmp0 (row->report_id, j.ids[1]) == 0)
          g_ptr_array_add (chosen, row);
      }
    g_assert_cmpuint (chosen->len, ==, 2);
    g_assert_cmpstr (tg_workspace_join_target (chosen, &n_free, &error), ==, tg_incident_get_id (first));
    g_assert_no_error (error);
    g_assert_cmpuint (n_free, ==, 0);
    for (guint i = 0; i < rows->len; i++)
      if (g_strcmp0 (((TgWorkspaceReport *) rows->pdata[i])->report_id, j.ids[2]) == 0)
        g_ptr_array_add (chosen, rows->pdata[i]);
    target = tg_workspace_join_target (chosen, &n_free, &error);
    g_assert_null (target);
    g_assert_error (error, TG_ERROR, TG_ERROR_CONFLICT);
    g_clear_error (&error);
  }
  /* Dissolved, the second incident takes no report, and its reports are
   * free to join the first. */
  {
    g_autoptr(TgIncident) dissolved = tg_workspace_dissolve (fixture->workspace, tg_incident_get_id (second), &error);
    const char *free_ids[] = { j.ids[2], loose_id, NULL };
    g_autoptr(TgIncident) refused = NULL;
    g_autoptr(TgIncident) joined = NULL;

    g_assert_no_error (error);
    refused = tg_workspace_join (fixture->workspace, tg_incident_get_id (second), free_ids, &error);
    g_assert_null (refused);
    g_assert_error (error, TG_ERROR, TG_ERROR_NOT_FOUND);
    g_clear_error (&error);
    joined = tg_workspace_join (fixture->workspace, tg_incident_get_id (first), free_ids, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (tg_incident_get_n_members (joined), ==, 4);
  }
  /* A free report with a member: it joins; free reports alone: a merge. */
  {
    g_autoptr(TgReport) late = juliaca_report (2, "Luis Mamani", 1);
    g_autofree char *late_id = save (fixture->store, late);
    g_autoptr(GPtrArray) rows = tg_workspace_list_reports (fixture->workspace, NULL, &error);
    g_autoptr(GPtrArray) chosen = g_ptr_array_new ();
    g_autoptr(GPtrArray) alone = g_ptr_array_new ();
    guint n_free = 0;

    g_assert_no_error (error);
    for (guint i = 0; i < rows->len; i++)
      {
        TgWorkspaceReport *row = rows->pdata[i];

        if (g_strcmp0 (row->report_id, late_id) == 0)
          {
            g_ptr_array_add (chosen, row);
            g_ptr_array_add (alone, row);
          }
        else if (g_strcmp0 (row->report_id, j.ids[0]) == 0)
          g_ptr_array_add (chosen, row);
      }
    g_assert_cmpstr (tg_workspace_join_target (chosen, &n_free, &error), ==, tg_incident_get_id (first));
    g_assert_no_error (error);
    g_assert_cmpuint (n_free, ==, 1);
    g_assert_null (tg_workspace_join_target (alone, &n_free, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (n_free, ==, 1);
  }
  juliaca_clear (&j);
}

static void
test_counts_range (Fixture       *fixture,
                   gconstpointer  data)
{
  Juliaca j = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(TgIncident) incident = NULL;
  g_autoptr(TgIncident) refused = NULL;
  g_autoptr(TgIncident) figured = NULL;
  const TgIncidentCountValue *killed;

  juliaca_save (fixture->store, &j);
  incident = tg_workspace_merge (fixture->workspace, (const char * const *) j.ids, &error);
  g_assert_no_error (error);

  /* 17 and 18, with who said which; the report that did not know is no
   * source. */
  killed = tg_incident_get_count (incident, TG_INCIDENT_COUNT_KILLED);
  g_assert_cmpint (killed->min, ==, 17);
  g_assert_cmpint (killed->max, ==, 18);
  g_assert_cmpuint (killed->n_sources, ==, 2);
  for (guint i = 0; i < killed->n_sources; i++)
    {
      if (g_strcmp0 (killed->sources[i].report_id, j.ids[0]) == 0)
        g_assert_cmpint (killed->sources[i].value, ==, 17);
      else
        {
          g_assert_cmpstr (killed->sources[i].report_id, ==, j.ids[1]);
          g_assert_cmpint (killed->sources[i].value, ==, 18);
        }
    }
  g_assert_cmpint (killed->figure, ==, -1);
  g_assert_cmpint (tg_incident_get_count_display (incident, TG_INCIDENT_COUNT_KILLED), ==, -1);

  /* A figure needs a reason. */
  refused = tg_workspace_set_figure (fixture->workspace, tg_incident_get_id (incident),
                                     TG_INCIDENT_COUNT_KILLED, 18, NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, TG_ERROR, TG_ERROR_INVALID);
  g_clear_error (&error);

  figured = tg_workspace_set_figure (fixture->workspace, tg_incident_get_id (incident),
                                     TG_INCIDENT_COUNT_KILLED, 18, "Lista de la Defensoría del Pueblo",
                                     &error);
  g_assert_no_error (error);

  reopen (fixture);
  {
    g_autoptr(GPtrArray) rows = tg_workspace_list_incidents (fixture->workspace, -1, &error);
    TgIncidentSummary *row;

    g_assert_no_error (error);
    g_assert_cmpuint (rows->len, ==, 1);
    row = rows->pdata[0];
    g_assert_cmpint (row->killed_min, ==, 17);
    g_assert_cmpint (row->killed_max, ==, 18);
    g_assert_cmpint (row->killed_figure, ==, 18);
    g_assert_cmpuint (row->n_members, ==, 3);
  }
  {
    g_autoptr(TgIncident) loaded = tg_workspace_load_incident (fixture->workspace,
                                                               tg_incident_get_id (incident), &error);

    killed = tg_incident_get_count (loaded, TG_INCIDENT_COUNT_KILLED);
    g_assert_cmpint (killed->min, ==, 17);
    g_assert_cmpint (killed->max, ==, 18);
    g_assert_cmpstr (killed->reason, ==, "Lista de la Defensoría del Pueblo");
    g_assert_cmpint (tg_incident_get_count_display (loaded, TG_INCIDENT_COUNT_KILLED), ==, 18);
  }
  juliaca_clear (&j);
}

static void
test_persons (Fixture       *fixture,
              gconstpointer  data)
{
  Juliaca j = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(TgIncident) incident = NULL;
  g_autoptr(TgIncident) split = NULL;
  g_autoptr(TgIncident) rematched = NULL;
  g_autoptr(TgIncident) merged = NULL;
  const TgIncidentPerson *juan;
  const TgIncidentPerson *maria;
  const char *juan_id_in_2;

  juliaca_save (fixture->store, &j);
  incident = tg_workspace_merge (fixture->workspace, (const char * const *) j.ids, &error);
  g_assert_no_error (error);

  /* "Juan Pérez Quispe", "juan perez q." and "Pérez Quispe, Juan" are one
   * person with a link to each report; María is another. */
  g_assert_cmpuint (tg_incident_get_n_persons (incident), ==, 2);
  juan = person_named (incident, "Juan Pérez Quispe");
  g_assert_nonnull (juan);
  g_assert_cmpuint (juan->n_links, ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_true (tg_incident_find_person_by_link (incident, j.ids[i], person_id_of (j.reports[i], 0)) == juan);
  g_assert_cmpstr (juan->name_from.report_id, ==, j.ids[0]);
  maria = person_named (incident, "María Mamani Condori");
  g_assert_nonnull (maria);
  g_assert_cmpuint (maria->n_links, ==, 1);

  /* The third report's Juan was a wrong match: split. */
  juan_id_in_2 = person_id_of (j.reports[2], 0);
  split = tg_workspace_split_person (fixture->workspace, tg_incident_get_id (incident),
                                     j.ids[2], juan_id_in_2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tg_incident_get_n_persons (split), ==, 3);
  g_assert_cmpuint (person_named (split, "Juan Pérez Quispe")->n_links, ==, 2);
  g_assert_cmpuint (person_named (split, "Pérez Quispe, Juan")->n_links, ==, 1);

  /* Matching again keeps the split. */
  rematched = tg_workspace_match_persons (fixture->workspace, tg_incident_get_id (incident), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tg_incident_get_n_persons (rematched), ==, 3);

  /* Splitting a person with one mention: nothing to split. */
  {
    g_autoptr(TgIncident) refused = tg_workspace_split_person (fixture->workspace,
                                                               tg_incident_get_id (incident),
                                                               j.ids[2], juan_id_in_2, &error);
    g_assert_null (refused);
    g_assert_error (error, TG_ERROR, TG_ERROR_INVALID);
    g_clear_error (&error);
  }

  /* Merged back by hand. */
  merged = tg_workspace_merge_persons (fixture->workspace, tg_incident_get_id (incident),
                                       person_named (rematched, "Juan Pérez Quispe")->id,
                                       person_named (rematched, "Pérez Quispe, Juan")->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tg_incident_get_n_persons (merged), ==, 2);

  reopen (fixture);
  {
    g_autoptr(TgIncident) loaded = tg_workspace_load_incident (fixture->workspace,
                                                               tg_incident_get_id (incident), &error);

    g_assert_no_error (error);
    g_assert_cmpuint (tg_incident_get_n_persons (loaded), ==, 2);
    g_assert_cmpuint (person_named (loaded, "Juan Pérez Quispe")->n_links, ==, 3);
  }
  juliaca_clear (&j);
}

/* Names alike but not the same person: two first names in common only,
 * and two different people named the same within one report. */
static void
test_persons_not_matched (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(TgReport) a = tg_report_new ();
  g_autoptr(TgReport) b = tg_report_new ();
  g_autoptr(TgPerson) a1 = new_person ("Juan Quispe", TG_PERSON_ROLE_VICTIM);
  g_autoptr(TgPerson) a2 = new_person ("Juan Quispe", TG_PERSON_ROLE_VICTIM);
  g_autoptr(TgPerson) b1 = new_person ("Juan Mamani", TG_PERSON_ROLE_VICTIM);
  g_autoptr(TgPerson) b2 = new_person ("Juan Quispe", TG_PERSON_ROLE_WITNESS);
  g_autoptr(GError) error = NULL;
  g_autoptr(TgIncident) incident = NULL;
  g_autofree char *ida = NULL;
  g_autofree char *idb = NULL;
  const char *ids[3] = { NULL };

  tg_report_add_person (a, a1);
  tg_report_add_person (a, a2);
  tg_report_add_person (b, b1);
  tg_report_add_person (b, b2);
  ids[0] = ida = save (fixture->store, a);
  ids[1] = idb = save (fixture->store, b);
  incident = tg_workspace_merge (fixture->workspace, ids, &error);
  g_assert_no_error (error);
  /* Two Juan Quispe in one report are two people; "Juan Mamani" is
   * someone else; a witness is not the victim. */
  g_assert_cmpuint (tg_incident_get_n_persons (incident), ==, 4);
}

static void
test_status (Fixture       *fixture,
             gconstpointer  data)
{
  Juliaca j = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(TgIncident) incident = NULL;
  g_autoptr(TgIncident) refused = NULL;
  g_autoptr(TgIncident) verified = NULL;
  g_autoptr(GDateTime) before = g_date_time_new_now_utc ();

  juliaca_save (fixture->store, &j);
  incident = tg_workspace_merge (fixture->workspace, (const char * const *) j.ids, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tg_incident_get_status (incident), ==, TG_INCIDENT_STATUS_UNVERIFIED);

  refused = tg_workspace_set_status (fixture->workspace, tg_incident_get_id (incident),
                                     TG_INCIDENT_STATUS_VERIFIED, "", &error);
  g_assert_null (refused);
  g_assert_error (error, TG_ERROR, TG_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpuint (count_revisions (fixture->store, tg_incident_get_id (incident)), ==, 1);

  tg_workspace_set_actor (fixture->workspace, "Rocío (coordinación Puno)");
  verified = tg_workspace_set_status (fixture->workspace, tg_incident_get_id (incident),
                                      TG_INCIDENT_STATUS_CORROBORATED,
                                      "Dos monitores independientes", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_revisions (fixture->store, tg_incident_get_id (incident)), ==, 2);
  g_clear_object (&verified);
  verified = tg_workspace_set_status (fixture->workspace, tg_incident_get_id (incident),
                                      TG_INCIDENT_STATUS_VERIFIED, "Actas de defunción", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_revisions (fixture->store, tg_incident_get_id (incident)), ==, 3);

  reopen (fixture);
  {
    g_autoptr(TgIncident) loaded = tg_workspace_load_incident (fixture->workspace,
                                                               tg_incident_get_id (incident), &error);
    g_autofree char *holder = NULL;
    g_autofree char *reason = NULL;
    TgIncidentStatus status = TG_INCIDENT_STATUS_UNVERIFIED;

    g_assert_no_error (error);
    g_assert_cmpint (tg_incident_get_status (loaded), ==, TG_INCIDENT_STATUS_VERIFIED);
    g_assert_cmpstr (tg_incident_get_status_by (loaded), ==, "Rocío (coordinación Puno)");
    g_assert_cmpstr (tg_incident_get_status_reason (loaded), ==, "Actas de defunción");
    g_assert_cmpint (g_date_time_to_unix (tg_incident_get_status_at (loaded)), >=,
                     g_date_time_to_unix (before));

    /* What the monitor of the second report sees on it. */
    g_assert_true (tg_workspace_get_report_incident (fixture->workspace, j.ids[1], &holder,
                                                     &status, &reason, &error));
    g_assert_cmpstr (holder, ==, tg_incident_get_id (incident));
    g_assert_cmpint (status, ==, TG_INCIDENT_STATUS_VERIFIED);
    g_assert_cmpstr (reason, ==, "Actas de defunción");

    /* A decision is logged as "verified". */
    {
      g_autoptr(GPtrArray) events = tg_custody_log_list (tg_store_get_custody_log (fixture->store),
                                                         tg_incident_get_id (incident), &error);

      g_assert_cmpuint (events->len, ==, 3);
      g_assert_cmpint (tg_custody_event_get_action (events->pdata[2]), ==, TG_CUSTODY_VERIFIED);
    }

    /* The earlier decision is still in the history. */
    {
      g_autoptr(GPtrArray) revs = tg_store_list_revisions (fixture->store, tg_incident_get_id (incident), &error);
      g_autoptr(TgIncident) middle = tg_incident_new_from_json_string (
        tg_revision_get_content (revs->pdata[1]), -1, &error);

      g_assert_no_error (error);
      g_assert_cmpint (tg_incident_get_status (middle), ==, TG_INCIDENT_STATUS_CORROBORATED);
      g_assert_cmpstr (tg_incident_get_status_reason (middle), ==, "Dos monitores independientes");
      g_assert_cmpstr (tg_revision_get_kind (revs->pdata[1]), ==, TG_REVISION_KIND_INCIDENT);
    }
  }

  /* Notes. */
  {
    g_autoptr(TgIncident) noted = tg_workspace_set_notes (fixture->workspace, tg_incident_get_id (incident),
                                                          "Pedir el informe de necropsia.", &error);

    g_assert_no_error (error);
    g_assert_cmpstr (tg_incident_get_notes (noted), ==, "Pedir el informe de necropsia.");
    g_assert_cmpint (tg_incident_get_status (noted), ==, TG_INCIDENT_STATUS_VERIFIED);
  }
  juliaca_clear (&j);
}

static void
test_tombstoned_member (Fixture       *fixture,
                        gconstpointer  data)
{
  Juliaca j = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(TgIncident) incident = NULL;
  g_autoptr(TgRevision) tombstone = NULL;

  juliaca_save (fixture->store, &j);
  incident = tg_workspace_merge (fixture->workspace, (const char * const *) j.ids, &error);
  g_assert_no_error (error);

  /* The monitor deletes their report after the merge. */
  tombstone = tg_store_delete_report (fixture->store, j.ids[1], &error);
  g_assert_no_error (error);

  reopen (fixture);
  {
    g_autoptr(GPtrArray) rows = tg_workspace_list_incidents (fixture->workspace, -1, &error);
    g_autoptr(TgIncidentBundle) bundle = NULL;
    g_autoptr(TgIncident) edited = NULL;

    g_assert_no_error (error);
    g_assert_cmpuint (((TgIncidentSummary *) rows->pdata[0])->n_tombstoned, ==, 1);
    g_assert_cmpuint (((TgIncidentSummary *) rows->pdata[0])->n_members, ==, 3);

    /* The bundle still shows the report, as it last was. */
    bundle = tg_workspace_load_bundle (fixture->workspace, tg_incident_get_id (incident), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (bundle->reports->len, ==, 3);
    g_assert_true (tg_incident_find_member (bundle->incident, j.ids[1])->tombstoned);
    for (guint i = 0; i < bundle->reports->len; i++)
      if (g_strcmp0 (tg_report_get_id (bundle->reports->pdata[i]), j.ids[1]) == 0)
        g_assert_cmpstr (tg_report_get_title (bundle->reports->pdata[i]), ==, "Muertos en Juliaca");

    /* The next revision of the incident records the tombstoned link;
     * its figures stay. */
    edited = tg_workspace_set_notes (fixture->workspace, tg_incident_get_id (incident),
                                     "Un monitor retiró su informe.", &error);
    g_assert_no_error (error);
    g_assert_true (tg_incident_find_member (edited, j.ids[1])->tombstoned);
    g_assert_cmpint (tg_incident_get_count (edited, TG_INCIDENT_COUNT_KILLED)->max, ==, 18);
    g_assert_cmpuint (tg_incident_get_n_members (edited), ==, 3);
  }
  {
    g_autoptr(GPtrArray) revs = tg_store_list_revisions (fixture->store, tg_incident_get_id (incident), &error);

    g_assert_nonnull (strstr (tg_revision_get_content (g_ptr_array_index (revs, revs->len - 1)),
                              "\"tombstoned\":true"));
  }

  /* A deleted report cannot join an incident. */
  {
    g_autoptr(TgReport) other = juliaca_report (2, "Nadie", 0);
    g_autofree char *other_id = save (fixture->store, other);
    const char *ids[] = { other_id, j.ids[1], NULL };
    g_autoptr(TgIncident) refused = NULL;
    g_autoptr(TgRevision) gone = tg_store_delete_report (fixture->store, other_id, &error);

    g_assert_no_error (error);
    refused = tg_workspace_merge (fixture->workspace, ids, &error);
    g_assert_null (refused);
    g_assert_error (error, TG_ERROR, TG_ERROR_NOT_FOUND);
  }
  juliaca_clear (&j);
}

static void
test_merge_200 (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GPtrArray) reports = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  TgIncident *incident = NULL;
  const char *victims[] = { "Rosa Apaza Ccama", "rosa apaza", "Apaza Ccama, Rosa", "R. Apaza Ccama" };

  for (guint i = 0; i < 200; i++)
    {
      TgReport *report = juliaca_report (i % 3, victims[i % G_N_ELEMENTS (victims)], 10 + i % 9);

      g_ptr_array_add (reports, report);
      g_ptr_array_add (ids, (gpointer) tg_report_get_id (report));
    }
  g_ptr_array_add (ids, NULL);
  g_assert_true (tg_store_save_reports (fixture->store, reports, &error));
  g_assert_no_error (error);

  /* On a worker thread, as the app does it. */
  tg_workspace_merge_async (fixture->workspace, (const char * const *) ids->pdata, NULL,
                            tg_test_keep_result_cb, &result);
  incident = tg_workspace_change_finish (fixture->workspace,
                                         tg_test_await_result (&result, 120000, "the merge of 200 reports"),
                                         &error);
  g_assert_no_error (error);
  g_assert_nonnull (incident);
  g_assert_cmpuint (tg_incident_get_n_members (incident), ==, 200);
  g_assert_cmpint (tg_incident_get_count (incident, TG_INCIDENT_COUNT_KILLED)->min, ==, 10);
  g_assert_cmpint (tg_incident_get_count (incident, TG_INCIDENT_COUNT_KILLED)->max, ==, 18);
  g_assert_cmpuint (tg_incident_get_count (incident, TG_INCIDENT_COUNT_KILLED)->n_sources, ==, 200);
  /* Every spelling of Rosa is one person, one link a report. */
  g_assert_cmpuint (tg_incident_get_n_persons (incident), ==, 1);
  g_assert_cmpuint (tg_incident_get_person (incident, 0)->n_links, ==, 200);

  {
    g_autoptr(TgWorkspaceFilter) filter = tg_workspace_filter_new ();
    g_autoptr(GPtrArray) rows = NULL;

    filter->not_in_incident = TRUE;
    rows = tg_workspace_list_reports (fixture->workspace, filter, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (rows->len, ==, 0);
  }
  g_object_unref (incident);
}

/* Two devices ----------------------------------------------------------- */

/* Copies every revision @from has that @to lacks, as a sync would. */
static void
exchange (TgStore *from,
          TgStore *to)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func (g_object_unref);
  sqlite3 *db = tg_store_get_db (from);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT rev_id FROM revisions ORDER BY local_seq", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      TgRevision *rev = tg_store_get_revision (from, (const char *) sqlite3_column_text (stmt, 0), &error);

      g_assert_no_error (error);
      g_ptr_array_add (all, rev);
    }
  sqlite3_finalize (stmt);
  g_assert_true (tg_store_insert_revisions (to, all, NULL, &error));
  g_assert_no_error (error);
}

static gboolean
counter_reached (gpointer data)
{
  guint *counter = data;

  return counter[0] >= counter[1];
}

static void
count_signal_cb (TgStore    *store,
                 const char *id,
                 guint      *counter)
{
  counter[0]++;
}

/* Two devices, a and b, each a store with its workspace; the three
 * Juliaca reports are saved on a. */
typedef struct
{
  char        *dir;
  TgStore     *a;
  TgStore     *b;
  TgWorkspace *wa;
  TgWorkspace *wb;
  Juliaca      j;
} Devices;

static void
devices_set_up (Devices       *d,
                gconstpointer  data)
{
  d->dir = tg_test_make_tmp_dir ("testigo-workspace-devices-XXXXXX");
  d->a = tg_test_open_store_in (d->dir, "a");
  d->b = tg_test_open_store_in (d->dir, "b");
  d->wa = tg_workspace_new (d->a);
  d->wb = tg_workspace_new (d->b);
  juliaca_save (d->a, &d->j);
}

static void
devices_tear_down (Devices       *d,
                   gconstpointer  data)
{
  g_clear_object (&d->wa);
  g_clear_object (&d->wb);
  g_clear_object (&d->a);
  g_clear_object (&d->b);
  juliaca_clear (&d->j);
  tg_test_rm_rf (d->dir);
  g_free (d->dir);
}

static void
test_concurrent_edits (Devices       *d,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgIncident) incident = NULL;
  g_autoptr(GPtrArray) heads = NULL;
  g_autofree char *id = NULL;
  guint changed[2] = { 0, 1 };

  incident = tg_workspace_merge (d->wa, (const char * const *) d->j.ids, &error);
  g_assert_no_error (error);
  id = g_strdup (tg_incident_get_id (incident));

  /* Device b receives the reports and the incident: "incident-changed". */
  g_signal_connect (d->b, "incident-changed", G_CALLBACK (count_signal_cb), changed);
  exchange (d->a, d->b);
  tg_test_iterate_until (counter_reached, changed, 10000, "incident-changed on b");
  {
    g_autoptr(TgIncident) on_b = tg_workspace_load_incident (d->wb, id, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (tg_incident_get_n_members (on_b), ==, 3);
  }

  /* Both change it at once. */
  {
    g_autoptr(TgIncident) sa = tg_workspace_set_status (d->wa, id, TG_INCIDENT_STATUS_VERIFIED,
                                                        "Actas", &error);
    g_autoptr(TgIncident) sb = NULL;

    g_assert_no_error (error);
    sb = tg_workspace_set_notes (d->wb, id, "Notas de b", &error);
    g_assert_no_error (error);
  }
  exchange (d->a, d->b);
  exchange (d->b, d->a);

  /* Both devices show a conflict: two heads, nothing discarded. */
  for (guint device = 0; device < 2; device++)
    {
      TgWorkspace *w = device ? d->wb : d->wa;
      g_autoptr(TgIncident) shown = tg_workspace_load_incident (w, id, &error);
      g_autoptr(GPtrArray) rows = tg_workspace_list_incidents (w, -1, &error);

      g_assert_no_error (error);
      g_assert_true (tg_incident_has_conflict (shown));
      g_assert_cmpuint (((TgIncidentSummary *) rows->pdata[0])->n_heads, ==, 2);
    }

  /* An operation while the conflict is open changes the shown head only:
   * the conflict stays open. */
  {
    g_autoptr(TgIncident) noted = tg_workspace_set_figure (d->wa, id, TG_INCIDENT_COUNT_KILLED, 18,
                                                           "Acta", &error);

    g_assert_no_error (error);
    g_assert_cmpuint (tg_incident_get_n_heads (noted), ==, 2);
  }

  /* A save based on one head only, by someone who did not see the other:
   * still a conflict, not an overwrite. */
  heads = tg_workspace_list_incident_heads (d->wa, id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (heads->len, ==, 2);
  {
    g_autoptr(TgIncident) stale = tg_incident_copy (incident);
    g_autoptr(TgIncident) refused = NULL;

    tg_incident_set_notes (stale, "Vista vieja");
    refused = tg_workspace_save_incident (d->wa, stale, &error);
    g_assert_null (refused);
    g_assert_error (error, TG_ERROR, TG_ERROR_CONFLICT);
    g_clear_error (&error);
  }

  /* The resolution: the status of one, the notes of the other, a child of
   * both heads. */
  {
    g_autoptr(TgIncident) resolved = NULL;
    g_autoptr(TgIncident) saved = NULL;
    TgIncident *with_status = NULL;
    TgIncident *with_notes = NULL;
    const char *base[3] = { NULL };

    for (guint i = 0; i < heads->len; i++)
      {
        TgIncident *head = heads->pdata[i];

        if (tg_incident_get_status (head) == TG_INCIDENT_STATUS_VERIFIED)
          with_status = head;
        else
          with_notes = head;
        base[i] = tg_incident_get_base_revisions (head)[0];
      }
    g_assert_nonnull (with_status);
    g_assert_nonnull (with_notes);
    resolved = tg_incident_copy (with_status);
    tg_incident_set_notes (resolved, tg_incident_get_notes (with_notes));
    tg_incident_set_base_revisions (resolved, base);
    saved = tg_workspace_save_incident (d->wa, resolved, &error);
    g_assert_no_error (error);
    g_assert_false (tg_incident_has_conflict (saved));
  }

  exchange (d->a, d->b);
  {
    g_autoptr(TgIncident) on_a = tg_workspace_load_incident (d->wa, id, &error);
    g_autoptr(TgIncident) on_b = tg_workspace_load_incident (d->wb, id, &error);
    g_autofree char *ja = tg_incident_to_json_string (on_a);
    g_autofree char *jb = tg_incident_to_json_string (on_b);

    g_assert_no_error (error);
    g_assert_false (tg_incident_has_conflict (on_b));
    g_assert_cmpstr (ja, ==, jb);
    g_assert_cmpint (tg_incident_get_status (on_b), ==, TG_INCIDENT_STATUS_VERIFIED);
    g_assert_cmpstr (tg_incident_get_notes (on_b), ==, "Notas de b");
  }
}

/* Two coordinators merge the same report into two incidents at once. */
static void
test_membership_conflict (Devices       *d,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgIncident) ia = NULL;
  g_autoptr(TgIncident) ib = NULL;
  g_autoptr(GPtrArray) conflicts = NULL;
  TgMembershipConflict *conflict;

  exchange (d->a, d->b);
  {
    const char *first[] = { d->j.ids[0], d->j.ids[1], NULL };
    const char *second[] = { d->j.ids[1], d->j.ids[2], NULL };

    ia = tg_workspace_merge (d->wa, first, &error);
    g_assert_no_error (error);
    ib = tg_workspace_merge (d->wb, second, &error);
    g_assert_no_error (error);
  }
  exchange (d->b, d->a);

  /* Both incidents keep the report; the store says so. */
  conflicts = tg_workspace_list_membership_conflicts (d->wa, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (conflicts->len, ==, 1);
  conflict = conflicts->pdata[0];
  g_assert_cmpstr (conflict->report_id, ==, d->j.ids[1]);
  g_assert_cmpuint (g_strv_length (conflict->incident_ids), ==, 2);
  g_assert_true (g_strv_contains ((const char * const *) conflict->incident_ids, tg_incident_get_id (ia)));
  g_assert_true (g_strv_contains ((const char * const *) conflict->incident_ids, tg_incident_get_id (ib)));
  {
    g_autoptr(GPtrArray) rows = tg_workspace_list_incidents (d->wa, -1, &error);
    g_autoptr(TgIncidentBundle) bundle = tg_workspace_load_bundle (d->wa, tg_incident_get_id (ib), &error);

    g_assert_no_error (error);
    g_assert_cmpuint (rows->len, ==, 2);
    for (guint i = 0; i < rows->len; i++)
      g_assert_cmpuint (((TgIncidentSummary *) rows->pdata[i])->n_shared, ==, 1);
    g_assert_cmpuint (bundle->conflicts->len, ==, 1);
  }
  {
    g_autoptr(GPtrArray) rows = tg_workspace_list_reports (d->wa, NULL, &error);

    g_assert_no_error (error);
    for (guint i = 0; i < rows->len; i++)
      {
        TgWorkspaceReport *row = rows->pdata[i];

        g_assert_cmpuint (row->n_incidents, ==, g_strcmp0 (row->report_id, d->j.ids[1]) == 0 ? 2 : 1);
      }
  }

  /* Joining the shared report elsewhere is refused on this device. */
  {
    const char *again[] = { d->j.ids[1], NULL };
    g_autoptr(TgReport) extra = juliaca_report (2, "Otra", 0);
    g_autofree char *extra_id = save (d->a, extra);
    const char *pair[] = { extra_id, d->j.ids[0], NULL };
    g_autoptr(TgIncident) refused = tg_workspace_merge (d->wa, pair, &error);

    g_assert_null (refused);
    g_assert_error (error, TG_ERROR, TG_ERROR_CONFLICT);
    g_clear_error (&error);
    (void) again;
  }

  /* The coordinator resolves it by removing the report from one. */
  {
    g_autoptr(TgIncident) fixed = tg_workspace_remove_report (d->wa, tg_incident_get_id (ib), d->j.ids[1], &error);
    g_autoptr(GPtrArray) after = NULL;

    g_assert_no_error (error);
    after = tg_workspace_list_membership_conflicts (d->wa, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (after->len, ==, 0);
  }
}

static const TgIncidentDifference *
find_difference (TgIncidentConflict *conflict,
                 const char         *key)
{
  for (guint i = 0; i < conflict->differences->len; i++)
    {
      TgIncidentDifference *difference = conflict->differences->pdata[i];

      if (g_strcmp0 (difference->key, key) == 0)
        return difference;
    }
  return NULL;
}

static int
difference_index (TgIncidentConflict *conflict,
                  const char         *key)
{
  for (guint i = 0; i < conflict->differences->len; i++)
    if (g_strcmp0 (((TgIncidentDifference *) conflict->differences->pdata[i])->key, key) == 0)
      return i;
  g_assert_not_reached ();
}

static guint
n_incident_conflicts (TgWorkspace *workspace,
                      guint       *n_shared)
{
  g_autoptr(GError) error = NULL;
  guint n_heads = G_MAXUINT;

  g_assert_true (tg_workspace_count_conflicts (workspace, &n_heads, n_shared, &error));
  g_assert_no_error (error);
  return n_heads;
}

/* Two coordinators change one incident at once: a new title and status
 * on a, a third report joined, a figure and notes on b. The conflict
 * lists each differing part with both values, where each came from, who
 * and when; a resolution loaded before another change arrived is
 * refused; the resolution picks part by part, writes a narrative anew,
 * and is one revision whose parents are both heads; both converge. */
static void
test_resolve_conflict (Devices       *d,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgIncident) incident = NULL;
  g_autoptr(TgIncidentConflict) stale = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(TgIncidentConflict) conflict = NULL;
  g_autoptr(TgIncident) resolved = NULL;
  g_autoptr(TgIncident) saved = NULL;
  g_autofree char *id = NULL;
  const TgIncidentDifference *difference;
  guint n_shared = G_MAXUINT, n_revisions;

  {
    const char *two[] = { d->j.ids[0], d->j.ids[1], NULL };

    incident = tg_workspace_merge (d->wa, two, &error);
    g_assert_no_error (error);
  }
  id = g_strdup (tg_incident_get_id (incident));
  exchange (d->a, d->b);
  g_assert_cmpuint (n_incident_conflicts (d->wa, &n_shared), ==, 0);
  g_assert_cmpuint (n_shared, ==, 0);

  /* Nothing to resolve yet: one head, no difference. */
  conflict = tg_workspace_load_conflict (d->wa, id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (conflict->heads->len, ==, 1);
  g_assert_cmpuint (conflict->differences->len, ==, 0);
  g_clear_pointer (&conflict, tg_incident_conflict_free);

  {
    g_autoptr(JsonObject) title = json_object_new ();
    g_autoptr(TgIncident) t = NULL, s = NULL, joined = NULL, f = NULL, n = NULL;
    const char *third[] = { d->j.ids[2], NULL };

    json_object_set_string_member (title, "title", "Masacre de Juliaca");
    t = tg_workspace_set_field (d->wa, id, TG_INCIDENT_FIELD_TITLE, title, "Nombre de la CIDH", &error);
    g_assert_no_error (error);
    s = tg_workspace_set_status (d->wa, id, TG_INCIDENT_STATUS_VERIFIED, "Actas de defunción", &error);
    g_assert_no_error (error);
    joined = tg_workspace_join (d->wb, id, third, &error);
    g_assert_no_error (error);
    f = tg_workspace_set_figure (d->wb, id, TG_INCIDENT_COUNT_KILLED, 18, "Lista del hospital", &error);
    g_assert_no_error (error);
    n = tg_workspace_set_notes (d->wb, id, "Notas de b", &error);
    g_assert_no_error (error);
  }
  exchange (d->a, d->b);
  exchange (d->b, d->a);

  /* Both see it, and count it as needing attention. */
  g_assert_cmpuint (n_incident_conflicts (d->wa, NULL), ==, 1);
  g_assert_cmpuint (n_incident_conflicts (d->wb, NULL), ==, 1);

  tg_workspace_load_conflict_async (d->wa, id, NULL, tg_test_keep_result_cb, &result);
  conflict = tg_workspace_load_conflict_finish (d->wa, tg_test_await_result (&result, 30000, "the conflict"), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (conflict->heads->len, ==, 2);
  {
    TgIncidentHead *mine = conflict->heads->pdata[0];
    TgIncidentHead *theirs = conflict->heads->pdata[1];

    /* This device's version first; who and when for each. */
    g_assert_true (mine->this_device);
    g_assert_false (theirs->this_device);
    g_assert_cmpstr (mine->device_id, ==, tg_store_get_device_id (d->a));
    g_assert_cmpstr (theirs->device_id, ==, tg_store_get_device_id (d->b));
    g_assert_cmpint (mine->created_at, >, 0);
    g_assert_cmpint (theirs->created_at, >, 0);
    g_assert_false (mine->dissolved);
    g_assert_cmpstr (tg_incident_get_title (mine->incident), ==, "Masacre de Juliaca");
    g_assert_cmpuint (tg_incident_get_n_members (theirs->incident), ==, 3);
  }
  /* Part by part, both values and where they came from. */
  difference = find_difference (conflict, "field:title");
  g_assert_nonnull (difference);
  g_assert_cmpint (difference->part, ==, TG_INCIDENT_PART_FIELD);
  g_assert_cmpint (difference->index, ==, TG_INCIDENT_FIELD_TITLE);
  g_assert_cmpstr (difference->values[0], ==, "Masacre de Juliaca");
  g_assert_cmpstr (difference->values[1], ==, "Disparos en el aeropuerto de Juliaca");
  g_assert_nonnull (strstr (difference->sources[0], "Nombre de la CIDH"));
  g_assert_nonnull (strstr (difference->sources[1], "Disparos en el aeropuerto de Juliaca"));
  difference = find_difference (conflict, "figure:killed");
  g_assert_nonnull (difference);
  g_assert_null (strstr (difference->values[0], "18"));
  g_assert_nonnull (strstr (difference->values[1], "18"));
  g_assert_nonnull (strstr (difference->values[1], "Lista del hospital"));
  difference = find_difference (conflict, "members");
  g_assert_nonnull (difference);
  g_assert_nonnull (strstr (difference->values[1], "Juliaca, 9 de enero"));
  g_assert_null (strstr (difference->values[0], "Juliaca, 9 de enero"));
  difference = find_difference (conflict, "status");
  g_assert_nonnull (difference);
  g_assert_nonnull (strstr (difference->values[0], "Actas de defunción"));
  g_assert_nonnull (find_difference (conflict, "notes"));
  g_assert_nonnull (find_difference (conflict, "persons"));
  /* What they agree on is not listed. */
  g_assert_null (find_difference (conflict, "field:narrative"));
  g_assert_null (find_difference (conflict, "field:location"));
  g_assert_null (find_difference (conflict, "dissolved"));

  /* Another change arrives meanwhile: the loaded conflict is stale. */
  stale = g_steal_pointer (&conflict);
  {
    g_autoptr(TgIncident) again = tg_workspace_set_notes (d->wb, id, "Notas de b, corregidas", &error);

    g_assert_no_error (error);
  }
  exchange (d->b, d->a);
  n_revisions = count_revisions (d->a, id);
  {
    int picks[16];
    g_autoptr(TgIncident) built = NULL;
    g_autoptr(TgIncident) refused = NULL;

    for (guint i = 0; i < stale->differences->len; i++)
      picks[i] = 0;
    built = tg_incident_conflict_build (stale, picks, NULL, &error);
    g_assert_no_error (error);
    refused = tg_workspace_resolve_conflict (d->wa, stale, built, FALSE, &error);
    g_assert_null (refused);
    g_assert_error (error, TG_ERROR, TG_ERROR_CONFLICT);
    g_clear_error (&error);
  }
  g_assert_cmpuint (count_revisions (d->a, id), ==, n_revisions);

  /* Loaded again: the title and status of a, the rest of b, a new
   * narrative written by the coordinator. */
  conflict = tg_workspace_load_conflict (d->wa, id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (conflict->heads->len, ==, 2);
  {
    int picks[16];
    gboolean dissolved = TRUE;
    g_autoptr(JsonObject) narrative = json_object_new ();
    /* b changed the version it showed, a's: a's title and status with
     * b's corrected notes, against b's first version. */
    int with_title = g_strcmp0 (tg_incident_get_title (((TgIncidentHead *) conflict->heads->pdata[0])->incident),
                                "Masacre de Juliaca") == 0 ? 0 : 1;

    g_assert_cmpstr (tg_incident_get_title (((TgIncidentHead *) conflict->heads->pdata[with_title])->incident),
                     ==, "Masacre de Juliaca");
    g_assert_nonnull (strstr (find_difference (conflict, "notes")->values[with_title], "corregidas"));
    g_assert_cmpuint (conflict->differences->len, <=, G_N_ELEMENTS (picks));
    for (guint i = 0; i < conflict->differences->len; i++)
      picks[i] = !with_title;
    picks[difference_index (conflict, "field:title")] = with_title;
    picks[difference_index (conflict, "status")] = with_title;
    picks[difference_index (conflict, "notes")] = with_title;
    picks[difference_index (conflict, "members")] = TG_INCIDENT_PICK_UNION;
    resolved = tg_incident_conflict_build (conflict, picks, &dissolved, &error);
    g_assert_no_error (error);
    g_assert_false (dissolved);
    json_object_set_string_member (narrative, "narrative", "Relato consolidado.");
    tg_incident_set_field_value (resolved, TG_INCIDENT_FIELD_NARRATIVE, narrative, "Resumen de las tres");

    /* A version must be chosen for every part. */
    picks[difference_index (conflict, "status")] = 7;
    {
      g_autoptr(TgIncident) invalid = tg_incident_conflict_build (conflict, picks, NULL, &error);

      g_assert_null (invalid);
      g_assert_error (error, TG_ERROR, TG_ERROR_INVALID);
      g_clear_error (&error);
    }
  }
  saved = tg_workspace_resolve_conflict (d->wa, conflict, resolved, FALSE, &error);
  g_assert_no_error (error);
  g_assert_false (tg_incident_has_conflict (saved));
  g_assert_cmpuint (count_revisions (d->a, id), ==, n_revisions + 1);
  {
    g_autoptr(GPtrArray) heads = tg_store_list_heads (d->a, id, &error);
    const char * const *parents;

    g_assert_no_error (error);
    g_assert_cmpuint (heads->len, ==, 1);
    parents = tg_revision_get_parents (heads->pdata[0]);
    g_assert_cmpuint (g_strv_length ((char **) parents), ==, 2);
    for (guint h = 0; h < conflict->heads->len; h++)
      g_assert_true (g_strv_contains (parents, ((TgIncidentHead *) conflict->heads->pdata[h])->rev_id));
  }
  g_assert_cmpuint (n_incident_conflicts (d->wa, NULL), ==, 0);

  /* Converged: b gets the one revision and shows the same. */
  exchange (d->a, d->b);
  {
    g_autoptr(TgIncident) on_a = tg_workspace_load_incident (d->wa, id, &error);
    g_autoptr(TgIncident) on_b = tg_workspace_load_incident (d->wb, id, &error);
    g_autofree char *ja = tg_incident_to_json_string (on_a);
    g_autofree char *jb = tg_incident_to_json_string (on_b);

    g_assert_no_error (error);
    g_assert_cmpstr (ja, ==, jb);
    g_assert_false (tg_incident_has_conflict (on_b));
    g_assert_cmpuint (n_incident_conflicts (d->wb, NULL), ==, 0);
    g_assert_cmpstr (tg_incident_get_title (on_b), ==, "Masacre de Juliaca");
    g_assert_cmpint (tg_incident_get_status (on_b), ==, TG_INCIDENT_STATUS_VERIFIED);
    g_assert_cmpstr (tg_incident_get_notes (on_b), ==, "Notas de b, corregidas");
    g_assert_cmpuint (tg_incident_get_n_members (on_b), ==, 3);
    g_assert_cmpint (tg_incident_get_count (on_b, TG_INCIDENT_COUNT_KILLED)->figure, ==, 18);
    g_assert_cmpint (tg_incident_get_count (on_b, TG_INCIDENT_COUNT_KILLED)->max, ==, 18);
    g_assert_cmpstr (tg_incident_get_narrative (on_b), ==, "Relato consolidado.");
    g_assert_cmpint (tg_incident_get_field_provenance (on_b, TG_INCIDENT_FIELD_NARRATIVE)->kind,
                     ==, TG_PROVENANCE_COORDINATOR);
    g_assert_cmpuint (person_named (on_b, "Juan Pérez Quispe")->n_links, ==, 3);
  }
}

/* Dissolved on one device, changed on the other: the resolver lists it;
 * keeping it gives the reports back to it; picking the members of the
 * version with fewer drops the others' links and counts; a report held
 * by another incident cannot come in through a resolution. */
static void
test_resolve_dissolved (Devices       *d,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgIncident) incident = NULL;
  g_autoptr(TgIncidentConflict) conflict = NULL;
  g_autofree char *id = NULL;
  g_autofree char *extra_id = NULL;
  int picks[16];

  incident = tg_workspace_merge (d->wa, (const char * const *) d->j.ids, &error);
  g_assert_no_error (error);
  id = g_strdup (tg_incident_get_id (incident));
  exchange (d->a, d->b);
  {
    g_autoptr(TgIncident) gone = tg_workspace_dissolve (d->wa, id, &error);
    g_autoptr(TgIncident) less = NULL;

    g_assert_no_error (error);
    less = tg_workspace_remove_report (d->wb, id, d->j.ids[1], &error);
    g_assert_no_error (error);
  }
  exchange (d->a, d->b);
  exchange (d->b, d->a);
  g_assert_cmpuint (n_incident_conflicts (d->wa, NULL), ==, 1);

  conflict = tg_workspace_load_conflict (d->wa, id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (conflict->heads->len, ==, 2);
  g_assert_true (((TgIncidentHead *) conflict->heads->pdata[0])->dissolved);
  g_assert_false (((TgIncidentHead *) conflict->heads->pdata[1])->dissolved);
  g_assert_nonnull (find_difference (conflict, "dissolved"));
  g_assert_nonnull (find_difference (conflict, "members"));
  for (guint i = 0; i < conflict->differences->len; i++)
    picks[i] = 1;

  /* A report another incident holds cannot come in here. */
  {
    const char *pair[] = { NULL, NULL, NULL };
    g_autoptr(TgReport) extra = juliaca_report (2, "Otra persona", 0);
    g_autoptr(TgReport) extra2 = juliaca_report (2, "Otra más", 0);
    g_autofree char *extra2_id = NULL;
    g_autoptr(TgIncident) other = NULL;
    g_autoptr(TgIncident) built = NULL;
    g_autoptr(TgIncident) refused = NULL;

    extra_id = save (d->a, extra);
    extra2_id = save (d->a, extra2);
    pair[0] = extra_id;
    pair[1] = extra2_id;
    other = tg_workspace_merge (d->wa, pair, &error);
    g_assert_no_error (error);
    built = tg_incident_conflict_build (conflict, picks, NULL, &error);
    g_assert_no_error (error);
    tg_incident_add_member (built, extra_id, "rev");
    refused = tg_workspace_resolve_conflict (d->wa, conflict, built, FALSE, &error);
    g_assert_null (refused);
    g_assert_error (error, TG_ERROR, TG_ERROR_CONFLICT);
    g_clear_error (&error);
  }

  /* Kept, with b's two reports: report 1's count and links are gone. */
  {
    gboolean dissolved = TRUE;
    g_autoptr(TgIncident) built = tg_incident_conflict_build (conflict, picks, &dissolved, &error);
    g_autoptr(TgIncident) saved = NULL;
    g_autoptr(TgIncident) shown = NULL;
    char *holder = NULL;

    g_assert_no_error (error);
    g_assert_false (dissolved);
    saved = tg_workspace_resolve_conflict (d->wa, conflict, built, dissolved, &error);
    g_assert_no_error (error);
    shown = tg_workspace_load_incident (d->wa, id, &error);
    g_assert_no_error (error);
    g_assert_false (tg_incident_has_conflict (shown));
    g_assert_cmpuint (tg_incident_get_n_members (shown), ==, 2);
    g_assert_null (tg_incident_find_member (shown, d->j.ids[1]));
    g_assert_cmpint (tg_incident_get_count (shown, TG_INCIDENT_COUNT_KILLED)->max, ==, 17);
    g_assert_cmpuint (person_named (shown, "Juan Pérez Quispe")->n_links, ==, 2);
    g_assert_true (tg_incident_validate (shown, &error));
    /* The reports are in it again; report 1 is free. */
    g_assert_true (tg_workspace_get_report_incident (d->wa, d->j.ids[0], &holder, NULL, NULL, &error));
    g_assert_cmpstr (holder, ==, id);
    g_clear_pointer (&holder, g_free);
    g_assert_true (tg_workspace_get_report_incident (d->wa, d->j.ids[1], &holder, NULL, NULL, &error));
    g_assert_null (holder);
  }
  g_assert_cmpuint (n_incident_conflicts (d->wa, NULL), ==, 0);
}

/* Dismissed pairs ------------------------------------------------------- */

static void
test_dismissed_pair (Fixture       *fixture,
                     gconstpointer  data)
{
  Juliaca j = { 0 };
  g_autoptr(GError) error = NULL;
  gboolean dismissed = FALSE;

  juliaca_save (fixture->store, &j);
  g_assert_true (tg_workspace_is_pair_dismissed (fixture->workspace, j.ids[0], j.ids[1], &dismissed, &error));
  g_assert_false (dismissed);

  g_assert_true (tg_workspace_dismiss_pair (fixture->workspace, j.ids[1], j.ids[0], &error));
  g_assert_no_error (error);

  reopen (fixture);
  g_assert_true (tg_workspace_is_pair_dismissed (fixture->workspace, j.ids[0], j.ids[1], &dismissed, &error));
  g_assert_true (dismissed);
  {
    g_autoptr(GHashTable) pairs = tg_workspace_load_dismissed_pairs (fixture->workspace, &error);
    g_autofree char *key = tg_workspace_pair_key (j.ids[1], j.ids[0]);

    g_assert_no_error (error);
    g_assert_cmpuint (g_hash_table_size (pairs), ==, 1);
    g_assert_true (g_hash_table_contains (pairs, key));
  }

  /* Saving the same report again changes nothing: still dismissed. */
  {
    g_autoptr(TgReport) same = tg_store_load_report (fixture->store, j.ids[1], &error);
    g_autoptr(TgRevision) rev = tg_store_save_report (fixture->store, same, &error);

    g_assert_no_error (error);
    g_assert_true (tg_workspace_is_pair_dismissed (fixture->workspace, j.ids[0], j.ids[1], &dismissed, &error));
    g_assert_true (dismissed);
  }

  /* The monitor edits one of them: the pair may come back. */
  {
    g_autoptr(TgReport) edited = tg_store_load_report (fixture->store, j.ids[1], &error);
    g_autoptr(TgRevision) rev = NULL;

    tg_report_set_killed (edited, 19);
    rev = tg_store_save_report (fixture->store, edited, &error);
    g_assert_no_error (error);
  }
  g_assert_true (tg_workspace_is_pair_dismissed (fixture->workspace, j.ids[0], j.ids[1], &dismissed, &error));
  g_assert_false (dismissed);
  {
    g_autoptr(GHashTable) pairs = tg_workspace_load_dismissed_pairs (fixture->workspace, &error);

    g_assert_cmpuint (g_hash_table_size (pairs), ==, 0);
  }

  /* The review queue's scorer leaves out a dismissed pair, and proposes
   * it again once a report has changed. */
  {
    g_autoptr(GPtrArray) reports = g_ptr_array_new_with_free_func (g_object_unref);
    g_autoptr(GPtrArray) before = NULL;
    g_autoptr(GPtrArray) during = NULL;
    g_autoptr(GPtrArray) after = NULL;
    g_autoptr(GHashTable) pairs = NULL;
    g_autoptr(TgReport) edited = NULL;
    g_autoptr(TgRevision) rev = NULL;

    for (guint i = 0; i < 2; i++)
      g_ptr_array_add (reports, tg_store_load_report (fixture->store, j.ids[i], &error));
    before = tg_dedupe_find (reports, TG_DEDUPE_DEFAULT_THRESHOLD, NULL, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (before->len, ==, 1);

    g_assert_true (tg_workspace_dismiss_pair (fixture->workspace, j.ids[0], j.ids[1], &error));
    pairs = tg_workspace_load_dismissed_pairs (fixture->workspace, &error);
    during = tg_dedupe_find (reports, TG_DEDUPE_DEFAULT_THRESHOLD, tg_workspace_skip_dismissed, pairs,
                             NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (during->len, ==, 0);

    edited = tg_store_load_report (fixture->store, j.ids[0], &error);
    tg_report_set_narrative (edited, "Ampliado: la policía disparó desde la pista.");
    rev = tg_store_save_report (fixture->store, edited, &error);
    g_assert_no_error (error);
    g_clear_pointer (&pairs, g_hash_table_unref);
    pairs = tg_workspace_load_dismissed_pairs (fixture->workspace, &error);
    after = tg_dedupe_find (reports, TG_DEDUPE_DEFAULT_THRESHOLD, tg_workspace_skip_dismissed, pairs,
                            NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (after->len, ==, 1);
  }

  /* Dismissed again, then taken back by hand. */
  g_assert_true (tg_workspace_dismiss_pair (fixture->workspace, j.ids[0], j.ids[1], &error));
  g_assert_true (tg_workspace_undismiss_pair (fixture->workspace, j.ids[0], j.ids[1], &error));
  g_assert_true (tg_workspace_is_pair_dismissed (fixture->workspace, j.ids[0], j.ids[1], &dismissed, &error));
  g_assert_false (dismissed);
  juliaca_clear (&j);
}

/* Bad input ------------------------------------------------------------- */

static void
test_empty_reports (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(TgReport) a = tg_report_new ();
  g_autoptr(TgReport) b = tg_report_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TgIncident) incident = NULL;
  g_autofree char *ida = save (fixture->store, a);
  g_autofree char *idb = save (fixture->store, b);
  const char *ids[] = { ida, idb, NULL };
  const char *one[] = { ida, ida, NULL };

  /* One report (even named twice) is no merge. */
  {
    g_autoptr(TgIncident) refused = tg_workspace_merge (fixture->workspace, one, &error);

    g_assert_null (refused);
    g_assert_error (error, TG_ERROR, TG_ERROR_INVALID);
    g_clear_error (&error);
  }
  /* A report that does not exist. */
  {
    const char *ghost[] = { ida, "01890000-0000-7000-8000-000000000000", NULL };
    g_autoptr(TgIncident) refused = tg_workspace_merge (fixture->workspace, ghost, &error);

    g_assert_null (refused);
    g_assert_error (error, TG_ERROR, TG_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }

  /* No date, no place, no persons, no counts: an incident all the same. */
  incident = tg_workspace_merge (fixture->workspace, ids, &error);
  g_assert_no_error (error);
  for (guint f = 0; f < TG_INCIDENT_N_FIELDS; f++)
    g_assert_cmpint (tg_incident_get_field_provenance (incident, f)->kind, ==, TG_PROVENANCE_NONE);
  for (guint c = 0; c < TG_INCIDENT_N_COUNTS; c++)
    g_assert_cmpint (tg_incident_get_count (incident, c)->min, ==, -1);
  g_assert_cmpuint (tg_incident_get_n_persons (incident), ==, 0);
  g_assert_null (tg_incident_dup_start (incident));
  g_assert_true (isnan (tg_incident_get_latitude (incident)));

  reopen (fixture);
  {
    g_autoptr(GPtrArray) rows = tg_workspace_list_incidents (fixture->workspace, -1, &error);
    TgIncidentSummary *row;

    g_assert_no_error (error);
    g_assert_cmpuint (rows->len, ==, 1);
    row = rows->pdata[0];
    g_assert_null (row->title);
    g_assert_cmpint (row->start, ==, 0);
    g_assert_true (isnan (row->latitude));
  }

  /* The last report cannot be removed: the incident is dissolved instead. */
  {
    g_autoptr(TgIncident) one_left = tg_workspace_remove_report (fixture->workspace,
                                                                 tg_incident_get_id (incident), ida, &error);
    g_autoptr(TgIncident) refused = NULL;

    g_assert_no_error (error);
    refused = tg_workspace_remove_report (fixture->workspace, tg_incident_get_id (incident), idb, &error);
    g_assert_null (refused);
    g_assert_error (error, TG_ERROR, TG_ERROR_INVALID);
  }
}

/* Lists and filters ----------------------------------------------------- */

static guint
count_rows (TgWorkspace             *workspace,
            const TgWorkspaceFilter *filter)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = tg_workspace_list_reports (workspace, filter, &error);

  g_assert_no_error (error);
  return rows->len;
}

static void
test_filters (void)
{
  g_autofree char *dir = tg_test_make_tmp_dir ("testigo-workspace-4-XXXXXX");
  g_autoptr(TgStore) monitor = tg_test_open_store_in (dir, "monitor");
  g_autoptr(TgStore) store = tg_test_open_store_in (dir, "coordinator");
  g_autoptr(TgWorkspace) workspace = tg_workspace_new (store);
  g_autoptr(TgWorkspaceFilter) filter = tg_workspace_filter_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TgIncident) incident = NULL;
  Juliaca j = { 0 };
  g_autoptr(TgReport) lima = tg_report_new ();
  g_autofree char *lima_id = NULL;

  /* Three reports from a monitor's device, one made here. */
  juliaca_save (monitor, &j);
  exchange (monitor, store);
  tg_report_set_title (lima, "Detenciones en Lima");
  tg_report_set_region_code (lima, "PE-LIM");
  tg_report_set_status (lima, TG_REPORT_STATUS_SUBMITTED);
  {
    g_autoptr(GDateTime) start = g_date_time_new_utc (2023, 1, 28, 15, 0, 0);
    const char *categories[] = { "detention", NULL };

    tg_report_set_start (lima, start);
    tg_report_set_categories (lima, categories);
  }
  lima_id = save (store, lima);

  g_assert_cmpuint (count_rows (workspace, filter), ==, 4);
  /* The monitor filter offers both devices, whatever else is filtered. */
  {
    g_auto(GStrv) monitors = tg_workspace_list_monitors (workspace, &error);
    const char *a = tg_store_get_device_id (monitor), *b = tg_store_get_device_id (store);

    g_assert_no_error (error);
    g_assert_nonnull (monitors);
    g_assert_cmpuint (g_strv_length (monitors), ==, 2);
    g_assert_cmpstr (monitors[0], ==, g_strcmp0 (a, b) < 0 ? a : b);
    g_assert_cmpstr (monitors[1], ==, g_strcmp0 (a, b) < 0 ? b : a);
  }
  filter->device_id = g_strdup (tg_store_get_device_id (monitor));
  g_assert_cmpuint (count_rows (workspace, filter), ==, 3);
  g_clear_pointer (&filter->device_id, g_free);

  filter->region_code = g_strdup ("PE-PUN");
  g_assert_cmpuint (count_rows (workspace, filter), ==, 2);
  g_clear_pointer (&filter->region_code, g_free);
  filter->province_code = g_strdup ("PE-PUN-SRO");
  g_assert_cmpuint (count_rows (workspace, filter), ==, 1);
  g_clear_pointer (&filter->province_code, g_free);

  {
    g_autoptr(GDateTime) from = g_date_time_new_utc (2023, 1, 9, 0, 0, 0);
    g_autoptr(GDateTime) until = g_date_time_new_utc (2023, 1, 10, 0, 0, 0);

    filter->start_from = g_date_time_to_unix (from);
    filter->start_until = g_date_time_to_unix (until);
    /* Report 2 has no date: outside any range. */
    g_assert_cmpuint (count_rows (workspace, filter), ==, 2);
    filter->start_from = filter->start_until = 0;
  }

  filter->category = g_strdup ("detention");
  g_assert_cmpuint (count_rows (workspace, filter), ==, 1);
  g_clear_pointer (&filter->category, g_free);
  filter->report_status = TG_REPORT_STATUS_SUBMITTED;
  g_assert_cmpuint (count_rows (workspace, filter), ==, 1);
  filter->report_status = -1;

  {
    const char *ids[] = { j.ids[0], j.ids[1], NULL };

    incident = tg_workspace_merge (workspace, ids, &error);
    g_assert_no_error (error);
  }
  filter->not_in_incident = TRUE;
  g_assert_cmpuint (count_rows (workspace, filter), ==, 2);
  filter->not_in_incident = FALSE;
  filter->incident_status = TG_INCIDENT_STATUS_UNVERIFIED;
  g_assert_cmpuint (count_rows (workspace, filter), ==, 2);
  filter->incident_status = TG_INCIDENT_STATUS_VERIFIED;
  g_assert_cmpuint (count_rows (workspace, filter), ==, 0);
  filter->incident_status = -1;

  filter->limit = 3;
  filter->offset = 2;
  g_assert_cmpuint (count_rows (workspace, filter), ==, 2);

  /* Rows carry what the list shows. */
  {
    g_autoptr(TgWorkspaceFilter) all = tg_workspace_filter_new ();
    g_autoptr(GPtrArray) rows = tg_workspace_list_reports (workspace, all, &error);
    gboolean seen = FALSE;

    for (guint i = 0; i < rows->len; i++)
      {
        TgWorkspaceReport *row = rows->pdata[i];

        if (g_strcmp0 (row->report_id, j.ids[0]) == 0)
          {
            seen = TRUE;
            g_assert_cmpstr (row->incident_id, ==, tg_incident_get_id (incident));
            g_assert_cmpstr (row->device_id, ==, tg_store_get_device_id (monitor));
            g_assert_cmpstr (row->title, ==, "Disparos en el aeropuerto de Juliaca");
            g_assert_cmpint (row->killed, ==, 17);
            g_assert_cmpstr (row->category, ==, "killing");
          }
        if (g_strcmp0 (row->report_id, lima_id) == 0)
          g_assert_null (row->incident_id);
      }
    g_assert_true (seen);
  }

  g_clear_object (&workspace);
  g_clear_object (&store);
  g_clear_object (&monitor);
  juliaca_clear (&j);
  tg_test_rm_rf (dir);
}

/* Store ----------------------------------------------------------------- */

/* A report's monitor is the device of its first revision, even when an
 * edit arrives before it. */
static void
test_origin_out_of_order (void)
{
  g_autofree char *dir = tg_test_make_tmp_dir ("testigo-workspace-6-XXXXXX");
  g_autoptr(TgStore) monitor = tg_test_open_store_in (dir, "monitor");
  g_autoptr(TgStore) store = tg_test_open_store_in (dir, "coordinator");
  g_autoptr(TgWorkspace) workspace = tg_workspace_new (store);
  g_autoptr(TgWorkspaceFilter) filter = tg_workspace_filter_new ();
  g_autoptr(TgReport) report = juliaca_report (0, "Juan Pérez Quispe", 17);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = save (monitor, report);
  g_autoptr(GPtrArray) revs = NULL;
  g_autoptr(GPtrArray) first = g_ptr_array_new ();
  g_autoptr(GPtrArray) second = g_ptr_array_new ();

  tg_report_set_killed (report, 18);
  g_free (save (monitor, report));
  revs = tg_store_list_revisions (monitor, id, &error);
  g_assert_cmpuint (revs->len, ==, 2);
  g_ptr_array_add (first, revs->pdata[1]);
  g_ptr_array_add (second, revs->pdata[0]);

  filter->device_id = g_strdup (tg_store_get_device_id (monitor));
  g_assert_true (tg_store_insert_revisions (store, first, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_rows (workspace, filter), ==, 0);
  g_assert_true (tg_store_insert_revisions (store, second, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_rows (workspace, filter), ==, 1);

  g_clear_object (&workspace);
  g_clear_object (&store);
  g_clear_object (&monitor);
  tg_test_rm_rf (dir);
}

/* A store of schema 8 holding a report and a pulled incident opens at 9
 * with the incident in its tables and the report's monitor known. */
static void
test_migrate_v8 (void)
{
  g_autofree char *dir = tg_test_make_tmp_dir ("testigo-workspace-5-XXXXXX");
  g_autofree char *old_dir = g_build_filename (dir, "old", NULL);
  g_autoptr(TgStore) other = tg_test_open_store_in (dir, "other");
  g_autoptr(TgWorkspace) other_ws = tg_workspace_new (other);
  g_autoptr(GError) error = NULL;
  g_autoptr(TgIncident) incident = NULL;
  g_autoptr(GPtrArray) revs = g_ptr_array_new_with_free_func (g_object_unref);
  Juliaca j = { 0 };

  juliaca_save (other, &j);
  incident = tg_workspace_merge (other_ws, (const char * const *) j.ids, &error);
  g_assert_no_error (error);
  {
    g_autoptr(TgIncident) v = tg_workspace_set_status (other_ws, tg_incident_get_id (incident),
                                                       TG_INCIDENT_STATUS_DISPUTED, "Versiones opuestas", &error);
    g_assert_no_error (error);
  }
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GPtrArray) r = tg_store_list_revisions (other, j.ids[i], &error);

      for (guint k = 0; k < r->len; k++)
        g_ptr_array_add (revs, g_object_ref (r->pdata[k]));
    }
  {
    g_autoptr(GPtrArray) r = tg_store_list_revisions (other, tg_incident_get_id (incident), &error);

    for (guint k = 0; k < r->len; k++)
      g_ptr_array_add (revs, g_object_ref (r->pdata[k]));
  }

  {
    g_autoptr(TgStore) old = tg_store_open_at_version (old_dir, 8, &error);

    g_assert_no_error (error);
    g_assert_cmpint (tg_store_get_schema_version (old), ==, 8);
    g_assert_true (tg_store_insert_revisions (old, revs, NULL, &error));
    g_assert_no_error (error);
  }
  {
    g_autoptr(TgStore) store = tg_store_open (old_dir, &error);
    g_autoptr(TgWorkspace) workspace = NULL;
    g_autoptr(GPtrArray) rows = NULL;
    g_autoptr(TgWorkspaceFilter) filter = tg_workspace_filter_new ();
    g_autofree char *holder = NULL;
    TgIncidentStatus status = TG_INCIDENT_STATUS_UNVERIFIED;

    g_assert_no_error (error);
    g_assert_cmpint (tg_store_get_schema_version (store), ==, TG_STORE_SCHEMA_VERSION);
    g_assert_cmpint (TG_STORE_SCHEMA_VERSION, >=, 9);
    workspace = tg_workspace_new (store);
    rows = tg_workspace_list_incidents (workspace, -1, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (rows->len, ==, 1);
    g_assert_cmpint (((TgIncidentSummary *) rows->pdata[0])->status, ==, TG_INCIDENT_STATUS_DISPUTED);
    g_assert_true (tg_workspace_get_report_incident (workspace, j.ids[2], &holder, &status, NULL, &error));
    g_assert_cmpstr (holder, ==, tg_incident_get_id (incident));
    g_assert_cmpint (status, ==, TG_INCIDENT_STATUS_DISPUTED);
    filter->device_id = g_strdup (tg_store_get_device_id (other));
    g_assert_cmpuint (count_rows (workspace, filter), ==, 3);
  }

  g_clear_object (&other_ws);
  g_clear_object (&other);
  juliaca_clear (&j);
  tg_test_rm_rf (dir);
}

/* An incident revision whose content is not an incident of that id is
 * refused whole, as a bad report revision is. */
static void
test_insert_bad_incident (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgIncident) incident = tg_incident_new ();
  g_autofree char *content = tg_incident_to_json_string (incident);
  g_autofree char *other_id = tg_record_id_new ();
  g_autoptr(GPtrArray) revs = g_ptr_array_new_with_free_func (g_object_unref);

  g_ptr_array_add (revs, tg_revision_new (other_id, TG_REVISION_KIND_INCIDENT, NULL,
                                          "b0000000-0000-4000-8000-000000000000", 1, 1, FALSE, content));
  g_assert_false (tg_store_insert_revisions (fixture->store, revs, NULL, &error));
  g_assert_error (error, TG_ERROR, TG_ERROR_INVALID);
  g_clear_error (&error);

  g_ptr_array_set_size (revs, 0);
  g_ptr_array_add (revs, tg_revision_new (other_id, TG_REVISION_KIND_INCIDENT, NULL,
                                          "b0000000-0000-4000-8000-000000000000", 1, 1, FALSE, "{\"format\":1}"));
  g_assert_false (tg_store_insert_revisions (fixture->store, revs, NULL, &error));
  g_assert_error (error, TG_ERROR, TG_ERROR_INVALID);
  g_clear_error (&error);

  /* The good one lands in the incident table. */
  g_ptr_array_set_size (revs, 0);
  g_ptr_array_add (revs, tg_revision_new (tg_incident_get_id (incident), TG_REVISION_KIND_INCIDENT, NULL,
                                          "b0000000-0000-4000-8000-000000000000", 1, 1, FALSE, content));
  g_assert_true (tg_store_insert_revisions (fixture->store, revs, NULL, &error));
  g_assert_no_error (error);
  {
    g_autoptr(GPtrArray) rows = tg_workspace_list_incidents (fixture->workspace, -1, &error);

    g_assert_cmpuint (rows->len, ==, 1);
    /* An incident is no report: the report list does not show it. */
    g_assert_cmpuint (tg_store_count_reports (fixture->store), ==, 0);
  }
}

static void
test_async (Fixture       *fixture,
            gconstpointer  data)
{
  Juliaca j = { 0 };
  g_autoptr(GError) error = NULL;
  TgIncident *incident = NULL;
  GPtrArray *rows = NULL;
  GStrv monitors = NULL;
  TgIncidentBundle *bundle = NULL;
  TgWorkspace *workspace = fixture->workspace;
  g_autoptr(GAsyncResult) merged = NULL;
  g_autoptr(GAsyncResult) listed = NULL;
  g_autoptr(GAsyncResult) counted = NULL;
  g_autoptr(GAsyncResult) loaded = NULL;

  juliaca_save (fixture->store, &j);
  tg_workspace_merge_async (workspace, (const char * const *) j.ids, NULL, tg_test_keep_result_cb, &merged);
  incident = tg_workspace_change_finish (workspace, tg_test_await_result (&merged, 30000, "merge"), &error);
  g_assert_no_error (error);
  tg_workspace_list_reports_async (workspace, NULL, NULL, tg_test_keep_result_cb, &listed);
  rows = tg_workspace_list_reports_finish (workspace, tg_test_await_result (&listed, 30000, "list"), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 3);
  tg_workspace_list_monitors_async (workspace, NULL, tg_test_keep_result_cb, &counted);
  monitors = tg_workspace_list_monitors_finish (workspace, tg_test_await_result (&counted, 30000, "monitors"),
                                                &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (monitors), ==, 1);
  g_assert_cmpstr (monitors[0], ==, tg_store_get_device_id (fixture->store));
  tg_workspace_load_bundle_async (workspace, tg_incident_get_id (incident), NULL, tg_test_keep_result_cb, &loaded);
  bundle = tg_workspace_load_bundle_finish (workspace, tg_test_await_result (&loaded, 30000, "bundle"), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bundle->reports->len, ==, 3);
  g_assert_cmpuint (bundle->heads->len, ==, 1);

  g_ptr_array_unref (rows);
  g_strfreev (monitors);
  tg_incident_bundle_free (bundle);
  g_object_unref (incident);
  juliaca_clear (&j);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/workspace/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  g_test_add_func ("/workspace/incident/json", test_model_json);
  g_test_add_func ("/workspace/incident/bad-input", test_model_bad_input);
  ADD ("merge/round-trip", test_merge_round_trip);
  ADD ("merge/provenance", test_merge_provenance);
  ADD ("merge/counts-range", test_counts_range);
  ADD ("merge/join", test_join);
  ADD ("merge/join-refused", test_join_refused);
  ADD ("merge/200-reports", test_merge_200);
  ADD ("merge/empty-reports", test_empty_reports);
  ADD ("merge/async", test_async);
  ADD ("persons/match-split", test_persons);
  ADD ("persons/not-matched", test_persons_not_matched);
  ADD ("status", test_status);
  ADD ("tombstoned-member", test_tombstoned_member);
  ADD ("dismissed-pair", test_dismissed_pair);
  ADD ("store/bad-incident", test_insert_bad_incident);
  g_test_add ("/workspace/conflict/two-devices", Devices, NULL, devices_set_up, test_concurrent_edits, devices_tear_down);
  g_test_add ("/workspace/conflict/membership", Devices, NULL, devices_set_up, test_membership_conflict, devices_tear_down);
  g_test_add ("/workspace/conflict/resolve", Devices, NULL, devices_set_up, test_resolve_conflict, devices_tear_down);
  g_test_add ("/workspace/conflict/resolve-dissolved", Devices, NULL, devices_set_up, test_resolve_dissolved, devices_tear_down);
  g_test_add_func ("/workspace/filters", test_filters);
  g_test_add_func ("/workspace/store/migrate-v8", test_migrate_v8);
  g_test_add_func ("/workspace/store/origin-out-of-order", test_origin_out_of_order);

  return g_test_run ();
}
