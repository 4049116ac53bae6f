//! Choosing the data: a built-in sample, or a CSV from the file picker
//! (dropping a file anywhere on the page works too).

use anomaly_lab_core::synth::BuiltinSample;
use leptos::ev;
use leptos::prelude::*;
use web_sys::HtmlInputElement;

use crate::ctx::Ctx;
use crate::jobs::load_file;
use crate::lab::sample_table;

#[component]
pub fn DataPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let on_sample = move |e: ev::Event| {
        let name = event_target_value(&e);
        if let Some(t) = sample_table(&name, None) {
            ctx.messages.error.set(None);
            ctx.load(format!("sample: {name}"), t, None);
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
        ctx.with_lab(|l| l.name.clone()).unwrap_or_default()
    };
    view! {
        <section class="panel">
            <h2>"Data"</h2>
            <p class="dataset">{name}</p>
            <label>"Built-in sample "
                <select data-testid="sample-select" on:change=on_sample>
                    // The loaded sample is the one shown (a CSV leaves the first).
                    {BuiltinSample::ALL.into_iter().map(|s| view! {
                        <option value=s.name() selected=move || name().strip_prefix("sample: ") == Some(s.name())>{s.title()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class="file">"Open a CSV "
                <input type="file" accept=".csv,.tsv,.txt,text/csv" data-testid="csv-input" on:change=on_file/>
            </label>
            <p class="hint">"…or drop a CSV anywhere on the page."</p>
        </section>
    }
}
