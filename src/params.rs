//! The page's URL parameters, read once when it opens (`?backend=cpu&…`),
//! for demos and tests. Pure: parsed from the query string, tested natively.

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
            Self::Auto => "auto (WebGPU if present)",
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
        }
    }
}

impl UrlParams {
    /// Reads `?a=b&c=d` (with or without the `?`).
    pub fn parse(query: &str) -> Self {
        let mut p = Self::default();
        for pair in query.trim_start_matches('?').split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = decode(value);
            match key {
                "backend" => p.backend = BackendChoice::parse(&value).unwrap_or_default(),
                "sample" if !value.is_empty() => p.sample = value,
                "rows" => p.rows = value.parse().ok(),
                "epochs" => {
                    p.epochs = value
                        .parse()
                        .ok()
                        .filter(|&e| e > 0)
                        .unwrap_or(DEFAULT_EPOCHS)
                }
                // The page's review order is one row at a time.
                "review" => {
                    p.review = QueryRule::parse(&value)
                        .ok()
                        .filter(|r| QueryRule::ALL.contains(r))
                        .unwrap_or_default()
                }
                "colour" => p.colour_by_rank = value == "rank",
                _ => {}
            }
        }
        p
    }
}

/// `%xx` escapes and `+` (a space) in a query value; a stray `%` stays.
fn decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (escaped, bytes[i]) {
            (Some(b), _) => {
                out.push(b);
                i += 3;
            }
            (None, b'+') => {
                out.push(b' ');
                i += 1;
            }
            (None, b) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_parameter_is_read_and_bad_values_fall_back() {
        let p = UrlParams::parse(
            "?backend=cpu&sample=tiny&rows=500&epochs=3&review=boundary&colour=rank",
        );
        assert_eq!(p.backend, BackendChoice::Cpu);
        assert_eq!(p.sample, "tiny");
        assert_eq!(p.rows, Some(500));
        assert_eq!(p.epochs, 3);
        assert_eq!(p.review, QueryRule::Boundary);
        assert!(p.colour_by_rank);
        assert_eq!(UrlParams::parse(""), UrlParams::default());
        let bad = UrlParams::parse("backend=tpu&rows=many&epochs=0&review=top-k:5&colour=x");
        assert_eq!(bad, UrlParams::default());
        assert_eq!(
            UrlParams::parse("sample=low%2Ddensity").sample,
            "low-density"
        );
        assert_eq!(UrlParams::parse("sample=a+b%").sample, "a b%");
    }
}
