#!/usr/bin/env bash
# Builds the Debian package chatd_<version>_amd64.deb (CPack, cmake/install.cmake): the binary
# (stripped), its web assets, the systemd unit and /etc/chatd/chatd.env. Prints the package's path.
# Usage: scripts/package.sh [build-dir [build-type]]   (default: build/release Release; the test
# suite packages its existing build/test tree, so nothing is compiled twice)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build/release}; type=${2:-Release}
scripts/npm-deps.sh web
mkdir -p "$dir"
log="$dir/package.log"
{
  scripts/build.sh "$dir" "$type" chatd
  # Configured again: a tree configured before the packaging rules existed lacks their targets.
  cmake -S . -B "$dir"
  cmake --build "$dir" --target chatd_env_file
  rm -rf "$dir/package"
  (cd "$dir" && cpack -G DEB -B "$PWD/package")
} >"$log" 2>&1 || { tail -40 "$log"; echo "package.sh: failed, see $log" >&2; exit 1; }
ls "$dir"/package/chatd_*_amd64.deb
