/* tg-json-scanner.c — the one pre-scan of hostile JSON, shared by the importer and the server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-json"

#include "config.h"

#include <string.h>

#include "tg-json-scanner.h"

static int
hex4 (const char *data,
      gsize       length,
      gsize       at)
{
  int value = 0;

  if (at + 4 > length)
    return -1;
  for (gsize k = at; k < at + 4; k++)
    {
      int d = g_ascii_xdigit_value (data[k]);

      if (d < 0)
        return -1;
      value = value * 16 + d;
    }
  return value;
}

/* *i is on the backslash; on success it is left on the escape's last
 * byte. */
static gboolean
check_escape (const char *data,
              gsize       length,
              gsize      *i)
{
  gsize at = *i + 1;
  int unit;

  if (at >= length)
    return FALSE;
  if (data[at] != '\0' && strchr ("\"\\/bfnrt", data[at]) != NULL)
    {
      *i = at;
      return TRUE;
    }
  if (data[at] != 'u' || (unit = hex4 (data, length, at + 1)) < 0)
    return FALSE;
  at += 4;
  if (unit >= 0xDC00 && unit <= 0xDFFF)
    return FALSE;
  if (unit >= 0xD800 && unit <= 0xDBFF)
    {
      int low;

      if (at + 2 >= length || data[at + 1] != '\\' || data[at + 2] != 'u' ||
          (low = hex4 (data, length, at + 3)) < 0xDC00 || low > 0xDFFF)
        return FALSE;
      at += 6;
    }
  if (unit == 0)
    return FALSE;  /* \u0000 would cut C strings short */
  *i = at;
  return TRUE;
}

static gboolean
fail (TgJsonScanResult  *result,
      TgJsonScanProblem  problem,
      gsize              offset,
      guchar             byte)
{
  if (result != NULL)
    {
      result->problem = problem;
      result->offset = offset;
      result->byte = byte;
    }
  return FALSE;
}

gboolean
tg_json_scan (const char          *data,
              gsize                length,
              const TgJsonLimits  *limits,
              TgJsonScanResult    *result)
{
  guint depth = 0;
  guint n_values = 0;
  gboolean in_string = FALSE;
  gboolean in_token = FALSE;   /* inside a number or a literal */
  gsize string_start = 0;

  g_return_val_if_fail (limits != NULL, FALSE);

  for (gsize i = 0; i < length; i++)
    {
      char c;

      if (in_string)
        {
          /* Most of a document is the text of its strings: skip a run of
           * plain bytes at a time. */
          while (i < length && (guchar) data[i] >= 0x20 && data[i] != '"' && data[i] != '\\')
            i++;
          if (i == length)
            break;
          c = data[i];
          if (c == '\\')
            {
              if (!check_escape (data, length, &i))
                return fail (result, TG_JSON_SCAN_BAD_ESCAPE, i, (guchar) c);
            }
          else if ((guchar) c < 0x20)
            return fail (result, TG_JSON_SCAN_CONTROL, i, (guchar) c);
          else if (c == '"')
            {
              in_string = FALSE;
              if (i - string_start > limits->max_string)
                return fail (result, TG_JSON_SCAN_STRING_TOO_LONG, string_start, 0);
            }
          continue;
        }

      c = data[i];
      /* A value begins: a string, an object, an array, or the first
       * byte of a number or literal. */
      if (c == '"' || c == '{' || c == '[' ||
          (!in_token && (c == '-' || g_ascii_isalnum (c))))
        {
          if (limits->max_values > 0 && ++n_values > limits->max_values)
            return fail (result, TG_JSON_SCAN_TOO_MANY_VALUES, i, (guchar) c);
        }
      in_token = c == '-' || c == '+' || c == '.' || g_ascii_isalnum (c);

      switch (c)
        {
        case '"':
          in_string = TRUE;
          string_start = i + 1;
          break;
        case '[':
        case '{':
          if (++depth > limits->max_depth)
            return fail (result, TG_JSON_SCAN_TOO_DEEP, i, (guchar) c);
          break;
        case ']':
        case '}':
          if (depth > 0)
            depth--;
          break;
        case '\0':
          return fail (result, TG_JSON_SCAN_NUL, i, 0);
        default:
          break;
        }
    }

  if (in_string && length - string_start > limits->max_string)
    return fail (result, TG_JSON_SCAN_STRING_TOO_LONG, string_start, 0);

  if (result != NULL)
    {
      result->problem = TG_JSON_SCAN_OK;
      result->offset = length;
      result->byte = 0;
    }
  return TRUE;
}
