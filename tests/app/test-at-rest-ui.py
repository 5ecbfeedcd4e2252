#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The store and the files encrypted by the app itself (issue 16), over
# AT-SPI with no TESTIGO_PASSPHRASE (the test types the passphrases):
#
#   1. First run with a passphrase; a report with planted names in its
#      title and narrative and a photo with EXIF time and GPS. The app
#      quits; every file under the data folder (the store, its WAL, every
#      blob and thumbnail) and the cache folder is scanned for the planted
#      words in UTF-8 and UTF-16, the photo's file name, its EXIF date and
#      three 32-byte pieces of the photo: none is found, and every blob
#      starts as an encrypted file does. Restarted, the right passphrase:
#      the report, its narrative and the photo's row are back, and every
#      file decrypts to its SHA-256 (at-rest-store check).
#   2. "Open" on the photo: a decrypted copy, mode 0600 in a 0700 folder
#      of the memory-backed runtime directory, the photo byte for byte;
#      gone once the app locks. With a runtime directory on the disk,
#      Open says why it cannot and writes nothing.
#   3. Preferences → Change Passphrase: a wrong current passphrase
#      changes nothing; the right one does; after a restart the old
#      passphrase is refused and the new one opens the reports.
#   4. A plain store of an older version (300 reports, 40 files of 3 MiB):
#      the first-run page says it will be encrypted; the progress page
#      shows; the app is killed (SIGKILL) half-way, with the conversion's
#      marker still there. Restarted: the unlock page, then the progress
#      page goes on from there, and the reports open. All 300 reports and
#      40 files are there, every file encrypted and whole, and no planted
#      word is left anywhere in the folder.
#   5. `testigo --export` takes TESTIGO_PASSPHRASE: all 300 reports; a
#      wrong one fails with the vault's message and writes nothing; none
#      at all (stdin not a terminal) says how to give one.
#
# Figures (unlock, conversion) are printed as TAP comments.
# Usage: test-at-rest-ui.py TESTIGO MAKE_PHOTO AT_REST_STORE first|convert
# ('first': steps 1-3; 'convert': steps 4-5 — two meson tests, so that
# each stays well inside its timeout on a busy machine.)

import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time

from tap_atspi import (  # noqa: E402
    AppRun, act, button, click, choose_file, find, label_texts, require_atspi, results, tap,
    text_of, type_into, wait_for, walk)
import tap_lock  # noqa: E402
from tap_lock import field, labels_with, sensitive, set_text  # noqa: E402

TESTIGO, MAKE_PHOTO, AT_REST_STORE, PART = sys.argv[1:5]
assert PART in ("first", "convert"), PART
pyatspi = require_atspi()
pages = tap_lock.Pages()

PASSPHRASE = "orchard violin granite ninety"
NEW_PASSPHRASE = "kestrel saucepan harbour eleven"
PLANTED = ["Xochitl Quetzalli", "machete", "Ixcanul"]
TITLE = "Allanamiento %s" % PLANTED[0]
NARRATIVE = "Testigo vio un %s cerca de %s." % (PLANTED[1], PLANTED[2])
PHOTO_NAME = "xochitl-testimonio.jpg"
PHOTO_DATE = "2023:01:09 15:42:07"
N_REPORTS, N_FILES, FILE_KIB = 300, 40, 3072
Gio_NOT_SUPPORTED = 15   # G_IO_ERROR_NOT_SUPPORTED
ENCRYPTED_PREFIX = b"TGENC"


def expand_source(app, name):
    """The source's row expanded as the keyboard does (its header row
    activated: the row may be scrolled out of sight, where a pointer
    cannot reach it); its Open button, or None."""
    row = find(app, role="list item", contains=name, timeout=20)
    if row is None:
        return None
    headers = [n for n in walk(row) if n is not row and n.getRoleName() == "list item"
               and n.name is not None and name in n.name]
    if headers:
        act(headers[0], "a11y.activate")
    return button(row, "Open", timeout=10)


def open_report(app, title):
    item = find(app, contains=title, role="list item", timeout=20)
    if item is None:
        return False
    ext = item.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    pyatspi.Registry.generateMouseEvent(ext.x + ext.width // 2, ext.y + ext.height // 2, "b1c")
    title_field = find(app, role="text", name="Title", timeout=10)
    return title_field is not None and wait_for(lambda: text_of(title_field) == title, 10)


def progress_value(app):
    bar = find(app, role="progress bar", name="Progress", timeout=0)
    try:
        return bar.queryValue().currentValue if bar is not None else None
    except Exception:
        return None


class App(AppRun):
    def __init__(self, root, runtime_dir):
        # The app's debug lines (GLib: on stdout) go to output.log.
        AppRun.__init__(self, [TESTIGO], None, log=os.path.join(root, "output.log"))
        self.data = os.path.join(root, "data")
        self.cache = os.path.join(root, "cache")
        self.share = os.path.join(root, "share")
        self.runtime = runtime_dir
        env = dict(os.environ)
        env.pop("TESTIGO_PASSPHRASE", None)   # this test types the passphrases
        config = os.path.join(root, "config")
        # No idle lock: under load this test's steps take minutes (the
        # idle lock has its own test in test-lock-ui.py).
        os.makedirs(os.path.join(config, "glib-2.0", "settings"))
        with open(os.path.join(config, "glib-2.0", "settings", "keyfile"), "w") as f:
            f.write("[io/github/testigo/Testigo]\nlock-idle-seconds=0\n")
        self.env = dict(env, TESTIGO_DATA_DIR=self.data, XDG_CACHE_HOME=self.cache,
                        XDG_DATA_HOME=self.share, XDG_CONFIG_HOME=config, GSETTINGS_BACKEND="keyfile",
                        XDG_RUNTIME_DIR=runtime_dir, LANGUAGE="en")
        self.env["G_MESSAGES_DEBUG"] = "all"


def files_under(*dirs):
    for top in dirs:
        for base, _dirs, names in os.walk(top):
            for name in names:
                yield os.path.join(base, name)


def needles(photo):
    """What must not be found, each with a name for the message."""
    out = []
    for word in PLANTED + [PHOTO_NAME.rsplit(".", 1)[0], PHOTO_DATE, PHOTO_DATE.replace(":", "-", 2)]:
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            out.append(("%r in %s" % (word, encoding), word.encode(encoding)))
    if photo is not None:
        with open(photo, "rb") as f:
            data = f.read()
        for fraction in (0.25, 0.5, 0.75):
            at = int(len(data) * fraction)
            out.append(("the photo's bytes at %d" % at, data[at:at + 32]))
    return out


def scan(dirs, photo=None):
    """Every planted word found in a file under @dirs: [(path, what)]."""
    found = []
    wanted = needles(photo)
    for path in files_under(*dirs):
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            continue
        for what, needle in wanted:
            if needle in data:
                found.append((path, what))
    return found


def blob_files(data):
    return [p for p in files_under(os.path.join(data, "blobs"))]


def all_encrypted(paths):
    bad = []
    for path in paths:
        with open(path, "rb") as f:
            if f.read(len(ENCRYPTED_PREFIX)) != ENCRYPTED_PREFIX:
                bad.append(path)
    return bad


def check_store(data, passphrase):
    env = dict(os.environ, TESTIGO_PASSPHRASE=passphrase)
    out = subprocess.run([AT_REST_STORE, "check", data], env=env, stdin=subprocess.DEVNULL,
                         capture_output=True, text=True, timeout=300)
    words = out.stdout.split()
    numbers = {words[i]: int(words[i + 1]) for i in range(0, len(words) - 1, 2)
               if words[i + 1].isdigit()}
    return numbers, out.stdout + out.stderr


root = tempfile.mkdtemp(prefix="testigo-at-rest-")
shm = tempfile.mkdtemp(prefix="testigo-at-rest-run-", dir="/dev/shm") if os.path.isdir("/dev/shm") else None
app = None
try:
    runtime = shm if shm is not None else os.path.join(root, "run")
    if PART == "first":
        # 1. First run, a report with a photo, the scan, a restart ------------------
        photo = os.path.join(root, PHOTO_NAME)
        subprocess.run([MAKE_PHOTO, photo, PHOTO_DATE, "-15.4997", "-70.1333"], check=True)
        app = App(os.path.join(root, "one"), runtime)
        tap(app.start(), "the app starts with no TESTIGO_PASSPHRASE")
        a = app.app
        tap(pages.first_run(a, PASSPHRASE) and pages.main_shown(a), "first run: a passphrase, then the reports")
        act(find(a, role="push button", name="New report", timeout=10))
        title = find(a, role="text", name="Title", timeout=20)
        set_text(title, TITLE)
        narrative = find(a, role="text", name="Narrative", timeout=10)
        type_into(narrative, NARRATIVE)
        chosen = choose_file(a, photo)
        row = find(a, contains=PHOTO_NAME, timeout=30)
        offer = button(a, "Use This Photo’s Time and Place", timeout=30)
        tap(pages.report_listed(a, TITLE, 30) and chosen and row is not None and offer is not None,
            "a report with a narrative and a photo; the photo's time and place read from the encrypted file",
            "chosen=%s row=%s offer=%s" % (chosen, row is not None, offer is not None))
        wait_for(lambda: "Saved" in label_texts(a), 20)
        tap(app.quit() == 0, "the app quits")

        data = app.data
        blobs = blob_files(data)
        found = scan([data, app.cache, app.share], photo)
        tap(len(blobs) >= 2 and not found,
            "no planted word, photo name, EXIF date or photo bytes in any of the %d files of the data and "
            "cache folders (%d blobs)" % (len(list(files_under(data, app.cache, app.share))), len(blobs)),
            repr(found[:5]))
        tap(blobs and not all_encrypted(blobs), "every blob (the photo, its thumbnail) is an encrypted file",
            repr(all_encrypted(blobs)[:3]))
        with open(os.path.join(data, "testigo.db"), "rb") as f:
            head = f.read(16)
        tap(head != b"SQLite format 3\x00", "the store has no plain SQLite header", repr(head))

        tap(app.start() and pages.locked_shown(app.app), "restarted: the unlock page")
        a = app.app
        started = time.monotonic()
        unlocked = pages.unlock(a, PASSPHRASE) and pages.main_shown(a, 90)
        print("# figure: unlock (Argon2id, keyed open, first list) %.2f s" % (time.monotonic() - started))
        tap(unlocked and pages.report_listed(a, TITLE), "the right passphrase: the report is back")
        opened = open_report(a, TITLE)
        narrative = find(a, role="text", name="Narrative", timeout=10)
        tap(opened and narrative is not None and wait_for(lambda: text_of(narrative) == NARRATIVE, 10)
            and find(a, contains=PHOTO_NAME, timeout=20) is not None,
            "the narrative and the photo's row are back",
            "narrative=%r" % (text_of(narrative) if narrative else None))

        # 2. Open: a decrypted copy in memory only, gone at lock -----------------------
        open_button = expand_source(a, PHOTO_NAME)
        copies = []
        if open_button is not None:
            click(open_button)
            with open(photo, "rb") as f:
                original = f.read()

            def copied():
                copies[:] = [p for p in files_under(os.path.join(runtime, "testigo-open"))
                             if open(p, "rb").read() == original]
                return bool(copies)
            wait_for(copied, 30)
        if shm is not None:
            modes = [(stat.S_IMODE(os.stat(p).st_mode), stat.S_IMODE(os.stat(os.path.dirname(p)).st_mode))
                     for p in copies]
            tap(len(copies) == 1 and modes[0] == (0o600, 0o700) and not copies[0].endswith(PHOTO_NAME),
                "Open: the photo decrypted into the memory-backed runtime folder, 0600 in a 0700 folder, "
                "not under its own name", repr((open_button is not None, copies, modes)))
            act(find(a, role="push button", name="Lock", timeout=10))
            tap(pages.locked_shown(a) and wait_for(lambda: not any(os.path.exists(p) for p in copies), 10),
                "locked: the decrypted copy is gone")
            tap(pages.unlock(a, PASSPHRASE) and pages.main_shown(a, 90), "unlocked again")
        else:
            tap(True, "Open: no /dev/shm here # SKIP")
            tap(True, "locked: the decrypted copy is gone # SKIP")
            tap(True, "unlocked again # SKIP")
        tap(app.quit() == 0, "the app quits")

        numbers, out = check_store(data, PASSPHRASE)
        tap(numbers.get("reports") == 1 and numbers.get("files", 0) >= 2 and
            numbers.get("encrypted") == numbers.get("files") == numbers.get("verified"),
            "after the restart every file is encrypted and decrypts to its SHA-256", out)

        # A runtime folder on the disk: Open refuses, and says why.
        disk_runtime = os.path.join(root, "disk-run")
        os.makedirs(disk_runtime, mode=0o700)
        app.env["XDG_RUNTIME_DIR"] = disk_runtime
        tap(app.start() and pages.unlock(app.app, PASSPHRASE) and pages.main_shown(app.app, 90), "restarted")
        a = app.app
        open_report(a, TITLE)
        open_button = expand_source(a, PHOTO_NAME)
        if open_button is not None:
            click(open_button)
        # The message is a toast of 5 s, which a walk of the tree under load
        # may miss (test-open-copy checks its words): the app's debug line
        # says it refused, and nothing was written.
        refused = wait_for(lambda: "Open refused: g-io-error-quark %d" % Gio_NOT_SUPPORTED
                           in open(app.log, errors="replace").read(), 60)
        tap(open_button is not None and refused and not list(files_under(disk_runtime)),
            "Open with the runtime folder on the disk: refused, nothing is written",
            repr((open_button is not None, refused, list(files_under(disk_runtime)))))

        # 3. Change Passphrase in Preferences, across a restart -------------------------
        act(find(a, role="push button", name="Main menu", timeout=10), "a11y.open")
        item = find(a, role="menu item", name="Preferences", timeout=10)
        if item is not None:
            act(item)
        change = button(a, "Change…", timeout=20)
        key_file = os.path.join(data, "vault.key")
        attempts_file = os.path.join(data, "vault.attempts")
        for current in (PASSPHRASE + " no", PASSPHRASE):
            before = open(key_file, "rb").read()
            if change is not None:
                act(change)
            current_field = field(a, "Current passphrase", timeout=20)
            if current_field is not None:
                set_text(current_field, current)
                set_text(field(a, "New passphrase"), NEW_PASSPHRASE)
                set_text(field(a, "Confirm new passphrase"), NEW_PASSPHRASE)
                ok = button(a, "Change", timeout=10)
                wait_for(lambda: ok is not None and sensitive(ok), 10)
                if ok is not None:
                    act(ok)
            # The outcome is a toast of 5 s; what the vault did is on disk.
            if current != PASSPHRASE:
                tap(current_field is not None and wait_for(lambda: os.path.exists(attempts_file), 90) and
                    open(key_file, "rb").read() == before,
                    "Change Passphrase with a wrong current passphrase: counted, the key file unchanged")
            else:
                tap(current_field is not None and wait_for(lambda: open(key_file, "rb").read() != before, 90)
                    and not os.path.exists(attempts_file),
                    "Change Passphrase with the right one: the key file rewrapped")
        tap(app.quit() == 0, "the app quits")
        tap(app.start() and pages.locked_shown(app.app), "restarted after the change")
        a = app.app
        pages.unlock(a, PASSPHRASE)
        tap(wait_for(lambda: labels_with(a, "Wrong passphrase"), 60), "the old passphrase is refused")
        tap(pages.unlock(a, NEW_PASSPHRASE) and pages.main_shown(a, 90) and pages.report_listed(a, TITLE),
            "the new passphrase opens the reports")
        tap(app.quit() == 0, "the app quits")

    if PART == "convert":
        # 4. A plain store of an older version, killed half-way through ----------------
        app = App(os.path.join(root, "two"), runtime)
        os.makedirs(app.data)
        made = subprocess.run([AT_REST_STORE, "make", app.data, str(N_REPORTS), str(N_FILES), str(FILE_KIB)],
                              capture_output=True, text=True)
        tap(made.returncode == 0 and scan([app.data]), "an older version's plain store, with the planted words",
            made.stdout + made.stderr)
        tap(app.start(), "the app starts on it")
        a = app.app
        tap(wait_for(lambda: labels_with(a, "The reports already on this laptop will be encrypted"), 30),
            "the first-run page says the reports already here will be encrypted", repr(label_texts(a)))
        pages.first_run(a, PASSPHRASE)
        seen = []
        marker = os.path.join(app.data, "at-rest-migration")

        def half_way():
            value = progress_value(a)
            if value is not None:
                seen.append(value)
            return value is not None and value > 0.05 and value < 0.9
        went = wait_for(lambda: find(a, role="label", name="Encrypting the Reports…", timeout=0) is not None, 60)
        caught = wait_for(half_way, 120)
        app.kill()
        tap(went and caught and os.path.exists(marker),
            "the progress page shows, and the app is killed half-way (the conversion's marker is there)",
            "page=%s progress seen=%s marker=%s" % (went, seen[-3:], os.path.exists(marker)))

        tap(app.start() and pages.locked_shown(app.app), "restarted: the unlock page (the key file is there)")
        a = app.app
        started = time.monotonic()
        pages.unlock(a, PASSPHRASE)
        went_on = wait_for(lambda: find(a, role="label", name="Encrypting the Reports…", timeout=0) is not None
                           or pages.main_shown(a, 0), 60)
        tap(went_on and pages.main_shown(a, 300) and pages.report_listed(a, "%s %d" % (PLANTED[0], N_REPORTS - 1)),
            "the conversion goes on from where it stopped, then the reports open")
        print("# figure: unlock and the rest of the conversion (%d reports, %d files of %d KiB) %.2f s"
              % (N_REPORTS, N_FILES, FILE_KIB, time.monotonic() - started))
        tap(app.quit() == 0, "the app quits")
        numbers, out = check_store(app.data, PASSPHRASE)
        tap(numbers.get("reports") == N_REPORTS and numbers.get("files") == N_FILES and
            numbers.get("encrypted") == N_FILES and numbers.get("verified") == N_FILES,
            "all %d reports and %d files are there, every file encrypted and whole" % (N_REPORTS, N_FILES), out)
        found = scan([app.data])
        tap(not found and not os.path.exists(marker), "no planted word is left anywhere in the folder",
            repr(found[:5]))

        # 5. testigo --export with the passphrase --------------------------------------
        out_file = os.path.join(root, "out.geojson")
        env = dict(app.env, TESTIGO_PASSPHRASE=PASSPHRASE)
        done = subprocess.run([TESTIGO, "--export", out_file], env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=300)
        tap(done.returncode == 0 and ("%d reports exported" % N_REPORTS) in done.stdout,
            "testigo --export with TESTIGO_PASSPHRASE exports all %d reports" % N_REPORTS,
            done.stdout + done.stderr)
        wrong_file = os.path.join(root, "wrong.geojson")
        env["TESTIGO_PASSPHRASE"] = PASSPHRASE + " no"
        done = subprocess.run([TESTIGO, "--export", wrong_file], env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=300)
        tap(done.returncode == 1 and "Wrong passphrase" in done.stderr and not os.path.exists(wrong_file),
            "a wrong TESTIGO_PASSPHRASE: the vault's message, nothing written", done.stdout + done.stderr)
        env.pop("TESTIGO_PASSPHRASE")
        done = subprocess.run([TESTIGO, "--export", wrong_file], env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=300)
        tap(done.returncode == 1 and "TESTIGO_PASSPHRASE" in done.stderr and not os.path.exists(wrong_file),
            "no passphrase and no terminal: says how to give one", done.stdout + done.stderr)
finally:
    if app is not None:
        app.kill()
    shutil.rmtree(root, ignore_errors=True)
    if shm is not None:
        shutil.rmtree(shm, ignore_errors=True)

print("1..%d" % len(results))
sys.exit(0 if all(results) else 1)
