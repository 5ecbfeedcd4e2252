/* test-revision.c — revision ids, the wire form and tampering
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "tg-revision.h"
#include "tg-sha256.h"
#include "tg-types.h"

#include <string.h>

#define RECORD "0e8f8c2a-9d7b-4b8e-9a5c-3f2d1e0c9b8a"
#define PARENT_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define PARENT_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static void
test_id (void)
{
  const char *ab[] = { PARENT_A, PARENT_B, NULL };
  const char *ba[] = { PARENT_B, PARENT_A, PARENT_B, NULL };
  g_autoptr(TgRevision) r1 = tg_revision_new (RECORD, "report", ab, "dev", 1, 1000, FALSE, "{}");
  g_autoptr(TgRevision) r2 = tg_revision_new (RECORD, "report", ba, "dev", 1, 1000, FALSE, "{}");
  g_autoptr(TgRevision) r3 = tg_revision_new (RECORD, "report", ab, "dev", 1, 1000, FALSE, "{ }");
  g_autoptr(TgRevision) r4 = tg_revision_new (RECORD, "report", ab, "dev", 1, 1000, TRUE, "{}");
  g_autoptr(TgRevision) r5 = tg_revision_new (RECORD, "report", ab, "dev", 2, 1000, FALSE, "{}");

  /* Parents are a set: order and duplicates do not matter. */
  g_assert_cmpstr (tg_revision_get_id (r1), ==, tg_revision_get_id (r2));
  g_assert_cmpint (g_strv_length ((char **) tg_revision_get_parents (r2)), ==, 2);
  g_assert_cmpstr (tg_revision_get_parents (r2)[0], ==, PARENT_A);
  /* Any other change gives another id. */
  g_assert_cmpstr (tg_revision_get_id (r1), !=, tg_revision_get_id (r3));
  g_assert_cmpstr (tg_revision_get_id (r1), !=, tg_revision_get_id (r4));
  g_assert_cmpstr (tg_revision_get_id (r1), !=, tg_revision_get_id (r5));
  g_assert_true (tg_is_sha256_hex (tg_revision_get_id (r1)));
}

/* The canonical form is documented in docs/data-model.md; ids made by
 * every earlier version must stay valid, so it is checked byte for byte
 * against a form built here independently. */
static void
test_canonical_form (void)
{
  const char *parents[] = { PARENT_B, PARENT_A, NULL };
  const char *content = "{\"title\":\"Juliaca\"}";
  g_autoptr(TgRevision) rev = tg_revision_new (RECORD, "report", parents, "device-1", 12,
                                               -5, TRUE, content);
  g_autofree char *form = g_strdup_printf ("testigo-revision-1\n"
                                           "36:" RECORD "\n"
                                           "6:report\n"
                                           "parent:" PARENT_A "\n"
                                           "parent:" PARENT_B "\n"
                                           "8:device-1\n"
                                           "12\n-5\n1\n"
                                           "%zu:%s", strlen (content), content);
  g_autofree char *expected = g_compute_checksum_for_string (G_CHECKSUM_SHA256, form, -1);

  g_assert_cmpstr (tg_revision_get_id (rev), ==, expected);
}

static void
test_wire_round_trip (void)
{
  const char *parents[] = { PARENT_A, NULL };
  g_autoptr(TgRevision) rev = tg_revision_new (RECORD, "report", parents, "dev-1", 7,
                                               1673296200000000, FALSE,
                                               "{\"title\":\"Juliaca \\u00f1\"}");
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(TgRevision) back = NULL;
  g_autoptr(GError) error = NULL;

  tg_revision_set_server_seq (rev, 42);
  node = tg_revision_to_json (rev);
  back = tg_revision_new_from_json (node, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tg_revision_get_id (back), ==, tg_revision_get_id (rev));
  g_assert_cmpstr (tg_revision_get_content (back), ==, tg_revision_get_content (rev));
  g_assert_cmpint (tg_revision_get_server_seq (back), ==, 42);
  g_assert_cmpint (tg_revision_get_device_seq (back), ==, 7);
}

static void
test_tampered (void)
{
  g_autoptr(TgRevision) rev = tg_revision_new (RECORD, "report", NULL, "dev-1", 1, 5, FALSE,
                                               "{\"killed\":17}");
  g_autoptr(JsonNode) node = tg_revision_to_json (rev);
  g_autoptr(TgRevision) back = NULL;
  g_autoptr(GError) error = NULL;

  json_object_set_string_member (json_node_get_object (node), "content", "{\"killed\":1}");
  back = tg_revision_new_from_json (node, &error);
  g_assert_null (back);
  g_assert_error (error, TG_ERROR, TG_ERROR_HASH_MISMATCH);
}

static void
test_malformed (void)
{
  const char *bad[] = {
    "[]",
    "{}",
    "{\"id\": 5}",
    "{\"id\": \"" PARENT_A "\", \"record\": \"x\", \"kind\": \"report\", \"parents\": [], \"device\": \"d\", \"device_seq\": 1, \"created_at\": 0, \"deleted\": false, \"content\": \"{}\"}",
    "{\"id\": \"" PARENT_A "\", \"record\": \"" RECORD "\", \"kind\": \"poem\", \"parents\": [], \"device\": \"d\", \"device_seq\": 1, \"created_at\": 0, \"deleted\": false, \"content\": \"{}\"}",
    "{\"id\": \"" PARENT_A "\", \"record\": \"" RECORD "\", \"kind\": \"report\", \"parents\": [\"../x\"], \"device\": \"d\", \"device_seq\": 1, \"created_at\": 0, \"deleted\": false, \"content\": \"{}\"}",
    "{\"id\": \"" PARENT_A "\", \"record\": \"" RECORD "\", \"kind\": \"report\", \"parents\": [], \"device\": \"d\", \"device_seq\": 0, \"created_at\": 0, \"deleted\": false, \"content\": \"{}\"}",
    "{\"id\": \"" PARENT_A "\", \"record\": \"" RECORD "\", \"kind\": \"report\", \"parents\": [], \"device\": \"d\", \"device_seq\": 1, \"created_at\": 0, \"deleted\": \"no\", \"content\": \"{}\"}",
    "{\"id\": \"" PARENT_A "\", \"record\": \"" RECORD "\", \"kind\": \"report\", \"parents\": {}, \"device\": \"d\", \"device_seq\": 1, \"created_at\": 0, \"deleted\": false, \"content\": \"{}\"}",
    "{\"id\": \"" PARENT_A "\", \"record\": \"" RECORD "\", \"kind\": \"report\", \"parents\": [], \"device\": \"d\", \"device_seq\": 1, \"created_at\": 0, \"deleted\": false, \"content\": \"{}\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      g_autoptr(TgRevision) rev = NULL;

      g_test_message ("%s", bad[i]);
      g_assert_true (json_parser_load_from_data (parser, bad[i], -1, NULL));
      rev = tg_revision_new_from_json (json_parser_get_root (parser), &error);
      g_assert_null (rev);
      g_assert_nonnull (error);
    }
}

static void
test_record_ids (void)
{
  g_autofree char *previous = NULL;

  /* UUID version 7: valid, unique, and in creation order. */
  for (guint i = 0; i < 10000; i++)
    {
      g_autofree char *id = tg_record_id_new ();

      g_assert_true (tg_is_uuid (id));
      g_assert_cmpint (id[14], ==, '7');
      g_assert_true (strchr ("89ab", id[19]) != NULL);
      if (previous != NULL)
        g_assert_cmpstr (previous, <, id);
      g_free (previous);
      previous = g_steal_pointer (&id);
    }
}

/* Our SHA-256 (nettle) against GLib's, at the lengths where padding
 * changes (55, 56, 63, 64 bytes) and for data fed in odd pieces. */
static void
test_sha256 (void)
{
  const gsize lengths[] = { 0, 1, 55, 56, 63, 64, 65, 1000, 1 << 20 };
  g_autofree guint8 *data = g_malloc (1 << 20);

  for (gsize i = 0; i < (1 << 20); i++)
    data[i] = (guint8) (i * 7 + (i >> 9));

  for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
    {
      g_autofree char *expected = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, lengths[i]);
      g_autofree char *whole = tg_sha256_hex (data, lengths[i]);
      char pieces[TG_SHA256_HEX_LENGTH + 1];
      TgSha256 sha;

      g_assert_cmpstr (whole, ==, expected);

      tg_sha256_init (&sha);
      for (gsize done = 0; done < lengths[i];)
        {
          gsize n = MIN (lengths[i] - done, 1 + done % 97);

          tg_sha256_update (&sha, data + done, n);
          done += n;
        }
      tg_sha256_finish_hex (&sha, pieces);
      g_assert_cmpstr (pieces, ==, expected);
    }

  {
    g_autofree char *abc = tg_sha256_hex ("abc", 3);

    /* FIPS 180-2, example B.1 */
    g_assert_cmpstr (abc, ==, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/revision/sha256", test_sha256);
  g_test_add_func ("/revision/id", test_id);
  g_test_add_func ("/revision/canonical-form", test_canonical_form);
  g_test_add_func ("/revision/wire-round-trip", test_wire_round_trip);
  g_test_add_func ("/revision/tampered", test_tampered);
  g_test_add_func ("/revision/malformed", test_malformed);
  g_test_add_func ("/revision/record-ids", test_record_ids);

  return g_test_run ();
}
