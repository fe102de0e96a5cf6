//! Elasticsearch and OpenSearch exports as JSON documents: `_search`
//! responses (single, or concatenated scroll/PIT pages), async-search
//! wrappers (`{"response": …}`), `_msearch` (`{"responses": […]}`), arrays of
//! hits or of bare `_source` documents, documents in `fields` form (dotted
//! keys, array values) and ES|QL results (`{columns, values}`).
//!
//! The structural scanner finds the record units (hits, documents, rows)
//! without building the document tree; units are parsed in parallel and
//! hits are de-duplicated on `(_index, _id)`. Records are the units.

use crate::input::json::extract;
use rayon::prelude::*;
use serde_json::{Map, Value};

use std::borrow::Cow;

use crate::error::{Error, Result};
use crate::input::formats::{Claim, Input, InputFormat, Tier};
use crate::input::json::fields::{self, Fields, Slot};
use crate::input::json::scan::{self, MemberWalk, ScanError};
use crate::input::probe::Probe;
use crate::input::record;
use crate::input::Options;
use crate::input::Output;
use crate::model::Format;
use crate::model::{Event, InputStats, Locator, ParseIssue, SourceId};
use crate::sanitize::{self, Sanitized};
use serde::de::IgnoredAny;

/// An export's format.
pub const FORMAT: Format = Format::named("json", false);

/// One or more JSON documents that are not a HAR: Elasticsearch or
/// OpenSearch responses, arrays of hits or documents, ES|QL results.
pub struct EsDoc;

const CLAIMS: &[Claim] = &[
    Claim {
        tier: Tier::LeadingMembers,
        test: export,
    },
    Claim {
        tier: Tier::Document,
        test: document,
    },
];

impl InputFormat for EsDoc {
    fn format(&self) -> Format {
        FORMAT
    }

    fn claims(&self) -> &'static [Claim] {
        CLAIMS
    }

    fn parse(&self, input: &Input<'_>) -> Result<Output> {
        parse(input.id, input.display, input.bytes, input.opts)
    }

    fn sanitize(&self, bytes: &[u8]) -> std::result::Result<Sanitized, String> {
        sanitize::json(bytes, true)
    }
}

/// A search response or export, told by its first members.
fn export(p: &Probe<'_>) -> Option<Format> {
    (p.first == b'{' && is_export(p.rest())).then_some(FORMAT)
}

/// Any JSON array, or a JSON object that is whole (or cut off: a cut-off
/// export still holds complete records).
fn document(p: &Probe<'_>) -> Option<Format> {
    let whole = match p.first {
        b'[' => true,
        b'{' => {
            scan::skip_value(p.bytes, p.start).is_ok()
                || serde_json::from_slice::<IgnoredAny>(p.bytes).map_or_else(|e| e.is_eof(), |_| true)
        }
        _ => false,
    };
    whole.then_some(FORMAT)
}

/// One record unit inside the document(s).
#[derive(Debug, Clone)]
enum Unit {
    /// A hit or document: the byte span of its object.
    Doc(usize, usize),
    /// An ES|QL row: the span of its value array, and the column names.
    Row(usize, usize, std::sync::Arc<Vec<String>>),
}

impl Unit {
    fn start(&self) -> usize {
        match self {
            Unit::Doc(s, _) | Unit::Row(s, _, _) => *s,
        }
    }
}

/// What wrapped the units, for the dialect name.
#[derive(Debug, Default)]
struct Shape {
    wrapper: Option<&'static str>,
    pages: u64,
}

fn member_span(b: &[u8], obj: usize, key: &[u8]) -> Option<(usize, usize)> {
    let mut w = MemberWalk::new(b, obj)?;
    while let Some((k, _)) = w.next_key() {
        let span = w.skip_value()?;
        if k == key {
            return Some(span);
        }
    }
    None
}

/// Collect the units of the value starting at `start`, in one pass over
/// it: a `hits` object is descended into rather than skipped and then
/// walked again. Returns the offset just past the value, or the scanner's
/// error when the value is cut off (the complete units before the cut are
/// kept).
fn collect(
    b: &[u8],
    start: usize,
    shape: &mut Shape,
    out: &mut Vec<Unit>,
) -> std::result::Result<usize, ScanError> {
    match b.get(start) {
        Some(b'[') => {
            let arr = scan::par_array_elements(b, start);
            for &(es, ee) in &arr.elements {
                // Scroll pages saved as an array of responses; the cheap
                // test first, since most elements are hits.
                let page = b[es] == b'{'
                    && mentions_hits(&b[es..ee])
                    && member_span(b, es, b"hits").is_some_and(|(hs, _)| b[hs] == b'{');
                if page {
                    collect(b, es, shape, out)?;
                } else {
                    out.push(Unit::Doc(es, ee));
                }
            }
            shape.wrapper.get_or_insert("array");
            match (arr.error, arr.end) {
                (Some(e), _) => Err(e),
                (None, Some(end)) => Ok(end),
                (None, None) => Err(ScanError::Eof),
            }
        }
        Some(b'{') => {
            let mut walk = MemberWalk::new(b, start).ok_or(ScanError::Unexpected(start, b'{'))?;
            let mut hits = false;
            let (mut response, mut responses, mut columns, mut values) = (None, None, None, None);
            while let Some((key, vstart)) = walk.next_key() {
                if key == b"hits" && b.get(vstart) == Some(&b'{') && !hits {
                    hits = true;
                    let end = search_hits(b, vstart, out)?;
                    walk.skip_to(end);
                    continue;
                }
                let Some(span) = walk.skip_value() else { break };
                match key {
                    b"response" if b[vstart] == b'{' => response = Some(span),
                    b"responses" if b[vstart] == b'[' => responses = Some(span),
                    b"columns" => columns = Some(span),
                    b"values" if b[vstart] == b'[' => values = Some(span),
                    _ => {}
                }
            }
            if let Some(e) = walk.error.clone() {
                return Err(e);
            }
            let end = walk.end.ok_or(ScanError::Eof)?;
            if hits {
                shape.wrapper.get_or_insert("search-response");
                shape.pages += 1;
            } else if let Some((rs, _)) = response {
                shape.wrapper.get_or_insert("async-search");
                collect(b, rs, shape, out)?;
            } else if let Some((rs, re)) = responses {
                shape.wrapper.get_or_insert("msearch");
                let arr = scan::array_elements(&b[..re], rs);
                for &(es, _) in &arr.elements {
                    collect(b, es, shape, out)?;
                }
                if let Some(e) = arr.error {
                    return Err(e);
                }
            } else if let (Some(cols), Some((vs, ve))) = (columns, values) {
                shape.wrapper.get_or_insert("es|ql");
                let names: Vec<String> =
                    serde_json::from_slice::<Vec<Map<String, Value>>>(&b[cols.0..cols.1])
                        .unwrap_or_default()
                        .iter()
                        .map(|c| c.get("name").and_then(Value::as_str).unwrap_or("").to_string())
                        .collect();
                let names = std::sync::Arc::new(names);
                let arr = scan::array_elements(&b[..ve], vs);
                out.extend(arr.elements.iter().map(|&(x, y)| Unit::Row(x, y, names.clone())));
                if let Some(e) = arr.error {
                    return Err(e);
                }
            } else {
                shape.wrapper.get_or_insert("documents");
                out.push(Unit::Doc(start, end));
            }
            Ok(end)
        }
        Some(&c) => Err(ScanError::Unexpected(start, c)),
        None => Err(ScanError::Eof),
    }
}

/// The `hits` object of a `_search` response starting at `start`: its
/// `hits` array's elements become units. Returns the object's end.
fn search_hits(b: &[u8], start: usize, out: &mut Vec<Unit>) -> std::result::Result<usize, ScanError> {
    let mut walk = MemberWalk::new(b, start).ok_or(ScanError::Unexpected(start, b'{'))?;
    while let Some((key, vstart)) = walk.next_key() {
        if key == b"hits" && b.get(vstart) == Some(&b'[') {
            let arr = scan::par_array_elements(b, vstart);
            out.extend(arr.elements.iter().map(|&(x, y)| Unit::Doc(x, y)));
            match (arr.error, arr.end) {
                (Some(e), _) => return Err(e),
                (None, Some(end)) => walk.skip_to(end),
                (None, None) => return Err(ScanError::Eof),
            }
        } else if walk.skip_value().is_none() {
            break;
        }
    }
    match (walk.error, walk.end) {
        (Some(e), _) => Err(e),
        (None, Some(end)) => Ok(end),
        (None, None) => Err(ScanError::Eof),
    }
}

/// Collect the units of every top-level value (concatenated responses).
fn units(b: &[u8]) -> (Vec<Unit>, Shape, Option<(usize, ScanError)>) {
    let mut out = Vec::new();
    let mut shape = Shape::default();
    let mut i = scan::skip_ws(b, 0);
    while i < b.len() {
        match collect(b, i, &mut shape, &mut out) {
            Ok(end) => i = scan::skip_ws(b, end),
            Err(e) => return (out, shape, Some((i, e))),
        }
        if b.get(i) == Some(&b',') {
            i = scan::skip_ws(b, i + 1);
        }
    }
    (out, shape, None)
}

fn row_object(names: &[String], raw: &[u8]) -> Option<Vec<u8>> {
    let vals: Vec<Value> = serde_json::from_slice(raw).ok()?;
    let obj: Map<String, Value> = names.iter().cloned().zip(vals).collect();
    serde_json::to_vec(&Value::Object(obj)).ok()
}

/// A hit's `(_index, _id)`, borrowed from the input when unescaped.
type HitKey<'b> = (Cow<'b, str>, Cow<'b, str>);

/// A hit's event, its key, and whether any known field was found; or why
/// it was skipped.
type Keyed<'b> = std::result::Result<(Event, Option<HitKey<'b>>, bool), String>;

/// One unit's outcome, with the hashes the passes after the parse need,
/// taken while the unit is still in the cache.
struct Outcome<'b> {
    keyed: Keyed<'b>,
    /// The hash of the hit's `(_index, _id)`, when it has both.
    hit: u64,
    /// The event's join keys, hashed.
    join: crate::normalize::join::EventKeys,
}

impl<'b> Outcome<'b> {
    fn of(keyed: Keyed<'b>) -> Outcome<'b> {
        use std::hash::BuildHasher;
        let (hit, join) = match &keyed {
            Ok((ev, key, _)) => (
                key.as_ref().map_or(0, |k| rustc_hash::FxBuildHasher.hash_one(k)),
                crate::normalize::join::EventKeys::of(ev),
            ),
            Err(_) => (0, Default::default()),
        };
        Outcome { keyed, hit, join }
    }
}

/// The event of one unit. A document's fields are found in `f`, which the
/// units a thread reads share; an ES|QL row, rebuilt as an object of its
/// own, gets fields of its own.
fn unit_event<'b>(
    id: SourceId,
    b: &'b [u8],
    idx: u64,
    unit: &Unit,
    opts: &Options,
    f: &mut Fields<'b>,
) -> Keyed<'b> {
    let offset = unit.start() as u64;
    let loc = Locator::Entry(idx);
    match unit {
        Unit::Doc(s, e) => bytes_event(id, &b[*s..*e], b, loc, offset, opts, f),
        Unit::Row(s, e, names) => {
            let owned =
                row_object(names, &b[*s..*e]).ok_or_else(|| "ES|QL row is not a JSON array".to_string())?;
            bytes_event(id, &owned, b, loc, offset, opts, &mut Fields::default())
        }
    }
}

/// The event of one document's `bytes` (which may lie in `b`).
fn bytes_event<'d, 'b>(
    id: SourceId,
    bytes: &'d [u8],
    b: &'b [u8],
    loc: Locator,
    offset: u64,
    opts: &Options,
    f: &mut Fields<'d>,
) -> Keyed<'b> {
    if let Some(reason) = crate::model::oversized(bytes.len()) {
        return Err(reason);
    }
    extract::extract_into(&opts.map, bytes, f).map_err(|e| match e {
        fields::FieldError::Json(e) => format!("invalid JSON: {e}"),
        fields::FieldError::NotObject => "not a JSON object".to_string(),
    })?;
    let f = &*f;
    let key = match (f.str(Slot::EsIndex), f.str(Slot::EsId)) {
        (Some(i), Some(d)) => Some((key_part(i, b), key_part(d, b))),
        _ => None,
    };
    let known = f.found() > 0;
    Ok((record::to_event(id, loc, offset, f, opts), key, known))
}

/// A key field's text, borrowed when it lies in `b` (unescaped, in a
/// document rather than a rebuilt ES|QL row), copied otherwise.
fn key_part<'b>(s: &str, b: &'b [u8]) -> Cow<'b, str> {
    crate::model::lying_in(s, b).map_or_else(|| Cow::Owned(s.to_string()), Cow::Borrowed)
}

fn describe(e: &ScanError) -> String {
    match e {
        ScanError::Eof => "the document ends mid-value".to_string(),
        ScanError::Unexpected(at, c) => format!("unexpected {:?} at byte {at}", char::from(*c)),
        ScanError::TooDeep(at) => format!("nesting deeper than {} at byte {at}", scan::MAX_DEPTH),
    }
}

/// Hits seen before (scroll pages overlap): each repeated `(_index, _id)`
/// mapped to the entry where it first appeared. Keys are hashed and sorted
/// in parallel and compared only within runs of equal hashes, instead of
/// growing one map of every key on one thread.
fn duplicates(results: &[Outcome]) -> rustc_hash::FxHashMap<usize, usize> {
    let key = |i: usize| match &results[i].keyed {
        Ok((_, Some(k), _)) => Some(k),
        _ => None,
    };
    // Most exports repeat no hit: the hashes alone (8 bytes a hit, not 16)
    // are sorted first, and entries are gathered only for repeated ones.
    let mut hashes: Vec<u64> = (0..results.len())
        .into_par_iter()
        .filter_map(|i| key(i).map(|_| results[i].hit))
        .collect();
    hashes.par_sort_unstable();
    let repeated: rustc_hash::FxHashSet<u64> = hashes
        .chunk_by(|a, b| a == b)
        .filter(|r| r.len() > 1)
        .map(|r| r[0])
        .collect();
    drop(hashes);
    if repeated.is_empty() {
        return rustc_hash::FxHashMap::default();
    }
    let mut hashed: Vec<(u64, usize)> = (0..results.len())
        .into_par_iter()
        .filter_map(|i| key(i).map(|_| (results[i].hit, i)))
        .filter(|(h, _)| repeated.contains(h))
        .collect();
    hashed.par_sort_unstable();
    let mut first_of = rustc_hash::FxHashMap::default();
    for run in hashed.chunk_by(|a, b| a.0 == b.0).filter(|r| r.len() > 1) {
        // Equal hashes may still be different keys: group by the key, in
        // entry order, and keep the first of each group.
        let mut by_key: Vec<(Option<&HitKey<'_>>, usize)> = run.iter().map(|&(_, i)| (key(i), i)).collect();
        by_key.sort_unstable();
        for group in by_key.chunk_by(|a, b| a.0 == b.0) {
            for &(_, j) in &group[1..] {
                first_of.insert(j, group[0].1);
            }
        }
    }
    first_of
}

/// Parse an Elasticsearch/OpenSearch export or any array of JSON documents.
pub fn parse(id: SourceId, display: &str, b: &[u8], opts: &Options) -> Result<Output> {
    let (units, shape, cut) = crate::util::stats::stage("scan records", || units(b));
    if units.is_empty() {
        if let Some((_, e)) = &cut {
            return Err(Error::UnsupportedFormat {
                path: display.into(),
                reason: format!("not valid JSON: {}", describe(e)),
            });
        }
    }
    let results: Vec<Outcome> = crate::util::stats::stage("parse records", || {
        units
            .par_iter()
            .enumerate()
            .map_init(Fields::default, |f, (i, u)| {
                Outcome::of(unit_event(id, b, i as u64, u, opts, f))
            })
            .collect()
    });
    // A lone JSON object that is no export and holds no field we know is
    // not something to analyze (a HAR nested in a test fixture, a config).
    let wrapper = shape.wrapper.unwrap_or("documents");
    if wrapper == "documents" && results.iter().all(|r| !matches!(r.keyed, Ok((_, _, true)))) {
        return Err(Error::UnsupportedFormat {
            path: display.into(),
            reason: "a JSON document with no log or HTTP fields logsleuth knows \
                     (not a HAR: no top-level \"log\" with entries; not an Elasticsearch export)"
                .into(),
        });
    }
    let mut stats = InputStats::default();
    let first_of = duplicates(&results);
    let mut keys = Vec::with_capacity(results.len());
    // Collected in place: the results' allocation becomes the events', so
    // the two are not held side by side.
    let events: Vec<Event> = results
        .into_iter()
        .enumerate()
        .filter_map(|(i, r)| {
            stats.records += 1;
            let duplicate = match (&r.keyed, first_of.get(&i)) {
                (Ok((_, Some(key), _)), Some(first)) => Some(format!(
                    "duplicate hit {}/{} (first seen as entry {first})",
                    key.0, key.1
                )),
                _ => None,
            };
            let reason = match (duplicate, r.keyed) {
                (Some(reason), _) | (None, Err(reason)) => reason,
                (None, Ok((ev, _, _))) => {
                    keys.extend_from_slice(r.join.hashes());
                    return Some(ev);
                }
            };
            stats.skipped += 1;
            stats.issues.push(ParseIssue {
                locator: Locator::Entry(i as u64),
                offset: units[i].start() as u64,
                reason,
            });
            None
        })
        .collect();
    if let Some((at, e)) = cut {
        // The unit that was cut off is a record that produced no event.
        stats.records += 1;
        stats.skipped += 1;
        stats.issues.push(ParseIssue {
            locator: Locator::Entry(units.len() as u64),
            offset: at as u64,
            reason: format!("record cut off: {}", describe(&e)),
        });
        stats.notes.push(format!(
            "the export is truncated or corrupt at byte {at} ({}): {} complete records recovered",
            describe(&e),
            units.len()
        ));
    }
    let dialect = match wrapper {
        "search-response" if shape.pages > 1 => format!("elasticsearch scroll pages ({})", shape.pages),
        "search-response" => "elasticsearch _search response".to_string(),
        "array" => "JSON array of documents".to_string(),
        other => format!("elasticsearch {other}"),
    };
    Ok(Output {
        events,
        stats,
        dialect,
        key_hashes: Some(keys),
    })
}

/// The `"hits"` key, searched for in every JSON line and every array
/// element: the searcher is built once.
static HITS: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"\"hits\""));

/// Whether `b` contains a `"hits"` key anywhere: the cheap test before
/// [`is_export`] or a member walk.
pub fn mentions_hits(b: &[u8]) -> bool {
    HITS.find(b).is_some()
}

/// Whether the JSON object at the start of `b` is an Elasticsearch export
/// wrapper rather than a log record: a `_search` response (`hits.hits`), an
/// async-search or `_msearch` wrapper, or an ES|QL result.
pub fn is_export(b: &[u8]) -> bool {
    let start = scan::skip_ws(b, 0);
    let Some(mut walk) = MemberWalk::new(b, start) else {
        return false;
    };
    let (mut columns, mut values) = (false, false);
    while let Some((key, vstart)) = walk.next_key() {
        let first = b.get(vstart).copied();
        match (key, first) {
            // Decided without reading the (large) hits array itself.
            (b"hits", Some(b'{')) => {
                return MemberWalk::new(b, vstart).is_some_and(|mut inner| {
                    while let Some((k, v)) = inner.next_key() {
                        if k == b"hits" {
                            return b.get(v) == Some(&b'[');
                        }
                        inner.skip_value();
                    }
                    false
                })
            }
            (b"responses", Some(b'[')) => return true,
            (b"response", Some(b'{')) => {
                return walk.skip_value().is_some_and(|(rs, re)| is_export(&b[rs..re]))
            }
            (b"columns", Some(b'[')) => columns = true,
            (b"values", Some(b'[')) => values = true,
            _ => {}
        }
        if columns && values {
            return true;
        }
        walk.skip_value();
    }
    false
}

/// A JSON-lines line that is a whole `_search` response (scroll pages saved
/// one per line): its hits become events. Returns the number of hits and,
/// for each hit that produced no event, its byte offset and the reason; or
/// `None` when the line is not a response.
pub fn response_line_events(
    id: SourceId,
    line: &[u8],
    loc: Locator,
    offset: u64,
    opts: &Options,
    out: &mut Vec<Event>,
) -> Option<(u64, Vec<(u64, String)>)> {
    let (hs, _) = member_span(line, 0, b"hits").filter(|(hs, _)| line[*hs] == b'{')?;
    let (as_, ae) = member_span(line, hs, b"hits")?;
    let arr = scan::array_elements(&line[..ae], as_);
    let mut failed = Vec::new();
    let mut f = Fields::default();
    for &(s, e) in &arr.elements {
        match extract::extract_into(&opts.map, &line[s..e], &mut f) {
            Ok(()) => out.push(record::to_event(id, loc, offset + s as u64, &f, opts)),
            Err(fields::FieldError::Json(err)) => {
                failed.push((offset + s as u64, format!("hit: invalid JSON: {err}")))
            }
            Err(fields::FieldError::NotObject) => {
                failed.push((offset + s as u64, "hit is not a JSON object".into()))
            }
        }
    }
    Some((arr.elements.len() as u64, failed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::OptionStr;

    fn run(doc: &str) -> Output {
        parse(SourceId(0), "t.json", doc.as_bytes(), &Options::default()).unwrap()
    }

    const HIT: &str = r#"{"_index":"logs-1","_id":"a","_source":{"@timestamp":"2024-05-01T10:00:00.250+02:00","http":{"response":{"status_code":503},"request":{"method":"GET"}},"url":{"path":"/v1/orders/42"},"event":{"duration":1500000},"trace":{"id":"4bf92f3577b34da6a3ce929d0e0e4736"}}}"#;

    #[test]
    fn the_key_hashes_are_those_of_the_events_kept() {
        // Hits with trace ids, request ids, both and neither; scroll pages
        // that repeat hits (dropped as duplicates), an ES|QL page and a bad
        // element: every kept event's keys, and no others.
        let hit = |i: u32| match i % 4 {
            0 => format!(
                r#"{{"_index":"l","_id":"{i}","_source":{{"trace":{{"id":"{i:032x}"}},"status":200}}}}"#
            ),
            1 => format!(
                r#"{{"_index":"l","_id":"{i}","_source":{{"request_id":"r{}","status":500}}}}"#,
                i % 3
            ),
            2 => format!(
                r#"{{"_index":"l","_id":"{i}","_source":{{"trace_id":"{i:032x}","request_id":"q{i}"}}}}"#
            ),
            _ => format!(r#"{{"_index":"l","_id":"{i}","_source":{{"message":"no keys"}}}}"#),
        };
        let page = |from: u32| {
            let hits: Vec<String> = (from..from + 20).map(hit).collect();
            format!(r#"{{"_scroll_id":"x","hits":{{"hits":[{},7]}}}}"#, hits.join(","))
        };
        let doc = format!("{}\n{}\n", page(0), page(10));
        let out = run(&doc);
        assert_eq!(out.events.len(), 30);
        let dups = out
            .stats
            .issues
            .iter()
            .filter(|i| i.reason.starts_with("duplicate hit"));
        assert_eq!(dups.count(), 10);
        let mut got = out.key_hashes.clone().unwrap();
        got.sort_unstable();
        let want = crate::normalize::join::sorted_key_hashes(&out.events);
        assert!(want.len() >= 25, "{}", want.len());
        assert_eq!(got, want);
    }

    #[test]
    fn export_wrappers_are_told_from_log_records() {
        assert!(is_export(
            br#"{"took":5,"hits":{"total":1,"hits":[{"_source":{"a":1}}]}}"#
        ));
        assert!(is_export(br#" {"responses":[{"hits":{"hits":[]}}]}"#));
        assert!(is_export(br#"{"response":{"hits":{"hits":[]}}}"#));
        assert!(is_export(br#"{"columns":[{"name":"a"}],"values":[[1]]}"#));
        assert!(!is_export(br#"{"message":"cache","hits":{"count":3}}"#));
        assert!(!is_export(br#"{"message":"ok","hits":12}"#));
        assert!(!is_export(br#"{"msg":"#));
    }

    #[test]
    fn search_response_hits_are_records() {
        let doc = format!(
            r#"{{"took":3,"timed_out":false,"hits":{{"total":{{"value":2}},"hits":[{HIT},{}]}}}}"#,
            HIT.replace("\"a\"", "\"b\"").replace("503", "200")
        );
        let out = run(&doc);
        assert_eq!(out.stats.records, 2);
        assert_eq!(out.dialect, "elasticsearch _search response");
        let e = &out.events[0];
        assert_eq!(e.status, Some(503));
        assert_eq!(e.duration_ms(), Some(1.5));
        assert_eq!(e.ts_ns(), Some(1_714_550_400_250_000_000));
        assert_eq!(e.route().as_str(), Some("/v1/orders/{id}"));
        assert_eq!(e.trace_id.as_deref(), Some("4bf92f3577b34da6a3ce929d0e0e4736"));
    }

    #[test]
    fn scroll_pages_dedupe_on_index_and_id() {
        let page = format!(r#"{{"_scroll_id":"x","hits":{{"hits":[{HIT}]}}}}"#);
        let out = run(&format!("{page}\n{page}\n"));
        assert_eq!(out.stats.records, 2);
        assert_eq!(out.events.len(), 1);
        assert_eq!(out.stats.skipped, 1);
        assert!(out.stats.issues[0].reason.starts_with("duplicate hit logs-1/a"));
        assert!(out.dialect.contains("scroll pages (2)"));
    }

    #[test]
    fn wrappers_async_and_msearch() {
        let inner = format!(r#"{{"hits":{{"hits":[{HIT}]}}}}"#);
        let out = run(&format!(r#"{{"id":"q1","is_running":false,"response":{inner}}}"#));
        assert_eq!(out.events.len(), 1);
        let out = run(&format!(
            r#"{{"responses":[{inner},{}]}}"#,
            inner.replace("\"a\"", "\"c\"")
        ));
        assert_eq!(out.events.len(), 2);
    }

    #[test]
    fn fields_form_and_bare_documents() {
        let out = run(
            r#"[{"@timestamp":["2024-05-01T10:00:00Z"],"http.response.status_code":[502],"url.path":["/x"]},
                           {"@timestamp":"2024-05-01T10:00:01Z","status":200}]"#,
        );
        assert_eq!(out.stats.records, 2);
        assert_eq!(out.events[0].status, Some(502));
        assert_eq!(out.events[0].ts_ns(), Some(1_714_557_600_000_000_000));
        assert_eq!(out.events[1].status, Some(200));
    }

    #[test]
    fn esql_rows() {
        let out = run(
            r#"{"columns":[{"name":"@timestamp","type":"date"},{"name":"http.response.status_code","type":"long"},{"name":"event.duration","type":"long"},{"name":"trace.id","type":"keyword"}],
                          "values":[["2024-05-01T10:00:00.000Z",504,30000000000,"0af7651916cd43dd8448eb211c80319c"],["2024-05-01T10:00:01.000Z",200,1000000,null]]}"#,
        );
        assert_eq!(out.stats.records, 2);
        let e = &out.events[0];
        assert_eq!(e.status, Some(504));
        assert_eq!(e.duration_ms(), Some(30_000.0));
        assert_eq!(e.trace_id.as_deref(), Some("0af7651916cd43dd8448eb211c80319c"));
        assert_eq!(out.dialect, "elasticsearch es|ql");
    }

    #[test]
    fn truncated_array_keeps_complete_documents() {
        let out = run(&format!("[{HIT},{HIT}, {{\"status\":"));
        assert_eq!(out.events.len(), 1, "the second hit is a duplicate");
        assert_eq!(out.stats.records, 3);
        assert_eq!(out.stats.skipped, 2);
        assert_eq!(out.stats.notes.len(), 1);
    }
}
