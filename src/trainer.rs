//! The page's end of the training worker (`crates/worker`, started from
//! `worker.js`): one dedicated Web Worker, created on first use and kept
//! (its WebGPU device with it) until a run is cancelled, the data changes
//! under a run, or its device is lost; then it is terminated and the next
//! run starts a fresh one. The protocol is written down in the worker's
//! `lib.rs`.

use std::cell::RefCell;

use anomaly_lab_core::detector::wire::BackendKind;
use anomaly_lab_core::detector::{DetectorSpec, Progress, Scored};
use anomaly_lab_core::CoreError;
use js_sys::{Array, Float32Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{MessageEvent, Worker, WorkerOptions, WorkerType};

/// The worker's script, beside index.html.
const WORKER_SCRIPT: &str = "worker.js";

/// What the worker says while it trains.
pub enum Event {
    /// The device it took, and why it is not the one asked for.
    Backend(BackendKind, Option<String>),
    Progress(Progress),
}

/// How a run ended.
pub enum Outcome {
    Done(Scored),
    Failed(CoreError),
    /// [`cancel`] stopped it.
    Cancelled,
}

struct Running {
    worker: Worker,
    /// How to end the page's wait for the run in flight.
    finish: Option<js_sys::Function>,
    /// Kept alive as long as the worker's handlers point at them.
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::ErrorEvent)>,
}

thread_local! {
    static WORKER: RefCell<Option<Running>> = const { RefCell::new(None) };
    static NEXT_JOB: std::cell::Cell<f64> = const { std::cell::Cell::new(1.0) };
}

/// Trains `spec` on `x` (`rows × cols`, standardised) in the worker, on
/// `backend` when the worker can have it; `on_event` sees the device and
/// the progress. One run at a time: a run still in flight is cancelled.
pub async fn train(
    spec: &DetectorSpec,
    backend: BackendKind,
    x: &[f32],
    cols: usize,
    on_event: impl FnMut(Event) + 'static,
) -> Outcome {
    cancel();
    let job = NEXT_JOB.with(|n| {
        let j = n.get();
        n.set(j + 1.0);
        j
    });
    let mut finish = None;
    let done = js_sys::Promise::new(&mut |resolve, _| finish = Some(resolve));
    if let Err(e) = start(job, finish, on_event) {
        return Outcome::Failed(e);
    }
    let table = Float32Array::from(x);
    let message = object(&[
        ("kind", "train".into()),
        ("job", job.into()),
        ("spec", spec.to_wire().into()),
        ("backend", backend.label().into()),
        ("cols", cols.into()),
        ("x", table.clone().into()),
    ]);
    let sent = WORKER.with(|w| match w.borrow().as_ref() {
        Some(r) => r
            .worker
            .post_message_with_transfer(&message, &Array::of1(&table.buffer()))
            .map_err(|e| CoreError::Worker(js_text(&e))),
        None => Err(CoreError::Worker("it did not start".into())),
    });
    if let Err(e) = sent {
        stop_worker();
        return Outcome::Failed(e);
    }
    let end = JsFuture::from(done).await.unwrap_or(JsValue::UNDEFINED);
    let outcome = read_end(&end);
    if let Outcome::Failed(e) = &outcome {
        if e.is_device() || matches!(e, CoreError::Worker(_)) {
            // A lost device stays lost in that worker; a crashed one is gone.
            stop_worker();
        }
    }
    outcome
}

/// Stops the run in flight, if any (the worker is terminated; its wait
/// ends with [`Outcome::Cancelled`]).
pub fn cancel() {
    let finish = WORKER.with(|w| w.borrow_mut().as_mut().and_then(|r| r.finish.take()));
    if let Some(finish) = finish {
        stop_worker();
        let _ = finish.call1(&JsValue::NULL, &object(&[("kind", "cancelled".into())]));
    }
}

fn stop_worker() {
    if let Some(r) = WORKER.with(|w| w.borrow_mut().take()) {
        r.worker.terminate();
    }
}

/// Points the worker (a new one if there is none) at this run.
fn start(
    job: f64,
    finish: Option<js_sys::Function>,
    mut on_event: impl FnMut(Event) + 'static,
) -> Result<(), CoreError> {
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let data = e.data();
        if get(&data, "job").as_f64() != Some(job) {
            return;
        }
        match get(&data, "kind").as_string().as_deref() {
            Some("backend") => {
                let used = get(&data, "used").as_string();
                let used = used.as_deref().and_then(BackendKind::parse);
                if let Some(used) = used {
                    on_event(Event::Backend(used, get(&data, "note").as_string()));
                }
            }
            Some("progress") => on_event(Event::Progress(read_progress(&data))),
            _ => end_run(&data),
        }
    });
    let on_error = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |e: web_sys::ErrorEvent| {
        e.prevent_default();
        let why = CoreError::Worker(format!("it stopped: {}", e.message()));
        end_run(&object(&[
            ("kind", "failed".into()),
            ("error", why.to_wire().into()),
        ]));
    });
    let existing = WORKER.with(|w| w.borrow_mut().take().map(|r| r.worker));
    let worker = match existing {
        Some(w) => w,
        None => {
            let options = WorkerOptions::new();
            options.set_type(WorkerType::Module);
            Worker::new_with_options(WORKER_SCRIPT, &options)
                .map_err(|e| CoreError::Worker(format!("it could not start: {}", js_text(&e))))?
        }
    };
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    WORKER.with(|w| {
        *w.borrow_mut() = Some(Running {
            worker,
            finish,
            _on_message: on_message,
            _on_error: on_error,
        })
    });
    Ok(())
}

/// Ends the page's wait for the current run with `data`.
fn end_run(data: &JsValue) {
    let finish = WORKER.with(|w| w.borrow_mut().as_mut().and_then(|r| r.finish.take()));
    if let Some(f) = finish {
        let _ = f.call1(&JsValue::NULL, data);
    }
}

fn read_end(data: &JsValue) -> Outcome {
    let n = |k: &str| get(data, k).as_f64().unwrap_or(0.0) as usize;
    let floats = |k: &str| {
        get(data, k)
            .dyn_into::<Float32Array>()
            .map(|a| a.to_vec())
            .unwrap_or_default()
    };
    match get(data, "kind").as_string().as_deref() {
        Some("done") => match Scored::from_parts(
            n("rows"),
            n("evidenceDim"),
            get(data, "perFeature").as_bool().unwrap_or(false),
            floats("evidence"),
            floats("score"),
            n("latentDim"),
            floats("latent"),
        ) {
            Ok(s) => Outcome::Done(s),
            Err(e) => Outcome::Failed(e),
        },
        Some("cancelled") => Outcome::Cancelled,
        Some("failed") => Outcome::Failed(CoreError::from_wire(
            &get(data, "error").as_string().unwrap_or_default(),
        )),
        _ => Outcome::Failed(CoreError::Worker(
            "it sent a message the page does not know".into(),
        )),
    }
}

fn read_progress(data: &JsValue) -> Progress {
    let n = |k: &str| get(data, k).as_f64().unwrap_or(0.0) as usize;
    Progress {
        epoch: n("epoch"),
        epochs: n("epochs"),
        step: n("step"),
        total: n("total"),
        loss: get(data, "loss").as_f64().map(|l| l as f32),
    }
}

fn get(o: &JsValue, key: &str) -> JsValue {
    Reflect::get(o, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in fields {
        let _ = Reflect::set(&o, &(*k).into(), v);
    }
    o.into()
}

fn js_text(e: &JsValue) -> String {
    e.as_string()
        .or_else(|| {
            e.dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
        })
        .unwrap_or_else(|| format!("{e:?}"))
}
