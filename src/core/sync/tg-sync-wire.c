/* tg-sync-wire.c — the JSON of the sync protocol as the client reads and writes it
 *
 * Revisions go out and come back in tg_revision_to_json()'s wire form, the
 * one the server decodes; the replies' shapes are those of the server's
 * tg-server-wire.c. Every reply is pre-scanned by the core's JSON scanner
 * before json-glib parses it, and every member is checked: a reply that
 * is not the protocol is TG_SYNC_ERROR_PROTOCOL, never a crash or a guess.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "testigo-sync"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "tg-sync-private.h"
#include "tg-json-private.h"
#include "tg-json-scanner.h"

GError *
tg_sync_wire_protocol_error (const char *detail)
{
  g_debug ("not the protocol: %s", detail);
  return g_error_new (TG_SYNC_ERROR, TG_SYNC_ERROR_PROTOCOL,
                      _("The server’s reply is not what Testigo expects (%s). The server may run "
                        "another version of Testigo, or the address may not be a Testigo server."),
                      detail);
}

static gboolean
protocol_error (GError    **error,
                const char *detail)
{
  g_propagate_error (error, tg_sync_wire_protocol_error (detail));
  return FALSE;
}

JsonNode *
tg_sync_wire_parse (GBytes  *body,
                    GError **error)
{
  /* a pull page holds at most 16 MiB of contents; one string is at most the
   * server's max-string-bytes (1 MiB by default) */
  static const TgJsonLimits limits = { 64, 32 * 1024 * 1024, TG_JSON_MAX_VALUES };
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  TgJsonScanResult scan;
  const char *data;
  gsize length = 0;
  JsonNode *root;

  data = body ? g_bytes_get_data (body, &length) : NULL;
  if (data == NULL || length == 0)
    {
      protocol_error (error, "empty reply");
      return NULL;
    }
  if (!tg_json_scan (data, length, &limits, &scan))
    {
      g_autofree char *detail = g_strdup_printf ("not JSON at byte %" G_GSIZE_FORMAT, scan.offset);
      protocol_error (error, detail);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      protocol_error (error, "not JSON");
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      protocol_error (error, "not a JSON object");
      return NULL;
    }
  return json_node_ref (root);
}

static gboolean
get_int (JsonObject *object,
         const char *name,
         gboolean    required,
         gint64     *value,
         GError    **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        {
          g_autofree char *detail = g_strdup_printf ("\"%s\" is missing", name);
          return protocol_error (error, detail);
        }
      return TRUE;
    }
  if (json_node_get_value_type (node) != G_TYPE_INT64)
    {
      g_autofree char *detail = g_strdup_printf ("\"%s\" is not an integer", name);
      return protocol_error (error, detail);
    }
  *value = json_node_get_int (node);
  return TRUE;
}

static const char *
get_string (JsonObject *object,
            const char *name,
            GError    **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_autofree char *detail = g_strdup_printf ("\"%s\" is not a string", name);
      protocol_error (error, detail);
      return NULL;
    }
  return json_node_get_string (node);
}

/* The member's string, or NULL when it is missing or not a string. */
static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonArray *
get_array (JsonObject *object,
           const char *name,
           GError    **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_autofree char *detail = g_strdup_printf ("\"%s\" is not an array", name);
      protocol_error (error, detail);
      return NULL;
    }
  return json_node_get_array (node);
}

static gboolean
get_bool (JsonObject *object,
          const char *name,
          gboolean   *value,
          GError    **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    {
      g_autofree char *detail = g_strdup_printf ("\"%s\" is not true or false", name);
      return protocol_error (error, detail);
    }
  *value = json_node_get_boolean (node);
  return TRUE;
}

void
tg_sync_wire_info_clear (TgSyncWireInfo *info)
{
  g_clear_pointer (&info->version, g_free);
  g_clear_pointer (&info->fingerprint, g_free);
}

gboolean
tg_sync_wire_decode_info (JsonNode        *root,
                          TgSyncWireInfo  *info,
                          GError         **error)
{
  JsonObject *object = json_node_get_object (root);
  JsonObject *limits;
  JsonNode *node;
  const char *server;
  gint64 api = 0;

  memset (info, 0, sizeof *info);
  server = get_string (object, "server", error);
  if (server == NULL)
    return FALSE;
  if (strcmp (server, "testigo-server") != 0)
    return protocol_error (error, "not a testigo-server");
  if (!get_int (object, "api", TRUE, &api, error)
      || !get_int (object, "time_us", TRUE, &info->time_us, error))
    return FALSE;
  info->api = (int) CLAMP (api, 0, G_MAXINT);
  node = json_object_get_member (object, "version");
  if (node && json_node_get_value_type (node) == G_TYPE_STRING)
    info->version = g_strdup (json_node_get_string (node));
  node = json_object_get_member (object, "fingerprint");
  if (node && json_node_get_value_type (node) == G_TYPE_STRING)
    info->fingerprint = g_strdup (json_node_get_string (node));

  /* the defaults are the server's own */
  info->max_body_bytes = 16 * 1024 * 1024;
  info->max_batch = 1000;
  info->max_batch_blob_refs = 10000;
  info->max_pull = 1000;
  info->max_blob_bytes = G_GINT64_CONSTANT (8589934592);
  node = json_object_get_member (object, "limits");
  if (node && JSON_NODE_HOLDS_OBJECT (node))
    {
      limits = json_node_get_object (node);
      if (!get_int (limits, "max_body_bytes", FALSE, &info->max_body_bytes, error)
          || !get_int (limits, "max_batch", FALSE, &info->max_batch, error)
          || !get_int (limits, "max_batch_blob_refs", FALSE, &info->max_batch_blob_refs, error)
          || !get_int (limits, "max_pull", FALSE, &info->max_pull, error)
          || !get_int (limits, "max_blob_bytes", FALSE, &info->max_blob_bytes, error)
          || !get_int (limits, "max_chunk_bytes", FALSE, &info->max_chunk_bytes, error))
        {
          tg_sync_wire_info_clear (info);
          return FALSE;
        }
    }
  if (info->max_batch < 1 || info->max_pull < 1 || info->max_body_bytes < 1024
      || info->max_batch_blob_refs < 1 || info->max_chunk_bytes < 0)
    {
      tg_sync_wire_info_clear (info);
      return protocol_error (error, "limits out of range");
    }
  return TRUE;
}

/* "role": optional (a server before roles were sent says none); when
 * present a string. A role this client does not know is kept as unknown
 * (NULL), not refused: a newer server may have more. */
static gboolean
get_role (JsonObject  *object,
          char       **role,
          GError     **error)
{
  JsonNode *node = json_object_get_member (object, "role");
  const char *text;

  *role = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if ((text = get_string (object, "role", error)) == NULL)
    return FALSE;
  if (strcmp (text, TG_SYNC_ROLE_NAME_MONITOR) == 0 || strcmp (text, TG_SYNC_ROLE_NAME_COORDINATOR) == 0)
    *role = g_strdup (text);
  return TRUE;
}

gboolean
tg_sync_wire_decode_enrol (JsonNode  *root,
                           char     **device_id,
                           char     **token,
                           char     **role,
                           GError   **error)
{
  JsonObject *object = json_node_get_object (root);
  const char *id, *tok;

  if ((id = get_string (object, "device_id", error)) == NULL
      || (tok = get_string (object, "token", error)) == NULL
      || !get_role (object, role, error))
    return FALSE;
  if (*id == '\0' || *tok == '\0')
    {
      g_clear_pointer (role, g_free);
      return protocol_error (error, "empty device id or token");
    }
  *device_id = g_strdup (id);
  *token = g_strdup (tok);
  return TRUE;
}

void
tg_sync_wire_push_clear (TgSyncWirePush *push)
{
  g_clear_pointer (&push->accepted_ids, g_ptr_array_unref);
  g_clear_pointer (&push->accepted_seqs, g_array_unref);
  g_clear_pointer (&push->rejected_ids, g_ptr_array_unref);
  g_clear_pointer (&push->rejected_reasons, g_ptr_array_unref);
}

gboolean
tg_sync_wire_decode_push (JsonNode        *root,
                          TgSyncWirePush  *push,
                          GError         **error)
{
  JsonObject *object = json_node_get_object (root);
  JsonArray *accepted, *rejected;

  memset (push, 0, sizeof *push);
  if ((accepted = get_array (object, "accepted", error)) == NULL
      || (rejected = get_array (object, "rejected", error)) == NULL
      || !get_int (object, "server_seq", TRUE, &push->server_seq, error))
    return FALSE;

  push->accepted_ids = g_ptr_array_new_with_free_func (g_free);
  push->accepted_seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  push->rejected_ids = g_ptr_array_new_with_free_func (g_free);
  push->rejected_reasons = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < json_array_get_length (accepted); i++)
    {
      JsonNode *node = json_array_get_element (accepted, i);
      const char *id;
      gint64 seq = 0;

      if (!JSON_NODE_HOLDS_OBJECT (node)
          || (id = get_string (json_node_get_object (node), "id", error)) == NULL
          || !get_int (json_node_get_object (node), "seq", TRUE, &seq, error)
          || seq < 1)
        {
          tg_sync_wire_push_clear (push);
          if (error && *error == NULL)
            protocol_error (error, "accepted[] is not {id, seq}");
          return FALSE;
        }
      g_ptr_array_add (push->accepted_ids, g_strdup (id));
      g_array_append_val (push->accepted_seqs, seq);
    }
  for (guint i = 0; i < json_array_get_length (rejected); i++)
    {
      JsonNode *node = json_array_get_element (rejected, i);
      const char *id, *reason;

      if (!JSON_NODE_HOLDS_OBJECT (node)
          || (id = get_string (json_node_get_object (node), "id", error)) == NULL
          || (reason = get_string (json_node_get_object (node), "reason", error)) == NULL)
        {
          tg_sync_wire_push_clear (push);
          if (error && *error == NULL)
            protocol_error (error, "rejected[] is not {id, reason}");
          return FALSE;
        }
      g_ptr_array_add (push->rejected_ids, g_strdup (id));
      g_ptr_array_add (push->rejected_reasons, g_strdup (reason));
    }
  return TRUE;
}

void
tg_sync_wire_pull_clear (TgSyncWirePull *pull)
{
  g_clear_pointer (&pull->revisions, g_ptr_array_unref);
  g_clear_pointer (&pull->role, g_free);
  g_clear_pointer (&pull->device_names, g_ptr_array_unref);
}

/* At most this many bytes of a device's or a user's name are kept: the
 * server allows 128 for a device; a longer one is a hostile server's. */
#define DEVICE_NAME_MAX_BYTES 256

/* "devices": optional (a server before names were sent says none); when
 * present an array of {"device", "name", "user"}, strings, at most one
 * per revision of the page (a server names only the devices that made the
 * page's revisions), names of printable UTF-8 no longer than
 * DEVICE_NAME_MAX_BYTES. */
static gboolean
decode_device_names (JsonObject  *object,
                     guint        n_revisions,
                     GPtrArray  **names,
                     GError     **error)
{
  JsonNode *node = json_object_get_member (object, "devices");
  JsonArray *array;

  *names = g_ptr_array_new_with_free_func ((GDestroyNotify) tg_sync_device_name_free);
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if ((array = get_array (object, "devices", error)) == NULL)
    return FALSE;
  if (json_array_get_length (array) > n_revisions)
    return protocol_error (error, "\"devices\" names more devices than the page has revisions");
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      JsonObject *entry;
      const char *device, *name, *user;
      TgSyncDeviceName *item;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        return protocol_error (error, "\"devices\" holds something other than objects");
      entry = json_node_get_object (element);
      device = member_string (entry, "device");
      name = member_string (entry, "name");
      user = member_string (entry, "user");
      if (device == NULL || name == NULL || user == NULL)
        {
          g_autofree char *detail = g_strdup_printf ("devices[%u]: \"device\", \"name\" and \"user\" "
                                                     "must be strings", i);
          return protocol_error (error, detail);
        }
      /* the id is shown too ("device 1a2b3c4d") where no name is known */
      if (*device == '\0' || *name == '\0' || strlen (device) > DEVICE_NAME_MAX_BYTES
          || strlen (name) > DEVICE_NAME_MAX_BYTES || strlen (user) > DEVICE_NAME_MAX_BYTES
          || !tg_sync_device_name_is_printable (device)
          || !tg_sync_device_name_is_printable (name) || !tg_sync_device_name_is_printable (user))
        {
          g_autofree char *detail = g_strdup_printf ("devices[%u]: an empty, overlong or unprintable name", i);
          return protocol_error (error, detail);
        }
      item = g_new0 (TgSyncDeviceName, 1);
      item->device_id = g_strdup (device);
      item->name = g_strdup (name);
      item->user = g_strdup (user);
      g_ptr_array_add (*names, item);
    }
  return TRUE;
}

gboolean
tg_sync_wire_decode_pull (JsonNode        *root,
                          TgSyncWirePull  *pull,
                          GError         **error)
{
  JsonObject *object = json_node_get_object (root);
  JsonArray *revisions, *conflicts;

  memset (pull, 0, sizeof *pull);
  if ((revisions = get_array (object, "revisions", error)) == NULL
      || (conflicts = get_array (object, "conflicts", error)) == NULL
      || !get_int (object, "next", TRUE, &pull->next, error)
      || !get_bool (object, "more", &pull->more, error)
      || !get_int (object, "server_seq", TRUE, &pull->server_seq, error)
      || !get_role (object, &pull->role, error))
    return FALSE;
  if (pull->next < 0)
    return protocol_error (error, "\"next\" is negative");

  pull->n_conflicts = json_array_get_length (conflicts);
  pull->revisions = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < json_array_get_length (revisions); i++)
    {
      JsonNode *node = json_array_get_element (revisions, i);
      g_autoptr(GError) local_error = NULL;
      TgRevision *revision = tg_revision_new_from_json (node, &local_error);

      if (revision == NULL)
        {
          g_autofree char *detail = g_strdup_printf ("revisions[%u]: %s", i, local_error->message);
          tg_sync_wire_pull_clear (pull);
          return protocol_error (error, detail);
        }
      if (tg_revision_get_server_seq (revision) < 1)
        {
          g_object_unref (revision);
          tg_sync_wire_pull_clear (pull);
          return protocol_error (error, "a pulled revision has no \"server_seq\"");
        }
      g_ptr_array_add (pull->revisions, revision);
    }
  if (!decode_device_names (object, pull->revisions->len, &pull->device_names, error))
    {
      tg_sync_wire_pull_clear (pull);
      return FALSE;
    }
  return TRUE;
}

gboolean
tg_sync_wire_decode_offset (JsonNode  *root,
                            gint64    *offset,
                            gboolean  *complete,
                            GError   **error)
{
  JsonObject *object = json_node_get_object (root);

  *offset = 0;
  if (!get_int (object, "offset", TRUE, offset, error)
      || !get_bool (object, "complete", complete, error))
    return FALSE;
  if (*offset < 0)
    return protocol_error (error, "\"offset\" is negative");
  return TRUE;
}

static GBytes *
to_bytes (JsonNode *root)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  gsize length = 0;
  char *text;

  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &length);
  return g_bytes_new_take (text, length);
}

GBytes *
tg_sync_wire_encode_enrol (const char *code,
                           const char *device_name)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "device_name");
  json_builder_add_string_value (builder, device_name);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return to_bytes (root);
}

GBytes *
tg_sync_wire_encode_push (GPtrArray *revisions,
                          guint      start,
                          guint      n)
{
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  JsonObject *object = json_object_new ();
  JsonArray *array = json_array_sized_new (n);

  for (guint i = start; i < start + n && i < revisions->len; i++)
    {
      JsonNode *node = tg_revision_to_json (g_ptr_array_index (revisions, i));

      /* the server gives sequence numbers; an unsynced revision has none */
      if (JSON_NODE_HOLDS_OBJECT (node))
        json_object_remove_member (json_node_get_object (node), "server_seq");
      json_array_add_element (array, node);
    }
  json_object_set_array_member (object, "revisions", array);
  json_node_take_object (root, object);
  return to_bytes (root);
}

guint
tg_sync_wire_count_blob_refs (TgRevision *revision)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  const char *content = tg_revision_get_content (revision);
  JsonNode *root, *sources;
  JsonArray *array;
  guint n = 0;

  /* cheap way out: no hash, no reference */
  if (content == NULL || strstr (content, "sha256") == NULL)
    return 0;
  if (!json_parser_load_from_data (parser, content, -1, NULL))
    return 0;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return 0;
  sources = json_object_get_member (json_node_get_object (root), "sources");
  if (sources == NULL || !JSON_NODE_HOLDS_ARRAY (sources))
    return 0;
  array = json_node_get_array (sources);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *source;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      source = json_node_get_object (node);
      if (json_object_has_member (source, "sha256"))
        n++;
      if (json_object_has_member (source, "thumbnail_sha256"))
        n++;
    }
  return n;
}
