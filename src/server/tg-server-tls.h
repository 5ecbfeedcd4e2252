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

G_END_DECLS
