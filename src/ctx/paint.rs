//! Painting the scatter: at once from the stored state, or in steps of
//! [`PAINT_STEP`] rows with the browser's events in between; the rings
//! of a selection; the frame a paint reads.

use super::*;

/// The rows placed or rasterised in one task by
/// [`Ctx::redraw_in_steps`]: about 15 ms on a million rows.
const PAINT_STEP: usize = 250_000;

thread_local! {
    /// Paints begun: a stepped paint gives up when a later one began.
    static PAINTS: Cell<u64> = const { Cell::new(0) };
    /// A paint in steps is on its way (set before the tasks that start
    /// it): a selection change meanwhile leaves the rings to it instead of
    /// painting every row in its own task.
    pub(super) static PAINT_PENDING: Cell<bool> = const { Cell::new(false) };
}

/// Marks a paint in steps pending until it is dropped.
struct PendingPaint;

impl PendingPaint {
    fn begin() -> Self {
        PAINT_PENDING.with(|p| p.set(true));
        Self
    }
}

impl Drop for PendingPaint {
    fn drop(&mut self) {
        PAINT_PENDING.with(|p| p.set(false));
    }
}

/// Where the suggested row sits, on the canvas's `data-suggestion`: for
/// people reading the DOM, and for tests.
fn show_suggestion(canvas: &web_sys::HtmlCanvasElement, frame: &Frame, grid: &HitGrid) {
    let at = frame.suggestion.and_then(|i| grid.screen_of(i));
    let _ = canvas.set_attribute(
        "data-suggestion",
        &at.map(|(x, y)| format!("{x:.0},{y:.0}"))
            .unwrap_or_default(),
    );
}

impl Ctx {
    /// Repaints the scatter from the stored state.
    pub fn redraw(&self) {
        PAINTS.with(|p| p.set(p.get() + 1));
        PAINT_PENDING.with(|p| p.set(false));
        let Some(canvas) = self.view.canvas.get_untracked() else {
            return;
        };
        let ranked = self.ranked_scores();
        let result = self.with_frame(ranked.as_deref(), |grid, area, frame| {
            let (placed_in, placed) = draw(&canvas, frame, std::mem::take(grid))?;
            show_suggestion(&canvas, frame, &placed);
            (*area, *grid) = (placed_in, placed);
            Ok(())
        });
        if let Some(Err(e)) = result {
            self.fail(AppError::Draw(e));
        }
    }

    /// After the selection moved: the last frame again with the rings
    /// moved (no pass over the rows), else a repaint.
    pub(super) fn show_selection(&self) {
        let Some(canvas) = self.view.canvas.get_untracked() else {
            return;
        };
        // The rings read no score: no ranking is computed for them.
        let shown = self.with_frame(None, |grid, _, frame| {
            crate::scatter::show_rings(&canvas, frame, grid)
        });
        match shown {
            Some(Ok(true)) | None => {}
            // A paint in steps is coming: it draws the rings too.
            Some(Ok(false)) if PAINT_PENDING.with(Cell::get) => {}
            Some(Ok(false)) => self.redraw(),
            Some(Err(e)) => self.fail(AppError::Draw(e)),
        }
    }

    /// [`redraw`](Self::redraw) over several tasks: the points placed and
    /// rasterised [`PAINT_STEP`] rows at a time, with the browser's event
    /// loop in between (a million rows take over 50 ms), then shown in one
    /// go. Given up for a repaint or another dataset meanwhile.
    pub async fn redraw_in_steps(&self) {
        crate::dom::mark("paint");
        // However this ends, no paint is pending after it.
        let _pending = PendingPaint::begin();
        let paints = PAINTS.with(|p| {
            p.set(p.get() + 1);
            p.get()
        });
        let generation = self.generation.get_untracked();
        let current = move || {
            PAINTS.with(|p| p.get()) == paints && self.generation.get_untracked() == generation
        };
        let Some(canvas) = self.view.canvas.get_untracked() else {
            return;
        };
        let ranked = self.ranked_scores();
        let ranked = ranked.as_deref();
        // The grid stays in the lab (hover reads it between the steps); a
        // new one goes there once placed.
        let placement = self.with_frame(ranked, |grid, area, frame| {
            match crate::scatter::place(&canvas, frame, std::mem::take(grid))? {
                Placement::Placed(placed_in, placed) => {
                    (*area, *grid) = (placed_in, placed);
                    Ok(None)
                }
                Placement::Placing(placed_in, placing) => Ok(Some((placed_in, placing))),
            }
        });
        match placement {
            None | Some(Ok(None)) => {}
            Some(Err(e)) => return self.fail(AppError::Draw(e)),
            Some(Ok(Some((placed_in, mut placing)))) => loop {
                yield_now(0).await;
                if !current() {
                    return;
                }
                match self.with_lab(|l| placing.step(&l.coords, PAINT_STEP)) {
                    Some(true) => {
                        let grid = placing.finish();
                        self.update_lab(|l| (l.area, l.grid) = (placed_in, grid));
                        break;
                    }
                    Some(false) => {}
                    None => return,
                }
            },
        }
        let Some((area, rows)) = self.with_lab(|l| (l.area, l.grid.screen().len())) else {
            return;
        };
        let mut raster = Raster::new(area, rows);
        loop {
            yield_now(0).await;
            if !current() {
                return;
            }
            match self.with_frame(ranked, |grid, _, frame| {
                raster.step(frame, grid.screen(), PAINT_STEP)
            }) {
                Some(true) => break,
                Some(false) => {}
                None => return,
            }
        }
        let result = self.with_frame(ranked, |grid, _, frame| {
            raster.show(&canvas, frame, grid)?;
            show_suggestion(&canvas, frame, grid);
            Ok(())
        });
        if let Some(Err(e)) = result {
            self.fail(AppError::Draw(e));
        }
    }

    /// The scores as percentile logits when colouring by rank.
    fn ranked_scores(&self) -> Option<Vec<f32>> {
        if !self.view.colour_by_rank.get_untracked() {
            return None;
        }
        self.with_lab(|l| l.session.scores().map(rank_scores))
            .flatten()
    }

    /// The frame of the stored state (`ranked`: the scores by rank), for
    /// `f` with the lab's hit grid and plot area to update.
    fn with_frame<R>(
        &self,
        ranked: Option<&[f32]>,
        f: impl FnOnce(&mut HitGrid, &mut PlotArea, &Frame) -> R,
    ) -> Option<R> {
        let selected = self.view.selected.get_untracked();
        let rule = self.view.review.get_untracked();
        let reveal = self.view.teach.get_untracked() && self.view.reveal.get_untracked();
        self.update_lab(|lab| {
            let (xd, yd) = lab.axis_names();
            let suggestion = lab.suggestion(rule);
            let session = &lab.session;
            let frame = Frame {
                coords: &lab.coords,
                scores: ranked.or(session.scores()),
                by_rank: ranked.is_some(),
                labels: session.row_labels(),
                selected,
                suggestion,
                view: lab.view,
                x_desc: &xd,
                y_desc: &yd,
                chosen: lab.selection.as_ref().map(|s| &s.mask[..]),
                truth: session.table().labels.as_deref().filter(|_| reveal),
            };
            f(&mut lab.grid, &mut lab.area, &frame)
        })
    }
}
