#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tg-store-query and tests/app/tap_store.py, which the UI tests read the
# app's store with: a plain store and an encrypted one (made by
# make-store-fixture with the app's code) read alike; parameters bound
# with their types and values returned with theirs; blobs read through
# the blob store, decrypted; a wrong passphrase, none, or no store: a
# clear error and exit status, the key file unchanged.
#
# Usage: test-store-query.py TG-STORE-QUERY MAKE-STORE-FIXTURE

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

TOOL, FIXTURE = sys.argv[1], sys.argv[2]
os.environ["TESTIGO_STORE_QUERY"] = TOOL
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "app"))
import tap_store  # noqa: E402

PASSPHRASE = "fixture passphrase for the reader"
results = []


def tap(ok, what, detail=None):
    results.append(bool(ok))
    print("%s %d - %s" % ("ok" if ok else "not ok", len(results), what))
    if not ok and detail is not None:
        print("# " + str(detail).replace("\n", "\n# "))
    sys.stdout.flush()


def make(directory, mode):
    args = [FIXTURE, directory, mode] + ([PASSPHRASE] if mode == "encrypted" else [])
    return json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def cli(args, stdin="", passphrase=PASSPHRASE, binary=False):
    env = dict(os.environ)
    env.pop("TESTIGO_PASSPHRASE", None)
    if passphrase is not None:
        env["TESTIGO_PASSPHRASE"] = passphrase
    return subprocess.run([TOOL] + args, input=stdin.encode() if binary else stdin, capture_output=True,
                          text=not binary, env=env, timeout=120)


def check_store(directory, fixture, encrypted, passphrase):
    kind = "encrypted" if encrypted else "plain"
    db = tap_store.connect(os.path.join(directory, "testigo.db"), passphrase=passphrase)
    try:
        tap(db.encrypted == encrypted, "%s: connect says encrypted=%s" % (kind, encrypted))
        row = db.execute("SELECT title FROM reports WHERE id = ? AND deleted = ?",
                         (fixture["report_id"], 0)).fetchone()
        tap(row == ("Fixture report: Ñuñoa",), "%s: a report read by a bound id" % kind, row)
        tap(db.execute("SELECT title FROM reports WHERE id = ?", ("x' OR '1'='1",)).fetchone() is None,
            "%s: a parameter is bound, not pasted into the SQL" % kind)
        content = json.loads(db.execute("SELECT v.content FROM reports r JOIN revisions v "
                                        "ON v.rev_id = r.rev_id").fetchone()[0])
        tap(content.get("narrative") == "Plain words, «quoted», and a tab\there.",
            "%s: text with non-ASCII and a tab comes back exactly" % kind, content.get("narrative"))
        values = (7, -2 ** 62, 2.0, 0.1, "ñandú \"q\" \\ \n", None, b"\x00\xff\x10 bytes", b"", True)
        got = db.execute("SELECT " + ", ".join("?" for _ in values), values).fetchone()
        want = (7, -2 ** 62, 2.0, 0.1, "ñandú \"q\" \\ \n", None, b"\x00\xff\x10 bytes", b"", 1)
        tap(got == want and [type(v) for v in got] == [type(v) for v in want],
            "%s: int, float, str, None, bytes and bool round-trip with their types" % kind, repr(got))
        types = db.execute("SELECT typeof(?), typeof(?), typeof(?), typeof(?), typeof(?)",
                           (1, 1.5, "s", None, b"b")).fetchone()
        tap(types == ("integer", "real", "text", "null", "blob"), "%s: SQLite sees the bound types" % kind, types)
        cursor = db.execute("SELECT value FROM json_each('[1,2,3]') ORDER BY value")
        tap(cursor.fetchone() == (1,) and cursor.fetchall() == [(2,), (3,)] and cursor.fetchone() is None,
            "%s: fetchone, then fetchall the rest, then None" % kind)
        tap([r[0] for r in db.execute("SELECT value FROM json_each('[4,5]')")] == [4, 5],
            "%s: a cursor iterates" % kind)
        tap(db.execute("SELECT 1 AS one, 2 AS two").description[1][0] == "two", "%s: column names" % kind)
        tap(db.execute("SELECT count(*) FROM reports_fts WHERE reports_fts MATCH ?", ("Ñuñoa",)).fetchone() == (1,),
            "%s: the full-text index answers (FTS5 in the build)" % kind)
        for sql, params, what in (("SELECT nonsense FROM nowhere", (), "a bad statement"),
                                  ("SELECT ?", (), "too few parameters"),
                                  ("DELETE FROM reports", (), "a write (read-only)")):
            try:
                db.execute(sql, params)
                tap(False, "%s: %s raises OperationalError" % (kind, what))
            except tap_store.OperationalError as e:
                tap(str(e) != "", "%s: %s raises OperationalError" % (kind, what), e)
        tap(db.execute("SELECT count(*) FROM reports").fetchone() == (1,), "%s: the write changed nothing" % kind)
    finally:
        db.close()
    try:
        db.execute("SELECT 1")
        tap(False, "%s: a closed connection refuses" % kind)
    except tap_store.ProgrammingError:
        tap(True, "%s: a closed connection refuses" % kind)

    blob = fixture["blob"]
    info = tap_store.blob_info(directory, blob, passphrase=passphrase)
    tap(info == {"sha256": blob, "size": fixture["size"], "encrypted": encrypted},
        "%s: the blob's content hashes to its name, %d bytes" % (kind, fixture["size"]), info)
    data = tap_store.blob_bytes(directory, blob, passphrase=passphrase)
    tap(hashlib.sha256(data).hexdigest() == blob and data.startswith(b"line 0 of the fixture blob"),
        "%s: the blob's bytes" % kind)
    on_disk = digest(os.path.join(directory, "blobs", blob[:2], blob[2:]))
    tap((on_disk != blob) == encrypted, "%s: the file under blobs/ is %s" % (kind, kind))
    tap(tap_store.blob_digest(directory, "0" * 64, passphrase=passphrase) is None, "%s: a missing blob is None" % kind)


root = tempfile.mkdtemp(prefix="testigo-store-query-")
try:
    plain_dir = os.path.join(root, "plain")
    plain = make(plain_dir, "plain")
    check_store(plain_dir, plain, False, None)
    with open(os.path.join(plain_dir, "testigo.db"), "rb") as f:
        tap(f.read(16) == b"SQLite format 3\0", "plain: the file has the plain header")

    enc_dir = os.path.join(root, "encrypted")
    enc = make(enc_dir, "encrypted")
    db_path = os.path.join(enc_dir, "testigo.db")
    with open(db_path, "rb") as f:
        tap(f.read(16) != b"SQLite format 3\0", "encrypted: the file has no plain header")
    try:
        sqlite3.connect("file:%s?mode=ro" % db_path, uri=True).execute("SELECT count(*) FROM reports")
        tap(False, "encrypted: Python's sqlite3 cannot read it (why this reader exists)")
    except sqlite3.DatabaseError:
        tap(True, "encrypted: Python's sqlite3 cannot read it (why this reader exists)")
    check_store(enc_dir, enc, True, PASSPHRASE)

    # The command line.
    out = cli([enc_dir], "SELECT title, 1.5, NULL FROM reports\nSELECT value FROM json_each('[1,2]')\n")
    tap(out.returncode == 0 and out.stdout.splitlines() == ['["Fixture report: Ñuñoa",1.5,null]', "[1]", "[2]"],
        "command line: SQL lines in, one JSON row a line out", out)
    out = cli(["--blob", enc["blob"], enc_dir])
    tap(out.returncode == 0 and out.stdout.split() == [enc["blob"], str(enc["size"]), "encrypted"],
        "command line: --blob prints the content's SHA-256, size and how it is stored", out)
    out = cli(["--blob", enc["blob"], "--data", db_path], binary=True)
    tap(out.returncode == 0 and hashlib.sha256(out.stdout).hexdigest() == enc["blob"],
        "command line: --blob --data writes the content (the db's path works too)")
    out = cli([plain_dir], "SELECT nonsense\n", passphrase=None)
    tap(out.returncode == 4 and "nonsense" in out.stderr, "command line: a failed statement is exit status 4", out)

    # Wrong passphrase, none, no store.
    key_before = digest(os.path.join(enc_dir, "vault.key"))
    out = cli([enc_dir], "SELECT count(*) FROM reports\n", passphrase="not the passphrase")
    tap(out.returncode == 3 and "Wrong passphrase" in out.stderr and out.stdout == "",
        "wrong passphrase: exit status 3, the vault's message, no rows", out)
    try:
        tap_store.connect(enc_dir, passphrase="not the passphrase either")
        tap(False, "wrong passphrase: connect raises VaultError")
    except tap_store.VaultError as e:
        tap(e.code == "wrong-passphrase" and "Wrong passphrase" in str(e),
            "wrong passphrase: connect raises VaultError", "%s: %s" % (e.code, e))
    tap(digest(os.path.join(enc_dir, "vault.key")) == key_before, "wrong passphrase: vault.key unchanged")
    out = cli([enc_dir], "SELECT count(*) FROM reports\n")
    tap(out.returncode == 0 and out.stdout == "[1]\n", "the right passphrase still reads it after two wrong ones", out)
    out = cli([enc_dir], "SELECT count(*) FROM reports\n", passphrase=None)
    tap(out.returncode == 3 and "TESTIGO_PASSPHRASE" in out.stderr, "no passphrase: exit status 3, says what to set",
        out)
    os.unlink(os.path.join(enc_dir, "vault.key"))
    out = cli([enc_dir], "SELECT 1\n")
    tap(out.returncode == 3 and "vault.key" in out.stderr, "encrypted with no key file: exit status 3, says so", out)
    out = cli([os.path.join(root, "nowhere")], "SELECT 1\n")
    tap(out.returncode == 2 and "no store" in out.stderr, "no store: exit status 2", out)
    try:
        tap_store.connect(os.path.join(root, "nowhere"))
        tap(False, "no store: connect raises OperationalError")
    except tap_store.OperationalError as e:
        tap(not isinstance(e, tap_store.VaultError) and e.code == "not-found",
            "no store: connect raises OperationalError", e)
finally:
    tap_store._stop_all()
    shutil.rmtree(root, ignore_errors=True)

print("1..%d" % len(results))
sys.exit(0 if all(results) else 1)
