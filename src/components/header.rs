//! The header's backend badge and switch, the error banner and the notice.

use leptos::ev;
use leptos::prelude::*;

use crate::ctx::Ctx;
use crate::jobs::start_training;
use crate::params::BackendChoice;
use crate::words::warning_text;
use crate::worker::cancel_parsing;
use anomaly_lab_core::detector::wire::BackendKind;
use anomaly_lab_core::session::LabelWarning;

#[component]
pub fn BackendBadge() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let backend = ctx.backend;
    let text = move || match backend.used.get() {
        Some(b) => b.label().to_string(),
        None => "no backend yet".to_string(),
    };
    let title = move || match (backend.used.get(), backend.note.get()) {
        (Some(BackendKind::WebGpu), _) => {
            "Training runs on this device's GPU, through WebGPU".to_string()
        }
        (Some(BackendKind::Cpu), Some(why)) => format!("Training runs on the CPU: {why}"),
        (Some(BackendKind::Cpu), None) => "Training runs on the CPU, as chosen".to_string(),
        (None, _) => "Training has not started".to_string(),
    };
    // Switching the backend retrains on it at once; the labels are kept.
    let on_change = move |e: ev::Event| {
        backend
            .choice
            .set(BackendChoice::parse(&event_target_value(&e)).unwrap_or_default());
        start_training(ctx);
    };
    view! {
        <div class="backend">
            <span data-testid="backend-badge" class="badge" title=title>{text}</span>
            <select aria-label="backend" on:change=on_change>
                {BackendChoice::ALL.into_iter().map(|c| view! {
                    <option value=c.name() selected=move || backend.choice.get() == c>{c.title()}</option>
                }).collect_view()}
            </select>
        </div>
    }
}

#[component]
pub fn ErrorBanner() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let error = ctx.messages.error;
    move || {
        error.get().map(|e| {
            view! {
                <div class="error" data-testid="error-banner" role="alert">
                    <span>{e.to_string()}</span>
                    <button on:click=move |_| error.set(None)>"dismiss"</button>
                </div>
            }
        })
    }
}

/// A session file opened over other data: says why it does not fit, and
/// offers to keep the labels whose rows still hold the same values.
#[component]
pub fn SessionOfferBanner() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let offer = ctx.view.session_offer;
    move || {
        offer.get().map(|o| {
            let n = o.matching.len();
            let total = o.file.labels.len();
            let text = if n == 0 {
                format!(
                    "This session does not fit the data that is open: {}. None of its {total} labels is on a row that holds the same values here.",
                    o.why
                )
            } else {
                format!(
                    "This session does not fit the data that is open: {}. {n} of its {total} labels are on rows that hold the same values here.",
                    o.why
                )
            };
            let keep = o.clone();
            view! {
                <div class="error" data-testid="session-mismatch" role="alert">
                    <span>{text}</span>
                    {(n > 0).then(|| view! {
                        <button data-testid="session-keep-labels"
                            on:click=move |_| crate::jobs::keep_offered_labels(ctx, &keep)>
                            {format!("Keep those {n} labels")}</button>
                    })}
                    <button on:click=move |_| offer.set(None)>"dismiss"</button>
                </div>
            }
        })
    }
}

/// Stays while labels can't be kept in this browser (storage full or off).
#[component]
pub fn StorageWarning() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    move || {
        ctx.messages.storage.get().map(|w| {
            view! {
                <div class="error" data-testid="storage-warning" role="alert">
                    <span>{w}</span>
                    <button on:click=move |_| ctx.download()>"download"</button>
                </div>
            }
        })
    }
}

/// Signs that an answer was a mistake: labels their labelled neighbours
/// contradict (the newest), and no unlabelled row above the boundary. Each
/// points to undo, and the button takes the newest change back.
#[component]
pub fn LabelWarnings() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let warnings = Memo::new(move |_| {
        ctx.version.get();
        ctx.with_lab(|l| l.session.warnings()).unwrap_or_default()
    });
    move || {
        let list = warnings.get();
        // The newest contradiction is enough to act on; the rest would crowd the page.
        let contradiction = list
            .iter()
            .find(|w| matches!(w, LabelWarning::Contradicted { .. }))
            .cloned();
        let boundary = list.contains(&LabelWarning::NothingAboveBoundary);
        let shown: Vec<LabelWarning> = contradiction
            .into_iter()
            .chain(boundary.then_some(LabelWarning::NothingAboveBoundary))
            .collect();
        (!shown.is_empty()).then(|| {
            view! {
                <div class="warning" data-testid="label-warning" role="status">
                    <div>
                        {shown.iter().map(|w| view! { <p>{warning_text(w)}</p> }).collect_view()}
                    </div>
                    <button on:click=move |_| ctx.undo(false)>"undo last label"</button>
                </div>
            }
        })
    }
}

#[component]
pub fn Notice() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let notice = ctx.messages.notice;
    let reading = ctx.job.reading;
    move || {
        notice.get().map(|n| {
            // While a file is read: a progress bar and a way to stop.
            let action = match reading.get() {
                Some(share) => view! {
                    <progress data-testid="parse-progress" max="1" value=share aria-label="reading the file"></progress>
                    <button data-testid="parse-cancel" on:click=move |_| cancel_parsing()>"Cancel"</button>
                }
                .into_any(),
                None => view! { <button on:click=move |_| notice.set(None)>"ok"</button> }.into_any(),
            };
            view! {
                <div class="notice" data-testid="notice" role="status">
                    <span>{n}</span>
                    {action}
                </div>
            }
        })
    }
}
