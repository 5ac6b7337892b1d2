#!/usr/bin/env bash
# Installs the tools that building Charter needs, skipping whatever is already there, so a second
# run takes seconds. With --e2e it also installs Chromium for the end-to-end tests.
#
#   wasm32-unknown-unknown target  (rustup)
#   cargo-leptos 0.3.10            (cargo install; about 18 minutes cold on 2 cores)
#   wasm-bindgen-cli               (cargo install; the exact version Cargo.lock pins, about 4 minutes)
#   Playwright + binaryen          (npm ci in end2end/; binaryen provides wasm-opt for release builds)
#   Chromium                       (apt-get; only with --e2e)
#   Python's cryptography          (pip; only with --e2e: the tests run the evidence bundle verifier)
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10
with_e2e=false
[ "${1:-}" = "--e2e" ] && with_e2e=true

step() { printf '\n==> %s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

export PATH="$HOME/.cargo/bin:$PATH"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "Installing the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(cargo leptos --version 2>/dev/null)" != "cargo-leptos $CARGO_LEPTOS_VERSION" ]; then
  step "Installing cargo-leptos $CARGO_LEPTOS_VERSION (about 18 minutes the first time)"
  # no_downloads: a missing tool fails at once instead of trying to fetch a binary.
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
fi

wasm_bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wasm_bindgen_version" ]; then
  step "Installing wasm-bindgen-cli $wasm_bindgen_version (about 4 minutes the first time)"
  # Not --locked: its lockfile pins a crate the registry no longer has.
  cargo install wasm-bindgen-cli --version "$wasm_bindgen_version"
fi

if ! cmp -s end2end/package-lock.json end2end/node_modules/.charter-installed 2>/dev/null; then
  step "Installing Playwright and binaryen (npm ci)"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  cp end2end/package-lock.json end2end/node_modules/.charter-installed
fi

if $with_e2e && ! [ -x /usr/bin/chromium ]; then
  step "Installing Chromium"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
fi

if $with_e2e && ! python3 -c 'import cryptography' 2>/dev/null; then
  step "Installing Python's cryptography (the evidence bundle verifier's Ed25519)"
  python3 -m pip install --user --quiet cryptography
fi
