/* tg-incident-resolver.h — resolve an incident changed by two
 * coordinators at once, part by part
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "tg-resolver-window.h"
#include "tg-workspace.h"

G_BEGIN_DECLS

#define TG_TYPE_INCIDENT_RESOLVER (tg_incident_resolver_get_type ())
G_DECLARE_FINAL_TYPE (TgIncidentResolver, tg_incident_resolver, TG, INCIDENT_RESOLVER, TgResolverWindow)

/* Loads the incident's heads and what they disagree on
 * (tg_workspace_load_conflict_async) and shows each differing part with
 * every version's value, where it came from, which laptop (and
 * coordinator) wrote it and when; the coordinator picks one per part, or
 * writes a new title, narrative or notes, or takes every version's
 * reports together. Saving is one revision whose parents are all the
 * heads (tg_workspace_resolve_conflict_async); if another change arrived
 * meanwhile the versions are loaded again, the choices that still apply
 * are kept, and the window says so.
 *
 * Signals: "resolved" (const char *incident_id) — stored; the window
 * closes itself after it.
 * Properties: "state" (TgResolverWindow's, read-only) — "loading", "choosing",
 * "saving", "saved", "nothing" (a single version), "error". */
TgIncidentResolver *tg_incident_resolver_new          (TgWorkspace        *workspace,
                                                       const char         *incident_id);
/* Its state, notice and how many parts differ and have an answer:
 * tg_resolver_window_get_state() and the like. */

/* Opens the resolver for @incident_id over @from's window; @on_resolved
 * (may be NULL) is called swapped, with @data (a GObject, held weakly),
 * once the resolution is stored. */
TgIncidentResolver *tg_incident_resolver_present      (TgWorkspace        *workspace,
                                                       const char         *incident_id,
                                                       GtkWidget          *from,
                                                       GCallback           on_resolved,
                                                       gpointer            data);

/* Says on the page @name of @pages (a badge with their number) how many
 * of @summaries (TgIncidentSummary) need a coordinator: changed on two
 * laptops at once, or sharing a report with another incident. Returns
 * that number. */
guint               tg_incident_resolver_flag_attention (AdwViewStack     *pages,
                                                         const char       *name,
                                                         GPtrArray        *summaries);

G_END_DECLS
