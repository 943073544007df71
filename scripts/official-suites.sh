#!/usr/bin/env bash
# Runs the official Engine.IO and Socket.IO protocol test suites (the `test-suite/` folders of
# github.com/socketio/engine.io-protocol and github.com/socketio/socket.io-protocol) against
# chatd in conformance mode. Not part of scripts/test.sh: CI reaches only Debian's archive and
# the npm registry, not GitHub, and the suites are not published on npm. tests/interop covers the
# same ground with chatd's own tests; this script checks them against the reference.
#
# Usage: scripts/official-suites.sh ENGINE_IO_PROTOCOL_CHECKOUT SOCKET_IO_PROTOCOL_CHECKOUT
# Environment: CHATD_BIN (default build/test/src/chatd). The suites expect the server on
# localhost:3000 with a 300 ms ping interval, a 200 ms ping timeout and a 1,000,000-byte
# maxPayload, hard-coded in them.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
eio=$(readlink -f "${1:?engine.io-protocol checkout}")
sio=$(readlink -f "${2:?socket.io-protocol checkout}")
bin=${CHATD_BIN:-$root/build/test/src/chatd}
[[ -x "$bin" ]] || { echo "no chatd binary at $bin (set CHATD_BIN)" >&2; exit 2; }

work=$(mktemp -d /tmp/chatd-official.XXXXXX)
pid=""
cleanup() {
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

failed=0
for suite in "$eio" "$sio"; do
  name=$(basename "$suite")
  cp -r "$suite/test-suite" "$work/$name"
  (cd "$work/$name" && npm ci --silent --no-audit --no-fund >/dev/null)
  # A fresh server per suite: no session of one suite outlives into the other.
  mkdir -p "$work/data-$name"
  env HOST=127.0.0.1 PORT=3000 DATA_DIR="$work/data-$name" \
    DATABASE_URL="sqlite://$work/data-$name/chatd.db" \
    CHATD_CONFORMANCE=1 PING_INTERVAL_MS=300 PING_TIMEOUT_MS=200 MAX_PAYLOAD_BYTES=1000000 \
    LOG_LEVEL=warn "$bin" >"$work/$name.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    curl -fs http://127.0.0.1:3000/health >/dev/null && break
    sleep 0.1
  done
  echo "== $name"
  if ! (cd "$work/$name" && npx mocha --exit test-suite.js); then
    failed=1
    tail -20 "$work/$name.log"
  fi
  kill "$pid"; wait "$pid" 2>/dev/null || true
  pid=""
done
exit $failed
