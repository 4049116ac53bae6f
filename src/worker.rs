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
//! Each worker runs one of the worker crate's two modules ([`Module`]):
//! the CPU one, or the one that adds WebGPU, fetched only when a run
//! trains on WebGPU. A browser without a hardware GPU never downloads it.
//!
//! The protocol is written down in the worker's `lib.rs`.

mod message;
mod train;

use message::*;
pub use train::train;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use anomaly_lab_core::active::{ActiveConfig, InputShape, LayerInputs};
use anomaly_lab_core::data::{ParseProgress, Prepared};
use anomaly_lab_core::detector::wire::BackendKind;
use anomaly_lab_core::detector::{DetectorSpec, DetectorWeights, Progress, Scored};
use anomaly_lab_core::forest::{Forest, ForestKey, ForestModel, LeavesReader};
use anomaly_lab_core::CoreError;
use js_sys::{Array, Float32Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{MessageEvent, Worker, WorkerOptions, WorkerType};

/// Which of the worker crate's two builds a worker runs (`worker.js`
/// loads the one its URL names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Module {
    /// burn's CPU backend only: parsing, forests, training on the CPU.
    Cpu,
    /// The CPU's and WebGPU's backends: about four times the download.
    Gpu,
}

impl Module {
    /// The module a run on `backend` needs.
    pub fn for_backend(backend: BackendKind) -> Self {
        match backend {
            BackendKind::Cpu => Self::Cpu,
            BackendKind::WebGpu => Self::Gpu,
        }
    }

    /// The worker's script for this module, beside index.html.
    fn script(self) -> &'static str {
        match self {
            Self::Cpu => "worker.js",
            Self::Gpu => "worker.js?gpu",
        }
    }

    /// Whether a worker running this module can take work that needs
    /// `need` (the WebGPU module holds the CPU's backend too).
    fn serves(self, need: Module) -> bool {
        self == Self::Gpu || need == Self::Cpu
    }
}

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
    module: Module,
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

/// Reads and parses `file` in a fresh worker; `on_event` sees how far it
/// has got. A read still in flight is cancelled first.
pub async fn parse(file: &web_sys::File, mut on_event: impl FnMut(Event) + 'static) -> Parsed {
    let end = request(
        Slot::Parsing,
        Module::Cpu,
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

/// Sends one request to `slot`'s worker (a new one if it has none, or
/// one whose module cannot do what `need` says) and waits for its last
/// message; `on_event` gets the ones before it.
async fn request(
    slot: Slot,
    need: Module,
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
    let kept = with_slot(slot, Option::take).map(|b| (b.worker, b.module));
    let (worker, module) = match if_serves(kept, need) {
        Some(w) => w,
        None => fresh_worker(need)?,
    };
    let mut finish = None;
    let done = js_sys::Promise::new(&mut |resolve, _| finish = Some(resolve));
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let data = e.data();
        if get(&data, "job").as_f64() != Some(job) {
            return;
        }
        // worker.js could not start its module (`noModule`).
        if module == Module::Gpu && get(&data, "noModule").as_bool() == Some(true) {
            gpu_module_failed();
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
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let mut message = fields.to_vec();
    message.push(("job", job.into()));
    let sent = worker.post_message_with_transfer(&object(&message), &transfer);
    with_slot(slot, |s| {
        *s = Some(Busy {
            worker,
            module,
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
    static SPARE: RefCell<Option<(Worker, Module)>> = const { RefCell::new(None) };
    /// Whether a worker with the WebGPU module has been started (and its
    /// module did not fail): once the browser has that module, every worker
    /// runs it, so the CPU module is not fetched as well.
    static GPU_FETCHED: Cell<bool> = const { Cell::new(false) };
}

/// The module a new worker for `need` runs: the WebGPU one where the
/// browser has it already.
fn module_for(need: Module) -> Module {
    if need == Module::Gpu || GPU_FETCHED.with(Cell::get) {
        Module::Gpu
    } else {
        Module::Cpu
    }
}

/// The WebGPU module could not start: new workers run the CPU module
/// again (the page's retry on the CPU among them), and a spare with the
/// WebGPU module goes.
fn gpu_module_failed() {
    GPU_FETCHED.with(|g| g.set(false));
    let spare = SPARE.with(|s| s.borrow_mut().take_if(|(_, m)| *m == Module::Gpu));
    if let Some((w, _)) = spare {
        w.terminate();
    }
}

/// `worker` when its module serves `need`; otherwise it is terminated.
fn if_serves(worker: Option<(Worker, Module)>, need: Module) -> Option<(Worker, Module)> {
    match worker {
        Some((w, m)) if m.serves(need) => Some((w, m)),
        Some((w, _)) => {
            w.terminate();
            None
        }
        None => None,
    }
}

/// A new worker for `need`: the spare when its module serves it.
fn fresh_worker(need: Module) -> Result<(Worker, Module), CoreError> {
    match if_serves(SPARE.with(|s| s.borrow_mut().take()), need) {
        Some(w) => Ok(w),
        None => start_worker(module_for(need)),
    }
}

/// Starts the spare worker, when there is none yet.
fn start_spare() {
    if SPARE.with(|s| s.borrow().is_none()) {
        let spare = start_worker(module_for(Module::Cpu)).ok();
        SPARE.with(|s| *s.borrow_mut() = spare);
    }
}

fn start_worker(module: Module) -> Result<(Worker, Module), CoreError> {
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Module);
    let worker = Worker::new_with_options(module.script(), &options).map_err(|e| {
        CoreError::Worker(format!("it could not start: {}", crate::dom::js_error(&e)))
    })?;
    if module == Module::Gpu {
        GPU_FETCHED.with(|g| g.set(true));
    }
    Ok((worker, module))
}

/// Ends the page's wait for `slot`'s request with `data`.
fn end(slot: Slot, data: &JsValue) {
    if let Some(f) = with_slot(slot, |s| s.as_mut().and_then(|b| b.finish.take())) {
        let _ = f.call1(&JsValue::NULL, data);
    }
}
