/* tg-workspace-util.h — words for incident fields, provenance and counts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "tg-incident.h"

G_BEGIN_DECLS

/* A field's value (the members tg_incident_field_get_members names) in
 * plain words: "9 Jan 2023", "Juliaca (PE-PUN)", "Killing, Injury"…;
 * "Not given" when unset or empty. @categories and @perpetrators
 * (nullable) name the codes; without them the codes are shown. */
char    *tg_workspace_describe_field      (TgIncidentField     field,
                                           JsonObject         *value,
                                           GListModel         *categories,
                                           GListModel         *perpetrators);
/* TRUE when the two values are the same (NULL and empty alike). */
gboolean tg_workspace_field_values_equal  (JsonObject         *a,
                                           JsonObject         *b);
/* "Report 2 (title)", or "Written by the coordinator: reason". @reports:
 * the members' TgReport in member order, to name them. */
char    *tg_workspace_describe_provenance (const TgProvenance *provenance,
                                           GPtrArray          *reports);
/* The position (1-based) of @report_id in @reports, 0 when not there. */
guint    tg_workspace_report_number       (GPtrArray          *reports,
                                           const char         *report_id);
/* "17–18 (17: report 1, 18: report 2)", "17", "Unknown". */
char    *tg_workspace_describe_count      (const TgIncidentCountValue *count,
                                           GPtrArray          *reports);
/* The report's "place · date" line. */
char    *tg_workspace_report_line         (const char         *place,
                                           gint64              start);

G_END_DECLS
