//! The active layer (Pimentel et al., IJCNN 2020): a small model on top of a
//! frozen detector that learns from the expert's labels.
//!
//! Input per row: `f = [standardise(log1p(evidence)), standardised features]`.
//! The evidence is the detector's (`M` columns) followed, by default, by the
//! *marginal evidence* `z²` of each of the `D` standardised features: the
//! per-feature error of the trivial model that predicts every row as the
//! column mean. A deep detector's errors miss rows that are merely extreme
//! in one column (an autoencoder learns to reconstruct them); the marginal
//! block catches those, and the labels decide which block to trust.
//! By default (`forest_evidence`) the isolation forest's score joins the
//! evidence, carrying `forest_share` of the prior score's spread.
//! Each of the detector's and the marginal columns is read by its upper
//! tail (`tail_evidence`): a value becomes `−ln(share of rows with at least
//! this value)`, between 0 and `ln N`, so one column's extreme outliers
//! cannot drown the others (rare categories of one-hot columns did). With
//! `tail_knots` the tail comes from a [`TailSketch`] of the column instead
//! (exact at each knot and on columns of fewer distinct values, linear in
//! between), a function of the row and the knots alone.
//!
//! Score: `s = w·f + b + ν(row) + ρ(row)`.
//! - The weights start uniform (`1/√E`) on the `E` evidence columns and zero
//!   on the features, with `b` minus the 97% quantile of the initial
//!   scores, so before any label the layer ranks rows by the evidence alone
//!   and the decision boundary (`s = 0`) sits at the top 3%.
//! - `ν` is the *neighbour term*: `a·(Σ k⁺ − Σ k⁻)/(1 + Σ k⁺ + Σ k⁻)`, where
//!   `k± = exp(−‖x − x_j‖²/(2·D·h²))` runs over the labelled anomalies (+)
//!   and normals (−) in the standardised feature space. A linear layer
//!   cannot say "rows like this one"; the term can, so clustered anomalies
//!   surface as soon as one of them is labelled. It is 0 before any label,
//!   and bounded by `a` in size. A labelled row's own label is left out of
//!   its term while the weights are fitted (leave-one-out), so the term does
//!   not explain the label away. Each new label costs one pass over the rows
//!   (`O(N·D)`). A bulk label (a batch of labels fitted together) puts
//!   only a few of its rows into the term ([`BULK_KERNEL_PAIRS`],
//!   [`BULK_KERNEL_ROWS`]: at most about one label's pass in all), so a
//!   lasso of thousands costs about what one label does; its other rows
//!   still move the weights and regions.
//! - `ρ` is the *region term*: `ρ(x) = (1/T)·Σ_t u[t, leaf_t(x)]`, over the
//!   `T` trees of a seeded isolation forest grown on the standardised
//!   features ([`crate::forest`]), with one learnt offset `u` per leaf,
//!   starting at 0. Leaves are large where the data is sparse and small
//!   where it is dense, so a "normal" answer lowers the whole region around
//!   the row in every tree, and the ranking moves on to regions not yet
//!   seen: AAD's elimination, without a bound on how far a region can sink.
//!   With `region_scales = s > 0` the nodes above each leaf carry offsets
//!   too, and a leaf's offset is the sum over itself and up to `s` nodes
//!   above it: one answer then moves the larger regions around its row as
//!   well (the default, 8, reaches the root), so the rows that share most
//!   of the path move most. The offsets have their own step size
//!   (`region_learning_rate`). The nodes above the leaf count in full up
//!   to `node_fade` labels, and `node_fade / n` of their offset after `n`
//!   labels: with few labels the larger regions carry an answer to rows no
//!   one has seen; with hundreds, fitted to many answers of both kinds,
//!   they blur what the leaves have learnt. The weight is a function of the
//!   number of labels, so the scores stay a function of the labels.
//!
//!   Each leaf also carries a *vote* from the labelled rows it holds:
//!   `v = a_v·(k·n⁺ − n⁻)/(c_v + n⁺ + n⁻)` (`vote_weight`,
//!   `anomaly_vote_scale`, `vote_prior`), with `n⁺` counted only once
//!   there are `anomaly_votes_after` anomaly answers (0: never), added to
//!   its offset, so `ρ(x) = (1/T)·Σ_t (u_t(x) + v_t(x))`. The offsets
//!   are fitted and stop moving once the labelled row itself is
//!   explained; a vote is counted and does not: every row that shares
//!   leaves with an answer follows it, in proportion to how many of its
//!   `T` leaves it shares (B-ALIF's Beta counts, Sartor et al., as an
//!   additive term).
//!   The forest's leaves are small where the data is dense, so the votes
//!   are a neighbourhood that adapts to the density, and the ranking
//!   moves on from an answered region at once. An anomaly counts `k`
//!   normal answers (3 by default): it is the rarer news, and a labelled
//!   anomaly already above the boundary gives the logistic loss almost
//!   no gradient, so without the vote a "yes" taught the regions little
//!   while every "no" sank them. The anomalies vote from the second
//!   one on: a lone mistaken first "anomaly" lifts nothing, and by the
//!   second real one the normals around a wrong one outvote it. A
//!   labelled row's own label is left out of its votes while the weights
//!   are fitted.
//!
//!   *The search*: from answer `rank_after` to answer `2·rank_after − 1`
//!   (10 to 19 by default), while at most `search_anomalies` answers were
//!   "anomaly" (1 by default, so one mistaken first "anomaly", which
//!   votes for nothing either, does not call it off), every vote counts
//!   `explore_vote_scale` times (10) in the *questions' scores*
//!   ([`ActiveLayer::question_scores`]), what the layer's own ranking of
//!   the questions, its rank term's anchor and the second ranking read:
//!   each region seen sinks at once in them, about as far as B-ALIF's
//!   beliefs move, so the questions go on to the regions no answer has
//!   touched. The scores themselves (the colours, the boundary, a saved
//!   model) keep the votes at their weight, and so does the fit: the
//!   search moves which row is asked next, never what a row scores. Where the
//!   anomalies are one kind of row among the others (a digit among
//!   digits) the first is found sooner (optdigits, 16 seeds: found@50 /
//!   100 24.6 / 72.2 against 20.3 / 65.7). Strong votes for longer, or
//!   in the fit, cost the rows hidden in the bulk, which only the rank
//!   term reaches (the hidden sample at 20,000 rows: found@100 45.7
//!   against 74.3 without the search, 76.7 with it as it is).
//!
//!   *The search's turns* (`search_turns`): after the window, while at most
//!   `turns_anomalies` (1) answers were "anomaly", the votes count
//!   `explore_vote_scale` times in the questions' scores after an odd number
//!   of answers and once after an even one, so every other question comes
//!   from the search and the others from the rank term's ranking. Neither
//!   waits for the other: the elimination goes on where a digit among digits
//!   hides, and the rows hidden in the bulk are still asked about in turn
//!   (over 20 forests, optdigits found@50 20.5 → 23.3; the 20,000-row hidden
//!   sample over 10 forests found@100 64.3 → 75.1, where a longer search in
//!   full lost them: 55.3). A second "anomaly" ends the turns, as it ends the
//!   window: a first one votes for nothing and may be a mistake, and where
//!   the first answer was a mistaken "anomaly" the turns are what finds the
//!   digits (optdigits flipped, found@50 / 100 6.6 / 50.0 → 24.4 / 74.4 once
//!   the turns went on through it; a first true find that leaves the rest
//!   unfound is the same case).
//!
//! Loss, on the labelled rows, each class weighted to half:
//! `Σ c_y·log(1 + exp(−y·s_i)) + prior·‖w − w0‖² + region_prior·‖u‖²`,
//! plus, while *exploring*, the *rank term*
//! `rank_weight·(1/n₋)·Σ_{normals} log(1 + exp(s_i − s_a))`, where `a` is
//! the row ranked at `rank_tau·N` by the scores before the label. It reads
//! the normal answers only: the anomalies are already pushed up by the
//! logistic loss, and with them in the term one mistaken "anomaly" on a
//! top-ranked normal row held the weights against every "normal" after
//! it. The normals weigh as the logistic loss weighs them (`c₋`, half
//! once an anomaly is in), but while one anomaly is alone (`rank_full`)
//! the term is their mean at its full weight: halved at the first
//! "anomaly", while that one answer took half of the logistic loss, it let
//! a mistaken one hold the weights for 150 questions or more (the hidden
//! sample); a second anomaly confirms the first. The bias cancels in
//! `s_i − s_a`, so the only way to put a labelled normal below the
//! unlabelled bulk is to change what the weights `w` reward: when the
//! detector ranks the anomalies *below* the normal rows (they hide inside
//! the bulk), the evidence weights turn negative and the ranking turns
//! over. The layer explores when the last `rank_after` answers were all
//! "normal"; the term reaches the weights `w` only (the regions already
//! sink with the logistic loss).
//!
//! Each label triggers `steps` full-batch Adam steps on the labelled rows,
//! starting from the current weights; the result is a function of the
//! labels in their order (see [`ActiveLayer::set_labels`]). Past
//! `fit_labels` (512) labels the steps read the newest 64 and a seeded
//! sample of the older ones of each class, drawn afresh for each number of
//! labels (`fit_sample`), each class still weighing half, and take
//! `late_steps` (5) Adam steps instead of `steps`: a label's update stops
//! growing with the labels, and the older labels take turns. Each fit
//! starts from the one before, and one label among hundreds moves it
//! little (found@1000 on aloi and campaign, 5 seeds: 243.4 / 745.6 with 5
//! late steps, 245.0 / 747.8 with 10; docs/BENCHMARKS.md).
//!
//! The evidence columns form three *blocks*, three detectors of an
//! ensemble: the detector's columns, the marginal columns and the
//! isolation score. Adam moves each weight by about its step size, which
//! re-weighs a block of many columns against another only slowly, and
//! the isolation weight (about 15 times the others, to carry its share)
//! hardly at all. So each step of the logistic fit also scales every
//! weight of block `B` by `e^(−r·sign(Σ_{j∈B} w_j·∂L/∂w_j))`
//! (`block_rate` `r`): the sign of the loss's slope in the block's
//! log-scale, a multiplicative (Hedge-like) step on which detector to
//! trust. Up to `e^(10r)` per label, 22% with the default 0.02.
//!
//! *The second ranking* (`second_share`, on by default) orders the
//! questions, never the scores: `t = s − (w·f + b) + p₂`, the layer's score
//! with its learnt linear part swapped for a fixed prior `p₂` in which the
//! isolation score carries `second_share` (0.6) of the spread, less its own
//! `init_quantile` quantile. It shares the neighbour term, the offsets and
//! the votes, so every answer moves it as it moves the layer, but the
//! labels cannot turn its weights away from the isolation score. Where the
//! forest's top holds the anomalies (AAD's own prior) and the first answers
//! would move the layer off it, the second ranking keeps asking there. Who
//! asks is a function of the labels in their order and of which ranking
//! had each labelled row as its next question ([`crate::session::Asked`]):
//! with `h₁/n₁` and `h₂/n₂` the anomalies among the questions each ranking
//! asked, the second asks once the first has asked `second_after` (2) and
//! it has asked none (a mistaken first answer falls on the layer's own top
//! row, as without it), and afterwards while `h₂ ≥ 1` and
//! `(h₂ + 1)/(n₂ + 2) ≥ (h₁ + 1)/(n₁ + 2)`. A label on any other row counts
//! for neither. It costs one stored number per row and one subtraction per
//! row at each re-score.
//!
//! *The labels' classifier* (`boost_after`, [`crate::boost`]) also orders
//! the questions and never the scores: once `boost_after + 5k` labels are
//! in (`k ≥ 1`), gradient-boosted trees fitted to the first `boost_after +
//! 5(k − 1)` (refitted every 5, a fit grown a slice per label over the
//! five labels before it is used; past 383 labels the refits are further
//! apart, `labels/64` up to 16, [`crate::session::boost_step`], so a
//! label grows fewer of a larger fit's trees) propose the row they rank first among
//! the asking ranking's best `boost_candidates`; they need three labelled
//! anomalies to learn from. It asks first once its proposal
//! differs from the asking ranking's, then while `h₃ ≥ 1` and
//! `(h₃ + 1)/(n₃ + 2) ≥ (h₀ + 1)/(n₀ + 2)`, with `h₃/n₃` its anomalies
//! among the questions it asked and `h₀/n₀` the rankings' among theirs,
//! both counted only on the questions where it proposed another row. The
//! layer is linear in its inputs; the trees' capacity grows with the
//! labels, which tells once there are many of them.
//!
//! *The lookalike* (`lookalike_labels`) orders the questions too, never the
//! scores: among the asking ranking's best `boost_candidates` rows, the one
//! whose leaves hold the most labelled anomalies against normals,
//! `g(x) = (1/T)·Σ_t (k·n⁺ − n⁻)/(c + n⁺ + n⁻)` over its leaves (`k`, `c`
//! the votes' `anomaly_vote_scale` and `vote_prior`), with every anomaly
//! counted from the first, if any row has `g > lookalike_min` (0.4: a row
//! whose leaves all hold one labelled anomaly alone has `g = 1`)
//! ([`ActiveLayer::lookalike`]).
//! Rows within `lookalike_tie` (0.02) of the best `g` count as tied with it,
//! and of those the one the asking ranking puts first is proposed: `g` is a
//! share of leaves, and after one find many rows share about as many of its
//! leaves, normal ones too; the ranking is the evidence that tells them
//! apart. It asks after the classifier and before the rankings, while fewer
//! than `lookalike_labels` labels are in (15 by default; 0: off) and it has
//! missed fewer than `lookalike_misses` (2) times in a row since the last
//! anomaly answer (any question's). This is AAD's first move: a "yes" lifts
//! the leaves that hold the row, and the next questions go to the rows that
//! share them (the anomalies of one kind of row: covtype_sub's low-lying
//! forest, yeast's one rare value). The scores cannot make that move from one
//! answer, since a lone anomaly votes for nothing and barely moves the
//! weights, which is what keeps a mistaken first "yes" from lifting a region;
//! the questions can, because a wrong lead costs at most `lookalike_misses`
//! questions and is then dropped.
//!
//! The layer is small (`E + D + 1` weights and `511·T` offsets), so it runs
//! on the host in f64: one update plus a re-score of 100k rows takes
//! milliseconds, with no device round trip.

use crate::forest::{Forest, MAX_LEAVES, MAX_NODES};
use crate::sort::{from_order_key, order_key, radix_sort_high};
use crate::standardize::standardize_columns_f32;

mod model;
mod saved;

pub use model::{tail_cap, LayerModel, NeighbourModel, MAX_MODEL_KNOTS};

/// The kernel weight of disagreeing labelled neighbours (in rows' worth)
/// from which a label counts as contradicted.
pub const CONTRADICTION_MASS: f64 = 1.5;

/// How many times the weight of agreeing labelled neighbours the
/// disagreeing ones must have for a label to count as contradicted. 6
/// rather than 3: on the 14 shared datasets of up to 6,000 rows (seeds 0–4,
/// 50 true answers) labels flagged by mistake fall from 75 to 33, and with
/// 5% of the answers wrong the share of flags that are wrong answers rises
/// from 57% to 78%, catching a wrong answer in 36 runs of 70 against 39
/// (docs/BENCHMARKS.md, "The contradiction warning").
pub const CONTRADICTION_RATIO: f64 = 6.0;

/// A standardised table (`rows × d`, row-major), shared between a session
/// and its layer rather than copied.
pub type Features = std::sync::Arc<Vec<f32>>;

/// Fits kept at every this many labels (see `ActiveLayer::thin_fits`).
const KEEP_EVERY: usize = 16;

/// The newest labels every fit past [`ActiveConfig::fit_labels`] reads in
/// full, so the answer just given always moves the scores.
pub const FIT_NEWEST: usize = 64;

/// Which labels (indices into `labels`, in their order) the Adam steps of
/// a fit to `labels` read: all of them up to `cap` (0: no cap); past it the
/// newest [`FIT_NEWEST`], and of the older ones a sample of each class,
/// the anomalies taking up to half the room and the normals the rest
/// (each class still weighs half in the loss, so a class's sample stands
/// for all of it). The sample is drawn afresh for each number of labels,
/// seeded by it, so it is a function of the labels in their order: a
/// replay or an undo gives the same fit, and the older labels take turns.
fn fit_sample(labels: &[(usize, bool)], cap: usize) -> Option<Vec<usize>> {
    let n = labels.len();
    if cap == 0 || n <= cap {
        return None;
    }
    let newest = FIT_NEWEST.min(cap);
    let older = n - newest;
    let (mut pos, mut neg): (Vec<usize>, Vec<usize>) = (0..older).partition(|&k| labels[k].1);
    let room = cap - newest;
    // Up to half the room, more when the normals do not fill theirs.
    let take_pos = pos
        .len()
        .min((room / 2).max(room.saturating_sub(neg.len())));
    let take_neg = neg.len().min(room - take_pos);
    let mut rng = crate::rng::Rng::new((n as u64).wrapping_mul(crate::rng::GOLDEN_GAMMA));
    rng.draw_to_front(&mut pos, take_pos);
    rng.draw_to_front(&mut neg, take_neg);
    let mut picked: Vec<usize> = pos[..take_pos]
        .iter()
        .chain(&neg[..take_neg])
        .copied()
        .chain(older..n)
        .collect();
    picked.sort_unstable();
    Some(picked)
}

/// The default [`ActiveConfig::late_steps`].
pub const LATE_STEPS: usize = 5;

/// AAD's τ: the hinge loss anchors at the score ranked `τ·N` (Das et al.
/// use 0.03, the share of anomalies they budget for).
pub const AAD_TAU: f64 = 0.03;

/// The loss the layer minimises on the labelled rows.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActiveLoss {
    /// Class-balanced logistic loss plus `prior·‖w − w0‖²` (the default).
    Logistic,
    /// AAD's τ-quantile hinge loss (Das et al.), with `λ = 1/labels`.
    AadHinge { tau: f64 },
}

/// Settings of the active layer.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ActiveConfig {
    pub loss: ActiveLoss,
    /// Weight of `‖w − w0‖²` in the logistic loss.
    pub prior: f64,
    /// Adam steps after each label.
    pub steps: usize,
    pub learning_rate: f64,
    /// The initial bias is minus this quantile of the initial scores.
    pub init_quantile: f64,
    /// Feed the standardised features to the layer as well as the evidence.
    pub use_features: bool,
    /// Append the marginal evidence `z²` of every feature to the
    /// detector's evidence (with the same uniform prior weight).
    pub marginal_evidence: bool,
    /// Read each evidence column (detector's and marginal) by its upper
    /// tail: `−ln(share of rows with at least this value)`, so no column's
    /// outliers can drown the others.
    pub tail_evidence: bool,
    /// With `tail_evidence`: 0 reads each value's tail from its exact rank
    /// among the rows; `K > 0` from a sketch of each column, at most `K`
    /// knots (value, exact tail) with the tail linear between them. Either
    /// way a session's scoring model carries sketches, so a row the layer
    /// never saw gets its tail from the knots alone (`LayerModel`).
    #[serde(default)]
    pub tail_knots: usize,
    /// `a`, the largest shift the neighbour term can make; 0 turns it off.
    pub neighbour_weight: f64,
    /// `h`, the kernel width relative to the typical distance between rows
    /// (`√(2D)` in standardised units).
    pub neighbour_width: f64,
    /// Trees in the isolation forest whose leaves are the layer's regions;
    /// 0 turns the forest off (no isolation evidence, no region offsets).
    pub forest_trees: usize,
    /// Rows each tree is grown on (at most 256).
    pub forest_sample: usize,
    /// The forest's seed: part of the settings, so the same data and labels
    /// always give the same scores.
    pub forest_seed: u64,
    /// Append the forest's isolation score to the evidence.
    pub forest_evidence: bool,
    /// The share of the prior score's spread that the isolation score
    /// carries (the other evidence columns share the rest equally).
    pub forest_share: f64,
    /// Adam's step size for the region offsets `u` (0 leaves them at 0).
    pub region_learning_rate: f64,
    /// Weight of `‖u‖²`.
    pub region_prior: f64,
    /// How many nodes above each leaf carry an offset of their own, so that
    /// one answer also moves the larger regions around its row (0: the
    /// leaves only).
    pub region_scales: usize,
    /// After this many labels the offsets of the nodes above each leaf
    /// count `node_fade / labels` of their value, so the leaves speak for
    /// themselves once there are many answers (0: they always count in
    /// full).
    pub node_fade: usize,
    /// Weight of the rank term: each labelled row against the row ranked
    /// at `rank_tau·N` (0 turns it off).
    pub rank_weight: f64,
    pub rank_tau: f64,
    /// The rank term is on after this many "normal" answers in a row.
    pub rank_after: usize,
    /// Until a second anomaly answer is in, the rank term is the mean over
    /// the normal answers at its full weight; then, and always when off (a
    /// session saved before it), each normal weighs its class weight, so
    /// the term halves once an anomaly is in, and one mistaken "anomaly"
    /// held the weights against the normal answers after it.
    #[serde(default)]
    pub rank_full: bool,
    /// While every answer is "normal", the logistic loss moves the weights
    /// `w` only from this many answers on, so one mistaken first answer
    /// cannot turn them (0 or 1: from the first answer).
    pub normal_wait: usize,
    /// `a_v`, the weight of the leaf votes: a forest leaf that holds `n⁺`
    /// labelled anomalies and `n⁻` labelled normals adds
    /// `a_v·(k·n⁺ − n⁻)/(vote_prior + n⁺ + n⁻)` to its rows' region term
    /// (`k`: `anomaly_vote_scale`),
    /// with `n⁺ = 0` until `anomaly_votes_after` anomalies are in (0 turns
    /// the votes off; a session saved without it has them off).
    #[serde(default)]
    pub vote_weight: f64,
    /// The votes' pseudo-count: how many answers a leaf needs before its
    /// vote reaches half of `vote_weight`.
    #[serde(default = "default_vote_prior")]
    pub vote_prior: f64,
    /// The labelled anomalies vote once there are this many of them (0:
    /// never), so that one mistaken first "anomaly" lifts no leaf.
    #[serde(default)]
    pub anomaly_votes_after: usize,
    /// How many normal answers' worth one anomaly counts in a leaf's vote,
    /// `a_v·(k·n⁺ − n⁻)/(vote_prior + n⁺ + n⁻)`: an anomaly is the rarer,
    /// stronger news (a session saved without it counts 1).
    #[serde(default = "one")]
    pub anomaly_vote_scale: f64,
    /// The search: from the `rank_after`-th answer to the `2·rank_after −
    /// 1`-th, while at most `search_anomalies` answers were "anomaly",
    /// the leaf votes count this many times in the questions' scores
    /// (not in the scores shown, nor in the fit), so a search that has found nothing leaves each region
    /// it has seen at once. 1 turns it off (a session saved without it
    /// has it off).
    #[serde(default = "one")]
    pub explore_vote_scale: f64,
    /// How many "anomaly" answers the search goes on through (0 in a
    /// session saved without it): with 1, one mistaken first "anomaly",
    /// which votes for nothing either (`anomaly_votes_after`), does not
    /// call the search off.
    #[serde(default)]
    pub search_anomalies: usize,
    /// *The search's turns*: once the search is over (answer `2·rank_after`
    /// on), while at most `turns_anomalies` answers are "anomaly", every
    /// other question is asked with the search's votes in the questions'
    /// scores (those after an odd number of answers), the others without: the
    /// elimination goes on beside the rank term's ranking instead of ending
    /// at `2·rank_after`. Off in a session saved without it.
    #[serde(default)]
    pub search_turns: bool,
    /// How many "anomaly" answers the search's turns go on through (0 in a
    /// session saved without it, where the first "anomaly" ended them):
    /// with 1, as the search's window does (`search_anomalies`), one
    /// mistaken first "anomaly", which votes for nothing, does not end
    /// them either.
    #[serde(default)]
    pub turns_anomalies: usize,
    /// How fast the labels re-weigh the evidence blocks against each other
    /// (the detector's columns, the marginal columns, the isolation score:
    /// an ensemble of three detectors): each Adam step of the logistic fit
    /// also scales every weight of a block by `e^(∓block_rate)`, by the
    /// sign of the loss's slope in the block's log-scale. 0 turns it off
    /// (a session saved without it has it off).
    #[serde(default)]
    pub block_rate: f64,
    /// The *second ranking* (see the module's notes): the layer's score
    /// with its learnt weights swapped for a fixed prior in which the
    /// isolation score carries this share of the spread. It asks the next
    /// question while it finds anomalies at least as often as the layer's
    /// own ranking. 0 turns it off. It never changes a score: only which
    /// row is suggested.
    #[serde(default = "default_second_share")]
    pub second_share: f64,
    /// The second ranking asks its first question once the layer's own
    /// ranking has asked this many.
    #[serde(default = "default_second_after")]
    pub second_after: usize,
    /// *The labels' classifier* ([`crate::boost`]): from this many labels
    /// and five more on, gradient-boosted trees fitted to the labels (as
    /// they stood five labels before, refitted every five; further apart
    /// past 383 labels, [`crate::session::boost_step`]) propose the
    /// next question among the asking ranking's best `boost_candidates`
    /// unlabelled rows, while they find anomalies at least as often as
    /// the rankings do. It never changes a score. 0 turns it off (a
    /// session saved without it has it off).
    #[serde(default)]
    pub boost_after: usize,
    /// How many of the asking ranking's best unlabelled rows the
    /// classifier, and the lookalike, pick from.
    #[serde(default = "default_boost_candidates")]
    pub boost_candidates: usize,
    /// *The lookalike*: while fewer than this many labels are in, the row
    /// among the asking ranking's best `boost_candidates` whose isolation
    /// forest leaves hold the most labelled anomalies against labelled
    /// normals (every anomaly counted, from the first) asks the next
    /// question, until it misses `lookalike_misses` times in a row; an
    /// anomaly found by any question gives it its turn again. It never
    /// changes a score. 0 turns it off (a session saved without it has it
    /// off).
    #[serde(default)]
    pub lookalike_labels: usize,
    /// How many misses in a row the lookalike takes before it stops asking
    /// until the next anomaly.
    #[serde(default = "default_lookalike_misses")]
    pub lookalike_misses: usize,
    /// How like the labelled anomalies the lookalike's row must be for it
    /// to ask: its `g` ([`ActiveLayer::lookalike`]) above this. A row
    /// whose leaves all hold one labelled anomaly and nothing else has
    /// `g = 1`, so 0.4 asks about rows that share, net of the normals,
    /// about two fifths of their leaves with the anomalies. A session
    /// saved without it has 0 (any row that is at all like them).
    #[serde(default)]
    pub lookalike_min: f64,
    /// How near the best `g` a row's must be for the lookalike to count
    /// it as tied with the best: of the rows with `g ≥ g_max −
    /// lookalike_tie` (and above `lookalike_min`) it proposes the one the
    /// asking ranking puts first. `g` is a share of leaves, coarse and
    /// often tied; the ranking is the evidence that breaks the tie. 0 takes
    /// the best `g` alone, as a session saved without it does.
    #[serde(default)]
    pub lookalike_tie: f64,
    /// The most labels one fit's Adam steps read; past it a fit reads the
    /// newest [`FIT_NEWEST`] and a seeded sample of the older ones of each
    /// class, so a label's update stops growing with the
    /// labels. 0 reads them all (a session saved without it does).
    #[serde(default)]
    pub fit_labels: usize,
    /// Adam steps after each label once there are more than `fit_labels`
    /// labels (0: `steps`, as a session saved without it has). Each fit
    /// starts from the one before, and one label among hundreds moves it
    /// little, so fewer steps keep a late label's update short.
    #[serde(default)]
    pub late_steps: usize,
}

fn default_boost_candidates() -> usize {
    500
}

impl ActiveConfig {
    /// The settings that decide the layer's fit and scores: these, with
    /// the ones that only order the questions (the second ranking, the
    /// labels' classifier) set to fixed values. Two configurations with
    /// the same scoring part give the same scores for the same labels, and
    /// a saved fit of one is a fit of the other.
    pub fn scoring_part(&self) -> Self {
        Self {
            second_share: 0.0,
            second_after: 0,
            boost_after: 0,
            boost_candidates: default_boost_candidates(),
            lookalike_labels: 0,
            lookalike_misses: default_lookalike_misses(),
            lookalike_min: 0.0,
            lookalike_tie: 0.0,
            ..self.clone()
        }
    }
}

fn default_lookalike_misses() -> usize {
    2
}

fn one() -> f64 {
    1.0
}

fn default_second_share() -> f64 {
    0.6
}

fn default_second_after() -> usize {
    2
}

fn default_vote_prior() -> f64 {
    2.0
}

impl Default for ActiveConfig {
    fn default() -> Self {
        Self {
            loss: ActiveLoss::Logistic,
            prior: 0.05,
            steps: 10,
            // 0.005 rather than the prototype's 0.01: on the nine shared
            // datasets it finds more at every budget (docs/BENCHMARKS.md).
            learning_rate: 0.005,
            init_quantile: 0.97,
            use_features: true,
            // The next three settings lift found@10 from 0.86 to 0.94 of
            // AAD's (docs/BENCHMARKS.md).
            marginal_evidence: true,
            // Tails, the neighbour weight 8, the region step 0.1 and
            // offsets on every node of the leaf's path lift the sums from
            // 0.982 / 1.062 / 1.088 / 1.059 / 1.039 of AAD's to
            // 1.080 / 1.103 / 1.148 / 1.105 / 1.042 (docs/BENCHMARKS.md).
            tail_evidence: true,
            // The exact rank. A sketch of 1,024 knots sums 97.2 / 253.4 /
            // 495.6 / 848.0 / 1298.0 against 97.2 / 252.4 / 498.2 / 850.6 /
            // 1286.6, but one of 4,096 knots cost optdigits found@100 72.8 →
            // 68.2 (seeds 0–4) and 64.8 → 53.4 (seeds 5–14)
            // (docs/BENCHMARKS.md).
            tail_knots: 0,
            neighbour_weight: 8.0,
            neighbour_width: 0.4,
            forest_trees: 100,
            forest_sample: 256,
            forest_seed: 0x15_0F0E_5700,
            // The isolation score in the prior at 35% of its spread: sums
            // 0.982 / 1.062 / 1.088 / 1.059 / 1.039 of AAD's against
            // 0.967 / 1.053 / 1.098 / 1.059 / 1.029 without, 11 cells
            // behind AAD against 14 (docs/BENCHMARKS.md).
            forest_evidence: true,
            forest_share: 0.35,
            region_learning_rate: 0.1,
            region_prior: 0.0,
            region_scales: 8,
            // The nodes fade after 100 labels: found@300 summed 1286.6 →
            // 1297.8, the same at 10–100 (docs/BENCHMARKS.md).
            node_fade: 100,
            rank_weight: 1.0,
            rank_tau: AAD_TAU,
            rank_after: 10,
            // The rank term at its full weight while one anomaly is alone:
            // with the first answer mistaken, the hidden sample's found@300
            // (seeds 0–19) goes from 42.7 to 57.95 of 60; the clean table
            // does not move. At its full weight whatever the anomalies, the
            // same 57.95, but found@300 summed falls by 7.6
            // (docs/BENCHMARKS.md, "a mistaken anomaly halved the rank
            // term").
            rank_full: true,
            normal_wait: 2,
            // "Normal" leaf votes: sums at 10 / 25 / 50 / 100 / 300 from
            // 97.2 / 252.2 / 498.0 / 850.6 / 1294.6 to 98.2 / 258.0 /
            // 505.6 / 854.0 / 1298.0 (seeds 0–4; 99.4 / 255.4 / 489.2 /
            // 832.0 / 1291.8 against 98.0 / 253.0 / 491.0 / 836.2 /
            // 1292.8 with seeds 1000–1004) (docs/BENCHMARKS.md).
            vote_weight: 8.0,
            vote_prior: default_vote_prior(),
            // Anomalies vote from the second one on, each worth three
            // normal answers: sums at 10 / 25 / 50 / 100 / 300 from 98.2 /
            // 258.0 / 505.6 / 854.0 / 1298.0 to 101.6 / 266.8 / 506.0 /
            // 854.2 / 1293.4 (seeds 0–4), from 99.4 / 255.4 / 489.2 /
            // 832.0 / 1291.8 to 101.4 / 263.4 / 490.8 / 835.0 / 1291.0
            // (seeds 1000–1004); a flipped first answer keeps 93.3% of
            // found@50 against 91.7% (docs/BENCHMARKS.md).
            anomaly_votes_after: 2,
            anomaly_vote_scale: 3.0,
            // The search's votes ten times as strong: optdigits found@50 /
            // 100 21.2 / 64.2 → 24.2 / 74.0 with seeds 0–4, 26.4 / 76.4 →
            // 31.0 / 80.8 with 1000–1004; no other shared dataset moves
            // (docs/BENCHMARKS.md, "the search").
            explore_vote_scale: 10.0,
            // The second "anomaly" ends the search, so one mistaken first
            // answer does not. It goes with the lookalike: a flipped first
            // answer then keeps found@50 summed at 455.8 of the clean 505.6
            // (90.2%) against 446.8 of 506.2 (88.3%) (docs/BENCHMARKS.md,
            // "the lookalike").
            search_anomalies: 1,
            // The search goes on in turns while nothing is found: with a
            // forest per seed (seeds 0–19) optdigits found@50 20.5 → 23.3,
            // the 20,000-row hidden sample found@100 64.3 → 75.1 (seeds
            // 0–9, no forest left finding nothing); a longer search in
            // full cost the rows hidden in the bulk (docs/BENCHMARKS.md,
            // "the search's turns").
            search_turns: true,
            // The turns go on through one "anomaly", as the window does:
            // with the first answer flipped, optdigits found@50 / 100 6.6 /
            // 50.0 → 24.4 / 74.4 (seeds 0–4), the clean tables unchanged
            // (docs/BENCHMARKS.md, "the turns through a mistaken first
            // answer").
            turns_anomalies: 1,
            // The blocks re-weighed by up to 2% a step: sums 101.6 / 266.8 /
            // 506.0 / 854.2 / 1293.4 → 100.2 / 274.0 / 506.4 / 845.2 /
            // 1301.8 (seeds 0–4), 101.4 / 263.4 / 490.8 / 835.0 / 1291.0 →
            // 99.6 / 271.0 / 511.4 / 851.6 / 1296.6 (seeds 1000–1004)
            // (docs/BENCHMARKS.md).
            block_rate: 0.02,
            // A second, isolation-led ranking asks while it hits: 6 → 4
            // cells behind AAD with seeds 0–4, 7 → 2 with seeds 1000–1004,
            // the sums within seed noise; with a mistaken first answer the
            // hidden sample's found@300 goes from 24.0 to 52.8 of 60
            // (docs/BENCHMARKS.md, "the second ranking").
            second_share: default_second_share(),
            second_after: default_second_after(),
            // Trees on the labels propose questions from 105 labels on:
            // found@300 summed 1300.0 → 1317.8 (1.053 → 1.067 of AAD's)
            // with seeds 0–4, 1293.8 → 1308.6 (1.048 → 1.060) with
            // 1000–1004, the same below (docs/BENCHMARKS.md, "the
            // classifier made cheap").
            boost_after: 100,
            boost_candidates: default_boost_candidates(),
            // In the first 15 answers, about rows with g above 0.4 (with
            // `search_anomalies` 1): cells behind AAD 3 → 2 with seeds 0–4
            // (covtype_sub @10 5.2 → 7.4, yeast @10 5.0 → 5.6), 2 → 1 with
            // seeds 1000–1004 (covtype_sub @10 4.8 → 7.8). Asking about any
            // row with g > 0, campaign @10 / 25 / 50 fell behind with seeds
            // 1000–1004 (5.4 / 15.4 / 32.6 → 4.6 / 13.6 / 31.4): its first
            // finds share leaves with few rows that are like them
            // (docs/BENCHMARKS.md, "the lookalike, only about rows that
            // are like the anomalies").
            lookalike_labels: 15,
            lookalike_misses: default_lookalike_misses(),
            lookalike_min: 0.4,
            // Of the rows within 0.02 of the best g, the asking ranking's
            // first: cells behind AAD 1 → 0 with seeds 0–4 (covtype_sub
            // @10 7.4 → 8.2) and with seeds 1000–1004 (yeast @10 5.0 →
            // 5.8); over 20 forests within noise of the best g alone
            // (docs/BENCHMARKS.md, "the lookalike's near-ties").
            lookalike_tie: 0.02,
            // A fit reads at most 512 labels: beyond `eval`'s 300
            // questions, so every table is unchanged; at 1,024 labels a
            // label's update costs what it does at 512
            // (docs/BENCHMARKS.md, "a fit past 512 labels").
            fit_labels: 512,
            late_steps: LATE_STEPS,
        }
    }
}

/// One additive part of a row's score (see [`ActiveLayer::explain`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The detector's evidence column `j`.
    Evidence(usize),
    /// The marginal evidence `z²` of feature `j`.
    Marginal(usize),
    /// Feature `j`'s standardised value (its weight is learnt from labels).
    Feature(usize),
    /// The neighbour term.
    Neighbours,
    /// The isolation forest's score.
    Isolation,
    /// The learnt offsets and the label votes of the forest's leaves that
    /// hold the row.
    Regions,
}

/// The layer's weights and inputs, with the scores of every row.
#[derive(Debug, Clone)]
pub struct ActiveLayer {
    config: ActiveConfig,
    /// The evidence inputs, row-major `rows × evidence_dim`; a row's input
    /// is these, then its `width − evidence_dim` feature columns.
    inputs: Vec<f32>,
    /// The standardised table (`rows × d`), shared with the session that
    /// owns it; the feature inputs and the neighbour term read it.
    features: Features,
    width: usize,
    evidence_dim: usize,
    /// How many of the evidence columns are the detector's; the marginal
    /// block follows, then the isolation score when the forest is on.
    detector_dim: usize,
    marginal_dim: usize,
    /// The weights on the `width` inputs, then the region offsets `u`.
    w: Vec<f64>,
    b: f64,
    w0: Vec<f64>,
    adam: Adam,
    /// The labels the weights were fitted to, in the order given.
    labels: Vec<(usize, bool)>,
    /// Per label: it joins the next label's fit (given in one batch).
    joined: Vec<bool>,
    /// `fits[k]`: the weights and optimiser after the first `k` of
    /// `labels` (`fits[0]` is the prior), so that a change at position `k`
    /// replays only the labels after the newest fit kept before it. After a
    /// restore from a saved fit only the prior and the last are known.
    fits: Vec<Option<Fit>>,
    /// A hash of the inputs, the settings and the prior, once a fit is
    /// saved or restored: a saved fit is taken back only by the layer it
    /// was saved from.
    fingerprint: std::sync::OnceLock<u64>,
    neighbours: Neighbours,
    regions: Regions,
    /// Every row's score, as the page shows it and a saved model gives it.
    scores: Vec<f32>,
    /// While the search's votes are on ([`ActiveConfig::explore_vote_scale`]),
    /// every row's score with its votes at the search's scale: what the
    /// questions are ranked by. Empty otherwise (they are ranked by
    /// `scores`).
    search_scores: Vec<f32>,
    /// The second ranking's prior score of every row, its own bias
    /// included (`second_share`); empty when it is off.
    second_prior: Vec<f32>,
    /// Every row's second-ranking score: its score with `w·f + b` swapped
    /// for `second_prior`. Empty when off.
    second_scores: Vec<f32>,
}

/// The scores the questions are ranked by: `search` (the scores with the
/// search's votes) while the search is on, else `scores`
/// ([`ActiveLayer::question_scores`]; a function of the two fields, so
/// that a pass holding another field mutably can read it too).
fn asked_of<'a>(scores: &'a [f32], search: &'a [f32]) -> &'a [f32] {
    if search.is_empty() {
        scores
    } else {
        search
    }
}

/// Which columns a layer's inputs have, as its settings and the data give
/// them: per row the detector's `m` evidence columns, then the marginal
/// evidence (`d` or none), then the isolation score (one or none), all
/// standardised; then the `d` features or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputShape {
    pub rows: usize,
    pub m: usize,
    pub marginal: usize,
    pub isolation: usize,
    pub features: usize,
    /// Whether the evidence columns hold their upper tails
    /// ([`ActiveConfig::tail_evidence`]).
    pub tails: bool,
    /// [`ActiveConfig::tail_knots`].
    pub knots: usize,
}

impl InputShape {
    /// The shape these settings give on `rows` rows with `m` evidence and
    /// `d` feature columns (`have_features`: they are there to read).
    pub fn new(
        rows: usize,
        m: usize,
        d: usize,
        have_features: bool,
        config: &ActiveConfig,
        forest: bool,
    ) -> Self {
        let d = if have_features { d } else { 0 };
        Self {
            rows,
            m,
            marginal: if config.marginal_evidence { d } else { 0 },
            isolation: usize::from(forest && config.forest_evidence),
            features: if config.use_features { d } else { 0 },
            tails: config.tail_evidence,
            knots: config.tail_knots,
        }
    }

    /// The standardised evidence columns.
    pub fn evidence(&self) -> usize {
        self.m + self.marginal + self.isolation
    }

    /// The layer's input columns: the evidence columns, then the
    /// features. [`LayerInputs`] stores the evidence columns only; the
    /// features are the table's own, read where they are.
    pub fn width(&self) -> usize {
        self.evidence() + self.features
    }

    /// As text, for [`from_wire`](Self::from_wire).
    pub fn to_wire(&self) -> String {
        format!(
            "{},{},{},{},{},{},{}",
            self.rows,
            self.m,
            self.marginal,
            self.isolation,
            self.features,
            u8::from(self.tails),
            self.knots
        )
    }

    pub fn from_wire(text: &str) -> Option<Self> {
        let v: Vec<usize> = text
            .split(',')
            .map(str::parse)
            .collect::<Result<_, _>>()
            .ok()?;
        let [rows, m, marginal, isolation, features, tails, knots] = v[..] else {
            return None;
        };
        (isolation <= 1 && tails <= 1).then_some(Self {
            rows,
            m,
            marginal,
            isolation,
            features,
            tails: tails == 1,
            knots,
        })
    }
}

/// A layer's evidence inputs, `rows × evidence()` row-major: the costly
/// part of building a layer (every row's evidence transformed, each
/// column's tail ranked, the columns standardised). The page's training
/// worker builds them beside the detector, so the page's thread does not.
/// The feature columns of the layer's input rows are not copied here: the
/// layer reads them from the standardised table it shares with its
/// session (one copy of the table, not two: 25 MB on donors.csv).
#[derive(Debug, Clone, PartialEq)]
pub struct LayerInputs {
    pub shape: InputShape,
    pub values: Vec<f32>,
    /// The prior's spread without the isolation column, once
    /// [`settle`](Self::settle) computed it.
    prior_spread: Option<f64>,
    /// The prior's weights over these inputs and every row's score with
    /// them before the bias, once [`settle`](Self::settle) computed them.
    prior_scores: Option<(Vec<f64>, Vec<f32>)>,
}

impl LayerInputs {
    /// The inputs over the detector's evidence (`rows × m`) and the
    /// standardised features (`rows × d`), with the isolation forest's
    /// scores when the settings have a forest.
    pub fn build(
        evidence: &[f32],
        m: usize,
        features: &[f32],
        d: usize,
        config: &ActiveConfig,
        isolation: Option<&[f32]>,
    ) -> Self {
        let rows = evidence.len().checked_div(m).unwrap_or(0);
        let features = &features[..(rows * d).min(features.len())];
        let have_features = d > 0 && rows * d == features.len();
        let isolation = isolation.filter(|s| s.len() == rows);
        let shape = InputShape::new(rows, m, d, have_features, config, isolation.is_some());
        let (marginal, width) = (shape.marginal, shape.evidence());
        // Built in place, one row after another, with no second copy: on a
        // million rows each copy of the inputs is tens of megabytes of the
        // page's memory, which a WebAssembly module never gives back.
        let mut inputs = Vec::with_capacity(rows * width);
        for i in 0..rows {
            inputs.extend(
                evidence[i * m..(i + 1) * m]
                    .iter()
                    .map(|&x| log_evidence(x)),
            );
            if marginal > 0 {
                inputs.extend(
                    features[i * d..(i + 1) * d]
                        .iter()
                        .map(|&z| log_marginal(z)),
                );
            }
            if let (Some(s), 1) = (isolation, shape.isolation) {
                inputs.push(s[i]);
            }
        }
        if shape.tails {
            let cap = tail_cap(m + marginal);
            tail_transform(&mut inputs, width, 0..m + marginal, shape.knots, cap, None);
        }
        standardize_columns_f32(&mut inputs, width, width);
        Self {
            shape,
            values: inputs,
            prior_spread: None,
            prior_scores: None,
        }
    }

    /// Inputs that arrived as parts: `None` unless the values fill the
    /// shape and are all finite.
    pub fn from_parts(shape: InputShape, values: Vec<f32>) -> Option<Self> {
        let cells = shape.rows.checked_mul(shape.evidence())?;
        // Without a branch a value: tens of millions on a large table.
        let finite = values.iter().fold(true, |ok, v| ok & v.is_finite());
        (values.len() == cells && finite).then_some(Self {
            shape,
            values,
            prior_spread: None,
            prior_scores: None,
        })
    }

    /// Computes now, one pass over every row a call, what a layer with
    /// `config` needs from the inputs before its first label: the spread
    /// of the score the isolation column is weighed against, then every
    /// row's prior score. Building the layer then makes neither pass; the
    /// page calls this in tasks of its own. True once nothing is left. The
    /// layer is the same either way (another config: it computes its own).
    /// `features`: the standardised table the inputs were built from
    /// (`rows × d`), whose columns the layer reads as its feature inputs.
    pub fn settle(&mut self, config: &ActiveConfig, features: &[f32]) -> bool {
        let Some(spread) = self.prior_spread else {
            self.prior_spread = Some(self.isolation_spread());
            return false;
        };
        if self.prior_scores.is_none() {
            let w = prior_weights(&self.shape, spread, config);
            let (rows, fd) = (self.shape.rows, self.shape.features);
            let features = match fd {
                0 => &[][..],
                _ if features.len() == rows * fd => features,
                // Not the table these inputs were built from: the layer
                // computes its own.
                _ => return true,
            };
            let scores = prior_scores(&self.values, features, rows, &w);
            self.prior_scores = Some((w, scores));
        }
        true
    }

    /// The spread the prior weighs the isolation score against: the
    /// standard deviation over the rows of the prior score from every
    /// other evidence column. No pass when there is no isolation column
    /// (0: nothing reads it).
    fn isolation_spread(&self) -> f64 {
        if self.shape.isolation == 0 {
            return 0.0;
        }
        let others = self.shape.evidence() - self.shape.isolation;
        let w = vec![1.0 / (others as f64).sqrt(); others];
        spread_of(&self.values, self.shape.evidence(), &w)
    }
}

/// `ln(1 + max(e, 0))` of an evidence value, as `(1 + e)` then `ln` in
/// f64, rounded to f32 once: what an ONNX graph computes the same way
/// (`Cast` to double, `Add`, `Log`, `Cast` back) to the same f32.
pub(crate) fn log_evidence(e: f32) -> f32 {
    libm::log(1.0 + f64::from(e.max(0.0))) as f32
}

/// `ln(1 + z²)` of a standardised feature, in f64 (see [`log_evidence`]).
pub(crate) fn log_marginal(z: f32) -> f32 {
    let z = f64::from(z);
    libm::log(1.0 + z * z) as f32
}

/// The learnt state after a prefix of the labels.
#[derive(Debug, Clone)]
struct Fit {
    w: Vec<f64>,
    b: f64,
    adam: Adam,
}

impl ActiveLayer {
    /// Builds the layer from the detector's evidence (`rows × m`) and the
    /// standardised features (`rows × d`).
    pub fn new(
        evidence: &[f32],
        m: usize,
        features: &[f32],
        d: usize,
        config: ActiveConfig,
    ) -> Self {
        Self::with_forest(evidence, m, features, d, config, None)
    }

    /// [`with_forest`](Self::with_forest) over a table shared with the
    /// caller (the session's): the layer keeps a handle on it, not a copy.
    pub fn with_forest_shared(
        evidence: &[f32],
        m: usize,
        features: Features,
        d: usize,
        config: ActiveConfig,
        forest: Option<Forest>,
    ) -> Self {
        let rows = evidence.len().checked_div(m).unwrap_or(0);
        let features = fit_rows(features, rows, d);
        let have_features = d > 0 && rows * d == features.len();
        let forest = (config.forest_trees > 0 && have_features).then(|| {
            forest
                .filter(|f| f.trees() == config.forest_trees && f.scores().len() == rows)
                .unwrap_or_else(|| {
                    Forest::fit(
                        &features,
                        d,
                        config.forest_trees,
                        config.forest_sample,
                        config.forest_seed,
                    )
                })
        });
        let inputs = LayerInputs::build(
            evidence,
            m,
            &features,
            d,
            &config,
            forest.as_ref().map(Forest::scores),
        );
        Self::assemble(inputs, features, d, config, forest)
    }

    /// [`new`](Self::new), with the isolation forest already grown on
    /// `features` with this config's `forest_*` settings (it depends only on
    /// the data: a session keeps it across retrains, and the page has the
    /// training worker grow it). One that does not fit the rows or the
    /// number of trees is grown again.
    pub fn with_forest(
        evidence: &[f32],
        m: usize,
        features: &[f32],
        d: usize,
        config: ActiveConfig,
        forest: Option<Forest>,
    ) -> Self {
        let rows = evidence.len().checked_div(m).unwrap_or(0);
        let features = Features::new(features[..(rows * d).min(features.len())].to_vec());
        Self::with_forest_shared(evidence, m, features, d, config, forest)
    }

    /// The layer from inputs built elsewhere ([`LayerInputs::build`], which
    /// the page's training worker runs), with the features and the forest
    /// they were built from. `None` when the inputs are not the ones these
    /// settings and data would give (other settings, rows or forest): the
    /// caller then builds the layer itself.
    pub fn from_inputs(
        inputs: LayerInputs,
        features: &[f32],
        d: usize,
        config: ActiveConfig,
        forest: Option<Forest>,
    ) -> Option<Self> {
        let features = Features::new(features.to_vec());
        Self::from_inputs_shared(inputs, features, d, config, forest)
    }

    /// [`from_inputs`](Self::from_inputs) over a table shared with the
    /// caller (the session's): the layer keeps a handle on it, not a copy.
    pub fn from_inputs_shared(
        inputs: LayerInputs,
        features: Features,
        d: usize,
        config: ActiveConfig,
        forest: Option<Forest>,
    ) -> Option<Self> {
        let shape = inputs.shape;
        let rows = shape.rows;
        let have_features = d > 0 && features.len() == rows * d;
        let forest = forest.filter(|f| {
            config.forest_trees > 0
                && have_features
                && f.trees() == config.forest_trees
                && f.scores().len() == rows
        });
        let wanted = InputShape::new(rows, shape.m, d, have_features, &config, forest.is_some());
        (wanted == shape && (config.forest_trees == 0 || !have_features || forest.is_some()))
            .then(|| Self::assemble(inputs, features, d, config, forest))
    }

    /// The rest of a layer over its inputs: the regions, the prior weights,
    /// the neighbour term, and every row's prior score.
    fn assemble(
        inputs: LayerInputs,
        features: Features,
        d: usize,
        config: ActiveConfig,
        forest: Option<Forest>,
    ) -> Self {
        let spread = inputs
            .prior_spread
            .unwrap_or_else(|| inputs.isolation_spread());
        let LayerInputs {
            shape,
            values: inputs,
            prior_scores,
            ..
        } = inputs;
        let (rows, m, marginal) = (shape.rows, shape.m, shape.marginal);
        let (e, width) = (shape.evidence(), shape.width());
        let features = fit_rows(features, rows, d);
        let have_features = d > 0 && rows * d == features.len();
        let regions = match forest {
            Some(f) if config.region_learning_rate > 0.0 || config.vote_weight != 0.0 => {
                Regions::new(f, &config)
            }
            _ => Regions::off(),
        };
        let params = width + regions.params();
        let mut w0 = vec![0.0; params];
        w0[..width].copy_from_slice(&prior_weights(&shape, spread, &config));
        // Settled for these weights: the prior scores are already there.
        let settled = prior_scores
            .filter(|(w, s)| w[..] == w0[..width] && s.len() == rows)
            .map(|(_, s)| s);
        let neighbours = if config.neighbour_weight != 0.0 && have_features {
            Neighbours::new(features.clone(), d, &config)
        } else {
            Neighbours::off(rows)
        };
        let mut layer = Self {
            adam: Adam::new(params),
            inputs,
            features,
            width,
            evidence_dim: e,
            detector_dim: m,
            marginal_dim: marginal,
            w: w0.clone(),
            b: 0.0,
            w0,
            labels: Vec::new(),
            joined: Vec::new(),
            fits: Vec::new(),
            fingerprint: std::sync::OnceLock::new(),
            neighbours,
            regions,
            scores: Vec::new(),
            second_prior: Vec::new(),
            search_scores: Vec::new(),
            second_scores: Vec::new(),
            config,
        };
        // Before any label the region offsets are zero and no row is
        // counted by the neighbour term: the re-score is the weights' dot
        // product alone, which a settled prior holds.
        match settled {
            Some(scores) => layer.scores = scores,
            None => {
                layer.scores = vec![0.0; rows];
                layer.rescore_without_bias();
            }
        }
        let q = quantile(&layer.scores, layer.config.init_quantile);
        layer.b = -q;
        layer.fits.push(Some(layer.checkpoint()));
        layer.second_prior = second_prior(&layer, &shape, spread);
        layer.add_bias();
        layer.second_scores = layer.second_prior.clone();
        layer
    }

    /// Keeps the prior, the two newest fits and every
    /// [`KEEP_EVERY`]-th: with the region offsets a fit holds tens of
    /// thousands of numbers, and a change far back replays at most
    /// `KEEP_EVERY − 1` labels more.
    fn thin_fits(&mut self) {
        let n = self.fits.len();
        if n >= 3 {
            let k = n - 3;
            if k > 0 && !k.is_multiple_of(KEEP_EVERY) {
                self.fits[k] = None;
            }
        }
    }

    fn checkpoint(&self) -> Fit {
        Fit {
            w: self.w.clone(),
            b: self.b,
            adam: self.adam.clone(),
        }
    }

    fn restore(&mut self, fit: Fit) {
        self.w = fit.w;
        self.b = fit.b;
        self.adam = fit.adam;
    }

    /// The labels the layer is fitted to, in order.
    pub fn labels(&self) -> &[(usize, bool)] {
        &self.labels
    }

    pub fn rows(&self) -> usize {
        self.scores.len()
    }

    /// The current score of every row (higher = more anomalous; > 0 means
    /// the layer calls it an anomaly).
    pub fn scores(&self) -> &[f32] {
        &self.scores
    }

    /// Whether the search is on ([`ActiveConfig::explore_vote_scale`]):
    /// the questions' scores then read the leaf votes at its scale.
    pub fn search_on(&self) -> bool {
        !self.search_scores.is_empty()
    }

    /// What the layer's own ranking of the questions reads: the scores,
    /// with the leaf votes at the search's scale while the search is on
    /// ([`ActiveConfig::explore_vote_scale`]). The scores themselves keep
    /// the votes at their weight, so the search moves which row is asked
    /// next and never the colours or a saved model.
    pub fn question_scores(&self) -> &[f32] {
        asked_of(&self.scores, &self.search_scores)
    }

    /// Row `i`'s likeness to the labelled anomalies, read from the
    /// isolation forest's leaves it shares with the labelled rows: the
    /// mean over the trees of `(k·n⁺ − n⁻)/(c + n⁺ + n⁻)` in its leaf
    /// (`anomaly_vote_scale`, `vote_prior`), every labelled anomaly
    /// counted, from the first (what orders the lookalike's questions,
    /// [`ActiveConfig::lookalike_labels`]). 0 with no forest or votes.
    pub fn lookalike(&self, i: usize) -> f64 {
        self.regions.lookalike(i)
    }

    /// Every row's score under the second ranking (`second_share`), or
    /// `None` when it is off. It orders the questions only: no score,
    /// colour or export reads it.
    pub fn second_scores(&self) -> Option<&[f32]> {
        (!self.second_scores.is_empty()).then_some(&self.second_scores[..])
    }

    /// The weights on the evidence columns (the detector's, then the
    /// marginal block), then on the features.
    pub fn weights(&self) -> (&[f64], &[f64], f64) {
        (
            &self.w[..self.evidence_dim],
            &self.w[self.evidence_dim..self.width],
            self.b,
        )
    }

    /// What input column `j` is.
    fn part_of(&self, j: usize) -> Part {
        if j < self.detector_dim {
            Part::Evidence(j)
        } else if j < self.detector_dim + self.marginal_dim {
            Part::Marginal(j - self.detector_dim)
        } else if j < self.evidence_dim {
            Part::Isolation
        } else {
            Part::Feature(j - self.evidence_dim)
        }
    }

    /// Every input column's weight now and before any label, by what the
    /// column is: the detector's evidence, the marginal evidence, the
    /// isolation score, the features. What the labels taught the layer.
    pub fn weight_parts(&self) -> Vec<(Part, f64, f64)> {
        (0..self.width)
            .map(|j| (self.part_of(j), self.w[j], self.w0[j]))
            .collect()
    }

    /// Row `row`'s score split into additive parts, largest in size first:
    /// `w_j·f_j` per input column (measured from an average row, whose
    /// standardised inputs are 0) and the neighbour term. With the bias they
    /// sum to the row's score. Empty for a row out of range.
    pub fn explain(&self, row: usize) -> Vec<(Part, f64)> {
        if row >= self.rows() {
            return Vec::new();
        }
        let mut parts: Vec<(Part, f64)> = self
            .input_row(row)
            .zip(&self.w)
            .enumerate()
            .map(|(j, (&x, &w))| (self.part_of(j), x as f64 * w))
            .collect();
        if self.neighbours.active() {
            parts.push((Part::Neighbours, self.neighbours.term(row)));
        }
        if self.regions.active() {
            parts.push((Part::Regions, self.regions.value(row, self.u())));
        }
        parts.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        parts
    }

    /// The labelled rows whose labelled neighbours mostly carry the other
    /// label, as `(place in the labels, row, label, kernel weight of those
    /// neighbours)` in the labels' order; the weight is in rows' worth (a
    /// duplicate row counts 1). A row is listed when that weight is at
    /// least [`CONTRADICTION_MASS`] and [`CONTRADICTION_RATIO`] times the
    /// weight of neighbours that agree: the sign of a mistaken answer (where
    /// the classes overlap, a true answer can look the same, so the bar is
    /// high). Empty when the neighbour term is off.
    pub fn contradicted(&self) -> Vec<(usize, usize, bool, f64)> {
        if !self.neighbours.active() {
            return Vec::new();
        }
        const UNIT: f64 = 1.0 / ONE as f64;
        self.labels
            .iter()
            .enumerate()
            .filter_map(|(place, &(i, y))| {
                let (p, n) = self.neighbours.sums_without_own_label(i);
                let (same, other) = if y { (p, n) } else { (n, p) };
                let (same, other) = (same as f64 * UNIT, other as f64 * UNIT);
                (other >= CONTRADICTION_MASS && other >= CONTRADICTION_RATIO * same)
                    .then_some((place, i, y, other))
            })
            .collect()
    }

    /// Fits the layer to `labels` (`(row, is_anomaly)` in the order they
    /// were given; rows out of range are ignored) and re-scores every row.
    ///
    /// The result is a function of the labels in their order, whatever the
    /// path: the weights after `k` labels are those of the `k − 1` before
    /// them plus `steps` Adam steps on the first `k` labels. A call that
    /// appends one label runs those steps once; a call that changes or
    /// removes the label at position `p` goes back to the weights saved
    /// after `p` labels and replays the rest, so undo, reload and a
    /// retrained detector reach exactly the scores of an uninterrupted
    /// session. The neighbour sums are exact (fixed point), so they depend
    /// on the set of labels only.
    pub fn set_labels(&mut self, labels: &[(usize, bool)]) {
        self.set_labels_joined(labels, &[]);
    }

    /// [`set_labels`](Self::set_labels) where some labels were given
    /// together (a bulk label): `joined[k]` says label `k` joins the next
    /// one's fit, so a batch of labels takes one fit (`steps` Adam steps on
    /// every label up to its last) rather than one per label. Missing
    /// entries are `false`; the last label always ends a fit. The result is
    /// a function of the labels, in their order, and of where the fits fall.
    pub fn set_labels_joined(&mut self, labels: &[(usize, bool)], joined: &[bool]) {
        let (labels, joined) = self.in_range_joined(labels, joined);
        let kept = self
            .labels
            .iter()
            .zip(&self.joined)
            .zip(labels.iter().zip(&joined))
            .take_while(|(a, b)| a == b)
            .count();
        if kept == labels.len() && kept == self.labels.len() {
            return;
        }
        self.fits.truncate(kept + 1);
        // Replay from the newest fit known at or before `kept`.
        let start = self.fits.iter().rposition(Option::is_some).unwrap_or(0);
        self.fits.truncate(start + 1);
        let was_current = start == self.labels.len();
        if let Some(Some(fit)) = self.fits.last().cloned() {
            self.restore(fit);
        }
        // The labels whose kernel rows enter the neighbour sums: every
        // single label, a few of each batch's (`kernel_counted`).
        let counted = kernel_counted(&joined, self.rows());
        // The ranked losses read every row's score after each label.
        let hinge = self.ranked();
        if hinge && !was_current {
            // AAD ranks the rows by the scores before each label.
            self.neighbours.sync(&labels[..start], &counted);
            self.count_labels(&labels[..start]);
            self.rescore();
        }
        // The fits before the last need the neighbour sums of their prefix
        // at the labelled rows; the last reads the full sums, which hold
        // exactly the same numbers once they are synced.
        let n = labels.len();
        // A fit follows label `k − 1` unless it joins the next one.
        let fits_after = |k: usize| k == n || !joined[k - 1];
        let mut loo = PrefixSums::default();
        let push = |loo: &mut PrefixSums, k: usize, layer: &Self| {
            loo.push(labels[k], counted[k], &layer.neighbours);
        };
        // The prefix sums serve the fits before the last only: none when
        // the labels after `start` are one batch (a bulk label).
        let last_inner = (start + 1..n).rev().find(|&k| fits_after(k));
        if last_inner.is_some() {
            for k in 0..start {
                push(&mut loo, k, self);
            }
        }
        for k in start + 1..=n {
            if last_inner.is_some_and(|last| k <= last) {
                push(&mut loo, k - 1, self);
            }
            if !fits_after(k) {
                self.fits.push(None);
                continue;
            }
            let nu = if k < n {
                if hinge {
                    self.neighbours.sync(&labels[..k], &counted);
                }
                loo.terms(&self.neighbours)
            } else {
                self.neighbours.sync(&labels, &counted);
                labels
                    .iter()
                    .map(|&(i, _)| self.neighbours.term_without_own_label(i))
                    .collect()
            };
            self.fit_steps(&labels[..k], &nu);
            // The next fit's anchor reads the scores after this one; the
            // last fit is re-scored once, below.
            if k < n {
                let next = (k + 1..=n).find(|&j| fits_after(j)).unwrap_or(n);
                if self.needs_anchor(&labels[..next]) {
                    self.rescore();
                }
            }
            self.fits.push(Some(self.checkpoint()));
            self.thin_fits();
        }
        self.neighbours.sync(&labels, &counted);
        self.count_labels(&labels);
        self.labels = labels;
        self.joined = joined;
        self.rescore();
    }

    /// Sets what the regions read from the labels themselves, not from a
    /// fit: how much the nodes above the leaves count with that many
    /// labels ([`ActiveConfig::node_fade`]) and the leaf votes. Every path
    /// to a set of labels (a fit, a replay, a restored fit) calls it.
    fn count_labels(&mut self, labels: &[(usize, bool)]) {
        self.regions.set_votes(labels, self.searching(labels));
        let (fade, n) = (self.config.node_fade, labels.len());
        self.regions.upper = if fade == 0 || n <= fade {
            1.0
        } else {
            fade as f64 / n as f64
        };
    }

    /// `steps` Adam steps on `labels`, whose rows' neighbour terms (each
    /// without the row's own label) are `nu`.
    fn fit_steps(&mut self, labels: &[(usize, bool)], nu: &[f64]) {
        // The rank term's anchor, the prior and the regions' settings read
        // every label; the steps read at most `fit_labels` of them.
        let all = labels;
        let sample = fit_sample(labels, self.config.fit_labels).map(|picked| {
            let pairs = picked.iter().map(|&k| (labels[k], nu[k]));
            pairs.unzip::<_, _, Vec<_>, Vec<_>>()
        });
        let (labels, nu) = match &sample {
            Some((labels, nu)) => (&labels[..], &nu[..]),
            None => (labels, nu),
        };
        let mut gw = vec![0.0; self.w.len()];
        // AAD fixes the quantile score q and the τ-ranked row before it
        // optimises; so does the rank term.
        let (hinge, tau) = match self.config.loss {
            ActiveLoss::AadHinge { tau } => (true, tau),
            ActiveLoss::Logistic => (false, self.config.rank_tau),
        };
        let anchor = self.needs_anchor(all).then(|| self.tau_anchor(tau));
        self.count_labels(all);
        // The leaf votes enter the labelled rows' scores as the neighbour
        // term does: each without the row's own label.
        let nu: Vec<f64> = labels
            .iter()
            .zip(nu)
            .map(|(&(i, anomaly), &nu)| nu + self.regions.vote_without(i, anomaly))
            .collect();
        let nu = &nu[..];
        // The labelled rows' leaves, tree by tree, read by every step.
        let rows: Vec<usize> = labels.iter().map(|l| l.0).collect();
        let leaves = self.regions.gather(&rows);
        let live = self.live_offsets(&leaves);
        let steps = match (&sample, self.config.late_steps) {
            (Some(_), late) if late > 0 => late,
            _ => self.config.steps,
        };
        for _ in 0..steps {
            gw[..self.width].iter_mut().for_each(|g| *g = 0.0);
            let regions = &mut gw[self.width..];
            live.each(regions.len(), |i| regions[i] = 0.0);
            let gb = match anchor {
                Some((q, tau_row)) if hinge => self.hinge_grad(labels, nu, q, tau_row, &mut gw),
                _ => {
                    let anchor = anchor.map(|a| a.1);
                    self.logistic_grad(labels, nu, anchor, (&leaves, &live), &mut gw)
                }
            };
            let rates = (self.config.learning_rate, self.config.region_learning_rate);
            // The blocks' slopes in their log-scales, at the weights the
            // gradient was taken at: Σ_{j ∈ block} ∂L/∂w_j · w_j.
            let slopes = (!hinge && self.config.block_rate > 0.0).then(|| {
                self.blocks()
                    .map(|r| r.map(|j| gw[j] * self.w[j]).sum::<f64>())
            });
            self.adam.step(
                &mut self.w,
                &mut self.b,
                &gw,
                gb,
                (self.width, &live),
                rates,
            );
            if let Some(slopes) = slopes {
                self.scale_blocks(slopes);
            }
            if hinge {
                // AAD keeps ‖w‖ fixed; the prior has unit norm.
                let norm = self.w.iter().map(|w| w * w).sum::<f64>().sqrt();
                if norm > 0.0 {
                    self.w.iter_mut().for_each(|w| *w /= norm);
                }
            }
        }
    }

    /// The region offsets (indices into `u`) that a fit's steps can move:
    /// those some label reached before (the offset or its Adam moments are
    /// not zero) and those on the paths of `leaves`, the fit's labelled
    /// rows' leaves. Any other offset has no gradient, no moments and no
    /// prior pull, so a step would move it by exactly 0: the steps visit
    /// these alone, the same bits in time that follows the labels rather
    /// than the forest's tens of thousands of offsets (a replay of a
    /// hundred labels in the page spent most of its time on them).
    fn live_offsets(&self, leaves: &Gathered) -> Live {
        let (u, m, v) = (
            self.u(),
            &self.adam.m[self.width..],
            &self.adam.v[self.width..],
        );
        let mut mark: Vec<bool> = u
            .iter()
            .zip(m.iter().zip(v))
            .map(|(&u, (&m, &v))| u != 0.0 || m != 0.0 || v != 0.0)
            .collect();
        if self.regions.active() {
            for (t, (_, distinct)) in leaves.trees().enumerate() {
                for &leaf in distinct {
                    for (n, _) in self.regions.path_weights(t, leaf) {
                        mark[n] = true;
                    }
                }
            }
        }
        let live: Vec<usize> = mark
            .iter()
            .enumerate()
            .filter_map(|(i, &live)| live.then_some(i))
            .collect();
        // Past half of them a plain pass over all is the faster walk.
        Live((2 * live.len() < u.len()).then_some(live))
    }

    /// The evidence blocks' columns: the detector's, the marginal ones,
    /// the isolation score (each may be empty).
    fn blocks(&self) -> [std::ops::Range<usize>; 3] {
        let (m, marginal) = (self.detector_dim, self.marginal_dim);
        [0..m, m..m + marginal, m + marginal..self.evidence_dim]
    }

    /// Scales each evidence block's weights by `e^(−block_rate·sign(slope))`:
    /// up where a larger block lowers the loss. A flat block (a slope of
    /// about 0: no labels reach it, or it has no columns) stays.
    fn scale_blocks(&mut self, slopes: [f64; 3]) {
        let rate = self.config.block_rate;
        for (range, slope) in self.blocks().into_iter().zip(slopes) {
            if slope.abs() > 1e-12 {
                let factor = (-rate * slope.signum()).exp();
                self.w[range].iter_mut().for_each(|w| *w *= factor);
            }
        }
    }

    /// The labels whose rows exist, and whether each joins the next one's
    /// fit (missing entries: no; the last: never).
    fn in_range_joined(
        &self,
        labels: &[(usize, bool)],
        joined: &[bool],
    ) -> (Vec<(usize, bool)>, Vec<bool>) {
        let (labels, mut joined): (Vec<_>, Vec<_>) = labels
            .iter()
            .enumerate()
            .filter(|(_, &(i, _))| i < self.rows())
            .map(|(k, &l)| (l, joined.get(k).copied().unwrap_or(false)))
            .unzip();
        if let Some(last) = joined.last_mut() {
            *last = false;
        }
        (labels, joined)
    }

    /// Forgets all labels: back to the prior ranking.
    pub fn reset(&mut self) {
        self.set_labels(&[]);
    }

    /// Row `i`'s score in the questions' ranking ([`Self::question_scores`])
    /// with the neighbour term `nu` in place of its own.
    fn score_with(&self, i: usize, nu: f64) -> f64 {
        self.score_with_region(i, nu, self.regions.search_value(i, self.u()))
    }

    /// Row `i`'s score with the neighbour term `nu` and the region term
    /// `rho` in place of its own.
    fn score_with_region(&self, i: usize, nu: f64, rho: f64) -> f64 {
        self.input_row(i)
            .zip(&self.w)
            .map(|(&x, &w)| x as f64 * w)
            .sum::<f64>()
            + self.b
            + nu
            + rho
    }

    /// Row `i`'s evidence inputs.
    fn evidence_row(&self, i: usize) -> &[f32] {
        let e = self.evidence_dim;
        &self.inputs[i * e..(i + 1) * e]
    }

    /// Row `i`'s feature inputs (none without them).
    fn feature_row(&self, i: usize) -> &[f32] {
        let fd = self.width - self.evidence_dim;
        &self.features[i * fd..(i + 1) * fd]
    }

    /// Row `i`'s input columns in order: its evidence, then its features.
    fn input_row(&self, i: usize) -> impl Iterator<Item = &f32> + '_ {
        self.evidence_row(i).iter().chain(self.feature_row(i))
    }

    /// The region offsets (empty when the regions are off).
    fn u(&self) -> &[f64] {
        &self.w[self.width..]
    }

    fn score_row(&self, i: usize) -> f64 {
        self.score_with(i, self.neighbours.term_without_own_label(i))
    }

    fn rescore(&mut self) {
        self.rescore_without_bias();
        self.add_bias();
        if !self.second_prior.is_empty() {
            // `second_scores` holds each row's `w·f` from the pass above.
            let b = self.b as f32;
            // The second ranking orders questions: it reads the search's
            // votes as the layer's own ranking of them does.
            let asked = asked_of(&self.scores, &self.search_scores);
            for ((t, &s), &p) in self
                .second_scores
                .iter_mut()
                .zip(asked)
                .zip(&self.second_prior)
            {
                *t = s - (*t + b) + p;
            }
        }
    }

    /// Every row's score but the bias: the weighted inputs, then the
    /// neighbour and region terms. While the search's votes are on, the
    /// questions' scores too, which differ in the votes' scale alone.
    fn rescore_without_bias(&mut self) {
        let w: Vec<f32> = self.w[..self.width].iter().map(|&w| w as f32).collect();
        let nb = &self.neighbours;
        let scores = &mut self.scores;
        // With no row counted every term is zero: no pass reads them.
        match (self.width, nb.active() && nb.any) {
            (0, false) => scores.fill(0.0),
            (0, true) => (0..scores.len()).for_each(|i| scores[i] = nb.term(i) as f32),
            (width, active) => {
                let (e, fd) = (self.evidence_dim, width - self.evidence_dim);
                let dots = row_dots(&self.inputs, e, &self.features, fd, &w);
                // With the second ranking on, its scores keep each row's
                // dot product for `rescore` (no second pass, no buffer).
                let mut kept = self.second_scores.iter_mut();
                for ((i, s), dot) in scores.iter_mut().enumerate().zip(dots) {
                    *s = dot;
                    if let Some(k) = kept.next() {
                        *k = dot;
                    }
                    if active {
                        *s += nb.term(i) as f32;
                    }
                }
            }
        }
        self.search_scores.clear();
        if self.regions.active() {
            let u = &self.w[self.width..];
            if self.regions.search_moves_questions() {
                self.search_scores.extend_from_slice(&self.scores);
                self.regions.add_to(&mut self.search_scores, u, true);
            }
            self.regions.add_to(&mut self.scores, u, false);
        }
    }

    /// Adds the bias to every score, last: a layer's prior scores are then
    /// its scores before the bias plus the bias, to the bit, with no second
    /// pass over the inputs.
    fn add_bias(&mut self) {
        let b = self.b as f32;
        self.scores.iter_mut().for_each(|s| *s += b);
        self.search_scores.iter_mut().for_each(|s| *s += b);
    }

    /// Whether the search's votes are on: at least `rank_after` labels and
    /// fewer than `2·rank_after`, of which at most `search_anomalies` are
    /// "anomaly" ([`ActiveConfig::explore_vote_scale`]); past that, with
    /// [`ActiveConfig::search_turns`], an odd number of labels, of which
    /// at most `turns_anomalies` are "anomaly".
    fn searching(&self, labels: &[(usize, bool)]) -> bool {
        let (after, n) = (self.config.rank_after, labels.len());
        let anomalies = labels.iter().filter(|l| l.1).count();
        if n >= 2 * after && self.config.search_turns && after > 0 {
            // The search's turns ([`ActiveConfig::search_turns`]).
            return anomalies <= self.config.turns_anomalies && n % 2 == 1;
        }
        (after..2 * after).contains(&n) && anomalies <= self.config.search_anomalies
    }

    /// Whether the last `rank_after` answers were all "normal": the rank
    /// term is on only then, when the ranking keeps missing.
    fn exploring(&self, labels: &[(usize, bool)]) -> bool {
        let streak = labels.iter().rev().take_while(|l| !l.1).count();
        streak >= self.config.rank_after
    }

    /// Whether the fit to `labels` reads the ranking of all rows.
    fn needs_anchor(&self, labels: &[(usize, bool)]) -> bool {
        match self.config.loss {
            ActiveLoss::AadHinge { .. } => true,
            ActiveLoss::Logistic => self.config.rank_weight > 0.0 && self.exploring(labels),
        }
    }

    /// Whether the loss reads the ranking of all rows (AAD's hinge, or the
    /// logistic loss with its rank term).
    fn ranked(&self) -> bool {
        match self.config.loss {
            ActiveLoss::AadHinge { .. } => true,
            ActiveLoss::Logistic => self.config.rank_weight > 0.0,
        }
    }

    /// Gradient of the class-balanced logistic loss, the rank term against
    /// the row `anchor` and the prior; returns ∂/∂b. `nu`: the labelled
    /// rows' neighbour terms and leaf votes, each without the row's own
    /// label.
    fn logistic_grad(
        &self,
        labels: &[(usize, bool)],
        nu: &[f64],
        anchor: Option<usize>,
        (leaves, live): (&Gathered, &Live),
        gw: &mut [f64],
    ) -> f64 {
        let anchor = anchor.map(|row| (row, self.score_row(row)));
        let pos = labels.iter().filter(|l| l.1).count();
        let neg = labels.len() - pos;
        let classes = usize::from(pos > 0) + usize::from(neg > 0);
        // A "normal" answer or two say little about which evidence
        // matters: until an anomaly or `normal_wait` answers are in, the
        // logistic loss leaves the weights `w` at the prior (the bias, the
        // regions and the rank term still move). An anomaly is news at once.
        let hold = pos == 0 && labels.len() < self.config.normal_wait;
        let mut rank = vec![0.0; if anchor.is_some() { self.width } else { 0 }];
        // Each normal's share of the rank term: its class weight, which
        // halves the term once an anomaly is in, or, while that anomaly is
        // alone (`rank_full`), its share of the normals alone.
        let rank_classes = if self.config.rank_full && pos <= 1 {
            1
        } else {
            classes
        };
        let rank_share = 1.0 / (rank_classes as f64 * neg.max(1) as f64);
        let mut gb = 0.0;
        // The labelled rows share leaves: their region terms and gradients
        // go through each distinct leaf once per tree.
        let rho = self.regions.values_of(leaves, self.u());
        let mut gs = Vec::with_capacity(labels.len());
        for ((&(i, anomaly), &nu), &rho) in labels.iter().zip(nu).zip(&rho) {
            let (y, count) = if anomaly { (1.0, pos) } else { (-1.0, neg) };
            let weight = 1.0 / (classes as f64 * count as f64);
            let s = self.score_with_region(i, nu, rho);
            // d/ds log(1 + exp(-y s)) = -y σ(-y s)
            let g = -y * sigmoid(-y * s) * weight;
            if !hold {
                for (gw, &x) in gw.iter_mut().zip(self.input_row(i)) {
                    *gw += g * x as f64;
                }
            }
            gs.push(g);
            gb += g;
            // The rank term reads the normal answers only: an anomaly is
            // already pushed up by the logistic loss, and pushing it above
            // the anchor too let one mistaken "anomaly" on a top-ranked
            // normal row hold the weights against every "normal" after it.
            if let (Some((a, sa)), false) = (anchor, anomaly) {
                // softplus(s − s_a): normals below the anchor row. The bias
                // cancels.
                let g = -y * sigmoid(-y * (s - sa)) * rank_share * self.config.rank_weight;
                let (f, fa) = (self.input_row(i), self.input_row(a));
                for ((r, &x), &xa) in rank.iter_mut().zip(f).zip(fa) {
                    *r += g * (x as f64 - xa as f64);
                }
            }
        }
        let (dense, regions) = gw.split_at_mut(self.width);
        self.regions.add_grads(leaves, &gs, regions);
        for (g, r) in dense.iter_mut().zip(&rank) {
            *g += r;
        }
        for ((g, w), w0) in dense.iter_mut().zip(&self.w).zip(&self.w0) {
            *g += 2.0 * self.config.prior * (w - w0);
        }
        // Only the live offsets can be other than 0 (`live_offsets`).
        let u = self.u();
        live.each(u.len(), |i| {
            regions[i] += 2.0 * self.config.region_prior * u[i]
        });
        gb
    }

    /// The row ranked at `τN` and its score `q`, from the questions' current
    /// scores ([`Self::question_scores`]).
    fn tau_anchor(&self, tau: f64) -> (f64, usize) {
        let n = self.rows();
        let mut order: Vec<usize> = (0..n).collect();
        let k = ((tau * n as f64) as usize).min(n.saturating_sub(1));
        let scores = self.question_scores();
        order.select_nth_unstable_by(k, |&a, &b| scores[b].total_cmp(&scores[a]));
        (self.score_row(order[k]), order[k])
    }

    /// Gradient of AAD's loss: hinges against the fixed τ-quantile score `q`
    /// and against the current score of the row ranked at `τN`, plus
    /// `λ‖w − w0‖²` with `λ = 1/labels`. The bias is not used.
    fn hinge_grad(
        &self,
        labels: &[(usize, bool)],
        nu: &[f64],
        q: f64,
        tau_row: usize,
        gw: &mut [f64],
    ) -> f64 {
        let q_tau = self.score_row(tau_row);
        let z_tau = || self.input_row(tau_row);
        let l = labels.len() as f64;
        for (&(i, anomaly), &nu) in labels.iter().zip(nu) {
            let s = self.score_with(i, nu);
            let f = || self.input_row(i);
            let sign = if anomaly { -1.0 } else { 1.0 };
            // Hinge against the fixed quantile q: anomalies above, normals below.
            if sign * (s - q) > 0.0 {
                for (g, &x) in gw.iter_mut().zip(f()) {
                    *g += sign * x as f64 / l;
                }
            }
            // Hinge against the τ-ranked row, whose score moves with w.
            if sign * (s - q_tau) > 0.0 {
                for ((g, &x), &z) in gw.iter_mut().zip(f()).zip(z_tau()) {
                    *g += sign * (x as f64 - z as f64) / l;
                }
            }
        }
        let lambda = 1.0 / l;
        for ((g, w), w0) in gw.iter_mut().zip(&self.w).zip(&self.w0) {
            *g += 2.0 * lambda * (w - w0);
        }
        0.0
    }
}

/// The forest's nodes as regions: each row's leaf in every tree, and the
/// offsets `u` (`trees × stride`, kept after the layer's input weights)
/// that the labels move. A leaf's offset sums those on its path; a row's
/// region term is the mean of its leaves' offsets.
#[derive(Debug, Clone)]
struct Regions {
    trees: usize,
    /// Row-major `rows × trees`.
    leaves: std::sync::Arc<Vec<u8>>,
    /// Offsets per tree: [`MAX_LEAVES`] when only the leaves carry one
    /// (indexed by leaf number), else [`MAX_NODES`] (by node number).
    stride: usize,
    /// Per tree and leaf (`t·MAX_LEAVES + leaf`), the offsets the leaf's
    /// rows add up, as indices within the tree's `stride`: the leaf's own
    /// and those of up to `region_scales` nodes above it.
    paths: Vec<Vec<u16>>,
    /// How much the nodes above each leaf count (see
    /// [`ActiveConfig::node_fade`]); set for the labels fitted to.
    upper: f64,
    /// Per tree and leaf (`t·MAX_LEAVES + leaf`), how many labelled
    /// anomalies and normals it holds: the leaf votes
    /// ([`ActiveConfig::vote_weight`]), set for the labels fitted to.
    votes: Vec<[u32; 2]>,
    vote_weight: f64,
    vote_prior: f64,
    /// [`ActiveConfig::anomaly_votes_after`], and whether the labels
    /// counted have that many anomalies.
    anomaly_votes_after: usize,
    anomalies_vote: bool,
    /// [`ActiveConfig::anomaly_vote_scale`].
    anomaly_vote_scale: f64,
    /// [`ActiveConfig::explore_vote_scale`], and the factor on every vote
    /// in the questions' scores for the labels counted (it, or 1).
    explore_vote_scale: f64,
    vote_scale: f64,
}

impl Regions {
    fn off() -> Self {
        Self {
            trees: 0,
            leaves: std::sync::Arc::new(Vec::new()),
            stride: MAX_LEAVES,
            paths: Vec::new(),
            upper: 1.0,
            votes: Vec::new(),
            vote_weight: 0.0,
            vote_prior: 1.0,
            anomaly_votes_after: 0,
            anomalies_vote: false,
            anomaly_vote_scale: 1.0,
            explore_vote_scale: 1.0,
            vote_scale: 1.0,
        }
    }

    fn new(forest: Forest, config: &ActiveConfig) -> Self {
        let scales = config.region_scales;
        let trees = forest.trees();
        let (leaves, ancestors) = forest.into_parts();
        let mut paths = vec![Vec::new(); trees * MAX_LEAVES];
        for (t, tree) in ancestors.iter().enumerate() {
            for (leaf, path) in tree.iter().enumerate() {
                paths[t * MAX_LEAVES + leaf] = if scales == 0 {
                    vec![leaf as u16]
                } else {
                    path[path.len().saturating_sub(scales + 1)..].to_vec()
                };
            }
        }
        Self {
            trees,
            leaves,
            stride: if scales == 0 { MAX_LEAVES } else { MAX_NODES },
            paths,
            upper: 1.0,
            votes: vec![[0; 2]; trees * MAX_LEAVES],
            vote_weight: config.vote_weight,
            vote_prior: config.vote_prior,
            anomaly_votes_after: config.anomaly_votes_after,
            anomalies_vote: false,
            anomaly_vote_scale: config.anomaly_vote_scale,
            explore_vote_scale: config.explore_vote_scale,
            vote_scale: 1.0,
        }
    }

    fn active(&self) -> bool {
        self.trees > 0
    }

    /// Counts `labels` into the leaf votes (nothing when they are off);
    /// `searching`: the votes count `explore_vote_scale` times in the
    /// scores ([`ActiveConfig::explore_vote_scale`]).
    fn set_votes(&mut self, labels: &[(usize, bool)], searching: bool) {
        if !self.voting() {
            return;
        }
        self.votes.iter_mut().for_each(|v| *v = [0; 2]);
        let after = self.anomaly_votes_after;
        self.anomalies_vote = after > 0 && labels.iter().filter(|l| l.1).count() >= after;
        self.vote_scale = if searching {
            self.explore_vote_scale
        } else {
            1.0
        };
        for &(i, anomaly) in labels {
            for (t, &leaf) in self.leaves[i * self.trees..(i + 1) * self.trees]
                .iter()
                .enumerate()
            {
                self.votes[t * MAX_LEAVES + leaf as usize][usize::from(!anomaly)] += 1;
            }
        }
    }

    fn voting(&self) -> bool {
        self.active() && self.vote_weight != 0.0
    }

    /// Whether any leaf holds a labelled row.
    fn any_votes(&self) -> bool {
        self.voting() && self.votes.iter().any(|v| *v != [0; 2])
    }

    /// Leaf `leaf` of tree `t`'s vote, `a·(k·n⁺ − n⁻)/(c + n⁺ + n⁻)` with
    /// `n⁺ = 0` until the anomalies vote, with the label `own` taken out
    /// of its counts (a labelled row's own label, while the weights are
    /// fitted).
    fn vote(&self, t: usize, leaf: u8, own: Option<bool>) -> f64 {
        self.vote_scaled(t, leaf, own, 1.0)
    }

    /// Leaf `leaf` of tree `t`'s vote with every label counted; `search`:
    /// at the search's scale, as the questions' ranking reads it.
    fn leaf_vote(&self, t: usize, leaf: u8, search: bool) -> f64 {
        let scale = if search { self.vote_scale } else { 1.0 };
        self.vote_scaled(t, leaf, None, scale)
    }

    /// [`Self::vote`] times `scale`.
    fn vote_scaled(&self, t: usize, leaf: u8, own: Option<bool>, scale: f64) -> f64 {
        if !self.voting() {
            return 0.0;
        }
        let [mut p, mut n] = self.votes[t * MAX_LEAVES + leaf as usize];
        match own {
            Some(true) => p = p.saturating_sub(1),
            Some(false) => n = n.saturating_sub(1),
            None => {}
        }
        if !self.anomalies_vote {
            p = 0;
        }
        if p + n == 0 {
            return 0.0;
        }
        self.vote_of(scale * self.vote_weight, p, n)
    }

    /// `factor·(k·n⁺ − n⁻)/(c + n⁺ + n⁻)` for a leaf holding `p`
    /// anomalies and `n` normals counted, not both 0 (`k`, `c`:
    /// `anomaly_vote_scale`, `vote_prior`).
    fn vote_of(&self, factor: f64, p: u32, n: u32) -> f64 {
        let (p, n) = (f64::from(p), f64::from(n));
        // A negative pseudo-count counts as none: never a division by 0.
        factor * (self.anomaly_vote_scale * p - n) / (self.vote_prior.max(0.0) + p + n)
    }

    /// Row `i`'s likeness to the labelled anomalies ([`ActiveLayer::lookalike`]).
    fn lookalike(&self, i: usize) -> f64 {
        if !self.voting() {
            return 0.0;
        }
        self.mean_over_leaves(i, |t, leaf| {
            match self.votes[t * MAX_LEAVES + leaf as usize] {
                [0, 0] => 0.0,
                [p, n] => self.vote_of(1.0, p, n),
            }
        })
    }

    /// Row `i`'s mean leaf vote without its own label `anomaly`.
    fn vote_without(&self, i: usize, anomaly: bool) -> f64 {
        if !self.voting() {
            return 0.0;
        }
        self.mean_over_leaves(i, |t, leaf| self.vote(t, leaf, Some(anomaly)))
    }

    /// The mean over the trees of `f(tree, row i's leaf in it)`.
    fn mean_over_leaves(&self, i: usize, f: impl Fn(usize, u8) -> f64) -> f64 {
        let sum: f64 = self
            .of(i)
            .iter()
            .enumerate()
            .map(|(t, &leaf)| f(t, leaf))
            .sum();
        sum / self.trees as f64
    }

    /// How many offsets there are.
    fn params(&self) -> usize {
        self.trees * self.stride
    }

    fn of(&self, i: usize) -> &[u8] {
        &self.leaves[i * self.trees..(i + 1) * self.trees]
    }

    /// The weight of each offset on leaf `leaf` of tree `t`'s path: the
    /// leaf's own (the last) counts 1, those of the nodes above `upper`.
    fn path_weights(&self, t: usize, leaf: u8) -> impl Iterator<Item = (usize, f64)> + '_ {
        let path = &self.paths[t * MAX_LEAVES + leaf as usize];
        let last = path.len().saturating_sub(1);
        path.iter().enumerate().map(move |(k, &n)| {
            let weight = if k == last { 1.0 } else { self.upper };
            (t * self.stride + n as usize, weight)
        })
    }

    /// Leaf `leaf` of tree `t`'s offset: its own, plus those of the nodes
    /// above it when they carry one.
    fn leaf_offset(&self, t: usize, leaf: u8, u: &[f64]) -> f64 {
        self.path_weights(t, leaf).map(|(n, c)| u[n] * c).sum()
    }

    /// Row `i`'s region term: the mean offset of its leaves.
    fn value(&self, i: usize, u: &[f64]) -> f64 {
        self.value_at(i, u, false)
    }

    /// Row `i`'s region term in the questions' ranking: its votes at the
    /// search's scale ([`ActiveConfig::explore_vote_scale`]).
    fn search_value(&self, i: usize, u: &[f64]) -> f64 {
        self.value_at(i, u, true)
    }

    fn value_at(&self, i: usize, u: &[f64], search: bool) -> f64 {
        if !self.active() {
            return 0.0;
        }
        self.mean_over_leaves(i, |t, leaf| {
            self.leaf_offset(t, leaf, u) + self.leaf_vote(t, leaf, search)
        })
    }

    /// Whether the search's votes are on and any leaf votes: the
    /// questions' scores then differ from the scores. (Whether the search
    /// is on for a set of labels is [`ActiveLayer::searching`].)
    fn search_moves_questions(&self) -> bool {
        self.vote_scale != 1.0 && self.any_votes()
    }

    /// Whether any row's region term can be non-zero: an offset or a
    /// leaf vote is. Not before the first label.
    fn any_terms(&self, u: &[f64]) -> bool {
        self.active() && (u.iter().any(|&v| v != 0.0) || self.any_votes())
    }

    /// Adds every row's region term to `scores`, in f32 from a table of
    /// leaf offsets / T (one byte lookup and one add per row and tree);
    /// `search`: with the votes at the search's scale.
    fn add_to(&self, scores: &mut [f32], u: &[f64], search: bool) {
        // No offsets or votes yet (a new layer, before its first label):
        // every term is zero, and the pass over every row's leaves is
        // skipped.
        if !self.any_terms(u) {
            return;
        }
        add_leaf_terms(scores, &self.leaves, &self.table_at(u, search));
    }

    /// Per tree, each leaf's offset / T in f32: what a row in that leaf
    /// adds to its score. One 256-entry array per tree: a byte indexes it
    /// with no bounds check.
    fn table(&self, u: &[f64]) -> Vec<[f32; MAX_LEAVES]> {
        self.table_at(u, false)
    }

    fn table_at(&self, u: &[f64], search: bool) -> Vec<[f32; MAX_LEAVES]> {
        let t = self.trees as f64;
        (0..self.trees)
            .map(|tree| {
                std::array::from_fn(|leaf| {
                    let leaf = leaf as u8;
                    let vote = self.leaf_vote(tree, leaf, search);
                    ((self.leaf_offset(tree, leaf, u) + vote) / t) as f32
                })
            })
            .collect()
    }

    /// The leaves of `rows`, tree by tree, with each tree's distinct
    /// leaves: gathered once per fit, so that every step reads each tree's
    /// leaves in one run rather than a byte from each row's.
    fn gather(&self, rows: &[usize]) -> Gathered {
        let n = rows.len();
        if !self.active() || n == 0 {
            return Gathered {
                n,
                ..Gathered::default()
            };
        }
        let mut leaves = vec![0u8; self.trees * n];
        for (k, &i) in rows.iter().enumerate() {
            let row = &self.leaves[i * self.trees..(i + 1) * self.trees];
            for (t, &leaf) in row.iter().enumerate() {
                leaves[t * n + k] = leaf;
            }
        }
        let mut distinct = Vec::new();
        let mut ends = Vec::with_capacity(self.trees);
        let mut seen = [false; MAX_LEAVES];
        for tree in leaves.chunks_exact(n) {
            let from = distinct.len();
            for &leaf in tree {
                if !std::mem::replace(&mut seen[leaf as usize], true) {
                    distinct.push(leaf);
                }
            }
            distinct[from..]
                .iter()
                .for_each(|&l| seen[l as usize] = false);
            ends.push(distinct.len());
        }
        Gathered {
            n,
            leaves,
            distinct,
            ends,
        }
    }

    /// The region terms of the rows `gathered` ([`Self::gather`]), as
    /// [`Self::value`] gives them, with each distinct leaf's offset summed
    /// once per tree.
    fn values_of(&self, gathered: &Gathered, u: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; gathered.n];
        if !self.active() {
            return out;
        }
        // Four trees at a time: per tree the offsets of the leaves the rows
        // are in (the others are stale and never read), then each row's
        // four added in tree order.
        let mut offset = [[0.0f64; MAX_LEAVES]; 4];
        let trees: Vec<(&[u8], &[u8])> = gathered.trees().collect();
        for (q, quad) in trees.chunks(4).enumerate() {
            for (j, (_, distinct)) in quad.iter().enumerate() {
                for &leaf in *distinct {
                    offset[j][leaf as usize] = self.leaf_offset(4 * q + j, leaf, u);
                }
            }
            let [o0, o1, o2, o3] = &offset;
            match quad {
                [(a, _), (b, _), (c, _), (d, _)] => {
                    let rows = a.iter().zip(*b).zip(*c).zip(*d);
                    for (o, (((&a, &b), &c), &d)) in out.iter_mut().zip(rows) {
                        let mut v = *o;
                        v += o0[a as usize];
                        v += o1[b as usize];
                        v += o2[c as usize];
                        v += o3[d as usize];
                        *o = v;
                    }
                }
                _ => {
                    for ((leaves, _), offset) in quad.iter().zip(&offset) {
                        for (o, &leaf) in out.iter_mut().zip(*leaves) {
                            *o += offset[leaf as usize];
                        }
                    }
                }
            }
        }
        let trees = self.trees as f64;
        out.iter_mut().for_each(|o| *o /= trees);
        out
    }

    /// Adds `Σ_k g_k · ∂value(row_k)/∂u` to `gu`, for the rows
    /// `gathered` ([`Self::gather`]): the gradients meet in their leaves
    /// first (in row order), then go up each distinct leaf's path once (in
    /// the order the rows first meet them), tree after tree.
    fn add_grads(&self, gathered: &Gathered, g: &[f64], gu: &mut [f64]) {
        if !self.active() {
            return;
        }
        let trees = self.trees as f64;
        let g: Vec<f64> = g.iter().map(|g| g / trees).collect();
        // Four trees at a time: rows in a selection share leaves, and one
        // tree's sums alone wait on each other through memory.
        let mut acc = [[0.0f64; MAX_LEAVES]; 4];
        let all: Vec<(&[u8], &[u8])> = gathered.trees().collect();
        for (q, quad) in all.chunks(4).enumerate() {
            match quad {
                [(a, _), (b, _), (c, _), (d, _)] => {
                    let [s0, s1, s2, s3] = &mut acc;
                    let rows = a.iter().zip(*b).zip(*c).zip(*d);
                    for ((((&a, &b), &c), &d), &g) in rows.zip(&g) {
                        s0[a as usize] += g;
                        s1[b as usize] += g;
                        s2[c as usize] += g;
                        s3[d as usize] += g;
                    }
                }
                _ => {
                    for ((leaves, _), acc) in quad.iter().zip(&mut acc) {
                        for (&leaf, &g) in leaves.iter().zip(&g) {
                            acc[leaf as usize] += g;
                        }
                    }
                }
            }
            for (j, ((_, distinct), acc)) in quad.iter().zip(&mut acc).enumerate() {
                for &leaf in *distinct {
                    let share = std::mem::take(&mut acc[leaf as usize]);
                    for (n, c) in self.path_weights(4 * q + j, leaf) {
                        gu[n] += share * c;
                    }
                }
            }
        }
    }
}

/// The region offsets a fit's steps visit ([`ActiveLayer::live_offsets`]):
/// these indices, or every offset.
struct Live(Option<Vec<usize>>);

impl Live {
    /// Calls `f` on each live index below `n`, in increasing order.
    fn each(&self, n: usize, mut f: impl FnMut(usize)) {
        match &self.0 {
            Some(live) => live.iter().filter(|&&i| i < n).for_each(|&i| f(i)),
            None => (0..n).for_each(f),
        }
    }
}

/// The leaves of a fit's labelled rows ([`Regions::gather`]).
#[derive(Debug, Default)]
struct Gathered {
    /// How many rows.
    n: usize,
    /// Tree-major `trees × n`.
    leaves: Vec<u8>,
    /// Each tree's distinct leaves, in the order its rows first meet them,
    /// one run after another; tree `t`'s run ends at `ends[t]`.
    distinct: Vec<u8>,
    ends: Vec<usize>,
}

impl Gathered {
    /// Per tree: the rows' leaves and the distinct ones among them.
    fn trees(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        self.leaves
            .chunks_exact(self.n.max(1))
            .zip(starts.zip(&self.ends))
            .map(|(leaves, (from, &to))| (leaves, &self.distinct[from..to]))
    }
}

/// Adds to each row's score its leaves' terms from `table` (one 256-entry
/// array per tree; `leaves` row-major `rows × trees`).
fn add_leaf_terms(scores: &mut [f32], leaves: &[u8], table: &[[f32; MAX_LEAVES]]) {
    let trees = table.len();
    if trees == 0 {
        return;
    }
    // Four sums side by side: one running sum waits on each add before
    // the next (about 4 cycles), four keep the processor busy. On a
    // million rows of 100 trees this is most of a label's repaint.
    let (tables, rest) = table.as_chunks::<4>();
    for (s, leaves) in scores.iter_mut().zip(leaves.chunks_exact(trees)) {
        let (quads, tail) = leaves.as_chunks::<4>();
        let mut acc = [0.0f32; 4];
        for (t, l) in tables.iter().zip(quads) {
            for k in 0..4 {
                acc[k] += t[k][l[k] as usize];
            }
        }
        let mut last = 0.0f32;
        for (offsets, &leaf) in rest.iter().zip(tail) {
            last += offsets[leaf as usize];
        }
        *s += (acc[0] + acc[1]) + (acc[2] + acc[3]) + last;
    }
}

/// Fixed-point unit of the neighbour sums: a kernel value `k ∈ [0, 1]` is
/// kept as `round(k·2³²)`, so sums are exact, whatever the order of the
/// labels, and a removed label is subtracted exactly.
const ONE: i64 = 1 << 32;

/// How many kernel rows [`Neighbours::count_block`] counts in one pass.
const BLOCK: usize = 8;

/// The neighbour kernel `exp(scale·‖a − b‖²)` in units of [`ONE`]: one
/// function for the full sums and the prefix sums, so both agree to the bit.
fn kernel(scale: f32, a: &[f32], b: &[f32]) -> i64 {
    let d2: f32 = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum();
    kernel_of(scale, d2)
}

/// The kernel from the squared distance `d2`: `exp_neg(scale·d2)` in
/// units of [`ONE`], rounded to the nearest (ties to even) by adding and
/// taking away 1.5·2⁵², exact below 2⁵¹: plain arithmetic, with no
/// library call and no branch, so a loop over rows vectorises.
fn kernel_of(scale: f32, d2: f32) -> i64 {
    // The sum's low bits hold the integer (v < 2⁵¹): read from the bits,
    // with no float-to-integer conversion to check.
    const ROUND: f64 = 6_755_399_441_055_744.0;
    let v = f64::from(exp_neg(d2 * scale)) * ONE as f64;
    (v + ROUND).to_bits().wrapping_sub(ROUND.to_bits()) as i64
}

/// `e^x` for `x ≤ 0`, to about one unit in the last place of an f32, in
/// plain f32 arithmetic in a fixed order (no fused operations), so every
/// target gives the same bits; 0 below −24, where `e^x·2³²` rounds to 0
/// anyway. `x = n·ln 2 + r` with `n` the nearest integer (1.5·2²³ added
/// and taken away) and `ln 2` in two parts (Cody and Waite), `e^r` by its
/// Taylor polynomial of degree 7 on `|r| ≤ ln 2 / 2`, then `2ⁿ` put in the
/// exponent's bits.
#[inline(always)]
fn exp_neg(x: f32) -> f32 {
    const LOG2_E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    const ROUND: f32 = 12_582_912.0;
    let x = x.max(-24.0);
    let t = x * LOG2_E + ROUND;
    let n = t - ROUND;
    let r = (x - n * LN2_HI) - n * LN2_LO;
    let mut p = 1.0 / 5040.0;
    for c in [
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ] {
        p = p * r + c;
    }
    // `t`'s low bits hold n ∈ [−35, 0] (added to those of 1.5·2²³), so
    // 2ⁿ, a normal f32, is its exponent's bits.
    let n = t.to_bits().wrapping_sub(ROUND.to_bits());
    let two_n = f32::from_bits(n.wrapping_add(127) << 23);
    if x > -24.0 {
        p * two_n
    } else {
        0.0
    }
}

/// `a·(p − n)/(1 + p + n)` from the kernel sums over the labelled
/// anomalies (`pos`) and normals (`neg`), in units of [`ONE`].
fn neighbour_term(weight: f64, pos: i64, neg: i64) -> f64 {
    // × 2⁻³² is exact, and cheaper than a division per row.
    const UNIT: f64 = 1.0 / ONE as f64;
    let (p, n) = (pos as f64 * UNIT, neg as f64 * UNIT);
    weight * (p - n) / (1.0 + p + n)
}

/// The neighbour term's state: per row, the kernel sums over the labelled
/// anomalies and normals, kept up to date one label at a time.
#[derive(Debug, Clone)]
struct Neighbours {
    /// The standardised features (`rows × d`): the layer's shared table.
    space: Features,
    d: usize,
    weight: f64,
    /// `−1 / (2·D·h²)`.
    scale: f32,
    /// Σ k over labelled anomalies, and over labelled normals, in units of
    /// [`ONE`].
    pos: Vec<i64>,
    neg: Vec<i64>,
    /// The label each row is counted with in `pos`/`neg`.
    counted: Vec<Option<bool>>,
    /// Some row is counted: else every sum, and every term, is zero.
    any: bool,
}

impl Neighbours {
    fn new(features: Features, d: usize, config: &ActiveConfig) -> Self {
        let rows = features.len().checked_div(d).unwrap_or(0);
        let h = config.neighbour_width.max(1e-6);
        Self {
            space: features,
            d,
            weight: config.neighbour_weight,
            scale: (-1.0 / (2.0 * d as f64 * h * h)) as f32,
            pos: vec![0; rows],
            neg: vec![0; rows],
            counted: vec![None; rows],
            any: false,
        }
    }

    fn off(rows: usize) -> Self {
        Self {
            space: Features::default(),
            d: 0,
            weight: 0.0,
            scale: 0.0,
            pos: Vec::new(),
            neg: Vec::new(),
            counted: vec![None; rows],
            any: false,
        }
    }

    fn active(&self) -> bool {
        self.d > 0 && self.weight != 0.0
    }

    /// Row `i`'s standardised features.
    fn row(&self, i: usize) -> &[f32] {
        &self.space[i * self.d..(i + 1) * self.d]
    }

    /// `k(a, b)` in units of [`ONE`]; symmetric, and `ONE` when `a = b`.
    fn kernel(&self, a: &[f32], b: &[f32]) -> i64 {
        kernel(self.scale, a, b)
    }

    /// Brings the sums to exactly the labels given whose `counted` entry
    /// is true ([`kernel_counted`]): each removed or changed label is
    /// subtracted, each new one added (one `O(N·D)` pass each).
    fn sync(&mut self, labels: &[(usize, bool)], counted: &[bool]) {
        if !self.active() {
            return;
        }
        let mut wanted = vec![None; self.counted.len()];
        for (&(i, y), _) in labels.iter().zip(counted).filter(|(_, &c)| c) {
            wanted[i] = Some(y);
        }
        let mut changes = Vec::new();
        for (j, want) in wanted.into_iter().enumerate() {
            let have = self.counted[j];
            if have != want {
                if let Some(y) = have {
                    changes.push((j, y, -1));
                }
                if let Some(y) = want {
                    changes.push((j, y, 1));
                }
                self.counted[j] = want;
            }
        }
        // Kernel rows `BLOCK` at a time in one pass over the rows, the rest
        // one by one; the sums are integers, so the order they are added in
        // is free.
        let (blocks, rest) = changes.as_chunks::<BLOCK>();
        for block in blocks {
            self.count_block(block);
        }
        for &(j, y, sign) in rest {
            self.count(j, y, sign);
        }
        self.any = !labels.is_empty();
    }

    /// [`count`](Self::count) for [`BLOCK`] kernel rows `(j, anomaly,
    /// sign)` in one pass over the rows: each row's squared distances to
    /// them side by side, each summed in the same order as `kernel` sums it
    /// (so the same bits). A reload taking back a saved fit counts every
    /// label this way: 1.35× faster than one pass per label (10k rows, 21
    /// features, natively).
    fn count_block(&mut self, block: &[(usize, bool, i64); BLOCK]) {
        let d = self.d;
        // The block's rows' features, feature-major: `ys[c][l]`.
        let ys: Vec<[f32; BLOCK]> = (0..d)
            .map(|c| std::array::from_fn(|l| self.row(block[l].0)[c]))
            .collect();
        // What each kernel adds to the anomalies' and the normals' sums.
        let to_pos: [i64; BLOCK] = std::array::from_fn(|l| if block[l].1 { block[l].2 } else { 0 });
        let to_neg: [i64; BLOCK] = std::array::from_fn(|l| if block[l].1 { 0 } else { block[l].2 });
        let scale = self.scale;
        let rows = self
            .space
            .chunks_exact(d)
            .zip(self.pos.iter_mut().zip(&mut self.neg));
        for (x, (pos, neg)) in rows {
            let mut d2 = [-0.0f32; BLOCK];
            for (&x, y) in x.iter().zip(&ys) {
                for (acc, &y) in d2.iter_mut().zip(y) {
                    let t = x - y;
                    *acc += t * t;
                }
            }
            let k = d2.map(|d2| kernel_of(scale, d2));
            let (mut p, mut n) = (0, 0);
            for ((&k, &a), &b) in k.iter().zip(&to_pos).zip(&to_neg) {
                p += a * k;
                n += b * k;
            }
            *pos += p;
            *neg += n;
        }
    }

    /// Adds (`sign` 1) or subtracts (−1) row `j`'s kernel row to the sums.
    fn count(&mut self, j: usize, anomaly: bool, sign: i64) {
        let (data, d) = (&self.space[..], self.d);
        let xj = &data[j * d..(j + 1) * d];
        let sums = if anomaly {
            &mut self.pos
        } else {
            &mut self.neg
        };
        // Four rows at a time, each row's squares summed in the same order
        // as `kernel` sums them (so the same bits): four independent sums
        // keep the processor busy where one waits on each add.
        let (blocks, rest) = sums.as_chunks_mut::<4>();
        for (ks, rows) in blocks.iter_mut().zip(data.chunks_exact(4 * d)) {
            let row = |r: usize| &rows[r * d..][..d];
            let (r0, r1, r2, r3) = (row(0), row(1), row(2), row(3));
            let mut d2 = [-0.0f32; 4];
            for c in 0..d {
                let y = xj[c];
                for (acc, x) in d2.iter_mut().zip([r0[c], r1[c], r2[c], r3[c]]) {
                    let t = x - y;
                    *acc += t * t;
                }
            }
            for (k, d2) in ks.iter_mut().zip(d2) {
                *k += sign * kernel_of(self.scale, d2);
            }
        }
        let done = blocks.len() * 4;
        for (k, row) in rest.iter_mut().zip(data[done * d..].chunks_exact(d)) {
            *k += sign * kernel(self.scale, row, xj);
        }
    }

    fn value(&self, pos: i64, neg: i64) -> f64 {
        neighbour_term(self.weight, pos, neg)
    }

    /// `ν(i)` as it enters the scores.
    fn term(&self, i: usize) -> f64 {
        if !self.active() {
            return 0.0;
        }
        self.value(self.pos[i], self.neg[i])
    }

    /// `ν(i)` without row `i`'s own label (`k(i, i) = 1`), for fitting.
    fn term_without_own_label(&self, i: usize) -> f64 {
        if !self.active() {
            return 0.0;
        }
        let (p, n) = self.sums_without_own_label(i);
        self.value(p, n)
    }

    /// Row `i`'s sums over the labelled anomalies and normals, without its
    /// own label (`k(i, i) = 1`).
    fn sums_without_own_label(&self, i: usize) -> (i64, i64) {
        let (mut p, mut n) = (self.pos[i], self.neg[i]);
        match self.counted[i] {
            Some(true) => p -= ONE,
            Some(false) => n -= ONE,
            None => {}
        }
        (p, n)
    }
}

/// Kernel rows a bulk label adds to the neighbour sums, in row pairs: a
/// batch of `B` labels on `N` rows puts `clamp(BULK_KERNEL_PAIRS / N, 1,
/// BULK_KERNEL_ROWS)` of its rows into the sums (all of them when it has
/// no more), so a bulk label costs about what one label does, whatever
/// its size.
pub const BULK_KERNEL_PAIRS: usize = 1 << 20;

/// The most rows of one batch in the neighbour sums: near the rows of a
/// selection, 32 of them already bring the term close to its bound.
pub const BULK_KERNEL_ROWS: usize = 32;

/// Which of the labels count in the neighbour sums, from where their fits
/// fall (`joined[k]`: label `k` joins the next one's fit, a bulk label):
/// every label given alone, and of each batch of `B` labels at most
/// `r = clamp(BULK_KERNEL_PAIRS / rows, 1, BULK_KERNEL_ROWS)`, evenly
/// spaced through it (the `⌊i·B/r⌋`-th for `i < r`). Each counted label is
/// one pass over the rows, so without this a batch of `B` cost `B` passes
/// (seconds on large data). The rest of a batch still enters the fit and
/// moves the weights and the regions around its rows; close to them, the
/// few counted rows' kernels already bring the term close to its bound. A
/// function of `joined` and the number of rows, so the scores stay a
/// function of the labels.
fn kernel_counted(joined: &[bool], rows: usize) -> Vec<bool> {
    let r = (BULK_KERNEL_PAIRS / rows.max(1)).clamp(1, BULK_KERNEL_ROWS);
    counted_of_batches(joined, r)
}

/// [`kernel_counted`] with `r` rows of a batch counted.
fn counted_of_batches(joined: &[bool], r: usize) -> Vec<bool> {
    let r = r.max(1);
    let mut counted = vec![false; joined.len()];
    let mut start = 0;
    while start < joined.len() {
        let len = joined[start..].iter().take_while(|&&j| j).count() + 1;
        let len = len.min(joined.len() - start);
        if len <= r {
            counted[start..start + len].fill(true);
        } else {
            for i in 0..r {
                counted[start + i * len / r] = true;
            }
        }
        start += len;
    }
    counted
}

/// The neighbour sums at the labelled rows only, over a prefix of the
/// labels, each without the row's own label: what fitting after `k` labels
/// needs, in `O(k·D)` per label instead of a pass over every row. Equal,
/// to the bit, to [`Neighbours::term_without_own_label`] once the full sums
/// hold the same labels.
#[derive(Debug, Default)]
struct PrefixSums {
    /// Each label, and whether its kernel row is counted.
    labels: Vec<(usize, bool, bool)>,
    /// The places of the counted ones.
    counted: Vec<usize>,
    pos: Vec<i64>,
    neg: Vec<i64>,
}

impl PrefixSums {
    /// Adds label `(j, anomaly)`: its sums over the counted labels before
    /// it and, when it is `counted` itself, its kernel to theirs.
    fn push(&mut self, (j, anomaly): (usize, bool), counted: bool, nb: &Neighbours) {
        let (mut p, mut n) = (0, 0);
        if nb.active() {
            let xj = nb.row(j);
            let kernel = |i: usize| nb.kernel(nb.row(i), xj);
            if counted {
                // Every earlier label reads this one's kernel.
                for (q, &(i, y, theirs)) in self.labels.iter().enumerate() {
                    let k = kernel(i);
                    if anomaly {
                        self.pos[q] += k;
                    } else {
                        self.neg[q] += k;
                    }
                    if theirs {
                        if y {
                            p += k;
                        } else {
                            n += k;
                        }
                    }
                }
            } else {
                // This one reads the counted ones' kernels only.
                for &q in &self.counted {
                    let (i, y, _) = self.labels[q];
                    if y {
                        p += kernel(i);
                    } else {
                        n += kernel(i);
                    }
                }
            }
        }
        if counted {
            self.counted.push(self.labels.len());
        }
        self.labels.push((j, anomaly, counted));
        self.pos.push(p);
        self.neg.push(n);
    }

    fn terms(&self, nb: &Neighbours) -> Vec<f64> {
        if !nb.active() {
            return vec![0.0; self.labels.len()];
        }
        self.pos
            .iter()
            .zip(&self.neg)
            .map(|(&p, &n)| nb.value(p, n))
            .collect()
    }
}

fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + libm::exp(-x))
    } else {
        let e = libm::exp(x);
        e / (1.0 + e)
    }
}

/// `Σ a_j·b_j` in four running sums (see `Regions::add_to`), a fixed order
/// in f32 or f64: the re-score of every row after each label is this, once
/// a row, and so is each output of the detector's host forward pass.
pub(crate) fn dot4<T>(a: &[T], b: &[T]) -> T
where
    T: Copy + Default + std::ops::Add<Output = T> + std::ops::Mul<Output = T>,
{
    let (qa, ta) = a.as_chunks::<4>();
    let (qb, tb) = b.as_chunks::<4>();
    let mut acc = [T::default(); 4];
    for (x, y) in qa.iter().zip(qb) {
        for k in 0..4 {
            acc[k] = acc[k] + x[k] * y[k];
        }
    }
    let mut last = T::default();
    for (x, y) in ta.iter().zip(tb) {
        last = last + *x * *y;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + last
}

/// [`dot4`] of `a` then `b` (as one row) with `w`, to the bit, without
/// the row in one piece: the layer keeps its evidence inputs and the
/// features it reads apart. The four lanes take the columns in the order
/// `dot4` does, the chunk across the seam included.
pub(crate) fn dot4_pair(a: &[f32], b: &[f32], w: &[f32]) -> f32 {
    let mut acc = [0f32; 4];
    let (qa, ta) = a.as_chunks::<4>();
    for (x, y) in qa.iter().zip(w.as_chunks::<4>().0) {
        for k in 0..4 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut w = &w[4 * qa.len()..];
    let mut last = 0f32;
    let need = (4 - ta.len()) % 4;
    let b = if ta.is_empty() {
        b
    } else if b.len() >= need {
        // The chunk across the seam: the end of `a`, the start of `b`.
        for (k, &x) in ta.iter().chain(&b[..need]).enumerate() {
            acc[k] += x * w[k];
        }
        w = &w[4..];
        &b[need..]
    } else {
        // Fewer than four columns left in all: the tail.
        for (&x, &y) in ta.iter().chain(b).zip(w) {
            last += x * y;
        }
        &[]
    };
    let (qb, tb) = b.as_chunks::<4>();
    let (wq, wt) = w.split_at((4 * qb.len()).min(w.len()));
    for (x, y) in qb.iter().zip(wq.as_chunks::<4>().0) {
        for k in 0..4 {
            acc[k] += x[k] * y[k];
        }
    }
    for (&x, &y) in tb.iter().zip(wt) {
        last += x * y;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + last
}

/// The table as the layer was built on `rows` rows of `d`: longer tables
/// are cut to that (a copy; the session's table fits and is shared).
fn fit_rows(features: Features, rows: usize, d: usize) -> Features {
    match rows.checked_mul(d) {
        Some(n) if features.len() > n => Features::new(features[..n].to_vec()),
        _ => features,
    }
}

/// The tail of the row ranked `k` (from 0, ascending) among `n`:
/// `−ln(share of rows at least as large)`. The one formula the exact
/// tails and every sketch's knots use, so a knot holds the very f32 the
/// layer gave its rows.
fn rank_tail(n: usize, k: usize) -> f32 {
    (-libm::log((n - k) as f64 / n as f64)) as f32
}

/// Replaces `columns` of the row-major `values` by the upper tail of each
/// value, `−ln(share of rows with a value at least as large)`: 0 for a
/// column's smallest value, `ln N` for its largest; equal values share one.
/// With `knots > 0` each column's tails come from its [`TailSketch`] of at
/// most that many knots instead. With `knots == 0`, a column of more than
/// `cap` distinct values reads the sketch of all of them thinned to `cap`
/// knots ([`TailSketch::thinned`]), so that a model holds every column's
/// tails as the layer read them ([`tail_cap`]). With `keep`, each column's
/// sketch is pushed to it: with `knots == 0` one knot per distinct value,
/// which gives every row its exact tail back, or the thinned one.
fn tail_transform(
    values: &mut [f32],
    width: usize,
    columns: std::ops::Range<usize>,
    knots: usize,
    cap: usize,
    mut keep: Option<&mut Vec<TailSketch>>,
) {
    /// Columns read and written in one pass over the table: on a large
    /// table each pass costs as much as a column's sort.
    const BLOCK: usize = 4;
    let n = values.len() / width.max(1);
    if n == 0 || columns.is_empty() {
        return;
    }
    // The tail of the k-th smallest, the same in every column: one
    // logarithm a row, not one a row and column.
    let shares: Vec<f32> = (0..n).map(|k| rank_tail(n, k)).collect();
    let mut scratch = Vec::new();
    let (start, end) = (columns.start, columns.end.min(width));
    for block in (start..end).step_by(BLOCK) {
        let block = block..(block + BLOCK).min(end);
        // Each column beside its rows, in one contiguous block: the
        // value's order key (high half) and its row (low half).
        let mut keys: Vec<Vec<u64>> = block.clone().map(|_| Vec::with_capacity(n)).collect();
        for (r, row) in values.chunks_exact(width).enumerate() {
            for (k, j) in keys.iter_mut().zip(block.clone()) {
                k.push((u64::from(order_key(row[j])) << 32) | r as u64);
            }
        }
        // Each row's tail in row order (a column's keys become its tails):
        // rows with equal values share the tail of the first of them, so
        // the order among equals does not matter.
        let tails: Vec<Vec<f32>> = keys
            .into_iter()
            .map(|mut column| {
                radix_sort_high(&mut column, &mut scratch);
                let mut tails = vec![0f32; n];
                let value = |c: u64| from_order_key((c >> 32) as u32);
                let distinct = || {
                    1 + column
                        .windows(2)
                        .filter(|p| value(p[0]) != value(p[1]))
                        .count()
                };
                let thin = knots == 0 && cap < n && distinct() > cap;
                // The tails from a sketch, not from the ranks.
                let sketched = knots > 0 || thin;
                if sketched || keep.is_some() {
                    let sorted: Vec<f32> = column.iter().map(|&c| value(c)).collect();
                    let mut sketch =
                        TailSketch::of_sorted(&sorted, if knots > 0 { knots } else { n });
                    if thin {
                        sketch = sketch.thinned(cap);
                    }
                    if sketched {
                        for &c in &column {
                            tails[(c & u64::from(u32::MAX)) as usize] = sketch.tail(value(c));
                        }
                    }
                    if let Some(kept) = keep.as_mut() {
                        kept.push(sketch);
                    }
                    if sketched {
                        return tails;
                    }
                }
                let mut k = 0;
                while k < n {
                    let v = value(column[k]);
                    let end = k + column[k..]
                        .iter()
                        .take_while(|&&c| value(c) == v)
                        .count()
                        .max(1);
                    for &c in &column[k..end] {
                        tails[(c & u64::from(u32::MAX)) as usize] = shares[k];
                    }
                    k = end;
                }
                tails
            })
            .collect();
        for (r, row) in values.chunks_exact_mut(width).enumerate() {
            for (t, j) in tails.iter().zip(block.clone()) {
                row[j] = t[r];
            }
        }
    }
}

/// A column's upper tail, `−ln(share of rows at least as large)`, kept at
/// a few knots: the values at evenly spaced tail levels (`ln N · i/(K−1)`,
/// so the sparse upper end keeps as many knots as the bulk), each with its
/// exact tail, distinct and ascending; between two knots the tail is
/// linear, below the first it is 0 and above the last it is the last's.
/// Equal values share a knot, so a discrete column is exact. A function of
/// the knots alone: any row, seen or not, gets its tail from them.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TailSketch {
    #[serde(with = "crate::base64::f32s")]
    pub values: Vec<f32>,
    #[serde(with = "crate::base64::f32s")]
    pub tails: Vec<f32>,
}

impl TailSketch {
    /// The sketch of a column sorted ascending, with at most `knots` knots
    /// (at least 2).
    pub fn of_sorted(sorted: &[f32], knots: usize) -> Self {
        let n = sorted.len();
        let mut out = Self {
            values: Vec::new(),
            tails: Vec::new(),
        };
        if n == 0 {
            return out;
        }
        let k = knots.max(2);
        let exact = |out: &mut Self, first: usize| {
            out.values.push(sorted[first]);
            out.tails.push(rank_tail(n, first));
        };
        // Few distinct values (a one-hot or a count column): each is a knot.
        let mut starts = vec![0];
        for r in 1..n {
            if sorted[r] != sorted[r - 1] {
                if starts.len() == k {
                    starts.clear();
                    break;
                }
                starts.push(r);
            }
        }
        if !starts.is_empty() {
            for first in starts {
                exact(&mut out, first);
            }
            return out;
        }
        let top = libm::log(n as f64);
        let mut last_rank = None;
        for i in 0..k {
            let level = top * i as f64 / (k - 1) as f64;
            // The rank whose share of rows at least as large is e^−level.
            let share = libm::exp(-level);
            let rank = (n as f64 - (share * n as f64).round()).clamp(0.0, (n - 1) as f64) as usize;
            if last_rank == Some(rank) {
                continue;
            }
            last_rank = Some(rank);
            let v = sorted[rank];
            if out.values.last() == Some(&v) {
                continue;
            }
            // The first row holding this value: its exact tail.
            exact(&mut out, sorted[..rank].partition_point(|&x| x < v));
        }
        out
    }

    /// At most `k` (at least 2) of these knots, at evenly spaced tail
    /// levels up to the last, as [`of_sorted`](Self::of_sorted) picks them
    /// from a column: a smaller sketch of the same column.
    pub fn thinned(&self, k: usize) -> Self {
        let n = self.values.len();
        if n <= k.max(2) {
            return self.clone();
        }
        let k = k.max(2);
        let top = f64::from(self.tails[n - 1]);
        let mut picked: Vec<usize> = (0..k)
            .map(|i| {
                let level = (top * i as f64 / (k - 1) as f64) as f32;
                self.tails.partition_point(|&t| t < level).min(n - 1)
            })
            .collect();
        picked.push(n - 1);
        picked.dedup();
        Self {
            values: picked.iter().map(|&i| self.values[i]).collect(),
            tails: picked.iter().map(|&i| self.tails[i]).collect(),
        }
    }

    /// The tail of `v`.
    pub fn tail(&self, v: f32) -> f32 {
        let i = self.values.partition_point(|&x| x < v);
        if i == 0 {
            return self.tails.first().copied().unwrap_or(0.0);
        }
        if i == self.values.len() {
            return self.tails.last().copied().unwrap_or(0.0);
        }
        let (a, b) = (self.values[i - 1], self.values[i]);
        let (ta, tb) = (self.tails[i - 1], self.tails[i]);
        let f = (f64::from(v) - f64::from(a)) / (f64::from(b) - f64::from(a));
        if !f.is_finite() {
            return tb;
        }
        (f64::from(ta) + f * (f64::from(tb) - f64::from(ta))) as f32
    }
}

/// The second ranking's prior score of every row, its bias included, from
/// a layer's prior scores before the bias (its `scores` then): the same
/// prior with the isolation score at `second_share` of the spread, less
/// its own `init_quantile` quantile. Empty when the setting is 0 or the
/// inputs have no isolation column.
fn second_prior(layer: &ActiveLayer, shape: &InputShape, spread: f64) -> Vec<f32> {
    let share = layer.config.second_share;
    if share.is_nan() || share <= 0.0 || shape.isolation != 1 || layer.scores.is_empty() {
        return Vec::new();
    }
    let config = ActiveConfig {
        forest_share: share,
        ..layer.config.clone()
    };
    let e = layer.evidence_dim;
    let shift = (prior_weights(shape, spread, &config)[e - 1] - layer.w0[e - 1]) as f32;
    let mut prior: Vec<f32> = layer
        .scores
        .iter()
        .zip(layer.inputs.chunks_exact(e))
        .map(|(&s, row)| s + shift * row[e - 1])
        .collect();
    let b = -quantile(&prior, layer.config.init_quantile) as f32;
    prior.iter_mut().for_each(|p| *p += b);
    prior
}

/// The prior's weights over the input columns: the evidence columns but
/// the isolation score share one weight (`1/√count`), the isolation score
/// carries `forest_share` of their score's `spread`, the rest start at 0.
fn prior_weights(shape: &InputShape, spread: f64, config: &ActiveConfig) -> Vec<f64> {
    let (e, isolation) = (shape.evidence(), shape.isolation);
    let mut w = vec![0.0; shape.width()];
    let others = e - isolation;
    for w in &mut w[..others] {
        *w = 1.0 / (others as f64).sqrt();
    }
    if isolation == 1 {
        // The isolation score carries `forest_share` of the prior
        // score's spread: its weight against the others' spread.
        let share = config.forest_share.clamp(0.0, 0.95);
        w[e - 1] = if others == 0 {
            1.0
        } else {
            spread * share / (1.0 - share)
        };
    }
    w
}

/// Every row's prior score before the bias: what
/// [`ActiveLayer::rescore_without_bias`] gives before the first label,
/// from the evidence inputs and the feature inputs (`rows × fd`, empty
/// when there are none).
fn prior_scores(inputs: &[f32], features: &[f32], rows: usize, w: &[f64]) -> Vec<f32> {
    if w.is_empty() || rows == 0 {
        return vec![0.0; rows];
    }
    let w: Vec<f32> = w.iter().map(|&w| w as f32).collect();
    let (e, fd) = (inputs.len() / rows, features.len() / rows);
    row_dots(inputs, e, features, fd, &w).collect()
}

/// Each row's inputs (its `e` evidence inputs, then its `fd` feature
/// inputs, none when `fd` is 0) dotted with `w`: `dot4` of the joined row,
/// to the bit. The one pass the prior and every re-score make.
fn row_dots<'a>(
    inputs: &'a [f32],
    e: usize,
    features: &'a [f32],
    fd: usize,
    w: &'a [f32],
) -> impl Iterator<Item = f32> + 'a {
    let mut x = features.chunks_exact(fd.max(1));
    inputs.chunks_exact(e.max(1)).map(move |f| {
        let x = if fd > 0 { x.next().unwrap_or(&[]) } else { &[] };
        dot4_pair(f, x, w)
    })
}

/// The standard deviation over rows of `Σ_j w_j·x_j` on the first columns
/// of `inputs` (`rows × width`).
fn spread_of(inputs: &[f32], width: usize, w: &[f64]) -> f64 {
    if width == 0 || inputs.is_empty() {
        return 0.0;
    }
    let s: Vec<f64> = inputs
        .chunks_exact(width)
        .map(|f| f.iter().zip(w).map(|(&x, &w)| x as f64 * w).sum())
        .collect();
    let n = s.len() as f64;
    let mean = s.iter().sum::<f64>() / n;
    (s.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt()
}

/// The `p`-quantile (nearest rank) of finite values; 0 when there are none.
pub fn quantile(values: &[f32], p: f64) -> f64 {
    let mut v: Vec<f32> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return 0.0;
    }
    let k = ((p.clamp(0.0, 1.0) * (v.len() - 1) as f64).round() as usize).min(v.len() - 1);
    let (_, x, _) = v.select_nth_unstable_by(k, f32::total_cmp);
    *x as f64
}

/// Adam over the layer's weights and bias (β = 0.9, 0.999).
#[derive(Debug, Clone)]
struct Adam {
    m: Vec<f64>,
    v: Vec<f64>,
    mb: f64,
    vb: f64,
    t: i32,
}

impl Adam {
    fn new(width: usize) -> Self {
        Self {
            m: vec![0.0; width],
            v: vec![0.0; width],
            mb: 0.0,
            vb: 0.0,
            t: 0,
        }
    }

    /// One step: the first `split` weights and the bias at rate `lr.0`,
    /// of the rest those at `split + live[k]` at rate `lr.1` (the others
    /// have no gradient and no moments, and stay).
    fn step(
        &mut self,
        w: &mut [f64],
        b: &mut f64,
        gw: &[f64],
        gb: f64,
        (split, live): (usize, &Live),
        lr: (f64, f64),
    ) {
        const B1: f64 = 0.9;
        const B2: f64 = 0.999;
        const EPS: f64 = 1e-8;
        self.t += 1;
        let c1 = 1.0 - B1.powi(self.t);
        let c2 = 1.0 - B2.powi(self.t);
        let upd = |p: &mut f64, g: f64, m: &mut f64, v: &mut f64, lr: f64| {
            *m = B1 * *m + (1.0 - B1) * g;
            *v = B2 * *v + (1.0 - B2) * g * g;
            *p -= lr * (*m / c1) / ((*v / c2).sqrt() + EPS);
        };
        for i in 0..split.min(w.len()) {
            upd(&mut w[i], gw[i], &mut self.m[i], &mut self.v[i], lr.0);
        }
        let (m, v) = (&mut self.m, &mut self.v);
        live.each(w.len().saturating_sub(split), |k| {
            let i = split + k;
            // A region offset no label has reached yet (no gradient, no
            // moments) would move by exactly 0: skipping it changes no bit,
            // and most of the tens of thousands of offsets are such.
            if gw[i] != 0.0 || m[i] != 0.0 || v[i] != 0.0 {
                upd(&mut w[i], gw[i], &mut m[i], &mut v[i], lr.1);
            }
        });
        upd(b, gb, &mut self.mb, &mut self.vb, lr.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::ranking;

    /// Evidence where row 0 is most anomalous, then 1, …
    fn toy(rows: usize) -> (Vec<f32>, Vec<f32>) {
        let ev: Vec<f32> = (0..rows)
            .flat_map(|i| [(rows - i) as f32, (rows - i) as f32 * 0.5])
            .collect();
        let feats: Vec<f32> = (0..rows)
            .map(|i| if i % 10 == 7 { 3.0 } else { -0.1 })
            .collect();
        (ev, feats)
    }

    /// The paper's layer: detector evidence only, no neighbour term.
    fn plain() -> ActiveConfig {
        ActiveConfig {
            marginal_evidence: false,
            forest_evidence: false,
            neighbour_weight: 0.0,
            ..ActiveConfig::default()
        }
    }

    /// 400 rows of 3 standardised-like features, 12 of them far out, with
    /// `z²` as the detector's evidence.
    fn spread_rows() -> (Vec<f32>, Vec<f32>) {
        let mut rng = crate::rng::Rng::new(7);
        let feats: Vec<f32> = (0..400 * 3)
            .map(|k| {
                let far = if k / 3 < 12 { 4.0 } else { 0.0 };
                (rng.normal() + far) as f32
            })
            .collect();
        let ev = feats.iter().map(|z| z * z).collect();
        (ev, feats)
    }

    /// The second ranking is the layer's score with the learnt `w·f + b`
    /// swapped for its own prior: before any label it ranks by that prior
    /// (its top 3% above 0), and with the layer's own share and no
    /// learnt weights it is the layer's score after labels too.
    #[test]
    fn the_second_ranking_swaps_the_learnt_part_for_its_prior() {
        let (ev, feats) = spread_rows();
        let layer = ActiveLayer::new(&ev, 3, &feats, 3, ActiveConfig::default());
        let second = layer.second_scores().expect("on by default").to_vec();
        let above = second.iter().filter(|&&t| t > 0.0).count();
        assert!((10..=14).contains(&above), "{above}");
        // Its prior weighs the isolation score more than the layer's.
        let iso = |i: usize| layer.evidence_row(i)[layer.evidence_dim - 1];
        let corr = |s: &[f32]| {
            let n = s.len() as f64;
            let (ms, mi) = (
                s.iter().map(|&v| f64::from(v)).sum::<f64>() / n,
                (0..s.len()).map(|i| f64::from(iso(i))).sum::<f64>() / n,
            );
            let cov: f64 = (0..s.len())
                .map(|i| (f64::from(s[i]) - ms) * (f64::from(iso(i)) - mi))
                .sum();
            let vs: f64 = s.iter().map(|&v| (f64::from(v) - ms).powi(2)).sum();
            let vi: f64 = (0..s.len()).map(|i| (f64::from(iso(i)) - mi).powi(2)).sum();
            cov / (vs * vi).sqrt()
        };
        assert!(corr(&second) > corr(layer.scores()) + 0.01);

        let same = ActiveConfig {
            second_share: ActiveConfig::default().forest_share,
            learning_rate: 0.0,
            block_rate: 0.0,
            ..ActiveConfig::default()
        };
        let mut layer = ActiveLayer::new(&ev, 3, &feats, 3, same);
        layer.set_labels(&[(0, true), (200, false), (1, true), (201, false)]);
        for (&s, &t) in layer
            .scores()
            .iter()
            .zip(layer.second_scores().expect("on"))
        {
            assert!((s - t).abs() <= 1e-4 * (1.0 + s.abs()), "{s} vs {t}");
        }
        // Off: none, and a share of 0 is off.
        let off = ActiveConfig {
            second_share: 0.0,
            ..ActiveConfig::default()
        };
        assert!(ActiveLayer::new(&ev, 3, &feats, 3, off)
            .second_scores()
            .is_none());
    }

    #[test]
    fn before_any_label_it_reproduces_the_detector_ranking() {
        let (ev, feats) = toy(100);
        let layer = ActiveLayer::new(&ev, 2, &feats, 1, plain());
        assert_eq!(ranking(layer.scores()), (0..100).collect::<Vec<_>>());
        // The boundary sits at the 97% quantile: about 3 rows score above 0.
        let above = layer.scores().iter().filter(|&&s| s > 0.0).count();
        assert!((2..=4).contains(&above), "{above}");
        let (we, wf, _) = layer.weights();
        assert!((we[0] - 1.0 / 2f64.sqrt()).abs() < 1e-12);
        assert_eq!(wf, &[0.0]);
    }

    #[test]
    fn labels_move_the_ranking_towards_the_labelled_anomalies() {
        let (ev, feats) = toy(100);
        let mut layer = ActiveLayer::new(&ev, 2, &feats, 1, ActiveConfig::default());
        // The expert says the top rows are normal and the feature-3 rows anomalous.
        let mut labels: Vec<(usize, bool)> = Vec::new();
        for q in 0..30 {
            let r = ranking(layer.scores());
            let next = r
                .into_iter()
                .find(|i| !labels.iter().any(|l| l.0 == *i))
                .unwrap();
            labels.push((next, next % 10 == 7));
            layer.set_labels(&labels);
            let _ = q;
        }
        let found = labels.iter().filter(|l| l.1).count();
        assert!(found >= 6, "found only {found} of 10 in 30 queries");
        // An unlabelled feature-3 row now outranks an unlabelled plain one.
        let s = layer.scores();
        let best_plain = (0..100)
            .filter(|i| i % 10 != 7)
            .map(|i| s[i])
            .fold(f32::MIN, f32::max);
        let worst_marked = (0..100)
            .filter(|i| i % 10 == 7)
            .map(|i| s[i])
            .fold(f32::MAX, f32::min);
        assert!(worst_marked > best_plain, "{worst_marked} vs {best_plain}");
    }

    #[test]
    fn hinge_loss_also_learns_and_keeps_unit_norm() {
        let (ev, feats) = toy(100);
        let cfg = ActiveConfig {
            loss: ActiveLoss::AadHinge { tau: AAD_TAU },
            steps: 50,
            ..ActiveConfig::default()
        };
        let mut layer = ActiveLayer::new(&ev, 2, &feats, 1, cfg);
        let labels: Vec<(usize, bool)> = vec![(0, false), (1, false), (7, true), (17, true)];
        let before = layer.scores()[27] - layer.scores()[2];
        layer.set_labels(&labels);
        let after = layer.scores()[27] - layer.scores()[2];
        assert!(after > before, "{after} <= {before}");
        let norm: f64 = layer.w.iter().map(|w| w * w).sum::<f64>().sqrt();
        assert!((norm - 1.0).abs() < 1e-9);
    }

    #[test]
    fn reset_restores_the_prior() {
        let (ev, feats) = toy(50);
        let mut layer = ActiveLayer::new(&ev, 2, &feats, 1, ActiveConfig::default());
        let initial = layer.scores().to_vec();
        layer.set_labels(&[(0, false), (7, true)]);
        assert_ne!(layer.scores(), &initial[..]);
        layer.reset();
        assert_eq!(layer.scores(), &initial[..]);
    }

    #[test]
    fn marginal_evidence_joins_the_prior_with_the_same_weight() {
        let (ev, feats) = toy(100);
        let cfg = ActiveConfig {
            forest_evidence: false,
            ..ActiveConfig::default()
        };
        let layer = ActiveLayer::new(&ev, 2, &feats, 1, cfg);
        let (we, wf, _) = layer.weights();
        assert_eq!(we.len(), 3);
        for w in we {
            assert!((w - 1.0 / 3f64.sqrt()).abs() < 1e-12);
        }
        assert_eq!(wf, &[0.0]);
        // Row 97 is near the bottom of the detector's ranking but extreme in
        // its one feature; the marginal block lifts it above its neighbours.
        let s = layer.scores();
        assert!(
            s[97] > s[96] && s[97] > s[98],
            "{} {} {}",
            s[96],
            s[97],
            s[98]
        );
        // Without the block the ranking is the detector's.
        let paper = ActiveLayer::new(&ev, 2, &feats, 1, plain());
        assert!(paper.scores()[97] < paper.scores()[96]);
    }

    /// 60 rows in 3 far-apart groups of 20 (2 features), flat evidence.
    fn groups() -> (Vec<f32>, Vec<f32>) {
        let ev = vec![1.0f32; 60];
        let feats: Vec<f32> = (0..60)
            .flat_map(|i| {
                let g = (i / 20) as f32 * 10.0;
                [g + (i % 20) as f32 * 0.01, -g]
            })
            .collect();
        (ev, feats)
    }

    #[test]
    fn a_labelled_anomaly_lifts_its_neighbours_and_a_normal_lowers_them() {
        let (ev, feats) = groups();
        let cfg = ActiveConfig {
            marginal_evidence: false,
            ..ActiveConfig::default()
        };
        let mut with = ActiveLayer::new(&ev, 1, &feats, 2, cfg.clone());
        let mut without = ActiveLayer::new(
            &ev,
            1,
            &feats,
            2,
            ActiveConfig {
                neighbour_weight: 0.0,
                ..cfg
            },
        );
        let labels = [(0, true), (25, false)];
        with.set_labels(&labels);
        without.set_labels(&labels);
        let lift = |i: usize| with.scores()[i] - without.scores()[i];
        // Group 0 (an anomaly's) is lifted by almost a/2 (k ≈ 1: a·1/(1+1)).
        let half = with.config.neighbour_weight / 2.0;
        assert!((lift(5) as f64 - half).abs() < 0.1, "{}", lift(5));
        // Group 1 (a normal's) is lowered as much, group 2 is untouched.
        assert!((lift(30) as f64 + half).abs() < 0.1, "{}", lift(30));
        assert!(lift(50).abs() < 1e-4, "{}", lift(50));
        // While fitting, a labelled row does not count its own label.
        assert!(with.neighbours.term_without_own_label(0).abs() < 0.1);
        assert!(with.neighbours.term(0) > half - 0.1);
    }

    #[test]
    fn the_neighbour_term_is_bounded_and_recounted_after_a_change() {
        let (ev, feats) = groups();
        let mut layer = ActiveLayer::new(&ev, 1, &feats, 2, ActiveConfig::default());
        let mut labels: Vec<(usize, bool)> = (0..15).map(|i| (i, true)).collect();
        labels.extend((20..35).map(|i| (i, false)));
        layer.set_labels(&labels);
        for i in 0..60 {
            assert!(layer.neighbours.term(i).abs() < layer.config.neighbour_weight);
        }
        // Change one label and drop another: the sums equal a fresh count.
        labels[3].1 = false;
        labels.pop();
        layer.set_labels(&labels);
        let mut fresh = ActiveLayer::new(&ev, 1, &feats, 2, ActiveConfig::default());
        fresh.set_labels(&labels);
        assert_eq!(layer.neighbours.counted, fresh.neighbours.counted);
        // Exact sums: a change gives the sums of a fresh count, to the bit.
        assert_eq!(layer.neighbours.pos, fresh.neighbours.pos);
        assert_eq!(layer.neighbours.neg, fresh.neighbours.neg);
        assert_eq!(layer.scores(), fresh.scores());
        layer.reset();
        assert!(layer.neighbours.counted.iter().all(Option::is_none));
    }

    #[test]
    fn the_neighbour_term_reads_the_table_whether_or_not_the_features_are_inputs() {
        let (ev, feats) = groups();
        let labels = [(0, true), (25, false), (45, false)];
        let mut inside = ActiveLayer::new(&ev, 1, &feats, 2, ActiveConfig::default());
        let mut copied = ActiveLayer::new(
            &ev,
            1,
            &feats,
            2,
            ActiveConfig {
                use_features: false,
                ..ActiveConfig::default()
            },
        );
        inside.set_labels(&labels);
        copied.set_labels(&labels);
        // Both read the layer's one table.
        assert!(std::sync::Arc::ptr_eq(
            &inside.neighbours.space,
            &inside.features
        ));
        assert!(std::sync::Arc::ptr_eq(
            &copied.neighbours.space,
            &copied.features
        ));
        assert_eq!(inside.neighbours.pos, copied.neighbours.pos);
        assert_eq!(inside.neighbours.neg, copied.neighbours.neg);
    }

    #[test]
    fn the_prior_scores_come_back_to_the_bit_once_the_labels_are_gone() {
        let (ev, feats) = toy(300);
        let mut layer = ActiveLayer::new(&ev, 2, &feats, 1, ActiveConfig::default());
        let prior = layer.scores().to_vec();
        layer.set_labels(&[(3, true), (150, false), (7, false)]);
        assert_ne!(layer.scores(), &prior[..]);
        layer.reset();
        assert_eq!(layer.scores(), &prior[..]);
    }

    #[test]
    fn a_layer_from_inputs_built_elsewhere_is_the_same_layer() {
        let (ev, feats) = toy(400);
        let config = ActiveConfig::default();
        let forest = Forest::fit(&feats, 1, config.forest_trees, config.forest_sample, 7);
        let whole =
            ActiveLayer::with_forest(&ev, 2, &feats, 1, config.clone(), Some(forest.clone()));
        let inputs = LayerInputs::build(&ev, 2, &feats, 1, &config, Some(forest.scores()));
        // Through the wire, as the worker sends them.
        let shape = InputShape::from_wire(&inputs.shape.to_wire()).unwrap();
        let inputs = LayerInputs::from_parts(shape, inputs.values).unwrap();
        let mut parts = ActiveLayer::from_inputs(
            inputs.clone(),
            &feats,
            1,
            config.clone(),
            Some(forest.clone()),
        )
        .unwrap();
        assert_eq!(parts.scores(), whole.scores());
        // Settled first (the page's separate pass): the same layer, to the bit.
        let mut settled_inputs = inputs.clone();
        assert!(!settled_inputs.settle(&config, &feats), "two passes");
        assert!(settled_inputs.settle(&config, &feats));
        assert!(settled_inputs.settle(&config, &feats));
        assert!(settled_inputs.prior_spread.is_some_and(|s| s > 0.0));
        assert!(settled_inputs.prior_scores.is_some());
        // The settled prior is the one the layer takes (a changed one shows).
        let mut marked = settled_inputs.clone();
        if let Some((_, s)) = &mut marked.prior_scores {
            s[0] += 1.0;
        }
        let took =
            ActiveLayer::from_inputs(marked, &feats, 1, config.clone(), Some(forest.clone()))
                .unwrap();
        assert!((took.scores()[0] - whole.scores()[0] - 1.0).abs() < 1e-4);
        assert_eq!(took.scores()[1..], whole.scores()[1..]);
        // Settled for other settings: the layer computes its own prior.
        let mut elsewhere = inputs.clone();
        let shared = ActiveConfig {
            forest_share: 0.5,
            ..config.clone()
        };
        while !elsewhere.settle(&shared, &feats) {}
        let own =
            ActiveLayer::from_inputs(elsewhere, &feats, 1, config.clone(), Some(forest.clone()))
                .unwrap();
        assert_eq!(own.scores(), whole.scores());
        let mut settled = ActiveLayer::from_inputs(
            settled_inputs,
            &feats,
            1,
            config.clone(),
            Some(forest.clone()),
        )
        .unwrap();
        assert_eq!(settled.w0, parts.w0);
        assert_eq!(settled.scores(), whole.scores());
        let labels = [(0, true), (7, false), (99, false)];
        let mut whole = whole;
        whole.set_labels(&labels);
        parts.set_labels(&labels);
        settled.set_labels(&labels);
        assert_eq!(parts.scores(), whole.scores());
        assert_eq!(settled.scores(), whole.scores());
        // Other settings, no forest, or another number of rows: refused.
        let other = ActiveConfig {
            marginal_evidence: false,
            ..config.clone()
        };
        assert!(
            ActiveLayer::from_inputs(inputs.clone(), &feats, 1, other, Some(forest.clone()))
                .is_none()
        );
        assert!(
            ActiveLayer::from_inputs(inputs.clone(), &feats, 1, config.clone(), None).is_none()
        );
        assert!(
            ActiveLayer::from_inputs(inputs.clone(), &feats[..300], 1, config, Some(forest))
                .is_none()
        );
        // Parts that do not fill the shape, or are not finite: refused.
        let mut bad = inputs.values.clone();
        bad[5] = f32::NAN;
        assert!(LayerInputs::from_parts(shape, bad).is_none());
        assert!(LayerInputs::from_parts(shape, inputs.values[1..].to_vec()).is_none());
        for text in ["", "1,2,3", "1,2,3,2,0,1", "a,b,c,d,e,f", "1,2,3,1,0,2"] {
            assert_eq!(InputShape::from_wire(text), None, "{text}");
        }
    }

    /// The layer's dot product over its evidence and the table's features,
    /// apart, is `dot4` over the joined row to the bit, at every length
    /// and seam (the chunk across the seam, a tail across it, none).
    #[test]
    fn a_row_in_two_pieces_has_the_dot_product_of_the_whole_row() {
        let mut rng = crate::rng::Rng::new(9);
        for n in 0..40 {
            let row: Vec<f32> = (0..n).map(|_| rng.normal() as f32 * 3.0).collect();
            let w: Vec<f32> = (0..n).map(|_| rng.normal() as f32).collect();
            let whole = dot4(&row, &w);
            for seam in 0..=n {
                let (a, b) = row.split_at(seam);
                let pair = dot4_pair(a, b, &w);
                assert_eq!(pair.to_bits(), whole.to_bits(), "n {n}, seam {seam}");
            }
        }
    }

    #[test]
    fn the_isolation_score_carries_its_share_of_the_prior_spread() {
        let (ev, feats) = groups();
        let layer = ActiveLayer::new(&ev, 1, &feats, 2, ActiveConfig::default());
        let (we, _, _) = layer.weights();
        // 1 detector column, 2 marginal, then the isolation score.
        assert_eq!(we.len(), 4);
        // The inputs hold the evidence columns; the features are the table.
        let width = layer.evidence_dim;
        assert_eq!((width, layer.inputs.len()), (4, 4 * layer.rows()));
        let mut others = vec![0.0; width];
        others[..3].copy_from_slice(&we[..3]);
        let mut isolation = vec![0.0; width];
        isolation[3] = we[3];
        let (a, b) = (
            spread_of(&layer.inputs, width, &others),
            spread_of(&layer.inputs, width, &isolation),
        );
        let share = b / (a + b);
        assert!((share - 0.35).abs() < 1e-3, "{share}");
        // Before any label the scores are exactly that sum, less the bias.
        let row = 5;
        let f = layer.inputs[row * width..(row + 1) * width]
            .iter()
            .chain(&feats[row * 2..(row + 1) * 2]);
        let direct: f64 = f.zip(&layer.w).map(|(&x, &w)| x as f64 * w).sum();
        assert!((direct + layer.b - layer.scores()[row] as f64).abs() < 1e-4);
    }

    #[test]
    fn explain_splits_the_score_into_its_parts() {
        let (ev, feats) = groups();
        let mut layer = ActiveLayer::new(&ev, 1, &feats, 2, ActiveConfig::default());
        layer.set_labels(&[(0, true), (25, false), (45, false)]);
        for row in [3, 30, 59] {
            let parts = layer.explain(row);
            // 1 detector column, 2 marginal, the isolation score, 2
            // features, the neighbour term and the regions.
            assert_eq!(parts.len(), 8);
            assert!(parts.iter().any(|p| p.0 == Part::Isolation));
            assert!(parts.contains(&(Part::Neighbours, layer.neighbours.term(row))));
            let regions = layer.regions.value(row, layer.u());
            assert!(parts.contains(&(Part::Regions, regions)));
            assert!(parts.iter().any(|p| p.0 == Part::Marginal(1)));
            assert!(parts.iter().any(|p| p.0 == Part::Feature(1)));
            assert!(parts.windows(2).all(|w| w[0].1.abs() >= w[1].1.abs()));
            let total: f64 = parts.iter().map(|p| p.1).sum::<f64>() + layer.b;
            let score = layer.scores()[row] as f64;
            assert!(
                (total - score).abs() < 1e-4 * score.abs().max(1.0),
                "{total} vs {score}"
            );
        }
        assert!(layer.explain(60).is_empty());
    }

    #[test]
    fn the_labels_in_order_decide_the_scores_whatever_the_path() {
        let (ev, feats) = groups();
        let labels: Vec<(usize, bool)> = [3, 41, 25, 7, 50, 12, 33, 58, 19, 28]
            .iter()
            .map(|&i| (i, i < 20))
            .collect();
        for loss in [ActiveLoss::Logistic, ActiveLoss::AadHinge { tau: AAD_TAU }] {
            let cfg = ActiveConfig {
                loss,
                ..ActiveConfig::default()
            };
            let fresh = || ActiveLayer::new(&ev, 1, &feats, 2, cfg.clone());
            // One label at a time, as a person gives them.
            let mut stepwise = fresh();
            for k in 1..=labels.len() {
                stepwise.set_labels(&labels[..k]);
            }
            // All at once, as a reload gives them.
            let mut at_once = fresh();
            at_once.set_labels(&labels);
            assert_eq!(stepwise.scores(), at_once.scores(), "{loss:?}");
            assert_eq!(stepwise.w, at_once.w, "{loss:?}");
            // Back to 6 labels (undo) and forward again (redo).
            let mut undone = fresh();
            undone.set_labels(&labels[..6]);
            stepwise.set_labels(&labels[..6]);
            assert_eq!(stepwise.scores(), undone.scores(), "{loss:?}");
            stepwise.set_labels(&labels);
            assert_eq!(stepwise.scores(), at_once.scores(), "{loss:?}");
            // A label changed in the middle replays the rest.
            let mut changed = labels.clone();
            changed[4].1 = !changed[4].1;
            stepwise.set_labels(&changed);
            let mut direct = fresh();
            direct.set_labels(&changed);
            assert_eq!(stepwise.scores(), direct.scores(), "{loss:?}");
            // The same labels again change nothing.
            let before = direct.scores().to_vec();
            direct.set_labels(&changed);
            assert_eq!(direct.scores(), &before[..]);
        }
    }

    #[test]
    fn a_fit_past_the_cap_reads_the_newest_labels_and_a_sample_of_each_class() {
        const FIT_LABELS: usize = 512;
        assert_eq!(fit_sample(&vec![(0, false); FIT_LABELS], FIT_LABELS), None);
        assert_eq!(fit_sample(&vec![(0, false); 900], 0), None);
        // 900 labels, every tenth an anomaly.
        let labels: Vec<(usize, bool)> = (0..900).map(|k| (k * 7, k % 10 == 3)).collect();
        let picked = fit_sample(&labels, FIT_LABELS).unwrap();
        assert_eq!(picked.len(), FIT_LABELS);
        assert!(
            picked.windows(2).all(|w| w[0] < w[1]),
            "in the labels' order"
        );
        assert!((900 - FIT_NEWEST..900).all(|k| picked.contains(&k)));
        // 84 older anomalies: all of them fit in half the room.
        let older_anomalies = (0..900 - FIT_NEWEST).filter(|&k| labels[k].1).count();
        let picked_anomalies = picked
            .iter()
            .filter(|&&k| k < 900 - FIT_NEWEST && labels[k].1);
        assert_eq!(picked_anomalies.count(), older_anomalies);
        // A function of the labels, drawn afresh for each count.
        assert_eq!(fit_sample(&labels, FIT_LABELS), Some(picked.clone()));
        assert_ne!(
            fit_sample(&labels[..899], FIT_LABELS).unwrap()[..400],
            picked[..400]
        );
        // Mostly anomalies: every older normal (84), the anomalies the rest.
        let labels: Vec<(usize, bool)> = (0..900).map(|k| (k, k % 10 != 3)).collect();
        let picked = fit_sample(&labels, FIT_LABELS).unwrap();
        assert_eq!(picked.len(), FIT_LABELS);
        let older = |k: &&usize| **k < 900 - FIT_NEWEST;
        let normals = picked
            .iter()
            .filter(older)
            .filter(|&&k| !labels[k].1)
            .count();
        assert_eq!(normals, 84);
        // Half anomalies: each class takes half the room.
        let labels: Vec<(usize, bool)> = (0..900).map(|k| (k, k % 2 == 0)).collect();
        let picked = fit_sample(&labels, FIT_LABELS).unwrap();
        let normals = picked
            .iter()
            .filter(older)
            .filter(|&&k| !labels[k].1)
            .count();
        assert_eq!(normals, (FIT_LABELS - FIT_NEWEST) / 2);
    }

    /// Past [`ActiveConfig::fit_labels`] labels a fit reads a sample of
    /// them; the scores are still a function of the labels in their order.
    #[test]
    fn past_the_cap_the_labels_in_order_still_decide_the_scores() {
        const FIT_LABELS: usize = 512;
        assert_eq!(ActiveConfig::default().fit_labels, FIT_LABELS);
        let rows = 1500;
        let mut rng = crate::rng::Rng::new(9);
        let feats: Vec<f32> = (0..rows * 3).map(|_| rng.normal() as f32).collect();
        let ev: Vec<f32> = feats.iter().map(|x| x * x).collect();
        let labels: Vec<(usize, bool)> = (0..FIT_LABELS + 40)
            .map(|k| (k * 11 % rows, k % 9 == 0))
            .collect();
        let fresh = || ActiveLayer::new(&ev, 3, &feats, 3, ActiveConfig::default());
        let mut stepwise = fresh();
        stepwise.set_labels(&labels[..FIT_LABELS - 10]);
        for k in FIT_LABELS - 9..=labels.len() {
            stepwise.set_labels(&labels[..k]);
        }
        let mut at_once = fresh();
        at_once.set_labels(&labels);
        assert_eq!(stepwise.scores(), at_once.scores());
        // An undo past the cap, and a label changed before it.
        let mut undone = fresh();
        undone.set_labels(&labels[..FIT_LABELS + 20]);
        stepwise.set_labels(&labels[..FIT_LABELS + 20]);
        assert_eq!(stepwise.scores(), undone.scores());
        let mut changed = labels.clone();
        changed[FIT_LABELS - 30].1 = !changed[FIT_LABELS - 30].1;
        stepwise.set_labels(&changed);
        let mut direct = fresh();
        direct.set_labels(&changed);
        assert_eq!(stepwise.scores(), direct.scores());
        // The newest answer moves its row.
        let (row, _) = labels[labels.len() - 1];
        let flipped: Vec<(usize, bool)> = labels[..labels.len() - 1]
            .iter()
            .copied()
            .chain([(row, true)])
            .collect();
        let mut after = fresh();
        after.set_labels(&flipped);
        let mut normal = fresh();
        normal.set_labels(&labels);
        assert!(after.scores()[row] > normal.scores()[row]);
    }

    /// Up to [`ActiveConfig::fit_labels`] labels every fit takes `steps`
    /// Adam steps whatever `late_steps` says; past it, `late_steps`.
    #[test]
    fn late_steps_count_only_past_the_cap() {
        let cap = 40;
        let rows = 300;
        let mut rng = crate::rng::Rng::new(5);
        let feats: Vec<f32> = (0..rows * 3).map(|_| rng.normal() as f32).collect();
        let ev: Vec<f32> = feats.iter().map(|x| x * x).collect();
        let labels: Vec<(usize, bool)> = (0..cap + 5).map(|k| (k * 7 % rows, k % 6 == 0)).collect();
        let layer = |late_steps: usize, n: usize| {
            let config = ActiveConfig {
                fit_labels: cap,
                late_steps,
                ..ActiveConfig::default()
            };
            let mut layer = ActiveLayer::new(&ev, 3, &feats, 3, config);
            layer.set_labels(&labels[..n]);
            layer.scores().to_vec()
        };
        let steps = ActiveConfig::default().steps;
        assert_eq!(layer(1, cap), layer(steps, cap));
        assert_eq!(layer(0, cap + 5), layer(steps, cap + 5));
        assert_ne!(layer(1, cap + 1), layer(steps, cap + 1));
    }

    /// The neighbour sums after labels are added and taken away in blocks
    /// (`count_block`) and one by one equal, to the bit, the kernel summed
    /// pair by pair over the labels that stay.
    #[test]
    fn kernel_rows_counted_in_blocks_equal_the_pairwise_sums() {
        let (rows, d) = (203, 5);
        let mut rng = crate::rng::Rng::new(4);
        let feats: Vec<f32> = (0..rows * d).map(|_| rng.normal() as f32).collect();
        let mut nb = Neighbours::new(Features::new(feats.clone()), d, &ActiveConfig::default());
        let labels: Vec<(usize, bool)> = (0..23).map(|k| (k * 37 % rows, k % 3 == 0)).collect();
        // 23 labels (two blocks and seven one by one), then 9 of them
        // relabelled and 5 taken away (more blocks, with both signs).
        let mut later = labels.clone();
        later.truncate(18);
        for l in &mut later[..9] {
            l.1 = !l.1;
        }
        for labels in [&labels, &later] {
            nb.sync(labels, &vec![true; labels.len()]);
            for i in 0..rows {
                let xi = &feats[i * d..(i + 1) * d];
                let (mut pos, mut neg) = (0, 0);
                for &(j, anomaly) in labels.iter() {
                    let k = kernel(nb.scale, xi, &feats[j * d..(j + 1) * d]);
                    if anomaly {
                        pos += k;
                    } else {
                        neg += k;
                    }
                }
                assert_eq!((nb.pos[i], nb.neg[i]), (pos, neg), "row {i}");
            }
        }
    }

    #[test]
    fn prefix_sums_equal_the_full_sums_without_the_own_label() {
        let (ev, feats) = groups();
        let mut layer = ActiveLayer::new(&ev, 1, &feats, 2, ActiveConfig::default());
        let labels = [(0, true), (5, true), (25, false), (45, false), (21, true)];
        layer.set_labels(&labels);
        // Every label counted (the sums `set_labels` made), then some not
        // (the rest of a batch): their own sums still read the counted
        // ones, and no one reads theirs.
        for counted in [[true; 5], [true, false, true, false, true]] {
            layer.neighbours.sync(&labels, &counted);
            let mut prefix = PrefixSums::default();
            for (&l, &c) in labels.iter().zip(&counted) {
                prefix.push(l, c, &layer.neighbours);
            }
            let full: Vec<f64> = labels
                .iter()
                .map(|&(i, _)| layer.neighbours.term_without_own_label(i))
                .collect();
            assert_eq!(prefix.terms(&layer.neighbours), full);
            assert!(full.iter().any(|&t| t.abs() > 0.5), "{full:?}");
        }
        assert_eq!(layer.neighbours.counted[5], None);
        assert_eq!(layer.neighbours.counted[25], Some(false));
    }

    /// A bulk label on data large enough that only some of its rows enter
    /// the neighbour sums: the same scores whether the batch is fitted
    /// after earlier labels, with them from scratch, or restored from its
    /// saved fit; the sums hold the single labels and the batch's counted
    /// rows only, and the batch still moves the scores.
    #[test]
    fn a_large_batch_counts_a_few_rows_and_comes_back_the_same() {
        let (rows, m, d) = (30_000, 2, 3);
        let mut rng = crate::rng::Rng::new(9);
        let ev: Vec<f32> = (0..rows * m).map(|_| rng.uniform() as f32).collect();
        let feats: Vec<f32> = (0..rows * d).map(|_| rng.normal() as f32).collect();
        let config = ActiveConfig {
            forest_trees: 10,
            ..ActiveConfig::default()
        };
        let r = BULK_KERNEL_PAIRS / rows;
        assert_eq!(r, 34);
        let r = r.min(BULK_KERNEL_ROWS);
        let mut labels = vec![(7, true), (11, false)];
        labels.extend((100..300).map(|i| (i, false)));
        labels.push((5, true));
        let mut joined = vec![false; labels.len()];
        joined[2..201].fill(true);
        let mut built = ActiveLayer::new(&ev, m, &feats, d, config.clone());
        let singles = [labels[..2].to_vec(), vec![]].concat();
        built.set_labels(&singles);
        let before = built.scores().to_vec();
        built.set_labels_joined(&labels[..202], &joined[..202]);
        built.set_labels_joined(&labels, &joined);
        assert_ne!(built.scores(), &before[..]);
        let counted = built
            .neighbours
            .counted
            .iter()
            .filter(|c| c.is_some())
            .count();
        assert_eq!(counted, 3 + r);
        let mut direct = ActiveLayer::new(&ev, m, &feats, d, config.clone());
        direct.set_labels_joined(&labels, &joined);
        assert_eq!(direct.scores(), built.scores());
        let fit = built.saved_fit().expect("a fit");
        let mut restored = ActiveLayer::new(&ev, m, &feats, d, config);
        assert!(restored.restore_saved_joined(&labels, &joined, &fit));
        assert_eq!(restored.scores(), built.scores());
        assert_eq!(restored.neighbours.counted, built.neighbours.counted);
    }

    /// Every single label counts in the neighbour sums, and of a batch at
    /// most `r`, evenly spaced, all of it when it is no larger.
    #[test]
    fn a_batch_puts_a_few_evenly_spaced_rows_into_the_neighbour_sums() {
        let f = false;
        // A single, a batch of 5, a single, a batch of 2.
        let joined = [f, true, true, true, true, f, f, true, f];
        let got = counted_of_batches(&joined, 2);
        assert_eq!(got, [true, true, f, true, f, f, true, true, true]);
        assert!(counted_of_batches(&joined, 5).iter().all(|&c| c));
        assert_eq!(counted_of_batches(&joined, 1)[1..6], [true, f, f, f, f]);
        assert!(counted_of_batches(&[], 3).is_empty());
        // The number counted comes from the rows: 2²⁰ / rows, from 1 to 32.
        let batch = [vec![true; 99], vec![false]].concat();
        let count = |rows| kernel_counted(&batch, rows).iter().filter(|&&c| c).count();
        assert_eq!(count(1_000), 32);
        assert_eq!(count(10_000), 32);
        assert_eq!(count(50_000), 20);
        assert_eq!(count(100_000), 10);
        assert_eq!(count(1_000_000), 1);
        assert_eq!(count(20_000_000), 1);
    }

    /// Three well-separated groups of 40 rows in 3-D, with evidence that
    /// ranks group 0 highest, then 1, then 2.
    fn three_groups() -> (Vec<f32>, Vec<f32>) {
        let mut rng = crate::rng::Rng::new(3);
        let mut ev = Vec::new();
        let mut feats = Vec::new();
        for i in 0..120 {
            let g = i / 40;
            ev.push((3 - g) as f32 + 0.1 * rng.uniform() as f32);
            for j in 0..3 {
                let centre = if j == 0 { 4.0 * g as f32 } else { 0.0 };
                feats.push(centre + 0.3 * rng.normal() as f32);
            }
        }
        (ev, feats)
    }

    /// Only the regions move: a "normal" answer lowers the rows that share
    /// leaves with the labelled row (its group) far more than the others.
    /// Leaves only here: with the nodes above them, every row shares the
    /// root (see `larger_regions_carry_an_answer_further`).
    #[test]
    fn a_normal_answer_lowers_its_region() {
        let (ev, feats) = three_groups();
        let config = ActiveConfig {
            neighbour_weight: 0.0,
            rank_weight: 0.0,
            use_features: false,
            marginal_evidence: false,
            region_scales: 0,
            ..ActiveConfig::default()
        };
        let mut layer = ActiveLayer::new(&ev, 1, &feats, 3, config);
        let before = layer.scores().to_vec();
        // Two answers, so the weights move too (equally for every row's
        // evidence, which is nearly the same within a group).
        layer.set_labels(&[(0, false), (1, false)]);
        let drop = |rows: std::ops::Range<usize>| {
            rows.clone()
                .map(|i| (before[i] - layer.scores()[i]) as f64)
                .sum::<f64>()
                / rows.len() as f64
        };
        let regions = |rows: std::ops::Range<usize>| {
            rows.clone()
                .map(|i| layer.regions.value(i, layer.u()))
                .sum::<f64>()
                / rows.len() as f64
        };
        assert!(regions(2..40) < -0.1, "{}", regions(2..40));
        // Shallow trees put some rows of other groups in the same leaves.
        for other in [40..80, 80..120] {
            assert!(regions(other.clone()).abs() < 0.25 * regions(2..40).abs());
        }
        assert!(
            drop(2..40) > drop(40..80),
            "{} vs {}",
            drop(2..40),
            drop(40..80)
        );
    }

    /// With offsets on the nodes above the leaves, a "normal" answer also
    /// lowers the rest of its group, which shares those larger regions,
    /// against the far groups: more than the leaves alone do.
    #[test]
    fn larger_regions_carry_an_answer_further() {
        let (ev, feats) = three_groups();
        let gap = |scales: usize| {
            let config = ActiveConfig {
                neighbour_weight: 0.0,
                rank_weight: 0.0,
                use_features: false,
                marginal_evidence: false,
                region_scales: scales,
                ..ActiveConfig::default()
            };
            let mut layer = ActiveLayer::new(&ev, 1, &feats, 3, config);
            layer.set_labels(&[(0, false)]);
            let mean = |rows: std::ops::Range<usize>| {
                rows.clone()
                    .map(|i| layer.regions.value(i, layer.u()))
                    .sum::<f64>()
                    / rows.len() as f64
            };
            // The region term agrees with the scores' table to f32 precision.
            let mut table = vec![0f32; layer.rows()];
            layer.regions.add_to(&mut table, layer.u(), false);
            for (i, t) in table.iter().enumerate() {
                assert!((*t as f64 - layer.regions.value(i, layer.u())).abs() < 1e-5);
            }
            mean(1..40) - mean(80..120)
        };
        let (leaves, nodes) = (gap(0), gap(8));
        assert!(leaves < 0.0 && nodes < 2.0 * leaves, "{leaves} vs {nodes}");
    }

    #[test]
    fn the_nodes_above_the_leaves_fade_after_node_fade_labels() {
        let (ev, feats) = three_groups();
        let config = |fade: usize| ActiveConfig {
            neighbour_weight: 0.0,
            rank_weight: 0.0,
            node_fade: fade,
            ..ActiveConfig::default()
        };
        let labels: Vec<(usize, bool)> = (0..12).map(|k| (k * 10, k % 3 == 0)).collect();
        let mut faded = ActiveLayer::new(&ev, 1, &feats, 3, config(4));
        let mut full = ActiveLayer::new(&ev, 1, &feats, 3, config(0));
        // Up to `node_fade` labels nothing changes, to the bit.
        faded.set_labels(&labels[..4]);
        full.set_labels(&labels[..4]);
        assert_eq!(faded.scores(), full.scores());
        assert_eq!(faded.regions.upper, 1.0);
        // After 12 labels the nodes above count 4/12; a leaf's offset is
        // its own plus a third of the path above it.
        faded.set_labels(&labels);
        full.set_labels(&labels);
        assert_ne!(faded.scores(), full.scores());
        assert!((faded.regions.upper - 4.0 / 12.0).abs() < 1e-15);
        let (t, leaf) = (0, faded.regions.of(0)[0]);
        let u = faded.u();
        let path = &faded.regions.paths[leaf as usize];
        let (own, above) = path.split_last().unwrap();
        let want = u[*own as usize] + above.iter().map(|&n| u[n as usize]).sum::<f64>() / 3.0;
        assert!((faded.regions.leaf_offset(t, leaf, u) - want).abs() < 1e-12);
        // Still a function of the labels: a fresh layer given all 12 at
        // once, and one back from the saved fit, agree to the bit; an undo
        // below the fade brings the full weight back.
        let mut fresh = ActiveLayer::new(&ev, 1, &feats, 3, config(4));
        fresh.set_labels(&labels);
        assert_eq!(fresh.scores(), faded.scores());
        let mut restored = ActiveLayer::new(&ev, 1, &feats, 3, config(4));
        assert!(restored.restore_saved(&labels, &faded.saved_fit().unwrap()));
        assert_eq!(restored.scores(), faded.scores());
        faded.set_labels(&labels[..4]);
        assert_eq!(
            faded.scores(),
            full_after(&ev, &feats, config(0), &labels[..4])
        );
    }

    /// Settings saved before the leaf votes read back with the votes off,
    /// those saved before the anomaly vote scale with anomalies counting
    /// as one answer, those saved before the block rate with the blocks
    /// left alone, those saved before the search's vote scale without
    /// it, those saved before the fit's cap and its late steps reading
    /// every label with `steps` steps, and those saved before `rank_full`
    /// with the rank term halved by the first anomaly: an old session
    /// re-scores as it did.
    #[test]
    fn settings_saved_before_the_votes_keep_their_scores() {
        let mut json = serde_json::to_value(ActiveConfig::default()).unwrap();
        let fields = json.as_object_mut().unwrap();
        for key in [
            "vote_weight",
            "vote_prior",
            "anomaly_votes_after",
            "anomaly_vote_scale",
            "explore_vote_scale",
            "block_rate",
            "fit_labels",
            "late_steps",
            "search_anomalies",
            "lookalike_labels",
            "lookalike_misses",
            "rank_full",
            "lookalike_min",
            "lookalike_tie",
            "search_turns",
            "turns_anomalies",
        ] {
            assert!(fields.remove(key).is_some(), "{key}");
        }
        let old: ActiveConfig = serde_json::from_value(json).unwrap();
        assert_eq!(old.vote_weight, 0.0);
        assert_eq!(old.vote_prior, 2.0);
        assert_eq!(old.anomaly_votes_after, 0);
        assert_eq!(old.anomaly_vote_scale, 1.0);
        assert_eq!(old.explore_vote_scale, 1.0);
        assert_eq!(old.block_rate, 0.0);
        assert_eq!((old.fit_labels, old.late_steps), (0, 0));
        // The search ends at the first anomaly, and no lookalike asks.
        assert_eq!(old.search_anomalies, 0);
        assert_eq!((old.lookalike_labels, old.lookalike_misses), (0, 2));
        assert_eq!(old.lookalike_min, 0.0);
        // The lookalike takes the best g alone.
        assert_eq!(old.lookalike_tie, 0.0);
        // The rank term halves at the first anomaly, as it did.
        assert!(!old.rank_full && ActiveConfig::default().rank_full);
        // The search ends at `2·rank_after`, with no turns after it.
        assert!(!old.search_turns && ActiveConfig::default().search_turns);
        // The first anomaly ends the turns, as it did.
        assert_eq!(old.turns_anomalies, 0);
    }

    /// With Adam's steps at 0, one labelled anomaly scales each evidence
    /// block as a whole by `e^(±r)` per step: up where the block adds to
    /// the row's score (the loss falls as it grows), down where it takes
    /// away; the features' weights and the bias stay. AAD's hinge loss
    /// leaves the blocks alone.
    #[test]
    fn the_block_rate_scales_whole_evidence_blocks() {
        let (ev, feats) = three_groups();
        let config = ActiveConfig {
            learning_rate: 0.0,
            region_learning_rate: 0.0,
            steps: 3,
            block_rate: 0.1,
            vote_weight: 0.0,
            neighbour_weight: 0.0,
            ..ActiveConfig::default()
        };
        let mut layer = ActiveLayer::new(&ev, 1, &feats, 3, config.clone());
        let (w0, b0) = (layer.w.clone(), layer.b);
        let row = 0;
        let input: Vec<f64> = layer.input_row(row).map(|&x| f64::from(x)).collect();
        layer.set_labels(&[(row, true)]);
        let blocks = layer.blocks();
        assert_eq!(
            blocks.iter().map(|r| r.len()).sum::<usize>(),
            layer.evidence_dim
        );
        assert!(blocks.iter().all(|r| !r.is_empty()), "{blocks:?}");
        for range in blocks {
            let part: f64 = range.clone().map(|j| w0[j] * input[j]).sum();
            let want = (3.0 * 0.1 * part.signum()).exp();
            for j in range {
                assert!(
                    (layer.w[j] - w0[j] * want).abs() <= 1e-12 * w0[j].abs(),
                    "{j}"
                );
            }
        }
        assert_eq!(&layer.w[layer.evidence_dim..], &w0[layer.evidence_dim..]);
        assert_eq!(layer.b, b0);
        let aad = ActiveConfig {
            loss: ActiveLoss::AadHinge { tau: AAD_TAU },
            ..config
        };
        let mut hinge = ActiveLayer::new(&ev, 1, &feats, 3, aad);
        let w = hinge.w.clone();
        hinge.set_labels(&[(row, true)]);
        let norm = w.iter().map(|w| w * w).sum::<f64>().sqrt();
        for (a, b) in hinge.w.iter().zip(&w) {
            assert!((a - b / norm).abs() < 1e-12);
        }
    }

    /// With nothing fitted (no steps), a "normal" answer moves every row
    /// by its leaf votes alone: `−a_v/(c_v + 1)` times the share of its
    /// trees in which it shares the labelled row's leaf; a second answer in
    /// the same leaves counts again, and an undo takes the votes back.
    #[test]
    fn a_normal_answer_votes_down_the_rows_that_share_its_leaves() {
        let (ev, feats) = three_groups();
        let config = votes_alone();
        let mut layer = ActiveLayer::new(&ev, 1, &feats, 3, config.clone());
        let before = layer.scores().to_vec();
        let trees = layer.regions.trees;
        let shared = |layer: &ActiveLayer, i: usize, j: usize| {
            let (a, b) = (layer.regions.of(i), layer.regions.of(j));
            a.iter().zip(b).filter(|(x, y)| x == y).count() as f64 / trees as f64
        };
        layer.set_labels(&[(0, false)]);
        let (mut near, mut far) = (0.0, 0.0);
        for (i, (&after, &before)) in layer.scores().iter().zip(&before).enumerate() {
            let want = -6.0 / 3.0 * shared(&layer, 0, i);
            let got = (after - before) as f64;
            // Apart from the neighbour term, which a normal answer also
            // turns negative near the row.
            let nu = layer.neighbours.term(i);
            assert!(
                (got - nu - want).abs() < 1e-4,
                "row {i}: {got} vs {want} + {nu}"
            );
            if i < 40 {
                near += want;
            } else {
                far += want;
            }
        }
        assert!(near / 40.0 < 4.0 * far / 80.0, "{near} vs {far}");
        // The labelled row's own leaves now hold one normal; with the
        // row's own label left out, its fit reads no vote.
        assert!((layer.regions.vote_without(0, false)).abs() < 1e-15);
        assert!((layer.regions.value(0, layer.u()) + 2.0).abs() < 1e-12);
        // Two normals in the same leaves: −6·2/4. One anomaly casts no
        // vote, beside a normal or alone; from the second on they count,
        // each as three normals: (3·2 − 1)·6/5 where both share the leaves
        // with the normal.
        layer.set_labels(&[(0, false), (0, false)]);
        assert!((layer.regions.value(0, layer.u()) + 3.0).abs() < 1e-12);
        layer.set_labels(&[(0, false), (0, true)]);
        assert!((layer.regions.value(0, layer.u()) + 2.0).abs() < 1e-12);
        layer.set_labels(&[(0, true)]);
        assert_eq!(layer.regions.value(0, layer.u()), 0.0);
        layer.set_labels(&[(0, false), (0, true), (0, true)]);
        assert!((layer.regions.value(0, layer.u()) - 6.0).abs() < 1e-12);
        layer.set_labels(&[]);
        assert_eq!(layer.scores(), &before[..]);
        // Off, nothing moves without a fit.
        let mut off = ActiveLayer::new(
            &ev,
            1,
            &feats,
            3,
            ActiveConfig {
                vote_weight: 0.0,
                neighbour_weight: 0.0,
                ..config
            },
        );
        off.set_labels(&[(0, false)]);
        assert_eq!(off.scores(), &before[..]);
    }

    /// No fit (no steps): the leaf votes `6·(3·n⁺ − n⁻)/(2 + n⁺ + n⁻)`,
    /// anomalies voting from the second, are all that a label moves in
    /// the region term.
    fn votes_alone() -> ActiveConfig {
        ActiveConfig {
            steps: 0,
            vote_weight: 6.0,
            vote_prior: 2.0,
            anomaly_votes_after: 2,
            anomaly_vote_scale: 3.0,
            ..ActiveConfig::default()
        }
    }

    /// [`votes_alone`] with a search from the third answer, its votes ×10,
    /// its turns on or off.
    fn search_votes(search_turns: bool) -> ActiveConfig {
        ActiveConfig {
            rank_after: 3,
            explore_vote_scale: 10.0,
            search_turns,
            ..votes_alone()
        }
    }

    fn near(got: f64, want: f64) {
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
    }

    /// Row 0's region term in the questions' ranking after `labels`. With
    /// the votes alone, the scores' own term is the same or a tenth of
    /// it: the search scales the votes the questions read, and only those.
    fn value(layer: &mut ActiveLayer, labels: &[(usize, bool)]) -> f64 {
        layer.set_labels(labels);
        let asked = layer.regions.search_value(0, layer.u());
        let shown = layer.regions.value(0, layer.u());
        let searching = layer.regions.search_moves_questions();
        let scale = if searching { 10.0 } else { 1.0 };
        near(asked, scale * shown);
        assert_eq!(layer.question_scores() != layer.scores(), searching);
        assert_eq!(layer.search_on(), searching);
        asked
    }

    /// The search: from the `rank_after`-th answer, while at most
    /// `search_anomalies` answers are "anomaly", for `rank_after` answers,
    /// every vote in the questions' scores counts `explore_vote_scale`
    /// times; one
    /// more "anomaly" anywhere ends it, and so does the end of its window.
    #[test]
    fn the_votes_count_more_while_a_search_finds_nothing() {
        let (ev, feats) = three_groups();
        let config = search_votes(false);
        let mut layer = ActiveLayer::new(&ev, 1, &feats, 3, config.clone());
        let (n, a) = ((0, false), (0, true));
        // Two normals: no search yet, −6·2/4.
        near(value(&mut layer, &[n, n]), -3.0);
        // The third to the fifth: ×10, −60·k/(2 + k).
        near(value(&mut layer, &[n, n, n]), -36.0);
        near(value(&mut layer, &[n; 5]), -60.0 * 5.0 / 7.0);
        // The sixth: the window is over, −6·6/8.
        near(value(&mut layer, &[n; 6]), -4.5);
        // With `search_anomalies` 1, one anomaly, first or last, casts no
        // vote yet and does not end the search: −60·3/5.
        let mut layer = ActiveLayer::new(
            &ev,
            1,
            &feats,
            3,
            ActiveConfig {
                search_anomalies: 1,
                ..config.clone()
            },
        );
        near(value(&mut layer, &[a, n, n, n]), -36.0);
        near(value(&mut layer, &[n, n, n, a]), -36.0);
        // A second one does, and the anomalies vote: 6·(3·2 − 2)/6.
        near(value(&mut layer, &[a, n, n, a]), 4.0);
        // With `search_anomalies` 0 (a session saved before it) the first
        // anomaly ends it: −6·3/5.
        let strict = ActiveConfig {
            search_anomalies: 0,
            ..config.clone()
        };
        let mut strict = ActiveLayer::new(&ev, 1, &feats, 3, strict);
        near(value(&mut strict, &[a, n, n, n]), -3.6);
        near(value(&mut strict, &[n, n, n, a]), -3.6);
        // Back to nothing found after an undo.
        near(value(&mut strict, &[n, n, n]), -36.0);
        // 1 turns it off.
        let off = ActiveConfig {
            explore_vote_scale: 1.0,
            ..config
        };
        let mut off = ActiveLayer::new(&ev, 1, &feats, 3, off);
        near(value(&mut off, &[n, n, n]), -3.6);
    }

    /// The search's turns: past its window, while at most one answer is
    /// "anomaly" (`turns_anomalies`), the votes count `explore_vote_scale`
    /// times in the questions' scores after an odd number of answers and
    /// once after an even one; a second "anomaly" ends the turns (the
    /// first, in a session saved before `turns_anomalies`), and an undo
    /// brings them back.
    #[test]
    fn the_search_takes_turns_while_nothing_is_found() {
        let (ev, feats) = three_groups();
        let config = search_votes(true);
        let mut layer = ActiveLayer::new(&ev, 1, &feats, 3, config.clone());
        let (n, a) = ((0, false), (0, true));
        // The window (answers 3 to 5) as without the turns.
        near(value(&mut layer, &[n; 5]), -60.0 * 5.0 / 7.0);
        // Then: once, ×10, once, ×10.
        near(value(&mut layer, &[n; 6]), -6.0 * 6.0 / 8.0);
        near(value(&mut layer, &[n; 7]), -60.0 * 7.0 / 9.0);
        near(value(&mut layer, &[n; 8]), -6.0 * 8.0 / 10.0);
        near(value(&mut layer, &[n; 41]), -60.0 * 41.0 / 43.0);
        // One "anomaly" (it casts no vote yet) does not end them, as it
        // does not end the window: ×10 after 7 answers.
        let mut found = vec![n; 6];
        found.insert(0, a);
        near(value(&mut layer, &found), -60.0 * 6.0 / 8.0);
        // A second ends them (both vote now: 6·(3·2 − 5)/9).
        let mut found = vec![n; 5];
        found.insert(0, a);
        found.insert(3, a);
        near(value(&mut layer, &found), 6.0 * (3.0 * 2.0 - 5.0) / 9.0);
        // Undone: the turns are back.
        near(value(&mut layer, &[n; 7]), -60.0 * 7.0 / 9.0);
        // With `turns_anomalies` 0 (a session saved before it) the first
        // "anomaly" ends them: −6·6/8.
        let strict = ActiveConfig {
            turns_anomalies: 0,
            ..config.clone()
        };
        let mut strict = ActiveLayer::new(&ev, 1, &feats, 3, strict);
        let mut found = vec![n; 6];
        found.insert(0, a);
        near(value(&mut strict, &found), -4.5);
        // Off: the votes count once after the window.
        let off = ActiveConfig {
            search_turns: false,
            ..config
        };
        let mut off = ActiveLayer::new(&ev, 1, &feats, 3, off);
        near(value(&mut off, &[n; 7]), -6.0 * 7.0 / 9.0);
    }

    /// The search moves the questions, not the scores or the fit: with the
    /// rank term off (its anchor reads the questions' scores) the weights,
    /// the offsets and the scores after a dozen "normal" answers are those
    /// of a layer without the search, to the bit, and the questions' scores
    /// differ from the scores by the votes alone.
    #[test]
    fn the_search_moves_the_questions_not_the_scores_or_the_fit() {
        let (ev, feats) = three_groups();
        let config = |scale: f64| ActiveConfig {
            rank_weight: 0.0,
            explore_vote_scale: scale,
            ..ActiveConfig::default()
        };
        let labels: Vec<(usize, bool)> = (40..52).map(|i| (i, false)).collect();
        let mut with = ActiveLayer::new(&ev, 1, &feats, 3, config(10.0));
        let mut without = ActiveLayer::new(&ev, 1, &feats, 3, config(1.0));
        with.set_labels(&labels);
        without.set_labels(&labels);
        assert_eq!((&with.w, with.b), (&without.w, without.b));
        assert_eq!(with.scores(), without.scores());
        assert_eq!(without.question_scores(), without.scores());
        let mut apart = 0.0f64;
        for i in 0..with.rows() {
            let got = f64::from(with.question_scores()[i] - with.scores()[i]);
            let votes = |search: bool| {
                let r = &with.regions;
                r.mean_over_leaves(i, |t, leaf| r.leaf_vote(t, leaf, search))
            };
            let want = votes(true) - votes(false);
            assert!((got - want).abs() < 1e-3, "row {i}: {got} vs {want}");
            apart = apart.max(got.abs());
        }
        assert!(apart > 1.0, "{apart}");
    }

    /// One label alone: its own vote is left out of its fit, so the
    /// weights are those of a layer without votes, to the bit; the scores
    /// differ by the votes only. After a reload (a saved fit) the votes
    /// are counted again.
    #[test]
    fn a_labels_own_vote_is_left_out_of_its_fit() {
        let (ev, feats) = three_groups();
        let config = |vote_weight: f64| ActiveConfig {
            vote_weight,
            ..ActiveConfig::default()
        };
        let mut with = ActiveLayer::new(&ev, 1, &feats, 3, config(8.0));
        let mut without = ActiveLayer::new(&ev, 1, &feats, 3, config(0.0));
        with.set_labels(&[(5, false)]);
        without.set_labels(&[(5, false)]);
        assert_eq!((&with.w, with.b), (&without.w, without.b));
        for i in 0..with.rows() {
            let votes = with.regions.value(i, with.u()) - without.regions.value(i, without.u());
            let gap = (with.scores()[i] - without.scores()[i]) as f64;
            assert!((gap - votes).abs() < 1e-4, "row {i}: {gap} vs {votes}");
        }
        assert!(with.scores()[5] < without.scores()[5] - 1.0);
        let labels = [(5, true), (50, false), (90, false)];
        with.set_labels(&labels);
        let mut restored = ActiveLayer::new(&ev, 1, &feats, 3, config(8.0));
        assert!(restored.restore_saved(&labels, &with.saved_fit().unwrap()));
        assert_eq!(restored.scores(), with.scores());
    }

    fn full_after(
        ev: &[f32],
        feats: &[f32],
        config: ActiveConfig,
        labels: &[(usize, bool)],
    ) -> Vec<f32> {
        let mut layer = ActiveLayer::new(ev, 1, feats, 3, config);
        layer.set_labels(labels);
        layer.scores().to_vec()
    }

    #[test]
    fn tails_rank_values_by_the_share_of_rows_above() {
        let mut v = vec![5.0f32, 0.0, 1.0, 0.0, 3.0, 0.0, 3.0, 0.0];
        tail_transform(&mut v, 2, 0..1, 0, usize::MAX, None);
        let want = [4f64.ln(), 0.0, (4.0f64 / 3.0).ln(), (4.0f64 / 3.0).ln()];
        for (got, want) in v.chunks(2).zip(want) {
            assert!((got[0] as f64 - want).abs() < 1e-6, "{got:?} {want}");
            assert_eq!(got[1], 0.0);
        }
    }

    /// The tails as a comparison sort gives them, bit for bit: ties,
    /// both zeros, negatives, infinities and subnormals included.
    #[test]
    fn a_tail_sketch_is_exact_on_discrete_columns_and_close_on_continuous_ones() {
        let exact_of = |values: &[f32]| {
            let mut v: Vec<f32> = values.iter().flat_map(|&x| [x, 0.0]).collect();
            tail_transform(&mut v, 2, 0..1, 0, usize::MAX, None);
            v.iter().step_by(2).copied().collect::<Vec<f32>>()
        };
        let sketched = |values: &[f32], k: usize| {
            let mut v: Vec<f32> = values.iter().flat_map(|&x| [x, 0.0]).collect();
            tail_transform(&mut v, 2, 0..1, k, usize::MAX, None);
            v.iter().step_by(2).copied().collect::<Vec<f32>>()
        };
        // A one-hot column (5% ones) and a column of 7 levels: exact.
        let onehot: Vec<f32> = (0..2000)
            .map(|i| f32::from(u8::from(i % 20 == 3)))
            .collect();
        assert!(sketched(&onehot, 64) == exact_of(&onehot));
        let levels: Vec<f32> = (0..3000).map(|i| ((i * 7919) % 7) as f32 * 0.5).collect();
        assert!(sketched(&levels, 16) == exact_of(&levels));
        assert!(sketched(&levels, 7) == exact_of(&levels));
        // A continuous, skewed column: within a knot's step of the exact
        // tail, and never decreasing with the value.
        let mut rng = crate::rng::Rng::new(3);
        let n = 20_000;
        let cont: Vec<f32> = (0..n)
            .map(|_| (rng.normal().abs() as f32).powi(3))
            .collect();
        for k in [64, 1024] {
            let (a, b) = (exact_of(&cont), sketched(&cont, k));
            let step = (n as f32).ln() / (k - 1) as f32;
            let worst = a
                .iter()
                .zip(&b)
                .map(|(x, y)| (x - y).abs())
                .fold(0.0f32, f32::max);
            assert!(worst <= step * 1.01 + 1e-5, "K {k}: {worst} > {step}");
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by(|&i, &j| cont[i].total_cmp(&cont[j]));
            assert!(order.windows(2).all(|w| b[w[0]] <= b[w[1]]));
        }
        // The sketch alone scores values it never saw.
        let mut sorted = cont.clone();
        sorted.sort_by(f32::total_cmp);
        let s = TailSketch::of_sorted(&sorted, 256);
        assert!(s.values.len() <= 256 && s.values.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(s.tail(-1.0), 0.0);
        assert_eq!(s.tail(f32::MAX), *s.tails.last().unwrap());
        assert!((s.tails.last().unwrap() - (n as f32).ln()).abs() < 1e-4);
        assert_eq!(TailSketch::of_sorted(&[], 8).tail(1.0), 0.0);
        // Thinning the exact sketch (a knot per distinct value) keeps its
        // ends, at most the knots asked for, and tails within one level.
        let exact = TailSketch::of_sorted(&sorted, n);
        for v in &sorted {
            let want = exact.tail(*v);
            let rank = sorted.partition_point(|x| x < v);
            assert_eq!(want, (-libm::log((n - rank) as f64 / n as f64)) as f32);
        }
        let thin = exact.thinned(256);
        assert!(thin.values.len() <= 257 && thin.values.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(thin.values.first(), exact.values.first());
        assert_eq!(thin.tails.last(), exact.tails.last());
        let level = exact.tails.last().unwrap() / 255.0;
        for v in &sorted {
            assert!((thin.tail(*v) - exact.tail(*v)).abs() <= level * 1.01 + 1e-5);
        }
        assert_eq!(exact.thinned(n + 5), exact);
        // Exact ranks with a cap: a column of more distinct values than
        // the cap reads the thinned sketch, one of fewer stays exact.
        let capped = |values: &[f32], cap: usize| {
            let mut v: Vec<f32> = values.iter().flat_map(|&x| [x, 0.0]).collect();
            tail_transform(&mut v, 2, 0..1, 0, cap, None);
            v.iter().step_by(2).copied().collect::<Vec<f32>>()
        };
        let got = capped(&cont, 256);
        assert!(cont.iter().zip(&got).all(|(v, t)| thin.tail(*v) == *t));
        assert!(capped(&cont, n) == exact_of(&cont));
        assert!(capped(&levels, 7) == exact_of(&levels));
    }

    /// The kernel's own `e^x`: within 2 units in the last place of libm's
    /// on the whole range it is used on, exactly 1 at 0 (a row's kernel
    /// with itself is [`ONE`]), never increasing with the distance, and
    /// 0 where `e^x·2³²` rounds to 0.
    #[test]
    fn the_kernels_exponential_is_close_to_libms_and_exact_at_zero() {
        assert_eq!(exp_neg(0.0), 1.0);
        assert_eq!(exp_neg(-0.0), 1.0);
        assert_eq!(kernel_of(-0.5, 0.0), ONE);
        assert_eq!(exp_neg(-24.0), 0.0);
        assert_eq!(exp_neg(-1e30), 0.0);
        let mut last = 1.0f32;
        let mut worst = 0.0f64;
        for i in 0..=2_400_000u32 {
            let x = -(i as f32) * 1e-5;
            let (ours, theirs) = (exp_neg(x), libm::expf(x));
            if x > -23.9 {
                let ulp = f64::from(theirs) * f64::from(f32::EPSILON);
                worst = worst.max((f64::from(ours) - f64::from(theirs)).abs() / ulp);
            }
            assert!(ours <= last, "{x}");
            last = ours;
        }
        assert!(worst <= 2.0, "{worst} units in the last place");
        let got = kernel_of(-0.31, 3.7);
        let want = (libm::exp(-0.31 * 3.7) * ONE as f64).round() as i64;
        assert!((got - want).abs() < 1 << 10, "{got} vs {want}");
        assert_eq!(kernel_of(-0.31, 400.0), 0);
    }

    #[test]
    fn tails_by_radix_sort_match_a_comparison_sort() {
        fn by_comparison(values: &mut [f32], width: usize, j: usize) {
            let n = values.len() / width;
            let mut column: Vec<(f32, u32)> =
                (0..n).map(|r| (values[r * width + j], r as u32)).collect();
            column.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
            let mut k = 0;
            while k < n {
                let v = column[k].0;
                let end = k + column[k..].iter().take_while(|c| c.0 == v).count().max(1);
                let tail = (-((n - k) as f64 / n as f64).ln()) as f32;
                for &(_, r) in &column[k..end] {
                    values[r as usize * width + j] = tail;
                }
                k = end;
            }
        }
        let special = [
            0.0,
            -0.0,
            1e-40,
            -1e-40,
            f32::INFINITY,
            f32::NEG_INFINITY,
            7.5,
            -7.5,
        ];
        let mut rng = crate::rng::Rng::new(7);
        for n in [1, 2, 3, 17, 256, 257, 5_000] {
            let v: Vec<f32> = (0..n * 3)
                .map(|i| match i % 5 {
                    0 => special[rng.index(special.len())],
                    1 => (rng.index(9) as f32) * 0.25,
                    _ => (rng.normal() as f32) * 1e3,
                })
                .collect();
            for j in 0..3 {
                let (mut a, mut b) = (v.clone(), v.clone());
                tail_transform(&mut a, 3, j..j + 1, 0, usize::MAX, None);
                by_comparison(&mut b, 3, j);
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&a), bits(&b), "n {n}, column {j}");
            }
        }
        for x in special {
            assert_eq!(from_order_key(order_key(x)).to_bits(), x.to_bits());
        }
    }

    /// Read by their tails, one column's huge outlier no longer outranks a
    /// row that is high in every column.
    #[test]
    fn tail_evidence_keeps_one_column_from_drowning_the_others() {
        let rows = 200;
        let mut ev: Vec<f32> = (0..rows)
            .flat_map(|i| [i as f32 / 100.0, ((i * 37) % rows) as f32 / 100.0])
            .collect();
        ev[0] = 1e6; // row 0: an outlier in column 0 only
        ev[1] = 1.0;
        ev[2] = 1.985; // row 1: near the top of both columns
        ev[3] = 1.985;
        let top = |tail_evidence| {
            let config = ActiveConfig {
                tail_evidence,
                forest_trees: 0,
                ..ActiveConfig::default()
            };
            let layer = ActiveLayer::new(&ev, 2, &[], 0, config);
            crate::metrics::ranking(layer.scores())[0]
        };
        assert_eq!(top(false), 0);
        assert_eq!(top(true), 1);
    }

    /// The first "normal" answer alone leaves the weights at the prior; a
    /// first "anomaly" moves them at once.
    #[test]
    fn one_normal_answer_does_not_turn_the_weights() {
        let (ev, feats) = three_groups();
        let mut layer = ActiveLayer::new(&ev, 1, &feats, 3, ActiveConfig::default());
        let prior = layer.w[..layer.width].to_vec();
        layer.set_labels(&[(0, false)]);
        assert_eq!(&layer.w[..layer.width], &prior[..]);
        layer.set_labels(&[(0, false), (1, false)]);
        assert_ne!(&layer.w[..layer.width], &prior[..]);
        layer.set_labels(&[(0, true)]);
        assert_ne!(&layer.w[..layer.width], &prior[..]);
    }

    /// When the evidence ranks the anomalies last, answers of "normal" at
    /// the top turn the ranking over once the rank term is on: the
    /// evidence weight falls and the last group rises to the top.
    /// Without the term, fewer of them are found.
    #[test]
    fn the_rank_term_turns_the_ranking_over_after_normal_answers() {
        let (ev, feats) = three_groups();
        let run = |rank_weight: f64| {
            // The rank term alone, on the evidence as it is (no tails).
            let config = ActiveConfig {
                forest_trees: 0,
                neighbour_weight: 0.0,
                tail_evidence: false,
                rank_weight,
                ..ActiveConfig::default()
            };
            let mut layer = ActiveLayer::new(&ev, 1, &feats, 3, config);
            let mut labels: Vec<(usize, bool)> = Vec::new();
            let mut first_weight = None;
            for _ in 0..50 {
                let top = ranking(layer.scores())
                    .into_iter()
                    .find(|i| !labels.iter().any(|l| l.0 == *i))
                    .unwrap();
                labels.push((top, top >= 80));
                layer.set_labels(&labels);
                if top >= 80 && first_weight.is_none() {
                    first_weight = Some(layer.weights().0[0]);
                }
            }
            (labels.iter().filter(|l| l.1).count(), first_weight)
        };
        let (on, weight) = run(1.0);
        let (off, _) = run(0.0);
        assert!(on >= 10, "found {on} of the last group in 50 answers");
        // The prior weight is 1/√4 (one detector and three marginal columns).
        assert!(weight.is_some_and(|w| w < 0.25), "{weight:?}");
        assert!(on > off, "with the rank term {on}, without {off}");
    }

    #[test]
    fn quantile_nearest_rank() {
        let v: Vec<f32> = (0..101).map(|i| i as f32).collect();
        assert_eq!(quantile(&v, 0.97), 97.0);
        assert_eq!(quantile(&v, 0.0), 0.0);
        assert_eq!(quantile(&[], 0.5), 0.0);
        assert_eq!(quantile(&[f32::NAN, 2.0], 0.5), 2.0);
    }
}
