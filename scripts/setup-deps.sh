#!/usr/bin/env bash
# Installs the Debian packages chatd needs, and only those that are missing. Quick and quiet
# when everything is there. Usage: scripts/setup-deps.sh [--test]   (--test adds test servers)
set -euo pipefail

build_pkgs=(cmake g++ make pkg-config ccache
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libpqxx-dev libsqlitecpp-dev libsqlite3-dev libsodium-dev libspdlog-dev
  libssl-dev libcurl4-openssl-dev libhiredis-dev zlib1g-dev libgtest-dev libjemalloc-dev nodejs npm
  dpkg-dev)  # dpkg-shlibdeps: the Debian package's dependencies (scripts/package.sh)
test_pkgs=(postgresql redis-server python3 clang-14 libclang-rt-14-dev chromium)

pkgs=("${build_pkgs[@]}")
[[ "${1:-}" == "--test" ]] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  # Node and npm may come from outside Debian (as on the CI image): a working binary is enough.
  if [[ "$p" == nodejs ]] && command -v node >/dev/null; then continue; fi
  if [[ "$p" == npm ]] && command -v npm >/dev/null; then continue; fi
  if [[ "$p" == g++ ]] && command -v g++ >/dev/null; then continue; fi
  if [[ "$p" == cmake ]] && command -v cmake >/dev/null; then continue; fi
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "setup-deps: installing ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
