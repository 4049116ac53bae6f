//! Unsupervised detectors on any burn `Device`, chosen at run time (with
//! the `burn` feature; without it only the settings, results and their
//! wire format, which the page needs).
//!
//! A detector turns each row into an *evidence vector* (what the active
//! layer learns from) and a scalar *score* (higher = more anomalous), and
//! may offer a latent code for the embedding view. The `Detector` trait is
//! the one seam the active layer needs; `score_rows` runs it in chunks and
//! reads the results back asynchronously, as WebGPU requires.

mod config;
mod forward;
mod weights;
pub mod wire;

#[cfg(feature = "burn")]
mod autoencoder;
#[cfg(feature = "burn")]
mod layers;
#[cfg(feature = "burn")]
mod pipeline;
#[cfg(feature = "burn")]
mod svdd;
#[cfg(feature = "burn")]
mod train;

pub use config::{training_rows, TrainConfig, DEFAULT_MAX_TRAIN_ROWS};
pub use forward::Forward;
pub use weights::{
    autoencoder_sizes, expected_shapes, mlp_sizes, DetectorWeights, WeightArray, MAX_WEIGHT_VALUES,
};

#[cfg(feature = "burn")]
pub use autoencoder::{Autoencoder, AutoencoderConfig};
#[cfg(feature = "burn")]
pub use pipeline::{
    fit_and_score, no_pause, read_f32, score_rows, score_with_weights, Detector, DetectorModel,
    DetectorOutput, TrainingRun,
};
#[cfg(feature = "burn")]
pub use svdd::{MlpDetector, MlpDetectorConfig, MlpNet};
#[cfg(feature = "burn")]
pub use train::{StepReport, Trainable, Trainer};

/// The detector's results for every row, read back to the host.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub rows: usize,
    pub evidence_dim: usize,
    /// Evidence column `j` is about feature `j` (see [`Detector`]).
    pub evidence_per_feature: bool,
    /// Row-major `rows × evidence_dim`.
    pub evidence: Vec<f32>,
    pub score: Vec<f32>,
    pub latent_dim: usize,
    /// Row-major `rows × latent_dim` (empty when `latent_dim` is 0).
    pub latent: Vec<f32>,
}

/// Rows per chunk when scoring: keeps every tensor small, so a million rows
/// never needs one giant allocation on the device.
pub const SCORE_CHUNK_ROWS: usize = 16_384;

/// The widest hidden layer the default sizes pick (`d/2` otherwise): the
/// model's cost grows with `d × hidden`, so a table of thousands of columns
/// must not make it grow with `d²`.
pub const MAX_HIDDEN: usize = 256;

/// Which detector to train.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DetectorKind {
    #[default]
    Autoencoder,
    Mlp,
}

impl DetectorKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Autoencoder => "autoencoder",
            Self::Mlp => "mlp",
        }
    }

    /// The Adam learning rate each detector trains best with by default.
    /// The one-class MLP collapses towards its centre the longer and faster
    /// it trains, so it gets a smaller one (docs/BENCHMARKS.md).
    pub fn default_learning_rate(self) -> f64 {
        match self {
            Self::Autoencoder => 0.005,
            Self::Mlp => 0.001,
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "autoencoder" | "ae" => Some(Self::Autoencoder),
            "mlp" | "svdd" | "deep-svdd" => Some(Self::Mlp),
            _ => None,
        }
    }
}

/// Everything needed to train either detector; 0 for a size means "choose
/// from the number of features".
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DetectorSpec {
    pub kind: DetectorKind,
    pub hidden: usize,
    pub bottleneck: usize,
    pub train: TrainConfig,
}

impl Default for DetectorSpec {
    fn default() -> Self {
        Self::for_kind(DetectorKind::Autoencoder)
    }
}

impl DetectorSpec {
    /// The defaults for `kind`, with its own learning rate.
    pub fn for_kind(kind: DetectorKind) -> Self {
        Self {
            kind,
            hidden: 0,
            bottleneck: 0,
            train: TrainConfig {
                learning_rate: kind.default_learning_rate(),
                ..TrainConfig::default()
            },
        }
    }
}

/// Where a training run stands, handed to the pause hook after every step.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Progress {
    /// Epochs done.
    pub epoch: usize,
    pub epochs: usize,
    /// Steps done, and in all.
    pub step: usize,
    pub total: usize,
    /// The mean loss of the epoch that just ended, if one did.
    pub loss: Option<f32>,
}

/// A trained detector's results for every row, and its weights.
#[derive(Debug, Clone)]
pub struct Fitted {
    pub scored: Scored,
    /// The mean loss of the last epoch.
    pub final_loss: f32,
    /// The trained weights (a session file keeps them).
    pub weights: DetectorWeights,
}
