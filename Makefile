# Pulse: the two commands that matter are `make run` and `make test`. Both install what is missing.
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

# cargo-leptos builds debug servers with `--cfg erase_components` and LEPTOS_OUTPUT_NAME set; giving
# cargo test and clippy the same lets them reuse its compiled dependencies instead of building twice.
test-rust lint: export RUSTFLAGS = --cfg erase_components
test-rust lint: export LEPTOS_OUTPUT_NAME = pulse

.PHONY: run test dev setup setup-e2e services build build-release test-rust test-e2e lint fmt bench clean

## make run: install tools, build, migrate and serve on http://127.0.0.1:3000 (SQLite + in-process by default)
run: build
	"$$(scripts/target-dir.sh)/debug/pulse" serve

## make test: install tools and Chromium, make sure Postgres and Redis run, then every Rust and browser test
test: setup-e2e services lint build
	$(MAKE) --no-print-directory test-rust
	$(MAKE) --no-print-directory test-e2e

## make dev: rebuild and reload on every change
dev: setup
	cargo leptos watch

setup:
	@scripts/setup-tools.sh

setup-e2e:
	@scripts/setup-tools.sh --e2e

services:
	@scripts/ensure-services.sh

build: setup
	cargo leptos build

build-release: setup
	cargo leptos build --release

test-rust:
	cargo test --workspace --features ssr --no-fail-fast

test-e2e:
	scripts/e2e.sh

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --features ssr --all-targets -- -D warnings
	cargo clippy --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings

fmt:
	cargo fmt --all

## make bench: throughput, the catalog against a bare axum + sqlx reference, and a sign-in flood
bench: build-release services
	bench/run.sh
	bench/catalog.sh
	bench/signin_flood.sh

clean:
	cargo clean
	rm -rf target/site data/*.db* node_modules end2end/node_modules
