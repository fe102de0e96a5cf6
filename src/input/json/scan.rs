//! A structural JSON scanner: finds the byte span of values without building
//! a tree. The HAR parser uses it to locate `log.entries` and split the array
//! into entries that are then parsed in parallel. It checks structure only
//! (brackets, strings, literals); each entry is validated by serde afterwards.

/// Why a scan stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanError {
    /// The input ended inside a value.
    Eof,
    /// An unexpected byte at this offset.
    Unexpected(usize, u8),
    /// Nesting deeper than [`MAX_DEPTH`].
    TooDeep(usize),
}

/// Deepest nesting we follow; deeper input is rejected, not recursed into.
pub const MAX_DEPTH: usize = 512;

/// Skip whitespace from `i`; returns the next non-space offset.
pub fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

/// Offset in `b` of its first `"` or `\`. The first 64 bytes are looked at
/// sixteen at a time (SSE2, part of every x86_64) or eight at a time in a
/// word elsewhere, and a stretch of fewer than sixteen at the end a byte at
/// a time: most keys and values end within them, and memchr's set-up costs
/// more than that on so few bytes. The rest goes through memchr.
#[inline]
pub fn quote_or_escape(b: &[u8]) -> Option<usize> {
    let mut k = 0;
    while k < 64 {
        let Some(block) = b.get(k..).and_then(|r| r.first_chunk::<16>()) else {
            break;
        };
        if let Some(p) = first_in_block(block) {
            return Some(k + p);
        }
        k += 16;
    }
    let rest = b.get(k..)?;
    if k < 64 {
        // Fewer than sixteen bytes were left.
        return rest.iter().position(|&c| c == b'"' || c == b'\\').map(|p| k + p);
    }
    memchr::memchr2(b'"', b'\\', rest).map(|p| k + p)
}

pub use crate::util::bytes::same;

/// The offset of the first `"` or `\` in a block of sixteen bytes.
#[cfg(target_arch = "x86_64")]
#[inline]
fn first_in_block(block: &[u8; 16]) -> Option<usize> {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    // SAFETY: SSE2 is part of the x86_64 baseline, and the unaligned load
    // reads exactly the sixteen bytes `block` refers to.
    let mask = unsafe {
        let v = _mm_loadu_si128(block.as_ptr().cast());
        let quotes = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
        let slashes = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
        _mm_movemask_epi8(_mm_or_si128(quotes, slashes))
    };
    (mask != 0).then(|| mask.trailing_zeros() as usize)
}

/// The offset of the first `"` or `\` in a block of sixteen bytes.
#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn first_in_block(block: &[u8; 16]) -> Option<usize> {
    first_in_block_by_words(block)
}

/// [`first_in_block`] two words at a time, for targets without SSE2 (and
/// compared with it in the tests).
#[cfg(any(test, not(target_arch = "x86_64")))]
fn first_in_block_by_words(block: &[u8; 16]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    const QUOTES: u64 = u64::from_ne_bytes([b'"'; 8]);
    const SLASHES: u64 = u64::from_ne_bytes([b'\\'; 8]);
    // The high bit of each byte that is zero in `x`. A borrow can also set
    // it in a byte above a zero byte, never below one, so the lowest bit
    // set marks the first zero byte exactly.
    let zeros = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let (lo, hi) = block.split_at(8);
    for (at, half) in [(0, lo), (8, hi)] {
        let mut w = [0u8; 8];
        w.copy_from_slice(half);
        let w = u64::from_le_bytes(w);
        let hits = zeros(w ^ QUOTES) | zeros(w ^ SLASHES);
        if hits != 0 {
            return Some(at + (hits.trailing_zeros() / 8) as usize);
        }
    }
    None
}

/// End offset (exclusive) of the string starting at `i` (which is `"`).
pub fn skip_string(b: &[u8], i: usize) -> Result<usize, ScanError> {
    let mut j = i + 1;
    loop {
        let rest = b.get(j..).ok_or(ScanError::Eof)?;
        match quote_or_escape(rest) {
            None => return Err(ScanError::Eof),
            Some(k) => {
                j += k;
                if b[j] == b'\\' {
                    j += 2;
                } else {
                    return Ok(j + 1);
                }
            }
        }
    }
}

/// End offset (exclusive) of the value starting at `i` (after whitespace).
pub fn skip_value(b: &[u8], i: usize) -> Result<usize, ScanError> {
    let i = skip_ws(b, i);
    let c = *b.get(i).ok_or(ScanError::Eof)?;
    match c {
        b'"' => skip_string(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                let c = *b.get(j).ok_or(ScanError::Eof)?;
                match c {
                    b'"' => {
                        j = skip_string(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => {
                        depth += 1;
                        if depth > MAX_DEPTH {
                            return Err(ScanError::TooDeep(j));
                        }
                    }
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Ok(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        b'-' | b'0'..=b'9' | b't' | b'f' | b'n' | b'N' | b'I' => {
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || matches!(b[j], b'-' | b'+' | b'.')) {
                j += 1;
            }
            if j == b.len() {
                return Err(ScanError::Eof);
            }
            Ok(j)
        }
        other => Err(ScanError::Unexpected(i, other)),
    }
}

/// The result of splitting an array.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArrayScan {
    /// Spans of the complete elements.
    pub elements: Vec<(usize, usize)>,
    /// Offset just past the closing `]`, when the array is complete.
    pub end: Option<usize>,
    /// Why the scan stopped early, if it did.
    pub error: Option<ScanError>,
}

/// Split the array that starts at `i` (which must be `[`) into element spans.
/// On error, keeps the complete elements read so far.
pub fn array_elements(b: &[u8], i: usize) -> ArrayScan {
    let mut cursor = ArrayCursor::new(b, i);
    let elements = cursor.by_ref().collect();
    ArrayScan {
        elements,
        end: cursor.end,
        error: cursor.error,
    }
}

/// [`array_elements`], split across the threads when the array is long:
/// the same answer, found sooner. An Elasticsearch export is one array of
/// a million hits, and reading it whole before parsing any was the serial
/// half of the export's parse.
///
/// The array is cut at guesses: after each of a few evenly spaced points,
/// the next `{` that follows `}` and `,` and opens with the array's first
/// key (`{"_index":`). Each stretch is read on its own; a guess is right
/// when the stretch before it, read from a right start, ends exactly on it
/// (the first start is the array's own). If any stretch does not, the
/// array is read again from the start on one thread, so a wrong guess
/// costs time, never a different answer.
pub fn par_array_elements(b: &[u8], i: usize) -> ArrayScan {
    par_array_elements_with(b, i, rayon::current_num_threads() * 4, PAR_MIN_BYTES)
}

/// Arrays shorter than this are read on one thread.
const PAR_MIN_BYTES: usize = 8 << 20;

/// [`par_array_elements`] with `pieces` stretches for arrays of at least
/// `min_bytes` (the tests use small ones).
fn par_array_elements_with(b: &[u8], i: usize, pieces: usize, min_bytes: usize) -> ArrayScan {
    split_scan(b, i, pieces, min_bytes).unwrap_or_else(|| array_elements(b, i))
}

/// The split reading of [`par_array_elements`]; `None` when the array is
/// too short to split or a guess was wrong.
fn split_scan(b: &[u8], i: usize, pieces: usize, min_bytes: usize) -> Option<ArrayScan> {
    use rayon::prelude::*;
    let first = ArrayCursor::new(b, i).pos?;
    if pieces < 2 || b.len() - first < min_bytes {
        return None;
    }
    // The array's first key, with its opening brace: `{"_index":`.
    let lead = first_key(b, first)?;
    let step = (b.len() - first) / pieces;
    let mut starts = vec![first];
    for k in 1..pieces {
        let last = starts[starts.len() - 1];
        let from = (first + k * step).max(last + 1);
        let window = &b[..(from + step).min(b.len())];
        if let Some(c) = next_element_start(window, from, lead) {
            starts.push(c);
        }
    }
    let stretches: Vec<Option<ArrayScan>> = (0..starts.len())
        .into_par_iter()
        .map(|k| stretch(b, starts[k], starts.get(k + 1).copied()))
        .collect();
    let mut out = ArrayScan::default();
    for s in stretches {
        let s = s?;
        out.elements.extend(s.elements);
        out.end = s.end;
        out.error = s.error;
    }
    Some(out)
}

/// The bytes from the `{` at `at` through the colon after its first key.
fn first_key(b: &[u8], at: usize) -> Option<&[u8]> {
    if b.get(at) != Some(&b'{') {
        return None;
    }
    let q = skip_ws(b, at + 1);
    if b.get(q) != Some(&b'"') {
        return None;
    }
    let end = skip_string(b, q).ok()?;
    let colon = skip_ws(b, end);
    (b.get(colon) == Some(&b':')).then(|| &b[at..=colon])
}

/// The first `{` at or after `from` that follows `}` and `,` (spaces
/// between allowed) and begins with `lead`, within `b`: a guess at an
/// element start.
fn next_element_start(b: &[u8], from: usize, lead: &[u8]) -> Option<usize> {
    let finder = memchr::memmem::Finder::new(lead);
    let mut at = from;
    loop {
        let c = at + finder.find(b.get(at..)?)?;
        let before = |j: usize| {
            b[..j]
                .iter()
                .rposition(|c| !matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
        };
        if let Some(comma) = before(c).filter(|&j| b[j] == b',') {
            if before(comma).is_some_and(|j| b[j] == b'}') {
                return Some(c);
            }
        }
        at = c + 1;
    }
}

/// The elements from the element start `from` up to the start `until`
/// (exclusive), which the reading must land on exactly; or, for the last
/// stretch, to the array's end or the first error. `None` when it does not
/// land on `until`.
fn stretch(b: &[u8], from: usize, until: Option<usize>) -> Option<ArrayScan> {
    let mut c = ArrayCursor {
        b,
        pos: Some(from),
        end: None,
        error: None,
    };
    let mut elements = Vec::new();
    while let Some(pos) = c.pos {
        match until {
            Some(u) if pos == u => {
                return Some(ArrayScan {
                    elements,
                    end: None,
                    error: None,
                })
            }
            Some(u) if pos > u => return None,
            _ => {}
        }
        match c.next() {
            Some(span) => elements.push(span),
            None => break,
        }
    }
    until.is_none().then_some(ArrayScan {
        elements,
        end: c.end,
        error: c.error,
    })
}

/// Reads the elements of an array one at a time, so a caller can act on
/// one stretch of the input before the scan reads the next (the HAR parser
/// parses and releases entries in batches). Yields element spans; once it
/// stops, `end` or `error` says why.
#[derive(Debug)]
pub struct ArrayCursor<'b> {
    b: &'b [u8],
    /// Start of the next element, once inside the array.
    pos: Option<usize>,
    /// Offset just past the closing `]`, when the array is complete.
    pub end: Option<usize>,
    /// Why the scan stopped early, if it did.
    pub error: Option<ScanError>,
}

impl<'b> ArrayCursor<'b> {
    /// Start at the array beginning at `i` (after whitespace).
    pub fn new(b: &'b [u8], i: usize) -> Self {
        let mut c = ArrayCursor {
            b,
            pos: None,
            end: None,
            error: None,
        };
        let i = skip_ws(b, i);
        if b.get(i) != Some(&b'[') {
            c.fail_at(i);
            return c;
        }
        let j = skip_ws(b, i + 1);
        if b.get(j) == Some(&b']') {
            c.end = Some(j + 1);
        } else {
            c.pos = Some(j);
        }
        c
    }

    fn fail_at(&mut self, at: usize) {
        self.pos = None;
        self.error = Some(
            self.b
                .get(at)
                .map_or(ScanError::Eof, |c| ScanError::Unexpected(at, *c)),
        );
    }
}

impl Iterator for ArrayCursor<'_> {
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        let j = self.pos?;
        let b = self.b;
        let end = match skip_value(b, j) {
            Ok(e) => e,
            Err(e) => {
                self.pos = None;
                self.error = Some(e);
                return None;
            }
        };
        let k = skip_ws(b, end);
        match b.get(k) {
            Some(b',') => self.pos = Some(skip_ws(b, k + 1)),
            Some(b']') => {
                self.pos = None;
                self.end = Some(k + 1);
            }
            _ => self.fail_at(k),
        }
        Some((j, end))
    }
}

/// Walks the members of an object one at a time, so a caller can treat
/// one member's value specially (e.g. split `entries` without skipping it).
#[derive(Debug)]
pub struct MemberWalk<'b> {
    b: &'b [u8],
    pos: usize,
    first: bool,
    /// Set when the walk stopped on malformed or truncated input.
    pub error: Option<ScanError>,
    /// Offset just past the closing `}`, once the walk reached it.
    pub end: Option<usize>,
}

impl<'b> MemberWalk<'b> {
    /// Start at the object beginning at `i`; `None` unless it is `{`.
    pub fn new(b: &'b [u8], i: usize) -> Option<Self> {
        let i = skip_ws(b, i);
        (b.get(i) == Some(&b'{')).then_some(MemberWalk {
            b,
            pos: i + 1,
            first: true,
            error: None,
            end: None,
        })
    }

    /// Next key (raw, unquoted) and the start of its value. The caller must
    /// then call [`MemberWalk::skip_to`] with the value's end.
    pub fn next_key(&mut self) -> Option<(&'b [u8], usize)> {
        if self.error.is_some() {
            return None;
        }
        let b = self.b;
        let mut j = skip_ws(b, self.pos);
        if self.first {
            self.first = false;
            if b.get(j) == Some(&b'}') {
                self.end = Some(j + 1);
                return None;
            }
        } else {
            match b.get(j) {
                Some(b',') => j = skip_ws(b, j + 1),
                Some(b'}') => {
                    self.end = Some(j + 1);
                    return None;
                }
                _ => {
                    self.error = Some(b.get(j).map_or(ScanError::Eof, |c| ScanError::Unexpected(j, *c)));
                    return None;
                }
            }
        }
        if b.get(j) != Some(&b'"') {
            self.error = Some(b.get(j).map_or(ScanError::Eof, |c| ScanError::Unexpected(j, *c)));
            return None;
        }
        let kend = match skip_string(b, j) {
            Ok(e) => e,
            Err(e) => {
                self.error = Some(e);
                return None;
            }
        };
        let colon = skip_ws(b, kend);
        if b.get(colon) != Some(&b':') {
            self.error = Some(
                b.get(colon)
                    .map_or(ScanError::Eof, |c| ScanError::Unexpected(colon, *c)),
            );
            return None;
        }
        let vstart = skip_ws(b, colon + 1);
        self.pos = vstart;
        Some((&b[j + 1..kend - 1], vstart))
    }

    /// Skip the current value generically; returns its span.
    pub fn skip_value(&mut self) -> Option<(usize, usize)> {
        match skip_value(self.b, self.pos) {
            Ok(e) => {
                let span = (self.pos, e);
                self.pos = e;
                Some(span)
            }
            Err(e) => {
                self.error = Some(e);
                None
            }
        }
    }

    /// Continue after a value the caller consumed itself.
    pub fn skip_to(&mut self, end: usize) {
        self.pos = end;
    }

    /// Stop the walk with an error found by the caller.
    pub fn fail(&mut self, e: ScanError) {
        self.error = Some(e);
    }
}

#[cfg(test)]
mod tests {
    /// Arrays of hits with the traps a guess can fall into: nested objects
    /// opening with the same first key after `},`, that key inside strings,
    /// whitespace, and cuts and bad bytes anywhere.
    fn hit_arrays() -> Vec<Vec<u8>> {
        let hit = |n: usize| -> String {
            match n % 5 {
                0 => format!(
                    r#"{{"_index":"i","_id":"{n}","_source":{{"a":[{{"x":1}},{{"_index":"nested"}}]}}}}"#
                ),
                1 => format!(r#"{{"_index":"i","_id":"{n}","_source":{{"m":"}},{{\"_index\":x"}}}}"#),
                2 => format!("{{\"_index\":\"i\", \"_id\":\"{n}\" }}"),
                3 => format!(r#"{{"_index":"i","_id":"{n}","v":[1,2,{{"_index":3}}]}}"#),
                _ => format!(r#"{{"_index":"i","_id":"{n}","_source":{{}}}}"#),
            }
        };
        let mut out = Vec::new();
        for n in [0usize, 1, 2, 3, 7, 40, 300] {
            for sep in [",", ", ", ",\n  "] {
                let body: Vec<String> = (0..n).map(hit).collect();
                let whole = format!("{{\"hits\":[{}]}}", body.join(sep)).into_bytes();
                out.push(whole.clone());
                // Cut at a few places, and with a bad byte at a few places.
                for cut in [whole.len() / 3, whole.len() / 2, whole.len().saturating_sub(3)] {
                    out.push(whole[..cut].to_vec());
                    let mut bad = whole.clone();
                    if cut < bad.len() {
                        bad[cut] = b'#';
                        out.push(bad);
                    }
                }
            }
        }
        out
    }

    #[test]
    fn the_split_scan_gives_what_the_one_thread_scan_gives() {
        let mut split = 0;
        for b in hit_arrays() {
            let i = 8; // the `[` after `{"hits":`
            let one = super::array_elements(&b, i);
            for pieces in [2, 3, 8, 64] {
                let par = super::par_array_elements_with(&b, i, pieces, 0);
                assert_eq!(par, one, "{} pieces: {}", pieces, String::from_utf8_lossy(&b));
                split += usize::from(super::split_scan(&b, i, pieces, 0).is_some() && one.elements.len() > 8);
            }
        }
        // The guesses do hold on most long arrays (and the answer is the
        // same either way).
        assert!(split > 40, "{split}");
    }

    #[test]
    fn guesses_are_found_after_a_closing_brace_and_a_comma() {
        let b = br#"[{"k":1},{"k":2}, {"z":{"k":0}},  {"k":3}]"#;
        let lead = br#"{"k":"#;
        assert_eq!(super::next_element_start(b, 1, lead), Some(9));
        assert_eq!(super::next_element_start(b, 10, lead), Some(34));
        assert_eq!(super::next_element_start(b, 35, lead), None);
        assert_eq!(super::first_key(b, 1), Some(&lead[..]));
    }

    #[test]
    fn blocks_agree_whichever_way_they_are_searched() {
        // Every placement of up to two marks (and bytes next to them in
        // value) in a block.
        for a in 0..=16 {
            for b in a..=16 {
                for (x, y) in [(b'"', b'\\'), (b'\\', b'"'), (b'"', b'"'), (b'!', b']')] {
                    let mut block = [b'a'; 16];
                    if a < 16 {
                        block[a] = x;
                    }
                    if b < 16 && b != a {
                        block[b] = y;
                    }
                    let want = block.iter().position(|&c| c == b'"' || c == b'\\');
                    assert_eq!(super::first_in_block(&block), want, "{block:?}");
                    assert_eq!(super::first_in_block_by_words(&block), want, "{block:?}");
                }
            }
        }
    }

    #[test]
    fn quote_or_escape_finds_the_first_at_any_offset_and_length() {
        use super::quote_or_escape;
        for len in 0..80 {
            for at in 0..=len {
                for (c, other) in [(b'"', b'\\'), (b'\\', b'"')] {
                    // Bytes that differ from the targets by one bit or by a
                    // borrow (0x21, 0x5b, 0xa2, 0xdc, 0x01, 0xff) around it.
                    let mut b: Vec<u8> = (0..len)
                        .map(|i| [0x21, 0x5b, 0xa2, 0xdc, 0x01, 0xff, b'a'][i % 7])
                        .collect();
                    let want = (at < len).then(|| {
                        b[at] = c;
                        if at + 1 < len {
                            b[at + 1] = other;
                        }
                        at
                    });
                    assert_eq!(quote_or_escape(&b), want, "len {len} at {at}");
                    let naive = b.iter().position(|&x| x == b'"' || x == b'\\');
                    assert_eq!(quote_or_escape(&b), naive, "len {len} at {at}");
                }
            }
        }
    }

    use super::*;

    #[test]
    fn members_and_elements() {
        let doc = br#" {"log": {"entries": [ {"a":"x\"}"}, [1,2], 3 ], "v": true}} "#;
        let mut top = MemberWalk::new(doc, 0).unwrap();
        let (key, log_start) = top.next_key().unwrap();
        assert_eq!(key, b"log");
        let mut log = MemberWalk::new(doc, log_start).unwrap();
        let (key, entries_start) = log.next_key().unwrap();
        assert_eq!(key, b"entries");
        let scan = array_elements(doc, entries_start);
        assert!(scan.error.is_none());
        assert_eq!(doc[scan.end.unwrap() - 1], b']');
        let got: Vec<&[u8]> = scan.elements.iter().map(|(s, e)| &doc[*s..*e]).collect();
        assert_eq!(got, vec![&br#"{"a":"x\"}"}"#[..], b"[1,2]", b"3"]);
    }

    #[test]
    fn truncated_array_keeps_complete_elements() {
        let doc = br#"[{"a":1},{"b":2},{"c":"#;
        let scan = array_elements(doc, 0);
        assert_eq!(scan.elements.len(), 2);
        assert_eq!(scan.error, Some(ScanError::Eof));
        assert!(scan.end.is_none());
    }

    #[test]
    fn member_walk() {
        let doc = br#"{"a": 1, "b": [1, 2], "c": "x"}"#;
        let mut w = MemberWalk::new(doc, 0).unwrap();
        let mut keys = Vec::new();
        while let Some((k, _)) = w.next_key() {
            keys.push(k.to_vec());
            w.skip_value();
        }
        assert!(w.error.is_none());
        assert_eq!(keys, vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]);
    }

    #[test]
    fn depth_is_capped() {
        let doc = "[".repeat(100_000);
        assert!(matches!(
            skip_value(doc.as_bytes(), 0),
            Err(ScanError::TooDeep(_))
        ));
    }
}
