/* tg-conflict-resolver.h — merge a report changed on two devices, field
 * by field
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "tg-resolver-window.h"
#include "tg-store.h"

G_BEGIN_DECLS

#define TG_TYPE_CONFLICT_RESOLVER (tg_conflict_resolver_get_type ())
G_DECLARE_FINAL_TYPE (TgConflictResolver, tg_conflict_resolver, TG, CONFLICT_RESOLVER, TgResolverWindow)

/* Signals:
 *   "resolved" (TgReport *merged) — the merged revision is stored; @merged
 *              is the report as the store now has it. The window closes
 *              itself after it.
 * Properties: "state" (TgResolverWindow's) — "loading", "choosing",
 * "saving", "saved", "nothing" (one head only), "error". */

/* Loads every head of @report_id on a worker thread and shows the fields
 * that differ. @categories and @perpetrators (nullable): the vocabularies
 * that name the codes; without them the codes are shown as they are. */
TgConflictResolver *tg_conflict_resolver_new        (TgStore            *store,
                                                     const char         *report_id,
                                                     GListModel         *categories,
                                                     GListModel         *perpetrators);
/* Its state, notice and how many fields differ and have an answer:
 * tg_resolver_window_get_state() and the like. */

G_END_DECLS
