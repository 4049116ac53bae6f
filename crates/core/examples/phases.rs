//! How long each part of the page's way from file to ready takes natively
//! on one file: the parse, the detector's training and scoring, the
//! isolation forest, the active layer's inputs. The page runs the same
//! parts in its workers (`scripts/bench_large.mjs` times the whole).
//!
//! Run: `cargo run --release -p anomaly-lab-core --example phases -- FILE.csv`

#![allow(clippy::unwrap_used, clippy::expect_used)]
use anomaly_lab_core::active::{ActiveConfig, LayerInputs};
use anomaly_lab_core::data::{parse_csv, LoadOptions};
use anomaly_lab_core::detector::{fit_and_score, no_pause, DetectorSpec};
use anomaly_lab_core::forest::Forest;
use anomaly_lab_core::session::Session;
use burn::tensor::Device;
use std::time::Instant;
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let t = Instant::now();
    let bytes = std::fs::read(&path).unwrap();
    let session = Session::new(parse_csv(&bytes, &LoadOptions::default()).unwrap());
    println!("parse {:?}", t.elapsed());
    let spec = DetectorSpec::default();
    let t = Instant::now();
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
    println!("fit+score {:?}", t.elapsed());
    let k = session.forest_key().unwrap();
    let t = Instant::now();
    let f = Forest::fit(session.x(), session.cols(), k.trees, k.sample, k.seed);
    println!("forest {:?}", t.elapsed());
    let t = Instant::now();
    let inputs = LayerInputs::build(
        &scored.evidence,
        scored.evidence_dim,
        session.x(),
        session.cols(),
        &ActiveConfig::default(),
        Some(f.scores()),
    );
    println!("inputs {:?} {}", t.elapsed(), inputs.values.len());
}
