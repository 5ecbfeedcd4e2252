#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tools/fetch-sqlite3mc.sh — fetches the pinned SQLite3 Multiple Ciphers
# amalgamation (third_party/sqlite3mc/sqlite3mc.pin) with npm, checks the
# tarball's SHA-256 and unpacks it to third_party/sqlite3mc/dist/src.
# Nothing is unpacked from a tarball whose hash differs: the script stops
# with an error naming both hashes. Run by tools/dev.sh and, when the
# source is missing, by meson setup.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
pin=$here/third_party/sqlite3mc/sqlite3mc.pin
dist=$here/third_party/sqlite3mc/dist

package=$(sed -n 's/^package=//p' "$pin")
version=$(sed -n 's/^version=//p' "$pin")
sha256=$(sed -n 's/^sha256=//p' "$pin")
tarball=$dist/$package-$version.tgz

if [ -f "$dist/src/deps/sqlite3/sqlite3.c" ] && [ -f "$dist/src/.sha256" ] \
   && [ "$(cat "$dist/src/.sha256")" = "$sha256" ]; then
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "fetch-sqlite3mc: npm is missing; install Debian's npm package (apt-get install npm)" >&2
  exit 1
fi

mkdir -p "$dist"
if [ ! -f "$tarball" ]; then
  echo "fetch-sqlite3mc: fetching $package $version with npm"
  (cd "$dist" && npm pack --silent "$package@$version" >/dev/null)
fi

actual=$(sha256sum "$tarball" | cut -d' ' -f1)
if [ "$actual" != "$sha256" ]; then
  echo "fetch-sqlite3mc: SHA-256 MISMATCH for $tarball" >&2
  echo "  expected $sha256 (third_party/sqlite3mc/sqlite3mc.pin)" >&2
  echo "  got      $actual" >&2
  echo "  The tarball was not unpacked; it is kept as $tarball.rejected." >&2
  mv -f "$tarball" "$tarball.rejected"
  exit 1
fi

rm -rf "$dist/src.tmp"
mkdir -p "$dist/src.tmp"
tar -xzf "$tarball" -C "$dist/src.tmp" --strip-components=1 \
  package/deps/sqlite3/sqlite3.c package/deps/sqlite3/sqlite3.h \
  package/deps/sqlite3/sqlite3ext.h package/LICENSE package/package.json
echo "$sha256" > "$dist/src.tmp/.sha256"
rm -rf "$dist/src"
mv "$dist/src.tmp" "$dist/src"
echo "fetch-sqlite3mc: $package $version verified (sha256 $sha256)"
