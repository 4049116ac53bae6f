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
    #[error("line {line}: the text is not valid UTF-8")]
    InvalidUtf8 { line: u64 },
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
    #[error("too few rows: found {found}, need at least {min}")]
    TooFewRows { found: usize, min: usize },
    #[error("the file is too large: {cells} cells, the limit is {limit}")]
    TooLarge { cells: usize, limit: usize },
    #[error("line {line}, label column '{column}': unknown label '{value}' (use anomaly/nominal, 1/0, true/false, yes/no or outlier/inlier)")]
    UnknownLabel {
        line: u64,
        column: String,
        value: String,
    },
    #[error("the label column '{0}' is not in the header")]
    LabelColumnNotFound(String),
    #[error("the column names '{0}' twice")]
    DuplicateColumn(String),
}

/// Any failure of the core outside CSV parsing.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CoreError {
    #[error(transparent)]
    Data(#[from] DataError),
    #[error("invalid setting: {0}")]
    InvalidConfig(String),
    #[error(
        "training diverged at epoch {epoch}: the loss became {loss}; try a lower learning rate"
    )]
    Diverged { epoch: usize, loss: f32 },
    #[error("the detector produced a non-finite score for row {row}; try a lower learning rate")]
    NonFiniteScore { row: usize },
    #[error("reading a result back from the device failed: {0}")]
    Device(String),
    #[error("row {row} does not exist (the data has {rows} rows)")]
    NoSuchRow { row: usize, rows: usize },
}
