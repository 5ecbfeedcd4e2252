/* tg-json.c — typed readers of the model's JSON members, and a streaming JSON writer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-json"

#include "config.h"

#include <math.h>

#include "tg-json-private.h"
#include "tg-types.h"

static gboolean
wrong_type (const char  *what,
            const char  *name,
            const char  *expected,
            GError     **error)
{
  g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
               "%s: \"%s\" must be %s", what, name, expected);
  return FALSE;
}

gboolean
tg_json_get_string (JsonObject  *object,
                    const char  *what,
                    const char  *name,
                    const char **value,
                    GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  *value = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return wrong_type (what, name, "a string", error);
  *value = json_node_get_string (node);
  if (!g_utf8_validate (*value, -1, NULL))
    return wrong_type (what, name, "valid UTF-8", error);
  return TRUE;
}

gboolean
tg_json_get_int (JsonObject  *object,
                 const char  *what,
                 const char  *name,
                 gint64       default_value,
                 gint64      *value,
                 GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  *value = default_value;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return wrong_type (what, name, "a whole number", error);
  *value = json_node_get_int (node);
  return TRUE;
}

gboolean
tg_json_get_double (JsonObject  *object,
                    const char  *what,
                    const char  *name,
                    double      *value,
                    GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  *value = NAN;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node))
    return wrong_type (what, name, "a number", error);
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_DOUBLE:
      *value = json_node_get_double (node);
      break;
    case G_TYPE_INT64:
      *value = (double) json_node_get_int (node);
      break;
    default:
      return wrong_type (what, name, "a number", error);
    }
  if (!isfinite (*value))
    return wrong_type (what, name, "a finite number", error);
  return TRUE;
}

gboolean
tg_json_get_bool (JsonObject  *object,
                  const char  *what,
                  const char  *name,
                  gboolean    *value,
                  GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  *value = FALSE;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return wrong_type (what, name, "true or false", error);
  *value = json_node_get_boolean (node);
  return TRUE;
}

gboolean
tg_json_get_strv (JsonObject   *object,
                  const char   *what,
                  const char   *name,
                  char       ***value,
                  GError      **error)
{
  JsonNode *node = json_object_get_member (object, name);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonArray *array;

  *value = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return wrong_type (what, name, "a list of strings", error);
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      const char *str;

      if (!JSON_NODE_HOLDS_VALUE (element) ||
          json_node_get_value_type (element) != G_TYPE_STRING)
        return wrong_type (what, name, "a list of strings", error);
      str = json_node_get_string (element);
      if (!g_utf8_validate (str, -1, NULL))
        return wrong_type (what, name, "valid UTF-8", error);
      g_strv_builder_add (builder, str);
    }
  *value = g_strv_builder_end (builder);
  return TRUE;
}

gboolean
tg_set_string (char       **field,
               const char  *value)
{
  if (value != NULL && *value == '\0')
    value = NULL;
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

gboolean
tg_set_strv (char               ***field,
             const char * const   *value)
{
  if (value != NULL && value[0] == NULL)
    value = NULL;
  if (*field == NULL && value == NULL)
    return FALSE;
  if (*field != NULL && value != NULL &&
      g_strv_equal ((const char * const *) *field, value))
    return FALSE;
  g_strfreev (*field);
  *field = g_strdupv ((char **) value);
  return TRUE;
}

/* Writer ---------------------------------------------------------------- */

static void
write_escaped (GString    *out,
               const char *str)
{
  g_string_append_c (out, '"');
  for (const guchar *p = (const guchar *) str; *p; p++)
    {
      switch (*p)
        {
        case '"':  g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        case '\b': g_string_append (out, "\\b"); break;
        case '\f': g_string_append (out, "\\f"); break;
        default:
          if (*p < 0x20)
            g_string_append_printf (out, "\\u%04x", *p);
          else
            g_string_append_c (out, *p);
        }
    }
  g_string_append_c (out, '"');
}

static void
write_name (TgJsonWriter *writer,
            const char   *name)
{
  guint64 bit = G_GUINT64_CONSTANT (1) << writer->depth;

  if (writer->depth > 0)
    {
      if (writer->first & bit)
        writer->first &= ~bit;
      else
        g_string_append_c (writer->out, ',');
    }
  if (name != NULL)
    {
      write_escaped (writer->out, name);
      g_string_append_c (writer->out, ':');
    }
}

void
tg_json_writer_init (TgJsonWriter *writer,
                     GString      *out)
{
  writer->out = out;
  writer->first = 0;
  writer->depth = 0;
}

static void
begin (TgJsonWriter *writer,
       const char   *name,
       char          c)
{
  g_assert (writer->depth < 63);
  write_name (writer, name);
  g_string_append_c (writer->out, c);
  writer->depth++;
  writer->first |= G_GUINT64_CONSTANT (1) << writer->depth;
}

void
tg_json_writer_begin_object (TgJsonWriter *writer,
                             const char   *name)
{
  begin (writer, name, '{');
}

void
tg_json_writer_end_object (TgJsonWriter *writer)
{
  g_assert (writer->depth > 0);
  writer->depth--;
  g_string_append_c (writer->out, '}');
}

void
tg_json_writer_begin_array (TgJsonWriter *writer,
                            const char   *name)
{
  begin (writer, name, '[');
}

void
tg_json_writer_end_array (TgJsonWriter *writer)
{
  g_assert (writer->depth > 0);
  writer->depth--;
  g_string_append_c (writer->out, ']');
}

void
tg_json_write_string (TgJsonWriter *writer,
                      const char   *name,
                      const char   *value)
{
  write_name (writer, name);
  if (value == NULL)
    g_string_append (writer->out, "null");
  else
    write_escaped (writer->out, value);
}

void
tg_json_write_int (TgJsonWriter *writer,
                   const char   *name,
                   gint64        value)
{
  char buf[24];
  guint n = 0;
  guint64 v = value < 0 ? -(guint64) value : (guint64) value;

  write_name (writer, name);
  /* By hand: printf costs more than the rest of a small member. */
  do
    buf[n++] = '0' + v % 10;
  while ((v /= 10) > 0);
  if (value < 0)
    g_string_append_c (writer->out, '-');
  while (n > 0)
    g_string_append_c (writer->out, buf[--n]);
}

void
tg_json_write_double (TgJsonWriter *writer,
                      const char   *name,
                      double        value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  write_name (writer, name);
  if (isnan (value) || isinf (value))
    {
      g_string_append (writer->out, "null");
      return;
    }
  /* The shortest form that reads back as the same double. */
  g_ascii_formatd (buf, sizeof buf, "%.15g", value);
  if (g_ascii_strtod (buf, NULL) != value)
    g_ascii_formatd (buf, sizeof buf, "%.17g", value);
  g_string_append (writer->out, buf);
}

void
tg_json_write_bool (TgJsonWriter *writer,
                    const char   *name,
                    gboolean      value)
{
  write_name (writer, name);
  g_string_append (writer->out, value ? "true" : "false");
}

void
tg_json_write_strv (TgJsonWriter       *writer,
                    const char         *name,
                    const char * const *values)
{
  tg_json_writer_begin_array (writer, name);
  for (guint i = 0; values != NULL && values[i] != NULL; i++)
    tg_json_write_string (writer, NULL, values[i]);
  tg_json_writer_end_array (writer);
}
