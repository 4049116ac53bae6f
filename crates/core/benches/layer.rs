//! Building the active layer over a large table: the isolation forest's
//! leaves for every row, the tails of the evidence, the inputs and the
//! prior. The page does this once after every training run, in one task.
//!
//! Run: `cargo bench -p anomaly-lab-core --bench layer` (reads
//! `../shared/datasets/large/cover.csv`, 286,048 rows × 10).

// Benchmark code: a failed unwrap is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use anomaly_lab_core::active::{ActiveConfig, ActiveLayer};
use anomaly_lab_core::data::{parse_csv, LoadOptions};
use anomaly_lab_core::detector::{fit_and_score, no_pause, DetectorSpec};
use anomaly_lab_core::session::Session;
use burn::tensor::Device;

fn main() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/datasets/large/cover.csv"
    );
    let Ok(bytes) = std::fs::read(path) else {
        println!("skipped: {path} is missing");
        return;
    };
    let session = Session::new(parse_csv(&bytes, &LoadOptions::default()).unwrap());
    let mut spec = DetectorSpec::default();
    spec.train.epochs = 1;
    let scored = pollster::block_on(fit_and_score(
        &spec,
        session.x(),
        session.cols(),
        &Device::flex(),
        no_pause,
    ))
    .unwrap()
    .unwrap()
    .scored;
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let layer = ActiveLayer::new(
            &scored.evidence,
            scored.evidence_dim,
            session.x(),
            session.cols(),
            ActiveConfig::default(),
        );
        times.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(layer.rows(), session.rows());
    }
    times.sort_by(f64::total_cmp);
    println!(
        "building the layer over {} rows: median {:.0} ms (min {:.0}, max {:.0})",
        session.rows(),
        times[2],
        times[0],
        times[4]
    );
}
