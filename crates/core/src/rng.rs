//! A small, seeded, platform-independent pseudo-random generator.
//!
//! Everything random in the core (weight initialisation, minibatch order,
//! synthetic data, random queries) draws from this generator, so a seed gives
//! the same run natively and in the browser, on every backend.

/// SplitMix64's step, `2⁶⁴/φ`: also what the core and the CLI multiply a
/// counter or a seed by to spread it over all 64 bits before mixing it
/// into another seed.
pub const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64: tiny, fast and good enough for initialisation and shuffling.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator whose whole stream is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            state: seed ^ GOLDEN_GAMMA,
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform draw in `[0, 1)`.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform draw in `[lo, hi)`.
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// A uniform index in `0..n` (`n` must be positive).
    pub fn index(&mut self, n: usize) -> usize {
        debug_assert!(n > 0);
        ((self.uniform() * n as f64) as usize).min(n.saturating_sub(1))
    }

    /// A standard normal draw (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(f64::MIN_POSITIVE);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// Moves `k` of `items`, drawn without replacement, to the front (a
    /// partial Fisher–Yates shuffle: `k` draws, whatever the length).
    pub fn draw_to_front<T>(&mut self, items: &mut [T], k: usize) {
        let n = items.len();
        for i in 0..k.min(n) {
            let j = i + self.index(n - i);
            items.swap(i, j);
        }
    }

    /// Shuffles `items` in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.index(i + 1);
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draw_to_front_moves_k_distinct_items_to_the_front() {
        let mut items: Vec<usize> = (0..50).collect();
        Rng::new(3).draw_to_front(&mut items, 10);
        let mut front = items[..10].to_vec();
        front.sort_unstable();
        front.dedup();
        assert_eq!(front.len(), 10);
        let mut all = items.clone();
        all.sort_unstable();
        assert_eq!(all, (0..50).collect::<Vec<_>>(), "a permutation");
        let mut again: Vec<usize> = (0..50).collect();
        Rng::new(3).draw_to_front(&mut again, 10);
        assert_eq!(again, items);
        let mut short = vec![1, 2];
        Rng::new(3).draw_to_front(&mut short, 5);
        assert_eq!(short.len(), 2);
    }

    #[test]
    fn same_seed_same_stream() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        assert_ne!(Rng::new(1).next_u64(), Rng::new(2).next_u64());
    }

    #[test]
    fn uniform_and_normal_have_the_right_moments() {
        let mut rng = Rng::new(3);
        let n = 20_000;
        let u: Vec<f64> = (0..n).map(|_| rng.uniform()).collect();
        assert!(u.iter().all(|&x| (0.0..1.0).contains(&x)));
        let mean_u = u.iter().sum::<f64>() / n as f64;
        assert!((mean_u - 0.5).abs() < 0.01);
        let z: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let mean = z.iter().sum::<f64>() / n as f64;
        let var = z.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.03, "mean {mean}");
        assert!((var - 1.0).abs() < 0.05, "var {var}");
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut v: Vec<usize> = (0..50).collect();
        Rng::new(0).shuffle(&mut v);
        let mut s = v.clone();
        s.sort_unstable();
        assert_eq!(s, (0..50).collect::<Vec<_>>());
        assert_ne!(v, s);
    }
}
