#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# One command for a fresh Debian 12 machine:
#   tools/dev.sh run    install what is missing, build, run Testigo on demo data
#   tools/dev.sh test   install what is missing, build, run the whole test suite
#
# The last line of "test" is a plain summary: "N passed, N failed, N skipped".
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
builddir=${TESTIGO_BUILDDIR:-build}
case $builddir in
  /*) ;;
  *) builddir=$here/$builddir ;;
esac

# Every Debian package the build, the application and the tests need.
build_packages=(
  meson ninja-build pkg-config gcc gettext itstool
  libglib2.0-dev libglib2.0-bin libgtk-4-dev libepoxy-dev libadwaita-1-dev libshumate-dev
  libsoup-3.0-dev libsqlite3-dev libjson-glib-dev libgexiv2-dev
  libgdk-pixbuf-2.0-dev libcairo2-dev libgnutls28-dev nettle-dev libsecret-1-dev libsodium-dev libpwquality-dev
  cracklib-runtime
  desktop-file-utils appstream adwaita-icon-theme hicolor-icon-theme fonts-cantarell
)
test_packages=(
  xvfb xauth x11-apps xdotool imagemagick dbus dbus-x11 at-spi2-core python3-pyatspi
  sqlite3 gnutls-bin curl clang libclang-rt-14-dev gdal-bin flatpak-builder
  librsvg2-bin python3 locales groff-base man-db gnome-keyring libsecret-tools faketime
)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_missing() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing: ${missing[*]}"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
}

# npm fetches the encrypting SQLite's pinned tarball. Debian's npm package
# only where no npm is on the PATH: a machine whose Node.js comes from
# elsewhere (its own npm beside it) refuses Debian's npm ("nodejs
# conflicts with npm").
install_npm() {
  command -v npm >/dev/null 2>&1 || install_missing npm
}

build() {
  # The encrypting SQLite, from its pinned tarball (checked by SHA-256).
  tools/fetch-sqlite3mc.sh
  if [ ! -f "$builddir/build.ninja" ]; then
    meson setup "$builddir" -Ddevelopment=true
  fi
  meson compile -C "$builddir"
}

case "${1:-}" in
  run)
    install_missing "${build_packages[@]}"
    install_npm
    build
    shift
    # Run from the build tree: the settings schema compiled there. The
    # binary finds the translations compiled there by itself (main.c), so
    # it speaks the language of LANG / LANGUAGE as an installed one does.
    export GSETTINGS_SCHEMA_DIR="$builddir/data${GSETTINGS_SCHEMA_DIR:+:$GSETTINGS_SCHEMA_DIR}"
    exec "$builddir/src/app/testigo" --demo "$@"
    ;;
  test)
    install_missing "${build_packages[@]}" "${test_packages[@]}"
    install_npm
    build
    shift
    exec tools/run-tests.sh "$builddir" "$@"
    ;;
  *)
    echo "usage: $0 run|test" >&2
    exit 2
    ;;
esac
