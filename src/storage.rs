//! The labels kept in the browser's local storage: under which key, and in
//! what text. Nothing else is stored, and nothing is sent anywhere.

use anomaly_lab_core::data::Prepared;
use anomaly_lab_core::Asked;

/// A key that names one dataset's labels in the browser's local storage:
/// the name, the shape and a hash of every raw value (the table's
/// fingerprint, taken where it was parsed), so that labels come back only
/// for the same data.
pub fn storage_key(name: &str, data: &Prepared) -> String {
    format!(
        "anomaly-lab:labels:{name}:{}x{}:{:016x}",
        data.rows(),
        data.cols(),
        data.fingerprint
    )
}

/// Where the active layer's fit to the stored labels is kept, beside them:
/// a reload takes it back instead of replaying every label.
pub fn fit_key(labels_key: &str) -> String {
    format!("{labels_key}:fit")
}

/// Fits longer than this are not kept (nor built); the labels are
/// replayed instead. With the offsets on every node of the forest a fit
/// grows with the labels (`cargo bench -p anomaly-lab-core --bench
/// replay`: 0.27M characters after 100 labels, 0.40M after 1600, at 10k rows), and can
/// never pass about 1.7M: 24 bytes, in base64, for each of the ~51k
/// offsets and the weights. Only the current dataset's fit is kept, so
/// one fit at most shares the storage with the labels.
pub const MAX_FIT_CHARS: usize = 2_000_000;

/// The key of the index: the label keys this page wrote, the least
/// recently used first, one per line.
pub const INDEX_KEY: &str = "anomaly-lab:index";

/// Datasets whose labels are kept; past it the least recently used go.
pub const MAX_DATASETS: usize = 20;

/// The index after `key` was written: `key` moves to the end, and keys past
/// `cap` (the least recently used, never `key`) are returned for removal.
pub fn touch_index(index: &str, key: &str, cap: usize) -> (String, Vec<String>) {
    let rest = without(index, key);
    let mut keys: Vec<&str> = rest.lines().collect();
    keys.push(key);
    let excess = keys.len().saturating_sub(cap.max(1));
    let evicted = keys.drain(..excess).map(str::to_string).collect();
    (keys.join("\n"), evicted)
}

/// The index without `key` (after its dataset was removed).
pub fn without(index: &str, key: &str) -> String {
    index
        .lines()
        .filter(|k| !k.is_empty() && *k != key)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The least recently used key other than `key`, to make room for it.
pub fn oldest_other(index: &str, key: &str) -> Option<String> {
    index
        .lines()
        .find(|k| !k.is_empty() && *k != key)
        .map(str::to_string)
}

/// Labels as local storage keeps them: `row:a` or `row:n` in their order,
/// comma-separated; a capital `A`/`N` marks a label given in one action
/// with the next (a bulk label), so that the layer fits them as it did;
/// `@t` adds the time it was given (milliseconds since the Unix epoch)
/// when it is known, and `@t~k` which rankings had the row as their next
/// question ([`Asked::bits`], when not 0; `t` is then written even when 0,
/// so a page that predates it still reads the label).
pub fn encode_labels(
    labels: &[(usize, bool)],
    joined: &[bool],
    times: &[u64],
    asked: &[Asked],
) -> String {
    labels
        .iter()
        .enumerate()
        .map(|(k, &(r, a))| {
            let joins = joined.get(k).copied().unwrap_or(false);
            let mark = match (a, joins) {
                (true, false) => 'a',
                (false, false) => 'n',
                (true, true) => 'A',
                (false, true) => 'N',
            };
            let t = times.get(k).copied().unwrap_or(0);
            match asked.get(k).map_or(0, |a| a.bits()) {
                0 if t > 0 => format!("{r}:{mark}@{t}"),
                0 => format!("{r}:{mark}"),
                bits => format!("{r}:{mark}@{t}~{bits}"),
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// What [`decode_labels`] reads: the labels, whether each joins the next
/// one's fit, their times and which rankings asked them.
pub type StoredLabels = (Vec<(usize, bool)>, Vec<bool>, Vec<u64>, Vec<Asked>);

/// [`encode_labels`]' text back: the labels, their joins, their times
/// (0 where none is written) and which rankings asked them (neither where
/// none is written). Items that do not read, or name a row past `rows`,
/// are skipped.
pub fn decode_labels(text: &str, rows: usize) -> StoredLabels {
    let mut out = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for item in text.split(',') {
        let Some((r, rest)) = item.split_once(':') else {
            continue;
        };
        let (mark, time, asked) = match rest.split_once('@') {
            Some((m, t)) => {
                let (t, k) = t.split_once('~').unwrap_or((t, "0"));
                let bits = k.trim().parse::<u8>().unwrap_or(0);
                let t = t.trim().parse::<u64>().unwrap_or(0);
                (m, t, Asked::from_bits(bits))
            }
            None => (rest, 0, Asked::default()),
        };
        let Ok(r) = r.trim().parse::<usize>() else {
            continue;
        };
        let (a, joins) = match mark.trim() {
            "a" => (true, false),
            "n" => (false, false),
            "A" => (true, true),
            "N" => (false, true),
            _ => continue,
        };
        if r < rows {
            out.0.push((r, a));
            out.1.push(joins);
            out.2.push(time);
            out.3.push(asked);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::sample_table;

    #[test]
    fn the_index_keeps_the_most_recent_datasets() {
        let (index, gone) = touch_index("", "a", 3);
        assert_eq!((index.as_str(), gone.len()), ("a", 0));
        let (index, _) = touch_index(&index, "b", 3);
        let (index, _) = touch_index(&index, "c", 3);
        // Using "a" again makes it the most recent.
        let (index, gone) = touch_index(&index, "a", 3);
        assert_eq!(index, "b\nc\na");
        assert!(gone.is_empty());
        let (index, gone) = touch_index(&index, "d", 3);
        assert_eq!(index, "c\na\nd");
        assert_eq!(gone, vec!["b".to_string()]);
        assert_eq!(oldest_other(&index, "c"), Some("a".into()));
        assert_eq!(without(&index, "a"), "c\nd");
        assert_eq!(oldest_other("c", "c"), None);
    }

    #[test]
    fn labels_round_trip_through_storage_text_and_keys_follow_the_data() {
        let labels = vec![(4, true), (0, false), (17, true)];
        let none = vec![Asked::default(); 3];
        let text = encode_labels(&labels, &[], &[], &[]);
        assert_eq!(text, "4:a,0:n,17:a");
        assert_eq!(
            decode_labels(&text, 20),
            (labels.clone(), vec![false; 3], vec![0; 3], none.clone())
        );
        assert_eq!(
            decode_labels("4:a,x:n,3:q,99:a,,2:n", 20),
            (
                vec![(4, true), (2, false)],
                vec![false; 2],
                vec![0; 2],
                vec![Asked::default(); 2]
            )
        );
        // A bulk label's marks come back with it.
        let joined = [true, true, false];
        let text = encode_labels(&labels, &joined, &[], &[]);
        assert_eq!(text, "4:A,0:N,17:a");
        assert_eq!(
            decode_labels(&text, 20),
            (labels.clone(), joined.to_vec(), vec![0; 3], none.clone())
        );
        // Times ride along where known; a bad time reads as unknown.
        let times = [1_700_000_000_123, 0, 5];
        let text = encode_labels(&labels, &joined, &times, &[]);
        assert_eq!(text, "4:A@1700000000123,0:N,17:a@5");
        assert_eq!(
            decode_labels(&text, 20),
            (labels.clone(), joined.to_vec(), times.to_vec(), none)
        );
        assert_eq!(decode_labels("4:a@x", 20).2, vec![0]);
        // Which ranking asked rides after the time (written as 0 when not
        // known), so an older page still reads the label itself.
        let asked = [Asked::from_bits(1), Asked::default(), Asked::from_bits(3)];
        let text = encode_labels(&labels, &joined, &[7, 0, 0], &asked);
        assert_eq!(text, "4:A@7~1,0:N,17:a@0~3");
        assert_eq!(
            decode_labels(&text, 20),
            (labels, joined.to_vec(), vec![7, 0, 0], asked.to_vec())
        );
        assert_eq!(decode_labels("4:a@5~x", 20).3, vec![Asked::default()]);
        let t = sample_table("tiny", None).unwrap();
        assert_eq!(storage_key("a", &t), storage_key("a", &t));
        assert_ne!(storage_key("a", &t), storage_key("b", &t));
        let other = sample_table("clustered", Some(300)).unwrap();
        assert_ne!(storage_key("a", &t), storage_key("a", &other));
    }
}
