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
//!
//! A second table times one label's update past hundreds of labels (10k
//! rows, the first labels given as one bulk label, then ten one by one:
//! their median), with the default cap on the labels a fit reads
//! (`fit_labels` 512) and without it (0), in the same run.
//!
//! A third table times the labels while the search is on (answers 10 to
//! 29, all "normal": the search's window, then its turns): the questions'
//! scores are one more pass over the rows' leaves then, against the same
//! labels with the search off (`explore_vote_scale` 1), in the same run.
//!
//! Each size runs twice: with the second ranking (the default; its scores
//! are one more subtraction per row at each re-score, and the session
//! picks its top row with one more selection, timed as "its top") and
//! without it (`second_share` 0), in the same run.

// Test and benchmark code: a failed unwrap is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Instant;

use anomaly_lab_core::active::{ActiveConfig, ActiveLayer};
use anomaly_lab_core::query::{select, QueryStrategy};
use anomaly_lab_core::rng::Rng;

fn median_ms(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// `rows` rows of `m` uniform evidence columns and `d` normal features.
fn inputs(rng: &mut Rng, rows: usize, m: usize, d: usize) -> (Vec<f32>, Vec<f32>) {
    let evidence = (0..rows * m).map(|_| rng.uniform() as f32).collect();
    let features = (0..rows * d).map(|_| rng.normal() as f32).collect();
    (evidence, features)
}

/// The median ms of one update and re-score, over `labels[..k]` for each
/// `k` in `ks` in turn (`joined`: which of them are one bulk label).
fn median_update(
    layer: &mut ActiveLayer,
    labels: &[(usize, bool)],
    joined: &[bool],
    ks: std::ops::RangeInclusive<usize>,
) -> f64 {
    let update = ks
        .map(|k| {
            let t = Instant::now();
            layer.set_labels_joined(&labels[..k], joined);
            black_box(layer.question_scores());
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    median_ms(update)
}

/// A table row `| key | a | b | a / b |` of two median times.
fn ratio_row(key: usize, [a, b]: [f64; 2]) {
    println!("| {key} | {a:.2} | {b:.2} | {:.2} |", a / b);
}

fn main() {
    let (m, d) = (21usize, 21usize);
    println!("| rows | second ranking | evidence + marginal + features | update + re-score (median ms) | reference pass (median ms) | ratio | its top (median ms) | undo (median ms) | reload of 60 labels (median ms) |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for (rows, second) in [
        (10_000usize, true),
        (10_000, false),
        (100_000, true),
        (100_000, false),
    ] {
        let config = ActiveConfig {
            second_share: if second {
                ActiveConfig::default().second_share
            } else {
                0.0
            },
            ..ActiveConfig::default()
        };
        let mut rng = Rng::new(1);
        let (evidence, features) = inputs(&mut rng, rows, m, d);
        let mut layer = ActiveLayer::new(&evidence, m, &features, d, config.clone());
        let mut top = Vec::new();
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
            if let Some(t2) = layer.second_scores() {
                let mut mask = vec![false; rows];
                labels.iter().for_each(|&(i, _)| mask[i] = true);
                let t = Instant::now();
                black_box(select(t2, &mask, QueryStrategy::TopK(1)));
                top.push(t.elapsed().as_secs_f64() * 1e3);
            }
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
            let mut fresh = ActiveLayer::new(&evidence, m, &features, d, config.clone());
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
        let (on, top) = match second {
            true => ("on", format!("{:.2}", median_ms(top))),
            false => ("off", "–".to_string()),
        };
        println!(
            "| {rows} | {on} | {m} + {d} + {d} | {u:.2} | {r:.2} | {:.1}× | {top} | {:.2} | {:.1} |",
            u / r,
            median_ms(undo),
            median_ms(reload)
        );
    }
    many_labels(m, d);
    searching(m, d);
}

/// Answers 10 to 29, all "normal" (the search's window and turns), with
/// the search on and off: the cost of the questions' own scores.
fn searching(m: usize, d: usize) {
    println!();
    println!(
        "| rows | labels 11 to 30, search on (median ms) | search off (median ms) | on / off |"
    );
    println!("|---|---|---|---|");
    for rows in [10_000usize, 100_000] {
        let mut rng = Rng::new(3);
        let (evidence, features) = inputs(&mut rng, rows, m, d);
        let mut order: Vec<usize> = (0..rows).collect();
        rng.draw_to_front(&mut order, 30);
        let labels: Vec<(usize, bool)> = order[..30].iter().map(|&i| (i, false)).collect();
        let mut times = [0.0; 2];
        for (slot, scale) in [(0, ActiveConfig::default().explore_vote_scale), (1, 1.0)] {
            let config = ActiveConfig {
                explore_vote_scale: scale,
                ..ActiveConfig::default()
            };
            let mut layer = ActiveLayer::new(&evidence, m, &features, d, config);
            layer.set_labels(&labels[..10]);
            times[slot] = median_update(&mut layer, &labels, &[], 11..=30);
        }
        ratio_row(rows, times);
    }
}

/// One label's update and re-score of 10k rows after `n` labels, with and
/// without the cap on the labels one fit reads.
fn many_labels(m: usize, d: usize) {
    let rows = 10_000;
    println!();
    println!("| labels | update, fit reads at most 512 (median ms) | update, fit reads all (median ms) | capped / all |");
    println!("|---|---|---|---|");
    let mut rng = Rng::new(2);
    let (evidence, features) = inputs(&mut rng, rows, m, d);
    // Distinct rows, one in seven an anomaly.
    let mut order: Vec<usize> = (0..rows).collect();
    rng.draw_to_front(&mut order, 2_048 + 10);
    let labels: Vec<(usize, bool)> = order[..2_048 + 10]
        .iter()
        .enumerate()
        .map(|(k, &i)| (i, k % 7 == 0))
        .collect();
    for n in [256usize, 512, 1_024, 2_048] {
        let mut times = [0.0; 2];
        for (slot, cap) in [(0, ActiveConfig::default().fit_labels), (1, 0)] {
            let config = ActiveConfig {
                fit_labels: cap,
                ..ActiveConfig::default()
            };
            let mut layer = ActiveLayer::new(&evidence, m, &features, d, config);
            // The first `n` as one bulk label.
            let joined = vec![true; n - 1];
            layer.set_labels_joined(&labels[..n], &joined);
            times[slot] = median_update(&mut layer, &labels, &joined, n + 1..=n + 10);
        }
        ratio_row(n, times);
    }
}
