/* tg-server-config.h — testigo-server's settings, from a GKeyFile
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char    *listen;              /* address to bind, default 127.0.0.1 */
  guint    port;                /* default 8443; 0 picks a free port */
  char    *data_dir;            /* database, blobs, generated certificate */
  char    *tls_certificate;     /* PEM; generated in data_dir when unset */
  char    *tls_key;             /* PEM */
  gint64   max_body_bytes;      /* JSON request bodies (413 beyond) */
  gint64   max_string_bytes;    /* any one JSON string (400 beyond) */
  guint    max_batch;           /* revisions per push (413 beyond) */
  guint    max_pull;            /* revisions per pull page */
  guint    max_blob_refs;       /* blob references in one revision (413 beyond) */
  guint    max_batch_blob_refs; /* blob references in one push (413 beyond) */
  gint64   max_blob_bytes;      /* one uploaded file (413 beyond) */
  gint64   max_chunk_bytes;     /* one upload request's body, a chunk (413 beyond) */
  double   rate_limit;          /* requests per second per device */
  double   rate_burst;          /* bucket size */
  double   handshake_rate;      /* new TLS handshakes per second per client address */
  double   handshake_burst;     /* their bucket size */
  guint    request_timeout;     /* seconds a response may wait for the client to read it */
  guint    header_timeout;      /* seconds from a connection or a request's first byte to its complete headers */
  guint    body_timeout;        /* seconds over which min_body_rate is measured */
  guint    min_body_rate;       /* bytes per second a request body must keep up */
  guint    idle_timeout;        /* seconds a connection may wait between requests */
  guint    max_connections;     /* open connections in all */
  guint    max_connections_per_address; /* open connections from one client address */
  gboolean insecure_http;       /* --insecure-dev-http, loopback only */
} TgServerConfig;

TgServerConfig *tg_server_config_new      (void);
void            tg_server_config_free     (TgServerConfig  *config);
gboolean        tg_server_config_load     (TgServerConfig  *config,
                                           const char      *path,
                                           GError         **error);
/* Fills defaults that depend on others (paths under data_dir). */
void            tg_server_config_finish   (TgServerConfig  *config);
char           *tg_server_config_get_db_path (TgServerConfig *config);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgServerConfig, tg_server_config_free)

G_END_DECLS
