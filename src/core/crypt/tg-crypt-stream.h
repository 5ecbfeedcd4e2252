/* tg-crypt-stream.h — files encrypted in chunks with secretstream
 *
 * An encrypted file is an 8-byte prefix ("TGENC", format 1, the
 * TgVaultPurpose whose subkey encrypts it, flags), libsodium's 24-byte
 * secretstream header, then messages of TG_CRYPT_CHUNK plain bytes, each
 * 17 bytes longer once encrypted (XChaCha20-Poly1305). The last message
 * holds the remaining 0 to TG_CRYPT_CHUNK - 1 bytes and carries the
 * FINAL tag; when the content's SHA-256 is known its hex digest is that
 * message's associated data, so a file renamed to another blob's name
 * fails as surely as a changed one. The prefix is the associated data
 * of the first message.
 *
 * The plain size follows from the file's size alone, so it is known
 * before decrypting (TG_CRYPT_ERROR… CORRUPT when no size fits).
 *
 * Writing (TgCryptWriter) takes any amount at a time and keeps one chunk
 * in memory; reading (tg_crypt_input_stream_new) decrypts one chunk at a
 * time and can seek (it keeps the stream state of every 16th chunk, 52
 * bytes per MiB, so seeking back costs at most one MiB of decryption).
 * A changed byte anywhere fails with TG_VAULT_ERROR_TAMPERED, a file cut
 * short with TG_VAULT_ERROR_TRUNCATED, both before the bad chunk's bytes
 * are returned. A reading stream also fails (TG_VAULT_ERROR_LOCKED) once
 * its vault was locked after it was opened.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "tg-vault.h"

G_BEGIN_DECLS

#define TG_CRYPT_CHUNK        (64 * 1024)
#define TG_CRYPT_PREFIX_LEN   8
#define TG_CRYPT_HEADER_LEN   (TG_CRYPT_PREFIX_LEN + 24)
#define TG_CRYPT_OVERHEAD     17

/* Whether @head (at least TG_CRYPT_PREFIX_LEN bytes) starts an
 * encrypted file. */
gboolean tg_crypt_is_encrypted       (const guint8 *head,
                                      gsize         len);
/* The encrypted size of @plain_size bytes, and back; -1 if @file_size
 * is not the size of any encrypted file. */
gint64   tg_crypt_encrypted_size     (gint64        plain_size);
gint64   tg_crypt_plain_size         (gint64        file_size);

typedef struct _TgCryptWriter TgCryptWriter;

/* Starts an encrypted file on @out with @vault's subkey for @purpose;
 * writes the header at once. TG_VAULT_ERROR_LOCKED if locked. */
TgCryptWriter *tg_crypt_writer_new    (TgVault        *vault,
                                       TgVaultPurpose  purpose,
                                       GOutputStream  *out,
                                       GCancellable   *cancellable,
                                       GError        **error);
gboolean       tg_crypt_writer_write  (TgCryptWriter  *self,
                                       const void     *data,
                                       gsize           len,
                                       GCancellable   *cancellable,
                                       GError        **error);
/* Writes the last message; @sha256_hex (or NULL) is bound to it. Does
 * not close @out. */
gboolean       tg_crypt_writer_finish (TgCryptWriter  *self,
                                       const char     *sha256_hex,
                                       GCancellable   *cancellable,
                                       GError        **error);
void           tg_crypt_writer_free   (TgCryptWriter  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgCryptWriter, tg_crypt_writer_free)

/* A seekable stream of the plain bytes of the encrypted file on @base
 * (seekable, positioned at 0, @base_size bytes long). @sha256_hex is
 * the digest the file must have been written with (NULL: none bound).
 * Reads and checks the header now. */
GInputStream  *tg_crypt_input_stream_new (GInputStream  *base,
                                          gint64         base_size,
                                          TgVault       *vault,
                                          const char    *sha256_hex,
                                          GError       **error);
/* The plain size. */
gint64         tg_crypt_input_stream_get_size (GInputStream *self);

G_END_DECLS
