# SPDX-License-Identifier: GPL-3.0-or-later
#
# What the AT-SPI UI tests share: TAP output, the skip when there is no
# display or accessibility bus, and walking and waiting on the tree.

import os
import sys
import time

results = []


def tap(ok, name, why="", todo=None):
    """One TAP line. With todo (a known, open defect named in an issue), a
    failure is printed as "not ok … # TODO todo: why" and does not fail
    the run; the check still runs and says what it saw."""
    results.append(ok or todo is not None)
    if todo is not None and not ok:  # a passing TODO counts as a failure in meson
        print("not ok %d - %s # TODO %s%s" % (len(results), name, todo, (": " + why) if why else ""))
    else:
        print("%s %d - %s%s" % ("ok" if ok else "not ok", len(results), name,
                                (" # " + why) if why and not ok else ""))
    sys.stdout.flush()


def skip_all(reason):
    print("1..0 # SKIP %s" % reason)
    sys.exit(0)


def require_atspi():
    """pyatspi, once a display and the accessibility bus are known to be
    there; otherwise the whole test is skipped."""
    if not os.environ.get("DISPLAY"):
        skip_all("no X display (run through tools/run-tests.sh)")
    try:
        import pyatspi
    except ImportError:
        skip_all("python3-pyatspi is not installed")
    try:
        pyatspi.Registry.getDesktop(0).childCount
    except Exception as e:  # no accessibility bus
        skip_all("no accessibility bus: %s" % e)
    return pyatspi


def walk(node):
    yield node
    try:
        children = list(node)
    except Exception:
        return
    for child in children:
        if child is not None:
            yield from walk(child)


def wait_for(pred, timeout=10.0):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.2)
    return pred()
