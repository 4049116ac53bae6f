//! A seeded isolation forest (Liu, Ting & Zhou, 2008) that records, for
//! every row, the leaf it reaches in each tree.
//!
//! Each tree is grown on `ψ` rows drawn without replacement: a node picks a
//! feature that is not constant among its rows and a threshold uniform
//! between their smallest and largest value, until a node holds one row or
//! reaches the height limit `⌈log₂ ψ⌉`. With `ψ ≤ 256` a tree has at most
//! 256 leaves, so a row's leaf in a tree fits in one byte.
//!
//! The forest gives the active layer two things:
//! - the classic isolation score: a row's mean path length `E[h]` over the
//!   trees, where a leaf holding `n` of the tree's rows at depth `δ` counts
//!   `δ + c(n)` (`c(n)`, the mean path length of an unsuccessful search in
//!   a binary search tree of `n` keys, accounts for the unbuilt subtree).
//!   Short paths mean easy to isolate: anomalous.
//! - the leaves themselves, and the path of nodes above each: nested
//!   regions of the feature space, large where the data is sparse and
//!   small where it is dense. The layer learns an offset per node from the
//!   labels, so one answer moves the regions around the labelled row, small
//!   and large, in every tree (see [`crate::active`]).

use std::sync::Arc;

use crate::rng::Rng;

/// The largest number of leaves a tree may have (one byte per row and tree).
pub const MAX_LEAVES: usize = 256;

/// The largest number of nodes a tree may have (a binary tree with
/// [`MAX_LEAVES`] leaves).
pub const MAX_NODES: usize = 2 * MAX_LEAVES - 1;

/// One node: a split, or a leaf with its number in the tree.
#[derive(Debug, Clone, Copy)]
enum Node {
    Split {
        feature: u32,
        threshold: f32,
        left: u32,
        right: u32,
    },
    Leaf {
        index: u8,
    },
}

#[derive(Debug, Clone)]
struct Tree {
    nodes: Vec<Node>,
    /// `δ + c(n)` per leaf.
    path: Vec<f32>,
    /// Per leaf: the nodes from the root down to it (node numbers below
    /// [`MAX_NODES`]).
    ancestors: Vec<Vec<u16>>,
    /// While growing: the nodes from the root to the one being grown.
    stack: Vec<u16>,
}

/// The settings a forest is grown with (the data aside).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForestKey {
    pub trees: usize,
    pub sample: usize,
    pub seed: u64,
}

impl ForestKey {
    /// `trees,sample,seed` in decimal, for the page to ask the training
    /// worker for a forest: text, so a 64-bit seed crosses exactly (a JS
    /// number would round it past 2^53 and grow another forest).
    pub fn to_wire(&self) -> String {
        format!("{},{},{}", self.trees, self.sample, self.seed)
    }

    /// Reads [`to_wire`](Self::to_wire)'s text back; anything else is `None`.
    pub fn from_wire(text: &str) -> Option<Self> {
        let mut it = text.split(',');
        let key = Self {
            trees: it.next()?.parse().ok()?,
            sample: it.next()?.parse().ok()?,
            seed: it.next()?.parse().ok()?,
        };
        it.next().is_none().then_some(key)
    }
}

/// The forest and every row's leaves.
#[derive(Debug, Clone)]
pub struct Forest {
    trees: usize,
    /// Row-major `rows × trees`: the leaf each row reaches in each tree.
    /// Shared: the session keeps the forest and the layer reads it.
    leaves: Arc<Vec<u8>>,
    /// Per row, the isolation score `2^(−E[h]/c(ψ))` in `(0, 1]`.
    scores: Vec<f32>,
    /// Per tree and leaf: the nodes from the root down to the leaf.
    /// Shared, like the leaves: the session and the layer each hold the
    /// forest, and 25,600 small paths are not copied for that.
    ancestors: Arc<Paths>,
    /// The trees themselves, to place rows the forest was not grown on:
    /// `None` for a forest that arrived as its leaves ([`from_wire`](Self::from_wire)).
    model: Option<Arc<ForestModel>>,
}

/// Each tree's highest leaf, as a running maximum over `part`: leaves in
/// row-major order whose first value is tree `at`'s. Whole rows compile to
/// SIMD byte maxima (tens of millions of leaves on a large table, in the
/// page's thread).
fn fold_highest(highest: &mut [u8], at: usize, part: &[u8]) {
    let trees = highest.len();
    if trees == 0 {
        return;
    }
    let at = at % trees;
    let head = part.len().min((trees - at) % trees);
    for (h, &l) in highest[at..].iter_mut().zip(&part[..head]) {
        *h = (*h).max(l);
    }
    let rows = part[head..].chunks_exact(trees);
    let tail = rows.remainder();
    for row in rows {
        for (h, &l) in highest.iter_mut().zip(row) {
            *h = (*h).max(l);
        }
    }
    for (h, &l) in highest.iter_mut().zip(tail) {
        *h = (*h).max(l);
    }
}

/// A forest's leaves read a part at a time (the page copies a large
/// forest out of a worker's message in short tasks), each part's leaves
/// checked as they come, so that [`finish`](Self::finish) has no pass
/// over them left: it is [`Forest::from_wire`] without the long part.
#[derive(Debug)]
pub struct LeavesReader {
    leaves: Vec<u8>,
    highest: Vec<u8>,
}

impl LeavesReader {
    /// A reader of `len` leaves for `trees` trees; `None` when `trees` is
    /// 0 or the memory cannot be had.
    pub fn new(trees: usize, len: usize) -> Option<Self> {
        let mut leaves = Vec::new();
        if trees == 0 || leaves.try_reserve_exact(len).is_err() {
            return None;
        }
        Some(Self {
            leaves,
            highest: vec![0; trees],
        })
    }

    /// The leaves read so far.
    pub fn len(&self) -> usize {
        self.leaves.len()
    }

    /// Whether no leaf was read yet.
    pub fn is_empty(&self) -> bool {
        self.leaves.is_empty()
    }

    /// The next `n` leaves, written by `fill` into the slice it is given.
    pub fn read(&mut self, n: usize, fill: impl FnOnce(&mut [u8])) {
        let at = self.leaves.len();
        self.leaves.resize(at + n, 0);
        fill(&mut self.leaves[at..]);
        fold_highest(&mut self.highest, at, &self.leaves[at..]);
    }

    /// The forest, checked as [`Forest::from_wire`] checks it (`paths`
    /// must be for as many trees as the reader's).
    pub fn finish(self, scores: Vec<f32>, paths: &[u32]) -> Option<Forest> {
        Forest::assemble(self.leaves, &self.highest, scores, paths)
    }
}

/// The trees of a forest, as a function of a row alone: each tree's splits
/// in level order and its leaves' path lengths. Rows the forest never saw
/// get their leaves and isolation score from it, by the very code that
/// placed the rows it was grown on.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ForestModel {
    /// Rows each tree was grown on (`ψ`): the score's normaliser is `c(ψ)`.
    pub psi: usize,
    pub trees: Vec<TreeModel>,
}

/// One tree laid out level by level (see `Flat`): `2^height − 1` inner
/// slots, each a feature and a threshold (rows below it go left; a leaf
/// above the bottom fills its subtree, with threshold +∞), then the leaf at
/// each of the `2^height` bottom slots, and each leaf's path length
/// `δ + c(n)`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TreeModel {
    pub height: usize,
    pub features: Vec<u32>,
    #[serde(with = "crate::base64::f32s")]
    pub thresholds: Vec<f32>,
    pub bottom: Vec<u8>,
    #[serde(with = "crate::base64::f32s")]
    pub path: Vec<f32>,
}

/// Equal leaves, scores and paths: what the layer reads. The trees are
/// left out, so a forest that arrived as its arrays equals the one grown
/// here.
impl PartialEq for Forest {
    fn eq(&self, other: &Self) -> bool {
        self.trees == other.trees
            && self.leaves == other.leaves
            && self.scores == other.scores
            && self.ancestors == other.ancestors
    }
}

/// Per tree and leaf, the nodes from the root down to the leaf.
pub type Paths = Vec<Vec<Vec<u16>>>;

/// `c(n)`: the mean path length of an unsuccessful search among `n` keys;
/// the isolation score is `2^(−E[h]/max(c(ψ), 1))`.
pub fn c(n: usize) -> f64 {
    match n {
        0 | 1 => 0.0,
        2 => 1.0,
        _ => {
            let n = n as f64;
            2.0 * (libm::log(n - 1.0) + 0.577_215_664_901_532_9) - 2.0 * (n - 1.0) / n
        }
    }
}

impl Forest {
    /// Grows `trees` trees on the rows of `x` (`rows × d`, row-major) with
    /// `sample` rows each (at most 256), seeded by `seed`, and records every
    /// row's leaves and score. Empty when there are no rows or columns.
    pub fn fit(x: &[f32], d: usize, trees: usize, sample: usize, seed: u64) -> Self {
        let rows = x.len().checked_div(d).unwrap_or(0);
        if rows == 0 || trees == 0 {
            return Self {
                trees: 0,
                leaves: Arc::new(Vec::new()),
                scores: vec![0.0; rows],
                ancestors: Arc::new(Vec::new()),
                model: None,
            };
        }
        let psi = sample.clamp(1, MAX_LEAVES).min(rows);
        let height = (psi as f64).log2().ceil() as usize;
        let mut rng = Rng::new(seed);
        let mut all: Vec<u32> = (0..rows as u32).collect();
        let grown: Vec<Tree> = (0..trees)
            .map(|_| {
                rng.draw_to_front(&mut all, psi);
                let mut picked = all[..psi].to_vec();
                let mut tree = Tree {
                    nodes: Vec::new(),
                    path: Vec::new(),
                    ancestors: Vec::new(),
                    stack: Vec::new(),
                };
                grow(&mut tree, x, d, &mut picked, 0, height, &mut rng);
                tree
            })
            .collect();
        let model = ForestModel {
            psi,
            trees: grown
                .iter()
                .map(|t| Flat::new(t, height).model(t))
                .collect(),
        };
        let (leaves, scores) = model.place(x, d, |flat_leaf, t, row| {
            debug_assert_eq!(flat_leaf, grown[t].leaf(&x[row * d..(row + 1) * d]));
        });
        Self {
            trees,
            leaves: Arc::new(leaves),
            scores,
            ancestors: Arc::new(grown.into_iter().map(|t| t.ancestors).collect()),
            model: Some(Arc::new(model)),
        }
    }

    /// The trees, when this forest was grown here or they came with it.
    pub fn model(&self) -> Option<&ForestModel> {
        self.model.as_deref()
    }

    /// Gives a forest that came as its arrays its trees: false (and
    /// nothing changes) unless they are as many as its trees.
    pub fn set_model(&mut self, model: ForestModel) -> bool {
        let fits = model.trees.len() == self.trees;
        if fits {
            self.model = Some(Arc::new(model));
        }
        fits
    }

    pub fn trees(&self) -> usize {
        self.trees
    }

    /// Every row's leaves, row-major `rows × trees`.
    pub fn leaves(&self) -> &[u8] {
        &self.leaves
    }

    /// The leaves, and per tree and leaf the nodes from the root down to
    /// the leaf (leaf `l` of tree `t` is `ancestors[t][l]`'s last node).
    pub fn into_parts(self) -> (Arc<Vec<u8>>, Arc<Paths>) {
        (self.leaves, self.ancestors)
    }

    /// The isolation score of every row (higher = easier to isolate).
    pub fn scores(&self) -> &[f32] {
        &self.scores
    }

    /// Every leaf's path as one array, for the training worker to send
    /// beside [`leaves`](Self::leaves) and [`scores`](Self::scores): the
    /// number of trees, then per tree its number of leaves, then per leaf
    /// the path's length and its nodes.
    pub fn wire_paths(&self) -> Vec<u32> {
        let mut out = vec![self.trees as u32];
        for tree in self.ancestors.iter() {
            out.push(tree.len() as u32);
            for path in tree {
                out.push(path.len() as u32);
                out.extend(path.iter().map(|&n| u32::from(n)));
            }
        }
        out
    }

    /// The forest from its three arrays. Everything is checked (tree and
    /// leaf counts, node numbers, every row's leaf, finite scores), so a
    /// message that does not fit is `None`, never a panic later.
    /// [`LeavesReader`] does the same with the leaves read a part at a
    /// time.
    pub fn from_wire(leaves: Vec<u8>, scores: Vec<f32>, paths: &[u32]) -> Option<Self> {
        let trees = *paths.first()? as usize;
        let mut highest = vec![0u8; trees];
        fold_highest(&mut highest, 0, &leaves);
        Self::assemble(leaves, &highest, scores, paths)
    }

    /// [`from_wire`](Self::from_wire) with each tree's highest leaf over
    /// every row already taken (`highest`, one a tree).
    fn assemble(leaves: Vec<u8>, highest: &[u8], scores: Vec<f32>, paths: &[u32]) -> Option<Self> {
        let mut at = paths.iter().map(|&v| v as usize);
        let trees = at.next()?;
        let rows = scores.len();
        if trees == 0 || rows.checked_mul(trees)? != leaves.len() || highest.len() != trees {
            return None;
        }
        let mut ancestors = Vec::with_capacity(trees.min(paths.len()));
        for _ in 0..trees {
            let n = at.next()?;
            if n == 0 || n > MAX_LEAVES {
                return None;
            }
            let mut tree = Vec::with_capacity(n);
            for _ in 0..n {
                let len = at.next()?;
                if len == 0 || len > MAX_NODES {
                    return None;
                }
                let path = (0..len)
                    .map(|_| at.next().filter(|&v| v < MAX_NODES).map(|v| v as u16))
                    .collect::<Option<Vec<u16>>>()?;
                tree.push(path);
            }
            ancestors.push(tree);
        }
        // Each tree's last leaf number against the highest leaf any row
        // reaches in it.
        let whole = at.next().is_none()
            && scores.iter().all(|s| s.is_finite())
            && highest
                .iter()
                .zip(&ancestors)
                .all(|(&h, t)| (h as usize) < t.len());
        whole.then_some(Self {
            trees,
            leaves: Arc::new(leaves),
            scores,
            ancestors: Arc::new(ancestors),
            model: None,
        })
    }
}

/// A tree laid out for reading, level by level: the node in slot `s` has
/// its children in slots `2s + 1` and `2s + 2`, and every path is `height`
/// steps long (a leaf above the bottom fills its whole subtree), so finding
/// a row's leaf is `height` steps with no branch on the data.
struct Flat {
    height: usize,
    /// Per inner slot: the feature and the threshold (rows below it go left).
    splits: Vec<(u32, f32)>,
    /// Per bottom slot: the leaf.
    bottom: Vec<u8>,
}

impl Flat {
    fn new(tree: &Tree, height: usize) -> Self {
        let inner = (1usize << height) - 1;
        let mut flat = Self {
            height,
            splits: vec![(0, f32::INFINITY); inner],
            bottom: vec![0; inner + 1],
        };
        flat.place(tree, 0, 0, 0);
        flat
    }

    fn place(&mut self, tree: &Tree, node: usize, slot: usize, depth: usize) {
        match tree.nodes[node] {
            Node::Split {
                feature,
                threshold,
                left,
                right,
            } => {
                self.splits[slot] = (feature, threshold);
                self.place(tree, left as usize, 2 * slot + 1, depth + 1);
                self.place(tree, right as usize, 2 * slot + 2, depth + 1);
            }
            Node::Leaf { index } => {
                // Every bottom slot under `slot`: whichever way the
                // padding sends a row, it lands on this leaf.
                let below = self.height - depth;
                let first = ((slot + 1) << below) - 1 - self.splits.len();
                self.bottom[first..first + (1 << below)].fill(index);
            }
        }
    }

    /// The tree as its model: this layout and the leaves' path lengths.
    fn model(self, tree: &Tree) -> TreeModel {
        TreeModel {
            height: self.height,
            features: self.splits.iter().map(|s| s.0).collect(),
            thresholds: self.splits.iter().map(|s| s.1).collect(),
            bottom: self.bottom,
            path: tree.path.clone(),
        }
    }
}

impl ForestModel {
    /// Every row's leaf in each tree (row-major `rows × trees`) and its
    /// isolation score, for the rows of `x` (`rows × d`). `check(leaf, tree,
    /// row)` sees each leaf as it is found.
    fn place(&self, x: &[f32], d: usize, check: impl Fn(u8, usize, usize)) -> (Vec<u8>, Vec<f32>) {
        let trees = self.trees.len();
        let rows = x.len().checked_div(d).unwrap_or(0);
        let mut leaves = vec![0u8; rows * trees];
        let mut scores = Vec::with_capacity(rows);
        if trees == 0 {
            scores.resize(rows, 0.0);
            return (leaves, scores);
        }
        let norm = c(self.psi).max(1.0);
        // A block of rows goes down each tree together: their steps do not
        // wait on one another.
        for (b, block) in leaves.chunks_mut(BLOCK * trees).enumerate() {
            let first = b * BLOCK;
            let n = block.len() / trees;
            let mut totals = [0.0f64; BLOCK];
            for (t, tree) in self.trees.iter().enumerate() {
                let mut at = [0usize; BLOCK];
                tree.leaves(&x[first * d..(first + n) * d], d, &mut at[..n]);
                for (k, &leaf) in at[..n].iter().enumerate() {
                    let leaf = leaf as u8;
                    check(leaf, t, first + k);
                    block[k * trees + t] = leaf;
                    totals[k] += f64::from(tree.path[leaf as usize]);
                }
            }
            for total in &totals[..n] {
                let mean = total / trees as f64;
                scores.push(libm::pow(2.0, -mean / norm) as f32);
            }
        }
        (leaves, scores)
    }

    /// The leaves and isolation scores of rows the forest may never have
    /// seen (`rows × d`, standardised like the rows it was grown on).
    pub fn leaves_and_scores(&self, x: &[f32], d: usize) -> (Vec<u8>, Vec<f32>) {
        self.place(x, d, |_, _, _| {})
    }

    /// Whether every tree is whole: its arrays fit its height, every split
    /// reads one of `d` features, every leaf has a finite path length.
    /// A model read from a file is checked with this before it is used.
    pub fn is_valid(&self, d: usize) -> bool {
        self.psi > 0
            && self.trees.iter().all(|t| {
                let inner = 1usize.checked_shl(t.height as u32).map(|n| n - 1);
                t.height <= 8
                    && inner == Some(t.features.len())
                    && t.thresholds.len() == t.features.len()
                    && t.bottom.len() == t.features.len() + 1
                    && t.features.iter().all(|&f| (f as usize) < d.max(1))
                    && t.bottom.iter().all(|&l| (l as usize) < t.path.len())
                    && t.path.len() <= MAX_LEAVES
                    && t.path.iter().all(|p| p.is_finite())
                    && t.thresholds.iter().all(|v| !v.is_nan())
            })
    }

    /// The trees as two arrays, for the workers' messages: integers (`ψ`,
    /// the number of trees, then per tree its height, its number of leaves,
    /// its split features and its bottom slots' leaves) and floats (per
    /// tree its thresholds and its leaves' path lengths).
    pub fn to_wire(&self) -> (Vec<u32>, Vec<f32>) {
        let mut ints = vec![self.psi as u32, self.trees.len() as u32];
        let mut floats = Vec::new();
        for t in &self.trees {
            ints.extend([t.height as u32, t.path.len() as u32]);
            ints.extend(&t.features);
            ints.extend(t.bottom.iter().map(|&b| u32::from(b)));
            floats.extend(&t.thresholds);
            floats.extend(&t.path);
        }
        (ints, floats)
    }

    /// The trees from [`to_wire`](Self::to_wire)'s arrays, checked whole
    /// against `d` features ([`is_valid`](Self::is_valid)); `None` when
    /// they do not fit.
    pub fn from_wire(ints: &[u32], floats: &[f32], d: usize) -> Option<Self> {
        let mut i = ints.iter().map(|&v| v as usize);
        let mut f = floats.iter().copied();
        let psi = i.next()?;
        let count = i.next()?;
        if count > 10_000 {
            return None;
        }
        let mut trees = Vec::with_capacity(count);
        for _ in 0..count {
            let (height, leaves) = (i.next()?, i.next()?);
            if height > 8 || leaves > MAX_LEAVES {
                return None;
            }
            let inner = (1usize << height) - 1;
            let features = i.by_ref().take(inner).map(|v| v as u32).collect::<Vec<_>>();
            let bottom = i
                .by_ref()
                .take(inner + 1)
                .map(|v| u8::try_from(v).ok())
                .collect::<Option<Vec<_>>>()?;
            let thresholds: Vec<f32> = f.by_ref().take(inner).collect();
            let path: Vec<f32> = f.by_ref().take(leaves).collect();
            trees.push(TreeModel {
                height,
                features,
                thresholds,
                bottom,
                path,
            });
        }
        let model = Self { psi, trees };
        (i.next().is_none() && f.next().is_none() && model.is_valid(d)).then_some(model)
    }
}

impl TreeModel {
    /// The leaves of the rows of `x` (`at.len() × d`), written into `at`
    /// (which starts at 0, the root).
    fn leaves(&self, x: &[f32], d: usize, at: &mut [usize]) {
        let inner = self.features.len();
        for _ in 0..self.height {
            for (k, a) in at.iter_mut().enumerate() {
                let (feature, threshold) = (self.features[*a], self.thresholds[*a]);
                // Left (2a + 1) when below; NaN goes right (2a + 2), like
                // any value not below the threshold.
                let below = x[k * d + feature as usize] < threshold;
                *a = 2 * *a + 2 - usize::from(below);
            }
        }
        for a in at.iter_mut() {
            *a = self.bottom[*a - inner] as usize;
        }
    }
}

/// Rows that go down a tree together.
const BLOCK: usize = 32;

impl Tree {
    #[cfg_attr(not(debug_assertions), allow(dead_code))]
    fn leaf(&self, row: &[f32]) -> u8 {
        let mut at = 0usize;
        loop {
            match self.nodes[at] {
                Node::Leaf { index } => return index,
                Node::Split {
                    feature,
                    threshold,
                    left,
                    right,
                } => {
                    // NaN goes right, like any value not below the threshold.
                    at = if row[feature as usize] < threshold {
                        left as usize
                    } else {
                        right as usize
                    };
                }
            }
        }
    }
}

/// Grows the subtree over `rows` at `depth`; returns its node's index.
fn grow(
    tree: &mut Tree,
    x: &[f32],
    d: usize,
    rows: &mut [u32],
    depth: usize,
    height: usize,
    rng: &mut Rng,
) -> u32 {
    let at = tree.nodes.len() as u32;
    tree.stack.push(at as u16);
    let split = if rows.len() > 1 && depth < height {
        pick_split(x, d, rows, rng)
    } else {
        None
    };
    let Some((feature, threshold)) = split else {
        let index = tree.path.len() as u8;
        tree.path.push((depth as f64 + c(rows.len())) as f32);
        tree.nodes.push(Node::Leaf { index });
        tree.ancestors.push(tree.stack.clone());
        tree.stack.pop();
        return at;
    };
    tree.nodes.push(Node::Leaf { index: 0 });
    // Partition in place: rows below the threshold first.
    let mut cut = 0;
    for i in 0..rows.len() {
        if x[rows[i] as usize * d + feature] < threshold {
            rows.swap(i, cut);
            cut += 1;
        }
    }
    let (lo, hi) = rows.split_at_mut(cut);
    let left = grow(tree, x, d, lo, depth + 1, height, rng);
    let right = grow(tree, x, d, hi, depth + 1, height, rng);
    tree.nodes[at as usize] = Node::Split {
        feature: feature as u32,
        threshold,
        left,
        right,
    };
    tree.stack.pop();
    at
}

/// A random feature that is not constant on `rows`, and a threshold drawn
/// uniformly strictly above its smallest value and at most its largest, so
/// both sides get a row. `None` when every feature is constant there.
fn pick_split(x: &[f32], d: usize, rows: &[u32], rng: &mut Rng) -> Option<(usize, f32)> {
    let range = |j: usize| {
        rows.iter()
            .map(|&r| x[r as usize * d + j])
            .filter(|v| v.is_finite())
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            })
    };
    // A few random draws first (the usual case), then a scan, so a node
    // with one varying feature among many constant ones still splits.
    for _ in 0..8 {
        let j = rng.index(d);
        let (lo, hi) = range(j);
        if lo < hi {
            return Some((j, threshold(lo, hi, rng)));
        }
    }
    let varying: Vec<(usize, f32, f32)> = (0..d)
        .map(|j| {
            let (lo, hi) = range(j);
            (j, lo, hi)
        })
        .filter(|&(_, lo, hi)| lo < hi)
        .collect();
    if varying.is_empty() {
        return None;
    }
    let (j, lo, hi) = varying[rng.index(varying.len())];
    Some((j, threshold(lo, hi, rng)))
}

fn threshold(lo: f32, hi: f32, rng: &mut Rng) -> f32 {
    let t = rng.range(lo as f64, hi as f64) as f32;
    // `t` must be above `lo` for the left side to hold a row … and at most
    // `hi` for the right side to hold one.
    if t > lo {
        t.min(hi)
    } else {
        hi
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob_with_outlier(rows: usize) -> Vec<f32> {
        let mut rng = Rng::new(5);
        let mut x: Vec<f32> = (0..rows * 3).map(|_| rng.normal() as f32).collect();
        x[..3].copy_from_slice(&[8.0, -8.0, 8.0]);
        x
    }

    #[test]
    fn an_isolated_row_gets_the_highest_score_and_the_forest_is_seeded() {
        let x = blob_with_outlier(500);
        let f = Forest::fit(&x, 3, 50, 256, 1);
        let top = (0..500)
            .max_by(|&a, &b| f.scores()[a].total_cmp(&f.scores()[b]))
            .unwrap();
        assert_eq!(top, 0);
        assert!(f.scores().iter().all(|s| *s > 0.0 && *s <= 1.0));
        let again = Forest::fit(&x, 3, 50, 256, 1);
        assert_eq!(again.leaves(), f.leaves());
        assert_ne!(Forest::fit(&x, 3, 50, 256, 2).leaves(), f.leaves());
    }

    #[test]
    fn leaves_fit_in_a_byte_and_constant_data_is_one_leaf() {
        let x = blob_with_outlier(2000);
        let f = Forest::fit(&x, 3, 20, 1000, 3);
        assert_eq!(f.leaves().len(), 2000 * 20);
        let flat = vec![1.0f32; 300];
        let g = Forest::fit(&flat, 3, 5, 64, 3);
        assert!(g.leaves().iter().all(|&l| l == 0));
        let e = Forest::fit(&[], 3, 5, 64, 3);
        assert_eq!(e.scores().len(), 0);
    }

    /// The level-by-level layout finds the leaf the tree's own walk finds,
    /// for every row: with NaN (it goes right), ties at a threshold, leaves
    /// above the bottom, small samples, and a block's last partial rows.
    #[test]
    fn the_flat_layout_reaches_the_same_leaves_as_the_tree() {
        let mut rng = Rng::new(11);
        let rows = 1000 + 7;
        let mut x: Vec<f32> = (0..rows * 4)
            .map(|k| match k % 13 {
                0 => f32::NAN,
                1 => 0.0,
                _ => (rng.normal() as f32 * 4.0).round() / 4.0,
            })
            .collect();
        x[4..8].fill(f32::NAN);
        for sample in [2, 3, 17, 256] {
            let psi = sample.min(rows);
            let height = (psi as f64).log2().ceil() as usize;
            let mut seed_rng = Rng::new(sample as u64);
            let mut picked: Vec<u32> = (0..psi as u32)
                .map(|_| seed_rng.index(rows) as u32)
                .collect();
            picked.sort_unstable();
            picked.dedup();
            let mut tree = Tree {
                nodes: Vec::new(),
                path: Vec::new(),
                ancestors: Vec::new(),
                stack: Vec::new(),
            };
            grow(&mut tree, &x, 4, &mut picked, 0, height, &mut seed_rng);
            let flat = Flat::new(&tree, height).model(&tree);
            let mut at = vec![0usize; rows];
            flat.leaves(&x, 4, &mut at);
            for (i, &leaf) in at.iter().enumerate() {
                assert_eq!(
                    leaf as u8,
                    tree.leaf(&x[i * 4..(i + 1) * 4]),
                    "row {i}, sample {sample}"
                );
            }
        }
        // And the forest's leaves, row by row, over blocks and their tails.
        let f = Forest::fit(&x, 4, 7, 64, 2);
        assert_eq!(f.leaves().len(), rows * 7);
    }

    /// Every leaf's path runs from the root to a leaf node with its number,
    /// each node below its parent, and a row's leaf is reached by that path.
    #[test]
    fn each_leaf_knows_the_nodes_above_it() {
        let x = blob_with_outlier(600);
        let f = Forest::fit(&x, 3, 10, 256, 4);
        let leaves = f.leaves().to_vec();
        let (_, ancestors) = f.into_parts();
        assert_eq!(ancestors.len(), 10);
        for tree in ancestors.iter() {
            assert!(tree.len() <= MAX_LEAVES);
            let mut ends = Vec::new();
            for path in tree {
                assert_eq!(path[0], 0);
                assert!(path.len() <= 9, "deeper than ⌈log₂ 256⌉");
                assert!(path.windows(2).all(|w| w[0] < w[1]));
                assert!(path.iter().all(|&n| (n as usize) < MAX_NODES));
                ends.push(*path.last().unwrap());
            }
            // Distinct leaves end at distinct nodes.
            let mut sorted = ends.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), ends.len());
        }
        // The row's leaf in tree 0 is one the tree has.
        assert!(leaves
            .chunks_exact(10)
            .all(|l| (l[0] as usize) < ancestors[0].len()));
    }

    #[test]
    fn c_matches_the_paper() {
        assert_eq!(c(1), 0.0);
        assert_eq!(c(2), 1.0);
        // c(256) ≈ 10.24 (Liu et al.).
        assert!((c(256) - 10.24).abs() < 0.01, "{}", c(256));
    }

    #[test]
    fn a_forest_key_crosses_as_text_with_its_exact_seed() {
        let key = ForestKey {
            trees: 100,
            sample: 256,
            seed: u64::MAX - 1,
        };
        assert_eq!(ForestKey::from_wire(&key.to_wire()), Some(key));
        for bad in ["", "100,256", "100,256,1,2", "100,x,1", "-1,256,1"] {
            assert_eq!(ForestKey::from_wire(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_forest_round_trips_through_its_arrays_and_bad_ones_are_refused() {
        let mut rng = Rng::new(9);
        let x: Vec<f32> = (0..3 * 500).map(|_| rng.normal() as f32).collect();
        let f = Forest::fit(&x, 3, 12, 64, 5);
        let paths = f.wire_paths();
        let back = Forest::from_wire(f.leaves().to_vec(), f.scores().to_vec(), &paths);
        assert_eq!(back.as_ref(), Some(&f));
        let bad_leaf = {
            let mut l = f.leaves().to_vec();
            l[7] = 255;
            l
        };
        let mut bad_node = paths.clone();
        bad_node[3] = MAX_NODES as u32;
        let mut nan = f.scores().to_vec();
        nan[0] = f32::NAN;
        for (leaves, scores, paths) in [
            (bad_leaf, f.scores().to_vec(), paths.clone()),
            (f.leaves().to_vec(), f.scores().to_vec(), bad_node),
            (f.leaves().to_vec(), nan, paths.clone()),
            (f.leaves()[1..].to_vec(), f.scores().to_vec(), paths.clone()),
            (
                f.leaves().to_vec(),
                f.scores().to_vec(),
                paths[..paths.len() - 1].to_vec(),
            ),
            (
                f.leaves().to_vec(),
                f.scores().to_vec(),
                [&paths[..], &[1]].concat(),
            ),
            (vec![], vec![], vec![u32::MAX]),
        ] {
            assert!(Forest::from_wire(leaves, scores, &paths).is_none());
        }
    }

    /// Read a part at a time, whatever the parts' sizes (a part that
    /// starts or ends inside a row included), the forest is the one
    /// `from_wire` reads whole, and a leaf out of its tree in any part, at
    /// any tree, is refused.
    #[test]
    fn leaves_read_in_parts_are_checked_as_a_whole() {
        let mut rng = Rng::new(4);
        let x: Vec<f32> = (0..3 * 300).map(|_| rng.normal() as f32).collect();
        let f = Forest::fit(&x, 3, 12, 64, 5);
        let paths = f.wire_paths();
        let read = |leaves: &[u8], part: usize| {
            let mut r = LeavesReader::new(12, leaves.len()).expect("memory");
            for p in leaves.chunks(part) {
                r.read(p.len(), |to| to.copy_from_slice(p));
            }
            assert_eq!(r.len(), leaves.len());
            r.finish(f.scores().to_vec(), &paths)
        };
        let n = f.leaves().len();
        for part in [1, 5, 12, 13, 100, n] {
            assert_eq!(read(f.leaves(), part).as_ref(), Some(&f), "parts of {part}");
        }
        for at in [0, 1, 11, 12, 13, 7 * 12 + 5, n - 1] {
            let mut bad = f.leaves().to_vec();
            bad[at] = 255;
            for part in [1, 5, 12, 13, 100] {
                assert!(
                    read(&bad, part).is_none(),
                    "a bad leaf at {at}, parts of {part}"
                );
            }
        }
        assert!(LeavesReader::new(0, 10).is_none());
        // The paths must be for the reader's trees.
        let mut r = LeavesReader::new(11, n).expect("memory");
        r.read(n, |to| to.copy_from_slice(f.leaves()));
        assert!(r.finish(f.scores().to_vec(), &paths).is_none());
    }
}
