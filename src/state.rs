//! The app's domain state: a plain struct with methods, kept out of
//! fine-grained signals (it holds every row). Components read it through a
//! `StoredValue` and re-render when a version signal is bumped.

use anomaly_lab_core::data::{parse_csv, LoadOptions, Table};
use anomaly_lab_core::projection::ProjectionKind;
use anomaly_lab_core::query::QueryStrategy;
use anomaly_lab_core::session::Session;
use anomaly_lab_core::synth::{generate, BuiltinSample, SynthConfig};

use crate::viewport::{HitGrid, PlotArea, ViewRect};

/// Rows in the review queue.
pub const QUEUE_LEN: usize = 10;

/// The order of the review queue; its first row is the suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReviewOrder {
    /// Highest score first: the paper's greedy protocol, for discovery.
    #[default]
    Highest,
    /// Nearest the layer's boundary first: labels that teach it most.
    Boundary,
    /// Random unlabelled rows: a baseline to compare with.
    Random,
}

impl ReviewOrder {
    pub const ALL: [Self; 3] = [Self::Highest, Self::Boundary, Self::Random];

    pub fn name(self) -> &'static str {
        match self {
            Self::Highest => "highest",
            Self::Boundary => "boundary",
            Self::Random => "random",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::Highest => "highest score first",
            Self::Boundary => "nearest the boundary first",
            Self::Random => "random order",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.name() == s)
    }

    fn strategy(self, k: usize) -> QueryStrategy {
        match self {
            Self::Highest => QueryStrategy::TopK(k),
            Self::Boundary => QueryStrategy::Uncertainty(k),
            Self::Random => QueryStrategy::Random { count: k, seed: 0 },
        }
    }
}

/// One dataset being inspected.
pub struct Lab {
    pub name: String,
    pub session: Session,
    pub projection: ProjectionKind,
    /// 2-D coordinates of every row for the current projection.
    pub coords: Vec<f32>,
    pub view: ViewRect,
    pub area: PlotArea,
    pub grid: HitGrid,
}

/// A built-in sample, or a tiny one for quick demos and tests.
pub fn sample_table(name: &str, rows: Option<usize>) -> Option<Table> {
    let mut cfg = match name {
        "tiny" => SynthConfig::clustered(300, 4, 0.05, 7),
        other => BuiltinSample::parse(other)?.config(),
    };
    if let Some(r) = rows {
        cfg.rows = r.clamp(20, 2_000_000);
    }
    Some(generate(&cfg))
}

/// Parses a user's CSV.
pub fn csv_table(bytes: &[u8]) -> Result<Table, String> {
    parse_csv(bytes, &LoadOptions::default()).map_err(|e| e.to_string())
}

/// A key that names one dataset's labels in the browser's local storage:
/// the name, the shape and a hash of every value, so that labels come back
/// only for the same data.
/// A backend's multi-line error (wgpu's "Caused by:" chains and backtrace
/// notes) as one line for the page: each cause not already said, joined by ": ".
pub fn one_line_error(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty()
            || line.starts_with("Caused by")
            || line.starts_with("Backtrace")
            || line.starts_with("No backtrace")
        {
            continue;
        }
        let line = line.trim_end_matches(['.', ':']);
        if !out.contains(line) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(line);
        }
    }
    out
}

pub fn storage_key(name: &str, table: &Table) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for v in &table.values {
        for b in v.to_bits().to_le_bytes() {
            h = (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!(
        "anomaly-lab:labels:{name}:{}x{}:{h:016x}",
        table.rows(),
        table.cols()
    )
}

/// Labels as stored: `row:a` or `row:n`, comma-separated, in labelling order.
pub fn encode_labels(labels: &[(usize, bool)]) -> String {
    labels
        .iter()
        .map(|&(r, a)| format!("{r}:{}", if a { 'a' } else { 'n' }))
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads stored labels back; anything malformed or out of range is skipped.
pub fn decode_labels(text: &str, rows: usize) -> Vec<(usize, bool)> {
    text.split(',')
        .filter_map(|item| {
            let (r, a) = item.split_once(':')?;
            let r: usize = r.trim().parse().ok()?;
            let a = match a.trim() {
                "a" => true,
                "n" => false,
                _ => return None,
            };
            (r < rows).then_some((r, a))
        })
        .collect()
}

impl Lab {
    pub fn new(name: String, table: Table) -> Self {
        let session = Session::new(table);
        let coords = session.projection(ProjectionKind::Pca).unwrap_or_default();
        let view = ViewRect::fit(&coords);
        Self {
            name,
            session,
            projection: ProjectionKind::Pca,
            coords,
            view,
            area: PlotArea::default(),
            grid: HitGrid::default(),
        }
    }

    /// Switches the 2-D view; an impossible one (latent without a 2-D
    /// bottleneck) is an error and leaves the view as it was.
    pub fn set_projection(&mut self, kind: ProjectionKind) -> Result<(), String> {
        let coords = self.session.projection(kind).map_err(|e| e.to_string())?;
        self.projection = kind;
        self.coords = coords;
        self.view = ViewRect::fit(&self.coords);
        Ok(())
    }

    pub fn axis_names(&self) -> (String, String) {
        match self.projection {
            ProjectionKind::Pca => ("PC 1".into(), "PC 2".into()),
            ProjectionKind::Latent => ("latent 1".into(), "latent 2".into()),
            ProjectionKind::Columns(a, b) => {
                let f = &self.session.table().features;
                (f[a].clone(), f[b].clone())
            }
        }
    }

    pub fn queue(&self, order: ReviewOrder) -> Vec<usize> {
        self.session.queue(order.strategy(QUEUE_LEN))
    }

    /// The row to review next: the first of the queue in `order`.
    pub fn suggestion(&self, order: ReviewOrder) -> Option<usize> {
        match order {
            ReviewOrder::Highest => self.session.suggestion(),
            other => self.session.queue(other.strategy(1)).first().copied(),
        }
    }

    /// Rank (1 = most anomalous) of one row, ties by row index.
    pub fn rank_of(&self, row: usize) -> Option<usize> {
        let s = self.session.scores()?;
        let mine = s[row];
        Some(
            1 + s
                .iter()
                .enumerate()
                .filter(|&(i, &v)| v > mine || (v == mine && i < row))
                .count(),
        )
    }

    /// Every row's current score, rank and label as CSV, for download:
    /// `row,score,rank,label` (1-based rows; rank 1 = most anomalous; label
    /// `anomaly`, `normal` or empty), plus `truth` when the data has it.
    pub fn export_csv(&self) -> String {
        let s = &self.session;
        let scores = s.scores();
        let ranks = s.ranks();
        let truth = s.table().labels.as_ref();
        let mut out = String::from("row,score,rank,label");
        if truth.is_some() {
            out.push_str(",truth");
        }
        out.push('\n');
        for i in 0..s.rows() {
            let score = scores.map(|v| v[i].to_string()).unwrap_or_default();
            let rank = ranks
                .as_ref()
                .map(|r| (r[i] + 1).to_string())
                .unwrap_or_default();
            let label = match s.label_of(i) {
                Some(true) => "anomaly",
                Some(false) => "normal",
                None => "",
            };
            out.push_str(&format!("{},{score},{rank},{label}", i + 1));
            if let Some(t) = truth {
                out.push_str(if t[i] { ",anomaly" } else { ",nominal" });
            }
            out.push('\n');
        }
        out
    }

    /// "name = value" for each feature of a row (the values as loaded).
    pub fn describe_row(&self, row: usize) -> Vec<String> {
        let t = self.session.table();
        t.features
            .iter()
            .zip(t.row(row))
            .map(|(n, v)| format!("{n} = {}", format_value(*v)))
            .collect()
    }
}

fn format_value(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e9 {
        format!("{v:.0}")
    } else {
        format!("{v:.4}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_review_order_gives_its_queue_and_suggestion() {
        use anomaly_lab_core::detector::Scored;
        let mut lab = Lab::new("t".into(), sample_table("tiny", None).unwrap());
        let (n, m) = (lab.session.rows(), lab.session.cols());
        let scored = Scored {
            rows: n,
            evidence_dim: m,
            evidence_per_feature: true,
            evidence: (0..n * m).map(|i| ((i * 7919) % 101) as f32).collect(),
            score: vec![0.0; n],
            latent_dim: 0,
            latent: vec![],
        };
        lab.session.attach(scored).unwrap();
        let scores = lab.session.scores().unwrap().to_vec();
        let mut queues = Vec::new();
        for order in ReviewOrder::ALL {
            let q = lab.queue(order);
            assert_eq!(q.len(), QUEUE_LEN);
            assert_eq!(lab.suggestion(order), Some(q[0]), "{order:?}");
            assert_eq!(ReviewOrder::parse(order.name()), Some(order));
            queues.push(q);
        }
        assert!(queues[0].windows(2).all(|w| scores[w[0]] >= scores[w[1]]));
        assert!(queues[1]
            .windows(2)
            .all(|w| scores[w[0]].abs() <= scores[w[1]].abs()));
        assert!(queues[0] != queues[1] && queues[0] != queues[2]);
    }

    #[test]
    fn abstract_evidence_is_explained_as_the_detectors_distance() {
        use anomaly_lab_core::detector::Scored;
        let mut lab = Lab::new("t".into(), sample_table("tiny", None).unwrap());
        let n = lab.session.rows();
        // Three abstract outputs (a one-class MLP's), row 0 far out on all.
        let evidence: Vec<f32> = (0..n * 3)
            .map(|i| if i < 3 { 50.0 } else { (i % 5) as f32 * 0.1 })
            .collect();
        let scored = Scored {
            rows: n,
            evidence_dim: 3,
            evidence_per_feature: false,
            evidence,
            score: vec![0.0; n],
            latent_dim: 0,
            latent: vec![],
        };
        lab.session.attach(scored).unwrap();
        let why = lab.session.explain(0, 3);
        assert_eq!(why[0].text, "the detector's distance", "{why:?}");
        assert!(why[0].value > 0.0);
        assert!(
            why.iter().all(|r| !r.detail.contains("reconstruction")),
            "{why:?}"
        );
    }

    #[test]
    fn gpu_errors_fit_on_one_line() {
        let wgpu = "reading a result back from the device failed: The device is poisoned\n\
                    Caused by:\n  The device is poisoned\nCaused by:\n  Destroyed: Device was destroyed.\n\
                    Backtrace:\nNo backtrace available";
        assert_eq!(
            one_line_error(wgpu),
            "reading a result back from the device failed: The device is poisoned: \
             Destroyed: Device was destroyed"
        );
        assert_eq!(one_line_error("plain"), "plain");
    }

    #[test]
    fn samples_exist_and_rows_can_be_overridden() {
        for name in ["clustered", "low-density", "high-dimensional", "tiny"] {
            let t = sample_table(name, None).unwrap();
            assert!(t.labels.is_some(), "{name}");
        }
        assert_eq!(
            sample_table("clustered", Some(10_000)).unwrap().rows(),
            10_000
        );
        assert_eq!(sample_table("tiny", Some(3)).unwrap().rows(), 20);
        assert!(sample_table("nope", None).is_none());
    }

    #[test]
    fn csv_errors_are_messages_naming_the_line() {
        let e = csv_table(b"a,b,c\n1,2,3\n4,5\n").unwrap_err();
        assert!(e.contains("line 3"), "{e}");
        assert_eq!(csv_table(b"").unwrap_err(), "the file is empty");
    }

    #[test]
    fn lab_projections_ranks_and_row_descriptions() {
        let mut lab = Lab::new("t".into(), sample_table("tiny", None).unwrap());
        assert_eq!(lab.coords.len(), 2 * 300);
        assert_eq!(lab.axis_names(), ("PC 1".to_string(), "PC 2".to_string()));
        lab.set_projection(ProjectionKind::Columns(1, 3)).unwrap();
        assert_eq!(lab.axis_names(), ("x2".to_string(), "x4".to_string()));
        assert_eq!(lab.coords[0], lab.session.x()[1]);
        // No detector yet: no latent view, no ranks, no queue; the view stays.
        assert!(lab.set_projection(ProjectionKind::Latent).is_err());
        assert_eq!(lab.projection, ProjectionKind::Columns(1, 3));
        assert_eq!(lab.rank_of(0), None);
        assert!(lab.queue(ReviewOrder::Highest).is_empty());
        assert_eq!(lab.describe_row(0).len(), 4);
        assert!(lab.describe_row(0)[0].starts_with("x1 = "));
    }

    #[test]
    fn export_has_a_line_per_row_with_labels() {
        use anomaly_lab_core::detector::Scored;
        let mut lab = Lab::new("t".into(), sample_table("tiny", None).unwrap());
        let unscored = lab.export_csv();
        assert!(unscored.starts_with("row,score,rank,label,truth\n1,,,,"));
        let n = lab.session.rows();
        let m = lab.session.cols();
        let evidence: Vec<f32> = (0..n * m).map(|i| (i % 7) as f32).collect();
        let score: Vec<f32> = (0..n).map(|i| (i % 11) as f32).collect();
        let scored = Scored {
            rows: n,
            evidence_dim: m,
            evidence_per_feature: true,
            evidence,
            score,
            latent_dim: 0,
            latent: vec![],
        };
        lab.session.attach(scored).unwrap();
        lab.session.label(4, Some(true)).unwrap();
        lab.session.label(5, Some(false)).unwrap();
        let csv = lab.export_csv();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), n + 1);
        assert!(
            lines[5].starts_with("5,") && lines[5].contains(",anomaly,"),
            "{}",
            lines[5]
        );
        assert!(lines[6].contains(",normal,"), "{}", lines[6]);
        let mut ranks: Vec<usize> = lines[1..]
            .iter()
            .map(|l| l.split(',').nth(2).unwrap().parse().unwrap())
            .collect();
        ranks.sort_unstable();
        assert_eq!(ranks, (1..=n).collect::<Vec<_>>());
    }

    #[test]
    fn labels_round_trip_through_storage_text_and_keys_follow_the_data() {
        let labels = vec![(4, true), (0, false), (17, true)];
        let text = encode_labels(&labels);
        assert_eq!(text, "4:a,0:n,17:a");
        assert_eq!(decode_labels(&text, 20), labels);
        assert_eq!(
            decode_labels("4:a,x:n,3:q,99:a,,2:n", 20),
            vec![(4, true), (2, false)]
        );
        let t = sample_table("tiny", None).unwrap();
        assert_eq!(storage_key("a", &t), storage_key("a", &t));
        assert_ne!(storage_key("a", &t), storage_key("b", &t));
        let other = sample_table("clustered", Some(300)).unwrap();
        assert_ne!(storage_key("a", &t), storage_key("a", &other));
    }

    #[test]
    fn values_print_as_integers_or_four_decimals() {
        assert_eq!(format_value(3.0), "3");
        assert_eq!(format_value(-0.123456), "-0.1235");
    }
}
