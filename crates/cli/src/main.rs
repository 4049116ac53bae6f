//! `anomaly-lab`: the native evaluator over `anomaly-lab-core`.
//!
//! - `anomaly-lab eval --data FILE …` runs the paper's experiment with a
//!   simulated expert and reports discovery curves and AUCs.
//! - `anomaly-lab score --data FILE --out scores.csv` writes an unsupervised
//!   score and rank per row; with `--session FILE`, the page's session
//!   (its detector, labels and layer) scores the data it was saved for.
//! - `anomaly-lab sample --kind clustered --out FILE` writes a built-in sample.
//!
//! Errors are printed once, here at the top, and exit with status 1 (2 for
//! a bad command line).

mod args;
mod stream;

use std::process::ExitCode;
use std::time::Instant;

use anomaly_lab_core::active::ActiveLoss;
use anomaly_lab_core::data::{parse_csv, LoadOptions, Table};
use anomaly_lab_core::detector::{fit_and_score, no_pause, score_with_weights};
use anomaly_lab_core::eval::{run_experiment, RunResult};
use anomaly_lab_core::metrics::found_at;
use anomaly_lab_core::rng::GOLDEN_GAMMA;
use anomaly_lab_core::session::Session;
use anomaly_lab_core::session_file::{self, Fit, SessionFile, TrainedDetector};
use anomaly_lab_core::synth::{generate, to_csv};
use burn::tensor::Device;
use serde_json::{json, Map, Value};

use args::{Backend, Command, EvalArgs, ExportArgs, ScoreArgs, USAGE};

/// Budgets at which found@k is reported.
const REPORT_AT: [usize; 5] = [10, 25, 50, 100, 300];

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let command = match args::parse(&argv) {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("error: {msg}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = match command {
        Command::Help => {
            println!("{USAGE}");
            Ok(())
        }
        Command::Eval(a) => eval(&a),
        Command::Score(a) => score(&a),
        Command::Export(a) => export(&a),
        Command::Sample(a) => {
            let mut config = a.kind.config();
            config.rows = a.rows.unwrap_or(config.rows);
            let csv = to_csv(&generate(&config));
            std::fs::write(&a.out, csv)
                .map(|()| eprintln!("wrote the {} sample to {}", a.kind.name(), a.out))
                .map_err(|e| format!("cannot write {}: {e}", a.out))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn device(backend: Backend) -> Result<Device, String> {
    match backend {
        Backend::Cpu => Ok(Device::flex()),
        #[cfg(feature = "wgpu")]
        Backend::Wgpu => pollster::block_on(Device::wgpu_options().init_async())
            .map_err(|e| format!("no wgpu adapter: {e:?}")),
        #[cfg(not(feature = "wgpu"))]
        Backend::Wgpu => Err(
            "this binary was built without the wgpu backend; rebuild with `--features wgpu`".into(),
        ),
    }
}

fn load(path: &str, label_column: Option<&str>) -> Result<Table, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let options = LoadOptions {
        label_column: label_column.map(str::to_string),
        ..LoadOptions::default()
    };
    let table = parse_csv(&bytes, &options).map_err(|e| format!("{path}: {e}"))?;
    // The data report, as the page shows it: no column disappears unsaid.
    for line in table.report.lines() {
        let mark = if line.warning { "warning: " } else { "" };
        eprintln!("{path}: {mark}{}", line.text);
    }
    Ok(table)
}

/// An AUC to three places, or "n/a" where it can't be measured.
fn auc(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_string(), |v| format!("{v:.3}"))
}

fn dataset_name(path: &str) -> String {
    std::path::Path::new(path)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string())
}

fn eval(a: &EvalArgs) -> Result<(), String> {
    let table = load(&a.data, a.label_column.as_deref())?;
    let truth = table.labels.as_ref().ok_or_else(|| {
        format!(
            "{}: no ground-truth column; name one with --label-column",
            a.data
        )
    })?;
    let anomalies = truth.iter().filter(|&&t| t).count();
    if anomalies == 0 || anomalies == truth.len() {
        return Err(format!(
            "{}: the ground truth calls {} row an anomaly, so there is nothing to measure",
            a.data,
            if anomalies == 0 { "no" } else { "every" }
        ));
    }
    let device = device(a.backend)?;
    let budget = a.budget.unwrap_or(300).min(table.rows());
    let active = &a.active;
    if let Some(path) = &a.save_session {
        save_session(a, &table, budget, &device, path)?;
    }
    let mut runs: Vec<(RunResult, f64)> = Vec::new();
    for &seed in &a.seeds {
        let mut spec = a.spec.clone();
        spec.train.seed = seed;
        let mut active = active.clone();
        if a.vary_forest {
            active.forest_seed ^= seed.wrapping_mul(GOLDEN_GAMMA);
        }
        let start = Instant::now();
        let r = pollster::block_on(run_experiment(
            &table, &spec, &active, a.strategy, budget, a.expert, &device,
        ))
        .map_err(|e| format!("seed {seed}: {e}"))?;
        let secs = start.elapsed().as_secs_f64();
        if !a.json {
            eprintln!(
                "seed {seed}: found@{budget} {} (detector alone {}), ROC-AUC {} → {}, {secs:.1}s",
                found_at(&r.found, budget),
                found_at(&r.baseline_found, budget),
                auc(r.roc_auc_before),
                auc(r.roc_auc_after),
            );
        }
        runs.push((r, secs));
    }
    let mean_at = |pick: &dyn Fn(&RunResult) -> &Vec<usize>| -> Map<String, Value> {
        REPORT_AT
            .iter()
            .map(|&k| {
                let m = runs
                    .iter()
                    .map(|(r, _)| found_at(pick(r), k) as f64)
                    .sum::<f64>()
                    / runs.len().max(1) as f64;
                (k.to_string(), json!(m))
            })
            .collect()
    };
    let found_at_mean = mean_at(&|r| &r.found);
    let baseline_at_mean = mean_at(&|r| &r.baseline_found);
    if a.json {
        let out = json!({
            "dataset": dataset_name(&a.data),
            "rows": table.rows(),
            "features": table.cols(),
            "anomalies": anomalies,
            "detector": a.spec.kind.name(),
            "budget": budget,
            "loss": match a.active.loss { ActiveLoss::Logistic => "logistic", ActiveLoss::AadHinge { .. } => "aad-hinge" },
            "backend": a.backend.name(),
            "strategy": a.strategy.name(),
            "runs": runs.iter().map(|(r, secs)| json!({
                "seed": r.seed,
                "found": r.found,
                "baseline_found": r.baseline_found,
                "roc_auc_before": r.roc_auc_before,
                "roc_auc_layer_before": r.roc_auc_layer_before,
                "wrong_answers": r.wrong_answers,
                "ap_before": r.ap_before,
                "roc_auc_after": r.roc_auc_after,
                "roc_auc_after_unlabelled": r.roc_auc_after_unlabelled,
                "ap_after": r.ap_after,
                "final_loss": r.final_loss,
                "seconds": secs,
            })).collect::<Vec<_>>(),
            "found_at": found_at_mean,
            "baseline_found_at": baseline_at_mean,
        });
        println!("{out}");
    } else {
        println!(
            "{}: {} rows, {} features, {} anomalies; {} detector, budget {budget}, seeds {:?}",
            dataset_name(&a.data),
            table.rows(),
            table.cols(),
            anomalies,
            a.spec.kind.name(),
            a.seeds
        );
        println!("{:>10} {:>10} {:>12}", "queries", "found", "no feedback");
        for k in REPORT_AT {
            let key = k.to_string();
            println!(
                "{k:>10} {:>10.1} {:>12.1}",
                found_at_mean[&key].as_f64().unwrap_or(0.0),
                baseline_at_mean[&key].as_f64().unwrap_or(0.0)
            );
        }
    }
    Ok(())
}

/// The session file at `path`, its size checked before it is read.
fn read_session(path: &str) -> Result<SessionFile, String> {
    let size = std::fs::metadata(path)
        .map_err(|e| format!("cannot read {path}: {e}"))?
        .len();
    session_file::check_size(size).map_err(|e| format!("{path}: {e}"))?;
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    SessionFile::from_json(&text).map_err(|e| format!("{path}: {e}"))
}

/// `export --onnx`: the session file's scoring model as one ONNX model.
fn export(a: &ExportArgs) -> Result<(), String> {
    let path = &a.session;
    let file = read_session(path)?;
    let model = file.scoring_model().map_err(|e| format!("{path}: {e}"))?;
    let d = &file.detector;
    let bytes = anomaly_lab_core::onnx::export(&model, &d.spec, &d.weights)
        .map_err(|e| format!("{path}: {e}"))?;
    std::fs::write(&a.onnx, &bytes).map_err(|e| format!("cannot write {}: {e}", a.onnx))?;
    eprintln!(
        "wrote {} ({} kB): input 'features' double[N, {}], output 'score' float[N, 1]",
        a.onnx,
        bytes.len() / 1000,
        model.schema.features
    );
    Ok(())
}

/// `eval --save-session`: the first seed's detector, `budget` queries
/// answered from the ground truth, written as the page writes a session.
fn save_session(
    a: &EvalArgs,
    table: &Table,
    budget: usize,
    device: &Device,
    path: &str,
) -> Result<(), String> {
    let mut session = Session::new(table.clone());
    session
        .set_active_config(a.active.clone())
        .map_err(|e| e.to_string())?;
    let fitted = pollster::block_on(fit_and_score(
        &a.spec,
        session.x(),
        session.cols(),
        device,
        no_pause,
    ))
    .map_err(|e| e.to_string())?
    .ok_or("training stopped")?;
    session.attach(fitted.scored).map_err(|e| e.to_string())?;
    for _ in 0..budget {
        if session.auto_label_next(a.strategy).is_none() {
            break;
        }
    }
    let detector = TrainedDetector {
        spec: a.spec.clone(),
        weights: fitted.weights,
        final_loss: fitted.final_loss,
        backend: a.backend.name().to_uppercase(),
    };
    let name = std::path::Path::new(&a.data)
        .file_name()
        .map_or(a.data.clone(), |n| n.to_string_lossy().into_owned());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let start = Instant::now();
    let file = SessionFile::of(&session, &name, &detector, Default::default(), now)
        .map_err(|e| e.to_string())?;
    let text = file.to_json();
    std::fs::write(path, &text).map_err(|e| format!("cannot write {path}: {e}"))?;
    eprintln!(
        "wrote the session ({} labels, {}, {} kB) to {path} in {:.2} s",
        session.history().len(),
        match &file.scoring {
            Some(_) => "with its scoring model",
            None => "no scoring model",
        },
        text.len() / 1000,
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Trains the detector and writes what the page's download writes before
/// any label: `row,score,rank,label[,truth]`, the same pipeline and writer.
fn score(a: &ScoreArgs) -> Result<(), String> {
    if let Some(path) = &a.session {
        return score_session(a, path);
    }
    let table = load(&a.data, a.label_column.as_deref())?;
    let device = device(a.backend)?;
    let mut session = Session::new(table);
    let fitted = pollster::block_on(fit_and_score(
        &a.spec,
        session.x(),
        session.cols(),
        &device,
        no_pause,
    ))
    .map_err(|e| e.to_string())?
    .ok_or("training stopped")?;
    session.attach(fitted.scored).map_err(|e| e.to_string())?;
    std::fs::write(&a.out, session.scores_csv())
        .map_err(|e| format!("cannot write {}: {e}", a.out))?;
    eprintln!("wrote {} scores to {}", session.rows(), a.out);
    Ok(())
}

/// `score --session` with a scoring model: any CSV with the session's
/// columns, streamed (see [`stream`]).
fn score_stream(a: &ScoreArgs, path: &str, file: &SessionFile) -> Result<(), String> {
    let model = file.scoring_model().map_err(|e| format!("{path}: {e}"))?;
    let (input, note) = stream::open_text(&a.data)?;
    if let Some(note) = note {
        eprintln!("{}: {note}", a.data);
    }
    let output =
        std::fs::File::create(&a.out).map_err(|e| format!("cannot write {}: {e}", a.out))?;
    if !model.layer.exact {
        eprintln!(
            "the session's evidence tails are a sketch of {} knots (its data had more distinct \
             values than a scoring model holds): its own rows score close to the page's, not \
             to the bit",
            model
                .layer
                .tails
                .iter()
                .map(|t| t.values.len())
                .sum::<usize>()
        );
    }
    let done = stream::score_csv(&model, input, output).map_err(|e| format!("{}: {e}", a.data))?;
    eprintln!(
        "wrote {} scores to {} with the session's detector ({} on {}) and its {} labels, \
         streamed in {:.2} s ({:.0} rows/s); {} rows are above the layer's boundary",
        done.rows,
        a.out,
        file.detector.spec.kind.name(),
        file.detector.backend,
        file.labels.len(),
        done.seconds,
        done.rows as f64 / done.seconds.max(1e-9),
        done.flagged
    );
    Ok(())
}

/// `score --session` with a version 1 file: the session file's detector (rebuilt from its
/// weights, no training), labels and layer fit over the data it was saved
/// for; the scores are the page's (docs/SESSION.md).
fn score_session(a: &ScoreArgs, path: &str) -> Result<(), String> {
    let file = read_session(path)?;
    if file.scoring.is_some() {
        return score_stream(a, path, &file);
    }
    eprintln!(
        "{path} has no scoring model (it was saved before version 2 of the format): it can \
         score only the data it was saved for, read whole"
    );
    let table = load(&a.data, a.label_column.as_deref())?;
    let mut session = Session::new(table);
    if let Fit::Other { why, matching } = file.fit_to(&session, &a.data) {
        return Err(format!(
            "{path} does not fit {}: {why} ({} of its {} labels are on rows with the same \
             values). `score --session` scores the data a session was saved for.",
            a.data,
            matching.len(),
            file.labels.len()
        ));
    }
    session
        .set_active_config(file.layer.settings.clone())
        .map_err(|e| e.to_string())?;
    let device = device(a.backend)?;
    let start = Instant::now();
    let d = &file.detector;
    let fitted = pollster::block_on(score_with_weights(
        &d.spec,
        &d.weights,
        d.final_loss,
        session.x(),
        session.cols(),
        &device,
    ))
    .map_err(|e| format!("{path}: {e}"))?;
    session.attach(fitted.scored).map_err(|e| e.to_string())?;
    let labels = session.restore_from_file(&file);
    let seconds = start.elapsed().as_secs_f64();
    if labels > 0 {
        eprintln!(
            "{}",
            if session.fit_was_taken() {
                "the layer's saved fit matched: the detector's output is the saved one to the bit"
            } else {
                "the layer's saved fit did not match this detector's output (its last bits differ \
                 on this platform), so the labels were replayed; scores differ from the page's \
                 where that moves rows past each other in an evidence column's ranking"
            }
        );
    }
    std::fs::write(&a.out, session.scores_csv())
        .map_err(|e| format!("cannot write {}: {e}", a.out))?;
    eprintln!(
        "wrote {} scores to {} with the session's detector ({} on {}) and its {labels} labels, \
         in {seconds:.2} s ({:.0} rows/s)",
        session.rows(),
        a.out,
        d.spec.kind.name(),
        d.backend,
        session.rows() as f64 / seconds.max(1e-9)
    );
    Ok(())
}
