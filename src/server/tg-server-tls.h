/* tg-server-tls.h — the server's certificate: generated or loaded
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Writes a new self-signed certificate (ECDSA P-256, SHA-256, valid ten
 * years, names localhost, 127.0.0.1, ::1 and this host) and its key (mode
 * 0600) as PEM files. */
gboolean  tg_server_tls_generate    (const char       *cert_path,
                                     const char       *key_path,
                                     GError          **error);

/* SHA-256 of the certificate's DER, as "AB:CD:…" — what clients pin. */
char     *tg_server_tls_fingerprint (GTlsCertificate  *certificate);

/* The GnuTLS priority the server's TLS sessions use: TLS 1.2 and 1.3
 * only, ECDHE key exchange, AEAD ciphers (AES-GCM, ChaCha20-Poly1305), no
 * SHA-1 signatures — Mozilla's "intermediate" profile without its DHE
 * suites. */
#define TG_SERVER_TLS_PRIORITY \
  "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:" \
  "-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:" \
  "-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:" \
  "-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1:" \
  "-SIGN-RSA-SHA1:-SIGN-ECDSA-SHA1:-SIGN-DSA-SHA1"

/* Makes glib-networking's GnuTLS backend use TG_SERVER_TLS_PRIORITY for
 * every connection. Call it first thing in main (), before any thread and
 * before the TLS backend makes its first connection: the backend reads
 * G_TLS_GNUTLS_PRIORITY once. A string GnuTLS refuses is an error here
 * rather than a silent fall-back to the library's defaults. */
gboolean  tg_server_tls_set_priority (GError         **error);

G_END_DECLS
