//! Reading the records: the delimiter, whether line 1 is a header, and the
//! size limits, checked while reading so that a file too large is refused
//! before it is all in memory.

use crate::error::DataError;

use super::number::looks_numeric;
use super::text::is_missing;
use super::truth::is_label_name;
use super::ParseProgress;

/// Delimiters tried, in order of preference when they tie.
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Every CSV record, with the line each started on, in three flat arrays:
/// each field's text one after another, where each ends, and each row's
/// line. A record of its own per row (a `StringRecord`: three allocations)
/// made a million-row file millions of allocations scattered over the
/// heap, and reading a column then missed the cache at every cell.
pub(super) struct Records {
    text: String,
    ends: Vec<usize>,
    lines: Vec<u64>,
    width: usize,
    /// The rows before this one are not data (the header).
    start: usize,
}

impl Records {
    /// The rows (after the header, once it is skipped).
    pub fn len(&self) -> usize {
        self.lines.len() - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Fields a row.
    pub fn width(&self) -> usize {
        self.width
    }

    /// The file line row `i` starts on.
    pub fn line(&self, i: usize) -> u64 {
        self.lines[self.start + i]
    }

    /// Row `i`'s field `j`.
    pub fn field(&self, i: usize, j: usize) -> &str {
        let k = (self.start + i) * self.width + j;
        let from = k.checked_sub(1).map_or(0, |p| self.ends[p]);
        self.text.get(from..self.ends[k]).unwrap_or_default()
    }

    /// Row `i`'s fields.
    pub fn row(&self, i: usize) -> impl Iterator<Item = &str> + '_ {
        (0..self.width).map(move |j| self.field(i, j))
    }

    /// Field `j` of every row.
    pub fn column(&self, j: usize) -> Vec<&str> {
        (0..self.len()).map(|i| self.field(i, j)).collect()
    }

    /// The first row is the header, not data.
    pub fn skip_first(&mut self) {
        self.start = (self.start + 1).min(self.lines.len());
    }
}

/// Reads every record, refusing a ragged row, more than `max_columns`
/// columns, or more than `max_cells` cells as soon as it is seen.
pub(super) fn read_records(
    text: &str,
    delimiter: u8,
    max_columns: usize,
    max_cells: usize,
    progress: &mut dyn FnMut(ParseProgress),
) -> Result<Records, DataError> {
    let total_bytes = text.len();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out = Records {
        text: String::with_capacity(text.len()),
        ends: Vec::new(),
        lines: Vec::new(),
        width: 0,
        start: 0,
    };
    let mut record = csv::StringRecord::new();
    let mut cells = 0usize;
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
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
        if record.len() == 1 && record[0].trim().is_empty() {
            continue;
        }
        if out.lines.is_empty() {
            if record.len() > max_columns {
                return Err(DataError::TooWide {
                    columns: record.len(),
                    limit: max_columns,
                });
            }
            out.width = record.len();
        } else if record.len() != out.width {
            // A quote that never closes swallows the lines after it.
            return Err(if record.iter().any(|f| f.contains('\n')) {
                DataError::UnclosedQuote { line }
            } else {
                DataError::RaggedRow {
                    line,
                    expected: out.width,
                    found: record.len(),
                }
            });
        }
        cells += record.len();
        if cells > max_cells {
            return Err(DataError::TooLarge {
                line,
                limit: max_cells,
            });
        }
        for f in &record {
            out.text.push_str(f);
            out.ends.push(out.text.len());
        }
        out.lines.push(line);
        if out.lines.len().is_multiple_of(PROGRESS_ROWS) {
            progress(ParseProgress::Reading {
                bytes: usize::try_from(reader.position().byte()).unwrap_or(total_bytes),
                total_bytes,
                rows: out.lines.len(),
            });
        }
    }
    Ok(out)
}

/// Records read between two progress reports.
const PROGRESS_ROWS: usize = 8192;

/// Picks the delimiter that splits the first lines into the same, largest
/// number of fields. Quotes are respected. When both `,` and another
/// delimiter split every line the same way, and every comma sits between
/// two digits (`1,5;2,3`), the commas are decimal marks or thousands
/// separators and the other delimiter wins.
pub(super) fn sniff_delimiter(text: &str) -> u8 {
    let head: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(20)
        .collect();
    let commas_in_numbers = head.iter().all(|l| {
        let b = l.as_bytes();
        b.iter().enumerate().all(|(i, &c)| {
            c != b','
                || (i > 0
                    && b[i - 1].is_ascii_digit()
                    && b.get(i + 1).is_some_and(u8::is_ascii_digit))
        })
    });
    let mut best = (b',', 0usize);
    for delim in DELIMITERS {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delim)
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let counts: Vec<usize> = reader
            .records()
            .take(20)
            .map_while(Result::ok)
            .filter(|r| !(r.len() == 1 && r[0].trim().is_empty()))
            .map(|r| r.len())
            .collect();
        let Some(&first) = counts.first() else {
            continue;
        };
        if first < 2 {
            continue;
        }
        let consistent = counts.iter().filter(|&&c| c == first).count();
        let mut score = consistent * 1000 + first.min(999);
        if delim != b',' && commas_in_numbers && consistent == counts.len() {
            score += 1_000_000;
        }
        if score > best.1 {
            best = (delim, score);
        }
    }
    best.0
}

/// Line 1 is a header when:
/// - one of its fields is a ground-truth name (`label`, `class`, …) or the
///   label column asked for, so `2019,2020,label` is a header;
/// - or one of its fields is text above a column that is mostly numbers;
/// - or every field is text that does not recur in the column below.
pub(super) fn sniff_header(records: &Records, label_column: Option<&str>) -> bool {
    if records.is_empty() {
        return false;
    }
    let names_truth = records.row(0).any(|f| {
        is_label_name(f) || label_column.is_some_and(|n| f.trim().eq_ignore_ascii_case(n))
    });
    if names_truth {
        return true;
    }
    let sample = 1..records.len().min(51);
    if sample.is_empty() {
        return records.row(0).any(|f| !looks_numeric(f));
    }
    let mut text_over_numbers = false;
    let mut all_text_unique = true;
    for (j, f) in records.row(0).enumerate() {
        let below: Vec<&str> = sample
            .clone()
            .map(|i| records.field(i, j))
            .filter(|v| !is_missing(v))
            .collect();
        let first_is_text = !looks_numeric(f) && !is_missing(f);
        if !first_is_text {
            all_text_unique = false;
        }
        let numeric_below = below.iter().filter(|v| looks_numeric(v)).count();
        if first_is_text && !below.is_empty() && numeric_below * 2 >= below.len() {
            text_over_numbers = true;
        }
        if below.iter().any(|v| v.trim() == f.trim()) {
            all_text_unique = false;
        }
    }
    text_over_numbers || all_text_unique
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &str) -> Records {
        read_records(text, sniff_delimiter(text), 100, 1000, &mut |_| {}).unwrap()
    }

    #[test]
    fn delimiters_including_pipe_and_decimal_commas() {
        assert_eq!(sniff_delimiter("a,b\n1,2\n"), b',');
        assert_eq!(sniff_delimiter("a;b\n1;2\n"), b';');
        assert_eq!(sniff_delimiter("a\tb\n1\t2\n"), b'\t');
        assert_eq!(sniff_delimiter("a|b|c\n1|2|3\n4|5|6\n"), b'|');
        // Without a header, "1,5;2,3" splits into 3 fields on ',' and 2 on ';'.
        assert_eq!(sniff_delimiter("1,5;2,3\n4,25;5,5\n"), b';');
        assert_eq!(sniff_delimiter("\"1,234\";5\n\"2,500\";6\n"), b';');
        // A comma CSV whose text holds semicolons stays a comma CSV.
        assert_eq!(sniff_delimiter("a,b,c\n1,x;y,2\n3,z;w,4\n"), b',');
    }

    #[test]
    fn a_numeric_header_naming_the_ground_truth_is_a_header() {
        let r = records("2019,2020,2021,label\n1,2,3,nominal\n4,5,6,anomaly\n");
        assert!(sniff_header(&r, None));
        let r = records("2019,2020,truth\n1,2,no\n4,5,yes\n");
        assert!(!sniff_header(&r, None));
        assert!(sniff_header(&r, Some("truth")));
        // Formatted numbers are numbers, not a header.
        let r = records("\"$5\",\"$6\"\n\"$7\",\"$8\"\n");
        assert!(!sniff_header(&r, None));
        let r = records("price,qty\n\"$7\",\"1,000\"\n");
        assert!(sniff_header(&r, None));
    }

    #[test]
    fn limits_are_checked_while_reading() {
        let text = "a,b\n1,2\n3,4\n5,6\n";
        assert_eq!(
            read_records(text, b',', 100, 5, &mut |_| {}).err(),
            Some(DataError::TooLarge { line: 3, limit: 5 })
        );
        assert_eq!(
            read_records(text, b',', 1, 100, &mut |_| {}).err(),
            Some(DataError::TooWide {
                columns: 2,
                limit: 1
            })
        );
        assert_eq!(
            read_records("a,b\n1\n", b',', 100, 100, &mut |_| {}).err(),
            Some(DataError::RaggedRow {
                line: 2,
                expected: 2,
                found: 1
            })
        );
        assert_eq!(
            read_records("a,b\n1,2\n\"3,4\n5,6\n", b',', 100, 100, &mut |_| {}).err(),
            Some(DataError::UnclosedQuote { line: 3 })
        );
    }
}
