/* tg-revision.c — immutable revisions: the canonical form hashed into the id, the wire JSON
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-revision"

#include "config.h"

#include <string.h>

#include "tg-revision.h"
#include "tg-sha256.h"
#include "tg-types.h"

struct _TgRevision
{
  GObject   parent_instance;

  char     *id;
  char     *record_id;
  char     *kind;
  char    **parents;
  char     *device_id;
  gint64    device_seq;
  gint64    created_at;
  char     *content;
  gint64    server_seq;
  guint     deleted : 1;
};

G_DEFINE_FINAL_TYPE (TgRevision, tg_revision, G_TYPE_OBJECT)

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static char **
sorted_unique (const char * const *strv)
{
  g_autoptr(GPtrArray) sorted = g_ptr_array_new ();

  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    g_ptr_array_add (sorted, g_strdup (strv[i]));
  g_ptr_array_sort (sorted, compare_strings);
  for (guint i = 1; i < sorted->len;)
    {
      if (strcmp (sorted->pdata[i - 1], sorted->pdata[i]) == 0)
        g_free (g_ptr_array_steal_index (sorted, i));
      else
        i++;
    }
  g_ptr_array_add (sorted, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&sorted), FALSE);
}

static void
tg_revision_finalize (GObject *object)
{
  TgRevision *self = (TgRevision *) object;

  g_free (self->id);
  g_free (self->record_id);
  g_free (self->kind);
  g_strfreev (self->parents);
  g_free (self->device_id);
  g_free (self->content);

  G_OBJECT_CLASS (tg_revision_parent_class)->finalize (object);
}

static void
tg_revision_class_init (TgRevisionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tg_revision_finalize;
}

static void
tg_revision_init (TgRevision *self)
{
}

static void
append_int (GString *out,
            gint64   value)
{
  char buf[24];
  guint n = 0;
  guint64 v = value < 0 ? -(guint64) value : (guint64) value;

  do
    buf[n++] = '0' + v % 10;
  while ((v /= 10) > 0);
  if (value < 0)
    g_string_append_c (out, '-');
  while (n > 0)
    g_string_append_c (out, buf[--n]);
}

/* "<length>:<bytes>\n" */
static void
append_field (GString    *out,
              const char *value)
{
  append_int (out, (gint64) strlen (value));
  g_string_append_c (out, ':');
  g_string_append (out, value);
  g_string_append_c (out, '\n');
}

/* The canonical form, one field per line; content last so that it may hold
 * anything. Each variable-length field is prefixed by its length so that no
 * two different revisions share a canonical form. */
char *
tg_revision_compute_id (const char         *record_id,
                        const char         *kind,
                        const char * const *sorted_parents,
                        const char         *device_id,
                        gint64              device_seq,
                        gint64              created_at,
                        gboolean            deleted,
                        const char         *content)
{
  TgSha256 sha;
  char *hex = g_malloc (TG_SHA256_HEX_LENGTH + 1);
  g_autoptr(GString) head = g_string_sized_new (256);

  /* Written without printf: this runs for every revision saved. */
  g_string_append (head, "testigo-revision-1\n");
  append_field (head, record_id);
  append_field (head, kind);
  for (guint i = 0; sorted_parents != NULL && sorted_parents[i] != NULL; i++)
    {
      g_string_append (head, "parent:");
      g_string_append (head, sorted_parents[i]);
      g_string_append_c (head, '\n');
    }
  append_field (head, device_id);
  append_int (head, device_seq);
  g_string_append_c (head, '\n');
  append_int (head, created_at);
  g_string_append (head, deleted ? "\n1\n" : "\n0\n");
  append_int (head, (gint64) strlen (content));
  g_string_append_c (head, ':');

  tg_sha256_init (&sha);
  tg_sha256_update (&sha, head->str, head->len);
  tg_sha256_update (&sha, content, strlen (content));
  tg_sha256_finish_hex (&sha, hex);
  return hex;
}

TgRevision *
tg_revision_new (const char         *record_id,
                 const char         *kind,
                 const char * const *parents,
                 const char         *device_id,
                 gint64              device_seq,
                 gint64              created_at,
                 gboolean            deleted,
                 const char         *content)
{
  TgRevision *self;

  g_return_val_if_fail (record_id != NULL, NULL);
  g_return_val_if_fail (kind != NULL, NULL);
  g_return_val_if_fail (device_id != NULL, NULL);
  g_return_val_if_fail (content != NULL, NULL);

  self = g_object_new (TG_TYPE_REVISION, NULL);
  self->record_id = g_strdup (record_id);
  self->kind = g_strdup (kind);
  self->parents = sorted_unique (parents);
  self->device_id = g_strdup (device_id);
  self->device_seq = device_seq;
  self->created_at = created_at;
  self->deleted = !!deleted;
  self->content = g_strdup (content);
  self->id = tg_revision_compute_id (record_id, kind,
                                     (const char * const *) self->parents,
                                     device_id, device_seq, created_at,
                                     deleted, content);
  return self;
}

const char *
tg_revision_get_id (TgRevision *self)
{
  g_return_val_if_fail (TG_IS_REVISION (self), NULL);
  return self->id;
}

const char *
tg_revision_get_record_id (TgRevision *self)
{
  g_return_val_if_fail (TG_IS_REVISION (self), NULL);
  return self->record_id;
}

const char *
tg_revision_get_kind (TgRevision *self)
{
  g_return_val_if_fail (TG_IS_REVISION (self), NULL);
  return self->kind;
}

const char * const *
tg_revision_get_parents (TgRevision *self)
{
  g_return_val_if_fail (TG_IS_REVISION (self), NULL);
  return (const char * const *) self->parents;
}

const char *
tg_revision_get_device_id (TgRevision *self)
{
  g_return_val_if_fail (TG_IS_REVISION (self), NULL);
  return self->device_id;
}

gint64
tg_revision_get_device_seq (TgRevision *self)
{
  g_return_val_if_fail (TG_IS_REVISION (self), 0);
  return self->device_seq;
}

gint64
tg_revision_get_created_at (TgRevision *self)
{
  g_return_val_if_fail (TG_IS_REVISION (self), 0);
  return self->created_at;
}

gboolean
tg_revision_get_deleted (TgRevision *self)
{
  g_return_val_if_fail (TG_IS_REVISION (self), FALSE);
  return self->deleted;
}

const char *
tg_revision_get_content (TgRevision *self)
{
  g_return_val_if_fail (TG_IS_REVISION (self), NULL);
  return self->content;
}

gint64
tg_revision_get_server_seq (TgRevision *self)
{
  g_return_val_if_fail (TG_IS_REVISION (self), 0);
  return self->server_seq;
}

void
tg_revision_set_server_seq (TgRevision *self,
                            gint64      server_seq)
{
  g_return_if_fail (TG_IS_REVISION (self));
  self->server_seq = server_seq;
}

JsonNode *
tg_revision_to_json (TgRevision *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (TG_IS_REVISION (self), NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, self->id);
  json_builder_set_member_name (builder, "record");
  json_builder_add_string_value (builder, self->record_id);
  json_builder_set_member_name (builder, "kind");
  json_builder_add_string_value (builder, self->kind);
  json_builder_set_member_name (builder, "parents");
  json_builder_begin_array (builder);
  for (guint i = 0; self->parents[i] != NULL; i++)
    json_builder_add_string_value (builder, self->parents[i]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "device");
  json_builder_add_string_value (builder, self->device_id);
  json_builder_set_member_name (builder, "device_seq");
  json_builder_add_int_value (builder, self->device_seq);
  json_builder_set_member_name (builder, "created_at");
  json_builder_add_int_value (builder, self->created_at);
  json_builder_set_member_name (builder, "deleted");
  json_builder_add_boolean_value (builder, self->deleted);
  json_builder_set_member_name (builder, "content");
  json_builder_add_string_value (builder, self->content);
  if (self->server_seq > 0)
    {
      json_builder_set_member_name (builder, "server_seq");
      json_builder_add_int_value (builder, self->server_seq);
    }
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static const char *
get_string_member (JsonObject  *object,
                   const char  *name,
                   GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                   "revision: \"%s\" must be a string", name);
      return NULL;
    }
  return json_node_get_string (node);
}

static gboolean
get_int_member (JsonObject  *object,
                const char  *name,
                gboolean     required,
                gint64      *value,
                GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL && !required)
    {
      *value = 0;
      return TRUE;
    }
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                   "revision: \"%s\" must be an integer", name);
      return FALSE;
    }
  *value = json_node_get_int (node);
  return TRUE;
}

TgRevision *
tg_revision_new_from_json (JsonNode  *node,
                           GError   **error)
{
  g_autoptr(TgRevision) self = NULL;
  g_autoptr(GPtrArray) parents = g_ptr_array_new ();
  JsonObject *object;
  JsonNode *member;
  const char *id, *record_id, *kind, *device_id, *content;
  gint64 device_seq, created_at, server_seq;
  gboolean deleted;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                           "revision: expected a JSON object");
      return NULL;
    }
  object = json_node_get_object (node);

  if (!(id = get_string_member (object, "id", error)) ||
      !(record_id = get_string_member (object, "record", error)) ||
      !(kind = get_string_member (object, "kind", error)) ||
      !(device_id = get_string_member (object, "device", error)) ||
      !(content = get_string_member (object, "content", error)) ||
      !get_int_member (object, "device_seq", TRUE, &device_seq, error) ||
      !get_int_member (object, "created_at", TRUE, &created_at, error) ||
      !get_int_member (object, "server_seq", FALSE, &server_seq, error))
    return NULL;

  if (!tg_is_sha256_hex (id))
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                           "revision: \"id\" is not a SHA-256 hex digest");
      return NULL;
    }
  if (!tg_is_uuid (record_id))
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                           "revision: \"record\" is not a UUID");
      return NULL;
    }
  if (strcmp (kind, TG_REVISION_KIND_REPORT) != 0 &&
      strcmp (kind, TG_REVISION_KIND_INCIDENT) != 0)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                   "revision: unknown kind \"%s\"", kind);
      return NULL;
    }
  if (*device_id == '\0' || strlen (device_id) > 64)
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                           "revision: \"device\" must be 1 to 64 characters");
      return NULL;
    }
  if (device_seq < 1 || server_seq < 0)
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                           "revision: sequence numbers out of range");
      return NULL;
    }

  member = json_object_get_member (object, "deleted");
  if (member == NULL || !JSON_NODE_HOLDS_VALUE (member) ||
      json_node_get_value_type (member) != G_TYPE_BOOLEAN)
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                           "revision: \"deleted\" must be true or false");
      return NULL;
    }
  deleted = json_node_get_boolean (member);

  member = json_object_get_member (object, "parents");
  if (member == NULL || !JSON_NODE_HOLDS_ARRAY (member))
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                           "revision: \"parents\" must be an array");
      return NULL;
    }
  {
    JsonArray *array = json_node_get_array (member);
    guint n = json_array_get_length (array);

    if (n > 64)
      {
        g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                             "revision: more than 64 parents");
        return NULL;
      }
    for (guint i = 0; i < n; i++)
      {
        JsonNode *p = json_array_get_element (array, i);

        if (!JSON_NODE_HOLDS_VALUE (p) ||
            json_node_get_value_type (p) != G_TYPE_STRING ||
            !tg_is_sha256_hex (json_node_get_string (p)))
          {
            g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                                 "revision: each parent must be a SHA-256 hex digest");
            return NULL;
          }
        g_ptr_array_add (parents, (gpointer) json_node_get_string (p));
      }
    g_ptr_array_add (parents, NULL);
  }

  self = tg_revision_new (record_id, kind, (const char * const *) parents->pdata,
                          device_id, device_seq, created_at, deleted, content);
  if (strcmp (self->id, id) != 0)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_HASH_MISMATCH,
                   "revision %s: its content does not match its id", id);
      return NULL;
    }
  self->server_seq = server_seq;

  return g_steal_pointer (&self);
}

gboolean
tg_is_uuid (const char *str)
{
  if (str == NULL || strlen (str) != 36)
    return FALSE;
  for (guint i = 0; i < 36; i++)
    {
      if (i == 8 || i == 13 || i == 18 || i == 23)
        {
          if (str[i] != '-')
            return FALSE;
        }
      else if (!g_ascii_isxdigit (str[i]))
        return FALSE;
    }
  return TRUE;
}

char *
tg_record_id_new (void)
{
  static GMutex lock;
  static guint64 last_ms;
  static guint32 counter;
  guint8 b[16];
  guint64 ms = (guint64) (g_get_real_time () / 1000);
  guint32 seq;

  /* Within one millisecond, a counter in the 12 bits after the version
   * keeps ids in creation order. */
  g_mutex_lock (&lock);
  if (ms <= last_ms)
    {
      ms = last_ms;
      if (++counter > 0xfff)
        {
          ms = ++last_ms;
          counter = 0;
        }
    }
  else
    {
      last_ms = ms;
      counter = 0;
    }
  seq = counter;
  g_mutex_unlock (&lock);

  for (guint i = 0; i < 6; i++)
    b[i] = (ms >> (40 - 8 * i)) & 0xff;
  b[6] = 0x70 | ((seq >> 8) & 0x0f);
  b[7] = seq & 0xff;
  for (guint i = 8; i < 16; i += 4)
    {
      guint32 r = g_random_int ();
      memcpy (b + i, &r, 4);
    }
  b[8] = 0x80 | (b[8] & 0x3f);

  return g_strdup_printf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                          b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
                          b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

gboolean
tg_is_sha256_hex (const char *str)
{
  if (str == NULL || strlen (str) != 64)
    return FALSE;
  for (guint i = 0; i < 64; i++)
    if (!g_ascii_isxdigit (str[i]) || g_ascii_isupper (str[i]))
      return FALSE;
  return TRUE;
}
