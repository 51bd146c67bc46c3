#!/usr/bin/env bash
# Installs every build tool Pulse needs, skipping what is already present at the right version.
# Usage: scripts/setup-tools.sh [--e2e]   (--e2e adds Chromium and the end-to-end test packages)
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

CARGO_LEPTOS_VERSION=0.3.8
# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)

export PATH="$HOME/.cargo/bin:$PATH"

for component in clippy rustfmt; do
  if ! rustup component list --installed | grep -q "^$component"; then
    log "adding the $component component"
    rustup component add "$component"
  fi
done

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
  log "installing cargo-leptos $CARGO_LEPTOS_VERSION (no_downloads: it uses the tools on PATH)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Not --locked: its lockfile pins crates the registry mirror may not serve.
  cargo install wasm-bindgen-cli --version "=$WASM_BINDGEN_VERSION"
fi

# Tailwind and binaryen (wasm-opt) come from npm; Debian's binaryen is too old for release wasm.
if [ ! -x node_modules/.bin/tailwindcss ] || [ ! -x node_modules/.bin/wasm-opt ] \
   || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing Tailwind and binaryen from npm"
  # Not `npm ci`: the lockfile leaves out Tailwind's optional packages for other platforms, which
  # the registry here does not list, and `npm ci` refuses that. `npm install` keeps the lockfile as is.
  npm install --no-audit --no-fund --loglevel=error
fi

if [ "${1:-}" = "--e2e" ]; then
  if ! command -v chromium >/dev/null 2>&1; then
    log "installing Chromium from Debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  # moto in server mode: the S3-compatible store the upload tests write to.
  MOTO_VERSION=5.2.5
  if ! command -v moto_server >/dev/null 2>&1 \
     || [ "$(python3 -c 'import moto; print(moto.__version__)' 2>/dev/null)" != "$MOTO_VERSION" ]; then
    log "installing moto $MOTO_VERSION (S3-compatible server for the upload tests)"
    if ! python3 -m pip --version >/dev/null 2>&1; then
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pip >/dev/null
    fi
    pip_install() { python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "$@" "moto[s3,server]==$MOTO_VERSION"; }
    # Debian's own Python refuses system-wide installs (PEP 668); this machine is a test runner.
    pip_install 2>/dev/null || pip_install --break-system-packages
  fi
  if [ ! -d end2end/node_modules/playwright-core ] \
     || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    log "installing playwright-core for end-to-end tests (no browser download)"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error)
  fi
fi
log "tools ready"
