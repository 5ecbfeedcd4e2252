/* tg-choice-memory.h — what a person chose in a resolver, kept while its
 * versions are loaded again (GLib only)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The pick before anything is chosen, and the pick of a value written anew.
 * Picks of one's own (a version's index, "every version together") are
 * the caller's: any other number; a version's index is 0 or more. */
#define TG_CHOICE_PICK_NONE  G_MININT
#define TG_CHOICE_PICK_TYPED (-2)

/* How a choice came back after a reload. */
typedef enum
{
  TG_CHOICE_RECALL_NONE,    /* nothing was chosen for it: nothing is */
  TG_CHOICE_RECALL_SAME,    /* the version chosen is still there (maybe at
                             * another index), or the same other choice */
  TG_CHOICE_RECALL_TYPED,   /* the value of one's own was chosen: it is again */
  TG_CHOICE_RECALL_MOVED,   /* the version chosen is gone; another version
                             * holds the same value and is chosen instead */
  TG_CHOICE_RECALL_LOST,    /* the version (or other choice) chosen is gone
                             * and nothing holds its value: nothing is chosen */
} TgChoiceRecall;

typedef struct _TgChoiceMemory TgChoiceMemory;

TgChoiceMemory *tg_choice_memory_new      (void);
void            tg_choice_memory_free     (TgChoiceMemory *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgChoiceMemory, tg_choice_memory_free)

void            tg_choice_memory_clear    (TgChoiceMemory *self);

/* Remembers the choice for the value @key: @pick (a version's index,
 * TG_CHOICE_PICK_TYPED, another pick of the caller's, or
 * TG_CHOICE_PICK_NONE); for a version, @version_id names it (e.g. its
 * revision) and @value is its value in a form that compares (nullable).
 * @typed (nullable): what was written as one's own, kept whatever is
 * picked. */
void            tg_choice_memory_remember (TgChoiceMemory      *self,
                                           const char          *key,
                                           int                  pick,
                                           const char          *version_id,
                                           const char          *value,
                                           const char          *typed);

/* What to choose again for @key among the @n versions there are now
 * (@version_ids and @values, @n each, in their new order) and the other
 * picks offered (@others, @n_others): sets *@pick (TG_CHOICE_PICK_NONE
 * when nothing) and says how. A version still there is chosen again
 * wherever it now stands; a vanished one gives way to the first version
 * holding the same value, else to nothing. A value of one's own always
 * comes back. */
TgChoiceRecall  tg_choice_memory_recall   (TgChoiceMemory      *self,
                                           const char          *key,
                                           guint                n,
                                           const char * const  *version_ids,
                                           const char * const  *values,
                                           const int           *others,
                                           guint                n_others,
                                           int                 *pick);

/* What was written as one's own for @key, or NULL. */
const char     *tg_choice_memory_get_typed (TgChoiceMemory     *self,
                                            const char         *key);
/* Every key with something written as one's own, in the order
 * remembered (free the array only). */
const char    **tg_choice_memory_list_typed (TgChoiceMemory    *self);

G_END_DECLS
