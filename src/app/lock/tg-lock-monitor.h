/* tg-lock-monitor.h — when Testigo should lock by itself
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum
{
  TG_LOCK_REASON_IDLE,
  TG_LOCK_REASON_SUSPEND,       /* logind's PrepareForSleep(true), system bus */
  TG_LOCK_REASON_SCREEN_LOCK,   /* the session's screen saver, or logind's Lock */
} TgLockReason;

#define TG_TYPE_LOCK_MONITOR (tg_lock_monitor_get_type ())
G_DECLARE_FINAL_TYPE (TgLockMonitor, tg_lock_monitor, TG, LOCK_MONITOR, GObject)

/* Emits "lock" (TgLockReason) while armed: after the "lock-idle-seconds"
 * of @settings without a key, click, scroll or pointer move in a watched
 * window (0: never), on suspend, and when the session's screen locks
 * (org.gnome.ScreenSaver / org.freedesktop.ScreenSaver ActiveChanged on
 * the session bus, logind's Lock for this session). */
TgLockMonitor *tg_lock_monitor_new          (GSettings     *settings);
void           tg_lock_monitor_watch_window (TgLockMonitor *self,
                                             GtkWindow     *window);
void           tg_lock_monitor_set_armed    (TgLockMonitor *self,
                                             gboolean       armed);

G_END_DECLS
