//! The labels' classifier: one fit of the boosted trees to the labelled
//! rows, the largest slice of it a session grows per label (the sort and
//! the first share of the trees: a fifth up to 383 labels, then fewer, see
//! `session::boost_step`), and the scores of 500 candidates, at 100 to
//! 2,048 labels (a fit reads 1,024 at most) of 62 columns (campaign's
//! width).
//!
//! Run: `cargo bench -p anomaly-lab-core --bench boost`
//!
//! The reference in the same run is the active layer's own update for one
//! label plus its re-score of 10,000 rows (the `update` bench's path) at
//! the same number of labels, so the ratio says what a refit costs against
//! a label the page already makes, and the last column what a label costs
//! in all.

// Test and benchmark code: a failed unwrap is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Instant;

use anomaly_lab_core::active::{ActiveConfig, ActiveLayer};
use anomaly_lab_core::boost::{BoostFit, Boosted, TREES};
use anomaly_lab_core::rng::Rng;
use anomaly_lab_core::session::boost_step;

fn median_ms(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let (rows, d) = (10_000usize, 62usize);
    let mut rng = Rng::new(7);
    let x: Vec<f32> = (0..rows * d).map(|_| rng.normal() as f32).collect();
    // The reference: one label's update and re-score of the layer.
    let evidence: Vec<f32> = (0..rows * d).map(|_| rng.uniform() as f32).collect();
    let mut layer = ActiveLayer::new(&evidence, d, &x, d, ActiveConfig::default());
    println!("| labels | columns | labels per fit | whole fit (median ms) | largest slice per label (median ms) | 500 candidates scored (median ms) | one label's layer update at 10k rows (median ms) | slice / update | slice + update |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for n in [100usize, 300, 1024, 2048] {
        // Anomalies where two columns are both high, as a classifier would
        // meet them, plus 5% of the answers flipped.
        let labels: Vec<(usize, bool)> = (0..n)
            .map(|i| {
                let r = (i * 7919) % rows;
                let corner = x[r * d] > 0.5 && x[r * d + 1] > 0.5;
                (r, corner ^ (rng.uniform() < 0.05))
            })
            .collect();
        // The reference: the layer's update for each of the last 10 labels.
        layer.set_labels(&labels[..n - 10]);
        let mut reference = Vec::new();
        for k in n - 9..=n {
            let t = Instant::now();
            layer.set_labels(&labels[..k]);
            black_box(layer.scores());
            reference.push(t.elapsed().as_secs_f64() * 1e3);
        }
        let reference = median_ms(reference);
        // A fit reads the latest `MAX_FIT_ROWS` of them itself.
        let step = boost_step(n);
        let (mut fits, mut slices, mut scores) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..5 {
            let t = Instant::now();
            let model = Boosted::fit(&x, d, &labels).unwrap();
            fits.push(t.elapsed().as_secs_f64() * 1e3);
            // A session's slices: the sort with the first share of the
            // trees, then the same share at each label after.
            let mut largest = 0.0f64;
            let t = Instant::now();
            let mut fit = BoostFit::new(&x, d, &labels).unwrap();
            fit.grow(TREES.div_ceil(step));
            largest = largest.max(t.elapsed().as_secs_f64() * 1e3);
            while !fit.is_done() {
                let t = Instant::now();
                fit.grow(TREES.div_ceil(step));
                largest = largest.max(t.elapsed().as_secs_f64() * 1e3);
            }
            assert_eq!(fit.finish(), model);
            slices.push(largest);
            let t = Instant::now();
            let s: f64 = (0..500).map(|r| model.score(&x, r)).sum();
            black_box(s);
            scores.push(t.elapsed().as_secs_f64() * 1e3);
        }
        let (fit, slice) = (median_ms(fits), median_ms(slices));
        println!(
            "| {n} | {d} | {step} | {fit:.1} | {slice:.1} | {:.2} | {reference:.2} | {:.1}× | {:.1} |",
            median_ms(scores),
            slice / reference,
            slice + reference
        );
    }
}
