#!/usr/bin/env bash
# The public catalog's cost (issue 17): Pulse's `GET /api/v1/categories` and
# `GET /api/v1/services?isActive=true` against a bare axum + sqlx reference (bench/bare, outside the
# product) that runs the same SQL on the same Postgres database and returns the same bytes, with a
# 55-service, 8-category catalog created through Pulse's API. Pulse runs uncached and cached, without
# and with Redis, its rate limit on (with a limit no run reaches, so its cost is counted).
# Prints req/s, p50, p99, the server's CPU time per request, its RSS, Pulse's throughput as a share of
# the bare server's, and the cache's hit ratio, as one markdown table.
# Bounded: 2 routes x 5 servers x (2 s warm-up + 10 s), plus 3 s hit-ratio runs; 64 connections.
# Usage: bench/catalog.sh   (release Pulse built first: make build-release)
# Env: PULSE_BIN, BARE_BIN (skips building bench/bare), BENCH_DURATION (10s), BENCH_CONNECTIONS (64),
#      BENCH_WARMUP (2s), BENCH_RATIO_DURATION (3s), BARE_POOL (8)
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=$(scripts/target-dir.sh)
BIN=${PULSE_BIN:-"$TARGET/release/pulse"}
[ -x "$BIN" ] || { echo "no release binary at $BIN: run make build-release" >&2; exit 1; }
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
if [ -z "${BARE_BIN:-}" ]; then
  echo "== building the bare reference (bench/bare, release)"
  # Seeded from the product's lock, so the reference resolves the same crate versions (cargo drops
  # the entries it does not use) and reuses what the shared target directory has compiled.
  [ -f bench/bare/Cargo.lock ] || cp Cargo.lock bench/bare/Cargo.lock
  CARGO_TARGET_DIR=$TARGET cargo build --release --quiet --manifest-path bench/bare/Cargo.toml
  BARE_BIN=$TARGET/release/pulse-bare
fi
[ -x "$BARE_BIN" ] || { echo "no bare reference binary at $BARE_BIN" >&2; exit 1; }
source scripts/lib.sh
DURATION=${BENCH_DURATION:-10s}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
WARMUP=${BENCH_WARMUP:-2s}
RATIO_DURATION=${BENCH_RATIO_DURATION:-3s}
HZ=$(getconf CLK_TCK)
EMAIL=bench@example.com
PASSWORD='BenchSalon-Pass-42!'

# What is measured, and what is compared byte for byte (also the plain services list).
ROUTES=(categories services)
declare -A PATHS=([categories]=/api/v1/categories [services]='/api/v1/services?isActive=true'
  [all-services]=/api/v1/services)
# The servers, in the table's order; Pulse's environment for each (no Redis: REDIS_URL empty).
# `CATALOG_CACHE=false` turns Pulse's catalog cache off (src/server/config.rs parses a bool).
ROWS=(bare nr-off r-off nr-on r-on)
declare -A LABELS=([bare]='bare axum + sqlx' [nr-off]='Pulse uncached (no Redis)'
  [r-off]='Pulse uncached (Redis)' [nr-on]='Pulse cached (no Redis)' [r-on]='Pulse cached (Redis)')
declare -A ENVS=([nr-off]="REDIS_URL= CATALOG_CACHE=false" [nr-on]="REDIS_URL= CATALOG_CACHE=true"
  [r-off]="REDIS_URL=$TEST_REDIS CATALOG_CACHE=false" [r-on]="REDIS_URL=$TEST_REDIS CATALOG_CACHE=true")
PULSE_RUNS=(nr-off nr-on r-off r-on)
declare -A RPS=() P50=() P99=() CPU=() RSS=() HIT=()
NOTES=()

json() { python3 -c "import json,sys; v=json.load(sys.stdin)
for k in sys.argv[1].split('.'): v=v[k]
print(v)" "$1"; }
post() {
  local out
  out=$(curl -sS --fail-with-body "$1" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' -d "$3") ||
    { echo "!! POST $1 $3 failed: $out" >&2; return 1; }
  printf '%s\n' "$out"
}
summary() { grep -E "Requests/sec|Latency  |50%|99%|Non-2xx|Socket errors" || true; }
# utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/PID/stat, counted after the
# command name's closing parenthesis).
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }

BARE_PID=""
start_bare() {
  local port=$1
  env DATABASE_URL="$NEW_DB_URL" PORT="$port" BARE_POOL="${BARE_POOL:-8}" "$BARE_BIN" >"$WORK/bare.log" 2>&1 &
  BARE_PID=$!
  for _ in $(seq 1 50); do
    curl -fs -o /dev/null "http://127.0.0.1:$port/api/v1/categories" && return 0
    kill -0 "$BARE_PID" 2>/dev/null || break
    sleep 0.2
  done
  echo "the bare reference did not become ready" >&2
  cat "$WORK/bare.log" >&2
  exit 1
}
stop_bare() {
  if [ -n "$BARE_PID" ]; then
    kill "$BARE_PID" 2>/dev/null && wait "$BARE_PID" 2>/dev/null || true
    BARE_PID=""
  fi
}
trap 'stop_bare; cleanup' EXIT

# 8 categories (the ones seed-demo put in an empty catalog are reused) and 55 services, all active.
create_catalog() {
  local base=$1 token=$2 id name description icon order=0 category price minutes tags
  local -A ids=()
  while IFS=$'\t' read -r id name; do ids[$name]=$id; done < <(curl -fsS "$base/categories" |
    python3 -c 'import json,sys
for c in json.load(sys.stdin)["data"]["categories"]: print(c["id"], c["name"], sep="\t")')
  while IFS='|' read -r name description icon; do
    [ -n "${ids[$name]:-}" ] || ids[$name]=$(post "$base/categories" "$token" \
      "{\"name\":\"$name\",\"description\":\"$description\",\"icon\":\"$icon\",\"displayOrder\":$order,\"isActive\":true}" |
      json data.category.id)
    order=$((order + 1))
  done <<'EOF'
Hair|Cuts, colour, styling and treatments|scissors
Nails|Manicures, pedicures and nail art|hand
Skin Care|Facials, peels and clean-ups|sparkles
Makeup|Party, bridal and everyday makeup|palette
Massage|Relaxing and therapeutic massages|spa
Waxing|Full and partial body waxing|leaf
Brows & Lashes|Shaping, tinting, lifts and extensions for brows and lashes|eye
Barbering|Classic cuts, fades, beard work and hot towel shaves|razor
EOF
  while IFS='|' read -r category name price minutes tags description; do
    post "$base/services" "$token" "{\"categoryId\":\"${ids[$category]}\",\"name\":\"$name\",\"description\":\"$description\",\"price\":$price,\"duration\":$minutes,\"tags\":[\"${tags//,/\",\"}\"],\"isActive\":true}" >/dev/null
  done <<'EOF'
Hair|Women's Haircut & Blow-Dry|45|60|cut,blow-dry|A consultation, shampoo, precision cut and a smooth blow-dry finish to take home.
Hair|Men's Haircut|25|30|cut,men|A clipper and scissor cut tailored to your face shape, finished with light styling.
Hair|Root Touch-Up|55|75|colour|Single-process colour applied to regrowth up to two centimetres to blend seamlessly.
Hair|Full Highlights|120|150|colour,highlights|Foil highlights through the whole head with a toner for a bright, dimensional result.
Hair|Balayage|165.50|180|colour,balayage|Hand-painted lightening for a soft, sun-kissed grow-out, with a gloss and blow-dry.
Hair|Keratin Smoothing Treatment|180|150|treatment,frizz|Smooths frizz and cuts drying time for up to three months; includes a light trim.
Hair|Blow-Dry & Style|35|45|styling,blow-dry|Wash and blow-dry with round-brush volume, soft waves or sleek straight styling.
Nails|Classic Manicure|22.50|30|manicure|Shaping, cuticle care, a hand massage and a polish of your choice for tidy hands.
Nails|Gel Manicure|35|45|manicure,gel|Long-wearing gel polish cured under LED light, chip-free for up to three weeks.
Nails|Classic Pedicure|30|45|pedicure|A foot soak, exfoliation, nail shaping, cuticle care and polish for happy feet.
Nails|Spa Pedicure|45|60|pedicure,spa|Our classic pedicure plus a sugar scrub, a hydrating mask and a hot towel wrap.
Nails|Acrylic Full Set|55|75|acrylic,extensions|Sculpted acrylic extensions shaped to your chosen length and finished in gel.
Nails|Nail Art (per set)|15|20|nail art|Hand-painted designs, chrome or foils added to any manicure or pedicure you book.
Nails|Gel Removal|9.99|15|gel,removal|Gentle soak-off removal of gel or acrylic, with nail conditioning afterwards.
Skin Care|Signature Facial|65|60|facial|Deep cleanse, exfoliation, extractions, massage and a mask matched to your skin.
Skin Care|Hydrating Facial|70|60|facial,hydration|Layers of hyaluronic serums and a cooling mask to plump and refresh dry skin.
Skin Care|Chemical Peel|85|45|peel|A light glycolic peel that evens tone and texture, with no real downtime after.
Skin Care|Microdermabrasion|90|45|exfoliation|Diamond-tip exfoliation to refine pores and brighten dull, uneven skin tone.
Skin Care|Acne Clarifying Treatment|75|60|acne,facial|A salicylic cleanse, steam and careful extractions followed by a calming mask.
Skin Care|Express Clean-Up|35|30|facial,express|A quick cleanse, exfoliation and moisturiser for a fresh face in half an hour.
Skin Care|LED Light Therapy|40|30|led,add-on|Red and blue light sessions that calm redness and support clearer-looking skin.
Makeup|Bridal Makeup|180|120|bridal|A long-wear bridal look with a prior trial, lashes and a touch-up kit for the day.
Makeup|Bridal Trial|80|90|bridal,trial|A full run-through of your wedding look, so the day itself holds no surprises.
Makeup|Party Makeup|60|60|party,evening|A polished evening look with contour, a defined eye and a long-lasting lipstick.
Makeup|Natural Day Makeup|45|45|everyday|Light, skin-first makeup for photos, interviews or simply a fresh-faced day out.
Makeup|Airbrush Makeup|95|75|airbrush|Feather-light airbrushed foundation that stays flawless through a long event.
Makeup|Makeup Lesson|70|90|lesson|A one-to-one lesson using your own kit, with a written routine to take home.
Makeup|Strip Lash Application|15|15|lashes,add-on|Strip lashes trimmed to your eye shape and applied to last all night long.
Massage|Swedish Massage|70|60|relaxation|Long, flowing strokes with warm oil to ease tension and help you fully unwind.
Massage|Deep Tissue Massage|85|60|deep tissue|Firm, focused pressure that works the knots out of back, neck and shoulders.
Massage|Hot Stone Massage|95|75|hot stone|Heated basalt stones melt tension while the therapist works on tired muscles.
Massage|Aromatherapy Massage|80|60|aromatherapy|A gentle full-body massage with essential oils blended for your mood today.
Massage|Sports Massage|75|45|sports|Targeted work for training recovery, flexibility and niggling muscle tightness.
Massage|Prenatal Massage|75|60|prenatal|A side-lying massage with cushioned support, safe from the second trimester.
Massage|Foot Reflexology|45|30|reflexology|Pressure-point work on the feet that relaxes the whole body in thirty minutes.
Waxing|Full Leg Wax|45|45|legs|Warm wax hair removal from ankle to upper thigh, finished with a soothing oil.
Waxing|Half Leg Wax|28|30|legs|Lower or upper legs waxed with a gentle formula suited to sensitive skin types.
Waxing|Underarm Wax|12|15|underarm|Quick hot-wax removal for smooth underarms that lasts for up to four weeks.
Waxing|Bikini Wax|25|20|bikini|Tidy bikini-line waxing with hot wax, for less redness on delicate skin areas.
Waxing|Brazilian Wax|45|35|brazilian|Full intimate waxing with low-temperature hot wax and a calming aftercare balm.
Waxing|Full Arm Wax|30|30|arms|Shoulder-to-wrist waxing, followed by a lotion that helps prevent ingrown hairs.
Waxing|Upper Lip & Chin Wax|14|15|face|Precise facial waxing with a gentle wax made for the finer hairs of the face.
Brows & Lashes|Brow Shaping|18|20|brows|Wax and tweeze shaping mapped to your features for a clean, natural arch.
Brows & Lashes|Brow Tint|15|15|brows,tint|A semi-permanent tint that defines fair or sparse brows for up to six weeks.
Brows & Lashes|Brow Lamination|55|45|brows,lamination|Sets brow hairs upward for a fuller, brushed-up look lasting six to eight weeks.
Brows & Lashes|Lash Lift & Tint|60|60|lashes,lift|Curls and darkens natural lashes from the root; no mascara needed for weeks.
Brows & Lashes|Classic Lash Extensions|85|90|lashes,extensions|One extension per natural lash for added length with a soft, natural finish.
Brows & Lashes|Volume Lash Extensions|120|120|lashes,extensions,volume|Handmade fans of fine lashes for a fuller, fluffier and more dramatic eye.
Brows & Lashes|Lash Infill|45|45|lashes,infill|Replaces grown-out extensions two to three weeks after a full set is applied.
Barbering|Classic Barber Cut|28|30|cut,men|A scissor-over-comb or clipper cut finished with a neck shave and a hot towel.
Barbering|Skin Fade|32|40|fade,men|A crisp fade blended down to the skin, styled with a matte paste or pomade.
Barbering|Beard Trim & Shape|18|20|beard|Clipper and razor shaping with a line-up, beard oil and a balm to finish.
Barbering|Hot Towel Shave|30|30|shave|A traditional straight-razor shave with pre-shave oil and hot towel preparation.
Barbering|Cut & Beard Combo|42|50|cut,beard|Our classic cut and a full beard shape-up in one unhurried appointment.
Barbering|Kids Haircut|18|25|kids,cut|A patient, friendly cut for children under twelve, with a lollipop afterwards.
EOF
}

# check LABEL BASE: every compared route must answer exactly the bare reference's bytes; twice, so a
# cached Pulse is checked on a miss and on a hit.
check() {
  local label=$1 base=$2 name got
  for name in "${!PATHS[@]}"; do
    got="$WORK/$label-$name.json"
    for _ in 1 2; do
      curl -sS --fail-with-body -o "$got" "$base${PATHS[$name]}" || {
        echo "!! $label: GET ${PATHS[$name]} failed" >&2; cat "$got" >&2; exit 1; }
      cmp -s "$WORK/bare-$name.json" "$got" && continue
      echo "!! $label: GET ${PATHS[$name]} is not byte-identical to the bare reference:" >&2
      cmp "$WORK/bare-$name.json" "$got" >&2 || true
      echo "   (split at commas; < bare, > $label)" >&2
      diff <(tr ',' '\n' <"$WORK/bare-$name.json") <(tr ',' '\n' <"$got") | head -60 >&2 || true
      exit 1
    done
  done
  echo "== $label: byte-identical to the bare reference (${!PATHS[*]})"
}

# measure KEY ROUTE PID BASE: a warm-up, then one measured wrk run; records its figures.
measure() {
  local key=$1 route=$2 pid=$3 url="$4${PATHS[$2]}" r="$2|$1" out="$WORK/wrk-$1-$2.txt" before after n
  wrk -t2 -c"$CONNECTIONS" -d"$WARMUP" "$url" >/dev/null
  before=$(cpu_ticks "$pid")
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$url" >"$out"
  after=$(cpu_ticks "$pid")
  echo "== ${LABELS[$key]}: GET ${PATHS[$route]} ($CONNECTIONS connections, $DURATION, 2 threads)"
  summary <"$out"
  n=$(awk '/ requests in / {print $1}' "$out")
  RPS[$r]=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$out")
  P50[$r]=$(awk '$1 == "50%" {print $2}' "$out")
  P99[$r]=$(awk '$1 == "99%" {print $2}' "$out")
  CPU[$r]=$(awk -v t=$((after - before)) -v hz="$HZ" -v n="${n:-0}" \
    'BEGIN {printf "%.3f", (n > 0 ? t * 1000 / hz / n : 0)}')
  RSS[$r]=$(awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status")
  if grep -qE "Non-2xx|Socket errors" "$out"; then
    NOTES+=("${LABELS[$key]}, GET ${PATHS[$route]}: $(grep -E 'Non-2xx|Socket errors' "$out" | tr -s ' ' | paste -sd ';')")
  fi
}

# hit_ratio KEY ROUTE BASE: a short run through bench/cache_ratio.lua, which reads every response's
# X-Cache header (a separate run: handing responses to Lua slows wrk, so not the measured one).
hit_ratio() {
  local line
  line=$(wrk -t2 -c"$CONNECTIONS" -d"$RATIO_DURATION" -s bench/cache_ratio.lua "$3${PATHS[$2]}" | grep '^x-cache:') ||
    { HIT["$2|$1"]='wrk failed'; return 0; }
  HIT["$2|$1"]=$(awk -F'[ =]' '{ t = $3 + $5 + $7
    if ($3 + $5 == 0) print "no X-Cache header"; else printf "%.2f %% (%d of %d)", 100 * $3 / t, $3, t }' <<<"$line")
}

echo "== $(nproc) cores; pulse: $BIN; reference: $BARE_BIN"
new_postgres_db catalog
PULSE_VARS=(DATABASE_URL="$NEW_DB_URL" RUST_LOG=warn RATE_LIMIT_MAX_REQUESTS=1000000000)
env "${PULSE_VARS[@]}" REDIS_URL= PULSE_OWNER_PASSWORD="$PASSWORD" "$BIN" create-owner --email "$EMAIL" --name Bench >/dev/null

# The catalog, through the API, then Pulse stops so nothing else runs while the reference is measured.
port=$(free_port)
start_pulse "$BIN" setup "$port" "${PULSE_VARS[@]}" REDIS_URL= CATALOG_CACHE=false
base="http://127.0.0.1:$port/api/v1"
token=$(curl -fsS "$base/auth/login" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" | json data.accessToken)
create_catalog "$base" "$token"
stop_pulse

port=$(free_port)
start_bare "$port"
base="http://127.0.0.1:$port"
for name in "${!PATHS[@]}"; do
  curl -sS --fail-with-body -o "$WORK/bare-$name.json" "$base${PATHS[$name]}"
done
categories=$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]["categories"]))' <"$WORK/bare-categories.json")
services=$(json data.pagination.total <"$WORK/bare-services.json")
echo "== catalog: $categories active categories, $services active services"
[ "$categories" = 8 ] && [ "$services" = 55 ] || echo "!! expected 8 categories and 55 services" >&2
for route in "${ROUTES[@]}"; do measure bare "$route" "$BARE_PID" "$base"; done
stop_bare

for key in "${PULSE_RUNS[@]}"; do
  read -ra vars <<<"${ENVS[$key]}"
  port=$(free_port)
  start_pulse "$BIN" "$key" "$port" "${PULSE_VARS[@]}" "${vars[@]}"
  base="http://127.0.0.1:$port"
  check "$key" "$base"
  for route in "${ROUTES[@]}"; do
    measure "$key" "$route" "$SERVER_PID" "$base"
    case $key in *-on) hit_ratio "$key" "$route" "$base" ;; esac
  done
  stop_pulse
done

echo
echo "| route | server | req/s | p50 | p99 | CPU ms/request | RSS MiB | req/s vs bare | X-Cache hit ratio |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---|"
for route in "${ROUTES[@]}"; do
  bare="$route|bare"
  for key in "${ROWS[@]}"; do
    r="$route|$key"
    vs='—'
    [ "$key" = bare ] || vs=$(awk -v a="${RPS[$r]}" -v b="${RPS[$bare]}" 'BEGIN {printf "%.0f %%", 100 * a / b}')
    printf '| `GET %s` | %s | %s | %s | %s | %s | %s | %s | %s |\n' "${PATHS[$route]}" "${LABELS[$key]}" \
      "${RPS[$r]}" "${P50[$r]}" "${P99[$r]}" "${CPU[$r]}" "${RSS[$r]}" "$vs" "${HIT[$r]:-—}"
  done
done
echo
echo "CPU: the server process's user + system time over the measured run, per request. RSS: after it."
echo "Hit ratio: a separate $RATIO_DURATION run through bench/cache_ratio.lua after the measured one."
for note in "${NOTES[@]}"; do echo "!! $note"; done
