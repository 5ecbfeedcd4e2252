/* tg-conflict-resolver.h — merge a report changed on two devices, field
 * by field
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "tg-store.h"

G_BEGIN_DECLS

#define TG_TYPE_CONFLICT_RESOLVER (tg_conflict_resolver_get_type ())
G_DECLARE_FINAL_TYPE (TgConflictResolver, tg_conflict_resolver, TG, CONFLICT_RESOLVER, AdwWindow)

/* Signals:
 *   "resolved" (TgReport *merged) — the merged revision is stored; @merged
 *              is the report as the store now has it. The window closes
 *              itself after it.
 * Properties: "state" (string, read-only) — "loading", "choosing",
 * "saving", "nothing" (one head only), "error". */

/* Loads every head of @report_id on a worker thread and shows the fields
 * that differ. @categories and @perpetrators (nullable): the vocabularies
 * that name the codes; without them the codes are shown as they are. */
TgConflictResolver *tg_conflict_resolver_new        (TgStore            *store,
                                                     const char         *report_id,
                                                     GListModel         *categories,
                                                     GListModel         *perpetrators);
const char         *tg_conflict_resolver_get_state  (TgConflictResolver *self);
/* The message shown above the fields ("Another change arrived…"), or
 * NULL. */
const char         *tg_conflict_resolver_get_notice (TgConflictResolver *self);
/* How many fields differ, and how many of them have an answer. */
guint               tg_conflict_resolver_get_n_fields (TgConflictResolver *self);
guint               tg_conflict_resolver_get_n_chosen (TgConflictResolver *self);

G_END_DECLS
