//! How a file's columns became the table's features, kept so that the rows
//! of another file with the same columns (a larger extract, next month's
//! data) are encoded exactly the same way, one row at a time: numbers read
//! in the column's format, a missing number the column's median, a text
//! column's values one-hot with the same columns, a missing value its most
//! frequent one, an unseen value the "(other)" column (or none).

use serde::{Deserialize, Serialize};

use super::encode::OneHot;
use super::number::{self, Format};
use super::text::{clean, is_missing, shown};
use crate::error::DataError;

/// What the table's features are, column by column of the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    pub delimiter: char,
    pub has_header: bool,
    /// One per column of the file, in order.
    pub columns: Vec<Rule>,
    /// The table's features, in order.
    pub features: usize,
}

/// What one column of the file gives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Rule {
    /// Not a feature: the ground truth, a column left out or dropped.
    Skip { name: String },
    /// Feature `feature`: the cell as a number.
    Number {
        name: String,
        feature: usize,
        /// The decimal mark and the thousands separator (`None`: the
        /// column's numbers were plain).
        decimal: char,
        group: Option<char>,
        /// A plain column reads only plain numbers; one written as text
        /// (thousands, currency, percent, decimal comma) reads its format.
        plain: bool,
        /// What a missing cell takes: the column's median.
        missing: f64,
    },
    /// One-hot features from `first` on: each kept value's column among
    /// them (`None`: it was constant and left out), the column for every
    /// other value, and the value a missing cell takes.
    OneHot {
        name: String,
        first: usize,
        values: Vec<(String, Option<usize>)>,
        other: Option<usize>,
        mode: String,
    },
}

impl Rule {
    pub(super) fn number(name: &str, feature: usize, format: Format, median: f64) -> Self {
        Self::Number {
            name: name.to_string(),
            feature,
            decimal: format.decimal,
            group: format.group,
            plain: format == Format::PLAIN,
            missing: median,
        }
    }

    pub(super) fn one_hot(name: &str, first: usize, rule: OneHot) -> Self {
        Self::OneHot {
            name: name.to_string(),
            first,
            values: rule.values,
            other: rule.other,
            mode: rule.mode,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Self::Skip { name } | Self::Number { name, .. } | Self::OneHot { name, .. } => name,
        }
    }
}

impl Schema {
    /// Whether `header` (a file's first record, as written) names the
    /// same columns in the same order, once named as the page names them
    /// (an empty name becomes `column N`, a repeated one gets `_2`); the
    /// error says where it differs.
    pub fn check_header(&self, header: &[&str]) -> Result<(), String> {
        if header.len() != self.columns.len() {
            return Err(format!(
                "it has {} columns; the session's data had {}",
                header.len(),
                self.columns.len()
            ));
        }
        let names = super::column_names(header.iter().copied(), &mut Vec::new());
        for (j, (name, rule)) in names.iter().zip(&self.columns).enumerate() {
            if name != rule.name() {
                return Err(format!(
                    "column {} is '{}'; the session's data had '{}' there",
                    j + 1,
                    shown(name),
                    shown(rule.name())
                ));
            }
        }
        Ok(())
    }

    /// The features of one record of the file (its cells in the file's
    /// column order) written into `out` (`features` values, replaced).
    /// `line` is the record's line in the file, for the error.
    pub fn encode(&self, cells: &[&str], line: u64, out: &mut Vec<f64>) -> Result<(), DataError> {
        if cells.len() != self.columns.len() {
            return Err(DataError::RaggedRow {
                line,
                found: cells.len(),
                expected: self.columns.len(),
            });
        }
        out.clear();
        out.resize(self.features, 0.0);
        for (cell, rule) in cells.iter().zip(&self.columns) {
            match rule {
                Rule::Skip { .. } => {}
                Rule::Number {
                    name,
                    feature,
                    decimal,
                    group,
                    plain,
                    missing,
                } => {
                    let bad = || DataError::NonNumeric {
                        line,
                        column: shown(name),
                        value: shown(clean(cell)),
                    };
                    out[*feature] = if is_missing(cell) {
                        *missing
                    } else if *plain {
                        match number::plain(cell) {
                            Ok(Some(v)) => v,
                            Ok(None) => {
                                return Err(DataError::OutOfRange {
                                    line,
                                    column: shown(name),
                                    value: shown(clean(cell)),
                                })
                            }
                            Err(()) => return Err(bad()),
                        }
                    } else {
                        let format = Format {
                            decimal: *decimal,
                            group: *group,
                        };
                        number::read(cell, format).ok_or_else(bad)?.0
                    };
                }
                Rule::OneHot {
                    first,
                    values,
                    other,
                    mode,
                    ..
                } => {
                    let v = if is_missing(cell) {
                        mode.as_str()
                    } else {
                        clean(cell)
                    };
                    let column = match values.binary_search_by(|(k, _)| k.as_str().cmp(v)) {
                        Ok(k) => values[k].1,
                        Err(_) => *other,
                    };
                    if let Some(c) = column {
                        out[first + c] = 1.0;
                    }
                }
            }
        }
        Ok(())
    }

    /// Whether the rules fit together: every feature written by exactly
    /// one rule, every index within `features`, the one-hot values sorted.
    /// A schema read from a file is checked with this before it is used.
    pub fn is_valid(&self) -> bool {
        let mut seen = vec![false; self.features];
        let mut take = |k: usize| match seen.get_mut(k) {
            Some(s) if !*s => {
                *s = true;
                true
            }
            _ => false,
        };
        let rules_ok = self.columns.iter().all(|rule| match rule {
            Rule::Skip { .. } => true,
            Rule::Number {
                feature, missing, ..
            } => missing.is_finite() && take(*feature),
            Rule::OneHot {
                first,
                values,
                other,
                ..
            } => {
                values.windows(2).all(|w| w[0].0 < w[1].0)
                    && values
                        .iter()
                        .filter_map(|v| v.1)
                        .chain(*other)
                        .all(|c| first.checked_add(c).is_some_and(&mut take))
            }
        });
        rules_ok && seen.iter().all(|&s| s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{parse_csv, LoadOptions};

    /// Every record of `text` (after the header) encoded by the parsed
    /// table's schema gives the table's row, to the bit.
    fn round_trip(text: &str) -> Schema {
        let options = LoadOptions {
            min_rows: 1,
            ..LoadOptions::default()
        };
        let table = parse_csv(text.as_bytes(), &options).unwrap();
        let schema = table.schema.clone().unwrap();
        assert!(schema.is_valid());
        assert_eq!(schema.features, table.cols());
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .delimiter(schema.delimiter as u8)
            .from_reader(text.as_bytes());
        let mut records = reader.records().map(|r| r.unwrap());
        if schema.has_header {
            let header = records.next().unwrap();
            let header: Vec<&str> = header.iter().collect();
            schema.check_header(&header).unwrap();
        }
        let mut out = Vec::new();
        for (i, record) in records.enumerate() {
            let cells: Vec<&str> = record.iter().collect();
            schema.encode(&cells, i as u64 + 2, &mut out).unwrap();
            let want = table.row(i);
            assert!(
                out.iter()
                    .zip(want)
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
                "row {i}: {out:?} vs {want:?}"
            );
        }
        schema
    }

    #[test]
    fn another_files_rows_are_encoded_as_the_tables_were() {
        let schema = round_trip(
            "id,amount,colour,label,,size,colour\n\
             a1,\"1,200\",red,nominal,1,7,x\n\
             a2,\"3,400\",blue,anomaly,,8,y\n\
             a3,\"$5,000\",,nominal,3,9,x\n\
             a4,NA,red,nominal,4,1,z\n\
             a5,\"1,000\",green,nominal,5,2,x\n",
        );
        // A number in the column's format, a missing one, an unseen value.
        let mut out = Vec::new();
        schema
            .encode(
                &["b1", "2 000 000", "purple", "nominal", "", "3", "z"],
                9,
                &mut out,
            )
            .unwrap_err();
        schema
            .encode(
                &["b1", "2,000", "purple", "nominal", "", "3", "w"],
                9,
                &mut out,
            )
            .unwrap();
        assert_eq!(out.len(), schema.features);
        let err = schema
            .encode(
                &["b1", "lots", "red", "nominal", "2", "3", "x"],
                12,
                &mut out,
            )
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 12") && err.contains("lots"), "{err}");
        let err = schema
            .encode(&["b1", "1"], 13, &mut out)
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 13"), "{err}");
        assert!(schema.check_header(&["id", "amount", "colour"]).is_err());
        let err = schema
            .check_header(&["id", "total", "colour", "label", "", "size", "colour"])
            .unwrap_err();
        assert!(err.contains("column 2 is 'total'"), "{err}");
    }

    #[test]
    fn the_shared_datasets_round_trip() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            eprintln!("no shared datasets at {}", dir.display());
            return;
        };
        let mut seen = 0;
        for e in entries.flatten() {
            let path = e.path();
            if path.extension().is_some_and(|x| x == "csv") {
                round_trip(&std::fs::read_to_string(&path).unwrap());
                seen += 1;
            }
        }
        assert!(seen >= 16, "{seen} datasets");
    }

    #[test]
    fn a_broken_schema_is_not_valid() {
        let mut s = round_trip("a,b,c\n1,x,3\n2,y,4\n3,x,5\n");
        assert!(s.is_valid());
        s.features += 1;
        assert!(!s.is_valid(), "a feature no rule writes");
        s.features -= 1;
        if let Rule::Number { feature, .. } = &mut s.columns[0] {
            *feature = 1;
        }
        assert!(!s.is_valid(), "two rules write one feature");
    }
}
