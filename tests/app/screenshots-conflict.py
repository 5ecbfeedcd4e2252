#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Takes the conflict screenshots in data/screenshots/: the report list with
# a conflict badge (and the editor's banner beside it) and the conflict
# resolver, in English and Spanish, light and dark, on a store made by
# tests/app/test-conflict-store. Run from the top of the source tree:
#
#   xvfb-run -a -s '-screen 0 1280x800x24' dbus-run-session -- sh -c \
#     '/usr/libexec/at-spi-bus-launcher --launch-immediately & sleep 1;
#      /usr/bin/python3 tests/app/screenshots-conflict.py build [NAME…]'
#
# NAMEs such as conflict-list-es-dark or conflict-resolver-en-light take
# only those shots.

import os
import shutil
import subprocess
import sys
import tempfile
import time

import pyatspi

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap_atspi import find, find_app, walk, wait_for  # noqa: E402

build = sys.argv[1] if len(sys.argv) > 1 else "build"
wanted = set(sys.argv[2:])
out = "data/screenshots"
os.makedirs(out, exist_ok=True)
locales = {"en": "en_US.UTF-8", "es": "es_PE.UTF-8"}
locpath = tempfile.mkdtemp(prefix="testigo-locales-")
TITLE = "puente"  # both versions of the title have it
RESOLVE = {"en": "Resolve…", "es": "Resolver…"}
RESOLVER = {"en": "Resolve Conflict", "es": "Resolver el conflicto"}


def locale_env(lang):
    name = locales[lang]
    have = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.split()
    if name.replace("UTF-8", "utf8") in have or name in have:
        return {"LC_ALL": name}
    subprocess.run(["localedef", "-i", name.split(".")[0], "-f", "UTF-8",
                    os.path.join(locpath, name)], check=True)
    return {"LC_ALL": name, "LOCPATH": locpath}


def want(name):
    return not wanted or name in wanted


def shot(name, window=None):
    if not want(name):
        return
    source = "-id %d" % window if window else "-root"
    crop = "" if window else "-crop 1100x720+0+0 +repage"
    subprocess.run("xwd %s -silent | convert xwd:- %s %s/%s.png" % (source, crop, out, name),
                   shell=True, check=True)


def find_window(titles):
    tree = subprocess.run(["xwininfo", "-root", "-children"], capture_output=True, text=True).stdout
    for line in tree.splitlines():
        parts = line.split('"')
        if len(parts) > 2 and parts[1] in titles:
            return int(line.split()[0], 16)
    return None


def do_named(node, name):
    action = node.queryAction()
    names = [action.getName(i) for i in range(action.nActions)]
    action.doAction(names.index(name) if name in names else 0)


for lang in ("en", "es"):
    for scheme in ("light", "dark"):
        names = ["conflict-%s-%s-%s" % (view, lang, scheme) for view in ("list", "resolver")]
        if not any(want(n) for n in names):
            continue
        data = tempfile.mkdtemp(prefix="testigo-conflict-shots-")
        subprocess.run([os.path.join(build, "tests/app/test-conflict-store"), data],
                       check=True, stdout=subprocess.DEVNULL)
        env = dict(os.environ, TESTIGO_DATA_DIR=data, GSETTINGS_BACKEND="memory", TESTIGO_PASSPHRASE="screenshots",
                   GSETTINGS_SCHEMA_DIR=os.path.join(build, "data"),
                   TESTIGO_LOCALEDIR=os.path.join(build, "po"),
                   ADW_DEBUG_COLOR_SCHEME="prefer-dark" if scheme == "dark" else "prefer-light",
                   LANGUAGE=lang, LANG=locales[lang], GTK_A11Y="atspi", **locale_env(lang))
        p = subprocess.Popen([os.path.join(build, "src/app/testigo")], env=env,
                             stdout=subprocess.DEVNULL)

        class Proc:
            pid = p.pid
        app = find_app(Proc)
        item = None
        for _ in range(50):
            item = next((n for n in walk(app) if n.getRoleName() == "list item"
                         and TITLE in (n.name or "")), None)
            if item is not None:
                break
            time.sleep(0.2)
        do_named(item, "row.open")
        button = None
        for _ in range(50):
            button = next((n for n in walk(app) if n.getRoleName() == "push button"
                           and (n.name or "").replace("_", "").startswith(RESOLVE[lang])), None)
            if button is not None:
                break
            time.sleep(0.2)
        time.sleep(1.5)
        shot("conflict-list-%s-%s" % (lang, scheme))
        do_named(button, "click")
        wait_for(lambda: find_window((RESOLVER[lang],)) is not None, timeout=10)
        frame = find(app, role="frame", name=RESOLVER[lang], timeout=10)
        # Two answers given, so the shot shows choices being made.
        checks = [n for n in walk(frame) if n.getRoleName() == "check box"]
        for c in (checks[1], checks[4]) if len(checks) > 4 else ():
            do_named(c, "a11y.toggle")
        time.sleep(1.5)
        shot("conflict-resolver-%s-%s" % (lang, scheme), find_window((RESOLVER[lang],)))
        p.terminate()
        p.wait()
        shutil.rmtree(data, ignore_errors=True)

shutil.rmtree(locpath, ignore_errors=True)
