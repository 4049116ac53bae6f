use super::*;

#[test]
fn each_review_order_gives_its_queue_and_suggestion() {
    let lab = scored_lab();
    let scores = lab.session.scores().unwrap().to_vec();
    let mut queues = Vec::new();
    for order in QueryRule::ALL {
        let q = lab.queue(order);
        assert_eq!(q.len(), QUEUE_LEN);
        assert_eq!(lab.suggestion(order), Some(q[0]), "{order:?}");
        queues.push(q);
    }
    assert!(queues[0].windows(2).all(|w| scores[w[0]] >= scores[w[1]]));
    assert!(queues[1]
        .windows(2)
        .all(|w| scores[w[0]].abs() <= scores[w[1]].abs()));
    assert!(queues[0] != queues[1] && queues[0] != queues[2]);
}

#[test]
fn abstract_evidence_is_explained_as_the_detectors_distance() {
    use anomaly_lab_core::detector::Scored;
    let mut lab = Lab::new("t".into(), sample_table("tiny", None).unwrap());
    let n = lab.session.rows();
    // Three abstract outputs (a one-class MLP's), row 0 far out on all.
    let evidence: Vec<f32> = (0..n * 3)
        .map(|i| if i < 3 { 50.0 } else { (i % 5) as f32 * 0.1 })
        .collect();
    let scored = Scored {
        rows: n,
        evidence_dim: 3,
        evidence_per_feature: false,
        evidence,
        score: vec![0.0; n],
        latent_dim: 0,
        latent: vec![],
    };
    lab.session.attach(scored).unwrap();
    let why = lab.session.explain(0, 3);
    let features = &lab.session.table().features;
    assert_eq!(
        crate::words::reason_text(&why[0], features),
        "the detector's distance",
        "{why:?}"
    );
    assert!(why[0].value > 0.0);
    assert!(
        why.iter()
            .all(|r| !crate::words::reason_detail(r).contains("reconstruction")),
        "{why:?}"
    );
}

#[test]
fn samples_exist_and_rows_can_be_overridden() {
    for sample in BuiltinSample::ALL {
        let t = sample_table(sample.name(), None).unwrap();
        assert!(t.table.labels.is_some(), "{}", sample.name());
    }
    assert_eq!(
        sample_table("clustered", Some(10_000)).unwrap().rows(),
        10_000
    );
    assert_eq!(sample_table("tiny", Some(3)).unwrap().rows(), 20);
    assert!(sample_table("nope", None).is_none());
}

#[test]
fn lab_projections_ranks_and_row_descriptions() {
    let mut lab = Lab::new("t".into(), sample_table("tiny", None).unwrap());
    assert_eq!(lab.coords.len(), 2 * 300);
    assert_eq!(lab.axis_names(), ("PC 1".to_string(), "PC 2".to_string()));
    lab.set_projection(ProjectionKind::Columns(1, 3)).unwrap();
    assert_eq!(lab.axis_names(), ("x2".to_string(), "x4".to_string()));
    assert_eq!(lab.coords[0], lab.session.x()[1]);
    // No detector yet: no latent view, no ranks, no queue; the view stays.
    assert!(lab.set_projection(ProjectionKind::Latent).is_err());
    assert_eq!(lab.projection, ProjectionKind::Columns(1, 3));
    assert_eq!(lab.rank_of(0), None);
    assert!(lab.queue(QueryRule::Highest).is_empty());
    assert_eq!(lab.describe_row(0).len(), 4);
    assert!(lab.describe_row(0)[0].starts_with("x1 = "));
}

#[test]
fn export_has_a_line_per_row_with_labels() {
    use anomaly_lab_core::detector::Scored;
    let mut lab = Lab::new("t".into(), sample_table("tiny", None).unwrap());
    let unscored = lab.export_csv(Threshold::default());
    assert!(unscored.starts_with("row,score,rank,label,truth\n1,,,,"));
    let n = lab.session.rows();
    let m = lab.session.cols();
    let evidence: Vec<f32> = (0..n * m).map(|i| (i % 7) as f32).collect();
    let score: Vec<f32> = (0..n).map(|i| (i % 11) as f32).collect();
    let scored = Scored {
        rows: n,
        evidence_dim: m,
        evidence_per_feature: true,
        evidence,
        score,
        latent_dim: 0,
        latent: vec![],
    };
    lab.session.attach(scored).unwrap();
    lab.session.label(4, Some(true)).unwrap();
    lab.session.label(5, Some(false)).unwrap();
    let csv = lab.export_csv(Threshold::default());
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), n + 1);
    assert!(
        lines[5].starts_with("5,") && lines[5].contains(",anomaly,"),
        "{}",
        lines[5]
    );
    assert!(lines[6].contains(",normal,"), "{}", lines[6]);
    let mut ranks: Vec<usize> = lines[1..]
        .iter()
        .map(|l| l.split(',').nth(2).unwrap().parse().unwrap())
        .collect();
    ranks.sort_unstable();
    assert_eq!(ranks, (1..=n).collect::<Vec<_>>());
}

/// A lab over the tiny sample, scored by made-up evidence.
fn scored_lab() -> Lab {
    use anomaly_lab_core::detector::Scored;
    let mut lab = Lab::new("t".into(), sample_table("tiny", None).unwrap());
    let (n, m) = (lab.session.rows(), lab.session.cols());
    lab.session
        .attach(Scored {
            rows: n,
            evidence_dim: m,
            evidence_per_feature: true,
            evidence: (0..n * m).map(|i| ((i * 7919) % 101) as f32).collect(),
            score: vec![0.0; n],
            latent_dim: 0,
            latent: vec![],
        })
        .unwrap();
    lab
}

/// A rectangle over the whole plot selects every drawn row; labelling
/// the selection is one undo step and clears it; an empty shape clears.
#[test]
fn a_selection_is_labelled_in_one_step() {
    let mut lab = scored_lab();
    lab.area = PlotArea {
        left: 0,
        top: 0,
        width: 400,
        height: 300,
    };
    lab.grid = HitGrid::place(lab.area, lab.view, &lab.coords);
    let before = lab.session.scores().unwrap().to_vec();
    let all = [(-1.0, -1.0), (401.0, -1.0), (401.0, 301.0), (-1.0, 301.0)];
    let n = lab.session.rows();
    assert_eq!(lab.select_inside(&all), n);
    let sel = lab.selection.clone().unwrap();
    assert_eq!(sel.mask.iter().filter(|&&m| m).count(), n);
    // The left half only.
    let half = [(-1.0, -1.0), (200.0, -1.0), (200.0, 301.0), (-1.0, 301.0)];
    let k = lab.select_inside(&half);
    assert!(k > 0 && k < n, "{k} of {n}");
    assert_eq!(lab.label_selection(false), Ok(k));
    assert!(lab.selection.is_none());
    assert_eq!(lab.session.labelled().len(), k);
    assert!(lab.session.undo().is_some());
    assert!(lab.session.labelled().is_empty());
    assert_eq!(lab.session.scores().unwrap(), &before[..]);
    assert_eq!(
        lab.select_inside(&[(500.0, 500.0), (510.0, 500.0), (505.0, 510.0)]),
        0
    );
    assert!(lab.selection.is_none());
    assert_eq!(lab.label_selection(true), Ok(0));
}

#[test]
fn the_fit_after_hundreds_of_labels_is_kept_and_taken_back() {
    let mut lab = scored_lab();
    for _ in 0..250 {
        lab.auto_label_next(QueryRule::Highest).unwrap();
    }
    let fit = lab.stored_fit().expect("the fit is within the cap");
    assert!(fit.len() <= MAX_FIT_CHARS);
    let mut again = scored_lab();
    assert_eq!(again.restore(&lab.stored_labels(), Some(fit)), 250);
    assert_eq!(again.session.scores(), lab.session.scores());
}

#[test]
fn stored_labels_come_back_with_the_same_scores_and_queue() {
    let mut lab = scored_lab();
    for _ in 0..12 {
        lab.auto_label_next(QueryRule::Highest).unwrap();
    }
    lab.session.label(3, Some(true)).unwrap();
    let stored = lab.stored_labels();
    let mut again = scored_lab();
    assert_eq!(again.key, lab.key);
    assert_eq!(again.restore(&stored, None), 13);
    assert_eq!(again.session.scores(), lab.session.scores());
    // With the fit kept beside the labels: the same, without a replay.
    let fit = lab.stored_fit();
    assert!(fit.is_some(), "a fit after 13 labels is kept");
    let mut fitted = scored_lab();
    assert_eq!(fitted.restore(&stored, fit), 13);
    assert_eq!(fitted.session.scores(), lab.session.scores());
    assert_eq!(
        again.queue(QueryRule::Highest),
        lab.queue(QueryRule::Highest)
    );
    // Undo and redo through the session land on the same scores.
    let scores = lab.session.scores().unwrap().to_vec();
    assert_eq!(lab.session.undo(), Some(3));
    assert_eq!(lab.session.label_of(3), None);
    assert_eq!(lab.session.redo(), Some(3));
    assert_eq!(lab.session.scores().unwrap(), &scores[..]);
    // A restore is not undoable: it starts the history afresh.
    assert!(!again.session.can_undo());
}

#[test]
fn auto_label_follows_the_review_order() {
    let mut lab = scored_lab();
    let next = lab.suggestion(QueryRule::Boundary).unwrap();
    assert_eq!(lab.auto_label_next(QueryRule::Boundary), Some(next));
    let truth = lab.session.table().labels.clone().unwrap();
    assert_eq!(lab.session.label_of(next), Some(truth[next]));
}

#[test]
fn zoom_and_pan_work_in_canvas_pixels() {
    let mut lab = scored_lab();
    // No plot area yet (nothing drawn): nothing moves.
    let fitted = lab.view;
    lab.zoom_at(10.0, 10.0, true);
    lab.pan_by(5.0, 5.0);
    assert_eq!(lab.view, fitted);
    lab.area = PlotArea {
        left: 100,
        top: 20,
        width: 400,
        height: 300,
    };
    // Zooming in at the area's centre keeps the centre and shrinks the view.
    let (cx, cy) = ((fitted.x0 + fitted.x1) / 2.0, (fitted.y0 + fitted.y1) / 2.0);
    lab.zoom_at(300.0, 170.0, true);
    let v = lab.view;
    assert!(((v.x0 + v.x1) / 2.0 - cx).abs() < 1e-9);
    assert!(((v.y0 + v.y1) / 2.0 - cy).abs() < 1e-9);
    assert!(((v.x1 - v.x0) * ZOOM_STEP - (fitted.x1 - fitted.x0)).abs() < 1e-9);
    lab.zoom_at(300.0, 170.0, false);
    assert!((lab.view.x1 - lab.view.x0 - (fitted.x1 - fitted.x0)).abs() < 1e-9);
    // Dragging the full plot width moves the view by its width.
    let before = lab.view;
    lab.pan_by(400.0, 0.0);
    assert!((before.x0 - lab.view.x0 - (before.x1 - before.x0)).abs() < 1e-9);
    lab.reset_view();
    assert_eq!(lab.view, fitted);
}
