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

use crate::active::LayerModel;
use crate::data::Schema;
use crate::detector::{DetectorSpec, DetectorWeights, Forward};
use crate::error::CoreError;
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

    /// The state the session file holds (the model's parts moved, not
    /// copied: the tail sketches are megabytes on a large table).
    pub fn into_state(self) -> ScoringState {
        ScoringState {
            schema: self.schema,
            standardizer: self.standardizer,
            layer: self.layer,
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
        if !state.standardizer.is_valid(d) {
            return Err(bad("has a bad standardiser"));
        }
        let detector = Forward::new(spec, d, weights)?;
        let layer = state
            .layer
            .clone()
            .check(detector.evidence_dim(), d)
            .map_err(|why| bad(&why))?;
        Ok(Self {
            schema,
            standardizer: state.standardizer.clone(),
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
    pub standardizer: Standardizer,
    pub layer: LayerModel,
}
