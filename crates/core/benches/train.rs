//! Training throughput of the default autoencoder on burn's `flex` CPU
//! backend: rows·epochs per second on the seeded training sample of a real
//! table, the training loop alone (no scoring). The same model, batch
//! size, epochs and sample size as `scripts/bench/train_torch.py` trains in
//! PyTorch, and as the page trains in its worker (`scripts/bench_large.mjs`
//! reports the page's epochs).
//!
//! Run: `cargo bench -p anomaly-lab-core --bench train [-- path.csv]`
//! (default `../shared/datasets/large/donors.csv`; 50,000 rows × 30 epochs).

// Benchmark code: a failed unwrap is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use anomaly_lab_core::data::{parse_csv, LoadOptions};
use anomaly_lab_core::detector::{training_rows, DetectorSpec, TrainingRun};
use anomaly_lab_core::session::Session;
use burn::tensor::Device;

fn main() {
    let path = std::env::args()
        .skip(1)
        .find(|a| a.ends_with(".csv"))
        .unwrap_or_else(|| {
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/datasets/large/donors.csv"
            )
            .into()
        });
    let Ok(bytes) = std::fs::read(&path) else {
        println!("skipped: {path} is missing");
        return;
    };
    let session = Session::new(parse_csv(&bytes, &LoadOptions::default()).unwrap());
    let (x, d) = (session.x(), session.cols());
    let spec = DetectorSpec::default();
    let rows = training_rows(session.rows(), spec.train.max_rows, spec.train.seed)
        .unwrap_or_else(|| (0..session.rows()).collect());
    let sample: Vec<f32> = rows
        .iter()
        .flat_map(|&r| &x[r * d..(r + 1) * d])
        .copied()
        .collect();
    let mut run = TrainingRun::new(&spec, &sample, d, &Device::flex()).unwrap();
    let steps = run.total_steps();
    let t = Instant::now();
    while run.step().is_some() {}
    let s = t.elapsed().as_secs_f64();
    let work = (rows.len() * spec.train.epochs) as f64;
    println!(
        "{path}: autoencoder on {} rows × {d}, batch {}, {} epochs ({steps} steps): {s:.2} s, \
         {:.0} rows·epochs/s, {:.0} µs a step",
        rows.len(),
        spec.train.batch_size,
        spec.train.epochs,
        work / s,
        s * 1e6 / steps as f64
    );
}
