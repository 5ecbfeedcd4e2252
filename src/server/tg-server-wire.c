/* tg-server-wire.c — the JSON of the sync replies (POST /push, GET /pull)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "testigo-server"

#include "config.h"

#include "tg-server-wire.h"

JsonNode *
tg_server_push_result_to_json (const TgServerPushResult *result)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "accepted");
  json_builder_begin_array (builder);
  for (guint i = 0; i < result->accepted->len; i++)
    {
      const TgServerPushItem *item = &g_array_index (result->accepted, TgServerPushItem, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, item->id);
      json_builder_set_member_name (builder, "seq");
      json_builder_add_int_value (builder, item->seq);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "rejected");
  json_builder_begin_array (builder);
  for (guint i = 0; i < result->rejected->len; i++)
    {
      const TgServerPushItem *item = &g_array_index (result->rejected, TgServerPushItem, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, item->id);
      json_builder_set_member_name (builder, "reason");
      json_builder_add_string_value (builder, item->reason);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "missing_blobs");
  json_builder_begin_array (builder);
  for (guint i = 0; result->missing_blobs[i]; i++)
    json_builder_add_string_value (builder, result->missing_blobs[i]);
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "server_seq");
  json_builder_add_int_value (builder, result->server_seq);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static void
add_revision (JsonBuilder                  *builder,
              const TgServerPulledRevision *revision)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, revision->id);
  json_builder_set_member_name (builder, "record");
  json_builder_add_string_value (builder, revision->record_id);
  json_builder_set_member_name (builder, "kind");
  json_builder_add_string_value (builder, revision->kind);
  json_builder_set_member_name (builder, "parents");
  json_builder_begin_array (builder);
  for (guint i = 0; revision->parents[i]; i++)
    json_builder_add_string_value (builder, revision->parents[i]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "device");
  json_builder_add_string_value (builder, revision->device);
  json_builder_set_member_name (builder, "device_seq");
  json_builder_add_int_value (builder, revision->device_seq);
  json_builder_set_member_name (builder, "created_at");
  json_builder_add_int_value (builder, revision->created_at);
  json_builder_set_member_name (builder, "deleted");
  json_builder_add_boolean_value (builder, revision->deleted);
  json_builder_set_member_name (builder, "content");
  json_builder_add_string_value (builder, revision->content);
  json_builder_set_member_name (builder, "server_seq");
  json_builder_add_int_value (builder, revision->seq);
  json_builder_end_object (builder);
}

/* "devices": the names of the devices that made the page's revisions */
static void
add_device_names (JsonBuilder            *builder,
                  const TgServerPullPage *page)
{
  json_builder_set_member_name (builder, "devices");
  json_builder_begin_array (builder);
  for (guint i = 0; page->devices != NULL && i < page->devices->len; i++)
    {
      const TgServerDeviceName *name = g_ptr_array_index (page->devices, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "device");
      json_builder_add_string_value (builder, name->device);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, name->name);
      json_builder_set_member_name (builder, "user");
      json_builder_add_string_value (builder, name->user);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

JsonNode *
tg_server_pull_page_to_json (const TgServerPullPage *page)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "revisions");
  json_builder_begin_array (builder);
  for (guint i = 0; i < page->revisions->len; i++)
    add_revision (builder, g_ptr_array_index (page->revisions, i));
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "conflicts");
  json_builder_begin_array (builder);
  for (guint i = 0; i < page->conflicts->len; i++)
    {
      const TgServerConflict *conflict = g_ptr_array_index (page->conflicts, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "record");
      json_builder_add_string_value (builder, conflict->record_id);
      json_builder_set_member_name (builder, "heads");
      json_builder_begin_array (builder);
      for (guint j = 0; conflict->heads[j]; j++)
        json_builder_add_string_value (builder, conflict->heads[j]);
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  add_device_names (builder, page);

  json_builder_set_member_name (builder, "next");
  json_builder_add_int_value (builder, page->next);
  json_builder_set_member_name (builder, "more");
  json_builder_add_boolean_value (builder, page->more);
  json_builder_set_member_name (builder, "server_seq");
  json_builder_add_int_value (builder, page->server_seq);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}
