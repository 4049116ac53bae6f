//! [`Ctx`]: the signals the components share, grouped by concern, and the
//! actions on the one [`Lab`]. Every field is a `Copy` handle.

use std::cell::Cell;

use anomaly_lab_core::data::{DataReport, Prepared};
use anomaly_lab_core::detector::{DetectorKind, DetectorSpec, Progress};
use anomaly_lab_core::projection::ProjectionKind;
use anomaly_lab_core::query::QueryRule;
use anomaly_lab_core::scorecard::Threshold;
use anomaly_lab_core::session_file::{self, SessionFile};
use anomaly_lab_core::CoreError;
use leptos::html::Canvas;
use leptos::prelude::*;
use std::collections::BTreeMap;

use crate::dom::{now_ms, set_body_state, storage_get, storage_remove, storage_set, yield_now};
use crate::error::AppError;
use crate::lab::Lab;
use crate::params::{BackendChoice, UrlParams};
use crate::scatter::{draw, Frame, Placement, Raster};
use crate::selection::Tool;
use crate::storage::{fit_key, oldest_other, touch_index, without, INDEX_KEY, MAX_DATASETS};
use crate::viewport::{rank_scores, HitGrid, PlotArea};
use anomaly_lab_core::detector::wire::BackendKind;

/// The rows placed or rasterised in one task by
/// [`Ctx::redraw_in_steps`]: about 15 ms on a million rows.
const PAINT_STEP: usize = 250_000;

thread_local! {
    /// Paints begun: a stepped paint gives up when a later one began.
    static PAINTS: Cell<u64> = const { Cell::new(0) };
    /// A paint in steps is on its way (set before the tasks that start
    /// it): a selection change meanwhile leaves the rings to it instead of
    /// painting every row in its own task.
    static PAINT_PENDING: Cell<bool> = const { Cell::new(false) };
}

/// Marks a paint in steps pending until it is dropped.
struct PendingPaint;

impl PendingPaint {
    fn begin() -> Self {
        PAINT_PENDING.with(|p| p.set(true));
        Self
    }
}

impl Drop for PendingPaint {
    fn drop(&mut self) {
        PAINT_PENDING.with(|p| p.set(false));
    }
}

/// Where the suggested row sits, on the canvas's `data-suggestion`: for
/// people reading the DOM, and for tests.
fn show_suggestion(canvas: &web_sys::HtmlCanvasElement, frame: &Frame, grid: &HitGrid) {
    let at = frame.suggestion.and_then(|i| grid.screen_of(i));
    let _ = canvas.set_attribute(
        "data-suggestion",
        &at.map(|(x, y)| format!("{x:.0},{y:.0}"))
            .unwrap_or_default(),
    );
}

/// What the page is doing; the body's `data-state` follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Idle,
    Training,
    Ready,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Self::Idle => "idle",
            Self::Training => "training",
            Self::Ready => "ready",
        }
    }
}

/// The work in flight: a training run or an auto-labelling run.
#[derive(Clone, Copy)]
pub struct Job {
    pub phase: RwSignal<Phase>,
    pub progress: RwSignal<Progress>,
    pub losses: RwSignal<Vec<f32>>,
    pub cancel: RwSignal<bool>,
    /// When the training run started, and ended (ms, `performance.now`).
    pub clock: RwSignal<(f64, Option<f64>)>,
    /// An auto-label run is in progress.
    pub auto_running: RwSignal<bool>,
    /// A file is being read: the share done, for the progress bar.
    pub reading: RwSignal<Option<f64>>,
    /// The detector came from a session file, not a run here: what the
    /// training panel says instead of a run's progress.
    pub from_session: RwSignal<Option<String>>,
}

/// What the user is looking at.
#[derive(Clone, Copy)]
pub struct View {
    pub selected: RwSignal<Option<usize>>,
    /// The hovered row and the pointer's canvas position.
    pub hover: RwSignal<Option<(usize, f64, f64)>>,
    /// The review order (kept across datasets); the queue and the
    /// suggestion follow it.
    pub review: RwSignal<QueryRule>,
    /// Colour the points by rank (kept across datasets).
    pub colour_by_rank: RwSignal<bool>,
    /// Which rows count as flagged (the histogram's line, the export's
    /// `flagged` column); kept across datasets.
    pub threshold: RwSignal<Threshold>,
    /// What a drag on the scatter does: pan, lasso or rectangle.
    pub tool: RwSignal<Tool>,
    /// How many rows the lasso or rectangle selected (0: no selection).
    pub selection_count: RwSignal<usize>,
    /// Teaching mode: the narration and the layer's weights are shown.
    pub teach: RwSignal<bool>,
    /// In teaching mode: the true anomalies are outlined on the scatter.
    pub reveal: RwSignal<bool>,
    /// A session file opened over other data, offering the labels that
    /// still match (the banner shows while it is there).
    pub session_offer: RwSignal<Option<std::sync::Arc<crate::jobs::SessionOffer>>>,
    pub canvas: NodeRef<Canvas>,
    /// The last label → repainted canvas time (shown with `?timing=1`).
    pub last_update_ms: RwSignal<Option<f64>>,
    pub show_timing: bool,
}

/// What the page tells the user.
#[derive(Clone, Copy)]
pub struct Messages {
    pub error: RwSignal<Option<AppError>>,
    pub notice: RwSignal<Option<String>>,
    pub report: RwSignal<Option<DataReport>>,
    /// Why the labels are not being kept in this browser, while they are not.
    pub storage: RwSignal<Option<String>>,
}

/// The backend the user asked for, the one in use, and why they differ.
#[derive(Clone, Copy)]
pub struct Backend {
    pub choice: RwSignal<BackendChoice>,
    pub used: RwSignal<Option<BackendKind>>,
    pub note: RwSignal<Option<String>>,
}

/// Everything the components share.
#[derive(Clone, Copy)]
pub struct Ctx {
    /// The dataset, its session and its view geometry.
    pub lab: StoredValue<Option<Lab>>,
    /// Bumped whenever scores, labels or coordinates change.
    pub version: RwSignal<u64>,
    /// Bumped when a new dataset replaces the old one (stale runs are dropped).
    pub generation: RwSignal<u64>,
    /// The detector to train and its settings.
    pub spec: RwSignal<DetectorSpec>,
    pub job: Job,
    pub view: View,
    pub messages: Messages,
    pub backend: Backend,
}

impl Ctx {
    pub fn new(params: &UrlParams) -> Self {
        let mut spec = DetectorSpec::for_kind(DetectorKind::Autoencoder);
        spec.train.epochs = params.epochs;
        Self {
            lab: StoredValue::new(None),
            version: RwSignal::new(0),
            generation: RwSignal::new(0),
            spec: RwSignal::new(spec),
            job: Job {
                phase: RwSignal::new(Phase::Idle),
                progress: RwSignal::new(Progress::default()),
                losses: RwSignal::new(Vec::new()),
                cancel: RwSignal::new(false),
                reading: RwSignal::new(None),
                clock: RwSignal::new((0.0, None)),
                auto_running: RwSignal::new(false),
                from_session: RwSignal::new(None),
            },
            view: View {
                selected: RwSignal::new(None),
                hover: RwSignal::new(None),
                review: RwSignal::new(params.review),
                colour_by_rank: RwSignal::new(params.colour_by_rank),
                threshold: RwSignal::new(Threshold::default()),
                tool: RwSignal::new(Tool::Pan),
                selection_count: RwSignal::new(0),
                teach: RwSignal::new(false),
                reveal: RwSignal::new(false),
                session_offer: RwSignal::new(None),
                canvas: NodeRef::new(),
                last_update_ms: RwSignal::new(None),
                show_timing: params.timing,
            },
            messages: Messages {
                error: RwSignal::new(None),
                notice: RwSignal::new(None),
                report: RwSignal::new(None),
                storage: RwSignal::new(None),
            },
            backend: Backend {
                choice: RwSignal::new(params.backend),
                used: RwSignal::new(None),
                note: RwSignal::new(None),
            },
        }
    }

    /// What follows from the state rather than from a handler: the body's
    /// `data-state` (the automation contract) follows the phase, local
    /// storage follows the labels, and a new selection repaints.
    pub fn install_effects(self) {
        Effect::new(move |_| set_body_state(self.job.phase.get().name()));
        Effect::new(move |_| {
            let version = self.version.get();
            if let Some((key, labels)) = self.with_lab(|l| (l.key.clone(), l.stored_labels())) {
                let outcome = keep_labels(&key, &labels);
                let warning = outcome.err().map(|why| {
                    format!("Labels are not being saved: {why}. Download the scores and labels to keep them.")
                });
                if self.messages.storage.get_untracked() != warning {
                    self.messages.storage.set(warning);
                }
                // The fit (hundreds of kB after many labels) is written once
                // the labelling pauses, not after every label.
                set_timeout(
                    move || {
                        if self.version.get_untracked() != version {
                            return;
                        }
                        if let Some(Some(fit)) =
                            self.with_lab(|l| (l.key == key).then(|| l.stored_fit()))
                        {
                            keep_fit(&key, fit.as_deref());
                        }
                    },
                    FIT_SAVE_DELAY,
                );
            }
        });
        Effect::new(move |_| {
            self.view.selected.get();
            self.show_selection();
        });
    }

    /// Sets the data's ground truth aside (the report says so); the scores
    /// and labels stay as they are.
    pub fn forget_ground_truth(&self) {
        let report = self.update_lab(|l| {
            l.session.forget_ground_truth();
            l.session.table().report.clone()
        });
        self.messages.report.set(report);
        self.bump();
    }

    pub fn fail(&self, error: AppError) {
        self.messages.error.set(Some(error));
    }

    pub fn with_lab<R>(&self, f: impl FnOnce(&Lab) -> R) -> Option<R> {
        self.lab.with_value(|l| l.as_ref().map(f))
    }

    /// Changes the lab. Labels given in `f` carry the wall clock's time
    /// (the session file's query log keeps it).
    pub fn update_lab<R>(&self, f: impl FnOnce(&mut Lab) -> R) -> Option<R> {
        let now = crate::dom::epoch_ms();
        self.lab
            .try_update_value(|l| {
                l.as_mut().map(|l| {
                    l.session.set_clock(now);
                    f(l)
                })
            })
            .flatten()
    }

    pub fn phase(&self) -> Phase {
        self.job.phase.get_untracked()
    }

    /// Repaints the scatter from the stored state.
    pub fn redraw(&self) {
        PAINTS.with(|p| p.set(p.get() + 1));
        PAINT_PENDING.with(|p| p.set(false));
        let Some(canvas) = self.view.canvas.get_untracked() else {
            return;
        };
        let ranked = self.ranked_scores();
        let result = self.with_frame(ranked.as_deref(), |grid, area, frame| {
            let (placed_in, placed) = draw(&canvas, frame, std::mem::take(grid))?;
            show_suggestion(&canvas, frame, &placed);
            (*area, *grid) = (placed_in, placed);
            Ok(())
        });
        if let Some(Err(e)) = result {
            self.fail(AppError::Draw(e));
        }
    }

    /// After the selection moved: the last frame again with the rings
    /// moved (no pass over the rows), else a repaint.
    fn show_selection(&self) {
        let Some(canvas) = self.view.canvas.get_untracked() else {
            return;
        };
        // The rings read no score: no ranking is computed for them.
        let shown = self.with_frame(None, |grid, _, frame| {
            crate::scatter::show_rings(&canvas, frame, grid)
        });
        match shown {
            Some(Ok(true)) | None => {}
            // A paint in steps is coming: it draws the rings too.
            Some(Ok(false)) if PAINT_PENDING.with(Cell::get) => {}
            Some(Ok(false)) => self.redraw(),
            Some(Err(e)) => self.fail(AppError::Draw(e)),
        }
    }

    /// [`redraw`](Self::redraw) over several tasks: the points placed and
    /// rasterised [`PAINT_STEP`] rows at a time, with the browser's event
    /// loop in between (a million rows take over 50 ms), then shown in one
    /// go. Given up for a repaint or another dataset meanwhile.
    pub async fn redraw_in_steps(&self) {
        crate::dom::mark("paint");
        // However this ends, no paint is pending after it.
        let _pending = PendingPaint::begin();
        let paints = PAINTS.with(|p| {
            p.set(p.get() + 1);
            p.get()
        });
        let generation = self.generation.get_untracked();
        let current = move || {
            PAINTS.with(|p| p.get()) == paints && self.generation.get_untracked() == generation
        };
        let Some(canvas) = self.view.canvas.get_untracked() else {
            return;
        };
        let ranked = self.ranked_scores();
        let ranked = ranked.as_deref();
        // The grid stays in the lab (hover reads it between the steps); a
        // new one goes there once placed.
        let placement = self.with_frame(ranked, |grid, area, frame| {
            match crate::scatter::place(&canvas, frame, std::mem::take(grid))? {
                Placement::Placed(placed_in, placed) => {
                    (*area, *grid) = (placed_in, placed);
                    Ok(None)
                }
                Placement::Placing(placed_in, placing) => Ok(Some((placed_in, placing))),
            }
        });
        match placement {
            None | Some(Ok(None)) => {}
            Some(Err(e)) => return self.fail(AppError::Draw(e)),
            Some(Ok(Some((placed_in, mut placing)))) => loop {
                yield_now(0).await;
                if !current() {
                    return;
                }
                match self.with_lab(|l| placing.step(&l.coords, PAINT_STEP)) {
                    Some(true) => {
                        let grid = placing.finish();
                        self.update_lab(|l| (l.area, l.grid) = (placed_in, grid));
                        break;
                    }
                    Some(false) => {}
                    None => return,
                }
            },
        }
        let Some((area, rows)) = self.with_lab(|l| (l.area, l.grid.screen().len())) else {
            return;
        };
        let mut raster = Raster::new(area, rows);
        loop {
            yield_now(0).await;
            if !current() {
                return;
            }
            match self.with_frame(ranked, |grid, _, frame| {
                raster.step(frame, grid.screen(), PAINT_STEP)
            }) {
                Some(true) => break,
                Some(false) => {}
                None => return,
            }
        }
        let result = self.with_frame(ranked, |grid, _, frame| {
            raster.show(&canvas, frame, grid)?;
            show_suggestion(&canvas, frame, grid);
            Ok(())
        });
        if let Some(Err(e)) = result {
            self.fail(AppError::Draw(e));
        }
    }

    /// The scores as percentile logits when colouring by rank.
    fn ranked_scores(&self) -> Option<Vec<f32>> {
        if !self.view.colour_by_rank.get_untracked() {
            return None;
        }
        self.with_lab(|l| l.session.scores().map(rank_scores))
            .flatten()
    }

    /// The frame of the stored state (`ranked`: the scores by rank), for
    /// `f` with the lab's hit grid and plot area to update.
    fn with_frame<R>(
        &self,
        ranked: Option<&[f32]>,
        f: impl FnOnce(&mut HitGrid, &mut PlotArea, &Frame) -> R,
    ) -> Option<R> {
        let selected = self.view.selected.get_untracked();
        let rule = self.view.review.get_untracked();
        let reveal = self.view.teach.get_untracked() && self.view.reveal.get_untracked();
        self.update_lab(|lab| {
            let (xd, yd) = lab.axis_names();
            let suggestion = lab.suggestion(rule);
            let session = &lab.session;
            let frame = Frame {
                coords: &lab.coords,
                scores: ranked.or(session.scores()),
                by_rank: ranked.is_some(),
                labels: session.row_labels(),
                selected,
                suggestion,
                view: lab.view,
                x_desc: &xd,
                y_desc: &yd,
                chosen: lab.selection.as_ref().map(|s| &s.mask[..]),
                truth: session.table().labels.as_deref().filter(|_| reveal),
            };
            f(&mut lab.grid, &mut lab.area, &frame)
        })
    }

    pub fn bump(&self) {
        self.version.update(|v| *v += 1);
        self.redraw();
    }

    /// Replaces the dataset and trains on it. The old one's labels belong
    /// to the old data; labels given to this data earlier in this browser
    /// come back, in their order.
    pub fn load(&self, name: String, data: Prepared, pca: Option<Vec<f32>>) {
        crate::dom::mark("load");
        self.messages.report.set(Some(data.table.report.clone()));
        let mut lab = Lab::with_pca(name, data, pca);
        let restored = storage_get(&lab.key)
            .map(|stored| lab.restore(&stored, storage_get(&fit_key(&lab.key))))
            .unwrap_or(0);
        self.messages.notice.set((restored > 0).then(|| {
            format!("Restored {restored} labels given to this data earlier in this browser.")
        }));
        self.lab.set_value(Some(lab));
        self.generation.update(|g| *g += 1);
        // The new data is painted in steps, after this task.
        PAINT_PENDING.with(|p| p.set(true));
        self.view.selected.set(None);
        self.view.hover.set(None);
        self.view.selection_count.set(0);
        self.job.losses.set(Vec::new());
        self.job.phase.set(Phase::Idle);
        self.view.last_update_ms.set(None);
        // The panels show the new data now (its name beside its report);
        // the canvas follows.
        self.version.update(|v| *v += 1);
        // The points placed and drawn in steps, then the training started
        // (which copies the table for the worker) in a task of its own.
        let (ctx, generation) = (*self, self.generation.get_untracked());
        leptos::task::spawn_local(async move {
            let current = || ctx.generation.get_untracked() == generation;
            // After this task: the axes are rendered in the next one.
            yield_now(0).await;
            if !current() {
                return;
            }
            ctx.redraw_in_steps().await;
            yield_now(0).await;
            if current() {
                crate::jobs::start_training(ctx);
            }
        });
    }

    /// After the labels changed: re-render, repaint, and time label →
    /// repainted canvas from `start`.
    pub(crate) fn labels_changed(&self, start: f64) {
        self.bump();
        self.view.last_update_ms.set(Some(now_ms() - start));
    }

    /// After `row`'s label changed by other means than a click on it (the
    /// simulated expert, undo, redo): repaint, time it, select the row.
    pub fn row_label_changed(&self, row: usize, start: f64) {
        self.labels_changed(start);
        self.view.selected.set(Some(row));
    }

    /// Labels a row (or clears it) and repaints; the change can be undone.
    pub fn label(&self, row: usize, label: Option<bool>) {
        let start = now_ms();
        match self.update_lab(|l| l.session.label(row, label)) {
            Some(Ok(())) => self.labels_changed(start),
            Some(Err(e)) => self.fail(AppError::Label(e)),
            None => {}
        }
    }

    /// Selects the points inside `outline` (canvas pixels) and repaints
    /// with the others dimmed.
    pub fn select_inside(&self, outline: &[(f64, f64)]) {
        let n = self.update_lab(|l| l.select_inside(outline)).unwrap_or(0);
        self.view.selection_count.set(n);
        self.redraw();
    }

    /// Forgets the lasso or rectangle selection; the points show again.
    pub fn clear_selection(&self) {
        if self.update_lab(|l| l.selection.take().is_some()) == Some(true) {
            self.view.selection_count.set(0);
            self.redraw();
        }
    }

    /// Labels every selected row as `anomaly` in one action (one undo
    /// step, one update of the layer), then clears the selection; timed
    /// like a single label.
    pub fn label_selection(&self, anomaly: bool) {
        if self.phase() != Phase::Ready {
            return;
        }
        let start = now_ms();
        match self.update_lab(|l| l.label_selection(anomaly)) {
            Some(Ok(n)) => {
                self.view.selection_count.set(0);
                let word = if anomaly { "anomaly" } else { "normal" };
                self.messages.notice.set(Some(if n == 0 {
                    format!("The selected rows are already labelled {word}.")
                } else {
                    format!("Labelled {n} selected rows {word} in one step; undo takes them back together.")
                }));
                self.labels_changed(start);
            }
            Some(Err(e)) => self.fail(AppError::Label(e)),
            None => {}
        }
    }

    /// Labels the selected row (once scores are ready); see
    /// [`label_and_advance`](Self::label_and_advance).
    pub fn label_selected(&self, label: Option<bool>) {
        let Some(row) = self.view.selected.get_untracked() else {
            return;
        };
        if self.phase() != Phase::Ready {
            return;
        }
        self.label_and_advance(row, label);
    }

    /// Labels `row`. When it was in the review queue and got a label, the
    /// row that takes its place becomes the selection, so A, N, A, … walks
    /// the queue (from the label panel, the keys, or the queue's own keys).
    pub fn label_and_advance(&self, row: usize, label: Option<bool>) {
        let rule = self.view.review.get_untracked();
        let place = self
            .with_lab(|l| l.queue(rule).iter().position(|&r| r == row))
            .flatten();
        self.label(row, label);
        if let (Some(k), Some(_)) = (place, label) {
            // That repaints once more; the label's own repaint above is
            // what the timing measures.
            let next = self.with_lab(|l| l.queue(rule).get(k).copied()).flatten();
            self.view.selected.set(next.or(Some(row)));
        }
    }

    /// Takes back the newest label change (`redo: false`) or gives back the
    /// newest one taken back, and selects its row. The scores are exactly
    /// those before the change.
    pub fn undo(&self, redo: bool) {
        if self.phase() != Phase::Ready {
            return;
        }
        let start = now_ms();
        let row = self.update_lab(|l| {
            if redo {
                l.session.redo()
            } else {
                l.session.undo()
            }
        });
        if let Some(Some(row)) = row {
            self.row_label_changed(row, start);
        }
    }

    pub fn suggestion(&self) -> Option<usize> {
        let rule = self.view.review.get_untracked();
        self.with_lab(|l| l.suggestion(rule)).flatten()
    }

    /// Sets the review order; the suggestion (its first row) is selected.
    pub fn set_review(&self, rule: QueryRule) {
        self.view.review.set(rule);
        self.view.selected.set(self.suggestion());
        self.bump();
    }

    /// Switches the 2-D view; an impossible one leaves the view as it was.
    pub fn set_projection(&self, kind: ProjectionKind) {
        if let Some(Err(e)) = self.update_lab(|l| l.set_projection(kind)) {
            self.fail(AppError::View(e));
        }
        self.redraw();
    }

    /// Saves `row,score,rank,label[,truth],flagged` for every row to the
    /// user's disk (`flagged` by the current threshold).
    pub fn download(&self) {
        let threshold = self.view.threshold.get_untracked();
        let Some((name, csv)) = self.with_lab(|l| (l.name.clone(), l.export_csv(threshold))) else {
            return;
        };
        if let Err(e) = crate::dom::download(&format!("{}-scores.csv", file_stem(&name)), &csv) {
            self.fail(AppError::Download(e));
        }
    }

    /// The view a session file keeps: colouring, review order, threshold,
    /// teaching mode and the selected row.
    pub fn view_entries(&self) -> BTreeMap<String, String> {
        let v = &self.view;
        let mut out = BTreeMap::new();
        let by = if v.colour_by_rank.get_untracked() {
            "rank"
        } else {
            "score"
        };
        out.insert("colour".into(), by.into());
        out.insert("review".into(), v.review.get_untracked().name());
        out.insert(
            "threshold".into(),
            match v.threshold.get_untracked() {
                Threshold::Above(t) => format!("above:{t}"),
                Threshold::Top(p) => format!("top:{p}"),
            },
        );
        out.insert("teach".into(), v.teach.get_untracked().to_string());
        if let Some(row) = v.selected.get_untracked() {
            out.insert("selected".into(), row.to_string());
        }
        out
    }

    /// Sets the view a session file kept; what does not read is left as
    /// it is.
    pub fn apply_view(&self, entries: &BTreeMap<String, String>) {
        let v = &self.view;
        let get = |k: &str| entries.get(k).map(String::as_str);
        match get("colour") {
            Some("rank") => v.colour_by_rank.set(true),
            Some("score") => v.colour_by_rank.set(false),
            _ => {}
        }
        if let Some(Ok(rule)) = get("review").map(QueryRule::parse) {
            v.review.set(rule);
        }
        let threshold = get("threshold").and_then(|t| {
            let (kind, n) = t.split_once(':')?;
            match (kind, n.parse::<f64>().ok().filter(|n| n.is_finite())?) {
                ("above", t) => Some(Threshold::Above(t as f32)),
                ("top", p) if p > 0.0 && p <= 1.0 => Some(Threshold::Top(p)),
                _ => None,
            }
        });
        if let Some(t) = threshold {
            v.threshold.set(t);
        }
        if let Some(teach) = get("teach").and_then(|t| t.parse().ok()) {
            v.teach.set(teach);
        }
        let rows = self.with_lab(|l| l.session.rows()).unwrap_or(0);
        if let Some(row) = get("selected").and_then(|r| r.parse::<usize>().ok()) {
            if row < rows {
                v.selected.set(Some(row));
            }
        }
    }

    /// Downloads this session as a session file (`name.session.json`).
    pub fn save_session(&self) {
        let view = self.view_entries();
        let now = crate::dom::epoch_ms();
        let Some(made) = self.with_lab(|l| (l.name.clone(), l.session_file(view, now))) else {
            return;
        };
        let (name, file) = made;
        let file = match file {
            Ok(f) => f,
            Err(e) => return self.fail(AppError::Session(e.to_string())),
        };
        let text = file.to_json();
        if let Err(e) = crate::dom::download_as(
            &format!("{}.session.json", file_stem(&name)),
            &text,
            "application/json",
        ) {
            self.fail(AppError::Download(e));
        }
    }

    /// Downloads the detector and the active layer as one ONNX model
    /// (`name.onnx`), to score files of any size with ONNX Runtime.
    pub fn save_onnx(&self) {
        let Some((name, model)) = self.with_lab(|l| (l.name.clone(), l.onnx_model())) else {
            return;
        };
        let done = model.and_then(|bytes| {
            let name = format!("{}.onnx", file_stem(&name));
            crate::dom::download_bytes(&name, &bytes, "application/octet-stream")
        });
        if let Err(e) = done {
            self.fail(AppError::Download(format!("the ONNX model: {e}")));
        }
    }

    /// Reads a session file the user chose and opens it over the data
    /// (see [`crate::jobs::open_session`]); one that cannot be opened
    /// gets a banner saying why, and nothing changes.
    pub fn open_session_file(&self, file: web_sys::File) {
        let ctx = *self;
        leptos::task::spawn_local(async move {
            let name = anomaly_lab_core::data::shown(&file.name());
            let refuse = |why: String| ctx.fail(AppError::Session(format!("'{name}': {why}")));
            let why = |e: CoreError| match e {
                CoreError::SessionFile(why) => why,
                other => other.to_string(),
            };
            if let Err(e) = session_file::check_size(file.size() as u64) {
                return refuse(why(e));
            }
            let text = match crate::dom::file_text(&file).await {
                Ok(t) => t,
                Err(why) => return refuse(format!("it could not be read ({why})")),
            };
            match SessionFile::from_json(&text) {
                Ok(f) => {
                    ctx.messages.error.set(None);
                    crate::jobs::open_session(ctx, f);
                }
                Err(e) => refuse(why(e)),
            }
        });
    }
}

/// A download's name from the data's: `sample: tiny` → `tiny`, `a.csv` → `a`.
fn file_stem(name: &str) -> &str {
    name.trim_start_matches("sample: ").trim_end_matches(".csv")
}

/// Writes one dataset's labels and the index of stored datasets, and
/// drops the fit stored with them (it no longer matches; [`keep_fit`]
/// writes the new one). The oldest datasets go past [`MAX_DATASETS`], or
/// when storage is full (one at a time, then the write is tried again).
/// An error says why the labels could not be kept.
fn keep_labels(key: &str, labels: &str) -> Result<(), String> {
    let forget = |k: &str| {
        storage_remove(k);
        storage_remove(&fit_key(k));
    };
    storage_remove(&fit_key(key));
    loop {
        let index = storage_get(INDEX_KEY).unwrap_or_default();
        match storage_set(key, labels) {
            Ok(()) => {
                let (index, evicted) = touch_index(&index, key, MAX_DATASETS);
                evicted.iter().for_each(|k| forget(k));
                return storage_set(INDEX_KEY, &index);
            }
            Err(why) => match oldest_other(&index, key) {
                Some(old) => {
                    forget(&old);
                    let _ = storage_set(INDEX_KEY, &without(&index, &old));
                }
                None => return Err(why),
            },
        }
    }
}

/// How long the labels must stay unchanged before their fit is written.
const FIT_SAVE_DELAY: std::time::Duration = std::time::Duration::from_millis(600);

/// Stores the layer's fit beside `key`'s labels, as the only fit kept:
/// the other datasets' fits go first, so a fit never crowds out anyone's
/// labels. A fit that does not fit is only dropped (a reload then replays
/// the labels).
fn keep_fit(key: &str, fit: Option<&str>) {
    let index = storage_get(INDEX_KEY).unwrap_or_default();
    for other in index.lines().filter(|k| !k.is_empty() && *k != key) {
        storage_remove(&fit_key(other));
    }
    match fit {
        Some(f) if storage_set(&fit_key(key), f).is_ok() => {}
        _ => storage_remove(&fit_key(key)),
    }
}
