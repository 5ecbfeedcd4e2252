/* tg-server-config.c — testigo-server's settings, from a GKeyFile
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "testigo-server"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "tg-server-config.h"

#define GROUP "server"

TgServerConfig *
tg_server_config_new (void)
{
  TgServerConfig *config = g_new0 (TgServerConfig, 1);

  config->listen = g_strdup ("127.0.0.1");
  config->port = 8443;
  config->max_body_bytes = 16 * 1024 * 1024;
  config->max_string_bytes = 1024 * 1024;
  config->max_batch = 1000;
  config->max_pull = 1000;
  config->max_blob_refs = 1000;
  config->max_batch_blob_refs = 10000;
  config->max_blob_bytes = G_GINT64_CONSTANT (8) * 1024 * 1024 * 1024;
  config->max_chunk_bytes = 8 * 1024 * 1024;
  config->rate_limit = 50.0;
  config->rate_burst = 100.0;
  config->handshake_rate = 10.0;
  config->handshake_burst = 100.0;
  config->request_timeout = 60;
  config->header_timeout = 10;
  config->body_timeout = 10;
  config->min_body_rate = 1024;
  config->idle_timeout = 30;
  config->max_connections = 512;
  config->max_connections_per_address = 64;
  return config;
}

void
tg_server_config_free (TgServerConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->listen);
  g_free (config->data_dir);
  g_free (config->tls_certificate);
  g_free (config->tls_key);
  g_free (config);
}

static gboolean
get_int (GKeyFile    *file,
         const char  *key,
         gint64       min,
         gint64       max,
         gint64      *value,
         GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  gint64 v;

  if (!g_key_file_has_key (file, GROUP, key, NULL))
    return TRUE;
  v = g_key_file_get_int64 (file, GROUP, key, &local_error);
  if (local_error != NULL || v < min || v > max)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   _("[server] %s must be a whole number from %" PRId64
                     " to %" PRId64), key, min, max);
      return FALSE;
    }
  *value = v;
  return TRUE;
}

static gboolean
get_double (GKeyFile    *file,
            const char  *key,
            double      *value,
            GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  double v;

  if (!g_key_file_has_key (file, GROUP, key, NULL))
    return TRUE;
  v = g_key_file_get_double (file, GROUP, key, &local_error);
  if (local_error != NULL || !(v > 0.0) || v > 1e6)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   _("[server] %s must be a positive number"), key);
      return FALSE;
    }
  *value = v;
  return TRUE;
}

static void
get_string (GKeyFile    *file,
            const char  *key,
            char       **value)
{
  g_autofree char *v = g_key_file_get_string (file, GROUP, key, NULL);

  if (v != NULL && *g_strstrip (v) != '\0')
    {
      g_free (*value);
      *value = g_steal_pointer (&v);
    }
}

gboolean
tg_server_config_load (TgServerConfig  *config,
                       const char      *path,
                       GError         **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_auto(GStrv) keys = NULL;
  static const char *known[] = {
    "listen", "port", "data-dir", "tls-certificate", "tls-key",
    "max-body-bytes", "max-string-bytes", "max-batch", "max-pull",
    "max-blob-bytes", "max-chunk-bytes", "max-blob-refs", "max-batch-blob-refs", "rate-limit", "rate-burst",
    "handshake-rate", "handshake-burst", "request-timeout",
    "header-timeout", "body-timeout", "min-body-rate", "idle-timeout",
    "max-connections", "max-connections-per-address", NULL,
  };
  gint64 port = config->port, max_batch = config->max_batch, max_pull = config->max_pull;
  gint64 timeout = config->request_timeout;
  gint64 max_refs = config->max_blob_refs, max_batch_refs = config->max_batch_blob_refs;
  gint64 header_timeout = config->header_timeout, body_timeout = config->body_timeout;
  gint64 min_body_rate = config->min_body_rate, idle_timeout = config->idle_timeout;
  gint64 max_connections = config->max_connections;
  gint64 max_per_address = config->max_connections_per_address;

  g_autoptr(GError) local_error = NULL;

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, &local_error))
    {
      /* GLib's message names neither the file nor what was wrong with it */
      g_set_error (error, local_error->domain, local_error->code,
                   _("Cannot read the configuration file %s: %s"), path, local_error->message);
      return FALSE;
    }

  /* A misspelt option would silently fall back to a default: refuse it. */
  keys = g_key_file_get_keys (file, GROUP, NULL, NULL);
  for (guint i = 0; keys && keys[i]; i++)
    if (!g_strv_contains (known, keys[i]))
      {
        g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                     _("%s: unknown option “%s” in [server]"), path, keys[i]);
        return FALSE;
      }

  get_string (file, "listen", &config->listen);
  get_string (file, "data-dir", &config->data_dir);
  get_string (file, "tls-certificate", &config->tls_certificate);
  get_string (file, "tls-key", &config->tls_key);

  if (!get_int (file, "port", 0, 65535, &port, error) ||
      !get_int (file, "max-body-bytes", 1024, G_GINT64_CONSTANT (1) << 32, &config->max_body_bytes, error) ||
      !get_int (file, "max-string-bytes", 64, G_GINT64_CONSTANT (1) << 30, &config->max_string_bytes, error) ||
      !get_int (file, "max-batch", 1, 100000, &max_batch, error) ||
      !get_int (file, "max-pull", 1, 100000, &max_pull, error) ||
      !get_int (file, "max-blob-bytes", 1, G_GINT64_CONSTANT (1) << 50, &config->max_blob_bytes, error) ||
      !get_int (file, "max-chunk-bytes", 1024, G_GINT64_CONSTANT (1) << 40, &config->max_chunk_bytes, error) ||
      !get_int (file, "max-blob-refs", 1, 100000, &max_refs, error) ||
      !get_int (file, "max-batch-blob-refs", 1, 1000000, &max_batch_refs, error) ||
      !get_int (file, "request-timeout", 1, 3600, &timeout, error) ||
      !get_int (file, "header-timeout", 1, 3600, &header_timeout, error) ||
      !get_int (file, "body-timeout", 1, 3600, &body_timeout, error) ||
      !get_int (file, "min-body-rate", 0, G_MAXINT32, &min_body_rate, error) ||
      !get_int (file, "idle-timeout", 1, 3600, &idle_timeout, error) ||
      !get_int (file, "max-connections", 1, 1000000, &max_connections, error) ||
      !get_int (file, "max-connections-per-address", 1, 1000000, &max_per_address, error) ||
      !get_double (file, "rate-limit", &config->rate_limit, error) ||
      !get_double (file, "rate-burst", &config->rate_burst, error) ||
      !get_double (file, "handshake-rate", &config->handshake_rate, error) ||
      !get_double (file, "handshake-burst", &config->handshake_burst, error))
    return FALSE;

  config->port = (guint) port;
  config->max_batch = (guint) max_batch;
  config->max_pull = (guint) max_pull;
  config->max_blob_refs = (guint) max_refs;
  config->max_batch_blob_refs = (guint) max_batch_refs;
  config->request_timeout = (guint) timeout;
  config->header_timeout = (guint) header_timeout;
  config->body_timeout = (guint) body_timeout;
  config->min_body_rate = (guint) min_body_rate;
  config->idle_timeout = (guint) idle_timeout;
  config->max_connections = (guint) max_connections;
  config->max_connections_per_address = (guint) max_per_address;
  return TRUE;
}

void
tg_server_config_finish (TgServerConfig *config)
{
  if (config->data_dir == NULL)
    {
      /* systemd's StateDirectory= sets this */
      const char *state = g_getenv ("STATE_DIRECTORY");

      if (state != NULL && *state != '\0')
        config->data_dir = g_strdup (state);
      else
        config->data_dir = g_build_filename (g_get_user_data_dir (), "testigo-server", NULL);
    }
  if (config->tls_certificate == NULL && config->tls_key == NULL)
    {
      config->tls_certificate = g_build_filename (config->data_dir, "tls", "server-cert.pem", NULL);
      config->tls_key = g_build_filename (config->data_dir, "tls", "server-key.pem", NULL);
    }
}

char *
tg_server_config_get_db_path (TgServerConfig *config)
{
  return g_build_filename (config->data_dir, "server.db", NULL);
}
