#!/usr/bin/env bash
# Every check, in the order a failure is cheapest to see: set-up (skipped
# where already done), format, clippy (native, then wasm32 with the web's
# forbidden APIs), then all native tests, which read ../shared/datasets.
set -euo pipefail
cd "$(dirname "$0")/.."

# A target directory outside the clone survives between CI runs on one machine.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/anomaly-lab/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

step() { printf '\n==> %s\n' "$*"; }

step "set-up"
installed_components=$(rustup component list --installed 2>/dev/null || true)
for c in rustfmt clippy; do
  grep -q "^$c" <<<"$installed_components" || rustup component add "$c"
done
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
if [ ! -d ../shared/datasets ]; then
  echo "error: ../shared/datasets is missing; the tests read the shared datasets from there" >&2
  exit 1
fi

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy (native)"
cargo clippy --workspace --all-targets -- -D warnings

step "clippy (wasm32, core)"
CLIPPY_CONF_DIR=scripts/clippy_wasm cargo clippy -p anomaly-lab-core --target wasm32-unknown-unknown -- -D warnings

step "tests (native)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --workspace 2>&1 | tee "$log"

# One closing line for the whole run, summed over every test binary.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed/) p += $(i-1); if ($i ~ /^failed/) f += $(i-1) } }
     END { printf "\nall: %d passed, %d failed\n", p, f }' "$log"
