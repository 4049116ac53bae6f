#!/usr/bin/env python3
"""Compares two active-layer configurations seed by seed.

For each seed, sums found@k over every dataset listed in PEERS.md, once
with the default settings plus `--new` flags and once with `--base` flags,
then prints the mean paired difference and its standard error at each k.
A difference in the 5-seed means that is small against its standard error
is seed noise, not a finding.

    cargo build --release -p anomaly-lab-cli
    python3 scripts/paired_seeds.py --base "--anomaly-votes-after 0"
"""
import argparse, json, os, shlex, statistics, subprocess, sys

from found_table import parse_peers

KS = [10, 25, 50, 100, 300]


def per_seed_sums(binary, folder, names, seeds, flags):
    sums = {}
    for name in names:
        cmd = [binary, "eval", "--data", os.path.join(folder, name + ".csv"),
               "--seeds", seeds, "--json"] + flags
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            sys.exit(f"{name}: {res.stderr}")
        for run in json.loads(res.stdout)["runs"]:
            found = run["found"]
            row = sums.setdefault(run["seed"], [0] * len(KS))
            for i, k in enumerate(KS):
                row[i] += found[min(k, len(found)) - 1] if found else 0
    return sums


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(
        os.environ.get("CARGO_TARGET_DIR", "target"), "release", "anomaly-lab"))
    ap.add_argument("--datasets", default="../shared/datasets")
    ap.add_argument("--peers", default="../shared/PEERS.md")
    ap.add_argument("--seeds", default="0,1,2,3,4")
    ap.add_argument("--new", default="", help="eval flags of the configuration tried")
    ap.add_argument("--base", default="", help="eval flags of the one compared with")
    args = ap.parse_args()
    names = list(parse_peers(args.peers))
    new = per_seed_sums(args.bin, args.datasets, names, args.seeds, shlex.split(args.new))
    base = per_seed_sums(args.bin, args.datasets, names, args.seeds, shlex.split(args.base))
    seeds = sorted(new)
    print(f"{len(names)} datasets, seeds {args.seeds}; new: '{args.new}', base: '{args.base}'")
    for i, k in enumerate(KS):
        a = [new[s][i] for s in seeds]
        b = [base[s][i] for s in seeds]
        d = [x - y for x, y in zip(a, b)]
        se = statistics.stdev(d) / len(d) ** 0.5 if len(d) > 1 else float("nan")
        print(f"@{k}: new {a} (mean {statistics.mean(a):.1f}), base {b} "
              f"(mean {statistics.mean(b):.1f}), difference {statistics.mean(d):+.1f} ± {se:.1f}")


if __name__ == "__main__":
    main()
