#!/usr/bin/env python3
"""Runs `anomaly-lab eval --json` on every dataset in a folder and prints a
Markdown table of found@k (mean over seeds) next to AAD's numbers parsed from
PEERS.md, with the sums the issue's targets are stated in.

usage: scripts/found_table.py [--bin PATH] [--datasets DIR] [--peers FILE]
                              [--detector autoencoder|mlp] [--seeds 0,1,2,3,4] [extra eval flags...]
"""
import argparse, json, os, re, subprocess, sys, time

KS = ["10", "25", "50", "100", "300"]

def parse_peers(path):
    """dataset -> {'aad': [5 floats], 'iforest': [...], 'ae': [...], 'balif': [...]}

    The main table has 11 cells per row (method in the 5th); the B-ALIF table
    has 6 (dataset and its five found@k)."""
    out, current = {}, None
    for line in open(path):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[0] in out:
            out[cells[0]]["balif"] = [float(re.match(r"[0-9.]+", c).group(0)) for c in cells[1:6]]
            continue
        if len(cells) < 10 or cells[0] in ("dataset", "---"):
            continue
        if cells[0]:
            current = cells[0]
            out[current] = {}
        method = cells[4]
        vals = [float(re.match(r"[0-9.]+", c).group(0)) for c in cells[5:10]]
        key = "aad" if "AAD" in method else ("iforest" if "Isolation" in method else "ae")
        out[current][key] = vals
    return out

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "release", "anomaly-lab"))
    ap.add_argument("--datasets", default="../shared/datasets")
    ap.add_argument("--peers", default="../shared/PEERS.md")
    ap.add_argument("--detector", default="autoencoder")
    ap.add_argument("--seeds", default="0,1,2,3,4")
    args, extra = ap.parse_known_args()
    peers = parse_peers(args.peers)
    rows, sums, aad_sums, balif_sums = [], [0.0] * 5, [0.0] * 5, [0.0] * 5
    for name in peers:
        path = os.path.join(args.datasets, name + ".csv")
        t0 = time.time()
        res = subprocess.run([args.bin, "eval", "--data", path, "--detector", args.detector,
                              "--seeds", args.seeds, "--json"] + extra,
                             capture_output=True, text=True)
        if res.returncode != 0:
            sys.exit(f"{name}: {res.stderr}")
        j = json.loads(res.stdout)
        ours = [j["found_at"][k] for k in KS]
        base = [j["baseline_found_at"][k] for k in KS]
        aad = peers[name]["aad"]
        auc = sum(r["roc_auc_before"] or 0 for r in j["runs"]) / len(j["runs"])
        layer_auc = sum(r.get("roc_auc_layer_before") or 0 for r in j["runs"]) / len(j["runs"])
        for i in range(5):
            sums[i] += ours[i]; aad_sums[i] += aad[i]
            balif_sums[i] += peers[name].get("balif", [0.0] * 5)[i]
        rows.append((name, ours, base, aad, auc, layer_auc, time.time() - t0))
    print(f"detector: {args.detector}, seeds {args.seeds} {' '.join(extra)}\n")
    print("| dataset | ours found@10/25/50/100/300 | detector alone | AAD | ROC-AUC before labels: detector / layer | wall s |")
    print("|---|---|---|---|---|---|")
    fmt = lambda v: " / ".join(f"{x:.1f}" for x in v)
    for name, ours, base, aad, auc, layer_auc, secs in rows:
        print(f"| {name} | {fmt(ours)} | {fmt(base)} | {fmt(aad)} | {auc:.3f} / {layer_auc:.3f} | {secs:.1f} |")
    mean_auc = sum(r[4] for r in rows) / len(rows)
    mean_layer = sum(r[5] for r in rows) / len(rows)
    print(f"| **sum** | {fmt(sums)} | | {fmt(aad_sums)} | mean {mean_auc:.3f} / {mean_layer:.3f} | |")
    print()
    print("ratio ours/AAD at 10/25/50/100/300: " + " / ".join(f"{a/b:.3f}" for a, b in zip(sums, aad_sums)))
    if any(balif_sums):
        print("ratio ours/B-ALIF at 10/25/50/100/300: " + " / ".join(f"{a/b:.3f}" for a, b in zip(sums, balif_sums)))
    print(f"found@100+found@300: ours {sums[3]+sums[4]:.1f}, AAD {aad_sums[3]+aad_sums[4]:.1f}")
    # Cells behind AAD by more than max(1, 10% of AAD's): the per-dataset target.
    behind = [f"{name} @{k} ({o:.1f} vs {a:.1f})" for name, ours, _, aad, *_ in rows
              for k, o, a in zip(KS, ours, aad) if o < a - max(1.0, 0.1 * a)]
    print(f"cells behind AAD by more than max(1, 10%): {len(behind)} of {len(rows) * len(KS)}"
          + (": " + ", ".join(behind) if behind else ""))

if __name__ == "__main__":
    main()
