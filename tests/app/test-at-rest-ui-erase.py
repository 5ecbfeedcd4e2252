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
# Waits are for states (polled with a bound), never for a fixed time.
#
# Usage: test-at-rest-ui-erase.py TESTIGO TESTIGO-SERVER BUILD LANG PART.
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
    button, find, label_texts, results, skip_all, tap, wait_for, window_named, windows)

ui = states.ui
T = ui.T

TITLE = "Detentions at the Quinua market"
HONEST = ("This destroys the key that encrypts the data on this laptop — the reports, their photos and "
          "files, and the sync history — so that what is left is unreadable noise, and removes it. It "
          "cannot hide that Testigo was installed. There are no hidden vaults. Testigo will then start "
          "as on a new laptop.")
OFFER = "Sync Before Erasing?"
CONFIRM = "Erase Everything on This Laptop?"
SYNCED = "The sync is done: the reports are on the server."
STOPPED = "The sync was stopped: what it had not sent is not on the server."


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


def first_run_shown(app, timeout=60):
    return find(app.app, role="label", name=T("Protect Your Reports"), timeout=timeout) is not None


def quit_app(app):
    """Closes the window left (after an erase, the lock window's
    first-run page) with its Close button; the app's exit status."""
    for window in windows(app.app):
        close = find(window, role="push button", name=ui.GTK("Close"), timeout=5)
        if close is not None:
            ui.act(close)
            break
    try:
        return app.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        app.kill()
        return None


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
    tap(first_run_shown(app), "erased: the first-run page, as on a fresh install")
    tap(find(app.app, role="push button", name=T("New report"), timeout=2) is None,
        "erased: no window shows the reports")
    left = []
    tap(wait_for(lambda: not left.__setitem__(slice(None), leftovers(app.store)) and not left, 20),
        "erased: no key file, no store, no blob in the data folder", repr(left))


def set_up(work, server, photo):
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

    tap(states.report_with_photo(app, TITLE, photo), "a report with a photo is typed and stored")
    ok, seen = states.wait_row(app, TITLE, T(states.LOCAL_ONLY), 120)
    tap(ok, "its row reads: only on this laptop", seen)
    tap(TITLE not in ui.server_titles(server, work), "the server does not have it yet")
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


def main():
    if PART not in ("online", "unreachable"):
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
        else:
            run_unreachable(work, server, photo)
    finally:
        if server.process is not None and server.process.poll() is None:
            server.process.send_signal(signal.SIGCONT)
            server.process.terminate()
            try:
                server.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.process.kill()
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(server.dir, ignore_errors=True)


try:
    main()
except Exception as e:
    import traceback
    traceback.print_exc()
    tap(False, "the test ran to its end", repr(e))
print("1..%d" % len(results))
sys.exit(0 if results and all(results) else 1)
