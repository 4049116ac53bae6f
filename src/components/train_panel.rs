//! The detector's settings, Train / Cancel, progress and the loss curve.

use anomaly_lab_core::detector::{DetectorKind, DetectorSpec};
use leptos::ev;
use leptos::prelude::*;

use crate::ctx::{Ctx, Phase};
use crate::dom::now_ms;
use crate::jobs::{cancel_training, start_training};
use crate::words::{progress_text, Run};

#[component]
pub fn TrainPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let spec = ctx.spec;
    let job = ctx.job;
    // An input that sets one field of the spec when it holds a number.
    fn field<T: std::str::FromStr>(
        spec: RwSignal<DetectorSpec>,
        set: fn(&mut DetectorSpec, T),
    ) -> impl Fn(ev::Event) {
        move |e| {
            if let Ok(v) = event_target_value(&e).parse() {
                spec.update(|s| set(s, v));
            }
        }
    }
    let training = move || job.phase.get() == Phase::Training;
    let progress = move || {
        if let Some(note) = job.from_session.get() {
            return note;
        }
        let p = job.progress.get();
        let (start, end) = job.clock.get();
        let run = match end {
            Some(end) => Run::Ended {
                ms: end - start,
                cancelled: job.cancel.get_untracked(),
            },
            None if training() => Run::Running {
                ms: now_ms() - start,
            },
            None => Run::NotStarted,
        };
        progress_text(&p, run)
    };
    let on_model = move |e: ev::Event| {
        let kind = DetectorKind::parse(&event_target_value(&e)).unwrap_or_default();
        // Each detector has its own default learning rate.
        spec.update(|s| {
            s.kind = kind;
            s.train.learning_rate = kind.default_learning_rate();
        });
    };
    view! {
        <section class="panel">
            <h2>"Detector"</h2>
            <label>"Model "
                <select on:change=on_model>
                    <option value="autoencoder" selected=move || spec.with(|s| s.kind == DetectorKind::Autoencoder)>"autoencoder"</option>
                    <option value="mlp" selected=move || spec.with(|s| s.kind == DetectorKind::Mlp)>"one-class MLP (Deep SVDD)"</option>
                </select>
            </label>
            <label>"Epochs " <input type="number" min="1" max="10000" data-testid="epochs-input"
                prop:value=move || spec.with(|s| s.train.epochs) on:change=field(spec, |s, v| s.train.epochs = v)/></label>
            <label>"Hidden (0 = auto) " <input type="number" min="0"
                prop:value=move || spec.with(|s| s.hidden) on:change=field(spec, |s, v| s.hidden = v)/></label>
            <label>"Bottleneck (0 = auto) " <input type="number" min="0"
                prop:value=move || spec.with(|s| s.bottleneck) on:change=field(spec, |s, v| s.bottleneck = v)/></label>
            <label>"Learning rate " <input type="number" step="0.001" min="0"
                prop:value=move || spec.with(|s| s.train.learning_rate) on:change=field(spec, |s, v| s.train.learning_rate = v)/></label>
            <label>"Seed " <input type="number" min="0"
                prop:value=move || spec.with(|s| s.train.seed) on:change=field(spec, |s, v| s.train.seed = v)/></label>
            <label title="The detector trains on a seeded sample of at most this many rows, then scores every row">
                "Training rows (0 = all) " <input type="number" min="0" step="1000" data-testid="train-rows-input"
                prop:value=move || spec.with(|s| s.train.max_rows) on:change=field(spec, |s, v| s.train.max_rows = v)/></label>
            <div class="buttons">
                <button data-testid="train-button" disabled=training on:click=move |_| start_training(ctx)>"Train"</button>
                <button data-testid="cancel-button" disabled=move || !training() on:click=move |_| cancel_training(ctx)>"Cancel"</button>
            </div>
            <progress data-testid="train-progress" max=move || job.progress.get().total.max(1) value=move || job.progress.get().step></progress>
            <span class="progress-text">{progress}</span>
            <LossCurve/>
        </section>
    }
}

/// The loss of each epoch so far, scaled to fit.
#[component]
fn LossCurve() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let losses = ctx.job.losses;
    let points = move || {
        losses.with(|losses| {
            if losses.len() < 2 {
                return String::new();
            }
            let (lo, hi) = losses
                .iter()
                .fold((f32::MAX, f32::MIN), |(a, b), &v| (a.min(v), b.max(v)));
            let span = (hi - lo).max(1e-12);
            let n = losses.len() - 1;
            losses
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    format!(
                        "{:.1},{:.1}",
                        200.0 * i as f32 / n as f32,
                        58.0 - 56.0 * (v - lo) / span
                    )
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
    };
    let last = move || {
        losses
            .with(|l| l.last().map(|l| format!("loss {l:.4}")))
            .unwrap_or_default()
    };
    view! {
        <div class="loss">
            <svg viewBox="0 0 200 60" width="200" height="60" data-testid="loss-curve">
                <polyline points=points fill="none" stroke="#c0392b" stroke-width="1.5"/>
            </svg>
            <span>{last}</span>
        </div>
    }
}
