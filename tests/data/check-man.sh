#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# check-man.sh PROGRAM MANPAGE
#
# The manual page of PROGRAM renders without a warning (groff -ww, and
# man -l where man-db is there) and names every option PROGRAM's
# --help-all lists.
set -eu

program=$1
page=$2
status=0

warnings=$(groff -man -ww -z "$page" 2>&1 || true)
if [ -n "$warnings" ]; then
  echo "FAIL: groff warns about $page:" >&2
  echo "$warnings" >&2
  status=1
else
  echo "ok: groff -ww renders $page without a warning"
fi
if command -v man >/dev/null 2>&1; then
  warnings=$(MANWIDTH=80 man -l --warnings=w "$page" 2>&1 >/dev/null || true)
  if [ -n "$warnings" ]; then
    echo "FAIL: man -l warns about $page:" >&2
    echo "$warnings" >&2
    status=1
  else
    echo "ok: man -l renders $page without a warning"
  fi
fi

# The page as text, on long lines and without hyphenation, so an option
# is never split.
text=$(groff -man -Tascii -P-cbou -rHY=0 -rLL=250n "$page" 2>/dev/null)
options=$("$program" --help-all | grep -oE '^ +(-[a-zA-Z], )?--[a-z][a-z-]*' | tr ',' '\n' | tr -d ' ' | sort -u)
if [ -z "$options" ]; then
  echo "FAIL: $program --help-all lists no option" >&2
  exit 1
fi
for option in $options; do
  if printf '%s\n' "$text" | grep -qE -- "(^|[^a-z-])$option([^a-z-]|\$)"; then
    echo "ok: $page has $option"
  else
    echo "FAIL: $page lacks $option (listed by $program --help-all)" >&2
    status=1
  fi
done
exit $status
