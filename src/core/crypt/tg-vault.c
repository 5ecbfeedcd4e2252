/* tg-vault.c — the data key, wrapped by the monitor's passphrase
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The key file (TG_VAULT_KEY_FILE), version 1, 224 bytes:
 *
 *   0   8  magic "TGVAULT\0"
 *   8   1  version (1)
 *   9   1  password hash: crypto_pwhash_ALG_ARGON2ID13
 *   10  6  zero
 *   16  8  Argon2id opslimit (little endian)
 *   24  8  Argon2id memlimit in bytes (little endian)
 *   32 16  salt
 *   48 88  slot A: nonce (24) + XChaCha20-Poly1305 of 48 bytes (64)
 *  136 88  slot B: the same, or 88 random bytes
 *
 * Bytes 0–47 (the header) are the associated data of both slots, so a
 * changed cost or salt fails like a wrong passphrase. A slot's 48 plain
 * bytes are a kind (1 = the data key, 2 = the erase marker), 15 zero
 * bytes and 32 bytes: the data key, or random bytes. Slot A is wrapped by
 * Argon2id (passphrase, salt); slot B by Argon2id (erase passphrase,
 * salt), or is random bytes when none is set — the two look alike.
 * One Argon2id run per unlock opens whichever slot the typed passphrase
 * fits. Changing the passphrase rewrites slot A only and keeps the salt,
 * so slot B still opens with the erase passphrase.
 *
 * The attempts file (TG_VAULT_ATTEMPTS_FILE) is one line of text,
 * "<failures> <unix time of the last failure>", removed after a right
 * passphrase.
 */
#define G_LOG_DOMAIN "testigo-vault"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sodium.h>

#include "tg-progress.h"
#include "tg-secure-key.h"
#include "tg-vault.h"
#include "tg-vault-private.h"

#define MAGIC              "TGVAULT"   /* and its NUL: 8 bytes */
#define MAGIC_LEN          8
#define FORMAT_VERSION     1
#define HEADER_LEN         48
#define SALT_LEN           16
#define SLOT_PLAIN_LEN     48
#define SLOT_NONCE_LEN     crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define SLOT_LEN           (SLOT_NONCE_LEN + SLOT_PLAIN_LEN + crypto_aead_xchacha20poly1305_ietf_ABYTES)
#define SLOT_A_OFFSET      HEADER_LEN
#define SLOT_B_OFFSET      (HEADER_LEN + SLOT_LEN)
#define KEY_FILE_LEN       (HEADER_LEN + 2 * SLOT_LEN)
#define SLOT_KIND_KEY      1
#define SLOT_KIND_ERASE    2
#define KDF_CONTEXT        "tgvault1"      /* crypto_kdf: 8 bytes */

/* Rate limit: after TG_VAULT_FREE_ATTEMPTS failures, 15 s, doubling. */
#define FIRST_WAIT_S       15
#define MAX_WAIT_S         3600

G_STATIC_ASSERT (SLOT_LEN == 88);
G_STATIC_ASSERT (KEY_FILE_LEN == 224);
G_STATIC_ASSERT (crypto_kdf_CONTEXTBYTES == 8);
G_STATIC_ASSERT (TG_VAULT_KEY_BYTES == TG_SECURE_KEY_BYTES);

struct _TgVault
{
  GObject       parent_instance;

  char         *directory;
  char         *key_path;
  char         *attempts_path;
  GMainContext *context;
  GThread      *context_thread;  /* the thread that made the vault */

  /* op_lock serialises whole operations (create, unlock, change, erase);
   * key_lock guards the fields below it, held only briefly. */
  GMutex        op_lock;
  GMutex        key_lock;
  TgVaultState  state;
  guint8       *key;            /* sodium_malloc'd; NULL unless unlocked */
  guint         generation;
  guint64       opslimit;
  gsize         memlimit;

  TgVaultClockFunc clock;
};

enum { PROP_0, PROP_DIRECTORY, PROP_STATE, PROP_FAILED_ATTEMPTS, N_PROPS };
enum { SIGNAL_ERASED, N_SIGNALS };

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (TgVault, tg_vault, G_TYPE_OBJECT)
G_DEFINE_QUARK (tg-vault-error-quark, tg_vault_error)

GType
tg_vault_state_get_type (void)
{
  static gsize type = 0;

  if (g_once_init_enter (&type))
    {
      static const GEnumValue values[] = {
        { TG_VAULT_STATE_NONE, "TG_VAULT_STATE_NONE", "none" },
        { TG_VAULT_STATE_LOCKED, "TG_VAULT_STATE_LOCKED", "locked" },
        { TG_VAULT_STATE_UNLOCKED, "TG_VAULT_STATE_UNLOCKED", "unlocked" },
        { 0, NULL, NULL },
      };
      g_once_init_leave (&type, g_enum_register_static ("TgVaultState", values));
    }
  return type;
}

/* Helpers ----------------------------------------------------------------- */

static gboolean
sodium_ready (GError **error)
{
  static gsize done = 0;
  static int result = -1;

  if (g_once_init_enter (&done))
    {
      result = sodium_init ();
      g_once_init_leave (&done, 1);
    }
  if (result < 0)
    {
      g_set_error_literal (error, TG_VAULT_ERROR, TG_VAULT_ERROR_FAILED,
                           _("The encryption library could not start."));
      return FALSE;
    }
  return TRUE;
}

static gint64
now_s (TgVault *self)
{
  return self->clock != NULL ? self->clock () : g_get_real_time () / G_USEC_PER_SEC;
}

static void
put_u64 (guint8  *p,
         guint64  v)
{
  for (guint i = 0; i < 8; i++)
    p[i] = (v >> (8 * i)) & 0xff;
}

static guint64
get_u64 (const guint8 *p)
{
  guint64 v = 0;

  for (guint i = 0; i < 8; i++)
    v |= (guint64) p[i] << (8 * i);
  return v;
}

/* Sets @error from errno, read first, and evaluates to FALSE. A macro,
 * so that @format stays a literal the compiler checks. */
#define set_errno_error(error, format, path)                                    \
  ({                                                                            \
    int saved_errno_ = errno;                                                   \
    g_autofree char *display_ = g_filename_display_name (path);                 \
                                                                                \
    g_set_error ((error), G_IO_ERROR, g_io_error_from_errno (saved_errno_),     \
                 (format), display_, g_strerror (saved_errno_));                \
    FALSE;                                                                      \
  })

static gboolean
fsync_directory (const char  *path,
                 GError     **error)
{
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0)
    return set_errno_error (error, _("Could not open the folder %s: %s"), path);
  if (fsync (fd) != 0 && errno != EINVAL)
    {
      set_errno_error (error, _("Could not save the folder %s to disk: %s"), path);
      close (fd);
      return FALSE;
    }
  close (fd);
  return TRUE;
}

/* Temporary file beside @path, fsync, rename, fsync of the folder: after
 * a crash the file is either the old one or the new one, whole. */
static gboolean
write_atomically (TgVault       *self,
                  const char    *path,
                  const guint8  *data,
                  gsize          len,
                  GError       **error)
{
  g_autofree char *tmp = g_strconcat (path, ".tmp-XXXXXX", NULL);
  gsize done = 0;
  int fd;

  if (g_mkdir_with_parents (self->directory, 0700) != 0)
    return set_errno_error (error, _("Could not create the folder %s: %s"), self->directory);

  fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    return set_errno_error (error, _("Could not create a file in %s: %s"), self->directory);

  while (done < len)
    {
      ssize_t n = write (fd, data + done, len - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        goto fail;
      done += n;
    }
  if (fchmod (fd, 0600) != 0 || fsync (fd) != 0)
    goto fail;
  if (close (fd) != 0)
    {
      fd = -1;
      goto fail;
    }
  fd = -1;
  if (g_rename (tmp, path) != 0)
    goto fail;
  return fsync_directory (self->directory, error);

fail:
  set_errno_error (error, _("Could not write %s: %s"), path);
  if (fd >= 0)
    close (fd);
  g_unlink (tmp);
  return FALSE;
}

/* A file's previous contents are overwritten with random bytes and
 * synced before it is removed, so that what the key file held is not
 * left in its blocks on a file system that writes in place. */
static gboolean
shred_file (const char  *path,
            GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  struct stat st;
  int fd;

  fd = open (path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    {
      if (errno == ENOENT)
        return TRUE;
      return set_errno_error (error, _("Could not open %s: %s"), path);
    }
  if (fstat (fd, &st) == 0 && S_ISREG (st.st_mode))
    {
      guint8 noise[4096];
      off_t left = st.st_size;

      while (left > 0)
        {
          size_t n = MIN ((off_t) sizeof noise, left);
          ssize_t w;

          randombytes_buf (noise, n);
          w = write (fd, noise, n);
          if (w < 0 && errno == EINTR)
            continue;
          if (w <= 0)
            break;
          left -= w;
        }
      fsync (fd);
    }
  close (fd);
  if (g_unlink (path) != 0 && errno != ENOENT)
    return set_errno_error (error, _("Could not remove %s: %s"), path);
  return fsync_directory (dir, error);
}

static gboolean
remove_tree (const char  *path,
             GError     **error)
{
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    return errno == ENOENT ? TRUE : set_errno_error (error, _("Could not remove %s: %s"), path);

  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, error);
      const char *name;

      if (dir == NULL)
        return FALSE;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (!remove_tree (child, error))
            return FALSE;
        }
      if (g_rmdir (path) != 0)
        return set_errno_error (error, _("Could not remove %s: %s"), path);
      return TRUE;
    }
  /* Encrypted files need no overwriting: without the key they are noise. */
  if (g_unlink (path) != 0 && errno != ENOENT)
    return set_errno_error (error, _("Could not remove %s: %s"), path);
  return TRUE;
}

/* State --------------------------------------------------------------------- */

typedef struct
{
  TgVault *vault;
  guint    pspec;
} NotifyData;

static gboolean
notify_cb (gpointer user_data)
{
  NotifyData *data = user_data;

  g_object_notify_by_pspec (G_OBJECT (data->vault), properties[data->pspec]);
  return G_SOURCE_REMOVE;
}

static void
notify_data_free (gpointer user_data)
{
  NotifyData *data = user_data;

  g_object_unref (data->vault);
  g_free (data);
}

/* Notifies from the vault's main context, whatever thread changed it. */
static void
notify_in_context (TgVault *self,
                   guint    pspec)
{
  NotifyData *data = g_new0 (NotifyData, 1);

  data->vault = g_object_ref (self);
  data->pspec = pspec;
  tg_main_context_call (self->context, self->context_thread, notify_cb, data, notify_data_free);
}

static gboolean
erased_cb (gpointer user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_ERASED], 0);
  return G_SOURCE_REMOVE;
}

/* With key_lock held. Takes @key (tg_secure_key_new()) or wipes the one
 * held. TRUE if the state changed: the caller notifies once it let go of
 * key_lock (a handler may well ask for the state). */
static gboolean
set_state_locked (TgVault      *self,
                  TgVaultState  state,
                  guint8       *key)
{
  if (self->key != NULL && self->key != key)
    tg_secure_key_free (self->key);
  self->key = key;
  if (self->key != NULL)
    sodium_mprotect_noaccess (self->key);
  if (self->state == state)
    return FALSE;
  self->state = state;
  self->generation++;
  return TRUE;
}

static void
set_state (TgVault      *self,
           TgVaultState  state,
           guint8       *key)
{
  gboolean changed;

  g_mutex_lock (&self->key_lock);
  changed = set_state_locked (self, state, key);
  g_mutex_unlock (&self->key_lock);
  if (changed)
    notify_in_context (self, PROP_STATE);
}

/* Attempts ------------------------------------------------------------------ */

static void
read_attempts (TgVault *self,
               guint   *failures,
               gint64  *last)
{
  g_autofree char *text = NULL;
  guint64 f = 0;
  gint64 t = 0;

  *failures = 0;
  *last = 0;
  if (!g_file_get_contents (self->attempts_path, &text, NULL, NULL))
    return;
  if (sscanf (text, "%" G_GUINT64_FORMAT " %" G_GINT64_FORMAT, &f, &t) != 2)
    {
      /* A damaged count is taken as the limit reached, not as zero:
       * truncating the file must not buy more guesses. */
      f = TG_VAULT_FREE_ATTEMPTS;
      t = now_s (self);
    }
  *failures = (guint) MIN (f, G_MAXUINT);
  *last = t;
}

static gboolean
write_attempts (TgVault  *self,
                guint     failures,
                gint64    last,
                GError  **error)
{
  g_autofree char *text = NULL;

  if (failures == 0)
    {
      if (g_unlink (self->attempts_path) != 0 && errno != ENOENT)
        return set_errno_error (error, _("Could not remove %s: %s"), self->attempts_path);
      return TRUE;
    }
  text = g_strdup_printf ("%u %" G_GINT64_FORMAT "\n", failures, last);
  return write_atomically (self, self->attempts_path, (const guint8 *) text, strlen (text), error);
}

static guint
wait_for (guint failures)
{
  guint shift;

  if (failures < TG_VAULT_FREE_ATTEMPTS)
    return 0;
  shift = failures - TG_VAULT_FREE_ATTEMPTS;
  if (shift >= 12)
    return MAX_WAIT_S;
  return MIN ((guint) FIRST_WAIT_S << shift, MAX_WAIT_S);
}

static guint
retry_after (TgVault *self)
{
  guint failures;
  gint64 last, now, until;

  read_attempts (self, &failures, &last);
  now = now_s (self);
  /* A clock set back must not stretch the wait past its longest. */
  last = MIN (last, now);
  until = last + wait_for (failures);
  return until > now ? (guint) (until - now) : 0;
}

static char *
format_wait (guint seconds)
{
  if (seconds < 60)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u second", "%u seconds", seconds),
                            seconds);
  else
    {
      guint minutes = (seconds + 59) / 60;

      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u minute", "%u minutes", minutes),
                              minutes);
    }
}

static void
set_rate_limited_error (GError **error,
                        guint    seconds)
{
  g_autofree char *wait = format_wait (seconds);

  g_set_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_RATE_LIMITED,
               _("Too many wrong passphrases. Try again in %s."), wait);
}

/* Counts a failure and sets the error that says so. */
static void
count_failure (TgVault  *self,
               GError  **error)
{
  g_autoptr(GError) write_error = NULL;
  guint failures, wait;
  gint64 last;

  read_attempts (self, &failures, &last);
  failures = failures < G_MAXUINT ? failures + 1 : failures;
  if (!write_attempts (self, failures, now_s (self), &write_error))
    g_warning ("Could not count a wrong passphrase: %s", write_error->message);
  notify_in_context (self, PROP_FAILED_ATTEMPTS);

  wait = wait_for (failures);
  if (wait == 0)
    g_set_error_literal (error, TG_VAULT_ERROR, TG_VAULT_ERROR_WRONG_PASSPHRASE,
                         _("Wrong passphrase. Nothing was changed."));
  else
    {
      g_autofree char *text = format_wait (wait);

      g_set_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_WRONG_PASSPHRASE,
                   _("Wrong passphrase. Nothing was changed. The next try is possible in %s."),
                   text);
    }
}

/* The key file ------------------------------------------------------------- */

typedef struct
{
  guint8  bytes[KEY_FILE_LEN];
  guint64 opslimit;
  gsize   memlimit;
} KeyFile;

static gboolean
read_key_file (TgVault  *self,
               KeyFile  *kf,
               GError  **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize len = 0;
  guint64 memlimit;

  if (!g_file_get_contents (self->key_path, &contents, &len, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_set_error_literal (error, TG_VAULT_ERROR, TG_VAULT_ERROR_NO_KEY,
                             _("There is no key yet: set a passphrase first."));
      else
        g_set_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_FAILED,
                     _("Could not read the key file: %s"), local_error->message);
      return FALSE;
    }
  if (len < HEADER_LEN || memcmp (contents, MAGIC, MAGIC_LEN) != 0)
    {
      g_set_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_CORRUPT,
                   _("The key file %s is damaged or is not Testigo's."), self->key_path);
      return FALSE;
    }
  if ((guint8) contents[8] > FORMAT_VERSION)
    {
      g_set_error_literal (error, TG_VAULT_ERROR, TG_VAULT_ERROR_TOO_NEW,
                           _("The key file was written by a newer version of Testigo."));
      return FALSE;
    }
  memcpy (kf->bytes, contents, MIN (len, KEY_FILE_LEN));
  kf->opslimit = get_u64 (kf->bytes + 16);
  memlimit = get_u64 (kf->bytes + 24);
  if (len != KEY_FILE_LEN || contents[8] != FORMAT_VERSION ||
      contents[9] != crypto_pwhash_ALG_ARGON2ID13 ||
      kf->opslimit < crypto_pwhash_OPSLIMIT_MIN || kf->opslimit > crypto_pwhash_OPSLIMIT_MAX ||
      memlimit < crypto_pwhash_MEMLIMIT_MIN || memlimit > MIN (crypto_pwhash_MEMLIMIT_MAX, (guint64) 4 << 30))
    {
      g_set_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_CORRUPT,
                   _("The key file %s is damaged or is not Testigo's."), self->key_path);
      return FALSE;
    }
  kf->memlimit = (gsize) memlimit;
  return TRUE;
}

/* Argon2id of @passphrase with the file's salt and cost, into @out
 * (TG_VAULT_KEY_BYTES, sodium_malloc'd by the caller). */
static gboolean
derive_wrap_key (const KeyFile  *kf,
                 const char     *passphrase,
                 guint8         *out,
                 GError        **error)
{
  if (crypto_pwhash (out, TG_VAULT_KEY_BYTES, passphrase, strlen (passphrase),
                     kf->bytes + 32, kf->opslimit, kf->memlimit,
                     crypto_pwhash_ALG_ARGON2ID13) != 0)
    {
      g_set_error_literal (error, TG_VAULT_ERROR, TG_VAULT_ERROR_FAILED,
                           _("Not enough memory to check the passphrase."));
      return FALSE;
    }
  return TRUE;
}

/* Opens the slot at @offset with @wrap; its 48 plain bytes into @plain
 * (sodium_malloc'd). */
static gboolean
open_slot (const KeyFile *kf,
           gsize          offset,
           const guint8  *wrap,
           guint8        *plain)
{
  const guint8 *slot = kf->bytes + offset;
  unsigned long long plain_len = 0;

  return crypto_aead_xchacha20poly1305_ietf_decrypt (plain, &plain_len, NULL,
                                                     slot + SLOT_NONCE_LEN,
                                                     SLOT_LEN - SLOT_NONCE_LEN,
                                                     kf->bytes, HEADER_LEN,
                                                     slot, wrap) == 0 &&
         plain_len == SLOT_PLAIN_LEN;
}

static void
seal_slot (KeyFile      *kf,
           gsize         offset,
           const guint8 *wrap,
           guint8        kind,
           const guint8 *key)
{
  guint8 *slot = kf->bytes + offset;
  guint8 *plain = sodium_malloc (SLOT_PLAIN_LEN);

  memset (plain, 0, SLOT_PLAIN_LEN);
  plain[0] = kind;
  if (key != NULL)
    memcpy (plain + 16, key, TG_VAULT_KEY_BYTES);
  else
    randombytes_buf (plain + 16, TG_VAULT_KEY_BYTES);
  randombytes_buf (slot, SLOT_NONCE_LEN);
  crypto_aead_xchacha20poly1305_ietf_encrypt (slot + SLOT_NONCE_LEN, NULL,
                                              plain, SLOT_PLAIN_LEN,
                                              kf->bytes, HEADER_LEN,
                                              NULL, slot, wrap);
  sodium_memzero (plain, SLOT_PLAIN_LEN);
  sodium_free (plain);
}

static void
new_header (TgVault *self,
            KeyFile *kf)
{
  memset (kf->bytes, 0, sizeof kf->bytes);
  memcpy (kf->bytes, MAGIC, MAGIC_LEN);
  kf->bytes[8] = FORMAT_VERSION;
  kf->bytes[9] = crypto_pwhash_ALG_ARGON2ID13;
  kf->opslimit = self->opslimit;
  kf->memlimit = self->memlimit;
  put_u64 (kf->bytes + 16, kf->opslimit);
  put_u64 (kf->bytes + 24, kf->memlimit);
  randombytes_buf (kf->bytes + 32, SALT_LEN);
  /* Slot B starts as noise: no erase passphrase, and it looks like one. */
  randombytes_buf (kf->bytes + SLOT_B_OFFSET, SLOT_LEN);
}

static gboolean
check_passphrase_text (const char  *passphrase,
                       GError     **error)
{
  if (passphrase == NULL || *passphrase == '\0')
    {
      g_set_error_literal (error, TG_VAULT_ERROR, TG_VAULT_ERROR_WEAK_PASSPHRASE,
                           _("The passphrase is empty."));
      return FALSE;
    }
  return TRUE;
}

/* Secure buffers ------------------------------------------------------------ */

/* Keys: tg_secure_key_new() (tg-secure-key.h): locked, wiped when freed. */

static void
secure_slot_free (guint8 *plain)
{
  if (plain == NULL)
    return;
  sodium_memzero (plain, SLOT_PLAIN_LEN);
  sodium_free (plain);
}

static char *
secure_strdup (const char *text)
{
  gsize len;
  char *copy;

  if (text == NULL)
    return NULL;
  len = strlen (text);
  copy = sodium_malloc (len + 1);
  memcpy (copy, text, len + 1);
  return copy;
}

static void
secure_str_free (char *text)
{
  if (text == NULL)
    return;
  sodium_memzero (text, strlen (text));
  sodium_free (text);
}

/* Operations (op_lock held) ------------------------------------------------ */

static gboolean
do_erase (TgVault  *self,
          GError  **error)
{
  static const char * const names[] = {
    "testigo.db", "testigo.db-wal", "testigo.db-shm", "testigo.db-journal", "blobs",
  };
  g_autofree char *tmp_glob = NULL;

  /* The key first: once it is gone, whatever follows is noise. */
  if (!shred_file (self->key_path, error))
    return FALSE;
  g_unlink (self->attempts_path);
  set_state (self, TG_VAULT_STATE_NONE, NULL);
  notify_in_context (self, PROP_FAILED_ATTEMPTS);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (self->directory, names[i], NULL);

      if (!remove_tree (path, error))
        return FALSE;
    }
  /* Half-written key files of an interrupted write. */
  {
    g_autoptr(GDir) dir = g_dir_open (self->directory, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      if (g_str_has_prefix (name, TG_VAULT_KEY_FILE ".tmp-") ||
          g_str_has_prefix (name, TG_VAULT_ATTEMPTS_FILE ".tmp-"))
        {
          g_autofree char *path = g_build_filename (self->directory, name, NULL);

          shred_file (path, NULL);
        }
  }
  fsync_directory (self->directory, NULL);
  tg_main_context_call (self->context, self->context_thread, erased_cb,
                        g_object_ref (self), g_object_unref);
  return TRUE;
}

static gboolean
do_create (TgVault     *self,
           const char  *passphrase,
           GError     **error)
{
  g_autoptr(TgSecureKey) wrap = NULL;
  guint8 *key;
  KeyFile kf;

  if (!check_passphrase_text (passphrase, error))
    return FALSE;
  if (g_file_test (self->key_path, G_FILE_TEST_EXISTS))
    {
      g_set_error_literal (error, TG_VAULT_ERROR, TG_VAULT_ERROR_EXISTS,
                           _("A passphrase is set already."));
      return FALSE;
    }

  new_header (self, &kf);
  wrap = tg_secure_key_new ();
  if (!derive_wrap_key (&kf, passphrase, wrap, error))
    return FALSE;

  key = tg_secure_key_new ();
  randombytes_buf (key, TG_VAULT_KEY_BYTES);
  seal_slot (&kf, SLOT_A_OFFSET, wrap, SLOT_KIND_KEY, key);

  if (!write_atomically (self, self->key_path, kf.bytes, KEY_FILE_LEN, error))
    {
      tg_secure_key_free (key);
      return FALSE;
    }
  write_attempts (self, 0, 0, NULL);
  set_state (self, TG_VAULT_STATE_UNLOCKED, key);
  return TRUE;
}

typedef enum { OPENED_NONE, OPENED_KEY, OPENED_ERASE } Opened;

/* Runs Argon2id once and tries both slots. With OPENED_KEY, @key_out
 * receives the data key (sodium_malloc'd). Counts nothing. */
static gboolean
try_passphrase (TgVault     *self,
                KeyFile     *kf,
                const char  *passphrase,
                Opened      *opened,
                guint8     **key_out,
                GError     **error)
{
  g_autoptr(TgSecureKey) wrap = tg_secure_key_new ();
  guint8 *plain = sodium_malloc (SLOT_PLAIN_LEN);

  *opened = OPENED_NONE;
  if (!derive_wrap_key (kf, passphrase, wrap, error))
    {
      secure_slot_free (plain);
      return FALSE;
    }
  if (open_slot (kf, SLOT_A_OFFSET, wrap, plain) && plain[0] == SLOT_KIND_KEY)
    {
      *opened = OPENED_KEY;
      if (key_out != NULL)
        {
          *key_out = tg_secure_key_new ();
          memcpy (*key_out, plain + 16, TG_VAULT_KEY_BYTES);
        }
    }
  else if (open_slot (kf, SLOT_B_OFFSET, wrap, plain) && plain[0] == SLOT_KIND_ERASE)
    *opened = OPENED_ERASE;
  secure_slot_free (plain);
  return TRUE;
}

/* The checks every passphrase attempt goes through: a key file, the
 * rate limit, one Argon2id. An erase passphrase erases here. */
static gboolean
attempt (TgVault     *self,
         const char  *passphrase,
         KeyFile     *kf,
         guint8     **key_out,
         GError     **error)
{
  Opened opened = OPENED_NONE;
  guint wait;

  if (!read_key_file (self, kf, error))
    return FALSE;
  if ((wait = retry_after (self)) > 0)
    {
      set_rate_limited_error (error, wait);
      return FALSE;
    }
  if (passphrase == NULL)
    passphrase = "";
  if (!try_passphrase (self, kf, passphrase, &opened, key_out, error))
    return FALSE;

  switch (opened)
    {
    case OPENED_KEY:
      {
        g_autoptr(GError) local_error = NULL;
        guint failures;
        gint64 last;

        read_attempts (self, &failures, &last);
        if (failures > 0)
          {
            if (!write_attempts (self, 0, 0, &local_error))
              g_warning ("Could not reset the count of wrong passphrases: %s", local_error->message);
            notify_in_context (self, PROP_FAILED_ATTEMPTS);
          }
        return TRUE;
      }
    case OPENED_ERASE:
      if (!do_erase (self, error))
        return FALSE;
      g_set_error_literal (error, TG_VAULT_ERROR, TG_VAULT_ERROR_ERASED,
                           _("Everything Testigo stored on this computer was erased."));
      return FALSE;
    case OPENED_NONE:
    default:
      count_failure (self, error);
      return FALSE;
    }
}

static gboolean
do_unlock (TgVault     *self,
           const char  *passphrase,
           GError     **error)
{
  guint8 *key = NULL;
  KeyFile kf;

  if (tg_vault_get_state (self) == TG_VAULT_STATE_NONE &&
      !g_file_test (self->key_path, G_FILE_TEST_EXISTS))
    {
      g_set_error_literal (error, TG_VAULT_ERROR, TG_VAULT_ERROR_NO_KEY,
                           _("There is no key yet: set a passphrase first."));
      return FALSE;
    }
  if (!attempt (self, passphrase, &kf, &key, error))
    return FALSE;
  set_state (self, TG_VAULT_STATE_UNLOCKED, key);
  return TRUE;
}

static gboolean
require_unlocked (TgVault  *self,
                  GError  **error)
{
  if (tg_vault_get_state (self) != TG_VAULT_STATE_UNLOCKED)
    {
      g_set_error_literal (error, TG_VAULT_ERROR, TG_VAULT_ERROR_LOCKED,
                           _("Testigo is locked: unlock it first."));
      return FALSE;
    }
  return TRUE;
}

static gboolean
do_change_passphrase (TgVault     *self,
                      const char  *old_passphrase,
                      const char  *new_passphrase,
                      GError     **error)
{
  g_autoptr(TgSecureKey) key = NULL;
  g_autoptr(TgSecureKey) wrap = NULL;
  KeyFile kf;

  if (!require_unlocked (self, error) || !check_passphrase_text (new_passphrase, error))
    return FALSE;
  if (!attempt (self, old_passphrase, &kf, &key, error))
    return FALSE;

  /* The same salt: slot B keeps opening with the erase passphrase. The
   * cost may have changed since (tg_vault_set_kdf_limits) but slot B was
   * sealed with the file's: it stays. */
  wrap = tg_secure_key_new ();
  if (!derive_wrap_key (&kf, new_passphrase, wrap, error))
    return FALSE;
  seal_slot (&kf, SLOT_A_OFFSET, wrap, SLOT_KIND_KEY, key);
  return write_atomically (self, self->key_path, kf.bytes, KEY_FILE_LEN, error);
}

static gboolean
do_set_erase_passphrase (TgVault     *self,
                         const char  *erase_passphrase,
                         GError     **error)
{
  g_autoptr(TgSecureKey) wrap = NULL;
  guint8 *plain = NULL;
  gboolean same;
  KeyFile kf;

  if (!require_unlocked (self, error) || !read_key_file (self, &kf, error))
    return FALSE;

  if (erase_passphrase == NULL)
    {
      randombytes_buf (kf.bytes + SLOT_B_OFFSET, SLOT_LEN);
      return write_atomically (self, self->key_path, kf.bytes, KEY_FILE_LEN, error);
    }
  if (!check_passphrase_text (erase_passphrase, error))
    return FALSE;

  wrap = tg_secure_key_new ();
  if (!derive_wrap_key (&kf, erase_passphrase, wrap, error))
    return FALSE;
  plain = sodium_malloc (SLOT_PLAIN_LEN);
  same = open_slot (&kf, SLOT_A_OFFSET, wrap, plain);
  secure_slot_free (plain);
  if (same)
    {
      g_set_error_literal (error, TG_VAULT_ERROR, TG_VAULT_ERROR_WEAK_PASSPHRASE,
                           _("The erase passphrase must differ from the passphrase."));
      return FALSE;
    }
  seal_slot (&kf, SLOT_B_OFFSET, wrap, SLOT_KIND_ERASE, NULL);
  return write_atomically (self, self->key_path, kf.bytes, KEY_FILE_LEN, error);
}

/* GObject ------------------------------------------------------------------- */

static void
tg_vault_finalize (GObject *object)
{
  TgVault *self = TG_VAULT (object);

  if (self->key != NULL)
    tg_secure_key_free (self->key);
  g_mutex_clear (&self->op_lock);
  g_mutex_clear (&self->key_lock);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->directory);
  g_free (self->key_path);
  g_free (self->attempts_path);
  G_OBJECT_CLASS (tg_vault_parent_class)->finalize (object);
}

static void
tg_vault_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  TgVault *self = TG_VAULT (object);

  switch (prop_id)
    {
    case PROP_DIRECTORY:
      g_value_set_string (value, self->directory);
      break;
    case PROP_STATE:
      g_value_set_enum (value, tg_vault_get_state (self));
      break;
    case PROP_FAILED_ATTEMPTS:
      g_value_set_uint (value, tg_vault_get_failed_attempts (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_vault_class_init (TgVaultClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tg_vault_finalize;
  object_class->get_property = tg_vault_get_property;

  properties[PROP_DIRECTORY] =
    g_param_spec_string ("directory", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, TG_TYPE_VAULT_STATE,
                       TG_VAULT_STATE_NONE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FAILED_ATTEMPTS] =
    g_param_spec_uint ("failed-attempts", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TgVault::erased:
   *
   * Emitted after an erase (asked for, or by the erase passphrase): the
   * key file and the encrypted files are gone; the state is NONE.
   */
  signals[SIGNAL_ERASED] =
    g_signal_new ("erased", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
tg_vault_init (TgVault *self)
{
  g_mutex_init (&self->op_lock);
  g_mutex_init (&self->key_lock);
  self->opslimit = TG_VAULT_DEFAULT_OPSLIMIT;
  self->memlimit = TG_VAULT_DEFAULT_MEMLIMIT;
}

/* Public API ---------------------------------------------------------------- */

TgVault *
tg_vault_new (const char *directory)
{
  TgVault *self;

  g_return_val_if_fail (directory != NULL, NULL);

  if (!sodium_ready (NULL))
    g_critical ("libsodium could not start: the vault will refuse every operation");

  self = g_object_new (TG_TYPE_VAULT, NULL);
  self->directory = g_strdup (directory);
  self->key_path = g_build_filename (directory, TG_VAULT_KEY_FILE, NULL);
  self->attempts_path = g_build_filename (directory, TG_VAULT_ATTEMPTS_FILE, NULL);
  self->context = g_main_context_ref_thread_default ();
  self->context_thread = g_thread_self ();
  self->state = g_file_test (self->key_path, G_FILE_TEST_EXISTS) ? TG_VAULT_STATE_LOCKED
                                                                 : TG_VAULT_STATE_NONE;
  return self;
}

const char *
tg_vault_get_directory (TgVault *self)
{
  g_return_val_if_fail (TG_IS_VAULT (self), NULL);
  return self->directory;
}

TgVaultState
tg_vault_get_state (TgVault *self)
{
  TgVaultState state;

  g_return_val_if_fail (TG_IS_VAULT (self), TG_VAULT_STATE_NONE);

  g_mutex_lock (&self->key_lock);
  state = self->state;
  g_mutex_unlock (&self->key_lock);
  return state;
}

gboolean
tg_vault_is_unlocked (TgVault *self)
{
  return tg_vault_get_state (self) == TG_VAULT_STATE_UNLOCKED;
}

guint
tg_vault_get_failed_attempts (TgVault *self)
{
  guint failures;
  gint64 last;

  g_return_val_if_fail (TG_IS_VAULT (self), 0);

  read_attempts (self, &failures, &last);
  return failures;
}

guint
tg_vault_get_retry_after (TgVault *self)
{
  g_return_val_if_fail (TG_IS_VAULT (self), 0);
  return retry_after (self);
}

void
tg_vault_set_kdf_limits (TgVault *self,
                         guint64  opslimit,
                         gsize    memlimit)
{
  g_return_if_fail (TG_IS_VAULT (self));

  g_mutex_lock (&self->op_lock);
  self->opslimit = opslimit ? CLAMP (opslimit, crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_OPSLIMIT_MAX)
                            : TG_VAULT_DEFAULT_OPSLIMIT;
  self->memlimit = memlimit ? MAX (memlimit, crypto_pwhash_MEMLIMIT_MIN)
                            : TG_VAULT_DEFAULT_MEMLIMIT;
  g_mutex_unlock (&self->op_lock);
}

gboolean
tg_vault_create (TgVault       *self,
                 const char    *passphrase,
                 GCancellable  *cancellable,
                 GError       **error)
{
  gboolean ok;

  g_return_val_if_fail (TG_IS_VAULT (self), FALSE);

  if (!sodium_ready (error) || g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  g_mutex_lock (&self->op_lock);
  ok = do_create (self, passphrase, error);
  g_mutex_unlock (&self->op_lock);
  return ok;
}

gboolean
tg_vault_unlock (TgVault       *self,
                 const char    *passphrase,
                 GCancellable  *cancellable,
                 GError       **error)
{
  gboolean ok;

  g_return_val_if_fail (TG_IS_VAULT (self), FALSE);

  if (!sodium_ready (error) || g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  g_mutex_lock (&self->op_lock);
  if (tg_vault_get_state (self) == TG_VAULT_STATE_UNLOCKED)
    {
      /* Already open: the passphrase is still checked (and counted). */
      KeyFile kf;

      ok = attempt (self, passphrase, &kf, NULL, error);
    }
  else
    ok = do_unlock (self, passphrase, error);
  g_mutex_unlock (&self->op_lock);
  return ok;
}

void
tg_vault_lock (TgVault *self)
{
  gboolean changed = FALSE;

  g_return_if_fail (TG_IS_VAULT (self));

  g_mutex_lock (&self->key_lock);
  if (self->state == TG_VAULT_STATE_UNLOCKED)
    changed = set_state_locked (self, TG_VAULT_STATE_LOCKED, NULL);
  g_mutex_unlock (&self->key_lock);
  if (changed)
    notify_in_context (self, PROP_STATE);
}

gboolean
tg_vault_change_passphrase (TgVault       *self,
                            const char    *old_passphrase,
                            const char    *new_passphrase,
                            GCancellable  *cancellable,
                            GError       **error)
{
  gboolean ok;

  g_return_val_if_fail (TG_IS_VAULT (self), FALSE);

  if (!sodium_ready (error) || g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  g_mutex_lock (&self->op_lock);
  ok = do_change_passphrase (self, old_passphrase, new_passphrase, error);
  g_mutex_unlock (&self->op_lock);
  return ok;
}

gboolean
tg_vault_set_erase_passphrase (TgVault       *self,
                               const char    *erase_passphrase,
                               GCancellable  *cancellable,
                               GError       **error)
{
  gboolean ok;

  g_return_val_if_fail (TG_IS_VAULT (self), FALSE);

  if (!sodium_ready (error) || g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  g_mutex_lock (&self->op_lock);
  ok = do_set_erase_passphrase (self, erase_passphrase, error);
  g_mutex_unlock (&self->op_lock);
  return ok;
}

gboolean
tg_vault_erase (TgVault       *self,
                GCancellable  *cancellable,
                GError       **error)
{
  gboolean ok;

  g_return_val_if_fail (TG_IS_VAULT (self), FALSE);

  if (!sodium_ready (error))
    return FALSE;
  g_mutex_lock (&self->op_lock);
  ok = do_erase (self, error);
  g_mutex_unlock (&self->op_lock);
  return ok;
}

gboolean
tg_vault_derive_subkey (TgVault         *self,
                        TgVaultPurpose   purpose,
                        guint8          *out,
                        GError         **error)
{
  gboolean ok = FALSE;

  g_return_val_if_fail (TG_IS_VAULT (self), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  g_mutex_lock (&self->key_lock);
  if (self->state == TG_VAULT_STATE_UNLOCKED && self->key != NULL)
    {
      sodium_mprotect_readonly (self->key);
      ok = crypto_kdf_derive_from_key (out, TG_VAULT_KEY_BYTES, (guint64) purpose,
                                       KDF_CONTEXT, self->key) == 0;
      sodium_mprotect_noaccess (self->key);
    }
  g_mutex_unlock (&self->key_lock);

  if (!ok)
    g_set_error_literal (error, TG_VAULT_ERROR, TG_VAULT_ERROR_LOCKED,
                         _("Testigo is locked: unlock it first."));
  return ok;
}

TgSecureKey *
tg_vault_dup_subkey (TgVault         *self,
                     TgVaultPurpose   purpose,
                     GError         **error)
{
  g_autoptr(TgSecureKey) key = NULL;

  g_return_val_if_fail (TG_IS_VAULT (self), NULL);

  if ((key = tg_secure_key_new ()) == NULL)
    {
      g_set_error_literal (error, TG_VAULT_ERROR, TG_VAULT_ERROR_FAILED,
                           _("The encryption library could not start."));
      return NULL;
    }
  if (!tg_vault_derive_subkey (self, purpose, key, error))
    return NULL;
  return g_steal_pointer (&key);
}

guint
tg_vault_get_generation (TgVault *self)
{
  guint generation;

  g_return_val_if_fail (TG_IS_VAULT (self), 0);

  g_mutex_lock (&self->key_lock);
  generation = self->generation;
  g_mutex_unlock (&self->key_lock);
  return generation;
}

/* Private API ------------------------------------------------------------- */

void
tg_vault_set_clock_for_testing (TgVault          *self,
                                TgVaultClockFunc  clock)
{
  self->clock = clock;
}

gboolean
tg_vault_peek_key_for_testing (TgVault *self,
                               guint8  *out)
{
  gboolean held;

  g_mutex_lock (&self->key_lock);
  held = self->key != NULL;
  if (held)
    {
      sodium_mprotect_readonly (self->key);
      memcpy (out, self->key, TG_VAULT_KEY_BYTES);
      sodium_mprotect_noaccess (self->key);
    }
  g_mutex_unlock (&self->key_lock);
  return held;
}

/* Async --------------------------------------------------------------------- */

typedef enum { OP_CREATE, OP_UNLOCK, OP_CHANGE, OP_SET_ERASE, OP_ERASE } Op;

typedef struct
{
  Op    op;
  char *first;    /* secure copies of the passphrases */
  char *second;
} AsyncData;

static void
async_data_free (gpointer user_data)
{
  AsyncData *data = user_data;

  secure_str_free (data->first);
  secure_str_free (data->second);
  g_free (data);
}

static void
async_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  TgVault *self = source_object;
  AsyncData *data = task_data;
  GError *error = NULL;
  gboolean ok = FALSE;

  switch (data->op)
    {
    case OP_CREATE:
      ok = tg_vault_create (self, data->first, cancellable, &error);
      break;
    case OP_UNLOCK:
      ok = tg_vault_unlock (self, data->first, cancellable, &error);
      break;
    case OP_CHANGE:
      ok = tg_vault_change_passphrase (self, data->first, data->second, cancellable, &error);
      break;
    case OP_SET_ERASE:
      ok = tg_vault_set_erase_passphrase (self, data->first, cancellable, &error);
      break;
    case OP_ERASE:
      ok = tg_vault_erase (self, cancellable, &error);
      break;
    default:
      g_assert_not_reached ();
    }
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
run_async (TgVault             *self,
           Op                   op,
           const char          *first,
           const char          *second,
           gpointer             tag,
           GCancellable        *cancellable,
           GAsyncReadyCallback  callback,
           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  AsyncData *data;

  g_return_if_fail (TG_IS_VAULT (self));

  if (!sodium_ready (NULL))
    {
      task = g_task_new (self, cancellable, callback, user_data);
      g_task_set_source_tag (task, tag);
      g_task_return_new_error (task, TG_VAULT_ERROR, TG_VAULT_ERROR_FAILED,
                               _("The encryption library could not start."));
      return;
    }
  data = g_new0 (AsyncData, 1);
  data->op = op;
  data->first = secure_strdup (first);
  data->second = secure_strdup (second);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tag);
  g_task_set_task_data (task, data, async_data_free);
  g_task_run_in_thread (task, async_thread);
}

static gboolean
finish (TgVault      *self,
        GAsyncResult *result,
        gpointer      tag,
        GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tag, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
tg_vault_create_async (TgVault             *self,
                       const char          *passphrase,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  run_async (self, OP_CREATE, passphrase, NULL, tg_vault_create_async,
             cancellable, callback, user_data);
}

gboolean
tg_vault_create_finish (TgVault       *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  return finish (self, result, tg_vault_create_async, error);
}

void
tg_vault_unlock_async (TgVault             *self,
                       const char          *passphrase,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  run_async (self, OP_UNLOCK, passphrase, NULL, tg_vault_unlock_async,
             cancellable, callback, user_data);
}

gboolean
tg_vault_unlock_finish (TgVault       *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  return finish (self, result, tg_vault_unlock_async, error);
}

void
tg_vault_change_passphrase_async (TgVault             *self,
                                  const char          *old_passphrase,
                                  const char          *new_passphrase,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  run_async (self, OP_CHANGE, old_passphrase, new_passphrase,
             tg_vault_change_passphrase_async, cancellable, callback, user_data);
}

gboolean
tg_vault_change_passphrase_finish (TgVault       *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  return finish (self, result, tg_vault_change_passphrase_async, error);
}

void
tg_vault_set_erase_passphrase_async (TgVault             *self,
                                     const char          *erase_passphrase,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  run_async (self, OP_SET_ERASE, erase_passphrase, NULL,
             tg_vault_set_erase_passphrase_async, cancellable, callback, user_data);
}

gboolean
tg_vault_set_erase_passphrase_finish (TgVault       *self,
                                      GAsyncResult  *result,
                                      GError       **error)
{
  return finish (self, result, tg_vault_set_erase_passphrase_async, error);
}

void
tg_vault_erase_async (TgVault             *self,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  run_async (self, OP_ERASE, NULL, NULL, tg_vault_erase_async,
             cancellable, callback, user_data);
}

gboolean
tg_vault_erase_finish (TgVault       *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  return finish (self, result, tg_vault_erase_async, error);
}
