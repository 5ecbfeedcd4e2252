/* test-dedupe.c — duplicate candidates: scores, explanations, blocking
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <locale.h>
#include <math.h>
#include <string.h>

#include "bench-dedupe-gen.h"
#include "tg-dedupe.h"
#include "tg-test-common.h"

/* metres to degrees of latitude, on the sphere tg-dedupe measures with */
#define M_TO_DEG(m) ((m) / (6371008.8 * G_PI / 180.0))

static TgReport *
make_report (const char      *iso_start,
             TgDatePrecision  precision,
             double           lat,
             double           lon,
             double           uncertainty)
{
  TgReport *report = tg_report_new ();

  if (iso_start != NULL)
    {
      g_autoptr(GDateTime) start = g_date_time_new_from_iso8601 (iso_start, NULL);
      g_assert_nonnull (start);
      tg_report_set_start (report, start);
      tg_report_set_date_precision (report, precision);
    }
  if (!isnan (lat))
    {
      tg_report_set_location (report, lat, lon, TG_LOCATION_METHOD_MAP);
      tg_report_set_uncertainty (report, uncertainty);
    }
  return report;
}

static void
add_victim (TgReport   *report,
            const char *name,
            int         age,
            TgSex       sex)
{
  g_autoptr(TgPerson) person = tg_person_new (TG_PERSON_ROLE_VICTIM);

  tg_person_set_name (person, name);
  if (age >= 0)
    tg_person_set_age_range (person, age, age);
  tg_person_set_sex (person, sex);
  tg_report_add_person (report, person);
}

static void
add_file (TgReport   *report,
          const char *sha256,
          const char *mime)
{
  g_autoptr(TgSource) source = tg_source_new (TG_SOURCE_KIND_FILE);

  tg_source_set_sha256 (source, sha256);
  tg_source_set_mime_type (source, mime);
  tg_source_set_file_name (source, "f");
  tg_source_set_size (source, 10);
  tg_report_add_source (report, source);
}

#define SHA_A "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define SHA_B "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"
#define SHA_C "fd61a03af4f77d870fc21e05e7e80678095c92d808cfb3b5c279ee04c74aca13"

/* Two accounts of the Juliaca airport shootings, 350 m apart. */
static void
make_pair (TgReport **a_out,
           TgReport **b_out)
{
  TgReport *a = make_report ("2023-01-09T15:30:00-05:00", TG_DATE_PRECISION_EXACT,
                             -15.4671, -70.1582, 200);
  TgReport *b = make_report ("2023-01-09T00:00:00-05:00", TG_DATE_PRECISION_DAY,
                             -15.4671 + M_TO_DEG (350), -70.1582, 200);

  add_victim (a, "Juan Pérez Quispe", -1, TG_SEX_UNKNOWN);
  add_victim (a, "Rosa Mamani Condori", -1, TG_SEX_UNKNOWN);
  add_victim (a, "Pedro Chura", -1, TG_SEX_UNKNOWN);
  add_victim (b, "Pérez Quispe, Juan", -1, TG_SEX_UNKNOWN);
  add_victim (b, "rosa mamani c.", -1, TG_SEX_UNKNOWN);
  add_file (a, SHA_A, "image/jpeg");
  add_file (a, SHA_B, "image/jpeg");
  add_file (b, SHA_A, "image/jpeg");
  add_file (b, SHA_C, "video/mp4");

  *a_out = a;
  *b_out = b;
}

static const TgDedupeReason *
find_reason (const TgDedupeCandidate *c,
             TgDedupeField            field)
{
  for (guint i = 0; i < c->reasons->len; i++)
    {
      const TgDedupeReason *r = g_ptr_array_index (c->reasons, i);
      if (r->field == field)
        return r;
    }
  return NULL;
}

static void
test_explanation_en (void)
{
  g_autoptr(TgReport) a = NULL;
  g_autoptr(TgReport) b = NULL;
  g_autoptr(TgDedupeCandidate) c = NULL;
  g_autofree char *summary = NULL;
  double sum = 0;

  make_pair (&a, &b);
  c = tg_dedupe_compare (a, b);
  summary = tg_dedupe_candidate_get_summary (c);
  g_assert_cmpstr (summary, ==, "same day, 350 m apart, 2 victims in common, 1 identical photo");

  /* field by field, only the fields both reports have */
  g_assert_cmpuint (c->reasons->len, ==, 4);
  g_assert_cmpfloat (find_reason (c, TG_DEDUPE_FIELD_TIME)->weight, >, 0);
  g_assert_cmpfloat (find_reason (c, TG_DEDUPE_FIELD_PLACE)->weight, >, 0);
  g_assert_cmpfloat (find_reason (c, TG_DEDUPE_FIELD_VICTIMS)->weight, >, 0);
  g_assert_cmpfloat (find_reason (c, TG_DEDUPE_FIELD_FILES)->weight, >, 0);
  g_assert_null (find_reason (c, TG_DEDUPE_FIELD_CATEGORY));
  g_assert_null (find_reason (c, TG_DEDUPE_FIELD_COUNTS));
  for (guint i = 0; i < c->reasons->len; i++)
    sum += ((TgDedupeReason *) g_ptr_array_index (c->reasons, i))->weight;
  g_assert_cmpfloat_with_epsilon (c->score, sum, 1e-9);
  g_assert_cmpfloat (c->score, >=, TG_DEDUPE_DEFAULT_THRESHOLD);

  /* ids ordered, indices follow them */
  g_assert_cmpint (strcmp (c->report_a, c->report_b), <, 0);
  g_assert_cmpstr (c->report_a, ==, c->index_a == 0 ? tg_report_get_id (a) : tg_report_get_id (b));

  g_assert_cmpstr (tg_dedupe_field_get_label (TG_DEDUPE_FIELD_VICTIMS), ==, "Victims");
}

/* What disagrees is said too, with a negative weight. */
static void
test_explanation_disagreement (void)
{
  g_autoptr(TgReport) a = make_report ("2023-01-09T15:30:00-05:00", TG_DATE_PRECISION_EXACT, -15.4671, -70.1582, 100);
  g_autoptr(TgReport) b = make_report ("2023-01-12T10:00:00-05:00", TG_DATE_PRECISION_EXACT, -15.4671, -70.1582 + M_TO_DEG (2500), 100);
  g_autoptr(TgDedupeCandidate) c = NULL;
  g_autofree char *summary = NULL;
  const char *cats_a[] = { "killing", NULL };
  const char *cats_b[] = { "threat", NULL };

  tg_report_set_categories (a, cats_a);
  tg_report_set_categories (b, cats_b);
  tg_report_set_killed (a, 17);
  tg_report_set_killed (b, 3);
  add_victim (a, "Juan Pérez", 30, TG_SEX_MALE);
  add_victim (b, "Juana Pérez", 30, TG_SEX_FEMALE);

  c = tg_dedupe_compare (a, b);
  g_assert_cmpstr (find_reason (c, TG_DEDUPE_FIELD_TIME)->sentence, ==, "3 days apart");
  g_assert_cmpfloat (find_reason (c, TG_DEDUPE_FIELD_TIME)->weight, <, 0);
  g_assert_cmpfloat (find_reason (c, TG_DEDUPE_FIELD_PLACE)->weight, <, 0);
  g_assert_cmpstr (find_reason (c, TG_DEDUPE_FIELD_CATEGORY)->sentence, ==, "different categories");
  g_assert_cmpstr (find_reason (c, TG_DEDUPE_FIELD_VICTIMS)->sentence, ==, "no victim in common");
  g_assert_cmpstr (find_reason (c, TG_DEDUPE_FIELD_COUNTS)->sentence, ==, "different counts");
  g_assert_cmpfloat (c->score, <, 0);
  summary = tg_dedupe_candidate_get_summary (c);
  g_assert_cmpstr (summary, ==, "");
}

static void
test_explanation_es (void)
{
  g_autoptr(TgReport) a = NULL;
  g_autoptr(TgReport) b = NULL;
  g_autoptr(TgDedupeCandidate) c = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *podir = g_test_build_filename (G_TEST_BUILT, "..", "po", NULL);
  g_autofree char *mo = g_build_filename (podir, "es", "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);

  if (!g_test_subprocess ())
    {
      /* the language is the process's: change it in a child */
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }

  g_assert_true (g_file_test (mo, G_FILE_TEST_EXISTS));
  g_setenv ("LANGUAGE", "es", TRUE);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, podir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");

  make_pair (&a, &b);
  c = tg_dedupe_compare (a, b);
  summary = tg_dedupe_candidate_get_summary (c);
  g_assert_cmpstr (summary, ==, "mismo día, a 350 m, 2 víctimas en común, 1 foto idéntica");
  g_assert_cmpstr (tg_dedupe_field_get_label (TG_DEDUPE_FIELD_VICTIMS), ==, "Víctimas");

  {
    g_autoptr(TgReport) x = make_report ("2023-01-09T15:30:00-05:00", TG_DATE_PRECISION_EXACT, -15.4671, -70.1582, 100);
    g_autoptr(TgReport) y = make_report ("2023-01-09T16:00:00-05:00", TG_DATE_PRECISION_EXACT, -15.4671 + M_TO_DEG (2300), -70.1582, 2500);
    g_autoptr(TgDedupeCandidate) d = NULL;
    g_autofree char *s = NULL;

    add_file (x, SHA_A, "video/mp4");
    add_file (x, SHA_B, "image/jpeg");
    add_file (y, SHA_A, "video/mp4");
    add_file (y, SHA_B, "image/jpeg");
    d = tg_dedupe_compare (x, y);
    s = tg_dedupe_candidate_get_summary (d);
    g_assert_cmpstr (s, ==, "misma hora, a 2.3 km, 2 archivos idénticos");
  }
}

/* 17 and 18 killed, names with typos and without the second surname:
 * the three accounts pair up, and say the counts are close. */
static void
test_juliaca (void)
{
  g_autoptr(GPtrArray) reports = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GError) error = NULL;
  const char *cats[] = { "killing", NULL };
  TgReport *r;

  r = make_report ("2023-01-09T16:00:00-05:00", TG_DATE_PRECISION_EXACT, -15.4716, -70.1583, 500);
  tg_report_set_killed (r, 17);
  tg_report_set_categories (r, cats);
  add_victim (r, "Marco Antonio Samillán Sanga", 17, TG_SEX_MALE);
  add_victim (r, "Eberth Mamani Arqui", -1, TG_SEX_MALE);
  g_ptr_array_add (reports, r);

  r = make_report ("2023-01-09T00:00:00-05:00", TG_DATE_PRECISION_DAY, -15.4750, -70.1530, 1000);
  tg_report_set_killed (r, 18);
  tg_report_set_categories (r, cats);
  add_victim (r, "Samillan Sanga, Marco", 17, TG_SEX_MALE);
  add_victim (r, "Ebert Mamani", -1, TG_SEX_UNKNOWN);
  g_ptr_array_add (reports, r);

  r = make_report ("2023-01-01T00:00:00-05:00", TG_DATE_PRECISION_MONTH, -15.4700, -70.1600, 2000);
  tg_report_set_killed (r, 17);
  add_victim (r, "marco samilan", 18, TG_SEX_MALE);
  g_ptr_array_add (reports, r);

  found = tg_dedupe_find (reports, TG_DEDUPE_DEFAULT_THRESHOLD, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 3);
  for (guint i = 1; i < found->len; i++)
    g_assert_cmpfloat (((TgDedupeCandidate *) found->pdata[i - 1])->score, >=,
                       ((TgDedupeCandidate *) found->pdata[i])->score);

  for (guint i = 0; i < found->len; i++)
    {
      TgDedupeCandidate *c = found->pdata[i];

      if ((c->index_a == 0 && c->index_b == 1) || (c->index_a == 1 && c->index_b == 0))
        {
          g_autofree char *summary = tg_dedupe_candidate_get_summary (c);
          g_assert_cmpstr (summary, ==, "same day, 680 m apart, same category, 2 victims in common, ages and sex agree, close counts");
        }
    }
}

/* Different events on the same day in the same town stay below the
 * threshold even with the same category. */
static void
test_hard_negative (void)
{
  g_autoptr(TgReport) a = make_report ("2023-01-09T15:30:00-05:00", TG_DATE_PRECISION_EXACT, -15.4997, -70.1333, 300);
  g_autoptr(TgReport) b = make_report ("2023-01-09T00:00:00-05:00", TG_DATE_PRECISION_DAY, -15.4997 + M_TO_DEG (1500), -70.1333, 300);
  g_autoptr(TgDedupeCandidate) c = NULL;
  const char *cats[] = { "excessive-force", NULL };

  tg_report_set_categories (a, cats);
  tg_report_set_categories (b, cats);
  tg_report_set_injured (a, 12);
  tg_report_set_injured (b, 3);
  add_victim (a, "Juan Pérez Quispe", 25, TG_SEX_MALE);
  add_victim (b, "José Mamani", 40, TG_SEX_MALE);
  add_victim (b, "Juana Pérez Quispe", 25, TG_SEX_FEMALE);

  c = tg_dedupe_compare (a, b);
  g_assert_cmpfloat (c->score, <, TG_DEDUPE_DEFAULT_THRESHOLD);
  g_assert_cmpfloat (find_reason (c, TG_DEDUPE_FIELD_VICTIMS)->weight, <, 0);

  /* a namesake of another sex is said */
  {
    g_autoptr(TgReport) x = make_report ("2023-01-09T15:30:00-05:00", TG_DATE_PRECISION_EXACT, -15.4997, -70.1333, 300);
    g_autoptr(TgReport) y = make_report ("2023-01-09T15:30:00-05:00", TG_DATE_PRECISION_EXACT, -15.4997, -70.1333, 300);
    g_autoptr(TgDedupeCandidate) d = NULL;

    add_victim (x, "Alex Quispe Mamani", 20, TG_SEX_MALE);
    add_victim (y, "Alex Quispe Mamani", 20, TG_SEX_FEMALE);
    d = tg_dedupe_compare (x, y);
    g_assert_cmpstr (find_reason (d, TG_DEDUPE_FIELD_AGE_SEX)->sentence, ==, "1 namesake of another age or sex");
    g_assert_cmpstr (find_reason (d, TG_DEDUPE_FIELD_VICTIMS)->sentence, ==, "no victim in common");
  }

  /* "Given Surname" matches weigh less than fuller names: namesakes */
  {
    g_autoptr(TgReport) x = make_report (NULL, TG_DATE_PRECISION_DAY, NAN, NAN, 0);
    g_autoptr(TgReport) y = make_report (NULL, TG_DATE_PRECISION_DAY, NAN, NAN, 0);
    g_autoptr(TgReport) z = make_report (NULL, TG_DATE_PRECISION_DAY, NAN, NAN, 0);
    g_autoptr(TgDedupeCandidate) full = NULL;
    g_autoptr(TgDedupeCandidate) shortened = NULL;

    add_victim (x, "Juan Pérez Quispe", -1, TG_SEX_UNKNOWN);
    add_victim (y, "Pérez Quispe, Juan", -1, TG_SEX_UNKNOWN);
    add_victim (z, "Juan Pérez", -1, TG_SEX_UNKNOWN);
    full = tg_dedupe_compare (x, y);
    shortened = tg_dedupe_compare (x, z);
    g_assert_cmpstr (find_reason (shortened, TG_DEDUPE_FIELD_VICTIMS)->sentence, ==, "1 victim in common");
    g_assert_cmpfloat (find_reason (full, TG_DEDUPE_FIELD_VICTIMS)->weight, >,
                       find_reason (shortened, TG_DEDUPE_FIELD_VICTIMS)->weight);
    g_assert_cmpfloat (shortened->score, <, TG_DEDUPE_DEFAULT_THRESHOLD);
    g_assert_cmpfloat (full->score, >=, TG_DEDUPE_DEFAULT_THRESHOLD);
  }
}

static gboolean
has_pair (GPtrArray *found,
          guint      i,
          guint      j)
{
  for (guint k = 0; k < found->len; k++)
    {
      TgDedupeCandidate *c = found->pdata[k];
      if ((c->index_a == i && c->index_b == j) || (c->index_a == j && c->index_b == i))
        return TRUE;
    }
  return FALSE;
}

/* Pairs that share no day × map cell are still found by what they share:
 * a file, a victim's name, a place when the date is missing. And the
 * blocking compares a small part of all pairs. */
static void
test_blocking (void)
{
  DedupeGen *gen = dedupe_gen_new (2000, 200, 99);
  g_autoptr(GPtrArray) reports = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(TgDedupeSet) set = NULL;
  g_autoptr(GError) error = NULL;
  guint base, n;
  TgReport *r;

  for (guint i = 0; i < gen->reports->len; i++)
    g_ptr_array_add (reports, g_object_ref (gen->reports->pdata[i]));
  base = reports->len;

  /* 0, 1: 40 km apart (other cells), same day, same photo and victims */
  r = make_report ("2021-03-02T10:00:00-05:00", TG_DATE_PRECISION_EXACT, -15.50, -70.13, 200);
  add_file (r, SHA_A, "image/jpeg");
  add_victim (r, "Nélida Ccallo Turpo", -1, TG_SEX_UNKNOWN);
  g_ptr_array_add (reports, r);
  r = make_report ("2021-03-02T00:00:00-05:00", TG_DATE_PRECISION_DAY, -15.50 + M_TO_DEG (40000), -70.13, 200);
  add_file (r, SHA_A, "image/jpeg");
  add_victim (r, "Nelida Ccallo", -1, TG_SEX_UNKNOWN);
  g_ptr_array_add (reports, r);

  /* 2, 3: no place on one; the same day and victims */
  r = make_report ("2021-04-05T10:00:00-05:00", TG_DATE_PRECISION_EXACT, -12.05, -77.04, 200);
  add_victim (r, "Salomón Yucra Zea", -1, TG_SEX_UNKNOWN);
  add_victim (r, "Agripina Nina Luque", -1, TG_SEX_UNKNOWN);
  g_ptr_array_add (reports, r);
  r = make_report ("2021-04-05T00:00:00-05:00", TG_DATE_PRECISION_DAY, NAN, NAN, 0);
  add_victim (r, "Yucra Zea, Salomon", -1, TG_SEX_UNKNOWN);
  add_victim (r, "Agripina Nina L.", -1, TG_SEX_UNKNOWN);
  g_ptr_array_add (reports, r);

  /* 4, 5: no date on one; the same place and victims */
  r = make_report ("2021-05-06T10:00:00-05:00", TG_DATE_PRECISION_EXACT, -13.53, -71.97, 300);
  add_victim (r, "Teófilo Sucasaire Anccasi", -1, TG_SEX_UNKNOWN);
  g_ptr_array_add (reports, r);
  r = make_report (NULL, TG_DATE_PRECISION_DAY, -13.53, -71.97 + M_TO_DEG (200), 300);
  add_victim (r, "Teofilo Sucasaire Ancasi", -1, TG_SEX_UNKNOWN);
  add_file (r, SHA_B, "image/jpeg");
  g_ptr_array_add (reports, r);

  /* 6, 7: neither date nor place on one; a victim's name and a file */
  r = make_report ("2021-06-07T10:00:00-05:00", TG_DATE_PRECISION_EXACT, -16.40, -71.53, 300);
  add_victim (r, "Fortunata Bellido Llanos", -1, TG_SEX_UNKNOWN);
  add_victim (r, "Hernán Llanos Bellido", -1, TG_SEX_UNKNOWN);
  g_ptr_array_add (reports, r);
  r = make_report (NULL, TG_DATE_PRECISION_DAY, NAN, NAN, 0);
  add_victim (r, "Fortunata Bellido", -1, TG_SEX_UNKNOWN);
  add_victim (r, "Hernan Llanos B.", -1, TG_SEX_UNKNOWN);
  g_ptr_array_add (reports, r);

  set = tg_dedupe_set_new (reports);
  found = tg_dedupe_set_find (set, TG_DEDUPE_DEFAULT_THRESHOLD, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (has_pair (found, base + 0, base + 1));
  g_assert_true (has_pair (found, base + 2, base + 3));
  g_assert_true (has_pair (found, base + 4, base + 5));
  g_assert_true (has_pair (found, base + 6, base + 7));

  n = reports->len;
  g_test_message ("%" G_GUINT64_FORMAT " pairs compared of %u", tg_dedupe_set_get_n_compared (set), n * (n - 1) / 2);
  g_assert_cmpuint (tg_dedupe_set_get_n_compared (set), <, (guint64) n * (n - 1) / 2 / 20);
  g_assert_cmpuint (tg_dedupe_set_get_n_compared (set), >, 0);

  dedupe_gen_free (gen);
}

/* Reports with nothing to compare: no crash, nothing proposed, an empty
 * explanation. */
static void
test_missing_fields (void)
{
  g_autoptr(GPtrArray) reports = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GPtrArray) none = g_ptr_array_new ();
  g_autoptr(TgDedupeCandidate) c = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 5; i++)
    g_ptr_array_add (reports, tg_report_new ());
  {
    /* a pseudonym, a withheld name, an empty name and a source without hash */
    TgReport *r = reports->pdata[0];
    g_autoptr(TgPerson) p = tg_person_new (TG_PERSON_ROLE_VICTIM);
    g_autoptr(TgSource) s = tg_source_new (TG_SOURCE_KIND_LINK);

    tg_person_set_name (p, "Víctima A-01");
    tg_person_set_is_pseudonym (p, TRUE);
    tg_report_add_person (r, p);
    add_victim (r, "[withheld]", -1, TG_SEX_UNKNOWN);
    add_victim (r, "", -1, TG_SEX_UNKNOWN);
    add_victim (reports->pdata[1], "[withheld]", -1, TG_SEX_UNKNOWN);
    tg_source_set_url (s, "https://example.org/");
    tg_report_add_source (r, s);
  }

  found = tg_dedupe_find (reports, TG_DEDUPE_DEFAULT_THRESHOLD, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 0);
  g_clear_pointer (&found, g_ptr_array_unref);

  c = tg_dedupe_compare (reports->pdata[0], reports->pdata[1]);
  g_assert_cmpuint (c->reasons->len, ==, 0);
  g_assert_cmpfloat (c->score, ==, 0.0);

  /* even a threshold below zero proposes nothing that shares no key */
  found = tg_dedupe_find (reports, -100, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 0);
  g_clear_pointer (&found, g_ptr_array_unref);

  found = tg_dedupe_find (none, TG_DEDUPE_DEFAULT_THRESHOLD, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 0);
}

/* 200 reports of one event: every pair, 19,900 of them. */
static void
test_large_group (void)
{
  g_autoptr(GPtrArray) reports = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GError) error = NULL;
  const char *names[] = { "Juan Pérez Quispe", "juan perez q.", "Pérez Quispe, Juan", "Juan Perez" };

  for (guint i = 0; i < 200; i++)
    {
      TgReport *r = make_report ("2023-01-09T00:00:00-05:00", TG_DATE_PRECISION_DAY,
                                 -15.4671 + M_TO_DEG (i % 7 * 30), -70.1582, 300);
      add_victim (r, names[i % G_N_ELEMENTS (names)], -1, TG_SEX_UNKNOWN);
      if (i % 2 == 0)
        add_file (r, SHA_A, "image/jpeg");
      g_ptr_array_add (reports, r);
    }

  found = tg_dedupe_find (reports, TG_DEDUPE_DEFAULT_THRESHOLD, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 200 * 199 / 2);
  /* both with the photo score higher, and come first */
  {
    TgDedupeCandidate *first = found->pdata[0];
    TgDedupeCandidate *last = found->pdata[found->len - 1];

    g_assert_nonnull (find_reason (first, TG_DEDUPE_FIELD_FILES));
    g_assert_null (find_reason (last, TG_DEDUPE_FIELD_FILES));
  }
}

typedef struct
{
  char *a;
  char *b;
  guint calls;
  gboolean ordered;
} Dismissed;

static gboolean
skip_cb (const char *a,
         const char *b,
         gpointer    user_data)
{
  Dismissed *d = user_data;

  d->calls++;
  d->ordered &= strcmp (a, b) < 0;
  return g_str_equal (a, d->a) && g_str_equal (b, d->b);
}

static void
test_skip (void)
{
  g_autoptr(TgReport) a = NULL;
  g_autoptr(TgReport) b = NULL;
  g_autoptr(TgReport) c = NULL;
  g_autoptr(GPtrArray) reports = g_ptr_array_new ();
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GError) error = NULL;
  Dismissed d = { 0 };

  make_pair (&a, &b);
  c = tg_report_copy (b);
  g_ptr_array_add (reports, a);
  g_ptr_array_add (reports, b);
  g_ptr_array_add (reports, c);
  /* tg_report_copy keeps the id: give the copy its own */
  if (g_str_equal (tg_report_get_id (b), tg_report_get_id (c)))
    {
      g_clear_object (&c);
      c = make_report ("2023-01-09T15:00:00-05:00", TG_DATE_PRECISION_EXACT, -15.4671, -70.1582, 200);
      add_file (c, SHA_A, "image/jpeg");
      add_victim (c, "Juan Perez", -1, TG_SEX_UNKNOWN);
      reports->pdata[2] = c;
    }

  found = tg_dedupe_find (reports, TG_DEDUPE_DEFAULT_THRESHOLD, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 3);
  g_clear_pointer (&found, g_ptr_array_unref);

  d.ordered = TRUE;
  if (strcmp (tg_report_get_id (a), tg_report_get_id (b)) < 0)
    d.a = (char *) tg_report_get_id (a), d.b = (char *) tg_report_get_id (b);
  else
    d.a = (char *) tg_report_get_id (b), d.b = (char *) tg_report_get_id (a);

  found = tg_dedupe_find (reports, TG_DEDUPE_DEFAULT_THRESHOLD, skip_cb, &d, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 2);
  g_assert_false (has_pair (found, 0, 1));
  g_assert_true (has_pair (found, 0, 2));
  g_assert_true (has_pair (found, 1, 2));
  g_assert_cmpuint (d.calls, ==, 3);
  g_assert_true (d.ordered);
}

typedef struct
{
  GPtrArray *found;
  GError    *error;
  gboolean   done;
} AsyncResult;

static void
find_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  AsyncResult *r = user_data;

  r->found = tg_dedupe_find_finish (result, &r->error);
  r->done = TRUE;
}

static void
count_destroy (gpointer data)
{
  g_atomic_int_inc ((int *) data);
}

static gboolean
freed_once (gpointer data)
{
  return g_atomic_int_get ((int *) data) == 1;
}

/* The async find gives what the sync one gives, off the main thread;
 * a cancelled find says so. */
static void
test_async (void)
{
  DedupeGen *gen = dedupe_gen_new (1000, 200, 5);
  g_autoptr(GPtrArray) sync = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AsyncResult r = { 0 };
  int destroyed = 0;

  sync = tg_dedupe_find (gen->reports, TG_DEDUPE_DEFAULT_THRESHOLD, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sync->len, >, 200);

  tg_dedupe_find_async (gen->reports, TG_DEDUPE_DEFAULT_THRESHOLD, NULL, &destroyed, count_destroy,
                        NULL, find_cb, &r);
  tg_test_iterate_until_set (&r.done, 60000, "the async find");
  g_assert_no_error (r.error);
  g_assert_cmpuint (r.found->len, ==, sync->len);
  for (guint i = 0; i < sync->len; i++)
    {
      TgDedupeCandidate *x = sync->pdata[i], *y = r.found->pdata[i];
      g_assert_cmpstr (x->report_a, ==, y->report_a);
      g_assert_cmpstr (x->report_b, ==, y->report_b);
      g_assert_cmpfloat (x->score, ==, y->score);
    }
  g_clear_pointer (&r.found, g_ptr_array_unref);
  /* the skip data is freed once the worker lets go of the task */
  tg_test_iterate_until (freed_once, &destroyed, 60000, "the skip data freed");

  memset (&r, 0, sizeof r);
  g_cancellable_cancel (cancellable);
  tg_dedupe_find_async (gen->reports, TG_DEDUPE_DEFAULT_THRESHOLD, NULL, NULL, NULL, cancellable, find_cb, &r);
  tg_test_iterate_until_set (&r.done, 60000, "the cancelled find");
  g_assert_null (r.found);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&r.error);

  dedupe_gen_free (gen);
}

static gboolean
skip_none (const char *a,
           const char *b,
           gpointer    user_data)
{
  g_atomic_int_inc ((int *) user_data);
  return FALSE;
}

/* A set large enough to be scored in several threads: the candidates are
 * the ones a pair-by-pair comparison gives, once each, best first. */
static void
test_threads (void)
{
  DedupeGen *gen = dedupe_gen_new (4500, 900, 11);
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) error = NULL;
  int calls = 0;
  guint right = 0;

  found = tg_dedupe_find (gen->reports, TG_DEDUPE_DEFAULT_THRESHOLD, skip_none, &calls, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, >, 900);
  g_assert_cmpuint ((guint) calls, ==, found->len);

  for (guint i = 0; i < found->len; i++)
    {
      TgDedupeCandidate *c = found->pdata[i];
      g_autoptr(TgDedupeCandidate) again = tg_dedupe_compare (gen->reports->pdata[c->index_a],
                                                              gen->reports->pdata[c->index_b]);
      char *key = g_strconcat (c->report_a, "/", c->report_b, NULL);

      g_assert_false (g_hash_table_contains (seen, key));
      g_hash_table_add (seen, key);
      g_assert_cmpfloat_with_epsilon (again->score, c->score, 1e-9);
      if (i > 0)
        g_assert_cmpfloat (((TgDedupeCandidate *) found->pdata[i - 1])->score, >=, c->score);
      right += g_array_index (gen->truth, int, c->index_a) == g_array_index (gen->truth, int, c->index_b);
    }
  g_assert_cmpfloat ((double) right / found->len, >=, 0.95);
  g_assert_cmpfloat ((double) right / dedupe_truth_pairs (gen->truth), >=, 0.90);

  dedupe_gen_free (gen);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dedupe/explanation/en", test_explanation_en);
  g_test_add_func ("/dedupe/explanation/disagreement", test_explanation_disagreement);
  g_test_add_func ("/dedupe/explanation/es", test_explanation_es);
  g_test_add_func ("/dedupe/juliaca", test_juliaca);
  g_test_add_func ("/dedupe/hard-negative", test_hard_negative);
  g_test_add_func ("/dedupe/blocking", test_blocking);
  g_test_add_func ("/dedupe/missing-fields", test_missing_fields);
  g_test_add_func ("/dedupe/large-group", test_large_group);
  g_test_add_func ("/dedupe/skip", test_skip);
  g_test_add_func ("/dedupe/async", test_async);
  g_test_add_func ("/dedupe/threads", test_threads);

  return g_test_run ();
}
