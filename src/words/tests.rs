use super::*;

#[test]
fn numbers_read_as_people_write_them() {
    assert_eq!(format_value(3.0), "3");
    assert_eq!(format_value(-12.0), "-12");
    assert_eq!(format_value(0.02), "0.02");
    assert_eq!(format_value(4.01512), "4.0151");
    assert_eq!(format_value(1.5e12), "1500000000000");
    assert_eq!(format_value(2e-7), "0.0000002");
}

#[test]
fn the_training_sample_is_reported_only_when_there_is_one() {
    assert_eq!(thousands(0), "0");
    assert_eq!(thousands(999), "999");
    assert_eq!(thousands(50_000), "50,000");
    assert_eq!(thousands(1_234_567), "1,234,567");
    assert_eq!(
        training_sample_text(286_048, 50_000).as_deref(),
        Some(
            "the detector trains on a seeded sample of 50,000 of the 286,048 rows, \
             then scores every row (Detector › Training rows; 0 = all)"
        )
    );
    assert_eq!(training_sample_text(50_000, 50_000), None);
    assert_eq!(training_sample_text(286_048, 0), None);
}

#[test]
fn durations_and_progress_read_as_people_say_them() {
    assert_eq!(duration_text(400.0), "0.4 s");
    assert_eq!(duration_text(42_300.0), "42 s");
    assert_eq!(duration_text(185_000.0), "3 min 05 s");
    assert_eq!(duration_text(3_720_000.0), "1 h 02 min");
    let p = Progress {
        epoch: 3,
        epochs: 30,
        step: 30,
        total: 300,
        loss: None,
    };
    assert_eq!(progress_text(&p, Run::NotStarted), "epoch 3 of 30");
    // 30 of 300 steps in 4.2 s: 37.8 s to go.
    assert_eq!(
        progress_text(&p, Run::Running { ms: 4200.0 }),
        "epoch 3 of 30 · 4.2 s · about 38 s left"
    );
    // No estimate before a second has passed.
    assert_eq!(
        progress_text(&p, Run::Running { ms: 300.0 }),
        "epoch 3 of 30 · 0.3 s"
    );
    let done = Progress {
        epoch: 30,
        step: 300,
        ..p
    };
    assert_eq!(
        progress_text(
            &done,
            Run::Ended {
                ms: 42_000.0,
                cancelled: false
            }
        ),
        "epoch 30 of 30 · took 42 s"
    );
    assert_eq!(
        progress_text(
            &p,
            Run::Ended {
                ms: 4_000.0,
                cancelled: true
            }
        ),
        "epoch 3 of 30 · stopped after 4.0 s"
    );
}

#[test]
fn reasons_are_worded_by_subject_and_cause() {
    let features = vec!["x1".to_string(), "x2".to_string()];
    let r = Reason {
        subject: Subject::Feature {
            index: 1,
            value: 4.01512,
            z: 3.21,
        },
        value: 0.7,
        causes: vec![(Cause::UnusualValue, 0.59), (Cause::Reconstruction, 0.11)],
    };
    assert_eq!(reason_text(&r, &features), "x2 = 4.0151 (z +3.2)");
    assert_eq!(
        reason_detail(&r),
        "unusual value +0.59, reconstruction error +0.11"
    );
    let near = |value| Reason {
        subject: Subject::Neighbours,
        value,
        causes: vec![(Cause::NearbyLabels, value)],
    };
    assert_eq!(
        reason_text(&near(1.0), &features),
        "close to labelled anomalies"
    );
    assert_eq!(
        reason_text(&near(-1.0), &features),
        "close to labelled normal rows"
    );
    let at_mean = Reason {
        subject: Subject::Feature {
            index: 0,
            value: 0.0,
            z: -0.01,
        },
        value: 0.1,
        causes: vec![],
    };
    assert_eq!(reason_text(&at_mean, &features), "x1 = 0 (z +0.0)");
}

#[test]
fn warnings_name_the_row_and_point_to_undo() {
    let w = LabelWarning::Contradicted {
        row: 11,
        anomaly: true,
        against: 4.26,
        place: 0,
    };
    let text = warning_text(&w);
    assert!(text.starts_with("Row 12 is labelled anomaly"), "{text}");
    assert!(
        text.contains("about 4.3 rows' worth) were called normal"),
        "{text}"
    );
    assert!(text.contains("undo"));
    assert!(warning_text(&LabelWarning::NothingAboveBoundary).contains("undo it (Z)"));
}

#[test]
fn reading_says_rows_megabytes_then_columns() {
    let (t, f) = reading_text("big.csv", 3.2e6, None);
    assert_eq!((t.as_str(), f), ("Reading big.csv (3 MB)…", 0.0));
    let (t, f) = reading_text(
        "big.csv",
        3.2e6,
        Some(ParseProgress::Reading {
            bytes: 1_600_000,
            total_bytes: 3_200_000,
            rows: 12_345,
        }),
    );
    assert_eq!(t, "Reading big.csv (3 MB)… 12,345 rows, 1.6 of 3.2 MB");
    assert!((f - 0.3).abs() < 1e-9);
    let (t, f) = reading_text(
        "big.csv",
        3.2e6,
        Some(ParseProgress::Columns { done: 5, total: 10 }),
    );
    assert_eq!(t, "Reading big.csv (3 MB)… column 5 of 10");
    assert!((f - 0.8).abs() < 1e-9);
}

#[test]
fn teaching_follows_the_user() {
    let (step, text) = teach_text(0, 0, 0, 100);
    assert_eq!(step, 1);
    assert!(
        text.contains("only 0 of its top 10 rows are true anomalies: it misses most of the 100")
    );
    assert!(!text.contains("answers so far"));
    assert!(teach_text(6, 0, 4, 100)
        .1
        .contains("4 of its top 10 rows are true anomalies. Your 6 answers so far found none."));
    assert_eq!(teach_text(3, 1, 0, 100).0, 2);
    assert_eq!(teach_text(25, 2, 0, 100).0, 3);
    let (step, text) = teach_text(12, 9, 0, 100);
    assert_eq!(step, 3);
    assert!(text.starts_with("9 of 100 found in 12 answers."));
}

#[test]
fn chart_names_are_short() {
    assert_eq!(shown_name("age"), "age");
    assert_eq!(shown_name("a very long column name"), "a very long c…");
    assert_eq!(shown_name("é".repeat(20).as_str()).chars().count(), 14);
}

#[test]
fn who_asks_is_said_once_the_second_ranking_is_in_play() {
    let asker = |second, first_record, second_record| Asker {
        second,
        first_record,
        second_record,
        ..Asker::default()
    };
    assert_eq!(asker_text(&asker(false, (1, 1), (0, 0))), None);
    let t = asker_text(&asker(true, (0, 2), (0, 0))).unwrap();
    assert!(
        t.contains("second opinion") && t.contains("0 anomalies in 2 questions"),
        "{t}"
    );
    let t = asker_text(&asker(true, (1, 4), (3, 4))).unwrap();
    assert!(
        t.starts_with("Next question from the isolation forest's ranking")
            && t.contains("3 anomalies in 4 questions; the layer's ranking: 1 anomaly in 4"),
        "{t}"
    );
    let third = |third_record, others_record| Asker {
        third: true,
        third_record,
        others_record,
        ..asker(false, (5, 9), (0, 1))
    };
    // The rankings' record so far counts a question both had next once.
    let t = asker_text(&Asker {
        rankings_record: (5, 9),
        ..third((0, 0), (0, 0))
    })
    .unwrap();
    assert!(
        t.starts_with("Next question from trees fitted to your answers: a first try")
            && t.contains("(the rankings so far: 5 anomalies in 9 questions)"),
        "{t}"
    );
    let t = asker_text(&third((3, 4), (2, 5))).unwrap();
    assert!(
        t.contains(
            "at least as often (3 anomalies in 4 questions; the rankings, on the questions \
             where the two differed: 2 anomalies in 5 questions)"
        ),
        "{t}"
    );
    let t = asker_text(&third((1, 1), (0, 0))).unwrap();
    assert!(t.contains("where the two differed: none yet)"), "{t}");
    let lookalike = |lookalike_record| Asker {
        lookalike: true,
        lookalike_record,
        rankings_record: (1, 3),
        ..asker(false, (1, 3), (0, 0))
    };
    let t = asker_text(&lookalike((0, 0))).unwrap();
    assert!(
        t.starts_with("Next question: the row most like the anomalies found so far")
            && t.contains("(its first question; the rankings: 1 anomaly in 3 questions)"),
        "{t}"
    );
    let t = asker_text(&lookalike((2, 3))).unwrap();
    assert!(t.contains("(so far 2 anomalies in 3 questions;"), "{t}");
    let t = asker_text(&asker(false, (5, 9), (0, 1))).unwrap();
    assert!(
        t.starts_with("Next question from the layer's ranking (5 anomalies in 9 questions")
            && t.contains("0 anomalies in 1 question)"),
        "{t}"
    );
    assert!(!t.contains("search"), "{t}");
    // While the search is on the line says so, even where it said nothing.
    let searching = |second, first_record, second_record| Asker {
        search: true,
        ..asker(second, first_record, second_record)
    };
    let t = asker_text(&searching(false, (0, 12), (0, 0))).unwrap();
    assert!(
        t.starts_with("Next question from the layer's ranking (0 anomalies in 12 questions). The search is on")
            && t.ends_with("while the colours keep the scores."),
        "{t}"
    );
    let t = asker_text(&searching(false, (0, 12), (0, 3))).unwrap();
    assert!(
        t.contains("ranking: 0 anomalies in 3 questions). The search is on"),
        "{t}"
    );
    let t = asker_text(&searching(true, (0, 9), (0, 3))).unwrap();
    assert!(
        t.starts_with("Next question from the isolation forest's ranking")
            && t.contains("The search is on"),
        "{t}"
    );
}
