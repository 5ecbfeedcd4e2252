/* test-json-scanner.c — the one pre-scan of hostile JSON, rule by rule
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "tg-json-scanner.h"

static const TgJsonLimits limits = { .max_depth = 4, .max_string = 12, .max_values = 10 };

static void
assert_scan (const char        *text,
             gssize             length,
             TgJsonScanProblem  problem,
             gsize              offset)
{
  TgJsonScanResult result = { 99, 99, 99 };
  gboolean ok;

  if (length < 0)
    length = strlen (text);
  ok = tg_json_scan (text, length, &limits, &result);
  if (result.problem != problem || ok != (problem == TG_JSON_SCAN_OK) ||
      (problem != TG_JSON_SCAN_OK && result.offset != offset))
    {
      g_autofree char *shown = g_strescape (text, NULL);

      g_error ("%s: problem %d at %" G_GSIZE_FORMAT ", expected %d at %" G_GSIZE_FORMAT,
               shown, result.problem, result.offset, problem, offset);
    }
}

static void
test_escapes (void)
{
  /* Every escape RFC 8259 has, and a surrogate pair. */
  assert_scan ("[\"\\\"\\\\\\/\"]", -1, TG_JSON_SCAN_OK, 0);
  assert_scan ("[\"\\b\\f\\n\",\"\\r\\t\"]", -1, TG_JSON_SCAN_OK, 0);
  assert_scan ("\"\\u00e9\"", -1, TG_JSON_SCAN_OK, 0);
  assert_scan ("\"\\ud83d\\ude00\"", -1, TG_JSON_SCAN_OK, 0);

  assert_scan ("\"a\\7\"", -1, TG_JSON_SCAN_BAD_ESCAPE, 2);
  assert_scan ("\"a\\x41\"", -1, TG_JSON_SCAN_BAD_ESCAPE, 2);
  assert_scan ("\"\\u12g4\"", -1, TG_JSON_SCAN_BAD_ESCAPE, 1);
  assert_scan ("\"\\u12", -1, TG_JSON_SCAN_BAD_ESCAPE, 1);
  assert_scan ("\"\\", -1, TG_JSON_SCAN_BAD_ESCAPE, 1);
  /* A backslash then NUL: not an escape (strchr would find the NUL). */
  assert_scan ("\"\\\0\"", 4, TG_JSON_SCAN_BAD_ESCAPE, 1);
  /* Lone surrogates and \u0000. */
  assert_scan ("\"\\udc00\"", -1, TG_JSON_SCAN_BAD_ESCAPE, 1);
  assert_scan ("\"\\ud800\"", -1, TG_JSON_SCAN_BAD_ESCAPE, 1);
  assert_scan ("\"\\ud800\\u0041\"", -1, TG_JSON_SCAN_BAD_ESCAPE, 1);
  assert_scan ("\"\\ud800\\ud800\"", -1, TG_JSON_SCAN_BAD_ESCAPE, 1);
  assert_scan ("\"\\u0000\"", -1, TG_JSON_SCAN_BAD_ESCAPE, 1);
}

static void
test_bytes (void)
{
  assert_scan ("\"a\tb\"", -1, TG_JSON_SCAN_CONTROL, 2);
  assert_scan ("\"a\nb\"", -1, TG_JSON_SCAN_CONTROL, 2);
  assert_scan ("\"a\0b\"", 5, TG_JSON_SCAN_CONTROL, 2);
  assert_scan ("[1,\0]", 5, TG_JSON_SCAN_NUL, 3);
  /* White space between values is not a string's. */
  assert_scan ("[1,\t2\n]", -1, TG_JSON_SCAN_OK, 0);
}

static void
test_depth (void)
{
  assert_scan ("[[{\"a\":[1]}]]", -1, TG_JSON_SCAN_OK, 0);
  assert_scan ("[[{\"a\":[[1]]}]]", -1, TG_JSON_SCAN_TOO_DEEP, 8);
  /* Brackets inside strings do not nest. */
  assert_scan ("[\"[[[[[\"]", -1, TG_JSON_SCAN_OK, 0);
}

static void
test_strings (void)
{
  assert_scan ("[\"123456789012\"]", -1, TG_JSON_SCAN_OK, 0);
  assert_scan ("[\"1234567890123\"]", -1, TG_JSON_SCAN_STRING_TOO_LONG, 2);
  /* An unterminated string is measured too. */
  assert_scan ("[\"1234567890123", -1, TG_JSON_SCAN_STRING_TOO_LONG, 2);
  /* Keys are strings. */
  assert_scan ("{\"1234567890123\":1}", -1, TG_JSON_SCAN_STRING_TOO_LONG, 2);
}

static void
test_values (void)
{
  /* 10 values: the array, nine numbers; literals and signed numbers with
   * exponents count once each. */
  assert_scan ("[1,2,3,4,5,6,7,8,9]", -1, TG_JSON_SCAN_OK, 0);
  assert_scan ("[-1.5e+3,true,null,4,5,6,7,8,9]", -1, TG_JSON_SCAN_OK, 0);
  assert_scan ("[1,2,3,4,5,6,7,8,9,10]", -1, TG_JSON_SCAN_TOO_MANY_VALUES, 19);
  /* {"a":[...],"b":1}: object, key, array, six numbers, key: the 11th value is the last 1. */
  assert_scan ("{\"a\":[1,2,3,4,5,6],\"b\":1}", -1, TG_JSON_SCAN_TOO_MANY_VALUES, 23);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/json-scanner/escapes", test_escapes);
  g_test_add_func ("/json-scanner/bytes", test_bytes);
  g_test_add_func ("/json-scanner/depth", test_depth);
  g_test_add_func ("/json-scanner/strings", test_strings);
  g_test_add_func ("/json-scanner/values", test_values);

  return g_test_run ();
}
