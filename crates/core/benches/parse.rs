//! CSV → table, on generated numeric CSVs of growing size.
//!
//! Run: `cargo bench -p anomaly-lab-core --bench parse`
//!
//! The reference in the same run is the least any parser must do: one pass
//! over the bytes that splits lines and fields and parses every field as an
//! f64 (`str::parse`), with no sniffing, typing, imputation or report.

// Test and benchmark code: a failed unwrap is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Instant;

use anomaly_lab_core::data::{parse_csv, LoadOptions};
use anomaly_lab_core::rng::Rng;

fn csv(rows: usize, cols: usize) -> Vec<u8> {
    let mut rng = Rng::new(3);
    let mut out = String::from("label");
    for j in 0..cols {
        out.push_str(&format!(",x{j}"));
    }
    out.push('\n');
    for i in 0..rows {
        out.push_str(if i % 50 == 0 { "anomaly" } else { "nominal" });
        for _ in 0..cols {
            out.push_str(&format!(",{:.5}", rng.normal()));
        }
        out.push('\n');
    }
    out.into_bytes()
}

fn reference(bytes: &[u8]) -> f64 {
    let text = std::str::from_utf8(bytes).unwrap_or("");
    let mut sum = 0.0;
    for line in text.lines().skip(1) {
        for field in line.split(',').skip(1) {
            sum += field.parse::<f64>().unwrap_or(0.0);
        }
    }
    sum
}

fn median_ms(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    println!("| rows × columns | MB | parse_csv (median ms) | MB/s | reference pass (median ms) | ratio |");
    println!("|---|---|---|---|---|---|");
    for (rows, cols) in [(10_000usize, 20usize), (100_000, 20), (1_000_000, 10)] {
        let bytes = csv(rows, cols);
        let runs = if rows >= 1_000_000 { 3 } else { 5 };
        let mut parse = Vec::new();
        let mut refs = Vec::new();
        for _ in 0..runs {
            let t = Instant::now();
            let table = parse_csv(&bytes, &LoadOptions::default()).expect("generated CSV parses");
            black_box(&table);
            parse.push(t.elapsed().as_secs_f64() * 1e3);
            let t = Instant::now();
            black_box(reference(&bytes));
            refs.push(t.elapsed().as_secs_f64() * 1e3);
        }
        let (p, r) = (median_ms(parse), median_ms(refs));
        let mb = bytes.len() as f64 / 1e6;
        println!(
            "| {rows} × {cols} | {mb:.1} | {p:.0} | {:.0} | {r:.0} | {:.1}× |",
            mb / (p / 1e3),
            p / r
        );
    }
}
