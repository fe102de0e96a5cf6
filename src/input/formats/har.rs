//! HAR 1.1 / 1.2 from any browser or proxy (`docs/formats.md` §1).
//!
//! A HAR is one JSON document, so we never parse it whole: the structural
//! scanner finds `log.entries` and splits it into entry spans, and rayon
//! parses the entries in parallel into borrowed structs. A file cut off
//! mid-entry keeps its complete entries and reports the cut.

use std::borrow::Cow;
use std::fmt;

use rayon::prelude::*;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::input::formats::{Claim, Input, InputFormat, Tier};
use crate::input::json::scan::{self, MemberWalk, ScanError};
use crate::input::probe::Probe;
use crate::input::Output;
use crate::model::Format;
use crate::model::{AuthInfo, ErrorClass, Event, InputStats, Locator, ParseIssue, SourceId};
use crate::normalize::{auth, error_class, route, time, trace};
use crate::sanitize::{self, Sanitized};

/// A HAR's format.
pub const FORMAT: Format = Format::named("har", true);

/// HTTP Archive 1.x: one JSON document with `log.entries`, the client's
/// own view of its requests.
pub struct Har;

const CLAIMS: &[Claim] = &[
    Claim {
        tier: Tier::LeadingMembers,
        test: minified,
    },
    Claim {
        tier: Tier::Member,
        test: pretty,
    },
];

impl InputFormat for Har {
    fn format(&self) -> Format {
        FORMAT
    }

    fn claims(&self) -> &'static [Claim] {
        CLAIMS
    }

    fn parse(&self, input: &Input<'_>) -> Result<Output> {
        parse_releasing(input.id, input.display, input.bytes, input.release)
    }

    fn sanitize(&self, bytes: &[u8]) -> std::result::Result<Sanitized, String> {
        sanitize::har(bytes)
    }
}

/// A HAR, minified or not, told by its first members before any line is
/// looked for: it can be one line of gigabytes.
fn minified(p: &Probe<'_>) -> Option<Format> {
    (p.first == b'{' && has_log_entries(p.rest())).then_some(FORMAT)
}

/// A multi-line document with a `log` object (a first line that is a JSON
/// object on its own is JSON lines, which claim it first).
fn pretty(p: &Probe<'_>) -> Option<Format> {
    (p.first == b'{' && has_log_member(p.rest())).then_some(FORMAT)
}

/// Whether the object at the start of `obj` has a `log` member whose value is
/// an object (a docker `{"log": "text"}` line is not a HAR).
fn has_log_member(obj: &[u8]) -> bool {
    let Some(mut walk) = MemberWalk::new(obj, 0) else {
        return false;
    };
    while let Some((key, vstart)) = walk.next_key() {
        if key == b"log" && obj.get(vstart) == Some(&b'{') {
            return true;
        }
        if walk.skip_value().is_none() {
            return false;
        }
    }
    false
}

/// Whether a complete one-line object is a minified HAR: `log` is an object
/// with an `entries` member. (ECS logs have a `log` object too, with `level`.)
fn has_log_entries(obj: &[u8]) -> bool {
    let Some(mut walk) = MemberWalk::new(obj, 0) else {
        return false;
    };
    while let Some((key, vstart)) = walk.next_key() {
        if key == b"log" {
            let Some(mut log) = MemberWalk::new(obj, vstart) else {
                return false;
            };
            while let Some((k, _)) = log.next_key() {
                if k == b"entries" {
                    return true;
                }
                if log.skip_value().is_none() {
                    return false;
                }
            }
            return false;
        }
        // An Elasticsearch export's hits can be the whole file: not skipped
        // over here, since the export check reads them anyway.
        if matches!(key, b"hits" | b"response" | b"responses") {
            return false;
        }
        if walk.skip_value().is_none() {
            return false;
        }
    }
    false
}

/// A number that may arrive as a number, a numeric string or null.
#[derive(Debug, Clone, Copy, Default)]
struct Num(Option<f64>);

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Num;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<Num, E> {
                Ok(Num(Some(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Num, E> {
                Ok(Num(Some(v as f64)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Num, E> {
                Ok(Num(Some(v as f64)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Num, E> {
                Ok(Num(v.trim().parse().ok()))
            }
            fn visit_unit<E: de::Error>(self) -> std::result::Result<Num, E> {
                Ok(Num(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> std::result::Result<Num, E> {
                Ok(Num(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// A header as `{name, value}` or, in some exporters, `[name, value]`.
/// Read by a hand-written visitor: an untagged enum would buffer every
/// header into an owned intermediate tree first.
#[derive(Debug)]
struct Header<'a> {
    name: Cow<'a, str>,
    value: Option<Cow<'a, str>>,
}

impl Header<'_> {
    fn parts(&self) -> (&str, &str) {
        (&self.name, self.value.as_deref().unwrap_or(""))
    }
}

/// A string or null, borrowed from the input when it has no escapes
/// (serde's own `Option<Cow<str>>` always copies).
fn opt_cow<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<Cow<'de, str>>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<Cow<'de, str>>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or null")
        }
        fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> std::result::Result<Self::Value, E> {
            Ok(Some(Cow::Borrowed(v)))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v.to_string())))
        }
        fn visit_string<E: de::Error>(self, v: String) -> std::result::Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v)))
        }
        fn visit_unit<E: de::Error>(self) -> std::result::Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> std::result::Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(V)
}

/// [`opt_cow`] as a type, for keys and sequence elements.
struct MaybeStr<'a>(Option<Cow<'a, str>>);

impl<'de> Deserialize<'de> for MaybeStr<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        opt_cow(d).map(MaybeStr)
    }
}

impl<'de> Deserialize<'de> for Header<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Header<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a header as {name, value} or [name, value]")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> std::result::Result<Header<'de>, A::Error> {
                let mut name = None;
                let mut value = None;
                while let Some(k) = m.next_key::<MaybeStr<'de>>()? {
                    match k.0.as_deref() {
                        Some("name") => name = m.next_value::<MaybeStr<'de>>()?.0,
                        Some("value") => value = m.next_value::<MaybeStr<'de>>()?.0,
                        _ => {
                            m.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                let name = name.ok_or_else(|| de::Error::missing_field("name"))?;
                Ok(Header { name, value })
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> std::result::Result<Header<'de>, A::Error> {
                let name = s
                    .next_element::<MaybeStr<'de>>()?
                    .and_then(|n| n.0)
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let value = s.next_element::<MaybeStr<'de>>()?.and_then(|v| v.0);
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Header { name, value })
            }
        }
        d.deserialize_any(V)
    }
}

fn headers_or_default<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Vec<Header<'de>>, D::Error> {
    Ok(Option::<Vec<Header<'de>>>::deserialize(d)?.unwrap_or_default())
}

#[derive(Debug, Deserialize)]
struct Request<'a> {
    #[serde(default, rename = "bodySize")]
    body_size: Num,
    #[serde(borrow, default, deserialize_with = "opt_cow")]
    method: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "opt_cow")]
    url: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "headers_or_default")]
    headers: Vec<Header<'a>>,
}

#[derive(Debug, Deserialize, Default)]
struct Content<'a> {
    #[serde(default)]
    size: Num,
    #[serde(borrow, default, deserialize_with = "opt_cow")]
    text: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "mimeType", deserialize_with = "opt_cow")]
    mime_type: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "opt_cow")]
    encoding: Option<Cow<'a, str>>,
}

#[derive(Debug, Deserialize)]
struct Response<'a> {
    #[serde(default)]
    status: Num,
    #[serde(default, rename = "bodySize")]
    body_size: Num,
    #[serde(borrow, default, deserialize_with = "headers_or_default")]
    headers: Vec<Header<'a>>,
    #[serde(borrow, default, rename = "_error", deserialize_with = "opt_cow")]
    error: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "_failureText", deserialize_with = "opt_cow")]
    failure_text: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "_charlesStatus", deserialize_with = "opt_cow")]
    charles_status: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    content: Option<Content<'a>>,
}

#[derive(Debug, Deserialize)]
struct Entry<'a> {
    #[serde(borrow, default, rename = "startedDateTime", deserialize_with = "opt_cow")]
    started: Option<Cow<'a, str>>,
    #[serde(default)]
    time: Num,
    #[serde(borrow)]
    request: Request<'a>,
    #[serde(borrow, default)]
    response: Option<Response<'a>>,
    #[serde(default, rename = "_wasAborted")]
    was_aborted: Option<bool>,
}

#[derive(Debug, Deserialize, Default)]
struct Creator<'a> {
    #[serde(borrow, default, deserialize_with = "opt_cow")]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "opt_cow")]
    version: Option<Cow<'a, str>>,
}

fn reject(display: &str, reason: impl Into<String>) -> Error {
    Error::UnsupportedFormat {
        path: display.into(),
        reason: reason.into(),
    }
}

fn describe(e: &ScanError, b: &[u8]) -> String {
    match e {
        ScanError::Eof => format!("the file ends mid-value at byte {}", b.len()),
        ScanError::Unexpected(at, c) => format!("unexpected {:?} at byte {at}", char::from(*c)),
        ScanError::TooDeep(at) => format!("nesting deeper than {} at byte {at}", scan::MAX_DEPTH),
    }
}

/// Entries are parsed in batches of about this many bytes; each batch's
/// input is released (see [`parse_releasing`]) before the next is read.
const BATCH: usize = 16 << 20;

/// Parse a HAR document.
/// The dialect is the creator and version, e.g. `WebInspector 537.36, HAR 1.2`.
pub fn parse(id: SourceId, display: &str, b: &[u8]) -> Result<Output> {
    parse_releasing(id, display, b, &|_| {})
}

/// [`parse`], calling `release` with each byte range of `b` that will not be
/// read again, so that a memory-mapped input can hand its pages back as the
/// entries are parsed: the resident set then stays near one batch of input,
/// not the whole file.
pub fn parse_releasing(
    id: SourceId,
    display: &str,
    b: &[u8],
    release: &(dyn Fn(std::ops::Range<usize>) + Sync),
) -> Result<Output> {
    let top = MemberWalk::new(b, 0).ok_or_else(|| reject(display, "not a HAR: no top-level object"))?;
    let mut top = top;
    let mut log_start = None;
    while let Some((key, vstart)) = top.next_key() {
        if key == b"log" {
            log_start = Some(vstart);
            break;
        }
        top.skip_value();
    }
    let log_start = log_start.ok_or_else(|| reject(display, "JSON but not a HAR: no \"log\" object"))?;
    let mut log = MemberWalk::new(b, log_start)
        .ok_or_else(|| reject(display, "not a HAR: \"log\" is not an object"))?;

    let mut version: Option<String> = None;
    let mut creator = Creator::default();
    let mut entries: Option<Entries> = None;
    while let Some((key, vstart)) = log.next_key() {
        match key {
            b"entries" => {
                let parsed = parse_entries(id, display, b, vstart, release);
                match (parsed.end, &parsed.error) {
                    (Some(end), None) => log.skip_to(end),
                    (_, Some(e)) => log.fail(e.clone()),
                    (None, None) => log.fail(ScanError::Eof),
                }
                entries = Some(parsed);
            }
            b"version" => {
                if let Some((s, e)) = log.skip_value() {
                    version = serde_json::from_slice::<String>(&b[s..e]).ok();
                }
            }
            b"creator" => {
                if let Some((s, e)) = log.skip_value() {
                    creator = serde_json::from_slice(&b[s..e]).unwrap_or_default();
                }
            }
            _ => {
                log.skip_value();
            }
        }
    }
    let Some(scan) = entries else {
        let why = match &log.error {
            Some(e) => format!("not a valid HAR: {} before \"log.entries\"", describe(e, b)),
            None => "JSON but not a HAR: \"log\" has no \"entries\" array".to_string(),
        };
        return Err(reject(display, why));
    };
    if let Some(v) = &version {
        if !v.starts_with("1.") && v != "1" && !v.is_empty() {
            return Err(reject(
                display,
                format!("HAR version {v} is not supported (1.x only)"),
            ));
        }
    }
    let Entries {
        events,
        mut stats,
        last_end,
        ..
    } = scan;
    if let Some(err) = &log.error.clone().or(scan.error.clone()) {
        let n = stats.records;
        let offset = last_end as u64;
        // The unit that was cut off is a record that produced no event.
        stats.records += 1;
        stats.skipped += 1;
        stats.issues.push(ParseIssue {
            locator: Locator::Entry(n),
            offset,
            reason: format!("entry cut off: {}", describe(err, b)),
        });
        stats.notes.push(format!(
            "the HAR is truncated or corrupt after entry {}: {} complete entries recovered",
            n.saturating_sub(1),
            n
        ));
    }
    let name = creator.name.as_deref().unwrap_or("unknown creator");
    let mut dialect = name.to_string();
    if let Some(v) = creator.version.as_deref().filter(|v| !v.is_empty()) {
        dialect.push(' ');
        dialect.push_str(v);
    }
    dialect.push_str(&format!(", HAR {}", version.as_deref().unwrap_or("?")));
    Ok(Output {
        events,
        stats,
        dialect,
        key_hashes: None,
    })
}

/// The entries array, parsed: events, accounting, and how the scan ended.
struct Entries {
    events: Vec<Event>,
    stats: InputStats,
    /// Offset just past the closing `]`, when the array is complete.
    end: Option<usize>,
    /// Why the scan stopped early, if it did.
    error: Option<ScanError>,
    /// End of the last complete entry.
    last_end: usize,
}

/// Scan the entries array at `start` in batches of about [`BATCH`] bytes,
/// parse each batch's entries in parallel, and release the batch's input.
/// Batches are cut by bytes, so the result is the same for any thread count.
fn parse_entries(
    id: SourceId,
    display: &str,
    b: &[u8],
    start: usize,
    release: &(dyn Fn(std::ops::Range<usize>) + Sync),
) -> Entries {
    let mut cursor = scan::ArrayCursor::new(b, start);
    let mut events = Vec::new();
    let mut stats = InputStats::default();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut last_end = 0;
    loop {
        spans.clear();
        let mut bytes = 0;
        for (s, e) in cursor.by_ref() {
            spans.push((s, e));
            bytes += e - s;
            if bytes >= BATCH {
                break;
            }
        }
        let (Some(&(first, _)), Some(&(_, end))) = (spans.first(), spans.last()) else {
            break;
        };
        let base = stats.records;
        let results: Vec<std::result::Result<(Event, bool), String>> = spans
            .par_iter()
            .enumerate()
            .map(|(k, &(s, e))| {
                // A HAR is one client's view: the browser that recorded it.
                parse_entry(id, base + k as u64, s as u64, &b[s..e], display)
            })
            .collect();
        for (k, r) in results.into_iter().enumerate() {
            stats.records += 1;
            match r {
                Ok((ev, credentialed)) => {
                    stats.credentialed += u64::from(credentialed);
                    events.push(ev);
                }
                Err(reason) => {
                    stats.skipped += 1;
                    stats.issues.push(ParseIssue {
                        locator: Locator::Entry(base + k as u64),
                        offset: spans[k].0 as u64,
                        reason,
                    });
                }
            }
        }
        last_end = end;
        release(first..end);
    }
    Entries {
        events,
        stats,
        end: cursor.end,
        error: cursor.error,
        last_end,
    }
}

/// `Retry-After`: delta seconds or an HTTP-date relative to the request time.
fn retry_after(v: &str, ts_ns: Option<i64>) -> Option<f64> {
    let v = v.trim();
    if let Ok(s) = v.parse::<f64>() {
        return (s.is_finite() && s >= 0.0).then_some(s);
    }
    let date = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let at = date.timestamp_nanos_opt()?;
    Some((at.checked_sub(ts_ns?)? as f64 / 1e9).max(0.0))
}

/// The event of one entry, with `client` (the HAR's name) as its client.
fn parse_entry(
    id: SourceId,
    idx: u64,
    offset: u64,
    raw: &[u8],
    client: &str,
) -> std::result::Result<(Event, bool), String> {
    if let Some(reason) = crate::model::oversized(raw.len()) {
        return Err(reason);
    }
    let entry: Entry<'_> = serde_json::from_slice(raw).map_err(|e| format!("invalid HAR entry: {e}"))?;
    let mut ev = Event::at(id, Locator::Entry(idx), offset);
    if let Some(p) = entry.started.as_deref().and_then(time::parse_rfc3339) {
        ev.set_ts_ns(Some(p.ns));
        ev.set_ts_tz_assumed(p.tz_assumed);
    }
    ev.set_duration_ms(entry.time.0.filter(|t| *t >= 0.0 && t.is_finite()));
    let mut h = Headers::default();
    let o = request(&entry, client, &mut ev, &mut h);
    ev.set_origin(&o);
    ev.trace_id = h.ctx.trace_id.take().map(Into::into);
    h.ids.span_id = h.ctx.span_id.take().map(Into::into);
    h.ids.parent_span_id = h.ctx.parent_span_id.take().map(Into::into);
    sizes(&entry, &mut ev);
    let (responded, mut error_text) = match &entry.response {
        Some(resp) => response(resp, &mut ev, &mut h),
        None => (false, None),
    };
    let business = body(&entry, &mut ev, &mut error_text);
    let Headers {
        ids,
        auth,
        has_auth,
        credentialed,
        ..
    } = h;
    if error_text.is_none() {
        if let Some(b) = &business {
            error_text = Some(b.clone());
        }
    }
    if entry.was_aborted == Some(true) && error_text.is_none() {
        error_text = Some("aborted by the client".into());
    }
    if has_auth {
        ev.extra_mut().auth = Some(auth);
    }
    ev.error_class = if business.is_some() && error_text == business {
        Some(ErrorClass::Business)
    } else {
        error_class::classify(ev.status, error_text.as_deref(), responded)
    };
    ev.error_text = error_text.map(|t| crate::redact::text(&t).into_owned().into());
    ev.set_ids(ids);
    auth::refine(&mut ev);
    Ok((ev, credentialed))
}

/// What an entry's headers say, request and response together.
#[derive(Default)]
struct Headers {
    ctx: trace::TraceCtx,
    ids: crate::model::Ids,
    auth: AuthInfo,
    has_auth: bool,
    /// Whether the entry carries credentials at all: a HAR exported
    /// "sanitized" has none anywhere.
    credentialed: bool,
}

/// The request's context (method, host, route), its client, user agent,
/// release, URL and content type on the event, and what its headers say.
fn request(entry: &Entry<'_>, client: &str, ev: &mut Event, hd: &mut Headers) -> crate::model::Origin {
    let mut o = crate::model::Origin {
        method: entry
            .request
            .method
            .as_deref()
            .map(|m| m.to_ascii_uppercase().into()),
        ..Default::default()
    };
    ev.client = Some(client.into());
    if let Some(url) = entry.request.url.as_deref().map(crate::model::clip) {
        let (host, path) = route::split_url(&url);
        o.host = host.map(Into::into);
        o.route = Some(route::template(path).into());
        ev.url = Some(crate::redact::url(&url).into_owned().into());
    }
    let mut names: Vec<String> = Vec::with_capacity(entry.request.headers.len());
    for h in &entry.request.headers {
        let (name, value) = h.parts();
        let lname = name.to_ascii_lowercase();
        hd.credentialed |= matches!(lname.as_str(), "authorization" | "cookie" | "proxy-authorization");
        trace::absorb_header(&mut hd.ctx, &lname, value);
        if trace::is_request_id_header(&lname) && hd.ids.request_id.is_none() && !value.is_empty() {
            hd.ids.request_id = Some(value.into());
        } else if lname == "authorization" {
            auth::from_header(value, &mut hd.auth);
            hd.has_auth = true;
        } else if lname == "user-agent" && !value.is_empty() {
            crate::normalize::agent::set(ev, value.into());
        } else if lname == "content-type" {
            if let Some(t) = crate::normalize::media_type(value) {
                ev.extra_mut().req_content_type = Some(t);
            }
        }
        // HTTP/2 pseudo-headers (`:path`) say which protocol, not what was sent.
        if !lname.starts_with(':') && !lname.is_empty() {
            names.push(lname);
        }
    }
    names.sort_unstable();
    names.dedup();
    ev.extra_mut().req_headers = Some(crate::model::clip(&names.join(",")).as_ref().into());
    o
}

/// The request and response body sizes.
fn sizes(entry: &Entry<'_>, ev: &mut Event) {
    let size = |n: Num| n.0.filter(|v| *v >= 0.0 && v.is_finite()).map(|v| v as u64);
    if let Some(b) = size(entry.request.body_size) {
        ev.extra_mut().req_bytes = Some(b);
    }
    if let Some(b) = entry.response.as_ref().and_then(|resp| {
        resp.content
            .as_ref()
            .and_then(|c| size(c.size))
            .or_else(|| size(resp.body_size))
    }) {
        ev.extra_mut().resp_bytes = Some(b);
    }
}

/// The response's status and headers on the event, and the failure text
/// the capturing tool wrote (`_error`, Charles, Fiddler). Returns whether
/// a response came back, and that text.
fn response(resp: &Response<'_>, ev: &mut Event, hd: &mut Headers) -> (bool, Option<String>) {
    let status = resp
        .status
        .0
        .filter(|s| *s >= 1.0 && *s < 1000.0)
        .map(|s| s as u16);
    ev.status = status;
    for h in &resp.headers {
        let (name, value) = h.parts();
        let lname = name.to_ascii_lowercase();
        hd.credentialed |= lname == "set-cookie";
        match lname.as_str() {
            "www-authenticate" => {
                if let Some(e) = auth::challenge_error(value) {
                    hd.auth.challenge_error = Some(e.into());
                    hd.has_auth = true;
                }
            }
            "retry-after" => ev.extra_mut().retry_after_s = retry_after(value, ev.ts_ns()),
            // A gateway's request id, echoed back: joins this entry to its log line.
            n if trace::is_request_id_header(n) && hd.ids.request_id.is_none() && !value.is_empty() => {
                hd.ids.request_id = Some(value.into());
            }
            "x-ratelimit-remaining" | "ratelimit-remaining" | "x-rate-limit-remaining" => {
                ev.extra_mut()
                    .ratelimit
                    .get_or_insert_with(Default::default)
                    .remaining = value.trim().parse().ok();
            }
            "x-ratelimit-limit" | "ratelimit-limit" | "x-rate-limit-limit" => {
                ev.extra_mut()
                    .ratelimit
                    .get_or_insert_with(Default::default)
                    .limit = value.split([',', ';']).next().and_then(|v| v.trim().parse().ok());
            }
            // IETF draft 7+: `RateLimit: "default";r=0;t=30`
            "ratelimit" => {
                if let Some(r) = value.split(';').find_map(|p| p.trim().strip_prefix("r=")) {
                    ev.extra_mut()
                        .ratelimit
                        .get_or_insert_with(Default::default)
                        .remaining = r.trim().parse().ok();
                }
            }
            "x-request-id" if hd.ids.request_id.is_none() && !value.is_empty() => {
                hd.ids.request_id = Some(value.into());
            }
            _ => {}
        }
    }
    let mut error_text = resp
        .error
        .as_deref()
        .or(resp.failure_text.as_deref())
        .filter(|t| !t.is_empty())
        .map(|t| crate::model::clip(t).into_owned());
    if error_text.is_none() {
        if let Some(cs) = resp.charles_status.as_deref().filter(|s| *s != "COMPLETE") {
            error_text = Some(format!("Charles: {cs}"));
        }
    }
    if error_text.is_none() {
        // Fiddler answers failed connections itself with a [Fiddler] body.
        if let Some(text) = resp.content.as_ref().and_then(|c| c.text.as_deref()) {
            if let Some(rest) = text.trim_start().strip_prefix("[Fiddler]") {
                let head: String = rest.chars().take(200).collect();
                error_text = Some(format!("[Fiddler]{head}"));
            }
        }
    }
    (ev.status.is_some(), error_text)
}

/// JSON bodies: their shape on the event, the error a non-2xx body names
/// (into `error_text` when the tool wrote none), and the business error a
/// 2xx body hides, which is returned.
fn body(entry: &Entry<'_>, ev: &mut Event, error_text: &mut Option<String>) -> Option<String> {
    let mut business = None;
    if let Some(c) = entry.response.as_ref().and_then(|r| r.content.as_ref()) {
        let plain = c.encoding.as_deref().is_none_or(|e| e.is_empty() || e == "utf-8");
        // Chrome and Firefox write some bodies base64-encoded; a JSON one
        // is read like any other.
        let decoded = match (plain, c.encoding.as_deref(), c.text.as_deref()) {
            (false, Some("base64"), Some(t)) if t.len() <= crate::normalize::body::MAX_BODY * 4 / 3 + 4 => {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD
                    .decode(t.trim())
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
            }
            _ => None,
        };
        let text = if plain {
            c.text.as_deref()
        } else {
            decoded.as_deref()
        };
        let json_like = c.mime_type.as_deref().is_some_and(|m| m.contains("json"))
            || text.is_some_and(|t| t.trim_start().starts_with('{'));
        let top = text
            .filter(|_| json_like)
            .and_then(|t| crate::normalize::body::read(ev, t));
        if let Some(top) = top {
            if ev.status.is_some_and(|s| (200..300).contains(&s)) {
                business = crate::normalize::outcome::outcome_of_2xx(ev, &top);
            } else if error_text.is_none() {
                // OAuth token endpoints (RFC 6749 §5.2) and many APIs
                // name the error in the body: `{"error": "invalid_grant"}`.
                *error_text = crate::normalize::body::error_field(&top);
            }
        }
    }
    business
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::OptionStr;

    const HAR: &str = r#"{"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},
      "entries":[
        {"startedDateTime":"2024-05-01T10:00:00.000Z","time":12.5,
         "request":{"method":"get","url":"https://api.example.com/v1/users/42?access_token=abc","headers":[
            {"name":"traceparent","value":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}]},
         "response":{"status":401,"headers":[{"name":"WWW-Authenticate","value":"Bearer realm=\"api\", error=\"invalid_token\", error_description=\"expired\""}]}},
        {"startedDateTime":"2024-05-01T10:00:01.000Z","time":-1,
         "request":{"method":"GET","url":"https://api.example.com/x","headers":[]},
         "response":{"status":0,"headers":[],"_error":"net::ERR_INTERNET_DISCONNECTED"}},
        {"request": 5}
      ]}}"#;

    #[test]
    fn released_batches_cover_the_entries_and_change_nothing() {
        // Enough entries for several batches.
        let entry = r#"{"startedDateTime":"2024-05-01T10:00:00Z","time":5,"request":{"method":"GET","url":"https://a.example/x","headers":[]},"response":{"status":503,"headers":[],"content":{"size":0,"text":"PADDING"}}}"#
            .replace("PADDING", &"x".repeat(1 << 20));
        let n = 2 * BATCH / entry.len() + 3;
        let doc = format!(
            r#"{{"log":{{"version":"1.2","entries":[{}]}}}}"#,
            vec![entry; n].join(",")
        );
        let released = std::sync::Mutex::new(Vec::new());
        let out = parse_releasing(SourceId(0), "t.har", doc.as_bytes(), &|r| {
            released.lock().unwrap().push(r)
        })
        .unwrap();
        let plain = parse(SourceId(0), "t.har", doc.as_bytes()).unwrap();
        assert_eq!(out.events.len(), n);
        assert_eq!(out.stats.records, plain.stats.records);
        assert_eq!(
            out.events
                .iter()
                .map(|e| (e.offset, e.status))
                .collect::<Vec<_>>(),
            plain
                .events
                .iter()
                .map(|e| (e.offset, e.status))
                .collect::<Vec<_>>()
        );
        let ranges = released.into_inner().unwrap();
        assert!(ranges.len() >= 3, "{} batches", ranges.len());
        assert!(
            ranges.windows(2).all(|w| w[0].end <= w[1].start),
            "in order, disjoint"
        );
    }

    #[test]
    fn parses_entries_and_counts_bad_ones() {
        let out = parse(SourceId(0), "t.har", HAR.as_bytes()).unwrap();
        assert_eq!(out.stats.records, 3);
        assert_eq!(out.stats.skipped, 1);
        assert_eq!(out.stats.issues[0].locator, Locator::Entry(2));
        assert_eq!(out.dialect, "WebInspector 537.36, HAR 1.2");
        let e = &out.events[0];
        assert_eq!(e.status, Some(401));
        assert_eq!(e.error_class, Some(ErrorClass::AuthExpired));
        assert_eq!(e.route().as_str(), Some("/v1/users/{id}"));
        assert_eq!(e.trace_id.as_deref(), Some("4bf92f3577b34da6a3ce929d0e0e4736"));
        assert!(
            !e.url.as_deref().unwrap().contains("abc"),
            "query secrets are redacted"
        );
        let e = &out.events[1];
        assert_eq!(e.status, None);
        assert_eq!(e.duration_ms(), None);
        assert_eq!(e.error_class, Some(ErrorClass::Offline));
    }

    #[test]
    fn truncated_har_recovers_complete_entries() {
        let cut = &HAR[..HAR.find("{\"startedDateTime\":\"2024-05-01T10:00:01").unwrap() + 30];
        let out = parse(SourceId(0), "t.har", cut.as_bytes()).unwrap();
        assert_eq!(out.events.len(), 1);
        assert_eq!(out.stats.records, 2);
        assert_eq!(out.stats.skipped, 1);
        assert_eq!(out.stats.notes.len(), 1);
    }

    #[test]
    fn a_bearer_jwt_past_its_exp_is_token_expiry_without_a_challenge() {
        use base64::Engine as _;
        let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"exp":1714557000}"#);
        let har = format!(
            r#"{{"log":{{"version":"1.2","entries":[
              {{"startedDateTime":"2024-05-01T10:00:00Z","time":5,
                "request":{{"method":"GET","url":"https://a.example/x","headers":[{{"name":"Authorization","value":"Bearer eyJhbGciOiJIUzI1NiJ9.{claims}.c2ln"}}]}},
                "response":{{"status":401,"headers":[]}}}},
              {{"startedDateTime":"2024-05-01T09:00:00Z","time":5,
                "request":{{"method":"GET","url":"https://a.example/x","headers":[{{"name":"Authorization","value":"Bearer eyJhbGciOiJIUzI1NiJ9.{claims}.c2ln"}}]}},
                "response":{{"status":401,"headers":[]}}}}]}}}}"#
        );
        let out = parse(SourceId(0), "t.har", har.as_bytes()).unwrap();
        assert_eq!(out.events[0].error_class, Some(ErrorClass::AuthExpired));
        // Before `exp`, a 401 is a refused credential, not an expired one.
        assert_eq!(out.events[1].error_class, Some(ErrorClass::AuthInvalid));
        let auth = out.events[0].auth().unwrap();
        assert_eq!(auth.jwt_exp, Some(1_714_557_000));
        assert!(auth.credential_fp.as_deref().unwrap().starts_with("tok:"));
    }

    #[test]
    fn playwright_fiddler_charles_and_missing_responses() {
        let har = r#"{"log":{"version":"1.2","creator":{"name":"Playwright","version":"1.40"},"entries":[
          {"startedDateTime":"2024-05-01T10:00:00Z","time":-1,"request":{"method":"GET","url":"https://a.example/x","headers":[]},
           "response":{"status":-1,"headers":[],"_failureText":"net::ERR_CONNECTION_REFUSED"}},
          {"startedDateTime":"2024-05-01T10:00:01Z","time":20,"request":{"method":"GET","url":"https://b.example/y","headers":[]},
           "response":{"status":502,"headers":[],"content":{"text":"[Fiddler] DNS Lookup for \"b.example\" failed. System.Net.Sockets.SocketException No such host is known"}}},
          {"startedDateTime":"2024-05-01T10:00:02Z","time":20,"request":{"method":"GET","url":"https://c.example/z","headers":[]},
           "response":{"status":200,"headers":[],"_charlesStatus":"FAILED"}},
          {"startedDateTime":"2024-05-01T10:00:03Z","time":5,"request":{"method":"GET","url":"https://d.example/w","headers":[]}}
        ]}}"#;
        let out = parse(SourceId(0), "t.har", har.as_bytes()).unwrap();
        assert_eq!(out.stats.skipped, 0);
        let e = &out.events;
        assert_eq!((e[0].status, e[0].duration_ms()), (None, None));
        assert_eq!(e[0].error_class, Some(ErrorClass::ConnectRefused));
        assert_eq!(
            e[1].error_class,
            Some(ErrorClass::Dns),
            "Fiddler's 502 is a client-side DNS failure"
        );
        assert_eq!(e[2].error_text.as_deref(), Some("Charles: FAILED"));
        assert_eq!(e[3].status, None);
        assert_eq!(
            e[3].error_class,
            Some(ErrorClass::Other),
            "no response at all is a failure"
        );
        assert_eq!(out.dialect, "Playwright 1.40, HAR 1.2");
    }

    #[test]
    fn a_2xx_body_keeps_its_outcome_for_the_capture_to_judge() {
        let har = r#"{"log":{"version":"1.2","entries":[
          {"startedDateTime":"2024-05-01T10:00:00Z","time":5,"request":{"method":"POST","url":"https://a.example/pay","headers":[]},
           "response":{"status":200,"headers":[],"content":{"mimeType":"application/json","text":"{\"code\":4001,\"message\":\"insufficient balance\"}"}}},
          {"startedDateTime":"2024-05-01T10:00:01Z","time":5,"request":{"method":"POST","url":"https://a.example/pay","headers":[]},
           "response":{"status":200,"headers":[],"content":{"mimeType":"application/json","text":"{\"code\":0,\"data\":{\"id\":7}}"}}}
        ]}}"#;
        let out = parse(SourceId(0), "t.har", har.as_bytes()).unwrap();
        let e = &out.events;
        // A code is judged once the capture is read (`analyze::business`).
        assert_eq!(e[0].error_class, None);
        let o = e[0].extra.as_ref().and_then(|x| x.body_outcome.as_deref());
        assert_eq!(
            o.and_then(|o| o.code).map(|(k, v)| (k, v.as_str())),
            Some(("code", "4001"))
        );
        assert_eq!(o.and_then(|o| o.message.as_deref()), Some("insufficient balance"));
        assert!(e[0].body_fields().is_some() && e[0].body_fields() != e[1].body_fields());
    }

    #[test]
    fn sizes_rate_limits_and_oauth_errors() {
        let har = r#"{"log":{"version":"1.2","entries":[
          {"startedDateTime":"2024-05-01T10:00:00Z","time":5,"request":{"method":"POST","url":"https://auth.example/token","headers":[],"bodySize":120},
           "response":{"status":400,"bodySize":-1,"headers":[{"name":"X-RateLimit-Limit","value":"100"},{"name":"X-RateLimit-Remaining","value":"0"}],
             "content":{"size":87,"mimeType":"application/json","text":"{\"error\":\"invalid_grant\",\"error_description\":\"refresh token expired\"}"}}}
        ]}}"#;
        let out = parse(SourceId(0), "t.har", har.as_bytes()).unwrap();
        let e = &out.events[0];
        assert_eq!((e.req_bytes(), e.resp_bytes()), (Some(120), Some(87)));
        let rl = e.ratelimit().unwrap();
        assert_eq!((rl.limit, rl.remaining), (Some(100), Some(0)));
        assert_eq!(
            e.error_text.as_deref(),
            Some("invalid_grant: refresh token expired")
        );
        assert_eq!(
            e.error_class,
            Some(ErrorClass::AuthExpired),
            "an expired refresh token"
        );
    }
}
