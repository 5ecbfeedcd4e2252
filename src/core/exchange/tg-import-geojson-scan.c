/* tg-import-geojson-scan.c — reading a GeoJSON file feature by feature, with memory bounded whatever its size
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-import"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tg-csv.h"
#include "tg-exchange-private.h"
#include "tg-export-columns.h"
#include "tg-import.h"
#include "tg-import-private.h"
#include "tg-json-scanner.h"

/* Streaming GeoJSON ------------------------------------------------------ */

/* The file is read in chunks. A small scanner that knows JSON strings,
 * escapes and nesting finds the members of the top-level object and each
 * element of its "features" array; json-glib parses one such piece at a
 * time, so memory follows the largest feature, not the file. */

typedef struct
{
  GInputStream  *stream;
  GCancellable  *cancellable;
  guchar        *buffer;
  gsize          len;
  gsize          pos;
  guint64        offset;   /* of buffer[0] in the file */
  gboolean       eof;
  GString       *capture;  /* bytes of the value being read */
  guint          n_values; /* in the feature, or in all other members */
} Scan;

/* Returns the next byte without taking it, -1 at the end, -2 on error. */
static inline int
scan_peek (Scan    *scan,
           GError **error)
{
  if (scan->pos >= scan->len)
    {
      gssize n;

      if (scan->eof)
        return -1;
      n = g_input_stream_read (scan->stream, scan->buffer, TG_IMPORT_CHUNK_SIZE, scan->cancellable, error);
      if (n < 0)
        return -2;
      scan->offset += scan->len;
      scan->len = n;
      scan->pos = 0;
      if (n == 0)
        {
          scan->eof = TRUE;
          return -1;
        }
    }
  return scan->buffer[scan->pos];
}

static inline void
scan_take (Scan *scan)
{
  if (scan->capture != NULL)
    g_string_append_c (scan->capture, scan->buffer[scan->pos]);
  scan->pos++;
}

static gboolean
scan_fail (Scan        *scan,
           GError     **error,
           int          c)
{
  g_autofree char *problem = NULL;
  guint64 at = scan->offset + scan->pos;

  if (c == -2)
    return FALSE;  /* a read error, already set */
  if (c == -1)
    problem = g_strdup (_("the file ends in the middle"));
  else if (c >= 0x20 && c < 0x7f)
    problem = g_strdup_printf (_("unexpected “%c” at byte %" PRIu64), c, at + 1);
  else
    problem = g_strdup_printf (_("unexpected byte 0x%02X at byte %" PRIu64), c, at + 1);
  g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
               _("This file is not valid GeoJSON (it may be cut short): %s. "
                 "Nothing was imported."), problem);
  return FALSE;
}

static gboolean
scan_too_large (GError **error)
{
  g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
               _("This GeoJSON file has a feature or member larger than %u MB; "
                 "Testigo does not import such a file. Nothing was imported."),
               TG_IMPORT_MAX_FEATURE / (1024 * 1024));
  return FALSE;
}

/* Parsed, a small value takes far more memory than its bytes: the number
 * of values is bounded too. */
static gboolean
scan_count_value (Scan    *scan,
                  GError **error)
{
  if (++scan->n_values <= TG_IMPORT_MAX_VALUES)
    return TRUE;
  g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
               _("This GeoJSON file has a feature or member made of more than %u values; "
                 "Testigo does not import such a file. Nothing was imported."),
               TG_IMPORT_MAX_VALUES);
  return FALSE;
}

/* Skips white space; returns the byte after it (not taken). */
static int
scan_skip_space (Scan    *scan,
                 GError **error)
{
  for (;;)
    {
      int c = scan_peek (scan, error);

      if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
        return c;
      scan->pos++;
    }
}

static gboolean
scan_bad_escape (Scan    *scan,
                 GError **error)
{
  g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
               _("This file is not valid GeoJSON: the escape before byte %" PRIu64 " is not "
                 "a character (\\u0000, or half of a surrogate pair). Nothing was imported."),
               scan->offset + scan->pos + 1);
  return FALSE;
}

/* The four hex digits of a \u escape, after the "u"; with @whole, the
 * "\u" too (the second half of a surrogate pair, which must be there). */
static gboolean
scan_unicode_escape (Scan     *scan,
                     gboolean  whole,
                     guint    *unit,
                     GError  **error)
{
  int c;

  *unit = 0;
  for (guint i = 0; whole && i < 2; i++)
    {
      c = scan_peek (scan, error);
      if (c != "\\u"[i])
        return c < 0 ? scan_fail (scan, error, c) : scan_bad_escape (scan, error);
      scan_take (scan);
    }
  for (guint i = 0; i < 4; i++)
    {
      c = scan_peek (scan, error);
      if (c < 0 || !g_ascii_isxdigit (c))
        return scan_fail (scan, error, c);
      *unit = *unit * 16 + g_ascii_xdigit_value (c);
      scan_take (scan);
    }
  return TRUE;
}

/* A string, from its opening quote to its closing one. Bytes outside
 * escapes are copied a run at a time. */
static gboolean
scan_string (Scan    *scan,
             GError **error)
{
  int c;

  scan_take (scan);  /* the opening quote */
  for (;;)
    {
      gsize start, end;

      if (scan->capture != NULL && scan->capture->len > TG_IMPORT_MAX_FEATURE)
        return scan_too_large (error);
      c = scan_peek (scan, error);
      if (c < 0)
        return scan_fail (scan, error, c);

      start = end = scan->pos;
      while (end < scan->len && scan->buffer[end] != '"' && scan->buffer[end] != '\\' &&
             scan->buffer[end] >= 0x20)
        end++;
      if (end > start)
        {
          if (scan->capture != NULL)
            {
              if (scan->capture->len + (end - start) > TG_IMPORT_MAX_FEATURE)
                return scan_too_large (error);
              g_string_append_len (scan->capture, (const char *) scan->buffer + start, end - start);
            }
          scan->pos = end;
          continue;
        }

      if (c == '"')
        {
          scan_take (scan);
          return TRUE;
        }
      if (c < 0x20)
        return scan_fail (scan, error, c);  /* a control character inside a string */

      /* An escape: \" \\ \/ \b \f \n \r \t or \uXXXX. */
      scan_take (scan);
      c = scan_peek (scan, error);
      if (c < 0 || strchr ("\"\\/bfnrtu", c) == NULL)
        return scan_fail (scan, error, c);
      scan_take (scan);
      if (c == 'u')
        {
          guint unit;

          if (!scan_unicode_escape (scan, FALSE, &unit, error))
            return FALSE;
          /* json-glib 1.6 turns a lone surrogate into bytes that are not
           * UTF-8 and cuts a string at \u0000: refused here. */
          if (unit == 0 || (unit >= 0xDC00 && unit <= 0xDFFF))
            return scan_bad_escape (scan, error);
          if (unit >= 0xD800 && unit <= 0xDBFF)
            {
              if (!scan_unicode_escape (scan, TRUE, &unit, error))
                return FALSE;
              if (unit < 0xDC00 || unit > 0xDFFF)
                return scan_bad_escape (scan, error);
            }
        }
    }
}

/* One value (object, array, string, number, true, false, null) at @depth,
 * its bytes appended to scan->capture. Nesting is tracked so that the
 * value's end is found; the grammar inside is left to json-glib, which
 * parses the captured bytes. */
static gboolean
scan_value (Scan    *scan,
            guint    depth,
            GError **error)
{
  char stack[TG_IMPORT_MAX_DEPTH];
  guint top = 0;

  for (;;)
    {
      int c = scan_skip_space (scan, error);

      if (scan->capture->len > TG_IMPORT_MAX_FEATURE)
        return scan_too_large (error);

      if ((c == '"' || c == '{' || c == '[' || c == '-' || g_ascii_isalnum (c)) &&
          !scan_count_value (scan, error))
        return FALSE;

      if (c == '"')
        {
          if (!scan_string (scan, error))
            return FALSE;
        }
      else if (c == '{' || c == '[')
        {
          if (depth + top >= TG_IMPORT_MAX_DEPTH)
            {
              g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                           _("This GeoJSON file nests objects or lists more than %u deep; "
                             "Testigo does not import such a file. Nothing was imported."),
                           TG_IMPORT_MAX_DEPTH);
              return FALSE;
            }
          stack[top++] = c == '{' ? '}' : ']';
          scan_take (scan);
          continue;
        }
      else if (c == '}' || c == ']')
        {
          if (top == 0 || stack[top - 1] != c)
            return scan_fail (scan, error, c);
          top--;
          scan_take (scan);
        }
      else if (c == ',' || c == ':')
        {
          if (top == 0)
            return scan_fail (scan, error, c);
          scan_take (scan);
          continue;
        }
      else if (c == '-' || g_ascii_isalnum (c))
        {
          /* A number or a literal: checked by json-glib. */
          while (c == '-' || c == '+' || c == '.' || g_ascii_isalnum (c))
            {
              if (scan->capture->len > TG_IMPORT_MAX_FEATURE)
                return scan_too_large (error);
              scan_take (scan);
              c = scan_peek (scan, error);
            }
          if (c == -2)
            return FALSE;
        }
      else
        return scan_fail (scan, error, c);

      if (top == 0)
        return TRUE;
    }
}

/* The core's one pre-scan of hostile JSON (tg-json-scanner.h) on the
 * value read, before json-glib parses it: what the reader above checks
 * while it finds the value's end, and lone surrogates, \u0000 and the
 * other rules the server applies to a request. */
static gboolean
check_hostile (const char  *data,
               gsize        length,
               guint        depth,
               GError     **error)
{
  const TgJsonLimits limits = {
    .max_depth = TG_IMPORT_MAX_DEPTH - depth,
    .max_string = TG_IMPORT_MAX_FEATURE,
    .max_values = TG_IMPORT_MAX_VALUES,
  };
  TgJsonScanResult result;

  if (tg_json_scan (data, length, &limits, &result))
    return TRUE;

  switch (result.problem)
    {
    case TG_JSON_SCAN_TOO_DEEP:
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                   _("This GeoJSON file nests objects or lists more than %u deep; "
                     "Testigo does not import such a file. Nothing was imported."),
                   TG_IMPORT_MAX_DEPTH);
      break;
    case TG_JSON_SCAN_STRING_TOO_LONG:
      return scan_too_large (error);
    case TG_JSON_SCAN_TOO_MANY_VALUES:
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                   _("This GeoJSON file has a feature or member made of more than %u values; "
                     "Testigo does not import such a file. Nothing was imported."),
                   TG_IMPORT_MAX_VALUES);
      break;
    case TG_JSON_SCAN_NUL:
    case TG_JSON_SCAN_CONTROL:
    case TG_JSON_SCAN_BAD_ESCAPE:
      g_set_error_literal (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                           _("This file is not valid GeoJSON: a text in it holds a control "
                             "character or a bad escape sequence (an unknown escape, a lone "
                             "surrogate or \\u0000). Nothing was imported."));
      break;
    case TG_JSON_SCAN_OK:
    default:
      g_assert_not_reached ();
    }
  return FALSE;
}

/* Reads one value and parses it with json-glib. */
static JsonNode *
scan_parse_value (Scan        *scan,
                  JsonParser  *parser,
                  guint        depth,
                  GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  g_string_truncate (scan->capture, 0);
  if (!scan_value (scan, depth, error))
    return NULL;
  if (!g_utf8_validate_len (scan->capture->str, scan->capture->len, NULL))
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                           _("This file is not valid GeoJSON: it holds text that is not "
                             "UTF-8. Nothing was imported."));
      return NULL;
    }
  if (!check_hostile (scan->capture->str, scan->capture->len, depth, error))
    return NULL;
  if (!json_parser_load_from_data (parser, scan->capture->str, scan->capture->len, &local_error))
    {
      /* json-glib quotes the bad text, which need not be UTF-8 (a lone
       * surrogate escape decodes to bytes that are not): the message is
       * shown in a label. */
      g_autofree char *message = g_utf8_make_valid (local_error->message, -1);

      g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                   _("This file is not valid GeoJSON (it may be cut short): %s. "
                     "Nothing was imported."), message);
      return NULL;
    }
  return json_node_ref (json_parser_get_root (parser));
}

/* Checks one feature and spools what it will write. */
static gboolean
plan_feature (JsonNode  *feature,
              guint      index,
              TgImportSpool     *spool,
              GError   **error)
{
  g_autoptr(GError) local_error = NULL;
  JsonObject *object;
  JsonObject *props = NULL;
  JsonNode *node;
  double latitude, longitude;

  /* Not json_object_get_string_member_with_default (): it is critical
   * about a "type" that is an object or a list. */
  if (!JSON_NODE_HOLDS_OBJECT (feature) ||
      (object = json_node_get_object (feature),
       node = json_object_get_member (object, "type"),
       node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
       g_strcmp0 (json_node_get_string (node), "Feature") != 0))
    return _tg_import_feature_error (error, index, _("it is not a GeoJSON Feature"));

  node = json_object_get_member (object, "properties");
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      if (!JSON_NODE_HOLDS_OBJECT (node))
        return _tg_import_feature_error (error, index, _("\"properties\" must be an object or null"));
      props = json_node_get_object (node);
    }
  if (!_tg_import_parse_geometry (json_object_get_member (object, "geometry"), index,
                                  &latitude, &longitude, error))
    return FALSE;

  if (props != NULL && json_object_has_member (props, TG_GEOJSON_REVISION_MEMBER))
    return _tg_import_plan_own_feature (props, latitude, longitude, index, spool, error);
  else if (props != NULL && _tg_import_is_testigo_properties (props))
    return _tg_import_plan_testigo_properties (props, latitude, longitude, index, spool, error);
  else
    {
      g_autoptr(JsonObject) empty = json_object_new ();
      g_autoptr(TgReport) report = NULL;

      report = _tg_import_report_from_foreign (props ? props : empty, latitude, longitude, index, error);
      if (report == NULL)
        return FALSE;
      if (!tg_report_validate (report, &local_error))
        return _tg_import_feature_error (error, index, local_error->message);
      return _tg_spool_add_report (spool, report, error);
    }
}

static gboolean
not_geojson (GError **error)
{
  g_set_error_literal (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                       _("This file is JSON but not GeoJSON: it must be an object with "
                         "\"type\": \"FeatureCollection\". Nothing was imported."));
  return FALSE;
}

static gboolean
not_features (GError     **error,
              const char  *type)
{
  g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
               _("This GeoJSON file holds a %s, not features. Nothing was imported."), type);
  return FALSE;
}

/* The elements of the "features" array, one at a time; the '[' is next. */
static gboolean
scan_features (Scan        *scan,
               JsonParser  *parser,
               TgImportSpool       *spool,
               guint       *n_features,
               GError     **error)
{
  int c;

  scan->pos++;  /* '[' */
  c = scan_skip_space (scan, error);
  if (c == -2)
    return FALSE;
  if (c == ']')
    {
      scan->pos++;
      return TRUE;
    }
  for (;;)
    {
      g_autoptr(JsonNode) feature = NULL;

      if (g_cancellable_set_error_if_cancelled (scan->cancellable, error))
        return FALSE;
      scan->n_values = 0;
      feature = scan_parse_value (scan, parser, 2, error);
      if (feature == NULL || !plan_feature (feature, ++*n_features, spool, error))
        return FALSE;
      _tg_spool_report_progress (spool, FALSE);

      c = scan_skip_space (scan, error);
      if (c != ']' && c != ',')
        return scan_fail (scan, error, c);
      scan->pos++;
      if (c == ']')
        return TRUE;
    }
}

gboolean
_tg_import_geojson_stream (TgStore       *store,
                           GInputStream  *input,
                           TgProgress    *progress,
                           guint         *n_imported,
                           guint         *n_skipped,
                           GCancellable  *cancellable,
                           GError       **error)
{
  g_autoptr(GBufferedInputStream) buffered = NULL;
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(JsonObject) members = json_object_new ();
  g_autoptr(GString) capture = g_string_new (NULL);
  g_autoptr(TgImportSpool) spool = NULL;
  g_autofree guchar *buffer = g_malloc (TG_IMPORT_CHUNK_SIZE);
  Scan scan = { NULL, cancellable, buffer, 0, 0, 0, FALSE, capture, 0 };
  gboolean streamed = FALSE;
  gsize members_size = 0;
  guint n_values = 0;
  guint n_features = 0;
  guint n_written = 0;
  const char *type = NULL;
  int c;

  if (n_imported != NULL)
    *n_imported = 0;
  if (n_skipped != NULL)
    *n_skipped = 0;

  buffered = G_BUFFERED_INPUT_STREAM (g_buffered_input_stream_new_sized (input, TG_IMPORT_PROBE_SIZE));
  if (!_tg_import_check_stream_start (buffered, "GeoJSON", cancellable, error))
    return FALSE;
  scan.stream = G_INPUT_STREAM (buffered);
  if (!(spool = _tg_spool_new (store, error)))
    return FALSE;
  _tg_spool_set_progress (spool, input, progress);

  /* A byte-order mark, then the top-level object. */
  c = scan_peek (&scan, error);
  if (c == -2)
    return FALSE;
  if (c == 0xEF)
    {
      for (guint i = 0; i < 3; i++)
        {
          c = scan_peek (&scan, error);
          if (c != (guchar) "\xEF\xBB\xBF"[i])
            return scan_fail (&scan, error, c);
          scan.pos++;
        }
    }
  c = scan_skip_space (&scan, error);
  if (c == '[' || c == '"' || c == '-' || g_ascii_isdigit (c))
    return not_geojson (error);
  if (c != '{')
    return scan_fail (&scan, error, c);
  scan.pos++;

  c = scan_skip_space (&scan, error);
  if (c == '}')
    scan.pos++;
  else
    for (;;)
      {
        g_autoptr(JsonNode) key_node = NULL;
        g_autoptr(JsonNode) value = NULL;
        const char *key;

        if (c != '"')
          return scan_fail (&scan, error, c);
        if (!(key_node = scan_parse_value (&scan, parser, 1, error)))
          return FALSE;
        key = json_node_get_string (key_node);
        members_size += capture->len;

        c = scan_skip_space (&scan, error);
        if (c != ':')
          return scan_fail (&scan, error, c);
        scan.pos++;
        c = scan_skip_space (&scan, error);
        if (c == -2)
          return FALSE;

        if (g_str_equal (key, "features") && c == '[' &&
            (type == NULL || g_str_equal (type, "FeatureCollection")))
          {
            if (streamed)
              {
                g_set_error_literal (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                                     _("This GeoJSON file has two lists of \"features\". "
                                       "Nothing was imported."));
                return FALSE;
              }
            streamed = TRUE;
            n_values = scan.n_values;
            if (!scan_features (&scan, parser, spool, &n_features, error))
              return FALSE;
            scan.n_values = n_values;
          }
        else
          {
            if (!(value = scan_parse_value (&scan, parser, 1, error)))
              return FALSE;
            /* Members other than the features are kept: bounded in all. */
            members_size += capture->len;
            if (members_size > TG_IMPORT_MAX_FEATURE)
              return scan_too_large (error);
            if (g_str_equal (key, "type"))
              {
                if (json_node_get_value_type (value) != G_TYPE_STRING)
                  return not_geojson (error);
                type = json_node_get_string (value);
                if (!g_str_equal (type, "FeatureCollection") && !g_str_equal (type, "Feature"))
                  return not_features (error, type);
              }
            /* Only a Feature (or a file whose type is not known yet)
             * needs them later. */
            if (type == NULL || !g_str_equal (type, "FeatureCollection") ||
                g_str_equal (key, "type"))
              json_object_set_member (members, key, g_steal_pointer (&value));
            if (type != NULL)
              type = json_object_get_string_member (members, "type");
          }

        c = scan_skip_space (&scan, error);
        if (c == '}')
          {
            scan.pos++;
            break;
          }
        if (c != ',')
          return scan_fail (&scan, error, c);
        scan.pos++;
        c = scan_skip_space (&scan, error);
      }

  /* Nothing but white space may follow. */
  c = scan_skip_space (&scan, error);
  if (c == -2)
    return FALSE;
  if (c != -1)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                   _("This file is not valid GeoJSON: something follows its end, at byte "
                     "%" PRIu64 ". Nothing was imported."),
                   scan.offset + scan.pos + 1);
      return FALSE;
    }

  if (type == NULL)
    return not_geojson (error);
  if (g_str_equal (type, "Feature"))
    {
      g_autoptr(JsonNode) feature = json_node_new (JSON_NODE_OBJECT);

      if (streamed)
        return not_features (error, type);
      json_node_set_object (feature, members);
      if (!plan_feature (feature, 1, spool, error))
        return FALSE;
    }
  else if (!streamed)
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                           _("This GeoJSON file has no list of \"features\". "
                             "Nothing was imported."));
      return FALSE;
    }

  /* Everything checked: now write. */
  if (!_tg_spool_write (spool, store, &n_written, cancellable, error))
    return FALSE;
  _tg_spool_report_progress (spool, TRUE);
  if (n_imported != NULL)
    *n_imported = n_written;
  if (n_skipped != NULL)
    *n_skipped = spool->n_skipped;
  return TRUE;
}

gboolean
tg_import_geojson_data (TgStore     *store,
                        const char  *data,
                        gsize        length,
                        guint       *n_imported,
                        GError     **error)
{
  g_autoptr(GInputStream) stream = NULL;

  g_return_val_if_fail (TG_IS_STORE (store), FALSE);

  stream = g_memory_input_stream_new_from_data (data, length, NULL);
  return _tg_import_geojson_stream (store, stream, NULL, n_imported, NULL, NULL, error);
}

gboolean
tg_import_geojson (TgStore       *store,
                   GFile         *file,
                   guint         *n_imported,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_autoptr(GFileInputStream) stream = NULL;

  g_return_val_if_fail (TG_IS_STORE (store), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  if (n_imported != NULL)
    *n_imported = 0;
  if (!(stream = g_file_read (file, cancellable, error)))
    return FALSE;
  return _tg_import_geojson_stream (store, G_INPUT_STREAM (stream), NULL, n_imported, NULL,
                                    cancellable, error);
}
