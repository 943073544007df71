#!/usr/bin/env bash
# Message search at scale (GET /api/chat/search, docs/rest.md "Search"): N stored messages
# (default 1,000,000), seeded straight into the database for speed, the same on SQLite and on a
# throwaway PostgreSQL; then timed searches over HTTP by one user (member of 10 groups, in
# private conversations, and the public room), per query class: p50, p95, max and the median
# number of matches; and the size of the search index on each database. Prints one JSON object
# per backend and a summary table.
#
# Usage: bench/search.sh [--messages N] [--runs N] [--build DIR] [--only sqlite|postgres]
# Environment: CHATD_BIN: a prebuilt chatd instead of building one (Release in build/release).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source bench/lib.sh

messages=1000000 runs=40 build_dir=build/release only=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --messages) messages=${2:?}; shift ;;
    --runs) runs=${2:?}; shift ;;
    --build) build_dir=${2:?}; shift ;;
    --only) only=${2:?}; shift ;;
    *) echo "usage: bench/search.sh [--messages N] [--runs N] [--build DIR] [--only sqlite|postgres]" >&2; exit 2 ;;
  esac
  shift
done
if [[ -z "${CHATD_BIN:-}" ]]; then "$root/scripts/build.sh" "$build_dir" Release chatd >&2; fi
chatd_bin=${CHATD_BIN:-$root/$build_dir/src/chatd}

work=$(mktemp -d /tmp/chatd-search-bench.XXXXXX)
chmod 755 "$work"
server_pid=""
trap bench_cleanup EXIT
trap 'exit 130' INT TERM
port=$(free_port)
url="http://127.0.0.1:$port"
key=$(random_key)
helper=(python3 "$root/bench/search.py")

start_server() {
  env HOST=127.0.0.1 PORT="$port" DATA_DIR="$work" DATABASE_URL="$1" JWE_KEY="$key" \
    MESSAGE_RATE_PER_SECOND=0 SEARCH_RATE_PER_SECOND=0 LOG_LEVEL=warn LOGIN_RATE_PER_IP=0 \
    REGISTER_RATE_PER_IP=0 "$chatd_bin" >>"$work/chatd.log" 2>&1 &
  server_pid=$!
  wait_healthy "$port" "$server_pid" || { tail -20 "$work/chatd.log" >&2; exit 1; }
}
psql_run() { run_pg "$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

# Users and groups through the API (their ids are the database's), then the same messages for
# every backend.
prepare() {  # <database url>
  start_server "$1"
  "${helper[@]}" users --url "$url" --count 100 --out "$work/users.json"
  stop_server
  [[ -f "$work/data/messages.tsv" ]] ||
    "${helper[@]}" generate --users "$work/users.json" --messages "$messages" --out "$work/data"
}

measure() {  # <backend> <database url> <index size query result>
  start_server "$2"
  echo "{\"backend\": \"$1\", \"messages\": $messages, \"load_before\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", \"index\": $3, \"search\": "
  "${helper[@]}" query --url "$url" --users "$work/users.json" --data "$work/data" --runs "$runs"
  echo ", \"load_after\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
  stop_server
}

run_sqlite() {
  local db="$work/search.db"
  prepare "sqlite://$db"
  local t0=$SECONDS
  "${helper[@]}" seed-sqlite --db "$db" --data "$work/data"
  local seeded=$((SECONDS - t0))
  # dbstat: the pages of the FTS5 shadow tables (the index; its text is messages.content).
  local size
  size=$(python3 - "$db" <<'PY'
import sqlite3, sys, json, os
db = sqlite3.connect(sys.argv[1])
fts = db.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'messages_fts%'").fetchone()[0]
msgs = db.execute("SELECT sum(pgsize) FROM dbstat WHERE name = 'messages'").fetchone()[0]
print(json.dumps({"fts5_bytes": fts, "messages_table_bytes": msgs, "file_bytes": os.path.getsize(sys.argv[1])}))
PY
)
  measure sqlite "sqlite://$db" "$(echo "$size" | sed "s/}$/, \"seed_seconds\": $seeded}/")"
}

run_postgres() {
  pg_start
  pg_create_db chatd
  prepare "$pg_url/chatd"
  local t0=$SECONDS
  # Bulk load without the GIN index, then build it (as migration 014 does on an existing table).
  # The words go straight into the side table, all indexed: the server's indexer has nothing left.
  psql_run -d chatd <<SQL
DROP INDEX message_search_idx;
CREATE TEMP TABLE seed (id bigint, content text, is_public int, sender_id bigint, recipient_id bigint, group_id bigint, created bigint);
\\copy seed FROM '$work/data/messages.tsv'
INSERT INTO messages (id, content, is_public, sender_id, recipient_id, group_id, created_at, updated_at, type)
  SELECT id, content, is_public = 1, sender_id, recipient_id, group_id, to_timestamp(created / 1000.0),
         to_timestamp(created / 1000.0), 'text' FROM seed;
UPDATE message_log SET head = (SELECT max(id) FROM messages);
INSERT INTO message_search (message_id, search, is_public, sender_id, recipient_id, group_id)
  SELECT id, to_tsvector('simple'::regconfig, replace(content, '<', ' ')), is_public, sender_id,
         recipient_id, group_id FROM messages;
UPDATE message_search_log SET indexed_through = (SELECT head FROM message_log);
CREATE INDEX message_search_idx ON message_search USING gin (search);
VACUUM ANALYZE messages, message_search;
SQL
  local seeded=$((SECONDS - t0))
  local size
  size=$(psql_run -d chatd -c "SELECT json_build_object('gin_index_bytes', pg_relation_size('message_search_idx'),
    'search_table_bytes', pg_table_size('message_search'),
    'messages_table_bytes', pg_table_size('messages'), 'seed_seconds', $seeded)")
  measure postgres "$pg_url/chatd" "$size"
}

echo "machine: $(machine_description); chatd $(git -C "$root" rev-parse --short HEAD)" >&2
[[ -z "$only" || "$only" == sqlite ]] && run_sqlite
[[ -z "$only" || "$only" == postgres ]] && run_postgres
