/* tg-window.c — the main window: report list, editor and map
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-window"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "tg-exchange.h"
#include "tg-map-view.h"
#include "tg-report-editor.h"
#include "tg-report-filters.h"
#include "tg-report-row.h"
#include "tg-ui-util.h"
#include "tg-window-private.h"
#include "tg-window-workspace.h"

G_DEFINE_FINAL_TYPE (TgWindow, tg_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_APP,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Helpers --------------------------------------------------------------- */

void
tg_window_toast (TgWindow   *self,
       const char *message)
{
  AdwToast *t = adw_toast_new (message);

  adw_toast_set_timeout (t, 5);
  adw_toast_overlay_add_toast (self->toast_overlay, t);
}

static void pick_location_cb  (TgWindow   *self);
static void save_state_cb     (TgWindow   *self);
static void editor_message_cb (TgWindow   *self,
                               const char *message);

/* The editor is a large form (some 30 ms to build and as long again to
 * measure and style): it is made when a report is first opened, not for
 * the first frame, where it is not seen. */
static TgReportEditor *
ensure_editor (TgWindow *self)
{
  if (self->editor != NULL)
    return self->editor;

  self->editor = g_object_new (TG_TYPE_REPORT_EDITOR, NULL);
  g_signal_connect_object (self->editor, "pick-location",
                           G_CALLBACK (pick_location_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->editor, "notify::save-state",
                           G_CALLBACK (save_state_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->editor, "show-message",
                           G_CALLBACK (editor_message_cb), self, G_CONNECT_SWAPPED);
  tg_report_editor_set_store (self->editor, self->store);
  tg_report_editor_set_settings (self->editor, tg_application_get_settings (self->app));
  tg_report_editor_set_vocabularies (self->editor,
                                     tg_application_get_vocabulary (self->app, TG_VOCABULARY_CATEGORIES),
                                     tg_application_get_vocabulary (self->app, TG_VOCABULARY_PERPETRATORS),
                                     tg_application_get_vocabulary (self->app, TG_VOCABULARY_HARMS),
                                     tg_application_get_vocabulary (self->app, TG_VOCABULARY_WEAPONS));
  tg_report_editor_set_gazetteer (self->editor, tg_application_get_gazetteer (self->app));
  gtk_stack_add_named (self->editor_stack, GTK_WIDGET (self->editor), "editor");
  return self->editor;
}

/* The report open in the editor, if any. */
TgReport *
tg_window_get_current_report (TgWindow *self)
{
  return self->editor != NULL ? tg_report_editor_get_report (self->editor) : NULL;
}

static void
update_list_state (TgWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->reports));
  const TgReportQuery *query = tg_report_list_get_query (self->reports);
  g_autofree char *subtitle = NULL;
  gboolean filtered;

  filtered = (query->text != NULL && *query->text != '\0') || query->category != NULL ||
             query->region_code != NULL || query->status >= 0 || query->start_from != 0 ||
             query->start_until != 0 || query->only_conflicts;

  subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u report", "%u reports", n), n);
  adw_window_title_set_subtitle (self->list_title, subtitle);

  if (n > 0)
    gtk_stack_set_visible_child_name (self->list_stack, "list");
  else
    {
      adw_status_page_set_title (self->empty_list_page,
                                 filtered ? _("No Matching Reports") : _("No Reports Yet"));
      adw_status_page_set_description (self->empty_list_page,
                                       filtered ? _("Try other words or fewer filters.")
                                                : _("Press Ctrl+N to record an incident."));
      gtk_stack_set_visible_child_name (self->list_stack, "empty");
    }
}

static void
apply_filters (TgWindow *self)
{
  g_autoptr(TgReportQuery) query = tg_report_filters_get_query (self->filters);

  tg_report_list_set_query (self->reports, query);
  update_list_state (self);
}

static void
setup_filters (TgWindow *self)
{
  tg_report_filters_set_categories (self->filters,
                                    tg_application_get_vocabulary (self->app, TG_VOCABULARY_CATEGORIES));
  g_signal_connect_object (self->filters, "changed", G_CALLBACK (apply_filters), self, G_CONNECT_SWAPPED);
}

void
tg_window_update_editor_title (TgWindow *self)
{
  TgReport *report = tg_window_get_current_report (self);
  const char *title = report ? tg_report_get_title (report) : NULL;

  adw_window_title_set_title (self->editor_title,
                              report == NULL ? "" :
                              (title != NULL && *title != '\0') ? title : _("Untitled report"));
  adw_window_title_set_subtitle (self->editor_title,
                                 report ? tg_report_editor_get_save_state (self->editor) : NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.delete-report", report != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.undo",
                                 report != NULL && tg_report_editor_can_undo (self->editor));
}

void
tg_window_show_report (TgWindow *self,
             TgReport *report)
{
  if (report != NULL || self->editor != NULL)
    tg_report_editor_set_report (ensure_editor (self), report);
  gtk_stack_set_visible_child_name (self->editor_stack, report ? "editor" : "empty");
  tg_map_view_set_selected_report (self->map_view, report);
  if (report != NULL && tg_report_has_location (report))
    tg_map_view_center_on (self->map_view, tg_report_get_latitude (report),
                           tg_report_get_longitude (report), 10);
  tg_window_update_editor_title (self);
  if (report != NULL)
    adw_leaflet_set_visible_child (self->leaflet, self->editor_pane);
}

/* Start-up comes in two steps. The first frame shows the window with the
 * first FIRST_ROWS reports: GTK 4.8's list view makes 200 rows as soon as
 * it has a model that long, which is some 250 ms of work with 100,000
 * reports and only a dozen are seen. Once that frame is on screen the list
 * is given every report, while the map reads their positions on a worker
 * thread; when both are done the app is loaded. tests/app/bench-startup
 * reads the two lines printed here (the monotonic clock is shared). */
#define FIRST_ROWS 12

static gboolean
reporting_start_up (void)
{
  return g_getenv ("TESTIGO_REPORT_START_UP") != NULL ||
         g_getenv ("TESTIGO_EXIT_AFTER_LOAD") != NULL;
}

static void
loaded_frame_cb (GdkFrameClock *clock,
                 TgWindow      *self)
{
  g_clear_signal_handler (&self->loaded_frame_handler, clock);

  if (reporting_start_up ())
    g_print ("loaded %" G_GINT64_FORMAT " rss-kb %ld\n", g_get_monotonic_time (), tg_resident_kb ());
  if (g_getenv ("TESTIGO_EXIT_AFTER_LOAD") != NULL)
    g_application_quit (G_APPLICATION (self->app));
}

/* Loaded: the whole list is in the view and the markers on the map; the
 * frame after that is the one measured. */
static void
maybe_loaded (TgWindow *self)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));

  if (!self->first_frame_shown || !self->locations_loaded || clock == NULL ||
      self->loaded_frame_handler != 0)
    return;
  self->loaded_frame_handler = g_signal_connect (clock, "after-paint", G_CALLBACK (loaded_frame_cb), self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
locations_loaded_cb (TgWindow *self)
{
  tg_start_up_mark ("markers-placed");
  self->locations_loaded = TRUE;
  maybe_loaded (self);
}

static void
first_frame_cb (GdkFrameClock *clock,
                TgWindow      *self)
{
  /* The first frame with the list, not the "Opening…" page. */
  if (self->reports == NULL)
    return;
  g_clear_signal_handler (&self->first_frame_handler, clock);

  if (reporting_start_up ())
    g_print ("first-frame %" G_GINT64_FORMAT " rss-kb %ld reports %u renderer %s\n",
             g_get_monotonic_time (), tg_resident_kb (),
             g_list_model_get_n_items (G_LIST_MODEL (self->reports)),
             G_OBJECT_TYPE_NAME (gtk_native_get_renderer (GTK_NATIVE (self))));

  self->first_frame_shown = TRUE;
  gtk_slice_list_model_set_size (self->slice, G_MAXUINT);
  tg_start_up_mark ("list-grown");
  maybe_loaded (self);
}

/* Callbacks ------------------------------------------------------------- */

static void
search_changed_cb (TgWindow *self)
{
  tg_report_filters_set_search_text (self->filters, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
}

static void
back_clicked_cb (TgWindow *self)
{
  adw_leaflet_set_visible_child (self->leaflet, self->list_pane);
}

static void
show_map_cb (TgWindow *self)
{
  adw_leaflet_set_visible_child (self->leaflet, self->map_pane);
}

static void
map_back_clicked_cb (TgWindow *self)
{
  adw_leaflet_set_visible_child (self->leaflet, self->editor_pane);
}

static void
folded_changed_cb (TgWindow *self)
{
  gboolean folded = adw_leaflet_get_folded (self->leaflet);

  gtk_widget_set_visible (self->back_button, folded);
  gtk_widget_set_visible (self->map_button, folded);
  gtk_widget_set_visible (self->map_back_button, folded);
  adw_header_bar_set_show_end_title_buttons (self->list_header, folded);
  adw_header_bar_set_show_end_title_buttons (self->editor_header, folded);
  adw_header_bar_set_show_start_title_buttons (self->editor_header, folded);
  adw_header_bar_set_show_start_title_buttons (self->map_header, folded);
}

static void
selection_changed_cb (TgWindow *self)
{
  TgReport *item = gtk_single_selection_get_selected_item (self->selection);
  TgReport *current = tg_window_get_current_report (self);

  /* A refresh of the list drops the selection: keep what is open. */
  if (item == NULL)
    return;
  if (current != NULL && g_strcmp0 (tg_report_get_id (item), tg_report_get_id (current)) == 0)
    return;
  tg_window_open_report (self, tg_report_get_id (item));
}

static void
list_activate_cb (TgWindow *self,
                  guint     position)
{
  g_autoptr(TgReport) item = g_list_model_get_item (G_LIST_MODEL (self->reports), position);

  if (item != NULL)
    {
      tg_window_open_report (self, tg_report_get_id (item));
      adw_leaflet_set_visible_child (self->leaflet, self->editor_pane);
    }
}

static void
items_changed_cb (TgWindow *self)
{
  TgReport *item = gtk_single_selection_get_selected_item (self->selection);
  TgReport *current = tg_window_get_current_report (self);

  /* GtkSingleSelection may move the selection to another row when rows
   * change; a highlighted row that is not the open report would then
   * ignore a click. */
  if (item != NULL && (current == NULL ||
                       g_strcmp0 (tg_report_get_id (item), tg_report_get_id (current)) != 0))
    gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  update_list_state (self);
}

static void
pick_location_cb (TgWindow *self)
{
  tg_map_view_set_picking (self->map_view, TRUE);
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, self->map_pane);
  tg_window_toast (self, _("Click the place on the map"));
}

static void
location_picked_cb (TgWindow *self,
                    double    latitude,
                    double    longitude)
{
  if (tg_window_get_current_report (self) == NULL)
    return;
  tg_map_view_set_picking (self->map_view, FALSE);
  tg_report_editor_set_location (self->editor, latitude, longitude, TG_LOCATION_METHOD_MAP);
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, self->editor_pane);
}

static void
map_report_activated_cb (TgWindow   *self,
                         const char *report_id)
{
  tg_window_open_report (self, report_id);
}

static void
save_state_cb (TgWindow *self)
{
  tg_window_update_editor_title (self);
}

static void
editor_message_cb (TgWindow   *self,
                   const char *message)
{
  tg_window_toast (self, message);
}

/* The row's menu (secondary click, long press, Menu or Shift+F10 on the
 * focused row), pointing at @rect in the list's coordinates. */
static void
popup_row_menu (TgWindow       *self,
                TgReportRow    *row,
                const GdkRectangle *rect)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenuItem) item = NULL;
  const char *id = row ? tg_report_row_get_report_id (row) : NULL;

  if (id == NULL)
    return;
  item = g_menu_item_new (_("_Export This Report…"), NULL);
  g_menu_item_set_action_and_target_value (item, "win.export-report", g_variant_new_string (id));
  g_menu_append_item (menu, item);
  if (self->row_menu == NULL)
    {
      self->row_menu = gtk_popover_menu_new_from_model (NULL);
      gtk_popover_set_has_arrow (GTK_POPOVER (self->row_menu), FALSE);
      gtk_widget_set_halign (self->row_menu, GTK_ALIGN_START);
      gtk_widget_set_parent (self->row_menu, GTK_WIDGET (self->list_view));
    }
  gtk_popover_menu_set_menu_model (GTK_POPOVER_MENU (self->row_menu), G_MENU_MODEL (menu));
  gtk_popover_set_pointing_to (GTK_POPOVER (self->row_menu), rect);
  gtk_popover_popup (GTK_POPOVER (self->row_menu));
}

static TgReportRow *
row_at (TgWindow *self,
        double    x,
        double    y)
{
  GtkWidget *picked = gtk_widget_pick (GTK_WIDGET (self->list_view), x, y, GTK_PICK_DEFAULT);
  GtkWidget *row = picked ? gtk_widget_get_ancestor (picked, TG_TYPE_REPORT_ROW) : NULL;

  /* The row's margins belong to the list item around it. */
  if (row == NULL && picked != NULL && TG_IS_REPORT_ROW (gtk_widget_get_first_child (picked)))
    row = gtk_widget_get_first_child (picked);
  return row ? TG_REPORT_ROW (row) : NULL;
}

static void
row_secondary_click_cb (GtkGestureClick *gesture,
                        int              n_press,
                        double           x,
                        double           y,
                        TgWindow        *self)
{
  TgReportRow *row = row_at (self, x, y);
  GdkRectangle rect = { (int) x, (int) y, 1, 1 };

  if (row == NULL)
    return;
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  popup_row_menu (self, row, &rect);
}

static void
row_long_press_cb (GtkGestureLongPress *gesture,
                   double               x,
                   double               y,
                   TgWindow            *self)
{
  TgReportRow *row = row_at (self, x, y);
  GdkRectangle rect = { (int) x, (int) y, 1, 1 };

  if (row != NULL)
    popup_row_menu (self, row, &rect);
}

static gboolean
row_menu_key_cb (GtkWidget *widget,
                 GVariant  *args,
                 gpointer   user_data)
{
  TgWindow *self = TG_WINDOW (user_data);
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));
  GtkWidget *row = NULL;
  graphene_rect_t bounds;
  GdkRectangle rect;

  if (focus == NULL || !gtk_widget_is_ancestor (focus, GTK_WIDGET (self->list_view)))
    return FALSE;
  /* The focus is on the list item that holds the row. */
  if (TG_IS_REPORT_ROW (gtk_widget_get_first_child (focus)))
    row = gtk_widget_get_first_child (focus);
  else
    row = gtk_widget_get_ancestor (focus, TG_TYPE_REPORT_ROW);
  if (row == NULL || !gtk_widget_compute_bounds (row, GTK_WIDGET (self->list_view), &bounds))
    return FALSE;
  rect = (GdkRectangle) { (int) bounds.origin.x + 12, (int) (bounds.origin.y + bounds.size.height / 2), 1, 1 };
  popup_row_menu (self, TG_REPORT_ROW (row), &rect);
  return TRUE;
}

static gboolean
list_drop_cb (GtkDropTarget *target,
              const GValue  *value,
              double         x,
              double         y,
              TgWindow      *self)
{
  GSList *files;

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  files = gdk_file_list_get_files (g_value_get_boxed (value));
  if (files == NULL)
    return FALSE;
  if (files->next != NULL)
    tg_window_toast (self, _("Drop one file at a time: only the first was imported."));
  tg_exchange_import_file (GTK_WINDOW (self), self->store, files->data);
  g_slist_free (files);
  return TRUE;
}

static gboolean
tg_window_close_request (GtkWindow *window)
{
  TgWindow *self = TG_WINDOW (window);
  GSettings *settings = tg_application_get_settings (self->app);
  int width, height;

  /* Leaving the report saves it, or drops it if it is an empty new one. */
  if (self->editor != NULL)
    tg_report_editor_set_report (self->editor, NULL);

  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_boolean (settings, "window-maximized", gtk_window_is_maximized (window));
  if (!gtk_window_is_maximized (window))
    {
      g_settings_set_int (settings, "window-width", width);
      g_settings_set_int (settings, "window-height", height);
    }

  return GTK_WINDOW_CLASS (tg_window_parent_class)->close_request (window);
}

/* Sync: the indicator, the status line under the list, the sync
 * actions and the first-run offer follow the store's sync manager. */
static void
update_sync (TgWindow *self)
{
  gboolean offer;

  if (self->sync == NULL)
    return;
  /* On even when not connected: Ctrl+R then says why nothing is sent. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sync-now", TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.send-originals", TRUE);

  offer = self->store_was_new && tg_sync_manager_get_loaded (self->sync) &&
          tg_sync_manager_get_account (self->sync) == NULL &&
          !g_settings_get_boolean (tg_application_get_settings (self->app), "sync-offer-dismissed");
  gtk_revealer_set_reveal_child (self->sync_offer, offer);
  gtk_widget_set_visible (GTK_WIDGET (self->sync_offer), offer);
}

static void
dismiss_sync_offer_cb (TgWindow *self)
{
  g_settings_set_boolean (tg_application_get_settings (self->app), "sync-offer-dismissed", TRUE);
  update_sync (self);
}

static void
attach_sync (TgWindow *self)
{
  self->sync = tg_application_get_sync_manager (self->app);
  if (self->sync == NULL)
    return;
  g_object_ref (self->sync);
  self->store_was_new = tg_store_count_reports (self->store) == 0;
  tg_sync_indicator_set_manager (self->sync_indicator, self->sync);
  g_object_bind_property (self->sync_indicator, "summary", self->status_label, "label", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->sync_indicator, "icon-name", self->status_icon, "icon-name", G_BINDING_SYNC_CREATE);
  g_signal_connect_object (self->sync, "account-changed", G_CALLBACK (update_sync), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->sync, "notify::loaded", G_CALLBACK (update_sync), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (tg_application_get_settings (self->app), "changed::sync-offer-dismissed",
                           G_CALLBACK (update_sync), self, G_CONNECT_SWAPPED);
  update_sync (self);
}

static void
tg_window_realize (GtkWidget *widget)
{
  TgWindow *self = TG_WINDOW (widget);
  GdkFrameClock *clock;

  GTK_WIDGET_CLASS (tg_window_parent_class)->realize (widget);
  tg_start_up_mark ("realized");

  clock = gtk_widget_get_frame_clock (widget);
  if (clock != NULL)
    self->first_frame_handler = g_signal_connect (clock, "after-paint", G_CALLBACK (first_frame_cb), self);
}

static const char * const store_actions[] = {
  "win.new-report", "win.search", "win.save-and-next", "win.delete-report", "win.undo",
  "win.undo-delete", "win.export", "win.import", "win.export-report",
};

/* Off until the store is open and its token answered. */
static const char * const sync_actions[] = {
  "win.sync-now", "win.send-originals",
};

/* Everything that needs the store: the list, the map's reports, the
 * filters, the actions. */
static void
attach_store (TgWindow *self,
              TgStore  *store)
{
  g_autoptr(TgReportQuery) query = tg_report_query_new ();
  GtkListItemFactory *factory;

  for (guint i = 0; i < G_N_ELEMENTS (store_actions); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), store_actions[i], TRUE);

  self->store = g_object_ref (store);
  self->reports = tg_report_list_new (self->store, query);
  self->slice = gtk_slice_list_model_new (g_object_ref (G_LIST_MODEL (self->reports)), 0, FIRST_ROWS);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->slice)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  g_signal_connect_swapped (self->selection, "notify::selected-item",
                            G_CALLBACK (selection_changed_cb), self);
  g_signal_connect_swapped (self->reports, "items-changed", G_CALLBACK (items_changed_cb), self);

  factory = tg_report_row_factory_new (self->store,
                                       tg_application_get_vocabulary (self->app, TG_VOCABULARY_CATEGORIES));
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect_swapped (self->list_view, "activate", G_CALLBACK (list_activate_cb), self);

  /* A row's menu: "Export This Report…". */
  {
    GtkGesture *click = gtk_gesture_click_new ();
    GtkGesture *press = gtk_gesture_long_press_new ();
    GtkEventController *keys = gtk_shortcut_controller_new ();

    gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
    g_signal_connect (click, "pressed", G_CALLBACK (row_secondary_click_cb), self);
    gtk_widget_add_controller (GTK_WIDGET (self->list_view), GTK_EVENT_CONTROLLER (click));
    gtk_gesture_single_set_touch_only (GTK_GESTURE_SINGLE (press), TRUE);
    g_signal_connect (press, "pressed", G_CALLBACK (row_long_press_cb), self);
    gtk_widget_add_controller (GTK_WIDGET (self->list_view), GTK_EVENT_CONTROLLER (press));
    gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys),
      gtk_shortcut_new (gtk_alternative_trigger_new (gtk_keyval_trigger_new (GDK_KEY_F10, GDK_SHIFT_MASK),
                                                     gtk_keyval_trigger_new (GDK_KEY_Menu, 0)),
                        gtk_callback_action_new (row_menu_key_cb, self, NULL)));
    gtk_widget_add_controller (GTK_WIDGET (self->list_view), keys);
  }

  /* A GeoJSON or CSV file dropped on the list is imported. */
  {
    GtkDropTarget *drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);

    g_signal_connect (drop, "drop", G_CALLBACK (list_drop_cb), self);
    gtk_widget_add_controller (self->list_pane, GTK_EVENT_CONTROLLER (drop));
  }

  g_signal_connect_object (self->map_view, "locations-loaded",
                           G_CALLBACK (locations_loaded_cb), self, G_CONNECT_SWAPPED);
  tg_map_view_set_reports (self->map_view, G_LIST_MODEL (self->reports));
  setup_filters (self);
  g_signal_connect_swapped (self->leaflet, "notify::folded", G_CALLBACK (folded_changed_cb), self);
  folded_changed_cb (self);
  update_list_state (self);
  tg_window_update_editor_title (self);
  attach_sync (self);
  tg_window_attach_workspace (self);
  gtk_stack_set_visible_child_name (self->window_stack, "main");
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
tg_window_constructed (GObject *object)
{
  TgWindow *self = TG_WINDOW (object);
  GSettings *settings;
  TgStore *store;

  G_OBJECT_CLASS (tg_window_parent_class)->constructed (object);

  for (guint i = 0; i < G_N_ELEMENTS (sync_actions); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), sync_actions[i], FALSE);

  gtk_window_set_application (GTK_WINDOW (self), GTK_APPLICATION (self->app));
  settings = tg_application_get_settings (self->app);
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (settings, "window-width"),
                               g_settings_get_int (settings, "window-height"));
  if (g_settings_get_boolean (settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
  tg_map_view_set_settings (self->map_view, settings);

  store = tg_application_get_store (self->app);
  if (store != NULL)
    {
      attach_store (self, store);
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (store_actions); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), store_actions[i], FALSE);
  gtk_stack_set_visible_child_name (self->window_stack, "opening");
}

static void
tg_window_dispose (GObject *object)
{
  TgWindow *self = TG_WINDOW (object);

  /* Before the list it hangs from goes. */
  g_clear_pointer (&self->row_menu, gtk_widget_unparent);
  gtk_widget_dispose_template (GTK_WIDGET (self), TG_TYPE_WINDOW);
  self->editor = NULL;  /* went with the editor stack */

  if (self->reports != NULL)
    g_signal_handlers_disconnect_by_data (self->reports, self);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  if (self->opening != NULL)
    g_cancellable_cancel (self->opening);
  g_clear_object (&self->opening);
  g_clear_object (&self->selection);
  g_clear_object (&self->slice);
  g_clear_object (&self->reports);
  g_clear_object (&self->store);
  g_clear_object (&self->sync);
  g_clear_object (&self->incident_layer);

  G_OBJECT_CLASS (tg_window_parent_class)->dispose (object);
}

static void
tg_window_finalize (GObject *object)
{
  TgWindow *self = TG_WINDOW (object);

  g_clear_object (&self->app);

  G_OBJECT_CLASS (tg_window_parent_class)->finalize (object);
}

static void
tg_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  TgWindow *self = TG_WINDOW (object);

  switch (prop_id)
    {
    case PROP_APP:
      self->app = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_window_class_init (TgWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = tg_window_constructed;
  object_class->dispose = tg_window_dispose;
  object_class->finalize = tg_window_finalize;
  object_class->set_property = tg_window_set_property;
  widget_class->realize = tg_window_realize;
  window_class->close_request = tg_window_close_request;

  properties[PROP_APP] =
    g_param_spec_object ("tg-application", NULL, NULL, TG_TYPE_APPLICATION,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (TG_TYPE_MAP_VIEW);
  g_type_ensure (TG_TYPE_REPORT_FILTERS);
  g_type_ensure (TG_TYPE_SYNC_INDICATOR);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/testigo/Testigo/tg-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TgWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, TgWindow, window_stack);
  gtk_widget_class_bind_template_child (widget_class, TgWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, TgWindow, list_pane);
  gtk_widget_class_bind_template_child (widget_class, TgWindow, list_header);
  gtk_widget_class_bind_template_child (widget_class, TgWindow, list_title);
  gtk_widget_class_bind_template_child (widget_class, TgWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, TgWindow, list_stack);
  gtk_widget_class_bind_template_child (widget_class, TgWindow, list_view);
  gtk_widget_class_bind_template_child (widget_class, TgWindow, empty_list_page);
  gtk_widget_class_bind_template_child (widget_class, TgWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, TgWindow, status_icon);
  gtk_widget_class_bind_template_child (widget_class, TgWindow, sync_indicator);
  gtk_widget_class_bind_template_child (widget_class, TgWindow, sync_offer);
  gtk_widget_class_bind_template_child (widget_class, TgWindow, editor_pane);
  gtk_widget_class_bind_template_child (widget_class, TgWindow, editor_header);
  gtk_widget_class_bind_template_child (widget_class, TgWindow, editor_title);
  gtk_widget_class_bind_template_child (widget_class, TgWindow, back_button);
  gtk_widget_class_bind_template_child (widget_class, TgWindow, map_button);
  gtk_widget_class_bind_template_child (widget_class, TgWindow, editor_stack);
  gtk_widget_class_bind_template_child (widget_class, TgWindow, map_pane);
  gtk_widget_class_bind_template_child (widget_class, TgWindow, map_header);
  gtk_widget_class_bind_template_child (widget_class, TgWindow, map_back_button);
  gtk_widget_class_bind_template_child (widget_class, TgWindow, map_view);
  gtk_widget_class_bind_template_child (widget_class, TgWindow, filters);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, show_map_cb);
  gtk_widget_class_bind_template_callback (widget_class, map_back_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, location_picked_cb);
  gtk_widget_class_bind_template_callback (widget_class, map_report_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, dismiss_sync_offer_cb);

  tg_window_class_add_actions (widget_class);
}

static void
tg_window_init (TgWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  if (DEVELOPMENT_BUILD)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}

/* Public API ------------------------------------------------------------ */

TgWindow *
tg_window_new (TgApplication *app)
{
  return g_object_new (TG_TYPE_WINDOW, "tg-application", app, NULL);
}

static void
load_report_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  GError *error = NULL;
  TgReport *report = tg_store_load_report (TG_STORE (source_object), task_data, &error);

  if (report != NULL)
    g_task_return_pointer (task, report, g_object_unref);
  else
    g_task_return_error (task, error);
}

static void
report_loaded_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(TgWindow) self = user_data;
  g_autoptr(TgReport) report = NULL;
  g_autoptr(GError) error = NULL;

  report = g_task_propagate_pointer (G_TASK (result), &error);
  if (g_task_get_cancellable (G_TASK (result)) != self->opening || self->store == NULL)
    return;  /* another report was asked for since, or the window went */
  g_clear_object (&self->opening);
  if (report == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not open the report: %s"), error->message);

      tg_window_toast (self, message);
      return;
    }
  tg_window_show_report (self, report);
}

void
tg_window_open_report (TgWindow   *self,
                       const char *report_id)
{
  g_autoptr(GTask) task = NULL;
  TgReport *left;

  g_return_if_fail (TG_IS_WINDOW (self));
  g_return_if_fail (report_id != NULL);

  if (self->opening != NULL)
    g_cancellable_cancel (self->opening);
  g_clear_object (&self->opening);

  /* The report open before is left without waiting (the editor saves it
   * on). One left a moment ago, its save still in flight, is taken back
   * as the editor holds it: the store has not caught up with it yet. */
  left = self->editor != NULL ? tg_report_editor_get_left_report (self->editor, report_id) : NULL;
  if (left != NULL)
    {
      tg_window_show_report (self, left);
      return;
    }

  self->opening = g_cancellable_new ();
  task = g_task_new (self->store, self->opening, report_loaded_cb, g_object_ref (self));
  g_task_set_source_tag (task, tg_window_open_report);
  g_task_set_task_data (task, g_strdup (report_id), g_free);
  g_task_run_in_thread (task, load_report_thread);
}

void
tg_window_set_store (TgWindow *self,
                     TgStore  *store)
{
  g_return_if_fail (TG_IS_WINDOW (self));
  g_return_if_fail (TG_IS_STORE (store));
  g_return_if_fail (self->store == NULL);

  attach_store (self, store);
}
