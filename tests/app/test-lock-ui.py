#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Protection at rest from the app, over AT-SPI (issue 16), with no
# TESTIGO_PASSPHRASE (the test types every passphrase):
#
#   First run: the passphrase page comes before anything is stored; a
#   weak passphrase gets the strength hint and cannot be used, two that
#   differ are refused; a good one makes the key file and opens the
#   (empty) reports. A report typed; Ctrl+Shift+L locks: one window left,
#   the unlock page, no report title anywhere. A wrong passphrase: the
#   message with the count, the key file unchanged; the right one: the
#   report is there. The header bar's Lock button and the session's
#   screen lock (org.gnome.ScreenSaver ActiveChanged) and suspend
#   (logind's PrepareForSleep on a private "system" bus) lock too.
#   "Lock after" changed in Preferences, the app restarted: the unlock
#   page first, the stored value kept and shown. Three wrong passphrases:
#   the wait is said and counted down, then the right one works. Emergency
#   Erase from the menu: the honest confirmation, then the first-run page
#   and no key file; a new passphrase opens an empty store. The erase
#   passphrase set in Preferences and typed at the unlock page: the
#   first-run page at once. An idle time of 3 s: the app locks by itself.
#
# Each step waits for a state (polled with a bound), never for a time.
# Usage: test-lock-ui.py TESTIGO [BUILD LANG]. With TESTIGO_SHOTS=DIR
# (and ADW_DEBUG_COLOR_SCHEME), the first-run page, the lock page and the
# erase confirmation are saved as DIR/lock-{first-run,locked,erase}-LANG-SCHEME.png.

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

import tap_atspi  # noqa: E402
from tap_atspi import (  # noqa: E402
    AppRun, act, button, combo_label, find, label_texts, require_atspi, results, skip_all, tap,
    wait_for, walk, window_named, windows)
import tap_lock  # noqa: E402
from tap_lock import field, labels_with, sensitive, set_text  # noqa: E402

TESTIGO = sys.argv[1]
BUILD = sys.argv[2] if len(sys.argv) > 2 else None
LANG = sys.argv[3] if len(sys.argv) > 3 else "en"
SHOTS = os.environ.get("TESTIGO_SHOTS")
SCHEME = "dark" if os.environ.get("ADW_DEBUG_COLOR_SCHEME") == "prefer-dark" else "light"
if BUILD is not None:
    import gettext
    _cat = gettext.translation("testigo", os.path.join(BUILD, "po"), languages=[LANG], fallback=True)
    T = _cat.gettext
    N = _cat.ngettext
else:
    def T(text):
        return text

    def N(one, many, n):
        return one if n == 1 else many


def M(text):
    """A mnemonic label's text as shown: its msgid has "_" in it."""
    return T(text).replace("_", "")


for tool in ("dbus-daemon", "dbus-send"):
    if shutil.which(tool) is None:
        skip_all("%s is not installed" % tool)
pyatspi = require_atspi()
pages = tap_lock.Pages(T)

TITLE = "Raid on the Maravillas clinic"
PASSPHRASE = "river lantern copper seventeen"
WRONG = "river lantern copper eighteen"
ERASE_PASSPHRASE = "blue kettle under the stairs"
HONEST = ("This destroys the key that encrypts the data on this laptop — the reports, their photos and "
          "files, and the sync history — so that what is left is unreadable noise, and removes it. It "
          "cannot hide that Testigo was installed. There are no hidden vaults. Testigo will then start "
          "as on a new laptop.")


# The app ----------------------------------------------------------------------

if BUILD is not None and LANG != "en":
    import gettext as _gettext
    GTK = _gettext.translation("gtk40", languages=[LANG], fallback=True).gettext
else:
    def GTK(text):
        return text


class App(AppRun):
    def __init__(self, root):
        AppRun.__init__(self, [TESTIGO], None, close=GTK("Close"))
        self.root = root
        self.store = os.path.join(root, "store")
        self.config_home = os.path.join(root, "config")
        os.makedirs(self.config_home, exist_ok=True)
        env = dict(os.environ)
        env.pop("TESTIGO_PASSPHRASE", None)   # this test types the passphrases
        self.env = dict(env, TESTIGO_DATA_DIR=self.store, XDG_CONFIG_HOME=self.config_home,
                        GSETTINGS_BACKEND="keyfile", LANGUAGE=LANG)
        if BUILD is not None:
            self.env["TESTIGO_LOCALEDIR"] = os.path.join(BUILD, "po")
        # A private bus in the role of the system bus: logind's
        # PrepareForSleep is sent there by the test.
        self.system_bus = None
        conf = os.path.join(root, "system-bus.conf")
        with open(conf, "w") as f:
            f.write('<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"\n'
                    ' "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">\n'
                    '<busconfig><type>system</type><listen>unix:tmpdir=%s</listen>'
                    '<policy context="default"><allow send_destination="*" eavesdrop="true"/>'
                    '<allow eavesdrop="true"/><allow own="*"/></policy></busconfig>\n' % root)
        self.system_bus = subprocess.Popen(["dbus-daemon", "--config-file", conf, "--print-address", "--nofork"],
                                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.system_address = self.system_bus.stdout.readline().strip()
        self.env["DBUS_SYSTEM_BUS_ADDRESS"] = self.system_address

    def stop(self):
        self.kill()
        if self.system_bus is not None:
            self.system_bus.terminate()
            self.system_bus.wait(timeout=10)

    def key_file(self):
        return os.path.join(self.store, "vault.key")

    def settings(self):
        try:
            with open(os.path.join(self.config_home, "glib-2.0", "settings", "keyfile")) as f:
                return f.read()
        except OSError:
            return ""


def title_anywhere(app, title):
    for node in walk(app):
        try:
            if title in (node.name or "") or title in (node.description or ""):
                return True
        except Exception:
            pass
    return False


def choose(combo, index, label):
    """Item @index (shown as @label) of a drop-down, opened by its action,
    then picked with the keys as a keyboard user would."""
    return tap_atspi.choose(combo, index, label, opener=act)


def open_preferences(app):
    act(find(app, role="push button", name=T("Main menu"), timeout=10), "a11y.open")
    item = find(app, role="menu item", name=M("_Preferences"), timeout=10)
    if item is None:
        return None
    act(item)
    return window_named(app, T("Preferences"), timeout=20)


def menu_item(app, label):
    act(find(app, role="push button", name=T("Main menu"), timeout=10), "a11y.open")
    item = find(app, role="menu item", name=M(label), timeout=10)
    if item is not None:
        act(item)
    return item is not None


def shot(name):
    if not SHOTS:
        return
    os.makedirs(SHOTS, exist_ok=True)
    path = os.path.join(SHOTS, "%s-%s-%s.png" % (name, LANG, SCHEME))
    subprocess.run("xwd -root -silent | convert xwd:- -crop 1100x720+0+0 +repage %s" % path,
                   shell=True, check=True)


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def signal(bus_args, path, interface, member, value):
    subprocess.run(["dbus-send"] + bus_args + ["--type=signal", path, "%s.%s" % (interface, member),
                                               "boolean:%s" % value],
                   check=True, timeout=10)


# The run ----------------------------------------------------------------------

root = tempfile.mkdtemp(prefix="testigo-lock-")
app = App(root)
try:
    tap(app.start(), "the app starts with no TESTIGO_PASSPHRASE")
    a = app.app

    # First run.
    tap(pages.first_run_shown(a), "first run: the passphrase page is shown")
    tap(not os.path.exists(os.path.join(app.store, "testigo.db")) and not os.path.exists(app.key_file()),
        "first run: nothing is stored before the passphrase")
    entry = field(a, T("Passphrase"))
    confirm = field(a, T("Confirm Passphrase"))
    create = button(a, M("_Encrypt and Start"))
    set_text(entry, "abc")
    set_text(confirm, "abc")
    tap(wait_for(lambda: labels_with(a, T("Too easy to guess: %s.").split("%s")[0].strip()), 10)
        and not sensitive(create),
        "first run: a weak passphrase gets the hint and cannot be used", repr(label_texts(a)))
    set_text(entry, PASSPHRASE)
    set_text(confirm, PASSPHRASE + " x")
    tap(wait_for(lambda: labels_with(a, T("The two passphrases are not the same.")), 10)
        and not sensitive(create),
        "first run: two different passphrases are refused")
    set_text(confirm, PASSPHRASE)
    tap(wait_for(lambda: sensitive(create), 10) and
        wait_for(lambda: any(t in (T("Good."), T("Strong.")) for t in label_texts(a)), 10),
        "first run: a good passphrase is rated and accepted", repr(label_texts(a)))
    shot("lock-first-run")
    act(create)
    tap(pages.main_shown(a), "first run: the reports open once the key is made")
    tap(os.path.exists(app.key_file()), "first run: the key file is written")

    # A report, then lock with the shortcut.
    act(find(a, role="push button", name=T("New report"), timeout=10))
    title = find(a, role="text", name=T("Title"), timeout=20)
    set_text(title, TITLE)
    tap(pages.report_listed(a, TITLE, 30), "a report is typed and listed")
    before = digest(app.key_file())
    tap_lock.press_lock_shortcut()
    tap(pages.locked_shown(a), "Ctrl+Shift+L locks: the unlock page is shown")
    tap(wait_for(lambda: [w.name for w in windows(app.app)] == ["Testigo"], 10),
        "locked: one window, titled only Testigo",
        repr([(w.getRoleName(), w.name) for w in windows(app.app)]))
    tap(not title_anywhere(a, TITLE), "locked: the report's title is nowhere in the app")
    tap(find(a, role="push button", name=T("New report"), timeout=1) is None, "locked: the reports are not shown")
    shot("lock-locked")

    # Wrong, then right.
    tap(pages.unlock(a, WRONG), "a wrong passphrase is typed")
    expected = N("Wrong passphrase. Nothing was changed (%u wrong attempt so far).",
                 "Wrong passphrase. Nothing was changed (%u wrong attempts so far).", 1) % 1
    tap(wait_for(lambda: labels_with(a, expected), 60), "wrong passphrase: the message with the count",
        repr(label_texts(a)))
    tap(pages.locked_shown(a, 1) and digest(app.key_file()) == before, "wrong passphrase: still locked, key file unchanged")
    tap(pages.unlock(a, PASSPHRASE) and pages.main_shown(a), "the right passphrase unlocks")
    tap(pages.report_listed(a, TITLE, 30), "unlocked: the report is still there")

    # The header bar's button.
    lock_button = find(a, role="push button", name=T("Lock"), timeout=10)
    tap(lock_button is not None, "the header bar has a Lock button")
    if lock_button is not None:
        act(lock_button)
    tap(pages.locked_shown(a), "the Lock button locks")
    tap(pages.unlock(a, PASSPHRASE) and pages.main_shown(a) and pages.report_listed(a, TITLE), "unlocked again")

    # The session's screen lock, then suspend.
    signal(["--session"], "/org/gnome/ScreenSaver", "org.gnome.ScreenSaver", "ActiveChanged", "true")
    tap(pages.locked_shown(a), "the screen lock (ScreenSaver ActiveChanged) locks")
    tap(pages.unlock(a, PASSPHRASE) and pages.main_shown(a), "unlocked after the screen lock")
    signal(["--bus=" + app.system_address], "/org/freedesktop/login1", "org.freedesktop.login1.Manager",
           "PrepareForSleep", "true")
    tap(pages.locked_shown(a), "suspend (logind PrepareForSleep) locks")
    tap(pages.unlock(a, PASSPHRASE) and pages.main_shown(a), "unlocked after suspend")

    # "Lock after" in the preferences, then a restart.
    prefs = open_preferences(a)
    combo = find(prefs, role="combo box", name=T("Lock after"), timeout=10) if prefs else None
    one_minute = N("%u minute", "%u minutes", 1) % 1
    tap(combo is not None and choose(combo, 1, one_minute), "Preferences: Lock after set to 1 minute")
    tap(wait_for(lambda: "lock-idle-seconds=60" in app.settings(), 10), "the setting is stored",
        repr(app.settings()))
    tap(app.quit() == 0, "the app quits")
    tap(app.start(), "the app starts again")
    a = app.app
    tap(pages.locked_shown(a) and not pages.main_shown(a, 1), "restarted: the unlock page comes first")
    tap("lock-idle-seconds=60" in app.settings(), "restarted: the stored value is kept")

    # Three wrong passphrases: the wait.
    for i in range(3):
        pages.unlock(a, WRONG)
        n = i + 1
        expected = N("Wrong passphrase. Nothing was changed (%u wrong attempt so far).",
                     "Wrong passphrase. Nothing was changed (%u wrong attempts so far).", n) % n
        wait_for(lambda: labels_with(a, expected), 60)
    wait_text = T("before trying again")
    tap(wait_for(lambda: [t for t in label_texts(a) if wait_text in t and "3" in t], 10),
        "three wrong passphrases: the count and the wait are said", repr(label_texts(a)))
    unlock_button = button(a, M("_Unlock"), timeout=5)
    tap(unlock_button is not None and not sensitive(unlock_button), "while waiting, Unlock is off")
    tap(pages.unlock(a, PASSPHRASE) and pages.main_shown(a, 90), "after the wait, the right passphrase unlocks")
    prefs = open_preferences(a)
    combo = find(prefs, role="combo box", name=T("Lock after"), timeout=10) if prefs else None
    tap(combo is not None and combo_label(combo) == one_minute, "restarted: Preferences shows 1 minute",
        combo_label(combo) if combo else "no combo")
    # Never, from here on: on a loaded machine the steps below can take
    # more than a minute without a key press, and the idle lock would
    # cut them short (the idle lock has its own step at the end).
    tap(combo is not None and choose(combo, 0, T("Never")) and
        wait_for(lambda: "lock-idle-seconds=0" in app.settings(), 10),
        "Preferences: Lock after set to Never, stored", repr(app.settings()))
    if prefs is not None:
        close = find(prefs, role="push button", name=GTK("Close"), timeout=5)
        if close is not None:
            act(close)

    # Emergency erase from the main menu.
    tap(menu_item(a, "Emergency _Erase…"), "the main menu has Emergency Erase")
    dialog = window_named(a, T("Erase Everything on This Laptop?"), timeout=20)
    body = label_texts(dialog) if dialog else []
    tap(any(T(HONEST) in (t or "") for t in body), "the confirmation says what the erase does and cannot do",
        repr(body))
    shot("lock-erase")
    erase = button(dialog, M("_Erase Everything"), timeout=10) if dialog else None
    if erase is not None:
        act(erase)
    tap(pages.first_run_shown(a, 60), "erased: the first-run page, as on a fresh install")
    tap(wait_for(lambda: not os.path.exists(app.key_file()), 10), "erased: no key file")
    tap(pages.first_run(a, PASSPHRASE) and pages.main_shown(a), "a new passphrase opens a new store")
    tap(not pages.report_listed(a, TITLE, 3), "the new store is empty")

    # The erase passphrase.
    prefs = open_preferences(a)
    set_button = button(prefs, M("_Set…"), timeout=10) if prefs else None
    if set_button is not None:
        act(set_button)
    dialog = window_named(a, T("Erase Passphrase"), timeout=20)
    if dialog is not None:
        set_text(field(dialog, T("Erase passphrase")), ERASE_PASSPHRASE)
        set_text(field(dialog, T("Confirm erase passphrase")), ERASE_PASSPHRASE)
        ok = button(dialog, M("_Set"), timeout=10)
        wait_for(lambda: sensitive(ok), 10)
        act(ok)
    tap(dialog is not None and wait_for(lambda: labels_with(a, T("Erase passphrase saved")), 60),
        "Preferences: the erase passphrase is set",
        repr([(w.getRoleName(), w.name) for w in windows(a)] + label_texts(a)))
    if prefs is not None:
        close = find(prefs, role="push button", name=GTK("Close"), timeout=5)
        if close is not None:
            act(close)
    act(find(a, role="push button", name=T("Lock"), timeout=10))
    tap(pages.locked_shown(a), "locked")
    pages.unlock(a, ERASE_PASSPHRASE)
    tap(pages.first_run_shown(a, 60), "the erase passphrase at the unlock page: the first-run page at once")
    tap(wait_for(lambda: not os.path.exists(app.key_file()), 10), "the erase passphrase removed the key file")

    # Idle: 3 seconds, set before a start.
    tap(app.quit() == 0, "the app quits")
    path = os.path.join(app.config_home, "glib-2.0", "settings", "keyfile")
    with open(path) as f:
        text = re.sub(r"lock-idle-seconds=\d+", "lock-idle-seconds=3", f.read())
    with open(path, "w") as f:
        f.write(text)
    tap(app.start(), "the app starts with a 3-second idle time")
    a = app.app
    # Unlocked, then left alone: the main window may come and go between
    # two looks, so only the lock page after it is waited for.
    set_text(field(a, T("Passphrase")), PASSPHRASE)
    set_text(field(a, T("Confirm Passphrase")), PASSPHRASE)
    create = button(a, M("_Encrypt and Start"), timeout=10)
    wait_for(lambda: sensitive(create), 10)
    act(create)
    tap(wait_for(lambda: os.path.exists(app.key_file()), 60), "first run again")
    tap(pages.locked_shown(a, 60), "left alone, the app locks by itself")
    tap(app.quit() == 0, "the app quits from the lock page")
finally:
    app.stop()
    shutil.rmtree(root, ignore_errors=True)

print("1..%d" % len(results))
sys.exit(0 if all(results) else 1)
