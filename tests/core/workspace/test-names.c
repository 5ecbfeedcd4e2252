/* test-names.c — persons' names matched across reports
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "tg-names.h"

#define assert_same_person(a, b) \
  G_STMT_START { \
    double s_ = tg_names_compare ((a), (b)); \
    if (s_ < TG_NAME_MATCH_THRESHOLD) \
      g_error ("“%s” vs “%s”: %.3f, expected ≥ %.2f", (a), (b), s_, TG_NAME_MATCH_THRESHOLD); \
    g_assert_cmpfloat_with_epsilon (s_, tg_names_compare ((b), (a)), 1e-9); \
  } G_STMT_END

#define assert_other_person(a, b) \
  G_STMT_START { \
    double s_ = tg_names_compare ((a), (b)); \
    if (s_ >= 0.5) \
      g_error ("“%s” vs “%s”: %.3f, expected < 0.5", (a), (b), s_); \
    g_assert_cmpfloat_with_epsilon (s_, tg_names_compare ((b), (a)), 1e-9); \
  } G_STMT_END

static void
test_normalize (void)
{
  struct { const char *in, *out; } cases[] = {
    { "Juan Pérez Quispe", "juan perez quispe" },
    { "  JUAN   PÉREZ-QUISPE ", "juan perez quispe" },
    { "Pérez Quispe, Juan", "juan perez quispe" },
    { "juan perez q.", "juan perez q" },
    { "María de la Cruz", "maria cruz" },
    { "Ñuñoa Añez", "nunoa anez" },
    { "D'Angelo", "dangelo" },
    { "", "" },
    { ",", "" },
    { "de la", "de la" },
    { NULL, "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *n = tg_name_normalize (cases[i].in);
      g_assert_cmpstr (n, ==, cases[i].out);
    }
}

static void
test_invalid_utf8 (void)
{
  g_autoptr(TgName) bad = tg_name_new ("Juan \xff\xfe P\xc3");
  g_autoptr(TgName) good = tg_name_new ("Juan Pérez");

  g_assert_cmpuint (tg_name_get_n_tokens (bad), ==, 0);
  g_assert_cmpfloat (tg_name_similarity (bad, good), ==, 0.0);
  g_assert_cmpfloat (tg_names_compare ("", ""), ==, 0.0);
}

static void
test_same_person (void)
{
  const char *juan[] = {
    "Juan Pérez Quispe", "juan perez q.", "Pérez Quispe, Juan",
    "Juan Perez", "JUAN PEREZ QUISPE", "Quispe Juan Pérez", "Juan Pérez Q",
  };

  for (guint i = 0; i < G_N_ELEMENTS (juan); i++)
    for (guint j = 0; j < G_N_ELEMENTS (juan); j++)
      {
        /* two shortened forms do not prove each other ("Juan Perez" and
         * "Juan Pérez Q" may be different second surnames) but each must
         * match the full name */
        if (i != 0 && j != 0)
          continue;
        assert_same_person (juan[i], juan[j]);
      }

  g_assert_cmpfloat (tg_names_compare ("Juan Pérez Quispe", "Pérez Quispe, Juan"), ==, 1.0);
}

/* Spellings seen in lists of the Juliaca victims of 9 January 2023 and in
 * the press: typos, a dropped second surname, accents, b/v, s/z. */
static void
test_juliaca_cases (void)
{
  assert_same_person ("Marco Antonio Samillán Sanga", "Marco Antonio Samillan Sanga");
  assert_same_person ("Marco Antonio Samillán Sanga", "Marco Samillán");
  assert_same_person ("Marco Antonio Samillán Sanga", "Samillan Sanga, Marco Antonio");
  assert_same_person ("Marco Antonio Samillán Sanga", "Marco Antonio Samillan Snaga");
  assert_same_person ("Eberth Mamani Arqui", "Ebert Mamani Arqui");
  assert_same_person ("Eberth Mamani Arqui", "Everth Mamani");
  assert_same_person ("Gabriel Omar López Amanqui", "Gabriel Omar Lopes Amanqui");
  assert_same_person ("Gabriel Omar López Amanqui", "gabriel lopez a.");
  assert_same_person ("Jhamilet Aroquipa Hancco", "Jamilet Aroquipa Hanco");
  assert_same_person ("Yamileth Aroquipa", "Llamileth Aroquipa");
  assert_same_person ("Rodolfo Vásquez Chura", "Rodolfo Basquez Chura");
  assert_same_person ("Rodolfo Vásquez Chura", "Rodolfo Vazquez");
  assert_same_person ("Edgar Huarancca Choque", "Edgar Huaranca Choque");
  assert_same_person ("Reynaldo Ilaquita Cruz", "Reinaldo Ilaquita Cruz");
  assert_same_person ("Reynaldo Ilaquita Cruz", "Ilaquita Cruz, Reynaldo");
  assert_same_person ("Cristian Mamani Mamani", "Christian Mamani Mamani");
}

static void
test_other_person (void)
{
  assert_other_person ("Juan Pérez", "Juana Pérez");
  assert_other_person ("Juan Pérez Quispe", "Juana Pérez Quispe");
  assert_other_person ("Juan Pérez", "José Mamani");
  assert_other_person ("Juan Pérez Quispe", "José Mamani");
  assert_other_person ("Mario Quispe", "María Quispe");
  assert_other_person ("Luis Condori", "Luisa Condori");
  assert_other_person ("Juan Pérez", "Pedro Pérez");
  assert_other_person ("Juan Pérez", "Juan Mamani");
  assert_other_person ("Eberth Mamani Arqui", "Edgar Mamani Arqui");
  assert_other_person ("Juan Pérez", "J. M.");

  /* a lone given name is not enough to call it the same person */
  g_assert_cmpfloat (tg_names_compare ("Juan", "Juan Pérez Quispe"), <, TG_NAME_MATCH_THRESHOLD);
  /* initials alone are not enough either */
  g_assert_cmpfloat (tg_names_compare ("J. P. Q.", "Juan Pérez Quispe"), <, TG_NAME_MATCH_THRESHOLD);
}

static void
test_order_of_scores (void)
{
  double full = tg_names_compare ("Juan Pérez Quispe", "Pérez Quispe, Juan");
  double typo = tg_names_compare ("Juan Pérez Quispe", "Juan Pérez Qiuspe");
  double dropped = tg_names_compare ("Juan Pérez Quispe", "Juan Pérez");
  double other = tg_names_compare ("Juan Pérez Quispe", "Juana Pérez Quispe");

  g_assert_cmpfloat (full, >, typo);
  g_assert_cmpfloat (full, >, dropped);
  g_assert_cmpfloat (typo, >, other);
  g_assert_cmpfloat (dropped, >, other);
  g_assert_cmpfloat (other, >=, 0.0);
  g_assert_cmpfloat (full, <=, 1.0);
}

static void
test_phonetic_key (void)
{
  struct { const char *a, *b; } same[] = {
    { "vasquez", "basques" },
    { "yamileth", "llamilet" },
    { "hancco", "anko" },
    { "cesar", "sesar" },
    { "quispe", "kispe" },
    { "jimenez", "ximenes" },
    { "gerardo", "jerardo" },
    { "huaman", "waman" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (same); i++)
    {
      g_autofree char *a = tg_name_phonetic_key (same[i].a);
      g_autofree char *b = tg_name_phonetic_key (same[i].b);
      g_assert_cmpstr (a, ==, b);
    }

  {
    g_autofree char *a = tg_name_phonetic_key ("perez");
    g_autofree char *b = tg_name_phonetic_key ("mamani");
    g_assert_cmpstr (a, !=, b);
  }
}

static void
test_blocking_keys (void)
{
  g_autoptr(TgName) a = tg_name_new ("Pérez Quispe, Juan");
  g_autoptr(TgName) b = tg_name_new ("juan perez q.");
  g_autoptr(TgName) c = tg_name_new ("J. Q.");
  g_auto(GStrv) ka = tg_name_blocking_keys (a);
  g_auto(GStrv) kb = tg_name_blocking_keys (b);
  g_auto(GStrv) kc = tg_name_blocking_keys (c);
  guint shared = 0;

  g_assert_cmpuint (g_strv_length (ka), ==, 3);
  g_assert_cmpuint (g_strv_length (kb), ==, 2);
  g_assert_cmpuint (g_strv_length (kc), ==, 0);
  for (guint i = 0; kb[i] != NULL; i++)
    if (g_strv_contains ((const char * const *) ka, kb[i]))
      shared++;
  g_assert_cmpuint (shared, ==, 2);
  /* sorted */
  g_assert_cmpint (strcmp (ka[0], ka[1]), <, 0);
  g_assert_cmpint (strcmp (ka[1], ka[2]), <, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/names/normalize", test_normalize);
  g_test_add_func ("/names/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/names/same-person", test_same_person);
  g_test_add_func ("/names/juliaca", test_juliaca_cases);
  g_test_add_func ("/names/other-person", test_other_person);
  g_test_add_func ("/names/order-of-scores", test_order_of_scores);
  g_test_add_func ("/names/phonetic-key", test_phonetic_key);
  g_test_add_func ("/names/blocking-keys", test_blocking_keys);

  return g_test_run ();
}
