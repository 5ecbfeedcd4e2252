#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Build the libFuzzer targets (the server's request decoders, the CSV and
# GeoJSON imports, MBTiles metadata, photos' EXIF) with clang + ASan/UBSan
# and fuzz each for a while:
#   tools/fuzz.sh [SECONDS-PER-TARGET] [BUILDDIR]
# Default 60 s each in build-fuzz. Exit 77 (skipped) when clang cannot build
# a fuzzer here (needs clang and libclang-rt-14-dev). Crashes are written
# to BUILDDIR/fuzz-artifacts/.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
builddir=${2:-$here/build-fuzz}

if ! command -v clang >/dev/null; then
  echo "fuzz: clang not installed; skipping" >&2
  exit 77
fi
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf '#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n){return 0;}\n' > "$probe/p.c"
if ! clang -fsanitize=fuzzer,address "$probe/p.c" -o "$probe/p" 2>/dev/null; then
  echo "fuzz: clang cannot link libFuzzer (install libclang-rt-14-dev); skipping" >&2
  exit 77
fi

if [ ! -f "$builddir/build.ninja" ]; then
  CC=clang meson setup "$builddir" "$here" -Dfuzzing=true -Db_lundef=false >/dev/null
fi
targets=(push pull enrol upload csv geojson mbtiles exif)
meson compile -C "$builddir" $(printf 'tests/fuzz/fuzz-%s ' "${targets[@]}") >/dev/null

mkdir -p "$builddir/fuzz-artifacts"
status=0
for t in "${targets[@]}"; do
  corpus="$builddir/fuzz-corpus/$t"
  mkdir -p "$corpus"
  echo "fuzz-$t: ${seconds}s"
  if ! "$builddir/tests/fuzz/fuzz-$t" \
      -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -timeout=10 \
      -print_final_stats=1 -artifact_prefix="$builddir/fuzz-artifacts/$t-" \
      "$corpus" "$here/tests/fuzz/corpus/$t" 2>"$builddir/fuzz-$t.log"; then
    echo "fuzz-$t FAILED: see $builddir/fuzz-$t.log and $builddir/fuzz-artifacts/" >&2
    tail -40 "$builddir/fuzz-$t.log" >&2
    status=1
  fi
  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb|cov: ' "$builddir/fuzz-$t.log" | tail -3 || true
done
exit $status
