//! The one place secrets are removed. Every string that can reach a report
//! (URLs, error text, log messages, previews) passes through here first.
//!
//! Secrets are replaced by a fingerprint (`tok:1a2b3c4d`): the first 32
//! bits of a BLAKE3 keyed hash. Requests made with the same credential
//! still group together within a run, while the value cannot be recovered
//! or checked against a guess without the key. The key is set per run from
//! a digest of the inputs (`set_key`), so the same inputs give the same
//! report, and reports of different incidents cannot be joined on their
//! fingerprints.
//!
//! Every value fingerprinted is also handed to [`collect`], so that the
//! leak check in [`guard`] can search the outputs for it before they are
//! kept. Which names mark a secret is [`keys`]' business.
//!
//! `--unsafe-include-secrets` turns redaction off for a run (`disable`).

pub mod collect;
pub mod guard;
pub mod keys;

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{LazyLock, RwLock};

use regex::Regex;

/// The key before a run sets one (unit tests, library use).
const DEFAULT_KEY: [u8; 32] = *b"logsleuth fingerprint default k.";
/// The context string of the key derivation.
const KEY_CONTEXT: &str = "logsleuth 2026-11 secret fingerprint key v1";

static KEY: RwLock<[u8; 32]> = RwLock::new(DEFAULT_KEY);
static DISABLED: AtomicBool = AtomicBool::new(false);

/// The fingerprint key that `material` (a digest of the inputs) gives.
fn derive_key(material: &[u8]) -> [u8; 32] {
    blake3::derive_key(KEY_CONTEXT, material)
}

/// Derive this run's fingerprint key from `material`.
pub fn set_key(material: &[u8]) {
    let key = derive_key(material);
    if let Ok(mut k) = KEY.write() {
        *k = key;
    }
}

/// Turn redaction on or off for the rest of the process
/// (`--unsafe-include-secrets`).
pub fn set_disabled(off: bool) {
    DISABLED.store(off, Ordering::SeqCst);
}

/// Whether redaction is off for this process (`--unsafe-include-secrets`).
pub fn is_disabled() -> bool {
    DISABLED.load(Ordering::Relaxed)
}

/// Extra patterns from a redaction config (`--redact-config`).
#[derive(Debug, Default)]
struct Extra {
    deny: Vec<Regex>,
    allow: Vec<String>,
}

static EXTRA: RwLock<Extra> = RwLock::new(Extra {
    deny: Vec::new(),
    allow: Vec::new(),
});

/// Whether `EXTRA` holds deny patterns. Checked before taking the lock:
/// free text is redacted once per record on every thread, and even a read
/// lock writes to the lock's shared cache line.
static HAS_DENY: AtomicBool = AtomicBool::new(false);

/// A redaction config: extra patterns to redact and values to leave alone.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Regular expressions whose matches are secrets too (an in-house token format).
    #[serde(default)]
    pub deny: Vec<String>,
    /// Values that are not secrets even where a secret is expected (a public demo key).
    #[serde(default)]
    pub allow: Vec<String>,
}

/// Load a redaction config for the rest of the process. Returns the first
/// invalid pattern's error.
pub fn configure(c: &Config) -> Result<(), String> {
    let deny = c
        .deny
        .iter()
        .map(|p| Regex::new(p).map_err(|e| format!("deny pattern {p:?}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    HAS_DENY.store(!deny.is_empty(), Ordering::SeqCst);
    if let Ok(mut x) = EXTRA.write() {
        *x = Extra {
            deny,
            allow: c.allow.clone(),
        };
    }
    Ok(())
}

/// Whether `s` is a fingerprint (`tok:` and eight hex digits): redacted
/// already, by an earlier pass or an earlier sanitize.
pub fn is_fingerprint(s: &str) -> bool {
    s.len() == 12 && s.starts_with("tok:") && s.as_bytes()[4..].iter().all(u8::is_ascii_hexdigit)
}

/// Whether `s` was redacted already: a fingerprint, maybe after an auth
/// scheme (`Bearer tok:1a2b3c4d`), and nothing else.
fn already_redacted(s: &str) -> bool {
    let mut words = s.split_ascii_whitespace();
    let last = words.next_back();
    last.is_some_and(is_fingerprint)
        && words.all(|w| w.len() <= 16 && w.bytes().all(|c| c.is_ascii_alphabetic()))
}

/// What replaces a secret: its fingerprint, unless the config allows it
/// or it is redacted already.
pub fn mask(secret: &str) -> String {
    if already_redacted(secret) {
        return secret.to_string();
    }
    if EXTRA.read().is_ok_and(|x| x.allow.iter().any(|a| a == secret)) {
        return secret.to_string();
    }
    fingerprint(secret)
}

/// Fingerprint of a secret: stable within a run, not reversible. The
/// secret is noted for the leak check ([`collect`]).
pub fn fingerprint(secret: &str) -> String {
    collect::record(secret);
    if fault_injected() {
        return secret.to_string();
    }
    fingerprint_with(&KEY.read().map_or(DEFAULT_KEY, |k| *k), secret)
}

/// The environment variable of the test-only fault: set to
/// `unredacted`, every secret is noted but left as it was, which the leak
/// check must then catch (the test suite proves it does).
pub const FAULT_VAR: &str = "LOGSLEUTH_TEST_FAULT";

/// Whether the test-only fault is on: read once.
fn fault_injected() -> bool {
    static ON: LazyLock<bool> =
        LazyLock::new(|| std::env::var_os(FAULT_VAR).is_some_and(|v| v == "unredacted"));
    *ON
}

/// Fingerprint of a secret under `key`.
fn fingerprint_with(key: &[u8; 32], secret: &str) -> String {
    let h = blake3::keyed_hash(key, secret.as_bytes());
    let b = h.as_bytes();
    format!("tok:{:02x}{:02x}{:02x}{:02x}", b[0], b[1], b[2], b[3])
}

/// Query parameter names whose values are credentials.
pub fn is_secret_param(name: &str) -> bool {
    keys::classify(name, keys::NameKind::Param).is_some()
}

static FREE_TEXT: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // Authorization / Proxy-Authorization / Cookie header text.
        r"(?i)\b((?:proxy-)?authorization|cookie|set-cookie|x-api-key|api-key)(\s*[:=]\s*)([^\r\n]+)",
        // Bearer / Basic credentials anywhere.
        r"(?i)\b(bearer|basic)(\s+)([A-Za-z0-9._~+/=-]{6,})",
        // key=value and "key":"value" pairs whose key ends in a word that
        // names a secret (`refreshToken=`, `x-amz-signature:`, `"password":"`).
        r#"(?i)\b([A-Za-z0-9_.-]{0,40}?(?:password|passwd|pwd|secret|api_?key|api-key|(?:private|secret|access|auth|client)[_-]?key|token|session_?id|sessid|credential|signature))("?\s*[:=]\s*"?)([^\s"&,;]+)"#,
    ]
    .iter()
    .map(|p| Regex::new(p).expect("static regex is valid"))
    .collect()
});

/// Every match of [`KNOWN_TOKENS`] holds at least this many characters of
/// `[A-Za-z0-9_-]` in a row (the shortest, a Slack `xoxb-` and ten more,
/// holds 15): text without such a run is not searched. Most log messages
/// have none, and the run is cheaper to find than a regex search is to
/// start.
const MIN_TOKEN_RUN: usize = 14;

/// What a byte is to [`scan`]: part of a token run, a hint by itself
/// (`=`, `:`), or the start of a hint word (`e` of `eyJ` and `earer`, `a`
/// of `asic`).
const TOKEN: u8 = 1;
const HINT: u8 = 2;
const HINT_WORD: u8 = 4;

static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
            t[c] |= TOKEN;
        }
        if b == b'=' || b == b':' {
            t[c] |= HINT;
        }
        if b == b'e' || b == b'a' {
            t[c] |= HINT_WORD;
        }
        c += 1;
    }
    t
};

/// The length of the longest run of `[A-Za-z0-9_-]` in `b`, and whether
/// `b` holds a hint ([`has_hint`]): one table-driven pass for both, where
/// two passes of character tests were a tenth of building an event.
fn scan(b: &[u8]) -> (usize, bool) {
    let (mut best, mut run, mut hint) = (0, 0, false);
    for (i, &c) in b.iter().enumerate() {
        let k = CLASS[usize::from(c)];
        run = if k & TOKEN != 0 { run + 1 } else { 0 };
        best = best.max(run);
        if k & (HINT | HINT_WORD) != 0 && !hint {
            hint = k & HINT != 0 || word_hint(b, i);
        }
    }
    (best, hint)
}

/// Whether the `e` or `a` at `i` starts `eyJ`, `earer` or `asic`.
fn word_hint(b: &[u8], i: usize) -> bool {
    let rest = &b[i + 1..];
    match b[i] {
        b'e' => rest.starts_with(b"yJ") || rest.starts_with(b"arer"),
        _ => rest.starts_with(b"sic"),
    }
}

/// The length of the longest run of `[A-Za-z0-9_-]` in `s`.
#[cfg(test)]
fn longest_token_run(s: &str) -> usize {
    scan(s.as_bytes()).0
}

/// Whether `b` holds `=`, `:`, `eyJ`, `earer` or `asic`, which every
/// pattern but [`KNOWN_TOKENS`] needs.
fn has_hint(b: &[u8]) -> bool {
    scan(b).1
}

/// Credentials recognizable by their shape alone, wherever they appear.
static KNOWN_TOKENS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\b(?:",
        r"(?:AKIA|ASIA)[A-Z0-9]{16,}",                   // AWS access key ids
        r"|(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10,}", // Stripe keys
        r"|gh[pousr]_[A-Za-z0-9]{30,}",                  // GitHub tokens
        r"|github_pat_[A-Za-z0-9_]{30,}",
        r"|xox[abprs]-[A-Za-z0-9-]{10,}",               // Slack tokens
        r"|AIza[0-9A-Za-z_-]{30,}",                     // Google API keys
        r"|glpat-[A-Za-z0-9_-]{20,}",                   // GitLab tokens
        r"|SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}", // SendGrid keys
        r")",
    ))
    .expect("static regex is valid")
});

static JWT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*").expect("static regex is valid")
});

/// A URL query parameter anywhere in text: `?name=value` or `&name=value`.
static QUERY_PAIR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"([?&;])([A-Za-z0-9_.\-\[\]]{1,64})=([^&\s"'#<>\\]+)"#).expect("static regex is valid")
});

/// A password in a URL anywhere in text: `scheme://user:password@host`.
static USERINFO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([A-Za-z][A-Za-z0-9+.-]{0,15}://[^/\s:@]{1,128}:)([^/\s@]{1,256})@")
        .expect("static regex is valid")
});

/// The shortest run of `[A-Za-z0-9_-]` judged by its shape alone as a
/// random token ([`random_token`]).
const RANDOM_MIN: usize = 24;
/// Runs inside a base64 text longer than this are data (an image, a file),
/// not a token.
const BLOB_MIN: usize = 1024;

/// Whether a run of `[A-Za-z0-9_-]` looks like a machine-made token: long,
/// mixing upper case, lower case and digits, with many distinct
/// characters. Hex ids, UUIDs and words do not.
fn random_token(run: &[u8]) -> bool {
    if run.len() < RANDOM_MIN {
        return false;
    }
    let (mut upper, mut lower, mut digit) = (0usize, 0usize, 0usize);
    let mut seen = [false; 128];
    let mut distinct = 0;
    for &c in run {
        match c {
            b'A'..=b'Z' => upper += 1,
            b'a'..=b'z' => lower += 1,
            b'0'..=b'9' => digit += 1,
            _ => {}
        }
        let i = usize::from(c & 0x7f);
        if !seen[i] {
            seen[i] = true;
            distinct += 1;
        }
    }
    upper > 0 && lower > 0 && digit > 0 && distinct * 2 >= run.len().min(40)
}

/// `s` with each random token ([`random_token`]) fingerprinted, if any.
fn random_tokens(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let is_tok = |c: u8| CLASS[usize::from(c)] & TOKEN != 0;
    let is_b64 = |c: u8| is_tok(c) || c == b'+' || c == b'/' || c == b'=';
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        if !is_tok(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && is_tok(b[i]) {
            i += 1;
        }
        let run = &b[start..i];
        if !random_token(run) {
            continue;
        }
        // Part of a long base64 text: data, not a token.
        let left = b[..start].iter().rev().take_while(|&&c| is_b64(c)).count();
        let right = b[i..].iter().take_while(|&&c| is_b64(c)).count();
        if left + run.len() + right > BLOB_MIN {
            continue;
        }
        // A fingerprint already (`tok:…`) is never this long; a
        // character boundary is guaranteed: the run is ASCII.
        let o = out.get_or_insert_with(|| String::with_capacity(s.len()));
        o.push_str(&s[copied..start]);
        o.push_str(&mask(&s[start..i]));
        copied = i;
    }
    out.map(|mut o| {
        o.push_str(&s[copied..]);
        o
    })
}

/// The whole match of `c` with its capture `group` replaced by `with`.
fn with_group(c: &regex::Captures<'_>, group: usize, with: &str) -> String {
    let (Some(m), Some(g)) = (c.get(0), c.get(group)) else {
        return c[0].to_string();
    };
    let whole = m.as_str();
    format!(
        "{}{with}{}",
        &whole[..g.start() - m.start()],
        &whole[g.end() - m.start()..]
    )
}

/// Redact secrets in free text.
pub fn text(s: &str) -> Cow<'_, str> {
    if is_disabled() {
        return Cow::Borrowed(s);
    }
    let s: Cow<'_, str> = match deny_matches(s) {
        Some(o) => Cow::Owned(o),
        None => Cow::Borrowed(s),
    };
    match builtin_text(&s) {
        Cow::Borrowed(_) => s,
        Cow::Owned(o) => Cow::Owned(o),
    }
}

/// The config's deny patterns applied, if any matched.
#[inline]
fn deny_matches(s: &str) -> Option<String> {
    if !HAS_DENY.load(Ordering::Relaxed) {
        return None;
    }
    deny_matches_now(s)
}

/// [`deny_matches`] once there are deny patterns: out of line, so that the
/// check every text takes stays short.
#[cold]
#[inline(never)]
fn deny_matches_now(s: &str) -> Option<String> {
    let x = EXTRA.read().ok()?;
    if x.deny.is_empty() || !x.deny.iter().any(|re| re.is_match(s)) {
        return None;
    }
    let mut out = s.to_string();
    for re in &x.deny {
        out = re
            .replace_all(&out, |c: &regex::Captures<'_>| fingerprint(&c[0]))
            .into_owned();
    }
    Some(out)
}

/// The built-in free-text patterns. Most text holds neither a long token
/// run nor a hint, and is answered by the scan alone; the searches are out
/// of line, so that the code every message runs through stays small.
#[inline]
fn builtin_text(s: &str) -> Cow<'_, str> {
    let (run, hint) = scan(s.as_bytes());
    if run < MIN_TOKEN_RUN && (s.len() < 6 || !hint) {
        return Cow::Borrowed(s);
    }
    builtin_searches(s, run, hint)
}

/// [`builtin_text`]'s regex searches, for text that [`scan`] found a long
/// token run or a hint in.
#[cold]
#[inline(never)]
fn builtin_searches(s: &str, run: usize, mut hint: bool) -> Cow<'_, str> {
    // Keys recognizable by shape: the regex's literal prefixes make this
    // check cheap on text that holds none.
    let mut out: Cow<'_, str> = Cow::Borrowed(s);
    if run >= MIN_TOKEN_RUN && KNOWN_TOKENS.is_match(s) {
        out = Cow::Owned(
            KNOWN_TOKENS
                .replace_all(s, |c: &regex::Captures<'_>| mask(&c[0]))
                .into_owned(),
        );
        hint = has_hint(out.as_bytes());
    }
    if hint && out.len() >= 6 && JWT.is_match(&out) {
        out = Cow::Owned(
            JWT.replace_all(&out, |c: &regex::Captures<'_>| mask(&c[0]))
                .into_owned(),
        );
    }
    if run >= RANDOM_MIN {
        if let Some(o) = random_tokens(&out) {
            out = Cow::Owned(o);
            hint = true;
        }
    }
    // The other patterns need one of these characters or words.
    if out.len() < 6 || !hint {
        return out;
    }
    for (re, value, name) in TEXT_PAIRS.iter() {
        if re.is_match(&out) {
            let replaced = re
                .replace_all(&out, |c: &regex::Captures<'_>| {
                    if name.is_none_or(|n| is_secret_param(&c[n])) {
                        with_group(c, *value, &mask(&c[*value]))
                    } else {
                        c[0].to_string()
                    }
                })
                .into_owned();
            out = Cow::Owned(replaced);
        }
    }
    out
}

/// The patterns of [`FREE_TEXT`], [`QUERY_PAIR`] and [`USERINFO`], each
/// with the group of the value it replaces and, for a query pair, the group
/// of the name that must mark a secret.
static TEXT_PAIRS: LazyLock<Vec<(&'static Regex, usize, Option<usize>)>> = LazyLock::new(|| {
    let mut v: Vec<(&'static Regex, usize, Option<usize>)> =
        vec![(&*QUERY_PAIR, 3, Some(2)), (&*USERINFO, 2, None)];
    v.extend(FREE_TEXT.iter().map(|re| (re, 3, None)));
    v
});

/// Redact credentials in a URL: userinfo, secret query parameters, JWTs.
///
/// ```
/// let r = logsleuth::redact::url("https://api.example.com/v1?access_token=s3cr3t&page=2");
/// assert!(!r.contains("s3cr3t"));
/// assert!(r.starts_with("https://api.example.com/v1?access_token=tok:"));
/// assert!(r.ends_with("&page=2"));
/// ```
pub fn url(u: &str) -> Cow<'_, str> {
    if is_disabled() || plainly_clean(u) {
        return Cow::Borrowed(u);
    }
    url_in_full(u)
}

/// [`url`] without the [`plainly_clean`] shortcut: every check, in order.
/// Out of line: most URLs in logs are plainly clean.
#[cold]
#[inline(never)]
fn url_in_full(u: &str) -> Cow<'_, str> {
    let u: Cow<'_, str> = match secret_path_segments(u) {
        Some(owned) => Cow::Owned(owned),
        None => Cow::Borrowed(u),
    };
    // Fast path: nothing else that can hold a credential.
    if memchr::memchr2(b'?', b'@', u.as_bytes()).is_none() && !has_jwt_start(u.as_bytes()) {
        return u;
    }
    match url_query(&u) {
        Cow::Borrowed(_) => u,
        Cow::Owned(o) => Cow::Owned(o),
    }
}

/// Whether a URL or path plainly holds nothing [`url`] redacts: no `?`,
/// `#`, `@` or `:` (so no query, userinfo or scheme), no `eyJ`, and no
/// run of 24 bytes without a `/` (the shortest secret path segment). One
/// pass over the bytes, for the bare paths most logs hold, where the
/// searches below each paid their set-up.
fn plainly_clean(u: &str) -> bool {
    let b = u.as_bytes();
    let mut run = 0;
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'?' | b'#' | b'@' | b':' => return false,
            b'/' => {
                run = 0;
                continue;
            }
            b'e' if b[i + 1..].starts_with(b"yJ") => return false,
            _ => {}
        }
        run += 1;
        if run >= 24 {
            return false;
        }
    }
    true
}

/// Whether `b` holds `eyJ`, the start of every JWT: a search built once,
/// not for every URL.
fn has_jwt_start(b: &[u8]) -> bool {
    static EYJ: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new(b"eyJ"));
    EYJ.find(b).is_some()
}

/// Whether a path segment looks like a credential rather than an id: a
/// random token ([`random_token`]) and nothing else.
fn is_secret_segment(seg: &str) -> bool {
    seg.bytes().all(|c| CLASS[usize::from(c)] & TOKEN != 0) && random_token(seg.as_bytes())
}

/// The URL with credential-like path segments fingerprinted, if any.
fn secret_path_segments(u: &str) -> Option<String> {
    let (path, rest) = u.split_at(crate::util::url::query_start(u));
    use crate::util::url::{scheme_end, segments, slash};
    let start = scheme_end(path).map_or(0, |i| i + 3);
    let path_start = slash(&path[start..]).map_or(path.len(), |i| start + i);
    if !segments(&path[path_start..]).any(is_secret_segment) {
        return None;
    }
    let mut out = String::with_capacity(u.len());
    out.push_str(&path[..path_start]);
    for (i, seg) in segments(&path[path_start..]).enumerate() {
        if i > 0 {
            out.push('/');
        }
        if is_secret_segment(seg) {
            out.push_str(&mask(seg));
        } else {
            out.push_str(seg);
        }
    }
    out.push_str(rest);
    Some(out)
}

/// A query or form value redacted as the text it holds, whatever its name
/// (a key by its shape, a JWT, a random token, `password=…`): an encoded
/// value (`login+failed+password%3Dx`) is judged decoded and encoded again.
/// `None` when nothing changed.
pub fn query_value(v: &str) -> Option<String> {
    if is_disabled() {
        return None;
    }
    if v.contains('%') || v.contains('+') {
        match builtin_text(&percent_decode(v)) {
            Cow::Owned(r) => Some(percent_encode(&r)),
            Cow::Borrowed(_) => None,
        }
    } else {
        match builtin_text(v) {
            Cow::Owned(r) => Some(r),
            Cow::Borrowed(_) => None,
        }
    }
}

/// A query or form value decoded: `+` as a space, `%xx` as its byte (a
/// `%` not followed by two hex digits stays as it is).
pub(crate) fn percent_decode(v: &str) -> String {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| char::from(c).to_digit(16);
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A query value encoded: unreserved bytes and `:` as they are, the rest
/// as `%xx`, spaces as `+`.
fn percent_encode(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        match b {
            b' ' => out.push('+'),
            b if b.is_ascii_alphanumeric() || b"-_.~:".contains(&b) => out.push(char::from(b)),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Redact userinfo, secret query parameters, what any other query value
/// or the fragment holds ([`query_value`]), and JWTs of a URL.
fn url_query(u: &str) -> Cow<'_, str> {
    let mut out = String::with_capacity(u.len());
    let mut changed = false;
    let (base, query) = match u.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (u, None),
    };
    // userinfo: scheme://user:pass@host
    if let Some(i) = crate::util::url::scheme_end(base) {
        let rest = &base[i + 3..];
        let auth_end = rest.find('/').unwrap_or(rest.len());
        if let Some(at) = rest[..auth_end].rfind('@') {
            out.push_str(&base[..i + 3]);
            out.push_str("[redacted]@");
            out.push_str(&rest[at + 1..]);
            changed = true;
        } else {
            out.push_str(base);
        }
    } else {
        out.push_str(base);
    }
    if let Some(q) = query {
        out.push('?');
        let (q, frag) = match q.split_once('#') {
            Some((q, f)) => (q, Some(f)),
            None => (q, None),
        };
        for (i, pair) in q.split('&').enumerate() {
            if i > 0 {
                out.push('&');
            }
            let (head, name, v) = match pair.split_once('=') {
                Some((k, v)) => (&pair[..=k.len()], Some(k), v),
                None => ("", None, pair),
            };
            let redacted = match name {
                Some(k) if is_secret_param(k) && !v.is_empty() => Some(mask(v)),
                _ => query_value(v),
            };
            match redacted {
                Some(r) => {
                    out.push_str(head);
                    out.push_str(&r);
                    changed = true;
                }
                None => out.push_str(pair),
            }
        }
        if let Some(f) = frag {
            out.push('#');
            match query_value(f) {
                Some(r) => {
                    out.push_str(&r);
                    changed = true;
                }
                None => out.push_str(f),
            }
        }
    }
    let out = if JWT.is_match(&out) {
        changed = true;
        JWT.replace_all(&out, |c: &regex::Captures<'_>| mask(&c[0]))
            .into_owned()
    } else {
        out
    };
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(u)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JWT_TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJlLXZhbHVl";

    #[test]
    fn what_is_plainly_clean_is_left_as_it_is() {
        let pieces = [
            "/",
            "a",
            "B",
            "1",
            "?",
            "#",
            "@",
            ":",
            "eyJ",
            "=",
            "token",
            "x".repeat(23).leak(),
            "Ab1".repeat(9).leak(),
            "https://",
            "é",
        ];
        let mut cases: Vec<String> = vec![String::new()];
        for _ in 0..4 {
            let next: Vec<String> = cases
                .iter()
                .flat_map(|c| pieces.iter().map(move |p| format!("{c}{p}")))
                .collect();
            cases.extend(next);
        }
        let mut clean = 0;
        for c in &cases {
            if plainly_clean(c) {
                clean += 1;
                assert_eq!(url_in_full(c), c.as_str(), "{c:?}");
            }
        }
        assert!(
            clean > 1000 && clean < cases.len() / 2,
            "{clean} of {}",
            cases.len()
        );
        assert!(plainly_clean("/v1/orders/43939"));
        assert!(!plainly_clean("/v1/orders?token=x"));
    }

    #[test]
    fn the_one_pass_scan_agrees_with_the_plain_definitions() {
        let run = |s: &[u8]| {
            let (mut best, mut run) = (0, 0);
            for &c in s {
                run = if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' {
                    run + 1
                } else {
                    0
                };
                best = best.max(run);
            }
            best
        };
        let hint = |s: &[u8]| {
            let has = |w: &[u8]| s.windows(w.len()).any(|x| x == w);
            has(b"=") || has(b":") || has(b"eyJ") || has(b"earer") || has(b"asic")
        };
        // Every string of up to five characters over an alphabet of the
        // hint letters, token bytes and separators.
        let alphabet = b"eaysicrJ=:-_ /\xe9";
        let mut cases: Vec<Vec<u8>> = vec![Vec::new()];
        for _ in 0..5 {
            let next: Vec<Vec<u8>> = cases
                .iter()
                .filter(|c| c.len() == cases.last().map_or(0, Vec::len))
                .flat_map(|c| alphabet.iter().map(move |&a| [c.as_slice(), &[a]].concat()))
                .collect();
            cases.extend(next);
        }
        assert!(cases.len() > 100_000);
        for c in &cases {
            assert_eq!(scan(c), (run(c), hint(c)), "{:?}", String::from_utf8_lossy(c));
        }
        let long_alphabet = b"eaysicrJ=:-_ /\xe9Z09";
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        // Longer text: long token runs as well as mixed text.
        for len in 0..300usize {
            for _ in 0..40 {
                let tokeny = next() % 3 == 0;
                let c: Vec<u8> = (0..len)
                    .map(|_| {
                        let r = next();
                        if tokeny && r % 16 != 0 {
                            b'k'
                        } else {
                            long_alphabet[(r % long_alphabet.len() as u64) as usize]
                        }
                    })
                    .collect();
                assert_eq!(scan(&c), (run(&c), hint(&c)), "{:?}", String::from_utf8_lossy(&c));
            }
        }
        // Every byte value, alone and in runs of several lengths.
        for c in 0..=255u8 {
            for len in [1, 15, 16, 17, 63, 64, 65, 130] {
                let v = vec![c; len];
                assert_eq!(scan(&v), (run(&v), hint(&v)), "{c} x {len}");
            }
        }
    }

    #[test]
    fn the_run_check_passes_every_shortest_known_token() {
        // The shortest match of each alternative of KNOWN_TOKENS.
        for t in [
            "AKIA0123456789ABCDEF",
            "sk_test_0123456789",
            "ghs_012345678901234567890123456789",
            "github_pat_012345678901234567890123456789",
            "xoxa-0123456789",
            "AIza012345678901234567890123456789",
            "glpat-01234567890123456789",
            "SG.0123456789abcdef.0123456789abcdef",
        ] {
            assert!(KNOWN_TOKENS.is_match(t), "{t}");
            assert!(longest_token_run(&format!("a {t}.")) >= MIN_TOKEN_RUN, "{t}");
            assert!(!text(&format!("key {t} here")).contains(t), "{t}");
        }
        assert_eq!(longest_token_run("GET /v1/orders/43939 200"), 6);
        for (s, hint) in [
            ("GET /v1/orders 200", false),
            ("a=b", true),
            ("x: y", true),
            ("tok eyJhbG", true),
            ("Bearer", true),
            ("Basic", true),
            ("ends with e", false),
            ("ends with a", false),
        ] {
            assert_eq!(has_hint(s.as_bytes()), hint, "{s}");
        }
    }

    #[test]
    fn free_text() {
        let s = format!("upstream said: Authorization: Bearer {JWT_TOKEN}");
        let r = text(&s);
        assert!(!r.contains(JWT_TOKEN), "{r}");
        assert!(!r.contains("c2lnbmF0"), "{r}");
        let r = text("login failed password=hunter22 for user");
        assert!(!r.contains("hunter22"), "{r}");
        assert!(r.contains("password=tok:"), "{r}");
        assert_eq!(text("plain message"), "plain message");
        let r = text("Cookie: session=abcdef123456; other=1");
        assert!(!r.contains("abcdef123456"), "{r}");
        for t in [
            "AKIAIOSFODNN7EXAMPLE",
            "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
            "ghp_0123456789abcdefghijABCDEFGHIJ012345",
            "xoxb-1234567890-abcdefghij",
        ] {
            let line = format!("used key {t} in prose");
            let r = text(&line);
            assert!(!r.contains(t), "{r}");
        }
    }

    #[test]
    fn urls() {
        let r = url("https://u:pw@api.example.com/v1?access_token=abc123&page=2#frag");
        assert!(!r.contains("pw@") && !r.contains("abc123"), "{r}");
        assert!(r.contains("page=2"));
        assert_eq!(
            url("https://api.example.com/v1?page=2"),
            "https://api.example.com/v1?page=2"
        );
        let u = format!("https://h/cb?x=1&id_token={JWT_TOKEN}");
        let r = url(&u);
        assert!(!r.contains(JWT_TOKEN));
        let r = url("https://h/v1/reset/Xk9fQ2mZt7LpR4vW8yB3nC6dE1aH5jKs/confirm?lang=en");
        assert!(!r.contains("Xk9fQ2mZt7LpR4vW8yB3nC6dE1aH5jKs"), "{r}");
        assert!(
            r.starts_with("https://h/v1/reset/tok:") && r.ends_with("/confirm?lang=en"),
            "{r}"
        );
        // Ids are not secrets.
        let id = "https://h/v1/orders/4bf92f3577b34da6a3ce929d0e0e4736";
        assert_eq!(url(id), id);
    }

    #[test]
    fn query_values_are_judged_decoded() {
        assert_eq!(percent_decode("api%5Fkey"), "api_key");
        assert_eq!(percent_decode("a+b"), "a b");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
        let r = query_value("login+failed+password%3Dhunter22x").expect("redacted");
        assert!(
            r.starts_with("login+failed+password%3Dtok:") && !r.contains("hunter22x"),
            "{r}"
        );
        assert_eq!(query_value("page+2"), None);
        let r = url("https://h/cb?note=the+key+AKIAIOSFODNN7EXAMPLE+failed#x");
        assert!(!r.contains("AKIAIOSFODNN7EXAMPLE"), "{r}");
        assert!(r.ends_with("+failed#x"), "{r}");
    }

    #[test]
    fn fingerprints_are_stable_and_keyed() {
        assert_eq!(fingerprint("abc"), fingerprint("abc"));
        assert_ne!(fingerprint("abc"), fingerprint("abd"));
        assert!(fingerprint("abc").starts_with("tok:") && fingerprint("abc").len() == 12);
        // Another run's inputs, another key and fingerprint; the same inputs, the same one.
        let (one, two) = (derive_key(b"run one"), derive_key(b"run two"));
        assert_eq!(one, derive_key(b"run one"));
        assert_ne!(fingerprint_with(&one, "abc"), fingerprint_with(&two, "abc"));
        assert_eq!(fingerprint_with(&one, "abc"), fingerprint_with(&one, "abc"));
        assert_ne!(
            fingerprint_with(&one, "abc"),
            fingerprint_with(&DEFAULT_KEY, "abc")
        );
    }
}
