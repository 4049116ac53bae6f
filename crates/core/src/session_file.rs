//! The session file: one JSON document that holds a labelling session
//! (docs/SESSION.md describes every field):
//!
//! - the dataset's stamp: name, shape, column names and the fingerprint of
//!   every raw value (the key local storage uses);
//! - the detector's settings and trained weights (f32 arrays, exact bits in
//!   base64), so opening the file over the same data scores it again with
//!   no training;
//! - the active layer's settings and its fit to the labels (`fit3`, exact
//!   bits), so the labels come back with no replay;
//! - the labels in the order given (the query log): row, answer, the
//!   action it was given in, its time, and the row's values (to tell which
//!   labels still fit another version of the data);
//! - the view, as the page's own key/value pairs;
//! - from version 2, the scoring model ([`crate::scoring`]): what scores a
//!   record of another file with the same columns, for the CLI's
//!   streaming scorer. Version 1 files are read (they have none).
//!
//! Reading is defensive: the size is checked before parsing, the format and
//! version before the rest, every count and shape before anything is built
//! from it; a file that fails a check is refused with what is wrong, never
//! a panic.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::active::ActiveConfig;
use crate::data::shown;
use crate::detector::{DetectorSpec, DetectorWeights};
use crate::error::CoreError;
use crate::scoring::{ScoringModel, ScoringState};
use crate::session::{Asked, Session};

/// The `format` field's value.
pub const FORMAT: &str = "anomaly-lab-session";

/// The version this build writes, and the newest it reads.
pub const VERSION: u32 = 2;

/// The largest file read: a session of the widest table the page takes,
/// with its labels and fit, is a few megabytes.
pub const MAX_BYTES: usize = 64 << 20;

/// The most entries the view may have, and the longest key or value.
const MAX_VIEW_ENTRIES: usize = 64;
const MAX_VIEW_TEXT: usize = 256;

/// Refuses a file of `bytes` bytes past [`MAX_BYTES`]; callers that read
/// the file check its size with this before reading it.
pub fn check_size(bytes: u64) -> Result<(), CoreError> {
    if bytes > MAX_BYTES as u64 {
        return Err(CoreError::SessionFile(format!(
            "it is {:.1} MB, more than a session file can be ({} MB)",
            bytes as f64 / 1e6,
            MAX_BYTES >> 20
        )));
    }
    Ok(())
}

/// A whole session, as the file holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionFile {
    /// Always [`FORMAT`].
    pub format: String,
    pub version: u32,
    /// When it was written, in milliseconds since the Unix epoch.
    pub saved_at_ms: u64,
    pub dataset: DatasetStamp,
    pub detector: DetectorState,
    pub layer: LayerState,
    /// In the order given.
    pub labels: Vec<LabelRecord>,
    /// The page's view (colouring, zoom, threshold, …) as it names it.
    pub view: BTreeMap<String, String>,
    /// What scores a record of another file (version 2; none in version
    /// 1, or when the data was not read from a file).
    #[serde(default)]
    pub scoring: Option<ScoringState>,
}

/// What the session's data was.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetStamp {
    pub name: String,
    pub rows: usize,
    pub cols: usize,
    /// The feature columns' names, in order.
    pub features: Vec<String>,
    /// FNV-1a of every raw value in order, 16 hex digits
    /// ([`crate::data::fingerprint`]).
    pub fingerprint: String,
}

/// The trained detector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectorState {
    pub spec: DetectorSpec,
    /// The backend it was trained on ("WebGPU" or "CPU"): scores are
    /// bit-for-bit on that backend (docs/SESSION.md).
    pub backend: String,
    /// The last epoch's mean loss.
    pub final_loss: f32,
    pub weights: DetectorWeights,
}

/// The active layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerState {
    pub settings: ActiveConfig,
    /// Its fit to the labels (`fit3` text), when there are labels.
    pub fit: Option<String>,
}

/// One label of the query log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelRecord {
    pub row: usize,
    /// `true`: anomaly.
    pub anomaly: bool,
    /// Labels given in one action (a bulk label) share it; numbered from 0
    /// in the order given.
    pub batch: u64,
    /// Milliseconds since the Unix epoch; 0 when not known.
    pub time_ms: u64,
    /// Which rankings had the row as their next question ([`Asked::bits`]:
    /// 1 the layer's own, 2 the second); 0, or absent in an older file:
    /// neither.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub asked: u8,
    /// The row's values as loaded, one per feature column.
    pub values: Vec<f64>,
}

/// How a session file fits the data that is open.
#[derive(Debug, Clone, PartialEq)]
pub enum Fit {
    /// The same data: the session can be restored exactly.
    Same,
    /// Other data: `why`, in words, and the labels (indices into
    /// `SessionFile::labels`) whose row exists here with the same values.
    Other { why: String, matching: Vec<usize> },
}

/// The detector a session file is made with: its settings, weights and
/// where it was trained.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainedDetector {
    pub spec: DetectorSpec,
    pub weights: DetectorWeights,
    pub final_loss: f32,
    pub backend: String,
}

impl SessionFile {
    /// The file for `session` (scored, over the data called `name`) with
    /// its detector and the page's `view`, stamped `now_ms`.
    pub fn of(
        session: &Session,
        name: &str,
        detector: &TrainedDetector,
        view: BTreeMap<String, String>,
        now_ms: u64,
    ) -> Result<Self, CoreError> {
        if !session.is_scored() {
            return Err(CoreError::NotTrained);
        }
        let cols = session.cols();
        detector.weights.check(&detector.spec, cols)?;
        let mut batches = BTreeMap::new();
        let labels = session
            .history()
            .iter()
            .map(|e| {
                let next = batches.len() as u64;
                LabelRecord {
                    row: e.row,
                    anomaly: e.anomaly,
                    batch: *batches.entry(e.batch).or_insert(next),
                    time_ms: e.time_ms,
                    asked: e.asked.bits(),
                    values: (0..cols).map(|j| session.value(e.row, j)).collect(),
                }
            })
            .collect::<Vec<_>>();
        Ok(Self {
            format: FORMAT.into(),
            version: VERSION,
            saved_at_ms: now_ms,
            dataset: DatasetStamp {
                name: name.into(),
                rows: session.rows(),
                cols,
                features: session.table().features.clone(),
                fingerprint: format!("{:016x}", session.fingerprint()),
            },
            detector: DetectorState {
                spec: detector.spec.clone(),
                backend: detector.backend.clone(),
                final_loss: detector.final_loss,
                weights: detector.weights.clone(),
            },
            layer: LayerState {
                settings: session.active_config().clone(),
                fit: if labels.is_empty() {
                    None
                } else {
                    session.saved_fit()
                },
            },
            labels,
            view,
            // A session without one (a built-in sample's) still saves.
            scoring: ScoringModel::of(session, &detector.spec, &detector.weights)
                .ok()
                .map(ScoringModel::into_state),
        })
    }

    /// The scoring model, checked against the file's detector and data.
    /// An error says why there is none or what does not fit.
    pub fn scoring_model(&self) -> Result<ScoringModel, CoreError> {
        let Some(state) = &self.scoring else {
            return Err(CoreError::SessionFile(format!(
                "it has no scoring model: {}",
                if self.version < 2 {
                    "it was saved by an Anomaly Lab before version 2 of the format; open it in \
                     the page and save it again"
                        .to_string()
                } else {
                    format!(
                        "its data ('{}') was not read from a file",
                        shown(&self.dataset.name)
                    )
                }
            )));
        };
        let d = &self.detector;
        let model = ScoringModel::from_state(state, &d.spec, &d.weights)?;
        if model.schema.features != self.dataset.cols {
            return Err(CoreError::SessionFile(format!(
                "its scoring model reads {} features; its data has {}",
                model.schema.features, self.dataset.cols
            )));
        }
        Ok(model)
    }

    /// As JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a session file, checking it whole: its size, its format and
    /// version, then every field. An older version would be converted here
    /// (there is none yet); a newer one is refused with its number.
    pub fn from_json(text: &str) -> Result<Self, CoreError> {
        let bad = |why: String| Err(CoreError::SessionFile(why));
        check_size(text.len() as u64)?;
        #[derive(Deserialize)]
        struct Head {
            format: Option<serde_json::Value>,
            version: Option<serde_json::Value>,
        }
        let head: Head = match serde_json::from_str(text) {
            Ok(h) => h,
            Err(e) => return bad(format!("it is not a JSON object ({e})")),
        };
        if head.format.as_ref().and_then(|f| f.as_str()) != Some(FORMAT) {
            return bad(format!(
                "it is not an Anomaly Lab session (its \"format\" is not \"{FORMAT}\")"
            ));
        }
        match head.version.as_ref().and_then(|v| v.as_u64()) {
            Some(v) if v > u64::from(VERSION) => {
                return bad(format!(
                    "it was written by a newer Anomaly Lab (format version {v}; this one reads \
                     up to {VERSION})"
                ))
            }
            Some(v) if v >= 1 => {}
            _ => return bad("its \"version\" is not a known format version".into()),
        }
        let file: Self = match serde_json::from_str(text) {
            Ok(f) => f,
            Err(e) => return bad(format!("{e}")),
        };
        file.check()?;
        Ok(file)
    }

    /// Every count and shape, before anything is built from them.
    fn check(&self) -> Result<(), CoreError> {
        let bad = |why: String| Err(CoreError::SessionFile(why));
        let d = &self.dataset;
        if d.cols == 0 || d.features.len() != d.cols {
            return bad(format!(
                "its dataset has {} columns but {} column names",
                d.cols,
                d.features.len()
            ));
        }
        if d.fingerprint.len() != 16 || u64::from_str_radix(&d.fingerprint, 16).is_err() {
            return bad("its dataset fingerprint is not 16 hex digits".into());
        }
        self.detector.spec.train.validate()?;
        let l = &self.layer.settings;
        let numbers = [
            l.prior,
            l.learning_rate,
            l.init_quantile,
            l.neighbour_weight,
            l.neighbour_width,
            l.forest_share,
            l.region_learning_rate,
            l.region_prior,
            l.rank_weight,
            l.rank_tau,
            l.vote_weight,
            l.vote_prior,
            l.anomaly_vote_scale,
            l.explore_vote_scale,
            l.block_rate,
            l.lookalike_min,
            l.lookalike_tie,
        ];
        if l.forest_trees > 1_000
            || l.forest_sample > crate::forest::MAX_LEAVES
            || l.steps > 10_000
            || l.late_steps > 10_000
            || l.region_scales > 64
            || l.tail_knots > 1 << 20
            || l.vote_prior < 0.0
            || l.anomaly_vote_scale < 0.0
            || l.explore_vote_scale < 0.0
            || l.block_rate < 0.0
            || l.lookalike_min < 0.0
            || l.lookalike_tie < 0.0
            || numbers.iter().any(|v| !v.is_finite())
        {
            return bad("its active layer's settings are out of range".into());
        }
        self.detector.weights.check(&self.detector.spec, d.cols)?;
        if self.labels.len() > d.rows {
            return bad(format!(
                "it has {} labels for {} rows",
                self.labels.len(),
                d.rows
            ));
        }
        let mut seen = std::collections::HashSet::with_capacity(self.labels.len());
        let mut last_batch = None;
        for (k, l) in self.labels.iter().enumerate() {
            if l.row >= d.rows {
                return bad(format!(
                    "label {} is on row {}, past its {} rows",
                    k + 1,
                    l.row,
                    d.rows
                ));
            }
            if !seen.insert(l.row) {
                return bad(format!("row {} is labelled twice", l.row));
            }
            if l.values.len() != d.cols {
                return bad(format!(
                    "label {} has {} values for {} columns",
                    k + 1,
                    l.values.len(),
                    d.cols
                ));
            }
            if last_batch.is_some_and(|b| l.batch < b) {
                return bad(format!("label {}'s batch goes backwards", k + 1));
            }
            last_batch = Some(l.batch);
        }
        if self.view.len() > MAX_VIEW_ENTRIES
            || self
                .view
                .iter()
                .any(|(k, v)| k.len() > MAX_VIEW_TEXT || v.len() > MAX_VIEW_TEXT)
        {
            return bad("its view is larger than any the page writes".into());
        }
        if self.scoring.is_some() {
            self.scoring_model()?;
        }
        Ok(())
    }

    /// How this file fits `session`'s data, called `name`: the same data
    /// (shape, column names and every value), or other data, with the
    /// labels that still fit it: the same row holds the same values (to
    /// six significant digits of the column's scale, as the values are
    /// read back).
    pub fn fit_to(&self, session: &Session, name: &str) -> Fit {
        let d = &self.dataset;
        let same_shape = d.rows == session.rows() && d.cols == session.cols();
        let same_names = d.features == session.table().features;
        if same_shape && same_names && d.fingerprint == format!("{:016x}", session.fingerprint()) {
            return Fit::Same;
        }
        let why = if !same_names {
            format!(
                "it was saved for '{}', whose columns are not these ({} against {} here)",
                shown(&d.name),
                d.cols,
                session.cols()
            )
        } else if !same_shape {
            format!(
                "it was saved for '{}' with {} rows; '{}' has {}",
                shown(&d.name),
                d.rows,
                shown(name),
                session.rows()
            )
        } else {
            format!(
                "it was saved for '{}', whose values differ from those of '{}'",
                shown(&d.name),
                shown(name)
            )
        };
        let matching = if same_names {
            let unit = &session.standardizer().unit;
            self.labels
                .iter()
                .enumerate()
                .filter(|(_, l)| {
                    l.row < session.rows()
                        && l.values.iter().enumerate().all(|(j, &v)| {
                            let here = session.value(l.row, j);
                            let scale = unit.get(j).copied().unwrap_or(1.0).abs();
                            here == v || (here - v).abs() <= 1e-6 * scale.max(v.abs())
                        })
                })
                .map(|(k, _)| k)
                .collect()
        } else {
            Vec::new()
        };
        Fit::Other { why, matching }
    }

    /// The labels `keep` (indices into `labels`, in order) as a session
    /// restores them: `(row, anomaly)`, whether each joins the next one's
    /// fit (the same batch), and their times.
    pub fn labels_to_restore(&self, keep: &[usize]) -> (Vec<(usize, bool)>, Vec<bool>, Vec<u64>) {
        let kept: Vec<&LabelRecord> = keep.iter().filter_map(|&k| self.labels.get(k)).collect();
        let labels = kept.iter().map(|l| (l.row, l.anomaly)).collect();
        let joined = kept
            .iter()
            .enumerate()
            .map(|(k, l)| kept.get(k + 1).is_some_and(|n| n.batch == l.batch))
            .collect();
        let times = kept.iter().map(|l| l.time_ms).collect();
        (labels, joined, times)
    }

    /// Which rankings asked each label, in the order of `labels`.
    pub fn labels_asked(&self) -> Vec<Asked> {
        self.labels
            .iter()
            .map(|l| Asked::from_bits(l.asked))
            .collect()
    }

    /// Every label, to restore (see [`labels_to_restore`](Self::labels_to_restore)).
    pub fn all_labels(&self) -> (Vec<(usize, bool)>, Vec<bool>, Vec<u64>) {
        let all: Vec<usize> = (0..self.labels.len()).collect();
        self.labels_to_restore(&all)
    }
}

fn is_zero(v: &u8) -> bool {
    *v == 0
}
