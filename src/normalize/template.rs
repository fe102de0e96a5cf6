//! Error templates: error messages clustered into templates, Drain-style.
//! Variables are masked first (numbers, hex and UUIDs, IP addresses, quoted
//! strings, URL ids and queries, JSON values), with a tokenizer that keeps
//! the structure of compact JSON and URLs, so `{"user":17,"err":"x"}` and
//! `{"user":18,"err":"y"}` are one template, not two. Messages with the same
//! token count and the same first token share a bucket; within a bucket a
//! message joins the first template it shares at least half its tokens
//! with, and the positions that differ become `<*>`.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// The wildcard in templates.
pub const WILD: &str = "<*>";

static VARIABLES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // quoted strings
        r#""(?:[^"\\]|\\.)*""#,
        r"'(?:[^'\\]|\\.)*'",
        // UUIDs, long hex, IPv4 (with port), numbers (with units)
        r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b",
        r"\b0x[0-9a-fA-F]+\b",
        r"\b[0-9a-fA-F]{12,}\b",
        r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b",
        r"\b\d+(?:\.\d+)?(?:ms|s|m|h|b|kb|mb|%)?\b",
    ]
    .iter()
    .map(|p| Regex::new(p).expect("static regex is valid"))
    .collect()
});

static URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)\bhttps?://[^\s"'<>]+"#).expect("static regex is valid"));

/// Mask the variable parts of a message. A business error's code is
/// kept: it names the error (`business error 40001 in a 2xx response: …`).
pub fn mask(msg: &str) -> String {
    if let Some((head, rest)) = crate::normalize::outcome::split_after_code(msg) {
        return format!("{head}{}", mask_variables(rest));
    }
    mask_variables(msg)
}

/// [`mask`] without the business error exception.
fn mask_variables(msg: &str) -> String {
    // URLs keep their host and route template, lose ids and queries.
    let mut out = URL
        .replace_all(msg, |c: &regex::Captures<'_>| {
            let u = &c[0];
            let (host, path) = crate::normalize::route::split_url(u);
            format!(
                "{}{}",
                host.unwrap_or(""),
                crate::normalize::route::template(path).replace("{id}", WILD)
            )
        })
        .into_owned();
    // JSON keys are structure, not variables: hide their quotes while masking.
    // Each pass copies the text only when it replaced something.
    if let Cow::Owned(s) = JSON_KEY.replace_all(&out, "\u{2}$1\u{2}:") {
        out = s;
    }
    for re in VARIABLES.iter() {
        if let Cow::Owned(s) = re.replace_all(&out, WILD) {
            out = s;
        }
    }
    if out.contains('\u{2}') {
        out = out.replace('\u{2}', "\"");
    }
    out
}

static JSON_KEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#""([A-Za-z_@$][A-Za-z0-9_.@$-]*)"\s*:"#).expect("static regex is valid"));

/// Split a masked message into tokens: whitespace, and JSON/URL punctuation
/// kept as its own token so structure lines up position by position.
pub fn tokens(masked: &str) -> Vec<String> {
    spaced_tokens(masked).into_iter().map(|(t, _)| t).collect()
}

/// A masked message's tokens, each with whether whitespace preceded it.
type Spaced = Vec<(String, bool)>;

/// Tokens with whether each was preceded by whitespace.
fn spaced_tokens(masked: &str) -> Spaced {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut space = false;
    let mut cur_space = false;
    for c in masked.chars() {
        if c.is_whitespace() {
            if !cur.is_empty() {
                out.push((std::mem::take(&mut cur), cur_space));
            }
            space = true;
        } else if matches!(c, '{' | '}' | '[' | ']' | ',' | ':' | '=' | '(' | ')') {
            if !cur.is_empty() {
                out.push((std::mem::take(&mut cur), cur_space));
            }
            out.push((c.to_string(), space));
            space = false;
        } else {
            if cur.is_empty() {
                cur_space = space;
                space = false;
            }
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        out.push((cur, cur_space));
    }
    out
}

/// One template and what it has absorbed.
#[derive(Debug, Clone)]
pub struct Template {
    /// Tokens, with `<*>` where messages differed.
    pub tokens: Vec<String>,
    /// Whether each token was preceded by whitespace in the first message.
    spaced: Vec<bool>,
    /// Messages in it.
    pub count: u64,
}

impl Template {
    /// The template as text, spaced as its first message was.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for (i, t) in self.tokens.iter().enumerate() {
            if i > 0 && self.spaced.get(i).copied().unwrap_or(true) {
                s.push(' ');
            }
            s.push_str(t);
        }
        s
    }
}

/// The clusterer. Feed messages in a fixed order for deterministic ids.
#[derive(Debug, Default)]
pub struct Miner {
    /// All templates, by id.
    pub templates: Vec<Template>,
    buckets: std::collections::BTreeMap<(usize, String), Vec<usize>>,
}

/// Slots of [`mine`]'s table of recently masked texts.
const MASK_CACHE: usize = 1024;

/// Share of equal positions needed to join a template.
const SIMILARITY: f64 = 0.5;

impl Miner {
    /// Add a message; returns its template id.
    pub fn add(&mut self, msg: &str) -> usize {
        self.add_tokens(&spaced_tokens(&mask(msg)))
    }

    /// Add a message already masked and split by [`spaced_tokens`].
    fn add_tokens(&mut self, spaced: &[(String, bool)]) -> usize {
        let first = spaced.first().map_or("", |(t, _)| t.as_str());
        let key = (
            spaced.len(),
            if first.contains('<') { WILD } else { first }.to_string(),
        );
        let ids = self.buckets.entry(key).or_default();
        for &id in ids.iter() {
            let t = &mut self.templates[id];
            let same = t
                .tokens
                .iter()
                .zip(spaced)
                .filter(|(a, (b, _))| *a == b || *a == WILD)
                .count();
            if spaced.is_empty() || same as f64 / spaced.len() as f64 >= SIMILARITY {
                for (a, (b, _)) in t.tokens.iter_mut().zip(spaced) {
                    if a != b && a != WILD {
                        *a = WILD.to_string();
                    }
                }
                t.count += 1;
                return id;
            }
        }
        let id = self.templates.len();
        self.templates.push(Template {
            tokens: spaced.iter().map(|(t, _)| t.clone()).collect(),
            spaced: spaced.iter().map(|(_, s)| *s).collect(),
            count: 1,
        });
        ids.push(id);
        id
    }
}

/// The template index an event's `template` id (`t17`) names.
pub fn index(id: &str) -> Option<usize> {
    id.strip_prefix('t')?.parse().ok()
}

/// Where a template occurs: its first event and its last timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    /// Index of the first event with it.
    pub first: usize,
    /// Time of the last timed event with it.
    pub last_ts: Option<i64>,
}

/// The occurrence of each of `n` templates, from [`mine`]'s assignments
/// (in event order): only the events with a template are read.
pub fn occurrences(
    events: &[crate::model::Event],
    of: &[(usize, usize)],
    n: usize,
) -> Vec<Option<Occurrence>> {
    let mut out: Vec<Option<Occurrence>> = vec![None; n];
    for &(i, k) in of {
        let (Some(slot), Some(e)) = (out.get_mut(k), events.get(i)) else {
            continue;
        };
        let o = slot.get_or_insert(Occurrence {
            first: i,
            last_ts: None,
        });
        if e.ts_ns().is_some() {
            o.last_ts = e.ts_ns();
        }
    }
    out
}

/// Cluster the failures' error texts (or messages) in event order and set
/// each failure's `template`. Events must already be in their final order
/// so ids are deterministic.
pub fn assign(events: &mut [crate::model::Event]) -> Miner {
    let (miner, of) = mine(events);
    apply(events, &of);
    miner
}

/// [`assign`]'s reading half: the templates, and (event, template) for
/// each failure with text, without changing the events (so that other
/// passes can read them meanwhile).
pub fn mine(events: &[crate::model::Event]) -> (Miner, Vec<(usize, usize)>) {
    let mut miner = Miner::default();
    let mut of = Vec::new();
    // Failures repeat their texts (an error text is often one of a few), and
    // masking is a dozen regex passes: the tokens of recent texts are kept
    // in a small table by hash, which bounds its memory when every text is
    // new. The tokens depend on the text alone, so this changes no result.
    let mut recent: Vec<Option<(&str, Spaced)>> = vec![None; MASK_CACHE];
    for (i, e) in events.iter().enumerate().filter(|(_, e)| e.is_failure()) {
        let text = e.error_text.as_deref().or(e.message.as_deref());
        if let Some(t) = text.filter(|t| !t.trim().is_empty()) {
            use std::hash::BuildHasher;
            let slot = &mut recent[rustc_hash::FxBuildHasher.hash_one(t) as usize % MASK_CACHE];
            let toks = match slot {
                Some((seen, toks)) if *seen == t => toks,
                _ => &mut slot.insert((t, spaced_tokens(&mask(t)))).1,
            };
            of.push((i, miner.add_tokens(toks)));
        }
    }
    (miner, of)
}

/// [`assign`]'s writing half: set each event's template from [`mine`].
pub fn apply(events: &mut [crate::model::Event], of: &[(usize, usize)]) {
    for &(i, t) in of {
        if let Some(e) = events.get_mut(i) {
            e.template = Some(format!("t{t}").into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_business_errors_code_is_kept_and_the_rest_masked() {
        assert_eq!(
            mask("business error 40001 in a 2xx response: invalid credential for user 17"),
            "business error 40001 in a 2xx response: invalid credential for user <*>"
        );
        assert_eq!(
            mask("business error in a 2xx response (errors[]): quota 5 reached"),
            "business error in a 2xx response (errors[]): quota <*> reached"
        );
    }

    #[test]
    fn masks_variables_but_keeps_structure() {
        assert_eq!(
            mask(
                r#"timeout after 30000ms calling https://api.example.com/v1/orders/42?x=1 from 10.0.0.7:5432"#
            ),
            "timeout after <*> calling api.example.com/v1/orders/<*> from <*>"
        );
        assert_eq!(mask(r#"{"user":17,"err":"boom"}"#), r#"{"user":<*>,"err":<*>}"#);
    }

    #[test]
    fn mining_with_the_table_of_masked_texts_is_mining_each_text() {
        use crate::model::{ErrorClass, Event, Locator, SourceId};
        // Repeated texts, texts that generalize a template, and more
        // distinct texts than the table has slots (so slots are reused).
        let texts: Vec<String> = (0..3000)
            .map(|i| match i % 5 {
                0 => "connection refused".to_string(),
                1 => format!("timeout after {}ms calling db-{}", i % 7, i % 3),
                2 => format!("user u{i} not found in shard {}", i % 11),
                3 => format!(r#"{{"code":"E{}","msg":"declined"}}"#, i % 4),
                _ => format!("token t{} expired", i % 1500),
            })
            .collect();
        let events: Vec<Event> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let mut e = Event::at(SourceId(0), Locator::Line(i as u64 + 1), i as u64);
                e.error_class = Some(ErrorClass::Http5xx);
                e.error_text = Some(t.as_str().into());
                e
            })
            .collect();
        let (mined, of) = mine(&events);
        let mut plain = Miner::default();
        let want: Vec<(usize, usize)> = texts.iter().enumerate().map(|(i, t)| (i, plain.add(t))).collect();
        assert_eq!(of, want);
        let summary = |m: &Miner| {
            m.templates
                .iter()
                .map(|t| (t.text(), t.count))
                .collect::<Vec<_>>()
        };
        assert_eq!(summary(&mined), summary(&plain));
        assert!(mined.templates.len() >= 5, "{:?}", summary(&mined));
    }

    #[test]
    fn clusters_messages_into_templates() {
        let mut m = Miner::default();
        let a = m.add("HikariPool-1 - Connection is not available, request timed out after 30000ms.");
        let b = m.add("HikariPool-1 - Connection is not available, request timed out after 5000ms.");
        let c = m.add(r#"{"user":17,"error":"card declined","code":"D17"}"#);
        let d = m.add(r#"{"user":18,"error":"card expired","code":"E01"}"#);
        let e = m.add("connection refused");
        assert_eq!(a, b);
        assert_eq!(c, d);
        assert_ne!(a, e);
        assert_eq!(m.templates[a].count, 2);
        assert_eq!(m.templates[c].text(), r#"{"user":<*>,"error":<*>,"code":<*>}"#);
        assert_eq!(m.templates.len(), 3);
        assert_eq!(
            m.templates[a].text(),
            "HikariPool-<*> - Connection is not available, request timed out after <*>."
        );
    }
}
