/* tg-test-gtk.c — helpers the GTK tests share: finding widgets, choosing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>

#include "tg-test-gtk.h"

/* The locale from the environment, g_test_init (), and the display: FALSE,
 * the test skipped ("no display"), when there is none (run the test
 * through tools/run-tests.sh). */
gboolean
tg_test_gtk_init (int    *argc,
                  char ***argv)
{
  setlocale (LC_ALL, "");
  g_test_init (argc, argv, NULL);
  if (!gtk_init_check ())
    {
      g_test_skip ("no display");
      return FALSE;
    }
  return TRUE;
}

/* The application, registered and not unique (several tests at once):
 * the editor reads the vocabularies and settings from it. */
TgApplication *
tg_test_app_new (void)
{
  g_autoptr(TgApplication) app = tg_application_new ();
  g_autoptr(GError) error = NULL;

  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    g_error ("%s", error->message);
  return g_steal_pointer (&app);
}

/* The first widget of @root's tree (@root included, depth first, in
 * child order) for which @match is TRUE; NULL when there is none. */
GtkWidget *
tg_test_find_widget (GtkWidget         *root,
                     TgTestWidgetMatch  match,
                     gconstpointer      data)
{
  if (match (root, data))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = tg_test_find_widget (child, match, data);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* How many widgets of @root's tree (@root included) @match is TRUE for. */
guint
tg_test_count_widgets (GtkWidget         *root,
                       TgTestWidgetMatch  match,
                       gconstpointer      data)
{
  guint n = match (root, data) ? 1 : 0;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += tg_test_count_widgets (child, match, data);
  return n;
}

typedef struct
{
  const char *key;
  int         pick;
} Choice;

static gboolean
is_choice (GtkWidget     *widget,
           gconstpointer  data)
{
  const Choice *choice = data;

  return GTK_IS_CHECK_BUTTON (widget) &&
         g_strcmp0 (g_object_get_data (G_OBJECT (widget), "tg-choice-key"), choice->key) == 0 &&
         GPOINTER_TO_INT (g_object_get_data (G_OBJECT (widget), "tg-pick")) == choice->pick;
}

/* Ticks the check button under @root that a resolver shows for version
 * @pick of the part @key (its "tg-choice-key" and "tg-pick" data); the
 * test fails when there is none. */
void
tg_test_choose (GtkWidget  *root,
                const char *key,
                int         pick)
{
  Choice choice = { key, pick };
  GtkWidget *check = tg_test_find_widget (root, is_choice, &choice);

  g_assert_nonnull (check);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
}
