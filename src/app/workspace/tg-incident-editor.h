/* tg-incident-editor.h — one incident: fields with provenance, counts,
 * persons, verification, notes and member reports
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "tg-workspace.h"

G_BEGIN_DECLS

#define TG_TYPE_INCIDENT_EDITOR (tg_incident_editor_get_type ())
G_DECLARE_FINAL_TYPE (TgIncidentEditor, tg_incident_editor, TG, INCIDENT_EDITOR, GtkWidget)

/* Shows an incident read with tg_workspace_load_bundle_async: each field
 * with its value and where it came from (a member report, or written by
 * the coordinator), and every member's value to choose from; each count
 * as a range with its sources and the coordinator's figure with a reason;
 * merged persons with their mentions (a wrong match split off); the
 * status with who decided, when and why; notes; the member reports (one
 * deleted by its monitor said so), each removable, and dissolving the
 * whole incident.
 *
 * Each change is one new revision, saved on a worker thread
 * (tg_workspace_save_incident_async and the other _async changes), after
 * which the incident is read again.
 *
 * Signals: "show-message" (const char *), a sentence for a toast;
 * "changed" (const char *incident_id), saved; "dissolved" (const char
 * *incident_id). */
GtkWidget  *tg_incident_editor_new           (void);
void        tg_incident_editor_set_workspace (TgIncidentEditor *self,
                                              TgWorkspace      *workspace);
/* The vocabularies that name categories and perpetrators (nullable). */
void        tg_incident_editor_set_vocabularies (TgIncidentEditor *self,
                                                 GListModel       *categories,
                                                 GListModel       *perpetrators);
/* Reads and shows the incident (NULL: none). */
void        tg_incident_editor_load          (TgIncidentEditor *self,
                                              const char       *incident_id);
const char *tg_incident_editor_get_incident_id (TgIncidentEditor *self);
/* The incident shown, or NULL while reading. */
TgIncident *tg_incident_editor_get_incident  (TgIncidentEditor *self);

G_END_DECLS
