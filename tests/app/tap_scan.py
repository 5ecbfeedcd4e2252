# SPDX-License-Identifier: GPL-3.0-or-later
"""tap_scan — is any of these words readable in a folder's files?

Protection at rest (issue 16, docs/at-rest.md) promises that nothing a
monitor typed is left readable under the data folder, after whatever the
app did there (an import, a sync, a lock). The full scan, with photo
bytes and the full-text index's folded forms, is test-plaintext-scan-ui;
this is the short form other UI tests run after their own work: each
text in UTF-8, UTF-16LE and UTF-16BE, as given and lower-cased.
"""

import os


def needles(texts):
    out = set()
    for text in texts:
        if not text:
            continue
        for form in (text, text.lower()):
            for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
                out.add((text, form.encode(encoding)))
    return out


def plain_hits(root, texts):
    """[(path, text)] for every file under @root that holds one of
    @texts in a readable form; [] when none does."""
    wanted = needles(texts)
    hits = []
    for base, _dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(base, name)
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except OSError:
                continue
            for text, needle in wanted:
                if needle in data:
                    hits.append((path, text))
                    break
    return hits


def control(root):
    """The scanner can fail: a file with a word written plain in @root is
    found (and removed again). True when it was."""
    path = os.path.join(root, "tap-scan-control.txt")
    with open(path, "w", encoding="utf-16-le") as f:
        f.write("Quillacocha")
    try:
        return bool(plain_hits(root, ["Quillacocha"]))
    finally:
        os.unlink(path)
