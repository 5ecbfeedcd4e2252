/* tg-csv.c — RFC 4180 CSV: a streaming writer with the formula guard, a strict reader
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-csv"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "tg-csv.h"
#include "tg-types.h"

/* Writer ----------------------------------------------------------------- */

struct _TgCsvWriter
{
  GOutputStream *stream;
  TgCsvFlags     flags;
  GString       *line;
};

static gboolean
is_plain_number (const char *s)
{
  gboolean digits = FALSE;

  if (*s == '-' || *s == '+')
    s++;
  while (g_ascii_isdigit (*s))
    s++, digits = TRUE;
  if (*s == '.')
    {
      s++;
      while (g_ascii_isdigit (*s))
        s++, digits = TRUE;
    }
  return digits && *s == '\0';
}

static gboolean
needs_guard (const char *field)
{
  switch (field[0])
    {
    case '=':
    case '+':
    case '-':
    case '@':
    case '\t':
    case '\r':
      return !is_plain_number (field);
    case '\'':
      /* So that unguarding is exact: "'x" is written "''x". */
      return TRUE;
    default:
      return FALSE;
    }
}

static void
append_field (GString    *out,
              const char *field,
              TgCsvFlags  flags)
{
  gboolean guard;
  gboolean quote;
  gsize len;

  if (field == NULL || *field == '\0')
    return;

  guard = (flags & TG_CSV_GUARD_FORMULAS) != 0 && needs_guard (field);
  len = strlen (field);
  quote = strpbrk (field, ",\"\r\n") != NULL ||
          field[0] == ' ' || field[len - 1] == ' ';

  if (quote)
    g_string_append_c (out, '"');
  if (guard)
    g_string_append_c (out, '\'');
  if (quote)
    {
      for (const char *p = field; *p != '\0'; p++)
        {
          if (*p == '"')
            g_string_append_c (out, '"');
          g_string_append_c (out, *p);
        }
      g_string_append_c (out, '"');
    }
  else
    g_string_append_len (out, field, len);
}

TgCsvWriter *
tg_csv_writer_new (GOutputStream *stream,
                   TgCsvFlags     flags)
{
  TgCsvWriter *self = g_new0 (TgCsvWriter, 1);

  g_return_val_if_fail (G_IS_OUTPUT_STREAM (stream), NULL);

  self->stream = g_object_ref (stream);
  self->flags = flags;
  self->line = g_string_sized_new (4096);
  return self;
}

void
tg_csv_writer_free (TgCsvWriter *self)
{
  if (self == NULL)
    return;
  g_object_unref (self->stream);
  g_string_free (self->line, TRUE);
  g_free (self);
}

gboolean
tg_csv_writer_write_row (TgCsvWriter         *self,
                         const char * const  *fields,
                         int                  n_fields,
                         GCancellable        *cancellable,
                         GError             **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  g_string_truncate (self->line, 0);
  if (n_fields < 0)
    n_fields = g_strv_length ((char **) fields);
  for (int i = 0; i < n_fields; i++)
    {
      if (i > 0)
        g_string_append_c (self->line, ',');
      append_field (self->line, fields[i], self->flags);
    }
  g_string_append (self->line, "\r\n");

  return g_output_stream_write_all (self->stream, self->line->str, self->line->len,
                                    NULL, cancellable, error);
}

char *
tg_csv_format_field (const char *field,
                     TgCsvFlags  flags)
{
  GString *out = g_string_new (NULL);

  append_field (out, field, flags);
  return g_string_free (out, FALSE);
}

char *
tg_csv_unguard (const char *field)
{
  if (field == NULL)
    return NULL;
  if (field[0] == '\'' && field[1] != '\0' &&
      (strchr ("=+-@\t\r'", field[1]) != NULL))
    return g_strdup (field + 1);
  return g_strdup (field);
}

/* Reader ----------------------------------------------------------------- */

#define CHUNK_SIZE (64 * 1024)

struct _TgCsvReader
{
  GInputStream *stream;
  char         *buffer;
  gsize         len;
  gsize         pos;
  gboolean      eof;
  gboolean      started;
  guint         line;       /* current line, 1-based */
  guint         row_line;
};

TgCsvReader *
tg_csv_reader_new (GInputStream *stream)
{
  TgCsvReader *self = g_new0 (TgCsvReader, 1);

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);

  self->stream = g_object_ref (stream);
  self->buffer = g_malloc (CHUNK_SIZE);
  self->line = 1;
  return self;
}

void
tg_csv_reader_free (TgCsvReader *self)
{
  if (self == NULL)
    return;
  g_object_unref (self->stream);
  g_free (self->buffer);
  g_free (self);
}

guint
tg_csv_reader_get_line (TgCsvReader *self)
{
  return self->row_line;
}

/* Returns the next byte, -1 at the end, -2 on error. */
static int
next_byte (TgCsvReader   *self,
           GCancellable  *cancellable,
           GError       **error)
{
  if (self->pos >= self->len)
    {
      gssize n;

      if (self->eof)
        return -1;
      n = g_input_stream_read (self->stream, self->buffer, CHUNK_SIZE, cancellable, error);
      if (n < 0)
        return -2;
      if (n == 0)
        {
          self->eof = TRUE;
          return -1;
        }
      self->len = n;
      self->pos = 0;
    }
  return (guchar) self->buffer[self->pos++];
}

static int
peek_byte (TgCsvReader   *self,
           GCancellable  *cancellable,
           GError       **error)
{
  int c = next_byte (self, cancellable, error);

  if (c >= 0)
    self->pos--;
  return c;
}

static gboolean
bad (TgCsvReader  *self,
     GError      **error,
     const char   *problem)
{
  g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
               _("This is not a valid CSV file (line %u: %s)."), self->line, problem);
  return FALSE;
}

static gboolean
finish_field (TgCsvReader  *self,
              GString      *field,
              GPtrArray    *row,
              GError      **error)
{
  if (!g_utf8_validate_len (field->str, field->len, NULL))
    return bad (self, error, _("text that is not UTF-8"));
  g_ptr_array_add (row, g_strndup (field->str, field->len));
  g_string_truncate (field, 0);
  return TRUE;
}

char **
tg_csv_reader_read_row (TgCsvReader   *self,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_autoptr(GPtrArray) row = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) field = g_string_new (NULL);
  gboolean quoted = FALSE;     /* inside a quoted field */
  gboolean was_quoted = FALSE; /* the current field was quoted and closed */
  gsize row_bytes = 0;
  int c;

  g_return_val_if_fail (self != NULL, NULL);

  if (!self->started)
    {
      self->started = TRUE;
      /* A UTF-8 byte-order mark, as spreadsheet programs write. */
      if (peek_byte (self, cancellable, error) == 0xEF)
        {
          if (self->len - self->pos >= 3 &&
              memcmp (self->buffer + self->pos, "\xEF\xBB\xBF", 3) == 0)
            self->pos += 3;
        }
    }

  self->row_line = self->line;
  c = next_byte (self, cancellable, error);
  if (c == -1)
    return NULL;

  for (;; c = next_byte (self, cancellable, error))
    {
      if (c == -2)
        return NULL;
      if (c == 0)
        {
          bad (self, error, _("a NUL byte; this looks like a binary file"));
          return NULL;
        }
      if (field->len > TG_CSV_MAX_FIELD)
        {
          bad (self, error, _("a field larger than 64 MB"));
          return NULL;
        }
      /* A row of many small fields costs more than its bytes: bounded too. */
      if (++row_bytes > TG_CSV_MAX_ROW || row->len >= TG_CSV_MAX_FIELDS)
        {
          bad (self, error, _("a line larger than 64 MB or with more than 4096 fields"));
          return NULL;
        }

      if (quoted)
        {
          if (c == -1)
            {
              bad (self, error, _("a quoted field is never closed"));
              return NULL;
            }
          if (c == '"')
            {
              if (peek_byte (self, cancellable, error) == '"')
                {
                  next_byte (self, cancellable, error);
                  g_string_append_c (field, '"');
                }
              else
                {
                  quoted = FALSE;
                  was_quoted = TRUE;
                }
            }
          else
            {
              if (c == '\n')
                self->line++;
              g_string_append_c (field, c);
            }
          continue;
        }

      if (c == -1 || c == '\n' || c == '\r')
        {
          if (c == '\r')
            {
              if (peek_byte (self, cancellable, error) != '\n')
                {
                  bad (self, error, _("a carriage return outside quotes"));
                  return NULL;
                }
              next_byte (self, cancellable, error);
            }
          if (c != -1)
            self->line++;
          if (!finish_field (self, field, row, error))
            return NULL;
          break;
        }

      if (c == ',')
        {
          if (!finish_field (self, field, row, error))
            return NULL;
          was_quoted = FALSE;
          continue;
        }

      if (was_quoted)
        {
          bad (self, error, _("text after a closing quote"));
          return NULL;
        }

      if (c == '"')
        {
          if (field->len > 0)
            {
              bad (self, error, _("a quote inside an unquoted field"));
              return NULL;
            }
          quoted = TRUE;
          continue;
        }

      g_string_append_c (field, c);
    }

  g_ptr_array_add (row, NULL);
  return (char **) g_ptr_array_steal (row, NULL);
}

GPtrArray *
tg_csv_parse (const char  *data,
              gssize       length,
              GError     **error)
{
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(TgCsvReader) reader = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(GError) local_error = NULL;
  char **row;

  if (length < 0)
    length = strlen (data);
  stream = g_memory_input_stream_new_from_data (data, length, NULL);
  reader = tg_csv_reader_new (stream);
  while ((row = tg_csv_reader_read_row (reader, NULL, &local_error)) != NULL)
    g_ptr_array_add (rows, row);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return g_steal_pointer (&rows);
}
