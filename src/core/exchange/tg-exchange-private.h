/* tg-exchange-private.h — what the export and import files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "tg-export.h"
#include "tg-person.h"

G_BEGIN_DECLS

/* The feature property holding the revision's wire form. */
#define TG_GEOJSON_REVISION_MEMBER "testigo:revision"
/* true on features whose names were withheld (for the public, or without
 * consent): importing one never writes over the full report. */
#define TG_GEOJSON_WITHHELD_MEMBER "testigo:withheld"
/* The custody events of a report's file sources, in an export for the
 * organisation. */
#define TG_GEOJSON_CUSTODY_MEMBER "testigo:custody"

gboolean    _tg_export_may_name (TgPerson             *person,
                                 TgExportFlags         flags);
/* Shortest decimal form that reads back as the same double; NULL for NAN. */
char       *_tg_format_double   (double                value);

G_END_DECLS
