//! The selected row: its label, why it scores as it does, the label
//! buttons, undo and redo, and a way to go to any row by number.

use leptos::ev;
use leptos::prelude::*;

use crate::ctx::{Ctx, Phase};
use crate::words::{reason_detail, reason_text};

/// Reasons shown for the selected row.
const REASONS_SHOWN: usize = 4;

#[component]
pub fn LabelPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let selected = ctx.view.selected;
    let info = move || {
        ctx.version.get();
        let Some(row) = selected.get() else {
            return "Click a point, or a row in the queue.".to_string();
        };
        ctx.with_lab(|l| {
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
        .unwrap_or_default()
    };
    // The largest parts of the selected row's score, in words.
    let why = move || {
        ctx.version.get();
        let row = selected.get()?;
        let (reasons, features) = ctx.with_lab(|l| {
            (
                l.session.explain(row, REASONS_SHOWN),
                l.session.table().features.clone(),
            )
        })?;
        if reasons.is_empty() {
            return None;
        }
        Some(view! {
            <ul class="why" data-testid="why" title="The largest parts of this row's score (positive: towards anomaly)">
                {reasons.into_iter().map(|r| view! {
                    <li title=reason_detail(&r)>
                        <span class="why-value" class:up={r.value > 0.0}>{format!("{:+.2}", r.value)}</span>
                        " " {reason_text(&r, &features)}
                    </li>
                }).collect_view()}
            </ul>
        })
    };
    let ready = move || ctx.job.phase.get() == Phase::Ready;
    let can_label = move || ready() && selected.get().is_some();
    let can = move |redo: bool| {
        move || {
            ctx.version.get();
            ready()
                && ctx
                    .with_lab(|l| {
                        if redo {
                            l.session.can_redo()
                        } else {
                            l.session.can_undo()
                        }
                    })
                    .unwrap_or(false)
        }
    };
    let rows = move || {
        ctx.version.get();
        ctx.with_lab(|l| l.session.rows()).unwrap_or(0)
    };
    // Rows are numbered from 1 on the page, as in the tooltip and the export.
    let go_to = move |e: ev::Event| {
        if let Ok(n) = event_target_value(&e).trim().parse::<usize>() {
            if (1..=rows()).contains(&n) {
                selected.set(Some(n - 1));
            }
        }
    };
    // What a screen reader hears when the selection or the scores change.
    let announce = move || {
        ctx.version.get();
        let row = selected.get();
        let next = ctx.suggestion();
        let what = row.map(|_| info()).unwrap_or_default();
        let next = next
            .map(|r| format!(" Next to review: row {}.", r + 1))
            .unwrap_or_default();
        format!(
            "{}{next}",
            if what.is_empty() {
                String::new()
            } else {
                format!("Selected {what}.")
            }
        )
    };
    let name = move |what: &'static str| {
        move || match selected.get() {
            Some(r) => format!("{what}: row {}", r + 1),
            None => format!("{what}: no row selected"),
        }
    };
    view! {
        <section class="panel">
            <h2>"Label"</h2>
            <p class="visually-hidden" aria-live="polite" id="announce" data-testid="announce">{announce}</p>
            <p data-testid="selected-row" data-row=move || selected.get().map(|r| r.to_string()).unwrap_or_default()>{info}</p>
            {why}
            <div class="buttons">
                <button data-testid="label-anomaly" aria-label=name("Anomaly (A)") disabled=move || !can_label() on:click=move |_| ctx.label_selected(Some(true))>"Anomaly (A)"</button>
                <button data-testid="label-normal" aria-label=name("Normal (N)") disabled=move || !can_label() on:click=move |_| ctx.label_selected(Some(false))>"Normal (N)"</button>
                <button data-testid="label-clear" aria-label=name("Clear (U)") disabled=move || !can_label() on:click=move |_| ctx.label_selected(None)>"Clear (U)"</button>
            </div>
            <div class="buttons">
                <button data-testid="label-undo" disabled=move || !can(false)() title="Take back the last label change (Z or Ctrl+Z)"
                    on:click=move |_| ctx.undo(false)>"Undo (Z)"</button>
                <button data-testid="label-redo" disabled=move || !can(true)() title="Give back the change taken back last (Shift+Z or Ctrl+Y)"
                    on:click=move |_| ctx.undo(true)>"Redo (⇧Z)"</button>
                <label class="go-to">"Go to row "
                    <input type="number" min="1" max=rows data-testid="row-input" on:change=go_to/>
                </label>
            </div>
        </section>
    }
}
