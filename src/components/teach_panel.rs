//! With ground truth: the found counter and auto-labelling (the simulated
//! expert); and the export of every row's score, rank and label.

use leptos::prelude::*;

use crate::ctx::{Ctx, Phase};
use crate::jobs::auto_label;

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
        </section>
        <section class="panel">
            <h2>"Export"</h2>
            <button data-testid="download-button" disabled=move || !ready()
                on:click=move |_| ctx.download()>"Download scores and labels (CSV)"</button>
        </section>
    }
}
