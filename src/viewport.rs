//! The scatter view's geometry, free of any browser API so it is tested
//! natively: the visible data rectangle (zoom, pan), the plot area, the
//! screen-space hit-test grid and the score colour ramp.

/// The scatter canvas, in CSS pixels.
pub const CANVAS_WIDTH: u32 = 760;
pub const CANVAS_HEIGHT: u32 = 540;
/// How far the tooltip sits from the cursor, in CSS pixels.
pub const TOOLTIP_GAP_PX: f64 = 14.0;
/// How near the pointer must be to a point to show its tooltip.
pub const HOVER_RADIUS_PX: f64 = 8.0;
/// How near a click must be to a point to select it.
pub const CLICK_RADIUS_PX: f64 = 12.0;
/// A press that moves further than this (in pixels) is a drag, not a click.
pub const DRAG_THRESHOLD_PX: f64 = 3.0;
/// One wheel step zooms out by this factor (in by its inverse).
pub const ZOOM_STEP: f64 = 1.15;
/// The colour ramp runs from score −`COLOUR_SPAN` (blue) through 0 (the
/// layer's boundary, amber) to +`COLOUR_SPAN` (red); the legend shows it and
/// colouring by rank maps percentiles into it.
pub const COLOUR_SPAN: f32 = 6.0;

/// The visible part of the data plane.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViewRect {
    pub x0: f64,
    pub x1: f64,
    pub y0: f64,
    pub y1: f64,
}

impl ViewRect {
    /// Fits all points with a 5% margin.
    pub fn fit(coords: &[f32]) -> Self {
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for p in coords.chunks_exact(2) {
            let (x, y) = (p[0] as f64, p[1] as f64);
            if x.is_finite() && y.is_finite() {
                x0 = x0.min(x);
                x1 = x1.max(x);
                y0 = y0.min(y);
                y1 = y1.max(y);
            }
        }
        if x0 > x1 {
            return Self {
                x0: -1.0,
                x1: 1.0,
                y0: -1.0,
                y1: 1.0,
            };
        }
        let (dx, dy) = ((x1 - x0).max(1e-9) * 0.05, (y1 - y0).max(1e-9) * 0.05);
        Self {
            x0: x0 - dx,
            x1: x1 + dx,
            y0: y0 - dy,
            y1: y1 + dy,
        }
    }

    /// Zooms by `factor` (< 1 zooms in) around a point given as fractions
    /// of the plot area (0..1 from the left, 0..1 from the top).
    pub fn zoom(&mut self, factor: f64, fx: f64, fy: f64) {
        let cx = self.x0 + fx * (self.x1 - self.x0);
        let cy = self.y1 - fy * (self.y1 - self.y0);
        self.x0 = cx - (cx - self.x0) * factor;
        self.x1 = cx + (self.x1 - cx) * factor;
        self.y0 = cy - (cy - self.y0) * factor;
        self.y1 = cy + (self.y1 - cy) * factor;
    }

    /// Moves the view by a fraction of its size (drag right → data moves right).
    pub fn pan(&mut self, fx: f64, fy: f64) {
        let (dx, dy) = (fx * (self.x1 - self.x0), fy * (self.y1 - self.y0));
        self.x0 -= dx;
        self.x1 -= dx;
        self.y0 += dy;
        self.y1 += dy;
    }
}

/// The plot area in canvas pixels.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PlotArea {
    pub left: i32,
    pub top: i32,
    pub width: i32,
    pub height: i32,
}

impl PlotArea {
    pub fn contains(&self, x: f64, y: f64) -> bool {
        x >= self.left as f64
            && y >= self.top as f64
            && x < (self.left + self.width) as f64
            && y < (self.top + self.height) as f64
    }
}

/// Points bucketed by screen cell, for nearest-point queries.
#[derive(Debug, Clone, Default)]
pub struct HitGrid {
    /// The view the points were placed for (none: not for any view).
    view: Option<ViewRect>,
    cell: f64,
    cols: usize,
    rows: usize,
    area: PlotArea,
    starts: Vec<u32>,
    items: Vec<u32>,
    screen: Vec<(f32, f32)>,
}

const CELL_PX: f64 = CLICK_RADIUS_PX;

/// No cell: the point is off the plot.
const NO_CELL: u32 = u32::MAX;

impl HitGrid {
    /// The grid of `coords` (`[x0, y0, x1, y1, …]`) placed in `area` for
    /// `view`.
    pub fn place(area: PlotArea, view: ViewRect, coords: &[f32]) -> Self {
        let mut placing = Placing::new(area, view, coords.len() / 2);
        placing.step(coords, usize::MAX);
        placing.finish()
    }

    /// Whether this grid places `rows` points in `area` for `view`: then
    /// a repaint reuses it (a label changes colours, not places). The page
    /// starts a new grid when the points themselves move.
    pub fn fits(&self, area: PlotArea, view: ViewRect, rows: usize) -> bool {
        self.view == Some(view) && self.area == area && self.screen.len() == rows
    }

    /// Each point's place on the canvas (NaN when outside the plot).
    pub fn screen(&self) -> &[(f32, f32)] {
        &self.screen
    }

    /// The grid of points already on the canvas at `screen`.
    pub fn build(area: PlotArea, screen: Vec<(f32, f32)>) -> Self {
        let (cols, rows) = grid_size(area);
        let cells = screen
            .iter()
            .map(|&p| cell_of(area, cols, rows, p))
            .collect();
        Self::from_cells(area, screen, cells)
    }

    /// Buckets the points by their cells (a counting sort).
    fn from_cells(area: PlotArea, screen: Vec<(f32, f32)>, cells: Vec<u32>) -> Self {
        let (cols, rows) = grid_size(area);
        let mut counts = vec![0u32; cols * rows + 1];
        for &c in &cells {
            if c != NO_CELL {
                counts[c as usize + 1] += 1;
            }
        }
        for i in 1..counts.len() {
            counts[i] += counts[i - 1];
        }
        let mut fill = counts.clone();
        let mut items = vec![0u32; counts[cols * rows] as usize];
        for (i, &c) in cells.iter().enumerate() {
            if c != NO_CELL {
                items[fill[c as usize] as usize] = i as u32;
                fill[c as usize] += 1;
            }
        }
        Self {
            view: None,
            cell: CELL_PX,
            cols,
            rows,
            area,
            starts: counts,
            items,
            screen,
        }
    }

    /// The row drawn nearest to `(x, y)` within `radius` pixels.
    pub fn nearest(&self, x: f64, y: f64, radius: f64) -> Option<usize> {
        if self.cols == 0 || !self.area.contains(x, y) {
            return None;
        }
        let c = ((x - self.area.left as f64) / self.cell) as isize;
        let r = ((y - self.area.top as f64) / self.cell) as isize;
        let reach = (radius / self.cell).ceil() as isize;
        let mut best: Option<(f64, usize)> = None;
        for rr in (r - reach).max(0)..=(r + reach).min(self.rows as isize - 1) {
            for cc in (c - reach).max(0)..=(c + reach).min(self.cols as isize - 1) {
                let cell = rr as usize * self.cols + cc as usize;
                for &i in &self.items[self.starts[cell] as usize..self.starts[cell + 1] as usize] {
                    let (px, py) = self.screen[i as usize];
                    let d2 = (px as f64 - x).powi(2) + (py as f64 - y).powi(2);
                    if d2 <= radius * radius && best.is_none_or(|(b, _)| d2 < b) {
                        best = Some((d2, i as usize));
                    }
                }
            }
        }
        best.map(|(_, i)| i)
    }

    /// Where row `i` was drawn, if it is on screen.
    pub fn screen_of(&self, i: usize) -> Option<(f64, f64)> {
        let (x, y) = *self.screen.get(i)?;
        x.is_finite().then_some((x as f64, y as f64))
    }
}

/// Every score replaced by the logit of its percentile (`ln(p/(1−p))`, the
/// top row near +[`COLOUR_SPAN`], the median 0, the bottom near −it), so that colouring by
/// [`score_colour`] spreads the rows evenly over the palette whatever the
/// scores' scale: the "colour by rank" view. Ties share a percentile; NaN
/// stays NaN.
pub fn rank_scores(scores: &[f32]) -> Vec<f32> {
    let n = scores.len();
    let mut order: Vec<usize> = (0..n).filter(|&i| scores[i].is_finite()).collect();
    order.sort_unstable_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let m = order.len();
    let mut out = vec![f32::NAN; n];
    let mut k = 0;
    while k < m {
        // A run of ties gets the middle of its ranks.
        let mut end = k + 1;
        while end < m && scores[order[end]] == scores[order[k]] {
            end += 1;
        }
        let p = ((k + end) as f64 / 2.0) / m as f64;
        let edge = 1.0 / (1.0 + (COLOUR_SPAN as f64).exp());
        let p = p.clamp(edge, 1.0 - edge);
        let logit = (p / (1.0 - p)).ln() as f32;
        for &i in &order[k..end] {
            out[i] = logit;
        }
        k = end;
    }
    out
}

/// Past this many rows each point is one pixel, points overlap, and the
/// scatter shades each pixel by how many rows it holds.
pub const DENSITY_ROWS: usize = 20_000;

/// The colour of a pixel that holds `count` rows, when the fullest pixel
/// holds `max`: one row keeps its colour and the fullest pixel is darkest
/// (40% of it), on a log scale, so that the scatter shows where the data
/// lies rather than a solid block.
pub fn density_shade(c: [u8; 3], count: u32, max: u32) -> [u8; 3] {
    if count <= 1 || max <= 1 {
        return c;
    }
    let t = (f64::from(count).ln() / f64::from(max).ln()).min(1.0);
    let f = 1.0 - 0.6 * t;
    c.map(|v| (f64::from(v) * f).round() as u8)
}

/// Maps a score to a colour: blue (normal) → amber (boundary) → red.
pub fn score_colour(score: f32) -> [u8; 3] {
    let t = 1.0 / (1.0 + (-score as f64).exp());
    let (a, b, u) = if t < 0.5 {
        ([49.0, 104.0, 200.0], [240.0, 200.0, 60.0], t / 0.5)
    } else {
        ([240.0, 200.0, 60.0], [215.0, 38.0, 38.0], (t - 0.5) / 0.5)
    };
    let mix = |k: usize| (a[k] + (b[k] - a[k]) * u).round() as u8;
    [mix(0), mix(1), mix(2)]
}

/// [`score_colour`] on a fine grid of scores, for the draw loop: one
/// lookup a point instead of an exponential and three roundings (a million
/// of each at every repaint of a large table). A score takes the colour of
/// the nearest grid point, at most 1 off in a channel; past ±16 the colour
/// no longer changes.
pub struct ColourTable {
    colours: Vec<[u8; 3]>,
}

impl ColourTable {
    const SPAN: f32 = 16.0;
    const STEPS: usize = 8192;

    pub fn new() -> Self {
        let colours = (0..=Self::STEPS)
            .map(|k| score_colour(Self::SPAN * (2.0 * k as f32 / Self::STEPS as f32 - 1.0)))
            .collect();
        Self { colours }
    }

    /// The colour of a finite score.
    pub fn get(&self, score: f32) -> [u8; 3] {
        let u = (score.clamp(-Self::SPAN, Self::SPAN) / Self::SPAN + 1.0) * 0.5;
        let k = (u * Self::STEPS as f32).round() as usize;
        self.colours[k.min(Self::STEPS)]
    }
}

impl Default for ColourTable {
    fn default() -> Self {
        Self::new()
    }
}

/// The hit grid's columns and rows for a plot area.
fn grid_size(area: PlotArea) -> (usize, usize) {
    let cols = (area.width as f64 / CELL_PX).ceil().max(1.0) as usize;
    let rows = (area.height as f64 / CELL_PX).ceil().max(1.0) as usize;
    (cols, rows)
}

/// The grid cell of a point on the canvas, or [`NO_CELL`].
fn cell_of(area: PlotArea, cols: usize, rows: usize, (x, y): (f32, f32)) -> u32 {
    if !x.is_finite() {
        return NO_CELL;
    }
    let c = ((x as f64 - area.left as f64) / CELL_PX) as usize;
    let r = ((y as f64 - area.top as f64) / CELL_PX) as usize;
    if c < cols && r < rows {
        (r * cols + c) as u32
    } else {
        NO_CELL
    }
}

/// A [`HitGrid`] placed a slice of rows at a time: a million rows take
/// tens of milliseconds, which the page spreads over several tasks.
/// [`step`](Self::step) until it says it is done, then
/// [`finish`](Self::finish); the grid is the one [`HitGrid::place`] gives.
pub struct Placing {
    area: PlotArea,
    view: ViewRect,
    rows: usize,
    screen: Vec<(f32, f32)>,
    cells: Vec<u32>,
}

impl Placing {
    pub fn new(area: PlotArea, view: ViewRect, rows: usize) -> Self {
        Self {
            area,
            view,
            rows,
            screen: Vec::with_capacity(rows),
            cells: Vec::with_capacity(rows),
        }
    }

    /// Places up to `count` more rows of `coords`; true once every row is
    /// placed (or `coords` has no more).
    pub fn step(&mut self, coords: &[f32], count: usize) -> bool {
        let (area, view) = (self.area, self.view);
        let (cols, grid_rows) = grid_size(area);
        let (w, h) = (area.width as f64, area.height as f64);
        let (sx, sy) = (w / (view.x1 - view.x0), h / (view.y1 - view.y0));
        let start = self.screen.len();
        let end = start
            .saturating_add(count)
            .min(self.rows)
            .min(coords.len() / 2);
        for p in coords[2 * start..2 * end].chunks_exact(2) {
            let x = (p[0] as f64 - view.x0) * sx;
            let y = (view.y1 - p[1] as f64) * sy;
            let at = if x >= 0.0 && y >= 0.0 && x < w && y < h {
                ((x + area.left as f64) as f32, (y + area.top as f64) as f32)
            } else {
                (f32::NAN, f32::NAN)
            };
            self.screen.push(at);
            self.cells.push(cell_of(area, cols, grid_rows, at));
        }
        end == start || end == self.rows
    }

    pub fn finish(self) -> HitGrid {
        HitGrid {
            view: Some(self.view),
            ..HitGrid::from_cells(self.area, self.screen, self.cells)
        }
    }
}

#[cfg(test)]
mod tests;
