#!/usr/bin/env bash
# Runs the browser tests against the built server (`cargo leptos build` first): once on the embedded
# default (SQLite, in-process sessions) and once on Postgres + Redis, each with a fresh database.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${PULSE_BIN:-"$(scripts/target-dir.sh)/debug/pulse"}
[ -x "$BIN" ] || { echo "no server binary at $BIN: run cargo leptos build" >&2; exit 1; }
[ -f target/site/pkg/pulse.wasm ] || { echo "no wasm in target/site/pkg: run cargo leptos build" >&2; exit 1; }
PG_ADMIN=${PULSE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PG_SERVER=${PG_ADMIN%/*}
REDIS=${PULSE_TEST_REDIS_URL:-redis://127.0.0.1:6379/15}

WORK=$(mktemp -d)
SERVER_PID=""
PG_DB=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  [ -n "$PG_DB" ] && psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# A port nothing answers on (bash's /dev/tcp: no python needed).
free_port() {
  local p
  for p in $(shuf -i 20000-60000 -n 50); do
    (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  echo "no free port found" >&2; return 1
}

run_suite() {
  local label=$1; shift
  local port; port=$(free_port)
  echo "== end-to-end on $label (port $port)"
  env "$@" PULSE_ENV=test LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site "$BIN" seed-demo
  env "$@" PULSE_ENV=test LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site \
    "$BIN" serve >"$WORK/server-$label.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server-$label.log"; exit 1; }
    sleep 0.2
  done
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null \
    || { echo "server not ready on $label"; tail -50 "$WORK/server-$label.log"; exit 1; }
  local status=0
  (cd end2end && BASE_URL="http://127.0.0.1:$port" SUITE="$label" node --test --test-concurrency=1 tests/) || status=$?
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
  if [ $status -ne 0 ]; then echo "--- server log ($label)"; tail -50 "$WORK/server-$label.log"; exit $status; fi
}

# REDIS_URL is emptied so a developer's .env cannot turn the embedded run into a Redis one.
run_suite sqlite DATABASE_URL="sqlite://$WORK/e2e.db" REDIS_URL=

PG_DB="pulse_e2e_$(date +%s)_$$"
psql "$PG_ADMIN" -qc "CREATE DATABASE \"$PG_DB\"" >/dev/null
run_suite postgres DATABASE_URL="$PG_SERVER/$PG_DB" REDIS_URL="$REDIS"
