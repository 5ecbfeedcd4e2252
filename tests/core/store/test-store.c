/* test-store.c — the local store, from saving a report to a damaged file
 *
 * CRUD, revisions and conflicts, migrations, full-text search, live lists
 * and damaged files.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <sqlite3.h>
#include <string.h>

#include "tg-store-private.h"
#include "tg-store-sync.h"
#include "tg-test-common.h"

typedef TgTestStoreFixture Fixture;

static TgReport *
new_report (const char *title,
            const char *narrative)
{
  TgReport *report = tg_report_new ();
  g_autoptr(GDateTime) start = g_date_time_new_utc (2023, 1, 9, 20, 30, 0);

  tg_report_set_title (report, title);
  tg_report_set_narrative (report, narrative);
  tg_report_set_start (report, start);
  tg_report_set_location (report, -15.4996, -70.1331, TG_LOCATION_METHOD_MAP);
  return report;
}

static void
test_crud (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(TgReport) report = new_report ("Detenciones en Lima", "224 personas detenidas.");
  g_autoptr(TgPerson) victim = tg_person_new (TG_PERSON_ROLE_VICTIM);
  g_autoptr(TgRevision) rev1 = NULL;
  g_autoptr(TgRevision) rev2 = NULL;
  g_autoptr(TgRevision) same = NULL;
  g_autoptr(TgReport) loaded = NULL;
  g_autoptr(GPtrArray) history = NULL;
  g_autoptr(GError) error = NULL;
  const char *id = tg_report_get_id (report);

  tg_person_set_name (victim, "Víctima L-01");
  tg_report_add_person (report, victim);
  tg_report_set_detained (report, 224);

  rev1 = tg_store_save_report (fixture->store, report, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tg_report_get_base_revisions (report)[0], ==, tg_revision_get_id (rev1));
  g_assert_cmpint (g_strv_length ((char **) tg_revision_get_parents (rev1)), ==, 0);
  g_assert_cmpuint (tg_store_count_reports (fixture->store), ==, 1);

  /* Saving with nothing changed makes no revision. */
  same = tg_store_save_report (fixture->store, report, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tg_revision_get_id (same), ==, tg_revision_get_id (rev1));

  tg_report_set_title (report, "Detenciones masivas en Lima");
  rev2 = tg_store_save_report (fixture->store, report, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tg_revision_get_parents (rev2)[0], ==, tg_revision_get_id (rev1));
  g_assert_cmpint (tg_revision_get_device_seq (rev2), ==, tg_revision_get_device_seq (rev1) + 1);

  loaded = tg_store_load_report (fixture->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tg_report_get_title (loaded), ==, "Detenciones masivas en Lima");
  g_assert_cmpint (tg_report_get_detained (loaded), ==, 224);
  g_assert_cmpint (g_list_model_get_n_items (tg_report_get_persons (loaded)), ==, 1);
  g_assert_false (tg_report_has_conflict (loaded));

  history = tg_store_list_revisions (fixture->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (history->len, ==, 2);

  /* Delete makes a tombstone; the report leaves lists; restore brings it
   * back with its content; the history keeps every step. */
  {
    g_autoptr(TgRevision) tomb = tg_store_delete_report (fixture->store, id, &error);
    g_autoptr(TgReport) gone = NULL;
    g_autoptr(TgRevision) back = NULL;
    g_autoptr(TgReport) restored = NULL;

    g_assert_no_error (error);
    g_assert_true (tg_revision_get_deleted (tomb));
    g_assert_cmpuint (tg_store_count_reports (fixture->store), ==, 0);
    g_assert_cmpuint (tg_test_count_matches (fixture->store, "masivas"), ==, 0);
    gone = tg_store_load_report (fixture->store, id, &error);
    g_assert_error (error, TG_ERROR, TG_ERROR_NOT_FOUND);
    g_assert_null (gone);
    g_clear_error (&error);

    back = tg_store_restore_report (fixture->store, id, &error);
    g_assert_no_error (error);
    g_assert_false (tg_revision_get_deleted (back));
    restored = tg_store_load_report (fixture->store, id, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (tg_report_get_title (restored), ==, "Detenciones masivas en Lima");
    g_assert_cmpuint (tg_test_count_matches (fixture->store, "masivas"), ==, 1);
  }
  g_clear_pointer (&history, g_ptr_array_unref);
  history = tg_store_list_revisions (fixture->store, id, &error);
  g_assert_cmpint (history->len, ==, 4);

  /* Every step is in the custody log, and the chain holds. */
  {
    g_autoptr(GPtrArray) events = tg_custody_log_list (tg_store_get_custody_log (fixture->store), id, &error);
    gint64 broken = -1;

    g_assert_no_error (error);
    g_assert_cmpint (events->len, ==, 4);
    g_assert_cmpint (tg_custody_event_get_action (events->pdata[0]), ==, TG_CUSTODY_CREATED);
    g_assert_cmpint (tg_custody_event_get_action (events->pdata[2]), ==, TG_CUSTODY_DELETED);
    g_assert_true (tg_custody_log_verify (tg_store_get_custody_log (fixture->store), &broken, &error));
    g_assert_no_error (error);
  }
}

static void
test_reopen (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(TgReport) report = new_report ("Ayacucho", "Relato");
  g_autoptr(TgRevision) rev = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *device = g_strdup (tg_store_get_device_id (fixture->store));
  g_autofree char *id = g_strdup (tg_report_get_id (report));

  rev = tg_store_save_report (fixture->store, report, &error);
  g_assert_no_error (error);
  g_clear_object (&fixture->store);

  fixture->store = tg_store_open (fixture->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tg_store_get_device_id (fixture->store), ==, device);
  {
    g_autoptr(TgReport) loaded = tg_store_load_report (fixture->store, id, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (tg_report_get_title (loaded), ==, "Ayacucho");
  }
}

static void
test_conflict (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(TgReport) report = new_report ("Juliaca", "Versión inicial");
  g_autoptr(TgReport) branch_a = NULL;
  g_autoptr(TgReport) branch_b = NULL;
  g_autoptr(TgRevision) root = NULL;
  g_autoptr(TgRevision) rev_a = NULL;
  g_autoptr(TgRevision) rev_b = NULL;
  g_autoptr(TgRevision) merge = NULL;
  g_autoptr(GPtrArray) heads = NULL;
  g_autoptr(TgReport) current = NULL;
  g_autoptr(GError) error = NULL;
  const char *id = tg_report_get_id (report);

  root = tg_store_save_report (fixture->store, report, &error);
  g_assert_no_error (error);

  /* Two edits of the same revision: both branches are kept. */
  branch_a = tg_report_copy (report);
  branch_b = tg_report_copy (report);
  tg_report_set_killed (branch_a, 17);
  tg_report_set_killed (branch_b, 18);
  rev_a = tg_store_save_report (fixture->store, branch_a, &error);
  g_assert_no_error (error);
  rev_b = tg_store_save_report (fixture->store, branch_b, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tg_revision_get_parents (rev_a)[0], ==, tg_revision_get_id (root));
  g_assert_cmpstr (tg_revision_get_parents (rev_b)[0], ==, tg_revision_get_id (root));

  heads = tg_store_list_heads (fixture->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (heads->len, ==, 2);

  current = tg_store_load_report (fixture->store, id, &error);
  g_assert_no_error (error);
  g_assert_true (tg_report_has_conflict (current));
  g_assert_cmpint (tg_report_get_n_heads (current), ==, 2);

  {
    g_autoptr(TgReportQuery) query = tg_report_query_new ();
    g_autoptr(GArray) rows = NULL;

    query->only_conflicts = TRUE;
    rows = tg_store_query_rowids (fixture->store, query, &error);
    g_assert_no_error (error);
    g_assert_cmpint (rows->len, ==, 1);
  }

  /* A person merges: the new revision names both heads. */
  {
    const char *both[] = { tg_revision_get_id (rev_a), tg_revision_get_id (rev_b), NULL };

    tg_report_set_base_revisions (current, both);
    tg_report_set_killed (current, 18);
    merge = tg_store_save_report (fixture->store, current, &error);
    g_assert_no_error (error);
    g_assert_cmpint (g_strv_length ((char **) tg_revision_get_parents (merge)), ==, 2);
  }
  g_clear_pointer (&heads, g_ptr_array_unref);
  heads = tg_store_list_heads (fixture->store, id, &error);
  g_assert_cmpint (heads->len, ==, 1);
  g_clear_object (&current);
  current = tg_store_load_report (fixture->store, id, &error);
  g_assert_false (tg_report_has_conflict (current));
  g_assert_cmpint (tg_report_get_killed (current), ==, 18);
}

static void
test_insert_revisions (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(TgReport) report = new_report ("Cusco", "Relato de otro dispositivo");
  g_autofree char *content = tg_report_to_json_string (report);
  g_autoptr(TgRevision) first = tg_revision_new (tg_report_get_id (report), "report", NULL,
                                                 "other-device", 1, 100, FALSE, content);
  const char *parents[] = { tg_revision_get_id (first), NULL };
  g_autoptr(TgRevision) second = NULL;
  g_autoptr(GPtrArray) batch = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  guint n = 0;

  tg_report_set_title (report, "Cusco, versión 2");
  g_free (content);
  content = tg_report_to_json_string (report);
  second = tg_revision_new (tg_report_get_id (report), "report", parents,
                            "other-device", 2, 200, FALSE, content);

  /* Child first, parent later: the child stays the only head. */
  g_ptr_array_add (batch, second);
  g_assert_true (tg_store_insert_revisions (fixture->store, batch, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 1);
  g_ptr_array_set_size (batch, 0);
  g_ptr_array_add (batch, first);
  g_ptr_array_add (batch, second);
  g_assert_true (tg_store_insert_revisions (fixture->store, batch, &n, &error));
  g_assert_cmpuint (n, ==, 1); /* idempotent for the one already there */
  {
    g_autoptr(GPtrArray) heads = tg_store_list_heads (fixture->store, tg_report_get_id (report), &error);
    g_autoptr(TgReport) loaded = tg_store_load_report (fixture->store, tg_report_get_id (report), &error);

    g_assert_cmpint (heads->len, ==, 1);
    g_assert_cmpstr (tg_report_get_title (loaded), ==, "Cusco, versión 2");
  }

  /* A revision whose content does not match its id is refused whole. */
  {
    g_autoptr(JsonNode) node = tg_revision_to_json (second);
    g_autoptr(TgRevision) forged = NULL;

    json_object_set_string_member (json_node_get_object (node), "content", "{}");
    forged = tg_revision_new_from_json (node, &error);
    g_assert_error (error, TG_ERROR, TG_ERROR_HASH_MISMATCH);
    g_assert_null (forged);
    g_clear_error (&error);
  }

  /* Only this device's revisions are waiting to be pushed. */
  {
    g_autoptr(GPtrArray) unsynced = tg_store_list_unsynced (fixture->store, 0, &error);
    g_assert_no_error (error);
    g_assert_cmpint (unsynced->len, ==, 0);
  }
}

static void
test_fts (Fixture       *fixture,
          gconstpointer  data)
{
  g_autoptr(GPtrArray) reports = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autoptr(TgPerson) person = tg_person_new (TG_PERSON_ROLE_WITNESS);
  TgReport *report;
  const char *tags[] = { "huelga", NULL };

  g_ptr_array_add (reports, new_report ("Enfrentamiento en AYACUCHO", "Disparos en el aeropuerto."));
  g_ptr_array_add (reports, new_report ("Marcha en juliaca", "Una víctima herida por perdigones."));
  report = new_report ("Brigada médica atacada", "Relato del personal de salud.");
  tg_report_set_place_name (report, "Cusco");
  tg_report_set_tags (report, tags);
  tg_person_set_name (person, "Quispe Mamani");
  tg_report_add_person (report, person);
  g_ptr_array_add (reports, report);

  g_assert_true (tg_store_save_reports (fixture->store, reports, &error));
  g_assert_no_error (error);

  /* Case and accents do not matter, either way. */
  g_assert_cmpuint (tg_test_count_matches (fixture->store, "Ayacucho"), ==, 1);
  g_assert_cmpuint (tg_test_count_matches (fixture->store, "ayacucho"), ==, 1);
  g_assert_cmpuint (tg_test_count_matches (fixture->store, "JULIACA"), ==, 1);
  g_assert_cmpuint (tg_test_count_matches (fixture->store, "Juliaca"), ==, 1);
  g_assert_cmpuint (tg_test_count_matches (fixture->store, "victima"), ==, 1);
  g_assert_cmpuint (tg_test_count_matches (fixture->store, "víctima"), ==, 1);
  g_assert_cmpuint (tg_test_count_matches (fixture->store, "medica"), ==, 1);
  /* Place names, person names and tags are searched too. */
  g_assert_cmpuint (tg_test_count_matches (fixture->store, "cusco"), ==, 1);
  g_assert_cmpuint (tg_test_count_matches (fixture->store, "mamani"), ==, 1);
  g_assert_cmpuint (tg_test_count_matches (fixture->store, "huelga"), ==, 1);
  /* The last word is a prefix, as one types. */
  g_assert_cmpuint (tg_test_count_matches (fixture->store, "perdig"), ==, 1);
  /* Words narrow. */
  g_assert_cmpuint (tg_test_count_matches (fixture->store, "juliaca perdigones"), ==, 1);
  g_assert_cmpuint (tg_test_count_matches (fixture->store, "juliaca cusco"), ==, 0);
  /* FTS syntax typed by a person is only text, never an error. */
  g_assert_cmpuint (tg_test_count_matches (fixture->store, "\"AND OR NOT ( * :"), ==, 0);
  g_assert_cmpuint (tg_test_count_matches (fixture->store, "NEAR(a b)"), ==, 0);

  /* An edit reaches the index. */
  report = reports->pdata[0];
  tg_report_set_title (report, "Enfrentamiento en Huamanga");
  g_assert_nonnull (tg_store_save_report (fixture->store, report, &error));
  g_assert_cmpuint (tg_test_count_matches (fixture->store, "huamanga"), ==, 1);
  g_assert_cmpuint (tg_test_count_matches (fixture->store, "ayacucho"), ==, 0);
}

static void
test_filters (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GPtrArray) reports = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  const char *killing[] = { "killing", NULL };
  const char *detention[] = { "arbitrary-detention", NULL };
  g_autoptr(TgReportQuery) query = tg_report_query_new ();
  g_autoptr(GArray) rows = NULL;

  for (guint i = 0; i < 10; i++)
    {
      TgReport *report = new_report ("R", NULL);
      g_autoptr(GDateTime) start = g_date_time_new_utc (2023, 1, 1 + i, 12, 0, 0);

      tg_report_set_start (report, start);
      tg_report_set_categories (report, i % 2 ? killing : detention);
      tg_report_set_region_code (report, i < 3 ? "PE-AYA" : "PE-PUN");
      tg_report_set_status (report, i == 0 ? TG_REPORT_STATUS_VERIFIED : TG_REPORT_STATUS_DRAFT);
      g_ptr_array_add (reports, report);
    }
  g_assert_true (tg_store_save_reports (fixture->store, reports, &error));

  query->category = g_strdup ("killing");
  rows = tg_store_query_rowids (fixture->store, query, &error);
  g_assert_no_error (error);
  g_assert_cmpint (rows->len, ==, 5);
  g_clear_pointer (&rows, g_array_unref);

  query->region_code = g_strdup ("PE-AYA");
  rows = tg_store_query_rowids (fixture->store, query, &error);
  g_assert_cmpint (rows->len, ==, 1);
  g_clear_pointer (&rows, g_array_unref);

  g_clear_pointer (&query->category, g_free);
  g_clear_pointer (&query->region_code, g_free);
  query->status = TG_REPORT_STATUS_VERIFIED;
  rows = tg_store_query_rowids (fixture->store, query, &error);
  g_assert_cmpint (rows->len, ==, 1);
  g_clear_pointer (&rows, g_array_unref);

  /* The map's view of the same reports: positions and first categories
   * without loading any report. */
  {
    g_autoptr(GArray) locations = NULL;
    TgReportLocation *first;

    query->status = -1;
    query->category = g_strdup ("killing");
    locations = tg_store_query_locations (fixture->store, query, &error);
    g_assert_no_error (error);
    g_assert_cmpint (locations->len, ==, 5);
    first = &g_array_index (locations, TgReportLocation, 0);
    g_assert_cmpstr (first->category, ==, "killing");
    g_assert_cmpfloat (first->latitude, ==, -15.4996);

    /* A marker asks for its report's id and title by row. */
    {
      g_autofree char *id = NULL;
      g_autofree char *title = NULL;
      g_autoptr(TgReport) report = NULL;
      g_autoptr(TgRevision) rev = NULL;
      gint64 old_rowid = first->rowid;

      g_assert_true (tg_store_get_report_label (fixture->store, first->rowid, &id, &title, &error));
      g_assert_no_error (error);
      g_assert_true (tg_is_uuid (id));
      g_assert_cmpstr (title, ==, "R");
      g_assert_cmpint (tg_store_lookup_rowid (fixture->store, id), ==, first->rowid);
      g_assert_cmpint (tg_store_lookup_rowid (fixture->store, "no such report"), ==, 0);

      /* A change moves the report to a new row: the old one is gone, the
       * id finds the new one. */
      report = tg_store_load_report (fixture->store, id, &error);
      g_assert_no_error (error);
      tg_report_set_title (report, "R again");
      rev = tg_store_save_report (fixture->store, report, &error);
      g_assert_no_error (error);
      g_assert_false (tg_store_get_report_label (fixture->store, old_rowid, NULL, NULL, &error));
      g_assert_error (error, TG_ERROR, TG_ERROR_NOT_FOUND);
      g_clear_error (&error);
      g_assert_cmpint (tg_store_lookup_rowid (fixture->store, id), >, old_rowid);
      g_clear_pointer (&title, g_free);
      g_assert_true (tg_store_get_report_label (fixture->store, tg_store_lookup_rowid (fixture->store, id),
                                                NULL, &title, &error));
      g_assert_cmpstr (title, ==, "R again");
    }
    g_clear_pointer (&query->category, g_free);

    /* With text as well, on the table itself. */
    g_clear_pointer (&locations, g_array_unref);
    query->text = g_strdup ("again");
    locations = tg_store_query_locations (fixture->store, query, &error);
    g_assert_no_error (error);
    g_assert_cmpint (locations->len, ==, 1);
    g_clear_pointer (&query->text, g_free);
  }

  query->status = -1;
  query->start_from = g_date_time_to_unix (g_date_time_new_utc (2023, 1, 3, 0, 0, 0));
  query->start_until = g_date_time_to_unix (g_date_time_new_utc (2023, 1, 6, 0, 0, 0));
  query->sort = TG_REPORT_SORT_START_ASC;
  rows = tg_store_query_rowids (fixture->store, query, &error);
  g_assert_cmpint (rows->len, ==, 3);
  {
    g_autoptr(TgReport) first = tg_store_load_report_by_rowid (fixture->store, g_array_index (rows, gint64, 0), &error);
    g_assert_cmpint (g_date_time_get_day_of_month (tg_report_get_start (first)), ==, 3);
  }
}

static void
save_ok (TgStore  *store,
         TgReport *report)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgRevision) rev = tg_store_save_report (store, report, &error);

  g_assert_no_error (error);
  g_assert_nonnull (rev);
}

/* The default order is the order reports last changed on this device,
 * whatever the device clocks said. */
static void
test_order_of_change (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(TgReport) a = new_report ("Primero", NULL);
  g_autoptr(TgReport) b = new_report ("Segundo", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) rows = NULL;
  g_autoptr(TgReportQuery) query = tg_report_query_new ();

  save_ok (fixture->store, a);
  save_ok (fixture->store, b);
  tg_report_set_narrative (a, "editado después");
  save_ok (fixture->store, a);

  rows = tg_store_query_rowids (fixture->store, NULL, &error);
  g_assert_cmpint (rows->len, ==, 2);
  {
    g_autoptr(TgReport) first = tg_store_load_report_by_rowid (fixture->store, g_array_index (rows, gint64, 0), &error);
    g_assert_cmpstr (tg_report_get_title (first), ==, "Primero");
  }
  g_clear_pointer (&rows, g_array_unref);

  /* The same order with text alone (answered by the index by itself)
   * and with text and a filter. */
  query->text = g_strdup ("r");
  rows = tg_store_query_rowids (fixture->store, query, &error);
  g_assert_cmpint (rows->len, ==, 0);
  g_clear_pointer (&rows, g_array_unref);
  g_free (query->text);
  query->text = g_strdup ("segundo");
  rows = tg_store_query_rowids (fixture->store, query, &error);
  g_assert_cmpint (rows->len, ==, 1);
  g_clear_pointer (&rows, g_array_unref);
  query->status = TG_REPORT_STATUS_DRAFT;
  rows = tg_store_query_rowids (fixture->store, query, &error);
  g_assert_cmpint (rows->len, ==, 1);
}

typedef struct
{
  guint position, removed, added, calls;
} ItemsChanged;

static void
items_changed_cb (GListModel   *model,
                  guint         position,
                  guint         removed,
                  guint         added,
                  ItemsChanged *record)
{
  record->position = position;
  record->removed = removed;
  record->added = added;
  record->calls++;
}

static void
iterate_until_idle (void)
{
  for (guint i = 0; i < 100 && g_main_context_iteration (NULL, FALSE); i++)
    ;
}

static void
test_live_list (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(TgReportList) list = tg_report_list_new (fixture->store, NULL);
  g_autoptr(TgReport) a = new_report ("Primero", NULL);
  g_autoptr(TgReport) b = new_report ("Segundo", NULL);
  g_autoptr(TgReport) item = NULL;
  g_autoptr(GError) error = NULL;
  ItemsChanged record = { 0 };

  g_signal_connect (list, "items-changed", G_CALLBACK (items_changed_cb), &record);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);

  tg_store_save_report (fixture->store, a, &error);
  iterate_until_idle ();
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 1);
  g_assert_cmpuint (record.added, ==, 1);

  g_usleep (2000);
  tg_store_save_report (fixture->store, b, &error);
  iterate_until_idle ();
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 2);
  /* Newest first. */
  item = g_list_model_get_item (G_LIST_MODEL (list), 0);
  g_assert_cmpstr (tg_report_get_title (item), ==, "Segundo");
  g_clear_object (&item);

  /* An edit to the last row that keeps its place: rebinding that row. */
  item = g_list_model_get_item (G_LIST_MODEL (list), 1);
  g_assert_cmpstr (tg_report_get_title (item), ==, "Primero");
  g_clear_object (&item);
  record.calls = 0;
  {
    g_autoptr(TgReportQuery) by_title = tg_report_query_new ();
    by_title->sort = TG_REPORT_SORT_TITLE;
    tg_report_list_set_query (list, by_title);
  }
  item = g_list_model_get_item (G_LIST_MODEL (list), 0);
  g_assert_cmpstr (tg_report_get_title (item), ==, "Primero");
  g_clear_object (&item);
  record.calls = 0;
  tg_report_set_narrative (a, "Ahora con relato");
  tg_store_save_report (fixture->store, a, &error);
  iterate_until_idle ();
  g_assert_cmpuint (record.calls, >=, 1);
  item = g_list_model_get_item (G_LIST_MODEL (list), 0);
  g_assert_cmpstr (tg_report_get_narrative (item), ==, "Ahora con relato");
  g_clear_object (&item);

  /* Deleting removes the row. */
  tg_store_delete_report (fixture->store, tg_report_get_id (a), &error);
  iterate_until_idle ();
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 1);
  g_assert_cmpuint (record.removed, ==, 1);
  g_assert_cmpuint (record.position, ==, 0);
}

static void
save_async_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  TgRevision **rev = user_data;
  g_autoptr(GError) error = NULL;

  *rev = tg_store_save_report_finish (TG_STORE (object), result, &error);
  g_assert_no_error (error);
}

static void
test_async_save (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(TgReport) report = new_report ("Andahuaylas", "Guardado en segundo plano");
  TgRevision *rev = NULL;

  tg_store_save_report_async (fixture->store, report, NULL, save_async_cb, &rev);
  while (rev == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (tg_report_get_base_revisions (report)[0], ==, tg_revision_get_id (rev));
  g_object_unref (rev);
}

static void
test_bad_input (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(TgReport) report = new_report ("Fuera de rango", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TgRevision) rev = NULL;
  g_autoptr(GString) big = g_string_sized_new (10 * 1024 * 1024 + 16);
  g_autoptr(TgReport) loaded = NULL;

  /* Coordinates out of range are refused; nothing is written. */
  tg_report_set_location (report, -95.0, -70.0, TG_LOCATION_METHOD_TYPED);
  rev = tg_store_save_report (fixture->store, report, &error);
  g_assert_error (error, TG_ERROR, TG_ERROR_INVALID);
  g_assert_null (rev);
  g_clear_error (&error);
  g_assert_cmpuint (tg_store_count_reports (fixture->store), ==, 0);

  /* A 10 MB narrative is kept whole and found. */
  tg_report_set_location (report, -15.0, -70.0, TG_LOCATION_METHOD_TYPED);
  while (big->len < 10 * 1024 * 1024)
    g_string_append (big, "testimonio largo con acentos: año, niño, Ñaña. ");
  g_string_append (big, "palabrafinal");
  tg_report_set_narrative (report, big->str);
  rev = tg_store_save_report (fixture->store, report, &error);
  g_assert_no_error (error);
  loaded = tg_store_load_report (fixture->store, tg_report_get_id (report), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (tg_report_get_narrative (loaded)), ==, big->len);
  g_assert_true (strcmp (tg_report_get_narrative (loaded), big->str) == 0);
  g_assert_cmpuint (tg_test_count_matches (fixture->store, "palabrafinal"), ==, 1);

  /* Beyond the limit: a clear error. */
  g_clear_object (&rev);
  g_string_set_size (big, TG_MAX_TEXT_LENGTH + 1);
  memset (big->str, 'a', big->len);
  tg_report_set_narrative (report, big->str);
  rev = tg_store_save_report (fixture->store, report, &error);
  g_assert_error (error, TG_ERROR, TG_ERROR_INVALID);
  g_assert_null (rev);
}

static void
write_file (const char *path,
            const char *contents,
            gssize      length)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, length, &error);
  g_assert_no_error (error);
}

static void
test_damaged_files (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = tg_test_make_tmp_dir ("testigo-damaged-XXXXXX");
  g_autofree char *db = g_build_filename (dir, "testigo.db", NULL);
  g_autofree char *original = NULL;
  g_autofree char *after = NULL;
  gsize length, after_length;

  /* A file that is not a database. */
  write_file (db, "%PDF-1.4 this is not a database\n", -1);
  {
    g_autoptr(TgStore) store = tg_store_open (dir, &error);
    g_assert_null (store);
    g_assert_error (error, TG_ERROR, TG_ERROR_NOT_A_DATABASE);
    g_assert_nonnull (strstr (error->message, "testigo.db"));
    g_clear_error (&error);
  }
  after = tg_test_read_file (db, NULL);
  g_assert_cmpstr (after, ==, "%PDF-1.4 this is not a database\n");
  g_clear_pointer (&after, g_free);

  /* A real store, truncated. */
  g_remove (db);
  {
    g_autoptr(TgStore) store = tg_store_open (dir, &error);
    g_autoptr(GPtrArray) reports = g_ptr_array_new_with_free_func (g_object_unref);

    g_assert_no_error (error);
    for (guint i = 0; i < 200; i++)
      g_ptr_array_add (reports, new_report ("Relleno", "Un relato para ocupar páginas de la base de datos."));
    g_assert_true (tg_store_save_reports (store, reports, &error));
    /* Fold the WAL into the database file. */
    sqlite3_exec (tg_store_get_db (store), "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
  }
  original = tg_test_read_file (db, &length);
  g_assert_cmpuint (length, >, 8192);
  write_file (db, original, length / 2);
  {
    g_autoptr(TgStore) store = tg_store_open (dir, &error);
    g_assert_null (store);
    g_assert_error (error, TG_ERROR, TG_ERROR_CORRUPT);
    g_clear_error (&error);
  }
  after = tg_test_read_file (db, &after_length);
  g_assert_cmpuint (after_length, ==, length / 2);
  g_assert_true (memcmp (after, original, after_length) == 0);
  g_clear_pointer (&after, g_free);

  /* The same store with garbage over its schema page. */
  {
    g_autofree char *damaged = g_memdup2 (original, length);

    memset (damaged + 100, 0xA5, 3000);
    write_file (db, damaged, length);
    {
      g_autoptr(TgStore) store = tg_store_open (dir, &error);
      g_assert_null (store);
      g_assert_nonnull (error);
      g_assert_true (g_error_matches (error, TG_ERROR, TG_ERROR_CORRUPT) ||
                     g_error_matches (error, TG_ERROR, TG_ERROR_NOT_A_DATABASE));
      g_clear_error (&error);
    }
    after = tg_test_read_file (db, &after_length);
    g_assert_cmpuint (after_length, ==, length);
    g_assert_true (memcmp (after, damaged, length) == 0);
    g_clear_pointer (&after, g_free);
  }

  tg_test_rm_rf (dir);
}

static void
test_too_new (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = tg_test_make_tmp_dir ("testigo-new-XXXXXX");

  {
    g_autoptr(TgStore) store = tg_store_open (dir, &error);
    g_assert_no_error (error);
    sqlite3_exec (tg_store_get_db (store), "PRAGMA user_version = 99", NULL, NULL, NULL);
  }
  {
    g_autoptr(TgStore) store = tg_store_open (dir, &error);
    g_assert_null (store);
    g_assert_error (error, TG_ERROR, TG_ERROR_TOO_NEW);
  }
  tg_test_rm_rf (dir);
}

/* Each earlier schema, holding data written at that version, opens in
 * the current one with nothing lost. */
static void
test_migrations (void)
{
  for (int from = 0; from < TG_STORE_SCHEMA_VERSION; from++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *dir = tg_test_make_tmp_dir ("testigo-migrate-XXXXXX");
      g_autofree char *id = NULL;

      g_test_message ("from schema %d", from);
      {
        g_autoptr(TgStore) old = tg_store_open_at_version (dir, from, &error);

        g_assert_no_error (error);
        g_assert_cmpint (tg_store_get_schema_version (old), ==, from);
        if (from >= 1)
          {
            g_autoptr(TgReport) report = new_report ("Ataque a periodistas en Lima", "Relato previo a la migración");
            const char *categories[] = { "attack-on-press", "injury", NULL };
            g_autoptr(TgRevision) rev = NULL;

            tg_report_set_categories (report, categories);
            rev = tg_store_save_report (old, report, &error);

            g_assert_no_error (error);
            g_assert_nonnull (rev);
            id = g_strdup (tg_report_get_id (report));
          }
      }
      {
        g_autoptr(TgStore) store = tg_store_open (dir, &error);

        g_assert_no_error (error);
        g_assert_cmpint (tg_store_get_schema_version (store), ==, TG_STORE_SCHEMA_VERSION);
        g_assert_nonnull (tg_store_get_custody_log (store));
        if (id != NULL)
          {
            g_autoptr(TgReport) loaded = tg_store_load_report (store, id, &error);

            g_assert_no_error (error);
            g_assert_cmpstr (tg_report_get_narrative (loaded), ==, "Relato previo a la migración");
            /* The full-text index was filled from the old data. */
            g_assert_cmpuint (tg_test_count_matches (store, "periodistas"), ==, 1);
            g_assert_cmpuint (tg_test_count_matches (store, "migracion"), ==, 1);
            /* Schema 8 counted it as waiting to be pushed. */
            {
              TgSyncPending pending;

              g_assert_true (tg_store_get_sync_pending (store, &pending, &error));
              g_assert_no_error (error);
              g_assert_cmpuint (pending.n_reports, ==, 1);
              g_assert_cmpuint (pending.n_revisions, ==, 1);
              g_assert_cmpint (tg_store_get_report_sync_state (store, id), ==,
                               TG_REPORT_SYNC_LOCAL_ONLY);
            }
            /* And the map's columns were filled from it. */
            {
              g_autoptr(GArray) locations = tg_store_query_locations (store, NULL, &error);

              g_assert_no_error (error);
              g_assert_cmpint (locations->len, ==, 1);
              g_assert_cmpstr (g_array_index (locations, TgReportLocation, 0).category, ==,
                               "attack-on-press");
            }
          }
        /* And the store is fully usable afterwards. */
        {
          g_autoptr(TgReport) report = new_report ("Después", NULL);
          g_autoptr(TgRevision) rev = tg_store_save_report (store, report, &error);
          g_assert_no_error (error);
        }
      }
      tg_test_rm_rf (dir);
    }
}

static int
pragma_int (TgStore    *store,
            const char *sql,
            int         column)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int value;

  tg_store_lock (store);
  g_assert_cmpint (sqlite3_prepare_v2 (tg_store_get_db (store), sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int (stmt, column);
  tg_store_unlock (store);
  return value;
}

/* The write-ahead log is copied back into the database by the store's
 * checkpoint thread, not by the saves: after a batch larger than the
 * threshold the thread runs, the next save starts the log afresh, and
 * every report is there after reopening. */
static void
test_checkpoint (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) more = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GString) narrative = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  gint64 deadline;

  g_assert_cmpint (pragma_int (fixture->store, "PRAGMA page_size", 0), ==, 16384);

  /* Some 40 MB of revisions and index text: well past the thread's
   * threshold of 1,000 pages. */
  for (guint i = 0; i < 1500; i++)
    g_string_append_printf (narrative, "palabra%u ", i);
  for (guint i = 0; i < 1200; i++)
    g_ptr_array_add (batch, new_report ("Informe", narrative->str));
  g_assert_true (tg_store_save_reports (fixture->store, batch, &error));
  g_assert_no_error (error);

  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (tg_store_get_n_checkpoints (fixture->store) == 0 && g_get_monotonic_time () < deadline)
    g_usleep (10000);
  g_assert_cmpuint (tg_store_get_n_checkpoints (fixture->store), >=, 1);

  for (guint i = 0; i < 10; i++)
    g_ptr_array_add (more, new_report ("Otro informe", "breve"));
  g_assert_true (tg_store_save_reports (fixture->store, more, &error));
  g_assert_no_error (error);
  /* Column 1 of wal_checkpoint: frames now in the log, the last save's only. */
  g_assert_cmpint (pragma_int (fixture->store, "PRAGMA wal_checkpoint(PASSIVE)", 1), <, 200);

  g_clear_object (&fixture->store);
  fixture->store = tg_store_open (fixture->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tg_store_count_reports (fixture->store), ==, 1210);
  g_assert_cmpint (pragma_int (fixture->store, "SELECT count(*) FROM reports_fts", 0), ==, 1210);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, tg_test_store_fixture_set_up, func, tg_test_store_fixture_tear_down)

  ADD ("/store/crud", test_crud);
  ADD ("/store/reopen", test_reopen);
  ADD ("/store/revisions/conflict", test_conflict);
  ADD ("/store/revisions/insert", test_insert_revisions);
  ADD ("/store/fts", test_fts);
  ADD ("/store/filters", test_filters);
  ADD ("/store/list/live", test_live_list);
  ADD ("/store/list/order-of-change", test_order_of_change);
  ADD ("/store/save/async", test_async_save);
  ADD ("/store/bad-input", test_bad_input);
  ADD ("/store/checkpoint", test_checkpoint);
  g_test_add_func ("/store/damaged-files", test_damaged_files);
  g_test_add_func ("/store/too-new", test_too_new);
  g_test_add_func ("/store/migrate/every-version", test_migrations);

  return g_test_run ();
}
