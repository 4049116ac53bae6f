//! How the labelling is going, as plain data for the page's evaluation
//! panel: the discovery curve of the labels given so far, the curve of the
//! ranking without feedback and the random expectation; ROC-AUC and
//! average precision before any label and now; the scores' histogram with
//! the layer's boundary, and a threshold that flags rows.
//!
//! Everything is computed from one ranking of the current scores (a radix
//! sort) and the prior's ranking, which the session keeps: linear in the
//! rows, so the page can recompute it after every label.

use crate::session::Session;
use crate::sort::ranked_keys;

/// In a current ranking's keys (below [`PACKED_ROWS`] rows): the row is a
/// true anomaly, the row is not labelled yet, and the row itself.
const TRUTH: u64 = 1 << 31;
const OPEN: u64 = 1 << 30;
const ROW: u64 = OPEN - 1;
const PACKED_ROWS: usize = 1 << 30;

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
    /// scoring. One radix ranking of the current scores, with each row's
    /// truth and whether it is labelled packed into its key, so the walks
    /// down the ranking read no row at random.
    pub fn of(session: &Session, threshold: Threshold) -> Option<Self> {
        let scores = session.scores()?;
        let rows = scores.len();
        let labels = session.row_labels();
        let truth = session.table().labels.as_deref();
        let packed = rows < PACKED_ROWS;
        let is_true = |i: usize| truth.is_some_and(|t| t[i]);
        let keys = ranked_keys(scores, |i| {
            if packed {
                (u64::from(is_true(i)) * TRUTH) | (u64::from(labels[i].is_none()) * OPEN) | i as u64
            } else {
                i as u64
            }
        });
        let row_of = |k: u64| (k & if packed { ROW } else { u64::from(u32::MAX) }) as usize;
        let history = session.history();
        let mut found = Vec::with_capacity(history.len());
        let mut n = 0;
        for e in history {
            n += usize::from(truth.map_or(e.anomaly, |t| t[e.row]));
            found.push(n);
        }
        let horizon = (history.len() * 3 / 2).max(50).min(rows);
        let truth_card = match (truth, session.prior_ranked()) {
            (Some(t), Some(prior)) => {
                let prior_row = |k: u64| (k & u64::from(u32::MAX)) as usize;
                let mut n = 0;
                let no_feedback = prior[..horizon]
                    .iter()
                    .map(|&k| {
                        n += usize::from(t[prior_row(k)]);
                        n
                    })
                    .collect();
                let now = if packed {
                    quality(&keys, |k| k & TRUTH != 0, |k| k & OPEN != 0)
                } else {
                    quality(&keys, |k| t[row_of(k)], |k| labels[row_of(k)].is_none())
                };
                Some(TruthCard {
                    anomalies: t.iter().filter(|&&a| a).count(),
                    no_feedback,
                    before: quality(
                        prior,
                        |k| t[prior_row(k)],
                        |k| labels[prior_row(k)].is_none(),
                    ),
                    now,
                    unlabelled: labels.iter().filter(|l| l.is_none()).count(),
                })
            }
            _ => None,
        };
        let histogram = histogram(scores, &keys, row_of, truth);
        let (flagged, line) = match threshold {
            Threshold::Above(t) => (scores.iter().filter(|&&s| s > t).count(), Some(t)),
            Threshold::Top(share) => {
                let k = Threshold::top_rows(share, rows);
                (k, k.checked_sub(1).map(|k| scores[row_of(keys[k])]))
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

/// ROC-AUC and average precision over the rows `keep` holds, walking down
/// a ranking given as [`ranked_keys`] (`is_true`, `keep`: read from a
/// key): the same values as [`roc_auc_masked`] and
/// [`average_precision_masked`], ties counted the same way; each is `None`
/// where that one is.
///
/// [`roc_auc_masked`]: crate::metrics::roc_auc_masked
/// [`average_precision_masked`]: crate::metrics::average_precision_masked
fn quality(keys: &[u64], is_true: impl Fn(u64) -> bool, keep: impl Fn(u64) -> bool) -> Quality {
    let (mut pos, mut neg) = (0usize, 0usize);
    for &k in keys.iter().filter(|&&k| keep(k)) {
        if is_true(k) {
            pos += 1;
        } else {
            neg += 1;
        }
    }
    if pos == 0 {
        return Quality::default();
    }
    // Down the ranking, a group of equal scores at a time: the normal rows
    // in a group sit below every anomaly above it, and tie with the
    // anomalies beside them (half a pair each).
    let (mut above, mut pairs) = (0usize, 0.0f64);
    let (mut tp, mut seen, mut ap, mut last_recall) = (0usize, 0usize, 0.0, 0.0);
    let mut at = 0;
    while at < keys.len() {
        let score = keys[at] >> 32;
        let (mut p, mut n) = (0usize, 0usize);
        while at < keys.len() && keys[at] >> 32 == score {
            let k = keys[at];
            if keep(k) {
                if is_true(k) {
                    p += 1;
                } else {
                    n += 1;
                }
            }
            at += 1;
        }
        if p + n == 0 {
            continue;
        }
        pairs += n as f64 * above as f64 + 0.5 * (n * p) as f64;
        above += p;
        tp += p;
        seen += p + n;
        let recall = tp as f64 / pos as f64;
        ap += (recall - last_recall) * (tp as f64 / seen as f64);
        last_recall = recall;
    }
    Quality {
        roc_auc: (neg > 0).then(|| pairs / (pos as f64 * neg as f64)),
        average_precision: Some(ap),
    }
}

/// The scores in [`BINS`] bins from the lowest 0.1% (or 0) to the highest
/// score (or 0), so the boundary is always on the chart; `keys` is their
/// ranking ([`ranked_keys`]), `row_of` reads a key's row (for the range).
fn histogram(
    scores: &[f32],
    keys: &[u64],
    row_of: impl Fn(u64) -> usize,
    truth: Option<&[bool]>,
) -> Histogram {
    let finite: Vec<f32> = [
        keys.first(),
        keys.get(((keys.len().saturating_sub(1)) as f64 * 0.999) as usize),
    ]
    .into_iter()
    .flatten()
    .map(|&k| scores[row_of(k)])
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
    // In row order: no row read at random.
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
        let order = crate::metrics::ranking(s.prior_scores().expect("prior"));
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
        let order = crate::metrics::ranking(scores);
        assert_eq!(line, Some(scores[order[20]]));
        assert_eq!(
            Scorecard::of(&s, Threshold::Top(0.0)).expect("s").line,
            None
        );
    }

    #[test]
    fn the_histogram_holds_the_boundary_and_every_row() {
        let row = |k: u64| (k & u64::from(u32::MAX)) as usize;
        let keyed = |s: &[f32]| ranked_keys(s, |i| i as u64);
        let scores = [3.0, 2.0, 1.0, 0.5, f32::NAN, -f32::INFINITY];
        let h = histogram(&scores, &keyed(&scores), row, None);
        assert!(h.lo <= 0.0 && h.hi >= 3.0);
        assert_eq!(h.counts.iter().sum::<u32>(), 6);
        assert_eq!(h.bin_of(3.0), BINS - 1);
        assert_eq!(h.bin_of(f32::NAN), 0);
        let flat = histogram(&[1.0; 5], &keyed(&[1.0; 5]), row, None);
        assert!(flat.hi > flat.lo);
        let empty = histogram(&[], &[], row, None);
        assert_eq!(empty.counts.iter().sum::<u32>(), 0);
    }

    /// One walk down the keys gives what the sorting metrics give, with
    /// ties, ±0, non-finite scores and rows left out; from packed flags or
    /// from lookups alike.
    #[test]
    fn quality_from_keys_matches_the_sorting_metrics() {
        use crate::metrics::{average_precision_masked, roc_auc_masked};
        let mut rng = crate::rng::Rng::new(3);
        for n in [1, 2, 5, 40, 3000] {
            let scores: Vec<f32> = (0..n)
                .map(|_| match rng.index(9) {
                    0 => 0.5,
                    1 => f32::NAN,
                    2 => -0.0,
                    3 => 0.0,
                    _ => rng.index(50) as f32 / 7.0,
                })
                .collect();
            let truth: Vec<bool> = (0..n).map(|_| rng.index(5) == 0).collect();
            let skip: Vec<bool> = (0..n).map(|_| rng.index(4) == 0).collect();
            let close = |a: Option<f64>, b: Option<f64>| match (a, b) {
                (Some(a), Some(b)) => (a - b).abs() < 1e-12,
                (a, b) => a == b,
            };
            for masked in [false, true] {
                let keep = |i: usize| !masked || !skip[i];
                let packed = ranked_keys(&scores, |i| {
                    (u64::from(truth[i]) * TRUTH) | (u64::from(keep(i)) * OPEN) | i as u64
                });
                let q = quality(&packed, |k| k & TRUTH != 0, |k| k & OPEN != 0);
                let plain = ranked_keys(&scores, |i| i as u64);
                let row = |k: u64| (k & u64::from(u32::MAX)) as usize;
                let looked_up = quality(&plain, |k| truth[row(k)], |k| keep(row(k)));
                assert_eq!(q, looked_up);
                assert!(
                    close(q.roc_auc, roc_auc_masked(&scores, &truth, keep)),
                    "n {n}"
                );
                let ap = average_precision_masked(&scores, &truth, keep);
                assert!(close(q.average_precision, ap), "n {n}");
            }
        }
    }
}
