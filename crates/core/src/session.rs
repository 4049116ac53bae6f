//! [`Session`]: the one entry point the app uses. It owns the data, the
//! detector's results, the active layer and the labels, and hands out plain
//! data. It never touches a tensor: the caller trains and scores (both
//! asynchronous), then [`attach`](Session::attach)es the result.

use crate::active::{ActiveConfig, ActiveLayer, Part};
use crate::data::Table;
use crate::detector::Scored;
use crate::error::CoreError;
use crate::projection::{columns_2d, pca_2d, ProjectionKind};
use crate::query::{select, QueryStrategy};
use crate::standardize::Standardizer;

/// A labelled row, in the order the labels were given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabelEvent {
    pub row: usize,
    pub anomaly: bool,
}

/// One reason for a row's score, in words, with its share of the score
/// (positive: towards "anomaly").
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub text: String,
    pub value: f64,
    /// The parts that make up `value`, e.g. `unusual value +0.59, …`.
    pub detail: String,
}

/// The data, the detector's view of it and the expert's labels.
#[derive(Debug, Clone)]
pub struct Session {
    table: Table,
    standardizer: Standardizer,
    x: Vec<f32>,
    scored: Option<Scored>,
    active: Option<ActiveLayer>,
    active_config: ActiveConfig,
    labels: Vec<Option<bool>>,
    history: Vec<LabelEvent>,
    /// Label changes that [`undo`](Session::undo) takes back, newest last.
    undo: Vec<Change>,
    /// Changes taken back, that [`redo`](Session::redo) gives again.
    redo: Vec<Change>,
    /// The `TOP_CACHED` best unlabelled rows under the current scores.
    top: Vec<usize>,
}

/// One label change: the row's label and place in the history before and
/// after it. A label set again moves to the end of the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Change {
    row: usize,
    before: Option<(usize, bool)>,
    after: Option<(usize, bool)>,
}

/// How many of the best unlabelled rows the session keeps ready.
pub const TOP_CACHED: usize = 32;

impl Session {
    /// Standardises the table (f64 fit, f32 values).
    pub fn new(table: Table) -> Self {
        let standardizer = Standardizer::fit(&table.values, table.cols());
        let x = standardizer.transform(&table.values);
        let rows = table.rows();
        Self {
            table,
            standardizer,
            x,
            scored: None,
            active: None,
            active_config: ActiveConfig::default(),
            labels: vec![None; rows],
            history: Vec::new(),
            undo: Vec::new(),
            redo: Vec::new(),
            top: Vec::new(),
        }
    }

    pub fn table(&self) -> &Table {
        &self.table
    }

    pub fn standardizer(&self) -> &Standardizer {
        &self.standardizer
    }

    /// Standardised features, row-major.
    pub fn x(&self) -> &[f32] {
        &self.x
    }

    pub fn rows(&self) -> usize {
        self.table.rows()
    }

    pub fn cols(&self) -> usize {
        self.table.cols()
    }

    pub fn set_active_config(&mut self, config: ActiveConfig) {
        self.active_config = config;
        self.rebuild_active();
    }

    /// Takes a (re)trained detector's results. The labels given so far are
    /// kept and replayed, in their order, into the new active layer: the
    /// scores are those of a session that had these detector results from
    /// the start.
    pub fn attach(&mut self, scored: Scored) -> Result<(), CoreError> {
        if scored.rows != self.rows() {
            return Err(CoreError::InvalidConfig(format!(
                "the detector scored {} rows, the data has {}",
                scored.rows,
                self.rows()
            )));
        }
        self.scored = Some(scored);
        self.rebuild_active();
        Ok(())
    }

    fn rebuild_active(&mut self) {
        if let Some(s) = &self.scored {
            let mut layer = ActiveLayer::new(
                &s.evidence,
                s.evidence_dim,
                &self.x,
                self.cols(),
                self.active_config.clone(),
            );
            layer.set_labels(&self.labelled());
            self.active = Some(layer);
        }
        self.refresh_top();
    }

    /// Fits the active layer to the history as it now stands.
    fn refit(&mut self) {
        let labelled = self.labelled();
        if let Some(layer) = &mut self.active {
            layer.set_labels(&labelled);
        }
        self.refresh_top();
    }

    /// Recomputes the cached best unlabelled rows after a change of scores
    /// or labels, so that the suggestion and the queue (asked for several
    /// times per label by the page) cost nothing until the next change.
    fn refresh_top(&mut self) {
        self.top = match self.scores() {
            Some(s) => select(s, &self.labelled_mask(), QueryStrategy::TopK(TOP_CACHED)),
            None => Vec::new(),
        };
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
        let before = self.place(row);
        let after = label.map(|y| (self.history.len() - usize::from(before.is_some()), y));
        let change = Change { row, before, after };
        self.apply(change.row, change.after);
        self.undo.push(change);
        self.redo.clear();
        Ok(())
    }

    /// Row `row`'s place in the history and its label, if it has one.
    fn place(&self, row: usize) -> Option<(usize, bool)> {
        self.history
            .iter()
            .position(|e| e.row == row)
            .map(|k| (k, self.history[k].anomaly))
    }

    /// Puts `row` at `place` in the history (or takes it out), then refits.
    fn apply(&mut self, row: usize, place: Option<(usize, bool)>) {
        self.history.retain(|e| e.row != row);
        self.labels[row] = place.map(|p| p.1);
        if let Some((k, anomaly)) = place {
            let k = k.min(self.history.len());
            self.history.insert(k, LabelEvent { row, anomaly });
        }
        self.refit();
    }

    /// Takes back the newest label change: the row gets its earlier label,
    /// at its earlier place in the history, so the scores are exactly those
    /// before the change. Returns the row, or `None` when there is nothing
    /// to undo.
    pub fn undo(&mut self) -> Option<usize> {
        let change = self.undo.pop()?;
        self.apply(change.row, change.before);
        self.redo.push(change);
        Some(change.row)
    }

    /// Gives again the newest change taken back by [`undo`](Session::undo).
    pub fn redo(&mut self) -> Option<usize> {
        let change = self.redo.pop()?;
        self.apply(change.row, change.after);
        self.undo.push(change);
        Some(change.row)
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
        let rows = self.rows();
        let mut seen = vec![false; rows];
        let mut kept: Vec<LabelEvent> = Vec::new();
        for &(row, anomaly) in labels.iter().rev() {
            if row < rows && !std::mem::replace(&mut seen[row], true) {
                kept.push(LabelEvent { row, anomaly });
            }
        }
        kept.reverse();
        self.labels = vec![None; rows];
        for e in &kept {
            self.labels[e.row] = Some(e.anomaly);
        }
        self.history = kept;
        self.undo.clear();
        self.redo.clear();
        self.refit();
        self.history.len()
    }

    pub fn label_of(&self, row: usize) -> Option<bool> {
        self.labels.get(row).copied().flatten()
    }

    /// Labels as `(row, is_anomaly)`, in the order given.
    pub fn labelled(&self) -> Vec<(usize, bool)> {
        self.history.iter().map(|e| (e.row, e.anomaly)).collect()
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
            (_, Some(s)) => select(s, &self.labelled_mask(), strategy),
            (_, None) => Vec::new(),
        }
    }

    /// The one row to review next (top-1 greedy).
    pub fn suggestion(&self) -> Option<usize> {
        self.top.first().copied()
    }

    /// Why `row` scores as it does, in words: its score's parts grouped by
    /// what they are about (each feature: its reconstruction error, how
    /// unusual its value is, and the weight labels gave it; the detector's
    /// abstract outputs; the labelled rows nearby), the `top` largest first.
    /// Empty before the detector has scored.
    pub fn explain(&self, row: usize, top: usize) -> Vec<Reason> {
        let (Some(layer), Some(scored)) = (&self.active, &self.scored) else {
            return Vec::new();
        };
        if row >= self.rows() {
            return Vec::new();
        }
        let d = self.cols();
        // Group key: Some(feature) or None (detector outputs / neighbours).
        #[derive(PartialEq)]
        enum About {
            Feature(usize),
            Outputs,
            Neighbours,
        }
        let mut groups: Vec<(About, f64, Vec<String>)> = Vec::new();
        for (part, value) in layer.explain(row) {
            let (about, what) = match part {
                Part::Evidence(j) if scored.evidence_per_feature && j < d => {
                    (About::Feature(j), "reconstruction error")
                }
                Part::Evidence(_) => (About::Outputs, "distance"),
                Part::Marginal(j) => (About::Feature(j), "unusual value"),
                Part::Feature(j) => (About::Feature(j), "weight learnt from labels"),
                Part::Neighbours => (About::Neighbours, "labelled rows nearby"),
            };
            let detail = format!("{what} {value:+.2}");
            match groups.iter_mut().find(|g| g.0 == about) {
                Some(g) => {
                    g.1 += value;
                    g.2.push(detail);
                }
                None => groups.push((about, value, vec![detail])),
            }
        }
        groups.retain(|g| g.1.abs() >= 1e-3);
        groups.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        let names = &self.table.features;
        let values = self.table.row(row);
        groups
            .into_iter()
            .take(top)
            .map(|(about, value, details)| {
                let text = match about {
                    About::Feature(j) => {
                        let z = self.x[row * d + j];
                        // No "-0.0": a value at the mean reads "z +0.0".
                        let z = if z.abs() < 0.05 { 0.0 } else { z };
                        format!("{} = {} (z {z:+.1})", names[j], short_number(values[j]))
                    }
                    About::Outputs => "the detector's distance".into(),
                    About::Neighbours if value > 0.0 => "close to labelled anomalies".into(),
                    About::Neighbours => "close to labelled normal rows".into(),
                };
                Reason {
                    text,
                    value,
                    detail: details.join(", "),
                }
            })
            .collect()
    }

    /// With ground truth: (true anomalies among the labelled rows, rows labelled).
    pub fn found(&self) -> Option<(usize, usize)> {
        let truth = self.table.labels.as_ref()?;
        let found = self.history.iter().filter(|e| truth[e.row]).count();
        Some((found, self.history.len()))
    }

    /// Plays the expert from the ground truth: labels the suggested row with
    /// its true label. Returns what it did, or `None` without truth or rows.
    pub fn auto_label_next(&mut self) -> Option<LabelEvent> {
        let truth = self.table.labels.as_ref()?;
        let row = self.suggestion()?;
        let anomaly = truth[row];
        self.label(row, Some(anomaly)).ok()?;
        Some(LabelEvent { row, anomaly })
    }

    /// The rank (0 = most anomalous) of every row under the current scores.
    pub fn ranks(&self) -> Option<Vec<usize>> {
        let order = crate::metrics::ranking(self.scores()?);
        let mut ranks = vec![0; order.len()];
        for (r, &i) in order.iter().enumerate() {
            ranks[i] = r;
        }
        Some(ranks)
    }

    /// 2-D coordinates of every row, `[x0, y0, x1, y1, …]`.
    pub fn projection(&self, kind: ProjectionKind) -> Result<Vec<f32>, CoreError> {
        match kind {
            ProjectionKind::Pca => Ok(pca_2d(&self.x, self.cols())),
            ProjectionKind::Columns(a, b) => {
                columns_2d(&self.x, self.cols(), a, b).ok_or_else(|| {
                    CoreError::InvalidConfig(format!(
                        "columns {a} and {b}: the data has {}",
                        self.cols()
                    ))
                })
            }
            ProjectionKind::Latent => match &self.scored {
                Some(s) if s.latent_dim == 2 => Ok(s.latent.clone()),
                Some(s) => Err(CoreError::InvalidConfig(format!(
                    "the detector's latent code has {} dimensions, not 2",
                    s.latent_dim
                ))),
                None => Err(CoreError::InvalidConfig("train the detector first".into())),
            },
        }
    }
}

/// A value as a person would write it: integers plainly, others to 4
/// significant decimals.
fn short_number(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e9 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}
