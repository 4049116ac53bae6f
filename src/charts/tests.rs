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
