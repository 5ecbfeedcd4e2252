/* test-server-json.c — the server's JSON parsing with the core's one pre-scan
 *
 * The rules the server did not have before it shared the importer's
 * pre-scan (tg-json-scanner.h); the others are tested over HTTP in
 * test-server.c (/server/limits/hostile-json).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "tg-json-scanner.h"
#include "tg-server-decode.h"

/* Small values by the million: few bytes, much memory once parsed. */
static void
test_values (void)
{
  g_autoptr(GString) text = g_string_new ("{\"revisions\":[],\"x\":[0");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;

  /* the object, two keys and two arrays: five values, then as many zeros
   * as make exactly TG_JSON_MAX_VALUES */
  for (guint i = 1; i < TG_JSON_MAX_VALUES - 5; i++)
    g_string_append (text, ",0");
  g_string_append (text, "]}");
  root = tg_server_parse_json (text->str, text->len, 4096, &error);
  g_assert_no_error (error);
  g_assert_nonnull (root);
  g_clear_pointer (&root, json_node_unref);

  g_string_truncate (text, text->len - 2);
  g_string_append (text, ",0]}");
  g_assert_cmpuint (text->len, <, 3 * 1024 * 1024);
  root = tg_server_parse_json (text->str, text->len, 4096, &error);
  g_assert_null (root);
  g_assert_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST);
  g_assert_nonnull (strstr (error->message, "more than 1000000 values"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/json/values", test_values);

  return g_test_run ();
}
