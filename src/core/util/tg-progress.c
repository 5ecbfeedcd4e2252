/* tg-progress.c — one progress callback type and one throttled marshaller to a main context
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-progress"

#include "config.h"

#include "tg-progress.h"

struct _TgProgress
{
  TgProgressFunc  func;
  gpointer        data;
  GDestroyNotify  notify;
  GMainContext   *context;    /* NULL: call directly */
  gint64          interval;   /* µs */

  GMutex          mutex;
  goffset         done;       /* the newest values */
  goffset         total;
  gint64          last;       /* monotonic time of the last delivery */
  gboolean        pending;    /* a source will deliver the newest values */
  gboolean        delivered;  /* something was delivered: */
  goffset         last_done;  /* what */
  goffset         last_total;
};

static void
progress_clear (gpointer user_data)
{
  TgProgress *self = user_data;

  if (self->notify != NULL)
    self->notify (self->data);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->mutex);
}

TgProgress *
tg_progress_new (TgProgressFunc  func,
                 gpointer        data,
                 GDestroyNotify  notify,
                 GMainContext   *context,
                 guint           interval_ms)
{
  TgProgress *self = g_atomic_rc_box_new0 (TgProgress);

  self->func = func;
  self->data = data;
  self->notify = notify;
  self->context = context ? g_main_context_ref (context) : NULL;
  self->interval = (gint64) interval_ms * 1000;
  self->last = G_MININT64 / 2;
  g_mutex_init (&self->mutex);
  return self;
}

TgProgress *
tg_progress_ref (TgProgress *self)
{
  return g_atomic_rc_box_acquire (self);
}

void
tg_progress_unref (TgProgress *self)
{
  if (self != NULL)
    g_atomic_rc_box_release_full (self, progress_clear);
}

static gboolean
deliver_cb (gpointer user_data)
{
  TgProgress *self = user_data;
  goffset done, total;

  gboolean repeat;

  g_mutex_lock (&self->mutex);
  done = self->done;
  total = self->total;
  self->pending = FALSE;
  /* A forced delivery and a timed one can both be queued: the second
   * has nothing new. */
  repeat = self->delivered && done == self->last_done && total == self->last_total;
  if (!repeat)
    {
      self->last = g_get_monotonic_time ();
      self->delivered = TRUE;
      self->last_done = done;
      self->last_total = total;
    }
  g_mutex_unlock (&self->mutex);

  if (!repeat)
    self->func (done, total, self->data);
  return G_SOURCE_REMOVE;
}

void
tg_progress_report (TgProgress *self,
                    goffset     done,
                    goffset     total,
                    gboolean    force)
{
  GSource *source;
  gint64 now, wait;

  if (self == NULL || self->func == NULL)
    return;

  now = g_get_monotonic_time ();

  if (self->context == NULL)
    {
      if (!force && now - self->last < self->interval)
        return;
      self->last = now;
      self->func (done, total, self->data);
      return;
    }

  g_mutex_lock (&self->mutex);
  self->done = done;
  self->total = total;
  if (self->pending && !force)
    {
      /* The queued delivery takes these values. */
      g_mutex_unlock (&self->mutex);
      return;
    }
  self->pending = TRUE;
  wait = self->last + self->interval - now;
  g_mutex_unlock (&self->mutex);

  /* Always through a source (see tg_main_context_post()). */
  /* Forced (the end of the work): at once, so that it comes before the
   * work's own completion, queued after it. */
  if (wait > 0 && !force)
    source = g_timeout_source_new ((guint) ((wait + 999) / 1000));
  else
    source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, deliver_cb, tg_progress_ref (self), (GDestroyNotify) tg_progress_unref);
  g_source_set_static_name (source, "[testigo] progress");
  g_source_attach (source, self->context);
  g_source_unref (source);
}

void
tg_main_context_post (GMainContext   *context,
                      GSourceFunc     func,
                      gpointer        data,
                      GDestroyNotify  notify)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, notify);
  g_source_set_static_name (source, "[testigo] posted");
  g_source_attach (source, context);
  g_source_unref (source);
}

void
tg_main_context_call (GMainContext   *context,
                      GThread        *owner,
                      GSourceFunc     func,
                      gpointer        data,
                      GDestroyNotify  notify)
{
  if (g_thread_self () == owner || g_main_context_is_owner (context))
    g_main_context_invoke_full (context, G_PRIORITY_DEFAULT, func, data, notify);
  else
    tg_main_context_post (context, func, data, notify);
}
