#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# check-flatpak.py MANIFEST
#
# What flatpak-builder --show-manifest does not check: the runtime is not
# an old one (GNOME 50 or later), every source is pinned (a git source by
# its full commit, an archive or file by its sha256), and exiv2, which
# reads every photo a monitor adds, is at least 0.28.8 (the release with
# the fixes for the advisories published for 0.28.5 to 0.28.8).
import json
import re
import sys

failures = []


def check(ok, what):
    print("%s: %s" % ("ok" if ok else "FAIL", what))
    if not ok:
        failures.append(what)


with open(sys.argv[1]) as f:
    manifest = json.load(f)

check(manifest.get("runtime") == "org.gnome.Platform" and int(manifest.get("runtime-version", "0")) >= 50,
      "the runtime is GNOME 50 or later (%s %s)" % (manifest.get("runtime"), manifest.get("runtime-version")))

for module in manifest.get("modules", []):
    if isinstance(module, str):
        continue
    for source in module.get("sources", []):
        kind = source.get("type")
        if kind == "git":
            check(re.fullmatch(r"[0-9a-f]{40}", source.get("commit", "")) is not None,
                  "%s: git source pinned by its full commit" % module["name"])
        elif kind in ("archive", "file"):
            check(re.fullmatch(r"[0-9a-f]{64}", source.get("sha256", "")) is not None,
                  "%s: %s pinned by sha256" % (module["name"], kind))
        if module["name"] == "exiv2":
            version = re.search(r"(\d+)\.(\d+)\.(\d+)", source.get("tag", "") or source.get("url", ""))
            check(version is not None and tuple(map(int, version.groups())) >= (0, 28, 8),
                  "exiv2 is 0.28.8 or later (%s)" % (version.group(0) if version else "no version"))

sys.exit(1 if failures else 0)
