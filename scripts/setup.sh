# Sourced by the other scripts: installs what is missing, skips what is there.
# Every function is idempotent and quiet when there is nothing to do.

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/anomaly-lab/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

ensure_rust() {
  local installed
  installed=$(rustup component list --installed 2>/dev/null || true)
  for c in rustfmt clippy; do
    grep -q "^$c" <<<"$installed" || rustup component add "$c"
  done
  rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
}

# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
ensure_wasm_bindgen() {
  local want have
  want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
  have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')
  if [ "$have" != "$want" ]; then
    echo "installing wasm-bindgen-cli $want (about 8 minutes, once)"
    cargo install wasm-bindgen-cli --version "$want"
  fi
}

ensure_node_modules() {
  if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/playwright-core ]; then
    npm ci --no-audit --no-fund
  fi
}

ensure_chromium() {
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
  fi
}

# Builds the page into dist/: the wasm module through wasm-bindgen (and
# wasm-opt unless WASM_OPT=0), index.html, style/ and public/. The cargo
# profile is $WEB_PROFILE: `web` (quick, for tests) or `dist` (smallest).
build_web() {
  local profile="${WEB_PROFILE:-web}"
  ensure_rust
  ensure_wasm_bindgen
  ensure_node_modules
  cargo build -p anomaly-lab --lib --target wasm32-unknown-unknown --profile "$profile"
  rm -rf dist
  mkdir -p dist/pkg dist/style
  wasm-bindgen --target web --no-typescript --out-dir dist/pkg \
    "$CARGO_TARGET_DIR/wasm32-unknown-unknown/$profile/anomaly_lab.wasm"
  if [ "${WASM_OPT:-1}" != 0 ]; then
    # dist: two -Oz rounds save another 12 KB gzip for 30 s (docs/BENCHMARKS.md).
    local level=(-Os)
    [ "$profile" = dist ] && level=(-Oz -Oz)
    node_modules/.bin/wasm-opt "${level[@]}" --strip-debug --strip-producers \
      --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
      --enable-mutable-globals --enable-reference-types --enable-multivalue \
      dist/pkg/anomaly_lab_bg.wasm -o dist/pkg/anomaly_lab_bg.wasm
  fi
  cp index.html dist/
  cp style/*.css dist/style/
  cp public/* dist/
  local raw gz
  raw=$(stat -c %s dist/pkg/anomaly_lab_bg.wasm)
  gz=$(gzip -9 -c dist/pkg/anomaly_lab_bg.wasm | wc -c)
  echo "dist/pkg/anomaly_lab_bg.wasm: $raw bytes, $gz gzipped"
}
