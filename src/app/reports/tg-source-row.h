/* tg-source-row.h — one source of a report: file, link or testimony
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "tg-blob-store.h"
#include "tg-source.h"

G_BEGIN_DECLS

#define TG_TYPE_SOURCE_ROW (tg_source_row_get_type ())
G_DECLARE_FINAL_TYPE (TgSourceRow, tg_source_row, TG, SOURCE_ROW, AdwExpanderRow)

/* Signals: "changed" after an edit; "remove"; "use-location" (double
 * latitude, double longitude) for a photo's embedded position;
 * "use-time" (const char *captured_at, ISO 8601) for its capture time;
 * "use-time-and-location" (const char *, double, double) for both;
 * "show-message" (const char *) for a toast. */
GtkWidget *tg_source_row_new        (TgSource    *source,
                                     TgBlobStore *blobs);
TgSource  *tg_source_row_get_source (TgSourceRow *self);
/* Offers "Use This Photo's Time and Place" when the photo has both: for
 * a report that has neither yet. */
void       tg_source_row_set_offer_both (TgSourceRow *self,
                                         gboolean     offer);

G_END_DECLS
