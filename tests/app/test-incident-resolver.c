/* test-incident-resolver.c — an incident changed by two coordinators at
 * once, shown and resolved in the incident resolver
 *
 * Two real stores (two laptops) exchange revisions as a sync would. Each
 * changes the incident: the Incidents page gets its attention badge; the
 * resolver lists each differing part with both versions, the other
 * laptop named as the server named it; a new title is written, the rest
 * picked. Another change arrives before saving: the store refuses, the
 * resolver says so and loads the versions again, keeping the choices:
 * the new title and every version's reports as they were, the parts
 * taken from the other laptop's replaced version on its newer version
 * where the value is the same, the notes (changed again) asked anew and
 * said so; answered again and saved, the incident has one head whose parents are both heads, and
 * the badge goes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <sqlite3.h>
#include <string.h>

#include <adwaita.h>

#include "tg-incident-editor.h"
#include "tg-incident-resolver.h"
#include "tg-store-private.h"
#include "tg-store-sync.h"
#include "tg-test-common.h"
#include "tg-test-gtk.h"
#include "tg-workspace.h"

#define WAIT_MS 30000
#define NEW_TITLE "Masacre del puente de Juliaca"

/* Copies every revision @from has that @to lacks, as a sync would. */
static void
exchange (TgStore *from,
          TgStore *to)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func (g_object_unref);
  sqlite3 *db = tg_store_get_db (from);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT rev_id FROM revisions ORDER BY local_seq", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      TgRevision *rev = tg_store_get_revision (from, (const char *) sqlite3_column_text (stmt, 0), &error);

      g_assert_no_error (error);
      g_ptr_array_add (all, rev);
    }
  sqlite3_finalize (stmt);
  g_assert_true (tg_store_insert_revisions (to, all, NULL, &error));
  g_assert_no_error (error);
}

static char *
add_report (TgStore    *store,
            const char *title,
            int         killed)
{
  g_autoptr(TgReport) report = tg_report_new ();
  g_autoptr(TgRevision) rev = NULL;
  g_autoptr(GError) error = NULL;

  tg_report_set_title (report, title);
  tg_report_set_killed (report, killed);
  rev = tg_store_save_report (store, report, &error);
  g_assert_no_error (error);
  return g_strdup (tg_report_get_id (report));
}

static gboolean
is_entry_of (GtkWidget     *widget,
             gconstpointer  key)
{
  return ADW_IS_ENTRY_ROW (widget) && g_strcmp0 (g_object_get_data (G_OBJECT (widget), "tg-choice-key"), key) == 0;
}

static gboolean
is_row_subtitled (GtkWidget     *widget,
                  gconstpointer  text)
{
  return ADW_IS_ACTION_ROW (widget) &&
         strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (widget)) ?: "", text) != NULL;
}

static gboolean
state_is (gpointer data)
{
  TgIncidentResolver *resolver = data;
  const char *wanted = g_object_get_data (G_OBJECT (resolver), "tg-wanted-state");

  return g_strcmp0 (tg_resolver_window_get_state (TG_RESOLVER_WINDOW (resolver)), wanted) == 0;
}

static void
wait_state (TgIncidentResolver *resolver,
            const char         *state)
{
  g_object_set_data (G_OBJECT (resolver), "tg-wanted-state", (gpointer) state);
  tg_test_iterate_until (state_is, resolver, WAIT_MS, state);
}

static gboolean
reloaded_with_notice (gpointer data)
{
  TgIncidentResolver *resolver = data;

  return tg_resolver_window_get_notice (TG_RESOLVER_WINDOW (resolver)) != NULL &&
         g_strcmp0 (tg_resolver_window_get_state (TG_RESOLVER_WINDOW (resolver)), "choosing") == 0 &&
         tg_resolver_window_get_n_chosen (TG_RESOLVER_WINDOW (resolver)) > 0;
}

static gboolean
is_group_of (GtkWidget     *widget,
             gconstpointer  key)
{
  return TG_IS_CHOICE_GROUP (widget) && g_strcmp0 (tg_choice_group_get_key (TG_CHOICE_GROUP (widget)), key) == 0;
}

/* The group of @key, as shown. */
static TgChoiceGroup *
group_of (TgIncidentResolver *resolver,
          const char         *key)
{
  GtkWidget *group = tg_test_find_widget (GTK_WIDGET (resolver), is_group_of, key);

  g_assert_nonnull (group);
  return TG_CHOICE_GROUP (group);
}

static void
resolved_cb (TgIncidentResolver *resolver,
             const char         *incident_id,
             char              **out)
{
  *out = g_strdup (incident_id);
}

/* Answers every part: the title typed anew, the members together, the
 * rest from the other laptop's version (the second). */
static void
answer (TgIncidentResolver *resolver,
        TgIncidentConflict *conflict)
{
  for (guint i = 0; i < conflict->differences->len; i++)
    {
      TgIncidentDifference *difference = conflict->differences->pdata[i];

      if (g_str_equal (difference->key, "field:title"))
        {
          GtkWidget *entry = tg_test_find_widget (GTK_WIDGET (resolver), is_entry_of, difference->key);

          g_assert_nonnull (entry);
          gtk_editable_set_text (GTK_EDITABLE (entry), NEW_TITLE);
        }
      else if (g_str_equal (difference->key, "members"))
        tg_test_choose (GTK_WIDGET (resolver), difference->key, TG_INCIDENT_PICK_UNION);
      else
        tg_test_choose (GTK_WIDGET (resolver), difference->key, 1);
    }
}

static gboolean
is_resolve_button (GtkWidget     *widget,
                   gconstpointer  data)
{
  return GTK_IS_BUTTON (widget) &&
         g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), _("_Resolve Conflict…")) == 0;
}

static gboolean
resolve_button_shown (gpointer data)
{
  GtkWidget *button = tg_test_find_widget (data, is_resolve_button, NULL);

  return button != NULL && gtk_widget_get_mapped (button);
}

static gboolean
resolve_button_hidden (gpointer data)
{
  GtkWidget *button = tg_test_find_widget (data, is_resolve_button, NULL);

  return button != NULL && !gtk_widget_get_visible (button);
}

static gboolean
pointer_is_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

static gboolean
resolver_open (gpointer data)
{
  TgIncidentResolver **out = data;
  GListModel *windows = gtk_window_get_toplevels ();  /* not ours */

  for (guint i = 0; i < g_list_model_get_n_items (windows); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (windows, i);

      if (TG_IS_INCIDENT_RESOLVER (window))
        *out = TG_INCIDENT_RESOLVER (window);
    }
  return *out != NULL;
}

/* With $TESTIGO_SHOT set, the window as shown, to that PNG file (a
 * look at the screen, not a check). */
static void
maybe_screenshot (GtkWidget *widget)
{
  const char *path = g_getenv ("TESTIGO_SHOT");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int width, height;

  if (path == NULL)
    return;
  tg_test_iterate_pending ();
  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  if (node == NULL)
    return;
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)), node, NULL);
  gdk_texture_save_to_png (texture, path);
}

static guint
flag (AdwViewStack *pages,
      TgWorkspace  *workspace)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = tg_workspace_list_incidents (workspace, -1, &error);

  g_assert_no_error (error);
  return tg_incident_resolver_flag_attention (pages, "incidents", rows);
}

static void
test_resolve (void)
{
  g_autofree char *dir = tg_test_make_tmp_dir ("testigo-incident-resolver-XXXXXX");
  g_autoptr(TgStore) a = tg_test_open_store_in (dir, "a");
  g_autoptr(TgStore) b = tg_test_open_store_in (dir, "b");
  g_autoptr(TgWorkspace) wa = tg_workspace_new (a);
  g_autoptr(TgWorkspace) wb = tg_workspace_new (b);
  g_autoptr(GError) error = NULL;
  g_autoptr(TgIncident) merged = NULL;
  g_autoptr(TgIncidentConflict) conflict = NULL;
  g_autofree char *r1 = NULL, *r2 = NULL, *r3 = NULL, *id = NULL, *resolved_id = NULL;
  AdwViewStack *pages = ADW_VIEW_STACK (adw_view_stack_new ());
  AdwViewStackPage *page;
  TgIncidentResolver *resolver = NULL;
  GtkWidget *window, *editor;

  g_object_ref_sink (pages);
  page = adw_view_stack_add_titled (pages, gtk_label_new ("incidents"), "incidents", "Incidents");

  r1 = add_report (a, "Disparos en el puente", 4);
  r2 = add_report (a, "Cinco muertos en el puente", 5);
  r3 = add_report (a, "Un testigo del puente", -1);
  {
    const char *ids[] = { r1, r2, NULL };

    merged = tg_workspace_merge (wa, ids, &error);
    g_assert_no_error (error);
    id = g_strdup (tg_incident_get_id (merged));
  }
  exchange (a, b);
  g_assert_cmpuint (flag (pages, wa), ==, 0);
  g_assert_false (adw_view_stack_page_get_needs_attention (page));

  /* At once: a new title and status here; a third report, a figure and notes there. */
  {
    const char *third[] = { r3, NULL };
    g_autoptr(TgIncident) s = NULL, j = NULL, f = NULL, n = NULL;

    g_autoptr(JsonObject) title = json_object_new ();
    g_autoptr(TgIncident) t = NULL;

    json_object_set_string_member (title, "title", "Disparos en el puente de Juliaca");
    t = tg_workspace_set_field (wa, id, TG_INCIDENT_FIELD_TITLE, title, "Lugar exacto", &error);
    g_assert_no_error (error);
    s = tg_workspace_set_status (wa, id, TG_INCIDENT_STATUS_VERIFIED, "Actas", &error);
    g_assert_no_error (error);
    j = tg_workspace_join (wb, id, third, &error);
    g_assert_no_error (error);
    f = tg_workspace_set_figure (wb, id, TG_INCIDENT_COUNT_KILLED, 5, "Morgue", &error);
    g_assert_no_error (error);
    n = tg_workspace_set_notes (wb, id, "Notas de Huanta", &error);
    g_assert_no_error (error);
  }
  exchange (b, a);
  /* The other laptop as a pull page named it. */
  {
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func ((GDestroyNotify) tg_sync_device_name_free);
    TgSyncDeviceName *name = g_new0 (TgSyncDeviceName, 1);

    name->device_id = g_strdup (tg_store_get_device_id (b));
    name->name = g_strdup ("Laptop Huanta");
    name->user = g_strdup ("rosa");
    g_ptr_array_add (names, name);
    g_assert_true (tg_store_set_device_names (a, names, &error));
    g_assert_no_error (error);
  }

  /* The Incidents page says one needs attention. */
  g_assert_cmpuint (flag (pages, wa), ==, 1);
  g_assert_true (adw_view_stack_page_get_needs_attention (page));
  g_assert_cmpuint (adw_view_stack_page_get_badge_number (page), ==, 1);

  /* In Spanish, the catalogue is the build's: the words are Spanish. */
  if (g_str_has_prefix (g_getenv ("LANGUAGE") ?: "", "es"))
    g_assert_cmpstr (_("_Resolve Conflict…"), ==, "_Resolver el conflicto…");
  /* The incident editor offers Resolve Conflict…, which opens it. */
  window = gtk_window_new ();
  editor = tg_incident_editor_new ();
  tg_incident_editor_set_workspace (TG_INCIDENT_EDITOR (editor), wa);
  gtk_window_set_child (GTK_WINDOW (window), editor);
  gtk_window_present (GTK_WINDOW (window));
  tg_incident_editor_load (TG_INCIDENT_EDITOR (editor), id);
  tg_test_iterate_until (resolve_button_shown, editor, WAIT_MS, "the editor offers Resolve Conflict");
  gtk_widget_activate (tg_test_find_widget (editor, is_resolve_button, NULL));
  tg_test_iterate_until (resolver_open, &resolver, WAIT_MS, "the resolver opens");
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (resolver)) == GTK_WINDOW (window));
  g_signal_connect (resolver, "resolved", G_CALLBACK (resolved_cb), &resolved_id);
  wait_state (resolver, "choosing");
  conflict = tg_workspace_load_conflict (wa, id, &error);
  g_assert_no_error (error);
  /* title, status, figure, members, notes */
  {
    const char *keys[] = { "field:title", "status", "figure:killed", "members", "notes" };

    for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
      {
        gboolean found = FALSE;

        for (guint i = 0; i < conflict->differences->len; i++)
          found |= g_str_equal (((TgIncidentDifference *) conflict->differences->pdata[i])->key, keys[k]);
        g_assert_true (found);
      }
  }
  g_assert_cmpuint (tg_resolver_window_get_n_choices (TG_RESOLVER_WINDOW (resolver)), ==,
                    conflict->differences->len);
  g_assert_cmpuint (tg_resolver_window_get_n_choices (TG_RESOLVER_WINDOW (resolver)), >=, 5);
  g_assert_cmpuint (tg_resolver_window_get_n_chosen (TG_RESOLVER_WINDOW (resolver)), ==, 0);
  maybe_screenshot (GTK_WIDGET (resolver));
  /* Who wrote the other version, as the server named them. */
  g_assert_nonnull (tg_test_find_widget (GTK_WIDGET (resolver), is_row_subtitled, "Laptop Huanta (rosa)"));
  g_assert_nonnull (tg_test_find_widget (GTK_WIDGET (resolver), is_row_subtitled, _("this laptop")));

  /* A further change from the other laptop arrives before saving. */
  {
    g_autoptr(TgIncident) again = tg_workspace_set_notes (wb, id, "Notas de Huanta, corregidas", &error);

    g_assert_no_error (error);
  }
  exchange (b, a);
  answer (resolver, conflict);
  g_assert_cmpuint (tg_resolver_window_get_n_chosen (TG_RESOLVER_WINDOW (resolver)), ==,
                    tg_resolver_window_get_n_choices (TG_RESOLVER_WINDOW (resolver)));
  gtk_widget_activate_action (GTK_WIDGET (resolver), "resolver.save", NULL);
  tg_test_iterate_until (reloaded_with_notice, resolver, WAIT_MS, "the resolver says another change came");
  g_assert_null (resolved_id);

  /* The choices survived the reload: the title written anew (its text
   * too) and every version's reports; status and figure were taken from
   * the other laptop's version, now replaced by one with the same values
   * there, so that one is chosen; its notes changed again, so they ask
   * anew, and the window says which. */
  g_assert_cmpint (tg_choice_group_get_pick (group_of (resolver, "field:title")), ==, TG_CHOICE_PICK_TYPED);
  {
    g_autofree char *typed = tg_choice_group_dup_typed (group_of (resolver, "field:title"));

    g_assert_cmpstr (typed, ==, NEW_TITLE);
  }
  g_assert_cmpint (tg_choice_group_get_pick (group_of (resolver, "members")), ==, TG_INCIDENT_PICK_UNION);
  g_assert_cmpint (tg_choice_group_get_pick (group_of (resolver, "status")), ==, 1);
  g_assert_cmpint (tg_choice_group_get_pick (group_of (resolver, "figure:killed")), ==, 1);
  g_assert_cmpint (tg_choice_group_get_pick (group_of (resolver, "notes")), ==, TG_CHOICE_PICK_NONE);
  g_assert_cmpuint (tg_resolver_window_get_n_chosen (TG_RESOLVER_WINDOW (resolver)), ==,
                    tg_resolver_window_get_n_choices (TG_RESOLVER_WINDOW (resolver)) - 1);
  {
    g_autofree char *lost = g_strdup_printf (_("The version you chose for %s is gone: choose again."),
                                             adw_preferences_group_get_title (ADW_PREFERENCES_GROUP (group_of (resolver, "notes"))));

    g_assert_nonnull (strstr (tg_resolver_window_get_notice (TG_RESOLVER_WINDOW (resolver)), lost));
    g_assert_cmpstr (adw_preferences_group_get_description (ADW_PREFERENCES_GROUP (group_of (resolver, "notes"))),
                     ==, _("The version you chose is gone: choose again."));
  }

  /* Answered again and saved. */
  g_clear_pointer (&conflict, tg_incident_conflict_free);
  conflict = tg_workspace_load_conflict (wa, id, &error);
  g_assert_no_error (error);
  answer (resolver, conflict);
  gtk_widget_activate_action (GTK_WIDGET (resolver), "resolver.save", NULL);
  tg_test_iterate_until (pointer_is_set, &resolved_id, WAIT_MS, "the resolution is saved");
  g_assert_cmpstr (resolved_id, ==, id);

  {
    g_autoptr(GPtrArray) heads = tg_store_list_heads (a, id, &error);
    g_autoptr(TgIncident) shown = tg_workspace_load_incident (wa, id, &error);
    const char * const *parents;

    g_assert_no_error (error);
    g_assert_cmpuint (heads->len, ==, 1);
    parents = tg_revision_get_parents (heads->pdata[0]);
    g_assert_cmpuint (g_strv_length ((char **) parents), ==, conflict->heads->len);
    for (guint h = 0; h < conflict->heads->len; h++)
      g_assert_true (g_strv_contains (parents, ((TgIncidentHead *) conflict->heads->pdata[h])->rev_id));
    g_assert_cmpstr (tg_incident_get_title (shown), ==, NEW_TITLE);
    g_assert_cmpint (tg_incident_get_field_provenance (shown, TG_INCIDENT_FIELD_TITLE)->kind,
                     ==, TG_PROVENANCE_COORDINATOR);
    g_assert_cmpuint (tg_incident_get_n_members (shown), ==, 3);
    g_assert_cmpint (tg_incident_get_count (shown, TG_INCIDENT_COUNT_KILLED)->figure, ==, 5);
    g_assert_cmpstr (tg_incident_get_notes (shown), ==, "Notas de Huanta, corregidas");
  }
  /* The editor, read again, no longer offers it. */
  tg_test_iterate_until (resolve_button_hidden, editor, WAIT_MS, "the editor no longer offers it");
  /* Nothing needs attention any more. */
  g_assert_cmpuint (flag (pages, wa), ==, 0);
  g_assert_false (adw_view_stack_page_get_needs_attention (page));

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (pages);
  g_clear_object (&wa);
  g_clear_object (&wb);
  g_clear_object (&a);
  g_clear_object (&b);
  tg_test_iterate_pending ();
  tg_test_rm_rf (dir);
}

int
main (int   argc,
      char *argv[])
{
  /* --language=es --localedir=DIR: the same run in Spanish, with the
   * build's catalogue (taken out before g_test_init sees them). */
  for (int i = 1; i < argc; i++)
    {
      gboolean ours = FALSE;

      if (g_str_has_prefix (argv[i], "--language="))
        ours = g_setenv ("LANGUAGE", argv[i] + strlen ("--language="), TRUE);
      else if (g_str_has_prefix (argv[i], "--localedir="))
        ours = g_setenv ("TESTIGO_LOCALEDIR", argv[i] + strlen ("--localedir="), TRUE);
      if (ours)
        {
          memmove (&argv[i], &argv[i + 1], (argc - i) * sizeof (char *));
          argc--;
          i--;
        }
    }
  if (!tg_test_gtk_init (&argc, &argv))
    return g_test_run ();
  adw_init ();
  if (g_getenv ("TESTIGO_LOCALEDIR") != NULL)
    {
      bindtextdomain (GETTEXT_PACKAGE, g_getenv ("TESTIGO_LOCALEDIR"));
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      textdomain (GETTEXT_PACKAGE);
    }
  if (g_getenv ("TESTIGO_DARK") != NULL)
    adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  g_test_add_func ("/incident-resolver/resolve", test_resolve);
  return g_test_run ();
}
