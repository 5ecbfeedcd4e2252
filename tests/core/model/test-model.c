/* test-model.c — reports, persons, sources: JSON, validation, coordinates
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "tg-report.h"
#include "tg-revision.h"

static TgReport *
make_report (void)
{
  TgReport *report = tg_report_new ();
  g_autoptr(TgPerson) victim = tg_person_new (TG_PERSON_ROLE_VICTIM);
  g_autoptr(TgSource) link = tg_source_new (TG_SOURCE_KIND_LINK);
  g_autoptr(TgSource) testimony = tg_source_new (TG_SOURCE_KIND_TESTIMONY);
  g_autoptr(GDateTime) start = g_date_time_new_from_iso8601 ("2023-01-09T15:30:00-05:00", NULL);
  const char *categories[] = { "killing", "excessive-force", NULL };
  const char *harms[] = { "killed", NULL };
  const char *weapons[] = { "live-ammunition", NULL };

  tg_report_set_title (report, "Disparos cerca del aeropuerto de Juliaca");
  tg_report_set_narrative (report, "Relato con acentos: víctima, años, Ñuñoa.\nSegunda línea \"citada\".");
  tg_report_set_start (report, start);
  tg_report_set_date_precision (report, TG_DATE_PRECISION_EXACT);
  tg_report_set_location (report, -15.4671, -70.1582, TG_LOCATION_METHOD_MAP);
  tg_report_set_uncertainty (report, 250);
  tg_report_set_place_name (report, "Juliaca");
  tg_report_set_region_code (report, "PE-PUN");
  tg_report_set_categories (report, categories);
  tg_report_set_killed (report, 17);
  tg_report_set_injured (report, 100);

  tg_person_set_name (victim, "Víctima A-01");
  tg_person_set_is_pseudonym (victim, TRUE);
  tg_person_set_age_range (victim, 17, 17);
  tg_person_set_minor (victim, TRUE);
  tg_person_set_harms (victim, harms);
  tg_person_set_weapons (victim, weapons);
  tg_person_set_consent (victim, TG_CONSENT_ORGANISATION);
  tg_report_add_person (report, victim);

  tg_source_set_url (link, "https://example.org/nota");
  tg_report_add_source (report, link);
  tg_source_set_text (testimony, "Testimonio escrito");
  tg_report_add_source (report, testimony);

  return report;
}

static void
test_json_round_trip (void)
{
  g_autoptr(TgReport) report = make_report ();
  g_autoptr(TgReport) copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = tg_report_to_json_string (report);
  g_autofree char *again = NULL;
  g_autoptr(TgPerson) person = NULL;

  copy = tg_report_new_from_json_string (json, -1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (copy);

  /* Same report, same bytes: revision ids depend on it. */
  again = tg_report_to_json_string (copy);
  g_assert_cmpstr (json, ==, again);

  g_assert_cmpstr (tg_report_get_id (copy), ==, tg_report_get_id (report));
  g_assert_cmpstr (tg_report_get_narrative (copy), ==, tg_report_get_narrative (report));
  g_assert_cmpfloat (tg_report_get_latitude (copy), ==, -15.4671);
  g_assert_cmpint (tg_report_get_killed (copy), ==, 17);
  g_assert_cmpint (tg_report_get_disappeared (copy), ==, -1);
  g_assert_cmpint (g_list_model_get_n_items (tg_report_get_persons (copy)), ==, 1);
  g_assert_cmpint (g_list_model_get_n_items (tg_report_get_sources (copy)), ==, 2);
  person = g_list_model_get_item (tg_report_get_persons (copy), 0);
  g_assert_true (tg_person_get_minor (person));
  g_assert_cmpint (tg_person_get_consent (person), ==, TG_CONSENT_ORGANISATION);
  g_assert_cmpstr (tg_person_get_weapons (person)[0], ==, "live-ammunition");
  g_assert_cmpint (g_date_time_get_utc_offset (tg_report_get_start (copy)) / G_TIME_SPAN_HOUR, ==, -5);
}

static void
test_json_bad_input (void)
{
  const char *bad[] = {
    "",
    "[]",
    "{\"id\": \"not-a-uuid\"}",
    "{\"id\": \"0e8f8c2a-9d7b-4b8e-9a5c-3f2d1e0c9b8a\", \"title\": 5}",
    "{\"id\": \"0e8f8c2a-9d7b-4b8e-9a5c-3f2d1e0c9b8a\", \"killed\": \"many\"}",
    "{\"id\": \"0e8f8c2a-9d7b-4b8e-9a5c-3f2d1e0c9b8a\", \"start\": \"yesterday\"}",
    "{\"id\": \"0e8f8c2a-9d7b-4b8e-9a5c-3f2d1e0c9b8a\", \"status\": \"lost\"}",
    "{\"id\": \"0e8f8c2a-9d7b-4b8e-9a5c-3f2d1e0c9b8a\", \"persons\": [{\"role\": \"victim\"}]}",
    "{\"id\": \"0e8f8c2a-9d7b-4b8e-9a5c-3f2d1e0c9b8a\", \"format\": 99}",
    "{\"id\": \"0e8f8c2a-9d7b-4b8e-9a5c-3f2d1e0c9b8a\", \"sources\": [{\"id\": \"0e8f8c2a-9d7b-4b8e-9a5c-3f2d1e0c9b8b\", \"kind\": \"file\", \"sha256\": \"../../etc/passwd\"}]}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TgReport) report = tg_report_new_from_json_string (bad[i], -1, &error);

      g_test_message ("input %u: %s", i, bad[i]);
      g_assert_null (report);
      g_assert_nonnull (error);
      g_assert_true (error->domain == TG_ERROR);
      g_assert_cmpstr (error->message, !=, "");
    }
}

static gboolean
has_issue (GPtrArray  *issues,
           const char *field)
{
  for (guint i = 0; i < issues->len; i++)
    if (g_strcmp0 (((TgValidationIssue *) issues->pdata[i])->field, field) == 0)
      return TRUE;
  return FALSE;
}

static void
test_validation (void)
{
  g_autoptr(TgReport) report = make_report ();
  g_autoptr(GPtrArray) issues = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) future = g_date_time_add_days (now, 10);
  g_autoptr(GDateTime) before = g_date_time_add_days (tg_report_get_start (report), -1);
  g_autoptr(GError) error = NULL;

  issues = tg_report_check (report);
  g_assert_cmpint (issues->len, ==, 0);
  g_assert_true (tg_report_validate (report, NULL));
  g_clear_pointer (&issues, g_ptr_array_unref);

  tg_report_set_start (report, future);
  issues = tg_report_check (report);
  g_assert_true (has_issue (issues, "start"));
  g_assert_false (tg_report_validate (report, &error));
  g_assert_error (error, TG_ERROR, TG_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "future"));
  g_clear_error (&error);
  g_clear_pointer (&issues, g_ptr_array_unref);

  tg_report_set_start (report, NULL);
  tg_report_set_start (report, g_date_time_add_days (before, 1));
  tg_report_set_end (report, before);
  issues = tg_report_check (report);
  g_assert_true (has_issue (issues, "end"));
  g_clear_pointer (&issues, g_ptr_array_unref);
  tg_report_set_end (report, NULL);

  tg_report_set_location (report, 91.0, -70.0, TG_LOCATION_METHOD_TYPED);
  issues = tg_report_check (report);
  g_assert_true (has_issue (issues, "latitude"));
  g_clear_pointer (&issues, g_ptr_array_unref);

  tg_report_set_location (report, -15.0, -181.0, TG_LOCATION_METHOD_TYPED);
  issues = tg_report_check (report);
  g_assert_true (has_issue (issues, "longitude"));
  g_clear_pointer (&issues, g_ptr_array_unref);

  tg_report_set_location (report, -15.0, -70.0, TG_LOCATION_METHOD_TYPED);
  tg_report_set_killed (report, -5);
  issues = tg_report_check (report);
  g_assert_true (has_issue (issues, "killed"));
  g_clear_pointer (&issues, g_ptr_array_unref);
  tg_report_set_killed (report, 0);

  {
    g_autoptr(TgSource) link = tg_source_new (TG_SOURCE_KIND_LINK);
    tg_source_set_url (link, "not a link");
    tg_report_add_source (report, link);
    issues = tg_report_check (report);
    g_assert_true (has_issue (issues, "sources"));
    g_clear_pointer (&issues, g_ptr_array_unref);
    tg_report_remove_source (report, link);
  }

  issues = tg_report_check (report);
  g_assert_cmpint (issues->len, ==, 0);
}

static void
count_cb (guint *count)
{
  (*count)++;
}

static void
test_changed_signal (void)
{
  g_autoptr(TgReport) report = tg_report_new ();
  g_autoptr(TgPerson) person = tg_person_new (TG_PERSON_ROLE_WITNESS);
  guint count = 0;

  g_signal_connect_swapped (report, "changed", G_CALLBACK (count_cb), &count);

  tg_report_set_title (report, "Uno");
  g_assert_cmpint (count, ==, 1);
  tg_report_set_title (report, "Uno");      /* same value: no change */
  g_assert_cmpint (count, ==, 1);
  tg_report_add_person (report, person);
  g_assert_cmpint (count, ==, 2);
  tg_person_set_name (person, "Testigo B-02"); /* a child's edit reaches the report */
  g_assert_cmpint (count, ==, 3);
  tg_report_remove_person (report, person);
  g_assert_cmpint (count, ==, 4);
  tg_person_set_name (person, "Otro");         /* removed: no longer reported */
  g_assert_cmpint (count, ==, 4);
}

static void
test_coordinates (void)
{
  const struct {
    const char *text;
    double lat, lon;
  } good[] = {
    { "-15.4985, -70.1338", -15.4985, -70.1338 },
    { "-15.4985 -70.1338", -15.4985, -70.1338 },
    { "15.4985 S, 70.1338 W", -15.4985, -70.1338 },
    { "15°29'54.6\"S 70°08'01.7\"W", -(15 + 29 / 60.0 + 54.6 / 3600.0), -(70 + 8 / 60.0 + 1.7 / 3600.0) },
    { "13°9'48\"S, 74°13'21\"O", -(13 + 9 / 60.0 + 48 / 3600.0), -(74 + 13 / 60.0 + 21 / 3600.0) },
    { "12 3 0 S 77 2 0 W", -(12 + 3 / 60.0), -(77 + 2 / 60.0) },
  };
  const char *bad[] = {
    "",
    "Juliaca",
    "-95.0, 10.0",
    "10.0, 190.0",
    "15°70'00\"S 70°00'00\"W",
    "15.5 E, 70 N",
    "1,2,3",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      double lat = 0, lon = 0;

      g_test_message ("%s", good[i].text);
      g_assert_true (tg_parse_coordinates (good[i].text, &lat, &lon, &error));
      g_assert_no_error (error);
      g_assert_cmpfloat_with_epsilon (lat, good[i].lat, 1e-9);
      g_assert_cmpfloat_with_epsilon (lon, good[i].lon, 1e-9);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      double lat = 99, lon = 99;

      g_test_message ("%s", bad[i]);
      g_assert_false (tg_parse_coordinates (bad[i], &lat, &lon, &error));
      g_assert_error (error, TG_ERROR, TG_ERROR_INVALID);
      g_assert_cmpfloat (lat, ==, 99);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/model/report/json-round-trip", test_json_round_trip);
  g_test_add_func ("/model/report/json-bad-input", test_json_bad_input);
  g_test_add_func ("/model/report/validation", test_validation);
  g_test_add_func ("/model/report/changed-signal", test_changed_signal);
  g_test_add_func ("/model/coordinates", test_coordinates);

  return g_test_run ();
}
