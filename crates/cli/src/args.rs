//! Command-line parsing: raw words → a validated [`Command`].

use anomaly_lab_core::active::{ActiveConfig, ActiveLoss, AAD_TAU};
use anomaly_lab_core::detector::{DetectorKind, DetectorSpec};
use anomaly_lab_core::eval::Expert;
use anomaly_lab_core::query::QueryRule;
use anomaly_lab_core::synth::BuiltinSample;

pub const USAGE: &str = "\
usage:
  anomaly-lab eval --data FILE [--label-column NAME] [--detector autoencoder|mlp]
                   [--budget N] [--seeds 0,1,2,3,4] [--backend cpu|wgpu] [--json]
                   [--flip-first] [--noise P] [--strategy highest|boundary|random|top-k:N]
                   [--epochs N] [--hidden N] [--bottleneck N] [--lr X] [--train-rows N]
                   [--save-session FILE.session.json] [active-layer settings, below]
  anomaly-lab score --data FILE --out scores.csv [--label-column NAME]
                   [--detector autoencoder|mlp] [--seed N] [--backend cpu|wgpu]
                   [--epochs N] [--hidden N] [--bottleneck N] [--lr X] [--train-rows N]
  anomaly-lab score --session FILE.session.json --data FILE --out scores.csv
  anomaly-lab sample --kind clustered|low-density|hidden|high-dimensional|tiny [--rows N] --out FILE
  anomaly-lab export --session FILE.session.json --onnx model.onnx

--train-rows N: the detector trains on a seeded sample of at most N rows (0: every
row; default 50000), then scores every row.

score --session takes a session file saved by the page (docs/SESSION.md) and
scores a CSV with the columns of the session's data, of any size, one slice of
rows at a time (memory does not grow with the rows): its detector, its labels
and its layer, training nothing. It writes row,score,flagged (flagged: above
the layer's boundary, a score > 0); the session's own rows get the page's
scores to the bit. A file saved before format version 2 has no scoring model:
it scores only the data it was saved for.

eval --save-session FILE writes the first seed's session after its queries,
as the page saves one, for score --session.

export --onnx writes the session's detector and active layer as one ONNX model
(input: the table's features, double[N, D]; output: the score, float[N, 1]) for
ONNX Runtime (docs/ONNX.md).

eval plays the expert from the ground truth: it answers about the top-ranked
unlabelled row, one at a time, and reports found@k (true anomalies among the
first k rows asked about) against the detector's own ranking.
  --flip-first        the expert gets the first answer wrong
  --noise P           the expert gets each answer wrong with probability P
                      (seeded by the run's seed); found@k still counts true anomalies
  --vary-forest       each seed also grows its own isolation forest (the layer's regions
                      and isolation score), as each of AAD's runs does; without it every
                      seed shares the one forest the page grows for the data

active-layer settings (the defaults are the page's; see the top of
crates/core/src/active/mod.rs for the math):
  --loss logistic|aad          class-balanced logistic loss (default) or AAD's hinge
  --prior X                    weight of ||w - w0||^2, the pull to the prior (0.05)
  --active-steps N             Adam steps after each label (10)
  --active-lr X                Adam step size for the weights (0.005)
  --init-quantile X            the boundary starts at this quantile of the prior scores (0.97)
  --features on|off            the standardised features as inputs too (on)
  --marginal-evidence on|off   each feature's z^2 as evidence (on)
  --tail-evidence on|off       each evidence column read by its upper tail,
                               -ln(share of rows at least as large) (on)
  --tail-knots N               0: the tail from the exact rank; N: from a sketch of
                               at most N knots per column (0)
  --neighbour-weight X         largest shift of the neighbour term; 0 turns it off (8)
  --neighbour-width X          its kernel width, relative to the distance between rows (0.4)
  --forest-trees N             trees of the isolation forest whose leaves are the
                               layer's regions; 0 turns regions off (100)
  --forest-sample N            rows each tree is grown on, at most 256 (256)
  --forest-evidence on|off     the forest's isolation score as evidence (on)
  --forest-share X             share of the prior score's spread it carries (0.35)
  --region-lr X                Adam step size of the per-leaf offsets: how far one answer
                               moves the regions around its row (0.1)
  --region-prior X             weight of ||u||^2 on the offsets (0)
  --region-scales N            nodes above each leaf with an offset of their own, so one
                               answer also moves the larger regions around its row (8)
  --node-fade N                after N labels the nodes above the leaves count N/labels
                               of their offset, so the leaves speak once answers pile
                               up; 0: always in full (100)
  --vote-weight X              each forest leaf adds X*(k*a - n)/(prior + a + n), a and n
                               the anomaly and normal answers it holds: rows that share
                               leaves with an answer follow it; 0 turns it off (8)
  --vote-prior X               the votes' pseudo-count: answers a leaf needs for half
                               of the largest shift (2)
  --anomaly-votes-after N      anomalies vote once N are in (2: one mistaken first
                               anomaly lifts no leaf); 0: never (2)
  --anomaly-vote-scale K       how many normal answers' worth one anomaly counts in a
                               leaf's vote (3)
  --explore-vote-scale K       the search: answers N..2N-1 (N: --rank-after) while at most
                               --search-anomalies are anomalies, leaf votes x K (10) in
                               the ranking the questions come from, not in the scores
                               shown or the fit; 1 turns it off. A search that finds
                               nothing leaves each region it has seen
  --search-anomalies N         the search goes on through N anomaly answers (1); with 1,
                               one mistaken first answer does not call it off
  --search-turns on|off        after the search, while every answer is normal, every other
                               question is asked with the search's votes in its ranking
                               (on); off: the search ends at answer 2N
  --turns-anomalies N          the search's turns go on through N anomaly answers (1); with
                               1, one mistaken first answer does not end them
  --block-rate X               each fitting step also scales the detector's, the marginal
                               and the isolation evidence as blocks by e^(+-X), toward
                               the one the labels favour; 0 turns it off (0.02)
  --rank-weight X              weight of the rank term: labelled normals below the row
                               ranked at tau*N (1)
  --rank-full on|off           the rank term keeps its full weight until a second
                               anomaly is in (on); off: it halves at the first, so one
                               mistaken anomaly holds the weights against the normals
  --rank-tau X                 tau (0.03)
  --rank-after N               the rank term is on once the last N answers were all
                               normal, so the ranking keeps exploring (10)
  --normal-wait N              while every answer is normal, the weights move only from
                               the N-th answer on: one mistaken first answer cannot
                               turn them (2)
  --second-share X             share of the isolation score in the second ranking's prior;
                               0 turns it off (0.6). The second ranking is the layer's
                               score with its learnt weights swapped for that prior; it
                               asks while it finds anomalies at least as often as the
                               layer's own ranking (scores stay the layer's)
  --second-after N             the second ranking asks its first question once the
                               layer's own has asked N (2)
  --boost-after N              from N+5 labels on, trees boosted on the labels propose
                               questions while they hit as often as the rankings;
                               they never change a score; 0: off (100). Refitted every
                               5 labels (to the labels of 5 labels before; up to 16
                               past 383 labels), they pick among the asking
                               ranking's best rows
  --boost-candidates N         how many of the asking ranking's best unlabelled rows
                               the trees and the lookalike pick from (500)
  --lookalike-labels N         the lookalike asks in the first N answers; 0: off (15).
                               It proposes the row whose isolation-forest leaves hold
                               the most labelled anomalies against normals (each anomaly
                               counted from the first), until it misses
                               --lookalike-misses times in a row; an anomaly found gives
                               it its turn again; it never changes a score
  --lookalike-misses N         misses in a row before the lookalike waits for the next
                               anomaly (2)
  --lookalike-min X            how like the anomalies its row must be: the mean over the
                               trees of its leaves' (3a - n)/(2 + a + n), 1 for a row
                               whose leaves hold one anomaly alone (0.4)
  --lookalike-tie X            rows within X of the likest row's likeness count as tied
                               with it, and the asking ranking's first of them is
                               proposed; 0: the likest row alone (0.02)
  --fit-labels N               the most labels one fit of the layer reads; 0: all
                               (512). Past N it reads the newest 64 and a seeded
                               sample of the older ones of each class, drawn afresh
                               per label, so a label's update stops growing
  --late-steps N               Adam steps after each label once the labels pass
                               --fit-labels; 0: --active-steps (5)";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Cpu,
    Wgpu,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Self::Cpu => "cpu",
            Self::Wgpu => "wgpu",
        }
    }
}

#[derive(Debug, Clone)]
pub struct EvalArgs {
    pub data: String,
    pub label_column: Option<String>,
    pub spec: DetectorSpec,
    pub budget: Option<usize>,
    pub seeds: Vec<u64>,
    pub backend: Backend,
    pub json: bool,
    pub active: ActiveConfig,
    pub strategy: QueryRule,
    pub expert: Expert,
    /// Where to write the first seed's session (`--save-session`).
    pub save_session: Option<String>,
    /// Each seed grows its own isolation forest (`--vary-forest`).
    pub vary_forest: bool,
}

#[derive(Debug, Clone)]
pub struct ScoreArgs {
    pub data: String,
    pub out: String,
    /// A session file saved by the page: its detector and labels score the
    /// data instead of a detector trained here.
    pub session: Option<String>,
    pub label_column: Option<String>,
    pub spec: DetectorSpec,
    pub backend: Backend,
}

#[derive(Debug, Clone)]
pub struct SampleArgs {
    pub kind: BuiltinSample,
    /// Rows instead of the sample's own number (`--rows N`).
    pub rows: Option<usize>,
    pub out: String,
}

#[derive(Debug, Clone)]
pub enum Command {
    /// Boxed: the layer's settings make it far larger than the others.
    Eval(Box<EvalArgs>),
    Score(ScoreArgs),
    Sample(SampleArgs),
    Export(ExportArgs),
    Help,
}

/// `export --session FILE --onnx OUT`.
#[derive(Debug, Clone)]
pub struct ExportArgs {
    pub session: String,
    pub onnx: String,
}

fn number<T: std::str::FromStr>(flag: &str, v: &str) -> Result<T, String> {
    v.parse()
        .map_err(|_| format!("{flag} expects a number, got '{v}'"))
}

/// A finite number, 0 or more; `what` says what it counts (with its
/// trailing ", "), for the message.
fn non_negative(flag: &str, v: &str, what: &str) -> Result<f64, String> {
    let x: f64 = number(flag, v)?;
    if x >= 0.0 && x.is_finite() {
        Ok(x)
    } else {
        Err(format!("{flag} is {what}0 or more, got '{v}'"))
    }
}

/// `on` or `off` (also `true`/`false`, `1`/`0`).
fn switch(flag: &str, v: &str) -> Result<bool, String> {
    match v {
        "on" | "true" | "1" => Ok(true),
        "off" | "false" | "0" => Ok(false),
        _ => Err(format!("{flag}: expected on or off, got '{v}'")),
    }
}

pub fn parse(argv: &[String]) -> Result<Command, String> {
    let Some((sub, rest)) = argv.split_first() else {
        return Ok(Command::Help);
    };
    if matches!(sub.as_str(), "-h" | "--help" | "help") {
        return Ok(Command::Help);
    }
    if sub == "sample" {
        return parse_sample(rest);
    }
    if sub == "export" {
        let (mut session, mut onnx) = (None, None);
        let mut it = rest.iter();
        while let Some(flag) = it.next() {
            let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
            match flag.as_str() {
                "--session" => session = Some(value.clone()),
                "--onnx" => onnx = Some(value.clone()),
                _ => return Err(format!("unknown option '{flag}'")),
            }
        }
        return Ok(Command::Export(ExportArgs {
            session: session.ok_or("--session FILE is required")?,
            onnx: onnx.ok_or("--onnx FILE is required")?,
        }));
    }
    if sub != "eval" && sub != "score" {
        return Err(format!("unknown command '{sub}'"));
    }
    let mut data = None;
    let mut out = None;
    let mut session = None;
    let mut save_session = None;
    let mut label_column = None;
    let mut spec = DetectorSpec::default();
    let mut budget = None;
    let mut seeds = vec![0u64];
    let mut backend = Backend::Cpu;
    let mut json = false;
    let mut active = ActiveConfig::default();
    let mut strategy = QueryRule::Highest;
    let mut expert = Expert::default();
    let mut vary_forest = false;
    let mut learning_rate = None;
    let mut it = rest.iter();
    while let Some(flag) = it.next() {
        if flag == "--json" {
            json = true;
            continue;
        }
        if flag == "--flip-first" {
            expert.flip_first = true;
            continue;
        }
        if flag == "--vary-forest" && sub == "eval" {
            vary_forest = true;
            continue;
        }
        let value = it
            .next()
            .ok_or_else(|| format!("{flag} needs a value"))?
            .as_str();
        match flag.as_str() {
            "--data" => data = Some(value.to_string()),
            "--out" => out = Some(value.to_string()),
            "--session" if sub == "score" => session = Some(value.to_string()),
            "--save-session" if sub == "eval" => save_session = Some(value.to_string()),
            "--label-column" => label_column = Some(value.to_string()),
            "--detector" => {
                spec.kind = DetectorKind::parse(value)
                    .ok_or_else(|| format!("--detector: unknown detector '{value}'"))?
            }
            "--budget" => budget = Some(number(flag, value)?),
            "--seeds" => {
                seeds = value
                    .split(',')
                    .map(|s| number(flag, s.trim()))
                    .collect::<Result<_, _>>()?
            }
            "--seed" => seeds = vec![number(flag, value)?],
            "--backend" => {
                backend = match value {
                    "cpu" | "flex" => Backend::Cpu,
                    "wgpu" | "gpu" => Backend::Wgpu,
                    _ => return Err(format!("--backend: unknown backend '{value}'")),
                }
            }
            "--epochs" => spec.train.epochs = number(flag, value)?,
            "--train-rows" => spec.train.max_rows = number(flag, value)?,
            "--hidden" => spec.hidden = number(flag, value)?,
            "--bottleneck" => spec.bottleneck = number(flag, value)?,
            "--lr" => learning_rate = Some(number(flag, value)?),
            "--loss" => {
                active.loss = match value {
                    "logistic" => ActiveLoss::Logistic,
                    "aad" | "hinge" | "aad-hinge" => ActiveLoss::AadHinge { tau: AAD_TAU },
                    _ => return Err(format!("--loss: unknown loss '{value}'")),
                }
            }
            "--prior" => active.prior = number(flag, value)?,
            "--active-steps" => active.steps = number(flag, value)?,
            "--active-lr" => active.learning_rate = number(flag, value)?,
            "--init-quantile" => active.init_quantile = number(flag, value)?,
            "--neighbour-weight" => active.neighbour_weight = number(flag, value)?,
            "--neighbour-width" => active.neighbour_width = number(flag, value)?,
            "--strategy" => {
                strategy = QueryRule::parse(value).map_err(|e| format!("--strategy: {e}"))?
            }
            "--marginal-evidence" => active.marginal_evidence = switch(flag, value)?,
            "--features" => active.use_features = switch(flag, value)?,
            "--forest-trees" => active.forest_trees = number(flag, value)?,
            "--forest-sample" => active.forest_sample = number(flag, value)?,
            "--forest-evidence" => active.forest_evidence = switch(flag, value)?,
            "--region-lr" => active.region_learning_rate = number(flag, value)?,
            "--region-prior" => active.region_prior = number(flag, value)?,
            "--forest-share" => active.forest_share = number(flag, value)?,
            "--tail-evidence" => active.tail_evidence = switch(flag, value)?,
            "--tail-knots" => active.tail_knots = number(flag, value)?,
            "--region-scales" => active.region_scales = number(flag, value)?,
            "--node-fade" => active.node_fade = number(flag, value)?,
            "--vote-weight" => active.vote_weight = number(flag, value)?,
            "--anomaly-votes-after" => active.anomaly_votes_after = number(flag, value)?,
            "--block-rate" => active.block_rate = non_negative(flag, value, "")?,
            "--second-share" => {
                active.second_share = non_negative(flag, value, "a share of the spread, ")?
            }
            "--second-after" => active.second_after = number(flag, value)?,
            "--boost-after" => active.boost_after = number(flag, value)?,
            "--boost-candidates" => active.boost_candidates = number(flag, value)?,
            "--lookalike-labels" => active.lookalike_labels = number(flag, value)?,
            "--lookalike-misses" => active.lookalike_misses = number(flag, value)?,
            "--lookalike-min" => active.lookalike_min = non_negative(flag, value, "")?,
            "--lookalike-tie" => active.lookalike_tie = non_negative(flag, value, "")?,
            "--fit-labels" => active.fit_labels = number(flag, value)?,
            "--late-steps" => active.late_steps = number(flag, value)?,
            "--anomaly-vote-scale" => {
                active.anomaly_vote_scale = non_negative(flag, value, "a count of answers, ")?
            }
            "--explore-vote-scale" => {
                active.explore_vote_scale = non_negative(flag, value, "a factor, ")?
            }
            "--search-anomalies" => active.search_anomalies = number(flag, value)?,
            "--search-turns" => active.search_turns = switch(flag, value)?,
            "--turns-anomalies" => active.turns_anomalies = number(flag, value)?,
            "--vote-prior" => active.vote_prior = non_negative(flag, value, "a count of labels, ")?,
            "--noise" => {
                expert.noise = number(flag, value)?;
                if !(0.0..=1.0).contains(&expert.noise) {
                    return Err(format!(
                        "--noise is a probability from 0 to 1, got '{value}'"
                    ));
                }
            }
            "--rank-weight" => active.rank_weight = number(flag, value)?,
            "--rank-full" => active.rank_full = switch(flag, value)?,
            "--normal-wait" => active.normal_wait = number(flag, value)?,
            "--rank-after" => active.rank_after = number(flag, value)?,
            "--rank-tau" => active.rank_tau = number(flag, value)?,
            _ => return Err(format!("unknown option '{flag}'")),
        }
    }
    let data = data.ok_or("--data FILE is required")?;
    if seeds.is_empty() {
        return Err("--seeds needs at least one seed".into());
    }
    spec.train.seed = seeds[0];
    // Each detector's own default, unless --lr says otherwise.
    spec.train.learning_rate = learning_rate.unwrap_or(spec.kind.default_learning_rate());
    if sub == "eval" {
        Ok(Command::Eval(Box::new(EvalArgs {
            data,
            label_column,
            spec,
            budget,
            seeds,
            backend,
            json,
            active,
            strategy,
            expert,
            save_session,
            vary_forest,
        })))
    } else {
        Ok(Command::Score(ScoreArgs {
            data,
            out: out.ok_or("--out FILE is required")?,
            session,
            label_column,
            spec,
            backend,
        }))
    }
}

fn parse_sample(rest: &[String]) -> Result<Command, String> {
    let mut kind = BuiltinSample::Clustered;
    let mut out = None;
    let mut rows = None;
    let mut it = rest.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--kind" => {
                kind = BuiltinSample::parse(value)
                    .ok_or_else(|| format!("--kind: unknown sample '{value}'"))?
            }
            "--out" => out = Some(value.clone()),
            "--rows" => match number::<usize>(flag, value)? {
                n @ 20..=10_000_000 => rows = Some(n),
                n => return Err(format!("--rows: {n} is not between 20 and 10000000")),
            },
            _ => return Err(format!("unknown option '{flag}'")),
        }
    }
    Ok(Command::Sample(SampleArgs {
        kind,
        rows,
        out: out.ok_or("--out FILE is required")?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn eval_defaults_and_flags() {
        let Command::Eval(a) = parse(&words("eval --data x.csv")).unwrap() else {
            panic!("not eval")
        };
        assert_eq!(a.seeds, vec![0]);
        assert_eq!(a.spec.kind, DetectorKind::Autoencoder);
        assert_eq!(a.backend, Backend::Cpu);
        assert!(!a.json);
        let Command::Eval(a) = parse(&words(
            "eval --data x.csv --detector mlp --budget 50 --seeds 1,2,3 --json --backend wgpu",
        ))
        .unwrap() else {
            panic!("not eval")
        };
        assert_eq!(a.seeds, vec![1, 2, 3]);
        assert_eq!(a.budget, Some(50));
        assert_eq!(a.spec.kind, DetectorKind::Mlp);
        assert!(a.json);
        assert_eq!(a.spec.train.max_rows, 50_000, "the page's default");
        let Command::Score(s) =
            parse(&words("score --data x.csv --out y.csv --train-rows 1000")).unwrap()
        else {
            panic!("not score")
        };
        assert_eq!(s.spec.train.max_rows, 1000);
        assert!(USAGE.contains("--train-rows N: the detector trains on a seeded sample"));
    }

    /// Every active-layer setting has a flag, the help names it with the
    /// default it states, and the noisy expert's flags reach eval.
    #[test]
    fn layer_and_expert_flags_are_parsed_and_documented() {
        let Command::Eval(a) = parse(&words(
            "eval --data x --flip-first --vary-forest --noise 0.05 --forest-trees 50 --forest-sample 128 \
             --forest-evidence off --forest-share 0.3 --region-lr 0.1 --region-prior 0.01 \
             --rank-weight 2 --rank-tau 0.05 --rank-after 5 --normal-wait 4 --node-fade 30 \
             --rank-full off --search-turns off --turns-anomalies 3 \
             --vote-weight 3 --vote-prior 0.5 \
             --anomaly-votes-after 4 --anomaly-vote-scale 1.5 --block-rate 0.05 \
             --second-share 0.5 --second-after 3 --explore-vote-scale 4 \
             --boost-after 100 --boost-candidates 250 --fit-labels 300 --late-steps 4 \
             --lookalike-labels 9 --lookalike-misses 3 --search-anomalies 2 --lookalike-min 0.7 \
             --lookalike-tie 0.1",
        ))
        .unwrap() else {
            panic!("not eval")
        };
        assert!(a.expert.flip_first && a.vary_forest);
        assert_eq!(a.expert.noise, 0.05);
        let c = &a.active;
        assert_eq!((c.forest_trees, c.forest_sample), (50, 128));
        assert!(!c.forest_evidence);
        assert_eq!((c.forest_share, c.region_learning_rate), (0.3, 0.1));
        assert_eq!(
            (c.region_prior, c.rank_weight, c.rank_tau),
            (0.01, 2.0, 0.05)
        );
        assert_eq!((c.rank_after, c.normal_wait), (5, 4));
        assert!(!c.rank_full && !c.search_turns);
        assert_eq!(c.turns_anomalies, 3);
        assert_eq!((c.boost_after, c.boost_candidates), (100, 250));
        assert_eq!((c.fit_labels, c.late_steps), (300, 4));
        assert_eq!((c.lookalike_labels, c.lookalike_misses), (9, 3));
        assert_eq!((c.lookalike_min, c.lookalike_tie), (0.7, 0.1));
        assert_eq!(c.node_fade, 30);
        assert_eq!((c.vote_weight, c.vote_prior), (3.0, 0.5));
        assert_eq!(c.anomaly_votes_after, 4);
        assert_eq!(c.anomaly_vote_scale, 1.5);
        assert_eq!(c.block_rate, 0.05);
        assert_eq!((c.second_share, c.second_after), (0.5, 3));
        assert_eq!((c.explore_vote_scale, c.search_anomalies), (4.0, 2));
        let d = ActiveConfig::default();
        // A switch's default as the help states it.
        let on_off = |on: bool| if on { "on" } else { "off" }.to_string();
        for (flag, default) in [
            ("--forest-trees N", d.forest_trees.to_string()),
            ("--forest-sample N", d.forest_sample.to_string()),
            ("--forest-evidence on|off", on_off(d.forest_evidence)),
            ("--forest-share X", d.forest_share.to_string()),
            ("--region-scales N", d.region_scales.to_string()),
            ("--node-fade N", d.node_fade.to_string()),
            ("--vote-weight X", d.vote_weight.to_string()),
            ("--vote-prior X", d.vote_prior.to_string()),
            ("--anomaly-votes-after N", d.anomaly_votes_after.to_string()),
            ("--anomaly-vote-scale K", d.anomaly_vote_scale.to_string()),
            ("--explore-vote-scale K", d.explore_vote_scale.to_string()),
            ("--search-anomalies N", d.search_anomalies.to_string()),
            ("--search-turns on|off", on_off(d.search_turns)),
            ("--turns-anomalies N", d.turns_anomalies.to_string()),
            ("--block-rate X", d.block_rate.to_string()),
            ("--second-share X", d.second_share.to_string()),
            ("--second-after N", d.second_after.to_string()),
            ("--boost-after N", d.boost_after.to_string()),
            ("--boost-candidates N", d.boost_candidates.to_string()),
            ("--lookalike-labels N", d.lookalike_labels.to_string()),
            ("--lookalike-misses N", d.lookalike_misses.to_string()),
            ("--lookalike-min X", d.lookalike_min.to_string()),
            ("--lookalike-tie X", d.lookalike_tie.to_string()),
            ("--fit-labels N", d.fit_labels.to_string()),
            ("--late-steps N", d.late_steps.to_string()),
            ("--neighbour-weight X", d.neighbour_weight.to_string()),
            ("--tail-evidence on|off", on_off(d.tail_evidence)),
            ("--tail-knots N", d.tail_knots.to_string()),
            ("--region-lr X", d.region_learning_rate.to_string()),
            ("--region-prior X", d.region_prior.to_string()),
            ("--rank-weight X", d.rank_weight.to_string()),
            ("--rank-tau X", d.rank_tau.to_string()),
            ("--rank-after N", d.rank_after.to_string()),
            ("--rank-full on|off", on_off(d.rank_full)),
            ("--normal-wait N", d.normal_wait.to_string()),
            ("--prior X", d.prior.to_string()),
            ("--active-lr X", d.learning_rate.to_string()),
        ] {
            let line = USAGE
                .lines()
                .position(|l| l.trim_start().starts_with(flag))
                .unwrap_or_else(|| panic!("{flag} is not explained"));
            let text: String = USAGE.lines().skip(line).take(3).collect();
            assert!(text.contains(&format!("({default})")), "{flag}: {text}");
        }
    }

    #[test]
    fn each_detector_gets_its_own_learning_rate_unless_told() {
        let lr = |line: &str| match parse(&words(line)).unwrap() {
            Command::Eval(a) => a.spec.train.learning_rate,
            _ => unreachable!(),
        };
        assert_eq!(lr("eval --data x"), 0.005);
        assert_eq!(lr("eval --data x --detector mlp"), 0.001);
        assert_eq!(lr("eval --lr 0.02 --data x --detector mlp"), 0.02);
    }

    #[test]
    fn bad_command_lines_say_what_is_wrong() {
        for (line, says) in [
            ("eval", "--data"),
            ("eval --data x --budget ten", "number"),
            ("eval --data x --detector tree", "tree"),
            ("score --data x", "--out"),
            ("eval --data x --strategy top-k:0", "top-k:N"),
            ("eval --data x --strategy best", "'best'"),
            ("eval --data x --marginal-evidence maybe", "on or off"),
            ("eval --data x --noise 1.5", "probability"),
            ("eval --data x --forest-evidence yes", "on or off"),
            ("eval --data x --vote-prior -1", "0 or more"),
            ("eval --data x --anomaly-vote-scale -1", "0 or more"),
            ("eval --data x --anomaly-vote-scale inf", "0 or more"),
            ("eval --data x --block-rate -0.1", "0 or more"),
            ("eval --data x --lookalike-min -1", "0 or more"),
            ("eval --data x --lookalike-tie -0.5", "0 or more"),
            ("eval --data x --second-share -1", "0 or more"),
            ("frobnicate", "frobnicate"),
        ] {
            let err = parse(&words(line)).unwrap_err();
            assert!(err.contains(says), "{line}: {err}");
        }
    }

    #[test]
    fn sample_takes_a_number_of_rows() {
        let Ok(Command::Sample(a)) =
            parse(&words("sample --kind clustered --rows 1000000 --out f.csv"))
        else {
            panic!("sample did not parse");
        };
        assert_eq!((a.rows, a.out.as_str()), (Some(1_000_000), "f.csv"));
        for bad in ["--rows 5", "--rows many", "--rows 20000000"] {
            let e = parse(&words(&format!("sample {bad} --out f.csv"))).unwrap_err();
            assert!(e.contains("--rows"), "{bad}: {e}");
        }
    }
}
