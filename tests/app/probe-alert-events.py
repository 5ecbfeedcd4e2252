#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# What the installed GTK 4 sends over AT-SPI when an alert appears: the
# evidence behind docs/sync.md's "Announcing the end of a sync". A program
# run by hand, not a test: it checks GTK, not Testigo.
#
# It starts a small GTK 4 window (itself, with --app) and listens on the
# accessibility bus. After walking the window once (as a screen reader
# does, which realizes the accessible objects), it presses the window's
# "Step" button over AT-SPI for each way of showing an alert:
#
#   1. a hidden label of role alert given words and shown
#      (gtk_widget_set_visible);
#   2. a visible label of role alert, walked, whose accessible HIDDEN state
#      is set, words changed, and the state cleared;
#   3. a transient window of role alert presented;
#   4. that window hidden.
#
# After each step the window's title becomes "done-N": the listener waits
# for that name change (events from one connection arrive in order), then
# prints every event the step caused. It exits 0 when no alert or
# notification sent object:state-changed:showing with detail 1 (the event
# Orca's default script speaks an alert on), 1 when one did (GTK can
# announce: revisit docs/sync.md), 77 when it cannot run.
#
# Usage, on a display with a session bus and an accessibility bus (e.g.
# tools/run-tests.sh's): probe-alert-events.py. Needs python3-pyatspi and
# gir1.2-gtk-4.0. Waits are for events, polled with a bound.

import os
import subprocess
import sys

import gi

APP_TITLE = "probe-alert"
STEPS = 4


def run_app():
    gi.require_version("Gtk", "4.0")
    from gi.repository import Gtk

    app = Gtk.Application(application_id="io.github.testigo.ProbeAlert")

    def activate(application):
        win = Gtk.ApplicationWindow(application=application, title=APP_TITLE)
        box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL)
        step = Gtk.Button(label="Step")
        hidden = Gtk.Label(accessible_role=Gtk.AccessibleRole.ALERT, label="")
        hidden.set_visible(False)
        shown = Gtk.Label(accessible_role=Gtk.AccessibleRole.ALERT, label="Idle")
        for widget in (step, hidden, shown):
            box.append(widget)
        win.set_child(box)
        state = {"n": 0, "window": None}

        def on_step(button):
            state["n"] += 1
            n = state["n"]
            if n == 1:
                hidden.set_label("Alert one: shown")
                hidden.set_visible(True)
            elif n == 2:
                shown.update_state([Gtk.AccessibleState.HIDDEN], [True])
                shown.set_label("Alert two: hidden state toggled")
                shown.update_state([Gtk.AccessibleState.HIDDEN], [False])
            elif n == 3:
                alert = Gtk.Window(accessible_role=Gtk.AccessibleRole.ALERT,
                                   title="Alert three: a window", transient_for=win)
                alert.set_child(Gtk.Label(label="Alert three: a window"))
                state["window"] = alert
                alert.present()
            elif n == 4:
                state["window"].set_visible(False)
            win.set_title("done-%d" % n)
            if n == STEPS:
                application.quit()
        step.connect("clicked", on_step)
        win.present()
    app.connect("activate", activate)
    app.run([])


def main():
    try:
        import pyatspi
        from gi.repository import GLib
    except ImportError as e:
        print("# cannot run: %s" % e)
        return 77

    events = []
    done = {"n": 0}
    app_proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--app"],
                                env=dict(os.environ, GTK_A11Y="atspi"))

    def role(node):
        try:
            return node.getRoleName()
        except Exception:
            return "?"

    def name(node):
        try:
            return node.name
        except Exception:
            return "?"

    def on_event(event):
        if event.type.startswith("object:property-change:accessible-name") and role(event.source) == "frame":
            title = event.any_data if isinstance(event.any_data, str) else name(event.source)
            if title and title.startswith("done-"):
                done["n"] = int(title.split("-")[1])
                return
        if plan["asked"] == 0:
            return   # the window starting, before the first step
        target = event.any_data if hasattr(event.any_data, "getRoleName") else None
        events.append((done["n"] + 1, event.type, role(event.source), name(event.source), event.detail1,
                       "%s %r" % (role(target), name(target)) if target is not None else ""))

    for kind in ("object:state-changed:showing", "object:children-changed",
                 "object:property-change:accessible-name", "object:text-changed",
                 "window:create", "window:activate", "object:announcement"):
        pyatspi.Registry.registerEventListener(on_event, kind)

    def find_app():
        desktop = pyatspi.Registry.getDesktop(0)
        for app in desktop:
            if app is None:
                continue
            for frame in app:
                if frame is not None and name(frame) == APP_TITLE:
                    return frame
        return None

    def walk(node, found):
        try:
            if role(node) == "push button" and name(node) == "Step":
                found.append(node)
            for child in node:
                if child is not None:
                    walk(child, found)
        except Exception:
            pass

    plan = {"button": None, "asked": 0, "polls": 0, "status": 2}

    def tick():
        plan["polls"] += 1
        if plan["polls"] > 600:   # 60 s: give up
            print("# timed out at step %d" % (done["n"] + 1))
            pyatspi.Registry.stop()
            return False
        if plan["button"] is None:
            frame = find_app()
            if frame is None:
                return True
            found = []
            walk(frame, found)
            if not found:
                return True
            plan["button"] = found[0]
        if done["n"] == plan["asked"]:
            if plan["asked"] == STEPS:
                pyatspi.Registry.stop()
                return False
            plan["asked"] += 1
            walk(find_app(), [])   # as a screen reader would: realizes what is shown now
            plan["button"].queryAction().doAction(0)
        return True

    GLib.timeout_add(100, tick)
    pyatspi.Registry.start()
    app_proc.wait(timeout=30)

    if done["n"] < STEPS:
        return 77
    presentable = False
    for step in range(1, STEPS + 1):
        print("# step %d:" % step)
        for n, kind, source_role, source_name, detail1, target in events:
            if n != step:
                continue
            print("#   %s from %s %r detail1=%s %s" % (kind, source_role, source_name, detail1, target))
            if kind.startswith("object:state-changed:showing") and detail1 and source_role in ("alert", "notification"):
                presentable = True
    if presentable:
        print("an alert sent state-changed:showing with detail 1: GTK can announce it")
        return 1
    print("no alert sent state-changed:showing with detail 1: nothing a screen reader speaks")
    return 0


if __name__ == "__main__":
    if "--app" in sys.argv:
        run_app()
        sys.exit(0)
    sys.exit(main())
