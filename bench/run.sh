#!/usr/bin/env bash
# Throughput of the release server on loopback: the categories API and the server-rendered page,
# on SQLite (embedded default) and on Postgres + Redis. Bounded: 10 s per run, 64 connections.
# Usage: make bench   (builds the release site first)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(scripts/target-dir.sh)/release/pulse"
[ -x "$BIN" ] || { echo "no release binary at $BIN: run make build-release" >&2; exit 1; }
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
source scripts/lib.sh
DURATION=${BENCH_DURATION:-10s}
CONNECTIONS=${BENCH_CONNECTIONS:-64}

summary() { grep -E "Requests/sec|Latency  |50%|99%|Non-2xx|Socket errors" || true; }

bench() {
  local label=$1; shift
  local port; port=$(free_port)
  env "$@" PULSE_OWNER_PASSWORD=BenchPassw0rd! "$BIN" create-owner --email bench@example.com --name Bench >/dev/null
  # The per-IP limit would cap a load test from one address at 100 requests.
  start_pulse "$BIN" "$label" "$port" RUST_LOG=warn RATE_LIMIT_MAX_REQUESTS=0 "$@"
  for path in /api/v1/categories /categories; do
    echo "== $label GET $path ($CONNECTIONS connections, $DURATION, 2 threads)"
    wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$port$path" | summary
  done
  # Sign-in is bound by the password hash: one connection shows its cost, eight the throughput.
  for c in 1 8; do
    echo "== $label POST /api/v1/auth/login ($c connections, $DURATION)"
    wrk -t1 -c"$c" -d"$DURATION" --latency -s bench/login.lua "http://127.0.0.1:$port/api/v1/auth/login" | summary
  done
  stop_pulse
}

bench sqlite DATABASE_URL="sqlite://$WORK/bench.db" REDIS_URL=
new_postgres_db bench
bench postgres DATABASE_URL="$NEW_DB_URL" REDIS_URL="$TEST_REDIS"
