#!/usr/bin/env bash
# Fan-out on one chatd node against fan-out on two chatd nodes of one cluster, in the same run.
# Starts a throwaway PostgreSQL and a redis-server (free port, no persistence), builds chatd and
# chatd-bench, then runs the fan-out scenario of bench/compare.sh (same parameters) alternately
# against one node and against two nodes (both with REDIS_URL, the same DATABASE_URL and JWE_KEY;
# receivers and senders spread round robin over both): one, two, one, two, ... each on freshly
# started processes. Prints a Markdown table (deliveries/s within p99 < 50 ms, p99, lost and
# duplicated deliveries), saved to bench/results/<date>-cluster.md with the raw JSON lines beside
# it (<date>-cluster.jsonl).
#
# Usage: bench/cluster.sh [--quick] [--reps N] [--build DIR] [--one-with-redis] [--keep]
#   --quick           tiny parameters, one repetition, nothing saved: a smoke test
#   --build           build directory (default build/release, Release)
#   --one-with-redis  give the single node REDIS_URL too (default: a plain single node, as
#                     deployed without a cluster), to see the adapter's own cost
#   --keep            keep the work folder (node, Redis and generator logs) and print its path
# Environment: CHATD_BIN, CHATD_BENCH_BIN: use these binaries instead of building them.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source "$root/bench/lib.sh"

quick=0
reps=3
build_dir=build/release
build_type=Release
one_with_redis=0
keep=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) quick=1; reps=1 ;;
    --reps) reps=${2:?}; shift ;;
    --build) build_dir=${2:?}; build_type=""; shift ;;
    --one-with-redis) one_with_redis=1 ;;
    --keep) keep=1 ;;
    *) echo "usage: bench/cluster.sh [--quick] [--reps N] [--build DIR] [--one-with-redis] [--keep]" >&2; exit 2 ;;
  esac
  shift
done
log() { echo "[cluster $(date +%T)] $*" >&2; }

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
users=$([[ $quick -eq 1 ]] && echo 40 || echo 200)
fanout_params "$quick"  # the same as bench/compare.sh

# ---- dependencies and builds ----
scripts/setup-deps.sh --test >&2
command -v redis-server >/dev/null || { echo "redis-server is not installed" >&2; exit 1; }
build_binaries "$build_dir" "${build_type:-RelWithDebInfo}"

work=$(mktemp -d /tmp/chatd-cluster.XXXXXX)
chmod 755 "$work"
node_pids=()
redis_pid=""
stop_nodes() {
  for pid in "${node_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${node_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  node_pids=()
}
cleanup() {
  stop_nodes
  [[ -n "$redis_pid" ]] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
  pg_stop
  if [[ $keep -eq 1 ]]; then echo "[cluster] logs kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- PostgreSQL and Redis ----
pg_start || exit 1
pg_create_db chatd
redis_port=$(free_port)
redis_url="redis://127.0.0.1:$redis_port"
redis_alive() {
  python3 - "$redis_port" <<'EOF' 2>/dev/null
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)
s.sendall(b"PING\r\n")
assert s.recv(16).startswith(b"+PONG")
EOF
}
start_redis() {
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
    --logfile "$work/redis.log" &
  redis_pid=$!
  for _ in $(seq 1 100); do
    redis_alive && return 0
    kill -0 "$redis_pid" 2>/dev/null || break
    sleep 0.1
  done
  tail -20 "$work/redis.log" >&2
  echo "redis-server did not start" >&2
  exit 1
}
start_redis

# The "redis" field of each node's GET /ready ("up", "down", ...; "none" when the field is absent,
# as in a chatd without the cluster adapter), as a JSON list.
ready_redis() {
  python3 - "$@" <<'EOF'
import json, sys, urllib.request
states = []
for port in sys.argv[1:]:
    try:
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=2).read()
        states.append(str(json.loads(body).get("redis", "none")))
    except urllib.error.HTTPError as e:
        states.append(str(json.loads(e.read() or b"{}").get("redis", f"http {e.code}")))
    except Exception as e:
        states.append(f"unreachable")
print(json.dumps(states))
EOF
}

# ---- chatd nodes: the same database and key; REDIS_URL when asked ----
key=$(random_key)
node_port=("$(free_port)" "$(free_port)")
node_url=("http://127.0.0.1:${node_port[0]}" "http://127.0.0.1:${node_port[1]}")

# start_node <index> <with-redis 0|1>
start_node() {
  local i=$1 with_redis=$2 redis_env=()
  [[ $with_redis -eq 1 ]] && redis_env=(REDIS_URL="$redis_url")
  mkdir -p "$work/node$i"
  (cd "$work/node$i" && exec env HOST=127.0.0.1 PORT="${node_port[$i]}" DATA_DIR="$work/node$i" \
    DATABASE_URL="$pg_url/chatd" JWE_KEY="$key" MESSAGE_RATE_PER_SECOND=0 LOG_LEVEL=warn \
    LOGIN_RATE_PER_IP=0 REGISTER_RATE_PER_IP=0 MAX_CONNECTIONS_PER_IP=0 HANDSHAKE_RATE_PER_IP=0 WEB_ROOT="$root/web" "${redis_env[@]}" "$chatd_bin" >>"$work/node$i.log" 2>&1) &
  node_pids+=($!)
  wait_healthy "${node_port[$i]}" "$!" && return 0
  echo "node $i did not start:" >&2
  tail -20 "$work/node$i.log" >&2
  return 1
}

results="$work/results.jsonl"
: >"$results"

# run_setup <one|two>: fresh node processes, one fan-out run, one JSON line.
run_setup() {
  local setup=$1 urls pids nodes
  if [[ $setup == one ]]; then
    nodes=1
    start_node 0 "$one_with_redis" || { echo "{\"setup\":\"$setup\",\"nodes\":1,\"error\":\"node did not start\"}" >>"$results"; stop_nodes; return 0; }
  else
    nodes=2
    if ! start_node 0 1 || ! start_node 1 1; then
      echo "{\"setup\":\"$setup\",\"nodes\":2,\"error\":\"node did not start\"}" >>"$results"
      stop_nodes
      return 0
    fi
  fi
  urls=$(IFS=,; echo "${node_url[*]:0:$nodes}")
  pids=$(IFS=,; echo "${node_pids[*]}")
  local with_redis=false ready_before ready_after redis_ok=true
  [[ $setup == two || $one_with_redis -eq 1 ]] && with_redis=true
  if [[ $with_redis == true ]]; then
    # Start measuring once every node says its Redis link is up (at most 10 s).
    for _ in $(seq 1 100); do
      ready_before=$(ready_redis "${node_port[@]:0:$nodes}")
      local rest=${ready_before//\"up\"/}
      rest=${rest//\"none\"/}
      rest=${rest//[\[\], ]/}
      [[ -z $rest ]] && break  # every node "up", or "none" (no adapter)
      sleep 0.1
    done
  fi
  log "fanout on $setup node(s): $urls${ready_before:+ (Redis in /ready: $ready_before)}"
  local line
  line=$(timeout 900 "$bench_bin" fanout "${fanout[@]}" --url "$urls" --server-pid "$pids" \
    --tokens "$work/tokens.txt" --users "$users" --label "$setup" 2>>"$work/bench.log" | tail -1) || true
  [[ -z "$line" ]] && line='{"error":"chatd-bench printed nothing"}'
  local pid
  for pid in "${node_pids[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      line="${line%\}},\"server_died\":true}"
      tail -5 "$work"/node*.log >&2
    fi
  done
  local redis_fields=""
  if [[ $with_redis == true ]]; then
    ready_after=$(ready_redis "${node_port[@]:0:$nodes}")
    redis_alive || redis_ok=false
    redis_fields=",\"ready_redis_before\":${ready_before:-null},\"ready_redis_after\":$ready_after,\"redis_alive_after\":$redis_ok"
  fi
  echo "{\"setup\":\"$setup\",\"nodes\":$nodes,\"redis\":$with_redis$redis_fields,\"result\":$line}" >>"$results"
  if [[ $redis_ok == false ]]; then
    log "redis-server no longer answers after this run: restarting it"
    tail -5 "$work/redis.log" >&2
    kill "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
    start_redis
  fi
  stop_nodes
  sleep 0.5  # let the closed connections leave the kernel's tables
}

# ---- users: registered once (shared database), tokens valid on every node (same key) ----
start_node 0 0
log "registering $users users"
register_users "${node_url[0]}" "$users" "$work/tokens.txt" "node 0"
stop_nodes

started=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for _ in $(seq 1 "$reps"); do
  run_setup one
  run_setup two
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
elapsed=$(($(date +%s) - started))

# ---- the table ----
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -n "${CHATD_BIN:-}" ]] && commit="? (prebuilt $CHATD_BIN)"
cluster_commit=$(git -C "$root" log --format='%h ("%s")' --grep='^cluster:' -1 2>/dev/null)
table=$(TITLE_DATE=$(date -u +%Y-%m-%d) QUICK=$quick REPS=$reps MACHINE=$(machine_description) COMMIT=$commit \
  CLUSTER_COMMIT=$cluster_commit FANOUT="${fanout[*]}" LOAD="load average $load_before before, $load_after after; $elapsed s of runs" \
  VERSIONS="Redis $(redis-server --version | grep -o 'v=[0-9.]*' | cut -c3-), PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}')" \
  python3 - "$results" <<'EOF'
import json, os, statistics, sys
env = os.environ
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
kind = "quick" if env["QUICK"] == "1" else "full"
print(f"## chatd fan-out: one node vs two nodes ({env['TITLE_DATE']}, {kind} run, median of {env['REPS']})")
print()
if env["COMMIT"].startswith("?"):
    cluster = "a prebuilt chatd: whether it has the cluster adapter shows only in the two-node figures"
elif env["CLUSTER_COMMIT"]:
    cluster = f"cluster adapter from {env['CLUSTER_COMMIT']}"
else:
    cluster = "no 'cluster:' commit yet, so REDIS_URL is ignored and nodes do not share rooms"
print(f"Machine: {env['MACHINE']}. Commit {env['COMMIT']}; {cluster}.")
print(f"{env['VERSIONS']}; generator, nodes, Redis and PostgreSQL on the same machine.")
print(f"Fan-out as in bench/compare.sh: `chatd-bench fanout {env['FANOUT']}`; receivers and senders"
      " round robin over the nodes.")
print(f"{env['LOAD'][0].upper()}{env['LOAD'][1:]}.")
print()

def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None

def fmt(x, digits=0):
    return "—" if x is None else f"{x:,.{digits}f}"

rows = {}
for r in runs:
    rows.setdefault(r["setup"], []).append(r)
print("| setup | nodes | deliveries/s at p99 < 50 ms | p99 there (ms) | max sustained deliveries/s"
      " | p99 there (ms) | lost / expected (all steps) | duplicates | runs |")
print("|---|---|---|---|---|---|---|---|---|")
summary = {}
for setup in ("one", "two"):
    rs = rows.get(setup, [])
    ok = [r["result"] for r in rs if "result" in r and "error" not in r["result"]]
    best = med([x.get("best_deliveries_per_s") or None for x in ok])
    best_p99 = med([x.get("best_p99_ms") if x.get("best_deliveries_per_s") else None for x in ok])
    sus = med([x.get("sustained_deliveries_per_s") or None for x in ok])
    sus_p99 = med([x.get("sustained_p99_ms") if x.get("sustained_deliveries_per_s") else None for x in ok])
    steps = [s for x in ok for s in x.get("steps", [])]
    lost = sum(s.get("lost", 0) for s in steps)
    expected = sum(s.get("expected", 0) for s in steps)
    dups = sum(s.get("duplicates", 0) for s in steps)
    summary[setup] = (best, sus)
    if setup == "one":
        name = "one node" + (" (REDIS_URL)" if rs and rs[0].get("redis") else "")
    else:
        name = "two nodes (REDIS_URL)"
    nodes = rs[0]["nodes"] if rs else (1 if setup == "one" else 2)
    share = f" ({100 * lost / expected:.1f} %)" if expected else ""
    print(f"| {name} | {nodes} | {fmt(best)} | {fmt(best_p99, 2)} | {fmt(sus)} | {fmt(sus_p99, 2)}"
          f" | {lost:,} / {expected:,}{share} | {dups:,} | {len(ok)} of {len(rs)} |")
(b1, s1), (b2, s2) = summary["one"], summary["two"]
ratio = lambda a, b: f"{a / b:.2f}×" if a and b else "—"
print(f"| two / one | | {ratio(b2, b1)} | | {ratio(s2, s1)} | | | | |")
print()
print("Deliveries/s at p99 < 50 ms: the best step of the ramp with p99 under 50 ms, nothing lost and at"
      " least 90 % of the offered deliveries; max sustained: the same with p99 under 1 s; medians over"
      " the runs where a step qualified ('—': none did). The ramp stops at the first step that fails"
      " twice.")
print()
print("Each run (step: total rate → deliveries/s, p99 ms, lost/expected, duplicates; per node:"
      " deliveries/expected, p99 ms):")
print()
for r in runs:
    x = r.get("result", {})
    if "error" in r or "error" in x:
        print(f"- {r['setup']}: error: {r.get('error') or x.get('error')}")
        continue
    nodes = ", ".join(f"{n['url']} ({n['receivers']} receivers, {n['senders']} senders)"
                      for n in x.get("nodes", []))
    health = ""
    if r.get("redis"):
        health = (f"; Redis in /ready {r.get('ready_redis_before')} before, {r.get('ready_redis_after')}"
                  f" after; redis-server {'answering' if r.get('redis_alive_after') else 'NOT answering'}"
                  " after the run")
    print(f"- {r['setup']}: {nodes}{health}" + (" — a server died" if x.get("server_died") else ""))
    for s in x.get("steps", []):
        per = ""
        if s.get("nodes"):
            per = "; per node: " + ", ".join(
                f"{n['deliveries']:,}/{n['expected']:,} p99 {n['latency_ms']['p99']}" for n in s["nodes"])
        print(f"  - {s['rate']:g}/s → {s['deliveries_per_s']:,.0f}/s, p99 {s['latency_ms']['p99']},"
              f" lost {s['lost']:,}/{s['expected']:,}, dup {s['duplicates']}{per}")
EOF
)
echo "$table"
if [[ $quick -eq 0 ]]; then
  mkdir -p "$root/bench/results"
  stamp=$(date -u +%Y-%m-%d-%H%M)
  echo "$table" >"$root/bench/results/$stamp-cluster.md"
  cp "$results" "$root/bench/results/$stamp-cluster.jsonl"
  log "saved bench/results/$stamp-cluster.md and .jsonl"
fi
