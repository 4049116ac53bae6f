//! "Review next": the rows to label next in the chosen order, as a
//! listbox. The first is the suggestion, ringed in the scatter.
//!
//! Keyboard: the list is one Tab stop. ↑/↓ (Home/End) move the focus ring,
//! Enter or Space selects the focused row (the label panel shows why it
//! scores as it does), and A, N or U label the focused row; focus then moves
//! to the row that takes its place. The small A/N marks are for the mouse.

use anomaly_lab_core::query::QueryRule;
use leptos::prelude::*;
use web_sys::KeyboardEvent;

use crate::ctx::Ctx;

/// The id of row `row`'s option (for `aria-activedescendant`).
fn option_id(row: usize) -> String {
    format!("queue-row-{row}")
}

#[component]
pub fn QueuePanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let review = ctx.view.review;
    let selected = ctx.view.selected;
    // The focus ring's place in the list (not a row: the list re-ranks).
    let active = RwSignal::new(0usize);
    // The queue, computed once per change of scores, labels or order.
    let rows = Memo::new(move |_| {
        ctx.version.get();
        let rule = review.get();
        ctx.with_lab(|l| {
            let scores = l.session.scores().unwrap_or_default();
            l.queue(rule)
                .into_iter()
                .map(|r| (r, scores.get(r).copied().unwrap_or(f32::NAN)))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
    });
    // The orders that follow a ranking ("highest score first").
    let by_ranking = move || matches!(review.get(), QueryRule::Highest | QueryRule::TopK(_));
    // Which ranking asks next, for the orders that follow a ranking.
    let asker = move || {
        ctx.version.get();
        if !by_ranking() {
            return None;
        }
        let text = ctx.with_lab(|l| crate::words::asker_text(&l.session.asker()))??;
        Some(view! { <p class="hint" data-testid="asker">{text}</p> })
    };
    // Where another ranking asks (or the search, or the lookalike), the
    // list is in the order of the questions, not of the scores it shows.
    let order_note = move || {
        let unsorted = by_ranking() && rows.with(|q| q.windows(2).any(|w| w[1].1 > w[0].1));
        unsorted.then(|| {
            view! {
                <p class="hint" data-testid="queue-order-note">
                    "Listed in the order the questions come, so not by the scores shown."
                </p>
            }
        })
    };
    let row_at = move |k: usize| rows.with_untracked(|q| q.get(k).map(|&(r, _)| r));
    let set_order = move |e: leptos::ev::Event| {
        if let Ok(rule) = QueryRule::parse(&event_target_value(&e)) {
            ctx.set_review(rule);
        }
    };
    // Labels the row at place `k`; the ring stays at that place, on the row
    // that takes its place.
    let label_at = move |k: usize, label: Option<bool>| {
        let Some(row) = row_at(k) else {
            return;
        };
        selected.set(Some(row));
        ctx.label_and_advance(row, label);
        active.set(k.min(rows.with_untracked(Vec::len).saturating_sub(1)));
    };
    let on_key = move |e: KeyboardEvent| {
        let n = rows.with_untracked(Vec::len);
        if n == 0 || e.ctrl_key() || e.meta_key() || e.alt_key() {
            return;
        }
        let k = active.get_untracked().min(n - 1);
        let handled = match e.key().as_str() {
            "ArrowDown" => {
                active.set((k + 1).min(n - 1));
                true
            }
            "ArrowUp" => {
                active.set(k.saturating_sub(1));
                true
            }
            "Home" => {
                active.set(0);
                true
            }
            "End" => {
                active.set(n - 1);
                true
            }
            "Enter" | " " => {
                selected.set(row_at(k));
                true
            }
            "a" | "A" => {
                label_at(k, Some(true));
                true
            }
            "n" | "N" => {
                label_at(k, Some(false));
                true
            }
            "u" | "U" => {
                label_at(k, None);
                true
            }
            _ => false,
        };
        if handled {
            // The page's own A/N/U keys act on the selection: not here.
            e.prevent_default();
            e.stop_propagation();
        }
    };
    // Entering the list puts the ring on the selected row when it is listed.
    let on_focus = move |_| {
        let sel = selected.get_untracked();
        let k = rows
            .with_untracked(|q| q.iter().position(|&(r, _)| Some(r) == sel))
            .unwrap_or(0);
        active.set(k);
    };
    let mark = move |row: usize, anomaly: bool| {
        move |e: leptos::ev::MouseEvent| {
            e.stop_propagation();
            selected.set(Some(row));
            ctx.label(row, Some(anomaly));
        }
    };
    let active_id = move || {
        let k = active.get();
        rows.with(|q| q.get(k).map(|&(r, _)| option_id(r)))
            .unwrap_or_default()
    };
    view! {
        <section class="panel">
            <h2 id="queue-heading">"Review next"</h2>
            <select class="review-order" data-testid="review-order" on:change=set_order
                aria-label="review order" title="Which unlabelled rows to review first">
                {QueryRule::ALL.into_iter().map(|o| view! {
                    <option value=o.name() selected=move || review.get() == o>{o.title()}</option>
                }).collect_view()}
            </select>
            {asker}
            {order_note}
            <ol class="queue" id="queue" role="listbox" tabindex="0" data-testid="queue"
                aria-labelledby="queue-heading" aria-describedby="queue-keys"
                aria-activedescendant=active_id on:keydown=on_key on:focus=on_focus>
                {move || rows.get().into_iter().enumerate().map(|(k, (row, score))| {
                    let is_selected = move || selected.get() == Some(row);
                    view! {
                        <li role="option" id=option_id(row) data-testid="queue-item" data-row=row.to_string()
                            aria-selected=move || is_selected().to_string()
                            class:suggested=k == 0 class:selected=is_selected
                            class:active=move || active.get() == k
                            on:click=move |_| { active.set(k); selected.set(Some(row)); }>
                            <span class="row">{format!("row {}", row + 1)}</span>
                            <span class="score">{format!("{score:.2}")}</span>
                            // Mouse shortcuts, hidden from assistive technology:
                            // the keys A and N do the same on the focused row.
                            <span class="mini" aria-hidden="true" title=format!("label row {} anomaly", row + 1)
                                on:click=mark(row, true)>"A"</span>
                            <span class="mini" aria-hidden="true" title=format!("label row {} normal", row + 1)
                                on:click=mark(row, false)>"N"</span>
                        </li>
                    }
                }).collect_view()}
            </ol>
            <p class="hint" id="queue-keys">"↑ ↓ move, Enter selects, A / N / U label the focused row."</p>
        </section>
    }
}
