/* test-main-loop.c — the main loop never waits on the disk
 *
 * The editor widget with a real store: a report is left (another opened,
 * an undo made) while its save is still being written. Leaving must not
 * run the main loop (it would dispatch input in the middle of switching
 * reports), and what was typed since the save started, or erased, must
 * reach the store all the same. And the window, made before the store is
 * open, shows its "Opening…" page until it gets the store.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "tg-application.h"
#include "tg-report-editor.h"
#include "tg-test-common.h"
#include "tg-test-gtk.h"
#include "tg-window-private.h"

#define SETTLE_MS 20000

typedef struct
{
  char           *dir;
  TgStore        *store;
  TgReportEditor *editor;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("testigo-leave-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->store = tg_store_open (fixture->dir, &error);
  g_assert_no_error (error);
  fixture->editor = g_object_ref_sink (g_object_new (TG_TYPE_REPORT_EDITOR, NULL));
  tg_report_editor_set_store (fixture->editor, fixture->store);
}

static gboolean
editor_is_idle (gpointer editor)
{
  return !tg_report_editor_is_busy (editor);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  /* Whatever is still in flight ends before the store closes. */
  tg_report_editor_set_report (fixture->editor, NULL);
  tg_test_iterate_until (editor_is_idle, fixture->editor, SETTLE_MS, "the editor to be idle");
  g_clear_object (&fixture->editor);
  tg_store_close (fixture->store);
  g_clear_object (&fixture->store);
  tg_test_rm_rf (fixture->dir);
  g_free (fixture->dir);
}

/* The editor's title field (an AdwEntryRow titled "Title"). */
static gboolean
is_title (GtkWidget     *widget,
          gconstpointer  data)
{
  return ADW_IS_ENTRY_ROW (widget) &&
         g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), "Title") == 0;
}

static void
type_title (Fixture    *fixture,
            const char *text)
{
  GtkWidget *title = tg_test_find_widget (GTK_WIDGET (fixture->editor), is_title, NULL);

  g_assert_nonnull (title);
  gtk_editable_set_text (GTK_EDITABLE (title), text);
}

typedef struct
{
  TgReportEditor *editor;
  const char     *state;
} SaveState;

static gboolean
save_state_reached (gpointer data)
{
  SaveState *wait = data;

  return g_strcmp0 (tg_report_editor_get_save_state (wait->editor), wait->state) == 0;
}

/* Iterates until the editor's save state reads @state. "Saving…": it has
 * started the save of what was typed (the save runs on a worker thread;
 * its end is dispatched by a later iteration, so it is still in flight
 * when this returns). */
static void
wait_for_save_state (Fixture    *fixture,
                     const char *state)
{
  SaveState wait = { fixture->editor, state };

  tg_test_iterate_until (save_state_reached, &wait, SETTLE_MS, state);
}

#define wait_for_save_started(fixture) wait_for_save_state ((fixture), "Saving…")
#define wait_for_saved(fixture)        wait_for_save_state ((fixture), "Saved")

/* Set when the main loop dispatches anything: leaving must not. */
static gboolean
probe_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static guint
add_probe (gboolean *ran)
{
  *ran = FALSE;
  return g_idle_add (probe_cb, ran);
}

/* The stored title of @id, or NULL once it is deleted. */
static char *
stored_title (Fixture    *fixture,
              const char *id)
{
  g_autoptr(TgReport) report = tg_store_load_report (fixture->store, id, NULL);

  return report != NULL ? g_strdup (tg_report_get_title (report)) : NULL;
}

/* Bounded: iterates until @id is stored with @title (NULL: deleted). */
typedef struct
{
  Fixture    *fixture;
  const char *id;
  const char *title;
} Stored;

static gboolean
stored_as (gpointer data)
{
  Stored *wait = data;
  g_autofree char *now = stored_title (wait->fixture, wait->id);

  return g_strcmp0 (now, wait->title) == 0;
}

static void
wait_for_stored (Fixture    *fixture,
                 const char *id,
                 const char *title)
{
  Stored wait = { fixture, id, title };
  g_autofree char *now = NULL;

  /* the worker thread's write announces nothing here: the wait's own
   * wake-up polls for it */
  tg_test_iterate_until_or_timeout (stored_as, &wait, SETTLE_MS);
  now = stored_title (fixture, id);
  g_assert_cmpstr (now, ==, title);
}

/* No branch: the saves followed each other. */
static void
assert_one_head (Fixture    *fixture,
                 const char *id)
{
  g_autoptr(GPtrArray) heads = tg_store_list_heads (fixture->store, id, NULL);

  g_assert_nonnull (heads);
  g_assert_cmpuint (heads->len, ==, 1);
}

/* A draft typed "x", saved, erased while that save is in flight, then
 * left: it is deleted once the save is written, and leaving ran nothing. */
static void
test_leave_erased (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(TgReport) draft = tg_report_new ();
  g_autoptr(TgReport) other = tg_report_new ();
  g_autofree char *id = g_strdup (tg_report_get_id (draft));
  gboolean ran;
  guint probe;

  tg_report_editor_set_report (fixture->editor, draft);
  type_title (fixture, "x");
  wait_for_save_started (fixture);
  type_title (fixture, "");
  probe = add_probe (&ran);
  tg_report_editor_set_report (fixture->editor, other);
  g_assert_false (ran);
  g_source_remove (probe);

  wait_for_stored (fixture, id, NULL);
  {
    g_autoptr(GPtrArray) heads = tg_store_list_heads (fixture->store, id, NULL);

    /* It was written ("x"), then deleted: one head, a tombstone. */
    g_assert_nonnull (heads);
    g_assert_cmpuint (heads->len, ==, 1);
    g_assert_true (tg_revision_get_deleted (heads->pdata[0]));
  }
}

/* Typed on after the save started, then left: the rest is saved too. */
static void
test_leave_edited (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(TgReport) report = tg_report_new ();
  g_autoptr(TgReport) other = tg_report_new ();
  g_autofree char *id = g_strdup (tg_report_get_id (report));
  gboolean ran;
  guint probe;

  tg_report_editor_set_report (fixture->editor, report);
  type_title (fixture, "Puente");
  wait_for_save_started (fixture);
  type_title (fixture, "Puente norte");
  probe = add_probe (&ran);
  tg_report_editor_set_report (fixture->editor, other);
  g_assert_false (ran);
  g_source_remove (probe);

  wait_for_stored (fixture, id, "Puente norte");
  assert_one_head (fixture, id);
}

/* Left while saving, then opened again before that save is written:
 * the editor takes back the report it holds (the store has not caught
 * up), and the edits made after that land on the same line of history. */
static void
test_reopen_while_saving (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(TgReport) report = tg_report_new ();
  g_autoptr(TgReport) other = tg_report_new ();
  g_autofree char *id = g_strdup (tg_report_get_id (report));
  TgReport *left;

  tg_report_editor_set_report (fixture->editor, report);
  type_title (fixture, "Corte");
  wait_for_save_started (fixture);
  type_title (fixture, "Corte de ruta");
  tg_report_editor_set_report (fixture->editor, other);

  left = tg_report_editor_get_left_report (fixture->editor, id);
  g_assert_true (left == report);
  tg_report_editor_set_report (fixture->editor, left);
  g_assert_true (tg_report_editor_get_report (fixture->editor) == report);
  type_title (fixture, "Corte de ruta 3");
  tg_report_editor_set_report (fixture->editor, NULL);

  wait_for_stored (fixture, id, "Corte de ruta 3");
  assert_one_head (fixture, id);
}

/* Undo while a save is in flight: applied, saved after it, no branch. */
static void
test_undo_while_saving (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(TgReport) report = tg_report_new ();
  g_autofree char *id = g_strdup (tg_report_get_id (report));
  gboolean ran;
  guint probe;

  tg_report_editor_set_report (fixture->editor, report);
  type_title (fixture, "Marcha");
  wait_for_saved (fixture);
  type_title (fixture, "Marcha del 12");
  wait_for_save_started (fixture);
  probe = add_probe (&ran);
  g_assert_true (tg_report_editor_undo (fixture->editor));
  g_assert_false (ran);
  g_source_remove (probe);
  g_assert_cmpstr (tg_report_get_title (tg_report_editor_get_report (fixture->editor)), ==, "Marcha");

  /* Left before the undo's own save even started. */
  tg_report_editor_set_report (fixture->editor, NULL);
  wait_for_stored (fixture, id, "Marcha");
  assert_one_head (fixture, id);
}

/* Deletes the open report and waits for the editor to answer. */
static void
delete_open_report (Fixture *fixture)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(TgRevision) tombstone = NULL;
  g_autoptr(GError) error = NULL;

  tg_report_editor_delete_async (fixture->editor, tg_test_keep_result_cb, &result);
  tg_test_await_result (&result, SETTLE_MS, "the deletion");
  tombstone = tg_report_editor_delete_finish (fixture->editor, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (tombstone);
  g_assert_true (tg_revision_get_deleted (tombstone));
}

/* The deleted report's tombstone holds @title, and an undo of the
 * deletion brings it back with that title, on one line of history. */
static void
assert_deleted_with (Fixture    *fixture,
                     const char *id,
                     const char *title)
{
  g_autoptr(GPtrArray) heads = tg_store_list_heads (fixture->store, id, NULL);
  g_autoptr(TgRevision) restored = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *now = NULL;

  g_assert_nonnull (heads);
  g_assert_cmpuint (heads->len, ==, 1);
  g_assert_true (tg_revision_get_deleted (heads->pdata[0]));
  {
    g_autoptr(TgReport) in_tombstone = tg_store_load_report_at (fixture->store,
                                                                tg_revision_get_id (heads->pdata[0]),
                                                                &error);

    g_assert_no_error (error);
    g_assert_cmpstr (tg_report_get_title (in_tombstone), ==, title);
  }
  restored = tg_store_restore_report (fixture->store, id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (restored);
  now = stored_title (fixture, id);
  g_assert_cmpstr (now, ==, title);
  assert_one_head (fixture, id);
}

/* Typed on after a save started, then deleted: the last words are saved
 * before the tombstone, so undoing the deletion loses nothing. */
static void
test_delete_edited_while_saving (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(TgReport) report = tg_report_new ();
  g_autofree char *id = g_strdup (tg_report_get_id (report));

  tg_report_editor_set_report (fixture->editor, report);
  type_title (fixture, "Acta");
  wait_for_saved (fixture);
  type_title (fixture, "Acta de la marcha");
  wait_for_save_started (fixture);
  type_title (fixture, "Acta de la marcha del 12");
  delete_open_report (fixture);

  assert_deleted_with (fixture, id, "Acta de la marcha del 12");
}

/* Typed, then deleted before the editor's own save came round. */
static void
test_delete_edited (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(TgReport) report = tg_report_new ();
  g_autofree char *id = g_strdup (tg_report_get_id (report));

  tg_report_editor_set_report (fixture->editor, report);
  type_title (fixture, "Paro");
  wait_for_saved (fixture);
  type_title (fixture, "Paro agrario");
  delete_open_report (fixture);

  assert_deleted_with (fixture, id, "Paro agrario");
}

/* The window before the store is open: the opening page, no actions;
 * once tg_window_set_store() hands it the store, the list. */
static void
test_window_opening (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("testigo-opening-XXXXXX", &error);
  TgApplication *app = TG_APPLICATION (g_application_get_default ());
  g_autoptr(TgStore) store = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  TgWindow *window;
  gint64 end = g_get_monotonic_time () + SETTLE_MS * 1000;

  g_assert_no_error (error);
  g_assert_null (tg_application_get_store (app));
  window = tg_window_new (app);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->window_stack), ==, "opening");
  g_assert_null (window->reports);
  /* Disabled: activating does nothing (and needs no store). */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.new-report", NULL);
  g_assert_null (window->editor);

  tg_store_open_async (dir, NULL, tg_test_keep_result_cb, &result);
  while (result == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      /* The page is still up while the store opens. */
      g_assert_cmpstr (gtk_stack_get_visible_child_name (window->window_stack), ==, "opening");
      g_main_context_iteration (NULL, TRUE);
    }
  store = tg_store_open_finish (result, &error);
  g_assert_no_error (error);

  tg_window_set_store (window, store);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->window_stack), ==, "main");
  g_assert_nonnull (window->reports);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.new-report", NULL);
  g_assert_nonnull (window->editor);
  g_assert_nonnull (tg_report_editor_get_report (window->editor));

  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  tg_store_close (store);
  tg_test_rm_rf (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(TgApplication) app = NULL;

  if (!tg_test_gtk_init (&argc, &argv))
    return g_test_run ();
  app = tg_test_app_new ();

  g_test_add ("/editor/leave/erased-while-saving", Fixture, NULL,
              fixture_set_up, test_leave_erased, fixture_tear_down);
  g_test_add ("/editor/leave/edited-while-saving", Fixture, NULL,
              fixture_set_up, test_leave_edited, fixture_tear_down);
  g_test_add ("/editor/leave/reopened-while-saving", Fixture, NULL,
              fixture_set_up, test_reopen_while_saving, fixture_tear_down);
  g_test_add ("/editor/undo/while-saving", Fixture, NULL,
              fixture_set_up, test_undo_while_saving, fixture_tear_down);
  g_test_add ("/editor/delete/edited-while-saving", Fixture, NULL,
              fixture_set_up, test_delete_edited_while_saving, fixture_tear_down);
  g_test_add ("/editor/delete/edited", Fixture, NULL,
              fixture_set_up, test_delete_edited, fixture_tear_down);
  g_test_add_func ("/window/opening", test_window_opening);
  return g_test_run ();
}
