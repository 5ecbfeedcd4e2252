# SPDX-License-Identifier: GPL-3.0-or-later
#
# A strict RFC 3339 (section 5.6) date-time check for the exchange tests:
# four-digit year, fields in range, a day that exists, seconds up to 60,
# "Z" or an offset with its minutes ("-05:00"; "-05" is refused).

import calendar
import re

_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?"
                 r"(Z|[+-](\d{2}):(\d{2}))$")
_LOOKS = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]")
TIME_MEMBERS = ("start", "end", "time", "exported_at")


def is_rfc3339(s):
    m = _RE.match(s or "")
    if not m:
        return False
    y, mo, d, h, mi, se = (int(m.group(i)) for i in range(1, 7))
    if not 1 <= mo <= 12 or not 1 <= d <= calendar.monthrange(max(y, 1), mo)[1]:
        return False
    if h > 23 or mi > 59 or se > 60:
        return False
    if m.group(8) != "Z" and (int(m.group(9)) > 23 or int(m.group(10)) > 59):
        return False
    return True


def timestamps(node, name=None):
    """Every timestamp in a parsed JSON document: members named like one,
    and any text that looks like a date and time; a revision's content
    (JSON in a string) is searched too. A camera's captured_at is kept as
    the camera wrote it and is left out."""
    import json
    if isinstance(node, dict):
        for k, v in node.items():
            yield from timestamps(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from timestamps(v, name)
    elif isinstance(node, str):
        if name == "content":
            yield from timestamps(json.loads(node))
        elif name == "captured_at":
            return
        elif name in TIME_MEMBERS or _LOOKS.match(node):
            yield node
