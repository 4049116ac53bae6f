//! "Review next": the rows to label next in the chosen order; the first is
//! the suggestion, ringed in the scatter.

use anomaly_lab_core::query::QueryRule;
use leptos::prelude::*;

use crate::ctx::Ctx;

#[component]
pub fn QueuePanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let review = ctx.view.review;
    let selected = ctx.view.selected;
    let rows = move || {
        ctx.version.get();
        let rule = review.get();
        ctx.with_lab(|l| {
            let scores = l.session.scores().unwrap_or_default();
            l.queue(rule)
                .into_iter()
                .map(|r| (r, scores[r]))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
    };
    let set_order = move |e: leptos::ev::Event| {
        if let Ok(rule) = QueryRule::parse(&event_target_value(&e)) {
            ctx.set_review(rule);
        }
    };
    let label = move |row: usize, anomaly: bool| {
        move |e: leptos::ev::MouseEvent| {
            e.stop_propagation();
            selected.set(Some(row));
            ctx.label(row, Some(anomaly));
        }
    };
    view! {
        <section class="panel">
            <h2>"Review next"</h2>
            <select class="review-order" data-testid="review-order" on:change=set_order
                aria-label="review order" title="Which unlabelled rows to review first">
                {QueryRule::ALL.into_iter().map(|o| view! {
                    <option value=o.name() selected=move || review.get() == o>{o.title()}</option>
                }).collect_view()}
            </select>
            <ol class="queue">
                {move || rows().into_iter().enumerate().map(|(k, (row, score))| {
                    view! {
                        <li data-testid="queue-item" data-row=row.to_string() class:suggested=k == 0
                            class:selected=move || selected.get() == Some(row)
                            on:click=move |_| selected.set(Some(row))>
                            <span class="row">{format!("row {}", row + 1)}</span>
                            <span class="score">{format!("{score:.2}")}</span>
                            <button class="mini" title="label anomaly" on:click=label(row, true)>"A"</button>
                            <button class="mini" title="label normal" on:click=label(row, false)>"N"</button>
                        </li>
                    }
                }).collect_view()}
            </ol>
        </section>
    }
}
