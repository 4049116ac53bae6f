//! One column of cells → feature columns: numbers (in the column's
//! [`Format`]), or text one-hot encoded within a budget, or dropped with a
//! reason. Missing values are imputed and counted.

use std::collections::BTreeMap;

use crate::error::DataError;

use super::number::{self, Format, Marks};
use super::text::{clean, is_missing, shown};

/// Most distinct values a text column may have and still be one-hot encoded.
pub const MAX_CATEGORIES: usize = 32;

/// Most one-hot columns in a table. Past it, each text column keeps only its
/// most frequent values (and one column for the rest), so that a file of
/// many text columns can't make the model too wide to train.
pub const MAX_ONE_HOT: usize = 256;

/// A column whose present cells are at least this share numbers (as
/// `NUMERIC_SHARE.0 / NUMERIC_SHARE.1`, 9/10) is numeric: its few other
/// cells are errors to report, not categories.
pub const NUMERIC_SHARE: (usize, usize) = (9, 10);

/// A column, classified.
pub(super) enum Column {
    Numeric {
        values: Vec<f64>,
        imputed: usize,
        /// How numbers written as text were read, for the report.
        note: Option<String>,
        /// How the cells write their numbers, and the value a missing
        /// cell takes (the median): for the column's [`Rule`].
        format: Format,
        median: f64,
    },
    Text {
        /// Each value with its count, the most frequent first.
        categories: Vec<(String, usize)>,
        imputed: usize,
    },
    Dropped(String),
}

/// Classifies a column. `lines(i)` is the file line of cell `i`.
///
/// One pass reads every cell as a plain number (the common case costs one
/// parse per cell); only a column that is not plain numbers tries the
/// other formats.
pub(super) fn classify(
    cells: &[&str],
    lines: &dyn Fn(usize) -> u64,
    name: &str,
    delimiter: u8,
) -> Result<Column, DataError> {
    // NaN marks a missing cell until imputation.
    let mut values = vec![f64::NAN; cells.len()];
    let (mut present, mut plain) = (0usize, 0usize);
    let mut first_bad: Option<(usize, bool)> = None;
    for (i, c) in cells.iter().enumerate() {
        if is_missing(c) {
            continue;
        }
        present += 1;
        match number::plain(c) {
            Ok(Some(v)) => {
                values[i] = v;
                plain += 1;
            }
            Ok(None) => {
                plain += 1;
                first_bad.get_or_insert((i, true));
            }
            Err(()) => {
                first_bad.get_or_insert((i, false));
            }
        }
    }
    if present == 0 {
        return Ok(Column::Dropped("has no values (all missing)".into()));
    }
    let numeric_enough = |n: usize| n * NUMERIC_SHARE.1 >= present * NUMERIC_SHARE.0;
    if numeric_enough(plain) {
        // A numeric column; a stray non-number in it is an error, not a category.
        if let Some((i, too_large)) = first_bad {
            let (line, column, value) = (lines(i), shown(name), shown(clean(cells[i])));
            return Err(if too_large {
                DataError::OutOfRange {
                    line,
                    column,
                    value,
                }
            } else {
                DataError::NonNumeric {
                    line,
                    column,
                    value,
                }
            });
        }
        return Ok(finish(values, cells.len() - present, None, Format::PLAIN));
    }
    let read = |f: Format| {
        cells
            .iter()
            .filter(|c| !is_missing(c) && number::read(c, f).is_some())
            .count()
    };
    match number::candidates(delimiter)
        .into_iter()
        .find(|&f| numeric_enough(read(f)))
    {
        Some(format) => formatted(cells, format, lines, name),
        None => Ok(text(cells)),
    }
}

/// A numeric column written in `format` (thousands, currency, percent,
/// decimal commas): read, and noted for the report.
fn formatted(
    cells: &[&str],
    format: Format,
    lines: &dyn Fn(usize) -> u64,
    name: &str,
) -> Result<Column, DataError> {
    let mut values = vec![f64::NAN; cells.len()];
    let mut seen = Marks::default();
    let mut example = None;
    let mut missing = 0;
    for (i, c) in cells.iter().enumerate() {
        if is_missing(c) {
            missing += 1;
            continue;
        }
        let Some((v, marks)) = number::read(c, format) else {
            return Err(DataError::NonNumeric {
                line: lines(i),
                column: shown(name),
                value: shown(clean(c)),
            });
        };
        values[i] = v;
        if marks != Marks::default() || format.decimal != '.' {
            example.get_or_insert((i, v));
        }
        seen.currency = seen.currency.or(marks.currency);
        seen.percent |= marks.percent;
        seen.grouped |= marks.grouped;
    }
    let note = example.map(|(i, v)| {
        let mut what = Vec::new();
        if let (true, Some(g)) = (seen.grouped, format.group) {
            what.push(match g {
                ' ' => "thousands separated by spaces".to_string(),
                g => format!("thousands separators '{g}' removed"),
            });
        }
        if format.decimal == ',' {
            what.push("decimal comma".to_string());
        }
        if let Some(c) = seen.currency {
            what.push(format!("currency sign '{c}' removed"));
        }
        if seen.percent {
            what.push("percent signs removed, so 5% reads as 5".to_string());
        }
        format!(
            "numbers written as text were read ({}): '{}' as {v}",
            what.join(", "),
            shown(clean(cells[i]))
        )
    });
    Ok(finish(values, missing, note, format))
}

/// Imputes the missing cells (NaN) with the median and drops a constant
/// column.
fn finish(mut values: Vec<f64>, imputed: usize, note: Option<String>, format: Format) -> Column {
    // Kept even with no cell missing: another file's missing cells take it.
    let m = median(values.iter().copied().filter(|v| !v.is_nan()));
    if imputed > 0 {
        values
            .iter_mut()
            .filter(|v| v.is_nan())
            .for_each(|v| *v = m);
    }
    if is_constant(&values) {
        return Column::Dropped(format!("is constant ({})", values[0]));
    }
    Column::Numeric {
        values,
        imputed,
        note,
        format,
        median: m,
    }
}

fn text(cells: &[&str]) -> Column {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut imputed = 0;
    let mut first = None;
    for (i, c) in cells.iter().enumerate() {
        if is_missing(c) {
            imputed += 1;
        } else {
            first.get_or_insert(i);
            *counts.entry(clean(c)).or_insert(0) += 1;
        }
    }
    if counts.len() > MAX_CATEGORIES {
        return Column::Dropped(format!(
            "is text with {} distinct values (an identifier or free text; at most {MAX_CATEGORIES} are one-hot encoded)",
            counts.len()
        ));
    }
    if counts.len() == 1 && imputed == 0 {
        let only = first.map_or("", |i| clean(cells[i]));
        return Column::Dropped(format!("is constant ('{}')", shown(only)));
    }
    let mut categories: Vec<(String, usize)> = counts
        .into_iter()
        .map(|(k, n)| (k.to_string(), n))
        .collect();
    // The most frequent first; ties by name, so the order is the data's alone.
    categories.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Column::Text {
        categories,
        imputed,
    }
}

/// How many values each text column may keep so that all of them together
/// make at most [`MAX_ONE_HOT`] columns (at least one each).
pub(super) fn one_hot_quota(category_counts: &[usize]) -> usize {
    let total = |k: usize| category_counts.iter().map(|&c| c.min(k)).sum::<usize>();
    (1..=MAX_CATEGORIES)
        .rev()
        .find(|&k| total(k) <= MAX_ONE_HOT)
        .unwrap_or(1)
}

/// One-hot columns for a text column, keeping at most `quota` columns: the
/// `quota − 1` most frequent values and one for all the others (or just the
/// most frequent, with a quota of 1). A missing cell takes the most frequent
/// value. Constant columns are left out.
pub(super) fn one_hot(
    cells: &[&str],
    name: &str,
    categories: &[(String, usize)],
    quota: usize,
) -> (Vec<(String, Vec<f64>)>, OneHot) {
    let kept = if categories.len() <= quota {
        categories.len()
    } else {
        quota.saturating_sub(1).max(1)
    };
    let mode = categories.first().map_or("", |(k, _)| k.as_str());
    // The most frequent are kept; their columns come in the values' order.
    let mut names: Vec<&str> = categories
        .iter()
        .take(kept)
        .map(|(k, _)| k.as_str())
        .collect();
    names.sort_unstable();
    let index: BTreeMap<&str, usize> = names.iter().enumerate().map(|(j, &k)| (k, j)).collect();
    let other = categories.len() > kept && quota >= 2;
    let width = kept + usize::from(other);
    let mut columns = vec![vec![0.0; cells.len()]; width];
    for (i, c) in cells.iter().enumerate() {
        let v = if is_missing(c) { mode } else { clean(c) };
        match index.get(v) {
            Some(&j) => columns[j][i] = 1.0,
            None if other => columns[kept][i] = 1.0,
            None => {}
        }
    }
    // Which of the columns are kept (a constant one is not): the rule
    // numbers the kept ones from 0.
    let kept_columns: Vec<bool> = columns.iter().map(|c| !is_constant(c)).collect();
    let mut at = 0;
    let place: Vec<Option<usize>> = kept_columns
        .iter()
        .map(|&k| {
            k.then(|| {
                at += 1;
                at - 1
            })
        })
        .collect();
    let rule = OneHot {
        values: names
            .iter()
            .map(|k| (k.to_string(), place[index[k]]))
            .collect(),
        other: if other { place[kept] } else { None },
        mode: mode.to_string(),
    };
    let names = names
        .iter()
        .map(|k| format!("{name}={k}"))
        .chain(other.then(|| format!("{name}=(other)")));
    let out = names
        .zip(columns)
        .zip(kept_columns)
        .filter_map(|(c, k)| k.then_some(c))
        .collect();
    (out, rule)
}

/// How a text column's cells become its one-hot columns, numbered from 0
/// among the column's own: each kept value's column (`None` when it was
/// constant and left out), the column of every other value, and the value
/// a missing cell takes.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct OneHot {
    pub values: Vec<(String, Option<usize>)>,
    pub other: Option<usize>,
    pub mode: String,
}

fn is_constant(col: &[f64]) -> bool {
    col.windows(2).all(|w| w[0] == w[1])
}

/// The median of finite values (the mean of the middle two for an even count).
pub fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = values.collect();
    if v.is_empty() {
        return 0.0;
    }
    // A partial selection: O(n), not a sort.
    let n = v.len();
    let (below, &mut hi, _) = v.select_nth_unstable_by(n / 2, f64::total_cmp);
    if n % 2 == 1 {
        hi
    } else {
        let lo = below.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        0.5 * (lo + hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_fills_the_budget() {
        assert_eq!(one_hot_quota(&[3, 5, 32]), MAX_CATEGORIES);
        assert_eq!(one_hot_quota(&[32; 100]), 2);
        assert_eq!(one_hot_quota(&[32; 8]), 32);
        assert_eq!(one_hot_quota(&[32; 9]), 28);
        assert_eq!(one_hot_quota(&[2; 1000]), 1);
    }

    #[test]
    fn one_hot_keeps_the_most_frequent_and_the_rest() {
        let cells = ["a", "b", "a", "c", "d", "a", "b", ""];
        let cats = vec![
            ("a".to_string(), 3),
            ("b".to_string(), 2),
            ("c".to_string(), 1),
            ("d".to_string(), 1),
        ];
        let all = one_hot(&cells, "k", &cats, 32).0;
        assert_eq!(all.len(), 4);
        let three = one_hot(&cells, "k", &cats, 3).0;
        let names: Vec<&str> = three.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, vec!["k=a", "k=b", "k=(other)"]);
        // The blank cell takes the mode, "a".
        assert_eq!(three[0].1, vec![1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0]);
        assert_eq!(three[2].1, vec![0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0]);
        let one = one_hot(&cells, "k", &cats, 1).0;
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].0, "k=a");
    }

    #[test]
    fn median_handles_even_odd_and_empty() {
        assert_eq!(median([3.0, 1.0, 2.0].into_iter()), 2.0);
        assert_eq!(median([4.0, 1.0, 2.0, 3.0].into_iter()), 2.5);
        assert_eq!(median(std::iter::empty()), 0.0);
    }
}
