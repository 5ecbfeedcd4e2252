/* tg-export-columns.h — the one table of CSV export columns, for the app and the server
 *
 * Every column a CSV export of reports can have, in the order they are
 * written: the app's export (tg-export.c) writes them all; the server's
 * (src/server/tg-server-export.c) writes its own record columns and then,
 * in the same order, those marked @event (event-level fields only: no
 * narrative, no persons, no file names leave the server). The server's
 * GeoJSON properties come from the same columns. A field added to a
 * report is added here once, and both exports have it.
 *
 * @name is the column's header and the member of the report's JSON form
 * (tg_report_to_json()) it comes from, but for TG_EXPORT_COLUMN_DERIVED
 * columns, which are computed from the whole report.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "tg-export.h"
#include "tg-report.h"

G_BEGIN_DECLS

typedef enum
{
  TG_EXPORT_COLUMN_TEXT,      /* a string member */
  TG_EXPORT_COLUMN_LIST,      /* an array of strings, joined with ";" */
  TG_EXPORT_COLUMN_COUNT,     /* a whole number; empty when unknown */
  TG_EXPORT_COLUMN_NUMBER,    /* a number; empty when unknown */
  TG_EXPORT_COLUMN_LATITUDE,  /* the point (a GeoJSON geometry, not a property) */
  TG_EXPORT_COLUMN_LONGITUDE,
  TG_EXPORT_COLUMN_DERIVED,   /* computed from the whole report */
} TgExportColumnKind;

typedef struct
{
  const char          *name;
  TgExportColumnKind   kind;
  /* An event-level field: the server's export writes it too. */
  gboolean             event;
  /* The cell of @report in the app's export, NULL for an empty one. */
  char              *(*format) (TgReport      *report,
                                TgExportFlags  flags);
} TgExportColumn;

/* The table, and how many columns it has. */
const TgExportColumn *tg_export_columns      (guint *n_columns);
/* The columns' names, NULL-terminated (the app's CSV header). */
const char * const   *tg_export_column_names (void);

G_END_DECLS
