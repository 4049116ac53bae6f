//! The evaluation panel's small charts as SVG geometry: the discovery
//! curves and the score histogram. Pure (natively tested); the component
//! only puts the strings into `<polyline>` and `<rect>` elements.

use anomaly_lab_core::active::Part;
use anomaly_lab_core::scorecard::{Histogram, Scorecard};

/// A chart's drawing box inside its SVG `viewBox` (`0 0 W H`): the plot
/// area leaves room for the axis labels at the left and the bottom.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plot {
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
}

/// The discovery chart's box in a 320 × 160 view box.
pub const CURVE: Plot = Plot {
    left: 34.0,
    top: 8.0,
    width: 278.0,
    height: 126.0,
};

/// The histogram's box in a 320 × 120 view box.
pub const BARS: Plot = Plot {
    left: 6.0,
    top: 6.0,
    width: 308.0,
    height: 92.0,
};

impl Plot {
    pub fn right(&self) -> f64 {
        self.left + self.width
    }

    pub fn bottom(&self) -> f64 {
        self.top + self.height
    }

    /// The x of `v` on a scale from 0 to `max`.
    pub fn x(&self, v: f64, max: f64) -> f64 {
        self.left + self.width * (v / max.max(1e-12)).clamp(0.0, 1.0)
    }

    /// The y of `v` on a scale from 0 (bottom) to `max`.
    pub fn y(&self, v: f64, max: f64) -> f64 {
        self.bottom() - self.height * (v / max.max(1e-12)).clamp(0.0, 1.0)
    }
}

/// The first of 1, 2, 5, 10, 20, 50, … above `v`: a scale with room
/// over its highest curve, ending at a round number.
pub fn nice_above(v: usize) -> usize {
    let mut step = 1usize;
    loop {
        for m in [1, 2, 5] {
            if step.saturating_mul(m) > v {
                return step.saturating_mul(m);
            }
        }
        if step > usize::MAX / 10 {
            return usize::MAX;
        }
        step *= 10;
    }
}

/// `x,y` pairs for an SVG `points` attribute, one decimal each, written
/// into one string: after 1,000 labels the discovery chart has 2,500
/// points, and a `format!` per number was about 3 ms of each label in the
/// page.
fn points(xy: impl Iterator<Item = (f64, f64)>) -> String {
    let mut out = String::new();
    for (k, (x, y)) in xy.enumerate() {
        if k > 0 {
            out.push(' ');
        }
        push_one_decimal(&mut out, x);
        out.push(',');
        push_one_decimal(&mut out, y);
    }
    out
}

/// Appends `v` as `format!("{v:.1}")` would: from the integer `v·10`
/// rounded, except where that may differ from the exact decimal rounding
/// (a value within a hair of a half tenth, a negative one, −0 included,
/// or a huge one),
/// which goes through `format!`.
fn push_one_decimal(out: &mut String, v: f64) {
    use std::fmt::Write;
    let t = v * 10.0;
    let fraction = t - t.floor();
    if !(0.0..1e15).contains(&t) || v.is_sign_negative() || (fraction - 0.5).abs() < 1e-6 {
        let _ = write!(out, "{v:.1}");
        return;
    }
    let tenths = t.round() as u64;
    let _ = write!(out, "{}.{}", tenths / 10, tenths % 10);
}

/// The discovery chart: three curves on shared scales.
#[derive(Debug, Clone, PartialEq)]
pub struct Curves {
    /// Anomalies found against queries with the user's labels.
    pub found: String,
    /// The ranking without feedback, to the horizon (with ground truth).
    pub no_feedback: String,
    /// The random expectation (with ground truth).
    pub random: String,
    /// The scales: queries on x, anomalies on y.
    pub x_max: usize,
    pub y_max: usize,
}

/// The curves of a scorecard, each starting at (0, 0).
pub fn curves(card: &Scorecard) -> Curves {
    let x_max = card.horizon.max(card.found.len()).max(1);
    let truth = card.truth.as_ref();
    let highest = [
        card.found.last().copied().unwrap_or(0),
        truth
            .and_then(|t| t.no_feedback.last().copied())
            .unwrap_or(0),
        card.random_expectation(x_max).unwrap_or(0.0).ceil() as usize,
    ];
    let y_max = nice_above(highest.into_iter().max().unwrap_or(0));
    let (xm, ym) = (x_max as f64, y_max as f64);
    let curve = |values: &[usize]| {
        let start = std::iter::once((CURVE.x(0.0, xm), CURVE.y(0.0, ym)));
        let rest = values
            .iter()
            .enumerate()
            .map(|(k, &v)| (CURVE.x((k + 1) as f64, xm), CURVE.y(v as f64, ym)));
        points(start.chain(rest))
    };
    Curves {
        found: curve(&card.found),
        no_feedback: truth.map(|t| curve(&t.no_feedback)).unwrap_or_default(),
        random: card
            .random_expectation(x_max)
            .map(|end| {
                points(
                    [
                        (CURVE.x(0.0, xm), CURVE.y(0.0, ym)),
                        (CURVE.x(xm, xm), CURVE.y(end, ym)),
                    ]
                    .into_iter(),
                )
            })
            .unwrap_or_default(),
        x_max,
        y_max,
    }
}

/// One histogram bar: all rows of the bin, and the true anomalies among
/// them drawn over it from the bottom.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    pub x: f64,
    pub width: f64,
    pub y: f64,
    pub height: f64,
    pub anomaly_y: f64,
    pub anomaly_height: f64,
    pub count: u32,
    pub anomalies: u32,
}

/// The bars, heights on a log scale (`ln(1 + count)`) so that a bin of
/// ten anomalies beside one of ten thousand normal rows still shows.
pub fn bars(h: &Histogram) -> Vec<Bar> {
    let n = h.counts.len().max(1);
    let top = h.counts.iter().copied().max().unwrap_or(0);
    let scale = |c: u32| {
        if top == 0 {
            0.0
        } else {
            BARS.height * (1.0 + c as f64).ln() / (1.0 + top as f64).ln()
        }
    };
    let w = BARS.width / n as f64;
    h.counts
        .iter()
        .enumerate()
        .map(|(k, &count)| {
            let anomalies = h.anomalies.as_ref().map_or(0, |a| a[k]);
            let (height, anomaly_height) = (scale(count), scale(anomalies));
            Bar {
                x: BARS.left + w * k as f64,
                width: (w - 0.6).max(0.5),
                y: BARS.bottom() - height,
                height,
                anomaly_y: BARS.bottom() - anomaly_height,
                anomaly_height,
                count,
                anomalies,
            }
        })
        .collect()
}

/// The score under `x` on the histogram's axis (view-box units), to two
/// significant decimals, so a click sets a round threshold.
pub fn score_at(h: &Histogram, x: f64) -> f32 {
    let t = ((x - BARS.left) / BARS.width).clamp(0.0, 1.0);
    let s = h.lo as f64 + t * (h.hi - h.lo) as f64;
    ((s * 100.0).round() / 100.0) as f32
}

/// The x of a score on the histogram's axis.
pub fn score_x(h: &Histogram, score: f32) -> f64 {
    BARS.left + BARS.width * h.place(score) as f64
}

/// What a weight in the layer's chart weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightKind {
    /// The detector's reconstruction error of the feature.
    Reconstruction,
    /// How far the value is from its column's mean (marginal evidence).
    Unusual,
    /// The feature's value itself (learnt from labels only).
    Value,
    /// The isolation forest's score.
    Isolation,
    /// The detector's abstract outputs (a one-class MLP), summed.
    Outputs,
}

impl WeightKind {
    pub fn class(self) -> &'static str {
        match self {
            Self::Reconstruction => "w-reconstruction",
            Self::Unusual => "w-unusual",
            Self::Value => "w-value",
            Self::Isolation => "w-isolation",
            Self::Outputs => "w-outputs",
        }
    }
}

/// One row of the weights chart: a name and its weights (now, before any
/// label).
#[derive(Debug, Clone, PartialEq)]
pub struct WeightRow {
    pub name: String,
    pub weights: Vec<(WeightKind, f64, f64)>,
}

/// The layer's weights grouped by feature (its reconstruction error, its
/// unusualness, its value), then the isolation score and the detector's
/// abstract outputs: at most `max_rows` rows, the features whose weights
/// are largest now first. Returns the rows and the largest |weight| shown
/// (the chart's scale).
pub fn weight_rows(
    parts: &[(Part, f64, f64)],
    features: &[String],
    per_feature: bool,
    max_rows: usize,
) -> (Vec<WeightRow>, f64) {
    let mut by_feature: Vec<WeightRow> = features
        .iter()
        .map(|name| WeightRow {
            name: name.clone(),
            weights: Vec::new(),
        })
        .collect();
    let mut outputs = (0.0, 0.0, false);
    let mut isolation = None;
    for &(part, now, prior) in parts {
        let (j, kind) = match part {
            Part::Evidence(j) if per_feature => (j, WeightKind::Reconstruction),
            Part::Evidence(_) => {
                outputs = (outputs.0 + now, outputs.1 + prior, true);
                continue;
            }
            Part::Marginal(j) => (j, WeightKind::Unusual),
            Part::Feature(j) => (j, WeightKind::Value),
            Part::Isolation => {
                isolation = Some((WeightKind::Isolation, now, prior));
                continue;
            }
            Part::Neighbours | Part::Regions => continue,
        };
        if let Some(row) = by_feature.get_mut(j) {
            row.weights.push((kind, now, prior));
        }
    }
    let size = |r: &WeightRow| r.weights.iter().map(|w| w.1.abs()).fold(0.0, f64::max);
    by_feature.retain(|r| !r.weights.is_empty());
    by_feature.sort_by(|a, b| size(b).total_cmp(&size(a)));
    let mut rows = Vec::new();
    if let Some(w) = isolation {
        rows.push(WeightRow {
            name: "isolation score".into(),
            weights: vec![w],
        });
    }
    if outputs.2 {
        rows.push(WeightRow {
            name: "detector outputs".into(),
            weights: vec![(WeightKind::Outputs, outputs.0, outputs.1)],
        });
    }
    rows.extend(by_feature);
    rows.truncate(max_rows);
    let scale = rows
        .iter()
        .flat_map(|r| r.weights.iter().flat_map(|w| [w.1.abs(), w.2.abs()]))
        .fold(0.0, f64::max);
    (rows, scale.max(1e-9))
}

#[cfg(test)]
mod tests;
