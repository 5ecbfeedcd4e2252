/* test-server-store.c — the server store, tested directly on its library
 *
 * Push, pull, heads, roles, idempotency, accounts, blobs and backup,
 * without HTTP: each test opens a store in a temporary folder.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "tg-revision.h"
#include "tg-server-decode.h"
#include "tg-server-store.h"
#include "tg-server-wire.h"
#include "tg-test-common.h"

typedef struct
{
  char          *dir;
  TgServerStore *store;
} Fixture;

static void
fixture_setup (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  fx->dir = tg_test_make_tmp_dir ("test-server-store-XXXXXX");
  path = g_build_filename (fx->dir, "server.db", NULL);
  fx->store = tg_server_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fx->store);
}

static void
fixture_teardown (Fixture       *fx,
                  gconstpointer  data)
{
  g_clear_object (&fx->store);
  tg_test_rm_rf (fx->dir);
  g_free (fx->dir);
}

/* Adds @user with @role and enrols a device; returns its credentials. */
static TgServerAuth *
enrol (TgServerStore *store,
       const char    *user,
       TgServerRole   role)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;
  g_autofree char *normal = NULL;
  g_autofree char *device_id = NULL;
  g_autofree char *token = NULL;
  TgServerAuth *auth;

  g_assert_true (tg_server_store_add_user (store, user, role, &error));
  g_assert_no_error (error);
  code = tg_server_store_create_enrol_code (store, user, 3600, &error);
  g_assert_no_error (error);
  normal = tg_server_normalize_code (code);
  g_assert_true (tg_server_store_enrol (store, normal, "laptop", &device_id, &token, NULL, &error));
  g_assert_no_error (error);
  auth = tg_server_store_authenticate (store, token, NULL);
  g_assert_nonnull (auth);
  g_assert_cmpstr (auth->device_id, ==, device_id);
  g_assert_cmpint (auth->role, ==, role);
  return auth;
}

static TgRevision *
make_revision (const char   *record,
               const char   *parent1,
               const char   *parent2,
               const char   *kind,
               TgServerAuth *auth,
               gint64        device_seq,
               const char   *content)
{
  const char *parents[] = { parent1, parent2, NULL };

  return tg_revision_new (record, kind, parent1 ? parents : NULL, auth->device_id,
                          device_seq, g_get_real_time (), FALSE, content);
}

/* Pushes @n revisions (NULL-terminated varargs), each referring to the
 * blobs its content names. */
static JsonNode *
push (TgServerStore  *store,
      TgServerAuth   *auth,
      GError        **error,
      ...)
{
  g_autoptr(GPtrArray) revisions = g_ptr_array_new ();
  g_autoptr(GPtrArray) blobs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(TgServerPushResult) result = NULL;
  TgRevision *revision;
  va_list args;

  va_start (args, error);
  while ((revision = va_arg (args, TgRevision *)) != NULL)
    {
      g_ptr_array_add (revisions, revision);
      g_ptr_array_add (blobs, tg_server_content_blobs (tg_revision_get_content (revision), 1 << 20));
    }
  va_end (args);
  result = tg_server_store_push (store, auth, revisions, blobs, error);
  return result ? tg_server_push_result_to_json (result) : NULL;
}

/* A pull page, as the wire has it. */
static JsonNode *
pull (TgServerStore  *store,
      TgServerAuth   *auth,
      gint64          since,
      guint           limit,
      GError        **error)
{
  g_autoptr(TgServerPullPage) page = tg_server_store_pull (store, auth, since, limit, 0, error);

  return page ? tg_server_pull_page_to_json (page) : NULL;
}

static JsonArray *
member_array (JsonNode   *node,
              const char *name)
{
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  g_assert_true (json_object_has_member (json_node_get_object (node), name));
  return json_object_get_array_member (json_node_get_object (node), name);
}

static gint64
member_int (JsonNode   *node,
            const char *name)
{
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  g_assert_true (json_object_has_member (json_node_get_object (node), name));
  return json_object_get_int_member (json_node_get_object (node), name);
}

/* The seq the push reply gave @revision, or 0 when it was not accepted. */
static gint64
accepted_seq (JsonNode   *reply,
              TgRevision *revision)
{
  JsonArray *accepted = member_array (reply, "accepted");

  for (guint i = 0; i < json_array_get_length (accepted); i++)
    {
      JsonObject *entry = json_array_get_object_element (accepted, i);

      if (g_strcmp0 (json_object_get_string_member (entry, "id"), tg_revision_get_id (revision)) == 0)
        return json_object_get_int_member (entry, "seq");
    }
  return 0;
}

static const char *
rejected_reason (JsonNode   *reply,
                 TgRevision *revision)
{
  JsonArray *rejected = member_array (reply, "rejected");

  for (guint i = 0; i < json_array_get_length (rejected); i++)
    {
      JsonObject *entry = json_array_get_object_element (rejected, i);

      if (g_strcmp0 (json_object_get_string_member (entry, "id"), tg_revision_get_id (revision)) == 0)
        return json_object_get_string_member (entry, "reason");
    }
  return NULL;
}

static int
strv_cmp (const void *a,
          const void *b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

static JsonNode *
pull_all (TgServerStore *store,
          TgServerAuth  *auth)
{
  g_autoptr(GError) error = NULL;
  JsonNode *page = pull (store, auth, 0, 1000, &error);

  g_assert_no_error (error);
  g_assert_nonnull (page);
  return page;
}

/* The ids of the revisions in a pull page, sorted, joined by spaces. */
static char *
pulled_ids (JsonNode *page)
{
  JsonArray *revisions = member_array (page, "revisions");
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();

  for (guint i = 0; i < json_array_get_length (revisions); i++)
    g_ptr_array_add (ids, (char *) json_object_get_string_member (json_array_get_object_element (revisions, i), "id"));
  g_ptr_array_sort (ids, strv_cmp);
  g_ptr_array_add (ids, NULL);
  return g_strjoinv (" ", (char **) ids->pdata);
}

static char *
join_ids (TgRevision *a,
          ...)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  va_list args;

  va_start (args, a);
  for (TgRevision *r = a; r != NULL; r = va_arg (args, TgRevision *))
    g_ptr_array_add (ids, (char *) tg_revision_get_id (r));
  va_end (args);
  g_ptr_array_sort (ids, strv_cmp);
  g_ptr_array_add (ids, NULL);
  return g_strjoinv (" ", (char **) ids->pdata);
}

typedef struct
{
  GHashTable *heads;     /* record id → space-joined sorted head ids */
  GHashTable *n_heads;   /* record id → n_heads as reported */
} Heads;

static void
collect_head (const char *record_id,
              const char *kind,
              const char *revision_id,
              gint64      seq,
              guint       n_heads,
              const char *content,
              gpointer    user_data)
{
  Heads *heads = user_data;
  const char *before = g_hash_table_lookup (heads->heads, record_id);
  g_autofree char *joined = before ? g_strjoin (" ", before, revision_id, NULL) : g_strdup (revision_id);
  g_auto(GStrv) parts = g_strsplit (joined, " ", -1);

  qsort (parts, g_strv_length (parts), sizeof (char *), strv_cmp);
  g_hash_table_insert (heads->heads, g_strdup (record_id), g_strjoinv (" ", parts));
  g_hash_table_insert (heads->n_heads, g_strdup (record_id), GUINT_TO_POINTER (n_heads));
}

static Heads *
heads_new (TgServerStore *store)
{
  g_autoptr(GError) error = NULL;
  Heads *heads = g_new0 (Heads, 1);

  heads->heads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  heads->n_heads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_assert_true (tg_server_store_foreach_head (store, collect_head, heads, &error));
  g_assert_no_error (error);
  return heads;
}

static void
heads_free (Heads *heads)
{
  g_hash_table_unref (heads->heads);
  g_hash_table_unref (heads->n_heads);
  g_free (heads);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Heads, heads_free)

/* tests ------------------------------------------------------------------ */

static void
test_accounts (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgServerAuth) ana = NULL;
  g_autoptr(TgServerAuth) again = NULL;
  g_autoptr(JsonNode) devices = NULL;
  g_autoptr(JsonNode) stats = NULL;
  g_autofree char *code = NULL;
  g_autofree char *normal = NULL;
  g_autofree char *device_id = NULL;
  g_autofree char *token = NULL;
  JsonObject *device;

  ana = enrol (fx->store, "ana", TG_SERVER_ROLE_MONITOR);
  g_assert_cmpint (ana->user_id, >, 0);

  /* a name is taken once */
  g_assert_false (tg_server_store_add_user (fx->store, "ana", TG_SERVER_ROLE_COORDINATOR, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* no code for someone who is not there */
  code = tg_server_store_create_enrol_code (fx->store, "nadie", 3600, &error);
  g_assert_null (code);
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* a code enrols one device, once */
  code = tg_server_store_create_enrol_code (fx->store, "ana", 3600, &error);
  g_assert_no_error (error);
  normal = tg_server_normalize_code (code);
  g_assert_true (tg_server_store_enrol (fx->store, normal, "phone", &device_id, &token, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (device_id, !=, ana->device_id);
  again = tg_server_store_authenticate (fx->store, token, NULL);
  g_assert_nonnull (again);
  g_assert_cmpint (again->user_id, ==, ana->user_id);
  g_clear_pointer (&device_id, g_free);
  {
    g_autofree char *token2 = NULL;

    g_assert_false (tg_server_store_enrol (fx->store, normal, "tablet", &device_id, &token2, NULL, &error));
    g_assert_nonnull (error);
    g_assert_null (token2);
    g_clear_error (&error);
  }
  g_assert_false (tg_server_store_enrol (fx->store, "AAAABBBBCCCC", "tablet", &device_id, &token, NULL, &error) &&
                  error == NULL);
  g_clear_error (&error);

  /* an unknown token is nobody */
  g_assert_null (tg_server_store_authenticate (fx->store, "not-a-token", NULL));

  /* revoking the phone locks it out, and only it */
  g_assert_true (tg_server_store_revoke (fx->store, again->device_id, &error));
  g_assert_no_error (error);
  {
    g_autoptr(TgServerAuth) gone = tg_server_store_authenticate (fx->store, token, NULL);

    g_assert_null (gone);
  }
  g_assert_false (tg_server_store_revoke (fx->store, "no-such-device", &error) && error == NULL);
  g_clear_error (&error);

  devices = tg_server_store_list_devices (fx->store, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (devices));
  g_assert_cmpuint (json_array_get_length (json_node_get_array (devices)), ==, 2);
  /* listed in order of enrolment, the id breaking a tie within a second */
  for (guint i = 0; i < 2; i++)
    {
      device = json_array_get_object_element (json_node_get_array (devices), i);
      g_assert_cmpstr (json_object_get_string_member (device, "user"), ==, "ana");
      g_assert_cmpstr (json_object_get_string_member (device, "role"), ==, "monitor");
      if (g_strcmp0 (json_object_get_string_member (device, "id"), ana->device_id) == 0)
        {
          g_assert_cmpstr (json_object_get_string_member (device, "name"), ==, "laptop");
          g_assert_false (json_object_get_boolean_member (device, "revoked"));
        }
      else
        {
          g_assert_cmpstr (json_object_get_string_member (device, "id"), ==, again->device_id);
          g_assert_cmpstr (json_object_get_string_member (device, "name"), ==, "phone");
          g_assert_true (json_object_get_boolean_member (device, "revoked"));
        }
    }

  stats = tg_server_store_stats (fx->store, &error);
  g_assert_no_error (error);
  g_assert_cmpint (member_int (stats, "users"), ==, 1);
  g_assert_cmpint (member_int (stats, "monitors"), ==, 1);
  g_assert_cmpint (member_int (stats, "devices_active"), ==, 1);
  g_assert_cmpint (member_int (stats, "devices_revoked"), ==, 1);
  g_assert_cmpint (member_int (stats, "revisions"), ==, 0);
}

static void
test_push_pull (Fixture       *fx,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgServerAuth) ana = enrol (fx->store, "ana", TG_SERVER_ROLE_MONITOR);
  g_autofree char *record = g_uuid_string_random ();
  g_autofree char *record2 = g_uuid_string_random ();
  g_autoptr(TgRevision) r1 = make_revision (record, NULL, NULL, "report", ana, 1, "{\"title\":\"Puno\"}");
  g_autoptr(TgRevision) r2 = make_revision (record, tg_revision_get_id (r1), NULL, "report", ana, 2,
                                            "{\"title\":\"Puno, 9 de enero\"}");
  g_autoptr(TgRevision) r3 = make_revision (record2, NULL, NULL, "report", ana, 3, "{\"title\":\"Juliaca\"}");
  g_autoptr(TgRevision) orphan = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(JsonNode) page = NULL;
  g_autoptr(JsonNode) page1 = NULL;
  g_autoptr(JsonNode) page2 = NULL;
  g_autoptr(Heads) heads = NULL;
  g_autofree char *ids = NULL;
  g_autofree char *want = NULL;
  JsonObject *first;

  g_assert_cmpint (tg_server_store_get_last_seq (fx->store), ==, 0);

  /* the child before its parent: stored parents first all the same */
  reply = push (fx->store, ana, &error, r2, r1, r3, NULL);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (member_array (reply, "rejected")), ==, 0);
  g_assert_cmpint (accepted_seq (reply, r1), ==, 1);
  g_assert_cmpint (accepted_seq (reply, r2), ==, 2);
  g_assert_cmpint (accepted_seq (reply, r3), ==, 3);
  g_assert_cmpint (member_int (reply, "server_seq"), ==, 3);
  g_assert_cmpint (tg_server_store_get_last_seq (fx->store), ==, 3);

  /* the whole history comes back, byte for byte */
  page = pull_all (fx->store, ana);
  ids = pulled_ids (page);
  want = join_ids (r1, r2, r3, NULL);
  g_assert_cmpstr (ids, ==, want);
  first = json_array_get_object_element (member_array (page, "revisions"), 0);
  g_assert_cmpstr (json_object_get_string_member (first, "id"), ==, tg_revision_get_id (r1));
  g_assert_cmpstr (json_object_get_string_member (first, "content"), ==, tg_revision_get_content (r1));
  g_assert_cmpstr (json_object_get_string_member (first, "record"), ==, record);
  g_assert_cmpint (json_object_get_int_member (first, "server_seq"), ==, 1);
  g_assert_cmpint (member_int (page, "next"), ==, 3);
  g_assert_false (json_object_get_boolean_member (json_node_get_object (page), "more"));
  g_assert_cmpuint (json_array_get_length (member_array (page, "conflicts")), ==, 0);

  /* the page as the store returns it, before any JSON */
  {
    g_autoptr(TgServerPullPage) raw = tg_server_store_pull (fx->store, ana, 0, 1000, 0, &error);
    TgServerPulledRevision *second;

    g_assert_no_error (error);
    g_assert_cmpuint (raw->revisions->len, ==, 3);
    g_assert_cmpuint (raw->conflicts->len, ==, 0);
    g_assert_cmpint (raw->next, ==, 3);
    g_assert_false (raw->more);
    g_assert_cmpint (raw->server_seq, ==, 3);
    second = g_ptr_array_index (raw->revisions, 1);
    g_assert_cmpstr (second->id, ==, tg_revision_get_id (r2));
    g_assert_cmpint (second->seq, ==, 2);
    g_assert_cmpuint (g_strv_length (second->parents), ==, 1);
    g_assert_cmpstr (second->parents[0], ==, tg_revision_get_id (r1));
    g_assert_cmpstr (second->content, ==, tg_revision_get_content (r2));
    g_assert_cmpuint (g_strv_length (((TgServerPulledRevision *) g_ptr_array_index (raw->revisions, 0))->parents), ==, 0);
  }

  /* pages: one at a time, then the rest */
  page1 = pull (fx->store, ana, 0, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (member_array (page1, "revisions")), ==, 1);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (page1), "more"));
  g_assert_cmpint (member_int (page1, "next"), ==, 1);
  page2 = pull (fx->store, ana, 1, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (member_array (page2, "revisions")), ==, 2);
  g_assert_false (json_object_get_boolean_member (json_node_get_object (page2), "more"));

  /* heads: the child replaced its parent */
  heads = heads_new (fx->store);
  g_assert_cmpuint (g_hash_table_size (heads->heads), ==, 2);
  g_assert_cmpstr (g_hash_table_lookup (heads->heads, record), ==, tg_revision_get_id (r2));
  g_assert_cmpstr (g_hash_table_lookup (heads->heads, record2), ==, tg_revision_get_id (r3));
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (heads->n_heads, record)), ==, 1);

  /* a parent nobody has: rejected with a reason, nothing stored */
  {
    g_autofree char *ghost = g_strnfill (64, 'a');

    orphan = make_revision (record, ghost, NULL, "report", ana, 4, "{\"title\":\"?\"}");
  }
  g_clear_pointer (&reply, json_node_unref);
  reply = push (fx->store, ana, &error, orphan, NULL);
  g_assert_no_error (error);
  g_assert_cmpint (accepted_seq (reply, orphan), ==, 0);
  g_assert_cmpstr (rejected_reason (reply, orphan), ==, "unknown parent");
  g_assert_cmpint (tg_server_store_get_last_seq (fx->store), ==, 3);
}

/* A second device of @user. */
static TgServerAuth *
enrol_another (TgServerStore *store,
               const char    *user)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *code = tg_server_store_create_enrol_code (store, user, 3600, &error);
  g_autofree char *normal = NULL;
  g_autofree char *device_id = NULL;
  g_autofree char *token = NULL;

  g_assert_no_error (error);
  normal = tg_server_normalize_code (code);
  g_assert_true (tg_server_store_enrol (store, normal, "desktop", &device_id, &token, NULL, &error));
  g_assert_no_error (error);
  return tg_server_store_authenticate (store, token, NULL);
}

/* own_through leaves out what the caller's device pushed up to that seq
 * (it holds them), never another device's, never what it pushed later
 * (a store restored from an older backup says a smaller own_through and
 * gets those back), and moves the cursor past what it left out. */
static void
test_pull_own_through (Fixture       *fx,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgServerAuth) laptop = enrol (fx->store, "ana", TG_SERVER_ROLE_MONITOR);
  g_autoptr(TgServerAuth) desktop = enrol_another (fx->store, "ana");
  g_autoptr(TgServerAuth) coco = enrol (fx->store, "coco", TG_SERVER_ROLE_COORDINATOR);
  g_autofree char *record = g_uuid_string_random ();
  g_autofree char *record2 = g_uuid_string_random ();
  g_autoptr(TgRevision) r1 = make_revision (record, NULL, NULL, "report", laptop, 1, "{\"title\":\"Puno\"}");
  g_autoptr(TgRevision) r2 = make_revision (record, tg_revision_get_id (r1), NULL, "report", desktop, 1,
                                            "{\"title\":\"Puno, 9 de enero\"}");
  g_autoptr(TgRevision) r3 = make_revision (record2, NULL, NULL, "report", laptop, 2, "{\"title\":\"Juliaca\"}");
  g_autoptr(TgRevision) r4 = make_revision (record2, tg_revision_get_id (r3), NULL, "report", laptop, 3,
                                            "{\"title\":\"Juliaca, 10 de enero\"}");
  g_autoptr(JsonNode) reply = NULL;

  g_assert_nonnull (desktop);
  reply = push (fx->store, laptop, &error, r1, NULL);
  g_assert_no_error (error);
  g_clear_pointer (&reply, json_node_unref);
  reply = push (fx->store, desktop, &error, r2, NULL);
  g_assert_no_error (error);
  g_clear_pointer (&reply, json_node_unref);
  reply = push (fx->store, laptop, &error, r3, r4, NULL);
  g_assert_no_error (error);
  g_assert_cmpint (tg_server_store_get_last_seq (fx->store), ==, 4);

  /* the laptop holds what it pushed up to 4: only the desktop's comes */
  {
    g_autoptr(TgServerPullPage) page = tg_server_store_pull (fx->store, laptop, 0, 1000, 4, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (page->revisions->len, ==, 1);
    g_assert_cmpstr (((TgServerPulledRevision *) page->revisions->pdata[0])->id, ==, tg_revision_get_id (r2));
    g_assert_false (page->more);
    g_assert_cmpint (page->next, ==, 4);
  }
  /* restored from a backup taken after seq 1: r3 and r4 come back */
  {
    g_autoptr(TgServerPullPage) page = tg_server_store_pull (fx->store, laptop, 0, 1000, 1, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (page->revisions->len, ==, 3);
    g_assert_cmpint (page->next, ==, 4);
  }
  /* a page cut by limit: next is the last revision on it, the rest next time */
  {
    g_autoptr(TgServerPullPage) page = tg_server_store_pull (fx->store, laptop, 0, 1, 3, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (page->revisions->len, ==, 1);
    g_assert_true (page->more);
    g_assert_cmpint (page->next, ==, 2);
  }
  /* another device (the desktop) and another account (a coordinator)
   * get everything they may see, whatever own_through they name */
  {
    g_autoptr(TgServerPullPage) page = tg_server_store_pull (fx->store, desktop, 0, 1000, 4, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (page->revisions->len, ==, 3);
  }
  {
    g_autoptr(TgServerPullPage) page = tg_server_store_pull (fx->store, coco, 0, 1000, 4, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (page->revisions->len, ==, 4);
  }
}

static void
test_idempotent (Fixture       *fx,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgServerAuth) ana = enrol (fx->store, "ana", TG_SERVER_ROLE_MONITOR);
  g_autofree char *record = g_uuid_string_random ();
  g_autoptr(TgRevision) r1 = make_revision (record, NULL, NULL, "report", ana, 1, "{\"title\":\"Puno\"}");
  g_autoptr(TgRevision) r2 = make_revision (record, tg_revision_get_id (r1), NULL, "report", ana, 2, "{\"title\":\"Ilave\"}");
  g_autoptr(JsonNode) first = NULL;
  g_autoptr(JsonNode) second = NULL;
  g_autoptr(JsonNode) third = NULL;
  g_autoptr(JsonNode) page = NULL;
  g_autoptr(JsonNode) stats = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;

  first = push (fx->store, ana, &error, r1, NULL);
  g_assert_no_error (error);
  second = push (fx->store, ana, &error, r1, NULL);
  g_assert_no_error (error);

  /* the same push twice: the same reply, one revision */
  a = json_to_string (first, FALSE);
  b = json_to_string (second, FALSE);
  g_assert_cmpstr (a, ==, b);
  g_assert_cmpint (accepted_seq (second, r1), ==, 1);
  g_assert_cmpint (tg_server_store_get_last_seq (fx->store), ==, 1);

  /* a retried batch with one new revision: the known one keeps its seq */
  third = push (fx->store, ana, &error, r1, r2, NULL);
  g_assert_no_error (error);
  g_assert_cmpint (accepted_seq (third, r1), ==, 1);
  g_assert_cmpint (accepted_seq (third, r2), ==, 2);

  page = pull_all (fx->store, ana);
  g_assert_cmpuint (json_array_get_length (member_array (page, "revisions")), ==, 2);
  stats = tg_server_store_stats (fx->store, &error);
  g_assert_no_error (error);
  g_assert_cmpint (member_int (stats, "revisions"), ==, 2);
  g_assert_cmpint (member_int (stats, "records"), ==, 1);
}

static void
test_heads (Fixture       *fx,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgServerAuth) ana = enrol (fx->store, "ana", TG_SERVER_ROLE_MONITOR);
  g_autofree char *record = g_uuid_string_random ();
  g_autoptr(TgRevision) root = make_revision (record, NULL, NULL, "report", ana, 1, "{\"killed\":17}");
  g_autoptr(TgRevision) a = make_revision (record, tg_revision_get_id (root), NULL, "report", ana, 2, "{\"killed\":18}");
  g_autoptr(TgRevision) b = make_revision (record, tg_revision_get_id (root), NULL, "report", ana, 3, "{\"killed\":19}");
  g_autoptr(TgRevision) merge = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(JsonNode) merged = NULL;
  g_autoptr(JsonNode) page = NULL;
  g_autoptr(JsonNode) after = NULL;
  g_autoptr(JsonNode) stats = NULL;
  g_autoptr(Heads) two = NULL;
  g_autoptr(Heads) one = NULL;
  g_autofree char *want = join_ids (a, b, NULL);
  JsonArray *conflicts;
  JsonArray *conflict_heads;

  reply = push (fx->store, ana, &error, root, a, b, NULL);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (member_array (reply, "accepted")), ==, 3);

  /* two concurrent edits: two heads, and pull names the conflict */
  two = heads_new (fx->store);
  g_assert_cmpstr (g_hash_table_lookup (two->heads, record), ==, want);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (two->n_heads, record)), ==, 2);
  page = pull_all (fx->store, ana);
  conflicts = member_array (page, "conflicts");
  g_assert_cmpuint (json_array_get_length (conflicts), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (conflicts, 0), "record"), ==, record);
  conflict_heads = json_object_get_array_member (json_array_get_object_element (conflicts, 0), "heads");
  g_assert_cmpuint (json_array_get_length (conflict_heads), ==, 2);
  {
    g_autofree char *listed = g_strjoin (" ", json_array_get_string_element (conflict_heads, 0),
                                         json_array_get_string_element (conflict_heads, 1), NULL);

    g_assert_cmpstr (listed, ==, want);
  }
  stats = tg_server_store_stats (fx->store, &error);
  g_assert_no_error (error);
  g_assert_cmpint (member_int (stats, "records_in_conflict"), ==, 1);

  /* a merge naming both heads leaves one */
  merge = make_revision (record, tg_revision_get_id (a), tg_revision_get_id (b), "report", ana, 4, "{\"killed\":19}");
  merged = push (fx->store, ana, &error, merge, NULL);
  g_assert_no_error (error);
  g_assert_cmpint (accepted_seq (merged, merge), ==, 4);
  one = heads_new (fx->store);
  g_assert_cmpstr (g_hash_table_lookup (one->heads, record), ==, tg_revision_get_id (merge));
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (one->n_heads, record)), ==, 1);
  after = pull (fx->store, ana, 3, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (member_array (after, "conflicts")), ==, 0);
}

static void
test_roles (Fixture       *fx,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgServerAuth) ana = enrol (fx->store, "ana", TG_SERVER_ROLE_MONITOR);
  g_autoptr(TgServerAuth) beto = enrol (fx->store, "beto", TG_SERVER_ROLE_MONITOR);
  g_autoptr(TgServerAuth) coco = enrol (fx->store, "coco", TG_SERVER_ROLE_COORDINATOR);
  g_autoptr(TgServerAuth) root = enrol (fx->store, "root", TG_SERVER_ROLE_ADMIN);
  g_autofree char *record = g_uuid_string_random ();
  g_autofree char *incident = g_uuid_string_random ();
  g_autoptr(TgRevision) own = make_revision (record, NULL, NULL, "report", ana, 1, "{\"title\":\"Puno\"}");
  g_autoptr(TgRevision) beto_edit = make_revision (record, tg_revision_get_id (own), NULL, "report", beto, 1, "{}");
  g_autoptr(TgRevision) coco_edit = make_revision (record, tg_revision_get_id (own), NULL, "report", coco, 1,
                                                   "{\"title\":\"Puno (checked)\"}");
  g_autoptr(TgRevision) incident_m = make_revision (incident, NULL, NULL, "incident", ana, 2, "{}");
  g_autoptr(TgRevision) incident_c = make_revision (incident, NULL, NULL, "incident", coco, 2, "{}");
  g_autoptr(TgRevision) root_rev = make_revision (incident, NULL, NULL, "report", root, 1, "{}");
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(JsonNode) ana_view = NULL;
  g_autoptr(JsonNode) beto_view = NULL;
  g_autoptr(JsonNode) coco_view = NULL;
  g_autofree char *ids = NULL;
  g_autofree char *want = NULL;
  JsonNode *refused;

  reply = push (fx->store, ana, &error, own, NULL);
  g_assert_no_error (error);
  g_assert_cmpint (accepted_seq (reply, own), ==, 1);

  /* a monitor may not touch another monitor's record */
  refused = push (fx->store, beto, &error, beto_edit, NULL);
  g_assert_null (refused);
  g_assert_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_FORBIDDEN);
  g_clear_error (&error);

  /* nor push an incident; a coordinator may do both */
  refused = push (fx->store, ana, &error, incident_m, NULL);
  g_assert_null (refused);
  g_assert_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_FORBIDDEN);
  g_clear_error (&error);
  g_clear_pointer (&reply, json_node_unref);
  reply = push (fx->store, coco, &error, coco_edit, incident_c, NULL);
  g_assert_no_error (error);
  g_assert_cmpint (accepted_seq (reply, coco_edit), ==, 2);
  g_assert_cmpint (accepted_seq (reply, incident_c), ==, 3);

  /* an admin neither pushes nor pulls */
  refused = push (fx->store, root, &error, root_rev, NULL);
  g_assert_null (refused);
  g_assert_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_FORBIDDEN);
  g_clear_error (&error);
  refused = pull (fx->store, root, 0, 100, &error);
  g_assert_null (refused);
  g_assert_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_FORBIDDEN);
  g_clear_error (&error);
  g_assert_cmpint (tg_server_store_get_last_seq (fx->store), ==, 3);

  /* a monitor pulls their own records (with the coordinator's edit on
   * them), another monitor nothing, a coordinator everything */
  ana_view = pull_all (fx->store, ana);
  ids = pulled_ids (ana_view);
  want = join_ids (own, coco_edit, NULL);
  g_assert_cmpstr (ids, ==, want);
  beto_view = pull_all (fx->store, beto);
  g_assert_cmpuint (json_array_get_length (member_array (beto_view, "revisions")), ==, 0);
  coco_view = pull_all (fx->store, coco);
  g_clear_pointer (&ids, g_free);
  g_clear_pointer (&want, g_free);
  ids = pulled_ids (coco_view);
  want = join_ids (own, coco_edit, incident_c, NULL);
  g_assert_cmpstr (ids, ==, want);

  /* an incident revision naming more reports than the cap is rejected,
   * nothing stored; one at the cap is stored */
  {
    for (guint n = TG_SERVER_MAX_INCIDENT_MEMBERS; n <= TG_SERVER_MAX_INCIDENT_MEMBERS + 1; n++)
      {
        g_autoptr(GString) content = g_string_new ("{\"members\":[");
        g_autofree char *big_id = g_uuid_string_random ();
        g_autoptr(TgRevision) big = NULL;
        g_autoptr(JsonNode) big_reply = NULL;
        gint64 last = tg_server_store_get_last_seq (fx->store);

        for (guint i = 0; i < n; i++)
          g_string_append_printf (content, "%s{\"report\":\"r-%u\"}", i ? "," : "", i);
        g_string_append (content, "]}");
        big = make_revision (big_id, NULL, NULL, "incident", coco, 3 + n - TG_SERVER_MAX_INCIDENT_MEMBERS,
                             content->str);
        big_reply = push (fx->store, coco, &error, big, NULL);
        g_assert_no_error (error);
        if (n > TG_SERVER_MAX_INCIDENT_MEMBERS)
          {
            g_assert_cmpstr (rejected_reason (big_reply, big), ==, "too many members");
            g_assert_cmpint (tg_server_store_get_last_seq (fx->store), ==, last);
          }
        else
          {
            g_assert_cmpint (accepted_seq (big_reply, big), ==, last + 1);
          }
      }
  }

  g_assert_cmpstr (tg_server_role_to_string (TG_SERVER_ROLE_COORDINATOR), ==, "coordinator");
  {
    TgServerRole role = TG_SERVER_ROLE_MONITOR;

    g_assert_true (tg_server_role_from_string ("admin", &role));
    g_assert_cmpint (role, ==, TG_SERVER_ROLE_ADMIN);
    g_assert_false (tg_server_role_from_string ("root", &role));
  }
}

static void
test_blobs (Fixture       *fx,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgServerAuth) ana = enrol (fx->store, "ana", TG_SERVER_ROLE_MONITOR);
  g_autoptr(TgServerAuth) beto = enrol (fx->store, "beto", TG_SERVER_ROLE_MONITOR);
  g_autoptr(TgServerAuth) coco = enrol (fx->store, "coco", TG_SERVER_ROLE_COORDINATOR);
  g_autofree char *sha = tg_server_sha256_hex ("photo", 5);
  g_autofree char *content = g_strdup_printf ("{\"sources\":[{\"sha256\":\"%s\"}]}", sha);
  g_autofree char *record = g_uuid_string_random ();
  g_autofree char *record2 = g_uuid_string_random ();
  g_autoptr(TgRevision) r1 = make_revision (record, NULL, NULL, "report", ana, 1, content);
  g_autoptr(TgRevision) r2 = make_revision (record2, NULL, NULL, "report", beto, 1, content);
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(JsonNode) probe = NULL;
  g_autoptr(JsonNode) stats = NULL;
  JsonArray *missing;

  g_assert_cmpuint (strlen (sha), ==, 64);

  /* a revision naming a file the server lacks asks for it */
  reply = push (fx->store, ana, &error, r1, NULL);
  g_assert_no_error (error);
  missing = member_array (reply, "missing_blobs");
  g_assert_cmpuint (json_array_get_length (missing), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (missing, 0), ==, sha);
  g_assert_false (tg_server_store_blob_is_complete (fx->store, sha));
  g_assert_true (tg_server_store_blob_visible (fx->store, ana, sha));
  g_assert_false (tg_server_store_blob_visible (fx->store, beto, sha));
  g_assert_true (tg_server_store_blob_visible (fx->store, coco, sha));

  /* ana uploads it */
  g_assert_true (tg_server_store_blob_set_complete (fx->store, sha, 5, &error));
  g_assert_no_error (error);
  g_assert_true (tg_server_store_blob_add_holder (fx->store, sha, ana->user_id, &error));
  g_assert_no_error (error);
  g_assert_true (tg_server_store_blob_is_complete (fx->store, sha));
  g_assert_true (tg_server_store_blob_held (fx->store, ana, sha));
  g_assert_true (tg_server_store_blob_held (fx->store, coco, sha));
  g_assert_false (tg_server_store_blob_held (fx->store, beto, sha));

  /* beto naming the same file is told it is missing, as if unknown */
  probe = push (fx->store, beto, &error, r2, NULL);
  g_assert_no_error (error);
  missing = member_array (probe, "missing_blobs");
  g_assert_cmpuint (json_array_get_length (missing), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (missing, 0), ==, sha);
  g_assert_false (tg_server_store_blob_held (fx->store, beto, sha));

  stats = tg_server_store_stats (fx->store, &error);
  g_assert_no_error (error);
  g_assert_cmpint (member_int (stats, "blobs_complete"), ==, 1);
  g_assert_cmpint (member_int (stats, "blob_bytes"), ==, 5);
  g_assert_cmpint (member_int (stats, "blobs_missing"), ==, 0);
}

static void
test_backup (Fixture       *fx,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgServerAuth) ana = enrol (fx->store, "ana", TG_SERVER_ROLE_MONITOR);
  g_autofree char *record = g_uuid_string_random ();
  g_autoptr(TgRevision) r1 = make_revision (record, NULL, NULL, "report", ana, 1, "{\"title\":\"Puno\"}");
  g_autoptr(TgRevision) r2 = make_revision (record, tg_revision_get_id (r1), NULL, "report", ana, 2, "{\"title\":\"Ilave\"}");
  g_autoptr(TgRevision) later = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(JsonNode) reply2 = NULL;
  g_autoptr(JsonNode) copy_page = NULL;
  g_autoptr(JsonNode) page = NULL;
  g_autoptr(TgServerStore) copy = NULL;
  g_autoptr(TgServerAuth) ana_copy = NULL;
  g_autofree char *dest = g_build_filename (fx->dir, "backup.db", NULL);
  g_autofree char *junk = g_build_filename (fx->dir, "junk.db", NULL);
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;

  reply = push (fx->store, ana, &error, r1, r2, NULL);
  g_assert_no_error (error);

  g_assert_true (tg_server_store_backup (fx->store, dest, &error));
  g_assert_no_error (error);
  /* never over an existing file */
  g_assert_false (tg_server_store_backup (fx->store, dest, &error));
  g_assert_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_CONFLICT);
  g_clear_error (&error);

  /* the copy holds the same history */
  copy = tg_server_store_open (dest, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tg_server_store_get_last_seq (copy), ==, 2);
  ana_copy = g_new0 (TgServerAuth, 1);
  ana_copy->user_id = ana->user_id;
  ana_copy->device_id = g_strdup (ana->device_id);
  ana_copy->role = ana->role;
  copy_page = pull_all (copy, ana_copy);
  page = pull_all (fx->store, ana);
  a = json_to_string (json_object_get_member (json_node_get_object (copy_page), "revisions"), FALSE);
  b = json_to_string (json_object_get_member (json_node_get_object (page), "revisions"), FALSE);
  g_assert_cmpstr (a, ==, b);
  g_clear_object (&copy);

  /* a file that is not a database is refused, and nothing is lost */
  g_assert_true (g_file_set_contents (junk, "not a database, not at all, no", -1, NULL));
  g_assert_false (tg_server_store_restore (fx->store, junk, &error));
  g_assert_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST);
  g_clear_error (&error);
  g_assert_cmpint (tg_server_store_get_last_seq (fx->store), ==, 2);

  /* restoring the backup takes back what was pushed after it */
  later = make_revision (record, tg_revision_get_id (r2), NULL, "report", ana, 3, "{\"title\":\"Ilave, tarde\"}");
  reply2 = push (fx->store, ana, &error, later, NULL);
  g_assert_no_error (error);
  g_assert_cmpint (tg_server_store_get_last_seq (fx->store), ==, 3);
  g_assert_true (tg_server_store_restore (fx->store, dest, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tg_server_store_get_last_seq (fx->store), ==, 2);
  {
    g_autoptr(JsonNode) restored = NULL;
    g_autofree char *c = NULL;

    restored = pull_all (fx->store, ana);
    c = json_to_string (json_object_get_member (json_node_get_object (restored), "revisions"), FALSE);
    g_assert_cmpstr (c, ==, b);
  }
}

/* A table dropped behind the store's back: the push that needs it fails
 * with an error (no abort), stores nothing, and the store goes on. */
static void
test_broken_table (Fixture       *fx,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgServerAuth) ana = enrol (fx->store, "ana", TG_SERVER_ROLE_MONITOR);
  g_autofree char *sha = tg_server_sha256_hex ("photo", 5);
  g_autofree char *content = g_strdup_printf ("{\"sources\":[{\"sha256\":\"%s\"}]}", sha);
  g_autofree char *record = g_uuid_string_random ();
  g_autoptr(TgRevision) r1 = make_revision (record, NULL, NULL, "report", ana, 1, "{}");
  g_autoptr(TgRevision) r2 = make_revision (record, tg_revision_get_id (r1), NULL, "report", ana, 2, content);
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(JsonNode) page = NULL;
  g_autoptr(JsonNode) stats = NULL;
  JsonNode *failed;
  sqlite3 *db = NULL;

  reply = push (fx->store, ana, &error, r1, NULL);
  g_assert_no_error (error);

  g_assert_cmpint (sqlite3_open_v2 (tg_server_store_get_path (fx->store), &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "DROP TABLE blob_refs", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  failed = push (fx->store, ana, &error, r2, NULL);
  g_assert_null (failed);
  g_assert_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL);
  g_assert_cmpuint (tg_server_error_to_status (error), ==, 500);
  g_clear_error (&error);

  /* rolled back: one revision, and the store still answers */
  g_assert_cmpint (tg_server_store_get_last_seq (fx->store), ==, 1);
  page = pull_all (fx->store, ana);
  g_assert_cmpuint (json_array_get_length (member_array (page, "revisions")), ==, 1);
  /* the statistics count missing blobs from the dropped table: an
   * error too, not an abort */
  stats = tg_server_store_stats (fx->store, &error);
  g_assert_null (stats);
  g_assert_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL);
}

/* The schema today's testigo-server (user_version 2) writes, as it was
 * when the store moved onto the shared SQLite layer (src/core/db): a
 * fixture, so that a change of the store's DDL cannot pass unnoticed.
 *
 * It repeats schema_v1 and schema_v2 of tg-server-store.c on purpose and
 * must not be taken from there: it stands for the databases already on
 * servers, which a later edit of the source's DDL does not change. Were
 * it the source's own text, such an edit would change the "old" database
 * too, and test_open_existing could no longer catch it. */
static const char legacy_schema[] =
  "CREATE TABLE users ("
  "  id INTEGER PRIMARY KEY,"
  "  name TEXT NOT NULL UNIQUE,"
  "  role TEXT NOT NULL CHECK (role IN ('monitor', 'coordinator', 'admin')),"
  "  created_at INTEGER NOT NULL);"
  "CREATE TABLE devices ("
  "  id TEXT PRIMARY KEY,"
  "  user_id INTEGER NOT NULL REFERENCES users (id),"
  "  name TEXT NOT NULL,"
  "  token_sha256 TEXT NOT NULL UNIQUE,"
  "  created_at INTEGER NOT NULL,"
  "  last_seen INTEGER,"
  "  revoked_at INTEGER);"
  "CREATE TABLE enrol_codes ("
  "  code_sha256 TEXT PRIMARY KEY,"
  "  user_id INTEGER NOT NULL REFERENCES users (id),"
  "  created_at INTEGER NOT NULL,"
  "  expires_at INTEGER NOT NULL,"
  "  used_at INTEGER,"
  "  device_id TEXT REFERENCES devices (id));"
  "CREATE TABLE records ("
  "  id TEXT PRIMARY KEY,"
  "  kind TEXT NOT NULL,"
  "  owner_user_id INTEGER NOT NULL REFERENCES users (id),"
  "  created_seq INTEGER NOT NULL);"
  "CREATE INDEX records_owner ON records (owner_user_id);"
  "CREATE TABLE revisions ("
  "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  id TEXT NOT NULL UNIQUE,"
  "  record_id TEXT NOT NULL REFERENCES records (id),"
  "  kind TEXT NOT NULL,"
  "  parents TEXT NOT NULL,"
  "  device TEXT NOT NULL,"
  "  device_seq INTEGER NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  deleted INTEGER NOT NULL,"
  "  content TEXT NOT NULL,"
  "  pushed_by_device TEXT REFERENCES devices (id),"
  "  received_at INTEGER NOT NULL);"
  "CREATE INDEX revisions_record ON revisions (record_id, seq);"
  "CREATE TABLE parents ("
  "  revision_id TEXT NOT NULL REFERENCES revisions (id),"
  "  parent_id TEXT NOT NULL REFERENCES revisions (id),"
  "  PRIMARY KEY (revision_id, parent_id)) WITHOUT ROWID;"
  "CREATE TABLE heads ("
  "  record_id TEXT NOT NULL REFERENCES records (id),"
  "  revision_id TEXT NOT NULL REFERENCES revisions (id),"
  "  PRIMARY KEY (record_id, revision_id)) WITHOUT ROWID;"
  "CREATE TABLE blobs ("
  "  sha256 TEXT PRIMARY KEY,"
  "  size INTEGER,"
  "  complete INTEGER NOT NULL DEFAULT 0,"
  "  created_at INTEGER NOT NULL,"
  "  completed_at INTEGER);"
  "CREATE TABLE blob_refs ("
  "  sha256 TEXT NOT NULL,"
  "  record_id TEXT NOT NULL REFERENCES records (id),"
  "  PRIMARY KEY (sha256, record_id)) WITHOUT ROWID;"
  "CREATE TABLE audit ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  at INTEGER NOT NULL,"
  "  user_id INTEGER,"
  "  device_id TEXT,"
  "  action TEXT NOT NULL,"
  "  detail TEXT);"
  "CREATE TABLE blob_holders ("
  "  sha256 TEXT NOT NULL,"
  "  user_id INTEGER NOT NULL REFERENCES users (id),"
  "  PRIMARY KEY (sha256, user_id)) WITHOUT ROWID;";

/* Every table's and index's SQL, in name order, and user_version. */
static char *
schema_dump (const char *path)
{
  GString *dump = g_string_new (NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT type, name, coalesce(sql, '') FROM sqlite_master ORDER BY name",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (dump, "%s %s %s\n", sqlite3_column_text (stmt, 0),
                            sqlite3_column_text (stmt, 1), sqlite3_column_text (stmt, 2));
  sqlite3_finalize (stmt);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_string_append_printf (dump, "user_version %d\n", sqlite3_column_int (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return g_string_free (dump, FALSE);
}

/* A database the server wrote before the store moved onto the shared
 * SQLite layer (version 2) opens with its data as it was: its accounts,
 * revisions, heads and blob holders read as before. Version 3 adds the
 * incident membership tables only, filled from the incident revisions it
 * holds (the monitor whose report an old incident holds pulls it); a
 * second open changes nothing. */
static void
test_open_existing (Fixture       *fx,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (fx->dir, "legacy.db", NULL);
  g_autofree char *token_hash = tg_server_sha256_hex ("legacy-token", 12);
  g_autofree char *sha = tg_server_sha256_hex ("photo", 5);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *data_sql = NULL;
  g_autoptr(TgServerStore) store = NULL;
  g_autoptr(TgServerAuth) auth = NULL;
  g_autoptr(JsonNode) page = NULL;
  JsonArray *revisions;
  JsonObject *revision;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, legacy_schema, NULL, NULL, NULL), ==, SQLITE_OK);
  data_sql = g_strdup_printf (
    "INSERT INTO users VALUES (1, 'ana', 'monitor', 1700000000);"
    "INSERT INTO devices VALUES ('dev-1', 1, 'laptop', '%s', 1700000000, NULL, NULL);"
    "INSERT INTO records VALUES ('rec-1', 'report', 1, 1);"
    "INSERT INTO revisions (id, record_id, kind, parents, device, device_seq, created_at, deleted,"
    "                       content, pushed_by_device, received_at)"
    "  VALUES ('rev-1', 'rec-1', 'report', '', 'dev-1', 1, 1700000001, 0, '{\"title\":\"old\"}', 'dev-1', 1700000002);"
    "INSERT INTO heads VALUES ('rec-1', 'rev-1');"
    "INSERT INTO users VALUES (2, 'coco', 'coordinator', 1700000000);"
    "INSERT INTO devices VALUES ('dev-2', 2, 'desk', 'x', 1700000000, NULL, NULL);"
    "INSERT INTO records VALUES ('inc-1', 'incident', 2, 2);"
    "INSERT INTO revisions (id, record_id, kind, parents, device, device_seq, created_at, deleted,"
    "                       content, pushed_by_device, received_at)"
    "  VALUES ('rev-2', 'inc-1', 'incident', '', 'dev-2', 1, 1700000005, 0,"
    "          '{\"members\":[{\"report\":\"rec-1\",\"revision\":\"rev-1\",\"tombstoned\":false}]}',"
    "          'dev-2', 1700000006);"
    "INSERT INTO heads VALUES ('inc-1', 'rev-2');"
    "INSERT INTO blobs VALUES ('%s', 5, 1, 1700000003, 1700000004);"
    "INSERT INTO blob_holders VALUES ('%s', 1);"
    "PRAGMA user_version = 2;",
    token_hash, sha, sha);
  g_assert_cmpint (sqlite3_exec (db, data_sql, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
  before = schema_dump (path);
  g_assert_nonnull (strstr (before, "user_version 2\n"));

  store = tg_server_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (store);

  /* the data reads as before */
  auth = tg_server_store_authenticate (store, "legacy-token", NULL);
  g_assert_nonnull (auth);
  g_assert_cmpstr (auth->device_id, ==, "dev-1");
  g_assert_cmpint (auth->role, ==, TG_SERVER_ROLE_MONITOR);
  g_assert_cmpint (tg_server_store_get_last_seq (store), ==, 2);
  page = pull_all (store, auth);
  revisions = member_array (page, "revisions");
  g_assert_cmpuint (json_array_get_length (revisions), ==, 2);
  revision = json_array_get_object_element (revisions, 0);
  g_assert_cmpstr (json_object_get_string_member (revision, "id"), ==, "rev-1");
  revision = json_array_get_object_element (revisions, 1);
  g_assert_cmpstr (json_object_get_string_member (revision, "id"), ==, "rev-2");
  g_assert_true (tg_server_store_blob_held (store, auth, sha));
  g_assert_true (tg_server_store_blob_is_complete (store, sha));
  g_clear_object (&store);

  /* only the version 3 tables were added */
  after = schema_dump (path);
  g_assert_nonnull (strstr (after, "user_version 3\n"));
  g_assert_nonnull (strstr (after, "table incident_members "));
  g_assert_nonnull (strstr (after, "table revision_readers "));
  {
    g_autofree char *again = NULL;

    store = tg_server_store_open (path, &error);
    g_assert_no_error (error);
    g_clear_object (&store);
    again = schema_dump (path);
    g_assert_cmpstr (again, ==, after);
  }
  {
    g_autofree char *trimmed = g_strdup (after);
    char *mark;

    /* everything else as it was */
    while ((mark = strstr (trimmed, "table incident_members ")) || (mark = strstr (trimmed, "index incident_members_report "))
           || (mark = strstr (trimmed, "table revision_readers ")))
      memmove (mark, strchr (mark, '\n') + 1, strlen (strchr (mark, '\n') + 1) + 1);
    mark = strstr (trimmed, "user_version 3");
    mark[strlen ("user_version ")] = '2';
    g_assert_cmpstr (trimmed, ==, before);
  }
}

/* A statement that cannot run (its table gone) is a GError from the
 * shared layer, in the store's domain, never an abort; a file that is not
 * a database at all refuses to open with an error too. */
static void
test_statement_error (Fixture       *fx,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *garbage = g_build_filename (fx->dir, "garbage.db", NULL);
  g_autoptr(TgServerStore) broken = NULL;
  g_autoptr(JsonNode) devices = NULL;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (tg_server_store_get_path (fx->store), &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "DROP TABLE enrol_codes", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  g_assert_true (tg_server_store_add_user (fx->store, "ana", TG_SERVER_ROLE_MONITOR, &error));
  g_assert_no_error (error);
  /* the statement was never prepared before: preparing it fails */
  g_assert_null (tg_server_store_create_enrol_code (fx->store, "ana", 3600, &error));
  g_assert_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL);
  g_assert_nonnull (strstr (error->message, "enrol_codes"));
  g_assert_cmpuint (tg_server_error_to_status (error), ==, 500);
  g_clear_error (&error);

  /* the store goes on: other statements still run */
  devices = tg_server_store_list_devices (fx->store, &error);
  g_assert_no_error (error);
  g_assert_nonnull (devices);

  /* a damaged file: not a database */
  g_assert_true (g_file_set_contents (garbage, "this is not an SQLite database, not at all......"
                                      "................................................", -1, NULL));
  broken = tg_server_store_open (garbage, &error);
  g_assert_null (broken);
  g_assert_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL);
  g_assert_nonnull (strstr (error->message, garbage));
}

/* With background checkpoints on, the server's threshold (4000 pages of
 * WAL) wakes the checkpoint thread, which copies the log into the
 * database file: the file grows, while the log grew to that threshold
 * first (SQLite's own automatic checkpoint, at 1000 pages in the
 * writer's commit, is off). */
static void
test_background_checkpoint (Fixture       *fx,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgServerAuth) ana = enrol (fx->store, "ana", TG_SERVER_ROLE_MONITOR);
  g_autoptr(GString) content = g_string_new ("{\"notes\":\"");
  g_autoptr(GFile) file = g_file_new_for_path (tg_server_store_get_path (fx->store));
  g_autoptr(GFileInfo) info = NULL;
  goffset size = 0;
  gint64 deadline;

  for (guint i = 0; i < 64 * 1024; i++)
    g_string_append_c (content, 'a' + (char) (i * 7 % 26));
  g_string_append (content, "\"}");

  tg_server_store_checkpoint_in_background (fx->store);

  /* some 300 × 64 KiB, about 4800 pages: past one wake of the thread */
  for (guint i = 0; i < 300; i++)
    {
      g_autofree char *record = g_uuid_string_random ();
      g_autoptr(TgRevision) revision = make_revision (record, NULL, NULL, "report", ana, i + 1, content->str);
      g_autoptr(JsonNode) reply = push (fx->store, ana, &error, revision, NULL);

      g_assert_no_error (error);
      g_assert_nonnull (reply);
    }

  /* the database file itself holds the copied pages (bounded wait) */
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  do
    {
      g_clear_object (&info);
      info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE, NULL, &error);
      g_assert_no_error (error);
      size = g_file_info_get_size (info);
      if (size > 8 * 1024 * 1024)
        break;
      g_usleep (10000);
    }
  while (g_get_monotonic_time () < deadline);
  g_assert_cmpint (size, >, 8 * 1024 * 1024);
  g_assert_cmpint (tg_server_store_get_last_seq (fx->store), ==, 300);

  /* the log is never truncated: its size is the most it held */
  {
    g_autofree char *wal_path = tg_server_store_get_wal_path (fx->store);
    GStatBuf st;

    g_assert_cmpint (g_stat (wal_path, &st), ==, 0);
    g_assert_cmpint (st.st_size, >=, 4000 * 4096);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/server-store/accounts", Fixture, NULL, fixture_setup, test_accounts, fixture_teardown);
  g_test_add ("/server-store/push-pull", Fixture, NULL, fixture_setup, test_push_pull, fixture_teardown);
  g_test_add ("/server-store/pull-own-through", Fixture, NULL, fixture_setup, test_pull_own_through, fixture_teardown);
  g_test_add ("/server-store/idempotent", Fixture, NULL, fixture_setup, test_idempotent, fixture_teardown);
  g_test_add ("/server-store/heads", Fixture, NULL, fixture_setup, test_heads, fixture_teardown);
  g_test_add ("/server-store/roles", Fixture, NULL, fixture_setup, test_roles, fixture_teardown);
  g_test_add ("/server-store/blobs", Fixture, NULL, fixture_setup, test_blobs, fixture_teardown);
  g_test_add ("/server-store/backup", Fixture, NULL, fixture_setup, test_backup, fixture_teardown);

  g_test_add ("/server-store/broken-table", Fixture, NULL, fixture_setup, test_broken_table, fixture_teardown);
  g_test_add ("/server-store/open-existing", Fixture, NULL, fixture_setup, test_open_existing, fixture_teardown);
  g_test_add ("/server-store/statement-error", Fixture, NULL, fixture_setup, test_statement_error, fixture_teardown);
  g_test_add ("/server-store/background-checkpoint", Fixture, NULL, fixture_setup, test_background_checkpoint, fixture_teardown);

  return g_test_run ();
}
