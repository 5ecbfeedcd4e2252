#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Takes data/screenshots/sources-{en,es}-{light,dark}.png: the editor
# with a typed start date, an end date that is not a date (and its
# message), and a photo source with "Use This Photo's Time", "… Location"
# and "… Time and Place", beside an empty file marked as such. Run from
# the top of the source tree, like tests/app/screenshots.py:
#
#   xvfb-run -a -s '-screen 0 1280x800x24' dbus-run-session -- sh -c \
#     '/usr/libexec/at-spi-bus-launcher --launch-immediately & sleep 1;
#      /usr/bin/python3 tests/app/screenshots-sources.py build'

import gettext
import os
import shutil
import subprocess
import sys
import tempfile
import time

import pyatspi

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap_atspi import find_app, walk  # noqa: E402
from tap_shots import LOCALES, Shots  # noqa: E402

build = sys.argv[1] if len(sys.argv) > 1 else "build"
shots = Shots()
photos = tempfile.mkdtemp(prefix="testigo-shots-photos-")
PHOTO = os.path.join(photos, "puente-maravillas.jpg")
EMPTY = os.path.join(photos, "video-vacio.mp4")
subprocess.run([os.path.join(build, "tests/app/make-photo"), PHOTO, "2023:01:09 15:42:07",
                "-15.4997", "-70.1333"], check=True)
open(EMPTY, "wb").close()


def find(root, role, name, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        for n in walk(root):
            try:
                if n.getRoleName() == role and (n.name or "").replace("_", "").startswith(name):
                    if n.getState().contains(pyatspi.STATE_VISIBLE):
                        return n
            except Exception:
                pass
        time.sleep(0.2)
    raise RuntimeError("no %s %r" % (role, name))


def enter(node):
    e = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    pyatspi.Registry.generateMouseEvent(e.x + e.width - 8, e.y + e.height // 2, "b1c")
    time.sleep(0.3)
    pyatspi.Registry.generateKeyboardEvent(0xff0d, None, pyatspi.KEY_SYM)


def add_file(app, T, path):
    find(app, "push button", T("Add File…")).queryAction().doAction(0)
    time.sleep(1.5)
    pyatspi.Registry.generateKeyboardEvent(0, path, pyatspi.KEY_STRING)
    chooser = next(c for c in app if c is not None and c.name == T("Add Files as Sources"))
    try:
        find(chooser, "text", "GtkFileChooserEntry", 3).queryEditableText().setTextContents(path)
    except RuntimeError:
        pass
    find(chooser, "push button", T("_Add").replace("_", "")).queryAction().doAction(0)
    time.sleep(2)


for lang in (sys.argv[2:3] or ["en", "es"]):
    tr = gettext.translation("testigo", os.path.join(build, "po"), languages=[lang], fallback=True)
    T = tr.gettext
    for scheme in ("light", "dark"):
        data = tempfile.mkdtemp(prefix="testigo-shots-")
        env = dict(os.environ, TESTIGO_DATA_DIR=data, GSETTINGS_BACKEND="memory", TESTIGO_PASSPHRASE="screenshots",
                   GSETTINGS_SCHEMA_DIR=os.path.join(build, "data"),
                   TESTIGO_LOCALEDIR=os.path.join(build, "po"), TZ="America/Lima",
                   ADW_DEBUG_COLOR_SCHEME="prefer-dark" if scheme == "dark" else "prefer-light",
                   LANGUAGE=lang, LANG=LOCALES[lang], **shots.locale_env(lang))
        p = shots.start([os.path.join(build, "src/app/testigo")], env)
        app = find_app(p)
        time.sleep(2)
        find(app, "push button", T("New report")).queryAction().doAction(0)
        find(app, "text", T("Title")).queryEditableText().setTextContents(
            "Puente Maravillas" if lang == "es" else "Maravillas bridge")
        start = find(app, "text", T("Start date and time"))
        end = find(app, "text", T("End date and time"))
        # 9 January 2023 15:42 in the locale's order; then an end that is no date.
        start.queryEditableText().setTextContents("09/01/2023 15:42" if lang == "es" else "01/09/2023 15:42")
        end.queryEditableText().setTextContents("31/02/2023" if lang == "es" else "02/31/2023")
        enter(end)
        time.sleep(1)
        name = "sources-%s-%s" % (lang, scheme)
        shots.take(name + "-when")
        add_file(app, T, EMPTY)
        add_file(app, T, PHOTO)
        # Clear the start so the photo offers its time and place at once.
        start.queryEditableText().setTextContents("")
        time.sleep(1)
        # Scroll the editor down to the sources.
        subprocess.run(["xdotool", "mousemove", "500", "500", "click", "--repeat", "40", "5"], check=True)
        time.sleep(1)
        shots.take(name)
        p.terminate()
        p.wait()
        shutil.rmtree(data, ignore_errors=True)

shots.done()
shutil.rmtree(photos, ignore_errors=True)
