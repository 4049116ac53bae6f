//! The data report: what was used, imputed, dropped, and the ground truth.

use leptos::prelude::*;

use crate::ctx::Ctx;

#[component]
pub fn ReportPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    move || {
        ctx.messages.report.get().map(|r| {
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
