/* tg-dedupe.h — reports that may describe the same event
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Candidate pairs of reports for the coordinator's review queue. Each
 * report is reduced once to a compact set of features; blocking keys
 * (day × map cell, shared file, victim name × month, …) choose which
 * pairs are compared at all, so 50,000 reports are never compared all
 * against all. A compared pair gets a match weight per field in the
 * manner of Fellegi and Sunter: agreement adds, disagreement subtracts,
 * a field missing on either side adds nothing. The sum is the score; each
 * field's weight comes with a sentence saying why, in the user's
 * language. docs/workspace.md, "Duplicate candidates", lists the weights.
 */
#pragma once

#include <gio/gio.h>

#include "tg-report.h"

G_BEGIN_DECLS

/* Pairs scoring at or above this are proposed. */
#define TG_DEDUPE_DEFAULT_THRESHOLD 5.5

typedef enum
{
  TG_DEDUPE_FIELD_TIME,
  TG_DEDUPE_FIELD_PLACE,
  TG_DEDUPE_FIELD_CATEGORY,
  TG_DEDUPE_FIELD_VICTIMS,
  TG_DEDUPE_FIELD_AGE_SEX,
  TG_DEDUPE_FIELD_COUNTS,
  TG_DEDUPE_FIELD_FILES,
  TG_DEDUPE_N_FIELDS
} TgDedupeField;

/* The field's name for a column header, translated. */
const char *tg_dedupe_field_get_label (TgDedupeField field);

typedef struct
{
  TgDedupeField  field;
  double         weight;     /* > 0 agreement, < 0 disagreement */
  char          *sentence;   /* translated: "same day", "350 m apart" */
} TgDedupeReason;

typedef struct
{
  char       *report_a;      /* ids, report_a < report_b (strcmp) */
  char       *report_b;
  guint       index_a;       /* positions in the array given */
  guint       index_b;
  double      score;
  GPtrArray  *reasons;       /* of TgDedupeReason*, in field order; only
                              * the fields both reports have */
} TgDedupeCandidate;

void   tg_dedupe_candidate_free        (TgDedupeCandidate *candidate);
/* The agreeing fields' sentences joined: "same day, 350 m apart,
 * 2 victims in common, 1 identical photo". */
char  *tg_dedupe_candidate_get_summary (const TgDedupeCandidate *candidate);

/* Return TRUE to leave the pair out (a pair the coordinator dismissed).
 * Called with report_a < report_b from the scoring threads, several at
 * once on large sets: it must only read what it shares. */
typedef gboolean (*TgDedupeSkipFunc) (const char *report_a,
                                      const char *report_b,
                                      gpointer    user_data);

/* The features of many reports, extracted once (in as many threads as
 * there are processors, up to 4, for 2,000 reports or more). The reports
 * are read only while the set is made. */
typedef struct _TgDedupeSet TgDedupeSet;

TgDedupeSet *tg_dedupe_set_new           (GPtrArray        *reports);
void         tg_dedupe_set_free          (TgDedupeSet      *set);
guint        tg_dedupe_set_get_n_reports (TgDedupeSet      *set);
/* Candidates at or above threshold, best first. NULL only when
 * cancelled. */
GPtrArray   *tg_dedupe_set_find          (TgDedupeSet      *set,
                                          double            threshold,
                                          TgDedupeSkipFunc  skip,
                                          gpointer          skip_data,
                                          GCancellable     *cancellable,
                                          GError          **error);
/* Pairs the last find compared (after blocking), for benchmarks. */
guint64      tg_dedupe_set_get_n_compared(TgDedupeSet      *set);

/* All in one: features, blocking, scoring. reports: TgReport*. */
GPtrArray   *tg_dedupe_find              (GPtrArray        *reports,
                                          double            threshold,
                                          TgDedupeSkipFunc  skip,
                                          gpointer          skip_data,
                                          GCancellable     *cancellable,
                                          GError          **error);
/* The same in a worker thread: the reports must not change until the
 * callback runs. skip is called in that thread; skip_destroy frees
 * skip_data when done. */
void         tg_dedupe_find_async        (GPtrArray           *reports,
                                          double               threshold,
                                          TgDedupeSkipFunc     skip,
                                          gpointer             skip_data,
                                          GDestroyNotify       skip_destroy,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
GPtrArray   *tg_dedupe_find_finish       (GAsyncResult        *result,
                                          GError             **error);

/* One pair, scored whatever its blocks: the candidate with every field's
 * reason (for the merge view, or to explain why a pair is not proposed). */
TgDedupeCandidate *tg_dedupe_compare     (TgReport         *a,
                                          TgReport         *b);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgDedupeCandidate, tg_dedupe_candidate_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgDedupeSet, tg_dedupe_set_free)

G_END_DECLS
