#!/usr/bin/env bash
# Sets up and runs every check: formatting, clippy for the server and the wasm side, unit and
# integration tests on SQLite and PostgreSQL, and the end-to-end suite in Chromium (hydrated and
# without JavaScript) against a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --e2e
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"

step() { printf '\n==> %s\n' "$*"; }
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

postgres_answers() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }

if [ -z "${TEST_DATABASE_URL:-}" ]; then
  if ! postgres_answers && [ -n "${CI:-}" ] && command -v pg_ctlcluster >/dev/null 2>&1; then
    step "Starting the local PostgreSQL server"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
    for _ in $(seq 1 20); do postgres_answers && break; sleep 0.5; done
  fi
  if postgres_answers; then
    export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres"
  elif [ -n "${CI:-}" ]; then
    echo "error: CI is set but no PostgreSQL answers on 127.0.0.1:5432; the PostgreSQL tests cannot be skipped in CI" >&2
    exit 1
  else
    echo "warning: no PostgreSQL on 127.0.0.1:5432 and TEST_DATABASE_URL unset: PostgreSQL tests will be skipped" >&2
  fi
fi

step "rustfmt"
cargo fmt --all -- --check

step "clippy (server: ssr)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "clippy (browser: hydrate, wasm32)"
cargo clippy -p app --lib --locked --target wasm32-unknown-unknown --no-default-features --features hydrate -- -D warnings

step "Unit and integration tests (SQLite${TEST_DATABASE_URL:+ and PostgreSQL})"
cargo test --workspace --locked 2>&1 | tee "$logs/cargo-test.txt"

step "Release build"
cargo leptos build --release --precompress

step "End-to-end tests (Chromium: hydrated and without JavaScript)"
(cd end2end && npx playwright test) 2>&1 | tee "$logs/playwright.txt"

rust_passed=$(grep -Eo '^test result: ok\. [0-9]+ passed' "$logs/cargo-test.txt" | awk '{ sum += $4 } END { print sum + 0 }')
e2e_passed=$(grep -Eo '^ +[0-9]+ passed' "$logs/playwright.txt" | awk '{ sum += $1 } END { print sum + 0 }')
postgres_ran=$(grep -c '::postgres \.\.\. ok' "$logs/cargo-test.txt" || true)
step "Summary"
echo "Rust unit and integration tests: $rust_passed passed ($postgres_ran of them on PostgreSQL)"
echo "End-to-end tests in Chromium: $e2e_passed passed"
echo "all: $((rust_passed + e2e_passed)) passed, 0 failed"
