#!/usr/bin/env python3
"""B-ALIF (PyPI `balif` 0.4.0, the stronger peer in ../shared/PEERS.md) run
under our protocol, one line per seed: which of the first queries were
anomalies ('x') or not ('.'), then found@10 / @25 / @50. For comparing its
query sequence with ours (`anomaly-lab eval --json`, the `found` arrays).

usage: pip install balif==0.4.0
       python3 scripts/balif_trace.py DATASET [SEEDS=0,1,2] [QUERIES=50] [--prior]

--prior also prints found@10/25/50 of B-ALIF's and sklearn's Isolation
Forest's rankings before any label. Not part of the tests: it needs PyPI.
"""
import csv, sys

import numpy as np
from balif.iforest import BADIForest


def load(name):
    rows = list(csv.reader(open(f"../shared/datasets/{name}.csv")))[1:]
    y = np.array([r[0] == "anomaly" for r in rows]).astype(int)
    x = np.array([[float(v) for v in r[1:]] for r in rows])
    return x, y


def main():
    args = [a for a in sys.argv[1:] if a != "--prior"]
    name = args[0]
    seeds = [int(s) for s in (args[1] if len(args) > 1 else "0,1,2").split(",")]
    queries = int(args[2]) if len(args) > 2 else 50
    x, y = load(name)
    for seed in seeds:
        model = BADIForest(n_estimators=100, contamination=0.1, random_state=seed).fit(x)
        if "--prior" in sys.argv:
            from sklearn.ensemble import IsolationForest
            top = np.argsort(-model.decision_function(x))
            iso = IsolationForest(n_estimators=100, random_state=seed).fit(x)
            top_if = np.argsort(iso.score_samples(x))  # lowest first: most anomalous
            print(seed, "prior B-ALIF", [int(y[top[:k]].sum()) for k in (10, 25, 50)],
                  "Isolation Forest", [int(y[top_if[:k]].sum()) for k in (10, 25, 50)])
        unasked, hits = np.ones(len(x), bool), []
        for _ in range(queries):
            s = np.where(unasked, model.decision_function(x), -np.inf)
            i = int(s.argmax())
            unasked[i] = False
            hits.append(y[i])
            model.update(x[i:i + 1], y[i:i + 1])
        found = np.cumsum(hits)
        at = [int(found[k - 1]) for k in (10, 25, 50) if k <= queries]
        print(seed, "".join("x" if h else "." for h in hits), at)


if __name__ == "__main__":
    main()
