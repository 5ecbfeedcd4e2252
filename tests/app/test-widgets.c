/* test-widgets.c — the app's shared widgets on their own
 *
 * TgVocabularyChecklist: a tick gives the ticked codes, the summary and
 * one "changed"; codes set from the model tick the checks and update the
 * summary without "changed" (loading a report is not an edit); labels
 * follow the language asked for.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "tg-vocabulary.h"
#include "tg-vocabulary-checklist.h"

static const char VOCABULARY[] =
  "[\n"
  "  { \"code\": \"beaten\", \"en\": \"Beaten\", \"es\": \"Golpeado\" },\n"
  "  { \"code\": \"killed\", \"en\": \"Killed\", \"es\": \"Fallecido\" },\n"
  "  { \"code\": \"seized\", \"en\": \"Equipment seized\", \"es\": \"Equipo incautado\",\n"
  "    \"description_en\": \"Cameras taken.\", \"description_es\": \"Cámaras quitadas.\" }\n"
  "]\n";

typedef struct
{
  char         *dir;
  TgVocabulary *vocabulary;
  guint         n_changed;
  guint         n_notify;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  f->dir = g_dir_make_tmp ("test-widgets-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "harms.json", NULL);
  g_file_set_contents (path, VOCABULARY, -1, &error);
  g_assert_no_error (error);
  f->vocabulary = tg_vocabulary_new_from_file (path, "en", &error);
  g_assert_no_error (error);
  g_unlink (path);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->vocabulary);
  g_rmdir (f->dir);
  g_free (f->dir);
}

static gboolean
have_display (void)
{
  if (!gtk_init_check ())
    {
      g_test_skip ("no display");
      return FALSE;
    }
  adw_init ();
  return TRUE;
}

/* The check buttons under @widget, in order. */
static void
collect_checks (GtkWidget *widget,
                GPtrArray *checks)
{
  if (GTK_IS_CHECK_BUTTON (widget))
    g_ptr_array_add (checks, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_checks (child, checks);
}

static GPtrArray *
checks_of (GtkWidget *checklist)
{
  GPtrArray *checks = g_ptr_array_new ();

  collect_checks (checklist, checks);
  return checks;
}

static const char *
check_title (GtkWidget *check)
{
  GtkWidget *row = gtk_widget_get_ancestor (check, ADW_TYPE_ACTION_ROW);

  g_assert_nonnull (row);
  return adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row));
}

static const char *
check_subtitle (GtkWidget *check)
{
  return adw_action_row_get_subtitle (ADW_ACTION_ROW (gtk_widget_get_ancestor (check, ADW_TYPE_ACTION_ROW)));
}

static void
changed_cb (Fixture *f)
{
  f->n_changed++;
}

static void
notify_cb (Fixture *f)
{
  f->n_notify++;
}

static GtkWidget *
new_checklist (Fixture    *f,
               const char *language)
{
  GtkWidget *checklist = tg_vocabulary_checklist_new (G_LIST_MODEL (f->vocabulary), language);

  g_object_ref_sink (checklist);
  g_signal_connect_swapped (checklist, "changed", G_CALLBACK (changed_cb), f);
  g_signal_connect_swapped (checklist, "notify::codes", G_CALLBACK (notify_cb), f);
  return checklist;
}

static void
test_ticks_to_codes (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GtkWidget) checklist = NULL;
  g_autoptr(GPtrArray) checks = NULL;
  const char * const *codes;
  const char * const want[] = { "beaten", "seized", NULL };
  g_auto(GStrv) property = NULL;

  if (!have_display ())
    return;
  checklist = new_checklist (f, NULL);
  tg_vocabulary_checklist_set_empty_text (TG_VOCABULARY_CHECKLIST (checklist), "None chosen");
  checks = checks_of (checklist);
  g_assert_cmpuint (checks->len, ==, 3);
  g_assert_cmpstr (check_title (g_ptr_array_index (checks, 0)), ==, "Beaten");
  g_assert_cmpstr (check_title (g_ptr_array_index (checks, 2)), ==, "Equipment seized");
  g_assert_cmpstr (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (checklist)), ==, "None chosen");
  g_assert_cmpuint (g_strv_length ((GStrv) tg_vocabulary_checklist_get_codes (TG_VOCABULARY_CHECKLIST (checklist))), ==, 0);

  /* A person ticks the third, then the first: one "changed" each. */
  gtk_check_button_set_active (g_ptr_array_index (checks, 2), TRUE);
  g_assert_cmpuint (f->n_changed, ==, 1);
  codes = tg_vocabulary_checklist_get_codes (TG_VOCABULARY_CHECKLIST (checklist));
  g_assert_cmpstrv (codes, ((const char * const[]) { "seized", NULL }));
  g_assert_cmpstr (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (checklist)), ==, "Equipment seized");

  gtk_check_button_set_active (g_ptr_array_index (checks, 0), TRUE);
  g_assert_cmpuint (f->n_changed, ==, 2);
  g_assert_cmpuint (f->n_notify, ==, 2);
  codes = tg_vocabulary_checklist_get_codes (TG_VOCABULARY_CHECKLIST (checklist));
  g_assert_cmpstrv (codes, want);
  g_object_get (checklist, "codes", &property, NULL);
  g_assert_cmpstrv (property, want);
  g_assert_cmpstr (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (checklist)), ==, "Beaten, Equipment seized");

  /* Unticking gives the smaller set. */
  gtk_check_button_set_active (g_ptr_array_index (checks, 2), FALSE);
  g_assert_cmpuint (f->n_changed, ==, 3);
  codes = tg_vocabulary_checklist_get_codes (TG_VOCABULARY_CHECKLIST (checklist));
  g_assert_cmpstrv (codes, ((const char * const[]) { "beaten", NULL }));
  g_assert_cmpstr (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (checklist)), ==, "Beaten");
}

static void
test_codes_to_ticks (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GtkWidget) checklist = NULL;
  g_autoptr(GPtrArray) checks = NULL;
  const char * const some[] = { "seized", "killed", NULL };

  if (!have_display ())
    return;
  checklist = new_checklist (f, NULL);
  checks = checks_of (checklist);

  tg_vocabulary_checklist_set_codes (TG_VOCABULARY_CHECKLIST (checklist), some);
  g_assert_cmpuint (f->n_changed, ==, 0);
  g_assert_cmpuint (f->n_notify, ==, 1);
  g_assert_false (gtk_check_button_get_active (g_ptr_array_index (checks, 0)));
  g_assert_true (gtk_check_button_get_active (g_ptr_array_index (checks, 1)));
  g_assert_true (gtk_check_button_get_active (g_ptr_array_index (checks, 2)));
  /* In vocabulary order. */
  g_assert_cmpstrv (tg_vocabulary_checklist_get_codes (TG_VOCABULARY_CHECKLIST (checklist)),
                    ((const char * const[]) { "killed", "seized", NULL }));
  g_assert_cmpstr (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (checklist)), ==, "Killed, Equipment seized");

  /* The same set again notifies nothing; NULL unticks all, silently. */
  tg_vocabulary_checklist_set_codes (TG_VOCABULARY_CHECKLIST (checklist),
                                     (const char * const[]) { "killed", "seized", NULL });
  g_assert_cmpuint (f->n_notify, ==, 1);
  g_object_set (checklist, "codes", NULL, NULL);
  g_assert_cmpuint (f->n_changed, ==, 0);
  g_assert_cmpuint (f->n_notify, ==, 2);
  for (guint i = 0; i < checks->len; i++)
    g_assert_false (gtk_check_button_get_active (g_ptr_array_index (checks, i)));
  g_assert_cmpstr (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (checklist)), ==, "");
}

/* A code this laptop's vocabulary lacks (written by a newer Testigo) is
 * shown under its own name and kept when the person ticks another box:
 * before, ticking anything dropped it from the report. */
static void
test_unknown_codes_kept (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GtkWidget) checklist = NULL;
  g_autoptr(GPtrArray) checks = NULL;
  const char * const some[] = { "x-newer-code", "seized", NULL };
  GtkWidget *unknown = NULL;

  if (!have_display ())
    return;
  checklist = new_checklist (f, NULL);
  tg_vocabulary_checklist_set_codes (TG_VOCABULARY_CHECKLIST (checklist), some);
  g_assert_cmpuint (f->n_changed, ==, 0);
  g_assert_cmpstrv (tg_vocabulary_checklist_get_codes (TG_VOCABULARY_CHECKLIST (checklist)),
                    ((const char * const[]) { "seized", "x-newer-code", NULL }));
  g_assert_cmpstr (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (checklist)), ==,
                   "Equipment seized, x-newer-code");

  /* It has a ticked check of its own, after the vocabulary's. */
  checks = checks_of (checklist);
  g_assert_cmpuint (checks->len, ==, 4);
  unknown = g_ptr_array_index (checks, 3);
  g_assert_cmpstr (check_title (unknown), ==, "x-newer-code");
  g_assert_nonnull (check_subtitle (unknown));
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (unknown)));

  /* Ticking another box keeps it. */
  gtk_check_button_set_active (g_ptr_array_index (checks, 0), TRUE);
  g_assert_cmpuint (f->n_changed, ==, 1);
  g_assert_cmpstrv (tg_vocabulary_checklist_get_codes (TG_VOCABULARY_CHECKLIST (checklist)),
                    ((const char * const[]) { "beaten", "seized", "x-newer-code", NULL }));

  /* A new language rebuilds the checks and keeps it too. */
  tg_vocabulary_checklist_set_language (TG_VOCABULARY_CHECKLIST (checklist), "es");
  g_assert_cmpstrv (tg_vocabulary_checklist_get_codes (TG_VOCABULARY_CHECKLIST (checklist)),
                    ((const char * const[]) { "beaten", "seized", "x-newer-code", NULL }));

  /* Unticking it is the person's choice, and drops it. */
  g_clear_pointer (&checks, g_ptr_array_unref);
  checks = checks_of (checklist);
  g_assert_cmpuint (checks->len, ==, 4);
  gtk_check_button_set_active (g_ptr_array_index (checks, 3), FALSE);
  g_assert_cmpuint (f->n_changed, ==, 2);
  g_assert_cmpstrv (tg_vocabulary_checklist_get_codes (TG_VOCABULARY_CHECKLIST (checklist)),
                    ((const char * const[]) { "beaten", "seized", NULL }));

  /* Another report's codes clear it away. */
  tg_vocabulary_checklist_set_codes (TG_VOCABULARY_CHECKLIST (checklist), NULL);
  g_clear_pointer (&checks, g_ptr_array_unref);
  checks = checks_of (checklist);
  g_assert_cmpuint (checks->len, ==, 3);
}

static void
test_language (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GtkWidget) checklist = NULL;
  g_autoptr(GPtrArray) checks = NULL;
  g_autoptr(GPtrArray) english = NULL;

  if (!have_display ())
    return;
  checklist = new_checklist (f, "es");
  tg_vocabulary_checklist_set_show_descriptions (TG_VOCABULARY_CHECKLIST (checklist), TRUE);
  tg_vocabulary_checklist_set_codes (TG_VOCABULARY_CHECKLIST (checklist),
                                     (const char * const[]) { "beaten", NULL });
  checks = checks_of (checklist);
  g_assert_cmpuint (checks->len, ==, 3);
  g_assert_cmpstr (check_title (g_ptr_array_index (checks, 0)), ==, "Golpeado");
  g_assert_cmpstr (check_subtitle (g_ptr_array_index (checks, 2)), ==, "Cámaras quitadas.");
  g_assert_cmpstr (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (checklist)), ==, "Golpeado");

  /* Another language rebuilds the checks and keeps what was ticked. */
  tg_vocabulary_checklist_set_language (TG_VOCABULARY_CHECKLIST (checklist), "en");
  english = checks_of (checklist);
  g_assert_cmpuint (english->len, ==, 3);
  g_assert_cmpstr (check_title (g_ptr_array_index (english, 0)), ==, "Beaten");
  g_assert_cmpstr (check_subtitle (g_ptr_array_index (english, 2)), ==, "Cameras taken.");
  g_assert_true (gtk_check_button_get_active (g_ptr_array_index (english, 0)));
  g_assert_cmpstr (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (checklist)), ==, "Beaten");
  g_assert_cmpuint (f->n_changed, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/widgets/vocabulary-checklist/ticks-to-codes", Fixture, NULL,
              fixture_set_up, test_ticks_to_codes, fixture_tear_down);
  g_test_add ("/widgets/vocabulary-checklist/codes-to-ticks", Fixture, NULL,
              fixture_set_up, test_codes_to_ticks, fixture_tear_down);
  g_test_add ("/widgets/vocabulary-checklist/unknown-codes-kept", Fixture, NULL,
              fixture_set_up, test_unknown_codes_kept, fixture_tear_down);
  g_test_add ("/widgets/vocabulary-checklist/language", Fixture, NULL,
              fixture_set_up, test_language, fixture_tear_down);
  return g_test_run ();
}
