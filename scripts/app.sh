#!/usr/bin/env bash
# Sets up what is missing, builds the page and serves it on
# http://127.0.0.1:8080 (loopback only; the page makes no other request).
#
#   ./scripts/app.sh          quick build (cargo profile `web`, no wasm-opt):
#                             the first page in about 12 minutes on a fresh
#                             2-core machine, seconds after that
#   ./scripts/app.sh --dist   the publishing build (fat LTO, wasm-opt -Oz):
#                             about 2.5 MB gzip, about 25 minutes cold
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

profile="${WEB_PROFILE:-web}"
port="${PORT:-8080}"
for arg in "$@"; do
  case "$arg" in
    --dist) profile=dist ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

start=$SECONDS
WEB_PROFILE="$profile" build_web
echo
echo "Anomaly Lab (built in $((SECONDS - start)) s): http://127.0.0.1:$port"
exec python3 scripts/serve.py --port "$port" --dir dist
