#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Walks the whole window over AT-SPI, as a screen reader sees it, and
# fails on any control a person can use that has no name or no action:
# the main window (list rows, header, search, filter popover, main menu,
# map search, zoom and download), the editor with a person and every kind
# of source (a photo, a link, a testimony) opened up, the date button's
# calendar, and every page of the preferences.
#
# A control is a node with a control's role (button, check box, entry,
# list item, menu item, …) or any focusable node, that is visible and
# sensitive. Its name must not be empty, nor the name of a widget class
# ("GtkImage", "GtkSearchEntry": what GTK 4.8 says when nothing names it).
# Its action: at least one AT-SPI action, except for text a person types
# into (editable text is its interface) and containers such as lists.
#
# Usage: test-a11y.py TESTIGO. Needs tools/run-tests.sh's display and
# buses; skips without them.

import os
import re
import subprocess
import sys
import tempfile
import time

from tap_atspi import (
    end, find_app, require_atspi, run, tap, wait_active, wait_for, walk, window_named,
    windows)

TESTIGO = sys.argv[1] if len(sys.argv) > 1 else "testigo"
pyatspi = require_atspi()

CONTROL_ROLES = {
    "push button", "toggle button", "check box", "radio button", "combo box",
    "spin button", "slider", "menu item", "check menu item", "radio menu item",
    "list item", "link", "switch", "page tab", "entry", "text", "password text",
    "tree item", "table cell",
}
# Roles that need a name but no action of their own: text is typed in
# (EditableText), a slider or spin button is set (Value).
NO_ACTION_NEEDED = {"entry", "text", "password text", "spin button", "slider"}
CLASS_NAME = re.compile(r"^(Gtk|Adw|Shumate|Tg)[A-Z]\w*$")


def state(node, s):
    try:
        return node.getState().contains(s)
    except Exception:
        return False


def n_actions(node):
    try:
        return node.queryAction().nActions
    except Exception:
        return 0


def mapped(node):
    """Visible, and so are its ancestors up to the window (GTK 4.8 marks
    only windows "showing"), and it has a size on screen."""
    n = node
    while n is not None:
        if not state(n, pyatspi.STATE_VISIBLE):
            return False
        try:
            if n.parent is None or n.parent.getRoleName() == "application":
                break
            n = n.parent
        except Exception:
            return False
    try:
        ext = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        return ext.width > 0 and ext.height > 0
    except Exception:
        return True


def needs_action(node, role):
    """Every control needs an action, but a row of a list box (a
    preferences row) only when it does something: an expander row opens.
    A row that only shows a value, or holds a control of its own (a spin,
    a switch: checked on their own), is read, not activated. Rows of a
    list view (the report list) are always activated."""
    if role != "list item":
        return True
    if state(node, pyatspi.STATE_EXPANDABLE):
        return True
    try:
        parent = node.parent
        if parent.getRoleName() == "combo box":
            return False
        a = parent.queryAction()
        return any(a.getName(i).startswith("list.") for i in range(a.nActions))
    except Exception:
        return False


checked = []


def offenders(root):
    """(role, name, problem, path) of every control without a name or an action."""
    out = []
    checked.clear()
    for node in walk(root):
        try:
            role = node.getRoleName()
        except Exception:
            continue
        focusable = state(node, pyatspi.STATE_FOCUSABLE)
        if role not in CONTROL_ROLES and not focusable:
            continue
        if role == "list item" and not focusable:  # a row that only holds buttons
            continue
        if role in ("list", "scroll pane", "frame", "dialog", "window", "panel", "filler",
                    "label", "separator", "scroll bar", "tool tip", "canvas"):
            continue
        if not mapped(node) or not state(node, pyatspi.STATE_SENSITIVE):
            continue
        name = (node.name or "").strip()
        checked.append(node)
        where = []
        p = node.parent
        while p is not None and len(where) < 4:
            try:
                if p.name and not CLASS_NAME.match(p.name):
                    where.append("%s %r" % (p.getRoleName(), p.name))
                p = p.parent
            except Exception:
                break
        if not name or CLASS_NAME.match(name):
            out.append((role, name, "no name", " < ".join(where)))
        elif role not in NO_ACTION_NEEDED and n_actions(node) == 0 and needs_action(node, role):
            out.append((role, name, "no action", " < ".join(where)))
    return out


def report(label, root):
    found = offenders(root)
    tap(not found and len(checked) >= 5,
        "%s: every control (%d) has a name and an action" % (label, len(checked)),
        "%d without: %s" % (len(found), "; ".join("%s %r %s (in %s)" % f for f in found[:25])))
    return found


def find(root, role=None, name=None, actionable=False, timeout=10.0):
    deadline = time.time() + timeout
    while True:
        for node in walk(root):
            try:
                if role is not None and node.getRoleName() != role:
                    continue
                # GTK 4.8 names a labelled button "<label> <its child's label>".
                plain = (node.name or "").replace("_", "")
                if name is not None and plain != name and not plain.startswith(name + " "):
                    continue
                if not mapped(node):
                    continue
                if actionable and n_actions(node) == 0:
                    continue
                return node
            except Exception:
                continue
        if time.time() > deadline:
            return None
        time.sleep(0.2)


def act(node, name=None):
    """Runs the node's action called name (its first one without)."""
    a = node.queryAction()
    for i in range(a.nActions):
        if name is None or a.getName(i) == name:
            return a.doAction(i)
    raise RuntimeError("no action %r on %s %r" % (name, node.getRoleName(), node.name))


def keys(*names):
    """Presses a chord such as keys("Control_L", "w") through the X server."""
    import subprocess as sp
    sp.run(["xdotool", "key", "+".join(names)], check=False)


def expand_all(root):
    """Opens every collapsed expander row, so their insides are walked."""
    for _ in range(3):
        opened = []
        for node in walk(root):
            try:
                if not mapped(node) or n_actions(node) == 0:
                    continue
                st = node.getState()
                if st.contains(pyatspi.STATE_EXPANDABLE) and not st.contains(pyatspi.STATE_EXPANDED):
                    act(node)
                    opened.append(node)
            except Exception:
                pass
        if not opened:
            return
        # Their insides are there once they say they are expanded.
        wait_for(lambda: all(state(n, pyatspi.STATE_EXPANDED) for n in opened), timeout=5)


def choose_file(app, path):
    """Adds path as a source through the file chooser (typed into its
    location entry)."""
    add = find(app, "push button", "Add File…", actionable=True)
    if add is None:
        return "no Add File… button"
    act(add)
    chooser = window_named(app, "Add Files as Sources")
    if chooser is None:
        return "no file chooser: %s" % [w.name for w in windows(app)]
    wait_active(chooser)
    pyatspi.Registry.generateKeyboardEvent(0, path, pyatspi.KEY_STRING)
    entry = find(chooser, "text", "GtkFileChooserEntry", timeout=5)
    if entry is not None:
        entry.queryEditableText().setTextContents(path)
    button = find(chooser, "push button", "Add", actionable=True, timeout=5)
    if button is None:
        return "no Add button in the chooser (entry %s)" % (entry is not None)
    act(button)
    return wait_for(lambda: all(c.name != "Add Files as Sources" for c in windows(app)), timeout=10)


def main():
    work = tempfile.mkdtemp(prefix="testigo-a11y-")
    photo = os.path.join(work, "puente.png")
    with open(photo, "wb") as f:
        f.write(bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010800000000"
            "3a7e9b550000000a49444154789c6368000000820081dd436af40000000049454e44ae426082"))
    env = dict(os.environ, TESTIGO_DATA_DIR=os.path.join(work, "data"))
    process = subprocess.Popen([TESTIGO, "--demo"], env=env, stdout=subprocess.DEVNULL)
    try:
        app = find_app(process)
        if app is None:
            tap(False, "the window appears on the accessibility bus")
            return
        frame = next(w for w in windows(app) if w.getRoleName() == "frame")
        wait_for(lambda: find(frame, "list item", timeout=0) is not None, timeout=10)

        # The main window as it opens: list, header, search, map.
        report("main window", frame)
        rows = [n for n in walk(frame) if n.getRoleName() == "list item" and mapped(n)]
        described = [r.name for r in rows if r.name and " · " in r.name]
        tap(rows and len(described) == len(rows),
            "each report row is named by its title, place and date",
            "rows=%d named=%s" % (len(rows), [r.name for r in rows[:3]]))

        # The filter popover and the main menu.
        filters = find(frame, "push button", "Filter and sort", actionable=True)
        act(filters)
        wait_for(lambda: find(app, "combo box", "Category", timeout=0) is not None, timeout=5)
        report("filter and sort", app)
        # A check box's action ticks it, as a click does.
        box = find(app, "check box", "Only reports with conflicts", actionable=True, timeout=2)
        before = box is not None and state(box, pyatspi.STATE_CHECKED)
        if box is not None:
            act(box)
        tap(box is not None and wait_for(lambda: state(box, pyatspi.STATE_CHECKED) != before, timeout=3),
            "a check box's action ticks it")
        if box is not None:
            act(box)
        act(filters)

        menu = find(frame, "push button", "Main menu", actionable=True)
        act(menu)
        wait_for(lambda: find(app, "menu item", "Preferences", timeout=0) is not None, timeout=5)
        report("main menu", app)
        keys("Escape")

        # A new report with a person and a source of each kind, all opened.
        act(find(frame, "push button", "New report", actionable=True))
        wait_for(lambda: find(frame, "text", "Title", timeout=0) is not None, timeout=10)
        act(find(frame, "push button", "Add Person", actionable=True))
        act(find(frame, "push button", "Add Link", actionable=True))
        act(find(frame, "push button", "Add Testimony", actionable=True))
        chosen = choose_file(app, photo)
        wait_for(lambda: any("puente.png" in (n.name or "") for n in walk(frame)), timeout=10)
        expand_all(frame)
        report("editor with a person and three sources (photo chosen: %s)" % chosen, frame)

        # The date button's popover: calendar, its arrows, hour and minute.
        # The date is typed in a field; the calendar opens from the toggle
        # beside it (the first one is the start date's).
        date = find(frame, "toggle button", "Choose on a calendar", actionable=True, timeout=3) \
            or find(frame, "push button", "Choose on a calendar", actionable=True, timeout=3)
        if date is not None:
            act(date)
            wait_for(lambda: find(app, "spin button", "Hour", timeout=0) is not None, timeout=5)
        report("date and time popover (opened: %s)" % (date is not None), app)
        arrows = {"Previous month", "Next month", "Previous year", "Next year"}
        named = {n.name for n in walk(app) if n.getRoleName() == "push button" and n.name in arrows and mapped(n)}
        tap(named == arrows, "the calendar's four arrows are named", "named=%s" % sorted(named))
        keys("Escape")

        # Preferences: every page.
        act(find(frame, "push button", "Main menu", actionable=True))
        item = find(app, "menu item", "Preferences", actionable=True, timeout=5)
        act(item)
        prefs = window_named(app, "Preferences")
        if prefs is None:
            tap(False, "the preferences open")
        else:
            # The first page is laid out once one of its controls is mapped.
            wait_for(lambda: any(mapped(n) and n_actions(n) > 0 for n in walk(prefs)), timeout=10)
            report("preferences, first page", prefs)
            tabs = [n for n in walk(prefs) if n.getRoleName() in ("page tab", "toggle button", "radio button")
                    and mapped(n) and n.name and not CLASS_NAME.match(n.name)]
            seen = 1
            for tab in tabs[1:]:
                try:
                    act(tab)
                except Exception:
                    continue
                # The page is switched once its tab says it is the chosen one.
                wait_for(lambda: any(state(tab, s) for s in (pyatspi.STATE_CHECKED, pyatspi.STATE_SELECTED,
                                                             pyatspi.STATE_PRESSED)), timeout=5)
                seen += 1
                report("preferences page %r" % tab.name, prefs)
            tap(seen >= 2, "the preferences' pages were all walked", "pages=%d" % seen)
    finally:
        end(process, work)


run(main)
