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

/// Up to this many columns the covariance matrix is formed (`d²` numbers);
/// past it, power iteration multiplies by the sampled rows instead, so a
/// table of 10,000 columns needs no 800 MB matrix.
const COVARIANCE_MAX_COLS: usize = 512;

/// Sampled cells (rows × columns) for the matrix-free path: each power
/// iteration reads them twice.
const MATRIX_FREE_CELLS: usize = 2_000_000;

/// Projects row-major standardised `x` (`rows × d`) onto its first two
/// principal components, as `[x0, y0, x1, y1, …]`. With one column the second
/// coordinate is 0. Deterministic: the sign of each axis is fixed so that its
/// largest loading is positive.
pub fn pca_2d(x: &[f32], d: usize) -> Vec<f32> {
    if d == 0 {
        return Vec::new();
    }
    let rows = x.len() / d;
    let wide = d > COVARIANCE_MAX_COLS;
    let max_sample = if wide {
        (MATRIX_FREE_CELLS / d).max(2)
    } else {
        PCA_SAMPLE_ROWS
    };
    let stride = rows.div_ceil(max_sample).max(1);
    let sample: Vec<&[f32]> = x.chunks_exact(d).step_by(stride).collect();
    let mut mean = vec![0.0f64; d];
    for r in &sample {
        for (m, &v) in mean.iter_mut().zip(r.iter()) {
            *m += v as f64;
        }
    }
    let ns = sample.len().max(1) as f64;
    mean.iter_mut().for_each(|m| *m /= ns);
    let (v1, v2) = if wide {
        let centred: Vec<Vec<f64>> = sample
            .iter()
            .map(|r| r.iter().zip(&mean).map(|(&v, m)| v as f64 - m).collect())
            .collect();
        // C·v = (1/n) Σ c (c·v), never forming C.
        let times = |v: &[f64], out: &mut [f64]| {
            out.iter_mut().for_each(|o| *o = 0.0);
            for c in &centred {
                let dot: f64 = c.iter().zip(v).map(|(a, b)| a * b).sum();
                out.iter_mut().zip(c).for_each(|(o, a)| *o += dot * a / ns);
            }
        };
        let v1 = top_eigenvector(&times, d, None);
        let v2 = top_eigenvector(&times, d, Some(&v1));
        (v1, Some(v2))
    } else {
        let cov = covariance(&sample, &mean, ns);
        let times = |v: &[f64], out: &mut [f64]| {
            for (a, n) in out.iter_mut().enumerate() {
                *n = (0..d).map(|b| cov[a * d + b] * v[b]).sum();
            }
        };
        let v1 = top_eigenvector(&times, d, None);
        let v2 = (d > 1).then(|| top_eigenvector(&times, d, Some(&v1)));
        (v1, v2)
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

/// The `d × d` covariance of the sampled rows about `mean`.
fn covariance(sample: &[&[f32]], mean: &[f64], ns: f64) -> Vec<f64> {
    let d = mean.len();
    let mut cov = vec![0.0f64; d * d];
    let mut centred = vec![0.0f64; d];
    for r in sample {
        for (c, (&v, m)) in centred.iter_mut().zip(r.iter().zip(mean)) {
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
    cov
}

/// Power iteration on a symmetric PSD operator `times` (`out = M·v`),
/// deflated against `orth`.
fn top_eigenvector(times: &dyn Fn(&[f64], &mut [f64]), d: usize, orth: Option<&[f64]>) -> Vec<f64> {
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
        times(&v, &mut next);
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
    fn wide_tables_project_without_the_covariance_matrix() {
        // 2,000 columns, 60 rows: every column is t·w plus noise, so the
        // first component is t and both paths must find it.
        let (rows, d) = (60, 2_000);
        let mut rng = Rng::new(3);
        let w: Vec<f64> = (0..d).map(|_| rng.normal()).collect();
        let t: Vec<f64> = (0..rows).map(|_| rng.normal() * 2.0).collect();
        let x: Vec<f32> = (0..rows)
            .flat_map(|i| {
                w.iter()
                    .map(|wj| (t[i] * wj + 0.01 * rng.normal()) as f32)
                    .collect::<Vec<_>>()
            })
            .collect();
        let p = pca_2d(&x, d);
        assert_eq!(p.len(), rows * 2);
        assert!(p.iter().all(|v| v.is_finite()));
        // The first coordinate follows t (up to sign and scale).
        let a: Vec<f64> = p.iter().step_by(2).map(|&v| v as f64).collect();
        let corr = {
            let ma = a.iter().sum::<f64>() / rows as f64;
            let mt = t.iter().sum::<f64>() / rows as f64;
            let cov: f64 = a.iter().zip(&t).map(|(x, y)| (x - ma) * (y - mt)).sum();
            let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
            let vt: f64 = t.iter().map(|y| (y - mt).powi(2)).sum();
            cov / (va * vt).sqrt()
        };
        assert!(corr.abs() > 0.999, "{corr}");
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
