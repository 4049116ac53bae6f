//! The detector's training settings and the seeded training sample: plain
//! data, shared by the page (which never links burn) and the worker.

use crate::error::CoreError;

/// Optimisation settings shared by both detectors.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrainConfig {
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub seed: u64,
    /// The detector trains on a seeded sample of at most this many rows
    /// (0: on every row), and scores every row: an epoch then costs the
    /// same on a million rows as on this many.
    pub max_rows: usize,
}

/// Rows the detector trains on by default: every shared dataset but the
/// three large ones trains on all its rows.
pub const DEFAULT_MAX_TRAIN_ROWS: usize = 50_000;

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 30,
            batch_size: 64,
            learning_rate: 0.005,
            seed: 0,
            max_rows: DEFAULT_MAX_TRAIN_ROWS,
        }
    }
}

impl TrainConfig {
    /// Checks the settings once, before any work.
    pub fn validate(&self) -> Result<(), CoreError> {
        if self.epochs == 0 || self.epochs > 100_000 {
            return Err(CoreError::Setting {
                setting: "epochs",
                allowed: "between 1 and 100000",
                got: self.epochs.to_string(),
            });
        }
        if self.batch_size == 0 {
            return Err(CoreError::Setting {
                setting: "the batch size",
                allowed: "at least 1",
                got: "0".into(),
            });
        }
        if !(self.learning_rate.is_finite()
            && self.learning_rate > 0.0
            && self.learning_rate <= 10.0)
        {
            return Err(CoreError::Setting {
                setting: "the learning rate",
                allowed: "in (0, 10]",
                got: self.learning_rate.to_string(),
            });
        }
        Ok(())
    }
}

/// The rows a detector trains on when there are `rows` and at most `max`
/// may be used: `None` for all of them, else `max` rows drawn with `seed`
/// (a partial Fisher–Yates shuffle), in ascending order.
pub fn training_rows(rows: usize, max: usize, seed: u64) -> Option<Vec<usize>> {
    if max == 0 || rows <= max {
        return None;
    }
    let mut rng = crate::rng::Rng::new(seed ^ 0x5A3B_1E00_0000_0001);
    let mut all: Vec<usize> = (0..rows).collect();
    rng.draw_to_front(&mut all, max);
    all.truncate(max);
    all.sort_unstable();
    Some(all)
}
