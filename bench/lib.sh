# Functions shared by bench/compare.sh and bench/cluster.sh (sourced, not run).
# The caller sets `root` (the repository) and `work` (its temporary folder, chmod 755) first;
# build_binaries sets `chatd_bin` and `bench_bin`, pg_start sets `PGPORT` and `pg_url`.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
random_key() { head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }

# The fan-out parameters of both scripts (1,000 receivers, 10 senders, a ramp of total rates), so
# that their figures compare: fanout_params 0|1 (quick) sets the array `fanout`.
fanout_params() {
  if [[ $1 -eq 1 ]]; then
    fanout=(--connections 100 --senders 2 --rates 10,50 --duration 1 --drain 2)
  else
    fanout=(--connections 1000 --senders 10 --rates 10,20,50,100,200,400,800 --duration 5 --drain 5)
  fi
}

# build_binaries <build-dir> <build-type>: builds chatd and chatd-bench unless CHATD_BIN /
# CHATD_BENCH_BIN name prebuilt ones; sets chatd_bin and bench_bin.
build_binaries() {
  local dir=$1 type=$2 targets=()
  [[ -z "${CHATD_BIN:-}" ]] && targets+=(chatd)
  [[ -z "${CHATD_BENCH_BIN:-}" ]] && targets+=(chatd-bench)
  if [[ ${#targets[@]} -gt 0 ]]; then
    "$root/scripts/build.sh" "$dir" "$type" "${targets[@]}" >&2
  fi
  chatd_bin=${CHATD_BIN:-$root/$dir/src/chatd}
  bench_bin=${CHATD_BENCH_BIN:-$root/$dir/bench/chatd-bench}
}

# ---- a throwaway PostgreSQL in $work/pg (default durability settings: a commit is flushed, as
# in production). PostgreSQL refuses to run as root: then it runs as user postgres. ----
run_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

pg_start() {
  mkdir -p "$work/pg"
  [[ $(id -u) -eq 0 ]] && chown postgres "$work/pg"
  PGPORT=$(free_port)
  run_pg "$PGBIN/initdb" -D "$work/pg/data" -A trust -U postgres >"$work/initdb.log" 2>&1 ||
    { cat "$work/initdb.log" >&2; echo "initdb failed" >&2; return 1; }
  run_pg "$PGBIN/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w \
    -o "-p $PGPORT -k $work/pg -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB" \
    start >/dev/null || { cat "$work/pg/log" >&2; echo "PostgreSQL did not start" >&2; return 1; }
  pg_url="postgresql://postgres@127.0.0.1:$PGPORT"
}

pg_create_db() { run_pg "$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -q -c "CREATE DATABASE $1" postgres; }

pg_stop() {
  [[ -d "$work/pg/data" ]] && run_pg "$PGBIN/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1
  return 0
}

# wait_healthy <port> <pid>: waits (up to 30 s) until GET /health answers on that port; fails
# at once if the process is gone.
wait_healthy() {
  local port=$1 pid=$2
  for _ in $(seq 1 300); do
    if python3 - "$port" <<'EOF' 2>/dev/null; then return 0; fi
import sys, urllib.request
urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/health", timeout=1).read()
EOF
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  return 1
}

# stop_server: stops and reaps the chatd the script started ($server_pid; "" when none).
stop_server() {
  [[ -z "${server_pid:-}" ]] && return 0
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

# The EXIT trap of a script with one server and a throwaway PostgreSQL: both stopped, $work gone.
bench_cleanup() {
  stop_server
  pg_stop
  rm -rf "$work"
}

# wait_gone <pid>: waits (up to 10 s) until that process has exited (a zombie counts as gone).
wait_gone() {
  local pid=$1
  for _ in $(seq 1 100); do
    [[ -r /proc/$pid/stat ]] || return 0
    [[ $(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -c1) == Z ]] && return 0
    sleep 0.1
  done
  echo "process $pid did not exit" >&2
}

# register_users <url> <count> <tokens-file> <label>: registers and logs in the benchmark users
# once (chatd-bench users), keeping their tokens; exits the script on failure.
register_users() {
  local url=$1 count=$2 tokens=$3 label=$4
  "$bench_bin" users --url "$url" --users "$count" --tokens "$tokens" \
    --register-concurrency 8 >/dev/null 2>>"$work/bench.log" ||
    { tail -5 "$work/bench.log" >&2; echo "registration on $label failed" >&2; exit 1; }
}

# One line describing the machine, for the tables.
machine_description() {
  echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(free -g | awk '/Mem:/ {print $2}') GiB, Linux $(uname -r)"
}
