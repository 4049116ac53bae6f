//! A session's scoring model (detector and active layer, everything but
//! the schema) as one ONNX graph, for ONNX Runtime wherever the data lives
//! (docs/ONNX.md): `anomaly-lab export --session FILE --onnx model.onnx`,
//! and the page's "Download ONNX model".
//!
//! Input `features`: `double[N, D]`, the table's features (the schema's
//! encoding of a record, before standardisation). Output `score`:
//! `float[N, 1]`, the session's score (> 0: above the layer's boundary).
//! The graph, in the order the Rust scorer runs (`scoring::ScoringModel`):
//! 1. standardisation, `z = (x / unit − mean) / scale`;
//! 2. the detector (MatMul, Add, Tanh or LeakyRelu) and its evidence, the
//!    squared error per feature (or per output, to the MLP's centre);
//! 3. `ln(1 + evidence)` and the marginal evidence `ln(1 + z²)`;
//! 4. each column's tail: a `TreeEnsembleRegressor` (ai.onnx.ml) whose
//!    tree over the column's knots finds the knot interval of a value and
//!    gives its base, slope and anchor (`tail = base + slope·(v − anchor)`);
//! 5. the forest: one more ensemble over `z`, the forest's own trees, gives
//!    the mean path length (the isolation score `2^(−E[h]/c(ψ))`) and the
//!    region term (each leaf's learnt offset);
//! 6. the evidence standardised, the linear layer `w·f + b`;
//! 7. the neighbour term: the kernel to every labelled row (constants),
//!    `a·(Σk⁺ − Σk⁻)/(1 + Σk⁺ + Σk⁻)`.
//!
//! Where a last bit matters (a tail reads a value's rank among close
//! neighbours), the graph computes as the Rust scorer does: standardisation,
//! the detector and the logarithms in f64, each rounded to f32 once, so the
//! tails' inputs are ours but in rare rounding ties. The rest is ONNX
//! Runtime's f32 arithmetic in its own order: its scores agree with ours to
//! rounding (the test asks 1e-4).

mod proto;

use crate::active::{LayerModel, TailSketch};
use crate::detector::{DetectorKind, DetectorSpec, DetectorWeights};
use crate::forest::{c, ForestModel};
use crate::scoring::ScoringModel;
use prost::Message;

use proto::{attribute_type as at, data_type as dt};

/// ai.onnx and ai.onnx.ml opsets, and the IR version, that ONNX Runtime
/// 1.14 and later read.
const OPSET: i64 = 17;
const ML_OPSET: i64 = 3;
const IR_VERSION: i64 = 8;

/// The ONNX model of `model` (whose detector is `spec` with `weights`), as
/// bytes.
pub fn export(
    model: &ScoringModel,
    spec: &DetectorSpec,
    weights: &DetectorWeights,
) -> Result<Vec<u8>, String> {
    let mut g = Graph::default();
    let d = model.schema.features;
    let s = &model.standardizer;
    // 1. z = (x / unit − mean) / scale in f64, rounded to f32: the CLI's
    // and the page's z to the bit (the input is f64, as the CSV's values).
    let dims = [1, d as i64];
    let unit = g.doubles("unit", &dims, s.unit.clone());
    let mean = g.doubles("mean", &dims, s.mean.clone());
    let scale = g.doubles("scale", &dims, s.scale.clone());
    let z = g.op("Div", &["features", &unit], vec![]);
    let z = g.op("Sub", &[&z, &mean], vec![]);
    let z = g.op("Div", &[&z, &scale], vec![]);
    let z = g.cast(&z, dt::FLOAT);
    // 2. The detector's evidence, in f64 from the f32 z, rounded to f32
    // once (as `Forward`).
    let z64 = g.cast(&z, dt::DOUBLE);
    let array = |name: &str| -> Result<(Vec<f64>, Vec<i64>), String> {
        let w = weights
            .arrays
            .iter()
            .find(|w| w.name == name)
            .ok_or_else(|| format!("the detector has no array '{name}'"))?;
        Ok((
            w.values.iter().map(|&v| f64::from(v)).collect(),
            w.shape.iter().map(|&n| n as i64).collect(),
        ))
    };
    let dense = |g: &mut Graph, x: &str, w: &str, b: Option<&str>| -> Result<String, String> {
        let (values, shape) = array(w)?;
        let w = g.doubles(w, &shape, values);
        let y = g.op("MatMul", &[x, &w], vec![]);
        Ok(match b {
            Some(b) => {
                let (values, shape) = array(b)?;
                let b = g.doubles(b, &[1, shape[0]], values);
                g.op("Add", &[&y, &b], vec![])
            }
            None => y,
        })
    };
    let evidence = match spec.kind {
        DetectorKind::Autoencoder => {
            let h = dense(&mut g, &z64, "enc1.weight", Some("enc1.bias"))?;
            let h = g.op("Tanh", &[&h], vec![]);
            let l = dense(&mut g, &h, "enc2.weight", Some("enc2.bias"))?;
            let h = dense(&mut g, &l, "dec1.weight", Some("dec1.bias"))?;
            let h = g.op("Tanh", &[&h], vec![]);
            let y = dense(&mut g, &h, "dec2.weight", Some("dec2.bias"))?;
            let e = g.op("Sub", &[&y, &z64], vec![]);
            g.op("Mul", &[&e, &e], vec![])
        }
        DetectorKind::Mlp => {
            let h = dense(&mut g, &z64, "l1.weight", None)?;
            let h = g.op("LeakyRelu", &[&h], vec![float("alpha", 0.1)]);
            let o = dense(&mut g, &h, "l2.weight", None)?;
            let (values, shape) = array("center")?;
            let c = g.doubles("center", &shape, values);
            let e = g.op("Sub", &[&o, &c], vec![]);
            g.op("Mul", &[&e, &e], vec![])
        }
    };
    let evidence = g.cast(&evidence, dt::FLOAT);
    let layer = &model.layer;
    // 3. ln(1 + evidence), and the marginal block ln(1 + z²): in f64 from
    // the f32 values, rounded to f32 (as `log_evidence`, `log_marginal`).
    let one64 = g.doubles("one", &[1], vec![1.0]);
    let e = g.cast(&evidence, dt::DOUBLE);
    let e = g.op("Add", &[&e, &one64], vec![]);
    let e = g.op("Log", &[&e], vec![]);
    let mut columns = vec![g.cast(&e, dt::FLOAT)];
    if layer.marginal {
        let zz = g.op("Mul", &[&z64, &z64], vec![]);
        let zz = g.op("Add", &[&zz, &one64], vec![]);
        let zz = g.op("Log", &[&zz], vec![]);
        columns.push(g.cast(&zz, dt::FLOAT));
    }
    let raw = concat(&mut g, &columns);
    // 4. Each column's tail.
    let tailed = if layer.tails.is_empty() {
        raw
    } else {
        tails(&mut g, &raw, &layer.tails)
    };
    let mut evidence_columns = vec![tailed];
    // 5. The forest: mean path length and region term.
    let (mut region, mut isolation) = (None, None);
    if let Some(forest) = &layer.forest {
        let (path, offsets) = forest_terms(&mut g, &z, forest, layer);
        let scale = g.floats(
            "path_scale",
            &[1],
            vec![(-std::f64::consts::LN_2 / c(forest.psi).max(1.0)) as f32],
        );
        let p = g.op("Mul", &[&path, &scale], vec![]);
        isolation = Some(g.op("Exp", &[&p], vec![]));
        region = offsets;
    }
    if layer.isolation {
        evidence_columns
            .push(isolation.ok_or("the layer reads an isolation score but has no forest")?);
    }
    // 6. The evidence standardised, the features beside, the linear layer.
    let e = concat(&mut g, &evidence_columns);
    let ev = &layer.evidence;
    let width = ev.unit.len() as i64;
    let ea: Vec<f32> = ev
        .unit
        .iter()
        .zip(&ev.scale)
        .map(|(u, k)| (1.0 / (u * k)) as f32)
        .collect();
    let eb: Vec<f32> = ev
        .mean
        .iter()
        .zip(&ev.scale)
        .map(|(m, k)| (-m / k) as f32)
        .collect();
    let ea = g.floats("evidence_mul", &[1, width], ea);
    let eb = g.floats("evidence_add", &[1, width], eb);
    let e = g.op("Mul", &[&e, &ea], vec![]);
    let e = g.op("Add", &[&e, &eb], vec![]);
    let f = if layer.features {
        concat(&mut g, &[e, z.clone()])
    } else {
        e
    };
    let w = g.floats("w", &[layer.w.len() as i64, 1], layer.w.clone());
    let bias = g.floats("b", &[1], vec![layer.b]);
    let s = g.op("MatMul", &[&f, &w], vec![]);
    let mut score = g.op("Add", &[&s, &bias], vec![]);
    // 7. The neighbour term.
    if let Some(nb) = &layer.neighbours {
        let nu = neighbours(&mut g, &z, nb, d);
        score = g.op("Add", &[&score, &nu], vec![]);
    }
    if let Some(r) = region {
        score = g.op("Add", &[&score, &r], vec![]);
    }
    g.node("Identity", &[&score], &["score"], vec![], "");
    let model = proto::Model {
        ir_version: IR_VERSION,
        producer_name: "anomaly-lab".into(),
        producer_version: env!("CARGO_PKG_VERSION").into(),
        doc_string: "Anomaly Lab: a session's detector and active layer; input the table's \
                     features, output the session's score (> 0: above the layer's boundary)"
            .into(),
        graph: Some(proto::Graph {
            node: g.nodes,
            name: "anomaly_lab_session".into(),
            initializer: g.inits,
            input: vec![value_info("features", dt::DOUBLE, &[None, Some(d as i64)])],
            output: vec![value_info("score", dt::FLOAT, &[None, Some(1)])],
        }),
        opset_import: vec![
            proto::OpsetId {
                domain: String::new(),
                version: OPSET,
            },
            proto::OpsetId {
                domain: "ai.onnx.ml".into(),
                version: ML_OPSET,
            },
        ],
        metadata_props: vec![proto::StringPair {
            key: "features".into(),
            value: d.to_string(),
        }],
    };
    Ok(model.encode_to_vec())
}

/// The nodes and constants being made, each value named `v<k>`.
#[derive(Default)]
struct Graph {
    nodes: Vec<proto::Node>,
    inits: Vec<proto::Tensor>,
    count: usize,
}

impl Graph {
    fn fresh(&mut self) -> String {
        self.count += 1;
        format!("v{}", self.count)
    }

    fn floats(&mut self, name: &str, dims: &[i64], values: Vec<f32>) -> String {
        let name = format!("{name}_{}", self.inits.len());
        self.inits.push(proto::Tensor {
            dims: dims.to_vec(),
            data_type: dt::FLOAT,
            float_data: values,
            name: name.clone(),
            ..Default::default()
        });
        name
    }

    fn doubles(&mut self, name: &str, dims: &[i64], values: Vec<f64>) -> String {
        let name = format!("{name}_{}", self.inits.len());
        self.inits.push(proto::Tensor {
            dims: dims.to_vec(),
            data_type: dt::DOUBLE,
            double_data: values,
            name: name.clone(),
            ..Default::default()
        });
        name
    }

    /// `x` cast to f32 (`to` 1) or f64 (`to` 11).
    fn cast(&mut self, x: &str, to: i32) -> String {
        self.op("Cast", &[x], vec![int("to", i64::from(to))])
    }

    fn ints(&mut self, name: &str, dims: &[i64], values: Vec<i64>) -> String {
        let name = format!("{name}_{}", self.inits.len());
        self.inits.push(proto::Tensor {
            dims: dims.to_vec(),
            data_type: dt::INT64,
            int64_data: values,
            name: name.clone(),
            ..Default::default()
        });
        name
    }

    fn node(
        &mut self,
        op: &str,
        inputs: &[&str],
        outputs: &[&str],
        attribute: Vec<proto::Attribute>,
        domain: &str,
    ) {
        self.nodes.push(proto::Node {
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: outputs.iter().map(|s| s.to_string()).collect(),
            name: format!("n{}", self.nodes.len()),
            op_type: op.into(),
            attribute,
            domain: domain.into(),
        });
    }

    /// One node of the default domain with one output.
    fn op(&mut self, op: &str, inputs: &[&str], attribute: Vec<proto::Attribute>) -> String {
        let out = self.fresh();
        self.node(op, inputs, &[&out], attribute, "");
        out
    }
}

fn float(name: &str, f: f32) -> proto::Attribute {
    proto::Attribute {
        name: name.into(),
        f,
        r#type: at::FLOAT,
        ..Default::default()
    }
}

fn int(name: &str, i: i64) -> proto::Attribute {
    proto::Attribute {
        name: name.into(),
        i,
        r#type: at::INT,
        ..Default::default()
    }
}

fn text(name: &str, s: &str) -> proto::Attribute {
    proto::Attribute {
        name: name.into(),
        s: s.as_bytes().to_vec(),
        r#type: at::STRING,
        ..Default::default()
    }
}

fn floats(name: &str, floats: Vec<f32>) -> proto::Attribute {
    proto::Attribute {
        name: name.into(),
        floats,
        r#type: at::FLOATS,
        ..Default::default()
    }
}

fn ints(name: &str, ints: Vec<i64>) -> proto::Attribute {
    proto::Attribute {
        name: name.into(),
        ints,
        r#type: at::INTS,
        ..Default::default()
    }
}

fn texts(name: &str, strings: Vec<&str>) -> proto::Attribute {
    proto::Attribute {
        name: name.into(),
        strings: strings.iter().map(|s| s.as_bytes().to_vec()).collect(),
        r#type: at::STRINGS,
        ..Default::default()
    }
}

fn value_info(name: &str, elem_type: i32, dims: &[Option<i64>]) -> proto::ValueInfo {
    proto::ValueInfo {
        name: name.into(),
        r#type: Some(proto::TypeProto {
            tensor_type: Some(proto::TensorType {
                elem_type,
                shape: Some(proto::Shape {
                    dim: dims
                        .iter()
                        .map(|d| proto::Dimension {
                            dim_value: *d,
                            dim_param: d.is_none().then(|| "rows".to_string()),
                        })
                        .collect(),
                }),
            }),
        }),
    }
}

/// The columns side by side (axis 1); one column set is itself.
fn concat(g: &mut Graph, parts: &[String]) -> String {
    if parts.len() == 1 {
        return parts[0].clone();
    }
    let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
    g.op("Concat", &refs, vec![int("axis", 1)])
}

/// One node's test: `mode` (`BRANCH_LT`, `BRANCH_LEQ` or `LEAF`) on input
/// column `feature` against `value`, to node `yes` when it holds, else `no`.
struct Split {
    mode: &'static str,
    feature: i64,
    value: f32,
    yes: i64,
    no: i64,
}

/// The arrays of a `TreeEnsembleRegressor`, filled tree by tree.
#[derive(Default)]
struct Ensemble {
    tree: Vec<i64>,
    node: Vec<i64>,
    feature: Vec<i64>,
    mode: Vec<&'static str>,
    value: Vec<f32>,
    yes: Vec<i64>,
    no: Vec<i64>,
    target_tree: Vec<i64>,
    target_node: Vec<i64>,
    target_id: Vec<i64>,
    target_weight: Vec<f32>,
}

impl Ensemble {
    /// Node `at` = (tree, node) splits on `split`.
    fn branch(&mut self, at: (i64, i64), split: Split) {
        self.tree.push(at.0);
        self.node.push(at.1);
        self.feature.push(split.feature);
        self.mode.push(split.mode);
        self.value.push(split.value);
        self.yes.push(split.yes);
        self.no.push(split.no);
    }

    fn leaf(&mut self, tree: i64, node: i64, targets: &[(i64, f32)]) {
        let split = Split {
            mode: "LEAF",
            feature: 0,
            value: 0.0,
            yes: 0,
            no: 0,
        };
        self.branch((tree, node), split);
        for &(id, weight) in targets {
            self.target_tree.push(tree);
            self.target_node.push(node);
            self.target_id.push(id);
            self.target_weight.push(weight);
        }
    }

    fn node(self, g: &mut Graph, input: &str, targets: usize) -> String {
        g.count += 1;
        let out = format!("v{}", g.count);
        g.node(
            "TreeEnsembleRegressor",
            &[input],
            &[&out],
            vec![
                ints("nodes_treeids", self.tree),
                ints("nodes_nodeids", self.node),
                ints("nodes_featureids", self.feature),
                texts("nodes_modes", self.mode),
                floats("nodes_values", self.value),
                ints("nodes_truenodeids", self.yes),
                ints("nodes_falsenodeids", self.no),
                ints("target_treeids", self.target_tree),
                ints("target_nodeids", self.target_node),
                ints("target_ids", self.target_id),
                floats("target_weights", self.target_weight),
                int("n_targets", targets as i64),
                text("aggregate_function", "SUM"),
                text("post_transform", "NONE"),
            ],
            "ai.onnx.ml",
        );
        out
    }
}

/// One column's tree being made: the ensemble, the sketch, the tree's and
/// the input column's number, the next node's number, and each interval's
/// `[base, slope, anchor]`.
struct Column<'a> {
    e: &'a mut Ensemble,
    s: &'a TailSketch,
    tree: i64,
    col: i64,
    next: i64,
    interval: &'a dyn Fn(usize) -> [f32; 3],
}

impl Column<'_> {
    /// A balanced tree over the intervals `lo..=hi`, nodes numbered in the
    /// order made (`v ≤ knot` goes left); returns its root's number.
    fn build(&mut self, lo: usize, hi: usize) -> i64 {
        let at = self.next;
        self.next += 1;
        let col = self.col;
        if lo == hi {
            let [base, slope, anchor] = (self.interval)(lo);
            self.e.leaf(
                self.tree,
                at,
                &[(3 * col, base), (3 * col + 1, slope), (3 * col + 2, anchor)],
            );
            return at;
        }
        let mid = (lo + hi) / 2;
        // The children's numbers are filled in once they are made.
        let slot = self.e.node.len();
        let split = Split {
            mode: "BRANCH_LEQ",
            feature: col,
            value: self.s.values[mid],
            yes: 0,
            no: 0,
        };
        self.e.branch((self.tree, at), split);
        let yes = self.build(lo, mid);
        let no = self.build(mid + 1, hi);
        self.e.yes[slot] = yes;
        self.e.no[slot] = no;
        at
    }
}

/// Each column of `raw` (`[N, C]`) read by its sketch: a tree per column
/// finds the value's knot interval (`v ≤ knot` goes left) and its leaf
/// gives the interval's base, slope and anchor as targets `3c`, `3c + 1`,
/// `3c + 2`; then `tail = base + slope·(v − anchor)`, as `TailSketch::tail`.
fn tails(g: &mut Graph, raw: &str, sketches: &[TailSketch]) -> String {
    let mut e = Ensemble::default();
    for (col, s) in sketches.iter().enumerate() {
        let (tree, col_i) = (col as i64, col as i64);
        let k = s.values.len();
        // Intervals 0..=k: 0 is (−∞, v0], i is (v(i−1), v(i)], k is above vk−1.
        let interval = |i: usize| -> [f32; 3] {
            match i {
                0 => [s.tails.first().copied().unwrap_or(0.0), 0.0, 0.0],
                i if i == k => [s.tails.last().copied().unwrap_or(0.0), 0.0, 0.0],
                i => {
                    let (a, b) = (f64::from(s.values[i - 1]), f64::from(s.values[i]));
                    let (ta, tb) = (f64::from(s.tails[i - 1]), f64::from(s.tails[i]));
                    let slope = (tb - ta) / (b - a);
                    [
                        s.tails[i - 1],
                        if slope.is_finite() { slope as f32 } else { 0.0 },
                        s.values[i - 1],
                    ]
                }
            }
        };
        let mut column = Column {
            e: &mut e,
            s,
            tree,
            col: col_i,
            next: 0,
            interval: &interval,
        };
        column.build(0, k);
    }
    let c = sketches.len();
    let y = e.node(g, raw, 3 * c);
    let pick = |g: &mut Graph, k: i64| {
        let idx = g.ints(
            "pick",
            &[c as i64],
            (0..c as i64).map(|j| 3 * j + k).collect(),
        );
        g.op("Gather", &[&y, &idx], vec![int("axis", 1)])
    };
    let base = pick(g, 0);
    let slope = pick(g, 1);
    let anchor = pick(g, 2);
    let dv = g.op("Sub", &[raw, &anchor], vec![]);
    let lift = g.op("Mul", &[&slope, &dv], vec![]);
    g.op("Add", &[&base, &lift], vec![])
}

/// The forest's trees over `z`: target 0 sums each leaf's path length / T
/// (the mean path length), target 1 each leaf's region offset / T (when
/// the layer has one). Returns both as `[N, 1]`.
fn forest_terms(
    g: &mut Graph,
    z: &str,
    forest: &ForestModel,
    layer: &LayerModel,
) -> (String, Option<String>) {
    let mut e = Ensemble::default();
    let t = forest.trees.len() as f64;
    for (ti, tree) in forest.trees.iter().enumerate() {
        let inner = tree.features.len();
        for slot in 0..inner {
            let (yes, no) = (2 * slot + 1, 2 * slot + 2);
            let split = Split {
                mode: "BRANCH_LT",
                feature: i64::from(tree.features[slot]),
                value: tree.thresholds[slot],
                yes: yes as i64,
                no: no as i64,
            };
            e.branch((ti as i64, slot as i64), split);
        }
        for (k, &leaf) in tree.bottom.iter().enumerate() {
            let mut targets = vec![(0, (f64::from(tree.path[leaf as usize]) / t) as f32)];
            if let Some(offsets) = layer.regions.get(ti) {
                targets.push((1, offsets[leaf as usize]));
            }
            e.leaf(ti as i64, (inner + k) as i64, &targets);
        }
    }
    let y = e.node(g, z, 2);
    let col = |g: &mut Graph, k: i64| {
        let idx = g.ints("pick", &[1], vec![k]);
        g.op("Gather", &[&y, &idx], vec![int("axis", 1)])
    };
    let path = col(g, 0);
    let region = (!layer.regions.is_empty()).then(|| col(g, 1));
    (path, region)
}

/// `a·(p − n)/(1 + p + n)`, `p` and `n` the kernel sums over the labelled
/// anomalies and normals: `exp(scale·‖z − l‖²)`, with `‖z − l‖²` as
/// `‖z‖² + ‖l‖² − 2 z·l` (one MatMul, no `N × K × D` tensor).
fn neighbours(g: &mut Graph, z: &str, nb: &crate::active::NeighbourModel, d: usize) -> String {
    let k = nb.anomaly.len();
    let mut lt = vec![0.0f32; d * k];
    let mut ll = vec![0.0f32; k];
    for (j, row) in nb.rows.chunks_exact(d).enumerate() {
        for (i, &v) in row.iter().enumerate() {
            lt[i * k + j] = v;
        }
        ll[j] = row.iter().map(|v| v * v).sum();
    }
    let lt = g.floats("labelled_t", &[d as i64, k as i64], lt);
    let ll = g.floats("labelled_sq", &[1, k as i64], ll);
    let axes = g.ints("axes", &[1], vec![1]);
    let zz = g.op("Mul", &[z, z], vec![]);
    let zz = g.op("ReduceSum", &[&zz, &axes], vec![int("keepdims", 1)]);
    let cross = g.op("MatMul", &[z, &lt], vec![]);
    let minus2 = g.floats("minus_two", &[1], vec![-2.0]);
    let cross = g.op("Mul", &[&cross, &minus2], vec![]);
    let d2 = g.op("Add", &[&zz, &ll], vec![]);
    let d2 = g.op("Add", &[&d2, &cross], vec![]);
    let d2 = g.op("Relu", &[&d2], vec![]);
    let scale = g.floats("kernel_scale", &[1], vec![nb.scale]);
    let kk = g.op("Mul", &[&d2, &scale], vec![]);
    let kk = g.op("Exp", &[&kk], vec![]);
    let pos: Vec<f32> = nb
        .anomaly
        .iter()
        .map(|&a| if a { 1.0 } else { 0.0 })
        .collect();
    let neg: Vec<f32> = nb
        .anomaly
        .iter()
        .map(|&a| if a { 0.0 } else { 1.0 })
        .collect();
    let pos = g.floats("anomalies", &[k as i64, 1], pos);
    let neg = g.floats("normals", &[k as i64, 1], neg);
    let p = g.op("MatMul", &[&kk, &pos], vec![]);
    let n = g.op("MatMul", &[&kk, &neg], vec![]);
    let top = g.op("Sub", &[&p, &n], vec![]);
    let one = g.floats("one", &[1], vec![1.0]);
    let bottom = g.op("Add", &[&p, &n], vec![]);
    let bottom = g.op("Add", &[&bottom, &one], vec![]);
    let ratio = g.op("Div", &[&top, &bottom], vec![]);
    let a = g.floats("neighbour_weight", &[1], vec![nb.weight as f32]);
    g.op("Mul", &[&ratio, &a], vec![])
}
