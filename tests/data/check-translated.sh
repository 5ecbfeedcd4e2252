#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# check-translated.sh FILE PATTERN...
#
# Checks that a file merged with the translations from po/ carries each
# PATTERN (a fixed string), e.g. the Spanish name of the application in the
# .desktop file. Without it a Spanish desktop would show English text.
set -eu

file=$1
shift
status=0
for pattern in "$@"; do
  if grep -qF -- "$pattern" "$file"; then
    echo "ok: $file has $pattern"
  else
    echo "FAIL: $file lacks $pattern" >&2
    status=1
  fi
done
exit $status
