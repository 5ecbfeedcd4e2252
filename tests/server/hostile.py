# hostile.py — run the real testigo-server on loopback and talk to it with
# raw sockets, as a hostile client would (test-conn.py, soak-server.py).
#
# SPDX-License-Identifier: GPL-3.0-or-later
import hashlib
import json
import os
import resource
import select
import shutil
import socket
import ssl
import subprocess
import tempfile
import time


class Server:
    """The real binary, listening on 127.0.0.1 port 0 in a fresh data
    directory; TLS with the certificate it generates, or plain HTTP."""

    def __init__(self, binary, extra_config="", tls=True, nofile=None, listen="127.0.0.1",
                 stderr_path=None):
        self.binary = binary
        self.stderr_path = stderr_path
        self.tls = tls
        self.dir = tempfile.mkdtemp(prefix="testigo-conn-")
        self.config = os.path.join(self.dir, "server.conf")
        with open(self.config, "w") as f:
            f.write("[server]\nlisten=%s\nport=0\n" % listen)
            f.write("data-dir=%s\n" % os.path.join(self.dir, "data"))
            f.write(extra_config)
        self.nofile = nofile
        self.process = None
        self.port = None
        self.fingerprint = None

    def start(self):
        argv = [self.binary, "--config", self.config]
        if not self.tls:
            argv.append("--insecure-dev-http")
        limit = self.nofile

        def child():
            if limit is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
        stderr = open(self.stderr_path, "w") if self.stderr_path else subprocess.DEVNULL
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                        stderr=stderr, text=True,
                                        preexec_fn=child)
        if self.stderr_path:
            stderr.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError("the server exited")
            if " listening on " in line:
                self.port = int(line.strip().rstrip("/").rsplit(":", 1)[1])
            if "fingerprint: " in line:
                self.fingerprint = line.split("fingerprint: ", 1)[1].strip()
            if self.port and (self.fingerprint or not self.tls):
                if not self.tls:
                    self.process.stdout.readline()  # the warning
                return
        raise RuntimeError("the server did not start")

    @property
    def pid(self):
        return self.process.pid

    def cpu_seconds(self):
        with open("/proc/%d/stat" % self.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def fds(self):
        return len(os.listdir("/proc/%d/fd" % self.pid))

    def status_kb(self, field):
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        raise KeyError(field)

    def admin(self, *args):
        out = subprocess.run([self.binary, "--config", self.config] + list(args),
                             check=True, capture_output=True, text=True)
        return out.stdout

    def enrol(self, user, role="monitor"):
        self.admin("user", "add", user, "--role", role)
        code = self.admin("enrol-code", user).strip()
        body = json.dumps({"code": code, "device_name": user + " laptop"}).encode()
        status, _, reply = request(self, "POST", "/api/v1/enrol", body=body)
        if status != 201:
            raise RuntimeError("enrol: %d %r" % (status, reply))
        return json.loads(reply)["token"]

    def settle_fds(self, target, timeout=15.0):
        """Polls until the fd count is at most @target; returns the last."""
        deadline = time.monotonic() + timeout
        count = self.fds()
        while count > target and time.monotonic() < deadline:
            time.sleep(0.05)
            count = self.fds()
        return count

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        shutil.rmtree(self.dir, ignore_errors=True)


def revision(record, device, seq, content):
    """A revision in its wire form, its id computed as
    tg_revision_compute_id () does (src/core/model/tg-revision.c)."""
    created = int(time.time() * 1e6)
    head = b"testigo-revision-1\n"
    for field in (record, "report"):
        head += b"%d:%s\n" % (len(field.encode()), field.encode())
    head += b"%d:%s\n" % (len(device.encode()), device.encode())
    head += b"%d\n%d\n0\n%d:" % (seq, created, len(content.encode()))
    rid = hashlib.sha256(head + content.encode()).hexdigest()
    return {"id": rid, "record": record, "kind": "report", "parents": [], "device": device,
            "device_seq": seq, "created_at": created, "deleted": False, "content": content}


_context = None


def connect(server, source="127.0.0.1", timeout=10.0, handshake=True):
    """A socket to the server, TLS when the server is (its certificate's
    SHA-256 checked against the fingerprint it printed)."""
    global _context
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=timeout,
                                    source_address=(source, 0))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if not server.tls or not handshake:
        return sock
    if _context is None:
        _context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        _context.check_hostname = False
        _context.verify_mode = ssl.CERT_NONE
    tls = _context.wrap_socket(sock, server_hostname="localhost")
    der = tls.getpeercert(binary_form=True)
    digest = hashlib.sha256(der).hexdigest().upper()
    if ":".join(digest[i:i + 2] for i in range(0, 64, 2)) != server.fingerprint:
        raise RuntimeError("certificate fingerprint mismatch")
    return tls


def head(method, path, headers=None, length=None):
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: localhost"]
    if length is not None:
        lines.append("Content-Length: %d" % length)
    for name, value in (headers or {}).items():
        lines.append("%s: %s" % (name, value))
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_response(sock, timeout=10.0):
    """(status, headers dict lower-case, body) or None when the connection
    closed before a response."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, ssl.SSLError, OSError):
            chunk = b""
        if not chunk:
            return None
        data += chunk
    top, rest = data.split(b"\r\n\r\n", 1)
    lines = top.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, value = line.split(":", 1)
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, headers, rest[:length]


def request(server, method, path, body=b"", headers=None, sock=None):
    own = sock is None
    if own:
        sock = connect(server)
    try:
        sock.sendall(head(method, path, headers, len(body) if body or method in ("POST", "PUT") else None) + body)
        response = read_response(sock)
    finally:
        if own:
            sock.close()
    if response is None:
        raise RuntimeError("%s %s: no response" % (method, path))
    return response


def closed_by_peer(sock, timeout):
    """Waits up to @timeout seconds; True when the server closed @sock."""
    deadline = time.monotonic() + timeout
    raw = sock
    while time.monotonic() < deadline:
        left = max(0.0, deadline - time.monotonic())
        if isinstance(raw, ssl.SSLSocket) and raw.pending():
            ready = True
        else:
            ready = select.select([raw], [], [], left)[0]
        if not ready:
            continue
        try:
            data = raw.recv(65536)
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError, OSError):
            return True
        if not data:
            return True
    return False
