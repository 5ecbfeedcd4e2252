#!/usr/bin/python3
# bench-sync.py — the sync benchmark: a first sync on loopback, and a day's
# work over a poor link
#
#   tests/sync/bench-sync.py --server-binary build/src/server/testigo-server
#       --driver build/tests/sync/sync-driver [--parts loopback,poor-link]
#       [--reports 10000] [--photos 500] [--photo-bytes 2000000]
#       [--poor-reports 20] [--poor-photos 10] [--poor-photo-bytes 2000000]
#       [--poor-seconds 300] [--file-kind random|jpeg] [--chunk-size B]
#       [--check]
#
# Loopback (docs/benchmarks.md, "Sync"): a store with --reports reports and
# --photos files of --photo-bytes random bytes makes its first sync to the
# real testigo-server through fault-proxy.py in pass-through mode (no
# fault, no throttle), which counts the bytes on the wire both ways.
# Printed: the sync's time (the driver's entry, and the process's wall
# time), the wire bytes against the payload (the files' bytes plus the
# revisions' wire form, pulled back from the server by a coordinator to
# weigh them) — the overhead ratio, target <= 1.10 — and the driver's peak
# memory (VmHWM), target < 150 MB. The same is first run with a tenth of
# the reports and photos, to show memory does not grow with the store.
#
# Poor link: --poor-reports reports and --poor-photos photos of their own
# reports, synced through the proxy at 256 kbit/s with 500 ms latency each
# way and every connection cut every 60 s. A watcher on a direct
# connection (no proxy) notes when each report first appears in a
# coordinator's pull, when the first bytes of each original reach the
# server (its partial file in the server's data folder grows) and when its
# verified upload offset first moves (the monitor's own offset query); the
# driver's phases are timed too. Targets: every report on the server before any original
# photo, all reports within 120 s. The run ends when every photo is up or
# after --poor-seconds.
#
# Sizes are flags so a quick run takes a minute (--reports 1000 --photos
# 20 --photo-bytes 200000 --poor-photo-bytes 200000). The last line is
# one JSON object of every figure. --check exits 1 when a target is
# missed; exit 2 when the benchmark itself could not run.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "server"))
sys.path.insert(0, os.path.join(HERE, "..", "app"))   # tap_store: the store, plain or encrypted
sys.path.insert(0, HERE)
import hostile  # noqa: E402
from synclib import Proxy, diag, run_driver  # noqa: E402
import tap_store  # noqa: E402

SERVER_CONFIG = "rate-limit=100000\nrate-burst=100000\n"
MB = 1000 * 1000


def load():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


class Bench:
    def __init__(self, o):
        self.o = o
        self.dir = tempfile.mkdtemp(prefix="testigo-bench-sync-")
        self.server = None
        self.proxy = None
        self.coordinator = None
        self.figures = {"load_at_start": load()}
        self.missed = []

    def start_server(self):
        self.server = hostile.Server(self.o.server_binary, SERVER_CONFIG)
        self.server.start()
        self.coordinator = self.server.enrol("coordinadora", "coordinator")

    def stop_server(self):
        if self.proxy is not None:
            self.proxy.stop()
            self.proxy = None
        if self.server is not None:
            self.server.stop()
            self.server = None

    def api(self, path, token, sock=None):
        return hostile.request(self.server, "GET", path, headers={"Authorization": "Bearer " + token},
                               sock=sock)

    def revision_bytes(self):
        """The revisions on the server in their wire form, and how many."""
        total, count, since = 0, 0, 0
        while True:
            status, _, body = self.api("/api/v1/pull?since=%d&limit=1000" % since, self.coordinator)
            if status != 200:
                raise RuntimeError("pull: %d" % status)
            page = json.loads(body)
            for revision in page["revisions"]:
                revision.pop("server_seq", None)
                total += len(json.dumps(revision))
                count += 1
            since = page["next"]
            if not page["more"]:
                return total, count

    def driver(self, store, args, timeout, **kw):
        run = run_driver(self.o.driver, ["--store", store] + args, timeout, **kw)
        if run.returncode == 4:
            raise RuntimeError("sync-driver: %s" % run.stderr.strip()[-500:])
        return run

    def make_store(self, name, reports, photos, photo_bytes, user):
        """A store with the data made and enrolled through the proxy;
        returns (store, files made)."""
        store = os.path.join(self.dir, name)
        started = time.monotonic()
        files = []
        # files in batches, so the made event stays small
        left = photos
        made = self.driver(store, ["--make-reports", str(reports), "--seed", "1"], 3600).made()
        while left > 0:
            n = min(left, 50)
            run = self.driver(store, ["--make-files", str(n), "--file-size", str(photo_bytes),
                                      "--file-kind", self.o.file_kind, "--seed", str(1000 + left)], 3600)
            files.extend(run.made()["files"])
            left -= n
        diag("%s: %d reports and %d files of %d bytes made in %.1f s"
             % (name, (made or {}).get("count", reports), len(files), photo_bytes,
                time.monotonic() - started))
        self.server.admin("user", "add", user, "--role", "monitor")
        code = self.server.admin("enrol-code", user).strip()
        run = self.driver(store, ["--server", "https://127.0.0.1:%d" % self.proxy.port,
                                  "--fingerprint", self.server.fingerprint, "--code", code], 120)
        if run.returncode != 0:
            raise RuntimeError("enrolment failed: %s" % run.stderr.strip()[-500:])
        return store, files

    # ---- loopback --------------------------------------------------------------

    def loopback(self, label, reports, photos):
        self.start_server()
        self.proxy = Proxy(self.server.port, 1, 24 * 3600)
        try:
            store, files = self.make_store("loopback-%s" % label, reports, photos, self.o.photo_bytes,
                                           "ana-%s" % label)
            payload_files = sum(f["size"] for f in files)
            before = self.proxy.stats()
            started = time.monotonic()
            limit = ["--sqlite-heap-limit-kb", str(self.o.sqlite_heap_limit_mb * 1024)] \
                if self.o.sqlite_heap_limit_mb else []
            run = self.driver(store, ["--syncs", "1", "--send-originals", "--chunk-size",
                                      str(self.o.chunk_size), "--timeout", "7200"] + limit, 7300)
            wall = time.monotonic() - started
            after = self.proxy.stats()
            entry = run.sync()
            if entry is None or entry["outcome"] != "ok":
                raise RuntimeError("the loopback sync did not end ok: %s %s"
                                   % (entry and entry.get("error"), run.stderr.strip()[-300:]))
            thumbnails = sum(os.path.getsize(os.path.join(store, "blobs", f["thumbnail"][:2],
                                                          f["thumbnail"][2:]))
                             for f in files if f.get("thumbnail"))
            revision_bytes, n_revisions = self.revision_bytes()
            up = after["bytes_up"] - before["bytes_up"]
            down = after["bytes_down"] - before["bytes_down"]
            payload = payload_files + thumbnails + revision_bytes
            figures = {
                "reports": reports, "photos": photos, "photo_bytes": self.o.photo_bytes,
                "revisions_on_server": n_revisions,
                "seconds": entry["duration_us"] / 1e6, "wall_seconds": wall,
                "bytes_up": up, "bytes_down": down, "connections": after["connections"] - before["connections"],
                "payload": payload, "payload_files": payload_files + thumbnails,
                "payload_revisions": revision_bytes,
                "overhead_ratio": (up + down) / payload if payload else None,
                "vm_hwm_mb": entry["vm_hwm_kb"] / 1000, "n_connections": entry["n_connections"],
                "sqlite_heap_hwm_mb": entry["sqlite_heap_hwm_kb"] * 1024 / 1e6,
                "load": load(),
            }
            diag("loopback %s: %d reports, %d photos: sync %.1f s (wall %.1f s), %.1f MB up, %.1f MB down, "
                 "payload %.1f MB (revisions %.1f MB): overhead %.3f; VmHWM %.1f MB (SQLite's heap at most "
                 "%.1f MB); %d connections"
                 % (label, reports, photos, figures["seconds"], wall, up / MB, down / MB, payload / MB,
                    revision_bytes / MB, figures["overhead_ratio"] or 0, figures["vm_hwm_mb"],
                    figures["sqlite_heap_hwm_mb"], figures["n_connections"]))
            return figures
        finally:
            self.stop_server()

    # ---- the poor link -----------------------------------------------------------

    def poor_link(self):
        o = self.o
        self.start_server()
        self.proxy = Proxy(self.server.port, 1, o.poor_seconds + 3600)
        try:
            store, files = self.make_store("poor-link", 0, 0, 0, "rosa")
            # the day's work: reports first made, then photos on reports of
            # their own (each photo's report is one of the reports counted)
            n_plain = max(0, o.poor_reports - o.poor_photos)
            run = self.driver(store, ["--make-reports", str(n_plain), "--make-files", str(o.poor_photos),
                                      "--file-size", str(o.poor_photo_bytes), "--file-kind", o.file_kind,
                                      "--seed", "7"], 600)
            made = run.made()
            files = made["files"]
            originals = [f["sha256"] for f in files]
            with open(os.path.join(store, "sync-driver.token")) as f:
                monitor = f.read().strip()
            self.proxy.configure(rate_kbit=256, latency_ms=500, cut_every=60)

            seen = {}              # record id → seconds when first pulled
            moved = {}             # original sha → seconds when its offset first moved
            arrived = {}           # original sha → seconds when its first bytes reached the server
            partial_dir = os.path.join(self.server.dir, "data", "partial")
            complete = {}
            phases = []
            stop = threading.Event()
            looks = [0]            # the watcher's completed looks
            t0 = time.monotonic()

            def watch():
                since, sock = 0, None
                while not stop.is_set():
                    looks[0] += 1
                    try:
                        if sock is None:
                            sock = hostile.connect(self.server)
                        status, _, body = self.api("/api/v1/pull?since=%d" % since, self.coordinator, sock)
                        now = time.monotonic() - t0
                        if status == 200:
                            page = json.loads(body)
                            for revision in page["revisions"]:
                                seen.setdefault(revision["record"], now)
                            since = page["next"]
                        # the server writes a chunk's bytes into its
                        # partial file as they arrive (and keeps them only
                        # once the chunk checks out): the first bytes of an
                        # original on the server, seen in its folder
                        try:
                            names = os.listdir(partial_dir)
                        except OSError:
                            names = []
                        for name in names:
                            sha = name.split(".")[0]
                            if sha in originals and sha not in arrived:
                                try:
                                    if os.path.getsize(os.path.join(partial_dir, name)) > 0:
                                        arrived[sha] = time.monotonic() - t0
                                except OSError:
                                    pass
                        for sha in originals:
                            if sha in complete:
                                continue
                            status, _, body = self.api("/api/v1/blobs/%s/upload" % sha, monitor, sock)
                            now = time.monotonic() - t0
                            if status == 200:
                                reply = json.loads(body)
                                if reply["offset"] > 0 or reply["complete"]:
                                    moved.setdefault(sha, now)
                                if reply["complete"]:
                                    complete[sha] = now
                                    arrived.setdefault(sha, now)
                    except (OSError, RuntimeError, ValueError):
                        if sock is not None:
                            sock.close()
                        sock = None
                    stop.wait(0.25)
                if sock is not None:
                    sock.close()

            def on_event(event, _):
                if event.get("event") == "progress" and event.get("phase"):
                    if not phases or phases[-1][1] != event["phase"].split(":")[0]:
                        phases.append((time.monotonic() - t0, event["phase"].split(":")[0]))

            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
            syncs = []
            # one sync, and another after each that stopped early (a cut
            # the engine gave up on), until every photo is up or time is out
            while time.monotonic() - t0 < o.poor_seconds and len(complete) < len(originals):
                left = int(o.poor_seconds - (time.monotonic() - t0))
                run = self.driver(store, ["--syncs", "1", "--send-originals", "--progress",
                                          "--chunk-size", str(o.chunk_size),
                                          "--timeout", str(max(left, 5))],
                                  left + 60, on_event=on_event)
                entry = run.sync()
                syncs.append(entry["outcome"] if entry else "none")
                if entry is not None and entry["outcome"] == "ok":
                    break
            # two more whole looks of the watcher after the last sync
            target = looks[0] + 2
            deadline = time.monotonic() + 30
            while looks[0] < target and time.monotonic() < deadline and watcher.is_alive():
                stop.wait(0.05)
            stop.set()
            watcher.join(10)
            report_ids = set(f["report"] for f in files)
            db_reports = self.store_report_ids(store)
            report_times = [seen.get(r) for r in db_reports]
            all_reports = max(report_times) if report_times and None not in report_times else None
            first_original = min(moved.values()) if moved else None
            first_byte = min(arrived.values()) if arrived else None
            files_phase = next((t for t, p in phases if p.startswith("Sending files")), None)
            figures = {
                "reports": len(db_reports), "photos": len(originals), "photo_bytes": o.poor_photo_bytes,
                "reports_on_server": sum(1 for t in report_times if t is not None),
                "all_reports_s": all_reports, "first_original_moved_s": first_original,
                "first_original_byte_s": first_byte,
                "files_phase_s": files_phase, "originals_complete": len(complete),
                "last_original_s": max(complete.values()) if complete else None,
                "syncs": syncs, "phases": phases[:12], "photo_reports": len(report_ids),
                "proxy": self.proxy.stats(),
            }
            # seen in the same look of the watcher counts as in order: both
            # times are when the watcher looked, not when they happened
            ordered = all_reports is not None and (first_byte is None or all_reports <= first_byte)
            figures["reports_before_originals"] = ordered
            diag("poor link: %d of %d reports on the server, the last at %s s; first bytes of an original "
                 "at the server at %s s, its first chunk verified at %s s; files phase from %s s; "
                 "%d of %d originals complete (last at %s s); syncs %s"
                 % (figures["reports_on_server"], len(db_reports), fmt(all_reports), fmt(first_byte),
                    fmt(first_original),
                    fmt(files_phase), len(complete), len(originals), fmt(figures["last_original_s"]),
                    ", ".join(syncs)))
            if not ordered:
                self.missed.append("every report on the server before any original photo")
            if all_reports is None or all_reports > 120:
                self.missed.append("all %d reports within 120 s over the poor link" % len(db_reports))
            return figures
        finally:
            self.stop_server()

    @staticmethod
    def store_report_ids(store):
        db = tap_store.connect(os.path.join(store, "testigo.db"))
        try:
            return [row[0] for row in db.execute("SELECT id FROM reports WHERE deleted = 0")]
        finally:
            db.close()

    def stop(self):
        self.stop_server()
        shutil.rmtree(self.dir, ignore_errors=True)


def fmt(value):
    return "-" if value is None else "%.1f" % value


def main():
    p = argparse.ArgumentParser(description="Sync benchmark (docs/benchmarks.md).")
    p.add_argument("--server-binary", required=True)
    p.add_argument("--driver", required=True)
    p.add_argument("--parts", default="loopback,poor-link")
    p.add_argument("--reports", type=int, default=10000)
    p.add_argument("--photos", type=int, default=500)
    p.add_argument("--photo-bytes", type=int, default=2 * MB)
    p.add_argument("--poor-reports", type=int, default=20)
    p.add_argument("--poor-photos", type=int, default=10)
    p.add_argument("--poor-photo-bytes", type=int, default=2 * MB)
    p.add_argument("--poor-seconds", type=int, default=300)
    p.add_argument("--file-kind", choices=("random", "jpeg"), default="random")
    p.add_argument("--chunk-size", type=int, default=1024 * 1024)
    p.add_argument("--sqlite-heap-limit-mb", type=int, default=0,
                   help="hold SQLite's page caches in the syncing process to about this many MB")
    p.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    o = p.parse_args()
    parts = o.parts.split(",")
    bench = Bench(o)
    diag("load average %.2f at the start" % bench.figures["load_at_start"])
    try:
        if "loopback" in parts:
            small = bench.loopback("tenth", max(1, o.reports // 10), o.photos // 10)
            full = bench.loopback("full", o.reports, o.photos)
            bench.figures["loopback_tenth"] = small
            bench.figures["loopback"] = full
            growth = full["vm_hwm_mb"] - small["vm_hwm_mb"]
            bench.figures["vm_hwm_growth_mb"] = growth
            # The store's SQLite page cache (cache_size, 32 MiB) fills as the
            # sync reads a larger store: a bounded cost, not the engine's.
            # The rest of the peak must not grow with the store.
            outside = [f["vm_hwm_mb"] - f["sqlite_heap_hwm_mb"] for f in (small, full)]
            outside_growth = outside[1] - outside[0]
            bench.figures["outside_sqlite_growth_mb"] = outside_growth
            diag("memory: VmHWM %.1f MB at %d reports, %.1f MB at %d reports (%+.1f MB); "
                 "less SQLite's heap at its highest: %.1f MB and %.1f MB (%+.1f MB)"
                 % (small["vm_hwm_mb"], small["reports"], full["vm_hwm_mb"], full["reports"], growth,
                    outside[0], outside[1], outside_growth))
            if full["overhead_ratio"] is None or full["overhead_ratio"] > 1.10:
                bench.missed.append("overhead ratio <= 1.10")
            if full["vm_hwm_mb"] >= 150:
                bench.missed.append("peak memory < 150 MB")
            # "no growth": ten times the store may cost a few MB of
            # buffers, not ten times the memory
            if outside_growth > max(15.0, 0.25 * outside[0]):
                bench.missed.append("no growth of memory with the number of reports")
        if "poor-link" in parts:
            bench.figures["poor_link"] = bench.poor_link()
    except RuntimeError as e:
        diag("the benchmark could not run: %s" % e)
        bench.stop()
        return 2
    bench.stop()
    bench.figures["load_at_end"] = load()
    bench.figures["missed"] = bench.missed
    diag("targets missed: %s" % (", ".join(bench.missed) or "none"))
    print(json.dumps(bench.figures, sort_keys=True))
    return 1 if o.check and bench.missed else 0


if __name__ == "__main__":
    sys.exit(main())
