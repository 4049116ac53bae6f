# Sourced by the other scripts: installs what is missing, skips what is there.
# Every ensure_* function is idempotent, quiet when there is nothing to do,
# safe under `set -euo pipefail` when its tool is absent, and says what it
# installs and about how long that takes (2-core machine) before it starts.
# scripts/test_setup.sh runs them with each tool hidden.

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/anomaly-lab/target}"
# Where `cargo install` puts what it installs (wasm-bindgen): on PATH for
# these scripts even when the user's shell does not have it there.
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# Where Debian puts Chromium and its driver (the e2e tests launch these).
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"

say() { printf 'set-up: %s\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }
fail() { printf 'error: %s\n' "$*" >&2; return 1; }
# Runs as root, or through sudo where there is one.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif have sudo; then sudo "$@"; else
    fail "'$*' needs root and there is no sudo; run it as root once"
  fi
}

ensure_rust() {
  have rustup || fail "rustup not found: install Rust with rustup (https://rustup.rs), then run this again" || return
  have cargo || fail "cargo not found on PATH (is ~/.cargo/bin on it?)" || return
  local installed targets c
  installed=$(rustup component list --installed 2>/dev/null || true)
  for c in rustfmt clippy; do
    if ! grep -q "^$c" <<<"$installed"; then
      say "adding the Rust component $c (seconds)"
      rustup component add "$c"
    fi
  done
  targets=$(rustup target list --installed 2>/dev/null || true)
  if ! grep -qx wasm32-unknown-unknown <<<"$targets"; then
    say "adding the wasm32-unknown-unknown target (under a minute)"
    rustup target add wasm32-unknown-unknown
  fi
}

# The wasm-bindgen crate's version in Cargo.lock: the CLI must match it exactly.
wasm_bindgen_wanted() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

# The installed CLI's version, or nothing when there is none.
wasm_bindgen_installed() {
  have wasm-bindgen || return 0
  { wasm-bindgen --version 2>/dev/null || true; } | awk '{print $2}'
}

wasm_bindgen_log() { echo "${CARGO_TARGET_DIR%/}/../wasm-bindgen-install.log"; }

# Starts `cargo install wasm-bindgen-cli` in the background when the right
# version is missing, so that it overlaps the page's build; the caller
# calls wait_wasm_bindgen before it needs the CLI. Sets WASM_BINDGEN_PID.
WASM_BINDGEN_PID=""
start_wasm_bindgen() {
  [ -z "$WASM_BINDGEN_PID" ] || return 0
  local want have log
  want=$(wasm_bindgen_wanted)
  [ -n "$want" ] || fail "Cargo.lock names no wasm-bindgen crate" || return
  have=$(wasm_bindgen_installed)
  [ "$have" = "$want" ] && return 0
  log=$(wasm_bindgen_log)
  mkdir -p "$(dirname "$log")"
  say "installing wasm-bindgen-cli $want${have:+ (replacing $have)} with cargo install," \
    "in the background (about 8 minutes on 2 cores, once; log: $log)"
  cargo install wasm-bindgen-cli --version "=$want" >"$log" 2>&1 &
  WASM_BINDGEN_PID=$!
}

wait_wasm_bindgen() {
  [ -n "$WASM_BINDGEN_PID" ] || return 0
  local log want
  log=$(wasm_bindgen_log)
  say "waiting for the wasm-bindgen-cli install to finish (log: $log)"
  if ! wait "$WASM_BINDGEN_PID"; then
    WASM_BINDGEN_PID=""
    tail -n 30 "$log" >&2 || true
    fail "cargo install wasm-bindgen-cli failed; the whole log is $log" || return
  fi
  WASM_BINDGEN_PID=""
  want=$(wasm_bindgen_wanted)
  [ "$(wasm_bindgen_installed)" = "$want" ] ||
    fail "wasm-bindgen $want was installed, but the wasm-bindgen found first on PATH is '$(command -v wasm-bindgen || true)' ($(wasm_bindgen_installed)); remove that one or put ${CARGO_HOME:-$HOME/.cargo}/bin before it"
}

ensure_wasm_bindgen() {
  start_wasm_bindgen && wait_wasm_bindgen
}

ensure_node_modules() {
  if [ -x node_modules/.bin/wasm-opt ] && [ -d node_modules/playwright-core ] && [ -d node_modules/axe-core ]; then return 0; fi
  have npm || fail "npm not found: install Node.js 20 or newer with npm, then run this again" || return
  say "installing the npm packages in package-lock.json: binaryen (wasm-opt), playwright-core, axe-core (under a minute)"
  npm ci --no-audit --no-fund
}

ensure_chromium() {
  if [ -x "$CHROMIUM" ] && [ -x "$CHROMEDRIVER" ]; then return 0; fi
  have apt-get || fail "$CHROMIUM is missing and there is no apt-get to install Debian's chromium" || return
  say "installing Debian's chromium and chromium-driver with apt-get (about 2 minutes, once)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
}

# The Python the ONNX test runs ONNX Runtime with: a virtual environment
# with numpy and onnxruntime from PyPI (about 10 s, once), beside the
# cargo cache. ANOMALY_LAB_PYTHON names it for the test.
ONNX_VENV="${ONNX_VENV:-$HOME/.cache/anomaly-lab/venv}"
ensure_onnxruntime() {
  export ANOMALY_LAB_PYTHON="$ONNX_VENV/bin/python"
  if "$ANOMALY_LAB_PYTHON" -c 'import numpy, onnxruntime' 2>/dev/null; then return 0; fi
  have python3 || fail "python3 not found: the ONNX test runs ONNX Runtime in Python 3" || return
  say "installing numpy and onnxruntime 1.30.0 from PyPI in $ONNX_VENV (about 10 s, once)"
  python3 -m venv "$ONNX_VENV" \
    || fail "python3 -m venv failed: install Debian's python3-venv (apt-get install python3-venv)" || return
  "$ONNX_VENV/bin/python" -m pip install -q --disable-pip-version-check numpy onnxruntime==1.30.0
}

# Builds the page into dist/: the wasm module through wasm-bindgen (and
# wasm-opt when WASM_OPT=1), index.html, style/ and public/. The cargo
# profile is $WEB_PROFILE: `web` (quick to build: the local run and the
# tests) or `dist` (smallest, slow to build: for publishing). wasm-opt runs
# by default for `dist` only.
build_web() {
  local profile="${WEB_PROFILE:-web}"
  local opt="${WASM_OPT:-}"
  [ -n "$opt" ] || { [ "$profile" = dist ] && opt=1 || opt=0; }
  ensure_rust
  start_wasm_bindgen
  [ "$opt" = 0 ] || ensure_node_modules
  local hint="seconds when nothing changed"
  [ -d "$CARGO_TARGET_DIR/wasm32-unknown-unknown/$profile" ] ||
    hint="the first build downloads and compiles about 350 crates: about $([ "$profile" = dist ] && echo 15 || echo 10) minutes on 2 cores"
  say "building the page and its training worker (cargo profile $profile; $hint)"
  # dist: panic locations name crates, not this machine's cargo folder
  # (privacy, and 0.8 KB gzip); only dist, so the quick build's cache stays.
  # The variable replaces .cargo/config.toml's flags, so it repeats simd128.
  local flags=()
  [ "$profile" = dist ] &&
    flags=("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS=-C target-feature=+simd128 --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}/registry/src/=")
  # Two cargo runs, not one: built together, cargo would give the page's
  # core the worker's `burn` feature, and the page must not link burn.
  env "${flags[@]}" cargo build -p anomaly-lab --lib --target wasm32-unknown-unknown --profile "$profile"
  env "${flags[@]}" cargo build -p anomaly-lab-worker --lib --target wasm32-unknown-unknown --profile "$profile"
  wait_wasm_bindgen
  rm -rf dist
  mkdir -p dist/pkg dist/style
  local module
  for module in anomaly_lab anomaly_lab_worker; do
    wasm-bindgen --target web --no-typescript --out-dir dist/pkg \
      "$CARGO_TARGET_DIR/wasm32-unknown-unknown/$profile/$module.wasm"
  done
  if [ "$opt" != 0 ]; then
    # dist: two -Oz rounds save another 12 KB gzip for 30 s (docs/BENCHMARKS.md).
    local level=(-Os)
    [ "$profile" = dist ] && level=(-Oz -Oz)
    say "shrinking both modules with wasm-opt ${level[*]} (1-2 minutes)"
    for module in anomaly_lab anomaly_lab_worker; do
      node_modules/.bin/wasm-opt "${level[@]}" --strip-debug --strip-producers \
        --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
        --enable-mutable-globals --enable-reference-types --enable-multivalue --enable-simd \
        "dist/pkg/${module}_bg.wasm" -o "dist/pkg/${module}_bg.wasm"
    done
  fi
  cp index.html dist/
  cp style/*.css dist/style/
  cp public/* dist/
  local raw gz
  for module in anomaly_lab anomaly_lab_worker; do
    raw=$(stat -c %s "dist/pkg/${module}_bg.wasm")
    gz=$(gzip -9 -c "dist/pkg/${module}_bg.wasm" | wc -c)
    echo "dist/pkg/${module}_bg.wasm: $raw bytes, $gz gzipped"
  done
}
