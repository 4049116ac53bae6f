//! [`Session`]: the one entry point the app uses. It owns the data, the
//! detector's results, the active layer and the labels, and hands out plain
//! data. It never touches a tensor: the caller trains and scores (both
//! asynchronous), then [`attach`](Session::attach)es the result.

use crate::active::{ActiveConfig, ActiveLayer, LayerInputs, Part};
use crate::boost::{BoostFit, Boosted};
use crate::data::{raw_value, Prepared, Table};
use crate::detector::{Forward, Scored};
use crate::error::CoreError;
use crate::forest::{Forest, ForestKey};
use crate::projection::{columns_2d, pca_2d, ProjectionKind};
use crate::query::{select, QueryRule, QueryStrategy};
use crate::standardize::Standardizer;

/// A labelled row, in the order the labels were given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabelEvent {
    pub row: usize,
    pub anomaly: bool,
    /// Labels given in one action (a bulk label of a selection) share it,
    /// and the active layer fits them in one update; every other label
    /// has a number of its own.
    pub batch: u64,
    /// When it was given, in milliseconds since the Unix epoch (0: not
    /// known); set by the caller's clock ([`Session::set_clock`]).
    pub time_ms: u64,
    /// Which rankings had this row as their next question when the label
    /// was given ([`Session::asker`]).
    pub asked: Asked,
}

/// Which of the rankings (the layer's own, the second one: see
/// [`ActiveConfig::second_share`]; the labels' classifier: see
/// [`ActiveConfig::boost_after`]) had a row as its next question when it
/// was labelled. A label on any other row (a click elsewhere, a bulk
/// label) counts for none; a row relabelled keeps what it had.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Asked {
    pub first: bool,
    pub second: bool,
    /// The labels' classifier proposed this row.
    pub third: bool,
    /// The classifier proposed a row (this one or another): its record
    /// and the others' count only such questions.
    pub third_open: bool,
    /// The lookalike ([`ActiveConfig::lookalike_labels`]) asked this
    /// question: the row was its proposal, and it was asking.
    pub lookalike: bool,
}

impl Asked {
    /// As one small number, for a file: bit 0 the first ranking, bit 1
    /// the second, bit 2 the classifier, bit 3 the classifier had a
    /// proposal, bit 4 the lookalike asked.
    pub fn bits(self) -> u8 {
        u8::from(self.first)
            | (u8::from(self.second) << 1)
            | (u8::from(self.third) << 2)
            | (u8::from(self.third_open) << 3)
            | (u8::from(self.lookalike) << 4)
    }

    pub fn from_bits(bits: u8) -> Self {
        Self {
            first: bits & 1 != 0,
            second: bits & 2 != 0,
            third: bits & 4 != 0,
            third_open: bits & 8 != 0,
            lookalike: bits & 16 != 0,
        }
    }
}

/// Which ranking asks the next question, and how each has done: the
/// questions it asked that were answered, and the anomalies among them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Asker {
    /// The second ranking asks (else the layer's own).
    pub second: bool,
    /// (anomalies, questions) of the layer's own ranking.
    pub first_record: (usize, usize),
    /// (anomalies, questions) of the second ranking.
    pub second_record: (usize, usize),
    /// The labels' classifier asks (before either ranking).
    pub third: bool,
    /// (anomalies, questions) of the classifier, over the questions where
    /// its proposal was not also the asking ranking's.
    pub third_record: (usize, usize),
    /// (anomalies, questions) of the two rankings over the questions where
    /// the classifier proposed another row.
    pub others_record: (usize, usize),
    /// (anomalies, questions) over every question either ranking asked
    /// (one that both had next counts once).
    pub rankings_record: (usize, usize),
    /// The lookalike asks (before either ranking, after the classifier).
    pub lookalike: bool,
    /// (anomalies, questions) of the lookalike.
    pub lookalike_record: (usize, usize),
    /// The search is on: the rankings of the questions read the leaf
    /// votes at its scale ([`ActiveLayer::search_on`]).
    pub search: bool,
}

/// What one reason for a row's score is about.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Subject {
    /// Input feature `index`, with the row's value as loaded and its z-score.
    Feature { index: usize, value: f64, z: f32 },
    /// The detector's abstract outputs (a one-class MLP's distances).
    DetectorOutputs,
    /// The labelled rows near this one.
    Neighbours,
    /// How easily the isolation forest separates the row from the rest.
    Isolation,
}

/// A sign that some labels may be mistaken (see [`Session::warnings`]).
#[derive(Debug, Clone, PartialEq)]
pub enum LabelWarning {
    /// Row `row`, labelled `anomaly`, sits among labelled rows that carry
    /// the other label (`against`: their kernel weight, in rows' worth);
    /// `place` is its position in the history.
    Contradicted {
        row: usize,
        anomaly: bool,
        against: f64,
        place: usize,
    },
    /// Every unlabelled row scores below the boundary.
    NothingAboveBoundary,
}

/// What a part of a score measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The autoencoder's reconstruction error of the feature.
    Reconstruction,
    /// The detector's distance in an abstract output.
    Distance,
    /// How far the value is from the column's mean (marginal evidence).
    UnusualValue,
    /// The weight the labels gave the feature's value.
    LearntWeight,
    /// The neighbour term.
    NearbyLabels,
    /// The offsets labels gave the forest's leaves that hold the row.
    SharedRegions,
    /// The isolation forest's score.
    Isolation,
}

/// One reason for a row's score: its subject and its share of the score
/// (positive: towards "anomaly"), with the parts that make up that share.
/// The page puts it in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub subject: Subject,
    pub value: f64,
    pub causes: Vec<(Cause, f64)>,
}

/// The data, the detector's view of it and the expert's labels.
#[derive(Debug, Clone)]
pub struct Session {
    /// The names, report and ground truth; the raw values are not kept
    /// (see [`Prepared`]): `x` is the one copy of the data.
    table: Table,
    standardizer: Standardizer,
    /// Shared, so a training job holds the table without copying it.
    x: std::sync::Arc<Vec<f32>>,
    fingerprint: u64,
    scored: Option<Scored>,
    /// The detector that gave `scored`, when its evidence stayed in the
    /// worker: [`evidence`](Self::evidence) recomputes it from this.
    forward: Option<Forward>,
    active: Option<ActiveLayer>,
    /// A fit saved with restored labels (`ActiveLayer::saved_fit`), tried
    /// when a layer is next built: it spares the replay when it matches.
    saved_fit: Option<String>,
    active_config: ActiveConfig,
    /// The isolation forest the layer's regions come from, with the
    /// settings it was grown with ([`ForestKey`]): it depends only on the
    /// data, so a retrained detector reuses it.
    forest: Option<(ForestKey, Forest)>,
    labels: Vec<Option<bool>>,
    history: Vec<LabelEvent>,
    /// Label changes that [`undo`](Session::undo) takes back, newest last;
    /// a bulk label is one step of several changes.
    undo: Vec<Vec<Change>>,
    /// Changes taken back, that [`redo`](Session::redo) gives again.
    redo: Vec<Vec<Change>>,
    /// The batch number the next label action takes.
    next_batch: u64,
    /// The time the next labels are given at ([`set_clock`](Self::set_clock)).
    clock_ms: u64,
    /// The last fit to the labels came from a saved fit, not a replay.
    fit_taken: bool,
    /// The `TOP_CACHED` best unlabelled rows under the asking ranking.
    top: Vec<usize>,
    /// The best unlabelled row of each ranking and the proposals, what a
    /// new label's [`Asked`] is read from.
    tops: Tops,
    /// The labels' classifier and the labels it was fitted to (see
    /// [`ActiveConfig::boost_after`]).
    boosted: Option<BoostedFit>,
    /// The next one, grown a few trees per label until it is needed.
    pending: Option<PendingFit>,
    /// Every row's rank under the current scores, made when first asked for.
    ranks: std::sync::OnceLock<Vec<usize>>,
    /// The layer's scores before any label (the ranking without
    /// feedback), kept from when the layer was built, and their ranking,
    /// made when first asked for.
    prior: Option<std::sync::Arc<Vec<f32>>>,
    prior_ranked: std::sync::OnceLock<Vec<u64>>,
}

/// The best unlabelled row of each ranking, and the rows proposed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Tops {
    /// The layer's own ranking's.
    first: Option<usize>,
    /// The second ranking's.
    second: Option<usize>,
    /// The labels' classifier's proposal.
    classifier: Option<usize>,
    /// The lookalike's proposal ([`ActiveConfig::lookalike_labels`]).
    lookalike: Option<usize>,
}

/// One label change of a step (one label, or a bulk label whole): the
/// row's place in the history before the step and after it. A label set
/// again moves to the end of the history. A step holds each row once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Change {
    row: usize,
    before: Option<Place>,
    after: Option<Place>,
}

/// Where a label sits in the history: its position, the label, its batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Place {
    at: usize,
    anomaly: bool,
    batch: u64,
    time_ms: u64,
    asked: Asked,
}

impl Place {
    /// The place of `event`, found at `at` in the history.
    fn of(at: usize, event: &LabelEvent) -> Self {
        Self {
            at,
            anomaly: event.anomaly,
            batch: event.batch,
            time_ms: event.time_ms,
            asked: event.asked,
        }
    }

    /// Row `row`'s history entry at this place.
    fn event(self, row: usize) -> LabelEvent {
        LabelEvent {
            row,
            anomaly: self.anomaly,
            batch: self.batch,
            time_ms: self.time_ms,
            asked: self.asked,
        }
    }
}

/// The most labels one bulk label takes ([`Session::max_bulk_labels`]).
const MAX_BULK_LABELS: usize = 5_000;

/// How many of the best unlabelled rows the session keeps ready.
pub const TOP_CACHED: usize = 32;

/// Whether a ranking with record `(hits, questions)` keeps asking against
/// `other`'s: it has found an anomaly, and its rate `(h + 1)/(n + 2)` is
/// at least the other's (the rule at the top of [`crate::active`]).
/// The candidate with the highest `score` and its score; ties go to the
/// first in `candidates` (the asking ranking's order).
fn best_of(candidates: &[usize], score: impl Fn(usize) -> f64) -> Option<(f64, usize)> {
    let mut best: Option<(f64, usize)> = None;
    for &r in candidates {
        let v = score(r);
        if best.is_none_or(|(bv, _)| v > bv) {
            best = Some((v, r));
        }
    }
    best
}

/// The first of `candidates` (in the asking ranking's order) whose value
/// is above `min` and within `tie` of the best value among them; with
/// `tie` 0, the first with the best value, if that is above `min`.
fn first_tied(
    candidates: &[usize],
    value: impl Fn(usize) -> f64,
    tie: f64,
    min: f64,
) -> Option<usize> {
    let values: Vec<f64> = candidates.iter().map(|&r| value(r)).collect();
    let best = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let at = values.iter().position(|&v| v > min && v >= best - tie)?;
    Some(candidates[at])
}

fn finds_as_often((h, n): (usize, usize), (ho, no): (usize, usize)) -> bool {
    h >= 1 && (h + 1) * (no + 2) >= (ho + 1) * (n + 2)
}

/// The labels' classifier (`None`: nothing to learn yet) and the labels
/// it was fitted to.
type BoostedFit = (Vec<(usize, bool)>, Option<std::sync::Arc<Boosted>>);

/// A fit of the classifier in progress (`None`: nothing to learn) and the
/// labels it is for.
type PendingFit = (Vec<(usize, bool)>, Option<BoostFit>);

/// The labels' classifier is fitted again every this many labels at
/// least (see [`ActiveConfig::boost_after`] and [`boost_step`]), to the
/// labels as they stood one step before, so that each fit is grown over
/// the labels in between.
pub const BOOST_EVERY: usize = 5;

/// The labels between two fits of the classifier once `labels` are fitted
/// to: [`BOOST_EVERY`] up to 383 labels (`eval`'s 300 questions never pass
/// it), then `labels / 64`, at most 16. A fit costs about the labels it
/// reads (at most [`crate::boost::MAX_FIT_ROWS`]), and a session grows it
/// over the step's labels, so the trees a label grows stay about as many
/// as at 320 labels however many there are (docs/BENCHMARKS.md).
pub fn boost_step(labels: usize) -> usize {
    (labels / 64).clamp(BOOST_EVERY, 16)
}

/// The classifier's fit points up to `n` labels, from `after` on
/// (`after`, then each plus its [`boost_step`]): the last two at or below
/// `n`, `(previous, newest)`. `None` below `after`.
pub fn boost_points(after: usize, n: usize) -> Option<(Option<usize>, usize)> {
    if n < after {
        return None;
    }
    let (mut previous, mut newest) = (None, after);
    loop {
        let next = newest + boost_step(newest);
        if next > n {
            return Some((previous, newest));
        }
        (previous, newest) = (Some(newest), next);
    }
}

impl Session {
    /// Standardises the table (f64 fit, f32 values) and lets its raw
    /// values go.
    pub fn new(table: Table) -> Self {
        Self::from_prepared(Prepared::new(table))
    }

    /// A session on a table already standardised (the page's parse worker
    /// does it, so the page never holds the raw values).
    pub fn from_prepared(p: Prepared) -> Self {
        let Prepared {
            table,
            standardizer,
            x,
            fingerprint,
        } = p;
        let rows = table.rows();
        Self {
            table,
            standardizer,
            x: std::sync::Arc::new(x),
            fingerprint,
            scored: None,
            forward: None,
            active: None,
            saved_fit: None,
            active_config: ActiveConfig::default(),
            forest: None,
            labels: vec![None; rows],
            history: Vec::new(),
            undo: Vec::new(),
            redo: Vec::new(),
            next_batch: 0,
            clock_ms: 0,
            fit_taken: false,
            top: Vec::new(),
            tops: Tops::default(),
            boosted: None,
            pending: None,
            ranks: std::sync::OnceLock::new(),
            prior: None,
            prior_ranked: std::sync::OnceLock::new(),
        }
    }

    /// The names, the report and the ground truth. Its `values` are empty:
    /// read a raw value with [`value`](Self::value).
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// A hash of the raw values ([`fingerprint`](crate::data::fingerprint)).
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// Row `row`'s raw value in column `j`, to six significant digits of
    /// the column's largest magnitude ([`raw_value`]); NaN outside the table.
    pub fn value(&self, row: usize, j: usize) -> f64 {
        raw_value(&self.standardizer, &self.x, row, j)
    }

    /// Sets the ground truth aside: it never touched the scores, so only
    /// the metrics and the simulated expert go.
    pub fn forget_ground_truth(&mut self) {
        self.table.forget_ground_truth();
    }

    pub fn standardizer(&self) -> &Standardizer {
        &self.standardizer
    }

    /// Standardised features, row-major.
    pub fn x(&self) -> &[f32] {
        &self.x
    }

    /// The standardised features as a shared handle: a job that outlives a
    /// borrow of the session (training in the page) holds them without a
    /// copy of the table.
    pub fn x_shared(&self) -> std::sync::Arc<Vec<f32>> {
        self.x.clone()
    }

    pub fn rows(&self) -> usize {
        self.table.rows()
    }

    pub fn cols(&self) -> usize {
        self.table.cols()
    }

    pub fn active_config(&self) -> &ActiveConfig {
        &self.active_config
    }

    /// An error (the settings as they were) when the layer cannot be
    /// built: its inputs need the detector's evidence, and it can no
    /// longer be had.
    pub fn set_active_config(&mut self, config: ActiveConfig) -> Result<(), CoreError> {
        let before = std::mem::replace(&mut self.active_config, config);
        self.rebuild_active().map_err(|why| {
            self.active_config = before;
            CoreError::Worker(why)
        })
    }

    /// The detector's evidence, `rows × evidence_dim`: the one kept, or,
    /// when it stayed in the worker, computed again from the detector's
    /// weights (the host forward pass gives the same bits on every target;
    /// the scores are checked against the ones the results came with).
    fn evidence(&self) -> Result<std::borrow::Cow<'_, [f32]>, String> {
        let scored = self.scored.as_ref().ok_or("the data is not scored yet")?;
        if scored.has_evidence() {
            return Ok(std::borrow::Cow::Borrowed(&scored.evidence));
        }
        let forward = self
            .forward
            .as_ref()
            .ok_or("the detector's evidence was not kept, nor its weights")?;
        let again = forward.score(&self.x).map_err(|e| e.to_string())?;
        let same = again.evidence_dim == scored.evidence_dim
            && again.score.len() == scored.score.len()
            && again
                .score
                .iter()
                .zip(&scored.score)
                .all(|(a, b)| a.to_bits() == b.to_bits());
        if !same {
            return Err("the detector's weights do not give the scores it came with".into());
        }
        Ok(std::borrow::Cow::Owned(again.evidence))
    }

    /// The forest the layer's settings ask for (none without trees).
    pub fn forest_key(&self) -> Option<ForestKey> {
        let c = &self.active_config;
        (c.forest_trees > 0 && self.cols() > 0 && self.rows() > 0).then_some(ForestKey {
            trees: c.forest_trees,
            sample: c.forest_sample,
            seed: c.forest_seed,
        })
    }

    /// The active layer's constants ([`crate::active::LayerModel`]): what
    /// scores a row of another file as this session scores its own. An
    /// error says why there are none: no scores yet, or a forest that came
    /// as arrays without its trees.
    pub fn layer_model(&self) -> Result<crate::active::LayerModel, String> {
        let (Some(scored), Some(layer)) = (&self.scored, &self.active) else {
            return Err("the data is not scored yet".into());
        };
        layer.model(
            &self.evidence()?,
            scored.evidence_dim,
            &self.x,
            self.cols(),
            self.forest(),
        )
    }

    /// The forest the layer's settings ask for, once grown.
    pub fn forest(&self) -> Option<&Forest> {
        let key = self.forest_key()?;
        self.forest
            .as_ref()
            .filter(|(have, _)| *have == key)
            .map(|(_, f)| f)
    }

    /// Whether the layer still needs its forest grown (the page then asks
    /// the training worker to grow it beside the detector).
    pub fn needs_forest(&self) -> Option<ForestKey> {
        self.forest_key().filter(|_| self.forest().is_none())
    }

    /// A forest grown elsewhere (the training worker) on this session's
    /// standardised data with `key`'s settings, kept for the next layer. One
    /// that does not fit the rows or the settings is an error and is not kept.
    pub fn set_forest(&mut self, key: ForestKey, forest: Forest) -> Result<(), CoreError> {
        if Some(key) != self.forest_key()
            || forest.trees() != key.trees
            || forest.scores().len() != self.rows()
        {
            return Err(CoreError::Worker(format!(
                "its forest ({} trees over {} rows) does not fit this data",
                forest.trees(),
                forest.scores().len()
            )));
        }
        self.forest = Some((key, forest));
        Ok(())
    }

    /// Takes a (re)trained detector's results. The labels given so far are
    /// kept and replayed, in their order, into the new active layer: the
    /// scores are those of a session that had these detector results from
    /// the start.
    pub fn attach(&mut self, scored: Scored) -> Result<(), CoreError> {
        self.attach_with_inputs(scored, None)
    }

    /// [`attach`](Self::attach), with the layer's inputs when they were built
    /// elsewhere from these results ([`LayerInputs::build`], in the page's
    /// training worker) with this session's settings: only the rest of the
    /// layer is built here. Inputs that do not fit are set aside and the
    /// layer is built whole, so the scores are the same either way.
    pub fn attach_with_inputs(
        &mut self,
        scored: Scored,
        inputs: Option<LayerInputs>,
    ) -> Result<(), CoreError> {
        self.attach_from(scored, inputs, None)
    }

    /// [`attach_with_inputs`](Self::attach_with_inputs), with the detector
    /// that gave the results as a host forward pass: then they may come
    /// without their evidence ([`Scored::without_evidence`]), which is
    /// computed again only when a layer needs it (other settings, or
    /// inputs that do not fit) and for the scoring model. An error leaves
    /// the session as it was.
    pub fn attach_from(
        &mut self,
        scored: Scored,
        inputs: Option<LayerInputs>,
        forward: Option<Forward>,
    ) -> Result<(), CoreError> {
        if scored.rows != self.rows() {
            return Err(CoreError::RowCount {
                scored: scored.rows,
                rows: self.rows(),
            });
        }
        let scored_before = self.scored.replace(scored);
        let forward_before = std::mem::replace(&mut self.forward, forward);
        self.rebuild_active_with(inputs).map_err(|why| {
            self.scored = scored_before;
            self.forward = forward_before;
            CoreError::Worker(why)
        })
    }

    /// A new layer over the detector's results, fitted to the history: from
    /// the saved fit when it is this layer's for these labels, else by
    /// replaying them.
    fn rebuild_active(&mut self) -> Result<(), String> {
        self.rebuild_active_with(None)
    }

    /// An error, and no change to the layer, when its inputs must be built
    /// here and the detector's evidence cannot be had.
    fn rebuild_active_with(&mut self, inputs: Option<LayerInputs>) -> Result<(), String> {
        let forest = match (self.forest().cloned(), self.needs_forest()) {
            (Some(f), _) => Some(f),
            (None, Some(key)) if self.scored.is_some() => {
                let f = Forest::fit(&self.x, self.cols(), key.trees, key.sample, key.seed);
                self.forest = Some((key, f.clone()));
                Some(f)
            }
            _ => None,
        };
        let (d, config) = (self.cols(), &self.active_config);
        let active = match &self.scored {
            None => None,
            Some(s) => {
                let taken = inputs
                    .filter(|i| i.shape.m == s.evidence_dim)
                    .and_then(|i| {
                        ActiveLayer::from_inputs_shared(
                            i,
                            self.x.clone(),
                            d,
                            config.clone(),
                            forest.clone(),
                        )
                    });
                Some(match taken {
                    Some(layer) => layer,
                    None => ActiveLayer::with_forest_shared(
                        &self.evidence()?,
                        s.evidence_dim,
                        self.x.clone(),
                        d,
                        config.clone(),
                        forest,
                    ),
                })
            }
        };
        self.active = active;
        self.prior = self
            .active
            .as_ref()
            .map(|l| std::sync::Arc::new(l.scores().to_vec()));
        self.prior_ranked = std::sync::OnceLock::new();
        self.fit_labels();
        Ok(())
    }

    /// Fits the layer to the history: from the saved fit when there is one
    /// and it matches, else by [`refit`](Self::refit). Without a layer, a
    /// saved fit waits for the next one.
    fn fit_labels(&mut self) {
        let (labelled, joined) = (self.labelled(), self.labelled_joined());
        let restored = match (&mut self.active, self.saved_fit.take()) {
            (Some(layer), Some(text)) => layer.restore_saved_joined(&labelled, &joined, &text),
            (None, text) => {
                self.saved_fit = text;
                false
            }
            _ => false,
        };
        self.fit_taken = restored;
        if restored {
            self.refresh_top();
        } else {
            self.refit();
        }
    }

    /// The active layer's fit to the current labels as text (exact bits),
    /// to keep beside the labels: [`restore_labels_with_fit`] takes it back
    /// without a replay.
    ///
    /// [`restore_labels_with_fit`]: Self::restore_labels_with_fit
    pub fn saved_fit(&self) -> Option<String> {
        self.active.as_ref()?.saved_fit()
    }

    /// [`saved_fit`](Self::saved_fit) when its text is at most `max_chars`
    /// long, without building a longer one.
    pub fn saved_fit_up_to(&self, max_chars: usize) -> Option<String> {
        self.active.as_ref()?.saved_fit_up_to(max_chars)
    }

    /// Fits the active layer to the history as it now stands.
    fn refit(&mut self) {
        let (labelled, joined) = (self.labelled(), self.labelled_joined());
        if let Some(layer) = &mut self.active {
            layer.set_labels_joined(&labelled, &joined);
        }
        self.refresh_top();
    }

    /// Recomputes the cached best unlabelled rows after a change of scores
    /// or labels, so that the suggestion and the queue (asked for several
    /// times per label by the page) cost nothing until the next change.
    fn refresh_top(&mut self) {
        self.ranks = std::sync::OnceLock::new();
        self.tops = Tops::default();
        if self.active.is_none() {
            self.top = Vec::new();
            return;
        }
        // Grows a slice of the classifier's next fit at every change.
        let model = self.boosted_now();
        let Some(layer) = &self.active else {
            return;
        };
        let mask = self.labelled_mask();
        let second = self.asker().second;
        let top_of = |s: &[f32], k: usize| select(s, &mask, QueryStrategy::TopK(k));
        let (asking, other) = match (second, layer.second_scores()) {
            (true, Some(t)) => (t, Some(layer.question_scores())),
            (_, t) => (layer.question_scores(), t),
        };
        // The candidates only when the classifier has a fit or the
        // lookalike may ask: else the page's labels select the top rows
        // it reads, not 500.
        let looks = self.lookalike_may_ask();
        let wanted = if model.is_some() || looks {
            self.active_config.boost_candidates.max(TOP_CACHED)
        } else {
            TOP_CACHED
        };
        let mut candidates = top_of(asking, wanted);
        let other = other.and_then(|s| top_of(s, 1).first().copied());
        let first = candidates.first().copied();
        let (a, b) = if second {
            (other, first)
        } else {
            (first, other)
        };
        self.top = candidates.iter().take(TOP_CACHED).copied().collect();
        candidates.truncate(self.active_config.boost_candidates);
        // The best by the classifier.
        let proposal =
            model.and_then(|model| best_of(&candidates, |r| model.score(&self.x, r)).map(|b| b.1));
        // The most like the labelled anomalies, if any row is enough so.
        let min = self.active_config.lookalike_min.max(0.0);
        let tie = self.active_config.lookalike_tie.max(0.0);
        let lookalike = looks
            .then(|| first_tied(&candidates, |r| layer.lookalike(r), tie, min))
            .flatten();
        self.tops = Tops {
            first: a,
            second: b,
            classifier: proposal,
            lookalike,
        };
        let asks = (proposal.is_some() || lookalike.is_some())
            .then(|| self.asker())
            .and_then(|a| {
                proposal
                    .filter(|_| a.third)
                    .or(lookalike.filter(|_| a.lookalike))
            });
        if let Some(p) = asks {
            self.top.retain(|&r| r != p);
            self.top.insert(0, p);
            self.top.truncate(TOP_CACHED);
        }
    }

    /// Whether the lookalike may ask the next question, whatever it
    /// proposes: fewer than `lookalike_labels` labels, an anomaly among
    /// them, and fewer than `lookalike_misses` misses of its own in a row
    /// since the last anomaly.
    fn lookalike_may_ask(&self) -> bool {
        let c = &self.active_config;
        // Off, or past its labels: no walk over the history.
        if self.history.len() >= c.lookalike_labels {
            return false;
        }
        let mut misses = 0;
        for e in &self.history {
            if e.anomaly {
                misses = 0;
            } else if e.asked.lookalike {
                misses += 1;
            }
        }
        misses < c.lookalike_misses && self.history.iter().any(|e| e.anomaly)
    }

    /// The labels' classifier for the labels as they now stand: fitted to
    /// the labels at the last fit point but one once the last is reached
    /// ([`boost_points`]: `boost_after + (k − 1)·BOOST_EVERY` once
    /// `boost_after + k·BOOST_EVERY` are in, `k ≥ 1`, while the steps are
    /// [`BOOST_EVERY`]), so that it is a function of the labels in their
    /// order, changes only at the fit points, and each fit can be grown a
    /// slice per label over the step before it is needed. `None` before
    /// then, when it is off, or with nothing to learn ([`BoostFit::new`]).
    fn boosted_now(&mut self) -> Option<std::sync::Arc<Boosted>> {
        let after = self.active_config.boost_after;
        let n = self.history.len();
        let on = after > 0 && self.active_config.boost_candidates > 0;
        let Some((used, newest)) = on.then(|| boost_points(after, n)).flatten() else {
            self.boosted = None;
            self.pending = None;
            return None;
        };
        // Whether `fitted` are the first `upto` labels (compared in place:
        // this runs at every label).
        let history = &self.history;
        let is_prefix = |fitted: &[(usize, bool)], upto: usize| {
            fitted.len() == upto
                && fitted
                    .iter()
                    .zip(history)
                    .all(|(&f, e)| f == (e.row, e.anomaly))
        };
        let prefix = |upto: usize| -> Vec<(usize, bool)> {
            history[..upto].iter().map(|e| (e.row, e.anomaly)).collect()
        };
        // From `after` labels on the first fit grows; it is used from the
        // next fit point on.
        let model = if let Some(upto) = used {
            match self.boosted.take() {
                Some((fitted, model)) if is_prefix(&fitted, upto) => {
                    self.boosted = Some((fitted, model.clone()));
                    model
                }
                _ => {
                    let labels = prefix(upto);
                    let grown = match self.pending.take() {
                        Some((fitted, fit)) if fitted == labels => fit,
                        _ => BoostFit::new(&self.x, self.cols(), &labels),
                    };
                    let model = grown.map(|fit| std::sync::Arc::new(fit.finish()));
                    self.boosted = Some((labels, model.clone()));
                    model
                }
            }
        } else {
            self.boosted = None;
            None
        };
        // The next fit, a slice of its trees per label.
        if self
            .pending
            .as_ref()
            .is_none_or(|(fitted, _)| !is_prefix(fitted, newest))
        {
            let next = prefix(newest);
            let fit = BoostFit::new(&self.x, self.cols(), &next);
            self.pending = Some((next, fit));
        }
        if let Some((_, Some(fit))) = &mut self.pending {
            fit.grow(crate::boost::TREES.div_ceil(boost_step(newest)));
        }
        model
    }

    /// Which ranking asks the next question (the rule at the top of
    /// [`crate::active`]): the second once the layer's own has asked
    /// `second_after` questions and it has asked none, then while it has
    /// found an anomaly and its rate, `(anomalies + 1)/(questions + 2)`,
    /// is at least the other's; the labels' classifier before either, by
    /// the same rule against their joint record, once it proposes a row
    /// other than theirs. A function of the history (and, for the
    /// classifier, of its proposal, itself a function of the labels), so
    /// undo, reload and replay ask the same questions.
    pub fn asker(&self) -> Asker {
        let (mut first, mut second) = ((0, 0), (0, 0));
        // The classifier against the two rankings, on the questions where
        // it proposed a row other than theirs.
        let (mut third, mut others, mut rankings) = ((0, 0), (0, 0), (0, 0));
        let mut lookalike = (0, 0);
        let count =
            |record: &mut (usize, usize), hit: usize| *record = (record.0 + hit, record.1 + 1);
        for e in &self.history {
            let (hit, a) = (usize::from(e.anomaly), e.asked);
            if a.first {
                count(&mut first, hit);
            }
            if a.second {
                count(&mut second, hit);
            }
            if a.first || a.second {
                count(&mut rankings, hit);
            }
            if a.third_open {
                match (a.third, a.first || a.second) {
                    (true, false) => count(&mut third, hit),
                    (false, true) => count(&mut others, hit),
                    _ => {}
                }
            }
            if a.lookalike {
                count(&mut lookalike, hit);
            }
        }
        let on = self
            .active
            .as_ref()
            .is_some_and(|l| l.second_scores().is_some());
        let after = self.active_config.second_after;
        let asks = on && ((second.1 == 0 && first.1 >= after) || finds_as_often(second, first));
        let asking = if asks {
            self.tops.second
        } else {
            self.tops.first
        };
        let third_asks = self.tops.classifier.is_some_and(|p| Some(p) != asking)
            && (third.1 == 0 || finds_as_often(third, others));
        let lookalike_asks = !third_asks
            && self.tops.lookalike.is_some_and(|p| Some(p) != asking)
            && self.lookalike_may_ask();
        Asker {
            second: asks,
            first_record: first,
            second_record: second,
            third: third_asks,
            third_record: third,
            others_record: others,
            rankings_record: rankings,
            lookalike: lookalike_asks,
            lookalike_record: lookalike,
            search: self.active.as_ref().is_some_and(ActiveLayer::search_on),
        }
    }

    /// The scores the next questions are ranked by: the second ranking's
    /// while it asks ([`asker`](Self::asker)), else the layer's own.
    pub fn asking_scores(&self) -> Option<&[f32]> {
        let layer = self.active.as_ref()?;
        match layer.second_scores() {
            Some(t) if self.asker().second => Some(t),
            _ => Some(layer.question_scores()),
        }
    }

    /// What a label on `row` now records: which rankings had it next.
    fn asked_now(&self, row: usize) -> Asked {
        let t = &self.tops;
        Asked {
            first: t.first == Some(row),
            second: t.second == Some(row),
            third: t.classifier == Some(row),
            third_open: t.classifier.is_some(),
            lookalike: t.lookalike == Some(row) && self.asker().lookalike,
        }
    }

    pub fn is_scored(&self) -> bool {
        self.active.is_some()
    }

    pub fn detector_output(&self) -> Option<&Scored> {
        self.scored.as_ref()
    }

    /// The active layer's current scores (higher = more anomalous).
    pub fn scores(&self) -> Option<&[f32]> {
        self.active.as_ref().map(ActiveLayer::scores)
    }

    /// Sets (`Some`) or clears (`None`) the label of `row`, then updates the
    /// active layer and re-scores every row. A new label goes to the end
    /// of the history; the change can be undone. Setting a row's label to
    /// what it already is changes nothing.
    pub fn label(&mut self, row: usize, label: Option<bool>) -> Result<(), CoreError> {
        if row >= self.rows() {
            return Err(CoreError::NoSuchRow {
                row,
                rows: self.rows(),
            });
        }
        if self.labels[row] == label {
            return Ok(());
        }
        let batch = self.take_batch();
        let step = vec![self.change(row, label, batch)];
        self.apply(&step, false);
        self.refit();
        self.undo.push(step);
        self.redo.clear();
        Ok(())
    }

    /// The most labels [`label_rows`](Self::label_rows) takes in one step:
    /// 5,000, whatever the number of rows. A batch adds only a few kernel
    /// rows to the neighbour sums (`active::BULK_KERNEL_PAIRS`), so its cost
    /// is the fit, `steps` passes over every label (12–19 ms natively for
    /// 5,000; docs/BENCHMARKS.md), and every later label's fit pays for
    /// the labels too.
    pub fn max_bulk_labels(&self) -> usize {
        MAX_BULK_LABELS
    }

    /// Labels every row of `rows` as `anomaly` in one action (a bulk label
    /// of a selection): one undo step, and one update of the active layer
    /// for the whole batch. Rows that already carry this label keep their
    /// place; repeated rows count once. Returns how many labels changed.
    /// A row out of range, or more new labels than
    /// [`max_bulk_labels`](Self::max_bulk_labels), is an error and changes
    /// nothing.
    pub fn label_rows(&mut self, rows: &[usize], anomaly: bool) -> Result<usize, CoreError> {
        let n = self.rows();
        if let Some(&row) = rows.iter().find(|&&r| r >= n) {
            return Err(CoreError::NoSuchRow { row, rows: n });
        }
        let mut seen = vec![false; n];
        let todo: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|&r| self.labels[r] != Some(anomaly) && !std::mem::replace(&mut seen[r], true))
            .collect();
        if todo.is_empty() {
            return Ok(0);
        }
        let max = self.max_bulk_labels();
        if todo.len() > max {
            return Err(CoreError::TooManyLabels {
                asked: todo.len(),
                max,
                rows: n,
            });
        }
        let batch = self.take_batch();
        // Where the rows labelled already stand in the history now: one
        // pass, not one per row (a bulk label of thousands of rows).
        let mut was: Vec<(usize, Place)> = self
            .history
            .iter()
            .enumerate()
            .filter(|(_, e)| seen[e.row])
            .map(|(at, e)| (e.row, Place::of(at, e)))
            .collect();
        was.sort_unstable_by_key(|&(row, _)| row);
        // The others keep their order; these rows go to the end, in turn.
        let kept = self.history.len() - was.len();
        let changes: Vec<Change> = todo
            .iter()
            .enumerate()
            .map(|(k, &row)| {
                let before = was
                    .binary_search_by_key(&row, |&(r, _)| r)
                    .ok()
                    .map(|i| was[i].1);
                Change {
                    row,
                    before,
                    after: Some(Place {
                        at: kept + k,
                        anomaly,
                        batch,
                        time_ms: self.clock_ms,
                        // A bulk label asks no ranking's question.
                        asked: before.map(|p| p.asked).unwrap_or_default(),
                    }),
                }
            })
            .collect();
        self.apply(&changes, false);
        self.refit();
        let count = changes.len();
        self.undo.push(changes);
        self.redo.clear();
        Ok(count)
    }

    fn take_batch(&mut self) -> u64 {
        self.next_batch += 1;
        self.next_batch - 1
    }

    /// The change that gives `row` the label `label` now, in `batch`.
    fn change(&self, row: usize, label: Option<bool>, batch: u64) -> Change {
        let before = self.place(row);
        let asked = before.map_or_else(|| self.asked_now(row), |p| p.asked);
        let after = label.map(|anomaly| Place {
            at: self.history.len() - usize::from(before.is_some()),
            anomaly,
            batch,
            time_ms: self.clock_ms,
            asked,
        });
        Change { row, before, after }
    }

    /// Row `row`'s place in the history, if it has a label.
    fn place(&self, row: usize) -> Option<Place> {
        self.history
            .iter()
            .position(|e| e.row == row)
            .map(|at| Place::of(at, &self.history[at]))
    }

    /// Makes the labels and the history those after `step` (`back`: those
    /// before it): its rows leave the history, then come back at their
    /// places, merged in order with the others, in one pass. The caller
    /// refits.
    fn apply(&mut self, step: &[Change], back: bool) {
        let capacity = self.history.len() + step.len();
        let mut rows: Vec<usize> = step.iter().map(|c| c.row).collect();
        rows.sort_unstable();
        let others = std::mem::take(&mut self.history)
            .into_iter()
            .filter(|e| rows.binary_search(&e.row).is_err());
        let mut places: Vec<(usize, Place)> = step
            .iter()
            .filter_map(|c| {
                let place = if back { c.before } else { c.after };
                self.labels[c.row] = place.map(|p| p.anomaly);
                place.map(|p| (c.row, p))
            })
            .collect();
        places.sort_unstable_by_key(|(_, p)| p.at);
        let mut places = places.into_iter().peekable();
        let mut history = Vec::with_capacity(capacity);
        for e in others {
            while let Some((row, p)) = places.next_if(|(_, p)| p.at <= history.len()) {
                history.push(p.event(row));
            }
            history.push(e);
        }
        history.extend(places.map(|(row, p)| p.event(row)));
        self.history = history;
    }

    /// Takes back the newest label action (one label, or a bulk label
    /// whole): each row gets its earlier label, at its earlier place in
    /// the history, so the scores are exactly those before it. Returns a
    /// row it changed (the first), or `None` when there is nothing to undo.
    pub fn undo(&mut self) -> Option<usize> {
        let step = self.undo.pop()?;
        self.apply(&step, true);
        self.refit();
        let row = step.first().map(|c| c.row);
        self.redo.push(step);
        row
    }

    /// Gives again the newest action taken back by [`undo`](Session::undo).
    pub fn redo(&mut self) -> Option<usize> {
        let step = self.redo.pop()?;
        self.apply(&step, false);
        self.refit();
        let row = step.first().map(|c| c.row);
        self.undo.push(step);
        row
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Replaces every label with `labels`, in their order (a stored
    /// session coming back): the scores are exactly those of a session
    /// that was given these labels one by one. Rows out of range and
    /// repeated rows (the last one counts) are skipped, and the undo
    /// history starts afresh. Returns how many labels were kept.
    pub fn restore_labels(&mut self, labels: &[(usize, bool)]) -> usize {
        self.restore_labels_with_fit(labels, None)
    }

    /// [`restore_labels`](Self::restore_labels) with the fit saved for them
    /// ([`saved_fit`](Self::saved_fit)): when it is the fit of this layer
    /// (now, or the next one built, as after training) to exactly these
    /// labels, the layer takes it instead of replaying: linear in the
    /// labels, not quadratic. The scores are the same either way.
    pub fn restore_labels_with_fit(
        &mut self,
        labels: &[(usize, bool)],
        fit: Option<String>,
    ) -> usize {
        self.restore_labels_joined(labels, &[], fit)
    }

    /// [`restore_labels_with_fit`](Self::restore_labels_with_fit) for labels
    /// some of which were given together: `joined[k]` says label `k` was
    /// given in one action with the next ([`labelled_joined`]). A repeated
    /// row's earlier entries are dropped with their marks.
    ///
    /// [`labelled_joined`]: Self::labelled_joined
    pub fn restore_labels_joined(
        &mut self,
        labels: &[(usize, bool)],
        joined: &[bool],
        fit: Option<String>,
    ) -> usize {
        let rows = self.rows();
        let mut seen = vec![false; rows];
        let mut kept: Vec<(usize, bool, bool)> = Vec::new();
        for (k, &(row, anomaly)) in labels.iter().enumerate().rev() {
            if row < rows && !std::mem::replace(&mut seen[row], true) {
                kept.push((row, anomaly, joined.get(k).copied().unwrap_or(false)));
            }
        }
        kept.reverse();
        self.labels = vec![None; rows];
        self.history = Vec::with_capacity(kept.len());
        let mut batch = self.take_batch();
        for (k, &(row, anomaly, joins)) in kept.iter().enumerate() {
            self.labels[row] = Some(anomaly);
            self.history.push(LabelEvent {
                row,
                anomaly,
                batch,
                time_ms: 0,
                asked: Asked::default(),
            });
            if !joins && k + 1 < kept.len() {
                batch = self.take_batch();
            }
        }
        self.undo.clear();
        self.redo.clear();
        self.saved_fit = fit;
        self.fit_labels();
        self.history.len()
    }

    /// The time the labels given from now on carry, in milliseconds since
    /// the Unix epoch (the core reads no clock; the page sets it before
    /// each action).
    pub fn set_clock(&mut self, time_ms: u64) {
        self.clock_ms = time_ms;
    }

    /// Sets the times of the labels in the history, in its order (after a
    /// restore, which does not know them); extra times are ignored.
    pub fn set_label_times(&mut self, times: &[u64]) {
        for (e, &t) in self.history.iter_mut().zip(times) {
            e.time_ms = t;
        }
    }

    /// Sets which rankings asked each label in the history, in its order
    /// (after a restore, which does not know it); extra entries are
    /// ignored. The next questions follow from it.
    pub fn set_label_asked(&mut self, asked: &[Asked]) {
        for (e, &a) in self.history.iter_mut().zip(asked) {
            e.asked = a;
        }
        self.refresh_top();
    }

    /// Gives back every label of a session file saved for this data, with
    /// their times and batches, and the layer's saved fit: it spares the
    /// replay when the layer is the file's detector's to the bit.
    pub fn restore_from_file(&mut self, file: &crate::session_file::SessionFile) -> usize {
        let (labels, joined, times) = file.all_labels();
        let n = self.restore_labels_joined(&labels, &joined, file.layer.fit.clone());
        self.set_label_times(&times);
        self.set_label_asked(&file.labels_asked());
        n
    }

    /// Whether the last restore took the saved fit (it was this layer's for
    /// these labels: the detector's output was the same to the bit) rather
    /// than replaying the labels.
    pub fn fit_was_taken(&self) -> bool {
        self.fit_taken
    }

    /// Adds the labels `keep` of a session file made for other data (see
    /// [`SessionFile::fit_to`]) after the labels given here, in their
    /// order, with their times and batches; a row labelled here keeps its
    /// label. The layer replays them all. Returns how many were added.
    ///
    /// [`SessionFile::fit_to`]: crate::session_file::SessionFile::fit_to
    pub fn merge_from_file(
        &mut self,
        file: &crate::session_file::SessionFile,
        keep: &[usize],
    ) -> usize {
        let fresh: Vec<usize> = keep
            .iter()
            .copied()
            .filter(|&k| {
                file.labels
                    .get(k)
                    .is_some_and(|l| l.row < self.rows() && self.labels[l.row].is_none())
            })
            .collect();
        let (new, new_joined, new_times) = file.labels_to_restore(&fresh);
        let mut labels = self.labelled();
        let mut joined = self.labelled_joined();
        let mut times: Vec<u64> = self.history.iter().map(|e| e.time_ms).collect();
        labels.extend(&new);
        joined.extend(&new_joined);
        times.extend(&new_times);
        self.restore_labels_joined(&labels, &joined, None);
        self.set_label_times(&times);
        new.len()
    }

    pub fn label_of(&self, row: usize) -> Option<bool> {
        self.labels.get(row).copied().flatten()
    }

    /// Every row's label (`None`: unlabelled), by row: for a pass over all
    /// rows, such as a repaint.
    pub fn row_labels(&self) -> &[Option<bool>] {
        &self.labels
    }

    /// Labels as `(row, is_anomaly)`, in the order given.
    pub fn labelled(&self) -> Vec<(usize, bool)> {
        self.history.iter().map(|e| (e.row, e.anomaly)).collect()
    }

    /// Per label in [`labelled`](Self::labelled): whether it was given in
    /// one action with the next (and so shares its fit).
    pub fn labelled_joined(&self) -> Vec<bool> {
        self.history
            .windows(2)
            .map(|w| w[0].batch == w[1].batch)
            .chain((!self.history.is_empty()).then_some(false))
            .collect()
    }

    /// What the user should know about the labels so far: labels that
    /// their labelled neighbours contradict (newest first), and whether no
    /// unlabelled row scores above the boundary any more. Both often come
    /// from one mistaken answer; undo takes it back.
    pub fn warnings(&self) -> Vec<LabelWarning> {
        let Some(layer) = &self.active else {
            return Vec::new();
        };
        // The layer's labels are the history, in order: newest first here.
        let mut out: Vec<LabelWarning> = layer
            .contradicted()
            .into_iter()
            .rev()
            .map(
                |(place, row, anomaly, against)| LabelWarning::Contradicted {
                    row,
                    anomaly,
                    against,
                    place,
                },
            )
            .collect();
        let unlabelled_above = layer
            .scores()
            .iter()
            .zip(&self.labels)
            .any(|(&s, l)| l.is_none() && s > 0.0);
        let any_unlabelled = self.labels.iter().any(Option::is_none);
        if !self.history.is_empty() && any_unlabelled && !unlabelled_above {
            out.push(LabelWarning::NothingAboveBoundary);
        }
        out
    }

    pub fn history(&self) -> &[LabelEvent] {
        &self.history
    }

    /// Whether each row has a label.
    pub fn labelled_mask(&self) -> Vec<bool> {
        self.labels.iter().map(Option::is_some).collect()
    }

    /// The rows to review next, best first.
    pub fn queue(&self, strategy: QueryStrategy) -> Vec<usize> {
        match (strategy, self.scores()) {
            (QueryStrategy::Greedy, _) => self.top.iter().take(1).copied().collect(),
            (QueryStrategy::TopK(k), _) if k <= TOP_CACHED => {
                self.top.iter().take(k).copied().collect()
            }
            (QueryStrategy::TopK(k), Some(s)) => {
                let mut rows = select(
                    self.asking_scores().unwrap_or(s),
                    &self.labelled_mask(),
                    strategy,
                );
                // The classifier's or the lookalike's proposal, when it
                // asks (it heads the cached rows), comes first.
                let proposals = [self.tops.classifier, self.tops.lookalike];
                if let Some(p) = proposals
                    .into_iter()
                    .flatten()
                    .find(|&p| self.top.first() == Some(&p))
                {
                    rows.retain(|&r| r != p);
                    rows.insert(0, p);
                    rows.truncate(k);
                }
                rows
            }
            (_, Some(s)) => select(s, &self.labelled_mask(), strategy),
            (_, None) => Vec::new(),
        }
    }

    /// The one row to review next (top-1 greedy).
    pub fn suggestion(&self) -> Option<usize> {
        self.top.first().copied()
    }

    /// The `count` rows to review next under `rule`, best first (the
    /// random order is the same for the whole session: seed 0).
    pub fn review(&self, rule: QueryRule, count: usize) -> Vec<usize> {
        self.queue(rule.strategy(count, 0))
    }

    /// The one row to review next under `rule`: the first of its queue.
    pub fn suggestion_by(&self, rule: QueryRule) -> Option<usize> {
        match rule {
            QueryRule::Highest | QueryRule::TopK(_) => self.suggestion(),
            other => self.review(other, 1).first().copied(),
        }
    }

    /// Why `row` scores as it does: its score's parts grouped by what they
    /// are about (each feature: its reconstruction error, how unusual its
    /// value is, and the weight labels gave it; the detector's abstract
    /// outputs; the labelled rows nearby), the `top` largest first. Empty
    /// before the detector has scored.
    pub fn explain(&self, row: usize, top: usize) -> Vec<Reason> {
        let (Some(layer), Some(scored)) = (&self.active, &self.scored) else {
            return Vec::new();
        };
        if row >= self.rows() {
            return Vec::new();
        }
        let d = self.cols();
        let feature = |index: usize| Subject::Feature {
            index,
            value: self.value(row, index),
            z: self.x[row * d + index],
        };
        let mut reasons: Vec<Reason> = Vec::new();
        for (part, value) in layer.explain(row) {
            let (subject, cause) = match part {
                Part::Evidence(j) if scored.evidence_per_feature && j < d => {
                    (feature(j), Cause::Reconstruction)
                }
                Part::Evidence(_) => (Subject::DetectorOutputs, Cause::Distance),
                Part::Marginal(j) => (feature(j), Cause::UnusualValue),
                Part::Feature(j) => (feature(j), Cause::LearntWeight),
                Part::Neighbours => (Subject::Neighbours, Cause::NearbyLabels),
                Part::Regions => (Subject::Neighbours, Cause::SharedRegions),
                Part::Isolation => (Subject::Isolation, Cause::Isolation),
            };
            match reasons.iter_mut().find(|r| r.subject == subject) {
                Some(r) => {
                    r.value += value;
                    r.causes.push((cause, value));
                }
                None => reasons.push(Reason {
                    subject,
                    value,
                    causes: vec![(cause, value)],
                }),
            }
        }
        reasons.retain(|r| r.value.abs() >= 1e-3);
        reasons.sort_by(|a, b| b.value.abs().total_cmp(&a.value.abs()));
        reasons.truncate(top);
        reasons
    }

    /// The active layer's weight on each input column, now and before any
    /// label ([`ActiveLayer::weight_parts`]); `None` before scoring.
    pub fn layer_weights(&self) -> Option<Vec<(crate::active::Part, f64, f64)>> {
        self.active.as_ref().map(ActiveLayer::weight_parts)
    }

    /// With ground truth: (true anomalies among the labelled rows, rows labelled).
    pub fn found(&self) -> Option<(usize, usize)> {
        let truth = self.table.labels.as_ref()?;
        let found = self.history.iter().filter(|e| truth[e.row]).count();
        Some((found, self.history.len()))
    }

    /// Plays the expert from the ground truth: labels the row suggested
    /// under `rule` with its true label. Returns what it did, or `None`
    /// without truth or rows.
    pub fn auto_label_next(&mut self, rule: QueryRule) -> Option<LabelEvent> {
        let truth = self.table.labels.as_ref()?;
        let row = self.suggestion_by(rule)?;
        let anomaly = truth[row];
        self.label(row, Some(anomaly)).ok()?;
        self.history.last().copied()
    }

    /// Every row's score before any label: the active layer's prior, the
    /// ranking the detector's evidence gives without feedback.
    pub fn prior_scores(&self) -> Option<&[f32]> {
        self.prior.as_deref().map(Vec::as_slice)
    }

    /// The rows by [`prior_scores`](Self::prior_scores), most anomalous
    /// first (ties by row index), as keys: the score in the high 32 bits,
    /// the row in the low ones. Sorted once per layer, when first asked for.
    pub(crate) fn prior_ranked(&self) -> Option<&[u64]> {
        let prior = self.prior.as_deref()?;
        Some(
            self.prior_ranked
                .get_or_init(|| crate::sort::ranked_keys(prior, |i| i as u64)),
        )
    }

    /// Sorts the prior once per layer (the scorecard reads it): a caller
    /// that splits its work in tasks calls this in one of its own.
    pub fn rank_prior(&self) {
        let _ = self.prior_ranked();
    }

    /// The `k` rows the ranking without feedback puts first.
    pub fn prior_top(&self, k: usize) -> Vec<usize> {
        self.prior_ranked()
            .map(|keys| {
                keys.iter()
                    .take(k)
                    .map(|&key| (key & u64::from(u32::MAX)) as usize)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The rank (0 = most anomalous, ties by row index) of every row under
    /// the current scores; sorted once per change, when first asked for.
    pub fn ranks(&self) -> Option<&[usize]> {
        let scores = self.scores()?;
        let ranks = self.ranks.get_or_init(|| {
            let order = crate::metrics::ranking(scores);
            let mut ranks = vec![0; order.len()];
            for (r, &i) in order.iter().enumerate() {
                ranks[i] = r;
            }
            ranks
        });
        Some(ranks)
    }

    /// Every row's score, rank and label as CSV: `row,score,rank,label`
    /// (1-based rows; rank 1 = most anomalous; label `anomaly`, `normal`
    /// or empty), plus `truth` (`anomaly`/`nominal`) when the data has it.
    /// Before scoring, the score and rank cells are empty. The page's
    /// download and the CLI's `score` both write this.
    pub fn scores_csv(&self) -> String {
        self.scores_csv_flagged(None)
    }

    /// [`scores_csv`](Self::scores_csv), with a last column `flagged`
    /// (`1` for the rows `threshold` flags, else `0`) when one is given
    /// and the rows are scored.
    pub fn scores_csv_flagged(&self, threshold: Option<crate::scorecard::Threshold>) -> String {
        use std::fmt::Write;
        let scores = self.scores();
        let ranks = self.ranks();
        let truth = self.table.labels.as_ref();
        let flag = threshold.filter(|_| scores.is_some());
        let rows = self.rows();
        let mut out = String::with_capacity(rows * 26);
        out.push_str("row,score,rank,label");
        if truth.is_some() {
            out.push_str(",truth");
        }
        out.push_str(if flag.is_some() { ",flagged\n" } else { "\n" });
        for i in 0..rows {
            let _ = write!(out, "{},", i + 1);
            if let (Some(s), Some(r)) = (scores, ranks) {
                let _ = write!(out, "{},{}", s[i], r[i] + 1);
            } else {
                out.push(',');
            }
            out.push_str(match self.label_of(i) {
                Some(true) => ",anomaly",
                Some(false) => ",normal",
                None => ",",
            });
            if let Some(t) = truth {
                out.push_str(if t[i] { ",anomaly" } else { ",nominal" });
            }
            if let (Some(f), Some(s), Some(r)) = (flag, scores, ranks) {
                out.push_str(if f.flags(s[i], r[i], rows) {
                    ",1"
                } else {
                    ",0"
                });
            }
            out.push('\n');
        }
        out
    }

    /// The width of the detector's latent code, once trained.
    pub fn latent_dims(&self) -> Option<usize> {
        self.scored.as_ref().map(|s| s.latent_dim)
    }

    /// 2-D coordinates of every row, `[x0, y0, x1, y1, …]`.
    pub fn projection(&self, kind: ProjectionKind) -> Result<Vec<f32>, CoreError> {
        match kind {
            ProjectionKind::Pca => Ok(pca_2d(&self.x, self.cols())),
            ProjectionKind::Columns(a, b) => {
                columns_2d(&self.x, self.cols(), a, b).ok_or(CoreError::NoSuchColumns {
                    a,
                    b,
                    cols: self.cols(),
                })
            }
            ProjectionKind::Latent => match &self.scored {
                Some(s) if s.latent_dim == 2 => Ok(s.latent.clone()),
                Some(s) => Err(CoreError::LatentNot2d { dims: s.latent_dim }),
                None => Err(CoreError::NotTrained),
            },
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::query::QueryRule;
    use crate::synth::{generate, SynthConfig};

    /// A session over a clustered sample (420 rows, 20 anomalies) with
    /// z² as the detector's evidence (no training needed).
    pub(crate) fn clustered_session() -> Session {
        session_of(420)
    }

    fn session_of(rows: usize) -> Session {
        session_from(SynthConfig::clustered(rows, 4, 20.0 / 420.0, 1))
    }

    fn session_from(config: SynthConfig) -> Session {
        let table = generate(&config);
        let mut s = Session::new(table);
        let (rows, d) = (s.rows(), s.cols());
        let evidence: Vec<f32> = s.x().iter().map(|v| v * v).collect();
        let score = evidence.chunks_exact(d).map(|e| e.iter().sum()).collect();
        let scored = Scored::from_parts(rows, d, true, evidence, score, 0, Vec::new());
        s.attach(scored.expect("shape")).expect("rows");
        s
    }

    fn scores(s: &Session) -> Vec<f32> {
        s.scores().expect("scored").to_vec()
    }

    /// The lookalike's pick: the first row, in the ranking's order, above
    /// the floor and within the tie of the likest; the likest alone with
    /// no tie; nothing when no row clears the floor.
    #[test]
    fn the_lookalike_breaks_near_ties_by_the_ranking() {
        // Rows 7, 3, 9, 5 in the asking ranking's order, with their g.
        let g = |r: usize| match r {
            7 => 0.30,
            3 => 0.47,
            9 => 0.48,
            5 => 0.48,
            _ => unreachable!(),
        };
        let rows = [7, 3, 9, 5];
        assert_eq!(first_tied(&rows, g, 0.0, 0.4), Some(9));
        assert_eq!(first_tied(&rows, g, 0.02, 0.4), Some(3));
        // The floor holds whatever the tie: row 7 is within 0.2 of the
        // best but not above 0.4.
        assert_eq!(first_tied(&rows, g, 0.2, 0.4), Some(3));
        assert_eq!(first_tied(&rows, g, 0.2, 0.2), Some(7));
        assert_eq!(first_tied(&rows, g, 0.02, 0.5), None);
        assert_eq!(first_tied(&[], g, 0.02, 0.0), None);
    }

    /// What the layer's own ranking of the questions reads (the scores,
    /// but for the search's votes).
    fn question_scores(s: &Session) -> Vec<f32> {
        let layer = s.active.as_ref().expect("scored");
        layer.question_scores().to_vec()
    }

    /// The best unlabelled row of `scores`.
    fn best(s: &Session, scores: &[f32]) -> usize {
        select(scores, &s.labelled_mask(), QueryStrategy::Greedy)[0]
    }

    fn second_scores(s: &Session) -> Vec<f32> {
        let layer = s.active.as_ref().expect("scored");
        layer.second_scores().expect("on by default").to_vec()
    }

    /// The second ranking asks by the rule at the top of `active`, read
    /// from the history alone: the questions each ranking asked that were
    /// answered, and the anomalies among them. Played here by the ground
    /// truth and checked against the rule written out again, step by
    /// step; a click elsewhere counts for neither, undo and a restore ask
    /// the same next question.
    #[test]
    fn the_second_ranking_asks_while_it_finds_as_often() {
        let mut s = clustered_session();
        // The two rankings alone (the lookalike has a test of its own).
        let config = ActiveConfig {
            lookalike_labels: 0,
            ..s.active_config().clone()
        };
        s.set_active_config(config.clone()).expect("built");
        let truth = s.table().labels.clone().expect("truth");
        let after = s.active_config().second_after;
        let (mut first, mut second) = ((0usize, 0usize), (0usize, 0usize));
        let mut asked_by_second = 0;
        for step in 0..40 {
            let top1 = best(&s, &question_scores(&s));
            let top2 = best(&s, &second_scores(&s));
            let (ha, na) = first;
            let (hb, nb) = second;
            let asks =
                (nb == 0 && na >= after) || (hb >= 1 && (hb + 1) * (na + 2) >= (ha + 1) * (nb + 2));
            assert_eq!(s.asker().second, asks, "step {step}");
            assert_eq!(s.asker().first_record, first);
            assert_eq!(s.asker().second_record, second);
            let row = if asks { top2 } else { top1 };
            assert_eq!(s.suggestion(), Some(row), "step {step}");
            assert_eq!(s.queue(QueryStrategy::TopK(3))[0], row);
            let wanted = if asks {
                second_scores(&s)
            } else {
                question_scores(&s)
            };
            assert_eq!(s.asking_scores().expect("scored"), &wanted[..]);
            let hit = usize::from(truth[row]);
            s.label(row, Some(truth[row])).expect("row");
            let e = *s.history().last().expect("a label");
            assert_eq!((e.asked.first, e.asked.second), (row == top1, row == top2));
            if row == top1 {
                first = (first.0 + hit, first.1 + 1);
            }
            if row == top2 {
                second = (second.0 + hit, second.1 + 1);
            }
            asked_by_second += usize::from(asks);
        }
        // On this sample the second ranking gets its turn.
        assert!(asked_by_second > 0 && first.1 > 0);
        // A click on another row counts for neither ranking; relabelling a
        // row keeps what it had; undo gives back the same next question.
        let before = (s.asker(), s.suggestion());
        let other = (0..s.rows())
            .find(|&r| s.label_of(r).is_none() && !s.top.contains(&r))
            .expect("an unlabelled row");
        s.label(other, Some(false)).expect("row");
        assert_eq!(s.history().last().expect("a label").asked, Asked::default());
        let asked_first = s.history()[0].asked;
        let row0 = s.history()[0].row;
        s.label(row0, Some(!truth[row0])).expect("row");
        assert_eq!(s.history().last().expect("a label").asked, asked_first);
        s.undo();
        s.undo();
        assert_eq!((s.asker(), s.suggestion()), before);
        // Labels restored with what asked them ask the same next question;
        // without it, none of them counts.
        let history = s.history().to_vec();
        let labels = s.labelled();
        let mut again = clustered_session();
        again.set_active_config(config).expect("built");
        again.restore_labels(&labels);
        assert_eq!(again.asker().first_record, (0, 0));
        let asked: Vec<Asked> = history.iter().map(|e| e.asked).collect();
        again.set_label_asked(&asked);
        assert_eq!((again.asker(), again.suggestion()), before);
    }

    /// The classifier's fit points: every [`BOOST_EVERY`] labels from
    /// `boost_after` while a fit reads few labels, then further apart, at
    /// most 16, so the trees a label grows stay few.
    #[test]
    fn the_classifier_refits_further_apart_as_the_labels_grow() {
        assert_eq!(boost_points(100, 99), None);
        assert_eq!(boost_points(100, 100), Some((None, 100)));
        assert_eq!(boost_points(100, 104), Some((None, 100)));
        assert_eq!(boost_points(100, 105), Some((Some(100), 105)));
        // `eval`'s 300 questions see the five-label steps only.
        for n in 105..=389 {
            let newest = 100 + (n - 100) / BOOST_EVERY * BOOST_EVERY;
            assert_eq!(
                boost_points(100, n),
                Some((Some(newest - BOOST_EVERY), newest))
            );
        }
        let mut points = vec![100];
        for n in 101..=5000 {
            let (previous, newest) = boost_points(100, n).expect("past 100");
            if newest != *points.last().expect("one") {
                assert_eq!(previous, points.last().copied());
                points.push(newest);
            }
        }
        let steps: Vec<usize> = points.windows(2).map(|w| w[1] - w[0]).collect();
        assert!(steps.windows(2).all(|w| w[0] <= w[1]), "{steps:?}");
        assert_eq!(
            (steps[0], *steps.last().expect("a step")),
            (BOOST_EVERY, 16)
        );
        for (step, point) in steps.iter().zip(&points) {
            assert_eq!(*step, boost_step(*point));
        }
    }

    /// The labels' classifier proposes from `boost_after` labels on, among
    /// the asking ranking's best `boost_candidates` rows, and asks by its
    /// rule (written out again here): first once, then while it finds
    /// anomalies at least as often as the rankings, on the questions where
    /// its proposal differed from theirs. It is a function of the labels
    /// in their order: undo and a restore ask the same next question.
    #[test]
    fn the_labels_classifier_asks_while_it_finds_as_often() {
        let data = || session_from(SynthConfig::low_density(1500, 4, 0.1, 3));
        let mut s = data();
        // The classifier and the rankings (the lookalike has a test of its
        // own).
        let config = ActiveConfig {
            boost_after: 12,
            boost_candidates: 60,
            lookalike_labels: 0,
            ..ActiveConfig::default()
        };
        s.set_active_config(config).expect("built");
        let truth = s.table().labels.clone().expect("truth");
        let (mut third, mut others) = ((0usize, 0usize), (0usize, 0usize));
        let mut asked_by_third = 0;
        for step in 0..60 {
            let asker = s.asker();
            let proposal = s.tops.classifier;
            // Fitted to the first 12 + 5(k − 1) labels once 12 + 5k are in,
            // when they hold three anomalies and a normal row.
            let fitted = &s.history()[..if step < 12 + BOOST_EVERY {
                0
            } else {
                12 + (step - 12) / BOOST_EVERY * BOOST_EVERY - BOOST_EVERY
            }];
            assert_eq!(
                boost_points(12, step).and_then(|p| p.0).unwrap_or(0),
                fitted.len()
            );
            let anomalies = fitted.iter().filter(|e| e.anomaly).count();
            let learns = anomalies >= crate::boost::MIN_ANOMALIES && anomalies < fitted.len();
            assert_eq!(proposal.is_some(), learns, "step {step}");
            let asking = if asker.second {
                s.tops.second
            } else {
                s.tops.first
            };
            let (hc, nc) = third;
            let (ho, no) = others;
            let asks = proposal.is_some_and(|p| Some(p) != asking)
                && (nc == 0 || (hc >= 1 && (hc + 1) * (no + 2) >= (ho + 1) * (nc + 2)));
            assert_eq!(asker.third, asks, "step {step}");
            assert_eq!((asker.third_record, asker.others_record), (third, others));
            let row = if asks {
                proposal.expect("a proposal")
            } else {
                asking.expect("a row")
            };
            assert_eq!(s.suggestion(), Some(row), "step {step}");
            assert_eq!(s.queue(QueryStrategy::TopK(3))[0], row);
            assert_eq!(s.queue(QueryStrategy::TopK(100))[0], row);
            s.label(row, Some(truth[row])).expect("row");
            let e = *s.history().last().expect("a label");
            assert_eq!(
                (e.asked.third, e.asked.third_open),
                (Some(row) == proposal, proposal.is_some())
            );
            let hit = usize::from(truth[row]);
            match (
                row == proposal.unwrap_or(usize::MAX),
                e.asked.first || e.asked.second,
            ) {
                _ if proposal.is_none() => {}
                (true, false) => third = (third.0 + hit, third.1 + 1),
                (false, true) => others = (others.0 + hit, others.1 + 1),
                _ => {}
            }
            asked_by_third += usize::from(asks);
        }
        assert!(asked_by_third > 0);
        let ranked: Vec<&LabelEvent> = s
            .history()
            .iter()
            .filter(|e| e.asked.first || e.asked.second)
            .collect();
        let hits = ranked.iter().filter(|e| e.anomaly).count();
        assert_eq!(s.asker().rankings_record, (hits, ranked.len()));
        assert!(ranked.len() < 60, "the trees asked some");
        let before = (s.asker(), s.suggestion(), s.tops);
        let last = s.history().last().expect("a label").row;
        s.label(last, None).expect("row");
        s.undo();
        assert_eq!((s.asker(), s.suggestion(), s.tops), before);
        let history = s.history().to_vec();
        let mut again = data();
        again
            .set_active_config(s.active_config().clone())
            .expect("built");
        again.restore_labels(&s.labelled());
        let asked: Vec<Asked> = history.iter().map(|e| e.asked).collect();
        again.set_label_asked(&asked);
        assert_eq!((again.asker(), again.suggestion(), again.tops), before);
        // Each label's record survives a file as one small number.
        for a in asked {
            assert_eq!(Asked::from_bits(a.bits()), a);
        }
    }

    /// The lookalike proposes, among the asking ranking's best rows, the
    /// one whose leaves hold the most labelled anomalies against normals,
    /// and asks by its rule (written out again here): in the first
    /// `lookalike_labels` labels, once an anomaly is in, until it misses
    /// `lookalike_misses` times in a row since the last anomaly, about a
    /// row more like them than `lookalike_min`. It never changes a score,
    /// and undo and a restore ask the same next question.
    #[test]
    fn the_lookalike_asks_around_the_first_finds_and_never_scores() {
        let mut s = clustered_session();
        let config = ActiveConfig {
            lookalike_labels: 15,
            ..s.active_config().clone()
        };
        assert_eq!(config.lookalike_misses, 2);
        assert_eq!(config.lookalike_tie, 0.02);
        s.set_active_config(config.clone()).expect("built");
        let truth = s.table().labels.clone().expect("truth");
        let mut asked_by_lookalike = 0;
        for step in 0..24 {
            let asker = s.asker();
            let history = s.history();
            let mut misses = 0;
            for e in history {
                if e.anomaly {
                    misses = 0;
                } else if e.asked.lookalike {
                    misses += 1;
                }
            }
            let may = step < 15 && misses < 2 && history.iter().any(|e| e.anomaly);
            let proposal = s.tops.lookalike;
            let layer = s.active.as_ref().expect("a layer");
            // Of the asking ranking's best rows, the first within
            // `lookalike_tie` of the likest, when it is more like the
            // labelled anomalies than `lookalike_min`.
            let mask = s.labelled_mask();
            let asking_scores = s.asking_scores().expect("scores");
            let candidates = select(asking_scores, &mask, QueryStrategy::TopK(500));
            let best = candidates
                .iter()
                .map(|&r| layer.lookalike(r))
                .fold(f64::MIN, f64::max);
            let (min, tie) = (config.lookalike_min, config.lookalike_tie);
            assert_eq!(proposal.is_some(), may && best > min, "step {step}");
            if let Some(p) = proposal {
                let at = candidates
                    .iter()
                    .position(|&r| r == p)
                    .expect("a candidate");
                assert!(layer.lookalike(p) >= best - tie, "step {step}");
                for &r in &candidates[..at] {
                    assert!(layer.lookalike(r) < best - tie, "step {step}");
                }
            }
            let asking = if asker.second {
                s.tops.second
            } else {
                s.tops.first
            };
            let asks = may && !asker.third && proposal.is_some_and(|p| Some(p) != asking);
            assert_eq!(asker.lookalike, asks, "step {step}");
            let row = if asks { proposal } else { asking }.expect("a row");
            assert_eq!(s.suggestion(), Some(row), "step {step}");
            assert_eq!(s.queue(QueryStrategy::TopK(100))[0], row);
            s.label(row, Some(truth[row])).expect("row");
            let e = *s.history().last().expect("a label");
            assert_eq!(e.asked.lookalike, asks, "step {step}");
            asked_by_lookalike += usize::from(asks);
        }
        assert!(asked_by_lookalike > 0, "the lookalike asked");
        let record = s.history().iter().filter(|e| e.asked.lookalike);
        let hits = record.clone().filter(|e| e.anomaly).count();
        assert_eq!(s.asker().lookalike_record, (hits, record.count()));
        // The scores are the layer's: the same labels without the
        // lookalike give them to the bit.
        let mut plain = clustered_session();
        plain
            .set_active_config(ActiveConfig {
                lookalike_labels: 0,
                ..config.clone()
            })
            .expect("built");
        plain.restore_labels(&s.labelled());
        assert_eq!(scores(&plain), scores(&s));
        // Undo, and a restore with what asked each label, ask the same.
        let before = (s.asker(), s.suggestion(), s.tops);
        let last = s.history().last().expect("a label").row;
        s.label(last, None).expect("row");
        s.undo();
        assert_eq!((s.asker(), s.suggestion(), s.tops), before);
        let asked: Vec<Asked> = s.history().iter().map(|e| e.asked).collect();
        let mut again = clustered_session();
        again.set_active_config(config.clone()).expect("built");
        again.restore_labels(&s.labelled());
        again.set_label_asked(&asked);
        assert_eq!((again.asker(), again.suggestion(), again.tops), before);
        for a in asked {
            assert_eq!(Asked::from_bits(a.bits()), a);
        }
        // No row can be more like the anomalies than `k` (3): above it the
        // lookalike never proposes, and the questions are the rankings'.
        let mut picky = clustered_session();
        picky
            .set_active_config(ActiveConfig {
                lookalike_min: 3.0,
                ..config
            })
            .expect("built");
        for _ in 0..15 {
            let row = picky.suggestion().expect("a row");
            assert_eq!(picky.tops.lookalike, None);
            picky.label(row, Some(truth[row])).expect("row");
        }
        assert!(picky.history().iter().any(|e| e.anomaly));
        assert!(picky.history().iter().all(|e| !e.asked.lookalike));
    }

    /// With `second_share` 0 there is no second ranking: the questions
    /// follow the layer's scores.
    #[test]
    fn without_the_second_ranking_the_scores_ask() {
        let mut s = clustered_session();
        s.set_active_config(ActiveConfig {
            second_share: 0.0,
            ..ActiveConfig::default()
        })
        .expect("built");
        assert!(s.active.as_ref().expect("scored").second_scores().is_none());
        for _ in 0..10 {
            assert!(!s.asker().second);
            let top = best(&s, &question_scores(&s));
            assert_eq!(s.suggestion(), Some(top));
            s.auto_label_next(QueryRule::Highest).expect("truth");
            assert!(s.history().last().expect("a label").asked.first);
        }
    }

    /// A bulk label is one undo step and one batch: undo gives back the
    /// scores before it to the bit, redo those after it.
    #[test]
    fn a_bulk_label_is_one_step_of_undo() {
        let mut s = clustered_session();
        s.label(5, Some(true)).expect("row");
        s.label(7, Some(false)).expect("row");
        let before = scores(&s);
        // Row 7 changes its label, row 5 already has it, row 9 repeats.
        let rows = [5, 7, 9, 11, 9, 13];
        assert_eq!(s.label_rows(&rows, true), Ok(4));
        let after = scores(&s);
        assert_ne!(before, after);
        assert_eq!(s.labelled().len(), 5);
        assert_eq!(s.labelled_joined(), vec![false, true, true, true, false]);
        assert_eq!(s.undo(), Some(7));
        assert_eq!(scores(&s), before);
        assert_eq!(s.labelled(), vec![(5, true), (7, false)]);
        assert_eq!(s.redo(), Some(7));
        assert_eq!(scores(&s), after);
        // Nothing new: no step.
        assert_eq!(s.label_rows(&[5, 9], true), Ok(0));
        assert_eq!(s.undo(), Some(7));
        assert_eq!(scores(&s), before);
        // A row out of range changes nothing.
        assert!(s.label_rows(&[1, 10_000], true).is_err());
        assert_eq!(scores(&s), before);
        // Nor does a batch over the cap (the whole sample is under it).
        assert_eq!(s.max_bulk_labels(), 5_000);
        let all: Vec<usize> = (0..s.rows()).collect();
        assert!(s.label_rows(&all, false).is_ok());
    }

    /// Labels, bulk labels, clears, undo and redo in a random order: the
    /// history and the labels are always those of a plain model of them
    /// (a label set again moves to the end, a bulk label appends its new
    /// rows in order, undo and redo go back to the exact earlier state).
    #[test]
    fn undo_and_redo_give_back_the_exact_history() {
        let table = generate(&SynthConfig::clustered(60, 2, 0.1, 3));
        let mut s = Session::new(table);
        let n = s.rows();
        let mut rng = crate::rng::Rng::new(11);
        // The model: (row, anomaly, batch) in order; the states before and
        // after each step, for undo and redo.
        let mut model: Vec<(usize, bool, u64)> = Vec::new();
        let (mut undo, mut redo): (Vec<_>, Vec<_>) = (Vec::new(), Vec::new());
        let mut batch = 0u64;
        let seen = |s: &Session| -> Vec<(usize, bool, u64)> {
            s.history()
                .iter()
                .map(|e| (e.row, e.anomaly, e.batch))
                .collect()
        };
        for round in 0..600 {
            let before = model.clone();
            let mut stepped = false;
            match rng.index(6) {
                0 | 1 => {
                    let (row, anomaly) = (rng.index(n), rng.index(2) == 0);
                    let label = (rng.index(5) > 0).then_some(anomaly);
                    s.label(row, label).expect("row");
                    let had = model.iter().find(|e| e.0 == row).map(|e| e.1);
                    if had != label {
                        model.retain(|e| e.0 != row);
                        if let Some(a) = label {
                            model.push((row, a, batch));
                        }
                        batch += 1;
                        stepped = true;
                    }
                }
                2 | 3 => {
                    let rows: Vec<usize> = (0..rng.index(12)).map(|_| rng.index(n)).collect();
                    let anomaly = rng.index(2) == 0;
                    let changed = s.label_rows(&rows, anomaly).expect("rows");
                    let mut todo: Vec<usize> = Vec::new();
                    for &r in &rows {
                        let had = model.iter().find(|e| e.0 == r).map(|e| e.1);
                        if had != Some(anomaly) && !todo.contains(&r) {
                            todo.push(r);
                        }
                    }
                    assert_eq!(changed, todo.len(), "round {round}");
                    if !todo.is_empty() {
                        model.retain(|e| !todo.contains(&e.0));
                        model.extend(todo.iter().map(|&r| (r, anomaly, batch)));
                        batch += 1;
                        stepped = true;
                    }
                }
                4 => {
                    if s.undo().is_some() {
                        let (b, a): (Vec<_>, Vec<_>) = undo.pop().expect("a step");
                        model = b.clone();
                        redo.push((b, a));
                    }
                }
                _ => {
                    if s.redo().is_some() {
                        let (b, a): (Vec<_>, Vec<_>) = redo.pop().expect("a step");
                        model = a.clone();
                        undo.push((b, a));
                    }
                }
            }
            if stepped {
                undo.push((before, model.clone()));
                redo.clear();
            }
            assert_eq!(seen(&s), model, "round {round}");
            for row in 0..n {
                let want = model.iter().find(|e| e.0 == row).map(|e| e.1);
                assert_eq!(s.labels[row], want, "round {round}, row {row}");
            }
        }
    }

    /// The weights start at the prior and move with labels; every input
    /// column is listed once.
    #[test]
    fn layer_weights_start_at_the_prior_and_move_with_labels() {
        use crate::active::Part;
        let mut s = clustered_session();
        let w = s.layer_weights().expect("scored");
        assert!(w.iter().all(|&(_, now, prior)| now == prior));
        let d = s.cols();
        let count = |f: fn(&Part) -> bool| w.iter().filter(|(p, _, _)| f(p)).count();
        assert_eq!(count(|p| matches!(p, Part::Evidence(_))), d);
        assert_eq!(count(|p| matches!(p, Part::Marginal(_))), d);
        assert_eq!(count(|p| matches!(p, Part::Isolation)), 1);
        assert_eq!(count(|p| matches!(p, Part::Feature(_))), d);
        let truth = s.table().labels.clone().expect("truth");
        let a = truth.iter().position(|&t| t).expect("one");
        s.label(a, Some(true)).expect("row");
        let moved = s.layer_weights().expect("scored");
        assert!(moved.iter().any(|&(_, now, prior)| now != prior));
    }

    /// Past the cap a bulk label is refused, with the numbers, and changes
    /// nothing.
    #[test]
    fn a_bulk_label_over_the_cap_is_refused() {
        let mut s = session_of(8000);
        assert_eq!(s.max_bulk_labels(), 5_000);
        let all: Vec<usize> = (0..8000).collect();
        let err = s.label_rows(&all, false).expect_err("over the cap");
        assert_eq!(
            err,
            CoreError::TooManyLabels {
                asked: 8000,
                max: 5_000,
                rows: 8000
            }
        );
        assert!(err
            .to_string()
            .starts_with("8000 rows are too many to label in one step"));
        assert!(s.labelled().is_empty() && !s.can_undo());
        assert_eq!(s.label_rows(&all[..5_000], false), Ok(5_000));
    }

    /// A batch is fitted once (not once per label), and a reload of the
    /// labels with their batches, with or without the saved fit, gives the
    /// same scores to the bit.
    #[test]
    fn a_batch_comes_back_with_the_same_scores() {
        let mut s = clustered_session();
        let truth = s.table().labels.clone().expect("truth");
        let anomalies: Vec<usize> = (0..s.rows()).filter(|&i| truth[i]).take(8).collect();
        let mut normals = (0..s.rows()).filter(|&i| !truth[i]);
        let (a, b) = (normals.next().expect("one"), normals.next().expect("two"));
        s.label(a, Some(false)).expect("row");
        s.label_rows(&anomalies, true).expect("rows");
        s.label(b, Some(false)).expect("row");
        let want = scores(&s);
        let (labels, joined) = (s.labelled(), s.labelled_joined());
        let fit = s.saved_fit();
        assert!(fit.is_some());
        let mut replayed = clustered_session();
        assert_eq!(replayed.restore_labels_joined(&labels, &joined, None), 10);
        assert_eq!(scores(&replayed), want);
        assert_eq!(replayed.labelled_joined(), joined);
        let mut restored = clustered_session();
        restored.restore_labels_joined(&labels, &joined, fit.clone());
        assert_eq!(scores(&restored), want);
        // The same labels one by one are another session: the fit taken
        // for the batch is not taken for them.
        let mut singles = clustered_session();
        singles.restore_labels_with_fit(&labels, fit);
        assert_ne!(scores(&singles), want);
        let mut one_by_one = clustered_session();
        for &(r, a) in &labels {
            one_by_one.label(r, Some(a)).expect("row");
        }
        assert_eq!(scores(&singles), scores(&one_by_one));
    }

    /// A label in the middle of a batch, changed and then undone, gives
    /// back the batch's scores; the batch's other labels keep their batch.
    #[test]
    fn relabelling_a_row_of_a_batch_and_undoing_it() {
        let mut s = clustered_session();
        s.label_rows(&[2, 3, 4, 5], false).expect("rows");
        let want = scores(&s);
        s.label(3, Some(true)).expect("row");
        assert_eq!(s.labelled_joined(), vec![true, true, false, false]);
        s.undo();
        assert_eq!(s.labelled_joined(), vec![true, true, true, false]);
        assert_eq!(scores(&s), want);
    }
}
