//! A bulk label (a lasso selection labelled in one step) at 10k and 100k
//! rows: `B` labels appended to 20 single ones and fitted in one update
//! (`set_labels_joined`), then every row re-scored.
//!
//! Run: `cargo bench -p anomaly-lab-core --bench bulk`
//!
//! The reference in the same run is one single label on the same layer
//! (the update whose latency the page's goals are set for), so the ratio
//! says what a batch of `B` costs against one label.

// Test and benchmark code: a failed unwrap is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Instant;

use anomaly_lab_core::active::{ActiveConfig, ActiveLayer};
use anomaly_lab_core::rng::Rng;

fn median_ms(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let (m, d) = (10usize, 10usize);
    println!(
        "| rows | batch | bulk update + re-score (median ms) | one label (median ms) | ratio |"
    );
    println!("|---|---|---|---|---|");
    for rows in [10_000usize, 100_000] {
        let mut rng = Rng::new(1);
        let evidence: Vec<f32> = (0..rows * m).map(|_| rng.uniform() as f32).collect();
        let features: Vec<f32> = (0..rows * d).map(|_| rng.normal() as f32).collect();
        let mut layer = ActiveLayer::new(&evidence, m, &features, d, ActiveConfig::default());
        let mut order: Vec<usize> = (0..rows).collect();
        rng.shuffle(&mut order);
        let singles: Vec<(usize, bool)> = order[..20].iter().map(|&r| (r, r % 5 == 0)).collect();
        layer.set_labels(&singles);
        let mut one = Vec::new();
        for k in 0..9 {
            let mut labels = singles.clone();
            labels.push((order[20 + k], false));
            let t = Instant::now();
            layer.set_labels(&labels);
            black_box(layer.scores());
            one.push(t.elapsed().as_secs_f64() * 1e3);
            layer.set_labels(&singles);
        }
        let one = median_ms(one);
        for batch in [10usize, 100, 1000, 5000] {
            let mut labels = singles.clone();
            labels.extend(order[20..20 + batch].iter().map(|&r| (r, false)));
            let mut joined = vec![false; 20];
            joined.extend((0..batch).map(|k| k + 1 < batch));
            let mut bulk = Vec::new();
            for _ in 0..5 {
                let t = Instant::now();
                layer.set_labels_joined(&labels, &joined);
                black_box(layer.scores());
                bulk.push(t.elapsed().as_secs_f64() * 1e3);
                layer.set_labels(&singles);
            }
            let b = median_ms(bulk);
            println!("| {rows} | {batch} | {b:.1} | {one:.2} | {:.1}× |", b / one);
        }
    }
}
