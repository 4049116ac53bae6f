//! The evaluation panel's scorecard after a label, at 100k and 1M rows:
//! a radix ranking of every row, ROC-AUC and AP of the prior and of the
//! current scores on the unlabelled rows, the histogram.
//!
//! Run: `cargo bench -p anomaly-lab-core --bench scorecard`
//!
//! The reference in the same run is a comparison sort of the same scores
//! (`sort_by` with `total_cmp`, ties by row: what `metrics::ranking` did
//! before), the one sort the scorecard would otherwise need.

// Test and benchmark code: a failed unwrap is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Instant;

use anomaly_lab_core::detector::Scored;
use anomaly_lab_core::scorecard::{Scorecard, Threshold};
use anomaly_lab_core::session::Session;
use anomaly_lab_core::synth::{generate, SynthConfig};

fn median_ms(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    println!("| rows | scorecard (median ms) | comparison sort alone (median ms) | ratio |");
    println!("|---|---|---|---|");
    for rows in [100_000usize, 1_000_000] {
        let mut s = Session::new(generate(&SynthConfig::clustered(rows, 10, 0.03, 1)));
        let d = s.cols();
        let evidence: Vec<f32> = s.x().iter().map(|v| v * v).collect();
        let score = evidence.chunks_exact(d).map(|e| e.iter().sum()).collect();
        s.attach(Scored::from_parts(rows, d, true, evidence, score, 0, Vec::new()).unwrap())
            .unwrap();
        for r in 0..20 {
            s.label(r * 7, Some(r % 4 == 0)).unwrap();
        }
        let mut card = Vec::new();
        for _ in 0..7 {
            let t = Instant::now();
            black_box(Scorecard::of(&s, Threshold::default()).unwrap());
            card.push(t.elapsed().as_secs_f64() * 1e3);
        }
        let scores = s.scores().unwrap().to_vec();
        let mut sort = Vec::new();
        for _ in 0..7 {
            let t = Instant::now();
            let mut idx: Vec<usize> = (0..rows).collect();
            idx.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
            black_box(idx);
            sort.push(t.elapsed().as_secs_f64() * 1e3);
        }
        let (c, r) = (median_ms(card), median_ms(sort));
        println!("| {rows} | {c:.1} | {r:.1} | {:.2}× |", c / r);
    }
}
