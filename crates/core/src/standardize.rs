//! Z-score standardisation, fitted in f64 on all rows.

/// Per-column mean and scale. A constant column gets scale 1, so it maps to 0.
#[derive(Debug, Clone, PartialEq)]
pub struct Standardizer {
    pub mean: Vec<f64>,
    pub scale: Vec<f64>,
}

impl Standardizer {
    /// Fits on row-major `values` with `d` columns.
    pub fn fit(values: &[f64], d: usize) -> Self {
        let n = values.len().checked_div(d).unwrap_or(0);
        let mut mean = vec![0.0; d];
        let mut m2 = vec![0.0; d];
        // Welford, column by column across rows: stable for large offsets.
        for (i, row) in values.chunks_exact(d.max(1)).enumerate() {
            for j in 0..d {
                let x = row[j];
                let delta = x - mean[j];
                mean[j] += delta / (i + 1) as f64;
                m2[j] += delta * (x - mean[j]);
            }
        }
        let scale = m2
            .iter()
            .map(|s| {
                let sd = if n > 0 { (s / n as f64).sqrt() } else { 0.0 };
                if sd > 1e-12 && sd.is_finite() {
                    sd
                } else {
                    1.0
                }
            })
            .collect();
        Self { mean, scale }
    }

    /// Standardises in f64 and returns f32, ready for upload.
    pub fn transform(&self, values: &[f64]) -> Vec<f32> {
        let d = self.mean.len().max(1);
        values
            .chunks_exact(d)
            .flat_map(|row| {
                row.iter()
                    .zip(self.mean.iter().zip(&self.scale))
                    .map(|(x, (m, s))| ((x - m) / s) as f32)
            })
            .collect()
    }
}

/// Standardises each column of a row-major f32 matrix in place (f64 sums).
pub fn standardize_columns_f32(values: &mut [f32], d: usize) {
    let as64: Vec<f64> = values.iter().map(|&v| v as f64).collect();
    let out = Standardizer::fit(&as64, d).transform(&as64);
    values.copy_from_slice(&out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_mean_unit_variance_and_constant_columns() {
        let v = vec![1.0, 5.0, 2.0, 5.0, 3.0, 5.0];
        let s = Standardizer::fit(&v, 2);
        assert_eq!(s.mean, vec![2.0, 5.0]);
        assert!((s.scale[0] - (2.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!(s.scale[1], 1.0);
        let z = s.transform(&v);
        assert!((z[0] + 1.224_744_9).abs() < 1e-6);
        assert_eq!(z[1], 0.0);
        assert_eq!(z[3], 0.0);
    }

    #[test]
    fn large_offsets_stay_accurate() {
        let v: Vec<f64> = (0..1000).map(|i| 1e9 + (i % 2) as f64).collect();
        let s = Standardizer::fit(&v, 1);
        assert!((s.scale[0] - 0.5).abs() < 1e-9);
    }
}
