#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Takes data/screenshots/lock-{first-run,locked,erase}-LANG-SCHEME.png:
# the first-run passphrase page (a passphrase typed, its strength shown),
# the lock page after a wrong passphrase, and the erase confirmation. Run
# from the top of the source tree, as screenshots.py:
#
#   xvfb-run -a -s '-screen 0 1280x800x24' dbus-run-session -- sh -c \
#     '/usr/libexec/at-spi-bus-launcher --launch-immediately & sleep 1;
#      /usr/bin/python3 tests/app/screenshots-lock.py build'

import gettext
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap_atspi import button, find, find_app, require_atspi, wait_for, window_named  # noqa: E402
from tap_lock import field  # noqa: E402
from tap_shots import Shots, find_window  # noqa: E402

pyatspi = require_atspi()
build = sys.argv[1] if len(sys.argv) > 1 else "build"
shots = Shots()


for lang in sys.argv[2:] or ("en", "es"):
    T = gettext.translation("testigo", os.path.join(build, "po"), languages=[lang], fallback=True).gettext
    for scheme in ("light", "dark"):
        data = tempfile.mkdtemp(prefix="testigo-lock-shots-")
        env = dict(os.environ, TESTIGO_DATA_DIR=data, GSETTINGS_BACKEND="memory",
                   GSETTINGS_SCHEMA_DIR=os.path.join(build, "data"),
                   TESTIGO_LOCALEDIR=os.path.join(build, "po"),
                   ADW_DEBUG_COLOR_SCHEME="prefer-dark" if scheme == "dark" else "prefer-light",
                   LANGUAGE=lang)
        env.pop("TESTIGO_PASSPHRASE", None)
        p = shots.start([os.path.join(build, "src/app/testigo")], env)
        try:
            app = find_app(p, timeout=60)
            passphrase = "river lantern copper seventeen"
            field(app, T("Passphrase")).queryEditableText().setTextContents(passphrase)
            field(app, T("Confirm Passphrase")).queryEditableText().setTextContents(passphrase)
            wait_for(lambda: find(app, role="label", name=T("Strong."), timeout=0) is not None, 10)
            shots.take("lock-first-run-%s-%s" % (lang, scheme))
            button(app, T("_Encrypt and Start").replace("_", "")).queryAction().doAction(0)
            find(app, role="push button", name=T("New report"), timeout=60)
            lock = find(app, role="push button", name=T("Lock"), timeout=60)
            lock.queryAction().doAction(0)
            find(app, role="label", name=T("Testigo Is Locked"), timeout=30)
            field(app, T("Passphrase")).queryEditableText().setTextContents("river lantern copper")
            button(app, T("_Unlock").replace("_", "")).queryAction().doAction(0)
            wait_for(lambda: any("(1 " in (n.name or "") for n in [find(app, role="label", contains="(1 ",
                                                                          timeout=0)] if n), 60)
            shots.take("lock-locked-%s-%s" % (lang, scheme))
            button(app, T("Emergency _Erase…").replace("_", "")).queryAction().doAction(0)
            window_named(app, T("Erase Everything on This Laptop?"), timeout=20)
            import time
            time.sleep(1)  # the dialog's fade-in, for the picture only
            shots.take("lock-erase-%s-%s" % (lang, scheme), find_window((T("Erase Everything on This Laptop?"),)))
        finally:
            p.kill()
            p.wait()
            shutil.rmtree(data, ignore_errors=True)

shots.done()
