//! The app's domain state: one dataset being inspected ([`Lab`]), kept out
//! of fine-grained signals (it holds every row). Components read it through
//! a `StoredValue` and re-render when a version signal is bumped. Pure page
//! logic lives here so that native tests reach it: the review queue, undo,
//! auto-labelling, the stored labels, and zoom and pan in pixels.

use anomaly_lab_core::data::Prepared;
use anomaly_lab_core::projection::ProjectionKind;
use anomaly_lab_core::query::QueryRule;
use anomaly_lab_core::scorecard::Threshold;
use anomaly_lab_core::scoring::ScoringModel;
use anomaly_lab_core::session::Session;
use anomaly_lab_core::session_file::{SessionFile, TrainedDetector};
use anomaly_lab_core::synth::{generate, BuiltinSample};
use anomaly_lab_core::CoreError;

use crate::storage::{decode_labels, encode_labels, storage_key, MAX_FIT_CHARS};
use crate::viewport::{HitGrid, PlotArea, ViewRect, ZOOM_STEP};
use crate::words::format_value;

/// Rows in the review queue.
pub const QUEUE_LEN: usize = 10;

/// One dataset being inspected.
pub struct Lab {
    pub name: String,
    /// Where this dataset's labels are kept in the browser's local storage.
    pub key: String,
    pub session: Session,
    pub projection: ProjectionKind,
    /// 2-D coordinates of every row for the current projection.
    pub coords: Vec<f32>,
    pub view: ViewRect,
    pub area: PlotArea,
    pub grid: HitGrid,
    /// The rows picked with the lasso or the rectangle, if any.
    pub selection: Option<Selection>,
    /// The detector the scores come from (settings, weights, backend),
    /// which a session file keeps; none until a run has landed.
    pub detector: Option<TrainedDetector>,
}

/// Rows picked on the scatter, in row order, with a mask by row for the
/// repaint (unselected points are dimmed).
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    pub rows: Vec<usize>,
    pub mask: Vec<bool>,
}

/// A built-in sample by name, optionally with another number of rows.
pub fn sample_table(name: &str, rows: Option<usize>) -> Option<Prepared> {
    let mut cfg = BuiltinSample::parse(name)?.config();
    if let Some(r) = rows {
        cfg.rows = r.clamp(20, 2_000_000);
    }
    Some(Prepared::new(generate(&cfg)))
}

impl Lab {
    pub fn new(name: String, data: Prepared) -> Self {
        Self::with_pca(name, data, None)
    }

    /// [`new`](Self::new), with the PCA coordinates when they were computed
    /// beside the data (the parse worker does, off the page's thread); ones
    /// that do not fit the rows are computed again.
    pub fn with_pca(name: String, data: Prepared, pca: Option<Vec<f32>>) -> Self {
        let key = storage_key(&name, &data);
        let session = Session::from_prepared(data);
        let coords = pca
            .filter(|c| c.len() == session.rows() * 2 && c.iter().all(|v| v.is_finite()))
            .unwrap_or_else(|| session.projection(ProjectionKind::Pca).unwrap_or_default());
        let view = ViewRect::fit(&coords);
        Self {
            name,
            key,
            session,
            projection: ProjectionKind::Pca,
            coords,
            view,
            area: PlotArea::default(),
            grid: HitGrid::default(),
            selection: None,
            detector: None,
        }
    }

    /// Selects the drawn points inside `outline` (canvas pixels, as the hit
    /// grid placed them); an empty result clears the selection. Returns
    /// how many rows are selected.
    pub fn select_inside(&mut self, outline: &[(f64, f64)]) -> usize {
        let rows = crate::selection::rows_inside(outline, self.grid.screen());
        if rows.is_empty() {
            self.selection = None;
            return 0;
        }
        let mut mask = vec![false; self.session.rows()];
        for &r in &rows {
            mask[r] = true;
        }
        let n = rows.len();
        self.selection = Some(Selection { rows, mask });
        n
    }

    /// Labels every selected row in one action (one undo step, one update
    /// of the layer) and clears the selection; returns how many labels
    /// changed.
    pub fn label_selection(&mut self, anomaly: bool) -> Result<usize, CoreError> {
        let Some(sel) = self.selection.take() else {
            return Ok(0);
        };
        match self.session.label_rows(&sel.rows, anomaly) {
            Ok(n) => Ok(n),
            Err(e) => {
                self.selection = Some(sel);
                Err(e)
            }
        }
    }

    /// Gives back the labels stored for this data (`stored` as written by
    /// [`stored_labels`](Self::stored_labels)), in their order, so the
    /// scores are those the user left; `fit`, the layer's fit saved with
    /// them, spares replaying them when it still matches. Returns how many
    /// came back.
    pub fn restore(&mut self, stored: &str, fit: Option<String>) -> usize {
        let (labels, joined, times) = decode_labels(stored, self.session.rows());
        let n = self.session.restore_labels_joined(&labels, &joined, fit);
        self.session.set_label_times(&times);
        n
    }

    /// The labels as local storage keeps them.
    pub fn stored_labels(&self) -> String {
        let times: Vec<u64> = self.session.history().iter().map(|e| e.time_ms).collect();
        encode_labels(
            &self.session.labelled(),
            &self.session.labelled_joined(),
            &times,
        )
    }

    /// This session as a session file, with the page's `view`, stamped
    /// `now_ms`; an error before the detector has landed.
    pub fn session_file(
        &self,
        view: std::collections::BTreeMap<String, String>,
        now_ms: u64,
    ) -> Result<SessionFile, CoreError> {
        let detector = self.detector.as_ref().ok_or(CoreError::NotTrained)?;
        SessionFile::of(&self.session, &self.name, detector, view, now_ms)
    }

    /// The session's detector and active layer as one ONNX model
    /// (`onnx::export`, docs/ONNX.md): for data read from a file, whose
    /// schema says how a record becomes features. A built-in sample has
    /// none, and gets the reason.
    pub fn onnx_model(&self) -> Result<Vec<u8>, String> {
        let d = self
            .detector
            .as_ref()
            .ok_or_else(|| CoreError::NotTrained.to_string())?;
        let model =
            ScoringModel::of(&self.session, &d.spec, &d.weights).map_err(|e| e.to_string())?;
        anomaly_lab_core::onnx::export(&model, &d.spec, &d.weights)
    }

    /// The layer's fit to the labels, to store beside them (none for a
    /// very wide table).
    pub fn stored_fit(&self) -> Option<String> {
        // Without labels there is nothing to keep: the layer starts there
        // (and the fit's check, a hash of every input, is not spent on it).
        if self.session.history().is_empty() {
            return None;
        }
        self.session.saved_fit_up_to(MAX_FIT_CHARS)
    }

    /// Switches the 2-D view; an impossible one (latent without a 2-D
    /// bottleneck) is an error and leaves the view as it was.
    pub fn set_projection(&mut self, kind: ProjectionKind) -> Result<(), CoreError> {
        let coords = self.session.projection(kind)?;
        self.projection = kind;
        self.coords = coords;
        // The points moved: the next repaint places them again.
        self.grid = HitGrid::default();
        self.view = ViewRect::fit(&self.coords);
        Ok(())
    }

    pub fn axis_names(&self) -> (String, String) {
        match self.projection {
            ProjectionKind::Pca => ("PC 1".into(), "PC 2".into()),
            ProjectionKind::Latent => ("latent 1".into(), "latent 2".into()),
            ProjectionKind::Columns(a, b) => {
                let f = &self.session.table().features;
                (f[a].clone(), f[b].clone())
            }
        }
    }

    /// The review queue in `rule`'s order.
    pub fn queue(&self, rule: QueryRule) -> Vec<usize> {
        self.session.review(rule, QUEUE_LEN)
    }

    /// The row to review next: the first of the queue in `rule`'s order.
    pub fn suggestion(&self, rule: QueryRule) -> Option<usize> {
        self.session.suggestion_by(rule)
    }

    /// Plays the expert on the suggested row (with ground truth); returns it.
    pub fn auto_label_next(&mut self, rule: QueryRule) -> Option<usize> {
        self.session.auto_label_next(rule).map(|e| e.row)
    }

    /// Rank (1 = most anomalous) of one row, ties by row index.
    pub fn rank_of(&self, row: usize) -> Option<usize> {
        self.session.ranks()?.get(row).map(|r| r + 1)
    }

    /// Every row's score, rank and label as CSV (the core's writer, the
    /// same as the CLI's `score`), with the rows `threshold` flags.
    pub fn export_csv(&self, threshold: Threshold) -> String {
        self.session.scores_csv_flagged(Some(threshold))
    }

    /// "name = value" for each feature of a row (the values as loaded, to
    /// six significant digits of the column's scale: see `Session::value`).
    pub fn describe_row(&self, row: usize) -> Vec<String> {
        let s = &self.session;
        s.table()
            .features
            .iter()
            .enumerate()
            .map(|(j, n)| format!("{n} = {}", format_value(s.value(row, j))))
            .collect()
    }

    /// Zooms one wheel step in (or out) around the canvas pixel `(x, y)`.
    pub fn zoom_at(&mut self, x: f64, y: f64, zoom_in: bool) {
        let a = self.area;
        if a.width == 0 || a.height == 0 {
            return;
        }
        let fx = ((x - a.left as f64) / a.width as f64).clamp(0.0, 1.0);
        let fy = ((y - a.top as f64) / a.height as f64).clamp(0.0, 1.0);
        let factor = if zoom_in { 1.0 / ZOOM_STEP } else { ZOOM_STEP };
        self.view.zoom(factor, fx, fy);
    }

    /// Moves the view with a drag of `(dx, dy)` canvas pixels.
    pub fn pan_by(&mut self, dx: f64, dy: f64) {
        let a = self.area;
        if a.width == 0 || a.height == 0 {
            return;
        }
        self.view.pan(dx / a.width as f64, dy / a.height as f64);
    }

    /// Fits the view to every point again.
    pub fn reset_view(&mut self) {
        self.view = ViewRect::fit(&self.coords);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_review_order_gives_its_queue_and_suggestion() {
        let lab = scored_lab();
        let scores = lab.session.scores().unwrap().to_vec();
        let mut queues = Vec::new();
        for order in QueryRule::ALL {
            let q = lab.queue(order);
            assert_eq!(q.len(), QUEUE_LEN);
            assert_eq!(lab.suggestion(order), Some(q[0]), "{order:?}");
            queues.push(q);
        }
        assert!(queues[0].windows(2).all(|w| scores[w[0]] >= scores[w[1]]));
        assert!(queues[1]
            .windows(2)
            .all(|w| scores[w[0]].abs() <= scores[w[1]].abs()));
        assert!(queues[0] != queues[1] && queues[0] != queues[2]);
    }

    #[test]
    fn abstract_evidence_is_explained_as_the_detectors_distance() {
        use anomaly_lab_core::detector::Scored;
        let mut lab = Lab::new("t".into(), sample_table("tiny", None).unwrap());
        let n = lab.session.rows();
        // Three abstract outputs (a one-class MLP's), row 0 far out on all.
        let evidence: Vec<f32> = (0..n * 3)
            .map(|i| if i < 3 { 50.0 } else { (i % 5) as f32 * 0.1 })
            .collect();
        let scored = Scored {
            rows: n,
            evidence_dim: 3,
            evidence_per_feature: false,
            evidence,
            score: vec![0.0; n],
            latent_dim: 0,
            latent: vec![],
        };
        lab.session.attach(scored).unwrap();
        let why = lab.session.explain(0, 3);
        let features = &lab.session.table().features;
        assert_eq!(
            crate::words::reason_text(&why[0], features),
            "the detector's distance",
            "{why:?}"
        );
        assert!(why[0].value > 0.0);
        assert!(
            why.iter()
                .all(|r| !crate::words::reason_detail(r).contains("reconstruction")),
            "{why:?}"
        );
    }

    #[test]
    fn samples_exist_and_rows_can_be_overridden() {
        for sample in BuiltinSample::ALL {
            let t = sample_table(sample.name(), None).unwrap();
            assert!(t.table.labels.is_some(), "{}", sample.name());
        }
        assert_eq!(
            sample_table("clustered", Some(10_000)).unwrap().rows(),
            10_000
        );
        assert_eq!(sample_table("tiny", Some(3)).unwrap().rows(), 20);
        assert!(sample_table("nope", None).is_none());
    }

    #[test]
    fn lab_projections_ranks_and_row_descriptions() {
        let mut lab = Lab::new("t".into(), sample_table("tiny", None).unwrap());
        assert_eq!(lab.coords.len(), 2 * 300);
        assert_eq!(lab.axis_names(), ("PC 1".to_string(), "PC 2".to_string()));
        lab.set_projection(ProjectionKind::Columns(1, 3)).unwrap();
        assert_eq!(lab.axis_names(), ("x2".to_string(), "x4".to_string()));
        assert_eq!(lab.coords[0], lab.session.x()[1]);
        // No detector yet: no latent view, no ranks, no queue; the view stays.
        assert!(lab.set_projection(ProjectionKind::Latent).is_err());
        assert_eq!(lab.projection, ProjectionKind::Columns(1, 3));
        assert_eq!(lab.rank_of(0), None);
        assert!(lab.queue(QueryRule::Highest).is_empty());
        assert_eq!(lab.describe_row(0).len(), 4);
        assert!(lab.describe_row(0)[0].starts_with("x1 = "));
    }

    #[test]
    fn export_has_a_line_per_row_with_labels() {
        use anomaly_lab_core::detector::Scored;
        let mut lab = Lab::new("t".into(), sample_table("tiny", None).unwrap());
        let unscored = lab.export_csv(Threshold::default());
        assert!(unscored.starts_with("row,score,rank,label,truth\n1,,,,"));
        let n = lab.session.rows();
        let m = lab.session.cols();
        let evidence: Vec<f32> = (0..n * m).map(|i| (i % 7) as f32).collect();
        let score: Vec<f32> = (0..n).map(|i| (i % 11) as f32).collect();
        let scored = Scored {
            rows: n,
            evidence_dim: m,
            evidence_per_feature: true,
            evidence,
            score,
            latent_dim: 0,
            latent: vec![],
        };
        lab.session.attach(scored).unwrap();
        lab.session.label(4, Some(true)).unwrap();
        lab.session.label(5, Some(false)).unwrap();
        let csv = lab.export_csv(Threshold::default());
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), n + 1);
        assert!(
            lines[5].starts_with("5,") && lines[5].contains(",anomaly,"),
            "{}",
            lines[5]
        );
        assert!(lines[6].contains(",normal,"), "{}", lines[6]);
        let mut ranks: Vec<usize> = lines[1..]
            .iter()
            .map(|l| l.split(',').nth(2).unwrap().parse().unwrap())
            .collect();
        ranks.sort_unstable();
        assert_eq!(ranks, (1..=n).collect::<Vec<_>>());
    }

    /// A lab over the tiny sample, scored by made-up evidence.
    fn scored_lab() -> Lab {
        use anomaly_lab_core::detector::Scored;
        let mut lab = Lab::new("t".into(), sample_table("tiny", None).unwrap());
        let (n, m) = (lab.session.rows(), lab.session.cols());
        lab.session
            .attach(Scored {
                rows: n,
                evidence_dim: m,
                evidence_per_feature: true,
                evidence: (0..n * m).map(|i| ((i * 7919) % 101) as f32).collect(),
                score: vec![0.0; n],
                latent_dim: 0,
                latent: vec![],
            })
            .unwrap();
        lab
    }

    /// A rectangle over the whole plot selects every drawn row; labelling
    /// the selection is one undo step and clears it; an empty shape clears.
    #[test]
    fn a_selection_is_labelled_in_one_step() {
        let mut lab = scored_lab();
        lab.area = PlotArea {
            left: 0,
            top: 0,
            width: 400,
            height: 300,
        };
        lab.grid = HitGrid::place(lab.area, lab.view, &lab.coords);
        let before = lab.session.scores().unwrap().to_vec();
        let all = [(-1.0, -1.0), (401.0, -1.0), (401.0, 301.0), (-1.0, 301.0)];
        let n = lab.session.rows();
        assert_eq!(lab.select_inside(&all), n);
        let sel = lab.selection.clone().unwrap();
        assert_eq!(sel.mask.iter().filter(|&&m| m).count(), n);
        // The left half only.
        let half = [(-1.0, -1.0), (200.0, -1.0), (200.0, 301.0), (-1.0, 301.0)];
        let k = lab.select_inside(&half);
        assert!(k > 0 && k < n, "{k} of {n}");
        assert_eq!(lab.label_selection(false), Ok(k));
        assert!(lab.selection.is_none());
        assert_eq!(lab.session.labelled().len(), k);
        assert!(lab.session.undo().is_some());
        assert!(lab.session.labelled().is_empty());
        assert_eq!(lab.session.scores().unwrap(), &before[..]);
        assert_eq!(
            lab.select_inside(&[(500.0, 500.0), (510.0, 500.0), (505.0, 510.0)]),
            0
        );
        assert!(lab.selection.is_none());
        assert_eq!(lab.label_selection(true), Ok(0));
    }

    #[test]
    fn the_fit_after_hundreds_of_labels_is_kept_and_taken_back() {
        let mut lab = scored_lab();
        for _ in 0..250 {
            lab.auto_label_next(QueryRule::Highest).unwrap();
        }
        let fit = lab.stored_fit().expect("the fit is within the cap");
        assert!(fit.len() <= MAX_FIT_CHARS);
        let mut again = scored_lab();
        assert_eq!(again.restore(&lab.stored_labels(), Some(fit)), 250);
        assert_eq!(again.session.scores(), lab.session.scores());
    }

    #[test]
    fn stored_labels_come_back_with_the_same_scores_and_queue() {
        let mut lab = scored_lab();
        for _ in 0..12 {
            lab.auto_label_next(QueryRule::Highest).unwrap();
        }
        lab.session.label(3, Some(true)).unwrap();
        let stored = lab.stored_labels();
        let mut again = scored_lab();
        assert_eq!(again.key, lab.key);
        assert_eq!(again.restore(&stored, None), 13);
        assert_eq!(again.session.scores(), lab.session.scores());
        // With the fit kept beside the labels: the same, without a replay.
        let fit = lab.stored_fit();
        assert!(fit.is_some(), "a fit after 13 labels is kept");
        let mut fitted = scored_lab();
        assert_eq!(fitted.restore(&stored, fit), 13);
        assert_eq!(fitted.session.scores(), lab.session.scores());
        assert_eq!(
            again.queue(QueryRule::Highest),
            lab.queue(QueryRule::Highest)
        );
        // Undo and redo through the session land on the same scores.
        let scores = lab.session.scores().unwrap().to_vec();
        assert_eq!(lab.session.undo(), Some(3));
        assert_eq!(lab.session.label_of(3), None);
        assert_eq!(lab.session.redo(), Some(3));
        assert_eq!(lab.session.scores().unwrap(), &scores[..]);
        // A restore is not undoable: it starts the history afresh.
        assert!(!again.session.can_undo());
    }

    #[test]
    fn auto_label_follows_the_review_order() {
        let mut lab = scored_lab();
        let next = lab.suggestion(QueryRule::Boundary).unwrap();
        assert_eq!(lab.auto_label_next(QueryRule::Boundary), Some(next));
        let truth = lab.session.table().labels.clone().unwrap();
        assert_eq!(lab.session.label_of(next), Some(truth[next]));
    }

    #[test]
    fn zoom_and_pan_work_in_canvas_pixels() {
        let mut lab = scored_lab();
        // No plot area yet (nothing drawn): nothing moves.
        let fitted = lab.view;
        lab.zoom_at(10.0, 10.0, true);
        lab.pan_by(5.0, 5.0);
        assert_eq!(lab.view, fitted);
        lab.area = PlotArea {
            left: 100,
            top: 20,
            width: 400,
            height: 300,
        };
        // Zooming in at the area's centre keeps the centre and shrinks the view.
        let (cx, cy) = ((fitted.x0 + fitted.x1) / 2.0, (fitted.y0 + fitted.y1) / 2.0);
        lab.zoom_at(300.0, 170.0, true);
        let v = lab.view;
        assert!(((v.x0 + v.x1) / 2.0 - cx).abs() < 1e-9);
        assert!(((v.y0 + v.y1) / 2.0 - cy).abs() < 1e-9);
        assert!(((v.x1 - v.x0) * ZOOM_STEP - (fitted.x1 - fitted.x0)).abs() < 1e-9);
        lab.zoom_at(300.0, 170.0, false);
        assert!((lab.view.x1 - lab.view.x0 - (fitted.x1 - fitted.x0)).abs() < 1e-9);
        // Dragging the full plot width moves the view by its width.
        let before = lab.view;
        lab.pan_by(400.0, 0.0);
        assert!((before.x0 - lab.view.x0 - (before.x1 - before.x0)).abs() < 1e-9);
        lab.reset_view();
        assert_eq!(lab.view, fitted);
    }
}
