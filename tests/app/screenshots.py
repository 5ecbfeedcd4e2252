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

build = sys.argv[1] if len(sys.argv) > 1 else "build"
wanted = set(sys.argv[2:])
out = "data/screenshots"
os.makedirs(out, exist_ok=True)
data = tempfile.mkdtemp(prefix="testigo-shots-")
locales = {"en": "en_US.UTF-8", "es": "es_PE.UTF-8"}
locpath = tempfile.mkdtemp(prefix="testigo-locales-")


def locale_env(lang):
    """LC_ALL (and LOCPATH if it had to be compiled) for a language."""
    name = locales[lang]
    have = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.split()
    if name.replace("UTF-8", "utf8") in have or name in have:
        return {"LC_ALL": name}
    subprocess.run(["localedef", "-i", name.split(".")[0], "-f", "UTF-8",
                    os.path.join(locpath, name)], check=True)
    return {"LC_ALL": name, "LOCPATH": locpath}


def want(name):
    return not wanted or name in wanted


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


def shot(name, window=None):
    if not want(name):
        return
    source = "-id %d" % window if window else "-root"
    crop = "" if window else "-crop 1100x720+0+0 +repage"
    subprocess.run("xwd %s -silent | convert xwd:- %s %s/%s.png" % (source, crop, out, name),
                   shell=True, check=True)


def find_window(titles):
    """Id, width and height of the top-level X window with one of these titles."""
    tree = subprocess.run(["xwininfo", "-root", "-children"], capture_output=True, text=True).stdout
    for line in tree.splitlines():
        parts = line.split('"')
        if len(parts) > 2 and parts[1] in titles:
            wid = int(line.split()[0], 16)
            info = subprocess.run(["xwininfo", "-id", hex(wid)], capture_output=True, text=True).stdout
            size = {k.strip(): v.strip() for k, v in (l.split(":", 1) for l in info.splitlines() if ":" in l)}
            return wid, int(size["Width"]), int(size["Height"])
    return None


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
        if not any(want(n) for n in names):
            continue
        env = dict(os.environ, TESTIGO_DATA_DIR=data, GSETTINGS_BACKEND="memory", TESTIGO_PASSPHRASE="screenshots",
                   GSETTINGS_SCHEMA_DIR=os.path.join(build, "data"),
                   TESTIGO_LOCALEDIR=os.path.join(build, "po"),
                   ADW_DEBUG_COLOR_SCHEME="prefer-dark" if scheme == "dark" else "prefer-light",
                   LANGUAGE=lang, LANG=locales[lang], **locale_env(lang))
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
        if want("preferences-%s-%s" % (lang, scheme)):
            wid, width, height = open_preferences(("Preferences", "Preferencias"))
            shot("preferences-%s-%s" % (lang, scheme), wid)
        p.terminate()
        p.wait()

shutil.rmtree(locpath, ignore_errors=True)
