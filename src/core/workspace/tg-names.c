/* tg-names.c — matching persons' names across reports
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A name becomes a short list of tokens. Two names are compared by the
 * best one-to-one pairing of their tokens (so word order does not
 * matter), each pair scored by an edit distance that forgives a typo or
 * two, Spanish spellings that sound alike and an initial standing for a
 * word. Every word of the shorter name must find a partner; the longer
 * name's words left over (a second surname, a second given name) cost a
 * little. A different given name ("Juan"/"Juana") leaves a word without
 * a partner and halves the score.
 */
#define G_LOG_DOMAIN "tg-names"

#include "config.h"

#include <string.h>

#include "tg-names.h"

#define MAX_TOKENS     6     /* words kept per name; the rest are ignored */
#define MAX_TOKEN_LEN  32    /* characters compared per word */
#define PAIR_GOOD      0.75  /* a token pair at or above this is a match */

typedef struct
{
  char     *text;                    /* normalised UTF-8 */
  char     *phonetic;
  gunichar *chars;                   /* len of them */
  guint     len;                     /* in characters, capped */
} Token;

struct _TgName
{
  char   *normalized;
  char  **strv;                      /* token texts, NULL-terminated */
  Token  *tokens;                   /* n_tokens of them */
  guint   n_tokens;
};

/* Words that join a name rather than tell it apart: "María de la Cruz",
 * "Pérez y Quispe". */
static const char * const particles[] = {
  "de", "del", "la", "las", "los", "y", "e", "da", "do", "dos", "das",
  "van", "von", "der", "di", NULL
};

static gboolean
is_particle (const char *word)
{
  return g_strv_contains (particles, word);
}

/* Accents off, case folded, everything but letters and digits a space;
 * apostrophes vanish so "D'Angelo" stays one word. */
static char *
fold_text (const char *text)
{
  g_autofree char *nfd = NULL;
  g_autofree char *folded = NULL;
  GString *out;

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return g_strdup ("");

  nfd = g_utf8_normalize (text, -1, G_NORMALIZE_NFD);
  if (nfd == NULL)
    return g_strdup ("");
  folded = g_utf8_casefold (nfd, -1);

  out = g_string_sized_new (strlen (folded));
  for (const char *p = folded; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_ismark (c))
        continue;
      if (c == '\'' || c == 0x2019 /* ’ */ || c == 0x00B4 /* ´ */)
        continue;
      if (c == ',')
        g_string_append_c (out, ',');
      else if (g_unichar_isalnum (c))
        g_string_append_unichar (out, c);
      else
        g_string_append_c (out, ' ');
    }

  return g_string_free (out, FALSE);
}

/* "perez quispe, juan" → "juan perez quispe": one comma with words on
 * both sides is the "Surname, Given" order of lists and registers. */
static char *
undo_comma_order (const char *folded)
{
  const char *comma = strchr (folded, ',');
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *joined = NULL;

  if (comma == NULL || strchr (comma + 1, ',') != NULL)
    return g_strdelimit (g_strdup (folded), ",", ' ');

  before = g_strstrip (g_strndup (folded, comma - folded));
  after = g_strstrip (g_strdup (comma + 1));
  if (*before == '\0' || *after == '\0')
    return g_strdelimit (g_strdup (folded), ",", ' ');

  joined = g_strconcat (after, " ", before, NULL);
  return g_steal_pointer (&joined);
}

char *
tg_name_phonetic_key (const char *token)
{
  GString *out;
  g_autofree gunichar *u = NULL;
  glong n = 0;

  g_return_val_if_fail (token != NULL, NULL);

  u = g_utf8_to_ucs4_fast (token, -1, &n);
  out = g_string_sized_new (n + 1);

  for (glong i = 0; i < n; i++)
    {
      gunichar c = u[i];
      gunichar next = i + 1 < n ? u[i + 1] : 0;
      gunichar emit = c;

      switch (c)
        {
        case 'h':
          continue;                                  /* silent */
        case 'v':
          emit = 'b';
          break;
        case 'w':
          emit = 'u';                                /* Waman, Huamán */
          break;
        case 'z':
          emit = 's';
          break;
        case 'x':
          emit = 'j';                                /* Ximénez, Jiménez */
          break;
        case 'c':
          if (next == 'h')
            {
              emit = 'x';                            /* ch */
              i++;
            }
          else if (next == 'e' || next == 'i')
            emit = 's';
          else
            emit = 'k';
          break;
        case 'q':
          emit = 'k';
          if (next == 'u')
            i++;
          break;
        case 'g':
          if (next == 'e' || next == 'i')
            emit = 'j';
          else if (next == 'u' && i + 2 < n && (u[i + 2] == 'e' || u[i + 2] == 'i'))
            i++;                                     /* gue, gui */
          break;
        case 'l':
          if (next == 'l')
            {
              emit = 'y';
              i++;
            }
          break;
        case 'y':
          if (next == 0 || !strchr ("aeiou", (int) (next < 128 ? next : 'x')))
            emit = 'i';
          break;
        default:
          break;
        }

      if (out->len > 0 && (gunichar) (guchar) out->str[out->len - 1] == emit && emit < 128)
        continue;                                    /* doubled letters */
      g_string_append_unichar (out, emit);
    }

  return g_string_free (out, FALSE);
}

static void
token_init (Token      *token,
            const char *text)
{
  const char *p = text;

  token->text = g_strdup (text);
  token->phonetic = tg_name_phonetic_key (text);
  token->len = 0;
  token->chars = g_new (gunichar, MIN ((guint) g_utf8_strlen (text, -1), MAX_TOKEN_LEN) + 1);
  while (*p != '\0' && token->len < MAX_TOKEN_LEN)
    {
      token->chars[token->len++] = g_utf8_get_char (p);
      p = g_utf8_next_char (p);
    }
}

TgName *
tg_name_new (const char *text)
{
  g_autofree char *folded = fold_text (text);
  g_autofree char *ordered = undo_comma_order (folded);
  g_auto(GStrv) words = g_strsplit_set (ordered, " \t\n", -1);
  g_autoptr(GPtrArray) kept = g_ptr_array_new ();
  TgName *name = g_new0 (TgName, 1);
  gboolean all_particles = TRUE;

  for (guint i = 0; words[i] != NULL; i++)
    if (words[i][0] != '\0' && !is_particle (words[i]))
      all_particles = FALSE;

  for (guint i = 0; words[i] != NULL && kept->len < MAX_TOKENS; i++)
    {
      if (words[i][0] == '\0')
        continue;
      if (!all_particles && is_particle (words[i]))
        continue;
      g_ptr_array_add (kept, words[i]);
    }

  name->strv = g_new0 (char *, kept->len + 1);
  name->tokens = g_new0 (Token, MAX (kept->len, 1));
  for (guint i = 0; i < kept->len; i++)
    {
      token_init (&name->tokens[i], g_ptr_array_index (kept, i));
      name->strv[i] = name->tokens[i].text;
    }
  name->n_tokens = kept->len;
  name->normalized = g_strjoinv (" ", name->strv);

  return name;
}

void
tg_name_free (TgName *name)
{
  if (name == NULL)
    return;
  for (guint i = 0; i < name->n_tokens; i++)
    {
      g_free (name->tokens[i].text);
      g_free (name->tokens[i].phonetic);
      g_free (name->tokens[i].chars);
    }
  g_free (name->tokens);
  g_free (name->strv);   /* the texts belong to the tokens */
  g_free (name->normalized);
  g_free (name);
}

const char * const *
tg_name_get_tokens (const TgName *name)
{
  g_return_val_if_fail (name != NULL, NULL);
  return (const char * const *) name->strv;
}

guint
tg_name_get_n_tokens (const TgName *name)
{
  g_return_val_if_fail (name != NULL, 0);
  return name->n_tokens;
}

const char *
tg_name_get_normalized (const TgName *name)
{
  g_return_val_if_fail (name != NULL, NULL);
  return name->normalized;
}

char *
tg_name_normalize (const char *text)
{
  g_autoptr(TgName) name = tg_name_new (text);
  return g_strdup (name->normalized);
}

/* Optimal string alignment distance (Damerau–Levenshtein with adjacent
 * transpositions), on at most MAX_TOKEN_LEN characters. */
static guint
osa_distance (const Token *a,
              const Token *b)
{
  guint d[MAX_TOKEN_LEN + 1][MAX_TOKEN_LEN + 1];

  for (guint i = 0; i <= a->len; i++)
    d[i][0] = i;
  for (guint j = 0; j <= b->len; j++)
    d[0][j] = j;

  for (guint i = 1; i <= a->len; i++)
    for (guint j = 1; j <= b->len; j++)
      {
        guint cost = a->chars[i - 1] == b->chars[j - 1] ? 0 : 1;
        guint best = MIN (d[i - 1][j] + 1, d[i][j - 1] + 1);

        best = MIN (best, d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 &&
            a->chars[i - 1] == b->chars[j - 2] &&
            a->chars[i - 2] == b->chars[j - 1])
          best = MIN (best, d[i - 2][j - 2] + 1);
        d[i][j] = best;
      }

  return d[a->len][b->len];
}

/* Juan/Juana, Mario/María, Luis/Luisa: one word in two genders is two
 * people, however close the spelling. */
static gboolean
gender_variants (const Token *a,
                 const Token *b)
{
  const Token *s = a->len <= b->len ? a : b;
  const Token *l = a->len <= b->len ? b : a;

  if (s->len < 2)
    return FALSE;

  if (l->len == s->len + 1 && l->chars[l->len - 1] == 'a')
    return memcmp (s->chars, l->chars, s->len * sizeof (gunichar)) == 0;

  if (l->len == s->len)
    {
      gunichar x = s->chars[s->len - 1];
      gunichar y = l->chars[l->len - 1];

      return ((x == 'a' && y == 'o') || (x == 'o' && y == 'a')) &&
             memcmp (s->chars, l->chars, (s->len - 1) * sizeof (gunichar)) == 0;
    }

  return FALSE;
}

static double
token_similarity (const Token *a,
                  const Token *b)
{
  guint maxlen = MAX (a->len, b->len);
  guint d;

  if (a->len == 0 || b->len == 0)
    return 0.0;

  if (a->len == 1 || b->len == 1)   /* an initial */
    return a->chars[0] == b->chars[0] ? 0.85 : 0.0;

  if (a->len == b->len && memcmp (a->chars, b->chars, a->len * sizeof (gunichar)) == 0)
    return 1.0;

  if (gender_variants (a, b))
    return 0.2;

  if (strcmp (a->phonetic, b->phonetic) == 0)
    return 0.95;

  d = osa_distance (a, b);
  if (d == 1 && maxlen >= 4)
    return 0.9;
  if (d == 2 && maxlen >= 7)
    return 0.8;

  return MIN (0.6, MAX (0.0, 1.0 - (double) d / maxlen));
}

double
tg_name_similarity (const TgName *a,
                    const TgName *b)
{
  const TgName *s, *l;
  double sim[MAX_TOKENS][MAX_TOKENS];
  double dp[MAX_TOKENS + 1][1 << MAX_TOKENS];
  guint8 choice[MAX_TOKENS + 1][1 << MAX_TOKENS];
  guint n_masks, mask;
  double total = 0.0, mean, score;
  guint bad = 0, full_ok = 0, full_in_short = 0, extra;

  g_return_val_if_fail (a != NULL && b != NULL, 0.0);

  if (a->n_tokens == 0 || b->n_tokens == 0)
    return 0.0;

  s = a->n_tokens <= b->n_tokens ? a : b;
  l = s == a ? b : a;
  n_masks = 1u << l->n_tokens;

  for (guint i = 0; i < s->n_tokens; i++)
    for (guint j = 0; j < l->n_tokens; j++)
      sim[i][j] = token_similarity (&s->tokens[i], &l->tokens[j]);

  /* dp[i][mask]: best sum pairing the shorter name's tokens i.. with the
   * longer name's tokens not in mask. */
  for (mask = 0; mask < n_masks; mask++)
    dp[s->n_tokens][mask] = 0.0;
  for (int i = (int) s->n_tokens - 1; i >= 0; i--)
    for (mask = 0; mask < n_masks; mask++)
      {
        double best = -1.0;
        guint8 best_j = 0;

        for (guint j = 0; j < l->n_tokens; j++)
          {
            double v;

            if (mask & (1u << j))
              continue;
            v = sim[i][j] + dp[i + 1][mask | (1u << j)];
            if (v > best)
              {
                best = v;
                best_j = j;
              }
          }
        dp[i][mask] = MAX (best, 0.0);
        choice[i][mask] = best_j;
      }

  mask = 0;
  for (guint i = 0; i < s->n_tokens; i++)
    {
      guint j = choice[i][mask];
      double v = sim[i][j];

      mask |= 1u << j;
      total += v;
      if (s->tokens[i].len > 1)
        full_in_short++;
      if (v < PAIR_GOOD)
        bad++;
      else if (s->tokens[i].len > 1 && l->tokens[j].len > 1)
        full_ok++;
    }

  mean = total / s->n_tokens;
  if (bad > 0 || full_ok == 0)
    return mean * 0.5;

  extra = l->n_tokens - s->n_tokens;
  score = mean * (1.0 - 0.04 * extra);

  /* A lone word ("Juan") says little about who among many it is. */
  if (full_in_short < 2 && l->n_tokens >= 2)
    score = MIN (score, 0.6);

  return CLAMP (score, 0.0, 1.0);
}

gboolean
tg_name_matches (const TgName *a,
                 const TgName *b)
{
  return tg_name_similarity (a, b) >= TG_NAME_MATCH_THRESHOLD;
}

double
tg_names_compare (const char *a,
                  const char *b)
{
  g_autoptr(TgName) na = tg_name_new (a);
  g_autoptr(TgName) nb = tg_name_new (b);

  return tg_name_similarity (na, nb);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

char **
tg_name_blocking_keys (const TgName *name)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < name->n_tokens; i++)
    {
      const char *key = name->tokens[i].phonetic;
      gboolean seen = FALSE;

      if (name->tokens[i].len < 3)
        continue;
      for (guint k = 0; k < keys->len; k++)
        if (strcmp (g_ptr_array_index (keys, k), key) == 0)
          seen = TRUE;
      if (!seen)
        g_ptr_array_add (keys, g_strdup (key));
    }

  g_ptr_array_sort (keys, compare_strings);
  g_ptr_array_add (keys, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&keys), FALSE);
}
