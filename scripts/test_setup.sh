#!/usr/bin/env bash
# Tests the set-up scripts themselves, as a newcomer's machine would run
# them: each case builds a PATH that holds only basic system tools and
# stand-ins for cargo, rustup, npm, apt-get, sudo, python3 and (when the case
# says it is installed) wasm-bindgen. The stand-ins record their arguments
# and do what the real tool would leave behind, so the cases check what gets
# installed, what is skipped, and that a missing tool is installed rather
# than ending the script.
#
#   scripts/test_setup.sh [SETUP_SH]   SETUP_SH defaults to scripts/setup.sh
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
setup_under_test="$(cd "$(dirname "${1:-$repo/scripts/setup.sh}")" && pwd)/$(basename "${1:-setup.sh}")"
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$repo/Cargo.lock")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0

# A tree like the repository's, with the setup script under test.
make_case() {
  case_dir="$work/$1"
  tree="$case_dir/repo" stubs="$case_dir/bin" calls="$case_dir/calls" state="$case_dir/state"
  mkdir -p "$tree/scripts" "$stubs" "$state" "$case_dir/home"
  cp "$repo/Cargo.lock" "$repo/index.html" "$tree/"
  cp -r "$repo/style" "$repo/public" "$tree/"
  cp "$repo/scripts/app.sh" "$repo/scripts/test.sh" "$tree/scripts/"
  cp "$setup_under_test" "$tree/scripts/setup.sh"
  : >"$calls"
  local t
  for t in bash sh awk grep sed cat mkdir rm cp mv stat gzip wc dirname basename tail head \
    env chmod ln touch sleep tee mktemp date tr cut sort id; do
    ln -s "$(command -v "$t")" "$stubs/$t"
  done
  stub rustup <<'EOF'
case "$1 $2" in
  "component list") cat "$STATE/components" 2>/dev/null ;;
  "target list") cat "$STATE/targets" 2>/dev/null ;;
  "component add") echo "$3" >>"$STATE/components" ;;
  "target add") echo "$3" >>"$STATE/targets" ;;
esac
EOF
  stub cargo <<'EOF'
case "$1" in
  install)
    # Like cargo: into $CARGO_HOME/bin, which is not on this PATH.
    v=${4#=}
    mkdir -p "$CARGO_HOME/bin"
    printf '#!/bin/sh\necho "wasm-bindgen $*" >>"$CALLS"\n[ "$1" = --version ] && echo "wasm-bindgen %s" && exit 0\nfor a; do m=$(basename "$a" .wasm); done\nwhile [ $# -gt 1 ]; do [ "$1" = --out-dir ] && mkdir -p "$2" && : >"$2/${m}_bg.wasm"; shift; done\n' "$v" >"$CARGO_HOME/bin/wasm-bindgen"
    chmod +x "$CARGO_HOME/bin/wasm-bindgen" ;;
  build)
    while [ $# -gt 1 ]; do [ "$1" = --profile ] && p=$2; [ "$1" = -p ] && pkg=$2; shift; done
    mkdir -p "$CARGO_TARGET_DIR/wasm32-unknown-unknown/$p"
    echo wasm >"$CARGO_TARGET_DIR/wasm32-unknown-unknown/$p/$(echo "$pkg" | tr - _).wasm" ;;
esac
EOF
  stub npm <<'EOF'
mkdir -p node_modules/.bin node_modules/playwright-core node_modules/axe-core
printf '#!/bin/sh\necho "wasm-opt $*" >>"$CALLS"\n' >node_modules/.bin/wasm-opt
chmod +x node_modules/.bin/wasm-opt
EOF
  stub apt-get <<'EOF'
[ "$1" = install ] || [ "$2" = install ] || exit 0
mkdir -p "$(dirname "$CHROMIUM")"
printf '#!/bin/sh\n' >"$CHROMIUM"; cp "$CHROMIUM" "$CHROMEDRIVER"; chmod +x "$CHROMIUM" "$CHROMEDRIVER"
EOF
  stub python3 <<'EOF'
EOF
  export STATE="$state" STUBS="$stubs" CALLS="$calls" HOME="$case_dir/home"
  export CARGO_HOME="$case_dir/cargo"
  export CHROMIUM="$case_dir/usr/bin/chromium" CHROMEDRIVER="$case_dir/usr/bin/chromedriver"
  export CARGO_TARGET_DIR="$case_dir/target" PATH="$stubs"
}

# A stand-in that records its name and arguments, then runs its body.
stub() {
  rm -f "$stubs/$1" # never write through a link to the real tool
  { printf '#!%s\necho "%s $*" >>"$CALLS"\n' "$(command -v bash)" "$1"; cat; } >"$stubs/$1"
  chmod +x "$stubs/$1"
}

mark_installed() {
  printf 'rustfmt-x86_64-unknown-linux-gnu\nclippy-x86_64-unknown-linux-gnu\n' >"$state/components"
  echo wasm32-unknown-unknown >"$state/targets"
  (cd "$tree" && PATH="$stubs" cargo install wasm-bindgen-cli --version "=$1" && PATH="$stubs" npm ci) >/dev/null
  PATH="$stubs" apt-get install chromium >/dev/null
  : >"$calls"
}

# Runs a snippet in the tree, as the scripts do: strict mode, setup sourced.
run_in_tree() {
  (cd "$tree" && bash -c "set -euo pipefail; source scripts/setup.sh; $1") >"$case_dir/out" 2>&1
}

check() { # name, condition (a command)
  local name=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
    echo "ok - $name"
  else
    failed=$((failed + 1))
    echo "not ok - $name"
    sed 's/^/    out: /' "$case_dir/out" 2>/dev/null | tail -n 15
    sed 's/^/    call: /' "$calls" 2>/dev/null | tail -n 15
  fi
}
called() { grep -qxF -- "$1" "$calls"; }
not_called() { ! grep -q -- "$1" "$calls"; }
said() { grep -qi -- "$1" "$case_dir/out"; }

# 1. Nothing installed: each ensure_* installs its tool and says so.
make_case fresh
run_in_tree 'ensure_rust; ensure_wasm_bindgen; ensure_node_modules; ensure_chromium; echo DONE'
status=$?
check "fresh: every ensure_* step returns" [ "$status" = 0 ]
check "fresh: reaches the end" said DONE
check "fresh: adds rustfmt" called "rustup component add rustfmt"
check "fresh: adds clippy" called "rustup component add clippy"
check "fresh: adds the wasm32 target" called "rustup target add wasm32-unknown-unknown"
check "fresh: installs wasm-bindgen-cli at Cargo.lock's version" called "cargo install wasm-bindgen-cli --version =$want"
check "fresh: installs the npm packages" called "npm ci --no-audit --no-fund"
check "fresh: installs Debian's chromium and driver" grep -q "apt-get install .*chromium chromium-driver" "$calls"
check "fresh: says how long the wasm-bindgen install takes" said "wasm-bindgen-cli.*minutes"
check "fresh: says how long chromium takes" said "chromium.*minutes"

# 2. Run again: everything is there, nothing is installed twice.
: >"$calls"
run_in_tree 'ensure_rust; ensure_wasm_bindgen; ensure_node_modules; ensure_chromium; echo DONE'
check "second run: succeeds" said DONE
check "second run: installs nothing" not_called "component add\|target add\|cargo install\|npm ci\|apt-get"
check "second run: prints nothing" [ "$(grep -vc DONE "$case_dir/out")" = 0 ]

# 3. A different wasm-bindgen on PATH is replaced by the locked version.
make_case wrong_version
mark_installed 0.0.1
run_in_tree 'ensure_wasm_bindgen; wasm-bindgen --version'
check "wrong version: reinstalls at =$want" called "cargo install wasm-bindgen-cli --version =$want"
check "wrong version: says what it replaces" said "replacing 0.0.1"
check "wrong version: the new one answers" said "wasm-bindgen $want"

# 4. README command 1 on a fresh machine: installs, builds, serves.
make_case app_fresh
(cd "$tree" && ./scripts/app.sh) >"$case_dir/out" 2>&1
status=$?
check "app.sh fresh: exits 0 (the stand-in server returns)" [ "$status" = 0 ]
check "app.sh fresh: installs wasm-bindgen-cli" called "cargo install wasm-bindgen-cli --version =$want"
check "app.sh fresh: builds the quick web profile" grep -q "cargo build .*--profile web" "$calls"
check "app.sh fresh: runs wasm-bindgen" grep -q "^wasm-bindgen --target web .*--out-dir dist/pkg" "$calls"
check "app.sh fresh: builds the page" grep -q "cargo build -p anomaly-lab --lib .*--profile web" "$calls"
check "app.sh fresh: builds the CPU worker module" \
  grep -q "cargo build -p anomaly-lab-worker --lib .*--profile web" "$calls"
check "app.sh fresh: builds the WebGPU worker module" \
  grep -q "cargo build -p anomaly-lab-worker --features gpu .*--profile web" "$calls"
check "app.sh fresh: dist holds the three modules" \
  [ -f "$tree/dist/pkg/anomaly_lab_bg.wasm" ] && [ -f "$tree/dist/pkg/anomaly_lab_worker_bg.wasm" ] \
  && [ -f "$tree/dist/pkg/anomaly_lab_worker_gpu_bg.wasm" ]
check "app.sh fresh: needs no wasm-opt for the local run" not_called "wasm-opt"
check "app.sh fresh: serves dist with its security headers" called "python3 scripts/serve.py --port 8080 --dir dist"
check "app.sh fresh: dist holds the page" [ -f "$tree/dist/index.html" ] && [ -d "$tree/dist/pkg" ]
check "app.sh fresh: announces the first build's length" said "first build.*minutes"
check "app.sh fresh: prints the address" said "http://127.0.0.1:8080"
check "app.sh fresh: serves before the WebGPU module is built" \
  [ "$(grep -n 'http://127.0.0.1:8080' "$case_dir/out" | cut -d: -f1)" -lt \
    "$(grep -n 'WebGPU module is ready' "$case_dir/out" | cut -d: -f1)" ]

# 5. The publishing build: dist profile and wasm-opt -Oz.
make_case app_dist
mark_installed "$want"
(cd "$tree" && ./scripts/app.sh --dist) >"$case_dir/out" 2>&1
check "app.sh --dist: builds the dist profile" grep -q "cargo build .*--profile dist" "$calls"
check "app.sh --dist: installs npm packages and runs wasm-opt -Oz" grep -q "^wasm-opt -Oz -Oz" "$calls"
check "app.sh --dist: installs no wasm-bindgen when the right one is there" not_called "cargo install"
check "app.sh --dist: builds all three modules before serving" \
  [ -f "$tree/dist/pkg/anomaly_lab_worker_gpu_bg.wasm" ] && [ -f "$tree/dist/pkg/anomaly_lab_worker_bg.wasm" ]

# 6. No root and no sudo: chromium's step stops with a message, not silently.
make_case no_root
stub id <<'EOF'
echo 1000
EOF
run_in_tree 'ensure_chromium'
status=$?
check "no root, no sudo: fails" [ "$status" != 0 ]
check "no root, no sudo: says why" said "needs root"
stub sudo <<'EOF'
"$@"
EOF
: >"$calls"
run_in_tree 'ensure_chromium; echo DONE'
check "no root, with sudo: installs through sudo" grep -q "^sudo .*apt-get install" "$calls"

# 7. No Rust at all: a message that says what to do.
make_case no_rust
rm "$stubs/rustup" "$stubs/cargo"
run_in_tree 'ensure_rust'
status=$?
check "no rustup: fails" [ "$status" != 0 ]
check "no rustup: says to install Rust" said "rustup not found"

# 8. ONNX Runtime for the ONNX test: a virtual environment with numpy and
# onnxruntime, made once; without python3, a message.
make_case onnx
stub python3 <<'EOF'
# `python3 -m venv DIR`: a venv whose python records its calls and, once
# pip has run, imports numpy and onnxruntime.
if [ "$1 $2" = "-m venv" ]; then
  mkdir -p "$3/bin"
  printf '#!%s\necho "venv-python $*" >>"$CALLS"\ncase "$1" in -c) [ -f "%s/installed" ] ;; -m) : >"%s/installed" ;; esac\n' "$(command -v bash)" "$3" "$3" >"$3/bin/python"
  chmod +x "$3/bin/python"
fi
EOF
run_in_tree 'ensure_onnxruntime; echo "PY=$ANOMALY_LAB_PYTHON"'
check "onnx: makes the venv" grep -q "^python3 -m venv" "$calls"
check "onnx: installs numpy and onnxruntime with its pip" grep -q "^venv-python -m pip install .*numpy onnxruntime==" "$calls"
check "onnx: names the venv's python for the test" said "PY=.*/.cache/anomaly-lab/venv/bin/python"
: >"$calls"
run_in_tree 'ensure_onnxruntime'
check "onnx: a second run installs nothing" not_called "pip install"
make_case no_python
rm "$stubs/python3"
run_in_tree 'ensure_onnxruntime'
status=$?
check "no python3: fails" [ "$status" != 0 ]
check "no python3: says so" said "python3 not found"

echo
echo "test result: $([ "$failed" = 0 ] && echo ok || echo FAILED). $passed passed; $failed failed"
[ "$failed" = 0 ]
