#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# check-layers.py SRCDIR
#
# The layer rules that README, docs/app.md and ARCHITECTURE promise, read
# off the source: src/core includes no GTK, libadwaita or libshumate
# header; src/app calls no sqlite3_ function (its widgets hold no SQL);
# and no widget reaches for the application singleton — only
# src/app/tg-application.[ch] may name tg_application_get_default() or
# g_application_get_default() (docs/app.md, "Widgets are handed what they
# need"). Prints TAP; each failure names the file and line.
import os
import re
import sys

root = sys.argv[1]

RULES = [
    ("src/core includes no GTK, libadwaita or libshumate header",
     "src/core", re.compile(r'#\s*include\s*[<"](gtk/|gdk/|adwaita\.h|shumate/)'), ()),
    ("src/app calls no sqlite3_ function",
     "src/app", re.compile(r'\bsqlite3_\w+'), ()),
    ("no widget asks for the application singleton",
     "src/app", re.compile(r'\b(tg|g)_application_get_default\s*\('),
     ("src/app/tg-application.c", "src/app/tg-application.h")),
]

print("1..%d" % len(RULES))
failed = False
for n, (name, folder, pattern, allowed) in enumerate(RULES, 1):
    hits = []
    for dirpath, _, files in os.walk(os.path.join(root, folder)):
        for f in sorted(files):
            if not f.endswith((".c", ".h")):
                continue
            path = os.path.join(dirpath, f)
            rel = os.path.relpath(path, root)
            if rel in allowed:
                continue
            with open(path, encoding="utf-8") as src:
                for i, line in enumerate(src, 1):
                    if pattern.search(line):
                        hits.append("%s:%d: %s" % (rel, i, line.strip()))
    if hits:
        failed = True
        print("not ok %d - %s" % (n, name))
        for h in hits[:20]:
            print("# " + h)
    else:
        print("ok %d - %s" % (n, name))
sys.exit(1 if failed else 0)
