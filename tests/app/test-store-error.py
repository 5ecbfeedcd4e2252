#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A damaged database in the data folder: the app says so, names the
# folder, changes nothing in it, and offers a way on. Both ways are taken
# over AT-SPI, as a user would:
#
#   1. "Start a New Store": a new, empty store beside the damaged one; a
#      report is written there; after a restart the app opens the new
#      store by itself (the folder is kept in the settings).
#   2. "Choose Another Folder…": a folder picked in the file chooser; the
#      same checks.
#
# Each time the damaged file must be byte for byte what the test wrote.
# The settings are a key file in a private XDG_CONFIG_HOME (so they last
# across the restart) and the data folder is the default one under a
# private XDG_DATA_HOME: no TESTIGO_DATA_DIR, which would override the
# choice.
#
# Usage: test-store-error.py TESTIGO. Needs tools/run-tests.sh's display
# and buses; skips without them.

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time

from tap_atspi import (
    act, node_where, require_atspi, run, showing, tap, wait_active, wait_for, walk, window_named,
    windows)

TESTIGO = sys.argv[1] if len(sys.argv) > 1 else "testigo"
pyatspi = require_atspi()


def find_app(process, timeout=20.0):
    end = time.time() + timeout
    while time.time() < end:
        for app in pyatspi.Registry.getDesktop(0):
            try:
                if app is not None and app.get_process_id() == process.pid and windows(app):
                    return app
            except Exception:
                pass
        time.sleep(0.2)
    return None


def find(root, role, name=None, contains=None, timeout=10.0):
    def wanted(node):
        if node.getRoleName() != role:
            return False
        plain = (node.name or "").replace("_", "")
        return (name is None or plain == name or plain.startswith(name + " ")) \
            and (contains is None or contains in plain) and showing(node)
    return node_where(root, wanted, timeout)


def texts(app):
    out = []
    for node in walk(app):
        try:
            if node.getRoleName() == "label":
                out.append(node.name or "")
        except Exception:
            pass
    return out


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class Home:
    """A user's private data and config folders, with a damaged store."""

    def __init__(self, root):
        self.root = root
        self.data_home = os.path.join(root, "data")
        self.config_home = os.path.join(root, "config")
        self.store = os.path.join(self.data_home, "testigo")
        os.makedirs(self.store)
        os.makedirs(self.config_home)
        self.db = os.path.join(self.store, "testigo.db")
        # Not a database at all: a header torn off, then noise.
        with open(self.db, "wb") as f:
            f.write(b"SQLite format 2\x00" + bytes((i * 37 + 11) % 256 for i in range(8192)))
        self.digest = sha256(self.db)
        self.env = {k: v for k, v in os.environ.items() if k != "TESTIGO_DATA_DIR"}
        self.env.update(XDG_DATA_HOME=self.data_home, XDG_CONFIG_HOME=self.config_home,
                        GSETTINGS_BACKEND="keyfile")

    def start(self):
        process = subprocess.Popen([TESTIGO], env=self.env, stdout=subprocess.DEVNULL)
        return process, find_app(process)

    def untouched(self):
        return os.path.exists(self.db) and sha256(self.db) == self.digest and \
            sorted(os.listdir(self.store)) == ["testigo.db"]


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def error_dialog(app, home, label):
    dialog = find(app, "label", contains="could not be opened", timeout=10)
    body = dialog.name if dialog is not None else ""
    tap(dialog is not None and home.store in body and "leave this folder as it is" in body
        and (home.store + "-") in body,
        "%s: the damaged store gets a message naming its folder" % label, "body=%r" % body)
    return dialog is not None


def write_report(app, title):
    """A new report with a title; True once it is saved and listed."""
    def main_frame():
        return next((w for w in windows(app) if w.getRoleName() == "frame" and w.name == "Testigo"), None)
    wait_for(lambda: main_frame() is not None, timeout=10)
    frame = main_frame()
    if frame is None:
        print("# no main window: %s" % [(w.getRoleName(), w.name) for w in windows(app)])
        return False
    act(find(frame, "push button", "New report"))
    field = find(frame, "text", "Title")
    if field is None:
        print("# no title field")
        return False
    field.queryEditableText().setTextContents(title)
    saved = wait_for(lambda: "Saved" in texts(app), timeout=10)
    listed = find(frame, "list item", contains=title, timeout=5) is not None
    if not (saved and listed):
        print("# saved=%s listed=%s labels=%s" % (saved, listed, texts(app)[:20]))
    return saved and listed


def quit_app(process, app):
    frame = next((w for w in windows(app) if w.getRoleName() == "frame"), None)
    close = find(frame, "push button", "Close", timeout=5) if frame is not None else None
    if close is not None:
        act(close)
    try:
        return process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        return None


def restart_and_check(home, label, title, expect_dir_prefix):
    process, app = home.start()
    try:
        frame = None
        if app is not None:
            wait_for(lambda: any(w.getRoleName() == "frame" and w.name == "Testigo" for w in windows(app)),
                     timeout=10)
            frame = next((w for w in windows(app) if w.name == "Testigo"), None)
        listed = frame is not None and find(frame, "list item", contains=title, timeout=10) is not None
        no_error = frame is not None and find(app, "label", contains="could not be opened", timeout=0) is None
        tap(listed and no_error, "%s: after a restart the new store opens by itself with the report" % label,
            "window=%s listed=%s no_error=%s" % (frame is not None, listed, no_error))
    finally:
        stop(process)
    others = [d for d in os.listdir(home.data_home) if d != "testigo"]
    tap(home.untouched(), "%s: the damaged file is byte for byte as it was, alone in its folder" % label,
        "files=%s" % os.listdir(home.store))
    tap(any(os.path.exists(os.path.join(home.data_home, d, "testigo.db")) for d in others)
        if expect_dir_prefix is None else os.path.exists(os.path.join(expect_dir_prefix, "testigo.db")),
        "%s: the new store is a database in its own folder" % label, "beside=%s" % others)


def new_store_path(root):
    home = Home(os.path.join(root, "new"))
    label = "Start a New Store"
    process, app = home.start()
    try:
        if app is None or not error_dialog(app, home, label):
            return
        act(find(app, "push button", "Start a New Store"))
        ok = write_report(app, "Informe tras el daño A")
        tap(ok, "%s: the main window opens and a report is saved" % label)
        quit_app(process, app)
    finally:
        stop(process)
    restart_and_check(home, label, "Informe tras el daño A", None)


def choose_folder_path(root):
    home = Home(os.path.join(root, "choose"))
    label = "Choose Another Folder"
    chosen = os.path.join(home.root, "elsewhere")
    os.makedirs(chosen)
    process, app = home.start()
    try:
        if app is None or not error_dialog(app, home, label):
            return
        act(find(app, "push button", "Choose Another Folder…"))
        chooser = window_named(app, "Choose a Folder for the Reports")
        if chooser is None:
            tap(False, "%s: the folder chooser opens" % label)
            return
        wait_active(chooser)
        pyatspi.Registry.generateKeyboardEvent(0, chosen + "/", pyatspi.KEY_STRING)
        entry = find(chooser, "text", "GtkFileChooserEntry", timeout=5)
        if entry is not None:
            entry.queryEditableText().setTextContents(chosen + "/")
        act(find(chooser, "push button", "Open", timeout=5))
        ok = write_report(app, "Informe tras el daño B")
        tap(ok, "%s: the chosen folder opens and a report is saved there" % label)
        quit_app(process, app)
    finally:
        stop(process)
    restart_and_check(home, label, "Informe tras el daño B", chosen)


def main():
    root = tempfile.mkdtemp(prefix="testigo-store-error-")
    try:
        new_store_path(root)
        choose_folder_path(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


run(main)
