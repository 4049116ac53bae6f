//! A hand-written minibatch training loop (burn-train does not build for
//! wasm). It is a step API: each call runs one Adam step and returns the
//! loss as a device tensor, never reading it, so a browser caller can await
//! the read (or skip it) and yield to the event loop between steps.

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::{Int, Tensor, TensorData};

use super::TrainConfig;
use crate::rng::Rng;

/// A model with a training objective.
pub trait Trainable: Module + Clone {
    /// The batch loss, shape `[1]`.
    fn loss(&self, x: Tensor<2>) -> Tensor<1>;
}

/// What one step did.
pub struct StepReport {
    /// The epoch this step belongs to (0-based).
    pub epoch: usize,
    /// Steps done so far, this one included.
    pub step: usize,
    pub total_steps: usize,
    /// This minibatch's loss, `[1]`, detached; reading it is the caller's choice.
    pub batch_loss: Tensor<1>,
    /// The epoch's mean loss, `[1]`, on the step that ends an epoch.
    pub epoch_loss: Option<Tensor<1>>,
}

/// Trains `M` on a dataset held on the device.
pub struct Trainer<M: Trainable> {
    model: Option<M>,
    optim: ModuleOptimizer,
    data: Tensor<2>,
    rows: usize,
    config: TrainConfig,
    rng: Rng,
    order: Vec<i64>,
    cursor: usize,
    epoch: usize,
    step: usize,
    epoch_loss: Option<Tensor<1>>,
}

impl<M: Trainable> Trainer<M> {
    /// `data: [rows, d]` on an autodiff device; `model` on the same device.
    pub fn new(model: M, data: Tensor<2>, config: TrainConfig, rng: Rng) -> Self {
        let rows = data.dims()[0];
        Self {
            model: Some(model),
            optim: AdamConfig::new().init(),
            data,
            rows,
            order: (0..rows as i64).collect(),
            config,
            rng,
            cursor: 0,
            epoch: 0,
            step: 0,
            epoch_loss: None,
        }
    }

    pub fn steps_per_epoch(&self) -> usize {
        self.rows.div_ceil(self.config.batch_size.max(1))
    }

    pub fn total_steps(&self) -> usize {
        self.steps_per_epoch() * self.config.epochs
    }

    /// Runs one minibatch; `None` when training is over.
    pub fn step(&mut self) -> Option<StepReport> {
        if self.epoch >= self.config.epochs || self.rows == 0 {
            return None;
        }
        let model = self.model.take()?;
        if self.cursor == 0 {
            self.rng.shuffle(&mut self.order);
        }
        let end = (self.cursor + self.config.batch_size).min(self.rows);
        let idx = self.order[self.cursor..end].to_vec();
        let len = idx.len();
        let device = self.data.device();
        let idx = Tensor::<1, Int>::from_data(TensorData::new(idx, [len]), &device);
        let batch = self.data.clone().select(0, idx);

        let loss = model.loss(batch);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        self.model = Some(self.optim.step(self.config.learning_rate, model, grads));

        let batch_loss = loss.detach();
        let weighted = batch_loss.clone().mul_scalar(len as f64);
        self.epoch_loss = Some(match self.epoch_loss.take() {
            Some(acc) => acc + weighted,
            None => weighted,
        });
        self.cursor = end;
        self.step += 1;
        let epoch = self.epoch;
        let mut epoch_loss = None;
        if self.cursor >= self.rows {
            self.cursor = 0;
            self.epoch += 1;
            epoch_loss = self
                .epoch_loss
                .take()
                .map(|s| s.div_scalar(self.rows as f64));
        }
        Some(StepReport {
            epoch,
            step: self.step,
            total_steps: self.total_steps(),
            batch_loss,
            epoch_loss,
        })
    }

    /// The model as trained so far, without autodiff.
    pub fn into_model(self) -> M {
        match self.model {
            Some(m) => m.valid(),
            // `model` is only `None` inside `step`, which always puts it back.
            None => unreachable!("trainer lost its model"),
        }
    }
}
