/* tg-import-private.h — what the import's files share: the spool, the
 * checks every format makes, and the GeoJSON mapping the streaming reader
 * uses
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <stdio.h>

#include "tg-import.h"
#include "tg-progress.h"

G_BEGIN_DECLS

#define TG_IMPORT_CHUNK_SIZE (64 * 1024)
/* The start of a file that is checked for binary data. */
#define TG_IMPORT_PROBE_SIZE (64 * 1024)
/* Revisions or reports written to the store per call. */
#define TG_IMPORT_BATCH_SIZE 256

/* What an import has checked and will write once the whole file is
 * known to be good: revisions (their wire form) and reports (their JSON
 * and base revision), as length-prefixed records in two unlinked
 * temporary files, so that memory does not grow with the file. */
typedef struct
{
  FILE        *revisions;
  FILE        *reports;
  guint        n_revisions;
  guint        n_reports;
  /* What the checks need besides the spool itself. */
  TgStore     *store;        /* not owned */
  GHashTable  *seen;         /* ids of revisions and reports met in the file */
  guint        n_skipped;    /* features or rows already in the store */
  TgProgress  *progress;     /* not owned; nullable */
  GSeekable   *seekable;     /* not owned: the file, for the bytes read */
  guint        total_kib;
} TgImportSpool;

/* Helpers (tg-import.c) */
gboolean        _tg_import_check_stream_start        (GBufferedInputStream  *stream,
                                                      const char            *format,
                                                      GCancellable          *cancellable,
                                                      GError               **error);
gboolean        _tg_import_parse_time                (const char  *str,
                                                      GDateTime  **time,
                                                      gboolean    *date_only);
char          **_tg_import_split_list                (const char *str);
gboolean        _tg_import_id_known                  (TgStore    *store,
                                                      const char *id);
gboolean        _tg_import_revision_known            (TgStore    *store,
                                                      const char *rev_id);

/* The spool (tg-import-spool.c) */
void            _tg_spool_report_progress            (TgImportSpool *spool,
                                                      gboolean       force);
void            _tg_spool_free                       (TgImportSpool *spool);
TgImportSpool  *_tg_spool_new                        (TgStore  *store,
                                                      GError  **error);
void            _tg_spool_set_progress               (TgImportSpool *spool,
                                                      GInputStream  *input,
                                                      TgProgress    *progress);
gboolean        _tg_spool_add_revision               (TgImportSpool  *spool,
                                                      TgRevision     *rev,
                                                      GError        **error);
gboolean        _tg_spool_add_report                 (TgImportSpool  *spool,
                                                      TgReport       *report,
                                                      GError        **error);
gboolean        _tg_spool_write                      (TgImportSpool  *spool,
                                                      TgStore        *store,
                                                      guint          *n_written,
                                                      GCancellable   *cancellable,
                                                      GError        **error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgImportSpool, _tg_spool_free)

/* The GeoJSON mapping (tg-import-geojson.c) */
gboolean        _tg_import_feature_error             (GError     **error,
                                                      guint        index,
                                                      const char  *problem);
gboolean        _tg_import_parse_geometry            (JsonNode  *node,
                                                      guint      index,
                                                      double    *latitude,
                                                      double    *longitude,
                                                      GError   **error);
TgReport       *_tg_import_report_from_foreign       (JsonObject  *props,
                                                      double       latitude,
                                                      double       longitude,
                                                      guint        index,
                                                      GError     **error);
gboolean        _tg_import_plan_own_feature          (JsonObject     *props,
                                                      double          latitude,
                                                      double          longitude,
                                                      guint           index,
                                                      TgImportSpool  *spool,
                                                      GError        **error);
gboolean        _tg_import_is_testigo_properties     (JsonObject *props);
gboolean        _tg_import_plan_testigo_properties   (JsonObject     *props,
                                                      double          latitude,
                                                      double          longitude,
                                                      guint           index,
                                                      TgImportSpool  *spool,
                                                      GError        **error);

/* The streaming readers (tg-import-geojson-scan.c, tg-import-csv.c) */
gboolean        _tg_import_geojson_stream            (TgStore       *store,
                                                      GInputStream  *input,
                                                      TgProgress    *progress,
                                                      guint         *n_imported,
                                                      guint         *n_skipped,
                                                      GCancellable  *cancellable,
                                                      GError       **error);
gboolean        _tg_import_csv_stream                (TgStore       *store,
                                                      GInputStream  *input,
                                                      TgProgress    *progress,
                                                      guint         *n_imported,
                                                      guint         *n_skipped,
                                                      GCancellable  *cancellable,
                                                      GError       **error);

G_END_DECLS
