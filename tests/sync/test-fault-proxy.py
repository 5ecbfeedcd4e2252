#!/usr/bin/python3
# test-fault-proxy.py — the fault proxy (fault-proxy.py) against the real
# testigo-server on loopback HTTPS
#
#   test-fault-proxy.py /path/to/testigo-server   (prints TAP)
#
# The client speaks TLS through memory BIOs over a plain socket, so it
# knows exactly how many bytes it put on the wire and took off it, and
# compares them with the proxy's counters. Waits are bounded polls for a
# state (a counter, a closed socket, an exited process); the throttle is
# checked against bounds, not timed precisely.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import hashlib
import json
import os
import socket
import ssl
import subprocess
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "server"))
import hostile  # noqa: E402

BINARY = sys.argv[1]
PROXY = os.path.join(HERE, "fault-proxy.py")
CONFIG = "rate-limit=100000\nrate-burst=100000\n"

results = []


def check(name, ok, detail=""):
    results.append(bool(ok))
    print("%s %d - %s%s" % ("ok" if ok else "not ok", len(results), name,
                            (" # " + detail) if detail else ""), flush=True)


def diag(text):
    print("# " + text, flush=True)


class Proxy:
    """fault-proxy.py in a child process, driven through its stdin."""

    def __init__(self, target_port, *args):
        self.process = subprocess.Popen(
            [sys.executable, PROXY, "--target", "127.0.0.1:%d" % target_port,
             "--control", "--max-seconds", "120"] + list(args),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        first = self.process.stdout.readline()
        if "listening on" not in first:
            raise RuntimeError("the proxy did not start: %r" % first)
        self.port = int(first.split()[3].rsplit(":", 1)[1])
        self.lines = []

    def command(self, line):
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        while True:
            answer = self.process.stdout.readline()
            if not answer:
                raise RuntimeError("the proxy exited")
            if answer.startswith(("ok", "error")):
                return answer.strip()
            self.lines.append(answer.strip())

    def stats(self):
        return json.loads(self.command("stats")[3:])

    def settled_stats(self, timeout=10.0):
        """The counters once no connection is open any more."""
        deadline = time.monotonic() + timeout
        stats = self.stats()
        while stats["open"] > 0 and time.monotonic() < deadline:
            time.sleep(0.05)
            stats = self.stats()
        return stats

    def stop(self):
        try:
            self.process.stdin.close()
        except OSError:
            pass
        rest = self.process.stdout.read()
        self.process.wait(15)
        self.lines.extend(rest.splitlines())
        return self.process.returncode


class RawTLS:
    """A TLS client over memory BIOs: counts the raw bytes both ways."""

    def __init__(self, port, timeout=30.0):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        self.tls = context.wrap_bio(self.incoming, self.outgoing, server_hostname="localhost")
        self.sent = 0
        self.received = 0
        self.eof = False

    def flush(self):
        data = self.outgoing.read()
        if data:
            self.sock.sendall(data)
            self.sent += len(data)

    def fill(self):
        data = self.sock.recv(65536)
        if not data:
            self.eof = True
            self.incoming.write_eof()
            raise ConnectionError("connection closed")
        self.received += len(data)
        self.incoming.write(data)

    def handshake(self):
        while True:
            try:
                self.tls.do_handshake()
                self.flush()
                return
            except ssl.SSLWantReadError:
                self.flush()
                self.fill()

    def fingerprint(self):
        digest = hashlib.sha256(self.tls.getpeercert(binary_form=True)).hexdigest().upper()
        return ":".join(digest[i:i + 2] for i in range(0, 64, 2))

    def send(self, data):
        view = memoryview(data)
        while view:
            n = self.tls.write(view[:65536])
            view = view[n:]
            self.flush()

    def read_response(self):
        """(status, body) of one HTTP/1.1 response with Content-Length."""
        data = b""
        while True:
            try:
                chunk = self.tls.read(65536)
                if not chunk:
                    raise ConnectionError("TLS closed")
                data += chunk
            except ssl.SSLWantReadError:
                self.flush()
                self.fill()
                continue
            if b"\r\n\r\n" in data:
                top, body = data.split(b"\r\n\r\n", 1)
                lines = top.decode("latin-1").split("\r\n")
                length = 0
                for line in lines[1:]:
                    name, value = line.split(":", 1)
                    if name.strip().lower() == "content-length":
                        length = int(value)
                if len(body) >= length:
                    return int(lines[0].split()[1]), body[:length]

    def request(self, method, path, body=b"", headers=None):
        self.send(hostile.head(method, path, headers,
                               len(body) if body or method in ("POST", "PUT") else None) + body)
        return self.read_response()

    def close(self):
        try:
            self.tls.unwrap()
        except (ssl.SSLError, ssl.SSLWantReadError, OSError):
            pass
        try:
            self.flush()
        except OSError:
            pass
        self.sock.close()


def push_body(n, size):
    revisions = [hostile.revision(str(uuid.uuid4()), "proxy-test", i + 1,
                                  json.dumps({"title": "x" * size}))
                 for i in range(n)]
    return json.dumps({"revisions": revisions}).encode()


def fails(fn):
    """The exception @fn raised, or None."""
    try:
        fn()
    except (OSError, ssl.SSLError, ConnectionError, ValueError) as e:
        return e
    return None


def test_pass_through(server, token):
    proxy = Proxy(server.port, "--seed", "1")
    try:
        client = RawTLS(proxy.port)
        client.handshake()
        check("pass-through: the client sees the server's own certificate",
              client.fingerprint() == server.fingerprint)
        status, body = client.request("GET", "/api/v1/info")
        check("pass-through: info answers 200 through the proxy",
              status == 200 and json.loads(body)["server"] == "testigo-server")
        body = push_body(20, 100000)
        status, reply = client.request("POST", "/api/v1/push", body,
                                       {"Authorization": "Bearer " + token})
        accepted = len(json.loads(reply).get("accepted", [])) if status == 200 else -1
        check("pass-through: a %d kB push goes through whole" % (len(body) // 1000),
              status == 200 and accepted == 20, "status %d, accepted %d" % (status, accepted))
        client.close()
        stats = proxy.settled_stats()
        check("pass-through: the proxy counts every byte both ways",
              stats["bytes_up"] == client.sent and stats["bytes_down"] == client.received,
              "client sent %d received %d, proxy %d up %d down"
              % (client.sent, client.received, stats["bytes_up"], stats["bytes_down"]))
        check("pass-through: no fault without being asked",
              stats["cuts"] + stats["stalls"] + stats["corruptions"] + stats["faulted"] == 0)
    finally:
        proxy.stop()


def test_cut_up(server, token):
    proxy = Proxy(server.port, "--seed", "2", "--cut-prob", "1", "--cut-direction", "up",
                  "--cut-min-bytes", "20000", "--cut-max-bytes", "20000")
    try:
        client = RawTLS(proxy.port)
        client.handshake()
        body = push_body(5, 100000)
        error = fails(lambda: client.request("POST", "/api/v1/push", body,
                                             {"Authorization": "Bearer " + token}))
        check("cut up: the client sees the connection end without a response",
              error is not None, repr(error))
        client.close()
        stats = proxy.settled_stats()
        check("cut up: the server got exactly the bytes before the offset",
              stats["bytes_up"] == 20000 and stats["cuts"] == 1,
              "%d bytes up, %d cuts" % (stats["bytes_up"], stats["cuts"]))
        proxy.command("faults off")
        client = RawTLS(proxy.port)
        client.handshake()
        status, _ = client.request("GET", "/api/v1/info")
        client.close()
        check("cut up: with faults off the next connection goes through", status == 200)
    finally:
        proxy.stop()


def clean_exchange_sizes(port):
    """Raw bytes down during the handshake and in all of one info
    exchange, on a connection without faults."""
    client = RawTLS(port)
    client.handshake()
    after_handshake = client.received
    client.request("GET", "/api/v1/info")
    total = client.received
    client.close()
    return after_handshake, total


def test_cut_down(server):
    probe = Proxy(server.port)
    handshake, total = clean_exchange_sizes(probe.port)
    probe.stop()
    offset = (handshake + total) // 2
    proxy = Proxy(server.port, "--seed", "3", "--cut-prob", "1", "--cut-direction", "down",
                  "--cut-min-bytes", str(offset), "--cut-max-bytes", str(offset))
    try:
        client = RawTLS(proxy.port)
        error = fails(lambda: (client.handshake(), client.request("GET", "/api/v1/info")))
        check("cut down: the response is cut short", error is not None, repr(error))
        check("cut down: the client got no more than the bytes before the offset",
              client.received <= offset, "%d received, cut at %d of %d" % (client.received, offset, total))
        client.close()
        stats = proxy.settled_stats()
        check("cut down: counted as one cut", stats["cuts"] == 1 and stats["bytes_down"] == offset,
              "%d down, %d cuts" % (stats["bytes_down"], stats["cuts"]))
    finally:
        proxy.stop()


def test_corrupt(server, token):
    probe = Proxy(server.port)
    handshake, total = clean_exchange_sizes(probe.port)
    probe.stop()
    offset = (handshake + total) // 2
    proxy = Proxy(server.port, "--seed", "4", "--corrupt-prob", "1", "--corrupt-direction", "down",
                  "--cut-min-bytes", str(offset), "--cut-max-bytes", str(offset))
    try:
        client = RawTLS(proxy.port)
        error = fails(lambda: (client.handshake(), client.request("GET", "/api/v1/info")))
        check("corrupt down: TLS refuses the record with the flipped byte",
              isinstance(error, ssl.SSLError), repr(error))
        client.close()
        stats = proxy.settled_stats()
        check("corrupt down: one corruption counted", stats["corruptions"] == 1)
    finally:
        proxy.stop()
    # upstream: a byte of the request's body; the server drops the
    # connection instead of answering
    proxy = Proxy(server.port, "--seed", "5", "--corrupt-prob", "1", "--corrupt-direction", "up",
                  "--cut-min-bytes", "30000", "--cut-max-bytes", "30000")
    try:
        client = RawTLS(proxy.port)
        client.handshake()
        body = push_body(1, 60000)
        error = fails(lambda: client.request("POST", "/api/v1/push", body,
                                             {"Authorization": "Bearer " + token}))
        check("corrupt up: the server answers nothing to a corrupted request",
              error is not None, repr(error))
        client.close()
        stats = proxy.settled_stats()
        check("corrupt up: one corruption counted", stats["corruptions"] == 1)
    finally:
        proxy.stop()


def test_stall(server):
    probe = Proxy(server.port)
    handshake, total = clean_exchange_sizes(probe.port)
    probe.stop()
    offset = (handshake + total) // 2
    proxy = Proxy(server.port, "--seed", "6", "--stall-prob", "1", "--stall-seconds", "1.5",
                  "--stall-direction", "down",
                  "--cut-min-bytes", str(offset), "--cut-max-bytes", str(offset))
    try:
        started = time.monotonic()
        client = RawTLS(proxy.port)
        client.handshake()
        status, _ = client.request("GET", "/api/v1/info")
        took = time.monotonic() - started
        client.close()
        stats = proxy.settled_stats()
        check("stall: a stalled response arrives late but whole",
              stats["stalls"] == 1 and status == 200 and took >= 1.4, "%.2f s" % took)
        check("stall: and the bytes are all there",
              stats["bytes_down"] == client.received, "%d/%d" % (stats["bytes_down"], client.received))
    finally:
        proxy.stop()


def test_throttle(server, token):
    rate_kbit = 256
    body = push_body(1, 96000)
    expected = len(body) * 8 / (rate_kbit * 1000)
    proxy = Proxy(server.port, "--rate-kbit", str(rate_kbit))
    try:
        client = RawTLS(proxy.port)
        client.handshake()
        started = time.monotonic()
        status, _ = client.request("POST", "/api/v1/push", body, {"Authorization": "Bearer " + token})
        took = time.monotonic() - started
        client.close()
        diag("throttle: %d bytes at %d kbit/s in %.2f s (%.2f s at the rate)"
             % (len(body), rate_kbit, took, expected))
        check("throttle: the push takes at least the time the rate allows",
              status == 200 and took >= 0.85 * expected, "%.2f s" % took)
        # generous: the rate is a ceiling, a loaded machine only adds
        check("throttle: and not wildly more (%.1f kbit/s)" % (len(body) * 8 / took / 1000),
              took <= 3 * expected + 5, "%.2f s" % took)
        proxy.command("set rate-kbit 0")
        proxy.command("set latency-ms 500")
        started = time.monotonic()
        client = RawTLS(proxy.port)
        client.handshake()
        status, _ = client.request("GET", "/api/v1/info")
        took = time.monotonic() - started
        client.close()
        # TLS 1.3: hello up, hello down, finished and request up, response
        # down: four crossings of 500 ms
        check("latency: a new connection's first request crosses the link four times",
              status == 200 and took >= 1.9, "%.2f s" % took)
    finally:
        proxy.stop()


def test_cut_every(server):
    proxy = Proxy(server.port, "--cut-every", "1")
    try:
        client = RawTLS(proxy.port)
        client.handshake()
        status, _ = client.request("GET", "/api/v1/info")
        closed = hostile.closed_by_peer(client.sock, 10)
        client.close()
        stats = proxy.settled_stats()
        check("cut-every: an idle kept-alive connection is cut by the clock",
              status == 200 and closed and stats["cuts"] >= 1, "cuts %d" % stats["cuts"])
    finally:
        proxy.stop()


def test_seed():
    server = hostile.Server(BINARY, CONFIG)
    server.start()
    try:
        def run(seed):
            proxy = Proxy(server.port, "--seed", str(seed), "--verbose", "--cut-prob", "0.5",
                          "--stall-prob", "0.5", "--corrupt-prob", "0.5")
            for _ in range(8):
                sock = socket.create_connection(("127.0.0.1", proxy.port), timeout=10)
                sock.close()
            proxy.settled_stats()
            proxy.stop()
            return [line for line in proxy.lines if ": open " in line]
        first, again, other = run(11), run(11), run(12)
        check("seed: the same seed plans the same faults per connection",
              len(first) == 8 and first == again, "%d plans" % len(first))
        check("seed: another seed plans other faults", first != other)
    finally:
        server.stop()


def test_bounds():
    process = subprocess.Popen([sys.executable, PROXY, "--target", "127.0.0.1:9", "--max-seconds", "1"],
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
    try:
        out, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    lines = out.strip().splitlines()
    check("max-seconds: the proxy stops by itself and prints its counters",
          process.returncode == 0 and lines and lines[-1].startswith("fault-proxy: stats {"),
          repr(lines[-1:]))
    out = subprocess.run([sys.executable, PROXY, "--target", "127.0.0.1:9", "--listen", "0.0.0.0:0",
                          "--max-seconds", "1"], capture_output=True, text=True, timeout=30)
    check("loopback only: a public listening address is refused",
          out.returncode != 0 and "loopback" in out.stderr)


def main():
    server = hostile.Server(BINARY, CONFIG)
    server.start()
    try:
        token = server.enrol("ana")
        test_pass_through(server, token)
        test_cut_up(server, token)
        test_cut_down(server)
        test_corrupt(server, token)
        test_stall(server)
        test_throttle(server, token)
        test_cut_every(server)
    finally:
        server.stop()
    test_seed()
    test_bounds()
    print("1..%d" % len(results))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
