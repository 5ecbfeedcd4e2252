/* tg-server-conn.h — testigo-server's connections: accept, limits, timeouts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "tg-server-config.h"

G_BEGIN_DECLS

typedef struct _TgServerConns TgServerConns;

/* Accepts on @listen_socket itself (TLS with @certificate, or plain when
 * NULL) and hands each connection to @soup through a stream it keeps
 * watching, so that it can close it in any state. */
TgServerConns *tg_server_conns_new      (SoupServer       *soup,
                                         TgServerConfig   *config,
                                         GTlsCertificate  *certificate,
                                         GSocket          *listen_socket,
                                         GError          **error);
void           tg_server_conns_free     (TgServerConns    *conns);

/* Sends the response already set on @msg at once, without reading the
 * request's body, and closes the connection. */
void           tg_server_conns_refuse   (TgServerConns     *conns,
                                         SoupServerMessage *msg);

/* Called with each message refused by tg_server_conns_refuse (), its
 * response still set: libsoup then ends it as aborted, not finished. */
void           tg_server_conns_set_refused_func (TgServerConns     *conns,
                                                 void             (*func) (SoupServerMessage *msg,
                                                                           gpointer           data),
                                                 gpointer           data);

/* Called with the client's address (in full) of each connection closed at
 * accept because its address is over handshake-rate. */
void           tg_server_conns_set_throttled_func (TgServerConns  *conns,
                                                   void          (*func) (const char *host,
                                                                          gpointer    data),
                                                   gpointer        data);

/* TRUE when the request announces a body (Content-Length above 0, an
 * invalid Content-Length, or chunked). */
gboolean       tg_server_request_has_body (SoupServerMessage *msg);

G_END_DECLS
