/* tg-custody-row.h — a source's custody history, in its row
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TG_TYPE_CUSTODY_ROW (tg_custody_row_get_type ())
G_DECLARE_FINAL_TYPE (TgCustodyRow, tg_custody_row, TG, CUSTODY_ROW, AdwPreferencesRow)

/* The history of the file @sha256 and of the report it belongs to (the
 * report open in the editor the row sits in), read from the store's
 * custody log in a worker thread each time the row is shown. */
GtkWidget *tg_custody_row_new (const char *sha256);

G_END_DECLS
