//! CSV → [`Table`]: decoding, sniffing, typing, imputation, encoding and the
//! ground-truth column, with a [`DataReport`] of every decision taken.
//!
//! The parser is total: any byte string gives either a table or a
//! [`DataError`] that names the line and column at fault. Nothing is
//! dropped, renamed, converted or guessed without a line in the report.
//!
//! - `text`: bytes → text (UTF-8, UTF-16, Windows-1252), cell cleaning,
//!   quoting cells in messages;
//! - `stream`: the same decoding for a file read a piece at a time (the
//!   CLI's streaming scorer);
//! - `sniff`: the delimiter, the header, and the size limits while reading;
//! - `truth`: the ground-truth column and what marks an anomaly;
//! - `number`: numbers written as text (`1,234`, `$5`, `5%`, `1,5`);
//! - `encode`: a column → features (numeric, one-hot within a budget).

mod encode;
mod number;
mod prepared;
mod schema;
mod sniff;
mod stream;
mod text;
mod truth;
mod wire;

use std::collections::{BTreeMap, BTreeSet};

use crate::error::DataError;

pub use encode::{median, MAX_CATEGORIES, MAX_ONE_HOT, NUMERIC_SHARE};
pub use prepared::{fingerprint, raw_value, Prepared};
pub use schema::{Rule, Schema};
pub use stream::{data_error, sniff, Encoding, ToUtf8};
pub use text::{shown, QUOTE_CHARS};
pub use truth::{is_label_name, parse_label, LABEL_NAMES};

use encode::Column;
use truth::Truth;

/// How to read a CSV.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The ground-truth column, by name; `None` looks for [`LABEL_NAMES`].
    pub label_column: Option<String>,
    /// Read no ground truth at all: every column is a candidate feature
    /// except those the ground-truth rule names, which are left out.
    pub no_ground_truth: bool,
    /// Fewest data rows accepted.
    pub min_rows: usize,
    /// Most cells (rows × columns, the header included) accepted, checked
    /// while reading, to keep the page alive.
    pub max_cells: usize,
    /// Most columns accepted.
    pub max_columns: usize,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            label_column: None,
            no_ground_truth: false,
            min_rows: 10,
            max_cells: 60_000_000,
            max_columns: 20_000,
        }
    }
}

/// Why a column was left out of the features.
#[derive(Debug, Clone, PartialEq)]
pub struct DroppedColumn {
    pub name: String,
    pub reason: String,
}

/// A decision the loader took that the user should know about.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    /// A warning changes what the user gets (no ground truth, a guessed
    /// encoding); the rest is information.
    pub warning: bool,
    pub text: String,
}

impl Note {
    pub fn info(text: String) -> Self {
        Self {
            warning: false,
            text,
        }
    }

    pub fn warning(text: String) -> Self {
        Self {
            warning: true,
            text,
        }
    }
}

/// What the loader found and decided, for the user to read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DataReport {
    /// Data rows (the header excluded).
    pub rows: usize,
    /// Columns of the file that became features (a one-hot column counts once).
    pub used_columns: Vec<String>,
    /// Columns left out, each with its reason.
    pub dropped_columns: Vec<DroppedColumn>,
    /// Missing values imputed, per column, only for columns that had any.
    pub imputed: Vec<(String, usize)>,
    /// The ground-truth column, if one was found and is usable.
    pub label_column: Option<String>,
    /// How many rows the ground truth calls anomalies.
    pub anomalies: Option<usize>,
    /// The field delimiter found.
    pub delimiter: char,
    /// Whether the first line was read as a header.
    pub has_header: bool,
    /// Everything else decided: encodings, renamed columns, numbers read
    /// from text, how the ground truth was read, or why it was not.
    pub notes: Vec<Note>,
}

impl DataReport {
    /// All missing values imputed.
    pub fn total_imputed(&self) -> usize {
        self.imputed.iter().map(|(_, n)| n).sum()
    }

    /// The report in words, one line each: what the page's data report and
    /// the command line's standard error both show.
    pub fn lines(&self) -> Vec<Note> {
        let mut out = vec![Note::info(format!(
            "{} rows; {} column{} used: {}",
            self.rows,
            self.used_columns.len(),
            if self.used_columns.len() == 1 {
                ""
            } else {
                "s"
            },
            listed(self.used_columns.iter().map(|c| shown(c)))
        ))];
        out.push(Note::info(if self.imputed.is_empty() {
            "missing values imputed: none".into()
        } else {
            format!(
                "missing values imputed: {} — {} (each with its column's median or most frequent value)",
                self.total_imputed(),
                listed(self.imputed.iter().map(|(c, n)| format!("{} ({n})", shown(c))))
            )
        }));
        out.push(Note::info(match (&self.label_column, self.anomalies) {
            (Some(c), Some(a)) => format!(
                "ground truth: column '{}' ({a} {})",
                shown(c),
                if a == 1 { "anomaly" } else { "anomalies" }
            ),
            _ => "no ground truth".to_string(),
        }));
        out.extend(
            self.dropped_columns
                .iter()
                .map(|d| Note::info(format!("dropped '{}': {}", shown(&d.name), d.reason))),
        );
        out.extend(self.notes.iter().cloned());
        out
    }
}

/// Dropped columns a "no usable feature column" error names.
const NO_USABLE_SHOWN: usize = 2;

/// Most items a report line lists before "… and N more".
const LISTED: usize = 12;

/// Items joined with ", ", at most [`LISTED`] of them.
fn listed(items: impl ExactSizeIterator<Item = String>) -> String {
    let n = items.len();
    let mut out: Vec<String> = items.take(LISTED).collect();
    if n > LISTED {
        out.push(format!("… and {} more", n - LISTED));
    }
    out.join(", ")
}

/// A numeric table ready for standardisation.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Feature names, one per column of `values` (one-hot columns read `name=value`).
    pub features: Vec<String>,
    /// Row-major values, `rows × features.len()`, all finite.
    pub values: Vec<f64>,
    /// Ground truth per row (`true` = anomaly), when known.
    pub labels: Option<Vec<bool>>,
    pub report: DataReport,
    /// How the file's columns became the features, for encoding another
    /// file's rows the same way; `None` for a table made from values.
    pub schema: Option<Schema>,
}

impl Table {
    /// Sets the ground truth aside (the user's choice): the table has none
    /// from now on, and its report says so.
    pub fn forget_ground_truth(&mut self) {
        if let Some(name) = self.report.label_column.take() {
            self.report.notes.push(Note::info(format!(
                "the ground truth '{}' is set aside, as asked",
                shown(&name)
            )));
        }
        self.labels = None;
        self.report.anomalies = None;
    }

    pub fn rows(&self) -> usize {
        self.report.rows
    }

    pub fn cols(&self) -> usize {
        self.features.len()
    }

    /// The values of one row.
    pub fn row(&self, i: usize) -> &[f64] {
        let d = self.cols();
        &self.values[i * d..(i + 1) * d]
    }

    /// Builds a table from finite values (used by the generators and tests).
    pub fn from_values(
        features: Vec<String>,
        values: Vec<f64>,
        labels: Option<Vec<bool>>,
    ) -> Result<Self, DataError> {
        let d = features.len();
        if d == 0 {
            return Err(DataError::NoUsableColumn {
                reasons: "no columns".into(),
            });
        }
        if !values.len().is_multiple_of(d) || values.iter().any(|v| !v.is_finite()) {
            return Err(DataError::Malformed {
                line: 0,
                message: "values must be finite and fill whole rows".into(),
            });
        }
        let rows = values.len() / d;
        let anomalies = labels.as_ref().map(|l| l.iter().filter(|&&a| a).count());
        Ok(Self {
            report: DataReport {
                rows,
                used_columns: features.clone(),
                anomalies,
                label_column: labels.as_ref().map(|_| "label".to_string()),
                delimiter: ',',
                has_header: true,
                ..DataReport::default()
            },
            features,
            values,
            labels,
            schema: None,
        })
    }
}

/// How far a parse has got, reported along the way by [`parse_csv_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseProgress {
    /// Splitting the text into records: bytes of the (decoded) text read,
    /// and the records so far.
    Reading {
        bytes: usize,
        total_bytes: usize,
        rows: usize,
    },
    /// Reading the columns' values: columns done of all.
    Columns { done: usize, total: usize },
}

/// Parses a CSV held in memory.
pub fn parse_csv(bytes: &[u8], options: &LoadOptions) -> Result<Table, DataError> {
    parse_csv_with(bytes, options, &mut |_| {})
}

/// [`parse_csv`], telling `progress` how far it has got every few thousand
/// records and after each column (the training worker shows it).
pub fn parse_csv_with(
    bytes: &[u8],
    options: &LoadOptions,
    progress: &mut dyn FnMut(ParseProgress),
) -> Result<Table, DataError> {
    let decoded = text::decode(bytes)?;
    let text = decoded.text.as_ref();
    if text.trim().is_empty() {
        return Err(DataError::Empty);
    }
    let mut notes: Vec<Note> = decoded.note.into_iter().map(Note::warning).collect();
    let delimiter = sniff::sniff_delimiter(text);
    let mut data = sniff::read_records(
        text,
        delimiter,
        options.max_columns,
        options.max_cells,
        progress,
    )?;
    if data.is_empty() {
        return Err(DataError::Empty);
    }
    let has_header = sniff::sniff_header(&data, options.label_column.as_deref());
    let header = if has_header {
        let names = column_names(data.row(0), &mut notes);
        data.skip_first();
        names
    } else {
        (1..=data.width()).map(|i| format!("col{i}")).collect()
    };
    if data.is_empty() {
        return Err(DataError::HeaderOnly);
    }
    if data.len() < options.min_rows {
        return Err(DataError::TooFewRows {
            found: data.len(),
            min: options.min_rows,
        });
    }
    let column = |j: usize| data.column(j);
    let lines = |i: usize| data.line(i);

    let mut report = DataReport {
        rows: data.len(),
        delimiter: delimiter as char,
        has_header,
        ..DataReport::default()
    };
    let (labels, truth_col, left_out) =
        ground_truth(&header, &column, &lines, options, &mut report)?;
    report.label_column = truth_col.map(|j| header[j].clone());
    report.anomalies = labels.as_ref().map(|l| l.iter().filter(|&&a| a).count());

    // Classify every feature column, then one-hot the text ones within the budget.
    let mut classified = Vec::new();
    for (j, name) in header.iter().enumerate() {
        if Some(j) == truth_col || left_out.contains(&j) {
            continue;
        }
        progress(ParseProgress::Columns {
            done: j,
            total: header.len(),
        });
        let col = encode::classify(&column(j), &lines, name, delimiter)?;
        classified.push((j, col));
    }
    progress(ParseProgress::Columns {
        done: header.len(),
        total: header.len(),
    });
    let quota = encode::one_hot_quota(
        &classified
            .iter()
            .filter_map(|(_, c)| match c {
                Column::Text { categories, .. } => Some(categories.len()),
                _ => None,
            })
            .collect::<Vec<_>>(),
    );
    let mut columns: Vec<(String, Vec<f64>)> = Vec::new();
    let mut cut = Vec::new();
    // Every column of the file skipped unless classified below.
    let mut rules: Vec<Rule> = header
        .iter()
        .map(|name| Rule::Skip { name: name.clone() })
        .collect();
    for (j, col) in classified {
        let name = &header[j];
        let imputed = match col {
            Column::Dropped(reason) => {
                report.dropped_columns.push(DroppedColumn {
                    name: name.clone(),
                    reason,
                });
                continue;
            }
            Column::Numeric {
                values,
                imputed,
                note,
                format,
                median,
            } => {
                if let Some(n) = note {
                    report
                        .notes
                        .push(Note::info(format!("'{}': {n}", shown(name))));
                }
                rules[j] = Rule::number(name, columns.len(), format, median);
                columns.push((name.clone(), values));
                imputed
            }
            Column::Text {
                categories,
                imputed,
            } => {
                if categories.len() > quota {
                    cut.push(format!("'{}' ({})", shown(name), categories.len()));
                }
                let (hot, rule) = encode::one_hot(&column(j), name, &categories, quota);
                rules[j] = Rule::one_hot(name, columns.len(), rule);
                columns.extend(hot);
                imputed
            }
        };
        report.used_columns.push(name.clone());
        if imputed > 0 {
            report.imputed.push((name.clone(), imputed));
        }
    }
    if !cut.is_empty() {
        report.notes.push(Note::warning(format!(
            "the text columns would make more than {MAX_ONE_HOT} one-hot columns, so each keeps \
             {}: {}",
            match quota {
                0..=1 => "only its most frequent value".to_string(),
                2 => "its most frequent value and one column for the rest".to_string(),
                q => format!(
                    "its {} most frequent values and one column for the rest",
                    q - 1
                ),
            },
            listed(cut.into_iter())
        )));
    }
    if columns.is_empty() {
        let reasons = if report.dropped_columns.is_empty() {
            "the file has only the label column".to_string()
        } else {
            // The first few; a file of many columns must not make a page of text.
            let d = &report.dropped_columns;
            let mut r: Vec<String> = d
                .iter()
                .take(NO_USABLE_SHOWN)
                .map(|d| format!("'{}' {}", shown(&d.name), d.reason))
                .collect();
            if d.len() > NO_USABLE_SHOWN {
                r.push(format!("and {} more", d.len() - NO_USABLE_SHOWN));
            }
            r.join("; ")
        };
        return Err(DataError::NoUsableColumn { reasons });
    }
    notes.append(&mut report.notes);
    report.notes = notes;

    let rows = data.len();
    let d = columns.len();
    // Row-major, written in order (one pass reading the d columns).
    let mut values = Vec::with_capacity(rows * d);
    for i in 0..rows {
        values.extend(columns.iter().map(|(_, col)| col[i]));
    }
    let schema = Schema {
        delimiter: delimiter as char,
        has_header,
        columns: rules,
        features: d,
    };
    Ok(Table {
        features: columns.into_iter().map(|(n, _)| n).collect(),
        values,
        labels,
        report,
        schema: Some(schema),
    })
}

/// The header's names: an empty one becomes `column N`, a repeated one
/// gets `_2`, `_3`, …; each change is noted with the positions.
fn column_names<'a>(fields: impl Iterator<Item = &'a str>, notes: &mut Vec<Note>) -> Vec<String> {
    let raw: Vec<String> = fields.map(|f| text::clean(f).to_string()).collect();
    let mut taken: BTreeSet<String> = raw.iter().cloned().collect();
    let mut first_at: BTreeMap<&str, usize> = BTreeMap::new();
    let mut names = Vec::with_capacity(raw.len());
    for (j, name) in raw.iter().enumerate() {
        // The first name of a numbered series that no column has yet.
        let free = |name: &dyn Fn(usize) -> String| {
            (1..)
                .map(name)
                .find(|n| !taken.contains(n))
                .unwrap_or_default()
        };
        if name.is_empty() {
            let new = free(&|k| match k {
                1 => format!("column {}", j + 1),
                k => format!("column {} ({k})", j + 1),
            });
            notes.push(Note::info(format!(
                "column {} has no name; it is called '{new}'",
                j + 1
            )));
            taken.insert(new.clone());
            names.push(new);
            continue;
        }
        match first_at.get(name.as_str()) {
            None => {
                first_at.insert(name, j);
                names.push(name.clone());
            }
            Some(&first) => {
                let new = free(&|k| format!("{name}_{}", k + 1));
                notes.push(Note::info(format!(
                    "columns {} and {} are both named '{}'; column {} is called '{}'",
                    first + 1,
                    j + 1,
                    shown(name),
                    j + 1,
                    shown(&new)
                )));
                taken.insert(new.clone());
                names.push(new);
            }
        }
    }
    names
}

/// Finds and reads the ground truth. Returns the labels, the column they
/// came from, and the other columns left out of the features because they
/// are (or look like) ground truth. Unusable ground truth never stops
/// loading: it is reported and the table has none.
#[allow(clippy::type_complexity)]
fn ground_truth<'a>(
    header: &[String],
    column: &dyn Fn(usize) -> Vec<&'a str>,
    lines: &dyn Fn(usize) -> u64,
    options: &LoadOptions,
    report: &mut DataReport,
) -> Result<(Option<Vec<bool>>, Option<usize>, BTreeSet<usize>), DataError> {
    let explicit = match options.label_column.as_deref() {
        Some(name) => Some(
            header
                .iter()
                .position(|h| h == name)
                .or_else(|| header.iter().position(|h| h.eq_ignore_ascii_case(name)))
                .ok_or_else(|| DataError::LabelColumnNotFound(shown(name)))?,
        ),
        None => None,
    };
    let named: Vec<usize> = explicit
        .into_iter()
        .chain((0..header.len()).filter(|&j| Some(j) != explicit && is_label_name(&header[j])))
        .collect();
    let mut labels = None;
    let mut truth_col = None;
    let mut left_out = BTreeSet::new();
    for j in named {
        let name = shown(&header[j]);
        let wanted = !options.no_ground_truth && truth_col.is_none();
        match truth::read(&column(j), lines) {
            Truth::Labels { labels: l, rule } if wanted => {
                if let Some(rule) = rule {
                    report
                        .notes
                        .push(Note::info(format!("ground truth '{name}': {rule}")));
                }
                let anomalies = l.iter().filter(|&&a| a).count();
                if anomalies == 0 || anomalies == l.len() {
                    report.notes.push(Note::warning(format!(
                        "the ground truth '{name}' calls {} row an anomaly: ROC-AUC, average \
                         precision and the discovery curve can't be measured",
                        if anomalies == 0 { "no" } else { "every" }
                    )));
                }
                labels = Some(l);
                truth_col = Some(j);
            }
            Truth::Labels { .. } => {
                left_out.insert(j);
                report.dropped_columns.push(DroppedColumn {
                    name: header[j].clone(),
                    reason: if options.no_ground_truth {
                        "is ground truth (left out: the detector must not see the answer)".into()
                    } else {
                        "looks like a second ground-truth column (left out: the detector must \
                         not see the answer)"
                            .into()
                    },
                });
            }
            Truth::Unusable {
                reason,
                looks_like_truth,
            } if looks_like_truth || Some(j) == explicit => {
                left_out.insert(j);
                report.dropped_columns.push(DroppedColumn {
                    name: header[j].clone(),
                    reason: "is ground truth that can't be used".into(),
                });
                if wanted {
                    report.notes.push(Note::warning(format!(
                        "the ground-truth column '{name}' can't be used: {reason}; scoring goes on \
                         without it"
                    )));
                }
            }
            Truth::Unusable { reason, .. } => {
                report.notes.push(Note::info(format!(
                    "'{name}' is named like a ground-truth column, but {reason}; it is used as a feature"
                )));
            }
        }
    }
    Ok((labels, truth_col, left_out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parse_reports_its_progress_in_order() {
        let mut csv = String::from("a,b,label\n");
        for i in 0..20_000 {
            csv.push_str(&format!("{i},{},nominal\n", i % 7));
        }
        let mut seen = Vec::new();
        let t = parse_csv_with(csv.as_bytes(), &LoadOptions::default(), &mut |p| {
            seen.push(p)
        })
        .unwrap();
        let reading: Vec<(usize, usize)> = seen
            .iter()
            .filter_map(|p| match *p {
                ParseProgress::Reading {
                    bytes,
                    total_bytes,
                    rows,
                } => {
                    assert_eq!(total_bytes, csv.len());
                    Some((bytes, rows))
                }
                ParseProgress::Columns { .. } => None,
            })
            .collect();
        assert_eq!(reading.len(), 20_001 / 8192);
        assert!(reading
            .windows(2)
            .all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1));
        assert!(reading.iter().all(|&(b, _)| b <= csv.len()));
        assert_eq!(
            seen.last(),
            Some(&ParseProgress::Columns { done: 3, total: 3 }),
            "the columns come last"
        );
        assert_eq!(
            t,
            parse_csv(csv.as_bytes(), &LoadOptions::default()).unwrap()
        );
    }

    fn parse(s: &str) -> Result<Table, DataError> {
        parse_csv(
            s.as_bytes(),
            &LoadOptions {
                min_rows: 2,
                ..LoadOptions::default()
            },
        )
    }

    #[test]
    fn reads_a_plain_numeric_csv_with_a_label() {
        let t = parse("a,b,label\n1,2,nominal\n3,4,anomaly\n5,7,nominal\n").unwrap();
        assert_eq!(t.features, vec!["a", "b"]);
        assert_eq!(t.values, vec![1.0, 2.0, 3.0, 4.0, 5.0, 7.0]);
        assert_eq!(t.labels, Some(vec![false, true, false]));
        assert_eq!(t.report.label_column.as_deref(), Some("label"));
        assert_eq!(t.report.anomalies, Some(1));
        assert!(t.report.has_header);
    }

    #[test]
    fn sniffs_semicolon_tab_bom_and_quotes() {
        let t = parse("\u{feff}x;y\n1;\"2\"\n3;4\n").unwrap();
        assert_eq!(t.report.delimiter, ';');
        assert_eq!(t.values, vec![1.0, 2.0, 3.0, 4.0]);
        let t = parse("x\ty\n1\t2\n3\t5\n").unwrap();
        assert_eq!(t.report.delimiter, '\t');
        let t = parse("name,v\n\"a, b\",1\n\"c\",2\n\"a, b\",3\n").unwrap();
        assert_eq!(t.features, vec!["name=a, b", "name=c", "v"]);
    }

    #[test]
    fn no_header_gets_generated_names() {
        let t = parse("1,2\n3,4\n5,6\n").unwrap();
        assert!(!t.report.has_header);
        assert_eq!(t.features, vec!["col1", "col2"]);
        assert_eq!(t.rows(), 3);
    }

    #[test]
    fn missing_values_are_imputed_with_the_median_and_counted() {
        let t = parse("a,b\n1,10\nNA,11\n3,?\nnull,13\n100,NaN\n,12\n").unwrap();
        // a: median of 1,3,100 = 3; b: median of 10,11,13,12 = 11.5
        assert_eq!(t.row(1), &[3.0, 11.0]);
        assert_eq!(t.row(2), &[3.0, 11.5]);
        assert_eq!(t.report.imputed, vec![("a".into(), 3), ("b".into(), 2)]);
        assert_eq!(t.report.total_imputed(), 5);
    }

    #[test]
    fn text_columns_are_one_hot_or_dropped_and_constants_dropped() {
        let mut s = String::from("id,colour,k,v\n");
        for i in 0..40 {
            let colour = ["red", "green", "blue"][i % 3];
            s.push_str(&format!("row{i},{colour},7,{i}\n"));
        }
        let t = parse(&s).unwrap();
        assert_eq!(
            t.features,
            vec!["colour=blue", "colour=green", "colour=red", "v"]
        );
        assert_eq!(t.report.used_columns, vec!["colour", "v"]);
        let dropped: Vec<&str> = t
            .report
            .dropped_columns
            .iter()
            .map(|d| d.name.as_str())
            .collect();
        assert_eq!(dropped, vec!["id", "k"]);
        assert!(t.report.dropped_columns[0].reason.contains("40 distinct"));
        assert!(t.report.dropped_columns[1].reason.contains("constant"));
    }

    #[test]
    fn label_column_anywhere_any_case_any_vocabulary() {
        for (name, a, n) in [
            ("Class", "1", "0"),
            ("is_anomaly", "true", "false"),
            ("OUTLIER", "yes", "no"),
            ("ground.truth", "outlier", "inlier"),
            ("anomaly", "anomaly", "nominal"),
        ] {
            let t = parse(&format!("x,{name},y\n1,{a},2\n2,{n},3\n4,{n},1\n")).unwrap();
            assert_eq!(t.labels, Some(vec![true, false, false]), "{name}");
            assert_eq!(t.features, vec!["x", "y"]);
        }
    }

    #[test]
    fn explicit_label_column() {
        let opts = LoadOptions {
            label_column: Some("truth".into()),
            min_rows: 2,
            ..LoadOptions::default()
        };
        let t = parse_csv(b"x,truth\n1,1\n2,0\n3,0\n", &opts).unwrap();
        assert_eq!(t.labels, Some(vec![true, false, false]));
        let err = parse_csv(b"x,y\n1,1\n2,0\n", &opts).unwrap_err();
        assert_eq!(err, DataError::LabelColumnNotFound("truth".into()));
    }

    /// Each bad input with the error it must give.
    #[test]
    fn bad_csvs_give_typed_errors_naming_where() {
        let cases: Vec<(&str, DataError)> = vec![
            ("", DataError::Empty),
            ("   \n\n", DataError::Empty),
            ("a,b\n", DataError::HeaderOnly),
            (
                "a,b\n1,2\n3\n5,6\n",
                DataError::RaggedRow {
                    line: 3,
                    expected: 2,
                    found: 1,
                },
            ),
            (
                "a,b\n1,2\n3,4,5\n",
                DataError::RaggedRow {
                    line: 3,
                    expected: 2,
                    found: 3,
                },
            ),
            (
                "a,b\n1,2\n3,4\n5,6\n7,8\n9,10\n11,12\n13,14\n15,16\n17,18\n19,oops\n",
                DataError::NonNumeric {
                    line: 11,
                    column: "b".into(),
                    value: "oops".into(),
                },
            ),
            ("a,b\n1,1\n", DataError::TooFewRows { found: 1, min: 2 }),
            (
                "a,b\n1,1e400\n2,3\n",
                DataError::OutOfRange {
                    line: 2,
                    column: "b".into(),
                    value: "1e400".into(),
                },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(parse(input).unwrap_err(), expected, "input {input:?}");
        }
        let err = parse("k,label\n5,0\n5,1\n5,0\n").unwrap_err();
        assert!(
            matches!(&err, DataError::NoUsableColumn { reasons } if reasons.contains("'k' is constant")),
            "{err}"
        );
        let huge = LoadOptions {
            max_cells: 4,
            min_rows: 1,
            ..LoadOptions::default()
        };
        assert_eq!(
            parse_csv(b"a,b\n1,2\n3,4\n5,6\n", &huge).unwrap_err(),
            DataError::TooLarge { line: 3, limit: 4 }
        );
    }

    #[test]
    fn error_messages_name_line_and_column() {
        let e = parse("a,b\n1,2\n3,4\n5,6\n7,8\n9,10\n11,12\n13,14\n15,16\n17,18\n19,oops\n")
            .unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("line 11") && msg.contains("'b'") && msg.contains("oops"),
            "{msg}"
        );
    }

    /// The notes' texts, for asserting on.
    fn notes(t: &Table) -> String {
        t.report
            .lines()
            .iter()
            .map(|n| format!("{}{}\n", if n.warning { "! " } else { "" }, n.text))
            .collect()
    }

    fn noise(rows: usize, header: &str, row: impl Fn(usize) -> String) -> String {
        let mut s = format!("{header}\n");
        for i in 0..rows {
            s.push_str(&row(i));
            s.push('\n');
        }
        s
    }

    #[test]
    fn huge_values_are_data() {
        let s = noise(20, "a,b", |i| {
            format!("{},{}", [1e308, -1e308, 1e200][i % 3], i)
        });
        let t = parse(&s).unwrap();
        assert_eq!(t.row(1), &[-1e308, 1.0]);
    }

    #[test]
    fn a_header_of_numbers_naming_the_ground_truth() {
        let s = noise(400, "2019,2020,2021,label", |i| {
            format!(
                "{i},{},{},{}",
                i * 2,
                i % 7,
                if i % 40 == 0 { "anomaly" } else { "nominal" }
            )
        });
        let t = parse(&s).unwrap();
        assert!(t.report.has_header);
        assert_eq!(t.rows(), 400);
        assert_eq!(t.features, vec!["2019", "2020", "2021"]);
        assert_eq!(t.report.anomalies, Some(10));
        let explicit = LoadOptions {
            label_column: Some("label".into()),
            ..LoadOptions::default()
        };
        assert_eq!(parse_csv(s.as_bytes(), &explicit).unwrap().rows(), 400);
    }

    #[test]
    fn scikit_learn_labels_and_one_sided_ground_truth() {
        let s = noise(200, "x,y,label", |i| {
            format!("{i},{},{}", i % 9, if i % 10 == 3 { -1 } else { 1 })
        });
        let t = parse(&s).unwrap();
        assert_eq!(t.report.anomalies, Some(20));
        assert!(t.labels.as_ref().unwrap()[3]);
        assert!(
            notes(&t).contains("'-1' (the rarer value) marks an anomaly"),
            "{}",
            notes(&t)
        );
        let all = parse(&noise(20, "x,y,label", |i| {
            format!("{i},{},anomaly", i % 3)
        }))
        .unwrap();
        assert_eq!(all.report.anomalies, Some(20));
        assert!(notes(&all).contains("! the ground truth 'label' calls every row an anomaly"));
        let none = parse(&noise(20, "x,y,label", |i| format!("{i},{},0", i % 3))).unwrap();
        assert!(notes(&none).contains("calls no row an anomaly"));
        assert_eq!(
            crate::metrics::roc_auc(&[0.5; 20], none.labels.as_ref().unwrap()),
            None
        );
    }

    #[test]
    fn every_ground_truth_like_column_is_kept_from_the_features() {
        let s = noise(50, "x,label,outlier", |i| {
            let a = i % 10 == 0;
            format!(
                "{},{},{}",
                i % 7,
                if a { "anomaly" } else { "nominal" },
                u8::from(a)
            )
        });
        let t = parse(&s).unwrap();
        assert_eq!(t.features, vec!["x"]);
        assert_eq!(t.report.label_column.as_deref(), Some("label"));
        assert!(notes(&t).contains("dropped 'outlier': looks like a second ground-truth column"));
        // With no ground truth asked for, both are still left out.
        let blind = LoadOptions {
            no_ground_truth: true,
            min_rows: 2,
            ..LoadOptions::default()
        };
        let t = parse_csv(s.as_bytes(), &blind).unwrap();
        assert_eq!(t.features, vec!["x"]);
        assert_eq!(t.labels, None);
    }

    #[test]
    fn numbers_written_as_text() {
        let t = parse(&noise(12, "id;amount;price;rate", |i| {
            format!("{i};\"{},{:03}\";$2{i}5.90;{}.{i}%", 1 + i, i * 7, i + 1)
        }))
        .unwrap();
        assert_eq!(t.report.delimiter, ';');
        assert_eq!(t.features, vec!["id", "amount", "price", "rate"]);
        assert_eq!(t.row(3), &[3.0, 4021.0, 235.9, 4.3]);
        let n = notes(&t);
        assert!(n.contains("'amount': numbers written as text were read (thousands separators ',' removed): '1,000' as 1000"), "{n}");
        assert!(n.contains("currency sign '$' removed"), "{n}");
        assert!(n.contains("percent signs removed"), "{n}");
        // Decimal commas, with and without a header.
        let t = parse(&noise(12, "a;b", |i| format!("{i},5;2,{i}"))).unwrap();
        assert_eq!(t.row(1), &[1.5, 2.1]);
        assert!(notes(&t).contains("decimal comma"));
        let t = parse(&noise(12, "1,5;2,3", |i| format!("{i},25;1.{i:03},5"))).unwrap();
        assert!(!t.report.has_header);
        assert_eq!(t.rows(), 13);
        assert_eq!(t.row(2), &[1.25, 1001.5]);
    }

    #[test]
    fn unusable_labels_never_block_scoring() {
        // A real feature named "class".
        let t = parse(&noise(30, "x,class", |i| format!("{},{}.5", i % 4, i * 3))).unwrap();
        assert_eq!(t.features, vec!["x", "class"]);
        assert_eq!(t.labels, None);
        assert!(notes(&t).contains(
            "'class' is named like a ground-truth column, but it has 30 distinct values"
        ));
        // One blank label cell.
        let t = parse(&noise(30, "x,y,label", |i| {
            format!(
                "{i},{},{}",
                i % 5,
                if i == 7 {
                    ""
                } else if i % 9 == 0 {
                    "anomaly"
                } else {
                    "nominal"
                }
            )
        }))
        .unwrap();
        assert_eq!(t.labels, None);
        assert_eq!(t.features, vec!["x", "y"]);
        let n = notes(&t);
        assert!(n.contains("! the ground-truth column 'label' can't be used: 1 of its cells is blank (the first on line 9)"), "{n}");
        // Named explicitly but unusable: left out, reported, scored.
        let opts = LoadOptions {
            label_column: Some("y".into()),
            min_rows: 2,
            ..LoadOptions::default()
        };
        let t = parse_csv(
            noise(30, "x,y,z", |i| format!("{i},{},{}", i % 3, i % 4)).as_bytes(),
            &opts,
        )
        .unwrap();
        assert_eq!(t.features, vec!["x", "z"]);
        assert_eq!(t.labels, None);
    }

    #[test]
    fn many_text_columns_fit_the_one_hot_budget() {
        let header: Vec<String> = (0..100).map(|j| format!("t{j}")).collect();
        let s = noise(300, &header.join(","), |i| {
            (0..100)
                .map(|j| format!("v{}", (i * 7 + j * 13 + i / 3) % 32))
                .collect::<Vec<_>>()
                .join(",")
        });
        let t = parse(&s).unwrap();
        assert!(t.cols() <= MAX_ONE_HOT, "{} columns", t.cols());
        assert_eq!(t.report.used_columns.len(), 100);
        assert!(notes(&t).contains("! the text columns would make more than 256 one-hot columns"));
    }

    #[test]
    fn messages_quote_at_most_sixty_characters_escaped() {
        let mut s = String::from("a,b\n");
        for i in 0..20 {
            s.push_str(&format!("{i},{i}\n"));
        }
        s.push_str(&format!("1,\"{}\x1b[31m\"\n", "z".repeat(200_000)));
        let msg = parse(&s).unwrap_err().to_string();
        assert!(msg.len() < 300, "{} bytes", msg.len());
        assert!(msg.contains("…") && !msg.contains('\x1b'), "{msg}");
    }

    #[test]
    fn encodings_and_pipes() {
        let text = "a|b\n1|2\n3|5\n";
        let utf16 = text::utf16_le(text);
        let t = parse_csv(
            &utf16,
            &LoadOptions {
                min_rows: 2,
                ..LoadOptions::default()
            },
        )
        .unwrap();
        assert_eq!(t.report.delimiter, '|');
        assert_eq!(t.values, vec![1.0, 2.0, 3.0, 5.0]);
        assert!(notes(&t).contains("UTF-16"));
        let t = parse_csv(
            b"caf\xe9,b\n1,2\n3,5\n",
            &LoadOptions {
                min_rows: 2,
                ..LoadOptions::default()
            },
        )
        .unwrap();
        assert_eq!(t.features, vec!["café", "b"]);
        assert!(notes(&t).contains("! the file is not UTF-8"));
    }

    #[test]
    fn ground_truth_can_be_set_aside() {
        let mut t = parse("a,b,label\n1,2,nominal\n3,4,anomaly\n5,7,nominal\n").unwrap();
        t.forget_ground_truth();
        assert_eq!(t.labels, None);
        assert_eq!(t.report.label_column, None);
        assert!(notes(&t).contains("no ground truth\n"));
        assert!(notes(&t).contains("the ground truth 'label' is set aside"));
        assert_eq!(t.features, vec!["a", "b"]);
    }

    #[test]
    fn duplicate_and_empty_names_are_renamed_and_said() {
        let t = parse("a,,a,b,a_2\n1,2,3,4,5\n6,7,8,9,1\n").unwrap();
        assert_eq!(t.features, vec!["a", "column 2", "a_3", "b", "a_2"]);
        let n = notes(&t);
        assert!(
            n.contains("columns 1 and 3 are both named 'a'; column 3 is called 'a_3'"),
            "{n}"
        );
        assert!(
            n.contains("column 2 has no name; it is called 'column 2'"),
            "{n}"
        );
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let mut rng = crate::rng::Rng::new(11);
        let alphabet = b"0123456789,;\t\"\n\r .-eNA?x\xff\xc3";
        for _ in 0..2000 {
            let len = rng.index(60);
            let bytes: Vec<u8> = (0..len)
                .map(|_| alphabet[rng.index(alphabet.len())])
                .collect();
            let _ = parse_csv(&bytes, &LoadOptions::default());
        }
    }
}
