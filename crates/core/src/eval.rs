//! The paper's experiment: a simulated expert answers from the ground truth,
//! one top-ranked row at a time, and we count the anomalies found.

use burn::tensor::Device;

use crate::active::ActiveConfig;
use crate::data::Table;
use crate::detector::{score_rows, train_to_end, DetectorSpec, TrainingRun, SCORE_CHUNK_ROWS};
use crate::error::CoreError;
use crate::metrics::{average_precision, discovery_curve, ranking, roc_auc, roc_auc_masked};
use crate::query::QueryStrategy;
use crate::session::Session;

/// One seed's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct RunResult {
    pub seed: u64,
    /// Cumulative anomalies after each query, with feedback.
    pub found: Vec<usize>,
    /// The same for the detector's ranking without feedback.
    pub baseline_found: Vec<usize>,
    pub roc_auc_before: Option<f64>,
    pub ap_before: Option<f64>,
    /// The active layer's scores after the last query, on all rows.
    pub roc_auc_after: Option<f64>,
    /// ... and on the rows never queried.
    pub roc_auc_after_unlabelled: Option<f64>,
    pub ap_after: Option<f64>,
    /// Mean training loss of the last epoch.
    pub final_loss: f32,
}

/// Trains `spec` (with its seed) on `table`, then runs `budget` greedy queries.
pub async fn run_experiment(
    table: &Table,
    spec: &DetectorSpec,
    active: &ActiveConfig,
    budget: usize,
    device: &Device,
) -> Result<RunResult, CoreError> {
    run_experiment_with(table, spec, active, QueryStrategy::Greedy, budget, device).await
}

/// [`run_experiment`] with another query strategy. `TopK(k)` labels the `k`
/// best rows of one ranking before looking again (a batch); `Uncertainty`
/// and `Random` pick one row at a time (the random draw is seeded by the
/// strategy's seed, the run's seed and the number of queries so far);
/// their counts are ignored.
pub async fn run_experiment_with(
    table: &Table,
    spec: &DetectorSpec,
    active: &ActiveConfig,
    strategy: QueryStrategy,
    budget: usize,
    device: &Device,
) -> Result<RunResult, CoreError> {
    let truth = table
        .labels
        .clone()
        .ok_or_else(|| CoreError::InvalidConfig("the data has no ground-truth column".into()))?;
    let mut session = Session::new(table.clone());
    session.set_active_config(active.clone());
    let run = TrainingRun::new(spec, session.x(), session.cols(), device)?;
    let mut final_loss = f32::NAN;
    let model = train_to_end(run, |_, loss| final_loss = loss).await?;
    let scored = score_rows(
        &model,
        session.x(),
        session.cols(),
        device,
        SCORE_CHUNK_ROWS,
    )
    .await?;
    let budget = budget.min(table.rows());
    let baseline: Vec<usize> = ranking(&scored.score).into_iter().take(budget).collect();
    let roc_auc_before = roc_auc(&scored.score, &truth);
    let ap_before = average_precision(&scored.score, &truth);
    session.attach(scored)?;
    let mut queried: Vec<usize> = Vec::with_capacity(budget);
    while queried.len() < budget {
        let picks = match strategy {
            QueryStrategy::Greedy => session.queue(QueryStrategy::Greedy),
            QueryStrategy::TopK(k) => session.queue(QueryStrategy::TopK(k.max(1))),
            QueryStrategy::Uncertainty(_) => session.queue(QueryStrategy::Uncertainty(1)),
            QueryStrategy::Random { seed, .. } => session.queue(QueryStrategy::Random {
                count: 1,
                seed: seed
                    ^ spec.train.seed.rotate_left(32)
                    ^ (queried.len() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            }),
        };
        if picks.is_empty() {
            break;
        }
        for row in picks.into_iter().take(budget - queried.len()) {
            session.label(row, Some(truth[row]))?;
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
        ap_before,
        roc_auc_after: roc_auc(scores, &truth),
        roc_auc_after_unlabelled: roc_auc_masked(scores, &truth, |i| !mask[i]),
        ap_after: average_precision(scores, &truth),
        final_loss,
    })
}
