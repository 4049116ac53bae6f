//! Anomaly Lab's engine: CSV → table → detector → active layer → metrics.
//!
//! This crate knows nothing of the DOM. It compiles natively and for
//! `wasm32-unknown-unknown`; every tensor read is asynchronous so the same
//! code runs on WebGPU in the browser. See `ARCHITECTURE.md`.

pub mod active;
mod base64;
pub mod boost;
pub mod data;
pub mod detector;
pub mod error;
#[cfg(feature = "burn")]
pub mod eval;
pub mod forest;
pub mod metrics;
#[cfg(feature = "onnx")]
pub mod onnx;
pub mod projection;
pub mod query;
pub mod rng;
pub mod scorecard;
pub mod scoring;
pub mod session;
pub mod session_file;
mod sort;
pub mod standardize;
pub mod synth;

pub use active::{ActiveConfig, ActiveLayer, ActiveLoss};
pub use data::{parse_csv, parse_csv_with, DataReport, LoadOptions, ParseProgress, Table};
pub use detector::{DetectorKind, DetectorSpec, Scored};
#[cfg(feature = "burn")]
pub use detector::{DetectorModel, TrainingRun};
pub use error::{CoreError, DataError};
pub use query::QueryStrategy;
pub use session::{Asked, Asker, Session};
