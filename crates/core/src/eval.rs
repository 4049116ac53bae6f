//! The paper's experiment: a simulated expert answers from the ground truth,
//! one top-ranked row at a time, and we count the anomalies found.
//!
//! The expert may make mistakes ([`Expert`]): the first answer flipped, or
//! each answer flipped with probability `P` (seeded). found@k always counts
//! the rows that truly are anomalies among the first k queried.

use burn::tensor::Device;

use crate::active::ActiveConfig;
use crate::data::Table;
use crate::detector::{fit_and_score, no_pause, DetectorSpec};
use crate::error::CoreError;
use crate::metrics::{average_precision, discovery_curve, ranking, roc_auc, roc_auc_masked};
use crate::query::QueryRule;
use crate::rng::{Rng, GOLDEN_GAMMA};
use crate::session::Session;

/// The simulated expert: the ground truth, with the mistakes asked for.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Expert {
    /// Give the wrong answer to the first query.
    pub flip_first: bool,
    /// Give the wrong answer to each query with this probability.
    pub noise: f64,
}

impl Expert {
    /// The answer to the `asked`-th query (0-based) about a row whose true
    /// label is `truth`. Draws one number per answer, so the mistakes of a
    /// seed do not depend on which rows were asked.
    fn answer(&self, truth: bool, asked: usize, rng: &mut Rng) -> bool {
        let noisy = rng.uniform() < self.noise;
        let flip = noisy ^ (self.flip_first && asked == 0);
        truth ^ flip
    }
}

/// One seed's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct RunResult {
    pub seed: u64,
    /// Cumulative anomalies after each query, with feedback.
    pub found: Vec<usize>,
    /// The same for the detector's ranking without feedback.
    pub baseline_found: Vec<usize>,
    pub roc_auc_before: Option<f64>,
    /// The active layer's ranking before any label (the detector's evidence
    /// with the layer's prior weights).
    pub roc_auc_layer_before: Option<f64>,
    pub ap_before: Option<f64>,
    /// How many answers the expert got wrong.
    pub wrong_answers: usize,
    /// The active layer's scores after the last query, on all rows.
    pub roc_auc_after: Option<f64>,
    /// ... and on the rows never queried.
    pub roc_auc_after_unlabelled: Option<f64>,
    pub ap_after: Option<f64>,
    /// Mean training loss of the last epoch.
    pub final_loss: f32,
}

/// Trains `spec` (with its seed) on `table`, then runs `budget` queries
/// under `rule`. `TopK(k)` labels the `k` best rows of one ranking before
/// looking again (a batch); the other rules pick one row at a time (the
/// random order is seeded by the run's seed and the number of queries so
/// far). `expert` answers, with its mistakes seeded by the run's seed.
pub async fn run_experiment(
    table: &Table,
    spec: &DetectorSpec,
    active: &ActiveConfig,
    rule: QueryRule,
    budget: usize,
    expert: Expert,
    device: &Device,
) -> Result<RunResult, CoreError> {
    let truth = table.labels.clone().ok_or(CoreError::NoGroundTruth)?;
    let mut session = Session::new(table.clone());
    session.set_active_config(active.clone())?;
    let fitted = fit_and_score(spec, session.x(), session.cols(), device, no_pause)
        .await?
        .ok_or(CoreError::NotTrained)?;
    let scored = fitted.scored;
    let budget = budget.min(table.rows());
    let baseline: Vec<usize> = ranking(&scored.score).into_iter().take(budget).collect();
    let roc_auc_before = roc_auc(&scored.score, &truth);
    let ap_before = average_precision(&scored.score, &truth);
    session.attach(scored)?;
    let roc_auc_layer_before = session.scores().and_then(|s| roc_auc(s, &truth));
    let mut mistakes = Rng::new(spec.train.seed ^ 0x0E4E_E47E);
    let mut wrong_answers = 0;
    let mut queried: Vec<usize> = Vec::with_capacity(budget);
    while queried.len() < budget {
        let seed =
            spec.train.seed.rotate_left(32) ^ (queried.len() as u64).wrapping_mul(GOLDEN_GAMMA);
        let picks = session.queue(rule.strategy(rule.batch(), seed));
        if picks.is_empty() {
            break;
        }
        for row in picks.into_iter().take(budget - queried.len()) {
            let answer = expert.answer(truth[row], queried.len(), &mut mistakes);
            wrong_answers += usize::from(answer != truth[row]);
            session.label(row, Some(answer))?;
            queried.push(row);
        }
    }
    let scores = session.scores().unwrap_or_default();
    let mask = session.labelled_mask();
    Ok(RunResult {
        seed: spec.train.seed,
        found: discovery_curve(&queried, &truth),
        baseline_found: discovery_curve(&baseline, &truth),
        roc_auc_before,
        roc_auc_layer_before,
        ap_before,
        wrong_answers,
        roc_auc_after: roc_auc(scores, &truth),
        roc_auc_after_unlabelled: roc_auc_masked(scores, &truth, |i| !mask[i]),
        ap_after: average_precision(scores, &truth),
        final_loss: fitted.final_loss,
    })
}
