//! Z-score standardisation, fitted in f64 on all rows, safe for any finite
//! values: each column is first divided by its largest magnitude, so that
//! neither the variance of ±1e308 nor a z-score can overflow.

/// Per-column unit, mean and scale: `z = (x / unit − mean) / scale`.
/// A constant column gets scale 1, so it maps to 0.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Standardizer {
    /// The column's largest magnitude (1 for an all-zero column).
    pub unit: Vec<f64>,
    /// The mean of `x / unit`.
    pub mean: Vec<f64>,
    /// The standard deviation of `x / unit`, or 1 for a constant column.
    pub scale: Vec<f64>,
}

/// A column whose spread is below this share of its largest magnitude is
/// constant: what is left is rounding, not signal.
const CONSTANT_SPREAD: f64 = 1e-12;

impl Standardizer {
    /// Whether it maps `d` columns: every unit and scale positive and
    /// finite, every mean finite. One read from a file is checked with this.
    pub fn is_valid(&self, d: usize) -> bool {
        let positive = |v: &[f64]| v.len() == d && v.iter().all(|x| x.is_finite() && *x > 0.0);
        positive(&self.unit)
            && positive(&self.scale)
            && self.mean.len() == d
            && self.mean.iter().all(|x| x.is_finite())
    }

    /// Fits on row-major `values` with `d` columns (all finite).
    pub fn fit(values: &[f64], d: usize) -> Self {
        Self::fit_any(values, d, d)
    }

    /// Standardises the first columns of one f32 row in place, as
    /// [`standardize_columns_f32`] does.
    pub fn transform_f32(&self, row: &mut [f32]) {
        for (j, x) in row.iter_mut().take(self.unit.len()).enumerate() {
            *x = ((f64::from(*x) / self.unit[j] - self.mean[j]) / self.scale[j]) as f32;
        }
    }

    /// [`fit`](Self::fit) on the first `d` columns of rows `stride` wide,
    /// of either float width, read as f64.
    fn fit_any<T: Copy + Into<f64>>(values: &[T], stride: usize, d: usize) -> Self {
        let n = values.len().checked_div(stride).unwrap_or(0);
        let mut unit = vec![0.0f64; d];
        for row in values.chunks_exact(stride.max(1)) {
            for (u, x) in unit.iter_mut().zip(row) {
                *u = u.max((*x).into().abs());
            }
        }
        for u in &mut unit {
            if !(*u > 0.0 && u.is_finite()) {
                *u = 1.0;
            }
        }
        let mut mean = vec![0.0; d];
        let mut m2 = vec![0.0; d];
        // Welford, column by column across rows: stable for large offsets.
        for (i, row) in values.chunks_exact(stride.max(1)).enumerate() {
            for j in 0..d {
                let x = row[j].into() / unit[j];
                let delta = x - mean[j];
                mean[j] += delta / (i + 1) as f64;
                m2[j] += delta * (x - mean[j]);
            }
        }
        let scale = m2
            .iter()
            .map(|s| {
                let sd = if n > 0 { (s / n as f64).sqrt() } else { 0.0 };
                if sd > CONSTANT_SPREAD && sd.is_finite() {
                    sd
                } else {
                    1.0
                }
            })
            .collect();
        Self { unit, mean, scale }
    }

    /// Standardises in f64 and returns f32, ready for upload. Every output
    /// is finite for finite input: `|z| ≤ √n`.
    pub fn transform(&self, values: &[f64]) -> Vec<f32> {
        let d = self.mean.len().max(1);
        values
            .chunks_exact(d)
            .flat_map(|row| {
                row.iter()
                    .enumerate()
                    .map(|(j, x)| ((x / self.unit[j] - self.mean[j]) / self.scale[j]) as f32)
            })
            .collect()
    }
}

/// Standardises the first `d` columns of a row-major f32 matrix whose rows
/// are `stride` wide, in place (f64 sums), with no copy of it: exactly what
/// fitting and transforming an f64 copy of those columns would give.
/// Returns the standardiser, whose [`transform_f32`](Standardizer::transform_f32)
/// maps other rows the same way, to the bit.
pub fn standardize_columns_f32(values: &mut [f32], stride: usize, d: usize) -> Standardizer {
    let d = d.min(stride);
    let s = Standardizer::fit_any(values, stride, d);
    for row in values.chunks_exact_mut(stride.max(1)) {
        s.transform_f32(&mut row[..d]);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_mean_unit_variance_and_constant_columns() {
        let v = vec![1.0, 5.0, 2.0, 5.0, 3.0, 5.0];
        let s = Standardizer::fit(&v, 2);
        assert_eq!(s.unit, vec![3.0, 5.0]);
        let z = s.transform(&v);
        let expect = [-1.224_744_9, 0.0, 0.0, 0.0, 1.224_744_9, 0.0];
        for (a, b) in z.iter().zip(expect) {
            assert!((a - b).abs() < 1e-6, "{z:?}");
        }
    }

    #[test]
    fn in_place_f32_columns_match_an_f64_copy_exactly() {
        // Rows of 4; the first 3 columns are standardised, the 4th is left.
        let mut v: Vec<f32> = (0..1332)
            .map(|i| ((i * 7919) % 613) as f32 * 0.37 - 40.0 + (i % 4) as f32 * 1e4)
            .collect();
        let first3: Vec<f64> = v
            .chunks_exact(4)
            .flat_map(|r| r[..3].iter().map(|&x| f64::from(x)))
            .collect();
        let expect = Standardizer::fit(&first3, 3).transform(&first3);
        let fourth: Vec<f32> = v.iter().skip(3).step_by(4).copied().collect();
        standardize_columns_f32(&mut v, 4, 3);
        let got: Vec<f32> = v.chunks_exact(4).flat_map(|r| r[..3].to_vec()).collect();
        assert_eq!(got, expect);
        assert_eq!(
            v.iter().skip(3).step_by(4).copied().collect::<Vec<_>>(),
            fourth
        );
    }

    #[test]
    fn large_offsets_stay_accurate() {
        let v: Vec<f64> = (0..1000).map(|i| 1e9 + (i % 2) as f64).collect();
        let z = Standardizer::fit(&v, 1).transform(&v);
        assert!(
            (z[0] + 1.0).abs() < 1e-6 && (z[1] - 1.0).abs() < 1e-6,
            "{:?}",
            &z[..2]
        );
    }

    #[test]
    fn extreme_magnitudes_give_finite_z_scores() {
        // ±1e308, 1e200 and tiny values side by side: the variance of the
        // raw values would overflow, and 1e308 / 1 would in f32.
        let v: Vec<f64> = (0..300)
            .flat_map(|i| {
                [
                    [1e308, -1e308, 3.0][i % 3],
                    [1e200, 0.0][i % 2],
                    (i as f64) * 1e-300,
                    f64::MAX * if i == 7 { 1.0 } else { 0.0 },
                ]
            })
            .collect();
        let z = Standardizer::fit(&v, 4).transform(&v);
        assert!(z.iter().all(|x| x.is_finite()), "a non-finite z-score");
        let col = |j: usize| z.iter().skip(j).step_by(4).copied().collect::<Vec<f32>>();
        for j in 0..4 {
            let c = col(j);
            let mean = c.iter().map(|&x| x as f64).sum::<f64>() / c.len() as f64;
            let var = c.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / c.len() as f64;
            assert!(
                mean.abs() < 1e-5 && (var - 1.0).abs() < 1e-4,
                "column {j}: {mean} {var}"
            );
        }
        // The lone f64::MAX is an outlier, at most √n from the mean.
        assert!(col(3)[7] > 17.0);
    }
}
