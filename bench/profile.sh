#!/usr/bin/env bash
# Profiles chatd under load from chatd-bench, to find its hot spots:
#   perf       CPU samples (cpu-clock, call graphs by frame pointers) during a fan-out at a fixed
#              rate; prints the top functions by self time and by inclusive time
#   heaptrack  allocations while N idle connections are open; prints the peak consumers
# chatd runs on SQLite in a temporary folder (the fan-out path does not depend on the database
# backend). Usage:
#   bench/profile.sh [perf|heaptrack] [--receivers N] [--senders S] [--rate R] [--seconds S]
#                    [--connections N] [--build DIR]
# Defaults: perf, 1000 receivers, 10 senders, 200 messages/s, 20 s; heaptrack: 5000 connections.
# Output (perf.data, heaptrack file, reports) stays in <build dir>/profile-<tool>-<date>/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

tool=perf
receivers=1000
senders=10
rate=200
seconds=20
connections=5000
build_dir=build/profile
if [[ $# -gt 0 && $1 != --* ]]; then tool=$1; shift; fi
while [[ $# -gt 0 ]]; do
  case $1 in
    --receivers) receivers=$2; shift ;;
    --senders) senders=$2; shift ;;
    --rate) rate=$2; shift ;;
    --seconds) seconds=$2; shift ;;
    --connections) connections=$2; shift ;;
    --build) build_dir=$2; shift ;;
    *) echo "usage: bench/profile.sh [perf|heaptrack] [--receivers N] [--senders S] [--rate R] [--seconds S] [--connections N] [--build DIR]" >&2; exit 2 ;;
  esac
  shift
done
case $tool in
  perf) command -v perf >/dev/null || { echo "perf is missing: apt-get install linux-perf" >&2; exit 1; } ;;
  heaptrack) command -v heaptrack >/dev/null || { echo "heaptrack is missing: apt-get install heaptrack" >&2; exit 1; } ;;
  *) echo "unknown tool $tool" >&2; exit 2 ;;
esac

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
scripts/setup-deps.sh >&2
# Optimised with debug information and frame pointers, for call graphs. CHATD_BIN and
# CHATD_BENCH_BIN: use these binaries instead.
targets=()
[[ -z "${CHATD_BIN:-}" ]] && targets+=(chatd)
[[ -z "${CHATD_BENCH_BIN:-}" ]] && targets+=(chatd-bench)
if [[ ${#targets[@]} -gt 0 ]]; then
  if [[ ! -f "$build_dir/CMakeCache.txt" ]]; then
    cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_FLAGS="-fno-omit-frame-pointer" >/dev/null
  fi
  cmake --build "$build_dir" -j"$(nproc)" --target "${targets[@]}" >&2
fi
chatd_bin=${CHATD_BIN:-$root/$build_dir/src/chatd}
bench_bin=${CHATD_BENCH_BIN:-$root/$build_dir/bench/chatd-bench}

out="$root/$build_dir/profile-$tool-$(date -u +%Y-%m-%d-%H%M)"
mkdir -p "$out"
work=$(mktemp -d /tmp/chatd-profile.XXXXXX)
pid=""
cleanup() {
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"

start_chatd() {
  local -a wrapper=("$@")
  (cd "$work" && exec env HOST=127.0.0.1 PORT="$port" DATA_DIR="$work" \
    DATABASE_URL="sqlite://$work/chatd.db" MESSAGE_RATE_PER_SECOND=0 LOG_LEVEL=warn \
    LOGIN_RATE_PER_IP=0 REGISTER_RATE_PER_IP=0 MAX_CONNECTIONS_PER_IP=0 HANDSHAKE_RATE_PER_IP=0 "${wrapper[@]}" "$chatd_bin" >>"$out/chatd.log" 2>&1) &
  pid=$!
  # heaptrack makes start-up slow, more so on a busy machine: wait up to two minutes.
  for _ in $(seq 1 1200); do
    python3 -c "import urllib.request; urllib.request.urlopen('$url/health', timeout=1)" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "chatd did not start" >&2
  tail "$out/chatd.log" >&2
  exit 1
}

if [[ $tool == perf ]]; then
  start_chatd
  "$bench_bin" users --url "$url" --users 100 --tokens "$work/tokens.txt" >/dev/null 2>>"$out/bench.log"
  # The load runs a little longer than the recording, which starts once everyone is connected.
  "$bench_bin" fanout --url "$url" --tokens "$work/tokens.txt" --users 100 --server-pid "$pid" \
    --connections "$receivers" --senders "$senders" --rates "$rate" --duration $((seconds + 6)) \
    --slo-ms 1000000 >"$out/fanout.json" 2>>"$out/bench.log" &
  load=$!
  sleep 4
  perf record -e cpu-clock -F 999 -g -p "$pid" -o "$out/perf.data" -- sleep "$seconds" 2>>"$out/bench.log"
  wait "$load" || true
  perf report -i "$out/perf.data" --stdio --no-children --sort symbol --percent-limit 0.7 \
    -g none 2>/dev/null | grep -E '^ +[0-9]' >"$out/self.txt" || true
  perf report -i "$out/perf.data" --stdio --children --sort symbol --percent-limit 3 \
    -g none 2>/dev/null | grep -E '^ +[0-9]' >"$out/inclusive.txt" || true
  echo "== fan-out result"
  cat "$out/fanout.json"
  echo "== top functions by self time (perf, cpu-clock)"
  head -40 "$out/self.txt" | cut -c1-200
  echo "== top functions by inclusive time"
  head -40 "$out/inclusive.txt" | cut -c1-200
else
  start_chatd heaptrack -o "$out/chatd"
  # heaptrack's launcher script runs chatd as its child: that child is the server to measure and
  # to stop (the launcher then writes the data and exits).
  name=$(basename "$chatd_bin")
  server=$(pgrep -P "$pid" -x "${name:0:15}" | head -1)  # the process name, as the kernel keeps it
  [[ -n "$server" ]] || { echo "chatd under heaptrack not found" >&2; exit 1; }
  "$bench_bin" users --url "$url" --users 100 --tokens "$work/tokens.txt" >/dev/null 2>>"$out/bench.log"
  "$bench_bin" connect --url "$url" --tokens "$work/tokens.txt" --users 100 --server-pid "$server" \
    --connections "$connections" --settle 2 >"$out/connect.json" 2>>"$out/bench.log"
  kill "$server"
  wait "$pid" || true
  pid=""
  file=$( (ls "$out"/chatd*.zst "$out"/chatd*.gz 2>/dev/null || true) | head -1)
  heaptrack_print -f "$file" --print-peaks 1 --print-allocators 0 --print-temporary 0 \
    --print-leaks 0 -n 20 -s 0 >"$out/peaks.txt" 2>/dev/null || true
  echo "== connect result (RSS under heaptrack, which adds its own overhead)"
  cat "$out/connect.json"
  echo "== heap with $connections connections open"
  grep -E "^(peak heap|peak RSS|calls to allocation)" "$out/peaks.txt" || true
  peak=$(grep -E "^peak heap memory consumption" "$out/peaks.txt" | grep -Eo '[0-9.]+[KMG]?' | head -1)
  echo "(peak heap $peak over $connections connections)"
  echo "== peak heap consumers"
  grep -E "peak memory consumed|^[a-z_].*\(" "$out/peaks.txt" | head -60
fi
echo "(all output in ${out#$root/})"
