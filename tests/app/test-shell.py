#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The application's shell: the About window carries the website and the
# issue tracker (the same addresses as the metainfo), and Ctrl+W closes
# the window it is pressed in: About, then the main window, which quits
# the app cleanly (exit status 0) after saving what it holds.
#
# Keys are pressed through the X server with xdotool; with no window
# manager, X gives the keyboard to the window under the pointer, so the
# pointer is put in the window's corner first (new windows open at 0,0 on
# top of the others).
#
# Usage: test-shell.py TESTIGO SOURCE_ROOT. Needs tools/run-tests.sh's
# display and buses, and xdotool; skips without them.

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from tap_atspi import end, node_where, require_atspi, run, showing, skip_all, tap, wait_for, walk, windows

TESTIGO = sys.argv[1]
SOURCE_ROOT = sys.argv[2]
if shutil.which("xdotool") is None:
    skip_all("xdotool is not installed")
pyatspi = require_atspi()


def window_names(app):
    out = []
    for w in windows(app):
        try:
            out.append(w.name)
        except Exception:
            pass
    return out


def find_app(process, timeout=20.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for app in pyatspi.Registry.getDesktop(0):
            try:
                if app is not None and app.get_process_id() == process.pid and "Testigo" in window_names(app):
                    return app
            except Exception:
                pass
        time.sleep(0.2)
    return None


def find(root, role, name, timeout=10.0):
    def wanted(node):
        plain = (node.name or "").replace("_", "")
        return node.getRoleName() == role and (plain == name or plain.startswith(name + " ")) and showing(node)
    return node_where(root, wanted, timeout)


def ctrl_w():
    subprocess.run(["xdotool", "mousemove", "20", "20"], check=False)
    time.sleep(0.3)
    subprocess.run(["xdotool", "key", "ctrl+w"], check=False)


def metainfo_urls():
    path = os.path.join(SOURCE_ROOT, "data", "io.github.testigo.Testigo.metainfo.xml.in")
    with open(path) as f:
        text = f.read()
    return dict(re.findall(r'<url type="(\w+)">([^<]+)</url>', text))


def main():
    work = tempfile.mkdtemp(prefix="testigo-shell-")
    env = dict(os.environ, TESTIGO_DATA_DIR=work)
    process = subprocess.Popen([TESTIGO], env=env, stdout=subprocess.DEVNULL)
    try:
        app = find_app(process)
        if app is None:
            tap(False, "the window appears")
            return
        frame = next(w for w in windows(app) if w.name == "Testigo")

        # About, from the main menu.
        menu = find(frame, "push button", "Main menu")
        menu.queryAction().doAction(0)
        item = find(app, "menu item", "About Testigo", timeout=5)
        item.queryAction().doAction(0)
        wait_for(lambda: "About" in window_names(app), timeout=10)
        about = next((w for w in windows(app) if w.name == "About"), None)
        website = find(about, "list item", "Website", timeout=5) if about else None
        issue = find(about, "list item", "Report an Issue", timeout=2) if about else None
        tap(about is not None and website is not None and issue is not None,
            "About shows the website and the issue tracker",
            "about=%s website=%s issue=%s windows=%s" % (about is not None, website is not None,
                                                        issue is not None, window_names(app)))

        # The addresses, as the binary holds them (the same as the metainfo's).
        urls = metainfo_urls()
        with open(TESTIGO, "rb") as f:
            binary = f.read()
        tap(urls.get("homepage", "").encode() in binary and urls.get("bugtracker", "").encode() in binary,
            "About's addresses are the metainfo's homepage and bugtracker", "metainfo=%s" % urls)

        # Ctrl+W closes About, and only About.
        ctrl_w()
        closed = wait_for(lambda: "About" not in window_names(app), timeout=5)
        tap(closed and process.poll() is None and "Testigo" in window_names(app),
            "Ctrl+W closes the About window and leaves the main window",
            "windows=%s running=%s" % (window_names(app), process.poll() is None))

        # A report being written, then Ctrl+W on the main window.
        find(frame, "push button", "New report").queryAction().doAction(0)
        title = find(frame, "text", "Title")
        title.queryEditableText().setTextContents("Cerrado con Ctrl+W")
        ctrl_w()
        try:
            status = process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            status = None
        tap(status == 0, "Ctrl+W closes the main window and the app quits cleanly", "status=%s" % status)

        # What the window held was saved: it is found after a restart.
        process = subprocess.Popen([TESTIGO], env=env, stdout=subprocess.DEVNULL)
        app = find_app(process)
        listed = False
        if app is not None:
            frame = next(w for w in windows(app) if w.name == "Testigo")
            listed = wait_for(lambda: any(n.getRoleName() == "list item" and "Cerrado con Ctrl+W" in (n.name or "")
                                          for n in walk(frame)), timeout=10)
        tap(listed, "the report typed before Ctrl+W was saved")
    finally:
        end(process, work)


run(main)
