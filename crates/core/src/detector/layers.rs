//! Dense layers initialised from the core's own seeded generator, so that a
//! seed gives the same weights on every backend.

use burn::module::Param;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor, TensorData};

use crate::rng::Rng;

/// A `d_in → d_out` layer with Glorot-uniform weights and zero bias.
pub fn dense(rng: &mut Rng, d_in: usize, d_out: usize, bias: bool, device: &Device) -> Linear {
    let a = (6.0 / (d_in + d_out) as f64).sqrt();
    let w: Vec<f32> = (0..d_in * d_out).map(|_| rng.range(-a, a) as f32).collect();
    let weight = Param::from_tensor(Tensor::<2>::from_data(
        TensorData::new(w, [d_in, d_out]),
        device,
    ));
    let bias = bias.then(|| {
        Param::from_tensor(Tensor::<1>::from_data(
            TensorData::new(vec![0.0f32; d_out], [d_out]),
            device,
        ))
    });
    Linear { weight, bias }
}

/// A `d_in → d_out` layer with the given row-major weights and bias (the
/// caller has checked their lengths: [`super::DetectorWeights::check`]).
pub fn dense_from(
    weight: &[f32],
    d_in: usize,
    d_out: usize,
    bias: Option<&[f32]>,
    device: &Device,
) -> Linear {
    let weight = Param::from_tensor(Tensor::<2>::from_data(
        TensorData::new(weight.to_vec(), [d_in, d_out]),
        device,
    ));
    let bias = bias.map(|b| {
        Param::from_tensor(Tensor::<1>::from_data(
            TensorData::new(b.to_vec(), [d_out]),
            device,
        ))
    });
    Linear { weight, bias }
}
