//! Sorting `f32` keys by radix: linear in the rows, and the same order as
//! a comparison sort by [`f32::total_cmp`] with ties in input order. The
//! page re-ranks a million rows after each label, where a comparison sort
//! would take a long task of its own.

/// An `f32`'s bits as an unsigned key in [`f32::total_cmp`]'s order.
pub(crate) fn order_key(x: f32) -> u32 {
    let b = x.to_bits();
    if b >> 31 == 1 {
        !b
    } else {
        b | (1 << 31)
    }
}

/// The `f32` an [`order_key`] was made from.
pub(crate) fn from_order_key(k: u32) -> f32 {
    f32::from_bits(if k >> 31 == 1 { k & !(1 << 31) } else { !k })
}

/// Sorts by the high 32 bits (the low ones keep their input order among
/// equals): a least-significant-digit radix sort, 8 bits a pass, a pass
/// skipped where every entry has the same digit.
pub(crate) fn radix_sort_high(v: &mut Vec<u64>, other: &mut Vec<u64>) {
    other.clear();
    other.resize(v.len(), 0);
    for shift in [32, 40, 48, 56] {
        let mut counts = [0usize; 256];
        for &c in v.iter() {
            counts[(c >> shift) as usize & 0xff] += 1;
        }
        if counts.contains(&v.len()) {
            continue;
        }
        let mut at = 0;
        for c in &mut counts {
            let here = *c;
            *c = at;
            at += here;
        }
        for &c in v.iter() {
            let d = (c >> shift) as usize & 0xff;
            other[counts[d]] = c;
            counts[d] += 1;
        }
        std::mem::swap(v, other);
    }
}

/// Every row's key, `!order_key(key(score))` above `low(row)`, sorted:
/// most anomalous first, ties in the rows' order (`low` must grow with
/// the row).
fn sorted_keys(scores: &[f32], key: impl Fn(f32) -> f32, low: impl Fn(usize) -> u64) -> Vec<u64> {
    let mut keys: Vec<u64> = scores
        .iter()
        .enumerate()
        .map(|(i, &s)| (u64::from(!order_key(key(s))) << 32) | low(i))
        .collect();
    radix_sort_high(&mut keys, &mut Vec::new());
    keys
}

/// Row indices by descending `key(score)` under [`f32::total_cmp`], ties
/// by ascending row index. Past `u32::MAX` rows, a comparison sort.
pub(crate) fn descending_by(scores: &[f32], key: impl Fn(f32) -> f32) -> Vec<usize> {
    if u32::try_from(scores.len()).is_err() {
        let mut idx: Vec<usize> = (0..scores.len()).collect();
        idx.sort_by(|&a, &b| key(scores[b]).total_cmp(&key(scores[a])).then(a.cmp(&b)));
        return idx;
    }
    sorted_keys(scores, key, |i| i as u64)
        .into_iter()
        .map(|k| (k & u64::from(u32::MAX)) as usize)
        .collect()
}

/// Every row as a radix key, sorted most anomalous first: the score above
/// (non-finite scores as the lowest, −0 as 0, so equal scores share a
/// key), `low(row)` below: it must grow with the row (the row itself, or
/// the row with flags in bits the row does not reach), as ties keep the
/// rows' order.
pub(crate) fn ranked_keys(scores: &[f32], low: impl Fn(usize) -> u64) -> Vec<u64> {
    let same = |s: f32| {
        if !s.is_finite() {
            f32::MIN
        } else if s == 0.0 {
            0.0
        } else {
            s
        }
    };
    sorted_keys(scores, same, low)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn order_keys_keep_total_order_and_come_back() {
        let xs = [
            f32::NEG_INFINITY,
            -1e30,
            -1.0,
            -f32::MIN_POSITIVE / 2.0,
            -0.0,
            0.0,
            f32::MIN_POSITIVE / 2.0,
            1.0,
            f32::INFINITY,
        ];
        for w in xs.windows(2) {
            assert!(order_key(w[0]) < order_key(w[1]), "{w:?}");
        }
        for x in xs {
            assert_eq!(from_order_key(order_key(x)).to_bits(), x.to_bits());
        }
    }

    /// The radix order is the comparison sort's, ties, signed zeros and
    /// infinities included.
    #[test]
    fn descending_by_radix_matches_a_comparison_sort() {
        let mut rng = Rng::new(7);
        for n in [0, 1, 2, 17, 1000, 5000] {
            let scores: Vec<f32> = (0..n)
                .map(|_| match rng.index(10) {
                    0 => 0.0,
                    1 => -0.0,
                    2 => f32::INFINITY,
                    3 => -1.5,
                    _ => (rng.uniform() as f32 - 0.5) * 8.0,
                })
                .collect();
            let mut want: Vec<usize> = (0..n).collect();
            want.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
            assert_eq!(descending_by(&scores, |s| s), want, "n = {n}");
        }
    }
}
