#!/usr/bin/env bash
# Fan-out in a group beside the public room, on one chatd (Release) over a throwaway PostgreSQL:
# chatd-bench fanout with N receivers and S senders, alternately in public_room and in one group
# of all N + S users (--event group), the same rates, each run on a freshly started server. Prints
# per step the deliveries/s, p99 and the server's CPU time per delivery, and the group's cost per
# delivery relative to the public room's (docs/events.md, "Groups": a group must not cost more
# than 20 % more per delivery).
#
# Usage: bench/group-fanout.sh [--reps N] [--receivers N] [--senders S] [--rates R1,R2,...]
#                              [--duration T] [--build DIR]
# Environment: CHATD_BIN, CHATD_BENCH_BIN: prebuilt binaries instead of building them.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source bench/lib.sh

reps=2 receivers=990 senders=10 rates=20,50,100 duration=5 build_dir=build/release
while [[ $# -gt 0 ]]; do
  case $1 in
    --reps) reps=${2:?}; shift ;;
    --receivers) receivers=${2:?}; shift ;;
    --senders) senders=${2:?}; shift ;;
    --rates) rates=${2:?}; shift ;;
    --duration) duration=${2:?}; shift ;;
    --build) build_dir=${2:?}; shift ;;
    *) echo "usage: bench/group-fanout.sh [--reps N] [--receivers N] [--senders S] [--rates LIST] [--duration T] [--build DIR]" >&2; exit 2 ;;
  esac
  shift
done
members=$((receivers + senders))
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
build_binaries "$build_dir" Release

work=$(mktemp -d /tmp/chatd-group-bench.XXXXXX)
chmod 755 "$work"
server_pid=""
trap bench_cleanup EXIT
trap 'exit 130' INT TERM
pg_start
pg_create_db chatd
port=$(free_port)
url="http://127.0.0.1:$port"
key=$(random_key)

start_server() {
  env HOST=127.0.0.1 PORT="$port" DATA_DIR="$work" DATABASE_URL="$pg_url/chatd" JWE_KEY="$key" \
    MESSAGE_RATE_PER_SECOND=0 LOG_LEVEL=warn LOGIN_RATE_PER_IP=0 REGISTER_RATE_PER_IP=0 \
    MAX_CONNECTIONS_PER_IP=0 HANDSHAKE_RATE_PER_IP=0 \
    GROUP_MAX_MEMBERS="$members" "$chatd_bin" >>"$work/chatd.log" 2>&1 &
  server_pid=$!
  wait_healthy "$port" "$server_pid" || { tail -20 "$work/chatd.log" >&2; exit 1; }
}
stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  sleep 0.5
}

start_server
echo "registering $members users..." >&2
register_users "$url" "$members" "$work/tokens.txt" chatd
stop_server

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
results="$work/results.jsonl"
for _ in $(seq 1 "$reps"); do
  for event in public group; do
    start_server
    echo "fanout --event $event" >&2
    timeout 900 "$bench_bin" fanout --url "$url" --server-pid "$server_pid" --tokens "$work/tokens.txt" \
      --users "$members" --connections "$receivers" --senders "$senders" --rates "$rates" \
      --duration "$duration" --drain 5 --event "$event" --label "$event" 2>>"$work/bench.log" |
      tail -1 | sed "s/^/{\"event\":\"$event\",\"result\":/; s/\$/}/" >>"$results"
    stop_server
    # A run whose connections were refused has no deliveries: say so instead of a table of zeros.
    if ! tail -1 "$results" | grep -q '"deliveries":[1-9]'; then
      echo "fanout --event $event delivered nothing; its log:" >&2; tail -20 "$work/bench.log" >&2; exit 1
    fi
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

echo "$(machine_description); load before $load_before, after $load_after"
echo "receivers $receivers, senders $senders, group of $members members; $reps runs each, alternately"
node - "$results" <<'EOF'
const fs = require('fs');
const runs = fs.readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => JSON.parse(l));
// Server CPU microseconds per delivery, by event and rate, over every run's steps.
const by = {};
for (const { event, result } of runs)
  for (const s of result.steps ?? []) {
    const k = `${event} ${s.rate}`;
    by[k] ??= { event, rate: s.rate, cpu: 0, deliveries: 0, p99: [], perS: [], lost: 0 };
    by[k].cpu += (s.server_cpu_pct / 100) * s.elapsed;
    by[k].deliveries += s.deliveries;
    by[k].p99.push(s.latency_ms.p99);
    by[k].perS.push(s.deliveries_per_s);
    by[k].lost += s.lost;
  }
const rows = Object.values(by).sort((a, b) => a.rate - b.rate || a.event.localeCompare(b.event));
console.log('| event | msgs/s | deliveries/s | p99 ms | lost | server CPU µs/delivery | group/public |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  const us = (r.cpu * 1e6) / Math.max(r.deliveries, 1);
  const pub = by[`public ${r.rate}`];
  const ratio = r.event === 'group' && pub ? us / ((pub.cpu * 1e6) / Math.max(pub.deliveries, 1)) : null;
  console.log(`| ${r.event} | ${r.rate} | ${r.perS.map((x) => Math.round(x)).join(', ')} | ${r.p99.join(', ')} | ${r.lost} | ${us.toFixed(2)} | ${ratio ? ratio.toFixed(2) : ''} |`);
}
EOF
