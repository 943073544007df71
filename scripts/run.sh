#!/usr/bin/env bash
# Builds chatd (Release) and starts it on the embedded defaults: SQLite and a generated key
# under ./data, uploads in ./data/uploads, port 3001. Ctrl-C stops it cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-deps.sh
scripts/npm-deps.sh web
scripts/build.sh build/release Release chatd
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec build/release/src/chatd
