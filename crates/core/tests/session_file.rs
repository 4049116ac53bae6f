//! The session file end to end on the real CPU backend (flex): a trained,
//! labelled session written and read back scores every row exactly as it
//! did, with no training; other data keeps the labels that still fit it;
//! a corrupt or hostile file is refused with words, never a panic.

// Test code: a failed unwrap is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use anomaly_lab_core::data::{parse_csv, LoadOptions, Table};
use anomaly_lab_core::detector::{
    fit_and_score, no_pause, score_with_weights, DetectorKind, DetectorSpec, Fitted, TrainConfig,
};
use anomaly_lab_core::session::Session;
use anomaly_lab_core::session_file::{Fit, SessionFile, TrainedDetector, MAX_BYTES, VERSION};
use anomaly_lab_core::synth::{generate, BuiltinSample};
use anomaly_lab_core::CoreError;
use burn::tensor::Device;
use pollster::block_on;

fn spec(kind: DetectorKind) -> DetectorSpec {
    DetectorSpec {
        train: TrainConfig {
            epochs: 5,
            seed: 3,
            ..TrainConfig::default()
        },
        ..DetectorSpec::for_kind(kind)
    }
}

fn fitted(session: &Session, spec: &DetectorSpec) -> Fitted {
    block_on(fit_and_score(
        spec,
        session.x(),
        session.cols(),
        &Device::flex(),
        no_pause,
    ))
    .unwrap()
    .unwrap()
}

fn csv_table(text: &str) -> Table {
    parse_csv(text.as_bytes(), &LoadOptions::default()).unwrap()
}

/// A labelled session on `table` and its file, with single and bulk labels.
fn labelled(table: Table, kind: DetectorKind) -> (Session, SessionFile) {
    let spec = spec(kind);
    let mut session = Session::new(table);
    let f = fitted(&session, &spec);
    session.attach(f.scored.clone()).unwrap();
    session.set_clock(1_700_000_000_000);
    let top = session.suggestion().unwrap();
    session.label(top, Some(true)).unwrap();
    session.set_clock(1_700_000_001_000);
    let next = session.suggestion().unwrap();
    session.label(next, Some(false)).unwrap();
    let bulk: Vec<usize> = (0..session.rows())
        .filter(|&r| session.label_of(r).is_none())
        .take(5)
        .collect();
    session.set_clock(1_700_000_002_000);
    session.label_rows(&bulk, false).unwrap();
    let detector = TrainedDetector {
        spec,
        weights: f.weights,
        final_loss: f.final_loss,
        backend: "CPU".into(),
    };
    let view = BTreeMap::from([("colour".to_string(), "score".to_string())]);
    let file = SessionFile::of(&session, "sample.csv", &detector, view, 1_700_000_003_000).unwrap();
    (session, file)
}

/// Opens `file` over a fresh session on `table`: the detector rebuilt from
/// its weights scores the rows, the labels come back with the saved fit.
fn reopened(table: Table, file: &SessionFile) -> Session {
    let mut session = Session::new(table);
    assert_eq!(file.fit_to(&session, "sample.csv"), Fit::Same);
    let d = &file.detector;
    let f = block_on(score_with_weights(
        &d.spec,
        &d.weights,
        d.final_loss,
        session.x(),
        session.cols(),
        &Device::flex(),
    ))
    .unwrap();
    session.attach(f.scored).unwrap();
    session.restore_from_file(file);
    session
}

fn bits(s: &[f32]) -> Vec<u32> {
    s.iter().map(|v| v.to_bits()).collect()
}

#[test]
fn a_session_file_gives_back_every_score_to_the_bit_without_training() {
    for kind in [DetectorKind::Autoencoder, DetectorKind::Mlp] {
        let table = generate(&BuiltinSample::Clustered.config());
        let (session, file) = labelled(table.clone(), kind);
        let text = file.to_json();
        let back = SessionFile::from_json(&text).unwrap();
        assert_eq!(back, file);
        let again = reopened(table, &back);
        assert_eq!(
            bits(again.scores().unwrap()),
            bits(session.scores().unwrap()),
            "{kind:?}"
        );
        assert_eq!(
            bits(&again.detector_output().unwrap().evidence),
            bits(&session.detector_output().unwrap().evidence)
        );
        assert_eq!(
            again.history(),
            session.history(),
            "order, batches and times"
        );
        // Which ranking asked each label comes back with it, so the next
        // question is the one the saved session would have asked.
        assert!(back.labels[0].asked & 1 == 1, "{:?}", back.labels[0]);
        assert_eq!(again.asker(), session.asker());
        assert_eq!(again.suggestion(), session.suggestion());
        assert!(!again.can_undo() && again.labelled().len() == 7);
        // The bulk label is still one action: its five labels share a batch.
        let b = &back.labels[2..];
        assert!(b
            .iter()
            .all(|l| l.batch == b[0].batch && l.time_ms == 1_700_000_002_000));
        assert_eq!(back.labels[0].time_ms, 1_700_000_000_000);
    }
}

#[test]
fn a_shared_dataset_round_trips_too() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets");
    let bytes = std::fs::read(dir.join("ann_thyroid_1v3.csv"))
        .expect("../shared/datasets/ann_thyroid_1v3.csv is missing");
    let table = parse_csv(&bytes, &LoadOptions::default()).unwrap();
    let (session, file) = labelled(table.clone(), DetectorKind::Autoencoder);
    let back = SessionFile::from_json(&file.to_json()).unwrap();
    let again = reopened(table, &back);
    assert_eq!(
        bits(again.scores().unwrap()),
        bits(session.scores().unwrap())
    );
}

#[test]
fn other_data_says_so_and_keeps_the_labels_whose_rows_still_match() {
    let mut text = String::from("a,b,c\n");
    for i in 0..200 {
        text.push_str(&format!("{},{},{}\n", i % 17, (i * 7) % 23, i as f64 * 0.5));
    }
    let (_, file) = labelled(csv_table(&text), DetectorKind::Autoencoder);
    // The same columns, one labelled row edited, rows appended.
    let first = file.labels[0].row;
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[first + 1] = "999,999,999".into();
    lines.push("1,2,3".into());
    let edited = csv_table(&(lines.join("\n") + "\n"));
    let s = Session::new(edited);
    match file.fit_to(&s, "edited.csv") {
        Fit::Other { why, matching } => {
            assert!(why.contains("200 rows") && why.contains("201"), "{why}");
            assert_eq!(matching.len(), file.labels.len() - 1);
            assert!(!matching.contains(&0));
        }
        Fit::Same => panic!("edited data is not the same"),
    }
    // Other columns: nothing matches, and the words say why.
    let other =
        csv_table(&(0..20).fold("x,y\n".to_string(), |t, i| t + &format!("{i},{}\n", i * 3)));
    match file.fit_to(&Session::new(other), "other.csv") {
        Fit::Other { why, matching } => {
            assert!(why.contains("columns"), "{why}");
            assert!(matching.is_empty());
        }
        Fit::Same => panic!(),
    }
}

/// `text`'s refusal, which must be a `SessionFile` error.
fn refusal(text: &str) -> String {
    match SessionFile::from_json(text) {
        Err(e @ CoreError::SessionFile(_)) => e.to_string(),
        Err(e) => panic!("not a session-file error: {e}"),
        Ok(_) => panic!("accepted: {}", &text[..text.len().min(80)]),
    }
}

#[test]
fn corrupt_and_hostile_files_are_refused_with_words() {
    let (_, file) = labelled(
        generate(&BuiltinSample::Clustered.config()),
        DetectorKind::Autoencoder,
    );
    let good = file.to_json();
    assert!(refusal("").contains("not a JSON object"));
    assert!(refusal("label,a\nnominal,1\n").contains("not a JSON object"));
    assert!(refusal(&good[..good.len() / 2]).contains("not a JSON object"));
    assert!(refusal("{\"format\":\"other\"}").contains("not an Anomaly Lab session"));
    assert!(refusal("[1,2]").contains("not an Anomaly Lab session"));
    let version = format!("\"version\":{VERSION}");
    assert!(good.contains(&version));
    let newer = good.replacen(&version, "\"version\":7", 1);
    assert!(refusal(&newer).contains("newer Anomaly Lab (format version 7"));
    let zero = good.replacen(&version, "\"version\":0", 1);
    assert!(refusal(&zero).contains("version"));
    // Labels past the rows, twice on a row, with too few values.
    let mut f = file.clone();
    f.labels[0].row = f.dataset.rows + 5;
    assert!(refusal(&f.to_json()).contains("past its"));
    let mut f = file.clone();
    f.labels[1].row = f.labels[0].row;
    assert!(refusal(&f.to_json()).contains("labelled twice"));
    let mut f = file.clone();
    f.labels[0].values.pop();
    assert!(refusal(&f.to_json()).contains("values for"));
    // Weights of another shape, a huge array, a non-finite weight.
    let mut f = file.clone();
    f.detector.weights.arrays[0].shape = vec![1 << 20, 1 << 20];
    assert!(refusal(&f.to_json()).contains("weights"));
    let huge = format!(
        "{{\"format\":\"anomaly-lab-session\",\"version\":1,\"detector\":{{\"weights\":\
         {{\"arrays\":[{{\"name\":\"a\",\"shape\":[1],\"values\":\"{}\"}}]}}}}}}",
        "A".repeat(90_000_000)
    );
    assert!(refusal(&huge).contains("more than a session file can be"));
    let mut f = file.clone();
    f.detector.weights.arrays[2].values[0] = f32::INFINITY;
    assert!(refusal(&f.to_json()).contains("non-finite"));
    // Settings no training accepts, a bad fingerprint, a bloated view.
    let mut f = file.clone();
    f.detector.spec.train.epochs = 0;
    assert!(SessionFile::from_json(&f.to_json()).is_err());
    let mut f = file.clone();
    f.layer.settings.forest_trees = 1 << 30;
    assert!(refusal(&f.to_json()).contains("settings are out of range"));
    let mut f = file.clone();
    f.dataset.fingerprint = "xyz".into();
    assert!(refusal(&f.to_json()).contains("fingerprint"));
    let mut f = file.clone();
    f.view.insert("k".into(), "v".repeat(10_000));
    assert!(refusal(&f.to_json()).contains("view"));
    // Every prefix of a good file is refused or read, never a panic.
    for cut in (0..good.len()).step_by(97) {
        let _ = SessionFile::from_json(&good[..cut]);
    }
    assert!(good.len() < MAX_BYTES);
}

/// The scoring model (session version 2) of a labelled session on a shared
/// dataset, written as the file holds it and read back, scores every
/// record of the CSV, read a slice at a time, as the session scores its
/// rows: to the bit.
#[test]
fn the_scoring_model_scores_every_record_of_the_file_to_the_bit() {
    use anomaly_lab_core::scoring::{ScoringModel, ScoringState};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets");
    for (name, kind) in [
        ("ann_thyroid_1v3.csv", DetectorKind::Autoencoder),
        ("ann_thyroid_1v3.csv", DetectorKind::Mlp),
        ("abalone.csv", DetectorKind::Autoencoder),
    ] {
        let text = std::fs::read_to_string(dir.join(name))
            .unwrap_or_else(|_| panic!("../shared/datasets/{name} is missing"));
        let (session, file) = labelled(csv_table(&text), kind);
        let d = &file.detector;
        let model = ScoringModel::of(&session, &d.spec, &d.weights).unwrap();
        let json = serde_json::to_string(&model.into_state()).unwrap();
        let state: ScoringState = serde_json::from_str(&json).unwrap();
        let model = ScoringModel::from_state(&state, &d.spec, &d.weights).unwrap();
        let schema = &model.schema;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .delimiter(schema.delimiter as u8)
            .from_reader(text.as_bytes());
        let mut records = reader.records().map(Result::unwrap);
        let header = records.next().unwrap();
        schema
            .check_header(&header.iter().collect::<Vec<_>>())
            .unwrap();
        let (mut scores, mut chunk, mut row) = (Vec::new(), Vec::new(), Vec::new());
        for (i, record) in records.enumerate() {
            let cells: Vec<&str> = record.iter().collect();
            schema.encode(&cells, i as u64 + 2, &mut row).unwrap();
            chunk.extend_from_slice(&row);
            if chunk.len() == 700 * schema.features {
                scores.extend(model.score_encoded(&chunk).unwrap());
                chunk.clear();
            }
        }
        scores.extend(model.score_encoded(&chunk).unwrap());
        let want = session.scores().unwrap();
        assert_eq!(scores.len(), want.len(), "{name}");
        let differ = (0..want.len())
            .filter(|&i| scores[i].to_bits() != want[i].to_bits())
            .count();
        assert_eq!(differ, 0, "{name} {kind:?}: {differ} rows differ");
    }
}

/// Version 2's scoring model: present for data read from a file, absent
/// (with the reason) for a built-in sample and in a version 1 file, which
/// still opens; a model that does not fit its detector is refused.
#[test]
fn the_scoring_model_is_kept_checked_and_explained_when_missing() {
    let mut text = String::from("a,b,kind\n");
    for i in 0..300 {
        let kind = ["x", "y", "z"][i % 3];
        text.push_str(&format!("{},{},{kind}\n", i % 17, (i * 7) % 23));
    }
    let (_, file) = labelled(csv_table(&text), DetectorKind::Autoencoder);
    assert!(file.scoring.is_some());
    let back = SessionFile::from_json(&file.to_json()).unwrap();
    back.scoring_model().unwrap();
    // A version 1 file: no model, read all the same.
    let mut old = file.clone();
    old.version = 1;
    old.scoring = None;
    let old = SessionFile::from_json(&old.to_json()).unwrap();
    let why = old.scoring_model().unwrap_err().to_string();
    assert!(why.contains("before version 2"), "{why}");
    // A built-in sample has no file to read records from.
    let (_, sample) = labelled(
        generate(&BuiltinSample::Clustered.config()),
        DetectorKind::Autoencoder,
    );
    let why = sample.scoring_model().unwrap_err().to_string();
    assert!(why.contains("not read from a file"), "{why}");
    // Weights cut short, a tail sketch out of order, a schema of other width.
    let mut f = file.clone();
    f.scoring.as_mut().unwrap().layer.w.pop();
    assert!(refusal(&f.to_json()).contains("scoring model"));
    let mut f = file.clone();
    let sketch = &mut f.scoring.as_mut().unwrap().layer.tails[0];
    sketch.values.reverse();
    assert!(refusal(&f.to_json()).contains("tail sketch"));
    let mut f = file;
    f.scoring.as_mut().unwrap().schema.features += 1;
    assert!(refusal(&f.to_json()).contains("scoring model"));
}
