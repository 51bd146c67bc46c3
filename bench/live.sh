#!/usr/bin/env bash
# The live gateway under load, on Postgres + Redis and on the embedded default: 10,000 authenticated
# websocket clients held by one instance (connect rate, RSS per socket), then the time from a
# booking's commit to its announcement at 1,000 admin sockets. The clients are the official
# socket.io client (bench/live.mjs). Usage: bench/live.sh [sockets] [admins] [bookings]
set -euo pipefail
cd "$(dirname "$0")/.."
SOCKETS=${1:-10000}
ADMINS=${2:-1000}
BOOKINGS=${3:-20}
BIN=${PULSE_BIN:-"$(scripts/target-dir.sh)/release/pulse"}
[ -x "$BIN" ] || { echo "no binary at $BIN: run make build-release" >&2; exit 1; }
[ -d end2end/node_modules/socket.io-client ] || scripts/setup-tools.sh --e2e
source scripts/lib.sh
# Each socket is a file descriptor on both ends.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

run() {
  local label=$1; shift
  local port; port=$(free_port)
  env "$@" PULSE_OWNER_PASSWORD='BenchSalon-Pass-42!' "$BIN" create-owner --email bench@example.com --name Bench >/dev/null
  start_pulse "$BIN" "$label" "$port" RUST_LOG=warn "$@"
  echo "== $label"
  node bench/live.mjs "http://127.0.0.1:$port" "$SERVER_PID" bench@example.com 'BenchSalon-Pass-42!' "$SOCKETS" "$ADMINS" "$BOOKINGS"
  stop_pulse
}

new_postgres_db live
run postgres DATABASE_URL="$NEW_DB_URL" REDIS_URL="$TEST_REDIS" LIVE_REDIS_PREFIX="pulse-bench-$$"
run sqlite DATABASE_URL="sqlite://$WORK/live.db"
