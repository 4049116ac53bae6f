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

# Builds the page into dist/: its three wasm modules through wasm-bindgen
# (and wasm-opt when WASM_OPT=1), index.html, style/ and public/. The
# cargo profile is $WEB_PROFILE: `web` (quick to build: the local run and
# the tests) or `dist` (smallest, slow to build: for publishing). wasm-opt
# runs by default for `dist` only.
build_web() {
  build_web_cpu
  build_web_gpu
}

# The page and the worker's CPU module: all a browser without a hardware
# GPU fetches, and all the page needs to train (on the CPU). dist/ anew.
build_web_cpu() {
  web_settings
  ensure_rust
  start_wasm_bindgen
  [ "$WEB_OPT" = 0 ] || ensure_node_modules
  local hint="seconds when nothing changed"
  [ -d "$WEB_OUT" ] ||
    hint="the first build downloads and compiles about 300 crates: about $([ "$WEB_PROFILE_NOW" = dist ] && echo 12 || echo 8) minutes on 2 cores"
  say "building the page and its workers' CPU module (cargo profile $WEB_PROFILE_NOW; $hint)"
  # Separate cargo runs, not one: built together, cargo would give the
  # page's core the worker's `burn` feature (the page must not link burn),
  # and the CPU module the WebGPU one. Each module is kept apart in
  # modules/, as the worker crate's two builds share one output name.
  web_cargo -p anomaly-lab
  cp "$WEB_OUT/anomaly_lab.wasm" "$WEB_OUT/modules/anomaly_lab.wasm"
  web_cargo -p anomaly-lab-worker
  cp "$WEB_OUT/anomaly_lab_worker.wasm" "$WEB_OUT/modules/anomaly_lab_worker.wasm"
  wait_wasm_bindgen
  rm -rf dist
  mkdir -p dist/pkg dist/style
  web_module anomaly_lab dist/pkg
  web_module anomaly_lab_worker dist/pkg
  cp index.html dist/
  cp style/*.css dist/style/
  cp public/* dist/
}

# The worker's WebGPU module (the `gpu` feature: burn's WebGPU backend
# added), fetched only for runs on WebGPU; after build_web_cpu. It lands
# in dist/pkg whole: its wasm first, then the script that loads it.
build_web_gpu() {
  web_settings
  local hint="seconds when nothing changed"
  [ -f "$WEB_OUT/modules/anomaly_lab_worker_gpu.wasm" ] ||
    hint="the first build compiles burn's WebGPU backend: about 8 minutes on 2 cores"
  say "building the workers' WebGPU module ($hint)"
  web_cargo -p anomaly-lab-worker --features gpu
  cp "$WEB_OUT/anomaly_lab_worker.wasm" "$WEB_OUT/modules/anomaly_lab_worker_gpu.wasm"
  local next=dist/pkg.gpu
  rm -rf "$next"
  mkdir -p "$next"
  web_module anomaly_lab_worker_gpu "$next"
  mv "$next/anomaly_lab_worker_gpu_bg.wasm" dist/pkg/
  mv "$next/anomaly_lab_worker_gpu.js" dist/pkg/
  rm -rf "$next"
}

# The build's settings, from $WEB_PROFILE and $WASM_OPT.
web_settings() {
  WEB_PROFILE_NOW="${WEB_PROFILE:-web}"
  WEB_OPT="${WASM_OPT:-}"
  [ -n "$WEB_OPT" ] || { [ "$WEB_PROFILE_NOW" = dist ] && WEB_OPT=1 || WEB_OPT=0; }
  WEB_OUT="$CARGO_TARGET_DIR/wasm32-unknown-unknown/$WEB_PROFILE_NOW"
}

# cargo build of one of the page's wasm crates ("$@": -p and features).
web_cargo() {
  # dist: panic locations name crates, not this machine's cargo folder
  # (privacy, and 0.8 KB gzip); only dist, so the quick build's cache stays.
  # The variable replaces .cargo/config.toml's flags, so it repeats simd128.
  local flags=()
  [ "$WEB_PROFILE_NOW" = dist ] &&
    flags=("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS=-C target-feature=+simd128 --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}/registry/src/=")
  env "${flags[@]}" cargo build "$@" --lib --target wasm32-unknown-unknown --profile "$WEB_PROFILE_NOW"
  mkdir -p "$WEB_OUT/modules"
}

# wasm-bindgen (and wasm-opt) of modules/$1.wasm into the folder $2, and
# its size.
web_module() {
  local module=$1 out=$2
  wasm-bindgen --target web --no-typescript --out-dir "$out" "$WEB_OUT/modules/$module.wasm"
  if [ "$WEB_OPT" != 0 ]; then
    # dist: two -Oz rounds save another 12 KB gzip for 30 s (docs/BENCHMARKS.md).
    local level=(-Os)
    [ "$WEB_PROFILE_NOW" = dist ] && level=(-Oz -Oz)
    say "shrinking $module with wasm-opt ${level[*]} (1-2 minutes; about 6 for the WebGPU module)"
    node_modules/.bin/wasm-opt "${level[@]}" --strip-debug --strip-producers \
      --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
      --enable-mutable-globals --enable-reference-types --enable-multivalue --enable-simd \
      "$out/${module}_bg.wasm" -o "$out/${module}_bg.wasm"
  fi
  local raw gz
  raw=$(stat -c %s "$out/${module}_bg.wasm")
  gz=$(gzip -9 -c "$out/${module}_bg.wasm" | wc -c)
  echo "${module}_bg.wasm: $raw bytes, $gz gzipped"
}
