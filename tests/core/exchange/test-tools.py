#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The command-line exports: `testigo-demo-data` adds demo reports only to
# stores it made and exports others without adding anything
# (--export-only); `testigo --export FILE [--public]` writes every report
# without a window. GDAL's ogrinfo reads both formats with the right
# counts; every timestamp is strict RFC 3339; files are 0600. Each export
# is logged in the store's custody log: one "exported" event a report.
#
#   test-tools.py TESTIGO TESTIGO-DEMO-DATA

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rfc3339 import is_rfc3339, timestamps  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "app"))
import tap_store  # noqa: E402  (the store, plain or encrypted)

TESTIGO, DEMO = sys.argv[1], sys.argv[2]
results = []


def tap(ok, name, why=""):
    results.append(ok)
    print("%s %d - %s%s" % ("ok" if ok else "not ok", len(results), name,
                            (" # " + why) if why and not ok else ""))
    sys.stdout.flush()


def run(*args, env=None):
    p = subprocess.run(list(args), capture_output=True, text=True,
                       env=dict(os.environ, **(env or {})), timeout=120)
    return p.returncode, p.stdout + p.stderr


def feature_count(path):
    if shutil.which("ogrinfo") is None:
        return None
    rc, out = run("ogrinfo", "-ro", "-so", "-al", path)
    m = re.search(r"Feature Count: (\d+)", out)
    return int(m.group(1)) if rc == 0 and m else -1


def store_count(store, tmp):
    """Reports in @store, by exporting it again (adds no report)."""
    out = os.path.join(tmp, "count.geojson")
    rc, text = run(DEMO, "--export-only", store, "--geojson", out)
    if rc != 0:
        return -1
    with open(out) as f:
        return len(json.load(f)["features"])


def exported_events(store, detail_prefix):
    """The store's "exported" custody events whose detail starts with
    @detail_prefix, by subject; and whether the chain links hold."""
    db = tap_store.connect(os.path.join(store, "testigo.db"))
    try:
        rows = db.execute("SELECT seq, action, subject, detail, prev_hash, hash"
                          " FROM custody ORDER BY seq").fetchall()
    finally:
        db.close()
    linked = all(rows[i][4] == rows[i - 1][5] and rows[i][0] == rows[i - 1][0] + 1
                 for i in range(1, len(rows)))
    subjects = [r[2] for r in rows if r[1] == "exported" and (r[3] or "").startswith(detail_prefix)]
    return subjects, linked


def main():
    print("1..10")
    tmp = tempfile.mkdtemp(prefix="testigo-tools-")
    try:
        store = os.path.join(tmp, "store")
        rc, out = run(DEMO, store, "30")
        tap(rc == 0 and "30 reports in the store" in out, "the demo tool fills a new store", out)

        geo, csv = os.path.join(tmp, "a.geojson"), os.path.join(tmp, "a.csv")
        rc, out = run(DEMO, "--export-only", store, "--geojson", geo, "--csv", csv)
        counts = (feature_count(geo), feature_count(csv))
        tap(rc == 0 and "of 30 reports" in out and store_count(store, tmp) == 30 and
            counts in ((30, 30), (None, None)),
            "--export-only exports 30 reports and adds none (ogrinfo: %s)" % (counts,), out)

        # A store the tool did not make (its mark gone): nothing is added.
        os.unlink(os.path.join(store, ".testigo-demo"))
        rc, out = run(DEMO, store, "10", "--seed", "99")
        tap(rc != 0 and "not a store this tool made" in out and store_count(store, tmp) == 30,
            "the demo tool refuses to add to a store it did not make", out)

        missing = os.path.join(tmp, "missing")
        rc, out = run(DEMO, "--export-only", missing, "--geojson", geo)
        tap(rc != 0 and not os.path.exists(missing), "--export-only creates no store", out)

        # testigo --export ----------------------------------------------------
        env = {"TESTIGO_DATA_DIR": store}
        before_geo, _ = exported_events(store, "format=geojson audience=organisation ")
        before_csv, _ = exported_events(store, "format=csv audience=public ")
        app_geo, app_csv = os.path.join(tmp, "app.geojson"), os.path.join(tmp, "app.csv")
        rc, out = run(TESTIGO, "--export", app_geo, env=env)
        mode = stat.S_IMODE(os.stat(app_geo).st_mode) if os.path.exists(app_geo) else None
        n = feature_count(app_geo)
        tap(rc == 0 and "30 reports exported" in out and n in (30, None) and mode == 0o600,
            "testigo --export writes 30 features, mode 0600 (ogrinfo %s, mode %o)" % (n, mode or 0), out)

        with open(app_geo) as f:
            data = json.load(f)
        stamps = list(timestamps(data))
        bad = [s for s in stamps if not is_rfc3339(s)]
        custody = all("testigo:custody" in feat["properties"] for feat in data["features"])
        tap(len(stamps) >= 60 and not bad and custody,
            "every timestamp of the organisation's GeoJSON is RFC 3339, with custody events",
            "%d timestamps, bad %s, custody %s" % (len(stamps), bad[:3], custody))

        rc, out = run(TESTIGO, "--export", app_csv, "--public", env=env)
        n = feature_count(app_csv)
        with open(app_csv, newline="") as f:
            import csv as csvmod
            rows = list(csvmod.DictReader(f))
        cells = [r[c] for r in rows for c in ("start", "end") if r[c]]
        bad = [c for c in cells if not is_rfc3339(c)]
        tap(rc == 0 and len(rows) == 30 and n in (30, None) and cells and not bad,
            "testigo --export --public writes a CSV of 30 rows, RFC 3339 dates (ogrinfo %s)" % n,
            "rows %d bad %s %s" % (len(rows), bad[:3], out))

        after_geo, _ = exported_events(store, "format=geojson audience=organisation ")
        after_csv, linked = exported_events(store, "format=csv audience=public ")
        new_geo, new_csv = after_geo[len(before_geo):], after_csv[len(before_csv):]
        ids = sorted(feat["id"] for feat in data["features"])
        tap(sorted(new_geo) == ids and sorted(new_csv) == ids and linked,
            "each testigo --export logs \"exported\" for each of the 30 reports, with its kind",
            "geojson %d, csv %d, linked %s" % (len(new_geo), len(new_csv), linked))

        tap(store_count(store, tmp) == 30, "testigo --export adds no report to the store")

        rc, out = run(TESTIGO, "--export", os.path.join(tmp, "x.geojson"),
                      env={"TESTIGO_DATA_DIR": missing})
        tap(rc != 0 and not os.path.exists(missing) and "no store" in out,
            "testigo --export without a store fails and creates none", out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


try:
    main()
except Exception as e:
    import traceback
    traceback.print_exc()
    tap(False, "the test ran to its end", repr(e))
sys.exit(0 if results and all(results) else 1)
