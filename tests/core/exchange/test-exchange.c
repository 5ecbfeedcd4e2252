/* test-exchange.c — vocabularies, GeoJSON and CSV export/import, demo data
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "tg-csv.h"
#include "tg-custody-log.h"
#include "tg-demo.h"
#include "tg-export.h"
#include "tg-export-columns.h"
#include "tg-import.h"
#include "tg-store-private.h"
#include "tg-test-common.h"
#include "tg-vocabulary.h"

#define VOCAB_DIR SRCDATADIR "/vocabularies"

/* Helpers ---------------------------------------------------------------- */

typedef struct
{
  char    *dir;
  TgStore *store;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->dir = tg_test_make_tmp_dir ("testigo-exchange-XXXXXX");
  fixture->store = tg_test_open_store_in (fixture->dir, "a");
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  tg_store_close (fixture->store);
  g_clear_object (&fixture->store);
  tg_test_rm_rf (fixture->dir);
  g_free (fixture->dir);
}

static GDateTime *
date (const char *iso)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  GDateTime *time = g_date_time_new_from_iso8601 (iso, utc);

  g_assert_nonnull (time);
  return time;
}

static TgPerson *
victim (const char *name,
        TgConsent   consent)
{
  TgPerson *person = tg_person_new (TG_PERSON_ROLE_VICTIM);

  tg_person_set_name (person, name);
  tg_person_set_consent (person, consent);
  return person;
}

/* A report with text that is hard to carry: quotes, commas, newlines,
 * accents, and a would-be formula. */
static TgReport *
tricky_report (void)
{
  TgReport *report = tg_report_new ();
  g_autoptr(GDateTime) start = date ("2023-01-09T14:05:00-05:00");
  const char *categories[] = { "killing", "excessive_force", NULL };
  const char *perpetrators[] = { "police", NULL };

  tg_report_set_title (report, "Juliaca: \"disparos\", heridos, y más");
  tg_report_set_narrative (report, "Primera línea, con comas,\r\nsegunda \"citada\"\nÁyacucho ñandú — fin.");
  tg_report_set_start (report, start);
  tg_report_set_date_precision (report, TG_DATE_PRECISION_EXACT);
  tg_report_set_location (report, -15.4671, -70.1582, TG_LOCATION_METHOD_MAP);
  tg_report_set_uncertainty (report, 250.5);
  tg_report_set_place_name (report, "Aeropuerto Inca Manco Cápac, Juliaca");
  tg_report_set_region_code (report, "PE.21");
  tg_report_set_province_code (report, "PE.21.2111");
  tg_report_set_categories (report, categories);
  tg_report_set_perpetrators (report, perpetrators);
  tg_report_set_perpetrator_unit (report, "=cmd|' /C calc'!A0");
  tg_report_set_killed (report, 17);
  tg_report_set_injured (report, -1);
  tg_report_set_detained (report, 0);
  tg_report_set_status (report, TG_REPORT_STATUS_UNDER_REVIEW);
  return report;
}

static void
save (TgStore  *store,
      TgReport *report)
{
  g_object_unref (tg_test_save_report (store, report));
}

/* Imports @file into @store, guessing its format; the import must
 * succeed. */
static void
import_file (TgStore *store,
             GFile   *file,
             guint   *n_imported,
             guint   *n_skipped)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tg_import_file (store, file, TG_IMPORT_FORMAT_AUTO, NULL, NULL,
                                 n_imported, n_skipped, NULL, &error));
  g_assert_no_error (error);
}

/* Vocabularies ----------------------------------------------------------- */

static guint
json_array_length_of_file (const char *path)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  return json_array_get_length (json_node_get_array (json_parser_get_root (parser)));
}

static void
test_vocabulary_load (void)
{
  for (TgVocabularyKind kind = TG_VOCABULARY_CATEGORIES; kind <= TG_VOCABULARY_PERPETRATORS; kind++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TgVocabulary) vocab = tg_vocabulary_load (kind, VOCAB_DIR, "es", &error);
      g_autofree char *path = g_build_filename (VOCAB_DIR, tg_vocabulary_kind_get_file_name (kind), NULL);
      guint n;

      g_assert_no_error (error);
      n = g_list_model_get_n_items (G_LIST_MODEL (vocab));
      g_assert_cmpuint (n, ==, json_array_length_of_file (path));
      g_assert_cmpuint (n, >=, 5);
      g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (vocab)) == TG_TYPE_VOCABULARY_ENTRY);

      /* Every entry shows a label in both languages, found by its code. */
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(TgVocabularyEntry) entry = g_list_model_get_item (G_LIST_MODEL (vocab), i);
          const char *code = tg_vocabulary_entry_get_code (entry);

          g_assert_nonnull (tg_vocabulary_entry_get_label_for (entry, "es"));
          g_assert_nonnull (tg_vocabulary_entry_get_label_for (entry, "en"));
          g_assert_cmpuint (tg_vocabulary_find (vocab, code), ==, i);
          g_assert_cmpstr (tg_vocabulary_entry_get_label (entry), ==,
                           tg_vocabulary_entry_get_label_for (entry, "es"));
        }
    }
}

static void
test_vocabulary_labels (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgVocabulary) es = tg_vocabulary_load (TG_VOCABULARY_CATEGORIES, VOCAB_DIR, "es_PE.UTF-8", &error);
  g_autoptr(TgVocabulary) en = NULL;
  g_autoptr(TgVocabulary) weapons = NULL;
  g_autofree char *label = NULL;
  TgVocabularyEntry *entry;

  g_assert_no_error (error);
  en = tg_vocabulary_load (TG_VOCABULARY_CATEGORIES, VOCAB_DIR, "en", &error);
  g_assert_no_error (error);
  weapons = tg_vocabulary_load (TG_VOCABULARY_WEAPONS, VOCAB_DIR, NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpstr (tg_vocabulary_get_language (es), ==, "es");
  g_assert_cmpstr (tg_vocabulary_get_label (es, "arbitrary_detention", NULL), ==, "Detención arbitraria");
  g_assert_cmpstr (tg_vocabulary_get_label (en, "arbitrary_detention", NULL), ==, "Arbitrary detention");
  g_assert_cmpstr (tg_vocabulary_get_label (en, "attack_on_press", "es"), ==, "Agresión a la prensa");
  /* A language the data lacks falls back to English. */
  g_assert_cmpstr (tg_vocabulary_get_label (en, "raid", "qu"), ==, "Raid");
  /* An unknown code (from a newer vocabulary) still shows something. */
  g_assert_cmpstr (tg_vocabulary_get_label (es, "no_such_code", NULL), ==, "no_such_code");
  g_assert_false (tg_vocabulary_contains (es, "no_such_code"));

  /* The test runs under LC_ALL=C.UTF-8: the default language is English. */
  g_assert_cmpstr (tg_vocabulary_get_language (weapons), ==, "en");
  g_assert_cmpstr (tg_vocabulary_get_label (weapons, "tear_gas_canister", "es"), ==,
                   "Cartucho de gas lacrimógeno (impacto)");

  /* The "label" property that a GtkDropDown expression reads. */
  entry = tg_vocabulary_lookup (es, "torture");
  g_assert_nonnull (entry);
  g_object_get (entry, "label", &label, NULL);
  g_assert_cmpstr (label, ==, "Tortura o malos tratos");
  g_assert_nonnull (tg_vocabulary_entry_get_description (entry));
}

static void
test_vocabulary_malformed (void)
{
  static const struct { const char *text; const char *needle; } cases[] = {
    { "this is not json", "malformed" },
    { "{\"code\": \"x\", \"en\": \"X\"}", "list" },
    { "[]", "no entries" },
    { "[{\"code\": \"x\", \"es\": \"Equis\"}]", "English" },
    { "[{\"code\": \"x\", \"en\": \"X\"}, {\"code\": \"x\", \"en\": \"Y\"}]", "twice" },
    { "[{\"code\": \"Bad Code\", \"en\": \"X\"}]", "code" },
    { "[{\"code\": \"x\", \"en\": 3}]", "\"en\"" },
    { "[{\"code\": \"x\", \"en\": \"X\", \"colour\": \"red\"}]", "colour" },
  };
  g_autofree char *dir = tg_test_make_tmp_dir ("testigo-vocab-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "categories.json", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TgVocabulary) vocab = NULL;

      g_assert_true (g_file_set_contents (path, cases[i].text, -1, NULL));
      vocab = tg_vocabulary_load (TG_VOCABULARY_CATEGORIES, dir, "en", &error);
      g_assert_null (vocab);
      g_assert_error (error, TG_ERROR, TG_ERROR_INVALID);
      /* The message names the file and the problem. */
      g_assert_nonnull (strstr (error->message, "categories.json"));
      g_assert_nonnull (strstr (error->message, cases[i].needle));
    }

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(TgVocabulary) vocab = tg_vocabulary_load (TG_VOCABULARY_HARMS, dir, "en", &error);

    g_assert_null (vocab);
    g_assert_error (error, TG_ERROR, TG_ERROR_NOT_FOUND);
  }
  tg_test_rm_rf (dir);
}

static void
test_vocabulary_data_dir (void)
{
  g_autofree char *dir = tg_test_make_tmp_dir ("testigo-data-XXXXXX");
  g_autofree char *vdir = g_build_filename (dir, "vocabularies", NULL);
  g_autofree char *path = g_build_filename (vdir, "perpetrators.json", NULL);
  g_autofree char *old = g_strdup (g_getenv ("TESTIGO_DATA_DIR"));
  g_autofree char *found = NULL;
  g_autoptr(TgVocabulary) vocab = NULL;
  g_autoptr(GError) error = NULL;

  g_mkdir_with_parents (vdir, 0700);
  g_assert_true (g_file_set_contents (path, "[{\"code\": \"navy\", \"en\": \"Navy\", \"es\": \"Marina\"}]",
                                      -1, NULL));
  g_setenv ("TESTIGO_DATA_DIR", dir, TRUE);
  found = tg_vocabulary_get_default_directory ();
  g_assert_cmpstr (found, ==, vdir);
  vocab = tg_vocabulary_load (TG_VOCABULARY_PERPETRATORS, NULL, "es", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (vocab)), ==, 1);
  g_assert_cmpstr (tg_vocabulary_get_label (vocab, "navy", NULL), ==, "Marina");

  if (old != NULL)
    g_setenv ("TESTIGO_DATA_DIR", old, TRUE);
  else
    g_unsetenv ("TESTIGO_DATA_DIR");
  tg_test_rm_rf (dir);
}

/* GeoJSON ---------------------------------------------------------------- */

static char *
export_geojson_to_file (TgStore       *store,
                        const char    *dir,
                        const char    *name,
                        TgExportFlags  flags,
                        guint         *n)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  g_assert_true (tg_export_geojson (store, NULL, file, flags, NULL, NULL, n, NULL, &error));
  g_assert_no_error (error);
  return path;
}

static void
test_geojson_round_trip (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgReport) tricky = tricky_report ();
  g_autoptr(TgReport) nowhere = tg_report_new ();
  g_autoptr(TgStore) other = NULL;
  g_autofree char *path1 = NULL;
  g_autofree char *path2 = NULL;
  g_autofree char *bytes1 = NULL;
  g_autofree char *bytes2 = NULL;
  gsize len1, len2;
  guint n_exported = 0, n_imported = 0, n_again = 0;
  g_autoptr(GFile) file1 = NULL;

  g_assert_true (tg_demo_populate (fixture->store, 40, 11, &error));
  g_assert_no_error (error);
  save (fixture->store, tricky);
  /* A second revision of the same report: the export carries the head. */
  tg_report_set_title (tricky, "Juliaca: título corregido");
  {
    g_autoptr(TgPerson) person = victim ("Víctima Z-01", TG_CONSENT_NONE);

    tg_person_set_is_pseudonym (person, TRUE);
    tg_report_add_person (tricky, person);
  }
  save (fixture->store, tricky);
  tg_report_set_title (nowhere, "Sin ubicación todavía");
  save (fixture->store, nowhere);

  path1 = export_geojson_to_file (fixture->store, fixture->dir, "one.geojson", TG_EXPORT_NONE, &n_exported);
  g_assert_cmpuint (n_exported, ==, 42);

  other = tg_test_open_store_in (fixture->dir, "b");
  file1 = g_file_new_for_path (path1);
  g_assert_true (tg_import_geojson (other, file1, &n_imported, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_imported, ==, 42);
  g_assert_cmpuint (tg_store_count_reports (other), ==, 42);

  /* Export again from the fresh store: the very same bytes. */
  path2 = export_geojson_to_file (other, fixture->dir, "two.geojson", TG_EXPORT_NONE, NULL);
  bytes1 = tg_test_read_file (path1, &len1);
  bytes2 = tg_test_read_file (path2, &len2);
  g_assert_cmpuint (len1, ==, len2);
  g_assert_cmpmem (bytes1, len1, bytes2, len2);

  /* The report reads back field for field. */
  {
    g_autoptr(TgReport) copy = tg_store_load_report (other, tg_report_get_id (tricky), &error);
    g_autofree char *a = tg_report_to_json_string (tricky);
    g_autofree char *b = NULL;

    g_assert_no_error (error);
    b = tg_report_to_json_string (copy);
    g_assert_cmpstr (a, ==, b);
    g_assert_cmpstr (tg_report_get_base_revisions (copy)[0], ==,
                     tg_report_get_base_revisions (tricky)[0]);
  }

  /* Importing the same file twice changes nothing. */
  g_assert_true (tg_import_geojson (other, file1, &n_again, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_again, ==, 0);
  g_assert_cmpuint (tg_store_count_reports (other), ==, 42);

  tg_store_close (other);
}

static void
test_geojson_lon_lat (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgReport) placed = tricky_report ();
  g_autoptr(TgReport) nowhere = tg_report_new ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *path = NULL;
  JsonArray *features;
  guint seen = 0;

  save (fixture->store, placed);
  tg_report_set_title (nowhere, "Sin ubicación");
  save (fixture->store, nowhere);
  path = export_geojson_to_file (fixture->store, fixture->dir, "x.geojson", TG_EXPORT_NONE, NULL);

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)), "type"),
                   ==, "FeatureCollection");
  features = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "features");
  g_assert_cmpuint (json_array_get_length (features), ==, 2);

  for (guint i = 0; i < 2; i++)
    {
      JsonObject *feature = json_array_get_object_element (features, i);
      JsonObject *props = json_object_get_object_member (feature, "properties");
      JsonNode *geometry = json_object_get_member (feature, "geometry");
      const char *id = json_object_get_string_member (feature, "id");

      g_assert_cmpstr (json_object_get_string_member (feature, "type"), ==, "Feature");
      g_assert_cmpstr (json_object_get_string_member (props, "id"), ==, id);
      g_assert_true (json_object_has_member (props, "testigo:revision"));

      if (g_str_equal (id, tg_report_get_id (placed)))
        {
          JsonArray *coords = json_object_get_array_member (json_node_get_object (geometry), "coordinates");

          /* RFC 7946: longitude first. */
          g_assert_cmpfloat (json_array_get_double_element (coords, 0), ==, -70.1582);
          g_assert_cmpfloat (json_array_get_double_element (coords, 1), ==, -15.4671);
          g_assert_cmpstr (json_object_get_string_member (props, "title"), ==, tg_report_get_title (placed));
          g_assert_cmpint (json_object_get_int_member (props, "killed"), ==, 17);
          seen++;
        }
      else
        {
          g_assert_cmpstr (id, ==, tg_report_get_id (nowhere));
          g_assert_true (JSON_NODE_HOLDS_NULL (geometry));
          seen++;
        }
    }
  g_assert_cmpuint (seen, ==, 2);
}

static void
test_geojson_edited_elsewhere (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgReport) report = tricky_report ();
  g_autoptr(TgReport) loaded = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GPtrArray) history = NULL;
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  JsonObject *feature;
  guint n = 0;

  save (fixture->store, report);
  path = export_geojson_to_file (fixture->store, fixture->dir, "e.geojson", TG_EXPORT_NONE, NULL);
  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);

  /* Someone corrects the title and moves the point in a GIS. */
  feature = json_array_get_object_element (json_object_get_array_member (
              json_node_get_object (json_parser_get_root (parser)), "features"), 0);
  json_object_set_string_member (json_object_get_object_member (feature, "properties"),
                                 "title", "Título corregido en el SIG");
  json_array_remove_element (json_object_get_array_member (json_object_get_object_member (feature, "geometry"),
                                                           "coordinates"), 0);
  json_array_add_double_element (json_object_get_array_member (json_object_get_object_member (feature, "geometry"),
                                                               "coordinates"), -70.2);
  /* [lat, lon] now: put it back in order [lon, lat]. */
  {
    JsonArray *c = json_object_get_array_member (json_object_get_object_member (feature, "geometry"), "coordinates");
    double lat = json_array_get_double_element (c, 0);

    json_array_remove_element (c, 0);
    json_array_add_double_element (c, lat);
  }
  text = json_to_string (json_parser_get_root (parser), FALSE);

  g_assert_true (tg_import_geojson_data (fixture->store, text, strlen (text), &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 1);

  loaded = tg_store_load_report (fixture->store, tg_report_get_id (report), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tg_report_get_title (loaded), ==, "Título corregido en el SIG");
  g_assert_cmpfloat (tg_report_get_longitude (loaded), ==, -70.2);
  g_assert_false (tg_report_has_conflict (loaded));
  history = tg_store_list_revisions (fixture->store, tg_report_get_id (report), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (history->len, ==, 2);
}

static void
test_geojson_foreign (Fixture       *fixture,
                      gconstpointer  data)
{
  const char *text =
    "{\"type\": \"FeatureCollection\", \"features\": ["
    " {\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [-74.2236, -13.1631, 2761]},"
    "  \"properties\": {\"name\": \"Huamanga\", \"description\": \"Marcha dispersada\","
    "   \"date\": \"2022-12-15\", \"fatalities\": 10, \"category\": \"killing;injury\"}},"
    " {\"type\": \"Feature\", \"geometry\": null, \"properties\": null},"
    " {\"type\": \"Feature\", \"geometry\": {\"type\": \"Polygon\", \"coordinates\": [[[0,0],[1,0],[1,1],[0,0]]]},"
    "  \"properties\": {\"title\": \"Zona\"}}"
    "]}";
  g_autoptr(GError) error = NULL;
  g_autoptr(TgReportQuery) query = tg_report_query_new ();
  g_autoptr(GArray) rowids = NULL;
  guint n = 0;
  gboolean found = FALSE;

  g_assert_true (tg_import_geojson_data (fixture->store, text, strlen (text), &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpuint (tg_store_count_reports (fixture->store), ==, 3);

  query->text = g_strdup ("Huamanga");
  rowids = tg_store_query_rowids (fixture->store, query, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < rowids->len; i++)
    {
      g_autoptr(TgReport) report = tg_store_load_report_by_rowid (fixture->store,
                                                                  g_array_index (rowids, gint64, i), &error);
      g_autoptr(GDateTime) expected = date ("2022-12-15T00:00:00Z");

      g_assert_no_error (error);
      if (g_strcmp0 (tg_report_get_title (report), "Huamanga") != 0)
        continue;
      found = TRUE;
      g_assert_cmpstr (tg_report_get_narrative (report), ==, "Marcha dispersada");
      g_assert_cmpfloat (tg_report_get_latitude (report), ==, -13.1631);
      g_assert_cmpfloat (tg_report_get_longitude (report), ==, -74.2236);
      g_assert_cmpint (tg_report_get_killed (report), ==, 10);
      g_assert_true (g_date_time_equal (tg_report_get_start (report), expected));
      g_assert_cmpint (tg_report_get_date_precision (report), ==, TG_DATE_PRECISION_DAY);
      g_assert_cmpstr (tg_report_get_categories (report)[1], ==, "injury");
    }
  g_assert_true (found);
}

static void
assert_refused (TgStore    *store,
                const char *text,
                gssize      length,
                int         code,
                const char *needle)
{
  g_autoptr(GError) error = NULL;
  guint before = tg_store_count_reports (store);
  guint n = 99;

  if (length < 0)
    length = strlen (text);
  g_assert_false (tg_import_geojson_data (store, text, length, &n, &error));
  g_assert_error (error, TG_ERROR, code);
  /* The message is shown in a label. */
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  if (needle != NULL && strstr (error->message, needle) == NULL)
    g_error ("\"%s\" not in: %s", needle, error->message);
  g_assert_nonnull (strstr (error->message, "Nothing was imported"));
  g_assert_cmpuint (n, ==, 0);
  g_assert_cmpuint (tg_store_count_reports (store), ==, before);
}

/* Found by fuzz-geojson: json-glib refuses a lone surrogate escape and
 * quotes the string it decoded, which is not UTF-8, in its message; ours
 * quoted that on, for a label that shows nothing of a string that is not
 * UTF-8. */
static void
test_geojson_bad_escape_message (Fixture       *fixture,
                                 gconstpointer  data)
{
  assert_refused (fixture->store,
                  "{\"type\": \"FeatureCollection\", \"features\": [{\"type\": \"Feature\","
                  " \"geometry\": null, \"properties\": {\"title\": \"e3d\\ude00\", \"n\": 1}}]}",
                  -1, TG_ERROR_WRONG_FORMAT, "not valid GeoJSON");
}

/* Found by fuzz-geojson: json-glib 1.6 turns a lone surrogate escape
 * into bytes that are not UTF-8 (in a member name, it went into the
 * narrative as "name: value") and cuts a string at \u0000. The scanner
 * refuses both; a whole pair is a character like any other. */
static void
test_geojson_surrogates (Fixture       *fixture,
                         gconstpointer  data)
{
  const char *pair =
    "{\"type\": \"Feature\", \"geometry\": null,"
    " \"properties\": {\"title\": \"risa \\ud83d\\ude00\"}}";
  g_autoptr(GError) error = NULL;
  guint n = 0;

  assert_refused (fixture->store,
                  "{\"type\": \"Feature\", \"geometry\": null,"
                  " \"properties\": {\"title\": \"a\", \"k\\ud800x\": \"v\"}}",
                  -1, TG_ERROR_WRONG_FORMAT, "surrogate");
  assert_refused (fixture->store,
                  "{\"type\": \"Feature\", \"geometry\": null,"
                  " \"properties\": {\"title\": \"a\\udc00\"}}",
                  -1, TG_ERROR_WRONG_FORMAT, "surrogate");
  assert_refused (fixture->store,
                  "{\"type\": \"Feature\", \"geometry\": null,"
                  " \"properties\": {\"title\": \"a\\ud800\\u0041\"}}",
                  -1, TG_ERROR_WRONG_FORMAT, "surrogate");
  assert_refused (fixture->store,
                  "{\"type\": \"Feature\", \"geometry\": null,"
                  " \"properties\": {\"title\": \"a\\u0000b\"}}",
                  -1, TG_ERROR_WRONG_FORMAT, "\\u0000");

  g_assert_true (tg_import_geojson_data (fixture->store, pair, strlen (pair), &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 1);
}

/* Found by fuzz-geojson: a feature whose "type" is an object or a list
 * made json-glib critical (fatal in a test, a crash with
 * G_DEBUG=fatal-criticals) before the feature was refused. */
static void
test_geojson_type_not_string (Fixture       *fixture,
                              gconstpointer  data)
{
  assert_refused (fixture->store,
                  "{\"type\": \"FeatureCollection\", \"features\": ["
                  "{\"type\": {\"type\": \"Feature\"}, \"geometry\": null}]}",
                  -1, TG_ERROR_INVALID, "Feature 1");
  assert_refused (fixture->store,
                  "{\"type\": \"FeatureCollection\", \"features\": ["
                  "{\"type\": [\"Feature\"], \"geometry\": null}]}",
                  -1, TG_ERROR_INVALID, "Feature 1");
  assert_refused (fixture->store,
                  "{\"type\": \"FeatureCollection\", \"features\": ["
                  "{\"type\": 7, \"geometry\": null}]}",
                  -1, TG_ERROR_INVALID, "Feature 1");
}

static void
test_geojson_bad_input (Fixture       *fixture,
                        gconstpointer  data)
{
  static const guchar png[] = {
    0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
    0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89,
  };
  const char *good =
    "{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [-70.1, -15.5]},"
    " \"properties\": {\"title\": \"bien\"}}";
  g_autoptr(GError) error = NULL;
  g_autoptr(TgReport) report = tricky_report ();
  g_autofree char *path = NULL;
  g_autofree char *exported = NULL;
  g_autofree char *tampered = NULL;
  g_autofree char *text = NULL;
  gsize length;
  char *at;

  assert_refused (fixture->store, (const char *) png, sizeof png, TG_ERROR_WRONG_FORMAT, "binary");
  assert_refused (fixture->store, "[1, 2, 3]", -1, TG_ERROR_WRONG_FORMAT, "not GeoJSON");
  assert_refused (fixture->store, "{\"type\": \"Topology\"}", -1, TG_ERROR_WRONG_FORMAT, "Topology");
  assert_refused (fixture->store, "{\"type\": \"FeatureCollection\", \"features\": 3}", -1,
                  TG_ERROR_WRONG_FORMAT, "features");
  assert_refused (fixture->store, "", 0, TG_ERROR_WRONG_FORMAT, NULL);

  /* A good feature then a bad one: neither is imported. */
  text = g_strdup_printf ("{\"type\": \"FeatureCollection\", \"features\": [%s, %s]}", good,
                          "{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [-200, 95]},"
                          " \"properties\": {}}");
  assert_refused (fixture->store, text, -1, TG_ERROR_INVALID, "out of range");
  g_free (text);
  text = g_strdup_printf ("{\"type\": \"FeatureCollection\", \"features\": [%s, %s]}", good,
                          "{\"type\": \"Feature\", \"geometry\": null, \"properties\": {\"killed\": \"muchos\"}}");
  assert_refused (fixture->store, text, -1, TG_ERROR_INVALID, "killed");
  g_free (text);
  text = g_strdup_printf ("{\"type\": \"FeatureCollection\", \"features\": [%s, %s]}", good,
                          "{\"type\": \"Feature\", \"geometry\": null, \"properties\": {\"title\": 7}}");
  assert_refused (fixture->store, text, -1, TG_ERROR_INVALID, "title");
  g_free (text);
  text = g_strdup_printf ("{\"type\": \"FeatureCollection\", \"features\": [%s, %s]}", good,
                          "{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [\"a\", 1]}}");
  assert_refused (fixture->store, text, -1, TG_ERROR_INVALID, "coordinates");
  g_free (text);
  text = g_strdup_printf ("{\"type\": \"FeatureCollection\", \"features\": [%s, 5]}", good);
  assert_refused (fixture->store, text, -1, TG_ERROR_INVALID, "Feature 2");

  /* Our own export, cut short and tampered with. */
  save (fixture->store, report);
  path = export_geojson_to_file (fixture->store, fixture->dir, "t.geojson", TG_EXPORT_NONE, NULL);
  exported = tg_test_read_file (path, &length);
  {
    g_autoptr(TgStore) fresh = tg_test_open_store_in (fixture->dir, "fresh");

    assert_refused (fresh, exported, length / 2, TG_ERROR_WRONG_FORMAT, "cut short");

    /* Change the killed count inside the revision's content: its hash no
     * longer matches. */
    tampered = g_strdup (exported);
    at = strstr (tampered, "\\\"killed\\\":17");
    g_assert_nonnull (at);
    at[strlen ("\\\"killed\\\":1")] = '8';
    assert_refused (fresh, tampered, -1, TG_ERROR_HASH_MISMATCH, "revision");
    g_assert_cmpuint (tg_store_count_reports (fresh), ==, 0);
    tg_store_close (fresh);
  }
}

/* CSV -------------------------------------------------------------------- */

static char *
export_csv_to_memory (TgStore       *store,
                      TgExportFlags  flags)
{
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  guint n = 0;

  g_assert_true (tg_export_csv_to_stream (store, NULL, out, flags, NULL, NULL, &n, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_all (out, "", 1, NULL, NULL, NULL));
  g_output_stream_close (out, NULL, NULL);
  return g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
}

static int
column_of (char      **header,
           const char *name)
{
  for (int i = 0; header[i] != NULL; i++)
    if (g_str_equal (header[i], name))
      return i;
  g_error ("no column %s", name);
  return -1;
}

static void
test_csv_round_trip (Fixture       *fixture,
                     gconstpointer  data)
{
  const char * const *columns = tg_export_column_names ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TgReport) report = tricky_report ();
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(TgStore) other = NULL;
  g_autoptr(TgReport) copy = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *start = NULL;
  g_autofree char *unit = NULL;
  char **header, **row;
  guint n = 0, skipped = 0;

  save (fixture->store, report);
  csv = export_csv_to_memory (fixture->store, TG_EXPORT_NONE);

  /* RFC 4180: CRLF after every record. */
  g_assert_true (g_str_has_prefix (csv, "id,title,narrative,"));
  g_assert_nonnull (strstr (csv, ",victims\r\n"));
  g_assert_true (g_str_has_suffix (csv, "\r\n"));

  rows = tg_csv_parse (csv, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 2);
  header = rows->pdata[0];
  row = rows->pdata[1];
  g_assert_cmpstrv (header, columns);
  g_assert_cmpuint (g_strv_length (row), ==, g_strv_length (header));

  g_assert_cmpstr (row[column_of (header, "id")], ==, tg_report_get_id (report));
  g_assert_cmpstr (row[column_of (header, "title")], ==, tg_report_get_title (report));
  g_assert_cmpstr (row[column_of (header, "narrative")], ==, tg_report_get_narrative (report));
  start = tg_format_rfc3339 (tg_report_get_start (report));
  g_assert_cmpstr (row[column_of (header, "start")], ==, start);
  g_assert_cmpfloat (g_ascii_strtod (row[column_of (header, "latitude")], NULL), ==, -15.4671);
  g_assert_cmpfloat (g_ascii_strtod (row[column_of (header, "longitude")], NULL), ==, -70.1582);
  g_assert_cmpstr (row[column_of (header, "place_name")], ==, "Aeropuerto Inca Manco Cápac, Juliaca");
  g_assert_cmpstr (row[column_of (header, "categories")], ==, "killing;excessive_force");
  g_assert_cmpstr (row[column_of (header, "killed")], ==, "17");
  g_assert_cmpstr (row[column_of (header, "injured")], ==, "");
  g_assert_cmpstr (row[column_of (header, "detained")], ==, "0");
  g_assert_cmpstr (row[column_of (header, "status")], ==,
                   tg_report_status_to_string (TG_REPORT_STATUS_UNDER_REVIEW));
  unit = tg_csv_unguard (row[column_of (header, "perpetrator_unit")]);
  g_assert_cmpstr (unit, ==, tg_report_get_perpetrator_unit (report));

  /* And back into a fresh store. */
  other = tg_test_open_store_in (fixture->dir, "b");
  g_assert_true (tg_import_csv_data (other, csv, strlen (csv), &n, &skipped, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpuint (skipped, ==, 0);
  copy = tg_store_load_report (other, tg_report_get_id (report), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tg_report_get_title (copy), ==, tg_report_get_title (report));
  g_assert_cmpstr (tg_report_get_narrative (copy), ==, tg_report_get_narrative (report));
  g_assert_cmpstr (tg_report_get_perpetrator_unit (copy), ==, tg_report_get_perpetrator_unit (report));
  g_assert_true (g_date_time_equal (tg_report_get_start (copy), tg_report_get_start (report)));
  g_assert_cmpfloat (tg_report_get_latitude (copy), ==, tg_report_get_latitude (report));
  g_assert_cmpfloat (tg_report_get_longitude (copy), ==, tg_report_get_longitude (report));
  g_assert_cmpfloat (tg_report_get_uncertainty (copy), ==, 250.5);
  g_assert_cmpstrv (tg_report_get_categories (copy), tg_report_get_categories (report));
  g_assert_cmpint (tg_report_get_killed (copy), ==, 17);
  g_assert_cmpint (tg_report_get_injured (copy), ==, -1);
  g_assert_cmpint (tg_report_get_detained (copy), ==, 0);
  g_assert_cmpint (tg_report_get_status (copy), ==, TG_REPORT_STATUS_UNDER_REVIEW);

  /* Importing it again skips the known report. */
  g_assert_true (tg_import_csv_data (other, csv, strlen (csv), &n, &skipped, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 0);
  g_assert_cmpuint (skipped, ==, 1);
  g_assert_cmpuint (tg_store_count_reports (other), ==, 1);
  tg_store_close (other);
}

static void
test_csv_writer_reader (void)
{
  const char *fields[] = {
    "plain", "with, comma", "with \"quote\"", "line\r\nbreak", "", " spaced ", "ñandú Áyacucho", NULL
  };
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(TgCsvWriter) writer = tg_csv_writer_new (out, TG_CSV_NONE);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_assert_true (tg_csv_writer_write_row (writer, fields, -1, NULL, &error));
  g_assert_true (tg_csv_writer_write_row (writer, fields, 3, NULL, &error));
  g_assert_no_error (error);
  g_output_stream_write_all (out, "", 1, NULL, NULL, NULL);
  g_output_stream_close (out, NULL, NULL);
  text = g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
  g_assert_cmpstr (text, ==,
                   "plain,\"with, comma\",\"with \"\"quote\"\"\",\"line\r\nbreak\",,\" spaced \",ñandú Áyacucho\r\n"
                   "plain,\"with, comma\",\"with \"\"quote\"\"\"\r\n");

  rows = tg_csv_parse (text, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 2);
  g_assert_cmpstrv (rows->pdata[0], fields);

  /* LF-only files and a byte-order mark are read too. */
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = tg_csv_parse ("\xEF\xBB\xBF" "a,b\nc,\"d\ne\"\n", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 2);
  g_assert_cmpstr (((char **) rows->pdata[0])[0], ==, "a");
  g_assert_cmpstr (((char **) rows->pdata[1])[1], ==, "d\ne");
}

static void
test_csv_injection (Fixture       *fixture,
                    gconstpointer  data)
{
  static const char *dangerous[] = {
    "=HYPERLINK(\"http://127.0.0.1/x\",\"clic\")", "+1+2", "-2+3", "@SUM(A1:A2)", "\tTAB", "'=quoted",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TgReport) report = tricky_report ();
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *csv = NULL;
  char **header, **row;

  /* Plain numbers are not formulas: -15.4671 stays a number. */
  save (fixture->store, report);
  csv = export_csv_to_memory (fixture->store, TG_EXPORT_NONE);
  rows = tg_csv_parse (csv, -1, &error);
  g_assert_no_error (error);
  header = rows->pdata[0];
  row = rows->pdata[1];
  g_assert_cmpstr (row[column_of (header, "latitude")], ==, "-15.4671");
  g_assert_cmpstr (row[column_of (header, "perpetrator_unit")], ==, "'=cmd|' /C calc'!A0");

  for (guint i = 0; i < G_N_ELEMENTS (dangerous); i++)
    {
      g_autofree char *cell = tg_csv_format_field (dangerous[i], TG_CSV_GUARD_FORMULAS);
      g_autofree char *plain = tg_csv_format_field (dangerous[i], TG_CSV_NONE);
      g_autoptr(GPtrArray) parsed = tg_csv_parse (cell, -1, &error);
      g_autofree char *back = NULL;
      const char *value;

      g_assert_no_error (error);
      value = ((char **) parsed->pdata[0])[0];
      /* What a spreadsheet sees starts with the quote, never the operator. */
      g_assert_cmpint (value[0], ==, '\'');
      g_assert_cmpstr (value + 1, ==, dangerous[i]);
      g_assert_cmpint (plain[0] == '"' ? plain[1] : plain[0], ==, dangerous[i][0]);
      back = tg_csv_unguard (value);
      g_assert_cmpstr (back, ==, dangerous[i]);
    }
}

static void
test_csv_withheld (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgReport) report = tricky_report ();
  g_autoptr(TgPerson) hidden = victim ("Nombre Reservado Uno", TG_CONSENT_NONE);
  g_autoptr(TgPerson) org = victim ("Nombre Organizacion Dos", TG_CONSENT_ORGANISATION);
  g_autoptr(TgPerson) pub = victim ("Nombre Publico Tres", TG_CONSENT_PUBLIC);
  g_autoptr(TgPerson) witness = tg_person_new (TG_PERSON_ROLE_WITNESS);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) public_rows = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *public_csv = NULL;
  g_autofree char *path = NULL;
  g_autofree char *geojson = NULL;
  gsize length;
  char **header;

  tg_person_set_name (witness, "Testigo Sin Consentimiento");
  tg_report_add_person (report, hidden);
  tg_report_add_person (report, org);
  tg_report_add_person (report, pub);
  tg_report_add_person (report, witness);
  save (fixture->store, report);

  csv = export_csv_to_memory (fixture->store, TG_EXPORT_NONE);
  g_assert_null (strstr (csv, "Nombre Reservado Uno"));
  g_assert_null (strstr (csv, "Testigo Sin Consentimiento"));
  rows = tg_csv_parse (csv, -1, &error);
  g_assert_no_error (error);
  header = rows->pdata[0];
  g_assert_cmpstr (((char **) rows->pdata[1])[column_of (header, "victims")], ==,
                   TG_EXPORT_WITHHELD ";Nombre Organizacion Dos;Nombre Publico Tres");
  g_assert_cmpstr (((char **) rows->pdata[1])[column_of (header, "n_persons")], ==, "4");

  /* For publication only public consent names a person. */
  public_csv = export_csv_to_memory (fixture->store, TG_EXPORT_PUBLIC);
  public_rows = tg_csv_parse (public_csv, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (((char **) public_rows->pdata[1])[column_of (header, "victims")], ==,
                   TG_EXPORT_WITHHELD ";" TG_EXPORT_WITHHELD ";Nombre Publico Tres");

  /* A public GeoJSON carries no name without consent, nor the revision. */
  path = export_geojson_to_file (fixture->store, fixture->dir, "public.geojson", TG_EXPORT_PUBLIC, NULL);
  geojson = tg_test_read_file (path, &length);
  g_assert_null (strstr (geojson, "Nombre Reservado Uno"));
  g_assert_null (strstr (geojson, "Nombre Organizacion Dos"));
  g_assert_null (strstr (geojson, "Testigo Sin Consentimiento"));
  g_assert_null (strstr (geojson, "testigo:revision"));
  g_assert_nonnull (strstr (geojson, "Nombre Publico Tres"));
}

static void
assert_csv_refused (TgStore    *store,
                    const char *text,
                    gsize       length,
                    int         code,
                    const char *needle)
{
  g_autoptr(GError) error = NULL;
  guint before = tg_store_count_reports (store);
  guint n = 99;

  g_assert_false (tg_import_csv_data (store, text, length, &n, NULL, &error));
  g_assert_error (error, TG_ERROR, code);
  if (needle != NULL && strstr (error->message, needle) == NULL)
    g_error ("\"%s\" not in: %s", needle, error->message);
  g_assert_cmpuint (n, ==, 0);
  g_assert_cmpuint (tg_store_count_reports (store), ==, before);
}

static void
test_csv_bad_input (Fixture       *fixture,
                    gconstpointer  data)
{
  static const guchar png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13 };
#define S(x) x, strlen (x)
  assert_csv_refused (fixture->store, S ("name,age\r\nAna,30\r\n"), TG_ERROR_WRONG_FORMAT, "\"name\"");
  assert_csv_refused (fixture->store, S ("title,title\r\na,b\r\n"), TG_ERROR_WRONG_FORMAT, "twice");
  assert_csv_refused (fixture->store, S (""), TG_ERROR_WRONG_FORMAT, "empty");
  assert_csv_refused (fixture->store, (const char *) png, sizeof png, TG_ERROR_WRONG_FORMAT, "binary");
  /* A good row, then bad ones: nothing is imported. */
  assert_csv_refused (fixture->store, S ("title,killed\r\nbien,1\r\nmal,2,3\r\n"), TG_ERROR_WRONG_FORMAT, "Line 3");
  assert_csv_refused (fixture->store, S ("title,killed\r\nbien,1\r\nmal,muchos\r\n"), TG_ERROR_INVALID, "killed");
  assert_csv_refused (fixture->store, S ("title,latitude,longitude\r\nbien,-15,-70\r\nmal,95,-70\r\n"),
                      TG_ERROR_INVALID, "Latitude");
  assert_csv_refused (fixture->store, S ("title,start\r\nmal,ayer\r\n"), TG_ERROR_INVALID, "date");
  assert_csv_refused (fixture->store, S ("title\r\n\"never closed\r\n"), TG_ERROR_WRONG_FORMAT, "never closed");
  assert_csv_refused (fixture->store, S ("title\r\nab\"c\r\n"), TG_ERROR_WRONG_FORMAT, "quote");
#undef S
  g_assert_cmpuint (tg_store_count_reports (fixture->store), ==, 0);
}

/* Streaming import ------------------------------------------------------- */

#define GOOD_FEATURE \
  "{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [-70.1, -15.5]}," \
  " \"properties\": {\"title\": \"bien\"}}"

/* The resident high-water mark of this process, in bytes. */
static gint64
peak_rss (void)
{
  g_autofree char *status = tg_test_read_file ("/proc/self/status", NULL);
  const char *line = strstr (status, "VmHWM:");

  g_assert_nonnull (line);
  return g_ascii_strtoll (line + strlen ("VmHWM:"), NULL, 10) * 1024;
}

static char *
write_temp (const char *dir,
            const char *name,
            const char *data,
            gsize       length)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, data, length, &error);
  g_assert_no_error (error);
  return path;
}

static void
import_memory_child (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgStore) store = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (g_getenv ("TG_TEST_IMPORT_FILE"));
  g_autoptr(GFileInfo) info = NULL;
  gint64 size, before, growth;
  guint n = 0;

  store = tg_test_open_store_in (g_getenv ("TG_TEST_IMPORT_DIR"), "b");
  /* SQLite's page cache is a constant of the store (32 MiB), whatever the
   * file; a small one here keeps the measure to what the import holds. */
  tg_store_lock (store);
  g_assert_cmpint (sqlite3_exec (tg_store_get_db (store), "PRAGMA cache_size = -1024",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  tg_store_unlock (store);

  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, 0, NULL, &error);
  g_assert_no_error (error);
  size = g_file_info_get_size (info);

  before = peak_rss ();
  g_assert_true (tg_import_geojson (store, file, &n, NULL, &error));
  g_assert_no_error (error);
  growth = peak_rss () - before;

  g_assert_cmpuint (n, ==, 4000);
  g_assert_cmpuint (tg_store_count_reports (store), ==, 4000);
  g_printerr ("# file %" G_GINT64_FORMAT " bytes, peak memory grew by %" G_GINT64_FORMAT "\n",
                  size, growth);
  /* The whole file parsed at once took about seven times its size. */
  g_assert_cmpint (growth, <, size / 4);
  tg_store_close (store);
}

/* A generated export of a few thousand reports is imported in a fresh
 * process: its peak memory grows by far less than the file's size. */
static void
test_geojson_streaming_memory (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  guint n = 0;

  if (g_test_subprocess ())
    {
      import_memory_child ();
      return;
    }

  g_assert_true (tg_demo_populate (fixture->store, 4000, 7, &error));
  g_assert_no_error (error);
  path = export_geojson_to_file (fixture->store, fixture->dir, "big.geojson", TG_EXPORT_NONE, &n);
  g_assert_cmpuint (n, ==, 4000);

  g_setenv ("TG_TEST_IMPORT_FILE", path, TRUE);
  g_setenv ("TG_TEST_IMPORT_DIR", fixture->dir, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

/* The FeatureCollection's other members may come after "features"; its
 * type is still checked. */
static void
test_geojson_member_order (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint n = 0;

  text = g_strdup_printf ("\xEF\xBB\xBF {\"features\": [%s, %s],\n \"name\": \"x\", "
                          "\"bbox\": [-71, -16, -70, -15], \"type\": \"FeatureCollection\"}\n",
                          GOOD_FEATURE, GOOD_FEATURE);
  g_assert_true (tg_import_geojson_data (fixture->store, text, strlen (text), &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpuint (tg_store_count_reports (fixture->store), ==, 2);

  g_free (text);
  text = g_strdup_printf ("{\"features\": [%s], \"type\": \"Topology\"}", GOOD_FEATURE);
  assert_refused (fixture->store, text, -1, TG_ERROR_WRONG_FORMAT, "Topology");
  g_free (text);
  text = g_strdup_printf ("{\"features\": [%s]}", GOOD_FEATURE);
  assert_refused (fixture->store, text, -1, TG_ERROR_WRONG_FORMAT, "FeatureCollection");
  g_free (text);
  text = g_strdup_printf ("{\"type\": \"FeatureCollection\", \"features\": [%s], \"features\": [%s]}",
                          GOOD_FEATURE, GOOD_FEATURE);
  assert_refused (fixture->store, text, -1, TG_ERROR_WRONG_FORMAT, "two lists");
  /* Escapes in keys and strings are read as JSON reads them. */
  g_free (text);
  text = g_strdup_printf ("{\"t\\u0079pe\": \"FeatureCollection\", \"name\": \"a \\\"]}\\\\\","
                          " \"features\": [%s]}", GOOD_FEATURE);
  g_assert_true (tg_import_geojson_data (fixture->store, text, strlen (text), &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpuint (tg_store_count_reports (fixture->store), ==, 3);
}

static void
test_geojson_hostile (Fixture       *fixture,
                      gconstpointer  data)
{
  static const guchar png[] = {
    0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
    0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89,
  };
  const char *head = "{\"type\": \"FeatureCollection\", \"features\": [";
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;
  guint n = 99;

  /* Nesting deeper than the limit, in a feature and in another member. */
  g_string_append (text, head);
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (text, '[');
  assert_refused (fixture->store, text->str, text->len, TG_ERROR_INVALID, "deep");
  g_string_assign (text, "{\"type\": \"FeatureCollection\", \"x\": ");
  for (guint i = 0; i < 100; i++)
    g_string_append (text, "{\"a\": ");
  assert_refused (fixture->store, text->str, text->len, TG_ERROR_INVALID, "deep");

  /* A feature larger than the limit: refused before it is all read. */
  g_string_printf (text, "%s{\"type\": \"Feature\", \"geometry\": null, \"properties\": "
                   "{\"narrative\": \"", head);
  g_string_set_size (text, text->len + TG_IMPORT_MAX_FEATURE + 16);
  memset (text->str + text->len - TG_IMPORT_MAX_FEATURE - 16, 'a', TG_IMPORT_MAX_FEATURE + 16);
  g_string_append (text, "\"}}]}");
  assert_refused (fixture->store, text->str, text->len, TG_ERROR_INVALID, "larger than 64 MB");

  /* Small values by the million: few bytes, much memory once parsed. */
  g_string_printf (text, "%s{\"type\": \"Feature\", \"geometry\": null, \"properties\": "
                   "{\"tags\": [0", head);
  for (guint i = 0; i < TG_IMPORT_MAX_VALUES; i++)
    g_string_append (text, ",0");
  g_string_append (text, "]}}]}");
  g_assert_cmpuint (text->len, <, 3 * 1024 * 1024);
  assert_refused (fixture->store, text->str, text->len, TG_ERROR_INVALID, "values");
  g_string_assign (text, "{\"type\": \"FeatureCollection\", \"features\": []");
  for (guint i = 0; i < TG_IMPORT_MAX_VALUES / 2 + 1; i++)
    g_string_append_printf (text, ", \"m%u\": 0", i);
  g_string_append (text, "}");
  assert_refused (fixture->store, text->str, text->len, TG_ERROR_INVALID, "values");

  /* Cut short between features, and inside a string. */
  g_string_printf (text, "%s%s, %s", head, GOOD_FEATURE, GOOD_FEATURE);
  assert_refused (fixture->store, text->str, text->len, TG_ERROR_WRONG_FORMAT, "cut short");
  g_string_printf (text, "%s%s, {\"type\": \"Feat", head, GOOD_FEATURE);
  assert_refused (fixture->store, text->str, text->len, TG_ERROR_WRONG_FORMAT, "cut short");
  g_string_printf (text, "%s%s]", head, GOOD_FEATURE);
  assert_refused (fixture->store, text->str, text->len, TG_ERROR_WRONG_FORMAT, "cut short");

  /* Garbage after the array and after the object. */
  g_string_printf (text, "%s%s] x}", head, GOOD_FEATURE);
  assert_refused (fixture->store, text->str, text->len, TG_ERROR_WRONG_FORMAT, "byte");
  g_string_printf (text, "%s%s]}\n{}", head, GOOD_FEATURE);
  assert_refused (fixture->store, text->str, text->len, TG_ERROR_WRONG_FORMAT, "follows its end");
  g_string_printf (text, "%s%s,]}", head, GOOD_FEATURE);
  assert_refused (fixture->store, text->str, text->len, TG_ERROR_WRONG_FORMAT, "]");
  g_string_printf (text, "%s%s} ]}", head, GOOD_FEATURE);
  assert_refused (fixture->store, text->str, text->len, TG_ERROR_WRONG_FORMAT, "}");

  /* Bad text inside strings: an unknown escape, a raw control character,
   * and bytes that are not UTF-8 far past the start that is probed. */
  g_string_printf (text, "%s{\"type\": \"Fe\\xture\"}]}", head);
  assert_refused (fixture->store, text->str, text->len, TG_ERROR_WRONG_FORMAT, "x");
  g_string_printf (text, "%s{\"type\": \"Fe\nture\"}]}", head);
  assert_refused (fixture->store, text->str, text->len, TG_ERROR_WRONG_FORMAT, "0x0A");
  g_string_printf (text, "%s%s", head, GOOD_FEATURE);
  for (guint i = 0; i < 2000; i++)
    g_string_append_printf (text, ", %s", GOOD_FEATURE);
  g_string_append (text, ", {\"type\": \"Feature\", \"geometry\": null, "
                   "\"properties\": {\"title\": \"\xC3\x28\"}}]}");
  g_assert_cmpuint (text->len, >, 128 * 1024);
  assert_refused (fixture->store, text->str, text->len, TG_ERROR_WRONG_FORMAT, "UTF-8");
  text->str[text->len - 10] = '\0';
  assert_refused (fixture->store, text->str, text->len, TG_ERROR_WRONG_FORMAT, "0x00");

  /* Not a FeatureCollection: a top-level array (even of features), a
   * string, a PNG renamed .geojson read from a file. */
  g_string_printf (text, "[%s]", GOOD_FEATURE);
  assert_refused (fixture->store, text->str, text->len, TG_ERROR_WRONG_FORMAT, "not GeoJSON");
  assert_refused (fixture->store, "\"FeatureCollection\"", -1, TG_ERROR_WRONG_FORMAT, "not GeoJSON");
  assert_refused (fixture->store, "{\"type\": 7, \"features\": []}", -1, TG_ERROR_WRONG_FORMAT,
                  "not GeoJSON");
  assert_refused (fixture->store, "  ", -1, TG_ERROR_WRONG_FORMAT, "empty");

  path = write_temp (fixture->dir, "photo.geojson", (const char *) png, sizeof png);
  file = g_file_new_for_path (path);
  g_assert_false (tg_import_geojson (fixture->store, file, &n, NULL, &error));
  g_assert_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT);
  g_assert_nonnull (strstr (error->message, "binary"));
  g_assert_cmpuint (n, ==, 0);
  g_assert_cmpuint (tg_store_count_reports (fixture->store), ==, 0);
}

/* The rules of the one JSON pre-scan (tg-json-scanner.h) that the
 * importer did not have before it shared the server's: escapes that
 * json-glib 1.6 turns into text that is not UTF-8 (lone surrogates) or
 * that C cuts short (\u0000) refuse the file; a real pair is imported. */
static void
test_geojson_hostile_escapes (Fixture       *fixture,
                              gconstpointer  data)
{
  static const char *bad[] = {
    "\\ud800", "\\udc00", "a\\ud800\\u0041", "\\ud800\\ud800", "\\u0000", "x\\u0000y",
  };
  const char *head = "{\"type\": \"FeatureCollection\", \"features\": [";
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TgReportQuery) query = tg_report_query_new ();
  g_autoptr(GArray) rowids = NULL;
  g_autoptr(TgReport) report = NULL;
  guint n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_string_printf (text, "%s%s, {\"type\": \"Feature\", \"geometry\": null, "
                       "\"properties\": {\"title\": \"%s\"}}]}", head, GOOD_FEATURE, bad[i]);
      assert_refused (fixture->store, text->str, text->len, TG_ERROR_WRONG_FORMAT, "escape");
    }
  /* In another top-level member too. */
  g_string_printf (text, "%s%s], \"name\": \"\\udfff\"}", head, GOOD_FEATURE);
  assert_refused (fixture->store, text->str, text->len, TG_ERROR_WRONG_FORMAT, "escape");

  /* A surrogate pair is one character (U+1F600): imported. */
  g_string_printf (text, "%s{\"type\": \"Feature\", \"geometry\": null, "
                   "\"properties\": {\"title\": \"risa \\ud83d\\ude00\"}}]}", head);
  g_assert_true (tg_import_geojson_data (fixture->store, text->str, text->len, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 1);
  rowids = tg_store_query_rowids (fixture->store, query, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rowids->len, ==, 1);
  report = tg_store_load_report_by_rowid (fixture->store, g_array_index (rowids, gint64, 0), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tg_report_get_title (report), ==, "risa \xF0\x9F\x98\x80");
}

static void
test_csv_hostile (Fixture       *fixture,
                  gconstpointer  data)
{
  static const guchar png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) text = g_string_new ("title,killed\r\n");
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;
  guint n = 99;

  /* A line of a million empty fields. */
  g_string_append (text, "a");
  for (guint i = 0; i < 1000000; i++)
    g_string_append_c (text, ',');
  assert_csv_refused (fixture->store, text->str, text->len, TG_ERROR_WRONG_FORMAT, "4096 fields");

  /* Good rows past the probed start, then one that is not UTF-8. */
  g_string_assign (text, "title,killed\r\n");
  for (guint i = 0; i < 10000; i++)
    g_string_append_printf (text, "fila %u,%u\r\n", i, i % 7);
  g_string_append (text, "\xC3\x28,1\r\n");
  g_assert_cmpuint (text->len, >, 64 * 1024);
  assert_csv_refused (fixture->store, text->str, text->len, TG_ERROR_WRONG_FORMAT, "UTF-8");

  /* The same rows, good, read from a file. */
  g_string_truncate (text, text->len - strlen ("\xC3\x28,1\r\n"));
  path = write_temp (fixture->dir, "rows.csv", text->str, text->len);
  file = g_file_new_for_path (path);
  g_assert_true (tg_import_csv (fixture->store, file, &n, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 10000);
  g_assert_cmpuint (tg_store_count_reports (fixture->store), ==, 10000);

  /* A PNG renamed .csv, from a file. */
  g_clear_object (&file);
  g_free (path);
  path = write_temp (fixture->dir, "photo.csv", (const char *) png, sizeof png);
  file = g_file_new_for_path (path);
  g_assert_false (tg_import_csv (fixture->store, file, &n, NULL, NULL, &error));
  g_assert_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT);
  g_assert_nonnull (strstr (error->message, "binary"));
  g_assert_cmpuint (n, ==, 0);
  g_assert_cmpuint (tg_store_count_reports (fixture->store), ==, 10000);
}

/* Files and async -------------------------------------------------------- */

typedef struct
{
  GMainLoop *loop;
  GAsyncResult *result;
  guint last_done;
  guint last_total;
  guint calls;
  GThread *thread;
} AsyncData;

static void
progress_cb (goffset  done,
             goffset  total,
             gpointer user_data)
{
  AsyncData *data = user_data;

  g_assert_true (g_thread_self () == data->thread);
  g_assert_cmpuint (done, >=, data->last_done);
  data->last_done = done;
  data->last_total = total;
  data->calls++;
}

static void
done_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  AsyncData *data = user_data;

  data->result = g_object_ref (result);
  g_main_loop_quit (data->loop);
}

static void
test_export_async (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (fixture->dir, "async.csv", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *contents = NULL;
  AsyncData async = { 0, };
  guint n = 0;
  gsize length;

  g_assert_true (tg_demo_populate (fixture->store, 120, 5, &error));
  g_assert_no_error (error);

  async.loop = g_main_loop_new (NULL, FALSE);
  async.thread = g_thread_self ();
  tg_export_csv_async (fixture->store, NULL, file, TG_EXPORT_NONE, progress_cb, &async, NULL,
                       NULL, done_cb, &async);
  g_main_loop_run (async.loop);
  g_assert_true (tg_export_csv_finish (async.result, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 120);
  /* Let queued progress calls run. */
  while (g_main_context_iteration (NULL, FALSE));
  g_assert_cmpuint (async.calls, >=, 2);
  g_assert_cmpuint (async.last_done, ==, 120);
  g_assert_cmpuint (async.last_total, ==, 120);

  contents = tg_test_read_file (path, &length);
  rows = tg_csv_parse (contents, length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 121);

  g_clear_object (&async.result);
  g_main_loop_unref (async.loop);
}

static void
cancel_progress_cb (goffset  done,
                    goffset  total,
                    gpointer user_data)
{
  g_cancellable_cancel (user_data);
}

static void
test_export_atomic (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (fixture->dir, "keep.geojson", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *contents = NULL;
  gsize length;

  g_assert_true (tg_demo_populate (fixture->store, 30, 1, &error));
  g_assert_true (g_file_set_contents (path, "previous export", -1, NULL));
  /* Cancelled once writing has begun: the previous file stays whole. */
  g_assert_false (tg_export_geojson (fixture->store, NULL, file, TG_EXPORT_NONE,
                                     cancel_progress_cb, cancellable, NULL,
                                     cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  contents = tg_test_read_file (path, &length);
  g_assert_cmpstr (contents, ==, "previous export");

  /* And no half-written temporary file is left beside it. */
  {
    g_autoptr(GDir) dir = g_dir_open (fixture->dir, 0, NULL);
    const char *name;
    guint n = 0;

    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_assert_true (g_str_equal (name, "a") || g_str_equal (name, "keep.geojson"));
        n++;
      }
    g_assert_cmpuint (n, ==, 2);
  }

  /* A file that was not there: none is left, not a half-written one. */
  {
    g_autofree char *fresh = g_build_filename (fixture->dir, "new.geojson", NULL);
    g_autoptr(GFile) new_file = g_file_new_for_path (fresh);

    g_clear_error (&error);
    g_cancellable_reset (cancellable);
    g_assert_false (tg_export_geojson (fixture->store, NULL, new_file, TG_EXPORT_NONE,
                                       cancel_progress_cb, cancellable, NULL,
                                       cancellable, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_false (g_file_test (fresh, G_FILE_TEST_EXISTS));
  }
}

/* Demo data -------------------------------------------------------------- */

static void
assert_codes_known (TgVocabulary       *vocab,
                    const char * const *codes)
{
  for (guint i = 0; codes != NULL && codes[i] != NULL; i++)
    if (!tg_vocabulary_contains (vocab, codes[i]))
      g_error ("demo code \"%s\" is not in the vocabulary", codes[i]);
}

static void
test_demo_populate (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) rowids = NULL;
  g_autoptr(TgVocabulary) categories = tg_vocabulary_load (TG_VOCABULARY_CATEGORIES, VOCAB_DIR, "es", NULL);
  g_autoptr(TgVocabulary) harms = tg_vocabulary_load (TG_VOCABULARY_HARMS, VOCAB_DIR, "es", NULL);
  g_autoptr(TgVocabulary) weapons = tg_vocabulary_load (TG_VOCABULARY_WEAPONS, VOCAB_DIR, "es", NULL);
  g_autoptr(TgVocabulary) perpetrators = tg_vocabulary_load (TG_VOCABULARY_PERPETRATORS, VOCAB_DIR, "es", NULL);
  guint n = tg_demo_get_n_base () + 80;
  guint n_persons = 0, n_links = 0, n_testimony = 0, n_juliaca = 0;

  g_assert_true (tg_demo_populate (fixture->store, n, TG_DEMO_DEFAULT_SEED, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tg_store_count_reports (fixture->store), ==, n);

  /* Populating again with the same seed adds nothing. */
  g_assert_true (tg_demo_populate (fixture->store, n, TG_DEMO_DEFAULT_SEED, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tg_store_count_reports (fixture->store), ==, n);

  rowids = tg_store_query_rowids (fixture->store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rowids->len, ==, n);
  for (guint i = 0; i < rowids->len; i++)
    {
      g_autoptr(TgReport) report = tg_store_load_report_by_rowid (fixture->store,
                                                                  g_array_index (rowids, gint64, i), &error);
      GListModel *persons, *sources;

      g_assert_no_error (error);
      g_assert_true (tg_report_validate (report, &error));
      g_assert_no_error (error);
      g_assert_nonnull (tg_report_get_title (report));
      g_assert_true (g_str_has_prefix (tg_report_get_narrative (report), "[Datos de demostración]"));
      assert_codes_known (categories, tg_report_get_categories (report));
      assert_codes_known (perpetrators, tg_report_get_perpetrators (report));
      if (g_strcmp0 (tg_report_get_province_code (report), "PE.21.2111") == 0)
        {
          n_juliaca++;
          /* Juliaca lies near 15.5°S 70.1°W. */
          g_assert_cmpfloat (fabs (tg_report_get_latitude (report) + 15.49), <, 0.05);
          g_assert_cmpfloat (fabs (tg_report_get_longitude (report) + 70.14), <, 0.05);
        }

      persons = tg_report_get_persons (report);
      for (guint j = 0; j < g_list_model_get_n_items (persons); j++)
        {
          g_autoptr(TgPerson) person = g_list_model_get_item (persons, j);
          const char *name = tg_person_get_name (person);

          n_persons++;
          g_assert_true (tg_person_get_is_pseudonym (person));
          g_assert_true (g_str_has_prefix (name, "Víctima ") || g_str_has_prefix (name, "Testigo "));
          assert_codes_known (harms, tg_person_get_harms (person));
          assert_codes_known (weapons, tg_person_get_weapons (person));
        }
      sources = tg_report_get_sources (report);
      for (guint j = 0; j < g_list_model_get_n_items (sources); j++)
        {
          g_autoptr(TgSource) source = g_list_model_get_item (sources, j);

          if (tg_source_get_kind (source) == TG_SOURCE_KIND_LINK)
            {
              n_links++;
              g_assert_true (g_str_has_prefix (tg_source_get_url (source), "https://example.org/demo/"));
            }
          else if (tg_source_get_kind (source) == TG_SOURCE_KIND_TESTIMONY)
            {
              n_testimony++;
              g_assert_true (g_str_has_prefix (tg_source_get_text (source), "[Datos de demostración]"));
            }
        }
    }
  g_assert_cmpuint (n_persons, >, n);
  g_assert_cmpuint (n_links, >, 0);
  g_assert_cmpuint (n_testimony, >, 0);
  g_assert_cmpuint (n_juliaca, >=, 3);
}

static void
test_demo_deterministic (void)
{
  g_autoptr(GPtrArray) a = tg_demo_generate (300, 42);
  g_autoptr(GPtrArray) b = tg_demo_generate (300, 42);
  g_autoptr(GPtrArray) c = tg_demo_generate (300, 43);
  guint differ = 0;

  g_assert_cmpuint (a->len, ==, 300);
  for (guint i = 0; i < a->len; i++)
    {
      g_autofree char *ja = tg_report_to_json_string (a->pdata[i]);
      g_autofree char *jb = tg_report_to_json_string (b->pdata[i]);
      g_autofree char *jc = tg_report_to_json_string (c->pdata[i]);

      g_assert_cmpstr (ja, ==, jb);
      if (g_strcmp0 (ja, jc) != 0)
        differ++;
    }
  /* Another seed gives other reports. */
  g_assert_cmpuint (differ, ==, 300);
}


/* RFC 3339 ---------------------------------------------------------------- */

/* A strict RFC 3339 date-time (section 5.6): four-digit year, two-digit
 * fields in range, a day that exists in its month, seconds up to 60 (a
 * leap second), optional fraction, and "Z" or an offset with its minutes
 * ("-05:00"; "-05", "-0500" and no offset at all are refused). */
static gboolean
is_rfc3339 (const char *str)
{
  static GRegex *regex;
  g_autoptr(GMatchInfo) match = NULL;
  int year, month, day, hour, minute, second;

  if (g_once_init_enter (&regex))
    g_once_init_leave (&regex,
                       g_regex_new ("^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})"
                                    "(\\.[0-9]+)?(Z|[+-]([0-9]{2}):([0-9]{2}))$",
                                    G_REGEX_OPTIMIZE, 0, NULL));
  if (str == NULL || !g_regex_match (regex, str, 0, &match))
    return FALSE;
#define FIELD(n) ({ g_autofree char *f_ = g_match_info_fetch (match, n); (int) g_ascii_strtoll (f_, NULL, 10); })
  year = FIELD (1);
  month = FIELD (2);
  day = FIELD (3);
  hour = FIELD (4);
  minute = FIELD (5);
  second = FIELD (6);
  if (month < 1 || month > 12 || day < 1 || !g_date_valid_dmy (day, month, MAX (year, 1)) ||
      hour > 23 || minute > 59 || second > 60)
    return FALSE;
  {
    g_autofree char *zone = g_match_info_fetch (match, 8);

    if (!g_str_equal (zone, "Z") && (FIELD (9) > 23 || FIELD (10) > 59))
      return FALSE;
  }
#undef FIELD
  return TRUE;
}

static gboolean
looks_like_date_time (const char *str)
{
  return strlen (str) >= 11 && g_ascii_isdigit (str[0]) && g_ascii_isdigit (str[3]) &&
         str[4] == '-' && str[7] == '-' && (str[10] == 'T' || str[10] == 't' || str[10] == ' ');
}

/* Every timestamp in @node (members named start/end/time/exported_at,
 * and any text that looks like a date and time) must be RFC 3339; the
 * revision's content, itself JSON, is checked inside too. Counts them. */
static void
assert_times_rfc3339 (JsonNode   *node,
                      const char *name,
                      guint      *n_times)
{
  static const char * const time_members[] = { "start", "end", "time", "exported_at", NULL };

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(GList) members = json_object_get_members (object);

      for (GList *l = members; l != NULL; l = l->next)
        assert_times_rfc3339 (json_object_get_member (object, l->data), l->data, n_times);
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        assert_times_rfc3339 (json_array_get_element (array, i), name, n_times);
    }
  else if (json_node_get_value_type (node) == G_TYPE_STRING)
    {
      const char *str = json_node_get_string (node);

      if (g_strcmp0 (name, "content") == 0)
        {
          g_autoptr(JsonNode) inner = json_from_string (str, NULL);

          g_assert_nonnull (inner);
          assert_times_rfc3339 (inner, NULL, n_times);
          return;
        }
      /* A camera's local time is kept as the camera wrote it (no zone). */
      if (g_strcmp0 (name, "captured_at") == 0)
        return;
      if ((name != NULL && g_strv_contains (time_members, name)) || looks_like_date_time (str))
        {
          if (!is_rfc3339 (str))
            g_error ("\"%s\": \"%s\" is not RFC 3339", name ? name : "", str);
          (*n_times)++;
        }
    }
}

static void
test_rfc3339_checker (void)
{
  const char *good[] = {
    "2023-01-09T14:05:00-05:00", "2023-01-09T19:05:00Z", "2024-02-29T00:00:00+05:30",
    "0999-12-31T23:59:60.123456Z", NULL
  };
  const char *bad[] = {
    "2023-01-09T14:05:00-05", "2023-01-09T14:05:00-0500", "2023-01-09T14:05:00",
    "2023-01-09", "2023-02-29T00:00:00Z", "2023-13-01T00:00:00Z", "2023-01-09T24:00:00Z",
    "999-01-09T00:00:00Z", "2023-01-09T14:05:00+24:00", "2023-01-09 14:05:00Z", NULL
  };

  for (guint i = 0; good[i] != NULL; i++)
    if (!is_rfc3339 (good[i]))
      g_error ("%s refused", good[i]);
  for (guint i = 0; bad[i] != NULL; i++)
    if (is_rfc3339 (bad[i]))
      g_error ("%s accepted", bad[i]);
}

static void
test_rfc3339_format (void)
{
  struct { const char *zone; int year; int usec; const char *expected; } cases[] = {
    { "-05:00", 2023, 0, "2023-01-09T14:05:00-05:00" },
    { "+05:30", 2023, 0, "2023-01-09T14:05:00+05:30" },
    { "Z", 2023, 0, "2023-01-09T14:05:00Z" },
    { "+00:00", 2023, 250, "2023-01-09T14:05:00.000250Z" },
    { "-03:00", 999, 0, "0999-01-09T14:05:00-03:00" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GTimeZone) tz = g_time_zone_new_identifier (cases[i].zone);
      g_autoptr(GDateTime) time = g_date_time_new (tz, cases[i].year, 1, 9, 14, 5,
                                                   cases[i].usec / 1e6);
      g_autofree char *str = tg_format_rfc3339 (time);

      g_assert_cmpstr (str, ==, cases[i].expected);
      g_assert_true (is_rfc3339 (str));
    }
  g_assert_null (tg_format_rfc3339 (NULL));
}

/* Every timestamp of a GeoJSON and a CSV export, for the organisation and
 * for the public, is RFC 3339 with its offset's minutes. */
static void
test_export_rfc3339 (Fixture       *fixture,
                     gconstpointer  data)
{
  static const TgExportFlags flags[] = { TG_EXPORT_NONE, TG_EXPORT_PUBLIC };
  g_autoptr(TgReport) tricky = tricky_report ();
  g_autoptr(TgReport) india = tg_report_new ();
  g_autoptr(GDateTime) start = date ("2022-12-15T10:00:00+05:30");
  g_autoptr(GDateTime) end = date ("2022-12-15T18:30:00.5+05:30");
  g_autoptr(GError) error = NULL;

  g_assert_true (tg_demo_populate (fixture->store, 10, 7, &error));
  g_assert_no_error (error);
  save (fixture->store, tricky);
  tg_report_set_title (india, "Otra zona horaria");
  tg_report_set_start (india, start);
  tg_report_set_end (india, end);
  save (fixture->store, india);

  for (guint f = 0; f < G_N_ELEMENTS (flags); f++)
    {
      g_autofree char *path = export_geojson_to_file (fixture->store, fixture->dir, "t.geojson", flags[f], NULL);
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autofree char *csv = export_csv_to_memory (fixture->store, flags[f]);
      g_autoptr(GPtrArray) rows = tg_csv_parse (csv, -1, &error);
      g_autofree char *text = NULL;
      gsize length;
      guint n_times = 0, n_csv = 0;

      json_parser_load_from_file (parser, path, &error);
      g_assert_no_error (error);
      assert_times_rfc3339 (json_parser_get_root (parser), NULL, &n_times);
      /* 12 starts at least, and the two ends. */
      g_test_message ("%u timestamps in the GeoJSON", n_times);
      g_assert_cmpuint (n_times, >=, 13);
      text = tg_test_read_file (path, &length);
      g_assert_nonnull (strstr (text, "\"2023-01-09T14:05:00-05:00\""));
      g_assert_nonnull (strstr (text, "\"2022-12-15T18:30:00.500000+05:30\""));

      g_assert_no_error (error);
      for (guint r = 1; r < rows->len; r++)
        {
          char **header = rows->pdata[0];
          char **row = rows->pdata[r];

          for (const char *col = "start"; col != NULL; col = g_str_equal (col, "start") ? "end" : NULL)
            {
              const char *value = row[column_of (header, col)];

              if (*value == '\0')
                continue;
              if (!is_rfc3339 (value))
                g_error ("CSV %s: \"%s\" is not RFC 3339", col, value);
              n_csv++;
            }
        }
      g_assert_cmpuint (n_csv, >=, 13);
      g_assert_nonnull (strstr (csv, ",2023-01-09T14:05:00-05:00,"));
    }
}


/* Importer errors -------------------------------------------------------- */

static void
assert_message (gboolean     ok,
                GError      *error,
                const char  *needle,
                const char  *never)
{
  g_assert_false (ok);
  g_assert_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT);
  if (strstr (error->message, needle) == NULL)
    g_error ("\"%s\" not in: %s", needle, error->message);
  if (never != NULL && strstr (error->message, never) != NULL)
    g_error ("\"%s\" in: %s", never, error->message);
}

/* An empty file says it is empty; binary data of no known kind says it is
 * not the format, without "(it looks like unknown)". */
static void
test_import_errors (Fixture       *fixture,
                    gconstpointer  data)
{
  static const char *blanks[] = { "", "  \r\n\n", "\xEF\xBB\xBF\n" };
  static const guchar png[] = {
    0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
    0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89,
  };
  guchar noise[512];
  guint32 x = 12345;

  for (guint i = 0; i < sizeof noise; i++)
    {
      x = x * 1103515245 + 12345;
      noise[i] = (x >> 16) & 0xff;
    }
  noise[7] = 0;

  for (guint i = 0; i < G_N_ELEMENTS (blanks); i++)
    {
      g_autoptr(GError) e1 = NULL;
      g_autoptr(GError) e2 = NULL;
      gboolean ok;

      ok = tg_import_geojson_data (fixture->store, blanks[i], strlen (blanks[i]), NULL, &e1);
      assert_message (ok, e1, "empty", "ends in the middle");
      ok = tg_import_csv_data (fixture->store, blanks[i], strlen (blanks[i]), NULL, NULL, &e2);
      assert_message (ok, e2, "empty", "ends in the middle");
    }

  {
    g_autoptr(GError) e1 = NULL;
    g_autoptr(GError) e2 = NULL;
    g_autoptr(GError) e3 = NULL;
    gboolean ok;

    ok = tg_import_geojson_data (fixture->store, (const char *) noise, sizeof noise, NULL, &e1);
    assert_message (ok, e1, "not a GeoJSON file", "unknown");
    g_assert_null (strstr (e1->message, "looks like"));
    ok = tg_import_csv_data (fixture->store, (const char *) noise, sizeof noise, NULL, NULL, &e2);
    assert_message (ok, e2, "not a CSV file", "unknown");
    /* A kind of file that is known is named. */
    ok = tg_import_geojson_data (fixture->store, (const char *) png, sizeof png, NULL, &e3);
    assert_message (ok, e3, "not a GeoJSON file", "unknown");
    g_assert_nonnull (strstr (e3->message, "PNG"));
  }
  g_assert_cmpuint (tg_store_count_reports (fixture->store), ==, 0);
}

/* A report with everything an export carries: persons (named with
 * consent, and not), a file source with its hash, a link. */
static TgReport *
full_report (void)
{
  TgReport *report = tricky_report ();
  g_autoptr(TgPerson) named = victim ("Nombre Con Permiso", TG_CONSENT_ORGANISATION);
  g_autoptr(TgPerson) hidden = victim ("Nombre Solo Publico", TG_CONSENT_PUBLIC);
  g_autoptr(TgSource) photo = tg_source_new (TG_SOURCE_KIND_FILE);
  g_autoptr(TgSource) link = tg_source_new (TG_SOURCE_KIND_LINK);

  tg_person_set_age_range (named, 23, 23);
  tg_report_add_person (report, named);
  tg_report_add_person (report, hidden);
  tg_source_set_sha256 (photo, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
  tg_source_set_file_name (photo, "IMG_0412.jpg");
  tg_source_set_mime_type (photo, "image/jpeg");
  tg_source_set_size (photo, 4);
  tg_report_add_source (report, photo);
  tg_source_set_url (link, "https://example.org/nota");
  tg_report_add_source (report, link);
  return report;
}

/* Features of @path rewritten by @edit, to @out. */
static void
rewrite_features (const char *path,
                  const char *out,
                  void      (*edit) (JsonObject *props))
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  JsonArray *features;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  features = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                           "features");
  for (guint i = 0; i < json_array_get_length (features); i++)
    edit (json_object_get_object_member (json_array_get_object_element (features, i), "properties"));
  text = json_to_string (json_parser_get_root (parser), TRUE);
  g_file_set_contents (out, text, -1, &error);
  g_assert_no_error (error);
}

static void
edit_by_hand (JsonObject *props)
{
  json_object_remove_member (props, "testigo:revision");
  json_object_set_string_member (props, "verificado_por", "Coordinadora Puno");
  json_object_set_int_member (props, "puntaje", 3);
}

/* A file in Testigo's form without its revision keeps ids, persons and
 * sources, and shows the properties it does not know. */
static void
test_geojson_without_revision (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgReport) report = full_report ();
  g_autoptr(TgStore) other = NULL;
  g_autoptr(TgReport) copy = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;
  g_autofree char *edited = g_build_filename (fixture->dir, "edited.geojson", NULL);
  guint n_imported = 0, n_skipped = 0;

  save (fixture->store, report);
  path = export_geojson_to_file (fixture->store, fixture->dir, "org.geojson", TG_EXPORT_NONE, NULL);
  rewrite_features (path, edited, edit_by_hand);

  other = tg_test_open_store_in (fixture->dir, "b");
  file = g_file_new_for_path (edited);
  import_file (other, file, &n_imported, &n_skipped);
  g_assert_cmpuint (n_imported, ==, 1);
  g_assert_cmpuint (n_skipped, ==, 0);

  copy = tg_store_load_report (other, tg_report_get_id (report), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (tg_report_get_persons (copy)), ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (tg_report_get_sources (copy)), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(TgPerson) a = g_list_model_get_item (tg_report_get_persons (report), i);
      g_autoptr(TgPerson) b = g_list_model_get_item (tg_report_get_persons (copy), i);
      g_autoptr(TgSource) sa = g_list_model_get_item (tg_report_get_sources (report), i);
      g_autoptr(TgSource) sb = g_list_model_get_item (tg_report_get_sources (copy), i);

      g_assert_cmpstr (tg_person_get_id (a), ==, tg_person_get_id (b));
      g_assert_cmpstr (tg_person_get_name (a), ==, tg_person_get_name (b));
      g_assert_cmpint (tg_person_get_consent (a), ==, tg_person_get_consent (b));
      g_assert_cmpstr (tg_source_get_id (sa), ==, tg_source_get_id (sb));
      g_assert_cmpstr (tg_source_get_sha256 (sa), ==, tg_source_get_sha256 (sb));
      g_assert_cmpstr (tg_source_get_url (sa), ==, tg_source_get_url (sb));
    }
  /* The unknown properties are in the narrative, under a heading. */
  g_assert_nonnull (strstr (tg_report_get_narrative (copy), "verificado_por: Coordinadora Puno"));
  g_assert_nonnull (strstr (tg_report_get_narrative (copy), "puntaje: 3"));
  g_assert_true (g_str_has_prefix (tg_report_get_narrative (copy), tg_report_get_narrative (report)));
  /* Everything else, field by field. */
  tg_report_set_narrative (copy, tg_report_get_narrative (report));
  {
    g_autofree char *a = tg_report_to_json_string (report);
    g_autofree char *b = tg_report_to_json_string (copy);

    g_assert_cmpstr (a, ==, b);
  }

  /* Again: already here. */
  import_file (other, file, &n_imported, &n_skipped);
  g_assert_cmpuint (n_imported, ==, 0);
  g_assert_cmpuint (n_skipped, ==, 1);
  tg_store_close (other);
}

/* A public export imported back where it came from leaves the full
 * report as it was (names are not overwritten by "[withheld]"). */
static void
test_geojson_public_back (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgReport) report = full_report ();
  g_autoptr(TgReport) after = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  guint n_imported = 9, n_skipped = 0;

  save (fixture->store, report);
  path = export_geojson_to_file (fixture->store, fixture->dir, "pub.geojson", TG_EXPORT_PUBLIC, NULL);
  file = g_file_new_for_path (path);
  import_file (fixture->store, file, &n_imported, &n_skipped);
  g_assert_cmpuint (n_imported, ==, 0);
  g_assert_cmpuint (n_skipped, ==, 1);
  after = tg_store_load_report (fixture->store, tg_report_get_id (report), &error);
  g_assert_no_error (error);
  a = tg_report_to_json_string (report);
  b = tg_report_to_json_string (after);
  g_assert_cmpstr (a, ==, b);
}

/* tg_import_file counts what the store already has, for both formats. */
static void
test_import_file_counts (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgStore) other = NULL;
  g_autofree char *geojson = NULL;
  g_autofree char *csv = g_build_filename (fixture->dir, "all.csv", NULL);
  g_autoptr(GFile) gfile = NULL;
  g_autoptr(GFile) cfile = g_file_new_for_path (csv);
  guint n_imported = 0, n_skipped = 0;

  g_assert_true (tg_demo_populate (fixture->store, 60, 3, &error));
  g_assert_no_error (error);
  geojson = export_geojson_to_file (fixture->store, fixture->dir, "all.geojson", TG_EXPORT_NONE, NULL);
  gfile = g_file_new_for_path (geojson);
  g_assert_true (tg_export_csv (fixture->store, NULL, cfile, TG_EXPORT_NONE, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  other = tg_test_open_store_in (fixture->dir, "b");
  /* 8 reports already there: the GeoJSON brings 52 more. */
  {
    g_autoptr(GPtrArray) demo = tg_demo_generate (60, 3);

    g_ptr_array_set_size (demo, 8);
    g_assert_true (tg_store_save_reports (other, demo, &error));
    g_assert_no_error (error);
  }
  import_file (other, gfile, &n_imported, &n_skipped);
  g_assert_cmpuint (n_imported + n_skipped, >=, 60);
  g_assert_cmpuint (tg_store_count_reports (other), ==, 60);
  import_file (other, cfile, &n_imported, &n_skipped);
  g_assert_cmpuint (n_imported, ==, 0);
  g_assert_cmpuint (n_skipped, ==, 60);
  import_file (other, gfile, &n_imported, &n_skipped);
  g_assert_cmpuint (n_imported, ==, 0);
  g_assert_cmpuint (n_skipped, ==, 60);
  tg_store_close (other);

  /* Without a telling extension the first byte decides. */
  {
    g_autoptr(TgStore) third = tg_test_open_store_in (fixture->dir, "c");
    g_autofree char *g_txt = g_build_filename (fixture->dir, "geo.txt", NULL);
    g_autofree char *c_txt = g_build_filename (fixture->dir, "csv.txt", NULL);
    g_autofree char *g_data = NULL;
    g_autofree char *c_data = NULL;
    g_autoptr(GFile) gf = g_file_new_for_path (g_txt);
    g_autoptr(GFile) cf = g_file_new_for_path (c_txt);
    gsize len;

    g_data = tg_test_read_file (geojson, &len);
    g_assert_true (g_file_set_contents (g_txt, g_data, len, NULL));
    c_data = tg_test_read_file (csv, &len);
    g_assert_true (g_file_set_contents (c_txt, c_data, len, NULL));
    import_file (third, cf, &n_imported, &n_skipped);
    g_assert_cmpuint (n_imported, ==, 60);
    import_file (third, gf, &n_imported, &n_skipped);
    /* CSV rows keep their ids but not their revisions: the GeoJSON's
     * revisions are new here, and each is an edit or the same content. */
    g_assert_cmpuint (tg_store_count_reports (third), ==, 60);
    tg_store_close (third);
  }
}


/* For the organisation too, a name without consent is withheld: the
 * feature is masked and carries no revision (which holds the name); it
 * never writes over the full report when imported back. */
static void
test_geojson_org_withholds (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgReport) report = tricky_report ();
  g_autoptr(TgReport) plain = tricky_report ();
  g_autoptr(TgPerson) hidden = victim ("Nombre Sin Permiso", TG_CONSENT_NONE);
  g_autoptr(TgPerson) named = victim ("Nombre Con Permiso", TG_CONSENT_ORGANISATION);
  g_autoptr(TgStore) other = NULL;
  g_autoptr(TgReport) copy = NULL;
  g_autoptr(TgReport) after = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  gsize length;
  guint n_imported = 0, n_skipped = 0, with_revision = 0;
  JsonArray *features;

  tg_person_set_notes (hidden, "Vive en el barrio Bellavista");
  tg_report_add_person (report, hidden);
  tg_report_add_person (report, named);
  save (fixture->store, report);
  save (fixture->store, plain);
  path = export_geojson_to_file (fixture->store, fixture->dir, "org.geojson", TG_EXPORT_CUSTODY, NULL);
  text = tg_test_read_file (path, &length);
  g_assert_null (strstr (text, "Nombre Sin Permiso"));
  g_assert_null (strstr (text, "Bellavista"));
  g_assert_nonnull (strstr (text, "Nombre Con Permiso"));

  json_parser_load_from_data (parser, text, length, &error);
  g_assert_no_error (error);
  features = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "features");
  for (guint i = 0; i < json_array_get_length (features); i++)
    {
      JsonObject *props = json_object_get_object_member (json_array_get_object_element (features, i),
                                                         "properties");

      g_assert_true (json_object_has_member (props, "testigo:custody"));
      if (json_object_has_member (props, "testigo:revision"))
        with_revision++;
    }
  g_assert_cmpuint (with_revision, ==, 1);

  /* Back into the store it came from: nothing changes. */
  file = g_file_new_for_path (path);
  import_file (fixture->store, file, &n_imported, &n_skipped);
  g_assert_cmpuint (n_imported, ==, 0);
  g_assert_cmpuint (n_skipped, ==, 2);
  after = tg_store_load_report (fixture->store, tg_report_get_id (report), &error);
  g_assert_no_error (error);
  a = tg_report_to_json_string (report);
  b = tg_report_to_json_string (after);
  g_assert_cmpstr (a, ==, b);

  /* Into another store: the report, with the name withheld. */
  other = tg_test_open_store_in (fixture->dir, "b");
  import_file (other, file, &n_imported, &n_skipped);
  g_assert_cmpuint (n_imported, ==, 2);
  copy = tg_store_load_report (other, tg_report_get_id (report), &error);
  g_assert_no_error (error);
  {
    g_autoptr(TgPerson) p0 = g_list_model_get_item (tg_report_get_persons (copy), 0);
    g_autoptr(TgPerson) p1 = g_list_model_get_item (tg_report_get_persons (copy), 1);

    g_assert_cmpstr (tg_person_get_name (p0), ==, TG_EXPORT_WITHHELD);
    g_assert_cmpstr (tg_person_get_id (p0), ==, tg_person_get_id (hidden));
    g_assert_null (tg_person_get_notes (p0));
    g_assert_cmpstr (tg_person_get_name (p1), ==, "Nombre Con Permiso");
  }
  tg_store_close (other);
}


/* A file entering the store is logged once as "imported"; the
 * organisation's GeoJSON carries the report's and the file's custody
 * events with RFC 3339 times and the chain's hashes. */
static void
test_export_custody (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgReport) report = full_report ();
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *path = NULL;
  const char *sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  JsonArray *custody;
  guint n_times = 0, imported = 0, created = 0, edited = 0;

  save (fixture->store, report);
  tg_report_set_title (report, "Segunda versión");
  save (fixture->store, report);
  events = tg_custody_log_list (tg_store_get_custody_log (fixture->store), sha, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 1);
  g_assert_cmpint (tg_custody_event_get_action (events->pdata[0]), ==, TG_CUSTODY_IMPORTED);
  g_assert_cmpstr (tg_custody_event_get_detail (events->pdata[0]), ==, tg_report_get_id (report));

  path = export_geojson_to_file (fixture->store, fixture->dir, "c.geojson", TG_EXPORT_CUSTODY, NULL);
  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  assert_times_rfc3339 (json_parser_get_root (parser), NULL, &n_times);
  custody = json_object_get_array_member (
    json_object_get_object_member (
      json_array_get_object_element (
        json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "features"), 0),
      "properties"),
    "testigo:custody");
  g_assert_nonnull (custody);
  for (guint i = 0; i < json_array_get_length (custody); i++)
    {
      JsonObject *event = json_array_get_object_element (custody, i);
      const char *action = json_object_get_string_member (event, "action");

      g_assert_true (is_rfc3339 (json_object_get_string_member (event, "time")));
      g_assert_cmpuint (strlen (json_object_get_string_member (event, "hash")), ==, 64);
      g_assert_cmpuint (strlen (json_object_get_string_member (event, "prev_hash")), ==, 64);
      if (i > 0)
        g_assert_cmpint (json_object_get_int_member (event, "seq"), >,
                         json_object_get_int_member (json_array_get_object_element (custody, i - 1), "seq"));
      imported += g_str_equal (action, "imported") &&
                  g_str_equal (json_object_get_string_member (event, "subject"), sha);
      created += g_str_equal (action, "created");
      edited += g_str_equal (action, "edited");
    }
  g_assert_cmpuint (imported, ==, 1);
  g_assert_cmpuint (created, ==, 1);
  g_assert_cmpuint (edited, ==, 1);

  /* Not for the public, nor without the flag. */
  {
    g_autofree char *pub = export_geojson_to_file (fixture->store, fixture->dir, "p.geojson",
                                                   TG_EXPORT_PUBLIC | TG_EXPORT_CUSTODY, NULL);
    g_autofree char *plain = export_geojson_to_file (fixture->store, fixture->dir, "n.geojson",
                                                     TG_EXPORT_NONE, NULL);
    g_autofree char *a = tg_test_read_file (pub, NULL);
    g_autofree char *b = tg_test_read_file (plain, NULL);

    g_assert_null (strstr (a, "testigo:custody"));
    g_assert_null (strstr (b, "testigo:custody"));
  }
}

/* The "exported" events of @report_id, oldest first. */
static GPtrArray *
exported_events (TgStore    *store,
                 const char *report_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = tg_custody_log_list (tg_store_get_custody_log (store), report_id, &error);
  GPtrArray *exported = g_ptr_array_new_with_free_func (g_object_unref);

  g_assert_no_error (error);
  for (guint i = 0; i < events->len; i++)
    if (tg_custody_event_get_action (events->pdata[i]) == TG_CUSTODY_EXPORTED)
      {
        g_assert_cmpstr (tg_custody_event_get_action_string (events->pdata[i]), ==, "exported");
        g_ptr_array_add (exported, g_object_ref (events->pdata[i]));
      }
  return exported;
}

static guint
n_custody_events (TgStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = tg_custody_log_list (tg_store_get_custody_log (store), NULL, &error);

  g_assert_no_error (error);
  return events->len;
}

static void
assert_chain_whole (TgStore *store)
{
  g_autoptr(GError) error = NULL;
  gint64 broken = -1;

  g_assert_true (tg_custody_log_verify (tg_store_get_custody_log (store), &broken, &error));
  g_assert_no_error (error);
  g_assert_cmpint (broken, ==, 0);
}

static char *
head_revision (TgStore    *store,
               const char *report_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgReport) report = tg_store_load_report (store, report_id, &error);

  g_assert_no_error (error);
  return g_strdup (tg_report_get_base_revisions (report)[0]);
}

/* Every export to a file is logged: one "exported" event a report written
 * (the report's id the subject; the format, the audience and the revision
 * in the detail), in the app's asynchronous export as in the synchronous
 * one; the organisation's next GeoJSON carries it; the chain stays whole.
 * A cancelled or failed export logs nothing, and a log that cannot be
 * written is said, all events or none. */
static void
test_export_custody_logged (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgReport) first = full_report ();
  g_autoptr(TgReport) second = tg_report_new ();
  g_autoptr(GPtrArray) events = NULL;
  g_autofree char *rev1 = NULL;
  g_autofree char *rev2 = NULL;
  g_autofree char *detail = NULL;
  guint before, n = 0;

  tg_report_set_title (second, "Segundo informe");
  save (fixture->store, first);
  save (fixture->store, second);
  rev1 = head_revision (fixture->store, tg_report_get_id (first));
  rev2 = head_revision (fixture->store, tg_report_get_id (second));
  events = exported_events (fixture->store, tg_report_get_id (first));
  g_assert_cmpuint (events->len, ==, 0);
  g_clear_pointer (&events, g_ptr_array_unref);

  /* GeoJSON for the organisation (as `testigo --export` writes it). */
  before = n_custody_events (fixture->store);
  g_free (export_geojson_to_file (fixture->store, fixture->dir, "org.geojson", TG_EXPORT_CUSTODY, &n));
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpuint (n_custody_events (fixture->store), ==, before + 2);
  events = exported_events (fixture->store, tg_report_get_id (first));
  g_assert_cmpuint (events->len, ==, 1);
  detail = g_strdup_printf ("format=geojson audience=organisation revision=%s", rev1);
  g_assert_cmpstr (tg_custody_event_get_detail (events->pdata[0]), ==, detail);
  g_clear_pointer (&events, g_ptr_array_unref);
  events = exported_events (fixture->store, tg_report_get_id (second));
  g_assert_cmpuint (events->len, ==, 1);
  g_clear_pointer (&detail, g_free);
  detail = g_strdup_printf ("format=geojson audience=organisation revision=%s", rev2);
  g_assert_cmpstr (tg_custody_event_get_detail (events->pdata[0]), ==, detail);
  g_clear_pointer (&events, g_ptr_array_unref);
  assert_chain_whole (fixture->store);

  /* The next organisation's GeoJSON carries that export in the history. */
  {
    g_autoptr(JsonParser) parser = json_parser_new ();
    g_autofree char *again = export_geojson_to_file (fixture->store, fixture->dir, "again.geojson",
                                                     TG_EXPORT_CUSTODY, NULL);
    JsonArray *features;
    guint seen = 0;

    json_parser_load_from_file (parser, again, &error);
    g_assert_no_error (error);
    features = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "features");
    for (guint i = 0; i < json_array_get_length (features); i++)
      {
        JsonObject *props = json_object_get_object_member (json_array_get_object_element (features, i),
                                                           "properties");
        JsonArray *custody = json_object_get_array_member (props, "testigo:custody");

        for (guint j = 0; j < json_array_get_length (custody); j++)
          seen += g_str_equal (json_object_get_string_member (json_array_get_object_element (custody, j),
                                                              "action"), "exported");
      }
    g_assert_cmpuint (seen, ==, 2);
  }

  /* One report, CSV for the public, as the app's dialog runs it. */
  {
    g_autofree char *csv = g_build_filename (fixture->dir, "one.csv", NULL);
    g_autoptr(GFile) file = g_file_new_for_path (csv);
    const char *ids[] = { tg_report_get_id (second), NULL };
    AsyncData async = { 0, };

    async.loop = g_main_loop_new (NULL, FALSE);
    async.thread = g_thread_self ();
    tg_export_file_async (fixture->store, NULL, ids, file, TG_EXPORT_FORMAT_CSV, TG_EXPORT_PUBLIC,
                          progress_cb, &async, NULL, NULL, done_cb, &async);
    g_main_loop_run (async.loop);
    g_assert_true (tg_export_file_finish (async.result, &n, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (n, ==, 1);
    while (g_main_context_iteration (NULL, FALSE));
    g_clear_object (&async.result);
    g_main_loop_unref (async.loop);
  }
  /* org.geojson, again.geojson, then one.csv for the second alone. */
  events = exported_events (fixture->store, tg_report_get_id (second));
  g_assert_cmpuint (events->len, ==, 3);
  g_clear_pointer (&detail, g_free);
  detail = g_strdup_printf ("format=csv audience=public revision=%s", rev2);
  g_assert_cmpstr (tg_custody_event_get_detail (events->pdata[2]), ==, detail);
  g_clear_pointer (&events, g_ptr_array_unref);
  events = exported_events (fixture->store, tg_report_get_id (first));
  g_assert_cmpuint (events->len, ==, 2);
  g_clear_pointer (&events, g_ptr_array_unref);
  assert_chain_whole (fixture->store);

  /* Cancelled once writing has begun: nothing logged. */
  before = n_custody_events (fixture->store);
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autofree char *cancelled = g_build_filename (fixture->dir, "cancelled.geojson", NULL);
    g_autoptr(GFile) file = g_file_new_for_path (cancelled);

    g_assert_false (tg_export_geojson (fixture->store, NULL, file, TG_EXPORT_CUSTODY,
                                       cancel_progress_cb, cancellable, NULL, cancellable, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&error);
    g_assert_false (g_file_test (cancelled, G_FILE_TEST_EXISTS));
  }
  g_assert_cmpuint (n_custody_events (fixture->store), ==, before);

  /* Failed (a folder that does not exist): nothing logged. */
  {
    g_autofree char *nowhere = g_build_filename (fixture->dir, "missing", "out.csv", NULL);
    g_autoptr(GFile) file = g_file_new_for_path (nowhere);

    g_assert_false (tg_export_csv (fixture->store, NULL, file, TG_EXPORT_NONE,
                                   NULL, NULL, NULL, NULL, &error));
    g_assert_nonnull (error);
    g_clear_error (&error);
  }
  g_assert_cmpuint (n_custody_events (fixture->store), ==, before);
  assert_chain_whole (fixture->store);

  /* The log refuses the second event: the file is written, the error
   * says the log could not record it, and neither event is kept. */
  {
    g_autofree char *sql = g_strdup_printf ("CREATE TEMP TRIGGER refuse_second BEFORE INSERT ON main.custody"
                                            " WHEN (SELECT count(*) FROM main.custody) > %u"
                                            " BEGIN SELECT RAISE(ABORT, 'refused'); END", before);
    g_autofree char *refused = g_build_filename (fixture->dir, "refused.geojson", NULL);
    g_autoptr(GFile) file = g_file_new_for_path (refused);

    tg_store_lock (fixture->store);
    g_assert_cmpint (sqlite3_exec (tg_store_get_db (fixture->store), sql, NULL, NULL, NULL), ==, SQLITE_OK);
    tg_store_unlock (fixture->store);
    g_assert_false (tg_export_geojson (fixture->store, NULL, file, TG_EXPORT_NONE,
                                       NULL, NULL, NULL, NULL, &error));
    g_assert_nonnull (error);
    g_assert_nonnull (strstr (error->message, "custody log could not record it"));
    g_assert_nonnull (strstr (error->message, "refused.geojson"));
    g_clear_error (&error);
    g_assert_true (g_file_test (refused, G_FILE_TEST_IS_REGULAR));
    g_assert_cmpuint (n_custody_events (fixture->store), ==, before);
    tg_store_lock (fixture->store);
    g_assert_cmpint (sqlite3_exec (tg_store_get_db (fixture->store), "DROP TRIGGER temp.refuse_second",
                                   NULL, NULL, NULL), ==, SQLITE_OK);
    tg_store_unlock (fixture->store);
  }
  assert_chain_whole (fixture->store);

  /* Exports to a stream are not logged. */
  {
    g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();

    g_assert_true (tg_export_csv_to_stream (fixture->store, NULL, out, TG_EXPORT_NONE,
                                            NULL, NULL, NULL, NULL, &error));
    g_assert_no_error (error);
  }
  g_assert_cmpuint (n_custody_events (fixture->store), ==, before);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  g_test_add_func ("/exchange/vocabulary/load", test_vocabulary_load);
  g_test_add_func ("/exchange/vocabulary/labels", test_vocabulary_labels);
  g_test_add_func ("/exchange/vocabulary/malformed", test_vocabulary_malformed);
  g_test_add_func ("/exchange/vocabulary/data-dir", test_vocabulary_data_dir);
  ADD ("/exchange/geojson/round-trip", test_geojson_round_trip);
  ADD ("/exchange/geojson/lon-lat", test_geojson_lon_lat);
  ADD ("/exchange/geojson/edited-elsewhere", test_geojson_edited_elsewhere);
  ADD ("/exchange/geojson/foreign", test_geojson_foreign);
  ADD ("/exchange/geojson/bad-input", test_geojson_bad_input);
  ADD ("/exchange/geojson/bad-escape-message", test_geojson_bad_escape_message);
  ADD ("/exchange/geojson/surrogates", test_geojson_surrogates);
  ADD ("/exchange/geojson/type-not-string", test_geojson_type_not_string);
  ADD ("/exchange/geojson/member-order", test_geojson_member_order);
  ADD ("/exchange/geojson/hostile", test_geojson_hostile);
  ADD ("/exchange/geojson/streaming-memory", test_geojson_streaming_memory);
  g_test_add_func ("/exchange/csv/writer-reader", test_csv_writer_reader);
  ADD ("/exchange/csv/round-trip", test_csv_round_trip);
  ADD ("/exchange/csv/injection", test_csv_injection);
  ADD ("/exchange/csv/withheld", test_csv_withheld);
  ADD ("/exchange/csv/bad-input", test_csv_bad_input);
  ADD ("/exchange/csv/hostile", test_csv_hostile);
  ADD ("/exchange/geojson/hostile-escapes", test_geojson_hostile_escapes);
  ADD ("/exchange/export/async", test_export_async);
  ADD ("/exchange/export/atomic", test_export_atomic);
  ADD ("/exchange/demo/populate", test_demo_populate);
  g_test_add_func ("/exchange/rfc3339/checker", test_rfc3339_checker);
  g_test_add_func ("/exchange/rfc3339/format", test_rfc3339_format);
  ADD ("/exchange/export/rfc3339", test_export_rfc3339);
  ADD ("/exchange/import/errors", test_import_errors);
  ADD ("/exchange/import/file-counts", test_import_file_counts);
  ADD ("/exchange/geojson/without-revision", test_geojson_without_revision);
  ADD ("/exchange/geojson/public-back", test_geojson_public_back);
  ADD ("/exchange/geojson/org-withholds", test_geojson_org_withholds);
  ADD ("/exchange/export/custody", test_export_custody);
  ADD ("/exchange/export/custody-logged", test_export_custody_logged);
  g_test_add_func ("/exchange/demo/deterministic", test_demo_deterministic);

  return g_test_run ();
}
