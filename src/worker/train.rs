//! A training run: the table out to the training worker in steps, the
//! forest grown beside it in a third worker, the results back.

use super::*;

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
    // The forest's own copy (the training worker takes the table), made
    // in steps as the first: one `new Float32Array(table)` of cover.csv's
    // 62 MB was a task of about 50 ms while the worker trained.
    let forest_table = match forest {
        Some(_) => Some(to_js_in_steps(x).await),
        None => None,
    };
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
    if let (Some(key), Some(copy)) = (forest, forest_table) {
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
        Module::for_backend(backend),
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
                    while !i.settle(&config, x) {
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
                // The evidence stayed in the worker (the layer's inputs
                // are built from it); the session computes it again from
                // the weights if it needs it.
                Scored::without_evidence(
                    count(&data, "rows"),
                    count(&data, "evidenceDim"),
                    get(&data, "perFeature").as_bool().unwrap_or(false),
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
        Module::Cpu,
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
    // The forest's landing and what follows, each a task of its own.
    crate::dom::yield_now(0).await;
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
