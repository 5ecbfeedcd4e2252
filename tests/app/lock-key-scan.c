/* lock-key-scan.c — the app's keys, looked for in the app's memory
 *
 *   lock-key-scan DATA_DIR      (the passphrase in $TESTIGO_PASSPHRASE)
 *
 * For test-lock-memory-ui.py (issue 16: "lock wipes the key"). Derives
 * the keys itself, the way the vault does but without the vault's code:
 * Argon2id of the passphrase with the key file's salt and cost (the
 * wrapping key), slot A opened with XChaCha20-Poly1305 (the data key),
 * each subkey with crypto_kdf (context "tgvault1"). Then answers one
 * command per line on stdin, one line of JSON each on stdout:
 *
 *   check            the STORE subkey opens DATA_DIR/testigo.db
 *                    (read-only): {"ok":true,"reports":N} — the proof
 *                    that the keys looked for are the real ones
 *   scan PID         reads every mapping of process PID that can hold a
 *                    copy (anonymous memory of any protection — the
 *                    sodium_malloc pages the vault keeps PROT_NONE too —
 *                    and every writable mapping) through /proc/PID/mem
 *                    and counts each key in it, raw and in hex:
 *                    {"bytes":B,"mappings":M,"unreadable":U,
 *                     "found":{"store":[where,…],…}}
 *   hold             opens the store with the STORE subkey and takes its
 *                    write lock (BEGIN IMMEDIATE): {"held":true}. A save
 *                    of the app waits in SQLite's busy handler meanwhile.
 *   release          gives the write lock back, closes: {"released":true}
 *
 * Needs permission to read /proc/PID/mem (ptrace access: root, or
 * kernel.yama.ptrace_scope 0 and the same user); a scan it cannot do
 * answers {"error":…,"code":"ptrace"}.
 *
 * The keys stay in this process (in locked memory); nothing prints them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE 1   /* memmem */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <sodium.h>

#include "tg-sqlite.h"

#define KEY_LEN     32
#define HEADER_LEN  48
#define SLOT_LEN    88
#define FILE_LEN    224
#define KDF_CONTEXT "tgvault1"
#define CHUNK       (4 << 20)

typedef struct
{
  const char *name;
  guint8      bytes[2 * KEY_LEN];
  gsize       len;
} Needle;

/* data, wrap, the five subkeys; each raw and in lower-case hex. */
static const char *const key_names[] = {
  "data", "wrap", "store", "blobs", "thumbnails", "sync", "custody",
};
#define N_KEYS G_N_ELEMENTS (key_names)

static guint8 *keys;           /* N_KEYS * KEY_LEN, sodium_malloc'd */
static Needle *needles;        /* 2 * N_KEYS, sodium_malloc'd */
static char   *db_path;
static TgSqlite *held;

static void
reply_error (const char *code,
             const char *message)
{
  g_autofree char *quoted = g_strescape (message, NULL);

  printf ("{\"error\":\"%s\",\"code\":\"%s\"}\n", quoted, code);
  fflush (stdout);
}

static gboolean
derive (const char *dir,
        const char *passphrase)
{
  g_autofree char *path = g_build_filename (dir, "vault.key", NULL);
  g_autofree char *file = NULL;
  guint8 *plain = NULL;
  unsigned long long plain_len = 0;
  guint64 ops = 0, mem = 0;
  gsize len = 0;
  gboolean ok;

  if (!g_file_get_contents (path, &file, &len, NULL) || len != FILE_LEN ||
      memcmp (file, "TGVAULT", 8) != 0 || file[8] != 1)
    {
      fprintf (stderr, "lock-key-scan: %s is not a version-1 key file\n", path);
      return FALSE;
    }
  for (guint i = 0; i < 8; i++)
    {
      ops |= (guint64) (guint8) file[16 + i] << (8 * i);
      mem |= (guint64) (guint8) file[24 + i] << (8 * i);
    }

  keys = sodium_malloc (N_KEYS * KEY_LEN);
  plain = sodium_malloc (48);
  /* wrap = Argon2id (passphrase, salt, cost of the file) */
  if (crypto_pwhash (keys + 1 * KEY_LEN, KEY_LEN, passphrase, strlen (passphrase),
                     (const guint8 *) file + 32, ops, (gsize) mem, crypto_pwhash_ALG_ARGON2ID13) != 0)
    {
      fprintf (stderr, "lock-key-scan: Argon2id failed (memory?)\n");
      return FALSE;
    }
  /* Slot A: nonce (24) and the sealed 48 bytes; the header is the AD. */
  ok = crypto_aead_xchacha20poly1305_ietf_decrypt (plain, &plain_len, NULL,
                                                   (const guint8 *) file + HEADER_LEN + 24, SLOT_LEN - 24,
                                                   (const guint8 *) file, HEADER_LEN,
                                                   (const guint8 *) file + HEADER_LEN,
                                                   keys + 1 * KEY_LEN) == 0 &&
       plain_len == 48 && plain[0] == 1;
  if (!ok)
    {
      fprintf (stderr, "lock-key-scan: the passphrase does not open %s\n", path);
      return FALSE;
    }
  memcpy (keys, plain + 16, KEY_LEN);
  sodium_memzero (plain, 48);
  sodium_free (plain);
  for (guint purpose = 1; purpose <= 5; purpose++)
    crypto_kdf_derive_from_key (keys + (1 + purpose) * KEY_LEN, KEY_LEN, purpose, KDF_CONTEXT, keys);

  needles = sodium_malloc (2 * N_KEYS * sizeof (Needle));
  for (guint k = 0; k < N_KEYS; k++)
    {
      Needle *raw = &needles[2 * k], *hex = &needles[2 * k + 1];

      raw->name = key_names[k];
      memcpy (raw->bytes, keys + k * KEY_LEN, KEY_LEN);
      raw->len = KEY_LEN;
      hex->name = raw->name;
      for (guint i = 0; i < KEY_LEN; i++)
        {
          static const char digits[] = "0123456789abcdef";

          hex->bytes[2 * i] = digits[raw->bytes[i] >> 4];
          hex->bytes[2 * i + 1] = digits[raw->bytes[i] & 15];
        }
      hex->len = 2 * KEY_LEN;
    }
  db_path = g_build_filename (dir, "testigo.db", NULL);
  return TRUE;
}

static void
do_check (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgSqlite) db = NULL;
  sqlite3_stmt *stmt = NULL;
  int n = -1;

  db = tg_sqlite_open_keyed (db_path, SQLITE_OPEN_READONLY, keys + 2 * KEY_LEN, &error);
  if (db == NULL)
    {
      reply_error ("open", error->message);
      return;
    }
  if (sqlite3_prepare_v2 (tg_sqlite_get_db (db), "SELECT count(*) FROM heads", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  printf ("{\"ok\":true,\"reports\":%d}\n", n);
  fflush (stdout);
}

/* A mapping worth reading: anonymous memory of any protection (the heap,
 * stacks, sodium_malloc's pages, PROT_NONE or not) and anything
 * writable. A read-only file mapping holds the file's bytes only. */
static gboolean
worth_reading (const char *perms,
               const char *path,
               unsigned long inode)
{
  if (g_str_equal (path, "[vvar]") || g_str_equal (path, "[vsyscall]") ||
      g_str_equal (path, "[vdso]") || g_str_has_prefix (path, "[vvar"))
    return FALSE;
  if (inode == 0)
    return TRUE;
  return perms[1] == 'w';
}

static void
do_scan (const char *pid_text)
{
  g_autofree char *maps_path = g_strdup_printf ("/proc/%s/maps", pid_text);
  g_autofree char *mem_path = g_strdup_printf ("/proc/%s/mem", pid_text);
  g_autofree char *maps = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  GPtrArray *found[2 * N_KEYS];
  guint8 *buf;
  guint64 total = 0;
  guint n_maps = 0, unreadable = 0;
  int fd;

  if (!g_file_get_contents (maps_path, &maps, NULL, NULL))
    {
      reply_error ("no-process", "no such process");
      return;
    }
  fd = open (mem_path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      reply_error ("ptrace", g_strerror (errno));
      return;
    }
  for (guint i = 0; i < 2 * N_KEYS; i++)
    found[i] = g_ptr_array_new_with_free_func (g_free);
  buf = g_malloc (CHUNK + 2 * KEY_LEN);
  lines = g_strsplit (maps, "\n", -1);
  for (guint l = 0; lines[l] != NULL; l++)
    {
      unsigned long start, end, offset, inode;
      char perms[5] = { 0 }, dev[16] = { 0 };
      int path_at = 0;
      const char *path;
      gsize carry = 0;
      gboolean any = FALSE;

      if (sscanf (lines[l], "%lx-%lx %4s %lx %15s %lu %n", &start, &end, perms, &offset, dev, &inode,
                  &path_at) < 6)
        continue;
      path = path_at > 0 ? lines[l] + path_at : "";
      if (!worth_reading (perms, path, inode))
        continue;
      n_maps++;
      for (unsigned long at = start; at < end;)
        {
          gsize want = MIN ((unsigned long) CHUNK, end - at);
          ssize_t got = pread (fd, buf + carry, want, (off_t) at);

          if (got <= 0)
            {
              if (!any)
                {
                  /* A device's memory, a guard: not ours to read. */
                  unreadable++;
                  break;
                }
              /* Skip a page that cannot be read. */
              at += 4096;
              carry = 0;
              continue;
            }
          any = TRUE;
          total += got;
          for (guint i = 0; i < 2 * N_KEYS; i++)
            {
              const guint8 *p = buf, *stop = buf + carry + got;

              while (p < stop && (p = memmem (p, stop - p, needles[i].bytes, needles[i].len)) != NULL)
                {
                  unsigned long where = at - carry + (p - buf);

                  if ((gsize) (p - buf) + needles[i].len <= carry)
                    {
                      p++;
                      continue;   /* counted with the chunk before */
                    }
                  g_ptr_array_add (found[i], g_strdup_printf ("%s %s+0x%lx", *path ? path : "[anon]", perms,
                                                              where - start));
                  p++;
                }
            }
          /* Keep the last bytes, so a key across two chunks is found
           * (a match is counted only if it ends in the new bytes). */
          {
            gsize have = carry + (gsize) got;
            gsize keep = MIN (have, (gsize) 2 * KEY_LEN - 1);

            memmove (buf, buf + have - keep, keep);
            carry = keep;
          }
          at += got;
        }
    }
  close (fd);
  g_free (buf);

  g_string_append_printf (out, "{\"bytes\":%" G_GUINT64_FORMAT ",\"mappings\":%u,\"unreadable\":%u,\"found\":{",
                          total, n_maps, unreadable);
  for (guint i = 0; i < 2 * N_KEYS; i++)
    {
      g_string_append_printf (out, "%s\"%s%s\":[", i ? "," : "", key_names[i / 2], i % 2 ? "-hex" : "");
      for (guint j = 0; j < found[i]->len; j++)
        {
          g_autofree char *quoted = g_strescape (found[i]->pdata[j], NULL);

          g_string_append_printf (out, "%s\"%s\"", j ? "," : "", quoted);
        }
      g_string_append_c (out, ']');
      g_ptr_array_unref (found[i]);
    }
  g_string_append (out, "}}");
  printf ("%s\n", out->str);
  fflush (stdout);
}

static void
do_hold (void)
{
  g_autoptr(GError) error = NULL;

  if (held != NULL)
    {
      reply_error ("held", "already held");
      return;
    }
  held = tg_sqlite_open_keyed (db_path, SQLITE_OPEN_READWRITE, keys + 2 * KEY_LEN, &error);
  if (held == NULL)
    {
      reply_error ("open", error->message);
      return;
    }
  if (sqlite3_exec (tg_sqlite_get_db (held), "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
    {
      reply_error ("busy", sqlite3_errmsg (tg_sqlite_get_db (held)));
      g_clear_pointer (&held, tg_sqlite_close);
      return;
    }
  printf ("{\"held\":true}\n");
  fflush (stdout);
}

static void
do_release (void)
{
  if (held != NULL)
    {
      sqlite3_exec (tg_sqlite_get_db (held), "ROLLBACK", NULL, NULL, NULL);
      g_clear_pointer (&held, tg_sqlite_close);
    }
  printf ("{\"released\":true}\n");
  fflush (stdout);
}

int
main (int   argc,
      char *argv[])
{
  const char *passphrase = g_getenv ("TESTIGO_PASSPHRASE");
  char line[256];

  if (argc != 2 || passphrase == NULL)
    {
      fprintf (stderr, "usage: TESTIGO_PASSPHRASE=… lock-key-scan DATA_DIR\n");
      return 2;
    }
  if (sodium_init () < 0 || !derive (argv[1], passphrase))
    return 1;
  printf ("{\"ready\":true}\n");
  fflush (stdout);

  while (fgets (line, sizeof line, stdin) != NULL)
    {
      g_strchomp (line);
      if (g_str_equal (line, "check"))
        do_check ();
      else if (g_str_has_prefix (line, "scan "))
        do_scan (line + 5);
      else if (g_str_equal (line, "hold"))
        do_hold ();
      else if (g_str_equal (line, "release"))
        do_release ();
      else
        reply_error ("usage", "unknown command");
    }
  do_release ();
  return 0;
}
