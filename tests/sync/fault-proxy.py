#!/usr/bin/python3
# fault-proxy.py — a loopback TCP proxy that forwards TLS bytes opaquely and
# breaks connections on purpose: cuts, stalls, a corrupted byte, a slow link
#
#   tests/sync/fault-proxy.py --target 127.0.0.1:PORT [--listen 127.0.0.1:0]
#       [--seed N] [--cut-prob P] [--cut-direction up|down|either]
#       [--cut-min-bytes N] [--cut-max-bytes N] [--stall-prob P]
#       [--stall-direction ...] [--stall-seconds S] [--corrupt-prob P] [--corrupt-direction ...]
#       [--rate-kbit K] [--latency-ms MS] [--cut-every S]
#       [--max-seconds S] [--control] [--verbose]
#
# Python's standard library only (asyncio). It never reads the TLS it
# carries: the client still sees the server's own certificate, so a
# pinned fingerprint keeps working. Both ends must be loopback addresses.
#
# Faults are decided per connection when it is accepted, from a random
# generator seeded with "<seed>:<connection number>", so a seed printed on
# the first line replays the same plan for the same connection numbers:
#
# - cut: after a byte offset (uniform in [--cut-min-bytes, --cut-max-bytes])
#   in one direction, the bytes up to it are forwarded and then both sides
#   are closed, with a reset or a plain close (chosen at random);
# - stall: at a byte offset the direction stops for --stall-seconds, then
#   goes on;
# - corrupt: one byte at an offset is XORed with a non-zero value (TLS
#   fails the record: the endpoint must drop the connection and recover).
#
# The link itself: --rate-kbit is a bandwidth shared by all connections,
# each direction its own; --latency-ms delays every piece of data by that
# much one way (pieces pipeline, as on a real link); --cut-every cuts every
# open connection every S seconds, as a flaky mobile link does.
#
# The first line on stdout is "fault-proxy: listening on HOST:PORT target
# HOST:PORT seed N". With --control, stdin takes one command a line and
# each is answered on stdout by one line starting "ok" or "error":
#   stats                 one JSON object of the counters
#   faults off|on         stop (and cancel planned faults of open
#                         connections) or resume faults
#   set NAME VALUE        change an option (cut-prob, stall-prob, rate-kbit,
#                         latency-ms, cut-min-bytes, ...) for new data
#   cut-all               cut every open connection now
#   quit                  print the counters and exit
# End of stdin quits too, so the proxy never outlives the test that
# started it. It also stops by itself after --max-seconds (default 600),
# and on SIGTERM or SIGINT, printing the counters as
# "fault-proxy: stats {json}" last.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import argparse
import asyncio
import ipaddress
import json
import os
import random
import signal
import socket
import sys
import time

DIRECTIONS = ("up", "down")          # up: client → server


class Stats:
    def __init__(self):
        self.connections = 0
        self.open = 0
        self.faulted = 0             # connections that saw at least one fault
        self.cuts = 0
        self.stalls = 0
        self.corruptions = 0
        self.refused = 0             # the target did not accept
        self.bytes_up = 0
        self.bytes_down = 0

    def as_dict(self):
        return dict(self.__dict__)


class Bucket:
    """One direction's bandwidth, shared by every connection: each piece
    of data waits for the link to be free, then for its own length at the
    rate (its serialisation time)."""

    def __init__(self):
        self.free_at = 0.0

    async def take(self, nbytes, rate_bytes):
        if rate_bytes <= 0:
            return
        now = time.monotonic()
        start = max(now, self.free_at)
        self.free_at = start + nbytes / rate_bytes
        delay = self.free_at - now
        if delay > 0:
            await asyncio.sleep(delay)


CUT = object()


class Plan:
    """The faults one direction of one connection will meet (byte offsets
    in that direction), or None for each."""

    def __init__(self):
        self.cut_at = None
        self.stall_at = None
        self.corrupt_at = None
        self.corrupt_xor = 0

    def empty(self):
        return self.cut_at is None and self.stall_at is None and self.corrupt_at is None

    def describe(self):
        parts = []
        if self.cut_at is not None:
            parts.append("cut@%d" % self.cut_at)
        if self.stall_at is not None:
            parts.append("stall@%d" % self.stall_at)
        if self.corrupt_at is not None:
            parts.append("corrupt@%d^%02x" % (self.corrupt_at, self.corrupt_xor))
        return ",".join(parts) or "-"


class Proxy:
    def __init__(self, options):
        self.o = options
        self.stats = Stats()
        self.faults_on = True
        self.buckets = {d: Bucket() for d in DIRECTIONS}
        self.connections = set()
        self.handlers = set()
        self.done = None

    # ---- options ------------------------------------------------------

    def rate_bytes(self):
        return self.o.rate_kbit * 1000 / 8

    def read_size(self):
        rate = self.rate_bytes()
        if rate <= 0:
            return 65536
        # about 50 ms of the link per piece, so a stall or a cut lands
        # near its offset in time as well
        return int(max(256, min(16384, rate / 20)))

    def plan_for(self, number):
        rng = random.Random("%d:%d" % (self.o.seed, number))
        plans = {d: Plan() for d in DIRECTIONS}
        # draw every number whatever is enabled, so a plan does not shift
        # when another option changes
        draws = [rng.random() for _ in range(3)]
        cut_dir = self.pick_direction(rng, self.o.cut_direction)
        cut_at = rng.randint(self.o.cut_min_bytes, max(self.o.cut_min_bytes, self.o.cut_max_bytes))
        stall_dir = self.pick_direction(rng, self.o.stall_direction)
        stall_at = rng.randint(self.o.cut_min_bytes, max(self.o.cut_min_bytes, self.o.cut_max_bytes))
        corrupt_dir = self.pick_direction(rng, self.o.corrupt_direction)
        corrupt_at = rng.randint(self.o.cut_min_bytes, max(self.o.cut_min_bytes, self.o.cut_max_bytes))
        corrupt_xor = rng.randint(1, 255)
        mode = rng.choice(("reset", "close"))
        if not self.faults_on:
            return plans, mode
        if draws[0] < self.o.cut_prob:
            plans[cut_dir].cut_at = cut_at
        if draws[1] < self.o.stall_prob:
            plans[stall_dir].stall_at = stall_at
        if draws[2] < self.o.corrupt_prob:
            plans[corrupt_dir].corrupt_at = corrupt_at
            plans[corrupt_dir].corrupt_xor = corrupt_xor
        return plans, mode

    @staticmethod
    def pick_direction(rng, which):
        choice = rng.choice(DIRECTIONS)
        return choice if which == "either" else which

    # ---- connections ---------------------------------------------------

    async def handle(self, client_reader, client_writer):
        self.stats.connections += 1
        self.stats.open += 1
        self.handlers.add(asyncio.current_task())
        try:
            await self.forward(self.stats.connections, client_reader, client_writer)
        except asyncio.CancelledError:
            pass
        finally:
            self.stats.open -= 1
            self.handlers.discard(asyncio.current_task())

    async def forward(self, number, client_reader, client_writer):
        plans, mode = self.plan_for(number)
        try:
            server_reader, server_writer = await asyncio.wait_for(
                asyncio.open_connection(self.o.target_host, self.o.target_port), 10)
        except (OSError, asyncio.TimeoutError):
            self.stats.refused += 1
            client_writer.transport.abort()
            return
        for w in (client_writer, server_writer):
            sock = w.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = Connection(self, number, plans, mode, client_writer, server_writer)
        self.connections.add(conn)
        if self.o.verbose:
            self.say("conn %d: open up %s down %s" % (number, plans["up"].describe(),
                                                      plans["down"].describe()))
        try:
            await asyncio.gather(conn.pipe("up", client_reader, server_writer),
                                 conn.pipe("down", server_reader, client_writer))
        finally:
            self.connections.discard(conn)
            conn.close_both(abort=False)
            if conn.faulted:
                self.stats.faulted += 1
            if self.o.verbose:
                self.say("conn %d: closed up %d down %d%s" % (
                    number, conn.sent["up"], conn.sent["down"],
                    (" " + conn.ended) if conn.ended else ""))

    def say(self, line):
        sys.stdout.write("fault-proxy: " + line + "\n")
        sys.stdout.flush()

    def cut_all(self, why):
        for conn in list(self.connections):
            conn.cut(why)

    async def cut_every(self):
        while True:
            if self.o.cut_every <= 0:
                await asyncio.sleep(0.2)     # it may be set later
                continue
            await asyncio.sleep(self.o.cut_every)
            if self.faults_on and self.o.cut_every > 0:
                self.cut_all("periodic")

    # ---- control -------------------------------------------------------

    SETTABLE = {"cut-prob": float, "stall-prob": float, "corrupt-prob": float,
                "stall-seconds": float, "rate-kbit": float, "latency-ms": float,
                "cut-min-bytes": int, "cut-max-bytes": int, "cut-every": float,
                "cut-direction": str, "corrupt-direction": str, "stall-direction": str}

    def command(self, line):
        words = line.split()
        if not words:
            return None
        if words == ["stats"]:
            return "ok " + json.dumps(self.stats.as_dict(), sort_keys=True)
        if words[0] == "faults" and len(words) == 2 and words[1] in ("on", "off"):
            self.faults_on = words[1] == "on"
            if not self.faults_on:
                for conn in self.connections:
                    conn.cancel_plans()
            return "ok faults " + words[1]
        if words == ["cut-all"]:
            n = len(self.connections)
            self.cut_all("command")
            return "ok cut %d" % n
        if words[0] == "set" and len(words) == 3 and words[1] in self.SETTABLE:
            try:
                value = self.SETTABLE[words[1]](words[2])
            except ValueError:
                return "error %s: not a number: %s" % (words[1], words[2])
            if words[1].endswith("direction") and value not in ("up", "down", "either"):
                return "error %s: up, down or either" % words[1]
            setattr(self.o, words[1].replace("-", "_"), value)
            return "ok %s %s" % (words[1], words[2])
        if words == ["quit"]:
            self.done.set_result("quit")
            return "ok quit"
        return "error unknown command: " + line.strip()

    async def control(self):
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while True:
            line = await reader.readline()
            if not line:
                if not self.done.done():
                    self.done.set_result("end of stdin")
                return
            answer = self.command(line.decode("utf-8", "replace"))
            if answer is not None:
                sys.stdout.write(answer + "\n")
                sys.stdout.flush()

    async def run(self):
        loop = asyncio.get_running_loop()
        self.done = loop.create_future()
        server = await asyncio.start_server(self.handle, self.o.listen_host, self.o.listen_port,
                                            reuse_address=True)
        host, port = server.sockets[0].getsockname()[:2]
        self.say("listening on %s:%d target %s:%d seed %d" % (
            host, port, self.o.target_host, self.o.target_port, self.o.seed))
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, lambda s=sig: self.done.done() or
                                    self.done.set_result(signal.Signals(s).name))
        tasks = [asyncio.ensure_future(self.cut_every())]
        if self.o.control:
            tasks.append(asyncio.ensure_future(self.control()))
        try:
            why = await asyncio.wait_for(asyncio.shield(self.done), self.o.max_seconds)
        except asyncio.TimeoutError:
            why = "max-seconds"
        server.close()
        for conn in list(self.connections):
            conn.close_both(abort=True)
        for task in tasks:
            task.cancel()
        if self.handlers:
            await asyncio.wait(list(self.handlers), timeout=5)
        for task in list(self.handlers):
            task.cancel()
        self.say("stopped: %s" % why)
        self.say("stats " + json.dumps(self.stats.as_dict(), sort_keys=True))


class Connection:
    def __init__(self, proxy, number, plans, mode, client_writer, server_writer):
        self.proxy = proxy
        self.number = number
        self.plans = plans
        self.mode = mode
        self.writers = {"up": server_writer, "down": client_writer}
        self.sent = {d: 0 for d in DIRECTIONS}
        self.faulted = False
        self.ended = ""
        self.closed = False
        self.queues = {}

    def cancel_plans(self):
        for d in DIRECTIONS:
            self.plans[d] = Plan()

    def cut(self, why):
        if self.closed:
            return
        self.faulted = True
        self.proxy.stats.cuts += 1
        self.ended = "cut (%s, %s)" % (why, self.mode)
        self.close_both(abort=self.mode == "reset")

    def close_both(self, abort):
        if self.closed:
            return
        self.closed = True
        for w in self.writers.values():
            try:
                if abort:
                    w.transport.abort()
                else:
                    w.close()
            except (OSError, RuntimeError):
                pass

    async def pipe(self, direction, reader, writer):
        """Reads one direction into a bounded queue that send() writes out
        after the latency and the bandwidth allow; faults are applied as
        the bytes are read, at their offsets in this direction. The queue
        always ends with None, and send() drains it to the end."""
        queue = asyncio.Queue(maxsize=64)
        sender = asyncio.ensure_future(self.send(direction, queue, writer))
        received = 0
        try:
            while not self.closed:
                try:
                    data = await reader.read(self.proxy.read_size())
                except (OSError, asyncio.IncompleteReadError):
                    data = b""
                if not data:
                    break
                start, end = received, received + len(data)
                received = end
                plan = self.plans[direction]
                if plan.corrupt_at is not None and start <= plan.corrupt_at < end:
                    i = plan.corrupt_at - start
                    data = data[:i] + bytes([data[i] ^ plan.corrupt_xor]) + data[i + 1:]
                    plan.corrupt_at = None
                    self.faulted = True
                    self.proxy.stats.corruptions += 1
                    if self.proxy.o.verbose:
                        self.proxy.say("conn %d: corrupted %s byte %d" % (self.number, direction, start + i))
                if plan.stall_at is not None and start <= plan.stall_at < end:
                    i = plan.stall_at - start
                    await queue.put((time.monotonic(), data[:i]))
                    await queue.put((time.monotonic(), ("stall", self.proxy.o.stall_seconds)))
                    data = data[i:]
                    plan.stall_at = None
                    self.faulted = True
                    self.proxy.stats.stalls += 1
                if plan.cut_at is not None and start <= plan.cut_at < end:
                    await queue.put((time.monotonic(), data[:plan.cut_at - start]))
                    await queue.put((time.monotonic(), CUT))
                    break
                await queue.put((time.monotonic(), data))
            await queue.put((time.monotonic(), None))
            await sender
        finally:
            if not sender.done():
                sender.cancel()

    async def send(self, direction, queue, writer):
        bucket = self.proxy.buckets[direction]
        while True:
            arrived, data = await queue.get()
            if data is None:
                # end of this direction: pass the half-close on
                if not self.closed:
                    try:
                        if writer.can_write_eof():
                            writer.write_eof()
                    except (OSError, RuntimeError):
                        pass
                return
            if self.closed:
                continue                     # drain what is left
            latency = self.proxy.o.latency_ms / 1000
            if latency > 0:
                wait = arrived + latency - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
            if data is CUT:
                self.cut("offset %d %s" % (self.sent[direction], direction))
                continue
            if isinstance(data, tuple):
                await asyncio.sleep(data[1])
                continue
            if not data:
                continue
            await bucket.take(len(data), self.proxy.rate_bytes())
            if self.closed:
                continue
            try:
                writer.write(data)
                await writer.drain()
            except (OSError, RuntimeError, ConnectionError):
                self.close_both(abort=True)
                continue
            self.sent[direction] += len(data)
            if direction == "up":
                self.proxy.stats.bytes_up += len(data)
            else:
                self.proxy.stats.bytes_down += len(data)


def address(text, what):
    host, _, port = text.rpartition(":")
    host = host.strip("[]")
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        raise SystemExit("fault-proxy: %s %s is not a loopback address" % (what, text))
    return host, int(port)


def main(argv=None):
    p = argparse.ArgumentParser(description="Loopback TCP proxy that injects faults.")
    p.add_argument("--listen", default="127.0.0.1:0")
    p.add_argument("--target", required=True)
    p.add_argument("--seed", type=int, default=None, help="random if not given (printed)")
    p.add_argument("--cut-prob", type=float, default=0.0, help="per connection")
    p.add_argument("--cut-direction", choices=("up", "down", "either"), default="either")
    p.add_argument("--cut-min-bytes", type=int, default=1,
                   help="offsets of cuts, stalls and corruptions are drawn from this range")
    p.add_argument("--cut-max-bytes", type=int, default=1 << 20)
    p.add_argument("--stall-prob", type=float, default=0.0)
    p.add_argument("--stall-direction", choices=("up", "down", "either"), default="either")
    p.add_argument("--stall-seconds", type=float, default=2.0)
    p.add_argument("--corrupt-prob", type=float, default=0.0)
    p.add_argument("--corrupt-direction", choices=("up", "down", "either"), default="either")
    p.add_argument("--rate-kbit", type=float, default=0.0, help="0: unlimited")
    p.add_argument("--latency-ms", type=float, default=0.0, help="one way")
    p.add_argument("--cut-every", type=float, default=0.0, help="seconds; 0: never")
    p.add_argument("--max-seconds", type=float, default=600.0)
    p.add_argument("--control", action="store_true", help="commands on stdin")
    p.add_argument("--verbose", action="store_true", help="one line per connection and fault")
    o = p.parse_args(argv)
    o.listen_host, o.listen_port = address(o.listen, "--listen")
    o.target_host, o.target_port = address(o.target, "--target")
    if o.seed is None:
        o.seed = int.from_bytes(os.urandom(4), "little")
    for name in ("cut_prob", "stall_prob", "corrupt_prob"):
        if not 0.0 <= getattr(o, name) <= 1.0:
            raise SystemExit("fault-proxy: --%s must be between 0 and 1" % name.replace("_", "-"))
    if o.cut_min_bytes < 0 or o.cut_max_bytes < o.cut_min_bytes:
        raise SystemExit("fault-proxy: need 0 <= --cut-min-bytes <= --cut-max-bytes")
    if o.max_seconds <= 0:
        raise SystemExit("fault-proxy: --max-seconds must be positive")
    asyncio.run(Proxy(o).run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
