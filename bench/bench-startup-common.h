/* bench-startup-common.h — what the start-up benchmarks share
 *
 * tests/app/bench-startup.c (testigo against a bare window) and
 * bench/bench-startup-at-rest.c (an encrypted store against a plain one)
 * both start testigo, read the times it prints (docs/app.md, "Start-up
 * benchmark") and summarise them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  double ms;             /* spawned → first frame with the list */
  long   rss_kb;         /* resident memory at the first frame */
  double loaded_ms;      /* spawned → loaded (with BENCH_START_LOADS) */
  long   loaded_rss_kb;
  double opening_ms;     /* spawned → "opening" (with BENCH_START_MARKS) */
  double cpu_ms;         /* processor time (user + system) of the whole run */
  char   renderer[64];
} BenchStart;

typedef enum
{
  BENCH_START_LOADS = 1 << 0,  /* the program prints "loaded": read it */
  BENCH_START_MARKS = 1 << 1,  /* ask for start-up marks, read "opening" */
} BenchStartFlags;

/* The environment for one start of testigo on @data_dir: this process's,
 * with $TESTIGO_DATA_DIR, $TESTIGO_EXIT_AFTER_LOAD and GSettings in
 * memory. */
char   **bench_start_environ   (const char  *data_dir);

/* Runs @argv in @env and reads its times into @sample, counted from just
 * before it was spawned (the monotonic clock is shared). @timeout_s > 0
 * bounds it (timeout(1)): a program that never draws the list is killed.
 * FALSE, with its output and errors printed, when it printed no first
 * frame (or no load, with BENCH_START_LOADS); @label names it there. */
gboolean bench_start           (const char * const *argv,
                                char              **env,
                                int                 timeout_s,
                                BenchStartFlags     flags,
                                const char         *label,
                                BenchStart         *sample);

/* The median of the samples' double at @offset (G_STRUCT_OFFSET
 * (BenchStart, …)), and their lowest and highest (either may be NULL). */
double   bench_start_median    (GArray      *samples,
                                gsize        offset,
                                double      *low,
                                double      *high);

/* "median ms (lowest-highest)" of the same. */
char    *bench_start_describe  (GArray      *samples,
                                gsize        offset);

/* The highest of the samples' long at @offset, in MB. */
double   bench_start_max_mb    (GArray      *samples,
                                gsize        offset);

void     bench_print_load      (const char  *when);

/* A plain store in @dir holding at least @n_reports demo reports (filled
 * once; kept when it has them already). */
gboolean bench_fill_store      (const char  *dir,
                                int          n_reports,
                                GError     **error);

G_END_DECLS
