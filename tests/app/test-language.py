#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The README's run command (tools/dev.sh run) in Spanish, as a user starts
# it: nothing set but LANG (or LANGUAGE). The window, its menu, the dates
# in the list and GTK's own buttons must be in Spanish.
#
# Three ways a user comes to it:
#   1. a Debian system with es_PE.UTF-8 generated (the `locales` package,
#      `dpkg-reconfigure locales`): the usual case. The locale is compiled
#      here with localedef into a private folder (LOCPATH), since this
#      machine has only C.UTF-8; the C library reads it as it would read
#      /usr/lib/locale.
#   2. LANG=es_PE.UTF-8 on a system that lacks that locale: the app still
#      shows Spanish words and says on stderr which locale is missing.
#   3. LANGUAGE=es with the C.UTF-8 locale.
#
# Usage: test-language.py SOURCE_ROOT BUILD_DIR. Needs the display and the
# buses tools/run-tests.sh provides; skips without them.

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from tap_atspi import require_atspi, results, skip_all, tap, wait_for, walk

SOURCE_ROOT = sys.argv[1]
BUILD_DIR = os.path.abspath(sys.argv[2])
pyatspi = require_atspi()

SPANISH_MONTH = re.compile(r"\b(ene|feb|mar|abr|may|jun|jul|ago|sep|sept|oct|nov|dic)\.? 20\d\d")


def find_app(pid, timeout=30.0):
    end = time.time() + timeout
    while time.time() < end:
        for app in pyatspi.Registry.getDesktop(0):
            try:
                if app is not None and app.get_process_id() == pid:
                    for node in app:
                        if node is not None and node.getRoleName() == "frame":
                            return app
            except Exception:
                pass
        time.sleep(0.2)
    return None


def names(app, role):
    out = []
    for node in walk(app):
        try:
            if node.getRoleName() == role and node.getState().contains(pyatspi.STATE_VISIBLE):
                out.append((node.name or "").replace("_", ""))
        except Exception:
            pass
    return out


def node_named(app, role, name):
    for node in walk(app):
        try:
            if node.getRoleName() == role and (node.name or "").replace("_", "") == name \
                    and node.queryAction().nActions > 0:
                return node
        except Exception:
            pass
    return None


def user_env(data_dir, **extra):
    """The test's environment without any locale variable, then extra."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("LC_") and k not in ("LANG", "LANGUAGE", "LOCPATH", "TESTIGO_LOCALEDIR")}
    env.update(TESTIGO_DATA_DIR=data_dir, TESTIGO_BUILDDIR=BUILD_DIR)
    env.update(extra)
    return env


def run_case(label, env, expect_dates_in_spanish, expect_notice=None):
    """Starts tools/dev.sh run with env and checks the window in Spanish."""
    err_path = os.path.join(env["TESTIGO_DATA_DIR"], "stderr.txt")
    with open(err_path, "w") as err:
        process = subprocess.Popen([os.path.join(SOURCE_ROOT, "tools", "dev.sh"), "run"],
                                   env=env, stdout=subprocess.DEVNULL, stderr=err,
                                   cwd=SOURCE_ROOT)
    try:
        app = find_app(process.pid)
        if app is None:
            tap(False, "%s: the window appears" % label)
            return
        labels_ok = wait_for(lambda: {"Informes", "Mapa"} <= set(names(app, "label")), timeout=10)
        buttons = names(app, "push button")
        entries = names(app, "entry") + names(app, "text")
        tap(labels_ok and "Informe nuevo" in buttons and "Menú principal" in buttons
            and "Buscar informes" in entries,
            "%s: the window's own words are Spanish" % label,
            "labels=%s buttons=%s entries=%s" % (names(app, "label")[:8], buttons[:10], entries[:4]))

        # GTK's own strings (the title buttons) come from its catalogue.
        tap("Cerrar" in buttons, "%s: GTK's title buttons are Spanish" % label,
            "buttons=%s" % buttons[:12])

        if expect_dates_in_spanish:
            dated = wait_for(lambda: any(SPANISH_MONTH.search(l) for l in names(app, "label")), timeout=10)
            tap(dated, "%s: dates in the list use Spanish month names" % label,
                "labels=%s" % [l for l in names(app, "label") if "20" in l][:6])

        # The main menu, opened as a screen reader does (its action).
        menu = node_named(app, "push button", "Menú principal")
        items = []
        if menu is not None:
            menu.queryAction().doAction(0)
            want = {"Preferencias", "Atajos de teclado", "Acerca de Testigo"}
            wait_for(lambda: want <= set(names(app, "menu item")), timeout=5)
            items = names(app, "menu item")
        tap({"Preferencias", "Atajos de teclado", "Acerca de Testigo"} <= set(items),
            "%s: the main menu is Spanish" % label, "menu items=%s" % items)

        if expect_notice is not None:
            with open(err_path) as f:
                text = f.read()
            tap(expect_notice in text and "dpkg-reconfigure locales" in text,
                "%s: stderr says the locale is missing and how to add it" % label,
                "stderr=%r" % text[-400:])
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def main():
    if shutil.which("localedef") is None or not os.path.exists("/usr/share/i18n/locales/es_PE"):
        skip_all("the locales package is not installed (localedef and /usr/share/i18n/locales)")

    work = tempfile.mkdtemp(prefix="testigo-language-")
    try:
        locpath = os.path.join(work, "locales")
        os.makedirs(locpath)
        subprocess.run(["localedef", "-i", "es_PE", "-f", "UTF-8",
                        os.path.join(locpath, "es_PE.UTF-8")], check=True)
        empty = os.path.join(work, "no-locales")
        os.makedirs(empty)

        data = os.path.join(work, "generated")
        os.makedirs(data)
        run_case("LANG=es_PE.UTF-8 (generated)",
                 user_env(data, LANG="es_PE.UTF-8", LOCPATH=locpath),
                 expect_dates_in_spanish=True)

        data = os.path.join(work, "missing")
        os.makedirs(data)
        run_case("LANG=es_PE.UTF-8 (not generated)",
                 user_env(data, LANG="es_PE.UTF-8", LOCPATH=empty),
                 expect_dates_in_spanish=False, expect_notice="es_PE.UTF-8")

        data = os.path.join(work, "language")
        os.makedirs(data)
        run_case("LANG=C.UTF-8 LANGUAGE=es",
                 user_env(data, LANG="C.UTF-8", LANGUAGE="es"),
                 expect_dates_in_spanish=False)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("1..%d" % len(results))


main()
sys.exit(0 if results and all(results) else 1)
