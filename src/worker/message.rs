//! Reading the workers' messages (events, the forest, typed arrays
//! copied into the page's memory in steps and their buffers freed at
//! once) and building the page's.

use super::*;

/// A message that is news on the way, not the end.
pub(super) fn read_event(data: &JsValue) -> Option<Event> {
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
/// byte a row and tree: 100 MB on a million rows) copied and checked a
/// part at a time ([`LeavesReader`]).
pub(super) async fn read_forest(o: &JsValue) -> Option<Forest> {
    let leaves = get(o, "leaves").dyn_into::<Uint8Array>().ok()?;
    let paths = get(o, "paths")
        .dyn_into::<js_sys::Uint32Array>()
        .ok()?
        .to_vec();
    let mut reader = LeavesReader::new(*paths.first()? as usize, leaves.length() as usize)?;
    in_parts::<u8>(leaves.length(), |s, e| {
        reader.read((e - s) as usize, |to| leaves.subarray(s, e).copy_to(to));
    })
    .await;
    release(&leaves.buffer());
    crate::dom::yield_now(0).await;
    let mut forest = reader.finish(floats(o, "scores"), &paths)?;
    crate::dom::yield_now(0).await;
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

pub(super) fn unknown() -> CoreError {
    CoreError::Worker("it sent a message the page does not know".into())
}

pub(super) fn kind(data: &JsValue) -> Option<String> {
    get(data, "kind").as_string()
}

pub(super) fn count(data: &JsValue, key: &str) -> usize {
    get(data, key).as_f64().map_or(0, |v| v.max(0.0) as usize)
}

pub(super) fn floats(data: &JsValue, key: &str) -> Vec<f32> {
    get(data, key)
        .dyn_into::<Float32Array>()
        .map(|a| take_f32(&a))
        .unwrap_or_default()
}

/// The bytes one copy call moves. A task goes on to the next part until
/// it has run [`COPY_TASK_MS`], so a slow or busy machine copies less in
/// a task rather than making it longer: fixed 16 MB steps (about 10 ms
/// here) took 48 ms on a loaded machine and were the page's long tasks
/// at the start of training and at the forest's landing.
const COPY_PART_BYTES: u32 = 1 << 20;

/// How long one task copies before it lets the page answer input.
const COPY_TASK_MS: f64 = 8.0;

/// `each(start, end)` over `0..len` values of `T` in parts of
/// [`COPY_PART_BYTES`], in tasks of about [`COPY_TASK_MS`] (timed, not
/// counted), so the page answers input in between.
pub(super) async fn in_parts<T>(len: u32, mut each: impl FnMut(u32, u32)) {
    let size = std::mem::size_of::<T>().max(1) as u32;
    let part = (COPY_PART_BYTES / size).max(1);
    let mut since = crate::dom::now_ms();
    let mut start = 0;
    while start < len {
        let end = len.min(start.saturating_add(part));
        each(start, end);
        start = end;
        if start < len && crate::dom::now_ms() - since >= COPY_TASK_MS {
            crate::dom::yield_now(0).await;
            since = crate::dom::now_ms();
        }
    }
}

/// [`floats`] for the largest arrays (over a hundred megabytes on a
/// million rows).
pub(super) async fn floats_in_steps(data: &JsValue, key: &str) -> Vec<f32> {
    match get(data, key).dyn_into::<Float32Array>() {
        Ok(a) => {
            let len = a.length();
            let mut v = Vec::new();
            if v.try_reserve_exact(len as usize).is_ok() {
                in_parts::<f32>(len, |s, e| {
                    let at = v.len();
                    v.resize(at + (e - s) as usize, 0.0);
                    a.subarray(s, e).copy_to(&mut v[at..]);
                })
                .await;
            }
            // Empty when the memory cannot be had: the caller's checks
            // then say the results do not fit.
            release(&a.buffer());
            v
        }
        Err(_) => Vec::new(),
    }
}

/// The table copied out of the page's memory for the worker, in parts
/// ([`in_parts`]).
pub(super) async fn to_js_in_steps(x: &[f32]) -> Float32Array {
    let table = Float32Array::new_with_length(x.len() as u32);
    in_parts::<f32>(x.len() as u32, |s, e| {
        table.subarray(s, e).copy_from(&x[s as usize..e as usize]);
    })
    .await;
    table
}

/// A typed array's values, copied into the page's memory; the array's
/// buffer is then freed at once ([`release`]).
pub(super) fn take_f32(a: &Float32Array) -> Vec<f32> {
    let v = a.to_vec();
    release(&a.buffer());
    v
}

pub(super) fn take_u8(a: &Uint8Array) -> Vec<u8> {
    let v = a.to_vec();
    release(&a.buffer());
    v
}

/// Frees an array buffer that a worker sent, once its values are copied:
/// it is sent away through a message channel whose ports are then closed,
/// which drops the message and the memory with it, now. Detaching it
/// (`transfer(0)`) or letting it go leaves its memory to the collector,
/// which on donors.csv kept 106 MB of read arrays in the tab at ready
/// (measured: a 100 MB buffer from a worker is freed at once this way, and
/// only by a collection after `transfer(0)`). If the channel cannot be
/// made, the buffer is detached as before.
pub(super) fn release(buffer: &js_sys::ArrayBuffer) {
    if let Ok(channel) = web_sys::MessageChannel::new() {
        let (port, other) = (channel.port1(), channel.port2());
        let sent = port.post_message_with_transferable(&JsValue::NULL, &Array::of1(buffer));
        port.close();
        other.close();
        if sent.is_ok() {
            return;
        }
    }
    if let Ok(f) = get(buffer, "transfer").dyn_into::<js_sys::Function>() {
        let _ = f.call1(buffer, &JsValue::from(0));
    }
}

pub(super) fn get(o: &JsValue, key: &str) -> JsValue {
    Reflect::get(o, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

pub(super) fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in fields {
        let _ = Reflect::set(&o, &(*k).into(), v);
    }
    o.into()
}
