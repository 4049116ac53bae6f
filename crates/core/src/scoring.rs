//! The scoring model: everything that turns one record of a file into the
//! session's score for it, with nothing read from the other rows. The
//! session file carries it (version 2, docs/SESSION.md), so the CLI can
//! score a file of any size a slice at a time, and gives the rows of the
//! session's own data the page's scores to the bit:
//!
//! record → [`Schema`] (numbers, one-hot, missing values) → the session's
//! [`Standardizer`] → the detector's host forward pass ([`Forward`]) →
//! the active layer's constants ([`LayerModel`]).

use serde::{Deserialize, Serialize};

use crate::active::{LayerModel, NeighbourModel, TailSketch};
use crate::data::Schema;
use crate::detector::{DetectorSpec, DetectorWeights, Forward};
use crate::error::CoreError;
use crate::forest::{ForestModel, TreeModel, MAX_LEAVES};
use crate::session::Session;
use crate::standardize::Standardizer;

/// A session's scores as a function of one record.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoringModel {
    pub schema: Schema,
    pub standardizer: Standardizer,
    pub detector: Forward,
    pub layer: LayerModel,
}

impl ScoringModel {
    /// The model of `session` (scored, with its layer) whose detector is
    /// `spec` with `weights`. An error says what is missing: a table made
    /// from values has no schema, a forest that came as arrays no trees.
    pub fn of(
        session: &Session,
        spec: &DetectorSpec,
        weights: &DetectorWeights,
    ) -> Result<Self, CoreError> {
        let no = |why: &str| CoreError::SessionFile(format!("no scoring model: {why}"));
        let schema = session
            .table()
            .schema
            .clone()
            .ok_or_else(|| no("the data was not read from a file"))?;
        let layer = session.layer_model().map_err(|why| no(&why))?;
        Ok(Self {
            schema,
            standardizer: session.standardizer().clone(),
            detector: Forward::new(spec, session.cols(), weights)?,
            layer,
        })
    }

    /// The scores of encoded records (`rows × features`, as
    /// [`Schema::encode`] writes them).
    pub fn score_encoded(&self, values: &[f64]) -> Result<Vec<f32>, CoreError> {
        let x = self.standardizer.transform(values);
        let scored = self.detector.score(&x)?;
        Ok(self.layer.score(scored.rows, &scored.evidence, &x))
    }

    /// The state the session file holds.
    pub fn state(&self) -> ScoringState {
        ScoringState {
            schema: self.schema.clone(),
            standardizer: StandardizerState::of(&self.standardizer),
            layer: LayerState::of(&self.layer),
        }
    }

    /// The model from a file's state and its detector, every part checked
    /// against the others: the schema's width, the standardiser's, the
    /// detector's evidence, the layer's inputs. An error says which part.
    pub fn from_state(
        state: &ScoringState,
        spec: &DetectorSpec,
        weights: &DetectorWeights,
    ) -> Result<Self, CoreError> {
        let bad = |why: &str| CoreError::SessionFile(format!("its scoring model {why}"));
        let schema = state.schema.clone();
        if !schema.is_valid() {
            return Err(bad("has column rules that do not fit together"));
        }
        let d = schema.features;
        let standardizer = state
            .standardizer
            .model(d)
            .ok_or_else(|| bad("has a bad standardiser"))?;
        let detector = Forward::new(spec, d, weights)?;
        let layer = state
            .layer
            .model(detector.evidence_dim(), d)
            .map_err(|why| bad(&why))?;
        Ok(Self {
            schema,
            standardizer,
            detector,
            layer,
        })
    }
}

/// The scoring model as the session file holds it (the detector's
/// settings and weights are the file's own).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoringState {
    pub schema: Schema,
    pub standardizer: StandardizerState,
    pub layer: LayerState,
}

/// `z = (x / unit − mean) / scale`, per feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandardizerState {
    pub unit: Vec<f64>,
    pub mean: Vec<f64>,
    pub scale: Vec<f64>,
}

impl StandardizerState {
    fn of(s: &Standardizer) -> Self {
        Self {
            unit: s.unit.clone(),
            mean: s.mean.clone(),
            scale: s.scale.clone(),
        }
    }

    /// The standardiser of `d` columns, when every unit and scale is
    /// positive and finite and every mean finite.
    fn model(&self, d: usize) -> Option<Standardizer> {
        let positive = |v: &[f64]| v.len() == d && v.iter().all(|x| x.is_finite() && *x > 0.0);
        (positive(&self.unit)
            && positive(&self.scale)
            && self.mean.len() == d
            && self.mean.iter().all(|x| x.is_finite()))
        .then(|| Standardizer {
            unit: self.unit.clone(),
            mean: self.mean.clone(),
            scale: self.scale.clone(),
        })
    }
}

/// The active layer's constants ([`LayerModel`]), f32 arrays as exact bits
/// in base64.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerState {
    pub marginal: bool,
    pub isolation: bool,
    pub features: bool,
    /// Per tailed column (the detector's, then the marginal block): its
    /// knots' values and their tails.
    pub tails: Vec<SketchState>,
    /// The sketches are the layer's own: the session's rows score to the
    /// bit (see [`LayerModel::exact`]).
    pub exact: bool,
    pub evidence: StandardizerState,
    pub forest: Option<ForestState>,
    #[serde(with = "crate::base64::f32s")]
    pub w: Vec<f32>,
    pub b: f32,
    /// Per tree, each leaf's offset / T (`trees × 256`); empty without a
    /// region term.
    #[serde(with = "crate::base64::f32s")]
    pub regions: Vec<f32>,
    pub neighbours: Option<NeighbourState>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SketchState {
    #[serde(with = "crate::base64::f32s")]
    pub values: Vec<f32>,
    #[serde(with = "crate::base64::f32s")]
    pub tails: Vec<f32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForestState {
    pub psi: usize,
    pub trees: Vec<TreeState>,
}

/// One tree, level by level (see [`TreeModel`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeState {
    pub height: usize,
    pub features: Vec<u32>,
    #[serde(with = "crate::base64::f32s")]
    pub thresholds: Vec<f32>,
    pub bottom: Vec<u8>,
    #[serde(with = "crate::base64::f32s")]
    pub path: Vec<f32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NeighbourState {
    pub weight: f64,
    pub scale: f32,
    /// The labelled rows' standardised features, row-major.
    #[serde(with = "crate::base64::f32s")]
    pub rows: Vec<f32>,
    pub anomaly: Vec<bool>,
}

impl LayerState {
    fn of(l: &LayerModel) -> Self {
        Self {
            marginal: l.marginal,
            isolation: l.isolation,
            features: l.features,
            tails: l
                .tails
                .iter()
                .map(|s| SketchState {
                    values: s.values.clone(),
                    tails: s.tails.clone(),
                })
                .collect(),
            exact: l.exact,
            evidence: StandardizerState::of(&l.evidence),
            forest: l.forest.as_ref().map(|f| ForestState {
                psi: f.psi,
                trees: f
                    .trees
                    .iter()
                    .map(|t| TreeState {
                        height: t.height,
                        features: t.features.clone(),
                        thresholds: t.thresholds.clone(),
                        bottom: t.bottom.clone(),
                        path: t.path.clone(),
                    })
                    .collect(),
            }),
            w: l.w.clone(),
            b: l.b,
            regions: l.regions.iter().flatten().copied().collect(),
            neighbours: l.neighbours.as_ref().map(|n| NeighbourState {
                weight: n.weight,
                scale: n.scale,
                rows: n.rows.clone(),
                anomaly: n.anomaly.clone(),
            }),
        }
    }

    /// The layer over `m` evidence columns and `d` features, every shape
    /// and value checked.
    fn model(&self, m: usize, d: usize) -> Result<LayerModel, String> {
        let finite = |v: &[f32]| v.iter().all(|x| x.is_finite());
        let marginal = if self.marginal { d } else { 0 };
        let e = m + marginal + usize::from(self.isolation);
        let width = e + if self.features { d } else { 0 };
        if self.w.len() != width || !finite(&self.w) || !self.b.is_finite() {
            return Err(format!(
                "has {} weights where its inputs need {width}",
                self.w.len()
            ));
        }
        let knots: usize = self.tails.iter().map(|t| t.values.len()).sum();
        if knots > crate::active::MAX_MODEL_KNOTS {
            return Err(format!("has {knots} tail knots, more than a model holds"));
        }
        if !self.tails.is_empty() && self.tails.len() != m + marginal {
            return Err(format!(
                "has {} tail sketches for {} columns",
                self.tails.len(),
                m + marginal
            ));
        }
        let mut tails = Vec::with_capacity(self.tails.len());
        for s in &self.tails {
            let ascending = s.values.windows(2).all(|w| w[0] < w[1]);
            if s.values.len() != s.tails.len()
                || !ascending
                || !finite(&s.values)
                || !finite(&s.tails)
            {
                return Err("has a tail sketch whose knots are not ascending and finite".into());
            }
            tails.push(TailSketch {
                values: s.values.clone(),
                tails: s.tails.clone(),
            });
        }
        let evidence = self
            .evidence
            .model(e)
            .ok_or("has a bad evidence standardiser")?;
        let forest = match &self.forest {
            Some(f) => {
                let model = ForestModel {
                    psi: f.psi,
                    trees: f
                        .trees
                        .iter()
                        .map(|t| TreeModel {
                            height: t.height,
                            features: t.features.clone(),
                            thresholds: t.thresholds.clone(),
                            bottom: t.bottom.clone(),
                            path: t.path.clone(),
                        })
                        .collect(),
                };
                if !model.is_valid(d) || model.trees.is_empty() {
                    return Err("has a forest whose trees do not fit its features".into());
                }
                Some(model)
            }
            None => None,
        };
        let trees = forest.as_ref().map_or(0, |f| f.trees.len());
        if self.isolation && forest.is_none() {
            return Err("reads an isolation score but has no forest".into());
        }
        if !self.regions.is_empty() && self.regions.len() != trees * MAX_LEAVES
            || !finite(&self.regions)
        {
            return Err("has region offsets that do not fit its forest".into());
        }
        let regions = self
            .regions
            .chunks_exact(MAX_LEAVES)
            .map(|c| std::array::from_fn(|k| c[k]))
            .collect();
        let neighbours = match &self.neighbours {
            Some(n) => {
                if d == 0
                    || n.rows.len() != n.anomaly.len() * d
                    || !finite(&n.rows)
                    || !n.weight.is_finite()
                    || !n.scale.is_finite()
                {
                    return Err("has labelled rows that do not fit its features".into());
                }
                Some(NeighbourModel {
                    weight: n.weight,
                    scale: n.scale,
                    rows: n.rows.clone(),
                    anomaly: n.anomaly.clone(),
                })
            }
            None => None,
        };
        Ok(LayerModel {
            m,
            d,
            marginal: self.marginal,
            isolation: self.isolation,
            features: self.features,
            tails,
            exact: self.exact,
            evidence,
            forest,
            w: self.w.clone(),
            b: self.b,
            regions,
            neighbours,
        })
    }
}
