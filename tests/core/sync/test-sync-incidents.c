/* test-sync-incidents.c — incidents over sync, end to end: monitors' and
 * coordinators' engines against the real testigo-server on loopback HTTPS
 *
 * Incidents are made with the workspace (tg-workspace.h), as the app
 * makes them; each device is its own store and engine. Every wait is for
 * a flag, bounded.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "tg-sync-engine.h"
#include "tg-workspace.h"
#include "tg-incident.h"
#include "tg-report.h"
#include "test-server-fixture.h"
#include "tg-test-common.h"
#include "tg-test-sync.h"

#define WAIT_MS TG_TEST_SYNC_WAIT_MS

static TestServer *server;
static char *tmp_dir;

/* One laptop: a store, its engine, its workspace. */
typedef struct
{
  TgStore      *store;
  TgSyncEngine *engine;
  TgWorkspace  *workspace;
} Device;

static gboolean
engine_has_role (gpointer data)
{
  return tg_sync_engine_get_role (data) != TG_SYNC_ROLE_UNKNOWN;
}

static Device *
device_new (const char *user,
            const char *role)
{
  Device *device = g_new0 (Device, 1);
  g_autofree char *err = NULL, *code = NULL, *name = g_strdup_printf ("%s-laptop", user);
  g_autofree char *token = NULL;
  g_autoptr(GError) error = NULL;

  g_free (test_server_admin (server, &err, "user", "add", user, "--role", role, NULL));
  code = test_server_admin (server, &err, "enrol-code", user, NULL);
  g_assert_nonnull (code);
  g_strstrip (code);

  device->store = tg_test_open_store_in (tmp_dir, name);
  device->engine = tg_sync_engine_new (device->store, NULL);
  device->workspace = tg_workspace_new (device->store);
  tg_workspace_set_actor (device->workspace, user);
  token = tg_test_sync_enrol (device->engine, server->base_uri, server->fingerprint, code, name, &error);
  g_assert_no_error (error);
  tg_sync_engine_set_token (device->engine, token);
  tg_test_iterate_until (engine_has_role, device->engine, WAIT_MS, "the role");
  return device;
}

static void
device_free (Device *device)
{
  g_clear_object (&device->workspace);
  g_clear_object (&device->engine);
  g_clear_object (&device->store);
  g_free (device);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Device, device_free)

static void
sync_ok (Device *device)
{
  g_autoptr(TgSyncEntry) entry = NULL;
  g_autoptr(GError) error = NULL;

  entry = tg_test_sync_run (device->engine, TG_SYNC_FLAGS_SEND_ORIGINALS, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (entry);
  g_assert_cmpint (entry->outcome, ==, TG_SYNC_OUTCOME_OK);
}

static char *
add_report (Device     *device,
            const char *title)
{
  g_autoptr(TgReport) report = tg_report_new ();
  g_autoptr(TgRevision) rev = NULL;
  g_autoptr(GError) error = NULL;

  tg_report_set_title (report, title);
  tg_report_set_status (report, TG_REPORT_STATUS_SUBMITTED);
  rev = tg_store_save_report (device->store, report, &error);
  g_assert_no_error (error);
  return g_strdup (tg_report_get_id (report));
}

static gboolean
has_report (Device     *device,
            const char *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgReport) report = tg_store_load_report (device->store, id, &error);

  return report != NULL;
}

static guint
n_heads (Device     *device,
         const char *incident_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) heads = tg_workspace_list_incident_heads (device->workspace, incident_id, &error);

  g_assert_no_error (error);
  return heads ? heads->len : 0;
}

static guint
n_incidents (Device *device)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = tg_workspace_list_incidents (device->workspace, -1, &error);

  g_assert_no_error (error);
  return list->len;
}

static guint
n_membership_conflicts (Device *device)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = tg_workspace_list_membership_conflicts (device->workspace, &error);

  g_assert_no_error (error);
  return list->len;
}

/* The status a monitor sees on their report: the incident holding it. */
static char *
report_incident (Device           *device,
                 const char       *report_id,
                 TgIncidentStatus *status)
{
  g_autoptr(GError) error = NULL;
  char *incident_id = NULL;

  g_assert_true (tg_workspace_get_report_incident (device->workspace, report_id, &incident_id, status,
                                                   NULL, &error));
  g_assert_no_error (error);
  return incident_id;
}

/* Two monitors report the same event; two coordinators pull both
 * reports, edit one incident at once (a conflict both see), resolve it on
 * one and converge; each monitor sees the decision on their report, a
 * third monitor sees nothing, and neither monitor gets the other's
 * report. Then a report is taken out: its monitor sees that too. */
static void
test_incident_round_trip (void)
{
  g_autoptr(Device) m1 = device_new ("inc-ana", "monitor");
  g_autoptr(Device) m2 = device_new ("inc-beto", "monitor");
  g_autoptr(Device) m3 = device_new ("inc-dora", "monitor");
  g_autoptr(Device) c1 = device_new ("inc-coco", "coordinator");
  g_autoptr(Device) c2 = device_new ("inc-cora", "coordinator");
  g_autofree char *r1 = NULL, *r2 = NULL, *r3 = NULL, *incident_id = NULL, *seen = NULL;
  g_autoptr(TgIncident) merged = NULL, verified = NULL, disputed = NULL, resolved = NULL, out = NULL;
  g_autoptr(GError) error = NULL;
  TgIncidentStatus status = TG_INCIDENT_STATUS_UNVERIFIED;

  g_assert_cmpint (tg_sync_engine_get_role (m1->engine), ==, TG_SYNC_ROLE_MONITOR);
  g_assert_cmpint (tg_sync_engine_get_role (c1->engine), ==, TG_SYNC_ROLE_COORDINATOR);

  r1 = add_report (m1, "Juliaca airport, 17 killed");
  r2 = add_report (m2, "Juliaca airport, 18 killed");
  r3 = add_report (m3, "Puno market, unrelated");
  sync_ok (m1);
  sync_ok (m2);
  sync_ok (m3);

  /* coordinators pull every monitor's reports */
  sync_ok (c1);
  sync_ok (c2);
  g_assert_true (has_report (c1, r1) && has_report (c1, r2) && has_report (c1, r3));
  g_assert_true (has_report (c2, r1) && has_report (c2, r2));

  /* C1 merges, both coordinators get the incident */
  {
    const char *ids[] = { r1, r2, NULL };

    merged = tg_workspace_merge (c1->workspace, ids, &error);
    g_assert_no_error (error);
    incident_id = g_strdup (tg_incident_get_id (merged));
  }
  sync_ok (c1);
  sync_ok (c2);
  g_assert_cmpuint (n_heads (c2, incident_id), ==, 1);

  /* both edit it at once: two heads, on both */
  verified = tg_workspace_set_status (c1->workspace, incident_id, TG_INCIDENT_STATUS_VERIFIED,
                                      "two independent witnesses and the hospital list", &error);
  g_assert_no_error (error);
  disputed = tg_workspace_set_status (c2->workspace, incident_id, TG_INCIDENT_STATUS_DISPUTED,
                                      "the counts disagree", &error);
  g_assert_no_error (error);
  sync_ok (c1);
  sync_ok (c2);
  sync_ok (c1);
  g_assert_cmpuint (n_heads (c1, incident_id), ==, 2);
  g_assert_cmpuint (n_heads (c2, incident_id), ==, 2);

  /* C2 resolves: one revision naming both heads */
  {
    g_autoptr(GPtrArray) heads = tg_workspace_list_incident_heads (c2->workspace, incident_id, &error);
    g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
    g_auto(GStrv) parents = NULL;
    g_autoptr(TgIncident) choice = NULL;

    g_assert_no_error (error);
    for (guint i = 0; i < heads->len; i++)
      {
        TgIncident *head = heads->pdata[i];

        g_strv_builder_add_many (builder, tg_incident_get_base_revisions (head)[0], NULL);
        if (tg_incident_get_status (head) == TG_INCIDENT_STATUS_VERIFIED)
          choice = g_object_ref (head);
      }
    g_assert_nonnull (choice);
    parents = g_strv_builder_end (builder);
    tg_incident_set_base_revisions (choice, (const char * const *) parents);
    resolved = tg_workspace_save_incident (c2->workspace, choice, &error);
    g_assert_no_error (error);
  }
  sync_ok (c2);
  sync_ok (c1);
  g_assert_cmpuint (n_heads (c1, incident_id), ==, 1);
  g_assert_cmpuint (n_heads (c2, incident_id), ==, 1);
  {
    g_autoptr(TgIncident) on_c1 = tg_workspace_load_incident (c1->workspace, incident_id, &error);
    g_autoptr(TgIncident) on_c2 = tg_workspace_load_incident (c2->workspace, incident_id, &error);

    g_assert_no_error (error);
    g_assert_cmpint (tg_incident_get_status (on_c1), ==, TG_INCIDENT_STATUS_VERIFIED);
    g_assert_cmpstr (tg_incident_get_base_revisions (on_c1)[0], ==, tg_incident_get_base_revisions (on_c2)[0]);
  }

  /* the monitors: each sees the decision on their own report */
  sync_ok (m1);
  sync_ok (m2);
  sync_ok (m3);
  seen = report_incident (m1, r1, &status);
  g_assert_cmpstr (seen, ==, incident_id);
  g_assert_cmpint (status, ==, TG_INCIDENT_STATUS_VERIFIED);
  g_clear_pointer (&seen, g_free);
  seen = report_incident (m2, r2, &status);
  g_assert_cmpstr (seen, ==, incident_id);
  g_assert_cmpint (status, ==, TG_INCIDENT_STATUS_VERIFIED);
  g_clear_pointer (&seen, g_free);
  /* ...never another monitor's report, nor an incident without theirs */
  g_assert_false (has_report (m1, r2));
  g_assert_false (has_report (m2, r1));
  g_assert_false (has_report (m1, r3));
  g_assert_cmpuint (n_incidents (m3), ==, 0);
  g_assert_null (report_incident (m3, r3, NULL));

  /* C1 takes ana's report out: she sees she is no longer in it */
  out = tg_workspace_remove_report (c1->workspace, incident_id, r1, &error);
  g_assert_no_error (error);
  sync_ok (c1);
  sync_ok (m1);
  g_assert_null (report_incident (m1, r1, NULL));
  sync_ok (m2);
  seen = report_incident (m2, r2, &status);
  g_assert_cmpstr (seen, ==, incident_id);
}

/* Two coordinators merge overlapping reports into two new incidents at
 * once: after a sync each sees both, the report held twice listed as a
 * membership conflict, nothing overwritten; one dissolves theirs and both
 * converge. */
static void
test_concurrent_merges (void)
{
  g_autoptr(Device) m1 = device_new ("merge-ana", "monitor");
  g_autoptr(Device) m2 = device_new ("merge-beto", "monitor");
  g_autoptr(Device) c1 = device_new ("merge-coco", "coordinator");
  g_autoptr(Device) c2 = device_new ("merge-cora", "coordinator");
  g_autofree char *r1 = NULL, *r2 = NULL, *r3 = NULL;
  g_autoptr(TgIncident) a = NULL, b = NULL, gone = NULL;
  g_autoptr(GError) error = NULL;
  guint before_c1, before_c2;

  r1 = add_report (m1, "Checkpoint shooting, ana");
  r2 = add_report (m2, "Checkpoint shooting, beto");
  r3 = add_report (m2, "Checkpoint shooting, beto's second");
  sync_ok (m1);
  sync_ok (m2);
  sync_ok (c1);
  sync_ok (c2);
  /* coordinators see every incident on the server, other tests' too */
  before_c1 = n_incidents (c1);
  before_c2 = n_incidents (c2);
  {
    const char *ids_a[] = { r1, r2, NULL };
    const char *ids_b[] = { r2, r3, NULL };

    a = tg_workspace_merge (c1->workspace, ids_a, &error);
    g_assert_no_error (error);
    b = tg_workspace_merge (c2->workspace, ids_b, &error);
    g_assert_no_error (error);
  }
  sync_ok (c1);
  sync_ok (c2);
  sync_ok (c1);
  g_assert_cmpuint (n_incidents (c1), ==, before_c1 + 2);
  g_assert_cmpuint (n_incidents (c2), ==, before_c2 + 2);
  g_assert_cmpuint (n_membership_conflicts (c1), ==, 1);
  g_assert_cmpuint (n_membership_conflicts (c2), ==, 1);

  gone = tg_workspace_dissolve (c2->workspace, tg_incident_get_id (b), &error);
  g_assert_no_error (error);
  sync_ok (c2);
  sync_ok (c1);
  g_assert_cmpuint (n_membership_conflicts (c1), ==, 0);
  g_assert_cmpuint (n_membership_conflicts (c2), ==, 0);
}

/* Two coordinators change one incident at once through the server — one
 * adds a third report and retitles it, the other sets a figure and notes:
 * both see the conflict and count it; the second resolves it field by
 * field, seeing who made the other version as the server named them; the
 * one revision naming both heads converges both. */
static void
test_resolve_field_by_field (void)
{
  g_autoptr(Device) m1 = device_new ("res-ana", "monitor");
  g_autoptr(Device) m2 = device_new ("res-beto", "monitor");
  g_autoptr(Device) c1 = device_new ("res-coco", "coordinator");
  g_autoptr(Device) c2 = device_new ("res-cora", "coordinator");
  g_autofree char *r1 = NULL, *r2 = NULL, *r3 = NULL, *incident_id = NULL;
  g_autoptr(TgIncident) merged = NULL;
  g_autoptr(TgIncidentConflict) conflict = NULL;
  g_autoptr(TgIncident) resolved = NULL, saved = NULL;
  g_autoptr(GError) error = NULL;
  guint n_heads_c1 = 0, n_heads_c2 = 0;
  int picks[16];
  int from_c1 = -1;

  r1 = add_report (m1, "Bridge shooting, 4 killed");
  r2 = add_report (m2, "Bridge shooting, 5 killed");
  r3 = add_report (m2, "Bridge shooting, a witness");
  sync_ok (m1);
  sync_ok (m2);
  sync_ok (c1);
  sync_ok (c2);
  {
    const char *ids[] = { r1, r2, NULL };

    merged = tg_workspace_merge (c1->workspace, ids, &error);
    g_assert_no_error (error);
    incident_id = g_strdup (tg_incident_get_id (merged));
  }
  sync_ok (c1);
  sync_ok (c2);
  g_assert_cmpuint (n_heads (c2, incident_id), ==, 1);

  /* At once, on both laptops. */
  {
    const char *third[] = { r3, NULL };
    g_autoptr(JsonObject) title = json_object_new ();
    g_autoptr(TgIncident) joined = NULL, titled = NULL, figured = NULL, noted = NULL;

    joined = tg_workspace_join (c1->workspace, incident_id, third, &error);
    g_assert_no_error (error);
    json_object_set_string_member (title, "title", "Bridge massacre");
    titled = tg_workspace_set_field (c1->workspace, incident_id, TG_INCIDENT_FIELD_TITLE, title,
                                     "the name the families use", &error);
    g_assert_no_error (error);
    figured = tg_workspace_set_figure (c2->workspace, incident_id, TG_INCIDENT_COUNT_KILLED, 5,
                                       "the morgue's list", &error);
    g_assert_no_error (error);
    noted = tg_workspace_set_notes (c2->workspace, incident_id, "Ask the parish for names.", &error);
    g_assert_no_error (error);
  }
  sync_ok (c1);
  sync_ok (c2);
  sync_ok (c1);
  g_assert_cmpuint (n_heads (c1, incident_id), ==, 2);
  g_assert_cmpuint (n_heads (c2, incident_id), ==, 2);
  g_assert_true (tg_workspace_count_conflicts (c1->workspace, &n_heads_c1, NULL, &error));
  g_assert_true (tg_workspace_count_conflicts (c2->workspace, &n_heads_c2, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_heads_c1, >=, 1);
  g_assert_cmpuint (n_heads_c2, >=, 1);

  /* C2 resolves: its own version first, the other named by the server. */
  conflict = tg_workspace_load_conflict (c2->workspace, incident_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (conflict->heads->len, ==, 2);
  for (guint h = 0; h < conflict->heads->len; h++)
    {
      TgIncidentHead *head = conflict->heads->pdata[h];

      if (!head->this_device)
        {
          from_c1 = h;
          g_assert_cmpstr (head->user, ==, "res-coco");
          g_assert_cmpstr (head->device_name, ==, "res-coco-laptop");
        }
    }
  g_assert_cmpint (from_c1, ==, 1);
  g_assert_cmpuint (conflict->differences->len, <=, G_N_ELEMENTS (picks));
  for (guint i = 0; i < conflict->differences->len; i++)
    {
      TgIncidentDifference *difference = conflict->differences->pdata[i];

      if (difference->part == TG_INCIDENT_PART_MEMBERS)
        picks[i] = TG_INCIDENT_PICK_UNION;
      else if (difference->part == TG_INCIDENT_PART_FIELD || difference->part == TG_INCIDENT_PART_PERSONS)
        picks[i] = from_c1;
      else
        picks[i] = 0;
    }
  resolved = tg_incident_conflict_build (conflict, picks, NULL, &error);
  g_assert_no_error (error);
  saved = tg_workspace_resolve_conflict (c2->workspace, conflict, resolved, FALSE, &error);
  g_assert_no_error (error);
  sync_ok (c2);
  sync_ok (c1);

  /* Converged, on both: one head, the same bytes. */
  g_assert_cmpuint (n_heads (c1, incident_id), ==, 1);
  g_assert_cmpuint (n_heads (c2, incident_id), ==, 1);
  {
    g_autoptr(TgIncident) on_c1 = tg_workspace_load_incident (c1->workspace, incident_id, &error);
    g_autoptr(TgIncident) on_c2 = tg_workspace_load_incident (c2->workspace, incident_id, &error);
    g_autofree char *j1 = NULL, *j2 = NULL;

    g_assert_no_error (error);
    j1 = tg_incident_to_json_string (on_c1);
    j2 = tg_incident_to_json_string (on_c2);
    g_assert_cmpstr (j1, ==, j2);
    g_assert_cmpstr (tg_incident_get_title (on_c1), ==, "Bridge massacre");
    g_assert_cmpuint (tg_incident_get_n_members (on_c1), ==, 3);
    g_assert_cmpint (tg_incident_get_count (on_c1, TG_INCIDENT_COUNT_KILLED)->figure, ==, 5);
    g_assert_cmpstr (tg_incident_get_notes (on_c1), ==, "Ask the parish for names.");
  }
  {
    g_autoptr(TgIncidentConflict) after = tg_workspace_load_conflict (c1->workspace, incident_id, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (after->heads->len, ==, 1);
    g_assert_cmpuint (after->differences->len, ==, 0);
  }
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  tmp_dir = tg_test_make_tmp_dir ("test-sync-incidents-XXXXXX");
  server = test_server_new ("rate-limit=10000\nrate-burst=10000\n");
  test_server_start (server);

  g_test_add_func ("/sync/incidents/round-trip", test_incident_round_trip);
  g_test_add_func ("/sync/incidents/concurrent-merges", test_concurrent_merges);
  g_test_add_func ("/sync/incidents/resolve-field-by-field", test_resolve_field_by_field);

  ret = g_test_run ();
  test_server_free (server);
  tg_test_rm_rf (tmp_dir);
  g_free (tmp_dir);
  return ret;
}
