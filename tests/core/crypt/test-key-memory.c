/* test-key-memory.c — where the keys live in memory, and that they go
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The data key and its subkeys are kept by Testigo's code only in locked
 * memory that is wiped when let go (tg-secure-key.h). These tests look at
 * the process's own memory: every readable, writable mapping (the heap,
 * the threads' stacks, anonymous mappings) is searched for a key. The
 * test itself never keeps the key it searches for in the clear: it keeps
 * the key XOR a mask and compares memory XOR the mask, so what it finds
 * is somebody else's copy. A copy left in memory that was freed but not
 * wiped (g_free, a GString grown by realloc) is still mapped and found.
 *
 * What SQLite keeps of a key while a database is open is SQLite's (its
 * cipher context, wiped by SQLite3 Multiple Ciphers when the connection
 * closes): the checks run after the store or the copy is closed.
 */
#include "config.h"

#include <string.h>
#include <sys/resource.h>

#include <sodium.h>

#include "tg-secure-key.h"
#include "tg-sqlite.h"
#include "tg-store.h"
#include "tg-test-common.h"
#include "tg-vault.h"
#include "tg-vault-private.h"

#define MASK 0xA5
#define HEX_LEN (2 * TG_SECURE_KEY_BYTES)

/* A key as the test keeps it: masked, never in the clear. */
typedef struct
{
  guint8 masked[TG_SECURE_KEY_BYTES];
  char   masked_hex[HEX_LEN];   /* the key in lower-case hex, masked */
} Needle;

/* A fresh random key in locked memory, and its needle. */
static TgSecureKey *
random_key (Needle *needle)
{
  static const char digits[] = "0123456789abcdef";
  TgSecureKey *key = tg_secure_key_new ();

  g_assert_nonnull (key);
  randombytes_buf (key, TG_SECURE_KEY_BYTES);
  for (guint i = 0; i < TG_SECURE_KEY_BYTES; i++)
    {
      needle->masked[i] = key[i] ^ MASK;
      needle->masked_hex[2 * i] = digits[key[i] >> 4] ^ MASK;
      needle->masked_hex[2 * i + 1] = digits[key[i] & 15] ^ MASK;
    }
  return key;
}

static void
needle_from_key (Needle       *needle,
                 const guint8 *key)
{
  static const char digits[] = "0123456789abcdef";

  for (guint i = 0; i < TG_SECURE_KEY_BYTES; i++)
    {
      needle->masked[i] = key[i] ^ MASK;
      needle->masked_hex[2 * i] = digits[key[i] >> 4] ^ MASK;
      needle->masked_hex[2 * i + 1] = digits[key[i] & 15] ^ MASK;
    }
}

/* Occurrences of the unmasked @masked (@len bytes) in [start, end). */
static guint
count_in_range (const guint8 *start,
                const guint8 *end,
                const guint8 *masked,
                gsize         len)
{
  guint8 first = masked[0] ^ MASK;
  const guint8 *p = start;
  guint n = 0;

  while (p + len <= end && (p = memchr (p, first, end - p - len + 1)) != NULL)
    {
      gsize i = 1;

      while (i < len && (p[i] ^ MASK) == masked[i])
        i++;
      if (i == len)
        n++;
      p++;
    }
  return n;
}

/* Occurrences in every private mapping this process can read and write:
 * the heap, the stacks, anonymous memory (SQLite's and GLib's). */
static guint
count_in_memory (const guint8 *masked,
                 gsize         len)
{
  g_autofree char *maps = NULL;
  g_auto(GStrv) lines = NULL;
  guint n = 0;

  g_assert_true (g_file_get_contents ("/proc/self/maps", &maps, NULL, NULL));
  lines = g_strsplit (maps, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      unsigned long start, end;
      char perms[5] = { 0 };

      if (sscanf (lines[i], "%lx-%lx %4s", &start, &end, perms) != 3)
        continue;
      if (perms[0] != 'r' || perms[1] != 'w' || perms[3] != 'p')
        continue;
      if (strstr (lines[i], "[vvar") != NULL)
        continue;
      n += count_in_range ((const guint8 *) start, (const guint8 *) end, masked, len);
    }
  return n;
}

static guint
count_key (const Needle *needle)
{
  return count_in_memory (needle->masked, TG_SECURE_KEY_BYTES);
}

static guint
count_hex (const Needle *needle)
{
  return count_in_memory ((const guint8 *) needle->masked_hex, HEX_LEN);
}

/* Locked memory of the process (VmLck), in kB. */
static long
locked_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, "VmLck:");
  g_assert_nonnull (line);
  return strtol (line + 6, NULL, 10);
}

/* Whether mlock is allowed for a few pages here (root, or a limit). */
static gboolean
can_lock (void)
{
  struct rlimit limit;

  return getrlimit (RLIMIT_MEMLOCK, &limit) == 0 &&
         (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= 1024 * 1024);
}

/* The scanner finds a copy in plain memory, and a copy wiped is gone. */
static void
test_scanner (void)
{
  Needle needle;
  g_autoptr(TgSecureKey) key = random_key (&needle);
  guint8 *plain = g_malloc (TG_SECURE_KEY_BYTES + 7);
  guint before = count_key (&needle);

  /* The secure copy itself is readable while held. */
  g_assert_cmpuint (before, ==, 1);
  memcpy (plain + 7, key, TG_SECURE_KEY_BYTES);
  g_assert_cmpuint (count_key (&needle), ==, before + 1);
  sodium_memzero (plain, TG_SECURE_KEY_BYTES + 7);
  g_free (plain);
  g_assert_cmpuint (count_key (&needle), ==, before);
}

/* tg_secure_key_*: locked while held, unreadable once freed. */
static void
test_secure_key (void)
{
  Needle needle;
  guint live = tg_secure_key_count_for_testing ();
  long locked = locked_kb ();
  TgSecureKey *key = random_key (&needle);
  TgSecureKey *copy = tg_secure_key_dup (key);

  g_assert_cmpuint (tg_secure_key_count_for_testing (), ==, live + 2);
  g_assert_cmpmem (key, TG_SECURE_KEY_BYTES, copy, TG_SECURE_KEY_BYTES);
  g_assert_cmpuint (count_key (&needle), ==, 2);
  if (can_lock ())
    g_assert_cmpint (locked_kb (), >, locked);
  else
    g_test_message ("mlock is not allowed here: the lock is not checked");

  tg_secure_key_free (key);
  tg_secure_key_free (copy);
  tg_secure_key_free (NULL);
  g_assert_cmpuint (tg_secure_key_count_for_testing (), ==, live);
  g_assert_cmpuint (count_key (&needle), ==, 0);
  g_assert_cmpint (locked_kb (), ==, locked);
  g_assert_null (tg_secure_key_dup (NULL));
}

/* The vault's data key is in no readable memory while unlocked (its
 * pages are protected between uses), a subkey only in the secure key
 * handed out, and neither anywhere once let go. */
static void
test_vault (void)
{
  g_autofree char *dir = tg_test_make_tmp_dir ("testigo-key-memory-XXXXXX");
  g_autoptr(TgVault) vault = tg_vault_new (dir);
  g_autoptr(GError) error = NULL;
  guint live = tg_secure_key_count_for_testing ();
  Needle data, store;
  TgSecureKey *subkey;

  tg_vault_set_kdf_limits (vault, 1, 8 * 1024 * 1024);
  g_assert_true (tg_vault_create (vault, "correct horse battery staple", NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tg_secure_key_count_for_testing (), ==, live + 1);

  {
    TgSecureKey *peek = tg_secure_key_new ();

    g_assert_true (tg_vault_peek_key_for_testing (vault, peek));
    needle_from_key (&data, peek);
    tg_secure_key_free (peek);
  }
  g_assert_cmpuint (count_key (&data), ==, 0);

  subkey = tg_vault_dup_subkey (vault, TG_VAULT_PURPOSE_STORE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (subkey);
  g_assert_cmpuint (tg_secure_key_count_for_testing (), ==, live + 2);
  needle_from_key (&store, subkey);
  g_assert_cmpuint (count_key (&store), ==, 1);
  g_assert_cmpuint (count_key (&data), ==, 0);
  tg_secure_key_free (subkey);
  g_assert_cmpuint (count_key (&store), ==, 0);

  tg_vault_lock (vault);
  g_assert_cmpuint (tg_secure_key_count_for_testing (), ==, live);
  g_assert_null (tg_vault_dup_subkey (vault, TG_VAULT_PURPOSE_STORE, &error));
  g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_LOCKED);
  g_clear_error (&error);

  g_assert_true (tg_vault_unlock (vault, "correct horse battery staple", NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_key (&data), ==, 0);
  g_clear_object (&vault);
  g_assert_cmpuint (tg_secure_key_count_for_testing (), ==, live);
  g_assert_cmpuint (count_key (&data), ==, 0);
  tg_test_rm_rf (dir);
}

static void
use_store (TgStore *store)
{
  g_autoptr(TgReport) report = tg_report_new ();
  g_autoptr(TgRevision) revision = NULL;
  g_autoptr(TgReportQuery) query = tg_report_query_new ();
  g_autoptr(GArray) rows = NULL;
  g_autoptr(GArray) located = NULL;
  g_autoptr(GError) error = NULL;

  tg_report_set_title (report, "Marcha en Juliaca");
  tg_report_set_narrative (report, "Perdigones cerca del puente.");
  tg_report_set_location (report, -15.4996, -70.1331, TG_LOCATION_METHOD_MAP);
  revision = tg_store_save_report (store, report, &error);
  g_assert_no_error (error);
  query->text = g_strdup ("perdigones");
  rows = tg_store_query_rowids (store, query, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);
  /* The second, read-only connection opens with the store's copy. */
  located = tg_store_query_locations (store, query, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (located->len, ==, 1);
}

/* The store keeps its copy of the key (for the connections it opens
 * later) in locked memory, and none is left once it is closed. */
static void
test_store (void)
{
  g_autofree char *dir = tg_test_make_tmp_dir ("testigo-key-memory-XXXXXX");
  g_autoptr(GError) error = NULL;
  guint live = tg_secure_key_count_for_testing ();
  Needle needle;
  TgSecureKey *key = random_key (&needle);
  TgStore *store;

  store = tg_store_open_keyed (dir, key, &error);
  g_assert_no_error (error);
  g_assert_nonnull (store);
  tg_secure_key_free (key);
  /* The store's own copy, a secure key. */
  g_assert_cmpuint (tg_secure_key_count_for_testing (), ==, live + 1);
  use_store (store);
  g_object_unref (store);

  g_assert_cmpuint (tg_secure_key_count_for_testing (), ==, live);
  g_assert_cmpuint (count_key (&needle), ==, 0);
  g_assert_cmpuint (count_hex (&needle), ==, 0);
  tg_test_rm_rf (dir);
}

static void
opened_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  TgStore **store = user_data;
  g_autoptr(GError) error = NULL;

  *store = tg_store_open_finish (result, &error);
  g_assert_no_error (error);
}

static guint expected_live;

static gboolean
live_keys_are (gpointer data)
{
  return tg_secure_key_count_for_testing () == *(guint *) data;
}

static gboolean
store_is_set (gpointer data)
{
  return *(TgStore **) data != NULL;
}

/* The async open carries its copy to the worker in locked memory too. */
static void
test_store_async (void)
{
  g_autofree char *dir = tg_test_make_tmp_dir ("testigo-key-memory-XXXXXX");
  guint live = tg_secure_key_count_for_testing ();
  Needle needle;
  TgSecureKey *key = random_key (&needle);
  TgStore *store = NULL;

  tg_store_open_keyed_async (dir, key, NULL, opened_cb, &store);
  tg_secure_key_free (key);
  tg_test_iterate_until (store_is_set, &store, 60000, "the store to open");
  g_assert_nonnull (store);
  /* The task's copy goes with the task, on whichever thread lets it go
   * last; then only the store's own is left. */
  expected_live = live + 1;
  tg_test_iterate_until (live_keys_are, &expected_live, 60000, "the task's key copy to be freed");
  g_assert_cmpuint (tg_secure_key_count_for_testing (), ==, live + 1);
  use_store (store);
  g_object_unref (store);

  g_assert_cmpuint (tg_secure_key_count_for_testing (), ==, live);
  g_assert_cmpuint (count_key (&needle), ==, 0);
  tg_test_rm_rf (dir);
}

/* Converting a plain database puts the key in a URI (in hex): neither
 * form is left in memory afterwards. */
static void
test_export (void)
{
  g_autofree char *dir = tg_test_make_tmp_dir ("testigo-key-memory-XXXXXX");
  g_autofree char *plain = g_build_filename (dir, "plain.db", NULL);
  g_autofree char *encrypted = g_build_filename (dir, "encrypted.db", NULL);
  g_autoptr(GError) error = NULL;
  Needle needle;
  TgSecureKey *key = random_key (&needle);

  {
    g_autoptr(TgSqlite) db = tg_sqlite_open (plain, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &error);

    g_assert_no_error (error);
    g_assert_true (tg_sqlite_exec (db, "CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('uno'), ('dos');",
                                   &error));
    g_assert_no_error (error);
  }
  g_assert_true (tg_sqlite_export_encrypted (plain, encrypted, key, &error));
  g_assert_no_error (error);
  tg_secure_key_free (key);

  g_assert_cmpuint (count_key (&needle), ==, 0);
  g_assert_cmpuint (count_hex (&needle), ==, 0);
  tg_test_rm_rf (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);

  g_test_add_func ("/key-memory/scanner", test_scanner);
  g_test_add_func ("/key-memory/secure-key", test_secure_key);
  g_test_add_func ("/key-memory/vault", test_vault);
  g_test_add_func ("/key-memory/store", test_store);
  g_test_add_func ("/key-memory/store-async", test_store_async);
  g_test_add_func ("/key-memory/export", test_export);
  return g_test_run ();
}
