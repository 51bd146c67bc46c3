#!/usr/bin/env bash
# A sign-in flood against one instance, and what it leaves behind: RSS before, at the peak and
# after, and the catalog's latency while the flood runs (sign-in must never starve the rest).
# Usage: bench/signin_flood.sh [seconds (60)] [connections (16)]   (PULSE_BIN picks the binary; release by default)
# Env: BACKEND=postgres|sqlite (default postgres, with Redis)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_FLOOD=${1:-60}
CONNECTIONS=${2:-16}
BIN=${PULSE_BIN:-"$(scripts/target-dir.sh)/release/pulse"}
[ -x "$BIN" ] || { echo "no binary at $BIN" >&2; exit 1; }
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
source scripts/lib.sh

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status"; }
hwm_kib() { awk '/^VmHWM/ {print $2}' "/proc/$SERVER_PID/status"; }

port=$(free_port)
vars=(RUST_LOG=warn)
if [ "${BACKEND:-postgres}" = postgres ]; then
  new_postgres_db flood
  vars+=(DATABASE_URL="$NEW_DB_URL" REDIS_URL="$TEST_REDIS")
else
  vars+=(DATABASE_URL="sqlite://$WORK/flood.db")
fi
env "${vars[@]}" PULSE_OWNER_PASSWORD='BenchSalon-Pass-42!' "$BIN" create-owner --email bench@example.com --name Bench >/dev/null
start_pulse "$BIN" flood "$port" "${vars[@]}"
base="http://127.0.0.1:$port"
echo "== ${BACKEND:-postgres}: $BIN"
echo "RSS at rest: $(( $(rss_kib) / 1024 )) MiB"
# Warm the catalog path so its first allocations are not counted against the flood.
wrk -t1 -c4 -d2s "$base/api/v1/categories" >/dev/null
echo "RSS after catalog warm-up: $(( $(rss_kib) / 1024 )) MiB"

wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_FLOOD}s" --latency -s bench/login.lua "$base/api/v1/auth/login" >"$WORK/flood.txt" &
flood=$!
sleep 1
echo "== GET /api/v1/categories during the flood (8 connections)"
wrk -t1 -c8 -d"$(( SECONDS_FLOOD - 2 ))s" --latency "$base/api/v1/categories" | grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors" || true
wait "$flood"
echo "== POST /api/v1/auth/login flood ($CONNECTIONS connections, ${SECONDS_FLOOD}s)"
grep -E "requests in|Requests/sec|50%|99%|Non-2xx|Socket errors" "$WORK/flood.txt" || true
echo "RSS peak: $(( $(hwm_kib) / 1024 )) MiB"
sleep 5
echo "RSS 5 s after the flood: $(( $(rss_kib) / 1024 )) MiB"
# The hashing workers hand their argon2 memory back after 5 idle seconds.
sleep 5
echo "RSS 10 s after the flood: $(( $(rss_kib) / 1024 )) MiB"
