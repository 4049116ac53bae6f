//! How a reload grows with the number of stored labels, at 10k rows, for
//! L = 100 … 1600: a fresh layer replaying the L labels (what a reload
//! without a saved fit does), and a fresh layer taking the fit saved with
//! them (`restore_saved`, what the page does). The time per label says
//! which is linear in L; the last two columns, how long the saved fit is
//! and how long building its text takes. Both
//! must give the same scores.
//!
//! Run: `cargo bench -p anomaly-lab-core --bench replay`

// Benchmark code: a failed unwrap is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Instant;

use anomaly_lab_core::active::{ActiveConfig, ActiveLayer};
use anomaly_lab_core::rng::Rng;

fn main() {
    let (rows, m, d) = (10_000usize, 21usize, 21usize);
    let mut rng = Rng::new(1);
    let evidence: Vec<f32> = (0..rows * m).map(|_| rng.uniform() as f32).collect();
    let features: Vec<f32> = (0..rows * d).map(|_| rng.normal() as f32).collect();
    let mut order: Vec<usize> = (0..rows).collect();
    rng.shuffle(&mut order);
    let labels: Vec<(usize, bool)> = order
        .iter()
        .take(1600)
        .enumerate()
        .map(|(q, &r)| (r, q % 7 == 0))
        .collect();
    println!(
        "| labels | replay (ms) | per label (ms) | from the saved fit (ms) | per label (ms) | saved fit (chars) | writing it (ms) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for n in [100usize, 200, 400, 800, 1600] {
        let mut layer = ActiveLayer::new(&evidence, m, &features, d, ActiveConfig::default());
        let t = Instant::now();
        layer.set_labels(&labels[..n]);
        black_box(layer.scores());
        let ms = t.elapsed().as_secs_f64() * 1e3;
        let t = Instant::now();
        let text = layer.saved_fit().unwrap();
        let save = t.elapsed().as_secs_f64() * 1e3;
        let mut fresh = ActiveLayer::new(&evidence, m, &features, d, ActiveConfig::default());
        let t = Instant::now();
        assert!(fresh.restore_saved(&labels[..n], &text));
        black_box(fresh.scores());
        let saved = t.elapsed().as_secs_f64() * 1e3;
        assert_eq!(
            fresh.scores(),
            layer.scores(),
            "the saved fit gives the replayed scores"
        );
        println!(
            "| {n} | {ms:.0} | {:.2} | {saved:.1} | {:.3} | {} | {save:.1} |",
            ms / n as f64,
            saved / n as f64,
            text.len()
        );
    }
}
