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
//!
//! Only secrets distinctive enough to search for are checked (see
//! [`checkable`]): a cookie whose value is `1` or `en-US` is still replaced,
//! but finding `1` in a report proves nothing.

use base64::Engine as _;

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
    let classes = |s: &str| {
        let b = s.as_bytes();
        [
            b.iter().any(u8::is_ascii_lowercase),
            b.iter().any(u8::is_ascii_uppercase),
            b.iter().any(u8::is_ascii_digit),
            b.iter().any(|c| !c.is_ascii_alphanumeric()),
        ]
        .iter()
        .filter(|&&x| x)
        .count()
    };
    let n = secret.chars().count();
    (n >= 10 && classes(secret) >= 3) || (n >= 20 && classes(secret) >= 2)
}

/// Patterns shorter than this are not searched for (a base64 slice of a
/// short secret).
const MIN_PATTERN: usize = 8;

/// Every form of `secret` to search for, without repeats.
pub fn forms(secret: &str) -> Vec<(Encoding, String)> {
    let mut out: Vec<(Encoding, String)> = vec![(Encoding::Raw, secret.to_string())];
    let mut add = |e: Encoding, s: String| {
        if s.len() >= MIN_PATTERN && !out.iter().any(|(_, o)| *o == s) {
            out.push((e, s));
        }
    };
    add(Encoding::UrlEncoded, url_encode(secret));
    if let Ok(j) = serde_json::to_string(secret) {
        add(Encoding::JsonEscaped, j.trim_matches('"').to_string());
    }
    add(Encoding::HtmlEscaped, html_escape(secret));
    for (enc, engine) in [
        (
            Encoding::Base64,
            &base64::engine::general_purpose::STANDARD_NO_PAD,
        ),
        (
            Encoding::Base64Url,
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ),
    ] {
        for shift in 0..3 {
            add(enc, base64_slice(engine, secret.as_bytes(), shift));
        }
    }
    out
}

/// The base64 characters that `secret` alone decides when it starts
/// `shift` bytes into the encoded text: those that hold no bit of the
/// bytes before it or of the bytes after it.
fn base64_slice(engine: &base64::engine::GeneralPurpose, secret: &[u8], shift: usize) -> String {
    let mut buf = vec![0u8; shift];
    buf.extend_from_slice(secret);
    let enc = engine.encode(&buf);
    let start = (8 * shift).div_ceil(6);
    let end = (8 * buf.len()) / 6;
    enc.get(start..end).unwrap_or("").to_string()
}

/// Percent-encoding of every byte but the unreserved ones.
fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The HTML escaping the HTML report applies (it calls this one).
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
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
/// of (prefix, pattern) for the rest.
struct Index {
    bloom: Vec<u64>,
    shift: u32,
    table: Vec<(u64, u32)>,
}

impl Index {
    fn new(patterns: &[String]) -> Index {
        let mut table: Vec<(u64, u32)> = patterns
            .iter()
            .enumerate()
            .filter_map(|(i, p)| Some((prefix(p.as_bytes())?, u32::try_from(i).ok()?)))
            .collect();
        table.sort_unstable();
        // About 16 bits per pattern, between 2^12 and 2^30 bits.
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

    /// The patterns whose first bytes are `key`.
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

/// A search for every form of a set of secrets.
pub struct Guard {
    index: Index,
    /// For each pattern, its secret and form.
    owner: Vec<(usize, Encoding)>,
    /// Every form's text, by pattern.
    patterns: Vec<String>,
    /// The secrets, as given.
    secrets: Vec<String>,
    checked: usize,
}

impl Guard {
    /// A guard for `secrets`: those [`checkable`], in every form.
    pub fn new(secrets: &[String]) -> Guard {
        let mut patterns = Vec::new();
        let mut owner = Vec::new();
        let mut checked = 0;
        for (i, s) in secrets.iter().enumerate() {
            if !checkable(s) {
                continue;
            }
            checked += 1;
            for (e, p) in forms(s) {
                patterns.push(p);
                owner.push((i, e));
            }
        }
        Guard {
            index: Index::new(&patterns),
            owner,
            patterns,
            secrets: secrets.to_vec(),
            checked,
        }
    }

    /// Every form found in `hay`, as (start, pattern), in order of start
    /// and then of pattern; `stop` ends the search early when it returns
    /// true.
    fn each_match(&self, hay: &[u8], mut stop: impl FnMut(usize, usize) -> bool) {
        if self.patterns.is_empty() {
            return;
        }
        for (start, window) in hay.windows(MIN_PATTERN).enumerate() {
            let Some(key) = prefix(window) else { continue };
            for &(_, p) in self.index.candidates(key) {
                let p = p as usize;
                if hay[start..].starts_with(self.patterns[p].as_bytes()) && stop(start, p) {
                    return;
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
        self.each_match(s.as_bytes(), |start, p| {
            let (secret, enc) = self.owner[p];
            if matches!(enc, Encoding::Base64 | Encoding::Base64Url) {
                return false;
            }
            let end = start + self.patterns[p].len();
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
        self.each_match(hay, |_, _| {
            found = true;
            true
        });
        found
    }

    /// Each secret that survives in `hay`, at its first occurrence, in
    /// the order of their offsets.
    pub fn survivors(&self, hay: &[u8]) -> Vec<Survivor> {
        let mut seen = std::collections::BTreeMap::new();
        self.each_match(hay, |start, p| {
            let (secret, encoding) = self.owner[p];
            seen.entry(secret).or_insert(Survivor {
                secret,
                encoding,
                offset: start,
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
