//! Query strategies: which unlabelled rows to show the expert next.
//! Every strategy skips labelled rows and breaks ties by row index.

use crate::rng::Rng;

/// How to pick the next rows to review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueryStrategy {
    /// The single highest-scoring unlabelled row (the paper's and AAD's protocol).
    #[default]
    Greedy,
    /// The `k` highest-scoring unlabelled rows.
    TopK(usize),
    /// The unlabelled rows closest to the decision boundary (score 0).
    Uncertainty(usize),
    /// Unlabelled rows drawn uniformly with this seed.
    Random { count: usize, seed: u64 },
}

/// Picks rows by `strategy`. `labelled[i]` says whether row `i` has a label.
pub fn select(scores: &[f32], labelled: &[bool], strategy: QueryStrategy) -> Vec<usize> {
    match strategy {
        QueryStrategy::Greedy => top_k(scores, labelled, 1),
        QueryStrategy::TopK(k) => top_k(scores, labelled, k),
        QueryStrategy::Uncertainty(k) => {
            // Smallest |score| first: the largest −|score|.
            best_k(labelled, k, |i| {
                let s = scores[i];
                if s.is_finite() {
                    -s.abs()
                } else {
                    f32::MIN
                }
            })
        }
        QueryStrategy::Random { count, seed } => {
            let mut idx: Vec<usize> = unlabelled(labelled).collect();
            Rng::new(seed).shuffle(&mut idx);
            idx.truncate(count);
            idx
        }
    }
}

fn unlabelled(labelled: &[bool]) -> impl Iterator<Item = usize> + '_ {
    labelled
        .iter()
        .enumerate()
        .filter(|(_, &l)| !l)
        .map(|(i, _)| i)
}

/// The `k` highest-scoring unlabelled rows, best first. O(n + k log k):
/// a partial selection, since this runs after every label on up to 1M rows.
pub fn top_k(scores: &[f32], labelled: &[bool], k: usize) -> Vec<usize> {
    best_k(labelled, k, |i| {
        let s = scores[i];
        if s.is_finite() {
            s
        } else {
            f32::MIN
        }
    })
}

/// The `k` unlabelled rows with the largest `key`, best first, ties by row.
fn best_k(labelled: &[bool], k: usize, key: impl Fn(usize) -> f32) -> Vec<usize> {
    let cmp = |a: &usize, b: &usize| key(*b).total_cmp(&key(*a)).then(a.cmp(b));
    let mut idx: Vec<usize> = unlabelled(labelled).collect();
    if k == 0 || idx.is_empty() {
        return Vec::new();
    }
    if k < idx.len() {
        idx.select_nth_unstable_by(k - 1, cmp);
        idx.truncate(k);
    }
    idx.sort_by(cmp);
    idx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greedy_and_top_k_skip_labelled_and_break_ties_by_row() {
        let s = [0.1, 0.9, 0.5, 0.9, 0.7];
        let l = [false, true, false, false, false];
        assert_eq!(select(&s, &l, QueryStrategy::Greedy), vec![3]);
        assert_eq!(select(&s, &l, QueryStrategy::TopK(3)), vec![3, 4, 2]);
        assert_eq!(select(&s, &[false; 5], QueryStrategy::TopK(2)), vec![1, 3]);
        assert_eq!(select(&s, &l, QueryStrategy::TopK(10)), vec![3, 4, 2, 0]);
        assert!(select(&s, &[true; 5], QueryStrategy::Greedy).is_empty());
    }

    #[test]
    fn uncertainty_prefers_scores_near_zero() {
        let s = [-3.0, 0.2, -0.1, 2.0, f32::NAN];
        let l = [false, false, false, false, false];
        assert_eq!(select(&s, &l, QueryStrategy::Uncertainty(2)), vec![2, 1]);
        let l = [false, false, true, false, false];
        assert_eq!(select(&s, &l, QueryStrategy::Uncertainty(2)), vec![1, 3]);
    }

    #[test]
    fn random_is_seeded_and_skips_labelled() {
        let s = [0.0; 20];
        let mut l = [false; 20];
        l[3] = true;
        let a = select(&s, &l, QueryStrategy::Random { count: 5, seed: 1 });
        let b = select(&s, &l, QueryStrategy::Random { count: 5, seed: 1 });
        assert_eq!(a, b);
        assert_eq!(a.len(), 5);
        assert!(!a.contains(&3));
    }
}
