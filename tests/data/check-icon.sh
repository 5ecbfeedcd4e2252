#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# check-icon.sh RSVG-CONVERT SIZE ICON.svg
#
# Renders an application icon at its own size and checks that it comes out
# as a PNG image of SIZE x SIZE pixels that is not empty. A broken SVG, or
# one drawn at the wrong size, would show as a blank or blurred icon.
set -eu

rsvg=$1
size=$2
icon=$3

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out="$tmp/icon.png"

if ! "$rsvg" --format=png -o "$out" "$icon"; then
  echo "FAIL: $icon: rsvg-convert could not render it" >&2
  exit 1
fi

bytes=$(wc -c <"$out")
if [ "$bytes" -le 0 ]; then
  echo "FAIL: $icon: rendered to an empty file" >&2
  exit 1
fi

# A PNG starts with an 8-byte signature, then the IHDR chunk: length (4),
# type (4), width (4), height (4), all big-endian.
sig=$(od -An -tx1 -N8 "$out" | tr -d ' \n')
if [ "$sig" != "89504e470d0a1a0a" ]; then
  echo "FAIL: $icon: output is not a PNG image" >&2
  exit 1
fi
width=$(od -An -tu1 -j16 -N4 "$out" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
height=$(od -An -tu1 -j20 -N4 "$out" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
if [ "$width" -ne "$size" ] || [ "$height" -ne "$size" ]; then
  echo "FAIL: $icon: drawn at ${width}x${height}, expected ${size}x${size}" >&2
  exit 1
fi

# Render it larger too: an icon must scale.
big=$((size * 4))
"$rsvg" --format=png -w "$big" -h "$big" -o "$tmp/big.png" "$icon"
test -s "$tmp/big.png"

echo "ok: $icon renders at ${width}x${height} ($bytes bytes) and at ${big}x${big}"
