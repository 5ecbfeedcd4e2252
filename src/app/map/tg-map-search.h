/* tg-map-search.h — offline place search over the map
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "tg-gazetteer.h"

G_BEGIN_DECLS

#define TG_TYPE_MAP_SEARCH (tg_map_search_get_type ())
G_DECLARE_FINAL_TYPE (TgMapSearch, tg_map_search, TG, MAP_SEARCH, GtkWidget)

/* Signal "place-chosen" (TgGazetteerPlace *place). */

GtkWidget   *tg_map_search_new              (TgGazetteer *gazetteer);
/* Places of this country (ISO code, e.g. "PE") rank first; NULL for none. */
void         tg_map_search_set_country_bias (TgMapSearch *self,
                                             const char  *country);
/* Runs a search as if typed, for tests: the results land in the list. */
void         tg_map_search_set_text         (TgMapSearch *self,
                                             const char  *text);
/* The places shown in the result list (a GListModel of TgGazetteerPlace). */
GListModel  *tg_map_search_get_results      (TgMapSearch *self);
void         tg_map_search_choose           (TgMapSearch *self,
                                             guint        position);

G_END_DECLS
