/* tg-basemap-private.h — shared by the basemap and the gazetteer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "tg-sqlite.h"

G_BEGIN_DECLS

#define TG_BASEMAP_SCHEMA_VERSION 1

TgSqlite *_tg_basemap_open_db (const char  *path,
                               GError     **error);

G_END_DECLS
