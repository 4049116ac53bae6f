//! The autoencoder detector: evidence is the per-feature squared
//! reconstruction error, the score its mean, and the bottleneck the latent code.

use burn::config::Config;
use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::activation::tanh;
use burn::tensor::{Device, Tensor};

use super::layers::dense;
use super::{Detector, DetectorOutput, Trainable};
use crate::rng::Rng;

/// Layer sizes of an autoencoder `d → hidden → bottleneck → hidden → d`.
#[derive(Config, Debug)]
pub struct AutoencoderConfig {
    pub d_input: usize,
    pub hidden: usize,
    pub bottleneck: usize,
}

impl AutoencoderConfig {
    /// Sizes for `d` features; a 0 picks the default (`hidden = d/2`, at
    /// most [`MAX_HIDDEN`](super::MAX_HIDDEN), `bottleneck = min(d/4, 8)`, as in the reference
    /// baseline, at least 1).
    pub fn for_features(d: usize, hidden: usize, bottleneck: usize) -> Self {
        let (hidden, bottleneck) = super::weights::autoencoder_sizes(d, hidden, bottleneck);
        Self::new(d, hidden, bottleneck)
    }

    /// A fresh model with weights drawn from `rng`.
    pub fn init(&self, rng: &mut Rng, device: &Device) -> Autoencoder {
        Autoencoder {
            enc1: dense(rng, self.d_input, self.hidden, true, device),
            enc2: dense(rng, self.hidden, self.bottleneck, true, device),
            dec1: dense(rng, self.bottleneck, self.hidden, true, device),
            dec2: dense(rng, self.hidden, self.d_input, true, device),
        }
    }
}

/// Encoder and decoder MLPs with tanh hidden layers and a linear bottleneck.
#[derive(Module, Debug)]
pub struct Autoencoder {
    enc1: Linear,
    enc2: Linear,
    dec1: Linear,
    dec2: Linear,
}

impl Autoencoder {
    /// `x: [rows, d]` → latent `[rows, bottleneck]`.
    pub fn encode(&self, x: Tensor<2>) -> Tensor<2> {
        self.enc2.forward(tanh(self.enc1.forward(x)))
    }

    /// `z: [rows, bottleneck]` → reconstruction `[rows, d]`.
    pub fn decode(&self, z: Tensor<2>) -> Tensor<2> {
        self.dec2.forward(tanh(self.dec1.forward(z)))
    }

    /// The four layers, encoder first, with their names.
    pub(crate) fn layers(&self) -> [(&'static str, &Linear); 4] {
        [
            ("enc1", &self.enc1),
            ("enc2", &self.enc2),
            ("dec1", &self.dec1),
            ("dec2", &self.dec2),
        ]
    }

    /// The model made of these four layers, encoder first.
    pub(crate) fn from_layers([enc1, enc2, dec1, dec2]: [Linear; 4]) -> Self {
        Self {
            enc1,
            enc2,
            dec1,
            dec2,
        }
    }

    fn d_input(&self) -> usize {
        self.enc1.weight.dims()[0]
    }

    fn bottleneck(&self) -> usize {
        self.enc2.weight.dims()[1]
    }
}

impl Trainable for Autoencoder {
    /// Mean squared reconstruction error of the batch, shape `[1]`.
    fn loss(&self, x: Tensor<2>) -> Tensor<1> {
        (self.decode(self.encode(x.clone())) - x).square().mean()
    }
}

impl Detector for Autoencoder {
    fn evidence_dim(&self) -> usize {
        self.d_input()
    }

    fn evidence_per_feature(&self) -> bool {
        true
    }

    fn latent_dim(&self) -> Option<usize> {
        Some(self.bottleneck())
    }

    fn evaluate(&self, x: Tensor<2>) -> DetectorOutput {
        let z = self.encode(x.clone());
        let evidence = (self.decode(z.clone()) - x).square();
        let score = evidence.clone().mean_dim(1).squeeze_dim::<1>(1);
        DetectorOutput {
            evidence,
            score,
            latent: Some(z),
        }
    }
}
