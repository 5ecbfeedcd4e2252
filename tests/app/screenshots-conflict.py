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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap_atspi import act, find, find_app, node_where, walk, wait_for  # noqa: E402
from tap_shots import LOCALES, Shots, find_window  # noqa: E402

build = sys.argv[1] if len(sys.argv) > 1 else "build"
shots = Shots(sys.argv[2:])
TITLE = "puente"  # both versions of the title have it
RESOLVE = {"en": "Resolve…", "es": "Resolver…"}
RESOLVER = {"en": "Resolve Conflict", "es": "Resolver el conflicto"}


for lang in ("en", "es"):
    for scheme in ("light", "dark"):
        names = ["conflict-%s-%s-%s" % (view, lang, scheme) for view in ("list", "resolver")]
        if not any(shots.want(n) for n in names):
            continue
        data = tempfile.mkdtemp(prefix="testigo-conflict-shots-")
        subprocess.run([os.path.join(build, "tests/app/test-conflict-store"), data],
                       check=True, stdout=subprocess.DEVNULL)
        env = dict(os.environ, TESTIGO_DATA_DIR=data, GSETTINGS_BACKEND="memory", TESTIGO_PASSPHRASE="screenshots",
                   GSETTINGS_SCHEMA_DIR=os.path.join(build, "data"),
                   TESTIGO_LOCALEDIR=os.path.join(build, "po"),
                   ADW_DEBUG_COLOR_SCHEME="prefer-dark" if scheme == "dark" else "prefer-light",
                   LANGUAGE=lang, LANG=LOCALES[lang], GTK_A11Y="atspi", **shots.locale_env(lang))
        p = shots.start([os.path.join(build, "src/app/testigo")], env)
        app = find_app(p)
        item = node_where(app, lambda n: n.getRoleName() == "list item" and TITLE in (n.name or ""))
        act(item, "row.open")
        button = node_where(app, lambda n: n.getRoleName() == "push button"
                            and (n.name or "").replace("_", "").startswith(RESOLVE[lang]))
        time.sleep(1.5)
        shots.take("conflict-list-%s-%s" % (lang, scheme))
        act(button, "click")
        wait_for(lambda: find_window((RESOLVER[lang],)) is not None, timeout=10)
        frame = find(app, role="frame", name=RESOLVER[lang], timeout=10)
        # Two answers given, so the shot shows choices being made.
        checks = [n for n in walk(frame) if n.getRoleName() == "check box"]
        for c in (checks[1], checks[4]) if len(checks) > 4 else ():
            act(c, "a11y.toggle")
        time.sleep(1.5)
        shots.take("conflict-resolver-%s-%s" % (lang, scheme), find_window((RESOLVER[lang],)))
        p.terminate()
        p.wait()
        shutil.rmtree(data, ignore_errors=True)

shots.done()
