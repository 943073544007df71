#!/usr/bin/env bash
# Side-by-side benchmark of chatd and the Node.js + Socket.IO 4 reference (bench/reference).
# Starts a throwaway PostgreSQL, builds chatd and chatd-bench, then runs every scenario against
# each server alternately (chatd, reference, chatd, reference, ...), each run on a freshly started
# server process (memory figures start from an idle server), and prints the medians and the
# chatd/reference ratio as a Markdown table, also saved to bench/results/<date>.md with the raw
# JSON lines beside it.
#
# Usage: bench/compare.sh [--quick] [--reps N] [--build DIR] [--only SCENARIO[,SCENARIO...]]
#                         [--against CHATD_BINARY]
#   --quick   tiny parameters, one repetition, results not saved under bench/results: a smoke test
#             that the scripts work (scripts/test.sh); figures are never asserted
#   --build   build directory to use (default build/release, Release); with --quick, reuse the
#             tree scripts/test.sh has built: bench/compare.sh --quick --build build/test
#   --only    scenarios to run: connect5k, connect20k, fanout, private, store, store-sqlite, recover
#   --against another chatd binary (say, main before a change) run in the reference's place, with
#             the same settings as chatd and a database of its own: before/after figures for a
#             commit message, measured alternately in one run so that both see the same machine
#             (store-sqlite too: each binary on a SQLite database of its own)
# Environment: CHATD_BIN, CHATD_BENCH_BIN: use these binaries instead of building them.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source "$root/bench/lib.sh"

quick=0
reps=3
build_dir=build/release
build_type=Release
only=""
against=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) quick=1; reps=1 ;;
    --reps) reps=${2:?}; shift ;;
    --build) build_dir=${2:?}; build_type=""; shift ;;
    --only) only=${2:?}; shift ;;
    --against) against=$(readlink -f "${2:?}"); shift ;;
    *) echo "usage: bench/compare.sh [--quick] [--reps N] [--build DIR] [--only LIST] [--against BIN]" >&2; exit 2 ;;
  esac
  shift
done
log() { echo "[compare $(date +%T)] $*" >&2; }
wanted() { [[ -z "$only" || ",$only," == *",$1,"* ]]; }

# ---- parameters (the issue's targets; a full run stays under ~15 minutes) ----
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fd_limit=$(ulimit -n)
if [[ $quick -eq 1 ]]; then
  users=40
  connect_small=(--connections 200 --settle 1)
  connect_large=(--connections 400 --settle 1 --probe-rate 2 --probe-seconds 1)
  private=(--pairs 10 --window 4 --duration 1 --drain 2)
  store=(--senders 10 --window 16 --duration 1 --drain 2)
  recover=(--connections 100 --senders 4 --rates 10 --before 1 --after 1 --drain 2)
else
  users=200
  # 20,000 idle connections, less a margin for the server's other descriptors: the hard limit of
  # open files here is what both processes can have.
  large=$((fd_limit - 200 < 20000 ? fd_limit - 200 : 20000))
  connect_small=(--connections 5000 --settle 3)
  connect_large=(--connections "$large" --settle 3 --probe-rate 1 --probe-seconds 10 --connect-timeout 240)
  private=(--pairs 100 --window 4 --duration 10)
  # 190 senders: chatd-bench paces a socket at 400 msgs/s at most (--socket-rate), so 100
  # senders capped the offered load at 40,000/s, below what chatd stores.
  store=(--senders 190 --window 64 --duration 10)
  # 10,000 clients (fewer if the open-file limit is lower) and a modest 2 messages/s: 20,000
  # deliveries/s, well within both servers' fan-out, so that the storm is what is measured.
  recover_clients=$((fd_limit - 200 < 10000 ? fd_limit - 200 : 10000))
  recover=(--connections "$recover_clients" --senders 10 --rates 2 --before 5 --after 5 --connect-timeout 240)
fi
fanout_params "$quick"  # shared with bench/cluster.sh

# ---- dependencies and builds ----
scripts/setup-deps.sh --test >&2
scripts/npm-deps.sh bench/reference
# CHATD_BIN / CHATD_BENCH_BIN: use these binaries instead of building them.
build_binaries "$build_dir" "${build_type:-RelWithDebInfo}"

work=$(mktemp -d /tmp/chatd-bench.XXXXXX)
chmod 755 "$work"
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [[ -s "$work/restarted.pid" ]] && kill "$(cat "$work/restarted.pid")" 2>/dev/null
  pg_stop
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- PostgreSQL (default durability settings: a commit is flushed, as in production) ----
pg_start || exit 1
# The second server: the Node reference, or with --against another chatd binary ("before").
other=reference
[[ -n "$against" ]] && other=before
sqlite_kinds=sqlite
[[ -n "$against" ]] && sqlite_kinds="sqlite sqlite-before"
for db in chatd "$other"; do pg_create_db "$db"; done

# ---- servers: each run gets a freshly started process on its kind's database ----
declare -A port key url
for kind in chatd "$other" $sqlite_kinds; do
  port[$kind]=$(free_port)
  key[$kind]=$(random_key)
  url[$kind]="http://127.0.0.1:${port[$kind]}"
done
mkdir -p "$work/chatd" "$work/before" "$work/sqlite" "$work/sqlite-before"

# $work/start-<kind>.sh execs that server, always with the same data, port and settings; and
# $work/restart-<kind>.sh starts it in the background and prints its pid (also kept in
# $work/restarted.pid): chatd-bench recover runs it after it has SIGKILLed the server.
for kind in chatd "$other" $sqlite_kinds; do
  case $kind in
    chatd | before | sqlite | sqlite-before)
      db="$pg_url/$kind"
      binary=$chatd_bin
      [[ $kind == *before ]] && binary=$against
      [[ $kind == sqlite* ]] && db="sqlite://$work/$kind/chatd.db"
      command=$(printf 'cd %q && exec env HOST=127.0.0.1 PORT=%q DATA_DIR=%q DATABASE_URL=%q JWE_KEY=%q MESSAGE_RATE_PER_SECOND=0 LOG_LEVEL=warn LOGIN_RATE_PER_IP=0 REGISTER_RATE_PER_IP=0 MAX_CONNECTIONS_PER_IP=0 HANDSHAKE_RATE_PER_IP=0 WEB_ROOT=%q %q' \
        "$work/$kind" "${port[$kind]}" "$work/$kind" "$db" "${key[$kind]}" "$root/web" "$binary")
      ;;
    reference)
      command=$(printf 'cd %q && exec env HOST=127.0.0.1 PORT=%q DATABASE_URL=%q JWE_KEY=%q node server.mjs' \
        "$root/bench/reference" "${port[$kind]}" "$pg_url/reference" "${key[$kind]}")
      ;;
  esac
  printf '#!/usr/bin/env bash\n%s\n' "$command" >"$work/start-$kind.sh"
  printf '#!/usr/bin/env bash\n%q >>%q 2>&1 &\necho $! >%q\necho $!\n' \
    "$work/start-$kind.sh" "$work/$kind.log" "$work/restarted.pid" >"$work/restart-$kind.sh"
  chmod +x "$work/start-$kind.sh" "$work/restart-$kind.sh"
done

start_server() {
  local kind=$1
  "$work/start-$kind.sh" >>"$work/$kind.log" 2>&1 &
  server_pid=$!
  wait_healthy "${port[$kind]}" "$server_pid" && return 0
  echo "$kind did not start:" >&2
  tail -20 "$work/$kind.log" >&2
  return 1
}

stop_server() {
  [[ -z "$server_pid" ]] && return 0
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  wait_gone "$server_pid"  # a restarted server is not this shell's child: wait cannot reap it
  server_pid=""
  sleep 0.5  # let the closed connections leave the kernel's tables
}

results="$work/results.jsonl"
: >"$results"

# run_one <scenario-id> <kind> <chatd-bench args...>: one run on a fresh server, one JSON line.
run_one() {
  local id=$1 kind=$2
  shift 2
  local extra=()
  [[ $1 == recover ]] && extra=(--restart-command "$work/restart-$kind.sh")
  rm -f "$work/restarted.pid"
  start_server "$kind" || { echo "{\"id\":\"$id\",\"server\":\"$kind\",\"error\":\"server did not start\"}" >>"$results"; return 0; }
  log "$id on $kind"
  local line
  line=$(timeout 900 "$bench_bin" "$@" "${extra[@]}" --url "${url[$kind]}" --server-pid "$server_pid" \
    --tokens "$work/tokens-$kind.txt" --users "$users" --label "$kind" 2>>"$work/bench.log" | tail -1) || true
  [[ -z "$line" ]] && line='{"error":"chatd-bench printed nothing"}'
  if [[ -s "$work/restarted.pid" ]]; then
    # recover SIGKILLed the server and started it again: the new process is the one to judge and stop.
    wait "$server_pid" 2>/dev/null || true
    server_pid=$(cat "$work/restarted.pid")
    rm -f "$work/restarted.pid"
  fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    line="${line%\}},\"server_died\":true}"
    tail -5 "$work/$kind.log" >&2
  fi
  echo "{\"id\":\"$id\",\"server\":\"$kind\",\"result\":$line}" >>"$results"
  stop_server
}

# ---- users (registered once per database; tokens kept in the work folder) ----
for kind in chatd "$other" $sqlite_kinds; do
  if [[ $kind == sqlite* ]] && ! wanted store-sqlite; then continue; fi
  start_server "$kind"
  log "registering $users users on $kind"
  register_users "${url[$kind]}" "$users" "$work/tokens-$kind.txt" "$kind"
  stop_server
done

started=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# run_alternately <scenario-id> <kinds> <chatd-bench args...>: A B A B A B.
run_alternately() {
  local id=$1 kinds=$2
  shift 2
  wanted "$id" || return 0
  for _ in $(seq 1 "$reps"); do
    for kind in $kinds; do run_one "$id" "$kind" "$@"; done
  done
}
run_alternately connect5k "chatd $other" connect "${connect_small[@]}"
run_alternately connect20k "chatd $other" connect "${connect_large[@]}"
run_alternately fanout "chatd $other" fanout "${fanout[@]}"
run_alternately private "chatd $other" private "${private[@]}"
run_alternately store "chatd $other" store "${store[@]}"
run_alternately store-sqlite "$sqlite_kinds" store "${store[@]}"
run_alternately recover "chatd $other" recover "${recover[@]}"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
elapsed=$(($(date +%s) - started))

# ---- the table ----
machine=$(machine_description)
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -n "${CHATD_BIN:-}" ]] && commit="? (prebuilt $CHATD_BIN)"
versions="node $(node --version), PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}'), open files limit $fd_limit"
table=$(node "$root/bench/summarize.mjs" "$results" \
  --other "$other" --title "chatd vs $([[ -n "$against" ]] && echo "chatd before ($against)" || echo "Node.js + Socket.IO 4 reference") ($(date -u +%Y-%m-%d), $([[ $quick -eq 1 ]] && echo quick || echo full) run, median of $reps)" \
  --machine "$machine" --versions "$versions" --commit "$commit" \
  --load "load average $load_before before, $load_after after; $elapsed s of runs")
echo "$table"
if [[ $quick -eq 0 ]]; then
  mkdir -p "$root/bench/results"
  stamp=$(date -u +%Y-%m-%d-%H%M)${against:+-ab}
  echo "$table" >"$root/bench/results/$stamp.md"
  cp "$results" "$root/bench/results/$stamp.jsonl"
  log "saved bench/results/$stamp.md and .jsonl"
fi
