#!/usr/bin/python3
# test-conn.py — testigo-server's connection layer against hostile clients
#
# Runs the real binary on 127.0.0.1 and talks to it with raw sockets (TLS
# through Python's ssl, certificate checked against the printed
# fingerprint). Prints TAP. Usage: test-conn.py /path/to/testigo-server
#
# Every wait is a bounded poll for a state (a closed socket, a settled fd
# count), never a sleep standing for one.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import base64
import concurrent.futures
import hashlib
import json
import os
import select
import socket
import ssl
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile  # noqa: E402

BINARY = sys.argv[1]
CYCLES = int(os.environ.get("CONN_CYCLES", "2000"))
# how much of a refused body a client sends at most before it gives up
STREAM_LIMIT = int(os.environ.get("CONN_STREAM_MIB", "256")) << 20
# the limits the tests run with (docs/server.md gives the defaults)
TIMEOUTS = ("header-timeout=2\nbody-timeout=2\nmin-body-rate=1024\n"
            "idle-timeout=2\nrate-limit=100000\nrate-burst=100000\n"
            "handshake-rate=100000\nhandshake-burst=100000\n")
TICK = 0.25      # the server checks its deadlines this often
SLACK = 1.5      # scheduling on a shared machine

results = []


def check(name, ok, detail=""):
    results.append(ok)
    print("%s %d - %s%s" % ("ok" if ok else "not ok", len(results), name,
                            (" # " + detail) if detail else ""), flush=True)


def diag(text):
    print("# " + text, flush=True)


BLOB = "ab" * 32


def one_cycle(server, i, token):
    """One connection of the fd test, in one of its ways of ending."""
    kind = i % 8
    sock = hostile.connect(server, handshake=(kind != 1))
    try:
        if kind == 1:
            pass                                        # connect, close: nothing sent (no handshake)
        elif kind == 2:
            sock.sendall(b"GET /api/v1/in")             # close mid-headers
        elif kind == 3:
            sock.sendall(hostile.head("POST", "/api/v1/enrol", length=100) + b"{\"co")  # mid-body
        elif kind == 4:
            # keep-alive: two requests, then close while idle
            for _ in range(2):
                sock.sendall(hostile.head("GET", "/api/v1/info"))
                assert hostile.read_response(sock)[0] == 200
        elif kind == 5:
            # a push handed to the store thread (the handler is paused);
            # the client goes before the reply
            body = b'{"revisions": []}'
            sock.sendall(hostile.head("POST", "/api/v1/push", {"Authorization": "Bearer " + token},
                                      length=len(body)) + body)
        elif kind == 6 and server.tls:
            pass                                        # TLS handshake, then close
        else:
            sock.sendall(hostile.head("GET", "/api/v1/info"))
            response = hostile.read_response(sock)
            assert response and response[0] == 200, response
    finally:
        sock.close()


def test_fds_flat(tls):
    name = "TLS" if tls else "plain HTTP"
    server = hostile.Server(BINARY, TIMEOUTS.replace("idle-timeout=2", "idle-timeout=600")
                            .replace("header-timeout=2", "header-timeout=600")
                            .replace("body-timeout=2", "body-timeout=600"), tls=tls)
    server.start()
    try:
        token = server.enrol("ana")
        hostile.request(server, "GET", "/api/v1/info")
        # warm-up: GIO's thread pool, the store thread, malloc's arenas
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            for future in [pool.submit(one_cycle, server, i, token) for i in range(200)]:
                future.result()
        base = server.settle_fds(13, 15)
        rss_before = server.status_kb("VmRSS")
        started = time.monotonic()
        # four clients at once: TLS handshakes are slow on a shared machine
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            for future in [pool.submit(one_cycle, server, i, token) for i in range(CYCLES)]:
                future.result()
        peak = server.fds()
        # the long timeouts rule them out: only closes release these
        settled = server.settle_fds(base + 4, 15)
        diag("%s: %d fds before, %d right after %d cycles, %d settled (%.1f s)"
             % (name, base, peak, CYCLES, settled, time.monotonic() - started))
        check("%s: fd count flat over %d connect-request-close cycles" % (name, CYCLES),
              settled <= base + 4, "before %d, after %d" % (base, settled))
        rss_after = server.status_kb("VmRSS")
        diag("%s: VmRSS %d kB before, %d kB after" % (name, rss_before, rss_after))
        # a connection closed but not freed held about 21 kB with TLS
        # (+42 MB here): checked with TLS only, where it stands out from
        # the worker threads' arenas (0.5-3 MB, more under the whole
        # suite); plain HTTP held 2 kB each, within that noise
        if tls:
            check("%s: memory flat over the cycles (VmRSS +%d kB)" % (name, rss_after - rss_before),
                  rss_after - rss_before < 8192)
        status = hostile.request(server, "GET", "/api/v1/info")[0]
        check("%s: still serving after the cycles" % name, status == 200)
    finally:
        server.stop()


def stream_until_answered(sock, limit):
    """Sends zeros until the server answers or closes, at most @limit
    bytes; returns (bytes sent, response or None)."""
    chunk = b"\0" * 65536
    sent = 0
    raw = sock
    while sent < limit:
        readable = (isinstance(raw, ssl.SSLSocket) and raw.pending()) or \
            select.select([raw], [], [], 0)[0]
        if readable:
            break
        try:
            if select.select([], [raw], [], 2.0)[1]:
                sent += raw.send(chunk)
            else:
                break          # the server stopped reading
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            break
    return sent, hostile.read_response(sock, timeout=5)


def test_bodies_refused():
    server = hostile.Server(BINARY, TIMEOUTS)
    server.start()
    try:
        token = server.enrol("ana")
        hostile.request(server, "GET", "/api/v1/info")
        start = server.status_kb("VmHWM")
        gib = 1 << 30
        routes = [
            ("GET", "/api/v1/info"), ("POST", "/api/v1/enrol"), ("POST", "/api/v1/push"),
            ("GET", "/api/v1/pull"), ("GET", "/api/v1/blobs/%s/upload" % BLOB),
            ("PUT", "/api/v1/blobs/%s?offset=0" % BLOB), ("GET", "/api/v1/blobs/%s" % BLOB),
            ("POST", "/nowhere"), ("DELETE", "/api/v1/push"),
            # a client of protocol 1: no Upload-Checksum (400)
            ("PUT", "/api/v1/blobs/%s?offset=0#v1" % BLOB),
        ]
        worst_sent = 0
        before = start
        # the first round warms the server up (threads of GIO's pool, each
        # with its malloc arena, TLS state); the second is measured
        for round_ in (1, 2):
            if round_ == 2:
                before = server.status_kb("VmHWM")
            for method, path in routes:
                for with_token in (False, True):
                    # a well-formed Upload-Checksum (protocol 2): the
                    # refusal is the route's own, not the missing header's
                    headers = {"Upload-Length": str(gib)}
                    if not path.endswith("#v1"):
                        headers["Upload-Checksum"] = "sha256 " + "A" * 43 + "="
                    if with_token:
                        headers["Authorization"] = "Bearer " + token
                    sock = hostile.connect(server)
                    sock.sendall(hostile.head(method, path.replace("#v1", ""), headers, length=gib))
                    sent, response = stream_until_answered(sock, STREAM_LIMIT)
                    closed = response is not None and hostile.closed_by_peer(sock, 5)
                    sock.close()
                    worst_sent = max(worst_sent, sent)
                    ok = response is not None and 400 <= response[0] < 500 and closed
                    if path.endswith("#v1") and with_token:
                        ok = ok and response[0] == 400
                    check("round %d: 1 GiB body to %s %s %s token refused before it is read, then closed"
                          % (round_, method, path, "with" if with_token else "without"), ok,
                          "status %s after %d bytes sent" % (response and response[0], sent))
        # chunked: no length to refuse from
        for method, path, headers in (("POST", "/api/v1/push", {"Authorization": "Bearer " + token}),
                                      ("POST", "/api/v1/enrol", {}),
                                      ("GET", "/api/v1/info", {})):
            headers = dict(headers, **{"Transfer-Encoding": "chunked"})
            sock = hostile.connect(server)
            sock.sendall(hostile.head(method, path, headers))
            sent, response = stream_until_answered(sock, STREAM_LIMIT)
            sock.close()
            check("chunked body to %s %s refused before it is read" % (method, path),
                  response is not None and response[0] in (411, 413),
                  "status %s after %d bytes" % (response and response[0], sent))
        after = server.status_kb("VmHWM")
        diag("VmHWM %d kB at start, %d kB after the first round, %d kB after the second; "
             "at most %d bytes sent before a refusal" % (start, before, after, worst_sent))
        check("peak memory grew by less than 8 MB over the first round (warm-up included)",
              before - start < 8192, "%d kB" % (before - start))
        check("peak memory grew by less than 2 MB over the second round",
              after - before < 2048, "%d kB" % (after - before))
    finally:
        server.stop()


def test_bad_lengths():
    server = hostile.Server(BINARY, TIMEOUTS)
    server.start()
    try:
        for value in ("-1", "+5", "1e3", "99999999999999999999", "5, 5", "abc"):
            sock = hostile.connect(server)
            sock.sendall(("POST /api/v1/enrol HTTP/1.1\r\nHost: localhost\r\n"
                          "Content-Length: %s\r\n\r\n" % value).encode())
            started = time.monotonic()
            response = hostile.read_response(sock, timeout=5)
            took = time.monotonic() - started
            sock.close()
            check("Content-Length: %s answered at once with 400" % value,
                  response is not None and response[0] == 400 and took < 1.0,
                  "status %s in %.2f s" % (response and response[0], took))

        # announced, never sent: dropped within body-timeout
        sock = hostile.connect(server)
        sock.sendall(hostile.head("POST", "/api/v1/enrol", length=100))
        started = time.monotonic()
        closed = hostile.closed_by_peer(sock, 10)
        took = time.monotonic() - started
        sock.close()
        check("a body announced and never sent is dropped within body-timeout (2 s)",
              closed and took <= 2 + TICK + SLACK, "%.2f s" % took)
    finally:
        server.stop()


def test_slow_clients():
    server = hostile.Server(BINARY, TIMEOUTS)
    server.start()
    try:
        # 1 byte a second in the headers
        slow = hostile.connect(server)
        request = hostile.head("GET", "/api/v1/info")
        started = time.monotonic()
        dropped_after = None
        for i in range(len(request)):
            try:
                slow.sendall(request[i:i + 1])
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
                dropped_after = time.monotonic() - started
                break
            # the normal device meanwhile
            if i == 1:
                t = time.monotonic()
                status = hostile.request(server, "GET", "/api/v1/info")[0]
                normal = time.monotonic() - t
                check("a normal request is served while a slow client trickles",
                      status == 200 and normal < 1.0, "%.3f s" % normal)
            if hostile.closed_by_peer(slow, 1.0):
                dropped_after = time.monotonic() - started
                break
        slow.close()
        check("a client sending its headers at 1 byte/s is dropped within header-timeout (2 s)",
              dropped_after is not None and dropped_after <= 2 + TICK + SLACK,
              "after %s s" % (dropped_after and "%.2f" % dropped_after))

        # 1 byte a second in the body
        slow = hostile.connect(server)
        slow.sendall(hostile.head("POST", "/api/v1/enrol", length=200))
        started = time.monotonic()
        dropped_after = None
        for i in range(30):
            try:
                slow.sendall(b"{")
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
                dropped_after = time.monotonic() - started
                break
            if hostile.closed_by_peer(slow, 1.0):
                dropped_after = time.monotonic() - started
                break
        slow.close()
        check("a body at 1 byte/s is dropped within body-timeout (2 s) at min-body-rate 1024",
              dropped_after is not None and dropped_after <= 2 + TICK + SLACK,
              "after %s s" % (dropped_after and "%.2f" % dropped_after))

        # an idle keep-alive connection
        sock = hostile.connect(server)
        sock.sendall(hostile.head("GET", "/api/v1/info"))
        ok = hostile.read_response(sock)[0] == 200
        started = time.monotonic()
        closed = hostile.closed_by_peer(sock, 10)
        took = time.monotonic() - started
        sock.close()
        check("an idle keep-alive connection is closed after idle-timeout (2 s)",
              ok and closed and 2 - TICK <= took <= 2 + TICK + SLACK, "%.2f s" % took)

        # a connection that never sends anything (no TLS handshake either)
        sock = hostile.connect(server, handshake=False)
        started = time.monotonic()
        closed = hostile.closed_by_peer(sock, 10)
        took = time.monotonic() - started
        sock.close()
        check("a connection that sends nothing is closed after header-timeout (2 s)",
              closed and took <= 2 + TICK + SLACK, "%.2f s" % took)
    finally:
        server.stop()


def test_per_address():
    server = hostile.Server(BINARY, "max-connections-per-address=64\n" + TIMEOUTS
                            .replace("header-timeout=2", "header-timeout=60"))
    server.start()
    try:
        held = [hostile.connect(server, handshake=False) for _ in range(64)]
        # the 65th from the same address is closed at once
        extra = hostile.connect(server, handshake=False)
        refused = hostile.closed_by_peer(extra, 5)
        extra.close()
        check("the 65th connection from one address is closed at once", refused)
        # another address is served meanwhile
        other = hostile.connect(server, source="127.0.0.2")
        other.sendall(hostile.head("GET", "/api/v1/info"))
        response = hostile.read_response(other)
        other.close()
        check("a connection from another address is served meanwhile",
              response is not None and response[0] == 200)
        # the first 64 are still open
        alive = sum(1 for s in held if not hostile.closed_by_peer(s, 0))
        check("the 64 held connections stay open", alive == 64, "%d open" % alive)
        for s in held:
            s.close()
        # and once they are gone, the address is served again
        deadline = time.monotonic() + 10
        status = None
        while time.monotonic() < deadline and status != 200:
            try:
                status = hostile.request(server, "GET", "/api/v1/info")[0]
            except (RuntimeError, OSError, ssl.SSLError):
                status = None
        check("the address is served again once its connections closed", status == 200)
    finally:
        server.stop()


def test_unread_response():
    server = hostile.Server(BINARY, TIMEOUTS + "request-timeout=2\n")
    server.start()
    try:
        token = server.enrol("ana")
        auth = {"Authorization": "Bearer " + token}
        blob = os.urandom(16 << 20)
        sha = hashlib.sha256(blob).hexdigest()
        content = json.dumps({"title": "x", "sources": [{"kind": "file", "sha256": sha}]})
        body = json.dumps({"revisions": [hostile.revision(str(uuid.uuid4()), "dev-1", 1, content)]}).encode()
        status, _, reply = hostile.request(server, "POST", "/api/v1/push", body, auth)
        assert status == 200 and sha in json.loads(reply)["missing_blobs"], reply
        # two chunks of 8 MiB (max-chunk-bytes), each with its checksum
        half = len(blob) // 2
        for offset, expected in ((0, 200), (half, 201)):
            chunk = blob[offset:offset + half]
            checksum = "sha256 " + base64.b64encode(hashlib.sha256(chunk).digest()).decode()
            status = hostile.request(server, "PUT", "/api/v1/blobs/%s?offset=%d" % (sha, offset), chunk,
                                     dict(auth, **{"Upload-Length": str(len(blob)),
                                                   "Upload-Checksum": checksum}))[0]
            assert status == expected, status
        base = server.settle_fds(0, 0.5)

        # asks for 16 MiB and reads none of it
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", server.port))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        sock = context.wrap_socket(sock, server_hostname="localhost")
        sock.sendall(hostile.head("GET", "/api/v1/blobs/%s" % sha, auth))
        started = time.monotonic()
        count = server.settle_fds(base + 1, 0.5)
        check("the connection is open while its response waits", count == base + 1, "%d fds" % count)
        count = server.settle_fds(base, 10)
        took = time.monotonic() - started
        sock.close()
        check("a response the client does not read is dropped after request-timeout (2 s)",
              count <= base and took <= 2 + TICK + SLACK, "%d fds after %.2f s" % (count, took))
        status = hostile.request(server, "GET", "/api/v1/info")[0]
        check("still serving after it", status == 200)
    finally:
        server.stop()


def test_max_connections():
    server = hostile.Server(BINARY, "max-connections=8\n" + TIMEOUTS
                            .replace("header-timeout=2", "header-timeout=60"))
    server.start()
    try:
        held = [hostile.connect(server, source="127.0.0.2", handshake=False) for _ in range(8)]
        extra = hostile.connect(server, source="127.0.0.3", handshake=False)
        refused = hostile.closed_by_peer(extra, 5)
        extra.close()
        check("past max-connections (8) a connection from another address is closed at once", refused)
        held.pop().close()
        deadline = time.monotonic() + 10
        status = None
        while time.monotonic() < deadline and status != 200:
            try:
                status = hostile.request(server, "GET", "/api/v1/info")[0]
            except (RuntimeError, OSError, ssl.SSLError):
                status = None
        check("one closed, a new connection is served", status == 200)
        for s in held:
            s.close()
    finally:
        server.stop()


def test_half_close():
    # plain HTTP: shutdown () of the sending side alone, without TLS
    server = hostile.Server(BINARY, TIMEOUTS.replace("idle-timeout=2", "idle-timeout=60"), tls=False)
    server.start()
    try:
        sock = hostile.connect(server, handshake=False)
        sock.sendall(hostile.head("GET", "/api/v1/info"))
        sock.shutdown(socket.SHUT_WR)
        started = time.monotonic()
        closed = hostile.closed_by_peer(sock, 5)
        took = time.monotonic() - started
        sock.close()
        check("a client that shuts down its sending side is taken as gone at once",
              closed and took < 1.0, "closed %s after %.2f s" % (closed, took))
    finally:
        server.stop()


def test_half_close_mid_request():
    # shutdown () of the sending side in the middle of the headers and in
    # the middle of a body: the request can never be completed, so the
    # connection is closed at once, not after header-timeout or
    # body-timeout (60 s here), and its descriptor goes
    server = hostile.Server(BINARY, TIMEOUTS.replace("idle-timeout=2", "idle-timeout=60")
                            .replace("header-timeout=2", "header-timeout=60")
                            .replace("body-timeout=2", "body-timeout=60"), tls=False)
    server.start()
    try:
        # one ordinary request first: the server may open a descriptor of
        # its own only when it first serves (seen: 11 at start, 12 after)
        initial = server.fds()
        assert hostile.request(server, "GET", "/api/v1/info")[0] == 200
        base = server.settle_fds(initial + 1, 5)
        for what, data in (("headers", b"GET /api/v1/inf"),
                           ("body", hostile.head("POST", "/api/v1/enrol", length=100) + b'{"code": "AB')):
            sock = hostile.connect(server, handshake=False)
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
            started = time.monotonic()
            closed = hostile.closed_by_peer(sock, 10)
            took = time.monotonic() - started
            sock.close()
            fds = server.settle_fds(base, 5)
            check("a client that shuts down its sending side mid-%s is closed at once" % what,
                  closed and took < 1.0 + SLACK and fds <= base,
                  "closed %s after %.2f s, fds %d -> %d" % (closed, took, base, fds))
    finally:
        server.stop()


def test_out_of_descriptors():
    # the case: a 256-descriptor limit; here 64, and the server's
    # own limits set above it so that accept () itself fails
    server = hostile.Server(BINARY, "max-connections=1000\nmax-connections-per-address=1000\n" +
                            TIMEOUTS.replace("header-timeout=2", "header-timeout=60"), nofile=64)
    server.start()
    try:
        held = []
        for i in range(80):
            try:
                held.append(hostile.connect(server, handshake=False))
            except OSError:
                break
        # accept () now fails for want of descriptors: no busy loop
        server.settle_fds(0, 0.5)
        cpu = server.cpu_seconds()
        waited = time.monotonic()
        while time.monotonic() - waited < 2.0:
            time.sleep(0.1)
        spent = server.cpu_seconds() - cpu
        check("out of descriptors, the server does not spin (%.2f s of CPU in 2 s)" % spent, spent < 0.5)
        for s in held:
            s.close()
        deadline = time.monotonic() + 15
        status = None
        while time.monotonic() < deadline and status != 200:
            try:
                status = hostile.request(server, "GET", "/api/v1/info")[0]
            except (RuntimeError, OSError, ssl.SSLError):
                status = None
        check("and serves again once the clients are gone", status == 200)
    finally:
        server.stop()


def client_hello():
    """The bytes of a real ClientHello, from Python's ssl over memory."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname="localhost")
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def test_stalled_handshakes():
    server = hostile.Server(BINARY, "max-connections-per-address=1000\n" + TIMEOUTS
                            .replace("header-timeout=2", "header-timeout=60"))
    server.start()
    try:
        # 40 clients send a whole ClientHello, then nothing: each handshake
        # would hold a thread of GIO's pool while it waits for them
        held = []
        for _ in range(40):
            sock = hostile.connect(server, source="127.0.0.2", handshake=False)
            sock.sendall(client_hello())
            held.append(sock)
        # the server has read them all (its handshakes answered what it can)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and server.fds() < 40:
            time.sleep(0.05)
        started = time.monotonic()
        status = hostile.request(server, "GET", "/api/v1/info")[0]
        took = time.monotonic() - started
        check("40 stalled TLS handshakes from one address do not delay another's request",
              status == 200 and took < 1.5, "%.2f s" % took)
        for sock in held:
            sock.close()
    finally:
        server.stop()


def test_stalled_handshakes_many_addresses():
    # the same from many addresses, each within its own limit of 8
    # handshakes: 39 addresses x 8 would hold 312 of GIO's pool threads.
    # A device waits at most for a stalled handshake to reach its 1 s
    # grace and be cut (10 s and more before the global cap)
    server = hostile.Server(BINARY, TIMEOUTS.replace("header-timeout=2", "header-timeout=60"))
    server.start()
    try:
        held = []
        hello = client_hello()
        for n in range(2, 41):
            for _ in range(8):
                sock = hostile.connect(server, source="127.0.0.%d" % n, handshake=False)
                sock.sendall(hello)
                held.append(sock)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and server.fds() < len(held):
            time.sleep(0.05)
        took = []
        for _ in range(3):
            started = time.monotonic()
            status = hostile.request(server, "GET", "/api/v1/info")[0]
            took.append(time.monotonic() - started)
            if status != 200:
                break
        check("%d stalled TLS handshakes from 39 addresses do not keep a device out" % len(held),
              status == 200 and max(took) < 2.5, " ".join("%.2f s" % t for t in took))
        for sock in held:
            sock.close()
    finally:
        server.stop()


def test_refusals_logged():
    # refused requests are logged on stderr, 20 a minute per client
    # address one by one (the rest counted the next minute), with status,
    # method, path and address, never the token nor the query string
    import tempfile
    log = tempfile.NamedTemporaryFile(prefix="testigo-stderr-", delete=False)
    log.close()
    server = hostile.Server(BINARY, TIMEOUTS, stderr_path=log.name)
    server.start()
    try:
        token = "SECRETtoken" + "0" * 32
        sock = hostile.connect(server, source="127.0.0.6")
        for _ in range(45):
            status = hostile.request(server, "GET", "/api/v1/pull?since=77", headers={
                "Authorization": "Bearer " + token}, sock=sock)[0]
            assert status == 401, status
        sock.close()
        # a refusal from another address has a window of its own
        sock = hostile.connect(server, source="127.0.0.7")
        hostile.request(server, "GET", "/api/v1/pull", headers={"Authorization": "Bearer x"}, sock=sock)
        sock.close()
        deadline = time.monotonic() + 10
        lines = []
        while time.monotonic() < deadline:
            with open(log.name) as f:
                lines = [line for line in f if "refused: " in line]
            if any("127.0.0.7" in line for line in lines):
                break
            time.sleep(0.05)
        mine = [line for line in lines if "401 GET /api/v1/pull from 127.0.0.6" in line]
        with open(log.name) as f:
            text = f.read()
        check("45 refused requests from one address: 20 logged one by one on stderr",
              len(mine) == 20, "%d lines" % len(mine))
        check("another address's refusal is logged in its own window",
              any("401 GET /api/v1/pull from 127.0.0.7" in line for line in lines))
        check("the log never holds the token nor the query string",
              token not in text and "since=77" not in text)
    finally:
        server.stop()
        os.unlink(log.name)


def flood_handshakes(server, source, attempts, stop):
    """(handshakes completed, connections closed before one): new TLS
    connections from @source, four at a time, each closed at once, at
    least @attempts of them and then until @stop is set."""
    done = [0, 0]
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                if sum(done) >= attempts and stop.is_set():
                    return
            try:
                hostile.connect(server, source=source).close()
                ok = True
            except (OSError, ssl.SSLError):
                ok = False
            with lock:
                done[0 if ok else 1] += 1
    workers = [threading.Thread(target=worker) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return done[0], done[1]


def test_handshake_rate():
    # new TLS connections from one address beyond handshake-rate are
    # closed at accept; another address's device syncs meanwhile, and the
    # refusals are logged and audited in the refusal windows (20 a minute)
    import sqlite3
    import tempfile
    log = tempfile.NamedTemporaryFile(prefix="testigo-stderr-", delete=False)
    log.close()
    rate, burst, attempts = 1, 10, 300
    server = hostile.Server(BINARY, TIMEOUTS.replace("handshake-rate=100000", "handshake-rate=%d" % rate)
                            .replace("handshake-burst=100000", "handshake-burst=%d" % burst),
                            stderr_path=log.name)
    server.start()
    try:
        token = server.enrol("ana")
        base = server.fds()
        counts = {}
        flooding = threading.Event()
        synced = threading.Event()

        def flood():
            started = time.monotonic()
            flooding.set()
            counts["done"], counts["closed"] = flood_handshakes(server, "127.0.0.8", attempts, synced)
            counts["seconds"] = time.monotonic() - started
        flooder = threading.Thread(target=flood)
        flooder.start()
        flooding.wait()
        # a device from 127.0.0.1, on a new connection, while the flood runs
        revisions = [hostile.revision(str(uuid.uuid4()), "ana-laptop", i + 1, json.dumps({"title": "r%d" % i}))
                     for i in range(5)]
        headers = {"Authorization": "Bearer " + token}
        started = time.monotonic()
        sock = hostile.connect(server)
        push = hostile.request(server, "POST", "/api/v1/push", json.dumps({"revisions": revisions}).encode(),
                               headers, sock=sock)
        pull = hostile.request(server, "GET", "/api/v1/pull?since=0", headers=headers, sock=sock)
        took = time.monotonic() - started
        sock.close()
        synced.set()
        flooder.join()
        pulled = {r["id"] for r in json.loads(pull[2])["revisions"]} if pull[0] == 200 else set()
        allowed = burst + rate * counts["seconds"]
        diag("flood from 127.0.0.8: %d handshakes completed, %d connections closed in %.2f s "
             "(the bucket allows %.0f); meanwhile the device's push and pull took %.2f s"
             % (counts["done"], counts["closed"], counts["seconds"], allowed, took))
        check("a flood of new TLS connections from one address is throttled to handshake-rate",
              counts["done"] <= allowed + 1 and counts["closed"] >= attempts - allowed - 1,
              "%d completed, %d closed" % (counts["done"], counts["closed"]))
        check("a device from another address syncs in normal time meanwhile",
              push[0] == 200 and pull[0] == 200 and {r["id"] for r in revisions} <= pulled and took < 3.0,
              "push %d, pull %d, %.2f s" % (push[0], pull[0], took))
        check("the closed connections leave no descriptor behind", server.settle_fds(base + 2, 15) <= base + 2)
        # logged and audited like refused requests: 20 one by one a minute
        path = os.path.join(server.dir, "data", "server.db")
        audited = []
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
            try:
                audited = [row[0] for row in db.execute(
                    "SELECT detail FROM audit WHERE action = 'refused' AND detail LIKE '%handshake-rate%'")]
            finally:
                db.close()
            if len(audited) >= 20:
                break
            time.sleep(0.05)
        with open(log.name) as f:
            logged = [line for line in f if "refused: TLS connection over handshake-rate" in line]
        check("the throttled connections are audited and logged, 20 a minute one by one",
              len(audited) == 20 and len(logged) == 20 and all("127.0.0.8" in d for d in audited),
              "%d audited, %d logged" % (len(audited), len(logged)))
        status = hostile.request(server, "GET", "/api/v1/info")[0]
        check("the device's address is not throttled", status == 200)
    finally:
        server.stop()
        os.unlink(log.name)


def ipv6_in_namespace():
    """Run inside a network namespace of our own (unshare -rn) whose
    loopback carries two /64s: connections from five addresses of one /64
    count as one address, another /64 is another."""
    import subprocess
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    for prefix in ("2001:db8:1:2", "2001:db8:1:3"):
        for host in range(1, 7):
            subprocess.run(["ip", "addr", "add", "%s::%d/64" % (prefix, host), "dev", "lo", "nodad"], check=True)
    server = hostile.Server(BINARY, "max-connections-per-address=4\n" +
                            TIMEOUTS.replace("header-timeout=2", "header-timeout=60"), tls=False, listen="::1")
    server.start()
    try:
        def connect(source):
            sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            sock.settimeout(10)
            sock.bind((source, 0))
            sock.connect(("::1", server.port))
            return sock
        held = [connect("2001:db8:1:2::%d" % host) for host in range(1, 5)]
        fifth = connect("2001:db8:1:2::5")
        closed = hostile.closed_by_peer(fifth, 3)
        check("a 5th connection from another address of the same /64 is refused (limit 4)", closed)
        fifth.close()
        other = connect("2001:db8:1:3::1")
        other.sendall(hostile.head("GET", "/api/v1/info"))
        response = hostile.read_response(other)
        check("a connection from another /64 is served", response is not None and response[0] == 200)
        other.close()
        for sock in held:
            sock.close()
    finally:
        server.stop()


def test_ipv6_per_64():
    import subprocess
    probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True)
    if probe.returncode != 0:
        print("ok %d - # SKIP no user network namespace (unshare -rn)" % (len(results) + 1), flush=True)
        results.append(True)
        return
    out = subprocess.run(["unshare", "-rn", sys.executable, os.path.abspath(__file__), BINARY, "--ipv6-netns"],
                         capture_output=True, text=True, timeout=120)
    lines = [line for line in out.stdout.splitlines() if line.startswith(("ok ", "not ok "))]
    for line in lines:
        check(line.split(" - ", 1)[1] + " (IPv6, own network namespace)", line.startswith("ok "))
    if not lines:
        check("the IPv6 test ran in its namespace", False, out.stderr.strip()[-300:])


def main():
    tests = [
        lambda: test_fds_flat(False),
        lambda: test_fds_flat(True),
        test_bodies_refused,
        test_bad_lengths,
        test_slow_clients,
        test_per_address,
        test_unread_response,
        test_max_connections,
        test_half_close,
        test_half_close_mid_request,
        test_out_of_descriptors,
        test_stalled_handshakes,
        test_stalled_handshakes_many_addresses,
        test_ipv6_per_64,
        test_refusals_logged,
        test_handshake_rate,
    ]
    only = os.environ.get("CONN_ONLY")     # e.g. CONN_ONLY=test_max_connections
    for test in tests:
        if only and getattr(test, "__name__", "") != only:
            continue
        try:
            test()
        except Exception as e:   # a crash is a failure, and the rest still run
            check("%s raised %r" % (getattr(test, "__name__", "a test"), e), False)
    print("1..%d" % len(results), flush=True)
    return 0 if all(results) else 1


if __name__ == "__main__":
    if sys.argv[2:] == ["--ipv6-netns"]:
        try:
            ipv6_in_namespace()
        except Exception as e:
            check("ipv6_in_namespace raised %r" % e, False)
        sys.exit(0 if all(results) else 1)
    sys.exit(main())
