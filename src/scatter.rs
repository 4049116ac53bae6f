//! The scatter view: axes, ticks and legend with plotters-canvas; the points
//! drawn into one pixel buffer and put on the canvas in a single call
//! (plotters' one JS call per primitive is too slow past 10k points); and our
//! own screen-space grid for hit-testing, which plotters does not have.

use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

use crate::viewport::{
    density_shade, score_colour, ColourTable, HitGrid, Placing, PlotArea, ViewRect, COLOUR_SPAN,
    DENSITY_ROWS,
};

mod raster;

pub use raster::Raster;

/// Everything one frame needs.
pub struct Frame<'a> {
    pub coords: &'a [f32],
    pub scores: Option<&'a [f32]>,
    /// Every row's label, by row (`None`: unlabelled).
    pub labels: &'a [Option<bool>],
    pub selected: Option<usize>,
    pub suggestion: Option<usize>,
    pub view: ViewRect,
    pub x_desc: &'a str,
    pub y_desc: &'a str,
    /// The scores are percentile logits ([`crate::viewport::rank_scores`]).
    pub by_rank: bool,
    /// With a selection: the selected rows, by row; the others are dimmed.
    pub chosen: Option<&'a [bool]>,
    /// In teaching mode, on demand: the ground truth, by row; every true
    /// anomaly gets an outline.
    pub truth: Option<&'a [bool]>,
}

/// A point outside the selection: its colour faded most of the way to
/// white, so it stays visible behind the selected ones.
fn dim(c: [u8; 3]) -> [u8; 3] {
    c.map(|v| ((v as u32 * 3 + 255 * 7) / 10) as u8)
}

/// Whether row `i` is drawn dimmed: there is a selection without it.
fn dimmed(f: &Frame, i: usize) -> bool {
    f.chosen
        .is_some_and(|m| !m.get(i).copied().unwrap_or(false))
}

const UNSCORED: [u8; 3] = [140, 140, 140];
const LABEL_ANOMALY: [u8; 3] = [150, 0, 0];
const LABEL_NORMAL: [u8; 3] = [0, 110, 40];
const TRUE_ANOMALY: [u8; 3] = [190, 0, 150];
const LEGEND_PX: u32 = 110;

fn plot_err<E: std::fmt::Debug>(e: E) -> String {
    format!("drawing failed: {e:?}")
}

/// What the axes layer depends on; when it is unchanged, the cached layer is reused.
#[derive(Debug, Clone, PartialEq)]
struct AxesKey {
    view: ViewRect,
    x_desc: String,
    y_desc: String,
    width: u32,
    height: u32,
    by_rank: bool,
    /// Points are shaded by density (more than `DENSITY_ROWS` rows).
    dense: bool,
}

/// The axes, ticks and legend, rendered by plotters into an offscreen canvas.
struct AxesLayer {
    key: AxesKey,
    canvas: HtmlCanvasElement,
    area: PlotArea,
}

thread_local! {
    /// Plotters takes tens of milliseconds for axes and text, far too slow
    /// for every label; they change only with the view, so they are cached.
    static AXES: std::cell::RefCell<Option<AxesLayer>> = const { std::cell::RefCell::new(None) };
}

/// Draws a frame; returns the plot area and the hit grid for that frame:
/// `previous`, when it still places the points (the same view and area),
/// else a new one.
pub fn draw(
    canvas: &HtmlCanvasElement,
    f: &Frame,
    previous: HitGrid,
) -> Result<(PlotArea, HitGrid), String> {
    let (area, grid) = match place(canvas, f, previous)? {
        Placement::Placed(area, grid) => (area, grid),
        Placement::Placing(area, mut placing) => {
            placing.step(f.coords, usize::MAX);
            (area, placing.finish())
        }
    };
    let mut raster = Raster::new(area, grid.screen().len());
    raster.step(f, grid.screen(), usize::MAX);
    raster.show(canvas, f, &grid)?;
    Ok((area, grid))
}

/// Where a frame's points go: already placed (`previous` still places
/// them), or to be placed ([`Placing::step`] until done).
pub enum Placement {
    Placed(PlotArea, HitGrid),
    Placing(PlotArea, Placing),
}

/// The plot area (the axes rendered when they changed) and the points'
/// placement, without drawing. `previous` is kept when it still places the
/// points.
pub fn place(
    canvas: &HtmlCanvasElement,
    f: &Frame,
    previous: HitGrid,
) -> Result<Placement, String> {
    let key = AxesKey {
        view: f.view,
        x_desc: f.x_desc.to_string(),
        y_desc: f.y_desc.to_string(),
        width: canvas.width(),
        height: canvas.height(),
        by_rank: f.by_rank,
        dense: f.coords.len() / 2 > DENSITY_ROWS,
    };
    let area = AXES.with(|cache| -> Result<PlotArea, String> {
        let mut cache = cache.borrow_mut();
        if cache.as_ref().is_none_or(|c| c.key != key) {
            *cache = Some(render_axes(key)?);
        }
        let layer = cache.as_ref().ok_or("no axes layer")?;
        Ok(layer.area)
    })?;
    let n = f.coords.len() / 2;
    Ok(if previous.fits(area, f.view, n) {
        Placement::Placed(area, previous)
    } else {
        Placement::Placing(area, Placing::new(area, f.view, n))
    })
}

/// Shows the last frame drawn again with the rings of `f` (the selection
/// moved, nothing else): no pass over the rows. False when there is no
/// such frame for `grid`, and the frame must be drawn.
pub fn show_rings(canvas: &HtmlCanvasElement, f: &Frame, grid: &HitGrid) -> Result<bool, String> {
    LAST.with(|last| -> Result<bool, String> {
        let last = last.borrow();
        match last.as_ref() {
            Some((area, image)) if grid.fits(*area, f.view, f.coords.len() / 2) => {
                put_frame(canvas, f, grid, *area, image)?;
                Ok(true)
            }
            _ => Ok(false),
        }
    })
}

/// Puts a frame on the canvas: the axes, the points' image in `area`, and
/// the rings of `f` on top.
fn put_frame(
    canvas: &HtmlCanvasElement,
    f: &Frame,
    grid: &HitGrid,
    area: PlotArea,
    image: &ImageData,
) -> Result<(), String> {
    put_axes(canvas)?;
    context(canvas)?
        .put_image_data(image, area.left as f64, area.top as f64)
        .map_err(|e| format!("put_image_data: {}", crate::dom::js_error(&e)))?;
    draw_rings(canvas, f, grid)
}

thread_local! {
    /// The points of the last frame drawn, for [`show_rings`].
    static LAST: std::cell::RefCell<Option<(PlotArea, ImageData)>> =
        const { std::cell::RefCell::new(None) };
}

fn put_axes(canvas: &HtmlCanvasElement) -> Result<(), String> {
    AXES.with(|cache| -> Result<(), String> {
        let cache = cache.borrow();
        let layer = cache.as_ref().ok_or("no axes layer")?;
        context(canvas)?
            .draw_image_with_html_canvas_element(&layer.canvas, 0.0, 0.0)
            .map_err(|e| format!("drawImage: {}", crate::dom::js_error(&e)))
    })
}

fn render_axes(key: AxesKey) -> Result<AxesLayer, String> {
    use wasm_bindgen::JsCast;
    let canvas = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("canvas").ok())
        .and_then(|c| c.dyn_into::<HtmlCanvasElement>().ok())
        .ok_or("cannot create a canvas")?;
    canvas.set_width(key.width);
    canvas.set_height(key.height);
    let backend =
        CanvasBackend::with_canvas_object(canvas.clone()).ok_or("no 2-D canvas context")?;
    let root = backend.into_drawing_area();
    root.fill(&WHITE).map_err(plot_err)?;
    let (w, _) = root.dim_in_pixel();
    let (plot, legend) = root.split_horizontally(w.saturating_sub(LEGEND_PX));
    let v = key.view;
    let mut chart = ChartBuilder::on(&plot)
        .margin(8)
        .x_label_area_size(34)
        .y_label_area_size(48)
        .build_cartesian_2d(v.x0..v.x1, v.y0..v.y1)
        .map_err(plot_err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(key.x_desc.as_str())
        .y_desc(key.y_desc.as_str())
        .x_labels(6)
        .y_labels(6)
        .draw()
        .map_err(plot_err)?;
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let area = PlotArea {
        left: xr.start,
        top: yr.start,
        width: (xr.end - xr.start).max(1),
        height: (yr.end - yr.start).max(1),
    };
    draw_legend(&legend, key.by_rank, key.dense)?;
    root.present().map_err(plot_err)?;
    Ok(AxesLayer { key, canvas, area })
}

fn draw_legend<DB: DrawingBackend>(
    legend: &DrawingArea<DB, plotters::coord::Shift>,
    by_rank: bool,
    dense: bool,
) -> Result<(), String> {
    let steps = 40;
    let (top, height) = (30i32, 200i32);
    legend
        .draw(&Text::new(
            "anomalous",
            (14, top - 18),
            ("sans-serif", 13).into_font(),
        ))
        .map_err(plot_err)?;
    for k in 0..steps {
        let s = COLOUR_SPAN - 2.0 * COLOUR_SPAN * (k as f32 + 0.5) / steps as f32;
        let [r, g, b] = score_colour(s);
        let y0 = top + height * k / steps;
        let y1 = top + height * (k + 1) / steps;
        legend
            .draw(&Rectangle::new(
                [(14, y0), (34, y1)],
                RGBColor(r, g, b).filled(),
            ))
            .map_err(plot_err)?;
    }
    let style = ("sans-serif", 13).into_font();
    legend
        .draw(&Text::new("normal", (14, top + height + 6), style.clone()))
        .map_err(plot_err)?;
    // The scale beside the ramp: the score (0 is the layer's decision
    // boundary), or the rank.
    let small = ("sans-serif", 11).into_font();
    let (hi, lo) = (format!("+{COLOUR_SPAN}"), format!("−{COLOUR_SPAN}"));
    let scale = if by_rank {
        [
            ("top", top),
            ("median", top + height / 2),
            ("last", top + height),
        ]
    } else {
        [
            (hi.as_str(), top),
            ("0 boundary", top + height / 2),
            (lo.as_str(), top + height),
        ]
    };
    for (label, y) in scale {
        legend
            .draw(&Text::new(label, (38, y - 6), small.clone()))
            .map_err(plot_err)?;
    }
    if !by_rank {
        // The layer's boundary across the ramp: above it, "anomaly".
        let y = top + height / 2;
        legend
            .draw(&Rectangle::new([(10, y), (36, y + 1)], BLACK.filled()))
            .map_err(plot_err)?;
    }
    let marks = [
        "× labelled anomaly",
        "□ labelled normal",
        "◯ next to review",
    ];
    // 12 px: "× labelled anomaly" measures 101 px in Chromium's sans-serif
    // (109 at 13 px, which the 110-px legend clipped).
    let marks_font = ("sans-serif", 12).into_font();
    let density = dense.then_some("darker: more rows");
    for (k, text) in marks.into_iter().chain(density).enumerate() {
        let y = top + height + 40 + 18 * k as i32;
        legend
            .draw(&Text::new(text, (4, y), marks_font.clone()))
            .map_err(plot_err)?;
    }
    Ok(())
}

fn context(canvas: &HtmlCanvasElement) -> Result<CanvasRenderingContext2d, String> {
    use wasm_bindgen::JsCast;
    canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
        .ok_or_else(|| "no 2-D canvas context".to_string())
}

/// Rings around the suggested and the selected row.
fn draw_rings(canvas: &HtmlCanvasElement, f: &Frame, grid: &HitGrid) -> Result<(), String> {
    let ctx = context(canvas)?;
    let ring = |i: Option<usize>, radius: f64, colour: &str, width: f64| {
        if let Some((x, y)) = i.and_then(|i| grid.screen_of(i)) {
            ctx.begin_path();
            let _ = ctx.arc(x, y, radius, 0.0, std::f64::consts::TAU);
            ctx.set_stroke_style_str(colour);
            ctx.set_line_width(width);
            ctx.stroke();
        }
    };
    ring(f.suggestion, 9.0, "#ff7f00", 3.0);
    ring(f.selected, 12.0, "#111", 2.0);
    Ok(())
}
