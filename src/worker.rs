//! The page's end of its Web Workers (`crates/worker`, started from
//! `worker.js`), so that parsing, training and scoring never hold the
//! page's thread. Two slots, each one dedicated worker running one request
//! at a time:
//!
//! - **training** is created on first use and kept (its WebGPU device with
//!   it) until a run is cancelled, a new one replaces it, or its device is
//!   lost; then it is terminated and the next run starts a fresh one;
//! - **parsing** gets a fresh worker per file, terminated once the table
//!   has arrived, so the file's bytes and the parser's records never stay
//!   in the tab's memory.
//!
//! The protocol is written down in the worker's `lib.rs`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use anomaly_lab_core::active::{ActiveConfig, InputShape, LayerInputs};
use anomaly_lab_core::data::{ParseProgress, Prepared};
use anomaly_lab_core::detector::wire::BackendKind;
use anomaly_lab_core::detector::{DetectorSpec, DetectorWeights, Progress, Scored};
use anomaly_lab_core::forest::{Forest, ForestKey, ForestModel};
use anomaly_lab_core::CoreError;
use js_sys::{Array, Float32Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{MessageEvent, Worker, WorkerOptions, WorkerType};

/// The workers' script, beside index.html.
const WORKER_SCRIPT: &str = "worker.js";

/// What a worker says while it works.
pub enum Event {
    /// The device training took, and why it is not the one asked for.
    Backend(BackendKind, Option<String>),
    Progress(Progress),
    Reading(ParseProgress),
}

/// How a training run ended.
pub enum Outcome {
    /// The detector's results, the isolation forest when it was asked for
    /// (a forest that does not fit is dropped: the page grows its own), and
    /// the active layer's inputs (ones that do not fit are set aside: the
    /// page builds its own), and the detector's weights with its final
    /// loss (for a session file; none when they did not arrive whole).
    Done(
        Scored,
        Option<(ForestKey, Forest)>,
        Option<LayerInputs>,
        Option<(DetectorWeights, f32)>,
    ),
    Failed(CoreError),
    /// [`cancel_training`] stopped it, or another run replaced it.
    Cancelled,
}

/// How reading a file ended.
pub enum Parsed {
    /// The standardised table and its PCA coordinates.
    Table(Prepared, Vec<f32>),
    /// The file is not a table the page can use, in the parser's words.
    Unreadable(String),
    /// The worker failed (not the file's fault).
    Failed(CoreError),
    Cancelled,
}

#[derive(Clone, Copy)]
enum Slot {
    Training,
    Parsing,
    /// The isolation forest, grown beside a training run.
    Forest,
}

struct Busy {
    worker: Worker,
    /// How to end the page's wait for the request in flight.
    finish: Option<js_sys::Function>,
    /// Kept alive as long as the worker's handlers point at them.
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::ErrorEvent)>,
}

thread_local! {
    static TRAINING: RefCell<Option<Busy>> = const { RefCell::new(None) };
    static PARSING: RefCell<Option<Busy>> = const { RefCell::new(None) };
    static FOREST: RefCell<Option<Busy>> = const { RefCell::new(None) };
    /// Counts training runs, so a forest grown for one is never sent to
    /// the next.
    static RUNS: Cell<u64> = const { Cell::new(0) };
    static NEXT_JOB: Cell<f64> = const { Cell::new(1.0) };
}

fn with_slot<R>(slot: Slot, f: impl FnOnce(&mut Option<Busy>) -> R) -> R {
    match slot {
        Slot::Training => TRAINING.with(|s| f(&mut s.borrow_mut())),
        Slot::Parsing => PARSING.with(|s| f(&mut s.borrow_mut())),
        Slot::Forest => FOREST.with(|s| f(&mut s.borrow_mut())),
    }
}

/// Trains `spec` on `x` (`rows × cols`, standardised) in the training
/// worker, on `backend` when the worker can have it (with `race`, "auto":
/// the worker times WebGPU against the CPU and keeps the faster); `on_event`
/// sees the device and the progress. The table is copied out in steps;
/// `cancelled`, asked once it is, ends the run before the worker gets it.
/// A run still in flight is cancelled first. The `forest` the layer still
/// needs grows in a third worker meanwhile (on a second core where there
/// is one: 1.7 s of a 9 s run on donors.csv), and its scores go to the
/// training worker for the layer's inputs.
#[allow(clippy::too_many_arguments)]
pub async fn train(
    spec: &DetectorSpec,
    backend: BackendKind,
    race: bool,
    x: &[f32],
    cols: usize,
    forest: Option<ForestKey>,
    isolation: Option<&[f32]>,
    weights: Option<(&DetectorWeights, f32)>,
    cancelled: impl Fn() -> bool,
    mut on_event: impl FnMut(Event) + 'static,
) -> Outcome {
    let used = Rc::new(Cell::new(None));
    let on_event = {
        let used = used.clone();
        move |e: Event| {
            if let Event::Backend(b, _) = &e {
                used.set(Some(*b));
            }
            on_event(e)
        }
    };
    let table = to_js_in_steps(x).await;
    // Stopped while the table was copied: no worker was asked yet.
    if cancelled() {
        return Outcome::Cancelled;
    }
    crate::dom::mark("train");
    let run = RUNS.with(|r| {
        r.set(r.get() + 1);
        r.get()
    });
    let beside = Rc::new(RefCell::new(None));
    if let Some(key) = forest {
        // A copy of its own: the training worker takes the table.
        let copy = Float32Array::new(&table);
        spawn_local(grow_beside(copy, cols, key, run, beside.clone()));
    }
    let forest_key = forest.map_or(JsValue::NULL, |k| k.to_wire().into());
    let isolation = isolation.map(Float32Array::from);
    let transfer = Array::of1(&table.buffer());
    if let Some(i) = &isolation {
        transfer.push(&i.buffer());
    }
    let end = request(
        Slot::Training,
        &[
            ("kind", "train".into()),
            ("spec", spec.to_wire().into()),
            ("backend", backend.label().into()),
            ("cols", cols.into()),
            ("x", table.clone().into()),
            ("forest", forest_key),
            ("isolation", isolation.map_or(JsValue::NULL, JsValue::from)),
            ("forestBeside", forest.is_some().into()),
            ("race", race.into()),
            (
                "weights",
                weights.map_or(JsValue::UNDEFINED, |(w, _)| w.to_json().into()),
            ),
            (
                "loss",
                weights.map_or(JsValue::UNDEFINED, |(_, l)| l.into()),
            ),
        ],
        transfer,
        on_event,
    )
    .await;
    // A forest still growing is this run's, and goes with it.
    cancel(Slot::Forest);
    // From here to ready the page lands the results (the browser tests'
    // timeline starts that part at this mark).
    crate::dom::mark("results");
    let outcome = match end {
        Err(e) => Outcome::Failed(e),
        Ok(data) => match kind(&data).as_deref() {
            Some("done") => {
                // The largest arrays first: the page's memory is kept at
                // its peak, and small ones fill the gaps the large leave.
                // Each is copied in a task of its own (tens of megabytes on
                // a million rows), with the browser's event loop between.
                let inputs = floats_in_steps(&data, "inputs").await;
                let mut inputs = get(&data, "inputsShape")
                    .as_string()
                    .and_then(|t| InputShape::from_wire(&t))
                    .and_then(|shape| LayerInputs::from_parts(shape, inputs));
                crate::dom::yield_now(0).await;
                // The layer's passes over every row before its first
                // label, each in a task of its own (the page's layers have
                // the default settings, as the worker's inputs).
                if let Some(i) = &mut inputs {
                    let config = ActiveConfig::default();
                    while !i.settle(&config) {
                        crate::dom::yield_now(0).await;
                    }
                }
                crate::dom::yield_now(0).await;
                // The forest grew beside the run, or in the training
                // worker when that failed.
                let beside = beside.borrow_mut().take();
                let grown = match (forest, beside) {
                    (_, Some(grown)) => Some(grown),
                    (Some(key), None) => read_forest(&get(&data, "forest")).await.map(|f| (key, f)),
                    (None, None) => None,
                };
                crate::dom::yield_now(0).await;
                let weights = get(&data, "weights")
                    .as_string()
                    .and_then(|t| DetectorWeights::from_json(&t).ok())
                    .map(|w| (w, get(&data, "loss").as_f64().unwrap_or(f64::NAN) as f32));
                let evidence = floats_in_steps(&data, "evidence").await;
                Scored::from_parts(
                    count(&data, "rows"),
                    count(&data, "evidenceDim"),
                    get(&data, "perFeature").as_bool().unwrap_or(false),
                    evidence,
                    floats(&data, "score"),
                    count(&data, "latentDim"),
                    floats(&data, "latent"),
                )
                .map_or_else(Outcome::Failed, |s| {
                    Outcome::Done(s, grown, inputs, weights)
                })
            }
            Some("cancelled") => Outcome::Cancelled,
            Some("failed") => Outcome::Failed(CoreError::from_wire(
                &get(&data, "error").as_string().unwrap_or_default(),
            )),
            _ => Outcome::Failed(unknown()),
        },
    };
    // The WebGPU device is kept for the next run; a CPU worker is not worth
    // its memory (a WebAssembly module never gives back what it grew to:
    // about 190 MB after donors.csv), and starts again in a fraction of a
    // second. A lost device stays lost in its worker; a crashed one is gone.
    let broken = matches!(&outcome, Outcome::Failed(e) if e.is_device() || matches!(e, CoreError::Worker(_)));
    if broken || used.get() != Some(BackendKind::WebGpu) {
        stop(Slot::Training);
    }
    outcome
}

/// Grows the forest `key` asks for on `table` (`rows × cols`) in its own
/// worker, keeps it in `grown` and sends its scores to the training worker
/// for run `run`; when it fails, sends none, and the training worker grows
/// the forest itself. A run stopped meanwhile gets nothing.
async fn grow_beside(
    table: Float32Array,
    cols: usize,
    key: ForestKey,
    run: u64,
    grown: Rc<RefCell<Option<(ForestKey, Forest)>>>,
) {
    let transfer = Array::of1(&table.buffer());
    let end = request(
        Slot::Forest,
        &[
            ("kind", "forest".into()),
            ("forest", key.to_wire().into()),
            ("cols", cols.into()),
            ("x", table.into()),
        ],
        transfer,
        |_| {},
    )
    .await;
    stop(Slot::Forest);
    let forest = match &end {
        Ok(data) if kind(data).as_deref() == Some("grown") => {
            read_forest(&get(data, "forest")).await
        }
        Ok(data) if kind(data).as_deref() == Some("cancelled") => return,
        _ => None,
    };
    if RUNS.with(Cell::get) != run {
        return;
    }
    let scores = forest.as_ref().map(|f| Float32Array::from(f.scores()));
    let transfer = Array::new();
    if let Some(s) = &scores {
        transfer.push(&s.buffer());
    }
    *grown.borrow_mut() = forest.map(|f| (key, f));
    let message = object(&[
        ("kind", "isolation".into()),
        ("scores", scores.map_or(JsValue::NULL, JsValue::from)),
    ]);
    let busy = with_slot(Slot::Training, |s| s.as_ref().map(|b| b.worker.clone()));
    if let Some(w) = busy {
        let _ = w.post_message_with_transfer(&message, &transfer);
    }
}

/// Reads and parses `file` in a fresh worker; `on_event` sees how far it
/// has got. A read still in flight is cancelled first.
pub async fn parse(file: &web_sys::File, mut on_event: impl FnMut(Event) + 'static) -> Parsed {
    let end = request(
        Slot::Parsing,
        &[("kind", "parse".into()), ("file", file.into())],
        Array::new(),
        move |e| {
            // The training worker loads its module while the file is
            // parsed (once the parse worker has its own: both at once
            // slowed each).
            start_spare();
            on_event(e)
        },
    )
    .await;
    // Its memory (the bytes, the records) goes with it.
    stop(Slot::Parsing);
    let data = match end {
        Ok(d) => d,
        Err(e) => return Parsed::Failed(e),
    };
    match kind(&data).as_deref() {
        Some("table") => {
            // The table (40 MB on a million rows) lands in steps, after
            // the message's own task.
            crate::dom::yield_now(0).await;
            crate::dom::mark("parsed");
            let x = floats_in_steps(&data, "x").await;
            crate::dom::yield_now(0).await;
            let truth = get(&data, "truth")
                .dyn_into::<Uint8Array>()
                .ok()
                .map(|t| take_u8(&t).into_iter().map(|b| b == 1).collect());
            let meta = get(&data, "meta").as_string().unwrap_or_default();
            let pca = floats(&data, "pca");
            crate::dom::yield_now(0).await;
            Prepared::from_wire(&meta, x, truth)
                .map_or_else(Parsed::Failed, |t| Parsed::Table(t, pca))
        }
        Some("unreadable") => {
            Parsed::Unreadable(get(&data, "message").as_string().unwrap_or_default())
        }
        Some("cancelled") => Parsed::Cancelled,
        Some("failed") => Parsed::Failed(CoreError::from_wire(
            &get(&data, "error").as_string().unwrap_or_default(),
        )),
        _ => Parsed::Failed(unknown()),
    }
}

/// Stops the training run in flight, if any; its wait ends with
/// [`Outcome::Cancelled`].
pub fn cancel_training() {
    cancel(Slot::Training);
}

/// Stops reading the file in flight, if any; its wait ends with
/// [`Parsed::Cancelled`].
pub fn cancel_parsing() {
    cancel(Slot::Parsing);
}

fn cancel(slot: Slot) {
    let finish = with_slot(slot, |s| s.as_mut().and_then(|b| b.finish.take()));
    if let Some(finish) = finish {
        stop(slot);
        let _ = finish.call1(&JsValue::NULL, &object(&[("kind", "cancelled".into())]));
    }
}

fn stop(slot: Slot) {
    if let Some(b) = with_slot(slot, Option::take) {
        b.worker.terminate();
    }
}

/// Sends one request to `slot`'s worker (a new one if it has none) and
/// waits for its last message; `on_event` gets the ones before it.
async fn request(
    slot: Slot,
    fields: &[(&str, JsValue)],
    transfer: Array,
    mut on_event: impl FnMut(Event) + 'static,
) -> Result<JsValue, CoreError> {
    cancel(slot);
    let job = NEXT_JOB.with(|n| {
        let j = n.get();
        n.set(j + 1.0);
        j
    });
    let mut finish = None;
    let done = js_sys::Promise::new(&mut |resolve, _| finish = Some(resolve));
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let data = e.data();
        if get(&data, "job").as_f64() != Some(job) {
            return;
        }
        match read_event(&data) {
            Some(event) => on_event(event),
            None => end(slot, &data),
        }
    });
    let on_error = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |e: web_sys::ErrorEvent| {
        e.prevent_default();
        let why = CoreError::Worker(format!("it stopped: {}", e.message()));
        end(
            slot,
            &object(&[("kind", "failed".into()), ("error", why.to_wire().into())]),
        );
    });
    let worker = match with_slot(slot, |s| s.take().map(|b| b.worker)) {
        Some(w) => w,
        None => fresh_worker()?,
    };
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let mut message = fields.to_vec();
    message.push(("job", job.into()));
    let sent = worker.post_message_with_transfer(&object(&message), &transfer);
    with_slot(slot, |s| {
        *s = Some(Busy {
            worker,
            finish,
            _on_message: on_message,
            _on_error: on_error,
        })
    });
    if let Err(e) = sent {
        stop(slot);
        return Err(CoreError::Worker(crate::dom::js_error(&e)));
    }
    Ok(JsFuture::from(done).await.unwrap_or(JsValue::UNDEFINED))
}

thread_local! {
    /// A worker started ahead of need, its module loaded: starting one
    /// (fetching and compiling the module) takes about 300 ms. One is
    /// started while a file is read, for the training that follows; none is
    /// kept idle (an idle worker holds about 50 MB of the tab's memory).
    static SPARE: RefCell<Option<Worker>> = const { RefCell::new(None) };
}

/// A new worker: the spare when there is one.
fn fresh_worker() -> Result<Worker, CoreError> {
    match SPARE.with(|s| s.borrow_mut().take()) {
        Some(w) => Ok(w),
        None => start_worker(),
    }
}

/// Starts the spare worker, when there is none yet.
fn start_spare() {
    if SPARE.with(|s| s.borrow().is_none()) {
        let spare = start_worker().ok();
        SPARE.with(|s| *s.borrow_mut() = spare);
    }
}

fn start_worker() -> Result<Worker, CoreError> {
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Module);
    Worker::new_with_options(WORKER_SCRIPT, &options)
        .map_err(|e| CoreError::Worker(format!("it could not start: {}", crate::dom::js_error(&e))))
}

/// Ends the page's wait for `slot`'s request with `data`.
fn end(slot: Slot, data: &JsValue) {
    if let Some(f) = with_slot(slot, |s| s.as_mut().and_then(|b| b.finish.take())) {
        let _ = f.call1(&JsValue::NULL, data);
    }
}

/// A message that is news on the way, not the end.
fn read_event(data: &JsValue) -> Option<Event> {
    Some(match kind(data).as_deref()? {
        "backend" => {
            let used = get(data, "used").as_string();
            Event::Backend(
                used.as_deref().and_then(BackendKind::parse)?,
                get(data, "note").as_string(),
            )
        }
        "progress" => Event::Progress(Progress {
            epoch: count(data, "epoch"),
            epochs: count(data, "epochs"),
            step: count(data, "step"),
            total: count(data, "total"),
            loss: get(data, "loss").as_f64().map(|l| l as f32),
        }),
        "reading" => Event::Reading(ParseProgress::Reading {
            bytes: count(data, "bytes"),
            total_bytes: count(data, "totalBytes"),
            rows: count(data, "rows"),
        }),
        "columns" => Event::Reading(ParseProgress::Columns {
            done: count(data, "done"),
            total: count(data, "total"),
        }),
        _ => return None,
    })
}

/// The forest the worker grew: `{leaves, scores, paths}`; the leaves (a
/// byte a row and tree: 100 MB on a million rows) copied in steps.
async fn read_forest(o: &JsValue) -> Option<Forest> {
    let leaves = get(o, "leaves").dyn_into::<Uint8Array>().ok()?;
    let leaves = {
        let a = &leaves;
        let v = in_steps(a.length(), |s, e, to| a.subarray(s, e).copy_to(to)).await;
        release(&a.buffer());
        v
    };
    crate::dom::yield_now(0).await;
    let scores = floats(o, "scores");
    let paths = get(o, "paths")
        .dyn_into::<js_sys::Uint32Array>()
        .ok()?
        .to_vec();
    let mut forest = Forest::from_wire(leaves, scores, &paths)?;
    // The trees, for the session file's scoring model; a forest without
    // them still serves the layer (the file then has no model).
    let ints = get(o, "treeInts").dyn_into::<js_sys::Uint32Array>().ok();
    if let Some(ints) = ints {
        let model = ForestModel::from_wire(&ints.to_vec(), &floats(o, "treeFloats"), usize::MAX);
        if let Some(model) = model {
            forest.set_model(model);
        }
    }
    Some(forest)
}

fn unknown() -> CoreError {
    CoreError::Worker("it sent a message the page does not know".into())
}

fn kind(data: &JsValue) -> Option<String> {
    get(data, "kind").as_string()
}

fn count(data: &JsValue, key: &str) -> usize {
    get(data, key).as_f64().map_or(0, |v| v.max(0.0) as usize)
}

fn floats(data: &JsValue, key: &str) -> Vec<f32> {
    get(data, key)
        .dyn_into::<Float32Array>()
        .map(|a| take_f32(&a))
        .unwrap_or_default()
}

/// The bytes copied in one task at most: about 10 ms with the page's
/// fresh memory touched for the first time.
const COPY_STEP_BYTES: usize = 16 << 20;

/// [`floats`] for the largest arrays (over a hundred megabytes on a
/// million rows).
async fn floats_in_steps(data: &JsValue, key: &str) -> Vec<f32> {
    match get(data, key).dyn_into::<Float32Array>() {
        Ok(a) => {
            let len = a.length();
            let v = in_steps(len, |s, e, to| a.subarray(s, e).copy_to(to)).await;
            release(&a.buffer());
            v
        }
        Err(_) => Vec::new(),
    }
}

/// A typed array of `len` values copied into the page's memory
/// [`COPY_STEP_BYTES`] at a time by `copy(start, end, into)`, each step a
/// task of its own, so the page answers input in between. Empty when the
/// memory cannot be had (the caller's checks then say the results do not
/// fit).
async fn in_steps<T: Copy + Default>(len: u32, copy: impl Fn(u32, u32, &mut [T])) -> Vec<T> {
    let mut v = Vec::new();
    if v.try_reserve_exact(len as usize).is_err() {
        return Vec::new();
    }
    let step = (COPY_STEP_BYTES / std::mem::size_of::<T>().max(1)) as u32;
    let mut start = 0;
    while start < len {
        let end = len.min(start.saturating_add(step));
        let at = v.len();
        v.resize(at + (end - start) as usize, T::default());
        copy(start, end, &mut v[at..]);
        start = end;
        if start < len {
            crate::dom::yield_now(0).await;
        }
    }
    v
}

/// The table copied out of the page's memory for the worker
/// [`COPY_STEP_BYTES`] at a time (40 MB on a million rows), each step a
/// task of its own.
async fn to_js_in_steps(x: &[f32]) -> Float32Array {
    let step = COPY_STEP_BYTES / std::mem::size_of::<f32>();
    let table = Float32Array::new_with_length(x.len() as u32);
    for (k, part) in x.chunks(step).enumerate() {
        if k > 0 {
            crate::dom::yield_now(0).await;
        }
        let at = (k * step) as u32;
        table.subarray(at, at + part.len() as u32).copy_from(part);
    }
    table
}

/// A typed array's values, copied into the page's memory; the array's
/// buffer is then freed at once ([`release`]).
fn take_f32(a: &Float32Array) -> Vec<f32> {
    let v = a.to_vec();
    release(&a.buffer());
    v
}

fn take_u8(a: &Uint8Array) -> Vec<u8> {
    let v = a.to_vec();
    release(&a.buffer());
    v
}

/// Frees an array buffer that a worker sent, once its values are copied:
/// `transfer(0)` detaches it, which gives its memory back now. Left to the
/// collector, a million rows' arrays (tens of megabytes each) stayed in
/// the tab long after they were read. Browsers without `transfer` leave it
/// to the collector.
fn release(buffer: &js_sys::ArrayBuffer) {
    if let Ok(f) = get(buffer, "transfer").dyn_into::<js_sys::Function>() {
        let _ = f.call1(buffer, &JsValue::from(0));
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
