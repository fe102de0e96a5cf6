//! A fixed set of short keys (the segments of the alias paths) mapped to
//! numbers, for the one look-up the JSON walk makes per object key.
//!
//! A general hash map costs a hash of the whole key, a probe and a call to
//! `memcmp` per look-up; with a dozen keys a record that was a tenth of
//! the parse. Here a key is reduced to a fingerprint of its length and its
//! first and last bytes, which for keys of up to 16 bytes determine the
//! key, so most look-ups are a multiply, one probe and three integer
//! compares. Longer keys also compare their bytes.

/// A key's length and words covering its first and last (up to) eight bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Print {
    len: usize,
    head: u64,
    tail: u64,
}

impl Print {
    /// Loads that overlap rather than pad, so no byte is copied through
    /// memory (a padded copy stalled every look-up). The words cover every
    /// byte of a key of up to 16, so with the length they are the key.
    fn of(k: &[u8]) -> Print {
        let n = k.len();
        let (head, tail) = match n {
            0 => (0, 0),
            1..=3 => (
                u64::from(k[0]) | u64::from(k[n / 2]) << 8 | u64::from(k[n - 1]) << 16,
                0,
            ),
            4..=7 => (u64::from(word4(k, 0)) | u64::from(word4(k, n - 4)) << 32, 0),
            _ => (word8(k, 0), word8(k, n - 8)),
        };
        Print { len: n, head, tail }
    }

    /// The print of a key of up to 16 bytes, which it determines.
    pub(super) fn exact(k: &[u8]) -> Option<Print> {
        (k.len() <= 16).then(|| Print::of(k))
    }

    fn hash(self) -> u64 {
        (self.head ^ self.tail.rotate_left(23) ^ self.len as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
}

fn word4(k: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&k[at..at + 4]);
    u32::from_le_bytes(w)
}

fn word8(k: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&k[at..at + 8]);
    u64::from_le_bytes(w)
}

/// Keys to `u32`s; built once, read many times.
#[derive(Debug, Clone, Default)]
pub struct KeyTable {
    /// Open addressing with linear probing over `entries`: an index plus
    /// one, 0 for empty. A power of two long, at most half full (empty
    /// when there are no keys). Kept apart from the entries so that the
    /// part a probe walks stays small.
    slots: Vec<u32>,
    entries: Vec<(Print, u32)>,
    /// The bytes of each entry's key, compared only beyond 16 bytes.
    keys: Vec<Box<[u8]>>,
}

impl KeyTable {
    /// The value of `key`.
    #[inline]
    pub fn get(&self, key: &[u8]) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let p = Print::of(key);
        let mask = self.slots.len() - 1;
        let mut i = (p.hash() >> 32) as usize & mask;
        loop {
            let e = (self.slots[i] as usize).checked_sub(1)?;
            let &(print, value) = self.entries.get(e)?;
            if print == p && (p.len <= 16 || self.keys.get(e).is_some_and(|k| **k == *key)) {
                return Some(value);
            }
            i = (i + 1) & mask;
        }
    }

    /// Set the value of `key`, replacing any it had.
    pub fn insert(&mut self, key: &[u8], value: u32) {
        let p = Print::of(key);
        if let Some(e) = (0..self.entries.len()).find(|&e| self.entries[e].0 == p && *self.keys[e] == *key) {
            self.entries[e].1 = value;
            return;
        }
        self.entries.push((p, value));
        self.keys.push(key.into());
        if self.entries.len() * 2 > self.slots.len() {
            let size = (self.slots.len() * 2).max(8);
            self.slots = vec![0; size];
            for e in 0..self.entries.len() {
                self.place(e);
            }
        } else {
            self.place(self.entries.len() - 1);
        }
    }

    fn place(&mut self, e: usize) {
        let mask = self.slots.len() - 1;
        let mut i = (self.entries[e].0.hash() >> 32) as usize & mask;
        while self.slots[i] != 0 {
            i = (i + 1) & mask;
        }
        self.slots[i] = u32::try_from(e + 1).unwrap_or(u32::MAX);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_was_put_and_nothing_else() {
        let keys: Vec<String> = (0..300)
            .map(|i| match i % 4 {
                0 => format!("k{i}"),
                1 => format!("a_key_longer_than_sixteen_bytes_{i}"),
                2 => format!("{i}_a_key_longer_than_sixteen_bytes"),
                _ => "x".repeat(i % 40),
            })
            .collect();
        let mut t = KeyTable::default();
        assert_eq!(t.get(b"anything"), None);
        let mut want = std::collections::HashMap::new();
        for (i, k) in keys.iter().enumerate() {
            t.insert(k.as_bytes(), i as u32);
            want.insert(k.clone(), i as u32);
        }
        for (k, v) in &want {
            assert_eq!(t.get(k.as_bytes()), Some(*v), "{k}");
        }
        // Same length and the same first and last eight bytes, other middle.
        assert_eq!(t.get(b"a_key_longer_than_sixteen_bytes_1x1"), None);
        assert_eq!(t.get(b"a_key_longer_than_sixteem_bytes_1"), None);
        for miss in [
            "",
            "k",
            "k1x",
            "status",
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        ] {
            assert_eq!(t.get(miss.as_bytes()), want.get(miss).copied(), "{miss}");
        }
        // Bytes a zero pad could be mistaken for.
        t.insert(b"ab", 1);
        assert_eq!(t.get(b"ab\0"), None);
        assert_eq!(t.get(b"ab"), Some(1));
    }
}
