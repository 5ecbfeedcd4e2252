#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# check-sqlite3mc-pin.sh SRCDIR
#
# The encrypting SQLite's pin holds together: the Flatpak manifest names the
# same tarball and SHA-256 as third_party/sqlite3mc/sqlite3mc.pin, and
# tools/fetch-sqlite3mc.sh refuses a tarball whose SHA-256 differs (no
# source unpacked, a clear message) and unpacks the right one. Offline: it
# works on a copy of the tarball the set-up fetched.
set -eu

src=$1
pin=$src/third_party/sqlite3mc/sqlite3mc.pin
manifest=$src/flatpak/io.github.testigo.Testigo.json
package=$(sed -n 's/^package=//p' "$pin")
version=$(sed -n 's/^version=//p' "$pin")
sha256=$(sed -n 's/^sha256=//p' "$pin")
tarball=$src/third_party/sqlite3mc/dist/$package-$version.tgz
fail=0

check() {
  if [ "$1" = 0 ]; then echo "ok: $2"; else echo "FAIL: $2"; fail=1; fi
}

grep -q "\"sha256\": \"$sha256\"" "$manifest"; check $? "the manifest pins sha256 $sha256"
grep -q "\"path\": \"../third_party/sqlite3mc/dist/$package-$version.tgz\"" "$manifest"
check $? "the manifest builds $package-$version.tgz"
grep -q "$sha256" "$src/third_party/sqlite3mc/README.md"; check $? "README.md records the sha256"

if [ ! -f "$tarball" ]; then
  echo "SKIP: $tarball not fetched (run tools/fetch-sqlite3mc.sh)"
  exit $fail
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/tools" "$tmp/third_party/sqlite3mc/dist"
cp "$src/tools/fetch-sqlite3mc.sh" "$tmp/tools/"
cp "$tarball" "$tmp/third_party/sqlite3mc/dist/"

# A pin that does not match the tarball: refused, nothing unpacked.
sed "s/^sha256=.*/sha256=$(printf '0%.0s' $(seq 64))/" "$pin" > "$tmp/third_party/sqlite3mc/sqlite3mc.pin"
if "$tmp/tools/fetch-sqlite3mc.sh" > "$tmp/out" 2>&1; then status=0; else status=1; fi
check $((1 - status)) "a mismatching tarball is refused"
grep -q "SHA-256 MISMATCH" "$tmp/out"; check $? "the refusal says SHA-256 MISMATCH"
test ! -e "$tmp/third_party/sqlite3mc/dist/src"; check $? "nothing was unpacked"

# The real pin: unpacked, and the amalgamation is SQLite3 Multiple Ciphers.
cp "$pin" "$tmp/third_party/sqlite3mc/sqlite3mc.pin"
mv "$tmp/third_party/sqlite3mc/dist/$package-$version.tgz.rejected" \
   "$tmp/third_party/sqlite3mc/dist/$package-$version.tgz"
"$tmp/tools/fetch-sqlite3mc.sh" > "$tmp/out" 2>&1; check $? "the pinned tarball is accepted"
grep -q "SQLite3 Multiple Ciphers" "$tmp/third_party/sqlite3mc/dist/src/deps/sqlite3/sqlite3.c"
check $? "the unpacked source is SQLite3 Multiple Ciphers"

exit $fail
