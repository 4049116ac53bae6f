//! The one place that names concrete burn backends: WebGPU when the browser
//! gives the worker an adapter, else the CPU (`flex`). Which one to ask for
//! is the page's choice ("auto" passes over a software adapter there, and
//! has the worker time a few steps on each device when the GPU is real).
//! WebGPU is in the module built with the `gpu` feature only; the page
//! starts that module for runs on WebGPU.

use std::cell::RefCell;

use anomaly_lab_core::detector::wire::{
    race_budget_ms, race_verdict, BackendKind, Trial, RACE_STEPS, RACE_WARMUP,
};
use anomaly_lab_core::detector::{read_f32, DetectorSpec, StepReport, TrainingRun};
use anomaly_lab_core::CoreError;
use burn::tensor::Device;

/// Whether this worker's global scope exposes `navigator.gpu` (Chromium
/// gives dedicated workers WebGPU).
#[cfg(feature = "gpu")]
fn has_webgpu() -> bool {
    let get = |o: &wasm_bindgen::JsValue, k: &str| {
        js_sys::Reflect::get(o, &wasm_bindgen::JsValue::from_str(k)).ok()
    };
    get(&js_sys::global(), "navigator")
        .and_then(|n| get(&n, "gpu"))
        .is_some_and(|g| !g.is_undefined() && !g.is_null())
}

thread_local! {
    /// The WebGPU runtime can be initialised once per worker: keep its device,
    /// or the reason there is none.
    static WEBGPU: RefCell<Option<Result<Device, String>>> = const { RefCell::new(None) };
}

/// The WebGPU device, initialised on first use.
pub async fn webgpu() -> Result<Device, String> {
    if let Some(cached) = WEBGPU.with(|w| w.borrow().clone()) {
        return cached;
    }
    let result = init_webgpu().await;
    WEBGPU.with(|w| *w.borrow_mut() = Some(result.clone()));
    result
}

#[cfg(feature = "gpu")]
async fn init_webgpu() -> Result<Device, String> {
    if !has_webgpu() {
        return Err("this browser does not expose WebGPU".to_string());
    }
    Device::wgpu_options()
        .graphics_api(burn::tensor::wgpu::WgpuBackend::WebGpu)
        .init_async()
        .await
        .map_err(|e| {
            format!(
                "WebGPU is present but gave no usable adapter ({})",
                anomaly_lab_core::error::one_line(&e.to_string())
            )
        })
}

/// The CPU module: the page asks the WebGPU module for WebGPU, so this
/// answers only a page that did not.
#[cfg(not(feature = "gpu"))]
async fn init_webgpu() -> Result<Device, String> {
    Err("this worker runs the CPU module, built without WebGPU".to_string())
}

/// The device for `kind`; WebGPU falls back to the CPU with the reason.
pub async fn device(kind: BackendKind) -> (BackendKind, Device, Option<String>) {
    match kind {
        BackendKind::Cpu => (BackendKind::Cpu, Device::flex(), None),
        BackendKind::WebGpu => match webgpu().await {
            Ok(d) => (BackendKind::WebGpu, d, None),
            Err(why) => (BackendKind::Cpu, Device::flex(), Some(why)),
        },
    }
}

/// "auto" with a hardware GPU: the same training steps timed on the CPU and
/// on WebGPU, on the first rows of `x`, and the faster kept, with the
/// timings in words ([`race_verdict`]). WebGPU is stopped once it is far
/// slower ([`race_budget_ms`]). `now` reads the clock in ms.
pub async fn race(
    spec: &DetectorSpec,
    x: &[f32],
    cols: usize,
    now: impl Fn() -> f64,
) -> (BackendKind, Device, Option<String>) {
    let gpu = match webgpu().await {
        Ok(d) => d,
        Err(why) => return (BackendKind::Cpu, Device::flex(), Some(why)),
    };
    // One full batch, and epochs enough for every step to be taken.
    let mut short = spec.clone();
    short.train.epochs = RACE_WARMUP + RACE_STEPS;
    let rows = (x.len() / cols.max(1)).min(short.train.batch_size.max(1));
    let x = &x[..rows * cols];
    let cpu = Device::flex();
    let cpu_ms = time_steps(&short, x, cols, &cpu, &now, f64::INFINITY)
        .await
        .ok()
        .and_then(|t| match t {
            Trial::Timed(ms) => Some(ms),
            _ => None,
        })
        .unwrap_or(f64::INFINITY);
    let gpu_trial = time_steps(&short, x, cols, &gpu, &now, race_budget_ms(cpu_ms))
        .await
        .unwrap_or(Trial::Failed);
    let (kind, why) = race_verdict(cpu_ms, gpu_trial);
    let device = match kind {
        BackendKind::WebGpu => gpu,
        BackendKind::Cpu => cpu,
    };
    (kind, device, Some(why))
}

/// [`RACE_STEPS`] training steps on `device` after [`RACE_WARMUP`] untimed
/// ones, timed in chunks that each end waiting for the device (a read of
/// the last loss); stopped once past `budget_ms`.
async fn time_steps(
    spec: &DetectorSpec,
    x: &[f32],
    cols: usize,
    device: &Device,
    now: &impl Fn() -> f64,
    budget_ms: f64,
) -> Result<Trial, CoreError> {
    const CHUNK: usize = 5;
    let mut run = TrainingRun::new(spec, x, cols, device)?;
    let mut steps = |n: usize| -> Result<StepReport, CoreError> {
        let mut last = None;
        for _ in 0..n {
            last = run.step();
        }
        last.ok_or_else(|| CoreError::Worker("a trial run ended early".into()))
    };
    read_f32(steps(RACE_WARMUP)?.batch_loss).await?;
    let start = now();
    let mut done = 0;
    while done < RACE_STEPS {
        let n = CHUNK.min(RACE_STEPS - done);
        read_f32(steps(n)?.batch_loss).await?;
        done += n;
        let ms = now() - start;
        if ms > budget_ms && done < RACE_STEPS {
            return Ok(Trial::Slower { ms, steps: done });
        }
    }
    Ok(Trial::Timed(now() - start))
}
