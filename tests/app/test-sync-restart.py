#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Three sync states a person meets that no other UI test reads, over
# AT-SPI, against the real testigo-server on loopback HTTPS whose clock
# runs 20 minutes behind (libfaketime):
#
#   A report with a photo is typed; the photo is deleted from the app's
#   blob folder before any upload (as a disk clean-up or a failing disk
#   would). "Sync Now" from the indicator's popover: the end-of-sync toast
#   is an alert (the role screen readers announce) with the sync's words;
#   the report's
#   row then reads "A file is missing" (its name and description), and the
#   thumbnail reached the server while the photo did not. The header
#   bar's indicator says "Needs attention: a file is missing" (never "Up
#   to date") and its popover says which reports and what to do.
#
#   The server is stopped and the app started again (automatic sync off,
#   so nothing can measure the clock again): the Sync page warns that this
#   laptop's clock is 20 minutes ahead, from what the store kept.
#
# With TESTIGO_SHOTS=DIR (and ADW_DEBUG_COLOR_SCHEME for dark) the window
# with the "A file is missing" report open is saved as
# DIR/sync-missing-file-LANG-SCHEME.png, and the indicator's popover
# then as DIR/sync-missing-popover-LANG-SCHEME.png.
#
# Waits are for states (polled with a bound), never for a fixed time.
#
# Usage: test-sync-restart.py TESTIGO TESTIGO-SERVER [BUILD LANG]. Needs
# tools/run-tests.sh's display and buses, gnome-keyring, xdotool and
# libfaketime; skips without them.

import importlib.util
import os
import shutil
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
# The buses, the app and the steps of the other sync UI tests.
_spec = importlib.util.spec_from_file_location("sync_states", os.path.join(HERE, "test-sync-states.py"))
states = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(states)
from tap_atspi import find, label_texts, outside, run, skip_all, tap, wait_for  # noqa: E402
import tap_scan  # noqa: E402

ui = states.ui
T, NT = ui.T, states.NT
pyatspi = ui.pyatspi

TITLE = "Checkpoint at the Mayocc bridge"
MISSING = "On the server, but a file it names is missing from this laptop and could not be sent"
SYNC_DONE = "Sync done — sent: %s, %s (%s); received: %s"
ATTENTION = "Needs attention: a file is missing"


def missing_why():
    return NT("%u report names a file that is missing from this laptop and "
              "cannot be sent. Attach the file to it again, or take it off the report.",
              "%u reports name files that are missing from this laptop and "
              "cannot be sent. Attach the files to them again, or take them off the reports.", 1).replace("%u", "1")


def alert_nodes(app):
    """The words of the alerts shown outside the three panes (the toasts):
    walking the editor over AT-SPI takes longer than a toast stays."""
    return [n.name or "" for n in outside(app.frame, ui.panes(), ("alert", "notification"))]


def blob_files(store, sha256):
    """The files of the app's blob folder named by @sha256 (blobs/ab/cdef…
    for ab cdef…)."""
    found = []
    for dirpath, _, names in os.walk(store):
        for name in names:
            if os.path.basename(dirpath) == sha256[:2] and name.startswith(sha256[2:]):
                found.append(os.path.join(dirpath, name))
    return found


def run_one(work, server, app, photo, sha256):
    tap(app.start(), "the app starts on a new store")
    prefs = states.sync_page(app)
    server.admin("user", "add", "rosa", "--role", "monitor")
    code = server.admin("enrol-code", "rosa").strip()
    ui.connect(prefs, server, code, server.fingerprint)
    connected = find(prefs, name=T("Last successful sync"), timeout=90) is not None
    tap(connected, "connected to the server")
    ok, seen = ui.wait_description(app, T("Up to date"), 90)
    tap(ok, "the first sync after connecting ends up to date", seen)
    ui.close_window(prefs)

    tap(states.report_with_photo(app, TITLE, photo), "a report with a photo is typed and stored")
    ok, seen = states.wait_row(app, TITLE, T(states.LOCAL_ONLY), 30)
    tap(ok, "its row reads: only on this laptop", seen)
    files = blob_files(app.store, sha256)
    tap(bool(files), "the photo is in the app's blob folder", repr(files))
    for path in files:
        os.unlink(path)
    tap(not blob_files(app.store, sha256), "the photo is deleted from the blob folder before any upload")

    tap(ui.sync_from_popover(app), "Sync Now from the indicator's popover")
    done = T(SYNC_DONE).split("%s")[0]
    shown = []

    def alerted():
        shown[:] = [t for t in alert_nodes(app) if t.startswith(done)]
        return bool(shown)
    tap(wait_for(alerted, 120), "the end-of-sync toast is an alert that says what the sync did",
        repr(alert_nodes(app)))
    ok, seen = states.wait_row(app, TITLE, T(MISSING), 60)
    tap(ok, "the row reads: a file it names is missing and could not be sent", seen)
    row = states.row(app, TITLE)
    name = row.name if row is not None else ""
    tap(name.endswith(", " + T("A file is missing")), "the row's name ends with: A file is missing", name)
    tap(ui.has_label(app.frame, T("A file is missing"), 20), "the editor's sync line says: A file is missing")
    ok, seen = ui.wait_description(app, T(ATTENTION), 60)
    tap(ok, "the indicator says it needs attention, never up to date", seen)
    texts = states.popover_texts(app)
    tap(any(missing_why() in t for t in texts), "its popover says why in plain words", repr(texts))
    tap(not states.server_has_blob(server, sha256), "the server does not have the photo")
    tap(wait_for(lambda: TITLE in ui.server_titles(server, work), 30), "the report itself is on the server")
    if ui.SHOTS:
        states.set_popover(app, False)
        subprocess.run(["xdotool", "mousemove", "1000", "700"], check=False)
        wait_for(lambda: not alert_nodes(app), 30)  # the toast gone
        ui.shot("sync-missing-file")
        # and its popover, saying why (sync-popover-* renamed)
        ui.shoot_popover(app)
        popover = os.path.join(ui.SHOTS, "sync-popover-%s-%s.png" % (ui.LANG, ui.SCHEME))
        if os.path.exists(popover):
            os.replace(popover, popover.replace("sync-popover-", "sync-missing-popover-"))
    status = app.quit()
    tap(status == 0, "the app quits cleanly", "status %r" % status)
    hits = tap_scan.plain_hits(app.store, [TITLE])
    tap(tap_scan.control(app.store) and not hits,
        "after the sync the report's title is readable in no file of the store's folder", repr(hits))


def run_two(app):
    tap(app.start(), "the app starts again, the server stopped")
    prefs = states.sync_page(app)
    ahead = NT("This laptop’s clock is %u minute ahead of the server’s. "
               "Set the date and time right: reports are dated with it.",
               "This laptop’s clock is %u minutes ahead of the server’s. "
               "Set the date and time right: reports are dated with it.", 20).replace("%u", "20")
    tap(prefs is not None and ui.has_label(prefs, ahead, 30),
        "after the restart, with no sync, the Sync page warns the clock is 20 minutes ahead",
        repr([t for t in label_texts(prefs) if "20" in (t or "")]) if prefs else "")
    if prefs is not None:
        ui.close_window(prefs)
    ok, seen = states.wait_row(app, TITLE, T(MISSING), 30)
    tap(ok, "the row still reads: a file is missing", seen)
    ok, seen = ui.wait_description(app, T(ATTENTION), 60)
    tap(ok, "after the restart, with no sync, the indicator still needs attention", seen)
    status = app.quit()
    tap(status == 0, "the app quits cleanly", "status %r" % status)


def main():
    ui.A11Y = ui.a11y_address()
    if not ui.A11Y:
        skip_all("the accessibility bus has no address")
    if states.FAKETIME_LIB is None:
        skip_all("libfaketime is not installed")
    work = tempfile.mkdtemp(prefix="testigo-sync-restart-")
    server = ui.hostile.Server(ui.SERVER, tls=True)
    bus = None
    app = None
    try:
        # The server's clock 20 minutes behind this laptop's.
        wrapper = os.path.join(work, "server-behind.sh")
        with open(wrapper, "w") as f:
            f.write('#!/bin/sh\nFAKETIME="-20m" FAKETIME_DONT_FAKE_MONOTONIC=1 LD_PRELOAD="%s" exec "%s" "$@"\n'
                    % (states.FAKETIME_LIB, server.binary))
        os.chmod(wrapper, 0o755)
        server.binary = wrapper
        server.start()
        tap(bool(server.fingerprint), "the server starts on loopback HTTPS, its clock 20 minutes behind",
            server.fingerprint or "")
        bus = ui.PrivateBus(os.path.join(work, "bus"), keyring=True)
        app = ui.App(os.path.join(work, "app"), bus)
        states.write_settings(app, sync_automatic="false")
        photo = os.path.join(work, "bridge.jpg")
        sha256 = states.make_photo(photo, 3)
        run_one(work, server, app, photo, sha256)
        server.process.terminate()
        server.process.wait(timeout=20)
        run_two(app)
    finally:
        if app is not None:
            app.kill()
        if bus is not None:
            bus.stop()
        server.stop()   # and its folder
        shutil.rmtree(work, ignore_errors=True)


run(main)
