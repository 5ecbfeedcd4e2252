#!/usr/bin/python3
# fault-sync.py — randomized sync rounds through the fault proxy against
# the real testigo-server, ending in one clean sync and a comparison
#
#   tests/sync/fault-sync.py --server-binary build/src/server/testigo-server
#       --driver build/tests/sync/sync-driver [--rounds 200] [--kill-rounds 20]
#       [--max-minutes 60] [--chunk-size 65536] [--seed N] [--tap]
#
# One server (a temporary data folder, as tests/server/*.py do), the proxy
# (fault-proxy.py) in front of it, and one client store that
# tests/sync/sync-driver enrols through the proxy. Each round:
#
#   1. the driver makes a few reports, files (30-400 kB of random bytes),
#      edits and now and then a deletion in the store;
#   2. the proxy is given this round's faults: cuts at random offsets in
#      either direction, a corrupted byte, stalls, a slow link with
#      latency — or none;
#   3. the driver syncs once through the proxy (sending originals); some
#      syncs fail, which is fine. In --kill-rounds of the rounds it is
#      SIGKILLed mid-sync instead, after a random number of progress
#      lines or a random moment.
#
# Around each sync the monitor's upload offsets of every file not yet
# complete are asked of the server directly (not through the proxy), so
# the file bytes the server verified in that round are known exactly.
# Resends are measured at the proxy, which counts every byte that went up:
# re-sent <= bytes up - bytes verified - what else had to go (the pushed
# revisions, pulled back to weigh them; a TLS handshake per connection;
# request headers and TLS records, 3 % of the verified bytes; the offset
# asked per file). Each interruption — a cut, a corrupted byte, a stall, a
# kill, or the stale upload a troubled round may leave for the next — may
# cost at most one chunk: re-sent <= chunk-size x interruptions, checked
# every round, killed rounds included (an engine that restarted a file
# from byte 0 after a cut fails it as soon as a file is a few chunks
# long). The server's offsets must also always lie on chunk boundaries:
# it keeps nothing of a partial chunk. (The entries' bytes_sent is
# printed beside: the engine counts a chunk once it is answered, so it
# shows 409 and 460 resends, not chunks lost to a cut.)
#
# At the end: faults off, the connections left over dropped, one clean
# sync (a second if the first still left something), then a coordinator
# pulls everything from the server: the server's revision ids must be
# distinct (nothing doubled) and equal to the client store's (nothing
# lost either way); every file named by a live report in the store must
# download from the server with the same SHA-256 as its name, and the
# store's own copy must hash to it too.
#
# Prints TAP with --tap (the short run in the suite); exit 0 when every
# check held. Bounded: --max-minutes stops starting rounds (the checks
# still run), each driver run has its own timeout, and the proxy stops by
# itself. Documented in docs/benchmarks.md ("Fault runs").
#
# SPDX-License-Identifier: GPL-3.0-or-later
import argparse
import hashlib
import json
import os
import random
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "server"))
sys.path.insert(0, os.path.join(HERE, "..", "app"))   # tap_store: the store, plain or encrypted
sys.path.insert(0, HERE)
import hostile  # noqa: E402
from synclib import Proxy, run_driver  # noqa: E402
import tap_store  # noqa: E402

SERVER_CONFIG = "rate-limit=100000\nrate-burst=100000\n"

results = []


def check(name, ok, detail=""):
    results.append(bool(ok))
    print("%s %d - %s%s" % ("ok" if ok else "not ok", len(results), name,
                            (" # " + detail) if detail else ""), flush=True)


def diag(text):
    print("# " + text, flush=True)


class Harness:
    def __init__(self, o):
        self.o = o
        self.rng = random.Random(o.seed)
        self.dir = tempfile.mkdtemp(prefix="testigo-fault-sync-")
        self.store = os.path.join(self.dir, "store")
        self.server = hostile.Server(o.server_binary, SERVER_CONFIG)
        self.proxy = None
        self.monitor_token = None
        self.coordinator_token = None
        self.files = {}              # sha256 → size, every file made (and thumbnails)
        self.complete = set()        # files the server holds complete for the monitor
        self.server_seq = 0
        self.figures = {"rounds": 0, "syncs": 0, "ok": 0, "partial": 0, "failed": 0,
                        "cancelled": 0, "kills": 0, "bytes_sent": 0, "bytes_up": 0, "verified": 0,
                        "waste": 0, "interruptions": 0, "max_waste": 0,
                        "misaligned": 0, "waste_over": 0, "setup_failures": 0}

    # ---- the server, seen directly ----------------------------------------

    def api(self, method, path, token):
        return hostile.request(self.server, method, path, headers={"Authorization": "Bearer " + token})

    def offset(self, sha):
        """The monitor's verified offset of @sha on the server."""
        status, _, body = self.api("GET", "/api/v1/blobs/%s/upload" % sha, self.monitor_token)
        if status == 404:
            return 0, False          # no pushed revision names it yet
        if status != 200:
            raise RuntimeError("offset of %s: %d %r" % (sha, status, body[:200]))
        reply = json.loads(body)
        return int(reply["offset"]), bool(reply["complete"])

    def offsets(self):
        result = {}
        for sha, size in self.files.items():
            if sha in self.complete:
                continue
            offset, complete = self.offset(sha)
            result[sha] = size if complete else offset
            if complete:
                self.complete.add(sha)
        return result

    def pull_all(self):
        revisions, since = [], 0
        for _ in range(100000):
            status, _, body = self.api("GET", "/api/v1/pull?since=%d&limit=1000" % since,
                                       self.coordinator_token)
            if status != 200:
                raise RuntimeError("pull: %d %r" % (status, body[:200]))
            page = json.loads(body)
            revisions.extend(page["revisions"])
            since = page["next"]
            if not page["more"]:
                break
        return revisions

    # ---- the driver ---------------------------------------------------------

    def driver(self, args, **kill):
        base = ["--store", self.store, "--chunk-size", str(self.o.chunk_size),
                "--timeout", str(self.o.sync_timeout)]
        return run_driver(self.o.driver, base + args, self.o.sync_timeout + 60, **kill)

    def remember_made(self, run):
        made = run.made()
        if made is None:
            return
        for f in made.get("files", []):
            self.files[f["sha256"]] = f["size"]
            if f.get("thumbnail"):
                # a thumbnail's size is known once it is in the store
                self.files[f["thumbnail"]] = tap_store.blob_info(self.store, f["thumbnail"])["size"]

    # ---- set-up ---------------------------------------------------------------

    def start(self):
        self.server.start()
        self.server_seq = 0
        self.coordinator_token = self.server.enrol("coordinadora", "coordinator")
        self.server.admin("user", "add", "ana", "--role", "monitor")
        code = self.server.admin("enrol-code", "ana").strip()
        self.proxy = Proxy(self.server.port, self.o.seed, self.o.max_minutes * 60 + 300)
        uri = "https://127.0.0.1:%d" % self.proxy.port
        run = self.driver(["--server", uri, "--fingerprint", self.server.fingerprint,
                           "--code", code, "--make-reports", "5", "--make-files", "2",
                           "--file-size", "150000", "--seed", str(self.rng.randrange(1 << 30))])
        self.remember_made(run)
        if run.returncode != 0:
            raise RuntimeError("enrolment through the proxy failed: %s" % run.stderr)
        with open(os.path.join(self.store, "sync-driver.token")) as f:
            self.monitor_token = f.read().strip()

    # ---- one round ----------------------------------------------------------

    # The first rounds meet each fault for sure, on the way up (where
    # the file bytes go); later rounds draw theirs.
    FORCED = {1: "cuts", 2: "corrupt", 3: "stall"}

    def faults_for_round(self, number, kill):
        """Sets the proxy up for this round; returns a short description."""
        rng = self.rng
        pending = sum(size for sha, size in self.files.items() if sha not in self.complete)
        profile = rng.choice(("clean", "cuts", "cuts", "corrupt", "stall", "mixed", "mixed", "slow"))
        # the faults' offsets: on the way up within what is to be sent;
        # on the way down within the first replies (a few kB)
        direction = rng.choice(("up", "up", "down"))
        top = max(4096, pending + 64 * 1024) if direction == "up" else 8192
        forced = self.FORCED.get(number)
        if forced:
            profile, direction, top = forced, "up", max(4096, pending)
        settings = dict(cut_prob=0, corrupt_prob=0, stall_prob=0, rate_kbit=0, latency_ms=0,
                        cut_min_bytes=1, cut_max_bytes=top, stall_seconds=rng.uniform(0.3, 2.5),
                        cut_direction=direction, corrupt_direction=direction,
                        stall_direction=direction)
        if profile in ("cuts", "mixed"):
            settings["cut_prob"] = 1.0 if forced else rng.choice((0.5, 0.8, 1.0))
        if profile in ("corrupt", "mixed"):
            settings["corrupt_prob"] = 1.0 if forced else rng.choice((0.4, 0.7))
        if profile in ("stall", "mixed"):
            settings["stall_prob"] = 1.0 if forced else rng.choice((0.4, 0.7))
        if kill:
            # a kill needs a sync that lasts: a slower link
            settings["rate_kbit"] = rng.choice((1000, 2000))
            settings["latency_ms"] = rng.choice((0, 10, 50))
        elif profile == "slow" or (not forced and rng.random() < 0.3):
            settings["rate_kbit"] = rng.choice((2000, 4000, 8000))
            settings["latency_ms"] = rng.choice((0, 10, 50))
        self.proxy.configure(**settings)
        return "%s %s cut %.1f corrupt %.1f stall %.1f rate %s latency %s" % (
            profile, direction, settings["cut_prob"], settings["corrupt_prob"], settings["stall_prob"],
            settings["rate_kbit"] or "-", settings["latency_ms"])

    def round(self, number, kill, stale):
        rng = self.rng
        # a kill needs a sync that lasts: at least one bigger file
        files = rng.choice((1, 2)) if number in self.FORCED or kill else rng.choice((0, 1, 1, 2))
        size = rng.randint(300000, 600000) if kill else rng.randint(30000, 400000)
        make = ["--make-reports", str(rng.randint(0, 3)),
                "--make-files", str(files),
                "--file-size", str(size),
                "--edit", str(rng.randint(0, 3)),
                "--delete", str(1 if rng.random() < 0.1 else 0),
                "--seed", str(rng.randrange(1 << 30))]
        run = self.driver(make)
        if run.returncode != 0:
            self.figures["setup_failures"] += 1
            diag("round %d: making data failed: %s" % (number, run.stderr.strip()[-300:]))
        self.remember_made(run)

        what = self.faults_for_round(number, kill)
        before_stats = self.proxy.stats()
        before = self.offsets()
        kill_args = {}
        if kill:
            # the first line is "Checking the server", before a byte went
            if rng.random() < 0.5:
                kill_args["kill_after_lines"] = rng.randint(2, 8)
            else:
                kill_args["kill_after_seconds"] = rng.uniform(0.3, 1.5)
        run = self.driver(["--syncs", "1", "--send-originals", "--progress"], **kill_args)
        after = self.offsets()
        after_stats = self.proxy.stats()
        pushed = self.pull_new()
        delta = {k: after_stats[k] - before_stats[k] for k in after_stats}
        faults = delta["cuts"] + delta["corruptions"] + delta["stalls"]
        verified = sum(after.get(sha, self.files[sha]) - offset for sha, offset in before.items())
        self.figures["rounds"] += 1

        if run.returncode == 4:
            self.figures["setup_failures"] += 1
            diag("round %d: the driver could not start: %s" % (number, run.stderr.strip()[-300:]))

        # the server keeps whole chunks only
        misaligned = [sha for sha, offset in after.items()
                      if offset % self.o.chunk_size != 0 and offset != self.files[sha]]
        self.figures["misaligned"] += len(misaligned)

        entry = run.sync()
        killed = run.killed and entry is None
        # What went up the wire beyond the file bytes the server verified
        # and what else had to go: the pushed revisions (as pulled back),
        # a TLS handshake a connection, requests' headers and TLS records
        # (3 % of the verified bytes; 0.6 % with 64 KiB chunks) and the
        # offset asked for each file still to send.
        overhead = (pushed + 16384 * delta["connections"] + 0.03 * verified +
                    2048 * len(before))
        waste = max(0, delta["bytes_up"] - verified - overhead)
        interruptions = faults + stale + (1 if killed else 0)
        allowed = self.o.chunk_size * interruptions
        self.figures["bytes_up"] += delta["bytes_up"]
        self.figures["verified"] += verified
        self.figures["waste"] += waste
        self.figures["interruptions"] += interruptions
        self.figures["max_waste"] = max(self.figures["max_waste"], waste)
        over = waste > allowed
        if over:
            self.figures["waste_over"] += 1
        line = ("round %d [%s]: %%s; %d faults; %d bytes up, %d verified, %d pushed; "
                "re-sent at most %d (allowed %d)%s" % (number, what, faults, delta["bytes_up"], verified,
                                                       pushed, waste, allowed, " OVER" if over else ""))
        if killed and delta["bytes_up"] == 0:
            # killed before it sent a byte: not the kill this run is for
            # (it is made up in a later round)
            diag(line % "killed before it sent anything")
            return True
        if killed:
            self.figures["kills"] += 1
            diag(line % "killed mid-sync")
            return True
        if entry is None:
            diag(line % ("no entry (exit %s): %s" % (run.returncode, run.stderr.strip()[-300:])))
            return True
        self.figures["syncs"] += 1
        self.figures[entry["outcome"]] = self.figures.get(entry["outcome"], 0) + 1
        self.figures["bytes_sent"] += entry["bytes_sent"]
        diag(line % ("%s, entry bytes_sent %d%s" % (entry["outcome"], entry["bytes_sent"],
                                                   ("; " + entry["error"]) if entry.get("error") else "")))
        return faults > 0 or entry["outcome"] != "ok"

    def pull_new(self):
        """Bytes of the revisions that reached the server since the last
        call, in their wire form (what their push carried)."""
        total = 0
        for _ in range(100000):
            status, _, body = self.api("GET", "/api/v1/pull?since=%d&limit=1000" % self.server_seq,
                                       self.coordinator_token)
            if status != 200:
                raise RuntimeError("pull: %d %r" % (status, body[:200]))
            page = json.loads(body)
            for revision in page["revisions"]:
                revision.pop("server_seq", None)
                total += len(json.dumps(revision)) + 64
            self.server_seq = page["next"]
            if not page["more"]:
                break
        return total

    # ---- the end ------------------------------------------------------------

    def final(self):
        self.proxy.command("faults off")
        self.proxy.configure(rate_kbit=0, latency_ms=0)
        # drop what is left of the faults: a connection still in a stall
        # would keep a killed driver's upload open at the server, which
        # answers the next sync's upload of that file with 409 ("another
        # upload is in progress") until it sees the connection go
        self.proxy.command("cut-all")
        entries = []
        for _ in range(3):
            run = self.driver(["--syncs", "1", "--send-originals"])
            entry = run.sync()
            entries.append(entry)
            if entry is not None and entry["outcome"] == "ok":
                break
        last = entries[-1]
        for e in entries:
            diag("final sync: %s" % (json.dumps({k: e[k] for k in ("outcome", "error", "n_revisions_sent",
                                                                  "n_files_sent", "bytes_sent", "pending")})
                                     if e else "no entry"))
        check("the clean sync at the end succeeds (within %d syncs)" % len(entries),
              last is not None and last["outcome"] == "ok",
              last.get("error") if last else "no entry")
        check("the first clean sync after the faults converges alone",
              entries[0] is not None and entries[0]["outcome"] == "ok")
        self.compare()
        pending = (last or {}).get("pending") or {}
        check("the store says nothing waits to leave after the clean sync",
              pending.get("n_revisions") == 0 and pending.get("n_originals") == 0 and
              pending.get("n_thumbnails") == 0, json.dumps(pending))

    def compare(self):
        """The server against the store, as a coordinator pulls it: the
        same revisions, none twice, and every file a live report names
        byte-identical on both sides (tests/app/test-sync-kill.py too)."""
        server_revisions = self.pull_all()
        ids = [r["id"] for r in server_revisions]
        db = tap_store.connect(os.path.join(self.store, "testigo.db"))
        try:
            client_ids = set(row[0] for row in db.execute("SELECT rev_id FROM revisions"))
            live = db.execute("SELECT v.content FROM reports r JOIN revisions v "
                              "ON v.rev_id = r.rev_id WHERE r.deleted = 0").fetchall()
        finally:
            db.close()
        check("nothing doubled: the server's %d revisions have distinct ids" % len(ids),
              len(ids) == len(set(ids)), "%d distinct" % len(set(ids)))
        missing = client_ids - set(ids)
        extra = set(ids) - client_ids
        check("nothing lost: the server holds exactly the store's %d revisions" % len(client_ids),
              not missing and not extra, "%d only in the store, %d only on the server"
              % (len(missing), len(extra)))

        named = set()
        for (content,) in live:
            for source in json.loads(content).get("sources", []):
                for key in ("sha256", "thumbnail_sha256"):
                    if source.get(key):
                        named.add(source[key])
        bad, local_bad = [], []
        for sha in sorted(named):
            status, _, body = self.api("GET", "/api/v1/blobs/%s" % sha, self.coordinator_token)
            if status != 200 or hashlib.sha256(body).hexdigest() != sha:
                bad.append("%s: %d" % (sha[:12], status))
            # read through the blob store: decrypted if the file is encrypted
            if tap_store.blob_digest(self.store, sha) != sha:
                local_bad.append(sha[:12])
        check("every file named by a live report (%d) is on the server, byte-identical" % len(named),
              not bad, ", ".join(bad[:5]))
        check("and the store's own copies still hash to their names", not local_bad,
              ", ".join(local_bad[:5]))

    def stop(self):
        if self.proxy is not None:
            self.proxy.stop()
        self.server.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def main():
    p = argparse.ArgumentParser(description="Randomized sync rounds through the fault proxy.")
    p.add_argument("--server-binary", required=True)
    p.add_argument("--driver", required=True)
    p.add_argument("--rounds", type=int, default=200)
    p.add_argument("--kill-rounds", type=int, default=20)
    p.add_argument("--max-minutes", type=float, default=60)
    p.add_argument("--chunk-size", type=int, default=65536)
    p.add_argument("--sync-timeout", type=int, default=120)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--tap", action="store_true", help="(TAP is always printed)")
    o = p.parse_args()
    if o.seed is None:
        o.seed = int.from_bytes(os.urandom(4), "little")
    if o.kill_rounds > o.rounds:
        raise SystemExit("fault-sync: --kill-rounds must not exceed --rounds")
    diag("seed %d, %d rounds, %d kills, chunk %d bytes" % (o.seed, o.rounds, o.kill_rounds, o.chunk_size))

    started = time.monotonic()
    harness = Harness(o)
    try:
        harness.start()
        stale = 0
        number = 0
        out_of_time = False
        while True:
            number += 1
            needed = o.kill_rounds - harness.figures["kills"]
            # a kill that came too late (the sync had ended) is made up in
            # a later round, past --rounds if need be (as many more)
            if number > o.rounds + (o.kill_rounds if needed > 0 else 0):
                break
            if time.monotonic() - started > o.max_minutes * 60:
                diag("--max-minutes reached after %d rounds" % (number - 1))
                out_of_time = True
                break
            rounds_left = max(1, o.rounds - number + 1)
            kill = (needed > 0 and number not in Harness.FORCED and
                    harness.rng.random() < min(1.0, 2.0 * needed / rounds_left))
            troubled = harness.round(number, kill, stale)
            # a round that broke something may leave one stale upload behind
            stale = 1 if troubled else 0
        f = harness.figures
        diag("rounds %d, syncs %d (ok %d, partial %d, failed %d, cancelled %d), kills %d"
             % (f["rounds"], f["syncs"], f["ok"], f["partial"], f["failed"], f["cancelled"], f["kills"]))
        stats = harness.proxy.stats()
        diag("proxy: %d connections, %d cuts, %d corruptions, %d stalls, %d bytes up, %d down"
             % (stats["connections"], stats["cuts"], stats["corruptions"], stats["stalls"],
                stats["bytes_up"], stats["bytes_down"]))
        diag("files: %d bytes up at the proxy in the rounds, %d verified by the server, at most %d "
             "re-sent over %d interruptions (chunk %d); most in one round %d; entries' bytes_sent %d"
             % (f["bytes_up"], f["verified"], f["waste"], f["interruptions"], o.chunk_size,
                f["max_waste"], f["bytes_sent"]))
        check("%d rounds ran (asked %d)" % (f["rounds"], o.rounds),
              f["rounds"] >= o.rounds or (out_of_time and f["rounds"] >= 1),
              "stopped by --max-minutes" if out_of_time else "")
        check("the driver was killed mid-sync in %d rounds (asked %d)" % (f["kills"], o.kill_rounds),
              f["kills"] >= o.kill_rounds)
        check("every driver run opened the store, after kills too", f["setup_failures"] == 0,
              "%d failed" % f["setup_failures"])
        check("faults happened: %d cuts, %d corruptions, %d stalls"
              % (stats["cuts"], stats["corruptions"], stats["stalls"]),
              stats["cuts"] > 0 and stats["corruptions"] > 0 and stats["stalls"] > 0)
        check("the server's offsets are always on chunk boundaries (it keeps whole chunks only)",
              f["misaligned"] == 0, "%d misaligned" % f["misaligned"])
        check("bytes re-sent after interruptions: at most one chunk each, every round",
              f["waste_over"] == 0, "%d rounds over" % f["waste_over"])
        harness.final()
    finally:
        harness.stop()
    diag("%.0f s" % (time.monotonic() - started))
    print("1..%d" % len(results))
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
