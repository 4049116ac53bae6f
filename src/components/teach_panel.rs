//! With ground truth: the found counter, auto-labelling (the simulated
//! expert) and teaching mode (the paper's point narrated, the true
//! anomalies outlined on demand, the layer's weights as bars); the
//! export of every row's score, rank and label; the session file (save,
//! open).

use leptos::prelude::*;

use crate::charts::weight_rows;
use crate::ctx::{Ctx, Phase};
use crate::jobs::auto_label;
use crate::words::teach_text;

#[component]
pub fn TeachPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let count = RwSignal::new(10usize);
    let found = move || {
        ctx.version.get();
        ctx.with_lab(|l| l.session.found()).flatten()
    };
    let ready = move || ctx.job.phase.get() == Phase::Ready;
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
                disabled=move || !ready() || found().is_none()
                on:click=move |_| auto_label(ctx, count.get_untracked())>
                {move || if ctx.job.auto_running.get() { "Stop" } else { "Auto-label" }}</button>
            <Switch flag=ctx.view.teach testid="teach-toggle" text="Teaching mode"/>
            <Show when=move || ctx.view.teach.get()>
                <Teaching/>
            </Show>
        </section>
        <section class="panel">
            <h2>"Export and session"</h2>
            <button data-testid="download-button" disabled=move || !ready()
                on:click=move |_| ctx.download()>"Download scores and labels (CSV)"</button>
            <button data-testid="session-download" disabled=move || !ready()
                title="One file with the detector's weights, the layer's fit, the labels in their order and the view: open it later, or on another machine, over the same CSV"
                on:click=move |_| ctx.save_session()>"Save session"</button>
            <button data-testid="onnx-download"
                disabled=move || !ready() || !ctx.with_lab(|l| l.session.table().schema.is_some()).unwrap_or(false)
                title="The detector and the active layer as one ONNX model: score a file of any size with ONNX Runtime, in Python, Spark or a database (needs data opened from a file)"
                on:click=move |_| ctx.save_onnx()>"Download ONNX model"</button>
            <label class="file">"Open a session "
                <input type="file" accept=".json,application/json" data-testid="session-input"
                    on:change=move |e: leptos::ev::Event| {
                        let input: web_sys::HtmlInputElement = event_target(&e);
                        if let Some(file) = input.files().and_then(|f| f.get(0)) {
                            ctx.open_session_file(file);
                        }
                        // The same file chosen again is a new choice.
                        input.set_value("");
                    }/>
            </label>
        </section>
    }
}

/// A checkbox that sets `flag` and repaints the scatter (which reads it).
#[component]
fn Switch(flag: RwSignal<bool>, testid: &'static str, text: &'static str) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    view! {
        <label class="check">
            <input type="checkbox" data-testid=testid prop:checked=move || flag.get()
                on:change=move |e| {
                    flag.set(event_target_checked(&e));
                    ctx.redraw();
                }/>
            {text}
        </label>
    }
}

/// Teaching mode: the narration, the outlines of the true anomalies, and
/// the layer's weights.
#[component]
fn Teaching() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let narration = move || {
        ctx.version.get();
        ctx.with_lab(|l| {
            let s = &l.session;
            let truth = s.table().labels.as_deref()?;
            let (found, queries) = s.found()?;
            let top10 = s.prior_top(10).iter().filter(|&&i| truth[i]).count();
            let anomalies = truth.iter().filter(|&&t| t).count();
            Some(teach_text(queries, found, top10, anomalies))
        })
        .flatten()
    };
    view! {
        <div class="teaching" data-testid="teach-panel">
            {move || match narration() {
                Some((step, text)) => view! {
                    <p class="step" data-testid="teach-step" data-step=step>
                        <b>{format!("Step {step} of 3. ")}</b>{text}
                    </p>
                }.into_any(),
                None => view! {
                    <p class="hint">"Teaching mode needs ground truth and a trained detector."</p>
                }.into_any(),
            }}
            <Switch flag=ctx.view.reveal testid="reveal-truth" text="show true anomalies (outlined)"/>
            <WeightsChart/>
        </div>
    }
}

/// The layer's weight on each input, grouped by feature, as bars from a
/// centre line (right: towards "anomaly"); a tick marks the weight before
/// any label.
#[component]
fn WeightsChart() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    const ROW: f64 = 16.0;
    const NAME: f64 = 96.0;
    const HALF: f64 = 96.0;
    let chart = move || {
        ctx.version.get();
        ctx.with_lab(|l| {
            let s = &l.session;
            let parts = s.layer_weights()?;
            let per_feature = s.detector_output().is_some_and(|d| d.evidence_per_feature);
            Some(weight_rows(&parts, &s.table().features, per_feature, 12))
        })
        .flatten()
    };
    view! {
        {move || chart().map(|(rows, scale)| {
            let height = ROW * rows.len() as f64 + 4.0;
            let centre = NAME + HALF;
            let moved: f64 = rows.iter().flat_map(|r| r.weights.iter().map(|w| (w.1 - w.2).abs())).sum();
            let x = move |w: f64| centre + HALF * (w / scale).clamp(-1.0, 1.0);
            let bars = rows.iter().enumerate().map(|(k, r)| {
                let y0 = 2.0 + ROW * k as f64;
                let n = r.weights.len().max(1) as f64;
                let each = (ROW - 4.0) / n;
                let marks = r.weights.iter().enumerate().map(|(q, &(kind, now, prior))| {
                    let y = y0 + 1.0 + each * q as f64;
                    let (a, b) = (x(0.0), x(now));
                    let tip = format!("{}: {now:+.3} (before any label {prior:+.3})", kind.class().trim_start_matches("w-"));
                    view! {
                        <rect class=kind.class() x=a.min(b) y=y width=(a - b).abs().max(0.5) height=(each - 1.0).max(1.0)>
                            <title>{tip}</title>
                        </rect>
                        <line class="prior" x1=x(prior) x2=x(prior) y1=y - 0.5 y2=y + each/>
                    }
                }).collect_view();
                view! {
                    <text x=NAME - 4.0 y=y0 + ROW / 2.0 + 3.0 text-anchor="end">{crate::words::shown_name(&r.name)}</text>
                    {marks}
                }
            }).collect_view();
            view! {
                <svg class="weights" viewBox=format!("0 0 300 {height}") data-testid="weights-chart"
                    data-moved=format!("{moved:.6}") role="img"
                    aria-label="The active layer's weights per feature: bars to the right push a row towards anomaly">
                    <line class="axis" x1=centre x2=centre y1=0 y2=height/>
                    {bars}
                </svg>
                <p class="legend">
                    <span class="key k-recon">"reconstruction error"</span>
                    <span class="key k-unusual">"unusual value"</span>
                    <span class="key k-value">"the value itself"</span>
                    <span class="key k-iso">"isolation"</span>
                    " · tick: before any label"
                </p>
            }
        })}
    }
}
