#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Takes the coordinator's workspace screenshots in data/screenshots/: the
# review queue, the merge view (the title taken from the other report)
# and the incident editor just after the merge, in English and Spanish,
# light and dark, on a store made by tests/app/test-workspace-store. Run
# from the top of the source tree:
#
#   xvfb-run -a -s '-screen 0 1280x800x24' dbus-run-session -- sh -c \
#     '/usr/libexec/at-spi-bus-launcher --launch-immediately & sleep 1;
#      /usr/bin/python3 tests/app/screenshots-workspace.py build [NAME…]'
#
# NAMEs such as workspace-queue-es-dark or workspace-merge-en-light take
# only those shots.

import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap_atspi import find_app, walk, wait_for  # noqa: E402

build = sys.argv[1] if len(sys.argv) > 1 else "build"
wanted = set(sys.argv[2:])
out = "data/screenshots"
os.makedirs(out, exist_ok=True)
locales = {"en": "en_US.UTF-8", "es": "es_PE.UTF-8"}
locpath = tempfile.mkdtemp(prefix="testigo-locales-")
TITLE_OTHER = "Juliaca: 18 muertos junto al aeropuerto"
WORDS = {
    "en": {"workspace": "Workspace", "confirm": "Confirm and merge", "title2": "Title from report 2:",
           "merge": "Merge into Incident", "killed": "Killed"},
    "es": {"workspace": "Espacio de trabajo", "confirm": "Confirmar y unir", "title2": "Título del informe 2:",
           "merge": "Unir en un incidente", "killed": "Muertos"},
}


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


def shot(name):
    if want(name):
        subprocess.run("xwd -root -silent | convert xwd:- -crop 1280x800+0+0 +repage %s/%s.png" % (out, name),
                       shell=True, check=True)


def node(app, pred, timeout=20.0):
    end = time.time() + timeout
    while time.time() < end:
        for n in walk(app):
            try:
                if pred(n):
                    return n
            except Exception:
                pass
        time.sleep(0.2)
    return None


def do(n, preferred=None):
    action = n.queryAction()
    names = [action.getName(i) for i in range(action.nActions)]
    action.doAction(names.index(preferred) if preferred in names else 0)


def plain(n):
    return (n.name or "").replace("_", "")


for lang in ("en", "es"):
    w = WORDS[lang]
    for scheme in ("light", "dark"):
        names = ["workspace-%s-%s-%s" % (view, lang, scheme) for view in ("queue", "merge", "incident")]
        if not any(want(n) for n in names):
            continue
        data = tempfile.mkdtemp(prefix="testigo-workspace-shots-")
        subprocess.run([os.path.join(build, "tests/app/test-workspace-store"), data],
                       check=True, stdout=subprocess.DEVNULL)
        env = dict(os.environ, TESTIGO_DATA_DIR=data, GSETTINGS_BACKEND="memory",
                   GSETTINGS_SCHEMA_DIR=os.path.join(build, "data"),
                   TESTIGO_LOCALEDIR=os.path.join(build, "po"), TESTIGO_ROLE="coordinator",
                   ADW_DEBUG_COLOR_SCHEME="prefer-dark" if scheme == "dark" else "prefer-light",
                   LANGUAGE=lang, LANG=locales[lang], GTK_A11Y="atspi", **locale_env(lang))
        p = subprocess.Popen([os.path.join(build, "src/app/testigo")], env=env, stdout=subprocess.DEVNULL)

        class Proc:
            pid = p.pid
        app = find_app(Proc)
        subprocess.run("xdotool search --pid %d --onlyvisible --name . windowsize 1280 800 windowmove 0 0"
                       % p.pid, shell=True)
        ws = node(app, lambda n: n.getRoleName() == "push button" and plain(n).startswith(w["workspace"]))
        do(ws)
        node(app, lambda n: "Juliaca" in (n.name or "") and "%" in (n.name or ""), timeout=30)
        time.sleep(1.5)
        shot("workspace-queue-%s-%s" % (lang, scheme))
        do(node(app, lambda n: n.getRoleName() == "push button" and plain(n).startswith(w["confirm"])))
        choice = node(app, lambda n: n.getRoleName() in ("radio button", "check box")
                      and (n.name or "").startswith(w["title2"]), timeout=30)
        if choice is not None:
            do(choice, "a11y.toggle")
        time.sleep(1.5)
        shot("workspace-merge-%s-%s" % (lang, scheme))
        do(node(app, lambda n: n.getRoleName() == "push button" and plain(n).startswith(w["merge"])))
        node(app, lambda n: n.getRoleName() == "label" and n.name == TITLE_OTHER, timeout=30)
        killed = node(app, lambda n: (n.name or "").startswith(w["killed"]) and
                      n.getRoleName() in ("list item", "toggle button", "push button"), timeout=5)
        if killed is not None:
            try:
                do(killed)
            except Exception:
                pass
        time.sleep(1.5)
        shot("workspace-incident-%s-%s" % (lang, scheme))
        p.terminate()
        p.wait()
        shutil.rmtree(data, ignore_errors=True)

shutil.rmtree(locpath, ignore_errors=True)
