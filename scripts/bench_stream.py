#!/usr/bin/env python3
"""The CLI's streaming scorer (`score --session`) on the shared donors.csv:
throughput and peak memory on a 100k-row slice and on all 619k rows, against
a reference run in the same process on the same machine: Python's csv module
reading the same file (parsing every field as a number, no scoring).

usage: scripts/bench_stream.py [--bin PATH] [--data PATH]
(builds the release CLI first; docs/BENCHMARKS.md keeps the figures)
"""
import argparse, csv, os, resource, subprocess, sys, tempfile, time


def run(cmd):
    """Runs cmd in a child of its own; its wall time and peak RSS in MB."""
    probe = (
        "import resource, subprocess, sys, time\n"
        "t = time.time(); r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "w = time.time() - t\n"
        "if r.returncode: sys.exit(r.stderr)\n"
        "print(w, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe] + cmd, capture_output=True, text=True)
    if out.returncode:
        sys.exit(out.stderr)
    wall, mb = out.stdout.split()
    return float(wall), float(mb)


def read_csv(path):
    t = time.time()
    rows = 0
    with open(path, newline="") as f:
        reader = csv.reader(f)
        next(reader)
        for record in reader:
            [float(v) for v in record[1:]]
            rows += 1
    return rows, time.time() - t


def main():
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(target, "release", "anomaly-lab"))
    ap.add_argument("--data", default="../shared/datasets/large/donors.csv")
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "anomaly-lab-cli"], check=True)
    tmp = tempfile.mkdtemp(prefix="bench-stream-")
    lines = open(args.data).read().splitlines(keepends=True)
    rows = len(lines) - 1
    small = os.path.join(tmp, "train-20k.csv")
    slice_ = os.path.join(tmp, "slice-100k.csv")
    open(small, "w").writelines(lines[:20001])
    open(slice_, "w").writelines(lines[:100001])
    session = os.path.join(tmp, "donors.session.json")
    subprocess.run([args.bin, "eval", "--data", small, "--seeds", "0", "--budget", "50",
                    "--save-session", session], check=True, capture_output=True)
    print(f"session: 50 labels on the first 20,000 rows, {os.path.getsize(session) / 1e3:.0f} kB")
    out = os.path.join(tmp, "scores.csv")
    print("| data | rows | streamed | rows/s | peak memory | Python csv read (reference) | ratio |")
    print("|---|---|---|---|---|---|---|")
    for path, n in [(slice_, 100_000), (args.data, rows)]:
        wall, mb = run([args.bin, "score", "--session", session, "--data", path, "--out", out])
        got, ref = read_csv(path)
        assert got == n
        print(f"| {os.path.basename(path)} | {n:,} | {wall:.2f} s | {n / wall:,.0f} | {mb:.1f} MB | "
              f"{ref:.2f} s ({n / ref:,.0f} rows/s) | {ref / wall:.2f}× |")


if __name__ == "__main__":
    main()
