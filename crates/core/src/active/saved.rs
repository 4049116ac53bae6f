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
use crate::base64;

/// The first word of the text: its format. `fit3`: the fingerprint and
/// Adam's step count in text, then in base64 the bias and its two moments,
/// the positions kept (runs of skipped and kept weights, as varints; a
/// weight is kept when it or one of its moments is not zero: the region
/// offsets no label reached are all zero) and, per kept position, the
/// weight and its two moments, all as the little-endian bits of f64.
/// (`fit2` wrote every number in hex, about 1.6 times longer.)
const FORMAT: &str = "fit3";

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

/// The neighbour kernel's definition, in the fingerprint: a fit saved
/// under an earlier one (`libm`'s `expf`; every label of a batch counted)
/// is refused, and its labels replayed, rather than taken with sums it was
/// not fitted to.
const KERNEL: &str = "kernel: exp_neg, bulk rows by kernel_counted";

/// The hash of everything a fit depends on besides its labels, computed
/// the first time a fit is saved or restored, not when the layer is built.
fn fingerprint(layer: &ActiveLayer) -> u64 {
    *layer.fingerprint.get_or_init(|| {
        let mut h = Fnv::new();
        h.u64(layer.width as u64);
        h.u64(layer.scores.len() as u64);
        // Row by row, each row's evidence then its features: the hash of
        // the rows the layer reads, however it keeps them.
        for i in 0..layer.rows() {
            for v in layer.input_row(i) {
                h.word(v.to_bits());
            }
        }
        // The second ranking and the labels' classifier order the
        // questions and change no fit.
        let config = layer.config.scoring_part();
        h.bytes(format!("{config:?}").as_bytes());
        h.bytes(KERNEL.as_bytes());
        for w in &layer.w0 {
            h.u64(w.to_bits());
        }
        if let Some(Some(prior)) = layer.fits.first() {
            h.u64(prior.b.to_bits());
        }
        h.0
    })
}

/// The fingerprint of `labels` fitted on `layer`, with where their fits
/// fall (`joined`: a label joins the next one's fit; a fit saved before
/// batches existed, with none joined, keeps its fingerprint).
fn for_labels(layer: &ActiveLayer, labels: &[(usize, bool)], joined: &[bool]) -> u64 {
    let mut h = Fnv(fingerprint(layer));
    for (k, &(i, a)) in labels.iter().enumerate() {
        h.u64(i as u64);
        h.bytes(&[u8::from(a)]);
        if joined.get(k) == Some(&true) {
            h.bytes(&[2]);
        }
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
        let (w, m, v) = (&fit.w, &fit.adam.m, &fit.adam.v);
        let kept = |p: usize| w[p].to_bits() | m[p].to_bits() | v[p].to_bits() != 0;
        let header = format!(
            "{FORMAT} {:016x} {} ",
            for_labels(self, &self.labels, &self.joined),
            fit.adam.t
        );
        // The mask of kept positions as runs, kept and skipped in turn.
        let mut runs = Vec::new();
        let (mut p, mut kept_count) = (0, 0);
        while p < w.len() {
            let skip = (p..w.len()).take_while(|&q| !kept(q)).count();
            let keep = (p + skip..w.len()).take_while(|&q| kept(q)).count();
            put_varint(&mut runs, skip as u64);
            put_varint(&mut runs, keep as u64);
            p += skip + keep;
            kept_count += keep;
        }
        let bytes = 24 + runs.len() + 24 * kept_count;
        if header.len() + bytes.div_ceil(3) * 4 > max_chars {
            return None;
        }
        let mut payload = Vec::with_capacity(bytes);
        for x in [fit.b, fit.adam.mb, fit.adam.vb] {
            payload.extend_from_slice(&x.to_bits().to_le_bytes());
        }
        payload.extend_from_slice(&runs);
        for p in (0..w.len()).filter(|&p| kept(p)) {
            for x in [w[p], m[p], v[p]] {
                payload.extend_from_slice(&x.to_bits().to_le_bytes());
            }
        }
        let mut out = header;
        base64::encode_into(&payload, &mut out);
        Some(out)
    }

    /// Takes `labels` with the fit `text` saved for exactly these labels on
    /// this layer: the scores are those [`set_labels`](Self::set_labels)
    /// would give, without the replay. Returns false, changing nothing, when
    /// the text is not such a fit.
    pub fn restore_saved(&mut self, labels: &[(usize, bool)], text: &str) -> bool {
        self.restore_saved_joined(labels, &[], text)
    }

    /// [`restore_saved`](Self::restore_saved) for labels some of which
    /// were given together ([`set_labels_joined`](Self::set_labels_joined)).
    pub fn restore_saved_joined(
        &mut self,
        labels: &[(usize, bool)],
        joined: &[bool],
        text: &str,
    ) -> bool {
        let (labels, joined) = self.in_range_joined(labels, joined);
        let Some((fingerprint, fit)) = decode(text, self.w.len()) else {
            return false;
        };
        if fingerprint != for_labels(self, &labels, &joined) {
            return false;
        }
        let prior = self.fits.first().cloned().flatten();
        self.fits = vec![None; labels.len() + 1];
        self.fits[0] = prior;
        self.fits[labels.len()] = Some(fit.clone());
        self.restore(fit);
        let counted = super::kernel_counted(&joined, self.rows());
        self.neighbours.sync(&labels, &counted);
        self.count_labels(&labels);
        self.labels = labels;
        self.joined = joined;
        self.rescore();
        true
    }
}

/// Reads a fit of `width` weights; `None` for anything else, without
/// allocating more than the fit itself would take.
fn decode(text: &str, width: usize) -> Option<(u64, Fit)> {
    let mut it = text.split_ascii_whitespace();
    if it.next()? != FORMAT {
        return None;
    }
    let fingerprint = u64::from_str_radix(it.next()?, 16).ok()?;
    let t: i32 = it.next()?.parse().ok()?;
    let payload = it.next()?;
    if it.next().is_some() || payload.len() > (24 + 11 * 2 * width + 24 * width).div_ceil(3) * 4 {
        return None;
    }
    let bytes = base64::decode(payload)?;
    let mut at = 0;
    let float = |at: &mut usize| -> Option<f64> {
        let word = bytes.get(*at..*at + 8)?;
        *at += 8;
        Some(f64::from_bits(u64::from_le_bytes(word.try_into().ok()?)))
    };
    let (b, mb, vb) = (float(&mut at)?, float(&mut at)?, float(&mut at)?);
    let mut kept = Vec::new();
    let mut p = 0usize;
    while p < width {
        let skip = usize::try_from(get_varint(&bytes, &mut at)?).ok()?;
        let keep = usize::try_from(get_varint(&bytes, &mut at)?).ok()?;
        if skip > width - p || keep > width - p - skip {
            return None;
        }
        kept.push((p + skip, keep));
        p += skip + keep;
    }
    let (mut w, mut m, mut v) = (vec![0.0; width], vec![0.0; width], vec![0.0; width]);
    for (from, keep) in kept {
        for p in from..from + keep {
            w[p] = float(&mut at)?;
            m[p] = float(&mut at)?;
            v[p] = float(&mut at)?;
        }
    }
    if at != bytes.len() {
        return None;
    }
    Some((
        fingerprint,
        Fit {
            w,
            b,
            adam: Adam { m, v, mb, vb, t },
        },
    ))
}

/// LEB128: seven bits per byte, the high bit set on all but the last.
fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn get_varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *bytes.get(*at)?;
        *at += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return Some(v);
        }
    }
    None
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
        assert!(!other.restore_saved(&labels, "fit3 00 1 2"), "truncated");
        assert!(
            !other.restore_saved(&labels, &text.replace("fit3", "fit9")),
            "another format"
        );
        // Any cut, any changed character: refused, never a panic.
        for cut in [text.len() - 1, text.len() - 4, text.len() / 2, 30] {
            assert!(!other.restore_saved(&labels, &text[..cut]), "cut at {cut}");
        }
        let flipped: String = text
            .char_indices()
            .map(|(k, c)| {
                if k == text.len() - 3 {
                    if c == 'A' {
                        'B'
                    } else {
                        'A'
                    }
                } else {
                    c
                }
            })
            .collect();
        assert_ne!(flipped, text);
        let _ = other.clone().restore_saved(&labels, &flipped);
        let mut wider = layer(ActiveConfig {
            neighbour_weight: 0.0,
            ..ActiveConfig::default()
        });
        assert!(!wider.restore_saved(&labels, &text), "other settings");
        assert_eq!(other.scores(), &before[..], "nothing changed");
        assert!(other.restore_saved(&labels, &text));
    }

    #[test]
    fn settings_that_only_order_the_questions_keep_a_saved_fit() {
        let labels = labels();
        // Saved by a page whose classifier was off and whose second ranking
        // had other settings: the same fit, so it is taken back.
        let saved_by = ActiveConfig {
            boost_after: 0,
            boost_candidates: 50,
            second_share: 0.3,
            second_after: 5,
            ..ActiveConfig::default()
        };
        assert_eq!(
            saved_by.scoring_part(),
            ActiveConfig::default().scoring_part()
        );
        let mut first = layer(saved_by);
        first.set_labels(&labels);
        let text = first.saved_fit().unwrap();
        let mut here = layer(ActiveConfig::default());
        assert!(here.restore_saved(&labels, &text));
        assert_eq!(here.scores(), first.scores());
    }

    #[test]
    fn hostile_fits_are_refused_without_a_panic() {
        let labels = labels();
        let mut first = layer(ActiveConfig::default());
        first.set_labels(&labels);
        let text = first.saved_fit().unwrap();
        let head: String = text.split(' ').take(3).collect::<Vec<_>>().join(" ");
        let mut other = layer(ActiveConfig::default());
        let before = other.scores().to_vec();
        // A run longer than the layer, an endless varint, random bytes.
        let mut huge = vec![0u8; 24];
        put_varint(&mut huge, u64::MAX);
        let endless = [vec![0u8; 24], vec![0xff; 40]].concat();
        let mut rng = Rng::new(9);
        let mut payloads = vec![huge, endless];
        for len in [0, 1, 23, 24, 25, 100, 5000] {
            payloads.push((0..len).map(|_| (rng.uniform() * 256.0) as u8).collect());
        }
        for payload in payloads {
            let mut hostile = format!("{head} ");
            base64::encode_into(&payload, &mut hostile);
            assert!(!other.restore_saved(&labels, &hostile));
        }
        assert!(!other.restore_saved(&labels, &format!("{head} {}", "A".repeat(1 << 24))));
        assert!(!other.restore_saved(&labels, &format!("{head} not*base64")));
        assert_eq!(other.scores(), &before[..]);
    }
}
