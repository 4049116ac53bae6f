#!/usr/bin/env bash
# Sets up what is missing, builds the page and serves it on
# http://127.0.0.1:8080 (loopback only; the page makes no other request).
#
#   ./scripts/app.sh          quick build (cargo profile `web`, no wasm-opt):
#                             the page is served once it and its CPU module
#                             are built (about 10 minutes on a fresh 2-core
#                             machine, seconds after that); the WebGPU module
#                             builds behind it (about 8 minutes more)
#   ./scripts/app.sh --dist   the publishing build (fat LTO, wasm-opt -Oz),
#                             all three modules before serving: about 30
#                             minutes cold
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

profile="${WEB_PROFILE:-web}"
port="${PORT:-8080}"
for arg in "$@"; do
  case "$arg" in
    --dist) profile=dist ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

start=$SECONDS
serve=(python3 scripts/serve.py --port "$port" --dir dist)
if [ "$profile" = dist ]; then
  WEB_PROFILE=dist build_web
  echo
  echo "Anomaly Lab (built in $((SECONDS - start)) s): http://127.0.0.1:$port"
  exec "${serve[@]}"
fi

WEB_PROFILE=web build_web_cpu
echo
echo "Anomaly Lab (built in $((SECONDS - start)) s): http://127.0.0.1:$port"
# The page trains on the CPU meanwhile: a browser with a hardware GPU
# ("auto") or WebGPU chosen gets the CPU until the module is there, with a
# message that says why.
log="$CARGO_TARGET_DIR/webgpu-module.log"
say "the WebGPU module builds behind the running page (its log: $log)"
(
  if WEB_PROFILE=web build_web_gpu >"$log" 2>&1; then
    say "the WebGPU module is ready ($((SECONDS - start)) s)"
  else
    say "the WebGPU module did not build (see $log); the page trains on the CPU"
  fi
) &
builder=$!
trap 'kill "$builder" 2>/dev/null || true' EXIT
"${serve[@]}" &
server=$!
wait "$builder" || true
wait "$server"
