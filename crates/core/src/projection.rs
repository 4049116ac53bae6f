//! 2-D projections for the scatter view.

use crate::rng::Rng;

/// Which 2-D view of the rows to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProjectionKind {
    /// The first two principal components of the standardised data.
    #[default]
    Pca,
    /// The autoencoder's latent code, when its bottleneck is 2.
    Latent,
    /// Two chosen feature columns.
    Columns(usize, usize),
}

/// Rows used to estimate the covariance: enough for two stable components,
/// few enough that a million rows projects in a blink.
const PCA_SAMPLE_ROWS: usize = 20_000;

/// Projects row-major standardised `x` (`rows × d`) onto its first two
/// principal components, as `[x0, y0, x1, y1, …]`. With one column the second
/// coordinate is 0. Deterministic: the sign of each axis is fixed so that its
/// largest loading is positive.
pub fn pca_2d(x: &[f32], d: usize) -> Vec<f32> {
    if d == 0 {
        return Vec::new();
    }
    let rows = x.len() / d;
    let stride = rows.div_ceil(PCA_SAMPLE_ROWS).max(1);
    let sample: Vec<&[f32]> = x.chunks_exact(d).step_by(stride).collect();
    let mut mean = vec![0.0f64; d];
    for r in &sample {
        for (m, &v) in mean.iter_mut().zip(r.iter()) {
            *m += v as f64;
        }
    }
    let ns = sample.len().max(1) as f64;
    mean.iter_mut().for_each(|m| *m /= ns);
    let mut cov = vec![0.0f64; d * d];
    let mut centred = vec![0.0f64; d];
    for r in &sample {
        for (c, (&v, m)) in centred.iter_mut().zip(r.iter().zip(&mean)) {
            *c = v as f64 - m;
        }
        for a in 0..d {
            let ca = centred[a];
            for b in a..d {
                cov[a * d + b] += ca * centred[b];
            }
        }
    }
    for a in 0..d {
        for b in a..d {
            cov[a * d + b] /= ns;
            cov[b * d + a] = cov[a * d + b];
        }
    }
    let v1 = top_eigenvector(&cov, d, None);
    let v2 = if d > 1 {
        Some(top_eigenvector(&cov, d, Some(&v1)))
    } else {
        None
    };
    let mut out = Vec::with_capacity(rows * 2);
    for r in x.chunks_exact(d) {
        let p = |v: &[f64]| {
            r.iter()
                .zip(v)
                .zip(&mean)
                .map(|((&x, w), m)| (x as f64 - m) * w)
                .sum::<f64>() as f32
        };
        out.push(p(&v1));
        out.push(v2.as_deref().map_or(0.0, p));
    }
    out
}

/// Power iteration on a symmetric PSD matrix, deflated against `orth`.
fn top_eigenvector(m: &[f64], d: usize, orth: Option<&[f64]>) -> Vec<f64> {
    let mut rng = Rng::new(17);
    let mut v: Vec<f64> = (0..d).map(|_| rng.normal()).collect();
    let project_out = |v: &mut Vec<f64>| {
        if let Some(o) = orth {
            let dot: f64 = v.iter().zip(o).map(|(a, b)| a * b).sum();
            v.iter_mut().zip(o).for_each(|(a, b)| *a -= dot * b);
        }
    };
    let normalise = |v: &mut Vec<f64>| {
        let n = v.iter().map(|a| a * a).sum::<f64>().sqrt();
        if n > 0.0 {
            v.iter_mut().for_each(|a| *a /= n);
        }
    };
    project_out(&mut v);
    normalise(&mut v);
    let mut next = vec![0.0; d];
    for _ in 0..300 {
        for (a, n) in next.iter_mut().enumerate() {
            *n = (0..d).map(|b| m[a * d + b] * v[b]).sum();
        }
        project_out(&mut next);
        normalise(&mut next);
        let delta: f64 = next.iter().zip(&v).map(|(a, b)| (a - b).abs()).sum();
        std::mem::swap(&mut v, &mut next);
        if delta < 1e-10 {
            break;
        }
    }
    // Fix the sign: the largest loading is positive.
    if let Some(big) = v.iter().copied().max_by(|a, b| a.abs().total_cmp(&b.abs())) {
        if big < 0.0 {
            v.iter_mut().for_each(|a| *a = -*a);
        }
    }
    v
}

/// Two columns of row-major `x` as `[x0, y0, x1, y1, …]`; out-of-range
/// columns give `None`.
pub fn columns_2d(x: &[f32], d: usize, a: usize, b: usize) -> Option<Vec<f32>> {
    if a >= d || b >= d {
        return None;
    }
    Some(x.chunks_exact(d).flat_map(|r| [r[a], r[b]]).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pca_finds_the_main_axis() {
        // Points along (1, 1) with small noise along (1, -1).
        let mut rng = Rng::new(1);
        let mut x = Vec::new();
        for _ in 0..500 {
            let t = rng.normal() * 3.0;
            let e = rng.normal() * 0.1;
            x.extend([(t + e) as f32, (t - e) as f32]);
        }
        let p = pca_2d(&x, 2);
        assert_eq!(p.len(), 1000);
        let var = |k: usize| {
            let v: Vec<f64> = p.iter().skip(k).step_by(2).map(|&a| a as f64).collect();
            let m = v.iter().sum::<f64>() / v.len() as f64;
            v.iter().map(|a| (a - m).powi(2)).sum::<f64>() / v.len() as f64
        };
        // First component carries variance ≈ 2·9, second ≈ 2·0.01.
        assert!(var(0) > 15.0 && var(1) < 0.05, "{} {}", var(0), var(1));
        // Row 0 projects onto (x+y)/√2 with a positive sign convention.
        let expect = (x[0] + x[1]) as f64 / 2f64.sqrt();
        let mean: f64 =
            x.chunks(2).map(|r| (r[0] + r[1]) as f64).sum::<f64>() / 500.0 / 2f64.sqrt();
        assert!((p[0] as f64 - (expect - mean)).abs() < 1e-3);
    }

    #[test]
    fn one_column_and_columns_view() {
        let p = pca_2d(&[1.0, 2.0, 3.0], 1);
        assert_eq!(p.len(), 6);
        assert_eq!(p[1], 0.0);
        assert_eq!(
            columns_2d(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 3, 2, 0),
            Some(vec![3.0, 1.0, 6.0, 4.0])
        );
        assert_eq!(columns_2d(&[1.0], 1, 0, 1), None);
    }
}
