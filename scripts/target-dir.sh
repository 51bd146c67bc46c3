#!/usr/bin/env bash
# Prints cargo's target directory (honours CARGO_TARGET_DIR and .cargo/config.toml).
cd "$(dirname "$0")/.."
cargo metadata --format-version 1 --no-deps 2>/dev/null | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p'
