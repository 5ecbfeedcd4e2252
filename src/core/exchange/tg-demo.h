/* tg-demo.h — a demonstration data set
 *
 * Reports drawn from the public facts of the protests in Peru, December
 * 2022 – February 2023 (places, dates, kinds of violation, counts as
 * reported publicly, which differ between sources on purpose). Every
 * person is a pseudonym marked as such ("Víctima A-07", "Testigo J-12");
 * no real or real-looking names are invented. Narratives and testimony
 * are Spanish demo texts and say so; links point to example.org.
 *
 * The first TG_DEMO_N_BASE reports are the hand-written base set; beyond
 * that, varied reports are generated from it. The same seed gives the same
 * reports (ids included), so populating a store that already holds the
 * demo data adds nothing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "tg-store.h"

G_BEGIN_DECLS

#define TG_DEMO_DEFAULT_SEED 2023
#define TG_DEMO_DEFAULT_SIZE 60

guint      tg_demo_get_n_base   (void);

/* The demo reports, not saved. */
GPtrArray *tg_demo_generate     (guint      n_reports,
                                 guint32    seed);

/* Saves @n_reports demo reports in transactions of 1,000. */
gboolean   tg_demo_populate     (TgStore   *store,
                                 guint      n_reports,
                                 guint32    seed,
                                 GError   **error);

G_END_DECLS
