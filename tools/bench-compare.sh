#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tools/bench-compare.sh OLD [N]
#
# Runs the store and map benchmarks of an older commit and of the working
# tree under callgrind, one after the other, and prints the instructions
# each executed. Instruction counts do not depend on what else the machine
# is doing, so a refactor can be shown to cost nothing on a busy machine
# where wall-clock figures are noise. N is the store benchmark's report
# count (default 2000). Needs valgrind; builds OLD in a temporary worktree.
set -euo pipefail

old=${1:?usage: tools/bench-compare.sh OLD-COMMIT [N]}
n=${2:-2000}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/testigo-bench-compare-XXXXXX")
trap 'git -C "$here" worktree remove --force "$work/old" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

git -C "$here" worktree add --detach "$work/old" "$old" >/dev/null
for tree in "$work/old" "$here"; do
  [ -f "$tree/build-bench/build.ninja" ] || meson setup "$tree/build-bench" "$tree" --buildtype=debugoptimized >/dev/null
  meson compile -C "$tree/build-bench" >/dev/null
done

count() {  # count LABEL PROGRAM ARGS... → "LABEL instructions"
  local label=$1; shift
  local out="$work/cg.$RANDOM"
  (cd "$work" && valgrind --tool=callgrind --callgrind-out-file="$out" "$@" >/dev/null 2>&1)
  printf '%-28s %15s\n' "$label" "$(awk '/^totals:/ {print $2}' "$out")"
}

# bench-store runs a plain and an encrypted store since protection at
# rest; an older tree has only the plain run, so compare that.
export TESTIGO_BENCH_PLAIN=1
for tree in old new; do
  dir=$([ $tree = old ] && echo "$work/old/build-bench" || echo "$here/build-bench")
  store=$(find "$dir/tests" -name bench-store -type f -perm -u+x | head -1)
  map=$(find "$dir/tests" -name bench-map -type f -perm -u+x | head -1)
  count "bench-store $n ($tree)" "$store" "$n"
  count "bench-map ($tree)" "$map"
done
