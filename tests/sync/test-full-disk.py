#!/usr/bin/python3
# test-full-disk.py — a sync on a full disk loses nothing and doubles nothing
#
#   tests/sync/test-full-disk.py SERVER-BINARY SYNC-DRIVER ENGINE-HEADER
#
# Each store lives on a small tmpfs of its own, mounted in a private mount
# namespace (unshare: as root, or in a user namespace otherwise), so the
# disk can be filled to the last few kilobytes without touching the
# machine's. The real testigo-server runs on 127.0.0.1 with its data on
# the ordinary disk.
#
# 1. A coordinator's laptop pulls 400 reports onto a full disk: the sync
#    fails with the engine's LOCAL error ("Nothing was lost"), the store
#    passes SQLite's integrity check, and once there is room again the
#    next sync brings exactly the server's revisions, none twice.
# 2. A monitor's laptop pushes 200 reports with a full disk: the server
#    may take them while the laptop cannot record that it did; once there
#    is room, the next sync ends ok, and the server holds exactly the
#    laptop's revisions, none twice, and the laptop shows nothing pending.
#
# TAP on stdout; exit 0 when every check held. Bounded: each driver run
# has its own timeout.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "server"))
sys.path.insert(0, os.path.join(HERE, "..", "app"))   # tap_store: the store, plain or encrypted
sys.path.insert(0, HERE)
import hostile  # noqa: E402
from synclib import run_driver  # noqa: E402
import tap_store  # noqa: E402

SERVER_CONFIG = "rate-limit=100000\nrate-burst=100000\n"
MARK = "TESTIGO_FULL_DISK_NAMESPACE"
results = []


def check(name, ok, detail=""):
    results.append(bool(ok))
    print("%s %d - %s%s" % ("ok" if ok else "not ok", len(results), name,
                            (" # " + detail) if detail else ""), flush=True)


def diag(text):
    print("# " + text, flush=True)


def error_code(header, name):
    """The value of TG_SYNC_ERROR_@name in the engine's header."""
    with open(header) as f:
        text = f.read()
    body = re.search(r"typedef enum\s*\{(.*?)\}\s*TgSyncError;", text, re.S).group(1)
    names = re.findall(r"TG_SYNC_ERROR_(\w+)", body)
    return names.index(name)


class Disk:
    """A tmpfs of @size bytes at @path; fill() leaves @room bytes free."""

    def __init__(self, path, size):
        self.path = path
        os.makedirs(path)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%d" % size, "tmpfs", path], check=True)
        self.filler = os.path.join(path, "filler")

    def free(self):
        st = os.statvfs(self.path)
        return st.f_bavail * st.f_frsize

    def fill(self, room):
        with open(self.filler, "ab") as f:
            chunk = b"\0" * 65536
            while self.free() > room + len(chunk):
                f.write(chunk)
                f.flush()
                os.fsync(f.fileno())
            rest = self.free() - room
            if rest > 0:
                f.write(b"\0" * rest)
            f.flush()
            os.fsync(f.fileno())

    def empty(self):
        os.unlink(self.filler)

    def unmount(self):
        subprocess.run(["umount", self.path], check=False)


def store_revisions(store):
    db = tap_store.connect(os.path.join(store, "testigo.db"))
    try:
        return [row[0] for row in db.execute("SELECT rev_id FROM revisions")]
    finally:
        db.close()


def integrity(store):
    db = tap_store.connect(os.path.join(store, "testigo.db"))
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()


def pull_all(server, token):
    revisions, since = [], 0
    for _ in range(10000):
        status, _, body = hostile.request(server, "GET", "/api/v1/pull?since=%d&limit=1000" % since,
                                          headers={"Authorization": "Bearer " + token})
        if status != 200:
            raise RuntimeError("pull: %d %r" % (status, body[:200]))
        page = json.loads(body)
        revisions.extend(page["revisions"])
        since = page["next"]
        if not page["more"]:
            break
    return revisions


def token_of(store):
    with open(os.path.join(store, "sync-driver.token")) as f:
        return f.read().strip()


def main():
    server_binary, driver, header = sys.argv[1:4]
    local = error_code(header, "LOCAL")
    top = tempfile.mkdtemp(prefix="testigo-full-disk-")
    server = hostile.Server(server_binary, SERVER_CONFIG)
    disks = []
    try:
        server.start()
        uri = "https://127.0.0.1:%d" % server.port

        def enrol(store, user, role, extra=()):
            server.admin("user", "add", user, "--role", role)
            code = server.admin("enrol-code", user).strip()
            run = run_driver(driver, ["--store", store, "--server", uri, "--fingerprint",
                                      server.fingerprint, "--code", code, "--seed", "7"] + list(extra), 300)
            if run.returncode != 0:
                raise RuntimeError("enrolment of %s failed: %s" % (user, run.stderr[-300:]))
            return run

        def sync(store):
            return run_driver(driver, ["--store", store, "--syncs", "1", "--timeout", "300"], 360)

        # ---- 1. a coordinator pulls onto a full disk ----------------------
        source = os.path.join(top, "ana")
        enrol(source, "ana", "monitor", ["--make-reports", "400", "--syncs", "1"])
        disk = Disk(os.path.join(top, "coordinadora-disk"), 16 * 1024 * 1024)
        disks.append(disk)
        coordinator = os.path.join(disk.path, "store")
        enrol(coordinator, "coordinadora", "coordinator")
        disk.fill(96 * 1024)
        run = sync(coordinator)
        entry = run.sync()
        check("a pull onto a full disk fails with the LOCAL error",
              entry is not None and entry["outcome"] != "ok" and entry["error_code"] == local,
              "outcome %s, error code %s, %s" % (entry and entry["outcome"], entry and entry["error_code"],
                                                 entry and entry["error"]))
        check("its message says nothing was lost",
              entry is not None and "Nothing was lost" in (entry["error"] or ""), entry and entry["error"])
        held = len(store_revisions(coordinator))
        diag("%d revisions recorded before the disk filled" % held)
        disk.empty()
        check("the store passes SQLite's integrity check", integrity(coordinator) == "ok")
        run = sync(coordinator)
        entry = run.sync()
        check("with room again, the next sync ends ok", entry is not None and entry["outcome"] == "ok",
              entry and entry["error"])
        on_server = [r["id"] for r in pull_all(server, token_of(coordinator))]
        in_store = store_revisions(coordinator)
        check("the coordinator holds exactly the server's %d revisions, none twice" % len(on_server),
              sorted(in_store) == sorted(set(on_server)) and len(on_server) == len(set(on_server)),
              "%d in the store" % len(in_store))

        # ---- 2. a monitor pushes with a full disk --------------------------
        disk = Disk(os.path.join(top, "rosa-disk"), 16 * 1024 * 1024)
        disks.append(disk)
        monitor = os.path.join(disk.path, "store")
        enrol(monitor, "rosa", "monitor", ["--make-reports", "200"])
        made = store_revisions(monitor)
        disk.fill(16 * 1024)
        run = sync(monitor)
        entry = run.sync()
        check("a push with a full disk does not end ok",
              entry is None or entry["outcome"] != "ok",
              "outcome %s: %s" % (entry and entry["outcome"], entry and entry["error"]))
        disk.empty()
        check("the monitor's store passes SQLite's integrity check", integrity(monitor) == "ok")
        run = sync(monitor)
        entry = run.sync()
        check("with room again, the next sync ends ok with nothing pending",
              entry is not None and entry["outcome"] == "ok" and entry["pending"]["n_revisions"] == 0,
              entry and "%s %s" % (entry["error"], entry["pending"]))
        mine = set(made)
        pushed = [r["id"] for r in pull_all(server, token_of(coordinator)) if r["id"] in mine]
        check("the server holds each of the monitor's %d revisions exactly once" % len(made),
              sorted(pushed) == sorted(made), "%d of them on the server" % len(pushed))
        check("the monitor's store still holds all %d of its revisions" % len(made),
              set(store_revisions(monitor)) >= mine)
    finally:
        server.stop()
        for disk in disks:
            disk.unmount()
        shutil.rmtree(top, ignore_errors=True)
    print("1..%d" % len(results))
    return 0 if all(results) else 1


if __name__ == "__main__":
    if os.environ.get(MARK) != "1":
        os.environ[MARK] = "1"
        argv = ["unshare", "--mount", "--propagation", "private"]
        if os.geteuid() != 0:
            argv += ["--map-root-user"]
        probe = subprocess.run(argv + ["true"], capture_output=True)
        if probe.returncode != 0:
            print("1..0 # SKIP no private mount namespace here: %s" % probe.stderr.decode().strip())
            sys.exit(0)
        os.execvp("unshare", argv + [sys.executable] + sys.argv)
    sys.exit(main())
