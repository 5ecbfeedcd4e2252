#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Lock wipes the keys from the running app's memory (issue 16), over
# AT-SPI with the real app. The keys are found by lock-key-scan, which
# derives them itself from the key file and the passphrase (Argon2id,
# slot A, crypto_kdf: not the vault's code) and reads the app's memory
# through /proc/PID/mem (ptrace access: root in CI; without it the test
# is skipped and says why).
#
#   Part "wipe": started with TESTIGO_PASSPHRASE, a report typed and
#   saved. lock-key-scan's STORE subkey opens the store (so the keys it
#   looks for are the real ones). Control: unlocked, the data key (in the
#   vault's locked pages) and the STORE subkey (the store's copy and
#   SQLite3MC's cipher contexts) are found in the app's memory, and the
#   report's title is an accessible text. Ctrl+Shift+L: the lock page,
#   one window; the app's memory holds neither the data key nor the
#   Argon2id wrapping key nor any subkey (store, blobs, thumbnails, sync,
#   custody), raw or in hex, and no accessible text holds the report's
#   title. Unlocked again with the typed passphrase: the report is there,
#   and the scan finds the store's key again (it still can). Locked again
#   with the header bar's button: no key, after an unlock this time.
#
#   Part "save": a lock while a save is in flight. lock-key-scan holds
#   the store's write lock (BEGIN IMMEDIATE), so no save of the app can
#   end; a new title and narrative are typed and Ctrl+Shift+L pressed at
#   once: whether the editor's own save had started or the lock starts
#   it, a save is in flight when the app locks. Once the app's log says
#   it locked, the write lock is given back (within SQLite's 5 s busy
#   wait). Then: the data key is gone at once; the store's key goes once
#   the save ends (waited for as a state: the scan finds it no more); no
#   "Not saved" in the log. Unlocked: the report shows the new title,
#   the store holds the new title and narrative, and PRAGMA
#   integrity_check says ok.
#
# Every wait is for a state (polled with a bound), never for a time.
# Usage: test-lock-memory-ui.py TESTIGO LOCK_KEY_SCAN BUILD LANG PART

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from tap_atspi import (  # noqa: E402
    AppRun, accessible_texts, act, find, label_texts, require_atspi, results, skip_all, tap, wait_for,
    windows)
import tap_lock  # noqa: E402
from tap_lock import set_text  # noqa: E402
import tap_store  # noqa: E402

TESTIGO, KEY_SCAN, BUILD, LANG, PART = sys.argv[1:6]
if PART not in ("wipe", "save"):
    skip_all("unknown part %r" % PART)

import gettext  # noqa: E402
_cat = gettext.translation("testigo", os.path.join(BUILD, "po"), languages=[LANG], fallback=True)
T = _cat.gettext


def M(text):
    """A mnemonic label's text as shown: its msgid has "_" in it."""
    return T(text).replace("_", "")


pyatspi = require_atspi()
pages = tap_lock.Pages(T)

PASSPHRASE = "quarry heron lantern forty"
TITLE = "Detención de Illari Mamani en Ocongate"
NEW_TITLE = "Illari Mamani trasladada a Urcos"
NEW_NARRATIVE = "La subieron a una camioneta blanca sin placas frente a la posta de Ocongate."
WORDS = ["Illari", "Mamani", "Ocongate"]
KEYS = ["data", "wrap", "store", "blobs", "thumbnails", "sync", "custody"]


if LANG != "en":
    GTK = gettext.translation("gtk40", languages=[LANG], fallback=True).gettext
else:
    def GTK(text):
        return text


class App(AppRun):
    def __init__(self, root):
        AppRun.__init__(self, [TESTIGO], None, log=os.path.join(root, "app.log"), close=GTK("Close"))
        self.data = os.path.join(root, "data")
        config = os.path.join(root, "config")
        os.makedirs(os.path.join(config, "glib-2.0", "settings"))
        # No idle lock: this test locks when it means to.
        with open(os.path.join(config, "glib-2.0", "settings", "keyfile"), "w") as f:
            f.write("[io/github/testigo/Testigo]\nlock-idle-seconds=0\n")
        self.env = dict(os.environ, TESTIGO_DATA_DIR=self.data, XDG_CONFIG_HOME=config,
                        XDG_CACHE_HOME=os.path.join(root, "cache"), GSETTINGS_BACKEND="keyfile",
                        LANGUAGE=LANG, TESTIGO_LOCALEDIR=os.path.join(BUILD, "po"),
                        TESTIGO_PASSPHRASE=PASSPHRASE, G_MESSAGES_DEBUG="tg-application")

    def start(self):
        return AppRun.start(self, timeout=90)


class KeyScan:
    """lock-key-scan, one command at a time."""

    def __init__(self, data_dir):
        env = dict(os.environ, TESTIGO_PASSPHRASE=PASSPHRASE)
        self.process = subprocess.Popen([KEY_SCAN, data_dir], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        env=env, text=True)
        self.ready = self._read().get("ready", False)

    def _read(self):
        line = self.process.stdout.readline()
        return json.loads(line) if line else {"error": "lock-key-scan ended", "code": "ended"}

    def ask(self, command):
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._read()

    def scan(self, pid):
        started = time.monotonic()
        reply = self.ask("scan %d" % pid)
        reply["seconds"] = time.monotonic() - started
        return reply

    def stop(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def found_keys(reply, names=KEYS):
    """{key: [where, …]} for the keys of @names found raw or in hex."""
    found = reply.get("found", {})
    out = {}
    for name in names:
        where = found.get(name, []) + found.get(name + "-hex", [])
        if where:
            out[name] = where
    return out


def figure(label, reply):
    print("# figure: %s: %d mappings, %.0f MiB read in %.2f s, %d unreadable; found %r"
          % (label, reply.get("mappings", 0), reply.get("bytes", 0) / 1048576.0, reply.get("seconds", 0),
             reply.get("unreadable", 0), {k: len(v) for k, v in found_keys(reply).items()}))


def wait_keys_gone(scan, pid, names, timeout):
    """Scans until none of @names is found (a state), @timeout at most.
    (ok, the last reply, scans made)."""
    end = time.monotonic() + timeout
    n = 0
    while True:
        reply = scan.scan(pid)
        n += 1
        if "error" in reply or not found_keys(reply, names) or time.monotonic() > end:
            return "error" not in reply and not found_keys(reply, names), reply, n


def new_report(app, title):
    return pages.new_report(app, title) and wait_for(lambda: T("Saved") in label_texts(app), 30)


def start(root):
    app = App(root)
    tap(app.start(), "the app starts and unlocks with TESTIGO_PASSPHRASE")
    tap(pages.main_shown(app.app), "the reports are shown")
    return app


def control_and_scan(app, scan):
    """The checks before the lock, common to both parts."""
    checked = scan.ask("check")
    tap(checked.get("ok") and checked.get("reports", 0) >= 1,
        "lock-key-scan's own STORE subkey opens the store (the keys looked for are the real ones)",
        repr(checked))
    before = scan.scan(app.process.pid)
    figure("unlocked", before)
    tap("error" not in before and before.get("bytes", 0) > 0, "lock-key-scan reads the app's memory",
        repr(before.get("error")))
    found = found_keys(before)
    tap("data" in found and "store" in found,
        "control: unlocked, the data key and the STORE subkey are found in the app's memory",
        repr({k: v[:4] for k, v in found.items()}))
    return before


def run_wipe(root):
    app = start(root)
    scan = None
    try:
        tap(new_report(app.app, TITLE), "a report is typed, listed and saved")
        scan = KeyScan(app.data)
        tap(scan.ready, "lock-key-scan derives the keys from the key file and the passphrase")
        control_and_scan(app, scan)
        seen = accessible_texts(app.app)
        tap([t for t in seen if TITLE in t], "control: unlocked, the report's title is an accessible text")

        tap_lock.press_lock_shortcut()
        tap(pages.locked_shown(app.app), "Ctrl+Shift+L: the lock page")
        tap(wait_for(lambda: [w.name for w in windows(app.app)] == ["Testigo"], 30),
            "locked: one window", repr([w.name for w in windows(app.app)]))
        after = scan.scan(app.process.pid)
        figure("locked", after)
        found = found_keys(after)
        tap("error" not in after and not found,
            "locked: no key in the app's memory — not the data key, the wrapping key, nor any subkey "
            "(store, blobs, thumbnails, sync, custody), raw or in hex",
            repr(after.get("error")) + " " + repr({k: v[:6] for k, v in found.items()}))
        if found:
            # Say how long the copy lasts, for the report; the check
            # above has failed already.
            gone, last, n = wait_keys_gone(scan, app.process.pid, KEYS, 30)
            print("# after %d more scans the keys were %s" % (n, "gone" if gone else "still there"))
        seen = accessible_texts(app.app)
        tap(seen and not [t for t in seen if any(w in t for w in WORDS)],
            "locked: no accessible text of the app (%d) holds the report's words" % len(seen),
            repr([t for t in seen if any(w in t for w in WORDS)]))

        tap(pages.unlock(app.app, PASSPHRASE) and pages.main_shown(app.app), "the passphrase unlocks")
        tap(pages.report_listed(app.app, TITLE), "unlocked: the report is there")
        again = scan.scan(app.process.pid)
        figure("unlocked again", again)
        tap("store" in found_keys(again), "unlocked again: the scan finds the STORE subkey again")

        # The second lock follows an unlock by the typed passphrase (its
        # Argon2id and the opening of the key file's slot), where the first
        # followed the key file's making.
        lock_button = find(app.app, role="push button", name=T("Lock"), timeout=10)
        tap(lock_button is not None, "the header bar's Lock button")
        if lock_button is not None:
            act(lock_button)
        tap(pages.locked_shown(app.app) and wait_for(lambda: [w.name for w in windows(app.app)] == ["Testigo"], 30),
            "locked again: the lock page, one window")
        after = scan.scan(app.process.pid)
        figure("locked again", after)
        found = found_keys(after)
        tap("error" not in after and not found,
            "locked after an unlock: no key in the app's memory",
            repr(after.get("error")) + " " + repr({k: v[:6] for k, v in found.items()}))
        tap(app.quit() == 0, "the app quits")
    finally:
        if scan is not None:
            scan.stop()
        app.kill()


def run_save(root):
    app = start(root)
    scan = None
    try:
        tap(new_report(app.app, TITLE), "a report is typed, listed and saved")
        scan = KeyScan(app.data)
        tap(scan.ready, "lock-key-scan derives the keys from the key file and the passphrase")
        control_and_scan(app, scan)
        narrative = find(app.app, role="text", name=T("Narrative"), timeout=10)
        title_field = find(app.app, role="text", name=T("Title"), timeout=10)
        tap(narrative is not None and title_field is not None, "the editor's title and narrative fields")

        held = scan.ask("hold")
        tap(held.get("held"), "lock-key-scan holds the store's write lock: no save can end", repr(held))
        log_before = len(app.log_text())
        set_text(title_field, NEW_TITLE)
        set_text(narrative, NEW_NARRATIVE)
        tap_lock.press_lock_shortcut()
        locked_line = "Locked: the key is wiped"
        # Bounded well past SQLite's 5 s busy wait: on a loaded machine an
        # autosave begun before the lock may give up meanwhile ("Not
        # saved" in the editor), and the lock then saves the report again.
        locked = wait_for(lambda: locked_line in app.log_text()[log_before:], 30)
        released = scan.ask("release")
        tap(locked, "the app locked while the store's write lock was held (its log says so)")
        tap(released.get("released"), "the write lock is given back")

        tap(pages.locked_shown(app.app), "the lock page")
        gone, last, n = wait_keys_gone(scan, app.process.pid, KEYS, 60)
        figure("locked, after the save (%d scans)" % n, last)
        tap(gone, "locked: once the save in flight ends, no key is left in the app's memory",
            repr({k: v[:6] for k, v in found_keys(last).items()}))
        log = app.log_text()[log_before:]
        tap(T("Not saved") not in log and "Not saved" not in log, "no save failed", log[-2000:])

        tap(pages.unlock(app.app, PASSPHRASE) and pages.main_shown(app.app), "the passphrase unlocks")
        tap(pages.report_listed(app.app, NEW_TITLE), "unlocked: the report shows the title typed before the lock")
        tap(not pages.report_listed(app.app, TITLE, 2), "the old title is listed no more")
        try:
            db = tap_store.connect(app.data, PASSPHRASE)
            try:
                check = db.execute("PRAGMA integrity_check").fetchall()
                rows = db.execute("SELECT rv.content FROM reports rp JOIN revisions rv ON rv.rev_id = rp.rev_id "
                                  "WHERE rp.deleted = 0").fetchall()
            finally:
                db.close()
        except tap_store.Error as e:
            check, rows = [("error: %s" % e,)], []
        tap(check == [("ok",)], "the store passes PRAGMA integrity_check", repr(check))
        stored = [r[0] for r in rows if r[0] and NEW_TITLE in r[0]]
        tap(len(rows) == 1 and stored and NEW_NARRATIVE in stored[0],
            "the store holds the title and the narrative typed before the lock",
            repr([r[0][:200] for r in rows]))
        tap(app.quit() == 0, "the app quits")
    finally:
        if scan is not None:
            scan.stop()
        tap_store._stop_all()
        app.kill()


def ptrace_allowed():
    """(True, "") when this process may read another of its user's
    processes' memory (/proc/PID/mem needs ptrace access); else (False,
    why)."""
    try:
        with open("/proc/sys/kernel/yama/ptrace_scope") as f:
            scope = int(f.read().strip())
    except (OSError, ValueError):
        scope = 0   # no Yama: classic rules, the same user may
    if scope >= 3:
        return False, "kernel.yama.ptrace_scope is 3: no process may read another's memory"
    if scope >= 1 and os.geteuid() != 0:
        return False, ("kernel.yama.ptrace_scope is %d: only root (CAP_SYS_PTRACE) may read the app's memory; "
                       "run as root or set it to 0" % scope)
    return True, ""


def main():
    allowed, why = ptrace_allowed()
    if not allowed:
        skip_all(why)
    root = tempfile.mkdtemp(prefix="testigo-lock-memory-")
    try:
        if PART == "wipe":
            run_wipe(root)
        else:
            run_save(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


try:
    main()
except Exception as e:
    import traceback
    traceback.print_exc()
    tap(False, "the test ran to its end", repr(e))
print("1..%d" % len(results))
sys.exit(0 if results and all(results) else 1)
