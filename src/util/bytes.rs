//! Byte-level helpers shared by the parsers and the tables, where a call
//! into libc costs more than the work on the few bytes at hand.

/// Whether `a` and `b` hold the same bytes. For the short stretches the
/// JSON walk compares (a key and its punctuation) and the interned strings
/// looked up, loads of words that overlap instead of a call to `memcmp`,
/// whose set-up cost more than the compare.
#[inline]
pub fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| {
        s.get(at..at + 8)
            .and_then(|w| w.first_chunk::<8>())
            .map(|w| u64::from_le_bytes(*w))
    };
    let half = |s: &[u8], at: usize| {
        s.get(at..at + 4)
            .and_then(|w| w.first_chunk::<4>())
            .map(|w| u32::from_le_bytes(*w))
    };
    let wide = |s: &[u8], at: usize| {
        s.get(at..at + 16)
            .and_then(|w| w.first_chunk::<16>())
            .map(|w| u128::from_le_bytes(*w))
    };
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        // Sixteen bytes at a time, the last sixteen overlapping the rest.
        17..=128 => {
            let mut at = 0;
            while at + 16 < n {
                if wide(a, at) != wide(b, at) {
                    return false;
                }
                at += 16;
            }
            wide(a, n - 16) == wide(b, n - 16)
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn same_agrees_with_slice_equality_at_every_length_and_difference() {
        for n in 0..150usize {
            let a: Vec<u8> = (0..n).map(|k| b'a' + (k % 26) as u8).collect();
            assert!(super::same(&a, &a.clone()));
            for at in 0..n {
                for flip in [1u8, 0x80, 0x20] {
                    let mut b = a.clone();
                    b[at] ^= flip;
                    assert!(!super::same(&a, &b), "{n} {at} {flip}");
                }
            }
            assert!(!super::same(&a, &a[..n.saturating_sub(1)]) || n == 0);
        }
    }
}
