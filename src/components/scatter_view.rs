//! The scatter of every row: hover for a row's values, click to select,
//! wheel to zoom, drag to pan; the projection and the colouring.

use anomaly_lab_core::projection::ProjectionKind;
use leptos::ev;
use leptos::prelude::*;
use web_sys::{MouseEvent, WheelEvent};

use crate::ctx::{Ctx, Phase};
use crate::selection::{Drawing, Tool};
use crate::viewport::{
    CANVAS_HEIGHT, CANVAS_WIDTH, CLICK_RADIUS_PX, DRAG_THRESHOLD_PX, HOVER_RADIUS_PX,
    TOOLTIP_GAP_PX,
};

/// The projection select's value: `pca`, `latent` or `a:b` (two columns).
fn parse_projection(value: &str) -> ProjectionKind {
    match value {
        "latent" => ProjectionKind::Latent,
        "pca" => ProjectionKind::Pca,
        cols => {
            let mut it = cols.split(':').filter_map(|c| c.parse::<usize>().ok());
            match (it.next(), it.next()) {
                (Some(a), Some(b)) => ProjectionKind::Columns(a, b),
                _ => ProjectionKind::Pca,
            }
        }
    }
}

#[component]
pub fn ScatterView() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let view_state = ctx.view;
    // Where a press started, and whether it has become a drag.
    let drag = StoredValue::new(None::<(f64, f64, bool)>);
    // The lasso or rectangle being drawn, and its outline on the overlay.
    let drawing = StoredValue::new(None::<Drawing>);
    let outline = RwSignal::new(String::new());
    let tool = view_state.tool;
    // The canvas may be drawn smaller than its 760 × 540 pixels on a
    // narrow window: pointer positions are scaled to canvas pixels.
    let scale = move || {
        view_state.canvas.get_untracked().map_or(1.0, |c| {
            CANVAS_WIDTH as f64 / c.client_width().max(1) as f64
        })
    };
    let at = move |e: &MouseEvent| {
        let s = scale();
        (e.offset_x() as f64 * s, e.offset_y() as f64 * s)
    };

    let on_down = move |e: MouseEvent| {
        let (x, y) = at(&e);
        match tool.get_untracked() {
            Tool::Pan => drag.set_value(Some((x, y, false))),
            t => {
                e.prevent_default();
                drawing.set_value(Some(Drawing::new(t, x, y)));
            }
        }
    };
    let on_move = move |e: MouseEvent| {
        let (x, y) = at(&e);
        if drawing.with_value(Option::is_some) {
            drawing.update_value(|d| {
                if let Some(d) = d {
                    d.extend(x, y);
                    outline.set(d.svg_points());
                }
            });
            return;
        }
        if let Some((x0, y0, moved)) = drag.get_value() {
            if moved || (x - x0).abs() + (y - y0).abs() > DRAG_THRESHOLD_PX {
                ctx.update_lab(|l| l.pan_by(x - x0, y - y0));
                drag.set_value(Some((x, y, true)));
                view_state.hover.set(None);
                ctx.redraw();
                return;
            }
        }
        let hit = ctx
            .with_lab(|l| l.grid.nearest(x, y, HOVER_RADIUS_PX))
            .flatten();
        view_state.hover.set(hit.map(|i| (i, x, y)));
    };
    let on_up = move |e: MouseEvent| {
        if let Some(mut d) = drawing.get_value() {
            drawing.set_value(None);
            outline.set(String::new());
            let (x, y) = at(&e);
            d.extend(x, y);
            if d.encloses() {
                ctx.select_inside(&d.outline());
            } else {
                ctx.clear_selection();
            }
            return;
        }
        let was = drag.get_value();
        drag.set_value(None);
        if let Some((_, _, false)) = was {
            let (x, y) = at(&e);
            let hit = ctx
                .with_lab(|l| l.grid.nearest(x, y, CLICK_RADIUS_PX))
                .flatten();
            if hit.is_some() {
                view_state.selected.set(hit);
            }
        }
    };
    let on_wheel = move |e: WheelEvent| {
        e.prevent_default();
        let (x, y) = at(&e);
        ctx.update_lab(|l| l.zoom_at(x, y, e.delta_y() < 0.0));
        ctx.redraw();
    };
    let reset_view = move |_| {
        ctx.update_lab(|l| l.reset_view());
        ctx.redraw();
    };
    let on_projection =
        move |e: ev::Event| ctx.set_projection(parse_projection(&event_target_value(&e)));
    let projections = move || {
        ctx.generation.get();
        ctx.version.get();
        // Offered only where it works: a detector with a 2-D latent code.
        let latent = ctx.with_lab(|l| l.session.latent_dims()).flatten() == Some(2);
        let features = ctx
            .with_lab(|l| l.session.table().features.clone())
            .unwrap_or_default();
        let pairs = features
            .iter()
            .enumerate()
            .flat_map(|(a, fa)| {
                features
                    .iter()
                    .enumerate()
                    .skip(a + 1)
                    .map(move |(b, fb)| (a, b, format!("{fa} × {fb}")))
            })
            .take(60)
            .map(|(a, b, name)| view! { <option value=format!("{a}:{b}")>{name}</option> })
            .collect_view();
        view! {
            <option value="pca">"PCA (first two components)"</option>
            {latent.then(|| view! { <option value="latent">"autoencoder latent (bottleneck 2)"</option> })}
            {pairs}
        }
    };
    // One tooltip element, filled from the hovered row and placed by CSSOM
    // writes (the page's CSP allows no inline style attribute), flipped to
    // the other side of the cursor where it would leave the plot.
    let tip = NodeRef::<leptos::html::Div>::new();
    let tip_text = move || {
        ctx.version.get();
        let (row, _, _) = view_state.hover.get()?;
        ctx.with_lab(|l| {
            let label = match l.session.label_of(row) {
                Some(true) => " — labelled anomaly",
                Some(false) => " — labelled normal",
                None => "",
            };
            let score = match (l.session.scores().map(|s| s[row]), l.rank_of(row)) {
                (Some(s), Some(r)) => format!("score {s:.3}, rank {r}"),
                _ => "not scored yet".to_string(),
            };
            (
                format!("row {}{label}", row + 1),
                score,
                l.describe_row(row).join(", "),
            )
        })
    };
    Effect::new(move |_| {
        let Some((_, x, y)) = view_state.hover.get() else {
            return;
        };
        // Measured after the next layout, once the new text is in.
        request_animation_frame(move || {
            let (Some(el), Some(canvas)) = (tip.get_untracked(), view_state.canvas.get_untracked())
            else {
                return;
            };
            let (w, h) = (el.offset_width() as f64, el.offset_height() as f64);
            let (cw, ch) = (canvas.client_width() as f64, canvas.client_height() as f64);
            // The pointer in CSS pixels (hover holds canvas pixels).
            let (x, y) = (x * cw / CANVAS_WIDTH as f64, y * cw / CANVAS_WIDTH as f64);
            let place = |at: f64, size: f64, room: f64| {
                if at + TOOLTIP_GAP_PX + size <= room {
                    at + TOOLTIP_GAP_PX
                } else {
                    (at - TOOLTIP_GAP_PX - size).max(0.0)
                }
            };
            let style = web_sys::HtmlElement::style(&el);
            let _ = style.set_property("left", &format!("{}px", place(x, w, cw)));
            let _ = style.set_property("top", &format!("{}px", place(y, h, ch)));
        });
    });
    let tooltip = view! {
        <div class="tooltip" node_ref=tip data-testid="tooltip" hidden=move || view_state.hover.get().is_none()>
            {move || tip_text().map(|(head, score, values)| view! {
                <b>{head}</b>
                <div>{score}</div>
                <div class="values">{values}</div>
            })}
        </div>
    };
    let last_update = view_state.last_update_ms;
    view! {
        <div class="scatter-wrap">
            <div class="scatter-tools">
                <select aria-label="projection" on:change=on_projection>{projections}</select>
                <select aria-label="colour" data-testid="colour-select" title="How points are coloured"
                    on:change=move |e| {
                        view_state.colour_by_rank.set(event_target_value(&e) == "rank");
                        ctx.bump();
                    }>
                    <option value="score" selected=move || !view_state.colour_by_rank.get()>"colour by score"</option>
                    <option value="rank" selected=move || view_state.colour_by_rank.get()>"colour by rank"</option>
                </select>
                <button on:click=reset_view>"reset zoom"</button>
                <SelectionTools/>
                // Developer timing, shown with ?timing=1 only.
                <span class="timing" hidden=!view_state.show_timing>{move || last_update.get().map(|t| format!("last label → repaint: {t:.1} ms")).unwrap_or_default()}</span>
            </div>
            <div class="canvas-box">
                <canvas node_ref=view_state.canvas data-testid="scatter" width=CANVAS_WIDTH height=CANVAS_HEIGHT
                    tabindex="0" role="img" aria-describedby="announce"
                    aria-label="Every row as a point, coloured by anomaly score; labelled anomalies are crosses, labelled normal rows squares. The review queue lists the same rows as text."
                    data-last-update-ms=move || last_update.get().map(|t| format!("{t:.3}")).unwrap_or_default()
                    on:mousedown=on_down on:mousemove=on_move on:mouseup=on_up
                    on:mouseleave=move |_| {
                        drag.set_value(None);
                        view_state.hover.set(None);
                        drawing.set_value(None);
                        outline.set(String::new());
                    }
                    on:wheel=on_wheel></canvas>
                <svg class="lasso-overlay" viewBox=format!("0 0 {CANVAS_WIDTH} {CANVAS_HEIGHT}") aria-hidden="true">
                    <polygon points=move || outline.get()/>
                </svg>
                {tooltip}
            </div>
        </div>
    }
}

/// The drag tools (pan, lasso, rectangle), the selection's count and its
/// bulk labels.
#[component]
fn SelectionTools() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let tool = ctx.view.tool;
    let count = ctx.view.selection_count;
    let none = move || count.get() == 0 || ctx.job.phase.get() != Phase::Ready;
    let pick = move |t: Tool| {
        move |_| {
            tool.set(if tool.get_untracked() == t {
                Tool::Pan
            } else {
                t
            })
        }
    };
    let pressed = move |t: Tool| move || if tool.get() == t { "true" } else { "false" };
    view! {
        <span class="selection-tools" role="group" aria-label="selection">
            <button data-testid="lasso-button" aria-pressed=pressed(Tool::Lasso)
                title="Draw around points to select them (drag); press again to pan"
                on:click=pick(Tool::Lasso)>"lasso"</button>
            <button data-testid="rect-button" aria-pressed=pressed(Tool::Rectangle)
                title="Drag a rectangle to select the points in it; press again to pan"
                on:click=pick(Tool::Rectangle)>"rectangle"</button>
            <span data-testid="selection-count" data-count=move || count.get()>
                {move || match count.get() {
                    0 => "no selection".to_string(),
                    1 => "1 row selected".to_string(),
                    n => format!("{} rows selected", crate::words::thousands(n)),
                }}
                {move || {
                    let n = count.get();
                    let max = ctx.with_lab(|l| l.session.max_bulk_labels()).unwrap_or(usize::MAX);
                    (n > max).then(|| format!(
                        " (at most {} can be labelled in one step)",
                        crate::words::thousands(max)
                    ))
                }}
            </span>
            <button data-testid="label-selection-anomaly" disabled=none
                on:click=move |_| ctx.label_selection(true)>"label selection anomaly"</button>
            <button data-testid="label-selection-normal" disabled=none
                on:click=move |_| ctx.label_selection(false)>"label selection normal"</button>
            <button data-testid="clear-selection" disabled=move || count.get() == 0
                on:click=move |_| ctx.clear_selection()>"clear"</button>
        </span>
    }
}
