//! Base64 (RFC 4648's standard alphabet, no padding) for the saved fit and
//! the session file's arrays: these few lines cost the page less than a
//! general crate (the `base64` crate's engine added 3.4 KB gzip to the
//! module).

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Appends `bytes` in base64 to `out`.
pub fn encode_into(bytes: &[u8], out: &mut String) {
    out.reserve(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (k, &b)| n | u32::from(b) << (16 - 8 * k));
        for k in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * k) & 63) as usize] as char);
        }
    }
}

/// The bytes of `text`; `None` for a character outside the alphabet or a
/// length no encoding gives.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| -> Option<u32> {
        let d = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        Some(u32::from(d))
    };
    let text = text.as_bytes();
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    for chunk in text.chunks(4) {
        let mut n = 0u32;
        for (k, &c) in chunk.iter().enumerate() {
            n |= digit(c)? << (18 - 6 * k);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
        // The bits past the last byte must be zero, as the encoder writes.
        if chunk.len() < 4 && bytes[chunk.len()..].iter().any(|&b| b != 0) {
            return None;
        }
    }
    Some(out)
}

/// `values` as little-endian f32 bytes in base64 (exact bits).
pub fn encode_f32(values: &[f32]) -> String {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    let mut out = String::new();
    encode_into(&bytes, &mut out);
    out
}

/// The `len` f32 values [`encode_f32`] wrote, or `None` when the text is
/// not exactly that many values: its length is checked before anything
/// is decoded, so a hostile text costs no allocation beyond `len`.
pub fn decode_f32(text: &str, len: usize) -> Option<Vec<f32>> {
    let bytes = len.checked_mul(4)?;
    let chars = bytes / 3 * 4 + [0, 2, 3][bytes % 3];
    if text.len() != chars {
        return None;
    }
    let raw = decode(text)?;
    Some(
        raw.chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_matches_rfc_4648() {
        let enc = |b: &[u8]| {
            let mut s = String::new();
            encode_into(b, &mut s);
            s
        };
        // RFC 4648, section 10, without the padding.
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(enc(plain.as_bytes()), coded);
            assert_eq!(decode(coded).as_deref(), Some(plain.as_bytes()));
        }
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(decode(&enc(&all)), Some(all));
        for bad in ["Z", "Zm9v!", "Zh", "Zm9=", "Zm9vYg==", "é"] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn f32_arrays_keep_every_bit_and_refuse_another_length() {
        let v = [
            0.0f32,
            -0.0,
            1.5,
            f32::MIN_POSITIVE,
            f32::MAX,
            -1e-30,
            3.25e7,
        ];
        for n in 0..=v.len() {
            let text = encode_f32(&v[..n]);
            let back = decode_f32(&text, n).unwrap();
            assert_eq!(
                back.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                v[..n].iter().map(|x| x.to_bits()).collect::<Vec<_>>()
            );
            assert_eq!(decode_f32(&text, n + 1), None);
            if n > 0 {
                assert_eq!(decode_f32(&text, n - 1), None);
            }
        }
        assert_eq!(decode_f32("AAAA", usize::MAX), None);
    }
}

/// The most f32 values one base64 array of a session file may hold (a
/// detector's weights, a scoring model's arrays); a longer one is refused
/// before anything is decoded.
pub const MAX_ARRAY_VALUES: usize = 1 << 24;

/// `#[serde(with = "crate::base64::f32s")]`: an f32 array as base64 of its
/// exact bits, at most [`MAX_ARRAY_VALUES`] values.
pub mod f32s {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(values: &[f32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::encode_f32(values))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f32>, D::Error> {
        let text = String::deserialize(d)?;
        let len = text.len() * 3 / 4 / 4;
        if len > super::MAX_ARRAY_VALUES {
            return Err(serde::de::Error::custom(format!(
                "an array of {len} values is more than a session file holds ({})",
                super::MAX_ARRAY_VALUES
            )));
        }
        super::decode_f32(&text, len)
            .ok_or_else(|| serde::de::Error::custom("an array is not base64 of whole f32 values"))
    }
}
