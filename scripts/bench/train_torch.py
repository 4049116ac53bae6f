#!/usr/bin/env python3
"""Training throughput of Anomaly Lab's default autoencoder in PyTorch on
the CPU: the reference for `cargo bench -p anomaly-lab-core --bench train`
(burn's flex backend) and for the page's worker (scripts/bench_large.mjs).

The same model (d → d/2 → min(d/4, 8) → d/2 → d, tanh after the first and
third layers, biases), loss (mean squared reconstruction error), optimiser
(Adam, lr 0.005, with burn's defaults: betas 0.9 / 0.999, epsilon 1e-5),
batch size 64, 30 epochs with a shuffle each, on a seeded
sample of 50,000 rows of the standardised table. Only the training loop is
timed. PyTorch is not needed by any test; install it apart, e.g.
`python3 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch`.

usage: scripts/bench/train_torch.py [path.csv] [--threads N]
"""

import argparse
import csv
import time

import numpy as np
import torch


def load(path):
    with open(path, newline="") as f:
        rows = csv.reader(f)
        header = next(rows)
        data = [[float(v) for v in r[1:]] for r in rows]
    x = np.asarray(data, dtype=np.float64)
    sd = x.std(axis=0)
    sd[sd < 1e-12] = 1.0
    return ((x - x.mean(axis=0)) / sd).astype(np.float32), header[1:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("path", nargs="?", default="../shared/datasets/large/donors.csv")
    ap.add_argument("--threads", type=int, default=0, help="0: PyTorch's default")
    ap.add_argument("--rows", type=int, default=50_000)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--batch", type=int, default=64)
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    x, names = load(a.path)
    d = x.shape[1]
    hidden, bottleneck = min(max(d // 2, 2), 256), min(max(d // 4, 1), 8)
    rng = np.random.default_rng(0)
    sample = torch.from_numpy(x[rng.choice(len(x), size=min(a.rows, len(x)), replace=False)])
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(d, hidden), torch.nn.Tanh(), torch.nn.Linear(hidden, bottleneck),
        torch.nn.Linear(bottleneck, hidden), torch.nn.Tanh(), torch.nn.Linear(hidden, d),
    )
    # burn's AdamConfig defaults: betas 0.9 / 0.999, epsilon 1e-5.
    opt = torch.optim.Adam(model.parameters(), lr=0.005, betas=(0.9, 0.999), eps=1e-5)
    n = len(sample)
    steps = 0
    t = time.perf_counter()
    for _ in range(a.epochs):
        order = torch.randperm(n)
        for start in range(0, n, a.batch):
            batch = sample[order[start:start + a.batch]]
            opt.zero_grad(set_to_none=True)
            loss = ((model(batch) - batch) ** 2).mean()
            loss.backward()
            opt.step()
            steps += 1
    s = time.perf_counter() - t
    print(f"{a.path}: PyTorch {torch.__version__}, {torch.get_num_threads()} threads, autoencoder "
          f"{d}-{hidden}-{bottleneck}-{hidden}-{d} on {n} rows, batch {a.batch}, {a.epochs} epochs "
          f"({steps} steps): {s:.2f} s, {n * a.epochs / s:.0f} rows·epochs/s, {s * 1e6 / steps:.0f} µs a step, "
          f"last loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
