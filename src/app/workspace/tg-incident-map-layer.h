/* tg-incident-map-layer.h — the coordinator's incidents on the map
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include <shumate/shumate.h>

#include "tg-map-view.h"

G_BEGIN_DECLS

#define TG_TYPE_INCIDENT_MAP_LAYER (tg_incident_map_layer_get_type ())
G_DECLARE_FINAL_TYPE (TgIncidentMapLayer, tg_incident_map_layer, TG, INCIDENT_MAP_LAYER, GObject)

/* Keeps a ShumateMarkerLayer over the map view's report pins with one marker an incident
 * that has a place: a square outlined in the colour of its status
 * (unverified grey, corroborated blue, verified green, disputed orange),
 * holding the number of its reports, named for screen readers ("Incident:
 * title, Verified, 3 reports"). A click emits "incident-activated"
 * (const char *incident_id).
 *
 * @incidents: GListModel of TgIncidentItem, followed as it changes.
 * The map view holds the layer; the returned object is the caller's. */
TgIncidentMapLayer *tg_incident_map_layer_attach      (TgMapView          *map_view,
                                                       GListModel         *incidents);
void                tg_incident_map_layer_set_visible (TgIncidentMapLayer *self,
                                                       gboolean            visible);
guint               tg_incident_map_layer_get_n_markers (TgIncidentMapLayer *self);

G_END_DECLS
