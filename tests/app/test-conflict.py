#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A report changed on two devices, merged through the real app over
# AT-SPI as a screen reader user would: on a store made by
# tests/app/test-conflict-store (a report edited here and, from the same
# revision, on another device), the list row says "conflict" in its name
# and its accessible description; the report is opened with the row's
# action, Resolve… opens the resolver, the title is taken from the other
# device, the categories from this laptop, the count from the other
# device and a narrative is typed. Meanwhile another version arrives from
# the other device (tests/app/conflict-arrives, as a sync brings it: the
# other device's version replaced by one with a new narrative), so Save
# Merged Report is refused and the versions are loaded again: the choices
# are still chosen (this laptop's categories; the title and count on the
# other device's newer version, which holds the same values, as the
# notice says) and the typed narrative is still there; saved again. After
# a restart the row has no conflict and the store (read with tap_store)
# holds one head whose parents are both versions as they were at the
# save and whose fields are the choices.
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
ARRIVES = sys.argv[3]
TITLE_HERE = "Disparos en el puente de Juliaca"
TITLE_OTHER = "Juliaca, 9 de enero: disparos desde el puente"
TYPED = "Relato unido por AT-SPI: disparos desde el puente y once heridos."
NARRATIVE_AGAIN = "Relato corregido en el otro dispositivo mientras se elegía."
MOVED = "is gone: the version with the same value is chosen now."

from tap_atspi import (  # noqa: E402
    button, click, end, find, find_app, label_texts, node_where, quit_app, require_atspi, run, tap,
    text_of, type_into, wait_for, walk)
import tap_store  # noqa: E402  (the store, plain or encrypted)

pyatspi = require_atspi()

data_dir = tempfile.mkdtemp(prefix="testigo-conflict-ui-")
env = dict(os.environ, TESTIGO_DATA_DIR=data_dir, GTK_A11Y="atspi", NO_AT_BRIDGE="0",
           LANGUAGE="en")


def start():
    process = subprocess.Popen([TESTIGO], env=env, stdout=subprocess.DEVNULL)
    return process, find_app(process)


def report_item(app, timeout=10.0):
    """The list item of the report (both versions' titles hold "puente")."""
    return node_where(app, lambda node: node.getRoleName() == "list item" and "puente" in (node.name or ""),
                      timeout)


def do_action(node, name):
    action = node.queryAction()
    names = [action.getName(i) for i in range(action.nActions)]
    if name not in names:
        return False
    action.doAction(names.index(name))
    return True


def check_box(root, contains):
    for node in walk(root):
        try:
            if node.getRoleName() == "check box" and contains in (node.name or ""):
                return node
        except Exception:
            pass
    return None


def toggle(node):
    return node is not None and (do_action(node, "a11y.toggle") or do_action(node, "click"))


def checked(node):
    return node is not None and node.getState().contains(pyatspi.STATE_CHECKED)


def kept(resolver):
    """The choices after the reload, as a person finds them again: each
    chosen, the narrative as typed, Save enabled."""
    narrative = find(resolver, role="text", name="Write a new narrative", timeout=0)
    save = button(resolver, "Save Merged Report", timeout=0)
    return {
        "title": checked(check_box(resolver, "Title from version 2")),
        "categories": checked(check_box(resolver, "Categories from version 1")),
        "killed": checked(check_box(resolver, "Killed from version 2")),
        "narrative": text_of(narrative) if narrative is not None else None,
        "save": save is not None and save.getState().contains(pyatspi.STATE_SENSITIVE),
    }


def notice(resolver):
    return next((t for t in label_texts(resolver) if MOVED in (t or "")), None)


def stored(report_id):
    """(head revisions, the current revision's parents, its content)."""
    db = tap_store.connect(os.path.join(data_dir, "testigo.db"))
    try:
        heads = [r[0] for r in db.execute("SELECT rev_id FROM heads WHERE record_id = ?", (report_id,))]
        rev = db.execute("SELECT rev_id FROM reports WHERE id = ?", (report_id,)).fetchone()[0]
        parents = sorted(r[0] for r in db.execute(
            "SELECT parent_id FROM revision_parents WHERE rev_id = ?", (rev,)))
        content = json.loads(db.execute("SELECT content FROM revisions WHERE rev_id = ?",
                                        (rev,)).fetchone()[0])
        return heads, parents, content
    finally:
        db.close()


def main():
    print("1..10")
    report_id = subprocess.run([MAKE_STORE, data_dir], check=True, capture_output=True,
                               text=True).stdout.strip()
    heads_before, _, _ = stored(report_id)

    process, app = start()
    if app is None:
        process.kill()
        tap(False, "the window appears on the accessibility bus")
        return
    item = report_item(app)
    name = item.name if item else ""
    description = item.description if item else ""
    tap(item is not None and name.endswith(", conflict") and description.startswith("Conflict:"),
        "the list row says conflict in its name and its description",
        "name=%r description=%r" % (name, description))

    # Open it with the row's own action; the editor's banner offers Resolve….
    opened = item is not None and do_action(item, "row.open")
    resolve = button(app, "Resolve…", timeout=10) if opened else None
    tap(resolve is not None, "the editor shows the conflict banner with Resolve…")
    if resolve is None:
        quit_app(process, app)
        return
    click(resolve)
    # Bounds, not delays: a walk of the app over AT-SPI takes seconds on
    # a loaded 2-core machine; each wait ends once the state is there.
    resolver = find(app, role="frame", name="Resolve Conflict", timeout=60)
    title_other = None
    if resolver is not None:
        wait_for(lambda: check_box(resolver, "Title from version 2") is not None, timeout=60)
        title_other = check_box(resolver, "Title from version 2")
    tap(title_other is not None and TITLE_OTHER in title_other.name,
        "the resolver lists each version's title with who wrote it",
        "frame=%s check box: %r" % (resolver is not None, title_other.name if title_other else None))
    if title_other is None:
        quit_app(process, app)
        return

    picked = [toggle(title_other),
              toggle(check_box(resolver, "Categories from version 1")),
              toggle(check_box(resolver, "Killed from version 2"))]
    narrative = find(resolver, role="text", name="Write a new narrative", timeout=5)
    if narrative is not None:
        type_into(narrative, TYPED)
    save = button(resolver, "Save Merged Report", timeout=5)
    ready = save is not None and wait_for(
        lambda: save.getState().contains(pyatspi.STATE_SENSITIVE), timeout=5)
    tap(all(picked) and narrative is not None and ready,
        "every field answered (three picked, the narrative typed): Save is enabled",
        "picked=%s narrative=%s save ready=%s" % (picked, narrative is not None, ready))

    # Another version from the other device arrives meanwhile: Save is
    # refused and the versions load again, the choices kept.
    arrived = subprocess.run([ARRIVES, data_dir, report_id, NARRATIVE_AGAIN], capture_output=True,
                             text=True)
    heads_before, _, _ = stored(report_id)  # this laptop's and the newer version
    if ready and arrived.returncode == 0:
        click(save)
    said = wait_for(lambda: notice(resolver) is not None, timeout=60)
    want = {"title": True, "categories": True, "killed": True, "narrative": TYPED, "save": True}
    after = {}
    ok = said and wait_for(lambda: after.update(kept(resolver)) or after == want, timeout=30)
    tap(arrived.returncode == 0 and ok,
        "after another version arrives, every choice is still chosen and the narrative typed",
        "arrived=%s %r notice=%s kept=%r" % (arrived.returncode, arrived.stderr, said, after))
    text = notice(resolver) or ""
    tap("Title, Killed" in text and text.startswith("Another change to this report arrived"),
        "the notice says another change came and which choices moved to the newer version",
        "notice=%r" % text)
    save = button(resolver, "Save Merged Report", timeout=30)
    if ok and save is not None:
        click(save)
    closed = wait_for(lambda: find(app, role="frame", name="Resolve Conflict", timeout=0) is None,
                      timeout=60)
    banner_gone = wait_for(lambda: button(app, "Resolve…", timeout=0) is None, timeout=30)
    tap(closed and banner_gone, "saved: the resolver closes and the banner goes",
        "closed=%s banner gone=%s" % (closed, banner_gone))

    status = quit_app(process, app)
    tap(status == 0, "the app quits cleanly", "exit status %s" % status)

    # After a restart: no conflict in the list, and the store has the merge.
    process, app = start()
    item = report_item(app) if app else None
    name = item.name if item else ""
    description = item.description if item else ""
    tap(item is not None and TITLE_OTHER in name and "conflict" not in name
        and not description.startswith("Conflict"),
        "after a restart the row shows no conflict",
        "name=%r description=%r" % (name, description))
    quit_app(process, app) if app else process.kill()

    heads, parents, content = stored(report_id)
    ok = (len(heads) == 1 and parents == sorted(heads_before)
          and content.get("title") == TITLE_OTHER and content.get("narrative") == TYPED
          and content.get("categories") == ["killing"] and content.get("killed") == 18
          and content.get("place_name") == "Juliaca")
    tap(ok, "the store holds one head, child of both versions, with the choices",
        "heads=%s parents=%s before=%s title=%r categories=%r killed=%r narrative=%r" % (
            heads, parents, sorted(heads_before), content.get("title"),
            content.get("categories"), content.get("killed"), content.get("narrative")))


run(main, cleanup=lambda: end(None, data_dir), plan=False)  # main() prints the plan
