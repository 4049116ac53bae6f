//! The labels' classifier: gradient-boosted trees fitted to the labelled
//! rows alone (Friedman's boosting with second-order steps, as XGBoost
//! and scikit-learn's `HistGradientBoostingClassifier` take them).
//!
//! The active layer is linear in its evidence, plus regions and votes of a
//! forest grown without the labels. Once there are many answers, a model
//! whose capacity grows with them can say more: on campaign (41,188 rows,
//! 11% anomalies) trees fitted to the first 100 answers rank the next 200
//! questions better than the layer does. It never scores a row: it only
//! proposes questions, among the layer's best candidates, and only while
//! it finds anomalies at least as often as the layer's rankings
//! ([`crate::session::Session::asker`]).
//!
//! Loss: class-balanced logistic, `Σ c_y·log(1 + exp(−y·F(x)))`, with each
//! class weighing half. Each tree is grown level by level to depth
//! [`DEPTH`] on the gradient `g` and hessian `h` of the current fit: a
//! node splits where `G_L²/(H_L + λ) + G_R²/(H_R + λ) − G²/(H + λ)` is
//! largest, each side keeping a hessian of at least [`MIN_HESSIAN`] (a
//! node of fewer than [`MIN_SPLIT_ROWS`] rows does not split), and
//! a leaf's value is `−G/(H + λ)`, shrunk by [`SHRINK`]. Thresholds fall
//! half-way between two distinct values of the labelled rows. Each tree
//! splits only on a seeded draw of [`COLUMN_SHARE`] of the columns, and
//! there are [`TREES`] of them, so a fit costs about a sixth of 100 trees
//! on every column, with no loss in what it finds (docs/BENCHMARKS.md, "the
//! classifier made cheap"). Every sum runs in a fixed order, so the same
//! labels give the same trees, to the bit, and [`BoostFit`] grows them a
//! few at a time: a session spreads one fit over the labels before it is
//! needed.

/// Trees in the ensemble.
pub const TREES: usize = 50;
/// Depth of each tree (at most `2^DEPTH` leaves).
pub const DEPTH: usize = 4;
/// Shrinkage: each tree adds this share of its leaf values.
pub const SHRINK: f64 = 0.2;
/// The share of the columns each tree may split on, drawn afresh for each
/// tree (at least one).
pub const COLUMN_SHARE: f64 = 0.34;
/// The seed of the columns' draws: part of the method, so the same labels
/// give the same trees.
const COLUMN_SEED: u64 = 0x5eed;
/// `λ`, the L2 penalty on a leaf's value.
pub const LAMBDA: f64 = 1.0;
/// The least hessian either side of a split keeps.
pub const MIN_HESSIAN: f64 = 1.0;
/// A node of fewer labelled rows than this stays a leaf.
pub const MIN_SPLIT_ROWS: usize = 4;
/// The fewest labelled anomalies the trees learn from: with one or two
/// they can only look for rows like those, and after a mistaken first
/// "anomaly" that is a wasted question that derails the layer's search
/// (docs/BENCHMARKS.md, "the classifier made cheap").
pub const MIN_ANOMALIES: usize = 3;
/// The most labelled rows one fit reads (the latest ones): the fit costs
/// `O(TREES·DEPTH·COLUMN_SHARE·d·rows)` after one sort per column, and a
/// session grows a fifth of it per label, about 13 ms natively at this
/// many rows of 62 columns (docs/BENCHMARKS.md).
pub const MAX_FIT_ROWS: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Node {
    Leaf(f64),
    Split {
        feature: usize,
        threshold: f32,
        left: usize,
        right: usize,
    },
}

/// A fitted ensemble over rows of `d` features.
#[derive(Debug, Clone, PartialEq)]
pub struct Boosted {
    d: usize,
    trees: Vec<Vec<Node>>,
}

/// A node's best split so far: gain, column, threshold, and the left
/// side's gradient, hessian and rows.
#[derive(Clone, Copy)]
struct Split {
    gain: f64,
    feature: usize,
    threshold: f32,
    g: f64,
    h: f64,
    rows: usize,
}

/// A node being grown: its place in the tree and its sums.
#[derive(Clone, Copy)]
struct Open {
    at: usize,
    g: f64,
    h: f64,
    rows: usize,
}

impl Boosted {
    /// Fits to `labels` (row, anomaly) over the row-major table `x` of `d`
    /// columns, all at once ([`BoostFit`] grows the same trees a few at a
    /// time). `None` without [`MIN_ANOMALIES`] anomalies and a normal row,
    /// without columns, or when a row is out of range: nothing to learn.
    pub fn fit(x: &[f32], d: usize, labels: &[(usize, bool)]) -> Option<Self> {
        let mut fit = BoostFit::new(x, d, labels)?;
        fit.grow(TREES);
        Some(fit.finish())
    }

    /// The ensemble's log-odds for row `row` of the table `x` (higher: more
    /// like the labelled anomalies).
    pub fn score(&self, x: &[f32], row: usize) -> f64 {
        let cells = &x[row * self.d..(row + 1) * self.d];
        self.trees.iter().map(|t| leaf_value(t, |j| cells[j])).sum()
    }
}

/// A fit in progress: [`Boosted::fit`]'s trees, grown a few per call, so
/// that a session can spread one fit over the labels before it is needed
/// ([`crate::session::Session`]). The trees are the same however the
/// growing is sliced.
#[derive(Debug, Clone)]
pub struct BoostFit {
    d: usize,
    /// The labels fitted to (at most [`MAX_FIT_ROWS`], the latest).
    anomaly: Vec<bool>,
    /// The labelled rows' values, row-major `n × d`.
    xs: Vec<f32>,
    /// Each column's (sample, value) pairs in its order, ties by place.
    sorted: Vec<Vec<(u32, f32)>>,
    /// Each class's weight: half of the total each.
    weight: [f64; 2],
    /// The ensemble's log-odds for each sample so far.
    fit: Vec<f64>,
    rng: crate::rng::Rng,
    /// The columns, drawn to the front for each tree.
    columns: Vec<usize>,
    trees: Vec<Vec<Node>>,
}

impl BoostFit {
    /// Starts a fit (one sort per column); `None` as [`Boosted::fit`].
    pub fn new(x: &[f32], d: usize, labels: &[(usize, bool)]) -> Option<Self> {
        let rows = x.len().checked_div(d)?;
        let labels = &labels[labels.len().saturating_sub(MAX_FIT_ROWS)..];
        let pos = labels.iter().filter(|l| l.1).count();
        let neg = labels.len() - pos;
        if pos < MIN_ANOMALIES || neg == 0 || labels.iter().any(|l| l.0 >= rows) {
            return None;
        }
        let n = labels.len();
        let xs: Vec<f32> = labels
            .iter()
            .flat_map(|&(r, _)| x[r * d..(r + 1) * d].iter().copied())
            .collect();
        let sorted = (0..d)
            .map(|j| {
                let mut order: Vec<(u32, f32)> =
                    (0..n).map(|s| (s as u32, xs[s * d + j])).collect();
                order.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
                order
            })
            .collect();
        Some(Self {
            d,
            anomaly: labels.iter().map(|l| l.1).collect(),
            xs,
            sorted,
            weight: [n as f64 / (2.0 * neg as f64), n as f64 / (2.0 * pos as f64)],
            fit: vec![0.0; n],
            rng: crate::rng::Rng::new(COLUMN_SEED),
            columns: (0..d).collect(),
            trees: Vec::with_capacity(TREES),
        })
    }

    /// Grows up to `count` more trees (of [`TREES`] in all).
    pub fn grow(&mut self, count: usize) {
        let d = self.d;
        let take = ((d as f64 * COLUMN_SHARE).ceil() as usize).clamp(1, d);
        let (mut g, mut h) = (vec![0.0f64; self.fit.len()], vec![0.0f64; self.fit.len()]);
        for _ in 0..count.min(TREES - self.trees.len()) {
            for (s, &anomaly) in self.anomaly.iter().enumerate() {
                let p = 1.0 / (1.0 + (-self.fit[s]).exp());
                let (c, y) = (
                    self.weight[usize::from(anomaly)],
                    f64::from(u8::from(anomaly)),
                );
                g[s] = c * (p - y);
                h[s] = c * (p * (1.0 - p)).max(1e-12);
            }
            self.rng.draw_to_front(&mut self.columns, take);
            let mut columns = self.columns[..take].to_vec();
            columns.sort_unstable();
            let xs = &self.xs;
            let value = |s: usize, j: usize| xs[s * d + j];
            let tree = grow(&self.sorted, &columns, &value, &g, &h);
            for (s, f) in self.fit.iter_mut().enumerate() {
                *f += leaf_value(&tree, |j| value(s, j));
            }
            self.trees.push(tree);
        }
    }

    /// Whether every tree is grown.
    pub fn is_done(&self) -> bool {
        self.trees.len() == TREES
    }

    /// The ensemble, its remaining trees grown first.
    pub fn finish(mut self) -> Boosted {
        self.grow(TREES);
        Boosted {
            d: self.d,
            trees: self.trees,
        }
    }
}

/// The value (already shrunk) of the leaf a row with values `at` reaches.
fn leaf_value(tree: &[Node], at: impl Fn(usize) -> f32) -> f64 {
    let mut k = 0;
    loop {
        match tree[k] {
            Node::Leaf(v) => return v,
            Node::Split {
                feature,
                threshold,
                left,
                right,
            } => k = if at(feature) < threshold { left } else { right },
        }
    }
}

/// One tree, level by level: at each level one pass over the order of each
/// of `columns` (ascending) finds every open node's best split.
fn grow(
    sorted: &[Vec<(u32, f32)>],
    columns: &[usize],
    value: &impl Fn(usize, usize) -> f32,
    g: &[f64],
    h: &[f64],
) -> Vec<Node> {
    let n = g.len();
    let leaf = |g: f64, h: f64| Node::Leaf(-SHRINK * g / (h + LAMBDA));
    let (g0, h0) = (g.iter().sum::<f64>(), h.iter().sum::<f64>());
    let mut tree = vec![leaf(g0, h0)];
    // The open node each sample is in (usize::MAX: in a finished leaf).
    let mut node_of = vec![0usize; n];
    let mut open = vec![Open {
        at: 0,
        g: g0,
        h: h0,
        rows: n,
    }];
    for _ in 0..DEPTH {
        if open.is_empty() {
            break;
        }
        // Best (gain, feature, threshold, left sums) per open node.
        let mut best: Vec<Option<Split>> = vec![None; open.len()];
        let mut left_rows = vec![0usize; open.len()];
        let mut gl = vec![0.0f64; open.len()];
        let mut hl = vec![0.0f64; open.len()];
        let mut last: Vec<Option<f32>> = vec![None; open.len()];
        for &j in columns {
            let order = &sorted[j];
            gl.iter_mut().for_each(|v| *v = 0.0);
            hl.iter_mut().for_each(|v| *v = 0.0);
            last.iter_mut().for_each(|v| *v = None);
            left_rows.iter_mut().for_each(|v| *v = 0);
            for &(s, v) in order {
                let s = s as usize;
                let k = node_of[s];
                if k == usize::MAX || open[k].rows < MIN_SPLIT_ROWS {
                    continue;
                }
                if let Some(prev) = last[k] {
                    if v != prev {
                        let o = open[k];
                        let (gr, hr) = (o.g - gl[k], o.h - hl[k]);
                        if hl[k] >= MIN_HESSIAN && hr >= MIN_HESSIAN {
                            let gain = gl[k] * gl[k] / (hl[k] + LAMBDA) + gr * gr / (hr + LAMBDA)
                                - o.g * o.g / (o.h + LAMBDA);
                            if best[k].is_none_or(|b| gain > b.gain) {
                                let t = prev + (v - prev) / 2.0;
                                // Half-way can round onto `v` itself.
                                let t = if t > prev { t } else { v };
                                best[k] = Some(Split {
                                    gain,
                                    feature: j,
                                    threshold: t,
                                    g: gl[k],
                                    h: hl[k],
                                    rows: left_rows[k],
                                });
                            }
                        }
                    }
                }
                gl[k] += g[s];
                hl[k] += h[s];
                left_rows[k] += 1;
                last[k] = Some(v);
            }
        }
        let mut next = Vec::new();
        // Where each open node's children went in `next`.
        let mut children = vec![None; open.len()];
        for (k, o) in open.iter().enumerate() {
            let Some(Split {
                gain,
                feature,
                threshold,
                g: lg,
                h: lh,
                rows: lr,
            }) = best[k]
            else {
                continue;
            };
            if gain <= 1e-12 {
                continue;
            }
            let (left, right) = (tree.len(), tree.len() + 1);
            tree.push(leaf(lg, lh));
            tree.push(leaf(o.g - lg, o.h - lh));
            tree[o.at] = Node::Split {
                feature,
                threshold,
                left,
                right,
            };
            children[k] = Some((next.len(), feature, threshold));
            next.push(Open {
                at: left,
                g: lg,
                h: lh,
                rows: lr,
            });
            next.push(Open {
                at: right,
                g: o.g - lg,
                h: o.h - lh,
                rows: o.rows - lr,
            });
        }
        for (s, k) in node_of.iter_mut().enumerate() {
            if *k == usize::MAX {
                continue;
            }
            *k = match children[*k] {
                Some((c, feature, threshold)) => c + usize::from(value(s, feature) >= threshold),
                None => usize::MAX,
            };
        }
        open = next;
    }
    tree
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// Two features; the anomalies are the rows with both above 1 (a
    /// corner no single linear cut isolates from the rows above 1 in one).
    fn corner(rows: usize, seed: u64) -> (Vec<f32>, Vec<bool>) {
        let mut rng = Rng::new(seed);
        let mut x = Vec::with_capacity(rows * 2);
        let mut y = Vec::with_capacity(rows);
        for _ in 0..rows {
            let (a, b) = (rng.normal() as f32, rng.normal() as f32);
            x.extend([a, b]);
            y.push(a > 0.6 && b > 0.6);
        }
        (x, y)
    }

    #[test]
    fn it_learns_a_corner_from_the_labelled_rows_alone() {
        let (x, y) = corner(3000, 1);
        let labels: Vec<(usize, bool)> = (0..300).map(|i| (i, y[i])).collect();
        assert!(labels.iter().any(|l| l.1));
        let model = Boosted::fit(&x, 2, &labels).unwrap();
        // Ranked by the model, the unlabelled rows' anomalies come first.
        let mut rest: Vec<usize> = (300..3000).collect();
        rest.sort_by(|&a, &b| model.score(&x, b).total_cmp(&model.score(&x, a)));
        let anomalies = rest.iter().filter(|&&i| y[i]).count();
        let top = rest[..anomalies].iter().filter(|&&i| y[i]).count();
        assert!(
            top as f64 >= 0.8 * anomalies as f64,
            "{top} of {anomalies} anomalies in the model's top {anomalies}"
        );
    }

    #[test]
    fn the_same_labels_give_the_same_trees() {
        let (x, y) = corner(500, 2);
        let labels: Vec<(usize, bool)> = (0..120).map(|i| (i * 3, y[i * 3])).collect();
        let (a, b) = (Boosted::fit(&x, 2, &labels), Boosted::fit(&x, 2, &labels));
        assert!(a.is_some());
        assert_eq!(a, b);
    }

    #[test]
    fn nothing_to_learn_gives_none() {
        let (x, _) = corner(50, 3);
        assert!(Boosted::fit(&x, 2, &[(0, true), (1, true)]).is_none());
        assert!(Boosted::fit(&x, 2, &[(0, false)]).is_none());
        assert!(Boosted::fit(&x, 2, &[(0, true), (99, false)]).is_none());
        assert!(Boosted::fit(&x, 0, &[(0, true), (1, false)]).is_none());
        assert!(Boosted::fit(&[], 2, &[(0, true), (1, false)]).is_none());
    }

    #[test]
    fn fewer_than_three_anomalies_give_none() {
        let (x, _) = corner(50, 4);
        let mut labels: Vec<(usize, bool)> = (0..30).map(|i| (i, false)).collect();
        labels.extend([(40, true), (41, true)]);
        assert!(Boosted::fit(&x, 2, &labels).is_none());
        labels.push((42, true));
        assert!(Boosted::fit(&x, 2, &labels).is_some());
    }

    #[test]
    fn a_fit_grown_in_slices_is_the_fit_grown_at_once() {
        let (x, y) = corner(800, 5);
        let labels: Vec<(usize, bool)> = (0..200).map(|i| (i * 4, y[i * 4])).collect();
        let whole = Boosted::fit(&x, 2, &labels).expect("both answers");
        let mut sliced = BoostFit::new(&x, 2, &labels).expect("both answers");
        for k in [1, 0, 7, 3] {
            sliced.grow(k);
            assert!(!sliced.is_done());
        }
        sliced.grow(TREES);
        assert!(sliced.is_done());
        assert_eq!(sliced.finish(), whole);
    }

    #[test]
    fn constant_columns_leave_a_single_leaf_per_tree() {
        let x = vec![1.0f32; 40];
        let labels: Vec<(usize, bool)> = (0..20).map(|i| (i, i % 2 == 0)).collect();
        let model = Boosted::fit(&x, 2, &labels).unwrap();
        assert!(model.trees.iter().all(|t| t.len() == 1));
        assert!(model.score(&x, 0).is_finite());
    }
}
