/* tg-source.h — evidence attached to a report: a file, a link or typed
 * testimony
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "tg-types.h"

G_BEGIN_DECLS

#define TG_TYPE_SOURCE (tg_source_get_type ())
G_DECLARE_FINAL_TYPE (TgSource, tg_source, TG, SOURCE, GObject)

TgSource     *tg_source_new                (TgSourceKind   kind);
const char   *tg_source_get_id             (TgSource      *self);
TgSourceKind  tg_source_get_kind           (TgSource      *self);
const char   *tg_source_get_title          (TgSource      *self);
void          tg_source_set_title          (TgSource      *self,
                                            const char    *title);
/* file sources */
const char   *tg_source_get_sha256         (TgSource      *self);
void          tg_source_set_sha256         (TgSource      *self,
                                            const char    *sha256);
const char   *tg_source_get_file_name      (TgSource      *self);
void          tg_source_set_file_name      (TgSource      *self,
                                            const char    *file_name);
const char   *tg_source_get_mime_type      (TgSource      *self);
void          tg_source_set_mime_type      (TgSource      *self,
                                            const char    *mime_type);
gint64        tg_source_get_size           (TgSource      *self);
void          tg_source_set_size           (TgSource      *self,
                                            gint64         size);
/* ISO 8601 capture time from the file's metadata, or NULL */
const char   *tg_source_get_captured_at    (TgSource      *self);
void          tg_source_set_captured_at    (TgSource      *self,
                                            const char    *captured_at);
/* NAN when the file carries no position */
double        tg_source_get_latitude       (TgSource      *self);
double        tg_source_get_longitude      (TgSource      *self);
void          tg_source_set_position       (TgSource      *self,
                                            double         latitude,
                                            double         longitude);
const char   *tg_source_get_camera         (TgSource      *self);
void          tg_source_set_camera         (TgSource      *self,
                                            const char    *camera);
const char   *tg_source_get_thumbnail_sha256 (TgSource    *self);
void          tg_source_set_thumbnail_sha256 (TgSource    *self,
                                              const char  *sha256);
/* link sources */
const char   *tg_source_get_url            (TgSource      *self);
void          tg_source_set_url            (TgSource      *self,
                                            const char    *url);
/* testimony sources: the typed text */
const char   *tg_source_get_text           (TgSource      *self);
void          tg_source_set_text           (TgSource      *self,
                                            const char    *text);

TgSource     *tg_source_new_from_json      (JsonNode      *node,
                                            GError       **error);
gboolean      tg_source_validate           (TgSource      *self,
                                            GError       **error);

G_END_DECLS
