/* tg-report-editor.c — every field of a report, saved as one types
 *
 * Each edit lands in the report object at once, is checked with
 * tg_report_check() (messages beside the fields), and is saved as a new
 * revision half a second after the typing stops (tg_store_save_report_async).
 * Switching report or closing saves what is pending right away. Undo keeps
 * the report as it was at each save.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-report-editor"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "tg-conflict-resolver.h"
#include "tg-date-button.h"
#include "tg-person-row.h"
#include "tg-report-editor.h"
#include "tg-source-import.h"
#include "tg-source-row.h"
#include "tg-store-sync.h"
#include "tg-sync-badge.h"
#include "tg-sync-util.h"
#include "tg-ui-util.h"
#include "tg-vocabulary-checklist.h"

#define SAVE_DELAY_MS   500
#define SEARCH_DELAY_MS 200
#define MAX_UNDO        100
#define FEET_PER_METRE  3.28084

struct _TgReportEditor
{
  GtkWidget       parent_instance;

  TgStore        *store;
  TgReport       *report;
  gboolean        loading;
  gboolean        dirty;
  struct _SaveJob *job;           /* the save in flight of the open report */
  GPtrArray      *left_jobs;      /* SaveJob: reports left with work in flight */
  guint           save_source;
  char           *save_state;
  GQueue          undo;           /* JSON strings, newest first */
  char           *snapshot;       /* the report at the last save */
  char           *blank;          /* a new draft as it was made, else NULL */
  gboolean        in_burst;
  gboolean        imperial;
  GSettings      *settings;     /* the app's: units, default region */
  TgGazetteer    *gazetteer;    /* names a picked place; NULL: none */

  GListModel     *harms;        /* the person rows' vocabularies */
  GListModel     *weapons;
  GPtrArray      *person_rows;
  GPtrArray      *source_rows;

  guint           search_source;
  GCancellable   *search_cancellable;
  GQueue          import_queue;   /* GFile */
  GCancellable   *import_cancellable;
  TgReportSyncState sync_state;   /* as shown */
  TgConflictResolver *resolver;   /* weak: open while merging */

  /* template children */
  GtkScrolledWindow *scroller;
  GtkRevealer    *conflict_revealer;
  GtkWidget      *resolve_button;
  GtkWidget      *sync_box;
  GtkImage       *sync_image;
  GtkLabel       *sync_label;
  GtkLabel       *conflict_label;
  GtkLabel       *save_error;
  AdwEntryRow    *title_row;
  AdwComboRow    *status_row;
  GtkLabel       *title_error;
  GtkTextView    *narrative_view;
  AdwActionRow   *start_row;
  TgDateButton   *start_button;
  AdwActionRow   *end_row;
  TgDateButton   *end_button;
  AdwComboRow    *precision_row;
  GtkLabel       *when_error;
  AdwEntryRow    *place_search_row;
  GtkRevealer    *results_revealer;
  GtkListBox     *results_list;
  AdwEntryRow    *coords_row;
  AdwEntryRow    *place_row;
  AdwEntryRow    *region_row;
  AdwEntryRow    *province_row;
  AdwActionRow   *uncertainty_row;
  GtkSpinButton  *uncertainty_spin;
  GtkLabel       *where_error;
  TgVocabularyChecklist *categories_row;
  GtkSpinButton  *killed_spin;
  GtkSpinButton  *injured_spin;
  GtkSpinButton  *detained_spin;
  GtkSpinButton  *disappeared_spin;
  TgVocabularyChecklist *perpetrators_row;
  AdwEntryRow    *unit_row;
  GtkLabel       *counts_error;
  AdwPreferencesGroup *persons_group;
  GtkLabel       *persons_error;
  AdwPreferencesGroup *sources_group;
  GtkRevealer    *import_revealer;
  GtkLabel       *import_label;
  GtkProgressBar *import_progress;
  GtkLabel       *sources_error;
};

G_DEFINE_FINAL_TYPE (TgReportEditor, tg_report_editor, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SAVE_STATE,
  N_PROPS
};

enum {
  PICK_LOCATION,
  SHOW_MESSAGE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void edited (TgReportEditor *self);
static void import_next (TgReportEditor *self);

/* Helpers --------------------------------------------------------------- */

static void
set_save_state (TgReportEditor *self,
                const char     *state)
{
  if (g_strcmp0 (self->save_state, state) == 0)
    return;
  g_free (self->save_state);
  self->save_state = g_strdup (state);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SAVE_STATE]);
}

static void
message (TgReportEditor *self,
         const char     *text)
{
  g_signal_emit (self, signals[SHOW_MESSAGE], 0, text);
}

static void
show_field_error (GtkLabel   *label,
                  const char *text)
{
  gtk_label_set_text (label, text ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (label), text != NULL && *text != '\0');
}

static void
mark_row (gpointer  row,
          gboolean  bad)
{
  if (bad)
    gtk_widget_add_css_class (GTK_WIDGET (row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
}

static char *
coordinate_problem (TgReportEditor *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->coords_row));
  g_autoptr(GError) error = NULL;
  double lat, lon;

  if (text == NULL || *text == '\0')
    return NULL;
  if (tg_parse_coordinates (text, &lat, &lon, &error))
    return NULL;
  return g_strdup (error->message);
}

/* Runs the model's checks and shows each message beside its field. */
static void
validate (TgReportEditor *self)
{
  g_autoptr(GPtrArray) issues = NULL;
  g_autoptr(GString) title = g_string_new (NULL);
  g_autoptr(GString) when = g_string_new (NULL);
  g_autoptr(GString) where = g_string_new (NULL);
  g_autoptr(GString) counts = g_string_new (NULL);
  g_autoptr(GString) persons = g_string_new (NULL);
  g_autoptr(GString) sources = g_string_new (NULL);
  g_autofree char *coords = NULL;
  gboolean bad_title = FALSE, bad_start = FALSE, bad_end = FALSE, bad_coords = FALSE, bad_uncertainty = FALSE;

  if (self->report == NULL)
    return;

  issues = tg_report_check (self->report);
  coords = coordinate_problem (self);
  if (coords != NULL)
    {
      g_string_append (where, coords);
      bad_coords = TRUE;
    }

  for (guint i = 0; i < issues->len; i++)
    {
      TgValidationIssue *issue = g_ptr_array_index (issues, i);
      GString *target;

      if (g_str_equal (issue->field, "title") || g_str_equal (issue->field, "narrative"))
        target = title, bad_title = TRUE;
      else if (g_str_equal (issue->field, "start"))
        target = when, bad_start = TRUE;
      else if (g_str_equal (issue->field, "end"))
        target = when, bad_end = TRUE;
      else if (g_str_equal (issue->field, "latitude") || g_str_equal (issue->field, "longitude"))
        target = where, bad_coords = TRUE;
      else if (g_str_equal (issue->field, "uncertainty"))
        target = where, bad_uncertainty = TRUE;
      else if (g_str_equal (issue->field, "persons"))
        target = persons;
      else if (g_str_equal (issue->field, "sources"))
        target = sources;
      else
        target = counts;

      if (strstr (target->str, issue->message) == NULL)
        g_string_append_printf (target, "%s%s", target->len ? "\n" : "", issue->message);
    }

  show_field_error (self->title_error, title->str);
  show_field_error (self->when_error, when->str);
  show_field_error (self->where_error, where->str);
  show_field_error (self->counts_error, counts->str);
  show_field_error (self->persons_error, persons->str);
  /* Import errors also land here; keep them until the next import. */
  if (sources->len > 0 || g_queue_is_empty (&self->import_queue))
    {
      if (sources->len > 0 || !gtk_widget_get_visible (GTK_WIDGET (self->sources_error)))
        show_field_error (self->sources_error, sources->str);
    }
  mark_row (self->title_row, bad_title);
  mark_row (self->start_row, bad_start);
  mark_row (self->end_row, bad_end);
  mark_row (self->coords_row, bad_coords);
  mark_row (self->uncertainty_row, bad_uncertainty);
}

/* A tick writes the whole set of ticked codes of its group. */
static void
categories_changed_cb (TgReportEditor *self)
{
  if (self->loading || self->report == NULL)
    return;
  tg_report_set_categories (self->report, tg_vocabulary_checklist_get_codes (self->categories_row));
  edited (self);
}

static void
perpetrators_changed_cb (TgReportEditor *self)
{
  if (self->loading || self->report == NULL)
    return;
  tg_report_set_perpetrators (self->report, tg_vocabulary_checklist_get_codes (self->perpetrators_row));
  edited (self);
}

static const char *
method_label (TgLocationMethod method)
{
  switch (method)
    {
    case TG_LOCATION_METHOD_MAP: return _("Set on the map");
    case TG_LOCATION_METHOD_GPS: return _("From GPS");
    case TG_LOCATION_METHOD_GAZETTEER: return _("From the list of places");
    case TG_LOCATION_METHOD_TYPED: return _("Typed coordinates");
    case TG_LOCATION_METHOD_PHOTO: return _("From a photo’s metadata");
    case TG_LOCATION_METHOD_NONE:
    default: return _("No location yet");
    }
}

static void
update_uncertainty_label (TgReportEditor *self)
{
  adw_action_row_set_subtitle (self->uncertainty_row,
                               self->imperial ? _("Radius in feet; 0 if unknown")
                                              : _("Radius in metres; 0 if unknown"));
}

static void
update_location_subtitle (TgReportEditor *self)
{
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (gtk_widget_get_ancestor (GTK_WIDGET (self->coords_row),
                                                                                         ADW_TYPE_PREFERENCES_GROUP)),
                                         method_label (tg_report_get_location_method (self->report)));
}

static void
set_entry (gpointer    editable,
           const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (editable), text ? text : "");
}

static void person_changed_cb (TgReportEditor *self);
static void person_remove_cb (TgReportEditor *self, TgPersonRow *row);
static void source_changed_cb (TgReportEditor *self);
static void source_remove_cb (TgReportEditor *self, TgSourceRow *row);
static void source_use_location_cb (TgReportEditor *self, double lat, double lon, TgSourceRow *row);
static void source_message_cb (TgReportEditor *self, const char *text, TgSourceRow *row);
static void source_use_time_cb (TgReportEditor *self, const char *captured_at, TgSourceRow *row);
static void source_use_time_and_location_cb (TgReportEditor *self, const char *captured_at,
                                             double lat, double lon, TgSourceRow *row);
static void update_photo_offers (TgReportEditor *self);

static void
rebuild_persons (TgReportEditor *self)
{
  GListModel *persons;

  for (guint i = 0; i < self->person_rows->len; i++)
    adw_preferences_group_remove (self->persons_group, g_ptr_array_index (self->person_rows, i));
  g_ptr_array_set_size (self->person_rows, 0);
  if (self->report == NULL)
    return;

  persons = tg_report_get_persons (self->report);
  for (guint i = 0; i < g_list_model_get_n_items (persons); i++)
    {
      g_autoptr(TgPerson) person = g_list_model_get_item (persons, i);
      GtkWidget *row = tg_person_row_new (person, self->harms, self->weapons);

      g_signal_connect_swapped (row, "changed", G_CALLBACK (person_changed_cb), self);
      g_signal_connect_swapped (row, "remove", G_CALLBACK (person_remove_cb), self);
      adw_preferences_group_add (self->persons_group, row);
      g_ptr_array_add (self->person_rows, row);
    }
}

static void
rebuild_sources (TgReportEditor *self)
{
  GListModel *sources;
  TgBlobStore *blobs = self->store ? tg_store_get_blob_store (self->store) : NULL;

  for (guint i = 0; i < self->source_rows->len; i++)
    adw_preferences_group_remove (self->sources_group, g_ptr_array_index (self->source_rows, i));
  g_ptr_array_set_size (self->source_rows, 0);
  if (self->report == NULL)
    return;

  sources = tg_report_get_sources (self->report);
  for (guint i = 0; i < g_list_model_get_n_items (sources); i++)
    {
      g_autoptr(TgSource) source = g_list_model_get_item (sources, i);
      GtkWidget *row = tg_source_row_new (source, blobs);

      g_signal_connect_swapped (row, "changed", G_CALLBACK (source_changed_cb), self);
      g_signal_connect_swapped (row, "remove", G_CALLBACK (source_remove_cb), self);
      g_signal_connect_swapped (row, "use-location", G_CALLBACK (source_use_location_cb), self);
      g_signal_connect_swapped (row, "show-message", G_CALLBACK (source_message_cb), self);
      g_signal_connect_swapped (row, "use-time", G_CALLBACK (source_use_time_cb), self);
      g_signal_connect_swapped (row, "use-time-and-location",
                                G_CALLBACK (source_use_time_and_location_cb), self);
      adw_preferences_group_add (self->sources_group, row);
      g_ptr_array_add (self->source_rows, row);
    }
  update_photo_offers (self);
}

static void
load_widgets (TgReportEditor *self)
{
  TgReport *r = self->report;
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->narrative_view);
  double uncertainty;

  if (r == NULL)
    return;

  self->loading = TRUE;
  set_entry (self->title_row, tg_report_get_title (r));
  adw_combo_row_set_selected (self->status_row, tg_report_get_status (r));
  gtk_text_buffer_set_text (buffer, tg_report_get_narrative (r) ? tg_report_get_narrative (r) : "", -1);
  tg_date_button_set_precision (self->start_button, tg_report_get_date_precision (r));
  tg_date_button_set_precision (self->end_button, tg_report_get_date_precision (r));
  tg_date_button_set_date (self->start_button, tg_report_get_start (r));
  tg_date_button_set_date (self->end_button, tg_report_get_end (r));
  adw_combo_row_set_selected (self->precision_row, tg_report_get_date_precision (r));

  set_entry (self->place_search_row, "");
  gtk_revealer_set_reveal_child (self->results_revealer, FALSE);
  if (tg_report_has_location (r))
    {
      char lat[G_ASCII_DTOSTR_BUF_SIZE], lon[G_ASCII_DTOSTR_BUF_SIZE];
      g_autofree char *text = NULL;

      /* Always a decimal point, whatever the locale. */
      g_ascii_formatd (lat, sizeof lat, "%.6f", tg_report_get_latitude (r));
      g_ascii_formatd (lon, sizeof lon, "%.6f", tg_report_get_longitude (r));
      text = g_strdup_printf ("%s, %s", lat, lon);
      set_entry (self->coords_row, text);
    }
  else if (!isnan (tg_report_get_latitude (r)) || !isnan (tg_report_get_longitude (r)))
    {
      g_autofree char *text = g_strdup_printf ("%g, %g", tg_report_get_latitude (r), tg_report_get_longitude (r));

      set_entry (self->coords_row, text);
    }
  else
    set_entry (self->coords_row, "");
  set_entry (self->place_row, tg_report_get_place_name (r));
  set_entry (self->region_row, tg_report_get_region_code (r));
  set_entry (self->province_row, tg_report_get_province_code (r));
  uncertainty = tg_report_get_uncertainty (r);
  gtk_spin_button_set_value (self->uncertainty_spin,
                             round (self->imperial ? uncertainty * FEET_PER_METRE : uncertainty));
  update_location_subtitle (self);

  tg_vocabulary_checklist_set_codes (self->categories_row, tg_report_get_categories (r));
  gtk_spin_button_set_value (self->killed_spin, tg_report_get_killed (r));
  gtk_spin_button_set_value (self->injured_spin, tg_report_get_injured (r));
  gtk_spin_button_set_value (self->detained_spin, tg_report_get_detained (r));
  gtk_spin_button_set_value (self->disappeared_spin, tg_report_get_disappeared (r));
  tg_vocabulary_checklist_set_codes (self->perpetrators_row, tg_report_get_perpetrators (r));
  set_entry (self->unit_row, tg_report_get_perpetrator_unit (r));

  rebuild_persons (self);
  rebuild_sources (self);
  self->loading = FALSE;
  validate (self);
}

/* Sync state and conflicts ------------------------------------------------ */

/* The open report's sync state as the store has it (a cheap indexed
 * lookup): the line under the banner, and the banner when it has more
 * than one head. */
/* Who made the report's current version, as the protocol lets this
 * laptop know it (docs/sync-protocol.md, "Device names"): "Laptop Huanta
 * (rosa)", "device 1a2b3c4d" for one no server named, "this laptop". With
 * a conflict, each head's device: "this laptop and Laptop Huanta (rosa)". */
static char *
describe_devices (TgReportEditor *self,
                  GPtrArray      *devices)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < devices->len; i++)
    {
      const TgSyncDeviceName *device = g_ptr_array_index (devices, i);
      g_autofree char *one = NULL;

      if (g_strcmp0 (device->device_id, tg_store_get_device_id (self->store)) == 0)
        one = g_strdup (_("this laptop"));
      else
        one = tg_sync_describe_device (device);
      if (i > 0)
        /* TRANSLATORS: between the devices that changed a report: "this laptop and Laptop Huanta (rosa)" */
        g_string_append (out, i + 1 == devices->len ? _(" and ") : _(", "));
      g_string_append (out, one);
    }
  return g_string_free (out, FALSE);
}

static void
update_sync_state (TgReportEditor *self)
{
  TgReportSyncState state = TG_REPORT_SYNC_LOCAL_ONLY;
  g_autoptr(GPtrArray) devices = NULL;
  g_autofree char *line = NULL;
  g_autofree char *banner = NULL;
  g_autofree char *tooltip = NULL;
  gboolean conflict;

  if (self->report == NULL)
    return;
  if (self->store != NULL)
    {
      state = tg_store_get_report_sync_state (self->store, tg_report_get_id (self->report));
      devices = tg_store_get_report_devices (self->store, tg_report_get_id (self->report));
    }
  conflict = state == TG_REPORT_SYNC_CONFLICT;
  self->sync_state = state;
  tg_sync_badge_apply (self->sync_image, state);
  if (conflict && devices != NULL && devices->len > 1)
    {
      g_autofree char *who = describe_devices (self, devices);

      /* TRANSLATORS: "This report was changed on this laptop and on Laptop Huanta (rosa)…" */
      banner = g_strdup_printf (_("This report was changed on %s. Choose what to keep from each version."), who);
    }
  else if (devices != NULL && devices->len == 1 &&
           g_strcmp0 (((TgSyncDeviceName *) devices->pdata[0])->device_id,
                      tg_store_get_device_id (self->store)) != 0)
    {
      g_autofree char *who = describe_devices (self, devices);

      /* TRANSLATORS: a report's sync state and who made its current version:
       * "On the server — last changed on Laptop Huanta (rosa)" */
      line = g_strdup_printf (_("%s — last changed on %s"), tg_sync_badge_label (state), who);
      tooltip = g_strdup_printf (_("%s — last changed on %s"), tg_sync_badge_description (state), who);
    }
  gtk_label_set_text (self->conflict_label,
                      banner ? banner : _("This report was changed on two devices. "
                                          "Choose what to keep from each version."));
  gtk_label_set_text (self->sync_label, line ? line : tg_sync_badge_label (state));
  gtk_widget_set_tooltip_text (self->sync_box, tooltip ? tooltip : tg_sync_badge_description (state));
  gtk_widget_set_visible (self->sync_box, !conflict);
  /* Hidden too, not only folded: a screen reader would still find the
   * button of a folded revealer. */
  gtk_widget_set_visible (GTK_WIDGET (self->conflict_revealer), conflict);
  gtk_revealer_set_reveal_child (self->conflict_revealer, conflict);
}

static void
store_report_cb (TgStore        *store,
                 const char     *report_id,
                 TgReportEditor *self)
{
  if (self->report != NULL && g_strcmp0 (report_id, tg_report_get_id (self->report)) == 0)
    update_sync_state (self);
}


/* The merge is stored: the editor goes on from it. */
static void
resolved_cb (TgReportEditor *self,
             TgReport       *merged)
{
  if (self->report == NULL || g_strcmp0 (tg_report_get_id (self->report), tg_report_get_id (merged)) != 0)
    return;
  tg_report_editor_set_report (self, merged);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SAVE_STATE]);
  g_signal_emit (self, signals[SHOW_MESSAGE], 0,
                 _("Merged report saved. The versions it replaces stay in the report's history."));
}

/* Closed: gtk_window_destroy() unrealizes the window and drops the
 * toplevel's reference, but someone else may still hold one, so the weak
 * pointer alone would keep it "open". */
static void
resolver_closed_cb (TgReportEditor *self)
{
  if (self->resolver != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (self->resolver), (gpointer *) &self->resolver);
      self->resolver = NULL;
    }
}

static void
flush_for_resolve_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  TgReportEditor *self = TG_REPORT_EDITOR (object);
  g_autoptr(GError) error = NULL;
  GtkRoot *root;

  gtk_widget_set_sensitive (self->resolve_button, TRUE);
  if (!tg_report_editor_flush_finish (self, result, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Fix this report before merging: %s"), error->message);

      g_signal_emit (self, signals[SHOW_MESSAGE], 0, text);
      return;
    }
  if (self->report == NULL || self->store == NULL || self->resolver != NULL)
    return;

  self->resolver = tg_conflict_resolver_new (self->store, tg_report_get_id (self->report),
                                            tg_vocabulary_checklist_get_vocabulary (self->categories_row),
                                            tg_vocabulary_checklist_get_vocabulary (self->perpetrators_row));
  g_object_add_weak_pointer (G_OBJECT (self->resolver), (gpointer *) &self->resolver);
  g_signal_connect_object (self->resolver, "resolved", G_CALLBACK (resolved_cb), self, G_CONNECT_SWAPPED);
  root = gtk_widget_get_root (GTK_WIDGET (self));
  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (GTK_WINDOW (self->resolver), GTK_WINDOW (root));
  gtk_window_present (GTK_WINDOW (self->resolver));
  g_signal_connect_object (self->resolver, "unrealize", G_CALLBACK (resolver_closed_cb), self, G_CONNECT_SWAPPED);
}

/* What was typed is saved first, so the merge starts from it. */
static void
resolve_clicked_cb (TgReportEditor *self)
{
  if (self->resolver != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->resolver));
      return;
    }
  gtk_widget_set_sensitive (self->resolve_button, FALSE);
  tg_report_editor_flush_async (self, flush_for_resolve_cb, NULL);
}

/* Saving ------------------------------------------------------------------ */

/* Empty drafts. "New report" gives the editor a report that is not in the
 * store yet. It is written only once something is set in it; one left as
 * it was made (or brought back to that) is discarded when it is left, so
 * no empty "Untitled report" stays behind to be synced. */

static gboolean
never_saved (TgReport *report)
{
  const char * const *base = tg_report_get_base_revisions (report);

  return base == NULL || base[0] == NULL;
}

static gboolean
is_blank (TgReportEditor *self)
{
  g_autofree char *json = NULL;

  if (self->blank == NULL || self->report == NULL)
    return FALSE;
  json = tg_report_to_json_string (self->report);
  return g_strcmp0 (json, self->blank) == 0;
}

/* Saving and leaving --------------------------------------------------- */

/* Nothing here waits on the disk: the main loop stays free (docs/app.md).
 * Each save is a SaveJob holding its own report; the store serialises the
 * report when the save starts and moves its base when it finishes. A
 * report left while its save is in flight hands the job what must follow
 * (save again what was edited since, or delete a draft emptied back to
 * blank), and the job does it when the save finishes. Every job holds the
 * application, so quitting waits for it. */

typedef enum
{
  FOLLOW_NONE,
  FOLLOW_SAVE,
  FOLLOW_DELETE,
  FOLLOW_SAVE_THEN_DELETE,  /* the last edits first, so the tombstone and
                             * an undo of the deletion carry them */
} Follow;

typedef struct _SaveJob
{
  TgReportEditor *editor;       /* NULL once the editor is gone */
  TgStore        *store;
  TgReport       *saved;        /* the object whose save is in flight */
  TgReport       *latest;       /* once left: the report as it was left */
  char           *blank;        /* once left: the draft as made, or NULL */
  gboolean        left;
  Follow          follow;
  GPtrArray      *waiters;      /* GTask from tg_report_editor_flush_async() */
  GTask          *delete_task;  /* from tg_report_editor_delete_async() */
  GError         *error;        /* the last failure, for the waiters */
  GApplication   *application;  /* held until the job is over, or NULL */
} SaveJob;

static void save_done_cb   (GObject *object, GAsyncResult *result, gpointer user_data);
static void delete_done_cb (GObject *object, GAsyncResult *result, gpointer user_data);

static SaveJob *
job_new (TgReportEditor *self)
{
  SaveJob *job = g_new0 (SaveJob, 1);

  job->editor = self;
  job->store = g_object_ref (self->store);
  job->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  job->application = tg_ui_hold_application (GTK_WIDGET (self));
  return job;
}

/* The job is over: answers who waits for it, and lets the app quit. */
static void
job_free (SaveJob *job)
{
  for (guint i = 0; i < job->waiters->len; i++)
    {
      GTask *task = job->waiters->pdata[i];

      if (job->error != NULL)
        g_task_return_error (task, g_error_copy (job->error));
      else
        g_task_return_boolean (task, TRUE);
    }
  g_ptr_array_unref (job->waiters);
  if (job->delete_task != NULL)
    {
      /* Only reached when there was nothing stored to delete. */
      if (job->error != NULL)
        g_task_return_error (job->delete_task, g_error_copy (job->error));
      else
        g_task_return_pointer (job->delete_task, NULL, NULL);
      g_object_unref (job->delete_task);
    }
  if (job->left && job->editor != NULL)
    g_ptr_array_remove (job->editor->left_jobs, job);
  g_clear_object (&job->store);
  g_clear_object (&job->saved);
  g_clear_object (&job->latest);
  g_free (job->blank);
  g_clear_error (&job->error);
  tg_ui_release_application (job->application);
  g_free (job);
}

static void
job_set_error (SaveJob      *job,
               const GError *error)
{
  g_clear_error (&job->error);
  job->error = g_error_copy (error);
}

/* A left report: what follows its save, then the end of the job. */
static void
job_run_follow (SaveJob *job)
{
  Follow follow = job->follow;

  job->follow = FOLLOW_NONE;
  if (follow == FOLLOW_SAVE || follow == FOLLOW_SAVE_THEN_DELETE)
    {
      if (follow == FOLLOW_SAVE_THEN_DELETE)
        job->follow = FOLLOW_DELETE;
      g_set_object (&job->saved, job->latest);
      tg_store_save_report_async (job->store, job->saved, NULL, save_done_cb, job);
      return;
    }
  if (follow == FOLLOW_DELETE && !never_saved (job->latest))
    {
      g_clear_error (&job->error);
      tg_store_delete_report_async (job->store, tg_report_get_id (job->latest), NULL,
                                    delete_done_cb, job);
      return;
    }
  job_free (job);
}

/* Work for a report that is no longer open: @follow, now. */
static void
job_start_left (TgReportEditor *self,
                TgReport       *report,
                Follow          follow,
                GTask          *delete_task)
{
  SaveJob *job = job_new (self);

  job->left = TRUE;
  job->latest = g_object_ref (report);
  job->follow = follow;
  job->delete_task = delete_task;
  g_ptr_array_add (self->left_jobs, job);
  job_run_follow (job);
}

static void
delete_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  SaveJob *job = user_data;
  g_autoptr(GError) error = NULL;
  TgRevision *rev = tg_store_delete_report_finish (TG_STORE (object), result, &error);

  if (job->delete_task != NULL)
    {
      if (rev != NULL)
        g_task_return_pointer (job->delete_task, rev, g_object_unref);
      else
        g_task_return_error (job->delete_task, g_steal_pointer (&error));
      g_clear_object (&job->delete_task);
    }
  else
    {
      if (rev == NULL)
        g_warning ("Could not discard an empty draft: %s", error->message);
      g_clear_object (&rev);
    }
  job_free (job);
}

static void schedule_save (TgReportEditor *self);
static void start_save    (TgReportEditor *self);

static void
save_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  SaveJob *job = user_data;
  TgReportEditor *self = job->editor;
  g_autoptr(TgRevision) rev = NULL;
  g_autoptr(GError) error = NULL;
  TgReport *current;

  rev = tg_store_save_report_finish (TG_STORE (object), result, &error);
  current = job->left ? job->latest : (self != NULL ? self->report : NULL);
  if (rev != NULL && current != NULL && current != job->saved)
    {
      /* An undo replaced the report while it was being saved: the new
       * object carries on from the revision just written. */
      tg_report_set_base_revisions (current, tg_report_get_base_revisions (job->saved));
      tg_report_set_n_heads (current, tg_report_get_n_heads (job->saved));
    }

  if (job->left || self == NULL)
    {
      if (rev == NULL)
        {
          g_autofree char *text = g_strdup_printf (_("Not saved: %s"), error->message);

          g_warning ("%s", text);
          job_set_error (job, error);
          if (self != NULL)
            message (self, text);
        }
      else
        g_clear_error (&job->error);  /* a save after a failed one went through */
      if (job->left)
        job_run_follow (job);
      else
        job_free (job);
      return;
    }

  /* The report is still open. */
  self->job = NULL;
  if (rev == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Not saved: %s"), error->message);

      self->dirty = TRUE;
      set_save_state (self, _("Not saved"));
      show_field_error (self->save_error, text);
      if (job->waiters->len > 0)
        message (self, text);
      job_set_error (job, error);
      job_free (job);
      return;
    }

  gtk_widget_set_visible (GTK_WIDGET (self->save_error), FALSE);
  if (self->dirty && job->waiters->len > 0)
    {
      /* Someone waits for everything to be saved: again, now. */
      start_save (self);
      if (self->job != NULL)
        {
          g_ptr_array_extend_and_steal (self->job->waiters, g_steal_pointer (&job->waiters));
          job->waiters = g_ptr_array_new_with_free_func (g_object_unref);
        }
    }
  else if (self->dirty)
    schedule_save (self);
  else
    set_save_state (self, _("Saved"));
  update_sync_state (self);
  job_free (job);
}

static void
start_save (TgReportEditor *self)
{
  if (self->report == NULL || self->store == NULL || !self->dirty)
    return;
  if (self->job != NULL)
    return;  /* save_done_cb saves again */
  if (never_saved (self->report) && is_blank (self))
    {
      /* Nothing in it yet: not worth a revision. */
      self->dirty = FALSE;
      set_save_state (self, "");
      return;
    }

  self->dirty = FALSE;
  self->job = job_new (self);
  self->job->saved = g_object_ref (self->report);
  set_save_state (self, _("Saving…"));
  /* The end of a burst of edits: the state undo comes back to. */
  g_free (self->snapshot);
  self->snapshot = tg_report_to_json_string (self->report);
  self->in_burst = FALSE;
  tg_store_save_report_async (self->store, self->report, NULL, save_done_cb, self->job);
}

/* Leaves the open report without waiting: saved if edited, deleted if
 * it is a stored draft emptied back to blank, nothing written if it is a
 * draft never changed. With its save in flight, the job does what
 * follows once that save is done. */
static void
leave_report (TgReportEditor *self)
{
  gboolean blank;

  g_clear_handle_id (&self->save_source, g_source_remove);
  if (self->report == NULL || self->store == NULL)
    return;

  blank = is_blank (self);
  if (self->job != NULL)
    {
      SaveJob *job = g_steal_pointer (&self->job);

      job->left = TRUE;
      g_set_object (&job->latest, self->report);
      job->blank = g_strdup (self->blank);
      job->follow = blank ? FOLLOW_DELETE : self->dirty ? FOLLOW_SAVE : FOLLOW_NONE;
      g_ptr_array_add (self->left_jobs, job);
    }
  else if (blank)
    {
      if (!never_saved (self->report))
        job_start_left (self, self->report, FOLLOW_DELETE, NULL);
    }
  else if (self->dirty)
    job_start_left (self, self->report, FOLLOW_SAVE, NULL);
  self->dirty = FALSE;
}

/* The job in flight for a report left, if its id is @report_id. */
static SaveJob *
find_left_job (TgReportEditor *self,
               const char     *report_id)
{
  for (guint i = 0; i < self->left_jobs->len; i++)
    {
      SaveJob *job = self->left_jobs->pdata[i];

      if (job->delete_task == NULL &&
          g_strcmp0 (tg_report_get_id (job->latest), report_id) == 0)
        return job;
    }
  return NULL;
}

static gboolean
save_timeout_cb (gpointer user_data)
{
  TgReportEditor *self = user_data;

  self->save_source = 0;
  start_save (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_save (TgReportEditor *self)
{
  g_clear_handle_id (&self->save_source, g_source_remove);
  self->save_source = g_timeout_add (SAVE_DELAY_MS, save_timeout_cb, self);
  set_save_state (self, _("Editing…"));
}

static void
edited (TgReportEditor *self)
{
  if (self->loading || self->report == NULL)
    return;

  if (!self->in_burst && self->snapshot != NULL)
    {
      g_queue_push_head (&self->undo, g_strdup (self->snapshot));
      while (g_queue_get_length (&self->undo) > MAX_UNDO)
        g_free (g_queue_pop_tail (&self->undo));
      self->in_burst = TRUE;
    }

  self->dirty = TRUE;
  validate (self);
  schedule_save (self);
}

/* Callbacks --------------------------------------------------------------- */

/* Widgets → model: each control writes its own field when it changes,
 * so none depends on another being edited after it. Text fields and
 * counts are bound with bind_text() and bind_count() in init; the rest
 * have a handler each. load_widgets() is the way back. */

typedef void (*TextSetter) (TgReport *report, const char *text);
typedef void (*CountSetter) (TgReport *report, int count);

static void
text_changed_cb (GtkEditable    *editable,
                 TgReportEditor *self)
{
  TextSetter set = (TextSetter) g_object_get_data (G_OBJECT (editable), "setter");

  if (self->loading || self->report == NULL)
    return;
  set (self->report, gtk_editable_get_text (editable));
  edited (self);
}

static void
bind_text (TgReportEditor *self,
           gpointer        editable,
           TextSetter      setter)
{
  g_object_set_data (G_OBJECT (editable), "setter", (gpointer) setter);
  g_signal_connect_object (editable, "changed", G_CALLBACK (text_changed_cb), self, 0);
}

static void
count_changed_cb (GtkSpinButton  *spin,
                  TgReportEditor *self)
{
  CountSetter set = (CountSetter) g_object_get_data (G_OBJECT (spin), "setter");

  if (self->loading || self->report == NULL)
    return;
  set (self->report, gtk_spin_button_get_value_as_int (spin));
  edited (self);
}

static void
bind_count (TgReportEditor *self,
            GtkSpinButton  *spin,
            CountSetter     setter)
{
  g_object_set_data (G_OBJECT (spin), "setter", (gpointer) setter);
  g_signal_connect_object (spin, "value-changed", G_CALLBACK (count_changed_cb), self, 0);
}

static void
status_changed_cb (TgReportEditor *self)
{
  if (self->loading || self->report == NULL)
    return;
  tg_report_set_status (self->report, adw_combo_row_get_selected (self->status_row));
  edited (self);
}

static void
narrative_changed_cb (TgReportEditor *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->narrative_view);
  GtkTextIter start, end;
  g_autofree char *narrative = NULL;

  if (self->loading || self->report == NULL)
    return;
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  narrative = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  tg_report_set_narrative (self->report, narrative);
  edited (self);
}

static void
start_changed_cb (TgReportEditor *self)
{
  if (self->loading || self->report == NULL)
    return;
  tg_report_set_start (self->report, tg_date_button_get_date (self->start_button));
  edited (self);
}

static void
end_changed_cb (TgReportEditor *self)
{
  if (self->loading || self->report == NULL)
    return;
  tg_report_set_end (self->report, tg_date_button_get_date (self->end_button));
  edited (self);
}

static void
precision_changed_cb (TgReportEditor *self)
{
  TgDatePrecision precision;

  if (self->loading || self->report == NULL)
    return;
  precision = adw_combo_row_get_selected (self->precision_row);
  if (precision > TG_DATE_PRECISION_APPROXIMATE)
    precision = TG_DATE_PRECISION_DAY;
  tg_report_set_date_precision (self->report, precision);
  tg_date_button_set_precision (self->start_button, precision);
  tg_date_button_set_precision (self->end_button, precision);
  edited (self);
}

static void
uncertainty_changed_cb (TgReportEditor *self)
{
  double value;

  if (self->loading || self->report == NULL)
    return;
  value = gtk_spin_button_get_value (self->uncertainty_spin);
  tg_report_set_uncertainty (self->report, self->imperial ? value / FEET_PER_METRE : value);
  edited (self);
}

static void
coords_changed_cb (TgReportEditor *self)
{
  const char *text;
  double lat, lon;

  if (self->loading || self->report == NULL)
    return;

  text = gtk_editable_get_text (GTK_EDITABLE (self->coords_row));
  if (text == NULL || *text == '\0')
    tg_report_clear_location (self->report);
  else if (tg_parse_coordinates (text, &lat, &lon, NULL))
    tg_report_set_location (self->report, lat, lon, TG_LOCATION_METHOD_TYPED);
  update_location_subtitle (self);
  edited (self);
}

static void
pick_clicked_cb (TgReportEditor *self)
{
  g_signal_emit (self, signals[PICK_LOCATION], 0);
}

static void
clear_results (TgReportEditor *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->results_list))))
    gtk_list_box_remove (self->results_list, child);
  gtk_revealer_set_reveal_child (self->results_revealer, FALSE);
}

static void
search_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  TgReportEditor *self = user_data;
  g_autoptr(GPtrArray) places = NULL;
  g_autoptr(GError) error = NULL;

  places = tg_gazetteer_search_finish (TG_GAZETTEER (object), result, &error);
  if (places == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Place search failed: %s", error->message);
      return;
    }

  clear_results (self);
  for (guint i = 0; i < places->len; i++)
    {
      TgGazetteerPlace *place = g_ptr_array_index (places, i);
      g_autofree char *label = tg_gazetteer_place_dup_label (place);
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), label);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data_full (G_OBJECT (row), "place", g_object_ref (place), g_object_unref);
      gtk_list_box_append (self->results_list, row);
    }
  if (places->len == 0)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No place with that name"));
      gtk_list_box_append (self->results_list, row);
    }
  gtk_revealer_set_reveal_child (self->results_revealer, TRUE);
}

static gboolean
search_timeout_cb (gpointer user_data)
{
  TgReportEditor *self = user_data;
  TgGazetteer *gazetteer = self->gazetteer;
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->place_search_row));
  g_autofree char *region = NULL;
  g_autofree char *country = NULL;

  self->search_source = 0;
  if (gazetteer == NULL)
    return G_SOURCE_REMOVE;

  /* Places in the country of the default region come first. */
  if (self->settings != NULL)
    region = g_settings_get_string (self->settings, "default-region");
  if (region != NULL && strlen (region) >= 2)
    country = g_strndup (region, 2);

  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  self->search_cancellable = g_cancellable_new ();
  tg_gazetteer_search_async (gazetteer, text, country ? country : "PE", 8,
                             self->search_cancellable, search_done_cb, self);
  return G_SOURCE_REMOVE;
}

static void
place_search_changed_cb (TgReportEditor *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->place_search_row));

  if (self->loading)
    return;
  g_clear_handle_id (&self->search_source, g_source_remove);
  if (text == NULL || g_utf8_strlen (text, -1) < 2)
    {
      clear_results (self);
      return;
    }
  self->search_source = g_timeout_add (SEARCH_DELAY_MS, search_timeout_cb, self);
}

static void
place_activated_cb (TgReportEditor *self,
                    GtkListBoxRow  *row)
{
  TgGazetteerPlace *place = g_object_get_data (G_OBJECT (row), "place");
  g_autofree char *label = NULL;

  if (place == NULL || self->report == NULL)
    return;

  label = tg_gazetteer_place_dup_label (place);
  tg_report_set_location (self->report,
                          tg_gazetteer_place_get_latitude (place),
                          tg_gazetteer_place_get_longitude (place),
                          TG_LOCATION_METHOD_GAZETTEER);
  tg_report_set_place_name (self->report, label);
  if (tg_gazetteer_place_get_admin1_code (place))
    tg_report_set_region_code (self->report, tg_gazetteer_place_get_admin1_code (place));
  if (tg_gazetteer_place_get_admin2_code (place))
    tg_report_set_province_code (self->report, tg_gazetteer_place_get_admin2_code (place));
  edited (self);
  load_widgets (self);
}

static void
add_person_cb (TgReportEditor *self)
{
  g_autoptr(TgPerson) person = tg_person_new (TG_PERSON_ROLE_VICTIM);

  if (self->report == NULL)
    return;
  tg_report_add_person (self->report, person);
  rebuild_persons (self);
  edited (self);
  if (self->person_rows->len > 0)
    {
      GtkWidget *row = g_ptr_array_index (self->person_rows, self->person_rows->len - 1);

      adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
      gtk_widget_grab_focus (row);
    }
}

static void
person_changed_cb (TgReportEditor *self)
{
  edited (self);
}

static void
person_remove_cb (TgReportEditor *self,
                  TgPersonRow    *row)
{
  tg_report_remove_person (self->report, tg_person_row_get_person (row));
  rebuild_persons (self);
  edited (self);
}

static void
add_source (TgReportEditor *self,
            TgSource       *source)
{
  GtkWidget *row;

  tg_report_add_source (self->report, source);
  rebuild_sources (self);
  edited (self);
  row = g_ptr_array_index (self->source_rows, self->source_rows->len - 1);
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
}

static void
add_link_cb (TgReportEditor *self)
{
  g_autoptr(TgSource) source = tg_source_new (TG_SOURCE_KIND_LINK);

  if (self->report == NULL)
    return;
  add_source (self, source);
}

static void
add_testimony_cb (TgReportEditor *self)
{
  g_autoptr(TgSource) source = tg_source_new (TG_SOURCE_KIND_TESTIMONY);

  if (self->report == NULL)
    return;
  tg_source_set_title (source, _("Testimony"));
  add_source (self, source);
}

static void
source_changed_cb (TgReportEditor *self)
{
  edited (self);
}

static void
source_remove_cb (TgReportEditor *self,
                  TgSourceRow    *row)
{
  tg_report_remove_source (self->report, tg_source_row_get_source (row));
  rebuild_sources (self);
  edited (self);
}

static void
source_use_location_cb (TgReportEditor *self,
                        double          lat,
                        double          lon,
                        TgSourceRow    *row)
{
  tg_report_editor_set_location (self, lat, lon, TG_LOCATION_METHOD_PHOTO);
  message (self, _("The location was taken from the photo"));
}

static void
source_message_cb (TgReportEditor *self,
                   const char     *text,
                   TgSourceRow    *row)
{
  message (self, text);
}

/* A photo's time and place, both at once, for a report with neither. */
static void
update_photo_offers (TgReportEditor *self)
{
  gboolean neither = self->report != NULL &&
                     tg_date_button_get_date (self->start_button) == NULL &&
                     !tg_report_has_location (self->report);

  for (guint i = 0; i < self->source_rows->len; i++)
    tg_source_row_set_offer_both (g_ptr_array_index (self->source_rows, i), neither);
}

/* The start becomes the photo's capture time, through the date field as
 * if typed there. */
static gboolean
use_photo_time (TgReportEditor *self,
                const char     *captured_at)
{
  g_autoptr(GTimeZone) local = g_time_zone_new_local ();
  g_autoptr(GDateTime) date = NULL;

  if (self->report == NULL)
    return FALSE;
  /* EXIF keeps the photo's local time, often without its offset. */
  date = captured_at ? g_date_time_new_from_iso8601 (captured_at, local) : NULL;
  if (date == NULL)
    {
      message (self, _("The photo’s time could not be read."));
      return FALSE;
    }
  tg_date_button_set_date (self->start_button, date);
  return TRUE;
}

static void
source_use_time_cb (TgReportEditor *self,
                    const char     *captured_at,
                    TgSourceRow    *row)
{
  if (use_photo_time (self, captured_at))
    message (self, _("The start time was taken from the photo"));
}

static void
source_use_time_and_location_cb (TgReportEditor *self,
                                 const char     *captured_at,
                                 double          lat,
                                 double          lon,
                                 TgSourceRow    *row)
{
  if (!use_photo_time (self, captured_at))
    return;
  tg_report_editor_set_location (self, lat, lon, TG_LOCATION_METHOD_PHOTO);
  message (self, _("The start time and the location were taken from the photo"));
}

/* Importing files ---------------------------------------------------------- */

static void
import_progress_cb (goffset  done,
                    goffset  total,
                    gpointer user_data)
{
  TgReportEditor *self = user_data;

  if (self->import_cancellable == NULL)
    return;
  if (total > 0)
    gtk_progress_bar_set_fraction (self->import_progress, (double) done / (double) total);
  else
    gtk_progress_bar_pulse (self->import_progress);
}

static void
import_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(TgReportEditor) self = user_data;
  g_autoptr(TgSource) source = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *notice = NULL;

  source = tg_source_import_finish (result, &notice, &error);
  g_clear_object (&self->import_cancellable);

  if (source == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          show_field_error (self->sources_error, error->message);
          message (self, error->message);
        }
    }
  else if (self->report != NULL)
    {
      add_source (self, source);
      if (notice != NULL)
        {
          show_field_error (self->sources_error, notice);
          message (self, notice);
        }
    }

  import_next (self);
}

static void
import_next (TgReportEditor *self)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *name = NULL;
  g_autofree char *label = NULL;

  if (self->import_cancellable != NULL)
    return;

  file = g_queue_pop_head (&self->import_queue);
  if (file == NULL || self->store == NULL || self->report == NULL)
    {
      gtk_revealer_set_reveal_child (self->import_revealer, FALSE);
      return;
    }

  name = tg_source_import_display_name (file);
  /* Translators: %s is a file name */
  label = g_strdup_printf (_("Adding “%s”…"), name);
  gtk_label_set_text (self->import_label, label);
  gtk_progress_bar_set_fraction (self->import_progress, 0);
  gtk_revealer_set_reveal_child (self->import_revealer, TRUE);

  self->import_cancellable = g_cancellable_new ();
  tg_source_import_async (tg_store_get_blob_store (self->store), file,
                          import_progress_cb, self, self->import_cancellable,
                          import_done_cb, g_object_ref (self));
}

static void
cancel_imports (TgReportEditor *self)
{
  g_queue_clear_full (&self->import_queue, g_object_unref);
  if (self->import_cancellable != NULL)
    g_cancellable_cancel (self->import_cancellable);
}

static void
cancel_import_cb (TgReportEditor *self)
{
  cancel_imports (self);
}

static void
file_chooser_response_cb (GtkNativeDialog *dialog,
                          int              response,
                          TgReportEditor  *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (dialog));

      tg_report_editor_import_files (self, files);
    }
  g_object_unref (dialog);
}

static void
add_file_cb (TgReportEditor *self)
{
  GtkFileChooserNative *dialog;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (self->report == NULL)
    return;
  dialog = gtk_file_chooser_native_new (_("Add Files as Sources"),
                                        GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_OPEN,
                                        _("_Add"), _("_Cancel"));
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (dialog), TRUE);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (file_chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static gboolean
drop_cb (GtkDropTarget  *target,
         const GValue   *value,
         double          x,
         double          y,
         TgReportEditor *self)
{
  if (self->report == NULL)
    return FALSE;

  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      GSList *list = g_value_get_boxed (value);
      g_autoptr(GListStore) files = g_list_store_new (G_TYPE_FILE);

      for (GSList *l = list; l != NULL; l = l->next)
        g_list_store_append (files, l->data);
      tg_report_editor_import_files (self, G_LIST_MODEL (files));
      return TRUE;
    }
  return FALSE;
}

static void
units_changed_cb (TgReportEditor *self)
{
  g_autofree char *units = g_settings_get_string (self->settings, "units");

  self->imperial = g_strcmp0 (units, "imperial") == 0;
  update_uncertainty_label (self);
  load_widgets (self);
}

/* Vfuncs ---------------------------------------------------------------- */

static void
tg_report_editor_dispose (GObject *object)
{
  TgReportEditor *self = TG_REPORT_EDITOR (object);

  /* Work in flight carries on without the editor (it holds the app). */
  if (self->left_jobs != NULL)
    {
      leave_report (self);
      for (guint i = 0; i < self->left_jobs->len; i++)
        ((SaveJob *) self->left_jobs->pdata[i])->editor = NULL;
      g_clear_pointer (&self->left_jobs, g_ptr_array_unref);
    }
  if (self->job != NULL)
    g_steal_pointer (&self->job)->editor = NULL;
  g_clear_handle_id (&self->save_source, g_source_remove);
  g_clear_handle_id (&self->search_source, g_source_remove);
  if (self->resolver != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (self->resolver), (gpointer *) &self->resolver);
      self->resolver = NULL;
    }
  if (self->search_cancellable)
    g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  cancel_imports (self);
  g_clear_object (&self->import_cancellable);

  gtk_widget_dispose_template (GTK_WIDGET (self), TG_TYPE_REPORT_EDITOR);

  g_clear_object (&self->report);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  g_clear_object (&self->harms);
  g_clear_object (&self->gazetteer);
  g_clear_object (&self->weapons);
  g_clear_pointer (&self->person_rows, g_ptr_array_unref);
  g_clear_pointer (&self->source_rows, g_ptr_array_unref);
  g_queue_clear_full (&self->undo, g_free);
  g_clear_pointer (&self->snapshot, g_free);
  g_clear_pointer (&self->blank, g_free);
  g_clear_pointer (&self->save_state, g_free);

  G_OBJECT_CLASS (tg_report_editor_parent_class)->dispose (object);
}

static void
tg_report_editor_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  TgReportEditor *self = TG_REPORT_EDITOR (object);

  switch (prop_id)
    {
    case PROP_SAVE_STATE:
      g_value_set_string (value, self->save_state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_report_editor_class_init (TgReportEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tg_report_editor_dispose;
  object_class->get_property = tg_report_editor_get_property;

  properties[PROP_SAVE_STATE] =
    g_param_spec_string ("save-state", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[PICK_LOCATION] = g_signal_new ("pick-location", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SHOW_MESSAGE] = g_signal_new ("show-message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  g_type_ensure (TG_TYPE_DATE_BUTTON);
  g_type_ensure (TG_TYPE_VOCABULARY_CHECKLIST);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/testigo/Testigo/tg-report-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, scroller);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, conflict_revealer);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, resolve_button);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, sync_box);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, sync_image);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, sync_label);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, conflict_label);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, save_error);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, title_row);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, status_row);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, title_error);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, narrative_view);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, start_row);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, start_button);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, end_row);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, end_button);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, precision_row);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, when_error);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, place_search_row);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, results_revealer);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, results_list);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, coords_row);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, place_row);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, region_row);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, province_row);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, uncertainty_row);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, uncertainty_spin);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, where_error);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, categories_row);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, killed_spin);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, injured_spin);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, detained_spin);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, disappeared_spin);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, perpetrators_row);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, unit_row);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, counts_error);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, persons_group);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, persons_error);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, sources_group);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, import_revealer);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, import_label);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, import_progress);
  gtk_widget_class_bind_template_child (widget_class, TgReportEditor, sources_error);
  gtk_widget_class_bind_template_callback (widget_class, resolve_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, status_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, start_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, end_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, precision_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, uncertainty_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, coords_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, pick_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, place_search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, place_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, add_person_cb);
  gtk_widget_class_bind_template_callback (widget_class, add_file_cb);
  gtk_widget_class_bind_template_callback (widget_class, add_link_cb);
  gtk_widget_class_bind_template_callback (widget_class, add_testimony_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_import_cb);
  gtk_widget_class_bind_template_callback (widget_class, categories_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, perpetrators_changed_cb);
}

static void
tg_report_editor_init (TgReportEditor *self)
{
  g_autoptr(GListModel) statuses = tg_ui_status_model ();
  g_autoptr(GListModel) precisions = tg_ui_precision_model ();
  GtkDropTarget *drop;

  self->loading = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));
  tg_reports_ensure_style ();

  self->left_jobs = g_ptr_array_new ();
  self->person_rows = g_ptr_array_new ();
  self->source_rows = g_ptr_array_new ();
  g_queue_init (&self->undo);
  g_queue_init (&self->import_queue);

  adw_combo_row_set_model (self->status_row, statuses);
  adw_combo_row_set_model (self->precision_row, precisions);
  tg_ui_setup_count_spin (self->killed_spin);
  tg_ui_setup_count_spin (self->injured_spin);
  tg_ui_setup_count_spin (self->detained_spin);
  tg_ui_setup_count_spin (self->disappeared_spin);
  g_signal_connect_swapped (gtk_text_view_get_buffer (self->narrative_view), "changed",
                            G_CALLBACK (narrative_changed_cb), self);
  bind_text (self, self->title_row, tg_report_set_title);
  bind_text (self, self->place_row, tg_report_set_place_name);
  bind_text (self, self->region_row, tg_report_set_region_code);
  bind_text (self, self->province_row, tg_report_set_province_code);
  bind_text (self, self->unit_row, tg_report_set_perpetrator_unit);
  bind_count (self, self->killed_spin, tg_report_set_killed);
  bind_count (self, self->injured_spin, tg_report_set_injured);
  bind_count (self, self->detained_spin, tg_report_set_detained);
  bind_count (self, self->disappeared_spin, tg_report_set_disappeared);

  update_uncertainty_label (self);
  g_signal_connect_swapped (self->start_button, "notify::date", G_CALLBACK (update_photo_offers), self);
  g_signal_connect_swapped (self->coords_row, "changed", G_CALLBACK (update_photo_offers), self);

  /* Files dropped anywhere on the editor become sources. In the capture
   * phase, before the text fields: those would take a file list as text
   * and write the files' paths into the narrative or a testimony. */
  drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (drop), GTK_PHASE_CAPTURE);
  g_signal_connect (drop, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));

  self->loading = FALSE;
}

/* Public API ------------------------------------------------------------ */

void
tg_report_editor_set_store (TgReportEditor *self,
                            TgStore        *store)
{
  g_return_if_fail (TG_IS_REPORT_EDITOR (self));
  if (self->store == store)
    return;
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_func (self->store, store_report_cb, self);
  g_set_object (&self->store, store);
  if (store != NULL)
    {
      g_signal_connect_object (store, "report-sync-changed", G_CALLBACK (store_report_cb), self, 0);
      g_signal_connect_object (store, "report-changed", G_CALLBACK (store_report_cb), self, 0);
    }
  update_sync_state (self);
}

TgStore *
tg_report_editor_get_store (TgReportEditor *self)
{
  g_return_val_if_fail (TG_IS_REPORT_EDITOR (self), NULL);
  return self->store;
}

void
tg_report_editor_set_settings (TgReportEditor *self,
                               GSettings      *settings)
{
  g_autofree char *units = NULL;

  g_return_if_fail (TG_IS_REPORT_EDITOR (self));
  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (self->settings == NULL);

  self->settings = g_object_ref (settings);
  units = g_settings_get_string (settings, "units");
  self->imperial = g_strcmp0 (units, "imperial") == 0;
  g_signal_connect_object (settings, "changed::units", G_CALLBACK (units_changed_cb),
                           self, G_CONNECT_SWAPPED);
  update_uncertainty_label (self);
}

void
tg_report_editor_set_vocabularies (TgReportEditor *self,
                                   GListModel     *categories,
                                   GListModel     *perpetrators,
                                   GListModel     *harms,
                                   GListModel     *weapons)
{
  g_return_if_fail (TG_IS_REPORT_EDITOR (self));

  tg_vocabulary_checklist_set_vocabulary (self->categories_row, categories);
  tg_vocabulary_checklist_set_vocabulary (self->perpetrators_row, perpetrators);
  g_set_object (&self->harms, harms);
  g_set_object (&self->weapons, weapons);
}

void
tg_report_editor_set_gazetteer (TgReportEditor *self,
                                TgGazetteer    *gazetteer)
{
  g_return_if_fail (TG_IS_REPORT_EDITOR (self));
  g_return_if_fail (gazetteer == NULL || TG_IS_GAZETTEER (gazetteer));

  g_set_object (&self->gazetteer, gazetteer);
}

void
tg_report_editor_set_report (TgReportEditor *self,
                             TgReport       *report)
{
  SaveJob *job = NULL;

  g_return_if_fail (TG_IS_REPORT_EDITOR (self));

  if (self->report == report)
    return;

  leave_report (self);
  g_clear_pointer (&self->blank, g_free);
  cancel_imports (self);
  g_queue_clear_full (&self->undo, g_free);
  g_clear_pointer (&self->snapshot, g_free);
  self->in_burst = FALSE;
  self->dirty = FALSE;
  gtk_widget_set_visible (GTK_WIDGET (self->save_error), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->sources_error), FALSE);

  /* A report left a moment ago, its work still in flight: the same
   * object is taken back, with the job, so nothing branches. */
  for (guint i = 0; report != NULL && i < self->left_jobs->len; i++)
    if (((SaveJob *) self->left_jobs->pdata[i])->latest == report &&
        ((SaveJob *) self->left_jobs->pdata[i])->delete_task == NULL)
      job = self->left_jobs->pdata[i];

  g_set_object (&self->report, report);
  if (job != NULL)
    {
      g_ptr_array_remove (self->left_jobs, job);
      job->left = FALSE;
      self->dirty = job->follow != FOLLOW_NONE;
      job->follow = FOLLOW_NONE;
      self->blank = g_steal_pointer (&job->blank);
      g_clear_object (&job->latest);
      self->job = job;
    }
  if (report != NULL)
    {
      self->snapshot = tg_report_to_json_string (report);
      if (job == NULL && never_saved (report))
        self->blank = g_strdup (self->snapshot);
      load_widgets (self);
      update_sync_state (self);
      gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scroller), 0);
      if (job != NULL)
        set_save_state (self, _("Saving…"));
      else
        set_save_state (self, self->blank != NULL ? "" : _("Saved"));
    }
  else
    {
      rebuild_persons (self);
      rebuild_sources (self);
    }
}

TgReport *
tg_report_editor_get_report (TgReportEditor *self)
{
  g_return_val_if_fail (TG_IS_REPORT_EDITOR (self), NULL);
  return self->report;
}

TgReport *
tg_report_editor_get_left_report (TgReportEditor *self,
                                  const char     *report_id)
{
  SaveJob *job;

  g_return_val_if_fail (TG_IS_REPORT_EDITOR (self), NULL);
  job = find_left_job (self, report_id);
  return job != NULL ? job->latest : NULL;
}

gboolean
tg_report_editor_is_busy (TgReportEditor *self)
{
  g_return_val_if_fail (TG_IS_REPORT_EDITOR (self), FALSE);
  return self->job != NULL || self->left_jobs->len > 0;
}

void
tg_report_editor_flush_async (TgReportEditor      *self,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TG_IS_REPORT_EDITOR (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, tg_report_editor_flush_async);
  g_clear_handle_id (&self->save_source, g_source_remove);
  if (self->job == NULL)
    start_save (self);
  if (self->job != NULL)
    {
      /* Answered when this save, and the one after it if the report is
       * edited meanwhile, is done. */
      g_ptr_array_add (self->job->waiters, g_steal_pointer (&task));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

gboolean
tg_report_editor_flush_finish (TgReportEditor  *self,
                               GAsyncResult    *result,
                               GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
tg_report_editor_delete_async (TgReportEditor      *self,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TG_IS_REPORT_EDITOR (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, tg_report_editor_delete_async);
  g_clear_handle_id (&self->save_source, g_source_remove);

  if (self->report == NULL || self->store == NULL)
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }
  if (self->job != NULL)
    {
      /* Deleted once the save in flight is written, so the tombstone
       * comes after it; edits made since are saved first, so the
       * tombstone holds them and an undo brings them back. */
      SaveJob *job = g_steal_pointer (&self->job);

      job->left = TRUE;
      g_set_object (&job->latest, self->report);
      job->follow = self->dirty ? FOLLOW_SAVE_THEN_DELETE : FOLLOW_DELETE;
      job->delete_task = g_steal_pointer (&task);
      g_ptr_array_add (self->left_jobs, job);
    }
  else if (never_saved (self->report))
    g_task_return_pointer (task, NULL, NULL);  /* nothing stored */
  else
    job_start_left (self, self->report, self->dirty ? FOLLOW_SAVE_THEN_DELETE : FOLLOW_DELETE,
                    g_steal_pointer (&task));

  /* Closed without saving or discarding anything more. */
  self->dirty = FALSE;
  g_clear_pointer (&self->blank, g_free);
  tg_report_editor_set_report (self, NULL);
}

TgRevision *
tg_report_editor_delete_finish (TgReportEditor  *self,
                                GAsyncResult    *result,
                                GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
tg_report_editor_is_stored (TgReportEditor *self)
{
  g_return_val_if_fail (TG_IS_REPORT_EDITOR (self), FALSE);

  /* A save in flight stores it. */
  return self->report != NULL && (!never_saved (self->report) || self->job != NULL);
}

const char *
tg_report_editor_get_save_state (TgReportEditor *self)
{
  g_return_val_if_fail (TG_IS_REPORT_EDITOR (self), NULL);
  return self->save_state;
}

gboolean
tg_report_editor_can_undo (TgReportEditor *self)
{
  g_return_val_if_fail (TG_IS_REPORT_EDITOR (self), FALSE);
  return self->report != NULL && !g_queue_is_empty (&self->undo);
}

gboolean
tg_report_editor_undo (TgReportEditor *self)
{
  g_autofree char *json = NULL;
  g_autoptr(TgReport) previous = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (TG_IS_REPORT_EDITOR (self), FALSE);

  if (self->report == NULL || g_queue_is_empty (&self->undo))
    return FALSE;

  json = g_queue_pop_head (&self->undo);
  previous = tg_report_new_from_json_string (json, -1, &error);
  if (previous == NULL)
    {
      g_warning ("Could not undo: %s", error->message);
      return FALSE;
    }

  /* The old content becomes the newest revision of the same history.
   * With a save in flight the base moves when it is written: save_done_cb
   * hands it on to this object, and the save of the undo follows. */
  tg_report_set_base_revisions (previous, tg_report_get_base_revisions (self->report));
  tg_report_set_n_heads (previous, tg_report_get_n_heads (self->report));
  g_set_object (&self->report, previous);
  g_free (self->snapshot);
  self->snapshot = g_steal_pointer (&json);
  self->in_burst = FALSE;
  load_widgets (self);
  self->dirty = TRUE;
  schedule_save (self);
  return TRUE;
}

void
tg_report_editor_set_location (TgReportEditor   *self,
                               double            latitude,
                               double            longitude,
                               TgLocationMethod  method)
{
  TgGazetteer *gazetteer;

  g_return_if_fail (TG_IS_REPORT_EDITOR (self));

  if (self->report == NULL)
    return;

  tg_report_set_location (self->report, latitude, longitude, method);
  gazetteer = self->gazetteer;
  if (gazetteer != NULL)
    {
      g_autofree char *admin1 = NULL;
      g_autofree char *admin2 = NULL;
      g_autofree char *name = tg_gazetteer_describe (gazetteer, latitude, longitude, &admin1, &admin2, NULL);
      const char *place = tg_report_get_place_name (self->report);

      if (name != NULL && (place == NULL || *place == '\0'))
        tg_report_set_place_name (self->report, name);
      if (admin1 != NULL)
        tg_report_set_region_code (self->report, admin1);
      if (admin2 != NULL)
        tg_report_set_province_code (self->report, admin2);
    }
  edited (self);
  load_widgets (self);
}

void
tg_report_editor_focus_title (TgReportEditor *self)
{
  g_return_if_fail (TG_IS_REPORT_EDITOR (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->title_row));
}

void
tg_report_editor_import_files (TgReportEditor *self,
                               GListModel     *files)
{
  g_return_if_fail (TG_IS_REPORT_EDITOR (self));

  if (self->report == NULL)
    return;
  gtk_widget_set_visible (GTK_WIDGET (self->sources_error), FALSE);
  for (guint i = 0; i < g_list_model_get_n_items (files); i++)
    g_queue_push_tail (&self->import_queue, g_list_model_get_item (files, i));
  import_next (self);
}

TgReportSyncState
tg_report_editor_get_sync_state (TgReportEditor *self)
{
  g_return_val_if_fail (TG_IS_REPORT_EDITOR (self), TG_REPORT_SYNC_LOCAL_ONLY);
  return self->sync_state;
}

gboolean
tg_report_editor_get_conflict_shown (TgReportEditor *self)
{
  g_return_val_if_fail (TG_IS_REPORT_EDITOR (self), FALSE);
  return self->report != NULL && gtk_revealer_get_reveal_child (self->conflict_revealer);
}

GtkWindow *
tg_report_editor_get_resolver (TgReportEditor *self)
{
  g_return_val_if_fail (TG_IS_REPORT_EDITOR (self), NULL);
  return self->resolver ? GTK_WINDOW (self->resolver) : NULL;
}
