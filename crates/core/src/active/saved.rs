//! A fit saved as text, so that a reload takes the labels back without
//! replaying them: restoring costs one pass of the neighbour sums per label
//! (linear in the labels), where a replay refits after every label
//! (quadratic).
//!
//! The text holds the exact bits of the weights, the bias and the
//! optimiser's state, and a fingerprint of what they were fitted to: the
//! layer's inputs, settings and prior, and the labels in their order. A
//! fit is taken back only when the fingerprint matches, so the scores are
//! exactly those a replay gives; anything else is ignored and the labels
//! are replayed.

use super::{ActiveLayer, Adam, Fit};

/// The first word of the text: its format.
const FORMAT: &str = "fit2";

/// FNV-1a, 64 bits: enough to tell one layer or label sequence from another.
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }

    /// One multiply per word rather than per byte: the inputs are `rows ×
    /// width` numbers.
    fn word(&mut self, v: u32) {
        self.0 = (self.0 ^ v as u64).wrapping_mul(0x0000_0100_0000_01b3);
    }
}

/// The hash of everything a fit depends on besides its labels, computed
/// the first time a fit is saved or restored, not when the layer is built.
fn fingerprint(layer: &ActiveLayer) -> u64 {
    *layer.fingerprint.get_or_init(|| {
        let mut h = Fnv::new();
        h.u64(layer.width as u64);
        h.u64(layer.scores.len() as u64);
        for v in &layer.inputs {
            h.word(v.to_bits());
        }
        h.bytes(format!("{:?}", layer.config).as_bytes());
        for w in &layer.w0 {
            h.u64(w.to_bits());
        }
        if let Some(Some(prior)) = layer.fits.first() {
            h.u64(prior.b.to_bits());
        }
        h.0
    })
}

/// The fingerprint of `labels` fitted on `layer`.
fn for_labels(layer: &ActiveLayer, labels: &[(usize, bool)]) -> u64 {
    let mut h = Fnv(fingerprint(layer));
    for &(i, a) in labels {
        h.u64(i as u64);
        h.bytes(&[u8::from(a)]);
    }
    h.0
}

impl ActiveLayer {
    /// The fit to the current labels as text, for
    /// [`restore_saved`](Self::restore_saved).
    pub fn saved_fit(&self) -> Option<String> {
        self.saved_fit_up_to(usize::MAX)
    }

    /// [`saved_fit`](Self::saved_fit), or `None` as soon as the text would
    /// be longer than `max_chars`: a caller that keeps only short fits does
    /// not build the long ones (hundreds of thousands of characters with
    /// the region offsets) after every label.
    pub fn saved_fit_up_to(&self, max_chars: usize) -> Option<String> {
        let fit = self.fits.get(self.labels.len())?.as_ref()?;
        let hex = |v: &f64| format!("{:016x}", v.to_bits());
        let mut out = format!(
            "{FORMAT} {:016x} {} {} {} {}",
            for_labels(self, &self.labels),
            fit.adam.t,
            hex(&fit.b),
            hex(&fit.adam.mb),
            hex(&fit.adam.vb)
        );
        // Runs of exact zeros (region offsets no label reached) as `z<count>`.
        let mut zeros = 0usize;
        for v in fit.w.iter().chain(&fit.adam.m).chain(&fit.adam.v) {
            if v.to_bits() == 0 {
                zeros += 1;
                continue;
            }
            if zeros > 0 {
                out.push_str(&format!(" z{zeros}"));
                zeros = 0;
            }
            out.push(' ');
            out.push_str(&hex(v));
            if out.len() > max_chars {
                return None;
            }
        }
        if zeros > 0 {
            out.push_str(&format!(" z{zeros}"));
        }
        (out.len() <= max_chars).then_some(out)
    }

    /// Takes `labels` with the fit `text` saved for exactly these labels on
    /// this layer: the scores are those [`set_labels`](Self::set_labels)
    /// would give, without the replay. Returns false, changing nothing, when
    /// the text is not such a fit.
    pub fn restore_saved(&mut self, labels: &[(usize, bool)], text: &str) -> bool {
        let labels = self.in_range(labels);
        let Some((fingerprint, fit)) = decode(text, self.w.len()) else {
            return false;
        };
        if fingerprint != for_labels(self, &labels) {
            return false;
        }
        let prior = self.fits.first().cloned().flatten();
        self.fits = vec![None; labels.len() + 1];
        self.fits[0] = prior;
        self.fits[labels.len()] = Some(fit.clone());
        self.restore(fit);
        self.neighbours.sync(&labels, &self.inputs, self.width);
        self.labels = labels;
        self.rescore();
        true
    }
}

fn decode(text: &str, width: usize) -> Option<(u64, Fit)> {
    let mut it = text.split_ascii_whitespace();
    if it.next()? != FORMAT {
        return None;
    }
    let fingerprint = u64::from_str_radix(it.next()?, 16).ok()?;
    let t: i32 = it.next()?.parse().ok()?;
    let float = |it: &mut std::str::SplitAsciiWhitespace| -> Option<f64> {
        Some(f64::from_bits(u64::from_str_radix(it.next()?, 16).ok()?))
    };
    let (b, mb, vb) = (float(&mut it)?, float(&mut it)?, float(&mut it)?);
    let mut all = Vec::with_capacity(3 * width);
    for word in it {
        match word.strip_prefix('z') {
            Some(run) => {
                let run: usize = run.parse().ok()?;
                if run > 3 * width - all.len() {
                    return None;
                }
                all.resize(all.len() + run, 0.0);
            }
            None => all.push(f64::from_bits(u64::from_str_radix(word, 16).ok()?)),
        }
        if all.len() > 3 * width {
            return None;
        }
    }
    if all.len() != 3 * width {
        return None;
    }
    let v = all.split_off(2 * width);
    let m = all.split_off(width);
    let w = all;
    Some((
        fingerprint,
        Fit {
            w,
            b,
            adam: Adam { m, v, mb, vb, t },
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::super::{ActiveConfig, ActiveLoss};
    use super::*;
    use crate::rng::Rng;

    fn layer(config: ActiveConfig) -> ActiveLayer {
        let mut rng = Rng::new(5);
        let (rows, m, d) = (400, 5, 4);
        let evidence: Vec<f32> = (0..rows * m).map(|_| rng.uniform() as f32).collect();
        let features: Vec<f32> = (0..rows * d).map(|_| rng.normal() as f32).collect();
        ActiveLayer::new(&evidence, m, &features, d, config)
    }

    fn labels() -> Vec<(usize, bool)> {
        (0..40).map(|k| ((k * 37 + 11) % 400, k % 6 == 0)).collect()
    }

    #[test]
    fn a_saved_fit_gives_the_replayed_scores_exactly() {
        for config in [
            ActiveConfig::default(),
            ActiveConfig {
                loss: ActiveLoss::AadHinge { tau: 0.03 },
                ..ActiveConfig::default()
            },
        ] {
            let labels = labels();
            let mut first = layer(config.clone());
            for k in 1..=labels.len() {
                first.set_labels(&labels[..k]);
            }
            let text = first.saved_fit().unwrap();
            let mut second = layer(config.clone());
            assert!(second.restore_saved(&labels, &text));
            assert_eq!(second.scores(), first.scores());
            // Undo after a restore replays the prefix and agrees too.
            first.set_labels(&labels[..30]);
            second.set_labels(&labels[..30]);
            assert_eq!(second.scores(), first.scores());
            // And going forward again.
            first.set_labels(&labels);
            second.set_labels(&labels);
            assert_eq!(second.scores(), first.scores());
        }
    }

    #[test]
    fn a_capped_fit_is_the_whole_fit_or_none() {
        let mut l = layer(ActiveConfig::default());
        l.set_labels(&labels()[..5]);
        let full = l.saved_fit().unwrap();
        assert_eq!(l.saved_fit_up_to(full.len()).as_deref(), Some(&full[..]));
        assert_eq!(l.saved_fit_up_to(full.len() - 1), None);
        assert_eq!(l.saved_fit_up_to(100), None);
    }

    #[test]
    fn a_fit_for_other_labels_or_another_layer_is_refused() {
        let labels = labels();
        let mut first = layer(ActiveConfig::default());
        first.set_labels(&labels);
        let text = first.saved_fit().unwrap();
        let mut other = layer(ActiveConfig::default());
        let before = other.scores().to_vec();
        assert!(!other.restore_saved(&labels[..39], &text), "fewer labels");
        let mut swapped = labels.clone();
        swapped.swap(0, 1);
        assert!(!other.restore_saved(&swapped, &text), "another order");
        assert!(!other.restore_saved(&labels, "fit2 00 1 2"), "truncated");
        assert!(
            !other.restore_saved(&labels, &text.replace("fit2", "fit9")),
            "another format"
        );
        let mut wider = layer(ActiveConfig {
            neighbour_weight: 0.0,
            ..ActiveConfig::default()
        });
        assert!(!wider.restore_saved(&labels, &text), "other settings");
        assert_eq!(other.scores(), &before[..], "nothing changed");
        assert!(other.restore_saved(&labels, &text));
    }
}
