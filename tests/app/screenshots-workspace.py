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
from tap_atspi import act, find_app, node_where  # noqa: E402
from tap_shots import LOCALES, Shots  # noqa: E402

build = sys.argv[1] if len(sys.argv) > 1 else "build"
shots = Shots(sys.argv[2:], size="1280x800")
TITLE_OTHER = "Juliaca: 18 muertos junto al aeropuerto"
WORDS = {
    "en": {"workspace": "Workspace", "confirm": "Confirm and merge", "title2": "Title from report 2:",
           "merge": "Merge into Incident", "killed": "Killed"},
    "es": {"workspace": "Espacio de trabajo", "confirm": "Confirmar y unir", "title2": "Título del informe 2:",
           "merge": "Unir en un incidente", "killed": "Muertos"},
}


def plain(n):
    return (n.name or "").replace("_", "")


for lang in ("en", "es"):
    w = WORDS[lang]
    for scheme in ("light", "dark"):
        names = ["workspace-%s-%s-%s" % (view, lang, scheme) for view in ("queue", "merge", "incident")]
        if not any(shots.want(n) for n in names):
            continue
        data = tempfile.mkdtemp(prefix="testigo-workspace-shots-")
        subprocess.run([os.path.join(build, "tests/app/test-workspace-store"), data],
                       check=True, stdout=subprocess.DEVNULL)
        env = dict(os.environ, TESTIGO_DATA_DIR=data, GSETTINGS_BACKEND="memory", TESTIGO_PASSPHRASE="screenshots",
                   GSETTINGS_SCHEMA_DIR=os.path.join(build, "data"),
                   TESTIGO_LOCALEDIR=os.path.join(build, "po"), TESTIGO_ROLE="coordinator",
                   ADW_DEBUG_COLOR_SCHEME="prefer-dark" if scheme == "dark" else "prefer-light",
                   LANGUAGE=lang, LANG=LOCALES[lang], GTK_A11Y="atspi", **shots.locale_env(lang))
        p = shots.start([os.path.join(build, "src/app/testigo")], env)
        app = find_app(p)
        subprocess.run("xdotool search --pid %d --onlyvisible --name . windowsize 1280 800 windowmove 0 0"
                       % p.pid, shell=True)
        ws = node_where(app, lambda n: n.getRoleName() == "push button" and plain(n).startswith(w["workspace"]),
                        timeout=20)
        act(ws)
        node_where(app, lambda n: "Juliaca" in (n.name or "") and "%" in (n.name or ""), timeout=30)
        time.sleep(1.5)
        shots.take("workspace-queue-%s-%s" % (lang, scheme))
        act(node_where(app, lambda n: n.getRoleName() == "push button" and plain(n).startswith(w["confirm"]),
                       timeout=20))
        choice = node_where(app, lambda n: n.getRoleName() in ("radio button", "check box")
                            and (n.name or "").startswith(w["title2"]), timeout=30)
        if choice is not None:
            act(choice, "a11y.toggle")
        time.sleep(1.5)
        shots.take("workspace-merge-%s-%s" % (lang, scheme))
        act(node_where(app, lambda n: n.getRoleName() == "push button" and plain(n).startswith(w["merge"]),
                       timeout=20))
        node_where(app, lambda n: n.getRoleName() == "label" and n.name == TITLE_OTHER, timeout=30)
        killed = node_where(app, lambda n: (n.name or "").startswith(w["killed"]) and
                            n.getRoleName() in ("list item", "toggle button", "push button"), timeout=5)
        if killed is not None:
            try:
                act(killed)
            except Exception:
                pass
        time.sleep(1.5)
        shots.take("workspace-incident-%s-%s" % (lang, scheme))
        p.terminate()
        p.wait()
        shutil.rmtree(data, ignore_errors=True)

shots.done()
