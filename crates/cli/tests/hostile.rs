//! The hostile-input corpus: files a real user may hand us, each run
//! through `anomaly-lab score` (and `eval` where ground truth matters) with
//! the outcome it must have: scores for every row, or one clear line that
//! says what is wrong and where.
//!
//! `HOSTILE_TABLE=/tmp/hostile.md cargo test --release -p anomaly-lab-cli
//! --test hostile` also writes the table in docs/RELIABILITY.md, with the
//! wall time and peak memory of each run (through `/usr/bin/time`).

// Test code: a failed unwrap is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;

/// What a case must give.
enum Expect {
    /// `score` writes this many rows, and stderr holds each of these.
    Scores(usize, &'static [&'static str]),
    /// The command fails with one line holding each of these.
    Fails(&'static [&'static str]),
}

struct Case {
    name: &'static str,
    what: &'static str,
    bytes: Vec<u8>,
    command: &'static str,
    args: &'static [&'static str],
    expect: Expect,
}

fn rows(n: usize, header: &str, row: impl Fn(usize) -> String) -> Vec<u8> {
    let mut s = format!("{header}\n");
    for i in 0..n {
        s.push_str(&row(i));
        s.push('\n');
    }
    s.into_bytes()
}

/// A seeded stream of numbers in [0, 1), so that every case is the same file
/// on every run.
fn noise(i: usize, j: usize) -> f64 {
    let mut x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (j as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 29;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

fn truth(i: usize) -> &'static str {
    if i % 20 == 3 {
        "anomaly"
    } else {
        "nominal"
    }
}

fn corpus() -> Vec<Case> {
    use Expect::*;
    let score = "score";
    let eval = "eval";
    let mut cases = vec![
        Case {
            name: "huge values",
            what: "±1e308 and 1e200 in a column",
            bytes: rows(300, "a,b,c,label", |i| {
                format!("{},{},{},{}", [1e308, -1e308, 1e200, 5.0][i % 4], noise(i, 1), noise(i, 2) * 1e-300, truth(i))
            }),
            command: score,
            args: &[],
            expect: Scores(300, &["3 columns used: a, b, c"]),
        },
        Case {
            name: "out of range",
            what: "1e400 in a numeric column",
            bytes: rows(30, "a,b", |i| format!("{},{}", if i == 7 { "1e400".into() } else { noise(i, 0).to_string() }, i)),
            command: score,
            args: &[],
            expect: Fails(&["line 9", "'a'", "'1e400'", "largest number"]),
        },
        Case {
            name: "numeric header",
            what: "header `2019,2020,2021,label`",
            bytes: rows(400, "2019,2020,2021,label", |i| format!("{},{},{},{}", noise(i, 0), noise(i, 1), noise(i, 2), truth(i))),
            command: score,
            args: &[],
            expect: Scores(400, &["ground truth: column 'label' (20 anomalies)", "3 columns used: 2019, 2020, 2021"]),
        },
        Case {
            name: "numeric header, label named",
            what: "the same with `--label-column label`",
            bytes: rows(400, "2019,2020,2021,label", |i| format!("{},{},{},{}", noise(i, 0), noise(i, 1), noise(i, 2), truth(i))),
            command: score,
            args: &["--label-column", "label"],
            expect: Scores(400, &["ground truth: column 'label'"]),
        },
        Case {
            name: "labels 1/-1",
            what: "scikit-learn's labels, -1 the rarer",
            bytes: rows(200, "x,y,label", |i| format!("{},{},{}", noise(i, 0) + if i % 10 == 3 { 3.0 } else { 0.0 }, noise(i, 1), if i % 10 == 3 { -1 } else { 1 })),
            command: eval,
            args: &["--budget", "20", "--seeds", "0"],
            expect: Scores(0, &["'-1' (the rarer value) marks an anomaly", "(20 anomalies)"]),
        },
        Case {
            name: "all anomalies",
            what: "every label `anomaly`",
            bytes: rows(50, "x,y,label", |i| format!("{},{},anomaly", noise(i, 0), noise(i, 1))),
            command: eval,
            args: &["--budget", "5", "--seeds", "0"],
            expect: Fails(&["calls every row an anomaly", "nothing to measure"]),
        },
        Case {
            name: "no anomalies, scored",
            what: "every label `0`, through `score`",
            bytes: rows(50, "x,y,label", |i| format!("{},{},0", noise(i, 0), noise(i, 1))),
            command: score,
            args: &[],
            expect: Scores(50, &["warning: the ground truth 'label' calls no row an anomaly"]),
        },
        Case {
            name: "second ground truth",
            what: "`label` and `outlier` on pure noise",
            bytes: rows(300, "a,b,label,outlier", |i| format!("{},{},{},{}", noise(i, 0), noise(i, 1), truth(i), u8::from(i % 20 == 3))),
            command: score,
            args: &[],
            expect: Scores(300, &["dropped 'outlier': looks like a second ground-truth column", "2 columns used: a, b"]),
        },
        Case {
            name: "thousands in quotes",
            what: "`\"1,234\"` with `;` as the delimiter",
            bytes: rows(40, "id;amount", |i| format!("{};\"{},{:03}\"", noise(i, 0), 1 + i % 9, i * 7 % 1000)),
            command: score,
            args: &[],
            expect: Scores(40, &["'amount': numbers written as text were read (thousands separators ',' removed)"]),
        },
        Case {
            name: "currency",
            what: "`$255.90`",
            bytes: rows(40, "item,price", |i| format!("{},${}.{:02}", noise(i, 0), 100 + i * 3, i % 100)),
            command: score,
            args: &[],
            expect: Scores(40, &["currency sign '$' removed"]),
        },
        Case {
            name: "percent",
            what: "`5.1%`",
            bytes: rows(40, "x,rate", |i| format!("{},{:.1}%", noise(i, 0), noise(i, 1) * 10.0)),
            command: score,
            args: &[],
            expect: Scores(40, &["percent signs removed"]),
        },
        Case {
            name: "decimal commas",
            what: "`1,5;2,3`, no header",
            bytes: (0..40).flat_map(|i| format!("{},{};{},{}\n", i % 7, i % 10, i % 5, i % 3).into_bytes()).collect(),
            command: score,
            args: &[],
            expect: Scores(40, &["decimal comma"]),
        },
        Case {
            name: "a feature named class",
            what: "`class` holds real values",
            bytes: rows(60, "x,class", |i| format!("{},{}", noise(i, 0), noise(i, 1) * 100.0)),
            command: score,
            args: &[],
            expect: Scores(60, &["'class' is named like a ground-truth column", "2 columns used: x, class"]),
        },
        Case {
            name: "one blank label",
            what: "one empty cell in `label`",
            bytes: rows(60, "x,y,label", |i| format!("{},{},{}", noise(i, 0), noise(i, 1), if i == 30 { "" } else { truth(i) })),
            command: score,
            args: &[],
            expect: Scores(60, &["warning: the ground-truth column 'label' can't be used: 1 of its cells is blank (the first on line 32)", "no ground truth"]),
        },
        Case {
            name: "100 text columns",
            what: "32 values each (3,200 one-hot columns uncapped)",
            bytes: rows(2700, &(0..100).map(|j| format!("t{j}")).collect::<Vec<_>>().join(","), |i| {
                (0..100).map(|j| format!("v{}", (noise(i, j) * 32.0) as usize)).collect::<Vec<_>>().join(",")
            }),
            command: score,
            args: &[],
            expect: Scores(2700, &["warning: the text columns would make more than 256 one-hot columns"]),
        },
        Case {
            name: "10,000 columns",
            what: "10,000 numeric columns × 50 rows",
            bytes: rows(50, &(0..10_000).map(|j| format!("c{j}")).collect::<Vec<_>>().join(","), |i| {
                (0..10_000).map(|j| format!("{:.4}", noise(i, j))).collect::<Vec<_>>().join(",")
            }),
            command: score,
            args: &[],
            expect: Scores(50, &["10000 columns used: c0, c1", "… and 9988 more"]),
        },
        Case {
            name: "200k-character cell",
            what: "one cell of 200,000 characters and an escape code",
            bytes: {
                let mut b = rows(30, "a,b", |i| format!("{},{}", noise(i, 0), i));
                b.extend(format!("1,{}\x1b[31m\n", "z".repeat(200_000)).into_bytes());
                b
            },
            command: score,
            args: &[],
            expect: Fails(&["line 32", "'b'", "zzzz…"]),
        },
        Case {
            name: "NUL byte",
            what: "binary data on line 3",
            bytes: b"a,b\n1,2\n3,\x004\n".to_vec(),
            command: score,
            args: &[],
            expect: Fails(&["line 3", "NUL bytes"]),
        },
        Case {
            name: "UTF-16",
            what: "UTF-16 little-endian with its byte-order mark",
            bytes: [0xFF, 0xFE]
                .into_iter()
                .chain(
                    String::from_utf8(rows(40, "é,b", |i| format!("{},{}", noise(i, 0), noise(i, 1))))
                        .unwrap()
                        .encode_utf16()
                        .flat_map(u16::to_le_bytes),
                )
                .collect(),
            command: score,
            args: &[],
            expect: Scores(40, &["2 columns used: é, b", "UTF-16"]),
        },
        Case {
            name: "Latin-1",
            what: "`café` saved as Latin-1",
            bytes: {
                let mut b = b"caf\xe9,b\n".to_vec();
                b.extend(rows(40, "", |i| format!("{},{}", noise(i, 0), noise(i, 1))).into_iter().skip(1));
                b
            },
            command: score,
            args: &[],
            expect: Scores(40, &["2 columns used: café, b", "warning: the file is not UTF-8"]),
        },
        Case {
            name: "pipes",
            what: "`|` as the delimiter",
            bytes: rows(40, "a|b|c", |i| format!("{}|{}|{}", noise(i, 0), noise(i, 1), noise(i, 2))),
            command: score,
            args: &[],
            expect: Scores(40, &["3 columns used: a, b, c"]),
        },
        Case {
            name: "duplicate names",
            what: "`a,b,a` and an empty name",
            bytes: rows(40, "a,b,a,", |i| format!("{},{},{},{}", noise(i, 0), noise(i, 1), noise(i, 2), noise(i, 3))),
            command: score,
            args: &[],
            expect: Scores(40, &["columns 1 and 3 are both named 'a'; column 3 is called 'a_2'", "column 4 has no name"]),
        },
        Case {
            name: "empty",
            what: "a file of zero bytes",
            bytes: Vec::new(),
            command: score,
            args: &[],
            expect: Fails(&["the file is empty"]),
        },
        Case {
            name: "header only",
            what: "`a,b` and nothing else",
            bytes: b"a,b\n".to_vec(),
            command: score,
            args: &[],
            expect: Fails(&["a header but no data rows"]),
        },
        Case {
            name: "ragged",
            what: "a row with one field too few",
            bytes: rows(30, "a,b", |i| if i == 11 { "1".into() } else { format!("{},{}", noise(i, 0), i) }),
            command: score,
            args: &[],
            expect: Fails(&["line 13", "expected 2 fields", "found 1"]),
        },
        Case {
            name: "stray text",
            what: "`oops` in a numeric column",
            bytes: rows(30, "a,b", |i| format!("{},{}", noise(i, 0), if i == 20 { "oops".into() } else { i.to_string() })),
            command: score,
            args: &[],
            expect: Fails(&["line 22", "'b'", "'oops'"]),
        },
        Case {
            name: "identifiers only",
            what: "one text column of unique ids",
            bytes: rows(40, "id", |i| format!("user{i}")),
            command: score,
            args: &[],
            expect: Fails(&["no usable feature column", "'id' is text with 40 distinct values"]),
        },
        Case {
            name: "constant",
            what: "every value the same",
            bytes: rows(40, "k,j", |_| "5,5".into()),
            command: score,
            args: &[],
            expect: Fails(&["no usable feature column", "'k' is constant (5)"]),
        },
        Case {
            name: "missing values",
            what: "NA, ?, null and blanks",
            bytes: rows(40, "a,b", |i| {
                let cell = ["NA", "?", "null", ""].get(i % 5).map_or_else(|| noise(i, 1).to_string(), |s| s.to_string());
                format!("{cell},{}", noise(i, 0))
            }),
            command: score,
            args: &[],
            expect: Scores(40, &["missing values imputed: 32 — a (32)"]),
        },
        Case {
            name: "CRLF and BOM",
            what: "Windows line ends and a UTF-8 byte-order mark",
            bytes: [0xEF, 0xBB, 0xBF]
                .into_iter()
                .chain(rows(40, "a,b\r", |i| format!("{},{}\r", noise(i, 0), noise(i, 1))))
                .collect(),
            command: score,
            args: &[],
            expect: Scores(40, &["2 columns used: a, b"]),
        },
        Case {
            name: "too few rows",
            what: "9 data rows",
            bytes: rows(9, "a,b", |i| format!("{},{}", noise(i, 0), i)),
            command: score,
            args: &[],
            expect: Fails(&["too few rows: found 9, need at least 10"]),
        },
        Case {
            name: "label only",
            what: "nothing but the ground truth",
            bytes: rows(40, "label", |i| truth(i).into()),
            command: score,
            args: &[],
            expect: Fails(&["no usable feature column", "only the label column"]),
        },
        Case {
            name: "unknown label column",
            what: "`--label-column truth`, not in the header",
            bytes: rows(40, "a,b", |i| format!("{},{}", noise(i, 0), i)),
            command: score,
            args: &["--label-column", "truth"],
            expect: Fails(&["the label column 'truth' is not in the header"]),
        },
        Case {
            name: "unbalanced quote",
            what: "a quote that never closes",
            bytes: rows(30, "a,b", |i| if i == 5 { "\"1,2".into() } else { format!("{},{}", noise(i, 0), i) }),
            command: score,
            args: &[],
            expect: Fails(&["line 7", "never closes"]),
        },
    ];
    cases.retain(|c| !c.name.is_empty());
    cases
}

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("anomaly-lab-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn every_hostile_input_gets_scores_or_a_clear_message() {
    let table_path = std::env::var("HOSTILE_TABLE").ok();
    let dir = dir();
    let mut table = String::from(
        "| input | file | outcome | time (s) | peak memory (MB) |\n|---|---|---|---:|---:|\n",
    );
    let mut failures = Vec::new();
    for (k, case) in corpus().into_iter().enumerate() {
        let data = dir.join(format!("case{k}.csv"));
        let out = dir.join(format!("case{k}.scores.csv"));
        let usage = dir.join(format!("case{k}.time"));
        std::fs::write(&data, &case.bytes).unwrap();
        let bin = env!("CARGO_BIN_EXE_anomaly-lab");
        let mut cmd = if table_path.is_some() {
            let mut c = Command::new("/usr/bin/time");
            c.args(["-o", usage.to_str().unwrap(), "-f", "%e %M", bin]);
            c
        } else {
            Command::new(bin)
        };
        cmd.args([case.command, "--data", data.to_str().unwrap()]);
        if case.command == "score" {
            cmd.args(["--out", out.to_str().unwrap()]);
        }
        cmd.args(case.args);
        let run = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
        let problem = match &case.expect {
            Expect::Scores(n, said) => {
                let written =
                    std::fs::read_to_string(&out).map(|s| s.lines().count().saturating_sub(1));
                if !run.status.success() {
                    Some(format!("failed: {stderr}"))
                } else if case.command == "score" && written.as_ref().ok() != Some(n) {
                    Some(format!("wrote {written:?} rows, not {n}"))
                } else {
                    said.iter()
                        .find(|s| !stderr.contains(*s))
                        .map(|s| format!("stderr lacks {s:?}:\n{stderr}"))
                }
            }
            Expect::Fails(said) => {
                // The data report may come first; the error is one line.
                let errors: Vec<&str> =
                    stderr.lines().filter(|l| l.starts_with("error:")).collect();
                if run.status.success() {
                    Some("succeeded".into())
                } else if errors.len() != 1 || errors[0].len() > 400 {
                    Some(format!("{} error lines: {stderr}", errors.len()))
                } else {
                    said.iter()
                        .find(|s| !errors[0].contains(*s))
                        .map(|s| format!("message lacks {s:?}: {stderr}"))
                }
            }
        };
        if let Some(p) = problem {
            failures.push(format!("{}: {p}", case.name));
        }
        let outcome = match &case.expect {
            Expect::Scores(_, said) => {
                // What the report said about this case: its first expected line.
                let line = said
                    .first()
                    .and_then(|s| stderr.lines().find(|l| l.contains(s)))
                    .map(|l| l.split(".csv: ").last().unwrap_or(l).to_string());
                let verb = if case.command == "score" {
                    "scored"
                } else {
                    "evaluated"
                };
                match line {
                    Some(l) => format!("{verb}; {}", cut(&l)),
                    None => verb.into(),
                }
            }
            Expect::Fails(_) => {
                let error = stderr
                    .lines()
                    .find(|l| l.starts_with("error:"))
                    .unwrap_or_default();
                format!(
                    "refused: {}",
                    cut(&error.split(": ").skip(2).collect::<Vec<_>>().join(": "))
                )
            }
        };
        let (secs, mb) = std::fs::read_to_string(&usage)
            .ok()
            .and_then(|s| {
                let last = s.lines().last()?.to_string();
                let mut it = last.split_whitespace();
                Some((
                    it.next()?.to_string(),
                    it.next()?.parse::<f64>().ok()? / 1024.0,
                ))
            })
            .map_or(("".into(), "".into()), |(s, m)| (s, format!("{m:.0}")));
        writeln!(
            table,
            "| {} | {} | {} | {secs} | {mb} |",
            case.name,
            case.what.replace('|', "\\|"),
            outcome.replace('|', "\\|")
        )
        .unwrap();
    }
    if let Some(path) = table_path {
        std::fs::write(path, &table).unwrap();
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The first 110 characters of a message, for the table.
fn cut(s: &str) -> String {
    let s: String = s.chars().take(110).collect();
    s.replace('`', "'")
}
