#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Takes the screenshots in data/screenshots/: the main window, the editor
# and the preferences, in English and Spanish, light and dark, with the
# demo reports. Run from the top of the source tree with a build dir:
#
#   xvfb-run -a -s '-screen 0 1280x800x24' dbus-run-session -- sh -c \
#     '/usr/libexec/at-spi-bus-launcher --launch-immediately & sleep 1;
#      /usr/bin/python3 tests/app/screenshots.py build-app [NAME…]'
#
# NAMEs such as main-es-light or preferences-en-light take only those
# shots; without any, all of them are taken. Dates are shown in the
# language's own locale (es_PE, en_US); when the system lacks it, it is
# compiled into a temporary folder with localedef.

import os
import shutil
import subprocess
import sys
import tempfile
import time

import pyatspi

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap_atspi import find_app, walk  # noqa: E402
from tap_shots import LOCALES, Shots, find_window  # noqa: E402

build = sys.argv[1] if len(sys.argv) > 1 else "build"
shots = Shots(sys.argv[2:])
data = tempfile.mkdtemp(prefix="testigo-shots-")


def open_preferences(titles):
    """Ctrl+, as the keyboard sends it (X keycodes 37 and 59 are Control_L
    and comma); if no window shows, the app action over D-Bus. Returns the
    preferences window. Xvfb has no window manager, so that window stays
    under the main one: it is taken with xwd -id, not from the root."""
    pyatspi.Registry.generateKeyboardEvent(37, None, pyatspi.KEY_PRESS)
    pyatspi.Registry.generateKeyboardEvent(59, None, pyatspi.KEY_PRESSRELEASE)
    pyatspi.Registry.generateKeyboardEvent(37, None, pyatspi.KEY_RELEASE)
    time.sleep(2)
    if find_window(titles) is None:
        path = "/" + app_id.replace(".", "/")
        subprocess.run(["gdbus", "call", "--session", "--dest", app_id, "--object-path", path,
                        "--method", "org.gtk.Actions.Activate", "preferences", "[]", "{}"],
                       check=True, stdout=subprocess.DEVNULL)
        time.sleep(2)
    return find_window(titles)


app_id = "io.github.testigo.Testigo"
with open(os.path.join(build, "config.h")) as f:
    for line in f:
        if line.startswith("#define APP_ID"):
            app_id = line.split('"')[1]

for lang in ("en", "es"):
    for scheme in ("light", "dark"):
        names = ["%s-%s-%s" % (view, lang, scheme) for view in ("main", "editor", "preferences")]
        if not any(shots.want(n) for n in names):
            continue
        env = dict(os.environ, TESTIGO_DATA_DIR=data, GSETTINGS_BACKEND="memory", TESTIGO_PASSPHRASE="screenshots",
                   GSETTINGS_SCHEMA_DIR=os.path.join(build, "data"),
                   TESTIGO_LOCALEDIR=os.path.join(build, "po"),
                   ADW_DEBUG_COLOR_SCHEME="prefer-dark" if scheme == "dark" else "prefer-light",
                   LANGUAGE=lang, LANG=LOCALES[lang], **shots.locale_env(lang))
        p = shots.start([os.path.join(build, "src/app/testigo"), "--demo"], env)
        app = find_app(p, timeout=20)
        time.sleep(3)
        shots.take("main-%s-%s" % (lang, scheme))
        lst = next(n for n in walk(app) if n.getRoleName() == "list" and n.name in ("Report list", "Lista de informes"))
        row = next(n for n in walk(lst) if n.getRoleName() == "list item")
        e = row.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        pyatspi.Registry.generateMouseEvent(e.x + e.width // 2, e.y + e.height // 2, "b1c")
        time.sleep(2)
        shots.take("editor-%s-%s" % (lang, scheme))
        if shots.want("preferences-%s-%s" % (lang, scheme)):
            wid = open_preferences(("Preferences", "Preferencias"))
            shots.take("preferences-%s-%s" % (lang, scheme), wid)
        p.terminate()
        p.wait()

shots.done()
shutil.rmtree(data, ignore_errors=True)
