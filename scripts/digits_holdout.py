#!/usr/bin/env python3
"""A held-out check for "one kind of row hidden among the others".

Writes ten CSVs from scikit-learn's bundled 8x8 digits (no download): in
digitC.csv the rows of every other digit are nominal and 50 seeded rows of
digit C are the anomalies (about 1,670 rows, 64 columns). Then runs
`anomaly-lab eval` on each (seeds 0-4, 100 queries) with the flags given
and prints found@10/25/50/100 per file and the sums.

    python3 scripts/digits_holdout.py OUT_DIR [eval flags...]

Needs scikit-learn and numpy (pip install scikit-learn). The binary is
$CARGO_TARGET_DIR/release/anomaly-lab (cargo build --release -p anomaly-lab-cli).
"""
import json
import os
import subprocess
import sys

import numpy as np
from sklearn.datasets import load_digits

out, flags = sys.argv[1], sys.argv[2:]
os.makedirs(out, exist_ok=True)
binary = os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "release", "anomaly-lab")
x, y = load_digits(return_X_y=True)
rng = np.random.default_rng(7)
sums = [0.0] * 4
for c in range(10):
    normal, anomalies = np.where(y != c)[0], np.where(y == c)[0]
    rows = np.concatenate([normal, rng.choice(anomalies, 50, replace=False)])
    rng.shuffle(rows)
    path = os.path.join(out, f"digit{c}.csv")
    with open(path, "w") as f:
        f.write("label," + ",".join(f"p{i}" for i in range(64)) + "\n")
        for i in rows:
            label = "anomaly" if y[i] == c else "nominal"
            f.write(label + "," + ",".join(str(int(v)) for v in x[i]) + "\n")
    run = subprocess.run(
        [binary, "eval", "--data", path, "--seeds", "0,1,2,3,4", "--budget", "100", "--json"]
        + flags,
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(run.stdout)["found_at"]
    row = [found[k] for k in ("10", "25", "50", "100")]
    sums = [s + v for s, v in zip(sums, row)]
    print(f"digit{c}", " / ".join(f"{v:.1f}" for v in row))
print("sum", " / ".join(f"{v:.1f}" for v in sums))
