#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The app itself (testigo, not tests/sync/sync-driver) SIGKILLed in the
# middle of its syncs, round after round, then one sync that converges;
# against the real testigo-server on loopback HTTPS reached through
# tests/sync/fault-proxy.py (which slows the link so a sync lasts, and
# counts the bytes that go up):
#
#   Enrolment, on an empty store: the app starts on a new data folder
#   (its vault made with $TESTIGO_PASSPHRASE), is connected from its Sync
#   page through the proxy (pinned fingerprint; the token in
#   gnome-keyring on the test's private bus), the first sync ends up to
#   date, the app quits. Automatic sync is off in its settings, so only
#   the test starts a sync.
#
#   Each round: tests/sync/sync-driver adds reports, edits and files
#   (150-450 kB of random bytes each) to the app's own store (opened with
#   the vault, so it stays encrypted); the link is slowed; testigo starts
#   and "Sync Now" is pressed in the indicator's popover; once the proxy
#   has seen this round's drawn number of bytes go up (every third round
#   within the revisions' push on 96 kbit/s, the others anywhere up to 80 %
#   of the files waiting on 1-2 Mbit/s: the kill point is drawn from the
#   proxy's byte count, never from time) the app is SIGKILLed and the
#   proxy drops what is left of its connections. The server takes chunks
#   of 64 KiB at most, so a kill falls between a file's chunks. A round
#   counts as killed mid-sync when bytes went up and the server still
#   lacks some of the store's revisions or files. After each kill the
#   store must open clean: SQLite's quick_check says "ok" and the next
#   driver run and the next start open it; the server never holds a
#   revision twice; a file left part-way ends on a chunk's boundary there.
#
#   At the end: the link fast, the app started once more, Sync Now, the
#   indicator reads "Up to date", and the bytes that went up are no more
#   than what the server lacked (plus headers): the files left part-way
#   resumed at the server's offset. The app quits cleanly. A coordinator
#   pulls the server (fault-sync.py's Harness.compare()): every revision
#   of the store there once and only once, every file a live report names
#   downloads byte-identical (SHA-256) and the store's copy hashes to its
#   name; the store reads back every report and file the driver made.
#
# The suite's app-sync-kill runs 3 kills. The long run (docs/benchmarks.md,
# "Killing the app mid-sync") asks for more with TESTIGO_KILL_ROUNDS=N or
# --rounds N. Waits are for states (polled with a bound), never for a
# fixed time.
#
# Usage: test-sync-kill.py TESTIGO TESTIGO-SERVER BUILD LANG SYNC-DRIVER
# [--rounds N] [--seed S]. Needs tools/run-tests.sh's display and buses and
# gnome-keyring; skips without them.

import argparse
import importlib.util
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The buses, the app and the sync UI steps (test-sync-states.py imports
# test-sync-ui.py); the server, the proxy, the driver and the comparison
# of the fault runs.
states = load("sync_states", os.path.join(HERE, "test-sync-states.py"))
faults = load("fault_sync", os.path.join(HERE, "..", "sync", "fault-sync.py"))
from tap_atspi import run, skip_all, tap, wait_for  # noqa: E402
import tap_store  # noqa: E402

ui = states.ui
T = ui.T
# Harness.compare() reports through fault-sync.py's check(): one TAP stream.
faults.check = lambda name, ok, detail="": tap(bool(ok), name, detail)
# The server takes chunks of 64 KiB at most, so the app (1 MiB by
# default) sends each file in several and a kill can fall between them.
CHUNK = 65536
faults.SERVER_CONFIG += "max-chunk-bytes=%d\n" % CHUNK

_p = argparse.ArgumentParser(prog="test-sync-kill.py")
_p.add_argument("driver")
_p.add_argument("--rounds", type=int, default=int(os.environ.get("TESTIGO_KILL_ROUNDS", "3")),
                help="kills mid-sync asked for (default 3, or $TESTIGO_KILL_ROUNDS)")
_p.add_argument("--seed", type=int, default=None)
OPTIONS = _p.parse_args(sys.argv[5:])
ROUNDS = OPTIONS.rounds
# Room for kills that came too late (the sync had ended) or too early.
MAX_ROUNDS = ROUNDS + max(3, ROUNDS // 2)
NOT_READY = ("", T("Not connected to a server"), T("Opening the keyring…"))


def diag(text):
    print("# " + text, flush=True)


class Up:
    """The bytes the proxy saw go up, from a mark on."""

    def __init__(self, proxy):
        self.proxy = proxy
        self.mark = proxy.stats()["bytes_up"]

    def since(self):
        return self.proxy.stats()["bytes_up"] - self.mark


def start_and_sync(app):
    """Starts the app, waits until it knows it is connected (the token read
    from the keyring), then Sync Now from the indicator's popover. True
    once the app shows its window and the button was pressed."""
    if not app.start():
        return False
    node = ui.indicator(app)
    if node is None:
        return False
    if not wait_for(lambda: ui.description(node) not in NOT_READY, 60):
        diag("the indicator still says %r" % ui.description(node))
        return False
    return ui.sync_from_popover(app)


def sync_began(app, up, figures):
    """The sync Sync Now asked for has begun: the indicator reads
    "Syncing" or bytes went up. Under load an action sent over AT-SPI
    can be lost: once, the state is printed and Sync Now pressed again."""
    node = ui.indicator(app)

    def began():
        return up.since() > 0 or ui.description(node).startswith(T("Syncing: %d %%").split("%")[0].strip())
    if wait_for(began, 60):
        return True
    figures["sync_now_again"] += 1
    diag("Sync Now began nothing in 60 s: the indicator says %r, the popover %r; once more"
         % (ui.description(node), [t for t in ui.label_texts(app.app) if t][:12]))
    ui.sync_from_popover(app)
    return wait_for(began, 60)


def store_state(store):
    """The store's revision ids, live reports, and SQLite's quick_check."""
    db = tap_store.connect(os.path.join(store, "testigo.db"))
    try:
        check = db.execute("PRAGMA quick_check").fetchall()
        revisions = set(row[0] for row in db.execute("SELECT rev_id FROM revisions"))
        reports = db.execute("SELECT count(*) FROM reports WHERE deleted = 0").fetchone()[0]
    finally:
        db.close()
    return check, revisions, reports


def left_to_send(h):
    """The store's revisions the server lacks, the files it does not hold
    whole, and how many revision ids the server holds more than once."""
    ids = [r["id"] for r in h.pull_all()]
    _, revisions, _ = store_state(h.store)
    files = [sha for sha in h.files if not states.server_has_blob(h.server, sha)]
    return revisions - set(ids), files, len(ids) - len(set(ids))


def add_data(h, rng, figures):
    """A few reports, edits and files added to the app's store (encrypted:
    the driver opens it with the vault)."""
    made = h.driver(["--make-reports", str(rng.randint(2, 5)), "--make-files", str(rng.randint(2, 3)),
                     "--file-size", str(rng.randint(150000, 450000)), "--edit", str(rng.randint(1, 3)),
                     "--seed", str(rng.randrange(1 << 30))])
    if made.returncode != 0 or made.made() is None:
        figures["open_failures"] += 1
        diag("the driver could not add data: %s" % made.stderr.strip()[-300:])
        return False
    h.remember_made(made)
    figures["reports"] += made.made()["reports"]
    return True


def enrol(h, app, bus):
    """On an empty store: connected from the Sync page, the first sync up
    to date, the app quit; the token in the keyring, the address kept."""
    tap(app.start(), "the app starts on a new, empty store")
    prefs = states.sync_page(app)
    tap(prefs is not None, "its Sync page opens")
    h.server.admin("user", "add", "ana", "--role", "monitor")
    code = h.server.admin("enrol-code", "ana").strip()
    ui.connect(prefs, h.proxy, code, h.server.fingerprint)
    ok, seen = ui.wait_description(app, T("Up to date"), 120)
    tap(ok, "connected through the proxy: the first sync ends up to date", seen)
    ui.close_window(prefs)
    status = app.quit()
    tap(status == 0, "the app quits cleanly", "status %r" % status)
    uri = "https://127.0.0.1:%d" % h.proxy.port
    kept = [d["id"] for d in ui.devices(h.server) if bus.secret(uri, d["id"])]
    db = tap_store.connect(os.path.join(h.store, "testigo.db"))
    try:
        account = db.execute("SELECT value FROM meta WHERE key = 'sync_server_uri'").fetchall()
    finally:
        db.close()
    tap(len(kept) == 1 and account == [(uri,)],
        "the token is in the keyring and the account in the store", "%r %r" % (kept, account))
    # the app's token: the test asks the server for its upload offsets
    h.monitor_token = bus.secret(uri, kept[0]) if kept else None


def kill_mid_sync(h, app, number, rng, figures):
    """One round: data added, the link slowed, the app started and Sync
    Now pressed, the app SIGKILLed once this round's number of bytes went
    up; then the store is checked."""
    began = time.monotonic()
    add_data(h, rng, figures)
    revisions, files, _ = left_to_send(h)
    # what of them must still go up: a file a kill left part-way resumes
    offsets = h.offsets() if h.monitor_token else {}
    waiting = sum(h.files[sha] - offsets.get(sha, 0) for sha in files)
    # Where this round's kill falls. Every third round (the 2nd, 5th…):
    # among the revisions' batches (a few kB, each revision's JSON about
    # 1-2 kB), on a link so thin (96 kbit/s) that the kill lands within a
    # few hundred bytes of the drawn count; the others: anywhere up to
    # far into the files' chunks, on 1-2 Mbit/s.
    if number % 3 == 2:
        phase = "revisions"
        target = rng.randint(2000, 3000 + 1500 * len(revisions))
        h.proxy.configure(rate_kbit=96, latency_ms=rng.choice((0, 10, 50)))
    else:
        phase = "files"
        target = rng.randint(2000, max(3000, int(waiting * 0.8)))
        h.proxy.configure(rate_kbit=rng.choice((1000, 2000)), latency_ms=rng.choice((0, 10, 50)))
    up = Up(h.proxy)
    started = start_and_sync(app) and sync_began(app, up, figures)
    if not started:
        figures["start_failures"] += 1
        diag("round %d: the app did not start, or its sync could not be asked for" % number)
    reached = started and wait_for(lambda: up.since() >= target, 120)
    app.kill()                     # Popen.kill(): SIGKILL
    sent = up.since()
    h.proxy.command("cut-all")     # what is left of its connections
    after_revisions, after_files, doubled = left_to_send(h)
    mid = reached and sent > 0 and bool(after_revisions or after_files)
    figures["rounds"] += 1
    figures["doubled"] += doubled
    if mid:
        figures["kills"] += 1
    check, _, _ = store_state(h.store)
    if check != [("ok",)]:
        figures["unclean"] += 1
    # The files the kill left part-way, as the server verified them: on
    # a chunk's boundary (it keeps no partial chunk).
    offsets = h.offsets()
    partial = [sha for sha, offset in offsets.items() if 0 < offset < h.files[sha]]
    figures["partial_files"] += len(partial)
    figures["misaligned"] += len([sha for sha in partial if offsets[sha] % CHUNK != 0])
    figures["in_revisions"] += 1 if mid and after_revisions else 0
    diag("round %d: %d revisions and %d files (%d bytes) waited; killed after %d bytes up (drawn %d, in "
         "the %s): %d revisions and %d files still to send (%d part-way)%s; quick_check %s; %.0f s: %s"
         % (number, len(revisions), len(files), waiting, sent, target, phase, len(after_revisions),
            len(after_files), len(partial), ", %d revisions doubled" % doubled if doubled else "",
            check[0][0] if check else "-", time.monotonic() - began,
            "killed mid-sync" if mid else "NOT mid-sync"))


def final(h, app, figures):
    h.proxy.configure(rate_kbit=0, latency_ms=0)
    h.proxy.command("cut-all")
    # What is left to send, and how much of it the server already has:
    # the files the kills left part-way resume at the server's offset.
    revisions, files, _ = left_to_send(h)
    offsets = h.offsets()
    held = sum(offsets.get(sha, 0) for sha in files)
    remaining = sum(h.files[sha] for sha in files) - held
    up = Up(h.proxy)
    before = h.proxy.stats()["connections"]
    tap(start_and_sync(app) and sync_began(app, up, figures),
        "after the kills the app starts again and Sync Now begins a sync")
    ok, seen = ui.wait_description(app, T("Up to date"), 240)
    if not ok:
        # a stale upload a kill left (the server's 409) or a backoff: once more
        diag("the first sync after the kills ended %r; Sync Now once more" % seen)
        figures["extra_syncs"] += 1
        ui.sync_from_popover(app)
        ok, seen = ui.wait_description(app, T("Up to date"), 240)
    tap(ok, "one sync after the kills ends up to date", seen)
    # Bytes up: what was left of the files, the revisions' JSON (3 kB
    # each at most), a TLS handshake a connection (16 kB), requests'
    # headers and TLS records (3 %), an offset asked per file (4 kB), and
    # for a second sync the chunks a stale upload's 409s may cost (6).
    # An engine that sent the files again from byte 0 sends `held` more.
    sent = up.since()
    connections = h.proxy.stats()["connections"] - before
    allowed = int(remaining * 1.03 + 3000 * len(revisions) + 16384 * connections + 4096 * len(files) +
                  6 * CHUNK * figures["extra_syncs"])
    figures["final_up"], figures["final_allowed"], figures["resumed_bytes"] = sent, allowed, held
    tap(sent <= allowed, "the last sync sends only what the server lacks: %d bytes up for %d file bytes left "
        "of %d files (%d bytes of theirs already on the server) and %d revisions"
        % (sent, remaining, len(files), held, len(revisions)), "allowed %d" % allowed)
    status = app.quit()
    tap(status == 0, "the app quits cleanly", "status %r" % status)
    h.compare()
    db = tap_store.connect(os.path.join(h.store, "testigo.db"))
    try:
        integrity = db.execute("PRAGMA integrity_check").fetchall()
        reports = db.execute("SELECT count(*) FROM reports WHERE deleted = 0").fetchone()[0]
    finally:
        db.close()
    tap(integrity == [("ok",)], "the store's database is whole after the kills", repr(integrity[:3]))
    tap(reports == figures["reports"], "the store reads back the %d reports the driver made" % figures["reports"],
        "%d" % reports)
    unread = [sha[:12] for sha in h.files if tap_store.blob_digest(h.store, sha) != sha]
    tap(not unread, "and every one of the %d files it made, hashing to its name" % len(h.files),
        ", ".join(unread[:5]))


def main():
    ui.A11Y = ui.a11y_address()
    if not ui.A11Y:
        skip_all("the accessibility bus has no address")
    seed = OPTIONS.seed if OPTIONS.seed is not None else int.from_bytes(os.urandom(4), "little")
    diag("seed %d, %d kills asked" % (seed, ROUNDS))
    rng = random.Random(seed)
    o = argparse.Namespace(seed=seed, server_binary=ui.SERVER, driver=OPTIONS.driver, chunk_size=CHUNK,
                           sync_timeout=120, max_minutes=15)
    h = faults.Harness(o)
    bus = None
    app = None
    figures = {"rounds": 0, "kills": 0, "reports": 0, "start_failures": 0, "open_failures": 0,
               "unclean": 0, "doubled": 0, "extra_syncs": 0, "in_revisions": 0,
               "partial_files": 0, "misaligned": 0, "sync_now_again": 0}
    started = time.monotonic()
    try:
        h.server.start()
        tap(bool(h.server.fingerprint), "the server starts on loopback HTTPS", h.server.fingerprint or "")
        h.coordinator_token = h.server.enrol("coordinadora", "coordinator")
        # the proxy stops by itself after this long: a bound on the run
        h.proxy = faults.Proxy(h.server.port, seed, 600 + 300 * MAX_ROUNDS)
        bus = ui.PrivateBus(os.path.join(h.dir, "bus"), keyring=True)
        app = ui.App(h.dir, bus)   # its store is h.store, the one the driver adds to
        states.write_settings(app, sync_automatic="false")
        enrol(h, app, bus)
        number = 0
        while figures["kills"] < ROUNDS and number < MAX_ROUNDS:
            number += 1
            kill_mid_sync(h, app, number, rng, figures)
        diag("%d rounds, %d killed mid-sync, %.0f s" % (figures["rounds"], figures["kills"],
                                                        time.monotonic() - started))
        tap(figures["kills"] >= ROUNDS, "the app was SIGKILLed mid-sync in %d of %d rounds (asked %d)"
            % (figures["kills"], figures["rounds"], ROUNDS))
        tap(figures["start_failures"] == 0, "the app started and synced on demand after every kill",
            "%d failed" % figures["start_failures"])
        tap(figures["open_failures"] == 0 and figures["unclean"] == 0,
            "after every kill the store opened clean (quick_check, the driver)",
            "%d not opened, %d not clean" % (figures["open_failures"], figures["unclean"]))
        tap(figures["doubled"] == 0, "after no kill did the server hold a revision twice",
            "%d doubled" % figures["doubled"])
        tap(figures["misaligned"] == 0, "the files left part-way (%d) end on a chunk's boundary on the server"
            % figures["partial_files"], "%d misaligned" % figures["misaligned"])
        final(h, app, figures)
        diag("figures: %r" % figures)
    finally:
        if app is not None:
            app.kill()
        if bus is not None:
            bus.stop()
        h.stop()
    diag("%.0f s" % (time.monotonic() - started))


run(main)
