#!/usr/bin/env bash
# Page weight: builds the release, starts it on a fresh SQLite database with demo content on
# loopback, and reports, for each public and admin page opened in Chromium with a cold cache,
# the bytes transferred by type and the time until it is interactive; then, on the demo
# company site (another origin), the embed script's size on the wire and how long the banner
# takes to appear after the script starts.
#
#   scripts/page-weight.sh            (SKIP_BUILD=1 uses the release build already there)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --e2e
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
[ -n "${SKIP_BUILD:-}" ] || cargo leptos build --release --precompress

data=$(mktemp -d)
export CHARTER_ADDR=127.0.0.1:3400 CHARTER_BASE_URL=http://127.0.0.1:3400
export DATABASE_URL="sqlite:$data/charter.db" CHARTER_OUTBOX_DIR="$data/outbox"
export CHARTER_DEMO=1 CHARTER_ORGANISATION="Quillstone AI Ltd" CHARTER_LOG=warn
export CHARTER_DEMO_SITE_ADDR=127.0.0.1:3401
export LEPTOS_SITE_ROOT="$PWD/target/site"
target/release/charter serve &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do
  (exec 3<>/dev/tcp/127.0.0.1/3400) 2>/dev/null && break
  sleep 0.1
done
CHARTER_URL=$CHARTER_BASE_URL CHARTER_SITE_URL=http://$CHARTER_DEMO_SITE_ADDR \
  CHARTER_BINARY="$PWD/target/release/charter" \
  node end2end/bench/page-weight.mjs
