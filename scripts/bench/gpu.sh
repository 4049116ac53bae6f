#!/usr/bin/env bash
# Issue 10, item 6: native training on a real GPU (burn's `wgpu` backend)
# against the CPU (`flex`), the same model and settings, in one run. For a
# machine with a GPU and no network (the device machine some sessions are
# lent): build the CLI here, carry the binary there, and generate the data
# there with the CLI itself.
#
# Here (crates.io reachable; 9 minutes on 2 cores; stripped, 54 MB, under
# the device's 64 MiB carry limit):
#   cargo build --release -p anomaly-lab-cli --features wgpu --target-dir target-gpu
#   strip target-gpu/release/anomaly-lab
# There (run with carry ["target-gpu/release/anomaly-lab"]):
#   scripts/bench/gpu.sh target-gpu/release/anomaly-lab
#
# It prints, as each finishes, the wall seconds of `score` (parse, train,
# score every row) on each backend and their ratio: the clustered sample
# (200k rows × 6) trained on the default seeded 50,000 rows, and the
# high-dimensional one (50k × 32) trained on every row. Each run stops
# after 150 s (a software adapter takes minutes: on this 2-core machine
# and no GPU, wgpu's software adapter took 126 s and 112 s where the CPU
# took 2.4 s and 3.4 s).
# Nothing here is part of the tests.
set -euo pipefail

bin=${1:-target-gpu/release/anomaly-lab}
out=${OUT:-$(mktemp -d)}
[ -x "$bin" ] || { echo "no CLI at $bin (see the top of this script)" >&2; exit 1; }

"$bin" sample --kind clustered --rows 200000 --out "$out/clustered-200k.csv"
"$bin" sample --kind high-dimensional --rows 50000 --out "$out/wide-50k.csv"

seconds() { # the wall seconds of a command, its output kept in $out/last.log
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >"$out/last.log" 2>&1 || { echo "failed: $*" >&2; tail -5 "$out/last.log" >&2; return 1; }
  t1=$(date +%s.%N)
  python3 -c "print(f'{$t1 - $t0:.2f}')"
}

command -v nvidia-smi >/dev/null && nvidia-smi -L || true
printf '| table | trained on | cpu s | wgpu s | cpu / wgpu |\n|---|---|---|---|---|\n'
for run in "clustered-200k.csv 50000" "wide-50k.csv 0"; do
  set -- $run
  data="$out/$1" rows=$2
  cpu=$(seconds timeout 150 "$bin" score --data "$data" --backend cpu --train-rows "$rows" --out "$out/cpu.csv") || cpu=failed
  gpu=$(seconds timeout 150 "$bin" score --data "$data" --backend wgpu --train-rows "$rows" --out "$out/gpu.csv") || gpu=failed
  ratio=$(python3 -c "print(f'{$cpu / $gpu:.2f}')" 2>/dev/null || echo -)
  printf '| %s | %s | %s | %s | %s |\n' "$1" \
    "$([ "$rows" = 0 ] && echo 'every row' || echo "$rows rows")" "$cpu" "$gpu" "$ratio"
done
