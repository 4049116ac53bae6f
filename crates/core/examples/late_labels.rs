//! One label's update late in a session, natively, for a profiler: the
//! high-dimensional sample's shape (clustered, 32 columns) at 10k rows,
//! the forest grown, evidence standing in for the autoencoder's (each
//! standardised value squared, so no detector is trained), `N` labels
//! given one by one from the session's suggestion and the truth, then 20
//! more timed (the session's whole label: fit, re-score, its queue), with
//! the default settings and with every late label taking `steps` Adam
//! steps (`late_steps` = `steps`, the reference), side by side.
//!
//! Run: `cargo run --release -p anomaly-lab-core --no-default-features
//! --example late_labels -- [N] [ROWS]` (N 1000, ROWS 10000).

#![allow(clippy::unwrap_used, clippy::expect_used)]
use anomaly_lab_core::active::ActiveConfig;
use anomaly_lab_core::detector::Scored;
use anomaly_lab_core::forest::Forest;
use anomaly_lab_core::session::Session;
use anomaly_lab_core::synth::{generate, SynthConfig};
use std::time::Instant;

fn main() {
    let mut args = std::env::args()
        .skip(1)
        .map(|a| a.parse::<usize>().unwrap());
    let n = args.next().unwrap_or(1000);
    let rows = args.next().unwrap_or(10_000);
    // The default against every late label taking `steps` Adam steps (the
    // reference, as before `late_steps`), labelled and timed side by side.
    let default = ActiveConfig::default();
    let reference = ActiveConfig {
        late_steps: default.steps,
        ..default.clone()
    };
    let mut runs: Vec<(&str, Session, Vec<bool>, Vec<f64>)> =
        [("default", default), ("late_steps = steps", reference)]
            .into_iter()
            .map(|(name, config)| {
                let (session, truth) = labelled(rows, n, config);
                (name, session, truth, Vec::new())
            })
            .collect();
    for _ in 0..20 {
        for (_, session, truth, ms) in &mut runs {
            let row = session.suggestion().unwrap();
            let t = Instant::now();
            session.label(row, Some(truth[row])).unwrap();
            ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    let mut medians = Vec::new();
    for (name, session, truth, ms) in &mut runs {
        ms.sort_by(f64::total_cmp);
        medians.push(ms[10]);
        let found = session
            .labelled()
            .iter()
            .filter(|&&(row, anomaly)| anomaly && truth[row])
            .count();
        println!(
            "{name}: label after {n}: median {:.2} ms (min {:.2}, max {:.2}); {found} anomalies found",
            ms[10], ms[0], ms[19]
        );
        // The scores' bits, folded: a change that must not move any score
        // prints the same number.
        let bits = session.scores().unwrap().iter().fold(0u64, |h, s| {
            (h ^ u64::from(s.to_bits())).wrapping_mul(0x100_0000_01b3)
        });
        println!("  scores' bits: {bits:016x}");
    }
    println!("ratio default / reference: {:.2}", medians[0] / medians[1]);
}

/// A session on the sample with `n` labels given one by one from its
/// suggestion and the truth.
fn labelled(rows: usize, n: usize, config: ActiveConfig) -> (Session, Vec<bool>) {
    let table = generate(&SynthConfig::clustered(rows, 32, 0.03, 7));
    let truth = table.labels.clone().unwrap();
    let mut session = Session::new(table);
    session.set_active_config(config).unwrap();
    let d = session.cols();
    let x = session.x().to_vec();
    let evidence: Vec<f32> = x.iter().map(|v| v * v).collect();
    let score = evidence.chunks_exact(d).map(|r| r.iter().sum()).collect();
    let key = session.forest_key().unwrap();
    let forest = Forest::fit(&x, d, key.trees, key.sample, key.seed);
    session.set_forest(key, forest).unwrap();
    let scored = Scored {
        rows,
        evidence_dim: d,
        evidence_per_feature: true,
        evidence,
        score,
        latent_dim: 0,
        latent: Vec::new(),
    };
    session.attach(scored).unwrap();
    let t = Instant::now();
    for _ in 0..n {
        let row = session.suggestion().unwrap();
        session.label(row, Some(truth[row])).unwrap();
    }
    println!("{n} labels in {:.1} s", t.elapsed().as_secs_f64());
    (session, truth)
}
