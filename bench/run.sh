#!/usr/bin/env bash
# Throughput of the release server on loopback: the categories API and the server-rendered page,
# on SQLite (embedded default) and on Postgres + Redis. Bounded: 10 s per run, 64 connections.
# Usage: make bench   (builds the release site first)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(scripts/target-dir.sh)/release/pulse"
[ -x "$BIN" ] || { echo "no release binary: run make build-release" >&2; exit 1; }
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
PG_ADMIN=${PULSE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
DURATION=${BENCH_DURATION:-10s}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
WORK=$(mktemp -d); PID=""; PG_DB=""
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  [ -n "$PG_DB" ] && psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

bench() {
  local label=$1; shift
  local port=$((20000 + RANDOM % 20000))
  env "$@" PULSE_ENV=test RUST_LOG=warn LEPTOS_SITE_ADDR="127.0.0.1:$port" "$BIN" seed-demo >/dev/null
  env "$@" PULSE_ENV=test RUST_LOG=warn LEPTOS_SITE_ADDR="127.0.0.1:$port" "$BIN" serve >"$WORK/$label.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
  for path in /api/v1/categories /categories; do
    echo "== $label GET $path ($CONNECTIONS connections, $DURATION, 2 threads)"
    wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$port$path" \
      | grep -E "Requests/sec|Latency  |50%|99%|Non-2xx|Socket errors" || true
  done
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
}

bench sqlite DATABASE_URL="sqlite://$WORK/bench.db"
PG_DB="pulse_bench_$$"
psql "$PG_ADMIN" -qc "CREATE DATABASE \"$PG_DB\"" >/dev/null
bench postgres DATABASE_URL="${PG_ADMIN%/*}/$PG_DB" REDIS_URL="${PULSE_TEST_REDIS_URL:-redis://127.0.0.1:6379}"
