/* test-erase-any.c — after an erase, no passphrase opens a copy
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Issue 16: "erase → the store and every blob are unreadable with any
 * passphrase and no plaintext remains". A data folder as the app leaves
 * it (a keyed store with a report carrying planted words, an encrypted
 * blob, an erase passphrase set) is copied without its key file — what
 * someone who took the disk before the erase holds once the key file is
 * gone — and then erased. For each passphrase tried (the right one, the
 * empty one, a wrong one, the erase passphrase, a long one):
 *
 *   - a new key file made with it beside the copy unlocks, but the
 *     STORE subkey it gives does not open the copied store
 *     (TG_ERROR_WRONG_KEY) and the BLOBS subkey does not decrypt the
 *     copied blob (TG_VAULT_ERROR_TAMPERED) — the empty passphrase is
 *     refused as a passphrase and only tried raw;
 *   - the raw keys an attacker could make of it without the destroyed
 *     slot — Argon2id of it with the old key file's salt and cost, used
 *     as the data key (its STORE subkey) or as the store key itself —
 *     do not open the copied store either;
 *   - the erased folder: unlocking says there is no key; nothing is made.
 *
 * Controls, so that each refusal can fail: with the old key file kept,
 * the right passphrase opens the copy and reads the planted title and
 * the blob; the same raw derivation (Argon2id with the old salt, the old
 * slot opened) gives the store key that opens it; and the erase
 * passphrase with the old key file erases that copy rather than opening
 * it. Last, no file of the copy or of the erased folder holds a planted
 * word (UTF-8, UTF-16) or the blob's plain bytes; the scan finds a word
 * planted in plain (its control).
 */
#define _GNU_SOURCE 1   /* memmem */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <sodium.h>

#include "tg-blob-store.h"
#include "tg-sqlite.h"
#include "tg-store.h"
#include "tg-test-common.h"
#include "tg-vault.h"
#include "tg-vault-private.h"

#define PASS   "correct horse battery staple"
#define ERASE  "the owls are not what they seem"
#define WRONG  "Correct horse battery staple"
#define TEST_OPS 1
#define TEST_MEM (8 * 1024 * 1024)
#define KDF_CONTEXT "tgvault1"    /* tg-vault.c's crypto_kdf context */

static const char *const planted[] = { "Wayra Condori", "Pampachiri", "culata" };
#define TITLE     "Wayra Condori detenida en Pampachiri"
#define NARRATIVE "Golpeada con la culata del fusil frente a la iglesia."
#define BLOB_TEXT "Testimonio de Wayra Condori: la llevaron a Pampachiri de noche."

static TgVault *
open_vault (const char *dir)
{
  TgVault *vault = tg_vault_new (dir);

  tg_vault_set_kdf_limits (vault, TEST_OPS, TEST_MEM);
  return vault;
}

/* Copies the regular files and folders under @from to @to. */
static void
copy_tree (const char *from,
           const char *to)
{
  g_autoptr(GDir) dir = g_dir_open (from, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  g_assert_cmpint (g_mkdir_with_parents (to, 0700), ==, 0);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *src = g_build_filename (from, name, NULL);
      g_autofree char *dst = g_build_filename (to, name, NULL);

      if (g_file_test (src, G_FILE_TEST_IS_DIR))
        copy_tree (src, dst);
      else
        {
          g_autofree char *contents = NULL;
          gsize len = 0;

          g_assert_true (g_file_get_contents (src, &contents, &len, NULL));
          g_assert_true (g_file_set_contents (dst, contents, len, NULL));
        }
    }
}

/* Files under @root holding a planted word in UTF-8, UTF-16LE or
 * UTF-16BE, or the blob's plain text; each is named in the log. */
static guint
plaintext_hits (const char *root)
{
  g_autoptr(GDir) dir = g_dir_open (root, 0, NULL);
  const char *name;
  guint hits = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (root, name, NULL);
      g_autofree char *contents = NULL;
      gsize len = 0;

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          hits += plaintext_hits (path);
          continue;
        }
      g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
      for (guint i = 0; i < G_N_ELEMENTS (planted) + 1; i++)
        {
          const char *word = i < G_N_ELEMENTS (planted) ? planted[i] : BLOB_TEXT;
          static const char *const encodings[] = { "UTF-8", "UTF-16LE", "UTF-16BE" };

          for (guint e = 0; e < G_N_ELEMENTS (encodings); e++)
            {
              g_autofree char *needle = NULL;
              gsize needle_len = 0;

              needle = g_convert (word, -1, encodings[e], "UTF-8", NULL, &needle_len, NULL);
              g_assert_nonnull (needle);
              if (memmem (contents, len, needle, needle_len) != NULL)
                {
                  g_test_message ("\"%s\" (%s) found in %s", word, encodings[e], path);
                  hits++;
                }
            }
        }
    }
  return hits;
}

/* The subkey @purpose of @data_key, as tg-vault.c derives it. */
static void
kdf (guint8         *out,
     TgVaultPurpose  purpose,
     const guint8   *data_key)
{
  g_assert_cmpint (crypto_kdf_derive_from_key (out, TG_VAULT_KEY_BYTES, (guint64) purpose,
                                               KDF_CONTEXT, data_key), ==, 0);
}

/* Opens @dir's testigo.db with @key and reads the reports' titles; the
 * error is left in @error. TRUE with the planted title found. */
static gboolean
store_opens (const char    *dir,
             const guint8  *key,
             GError       **error)
{
  g_autofree char *path = g_build_filename (dir, "testigo.db", NULL);
  g_autoptr(TgSqlite) db = NULL;
  sqlite3_stmt *stmt = NULL;
  gboolean found = FALSE;

  if (!(db = tg_sqlite_open_keyed (path, SQLITE_OPEN_READWRITE, key, error)))
    return FALSE;
  /* Anything stored in plain sight would name the report somewhere: the
   * heads' JSON, the full-text index. */
  g_assert_cmpint (sqlite3_prepare_v2 (tg_sqlite_get_db (db),
                                       "SELECT count(*) FROM sqlite_schema WHERE sql IS NOT NULL",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (stmt, 0), >, 0);
  sqlite3_finalize (stmt);
  g_assert_cmpint (sqlite3_prepare_v2 (tg_sqlite_get_db (db),
                                       "SELECT count(*) FROM reports_fts WHERE reports_fts MATCH 'Condori'",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    found = sqlite3_column_int (stmt, 0) > 0;
  sqlite3_finalize (stmt);
  return found;
}

/* The blob @sha256 of @dir read with @vault: its bytes, or NULL and
 * @error. */
static GBytes *
blob_reads (const char     *dir,
            TgVault        *vault,
            const char     *sha256,
            GError        **error)
{
  g_autofree char *blobs_dir = g_build_filename (dir, "blobs", NULL);
  g_autoptr(TgBlobStore) blobs = tg_blob_store_new (blobs_dir);

  tg_blob_store_set_vault (blobs, vault);
  return tg_blob_store_load_bytes (blobs, sha256, 1 << 20, NULL, error);
}

typedef struct
{
  guint8  header[48];   /* the old key file's header: cost and salt */
  guint8  slot_a[88];
} OldKeyFile;

/* Argon2id of @passphrase with the old key file's salt and cost: the
 * wrapping key, were @passphrase the right one. */
static void
argon2id (const OldKeyFile *old,
          const char       *passphrase,
          guint8           *out)
{
  guint64 ops = 0, mem = 0;

  for (guint i = 0; i < 8; i++)
    {
      ops |= (guint64) old->header[16 + i] << (8 * i);
      mem |= (guint64) old->header[24 + i] << (8 * i);
    }
  g_assert_cmpint (crypto_pwhash (out, TG_VAULT_KEY_BYTES, passphrase, strlen (passphrase),
                                  old->header + 32, ops, (gsize) mem,
                                  crypto_pwhash_ALG_ARGON2ID13), ==, 0);
}

/* The data key from the old slot A opened with @wrap, as tg-vault.c does;
 * FALSE when @wrap does not open it. */
static gboolean
open_old_slot (const OldKeyFile *old,
               const guint8     *wrap,
               guint8           *data_key)
{
  guint8 plain[48];
  unsigned long long plain_len = 0;
  gboolean ok;

  ok = crypto_aead_xchacha20poly1305_ietf_decrypt (plain, &plain_len, NULL,
                                                   old->slot_a + 24, sizeof old->slot_a - 24,
                                                   old->header, sizeof old->header,
                                                   old->slot_a, wrap) == 0 &&
       plain_len == sizeof plain && plain[0] == 1;
  if (ok)
    memcpy (data_key, plain + 16, TG_VAULT_KEY_BYTES);
  sodium_memzero (plain, sizeof plain);
  return ok;
}

static void
test_erase_any_passphrase (void)
{
  g_autofree char *root = tg_test_make_tmp_dir ("testigo-erase-any-XXXXXX");
  g_autofree char *live = g_build_filename (root, "live", NULL);
  g_autofree char *copy = g_build_filename (root, "copy", NULL);
  g_autofree char *live_key = g_build_filename (live, TG_VAULT_KEY_FILE, NULL);
  g_autofree char *sha256 = NULL;
  g_autofree char *old_key_bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TgVault) vault = NULL;
  g_autoptr(GBytes) blob_text = g_bytes_new_static (BLOB_TEXT, strlen (BLOB_TEXT));
  g_autofree char *long_pass = NULL;
  guint8 store_key[TG_VAULT_KEY_BYTES];
  gsize old_len = 0;
  OldKeyFile old;
  const char *candidates[5];

  g_assert_cmpint (sodium_init (), >=, 0);
  {
    GString *text = g_string_new (NULL);

    while (text->len < 4096)
      g_string_append (text, "una frase de paso larga, muy larga, ");
    long_pass = g_string_free (text, FALSE);
  }
  candidates[0] = PASS;
  candidates[1] = "";
  candidates[2] = WRONG;
  candidates[3] = ERASE;
  candidates[4] = long_pass;

  /* The folder as the app leaves it: a keyed store, a report, a blob, an
   * erase passphrase set. */
  g_assert_cmpint (g_mkdir_with_parents (live, 0700), ==, 0);
  vault = open_vault (live);
  g_assert_true (tg_vault_create (vault, PASS, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (tg_vault_set_erase_passphrase (vault, ERASE, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (tg_vault_derive_subkey (vault, TG_VAULT_PURPOSE_STORE, store_key, &error));
  {
    g_autoptr(TgStore) store = tg_store_open_keyed (live, store_key, &error);
    g_autoptr(TgReport) report = tg_report_new ();
    g_autoptr(TgRevision) rev = NULL;
    g_autoptr(TgBlobInfo) info = NULL;
    TgBlobStore *blobs;

    g_assert_no_error (error);
    blobs = tg_store_get_blob_store (store);
    tg_blob_store_set_vault (blobs, vault);
    info = tg_blob_store_import_bytes (blobs, blob_text, "testimonio.txt", &error);
    g_assert_no_error (error);
    sha256 = g_strdup (tg_blob_info_get_sha256 (info));
    g_assert_true (tg_blob_store_is_encrypted (blobs, sha256));
    tg_report_set_title (report, TITLE);
    tg_report_set_narrative (report, NARRATIVE);
    rev = tg_store_save_report (store, report, &error);
    g_assert_no_error (error);
    tg_store_close (store);
  }
  sodium_memzero (store_key, sizeof store_key);
  g_assert_true (g_file_get_contents (live_key, &old_key_bytes, &old_len, NULL));
  g_assert_cmpuint (old_len, ==, 224);
  memcpy (old.header, old_key_bytes, sizeof old.header);
  memcpy (old.slot_a, old_key_bytes + 48, sizeof old.slot_a);

  /* The copy: everything but the key file (and the attempts file). */
  copy_tree (live, copy);
  {
    g_autofree char *k = g_build_filename (copy, TG_VAULT_KEY_FILE, NULL);

    g_assert_cmpint (g_unlink (k), ==, 0);
  }

  /* Control: with the old key file beside it, the copy opens with the
   * passphrase, and the blob decrypts. */
  {
    g_autofree char *with_key = g_build_filename (root, "control", NULL);
    g_autofree char *k = g_build_filename (with_key, TG_VAULT_KEY_FILE, NULL);
    g_autoptr(TgVault) v = NULL;
    g_autoptr(GBytes) bytes = NULL;
    guint8 key[TG_VAULT_KEY_BYTES];

    copy_tree (copy, with_key);
    g_assert_true (g_file_set_contents (k, old_key_bytes, old_len, NULL));
    v = open_vault (with_key);
    g_assert_true (tg_vault_unlock (v, PASS, NULL, &error));
    g_assert_no_error (error);
    g_assert_true (tg_vault_derive_subkey (v, TG_VAULT_PURPOSE_STORE, key, &error));
    g_assert_true (store_opens (copy, key, &error));
    g_assert_no_error (error);
    bytes = blob_reads (copy, v, sha256, &error);
    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (bytes, blob_text));
    sodium_memzero (key, sizeof key);
  }
  /* Control: the raw path — Argon2id with the old salt, the old slot
   * opened, the STORE subkey — gives the key that opens the copy. */
  {
    guint8 wrap[TG_VAULT_KEY_BYTES], data_key[TG_VAULT_KEY_BYTES], key[TG_VAULT_KEY_BYTES];

    argon2id (&old, PASS, wrap);
    g_assert_true (open_old_slot (&old, wrap, data_key));
    kdf (key, TG_VAULT_PURPOSE_STORE, data_key);
    g_assert_true (store_opens (copy, key, &error));
    g_assert_no_error (error);
    sodium_memzero (data_key, sizeof data_key);
    sodium_memzero (key, sizeof key);
  }
  /* Control: with the old key file, the erase passphrase erases that copy
   * instead of opening it. */
  {
    g_autofree char *armed = g_build_filename (root, "armed", NULL);
    g_autofree char *k = g_build_filename (armed, TG_VAULT_KEY_FILE, NULL);
    g_autofree char *db = g_build_filename (armed, "testigo.db", NULL);
    g_autoptr(TgVault) v = NULL;

    copy_tree (copy, armed);
    g_assert_true (g_file_set_contents (k, old_key_bytes, old_len, NULL));
    v = open_vault (armed);
    g_assert_false (tg_vault_unlock (v, ERASE, NULL, &error));
    g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_ERASED);
    g_clear_error (&error);
    g_assert_false (g_file_test (k, G_FILE_TEST_EXISTS));
    g_assert_false (g_file_test (db, G_FILE_TEST_EXISTS));
  }

  /* The erase. */
  g_assert_true (tg_vault_erase (vault, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (live_key, G_FILE_TEST_EXISTS));

  for (guint c = 0; c < G_N_ELEMENTS (candidates); c++)
    {
      const char *pass = candidates[c];
      g_autofree char *label = g_strndup (pass, 24);
      g_autofree char *beside = g_strdup_printf ("%s/beside-%u", root, c);
      g_autoptr(TgVault) erased = open_vault (live);
      guint8 wrap[TG_VAULT_KEY_BYTES], data_key[TG_VAULT_KEY_BYTES], key[TG_VAULT_KEY_BYTES];

      g_test_message ("passphrase \"%s\"%s (%zu bytes)", label, strlen (pass) > 24 ? "..." : "",
                      strlen (pass));

      /* The erased folder: no key, and trying makes none. */
      g_assert_false (tg_vault_unlock (erased, pass, NULL, &error));
      g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_NO_KEY);
      g_clear_error (&error);
      g_assert_false (g_file_test (live_key, G_FILE_TEST_EXISTS));

      /* A new key file made with it beside the copy. */
      copy_tree (copy, beside);
      {
        g_autoptr(TgVault) v = open_vault (beside);

        if (*pass == '\0')
          {
            g_assert_false (tg_vault_create (v, pass, NULL, &error));
            g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_WEAK_PASSPHRASE);
            g_clear_error (&error);
          }
        else
          {
            g_autoptr(GBytes) bytes = NULL;

            g_assert_true (tg_vault_create (v, pass, NULL, &error));
            g_assert_no_error (error);
            tg_vault_lock (v);
            g_assert_true (tg_vault_unlock (v, pass, NULL, &error));
            g_assert_no_error (error);
            g_assert_true (tg_vault_derive_subkey (v, TG_VAULT_PURPOSE_STORE, key, &error));
            g_assert_false (store_opens (beside, key, &error));
            g_assert_error (error, TG_ERROR, TG_ERROR_WRONG_KEY);
            g_clear_error (&error);
            bytes = blob_reads (beside, v, sha256, &error);
            g_assert_null (bytes);
            g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_TAMPERED);
            g_clear_error (&error);
          }
      }

      /* Raw keys made of it with the old salt and cost. */
      argon2id (&old, pass, wrap);
      g_assert_cmpint (open_old_slot (&old, wrap, data_key), ==, c == 0);
      if (c == 0)
        sodium_memzero (data_key, sizeof data_key);
      /* Argon2id's output as the data key, and as the store key. */
      kdf (key, TG_VAULT_PURPOSE_STORE, wrap);
      g_assert_false (store_opens (copy, key, &error));
      g_assert_error (error, TG_ERROR, TG_ERROR_WRONG_KEY);
      g_clear_error (&error);
      g_assert_false (store_opens (copy, wrap, &error));
      g_assert_error (error, TG_ERROR, TG_ERROR_WRONG_KEY);
      g_clear_error (&error);
      sodium_memzero (wrap, sizeof wrap);
      sodium_memzero (key, sizeof key);
    }

  /* No plaintext left: not in the copy, not in the erased folder. */
  {
    g_autofree char *probe = g_build_filename (copy, "probe.txt", NULL);
    g_autofree char *utf16 = g_convert (planted[1], -1, "UTF-16LE", "UTF-8", NULL, NULL, NULL);

    g_assert_true (g_file_set_contents (probe, utf16, 2 * strlen (planted[1]), NULL));
    g_assert_cmpuint (plaintext_hits (copy), ==, 1);   /* the scan's control */
    g_assert_cmpint (g_unlink (probe), ==, 0);
  }
  g_assert_cmpuint (plaintext_hits (copy), ==, 0);
  g_assert_cmpuint (plaintext_hits (live), ==, 0);
  {
    g_autofree char *db = g_build_filename (copy, "testigo.db", NULL);

    g_assert_false (tg_sqlite_file_is_plain (db));
  }

  tg_test_rm_rf (root);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/erase-any/passphrase", test_erase_any_passphrase);
  return g_test_run ();
}
