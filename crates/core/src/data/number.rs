//! Numbers as people write them: `1.5` and `-2e3`, but also `"1,234"`,
//! `$255.90`, `5.1%` and, in files delimited by `;`, tab or `|`, decimal
//! commas such as `1,5` or `1.234,5`.
//!
//! A column is read with one [`Format`], the first that reads nearly every
//! cell (see `super::NUMERIC_SHARE`), so that one column never mixes two
//! readings of a comma.

use super::text::clean;

/// Currency signs removed before or after a number.
const CURRENCY: [char; 8] = ['$', '€', '£', '¥', '₹', '₩', '₽', '₺'];

/// How the cells of one column write their numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Format {
    /// The decimal mark: `.` or `,`.
    pub decimal: char,
    /// The thousands separator, if any: `,`, `.`, a space or `'`.
    pub group: Option<char>,
}

impl Format {
    /// What Rust's `f64::from_str` reads, and nothing else.
    pub const PLAIN: Self = Self {
        decimal: '.',
        group: None,
    };
}

/// The formats tried, in order, for a column that is not plain numbers:
/// commas as thousands separators come before decimal commas, decimal
/// commas are tried only where the comma is not the delimiter, and plain
/// numbers with a currency or percent sign (and exponents) come last.
pub(super) fn candidates(delimiter: u8) -> Vec<Format> {
    let mut out = vec![
        Format {
            decimal: '.',
            group: Some(','),
        },
        Format {
            decimal: '.',
            group: Some(' '),
        },
        Format {
            decimal: '.',
            group: Some('\''),
        },
    ];
    if delimiter != b',' {
        out.extend([
            Format {
                decimal: ',',
                group: None,
            },
            Format {
                decimal: ',',
                group: Some('.'),
            },
            Format {
                decimal: ',',
                group: Some(' '),
            },
        ]);
    }
    out.push(Format::PLAIN);
    out
}

/// What reading a cell found besides the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Marks {
    pub currency: Option<char>,
    pub percent: bool,
    pub grouped: bool,
}

/// A cell read as a plain number; `Err(())` for text, `Ok(None)` for a
/// number too large for an f64 (such as `1e400`).
pub(super) fn plain(s: &str) -> Result<Option<f64>, ()> {
    match clean(s).parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        Ok(v) if v.is_nan() => Err(()),
        Ok(_) => Ok(None),
        Err(_) => Err(()),
    }
}

/// Reads a cell written in `format`, with an optional sign, currency sign
/// and percent sign. `None` when the cell is not a number in that format.
pub(super) fn read(s: &str, format: Format) -> Option<(f64, Marks)> {
    let mut t = clean(s);
    let mut marks = Marks::default();
    let mut negative = false;
    let mut signed = false;
    // Sign and currency in either order: -$5, $-5, 5 €, -5%.
    for _ in 0..2 {
        if !signed {
            if let Some(rest) = t.strip_prefix(['-', '−']) {
                (negative, signed) = (true, true);
                t = rest.trim_start();
            } else if let Some(rest) = t.strip_prefix('+') {
                signed = true;
                t = rest.trim_start();
            }
        }
        if marks.currency.is_none() {
            if let Some(c) = t.chars().next().filter(|c| CURRENCY.contains(c)) {
                marks.currency = Some(c);
                t = t[c.len_utf8()..].trim_start();
            }
        }
    }
    if let Some(rest) = t.strip_suffix('%') {
        marks.percent = true;
        t = rest.trim_end();
    }
    if marks.currency.is_none() {
        if let Some(c) = t.chars().next_back().filter(|c| CURRENCY.contains(c)) {
            marks.currency = Some(c);
            t = t[..t.len() - c.len_utf8()].trim_end();
        }
    }
    if t.is_empty() {
        return None;
    }
    if format == Format::PLAIN {
        // Plain also takes exponents and a leading '.', as f64 does; a
        // second sign ("--5") is not a number.
        if t.starts_with(['-', '+']) {
            return None;
        }
        let v = t.parse::<f64>().ok().filter(|v| v.is_finite())?;
        return Some((if negative { -v } else { v }, marks));
    }
    let (int, frac) = match t.split_once(format.decimal) {
        Some((i, f)) => (i, Some(f)),
        None => (t, None),
    };
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    let mut number = String::with_capacity(t.len() + 1);
    if negative {
        number.push('-');
    }
    match format.group {
        Some(g) if int.contains(g) => {
            let mut groups = int.split(g);
            let lead = groups.next().unwrap_or_default();
            if !(1..=3).contains(&lead.len()) || !digits(lead) || lead.starts_with('0') {
                return None;
            }
            number.push_str(lead);
            for group in groups {
                if group.len() != 3 || !digits(group) {
                    return None;
                }
                number.push_str(group);
            }
            marks.grouped = true;
        }
        _ => {
            // ",5" is half; an empty integer part needs a fraction.
            let bare_fraction = int.is_empty() && frac.is_some();
            if !(digits(int) || bare_fraction) {
                return None;
            }
            number.push_str(int);
        }
    }
    if let Some(f) = frac {
        if !digits(f) {
            return None;
        }
        number.push('.');
        number.push_str(f);
    }
    let v = number.parse::<f64>().ok().filter(|v| v.is_finite())?;
    Some((v, marks))
}

/// Whether a cell reads as a number in some format: used to tell a header
/// line from data.
pub(super) fn looks_numeric(s: &str) -> bool {
    plain(s).is_ok() || candidates(b';').into_iter().any(|f| read(s, f).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMA_THOUSANDS: Format = Format {
        decimal: '.',
        group: Some(','),
    };
    const DECIMAL_COMMA: Format = Format {
        decimal: ',',
        group: None,
    };
    const EUROPEAN: Format = Format {
        decimal: ',',
        group: Some('.'),
    };

    fn value(s: &str, f: Format) -> Option<f64> {
        read(s, f).map(|(v, _)| v)
    }

    #[test]
    fn plain_numbers_and_out_of_range() {
        assert_eq!(plain(" 1.5\t"), Ok(Some(1.5)));
        assert_eq!(plain("\u{a0}2.5\u{a0}"), Ok(Some(2.5)));
        assert_eq!(plain("-1e308"), Ok(Some(-1e308)));
        assert_eq!(plain("1e400"), Ok(None));
        assert_eq!(plain("-inf"), Ok(None));
        assert_eq!(plain("NaN"), Err(()));
        assert_eq!(plain("abc"), Err(()));
    }

    #[test]
    fn thousands_separators_currency_and_percent() {
        assert_eq!(value("1,234", COMMA_THOUSANDS), Some(1234.0));
        assert_eq!(value("1,234,567.89", COMMA_THOUSANDS), Some(1_234_567.89));
        assert_eq!(value("$255.90", COMMA_THOUSANDS), Some(255.9));
        assert_eq!(value("-$1,000", COMMA_THOUSANDS), Some(-1000.0));
        assert_eq!(value("$-5", COMMA_THOUSANDS), Some(-5.0));
        assert_eq!(value("12 €", DECIMAL_COMMA), Some(12.0));
        assert_eq!(value("5.1%", COMMA_THOUSANDS), Some(5.1));
        let (_, m) = read("$1,234.5", COMMA_THOUSANDS).unwrap();
        assert_eq!(
            m,
            Marks {
                currency: Some('$'),
                percent: false,
                grouped: true
            }
        );
        // Bad grouping is not a number in that format.
        for bad in [
            "1,23", "12,3456", "0,125", ",123", "1,,234", "1,234,5", "$", "%", "1.2.3",
        ] {
            assert_eq!(value(bad, COMMA_THOUSANDS), None, "{bad}");
        }
    }

    #[test]
    fn decimal_commas() {
        assert_eq!(value("1,5", DECIMAL_COMMA), Some(1.5));
        assert_eq!(value("-0,125", DECIMAL_COMMA), Some(-0.125));
        assert_eq!(value(",5", DECIMAL_COMMA), Some(0.5));
        assert_eq!(value("1.234,5", EUROPEAN), Some(1234.5));
        assert_eq!(value("1.234,5", DECIMAL_COMMA), None);
        assert_eq!(value("1,5", COMMA_THOUSANDS), None);
        assert!(!candidates(b',').contains(&DECIMAL_COMMA));
        assert!(candidates(b';').contains(&DECIMAL_COMMA));
    }

    #[test]
    fn looks_numeric_tells_headers_from_data() {
        for n in ["1", "-2.5e3", "$5", "1,234", "3,5", "7%"] {
            assert!(looks_numeric(n), "{n}");
        }
        for t in ["price", "2019a", "$", "a,b", "-"] {
            assert!(!looks_numeric(t), "{t}");
        }
    }
}
