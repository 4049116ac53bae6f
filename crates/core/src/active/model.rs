//! The layer as a function of one row: every constant a layer fitted to
//! its rows and labels, taken out of it, so that a row it never saw (a
//! file of millions scored in a stream, an exported model) gets its score
//! from the row alone. On the layer's own rows the score is the layer's,
//! to the bit: the same operations in the same order (see the test
//! `a_layer_model_scores_its_own_rows_to_the_bit`).
//!
//! Per row, from the detector's evidence `e` (`m` values) and the
//! standardised features `z` (`d`):
//! 1. `f = [ln(1 + max(e, 0)), ln(1 + z²) (marginal), isolation score, z]`
//!    (each logarithm in f64, rounded to f32);
//! 2. each detector and marginal column read by its tail sketch;
//! 3. the evidence columns standardised with the layer's constants;
//! 4. `s = w·f (f32, four sums) + ν + ρ + b`, where `ν` is the neighbour
//!    term over the labelled rows' features and `ρ` each tree's leaf
//!    offset / T.

use super::{dot4, kernel, neighbour_term, ActiveLayer, InputShape, TailSketch, MAX_LEAVES};
use crate::forest::{Forest, ForestModel};
use crate::standardize::{standardize_columns_f32, Standardizer};

/// A fitted layer's constants (see the module docs), as the session file
/// holds them too (f32 arrays as exact bits in base64; `m` and `d` are the
/// detector's and the schema's, set by [`check`](Self::check) on load).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LayerModel {
    /// The detector's evidence columns.
    #[serde(skip)]
    pub m: usize,
    /// The standardised feature columns each row has (0: the layer reads
    /// none).
    #[serde(skip)]
    pub d: usize,
    /// The marginal block `ln(1 + z²)` follows the detector's evidence.
    pub marginal: bool,
    /// The forest's isolation score follows.
    pub isolation: bool,
    /// The features themselves follow.
    pub features: bool,
    /// The tail sketch of each detector and marginal column, or none when
    /// the layer reads the values themselves.
    pub tails: Vec<TailSketch>,
    /// Whether the sketches are the layer's own, so that its rows score
    /// here to the bit. Always true since 2026-12-01, when a layer over
    /// more distinct values than [`MAX_MODEL_KNOTS`] began to read the
    /// thinned sketches itself ([`tail_cap`]); a file written before then
    /// may say false: its rows score close to the layer's, not equal.
    pub exact: bool,
    /// The evidence columns' standardiser.
    pub evidence: Standardizer,
    /// The trees, when the isolation score or the region term reads them.
    pub forest: Option<ForestModel>,
    /// The weights on the inputs, as the layer scores with them (f32).
    #[serde(with = "crate::base64::f32s")]
    pub w: Vec<f32>,
    pub b: f32,
    /// Per tree, each leaf's region offset / T; empty when the layer has no
    /// region term (or no offset moved yet). In the file: `trees × 256`.
    #[serde(with = "leaf_tables")]
    pub regions: Vec<[f32; MAX_LEAVES]>,
    pub neighbours: Option<NeighbourModel>,
}

/// The most knots a model's tail sketches hold together (about 8 MB of
/// values and tails).
pub const MAX_MODEL_KNOTS: usize = 1 << 20;

/// The most knots one of `tailed` columns keeps: its share of
/// [`MAX_MODEL_KNOTS`]. A layer reading exact ranks (`tail_knots` 0) reads
/// a column of more distinct values than this through the sketch of them
/// thinned to this many knots (exact at each knot, linear between), so
/// that the model it gives holds its tails whole, at any size. On the 16
/// shared datasets only aloi and campaign have such columns
/// (docs/BENCHMARKS.md).
pub fn tail_cap(tailed: usize) -> usize {
    (MAX_MODEL_KNOTS / tailed.max(1)).max(2)
}

/// The neighbour term's constants: its weight `a`, the kernel's scale
/// `−1/(2·D·h²)`, and the labelled rows' standardised features with their
/// answers.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NeighbourModel {
    pub weight: f64,
    pub scale: f32,
    /// Row-major `labelled × d`.
    #[serde(with = "crate::base64::f32s")]
    pub rows: Vec<f32>,
    pub anomaly: Vec<bool>,
}

impl ActiveLayer {
    /// This layer's constants, from the detector's evidence (`rows × m`)
    /// and the standardised features (`rows × d`) it was built from, and
    /// its forest (with its trees) when it has one. An error says what
    /// does not fit: other rows, or a forest without its trees or whose
    /// trees do not place the rows where it did.
    pub fn model(
        &self,
        evidence: &[f32],
        m: usize,
        features: &[f32],
        d: usize,
        forest: Option<&Forest>,
    ) -> Result<LayerModel, String> {
        let rows = self.rows();
        if m == 0 || evidence.len() != rows * m {
            return Err(format!(
                "the evidence has {} values, not {rows} rows of {m}",
                evidence.len()
            ));
        }
        let have_features = d > 0 && features.len() == rows * d;
        let wants_forest = have_features && self.config.forest_trees > 0;
        let forest = match (wants_forest, forest) {
            (false, _) => None,
            (true, Some(f))
                if f.trees() == self.config.forest_trees && f.scores().len() == rows =>
            {
                let trees = f.model().filter(|t| t.is_valid(d));
                let trees = trees.ok_or("the layer's forest has no trees here")?;
                check_placement(trees, f, features, d)?;
                Some((trees.clone(), f))
            }
            (true, _) => return Err("the layer's forest has no trees here".into()),
        };
        let isolation = forest.as_ref().map(|(_, f)| f.scores());
        // The evidence columns one at a time, as `LayerInputs::build` makes
        // them (its tails and its standardiser work column by column): each
        // is compared with the layer's own and its constants kept. One
        // column of memory, not a second copy of the inputs.
        let shape = InputShape::new(rows, m, d, have_features, &self.config, isolation.is_some());
        if shape.width() != self.width {
            return Err("these rows are not the ones the layer was built from".into());
        }
        let tailed = if shape.tails { m + shape.marginal } else { 0 };
        let mut tails = Vec::with_capacity(tailed);
        let mut standardizer = Standardizer {
            unit: Vec::new(),
            mean: Vec::new(),
            scale: Vec::new(),
        };
        let mut column = vec![0f32; rows];
        let cap = tail_cap(tailed);
        for j in 0..shape.evidence() {
            for (i, c) in column.iter_mut().enumerate() {
                *c = match (
                    j.checked_sub(m),
                    j.checked_sub(m + shape.marginal),
                    isolation,
                ) {
                    (None, _, _) => super::log_evidence(evidence[i * m + j]),
                    (Some(k), None, _) => super::log_marginal(features[i * d + k]),
                    (_, Some(_), Some(s)) => s[i],
                    (_, Some(_), None) => 0.0,
                };
            }
            if j < tailed {
                super::tail_transform(&mut column, 1, 0..1, shape.knots, cap, Some(&mut tails));
            }
            let s = standardize_columns_f32(&mut column, 1, 1);
            standardizer.unit.extend(s.unit);
            standardizer.mean.extend(s.mean);
            standardizer.scale.extend(s.scale);
            let theirs = self.inputs.iter().skip(j).step_by(self.evidence_dim);
            if !column
                .iter()
                .zip(theirs)
                .all(|(a, b)| a.to_bits() == b.to_bits())
            {
                return Err("these rows are not the ones the layer was built from".into());
            }
        }
        if let (true, Some((_, f))) = (self.regions.active(), &forest) {
            if self.regions.leaves[..] != f.leaves()[..] {
                return Err("the layer's regions are not its forest's leaves".into());
            }
        }
        let u = self.u();
        let regions = if self.regions.any_terms(u) {
            self.regions.table(u)
        } else {
            Vec::new()
        };
        let nb = &self.neighbours;
        let neighbours = (nb.active() && nb.any).then(|| {
            let mut rows = Vec::new();
            let mut anomaly = Vec::new();
            for (j, label) in nb.counted.iter().enumerate() {
                if let Some(y) = label {
                    rows.extend_from_slice(nb.row(j));
                    anomaly.push(*y);
                }
            }
            NeighbourModel {
                weight: nb.weight,
                scale: nb.scale,
                rows,
                anomaly,
            }
        });
        Ok(LayerModel {
            m,
            d: if have_features { d } else { 0 },
            marginal: shape.marginal > 0,
            isolation: shape.isolation > 0,
            features: shape.features > 0,
            tails,
            // The sketches are the layer's own tails (every distinct value
            // with its exact tail, or the thinned sketch the layer read): the
            // rows score here as in the layer (the tests check it to the bit).
            exact: true,
            evidence: standardizer,
            forest: forest.map(|(trees, _)| trees),
            w: self.w[..self.width].iter().map(|&w| w as f32).collect(),
            b: self.b as f32,
            regions,
            neighbours,
        })
    }
}

/// Checks on up to 1,024 of the rows, evenly spaced, that `trees` place
/// them in `forest`'s leaves with its isolation scores, to the bit: a
/// forest and trees that do not belong together are refused.
fn check_placement(
    trees: &ForestModel,
    forest: &Forest,
    x: &[f32],
    d: usize,
) -> Result<(), String> {
    let rows = forest.scores().len();
    let t = forest.trees();
    let step = rows.div_ceil(1024).max(1);
    let picked: Vec<usize> = (0..rows).step_by(step).collect();
    let sample: Vec<f32> = picked
        .iter()
        .flat_map(|&r| &x[r * d..(r + 1) * d])
        .copied()
        .collect();
    let (leaves, scores) = trees.leaves_and_scores(&sample, d);
    let fits = picked.iter().enumerate().all(|(k, &r)| {
        leaves[k * t..(k + 1) * t] == forest.leaves()[r * t..(r + 1) * t]
            && scores[k].to_bits() == forest.scores()[r].to_bits()
    });
    fits.then_some(())
        .ok_or_else(|| "the forest's trees do not place the rows in its leaves".to_string())
}

impl LayerModel {
    /// The layer read from a file, checked over `m` evidence columns and
    /// `d` features before it is used: every shape, every value finite,
    /// the sketches ascending and within [`MAX_MODEL_KNOTS`], the trees
    /// fitting the features, the region offsets the trees, the labelled
    /// rows the features. `m` and `d` are then its own.
    pub fn check(mut self, m: usize, d: usize) -> Result<Self, String> {
        let finite = |v: &[f32]| v.iter().all(|x| x.is_finite());
        let marginal = if self.marginal { d } else { 0 };
        let e = m + marginal + usize::from(self.isolation);
        let width = e + if self.features { d } else { 0 };
        if self.w.len() != width || !finite(&self.w) || !self.b.is_finite() {
            return Err(format!(
                "has {} weights where its inputs need {width}",
                self.w.len()
            ));
        }
        let knots: usize = self.tails.iter().map(|t| t.values.len()).sum();
        if knots > MAX_MODEL_KNOTS {
            return Err(format!("has {knots} tail knots, more than a model holds"));
        }
        if !self.tails.is_empty() && self.tails.len() != m + marginal {
            return Err(format!(
                "has {} tail sketches for {} columns",
                self.tails.len(),
                m + marginal
            ));
        }
        let sketch_ok = |s: &TailSketch| {
            s.values.len() == s.tails.len()
                && s.values.windows(2).all(|w| w[0] < w[1])
                && finite(&s.values)
                && finite(&s.tails)
        };
        if !self.tails.iter().all(sketch_ok) {
            return Err("has a tail sketch whose knots are not ascending and finite".into());
        }
        if !self.evidence.is_valid(e) {
            return Err("has a bad evidence standardiser".into());
        }
        if let Some(f) = &self.forest {
            if !f.is_valid(d) || f.trees.is_empty() {
                return Err("has a forest whose trees do not fit its features".into());
            }
        }
        let trees = self.forest.as_ref().map_or(0, |f| f.trees.len());
        if self.isolation && self.forest.is_none() {
            return Err("reads an isolation score but has no forest".into());
        }
        let offsets_ok = self.regions.iter().all(|t| finite(t));
        if !self.regions.is_empty() && self.regions.len() != trees || !offsets_ok {
            return Err("has region offsets that do not fit its forest".into());
        }
        if let Some(n) = &self.neighbours {
            if d == 0
                || n.rows.len() != n.anomaly.len() * d
                || !finite(&n.rows)
                || !n.weight.is_finite()
                || !n.scale.is_finite()
            {
                return Err("has labelled rows that do not fit its features".into());
            }
        }
        (self.m, self.d) = (m, d);
        Ok(self)
    }

    /// The width of a row's inputs.
    pub fn width(&self) -> usize {
        self.m
            + if self.marginal { self.d } else { 0 }
            + usize::from(self.isolation)
            + if self.features { self.d } else { 0 }
    }

    /// The scores of `rows` rows, from their evidence (`rows × m`) and
    /// standardised features (`rows × d`).
    pub fn score(&self, rows: usize, evidence: &[f32], features: &[f32]) -> Vec<f32> {
        let (leaves, isolation) = match &self.forest {
            Some(f) => f.leaves_and_scores(&features[..rows * self.d], self.d),
            None => (Vec::new(), Vec::new()),
        };
        self.score_placed(rows, evidence, features, &leaves, &isolation)
    }

    /// [`score`](Self::score) with each row's leaves and isolation score
    /// already found by the forest.
    fn score_placed(
        &self,
        rows: usize,
        evidence: &[f32],
        features: &[f32],
        leaves: &[u8],
        isolation: &[f32],
    ) -> Vec<f32> {
        let (m, d, width) = (self.m, self.d, self.width());
        let tailed = if self.tails.is_empty() {
            0
        } else {
            m + if self.marginal { d } else { 0 }
        };
        let e = width - if self.features { d } else { 0 };
        let mut f = Vec::with_capacity(width);
        let mut scores = Vec::with_capacity(rows);
        for i in 0..rows {
            let z = &features[i * d..(i + 1) * d];
            f.clear();
            f.extend(
                evidence[i * m..(i + 1) * m]
                    .iter()
                    .map(|&x| super::log_evidence(x)),
            );
            if self.marginal {
                f.extend(z.iter().map(|&z| super::log_marginal(z)));
            }
            if self.isolation {
                f.push(isolation[i]);
            }
            if self.features {
                f.extend_from_slice(z);
            }
            for (x, sketch) in f[..tailed].iter_mut().zip(&self.tails) {
                *x = sketch.tail(*x);
            }
            self.evidence.transform_f32(&mut f[..e]);
            let mut s = dot4(&f, &self.w);
            if let Some(nb) = &self.neighbours {
                let (mut pos, mut neg) = (0i64, 0i64);
                for (row, &y) in nb.rows.chunks_exact(d.max(1)).zip(&nb.anomaly) {
                    let k = kernel(nb.scale, z, row);
                    if y {
                        pos += k;
                    } else {
                        neg += k;
                    }
                }
                s += neighbour_term(nb.weight, pos, neg) as f32;
            }
            scores.push(s);
        }
        super::add_leaf_terms(&mut scores, leaves, &self.regions);
        scores.iter_mut().for_each(|s| *s += self.b);
        scores
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::active::ActiveConfig;
    use crate::rng::Rng;

    /// `rows` rows of `m` evidence and `d` standardised-looking features,
    /// a cluster of 5% shifted in both, some values repeated (ties).
    fn data(rows: usize, m: usize, d: usize, seed: u64) -> (Vec<f32>, Vec<f32>) {
        let mut rng = Rng::new(seed);
        let mut ev = Vec::with_capacity(rows * m);
        let mut z = Vec::with_capacity(rows * d);
        for i in 0..rows {
            let shift = if i % 20 == 3 { 2.0 } else { 0.0 };
            for _ in 0..m {
                let v = (rng.normal() + shift).abs() as f32;
                ev.push(if i % 7 == 0 {
                    (v * 4.0).round() / 4.0
                } else {
                    v
                });
            }
            for j in 0..d {
                let v = (rng.normal() + shift) as f32;
                z.push(if j == 0 { v.round() } else { v });
            }
        }
        (ev, z)
    }

    fn labelled(
        config: ActiveConfig,
        rows: usize,
        seed: u64,
    ) -> (ActiveLayer, Vec<f32>, Vec<f32>, Option<Forest>) {
        let (m, d) = (3, 4);
        let (ev, z) = data(rows, m, d, seed);
        let forest = (config.forest_trees > 0).then(|| {
            Forest::fit(
                &z,
                d,
                config.forest_trees,
                config.forest_sample,
                config.forest_seed,
            )
        });
        let mut layer = ActiveLayer::with_forest(&ev, m, &z, d, config, forest.clone());
        let labels: Vec<(usize, bool)> = [
            (3, true),
            (10, false),
            (23, true),
            (40, false),
            (41, false),
            (63, true),
        ]
        .into_iter()
        .collect();
        layer.set_labels(&labels);
        (layer, ev, z, forest)
    }

    fn same_bits(a: &[f32], b: &[f32]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
    }

    #[test]
    fn a_layer_model_scores_its_own_rows_to_the_bit() {
        for (name, config) in [
            ("default", ActiveConfig::default()),
            (
                "sketch",
                ActiveConfig {
                    tail_knots: 64,
                    ..ActiveConfig::default()
                },
            ),
            (
                "no tails",
                ActiveConfig {
                    tail_evidence: false,
                    ..ActiveConfig::default()
                },
            ),
            (
                "no forest",
                ActiveConfig {
                    forest_trees: 0,
                    ..ActiveConfig::default()
                },
            ),
            (
                "leaves only",
                ActiveConfig {
                    region_scales: 0,
                    use_features: false,
                    ..ActiveConfig::default()
                },
            ),
            (
                "plain",
                ActiveConfig {
                    marginal_evidence: false,
                    forest_evidence: false,
                    neighbour_weight: 0.0,
                    forest_trees: 0,
                    ..ActiveConfig::default()
                },
            ),
        ] {
            let rows = 600;
            let (layer, ev, z, forest) = labelled(config, rows, 7);
            let model = layer.model(&ev, 3, &z, 4, forest.as_ref()).unwrap();
            assert!(model.exact, "{name}");
            let scores = model.score(rows, &ev, &z);
            assert!(same_bits(&scores, layer.scores()), "{name}");
            // Row-local: any slice of the rows scores as the whole did.
            let part = model.score(50, &ev[300 * 3..350 * 3], &z[300 * 4..350 * 4]);
            assert!(
                same_bits(&part, &layer.scores()[300..350]),
                "{name}: a slice"
            );
        }
    }

    #[test]
    fn a_layer_model_before_any_label_is_the_prior() {
        let (m, d, rows) = (3, 4, 300);
        let (ev, z) = data(rows, m, d, 3);
        let config = ActiveConfig::default();
        let forest = Forest::fit(
            &z,
            d,
            config.forest_trees,
            config.forest_sample,
            config.forest_seed,
        );
        let layer = ActiveLayer::with_forest(&ev, m, &z, d, config, Some(forest.clone()));
        let model = layer.model(&ev, m, &z, d, Some(&forest)).unwrap();
        assert!(model.neighbours.is_none() && model.regions.is_empty());
        assert!(same_bits(&model.score(rows, &ev, &z), layer.scores()));
    }

    /// More distinct values than a model holds: the layer reads thinned
    /// sketches itself, so the model still gives its rows their scores to
    /// the bit, within the knot budget.
    #[test]
    fn a_large_layer_reads_thinned_tails_and_its_model_is_exact() {
        let rows = MAX_MODEL_KNOTS / 7 + 20_000;
        let (ev, z) = data(rows, 3, 4, 11);
        let config = ActiveConfig {
            forest_trees: 0,
            neighbour_weight: 0.0,
            ..ActiveConfig::default()
        };
        let layer = ActiveLayer::new(&ev, 3, &z, 4, config);
        let model = layer.model(&ev, 3, &z, 4, None).unwrap();
        assert!(model.exact);
        let knots: usize = model.tails.iter().map(|t| t.values.len()).sum();
        assert!(knots <= MAX_MODEL_KNOTS + model.tails.len(), "{knots}");
        assert!(model
            .tails
            .iter()
            .all(|t| t.values.len() <= tail_cap(7) + 1));
        assert!(same_bits(&model.score(rows, &ev, &z), layer.scores()));
        let part = model.score(1000, &ev[..3000], &z[..4000]);
        assert!(same_bits(&part, &layer.scores()[..1000]));
    }

    #[test]
    fn a_model_of_other_rows_or_without_trees_is_refused() {
        let (layer, ev, z, forest) = labelled(ActiveConfig::default(), 200, 5);
        assert!(layer
            .model(&ev, 3, &z, 4, None)
            .unwrap_err()
            .contains("forest"));
        let mut other = ev.clone();
        other[5] += 1.0;
        assert!(layer
            .model(&other, 3, &z, 4, forest.as_ref())
            .unwrap_err()
            .contains("not the ones"));
        assert!(layer.model(&ev[3..], 3, &z, 4, forest.as_ref()).is_err());
        // A forest that came as its arrays has no trees; trees of another
        // forest do not place the rows where this one did.
        let grown = forest.unwrap();
        let mut sent = Forest::from_wire(
            grown.leaves().to_vec(),
            grown.scores().to_vec(),
            &grown.wire_paths(),
        )
        .unwrap();
        assert!(layer
            .model(&ev, 3, &z, 4, Some(&sent))
            .unwrap_err()
            .contains("no trees"));
        let config = ActiveConfig::default();
        let other = Forest::fit(&z, 4, config.forest_trees, config.forest_sample, 99);
        assert!(sent.set_model(other.model().unwrap().clone()));
        assert!(layer
            .model(&ev, 3, &z, 4, Some(&sent))
            .unwrap_err()
            .contains("do not place"));
        assert!(sent.set_model(grown.model().unwrap().clone()));
        assert!(layer.model(&ev, 3, &z, 4, Some(&sent)).unwrap().exact);
    }
}

/// Per tree, each leaf's offset, as one base64 f32 array of `trees × 256`
/// (a length that is not a whole number of trees is refused).
mod leaf_tables {
    use serde::{Deserializer, Serializer};

    use super::MAX_LEAVES;

    pub fn serialize<S: Serializer>(tables: &[[f32; MAX_LEAVES]], s: S) -> Result<S::Ok, S::Error> {
        let flat: Vec<f32> = tables.iter().flatten().copied().collect();
        crate::base64::f32s::serialize(&flat, s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<[f32; MAX_LEAVES]>, D::Error> {
        let flat = crate::base64::f32s::deserialize(d)?;
        if !flat.len().is_multiple_of(MAX_LEAVES) {
            return Err(serde::de::Error::custom(
                "region offsets that are not 256 a tree",
            ));
        }
        Ok(flat
            .chunks_exact(MAX_LEAVES)
            .map(|c| std::array::from_fn(|k| c[k]))
            .collect())
    }
}
