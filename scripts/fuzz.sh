#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in build-fuzz and runs the packet decoders' fuzzer.
# Usage: scripts/fuzz.sh [seconds=30] [extra libFuzzer flags...]
# Needs clang-14 and libclang-rt-14-dev (scripts/setup-deps.sh --test). Findings are written to
# build-fuzz/findings/; the corpus grows in build-fuzz/corpus/packet_decoders/ across runs.
# FUZZ_CMAKE_ARGS adds arguments to the configure step.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift $(( $# > 0 ? 1 : 0 ))

cxx=$(command -v clang++-14 || command -v clang++ || true)
if [[ -z "$cxx" ]]; then
  echo "fuzz.sh: clang++ not found (scripts/setup-deps.sh --test installs clang-14)" >&2
  exit 1
fi

dir=build-fuzz
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
# shellcheck disable=SC2086  # FUZZ_CMAKE_ARGS is a list of arguments
cmake -S . -B "$dir" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCHATD_FUZZ=ON ${FUZZ_CMAKE_ARGS:-} >/dev/null
cmake --build "$dir" -j"$(nproc)" --target packet_decoders_fuzz

corpus=$dir/corpus/packet_decoders
findings=$dir/findings
mkdir -p "$corpus" "$findings"
# Seeds: one valid sample of each shape, so the fuzzer starts past the type and header checks.
seed() { printf '%b' "$2" >"$corpus/seed-$1"; }
seed eio-open '0{"sid":"abc","upgrades":["websocket"],"pingInterval":25000}'
seed eio-payload '2probe\x1e4hello\x1ebAQID\x1e6'
seed eio-b64 'bAP8Q'
seed sio-connect '0/admin,{"token":"x"}'
seed sio-event '2["message",{"text":"hi","n":1.5},[1,2]]'
seed sio-ack '3/chat,12["ok",null,true]'
seed sio-error '4{"message":"Not authorized"}'
seed sio-disconnect '1/admin,'
seed sio-binary '52-/up,7["file",{"_placeholder":true,"num":1},{"p":[{"_placeholder":true,"num":0}]}]\x1e\x01\x00\xff\x1e\x01abc'
seed sio-binary-ack '61-15["bar",{"_placeholder":true,"num":0}]\x1e\x01\x01\x02'

# -max_len keeps inputs near real frame sizes; -timeout catches pathological slowness.
"$dir/fuzz/packet_decoders_fuzz" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
  -dict=fuzz/packet_decoders.dict -artifact_prefix="$findings/" -print_final_stats=1 \
  "$@" "$corpus"
