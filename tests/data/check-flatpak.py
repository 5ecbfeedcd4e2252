#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# check-flatpak.py MANIFEST
#
# What flatpak-builder --show-manifest does not check: the runtime is not
# an old one (GNOME 50 or later), every source is pinned (a git source by
# its full commit, an archive or file by its sha256), exiv2, which
# reads every photo a monitor adds, is at least 0.28.8 (the release with
# the fixes for the advisories published for 0.28.5 to 0.28.8), and
# libsodium and libpwquality are built.
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

# What the GNOME runtime does not carry (flatpak/README.md): libsodium
# (the vault, the encrypted files) and libpwquality (the passphrase
# strength hint), built before testigo from archives pinned by sha256.
names = [m["name"] for m in manifest.get("modules", []) if not isinstance(m, str)]
for name, least in (("libsodium", (1, 0, 18)), ("libpwquality", (1, 4, 5))):
    module = next((m for m in manifest.get("modules", []) if not isinstance(m, str) and m["name"] == name), None)
    check(module is not None and "testigo" in names and names.index(name) < names.index("testigo"),
          "%s is built, before testigo" % name)
    if module is None:
        continue
    sources = module.get("sources", [])
    check(len(sources) > 0 and all(src.get("type") == "archive" and
                                   re.fullmatch(r"[0-9a-f]{64}", src.get("sha256", "")) for src in sources),
          "%s: every source an archive pinned by sha256" % name)
    version = re.search(r"(\d+)\.(\d+)\.(\d+)", " ".join(src.get("url", "") + src.get("path", "") for src in sources))
    check(version is not None and tuple(map(int, version.groups())) >= least,
          "%s is %s or later (%s)" % (name, ".".join(map(str, least)), version.group(0) if version else "no version"))

sys.exit(1 if failures else 0)
