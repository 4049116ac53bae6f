//! Small browser helpers: timing, yielding, the body's state attribute,
//! URL parameters, file reading and the panic hook.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Milliseconds from the page's time origin (`performance.now()`).
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// A User Timing mark, `anomaly-lab:{name}`, as DevTools and the browser
/// tests see it in the page's timeline.
pub fn mark(name: &str) {
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark(&format!("anomaly-lab:{name}"));
    }
}

/// Lets the browser run its event loop (paint, input) before going on.
pub async fn yield_now(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Sets `data-state` on `<body>` (the automation contract: `training`, `ready`, …).
pub fn set_body_state(state: &str) {
    if let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    {
        let _ = body.set_attribute("data-state", state);
    }
}

/// A query-string parameter of the page URL, decoded by the browser.
pub fn url_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
}

/// A JS error value as text.
pub fn js_error(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}

/// What the browser says of its WebGPU adapter, asked before the runtime
/// starts: `None` when there is no `navigator.gpu` or no adapter.
pub async fn webgpu_adapter() -> Option<crate::adapter::AdapterInfo> {
    let get = |o: &JsValue, k: &str| js_sys::Reflect::get(o, &JsValue::from_str(k)).ok();
    let navigator = web_sys::window()?.navigator();
    let gpu = get(&navigator, "gpu").filter(|g| !g.is_undefined() && !g.is_null())?;
    let request: js_sys::Function = get(&gpu, "requestAdapter")?.dyn_into().ok()?;
    let promise: js_sys::Promise = request.call0(&gpu).ok()?.dyn_into().ok()?;
    let adapter = JsFuture::from(promise).await.ok()?;
    if adapter.is_null() || adapter.is_undefined() {
        return None;
    }
    // `info` (newer browsers) or `requestAdapterInfo()`'s fields; the
    // fallback flag moved from the adapter into `info`.
    let info = get(&adapter, "info").unwrap_or(JsValue::UNDEFINED);
    let flag = |o: &JsValue| get(o, "isFallbackAdapter").and_then(|v| v.as_bool());
    let text = |k: &str| {
        get(&info, k)
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    Some(crate::adapter::AdapterInfo {
        fallback: flag(&adapter).or_else(|| flag(&info)).unwrap_or(false),
        vendor: text("vendor"),
        architecture: text("architecture"),
        device: text("device"),
        description: text("description"),
    })
}

/// Logs to the console, and shows a panic in the page: the app is dead
/// after a panic, so the user must at least be told. Nothing relies on it.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let doc = web_sys::window().and_then(|w| w.document());
        if let Some(banner) = doc
            .as_ref()
            .and_then(|d| d.get_element_by_id("panic-banner"))
        {
            banner.set_text_content(Some(&format!(
                "Anomaly Lab stopped on an internal error; reload the page. ({info})"
            )));
            let _ = banner.remove_attribute("hidden");
        }
        set_body_state("crashed");
    }));
}

/// Offers `text` to the user as a file download. The data goes from memory
/// to the user's disk through a blob URL; nothing is sent anywhere.
pub fn download(name: &str, text: &str) -> Result<(), String> {
    download_as(name, text, "text/csv")
}

/// [`download`] with the file's MIME type.
pub fn download_as(name: &str, text: &str, mime: &str) -> Result<(), String> {
    download_part(name, &JsValue::from_str(text), mime)
}

/// [`download_as`] for bytes.
pub fn download_bytes(name: &str, bytes: &[u8], mime: &str) -> Result<(), String> {
    download_part(name, &js_sys::Uint8Array::from(bytes), mime)
}

fn download_part(name: &str, part: &JsValue, mime: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(part);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|e| js_error(&e))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| js_error(&e))?;
    let doc = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = doc
        .create_element("a")
        .map_err(|e| js_error(&e))?
        .dyn_into()
        .map_err(|_| "not an anchor".to_string())?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// The text of a file the user chose, or why it could not be read.
pub async fn file_text(file: &web_sys::File) -> Result<String, String> {
    let text = wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .map_err(|e| js_error(&e))?;
    text.as_string().ok_or_else(|| "it is not text".to_string())
}

/// Asks the user `question` (OK / Cancel); `false` where no dialog can be
/// shown.
pub fn confirm(question: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(question).ok())
        .unwrap_or(false)
}

/// Milliseconds since the Unix epoch (the wall clock, for label times).
pub fn epoch_ms() -> u64 {
    js_sys::Date::now().max(0.0) as u64
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Reads this browser's local storage (`None` when absent or unavailable).
pub fn storage_get(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

/// Why a write to local storage failed, in the user's words.
pub fn storage_set(key: &str, value: &str) -> Result<(), String> {
    let s = storage().ok_or("this browser's storage is off")?;
    s.set_item(key, value).map_err(|e| {
        // A DOMException: its name says why.
        let name = js_sys::Reflect::get(&e, &JsValue::from_str("name"))
            .ok()
            .and_then(|n| n.as_string())
            .unwrap_or_default();
        if name == "QuotaExceededError" {
            "this browser's storage for the page is full".to_string()
        } else {
            format!("this browser refused to store them ({})", js_error(&e))
        }
    })
}

/// Removes a key from local storage (a missing one is fine).
pub fn storage_remove(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(key);
    }
}
