//! The leak check every output passes before it is kept: each secret the
//! run replaced ([`super::collect`]) is searched for in the output bytes in
//! every form it could take there: raw, URL-encoded, JSON-escaped,
//! HTML-escaped, and base64 (standard and URL-safe, at each of the three
//! alignments a value can have inside a longer base64 text). One
//! Aho-Corasick automaton searches for all of them in a single pass.
//!
//! Only secrets distinctive enough to search for are checked (see
//! [`checkable`]): a cookie whose value is `1` or `en-US` is still replaced,
//! but finding `1` in a report proves nothing.

use aho_corasick::{AhoCorasick, MatchKind};
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

/// A search for every form of a set of secrets.
pub struct Guard {
    searcher: Option<AhoCorasick>,
    /// For each pattern, its secret and form.
    owner: Vec<(usize, Encoding)>,
    /// Every form's text, by pattern.
    patterns: Vec<String>,
    /// The secrets, as given.
    secrets: Vec<String>,
    checked: usize,
    /// The forms that can be replaced in place, searched leftmost-longest
    /// ([`Guard::scrub`]); built when first needed.
    replacer: std::sync::OnceLock<Option<(AhoCorasick, Vec<usize>)>>,
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
        let searcher = if patterns.is_empty() {
            None
        } else {
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(&patterns)
                .ok()
        };
        Guard {
            searcher,
            owner,
            patterns,
            secrets: secrets.to_vec(),
            checked,
            replacer: std::sync::OnceLock::new(),
        }
    }

    /// `s` with every secret found in a form that can be replaced in place
    /// (raw, URL-encoded, JSON-escaped, HTML-escaped) replaced by its
    /// fingerprint; `None` when there is none. A value redacted in one place
    /// and repeated in another (a cookie echoed in a query string) is then
    /// redacted there too. Base64 forms cannot be: the check refuses them.
    pub fn scrub(&self, s: &str) -> Option<String> {
        let replacer = self.replacer.get_or_init(|| {
            let (mut pats, mut owners) = (Vec::new(), Vec::new());
            for (p, &(secret, enc)) in self.patterns.iter().zip(&self.owner) {
                if !matches!(enc, Encoding::Base64 | Encoding::Base64Url) {
                    pats.push(p.as_str());
                    owners.push(secret);
                }
            }
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&pats)
                .ok()
                .map(|ac| (ac, owners))
        });
        let (ac, owners) = replacer.as_ref()?;
        if !ac.is_match(s) {
            return None;
        }
        let mut out = String::with_capacity(s.len());
        let mut last = 0;
        for m in ac.find_iter(s) {
            out.push_str(&s[last..m.start()]);
            out.push_str(&super::mask(&self.secrets[owners[m.pattern().as_usize()]]));
            last = m.end();
        }
        out.push_str(&s[last..]);
        Some(out)
    }

    /// How many secrets are searched for.
    pub fn checked(&self) -> usize {
        self.checked
    }

    /// Whether any secret survives in `hay`.
    pub fn leaks(&self, hay: &[u8]) -> bool {
        self.searcher.as_ref().is_some_and(|s| s.is_match(hay))
    }

    /// Each secret that survives in `hay`, at its first occurrence, in
    /// the order of their offsets.
    pub fn survivors(&self, hay: &[u8]) -> Vec<Survivor> {
        let Some(s) = &self.searcher else {
            return Vec::new();
        };
        let mut seen = std::collections::BTreeMap::new();
        for m in s.find_overlapping_iter(hay) {
            let (secret, encoding) = self.owner[m.pattern().as_usize()];
            seen.entry(secret).or_insert(Survivor {
                secret,
                encoding,
                offset: m.start(),
            });
        }
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
