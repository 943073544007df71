#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang in build-fuzz and runs each in turn.
# Usage: scripts/fuzz.sh [seconds per target=30] [extra libFuzzer flags...]
#   FUZZ_TARGETS="ws_frame multipart" runs only those (names without _fuzz).
#   FUZZ_CMAKE_ARGS adds arguments to the configure step.
# Needs clang-14 and libclang-rt-14-dev (scripts/setup-deps.sh --test). Findings are written to
# build-fuzz/findings/; each target's corpus grows in build-fuzz/corpus/<target>/ across runs;
# the full output of each run is in build-fuzz/logs/<target>.log. Prints one line per target
# (runs, exec/s, coverage) and exits non-zero if any target found something.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift $(( $# > 0 ? 1 : 0 ))
read -r -a targets <<<"${FUZZ_TARGETS:-packet_decoders ws_frame multipart image_probe json_reader byte_range}"

cxx=$(command -v clang++-14 || command -v clang++ || true)
if [[ -z "$cxx" ]]; then
  echo "fuzz.sh: clang++ not found (scripts/setup-deps.sh --test installs clang-14)" >&2
  exit 1
fi

dir=build-fuzz
mkdir -p "$dir"
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
# shellcheck disable=SC2086  # FUZZ_CMAKE_ARGS is a list of arguments
cmake -S . -B "$dir" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCHATD_FUZZ=ON ${FUZZ_CMAKE_ARGS:-} >"$dir/configure.log" 2>&1 ||
  { cat "$dir/configure.log"; exit 1; }
cmake --build "$dir" -j"$(nproc)" --target "${targets[@]/%/_fuzz}"

findings=$dir/findings
mkdir -p "$findings" "$dir/logs"

# Seeds: valid samples of each shape, so that the fuzzer starts past the type and header checks.
# Targets whose input starts with a mode byte and a 4-byte read-size seed get them here too.
corpus=
seed() { printf '%b' "$2" >"$corpus/seed-$1"; }
seeds_packet_decoders() {
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
}
seeds_ws_frame() {
  # Raw mode, 65,535-byte limit (0x0a); masks of zero leave the payload readable.
  local raw='\x0a\x11\x22\x33\x44' key='\x00\x00\x00\x00'
  seed text "$raw\x81\x86${key}4hello\x81\x81\x01\x02\x03\x045"
  seed fragments-ping "$raw\x01\x82${key}4h\x89\x84${key}ping\x00\x82${key}el\x80\x81${key}o"
  seed utf8-split "$raw\x01\x81${key}\xce\x80\x81${key}\xba"
  seed binary-pong-close "$raw\x82\x83${key}\x00\x01\x02\x8a\x80${key}\x88\x85${key}\x03\xe8bye"
  seed length16 "$raw\x82\xfe\x00\x80${key}$(printf 'x%.0s' {1..128})"
  # Structured mode, 1 MiB limit (0x0f): 255 bytes repeated 512 times (a 64-bit length), then
  # a text message in two fragments around a ping.
  seed length64 "\x0f\x01\x02\x03\x04\x82\xf0\x01\x02\x03\x04\xff$(printf 'y%.0s' {1..255})"
  seed records "\x0f\x05\x06\x07\x08\x01\x00\x05\x06\x07\x08\x03abc\x89\x00${key}\x00\x80\x00\x09\x09\x09\x09\x02de"
}
seeds_multipart() {
  local head='\x00\x01\x02\x03\x04multipart/form-data; boundary=XyZ\n'
  seed form "$head--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG data\r\n--XyZ\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nhello\r\n--XyZ--\r\n"
  seed preamble "\x00\x05\x06\x07\x08multipart/form-data; boundary=\"a b;c\"\npreamble\r\n--a b;c  \r\ncontent-disposition: form-data; name=x\r\n\r\n\r\n--a b\r\n--a b;c--epilogue"
}
seeds_image_probe() {
  local raw='\x00\x01\x02\x03\x04'
  seed png "$raw\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x10\x00\x00\x00\x20\x08\x06\x00\x00\x00"
  seed gif "${raw}GIF89a\x10\x00\x20\x00\x00\x00\x00"
  seed jpeg "$raw\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xff\xd0\xff\xc2\x00\x11\x08\x00\x20\x00\x10\x03\x01\x22\x00"
  seed webp-vp8 "${raw}RIFF\x20\x00\x00\x00WEBPVP8 \x0a\x00\x00\x00\x10\x02\x00\x9d\x01\x2a\x10\x00\x20\x00"
  seed webp-vp8l "${raw}RIFF\x20\x00\x00\x00WEBPVP8L\x0a\x00\x00\x00\x2f\x0f\xc0\x07\x00"
  seed webp-vp8x "${raw}RIFF\x20\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\x00\x0f\x00\x00\x1f\x00\x00"
}
seeds_json_reader() {
  seed mixed ' [1,"a",{"b":null,"c":[true,false]},1.5e300,-0,1e400,0.1]'
  seed surrogates ' "\\ud83d\\ude00 \\ud83d x \\ude00"'
  seed deep '\x05[[[[[]]]]]'
  seed objects ' {"a":{"a":{"a":1}},"a":2}'
  seed big ' 123456789012345678901'
}
seeds_byte_range() {
  seed part '\x64bytes=0-10'
  seed suffix '\x64bytes=-5'
  seed open '\x64bytes=90-'
  seed large '\x80\x00\x00\x00\x01\x00\x00\x00\x00bytes=4294967296-'
  seed blanks '\x64BYTES= 1 - 2 '
  seed several '\x64bytes=1-2,3-4'
}

failed=()
for t in "${targets[@]}"; do
  corpus=$dir/corpus/$t
  mkdir -p "$corpus"
  "seeds_$t"
  log=$dir/logs/$t.log
  # -max_len keeps inputs near real frame sizes; -timeout catches pathological slowness.
  if "$dir/fuzz/${t}_fuzz" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
    -dict="fuzz/$t.dict" -artifact_prefix="$findings/$t-" -print_final_stats=1 \
    "$@" "$corpus" >"$log" 2>&1; then
    done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1)
    runs=$(grep -Eo '^stat::number_of_executed_units: [0-9]+' "$log" | grep -Eo '[0-9]+$')
    echo "$t: $runs runs in ${seconds} s, $(grep -Eo 'exec/s: [0-9]+' <<<"$done_line"), $(grep -Eo 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*' <<<"$done_line")"
  else
    echo "$t: FAILED (full output in $log)"
    grep -E -A25 '^==[0-9]+==ERROR|deadly signal|Test unit written' "$log" | head -60
    failed+=("$t")
  fi
done
[[ ${#failed[@]} -eq 0 ]] || { echo "fuzz.sh: findings in ${failed[*]} (see $findings/)"; exit 1; }
