//! The page's long-running work, each a task that yields to the browser:
//! training (the core's one pipeline, `fit_and_score`, run by the training
//! worker), auto-labelling, and reading a chosen file.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;

use anomaly_lab_core::active::{ActiveConfig, ActiveLayer};
use anomaly_lab_core::data::ParseProgress;
use anomaly_lab_core::detector::wire::BackendKind;
use anomaly_lab_core::detector::Forward;
use anomaly_lab_core::projection::ProjectionKind;
use anomaly_lab_core::session_file::{SessionFile, TrainedDetector};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::ctx::{Ctx, Phase};
use crate::dom::{now_ms, yield_now};
use crate::error::AppError;
use crate::params::BackendChoice;
use crate::words::reading_text;
use crate::worker::{self, Event, Outcome, Parsed};

mod session;
pub use session::{keep_offered_labels, open_session, SessionOffer};

/// The pause between two auto-labels, so the page shows each one.
const AUTO_LABEL_PAUSE_MS: i32 = 30;

/// Trains the chosen detector on the current data in the training worker,
/// then attaches its results (the labels are replayed). A device failure on
/// the GPU says so and trains again on the CPU; any other failure is
/// reported and final.
pub fn start_training(ctx: Ctx) {
    start_run(ctx, None);
}

/// A training run, or with `restore`, a session file's detector scoring
/// the rows with no training, then the file's labels and view.
fn start_run(ctx: Ctx, restore: Option<Arc<SessionFile>>) {
    if ctx.phase() == Phase::Training {
        return;
    }
    let Some((x, d, forest, isolation)) = ctx.with_lab(|l| {
        let s = &l.session;
        let isolation = s.forest().map(|f| f.scores().to_vec());
        (s.x_shared(), s.cols(), s.needs_forest(), isolation)
    }) else {
        return;
    };
    let spec = match &restore {
        Some(f) => f.detector.spec.clone(),
        None => ctx.spec.get_untracked(),
    };
    // Checked here, where the error keeps its type; the worker checks again.
    if let Err(e) = spec.train.validate() {
        ctx.fail(AppError::Training(e));
        return;
    }
    let generation = ctx.generation.get_untracked();
    let job = ctx.job;
    job.cancel.set(false);
    job.from_session.set(None);
    job.losses.set(Vec::new());
    job.clock.set((now_ms(), None));
    job.phase.set(Phase::Training);
    spawn_local(async move {
        let choice = ctx.backend.choice.get_untracked();
        // "auto" with a hardware GPU: the worker times both devices once
        // for these settings; later runs take the same choice and words.
        let race_key = format!("{d}:{}", spec.to_wire());
        let (wanted, passed_over, race) = match choice {
            BackendChoice::Cpu => (BackendKind::Cpu, None, false),
            BackendChoice::WebGpu => (BackendKind::WebGpu, None, false),
            BackendChoice::Auto => {
                match crate::adapter::pass_over(crate::dom::webgpu_adapter().await.as_ref()) {
                    Some(why) => (BackendKind::Cpu, Some(why), false),
                    None => match raced(&race_key) {
                        Some((kind, why)) => (kind, Some(why), false),
                        None => (BackendKind::WebGpu, None, true),
                    },
                }
            }
        };
        let used = Rc::new(Cell::new(wanted));
        let on_event = {
            let used = used.clone();
            move |event: Event| match event {
                Event::Backend(kind, why) => {
                    if race {
                        if let Some(why) = &why {
                            remember_race(&race_key, kind, why);
                        }
                    }
                    used.set(kind);
                    ctx.backend.used.set(Some(kind));
                    ctx.backend.note.set(why.clone().or(passed_over.clone()));
                    if let (BackendChoice::WebGpu, Some(why)) = (choice, why) {
                        ctx.fail(AppError::NoWebGpu(why));
                    }
                }
                Event::Progress(p) => {
                    job.progress.set(p);
                    if let Some(loss) = p.loss {
                        job.losses.update(|l| l.push(loss));
                    }
                }
                Event::Reading(_) => {}
            }
        };
        let outcome = worker::train(
            &spec,
            wanted,
            race,
            &x,
            d,
            forest,
            isolation.as_deref(),
            restore
                .as_ref()
                .map(|f| (&f.detector.weights, f.detector.final_loss)),
            move || job.cancel.get_untracked(),
            on_event,
        )
        .await;
        // The results were copied; the layer is built in a task of its
        // own, so the browser paints and answers input in between.
        yield_now(0).await;
        crate::dom::mark("layer");
        if ctx.generation.get_untracked() != generation {
            return;
        }
        let outcome = match outcome {
            Outcome::Done(scored, grown, inputs, weights) => ctx
                .update_lab(|lab| {
                    // The worker grew the layer's forest and built its
                    // inputs too, so the layer is only assembled here; what
                    // does not fit is built here.
                    if let Some((key, f)) = grown {
                        let _ = lab.session.set_forest(key, f);
                    }
                    // The detector as a host forward pass: what gives the
                    // evidence again, which stayed in the worker.
                    let forward = weights
                        .as_ref()
                        .and_then(|(w, _)| Forward::new(&spec, lab.session.cols(), w).ok());
                    lab.session.attach_from(scored, inputs, forward)?;
                    lab.detector = weights.map(|(weights, final_loss)| TrainedDetector {
                        spec: spec.clone(),
                        weights,
                        final_loss,
                        backend: used.get().label().into(),
                    });
                    if let Some(file) = &restore {
                        lab.session.restore_from_file(file);
                    }
                    if lab.projection == ProjectionKind::Latent {
                        let _ = lab.set_projection(ProjectionKind::Latent);
                    }
                    Ok(())
                })
                .unwrap_or(Ok(()))
                .map_err(AppError::Training),
            // Cancelled: a re-training keeps the earlier scores.
            Outcome::Cancelled => Ok(()),
            Outcome::Failed(e) => Err(AppError::from_training(
                e,
                used.get() == BackendKind::WebGpu,
            )),
        };
        if let Err(e) = outcome {
            let retry = e.retry_on_cpu();
            ctx.fail(e);
            if retry {
                ctx.backend.choice.set(BackendChoice::Cpu);
                job.phase.set(Phase::Idle);
                start_run(ctx, restore.clone());
                return;
            }
        }
        if let Some(file) = &restore {
            if ctx.with_lab(|l| l.session.is_scored()) == Some(true) {
                ctx.apply_view(&file.view);
                job.from_session.set(Some(format!(
                    "from the session file: {} epochs on {}, final loss {:.4}; nothing trained here",
                    file.detector.spec.train.epochs,
                    file.detector.backend,
                    file.detector.final_loss
                )));
                let (n, saved_on, here) = (
                    file.labels.len(),
                    file.detector.backend.clone(),
                    used.get().label(),
                );
                // The saved fit is taken only when the detector's output
                // here is the saved one to the bit (its fingerprint).
                let exact = if n > 0 {
                    ctx.with_lab(|l| l.session.fit_was_taken()).unwrap_or(false)
                } else {
                    saved_on == here
                };
                // The layer's settings here, not the file's, scored it.
                let other_settings = ctx
                    .with_lab(|l| {
                        file.layer.settings.scoring_part()
                            != l.session.active_config().scoring_part()
                    })
                    .unwrap_or(false);
                ctx.messages.notice.set(Some(if other_settings {
                    format!("Session opened: {n} labels. It was saved with other active-layer settings than this page's (an earlier version, or the command line with other flags), so its labels were replayed with this page's settings: the scores and the next questions can differ from the saved ones.")
                } else if exact {
                    format!("Session opened: {n} labels, every score as it was saved (its detector scored the rows again; nothing was trained).")
                } else {
                    format!("Session opened: {n} labels. It was saved on {saved_on} and scored here on {here}; the detector's output differs in its last bits, so the labels were replayed: the scores are close to the saved ones (about a thousandth), not equal.")
                }));
            }
        }
        // The canvas is drawn in tasks of its own, after the layer's; the
        // panels show the scores meanwhile.
        yield_now(0).await;
        crate::dom::mark("draw");
        if ctx.generation.get_untracked() != generation {
            return;
        }
        ctx.version.update(|v| *v += 1);
        ctx.redraw_in_steps().await;
        if ctx.generation.get_untracked() != generation {
            return;
        }
        job.clock.update(|c| c.1 = Some(now_ms()));
        crate::dom::mark("ready");
        let scored = ctx.with_lab(|l| l.session.is_scored()).unwrap_or(false);
        job.phase
            .set(if scored { Phase::Ready } else { Phase::Idle });
        // The ringed suggestion is the selection, so A or N acts on it at
        // once (the rings move; the points stay drawn).
        if scored && ctx.view.selected.get_untracked().is_none() {
            ctx.view.selected.set(ctx.suggestion());
        }
        if scored {
            warm_label_path().await;
        }
    });
}

thread_local! {
    static WARMED: Cell<bool> = const { Cell::new(false) };
}

/// Once per page: runs the label path (the neighbour sums, the fit, the
/// re-score with its region term) on a small made-up layer, a few
/// milliseconds a task, so that the browser has compiled it fully before
/// the first real label. The browser first runs WebAssembly in quickly
/// compiled baseline code and optimises what turns out hot: on a million
/// rows the first label took 246–323 ms against 121–141 for the next ones,
/// and 108 ms once another table had been labelled before. Nothing of the
/// user's is touched.
async fn warm_label_path() {
    if WARMED.with(|w| w.replace(true)) {
        return;
    }
    const ROWS: usize = 4_000;
    const D: usize = 4;
    let features: Vec<f32> = (0..ROWS * D)
        .map(|k| ((k * 7_919) % 1_009) as f32 / 250.0 - 2.0)
        .collect();
    let evidence: Vec<f32> = features.iter().map(|z| z * z).collect();
    yield_now(0).await;
    let mut layer = ActiveLayer::new(&evidence, D, &features, D, ActiveConfig::default());
    let labels: Vec<(usize, bool)> = (0..16).map(|k| (k * 241 % ROWS, k % 3 == 0)).collect();
    for k in 1..=labels.len() {
        yield_now(0).await;
        layer.set_labels(&labels[..k]);
    }
}

thread_local! {
    /// "auto"'s timed choice: the settings' key, the device and the words.
    static RACED: std::cell::RefCell<Option<(String, BackendKind, String)>> =
        const { std::cell::RefCell::new(None) };
}

/// The device "auto" timed as faster for these settings, with its words.
fn raced(key: &str) -> Option<(BackendKind, String)> {
    RACED.with(|r| {
        r.borrow()
            .as_ref()
            .filter(|(k, _, _)| k == key)
            .map(|(_, kind, why)| (*kind, why.clone()))
    })
}

fn remember_race(key: &str, kind: BackendKind, why: &str) {
    RACED.with(|r| *r.borrow_mut() = Some((key.to_string(), kind, why.to_string())));
}

/// Stops the training in flight: the worker ends the run, the earlier
/// scores (if any) stay.
pub fn cancel_training(ctx: Ctx) {
    ctx.job.cancel.set(true);
    worker::cancel_training();
}

/// Plays the expert from the ground truth, `n` queries in the review
/// order, with a pause after each so the page shows it; a second call
/// stops it.
pub fn auto_label(ctx: Ctx, n: usize) {
    let running = ctx.job.auto_running;
    if running.get_untracked() {
        running.set(false);
        return;
    }
    let generation = ctx.generation.get_untracked();
    running.set(true);
    spawn_local(async move {
        for _ in 0..n {
            if ctx.phase() != Phase::Ready
                || !running.get_untracked()
                || ctx.generation.get_untracked() != generation
            {
                break;
            }
            let rule = ctx.view.review.get_untracked();
            let start = now_ms();
            let Some(row) = ctx.update_lab(|l| l.auto_label_next(rule)).flatten() else {
                break;
            };
            ctx.row_label_changed(row, start);
            yield_now(AUTO_LABEL_PAUSE_MS).await;
        }
        running.set(false);
    });
}

/// Reads and parses a chosen or dropped file in a worker, showing how far
/// it has got, then loads it. A file that cannot be used is reported, and
/// a cancelled read changes nothing: the current data (and its labels) stay.
pub fn load_file(ctx: Ctx, file: web_sys::File) {
    spawn_local(async move {
        let name = file.name();
        let size = file.size();
        let notice = ctx.messages.notice;
        let reading = ctx.job.reading;
        let show = {
            let name = name.clone();
            move |p: Option<ParseProgress>| {
                let (text, share) = reading_text(&name, size, p);
                notice.set(Some(text));
                reading.set(Some(share));
            }
        };
        show(None);
        let parsed = worker::parse(&file, move |e| {
            if let Event::Reading(p) = e {
                show(Some(p));
            }
        })
        .await;
        reading.set(None);
        match parsed {
            Parsed::Table(data, pca) => {
                ctx.messages.error.set(None);
                notice.set(None);
                // The new data's panels and lab in a task of their own.
                yield_now(0).await;
                ctx.load(name, data, Some(pca));
            }
            Parsed::Cancelled => notice.set(Some(format!(
                "Stopped reading {name}; the data shown is unchanged."
            ))),
            Parsed::Unreadable(message) => {
                notice.set(None);
                ctx.fail(AppError::File { name, message });
            }
            Parsed::Failed(e) => {
                notice.set(None);
                ctx.fail(AppError::File {
                    name,
                    message: e.to_string(),
                });
            }
        }
    });
}
