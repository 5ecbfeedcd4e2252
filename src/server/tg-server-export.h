/* tg-server-export.h — GeoJSON and CSV of every record's current version
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "tg-server-store.h"

G_BEGIN_DECLS

/* @format "geojson" or "csv"; @path NULL for standard output. */
gboolean tg_server_export (TgServerStore  *store,
                           const char     *format,
                           const char     *path,
                           GError        **error);

G_END_DECLS
