/* tg-gazetteer.h — offline place search and reverse lookup
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "tg-gazetteer-place.h"

G_BEGIN_DECLS

#define TG_TYPE_GAZETTEER (tg_gazetteer_get_type ())
G_DECLARE_FINAL_TYPE (TgGazetteer, tg_gazetteer, TG, GAZETTEER, GObject)

char        *tg_gazetteer_normalize      (const char   *text);

TgGazetteer *tg_gazetteer_new            (const char   *path,
                                          GError      **error);

GPtrArray   *tg_gazetteer_search         (TgGazetteer  *self,
                                          const char   *query,
                                          const char   *country_bias,
                                          guint         limit,
                                          GError      **error);
void         tg_gazetteer_search_async   (TgGazetteer         *self,
                                          const char          *query,
                                          const char          *country_bias,
                                          guint                limit,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
GPtrArray   *tg_gazetteer_search_finish  (TgGazetteer         *self,
                                          GAsyncResult        *result,
                                          GError             **error);

TgGazetteerPlace *tg_gazetteer_nearest   (TgGazetteer  *self,
                                          double        latitude,
                                          double        longitude,
                                          double       *distance_km,
                                          GError      **error);
char        *tg_gazetteer_describe       (TgGazetteer  *self,
                                          double        latitude,
                                          double        longitude,
                                          char        **admin1_code,
                                          char        **admin2_code,
                                          GError      **error);

G_END_DECLS
