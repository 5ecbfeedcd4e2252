/* tg-server-tls.c — the server's certificate: generated or loaded
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "testigo-server"

#include "config.h"

#include <string.h>
#include <sys/random.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "tg-server-decode.h"
#include "tg-server-tls.h"

static gboolean
gnutls_failed (int          rc,
               const char  *what,
               GError     **error)
{
  if (rc >= 0)
    return FALSE;
  g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL,
               _("Cannot create the certificate (%s): %s"), what, gnutls_strerror (rc));
  return TRUE;
}

gboolean
tg_server_tls_generate (const char  *cert_path,
                        const char  *key_path,
                        GError     **error)
{
  gnutls_x509_privkey_t key = NULL;
  gnutls_x509_crt_t crt = NULL;
  gnutls_datum_t key_pem = { NULL, 0 }, crt_pem = { NULL, 0 };
  guint8 serial[16];
  static const guint8 ipv4[4] = { 127, 0, 0, 1 };
  static const guint8 ipv6[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
  const char *host = g_get_host_name ();
  time_t now = time (NULL);
  gboolean ok = FALSE;
  g_autofree char *cert_dir = g_path_get_dirname (cert_path);
  g_autofree char *key_dir = g_path_get_dirname (key_path);

  if (getrandom (serial, sizeof serial, 0) != sizeof serial)
    {
      g_set_error_literal (error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL,
                           _("Cannot read random bytes for the certificate"));
      return FALSE;
    }
  serial[0] &= 0x7f;

  if (gnutls_failed (gnutls_x509_privkey_init (&key), "key", error) ||
      gnutls_failed (gnutls_x509_privkey_generate (key, GNUTLS_PK_ECDSA,
                                                   GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), 0),
                     "key", error) ||
      gnutls_failed (gnutls_x509_crt_init (&crt), "certificate", error) ||
      gnutls_failed (gnutls_x509_crt_set_version (crt, 3), "version", error) ||
      gnutls_failed (gnutls_x509_crt_set_serial (crt, serial, sizeof serial), "serial", error) ||
      gnutls_failed (gnutls_x509_crt_set_activation_time (crt, now - 3600), "validity", error) ||
      gnutls_failed (gnutls_x509_crt_set_expiration_time (crt, now + 10 * 365 * 86400L), "validity", error) ||
      gnutls_failed (gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0,
                                                    "testigo-server", strlen ("testigo-server")),
                     "name", error) ||
      gnutls_failed (gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_DNSNAME, "localhost",
                                                           strlen ("localhost"), GNUTLS_FSAN_APPEND),
                     "names", error) ||
      gnutls_failed (gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_IPADDRESS, ipv4,
                                                           sizeof ipv4, GNUTLS_FSAN_APPEND),
                     "names", error) ||
      gnutls_failed (gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_IPADDRESS, ipv6,
                                                           sizeof ipv6, GNUTLS_FSAN_APPEND),
                     "names", error) ||
      (host && strcmp (host, "localhost") != 0 &&
       gnutls_failed (gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_DNSNAME, host,
                                                            strlen (host), GNUTLS_FSAN_APPEND),
                      "names", error)) ||
      gnutls_failed (gnutls_x509_crt_set_basic_constraints (crt, 0, -1), "constraints", error) ||
      gnutls_failed (gnutls_x509_crt_set_key_usage (crt, GNUTLS_KEY_DIGITAL_SIGNATURE), "usage", error) ||
      gnutls_failed (gnutls_x509_crt_set_key_purpose_oid (crt, GNUTLS_KP_TLS_WWW_SERVER, 0), "purpose", error) ||
      gnutls_failed (gnutls_x509_crt_set_key (crt, key), "key", error) ||
      gnutls_failed (gnutls_x509_crt_sign2 (crt, crt, key, GNUTLS_DIG_SHA256, 0), "signature", error) ||
      gnutls_failed (gnutls_x509_privkey_export2 (key, GNUTLS_X509_FMT_PEM, &key_pem), "export", error) ||
      gnutls_failed (gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &crt_pem), "export", error))
    goto out;

  if (g_mkdir_with_parents (cert_dir, 0700) != 0 || g_mkdir_with_parents (key_dir, 0700) != 0)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL,
                   _("Cannot create %s: %s"), cert_dir, g_strerror (errno));
      goto out;
    }
  if (!g_file_set_contents_full (key_path, (const char *) key_pem.data, key_pem.size,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, error) ||
      !g_file_set_contents_full (cert_path, (const char *) crt_pem.data, crt_pem.size,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0644, error))
    goto out;

  ok = TRUE;

out:
  gnutls_free (key_pem.data);
  gnutls_free (crt_pem.data);
  if (crt)
    gnutls_x509_crt_deinit (crt);
  if (key)
    gnutls_x509_privkey_deinit (key);
  return ok;
}

gboolean
tg_server_tls_set_priority (GError **error)
{
  gnutls_priority_t priority = NULL;
  const char *error_pos = NULL;
  int rc;

  /* check it here: glib-networking would only warn and use its defaults */
  rc = gnutls_priority_init2 (&priority, TG_SERVER_TLS_PRIORITY, &error_pos, 0);
  if (rc < 0)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL,
                   _("The TLS priority is not valid at “%s”: %s"),
                   error_pos ? error_pos : "", gnutls_strerror (rc));
      return FALSE;
    }
  gnutls_priority_deinit (priority);
  /* set whatever the environment said: the server's policy is not a
   * setting (a weaker one would reopen TLS 1.0 and CBC suites) */
  g_setenv ("G_TLS_GNUTLS_PRIORITY", TG_SERVER_TLS_PRIORITY, TRUE);
  return TRUE;
}

char *
tg_server_tls_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize len = sizeof digest;
  GString *out = g_string_new (NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  g_checksum_update (checksum, der->data, der->len);
  g_checksum_get_digest (checksum, digest, &len);
  for (gsize i = 0; i < len; i++)
    g_string_append_printf (out, i ? ":%02X" : "%02X", digest[i]);
  return g_string_free (out, FALSE);
}
