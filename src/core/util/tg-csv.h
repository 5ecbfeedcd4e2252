/* tg-csv.h — RFC 4180 CSV: a streaming writer and reader
 *
 * Written files are UTF-8 with CRLF line ends; a field is quoted when it
 * holds a comma, a double quote, CR or LF (quotes doubled inside), or
 * leading/trailing spaces. The reader accepts CRLF or LF line ends and a
 * leading UTF-8 byte-order mark, and refuses text that is not UTF-8, NUL
 * bytes, stray quotes and unterminated quoted fields.
 *
 * Formula guard: spreadsheets run a cell that begins with = + - @ (or TAB,
 * CR) as a formula, so a narrative typed as "=HYPERLINK(…)" could act when
 * a coordinator opens the export. With TG_CSV_GUARD_FORMULAS the writer
 * puts a single quote before such a cell (and before a cell that begins
 * with a quote already, so that the guard is reversible); plain numbers
 * such as "-15.5" are left alone. tg_csv_unguard() takes the quote off.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  TG_CSV_NONE           = 0,
  TG_CSV_GUARD_FORMULAS = 1 << 0,
} TgCsvFlags;

/* Largest field the reader accepts: 64 MiB; largest row, counting its
 * separators: 64 MiB too, and at most 4096 fields. */
#define TG_CSV_MAX_FIELD  (64 * 1024 * 1024)
#define TG_CSV_MAX_ROW    (64 * 1024 * 1024)
#define TG_CSV_MAX_FIELDS 4096

typedef struct _TgCsvWriter TgCsvWriter;

TgCsvWriter *tg_csv_writer_new       (GOutputStream       *stream,
                                      TgCsvFlags           flags);
void         tg_csv_writer_free      (TgCsvWriter         *self);
/* @n_fields fields (NULL ones written empty), or a NULL-terminated
 * array when @n_fields is -1. */
gboolean     tg_csv_writer_write_row (TgCsvWriter         *self,
                                      const char * const  *fields,
                                      int                  n_fields,
                                      GCancellable        *cancellable,
                                      GError             **error);
/* One field as it would be written (quoted and guarded as needed). */
char        *tg_csv_format_field     (const char          *field,
                                      TgCsvFlags           flags);
/* Undoes the formula guard on a field read back. */
char        *tg_csv_unguard          (const char          *field);

typedef struct _TgCsvReader TgCsvReader;

TgCsvReader *tg_csv_reader_new       (GInputStream        *stream);
void         tg_csv_reader_free      (TgCsvReader         *self);
/* Returns: (transfer full) the next row, or NULL at the end (no error) or
 * on error (@error set: TG_ERROR_WRONG_FORMAT with the line number). */
char       **tg_csv_reader_read_row  (TgCsvReader         *self,
                                      GCancellable        *cancellable,
                                      GError             **error);
/* The line on which the last row read began (1-based). */
guint        tg_csv_reader_get_line  (TgCsvReader         *self);

/* Parses a whole text: a GPtrArray of GStrv rows. */
GPtrArray   *tg_csv_parse            (const char          *data,
                                      gssize               length,
                                      GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgCsvWriter, tg_csv_writer_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgCsvReader, tg_csv_reader_free)

G_END_DECLS
