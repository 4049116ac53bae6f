#!/usr/bin/env bash
# Every check, in the order a failure is cheapest to see: set-up (skipped
# where already done), the set-up scripts' own test, format, clippy (native,
# then wasm32 with the web's forbidden APIs), rustdoc, native tests (which
# read ../shared/datasets), then the page built and driven in headless
# Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

step() { printf '\n==> %s\n' "$*"; }
log=$(mktemp)

step "set-up"
ensure_rust
# wasm-bindgen-cli (minutes, once) installs in the background while the
# native checks run; build_web waits for it.
start_wasm_bindgen
trap 'rm -f "$log"; [ -z "$WASM_BINDGEN_PID" ] || kill "$WASM_BINDGEN_PID" 2>/dev/null || true' EXIT
if [ ! -d ../shared/datasets ]; then
  echo "error: ../shared/datasets is missing; the tests read the shared datasets from there" >&2
  exit 1
fi
ensure_chromium
ensure_node_modules
ensure_onnxruntime

step "set-up scripts (with each tool hidden)"
scripts/test_setup.sh 2>&1 | tee -a "$log"

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy (native)"
cargo clippy --workspace --all-targets -- -D warnings

step "clippy (the core without burn, as the page links it)"
cargo clippy -p anomaly-lab-core --no-default-features -- -D warnings

step "clippy (wasm32: core, page and the worker's CPU and WebGPU modules)"
CLIPPY_CONF_DIR=scripts/clippy_wasm cargo clippy -p anomaly-lab-core -p anomaly-lab -p anomaly-lab-worker --target wasm32-unknown-unknown -- -D warnings
CLIPPY_CONF_DIR=scripts/clippy_wasm cargo clippy -p anomaly-lab-worker --features gpu --target wasm32-unknown-unknown -- -D warnings

step "cargo doc (no warnings)"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --workspace

step "tests (native)"
cargo test --workspace 2>&1 | tee -a "$log"

step "build the page"
build_web

step "tests (browser: headless Chromium)"
node --test --test-concurrency=1 tests/e2e/ 2>&1 | tee -a "$log"

# One closing line for the whole run, summed over cargo's and node's runners.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed/) p += $(i-1); if ($i ~ /^failed/) f += $(i-1) } }
     /^# pass / { p += $3 } /^# fail / { f += $3 }
     END { printf "\nall: %d passed, %d failed\n", p, f }' "$log"
