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

mod files;
mod labels;
mod paint;

use paint::PAINT_PENDING;

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
