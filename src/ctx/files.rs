//! What leaves the page and comes back: the scores as CSV, the session
//! file and its view, the ONNX model.

use super::*;

impl Ctx {
    /// Saves `row,score,rank,label[,truth],flagged` for every row to the
    /// user's disk (`flagged` by the current threshold).
    pub fn download(&self) {
        let threshold = self.view.threshold.get_untracked();
        let Some((name, csv)) = self.with_lab(|l| (l.name.clone(), l.export_csv(threshold))) else {
            return;
        };
        if let Err(e) = crate::dom::download(&format!("{}-scores.csv", file_stem(&name)), &csv) {
            self.fail(AppError::Download(e));
        }
    }

    /// The view a session file keeps: colouring, review order, threshold,
    /// teaching mode and the selected row.
    pub fn view_entries(&self) -> BTreeMap<String, String> {
        let v = &self.view;
        let mut out = BTreeMap::new();
        let by = if v.colour_by_rank.get_untracked() {
            "rank"
        } else {
            "score"
        };
        out.insert("colour".into(), by.into());
        out.insert("review".into(), v.review.get_untracked().name());
        out.insert(
            "threshold".into(),
            match v.threshold.get_untracked() {
                Threshold::Above(t) => format!("above:{t}"),
                Threshold::Top(p) => format!("top:{p}"),
            },
        );
        out.insert("teach".into(), v.teach.get_untracked().to_string());
        if let Some(row) = v.selected.get_untracked() {
            out.insert("selected".into(), row.to_string());
        }
        out
    }

    /// Sets the view a session file kept; what does not read is left as
    /// it is.
    pub fn apply_view(&self, entries: &BTreeMap<String, String>) {
        let v = &self.view;
        let get = |k: &str| entries.get(k).map(String::as_str);
        match get("colour") {
            Some("rank") => v.colour_by_rank.set(true),
            Some("score") => v.colour_by_rank.set(false),
            _ => {}
        }
        if let Some(Ok(rule)) = get("review").map(QueryRule::parse) {
            v.review.set(rule);
        }
        let threshold = get("threshold").and_then(|t| {
            let (kind, n) = t.split_once(':')?;
            match (kind, n.parse::<f64>().ok().filter(|n| n.is_finite())?) {
                ("above", t) => Some(Threshold::Above(t as f32)),
                ("top", p) if p > 0.0 && p <= 1.0 => Some(Threshold::Top(p)),
                _ => None,
            }
        });
        if let Some(t) = threshold {
            v.threshold.set(t);
        }
        if let Some(teach) = get("teach").and_then(|t| t.parse().ok()) {
            v.teach.set(teach);
        }
        let rows = self.with_lab(|l| l.session.rows()).unwrap_or(0);
        if let Some(row) = get("selected").and_then(|r| r.parse::<usize>().ok()) {
            if row < rows {
                v.selected.set(Some(row));
            }
        }
    }

    /// Downloads this session as a session file (`name.session.json`).
    pub fn save_session(&self) {
        let view = self.view_entries();
        let now = crate::dom::epoch_ms();
        let Some(made) = self.with_lab(|l| (l.name.clone(), l.session_file(view, now))) else {
            return;
        };
        let (name, file) = made;
        let file = match file {
            Ok(f) => f,
            Err(e) => return self.fail(AppError::Session(e.to_string())),
        };
        let text = file.to_json();
        if let Err(e) = crate::dom::download_as(
            &format!("{}.session.json", file_stem(&name)),
            &text,
            "application/json",
        ) {
            self.fail(AppError::Download(e));
        }
    }

    /// Downloads the detector and the active layer as one ONNX model
    /// (`name.onnx`), to score files of any size with ONNX Runtime.
    pub fn save_onnx(&self) {
        let Some((name, model)) = self.with_lab(|l| (l.name.clone(), l.onnx_model())) else {
            return;
        };
        let done = model.and_then(|bytes| {
            let name = format!("{}.onnx", file_stem(&name));
            crate::dom::download_bytes(&name, &bytes, "application/octet-stream")
        });
        if let Err(e) = done {
            self.fail(AppError::Download(format!("the ONNX model: {e}")));
        }
    }

    /// Reads a session file the user chose and opens it over the data
    /// (see [`crate::jobs::open_session`]); one that cannot be opened
    /// gets a banner saying why, and nothing changes.
    pub fn open_session_file(&self, file: web_sys::File) {
        let ctx = *self;
        leptos::task::spawn_local(async move {
            let name = anomaly_lab_core::data::shown(&file.name());
            let refuse = |why: String| ctx.fail(AppError::Session(format!("'{name}': {why}")));
            let why = |e: CoreError| match e {
                CoreError::SessionFile(why) => why,
                other => other.to_string(),
            };
            if let Err(e) = session_file::check_size(file.size() as u64) {
                return refuse(why(e));
            }
            let text = match crate::dom::file_text(&file).await {
                Ok(t) => t,
                Err(why) => return refuse(format!("it could not be read ({why})")),
            };
            match SessionFile::from_json(&text) {
                Ok(f) => {
                    ctx.messages.error.set(None);
                    crate::jobs::open_session(ctx, f);
                }
                Err(e) => refuse(why(e)),
            }
        });
    }
}

/// A download's name from the data's: `sample: tiny` → `tiny`, `a.csv` → `a`.
fn file_stem(name: &str) -> &str {
    name.trim_start_matches("sample: ").trim_end_matches(".csv")
}
