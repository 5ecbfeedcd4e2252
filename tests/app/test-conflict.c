/* test-conflict.c — a report changed on two devices, shown and merged in the window
 *
 * A real store and the real window: a report is edited here and, from the
 * same revision, on "another device" (a sibling revision inserted as a
 * sync pull would). The list row shows the conflict badge, the editor its
 * banner; Resolve… opens the resolver, which is answered field by field
 * (the title from the other device, the categories from this laptop, a
 * narrative typed anew). A further change from the other device arrives
 * before saving: the store refuses the merge, the resolver says so, loads
 * the versions again and keeps the choices that still apply. Saved, the
 * report has one head whose parents are both heads and whose fields are
 * exactly the choices, before and after the store is reopened.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "tg-application.h"
#include "tg-conflict-resolver.h"
#include "tg-report-editor.h"
#include "tg-report-row.h"
#include "tg-sync-history-dialog.h"
#include "tg-store-sync.h"
#include "tg-test-common.h"
#include "tg-test-gtk.h"
#include "tg-window-private.h"

#define WAIT_MS 20000
#define OTHER_DEVICE "5b1c7e29-other-device"

static const char *local_categories[] = { "killing", NULL };
static const char *remote_categories[] = { "arbitrary_detention", NULL };

#define TITLE_LOCAL   "Disparos en el puente de Juliaca"
#define TITLE_REMOTE  "Juliaca, 9 de enero: disparos desde el puente"
#define TYPED         "Relato unido: los dos monitores vieron disparos desde el puente."

/* Widgets ------------------------------------------------------------------ */

static gboolean
is_row_of (GtkWidget     *widget,
           gconstpointer  report_id)
{
  return TG_IS_REPORT_ROW (widget) &&
         g_strcmp0 (tg_report_row_get_report_id (TG_REPORT_ROW (widget)), report_id) == 0;
}

static gboolean
is_button_labelled (GtkWidget     *widget,
                    gconstpointer  label)
{
  return GTK_IS_BUTTON (widget) && gtk_widget_get_mapped (widget) &&
         g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0;
}

static gboolean
is_text_view_of (GtkWidget     *widget,
                 gconstpointer  field)
{
  return GTK_IS_TEXT_VIEW (widget) &&
         g_strcmp0 (g_object_get_data (G_OBJECT (widget), "tg-choice-key"), field) == 0;
}

typedef struct
{
  const char *field;
  int         pick;
} Choice;

static gboolean
is_choice_of (GtkWidget     *widget,
              gconstpointer  data)
{
  const Choice *choice = data;

  return GTK_IS_CHECK_BUTTON (widget) &&
         g_strcmp0 (g_object_get_data (G_OBJECT (widget), "tg-choice-key"), choice->field) == 0 &&
         GPOINTER_TO_INT (g_object_get_data (G_OBJECT (widget), "tg-pick")) == choice->pick;
}

/* Whether the choice @pick of @field is the chosen one. */
static gboolean
chosen (GtkWindow  *resolver,
        const char *field,
        int         pick)
{
  Choice choice = { field, pick };
  GtkWidget *check = tg_test_find_widget (GTK_WIDGET (resolver), is_choice_of, &choice);

  g_assert_nonnull (check);
  return gtk_check_button_get_active (GTK_CHECK_BUTTON (check));
}

static TgReportRow *
row_of (TgWindow   *window,
        const char *report_id)
{
  return (TgReportRow *) tg_test_find_widget (GTK_WIDGET (window->list_view), is_row_of, report_id);
}

typedef struct
{
  TgWindow   *window;
  const char *text;
} LabelWait;

static gboolean
is_label_with (GtkWidget     *widget,
               gconstpointer  text)
{
  return GTK_IS_LABEL (widget) && gtk_widget_is_visible (widget) &&
         strstr (gtk_label_get_text (GTK_LABEL (widget)), text) != NULL;
}

/* A label of the editor that a person sees says @text. */
static gboolean
editor_says (gpointer data)
{
  LabelWait *wait = data;

  return wait->window->editor != NULL &&
         tg_test_find_widget (GTK_WIDGET (wait->window->editor), is_label_with, wait->text) != NULL;
}

/* States waited for -------------------------------------------------------- */

typedef struct
{
  TgWindow   *window;
  const char *report_id;
  gboolean    conflict;
} RowWait;

static gboolean
row_shows (gpointer data)
{
  RowWait *wait = data;
  TgReportRow *row = row_of (wait->window, wait->report_id);

  return row != NULL && tg_report_row_get_conflict_shown (row) == wait->conflict;
}

typedef struct
{
  TgWindow          *window;
  const char        *report_id;
  TgReportSyncState  state;
} StateWait;

static gboolean
row_shows_state (gpointer data)
{
  StateWait *wait = data;
  TgReportRow *row = row_of (wait->window, wait->report_id);

  return row != NULL && tg_report_row_get_sync_state_shown (row) == wait->state;
}

static gboolean
editor_shows_conflict (gpointer data)
{
  TgWindow *window = data;

  return window->editor != NULL && tg_report_editor_get_conflict_shown (window->editor);
}

static gboolean
resolver_choosing (gpointer data)
{
  TgWindow *window = data;
  GtkWindow *resolver = tg_report_editor_get_resolver (window->editor);

  return resolver != NULL &&
         g_strcmp0 (tg_resolver_window_get_state (TG_RESOLVER_WINDOW (TG_CONFLICT_RESOLVER (resolver))), "choosing") == 0;
}

static gboolean
resolver_reloaded (gpointer data)
{
  TgConflictResolver *resolver = data;

  return tg_resolver_window_get_notice (TG_RESOLVER_WINDOW (resolver)) != NULL &&
         g_strcmp0 (tg_resolver_window_get_state (TG_RESOLVER_WINDOW (resolver)), "choosing") == 0;
}

static gboolean
resolver_closed (gpointer data)
{
  TgWindow *window = data;

  return tg_report_editor_get_resolver (window->editor) == NULL;
}

/* The store ---------------------------------------------------------------- */

/* A revision made on another device, child of @parent, as a pull brings. */
static TgRevision *
insert_from_other_device (TgStore    *store,
                          TgReport   *content,
                          const char *parent,
                          gint64      device_seq)
{
  g_autofree char *json = tg_report_to_json_string (content);
  const char *parents[] = { parent, NULL };
  g_autoptr(TgRevision) rev = tg_revision_new (tg_report_get_id (content), TG_REVISION_KIND_REPORT,
                                               parents, OTHER_DEVICE, device_seq,
                                               g_get_real_time (), FALSE, json);
  g_autoptr(GPtrArray) batch = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  guint n = 0;

  g_ptr_array_add (batch, rev);
  g_assert_true (tg_store_insert_revisions (store, batch, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 1);
  return g_steal_pointer (&rev);
}

static gboolean
strv_has (const char * const *strv,
          const char         *str)
{
  return strv != NULL && g_strv_contains (strv, str);
}

/* One head, both former heads its parents, and every field as chosen. */
static void
check_merged (TgStore    *store,
              const char *report_id,
              const char *local_head,
              const char *remote_head)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) heads = tg_store_list_heads (store, report_id, &error);
  g_autoptr(TgReport) report = NULL;
  const char * const *parents;

  g_assert_no_error (error);
  g_assert_cmpuint (heads->len, ==, 1);
  parents = tg_revision_get_parents (heads->pdata[0]);
  g_assert_cmpuint (g_strv_length ((char **) parents), ==, 2);
  g_assert_true (strv_has (parents, local_head));
  g_assert_true (strv_has (parents, remote_head));

  report = tg_store_load_report (store, report_id, &error);
  g_assert_no_error (error);
  g_assert_false (tg_report_has_conflict (report));
  g_assert_cmpstr (tg_report_get_title (report), ==, TITLE_REMOTE);
  g_assert_cmpstr (tg_report_get_narrative (report), ==, TYPED);
  g_assert_cmpstrv (tg_report_get_categories (report), local_categories);
  g_assert_cmpint (tg_report_get_killed (report), ==, 18);
  /* Untouched by either device: as both had it. */
  g_assert_cmpstr (tg_report_get_place_name (report), ==, "Juliaca");
  g_assert_cmpint (tg_store_get_report_sync_state (store, report_id), !=, TG_REPORT_SYNC_CONFLICT);
}

static void
test_resolve (void)
{
  TgApplication *app = TG_APPLICATION (g_application_get_default ());
  g_autofree char *dir = tg_test_make_tmp_dir ("testigo-conflict-XXXXXX");
  g_autoptr(TgStore) store = tg_test_open_store (dir);
  g_autoptr(TgReport) report = tg_report_new ();
  g_autoptr(TgReport) local = NULL;
  g_autoptr(TgReport) remote = NULL;
  g_autoptr(TgReport) other = tg_report_new ();
  g_autoptr(TgRevision) root = NULL;
  g_autoptr(TgRevision) local_rev = NULL;
  g_autoptr(TgRevision) remote_rev = NULL;
  g_autoptr(TgRevision) remote_rev2 = NULL;
  g_autoptr(TgRevision) other_rev = NULL;
  g_autoptr(TgReport) theirs = tg_report_new ();
  g_autoptr(TgRevision) theirs_rev = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  TgWindow *window;
  LabelWait says;
  TgConflictResolver *resolver;
  GtkWidget *button, *view;
  RowWait wait;

  /* One report saved here; then edited here, and from the same revision
   * on the other device. */
  tg_report_set_title (report, "Juliaca");
  tg_report_set_place_name (report, "Juliaca");
  tg_report_set_narrative (report, "Versión inicial");
  root = tg_store_save_report (store, report, &error);
  g_assert_no_error (error);
  id = g_strdup (tg_report_get_id (report));

  remote = tg_report_copy (report);
  local = tg_report_copy (report);
  tg_report_set_title (local, TITLE_LOCAL);
  tg_report_set_narrative (local, "Relato de este portátil");
  tg_report_set_categories (local, local_categories);
  local_rev = tg_store_save_report (store, local, &error);
  g_assert_no_error (error);

  tg_report_set_title (remote, TITLE_REMOTE);
  tg_report_set_narrative (remote, "Relato del otro dispositivo");
  tg_report_set_categories (remote, remote_categories);
  tg_report_set_killed (remote, 17);
  remote_rev = insert_from_other_device (store, remote, tg_revision_get_id (root), 1);
  g_assert_cmpint (tg_store_get_report_sync_state (store, id), ==, TG_REPORT_SYNC_CONFLICT);

  /* A report without a conflict, for contrast. */
  tg_report_set_title (other, "Ayacucho");
  other_rev = tg_store_save_report (store, other, &error);
  g_assert_no_error (error);

  /* The other device as a pull page named it. */
  {
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func ((GDestroyNotify) tg_sync_device_name_free);
    TgSyncDeviceName *name = g_new0 (TgSyncDeviceName, 1);

    name->device_id = g_strdup (OTHER_DEVICE);
    name->name = g_strdup ("Laptop Huanta");
    name->user = g_strdup ("rosa");
    g_ptr_array_add (names, name);
    g_assert_true (tg_store_set_device_names (store, names, &error));
    g_assert_no_error (error);
  }
  /* A report only the other device wrote. */
  tg_report_set_title (theirs, "Huanta: toque de queda");
  theirs_rev = insert_from_other_device (store, theirs, NULL, 3);

  window = tg_window_new (app);
  gtk_window_present (GTK_WINDOW (window));
  tg_window_set_store (window, store);

  /* The list: the badge on the conflicted report's row only. */
  wait = (RowWait) { window, id, TRUE };
  tg_test_iterate_until (row_shows, &wait, WAIT_MS, "the row shows the conflict badge");
  g_assert_cmpint (tg_report_row_get_sync_state_shown (row_of (window, id)), ==, TG_REPORT_SYNC_CONFLICT);
  wait = (RowWait) { window, tg_report_get_id (other), FALSE };
  tg_test_iterate_until (row_shows, &wait, WAIT_MS, "the other row has no badge");
  g_assert_cmpint (tg_report_row_get_sync_state_shown (row_of (window, tg_report_get_id (other))), ==,
                   TG_REPORT_SYNC_LOCAL_ONLY);

  /* The server acknowledges the other report: only "report-sync-changed"
   * is emitted (its content is unchanged), and its row follows. */
  {
    const char *rev_ids[] = { tg_revision_get_id (other_rev) };
    const gint64 seqs[] = { 1 };
    StateWait state_wait = { window, tg_report_get_id (other), TG_REPORT_SYNC_SYNCED };

    g_assert_true (tg_store_mark_synced_batch (store, rev_ids, seqs, 1, &error));
    g_assert_no_error (error);
    tg_test_iterate_until (row_shows_state, &state_wait, WAIT_MS, "the other row shows it is on the server");
  }

  /* The editor: the banner, then Resolve…. */
  tg_window_open_report (window, id);
  tg_test_iterate_until (editor_shows_conflict, window, WAIT_MS, "the editor shows the conflict banner");
  g_assert_cmpint (tg_report_editor_get_sync_state (window->editor), ==, TG_REPORT_SYNC_CONFLICT);
  /* The banner says which devices: this laptop and the other by name. */
  says = (LabelWait) { window, "This report was changed on this laptop and Laptop Huanta (rosa). "
                               "Choose what to keep from each version." };
  tg_test_iterate_until (editor_says, &says, WAIT_MS, "the banner names both devices");
  button = tg_test_find_widget (GTK_WIDGET (window->editor), is_button_labelled, "_Resolve…");
  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  tg_test_iterate_until (resolver_choosing, window, WAIT_MS, "the resolver shows the fields");
  resolver = TG_CONFLICT_RESOLVER (tg_report_editor_get_resolver (window->editor));
  g_object_ref (resolver);

  /* Title, narrative, categories and killed differ; nothing else. */
  g_assert_cmpuint (tg_resolver_window_get_n_choices (TG_RESOLVER_WINDOW (resolver)), ==, 4);
  g_assert_cmpuint (tg_resolver_window_get_n_chosen (TG_RESOLVER_WINDOW (resolver)), ==, 0);
  /* Nothing is saved before every field has an answer. */
  gtk_widget_activate_action (GTK_WIDGET (resolver), "resolver.save", NULL);
  g_assert_cmpstr (tg_resolver_window_get_state (TG_RESOLVER_WINDOW (resolver)), ==, "choosing");

  /* Versions: this laptop's first (0), the other device's second (1). */
  tg_test_choose (GTK_WIDGET (resolver), "title", 1);
  tg_test_choose (GTK_WIDGET (resolver), "categories", 0);
  tg_test_choose (GTK_WIDGET (resolver), "killed", 1);
  view = tg_test_find_widget (GTK_WIDGET (resolver), is_text_view_of, "narrative");
  g_assert_nonnull (view);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (view)), TYPED, -1);
  g_assert_cmpuint (tg_resolver_window_get_n_chosen (TG_RESOLVER_WINDOW (resolver)), ==, 4);

  /* Meanwhile the other device changes the count again. */
  tg_report_set_killed (remote, 18);
  remote_rev2 = insert_from_other_device (store, remote, tg_revision_get_id (remote_rev), 2);

  gtk_widget_activate_action (GTK_WIDGET (resolver), "resolver.save", NULL);
  tg_test_iterate_until (resolver_reloaded, resolver, WAIT_MS, "the resolver says another change came");
  g_assert_nonnull (strstr (tg_resolver_window_get_notice (TG_RESOLVER_WINDOW (resolver)), "Another change"));
  {
    g_autoptr(GPtrArray) heads = tg_store_list_heads (store, id, &error);

    g_assert_cmpuint (heads->len, ==, 2);  /* nothing was saved */
  }
  /* The title, categories and typed narrative still apply; the count
   * the other device changed again asks anew. */
  g_assert_cmpuint (tg_resolver_window_get_n_choices (TG_RESOLVER_WINDOW (resolver)), ==, 4);
  g_assert_cmpuint (tg_resolver_window_get_n_chosen (TG_RESOLVER_WINDOW (resolver)), ==, 3);
  /* Categories: this laptop's version is still there. Title: the other
   * device's version was replaced by one with the same title, now
   * chosen. The narrative as typed. The count: asked anew, and said. */
  g_assert_true (chosen (GTK_WINDOW (resolver), "categories", 0));
  g_assert_true (chosen (GTK_WINDOW (resolver), "title", 1));
  g_assert_true (chosen (GTK_WINDOW (resolver), "narrative", TG_CHOICE_PICK_TYPED));
  g_assert_false (chosen (GTK_WINDOW (resolver), "killed", 0));
  g_assert_false (chosen (GTK_WINDOW (resolver), "killed", 1));
  view = tg_test_find_widget (GTK_WIDGET (resolver), is_text_view_of, "narrative");
  {
    GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (view));
    GtkTextIter start, end;
    g_autofree char *text = NULL;

    gtk_text_buffer_get_bounds (buffer, &start, &end);
    text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
    g_assert_cmpstr (text, ==, TYPED);
  }
  g_assert_nonnull (strstr (tg_resolver_window_get_notice (TG_RESOLVER_WINDOW (resolver)),
                            "The version you chose for Title is gone: the version with the same value is chosen now."));
  g_assert_nonnull (strstr (tg_resolver_window_get_notice (TG_RESOLVER_WINDOW (resolver)),
                            "The version you chose for Killed is gone: choose again."));
  tg_test_choose (GTK_WIDGET (resolver), "killed", 1);
  gtk_widget_activate_action (GTK_WIDGET (resolver), "resolver.save", NULL);
  tg_test_iterate_until (resolver_closed, window, WAIT_MS, "the resolver closes once saved");
  g_assert_cmpstr (tg_resolver_window_get_state (TG_RESOLVER_WINDOW (resolver)), ==, "saved");
  g_object_unref (resolver);

  check_merged (store, id, tg_revision_get_id (local_rev), tg_revision_get_id (remote_rev2));

  /* The editor goes on from the merge; the banner and the badge go. */
  g_assert_cmpstr (tg_report_get_title (tg_report_editor_get_report (window->editor)), ==, TITLE_REMOTE);
  g_assert_false (tg_report_editor_get_conflict_shown (window->editor));
  wait = (RowWait) { window, id, FALSE };
  tg_test_iterate_until (row_shows, &wait, WAIT_MS, "the row's badge goes");
  /* The merge was made here: its state line names no other device. */
  says = (LabelWait) { window, "last changed on" };
  g_assert_false (editor_says (&says));

  /* A report the other device wrote: its state line says who. */
  tg_window_open_report (window, tg_report_get_id (theirs));
  says = (LabelWait) { window, " — last changed on Laptop Huanta (rosa)" };
  tg_test_iterate_until (editor_says, &says, WAIT_MS, "the editor says the other device changed it last");

  gtk_window_destroy (GTK_WINDOW (window));
  tg_test_iterate_pending ();

  /* After a restart, the same. */
  tg_store_close (store);
  g_clear_object (&store);
  store = tg_test_open_store (dir);
  check_merged (store, id, tg_revision_get_id (local_rev), tg_revision_get_id (remote_rev2));
  tg_store_close (store);
  tg_test_rm_rf (dir);
}

static gboolean
window_has_label (gpointer data)
{
  LabelWait *wait = data;

  return tg_test_find_widget (GTK_WIDGET (wait->window), is_label_with, wait->text) != NULL;
}

/* The history names the devices whose changes a sync brought, as the
 * server named them, and nothing for an entry that names none. */
static void
test_history_names (void)
{
  g_autofree char *dir = tg_test_make_tmp_dir ("testigo-history-XXXXXX");
  g_autoptr(TgStore) store = tg_test_open_store (dir);
  g_autoptr(GError) error = NULL;
  TgSyncEntry quiet = { .started_at = g_get_real_time () - 60 * G_USEC_PER_SEC,
                        .outcome = TG_SYNC_OUTCOME_OK };
  TgSyncEntry named = { .started_at = g_get_real_time (), .outcome = TG_SYNC_OUTCOME_OK,
                        .n_revisions_received = 3, .n_reports_changed = 2,
                        .received_from = (char *) "Laptop Huanta\trosa\nOficina Lima\tana" };
  GtkWidget *dialog;
  LabelWait says;

  g_assert_true (tg_store_add_sync_entry (store, &quiet, &error));
  g_assert_true (tg_store_add_sync_entry (store, &named, &error));
  g_assert_no_error (error);
  dialog = tg_sync_history_dialog_new (store);
  gtk_window_present (GTK_WINDOW (dialog));
  says = (LabelWait) { (TgWindow *) dialog, "Changes from: Laptop Huanta (rosa), Oficina Lima (ana)" };
  tg_test_iterate_until (window_has_label, &says, WAIT_MS, "the history names both devices");
  /* once: the entry that names nobody says nothing of devices */
  g_assert_cmpuint (tg_test_count_widgets (dialog, is_label_with, "Changes from:"), ==, 1);
  gtk_window_destroy (GTK_WINDOW (dialog));
  tg_test_iterate_pending ();
  tg_store_close (store);
  tg_test_rm_rf (dir);
}

static gboolean
state_is_choosing (gpointer data)
{
  return g_strcmp0 (tg_resolver_window_get_state (data), "choosing") == 0;
}

/* A narrative typed as one's own stays, shown and chosen, after a reload
 * that makes every version's narrative the same. */
static void
test_typed_kept (void)
{
  g_autofree char *dir = tg_test_make_tmp_dir ("testigo-typed-XXXXXX");
  g_autoptr(TgStore) store = tg_test_open_store (dir);
  g_autoptr(TgReport) report = tg_report_new ();
  g_autoptr(TgReport) local = NULL;
  g_autoptr(TgReport) remote = NULL;
  g_autoptr(TgRevision) root = NULL;
  g_autoptr(TgRevision) local_rev = NULL;
  g_autoptr(TgRevision) remote_rev = NULL;
  g_autoptr(TgRevision) remote_rev2 = NULL;
  g_autoptr(GError) error = NULL;
  TgResolverWindow *resolver;
  GtkWidget *view;

  tg_report_set_title (report, "Juliaca");
  tg_report_set_narrative (report, "Versión inicial");
  root = tg_store_save_report (store, report, &error);
  g_assert_no_error (error);
  local = tg_report_copy (report);
  remote = tg_report_copy (report);
  tg_report_set_title (local, TITLE_LOCAL);
  tg_report_set_narrative (local, "Relato de este portátil");
  local_rev = tg_store_save_report (store, local, &error);
  g_assert_no_error (error);
  tg_report_set_title (remote, TITLE_REMOTE);
  tg_report_set_narrative (remote, "Relato del otro dispositivo");
  remote_rev = insert_from_other_device (store, remote, tg_revision_get_id (root), 1);

  resolver = TG_RESOLVER_WINDOW (tg_conflict_resolver_new (store, tg_report_get_id (report), NULL, NULL));
  g_object_ref_sink (resolver);
  gtk_window_present (GTK_WINDOW (resolver));
  tg_test_iterate_until (state_is_choosing, resolver, WAIT_MS, "the resolver shows the fields");
  g_assert_cmpuint (tg_resolver_window_get_n_choices (resolver), ==, 2);
  tg_test_choose (GTK_WIDGET (resolver), "title", 0);
  view = tg_test_find_widget (GTK_WIDGET (resolver), is_text_view_of, "narrative");
  g_assert_nonnull (view);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (view)), TYPED, -1);
  g_assert_cmpuint (tg_resolver_window_get_n_chosen (resolver), ==, 2);

  /* The other device takes this laptop's narrative meanwhile: no
   * version differs there any more, but what was typed stays. */
  tg_report_set_narrative (remote, "Relato de este portátil");
  remote_rev2 = insert_from_other_device (store, remote, tg_revision_get_id (remote_rev), 2);
  gtk_widget_activate_action (GTK_WIDGET (resolver), "resolver.save", NULL);
  tg_test_iterate_until (resolver_reloaded, resolver, WAIT_MS, "the resolver says another change came");
  g_assert_cmpuint (tg_resolver_window_get_n_choices (resolver), ==, 2);
  g_assert_cmpuint (tg_resolver_window_get_n_chosen (resolver), ==, 2);
  g_assert_true (chosen (GTK_WINDOW (resolver), "title", 0));
  g_assert_true (chosen (GTK_WINDOW (resolver), "narrative", TG_CHOICE_PICK_TYPED));
  view = tg_test_find_widget (GTK_WIDGET (resolver), is_text_view_of, "narrative");
  g_assert_nonnull (view);
  {
    GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (view));
    GtkTextIter start, end;
    g_autofree char *text = NULL;

    gtk_text_buffer_get_bounds (buffer, &start, &end);
    text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
    g_assert_cmpstr (text, ==, TYPED);
  }

  gtk_window_destroy (GTK_WINDOW (resolver));
  g_object_unref (resolver);
  tg_test_iterate_pending ();
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

  g_test_add_func ("/conflict/resolve", test_resolve);
  g_test_add_func ("/conflict/history-names", test_history_names);
  g_test_add_func ("/conflict/typed-kept", test_typed_kept);
  return g_test_run ();
}
