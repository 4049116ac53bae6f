#!/usr/bin/env bash
# Sets up what is missing, builds the page and serves it on
# http://127.0.0.1:8080 (loopback only; the page makes no other request).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
WEB_PROFILE="${WEB_PROFILE:-dist}" build_web
echo
echo "Anomaly Lab: http://127.0.0.1:8080"
exec python3 -m http.server 8080 --bind 127.0.0.1 --directory dist
