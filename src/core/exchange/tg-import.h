/* tg-import.h — GeoJSON and CSV imports into the store
 *
 * Imports stream: the file is read in chunks, GeoJSON one feature at a
 * time (the FeatureCollection's other members may come before or after
 * "features"), CSV one record at a time, so memory does not grow with the
 * file. A feature (or another top-level member) larger than
 * TG_IMPORT_MAX_FEATURE or with more than TG_IMPORT_MAX_VALUES values, or
 * nesting deeper than TG_IMPORT_MAX_DEPTH, is refused with
 * TG_ERROR_INVALID; anything after the top-level object with
 * TG_ERROR_WRONG_FORMAT. Each feature and member also passes the core's
 * pre-scan of hostile JSON (tg-json-scanner.h), the one the server uses:
 * a raw control character, an unknown escape, a lone surrogate or \u0000
 * in a text refuses the file with TG_ERROR_WRONG_FORMAT.
 *
 * Imports are all-or-nothing: the whole file is read and checked first;
 * a file that is not what it claims (not JSON, not a FeatureCollection, a
 * binary file renamed, a CSV with unknown columns) is refused with
 * TG_ERROR_WRONG_FORMAT, a feature or row with a bad value (wrong type,
 * coordinates out of range, a revision whose hash does not match) with
 * TG_ERROR_INVALID / TG_ERROR_HASH_MISMATCH naming the feature or line,
 * and nothing is imported. What was checked waits in an unlinked
 * temporary file (in the store's directory) until the end of the file, then is
 * written in batches of a few hundred; each batch is one transaction, so
 * only a failure of the store itself while writing (a full disk) can
 * leave part of a file imported. Importing it again completes it.
 *
 * GeoJSON made by Testigo (features with "testigo:revision") recreates the
 * exported revisions exactly; importing it twice changes nothing. When the
 * feature's properties or geometry were edited elsewhere (in a GIS), the
 * edit is kept as a new revision on top of the exported one.
 *
 * A feature whose properties are a report in Testigo's form ("format" and
 * a report "id") without the revision — an export edited by hand, a masked
 * one, another tool's — keeps every field (id, persons, sources with their
 * hashes); properties a report does not have are appended to the
 * narrative under a heading, one "name: value" a line, not dropped. A
 * report the store has already is skipped when the same, becomes an edit
 * on top of it when different, and is never overwritten by a feature
 * marked "testigo:withheld". Other GeoJSON
 * becomes new reports from the properties it recognises (title/name,
 * narrative/description, start/date, end, place_name/place, region_code,
 * province_code, categories, tags, killed, injured, detained, disappeared,
 * perpetrators, perpetrator_unit, status) and a Point geometry.
 *
 * CSV: the columns of tg_export_column_names() (any subset, any order; an
 * unknown column refuses the file). A row whose id is already in the store
 * is skipped; other rows become new reports (keeping a valid id). Persons
 * and sources are not in CSV, so they are not imported from it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "tg-export.h"
#include "tg-json-scanner.h"
#include "tg-store.h"

G_BEGIN_DECLS

/* Largest GeoJSON feature (and largest sum of the other top-level
 * members) an import reads: 64 MiB. */
#define TG_IMPORT_MAX_FEATURE (64 * 1024 * 1024)
/* Deepest nesting of objects and lists in a GeoJSON import. */
#define TG_IMPORT_MAX_DEPTH   64
/* Most values (strings, numbers, objects, lists...) in one feature, and
 * in all other top-level members together: parsed, each takes some 100
 * bytes however short its text. */
#define TG_IMPORT_MAX_VALUES  TG_JSON_MAX_VALUES

gboolean tg_import_geojson_data   (TgStore             *store,
                                   const char          *data,
                                   gsize                length,
                                   guint               *n_imported,
                                   GError             **error);
gboolean tg_import_geojson        (TgStore             *store,
                                   GFile               *file,
                                   guint               *n_imported,
                                   GCancellable        *cancellable,
                                   GError             **error);

/* @n_skipped: (optional): rows whose report is already in the store */
gboolean tg_import_csv_data       (TgStore             *store,
                                   const char          *data,
                                   gsize                length,
                                   guint               *n_imported,
                                   guint               *n_skipped,
                                   GError             **error);
gboolean tg_import_csv            (TgStore             *store,
                                   GFile               *file,
                                   guint               *n_imported,
                                   guint               *n_skipped,
                                   GCancellable        *cancellable,
                                   GError             **error);

/* One call for the app and the command line: GeoJSON or CSV, by the
 * name's extension (".csv"; ".geojson", ".json") or, failing that, by the
 * first byte that is not white space ('{' is GeoJSON). @n_skipped: the
 * features or rows whose report (or revision) the store already has.
 * @progress gets the KiB read and the file's size in KiB. */
typedef enum
{
  TG_IMPORT_FORMAT_AUTO,
  TG_IMPORT_FORMAT_GEOJSON,
  TG_IMPORT_FORMAT_CSV,
} TgImportFormat;

gboolean tg_import_file           (TgStore             *store,
                                   GFile               *file,
                                   TgImportFormat       format,
                                   TgProgressFunc progress,
                                   gpointer             progress_data,
                                   guint               *n_imported,
                                   guint               *n_skipped,
                                   GCancellable        *cancellable,
                                   GError             **error);
void     tg_import_file_async     (TgStore             *store,
                                   GFile               *file,
                                   TgImportFormat       format,
                                   TgProgressFunc progress,
                                   gpointer             progress_data,
                                   GDestroyNotify       progress_notify,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data);
gboolean tg_import_file_finish    (GAsyncResult        *result,
                                   guint               *n_imported,
                                   guint               *n_skipped,
                                   GError             **error);

G_END_DECLS
