/* tg-window-workspace.c — the coordinator's workspace in the main window
 *
 * The workspace is a page of the window's stack beside the monitor's own
 * list (list, editor, map), reached with the "Workspace" button in the
 * list's header bar or Ctrl+I, and shown only when the enrolled account's
 * role is coordinator (or TESTIGO_ROLE=coordinator, see docs/app.md). Its
 * incidents are drawn on the window's map.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-window"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "tg-incident-map-layer.h"
#include "tg-sync-engine.h"
#include "tg-sync-manager.h"
#include "tg-window-private.h"
#include "tg-window-workspace.h"
#include "tg-workspace-view.h"

/* The enrolled account's role, as the sync engine says it; NULL when not
 * known (no account). */
static const char *
current_role (TgWindow *self)
{
  TgSyncEngine *engine = self->sync != NULL ? tg_sync_manager_get_engine (self->sync) : NULL;

  /* As the server last said, at enrolment or in a pull. */
  switch (engine != NULL ? tg_sync_engine_get_role (engine) : TG_SYNC_ROLE_UNKNOWN)
    {
    case TG_SYNC_ROLE_COORDINATOR:
      return "coordinator";
    case TG_SYNC_ROLE_MONITOR:
      return "monitor";
    case TG_SYNC_ROLE_UNKNOWN:
    default:
      return NULL;
    }
}

static void
show_workspace (TgWindow *self,
                gboolean  show)
{
  if (show && !gtk_widget_get_visible (self->workspace_button))
    return;
  gtk_stack_set_visible_child_name (self->window_stack, show ? "workspace" : "main");
  if (!show)
    gtk_widget_grab_focus (self->workspace_button);
}

static void
update_incident_layer (TgWindow *self)
{
  gboolean coordinator = gtk_widget_get_visible (self->workspace_button);

  tg_incident_map_layer_set_visible (TG_INCIDENT_MAP_LAYER (self->incident_layer),
                                     coordinator &&
                                     gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->incidents_toggle)));
}

static void
update_role (TgWindow *self)
{
  gboolean coordinator = tg_workspace_role_is_coordinator (current_role (self));

  gtk_widget_set_visible (self->workspace_button, coordinator);
  gtk_widget_set_visible (self->incidents_toggle, coordinator);
  update_incident_layer (self);
  if (coordinator)
    tg_workspace_view_refresh (TG_WORKSPACE_VIEW (self->workspace));
  else if (g_strcmp0 (gtk_stack_get_visible_child_name (self->window_stack), "workspace") == 0)
    show_workspace (self, FALSE);
}

static void
workspace_clicked_cb (TgWindow *self)
{
  show_workspace (self, TRUE);
}

static void
back_cb (TgWindow *self)
{
  show_workspace (self, FALSE);
}

static void
message_cb (TgWindow   *self,
            const char *message)
{
  tg_window_toast (self, message);
}

static void
incident_activated_cb (TgWindow   *self,
                       const char *incident_id)
{
  show_workspace (self, TRUE);
  tg_workspace_view_show_incident (TG_WORKSPACE_VIEW (self->workspace), incident_id);
}

static gboolean
toggle_shortcut_cb (GtkWidget *widget,
                    GVariant  *args,
                    gpointer   user_data)
{
  TgWindow *self = TG_WINDOW (widget);
  gboolean shown = g_strcmp0 (gtk_stack_get_visible_child_name (self->window_stack), "workspace") == 0;

  if (!gtk_widget_get_visible (self->workspace_button))
    return FALSE;
  show_workspace (self, !shown);
  return TRUE;
}

void
tg_window_attach_workspace (TgWindow *self)
{
  GtkWidget *button;
  GtkEventController *keys;

  GSettings *settings = tg_application_get_settings (self->app);

  self->workspace = tg_workspace_view_new ();
  tg_workspace_view_set_store (TG_WORKSPACE_VIEW (self->workspace), self->store,
                               tg_application_get_vocabulary (self->app, TG_VOCABULARY_CATEGORIES),
                               tg_application_get_vocabulary (self->app, TG_VOCABULARY_PERPETRATORS));
  if (settings != NULL)
    tg_workspace_view_set_settings (TG_WORKSPACE_VIEW (self->workspace), settings);
  gtk_stack_add_named (self->window_stack, self->workspace, "workspace");
  g_signal_connect_object (self->workspace, "back", G_CALLBACK (back_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->workspace, "show-message", G_CALLBACK (message_cb), self, G_CONNECT_SWAPPED);

  button = gtk_button_new ();
  gtk_button_set_child (GTK_BUTTON (button),
                        g_object_new (ADW_TYPE_BUTTON_CONTENT,
                                      "icon-name", "view-grid-symbolic",
                                      "label", _("_Workspace"),
                                      "use-underline", TRUE,
                                      NULL));
  gtk_widget_set_tooltip_text (button, _("Coordinator’s Workspace (Ctrl+I)"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Workspace"),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  _("Every monitor’s reports, the review queue and the incidents"),
                                  -1);
  g_signal_connect_object (button, "clicked", G_CALLBACK (workspace_clicked_cb), self, G_CONNECT_SWAPPED);
  adw_header_bar_pack_start (self->list_header, button);
  self->workspace_button = button;

  keys = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_i, GDK_CONTROL_MASK),
                                                          gtk_callback_action_new (toggle_shortcut_cb, NULL, NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self), keys);

  self->incident_layer = G_OBJECT (tg_incident_map_layer_attach (self->map_view,
                                                                   tg_workspace_view_get_incidents (TG_WORKSPACE_VIEW (self->workspace))));
  g_signal_connect_object (self->incident_layer, "incident-activated",
                           G_CALLBACK (incident_activated_cb), self, G_CONNECT_SWAPPED);

  /* Incidents on the map or not, kept in workspace-map-incidents. */
  button = gtk_toggle_button_new ();
  gtk_button_set_child (GTK_BUTTON (button),
                        g_object_new (ADW_TYPE_BUTTON_CONTENT,
                                      "icon-name", "view-grid-symbolic",
                                      "label", _("_Incidents"),
                                      "use-underline", TRUE,
                                      NULL));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (button), TRUE);
  gtk_widget_set_tooltip_text (button, _("Show the incidents on the map"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Incidents on the map"),
                                  -1);
  if (settings != NULL)
    g_settings_bind (settings, "workspace-map-incidents", button, "active", G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (button, "toggled", G_CALLBACK (update_incident_layer), self, G_CONNECT_SWAPPED);
  adw_header_bar_pack_end (self->map_header, button);
  self->incidents_toggle = button;

  if (self->sync != NULL)
    {
      g_signal_connect_object (self->sync, "account-changed", G_CALLBACK (update_role), self, G_CONNECT_SWAPPED);
      if (tg_sync_manager_get_engine (self->sync) != NULL)
        g_signal_connect_object (tg_sync_manager_get_engine (self->sync), "notify::role",
                                 G_CALLBACK (update_role), self, G_CONNECT_SWAPPED);
    }
  update_role (self);
}
