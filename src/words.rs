//! Everything the page says in words about numbers and scores: one number
//! formatter, and the wording of a score's reasons. Pure, tested natively.

use anomaly_lab_core::data::ParseProgress;
use anomaly_lab_core::detector::Progress;
use anomaly_lab_core::session::{Asker, Cause, LabelWarning, Reason, Subject};

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

/// Which ranking asks the next question, in words, with how each has
/// done; `None` until the second ranking has asked or is about to (so a
/// session that never uses it says nothing).
pub fn asker_text(asker: &Asker) -> Option<String> {
    let record = |(hits, asked): (usize, usize)| {
        let a = if hits == 1 { "anomaly" } else { "anomalies" };
        let q = if asked == 1 { "question" } else { "questions" };
        format!("{hits} {a} in {asked} {q}")
    };
    if asker.third {
        let third = record(asker.third_record);
        let others = match asker.others_record {
            (_, 0) => "none yet".to_string(),
            r => record(r),
        };
        let so_far = record(asker.rankings_record);
        let how = match asker.third_record.1 {
            0 => format!(
                "a first try, now that there are many answers (the rankings so far: {so_far})"
            ),
            _ => format!(
                "they find anomalies at least as often ({third}; the rankings, on the \
                 questions where the two differed: {others})"
            ),
        };
        return Some(format!(
            "Next question from trees fitted to your answers: {how}. Colours and scores \
             stay the layer's."
        ));
    }
    if asker.lookalike {
        let so_far = record(asker.rankings_record);
        let how = match asker.lookalike_record {
            (_, 0) => "its first question".to_string(),
            r => format!("so far {}", record(r)),
        };
        return Some(format!(
            "Next question: the row most like the anomalies found so far, by the isolation \
             forest's leaves they share ({how}; the rankings: {so_far}). It asks only among the \
             first answers, and stands aside once it misses a few times in a row. Colours \
             and scores stay the layer's."
        ));
    }
    let (first, second) = (record(asker.first_record), record(asker.second_record));
    let line = match (asker.second, asker.second_record.1) {
        // Nothing to say of the rankings yet, unless the search is on.
        (false, 0) => asker
            .search
            .then(|| format!("Next question from the layer's ranking ({first}).")),
        (true, 0) => Some(format!(
            "Next question from the isolation forest's ranking, for a second opinion \
             (the layer's ranking: {first}). Colours and scores stay the layer's."
        )),
        (true, _) => Some(format!(
            "Next question from the isolation forest's ranking: it finds anomalies at least \
             as often ({second}; the layer's ranking: {first}). Colours and scores stay \
             the layer's."
        )),
        (false, _) => Some(format!(
            "Next question from the layer's ranking ({first}; the isolation forest's \
             ranking: {second})."
        )),
    };
    match line {
        Some(line) if asker.search => Some(format!("{line} {SEARCH}")),
        line => line,
    }
}

/// What the asker line adds while the search is on.
const SEARCH: &str = "The search is on, as your answers have found little so far: the \
     ranking of the questions sets aside the regions your \"normal\" answers touched, so it \
     asks about regions not seen yet, while the colours keep the scores.";

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
mod tests;
