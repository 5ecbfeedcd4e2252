#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# bench/bench-startup-plain-base.sh [DIR] — builds the plain side of
# bench-startup-at-rest: testigo as it was just before the app was wired to
# the encrypted store (7536491, the parent of 258db2c), which opens a plain
# store as it is. Today's testigo never does (it asks for a passphrase and
# encrypts the store first). Between 7536491 and 258db2c's children only
# the at-rest wiring and a few small changes touch src/ (`git log
# 7536491..main -- src`), so the two binaries differ in little but that.
#
# The tree is taken with `git archive` into DIR (default
# ${TMPDIR:-/tmp}/testigo-plain-base-7536491): no worktree, no branch,
# nothing committed. The pinned SQLite3 Multiple Ciphers source is copied
# from this tree when it is here. Prints the path of the built testigo on
# its last line; a second run reuses the build.
set -euo pipefail

base=7536491
here=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-${TMPDIR:-/tmp}/testigo-plain-base-$base}

if [ ! -f "$dir/meson.build" ]; then
  mkdir -p "$dir"
  git -C "$here" archive "$base" | tar -x -C "$dir"
fi
if [ -d "$here/third_party/sqlite3mc/dist/src" ] && [ ! -d "$dir/third_party/sqlite3mc/dist/src" ] \
   && cmp -s "$here/third_party/sqlite3mc/sqlite3mc.pin" "$dir/third_party/sqlite3mc/sqlite3mc.pin"; then
  mkdir -p "$dir/third_party/sqlite3mc/dist"
  cp -a "$here/third_party/sqlite3mc/dist/src" "$dir/third_party/sqlite3mc/dist/"
fi
export CCACHE_BASEDIR=$dir
if [ ! -f "$dir/build/build.ninja" ]; then
  meson setup "$dir/build" "$dir" -Ddevelopment=true >&2
fi
meson compile -C "$dir/build" src/app/testigo >&2
echo "$dir/build/src/app/testigo"
