//! How the labelling is going: the discovery curve (the user's labels, the
//! ranking without feedback, the random expectation), ROC-AUC and average
//! precision before any label and now, and the score histogram with the
//! layer's boundary and the user's threshold.
//!
//! The [`Scorecard`] is computed in a task of its own after each change
//! (a ranking of every row: about 20 ms at a million rows), so a label's
//! repaint does not wait for it; a newer change drops an older one.

use anomaly_lab_core::scorecard::{Quality, Scorecard, Threshold};
use leptos::prelude::*;

use crate::charts::{bars, curves, score_at, score_x, BARS, CURVE};
use crate::ctx::Ctx;
use crate::dom::yield_now;
use crate::words::thousands;

/// `0.934`, or a dash when the metric is undefined.
fn metric(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |v| format!("{v:.3}"))
}

/// `word` or its plural, for `n` of them.
fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

fn quality_text(q: &Quality) -> String {
    format!(
        "ROC-AUC {} · AP {}",
        metric(q.roc_auc),
        metric(q.average_precision)
    )
}

#[component]
pub fn EvalPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let threshold = ctx.view.threshold;
    let card: RwSignal<Option<Scorecard>> = RwSignal::new(None);
    Effect::new(move |_| {
        let version = ctx.version.get();
        let t = threshold.get();
        leptos::task::spawn_local(async move {
            let current =
                move || ctx.version.get_untracked() == version && threshold.get_untracked() == t;
            // The prior's ranking (once per layer) and the scorecard in
            // tasks of their own: a million rows take tens of ms each.
            yield_now(0).await;
            if !current() {
                return;
            }
            ctx.with_lab(|l| l.session.rank_prior());
            yield_now(0).await;
            if !current() {
                return;
            }
            let c = ctx.with_lab(|l| Scorecard::of(&l.session, t)).flatten();
            card.set(c);
        });
    });
    view! {
        <section class="panel eval" data-testid="eval-panel">
            <h2>"How the labelling is going"</h2>
            {move || card.with(|c| match c {
                None => view! { <p class="hint">"Train the detector to see its scores here."</p> }.into_any(),
                Some(c) => view! { <Discovery card=c.clone()/> <Scores card=c.clone()/> }.into_any(),
            })}
            <ThresholdControls/>
        </section>
    }
}

/// The discovery curve and the metrics.
#[component]
fn Discovery(card: Scorecard) -> impl IntoView {
    let c = curves(&card);
    let queries = card.found.len();
    let found = card.found.last().copied().unwrap_or(0);
    let (xm, ym) = (c.x_max, c.y_max);
    let truth = card.truth.clone();
    let caption = match &truth {
        Some(t) => format!(
            "{found} of {} true anomalies found in {queries} {}.",
            thousands(t.anomalies),
            plural(queries, "label")
        ),
        None => format!(
            "{found} {} labelled anomaly in {queries} {}. This data has no ground truth, \
             so the chart counts your own answers.",
            plural(found, "row"),
            plural(queries, "label")
        ),
    };
    let metrics = truth.map(|t| {
        view! {
            <table class="metrics">
                <tr><th>"before any label"</th><td data-testid="auc-before">{quality_text(&t.before)}</td></tr>
                <tr><th>"now"</th><td data-testid="auc-now">{quality_text(&t.now)}</td></tr>
            </table>
            <p class="hint">{format!("Both measured on the {} rows not labelled yet.", thousands(t.unlabelled))}</p>
        }
    });
    view! {
        <div class="discovery">
            <svg viewBox="0 0 320 160" role="img" data-testid="discovery-curve"
                data-found=found data-queries=queries
                aria-label=format!("Discovery curve: {found} anomalies found after {queries} labels")>
                <rect class="frame" x=CURVE.left y=CURVE.top width=CURVE.width height=CURVE.height/>
                <polyline class="random" points=c.random.clone()/>
                <polyline class="no-feedback" points=c.no_feedback.clone()/>
                <polyline class="found" points=c.found.clone()/>
                <text x=CURVE.left - 4.0 y=CURVE.top + 8.0 text-anchor="end">{ym}</text>
                <text x=CURVE.left - 4.0 y=CURVE.bottom() text-anchor="end">"0"</text>
                <text x=CURVE.right() y=CURVE.bottom() + 14.0 text-anchor="end">{format!("{xm} labels")}</text>
                <text x=CURVE.left y=CURVE.bottom() + 14.0>"0"</text>
                <text x=4.0 y=CURVE.top + CURVE.height / 2.0 class="axis">"found"</text>
            </svg>
            <p class="legend">
                <span class="key k-found">"your labels"</span>
                {card.truth.is_some().then(|| view! {
                    <span class="key k-no-feedback">"the detector's order, no feedback"</span>
                    <span class="key k-random">"random picks"</span>
                })}
            </p>
            <p data-testid="discovery-caption">{caption}</p>
            {metrics}
        </div>
    }
}

/// The histogram, the boundary, the threshold and the flagged count.
#[component]
fn Scores(card: Scorecard) -> impl IntoView {
    let threshold = expect_context::<Ctx>().view.threshold;
    let h = card.histogram.clone();
    // A click on the chart flags the scores above the clicked one.
    let hist = h.clone();
    let on_click = move |e: leptos::ev::MouseEvent| {
        let Some(svg) = e
            .current_target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
        else {
            return;
        };
        let width = svg.client_width().max(1) as f64;
        threshold.set(Threshold::Above(score_at(
            &hist,
            e.offset_x() as f64 * 320.0 / width,
        )));
    };
    let boundary = score_x(&h, 0.0);
    let line = card.line.map(|s| score_x(&h, s));
    let rows = card.rows;
    let share = 100.0 * card.flagged as f64 / rows.max(1) as f64;
    let flagged = format!("{} rows flagged ({share:.1}%)", thousands(card.flagged));
    let bars = bars(&h)
        .into_iter()
        .map(|b| {
            view! {
                <rect class="bin" x=b.x y=b.y width=b.width height=b.height>
                    <title>{format!("{} rows, {} true anomalies", thousands(b.count as usize), b.anomalies)}</title>
                </rect>
                <rect class="bin-anomalies" x=b.x y=b.anomaly_y width=b.width height=b.anomaly_height/>
            }
        })
        .collect_view();
    view! {
        <div class="scores">
            <svg viewBox="0 0 320 120" role="img" data-testid="histogram" on:click=on_click
                aria-label="Histogram of the scores, the layer's boundary at 0; click to flag the scores above a point">
                {bars}
                <line class="boundary" x1=boundary x2=boundary y1=BARS.top y2=BARS.bottom()/>
                // The label on the side of the line with room for it.
                {if boundary > BARS.right() - 60.0 {
                    view! { <text class="boundary-label" x=boundary - 2.0 y=BARS.top + 8.0 text-anchor="end">"boundary 0"</text> }.into_any()
                } else {
                    view! { <text class="boundary-label" x=boundary + 2.0 y=BARS.top + 8.0>"boundary 0"</text> }.into_any()
                }}
                {line.map(|x| view! {
                    <line class="threshold" x1=x x2=x y1=BARS.top y2=BARS.bottom()/>
                })}
                <text x=BARS.left y=BARS.bottom() + 14.0>{format!("{:.1}", h.lo)}</text>
                <text x=BARS.right() y=BARS.bottom() + 14.0 text-anchor="end">{format!("{:.1} more anomalous →", h.hi)}</text>
            </svg>
            <p class="legend">
                <span class="key k-bin">"rows (log scale)"</span>
                {h.anomalies.is_some().then(|| view! { <span class="key k-bin-anomalies">"true anomalies"</span> })}
                <span class="key k-threshold">"threshold"</span>
            </p>
            <p data-testid="flagged-count" data-flagged=card.flagged>{flagged}</p>
            <p class="hint">"Click the histogram to flag the scores above that point."</p>
        </div>
    }
}

/// How rows are flagged: above a score, or the top share. Outside the
/// charts, so that a new scorecard does not re-create the inputs.
#[component]
fn ThresholdControls() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let threshold = ctx.view.threshold;
    let top = move || matches!(threshold.get(), Threshold::Top(_));
    let value = move || match threshold.get() {
        Threshold::Above(t) => format!("{t}"),
        Threshold::Top(p) => format!("{}", p * 100.0),
    };
    let set_mode = move |e: leptos::ev::Event| {
        threshold.set(match event_target_value(&e).as_str() {
            "top" => Threshold::Top(0.05),
            _ => Threshold::Above(0.0),
        });
    };
    let set_value = move |e: leptos::ev::Event| {
        let Ok(v) = event_target_value(&e).trim().parse::<f64>() else {
            return;
        };
        if !v.is_finite() {
            return;
        }
        threshold.update(|t| match t {
            Threshold::Above(s) => *s = v as f32,
            Threshold::Top(p) => *p = (v / 100.0).clamp(0.0, 1.0),
        });
    };
    view! {
        <div class="threshold-controls">
            <label>"Flag "
                <select data-testid="threshold-mode" on:change=set_mode>
                    <option value="above" selected=move || !top()>"scores above"</option>
                    <option value="top" selected=top>"the top %"</option>
                </select>
            </label>
            <label>{move || if top() { "Top % " } else { "Score " }}
                <input type="number" data-testid="threshold-input" step="any"
                    prop:value=value on:change=set_value/>
            </label>
        </div>
        <p class="hint">"0 is the layer's boundary. The download marks the flagged rows in its last column."</p>
    }
}
