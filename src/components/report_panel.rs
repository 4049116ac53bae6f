//! The data report: the core's words (`DataReport::lines`), the same the
//! command line prints; warnings stand out.

use leptos::prelude::*;

use crate::ctx::Ctx;

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
            view! {
                <section class="panel" data-testid="data-report">
                    <h2>"Data report"</h2>
                    <ul class="report">{lines}</ul>
                </section>
            }
        })
    }
}
