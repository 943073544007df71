#!/usr/bin/env bash
# Configures and builds chatd. Usage: scripts/build.sh <build-dir> <build-type> [targets...]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?build dir}; type=${2:?build type}; shift 2
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
# Share cached objects between clones (CI builds in a fresh clone on the same machine).
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(pwd)} CCACHE_NOHASHDIR=1
if [[ ! -f "$dir/CMakeCache.txt" ]]; then
  # CHATD_CMAKE_ARGS: extra configure options, e.g. -DCHATD_SANITIZE=ON (first configure only).
  # shellcheck disable=SC2086
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE="$type" ${CHATD_CMAKE_ARGS:-} >/dev/null
fi
jobs=$(nproc)
if [[ $# -gt 0 ]]; then
  cmake --build "$dir" -j"$jobs" --target "$@"
else
  cmake --build "$dir" -j"$jobs"
fi
