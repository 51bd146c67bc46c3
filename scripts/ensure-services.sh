#!/usr/bin/env bash
# Makes sure Postgres (127.0.0.1:5432) and Redis (127.0.0.1:6379) answer, starting or installing them
# from Debian packages when they do not. The tests never skip for want of a service.
set -euo pipefail
log() { printf '\033[1;34m[services]\033[0m %s\n' "$*"; }

PG_URL=${PULSE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
REDIS_URL_T=${PULSE_TEST_REDIS_URL:-redis://127.0.0.1:6379}

pg_ready() { pg_isready -q -d "$PG_URL" 2>/dev/null; }
redis_ready() { redis-cli -u "$REDIS_URL_T" ping 2>/dev/null | grep -q PONG; }
apt_updated=0
apt_install() {
  [ $apt_updated = 1 ] || { apt-get update -qq; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! pg_ready; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    log "installing PostgreSQL"
    apt_install postgresql postgresql-client
  fi
  ver=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1 || true)
  if [ -z "$ver" ]; then
    ver=$(ls /usr/lib/postgresql | sort -V | tail -1)
    pg_createcluster "$ver" main
  fi
  conf=/etc/postgresql/$ver/main
  # Tests connect over TCP as postgres without a password, as on the development machines.
  if ! grep -q '^host all all 127.0.0.1/32 trust' "$conf/pg_hba.conf"; then
    sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$conf/pg_hba.conf"
  fi
  log "starting PostgreSQL $ver"
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
  for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
  pg_ready || { echo "PostgreSQL did not start" >&2; exit 1; }
fi

if ! redis_ready; then
  command -v redis-server >/dev/null 2>&1 || { log "installing Redis"; apt_install redis-server; }
  log "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 1 30); do redis_ready && break; sleep 1; done
  redis_ready || { echo "Redis did not start" >&2; exit 1; }
fi
# Databases left by an interrupted earlier run (a killed test process cannot drop its own).
for db in $(psql "$PG_URL" -qtAc "SELECT datname FROM pg_database WHERE datname LIKE 'pulse\_test\_%' OR datname LIKE 'pulse\_e2e\_%' OR datname LIKE 'pulse\_bench\_%'"); do
  psql "$PG_URL" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null || true
done
log "Postgres and Redis are up"
