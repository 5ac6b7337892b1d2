#!/usr/bin/env bash
# Sets up, builds and runs Charter on SQLite with demo content at http://127.0.0.1:3000
# (override with CHARTER_ADDR; every setting is listed by `target/release/charter --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"

printf '\n==> Building Charter (release)\n'
cargo leptos build --release --precompress

export CHARTER_DEMO="${CHARTER_DEMO:-1}"
export CHARTER_ORGANISATION="${CHARTER_ORGANISATION:-Quillstone AI Ltd}"
# A second origin whose page embeds the banner: the company's own site, as it would use Charter.
export CHARTER_DEMO_SITE_ADDR="${CHARTER_DEMO_SITE_ADDR:-127.0.0.1:3001}"
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-target/site}"
printf '\n==> Starting Charter on http://%s, the demo company site on http://%s (Ctrl-C stops both)\n' \
  "${CHARTER_ADDR:-127.0.0.1:3000}" "$CHARTER_DEMO_SITE_ADDR"
exec target/release/charter serve "$@"
