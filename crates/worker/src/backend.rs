//! The one place that names concrete burn backends: WebGPU when the browser
//! gives the worker an adapter, else the CPU (`flex`). Which one to ask for
//! is the page's choice ("auto" passes over a software adapter there).

use std::cell::RefCell;

use anomaly_lab_core::detector::wire::BackendKind;
use burn::tensor::wgpu::WgpuBackend;
use burn::tensor::Device;

/// Whether this worker's global scope exposes `navigator.gpu` (Chromium
/// gives dedicated workers WebGPU).
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
