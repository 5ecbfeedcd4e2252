/* bench-dedupe-gen.h — generated reports with planted duplicates
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "tg-report.h"

G_BEGIN_DECLS

typedef struct
{
  GPtrArray *reports;     /* TgReport* */
  GArray    *truth;       /* int per report: the event it describes */
  guint      n_groups;    /* events told by two reports or more */
  guint      n_hard;      /* events on the same day in the same town as a group */
} DedupeGen;

/* n_reports reports (at least), of which n_groups planted groups of 2–4
 * reports telling one event with the variations monitors make, and hard
 * negatives beside half of them. The same seed gives the same reports. */
DedupeGen *dedupe_gen_new   (guint    n_reports,
                             guint    n_groups,
                             guint32  seed);
void       dedupe_gen_free  (DedupeGen *gen);

/* Pairs of reports with the same truth. */
guint64    dedupe_truth_pairs (GArray *truth);

G_END_DECLS
