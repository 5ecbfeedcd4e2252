# SPDX-License-Identifier: GPL-3.0-or-later
"""The app's store and blobs as the tests read them, plain or encrypted.

Python's sqlite3 links the system SQLite, which cannot open a store
encrypted by SQLite3 Multiple Ciphers (docs/at-rest.md), and an encrypted
blob file's bytes are not its content. This module reads both through
tests/tools/tg-store-query, which uses the app's own code: a plain store
is opened plain, an encrypted one with the vault's STORE subkey (the vault
unlocked with $TESTIGO_PASSPHRASE, or the passphrase given to connect()).
Always read-only.

    db = tap_store.connect(os.path.join(data_dir, "testigo.db"))
    try:
        rows = db.execute("SELECT rev_id FROM heads WHERE record_id = ?", (rid,)).fetchall()
    finally:
        db.close()

connect() takes testigo.db's path or the data directory. execute() binds
its parameters (int, float, str, None, bytes) as sqlite3 does; values come
back as int, float, str, None and bytes. One tg-store-query process serves
each store for the whole test run, so the vault's Argon2id (about a second)
is paid once; close() closes its SQLite connection, as sqlite3's does.

blob_digest(data_dir, sha256) and blob_bytes(data_dir, sha256) read a blob
through the blob store (decrypting an encrypted one): use them instead of
hashing files under blobs/ directly.

The tool is $TESTIGO_STORE_QUERY, else tools/tg-store-query under
$G_TEST_BUILDDIR (set by tests/meson.build), else under ./build/tests.
"""

import atexit
import base64
import json
import math
import os
import subprocess


class Error(Exception):
    """Any failure (as sqlite3.Error). .code is tg-store-query's code for
    it ("not-found", "wrong-passphrase", "tampered", …) or None."""

    def __init__(self, message, code=None):
        super().__init__(message)
        self.code = code


class OperationalError(Error):
    """The statement failed, or the store could not be opened."""


class ProgrammingError(Error):
    """Misuse: a closed connection, a parameter of a type SQLite does not take."""


class VaultError(OperationalError):
    """The store is encrypted and the vault would not open it: no
    passphrase, a wrong one (code "wrong-passphrase"), too many wrong ones
    ("rate-limited"), no vault.key ("no-key-file")."""


_VAULT_CODES = ("wrong-passphrase", "rate-limited", "no-key-file", "no-passphrase", "corrupt-key-file",
                "vault", "wrong-key")


def tool():
    path = os.environ.get("TESTIGO_STORE_QUERY")
    if path:
        return path
    candidates = []
    if os.environ.get("G_TEST_BUILDDIR"):
        candidates.append(os.path.join(os.environ["G_TEST_BUILDDIR"], "tools", "tg-store-query"))
    here = os.path.dirname(os.path.abspath(__file__))
    candidates.append(os.path.join(here, "..", "..", "build", "tests", "tools", "tg-store-query"))
    for path in candidates:
        if os.access(path, os.X_OK):
            return path
    raise Error("tg-store-query is not built (looked for %s); set TESTIGO_STORE_QUERY" % ", ".join(candidates))


def _raise(reply):
    code = reply.get("code", "failed")
    if code in _VAULT_CODES:
        raise VaultError(reply["error"], code)
    raise OperationalError(reply["error"], code)


class _Server:
    """One tg-store-query --json process for one store."""

    def __init__(self, db_path, passphrase):
        env = dict(os.environ)
        if passphrase is not None:
            env["TESTIGO_PASSPHRASE"] = passphrase
        self.db_path = db_path
        self.passphrase = passphrase
        self.process = subprocess.Popen([tool(), "--json", db_path], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, env=env, text=True, encoding="utf-8")
        ready = self._read()
        if not ready.get("ready"):
            self.stop()
            raise Error("tg-store-query did not start: %r" % ready)

    def alive(self):
        return self.process.poll() is None

    def _read(self):
        line = self.process.stdout.readline()
        if not line:
            status = self.process.wait()
            raise Error("tg-store-query for %s ended (exit status %s)" % (self.db_path, status))
        return json.loads(line)

    def request(self, message):
        try:
            self.process.stdin.write(json.dumps(message) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            raise Error("tg-store-query for %s ended (exit status %s)"
                        % (self.db_path, self.process.wait())) from None
        return self._read()

    def stop(self):
        if self.process.poll() is None:
            try:
                self.process.stdin.close()
                self.process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()


_servers = {}


def _server(path, passphrase=None):
    if os.path.isdir(path):
        path = os.path.join(path, "testigo.db")
    key = (os.path.realpath(path), passphrase)
    server = _servers.get(key)
    if server is None or not server.alive():
        server = _Server(path, passphrase)
        _servers[key] = server
    return server


@atexit.register
def _stop_all():
    for server in _servers.values():
        server.stop()
    _servers.clear()


def _encode(value, index):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        if not -2 ** 63 <= value < 2 ** 63:
            raise OverflowError("Python int too large to convert to SQLite INTEGER")
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return None   # as sqlite3: SQLite stores a NaN as NULL
        if math.isinf(value):
            raise ProgrammingError("parameter %d: an infinite float is not sent as JSON" % index)
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"blob": base64.b64encode(bytes(value)).decode("ascii")}
    raise ProgrammingError("Error binding parameter %d: type '%s' is not supported"
                           % (index, type(value).__name__))


def _decode(value):
    if isinstance(value, dict):
        return base64.b64decode(value["blob"])
    return value


class Cursor:
    def __init__(self, columns, rows):
        self.description = tuple((name, None, None, None, None, None, None) for name in columns)
        self._rows = [tuple(_decode(v) for v in row) for row in rows]
        self.rowcount = -1
        self.lastrowid = None
        self.arraysize = 1

    def fetchone(self):
        return self._rows.pop(0) if self._rows else None

    def fetchmany(self, size=None):
        size = self.arraysize if size is None else size
        out, self._rows = self._rows[:size], self._rows[size:]
        return out

    def fetchall(self):
        out, self._rows = self._rows, []
        return out

    def __iter__(self):
        while self._rows:
            yield self._rows.pop(0)

    def close(self):
        self._rows = []


class Connection:
    def __init__(self, path, passphrase=None):
        self._server = _server(path, passphrase)
        reply = self._server.request({"open": True})
        if "error" in reply:
            _raise(reply)
        self.encrypted = reply["encrypted"]
        self._open = True

    def execute(self, sql, params=()):
        if not self._open:
            raise ProgrammingError("Cannot operate on a closed database.")
        if isinstance(params, dict):
            raise ProgrammingError("named parameters are not supported: use ? and a sequence")
        reply = self._server.request({"sql": sql,
                                      "params": [_encode(v, i + 1) for i, v in enumerate(params)]})
        if "error" in reply:
            _raise(reply)
        return Cursor(reply["columns"], reply["rows"])

    def close(self):
        if self._open:
            self._open = False
            if self._server.alive():
                self._server.request({"close": True})

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def connect(path, passphrase=None):
    """The store at @path (testigo.db, or the data directory), read-only.
    @passphrase: the vault's, if not $TESTIGO_PASSPHRASE. An encrypted
    store that cannot be opened raises VaultError."""
    return Connection(path, passphrase)


def _blob(data_dir, sha256, data, passphrase=None):
    reply = _server(data_dir, passphrase).request({"blob": sha256, "data": data})
    if "error" in reply:
        _raise(reply)
    return reply


def blob_digest(data_dir, sha256, passphrase=None):
    """The SHA-256 (hex) of blob @sha256's content as the blob store reads
    it — decrypted if the file is encrypted — or None if it is not stored.
    Raises OperationalError if the file is damaged or fails to decrypt."""
    try:
        return _blob(data_dir, sha256, False, passphrase)["sha256"]
    except OperationalError as e:
        if e.code == "not-found":
            return None
        raise


def blob_bytes(data_dir, sha256, passphrase=None):
    """The content of blob @sha256 (decrypted if the file is encrypted)."""
    return base64.b64decode(_blob(data_dir, sha256, True, passphrase)["data"])


def blob_info(data_dir, sha256, passphrase=None):
    """{"sha256", "size", "encrypted"} for blob @sha256."""
    reply = _blob(data_dir, sha256, False, passphrase)
    return {k: reply[k] for k in ("sha256", "size", "encrypted")}
