/* tg-choice-memory.c — what a person chose in a resolver, kept while its
 * versions are loaded again
 *
 * A resolver loads its versions again when saving finds another change
 * (a sync brought a version meanwhile). What the person chose must not
 * be lost then: a choice names a version by its identity (a revision),
 * so it follows that version to wherever it now stands; when the version
 * is gone (replaced by a newer one), the version now holding the same
 * value is chosen instead, else nothing, and the caller says which; a
 * value written as one's own always comes back. Plain GLib, so the rules
 * are tested without a display.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-choice-memory"

#include "config.h"

#include "tg-choice-memory.h"

typedef struct
{
  char *key;
  int   pick;
  char *version_id;
  char *value;
  char *typed;
} Kept;

struct _TgChoiceMemory
{
  GPtrArray *kept;   /* Kept, in the order remembered */
};

static void
kept_free (Kept *kept)
{
  g_free (kept->key);
  g_free (kept->version_id);
  g_free (kept->value);
  g_free (kept->typed);
  g_free (kept);
}

static Kept *
lookup (TgChoiceMemory *self,
        const char     *key)
{
  for (guint i = 0; i < self->kept->len; i++)
    {
      Kept *kept = self->kept->pdata[i];

      if (g_strcmp0 (kept->key, key) == 0)
        return kept;
    }
  return NULL;
}

TgChoiceMemory *
tg_choice_memory_new (void)
{
  TgChoiceMemory *self = g_new0 (TgChoiceMemory, 1);

  self->kept = g_ptr_array_new_with_free_func ((GDestroyNotify) kept_free);
  return self;
}

void
tg_choice_memory_free (TgChoiceMemory *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->kept);
  g_free (self);
}

void
tg_choice_memory_clear (TgChoiceMemory *self)
{
  g_return_if_fail (self != NULL);
  g_ptr_array_set_size (self->kept, 0);
}

void
tg_choice_memory_remember (TgChoiceMemory *self,
                           const char     *key,
                           int             pick,
                           const char     *version_id,
                           const char     *value,
                           const char     *typed)
{
  Kept *kept;

  g_return_if_fail (self != NULL);
  g_return_if_fail (key != NULL);

  kept = lookup (self, key);
  if (pick == TG_CHOICE_PICK_NONE && typed == NULL)
    {
      /* Nothing chosen or written: nothing to bring back. */
      if (kept != NULL)
        g_ptr_array_remove (self->kept, kept);
      return;
    }
  if (kept == NULL)
    {
      kept = g_new0 (Kept, 1);
      kept->key = g_strdup (key);
      g_ptr_array_add (self->kept, kept);
    }
  kept->pick = pick;
  g_free (kept->version_id);
  kept->version_id = pick >= 0 ? g_strdup (version_id) : NULL;
  g_free (kept->value);
  kept->value = pick >= 0 ? g_strdup (value) : NULL;
  g_free (kept->typed);
  kept->typed = g_strdup (typed);
}

TgChoiceRecall
tg_choice_memory_recall (TgChoiceMemory     *self,
                         const char         *key,
                         guint               n,
                         const char * const *version_ids,
                         const char * const *values,
                         const int          *others,
                         guint               n_others,
                         int                *pick)
{
  Kept *kept;

  g_return_val_if_fail (self != NULL, TG_CHOICE_RECALL_NONE);
  g_return_val_if_fail (pick != NULL, TG_CHOICE_RECALL_NONE);

  *pick = TG_CHOICE_PICK_NONE;
  kept = lookup (self, key);
  if (kept == NULL || kept->pick == TG_CHOICE_PICK_NONE)
    return TG_CHOICE_RECALL_NONE;
  if (kept->pick == TG_CHOICE_PICK_TYPED)
    {
      *pick = TG_CHOICE_PICK_TYPED;
      return TG_CHOICE_RECALL_TYPED;
    }
  if (kept->pick < 0)
    {
      for (guint i = 0; i < n_others; i++)
        if (others[i] == kept->pick)
          {
            *pick = kept->pick;
            return TG_CHOICE_RECALL_SAME;
          }
      return TG_CHOICE_RECALL_LOST;
    }
  for (guint i = 0; kept->version_id != NULL && i < n; i++)
    if (g_strcmp0 (version_ids[i], kept->version_id) == 0)
      {
        *pick = (int) i;
        return TG_CHOICE_RECALL_SAME;
      }
  for (guint i = 0; kept->value != NULL && values != NULL && i < n; i++)
    if (g_strcmp0 (values[i], kept->value) == 0)
      {
        *pick = (int) i;
        return TG_CHOICE_RECALL_MOVED;
      }
  return TG_CHOICE_RECALL_LOST;
}

const char *
tg_choice_memory_get_typed (TgChoiceMemory *self,
                            const char     *key)
{
  Kept *kept;

  g_return_val_if_fail (self != NULL, NULL);
  kept = lookup (self, key);
  return kept ? kept->typed : NULL;
}

const char **
tg_choice_memory_list_typed (TgChoiceMemory *self)
{
  GPtrArray *keys;

  g_return_val_if_fail (self != NULL, NULL);
  keys = g_ptr_array_new ();
  for (guint i = 0; i < self->kept->len; i++)
    {
      Kept *kept = self->kept->pdata[i];

      if (kept->typed != NULL)
        g_ptr_array_add (keys, kept->key);
    }
  g_ptr_array_add (keys, NULL);
  return (const char **) g_ptr_array_free (keys, FALSE);
}
