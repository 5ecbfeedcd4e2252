/* tg-exchange.h — the app's import and export: dialogs, progress,
 * summaries, and `testigo --export FILE`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "tg-store.h"

G_BEGIN_DECLS

/* Asks what to export (the reports of @query, or @report alone when it is
 * given and chosen), the format and for whom, then where; exports in a
 * worker thread with progress and Cancel, and says how it went. */
void tg_exchange_export              (GtkWindow           *parent,
                                      TgStore             *store,
                                      const TgReportQuery *query,
                                      guint                n_in_list,
                                      TgReport            *report);
/* The same, with "This report only" (@report) chosen: "Export This
 * Report…" in a list row's menu. */
void tg_exchange_export_report       (GtkWindow           *parent,
                                      TgStore             *store,
                                      const TgReportQuery *query,
                                      guint                n_in_list,
                                      TgReport            *report);
/* Asks for a GeoJSON or CSV file, then imports it. */
void tg_exchange_import_choose       (GtkWindow           *parent,
                                      TgStore             *store);
/* Imports @file with progress and Cancel, then shows the summary ("52
 * imported, 8 already here, 0 rejected") or the importer's error. */
void tg_exchange_import_file         (GtkWindow           *parent,
                                      TgStore             *store,
                                      GFile               *file);

/* `testigo --export FILE [--public]`: every report of the store in
 * @data_dir, CSV for a ".csv" name and GeoJSON otherwise. Adds no report
 * to the store, only the custody log's "exported" events (as every export
 * to a file does). Returns the process's exit status. */
int  tg_exchange_export_command_line (const char          *data_dir,
                                      const char          *path,
                                      gboolean             for_public);

G_END_DECLS
