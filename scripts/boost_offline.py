#!/usr/bin/env python3
"""Offline check behind the labels' classifier (docs/BENCHMARKS.md, issue 9,
eleventh session): scikit-learn's HistGradientBoostingClassifier takes over
from the layer's first K questions and asks the rest, refitted every E.

  anomaly-lab eval --data D.csv --seeds 0 --budget 300 --save-session S.session.json
  python3 scripts/boost_offline.py D.csv S.session.json [K=100] [E=10]

Prints found@100/200/300 for the trees against the layer's own questions.
"""
import json
import sys

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier


def main():
    data, session = sys.argv[1], sys.argv[2]
    k = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    every = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    raw = np.genfromtxt(data, delimiter=",", skip_header=1, dtype=str)
    y = (raw[:, 0] == "anomaly").astype(int)
    x = raw[:, 1:].astype(float)
    order = [label["row"] for label in json.load(open(session))["labels"]]
    ours = np.cumsum(y[order])
    asked = list(order[:k])
    mask = np.zeros(len(y), bool)
    mask[asked] = True
    budget = min(300, len(order))
    while len(asked) < budget:
        clf = HistGradientBoostingClassifier(
            max_iter=100, learning_rate=0.1, class_weight="balanced", random_state=0
        )
        clf.fit(x[asked], y[asked])
        p = clf.predict_proba(x)[:, 1]
        p[mask] = -1
        for r in np.argsort(-p)[:every]:
            if len(asked) >= budget:
                break
            asked.append(int(r))
            mask[r] = True
    f = np.cumsum(y[asked])
    at = [i for i in (99, 199, 299) if i < budget]
    print("trees from", k, ":", [int(f[i]) for i in at], " layer:", [int(ours[i]) for i in at])


if __name__ == "__main__":
    main()
