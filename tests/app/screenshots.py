#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Takes the screenshots in data/screenshots/: the main window, the editor
# and the preferences, in English and Spanish, light and dark, with the
# demo reports. Run from the top of the source tree with a build dir:
#
#   xvfb-run -a -s '-screen 0 1280x800x24' dbus-run-session -- sh -c \
#     '/usr/libexec/at-spi-bus-launcher --launch-immediately & sleep 1;
#      /usr/bin/python3 tests/app/screenshots.py build-app'

import os
import subprocess
import sys
import tempfile
import time

import pyatspi

build = sys.argv[1] if len(sys.argv) > 1 else "build"
out = "data/screenshots"
os.makedirs(out, exist_ok=True)
data = tempfile.mkdtemp(prefix="testigo-shots-")


def walk(node):
    yield node
    for c in node:
        if c is not None:
            yield from walk(c)


def find_app(pid):
    for _ in range(100):
        for a in pyatspi.Registry.getDesktop(0):
            try:
                if a is not None and a.get_process_id() == pid:
                    return a
            except Exception:
                pass
        time.sleep(0.2)


def shot(name):
    subprocess.run("xwd -root -silent | convert xwd:- -crop 1100x720+0+0 +repage %s/%s.png" % (out, name),
                   shell=True, check=True)


for lang in ("en", "es"):
    for scheme in ("light", "dark"):
        env = dict(os.environ, TESTIGO_DATA_DIR=data, GSETTINGS_BACKEND="memory",
                   GSETTINGS_SCHEMA_DIR=os.path.join(build, "data"),
                   TESTIGO_LOCALEDIR=os.path.join(build, "po"),
                   ADW_DEBUG_COLOR_SCHEME="prefer-dark" if scheme == "dark" else "prefer-light",
                   LANGUAGE=lang, LANG="C.UTF-8", LC_ALL="C.UTF-8")
        p = subprocess.Popen([os.path.join(build, "src/app/testigo"), "--demo"], env=env,
                             stdout=subprocess.DEVNULL)
        app = find_app(p.pid)
        time.sleep(3)
        shot("main-%s-%s" % (lang, scheme))
        lst = next(n for n in walk(app) if n.getRoleName() == "list" and n.name in ("Report list", "Lista de informes"))
        row = next(n for n in walk(lst) if n.getRoleName() == "list item")
        e = row.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        pyatspi.Registry.generateMouseEvent(e.x + e.width // 2, e.y + e.height // 2, "b1c")
        time.sleep(2)
        shot("editor-%s-%s" % (lang, scheme))
        pyatspi.Registry.generateKeyboardEvent(65507, None, pyatspi.KEY_PRESS)    # Control_L
        pyatspi.Registry.generateKeyboardEvent(44, None, pyatspi.KEY_PRESSRELEASE)  # comma
        pyatspi.Registry.generateKeyboardEvent(65507, None, pyatspi.KEY_RELEASE)
        time.sleep(2)
        shot("preferences-%s-%s" % (lang, scheme))
        p.terminate()
        p.wait()
