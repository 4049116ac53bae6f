//! Properties of CSV → Table → standardise, on inputs proptest makes up:
//! the parser is total, every error names a place, tables it accepts are
//! well formed, and standardisation never gives a non-finite number.

// Test code: a failed unwrap is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use anomaly_lab_core::data::{parse_csv, LoadOptions};
use anomaly_lab_core::error::DataError;
use anomaly_lab_core::standardize::Standardizer;
use proptest::prelude::*;

fn options() -> LoadOptions {
    LoadOptions {
        min_rows: 1,
        ..LoadOptions::default()
    }
}

/// Cells a user might write: numbers in many forms, missing markers, words,
/// quotes, separators and the odd control character.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<f64>().prop_map(|v| v.to_string()),
        any::<i32>().prop_map(|v| v.to_string()),
        (-1e6f64..1e6).prop_map(|v| format!("{v:.3}")),
        Just(String::new()),
        Just("NA".to_string()),
        Just("?".to_string()),
        Just("anomaly".to_string()),
        Just("nominal".to_string()),
        Just("-1".to_string()),
        Just("\"1,234\"".to_string()),
        Just("$5.10".to_string()),
        Just("7%".to_string()),
        Just("1,5".to_string()),
        "[a-z]{1,6}",
        "[ -~]{0,8}",
        ".{0,4}",
    ]
}

/// A CSV of `rows` lines of `cols` cells, mostly rectangular, with a chosen
/// delimiter and an optional header.
fn csv() -> impl Strategy<Value = Vec<u8>> {
    (
        1usize..6,
        1usize..30,
        prop::sample::select(vec![",", ";", "\t", "|"]),
        any::<bool>(),
    )
        .prop_flat_map(|(cols, rows, delim, header)| {
            (
                prop::collection::vec(prop::collection::vec(cell(), cols..=cols), rows..=rows),
                Just(delim),
                Just(header),
                prop::collection::vec("[a-z]{0,6}", cols..=cols),
            )
        })
        .prop_map(|(body, delim, header, names)| {
            let mut s = String::new();
            if header {
                s.push_str(&names.join(delim));
                s.push('\n');
            }
            for row in body {
                s.push_str(&row.join(delim));
                s.push('\n');
            }
            s.into_bytes()
        })
}

fn error_line(e: &DataError) -> Option<u64> {
    match e {
        DataError::RaggedRow { line, .. }
        | DataError::NotText { line }
        | DataError::BadUtf16 { line }
        | DataError::UnclosedQuote { line }
        | DataError::Malformed { line, .. }
        | DataError::NonNumeric { line, .. }
        | DataError::OutOfRange { line, .. }
        | DataError::TooLarge { line, .. } => Some(*line),
        _ => None,
    }
}

proptest! {
    // 600 cases in the test command; PROPTEST_CASES=N for a longer hunt.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(600),
        ..ProptestConfig::default()
    })]

    /// Any bytes: a table or an error, never a panic; an error that names a
    /// line names one inside the file; messages stay short.
    #[test]
    fn the_parser_is_total(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        match parse_csv(&bytes, &options()) {
            Ok(t) => prop_assert_eq!(t.values.len(), t.rows() * t.cols()),
            Err(e) => {
                let lines = bytes.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
                if let Some(line) = error_line(&e) {
                    prop_assert!(line >= 1 && line <= lines, "{e} in {lines} lines");
                }
                prop_assert!(e.to_string().chars().count() < 400);
            }
        }
    }

    /// CSV-shaped input: accepted tables are well formed and finite, and
    /// their standardised values are finite; refusals name a line when the
    /// fault is in one.
    #[test]
    fn accepted_tables_are_finite_and_standardise_finitely(bytes in csv()) {
        match parse_csv(&bytes, &options()) {
            Ok(t) => {
                prop_assert!(t.cols() > 0);
                prop_assert_eq!(t.values.len(), t.rows() * t.cols());
                prop_assert!(t.values.iter().all(|v| v.is_finite()));
                if let Some(l) = &t.labels {
                    prop_assert_eq!(l.len(), t.rows());
                }
                prop_assert!(t.features.iter().all(|f| !f.is_empty()));
                let z = Standardizer::fit(&t.values, t.cols()).transform(&t.values);
                prop_assert!(z.iter().all(|v| v.is_finite()));
            }
            Err(e) => {
                let text = String::from_utf8_lossy(&bytes);
                if let Some(line) = error_line(&e) {
                    prop_assert!(line >= 1 && line as usize <= text.lines().count() + 1, "{e}");
                }
            }
        }
    }

    /// Any finite values, however large or small: finite z-scores, each
    /// column centred.
    #[test]
    fn standardisation_never_overflows(
        cols in 1usize..4,
        values in prop::collection::vec(
            prop_oneof![any::<f64>().prop_filter("finite", |v| v.is_finite()), -1e3f64..1e3],
            1..120,
        ),
    ) {
        let n = values.len() / cols * cols;
        prop_assume!(n > 0);
        let v = &values[..n];
        let z = Standardizer::fit(v, cols).transform(v);
        prop_assert!(z.iter().all(|x| x.is_finite()), "{:?}", z);
        let rows = n / cols;
        prop_assert!(z.iter().all(|x| (x.abs() as f64) <= (rows as f64).sqrt() + 1e-3));
    }

    /// Numbers written plainly come back exactly.
    #[test]
    fn plain_numbers_round_trip(
        values in prop::collection::vec(prop::collection::vec(-1e12f64..1e12, 2..=2), 12..40),
    ) {
        let mut s = String::from("a,b\n");
        for r in &values {
            s.push_str(&format!("{},{}\n", r[0], r[1]));
        }
        let t = parse_csv(s.as_bytes(), &options()).unwrap();
        let flat: Vec<f64> = values.concat();
        prop_assert_eq!(t.values, flat);
    }
}
