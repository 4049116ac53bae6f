//! `score --session` with a scoring model (session version 2): a CSV of any
//! size read one record at a time and scored a slice of [`CHUNK`] rows at
//! a time, so memory does not grow with the rows. Each record is encoded
//! by the session's schema and scored by its detector and layer alone
//! (`anomaly_lab_core::scoring`): the rows of the session's own data get
//! the page's scores to the bit, any other file the scores the session
//! would give its rows.

use std::io::{BufWriter, Read, Write};
use std::time::Instant;

use anomaly_lab_core::data::{data_error, sniff, ToUtf8};
use anomaly_lab_core::scoring::ScoringModel;

/// Rows scored together: enough to keep the loops busy, small enough that
/// the buffers (a few megabytes at a thousand columns) stay put.
pub const CHUNK: usize = 4096;

/// What a streaming run did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Streamed {
    pub rows: u64,
    pub seconds: f64,
    /// Rows above the layer's boundary (score > 0).
    pub flagged: u64,
}

/// `path` as UTF-8, in whichever encoding the page would read it
/// (`data::sniff`: a first pass over the file), with the note the page
/// shows for a file that is not UTF-8.
pub fn open_text(path: &str) -> Result<(impl Read, Option<String>), String> {
    let open = || std::fs::File::open(path).map_err(|e| format!("cannot read {path}: {e}"));
    let (encoding, note) =
        sniff(std::io::BufReader::new(open()?)).map_err(|e| match data_error(&e) {
            Some(data) => format!("{path}: {data}"),
            None => format!("cannot read {path}: {e}"),
        })?;
    Ok((ToUtf8::new(open()?, encoding), note))
}

/// Scores every record of `input` (a CSV with the session's columns, in
/// UTF-8: see [`open_text`] for a file in another encoding) into
/// `output` as `row,score,flagged` (`flagged`: 1 above the layer's
/// boundary, a score > 0). An error names the line and column it is about.
pub fn score_csv(
    model: &ScoringModel,
    input: impl Read,
    output: impl Write,
) -> Result<Streamed, String> {
    let start = Instant::now();
    let schema = &model.schema;
    let delimiter = u8::try_from(schema.delimiter)
        .map_err(|_| "the session's delimiter is not one byte".to_string())?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(input);
    let mut out = BufWriter::with_capacity(1 << 20, output);
    let write_err = |e: std::io::Error| format!("cannot write the scores: {e}");
    out.write_all(b"row,score,flagged\n").map_err(write_err)?;
    let mut record = csv::StringRecord::new();
    let (mut row, mut chunk) = (Vec::new(), Vec::with_capacity(CHUNK * schema.features));
    let mut stats = Streamed {
        rows: 0,
        seconds: 0.0,
        flagged: 0,
    };
    let mut first = true;
    loop {
        let more = reader.read_record(&mut record).map_err(|e| {
            // The decoder's own errors (`ToUtf8`) name their line.
            if let csv::ErrorKind::Io(io) = e.kind() {
                if let Some(data) = data_error(io) {
                    return data.to_string();
                }
            }
            let line = e.position().map_or(0, csv::Position::line);
            format!("line {line}: {e}")
        })?;
        if more {
            let line = record.position().map_or(0, csv::Position::line);
            let mut cells: Vec<&str> = record.iter().collect();
            if std::mem::take(&mut first) {
                // A byte-order mark is not part of the first name.
                if let Some(c) = cells.first_mut() {
                    *c = c.trim_start_matches('\u{feff}');
                }
                if schema.has_header {
                    schema
                        .check_header(&cells)
                        .map_err(|why| format!("its header does not fit the session: {why}"))?;
                    continue;
                }
            }
            schema
                .encode(&cells, line, &mut row)
                .map_err(|e| e.to_string())?;
            chunk.extend_from_slice(&row);
        }
        if chunk.len() == CHUNK * schema.features || (!more && !chunk.is_empty()) {
            let scores = model.score_encoded(&chunk).map_err(|e| e.to_string())?;
            for s in scores {
                stats.rows += 1;
                let flagged = s > 0.0;
                stats.flagged += u64::from(flagged);
                writeln!(out, "{},{s},{}", stats.rows, u8::from(flagged)).map_err(write_err)?;
            }
            chunk.clear();
        }
        if !more {
            break;
        }
    }
    out.flush().map_err(write_err)?;
    stats.seconds = start.elapsed().as_secs_f64();
    Ok(stats)
}
