//! The one place that names concrete burn backends: WebGPU when the browser
//! gives an adapter, else the CPU (`flex`). In "auto" a software adapter is
//! not taken (see [`crate::adapter`]).

use std::cell::RefCell;

use burn::tensor::wgpu::WgpuBackend;
use burn::tensor::Device;

use crate::dom::has_webgpu;

/// Which backend trains and scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    WebGpu,
    Cpu,
}

impl BackendKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::WebGpu => "WebGPU",
            Self::Cpu => "CPU",
        }
    }
}

thread_local! {
    /// The WebGPU runtime can be initialised once per page: keep its device,
    /// or the reason there is none.
    static WEBGPU: RefCell<Option<Result<Device, String>>> = const { RefCell::new(None) };
}

/// The WebGPU device, initialised on first use.
pub async fn webgpu() -> Result<Device, String> {
    if let Some(cached) = WEBGPU.with(|w| w.borrow().clone()) {
        return cached;
    }
    let result = if has_webgpu() {
        Device::wgpu_options()
            .graphics_api(WgpuBackend::WebGpu)
            .init_async()
            .await
            .map_err(|e| {
                format!(
                    "WebGPU is present but gave no usable adapter ({})",
                    anomaly_lab_core::error::one_line(&e.to_string())
                )
            })
    } else {
        Err("this browser does not expose WebGPU".to_string())
    };
    WEBGPU.with(|w| *w.borrow_mut() = Some(result.clone()));
    result
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
