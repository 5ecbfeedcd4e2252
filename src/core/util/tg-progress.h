/* tg-progress.h — one progress callback type and one throttled marshaller to a main context
 *
 * Work in a worker thread (an import, an export, a file added as a
 * source) reports "done of total" as often as it likes; a TgProgress with
 * a main context calls the function in that context's thread at most
 * once every @interval_ms, always with the newest values, and the last
 * values reported are always delivered (a report that comes too soon
 * after a delivery is delivered when the interval has passed, unless a
 * newer one replaces it). A forced report is delivered at once (the end
 * of the work: before the work's completion, which is queued after it).
 * Without a context the function is called
 * directly in the reporting thread, at most once every @interval_ms, and
 * always when @force is set (the caller forces its last report).
 *
 * Reference counted, so that a delivery still queued when the work ends
 * stays valid; @notify frees @data when the last reference goes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef void (*TgProgressFunc) (goffset  done,
                                goffset  total,
                                gpointer user_data);

/* The interval of every progress in Testigo: 20 updates a second. */
#define TG_PROGRESS_INTERVAL_MS 50

typedef struct _TgProgress TgProgress;

/* @func: (nullable): then reports do nothing. @context: (nullable). */
TgProgress *tg_progress_new    (TgProgressFunc  func,
                                gpointer        data,
                                GDestroyNotify  notify,
                                GMainContext   *context,
                                guint           interval_ms);
TgProgress *tg_progress_ref    (TgProgress     *self);
void        tg_progress_unref  (TgProgress     *self);
/* From any thread. @force: deliver now, even within the interval. */
void        tg_progress_report (TgProgress     *self,
                                goffset         done,
                                goffset         total,
                                gboolean        force);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgProgress, tg_progress_unref)

/* Calls @func (@data) in @context's thread, always through a source
 * attached to @context, at G_PRIORITY_DEFAULT, again while it returns
 * G_SOURCE_CONTINUE (as g_main_context_invoke_full() would); @notify
 * frees @data after.
 * The marshaller under every "done" and "changed" a worker thread hands
 * to the main loop: g_main_context_invoke() would call @func in the
 * calling worker whenever it can acquire @context (the global default
 * one between two iterations, say), racing the main thread. */
void        tg_main_context_post (GMainContext   *context,
                                  GSourceFunc     func,
                                  gpointer        data,
                                  GDestroyNotify  notify);
/* The same from a thread that may be @owner, the one that runs
 * @context's loop (recorded when the object was made): there, or while
 * this thread owns @context, @func is called at once; from any other
 * thread it is posted. */
void        tg_main_context_call (GMainContext   *context,
                                  GThread        *owner,
                                  GSourceFunc     func,
                                  gpointer        data,
                                  GDestroyNotify  notify);

G_END_DECLS
