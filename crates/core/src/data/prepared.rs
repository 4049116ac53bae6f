//! A table made ready for a session: its standardised values are the one
//! copy of the data that is kept. The raw f64 values are read once, to fit
//! the [`Standardizer`] and to take the table's [`fingerprint`], and then
//! let go: on a million rows × 10 they are 80 MB, which a WebAssembly page
//! never gets back once it has held them. A raw value is read back from its
//! standardised one ([`Prepared::value`]) to six significant digits of its
//! column's largest magnitude.

use super::Table;
use crate::standardize::Standardizer;

/// A table whose values are standardised, with what reads them back.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// The names, the report and the ground truth; its `values` are empty.
    pub table: Table,
    pub standardizer: Standardizer,
    /// Standardised values, row-major `rows × cols`.
    pub x: Vec<f32>,
    /// [`fingerprint`] of the raw values.
    pub fingerprint: u64,
}

impl Prepared {
    /// Standardises the table and lets its raw values go.
    pub fn new(mut table: Table) -> Self {
        let standardizer = Standardizer::fit(&table.values, table.cols());
        let x = standardizer.transform(&table.values);
        let fingerprint = fingerprint(&table.values);
        table.values = Vec::new();
        Self {
            table,
            standardizer,
            x,
            fingerprint,
        }
    }

    pub fn rows(&self) -> usize {
        self.table.rows()
    }

    pub fn cols(&self) -> usize {
        self.table.cols()
    }

    /// Row `row`'s raw value in column `j`, read back from its standardised
    /// value (NaN outside the table).
    pub fn value(&self, row: usize, j: usize) -> f64 {
        raw_value(&self.standardizer, &self.x, row, j)
    }
}

/// Row `row`'s raw value in column `j` of the standardised `x` (row-major,
/// as wide as `s` has columns), rounded to six
/// significant digits of the column's largest magnitude. The f32 `z` holds
/// the value to within 2⁻²⁴·|z|, which is at most 1.2·10⁻⁷ of that
/// magnitude, less than half the rounding step (10⁻⁶ of it or more): a raw
/// value with six significant digits at the column's scale comes back as
/// it was given.
/// NaN outside the table.
pub fn raw_value(s: &Standardizer, x: &[f32], row: usize, j: usize) -> f64 {
    let d = s.unit.len();
    let (Some(&unit), Some(&mean), Some(&scale), Some(&z)) = (
        s.unit.get(j),
        s.mean.get(j),
        s.scale.get(j),
        x.get(row.saturating_mul(d).saturating_add(j)),
    ) else {
        return f64::NAN;
    };
    let v = (f64::from(z) * scale + mean) * unit;
    let step = 10f64.powi(unit.log10().floor() as i32 - 5);
    if step > 0.0 && step.is_finite() {
        let r = (v / step).round() * step;
        // `round() * step` leaves binary noise (0.30000000000000004): the
        // shortest text at the step's decimals reads as the value given.
        let decimals = (-step.log10().round()).max(0.0) as usize;
        format!("{r:.decimals$}").parse().unwrap_or(r)
    } else {
        v
    }
}

/// A hash of every raw value in order (FNV-1a over their f64 bits): the
/// page keeps a dataset's labels under it, so that they come back only for
/// the same data.
pub fn fingerprint(values: &[f64]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for v in values {
        for b in v.to_bits().to_le_bytes() {
            h = (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Table;

    /// `digits / 10^places` as a CSV would give it: parsed from its text.
    fn decimal(digits: f64, places: usize) -> f64 {
        let s = format!("{:0>w$}", digits as u64, w = places + 1);
        let (int, frac) = s.split_at(s.len() - places);
        format!("{int}.{frac}").parse().unwrap()
    }

    #[test]
    fn raw_values_with_six_significant_digits_come_back_as_given() {
        // Columns of very different scales and offsets, values with at most
        // six significant digits at their column's scale.
        let rows = 500;
        let mut values = Vec::new();
        for i in 0..rows {
            let i = i as f64;
            values.extend([
                i * 1237.0 % 619_326.0,                        // integers up to ~6e5
                decimal(((i * 0.37) % 2.71 * 1e5).round(), 5), // five decimals
                -42.5 + (i % 17.0) * 0.5,                      // negatives, halves
                1e9 + (i % 7.0) * 1e4,                         // a large offset
                decimal(((i * 7.1) % 1.0 * 1e6).round(), 9),   // tiny
                5.0,                                           // constant
            ]);
        }
        let names = (0..6).map(|j| format!("c{j}")).collect();
        let table = Table::from_values(names, values.clone(), None).unwrap();
        let p = Prepared::new(table);
        assert!(p.table.values.is_empty());
        for (k, v) in values.iter().enumerate() {
            let (row, j) = (k / 6, k % 6);
            assert_eq!(p.value(row, j), *v, "row {row} column {j}");
        }
        assert!(p.value(rows, 0).is_nan() && p.value(0, 6).is_nan());
    }

    #[test]
    fn the_fingerprint_follows_every_value() {
        let a = fingerprint(&[1.0, 2.0, 3.0]);
        assert_eq!(a, fingerprint(&[1.0, 2.0, 3.0]));
        assert_ne!(a, fingerprint(&[1.0, 3.0, 2.0]));
        assert_ne!(a, fingerprint(&[1.0, 2.0, 3.0000000001]));
        assert_eq!(fingerprint(&[]), 0xcbf2_9ce4_8422_2325);
    }
}
