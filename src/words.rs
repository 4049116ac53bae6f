//! Everything the page says in words about numbers and scores: one number
//! formatter, and the wording of a score's reasons. Pure, tested natively.

use anomaly_lab_core::data::ParseProgress;
use anomaly_lab_core::detector::Progress;
use anomaly_lab_core::session::{Cause, LabelWarning, Reason, Subject};

/// A value as a person would write it: integers plainly, others to at most
/// 4 decimals with trailing zeros dropped (`0.02`, `4.0151`, `-3`); a value
/// too large or too small for that is written in full.
pub fn format_value(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e9 {
        format!("{v:.0}")
    } else if v.abs() >= 1e9 || (v != 0.0 && v.abs() < 1e-4) {
        v.to_string()
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// A duration as people say it: `0.4 s`, `42 s`, `3 min 05 s`, `1 h 02 min`.
pub fn duration_text(ms: f64) -> String {
    let s = (ms / 1000.0).max(0.0);
    if s < 10.0 {
        format!("{s:.1} s")
    } else if s < 60.0 {
        format!("{s:.0} s")
    } else if s < 3600.0 {
        let s = s.round() as u64;
        format!("{} min {:02} s", s / 60, s % 60)
    } else {
        let m = (s / 60.0).round() as u64;
        format!("{} h {:02} min", m / 60, m % 60)
    }
}

/// Where a training run stands, for [`progress_text`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Run {
    NotStarted,
    /// Running for `ms` so far.
    Running {
        ms: f64,
    },
    /// Ended (trained, failed or cancelled) after `ms`.
    Ended {
        ms: f64,
        cancelled: bool,
    },
}

/// The training progress line: `epoch 3 of 30 · 4.2 s · about 38 s left`,
/// then `epoch 30 of 30 · took 42 s`. The estimate waits for a second of
/// training and a step done, so it does not jump about at the start.
pub fn progress_text(p: &Progress, run: Run) -> String {
    let epochs = format!("epoch {} of {}", p.epoch, p.epochs);
    match run {
        Run::NotStarted => epochs,
        Run::Running { ms } if p.step > 0 && p.step < p.total && ms >= 1000.0 => {
            let left = ms * (p.total - p.step) as f64 / p.step as f64;
            format!(
                "{epochs} · {} · about {} left",
                duration_text(ms),
                duration_text(left)
            )
        }
        Run::Running { ms } => format!("{epochs} · {}", duration_text(ms)),
        Run::Ended {
            ms,
            cancelled: true,
        } => format!("{epochs} · stopped after {}", duration_text(ms)),
        Run::Ended { ms, .. } => format!("{epochs} · took {}", duration_text(ms)),
    }
}

/// The data report's line on the detector's training rows, when it
/// The notice while a file is read: its name and size, then how far the
/// parse has got (rows and MB, then columns); and the share done, for the
/// progress bar (splitting into records is counted as the first 60%).
pub fn reading_text(name: &str, total_bytes: f64, p: Option<ParseProgress>) -> (String, f64) {
    let mb = |b: f64| b / 1e6;
    let head = format!("Reading {name} ({:.0} MB)…", mb(total_bytes));
    match p {
        None => (head, 0.0),
        Some(ParseProgress::Reading {
            bytes,
            total_bytes,
            rows,
        }) => {
            let share = bytes as f64 / total_bytes.max(1) as f64;
            (
                format!(
                    "{head} {} rows, {:.1} of {:.1} MB",
                    thousands(rows),
                    mb(bytes as f64),
                    mb(total_bytes as f64)
                ),
                0.6 * share.min(1.0),
            )
        }
        Some(ParseProgress::Columns { done, total }) => (
            format!("{head} column {} of {total}", done.min(total)),
            0.6 + 0.4 * (done as f64 / total.max(1) as f64).min(1.0),
        ),
    }
}

/// trains on a sample of them.
pub fn training_sample_text(rows: usize, max_rows: usize) -> Option<String> {
    (max_rows > 0 && rows > max_rows).then(|| {
        format!(
            "the detector trains on a seeded sample of {} of the {} rows, then scores \
             every row (Detector › Training rows; 0 = all)",
            thousands(max_rows),
            thousands(rows)
        )
    })
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What a part of a score measures, in a few words.
pub fn cause_name(cause: Cause) -> &'static str {
    match cause {
        Cause::Reconstruction => "reconstruction error",
        Cause::Distance => "distance",
        Cause::UnusualValue => "unusual value",
        Cause::LearntWeight => "weight learnt from labels",
        Cause::NearbyLabels => "labelled rows nearby",
        Cause::SharedRegions => "labelled rows in the same regions",
        Cause::Isolation => "isolation forest",
    }
}

/// The reason's headline: `x2 = 4.0151 (z +3.2)`, `the detector's
/// distance`, or closeness to labelled rows.
pub fn reason_text(reason: &Reason, features: &[String]) -> String {
    match reason.subject {
        Subject::Feature { index, value, z } => {
            // No "-0.0": a value at the mean reads "z +0.0".
            let z = if z.abs() < 0.05 { 0.0 } else { z };
            let name = features.get(index).map_or("?", String::as_str);
            format!("{name} = {} (z {z:+.1})", format_value(value))
        }
        Subject::DetectorOutputs => "the detector's distance".into(),
        Subject::Neighbours if reason.value > 0.0 => "close to labelled anomalies".into(),
        Subject::Neighbours => "close to labelled normal rows".into(),
        Subject::Isolation if reason.value > 0.0 => "easy to isolate from the other rows".into(),
        Subject::Isolation => "hard to isolate from the other rows".into(),
    }
}

/// The parts behind a reason: `unusual value +0.59, reconstruction error +0.10`.
pub fn reason_detail(reason: &Reason) -> String {
    reason
        .causes
        .iter()
        .map(|&(c, v)| format!("{} {v:+.2}", cause_name(c)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A label warning in words, pointing to undo.
pub fn warning_text(warning: &LabelWarning) -> String {
    let word = |anomaly: bool| if anomaly { "anomaly" } else { "normal" };
    match *warning {
        LabelWarning::Contradicted {
            row,
            anomaly,
            against,
            ..
        } => format!(
            "Row {} is labelled {}, but labelled rows like it (about {} rows' worth) \
             were called {}. If that answer was a mistake, undo it (Z) or relabel the row.",
            row + 1,
            word(anomaly),
            format_value((against * 10.0).round() / 10.0),
            word(!anomaly)
        ),
        LabelWarning::NothingAboveBoundary => "No unlabelled row scores above the boundary \
            any more: the layer now calls every remaining row normal. If that is not what \
            you expect, a recent answer may have been a mistake: undo it (Z)."
            .into(),
    }
}

/// A column name short enough for a chart's label: at most 14 characters,
/// cut with an ellipsis, control characters escaped.
pub fn shown_name(name: &str) -> String {
    let clean = anomaly_lab_core::data::shown(name);
    if clean.chars().count() <= 14 {
        clean
    } else {
        let cut: String = clean.chars().take(13).collect();
        format!("{cut}…")
    }
}

/// Teaching mode's narration of the paper's point, in three steps chosen
/// from where the user is: `found` true anomalies among `queries` labels,
/// `top10` true anomalies among the detector's ten best rows, `anomalies`
/// in the data. Returns the step (1–3) and its text.
pub fn teach_text(queries: usize, found: usize, top10: usize, anomalies: usize) -> (u8, String) {
    if found == 0 {
        let misses = if top10 <= 2 {
            format!(
                "only {top10} of its top 10 rows are true anomalies: it misses most of the {anomalies}"
            )
        } else {
            format!("{top10} of its top 10 rows are true anomalies")
        };
        let tried = if queries > 0 {
            format!(" Your {queries} answers so far found none.")
        } else {
            String::new()
        };
        (
            1,
            format!(
                "The detector ranks rows by how badly it rebuilds them, and {misses}.{tried} \
                 Tick \u{201c}show true anomalies\u{201d}: the outlined points are what it should \
                 find. Click one and press A."
            ),
        )
    } else if found < 5 && queries < 20 {
        (
            2,
            "The active layer sits on top of the frozen detector and learns from your answers: \
             it raises the weights of what your anomaly shows (the bars below) and the rows near \
             it. Watch the colours and the queue change, then keep answering the suggestion."
                .to_string(),
        )
    } else {
        (
            3,
            format!(
                "{found} of {anomalies} found in {queries} answers. Compare the red curve (your \
                 labels) with the dashed one (the detector's order without feedback): the gap is \
                 what your answers taught. Rows scoring above 0, the layer's boundary, read \
                 \u{201c}anomaly\u{201d}."
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(format_value(3.0), "3");
        assert_eq!(format_value(-12.0), "-12");
        assert_eq!(format_value(0.02), "0.02");
        assert_eq!(format_value(4.01512), "4.0151");
        assert_eq!(format_value(1.5e12), "1500000000000");
        assert_eq!(format_value(2e-7), "0.0000002");
    }

    #[test]
    fn the_training_sample_is_reported_only_when_there_is_one() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(50_000), "50,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(
            training_sample_text(286_048, 50_000).as_deref(),
            Some(
                "the detector trains on a seeded sample of 50,000 of the 286,048 rows, \
                 then scores every row (Detector › Training rows; 0 = all)"
            )
        );
        assert_eq!(training_sample_text(50_000, 50_000), None);
        assert_eq!(training_sample_text(286_048, 0), None);
    }

    #[test]
    fn durations_and_progress_read_as_people_say_them() {
        assert_eq!(duration_text(400.0), "0.4 s");
        assert_eq!(duration_text(42_300.0), "42 s");
        assert_eq!(duration_text(185_000.0), "3 min 05 s");
        assert_eq!(duration_text(3_720_000.0), "1 h 02 min");
        let p = Progress {
            epoch: 3,
            epochs: 30,
            step: 30,
            total: 300,
            loss: None,
        };
        assert_eq!(progress_text(&p, Run::NotStarted), "epoch 3 of 30");
        // 30 of 300 steps in 4.2 s: 37.8 s to go.
        assert_eq!(
            progress_text(&p, Run::Running { ms: 4200.0 }),
            "epoch 3 of 30 · 4.2 s · about 38 s left"
        );
        // No estimate before a second has passed.
        assert_eq!(
            progress_text(&p, Run::Running { ms: 300.0 }),
            "epoch 3 of 30 · 0.3 s"
        );
        let done = Progress {
            epoch: 30,
            step: 300,
            ..p
        };
        assert_eq!(
            progress_text(
                &done,
                Run::Ended {
                    ms: 42_000.0,
                    cancelled: false
                }
            ),
            "epoch 30 of 30 · took 42 s"
        );
        assert_eq!(
            progress_text(
                &p,
                Run::Ended {
                    ms: 4_000.0,
                    cancelled: true
                }
            ),
            "epoch 3 of 30 · stopped after 4.0 s"
        );
    }

    #[test]
    fn reasons_are_worded_by_subject_and_cause() {
        let features = vec!["x1".to_string(), "x2".to_string()];
        let r = Reason {
            subject: Subject::Feature {
                index: 1,
                value: 4.01512,
                z: 3.21,
            },
            value: 0.7,
            causes: vec![(Cause::UnusualValue, 0.59), (Cause::Reconstruction, 0.11)],
        };
        assert_eq!(reason_text(&r, &features), "x2 = 4.0151 (z +3.2)");
        assert_eq!(
            reason_detail(&r),
            "unusual value +0.59, reconstruction error +0.11"
        );
        let near = |value| Reason {
            subject: Subject::Neighbours,
            value,
            causes: vec![(Cause::NearbyLabels, value)],
        };
        assert_eq!(
            reason_text(&near(1.0), &features),
            "close to labelled anomalies"
        );
        assert_eq!(
            reason_text(&near(-1.0), &features),
            "close to labelled normal rows"
        );
        let at_mean = Reason {
            subject: Subject::Feature {
                index: 0,
                value: 0.0,
                z: -0.01,
            },
            value: 0.1,
            causes: vec![],
        };
        assert_eq!(reason_text(&at_mean, &features), "x1 = 0 (z +0.0)");
    }

    #[test]
    fn warnings_name_the_row_and_point_to_undo() {
        let w = LabelWarning::Contradicted {
            row: 11,
            anomaly: true,
            against: 4.26,
            place: 0,
        };
        let text = warning_text(&w);
        assert!(text.starts_with("Row 12 is labelled anomaly"), "{text}");
        assert!(
            text.contains("about 4.3 rows' worth) were called normal"),
            "{text}"
        );
        assert!(text.contains("undo"));
        assert!(warning_text(&LabelWarning::NothingAboveBoundary).contains("undo it (Z)"));
    }

    #[test]
    fn reading_says_rows_megabytes_then_columns() {
        let (t, f) = reading_text("big.csv", 3.2e6, None);
        assert_eq!((t.as_str(), f), ("Reading big.csv (3 MB)…", 0.0));
        let (t, f) = reading_text(
            "big.csv",
            3.2e6,
            Some(ParseProgress::Reading {
                bytes: 1_600_000,
                total_bytes: 3_200_000,
                rows: 12_345,
            }),
        );
        assert_eq!(t, "Reading big.csv (3 MB)… 12,345 rows, 1.6 of 3.2 MB");
        assert!((f - 0.3).abs() < 1e-9);
        let (t, f) = reading_text(
            "big.csv",
            3.2e6,
            Some(ParseProgress::Columns { done: 5, total: 10 }),
        );
        assert_eq!(t, "Reading big.csv (3 MB)… column 5 of 10");
        assert!((f - 0.8).abs() < 1e-9);
    }

    #[test]
    fn teaching_follows_the_user() {
        let (step, text) = teach_text(0, 0, 0, 100);
        assert_eq!(step, 1);
        assert!(text
            .contains("only 0 of its top 10 rows are true anomalies: it misses most of the 100"));
        assert!(!text.contains("answers so far"));
        assert!(teach_text(6, 0, 4, 100).1.contains(
            "4 of its top 10 rows are true anomalies. Your 6 answers so far found none."
        ));
        assert_eq!(teach_text(3, 1, 0, 100).0, 2);
        assert_eq!(teach_text(25, 2, 0, 100).0, 3);
        let (step, text) = teach_text(12, 9, 0, 100);
        assert_eq!(step, 3);
        assert!(text.starts_with("9 of 100 found in 12 answers."));
    }

    #[test]
    fn chart_names_are_short() {
        assert_eq!(shown_name("age"), "age");
        assert_eq!(shown_name("a very long column name"), "a very long c…");
        assert_eq!(shown_name("é".repeat(20).as_str()).chars().count(), 14);
    }
}
