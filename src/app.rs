//! The page: one component tree over one `Lab`. Big buffers live in a
//! `StoredValue`; a `version` signal says when they changed.

use anomaly_lab_core::data::DataReport;
use anomaly_lab_core::detector::{DetectorKind, DetectorSpec, TrainConfig};
use anomaly_lab_core::projection::ProjectionKind;
use leptos::ev;
use leptos::html::Canvas;
use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::{DragEvent, HtmlInputElement, KeyboardEvent, MouseEvent, WheelEvent};

use crate::backend::{self, BackendKind};
use crate::dom::{
    now_ms, read_file, set_body_state, storage_get, storage_set, url_param, yield_now,
};
use crate::scatter::{draw, Frame};
use crate::state::{
    csv_table, decode_labels, encode_labels, one_line_error, sample_table, storage_key, Lab,
    ReviewOrder,
};
use crate::training::{train_and_score, Outcome, Progress};
use crate::viewport::rank_scores;

/// What the page is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    Training,
    Ready,
}

/// The user's choice of backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BackendChoice {
    Auto,
    WebGpu,
    Cpu,
}

/// Every signal the components share. All fields are `Copy` handles.
#[derive(Clone, Copy)]
struct Ctx {
    lab: StoredValue<Option<Lab>>,
    /// Bumped whenever scores, labels or coordinates change.
    version: RwSignal<u64>,
    /// Bumped when a new dataset replaces the old one (stale runs are dropped).
    generation: RwSignal<u64>,
    phase: RwSignal<Phase>,
    progress: RwSignal<Progress>,
    losses: RwSignal<Vec<f32>>,
    error: RwSignal<Option<String>>,
    notice: RwSignal<Option<String>>,
    report: RwSignal<Option<DataReport>>,
    selected: RwSignal<Option<usize>>,
    hover: RwSignal<Option<(usize, f64, f64)>>,
    backend_choice: RwSignal<BackendChoice>,
    backend_used: RwSignal<Option<BackendKind>>,
    backend_note: RwSignal<Option<String>>,
    cancel: RwSignal<bool>,
    /// An auto-label run is in progress.
    auto_running: RwSignal<bool>,
    last_update_ms: RwSignal<Option<f64>>,
    detector: RwSignal<DetectorKind>,
    epochs: RwSignal<usize>,
    hidden: RwSignal<usize>,
    bottleneck: RwSignal<usize>,
    learning_rate: RwSignal<f64>,
    seed: RwSignal<u64>,
    canvas: NodeRef<Canvas>,
    /// Where this dataset's labels are kept in local storage.
    storage_key: StoredValue<String>,
    /// The order of the review queue (kept across datasets).
    review: RwSignal<ReviewOrder>,
    /// Colour the points by rank (kept across datasets).
    colour_by_rank: RwSignal<bool>,
    /// Each label change as `(row, the label it replaced)`, newest last.
    undo: StoredValue<Vec<(usize, Option<bool>)>>,
}

impl Ctx {
    fn new() -> Self {
        let epochs = url_param("epochs")
            .and_then(|v| v.parse().ok())
            .unwrap_or(30);
        let backend_choice = match url_param("backend").as_deref() {
            Some("cpu") => BackendChoice::Cpu,
            Some("webgpu") => BackendChoice::WebGpu,
            _ => BackendChoice::Auto,
        };
        Self {
            lab: StoredValue::new(None),
            version: RwSignal::new(0),
            generation: RwSignal::new(0),
            phase: RwSignal::new(Phase::Idle),
            progress: RwSignal::new(Progress::default()),
            losses: RwSignal::new(Vec::new()),
            error: RwSignal::new(None),
            notice: RwSignal::new(None),
            report: RwSignal::new(None),
            selected: RwSignal::new(None),
            hover: RwSignal::new(None),
            backend_choice: RwSignal::new(backend_choice),
            backend_used: RwSignal::new(None),
            backend_note: RwSignal::new(None),
            cancel: RwSignal::new(false),
            auto_running: RwSignal::new(false),
            last_update_ms: RwSignal::new(None),
            detector: RwSignal::new(DetectorKind::Autoencoder),
            epochs: RwSignal::new(epochs),
            hidden: RwSignal::new(0),
            bottleneck: RwSignal::new(0),
            learning_rate: RwSignal::new(DetectorKind::Autoencoder.default_learning_rate()),
            seed: RwSignal::new(0),
            canvas: NodeRef::new(),
            storage_key: StoredValue::new(String::new()),
            undo: StoredValue::new(Vec::new()),
            colour_by_rank: RwSignal::new(url_param("colour").as_deref() == Some("rank")),
            review: RwSignal::new(
                url_param("review")
                    .and_then(|r| ReviewOrder::parse(&r))
                    .unwrap_or_default(),
            ),
        }
    }

    fn fail(&self, message: impl Into<String>) {
        self.error.set(Some(message.into()));
    }

    /// Repaints the scatter from the stored state; returns the time taken.
    fn redraw(&self) {
        let Some(canvas) = self.canvas.get_untracked() else {
            return;
        };
        let selected = self.selected.get_untracked();
        let order = self.review.get_untracked();
        let by_rank = self.colour_by_rank.get_untracked();
        let result = self.lab.try_update_value(|lab| {
            let Some(lab) = lab.as_mut() else {
                return Ok(());
            };
            let (xd, yd) = lab.axis_names();
            let suggestion = lab.suggestion(order);
            let session = &lab.session;
            let labels = |i: usize| session.label_of(i);
            let ranked = if by_rank {
                session.scores().map(rank_scores)
            } else {
                None
            };
            let frame = Frame {
                coords: &lab.coords,
                scores: ranked.as_deref().or(session.scores()),
                by_rank: ranked.is_some(),
                labels: &labels,
                selected,
                suggestion,
                view: lab.view,
                x_desc: &xd,
                y_desc: &yd,
            };
            let (area, grid) = draw(&canvas, &frame)?;
            // Where the suggested row sits, for people reading the DOM and for tests.
            let at = frame.suggestion.and_then(|i| grid.screen_of(i));
            let _ = canvas.set_attribute(
                "data-suggestion",
                &at.map(|(x, y)| format!("{x:.0},{y:.0}"))
                    .unwrap_or_default(),
            );
            lab.area = area;
            lab.grid = grid;
            Ok::<(), String>(())
        });
        if let Some(Err(e)) = result {
            self.fail(e);
        }
    }

    /// Replaces the dataset. The old one's labels belong to the old data.
    fn load(&self, name: String, table: anomaly_lab_core::data::Table) {
        self.report.set(Some(table.report.clone()));
        let key = storage_key(&name, &table);
        let mut lab = Lab::new(name, table);
        // Labels given to this same data earlier in this browser come back.
        let restored = storage_get(&key)
            .map(|t| decode_labels(&t, lab.session.rows()))
            .unwrap_or_default();
        for &(row, anomaly) in &restored {
            let _ = lab.session.label(row, Some(anomaly));
        }
        self.notice.set((!restored.is_empty()).then(|| {
            format!(
                "Restored {} labels given to this data earlier in this browser.",
                restored.len()
            )
        }));
        self.storage_key.set_value(key);
        self.undo.set_value(Vec::new());
        self.lab.set_value(Some(lab));
        self.generation.update(|g| *g += 1);
        self.selected.set(None);
        self.hover.set(None);
        self.losses.set(Vec::new());
        self.phase.set(Phase::Idle);
        set_body_state("idle");
        self.bump();
        self.start_training();
    }

    fn bump(&self) {
        self.version.update(|v| *v += 1);
        self.redraw();
    }

    fn spec(&self) -> DetectorSpec {
        DetectorSpec {
            kind: self.detector.get_untracked(),
            hidden: self.hidden.get_untracked(),
            bottleneck: self.bottleneck.get_untracked(),
            train: TrainConfig {
                epochs: self.epochs.get_untracked(),
                learning_rate: self.learning_rate.get_untracked(),
                seed: self.seed.get_untracked(),
                ..TrainConfig::default()
            },
        }
    }

    fn start_training(&self) {
        if self.phase.get_untracked() == Phase::Training {
            return;
        }
        let Some((x, d)) = self.lab.with_value(|l| {
            l.as_ref()
                .map(|l| (l.session.x().to_vec(), l.session.cols()))
        }) else {
            return;
        };
        let ctx = *self;
        let spec = self.spec();
        let generation = self.generation.get_untracked();
        self.cancel.set(false);
        self.losses.set(Vec::new());
        self.phase.set(Phase::Training);
        set_body_state("training");
        spawn_local(async move {
            let wanted = match ctx.backend_choice.get_untracked() {
                BackendChoice::Cpu => BackendKind::Cpu,
                BackendChoice::Auto | BackendChoice::WebGpu => BackendKind::WebGpu,
            };
            let (used, device, why) = backend::device(wanted).await;
            ctx.backend_used.set(Some(used));
            ctx.backend_note.set(why.clone());
            if let (BackendChoice::WebGpu, Some(why)) = (ctx.backend_choice.get_untracked(), why) {
                ctx.fail(format!("{why}; training on the CPU instead"));
            }
            let result = train_and_score(
                &x,
                d,
                &spec,
                &device,
                || ctx.cancel.get_untracked() || ctx.generation.get_untracked() != generation,
                |p| ctx.progress.set(p),
                |_, loss| ctx.losses.update(|l| l.push(loss)),
            )
            .await;
            if ctx.generation.get_untracked() != generation {
                return;
            }
            let done = match result {
                Ok(Outcome::Done(scored)) => ctx
                    .lab
                    .try_update_value(|l| match l.as_mut() {
                        Some(lab) => {
                            let r = lab.session.attach(scored).map_err(|e| e.to_string());
                            if lab.projection == ProjectionKind::Latent {
                                let _ = lab.set_projection(ProjectionKind::Latent);
                            }
                            r
                        }
                        None => Ok(()),
                    })
                    .unwrap_or(Ok(())),
                Ok(Outcome::Cancelled) => Ok(()),
                Err(e) => Err(e),
            };
            if let Err(e) = done {
                if used == BackendKind::WebGpu {
                    // A lost or failing GPU: say so and train again on the CPU.
                    ctx.fail(format!(
                        "WebGPU failed ({}); training again on the CPU. Your labels are kept.",
                        one_line_error(&e)
                    ));
                    ctx.backend_choice.set(BackendChoice::Cpu);
                    ctx.phase.set(Phase::Idle);
                    ctx.start_training();
                    return;
                }
                ctx.fail(format!("training failed: {e}"));
            }
            let scored = ctx
                .lab
                .with_value(|l| l.as_ref().is_some_and(|l| l.session.is_scored()));
            // A cancelled re-training keeps the earlier scores: still ready.
            ctx.phase
                .set(if scored { Phase::Ready } else { Phase::Idle });
            set_body_state(if scored { "ready" } else { "idle" });
            ctx.bump();
        });
    }

    /// Labels a row and repaints, timing label → repainted canvas. The
    /// change can be undone.
    fn label(&self, row: usize, label: Option<bool>) {
        let before = self
            .lab
            .with_value(|l| l.as_ref().map(|l| l.session.label_of(row)));
        if before.is_some_and(|b| b != label) && self.apply_label(row, label) {
            self.undo.update_value(|u| u.push((row, before.flatten())));
        }
    }

    /// Takes back the last label change and selects its row.
    fn undo(&self) {
        if self.phase.get_untracked() != Phase::Ready {
            return;
        }
        let Some((row, label)) = self.undo.try_update_value(|u| u.pop()).flatten() else {
            return;
        };
        self.apply_label(row, label);
        self.selected.set(Some(row));
    }

    /// Sets a label in the session, repaints and stores the labels; false
    /// when there is no data or the row is not there.
    fn apply_label(&self, row: usize, label: Option<bool>) -> bool {
        let start = now_ms();
        let result = self
            .lab
            .try_update_value(|l| l.as_mut().map(|lab| lab.session.label(row, label)));
        match result.flatten() {
            Some(Err(e)) => {
                self.fail(e.to_string());
                return false;
            }
            None => return false,
            Some(Ok(())) => {}
        }
        self.version.update(|v| *v += 1);
        self.redraw();
        self.last_update_ms.set(Some(now_ms() - start));
        let labels = self
            .lab
            .with_value(|l| l.as_ref().map(|l| l.session.labelled()).unwrap_or_default());
        storage_set(&self.storage_key.get_value(), &encode_labels(&labels));
        true
    }

    /// Labels the selected row. When it was the suggested one, the next
    /// suggestion becomes the selection, so A, N, A, … walks the queue.
    fn label_selected(&self, label: Option<bool>) {
        let Some(row) = self.selected.get_untracked() else {
            return;
        };
        if self.phase.get_untracked() != Phase::Ready {
            return;
        }
        let suggested = self.suggestion() == Some(row);
        self.label(row, label);
        if suggested && label.is_some() {
            // Selecting the next suggestion repaints once more; the label's
            // own repaint above is what the timing measures.
            self.selected.set(self.suggestion());
        }
    }

    fn suggestion(&self) -> Option<usize> {
        let order = self.review.get_untracked();
        self.lab
            .with_value(|l| l.as_ref().and_then(|l| l.suggestion(order)))
    }

    /// Saves `row,score,rank,label[,truth]` for every row to the user's disk.
    fn download(&self) {
        let Some((name, csv)) = self
            .lab
            .with_value(|l| l.as_ref().map(|l| (l.name.clone(), l.export_csv())))
        else {
            return;
        };
        let stem = name.trim_start_matches("sample: ").trim_end_matches(".csv");
        if let Err(e) = crate::dom::download(&format!("{stem}-scores.csv"), &csv) {
            self.fail(format!("download failed: {e}"));
        }
    }

    /// Plays the expert from the ground truth, one query at a time, with a
    /// pause after each so the page shows it; a second click stops it.
    fn auto_label(&self, n: usize) {
        if self.auto_running.get_untracked() {
            self.auto_running.set(false);
            return;
        }
        let ctx = *self;
        let generation = self.generation.get_untracked();
        self.auto_running.set(true);
        spawn_local(async move {
            for _ in 0..n {
                if ctx.phase.get_untracked() != Phase::Ready
                    || !ctx.auto_running.get_untracked()
                    || ctx.generation.get_untracked() != generation
                {
                    break;
                }
                let Some(row) = ctx.suggestion() else {
                    break;
                };
                let truth = ctx.lab.with_value(|l| {
                    l.as_ref()
                        .and_then(|l| l.session.table().labels.as_ref().map(|t| t[row]))
                });
                let Some(truth) = truth else { break };
                ctx.selected.set(Some(row));
                ctx.label(row, Some(truth));
                yield_now(30).await;
            }
            ctx.auto_running.set(false);
        });
    }
}

#[component]
pub fn App() -> impl IntoView {
    let ctx = Ctx::new();
    provide_context(ctx);

    // First open: a built-in sample (or ?sample=…&rows=…), trained at once.
    let sample = url_param("sample").unwrap_or_else(|| "clustered".into());
    let rows = url_param("rows").and_then(|r| r.parse().ok());
    request_animation_frame(move || match sample_table(&sample, rows) {
        Some(t) => ctx.load(format!("sample: {sample}"), t),
        None => ctx.fail(format!("unknown sample '{sample}'")),
    });

    let keys = window_event_listener(ev::keydown, move |e: KeyboardEvent| {
        let in_field = e
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
            .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"));
        if in_field || e.alt_key() {
            return;
        }
        if e.ctrl_key() || e.meta_key() {
            if e.key().eq_ignore_ascii_case("z") && !e.shift_key() {
                e.prevent_default();
                ctx.undo();
            }
            return;
        }
        match e.key().as_str() {
            "z" | "Z" => ctx.undo(),
            "a" | "A" => ctx.label_selected(Some(true)),
            "n" | "N" => ctx.label_selected(Some(false)),
            "u" | "U" => ctx.label_selected(None),
            _ => {}
        }
    });
    on_cleanup(move || keys.remove());

    let on_drop = move |e: DragEvent| {
        e.prevent_default();
        if let Some(file) = e
            .data_transfer()
            .and_then(|d| d.files())
            .and_then(|f| f.get(0))
        {
            load_file(ctx, file);
        }
    };

    view! {
        <div class="app" on:dragover=|e: DragEvent| e.prevent_default() on:drop=on_drop>
            <header>
                <h1>"Anomaly Lab"</h1>
                <span class="tagline">"find anomalies with a human in the loop — nothing leaves this page"</span>
                <BackendBadge/>
            </header>
            <div id="panic-banner" class="error" hidden></div>
            <ErrorBanner/>
            {move || ctx.notice.get().map(|n| view! {
                <div class="notice" data-testid="notice">
                    <span>{n}</span>
                    <button on:click=move |_| ctx.notice.set(None)>"ok"</button>
                </div>
            })}
            <main>
                <aside class="left">
                    <DataPanel/>
                    <TrainPanel/>
                    <ReportPanel/>
                </aside>
                <section class="center">
                    <ScatterView/>
                </section>
                <aside class="right">
                    <LabelPanel/>
                    <QueuePanel/>
                    <TeachPanel/>
                </aside>
            </main>
        </div>
    }
}

fn load_file(ctx: Ctx, file: web_sys::File) {
    spawn_local(async move {
        let name = file.name();
        let mb = file.size() / 1e6;
        if mb >= 1.0 {
            // Parsing holds the page; say what it is doing first and let the
            // browser paint that before it starts.
            ctx.notice
                .set(Some(format!("Reading {name} ({mb:.0} MB)…")));
            yield_now(30).await;
        }
        match read_file(&file).await.and_then(|b| csv_table(&b)) {
            Ok(table) => {
                ctx.error.set(None);
                ctx.load(name, table);
            }
            Err(e) => {
                ctx.notice.set(None);
                ctx.fail(format!("{name}: {e}"));
            }
        }
    });
}

#[component]
fn BackendBadge() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let text = move || match ctx.backend_used.get() {
        Some(b) => b.label().to_string(),
        None => "no backend yet".to_string(),
    };
    let title = move || ctx.backend_note.get().unwrap_or_default();
    // Switching the backend retrains on it at once; the labels are kept.
    let on_change = move |e: ev::Event| {
        ctx.backend_choice
            .set(match event_target_value(&e).as_str() {
                "webgpu" => BackendChoice::WebGpu,
                "cpu" => BackendChoice::Cpu,
                _ => BackendChoice::Auto,
            });
        ctx.start_training();
    };
    let selected = move |c: BackendChoice| move || ctx.backend_choice.get() == c;
    view! {
        <div class="backend">
            <span data-testid="backend-badge" class="badge" title=title>{text}</span>
            <select aria-label="backend" on:change=on_change>
                <option value="auto" selected=selected(BackendChoice::Auto)>"auto (WebGPU if present)"</option>
                <option value="webgpu" selected=selected(BackendChoice::WebGpu)>"WebGPU"</option>
                <option value="cpu" selected=selected(BackendChoice::Cpu)>"CPU"</option>
            </select>
        </div>
    }
}

#[component]
fn ErrorBanner() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    move || {
        ctx.error.get().map(|e| {
            view! {
                <div class="error" data-testid="error-banner" role="alert">
                    <span>{e}</span>
                    <button on:click=move |_| ctx.error.set(None)>"dismiss"</button>
                </div>
            }
        })
    }
}

#[component]
fn DataPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let on_sample = move |e: ev::Event| {
        let name = event_target_value(&e);
        if let Some(t) = sample_table(&name, None) {
            ctx.error.set(None);
            ctx.load(format!("sample: {name}"), t);
        }
    };
    let on_file = move |e: ev::Event| {
        let input: HtmlInputElement = event_target(&e);
        if let Some(file) = input.files().and_then(|f| f.get(0)) {
            load_file(ctx, file);
        }
        input.set_value("");
    };
    let name = move || {
        ctx.version.get();
        ctx.lab
            .with_value(|l| l.as_ref().map(|l| l.name.clone()).unwrap_or_default())
    };
    view! {
        <section class="panel">
            <h2>"Data"</h2>
            <p class="dataset">{name}</p>
            <label>"Built-in sample "
                <select data-testid="sample-select" on:change=on_sample>
                    <option value="clustered">"clustered anomalies"</option>
                    <option value="low-density">"low-density anomalies"</option>
                    <option value="high-dimensional">"high-dimensional (32 features)"</option>
                    <option value="tiny">"tiny (quick demo)"</option>
                </select>
            </label>
            <label class="file">"Open a CSV "
                <input type="file" accept=".csv,.tsv,.txt,text/csv" data-testid="csv-input" on:change=on_file/>
            </label>
            <p class="hint">"…or drop a CSV anywhere on the page."</p>
        </section>
    }
}

#[component]
fn TrainPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let number = |sig: RwSignal<usize>| {
        move |e: ev::Event| {
            if let Ok(v) = event_target_value(&e).parse() {
                sig.set(v);
            }
        }
    };
    let training = move || ctx.phase.get() == Phase::Training;
    let progress = move || {
        let p = ctx.progress.get();
        format!("epoch {} of {}", p.epoch, p.epochs)
    };
    view! {
        <section class="panel">
            <h2>"Detector"</h2>
            <label>"Model "
                <select on:change=move |e| {
                    let kind = if event_target_value(&e) == "mlp" { DetectorKind::Mlp } else { DetectorKind::Autoencoder };
                    ctx.detector.set(kind);
                    // Each detector has its own default learning rate.
                    ctx.learning_rate.set(kind.default_learning_rate());
                }>
                    <option value="autoencoder">"autoencoder"</option>
                    <option value="mlp">"one-class MLP (Deep SVDD)"</option>
                </select>
            </label>
            <label>"Epochs " <input type="number" min="1" max="10000" data-testid="epochs-input" prop:value=move || ctx.epochs.get() on:change=number(ctx.epochs)/></label>
            <label>"Hidden (0 = auto) " <input type="number" min="0" prop:value=move || ctx.hidden.get() on:change=number(ctx.hidden)/></label>
            <label>"Bottleneck (0 = auto) " <input type="number" min="0" prop:value=move || ctx.bottleneck.get() on:change=number(ctx.bottleneck)/></label>
            <label>"Learning rate " <input type="number" step="0.001" min="0" prop:value=move || ctx.learning_rate.get() on:change=move |e| { if let Ok(v) = event_target_value(&e).parse() { ctx.learning_rate.set(v) } }/></label>
            <label>"Seed " <input type="number" min="0" prop:value=move || ctx.seed.get() on:change=move |e| { if let Ok(v) = event_target_value(&e).parse() { ctx.seed.set(v) } }/></label>
            <div class="buttons">
                <button data-testid="train-button" disabled=training on:click=move |_| ctx.start_training()>"Train"</button>
                <button data-testid="cancel-button" disabled=move || !training() on:click=move |_| ctx.cancel.set(true)>"Cancel"</button>
            </div>
            <progress data-testid="train-progress" max=move || ctx.progress.get().total.max(1) value=move || ctx.progress.get().step></progress>
            <span class="progress-text">{progress}</span>
            <LossCurve/>
        </section>
    }
}

#[component]
fn LossCurve() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let points = move || {
        let losses = ctx.losses.get();
        if losses.len() < 2 {
            return String::new();
        }
        let (lo, hi) = losses
            .iter()
            .fold((f32::MAX, f32::MIN), |(a, b), &v| (a.min(v), b.max(v)));
        let span = (hi - lo).max(1e-12);
        let n = losses.len() - 1;
        losses
            .iter()
            .enumerate()
            .map(|(i, v)| {
                format!(
                    "{:.1},{:.1}",
                    200.0 * i as f32 / n as f32,
                    58.0 - 56.0 * (v - lo) / span
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let last = move || {
        ctx.losses
            .get()
            .last()
            .map(|l| format!("loss {l:.4}"))
            .unwrap_or_default()
    };
    view! {
        <div class="loss">
            <svg viewBox="0 0 200 60" width="200" height="60" data-testid="loss-curve">
                <polyline points=points fill="none" stroke="#c0392b" stroke-width="1.5"/>
            </svg>
            <span>{last}</span>
        </div>
    }
}

#[component]
fn ReportPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    move || {
        ctx.report.get().map(|r| {
            let dropped = r
                .dropped_columns
                .iter()
                .map(|d| view! { <li>{format!("{}: {}", d.name, d.reason)}</li> })
                .collect_view();
            let imputed = if r.imputed.is_empty() {
                "none".to_string()
            } else {
                r.imputed.iter().map(|(c, n)| format!("{c} ({n})")).collect::<Vec<_>>().join(", ")
            };
            view! {
                <section class="panel" data-testid="data-report">
                    <h2>"Data report"</h2>
                    <p>{format!("{} rows; {} columns used: {}", r.rows, r.used_columns.len(), r.used_columns.join(", "))}</p>
                    <p>{format!("missing values imputed: {} — {imputed}", r.total_imputed())}</p>
                    <p>{match (&r.label_column, r.anomalies) {
                        (Some(c), Some(a)) => format!("ground truth: column '{c}' ({a} anomalies)"),
                        _ => "no ground-truth column".to_string(),
                    }}</p>
                    <p>{if r.dropped_columns.is_empty() { "no column dropped".to_string() } else { "dropped:".to_string() }}</p>
                    <ul>{dropped}</ul>
                </section>
            }
        })
    }
}

#[component]
fn ScatterView() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let drag = StoredValue::new(None::<(f64, f64, bool)>);

    // A new selection repaints (labels and data repaint where they happen).
    Effect::new(move |_| {
        ctx.selected.get();
        ctx.redraw();
    });

    let on_down = move |e: MouseEvent| {
        drag.set_value(Some((e.offset_x() as f64, e.offset_y() as f64, false)))
    };
    let on_move = move |e: MouseEvent| {
        let (x, y) = (e.offset_x() as f64, e.offset_y() as f64);
        if let Some((x0, y0, moved)) = drag.get_value() {
            if moved || (x - x0).abs() + (y - y0).abs() > 3.0 {
                ctx.lab.update_value(|l| {
                    if let Some(l) = l.as_mut() {
                        l.view.pan(
                            (x - x0) / l.area.width as f64,
                            (y - y0) / l.area.height as f64,
                        );
                    }
                });
                drag.set_value(Some((x, y, true)));
                ctx.hover.set(None);
                ctx.redraw();
                return;
            }
        }
        let hit = ctx
            .lab
            .with_value(|l| l.as_ref().and_then(|l| l.grid.nearest(x, y, 8.0)));
        ctx.hover.set(hit.map(|i| (i, x, y)));
    };
    let on_up = move |e: MouseEvent| {
        let was = drag.get_value();
        drag.set_value(None);
        if let Some((_, _, false)) = was {
            let (x, y) = (e.offset_x() as f64, e.offset_y() as f64);
            let hit = ctx
                .lab
                .with_value(|l| l.as_ref().and_then(|l| l.grid.nearest(x, y, 12.0)));
            if hit.is_some() {
                ctx.selected.set(hit);
            }
        }
    };
    let on_wheel = move |e: WheelEvent| {
        e.prevent_default();
        let factor = if e.delta_y() > 0.0 { 1.15 } else { 1.0 / 1.15 };
        let (x, y) = (e.offset_x() as f64, e.offset_y() as f64);
        ctx.lab.update_value(|l| {
            if let Some(l) = l.as_mut() {
                let a = l.area;
                let fx = ((x - a.left as f64) / a.width as f64).clamp(0.0, 1.0);
                let fy = ((y - a.top as f64) / a.height as f64).clamp(0.0, 1.0);
                l.view.zoom(factor, fx, fy);
            }
        });
        ctx.redraw();
    };
    let reset_view = move |_| {
        ctx.lab.update_value(|l| {
            if let Some(l) = l.as_mut() {
                l.view = crate::viewport::ViewRect::fit(&l.coords);
            }
        });
        ctx.redraw();
    };
    let on_projection = move |e: ev::Event| {
        let value = event_target_value(&e);
        let kind = match value.as_str() {
            "latent" => ProjectionKind::Latent,
            "pca" => ProjectionKind::Pca,
            cols => {
                let mut it = cols.split(':').filter_map(|c| c.parse::<usize>().ok());
                match (it.next(), it.next()) {
                    (Some(a), Some(b)) => ProjectionKind::Columns(a, b),
                    _ => ProjectionKind::Pca,
                }
            }
        };
        let r = ctx
            .lab
            .try_update_value(|l| l.as_mut().map(|l| l.set_projection(kind)));
        if let Some(Some(Err(e))) = r {
            ctx.fail(e);
        }
        ctx.redraw();
    };
    let projections = move || {
        ctx.generation.get();
        let features = ctx.lab.with_value(|l| {
            l.as_ref()
                .map(|l| l.session.table().features.clone())
                .unwrap_or_default()
        });
        let pairs = features
            .iter()
            .enumerate()
            .flat_map(|(a, fa)| {
                features
                    .iter()
                    .enumerate()
                    .skip(a + 1)
                    .map(move |(b, fb)| (a, b, format!("{fa} × {fb}")))
            })
            .take(60)
            .map(|(a, b, name)| view! { <option value=format!("{a}:{b}")>{name}</option> })
            .collect_view();
        view! {
            <option value="pca">"PCA (first two components)"</option>
            <option value="latent">"autoencoder latent (bottleneck 2)"</option>
            {pairs}
        }
    };
    let tooltip = move || {
        ctx.version.get();
        let (row, x, y) = ctx.hover.get()?;
        let (score, rank, values, label) = ctx.lab.with_value(|l| {
            let l = l.as_ref()?;
            Some((
                l.session.scores().map(|s| s[row]),
                l.rank_of(row),
                l.describe_row(row),
                l.session.label_of(row),
            ))
        })?;
        let label = match label {
            Some(true) => " — labelled anomaly",
            Some(false) => " — labelled normal",
            None => "",
        };
        Some(view! {
            <div class="tooltip" style=format!("left:{}px;top:{}px", x + 14.0, y + 14.0)>
                <b>{format!("row {}{label}", row + 1)}</b>
                <div>{match (score, rank) {
                    (Some(s), Some(r)) => format!("score {s:.3}, rank {r}"),
                    _ => "not scored yet".to_string(),
                }}</div>
                <div class="values">{values.join(", ")}</div>
            </div>
        })
    };
    view! {
        <div class="scatter-wrap">
            <div class="scatter-tools">
                <select aria-label="projection" on:change=on_projection>{projections}</select>
                <select aria-label="colour" data-testid="colour-select" title="How points are coloured"
                    on:change=move |e| {
                        let by_rank = event_target_value(&e) == "rank";
                        ctx.colour_by_rank.set(by_rank);
                        ctx.bump();
                    }>
                    <option value="score" selected=move || !ctx.colour_by_rank.get()>"colour by score"</option>
                    <option value="rank" selected=move || ctx.colour_by_rank.get()>"colour by rank"</option>
                </select>
                <button on:click=reset_view>"reset zoom"</button>
                <span class="timing">{move || ctx.last_update_ms.get().map(|t| format!("last label → repaint: {t:.1} ms")).unwrap_or_default()}</span>
            </div>
            <div class="canvas-box">
                <canvas node_ref=ctx.canvas data-testid="scatter" width="760" height="540"
                    data-last-update-ms=move || ctx.last_update_ms.get().map(|t| format!("{t:.3}")).unwrap_or_default()
                    on:mousedown=on_down on:mousemove=on_move on:mouseup=on_up
                    on:mouseleave=move |_| { drag.set_value(None); ctx.hover.set(None); }
                    on:wheel=on_wheel></canvas>
                {tooltip}
            </div>
        </div>
    }
}

#[component]
fn LabelPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let info = move || {
        ctx.version.get();
        let Some(row) = ctx.selected.get() else {
            return "Click a point, or a row in the queue.".to_string();
        };
        ctx.lab.with_value(|l| {
            let Some(l) = l.as_ref() else {
                return String::new();
            };
            let label = match l.session.label_of(row) {
                Some(true) => "anomaly",
                Some(false) => "normal",
                None => "unlabelled",
            };
            let score = l
                .session
                .scores()
                .map(|s| format!(", score {:.3}", s[row]))
                .unwrap_or_default();
            format!("row {} ({label}{score})", row + 1)
        })
    };
    // The largest parts of the selected row's score, in words.
    let why = move || {
        ctx.version.get();
        let row = ctx.selected.get()?;
        let reasons = ctx
            .lab
            .with_value(|l| l.as_ref().map(|l| l.session.explain(row, 4)))
            .unwrap_or_default();
        if reasons.is_empty() {
            return None;
        }
        Some(view! {
            <ul class="why" data-testid="why" title="The largest parts of this row's score (positive: towards anomaly)">
                {reasons.into_iter().map(|r| view! {
                    <li title=r.detail>
                        <span class="why-value" class:up={r.value > 0.0}>{format!("{:+.2}", r.value)}</span>
                        " " {r.text}
                    </li>
                }).collect_view()}
            </ul>
        })
    };
    let ready = move || ctx.phase.get() == Phase::Ready && ctx.selected.get().is_some();
    let can_undo = move || {
        ctx.version.get();
        ctx.phase.get() == Phase::Ready && ctx.undo.with_value(|u| !u.is_empty())
    };
    view! {
        <section class="panel">
            <h2>"Label"</h2>
            <p data-testid="selected-row" data-row=move || ctx.selected.get().map(|r| r.to_string()).unwrap_or_default()>{info}</p>
            {why}
            <div class="buttons">
                <button data-testid="label-anomaly" disabled=move || !ready() on:click=move |_| ctx.label_selected(Some(true))>"Anomaly (A)"</button>
                <button data-testid="label-normal" disabled=move || !ready() on:click=move |_| ctx.label_selected(Some(false))>"Normal (N)"</button>
                <button data-testid="label-clear" disabled=move || !ready() on:click=move |_| ctx.label_selected(None)>"Clear (U)"</button>
                <button data-testid="label-undo" disabled=move || !can_undo() title="Take back the last label (Z or Ctrl+Z)"
                    on:click=move |_| ctx.undo()>"Undo (Z)"</button>
            </div>
        </section>
    }
}

#[component]
fn QueuePanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let rows = move || {
        ctx.version.get();
        let order = ctx.review.get();
        ctx.lab.with_value(|l| {
            l.as_ref()
                .map(|l| {
                    let scores = l.session.scores().unwrap_or_default();
                    l.queue(order)
                        .into_iter()
                        .map(|r| (r, scores[r]))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    let set_order = move |e: leptos::ev::Event| {
        let Some(order) = ReviewOrder::parse(&event_target_value(&e)) else {
            return;
        };
        ctx.review.set(order);
        // The suggestion is the queue's first row: select it, as a label does.
        ctx.selected.set(ctx.suggestion());
        ctx.bump();
    };
    view! {
        <section class="panel">
            <h2>"Review next"</h2>
            <select class="review-order" data-testid="review-order" on:change=set_order
                title="Which unlabelled rows to review first">
                {ReviewOrder::ALL.into_iter().map(|o| view! {
                    <option value=o.name() selected=move || ctx.review.get() == o>{o.title()}</option>
                }).collect_view()}
            </select>
            <ol class="queue">
                {move || rows().into_iter().enumerate().map(|(k, (row, score))| {
                    let selected = move || ctx.selected.get() == Some(row);
                    view! {
                        <li data-testid="queue-item" data-row=row.to_string() class:suggested=k == 0 class:selected=selected
                            on:click=move |_| ctx.selected.set(Some(row))>
                            <span class="row">{format!("row {}", row + 1)}</span>
                            <span class="score">{format!("{score:.2}")}</span>
                            <button class="mini" title="label anomaly" on:click=move |e| { e.stop_propagation(); ctx.selected.set(Some(row)); ctx.label(row, Some(true)); }>"A"</button>
                            <button class="mini" title="label normal" on:click=move |e| { e.stop_propagation(); ctx.selected.set(Some(row)); ctx.label(row, Some(false)); }>"N"</button>
                        </li>
                    }
                }).collect_view()}
            </ol>
        </section>
    }
}

#[component]
fn TeachPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let count = RwSignal::new(10usize);
    let found = move || {
        ctx.version.get();
        ctx.lab
            .with_value(|l| l.as_ref().and_then(|l| l.session.found()))
    };
    view! {
        <section class="panel">
            <h2>"Ground truth"</h2>
            {move || match found() {
                Some((f, q)) => view! {
                    <p data-testid="found-counter" class="found">{format!("found {f} / queried {q}")}</p>
                }.into_any(),
                None => view! { <p class="hint">"This data has no ground-truth column."</p> }.into_any(),
            }}
            <label>"Auto-label next "
                <input type="number" min="1" max="10000" data-testid="auto-label-count"
                    prop:value=move || count.get()
                    on:input=move |e| { if let Ok(v) = event_target_value(&e).parse() { count.set(v) } }/>
            </label>
            <button data-testid="auto-label-button"
                disabled=move || ctx.phase.get() != Phase::Ready || found().is_none()
                on:click=move |_| ctx.auto_label(count.get_untracked())>
                {move || if ctx.auto_running.get() { "Stop" } else { "Auto-label" }}</button>
        </section>
        <section class="panel">
            <h2>"Export"</h2>
            <button data-testid="download-button" disabled=move || ctx.phase.get() != Phase::Ready
                on:click=move |_| ctx.download()>"Download scores and labels (CSV)"</button>
        </section>
    }
}
