#!/usr/bin/env bash
# Builds the evaluator and runs the active loop on the built-in sample
# (clustered anomalies), then on a shared real dataset when present.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/anomaly-lab/target}"
cargo build --release -p anomaly-lab-cli
bin="$CARGO_TARGET_DIR/release/anomaly-lab"
sample="$(mktemp -d)/clustered_sample.csv"
"$bin" sample --kind clustered --out "$sample"
"$bin" eval --data "$sample" --budget 100
if [ -f ../shared/datasets/ann_thyroid_1v3.csv ]; then
  "$bin" eval --data ../shared/datasets/ann_thyroid_1v3.csv --budget 100
fi
