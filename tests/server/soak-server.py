#!/usr/bin/python3
# soak-server.py — normal devices and hostile clients against the real
# testigo-server for N minutes
#
#   tests/server/soak-server.py build/src/server/testigo-server [--minutes 10]
#                               [--seconds S] [--devices 10] [--hostile 12]
#                               [--hostile-kinds slow,oversize,...] [--same-process]
#                               [--hostile-nice N] [--server-config 'key=value\n...']
#
# The hostile clients run in a process of their own (forked before any
# thread starts): in the devices' process their 30 s of CPU a minute
# held Python's interpreter lock while the devices timed their requests.
# --same-process puts them back there, for comparisons. --hostile-kinds
# runs only some kinds (the CPU each costs the server). The load average
# and the CPU seconds of the server and of both client processes are
# printed with the latencies. --hostile-nice lowers the hostile process's
# priority (nice N), to tell the server's cost from the machine's share;
# --server-config adds lines to the server's [server] group (e.g.
# handshake-rate=100000 to run without the handshake rate limit).
#
# Normal devices (from 127.0.0.1) enrol, then each keeps one keep-alive
# TLS connection and pushes batches of 5 new revisions, pulls what it can
# see and asks for info, about 10 requests a second. Hostile clients (from
# 127.0.0.2-127.0.0.5, so that the rate limit and the per-address limit of
# the normal devices' address stay theirs) loop over: headers at 1 byte a
# second, 1 GiB bodies to push and enrol, connect-and-close, a request then
# close, bad tokens, TLS connections that never send anything.
#
# Prints the normal devices' p50/p99/max latency, the server's fds, VmRSS
# and VmHWM at start and end, and checks that every acknowledged revision
# comes back from a pull with the seq it was acknowledged with. Exit
# status 0 only when nothing acknowledged is lost, the normal devices saw
# no error, and the fds settle back to where they started. Documented in
# docs/server.md ("Soak").
#
# SPDX-License-Identifier: GPL-3.0-or-later
import argparse
import hashlib
import json
import multiprocessing
import os
import random
import select
import socket
import ssl
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile  # noqa: E402

NETWORK_ERRORS = (OSError, ssl.SSLError, RuntimeError, ValueError, IndexError)


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


class Device(threading.Thread):
    def __init__(self, server, token, name, stop):
        super().__init__(daemon=True)
        self.server, self.token, self.name, self.stop = server, token, name, stop
        self.acked = {}          # revision id → seq
        self.latency = {"push": [], "pull": [], "info": []}
        self.errors = []
        self.sock = None
        self.seq = 0
        self.since = 0

    def call(self, method, path, body=b""):
        headers = {"Authorization": "Bearer " + self.token}
        for attempt in range(2):
            try:
                if self.sock is None:
                    self.sock = hostile.connect(self.server)
                started = time.monotonic()
                status, _, reply = hostile.request(self.server, method, path, body, headers, sock=self.sock)
                return status, reply, time.monotonic() - started
            except NETWORK_ERRORS as e:
                # the server may close an idle keep-alive connection: one retry
                if self.sock is not None:
                    self.sock.close()
                self.sock = None
                if attempt == 1:
                    raise e

    def run(self):
        i = 0
        while not self.stop.is_set():
            try:
                if i % 4 == 3:
                    status, reply, took = self.call("GET", "/api/v1/pull?since=%d" % self.since)
                    if status != 200:
                        raise RuntimeError("pull: %d %r" % (status, reply[:200]))
                    page = json.loads(reply)
                    self.since = page["next"]
                    self.latency["pull"].append(took)
                elif i % 10 == 9:
                    status, reply, took = self.call("GET", "/api/v1/info")
                    if status != 200:
                        raise RuntimeError("info: %d" % status)
                    self.latency["info"].append(took)
                else:
                    revisions = []
                    for _ in range(5):
                        self.seq += 1
                        content = json.dumps({"title": "%s report %d" % (self.name, self.seq)})
                        revisions.append(hostile.revision(str(uuid.uuid4()), self.name, self.seq, content))
                    body = json.dumps({"revisions": revisions}).encode()
                    status, reply, took = self.call("POST", "/api/v1/push", body)
                    if status != 200:
                        raise RuntimeError("push: %d %r" % (status, reply[:200]))
                    for item in json.loads(reply)["accepted"]:
                        self.acked[item["id"]] = item["seq"]
                    self.latency["push"].append(took)
            except NETWORK_ERRORS as e:
                self.errors.append(repr(e))
            i += 1
            self.stop.wait(random.uniform(0.05, 0.15))
        if self.sock is not None:
            self.sock.close()


class Hostile(threading.Thread):
    KINDS = ("slow", "oversize", "connect-close", "request-close", "bad-token", "silent")

    def __init__(self, server, index, stop, kinds=KINDS):
        super().__init__(daemon=True)
        self.server, self.stop = server, stop
        self.source = "127.0.0.%d" % (2 + index % 4)
        self.kind = kinds[index % len(kinds)]
        self.count = 0
        self.outcomes = {}

    def note(self, what):
        self.outcomes[what] = self.outcomes.get(what, 0) + 1

    def once(self):
        server = self.server
        if self.kind == "slow":
            sock = hostile.connect(server, source=self.source)
            data = hostile.head("GET", "/api/v1/info")
            dropped = False
            try:
                for i in range(len(data)):
                    sock.sendall(data[i:i + 1])
                    if hostile.closed_by_peer(sock, 1.0):
                        dropped = True
                        break
                    if self.stop.is_set():
                        break
            except NETWORK_ERRORS:
                dropped = True
            if dropped or not self.stop.is_set():
                self.note("dropped" if dropped else "not dropped")
            sock.close()
        elif self.kind == "oversize":
            path = random.choice(("/api/v1/push", "/api/v1/enrol"))
            sock = hostile.connect(server, source=self.source)
            sock.sendall(hostile.head("POST", path, {"Authorization": "Bearer x"}, length=1 << 30))
            sent = 0
            response = None
            try:
                while sent < (64 << 20):
                    if (isinstance(sock, ssl.SSLSocket) and sock.pending()) or \
                            select.select([sock], [], [], 0)[0]:
                        break      # the server answered
                    if not select.select([], [sock], [], 2.0)[1]:
                        break      # the server stopped reading
                    sent += sock.send(b"\0" * 65536)
                response = hostile.read_response(sock, timeout=5)
            except NETWORK_ERRORS:
                pass
            self.note("refused with %s" % response[0] if response else
                      "no answer after %d MiB" % (sent >> 20))
            sock.close()
        elif self.kind == "connect-close":
            sock = hostile.connect(server, source=self.source, handshake=random.random() < 0.5)
            sock.close()
            self.note("closed")
        elif self.kind == "request-close":
            sock = hostile.connect(server, source=self.source)
            sock.sendall(hostile.head("GET", "/api/v1/info")[:random.randint(1, 30)])
            sock.close()
            self.note("closed")
        elif self.kind == "bad-token":
            token = "Bearer " + hashlib.sha256(os.urandom(16)).hexdigest()
            body = b'{"revisions": []}'
            sock = hostile.connect(server, source=self.source)
            try:
                status = hostile.request(server, "POST", "/api/v1/push", body,
                                         {"Authorization": token}, sock=sock)[0]
            finally:
                sock.close()
            self.note(str(status))
        elif self.kind == "silent":
            sock = hostile.connect(server, source=self.source, handshake=False)
            dropped = hostile.closed_by_peer(sock, 15)
            if dropped or not self.stop.is_set():
                self.note("dropped" if dropped else "not dropped")
            sock.close()

    def run(self):
        while not self.stop.is_set():
            try:
                self.once()
            except NETWORK_ERRORS as e:
                self.note(type(e).__name__)
            self.count += 1


def run_hostiles(server, count, kinds, stop, results, niceness=0):
    """The hostile clients, in a process of their own (forked), so that
    their CPU and the interpreter's lock are not the devices' latency."""
    if niceness:
        os.nice(niceness)
    hostile._context = None
    attackers = [Hostile(server, i, stop, kinds) for i in range(count)]
    for thread in attackers:
        thread.start()
    stop.wait()
    for thread in attackers:
        thread.join(30)
    outcomes = {}
    for a in attackers:
        for what, n in a.outcomes.items():
            key = "%s: %s" % (a.kind, what)
            outcomes[key] = outcomes.get(key, 0) + n
    cpu = os.times()
    results.put((outcomes, cpu.user + cpu.system))


def run_queue_wait(pid):
    """(all threads waited, main thread waited, main thread ran): seconds
    the threads of @pid have spent runnable but waiting for a CPU, and on
    one (/proc/PID/task/*/schedstat); threads that ended are not
    counted."""
    total = main = ran = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                fields = f.read().split()
        except OSError:
            continue
        total += int(fields[1])
        if tid == str(pid):
            main, ran = int(fields[1]), int(fields[0])
    return total / 1e9, main / 1e9, ran / 1e9


def state(server):
    return server.fds(), server.status_kb("VmRSS"), server.status_kb("VmHWM")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--seconds", type=float, help="overrides --minutes")
    parser.add_argument("--devices", type=int, default=10)
    parser.add_argument("--hostile", type=int, default=12)
    parser.add_argument("--hostile-kinds", default=",".join(Hostile.KINDS),
                        help="comma-separated subset of " + ",".join(Hostile.KINDS))
    parser.add_argument("--same-process", action="store_true",
                        help="run the hostile clients as threads of the devices' process "
                        "(how the soak measured before; for A/B comparisons)")
    parser.add_argument("--hostile-nice", type=int, default=0,
                        help="run the hostile process at this nice value (own process only)")
    parser.add_argument("--server-config", default="",
                        help="lines added to the server's [server] group")
    parser.add_argument("--tap", action="store_true", help="TAP output (the suite's short run)")
    args = parser.parse_args()
    kinds = tuple(k for k in args.hostile_kinds.split(",") if k)
    for k in kinds:
        if k not in Hostile.KINDS:
            parser.error("unknown hostile kind %r" % k)
    duration = args.seconds if args.seconds is not None else args.minutes * 60

    extra = args.server_config.replace("\\n", "\n")
    server = hostile.Server(args.binary, "rate-limit=50\nrate-burst=100\n" + extra + ("\n" if extra else ""))
    server.start()
    try:
        tokens = [server.enrol("device%d" % i) for i in range(args.devices)]
        hostile.request(server, "GET", "/api/v1/info")
        start_state = state(server)
        load_before = os.getloadavg()[0]
        cpu_before = server.cpu_seconds()
        wait_before = run_queue_wait(server.pid)
        stop = threading.Event()
        devices = [Device(server, t, "device%d" % i, stop) for i, t in enumerate(tokens)]
        attackers = []
        hostile_stop = hostile_results = hostile_process = None
        if args.same_process:
            attackers = [Hostile(server, i, stop, kinds) for i in range(args.hostile)]
        elif args.hostile > 0:
            forked = multiprocessing.get_context("fork")
            hostile_stop = forked.Event()
            hostile_results = forked.Queue()
            hostile_process = forked.Process(target=run_hostiles, daemon=True,
                                             args=(server, args.hostile, kinds, hostile_stop, hostile_results,
                                                   args.hostile_nice))
            hostile_process.start()
        started = time.monotonic()
        for thread in devices + attackers:
            thread.start()
        peak_fds = 0
        while time.monotonic() - started < duration:
            time.sleep(min(1.0, max(0.0, duration - (time.monotonic() - started))))
            peak_fds = max(peak_fds, server.fds())
        stop.set()
        server_cpu = server.cpu_seconds() - cpu_before
        wait_after = run_queue_wait(server.pid)
        server_wait = tuple(a - b for a, b in zip(wait_after, wait_before))
        load_after = os.getloadavg()[0]
        outcomes = {}
        hostile_cpu = None
        if hostile_process is not None:
            hostile_stop.set()
            outcomes, hostile_cpu = hostile_results.get(timeout=60)
            hostile_process.join(30)
        for thread in devices + attackers:
            thread.join(30)
        own = os.times()
        devices_cpu = own.user + own.system
        # hostile connections end by the server's timeouts (at most
        # header-timeout, 10 s, for the slowest)
        end_fds = server.settle_fds(start_state[0] + 4, 30)
        end_state = (end_fds,) + state(server)[1:]

        # nothing acknowledged is lost: pull everything back, per device
        lost = wrong = 0
        total = 0
        for device in devices:
            seen = {}
            since = 0
            sock = hostile.connect(server)
            for _ in range(100000):
                status, _, reply = hostile.request(server, "GET", "/api/v1/pull?since=%d" % since,
                                                   headers={"Authorization": "Bearer " + device.token},
                                                   sock=sock)
                page = json.loads(reply)
                for rev in page["revisions"]:
                    seen[rev["id"]] = rev["server_seq"]
                since = page["next"]
                if not page["more"]:
                    break
            sock.close()
            for rid, seq in device.acked.items():
                total += 1
                if rid not in seen:
                    lost += 1
                elif seen[rid] != seq:
                    wrong += 1

        pushes = [x for d in devices for x in d.latency["push"]]
        pulls = [x for d in devices for x in d.latency["pull"]]
        infos = [x for d in devices for x in d.latency["info"]]
        everything = pushes + pulls + infos
        errors = [e for d in devices for e in d.errors]
        for a in attackers:
            for what, n in a.outcomes.items():
                key = "%s: %s" % (a.kind, what)
                outcomes[key] = outcomes.get(key, 0) + n

        prefix = "# " if args.tap else ""
        lines = [
            "soak: %.0f s, %d devices, %d hostile clients (%s; %s%s), load average %.2f before, %.2f after%s"
            % (duration, len(devices), args.hostile, ",".join(kinds),
               "same process" if args.same_process else "own process",
               ", nice %d" % args.hostile_nice if args.hostile_nice else "", load_before, load_after,
               "; server config: " + extra.replace("\n", " ") if extra else ""),
            "CPU seconds: server %.1f, devices' process %.1f, hostile process %s; "
            "the server's threads waited %.1f s for a CPU; its main thread waited %.1f s, ran %.1f s"
            % ((server_cpu, devices_cpu, "-" if hostile_cpu is None else "%.1f" % hostile_cpu) + server_wait),
            "normal requests: %d (%d pushes, %d pulls, %d info), errors: %d"
            % (len(everything), len(pushes), len(pulls), len(infos), len(errors)),
            "latency all: p50 %.1f ms, p99 %.1f ms, max %.1f ms"
            % (percentile(everything, 50) * 1e3, percentile(everything, 99) * 1e3, max(everything or [0]) * 1e3),
            "latency push: p50 %.1f ms, p99 %.1f ms; pull: p50 %.1f ms, p99 %.1f ms"
            % (percentile(pushes, 50) * 1e3, percentile(pushes, 99) * 1e3,
               percentile(pulls, 50) * 1e3, percentile(pulls, 99) * 1e3),
            "server at start: %d fds, VmRSS %d kB, VmHWM %d kB" % start_state,
            "server at end:   %d fds, VmRSS %d kB, VmHWM %d kB (peak fds during the run %d)"
            % (end_state + (peak_fds,)),
            "acknowledged revisions: %d, lost %d, with another seq %d" % (total, lost, wrong),
        ]
        lines += ["hostile %s: %d" % (k, v) for k, v in sorted(outcomes.items())]
        lines += ["device error: %s" % e for e in errors[:10]]
        for line in lines:
            print(prefix + line, flush=True)

        checks = [
            ("nothing acknowledged is lost", total > 0 and lost == 0 and wrong == 0),
            ("normal devices saw no error", not errors),
            ("fds settle back to where they started", end_state[0] <= start_state[0] + 4),
            ("every oversize body was refused", not any(k.startswith("oversize: no answer") for k in outcomes)),
            ("no slow client was kept", not any(k.endswith("not dropped") for k in outcomes)),
        ]
        if args.tap:
            for i, (name, ok) in enumerate(checks, 1):
                print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
            print("1..%d" % len(checks))
        else:
            for name, ok in checks:
                print("%s: %s" % ("PASS" if ok else "FAIL", name))
        return 0 if all(ok for _, ok in checks) else 1
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
