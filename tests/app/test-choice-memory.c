/* test-choice-memory.c — what a person chose in a resolver survives a
 * reload of its versions (TgChoiceMemory, no display)
 *
 * Versions are named as the resolvers name them (their revisions) and
 * carry their value in a form that compares. A choice follows its
 * version; a vanished version gives way to the version with the same
 * value, else to nothing; a value written anew always comes back.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>

#include "tg-choice-memory.h"

#define PICK_UNION (-3)   /* a caller's own pick: every version together */

/* A version that is still there is chosen again where it now stands. */
static void
test_same_version (void)
{
  g_autoptr(TgChoiceMemory) memory = tg_choice_memory_new ();
  const char *ids[] = { "rev-new", "rev-here", "rev-there" };
  const char *values[] = { "19", "17", "18" };
  int pick = 0;

  tg_choice_memory_remember (memory, "killed", 1, "rev-there", "18", NULL);
  /* A sync brought a third version, first in the new order. */
  g_assert_cmpint (tg_choice_memory_recall (memory, "killed", 3, ids, values, NULL, 0, &pick),
                   ==, TG_CHOICE_RECALL_SAME);
  g_assert_cmpint (pick, ==, 2);
}

/* The same value in another version does not take a choice away from
 * the version chosen while it is still there. */
static void
test_same_version_wins (void)
{
  g_autoptr(TgChoiceMemory) memory = tg_choice_memory_new ();
  const char *ids[] = { "rev-a", "rev-b" };
  const char *values[] = { "Puente", "Puente" };
  int pick = -1;

  tg_choice_memory_remember (memory, "title", 1, "rev-b", "Puente", NULL);
  g_assert_cmpint (tg_choice_memory_recall (memory, "title", 2, ids, values, NULL, 0, &pick),
                   ==, TG_CHOICE_RECALL_SAME);
  g_assert_cmpint (pick, ==, 1);
}

/* The version chosen was replaced by a newer one holding the same value:
 * that one is chosen, and the caller is told it moved. */
static void
test_vanished_same_value (void)
{
  g_autoptr(TgChoiceMemory) memory = tg_choice_memory_new ();
  const char *ids[] = { "rev-here", "rev-there-2" };
  const char *values[] = { "Disparos en el puente", "Juliaca, 9 de enero" };
  int pick = 0;

  tg_choice_memory_remember (memory, "title", 1, "rev-there", "Juliaca, 9 de enero", NULL);
  g_assert_cmpint (tg_choice_memory_recall (memory, "title", 2, ids, values, NULL, 0, &pick),
                   ==, TG_CHOICE_RECALL_MOVED);
  g_assert_cmpint (pick, ==, 1);
}

/* The version chosen is gone and nothing holds its value: nothing is
 * chosen, and the caller is told it was lost. */
static void
test_vanished_lost (void)
{
  g_autoptr(TgChoiceMemory) memory = tg_choice_memory_new ();
  const char *ids[] = { "rev-here", "rev-there-2" };
  const char *values[] = { "17", "19" };
  int pick = 0;

  tg_choice_memory_remember (memory, "killed", 1, "rev-there", "18", NULL);
  g_assert_cmpint (tg_choice_memory_recall (memory, "killed", 2, ids, values, NULL, 0, &pick),
                   ==, TG_CHOICE_RECALL_LOST);
  g_assert_cmpint (pick, ==, TG_CHOICE_PICK_NONE);
}

/* A value written anew comes back chosen whatever happened to the
 * versions, and its text with it. */
static void
test_typed (void)
{
  g_autoptr(TgChoiceMemory) memory = tg_choice_memory_new ();
  const char *ids[] = { "rev-x", "rev-y" };
  const char *values[] = { "a", "b" };
  int pick = 0;

  tg_choice_memory_remember (memory, "narrative", TG_CHOICE_PICK_TYPED, NULL, NULL, "Relato unido");
  g_assert_cmpint (tg_choice_memory_recall (memory, "narrative", 2, ids, values, NULL, 0, &pick),
                   ==, TG_CHOICE_RECALL_TYPED);
  g_assert_cmpint (pick, ==, TG_CHOICE_PICK_TYPED);
  g_assert_cmpstr (tg_choice_memory_get_typed (memory, "narrative"), ==, "Relato unido");
  /* Even with no versions at all. */
  g_assert_cmpint (tg_choice_memory_recall (memory, "narrative", 0, NULL, NULL, NULL, 0, &pick),
                   ==, TG_CHOICE_RECALL_TYPED);
}

/* Text written but not chosen (a version was chosen after typing) is
 * kept too, beside the version's choice. */
static void
test_typed_not_chosen (void)
{
  g_autoptr(TgChoiceMemory) memory = tg_choice_memory_new ();
  g_autofree const char **typed = NULL;
  const char *ids[] = { "rev-a", "rev-b" };
  const char *values[] = { "a", "b" };
  int pick = -1;

  tg_choice_memory_remember (memory, "title", 0, "rev-a", "a", "Un título a medio escribir");
  g_assert_cmpint (tg_choice_memory_recall (memory, "title", 2, ids, values, NULL, 0, &pick),
                   ==, TG_CHOICE_RECALL_SAME);
  g_assert_cmpint (pick, ==, 0);
  g_assert_cmpstr (tg_choice_memory_get_typed (memory, "title"), ==, "Un título a medio escribir");
  typed = tg_choice_memory_list_typed (memory);
  g_assert_cmpuint (g_strv_length ((char **) typed), ==, 1);
  g_assert_cmpstr (typed[0], ==, "title");
}

/* A choice of the caller's own (every version together) comes back
 * while it is offered, and is lost when it is not. */
static void
test_other_pick (void)
{
  g_autoptr(TgChoiceMemory) memory = tg_choice_memory_new ();
  const char *ids[] = { "rev-a", "rev-b" };
  const int offered[] = { PICK_UNION };
  int pick = 0;

  tg_choice_memory_remember (memory, "members", PICK_UNION, NULL, NULL, NULL);
  g_assert_cmpint (tg_choice_memory_recall (memory, "members", 2, ids, NULL, offered, 1, &pick),
                   ==, TG_CHOICE_RECALL_SAME);
  g_assert_cmpint (pick, ==, PICK_UNION);
  g_assert_cmpint (tg_choice_memory_recall (memory, "members", 2, ids, NULL, NULL, 0, &pick),
                   ==, TG_CHOICE_RECALL_LOST);
  g_assert_cmpint (pick, ==, TG_CHOICE_PICK_NONE);
}

/* Nothing chosen: nothing comes back; choosing nothing forgets what was
 * chosen; other keys are apart; clear forgets everything. */
static void
test_nothing (void)
{
  g_autoptr(TgChoiceMemory) memory = tg_choice_memory_new ();
  const char *ids[] = { "rev-a", "rev-b" };
  const char *values[] = { "a", "b" };
  int pick = 0;

  g_assert_cmpint (tg_choice_memory_recall (memory, "status", 2, ids, values, NULL, 0, &pick),
                   ==, TG_CHOICE_RECALL_NONE);
  g_assert_cmpint (pick, ==, TG_CHOICE_PICK_NONE);

  tg_choice_memory_remember (memory, "status", 1, "rev-b", "b", NULL);
  tg_choice_memory_remember (memory, "killed", 0, "rev-a", "a", NULL);
  tg_choice_memory_remember (memory, "status", TG_CHOICE_PICK_NONE, NULL, NULL, NULL);
  g_assert_cmpint (tg_choice_memory_recall (memory, "status", 2, ids, values, NULL, 0, &pick),
                   ==, TG_CHOICE_RECALL_NONE);
  g_assert_cmpint (tg_choice_memory_recall (memory, "killed", 2, ids, values, NULL, 0, &pick),
                   ==, TG_CHOICE_RECALL_SAME);
  g_assert_cmpint (pick, ==, 0);

  tg_choice_memory_clear (memory);
  g_assert_cmpint (tg_choice_memory_recall (memory, "killed", 2, ids, values, NULL, 0, &pick),
                   ==, TG_CHOICE_RECALL_NONE);
}

/* A later choice for the same key replaces the earlier one. */
static void
test_replaced (void)
{
  g_autoptr(TgChoiceMemory) memory = tg_choice_memory_new ();
  const char *ids[] = { "rev-a", "rev-b" };
  const char *values[] = { "a", "b" };
  int pick = -1;

  tg_choice_memory_remember (memory, "title", TG_CHOICE_PICK_TYPED, NULL, NULL, "Nuevo");
  tg_choice_memory_remember (memory, "title", 1, "rev-b", "b", NULL);
  g_assert_cmpint (tg_choice_memory_recall (memory, "title", 2, ids, values, NULL, 0, &pick),
                   ==, TG_CHOICE_RECALL_SAME);
  g_assert_cmpint (pick, ==, 1);
  g_assert_null (tg_choice_memory_get_typed (memory, "title"));
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/choice-memory/same-version", test_same_version);
  g_test_add_func ("/choice-memory/same-version-wins", test_same_version_wins);
  g_test_add_func ("/choice-memory/vanished/same-value", test_vanished_same_value);
  g_test_add_func ("/choice-memory/vanished/lost", test_vanished_lost);
  g_test_add_func ("/choice-memory/typed", test_typed);
  g_test_add_func ("/choice-memory/typed-not-chosen", test_typed_not_chosen);
  g_test_add_func ("/choice-memory/other-pick", test_other_pick);
  g_test_add_func ("/choice-memory/nothing", test_nothing);
  g_test_add_func ("/choice-memory/replaced", test_replaced);
  return g_test_run ();
}
