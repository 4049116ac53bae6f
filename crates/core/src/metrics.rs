//! Evaluation metrics: discovery curve, ROC-AUC, average precision and
//! precision@k. Ties are handled explicitly and documented per function.

/// Cumulative true anomalies after each query, in query order.
pub fn discovery_curve(queried: &[usize], truth: &[bool]) -> Vec<usize> {
    let mut found = 0;
    queried
        .iter()
        .map(|&i| {
            found += usize::from(truth[i]);
            found
        })
        .collect()
}

/// The count after `k` queries; past the end of the curve, its last value.
pub fn found_at(curve: &[usize], k: usize) -> usize {
    if k == 0 || curve.is_empty() {
        return 0;
    }
    curve[k.min(curve.len()) - 1]
}

/// Row indices by descending score; ties broken by ascending row index, so
/// rankings are deterministic. Non-finite scores rank last. Linear in the
/// rows (a radix sort).
pub fn ranking(scores: &[f32]) -> Vec<usize> {
    crate::sort::descending_by(scores, finite_or_min)
}

fn finite_or_min(s: f32) -> f32 {
    if s.is_finite() {
        s
    } else {
        f32::MIN
    }
}

/// ROC-AUC by the Mann–Whitney statistic: a tie between an anomaly and a
/// normal row counts one half. `None` when either class is absent.
pub fn roc_auc(scores: &[f32], truth: &[bool]) -> Option<f64> {
    roc_auc_masked(scores, truth, |_| true)
}

/// ROC-AUC over the rows for which `keep(row)` holds.
pub fn roc_auc_masked(scores: &[f32], truth: &[bool], keep: impl Fn(usize) -> bool) -> Option<f64> {
    let mut rows: Vec<(f32, bool)> = (0..scores.len())
        .filter(|&i| keep(i))
        .map(|i| (finite_or_min(scores[i]), truth[i]))
        .collect();
    let pos = rows.iter().filter(|r| r.1).count();
    let neg = rows.len() - pos;
    if pos == 0 || neg == 0 {
        return None;
    }
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Sum of average ranks (1-based) of the positives.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < rows.len() {
        let mut j = i;
        while j + 1 < rows.len() && rows[j + 1].0 == rows[i].0 {
            j += 1;
        }
        let avg_rank = (i + j) as f64 / 2.0 + 1.0;
        let positives = rows[i..=j].iter().filter(|r| r.1).count();
        rank_sum += avg_rank * positives as f64;
        i = j + 1;
    }
    let (p, n) = (pos as f64, neg as f64);
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * n))
}

/// Average precision, as scikit-learn computes it: the sum over distinct
/// score thresholds of (recall step) × (precision at that threshold). Tied
/// scores form one threshold. `None` when there is no anomaly.
pub fn average_precision(scores: &[f32], truth: &[bool]) -> Option<f64> {
    average_precision_masked(scores, truth, |_| true)
}

/// Average precision over the rows for which `keep(row)` holds.
pub fn average_precision_masked(
    scores: &[f32],
    truth: &[bool],
    keep: impl Fn(usize) -> bool,
) -> Option<f64> {
    let mut rows: Vec<(f32, bool)> = (0..scores.len())
        .filter(|&i| keep(i))
        .map(|i| (finite_or_min(scores[i]), truth[i]))
        .collect();
    let pos = rows.iter().filter(|r| r.1).count();
    if pos == 0 {
        return None;
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (mut tp, mut seen, mut ap, mut last_recall) = (0usize, 0usize, 0.0, 0.0);
    let mut i = 0;
    while i < rows.len() {
        let mut j = i;
        while j + 1 < rows.len() && rows[j + 1].0 == rows[i].0 {
            j += 1;
        }
        tp += rows[i..=j].iter().filter(|r| r.1).count();
        seen += j - i + 1;
        let recall = tp as f64 / pos as f64;
        let precision = tp as f64 / seen as f64;
        ap += (recall - last_recall) * precision;
        last_recall = recall;
        i = j + 1;
    }
    Some(ap)
}

/// The share of anomalies among the `k` top-ranked rows (ties by row index,
/// as in [`ranking`]). `k` larger than the data uses all rows.
pub fn precision_at_k(scores: &[f32], truth: &[bool], k: usize) -> f64 {
    let k = k.min(scores.len());
    if k == 0 {
        return 0.0;
    }
    let hits = ranking(scores)[..k].iter().filter(|&&i| truth[i]).count();
    hits as f64 / k as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: bool = true;
    const F: bool = false;

    #[test]
    fn discovery_curve_counts_cumulatively() {
        let truth = [F, T, T, F, T];
        assert_eq!(
            discovery_curve(&[1, 0, 4, 3, 2], &truth),
            vec![1, 1, 2, 2, 3]
        );
        let c = vec![1, 1, 2];
        assert_eq!(found_at(&c, 2), 1);
        assert_eq!(found_at(&c, 10), 2);
        assert_eq!(found_at(&c, 0), 0);
    }

    #[test]
    fn ranking_breaks_ties_by_row_and_puts_nan_last() {
        assert_eq!(
            ranking(&[0.5, 0.9, 0.5, f32::NAN, 0.9]),
            vec![1, 4, 0, 2, 3]
        );
    }

    #[test]
    fn roc_auc_hand_computed() {
        // Perfect and reversed.
        assert_eq!(roc_auc(&[0.1, 0.2, 0.9], &[F, F, T]), Some(1.0));
        assert_eq!(roc_auc(&[0.9, 0.2, 0.1], &[F, F, T]), Some(0.0));
        // pos {0.8, 0.4}, neg {0.6, 0.2, 0.4}: pairs won = 3 + 1 + 0.5 (tie) = 4.5 of 6.
        let s = [0.8, 0.6, 0.4, 0.2, 0.4];
        let t = [T, F, T, F, F];
        assert!((roc_auc(&s, &t).unwrap() - 0.75).abs() < 1e-12);
        // All tied: one half.
        assert_eq!(roc_auc(&[1.0; 4], &[T, F, T, F]), Some(0.5));
        assert_eq!(roc_auc(&[1.0, 2.0], &[F, F]), None);
        // Masked: drop row 2 → pos {0.8}, neg {0.6,0.2,0.4} → 1.0.
        assert_eq!(roc_auc_masked(&s, &t, |i| i != 2), Some(1.0));
    }

    #[test]
    fn average_precision_hand_computed() {
        // Ranked: T(0.9) F(0.8) T(0.7) F(0.1): AP = 0.5*1 + 0.5*(2/3).
        let ap = average_precision(&[0.9, 0.8, 0.7, 0.1], &[T, F, T, F]).unwrap();
        assert!((ap - (0.5 + 1.0 / 3.0)).abs() < 1e-12);
        // A tie of one positive and one negative at the top: precision 1/2 there.
        let ap = average_precision(&[0.9, 0.9, 0.1], &[T, F, F]).unwrap();
        assert!((ap - 0.5).abs() < 1e-12);
        assert_eq!(average_precision(&[0.3, 0.2], &[F, F]), None);
        let ap =
            average_precision_masked(&[0.9, 0.8, 0.7, 0.1], &[T, F, T, F], |i| i != 1).unwrap();
        assert!((ap - 1.0).abs() < 1e-12);
    }

    #[test]
    fn precision_at_k_with_ties() {
        let s = [0.5, 0.9, 0.5, 0.1];
        let t = [F, T, T, F];
        // Ranking 1, 0, 2, 3: the tie between rows 0 and 2 goes to row 0.
        assert_eq!(precision_at_k(&s, &t, 1), 1.0);
        assert_eq!(precision_at_k(&s, &t, 2), 0.5);
        assert!((precision_at_k(&s, &t, 3) - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(precision_at_k(&s, &t, 100), 0.5);
        assert_eq!(precision_at_k(&[], &[], 3), 0.0);
    }
}
