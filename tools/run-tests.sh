#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs the whole meson test suite under a private X server, D-Bus session
# and accessibility bus (the UI tests need them), then prints one summary
# line counting every test case: "N passed, N failed, N skipped".
set -uo pipefail

builddir=${1:-build}
shift || true
log="$builddir/meson-logs/testlog.json"
rm -f "$log"

# TESTIGO_XVFB tells the tests the display is Xvfb (OpenGL in software).
TESTIGO_XVFB=1 xvfb-run -a -s '-screen 0 1280x800x24' dbus-run-session -- \
  sh -c '/usr/libexec/at-spi-bus-launcher --launch-immediately >/dev/null 2>&1 &
         sleep 1
         meson test -C "$0" --print-errorlogs --num-processes 2 "$@"' "$builddir" "$@"
status=$?

# Count test cases: TAP programs report each case; others count as one.
python3 - "$log" "$status" <<'PY'
import json, sys
path, status = sys.argv[1], int(sys.argv[2])
passed = failed = skipped = 0
try:
    with open(path) as f:
        for line in f:
            t = json.loads(line)
            result = t.get("result", "")
            out = t.get("stdout", "") or ""
            cases = [l for l in out.splitlines() if l.startswith(("ok ", "not ok "))]
            if t.get("protocol") == "tap" or cases:
                for l in cases:
                    if l.startswith("not ok"):
                        if "# TODO" in l:
                            continue
                        failed += 1
                    elif "# SKIP" in l or "# skip" in l:
                        skipped += 1
                    else:
                        passed += 1
                if result not in ("OK", "EXPECTEDFAIL", "SKIP") and not any(l.startswith("not ok") for l in cases):
                    failed += 1  # crashed or timed out outside a case
            elif result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:
                failed += 1
except FileNotFoundError:
    failed += 1
if status != 0 and failed == 0:
    failed = 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
PY
