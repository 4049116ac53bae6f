#!/usr/bin/env python3
"""Scores a CSV with an Anomaly Lab ONNX model in ONNX Runtime, encoding each
record by the session file's schema (the same rules the page and the CLI
use: docs/SESSION.md, "The scoring model"), and optionally compares the
scores with the CLI's (`anomaly-lab score --session`).

usage: scripts/onnx_score.py MODEL.onnx SESSION.json DATA.csv [--out scores.csv]
                             [--compare cli-scores.csv --tolerance 1e-4]

Needs numpy and onnxruntime (scripts/test.sh installs both in a virtual
environment under ~/.cache/anomaly-lab/venv).
"""
import argparse, csv, json, sys

import numpy as np
import onnxruntime as ort

MISSING = {"", "na", "nan", "?", "null"}


def clean(cell):
    return cell.strip()


def is_missing(cell):
    return clean(cell).lower() in MISSING


def read_number(cell, rule):
    """A cell in the column's format: plain, or with thousands separators,
    currency and percent signs, or a decimal comma."""
    t = clean(cell)
    if rule["plain"]:
        return float(t)
    for sign in "$€£¥₹₩₽₺%":
        t = t.replace(sign, "")
    if rule["group"]:
        t = t.replace(rule["group"], "")
    if rule["decimal"] == ",":
        t = t.replace(",", ".")
    return float(t)


def encode(schema, cells):
    """One record's features, as the schema's rules give them."""
    row = np.zeros(schema["features"], dtype=np.float64)
    for cell, rule in zip(cells, schema["columns"]):
        kind = rule["rule"]
        if kind == "number":
            row[rule["feature"]] = rule["missing"] if is_missing(cell) else read_number(cell, rule)
        elif kind == "one_hot":
            value = rule["mode"] if is_missing(cell) else clean(cell)
            kept = dict(rule["values"])
            column = kept[value] if value in kept else rule["other"]
            if column is not None:
                row[rule["first"] + column] = 1.0
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("session")
    ap.add_argument("data")
    ap.add_argument("--out")
    ap.add_argument("--compare")
    ap.add_argument("--tolerance", type=float, default=1e-4)
    args = ap.parse_args()
    schema = json.load(open(args.session))["scoring"]["schema"]
    with open(args.data, newline="", encoding="utf-8-sig") as f:
        records = list(csv.reader(f, delimiter=schema["delimiter"]))
    if schema["has_header"]:
        records = records[1:]
    x = np.stack([encode(schema, r) for r in records])  # float64, as the CSV's values
    session = ort.InferenceSession(args.model, providers=["CPUExecutionProvider"])
    scores = session.run(["score"], {"features": x})[0][:, 0]
    if args.out:
        with open(args.out, "w") as f:
            f.write("row,score\n")
            for i, s in enumerate(scores, 1):
                f.write(f"{i},{s}\n")
    print(f"{len(scores)} rows scored by ONNX Runtime {ort.__version__}")
    if args.compare:
        with open(args.compare) as f:
            theirs = np.array([float(l.split(",")[1]) for l in f.read().strip().split("\n")[1:]])
        worst = float(np.max(np.abs(scores - theirs)))
        flagged = int(np.sum((scores > 0) != (theirs > 0)))
        print(f"largest difference from {args.compare}: {worst:.3g} "
              f"(tolerance {args.tolerance}); rows flagged differently: {flagged}")
        if not worst <= args.tolerance:
            sys.exit(1)


if __name__ == "__main__":
    main()
