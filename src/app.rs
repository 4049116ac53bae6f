//! The page: the root component, the keyboard and drop handlers, and the
//! first load. The panels live in `components/`, the shared state in
//! `ctx.rs`, the long-running work in `jobs.rs`.

use leptos::ev;
use leptos::prelude::*;
use web_sys::{DragEvent, KeyboardEvent};

use crate::components::{
    BackendBadge, DataPanel, ErrorBanner, EvalPanel, LabelPanel, LabelWarnings, Notice, QueuePanel,
    ReportPanel, ScatterView, SessionOfferBanner, StorageWarning, TeachPanel, TrainPanel,
};
use crate::ctx::Ctx;
use crate::dom::url_param;
use crate::error::AppError;
use crate::jobs::load_file;
use crate::lab::sample_table;
use crate::params::UrlParams;

#[component]
pub fn App() -> impl IntoView {
    let params = UrlParams::read(url_param);
    let ctx = Ctx::new(&params);
    provide_context(ctx);
    ctx.install_effects();

    // First open: a built-in sample (or ?sample=…&rows=…), trained at once.
    request_animation_frame(move || match sample_table(&params.sample, params.rows) {
        Some(t) => ctx.load(format!("sample: {}", params.sample), t, None),
        None => ctx.fail(AppError::UnknownSample(params.sample.clone())),
    });

    let keys = window_event_listener(ev::keydown, move |e: KeyboardEvent| on_key(ctx, &e));
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
            <a class="skip" href="#queue">"Skip to the review queue"</a>
            <header>
                <h1>"Anomaly Lab"</h1>
                <span class="tagline">"find anomalies with a human in the loop — nothing leaves this page"</span>
                <BackendBadge/>
            </header>
            <div id="panic-banner" class="error" hidden></div>
            <ErrorBanner/>
            <SessionOfferBanner/>
            <StorageWarning/>
            <LabelWarnings/>
            <Notice/>
            <main>
                <aside class="left">
                    <DataPanel/>
                    <TrainPanel/>
                    <ReportPanel/>
                </aside>
                <section class="center">
                    <ScatterView/>
                    <EvalPanel/>
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

/// A, N, U label the selected row; Z (Ctrl+Z) undoes, Shift+Z (Ctrl+Y,
/// Ctrl+Shift+Z) redoes; Escape drops the lasso selection and goes back to
/// panning. Keys typed into a field are the field's.
fn on_key(ctx: Ctx, e: &KeyboardEvent) {
    let in_field = e
        .target()
        .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
        .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"));
    if in_field || e.alt_key() {
        return;
    }
    let key = e.key();
    if e.ctrl_key() || e.meta_key() {
        let redo =
            key.eq_ignore_ascii_case("y") || (key.eq_ignore_ascii_case("z") && e.shift_key());
        if redo || key.eq_ignore_ascii_case("z") {
            e.prevent_default();
            ctx.undo(redo);
        }
        return;
    }
    match key.as_str() {
        "z" | "Z" => ctx.undo(e.shift_key()),
        "a" | "A" => ctx.label_selected(Some(true)),
        "n" | "N" => ctx.label_selected(Some(false)),
        "u" | "U" => ctx.label_selected(None),
        "Escape" => {
            ctx.clear_selection();
            ctx.view.tool.set(crate::selection::Tool::Pan);
        }
        _ => {}
    }
}
