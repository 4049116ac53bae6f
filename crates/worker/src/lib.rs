//! The training worker: the page's detector runs here, in a dedicated Web
//! Worker, so the page's thread only draws and answers input.
//!
//! The crate is built twice (`scripts/setup.sh`): without the `gpu`
//! feature it is `anomaly_lab_worker`, the CPU module, which parses, grows
//! forests and trains on the CPU; with it, `anomaly_lab_worker_gpu`, which
//! adds burn's WebGPU backend and is fetched only for runs on WebGPU.
//! `public/worker.js` starts one of them and hands every message to
//! `handle`. The protocol (both ends are ours; see `src/worker.rs`):
//!
//! - page → worker: `{kind: "train", job, spec, backend, cols, x, forest}`:
//!   the settings as `DetectorSpec::to_wire` text, `"WebGPU"` or `"CPU"`,
//!   the standardised table as a `Float32Array` (transferred), the
//!   isolation forest the active layer still needs (`ForestKey::to_wire`
//!   text) or null, `isolation`, the scores of the forest the page
//!   already has (a `Float32Array`) or null, `forestBeside`: the forest
//!   grows in another worker meanwhile, and its scores come later as
//!   `{kind: "isolation", scores}` (a `Float32Array`, or null when that
//!   failed: the forest is then grown here), and `race`: "auto" with a
//!   hardware GPU, so the worker times a few steps on each device and
//!   trains on the faster (its `backend` message says which, and why);
//!   with `weights` (`DetectorWeights::to_json` text, from a session
//!   file) and `loss`, it trains nothing: the detector is rebuilt from
//!   them and scores every row, and the rest is as after training;
//!   or `{kind: "forest", job, forest, cols, x}`: grow that forest on the
//!   table (transferred), beside a training run in another worker;
//!   or `{kind: "parse", job, file}`: a `File` the user chose, read and
//!   parsed here, so the page never holds its bytes;
//! - worker → page, each with the `job` it is about:
//!   `{kind: "backend", used, note}` once the device is chosen,
//!   `{kind: "progress", epoch, epochs, step, total, loss}` at most every
//!   [`PROGRESS_MS`] and after each epoch,
//!   `{kind: "done", rows, evidenceDim, perFeature, score, latentDim,
//!   latent, loss, weights, forest, inputs, inputsShape}` (the trained
//!   weights as `DetectorWeights::to_json` text; the evidence stays here:
//!   the layer's inputs are built from it, and the page computes it again
//!   from the weights only if it needs it) with the arrays
//!   transferred (the forest, when asked for, as `{leaves, scores, paths}`:
//!   `Forest`'s wire arrays, grown here so the page's thread does not; the
//!   active layer's inputs, `LayerInputs`, built here for the same reason,
//!   with their `InputShape::to_wire` text), or
//!   `{kind: "failed", error}` with `CoreError::to_wire` text;
//!   for a forest, `{kind: "grown", forest}` (the same `{leaves, scores,
//!   paths}`);
//!   for a parse, `{kind: "reading", bytes, totalBytes, rows}` and
//!   `{kind: "columns", done, total}` at most every [`PROGRESS_MS`], then
//!   `{kind: "table", meta, x, pca, truth}` (`Prepared::wire_meta` text,
//!   the standardised values and their PCA coordinates as `Float32Array`s
//!   and the ground truth as a `Uint8Array` or null, transferred) or
//!   `{kind: "unreadable", message}`, the parser's words for the user.
//!
//! Cancelling is the page's `terminate()`: nothing here needs to poll.

#[cfg(target_arch = "wasm32")]
mod backend;

#[cfg(target_arch = "wasm32")]
pub use worker::handle;

/// The shortest gap between two progress messages, in milliseconds.
pub const PROGRESS_MS: f64 = 50.0;

/// Training steps between two reads of the clock for progress messages.
pub const CLOCK_STEPS: usize = 16;

#[cfg(target_arch = "wasm32")]
mod worker {
    use std::cell::Cell;

    use anomaly_lab_core::active::{ActiveConfig, LayerInputs};
    use anomaly_lab_core::data::{parse_csv_with, LoadOptions, ParseProgress, Prepared};
    use anomaly_lab_core::detector::wire::BackendKind;
    use anomaly_lab_core::detector::{
        fit_and_score, score_with_weights, DetectorSpec, DetectorWeights, Fitted, Progress,
    };
    use anomaly_lab_core::forest::{Forest, ForestKey, ForestModel};
    use anomaly_lab_core::projection::pca_2d;
    use anomaly_lab_core::CoreError;
    use js_sys::{Array, Float32Array, Object, Reflect, Uint8Array};
    use wasm_bindgen::prelude::*;

    use crate::backend;

    #[wasm_bindgen(start)]
    pub fn start() {
        console_error_panic_hook::set_once();
    }

    /// One message from the page. A message that is not a training request
    /// is answered with a failure, never a panic.
    #[wasm_bindgen]
    pub fn handle(message: JsValue) {
        let job = get(&message, "job").as_f64().unwrap_or(-1.0);
        match get(&message, "kind").as_string().as_deref() {
            Some("parse") => {
                wasm_bindgen_futures::spawn_local(parse(job, get(&message, "file")));
                return;
            }
            Some("forest") => {
                grow(job, &message);
                return;
            }
            Some("isolation") => {
                isolation::arrived(message);
                return;
            }
            _ => {}
        }
        match request(&message, job) {
            Ok(run) => {
                // Scores sent for an earlier run are not this one's. Cleared
                // here, as the request arrives, not in the run's task: a
                // worker still loading its module is handed the request and
                // this run's scores in one go, and a clear in the task
                // (a microtask later) dropped the scores that had come
                // meanwhile; the run then waited for them for ever (the
                // page stayed "training", about one page in thirty).
                isolation::clear();
                wasm_bindgen_futures::spawn_local(train(run));
            }
            Err(e) => fail(job, &e),
        }
    }

    /// A training request, checked.
    fn request(m: &JsValue, job: f64) -> Result<Run, CoreError> {
        let bad = |what: &str| CoreError::Worker(format!("the page's request has no {what}"));
        if get(m, "kind").as_string().as_deref() != Some("train") {
            return Err(bad("known kind"));
        }
        let spec = get(m, "spec").as_string().ok_or_else(|| bad("settings"))?;
        let spec = DetectorSpec::from_wire(&spec)?;
        let wanted = get(m, "backend")
            .as_string()
            .and_then(|b| BackendKind::parse(&b))
            .ok_or_else(|| bad("backend"))?;
        let cols = columns(m).ok_or_else(|| bad("column count"))?;
        let x = table(m).ok_or_else(|| bad("table"))?;
        Ok(Run {
            job,
            spec,
            wanted,
            cols,
            x,
            forest: get(m, "forest")
                .as_string()
                .and_then(|k| ForestKey::from_wire(&k)),
            isolation: get(m, "isolation")
                .dyn_into::<Float32Array>()
                .ok()
                .map(|a| a.to_vec()),
            forest_beside: get(m, "forestBeside").as_bool().unwrap_or(false),
            race: get(m, "race").as_bool().unwrap_or(false),
            weights: match get(m, "weights").as_string() {
                Some(text) => Some((
                    DetectorWeights::from_json(&text)?,
                    get(m, "loss").as_f64().unwrap_or(f64::NAN) as f32,
                )),
                None => None,
            },
        })
    }

    /// A request's column count (`cols`): a whole number, at least 1.
    fn columns(m: &JsValue) -> Option<usize> {
        get(m, "cols")
            .as_f64()
            .filter(|c| *c >= 1.0 && c.fract() == 0.0)
            .map(|c| c as usize)
    }

    /// A request's table (`x`), copied out of its `Float32Array`.
    fn table(m: &JsValue) -> Option<Vec<f32>> {
        get(m, "x")
            .dyn_into::<Float32Array>()
            .ok()
            .map(|a| a.to_vec())
    }

    /// One training request.
    struct Run {
        job: f64,
        spec: DetectorSpec,
        wanted: BackendKind,
        cols: usize,
        x: Vec<f32>,
        /// The forest to grow for the layer, when the page has none yet.
        forest: Option<ForestKey>,
        /// The isolation scores of the forest the page has.
        isolation: Option<Vec<f32>>,
        /// The forest grows in another worker meanwhile: its scores come
        /// as an `isolation` message (none: grow `forest` here after all).
        forest_beside: bool,
        /// "auto" with a hardware GPU: time both devices, keep the faster.
        race: bool,
        /// A session file's weights and final loss: score with them, no
        /// training.
        weights: Option<(DetectorWeights, f32)>,
    }

    async fn train(run: Run) {
        let (job, spec, cols, x) = (run.job, &run.spec, run.cols, &run.x);
        let (used, device, note) =
            if run.race && run.wanted == BackendKind::WebGpu && run.weights.is_none() {
                backend::race(spec, x, cols, now_ms).await
            } else {
                backend::device(run.wanted).await
            };
        post(
            job,
            "backend",
            &[
                ("used", used.label().into()),
                ("note", note.map_or(JsValue::NULL, JsValue::from)),
            ],
            &[],
        );
        let last = Cell::new(f64::NEG_INFINITY);
        let result = if let Some((weights, loss)) = &run.weights {
            score_with_weights(spec, weights, *loss, x, cols, &device)
                .await
                .map(Some)
        } else {
            fit_and_score(spec, x, cols, &device, |p: Progress| {
                // The clock is read every CLOCK_STEPS steps, not at each one.
                let end = p.loss.is_some() || p.step == p.total;
                let t = if end || p.step.is_multiple_of(crate::CLOCK_STEPS) {
                    now_ms()
                } else {
                    f64::NEG_INFINITY
                };
                if end || t - last.get() >= crate::PROGRESS_MS {
                    last.set(t);
                    post(
                        job,
                        "progress",
                        &[
                            ("epoch", p.epoch.into()),
                            ("epochs", p.epochs.into()),
                            ("step", p.step.into()),
                            ("total", p.total.into()),
                            ("loss", p.loss.map_or(JsValue::NULL, JsValue::from)),
                        ],
                        &[],
                    );
                }
                std::future::ready(true)
            })
            .await
        };
        match result {
            Ok(Some(Fitted {
                scored,
                final_loss,
                weights,
            })) => {
                let score = Float32Array::from(&scored.score[..]);
                let latent = Float32Array::from(&scored.latent[..]);
                let mut transfer: Vec<JsValue> =
                    vec![score.buffer().into(), latent.buffer().into()];
                let beside = if run.forest_beside {
                    isolation::wait().await
                } else {
                    None
                };
                let isolation = beside.or(run.isolation);
                let grown = run
                    .forest
                    .filter(|_| isolation.is_none())
                    .map(|k| Forest::fit(x, cols, k.trees, k.sample, k.seed));
                // The layer's inputs, with the page's settings (the
                // defaults; the page checks, and builds its own if they are
                // not), so that its thread only assembles the layer.
                let inputs = LayerInputs::build(
                    &scored.evidence,
                    scored.evidence_dim,
                    x,
                    cols,
                    &ActiveConfig::default(),
                    grown.as_ref().map(Forest::scores).or(isolation.as_deref()),
                );
                let shape = inputs.shape.to_wire();
                let inputs = Float32Array::from(&inputs.values[..]);
                transfer.push(inputs.buffer().into());
                let forest = grown.map_or(JsValue::NULL, |f| forest_wire(&f, &mut transfer));
                post(
                    job,
                    "done",
                    &[
                        ("rows", scored.rows.into()),
                        ("evidenceDim", scored.evidence_dim.into()),
                        ("perFeature", scored.evidence_per_feature.into()),
                        ("score", score.into()),
                        ("latentDim", scored.latent_dim.into()),
                        ("latent", latent.into()),
                        ("loss", final_loss.into()),
                        ("weights", weights.to_json().into()),
                        ("forest", forest),
                        ("inputs", inputs.into()),
                        ("inputsShape", shape.into()),
                    ],
                    &transfer,
                );
            }
            // The hook above never cancels; the page terminates the worker.
            Ok(None) => fail(job, &CoreError::Worker("the run stopped early".into())),
            Err(e) => fail(job, &e),
        }
    }

    /// `Forest`'s wire arrays as `{leaves, scores, paths}`, their buffers
    /// added to `transfer`.
    fn forest_wire(f: &Forest, transfer: &mut Vec<JsValue>) -> JsValue {
        let leaves = Uint8Array::from(f.leaves());
        let scores = Float32Array::from(f.scores());
        let paths = js_sys::Uint32Array::from(&f.wire_paths()[..]);
        // The trees too, for the session file's scoring model.
        let (ints, floats) = f.model().map(ForestModel::to_wire).unwrap_or_default();
        let tree_ints = js_sys::Uint32Array::from(&ints[..]);
        let tree_floats = Float32Array::from(&floats[..]);
        transfer.extend([
            JsValue::from(leaves.buffer()),
            scores.buffer().into(),
            paths.buffer().into(),
            tree_ints.buffer().into(),
            tree_floats.buffer().into(),
        ]);
        object(&[
            ("leaves", leaves.into()),
            ("scores", scores.into()),
            ("paths", paths.into()),
            ("treeInts", tree_ints.into()),
            ("treeFloats", tree_floats.into()),
        ])
    }

    /// Grows the isolation forest `{forest: key, cols, x}` asks for, while
    /// another worker trains the detector, and answers `{kind: "grown",
    /// forest}`.
    fn grow(job: f64, m: &JsValue) {
        let key = get(m, "forest")
            .as_string()
            .and_then(|k| ForestKey::from_wire(&k));
        let (Some(key), Some(cols), Some(x)) = (key, columns(m), table(m)) else {
            let why = "the page's request has no forest, columns or table";
            return fail(job, &CoreError::Worker(why.into()));
        };
        let f = Forest::fit(&x, cols, key.trees, key.sample, key.seed);
        drop(x);
        let mut transfer = Vec::new();
        let forest = forest_wire(&f, &mut transfer);
        post(job, "grown", &[("forest", forest)], &transfer);
    }

    /// The isolation scores the page sends a training run whose forest
    /// grows in another worker (`{kind: "isolation", scores}`; null when
    /// that failed): kept if they come before the run wants them, else
    /// handed to its wait.
    mod isolation {
        use std::cell::RefCell;

        use js_sys::Float32Array;
        use wasm_bindgen::{JsCast, JsValue};

        thread_local! {
            static EARLY: RefCell<Option<JsValue>> = const { RefCell::new(None) };
            static WAITING: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
        }

        pub fn clear() {
            EARLY.with(|e| e.borrow_mut().take());
            WAITING.with(|w| w.borrow_mut().take());
        }

        pub fn arrived(message: JsValue) {
            match WAITING.with(|w| w.borrow_mut().take()) {
                Some(wake) => {
                    let _ = wake.call1(&JsValue::NULL, &message);
                }
                None => EARLY.with(|e| *e.borrow_mut() = Some(message)),
            }
        }

        /// The scores, once sent; `None` when the page sent none.
        pub async fn wait() -> Option<Vec<f32>> {
            let message = match EARLY.with(|e| e.borrow_mut().take()) {
                Some(m) => m,
                None => {
                    let promise = js_sys::Promise::new(&mut |resolve, _| {
                        WAITING.with(|w| *w.borrow_mut() = Some(resolve));
                    });
                    wasm_bindgen_futures::JsFuture::from(promise)
                        .await
                        .unwrap_or(JsValue::NULL)
                }
            };
            js_sys::Reflect::get(&message, &"scores".into())
                .ok()?
                .dyn_into::<Float32Array>()
                .ok()
                .map(|a| a.to_vec())
        }
    }

    /// Reads and parses the user's file; its problems are the user's to
    /// read, in the parser's words.
    async fn parse(job: f64, file: JsValue) {
        let bytes = match read_blob(&file).await {
            Ok(b) => b,
            Err(why) => {
                let message = format!("the file could not be read ({why})");
                post(job, "unreadable", &[("message", message.into())], &[]);
                return;
            }
        };
        let last = Cell::new(f64::NEG_INFINITY);
        let mut on_progress = |p: ParseProgress| {
            let t = now_ms();
            if t - last.get() < crate::PROGRESS_MS {
                return;
            }
            last.set(t);
            match p {
                ParseProgress::Reading {
                    bytes,
                    total_bytes,
                    rows,
                } => post(
                    job,
                    "reading",
                    &[
                        ("bytes", bytes.into()),
                        ("totalBytes", total_bytes.into()),
                        ("rows", rows.into()),
                    ],
                    &[],
                ),
                ParseProgress::Columns { done, total } => post(
                    job,
                    "columns",
                    &[("done", done.into()), ("total", total.into())],
                    &[],
                ),
            }
        };
        match parse_csv_with(&bytes, &LoadOptions::default(), &mut on_progress) {
            Ok(table) => {
                drop(bytes);
                // Standardised here: the page gets the one f32 copy it keeps,
                // never the raw f64 values, and does none of this work.
                let data = Prepared::new(table);
                let x = Float32Array::from(&data.x[..]);
                let pca = Float32Array::from(&pca_2d(&data.x, data.cols())[..]);
                let truth = data.table.labels.as_ref().map(|l| {
                    let bytes: Vec<u8> = l.iter().map(|&a| u8::from(a)).collect();
                    Uint8Array::from(&bytes[..])
                });
                let mut transfer: Vec<JsValue> = vec![x.buffer().into(), pca.buffer().into()];
                transfer.extend(truth.iter().map(|t| JsValue::from(t.buffer())));
                post(
                    job,
                    "table",
                    &[
                        ("meta", data.wire_meta().into()),
                        ("x", x.into()),
                        ("pca", pca.into()),
                        ("truth", truth.map_or(JsValue::NULL, JsValue::from)),
                    ],
                    &transfer,
                );
            }
            Err(e) => post(job, "unreadable", &[("message", e.to_string().into())], &[]),
        }
    }

    /// A `Blob`'s bytes, through its `arrayBuffer()` promise.
    async fn read_blob(blob: &JsValue) -> Result<Vec<u8>, String> {
        let read: js_sys::Function = get(blob, "arrayBuffer")
            .dyn_into()
            .map_err(|_| "the page sent no file".to_string())?;
        let promise: js_sys::Promise = read
            .call0(blob)
            .and_then(|p| p.dyn_into())
            .map_err(|e| format!("{e:?}"))?;
        let buffer = wasm_bindgen_futures::JsFuture::from(promise)
            .await
            .map_err(|e| {
                e.dyn_ref::<js_sys::Error>()
                    .map_or_else(|| format!("{e:?}"), |e| String::from(e.message()))
            })?;
        Ok(Uint8Array::new(&buffer).to_vec())
    }

    fn fail(job: f64, e: &CoreError) {
        post(job, "failed", &[("error", e.to_wire().into())], &[]);
    }

    fn get(o: &JsValue, key: &str) -> JsValue {
        Reflect::get(o, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    }

    /// A plain object with these fields.
    fn object(fields: &[(&str, JsValue)]) -> JsValue {
        let o = Object::new();
        for (k, v) in fields {
            let _ = Reflect::set(&o, &(*k).into(), v);
        }
        o.into()
    }

    fn post(job: f64, kind: &str, fields: &[(&str, JsValue)], transfer: &[JsValue]) {
        let mut all = vec![("kind", kind.into()), ("job", job.into())];
        all.extend_from_slice(fields);
        let o = object(&all);
        let scope: web_sys_free::Scope = js_sys::global().unchecked_into();
        let list: Array = transfer.iter().collect();
        let _ = scope.post_message(&o, &list);
    }

    /// `performance.now()` through a direct binding to the one object:
    /// looking it up by name at every step cost about 1 ms a step in the
    /// worker (training on cover took 38 s instead of 9.5 s).
    fn now_ms() -> f64 {
        clock::PERFORMANCE.with(clock::Performance::now)
    }

    mod clock {
        use wasm_bindgen::prelude::*;

        #[wasm_bindgen]
        extern "C" {
            pub type Performance;
            #[wasm_bindgen(thread_local_v2, js_name = performance)]
            pub static PERFORMANCE: Performance;
            #[wasm_bindgen(method)]
            pub fn now(this: &Performance) -> f64;
        }
    }

    /// The one binding web-sys would give (`DedicatedWorkerGlobalScope`),
    /// declared here rather than pulling in web-sys for it.
    mod web_sys_free {
        use wasm_bindgen::prelude::*;

        #[wasm_bindgen]
        extern "C" {
            pub type Scope;
            #[wasm_bindgen(method, catch, js_name = postMessage)]
            pub fn post_message(
                this: &Scope,
                message: &JsValue,
                transfer: &js_sys::Array,
            ) -> Result<(), JsValue>;
        }
    }
}
