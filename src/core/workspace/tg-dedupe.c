/* tg-dedupe.c — reports that may describe the same event
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Three steps. Features: each report becomes a Feature (a time interval
 * widened by its date precision, a point with a radius, categories as
 * bits, counts, victims' names prepared for tg-names, the first 64 bits
 * of each file's SHA-256). Blocking: every report emits keys; reports
 * sharing a key are compared. Some keys are "probes" only for reports
 * lacking a field: a report with no date is compared with every report
 * in its map cells, one with no place with every report of its day.
 * Scoring: a weight per field (see the WEIGHT_ constants), summed.
 */
#define G_LOG_DOMAIN "tg-dedupe"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tg-dedupe.h"
#include "tg-names.h"

/* ---- Weights (log2 likelihood ratios, rounded) ------------------------- */

#define W_TIME_SAME_TIME      3.0   /* both exact, within 4 hours */
#define W_TIME_SAME_DAY       2.5
#define W_TIME_SAME_WEEK      1.0
#define W_TIME_SAME_MONTH     0.5
#define W_TIME_DAY_APART     -1.5   /* less than a day between the windows */
#define W_TIME_WEEK_APART    -4.0
#define W_TIME_FAR_APART     -8.0

#define W_PLACE_NEAR_EXACT    4.0   /* within both radii, radii ≤ 1 km */
#define W_PLACE_NEAR          3.0   /* within both radii, radii ≤ 3 km */
#define W_PLACE_NEAR_VAGUE    2.0   /* within radii up to 15 km */
#define W_PLACE_NEAR_WIDE     1.0
#define W_PLACE_BEYOND       -3.0   /* 3 to 10 times the radii */
#define W_PLACE_FAR          -6.0

#define W_CATEGORY_SAME       2.0
#define W_CATEGORY_SHARED     1.0
#define W_CATEGORY_DIFFERENT -1.5

#define W_VICTIM_FIRST        6.0
#define W_VICTIM_MORE         2.0
#define W_VICTIM_MAX         12.0
#define W_VICTIM_NONE        -3.0
#define W_VICTIM_SHORT_LESS   1.5   /* only "Given Surname" names matched:
                                     * namesakes are common */   /* both name victims, none in common */

#define W_AGE_SEX_AGREE       0.5   /* per matched victim, up to 1.5 */
#define W_AGE_SEX_MAX         1.5
#define W_AGE_SEX_CONFLICT   -2.0   /* same name, other sex or age */

#define W_COUNT_KILLED_SAME   1.5   /* the same number of dead, 2 or more */
#define W_COUNT_SAME          1.0   /* the same other count, 2 or more */
#define W_COUNT_SAME_ONE      0.5   /* both say 1 */
#define W_COUNT_CLOSE         0.5   /* within a fifth, or one apart */
#define W_COUNT_DIFFERENT    -1.5
#define W_COUNT_MIN          -4.0
#define W_COUNT_MAX           4.0

#define W_FILE_FIRST         15.0   /* the same SHA-256: near proof */
#define W_FILE_MORE           1.0

#define MAX_THREADS       4
#define MIN_PER_THREAD    2000

static guint
n_threads_for (guint64 work)
{
  guint n = CLAMP (g_get_num_processors (), 1, MAX_THREADS);

  return (guint) CLAMP (work / MIN_PER_THREAD, 1, n);
}

/* ---- Blocking ---------------------------------------------------------- */

#define DEFAULT_RADIUS_M      250.0
#define CELL_DEG              0.05     /* ≈ 5.5 km */
#define MAX_CELL_RADIUS_M     8000.0
#define NARROW_S              (3 * 86400)
#define BUCKET_DAYS           31
#define NAME_WINDOW_S         (3 * 86400)
#define NAME_BUCKET_DAYS      7        /* dates here are after 1970 */
#define MAX_BLOCK             600      /* a key shared by more is too common */
#define MAX_PROBE_PAIRS       200000

#define MAX_VICTIMS           16
#define MAX_FILES             32

enum {
  KEY_DAY_CELL = 1,
  KEY_BUCKET_CELL,
  KEY_CELL,
  KEY_DAY,
  KEY_FILE,
  KEY_NAME_BUCKET,
  KEY_NAME,
};

typedef struct
{
  TgName  *name;
  guint64  bloom;      /* bits of the words' first three sounds */
  int      age_min;
  int      age_max;
  TgSex    sex;
} Victim;

typedef struct
{
  char            *id;
  gint64           t_lo;       /* unix seconds, the window the event fits */
  gint64           t_hi;
  double           lat;        /* degrees */
  double           lon;
  double           radius;     /* metres */
  guint64          categories; /* bits */
  guint64          victims_bloom; /* all the victims' Victim.bloom */
  int              counts[4];  /* killed, injured, detained, disappeared */
  Victim          *victims;
  guint64         *files;      /* first 64 bits of each SHA-256 */
  guint8          *file_is_image;
  guint8           n_victims;
  guint8           n_files;
  guint8           precision;
  guint            has_time : 1;
  guint            has_place : 1;
} Feature;

struct _TgDedupeSet
{
  Feature  *features;
  guint     n;
  guint64   n_compared;
};

typedef struct
{
  guint64 key;
  guint32 index;
  guint32 probe;
} Entry;

/* Enough of a pair's comparison to write the sentences. */
typedef struct
{
  double  w[TG_DEDUPE_N_FIELDS];
  guint   have[TG_DEDUPE_N_FIELDS];
  int     time_kind;        /* 0 time, 1 day, 2 week, 3 month, 4 apart */
  gint64  gap_s;
  double  distance_m;
  int     category_kind;    /* 0 same, 1 shared, 2 different */
  guint   victims_matched;
  guint   age_sex_agree;
  guint   age_sex_conflict;
  int     count_kind;       /* 0 same, 1 close, 2 different */
  guint   files_shared;
  gboolean files_all_images;
} Comparison;

/* ---- Helpers ----------------------------------------------------------- */

static guint64
mix64 (guint64 x)
{
  /* splitmix64's finaliser */
  x ^= x >> 30;
  x *= G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  x ^= x >> 27;
  x *= G_GUINT64_CONSTANT (0x94d049bb133111eb);
  x ^= x >> 31;
  return x;
}

static guint64
key_of (guint64 kind,
        guint64 a,
        guint64 b,
        guint64 c)
{
  return mix64 (mix64 (mix64 (kind * 0x9e3779b97f4a7c15ULL ^ a) ^ b) ^ c);
}

static guint64
hash_string64 (const char *s)
{
  guint64 h = 0xcbf29ce484222325ULL;   /* FNV-1a */

  for (; *s != '\0'; s++)
    {
      h ^= (guchar) *s;
      h *= 0x100000001b3ULL;
    }
  return h;
}

static gboolean
parse_sha64 (const char *hex,
             guint64    *out)
{
  guint64 v = 0;

  if (hex == NULL || strlen (hex) < 16)
    return FALSE;
  for (guint i = 0; i < 16; i++)
    {
      int d = g_ascii_xdigit_value (hex[i]);

      if (d < 0)
        return FALSE;
      v = (v << 4) | (guint64) d;
    }
  *out = v;
  return TRUE;
}

static gint64
seconds_into_day (GDateTime *dt)
{
  return g_date_time_get_hour (dt) * 3600 + g_date_time_get_minute (dt) * 60 +
         g_date_time_get_second (dt);
}

/* The window [lo, hi) in which the event happened, by precision. */
static void
time_window (GDateTime       *start,
             GDateTime       *end,
             TgDatePrecision  precision,
             gint64          *lo,
             gint64          *hi)
{
  GDateTime *last = end != NULL ? end : start;
  gint64 s = g_date_time_to_unix (start);
  gint64 e = g_date_time_to_unix (last);

  if (e < s)
    e = s;

  switch (precision)
    {
    case TG_DATE_PRECISION_EXACT:
      *lo = s - 2 * 3600;
      *hi = e + 2 * 3600;
      break;
    case TG_DATE_PRECISION_DAY:
      *lo = s - seconds_into_day (start);
      *hi = MAX (e - seconds_into_day (last) + 86400, *lo + 86400);
      break;
    case TG_DATE_PRECISION_MONTH:
      {
        int y = g_date_time_get_year (last);
        int m = g_date_time_get_month (last);

        *lo = s - seconds_into_day (start) - (gint64) (g_date_time_get_day_of_month (start) - 1) * 86400;
        *hi = e - seconds_into_day (last) -
              (gint64) (g_date_time_get_day_of_month (last) - 1) * 86400 +
              (gint64) g_date_get_days_in_month ((GDateMonth) m, (GDateYear) y) * 86400;
      }
      break;
    case TG_DATE_PRECISION_APPROXIMATE:
    default:
      *lo = s - 3 * 86400;
      *hi = e + 3 * 86400;
      break;
    }
}

static double
distance_m (double lat1,
            double lon1,
            double lat2,
            double lon2)
{
  const double r = 6371008.8;
  double p1 = lat1 * G_PI / 180.0, p2 = lat2 * G_PI / 180.0;
  double dp = p2 - p1, dl = (lon2 - lon1) * G_PI / 180.0;
  double h = sin (dp / 2) * sin (dp / 2) + cos (p1) * cos (p2) * sin (dl / 2) * sin (dl / 2);

  return 2 * r * asin (MIN (1.0, sqrt (h)));
}

static gboolean
is_usable_name (TgPerson *person)
{
  const char *name = tg_person_get_name (person);

  return tg_person_get_role (person) == TG_PERSON_ROLE_VICTIM &&
         !tg_person_get_is_pseudonym (person) &&
         name != NULL && *name != '\0' && strcmp (name, "[withheld]") != 0;
}

static void
extract_categories (Feature    *f,
                    TgReport   *report,
                    GHashTable *category_bits)
{
  const char * const *categories = tg_report_get_categories (report);

  for (guint i = 0; categories != NULL && categories[i] != NULL; i++)
    {
      gpointer bit;

      if (!g_hash_table_lookup_extended (category_bits, categories[i], NULL, &bit))
        {
          bit = GUINT_TO_POINTER (MIN (g_hash_table_size (category_bits), 63));
          g_hash_table_insert (category_bits, g_strdup (categories[i]), bit);
        }
      f->categories |= G_GUINT64_CONSTANT (1) << GPOINTER_TO_UINT (bit);
    }
}

static void
extract (Feature  *f,
         TgReport *report)
{
  GDateTime *start = tg_report_get_start (report);
  GListModel *persons = tg_report_get_persons (report);
  GListModel *sources = tg_report_get_sources (report);
  guint n_persons = g_list_model_get_n_items (persons);
  guint n_sources = g_list_model_get_n_items (sources);

  f->id = g_strdup (tg_report_get_id (report));
  f->precision = tg_report_get_date_precision (report);
  if (start != NULL)
    {
      f->has_time = TRUE;
      time_window (start, tg_report_get_end (report), f->precision, &f->t_lo, &f->t_hi);
    }

  if (tg_report_has_location (report) &&
      isfinite (tg_report_get_latitude (report)) && isfinite (tg_report_get_longitude (report)))
    {
      double u = tg_report_get_uncertainty (report);

      f->has_place = TRUE;
      f->lat = tg_report_get_latitude (report);
      f->lon = tg_report_get_longitude (report);
      f->radius = u > 0 && isfinite (u) ? u : DEFAULT_RADIUS_M;
    }

  f->counts[0] = tg_report_get_killed (report);
  f->counts[1] = tg_report_get_injured (report);
  f->counts[2] = tg_report_get_detained (report);
  f->counts[3] = tg_report_get_disappeared (report);

  for (guint i = 0; i < n_persons && f->n_victims < MAX_VICTIMS; i++)
    {
      g_autoptr(TgPerson) person = g_list_model_get_item (persons, i);
      Victim *v;
      TgName *name;

      if (!is_usable_name (person))
        continue;
      name = tg_name_new (tg_person_get_name (person));
      if (tg_name_get_n_tokens (name) == 0)
        {
          tg_name_free (name);
          continue;
        }
      if (f->victims == NULL)
        f->victims = g_new0 (Victim, MIN (n_persons, MAX_VICTIMS));
      v = &f->victims[f->n_victims++];
      v->name = name;
      v->age_min = tg_person_get_age_min (person);
      v->age_max = MAX (tg_person_get_age_max (person), v->age_min);
      v->sex = tg_person_get_sex (person);
      {
        const char * const *tokens = tg_name_get_tokens (name);

        for (guint t = 0; tokens[t] != NULL; t++)
          {
            g_autofree char *key = NULL;

            /* the first three sounds of each word: a typo in them is
             * rare, and two names match only when words do */
            if (strlen (tokens[t]) < 2)
              continue;
            key = tg_name_phonetic_key (tokens[t]);
            {
              g_autofree char *prefix = g_utf8_substring (key, 0, MIN (3, g_utf8_strlen (key, -1)));

              v->bloom |= G_GUINT64_CONSTANT (1) << (hash_string64 (prefix) & 63);
            }
            f->victims_bloom |= v->bloom;
          }
      }
    }

  for (guint i = 0; i < n_sources && f->n_files < MAX_FILES; i++)
    {
      g_autoptr(TgSource) source = g_list_model_get_item (sources, i);
      const char *mime = tg_source_get_mime_type (source);
      guint64 h;
      gboolean seen = FALSE;

      if (!parse_sha64 (tg_source_get_sha256 (source), &h))
        continue;
      for (guint k = 0; k < f->n_files; k++)
        seen |= f->files[k] == h;
      if (seen)
        continue;
      if (f->files == NULL)
        {
          f->files = g_new0 (guint64, MIN (n_sources, MAX_FILES));
          f->file_is_image = g_new0 (guint8, MIN (n_sources, MAX_FILES));
        }
      f->file_is_image[f->n_files] = mime != NULL && g_str_has_prefix (mime, "image/");
      f->files[f->n_files++] = h;
    }
}

static void
feature_clear (Feature *f)
{
  for (guint i = 0; i < f->n_victims; i++)
    tg_name_free (f->victims[i].name);
  g_free (f->victims);
  g_free (f->files);
  g_free (f->file_is_image);
  g_free (f->id);
}

/* ---- Scoring ----------------------------------------------------------- */

static void
score_time (const Feature *a,
            const Feature *b,
            Comparison    *c)
{
  gint64 gap, wa, wb, wmax;

  if (!a->has_time || !b->has_time)
    return;
  c->have[TG_DEDUPE_FIELD_TIME] = 1;

  gap = MAX (a->t_lo, b->t_lo) - MIN (a->t_hi, b->t_hi);
  wa = a->t_hi - a->t_lo;
  wb = b->t_hi - b->t_lo;
  wmax = MAX (wa, wb);

  if (gap <= 0)
    {
      c->gap_s = 0;
      if (a->precision == TG_DATE_PRECISION_EXACT && b->precision == TG_DATE_PRECISION_EXACT)
        c->time_kind = 0, c->w[TG_DEDUPE_FIELD_TIME] = W_TIME_SAME_TIME;
      else if (wmax <= 26 * 3600 + 4 * 3600)
        c->time_kind = 1, c->w[TG_DEDUPE_FIELD_TIME] = W_TIME_SAME_DAY;
      else if (wmax <= 8 * 86400)
        c->time_kind = 2, c->w[TG_DEDUPE_FIELD_TIME] = W_TIME_SAME_WEEK;
      else
        c->time_kind = 3, c->w[TG_DEDUPE_FIELD_TIME] = W_TIME_SAME_MONTH;
    }
  else
    {
      c->time_kind = 4;
      c->gap_s = gap;
      if (gap <= 86400)
        c->w[TG_DEDUPE_FIELD_TIME] = W_TIME_DAY_APART;
      else if (gap <= 7 * 86400)
        c->w[TG_DEDUPE_FIELD_TIME] = W_TIME_WEEK_APART;
      else
        c->w[TG_DEDUPE_FIELD_TIME] = W_TIME_FAR_APART;
    }
}

static void
score_place (const Feature *a,
             const Feature *b,
             Comparison    *c)
{
  double tolerance, d;

  if (!a->has_place || !b->has_place)
    return;
  c->have[TG_DEDUPE_FIELD_PLACE] = 1;

  tolerance = a->radius + b->radius + 100.0;
  d = distance_m (a->lat, a->lon, b->lat, b->lon);
  c->distance_m = d;

  if (d <= tolerance)
    c->w[TG_DEDUPE_FIELD_PLACE] = tolerance <= 1000 ? W_PLACE_NEAR_EXACT :
                                  tolerance <= 3000 ? W_PLACE_NEAR :
                                  tolerance <= 15000 ? W_PLACE_NEAR_VAGUE : W_PLACE_NEAR_WIDE;
  else if (d <= 3 * tolerance)
    c->w[TG_DEDUPE_FIELD_PLACE] = 0.0;
  else if (d <= 10 * tolerance)
    c->w[TG_DEDUPE_FIELD_PLACE] = W_PLACE_BEYOND;
  else
    c->w[TG_DEDUPE_FIELD_PLACE] = W_PLACE_FAR;
}

static void
score_categories (const Feature *a,
                  const Feature *b,
                  Comparison    *c)
{
  if (a->categories == 0 || b->categories == 0)
    return;
  c->have[TG_DEDUPE_FIELD_CATEGORY] = 1;

  if (a->categories == b->categories)
    c->category_kind = 0, c->w[TG_DEDUPE_FIELD_CATEGORY] = W_CATEGORY_SAME;
  else if (a->categories & b->categories)
    c->category_kind = 1, c->w[TG_DEDUPE_FIELD_CATEGORY] = W_CATEGORY_SHARED;
  else
    c->category_kind = 2, c->w[TG_DEDUPE_FIELD_CATEGORY] = W_CATEGORY_DIFFERENT;
}

static gboolean
ages_conflict (const Victim *x,
               const Victim *y)
{
  if (x->age_min < 0 || y->age_min < 0)
    return FALSE;
  /* two years either way: ages are often guessed */
  return x->age_max + 2 < y->age_min || y->age_max + 2 < x->age_min;
}

static gboolean
ages_known (const Victim *x,
            const Victim *y)
{
  return x->age_min >= 0 && y->age_min >= 0;
}

static gboolean
sexes_conflict (const Victim *x,
                const Victim *y)
{
  return x->sex != TG_SEX_UNKNOWN && y->sex != TG_SEX_UNKNOWN && x->sex != y->sex;
}

static void
score_victims (const Feature *a,
               const Feature *b,
               Comparison    *c)
{
  guint32 used = 0;
  guint matched = 0, agree = 0, conflict = 0, full_names = 0;

  if (a->n_victims == 0 || b->n_victims == 0)
    return;
  c->have[TG_DEDUPE_FIELD_VICTIMS] = 1;
  c->w[TG_DEDUPE_FIELD_VICTIMS] = W_VICTIM_NONE;
  if ((a->victims_bloom & b->victims_bloom) == 0)
    return;   /* no word begins alike: no name can match */

  for (guint i = 0; i < a->n_victims; i++)
    {
      const Victim *x = &a->victims[i];
      double best = 0.0;
      int best_j = -1;

      for (guint j = 0; j < b->n_victims; j++)
        {
          double s;

          if ((used & (1u << j)) || (x->bloom & b->victims[j].bloom) == 0)
            continue;
          s = tg_name_similarity (x->name, b->victims[j].name);
          if (s > best)
            {
              best = s;
              best_j = (int) j;
            }
        }

      if (best_j < 0 || best < TG_NAME_MATCH_THRESHOLD)
        continue;
      {
        const Victim *y = &b->victims[best_j];

        if (sexes_conflict (x, y) || ages_conflict (x, y))
          {
            conflict++;
            continue;
          }
        used |= 1u << best_j;
        matched++;
        if (MIN (tg_name_get_n_tokens (x->name), tg_name_get_n_tokens (y->name)) >= 3)
          full_names++;
        if (ages_known (x, y) || (x->sex != TG_SEX_UNKNOWN && y->sex != TG_SEX_UNKNOWN))
          agree++;
      }
    }

  c->victims_matched = matched;
  if (matched > 0)
    c->w[TG_DEDUPE_FIELD_VICTIMS] = MIN (W_VICTIM_MAX, W_VICTIM_FIRST + W_VICTIM_MORE * (matched - 1)) -
                                    (full_names == 0 ? W_VICTIM_SHORT_LESS : 0.0);
  else
    c->w[TG_DEDUPE_FIELD_VICTIMS] = W_VICTIM_NONE;

  if (agree > 0 || conflict > 0)
    {
      c->have[TG_DEDUPE_FIELD_AGE_SEX] = 1;
      c->age_sex_agree = agree;
      c->age_sex_conflict = conflict;
      c->w[TG_DEDUPE_FIELD_AGE_SEX] = MIN (W_AGE_SEX_MAX, W_AGE_SEX_AGREE * agree) +
                                      MAX (2 * W_AGE_SEX_CONFLICT, W_AGE_SEX_CONFLICT * conflict);
    }
}

static void
score_counts (const Feature *a,
              const Feature *b,
              Comparison    *c)
{
  double w = 0.0;
  guint n = 0, n_same = 0, n_close = 0, n_diff = 0;

  for (guint k = 0; k < 4; k++)
    {
      int x = a->counts[k], y = b->counts[k];
      int hi;

      if (x < 0 || y < 0 || (x == 0 && y == 0))
        continue;
      n++;
      hi = MAX (x, y);
      if (x == y)
        {
          w += x == 1 ? W_COUNT_SAME_ONE : k == 0 ? W_COUNT_KILLED_SAME : W_COUNT_SAME;
          n_same++;
        }
      else if (ABS (x - y) <= MAX (1, hi / 5) && MIN (x, y) > 0)
        {
          w += W_COUNT_CLOSE;
          n_close++;
        }
      else
        {
          w += W_COUNT_DIFFERENT;
          n_diff++;
        }
    }

  if (n == 0)
    return;
  c->have[TG_DEDUPE_FIELD_COUNTS] = 1;
  c->w[TG_DEDUPE_FIELD_COUNTS] = CLAMP (w, W_COUNT_MIN, W_COUNT_MAX);
  c->count_kind = n_diff > 0 ? 2 : n_close > 0 ? 1 : 0;
}

static void
score_files (const Feature *a,
             const Feature *b,
             Comparison    *c)
{
  guint shared = 0;
  gboolean images = TRUE;

  if (a->n_files == 0 || b->n_files == 0)
    return;

  for (guint i = 0; i < a->n_files; i++)
    for (guint j = 0; j < b->n_files; j++)
      if (a->files[i] == b->files[j])
        {
          shared++;
          images &= a->file_is_image[i];
        }

  /* Different files say little: the same event is filmed by many. */
  if (shared == 0)
    return;
  c->have[TG_DEDUPE_FIELD_FILES] = 1;
  c->files_shared = shared;
  c->files_all_images = images;
  c->w[TG_DEDUPE_FIELD_FILES] = W_FILE_FIRST + W_FILE_MORE * (shared - 1);
}

static double
compare_features (const Feature *a,
                  const Feature *b,
                  Comparison    *c,
                  double         give_up_below)
{
  double sum = 0.0;

  memset (c, 0, sizeof *c);
  score_time (a, b, c);
  score_place (a, b, c);
  score_categories (a, b, c);
  score_counts (a, b, c);
  score_files (a, b, c);
  for (guint k = 0; k < TG_DEDUPE_N_FIELDS; k++)
    sum += c->w[k];

  /* Names are the dearest field: skip them when even a full match could
   * not lift the pair to the threshold. */
  {
    guint most = MIN (a->n_victims, b->n_victims);
    double best = most == 0 ? 0.0 : MIN (W_VICTIM_MAX, W_VICTIM_FIRST + W_VICTIM_MORE * (most - 1)) + W_AGE_SEX_MAX;

    if (sum + best < give_up_below)
      return sum;
  }

  score_victims (a, b, c);
  sum += c->w[TG_DEDUPE_FIELD_VICTIMS] + c->w[TG_DEDUPE_FIELD_AGE_SEX];
  return sum;
}

/* ---- Sentences --------------------------------------------------------- */

static char *
format_distance (double metres)
{
  if (metres < 1000)
    return g_strdup_printf (_("%d m"), (int) (round (metres / 10.0) * 10));
  return g_strdup_printf (_("%.1f km"), metres / 1000.0);
}

static char *
time_sentence (const Comparison *c)
{
  switch (c->time_kind)
    {
    case 0:
      return g_strdup (_("same time"));
    case 1:
      return g_strdup (_("same day"));
    case 2:
      return g_strdup (_("same week"));
    case 3:
      return g_strdup (_("same month"));
    default:
      {
        guint days = (guint) ((c->gap_s + 86399) / 86400);

        if (c->gap_s < 86400)
          {
            guint hours = (guint) MAX (1, (c->gap_s + 3599) / 3600);
            return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u hour apart", "%u hours apart", hours), hours);
          }
        return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u day apart", "%u days apart", days), days);
      }
    }
}

static char *
field_sentence (const Comparison *c,
                TgDedupeField     field)
{
  switch (field)
    {
    case TG_DEDUPE_FIELD_TIME:
      return time_sentence (c);

    case TG_DEDUPE_FIELD_PLACE:
      {
        g_autofree char *d = format_distance (c->distance_m);
        /* TRANSLATORS: %s is a distance such as "350 m" or "2.3 km" */
        return g_strdup_printf (_("%s apart"), d);
      }

    case TG_DEDUPE_FIELD_CATEGORY:
      return g_strdup (c->category_kind == 0 ? _("same category") :
                       c->category_kind == 1 ? _("a category in common") :
                       _("different categories"));

    case TG_DEDUPE_FIELD_VICTIMS:
      if (c->victims_matched == 0)
        return g_strdup (_("no victim in common"));
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u victim in common", "%u victims in common",
                                           c->victims_matched),
                              c->victims_matched);

    case TG_DEDUPE_FIELD_AGE_SEX:
      if (c->age_sex_conflict > 0)
        return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "%u namesake of another age or sex",
                                             "%u namesakes of another age or sex",
                                             c->age_sex_conflict),
                                c->age_sex_conflict);
      return g_strdup (_("ages and sex agree"));

    case TG_DEDUPE_FIELD_COUNTS:
      return g_strdup (c->count_kind == 0 ? _("same counts") :
                       c->count_kind == 1 ? _("close counts") :
                       _("different counts"));

    case TG_DEDUPE_FIELD_FILES:
      if (c->files_all_images)
        return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u identical photo", "%u identical photos",
                                             c->files_shared),
                                c->files_shared);
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u identical file", "%u identical files",
                                           c->files_shared),
                              c->files_shared);

    case TG_DEDUPE_N_FIELDS:
    default:
      g_assert_not_reached ();
    }
}

static void
reason_free (gpointer data)
{
  TgDedupeReason *reason = data;

  g_free (reason->sentence);
  g_free (reason);
}

static TgDedupeCandidate *
candidate_new (const Feature    *fa,
               const Feature    *fb,
               guint             ia,
               guint             ib,
               const Comparison *c)
{
  TgDedupeCandidate *candidate = g_new0 (TgDedupeCandidate, 1);
  gboolean swap = strcmp (fa->id, fb->id) > 0;

  candidate->report_a = g_strdup (swap ? fb->id : fa->id);
  candidate->report_b = g_strdup (swap ? fa->id : fb->id);
  candidate->index_a = swap ? ib : ia;
  candidate->index_b = swap ? ia : ib;
  candidate->reasons = g_ptr_array_new_with_free_func (reason_free);

  for (guint k = 0; k < TG_DEDUPE_N_FIELDS; k++)
    {
      TgDedupeReason *reason;

      if (!c->have[k])
        continue;
      reason = g_new0 (TgDedupeReason, 1);
      reason->field = k;
      reason->weight = c->w[k];
      reason->sentence = field_sentence (c, k);
      candidate->score += c->w[k];
      g_ptr_array_add (candidate->reasons, reason);
    }

  return candidate;
}

/* ---- Blocking ---------------------------------------------------------- */

static void
add_entry (GArray  *entries,
           guint64  key,
           guint    index,
           gboolean probe)
{
  Entry e = { key, index, probe ? 1 : 0 };
  g_array_append_val (entries, e);
}

static void
emit_cells (GArray        *entries,
            const Feature *f,
            guint          index,
            guint64        kind,
            guint64        extra,
            gboolean       probe)
{
  double r = MIN (f->radius + 300.0, MAX_CELL_RADIUS_M);
  double dlat = r / 111320.0;
  double dlon = r / (111320.0 * MAX (0.05, cos (f->lat * G_PI / 180.0)));
  gint64 y0 = (gint64) floor ((f->lat - dlat) / CELL_DEG);
  gint64 y1 = (gint64) floor ((f->lat + dlat) / CELL_DEG);
  gint64 x0 = (gint64) floor ((f->lon - dlon) / CELL_DEG);
  gint64 x1 = (gint64) floor ((f->lon + dlon) / CELL_DEG);

  for (gint64 y = y0; y <= y1; y++)
    for (gint64 x = x0; x <= x1; x++)
      add_entry (entries, key_of (kind, extra, (guint64) y, (guint64) x), index, probe);
}

static gint64
day_of (gint64 t)
{
  return t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
}

static gint64
bucket_of_day (gint64 day)
{
  return day >= 0 ? day / BUCKET_DAYS : -((-day + BUCKET_DAYS - 1) / BUCKET_DAYS);
}

static void
emit_keys (GArray        *entries,
           const Feature *f,
           guint          index)
{
  gboolean narrow = f->has_time && f->t_hi - f->t_lo <= NARROW_S;

  if (f->has_time && f->has_place)
    {
      gint64 d0 = day_of (f->t_lo), d1 = day_of (f->t_hi - 1);

      if (narrow)
        for (gint64 d = d0; d <= d1; d++)
          emit_cells (entries, f, index, KEY_DAY_CELL, (guint64) d, TRUE);

      /* vague dates meet every report of their month(s) and cells */
      for (gint64 b = bucket_of_day (d0); b <= bucket_of_day (d1); b++)
        emit_cells (entries, f, index, KEY_BUCKET_CELL, (guint64) b, !narrow);
    }

  /* a report without a date meets its cells' reports, unless its
   * victims' names and files give better keys */
  if (f->has_place)
    emit_cells (entries, f, index, KEY_CELL, 0, !f->has_time && f->n_victims == 0 && f->n_files == 0);

  if (narrow)
    for (gint64 d = day_of (f->t_lo); d <= day_of (f->t_hi - 1); d++)
      add_entry (entries, key_of (KEY_DAY, (guint64) d, 0, 0), index, !f->has_place);

  for (guint i = 0; i < f->n_files; i++)
    add_entry (entries, key_of (KEY_FILE, f->files[i], 0, 0), index, TRUE);

  for (guint v = 0; v < f->n_victims; v++)
    {
      g_auto(GStrv) keys = tg_name_blocking_keys (f->victims[v].name);
      guint n = g_strv_length (keys);

      /* pairs of words ("juan"+"peres"): a single common surname would
       * make blocks of thousands; a name of one word gives itself */
      for (guint i = 0; i < n; i++)
        for (guint j = i + (n > 1 ? 1 : 0); j < n; j++)
          {
            guint64 h = hash_string64 (keys[i]) ^ mix64 (hash_string64 (keys[j]));

            if (f->has_time)
              {
                gint64 b0 = day_of (f->t_lo - NAME_WINDOW_S) / NAME_BUCKET_DAYS;
                gint64 b1 = day_of (f->t_hi + NAME_WINDOW_S) / NAME_BUCKET_DAYS;

                for (gint64 b = b0; b <= b1; b++)
                  add_entry (entries, key_of (KEY_NAME_BUCKET, h, (guint64) b, 0), index, TRUE);
              }
            add_entry (entries, key_of (KEY_NAME, h, 0, 0), index, !f->has_time);
          }
    }
}

typedef struct
{
  TgDedupeSet *set;
  GArray      *entries;
  guint        from;
  guint        to;
} EmitJob;

static gpointer
emit_thread (gpointer data)
{
  EmitJob *job = data;

  for (guint i = job->from; i < job->to; i++)
    emit_keys (job->entries, &job->set->features[i], i);
  return NULL;
}

/* Radix sorts, 16 bits a pass, least significant first (each pass
 * stable); a pass whose digit is the same for every item is skipped.
 * Entries go by key, then index, a probe before a member of the same
 * index; pairs as numbers. No comparison call per step: blocking 50,000
 * reports sorts 1.5 M entries and 2 M pairs. */
#define RADIX_BITS 16
#define RADIX_SIZE (1u << RADIX_BITS)

static inline guint64
entry_sort_key (const Entry *e,
                gboolean     major)
{
  /* minor: the index, then a probe before a member of the same index */
  return major ? e->key : (((guint64) e->index << 1) | (e->probe ? 0 : 1));
}

static void
radix_sort_entries (GArray *entries)
{
  guint n = entries->len;
  Entry *src = (Entry *) (gpointer) entries->data;
  g_autofree Entry *tmp = NULL;
  g_autofree guint *count = NULL;
  Entry *dst;

  if (n < 2)
    return;
  tmp = g_new (Entry, n);
  count = g_new (guint, RADIX_SIZE);
  dst = tmp;
  for (int major = 0; major < 2; major++)
    for (guint shift = 0; shift < 64; shift += RADIX_BITS)
      {
        guint sum = 0;

        memset (count, 0, RADIX_SIZE * sizeof (guint));
        for (guint i = 0; i < n; i++)
          count[(entry_sort_key (&src[i], major) >> shift) & (RADIX_SIZE - 1)]++;
        if (count[(entry_sort_key (&src[0], major) >> shift) & (RADIX_SIZE - 1)] == n)
          continue;
        for (guint d = 0; d < RADIX_SIZE; d++)
          {
            guint c = count[d];

            count[d] = sum;
            sum += c;
          }
        for (guint i = 0; i < n; i++)
          dst[count[(entry_sort_key (&src[i], major) >> shift) & (RADIX_SIZE - 1)]++] = src[i];
        {
          Entry *swap = src;

          src = dst;
          dst = swap;
        }
      }
  if (src != (Entry *) (gpointer) entries->data)
    memcpy (entries->data, src, (gsize) n * sizeof (Entry));
}

static void
radix_sort_u64 (GArray *values)
{
  guint n = values->len;
  guint64 *src = (guint64 *) (gpointer) values->data;
  g_autofree guint64 *tmp = NULL;
  g_autofree guint *count = NULL;
  guint64 *dst;

  if (n < 2)
    return;
  tmp = g_new (guint64, n);
  count = g_new (guint, RADIX_SIZE);
  dst = tmp;
  for (guint shift = 0; shift < 64; shift += RADIX_BITS)
    {
      guint sum = 0;

      memset (count, 0, RADIX_SIZE * sizeof (guint));
      for (guint i = 0; i < n; i++)
        count[(src[i] >> shift) & (RADIX_SIZE - 1)]++;
      if (count[(src[0] >> shift) & (RADIX_SIZE - 1)] == n)
        continue;
      for (guint d = 0; d < RADIX_SIZE; d++)
        {
          guint c = count[d];

          count[d] = sum;
          sum += c;
        }
      for (guint i = 0; i < n; i++)
        dst[count[(src[i] >> shift) & (RADIX_SIZE - 1)]++] = src[i];
      {
        guint64 *swap = src;

        src = dst;
        dst = swap;
      }
    }
  if (src != (guint64 *) (gpointer) values->data)
    memcpy (values->data, src, (gsize) n * sizeof (guint64));
}

static void
add_pair (GArray *pairs,
          guint   i,
          guint   j)
{
  guint64 p;

  if (i == j)
    return;
  p = ((guint64) MIN (i, j) << 32) | MAX (i, j);
  g_array_append_val (pairs, p);
}

/* The pairs to compare: within each key, every probe with every member. */
static GArray *
block (TgDedupeSet *set)
{
  g_autoptr(GArray) entries = g_array_sized_new (FALSE, FALSE, sizeof (Entry), set->n * 16);
  GArray *pairs = g_array_new (FALSE, FALSE, sizeof (guint64));
  guint start = 0;

  gint64 t0 = g_get_monotonic_time ();

  /* Keys in parallel, each thread its own reports and array; the sort
   * orders them whatever order they were emitted in. */
  {
    guint n_threads = n_threads_for (set->n);
    EmitJob jobs[MAX_THREADS];
    GThread *threads[MAX_THREADS] = { NULL, };

    for (guint t = 0; t < n_threads; t++)
      {
        jobs[t].set = set;
        jobs[t].from = (guint) ((guint64) set->n * t / n_threads);
        jobs[t].to = (guint) ((guint64) set->n * (t + 1) / n_threads);
        jobs[t].entries = t == 0 ? g_array_ref (entries)
                                 : g_array_sized_new (FALSE, FALSE, sizeof (Entry), (jobs[t].to - jobs[t].from) * 16);
        if (t > 0)
          threads[t] = g_thread_new ("tg-dedupe", emit_thread, &jobs[t]);
      }
    emit_thread (&jobs[0]);
    g_array_unref (jobs[0].entries);
    for (guint t = 1; t < n_threads; t++)
      {
        g_thread_join (threads[t]);
        g_array_append_vals (entries, jobs[t].entries->data, jobs[t].entries->len);
        g_array_unref (jobs[t].entries);
      }
  }
  radix_sort_entries (entries);
  g_debug ("%u keys emitted and sorted in %.3f s", entries->len, (g_get_monotonic_time () - t0) / 1e6);

  while (start < entries->len)
    {
      const Entry *e = &g_array_index (entries, Entry, 0);
      guint end = start, n_members = 0, n_probes = 0;

      /* one entry per report and key: the sort put a probe first */
      while (end < entries->len && e[end].key == e[start].key)
        end++;
      for (guint k = start; k < end; k++)
        {
          if (k > start && e[k].index == e[k - 1].index)
            continue;
          n_members++;
          n_probes += e[k].probe;
        }

      if (n_members >= 2 && n_probes > 0 &&
          (n_probes < n_members || n_members <= MAX_BLOCK) &&
          (guint64) n_probes * n_members <= MAX_PROBE_PAIRS)
        {
          for (guint k = start; k < end; k++)
            {
              if (!e[k].probe || (k > start && e[k].index == e[k - 1].index))
                continue;
              for (guint m = start; m < end; m++)
                {
                  if (m > start && e[m].index == e[m - 1].index)
                    continue;
                  /* probe pairs are added once, from the smaller index */
                  if (e[m].probe && e[m].index < e[k].index)
                    continue;
                  add_pair (pairs, e[k].index, e[m].index);
                }
            }
        }
      else if (n_members >= 2 && n_probes > 0)
        g_debug ("Block of %u reports (%u probes) left out: too common a key", n_members, n_probes);

      start = end;
    }

  g_debug ("%u pairs before removing repeats, %.3f s", pairs->len, (g_get_monotonic_time () - t0) / 1e6);
  radix_sort_u64 (pairs);
  {
    guint w = 0;

    for (guint i = 0; i < pairs->len; i++)
      if (w == 0 || g_array_index (pairs, guint64, i) != g_array_index (pairs, guint64, w - 1))
        g_array_index (pairs, guint64, w++) = g_array_index (pairs, guint64, i);
    g_array_set_size (pairs, w);
  }

  return pairs;
}

/* ---- Public API -------------------------------------------------------- */

const char *
tg_dedupe_field_get_label (TgDedupeField field)
{
  switch (field)
    {
    case TG_DEDUPE_FIELD_TIME:     return _("Time");
    case TG_DEDUPE_FIELD_PLACE:    return _("Place");
    case TG_DEDUPE_FIELD_CATEGORY: return _("Category");
    case TG_DEDUPE_FIELD_VICTIMS:  return _("Victims");
    case TG_DEDUPE_FIELD_AGE_SEX:  return _("Ages and sex");
    case TG_DEDUPE_FIELD_COUNTS:   return _("Counts");
    case TG_DEDUPE_FIELD_FILES:    return _("Files");
    case TG_DEDUPE_N_FIELDS:
    default:
      g_return_val_if_reached (NULL);
    }
}

void
tg_dedupe_candidate_free (TgDedupeCandidate *candidate)
{
  if (candidate == NULL)
    return;
  g_free (candidate->report_a);
  g_free (candidate->report_b);
  g_clear_pointer (&candidate->reasons, g_ptr_array_unref);
  g_free (candidate);
}

char *
tg_dedupe_candidate_get_summary (const TgDedupeCandidate *candidate)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (candidate != NULL, NULL);

  for (guint i = 0; i < candidate->reasons->len; i++)
    {
      const TgDedupeReason *reason = g_ptr_array_index (candidate->reasons, i);

      if (reason->weight <= 0)
        continue;
      if (out->len > 0)
        /* TRANSLATORS: between the reasons of a duplicate candidate */
        g_string_append (out, _(", "));
      g_string_append (out, reason->sentence);
    }

  return g_string_free (out, FALSE);
}


typedef struct
{
  TgDedupeSet *set;
  GPtrArray   *reports;
  guint        from;
  guint        to;
} ExtractJob;

static gpointer
extract_thread (gpointer data)
{
  ExtractJob *job = data;

  for (guint i = job->from; i < job->to; i++)
    extract (&job->set->features[i], g_ptr_array_index (job->reports, i));
  return NULL;
}

typedef struct
{
  TgDedupeSet      *set;
  GArray           *pairs;
  guint             from;
  guint             to;
  double            threshold;
  TgDedupeSkipFunc  skip;
  gpointer          skip_data;
  GCancellable     *cancellable;
  GPtrArray        *found;
  gboolean          cancelled;
} ScoreJob;

static gpointer
score_thread (gpointer data)
{
  ScoreJob *job = data;
  const Feature *features = job->set->features;

  for (guint p = job->from; p < job->to; p++)
    {
      guint64 pair = g_array_index (job->pairs, guint64, p);
      guint i = (guint) (pair >> 32), j = (guint) (pair & 0xffffffff);
      const Feature *fa = &features[i], *fb = &features[j];
      Comparison c;

      if ((p & 0xfff) == 0 && g_cancellable_is_cancelled (job->cancellable))
        {
          job->cancelled = TRUE;
          return NULL;
        }
      if (compare_features (fa, fb, &c, job->threshold) < job->threshold)
        continue;
      if (strcmp (fa->id, fb->id) == 0)   /* the same report twice */
        continue;
      if (job->skip != NULL &&
          (strcmp (fa->id, fb->id) < 0 ? job->skip (fa->id, fb->id, job->skip_data)
                                       : job->skip (fb->id, fa->id, job->skip_data)))
        continue;
      g_ptr_array_add (job->found, candidate_new (fa, fb, i, j, &c));
    }
  return NULL;
}

TgDedupeSet *
tg_dedupe_set_new (GPtrArray *reports)
{
  TgDedupeSet *set = g_new0 (TgDedupeSet, 1);
  g_autoptr(GHashTable) category_bits = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_return_val_if_fail (reports != NULL, set);

  set->n = reports->len;
  set->features = g_new0 (Feature, MAX (set->n, 1));

  /* names and dates in parallel, each thread its own reports */
  {
    guint n_threads = n_threads_for (set->n);
    ExtractJob jobs[MAX_THREADS];
    GThread *threads[MAX_THREADS] = { NULL, };

    for (guint t = 0; t < n_threads; t++)
      {
        jobs[t].set = set;
        jobs[t].reports = reports;
        jobs[t].from = (guint) ((guint64) set->n * t / n_threads);
        jobs[t].to = (guint) ((guint64) set->n * (t + 1) / n_threads);
        if (t > 0)
          threads[t] = g_thread_new ("tg-dedupe", extract_thread, &jobs[t]);
      }
    extract_thread (&jobs[0]);
    for (guint t = 1; t < n_threads; t++)
      g_thread_join (threads[t]);
  }

  for (guint i = 0; i < set->n; i++)
    extract_categories (&set->features[i], g_ptr_array_index (reports, i), category_bits);

  return set;
}

void
tg_dedupe_set_free (TgDedupeSet *set)
{
  if (set == NULL)
    return;
  for (guint i = 0; i < set->n; i++)
    feature_clear (&set->features[i]);
  g_free (set->features);
  g_free (set);
}

guint
tg_dedupe_set_get_n_reports (TgDedupeSet *set)
{
  return set->n;
}

guint64
tg_dedupe_set_get_n_compared (TgDedupeSet *set)
{
  return set->n_compared;
}

static int
compare_candidates (gconstpointer a,
                    gconstpointer b)
{
  const TgDedupeCandidate *x = *(TgDedupeCandidate * const *) a;
  const TgDedupeCandidate *y = *(TgDedupeCandidate * const *) b;
  int r;

  if (x->score != y->score)
    return x->score > y->score ? -1 : 1;
  r = strcmp (x->report_a, y->report_a);
  return r != 0 ? r : strcmp (x->report_b, y->report_b);
}

GPtrArray *
tg_dedupe_set_find (TgDedupeSet      *set,
                    double            threshold,
                    TgDedupeSkipFunc  skip,
                    gpointer          skip_data,
                    GCancellable     *cancellable,
                    GError          **error)
{
  g_autoptr(GArray) pairs = NULL;
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) tg_dedupe_candidate_free);
  gint64 t0;

  g_return_val_if_fail (set != NULL, NULL);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  t0 = g_get_monotonic_time ();
  pairs = block (set);
  set->n_compared = pairs->len;
  g_debug ("blocking: %u pairs in %.3f s", pairs->len, (g_get_monotonic_time () - t0) / 1e6);
  t0 = g_get_monotonic_time ();

  {
    guint n_threads = n_threads_for (pairs->len / 2);
    ScoreJob jobs[MAX_THREADS];
    GThread *threads[MAX_THREADS] = { NULL, };
    gboolean cancelled = FALSE;

    for (guint t = 0; t < n_threads; t++)
      {
        jobs[t] = (ScoreJob) {
          set, pairs,
          (guint) ((guint64) pairs->len * t / n_threads),
          (guint) ((guint64) pairs->len * (t + 1) / n_threads),
          threshold, skip, skip_data, cancellable,
          t == 0 ? g_ptr_array_ref (found) : g_ptr_array_new_with_free_func ((GDestroyNotify) tg_dedupe_candidate_free),
          FALSE
        };
        if (t > 0)
          threads[t] = g_thread_new ("tg-dedupe", score_thread, &jobs[t]);
      }
    score_thread (&jobs[0]);
    for (guint t = 0; t < n_threads; t++)
      {
        if (t > 0)
          {
            g_thread_join (threads[t]);
            g_ptr_array_extend_and_steal (found, g_steal_pointer (&jobs[t].found));
          }
        else
          g_ptr_array_unref (jobs[t].found);
        cancelled |= jobs[t].cancelled;
      }
    if (cancelled)
      {
        g_cancellable_set_error_if_cancelled (cancellable, error);
        return NULL;
      }
  }

  g_ptr_array_sort (found, compare_candidates);
  g_debug ("scoring: %u candidates in %.3f s", found->len, (g_get_monotonic_time () - t0) / 1e6);
  return g_steal_pointer (&found);
}

GPtrArray *
tg_dedupe_find (GPtrArray        *reports,
                double            threshold,
                TgDedupeSkipFunc  skip,
                gpointer          skip_data,
                GCancellable     *cancellable,
                GError          **error)
{
  g_autoptr(TgDedupeSet) set = tg_dedupe_set_new (reports);

  return tg_dedupe_set_find (set, threshold, skip, skip_data, cancellable, error);
}

typedef struct
{
  GPtrArray        *reports;
  double            threshold;
  TgDedupeSkipFunc  skip;
  gpointer          skip_data;
  GDestroyNotify    skip_destroy;
} FindData;

static void
find_data_free (gpointer data)
{
  FindData *d = data;

  if (d->skip_destroy != NULL)
    d->skip_destroy (d->skip_data);
  g_ptr_array_unref (d->reports);
  g_free (d);
}

static void
find_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  FindData *d = task_data;
  GError *error = NULL;
  GPtrArray *found = tg_dedupe_find (d->reports, d->threshold, d->skip, d->skip_data, cancellable, &error);

  if (found == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, found, (GDestroyNotify) g_ptr_array_unref);
}

void
tg_dedupe_find_async (GPtrArray           *reports,
                      double               threshold,
                      TgDedupeSkipFunc     skip,
                      gpointer             skip_data,
                      GDestroyNotify       skip_destroy,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  FindData *d = g_new0 (FindData, 1);

  g_return_if_fail (reports != NULL);

  d->reports = g_ptr_array_ref (reports);
  d->threshold = threshold;
  d->skip = skip;
  d->skip_data = skip_data;
  d->skip_destroy = skip_destroy;
  g_task_set_source_tag (task, tg_dedupe_find_async);
  g_task_set_task_data (task, d, find_data_free);
  g_task_run_in_thread (task, find_thread);
}

GPtrArray *
tg_dedupe_find_finish (GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tg_dedupe_find_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

TgDedupeCandidate *
tg_dedupe_compare (TgReport *a,
                   TgReport *b)
{
  g_autoptr(GPtrArray) reports = g_ptr_array_new ();
  g_autoptr(TgDedupeSet) set = NULL;
  Comparison c;

  g_return_val_if_fail (TG_IS_REPORT (a) && TG_IS_REPORT (b), NULL);

  g_ptr_array_add (reports, a);
  g_ptr_array_add (reports, b);
  set = tg_dedupe_set_new (reports);
  compare_features (&set->features[0], &set->features[1], &c, -G_MAXDOUBLE);
  return candidate_new (&set->features[0], &set->features[1], 0, 1, &c);
}
