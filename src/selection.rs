//! Lasso and rectangle selection on the scatter, in canvas pixels: the
//! shape a drag draws, and the rows whose points lie inside it. Pure
//! (natively tested); the scatter view feeds it pointer positions and the
//! hit grid's screen positions.

/// How a drag on the scatter is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tool {
    /// Drag pans, a click selects one point.
    #[default]
    Pan,
    /// Drag draws a free shape; the points inside are selected.
    Lasso,
    /// Drag spans a rectangle; the points inside are selected.
    Rectangle,
}

/// Pointer moves closer than this to the last vertex add none: a lasso of
/// a few hundred vertices at most, whatever the pointer's rate.
pub const VERTEX_GAP_PX: f64 = 3.0;

/// A shape being drawn with `tool`, from the press on.
#[derive(Debug, Clone, PartialEq)]
pub struct Drawing {
    pub tool: Tool,
    pub points: Vec<(f64, f64)>,
}

impl Drawing {
    pub fn new(tool: Tool, x: f64, y: f64) -> Self {
        Self {
            tool,
            points: vec![(x, y)],
        }
    }

    /// The pointer moved: a lasso gains a vertex (when far enough from the
    /// last), a rectangle moves its far corner.
    pub fn extend(&mut self, x: f64, y: f64) {
        match self.tool {
            Tool::Rectangle => {
                self.points.truncate(1);
                self.points.push((x, y));
            }
            _ => {
                let far = self
                    .points
                    .last()
                    .is_none_or(|&(px, py)| (x - px).hypot(y - py) >= VERTEX_GAP_PX);
                if far {
                    self.points.push((x, y));
                }
            }
        }
    }

    /// The closed outline: a lasso's vertices, or a rectangle's corners.
    pub fn outline(&self) -> Vec<(f64, f64)> {
        match (self.tool, self.points.as_slice()) {
            (Tool::Rectangle, [(x0, y0), .., (x1, y1)]) => {
                vec![(*x0, *y0), (*x1, *y0), (*x1, *y1), (*x0, *y1)]
            }
            _ => self.points.clone(),
        }
    }

    /// The outline as an SVG `points` attribute.
    pub fn svg_points(&self) -> String {
        self.outline()
            .iter()
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Whether the shape encloses any area (at least three vertices, not
    /// all on one line of pixels): a click is not a selection.
    pub fn encloses(&self) -> bool {
        let o = self.outline();
        if o.len() < 3 {
            return false;
        }
        let (lo, hi) = bounds(&o);
        hi.0 - lo.0 >= 2.0 && hi.1 - lo.1 >= 2.0
    }
}

/// The smallest box around the points: `((min x, min y), (max x, max y))`.
fn bounds(points: &[(f64, f64)]) -> ((f64, f64), (f64, f64)) {
    points.iter().fold(
        (
            (f64::INFINITY, f64::INFINITY),
            (f64::NEG_INFINITY, f64::NEG_INFINITY),
        ),
        |((ax, ay), (bx, by)), &(x, y)| ((ax.min(x), ay.min(y)), (bx.max(x), by.max(y))),
    )
}

/// Whether `(x, y)` is inside the closed polygon (even–odd rule).
pub fn contains(polygon: &[(f64, f64)], x: f64, y: f64) -> bool {
    let mut inside = false;
    let n = polygon.len();
    for k in 0..n {
        let (xi, yi) = polygon[k];
        let (xj, yj) = polygon[(k + n - 1) % n];
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
    }
    inside
}

/// The rows whose screen positions (`screen[i]`, non-finite: not drawn)
/// lie inside `polygon`, in row order. Only the points inside its bounding
/// box are tested against every edge.
pub fn rows_inside(polygon: &[(f64, f64)], screen: &[(f32, f32)]) -> Vec<usize> {
    if polygon.len() < 3 {
        return Vec::new();
    }
    let ((x0, y0), (x1, y1)) = bounds(polygon);
    screen
        .iter()
        .enumerate()
        .filter(|(_, &(x, y))| {
            let (x, y) = (x as f64, y as f64);
            x >= x0 && x <= x1 && y >= y0 && y <= y1 && contains(polygon, x, y)
        })
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rectangle_selects_the_points_inside_it() {
        let mut d = Drawing::new(Tool::Rectangle, 10.0, 10.0);
        d.extend(50.0, 20.0);
        d.extend(30.0, 40.0);
        assert_eq!(d.outline().len(), 4);
        assert!(d.encloses());
        let screen = [
            (20.0, 20.0),
            (35.0, 20.0),
            (5.0, 20.0),
            (f32::NAN, 20.0),
            (29.0, 39.0),
        ];
        assert_eq!(rows_inside(&d.outline(), &screen), vec![0, 4]);
    }

    #[test]
    fn a_lasso_follows_its_shape_not_its_box() {
        // An L-shaped lasso: its box holds (15, 15), the shape does not.
        let mut d = Drawing::new(Tool::Lasso, 0.0, 0.0);
        for p in [
            (10.0, 0.0),
            (10.0, 10.0),
            (20.0, 10.0),
            (20.0, 20.0),
            (0.0, 20.0),
        ] {
            d.extend(p.0, p.1);
        }
        let screen = [(5.0, 5.0), (15.0, 5.0), (15.0, 15.0), (5.0, 15.0)];
        assert_eq!(rows_inside(&d.outline(), &screen), vec![0, 2, 3]);
    }

    #[test]
    fn close_pointer_moves_add_no_vertex_and_a_click_selects_nothing() {
        let mut d = Drawing::new(Tool::Lasso, 0.0, 0.0);
        d.extend(1.0, 1.0);
        d.extend(2.0, 0.5);
        assert_eq!(d.points.len(), 1);
        assert!(!d.encloses());
        d.extend(5.0, 0.0);
        d.extend(10.0, 0.0);
        assert!(!d.encloses(), "a line encloses nothing");
        assert!(rows_inside(&[(0.0, 0.0), (1.0, 1.0)], &[(0.5, 0.5)]).is_empty());
        assert_eq!(d.svg_points(), "0.0,0.0 5.0,0.0 10.0,0.0");
    }
}
