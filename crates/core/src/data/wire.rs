//! A [`Table`] as the worker sends it to the page: its names and report as
//! one text, the values and the ground truth as arrays beside it. Every
//! string is written with its length first, so a column name may hold any
//! character. Reading checks every count against the arrays: a message that
//! does not fit is refused with [`CoreError::Worker`], never a panic.

use super::{DataReport, DroppedColumn, Note, Prepared, Table};
use crate::error::CoreError;
use crate::standardize::Standardizer;

impl Table {
    /// The names and the report, for [`from_wire`](Self::from_wire).
    pub fn wire_meta(&self) -> String {
        let mut w = Writer::default();
        let r = &self.report;
        w.num(r.rows);
        w.strings(&self.features);
        w.num(usize::from(self.labels.is_some()));
        w.strings(&r.used_columns);
        w.num(r.dropped_columns.len());
        for d in &r.dropped_columns {
            w.text(&d.name);
            w.text(&d.reason);
        }
        w.num(r.imputed.len());
        for (name, n) in &r.imputed {
            w.text(name);
            w.num(*n);
        }
        w.opt_text(r.label_column.as_deref());
        w.num(r.anomalies.map_or(0, |a| a + 1));
        w.num(r.delimiter as usize);
        w.num(usize::from(r.has_header));
        w.num(r.notes.len());
        for n in &r.notes {
            w.num(usize::from(n.warning));
            w.text(&n.text);
        }
        let schema = self
            .schema
            .as_ref()
            .and_then(|s| serde_json::to_string(s).ok());
        w.opt_text(schema.as_deref());
        w.out
    }

    /// The table from [`wire_meta`](Self::wire_meta)'s text and its arrays:
    /// `values` row-major and finite, `labels` one per row when the meta
    /// says there is ground truth.
    pub fn from_wire(
        meta: &str,
        values: Vec<f64>,
        labels: Option<Vec<bool>>,
    ) -> Result<Self, CoreError> {
        let mut r = Reader { rest: meta };
        let mut table = read_table(&mut r, values.len(), labels)?;
        r.end()?;
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(bad(&format!("value {i} is not a finite number")));
        }
        table.values = values;
        Ok(table)
    }
}

impl Prepared {
    /// The table's names and report, the standardiser and the fingerprint,
    /// for [`from_wire`](Self::from_wire); the standardised values and the
    /// ground truth travel beside it as arrays.
    pub fn wire_meta(&self) -> String {
        let mut out = self.table.wire_meta();
        let s = &self.standardizer;
        for v in s.unit.iter().chain(&s.mean).chain(&s.scale) {
            // Rust's shortest text for an f64 reads back as the same f64.
            out.push_str(&v.to_string());
            out.push(',');
        }
        out.push_str(&format!("{:016x},", self.fingerprint));
        out
    }

    /// The prepared table from [`wire_meta`](Self::wire_meta)'s text, its
    /// standardised values (`rows × cols`, finite) and its ground truth.
    pub fn from_wire(
        meta: &str,
        x: Vec<f32>,
        labels: Option<Vec<bool>>,
    ) -> Result<Self, CoreError> {
        let mut r = Reader { rest: meta };
        let table = read_table(&mut r, x.len(), labels)?;
        let d = table.cols();
        let mut column = |positive: bool| -> Result<Vec<f64>, CoreError> {
            (0..d)
                .map(|_| {
                    let v = r.float()?;
                    if positive && v <= 0.0 {
                        return Err(bad("a column's scale is not positive"));
                    }
                    Ok(v)
                })
                .collect()
        };
        let standardizer = Standardizer {
            unit: column(true)?,
            mean: column(false)?,
            scale: column(true)?,
        };
        let fingerprint = r.hex()?;
        r.end()?;
        if let Some(i) = x.iter().position(|v| !v.is_finite()) {
            return Err(bad(&format!("value {i} is not a finite number")));
        }
        Ok(Self {
            table,
            standardizer,
            x,
            fingerprint,
        })
    }
}

/// The table that [`Table::wire_meta`] wrote, with no values yet; `cells`
/// is how many values travel beside it.
fn read_table(r: &mut Reader, cells: usize, labels: Option<Vec<bool>>) -> Result<Table, CoreError> {
    let rows = r.num()?;
    let features = r.strings()?;
    let has_labels = r.num()? == 1;
    let used_columns = r.strings()?;
    let dropped_columns = (0..r.count()?)
        .map(|_| {
            Ok(DroppedColumn {
                name: r.text()?,
                reason: r.text()?,
            })
        })
        .collect::<Result<_, CoreError>>()?;
    let imputed = (0..r.count()?)
        .map(|_| Ok((r.text()?, r.num()?)))
        .collect::<Result<_, CoreError>>()?;
    let label_column = r.opt_text()?;
    let anomalies = r.num()?.checked_sub(1);
    let delimiter = u8::try_from(r.num()?)
        .map(char::from)
        .map_err(|_| bad("the delimiter is not one byte"))?;
    let has_header = r.num()? == 1;
    let notes = (0..r.count()?)
        .map(|_| {
            Ok(Note {
                warning: r.num()? == 1,
                text: r.text()?,
            })
        })
        .collect::<Result<_, CoreError>>()?;
    let schema = match r.opt_text()? {
        Some(text) => Some(
            serde_json::from_str::<super::Schema>(&text)
                .ok()
                .filter(|s| s.is_valid() && s.features == features.len())
                .ok_or_else(|| bad("the column rules do not fit the table"))?,
        ),
        None => None,
    };
    if features.is_empty() || rows.checked_mul(features.len()) != Some(cells) {
        return Err(bad(&format!(
            "{cells} values do not fill {rows} rows of {} columns",
            features.len()
        )));
    }
    if has_labels != labels.is_some() || labels.as_ref().is_some_and(|l| l.len() != rows) {
        return Err(bad("the ground truth does not give one label a row"));
    }
    Ok(Table {
        features,
        values: Vec::new(),
        labels,
        report: DataReport {
            rows,
            used_columns,
            dropped_columns,
            imputed,
            label_column,
            anomalies,
            delimiter,
            has_header,
            notes,
        },
        schema,
    })
}

fn bad(what: &str) -> CoreError {
    CoreError::Worker(format!("the table it sent is not whole: {what}"))
}

#[derive(Default)]
struct Writer {
    out: String,
}

impl Writer {
    fn num(&mut self, n: usize) {
        self.out.push_str(&n.to_string());
        self.out.push(',');
    }
    fn text(&mut self, s: &str) {
        self.num(s.len());
        self.out.push_str(s);
    }
    fn opt_text(&mut self, s: Option<&str>) {
        self.num(usize::from(s.is_some()));
        if let Some(s) = s {
            self.text(s);
        }
    }
    fn strings(&mut self, v: &[String]) {
        self.num(v.len());
        for s in v {
            self.text(s);
        }
    }
}

struct Reader<'a> {
    rest: &'a str,
}

impl Reader<'_> {
    fn num(&mut self) -> Result<usize, CoreError> {
        let (n, rest) = self
            .rest
            .split_once(',')
            .ok_or_else(|| bad("a number is missing"))?;
        self.rest = rest;
        n.parse().map_err(|_| bad("a count is not a number"))
    }
    /// A count of items that each take at least one character: never more
    /// than the text left, so a hostile count allocates nothing large.
    fn count(&mut self) -> Result<usize, CoreError> {
        let n = self.num()?;
        if n > self.rest.len() {
            return Err(bad("a count is larger than the text"));
        }
        Ok(n)
    }
    fn float(&mut self) -> Result<f64, CoreError> {
        let (n, rest) = self
            .rest
            .split_once(',')
            .ok_or_else(|| bad("a number is missing"))?;
        self.rest = rest;
        n.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| bad("a column's scale is not a finite number"))
    }
    fn hex(&mut self) -> Result<u64, CoreError> {
        let (n, rest) = self
            .rest
            .split_once(',')
            .ok_or_else(|| bad("the fingerprint is missing"))?;
        self.rest = rest;
        u64::from_str_radix(n, 16).map_err(|_| bad("the fingerprint is not a number"))
    }
    fn end(&self) -> Result<(), CoreError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(bad("text is left over after the report"))
        }
    }
    fn text(&mut self) -> Result<String, CoreError> {
        let len = self.num()?;
        let s = self
            .rest
            .get(..len)
            .ok_or_else(|| bad("a name is cut short"))?;
        self.rest = &self.rest[len..];
        Ok(s.to_string())
    }
    fn opt_text(&mut self) -> Result<Option<String>, CoreError> {
        Ok(if self.num()? == 1 {
            Some(self.text()?)
        } else {
            None
        })
    }
    fn strings(&mut self) -> Result<Vec<String>, CoreError> {
        (0..self.count()?).map(|_| self.text()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{parse_csv, LoadOptions};

    fn table() -> Table {
        let mut csv = String::from("label;weird,\"name\";ün\tt;colour;empty\n");
        for i in 0..12 {
            let label = if i == 3 { "anomaly" } else { "nominal" };
            let missing = if i == 5 {
                String::new()
            } else {
                format!("{i},5")
            };
            let colour = ["red", "blue", "green"][i % 3];
            csv.push_str(&format!("{label};{i};{missing};{colour};\n"));
        }
        parse_csv(csv.as_bytes(), &LoadOptions::default()).unwrap()
    }

    #[test]
    fn a_parsed_table_round_trips_exactly() {
        let t = table();
        let r = &t.report;
        assert!(
            t.labels.is_some() && !r.notes.is_empty() && !r.imputed.is_empty(),
            "{r:?}"
        );
        assert!(!r.dropped_columns.is_empty(), "{r:?}");
        let back = Table::from_wire(&t.wire_meta(), t.values.clone(), t.labels.clone()).unwrap();
        assert_eq!(back, t);
        let mut no_truth = t.clone();
        no_truth.forget_ground_truth();
        let back = Table::from_wire(&no_truth.wire_meta(), no_truth.values.clone(), None).unwrap();
        assert_eq!(back, no_truth);
    }

    #[test]
    fn a_table_that_does_not_fit_is_refused() {
        let t = table();
        let meta = t.wire_meta();
        let short = t.values[1..].to_vec();
        let mut nan = t.values.clone();
        nan[3] = f64::NAN;
        for (meta, values, labels, says) in [
            (meta.clone(), short, t.labels.clone(), "do not fill"),
            (meta.clone(), nan, t.labels.clone(), "not a finite"),
            (meta.clone(), t.values.clone(), None, "ground truth"),
            (
                meta.clone(),
                t.values.clone(),
                Some(vec![true]),
                "ground truth",
            ),
            (
                format!("{meta}x"),
                t.values.clone(),
                t.labels.clone(),
                "left over",
            ),
        ] {
            let e = Table::from_wire(&meta, values, labels).unwrap_err();
            assert!(e.to_string().contains(says), "{says}: {e}");
        }
        // Cut anywhere, or with a huge count: an error, no panic.
        for cut in 0..meta.len() {
            if meta.is_char_boundary(cut) {
                let _ = Table::from_wire(&meta[..cut], t.values.clone(), t.labels.clone());
            }
        }
        assert!(Table::from_wire("4,99999999999,", vec![], None).is_err());
    }

    #[test]
    fn a_prepared_table_round_trips_exactly_and_a_bad_one_is_refused() {
        let p = Prepared::new(table());
        let meta = p.wire_meta();
        let back = Prepared::from_wire(&meta, p.x.clone(), p.table.labels.clone()).unwrap();
        assert_eq!(back, p);
        let mut nan = p.x.clone();
        nan[2] = f32::NAN;
        assert!(Prepared::from_wire(&meta, nan, p.table.labels.clone()).is_err());
        assert!(Prepared::from_wire(&meta, p.x[1..].to_vec(), p.table.labels.clone()).is_err());
        let zero_scale = meta.replacen(&format!(",{},", p.standardizer.scale[0]), ",0,", 1);
        assert!(Prepared::from_wire(&zero_scale, p.x.clone(), p.table.labels.clone()).is_err());
        for cut in 0..meta.len() {
            if meta.is_char_boundary(cut) {
                assert!(
                    Prepared::from_wire(&meta[..cut], p.x.clone(), p.table.labels.clone()).is_err()
                );
            }
        }
    }
}
