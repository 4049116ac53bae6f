//! What crosses between the page and the training worker, as plain text
//! and numbers (the typed arrays travel beside it): the detector's settings,
//! the detector's results checked for shape, and a training failure with
//! its type. Both sides are this code, so a round trip gives back the same
//! value; anything else is refused with [`CoreError::Worker`], never a panic.

use super::{DetectorKind, DetectorSpec, Scored};
use crate::error::CoreError;

/// Which backend trains and scores in the page: the worker's choice of
/// burn device, named as the page's badge shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    WebGpu,
    Cpu,
}

impl BackendKind {
    /// The name the badge shows, and the one the page and worker exchange.
    pub fn label(self) -> &'static str {
        match self {
            Self::WebGpu => "WebGPU",
            Self::Cpu => "CPU",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        [Self::WebGpu, Self::Cpu]
            .into_iter()
            .find(|k| k.label() == name)
    }
}

/// Training steps each device runs, timed, when "auto" has a hardware GPU
/// to weigh against the CPU (after [`RACE_WARMUP`] untimed ones: shaders
/// compile and buffers are made on the first steps).
pub const RACE_STEPS: usize = 20;
pub const RACE_WARMUP: usize = 3;

/// How a device did in "auto"'s trial.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trial {
    /// [`RACE_STEPS`] steps in this many milliseconds.
    Timed(f64),
    /// Stopped early, already far slower than the CPU: this many
    /// milliseconds for this many steps.
    Slower {
        ms: f64,
        steps: usize,
    },
    Failed,
}

/// How long WebGPU may take for its trial steps before "auto" stops it:
/// ten times the CPU's time, and at least 200 ms.
pub fn race_budget_ms(cpu_ms: f64) -> f64 {
    (10.0 * cpu_ms).max(200.0)
}

/// "auto"'s choice from the same training steps timed on each device (the
/// CPU's [`RACE_STEPS`] in `cpu_ms`), with the words the badge shows. The
/// faster trains; a tie goes to the CPU, which cannot lose its device.
pub fn race_verdict(cpu_ms: f64, gpu: Trial) -> (BackendKind, String) {
    let gpu = match gpu {
        Trial::Timed(ms) if ms.is_finite() => ms,
        Trial::Slower { ms, steps } => {
            return (
                BackendKind::Cpu,
                format!(
                    "auto timed {RACE_STEPS} training steps on the CPU: {cpu_ms:.0} ms; WebGPU \
                     took {ms:.0} ms for {steps}; training on the CPU"
                ),
            )
        }
        _ => {
            return (
                BackendKind::Cpu,
                "auto: WebGPU failed a trial run of training steps; training on the CPU".into(),
            )
        }
    };
    let winner = if gpu < cpu_ms {
        BackendKind::WebGpu
    } else {
        BackendKind::Cpu
    };
    let text = format!(
        "auto timed {RACE_STEPS} training steps on each: {cpu_ms:.0} ms on the CPU, {gpu:.0} ms on \
         WebGPU; training on the {}",
        winner.label()
    );
    (winner, text)
}

impl DetectorSpec {
    /// `key=value` pairs joined by `;`, every field named.
    pub fn to_wire(&self) -> String {
        let t = &self.train;
        format!(
            "kind={};hidden={};bottleneck={};epochs={};batch={};lr={};seed={};max_rows={}",
            self.kind.name(),
            self.hidden,
            self.bottleneck,
            t.epochs,
            t.batch_size,
            t.learning_rate,
            t.seed,
            t.max_rows
        )
    }

    /// Reads [`to_wire`](Self::to_wire)'s text back; a missing or unknown
    /// key, or a value that is not a number, is an error naming it.
    pub fn from_wire(text: &str) -> Result<Self, CoreError> {
        let mut spec = DetectorSpec::default();
        let mut seen = 0u32;
        for pair in text.split(';') {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| bad(format!("settings: '{pair}' is not key=value")))?;
            let n = |what: &str| {
                value
                    .parse::<usize>()
                    .map_err(|_| bad(format!("settings: {what} '{value}' is not a count")))
            };
            let bit = match key {
                "kind" => {
                    spec.kind = DetectorKind::parse(value)
                        .ok_or_else(|| bad(format!("settings: no detector '{value}'")))?;
                    0
                }
                "hidden" => {
                    spec.hidden = n(key)?;
                    1
                }
                "bottleneck" => {
                    spec.bottleneck = n(key)?;
                    2
                }
                "epochs" => {
                    spec.train.epochs = n(key)?;
                    3
                }
                "batch" => {
                    spec.train.batch_size = n(key)?;
                    4
                }
                "lr" => {
                    spec.train.learning_rate = value
                        .parse::<f64>()
                        .map_err(|_| bad(format!("settings: lr '{value}' is not a number")))?;
                    5
                }
                "seed" => {
                    spec.train.seed = value
                        .parse::<u64>()
                        .map_err(|_| bad(format!("settings: seed '{value}' is not a number")))?;
                    6
                }
                "max_rows" => {
                    spec.train.max_rows = n(key)?;
                    7
                }
                _ => return Err(bad(format!("settings: unknown key '{key}'"))),
            };
            seen |= 1 << bit;
        }
        if seen != 0xFF {
            return Err(bad(format!("settings: '{text}' leaves a field out")));
        }
        Ok(spec)
    }
}

impl Scored {
    /// The detector's results from their parts, each checked against the
    /// shape the others give (a worker's message is not trusted blindly).
    pub fn from_parts(
        rows: usize,
        evidence_dim: usize,
        evidence_per_feature: bool,
        evidence: Vec<f32>,
        score: Vec<f32>,
        latent_dim: usize,
        latent: Vec<f32>,
    ) -> Result<Self, CoreError> {
        let fits = |len: usize, per_row: usize| rows.checked_mul(per_row) == Some(len);
        if !fits(evidence.len(), evidence_dim)
            || !fits(score.len(), 1)
            || !fits(latent.len(), latent_dim)
        {
            return Err(bad(format!(
                "results do not fit {rows} rows: {} evidence values ({evidence_dim} a row), \
                 {} scores, {} latent values ({latent_dim} a row)",
                evidence.len(),
                score.len(),
                latent.len()
            )));
        }
        Ok(Self {
            rows,
            evidence_dim,
            evidence_per_feature,
            evidence,
            score,
            latent_dim,
            latent,
        })
    }

    /// [`from_parts`](Self::from_parts) for results whose evidence stayed
    /// in the worker: a session recomputes it from the detector when it
    /// needs it ([`Session::attach_from`]), and does not hold it meanwhile
    /// (24 MB on donors.csv's 619k rows).
    ///
    /// [`Session::attach_from`]: crate::session::Session::attach_from
    pub fn without_evidence(
        rows: usize,
        evidence_dim: usize,
        evidence_per_feature: bool,
        score: Vec<f32>,
        latent_dim: usize,
        latent: Vec<f32>,
    ) -> Result<Self, CoreError> {
        let parts = (score, latent_dim, latent);
        let mut s = Self::from_parts(
            rows,
            0,
            evidence_per_feature,
            Vec::new(),
            parts.0,
            parts.1,
            parts.2,
        )?;
        s.evidence_dim = evidence_dim;
        Ok(s)
    }

    /// Whether the evidence is here (not left in the worker).
    pub fn has_evidence(&self) -> bool {
        self.rows.checked_mul(self.evidence_dim) == Some(self.evidence.len())
    }
}

impl CoreError {
    /// A failure of training or scoring as one line of tab-separated
    /// fields, its variant first, so the page gets the same typed error the
    /// worker had (a device failure must stay one: it means "train again on
    /// the CPU"). Variants training never returns travel as their text.
    pub fn to_wire(&self) -> String {
        match self {
            Self::Device(m) => format!("device\t{}", m.replace(['\t', '\n'], " ")),
            Self::Diverged { epoch, loss } => format!("diverged\t{epoch}\t{loss}"),
            Self::NonFiniteScore { row } => format!("nonfinite-score\t{row}"),
            Self::NonFiniteInput { row, col } => format!("nonfinite-input\t{row}\t{col}"),
            Self::Shape { values, cols } => format!("shape\t{values}\t{cols}"),
            Self::NoRows => "no-rows".into(),
            other => format!("other\t{}", other.to_string().replace(['\t', '\n'], " ")),
        }
    }

    /// Reads [`to_wire`](Self::to_wire)'s text back. Text that is not in
    /// that form is itself the error, as [`CoreError::Worker`].
    pub fn from_wire(text: &str) -> Self {
        let f: Vec<&str> = text.split('\t').collect();
        let num = |i: usize| f.get(i).and_then(|v| v.parse::<usize>().ok());
        let parsed = match f.as_slice() {
            ["device", m] => Some(Self::Device((*m).to_string())),
            ["diverged", _, loss] => num(1)
                .zip(loss.parse::<f32>().ok())
                .map(|(epoch, loss)| Self::Diverged { epoch, loss }),
            ["nonfinite-score", _] => num(1).map(|row| Self::NonFiniteScore { row }),
            ["nonfinite-input", _, _] => num(1)
                .zip(num(2))
                .map(|(row, col)| Self::NonFiniteInput { row, col }),
            ["shape", _, _] => num(1)
                .zip(num(2))
                .map(|(values, cols)| Self::Shape { values, cols }),
            ["no-rows"] => Some(Self::NoRows),
            ["other", m] => Some(Self::Worker((*m).to_string())),
            _ => None,
        };
        parsed.unwrap_or_else(|| Self::Worker(text.replace('\t', " ")))
    }
}

fn bad(message: String) -> CoreError {
    CoreError::Worker(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_names_round_trip() {
        for k in [BackendKind::WebGpu, BackendKind::Cpu] {
            assert_eq!(BackendKind::parse(k.label()), Some(k));
        }
        assert_eq!(BackendKind::parse("webgpu"), None);
    }

    #[test]
    fn settings_round_trip_exactly() {
        let mut spec = DetectorSpec::for_kind(DetectorKind::Mlp);
        spec.hidden = 17;
        spec.bottleneck = 3;
        spec.train.epochs = 41;
        spec.train.batch_size = 33;
        spec.train.learning_rate = 0.1 + 0.2;
        spec.train.seed = u64::MAX;
        spec.train.max_rows = 0;
        assert_eq!(DetectorSpec::from_wire(&spec.to_wire()), Ok(spec));
        let d = DetectorSpec::default();
        assert_eq!(DetectorSpec::from_wire(&d.to_wire()), Ok(d));
    }

    #[test]
    fn bad_settings_text_is_an_error_that_names_the_field() {
        let good = DetectorSpec::default().to_wire();
        for (text, says) in [
            ("", "not key=value"),
            ("kind=autoencoder", "leaves a field out"),
            (&good.replace("epochs=30", "epochs=x") as &str, "epochs 'x'"),
            (&good.replace("lr=0.005", "lr=fast") as &str, "lr 'fast'"),
            (
                &good.replace("kind=autoencoder", "kind=forest") as &str,
                "no detector 'forest'",
            ),
            (
                &format!("{good};colour=red") as &str,
                "unknown key 'colour'",
            ),
            (&good.replace("seed=0", "seed=-1") as &str, "seed '-1'"),
        ] {
            let e = DetectorSpec::from_wire(text).unwrap_err();
            assert!(e.to_string().contains(says), "{text}: {e}");
        }
    }

    #[test]
    fn training_errors_keep_their_type_across() {
        for e in [
            CoreError::Device("Device was destroyed\twith a tab".into()),
            CoreError::Diverged {
                epoch: 3,
                loss: f32::INFINITY,
            },
            CoreError::NonFiniteScore { row: 12 },
            CoreError::NonFiniteInput { row: 1, col: 2 },
            CoreError::Shape { values: 7, cols: 2 },
            CoreError::NoRows,
        ] {
            let back = CoreError::from_wire(&e.to_wire());
            assert_eq!(back.is_device(), e.is_device());
            assert_eq!(back.to_string(), e.to_string().replace('\t', " "));
        }
        // NaN is not equal to itself: compare the text.
        let nan = CoreError::Diverged {
            epoch: 2,
            loss: f32::NAN,
        };
        assert!(matches!(
            CoreError::from_wire(&nan.to_wire()),
            CoreError::Diverged { epoch: 2, loss } if loss.is_nan()
        ));
        let other = CoreError::NotTrained;
        assert_eq!(
            CoreError::from_wire(&other.to_wire()),
            CoreError::Worker("train the detector first".into())
        );
        for junk in ["", "diverged\tx\t1", "device", "shape\t1", "\u{0}"] {
            assert!(
                matches!(CoreError::from_wire(junk), CoreError::Worker(_)),
                "{junk:?}"
            );
        }
    }

    #[test]
    fn results_must_fit_their_shape() {
        let ok = Scored::from_parts(2, 3, true, vec![0.0; 6], vec![1.0; 2], 2, vec![0.0; 4]);
        assert_eq!(ok.map(|s| s.rows), Ok(2));
        for (ev, sc, lat) in [(5, 2, 4), (6, 3, 4), (6, 2, 3)] {
            let e = Scored::from_parts(2, 3, true, vec![0.0; ev], vec![1.0; sc], 2, vec![0.0; lat])
                .unwrap_err();
            assert!(e.to_string().contains("do not fit 2 rows"), "{e}");
        }
        assert!(Scored::from_parts(usize::MAX, 2, false, vec![], vec![], 0, vec![]).is_err());
    }

    #[test]
    fn auto_keeps_the_faster_device_and_says_by_how_much() {
        let (k, why) = race_verdict(40.0, Trial::Timed(900.0));
        assert_eq!(k, BackendKind::Cpu);
        assert_eq!(
            why,
            "auto timed 20 training steps on each: 40 ms on the CPU, 900 ms on WebGPU; \
             training on the CPU"
        );
        assert_eq!(
            race_verdict(40.0, Trial::Timed(12.0)).0,
            BackendKind::WebGpu
        );
        assert_eq!(
            race_verdict(40.0, Trial::Timed(40.0)).0,
            BackendKind::Cpu,
            "a tie"
        );
        let (k, why) = race_verdict(40.0, Trial::Failed);
        assert_eq!(k, BackendKind::Cpu);
        assert!(why.contains("WebGPU failed"), "{why}");
        assert_eq!(
            race_verdict(40.0, Trial::Timed(f64::NAN)).0,
            BackendKind::Cpu
        );
        let (k, why) = race_verdict(
            6.0,
            Trial::Slower {
                ms: 3500.0,
                steps: 5,
            },
        );
        assert_eq!(k, BackendKind::Cpu);
        assert_eq!(
            why,
            "auto timed 20 training steps on the CPU: 6 ms; WebGPU took 3500 ms for 5; \
             training on the CPU"
        );
        assert_eq!(race_budget_ms(6.0), 200.0);
        assert_eq!(race_budget_ms(50.0), 500.0);
    }
}
