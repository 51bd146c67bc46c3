# Shared by scripts/e2e.sh and bench/run.sh: start a built `pulse` binary on a free port with a fresh
# database, wait until it is ready, and clean everything up on exit. Source it; do not run it.

PG_ADMIN=${PULSE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PG_SERVER=${PG_ADMIN%/*}
TEST_REDIS=${PULSE_TEST_REDIS_URL:-redis://127.0.0.1:6379/15}
WORK=$(mktemp -d)
SERVER_PID=""
SERVER_LOG=""
PG_DBS=()

cleanup() {
  stop_pulse
  for db in "${PG_DBS[@]}"; do
    psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
  done
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

# Creates an empty Postgres database, dropped on exit, and sets NEW_DB_URL to it. (Not a `$(...)`
# function: a subshell would lose the record needed to drop it.)
new_postgres_db() {
  local name="pulse_$1_$(date +%s)_$$_${#PG_DBS[@]}"
  psql "$PG_ADMIN" -qc "CREATE DATABASE \"$name\"" >/dev/null
  PG_DBS+=("$name")
  NEW_DB_URL="$PG_SERVER/$name"
}

# start_pulse BIN LABEL PORT [VAR=value ...]: seeds the demo catalog, serves in the background, and
# waits for /readyz; on failure prints the server log and exits.
start_pulse() {
  local bin=$1 label=$2 port=$3; shift 3
  # Every browser test comes from 127.0.0.1: no per-client limit (tested in Rust) unless asked.
  local vars=(RATE_LIMIT_MAX_REQUESTS=0 RATE_LIMIT_FN_MAX_REQUESTS=0 "$@" PULSE_ENV=test LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site)
  env "${vars[@]}" "$bin" seed-demo >/dev/null
  SERVER_LOG="$WORK/server-$label.log"
  env "${vars[@]}" "$bin" serve >"$SERVER_LOG" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.2
  done
  echo "pulse did not become ready ($label)" >&2
  tail -50 "$SERVER_LOG" >&2
  exit 1
}

stop_pulse() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}
