#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Codes this laptop's vocabularies lack survive the editor, in the real
# app over AT-SPI: on a store made by tests/app/make-unknown-codes (a
# report whose categories hold "killing" and "protest_2031", whose alleged
# perpetrators hold "police" and "drone_unit_2031"), the report is opened,
# each unknown code shows as a ticked box named by its code, and ticking
# another box ("Injury", "Army") keeps the unknown code in the store.
# After a restart both boxes are still ticked; then the unknown category
# is unticked, and after another restart it is gone from the store and
# from the editor while the unknown perpetrator stays.
#
# Needs an X server, a D-Bus session and the accessibility bus
# (tools/run-tests.sh); without them the test is skipped.

import json
import os
import subprocess
import sys
import tempfile

TESTIGO = sys.argv[1]
MAKE_STORE = sys.argv[2]
TITLE = "Marcha con códigos nuevos"
UNKNOWN_CATEGORY = "protest_2031"
UNKNOWN_PERPETRATOR = "drone_unit_2031"

from tap_atspi import (  # noqa: E402
    click, end, find, find_app, node_where, quit_app, require_atspi, run, tap, wait_for, walk)
import tap_store  # noqa: E402  (the store, plain or encrypted)

pyatspi = require_atspi()

data_dir = tempfile.mkdtemp(prefix="testigo-unknown-codes-")
env = dict(os.environ, TESTIGO_DATA_DIR=data_dir, GTK_A11Y="atspi", NO_AT_BRIDGE="0",
           LANGUAGE="en")


def start():
    process = subprocess.Popen([TESTIGO], env=env, stdout=subprocess.DEVNULL)
    return process, find_app(process)


def stored():
    """The report's current content in the store."""
    db = tap_store.connect(os.path.join(data_dir, "testigo.db"))
    try:
        rows = db.execute("SELECT v.content FROM reports r JOIN revisions v ON v.rev_id = r.rev_id "
                          "WHERE r.deleted = 0").fetchall()
    finally:
        db.close()
    for (content,) in rows:
        report = json.loads(content)
        if report.get("title") == TITLE:
            return report
    return {}


def checked(node):
    return node is not None and node.getState().contains(pyatspi.STATE_CHECKED)


def check_box(root, label, timeout=10.0):
    """The check box named @label (GTK 4.8 may say it twice)."""
    # codes keep their underscores: no mnemonic is stripped here
    return node_where(root, lambda node: node.getRoleName() == "check box"
                      and (node.name or "") in (label, label + " " + label), timeout)


def open_report(app):
    """Opens the report from the list and expands its two groups of boxes;
    the editor's root, or None."""
    row = find(app, role="list item", contains="códigos nuevos", timeout=20)
    if row is None:
        return None
    action = row.queryAction()
    names = [action.getName(i) for i in range(action.nActions)]
    if "row.open" not in names:
        return None
    action.doAction(names.index("row.open"))
    title = find(app, role="text", contains="Title", timeout=20)
    if title is None or not wait_for(lambda: any(TITLE in (n.name or "") for n in walk(app)
                                                 if n.getRoleName() == "label"), 20):
        return None
    for group in ("Categories", "Alleged perpetrators"):
        header = expander(app, group)
        if header is None:
            return None
        click(header)
    return app


def expander(root, label, timeout=10.0):
    """The header of the expander row @label (GTK 4.8 names it "<label>"
    or "<label> <its children's labels>"), not a report list row."""
    def header(node):
        name = (node.name or "").replace("_", "")
        return node.getRoleName() == "list item" and (name == label or name.startswith(label + " ")) \
            and node.queryAction().nActions > 0
    return node_where(root, header, timeout)


def tick(box, want=True):
    for _attempt in range(3):
        if checked(box) == want:
            return True
        click(box)
        wait_for(lambda: checked(box) == want, 5)
    return checked(box) == want


def main():
    global process
    made = subprocess.run([MAKE_STORE, data_dir], capture_output=True, text=True, env=env)
    tap(made.returncode == 0, "the store with unknown codes is made", made.stderr.strip())

    # 1. Open, see the unknown codes ticked, tick a known box in each group
    process, app = start()
    tap(app is not None, "testigo is on the accessibility bus")
    editor = open_report(app)
    tap(editor is not None, "the report opens with its categories and perpetrators shown")
    unknown_cat = check_box(app, UNKNOWN_CATEGORY)
    unknown_perp = check_box(app, UNKNOWN_PERPETRATOR)
    tap(checked(unknown_cat) and checked(unknown_perp),
        "each unknown code is a ticked box named by its code",
        "category %s, perpetrator %s" % (unknown_cat is not None, unknown_perp is not None))
    tap(tick(check_box(app, "Injury")) and tick(check_box(app, "Army")), "Injury and Army ticked")
    ok = wait_for(lambda: sorted(stored().get("categories") or []) ==
                  sorted(["killing", "injury", UNKNOWN_CATEGORY]) and
                  sorted(stored().get("perpetrators") or []) ==
                  sorted(["police", "army", UNKNOWN_PERPETRATOR]), 20)
    tap(ok, "the store keeps the unknown codes beside the new ticks",
        "categories %s, perpetrators %s" % (stored().get("categories"), stored().get("perpetrators")))
    status = quit_app(process, app)
    tap(status == 0, "the app quits cleanly", "exit status %s" % status)

    # 2. Restart: the boxes are as left; untick the unknown category
    process, app = start()
    editor = open_report(app) if app is not None else None
    unknown_cat = check_box(app, UNKNOWN_CATEGORY) if editor else None
    tap(editor is not None and checked(unknown_cat) and checked(check_box(app, "Injury")) and
        checked(check_box(app, UNKNOWN_PERPETRATOR)) and checked(check_box(app, "Army")),
        "after a restart the unknown and the new ticks are all shown ticked")
    tap(tick(unknown_cat, want=False), "the unknown category unticked")
    ok = wait_for(lambda: sorted(stored().get("categories") or []) == ["injury", "killing"], 20)
    tap(ok, "the store drops the unticked unknown category", "categories %s" % stored().get("categories"))
    status = quit_app(process, app)
    tap(status == 0, "the app quits cleanly again", "exit status %s" % status)

    # 3. Restart: the unticked code is gone, the other unknown code stays
    process, app = start()
    editor = open_report(app) if app is not None else None
    tap(editor is not None and check_box(app, UNKNOWN_CATEGORY, timeout=2) is None and
        checked(check_box(app, UNKNOWN_PERPETRATOR)),
        "after another restart the unticked code is gone and the other is still ticked")
    tap(sorted(stored().get("perpetrators") or []) == sorted(["police", "army", UNKNOWN_PERPETRATOR]),
        "the store still holds the unknown perpetrator", "perpetrators %s" % stored().get("perpetrators"))
    status = quit_app(process, app)
    tap(status == 0, "the app quits cleanly a third time", "exit status %s" % status)


process = None
run(main, cleanup=lambda: end(process, data_dir))
