/* tg-lock-monitor.c — when Testigo should lock by itself
 *
 * Idle is Testigo's own: the time since the last key, click, scroll or
 * pointer move in one of its windows (a capture-phase legacy controller
 * sees them all before any widget). One timeout runs, set for the moment
 * the idle time would be reached; on firing it checks the clock again.
 *
 * Suspend and the screen lock come over D-Bus. Every signal is taken
 * whoever sends it: at worst another program of the session can make
 * Testigo lock, which is harmless.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-lock-monitor"

#include "config.h"

#include <unistd.h>

#include "tg-lock-monitor.h"

struct _TgLockMonitor
{
  GObject          parent_instance;

  GSettings       *settings;
  GCancellable    *cancellable;
  gint64           last_activity;   /* monotonic, µs */
  guint            idle_source;
  gboolean         armed;

  GDBusConnection *system;
  GDBusConnection *session;
  guint            sleep_subscription;
  guint            session_lock_subscription;
  guint            screensaver_subscriptions[2];
};

G_DEFINE_FINAL_TYPE (TgLockMonitor, tg_lock_monitor, G_TYPE_OBJECT)

enum {
  SIGNAL_LOCK,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void schedule_idle (TgLockMonitor *self);

static void
emit_lock (TgLockMonitor *self,
           TgLockReason   reason)
{
  if (self->armed)
    g_signal_emit (self, signals[SIGNAL_LOCK], 0, reason);
}

static gboolean
idle_cb (gpointer user_data)
{
  TgLockMonitor *self = user_data;
  guint seconds = g_settings_get_int (self->settings, "lock-idle-seconds");

  self->idle_source = 0;
  if (!self->armed || seconds == 0)
    return G_SOURCE_REMOVE;
  if (g_get_monotonic_time () - self->last_activity >= (gint64) seconds * G_USEC_PER_SEC)
    emit_lock (self, TG_LOCK_REASON_IDLE);
  else
    schedule_idle (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_idle (TgLockMonitor *self)
{
  int seconds = g_settings_get_int (self->settings, "lock-idle-seconds");
  gint64 due;
  gint64 left_ms;

  g_clear_handle_id (&self->idle_source, g_source_remove);
  if (!self->armed || seconds <= 0)
    return;
  due = self->last_activity + (gint64) seconds * G_USEC_PER_SEC;
  left_ms = MAX (0, (due - g_get_monotonic_time ()) / 1000) + 50;
  self->idle_source = g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) MIN (left_ms, G_MAXUINT),
                                          idle_cb, self, NULL);
}

static gboolean
activity_cb (GtkEventControllerLegacy *controller,
             GdkEvent                 *event,
             TgLockMonitor            *self)
{
  switch ((int) gdk_event_get_event_type (event))
    {
    case GDK_KEY_PRESS:
    case GDK_BUTTON_PRESS:
    case GDK_MOTION_NOTIFY:
    case GDK_SCROLL:
    case GDK_TOUCH_BEGIN:
    case GDK_TOUCH_UPDATE:
    case GDK_TOUCHPAD_SWIPE:
    case GDK_TOUCHPAD_PINCH:
      /* The running timeout finds the newer time when it fires. */
      self->last_activity = g_get_monotonic_time ();
      break;
    default:
      break;
    }
  return GDK_EVENT_PROPAGATE;
}

static void
sleep_cb (GDBusConnection *connection,
          const char      *sender,
          const char      *path,
          const char      *interface,
          const char      *member,
          GVariant        *parameters,
          gpointer         user_data)
{
  gboolean going;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(b)")))
    return;
  g_variant_get (parameters, "(b)", &going);
  if (going)
    emit_lock (user_data, TG_LOCK_REASON_SUSPEND);
}

static void
screensaver_cb (GDBusConnection *connection,
                const char      *sender,
                const char      *path,
                const char      *interface,
                const char      *member,
                GVariant        *parameters,
                gpointer         user_data)
{
  gboolean active;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(b)")))
    return;
  g_variant_get (parameters, "(b)", &active);
  if (active)
    emit_lock (user_data, TG_LOCK_REASON_SCREEN_LOCK);
}

static void
session_lock_cb (GDBusConnection *connection,
                 const char      *sender,
                 const char      *path,
                 const char      *interface,
                 const char      *member,
                 GVariant        *parameters,
                 gpointer         user_data)
{
  emit_lock (user_data, TG_LOCK_REASON_SCREEN_LOCK);
}

static void
session_path_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  TgLockMonitor *self;
  const char *path;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No logind session: %s", error->message);
      return;
    }
  self = user_data;
  g_variant_get (reply, "(&o)", &path);
  self->session_lock_subscription =
    g_dbus_connection_signal_subscribe (self->system, NULL, "org.freedesktop.login1.Session", "Lock",
                                        path, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                        session_lock_cb, self, NULL);
}

static void
system_bus_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *bus = g_bus_get_finish (result, &error);
  TgLockMonitor *self;

  if (bus == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No system bus: %s", error->message);
      return;
    }
  self = user_data;
  self->system = bus;
  self->sleep_subscription =
    g_dbus_connection_signal_subscribe (bus, NULL, "org.freedesktop.login1.Manager", "PrepareForSleep",
                                        "/org/freedesktop/login1", NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                        sleep_cb, self, NULL);
  g_dbus_connection_call (bus, "org.freedesktop.login1", "/org/freedesktop/login1",
                          "org.freedesktop.login1.Manager", "GetSessionByPID",
                          g_variant_new ("(u)", (guint32) getpid ()), G_VARIANT_TYPE ("(o)"),
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, 5000, self->cancellable,
                          session_path_cb, self);
}

static void
session_bus_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *bus = g_bus_get_finish (result, &error);
  TgLockMonitor *self;
  static const char * const interfaces[] = { "org.gnome.ScreenSaver", "org.freedesktop.ScreenSaver" };

  if (bus == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No session bus: %s", error->message);
      return;
    }
  self = user_data;
  self->session = bus;
  for (guint i = 0; i < G_N_ELEMENTS (interfaces); i++)
    self->screensaver_subscriptions[i] =
      g_dbus_connection_signal_subscribe (bus, NULL, interfaces[i], "ActiveChanged",
                                          NULL, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                          screensaver_cb, self, NULL);
}

static void
tg_lock_monitor_dispose (GObject *object)
{
  TgLockMonitor *self = TG_LOCK_MONITOR (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->idle_source, g_source_remove);
  if (self->system != NULL)
    {
      if (self->sleep_subscription != 0)
        g_dbus_connection_signal_unsubscribe (self->system, self->sleep_subscription);
      if (self->session_lock_subscription != 0)
        g_dbus_connection_signal_unsubscribe (self->system, self->session_lock_subscription);
      self->sleep_subscription = self->session_lock_subscription = 0;
    }
  if (self->session != NULL)
    for (guint i = 0; i < G_N_ELEMENTS (self->screensaver_subscriptions); i++)
      if (self->screensaver_subscriptions[i] != 0)
        {
          g_dbus_connection_signal_unsubscribe (self->session, self->screensaver_subscriptions[i]);
          self->screensaver_subscriptions[i] = 0;
        }
  g_clear_object (&self->system);
  g_clear_object (&self->session);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (tg_lock_monitor_parent_class)->dispose (object);
}

static void
tg_lock_monitor_class_init (TgLockMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tg_lock_monitor_dispose;

  signals[SIGNAL_LOCK] =
    g_signal_new ("lock", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
}

static void
tg_lock_monitor_init (TgLockMonitor *self)
{
  self->cancellable = g_cancellable_new ();
  self->last_activity = g_get_monotonic_time ();
}

TgLockMonitor *
tg_lock_monitor_new (GSettings *settings)
{
  TgLockMonitor *self = g_object_new (TG_TYPE_LOCK_MONITOR, NULL);

  self->settings = g_object_ref (settings);
  g_signal_connect_object (settings, "changed::lock-idle-seconds",
                           G_CALLBACK (schedule_idle), self, G_CONNECT_SWAPPED);
  /* The monitor lives as long as the application: the callbacks check
   * the cancellable's object is still there through the subscriptions
   * dropped in dispose. */
  g_bus_get (G_BUS_TYPE_SYSTEM, self->cancellable, system_bus_cb, self);
  g_bus_get (G_BUS_TYPE_SESSION, self->cancellable, session_bus_cb, self);
  return self;
}

void
tg_lock_monitor_watch_window (TgLockMonitor *self,
                              GtkWindow     *window)
{
  GtkEventController *controller;

  g_return_if_fail (TG_IS_LOCK_MONITOR (self));
  g_return_if_fail (GTK_IS_WINDOW (window));

  controller = gtk_event_controller_legacy_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect_object (controller, "event", G_CALLBACK (activity_cb), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (window), controller);
}

void
tg_lock_monitor_set_armed (TgLockMonitor *self,
                           gboolean       armed)
{
  g_return_if_fail (TG_IS_LOCK_MONITOR (self));

  self->armed = armed;
  self->last_activity = g_get_monotonic_time ();
  schedule_idle (self);
}
