//! The leak check every output passes before it is kept: each secret the
//! run replaced ([`super::collect`]) is searched for in the output bytes in
//! every form it could take there: raw, URL-encoded, JSON-escaped,
//! HTML-escaped, and base64 (standard and URL-safe, at each of the three
//! alignments a value can have inside a longer base64 text). One pass
//! over the output looks every 8-byte window up in an index of the forms'
//! first 8 bytes (a Bloom filter in front of a sorted table), so the check
//! costs the same whether the run replaced ten secrets or a million: an
//! automaton over every form of every secret took a minute and gigabytes
//! to build for a HAR with a fresh token in each of its 200,000 entries.
//! The index holds the first bytes only, worked out from each secret's
//! first [`HEAD`] bytes; a secret's whole forms are made when a window of
//! the output starts like one of them, which is rare.
//!
//! Only secrets distinctive enough to search for are checked (see
//! [`checkable`]): a cookie whose value is `1` or `en-US` is still replaced,
//! but finding `1` in a report proves nothing.

use base64::Engine as _;
use rayon::prelude::*;

/// A form a secret can take in an output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Encoding {
    /// As it was.
    Raw,
    /// Percent-encoded, as in a URL.
    UrlEncoded,
    /// Escaped inside a JSON string.
    JsonEscaped,
    /// Escaped in HTML text.
    HtmlEscaped,
    /// Base64, standard alphabet.
    Base64,
    /// Base64, URL-safe alphabet.
    Base64Url,
}

impl Encoding {
    /// The form's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Raw => "raw",
            Encoding::UrlEncoded => "URL-encoded",
            Encoding::JsonEscaped => "JSON-escaped",
            Encoding::HtmlEscaped => "HTML-escaped",
            Encoding::Base64 => "base64",
            Encoding::Base64Url => "base64url",
        }
    }
}

/// Whether a secret is distinctive enough that finding it in an output
/// means it leaked: ten characters mixing three of lower case, upper case,
/// digits and other characters, or twenty mixing two (a hex key).
pub fn checkable(secret: &str) -> bool {
    // One pass: the classes seen as bits, and the characters counted by
    // the bytes that start one.
    let (mut seen, mut n) = (0u8, 0usize);
    for &c in secret.as_bytes() {
        seen |= match c {
            b'a'..=b'z' => 1,
            b'A'..=b'Z' => 2,
            b'0'..=b'9' => 4,
            _ => 8,
        };
        n += usize::from((c & 0xC0) != 0x80);
    }
    let classes = seen.count_ones();
    (n >= 10 && classes >= 3) || (n >= 20 && classes >= 2)
}

/// Patterns shorter than this are not searched for (a base64 slice of a
/// short secret).
const MIN_PATTERN: usize = 8;

/// The bytes of a secret that decide its forms' first [`MIN_PATTERN`]
/// bytes: each form encodes a byte or a character at a time, and a base64
/// character holds bits of at most two bytes, so 16 bytes are more than
/// enough.
const HEAD: usize = 16;

/// The forms searched for, in the order [`forms`] lists them: each
/// encoding, and for base64 the alignment (how many bytes into a group of
/// three the secret starts).
const FORMS: [(Encoding, usize); 10] = [
    (Encoding::Raw, 0),
    (Encoding::UrlEncoded, 0),
    (Encoding::JsonEscaped, 0),
    (Encoding::HtmlEscaped, 0),
    (Encoding::Base64, 0),
    (Encoding::Base64, 1),
    (Encoding::Base64, 2),
    (Encoding::Base64Url, 0),
    (Encoding::Base64Url, 1),
    (Encoding::Base64Url, 2),
];

/// Append the form `(encoding, shift)` of `secret` to `out`: the one place
/// that says what each form is, for [`forms`] and [`form_keys`] alike.
fn write_form(encoding: Encoding, shift: usize, secret: &str, out: &mut Vec<u8>) {
    let at = out.len();
    match encoding {
        Encoding::Raw => out.extend_from_slice(secret.as_bytes()),
        Encoding::UrlEncoded => url_encode_into(secret, out),
        Encoding::JsonEscaped => {
            if serde_json::to_writer(&mut *out, secret).is_err() {
                out.truncate(at);
            }
            // Without the quotes around it (and, as `trim_matches`, any
            // quote character next to them).
            while out.len() > at && out.last() == Some(&b'"') {
                out.pop();
            }
            let lead = out[at..].iter().take_while(|&&c| c == b'"').count();
            out.drain(at..at + lead);
        }
        Encoding::HtmlEscaped => html_escape_into(secret, out),
        Encoding::Base64 => base64_slice_into(
            &base64::engine::general_purpose::STANDARD_NO_PAD,
            secret.as_bytes(),
            shift,
            out,
        ),
        Encoding::Base64Url => base64_slice_into(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            secret.as_bytes(),
            shift,
            out,
        ),
    }
}

/// Call `key` with the first [`MIN_PATTERN`] bytes of each form of `secret`
/// (some perhaps twice), as [`forms`] would make them, from its first
/// [`HEAD`] bytes alone and without allocating: what the index is built
/// from, for every secret of the run.
fn form_keys(secret: &str, scratch: &mut Vec<u8>, mut key: impl FnMut(u64)) {
    let head = head(secret);
    for (encoding, shift) in FORMS {
        scratch.clear();
        write_form(encoding, shift, head, scratch);
        if let Some(k) = prefix(scratch) {
            key(k);
        }
    }
}

/// `secret` cut to at most [`HEAD`] bytes, at a character boundary.
fn head(secret: &str) -> &str {
    let mut end = secret.len().min(HEAD);
    while !secret.is_char_boundary(end) {
        end -= 1;
    }
    &secret[..end]
}

/// Every form of `secret` to search for, without repeats.
pub fn forms(secret: &str) -> Vec<(Encoding, String)> {
    let mut out: Vec<(Encoding, String)> = Vec::with_capacity(FORMS.len());
    for (encoding, shift) in FORMS {
        let mut form = Vec::new();
        write_form(encoding, shift, secret, &mut form);
        // Every form is UTF-8: the secret's own text, or ASCII escapes.
        let Ok(form) = String::from_utf8(form) else {
            continue;
        };
        // The raw form is always listed; the others when long enough to
        // mean something and not a repeat.
        let keep =
            encoding == Encoding::Raw || (form.len() >= MIN_PATTERN && !out.iter().any(|(_, o)| *o == form));
        if keep {
            out.push((encoding, form));
        }
    }
    out
}

/// Append the base64 characters that `secret` alone decides when it starts
/// `shift` bytes into the encoded text: those that hold no bit of the
/// bytes before it or of the bytes after it. A secret of [`HEAD`] bytes or
/// fewer (every one [`form_keys`] sees) is padded on the stack.
fn base64_slice_into(
    engine: &base64::engine::GeneralPurpose,
    secret: &[u8],
    shift: usize,
    out: &mut Vec<u8>,
) {
    let mut small = [0u8; 2 + HEAD];
    let long: Vec<u8>;
    let input: &[u8] = if secret.len() <= HEAD && shift <= 2 {
        small[2..2 + secret.len()].copy_from_slice(secret);
        &small[2 - shift..2 + secret.len()]
    } else {
        long = std::iter::repeat_n(0, shift)
            .chain(secret.iter().copied())
            .collect();
        &long
    };
    let at = out.len();
    out.resize(at + input.len().div_ceil(3) * 4, 0);
    let written = engine.encode_slice(input, &mut out[at..]).unwrap_or(0);
    let start = (8 * shift).div_ceil(6);
    let end = ((8 * input.len()) / 6).min(written);
    out.truncate(at + end);
    out.drain(at..(at + start).min(out.len()));
}

/// Percent-encoding of every byte but the unreserved ones.
fn url_encode_into(s: &str, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b);
        } else {
            out.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
        }
    }
}

/// The HTML escaping the HTML report applies (it calls this one).
pub fn html_escape(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len());
    html_escape_into(s, &mut out);
    // UTF-8 in, whole characters and ASCII entities out.
    String::from_utf8(out).unwrap_or_default()
}

fn html_escape_into(s: &str, out: &mut Vec<u8>) {
    for &b in s.as_bytes() {
        match b {
            b'&' => out.extend_from_slice(b"&amp;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            b'"' => out.extend_from_slice(b"&quot;"),
            b'\'' => out.extend_from_slice(b"&#39;"),
            b => out.push(b),
        }
    }
}

/// A secret found in an output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survivor {
    /// Which secret (an index into the list the guard was built from).
    pub secret: usize,
    /// In which form.
    pub encoding: Encoding,
    /// Where its first occurrence starts, in bytes.
    pub offset: usize,
}

/// The forms' first [`MIN_PATTERN`] bytes, indexed: a Bloom filter that
/// rules most windows of an output out with one load, then a sorted table
/// of (prefix, secret) for the rest.
struct Index {
    bloom: Vec<u64>,
    shift: u32,
    table: Vec<(u64, u32)>,
}

impl Index {
    fn new(mut table: Vec<(u64, u32)>) -> Index {
        // (key, secret) pairs are sorted as numbers: the parallel sort's
        // order does not depend on the thread count.
        table.par_sort_unstable();
        table.dedup();
        // About 16 bits per entry, between 2^12 and 2^30 bits.
        let bits = (table.len().max(1) * 16)
            .next_power_of_two()
            .clamp(1 << 12, 1 << 30);
        let shift = 64 - bits.trailing_zeros();
        let mut bloom = vec![0u64; bits / 64];
        for &(key, _) in &table {
            let h = spread(key) >> shift;
            bloom[(h / 64) as usize] |= 1 << (h % 64);
        }
        Index { bloom, shift, table }
    }

    /// The secrets one of whose forms starts with `key`.
    fn candidates(&self, key: u64) -> &[(u64, u32)] {
        let h = spread(key) >> self.shift;
        if self.bloom[(h / 64) as usize] & (1 << (h % 64)) == 0 {
            return &[];
        }
        let lo = self.table.partition_point(|&(k, _)| k < key);
        let hi = lo + self.table[lo..].partition_point(|&(k, _)| k == key);
        &self.table[lo..hi]
    }
}

/// The first [`MIN_PATTERN`] bytes as a number.
fn prefix(bytes: &[u8]) -> Option<u64> {
    let head: [u8; MIN_PATTERN] = bytes.get(..MIN_PATTERN)?.try_into().ok()?;
    Some(u64::from_le_bytes(head))
}

/// A multiplicative hash whose high bits depend on every input bit.
fn spread(key: u64) -> u64 {
    (key ^ (key >> 29)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// One form found in an output.
struct Match {
    start: usize,
    len: usize,
    secret: usize,
    encoding: Encoding,
}

/// A search for every form of a set of secrets.
pub struct Guard {
    index: Index,
    /// The secrets, as given.
    secrets: Vec<String>,
    checked: usize,
}

impl Guard {
    /// A guard for `secrets`: those [`checkable`], in every form.
    pub fn new(secrets: &[String]) -> Guard {
        // Secrets are numbered as u32: four billion would need hundreds of
        // gigabytes of them first.
        let secrets_kept = secrets.len().min(u32::MAX as usize);
        // In blocks on every thread: a HAR with a fresh token in each
        // entry gives hundreds of thousands of secrets.
        const BLOCK: usize = 1 << 12;
        let (table, checked) = secrets[..secrets_kept]
            .par_chunks(BLOCK)
            .enumerate()
            .map(|(b, block)| {
                let (mut table, mut scratch, mut checked) = (Vec::new(), Vec::new(), 0usize);
                for (k, s) in block.iter().enumerate() {
                    if !checkable(s) {
                        continue;
                    }
                    checked += 1;
                    let i = (b * BLOCK + k) as u32;
                    form_keys(s, &mut scratch, |key| table.push((key, i)));
                }
                (table, checked)
            })
            .reduce(
                || (Vec::new(), 0),
                |(mut a, n), (b, m)| {
                    a.extend(b);
                    (a, n + m)
                },
            );
        Guard {
            index: Index::new(table),
            secrets: secrets.to_vec(),
            checked,
        }
    }

    /// Every form found in `hay`, in order of start, then of secret, then
    /// of form; `stop` ends the search early when it returns true.
    fn each_match(&self, hay: &[u8], mut stop: impl FnMut(Match) -> bool) {
        if self.index.table.is_empty() {
            return;
        }
        for (start, window) in hay.windows(MIN_PATTERN).enumerate() {
            let Some(key) = prefix(window) else { continue };
            for &(_, i) in self.index.candidates(key) {
                let secret = i as usize;
                for (encoding, form) in forms(&self.secrets[secret]) {
                    if hay[start..].starts_with(form.as_bytes())
                        && stop(Match {
                            start,
                            len: form.len(),
                            secret,
                            encoding,
                        })
                    {
                        return;
                    }
                }
            }
        }
    }

    /// `s` with every secret found in a form that can be replaced in place
    /// (raw, URL-encoded, JSON-escaped, HTML-escaped) replaced by its
    /// fingerprint; `None` when there is none. A value redacted in one place
    /// and repeated in another (a cookie echoed in a query string) is then
    /// redacted there too. Base64 forms cannot be: the check refuses them.
    /// Matches are taken leftmost first, the longest at each start.
    pub fn scrub(&self, s: &str) -> Option<String> {
        let mut spans: Vec<(usize, usize, usize)> = Vec::new();
        self.each_match(s.as_bytes(), |m| {
            if matches!(m.encoding, Encoding::Base64 | Encoding::Base64Url) {
                return false;
            }
            let (start, secret) = (m.start, m.secret);
            let end = start + m.len;
            match spans.last_mut() {
                Some(last) if last.0 == start => {
                    if end > last.1 {
                        *last = (start, end, secret);
                    }
                }
                Some(last) if start < last.1 => {}
                _ => spans.push((start, end, secret)),
            }
            false
        });
        if spans.is_empty() {
            return None;
        }
        let mut out = String::with_capacity(s.len());
        let mut last = 0;
        for (start, end, secret) in spans {
            // Forms are whole strings, so their ends fall on char boundaries.
            out.push_str(s.get(last..start).unwrap_or_default());
            out.push_str(&super::mask(&self.secrets[secret]));
            last = end;
        }
        out.push_str(s.get(last..).unwrap_or_default());
        Some(out)
    }

    /// How many secrets are searched for.
    pub fn checked(&self) -> usize {
        self.checked
    }

    /// Whether any secret survives in `hay`.
    pub fn leaks(&self, hay: &[u8]) -> bool {
        let mut found = false;
        self.each_match(hay, |_| {
            found = true;
            true
        });
        found
    }

    /// Each secret that survives in `hay`, at its first occurrence, in
    /// the order of their offsets.
    pub fn survivors(&self, hay: &[u8]) -> Vec<Survivor> {
        let mut seen = std::collections::BTreeMap::new();
        self.each_match(hay, |m| {
            seen.entry(m.secret).or_insert(Survivor {
                secret: m.secret,
                encoding: m.encoding,
                offset: m.start,
            });
            false
        });
        let mut out: Vec<Survivor> = seen.into_values().collect();
        out.sort_by_key(|s| (s.offset, s.secret));
        out
    }
}

/// The 1-based line and column of byte `offset` in `text`.
pub fn line_col(text: &[u8], offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let col = before.len() - memchr::memrchr(b'\n', before).map_or(0, |i| i + 1) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url_encode(s: &str) -> String {
        let mut out = Vec::new();
        url_encode_into(s, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_index_keys_are_the_first_bytes_of_the_whole_forms() {
        let mut scratch = Vec::new();
        for secret in [
            "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
            "p@ss w/rd&<\"quoted\">'x'+more+than+sixteen",
            "ключ-секрет-12345-ABCDE-очень-длинный",
            "short&Secret1",
            "0123456789abcdef0123",
            "\u{1}control\tchars\nAND-digits-42",
        ] {
            let mut got = Vec::new();
            form_keys(secret, &mut scratch, |k| got.push(k));
            got.sort_unstable();
            got.dedup();
            let mut want: Vec<u64> = forms(secret)
                .iter()
                .filter_map(|(_, f)| prefix(f.as_bytes()))
                .collect();
            want.sort_unstable();
            want.dedup();
            assert_eq!(got, want, "{secret}");
        }
    }

    #[test]
    fn finds_each_form_and_nothing_else() {
        let secret = "hunter2-Passw0rd!&x";
        let g = Guard::new(&[secret.to_string(), "short".to_string()]);
        assert_eq!(g.checked(), 1);
        assert!(g.survivors(b"nothing to see, tok:1a2b3c4d").is_empty());
        for hay in [
            secret.to_string(),
            url_encode(secret),
            html_escape(secret),
            serde_json::to_string(secret)
                .expect("json")
                .trim_matches('"')
                .to_string(),
        ] {
            let found = g.survivors(format!("xx {hay} yy").as_bytes());
            assert_eq!(found.len(), 1, "{hay}");
            assert_eq!(found[0].offset, 3);
        }
        // Inside a longer base64 text, at every alignment and in both alphabets.
        for pad in 0..3 {
            for engine in [
                &base64::engine::general_purpose::STANDARD,
                &base64::engine::general_purpose::URL_SAFE,
            ] {
                let body = format!("{}{{\"pw\":\"{secret}\"}} and more", "ab".repeat(pad));
                let enc = engine.encode(body);
                assert!(g.leaks(enc.as_bytes()), "shift {pad}: {enc}");
            }
        }
    }

    #[test]
    fn checkable_secrets() {
        for s in [
            "hunter2-Passw0rd!",
            "S3ssionCookieValue9f8e7d",
            "a1b2c3d4e5f60718293a4b5c",
        ] {
            assert!(checkable(s), "{s}");
        }
        for s in ["1", "en-US", "true", "anonymous", "undefined", "p4ssw0rd"] {
            assert!(!checkable(s), "{s}");
        }
    }

    #[test]
    fn lines_and_columns() {
        assert_eq!(line_col(b"ab\ncd\nef", 4), (2, 2));
        assert_eq!(line_col(b"abc", 0), (1, 1));
    }
}
