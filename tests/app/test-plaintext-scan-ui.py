#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Protection at rest, end to end through the real app (issue 16): nothing
# a monitor typed or photographed is left readable on disk.
#
# The app runs under a private root: its data folder, XDG_DATA_HOME
# (where GTK keeps recently-used.xbel), XDG_CACHE_HOME, XDG_CONFIG_HOME,
# XDG_STATE_HOME and TMPDIR all inside it. First run with the suite's
# passphrase ($TESTIGO_PASSPHRASE); a report is typed over AT-SPI with
# planted words in its title, narrative and a victim's name, and a photo
# with GPS EXIF is added through the file chooser (the camera's file is
# outside the root) and its time and place used. The report is checked in
# the store through tests/app/tap_store.py (plain or encrypted), the
# photo and its thumbnail read back through the blob store. Then the app
# is locked (the header bar's Lock), and every file under the root is scanned for
# the planted words — UTF-8, UTF-16LE and UTF-16BE, ASCII case folded and
# without accents (the full-text index keeps tokens that way) — and for
# 48-byte pieces of the photo and of its thumbnail; again after the app
# has quit. The scanner is first shown to find each kind of plant in a
# control file, so it can fail.
#
# The store's files (testigo.db and its -wal, -shm, -journal) and the
# files under blobs/ are reported in their own checks; a hit in them, or
# in any other file, fails. GTK's recently-used list (recently-used.xbel
# under XDG_DATA_HOME) must not name the photo's file either.
#
# Usage: test-plaintext-scan-ui.py TESTIGO MAKE-PHOTO

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unicodedata

from tap_atspi import (  # noqa: E402
    button, choose_file, click, find, find_app, require_atspi, results, tap, type_into, wait_for,
    windows)
import tap_store  # noqa: E402  (the store, plain or encrypted)

TESTIGO = sys.argv[1]
MAKE_PHOTO = sys.argv[2]

TITLE = "Masacre en Huancapampa"
NARRATIVE = "Los soldados quemaron la escuela de Quillacocha al amanecer"
VICTIM = "Zacarías Quispe Huamán"
PHOTO_LAT, PHOTO_LON = -13.52264, -71.96734
PLANTED = ["Huancapampa", "Quillacocha", "quemaron la escuela", "Zacarías", "Quispe", "Huamán",
           "13.5226", "71.9673"]   # the place, as digits in the report's JSON
PHOTO_NAME = "IMG_4471.jpg"   # the camera's name for it, in a folder outside the root
STORE_FILES = ("testigo.db", "testigo.db-wal", "testigo.db-shm", "testigo.db-journal")

require_atspi()


# The scanner --------------------------------------------------------------------

def needles_for(word):
    """(bytes, label) for every form the word may take on disk, lower-cased
    (the data is lower-cased before the search)."""
    forms = {word.lower()}
    stripped = "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))
    forms.add(stripped.lower())
    out = []
    for form in forms:
        for codec in ("utf-8", "utf-16-le", "utf-16-be"):
            out.append((form.encode(codec), "%r in %s" % (form, codec)))
    return out


def pieces(data, what, n=6, size=48):
    """@n pieces of @size bytes spread over @data, skipping its first 64
    bytes (a format's header is the same in any file of that type)."""
    if len(data) < 64 + size:
        return []
    step = max(1, (len(data) - 64 - size) // n)
    return [(data[64 + i * step:64 + i * step + size], "%s bytes at %d" % (what, 64 + i * step))
            for i in range(n)]


def scan(root, needles):
    """{path: [label, ...]} for every file under @root holding a needle."""
    hits = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except OSError:
                continue
            lower = data.lower()
            found = [label for needle, label in needles
                     if needle in (lower if needle == needle.lower() else data)]
            if found:
                hits[path] = found
    return hits


def classify(hits, data_dir):
    """Splits @hits into (store files, blob files, everything else); a
    file in the first two is flagged plain if its own format says so."""
    store_plain = False
    db = os.path.join(data_dir, "testigo.db")
    try:
        with open(db, "rb") as f:
            store_plain = f.read(16) == b"SQLite format 3\0"
    except OSError:
        pass
    store, blobs, other = {}, {}, {}
    blob_dir = os.path.join(data_dir, "blobs") + os.sep
    for path, found in hits.items():
        if os.path.dirname(path) == data_dir and os.path.basename(path) in STORE_FILES:
            store[path] = (found, store_plain)
        elif path.startswith(blob_dir) and len(os.path.basename(path)) == 62:
            sha = os.path.basename(os.path.dirname(path)) + os.path.basename(path)
            try:
                plain = not tap_store.blob_info(data_dir, sha)["encrypted"]
            except tap_store.Error:
                plain = False
            blobs[path] = (found, plain)
        else:
            other[path] = found
    return store, blobs, other


def describe(hits):
    """A one-line summary of @hits for the TAP line; the files one by one
    as TAP comments."""
    for path, found in sorted(hits.items()):
        if isinstance(found, tuple):
            found = found[0]
        print("#   %s: %s" % (path, ", ".join(found[:4]) + (" …" if len(found) > 4 else "")))
    return "%d file(s)" % len(hits) if hits else ""


def recent_entries(root):
    """Files under @root named recently-used.xbel (GTK's list) that
    mention the photo's file name."""
    found = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            if name.startswith("recently-used"):
                with open(os.path.join(dirpath, name), "rb") as f:
                    if PHOTO_NAME.encode() in f.read():
                        found.append(os.path.join(dirpath, name))
    return found


def check_scan(when, root, data_dir, needles):
    recent = recent_entries(root)
    tap(not recent, "%s: GTK's recently-used list does not name the photo" % when, " ".join(recent))
    store, blobs, other = classify(scan(root, needles), data_dir)
    tap(not other, "%s: no planted word or photo byte in any file but the store's and the blobs" % when,
        describe(other))
    for what, hits in (("the store's files (testigo.db, its WAL)", store), ("the files under blobs/", blobs)):
        tap(not hits, "%s: no planted word or photo byte in %s" % (when, what), describe(hits))


# The app ------------------------------------------------------------------------

def main_shown(app, timeout=60):
    return find(app, role="push button", name="New report", timeout=timeout) is not None


def locked_shown(app, timeout=30):
    return find(app, role="label", name="Testigo Is Locked", timeout=timeout) is not None


def stored_report(data_dir):
    """The live report titled TITLE, as its current revision's JSON."""
    if not os.path.exists(os.path.join(data_dir, "testigo.db")):
        return None
    db = tap_store.connect(os.path.join(data_dir, "testigo.db"))
    try:
        rows = db.execute("SELECT v.content FROM reports r JOIN revisions v ON v.rev_id = r.rev_id "
                          "WHERE r.deleted = 0 AND r.title = ?", (TITLE,)).fetchall()
    finally:
        db.close()
    return json.loads(rows[0][0]) if rows else None


def quit_locked(process, app):
    """Closes the lock window (its own window, with one Close button) and
    waits for the app to end: 60 s, a loaded machine is slow to quit."""
    for frame in [w for w in windows(app) if w.name == "Testigo"]:
        close = find(frame, role="push button", name="Close", timeout=5)
        if close is not None:
            click(close)
            break
    try:
        return process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return None


root = tempfile.mkdtemp(prefix="testigo-scan-ui-")
camera = tempfile.mkdtemp(prefix="testigo-scan-ui-camera-")   # outside the scanned root
process = None
try:
    dirs = {name: os.path.join(root, name) for name in ("data", "cache", "config", "state", "tmp")}
    for path in dirs.values():
        os.makedirs(path)
    data_dir = os.path.join(dirs["data"], "testigo")
    env = dict(os.environ, TESTIGO_DATA_DIR=data_dir, XDG_DATA_HOME=dirs["data"],
               XDG_CACHE_HOME=dirs["cache"], XDG_CONFIG_HOME=dirs["config"], XDG_STATE_HOME=dirs["state"],
               TMPDIR=dirs["tmp"], GSETTINGS_BACKEND="keyfile", LANGUAGE="en", GTK_A11Y="atspi",
               NO_AT_BRIDGE="0")
    photo = os.path.join(camera, PHOTO_NAME)
    subprocess.run([MAKE_PHOTO, photo, "2023:11:09 05:42:07", str(PHOTO_LAT), str(PHOTO_LON)], check=True)
    with open(photo, "rb") as f:
        photo_bytes = f.read()
    photo_sha = hashlib.sha256(photo_bytes).hexdigest()

    # The scanner finds each kind of plant (so it can fail).
    control = tempfile.mkdtemp(prefix="testigo-scan-ui-control-")
    try:
        with open(os.path.join(control, "a"), "wb") as f:
            f.write(b"\0" * 100 + VICTIM.upper().encode("utf-16-le") + b"\0" * 100)
        with open(os.path.join(control, "b"), "wb") as f:
            f.write(b"huaman quispe" + photo_bytes[1000:1200])
        with open(os.path.join(control, "c"), "wb") as f:
            f.write(b"nothing here")
        needles = [n for w in PLANTED for n in needles_for(w)] + pieces(photo_bytes, "photo")
        hits = scan(control, needles)
        tap(sorted(hits) == [os.path.join(control, "a"), os.path.join(control, "b")] and
            any("photo bytes" in label for label in hits[os.path.join(control, "b")]) and
            any("'huaman'" in label for label in hits[os.path.join(control, "b")]),
            "the scanner finds a name in UTF-16 upper case, one without accents and the photo's bytes",
            repr(hits))
    finally:
        shutil.rmtree(control, ignore_errors=True)

    process = subprocess.Popen([TESTIGO], env=env, stdout=subprocess.DEVNULL)
    app = find_app(process, timeout=60)
    tap(app is not None and main_shown(app), "first run with the passphrase: the reports open")
    if app is None:
        raise RuntimeError("the app is not on the accessibility bus")
    tap(os.path.exists(os.path.join(data_dir, "vault.key")), "the key file is written")

    # The report: title, narrative, a victim, the photo and its time and place.
    click(button(app, "New report"))
    type_into(find(app, role="text", name="Title", timeout=20), TITLE)
    type_into(find(app, role="text", name="Narrative", timeout=10), NARRATIVE)
    click(button(app, "Add Person"))
    type_into(find(app, role="text", name="Name or pseudonym", timeout=10), VICTIM)
    chosen = choose_file(app, photo)
    use = button(app, "Use This Photo’s Time and Place", timeout=10) if chosen else None
    if use is None and chosen:
        use = button(app, "Use This Photo’s Location", timeout=2)
    if use is not None:
        click(use)

    def complete():
        report = stored_report(data_dir) or {}
        names = [p.get("name") for p in report.get("persons") or []]
        shas = [s.get("sha256") for s in report.get("sources") or []]
        return report.get("narrative") == NARRATIVE and VICTIM in names and photo_sha in shas and \
            report.get("latitude") is not None
    tap(chosen and use is not None and wait_for(complete, 60),
        "the report is stored with its narrative, the victim, the photo and its place",
        repr(stored_report(data_dir)))
    report = stored_report(data_dir) or {}
    source = next((s for s in report.get("sources") or [] if s.get("sha256") == photo_sha), {})
    thumb_sha = source.get("thumbnail_sha256")
    tap(tap_store.blob_digest(data_dir, photo_sha) == photo_sha,
        "the photo reads back through the blob store, hashing to its name")
    thumb = tap_store.blob_bytes(data_dir, thumb_sha) if thumb_sha else b""
    tap(thumb_sha is not None and hashlib.sha256(thumb).hexdigest() == thumb_sha,
        "its thumbnail reads back too", repr(source))

    needles = [n for w in PLANTED for n in needles_for(w)] + pieces(photo_bytes, "photo") + \
        pieces(thumb, "thumbnail", n=4)

    # Lock, then scan; quit, then scan.
    click(button(app, "Lock"))
    tap(locked_shown(app), "the header bar's Lock button locks")
    tap_store._stop_all()   # no reader left holding the store open
    check_scan("locked", root, data_dir, needles)
    tap(quit_locked(process, app) == 0, "the app quits from the lock page")
    process = None
    check_scan("after quitting", root, data_dir, needles)
except Exception as e:   # a widget not found: say so in TAP, not in a traceback
    tap(False, "the run went to its end", repr(e))
finally:
    if process is not None and process.poll() is None:
        process.kill()
        process.wait()
    tap_store._stop_all()
    shutil.rmtree(root, ignore_errors=True)
    shutil.rmtree(camera, ignore_errors=True)

print("1..%d" % len(results))
sys.exit(0 if all(results) else 1)
