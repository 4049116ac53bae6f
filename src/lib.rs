//! Anomaly Lab in the browser: a leptos (client-side rendering) app over
//! `anomaly-lab-core`. Everything here is glue: state, browser I/O and
//! drawing. The engine (data, models, active layer, metrics) lives in the
//! core crate and knows nothing of the DOM.
//!
//! The page exists only for `wasm32`; natively this crate holds its pure
//! modules (`adapter`, `charts`, `lab`, `selection`, `storage`, `params`, `words`, `error`, `viewport`), which the
//! native tests cover.

pub mod adapter;
#[cfg(target_arch = "wasm32")]
mod app;
pub mod charts;
#[cfg(target_arch = "wasm32")]
mod components;
#[cfg(target_arch = "wasm32")]
mod ctx;
#[cfg(target_arch = "wasm32")]
mod dom;
pub mod error;
#[cfg(target_arch = "wasm32")]
mod jobs;
pub mod lab;
pub mod params;
#[cfg(target_arch = "wasm32")]
mod scatter;
pub mod selection;
pub mod storage;
pub mod viewport;
pub mod words;
#[cfg(target_arch = "wasm32")]
mod worker;

/// Entry point: installs the panic hook and mounts the app on `<body>`.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    dom::install_panic_hook();
    leptos::mount::mount_to_body(app::App);
}
