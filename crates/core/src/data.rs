//! CSV → [`Table`]: sniffing, typing, imputation, encoding and the
//! ground-truth column, with a [`DataReport`] of every decision taken.
//!
//! The parser is total: any byte string gives either a table or a
//! [`DataError`] that names the line and column at fault.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::DataError;

/// Most distinct values a text column may have and still be one-hot encoded.
pub const MAX_CATEGORIES: usize = 32;

/// Column names taken as ground truth, compared case-insensitively.
pub const LABEL_NAMES: [&str; 6] = [
    "label",
    "class",
    "is_anomaly",
    "anomaly",
    "outlier",
    "ground.truth",
];

/// Tokens read as a missing value, compared case-insensitively after trimming.
const MISSING: [&str; 5] = ["", "na", "nan", "?", "null"];

/// How to read a CSV.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The ground-truth column, by name; `None` looks for [`LABEL_NAMES`].
    pub label_column: Option<String>,
    /// Fewest data rows accepted.
    pub min_rows: usize,
    /// Most cells (rows × columns) accepted, to keep the page alive.
    pub max_cells: usize,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            label_column: None,
            min_rows: 10,
            max_cells: 60_000_000,
        }
    }
}

/// Why a column was left out of the features.
#[derive(Debug, Clone, PartialEq)]
pub struct DroppedColumn {
    pub name: String,
    pub reason: String,
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
    /// The ground-truth column, if one was found.
    pub label_column: Option<String>,
    /// How many rows the ground truth calls anomalies.
    pub anomalies: Option<usize>,
    /// The field delimiter found.
    pub delimiter: char,
    /// Whether the first line was read as a header.
    pub has_header: bool,
}

impl DataReport {
    /// All missing values imputed.
    pub fn total_imputed(&self) -> usize {
        self.imputed.iter().map(|(_, n)| n).sum()
    }
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
}

impl Table {
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
        })
    }
}

/// Parses a CSV held in memory.
pub fn parse_csv(bytes: &[u8], options: &LoadOptions) -> Result<Table, DataError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(DataError::Empty);
    }
    let delimiter = sniff_delimiter(bytes);
    let records = read_records(bytes, delimiter)?;
    let Some(first) = records.first() else {
        return Err(DataError::Empty);
    };
    let has_header = sniff_header(&records);
    let width = first.fields.len();
    let header: Vec<String> = if has_header {
        first.fields.iter().map(|f| f.trim().to_string()).collect()
    } else {
        (1..=width).map(|i| format!("col{i}")).collect()
    };
    check_unique(&header)?;
    let data = if has_header {
        &records[1..]
    } else {
        &records[..]
    };
    if data.is_empty() {
        return Err(DataError::HeaderOnly);
    }
    for r in data {
        if r.fields.len() != width {
            return Err(DataError::RaggedRow {
                line: r.line,
                expected: width,
                found: r.fields.len(),
            });
        }
    }
    let cells = data.len().saturating_mul(width);
    if cells > options.max_cells {
        return Err(DataError::TooLarge {
            cells,
            limit: options.max_cells,
        });
    }
    if data.len() < options.min_rows {
        return Err(DataError::TooFewRows {
            found: data.len(),
            min: options.min_rows,
        });
    }

    let label_index = find_label_column(&header, options.label_column.as_deref())?;
    let labels = match label_index {
        Some(j) => Some(parse_labels(data, j, &header[j])?),
        None => None,
    };

    let mut report = DataReport {
        rows: data.len(),
        label_column: label_index.map(|j| header[j].clone()),
        anomalies: labels.as_ref().map(|l| l.iter().filter(|&&a| a).count()),
        delimiter: delimiter as char,
        has_header,
        ..DataReport::default()
    };

    let mut columns: Vec<(String, Vec<f64>)> = Vec::new();
    for (j, name) in header.iter().enumerate() {
        if Some(j) == label_index {
            continue;
        }
        match encode_column(data, j, name)? {
            Encoded::Dropped(reason) => report.dropped_columns.push(DroppedColumn {
                name: name.clone(),
                reason,
            }),
            Encoded::Used {
                columns: cols,
                imputed,
            } => {
                report.used_columns.push(name.clone());
                if imputed > 0 {
                    report.imputed.push((name.clone(), imputed));
                }
                columns.extend(cols);
            }
        }
    }
    if columns.is_empty() {
        let reasons = if report.dropped_columns.is_empty() {
            "the file has only the label column".to_string()
        } else {
            report
                .dropped_columns
                .iter()
                .map(|d| format!("'{}' {}", d.name, d.reason))
                .collect::<Vec<_>>()
                .join("; ")
        };
        return Err(DataError::NoUsableColumn { reasons });
    }

    let rows = data.len();
    let d = columns.len();
    // Row-major, written in order (one pass reading the d columns).
    let mut values = Vec::with_capacity(rows * d);
    for i in 0..rows {
        values.extend(columns.iter().map(|(_, col)| col[i]));
    }
    Ok(Table {
        features: columns.into_iter().map(|(n, _)| n).collect(),
        values,
        labels,
        report,
    })
}

/// One CSV record with the line it started on. A `StringRecord` keeps its
/// fields in one buffer: a million-row file is a million allocations, not
/// one per cell.
struct Record {
    line: u64,
    fields: csv::StringRecord,
}

fn read_records(bytes: &[u8], delimiter: u8) -> Result<Vec<Record>, DataError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut out = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                return Err(DataError::Malformed {
                    line: e.position().map_or(line, |p| p.line()),
                    message: e.to_string(),
                })
            }
        }
        let line = record.position().map_or(line, |p| p.line());
        // A blank line between records is not a row.
        if record.len() == 1 && record[0].iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        let fields = csv::StringRecord::from_byte_record(std::mem::take(&mut record))
            .map_err(|_| DataError::InvalidUtf8 { line })?;
        out.push(Record { line, fields });
    }
    Ok(out)
}

/// Picks `,`, `;` or tab: the one that splits the first lines into the same,
/// largest number of fields. Quotes are respected.
fn sniff_delimiter(bytes: &[u8]) -> u8 {
    let mut best = (b',', 0usize);
    for delim in [b',', b';', b'\t'] {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delim)
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes);
        let counts: Vec<usize> = reader
            .byte_records()
            .take(20)
            .map_while(Result::ok)
            .map(|r| r.len())
            .collect();
        let Some(&first) = counts.first() else {
            continue;
        };
        let consistent = counts.iter().filter(|&&c| c == first).count();
        // Prefer a delimiter that gives more than one field on most lines.
        let score = if first > 1 {
            consistent * 1000 + first
        } else {
            0
        };
        if score > best.1 {
            best = (delim, score);
        }
    }
    best.0
}

/// `s` without surrounding white space. ASCII first (fast: this runs on
/// every cell), then Unicode white space such as a no-break space.
fn clean(s: &str) -> &str {
    let t = s.trim_ascii();
    match (t.as_bytes().first(), t.as_bytes().last()) {
        (Some(a), Some(b)) if !a.is_ascii() || !b.is_ascii() => t.trim(),
        _ => t,
    }
}

fn is_missing(s: &str) -> bool {
    let t = clean(s);
    t.len() <= 4 && MISSING.iter().any(|m| t.eq_ignore_ascii_case(m))
}

fn parse_number(s: &str) -> Option<f64> {
    clean(s).parse::<f64>().ok().filter(|v| v.is_finite())
}

/// A header is present when some column starts with text above numbers, or
/// when every first field is distinct text that does not recur below it.
fn sniff_header(records: &[Record]) -> bool {
    let Some(first) = records.first() else {
        return false;
    };
    let sample = &records[1..records.len().min(51)];
    if sample.is_empty() {
        return first.fields.iter().any(|f| parse_number(f).is_none());
    }
    let mut text_over_numbers = false;
    let mut all_text_unique = true;
    for (j, f) in first.fields.iter().enumerate() {
        let below: Vec<&str> = sample
            .iter()
            .filter_map(|r| r.fields.get(j))
            .filter(|v| !is_missing(v))
            .collect();
        let first_is_text = parse_number(f).is_none() && !is_missing(f);
        if !first_is_text {
            all_text_unique = false;
        }
        let numeric_below = below.iter().filter(|v| parse_number(v).is_some()).count();
        if first_is_text && !below.is_empty() && numeric_below * 2 >= below.len() {
            text_over_numbers = true;
        }
        if below.iter().any(|v| v.trim() == f.trim()) {
            all_text_unique = false;
        }
    }
    text_over_numbers || all_text_unique
}

fn check_unique(header: &[String]) -> Result<(), DataError> {
    let mut seen = BTreeSet::new();
    for h in header {
        if !seen.insert(h.as_str()) {
            return Err(DataError::DuplicateColumn(h.clone()));
        }
    }
    Ok(())
}

fn find_label_column(
    header: &[String],
    explicit: Option<&str>,
) -> Result<Option<usize>, DataError> {
    if let Some(name) = explicit {
        return header
            .iter()
            .position(|h| h == name)
            .or_else(|| header.iter().position(|h| h.eq_ignore_ascii_case(name)))
            .map(Some)
            .ok_or_else(|| DataError::LabelColumnNotFound(name.to_string()));
    }
    Ok(header
        .iter()
        .position(|h| LABEL_NAMES.iter().any(|n| h.eq_ignore_ascii_case(n))))
}

/// Reads one ground-truth value; `None` for an unknown token.
pub fn parse_label(value: &str) -> Option<bool> {
    let v = value.trim().to_ascii_lowercase();
    match v.as_str() {
        "anomaly" | "anomalous" | "1" | "1.0" | "true" | "yes" | "outlier" | "-1" => Some(true),
        "nominal" | "normal" | "0" | "0.0" | "false" | "no" | "inlier" => Some(false),
        _ => None,
    }
}

fn parse_labels(data: &[Record], j: usize, name: &str) -> Result<Vec<bool>, DataError> {
    data.iter()
        .map(|r| {
            parse_label(&r.fields[j]).ok_or_else(|| DataError::UnknownLabel {
                line: r.line,
                column: name.to_string(),
                value: r.fields[j].to_string(),
            })
        })
        .collect()
}

enum Encoded {
    Dropped(String),
    Used {
        columns: Vec<(String, Vec<f64>)>,
        imputed: usize,
    },
}

/// A column whose present cells are at least this share numbers (as
/// `NUMERIC_SHARE.0 / NUMERIC_SHARE.1`, 9/10) is numeric: its few other
/// cells are errors to report, not categories.
const NUMERIC_SHARE: (usize, usize) = (9, 10);

fn encode_column(data: &[Record], j: usize, name: &str) -> Result<Encoded, DataError> {
    let cells: Vec<&str> = data.iter().map(|r| &r.fields[j]).collect();
    // Each cell is read once: NaN marks a missing one.
    let mut col = vec![f64::NAN; cells.len()];
    let (mut present, mut numeric) = (0usize, 0usize);
    let (mut first_present, mut first_text) = (None, None);
    for (i, c) in cells.iter().enumerate() {
        if is_missing(c) {
            continue;
        }
        present += 1;
        first_present.get_or_insert(i);
        match parse_number(c) {
            Some(v) => {
                col[i] = v;
                numeric += 1;
            }
            None => {
                first_text.get_or_insert(i);
            }
        }
    }
    let Some(first_present) = first_present else {
        return Ok(Encoded::Dropped("has no values (all missing)".into()));
    };
    let missing = cells.len() - present;

    if numeric == present || numeric * NUMERIC_SHARE.1 >= present * NUMERIC_SHARE.0 {
        // A numeric column; a stray non-number in it is an error, not a category.
        if let Some(i) = first_text {
            return Err(DataError::NonNumeric {
                line: data[i].line,
                column: name.to_string(),
                value: clean(cells[i]).to_string(),
            });
        }
        if missing > 0 {
            let m = median(col.iter().copied().filter(|v| !v.is_nan()));
            for v in col.iter_mut().filter(|v| v.is_nan()) {
                *v = m;
            }
        }
        if is_constant(&col) {
            return Ok(Encoded::Dropped(format!("is constant ({})", col[0])));
        }
        return Ok(Encoded::Used {
            columns: vec![(name.to_string(), col)],
            imputed: missing,
        });
    }

    let categories: BTreeMap<&str, usize> =
        cells
            .iter()
            .filter(|c| !is_missing(c))
            .fold(BTreeMap::new(), |mut m, c| {
                *m.entry(clean(c)).or_insert(0) += 1;
                m
            });
    if categories.len() > MAX_CATEGORIES {
        return Ok(Encoded::Dropped(format!(
            "is text with {} distinct values (an identifier or free text; at most {MAX_CATEGORIES} are one-hot encoded)",
            categories.len()
        )));
    }
    if categories.len() == 1 && missing == 0 {
        return Ok(Encoded::Dropped(format!(
            "is constant ('{}')",
            clean(cells[first_present])
        )));
    }
    // One-hot; a missing value becomes the column's most frequent category.
    let mode = categories
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(k, _)| *k)
        .unwrap_or_default();
    let columns = categories
        .keys()
        .map(|cat| {
            let col = cells
                .iter()
                .map(|c| {
                    let v = if is_missing(c) { mode } else { clean(c) };
                    if v == *cat {
                        1.0
                    } else {
                        0.0
                    }
                })
                .collect::<Vec<f64>>();
            (format!("{name}={cat}"), col)
        })
        .filter(|(_, col)| !is_constant(col))
        .collect::<Vec<_>>();
    if columns.is_empty() {
        return Ok(Encoded::Dropped("is constant after imputation".into()));
    }
    Ok(Encoded::Used {
        columns,
        imputed: missing,
    })
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
    fn white_space_around_cells_is_ignored_unicode_too() {
        assert_eq!(parse_number(" 1.5\t"), Some(1.5));
        assert_eq!(parse_number("\u{a0}2.5\u{a0}"), Some(2.5));
        assert!(is_missing(" NA "));
        assert!(is_missing("\u{a0}null"));
        assert!(!is_missing("nothing"));
        assert_eq!(clean("\u{2003} é \u{2003}"), "é");
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
            (
                "a,label\n1,nominal\n2,maybe\n3,nominal\n",
                DataError::UnknownLabel {
                    line: 3,
                    column: "label".into(),
                    value: "maybe".into(),
                },
            ),
            ("a,b\n1,1\n", DataError::TooFewRows { found: 1, min: 2 }),
            ("a,a\n1,2\n3,4\n", DataError::DuplicateColumn("a".into())),
        ];
        for (input, expected) in cases {
            assert_eq!(parse(input).unwrap_err(), expected, "input {input:?}");
        }
        let err = parse("k,label\n5,0\n5,1\n5,0\n").unwrap_err();
        assert!(
            matches!(&err, DataError::NoUsableColumn { reasons } if reasons.contains("'k' is constant")),
            "{err}"
        );
        assert_eq!(
            parse_csv(b"a\xff,b\n1,2\n", &LoadOptions::default()).unwrap_err(),
            DataError::InvalidUtf8 { line: 1 }
        );
        let huge = LoadOptions {
            max_cells: 4,
            min_rows: 1,
            ..LoadOptions::default()
        };
        assert_eq!(
            parse_csv(b"a,b\n1,2\n3,4\n5,6\n", &huge).unwrap_err(),
            DataError::TooLarge { cells: 6, limit: 4 }
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

    #[test]
    fn median_handles_even_odd_and_empty() {
        assert_eq!(median([3.0, 1.0, 2.0].into_iter()), 2.0);
        assert_eq!(median([4.0, 1.0, 2.0, 3.0].into_iter()), 2.5);
        assert_eq!(median(std::iter::empty()), 0.0);
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
