/* tg-names.h — matching persons' names across reports
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Names as monitors type them: with or without accents, in any case,
 * "Surname, Given" or "Given Surname", with typos, initials ("q.") and
 * the second surname often left out. A TgName is a name normalised once
 * (accents stripped through Unicode decomposition, case folded,
 * punctuation dropped, comma order undone, particles such as "de" or
 * "del" set aside) so that comparing many pairs is cheap.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Two names at or above this similarity are taken to be one person. */
#define TG_NAME_MATCH_THRESHOLD 0.85

typedef struct _TgName TgName;

TgName      *tg_name_new               (const char    *text);
void         tg_name_free              (TgName        *name);

/* The tokens in name order ("juan", "perez", "q"); an initial is a token
 * of one character. Empty (never NULL) for a name with no letters. */
const char * const *tg_name_get_tokens (const TgName  *name);
guint        tg_name_get_n_tokens      (const TgName  *name);
/* The normalised name: the tokens joined by single spaces. */
const char  *tg_name_get_normalized    (const TgName  *name);

/* Similarity in [0, 1]: insensitive to word order, accents and case;
 * tolerant of one or two typos per word, of initials and of a missing
 * second surname; low for a different given name ("Juan"/"Juana") or a
 * different surname. 0 when either name is empty. */
double       tg_name_similarity        (const TgName  *a,
                                        const TgName  *b);
gboolean     tg_name_matches           (const TgName  *a,
                                        const TgName  *b);

/* Convenience for one-off comparisons of two strings. */
double       tg_names_compare          (const char    *a,
                                        const char    *b);
char        *tg_name_normalize         (const char    *text);

/* A Spanish sound-alike key of one normalised token: b/v, s/z/c(e,i),
 * ll/y, silent h, qu/k/c(a,o,u), g(e,i)/j and doubled letters fold
 * together ("Vásquez" and "Basques" both give "baskes"). */
char        *tg_name_phonetic_key      (const char    *token);

/* Keys for blocking: the sound-alike key of every word of three letters
 * or more, sorted, without repeats. Two names that match share at least
 * one key unless every shared word is misspelt. NULL-terminated; free
 * with g_strfreev. */
char       **tg_name_blocking_keys     (const TgName  *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgName, tg_name_free)

G_END_DECLS
