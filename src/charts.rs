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
mod tests {
    use super::*;
    use anomaly_lab_core::scorecard::{Quality, TruthCard};

    fn card(found: Vec<usize>, no_feedback: Vec<usize>) -> Scorecard {
        Scorecard {
            rows: 1000,
            horizon: no_feedback.len(),
            found,
            truth: Some(TruthCard {
                anomalies: 50,
                no_feedback,
                before: Quality::default(),
                now: Quality::default(),
                unlabelled: 1000,
            }),
            histogram: Histogram {
                lo: -2.0,
                hi: 2.0,
                counts: vec![0, 900, 90, 10],
                anomalies: Some(vec![0, 0, 40, 10]),
            },
            flagged: 0,
            line: None,
        }
    }

    #[test]
    fn curves_start_at_the_origin_and_share_scales() {
        let c = curves(&card(vec![1, 2, 2], vec![0, 1, 1, 2, 3]));
        assert_eq!((c.x_max, c.y_max), (5, 5));
        let first = |s: &str| s.split(' ').next().map(str::to_owned);
        let origin = format!("{:.1},{:.1}", CURVE.left, CURVE.bottom());
        assert_eq!(first(&c.found), Some(origin.clone()));
        assert_eq!(first(&c.no_feedback), Some(origin));
        assert_eq!(c.found.split(' ').count(), 4);
        assert_eq!(c.no_feedback.split(' ').count(), 6);
        // The last point of the curve without feedback is the top right.
        let last = c.no_feedback.rsplit(' ').next().map(str::to_owned);
        let y = CURVE.bottom() - CURVE.height * 3.0 / 5.0;
        assert_eq!(last, Some(format!("{:.1},{y:.1}", CURVE.right())));
        // Random: 5 queries × 50 / 1000 = 0.25 anomalies at the right edge.
        assert_eq!(c.random.split(' ').count(), 2);
    }

    #[test]
    fn points_are_written_as_format_writes_one_decimal() {
        let mut values = vec![
            0.0,
            0.05,
            0.15,
            0.25,
            0.95,
            1.0,
            2.449_999_999,
            599.95,
            -0.04,
            -0.0,
            -3.25,
        ];
        let mut x = 0.123_456_789_f64;
        for _ in 0..20_000 {
            x = (x * 9_301.0 + 49_297.0) % 233_280.0;
            values.push(x / 233_280.0 * 700.0);
            values.push((x / 233_280.0 * 7_000.0).round() / 10.0 + 0.05);
        }
        for v in values {
            let mut got = String::new();
            push_one_decimal(&mut got, v);
            assert_eq!(got, format!("{v:.1}"), "{v:e}");
        }
        assert_eq!(
            points([(1.0, 2.25), (3.0, 4.0)].into_iter()),
            "1.0,2.2 3.0,4.0"
        );
    }

    #[test]
    fn scales_end_above_the_highest_value_at_a_round_number() {
        let got: Vec<usize> = [0, 1, 2, 4, 5, 15, 99, 100, 730].map(nice_above).to_vec();
        assert_eq!(got, vec![1, 2, 5, 5, 10, 20, 100, 200, 1000]);
        assert_eq!(nice_above(usize::MAX), usize::MAX);
    }

    #[test]
    fn without_truth_only_the_labels_curve() {
        let mut k = card(vec![1, 1], vec![0; 50]);
        k.truth = None;
        let c = curves(&k);
        assert!(c.no_feedback.is_empty() && c.random.is_empty());
        assert_eq!(c.x_max, 50);
    }

    #[test]
    fn bars_are_log_scaled_and_fill_the_box() {
        let k = card(vec![], vec![0; 50]);
        let b = bars(&k.histogram);
        assert_eq!(b.len(), 4);
        assert_eq!(b[0].height, 0.0);
        assert!((b[1].height - BARS.height).abs() < 1e-9);
        // Ten rows show at a third of the tallest bin's height, not 1%.
        assert!(b[3].height > BARS.height / 3.0);
        assert!(b[2].anomaly_height < b[2].height);
        assert!((score_x(&k.histogram, 0.0) - (BARS.left + BARS.width / 2.0)).abs() < 1e-6);
        assert_eq!(score_x(&k.histogram, 9.0), BARS.right());
        // A click in the middle is the score 0; at the ends, lo and hi.
        assert_eq!(score_at(&k.histogram, BARS.left + BARS.width / 2.0), 0.0);
        assert_eq!(score_at(&k.histogram, 0.0), -2.0);
        assert_eq!(score_at(&k.histogram, 999.0), 2.0);
    }

    #[test]
    fn weights_group_by_feature_largest_first() {
        let names = vec!["a".to_string(), "b".to_string()];
        let parts = [
            (Part::Evidence(0), 0.1, 0.5),
            (Part::Evidence(1), 2.0, 0.5),
            (Part::Marginal(0), 0.3, 0.5),
            (Part::Marginal(1), -0.2, 0.5),
            (Part::Isolation, 0.4, 0.4),
            (Part::Feature(0), 0.0, 0.0),
            (Part::Feature(1), -1.0, 0.0),
        ];
        let (rows, scale) = weight_rows(&parts, &names, true, 10);
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["isolation score", "b", "a"]);
        assert_eq!(rows[1].weights.len(), 3);
        assert_eq!(rows[1].weights[0], (WeightKind::Reconstruction, 2.0, 0.5));
        assert_eq!(scale, 2.0);
        // A one-class MLP's outputs are one row; the cap holds.
        let (rows, _) = weight_rows(&parts, &["a".into(), "b".into()], false, 2);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].name, "detector outputs");
        assert_eq!(rows[1].weights, vec![(WeightKind::Outputs, 2.1, 1.0)]);
    }
}
