/* bench-dedupe-gen.c — generated reports with planted duplicates
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An event (a time, a point, categories, counts, victims, photos) is told
 * by one to four monitors. Each report varies the way reports of one
 * event vary: the date at another precision and shifted within it, the
 * point moved within the report's own uncertainty, a category missing,
 * counts off by one or unknown, victims left out, names with a typo, no
 * accents, the second surname dropped or cut to an initial, "Surname,
 * Given" order; photos shared or not. Hard negatives are other events on
 * the same day in the same town.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "bench-dedupe-gen.h"

typedef struct { const char *name; double lat, lon; } Town;

static const Town towns[] = {
  { "Juliaca", -15.4997, -70.1333 }, { "Puno", -15.8402, -70.0219 },
  { "Lima", -12.0464, -77.0428 }, { "Cusco", -13.5320, -71.9675 },
  { "Arequipa", -16.4090, -71.5375 }, { "Ayacucho", -13.1631, -74.2236 },
  { "Andahuaylas", -13.6556, -73.3872 }, { "Abancay", -13.6339, -72.8814 },
  { "Ica", -14.0678, -75.7286 }, { "Huancayo", -12.0651, -75.2049 },
  { "Piura", -5.1945, -80.6328 }, { "Chiclayo", -6.7714, -79.8409 },
  { "Trujillo", -8.1116, -79.0288 }, { "Cajamarca", -7.1638, -78.5003 },
  { "Tacna", -18.0146, -70.2536 }, { "Moquegua", -17.1956, -70.9353 },
  { "Ilave", -16.0866, -69.6386 }, { "Azángaro", -14.9086, -70.1961 },
  { "Huancavelica", -12.7861, -74.9763 }, { "Pucallpa", -8.3791, -74.5539 },
  { "Iquitos", -3.7437, -73.2516 }, { "Tarapoto", -6.4825, -76.3733 },
  { "Chachapoyas", -6.2317, -77.8690 }, { "Huaraz", -9.5278, -77.5278 },
  { "Cerro de Pasco", -10.6864, -76.2625 }, { "Huánuco", -9.9306, -76.2422 },
  { "Puerto Maldonado", -12.5933, -69.1891 }, { "Tumbes", -3.5669, -80.4515 },
  { "Chimbote", -9.0745, -78.5936 }, { "Sicuani", -14.2694, -71.2261 },
  { "Espinar", -14.7930, -71.4131 }, { "Pichanaki", -10.9244, -74.8713 },
};

static const char *given_m[] = {
  "Juan", "José", "Luis", "Carlos", "Marco", "Rodolfo", "Edgar", "Eberth",
  "Gabriel", "Reynaldo", "Cristian", "Víctor", "Julio", "Mario", "Raúl",
  "Jesús", "Pedro", "Óscar", "Rubén", "Héctor", "Wilber", "Yony", "Elvis",
  "Nelson", "Clemente", "Teófilo", "Alfredo", "Remo", "Salomón", "Hernán",
};
static const char *given_f[] = {
  "María", "Rosa", "Juana", "Jhamilet", "Yamileth", "Ruth", "Lucía",
  "Elizabeth", "Nélida", "Flor", "Gladys", "Marleny", "Sonia", "Luz",
  "Beatriz", "Carmen", "Dina", "Érika", "Yesenia", "Roxana", "Vilma",
  "Paulina", "Isabel", "Noemí", "Fortunata", "Agripina", "Sabina",
  "Olga", "Zenaida", "Celia",
};
static const char *surnames[] = {
  "Mamani", "Quispe", "Condori", "Huamán", "Flores", "Pérez", "García",
  "Rodríguez", "Sánchez", "Ramos", "Chura", "Apaza", "Choque", "Cruz",
  "Vásquez", "Gutiérrez", "Torres", "Rojas", "Ccama", "Huanca", "Ticona",
  "Cutipa", "Calla", "Coaquira", "Pari", "Yupanqui", "Arce", "Zapata",
  "Gonzales", "Castillo", "Chávez", "Mendoza", "Espinoza", "Vargas",
  "Salazar", "Cárdenas", "Alarcón", "Herrera", "Aroquipa", "Hancco",
  "Samillán", "Sanga", "López", "Amanqui", "Ilaquita", "Huarancca",
  "Limachi", "Luque", "Pinto", "Velásquez", "Ccallo", "Turpo", "Nina",
  "Paucar", "Sucasaire", "Anccasi", "Llanos", "Yucra", "Zea", "Bellido",
};
static const char *categories[] = {
  "killing", "excessive-force", "arbitrary-detention", "torture",
  "forced-disappearance", "threat", "property-damage", "sexual-violence",
  "attack-on-press", "displacement",
};

typedef struct
{
  char  *given;       /* one or two words */
  char  *surname1;
  char  *surname2;
  int    age;
  TgSex  sex;
} Person;

typedef struct
{
  gint64   time;      /* unix seconds */
  double   lat, lon;
  guint    town;
  guint    cats[2];
  guint    n_cats;
  int      counts[4];
  Person   victims[5];
  guint    n_victims;
  char    *photos[3];
  guint    n_photos;
} Event;

static double
uniform (GRand *r)
{
  return g_rand_double (r);
}

static gboolean
chance (GRand  *r,
        double  p)
{
  return g_rand_double (r) < p;
}

static guint
pick (GRand *r,
      guint  n)
{
  return (guint) g_rand_int_range (r, 0, (gint32) n);
}

static char *
random_sha (GRand *r)
{
  GString *s = g_string_sized_new (64);

  for (guint i = 0; i < 8; i++)
    g_string_append_printf (s, "%08x", g_rand_int (r));
  return g_string_free (s, FALSE);
}

static void
person_init (Person *p,
             GRand  *r)
{
  p->sex = chance (r, 0.7) ? TG_SEX_MALE : TG_SEX_FEMALE;
  {
    const char **pool = p->sex == TG_SEX_MALE ? given_m : given_f;
    guint n = p->sex == TG_SEX_MALE ? G_N_ELEMENTS (given_m) : G_N_ELEMENTS (given_f);
    guint a = pick (r, n), b = pick (r, n);

    p->given = chance (r, 0.3) && a != b ? g_strdup_printf ("%s %s", pool[a], pool[b])
                                        : g_strdup (pool[a]);
  }
  p->surname1 = g_strdup (surnames[pick (r, G_N_ELEMENTS (surnames))]);
  p->surname2 = g_strdup (surnames[pick (r, G_N_ELEMENTS (surnames))]);
  p->age = 15 + (int) pick (r, 55);
}

static void
person_clear (Person *p)
{
  g_free (p->given);
  g_free (p->surname1);
  g_free (p->surname2);
}

static void
event_init (Event *e,
            GRand *r,
            guint  town,
            gint64 day_start)
{
  double a = uniform (r) * 2 * G_PI, d = sqrt (uniform (r)) * 3000.0;

  memset (e, 0, sizeof *e);
  e->town = town;
  e->lat = towns[town].lat + d * cos (a) / 111320.0;
  e->lon = towns[town].lon + d * sin (a) / (111320.0 * cos (towns[town].lat * G_PI / 180));
  /* local time (UTC−5) between 06:00 and 22:00 */
  e->time = day_start + 5 * 3600 + 6 * 3600 + pick (r, 16 * 3600);
  e->n_cats = chance (r, 0.3) ? 2 : 1;
  e->cats[0] = pick (r, G_N_ELEMENTS (categories));
  e->cats[1] = (e->cats[0] + 1 + pick (r, G_N_ELEMENTS (categories) - 1)) % G_N_ELEMENTS (categories);
  e->counts[0] = chance (r, 0.5) ? (int) pick (r, 20) : 0;
  e->counts[1] = chance (r, 0.6) ? (int) pick (r, 60) : 0;
  e->counts[2] = chance (r, 0.3) ? (int) pick (r, 30) : 0;
  e->counts[3] = chance (r, 0.1) ? (int) pick (r, 4) : 0;
  e->n_victims = chance (r, 0.85) ? 1 + pick (r, 5) : 0;
  for (guint i = 0; i < e->n_victims; i++)
    person_init (&e->victims[i], r);
  e->n_photos = chance (r, 0.45) ? 1 + pick (r, 3) : 0;
  for (guint i = 0; i < e->n_photos; i++)
    e->photos[i] = random_sha (r);
}

static void
event_clear (Event *e)
{
  for (guint i = 0; i < e->n_victims; i++)
    person_clear (&e->victims[i]);
  for (guint i = 0; i < e->n_photos; i++)
    g_free (e->photos[i]);
}

static char *
strip_accents (const char *s)
{
  g_autofree char *nfd = g_utf8_normalize (s, -1, G_NORMALIZE_NFD);
  GString *out = g_string_new (NULL);

  for (const char *p = nfd; *p; p = g_utf8_next_char (p))
    if (!g_unichar_ismark (g_utf8_get_char (p)))
      g_string_append_unichar (out, g_utf8_get_char (p));
  return g_string_free (out, FALSE);
}

/* One typo in a word of five letters or more, never at its last letter
 * (that would make Juan of Juana): a swap, a letter lost, or a spelling
 * that sounds the same. */
static char *
typo (GRand      *r,
      const char *word)
{
  g_autofree char *ascii = strip_accents (word);
  char *w = g_ascii_strdown (ascii, -1);
  size_t n = strlen (w);
  size_t i;

  if (n < 5)
    return w;
  i = 1 + pick (r, (guint) (n - 3));   /* 1 … n-3 */
  switch (pick (r, 4))
    {
    case 0:                             /* swap */
      {
        char t = w[i];
        w[i] = w[i + 1];
        w[i + 1] = t;
      }
      break;
    case 1:                             /* a letter lost */
      memmove (w + i, w + i + 1, n - i);
      break;
    case 2:                             /* sounds the same */
      for (size_t k = 0; k < n; k++)
        {
          char *m = strchr ("vbszyi", w[k]);
          if (m != NULL)
            {
              static const char to[] = "bvzsiy";
              w[k] = to[m - "vbszyi"];
              break;
            }
        }
      break;
    default:                            /* a letter doubled */
      {
        char *longer = g_strdup_printf ("%.*s%c%s", (int) i, w, w[i], w + i);
        g_free (w);
        w = longer;
      }
      break;
    }
  w[0] = g_ascii_toupper (w[0]);
  return w;
}

static char *
vary_name (GRand        *r,
           const Person *p)
{
  g_autofree char *given = g_strdup (p->given);
  g_autofree char *s1 = g_strdup (p->surname1);
  g_autofree char *s2 = g_strdup (p->surname2);
  g_autofree char *name = NULL;
  double how = uniform (r);

  if (strchr (given, ' ') && chance (r, 0.3))
    *strchr (given, ' ') = '\0';           /* second given name left out */

  if (how < 0.25)
    g_clear_pointer (&s2, g_free);          /* second surname left out */
  else if (how < 0.40)
    {
      char *initial = g_strdup_printf ("%.1s.", s2);
      g_free (s2);
      s2 = initial;
    }

  if (chance (r, 0.2))
    {
      char **word = chance (r, 0.5) ? &s1 : &given;
      char *t = typo (r, *word);
      g_free (*word);
      *word = t;
    }

  if (chance (r, 0.2))
    name = g_strdup_printf ("%s%s%s, %s", s1, s2 ? " " : "", s2 ? s2 : "", given);
  else
    name = g_strdup_printf ("%s %s%s%s", given, s1, s2 ? " " : "", s2 ? s2 : "");

  if (chance (r, 0.3))
    {
      char *t = strip_accents (name);
      g_free (name);
      name = t;
    }
  if (chance (r, 0.1))
    {
      char *t = g_utf8_strup (name, -1);
      g_free (name);
      name = t;
    }
  return g_steal_pointer (&name);
}

static int
vary_count (GRand *r,
            int    count)
{
  if (chance (r, 0.15))
    return -1;
  if (count > 0 && chance (r, 0.2))
    return MAX (0, count + (chance (r, 0.5) ? 1 : -1));
  return count;
}

static TgReport *
report_of (GRand       *r,
           const Event *e,
           gboolean     allow_missing)
{
  TgReport *report = tg_report_new ();
  g_autoptr(GTimeZone) tz = g_time_zone_new_offset (-5 * 3600);
  double p = uniform (r);
  TgDatePrecision precision;
  gint64 t = e->time;
  const char *cats[3] = { NULL, NULL, NULL };
  guint n_mentioned = 0;

  /* When */
  if (!allow_missing || chance (r, 0.97))
    {
      g_autoptr(GDateTime) utc = NULL;
      g_autoptr(GDateTime) local = NULL;

      if (p < 0.40)
        {
          precision = TG_DATE_PRECISION_EXACT;
          t += (gint64) ((uniform (r) * 2 - 1) * 100 * 60);
        }
      else if (p < 0.75)
        precision = TG_DATE_PRECISION_DAY;
      else if (p < 0.85)
        precision = TG_DATE_PRECISION_MONTH;
      else
        {
          precision = TG_DATE_PRECISION_APPROXIMATE;
          t += (gint64) ((uniform (r) * 2 - 1) * 3 * 86400);
        }
      utc = g_date_time_new_from_unix_utc (t);
      local = g_date_time_to_timezone (utc, tz);
      if (precision == TG_DATE_PRECISION_DAY || precision == TG_DATE_PRECISION_MONTH)
        {
          /* the day (or a day of the month) entered at midnight */
          int day = precision == TG_DATE_PRECISION_MONTH ? 1 : g_date_time_get_day_of_month (local);
          g_autoptr(GDateTime) dated = g_date_time_new (tz, g_date_time_get_year (local),
                                                        g_date_time_get_month (local), day, 0, 0, 0);
          tg_report_set_start (report, dated);
        }
      else
        tg_report_set_start (report, local);
      tg_report_set_date_precision (report, precision);
    }

  /* Where: within the report's own uncertainty of the event */
  if (!allow_missing || chance (r, 0.95))
    {
      double u = uniform (r);
      double radius = u < 0.5 ? 100 + uniform (r) * 400 :
                      u < 0.85 ? 500 + uniform (r) * 1500 : 2000 + uniform (r) * 8000;
      double a = uniform (r) * 2 * G_PI, d = sqrt (uniform (r)) * radius;

      tg_report_set_location (report,
                              e->lat + d * cos (a) / 111320.0,
                              e->lon + d * sin (a) / (111320.0 * cos (e->lat * G_PI / 180)),
                              TG_LOCATION_METHOD_MAP);
      tg_report_set_uncertainty (report, round (radius));
      tg_report_set_place_name (report, towns[e->town].name);
    }

  /* What */
  p = uniform (r);
  if (p < 0.75 || e->n_cats == 1)
    {
      cats[0] = categories[e->cats[0]];
      cats[1] = e->n_cats > 1 ? categories[e->cats[1]] : NULL;
      if (e->n_cats == 1 && p > 0.9)
        cats[1] = categories[(e->cats[0] + 1) % G_N_ELEMENTS (categories)];
    }
  else
    cats[0] = categories[e->cats[pick (r, e->n_cats)]];
  tg_report_set_categories (report, cats);
  tg_report_set_title (report, towns[e->town].name);

  tg_report_set_killed (report, vary_count (r, e->counts[0]));
  tg_report_set_injured (report, vary_count (r, e->counts[1]));
  tg_report_set_detained (report, vary_count (r, e->counts[2]));
  tg_report_set_disappeared (report, vary_count (r, e->counts[3]));

  /* Who */
  for (guint i = 0; i < e->n_victims; i++)
    {
      g_autoptr(TgPerson) person = NULL;
      g_autofree char *name = NULL;

      if (!chance (r, 0.75) && !(i == e->n_victims - 1 && n_mentioned == 0 && chance (r, 0.85)))
        continue;
      person = tg_person_new (TG_PERSON_ROLE_VICTIM);
      name = vary_name (r, &e->victims[i]);
      tg_person_set_name (person, name);
      if (chance (r, 0.5))
        {
          int age = e->victims[i].age + (chance (r, 0.3) ? (chance (r, 0.5) ? 1 : -1) : 0);
          tg_person_set_age_range (person, age, age);
        }
      if (chance (r, 0.7))
        tg_person_set_sex (person, e->victims[i].sex);
      tg_report_add_person (report, person);
      n_mentioned++;
    }

  /* Photos: some of the event's, some of one's own */
  for (guint i = 0; i < e->n_photos; i++)
    if (chance (r, 0.5))
      {
        g_autoptr(TgSource) source = tg_source_new (TG_SOURCE_KIND_FILE);
        tg_source_set_sha256 (source, e->photos[i]);
        tg_source_set_mime_type (source, "image/jpeg");
        tg_source_set_file_name (source, "foto.jpg");
        tg_source_set_size (source, 1000 + pick (r, 100000));
        tg_report_add_source (report, source);
      }
  for (guint i = pick (r, 3); i > 0; i--)
    {
      g_autoptr(TgSource) source = tg_source_new (TG_SOURCE_KIND_FILE);
      g_autofree char *sha = random_sha (r);
      tg_source_set_sha256 (source, sha);
      tg_source_set_mime_type (source, chance (r, 0.8) ? "image/jpeg" : "video/mp4");
      tg_source_set_file_name (source, "archivo");
      tg_source_set_size (source, 1000 + pick (r, 100000));
      tg_report_add_source (report, source);
    }

  return report;
}

static void
add_event (DedupeGen *gen,
           GRand     *r,
           Event     *e,
           guint      n,
           int        truth)
{
  for (guint i = 0; i < n; i++)
    {
      g_ptr_array_add (gen->reports, report_of (r, e, TRUE));
      g_array_append_val (gen->truth, truth);
    }
}

/* 2022-01-01 to 2024-12-31, days from the epoch */
#define FIRST_DAY 18993
#define N_DAYS    1096

DedupeGen *
dedupe_gen_new (guint   n_reports,
                guint   n_groups,
                guint32 seed)
{
  DedupeGen *gen = g_new0 (DedupeGen, 1);
  g_autoptr(GRand) r = g_rand_new_with_seed (seed);
  int truth = 0;

  gen->reports = g_ptr_array_new_with_free_func (g_object_unref);
  gen->truth = g_array_new (FALSE, FALSE, sizeof (int));

  for (guint g = 0; g < n_groups; g++)
    {
      Event e;
      guint town = pick (r, G_N_ELEMENTS (towns));
      gint64 day = (gint64) (FIRST_DAY + pick (r, N_DAYS)) * 86400;
      double s = uniform (r);

      event_init (&e, r, town, day);
      add_event (gen, r, &e, s < 0.5 ? 2 : s < 0.8 ? 3 : 4, truth++);
      gen->n_groups++;
      event_clear (&e);

      /* hard negatives: another event that day in that town */
      if (g % 2 == 0)
        for (guint k = 1 + pick (r, 2); k > 0; k--)
          {
            Event other;

            event_init (&other, r, town, day);
            add_event (gen, r, &other, 1, truth++);
            gen->n_hard++;
            event_clear (&other);
          }
    }

  while (gen->reports->len < n_reports)
    {
      Event e;

      event_init (&e, r, pick (r, G_N_ELEMENTS (towns)), (gint64) (FIRST_DAY + pick (r, N_DAYS)) * 86400);
      add_event (gen, r, &e, 1, truth++);
      event_clear (&e);
    }

  return gen;
}

void
dedupe_gen_free (DedupeGen *gen)
{
  if (gen == NULL)
    return;
  g_ptr_array_unref (gen->reports);
  g_array_unref (gen->truth);
  g_free (gen);
}

guint64
dedupe_truth_pairs (GArray *truth)
{
  g_autoptr(GHashTable) sizes = g_hash_table_new (NULL, NULL);
  GHashTableIter iter;
  gpointer value;
  guint64 pairs = 0;

  for (guint i = 0; i < truth->len; i++)
    {
      gpointer key = GINT_TO_POINTER (g_array_index (truth, int, i) + 1);
      g_hash_table_insert (sizes, key, GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (sizes, key)) + 1));
    }
  g_hash_table_iter_init (&iter, sizes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      guint64 n = GPOINTER_TO_UINT (value);
      pairs += n * (n - 1) / 2;
    }
  return pairs;
}
