#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Emergency erase with a server, over AT-SPI, against the real
# testigo-server on loopback HTTPS (issue 16: "it offers to sync first
# when online, then destroys the wrapped key"). The app is connected
# (enrolled, the fingerprint pinned, the token in a private keyring),
# automatic sync is off, and a report with a photo is typed and not synced.
#
#   Part "online": Emergency Erase from the main menu offers to sync
#   first; "Sync First": the confirmation says the sync is done; Erase
#   Everything: the first-run page, no key file, no store, no blob, no
#   device token left in the keyring; the server holds the report and the
#   photo (its export, its blob folder).
#
#   Part "unreachable": the server frozen (SIGSTOP: it takes the
#   connection and never answers). The offer still comes (the app cannot
#   know yet); "Sync First", then Stop on the Syncing dialog: the
#   confirmation says the sync was stopped and what was not sent is not
#   on the server; Cancel erases nothing (the report still there, the key
#   file the same). The server gone (killed), a sync says Offline: Erase
#   goes straight to the confirmation, and erases: the first-run page, no
#   key file, no store. The server never got the report.
#
#   Part "locked": the erase from the lock page, the app connected and
#   the report with its photo not synced. Locked, no accessible text of
#   the app (names, descriptions, text, window titles) holds the report's
#   words and the store's files hold none of them; the folder is copied
#   as it is. Emergency Erase on the lock page: one confirmation, no offer
#   to sync, saying that reports not yet sent will be lost and that
#   unlocking first lets them be sent; Erase Everything: the first-run
#   page, no Testigo device token left in the keyring (neither this
#   server's nor a second one planted for another server; another
#   program's item stays), no file under the data folder with the
#   report's words, the photo's name or bytes, or the old key file's
#   bytes. Restarted: a new, empty store, not connected. The copy taken
#   before the erase: its store and files beside the new key file (the
#   same passphrase) or with no key file do not open; with its own old
#   key file they do (so the check can fail).
#
#   Part "passphrase": the erase passphrase (set in Preferences) typed at
#   the unlock page erases at once and leaves no Testigo token in the
#   keyring either; restarted, a new, empty store, not connected.
#
# Waits are for states (polled with a bound), never for a fixed time.
#
# Usage: test-at-rest-ui-erase.py TESTIGO TESTIGO-SERVER BUILD LANG PART.
# Reads the store through tests/app/tap_store.py (tg-store-query).
# Needs tools/run-tests.sh's display and buses, gnome-keyring, xdotool;
# skips without them.

import hashlib
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PART = sys.argv[5] if len(sys.argv) > 5 else "online"
# The buses, the server, the app and the steps of the sync UI tests.
_spec = importlib.util.spec_from_file_location("sync_states", os.path.join(HERE, "test-sync-states.py"))
states = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(states)
from tap_atspi import (  # noqa: E402
    accessible_texts, button, find, label_texts, run, skip_all, tap, wait_for, window_named, windows)
import tap_lock  # noqa: E402
from tap_lock import field, sensitive, set_text  # noqa: E402
import tap_scan  # noqa: E402
import tap_store  # noqa: E402

ui = states.ui
T = ui.T
pages = tap_lock.Pages(T)

TITLE = "Detentions at the Quinua market"
HONEST = ("This destroys the key that encrypts the data on this laptop — the reports, their photos and "
          "files, and the sync history — so that what is left is unreadable noise, and removes it. It "
          "cannot hide that Testigo was installed. There are no hidden vaults. Testigo will then start "
          "as on a new laptop.")
OFFER = "Sync Before Erasing?"
CONFIRM = "Erase Everything on This Laptop?"
SYNCED = "The sync is done: the reports are on the server."
STOPPED = "The sync was stopped: what it had not sent is not on the server."
LOCKED = ("Testigo is locked, so it cannot sync first: reports not yet sent to your "
          "organisation’s server will be lost. To send them first, cancel, unlock "
          "Testigo and choose Emergency Erase in the main menu.")
# The lock part's report: a person's name and a place in its title.
LOCKED_TITLE = "Zacarías Quispe taken at Huancapampa"
LOCKED_WORDS = ["Zacarías", "Zacarias", "Quispe", "Huancapampa"]
SCHEMA = "io.github.testigo.Testigo.DeviceToken"


def U(msgid):
    """A label with a mnemonic anywhere ("Erase _Without Syncing") as shown."""
    return T(msgid).replace("_", "")


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def menu_erase(app):
    ui.act(find(app.frame, role="push button", name=T("Main menu"), timeout=10), "a11y.open")
    item = find(app.app, role="menu item", name=U("Emergency _Erase…"), timeout=10)
    if item is not None:
        ui.act(item)
    return item is not None


def texts(window):
    return [t for t in label_texts(window) if t] if window is not None else []


def quit_app(app):
    """Closes the window left (after an erase, the lock window's
    first-run page) with its Close button; the app's exit status."""
    return app.quit(among=windows(app.app))


def leftovers(store):
    """What of the store is still in the data folder: the key file, the
    database and its companions, any blob."""
    found = []
    for name in ("vault.key", "testigo.db", "testigo.db-wal", "testigo.db-shm", "testigo.db-journal"):
        if os.path.exists(os.path.join(store, name)):
            found.append(name)
    for dirpath, _, names in os.walk(os.path.join(store, "blobs")):
        found.extend(os.path.join(dirpath, n) for n in names)
    return found


def fresh_install(app):
    """The first-run page, the main window gone, nothing of the store
    left: as on a new laptop."""
    tap(pages.first_run_shown(app.app), "erased: the first-run page, as on a fresh install")
    tap(find(app.app, role="push button", name=T("New report"), timeout=2) is None,
        "erased: no window shows the reports")
    left = []
    tap(wait_for(lambda: not left.__setitem__(slice(None), leftovers(app.store)) and not left, 20),
        "erased: no key file, no store, no blob in the data folder", repr(left))


def set_up(work, server, photo, title=TITLE):
    """Started, connected, first sync up to date; a report with a photo
    typed and not synced. Returns (bus, app, device id, server URI)."""
    bus = ui.PrivateBus(os.path.join(work, "bus"), keyring=True)
    app = ui.App(os.path.join(work, "app"), bus)
    # Nothing syncs unless asked; no idle lock on a slow machine.
    states.write_settings(app, sync_automatic="false", lock_idle_seconds="0")
    tap(app.start(), "the app starts and unlocks a new store")
    prefs = states.sync_page(app)
    server.admin("user", "add", "lucia", "--role", "monitor")
    code = server.admin("enrol-code", "lucia").strip()
    ui.connect(prefs, server, code, server.fingerprint)
    tap(find(prefs, name=T("Last successful sync"), timeout=90) is not None, "connected to the server")
    ok, seen = ui.wait_description(app, T("Up to date"), 90)
    tap(ok, "the first sync after connecting ends up to date", seen)
    ui.close_window(prefs)
    listed = ui.devices(server)
    device = listed[0]["id"] if len(listed) == 1 else ""
    uri = "https://127.0.0.1:%d" % server.port
    tap(len(bus.secret(uri, device)) >= 16, "the device token is in the keyring")

    tap(states.report_with_photo(app, title, photo), "a report with a photo is typed and stored")
    ok, seen = states.wait_row(app, title, T(states.LOCAL_ONLY), 120)
    tap(ok, "its row reads: only on this laptop", seen)
    tap(title not in ui.server_titles(server, work), "the server does not have it yet")
    return bus, app, device, uri


def run_online(work, server, photo, sha256):
    bus, app, device, uri = set_up(work, server, photo)
    try:
        tap(menu_erase(app), "the main menu has Emergency Erase")
        offer = window_named(app.app, T(OFFER), timeout=30)
        tap(offer is not None and any(T("A sync first sends what the server does not have yet")[:40] in t
                                      for t in texts(offer)),
            "online: the erase first offers to sync", repr(texts(offer)))
        tap(offer is not None and button(offer, U("Erase _Without Syncing"), 5) is not None,
            "the offer also lets the erase go on without syncing")
        first = button(offer, U("_Sync First"), 10) if offer else None
        if first is not None:
            ui.act(first)
        confirm = window_named(app.app, T(CONFIRM), timeout=180)
        body = texts(confirm)
        tap(any(T(SYNCED) in t for t in body) and any(T(HONEST) in t for t in body),
            "after the sync, the confirmation says it is done, then what the erase does", repr(body))
        tap(wait_for(lambda: TITLE in ui.server_titles(server, work), 30),
            "the server holds the report before the erase")
        tap(wait_for(lambda: states.server_has_blob(server, sha256), 30),
            "the server holds the photo, whole (its SHA-256)")
        erase = button(confirm, U("_Erase Everything"), 10) if confirm else None
        if erase is not None:
            ui.act(erase)
        fresh_install(app)
        tap(wait_for(lambda: not bus.secret(uri, device), 20),
            "erased: the device token is gone from the keyring")
        tap(TITLE in ui.server_titles(server, work) and states.server_has_blob(server, sha256),
            "after the erase the server still holds the report and the photo")
        status = quit_app(app)
        tap(status == 0, "the app quits cleanly from the first-run page", "status %r" % status)
        tap(not leftovers(app.store), "after quitting, still nothing of the store", repr(leftovers(app.store)))
    finally:
        app.kill()
        bus.stop()


def run_unreachable(work, server, photo):
    bus, app, device, uri = set_up(work, server, photo)
    key_before = digest(os.path.join(app.store, "vault.key"))
    try:
        # Frozen: the kernel takes the connection, nothing answers.
        server.process.send_signal(signal.SIGSTOP)
        tap(menu_erase(app), "the main menu has Emergency Erase")
        offer = window_named(app.app, T(OFFER), timeout=30)
        tap(offer is not None, "with the server frozen, the offer still comes", repr(texts(offer)))
        first = button(offer, U("_Sync First"), 10) if offer else None
        if first is not None:
            ui.act(first)
        stop = button(app.app, U("_Stop"), 30)
        tap(stop is not None and any(T("Sending the reports to the server before erasing.") in t
                                     for t in label_texts(app.app)),
            "the sync runs, with a Stop button")
        if stop is not None:
            ui.act(stop)
        confirm = window_named(app.app, T(CONFIRM), timeout=60)
        body = texts(confirm)
        tap(any(T(STOPPED) in t for t in body), "stopped: the confirmation says what was not sent is not on the server",
            repr(body))
        cancel = button(confirm, U("_Cancel"), 10) if confirm else None
        if cancel is not None:
            ui.act(cancel)
        tap(wait_for(lambda: window_named(app.app, T(CONFIRM), 0) is None, 20), "Cancel closes the confirmation")
        tap(find(app.frame, contains=TITLE, role="list item", timeout=20) is not None
            and digest(os.path.join(app.store, "vault.key")) == key_before,
            "Cancel erased nothing: the report listed, the key file the same")

        # Gone: connection refused. A sync finds it offline.
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(timeout=20)
        tap(ui.sync_from_popover(app), "Sync Now from the indicator's popover")
        states.set_popover(app, False)
        ok, seen = ui.wait_description(app, T("Offline"), 120)
        tap(ok, "with the server gone the indicator says Offline", seen)
        tap(menu_erase(app), "Emergency Erase again")
        confirm = window_named(app.app, T(CONFIRM), timeout=30)
        body = texts(confirm)
        tap(confirm is not None and window_named(app.app, T(OFFER), 0) is None
            and any(T(HONEST) in t for t in body),
            "offline: no offer to sync, the confirmation at once", repr(body))
        erase = button(confirm, U("_Erase Everything"), 10) if confirm else None
        if erase is not None:
            ui.act(erase)
        fresh_install(app)
        status = quit_app(app)
        tap(status == 0, "the app quits cleanly from the first-run page", "status %r" % status)
        stored = []
        for dirpath, _, names in os.walk(os.path.join(server.dir, "data")):
            for name in names:
                try:
                    with open(os.path.join(dirpath, name), "rb") as f:
                        if TITLE.encode() in f.read():
                            stored.append(name)
                except OSError:
                    pass
        tap(not stored, "the server never got the report (no file of its data holds the title)", repr(stored))
    finally:
        app.kill()
        bus.stop()


def keyring_items(bus, *attributes):
    """The items of the test's keyring matching @attributes (name, value,
    …), as secret-tool prints them: one "[/…]" line each."""
    out = subprocess.run(["secret-tool", "search", "--all"] + list(attributes), env=bus.env,
                         capture_output=True, text=True, timeout=20)
    return [line for line in (out.stdout + out.stderr).splitlines() if line.startswith("[/")]


def plant_secret(bus, label, secret, *attributes):
    subprocess.run(["secret-tool", "store", "--label", label] + list(attributes), env=bus.env,
                   input=secret, text=True, timeout=20, check=True)


def bytes_hits(root, needles):
    """[(path, label)] for every file under @root holding one of
    @needles ((bytes, label) pairs)."""
    hits = []
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = os.path.join(dirpath, name)
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except OSError:
                continue
            hits.extend((path, label) for needle, label in needles if needle in data)
    return hits


def pieces(data, what, n=6, size=48):
    """@n pieces of @size bytes spread over @data after its first 64 (a
    format's header is the same in any file of its type)."""
    step = max(1, (len(data) - 64 - size) // n)
    return [(data[64 + i * step:64 + i * step + size], "%s bytes at %d" % (what, 64 + i * step))
            for i in range(n)]


def opens(data_dir):
    """(True, titles) when the store at @data_dir opens with the suite's
    passphrase; (False, the error's code) when it does not."""
    try:
        db = tap_store.connect(data_dir)
        try:
            return True, [r[0] for r in db.execute("SELECT title FROM reports").fetchall()]
        finally:
            db.close()
    except tap_store.Error as e:
        return False, e.code or str(e)


def blob_reads(data_dir, sha256):
    """(True, digest) when the blob decrypts; (False, the error's code)."""
    try:
        return True, tap_store.blob_digest(data_dir, sha256)
    except tap_store.Error as e:
        return False, e.code or str(e)


def run_locked(work, server, photo, sha256):
    bus, app, device, uri = set_up(work, server, photo, LOCKED_TITLE)
    # A second Testigo token, as another server's enrolment would leave,
    # and another program's secret, which the erase must leave alone.
    plant_secret(bus, "Testigo device token", "a-second-device-token-0123456789", "xdg:schema", SCHEMA,
                 "server", "https://127.0.0.1:1", "device", "another-device")
    plant_secret(bus, "Another program", "not-testigos-secret", "application", "another-program")
    tap(len(keyring_items(bus, "xdg:schema", SCHEMA)) == 2 and keyring_items(bus, "application", "another-program"),
        "the keyring holds two Testigo tokens and another program's secret",
        repr(keyring_items(bus, "xdg:schema", SCHEMA)))
    with open(photo, "rb") as f:
        photo_bytes = f.read()
    copy = os.path.join(work, "copy")
    try:
        seen = accessible_texts(app.app)
        tap([t for t in seen if LOCKED_TITLE in t], "control: unlocked, the report's title is an accessible text")
        ui.act(find(app.frame, role="push button", name=T("Lock"), timeout=10))
        tap(find(app.app, role="label", name=T("Testigo Is Locked"), timeout=90) is not None,
            "the header bar's Lock shows the lock page")
        tap(wait_for(lambda: find(app.app, role="push button", name=T("New report"), timeout=0) is None, 30),
            "locked: the main window is gone")
        seen = accessible_texts(app.app)
        tap(seen and not [t for t in seen if any(w.lower() in t.lower() for w in LOCKED_WORDS)],
            "locked: no accessible text of the app (%d) holds the report's words" % len(seen),
            repr([t for t in seen if any(w.lower() in t.lower() for w in LOCKED_WORDS)]))
        tap(not [w.name for w in windows(app.app) if LOCKED_TITLE in (w.name or "")],
            "locked: no window's title names the report", repr([w.name for w in windows(app.app)]))
        tap(tap_scan.control(app.store), "the scanner finds a word written plain in the data folder")
        hits = tap_scan.plain_hits(app.store, LOCKED_WORDS + ["market.jpg"])
        tap(not hits, "locked: no file under the data folder holds the report's words", repr(hits))
        shutil.copytree(app.store, copy)
        with open(os.path.join(copy, "vault.key"), "rb") as f:
            old_key = f.read()

        lock_erase = button(app.app, U("Emergency _Erase…"), 10)
        tap(lock_erase is not None, "the lock page has Emergency Erase")
        if lock_erase is not None:
            ui.act(lock_erase)
        confirm = window_named(app.app, T(CONFIRM), timeout=60)
        body = texts(confirm)
        tap(confirm is not None and window_named(app.app, T(OFFER), 0) is None,
            "locked: no offer to sync, the confirmation at once", repr([w.name for w in windows(app.app)]))
        tap(any(T(LOCKED) in t for t in body) and any(T(HONEST) in t for t in body),
            "the confirmation says unsent reports will be lost and unlocking first sends them", repr(body))
        erase = button(confirm, U("_Erase Everything"), 10) if confirm else None
        if erase is not None:
            ui.act(erase)
        fresh_install(app)
        tap(wait_for(lambda: not keyring_items(bus, "xdg:schema", SCHEMA), 60),
            "erased from the lock page: no Testigo token left in the keyring, for any server",
            repr(keyring_items(bus, "xdg:schema", SCHEMA)))
        tap(not bus.secret(uri, device), "this server's token is gone")
        tap(len(keyring_items(bus, "application", "another-program")) == 1,
            "another program's secret is still there")
        tap(bytes_hits(copy, [(old_key[-88:], "control")]) != [],
            "the byte scan finds the old key file's slot in the copy")
        plain = [(n, t) for t, n in tap_scan.needles(LOCKED_WORDS + ["market.jpg"])] + pieces(photo_bytes, "photo")
        key_bytes = [(old_key[i:i + 32], "old key file bytes %d" % i) for i in range(0, len(old_key) - 31, 32)]
        hits = bytes_hits(app.store, plain + key_bytes)
        tap(not hits, "erased: no file under the data folder holds the words, the photo's name or bytes, "
            "or the old key file's bytes", repr(hits))
        status = quit_app(app)
        tap(status == 0, "the app quits cleanly from the first-run page", "status %r" % status)

        tap(app.start(), "restarted: the app starts")
        tap(find(app.frame, role="push button", name=T("New report"), timeout=90) is not None
            and os.path.exists(os.path.join(app.store, "vault.key")),
            "restarted: a new store, with a new key file")
        tap(find(app.frame, contains=LOCKED_TITLE, role="list item", timeout=3) is None,
            "restarted: the report is not listed")
        ok, seen = ui.wait_description(app, T("Not connected to a server"), 90)
        tap(ok, "restarted: not connected to a server", seen)
        tap(app.quit() == 0, "the app quits")
        new_key = os.path.join(app.store, "vault.key")

        # The copy taken before the erase.
        ok, seen = opens(copy)
        tap(ok and LOCKED_TITLE in seen, "control: the copy with its own old key file opens", repr(seen))
        tap(blob_reads(copy, sha256) == (True, sha256), "control: the copy's photo decrypts with it")
        beside = os.path.join(work, "copy-beside-new-key")
        shutil.copytree(copy, beside)
        shutil.copyfile(new_key, os.path.join(beside, "vault.key"))
        ok, seen = opens(beside)
        tap(not ok, "the copied store beside the new key file (same passphrase) does not open", repr(seen))
        ok, seen = blob_reads(beside, sha256)
        tap(not ok and seen != "not-found", "nor does the copied photo decrypt", repr(seen))
        alone = os.path.join(work, "copy-no-key")
        shutil.copytree(copy, alone)
        os.unlink(os.path.join(alone, "vault.key"))
        ok, seen = opens(alone)
        tap(not ok, "the copied store with no key file does not open", repr(seen))
        tap(not bytes_hits(alone, plain),
            "the copied store and files hold none of the words or photo bytes in plain")
    finally:
        tap_store._stop_all()
        app.kill()
        bus.stop()


ERASE_PASSPHRASE = "blue kettle under the stairs"


def run_passphrase(work, server, photo):
    bus, app, device, uri = set_up(work, server, photo)
    key_before = digest(os.path.join(app.store, "vault.key"))
    try:
        ui.act(find(app.frame, role="push button", name=T("Main menu"), timeout=10), "a11y.open")
        item = find(app.app, role="menu item", name=U("_Preferences"), timeout=10)
        if item is not None:
            ui.act(item)
        prefs = window_named(app.app, T("Preferences"), timeout=30)
        set_button = button(prefs, U("_Set…"), timeout=20) if prefs else None
        if set_button is not None:
            ui.act(set_button)
        dialog = window_named(app.app, T("Erase Passphrase"), timeout=30)
        if dialog is not None:
            set_text(field(dialog, T("Erase passphrase")), ERASE_PASSPHRASE)
            set_text(field(dialog, T("Confirm erase passphrase")), ERASE_PASSPHRASE)
            ok = button(dialog, U("_Set"), timeout=10)
            wait_for(lambda: sensitive(ok), 30)
            ui.act(ok)
        # Set: the key file's second slot is rewritten (a state that stays,
        # not the toast).
        tap(dialog is not None and
            wait_for(lambda: digest(os.path.join(app.store, "vault.key")) != key_before, 90),
            "Preferences: the erase passphrase is set (the key file rewritten)")
        if prefs is not None:
            ui.close_window(prefs)
        ui.act(find(app.frame, role="push button", name=T("Lock"), timeout=10))
        tap(pages.locked_shown(app.app, 90), "locked")
        pages.unlock(app.app, ERASE_PASSPHRASE)
        fresh_install(app)
        tap(wait_for(lambda: not keyring_items(bus, "xdg:schema", SCHEMA), 60),
            "the erase passphrase: no Testigo token left in the keyring",
            repr(keyring_items(bus, "xdg:schema", SCHEMA)))
        tap(not bus.secret(uri, device), "this server's token is gone")
        status = quit_app(app)
        tap(status == 0, "the app quits cleanly from the first-run page", "status %r" % status)
        tap(app.start(), "restarted: the app starts")
        tap(find(app.frame, role="push button", name=T("New report"), timeout=90) is not None,
            "restarted: a new store")
        tap(find(app.frame, contains=TITLE, role="list item", timeout=3) is None,
            "restarted: the report is not listed")
        ok, seen = ui.wait_description(app, T("Not connected to a server"), 90)
        tap(ok, "restarted: not connected to a server", seen)
        tap(app.quit() == 0, "the app quits")
    finally:
        app.kill()
        bus.stop()


def main():
    if PART not in ("online", "unreachable", "locked", "passphrase"):
        skip_all("unknown part %r" % PART)
    ui.A11Y = ui.a11y_address()
    if not ui.A11Y:
        skip_all("the accessibility bus has no address")
    work = tempfile.mkdtemp(prefix="testigo-erase-sync-")
    server = ui.hostile.Server(ui.SERVER, tls=True)
    try:
        server.start()
        tap(bool(server.fingerprint), "the server starts on loopback HTTPS", server.fingerprint or "")
        photo = os.path.join(work, "market.jpg")
        sha256 = states.make_photo(photo, 5)
        if PART == "online":
            run_online(work, server, photo, sha256)
        elif PART == "locked":
            run_locked(work, server, photo, sha256)
        elif PART == "passphrase":
            run_passphrase(work, server, photo)
        else:
            run_unreachable(work, server, photo)
    finally:
        if server.process is not None and server.process.poll() is None:
            server.process.send_signal(signal.SIGCONT)   # a stopped server cannot end
        server.stop()   # and its folder
        shutil.rmtree(work, ignore_errors=True)


run(main)
