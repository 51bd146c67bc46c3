#!/usr/bin/env bash
# Image uploads on the release server (embedded default, local disk): a 12-megapixel JPEG of about
# 5 MB, uploaded again and again, each decoded, turned upright and re-encoded at two sizes. Reports
# throughput and latency at 1 and 4 connections, and the server's RSS at rest and at its peak (the
# image must be streamed and held once, not several times).
# Usage: bench/upload.sh [seconds]   (PULSE_BIN picks the binary; release by default)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-20}
BIN=${PULSE_BIN:-"$(scripts/target-dir.sh)/release/pulse"}
[ -x "$BIN" ] || { echo "no binary at $BIN: run make build-release" >&2; exit 1; }
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
# ImageMagick 6 draws the test photo (a stand-in `convert` may come first on PATH).
IM=$(command -v magick || command -v convert-im6.q16 || true)
[ -n "$IM" ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq imagemagick >/dev/null; IM=$(command -v convert-im6.q16); }
source scripts/lib.sh

rss_mib() { awk '/^VmRSS/ {print int($2/1024)}' "/proc/$SERVER_PID/status"; }
hwm_mib() { awk '/^VmHWM/ {print int($2/1024)}' "/proc/$SERVER_PID/status"; }

IMAGE="$WORK/photo.jpg"
# jpeg:extent picks the highest quality that fits: just under the 5 MiB limit.
"$IM" -size 4000x3000 plasma:fractal -blur 0x1 +noise Gaussian -define jpeg:extent=5000KB "$IMAGE"
echo "image: $(stat -c %s "$IMAGE") bytes, 4000 × 3000"

port=$(free_port)
vars=(RUST_LOG=warn DATABASE_URL="sqlite://$WORK/upload.db" MEDIA_DIR="$WORK/uploads")
env "${vars[@]}" PULSE_OWNER_PASSWORD='BenchSalon-Pass-42!' "$BIN" create-owner --email bench@example.com --name Bench >/dev/null
start_pulse "$BIN" upload "$port" "${vars[@]}"
base="http://127.0.0.1:$port/api/v1"
token=$(curl -fs "$base/auth/login" -H 'Content-Type: application/json' \
  -d '{"email":"bench@example.com","password":"BenchSalon-Pass-42!"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["accessToken"])')
echo "RSS at rest: $(rss_mib) MiB"
for c in 1 4; do
  echo "== POST /api/v1/upload-image ($c connections, ${DURATION}s)"
  BENCH_TOKEN=$token BENCH_IMAGE=$IMAGE wrk -t1 -c"$c" -d"${DURATION}s" --timeout 30s --latency \
    -s bench/upload.lua "$base/upload-image" | grep -E "Requests/sec|50%|99%|Non-2xx|requests in"
  echo "RSS peak so far: $(hwm_mib) MiB; now $(rss_mib) MiB"
done
