//! The points of a frame rasterised into one RGBA buffer, a slice of
//! rows at a time, with the labels' marks and the true anomalies'
//! outlines.

use super::*;

/// A frame's points rasterised into one RGBA buffer, a slice of rows at a
/// time ([`step`](Self::step): a million rows take tens of milliseconds),
/// then put on the canvas in one call ([`show`](Self::show)).
pub struct Raster {
    area: PlotArea,
    buf: Vec<u8>,
    /// Dense: the rows each pixel holds, and its highest score.
    counts: Vec<u32>,
    best: Vec<f32>,
    /// Dense: whether a selected row fell on the pixel (the others are
    /// dimmed when there is a selection).
    lit: Vec<bool>,
    next: usize,
    colours: ColourTable,
}

impl Raster {
    pub fn new(area: PlotArea, rows: usize) -> Self {
        let (w, h) = (area.width as usize, area.height as usize);
        let dense = rows > DENSITY_ROWS;
        Self {
            area,
            buf: vec![255u8; w * h * 4],
            counts: vec![0u32; if dense { w * h } else { 0 }],
            best: vec![f32::NEG_INFINITY; if dense { w * h } else { 0 }],
            lit: vec![false; if dense { w * h } else { 0 }],
            next: 0,
            colours: ColourTable::new(),
        }
    }

    fn colour(&self, s: f32) -> [u8; 3] {
        if s.is_finite() {
            self.colours.get(s)
        } else {
            UNSCORED
        }
    }

    /// Rasterises up to `count` more unlabelled rows (every row at once
    /// below [`DENSITY_ROWS`]); true once all are done.
    pub fn step(&mut self, f: &Frame, screen: &[(f32, f32)], count: usize) -> bool {
        let a = self.area;
        let (w, h) = (a.width as usize, a.height as usize);
        let n = screen.len();
        if n <= DENSITY_ROWS {
            // 3 × 3 points, in two passes so that points above the
            // boundary are drawn on top.
            for pass in 0..2 {
                for (i, &(x, y)) in screen.iter().enumerate() {
                    if !x.is_finite() || label(f, i).is_some() {
                        continue;
                    }
                    let s = f.scores.map_or(f32::NAN, |s| s[i]);
                    if (pass == 1) != (s > 0.0) {
                        continue;
                    }
                    let c = self.colour(s);
                    let c = if dimmed(f, i) { dim(c) } else { c };
                    let (px, py) = ((x - a.left as f32) as i64, (y - a.top as f32) as i64);
                    for dy in -1..=1 {
                        for dx in -1..=1 {
                            put(&mut self.buf, w, h, px + dx, py + dy, c);
                        }
                    }
                }
            }
            self.next = n;
            return true;
        }
        // Dense: one pixel a point, each pixel shows its highest-scoring
        // row (an anomaly is never hidden under normal rows) and counts its
        // rows, to shade by density.
        let end = self.next.saturating_add(count).min(n);
        for (i, &(x, y)) in screen.iter().enumerate().take(end).skip(self.next) {
            if !x.is_finite() || label(f, i).is_some() {
                continue;
            }
            let (px, py) = ((x - a.left as f32) as usize, (y - a.top as f32) as usize);
            if px >= w || py >= h {
                continue;
            }
            let k = py * w + px;
            self.counts[k] += 1;
            if f.chosen.is_some() && !dimmed(f, i) {
                self.lit[k] = true;
            }
            let s = f.scores.map_or(f32::NAN, |s| s[i]);
            let rank = if s.is_finite() { s } else { f32::MIN };
            if self.counts[k] == 1 || rank > self.best[k] {
                self.best[k] = rank;
                let c = self.colour(s);
                self.buf[k * 4..k * 4 + 3].copy_from_slice(&c);
            }
        }
        self.next = end;
        end == n
    }

    /// Shades by density, marks the labelled rows, and puts the points on
    /// the canvas over the axes, with the rings on top.
    pub fn show(
        mut self,
        canvas: &HtmlCanvasElement,
        f: &Frame,
        grid: &HitGrid,
    ) -> Result<(), String> {
        let a = self.area;
        let (w, h) = (a.width as usize, a.height as usize);
        let fullest = self.counts.iter().copied().max().unwrap_or(0);
        for (k, &count) in self.counts.iter().enumerate() {
            if count > 1 {
                let o = k * 4;
                let [r, g, b] = [self.buf[o], self.buf[o + 1], self.buf[o + 2]];
                let shaded = density_shade([r, g, b], count, fullest);
                self.buf[o..o + 3].copy_from_slice(&shaded);
            }
            if count > 0 && f.chosen.is_some() && !self.lit[k] {
                let o = k * 4;
                let faded = dim([self.buf[o], self.buf[o + 1], self.buf[o + 2]]);
                self.buf[o..o + 3].copy_from_slice(&faded);
            }
        }
        // Labelled rows on top, by shape as well as colour.
        for (i, &(x, y)) in grid.screen().iter().enumerate() {
            let Some(anomaly) = (if x.is_finite() { label(f, i) } else { None }) else {
                continue;
            };
            let (px, py) = ((x - a.left as f32) as i64, (y - a.top as f32) as i64);
            let buf = &mut self.buf;
            if anomaly {
                for d in -4..=4 {
                    for t in 0..2 {
                        put(buf, w, h, px + d + t, py + d, LABEL_ANOMALY);
                        put(buf, w, h, px + d + t, py - d, LABEL_ANOMALY);
                    }
                }
            } else {
                square(buf, w, h, (px, py), 4, 2, LABEL_NORMAL);
            }
        }
        // True anomalies, revealed in teaching mode: an outline around each.
        if let Some(truth) = f.truth {
            for (i, &(x, y)) in grid.screen().iter().enumerate() {
                if !x.is_finite() || !truth.get(i).copied().unwrap_or(false) {
                    continue;
                }
                let (px, py) = ((x - a.left as f32) as i64, (y - a.top as f32) as i64);
                square(&mut self.buf, w, h, (px, py), 6, 1, TRUE_ANOMALY);
            }
        }
        // The image owns a copy of the pixels (a view of the module's
        // memory would not outlive this buffer), kept for [`show_rings`].
        let pixels = js_sys::Uint8ClampedArray::from(&self.buf[..]);
        let image = ImageData::new_with_js_u8_clamped_array_and_sh(&pixels, w as u32, h as u32)
            .map_err(|e| format!("image buffer: {}", crate::dom::js_error(&e)))?;
        put_frame(canvas, f, grid, a, &image)?;
        LAST.with(|last| *last.borrow_mut() = Some((a, image)));
        Ok(())
    }
}

/// Row `i`'s label in the frame.
fn label(f: &Frame, i: usize) -> Option<bool> {
    f.labels.get(i).copied().flatten()
}

/// The outline of a square centred on `(px, py)`, `r` pixels out to its
/// edges, `thick` pixels wide inwards.
fn square(
    buf: &mut [u8],
    w: usize,
    h: usize,
    (px, py): (i64, i64),
    r: i64,
    thick: i64,
    c: [u8; 3],
) {
    for d in -r..=r {
        for t in 0..thick {
            put(buf, w, h, px + d, py - r + t, c);
            put(buf, w, h, px + d, py + r - t, c);
            put(buf, w, h, px - r + t, py + d, c);
            put(buf, w, h, px + r - t, py + d, c);
        }
    }
}

/// Colours pixel `(x, y)` of a `w × h` RGBA buffer, if it is inside.
fn put(buf: &mut [u8], w: usize, h: usize, x: i64, y: i64, c: [u8; 3]) {
    if x >= 0 && y >= 0 && (x as usize) < w && (y as usize) < h {
        let o = (y as usize * w + x as usize) * 4;
        buf[o..o + 3].copy_from_slice(&c);
    }
}
