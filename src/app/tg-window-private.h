/* tg-window-private.h — what the window's files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "tg-map-view.h"
#include "tg-report-editor.h"
#include "tg-report-filters.h"
#include "tg-sync-indicator.h"
#include "tg-window.h"

G_BEGIN_DECLS

struct _TgWindow
{
  AdwApplicationWindow  parent_instance;

  TgApplication        *app;
  TgStore              *store;
  TgReportList         *reports;
  GtkSliceListModel    *slice;      /* the first rows, then all of them */
  GtkSingleSelection   *selection;

  /* template children */
  AdwToastOverlay      *toast_overlay;
  GtkStack             *window_stack;  /* "opening" until the store is open, then "main" */
  AdwLeaflet           *leaflet;
  GtkWidget            *list_pane;
  AdwHeaderBar         *list_header;
  AdwWindowTitle       *list_title;
  GtkSearchEntry       *search_entry;
  GtkStack             *list_stack;
  GtkListView          *list_view;
  AdwStatusPage        *empty_list_page;
  GtkLabel             *status_label;
  GtkImage             *status_icon;
  TgSyncIndicator      *sync_indicator;
  GtkRevealer          *sync_offer;    /* "Connect to your organisation's server" */
  TgSyncManager        *sync;          /* the store's, from the application */
  gboolean              store_was_new; /* no report when the window got the store */
  GtkWidget            *editor_pane;
  AdwHeaderBar         *editor_header;
  AdwWindowTitle       *editor_title;
  GtkWidget            *back_button;
  GtkWidget            *map_button;
  GtkStack             *editor_stack;
  TgReportEditor       *editor;     /* NULL until a report is first opened */
  GCancellable         *opening;    /* the report being read for the editor */
  GtkWidget            *map_pane;
  AdwHeaderBar         *map_header;
  GtkWidget            *map_back_button;
  TgMapView            *map_view;
  TgReportFilters      *filters;

  gulong                first_frame_handler;
  gulong                loaded_frame_handler;
  gboolean              first_frame_shown;
  gboolean              locations_loaded;
  GtkWidget            *row_menu;   /* a list row's menu, made when first shown */
  GtkWidget            *workspace;        /* workspace/: the coordinator's page */
  GtkWidget            *workspace_button;
  GObject              *incident_layer;   /* incidents on the map (TgIncidentMapLayer) */
  GtkWidget            *incidents_toggle; /* in the map's header bar */
};

/* tg-window.c */
void      tg_window_toast               (TgWindow       *self,
                                         const char     *message);
/* The report open in the editor, if any. */
TgReport *tg_window_get_current_report  (TgWindow       *self);
/* Shows @report in the editor (NULL: none), leaving the one open before. */
void      tg_window_show_report         (TgWindow       *self,
                                         TgReport       *report);
void      tg_window_update_editor_title (TgWindow       *self);

/* tg-window-actions.c */
void      tg_window_class_add_actions   (GtkWidgetClass *widget_class);

G_END_DECLS
