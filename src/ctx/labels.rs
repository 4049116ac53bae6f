//! Labelling: one row, a selection in one step, the suggested row and
//! the next; undo and redo; the review order and the 2-D view.

use super::*;

impl Ctx {
    /// After `row`'s label changed by other means than a click on it (the
    /// simulated expert, undo, redo): repaint, time it, select the row.
    pub fn row_label_changed(&self, row: usize, start: f64) {
        self.labels_changed(start);
        self.view.selected.set(Some(row));
    }

    /// Labels a row (or clears it) and repaints; the change can be undone.
    pub fn label(&self, row: usize, label: Option<bool>) {
        let start = now_ms();
        match self.update_lab(|l| l.session.label(row, label)) {
            Some(Ok(())) => self.labels_changed(start),
            Some(Err(e)) => self.fail(AppError::Label(e)),
            None => {}
        }
    }

    /// Selects the points inside `outline` (canvas pixels) and repaints
    /// with the others dimmed.
    pub fn select_inside(&self, outline: &[(f64, f64)]) {
        let n = self.update_lab(|l| l.select_inside(outline)).unwrap_or(0);
        self.view.selection_count.set(n);
        self.redraw();
    }

    /// Forgets the lasso or rectangle selection; the points show again.
    pub fn clear_selection(&self) {
        if self.update_lab(|l| l.selection.take().is_some()) == Some(true) {
            self.view.selection_count.set(0);
            self.redraw();
        }
    }

    /// Labels every selected row as `anomaly` in one action (one undo
    /// step, one update of the layer), then clears the selection; timed
    /// like a single label.
    pub fn label_selection(&self, anomaly: bool) {
        if self.phase() != Phase::Ready {
            return;
        }
        let start = now_ms();
        match self.update_lab(|l| l.label_selection(anomaly)) {
            Some(Ok(n)) => {
                self.view.selection_count.set(0);
                let word = if anomaly { "anomaly" } else { "normal" };
                self.messages.notice.set(Some(if n == 0 {
                    format!("The selected rows are already labelled {word}.")
                } else {
                    format!("Labelled {n} selected rows {word} in one step; undo takes them back together.")
                }));
                self.labels_changed(start);
            }
            Some(Err(e)) => self.fail(AppError::Label(e)),
            None => {}
        }
    }

    /// Labels the selected row (once scores are ready); see
    /// [`label_and_advance`](Self::label_and_advance).
    pub fn label_selected(&self, label: Option<bool>) {
        let Some(row) = self.view.selected.get_untracked() else {
            return;
        };
        if self.phase() != Phase::Ready {
            return;
        }
        self.label_and_advance(row, label);
    }

    /// Labels `row`. When it was in the review queue and got a label, the
    /// row that takes its place becomes the selection, so A, N, A, … walks
    /// the queue (from the label panel, the keys, or the queue's own keys).
    pub fn label_and_advance(&self, row: usize, label: Option<bool>) {
        let rule = self.view.review.get_untracked();
        let place = self
            .with_lab(|l| l.queue(rule).iter().position(|&r| r == row))
            .flatten();
        self.label(row, label);
        if let (Some(k), Some(_)) = (place, label) {
            // That repaints once more; the label's own repaint above is
            // what the timing measures.
            let next = self.with_lab(|l| l.queue(rule).get(k).copied()).flatten();
            self.view.selected.set(next.or(Some(row)));
        }
    }

    /// Takes back the newest label change (`redo: false`) or gives back the
    /// newest one taken back, and selects its row. The scores are exactly
    /// those before the change.
    pub fn undo(&self, redo: bool) {
        if self.phase() != Phase::Ready {
            return;
        }
        let start = now_ms();
        let row = self.update_lab(|l| {
            if redo {
                l.session.redo()
            } else {
                l.session.undo()
            }
        });
        if let Some(Some(row)) = row {
            self.row_label_changed(row, start);
        }
    }

    pub fn suggestion(&self) -> Option<usize> {
        let rule = self.view.review.get_untracked();
        self.with_lab(|l| l.suggestion(rule)).flatten()
    }

    /// Sets the review order; the suggestion (its first row) is selected.
    pub fn set_review(&self, rule: QueryRule) {
        self.view.review.set(rule);
        self.view.selected.set(self.suggestion());
        self.bump();
    }

    /// Switches the 2-D view; an impossible one leaves the view as it was.
    pub fn set_projection(&self, kind: ProjectionKind) {
        if let Some(Err(e)) = self.update_lab(|l| l.set_projection(kind)) {
            self.fail(AppError::View(e));
        }
        self.redraw();
    }
}
