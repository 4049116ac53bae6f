//! The burn half of the detector module: the [`Detector`] trait, scoring in
//! chunks, the training run and [`fit_and_score`], the one pipeline.

use std::future::Future;

use burn::tensor::{Device, Tensor, TensorData};

use super::layers::dense_from;
use super::{
    training_rows, Autoencoder, AutoencoderConfig, DetectorKind, DetectorSpec, DetectorWeights,
    Fitted, Forward, MlpDetector, MlpDetectorConfig, MlpNet, Progress, Scored, StepReport, Trainer,
    WeightArray,
};
use crate::error::{one_line, CoreError};

/// What a detector computes for a batch of rows, as lazy device tensors.
pub struct DetectorOutput {
    /// `[rows, evidence_dim]`, non-negative.
    pub evidence: Tensor<2>,
    /// `[rows]`, higher is more anomalous.
    pub score: Tensor<1>,
    /// `[rows, latent_dim]`, when the detector has a latent code.
    pub latent: Option<Tensor<2>>,
}

/// Any unsupervised detector the active layer can sit on.
pub trait Detector {
    /// Length of each row's evidence vector.
    fn evidence_dim(&self) -> usize;
    /// Whether evidence column `j` is about input feature `j` (an
    /// autoencoder's per-feature errors) rather than an abstract output.
    fn evidence_per_feature(&self) -> bool {
        false
    }
    /// Length of the latent code, if any.
    fn latent_dim(&self) -> Option<usize>;
    /// Evidence, score and latent for `x: [rows, features]` (standardised).
    fn evaluate(&self, x: Tensor<2>) -> DetectorOutput;
}

/// Scores every row of row-major `x` (`rows × d`) in chunks of `chunk_rows`.
///
/// Every read is asynchronous (`into_data_async`), so this works unchanged on
/// WebGPU in the browser. A non-finite result is an error naming the row.
pub async fn score_rows(
    detector: &impl Detector,
    x: &[f32],
    d: usize,
    device: &Device,
    chunk_rows: usize,
) -> Result<Scored, CoreError> {
    if d == 0 || !x.len().is_multiple_of(d) {
        return Err(CoreError::Shape {
            values: x.len(),
            cols: d,
        });
    }
    let rows = x.len() / d;
    let m = detector.evidence_dim();
    let l = detector.latent_dim().unwrap_or(0);
    let mut out = Scored {
        rows,
        evidence_dim: m,
        evidence_per_feature: detector.evidence_per_feature(),
        evidence: Vec::with_capacity(rows * m),
        score: Vec::with_capacity(rows),
        latent_dim: l,
        latent: Vec::with_capacity(rows * l),
    };
    let chunk_rows = chunk_rows.max(1);
    let mut start = 0;
    while start < rows {
        let len = chunk_rows.min(rows - start);
        let slice = x[start * d..(start + len) * d].to_vec();
        let t = Tensor::<2>::from_data(TensorData::new(slice, [len, d]), device);
        let o = detector.evaluate(t);
        out.evidence.extend(read_f32(o.evidence).await?);
        out.score.extend(read_f32(o.score).await?);
        if let Some(lat) = o.latent {
            out.latent.extend(read_f32(lat).await?);
        }
        start += len;
    }
    if let Some(row) = out.score.iter().position(|s| !s.is_finite()).or_else(|| {
        out.evidence
            .iter()
            .position(|e| !e.is_finite())
            .map(|i| i / m.max(1))
    }) {
        return Err(CoreError::NonFiniteScore { row });
    }
    Ok(out)
}

/// Reads a float tensor back to the host, asynchronously.
pub async fn read_f32<const D: usize>(t: Tensor<D>) -> Result<Vec<f32>, CoreError> {
    let data = t
        .into_data_async()
        .await
        .map_err(|e| CoreError::Device(one_line(&format!("{e:?}"))))?;
    data.convert::<f32>()
        .try_into_vec::<f32>()
        .map_err(|e| CoreError::Device(one_line(&format!("{e:?}"))))
}

/// A trained detector of either kind.
#[derive(Debug, Clone)]
pub enum DetectorModel {
    Autoencoder(Autoencoder),
    Mlp(MlpDetector),
}

impl Detector for DetectorModel {
    fn evidence_dim(&self) -> usize {
        match self {
            Self::Autoencoder(m) => m.evidence_dim(),
            Self::Mlp(m) => m.evidence_dim(),
        }
    }
    fn evidence_per_feature(&self) -> bool {
        match self {
            Self::Autoencoder(m) => m.evidence_per_feature(),
            Self::Mlp(m) => m.evidence_per_feature(),
        }
    }
    fn latent_dim(&self) -> Option<usize> {
        match self {
            Self::Autoencoder(m) => m.latent_dim(),
            Self::Mlp(m) => m.latent_dim(),
        }
    }
    fn evaluate(&self, x: Tensor<2>) -> DetectorOutput {
        match self {
            Self::Autoencoder(m) => m.evaluate(x),
            Self::Mlp(m) => m.evaluate(x),
        }
    }
}

impl DetectorModel {
    /// Every weight, read back from the device (asynchronously), in
    /// [`expected_shapes`](super::expected_shapes)' order.
    pub async fn weights(&self) -> Result<DetectorWeights, CoreError> {
        let mut arrays = Vec::new();
        // A bias is read as `[1, n]` and kept with its own shape, `[n]`.
        let mut push = async |name: String, t: Tensor<2>, bias: bool| -> Result<(), CoreError> {
            let dims = t.dims();
            let shape = if bias { vec![dims[1]] } else { dims.to_vec() };
            arrays.push(WeightArray {
                name,
                shape,
                values: read_f32(t).await?,
            });
            Ok(())
        };
        match self {
            Self::Autoencoder(m) => {
                for (name, layer) in m.layers() {
                    push(format!("{name}.weight"), layer.weight.val(), false).await?;
                    if let Some(b) = &layer.bias {
                        push(format!("{name}.bias"), b.val().unsqueeze(), true).await?;
                    }
                }
            }
            Self::Mlp(m) => {
                let (l1, l2, center) = m.parts();
                push("l1.weight".into(), l1.weight.val(), false).await?;
                push("l2.weight".into(), l2.weight.val(), false).await?;
                push("center".into(), center.clone(), false).await?;
            }
        }
        Ok(DetectorWeights { arrays })
    }

    /// The detector of `spec` on `d` features with these weights, on
    /// `device`: it scores exactly as the one they were read from did
    /// (on the same backend; see docs/SESSION.md). The weights are checked
    /// first ([`DetectorWeights::check`]).
    pub fn from_weights(
        spec: &DetectorSpec,
        d: usize,
        weights: &DetectorWeights,
        device: &Device,
    ) -> Result<Self, CoreError> {
        weights.check(spec, d)?;
        let shapes = super::expected_shapes(spec, d);
        let values = |name: &str| weights.array(name).unwrap_or(&[]);
        let dims = |name: &str| -> (usize, usize) {
            shapes
                .iter()
                .find(|(n, _)| *n == name)
                .map_or((0, 0), |(_, s)| (s[0], s.get(1).copied().unwrap_or(1)))
        };
        let layer = |name: &str, bias: bool| {
            let w = format!("{name}.weight");
            let (d_in, d_out) = dims(&w);
            let b = format!("{name}.bias");
            dense_from(values(&w), d_in, d_out, bias.then(|| values(&b)), device)
        };
        Ok(match spec.kind {
            DetectorKind::Autoencoder => Self::Autoencoder(Autoencoder::from_layers(
                ["enc1", "enc2", "dec1", "dec2"].map(|n| layer(n, true)),
            )),
            DetectorKind::Mlp => {
                let (_, o) = dims("center");
                let center = Tensor::<2>::from_data(
                    TensorData::new(values("center").to_vec(), [1, o]),
                    device,
                );
                Self::Mlp(MlpDetector::from_parts(
                    layer("l1", false),
                    layer("l2", false),
                    center,
                ))
            }
        })
    }
}

/// Scores every row of `x` (`rows × d`, standardised) with a detector of
/// `spec` rebuilt from `weights`: the pipeline's result with no training
/// (a session file opened over its data). `final_loss` is the training's,
/// kept by the caller.
pub async fn score_with_weights(
    spec: &DetectorSpec,
    weights: &DetectorWeights,
    final_loss: f32,
    x: &[f32],
    d: usize,
    device: &Device,
) -> Result<Fitted, CoreError> {
    // The weights are checked on the device too: what trains from them
    // (none here) and what the caller may keep must be a valid model.
    DetectorModel::from_weights(spec, d, weights, device)?;
    let scored = Forward::new(spec, d, weights)?.score(x)?;
    Ok(Fitted {
        scored,
        final_loss,
        weights: weights.clone(),
    })
}

/// A detector being trained, driven one minibatch at a time by [`step`](Self::step).
pub enum TrainingRun {
    Autoencoder(Trainer<Autoencoder>),
    Mlp(Trainer<MlpNet>),
}

impl TrainingRun {
    /// Builds the model and uploads `x` (`rows × d`, standardised) to `device`.
    /// Autodiff is switched on here; the caller passes a plain device.
    pub fn new(
        spec: &DetectorSpec,
        x: &[f32],
        d: usize,
        device: &Device,
    ) -> Result<Self, CoreError> {
        spec.train.validate()?;
        if d == 0 || !x.len().is_multiple_of(d) {
            return Err(CoreError::Shape {
                values: x.len(),
                cols: d,
            });
        }
        if x.is_empty() {
            return Err(CoreError::NoRows);
        }
        if let Some(i) = x.iter().position(|v| !v.is_finite()) {
            return Err(CoreError::NonFiniteInput {
                row: i / d,
                col: i % d,
            });
        }
        let ad = device.clone().autodiff();
        let rows = x.len() / d;
        let data = Tensor::<2>::from_data(TensorData::new(x.to_vec(), [rows, d]), &ad);
        let mut rng = crate::rng::Rng::new(spec.train.seed);
        Ok(match spec.kind {
            DetectorKind::Autoencoder => {
                let cfg = AutoencoderConfig::for_features(d, spec.hidden, spec.bottleneck);
                let model = cfg.init(&mut rng, &ad);
                Self::Autoencoder(Trainer::new(model, data, spec.train.clone(), rng))
            }
            DetectorKind::Mlp => {
                let cfg = MlpDetectorConfig::for_features(d, spec.hidden, spec.bottleneck);
                let model = cfg.init(&mut rng, &data);
                Self::Mlp(Trainer::new(model, data, spec.train.clone(), rng))
            }
        })
    }

    /// One minibatch step; `None` once every epoch is done.
    pub fn step(&mut self) -> Option<StepReport> {
        match self {
            Self::Autoencoder(t) => t.step(),
            Self::Mlp(t) => t.step(),
        }
    }

    /// Steps per epoch and in all.
    pub fn total_steps(&self) -> usize {
        match self {
            Self::Autoencoder(t) => t.total_steps(),
            Self::Mlp(t) => t.total_steps(),
        }
    }

    /// The trained detector, without autodiff, on `device`.
    pub fn finish(self) -> DetectorModel {
        match self {
            Self::Autoencoder(t) => DetectorModel::Autoencoder(t.into_model()),
            Self::Mlp(t) => DetectorModel::Mlp(MlpDetector::from_net(t.into_model())),
        }
    }
}

/// The one pipeline from standardised data to detector results, used by
/// the page, the evaluator and the CLI: trains `spec` on `x` (`rows × d`)
/// on `device`, or on a seeded sample of `spec.train.max_rows` of its rows
/// ([`training_rows`]), then scores every row in chunks.
///
/// `pause(progress)` is awaited before the first step and after every step;
/// the page yields to the browser there and shows the progress, native
/// callers return at once. It returns `false` to cancel, and the result is
/// then `Ok(None)`. Each epoch's loss is read asynchronously (a synchronous
/// read fails on WebGPU); a non-finite loss stops with
/// [`CoreError::Diverged`].
pub async fn fit_and_score<F: Future<Output = bool>>(
    spec: &DetectorSpec,
    x: &[f32],
    d: usize,
    device: &Device,
    mut pause: impl FnMut(Progress) -> F,
) -> Result<Option<Fitted>, CoreError> {
    let sample = training_rows(x.len() / d.max(1), spec.train.max_rows, spec.train.seed);
    let sample: std::borrow::Cow<[f32]> = match sample {
        None => x.into(),
        Some(rows) => rows
            .iter()
            .flat_map(|&r| &x[r * d..(r + 1) * d])
            .copied()
            .collect::<Vec<f32>>()
            .into(),
    };
    let mut run = TrainingRun::new(spec, &sample, d, device)?;
    let mut progress = Progress {
        epochs: spec.train.epochs,
        total: run.total_steps(),
        ..Progress::default()
    };
    let mut final_loss = f32::NAN;
    if !pause(progress).await {
        return Ok(None);
    }
    while let Some(report) = run.step() {
        progress.step = report.step;
        progress.loss = None;
        if let Some(loss) = report.epoch_loss {
            let v = read_f32(loss).await?.first().copied().unwrap_or(f32::NAN);
            if !v.is_finite() {
                return Err(CoreError::Diverged {
                    epoch: report.epoch + 1,
                    loss: v,
                });
            }
            final_loss = v;
            progress.epoch = report.epoch + 1;
            progress.loss = Some(v);
        }
        if !pause(progress).await {
            return Ok(None);
        }
    }
    let model = run.finish();
    let weights = model.weights().await?;
    // Scored on the host from the weights (see `Forward`): the same bits
    // here, in the page and in the CLI, whatever trained the model.
    let scored = Forward::new(spec, d, &weights)?.score(x)?;
    Ok(Some(Fitted {
        scored,
        final_loss,
        weights,
    }))
}

/// A pause hook for native callers: never waits, never cancels.
pub fn no_pause(_: Progress) -> std::future::Ready<bool> {
    std::future::ready(true)
}
