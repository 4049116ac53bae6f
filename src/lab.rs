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
        let (labels, joined, times, asked) = decode_labels(stored, self.session.rows());
        let n = self.session.restore_labels_joined(&labels, &joined, fit);
        self.session.set_label_times(&times);
        self.session.set_label_asked(&asked);
        n
    }

    /// The labels as local storage keeps them.
    pub fn stored_labels(&self) -> String {
        let history = self.session.history();
        let times: Vec<u64> = history.iter().map(|e| e.time_ms).collect();
        let asked: Vec<_> = history.iter().map(|e| e.asked).collect();
        encode_labels(
            &self.session.labelled(),
            &self.session.labelled_joined(),
            &times,
            &asked,
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
mod tests;
