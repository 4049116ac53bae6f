#!/usr/bin/env bash
# Both README commands as a newcomer runs them, with the times: a clean
# clone of this repository (committed work only) beside ../shared, an empty
# CARGO_HOME and target directory, and rustup's proxies alone on PATH (no
# ~/.cargo/bin). Takes about 40 minutes on 2 cores. FRESH_ROOT=… to choose
# where (default /tmp/fresh; it is emptied first).
set -u
root="${FRESH_ROOT:-/tmp/fresh}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
rm -rf "$root" && mkdir -p "$root/proxies" "$root/cargo-home"
git clone -q "$repo" "$root/main"
ln -s "$(cd "$repo/../shared" && pwd)" "$root/shared"
for t in rustup cargo rustc rustdoc cargo-fmt cargo-clippy clippy-driver rustfmt; do
  ln -s "$HOME/.cargo/bin/rustup" "$root/proxies/$t"
done
export CARGO_HOME="$root/cargo-home" CARGO_TARGET_DIR="$root/target" RUSTUP_HOME="$HOME/.rustup"
export PATH="$root/proxies:/usr/local/bin:/usr/bin:/bin"
cd "$root/main"
command -v wasm-bindgen && echo "wasm-bindgen visible: not fresh" && exit 1
start=$SECONDS
PORT=8099 ./scripts/app.sh > "$root/app.log" 2>&1 &
app=$!
until curl -sf http://127.0.0.1:8099/ >/dev/null 2>&1; do
  sleep 5
  if ! kill -0 $app 2>/dev/null; then echo "app.sh died"; tail -20 "$root/app.log"; exit 1; fi
done
echo "first page after $((SECONDS - start)) s"
curl -sI http://127.0.0.1:8099/ | grep -i "content-security-policy\|nosniff"
curl -s -o /dev/null -w "page wasm %{size_download} bytes\n" http://127.0.0.1:8099/pkg/anomaly_lab_bg.wasm
curl -s -o /dev/null -w "CPU worker wasm %{size_download} bytes\n" http://127.0.0.1:8099/pkg/anomaly_lab_worker_bg.wasm
# The WebGPU module builds behind the served page.
until grep -q "WebGPU module is ready\|WebGPU module did not build" "$root/app.log"; do
  sleep 5
  if ! kill -0 $app 2>/dev/null; then echo "app.sh died"; tail -20 "$root/app.log"; exit 1; fi
done
echo "WebGPU module after $((SECONDS - start)) s: $(grep -o "WebGPU module.*" "$root/app.log" | tail -1)"
pkill -f "serve.py --port 8099"; wait $app 2>/dev/null
start=$SECONDS
./scripts/test.sh > "$root/test.log" 2>&1
echo "test.sh exit $? after $((SECONDS - start)) s"
tail -1 "$root/test.log"
