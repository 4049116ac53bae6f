//! A trained detector's weights as plain arrays: what the session file
//! keeps, what the training worker sends the page, and what a detector is
//! rebuilt from ([`DetectorModel::from_weights`]) to score rows again with
//! no training. Plain data, so the page (which never links burn) holds it.
//!
//! [`DetectorModel::from_weights`]: super::DetectorModel::from_weights

use serde::{Deserialize, Serialize};

use super::{DetectorKind, DetectorSpec, MAX_HIDDEN};
use crate::error::CoreError;

/// One named array of a detector, row-major. In JSON its values are the
/// little-endian f32 bytes in base64 (exact bits).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightArray {
    pub name: String,
    pub shape: Vec<usize>,
    #[serde(with = "crate::base64::f32s")]
    pub values: Vec<f32>,
}

/// Every array of a trained detector, in [`expected_shapes`]' order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DetectorWeights {
    pub arrays: Vec<WeightArray>,
}

/// The most values one detector may hold: the widest default model (4,096
/// one-hot and numeric columns, hidden 256) has about 2.1 million; a file
/// asking for more is refused before anything is allocated.
pub const MAX_WEIGHT_VALUES: usize = crate::base64::MAX_ARRAY_VALUES;

/// The autoencoder's `(hidden, bottleneck)` for `d` features; a 0 picks the
/// default (`hidden = d/2` within 2..=[`MAX_HIDDEN`], `bottleneck =
/// clamp(d/4, 1, 8)`, as in the reference baseline).
pub fn autoencoder_sizes(d: usize, hidden: usize, bottleneck: usize) -> (usize, usize) {
    (
        or_default(hidden, (d / 2).clamp(2, MAX_HIDDEN)),
        or_default(bottleneck, (d / 4).clamp(1, 8)),
    )
}

/// `size`, or `default` when it is 0 ("choose from the column count").
fn or_default(size: usize, default: usize) -> usize {
    if size == 0 {
        default
    } else {
        size
    }
}

/// The one-class MLP's `(hidden, output)` for `d` features; a 0 picks the
/// default (`hidden = d/2` within 4..=[`MAX_HIDDEN`], `output = clamp(d/4,
/// 2, 16)`).
pub fn mlp_sizes(d: usize, hidden: usize, output: usize) -> (usize, usize) {
    (
        or_default(hidden, (d / 2).clamp(4, MAX_HIDDEN)),
        or_default(output, (d / 4).clamp(2, 16)),
    )
}

/// The names and shapes of the arrays a detector of `spec` on `d` features
/// has, in order.
pub fn expected_shapes(spec: &DetectorSpec, d: usize) -> Vec<(&'static str, Vec<usize>)> {
    match spec.kind {
        DetectorKind::Autoencoder => {
            let (h, b) = autoencoder_sizes(d, spec.hidden, spec.bottleneck);
            vec![
                ("enc1.weight", vec![d, h]),
                ("enc1.bias", vec![h]),
                ("enc2.weight", vec![h, b]),
                ("enc2.bias", vec![b]),
                ("dec1.weight", vec![b, h]),
                ("dec1.bias", vec![h]),
                ("dec2.weight", vec![h, d]),
                ("dec2.bias", vec![d]),
            ]
        }
        DetectorKind::Mlp => {
            let (h, o) = mlp_sizes(d, spec.hidden, spec.bottleneck);
            vec![
                ("l1.weight", vec![d, h]),
                ("l2.weight", vec![h, o]),
                ("center", vec![1, o]),
            ]
        }
    }
}

impl DetectorWeights {
    /// Checks that these are the arrays of a detector of `spec` on `d`
    /// features: the names and shapes in order, every value finite.
    pub fn check(&self, spec: &DetectorSpec, d: usize) -> Result<(), CoreError> {
        let bad = |why: String| Err(CoreError::SessionFile(why));
        let expected = expected_shapes(spec, d);
        if self.arrays.len() != expected.len() {
            return bad(format!(
                "the {} detector on {d} columns has {} weight arrays, the file {}",
                spec.kind.name(),
                expected.len(),
                self.arrays.len()
            ));
        }
        for (a, (name, shape)) in self.arrays.iter().zip(&expected) {
            if a.name != *name || a.shape != *shape {
                return bad(format!(
                    "the weights '{}' {:?} are not the {} detector's '{name}' {shape:?} on \
                     {d} columns",
                    crate::data::shown(&a.name),
                    a.shape,
                    spec.kind.name()
                ));
            }
            if a.values.len() != shape.iter().product::<usize>() {
                return bad(format!(
                    "the weights '{name}' hold {} values, not {}",
                    a.values.len(),
                    shape.iter().product::<usize>()
                ));
            }
            if let Some(i) = a.values.iter().position(|v| !v.is_finite()) {
                return bad(format!(
                    "the weights '{name}' hold a non-finite value at {i}"
                ));
            }
        }
        Ok(())
    }

    /// The array called `name`.
    pub fn array(&self, name: &str) -> Option<&[f32]> {
        self.arrays
            .iter()
            .find(|a| a.name == name)
            .map(|a| &a.values[..])
    }

    /// Every value, in all.
    pub fn len(&self) -> usize {
        self.arrays.iter().map(|a| a.values.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.arrays.is_empty()
    }

    /// As JSON text (the training worker's message, the session file's
    /// `detector.weights`).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// [`to_json`](Self::to_json)'s text back; the shapes are checked by
    /// [`check`](Self::check).
    pub fn from_json(text: &str) -> Result<Self, CoreError> {
        serde_json::from_str(text)
            .map_err(|e| CoreError::SessionFile(format!("the detector's weights: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weights_for(spec: &DetectorSpec, d: usize) -> DetectorWeights {
        DetectorWeights {
            arrays: expected_shapes(spec, d)
                .into_iter()
                .map(|(name, shape)| WeightArray {
                    name: name.into(),
                    values: (0..shape.iter().product::<usize>())
                        .map(|i| i as f32 * 0.25 - 1.0)
                        .collect(),
                    shape,
                })
                .collect(),
        }
    }

    #[test]
    fn weights_round_trip_through_json_and_are_checked_against_the_spec() {
        for kind in [DetectorKind::Autoencoder, DetectorKind::Mlp] {
            let spec = DetectorSpec::for_kind(kind);
            let w = weights_for(&spec, 7);
            let back = DetectorWeights::from_json(&w.to_json()).unwrap();
            assert_eq!(back, w);
            back.check(&spec, 7).unwrap();
            assert!(back.check(&spec, 8).is_err());
            let mut odd = back.clone();
            odd.arrays[0].values[3] = f32::NAN;
            assert!(odd
                .check(&spec, 7)
                .unwrap_err()
                .to_string()
                .contains("non-finite"));
            let mut short = back.clone();
            short.arrays[1].values.pop();
            assert!(short.check(&spec, 7).is_err());
            let mut renamed = back;
            renamed.arrays[0].name = "x".into();
            assert!(renamed.check(&spec, 7).is_err());
        }
        for bad in [
            "",
            "{}",
            r#"{"arrays":[{"name":"a","shape":[1],"values":"!!"}]}"#,
        ] {
            assert!(DetectorWeights::from_json(bad).is_err(), "{bad}");
        }
        assert!(DetectorWeights::from_json(r#"{"arrays":[]}"#)
            .unwrap()
            .is_empty());
    }
}
