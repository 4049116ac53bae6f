//! CSV bytes → Table → standardise → the first training step: nothing may
//! panic, an accepted table is finite, its z-scores are finite, and a
//! training step on it either runs or fails with a typed error.
#![no_main]

use anomaly_lab_core::data::{parse_csv, LoadOptions};
use anomaly_lab_core::detector::{DetectorSpec, TrainingRun};
use anomaly_lab_core::standardize::Standardizer;
use burn::tensor::Device;
use libfuzzer_sys::fuzz_target;

/// Tables this small also take a training step (keeps the fuzzer fast).
const TRAIN_CELLS: usize = 2_000;

fuzz_target!(|bytes: &[u8]| {
    let options = LoadOptions {
        min_rows: 1,
        max_cells: 200_000,
        ..LoadOptions::default()
    };
    let Ok(table) = parse_csv(bytes, &options) else {
        return;
    };
    assert_eq!(table.values.len(), table.rows() * table.cols());
    assert!(table.values.iter().all(|v| v.is_finite()));
    let z = Standardizer::fit(&table.values, table.cols()).transform(&table.values);
    assert!(z.iter().all(|v| v.is_finite()), "non-finite z-score");
    if z.len() > TRAIN_CELLS {
        return;
    }
    let mut spec = DetectorSpec::default();
    spec.train.epochs = 1;
    let device = Device::flex();
    if let Ok(mut run) = TrainingRun::new(&spec, &z, table.cols(), &device) {
        let _ = run.step();
    }
});
