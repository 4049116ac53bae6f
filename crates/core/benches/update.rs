//! One label update plus a re-score of every row, at 10k and 100k rows.
//!
//! Run: `cargo bench -p anomaly-lab-core --bench update`
//!
//! The reference in the same run is a single pass of plain f32 dot products
//! over a matrix as wide as the layer's input (the detector's evidence, the
//! marginal evidence and the features: `m + 2d` columns), the least work a
//! re-score can do, so the ratio says how much the update costs beyond
//! touching the data once. The update also makes one kernel pass over the
//! `d` features for the new label (the neighbour term).
//!
//! Two more paths are timed after the 60 labels: an undo of the last label
//! (back to the saved fit, one label subtracted from the neighbour sums,
//! a re-score) and a reload (a fresh layer replaying all 60 labels, as a
//! page reload or a retrained detector does).

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
    let (m, d) = (21usize, 21usize);
    println!("| rows | evidence + marginal + features | update + re-score (median ms) | reference pass (median ms) | ratio | undo (median ms) | reload of 60 labels (median ms) |");
    println!("|---|---|---|---|---|---|---|");
    for rows in [10_000usize, 100_000] {
        let mut rng = Rng::new(1);
        let evidence: Vec<f32> = (0..rows * m).map(|_| rng.uniform() as f32).collect();
        let features: Vec<f32> = (0..rows * d).map(|_| rng.normal() as f32).collect();
        let mut layer = ActiveLayer::new(&evidence, m, &features, d, ActiveConfig::default());
        let mut labels = Vec::new();
        let mut update = Vec::new();
        for q in 0..60 {
            // Distinct rows, as the app and the evaluator give them.
            let row = loop {
                let r = rng.index(rows);
                if !labels.iter().any(|&(i, _)| i == r) {
                    break r;
                }
            };
            labels.push((row, q % 7 == 0));
            let t = Instant::now();
            layer.set_labels(&labels);
            black_box(layer.scores());
            update.push(t.elapsed().as_secs_f64() * 1e3);
        }
        let mut undo = Vec::new();
        for _ in 0..20 {
            let t = Instant::now();
            layer.set_labels(&labels[..labels.len() - 1]);
            black_box(layer.scores());
            undo.push(t.elapsed().as_secs_f64() * 1e3);
            layer.set_labels(&labels);
        }
        let mut reload = Vec::new();
        for _ in 0..5 {
            let mut fresh = ActiveLayer::new(&evidence, m, &features, d, ActiveConfig::default());
            let t = Instant::now();
            fresh.set_labels(&labels);
            black_box(fresh.scores());
            reload.push(t.elapsed().as_secs_f64() * 1e3);
            assert_eq!(fresh.scores(), layer.scores(), "a reload replays exactly");
        }
        let width = m + 2 * d;
        let w: Vec<f32> = (0..width).map(|_| rng.uniform() as f32).collect();
        let inputs: Vec<f32> = (0..rows * width).map(|_| rng.uniform() as f32).collect();
        let mut out = vec![0f32; rows];
        let mut reference = Vec::new();
        for _ in 0..60 {
            let t = Instant::now();
            for (o, f) in out.iter_mut().zip(inputs.chunks_exact(width)) {
                *o = f.iter().zip(&w).map(|(a, b)| a * b).sum();
            }
            black_box(&out);
            reference.push(t.elapsed().as_secs_f64() * 1e3);
        }
        let (u, r) = (median_ms(update), median_ms(reference));
        println!(
            "| {rows} | {m} + {d} + {d} | {u:.2} | {r:.2} | {:.1}× | {:.2} | {:.1} |",
            u / r,
            median_ms(undo),
            median_ms(reload)
        );
    }
}
