#!/usr/bin/env bash
# Throughput of the release server on loopback, on SQLite (embedded default) and on Postgres + Redis:
# the categories API and the server-rendered page, sign-in, an authenticated read, and availability.
# Bounded: 10 s per run, 64 connections.
# Usage: make bench   (builds the release site first)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(scripts/target-dir.sh)/release/pulse"
[ -x "$BIN" ] || { echo "no release binary at $BIN: run make build-release" >&2; exit 1; }
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
source scripts/lib.sh
DURATION=${BENCH_DURATION:-10s}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
DEMO_DAYS=${BENCH_DEMO_DAYS:-365}

summary() { grep -E "Requests/sec|Latency  |50%|99%|Non-2xx|Socket errors|^Status" || true; }

bench() {
  local label=$1; shift
  local port; port=$(free_port)
  env "$@" PULSE_OWNER_PASSWORD=BenchSalon-Pass-42! "$BIN" create-owner --email bench@example.com --name Bench >/dev/null
  # A year of a four-expert business, so the dashboard and the tables work on realistic data.
  echo "== $label: $(env "$@" "$BIN" seed-demo --days "$DEMO_DAYS")"
  # The per-IP limit would cap a load test from one address at 100 requests.
  start_pulse "$BIN" "$label" "$port" RUST_LOG=warn RATE_LIMIT_MAX_REQUESTS=0 RATE_LIMIT_FN_MAX_REQUESTS=0 "$@"
  # BENCH_PAGES_ONLY=1 skips the API runs and measures only the portal pages below.
  if [ -z "${BENCH_PAGES_ONLY:-}" ]; then
  for path in /api/v1/categories /categories; do
    echo "== $label GET $path ($CONNECTIONS connections, $DURATION, 2 threads)"
    wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$port$path" | summary
  done
  # Sign-in is bound by the password hash: one connection shows its cost, eight the throughput.
  for c in 1 8; do
    echo "== $label POST /api/v1/auth/login ($c connections, $DURATION)"
    wrk -t1 -c"$c" -d"$DURATION" --latency -s bench/login.lua "http://127.0.0.1:$port/api/v1/auth/login" | summary
  done
  # An authenticated read (token check, user and role in one query, cached permissions) and the
  # availability of a service with 3 experts, each working 09:00-12:00 and 13:00-17:00.
  local base="http://127.0.0.1:$port/api/v1"
  local token; token=$(curl -fs "$base/auth/login" -H 'Content-Type: application/json' \
    -d '{"email":"bench@example.com","password":"BenchSalon-Pass-42!"}' | json data.accessToken)
  local category; category=$(post "$base/categories" "$token" '{"name":"Bench"}' | json data.category.id)
  local service; service=$(post "$base/services" "$token" \
    "{\"categoryId\":\"$category\",\"name\":\"Cut\",\"price\":25,\"duration\":45}" | json data.service.id)
  local hours='{"hours":[' sep='' d
  for d in 0 1 2 3 4 5 6; do
    hours+="$sep{\"weekday\":$d,\"start\":\"09:00\",\"end\":\"12:00\"},{\"weekday\":$d,\"start\":\"13:00\",\"end\":\"17:00\"}"
    sep=','
  done
  hours+=']}'
  local expert
  for name in Ada Bea Cy; do
    expert=$(post "$base/experts" "$token" "{\"name\":\"$name\",\"serviceIds\":[\"$service\"]}" | json data.expert.id)
    curl -fs -X PUT "$base/experts/$expert/working-hours" -H "Authorization: Bearer $token" \
      -H 'Content-Type: application/json' -d "$hours" >/dev/null
  done
  local day; day=$(date -u -d tomorrow +%F)
  echo "== $label GET /api/v1/auth/me with a bearer token ($CONNECTIONS connections, $DURATION, 2 threads)"
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $token" "$base/auth/me" | summary
  echo "== $label GET /api/v1/availability, 3 experts ($CONNECTIONS connections, $DURATION, 2 threads)"
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$base/availability?serviceId=$service&date=$day" | summary
  # Under contention: everyone books the same service on one day (3 experts); the rest are 409s.
  local busy_day; busy_day=$(date -u -d '+2 days' +%F)
  echo "== $label POST /api/v1/appointments under contention ($CONNECTIONS connections, $DURATION, 2 threads)"
  BENCH_TOKEN=$token BENCH_SERVICE=$service BENCH_DAY=$busy_day \
    wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/book.lua "$base/appointments" | summary
  fi
  # The portal's heaviest pages, rendered on the server for a signed-in owner, over the demo year
  # (the dashboard's default 30 days; the appointments table's first page of 20). One connection
  # shows the time to render one page; eight, the throughput.
  local jar="$WORK/cookies-$label"
  curl -fs -c "$jar" -o /dev/null "http://127.0.0.1:$port/api/fn/sign_in" -H 'Accept: application/json' \
    --data-urlencode email=bench@example.com --data-urlencode password=BenchSalon-Pass-42!
  local cookie; cookie=$(awk '$6 == "pulse_session" { print $6 "=" $7 }' "$jar")
  [ -n "$cookie" ] || { echo "portal sign-in failed" >&2; exit 1; }
  # Reports: the default 30 days, and the whole demo year.
  local year="/reports?startDate=$(date -u -d '-364 days' +%F)&endDate=$(date -u +%F)"
  for page in /dashboard "/dashboard?period=90" /appointments /reports "$year"; do
    for c in 1 8; do
      echo "== $label GET $page signed in ($c connections, $DURATION)"
      wrk -t1 -c"$c" -d"$DURATION" --latency -H "Cookie: $cookie" "http://127.0.0.1:$port$page" | summary
    done
  done
  stop_pulse
}

# The release wasm the browser downloads, raw and as gzip -9 would send it.
wasm=target/site/pkg/pulse.wasm
echo "== release wasm: $(stat -c %s "$wasm") bytes raw, $(gzip -9 -c "$wasm" | wc -c) bytes gzip -9"

# JSON field by dotted path from stdin (python3 is on every machine this runs on).
json() { python3 -c "import json,sys; v=json.load(sys.stdin)
for k in sys.argv[1].split('.'): v=v[k]
print(v)" "$1"; }
post() { curl -fs "$1" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' -d "$3"; }

bench sqlite DATABASE_URL="sqlite://$WORK/bench.db" REDIS_URL=
new_postgres_db bench
bench postgres DATABASE_URL="$NEW_DB_URL" REDIS_URL="$TEST_REDIS"
