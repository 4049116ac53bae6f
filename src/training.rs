//! Drives the core's step API in the browser: a few steps at a time, then a
//! yield to the event loop, so the page stays responsive; the epoch loss is
//! read asynchronously (a synchronous read panics on WebGPU).

use anomaly_lab_core::detector::{
    read_f32, score_rows, DetectorSpec, Scored, TrainingRun, SCORE_CHUNK_ROWS,
};
use burn::tensor::Device;

use crate::dom::{now_ms, yield_now};

/// Where training stands.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Progress {
    pub epoch: usize,
    pub epochs: usize,
    pub step: usize,
    pub total: usize,
}

/// How a training run ended.
pub enum Outcome {
    Done(Scored),
    Cancelled,
}

/// Milliseconds of work between two yields to the browser.
const SLICE_MS: f64 = 12.0;

/// Trains `spec` on `x` (`rows × d`, standardised), reporting progress and
/// each epoch's loss, then scores every row.
pub async fn train_and_score(
    x: &[f32],
    d: usize,
    spec: &DetectorSpec,
    device: &Device,
    cancelled: impl Fn() -> bool,
    on_progress: impl Fn(Progress),
    on_loss: impl Fn(usize, f32),
) -> Result<Outcome, String> {
    let mut run = TrainingRun::new(spec, x, d, device).map_err(|e| e.to_string())?;
    let total = run.total_steps();
    let epochs = spec.train.epochs;
    on_progress(Progress {
        epoch: 0,
        epochs,
        step: 0,
        total,
    });
    loop {
        let start = now_ms();
        let mut finished = false;
        while now_ms() - start < SLICE_MS {
            let Some(report) = run.step() else {
                finished = true;
                break;
            };
            if let Some(loss) = report.epoch_loss {
                let v = read_f32(loss).await.map_err(|e| e.to_string())?;
                let v = v.first().copied().unwrap_or(f32::NAN);
                if !v.is_finite() {
                    return Err(format!(
                        "training diverged at epoch {}: the loss became {v}; lower the learning rate",
                        report.epoch + 1
                    ));
                }
                on_loss(report.epoch, v);
                on_progress(Progress {
                    epoch: report.epoch + 1,
                    epochs,
                    step: report.step,
                    total,
                });
                // Let the loss curve paint.
                break;
            }
        }
        if cancelled() {
            return Ok(Outcome::Cancelled);
        }
        if finished {
            break;
        }
        yield_now(0).await;
    }
    let model = run.finish();
    let scored = score_rows(&model, x, d, device, SCORE_CHUNK_ROWS)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Outcome::Done(scored))
}
