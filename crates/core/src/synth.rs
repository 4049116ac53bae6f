//! Seeded synthetic datasets: the paper's two settings.
//!
//! Nominal rows come from two Gaussian blobs (unit variance, centres at ±2
//! on the first axis). The anomalies are either
//! - **clustered**: one tight blob (σ = 0.15) off to the side at 4 on the
//!   second axis. Dense and easy to reconstruct, so unsupervised scores rank
//!   them low; a few labels reveal them; or
//! - **low-density**: points spread uniformly over a box that holds the
//!   nominal data, rare everywhere; or
//! - **hidden inside the bulk**: a tight blob (σ = 0.25) at the origin,
//!   between the two nominal blobs. Every value is close to its column's
//!   mean and the blob is dense, so every unsupervised score ranks these
//!   rows *below* the normal ones; only labels can lead to them.

use crate::data::Table;
use crate::rng::Rng;

/// Which synthetic setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SynthKind {
    Clustered,
    LowDensity,
    Hidden,
}

/// Size and seed of a generated dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthConfig {
    pub kind: SynthKind,
    pub rows: usize,
    pub dims: usize,
    pub anomaly_fraction: f64,
    pub seed: u64,
}

impl SynthConfig {
    pub fn clustered(rows: usize, dims: usize, anomaly_fraction: f64, seed: u64) -> Self {
        Self {
            kind: SynthKind::Clustered,
            rows,
            dims,
            anomaly_fraction,
            seed,
        }
    }

    pub fn low_density(rows: usize, dims: usize, anomaly_fraction: f64, seed: u64) -> Self {
        Self {
            kind: SynthKind::LowDensity,
            rows,
            dims,
            anomaly_fraction,
            seed,
        }
    }

    pub fn hidden(rows: usize, dims: usize, anomaly_fraction: f64, seed: u64) -> Self {
        Self {
            kind: SynthKind::Hidden,
            rows,
            dims,
            anomaly_fraction,
            seed,
        }
    }
}

/// The built-in samples the app and the demo start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuiltinSample {
    /// 2000 rows, 6 features, 5% clustered anomalies (the first-open sample).
    Clustered,
    /// 2000 rows, 6 features, 3% low-density anomalies.
    LowDensity,
    /// 3000 rows, 32 features, 3% clustered anomalies.
    HighDimensional,
    /// 300 rows, 4 features, 5% clustered anomalies: a quick demo.
    Tiny,
    /// 2000 rows, 6 features, 3% anomalies hidden inside the bulk.
    Hidden,
}

impl BuiltinSample {
    /// Every sample, the first-open one first: the page's sample list and
    /// the CLI's `sample --kind` both read this.
    pub const ALL: [Self; 5] = [
        Self::Clustered,
        Self::LowDensity,
        Self::Hidden,
        Self::HighDimensional,
        Self::Tiny,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Clustered => "clustered",
            Self::LowDensity => "low-density",
            Self::HighDimensional => "high-dimensional",
            Self::Tiny => "tiny",
            Self::Hidden => "hidden",
        }
    }

    /// A few words for people.
    pub fn title(self) -> &'static str {
        match self {
            Self::Clustered => "clustered anomalies",
            Self::LowDensity => "low-density anomalies",
            Self::HighDimensional => "high-dimensional (32 features)",
            Self::Tiny => "tiny (quick demo)",
            Self::Hidden => "hidden inside the bulk",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == s)
    }

    pub fn config(self) -> SynthConfig {
        match self {
            Self::Clustered => SynthConfig::clustered(2000, 6, 0.05, 7),
            Self::LowDensity => SynthConfig::low_density(2000, 6, 0.03, 7),
            Self::HighDimensional => SynthConfig::clustered(3000, 32, 0.03, 7),
            Self::Tiny => SynthConfig::clustered(300, 4, 0.05, 7),
            Self::Hidden => SynthConfig::hidden(2000, 6, 0.03, 7),
        }
    }
}

/// Generates the table, with ground truth, in a seeded shuffled order.
pub fn generate(cfg: &SynthConfig) -> Table {
    let d = cfg.dims.max(2);
    let rows = cfg.rows.max(2);
    let anomalies = ((rows as f64 * cfg.anomaly_fraction.clamp(0.0, 0.5)).round() as usize).max(1);
    let mut rng = Rng::new(cfg.seed);
    let mut labels: Vec<bool> = (0..rows).map(|i| i < anomalies).collect();
    rng.shuffle(&mut labels);
    let mut values = Vec::with_capacity(rows * d);
    for &anomaly in &labels {
        match (anomaly, cfg.kind) {
            (false, _) => {
                let side = if rng.uniform() < 0.5 { -2.0 } else { 2.0 };
                for j in 0..d {
                    let centre = if j == 0 { side } else { 0.0 };
                    values.push(centre + rng.normal());
                }
            }
            (true, SynthKind::Clustered) => {
                for j in 0..d {
                    let centre = if j == 1 { 4.0 } else { 0.0 };
                    values.push(centre + 0.15 * rng.normal());
                }
            }
            (true, SynthKind::Hidden) => {
                for _ in 0..d {
                    values.push(0.25 * rng.normal());
                }
            }
            (true, SynthKind::LowDensity) => {
                for j in 0..d {
                    let half = if j == 0 { 5.5 } else { 3.5 };
                    values.push(rng.range(-half, half));
                }
            }
        }
    }
    let features = (1..=d).map(|j| format!("x{j}")).collect();
    // Values are finite and fill whole rows by construction.
    Table::from_values(features, values, Some(labels)).unwrap_or_else(|_| unreachable!())
}

/// The table as CSV text with a `label` column first (for downloads and tests).
pub fn to_csv(table: &Table) -> String {
    let mut s = String::from("label");
    for f in &table.features {
        s.push(',');
        s.push_str(f);
    }
    s.push('\n');
    for i in 0..table.rows() {
        let anomaly = table.labels.as_ref().is_some_and(|l| l[i]);
        s.push_str(if anomaly { "anomaly" } else { "nominal" });
        for v in table.row(i) {
            s.push_str(&format!(",{v}"));
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{parse_csv, LoadOptions};

    #[test]
    fn sizes_fraction_and_seed() {
        let t = generate(&SynthConfig::clustered(1000, 5, 0.05, 3));
        assert_eq!(t.rows(), 1000);
        assert_eq!(t.cols(), 5);
        assert_eq!(t.report.anomalies, Some(50));
        assert_eq!(t, generate(&SynthConfig::clustered(1000, 5, 0.05, 3)));
        assert_ne!(t, generate(&SynthConfig::clustered(1000, 5, 0.05, 4)));
    }

    #[test]
    fn clustered_anomalies_are_tight_and_low_density_ones_spread() {
        let spread = |t: &Table| {
            let labels = t.labels.as_ref().unwrap();
            let xs: Vec<f64> = (0..t.rows())
                .filter(|&i| labels[i])
                .map(|i| t.row(i)[2])
                .collect();
            let m = xs.iter().sum::<f64>() / xs.len() as f64;
            (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / xs.len() as f64).sqrt()
        };
        let c = generate(&SynthConfig::clustered(2000, 4, 0.05, 1));
        let l = generate(&SynthConfig::low_density(2000, 4, 0.05, 1));
        assert!(spread(&c) < 0.25, "{}", spread(&c));
        assert!(spread(&l) > 1.5, "{}", spread(&l));
    }

    #[test]
    fn csv_round_trip() {
        let t = generate(&SynthConfig::low_density(50, 3, 0.1, 9));
        let back = parse_csv(to_csv(&t).as_bytes(), &LoadOptions::default()).unwrap();
        assert_eq!(back.labels, t.labels);
        assert_eq!(back.values, t.values);
    }
}
