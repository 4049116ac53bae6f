//! The ground truth: which column holds it, and which of its values marks
//! an anomaly.
//!
//! The rule, as README.md states it:
//! - a column is ground truth when its name is one of [`LABEL_NAMES`] (any
//!   case) or the name given with `--label-column`;
//! - words decide first: `anomaly`, `outlier`, `attack`, `true`, `yes`, …
//!   mark anomalies; `nominal`, `normal`, `inlier`, `benign`, `false`, `no`, …
//!   mark normal rows; `0`/`1` means 1 is the anomaly;
//! - when one value is a normal word, every other value is an anomaly (a
//!   column of `normal` and attack names);
//! - otherwise, with exactly two values (such as scikit-learn's `1`/`-1`),
//!   the rarer value is the anomaly; two equally common values can't be told
//!   apart;
//! - anything else, or a blank cell, makes the ground truth unusable: it is
//!   reported, and scoring goes on without it.

use std::collections::BTreeMap;

use super::text::{clean, is_missing, shown};

/// Column names taken as ground truth, compared case-insensitively.
pub const LABEL_NAMES: [&str; 8] = [
    "label",
    "labels",
    "class",
    "is_anomaly",
    "anomaly",
    "outlier",
    "ground.truth",
    "ground_truth",
];

const ANOMALY_WORDS: [&str; 11] = [
    "anomaly",
    "anomalous",
    "abnormal",
    "outlier",
    "attack",
    "fraud",
    "true",
    "yes",
    "1",
    "1.0",
    "positive",
];
const NORMAL_WORDS: [&str; 11] = [
    "nominal", "normal", "inlier", "benign", "regular", "false", "no", "0", "0.0", "negative", "ok",
];

/// Whether a column name is one the ground-truth rule takes.
pub fn is_label_name(name: &str) -> bool {
    LABEL_NAMES
        .iter()
        .any(|n| clean(name).eq_ignore_ascii_case(n))
}

/// One value's meaning by its word alone.
fn word(value: &str) -> Option<bool> {
    let v = value.to_ascii_lowercase();
    if ANOMALY_WORDS.contains(&v.as_str()) {
        Some(true)
    } else if NORMAL_WORDS.contains(&v.as_str()) {
        Some(false)
    } else {
        None
    }
}

/// Reads one ground-truth value by its word alone; `None` for any other
/// token (the column's other values may still decide it).
pub fn parse_label(value: &str) -> Option<bool> {
    word(clean(value))
}

/// A ground-truth column read.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Truth {
    /// One flag per row, and how the values were read when words alone did
    /// not say (for the data report).
    Labels {
        labels: Vec<bool>,
        rule: Option<String>,
    },
    /// Why the column can't be ground truth; `looks_like_truth` tells a
    /// broken ground truth (blank cells, labels of three kinds) from a
    /// feature that merely has such a name.
    Unusable {
        reason: String,
        looks_like_truth: bool,
    },
}

/// Reads the ground truth from a column's cells; `lines` gives each cell's
/// line in the file.
pub(super) fn read(cells: &[&str], lines: &dyn Fn(usize) -> u64) -> Truth {
    let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut blanks = Vec::new();
    for (i, c) in cells.iter().enumerate() {
        if is_missing(c) {
            blanks.push(i);
            continue;
        }
        counts
            .entry(clean(c).to_ascii_lowercase())
            .or_insert((0, i))
            .0 += 1;
    }
    let all_words = counts.keys().all(|v| word(v).is_some());
    if let Some(&first) = blanks.first() {
        return Truth::Unusable {
            reason: format!(
                "{} of its cells {} blank (the first on line {})",
                blanks.len(),
                if blanks.len() == 1 { "is" } else { "are" },
                lines(first)
            ),
            looks_like_truth: all_words || counts.len() <= 2,
        };
    }
    let mut by_rarity = false;
    let meaning: BTreeMap<&str, bool> = if all_words {
        counts
            .keys()
            .map(|v| (v.as_str(), word(v).unwrap_or(false)))
            .collect()
    } else if counts.keys().filter(|v| word(v) == Some(false)).count() == 1
        && counts.keys().all(|v| word(v) != Some(true))
    {
        counts
            .keys()
            .map(|v| (v.as_str(), word(v) != Some(false)))
            .collect()
    } else if counts.len() == 2 {
        let two: Vec<(&String, &(usize, usize))> = counts.iter().collect();
        let ((a, (na, _)), (b, (nb, _))) = (two[0], two[1]);
        if na == nb {
            return Truth::Unusable {
                reason: format!(
                    "its two values '{}' and '{}' are equally common ({na} rows each), so the rarer one can't be taken as the anomaly",
                    shown(a),
                    shown(b)
                ),
                looks_like_truth: true,
            };
        }
        let (rare, common) = if na < nb { (a, b) } else { (b, a) };
        by_rarity = true;
        let mut m = BTreeMap::new();
        m.insert(rare.as_str(), true);
        m.insert(common.as_str(), false);
        m
    } else {
        let examples: Vec<String> = counts
            .keys()
            .take(4)
            .map(|v| format!("'{}'", shown(v)))
            .collect();
        return Truth::Unusable {
            reason: format!(
                "it has {} distinct values ({}{}), not anomaly/normal labels",
                counts.len(),
                examples.join(", "),
                if counts.len() > 4 { ", …" } else { "" }
            ),
            looks_like_truth: false,
        };
    };
    let rule = (!all_words).then(|| {
        let (anomalous, normal): (Vec<_>, Vec<_>) = meaning.iter().partition(|(_, &a)| a);
        let list = |v: &[(&&str, &bool)]| {
            v.iter()
                .map(|(k, _)| format!("'{}'", shown(k)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if by_rarity {
            format!(
                "{} (the rarer value) marks an anomaly, {} a normal row",
                list(&anomalous),
                list(&normal)
            )
        } else {
            format!(
                "{} mark{} an anomaly, {} a normal row",
                list(&anomalous),
                if anomalous.len() == 1 { "s" } else { "" },
                list(&normal)
            )
        }
    });
    let labels = cells
        .iter()
        .map(|c| {
            meaning
                .get(clean(c).to_ascii_lowercase().as_str())
                .copied()
                .unwrap_or(false)
        })
        .collect();
    Truth::Labels { labels, rule }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(cells: &[&str]) -> Truth {
        read(cells, &|i| i as u64 + 2)
    }

    fn flags(t: &Truth) -> Vec<bool> {
        match t {
            Truth::Labels { labels, .. } => labels.clone(),
            Truth::Unusable { reason, .. } => panic!("unusable: {reason}"),
        }
    }

    #[test]
    fn words_decide_in_any_case() {
        let t = labels(&["Anomaly", "nominal", "NORMAL", "outlier"]);
        assert_eq!(flags(&t), vec![true, false, false, true]);
        assert!(matches!(t, Truth::Labels { rule: None, .. }));
        assert_eq!(
            flags(&labels(&["0", "1", "1", "0.0"])),
            vec![false, true, true, false]
        );
        assert_eq!(
            flags(&labels(&["yes", "no", "no"])),
            vec![true, false, false]
        );
        // 1 is the anomaly even when it is the common value.
        assert_eq!(flags(&labels(&["1", "1", "0"])), vec![true, true, false]);
    }

    #[test]
    fn scikit_learn_minus_one_is_the_rarer_value() {
        let t = labels(&["1", "-1", "1", "1"]);
        assert_eq!(flags(&t), vec![false, true, false, false]);
        let Truth::Labels {
            rule: Some(rule), ..
        } = t
        else {
            panic!()
        };
        assert!(rule.contains("'-1' (the rarer value)"), "{rule}");
        // The other way round too: the rarer value wins, not the sign.
        assert_eq!(flags(&labels(&["-1", "1", "-1"])), vec![false, true, false]);
        assert_eq!(flags(&labels(&["a", "b", "b"])), vec![true, false, false]);
    }

    #[test]
    fn one_normal_word_makes_every_other_value_an_anomaly() {
        let t = labels(&["normal", "smurf", "neptune", "normal"]);
        assert_eq!(flags(&t), vec![false, true, true, false]);
    }

    #[test]
    fn unusable_ground_truth_says_why() {
        let t = labels(&["1", "-1", "1", "-1"]);
        assert!(
            matches!(&t, Truth::Unusable { reason, looks_like_truth: true } if reason.contains("equally common"))
        );
        let t = labels(&["anomaly", "", "nominal"]);
        assert!(
            matches!(&t, Truth::Unusable { reason, looks_like_truth: true } if reason.contains("1 of its cells is blank (the first on line 3)"))
        );
        let t = labels(&["0.5", "1.7", "2.25", "9"]);
        assert!(
            matches!(&t, Truth::Unusable { reason, looks_like_truth: false } if reason.contains("4 distinct values"))
        );
    }

    #[test]
    fn label_names() {
        assert!(is_label_name("Class"));
        assert!(is_label_name(" outlier "));
        assert!(!is_label_name("classroom"));
    }
}
