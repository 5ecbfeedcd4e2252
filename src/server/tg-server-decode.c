/* tg-server-decode.c — decoders for everything a client sends the server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "testigo-server"

#include "config.h"

#include <string.h>
#include <libsoup/soup.h>

#include "tg-json-scanner.h"
#include "tg-revision.h"
#include "tg-server-decode.h"

G_DEFINE_QUARK (tg-server-error-quark, tg_server_error)

guint
tg_server_error_to_status (const GError *error)
{
  if (error == NULL || error->domain != TG_SERVER_ERROR)
    return 500;

  switch ((TgServerError) error->code)
    {
    case TG_SERVER_ERROR_BAD_REQUEST:   return 400;
    case TG_SERVER_ERROR_UNAUTHORIZED:  return 401;
    case TG_SERVER_ERROR_FORBIDDEN:     return 403;
    case TG_SERVER_ERROR_NOT_FOUND:     return 404;
    case TG_SERVER_ERROR_CONFLICT:      return 409;
    case TG_SERVER_ERROR_TOO_LARGE:     return 413;
    case TG_SERVER_ERROR_RANGE:         return 416;
    case TG_SERVER_ERROR_UNPROCESSABLE: return 422;
    case TG_SERVER_ERROR_INTERNAL:
    default:                            return 500;
    }
}

/* The core's one pre-scan (tg-json-scanner.h), with the server's limits
 * and its own messages. */
static gboolean
check_json_shape (const char  *data,
                  gsize        length,
                  gsize        max_string,
                  GError     **error)
{
  const TgJsonLimits limits = {
    .max_depth = TG_SERVER_MAX_JSON_DEPTH,
    .max_string = max_string,
    .max_values = TG_JSON_MAX_VALUES,
  };
  TgJsonScanResult result;

  if (tg_json_scan (data, length, &limits, &result))
    return TRUE;

  switch (result.problem)
    {
    case TG_JSON_SCAN_BAD_ESCAPE:
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                   "invalid JSON: bad escape sequence at byte %" G_GSIZE_FORMAT, result.offset);
      break;
    case TG_JSON_SCAN_CONTROL:
      /* RFC 8259: control characters must be escaped in strings */
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                   "invalid JSON: raw control character U+%04X in a string at byte %"
                   G_GSIZE_FORMAT " (escape it)", (guint) result.byte, result.offset);
      break;
    case TG_JSON_SCAN_STRING_TOO_LONG:
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                   "invalid JSON: a string at byte %" G_GSIZE_FORMAT
                   " is longer than %" G_GSIZE_FORMAT " bytes",
                   result.offset, max_string);
      break;
    case TG_JSON_SCAN_TOO_DEEP:
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                   "invalid JSON: nesting deeper than %d levels at byte %" G_GSIZE_FORMAT,
                   TG_SERVER_MAX_JSON_DEPTH, result.offset);
      break;
    case TG_JSON_SCAN_NUL:
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                   "invalid JSON: NUL byte at byte %" G_GSIZE_FORMAT, result.offset);
      break;
    case TG_JSON_SCAN_TOO_MANY_VALUES:
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                   "invalid JSON: more than %d values", TG_JSON_MAX_VALUES);
      break;
    case TG_JSON_SCAN_OK:
    default:
      g_assert_not_reached ();
    }
  return FALSE;
}

JsonNode *
tg_server_parse_json (const char  *data,
                      gsize        length,
                      gsize        max_string,
                      GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  if (data == NULL || length == 0)
    {
      g_set_error_literal (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                           "invalid JSON: the body is empty");
      return NULL;
    }
  if (length > G_MAXSSIZE)
    {
      g_set_error_literal (error, TG_SERVER_ERROR, TG_SERVER_ERROR_TOO_LARGE,
                           "the body is too large");
      return NULL;
    }
  if (!g_utf8_validate_len (data, length, NULL))
    {
      g_set_error_literal (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                           "invalid JSON: the body is not valid UTF-8");
      return NULL;
    }
  if (!check_json_shape (data, length, max_string, error))
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) length, &local_error))
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                   "invalid JSON: %s", local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error_literal (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                           "invalid JSON: the body is empty");
      return NULL;
    }
  return json_node_ref (root);
}

static JsonObject *
expect_object (JsonNode    *node,
               const char  *what,
               GError     **error)
{
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                   "%s must be a JSON object", what);
      return NULL;
    }
  return json_node_get_object (node);
}

static const char *
expect_string (JsonObject  *object,
               const char  *name,
               gsize        max_length,
               GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);
  const char *str;

  if (node == NULL)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                   "\"%s\" is missing", name);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                   "\"%s\" must be a string", name);
      return NULL;
    }
  str = json_node_get_string (node);
  if (strlen (str) > max_length)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                   "\"%s\" is longer than %" G_GSIZE_FORMAT " bytes", name, max_length);
      return NULL;
    }
  return str;
}

/* Adds the digest in @source's @member to @out unless @seen has it;
 * counts every reference in *n_refs. */
static void
add_blob (GPtrArray  *out,
          GHashTable *seen,
          JsonObject *source,
          const char *member,
          guint      *n_refs)
{
  JsonNode *node = json_object_get_member (source, member);
  const char *sha;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return;
  sha = json_node_get_string (node);
  if (!tg_is_sha256_hex (sha))
    return;
  (*n_refs)++;
  if (g_hash_table_add (seen, (gpointer) sha))
    g_ptr_array_add (out, g_strdup (sha));
}

/* The blobs a content object refers to, deduplicated, NULL-terminated.
 * Stops counting past @max_refs references (*n_refs is then > @max_refs). */
static char **
collect_blobs (JsonNode *root,
               guint     max_refs,
               guint    *n_refs)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  JsonNode *sources;

  *n_refs = 0;
  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root) &&
      (sources = json_object_get_member (json_node_get_object (root), "sources")) != NULL &&
      JSON_NODE_HOLDS_ARRAY (sources))
    {
      JsonArray *array = json_node_get_array (sources);
      guint n = json_array_get_length (array);

      for (guint i = 0; i < n && *n_refs <= max_refs; i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          JsonObject *source;

          if (!JSON_NODE_HOLDS_OBJECT (element))
            continue;
          source = json_node_get_object (element);
          add_blob (out, seen, source, "sha256", n_refs);
          add_blob (out, seen, source, "thumbnail_sha256", n_refs);
        }
    }

  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&out), FALSE);
}

GPtrArray *
tg_server_decode_push (const char                *data,
                       gsize                      length,
                       const TgServerPushLimits  *limits,
                       GPtrArray                **blobs,
                       GError                   **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GPtrArray) revisions = NULL;
  g_autoptr(GPtrArray) blob_lists = NULL;
  g_autoptr(GHashTable) seen = NULL;
  guint max_batch = limits->max_batch;
  gsize max_string = limits->max_string;
  guint batch_refs = 0;
  JsonObject *object;
  JsonNode *member;
  JsonArray *array;
  guint n;

  if (!(root = tg_server_parse_json (data, length, max_string, error)))
    return NULL;
  if (!(object = expect_object (root, "the push body", error)))
    return NULL;

  member = json_object_get_member (object, "revisions");
  if (member == NULL)
    {
      g_set_error_literal (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                           "\"revisions\" is missing");
      return NULL;
    }
  if (!JSON_NODE_HOLDS_ARRAY (member))
    {
      g_set_error_literal (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                           "\"revisions\" must be an array");
      return NULL;
    }
  array = json_node_get_array (member);
  n = json_array_get_length (array);
  if (n > max_batch)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_TOO_LARGE,
                   "%u revisions in one push; at most %u are allowed", n, max_batch);
      return NULL;
    }

  revisions = g_ptr_array_new_full (n, g_object_unref);
  blob_lists = g_ptr_array_new_full (n, (GDestroyNotify) g_strfreev);
  seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(JsonNode) content_root = NULL;
      TgRevision *revision;
      guint n_parents, n_refs;
      char **list;

      revision = tg_revision_new_from_json (json_array_get_element (array, i), &local_error);
      if (revision == NULL)
        {
          g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                       "revisions[%u]: %s", i, local_error->message);
          return NULL;
        }
      g_ptr_array_add (revisions, revision);

      content_root = tg_server_parse_json (tg_revision_get_content (revision),
                                           strlen (tg_revision_get_content (revision)),
                                           max_string, &local_error);
      if (content_root == NULL || !JSON_NODE_HOLDS_OBJECT (content_root))
        {
          g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                       "revisions[%u]: \"content\" must hold a JSON object%s%s", i,
                       local_error ? ": " : "", local_error ? local_error->message : "");
          return NULL;
        }
      if (!g_hash_table_add (seen, (gpointer) tg_revision_get_id (revision)))
        {
          g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                       "revisions[%u]: revision %s appears twice in the batch",
                       i, tg_revision_get_id (revision));
          return NULL;
        }
      n_parents = g_strv_length ((char **) tg_revision_get_parents (revision));
      if (n_parents > TG_SERVER_MAX_PARENTS)
        {
          g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_TOO_LARGE,
                       "revisions[%u]: %u parents; at most %u are allowed",
                       i, n_parents, TG_SERVER_MAX_PARENTS);
          return NULL;
        }

      list = collect_blobs (content_root, limits->max_blob_refs, &n_refs);
      g_ptr_array_add (blob_lists, list);
      if (n_refs > limits->max_blob_refs)
        {
          g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_TOO_LARGE,
                       "revisions[%u]: more than %u blob references (sources[].sha256 and "
                       "thumbnail_sha256) in one revision; at most %u are allowed",
                       i, limits->max_blob_refs, limits->max_blob_refs);
          return NULL;
        }
      batch_refs += n_refs;
      if (batch_refs > limits->max_batch_blob_refs)
        {
          g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_TOO_LARGE,
                       "more than %u blob references in one push (at revisions[%u]); "
                       "at most %u are allowed: push fewer revisions at a time",
                       limits->max_batch_blob_refs, i, limits->max_batch_blob_refs);
          return NULL;
        }
    }

  if (blobs)
    *blobs = g_steal_pointer (&blob_lists);
  return g_steal_pointer (&revisions);
}

static gboolean
parse_uint (const char *str,
            guint64     max,
            guint64    *value)
{
  guint64 v = 0;

  if (str == NULL || *str == '\0' || strlen (str) > 19)
    return FALSE;
  for (const char *p = str; *p; p++)
    {
      if (*p < '0' || *p > '9')
        return FALSE;
      v = v * 10 + (guint64) (*p - '0');
    }
  if (v > max)
    return FALSE;
  *value = v;
  return TRUE;
}

gboolean
tg_server_decode_pull_query (const char  *query,
                             guint        max_limit,
                             gint64      *since,
                             guint       *limit,
                             gint64      *own_through,
                             GError     **error)
{
  g_autoptr(GHashTable) form = NULL;
  const char *value;
  guint64 v;

  *since = 0;
  *limit = max_limit;
  *own_through = 0;

  if (query == NULL || *query == '\0')
    return TRUE;
  if (strlen (query) > 1024)
    {
      g_set_error_literal (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                           "the query string is too long");
      return FALSE;
    }

  form = soup_form_decode (query);
  if ((value = g_hash_table_lookup (form, "since")))
    {
      if (!parse_uint (value, G_MAXINT64, &v))
        {
          g_set_error_literal (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                               "\"since\" must be a non-negative integer");
          return FALSE;
        }
      *since = (gint64) v;
    }
  if ((value = g_hash_table_lookup (form, "limit")))
    {
      if (!parse_uint (value, G_MAXUINT32, &v) || v == 0)
        {
          g_set_error_literal (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                               "\"limit\" must be a positive integer");
          return FALSE;
        }
      *limit = (guint) MIN (v, (guint64) max_limit);
    }
  if ((value = g_hash_table_lookup (form, "own_through")))
    {
      if (!parse_uint (value, G_MAXINT64, &v))
        {
          g_set_error_literal (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                               "\"own_through\" must be a non-negative integer");
          return FALSE;
        }
      *own_through = (gint64) v;
    }
  return TRUE;
}

/* Crockford's base32 alphabet: no I, L, O, U to avoid misreading. */
#define CODE_ALPHABET "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

char *
tg_server_normalize_code (const char *code)
{
  GString *out;

  if (code == NULL || strlen (code) > 128)
    return NULL;

  out = g_string_new (NULL);
  for (const char *p = code; *p; p++)
    {
      char c = g_ascii_toupper (*p);

      if (c == '-' || c == ' ')
        continue;
      if (strchr (CODE_ALPHABET, c) == NULL || c == '\0')
        {
          g_string_free (out, TRUE);
          return NULL;
        }
      g_string_append_c (out, c);
    }
  if (out->len < 8 || out->len > 64)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

gboolean
tg_server_decode_enrol (const char  *data,
                        gsize        length,
                        char       **code,
                        char       **device_name,
                        GError     **error)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;
  const char *code_str, *name;
  char *normalized;

  if (!(root = tg_server_parse_json (data, length, 4096, error)))
    return FALSE;
  if (!(object = expect_object (root, "the enrolment body", error)))
    return FALSE;
  if (!(code_str = expect_string (object, "code", 128, error)) ||
      !(name = expect_string (object, "device_name", 128, error)))
    return FALSE;

  if (!g_utf8_validate (name, -1, NULL) || !g_utf8_validate (code_str, -1, NULL))
    {
      g_set_error_literal (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                           "the enrolment body is not valid UTF-8");
      return FALSE;
    }
  if (*name == '\0')
    {
      g_set_error_literal (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                           "\"device_name\" is empty");
      return FALSE;
    }
  if (!tg_server_check_display_name (name, "\"device_name\"", error))
    return FALSE;
  if (!(normalized = tg_server_normalize_code (code_str)))
    {
      g_set_error_literal (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                           "\"code\" is not an enrolment code");
      return FALSE;
    }

  *code = normalized;
  *device_name = g_strdup (name);
  return TRUE;
}

static gboolean
hidden_char (gunichar c)
{
  GUnicodeType type = g_unichar_type (c);

  if (type == G_UNICODE_CONTROL ||
      type == G_UNICODE_LINE_SEPARATOR ||
      type == G_UNICODE_PARAGRAPH_SEPARATOR)
    return TRUE;
  if (type == G_UNICODE_FORMAT)
    /* joiners shape Persian, Indic scripts and emoji; they reorder nothing */
    return c != 0x200C && c != 0x200D;
  /* letters that draw nothing */
  return c == 0x115F || c == 0x1160 || c == 0x3164 || c == 0xFFA0;
}

gboolean
tg_server_check_display_name (const char  *name,
                              const char  *what,
                              GError     **error)
{
  guint index = 0;

  if (!g_utf8_validate (name, -1, NULL))
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                   "%s is not valid UTF-8", what);
      return FALSE;
    }
  for (const char *p = name; *p; p = g_utf8_next_char (p), index++)
    {
      gunichar c = g_utf8_get_char (p);

      if (hidden_char (c))
        {
          g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                       "%s contains an invisible, control or direction-changing character "
                       "(U+%04X, character %u): it would not show as it is", what, c, index + 1);
          return FALSE;
        }
    }
  return TRUE;
}

char *
tg_server_display_name_escape (const char *name)
{
  GString *out = g_string_new (NULL);

  if (name == NULL || !g_utf8_validate (name, -1, NULL))
    {
      g_string_free (out, TRUE);
      return g_strdup ("<invalid UTF-8>");
    }
  for (const char *p = name; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (hidden_char (c))
        g_string_append_printf (out, "<U+%04X>", c);
      else
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

gboolean
tg_server_decode_offset (const char  *str,
                         gint64      *value,
                         GError     **error)
{
  guint64 v;

  if (!parse_uint (str, G_GUINT64_CONSTANT (1) << 53, &v))
    {
      g_set_error_literal (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                           "a byte offset must be a non-negative integer");
      return FALSE;
    }
  *value = (gint64) v;
  return TRUE;
}

static int
base64_value (char c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

gboolean
tg_server_decode_upload_checksum (const char  *header,
                                  guint8       digest[32],
                                  GError     **error)
{
  const char *p = header, *name, *b64;
  gsize name_length, b64_length;
  guint32 acc = 0;
  guint bits = 0, out = 0;

  if (header == NULL || strlen (header) > TG_SERVER_UPLOAD_CHECKSUM_MAX)
    {
      g_set_error_literal (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                           "Upload-Checksum must be \"sha256 <base64 of the chunk's SHA-256>\"");
      return FALSE;
    }
  while (*p == ' ' || *p == '\t')
    p++;
  name = p;
  while (*p != '\0' && *p != ' ' && *p != '\t')
    p++;
  name_length = p - name;
  while (*p == ' ' || *p == '\t')
    p++;
  b64 = p;
  while (*p != '\0' && *p != ' ' && *p != '\t')
    p++;
  b64_length = p - b64;
  while (*p == ' ' || *p == '\t')
    p++;

  if (name_length == 0 || b64_length == 0 || *p != '\0')
    {
      g_set_error_literal (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                           "Upload-Checksum must be \"sha256 <base64 of the chunk's SHA-256>\"");
      return FALSE;
    }
  if (name_length != 6 || g_ascii_strncasecmp (name, "sha256", 6) != 0)
    {
      g_autofree char *shown = g_strndup (name, MIN (name_length, 32));

      for (char *c = shown; *c; c++)
        if (!g_ascii_isgraph (*c))
          *c = '?';
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                   "Upload-Checksum: unknown algorithm \"%s\"; this server checks only sha256", shown);
      return FALSE;
    }

  /* 32 bytes are 43 base64 digits and one "=": the last digit carries 2
   * bits of padding, which must be zero for the text to be canonical */
  if (b64_length != 44 || b64[43] != '=')
    goto bad_base64;
  for (guint i = 0; i < 43; i++)
    {
      int v = base64_value (b64[i]);

      if (v < 0)
        goto bad_base64;
      acc = (acc << 6) | (guint32) v;
      bits += 6;
      if (bits >= 8)
        {
          bits -= 8;
          digest[out++] = (guint8) (acc >> bits);
        }
    }
  if (out != 32 || (acc & ((1u << bits) - 1)) != 0)
    goto bad_base64;
  return TRUE;

bad_base64:
  g_set_error_literal (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                       "Upload-Checksum: the SHA-256 is not the base64 of 32 bytes");
  return FALSE;
}

gboolean
tg_server_decode_range (const char  *header,
                        gint64       size,
                        gint64      *start,
                        gint64      *end,
                        GError     **error)
{
  g_autofree char *first = NULL, *last = NULL;
  const char *dash;
  guint64 a = 0, b = 0;
  gboolean has_a, has_b;

  if (header == NULL || !g_str_has_prefix (header, "bytes=") ||
      strchr (header, ',') != NULL || strlen (header) > 64 ||
      (dash = strchr (header + 6, '-')) == NULL)
    {
      g_set_error_literal (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                           "Range must be a single \"bytes=first-last\" range");
      return FALSE;
    }

  first = g_strndup (header + 6, dash - (header + 6));
  last = g_strdup (dash + 1);
  g_strstrip (first);
  g_strstrip (last);
  has_a = *first != '\0';
  has_b = *last != '\0';
  if ((!has_a && !has_b) ||
      (has_a && !parse_uint (first, G_MAXINT64, &a)) ||
      (has_b && !parse_uint (last, G_MAXINT64, &b)) ||
      (has_a && has_b && b < a))
    {
      g_set_error_literal (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                           "Range must be a single \"bytes=first-last\" range");
      return FALSE;
    }

  if (!has_a)
    {
      /* suffix: the last b bytes */
      if (b == 0 || size == 0)
        goto unsatisfiable;
      *start = size - (gint64) MIN (b, (guint64) size);
      *end = size - 1;
      return TRUE;
    }
  if ((gint64) a >= size)
    goto unsatisfiable;
  *start = (gint64) a;
  *end = has_b ? (gint64) MIN (b, (guint64) size - 1) : size - 1;
  return TRUE;

unsatisfiable:
  g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_RANGE,
               "the range is outside the blob's %" G_GINT64_FORMAT " bytes", size);
  return FALSE;
}

char *
tg_server_decode_bearer (const char *header)
{
  const char *token;
  gsize len;

  if (header == NULL || g_ascii_strncasecmp (header, "Bearer ", 7) != 0)
    return NULL;
  token = header + 7;
  while (*token == ' ')
    token++;
  len = strlen (token);
  if (len < 16 || len > 128)
    return NULL;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (token[i]) && token[i] != '-' && token[i] != '_')
      return NULL;
  return g_strndup (token, len);
}

char **
tg_server_content_blobs (const char *content,
                         gsize       max_string)
{
  g_autoptr(JsonNode) root = NULL;
  guint n_refs;

  if (content != NULL)
    root = tg_server_parse_json (content, strlen (content), max_string, NULL);
  return collect_blobs (root, G_MAXUINT - 1, &n_refs);
}

gboolean
tg_server_decode_duration (const char  *str,
                           gint64      *seconds,
                           GError     **error)
{
  g_autofree char *digits = NULL;
  guint64 v;
  gint64 unit;
  gsize len;

  len = str ? strlen (str) : 0;
  if (len < 2 || len > 12)
    goto bad;
  switch (str[len - 1])
    {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: goto bad;
    }
  digits = g_strndup (str, len - 1);
  if (!parse_uint (digits, 365 * 86400, &v) || v == 0 || (gint64) v * unit > 365 * 86400)
    goto bad;
  *seconds = (gint64) v * unit;
  return TRUE;

bad:
  g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
               "“%s” is not a duration such as 90m, 24h or 7d (at most 365d)",
               str ? str : "");
  return FALSE;
}

char *
tg_server_address_key (const char *address)
{
  g_autoptr(GInetAddress) inet = address ? g_inet_address_new_from_string (address) : NULL;
  guint8 bytes[16] = { 0 };
  g_autoptr(GInetAddress) prefix = NULL;
  g_autofree char *text = NULL;

  if (inet == NULL)
    return NULL;
  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV4)
    return g_inet_address_to_string (inet);
  memcpy (bytes, g_inet_address_to_bytes (inet), 16);
  /* ::ffff:a.b.c.d is the IPv4 client a.b.c.d on a dual-stack socket */
  if (memcmp (bytes, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0)
    return g_strdup_printf ("%u.%u.%u.%u", bytes[12], bytes[13], bytes[14], bytes[15]);
  memset (bytes + 8, 0, 8);
  prefix = g_inet_address_new_from_bytes (bytes, G_SOCKET_FAMILY_IPV6);
  text = g_inet_address_to_string (prefix);
  return g_strdup_printf ("%s/64", text);
}
