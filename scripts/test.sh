#!/usr/bin/env bash
# Builds chatd and runs every test: unit tests, the storage contract suite on SQLite and on a
# throwaway PostgreSQL, and the HTTP/Socket.IO tests (node --test) against real chatd processes
# on both databases, then the C++ suite and the server suites once more on an ASan + UBSan build
# (step 5). Prints "N passed, N failed" last; exits non-zero on any failure.
# Usage: scripts/test.sh [--no-sanitize]   (--no-sanitize: skip step 5, for a quicker local run)
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

sanitize=1
for arg in "$@"; do
  case $arg in
    --no-sanitize) sanitize=0 ;;
    --sanitize) sanitize=1 ;;
    *) echo "usage: scripts/test.sh [--no-sanitize]"; exit 2 ;;
  esac
done
out="$root/tests/out"
rm -rf "$out"; mkdir -p "$out"
# Wall and CPU (user+sys of the processes it started) seconds of a step, printed and kept in
# tests/out/timings.log: CI's time budget (~30 min on a fresh 2-core machine) is watched from these.
TIMEFORMAT='%R s wall, %U+%S s CPU'
timed() {
  local label=$1 rc; shift
  { time "$@" 2>&3; } 3>&2 2>"$out/time.tmp"; rc=$?
  echo "$label: $(cat "$out/time.tmp")" | tee -a "$out/timings.log"; rm -f "$out/time.tmp"
  return $rc
}

scripts/setup-deps.sh --test || { echo "setup-deps failed"; exit 1; }
scripts/npm-deps.sh web || { echo "npm install (web) failed"; exit 1; }
scripts/npm-deps.sh tests || { echo "npm install (tests) failed"; exit 1; }
timed "build" scripts/build.sh build/test RelWithDebInfo || { echo "build failed"; exit 1; }

work=$(mktemp -d /tmp/chatd-test.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  [[ -n "${PGBIN:-}" && -d "$work/pg" ]] && run_pg "$PGBIN/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# PostgreSQL refuses to run as root: use the postgres account then.
run_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
mkdir -p "$work/pg"; [[ $(id -u) -eq 0 ]] && chown postgres "$work/pg"
chmod 755 "$work"
PGPORT=$(free_port)
run_pg "$PGBIN/initdb" -D "$work/pg/data" -A trust -U postgres >"$work/initdb.log" 2>&1 ||
  { cat "$work/initdb.log"; echo "initdb failed"; exit 1; }
run_pg "$PGBIN/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w \
  -o "-p $PGPORT -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null ||
  { cat "$work/pg/log"; echo "PostgreSQL did not start"; exit 1; }
export CHATD_TEST_PG_URL="postgresql://postgres@127.0.0.1:$PGPORT/postgres"
export CHATD_BIN="$root/build/test/src/chatd"
export CHATD_TEST_OUT="$out"

passed=0; failed=0
add_counts() { passed=$((passed + $1)); failed=$((failed + $2)); }

# run_ctest <label> <build dir> <timeout s>: ctest there, its counts added to the totals.
run_ctest() {
  local log="$out/$1-ctest.log" total fails
  echo "== ctest ($1)"
  (cd "$2" && ctest --output-on-failure -j2 --timeout "$3") 2>&1 | tee "$log" | grep -E "tests passed|tests failed|Failed|\*\*\*" || true
  total=$(grep -Eo 'out of [0-9]+' "$log" | grep -Eo '[0-9]+' | tail -1)
  fails=$(grep -Eo '[0-9]+ tests failed' "$log" | grep -Eo '^[0-9]+' | tail -1)
  if [[ -z "$total" ]]; then add_counts 0 1; else add_counts $((total - ${fails:-0})) "${fails:-0}"; fi
}

# 1. C++ tests (unit + storage contract on both backends) through ctest.
run_ctest test build/test 300

# 2. node --test suites: the web client's store on its own, then against real chatd processes
# (once per database).
run_node() {
  local label=$1; shift
  echo "== node --test ($label)"
  node --test --test-concurrency=1 --test-reporter=spec "$@" >"$out/node-$label.log" 2>&1
  grep -E "^# (pass|fail)|^✖|not ok" "$out/node-$label.log" | head -40
  local p f
  p=$(grep -E '^ℹ pass [0-9]+' "$out/node-$label.log" | grep -Eo '[0-9]+' | tail -1)
  f=$(grep -E '^ℹ fail [0-9]+' "$out/node-$label.log" | grep -Eo '[0-9]+' | tail -1)
  [[ -z "$p" ]] && { p=0; f=1; tail -30 "$out/node-$label.log"; }
  [[ "${f:-0}" != 0 ]] && grep -B2 -A25 "✖" "$out/node-$label.log" | head -120
  add_counts "$p" "${f:-0}"
}
shopt -s nullglob
# The web client's state store: pure ES modules, no server and no browser.
web=(tests/web/*.test.mjs)
if [[ ${#web[@]} -gt 0 ]]; then
  run_node web "${web[@]}"
fi
integration=(tests/integration/*.test.mjs)
if [[ ${#integration[@]} -gt 0 ]]; then
  TEST_DATABASE=sqlite run_node integration-sqlite "${integration[@]}"
  TEST_DATABASE=postgres run_node integration-postgres "${integration[@]}"
fi
interop=(tests/interop/*.test.mjs)
if [[ ${#interop[@]} -gt 0 ]]; then
  TEST_DATABASE=sqlite run_node interop "${interop[@]}"
fi
# Several nodes as one cluster: three chatd nodes on one PostgreSQL database and a real Redis
# (tests/lib/cluster.mjs starts redis-server on a free port, kills and restarts it), among them
# the chaos test (a minute of traffic while transports, a node and Redis are killed).
cluster=(tests/cluster/*.test.mjs)
if [[ ${#cluster[@]} -gt 0 ]]; then
  CHATD_REDIS_SERVER=$(command -v redis-server || echo /usr/bin/redis-server)
  export CHATD_REDIS_SERVER
  TEST_DATABASE=postgres run_node cluster "${cluster[@]}"
  # The chaos test's counts (tests/cluster/chaos.test.mjs; CHATD_CHAOS_SECONDS for a longer run).
  grep -E "^ℹ chaos:" "$out/node-cluster.log" || true
fi
# The Debian package of this build (scripts/package.sh over build/test: no second compile),
# extracted to a temporary folder and run from there; also `cmake --install --prefix`.
package=(tests/package/*.test.mjs)
if [[ ${#package[@]} -gt 0 ]]; then
  TEST_DATABASE=sqlite run_node package "${package[@]}"
fi
# 3. The web client in Debian chromium (playwright-core); screenshots go to tests/out/e2e/.
e2e=(tests/e2e/*.test.mjs)
if [[ ${#e2e[@]} -gt 0 ]]; then
  TEST_DATABASE=sqlite run_node e2e "${e2e[@]}"
fi

# The benchmark smoke run (bench/compare.sh --quick): both servers start, every scenario runs.
echo "== bench smoke"
if bench/compare.sh --quick --build build/test >"$out/bench.log" 2>&1; then add_counts 1 0; else tail -30 "$out/bench.log"; add_counts 0 1; fi
if bench/cluster.sh --quick --build build/test >"$out/bench-cluster.log" 2>&1; then add_counts 1 0; else tail -30 "$out/bench-cluster.log"; add_counts 0 1; fi

# 4. A short libFuzzer run of each network-facing parser (fuzz/): a few seconds each, as CI has
# two cores and a time budget; scripts/fuzz.sh 300 runs them for longer by hand.
if command -v clang++-14 >/dev/null || command -v clang++ >/dev/null; then
  echo "== fuzz (every target for ${FUZZ_SECONDS:-5} s)"
  if scripts/fuzz.sh "${FUZZ_SECONDS:-5}" >"$out/fuzz.log" 2>&1; then
    add_counts 1 0
  else
    tail -40 "$out/fuzz.log"; add_counts 0 1
  fi
  grep -E '^[a-z_]+: ' "$out/fuzz.log" || true
fi

# 5. Unless --no-sanitize: the C++ suite and the node suites that drive a real server, again on an
# ASan + UBSan build. Every report (memory error, leak at a clean exit, undefined behaviour) goes
# to a file under tests/out/sanitizers/ and counts as a failure. That build is made to fit CI's
# ~30 min on a fresh 2-core machine (figures in README "Test time"): Clang (a quarter less CPU
# than GCC for the same tree), a unity build (CMAKE_UNITY_BUILD: the Asio/Beast/gtest headers
# parsed and instantiated once per batch of files, not once per file), -O1 -g1, no benchmarks.
# The server suites run on SQLite only (PostgreSQL's storage code gets ASan through the storage
# contract suite in ctest); cluster, package and browser suites stay on the normal build: each
# would add minutes to the time budget for little code the other passes do not reach.
# Leak suppressions (tests/sanitizer-suppressions/lsan.txt) name only what is not chatd's, each
# with its reason; LSAN_OPTIONS, not ASAN_OPTIONS, reads that file (ASan's own suppressions have
# other kinds), and print_suppressions=0 keeps the log folder empty when nothing else is found.
if [[ $sanitize == 1 ]]; then
  echo "== sanitizers (ASan + UBSan)"
  sanitize_cxx=$(command -v clang++-14 || command -v clang++ || echo c++)
  if CXX=$sanitize_cxx CHATD_CMAKE_ARGS="-DCHATD_SANITIZE=ON -DCMAKE_UNITY_BUILD=ON" \
      timed "sanitizer build" scripts/build.sh build/sanitize RelWithDebInfo >"$out/asan-build.log" 2>&1; then
    grep -E '^sanitizer build:' "$out/asan-build.log"
    san="$out/sanitizers"; mkdir -p "$san"
    export ASAN_OPTIONS="log_path=$san/asan:detect_leaks=1:abort_on_error=0"
    export LSAN_OPTIONS="suppressions=$root/tests/sanitizer-suppressions/lsan.txt:print_suppressions=0"
    export UBSAN_OPTIONS="log_path=$san/ubsan:print_stacktrace=1:halt_on_error=1"
    run_ctest asan build/sanitize 600
    # Not edge-fd-exhaustion: out of descriptors, the sanitizer runtime fails too (UBSan's vptr
    # check probes memory through a pipe; seen as "invalid vptr" on a real exception in
    # uploads/image_upload.cpp, then the report cannot be written), so it tests ASan, not chatd.
    sanitized=()
    for f in "${integration[@]}"; do [[ $f == */edge-fd-exhaustion.test.mjs ]] || sanitized+=("$f"); done
    CHATD_BIN="$root/build/sanitize/src/chatd" TEST_DATABASE=sqlite run_node asan-integration-sqlite "${sanitized[@]}"
    CHATD_BIN="$root/build/sanitize/src/chatd" TEST_DATABASE=sqlite run_node asan-interop "${interop[@]}"
    reports=("$san"/*)
    if [[ ${#reports[@]} -gt 0 ]]; then
      echo "sanitizer reports: ${#reports[@]}"; head -60 "${reports[@]}"; add_counts 0 1
    else
      echo "sanitizer reports: 0"; add_counts 1 0
    fi
    unset ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS
  else
    tail -30 "$out/asan-build.log"; add_counts 0 1
  fi
fi

echo "total: $SECONDS s wall"
echo
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
