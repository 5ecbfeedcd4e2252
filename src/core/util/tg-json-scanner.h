/* tg-json-scanner.h — the one pre-scan of hostile JSON, before json-glib sees it
 *
 * json-glib 1.6 parses recursively, builds every string whole, and lets
 * unknown escapes, lone surrogates and \u0000 through as strings that are
 * not UTF-8 (or that C cuts short). Text from outside — a request body on
 * the server, a feature of a GeoJSON file being imported — is walked once
 * here first, and refused when:
 *
 *   - it holds a NUL byte anywhere, or a raw control character (below
 *     U+0020) inside a string (RFC 8259: they must be escaped);
 *   - an escape is not one of \" \\ \/ \b \f \n \r \t \uXXXX, a \u escape
 *     is a lone surrogate (a high one not followed by a \u low one, or a
 *     low one alone), or it is \u0000;
 *   - objects and arrays nest deeper than @max_depth;
 *   - a string is longer than @max_string bytes as written;
 *   - it is made of more than @max_values values (strings, keys, numbers,
 *     literals, objects and arrays): parsed, a small value takes far more
 *     memory than its bytes.
 *
 * The grammar itself is left to json-glib. Valid UTF-8 is the caller's
 * check (g_utf8_validate_len), done on the same bytes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The values a document may hold, whoever reads it. */
#define TG_JSON_MAX_VALUES 1000000

typedef struct
{
  guint max_depth;    /* objects and arrays inside one another */
  gsize max_string;   /* bytes of one string between its quotes */
  guint max_values;   /* 0: no limit */
} TgJsonLimits;

typedef enum
{
  TG_JSON_SCAN_OK,
  TG_JSON_SCAN_NUL,             /* a NUL byte outside strings */
  TG_JSON_SCAN_CONTROL,         /* a raw control character (NUL too) in a string */
  TG_JSON_SCAN_BAD_ESCAPE,      /* unknown escape, lone surrogate, \u0000 */
  TG_JSON_SCAN_TOO_DEEP,
  TG_JSON_SCAN_STRING_TOO_LONG,
  TG_JSON_SCAN_TOO_MANY_VALUES,
} TgJsonScanProblem;

typedef struct
{
  TgJsonScanProblem problem;
  gsize             offset;    /* of the offending byte (of the string's start for a long string) */
  guchar            byte;      /* the control character, for TG_JSON_SCAN_CONTROL */
} TgJsonScanResult;

/* TRUE when @data passes; otherwise FALSE with @result saying why and
 * where. @result may be NULL. */
gboolean tg_json_scan (const char          *data,
                       gsize                length,
                       const TgJsonLimits  *limits,
                       TgJsonScanResult    *result);

G_END_DECLS
