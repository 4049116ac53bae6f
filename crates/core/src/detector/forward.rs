//! The trained detector's forward pass in plain Rust: every row scored from
//! the weights alone, in f64 with a fixed order of operations and pure-Rust
//! maths (`libm`), each result rounded to f32 once at the end, so a row
//! gets the same bits on every target (and an f64 forward pass elsewhere,
//! ONNX Runtime's, rounds to the same f32 but in rare ties). The page (in
//! WebAssembly, whichever backend trained the detector) and the native CLI
//! then score a row alike, and a file of any size can be scored a slice at
//! a time with the same result as all at once. burn's matrix products do
//! not promise that: their order of sums depends on the target's SIMD width
//! and on how many rows are in a batch.
//!
//! The layers are the burn modules' (`y = x·W + b`, `W` stored `in × out`):
//! - autoencoder: `tanh(x·W1 + b1)·W2 + b2 = z` (the latent code), then
//!   `tanh(z·W3 + b3)·W4 + b4 = x̂`; evidence `(x̂ − x)²` per feature, score
//!   their mean;
//! - one-class MLP: `leaky_relu(x·W1, 0.1)·W2 = z`; evidence `(z − c)²`
//!   per output, score their sum.

use super::{expected_shapes, DetectorKind, DetectorSpec, DetectorWeights, Scored};
use crate::active::dot4;
use crate::error::CoreError;

/// One dense layer, its weights transposed (`out × in`) so that each
/// output is a dot product over contiguous memory.
#[derive(Debug, Clone, PartialEq)]
struct Dense {
    input: usize,
    output: usize,
    w: Vec<f64>,
    b: Option<Vec<f64>>,
}

impl Dense {
    fn new(w: &[f32], input: usize, output: usize, b: Option<&[f32]>) -> Self {
        let mut t = vec![0.0; input * output];
        for i in 0..input {
            for o in 0..output {
                t[o * input + i] = f64::from(w[i * output + o]);
            }
        }
        Self {
            input,
            output,
            w: t,
            b: b.map(|b| b.iter().map(|&v| f64::from(v)).collect()),
        }
    }

    fn apply(&self, x: &[f64], out: &mut Vec<f64>) {
        out.clear();
        out.extend(self.w.chunks_exact(self.input).map(|w| dot4(x, w)));
        if let Some(b) = &self.b {
            out.iter_mut().zip(b).for_each(|(y, b)| *y += b);
        }
    }
}

/// A detector ready to score rows on the host.
#[derive(Debug, Clone, PartialEq)]
pub struct Forward {
    kind: DetectorKind,
    d: usize,
    layers: Vec<Dense>,
    /// The one-class MLP's centre (empty for the autoencoder).
    center: Vec<f64>,
}

impl Forward {
    /// The detector of `spec` on `d` features with these weights (checked:
    /// names, shapes, finite values).
    pub fn new(
        spec: &DetectorSpec,
        d: usize,
        weights: &DetectorWeights,
    ) -> Result<Self, CoreError> {
        weights.check(spec, d)?;
        let shapes = expected_shapes(spec, d);
        let array = |k: usize| &weights.arrays[k].values[..];
        let dense = |k: usize, bias: Option<usize>| {
            let shape = &shapes[k].1;
            Dense::new(array(k), shape[0], shape[1], bias.map(array))
        };
        Ok(match spec.kind {
            DetectorKind::Autoencoder => Self {
                kind: spec.kind,
                d,
                layers: vec![
                    dense(0, Some(1)),
                    dense(2, Some(3)),
                    dense(4, Some(5)),
                    dense(6, Some(7)),
                ],
                center: Vec::new(),
            },
            DetectorKind::Mlp => Self {
                kind: spec.kind,
                d,
                layers: vec![dense(0, None), dense(1, None)],
                center: array(2).iter().map(|&v| f64::from(v)).collect(),
            },
        })
    }

    /// Evidence columns per row.
    pub fn evidence_dim(&self) -> usize {
        match self.kind {
            DetectorKind::Autoencoder => self.d,
            DetectorKind::Mlp => self.center.len(),
        }
    }

    /// The latent code's width (the embedding view's input).
    pub fn latent_dim(&self) -> usize {
        match self.kind {
            DetectorKind::Autoencoder => self.layers[1].output,
            DetectorKind::Mlp => self.center.len(),
        }
    }

    /// Every row of `x` (`rows × d`, standardised) scored: evidence, score
    /// and latent code. A non-finite result is an error naming the row.
    pub fn score(&self, x: &[f32]) -> Result<Scored, CoreError> {
        let d = self.d;
        if d == 0 || !x.len().is_multiple_of(d) {
            return Err(CoreError::Shape {
                values: x.len(),
                cols: d,
            });
        }
        let rows = x.len() / d;
        let (m, l) = (self.evidence_dim(), self.latent_dim());
        let mut out = Scored {
            rows,
            evidence_dim: m,
            evidence_per_feature: self.kind == DetectorKind::Autoencoder,
            evidence: Vec::with_capacity(rows * m),
            score: Vec::with_capacity(rows),
            latent_dim: l,
            latent: Vec::with_capacity(rows * l),
        };
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let mut z: Vec<f64> = Vec::with_capacity(d);
        for (i, row) in x.chunks_exact(d).enumerate() {
            let start = out.evidence.len();
            z.clear();
            z.extend(row.iter().map(|&v| f64::from(v)));
            match self.kind {
                DetectorKind::Autoencoder => {
                    self.layers[0].apply(&z, &mut a);
                    a.iter_mut().for_each(|v| *v = libm::tanh(*v));
                    self.layers[1].apply(&a, &mut b);
                    out.latent.extend(b.iter().map(|&v| v as f32));
                    self.layers[2].apply(&b, &mut a);
                    a.iter_mut().for_each(|v| *v = libm::tanh(*v));
                    self.layers[3].apply(&a, &mut b);
                    out.evidence
                        .extend(b.iter().zip(&z).map(|(y, x)| ((y - x) * (y - x)) as f32));
                }
                DetectorKind::Mlp => {
                    self.layers[0].apply(&z, &mut a);
                    a.iter_mut().for_each(|v| {
                        if *v < 0.0 {
                            *v *= 0.1;
                        }
                    });
                    self.layers[1].apply(&a, &mut b);
                    out.latent.extend(b.iter().map(|&v| v as f32));
                    out.evidence.extend(
                        b.iter()
                            .zip(&self.center)
                            .map(|(z, c)| ((z - c) * (z - c)) as f32),
                    );
                }
            }
            let evidence = &out.evidence[start..];
            let sum: f32 = evidence.iter().sum();
            let score = match self.kind {
                DetectorKind::Autoencoder => sum / m as f32,
                DetectorKind::Mlp => sum,
            };
            if !score.is_finite() || evidence.iter().any(|e| !e.is_finite()) {
                return Err(CoreError::NonFiniteScore { row: i });
            }
            out.score.push(score);
        }
        Ok(out)
    }
}
