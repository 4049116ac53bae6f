//! The one-class MLP detector in the Deep SVDD style (Ruff et al., 2018):
//! a bias-free MLP is trained to map rows close to a fixed centre `c`.
//! Evidence is the per-output squared distance to `c`, the score their sum.

use burn::config::Config;
use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::activation::leaky_relu;
use burn::tensor::Tensor;

use super::layers::dense;
use super::{Detector, DetectorOutput, Trainable};
use crate::rng::Rng;

/// Layer sizes of the one-class network `d → hidden → output`.
#[derive(Config, Debug)]
pub struct MlpDetectorConfig {
    pub d_input: usize,
    pub hidden: usize,
    pub d_output: usize,
}

/// Centre coordinates closer to 0 than this are pushed out to it, so the
/// network cannot reach the centre by zeroing its weights (Ruff et al.).
const MIN_CENTRE: f64 = 0.1;

impl MlpDetectorConfig {
    /// Sizes for `d` features; a 0 picks the default (`hidden = d/2`
    /// within 4..=[`MAX_HIDDEN`](super::MAX_HIDDEN), `output = clamp(d/4, 2, 16)`).
    pub fn for_features(d: usize, hidden: usize, output: usize) -> Self {
        let (hidden, output) = super::weights::mlp_sizes(d, hidden, output);
        Self::new(d, hidden, output)
    }

    /// A fresh network whose centre is the mean initial output on `data`.
    pub fn init(&self, rng: &mut Rng, data: &Tensor<2>) -> MlpNet {
        let device = data.device();
        let mut net = MlpNet {
            l1: dense(rng, self.d_input, self.hidden, false, &device),
            l2: dense(rng, self.hidden, self.d_output, false, &device),
            center: Tensor::zeros([1, self.d_output], &device),
        };
        let c = net.embed(data.clone()).mean_dim(0).detach();
        let small = c.clone().abs().lower_elem(MIN_CENTRE);
        let pushed = c
            .clone()
            .sign()
            .add_scalar(0.5)
            .sign()
            .mul_scalar(MIN_CENTRE);
        net.center = c.mask_where(small, pushed);
        net
    }
}

/// The trainable network and its fixed centre.
#[derive(Module, Debug)]
pub struct MlpNet {
    l1: Linear,
    l2: Linear,
    /// `[1, output]`, a constant: no gradient flows into it.
    center: Tensor<2>,
}

impl MlpNet {
    /// `x: [rows, d]` → embedding `[rows, output]`.
    pub fn embed(&self, x: Tensor<2>) -> Tensor<2> {
        self.l2.forward(leaky_relu(self.l1.forward(x), 0.1))
    }

    fn sq_dist(&self, x: Tensor<2>) -> Tensor<2> {
        (self.embed(x) - self.center.clone()).square()
    }
}

impl Trainable for MlpNet {
    /// Mean over the batch of the squared distance to the centre, shape `[1]`.
    fn loss(&self, x: Tensor<2>) -> Tensor<1> {
        self.sq_dist(x).sum_dim(1).mean()
    }
}

/// A trained one-class MLP.
#[derive(Debug, Clone)]
pub struct MlpDetector {
    net: MlpNet,
}

impl MlpDetector {
    pub fn from_net(net: MlpNet) -> Self {
        Self { net }
    }

    /// The two layers and the centre (`[1, output]`).
    pub(crate) fn parts(&self) -> (&Linear, &Linear, &Tensor<2>) {
        (&self.net.l1, &self.net.l2, &self.net.center)
    }

    /// The detector made of these layers and centre.
    pub(crate) fn from_parts(l1: Linear, l2: Linear, center: Tensor<2>) -> Self {
        Self {
            net: MlpNet { l1, l2, center },
        }
    }
}

impl Detector for MlpDetector {
    fn evidence_dim(&self) -> usize {
        self.net.center.dims()[1]
    }

    fn latent_dim(&self) -> Option<usize> {
        Some(self.evidence_dim())
    }

    fn evaluate(&self, x: Tensor<2>) -> DetectorOutput {
        let z = self.net.embed(x);
        let evidence = (z.clone() - self.net.center.clone()).square();
        let score = evidence.clone().sum_dim(1).squeeze_dim::<1>(1);
        DetectorOutput {
            evidence,
            score,
            latent: Some(z),
        }
    }
}
