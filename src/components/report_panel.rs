//! The data report: the core's words (`DataReport::lines`), the same the
//! command line prints; warnings stand out.

use leptos::prelude::*;

use crate::ctx::Ctx;
use crate::words::training_sample_text;

#[component]
pub fn ReportPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    move || {
        ctx.messages.report.get().map(|r| {
            let lines = r
                .lines()
                .into_iter()
                .map(|n| {
                    let class = if n.warning { "warning" } else { "" };
                    view! { <li class=class>{n.text}</li> }
                })
                .collect_view();
            let truth = r.label_column.is_some();
            let rows = r.rows;
            let sample = move || {
                training_sample_text(rows, ctx.spec.with(|s| s.train.max_rows))
                    .map(|text| view! { <li data-testid="train-sample-note">{text}</li> })
            };
            view! {
                <section class="panel" data-testid="data-report">
                    <h2>"Data report"</h2>
                    <ul class="report">{lines}{sample}</ul>
                    {truth.then(|| view! {
                        <button data-testid="no-truth" title="Score and label as if the file had no ground-truth column"
                            on:click=move |_| ctx.forget_ground_truth()>"use no ground truth"</button>
                    })}
                </section>
            }
        })
    }
}
