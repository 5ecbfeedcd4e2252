#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Drives the real testigo binary through AT-SPI, as a screen reader or an
# automation tool would: creates a report with a victim and three sources
# (a photo chosen in the file chooser, a link, a testimony),
# quits, starts again and finds it by search, deletes it and undoes that,
# and checks that an impossible latitude gets a message beside the field.
#
# Needs an X server, a D-Bus session and the accessibility bus, which
# tools/run-tests.sh provides; without them the test is skipped. Run it
# with Debian's /usr/bin/python3 (python3-pyatspi).

import hashlib
import os
import subprocess
import sys
import tempfile

TESTIGO = sys.argv[1] if len(sys.argv) > 1 else "testigo"
TITLE = "Puente Juliaca shooting %d" % os.getpid()
VICTIM = "Quispe Mamani"
URL = "https://video.example.org/juliaca-9-enero"
TESTIMONY = "Vi a los policías disparar desde el puente."

from tap_atspi import (
    button, choose_file, click, end, find, find_app, first, hover, label_texts, quit_app, require_atspi,
    poll, run, showing, tap, toast_offer, type_into, wait_active, wait_for, walk,
    window_named)

# The panes a toast sits beside (their walk is the long one).
PANES = {"Report editor", "Map", "Reports", "Report list"}

pyatspi = require_atspi()


def list_row(app, text, timeout=10.0):
    """The item of the report list whose accessible name (title, place,
    date and status) holds @text."""
    return poll(lambda: first(find(app, role="list", name="Report list", timeout=0),
                              lambda node: node.getRoleName() == "list item" and text in (node.name or "")), timeout)


data_dir = tempfile.mkdtemp(prefix="testigo-ui-")
photo_dir = tempfile.mkdtemp(prefix="testigo-ui-photo-")
PHOTO = os.path.join(photo_dir, "puente-juliaca.png")
# A real PNG (1x1, grey), written byte by byte: no image tool needed.
with open(PHOTO, "wb") as f:
    f.write(bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010800000000"
        "3a7e9b550000000a49444154789c6368000000820081dd436af40000000049454e44ae426082"))
with open(PHOTO, "rb") as f:
    PHOTO_SHA = hashlib.sha256(f.read()).hexdigest()
env = dict(os.environ, TESTIGO_DATA_DIR=data_dir, GTK_A11Y="atspi", NO_AT_BRIDGE="0")


def start():
    process = subprocess.Popen([TESTIGO], env=env, stdout=subprocess.DEVNULL)
    app = find_app(process)
    return process, app


def main():
    global process, app
    print("1..11")
    process, app = start()
    if app is None:
        process.kill()
        tap(False, "the window appears on the accessibility bus")
        return
    tap(True, "the window appears on the accessibility bus")

    # A report with a victim and two sources -----------------------------------
    click(button(app, "New report"))
    title = find(app, role="text", name="Title")
    type_into(title, TITLE)

    click(button(app, "Add Person"))
    name = find(app, role="text", name="Name or pseudonym")
    type_into(name, VICTIM)

    click(button(app, "Add Link"))
    url = find(app, role="text", name="Address (URL)")
    type_into(url, URL)

    click(button(app, "Add Testimony"))
    testimony = find(app, role="text", name="Testimony text")
    type_into(testimony, TESTIMONY)

    # A file through the file chooser: stored, with its size, type and
    # fingerprint (the first 12 hex digits of its SHA-256) shown.
    chosen = choose_file(app, PHOTO)
    shown = wait_for(lambda: any(l.startswith("puente-juliaca.png\n") and "image/png" in l
                                 for l in label_texts(app)), timeout=10)
    fingerprint = wait_for(lambda: any(l.startswith(PHOTO_SHA[:12]) for l in label_texts(app)), timeout=5)
    tap(chosen and shown and fingerprint,
        "a photo chosen in the file chooser becomes a source with size, type and fingerprint",
        "chosen=%s shown=%s fingerprint=%s labels=%s" % (chosen, shown, fingerprint,
                                                        [l for l in label_texts(app) if "png" in l]))

    # Autosave: in the store within a second or so, without pressing anything.
    saved = wait_for(lambda: "Saved" in label_texts(app), timeout=5)
    listed = list_row(app, TITLE, timeout=5) is not None
    tap(saved and listed, "the new report is saved and listed",
        "saved=%s listed=%s" % (saved, listed))

    status = quit_app(process, app)
    tap(status == 0, "the app quits cleanly", "exit status %s" % status)

    # Reopen and find it by search --------------------------------------------
    process, app = start()
    search = find(app, role="text", name="Search reports")
    if search is None:
        search = find(app, role="entry", name="Search reports")
    type_into(search, "juliaca")
    item = list_row(app, TITLE, timeout=8)
    tap(item is not None, "after a restart the report is found by search")

    # Open it with the row's own action, as a screen reader does.
    opened = False
    item = list_row(app, TITLE, timeout=5)
    if item is not None:
        action = item.queryAction()
        names = [action.getName(i) for i in range(action.nActions)]
        if "row.open" in names:
            action.doAction(names.index("row.open"))
        # Open: the editor's header shows the title too (the list row is one).
        opened = wait_for(lambda: label_texts(app).count(TITLE) >= 2, timeout=5)
    labels = label_texts(app) if opened else []
    has_victim = any(VICTIM in l for l in labels)
    has_link = any(URL in l for l in labels)
    has_testimony = any(l == "Testimony" for l in labels)
    has_photo = any(l.startswith(PHOTO_SHA[:12]) for l in labels)
    tap(opened and has_victim and has_link and has_testimony and has_photo,
        "the reopened report keeps its victim and all three sources",
        "opened=%s victim=%s link=%s testimony=%s photo=%s labels=%s" % (
            opened, has_victim, has_link, has_testimony, has_photo, label_texts(app)[:12]))

    # Delete (with confirmation) and undo -----------------------------------------
    click(button(app, "Delete report", timeout=20))
    # The dialog is a new window: on a loaded machine the accessibility
    # bus takes seconds to show it.
    confirm = button(app, "Delete", timeout=30)
    dialog_ok = confirm is not None
    if dialog_ok:
        click(confirm)
    # Bounds for a loaded machine: the list and the toast follow the delete
    # on the main loop, seconds later when both cores are busy. The toast
    # leaves by itself after 10 s: its words and its Undo button are found
    # in one walk that skips the panes (walking the editor takes longer),
    # and the pointer rests on the button (a hovered toast stays) while
    # the list is walked.
    undo = []
    toast = wait_for(lambda: undo.append(toast_offer(app, PANES, "Report deleted", "Undo")) or
                     undo[-1] is not None, 30)
    held = toast and hover(undo[-1])
    gone = wait_for(lambda: list_row(app, TITLE, timeout=0) is None, timeout=30)
    tap(dialog_ok and gone and toast and held, "delete asks first, removes the report and offers undo",
        "confirmed=%s gone=%s toast=%s hovered=%s" % (dialog_ok, gone, toast, held))
    if toast:
        click(undo[-1])
    back = list_row(app, TITLE, timeout=30) is not None
    tap(back, "undo brings the deleted report back")

    # Validation as one types -----------------------------------------------------
    coords = find(app, role="text", contains="Coordinates", timeout=5)
    message = None
    if coords is not None:
        type_into(coords, "95, -70.13")
        message = find(app, role="label", contains="atitude", timeout=5)
    tap(message is not None, "a latitude of 95 gets a message beside the field",
        "message=%s" % (message.name if message else None))

    status = quit_app(process, app)
    tap(status == 0, "the app quits cleanly again", "exit status %s" % status)

    # The first frame shows only the first rows of a long list; then the
    # list gets every report. The 60 demo reports must all be there.
    process = subprocess.Popen([TESTIGO, "--demo"], env=env, stdout=subprocess.DEVNULL)
    app = find_app(process)
    counted = 0
    if app is not None:
        def list_items():
            lst = find(app, role="list", name="Report list", timeout=0)
            if lst is None:
                return 0
            return sum(1 for node in walk(lst) if node.getRoleName() == "list item")
        wait_for(lambda: list_items() >= 60, timeout=10)
        counted = list_items()
        quit_app(process, app)
    tap(counted == 60, "all 60 demo reports are in the list once it has loaded",
        "list items %d" % counted)


process = None
run(main, cleanup=lambda: end(process, data_dir, photo_dir), plan=False)  # main() prints the plan
