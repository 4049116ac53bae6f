//! The `anomaly-lab` binary, run as a user runs it.

// Test and benchmark code: a failed unwrap is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_anomaly-lab"))
}

/// Runs the command and fails the test with its stderr unless it succeeds.
fn succeed(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn shared(name: &str) -> String {
    format!(
        "{}/../../../shared/datasets/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn tmp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("anomaly-lab-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn eval_json_has_the_documented_shape() {
    let out = succeed(bin().args([
        "eval",
        "--data",
        &shared("toy2.csv"),
        "--budget",
        "40",
        "--seeds",
        "0,1",
        "--json",
    ]));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.trim().lines().count(), 1, "exactly one JSON object");
    let j: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(j["dataset"], "toy2");
    assert_eq!(j["rows"], 485);
    assert_eq!(j["features"], 2);
    assert_eq!(j["anomalies"], 35);
    assert_eq!(j["detector"], "autoencoder");
    assert_eq!(j["budget"], 40);
    let runs = j["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    for (run, seed) in runs.iter().zip([0, 1]) {
        assert_eq!(run["seed"], seed);
        let found = run["found"].as_array().unwrap();
        assert_eq!(found.len(), 40);
        assert_eq!(run["baseline_found"].as_array().unwrap().len(), 40);
        // Cumulative: never decreasing, never more than the queries.
        let f: Vec<u64> = found.iter().map(|v| v.as_u64().unwrap()).collect();
        assert!(f.windows(2).all(|w| w[0] <= w[1] && w[1] - w[0] <= 1));
        assert!(run["roc_auc_before"].as_f64().unwrap() > 0.5);
        assert!(run["seconds"].as_f64().unwrap() >= 0.0);
    }
    // For k > budget, found_at repeats the count at the budget.
    let at = &j["found_at"];
    assert_eq!(at["100"], at["300"]);
    let mean40: f64 = runs
        .iter()
        .map(|r| r["found"][39].as_f64().unwrap())
        .sum::<f64>()
        / 2.0;
    assert_eq!(at["100"].as_f64().unwrap(), mean40);
    assert!(j["baseline_found_at"]["10"].is_number());
}

/// Greedy finds more than a batch of ten, which finds more than random
/// picks, on the same detector: the strategies really differ.
#[test]
fn eval_strategies_differ_as_they_should() {
    let found_at_50 = |strategy: &str| {
        let out = succeed(bin().args([
            "eval",
            "--data",
            &shared("ann_thyroid_1v3.csv"),
            "--budget",
            "50",
            "--strategy",
            strategy,
            "--json",
        ]));
        let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(j["strategy"], strategy);
        let found = j["runs"][0]["found"].as_array().unwrap().clone();
        assert_eq!(found.len(), 50, "{strategy}");
        found[49].as_u64().unwrap()
    };
    let (greedy, batch, random) = (
        found_at_50("highest"),
        found_at_50("top-k:10"),
        found_at_50("random"),
    );
    eprintln!("found@50: greedy {greedy}, top-k:10 {batch}, random {random}");
    assert!(
        greedy >= batch && batch > random,
        "{greedy} {batch} {random}"
    );
    assert!(
        random <= 5,
        "random picks find about 50·73/3251 ≈ 1: {random}"
    );
}

#[test]
fn score_writes_a_score_and_rank_per_row() {
    let out_path = tmp("scores.csv");
    succeed(
        bin()
            .args(["score", "--data", &shared("yeast.csv"), "--out"])
            .arg(&out_path),
    );
    let text = std::fs::read_to_string(&out_path).unwrap();
    let mut lines = text.lines();
    // The page's download format: yeast has ground truth, nothing is labelled.
    assert_eq!(lines.next(), Some("row,score,rank,label,truth"));
    let mut ranks: Vec<usize> = lines
        .map(|l| l.split(',').nth(2).unwrap().parse().unwrap())
        .collect();
    assert_eq!(ranks.len(), 1191);
    ranks.sort_unstable();
    assert_eq!(ranks, (1..=1191).collect::<Vec<_>>());
}

#[test]
fn sample_then_eval_on_the_clustered_sample() {
    let path = tmp("clustered.csv");
    let out = bin()
        .args(["sample", "--kind", "clustered", "--out"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = succeed(bin().args(["eval", "--budget", "20", "--data"]).arg(&path));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("2000 rows, 6 features, 100 anomalies"),
        "{text}"
    );
}

#[test]
fn errors_are_one_clear_line_and_a_failing_status() {
    let bad = tmp("ragged.csv");
    std::fs::write(&bad, "a,b,label\n1,2,nominal\n3,anomaly\n").unwrap();
    let out = bin().args(["eval", "--data"]).arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 3") && err.contains("expected 3 fields"),
        "{err}"
    );

    let out = bin()
        .args(["eval", "--data", "/no/such/file.csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));

    let out = bin().args(["eval", "--bogus"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));

    let unlabelled = tmp("unlabelled.csv");
    std::fs::write(
        &unlabelled,
        (0..20)
            .map(|i| format!("{i},{}\n", i * i))
            .collect::<String>(),
    )
    .unwrap();
    let out = bin()
        .args(["eval", "--data"])
        .arg(&unlabelled)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ground-truth"));
}

/// A session on thyroid made with the engine (trained, labelled one by one
/// and in bulk), written as the page writes it, and the CSV's text.
fn thyroid_session() -> (
    anomaly_lab_core::session::Session,
    anomaly_lab_core::session_file::SessionFile,
    String,
) {
    let text = std::fs::read_to_string(shared("ann_thyroid_1v3.csv")).unwrap();
    let (session, file) = session_of(text.as_bytes(), "thyroid");
    (session, file, text)
}

/// A session over the CSV `bytes` (read as the page reads them), trained,
/// labelled one by one and in bulk, and its file.
fn session_of(
    bytes: &[u8],
    name: &str,
) -> (
    anomaly_lab_core::session::Session,
    anomaly_lab_core::session_file::SessionFile,
) {
    use anomaly_lab_core::data::{parse_csv, LoadOptions};
    use anomaly_lab_core::detector::{fit_and_score, no_pause, DetectorSpec};
    use anomaly_lab_core::session::Session;
    use anomaly_lab_core::session_file::{SessionFile, TrainedDetector};

    let mut session = Session::new(parse_csv(bytes, &LoadOptions::default()).unwrap());
    let spec = DetectorSpec::default();
    let fitted = pollster::block_on(fit_and_score(
        &spec,
        session.x(),
        session.cols(),
        &burn::tensor::Device::flex(),
        no_pause,
    ))
    .unwrap()
    .unwrap();
    session.attach(fitted.scored).unwrap();
    for answer in [true, false, false] {
        let row = session.suggestion().unwrap();
        session.label(row, Some(answer)).unwrap();
    }
    let bulk: Vec<usize> = (100..110).collect();
    session.label_rows(&bulk, false).unwrap();
    let detector = TrainedDetector {
        spec,
        weights: fitted.weights,
        final_loss: fitted.final_loss,
        backend: "CPU".into(),
    };
    let file = SessionFile::of(&session, name, &detector, Default::default(), 1).unwrap();
    (session, file)
}

/// Runs `score --session FILE --data DATA`; the run and the scores file.
fn score_session(
    session: &std::path::Path,
    data: &str,
    name: &str,
) -> (std::process::Output, String) {
    let out = tmp(name);
    let _ = std::fs::remove_file(&out);
    let run = bin()
        .args([
            "score",
            "--session",
            session.to_str().unwrap(),
            "--data",
            data,
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    (run, std::fs::read_to_string(&out).unwrap_or_default())
}

/// `score --session` with a version 2 file streams any CSV with the
/// session's columns: the session's own rows get its scores digit for
/// digit, the same rows in another order or another file get the same
/// scores, other columns and a bad cell are refused with where.
#[test]
fn score_with_a_session_streams_any_file_with_its_columns() {
    let (session, file, text) = thyroid_session();
    assert!(file.scoring.is_some());
    let path = tmp("thyroid-v2.session.json");
    std::fs::write(&path, file.to_json()).unwrap();
    let data = shared("ann_thyroid_1v3.csv");
    let (run, scores) = score_session(&path, &data, "stream-scores.csv");
    let said = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{said}");
    assert!(
        said.contains("its 13 labels") && said.contains("streamed") && said.contains("rows/s"),
        "{said}"
    );
    let want = session.scores().unwrap();
    let mut lines = scores.lines();
    assert_eq!(lines.next(), Some("row,score,flagged"));
    let got: Vec<String> = lines.map(str::to_string).collect();
    assert_eq!(got.len(), want.len());
    for (i, line) in got.iter().enumerate() {
        let flagged = u8::from(want[i] > 0.0);
        assert_eq!(
            line,
            &format!("{},{},{flagged}", i + 1, want[i]),
            "row {}",
            i + 1
        );
    }

    // Another file: the rows backwards, the first one twice.
    let mut rows: Vec<&str> = text.lines().collect();
    let header = rows.remove(0);
    let mut other = format!("{header}\n");
    for r in rows.iter().rev().chain(rows.first()) {
        other.push_str(r);
        other.push('\n');
    }
    let other_path = tmp("thyroid-backwards.csv");
    std::fs::write(&other_path, &other).unwrap();
    let (run, scores) = score_session(&path, other_path.to_str().unwrap(), "backwards-scores.csv");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let n = want.len();
    let back: Vec<&str> = scores
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(back.len(), n + 1);
    for (k, s) in back.iter().enumerate() {
        let row = if k < n { n - 1 - k } else { 0 };
        assert_eq!(*s, want[row].to_string(), "line {}", k + 2);
    }

    // Other columns, a bad cell: refused, saying where.
    let (run, _) = score_session(&path, &shared("toy2.csv"), "toy-scores.csv");
    assert_eq!(run.status.code(), Some(1));
    let said = String::from_utf8_lossy(&run.stderr);
    assert!(said.contains("header does not fit the session"), "{said}");
    let mut broken = format!("{header}\n{}\n", rows[0]);
    let cells: Vec<&str> = rows[1].split(',').collect();
    broken.push_str(&format!("{},oops,{}\n", cells[0], cells[2..].join(",")));
    let broken_path = tmp("thyroid-broken.csv");
    std::fs::write(&broken_path, broken).unwrap();
    let (run, _) = score_session(&path, broken_path.to_str().unwrap(), "broken-scores.csv");
    assert_eq!(run.status.code(), Some(1));
    let said = String::from_utf8_lossy(&run.stderr);
    assert!(said.contains("line 3") && said.contains("oops"), "{said}");
}

/// A file in Windows-1252 or UTF-16 streams as the page reads it: a
/// session made over a Windows-1252 CSV with accented categories scores
/// that file, and the same text in UTF-8 and in UTF-16, to the session's
/// own scores; a file the page refuses (NUL bytes) is refused with its
/// line.
#[test]
fn score_with_a_session_reads_the_encodings_the_page_reads() {
    let cities = ["Köln", "Zürich", "Ærøskøbing", "Straße €5", "Malmö"];
    let mut text = String::from("größe,länge,stadt\n");
    let mut x = 17u64;
    for i in 0..400 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let a = (x >> 40) as f64 / (1u64 << 24) as f64;
        let b = ((x >> 20) & 0xFFFF) as f64 / 65536.0;
        let city = cities[if i % 50 == 7 { 4 } else { i % 4 }];
        text.push_str(&format!("{:.4},{:.4},{city}\n", a * 10.0, b + a));
    }
    let latin: Vec<u8> = text
        .chars()
        .map(|c| match c {
            '€' => 0x80,
            c => u8::try_from(u32::from(c)).unwrap(),
        })
        .collect();
    let (session, file) = session_of(&latin, "cities");
    let path = tmp("cities.session.json");
    std::fs::write(&path, file.to_json()).unwrap();
    let want: String = session
        .scores()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{},{s},{}\n", i + 1, u8::from(*s > 0.0)))
        .collect();
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    for (name, bytes, note) in [
        (
            "cities-1252.csv",
            latin.clone(),
            Some("read as Windows-1252"),
        ),
        ("cities-utf8.csv", text.clone().into_bytes(), None),
        ("cities-utf16.csv", utf16, Some("UTF-16 (little-endian)")),
    ] {
        let data = tmp(name);
        std::fs::write(&data, &bytes).unwrap();
        let (run, scores) = score_session(&path, data.to_str().unwrap(), "cities-scores.csv");
        let said = String::from_utf8_lossy(&run.stderr);
        assert!(run.status.success(), "{name}: {said}");
        assert_eq!(scores, format!("row,score,flagged\n{want}"), "{name}");
        match note {
            Some(note) => assert!(said.contains(note), "{name}: {said}"),
            None => assert!(!said.contains("read as"), "{name}: {said}"),
        }
    }
    let mut nul = latin;
    nul.extend_from_slice(b"1.0,\x002.0,K\n");
    let data = tmp("cities-nul.csv");
    std::fs::write(&data, &nul).unwrap();
    let (run, _) = score_session(&path, data.to_str().unwrap(), "cities-scores.csv");
    assert_eq!(run.status.code(), Some(1));
    let said = String::from_utf8_lossy(&run.stderr);
    assert!(said.contains("line 402") && said.contains("NUL"), "{said}");
}

/// `score --session` with a version 1 file (no scoring model): the data it
/// was saved for, read whole, to the same text as the session's own
/// writer; other data is refused with how it differs.
#[test]
fn score_with_a_version_1_session_gives_the_sessions_scores_and_refuses_other_data() {
    let (session, mut file, _) = thyroid_session();
    file.version = 1;
    file.scoring = None;
    let path = tmp("thyroid.session.json");
    std::fs::write(&path, file.to_json()).unwrap();
    let data = shared("ann_thyroid_1v3.csv");
    let (run, scores) = score_session(&path, &data, "session-scores.csv");
    let said = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{said}");
    assert!(
        said.contains("no scoring model")
            && said.contains("its 13 labels")
            && said.contains("rows/s"),
        "{said}"
    );
    assert_eq!(scores, session.scores_csv());

    // Other data: refused, with why and what still matches.
    let (other, _) = score_session(&path, &shared("toy2.csv"), "session-scores.csv");
    assert_eq!(other.status.code(), Some(1));
    let said = String::from_utf8_lossy(&other.stderr);
    assert!(
        said.contains("does not fit") && said.contains("0 of its 13 labels"),
        "{said}"
    );
    // Not a session at all.
    let bad = bin()
        .args(["score", "--session", &data, "--data", &data, "--out"])
        .arg(tmp("session-scores.csv"))
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a JSON object"));
}

/// Runs `cmd` and samples its peak resident memory (`VmHWM`, in kB) from
/// /proc while it runs: the last reading before it exits.
fn peak_kb(cmd: &mut Command) -> (std::process::ExitStatus, u64) {
    let mut child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status_path) {
            if let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak = peak.max(kb);
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            return (status, peak);
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// The check: streaming the shared donors.csv (619k rows) through
/// a session's scoring model takes no more memory than a 100k-row slice of
/// it, and every row gets a score.
#[test]
fn streaming_scores_donors_in_constant_memory() {
    let donors = shared("large/donors.csv");
    let text =
        std::fs::read_to_string(&donors).expect("../shared/datasets/large/donors.csv is missing");
    let lines: Vec<&str> = text.lines().collect();
    let rows = lines.len() - 1;
    let slice = |n: usize, name: &str| {
        let path = tmp(name);
        std::fs::write(&path, lines[..=n].join("\n") + "\n").unwrap();
        path.to_str().unwrap().to_string()
    };
    let small = slice(20_000, "donors-20k.csv");
    let session = tmp("donors.session.json");
    succeed(
        bin()
            .args([
                "eval",
                "--data",
                &small,
                "--seeds",
                "0",
                "--budget",
                "20",
                "--epochs",
                "3",
                "--save-session",
            ])
            .arg(&session),
    );
    let mut peaks = Vec::new();
    for (data, n) in [
        (slice(100_000, "donors-100k.csv"), 100_000),
        (donors.clone(), rows),
    ] {
        let out = tmp("donors-scores.csv");
        let (status, kb) = peak_kb(
            bin()
                .args(["score", "--session"])
                .arg(&session)
                .args(["--data", &data, "--out"])
                .arg(&out),
        );
        assert!(status.success());
        let scored = std::fs::read_to_string(&out).unwrap().lines().count() - 1;
        assert_eq!(scored, n);
        peaks.push(kb);
    }
    eprintln!(
        "peak memory: {} kB at 100k rows, {} kB at {rows} rows",
        peaks[0], peaks[1]
    );
    assert!(peaks[0] > 0, "no reading from /proc");
    assert!(
        peaks[1] <= peaks[0] + peaks[0] / 10,
        "memory grows with the rows: {} kB at 100k, {} kB at {rows}",
        peaks[0],
        peaks[1]
    );
}

/// The Python that has numpy and onnxruntime: `ANOMALY_LAB_PYTHON`, or the
/// virtual environment scripts/test.sh makes.
fn onnx_python() -> String {
    let path = std::env::var("ANOMALY_LAB_PYTHON").unwrap_or_else(|_| {
        let home = std::env::var("HOME").unwrap_or_default();
        format!("{home}/.cache/anomaly-lab/venv/bin/python")
    });
    assert!(
        std::path::Path::new(&path).exists(),
        "{path} is missing: ./scripts/test.sh installs onnxruntime there (or set ANOMALY_LAB_PYTHON)"
    );
    path
}

/// The ONNX round trip: a session (both detectors; a shared
/// dataset, and a file with text, formatted and missing cells) exported
/// with `export --onnx`, run by ONNX Runtime on the CSV encoded by the
/// session's schema, gives the CLI's scores to 1e-4.
#[test]
fn an_onnx_export_scores_in_onnx_runtime_as_the_cli_does() {
    let python = onnx_python();
    let script = format!("{}/../../scripts/onnx_score.py", env!("CARGO_MANIFEST_DIR"));
    let mut mixed = String::from("label,amount,colour,size,note\n");
    for i in 0..600 {
        let label = if i % 40 == 7 { "anomaly" } else { "nominal" };
        let amount = if i % 40 == 7 {
            9_000 + i
        } else {
            1_000 + (i * 37) % 800
        };
        let colour = ["red", "blue", "green", ""][i % 4];
        let size = if i % 13 == 0 {
            "NA".to_string()
        } else {
            format!("{}", (i * 7) % 50)
        };
        mixed.push_str(&format!(
            "{label},\"{},{:03}\",{colour},{size},x\n",
            amount / 1000,
            amount % 1000
        ));
    }
    let mixed_path = tmp("mixed.csv");
    std::fs::write(&mixed_path, mixed).unwrap();
    let thyroid = shared("ann_thyroid_1v3.csv");
    for (data, detector) in [
        (thyroid.as_str(), "autoencoder"),
        (thyroid.as_str(), "mlp"),
        (mixed_path.to_str().unwrap(), "autoencoder"),
    ] {
        let session = tmp(&format!("onnx-{detector}.session.json"));
        succeed(
            bin()
                .args([
                    "eval",
                    "--data",
                    data,
                    "--detector",
                    detector,
                    "--seeds",
                    "0",
                    "--budget",
                    "20",
                    "--epochs",
                    "5",
                    "--save-session",
                ])
                .arg(&session),
        );
        let model = tmp(&format!("{detector}.onnx"));
        let run = succeed(
            bin()
                .args(["export", "--session"])
                .arg(&session)
                .arg("--onnx")
                .arg(&model),
        );
        let said = String::from_utf8_lossy(&run.stderr);
        assert!(said.contains("input 'features' double[N,"), "{said}");
        let scores = tmp(&format!("onnx-cli-{detector}.csv"));
        succeed(
            bin()
                .args(["score", "--session"])
                .arg(&session)
                .args(["--data", data, "--out"])
                .arg(&scores),
        );
        let check = std::process::Command::new(&python)
            .arg(&script)
            .arg(&model)
            .arg(&session)
            .arg(data)
            .arg("--compare")
            .arg(&scores)
            .args(["--tolerance", "1e-4"])
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&check.stdout);
        eprintln!("{data} {detector}: {said}");
        assert!(
            check.status.success(),
            "{said}{}",
            String::from_utf8_lossy(&check.stderr)
        );
        assert!(said.contains("rows flagged differently: 0"), "{said}");
    }
}
