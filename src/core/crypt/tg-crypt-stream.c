/* tg-crypt-stream.c — files encrypted in chunks with secretstream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "testigo-crypt"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <sodium.h>

#include "tg-crypt-stream.h"

#define MAGIC            "TGENC"
#define MAGIC_LEN        5
#define FORMAT_VERSION   1
#define STREAM_HEADER    crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define CIPHER_CHUNK     (TG_CRYPT_CHUNK + TG_CRYPT_OVERHEAD)
#define CHECKPOINT_EVERY 16
#define MAX_AD           (TG_CRYPT_PREFIX_LEN + 64)

typedef crypto_secretstream_xchacha20poly1305_state StreamState;

G_STATIC_ASSERT (STREAM_HEADER == 24);
G_STATIC_ASSERT (crypto_secretstream_xchacha20poly1305_ABYTES == TG_CRYPT_OVERHEAD);

/* Sizes --------------------------------------------------------------------- */

gboolean
tg_crypt_is_encrypted (const guint8 *head,
                       gsize         len)
{
  return len >= TG_CRYPT_PREFIX_LEN && memcmp (head, MAGIC, MAGIC_LEN) == 0 &&
         head[5] >= 1;
}

gint64
tg_crypt_encrypted_size (gint64 plain_size)
{
  gint64 n_full = plain_size / TG_CRYPT_CHUNK;
  gint64 rest = plain_size % TG_CRYPT_CHUNK;

  return TG_CRYPT_HEADER_LEN + n_full * CIPHER_CHUNK + rest + TG_CRYPT_OVERHEAD;
}

gint64
tg_crypt_plain_size (gint64 file_size)
{
  gint64 body = file_size - TG_CRYPT_HEADER_LEN - TG_CRYPT_OVERHEAD;
  gint64 n_full, rest;

  if (body < 0)
    return -1;
  n_full = body / CIPHER_CHUNK;
  rest = body % CIPHER_CHUNK;
  if (rest >= TG_CRYPT_CHUNK)
    return -1;
  return n_full * TG_CRYPT_CHUNK + rest;
}

static void
set_tampered (GError **error)
{
  g_set_error_literal (error, TG_VAULT_ERROR, TG_VAULT_ERROR_TAMPERED,
                       _("An encrypted file was changed or damaged after it was stored: "
                         "it fails its check, and Testigo will not read it."));
}

static void
set_truncated (GError **error)
{
  g_set_error_literal (error, TG_VAULT_ERROR, TG_VAULT_ERROR_TRUNCATED,
                       _("An encrypted file is cut short: its end is missing, and "
                         "Testigo will not read it."));
}

/* The associated data of message @index (of @n_messages). */
static gsize
message_ad (guint8       *ad,
            const guint8 *prefix,
            gint64        index,
            gint64        n_messages,
            const char   *sha256_hex)
{
  gsize len = 0;

  if (index == 0)
    {
      memcpy (ad, prefix, TG_CRYPT_PREFIX_LEN);
      len += TG_CRYPT_PREFIX_LEN;
    }
  if (index == n_messages - 1 && sha256_hex != NULL)
    {
      gsize hex_len = MIN (strlen (sha256_hex), 64);

      memcpy (ad + len, sha256_hex, hex_len);
      len += hex_len;
    }
  return len;
}

/* Writer -------------------------------------------------------------------- */

struct _TgCryptWriter
{
  GOutputStream *out;
  StreamState   *state;
  guint8        *plain;
  gsize          plain_len;
  guint8        *cipher;
  guint8         prefix[TG_CRYPT_PREFIX_LEN];
  gint64         index;
  gboolean       finished;
};

TgCryptWriter *
tg_crypt_writer_new (TgVault         *vault,
                     TgVaultPurpose   purpose,
                     GOutputStream   *out,
                     GCancellable    *cancellable,
                     GError         **error)
{
  g_autoptr(TgCryptWriter) self = NULL;
  guint8 header[TG_CRYPT_HEADER_LEN];
  guint8 *key;
  gboolean ok;

  g_return_val_if_fail (TG_IS_VAULT (vault), NULL);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (out), NULL);

  self = g_new0 (TgCryptWriter, 1);
  self->out = g_object_ref (out);
  self->state = sodium_malloc (sizeof (StreamState));
  self->plain = g_malloc (TG_CRYPT_CHUNK);
  self->cipher = g_malloc (CIPHER_CHUNK);
  memcpy (self->prefix, MAGIC, MAGIC_LEN);
  self->prefix[5] = FORMAT_VERSION;
  self->prefix[6] = (guint8) purpose;
  self->prefix[7] = 0;

  key = sodium_malloc (TG_VAULT_KEY_BYTES);
  ok = tg_vault_derive_subkey (vault, purpose, key, error);
  if (ok)
    crypto_secretstream_xchacha20poly1305_init_push (self->state, header + TG_CRYPT_PREFIX_LEN, key);
  sodium_memzero (key, TG_VAULT_KEY_BYTES);
  sodium_free (key);
  if (!ok)
    return NULL;

  memcpy (header, self->prefix, TG_CRYPT_PREFIX_LEN);
  if (!g_output_stream_write_all (out, header, sizeof header, NULL, cancellable, error))
    return NULL;
  return g_steal_pointer (&self);
}

static gboolean
push (TgCryptWriter  *self,
      gboolean        final,
      const char     *sha256_hex,
      GCancellable   *cancellable,
      GError        **error)
{
  guint8 ad[MAX_AD];
  gsize ad_len;
  unsigned long long cipher_len = 0;

  /* n_messages is only known at the end: index + 1 when final. */
  ad_len = message_ad (ad, self->prefix, self->index, final ? self->index + 1 : G_MAXINT64,
                       final ? sha256_hex : NULL);
  crypto_secretstream_xchacha20poly1305_push (self->state, self->cipher, &cipher_len,
                                              self->plain, self->plain_len,
                                              ad, ad_len,
                                              final ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
                                                    : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
  sodium_memzero (self->plain, self->plain_len);
  self->plain_len = 0;
  self->index++;
  return g_output_stream_write_all (self->out, self->cipher, cipher_len, NULL, cancellable, error);
}

gboolean
tg_crypt_writer_write (TgCryptWriter  *self,
                       const void     *data,
                       gsize           len,
                       GCancellable   *cancellable,
                       GError        **error)
{
  const guint8 *p = data;

  g_return_val_if_fail (self != NULL && !self->finished, FALSE);

  while (len > 0)
    {
      gsize take = MIN (len, TG_CRYPT_CHUNK - self->plain_len);

      memcpy (self->plain + self->plain_len, p, take);
      self->plain_len += take;
      p += take;
      len -= take;
      /* A full chunk is never the last message (that one holds less),
       * so it can go at once. */
      if (self->plain_len == TG_CRYPT_CHUNK && !push (self, FALSE, NULL, cancellable, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
tg_crypt_writer_finish (TgCryptWriter  *self,
                        const char     *sha256_hex,
                        GCancellable   *cancellable,
                        GError        **error)
{
  g_return_val_if_fail (self != NULL && !self->finished, FALSE);

  self->finished = TRUE;
  return push (self, TRUE, sha256_hex, cancellable, error);
}

void
tg_crypt_writer_free (TgCryptWriter *self)
{
  if (self == NULL)
    return;
  g_clear_object (&self->out);
  if (self->state != NULL)
    {
      sodium_memzero (self->state, sizeof (StreamState));
      sodium_free (self->state);
    }
  if (self->plain != NULL)
    sodium_memzero (self->plain, TG_CRYPT_CHUNK);
  g_free (self->plain);
  g_free (self->cipher);
  g_free (self);
}

/* Reader -------------------------------------------------------------------- */

#define TG_TYPE_CRYPT_INPUT_STREAM (tg_crypt_input_stream_get_type ())
G_DECLARE_FINAL_TYPE (TgCryptInputStream, tg_crypt_input_stream, TG, CRYPT_INPUT_STREAM, GInputStream)

struct _TgCryptInputStream
{
  GInputStream  parent_instance;

  GInputStream *base;
  TgVault      *vault;
  guint         generation;
  char         *sha256_hex;
  guint8        prefix[TG_CRYPT_PREFIX_LEN];
  gint64        size;
  gint64        n_messages;

  StreamState  *state;          /* before message `next` */
  gint64        next;           /* the next message to decrypt */
  StreamState  *checkpoints;    /* the state before message i * CHECKPOINT_EVERY */
  gint64        n_checkpoints;
  gint64        base_pos;       /* where @base is */

  guint8       *cipher;
  guint8       *plain;
  gsize         plain_len;      /* of message next - 1 */
  gsize         plain_pos;
  GError       *failure;        /* sticky: a stream that failed stays failed */
};

static void tg_crypt_input_stream_seekable_iface_init (GSeekableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TgCryptInputStream, tg_crypt_input_stream, G_TYPE_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_SEEKABLE,
                                                      tg_crypt_input_stream_seekable_iface_init))

static void
wipe (TgCryptInputStream *self)
{
  if (self->state != NULL)
    sodium_memzero (self->state, sizeof (StreamState));
  if (self->checkpoints != NULL)
    sodium_memzero (self->checkpoints, self->n_checkpoints * sizeof (StreamState));
  if (self->plain != NULL)
    sodium_memzero (self->plain, TG_CRYPT_CHUNK);
  self->plain_len = self->plain_pos = 0;
}

static gboolean
fail (TgCryptInputStream  *self,
      GError             **error)
{
  wipe (self);
  if (self->failure != NULL && error != NULL)
    *error = g_error_copy (self->failure);
  return FALSE;
}

static gint64
message_offset (gint64 index)
{
  return TG_CRYPT_HEADER_LEN + index * CIPHER_CHUNK;
}

static gsize
message_plain_len (TgCryptInputStream *self,
                   gint64              index)
{
  return index < self->n_messages - 1 ? TG_CRYPT_CHUNK
                                      : (gsize) (self->size - index * TG_CRYPT_CHUNK);
}

/* Decrypts message `next` into plain. FALSE with the sticky failure set
 * (or @error set for a passing one: cancellation, a read error). */
static gboolean
decrypt_next (TgCryptInputStream  *self,
              GCancellable        *cancellable,
              GError             **error)
{
  gsize plain_len = message_plain_len (self, self->next);
  gsize cipher_len = plain_len + TG_CRYPT_OVERHEAD;
  gboolean last = self->next == self->n_messages - 1;
  unsigned long long got_len = 0;
  guint8 ad[MAX_AD];
  gsize ad_len, got = 0;
  unsigned char tag = 0;

  if (tg_vault_get_generation (self->vault) != self->generation)
    {
      g_set_error_literal (&self->failure, TG_VAULT_ERROR, TG_VAULT_ERROR_LOCKED,
                           _("Testigo is locked: unlock it first."));
      return fail (self, error);
    }

  if (self->next % CHECKPOINT_EVERY == 0 && self->next / CHECKPOINT_EVERY == self->n_checkpoints)
    {
      memcpy (&self->checkpoints[self->n_checkpoints], self->state, sizeof (StreamState));
      self->n_checkpoints++;
    }

  if (self->base_pos != message_offset (self->next))
    {
      if (!g_seekable_seek (G_SEEKABLE (self->base), message_offset (self->next), G_SEEK_SET,
                            cancellable, error))
        return FALSE;
      self->base_pos = message_offset (self->next);
    }
  if (!g_input_stream_read_all (self->base, self->cipher, cipher_len, &got, cancellable, error))
    {
      self->base_pos = -1;
      return FALSE;
    }
  self->base_pos += got;
  if (got != cipher_len)
    {
      set_truncated (&self->failure);
      return fail (self, error);
    }

  ad_len = message_ad (ad, self->prefix, self->next, self->n_messages, self->sha256_hex);
  if (crypto_secretstream_xchacha20poly1305_pull (self->state, self->plain, &got_len, &tag,
                                                  self->cipher, cipher_len, ad, ad_len) != 0 ||
      got_len != plain_len)
    {
      set_tampered (&self->failure);
      return fail (self, error);
    }
  if (last && tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL)
    {
      set_truncated (&self->failure);
      return fail (self, error);
    }
  if (!last && tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE)
    {
      /* an end where there should be none: something was added after it */
      set_tampered (&self->failure);
      return fail (self, error);
    }

  self->plain_len = plain_len;
  self->plain_pos = 0;
  self->next++;
  return TRUE;
}

static gssize
tg_crypt_input_stream_read (GInputStream  *stream,
                            void          *buffer,
                            gsize          count,
                            GCancellable  *cancellable,
                            GError       **error)
{
  TgCryptInputStream *self = TG_CRYPT_INPUT_STREAM (stream);
  gsize take;

  if (self->failure != NULL)
    return fail (self, error) ? 0 : -1;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;

  while (self->plain_pos == self->plain_len)
    {
      if (self->next >= self->n_messages)
        return 0;
      if (!decrypt_next (self, cancellable, error))
        return -1;
      if (self->plain_len == 0 && self->next >= self->n_messages)
        return 0;
    }
  take = MIN (count, self->plain_len - self->plain_pos);
  memcpy (buffer, self->plain + self->plain_pos, take);
  self->plain_pos += take;
  return take;
}

static gboolean
tg_crypt_input_stream_close (GInputStream  *stream,
                             GCancellable  *cancellable,
                             GError       **error)
{
  TgCryptInputStream *self = TG_CRYPT_INPUT_STREAM (stream);

  wipe (self);
  return g_input_stream_close (self->base, cancellable, error);
}

static goffset
tg_crypt_input_stream_tell (GSeekable *seekable)
{
  TgCryptInputStream *self = TG_CRYPT_INPUT_STREAM (seekable);

  if (self->next == 0)
    return 0;
  return (self->next - 1) * (goffset) TG_CRYPT_CHUNK + self->plain_pos;
}

static gboolean
tg_crypt_input_stream_can_seek (GSeekable *seekable)
{
  return TRUE;
}

static gboolean
tg_crypt_input_stream_seek (GSeekable     *seekable,
                            goffset        offset,
                            GSeekType      type,
                            GCancellable  *cancellable,
                            GError       **error)
{
  TgCryptInputStream *self = TG_CRYPT_INPUT_STREAM (seekable);
  gint64 target, chunk;

  if (self->failure != NULL)
    return fail (self, error);

  switch (type)
    {
    case G_SEEK_CUR:
      target = tg_crypt_input_stream_tell (seekable) + offset;
      break;
    case G_SEEK_END:
      target = self->size + offset;
      break;
    case G_SEEK_SET:
    default:
      target = offset;
      break;
    }
  if (target < 0 || target > self->size)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "Seek outside the file");
      return FALSE;
    }

  chunk = MIN (target / TG_CRYPT_CHUNK, self->n_messages - 1);
  if (self->next > 0 && chunk == self->next - 1)
    {
      self->plain_pos = target - chunk * TG_CRYPT_CHUNK;
      return TRUE;
    }
  if (chunk < self->next)
    {
      /* back to the nearest checkpoint at or before it */
      gint64 k = chunk / CHECKPOINT_EVERY;

      g_assert (k < self->n_checkpoints);
      memcpy (self->state, &self->checkpoints[k], sizeof (StreamState));
      self->next = k * CHECKPOINT_EVERY;
      self->plain_len = self->plain_pos = 0;
    }
  while (self->next <= chunk)
    if (!decrypt_next (self, cancellable, error))
      return FALSE;
  self->plain_pos = target - chunk * TG_CRYPT_CHUNK;
  return TRUE;
}

static gboolean
tg_crypt_input_stream_can_truncate (GSeekable *seekable)
{
  return FALSE;
}

static gboolean
tg_crypt_input_stream_truncate (GSeekable     *seekable,
                                goffset        offset,
                                GCancellable  *cancellable,
                                GError       **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       "An encrypted file is read-only");
  return FALSE;
}

static void
tg_crypt_input_stream_seekable_iface_init (GSeekableIface *iface)
{
  iface->tell = tg_crypt_input_stream_tell;
  iface->can_seek = tg_crypt_input_stream_can_seek;
  iface->seek = tg_crypt_input_stream_seek;
  iface->can_truncate = tg_crypt_input_stream_can_truncate;
  iface->truncate_fn = tg_crypt_input_stream_truncate;
}

static void
tg_crypt_input_stream_finalize (GObject *object)
{
  TgCryptInputStream *self = TG_CRYPT_INPUT_STREAM (object);

  wipe (self);
  g_clear_object (&self->base);
  g_clear_object (&self->vault);
  g_free (self->sha256_hex);
  if (self->state != NULL)
    sodium_free (self->state);
  if (self->checkpoints != NULL)
    sodium_free (self->checkpoints);
  g_free (self->cipher);
  g_free (self->plain);
  g_clear_error (&self->failure);
  G_OBJECT_CLASS (tg_crypt_input_stream_parent_class)->finalize (object);
}

static void
tg_crypt_input_stream_class_init (TgCryptInputStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  object_class->finalize = tg_crypt_input_stream_finalize;
  stream_class->read_fn = tg_crypt_input_stream_read;
  stream_class->close_fn = tg_crypt_input_stream_close;
}

static void
tg_crypt_input_stream_init (TgCryptInputStream *self)
{
}

GInputStream *
tg_crypt_input_stream_new (GInputStream  *base,
                           gint64         base_size,
                           TgVault       *vault,
                           const char    *sha256_hex,
                           GError       **error)
{
  g_autoptr(TgCryptInputStream) self = NULL;
  guint8 header[TG_CRYPT_HEADER_LEN];
  gsize got = 0;
  guint8 *key;
  gboolean ok;

  g_return_val_if_fail (G_IS_INPUT_STREAM (base) && G_IS_SEEKABLE (base), NULL);
  g_return_val_if_fail (TG_IS_VAULT (vault), NULL);

  if (!g_input_stream_read_all (base, header, sizeof header, &got, NULL, error))
    return NULL;
  if (got < TG_CRYPT_PREFIX_LEN || !tg_crypt_is_encrypted (header, got))
    {
      g_set_error_literal (error, TG_VAULT_ERROR, TG_VAULT_ERROR_CORRUPT,
                           _("A file that should be encrypted is not."));
      return NULL;
    }
  if (header[5] > FORMAT_VERSION)
    {
      g_set_error_literal (error, TG_VAULT_ERROR, TG_VAULT_ERROR_TOO_NEW,
                           _("A file was encrypted by a newer version of Testigo."));
      return NULL;
    }
  if (got < sizeof header || tg_crypt_plain_size (base_size) < 0)
    {
      set_truncated (error);
      return NULL;
    }

  self = g_object_new (TG_TYPE_CRYPT_INPUT_STREAM, NULL);
  self->base = g_object_ref (base);
  self->base_pos = sizeof header;
  self->vault = g_object_ref (vault);
  self->generation = tg_vault_get_generation (vault);
  self->sha256_hex = g_strdup (sha256_hex);
  memcpy (self->prefix, header, TG_CRYPT_PREFIX_LEN);
  self->size = tg_crypt_plain_size (base_size);
  self->n_messages = self->size / TG_CRYPT_CHUNK + 1;
  self->state = sodium_malloc (sizeof (StreamState));
  self->checkpoints = sodium_allocarray (self->n_messages / CHECKPOINT_EVERY + 1,
                                         sizeof (StreamState));
  self->cipher = g_malloc (CIPHER_CHUNK);
  self->plain = g_malloc (TG_CRYPT_CHUNK);

  key = sodium_malloc (TG_VAULT_KEY_BYTES);
  ok = tg_vault_derive_subkey (vault, (TgVaultPurpose) header[6], key, error);
  if (ok && crypto_secretstream_xchacha20poly1305_init_pull (self->state,
                                                             header + TG_CRYPT_PREFIX_LEN,
                                                             key) != 0)
    {
      set_tampered (error);
      ok = FALSE;
    }
  sodium_memzero (key, TG_VAULT_KEY_BYTES);
  sodium_free (key);
  if (!ok)
    return NULL;

  return G_INPUT_STREAM (g_steal_pointer (&self));
}

gint64
tg_crypt_input_stream_get_size (GInputStream *stream)
{
  g_return_val_if_fail (TG_IS_CRYPT_INPUT_STREAM (stream), -1);
  return TG_CRYPT_INPUT_STREAM (stream)->size;
}
