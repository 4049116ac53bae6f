//! The page's URL parameters, read once when it opens (`?backend=cpu&…`),
//! for demos and tests. Pure: read through a lookup, tested natively.

use anomaly_lab_core::query::QueryRule;
use anomaly_lab_core::synth::BuiltinSample;

/// The user's choice of backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BackendChoice {
    /// WebGPU where the browser has it, else the CPU.
    #[default]
    Auto,
    WebGpu,
    Cpu,
}

impl BackendChoice {
    pub const ALL: [Self; 3] = [Self::Auto, Self::WebGpu, Self::Cpu];

    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::WebGpu => "webgpu",
            Self::Cpu => "cpu",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::Auto => "auto (GPU if present)",
            Self::WebGpu => "WebGPU",
            Self::Cpu => "CPU",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == s)
    }
}

/// Epochs when the URL does not say.
pub const DEFAULT_EPOCHS: usize = 30;

/// Every URL parameter the page reads; unknown or malformed values fall
/// back to the defaults, except an unknown sample, which the page reports.
#[derive(Debug, Clone, PartialEq)]
pub struct UrlParams {
    pub backend: BackendChoice,
    /// `?sample=` as given (checked when the page loads it).
    pub sample: String,
    pub rows: Option<usize>,
    pub epochs: usize,
    pub review: QueryRule,
    pub colour_by_rank: bool,
    /// `?timing=1`: show the label → repaint time (a developer's figure).
    pub timing: bool,
}

impl Default for UrlParams {
    fn default() -> Self {
        Self {
            backend: BackendChoice::Auto,
            sample: BuiltinSample::ALL[0].name().to_string(),
            rows: None,
            epochs: DEFAULT_EPOCHS,
            review: QueryRule::Highest,
            colour_by_rank: false,
            timing: false,
        }
    }
}

impl UrlParams {
    /// Reads every parameter through `get(name)` (the page passes the
    /// browser's `URLSearchParams`, which decodes the values).
    pub fn read(get: impl Fn(&str) -> Option<String>) -> Self {
        let defaults = Self::default();
        Self {
            backend: get("backend")
                .and_then(|v| BackendChoice::parse(&v))
                .unwrap_or_default(),
            sample: get("sample")
                .filter(|v| !v.is_empty())
                .unwrap_or(defaults.sample),
            rows: get("rows").and_then(|v| v.parse().ok()),
            epochs: get("epochs")
                .and_then(|v| v.parse().ok())
                .filter(|&e| e > 0)
                .unwrap_or(DEFAULT_EPOCHS),
            // The page's review order is one row at a time.
            review: get("review")
                .and_then(|v| QueryRule::parse(&v).ok())
                .filter(|r| QueryRule::ALL.contains(r))
                .unwrap_or_default(),
            colour_by_rank: get("colour").as_deref() == Some("rank"),
            timing: get("timing").as_deref() == Some("1"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `a=b&c=d` looked up by name (no decoding: the browser does that).
    fn parse(query: &str) -> UrlParams {
        UrlParams::read(|name| {
            query
                .split('&')
                .filter_map(|p| p.split_once('='))
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn every_parameter_is_read_and_bad_values_fall_back() {
        let p =
            parse("backend=cpu&sample=tiny&rows=500&epochs=3&review=boundary&colour=rank&timing=1");
        assert_eq!(p.backend, BackendChoice::Cpu);
        assert_eq!(p.sample, "tiny");
        assert_eq!(p.rows, Some(500));
        assert_eq!(p.epochs, 3);
        assert_eq!(p.review, QueryRule::Boundary);
        assert!(p.colour_by_rank);
        assert!(p.timing);
        assert_eq!(parse(""), UrlParams::default());
        let bad = parse("backend=tpu&rows=many&epochs=0&review=top-k:5&colour=x&sample=");
        assert_eq!(bad, UrlParams::default());
    }
}
