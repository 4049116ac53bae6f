//! Typed errors. Every failure a user can cause names what is wrong and where.

use thiserror::Error;

/// Why a CSV could not be turned into a table.
///
/// Rows are numbered as a spreadsheet shows them: the first line of the file
/// is line 1, whether or not it is a header.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum DataError {
    #[error("the file is empty")]
    Empty,
    #[error("the file has a header but no data rows")]
    HeaderOnly,
    #[error("line {line}: expected {expected} fields (as in the header), found {found}")]
    RaggedRow {
        line: u64,
        expected: usize,
        found: usize,
    },
    #[error("line {line}: the file holds NUL bytes, so it is not text (or it is UTF-16 without a byte-order mark); save it as CSV in UTF-8")]
    NotText { line: u64 },
    #[error("line {line}: the file is UTF-16 but not valid UTF-16; save it as UTF-8")]
    BadUtf16 { line: u64 },
    #[error("line {line}: a quote (\") opens a field that never closes, so the lines after it run together")]
    UnclosedQuote { line: u64 },
    #[error("line {line}: malformed CSV ({message})")]
    Malformed { line: u64, message: String },
    #[error("line {line}, column '{column}': '{value}' is not a number, but the rest of the column is numeric")]
    NonNumeric {
        line: u64,
        column: String,
        value: String,
    },
    #[error("no usable feature column: {reasons}")]
    NoUsableColumn { reasons: String },
    #[error("line {line}, column '{column}': '{value}' is beyond the largest number a computer holds (about ±1.8e308)")]
    OutOfRange {
        line: u64,
        column: String,
        value: String,
    },
    #[error("too few rows: found {found}, need at least {min}")]
    TooFewRows { found: usize, min: usize },
    #[error("the file is too large: it has more than {limit} cells (rows × columns) by line {line}; keep fewer rows or columns")]
    TooLarge { line: u64, limit: usize },
    #[error("the file has {columns} columns; at most {limit} are read")]
    TooWide { columns: usize, limit: usize },
    #[error("the label column '{0}' is not in the header")]
    LabelColumnNotFound(String),
}

/// Any failure of the core outside CSV parsing.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CoreError {
    #[error(transparent)]
    Data(#[from] DataError),
    /// A training setting out of its range.
    #[error("{setting} must be {allowed}, got {got}")]
    Setting {
        setting: &'static str,
        allowed: &'static str,
        got: String,
    },
    #[error("there are no rows to train on")]
    NoRows,
    #[error(
        "the data must have whole rows of at least one column ({values} values, {cols} columns)"
    )]
    Shape { values: usize, cols: usize },
    #[error("row {row}, column {col} of the training data is not a finite number")]
    NonFiniteInput { row: usize, col: usize },
    #[error("the detector scored {scored} rows, but the data has {rows}")]
    RowCount { scored: usize, rows: usize },
    #[error(
        "training diverged at epoch {epoch}: the loss became {loss}; try a lower learning rate"
    )]
    Diverged { epoch: usize, loss: f32 },
    #[error("the detector produced a non-finite score for row {row}; try a lower learning rate")]
    NonFiniteScore { row: usize },
    /// The device (a GPU, or the CPU backend) failed: lost, out of memory,
    /// or unable to read a result back. The one error a retry on another
    /// backend can cure.
    #[error("the device failed: {0}")]
    Device(String),
    #[error("row {row} does not exist (the data has {rows} rows)")]
    NoSuchRow { row: usize, rows: usize },
    #[error(
        "{asked} rows are too many to label in one step on {rows} rows: at most {max} \
         (the layer fits every label again at each update). Select fewer rows, for example \
         after zooming in"
    )]
    TooManyLabels {
        asked: usize,
        max: usize,
        rows: usize,
    },
    #[error("the data has no ground-truth column")]
    NoGroundTruth,
    #[error("columns {a} and {b}: the data has {cols}")]
    NoSuchColumns { a: usize, b: usize, cols: usize },
    #[error("the detector's latent code has {dims} dimensions, not 2 (set the bottleneck to 2)")]
    LatentNot2d { dims: usize },
    #[error("train the detector first")]
    NotTrained,
    /// The training worker failed outside the detector (it could not start,
    /// crashed, or sent a message that does not fit), with what it said.
    #[error("the training worker failed: {0}")]
    Worker(String),
    /// A session file that cannot be opened (see `session_file`): what is
    /// wrong with it, in words.
    #[error("this session file cannot be opened: {0}")]
    SessionFile(String),
}

impl CoreError {
    /// Whether the device failed (as opposed to the data or the settings):
    /// only then does training again on another backend make sense.
    pub fn is_device(&self) -> bool {
        matches!(self, Self::Device(_))
    }
}

/// A backend's multi-line error (wgpu's "Caused by:" chains and backtrace
/// notes) as one line: each cause not already said, joined by ": ".
pub fn one_line(text: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_errors_fit_on_one_line() {
        let wgpu = "The device is poisoned\n\
                    Caused by:\n  The device is poisoned\nCaused by:\n  Destroyed: Device was destroyed.\n\
                    Backtrace:\nNo backtrace available";
        assert_eq!(
            one_line(wgpu),
            "The device is poisoned: Destroyed: Device was destroyed"
        );
        assert_eq!(one_line("plain"), "plain");
    }

    #[test]
    fn only_device_errors_are_device_errors() {
        assert!(CoreError::Device("lost".into()).is_device());
        assert!(!CoreError::Diverged {
            epoch: 1,
            loss: f32::NAN
        }
        .is_device());
        assert!(!CoreError::NoRows.is_device());
    }
}
