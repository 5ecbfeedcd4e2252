/* test-progress.c — throttled progress, its last update always delivered, and posting to a loop
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "tg-progress.h"

#define N_UPDATES 20000
#define INTERVAL_MS 30

typedef struct
{
  GArray  *times;   /* gint64, monotonic µs of each delivery */
  GArray  *dones;   /* goffset */
  GThread *main_thread;
  gboolean wrong_thread;
  gboolean freed;
  gint     n_delivered;  /* atomic: the worker waits for the first */
} Recorder;

static void
record_cb (goffset  done,
           goffset  total,
           gpointer user_data)
{
  Recorder *r = user_data;
  gint64 now = g_get_monotonic_time ();

  if (g_thread_self () != r->main_thread)
    r->wrong_thread = TRUE;
  g_assert_cmpint (total, ==, N_UPDATES);
  g_array_append_val (r->times, now);
  g_array_append_val (r->dones, done);
  g_atomic_int_inc (&r->n_delivered);
}

static void
recorder_free_cb (gpointer user_data)
{
  Recorder *r = user_data;

  r->freed = TRUE;
}

typedef struct
{
  TgProgress *progress;
  Recorder   *recorder;
} Work;

static gpointer
worker (gpointer user_data)
{
  Work *work = user_data;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  /* Half the updates as fast as it can; then, once the first delivery
   * has happened (a bounded poll for that state), the rest at once: they
   * all come within the interval after that delivery, and the last one
   * (not forced) must still arrive. */
  for (goffset i = 1; i <= N_UPDATES / 2; i++)
    tg_progress_report (work->progress, i, N_UPDATES, FALSE);
  while (g_atomic_int_get (&work->recorder->n_delivered) == 0 && g_get_monotonic_time () < deadline)
    g_usleep (100);
  for (goffset i = N_UPDATES / 2 + 1; i <= N_UPDATES; i++)
    tg_progress_report (work->progress, i, N_UPDATES, FALSE);
  tg_progress_unref (work->progress);
  return NULL;
}

static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static void
test_throttle (void)
{
  Recorder r = { g_array_new (FALSE, FALSE, sizeof (gint64)),
                 g_array_new (FALSE, FALSE, sizeof (goffset)), g_thread_self (), FALSE, FALSE, 0 };
  g_autoptr(GMainContext) context = g_main_context_new ();
  TgProgress *progress;
  GThread *thread;
  Work work;
  GSource *tick;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  g_main_context_push_thread_default (context);
  progress = tg_progress_new (record_cb, &r, recorder_free_cb, context, INTERVAL_MS);
  work.progress = tg_progress_ref (progress);
  work.recorder = &r;
  thread = g_thread_new ("progress-worker", worker, &work);
  tg_progress_unref (progress);

  /* Until the last update arrives (bounded: a tick wakes the loop so
   * that the deadline is checked even when nothing is delivered). */
  tick = g_timeout_source_new (100);
  g_source_set_callback (tick, tick_cb, NULL, NULL);
  g_source_attach (tick, context);
  while ((r.dones->len == 0 || g_array_index (r.dones, goffset, r.dones->len - 1) != N_UPDATES) &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (tick);
  g_source_unref (tick);
  g_thread_join (thread);
  /* What is still queued, then the last reference goes. */
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);

  g_assert_false (r.wrong_thread);
  g_assert_cmpuint (r.dones->len, >=, 1);
  g_assert_cmpint (g_array_index (r.dones, goffset, r.dones->len - 1), ==, N_UPDATES);
  /* Far fewer deliveries than updates, in order, at most one an interval. */
  g_assert_cmpuint (r.dones->len, <, N_UPDATES);
  for (guint i = 1; i < r.dones->len; i++)
    {
      gint64 gap = g_array_index (r.times, gint64, i) - g_array_index (r.times, gint64, i - 1);

      g_assert_cmpint (g_array_index (r.dones, goffset, i), >, g_array_index (r.dones, goffset, i - 1));
      if (gap < INTERVAL_MS * 1000 - 1000)
        g_error ("deliveries %u and %u came %" G_GINT64_FORMAT " µs apart", i - 1, i, gap);
    }
  g_assert_true (r.freed);
  g_array_unref (r.times);
  g_array_unref (r.dones);
}

/* Without a context: called in the reporting thread, throttled, forced
 * calls always. */
static void
test_direct (void)
{
  Recorder r = { g_array_new (FALSE, FALSE, sizeof (gint64)),
                 g_array_new (FALSE, FALSE, sizeof (goffset)), g_thread_self (), FALSE, FALSE, 0 };
  TgProgress *progress = tg_progress_new (record_cb, &r, NULL, NULL, 60 * 1000);

  tg_progress_report (progress, 1, N_UPDATES, FALSE);
  tg_progress_report (progress, 2, N_UPDATES, FALSE);   /* within the minute: dropped */
  tg_progress_report (progress, N_UPDATES, N_UPDATES, TRUE);
  tg_progress_unref (progress);

  g_assert_false (r.wrong_thread);
  g_assert_cmpuint (r.dones->len, ==, 2);
  g_assert_cmpint (g_array_index (r.dones, goffset, 0), ==, 1);
  g_assert_cmpint (g_array_index (r.dones, goffset, 1), ==, N_UPDATES);
  g_array_unref (r.times);
  g_array_unref (r.dones);
}

typedef struct
{
  GThread *ran_in;
  gint     n_runs;
  gboolean freed;
} Posted;

static gboolean
posted_cb (gpointer user_data)
{
  Posted *p = user_data;

  p->ran_in = g_thread_self ();
  p->n_runs++;
  return G_SOURCE_REMOVE;
}

static void
posted_free_cb (gpointer user_data)
{
  ((Posted *) user_data)->freed = TRUE;
}

static gpointer
post_thread (gpointer user_data)
{
  tg_main_context_post (g_main_context_default (), posted_cb, user_data, posted_free_cb);
  return NULL;
}

/* A worker posts to the global default context while no loop runs it:
 * the function runs later, once, in the thread that iterates it — never
 * in the worker (where g_main_context_invoke() would have called it, as
 * it can acquire the idle context). */
static void
test_post (void)
{
  Posted p = { NULL, 0, FALSE };
  GThread *worker = g_thread_new ("post", post_thread, &p);

  g_thread_join (worker);
  g_assert_cmpint (p.n_runs, ==, 0);
  g_assert_false (p.freed);
  while (!p.freed)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (p.n_runs, ==, 1);
  g_assert_true (p.ran_in == g_thread_self ());
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/progress/throttle", test_throttle);
  g_test_add_func ("/progress/direct", test_direct);
  g_test_add_func ("/progress/post", test_post);

  return g_test_run ();
}
