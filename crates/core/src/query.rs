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

/// How the rows to review are ordered: the one vocabulary of the page's
/// review order, the CLI's `--strategy` and the evaluator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueryRule {
    /// Highest score first: the paper's greedy protocol, for discovery.
    #[default]
    Highest,
    /// Nearest the layer's boundary (score 0) first: the labels that teach
    /// it most.
    Boundary,
    /// Unlabelled rows in a seeded random order: a baseline.
    Random,
    /// Highest score first, `k` rows of one ranking labelled before the
    /// next ranking (a batch; the evaluator's `top-k:N`).
    TopK(usize),
}

impl QueryRule {
    /// The orders a person picks from (the page's review order).
    pub const ALL: [Self; 3] = [Self::Highest, Self::Boundary, Self::Random];

    /// The rule's name as the page's URL and the CLI spell it.
    pub fn name(self) -> String {
        match self {
            Self::Highest => "highest".into(),
            Self::Boundary => "boundary".into(),
            Self::Random => "random".into(),
            Self::TopK(k) => format!("top-k:{k}"),
        }
    }

    /// A few words for people.
    pub fn title(self) -> String {
        match self {
            Self::Highest => "highest score first".into(),
            Self::Boundary => "nearest the boundary first".into(),
            Self::Random => "random order".into(),
            Self::TopK(k) => format!("highest score first, {k} at a time"),
        }
    }

    /// Reads a name (`greedy` and `uncertainty`, the older names, too).
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "highest" | "greedy" => Ok(Self::Highest),
            "boundary" | "uncertainty" => Ok(Self::Boundary),
            "random" => Ok(Self::Random),
            other => match other.strip_prefix("top-k:") {
                Some(k) => match k.parse::<usize>() {
                    Ok(k) if k >= 1 => Ok(Self::TopK(k)),
                    _ => Err(format!("top-k:N needs a whole number N ≥ 1, got '{k}'")),
                },
                None => Err(format!(
                    "unknown query rule '{other}' (highest, boundary, random or top-k:N)"
                )),
            },
        }
    }

    /// The `count` rows to review next under this rule (`seed` orders the
    /// random rule).
    pub fn strategy(self, count: usize, seed: u64) -> QueryStrategy {
        match self {
            Self::Highest | Self::TopK(_) => QueryStrategy::TopK(count),
            Self::Boundary => QueryStrategy::Uncertainty(count),
            Self::Random => QueryStrategy::Random { count, seed },
        }
    }

    /// How many rows of one ranking are labelled before the next ranking.
    pub fn batch(self) -> usize {
        match self {
            Self::TopK(k) => k.max(1),
            _ => 1,
        }
    }
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
    fn query_rules_read_back_their_names() {
        for rule in QueryRule::ALL.into_iter().chain([QueryRule::TopK(10)]) {
            assert_eq!(QueryRule::parse(&rule.name()), Ok(rule));
        }
        assert_eq!(QueryRule::parse("greedy"), Ok(QueryRule::Highest));
        assert_eq!(QueryRule::parse("uncertainty"), Ok(QueryRule::Boundary));
        assert!(QueryRule::parse("top-k:0").unwrap_err().contains("N ≥ 1"));
        assert!(QueryRule::parse("best").unwrap_err().contains("'best'"));
        assert_eq!(QueryRule::TopK(5).batch(), 5);
        assert_eq!(QueryRule::Boundary.batch(), 1);
        assert_eq!(
            QueryRule::Boundary.strategy(3, 0),
            QueryStrategy::Uncertainty(3)
        );
    }

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
