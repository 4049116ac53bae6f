//! How the labelling is going, as plain data for the page's evaluation
//! panel: the discovery curve of the labels given so far, the curve of the
//! ranking without feedback and the random expectation; ROC-AUC and
//! average precision before any label and now; the scores' histogram with
//! the layer's boundary, and a threshold that flags rows.
//!
//! Everything is computed from one ranking of the current scores (a radix
//! sort) and the prior's ranking, which the session keeps: linear in the
//! rows, so the page can recompute it after every label.

use crate::metrics::{ranked_quality, ranking};
use crate::session::Session;

/// Which rows a user flags as anomalies, for the histogram and the export.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Threshold {
    /// Every row scoring above this (0 is the layer's boundary).
    Above(f32),
    /// The top share of the rows by score, in (0, 1].
    Top(f64),
}

impl Default for Threshold {
    /// The layer's own boundary: a score above 0 reads "anomaly".
    fn default() -> Self {
        Self::Above(0.0)
    }
}

impl Threshold {
    /// How many of `rows` rows the top share flags (at least one when the
    /// share is above 0).
    fn top_rows(share: f64, rows: usize) -> usize {
        // A NaN share flags nothing.
        if share.is_nan() || share <= 0.0 {
            return 0;
        }
        ((share.min(1.0) * rows as f64).ceil() as usize).min(rows)
    }

    /// Whether the row with this score and rank (0 = most anomalous) is
    /// flagged, among `rows` rows.
    pub fn flags(&self, score: f32, rank: usize, rows: usize) -> bool {
        match *self {
            Self::Above(t) => score > t,
            Self::Top(share) => rank < Self::top_rows(share, rows),
        }
    }
}

/// ROC-AUC and average precision of one ranking against the ground truth.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Quality {
    pub roc_auc: Option<f64>,
    pub average_precision: Option<f64>,
}

/// What the ground truth tells about the labelling so far.
#[derive(Debug, Clone, PartialEq)]
pub struct TruthCard {
    /// True anomalies in the data.
    pub anomalies: usize,
    /// True anomalies among the top `k` rows of the ranking without
    /// feedback (the layer's prior), for `k = 1..=horizon`: what asking in
    /// the detector's order alone would have found.
    pub no_feedback: Vec<usize>,
    /// The ranking without feedback and the current one, both measured on
    /// the rows not labelled yet (labelled rows would flatter the layer,
    /// which has been told their answers).
    pub before: Quality,
    pub now: Quality,
    /// How many rows that is.
    pub unlabelled: usize,
}

/// The scores in bins, and the true anomalies among them.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    /// The bins split `[lo, hi]` evenly; the first and the last also hold
    /// the scores beyond it (the lowest 0.1% and non-finite scores).
    pub lo: f32,
    pub hi: f32,
    pub counts: Vec<u32>,
    /// With ground truth: the true anomalies in each bin.
    pub anomalies: Option<Vec<u32>>,
}

impl Histogram {
    /// The bin a score falls in.
    pub fn bin_of(&self, score: f32) -> usize {
        let n = self.counts.len();
        if n == 0 || !score.is_finite() {
            return 0;
        }
        let at = (score - self.lo) / (self.hi - self.lo) * n as f32;
        (at.max(0.0) as usize).min(n - 1)
    }

    /// Where a score sits along the bins, from 0 (`lo`) to 1 (`hi`).
    pub fn place(&self, score: f32) -> f32 {
        ((score - self.lo) / (self.hi - self.lo)).clamp(0.0, 1.0)
    }
}

/// The evaluation panel's data at one moment of a session.
#[derive(Debug, Clone, PartialEq)]
pub struct Scorecard {
    pub rows: usize,
    /// After each label, in the labels' order: the true anomalies among the
    /// rows labelled so far with ground truth, else the rows labelled
    /// "anomaly".
    pub found: Vec<usize>,
    /// How far the curves go: past the labels given, so that the curve
    /// without feedback shows where it would lead.
    pub horizon: usize,
    pub truth: Option<TruthCard>,
    pub histogram: Histogram,
    /// The rows the threshold flags, and the lowest score among them
    /// (where the histogram draws its line).
    pub flagged: usize,
    pub line: Option<f32>,
}

/// Bins in the histogram.
pub const BINS: usize = 48;

impl Scorecard {
    /// The scorecard of a scored session under `threshold`; `None` before
    /// scoring.
    pub fn of(session: &Session, threshold: Threshold) -> Option<Self> {
        let scores = session.scores()?;
        let rows = scores.len();
        let order = ranking(scores);
        let labels = session.row_labels();
        let truth = session.table().labels.as_deref();
        let history = session.history();
        let mut found = Vec::with_capacity(history.len());
        let mut n = 0;
        for e in history {
            n += usize::from(truth.map_or(e.anomaly, |t| t[e.row]));
            found.push(n);
        }
        let horizon = (history.len() * 3 / 2).max(50).min(rows);
        let truth_card = match (truth, session.prior_scores(), session.prior_order()) {
            (Some(t), Some(prior), Some(prior_order)) => {
                let mut n = 0;
                let no_feedback = prior_order[..horizon]
                    .iter()
                    .map(|&i| {
                        n += usize::from(t[i]);
                        n
                    })
                    .collect();
                let unlabelled = |i: usize| labels[i].is_none();
                let quality = |order: &[usize], scores: &[f32]| {
                    let (roc_auc, average_precision) = ranked_quality(order, scores, t, unlabelled);
                    Quality {
                        roc_auc,
                        average_precision,
                    }
                };
                Some(TruthCard {
                    anomalies: t.iter().filter(|&&a| a).count(),
                    no_feedback,
                    before: quality(prior_order, prior),
                    now: quality(&order, scores),
                    unlabelled: labels.iter().filter(|l| l.is_none()).count(),
                })
            }
            _ => None,
        };
        let histogram = histogram(scores, &order, truth);
        let (flagged, line) = match threshold {
            Threshold::Above(t) => (scores.iter().filter(|&&s| s > t).count(), Some(t)),
            Threshold::Top(share) => {
                let k = Threshold::top_rows(share, rows);
                (k, k.checked_sub(1).map(|k| scores[order[k]]))
            }
        };
        Some(Self {
            rows,
            found,
            horizon,
            truth: truth_card,
            histogram,
            flagged,
            line,
        })
    }

    /// Anomalies a reviewer picking rows at random expects to find in `k`
    /// queries; `None` without ground truth.
    pub fn random_expectation(&self, k: usize) -> Option<f64> {
        let t = self.truth.as_ref()?;
        Some(k as f64 * t.anomalies as f64 / self.rows.max(1) as f64)
    }
}

/// The scores in [`BINS`] bins from the lowest 0.1% (or 0) to the highest
/// score (or 0), so the boundary is always on the chart; `order` is their
/// ranking, most anomalous first.
fn histogram(scores: &[f32], order: &[usize], truth: Option<&[bool]>) -> Histogram {
    let finite: Vec<f32> = [
        order.first(),
        order.get(((order.len().saturating_sub(1)) as f64 * 0.999) as usize),
    ]
    .into_iter()
    .flatten()
    .map(|&i| scores[i])
    .filter(|s| s.is_finite())
    .collect();
    let hi = finite.first().copied().unwrap_or(0.0).max(0.0);
    let lo = finite.last().copied().unwrap_or(0.0).min(0.0);
    let (lo, hi) = if hi - lo < 1e-3 {
        (lo - 0.5, hi + 0.5)
    } else {
        (lo, hi)
    };
    let mut h = Histogram {
        lo,
        hi,
        counts: vec![0; BINS],
        anomalies: truth.map(|_| vec![0; BINS]),
    };
    for (i, &s) in scores.iter().enumerate() {
        let b = h.bin_of(s);
        h.counts[b] += 1;
        if let (Some(a), Some(t)) = (h.anomalies.as_mut(), truth) {
            a[b] += u32::from(t[i]);
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::tests::clustered_session as session;

    #[test]
    fn before_any_label_the_layer_is_its_prior() {
        let s = session();
        let card = Scorecard::of(&s, Threshold::default()).expect("scored");
        let t = card.truth.clone().expect("truth");
        assert_eq!(t.before, t.now);
        assert_eq!(t.anomalies, 20);
        assert_eq!(t.unlabelled, card.rows);
        assert!(card.found.is_empty());
        assert_eq!(card.horizon, 50);
        assert_eq!(t.no_feedback.len(), 50);
        // The curve without feedback is the prior's top-k.
        let order = ranking(s.prior_scores().expect("prior"));
        let truth = s.table().labels.clone().expect("truth");
        let top = order[..50].iter().filter(|&&i| truth[i]).count();
        assert_eq!(t.no_feedback[49], top);
        assert_eq!(card.random_expectation(100), Some(100.0 * 20.0 / 420.0));
        assert_eq!(
            card.histogram.counts.iter().sum::<u32>() as usize,
            card.rows
        );
        let anomalies = card.histogram.anomalies.expect("truth");
        assert_eq!(anomalies.iter().sum::<u32>(), 20);
    }

    /// After labels the curve counts the true anomalies among them, the
    /// "now" quality moves and "before" stays the prior's, both on the
    /// unlabelled rows.
    #[test]
    fn labels_move_the_curve_and_the_quality() {
        let mut s = session();
        let truth = s.table().labels.clone().expect("truth");
        let first_anomaly = truth.iter().position(|&a| a).expect("one");
        let normal = truth.iter().position(|&a| !a).expect("one");
        s.label(normal, Some(false)).expect("row");
        s.label(first_anomaly, Some(true)).expect("row");
        let card = Scorecard::of(&s, Threshold::default()).expect("scored");
        assert_eq!(card.found, vec![0, 1]);
        let t = card.truth.expect("truth");
        assert_eq!(t.unlabelled, card.rows - 2);
        let keep = |i: usize| s.label_of(i).is_none();
        let prior = s.prior_scores().expect("prior");
        let before = crate::metrics::roc_auc_masked(prior, &truth, keep);
        let now = crate::metrics::roc_auc_masked(s.scores().expect("scores"), &truth, keep);
        assert!((t.before.roc_auc.expect("auc") - before.expect("auc")).abs() < 1e-12);
        assert!((t.now.roc_auc.expect("auc") - now.expect("auc")).abs() < 1e-12);
        assert_ne!(t.before, t.now);
    }

    /// Without ground truth the curve counts the rows labelled "anomaly",
    /// and there is no truth card.
    #[test]
    fn without_truth_the_curve_counts_labelled_anomalies() {
        let mut s = session();
        s.forget_ground_truth();
        s.label(0, Some(true)).expect("row");
        s.label(1, Some(false)).expect("row");
        s.label(2, Some(true)).expect("row");
        let card = Scorecard::of(&s, Threshold::default()).expect("scored");
        assert_eq!(card.found, vec![1, 1, 2]);
        assert!(card.truth.is_none());
        assert!(card.histogram.anomalies.is_none());
        assert_eq!(card.random_expectation(10), None);
    }

    /// A threshold flags what it says: scores above the line, or the top
    /// share of rows, and `flags` agrees row by row.
    #[test]
    fn thresholds_flag_rows() {
        let s = session();
        let scores = s.scores().expect("scores");
        let ranks = s.ranks().expect("ranks");
        let rows = scores.len();
        for threshold in [
            Threshold::Above(0.0),
            Threshold::Above(-1.0),
            Threshold::Above(1e9),
            Threshold::Top(0.05),
            Threshold::Top(1.0),
            Threshold::Top(0.0),
        ] {
            let card = Scorecard::of(&s, threshold).expect("scored");
            let flagged = (0..rows)
                .filter(|&i| threshold.flags(scores[i], ranks[i], rows))
                .count();
            assert_eq!(card.flagged, flagged, "{threshold:?}");
            // The export flags the same rows, in its last column.
            let csv = s.scores_csv_flagged(Some(threshold));
            let mut lines = csv.lines();
            assert_eq!(lines.next(), Some("row,score,rank,label,truth,flagged"));
            let ones = lines.filter(|l| l.ends_with(",1")).count();
            assert_eq!(ones, flagged, "{threshold:?}");
        }
        assert!(!s.scores_csv().contains("flagged"));
        let above = (0..rows).filter(|&i| scores[i] > 0.0).count();
        assert_eq!(
            Scorecard::of(&s, Threshold::default()).expect("s").flagged,
            above
        );
        assert_eq!(
            Scorecard::of(&s, Threshold::Top(0.05)).expect("s").flagged,
            21
        );
        let line = Scorecard::of(&s, Threshold::Top(0.05)).expect("s").line;
        let order = ranking(scores);
        assert_eq!(line, Some(scores[order[20]]));
        assert_eq!(
            Scorecard::of(&s, Threshold::Top(0.0)).expect("s").line,
            None
        );
    }

    #[test]
    fn the_histogram_holds_the_boundary_and_every_row() {
        let scores = [3.0, 2.0, 1.0, 0.5, f32::NAN, -f32::INFINITY];
        let order = ranking(&scores);
        let h = histogram(&scores, &order, None);
        assert!(h.lo <= 0.0 && h.hi >= 3.0);
        assert_eq!(h.counts.iter().sum::<u32>(), 6);
        assert_eq!(h.bin_of(3.0), BINS - 1);
        assert_eq!(h.bin_of(f32::NAN), 0);
        let flat = histogram(&[1.0; 5], &[0, 1, 2, 3, 4], None);
        assert!(flat.hi > flat.lo);
        let empty = histogram(&[], &[], None);
        assert_eq!(empty.counts.iter().sum::<u32>(), 0);
    }
}
