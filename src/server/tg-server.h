/* tg-server.h — the HTTPS API over a SoupServer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "tg-server-config.h"
#include "tg-server-store.h"

G_BEGIN_DECLS

#define TG_TYPE_SERVER (tg_server_get_type ())
G_DECLARE_FINAL_TYPE (TgServer, tg_server, TG, SERVER, GObject)

/* @certificate is NULL only with config->insecure_http. */
TgServer   *tg_server_new             (TgServerConfig   *config,
                                       TgServerStore    *store,
                                       GTlsCertificate  *certificate,
                                       GError          **error);
gboolean    tg_server_start           (TgServer         *self,
                                       GError          **error);
/* "https://127.0.0.1:8443" once started */
const char *tg_server_get_base_uri    (TgServer         *self);

G_END_DECLS
