#!/usr/bin/env bash
# Runs the browser tests against the built server (`cargo leptos build` first): once on the embedded
# default (SQLite, in-process sessions) and once on Postgres + Redis, each with a fresh database.
# PULSE_BIN picks another binary (e.g. the release build).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${PULSE_BIN:-"$(scripts/target-dir.sh)/debug/pulse"}
[ -x "$BIN" ] || { echo "no server binary at $BIN: run cargo leptos build" >&2; exit 1; }
[ -f target/site/pkg/pulse.wasm ] || { echo "no wasm in target/site/pkg: run cargo leptos build" >&2; exit 1; }
source scripts/lib.sh
export E2E_EMAIL=owner@e2e.test E2E_PASSWORD='E2eOwnerPass1!'

# A real OpenID Connect provider on loopback stands in for Google (end2end/oidc/provider.mjs).
node end2end/oidc/provider.mjs >"$WORK/oidc.out" 2>"$WORK/oidc.err" &
OIDC_PID=$!
trap 'kill "$OIDC_PID" 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 1 100); do grep -q '^OIDC_ISSUER=' "$WORK/oidc.out" && break; sleep 0.1; done
OIDC_ISSUER=$(sed -n 's/^OIDC_ISSUER=//p' "$WORK/oidc.out")
[ -n "$OIDC_ISSUER" ] || { echo "the OpenID Connect provider did not start" >&2; cat "$WORK/oidc.err" >&2; exit 1; }
# A real SMTP server on loopback keeps what Pulse sends, for tests that follow emailed links and codes.
node end2end/mail/sink.mjs >"$WORK/mail.out" 2>"$WORK/mail.err" &
MAIL_PID=$!
trap 'kill "$OIDC_PID" "$MAIL_PID" 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 1 100); do grep -q '^MAIL_SINK=' "$WORK/mail.out" && break; sleep 0.1; done
SMTP_URL=$(sed -n 's/^SMTP_URL=//p' "$WORK/mail.out")
export MAIL_SINK=$(sed -n 's/^MAIL_SINK=//p' "$WORK/mail.out")
[ -n "$MAIL_SINK" ] || { echo "the mail sink did not start" >&2; cat "$WORK/mail.err" >&2; exit 1; }

GOOGLE=(GOOGLE_CLIENT_ID=pulse-test-client GOOGLE_CLIENT_SECRET=pulse-test-client-secret GOOGLE_ISSUER_URL="$OIDC_ISSUER")

run_suite() {
  local label=$1; shift
  local port; port=$(free_port)
  echo "== end-to-end on $label (port $port)"
  # A staff account for the sign-in tests, made the way production makes one.
  env "$@" PULSE_OWNER_PASSWORD="$E2E_PASSWORD" "$BIN" create-owner --email "$E2E_EMAIL" --name "E2E Owner" >/dev/null
  # Emailed links point at this server, as PUBLIC_URL does in production.
  start_pulse "$BIN" "$label" "$port" "$@" SMTP_URL="$SMTP_URL" PUBLIC_URL="http://127.0.0.1:$port"
  local status=0
  (cd end2end && BASE_URL="http://127.0.0.1:$port" SUITE="$label" node --test --test-concurrency=1 ${E2E_TESTS:-tests/}) || status=$?
  stop_pulse
  if [ $status -ne 0 ]; then echo "--- server log ($label)"; tail -50 "$SERVER_LOG"; exit $status; fi
}

# REDIS_URL is emptied so a developer's .env cannot turn the embedded run into a Redis one.
# Uploads go to the run's own directory, not the developer's data/uploads.
run_suite sqlite DATABASE_URL="sqlite://$WORK/e2e.db" REDIS_URL= MEDIA_DIR="$WORK/uploads-sqlite" "${GOOGLE[@]}"
new_postgres_db e2e
run_suite postgres DATABASE_URL="$NEW_DB_URL" REDIS_URL="$TEST_REDIS" MEDIA_DIR="$WORK/uploads-postgres" "${GOOGLE[@]}"
