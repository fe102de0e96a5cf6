//! Text access logs: nginx/Apache combined and common log format, AWS ALB,
//! W3C extended (IIS; the `#Fields:` directive sets the columns and may
//! change mid-file), HAProxy HTTP logs (inside syslog lines), Envoy's
//! default format and Zeek `http.log` (`#fields`, tab-separated).
//!
//! Each line is a record. Values are offered to the same alias table as
//! JSON fields, so normalization is shared. Directive lines (`#…`) are
//! records that produce no event; a syslog line that is not an HTTP log
//! still becomes an event with its message.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

use crate::error::Result;
use crate::input::formats::{Claim, Input, InputFormat, Tier};
use crate::input::json::fields::{Fields, Scalar};
use crate::input::lines;
use crate::input::probe::Probe;
use crate::input::record;
use crate::input::Options;
use crate::input::Output;
use crate::model::Format;
use crate::model::{Locator, ParseIssue, SourceId};
use crate::normalize::trace;
use serde::de::IgnoredAny;

/// Access logs' format, with the kind as its variant.
pub fn format(kind: TextKind) -> Format {
    Format {
        name: "text",
        variant: KINDS.iter().position(|k| *k == kind).unwrap_or(0) as u8,
        client_view: false,
    }
}

/// The kind a format names.
pub fn kind_of(format: Format) -> TextKind {
    KINDS
        .get(usize::from(format.variant))
        .copied()
        .unwrap_or(TextKind::Clf)
}

/// Text access logs: one request per line, in one of [`KINDS`].
pub struct Text;

const CLAIMS: &[Claim] = &[Claim {
    tier: Tier::FirstLine,
    test: claim,
}];

impl InputFormat for Text {
    fn format(&self) -> Format {
        format(TextKind::Clf)
    }

    fn claims(&self) -> &'static [Claim] {
        CLAIMS
    }

    fn parse(&self, input: &Input<'_>) -> Result<Output> {
        Ok(parse(input.id, input.bytes, kind_of(input.format), input.opts))
    }

    fn variants(&self) -> Vec<Format> {
        KINDS.iter().map(|&k| format(k)).collect()
    }
}

/// Lines most of which match one kind. A line in brackets is one only
/// when it is not JSON (Envoy's default format starts
/// `[2024-05-01T10:00:00.000Z] "GET`).
fn claim(p: &Probe<'_>) -> Option<Format> {
    let kind = match p.first {
        b'{' => None,
        b'[' => text_kind(p.rest())
            .filter(|_| serde_json::from_slice::<IgnoredAny>(p.first_line()).is_err_and(|e| !e.is_eof())),
        _ => text_kind(p.rest()),
    }?;
    Some(format(kind))
}

/// The text access-log kind most of the first lines match.
fn text_kind(bytes: &[u8]) -> Option<TextKind> {
    let lines: Vec<String> = bytes
        .split(|&c| c == b'\n')
        .map(|l| String::from_utf8_lossy(l).trim_end_matches('\r').to_string())
        .filter(|l| !l.trim().is_empty())
        .take(crate::input::probe::PROBE_LINES)
        .collect();
    let first = lines.first()?;
    for kind in [TextKind::W3c, TextKind::Zeek] {
        if matches(kind, first) {
            return Some(kind);
        }
    }
    let (kind, hits) = KINDS
        .iter()
        .map(|&k| (k, lines.iter().filter(|l| matches(k, l)).count()))
        .max_by_key(|&(k, n)| (n, std::cmp::Reverse(KINDS.iter().position(|x| *x == k))))?;
    (hits > 0 && hits * 3 >= lines.len()).then_some(kind)
}

/// The text access-log formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// nginx/Apache combined or common log format.
    Clf,
    /// AWS Application Load Balancer access log.
    Alb,
    /// W3C extended log (IIS), columns from `#Fields:`.
    W3c,
    /// HAProxy HTTP log (usually inside syslog lines).
    Haproxy,
    /// Envoy's default access-log format.
    Envoy,
    /// Zeek (Bro) `http.log`, columns from `#fields`.
    Zeek,
}

impl TextKind {
    /// The dialect name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            TextKind::Clf => "combined/common log format",
            TextKind::Alb => "aws-alb",
            TextKind::W3c => "w3c-extended",
            TextKind::Haproxy => "haproxy",
            TextKind::Envoy => "envoy",
            TextKind::Zeek => "zeek-http",
        }
    }
}

const CHUNK: usize = 4 << 20;

/// Split a line into fields: runs of non-spaces, `"quoted strings"` (with
/// backslash escapes) and `[bracketed]` groups, quotes and brackets removed.
pub fn tokens(line: &str) -> Vec<&str> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let (start, end, next) = match b[i] {
            b'"' => {
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                let j = j.min(b.len());
                (i + 1, j, j + 1)
            }
            b'[' => {
                let j = line[i..].find(']').map_or(b.len(), |k| i + k);
                (i + 1, j, j + 1)
            }
            _ => {
                let j = line[i..].find(' ').map_or(b.len(), |k| i + k);
                (i, j, j)
            }
        };
        out.push(line.get(start..end).unwrap_or(""));
        i = next;
    }
    out
}

static HAPROXY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?x)(?P<client>[\d.:a-fA-F]+):\d+\s\[(?P<ts>\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2}(?:\.\d+)?)\]\s
        (?P<fe>\S+)\s(?P<be>[^/\s]+)/(?P<srv>\S+)\s
        -?\d+/-?\d+/-?\d+/(?P<tr>-?\d+)/\+?(?P<tt>-?\d+)\s(?P<status>-?\d+)\s\+?\d+\s\S+\s\S+\s(?P<term>\S{4})
        .*?"(?P<req>[^"]*)"?"#,
    )
    .expect("static regex is valid")
});

static ENVOY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"^\[(?P<ts>[^\]]+)\]\s"(?P<req>[^"]*)"\s(?P<status>\d+)\s(?P<flags>\S+)\s\d+\s\d+\s(?P<dur>\d+)\s(?P<up>\S+)\s"[^"]*"\s"(?P<ua>[^"]*)"\s"(?P<rid>[^"]*)"\s"(?P<auth>[^"]*)"\s"(?P<uphost>[^"]*)""#,
    )
    .expect("static regex is valid")
});

static SYSLOG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:<\d+>)?\w{3}\s+\d{1,2}\s\d{2}:\d{2}:\d{2}\s\S+\s(?P<prog>[\w./-]+)(?:\[\d+\])?:\s(?P<msg>.*)$",
    )
    .expect("static regex is valid")
});

fn is_status(s: &str) -> bool {
    s == "-" || (s.len() == 3 && s.bytes().all(|c| c.is_ascii_digit()))
}

fn is_clf(line: &str, t: &[&str]) -> bool {
    t.len() >= 7
        && line.contains(" [")
        && crate::normalize::time::parse_clf(t[3]).is_some()
        && t[4].split(' ').count() >= 2
        && is_status(t[5])
}

fn is_alb(t: &[&str]) -> bool {
    t.len() >= 17
        && matches!(t[0], "http" | "https" | "h2" | "grpcs" | "ws" | "wss")
        && crate::normalize::time::parse_rfc3339(t[1]).is_some()
        && is_status(t[8])
}

/// Whether `line` looks like a record of `kind` (used by detection).
pub fn matches(kind: TextKind, line: &str) -> bool {
    match kind {
        TextKind::Clf => is_clf(line, &tokens(line)),
        TextKind::Alb => is_alb(&tokens(line)),
        TextKind::W3c => line.starts_with("#Fields:") || line.starts_with("#Software:"),
        TextKind::Zeek => line.starts_with("#separator") || line.starts_with("#fields"),
        TextKind::Haproxy => HAPROXY.is_match(line),
        TextKind::Envoy => ENVOY.is_match(line),
    }
}

/// The order in which detection tries the kinds.
pub const KINDS: [TextKind; 6] = [
    TextKind::W3c,
    TextKind::Zeek,
    TextKind::Alb,
    TextKind::Envoy,
    TextKind::Haproxy,
    TextKind::Clf,
];

/// Column headers in effect from a byte offset on (`#Fields:` / `#fields`).
#[derive(Debug, Default)]
struct Headers {
    at: Vec<(usize, Vec<String>)>,
}

impl Headers {
    fn scan(b: &[u8], kind: TextKind) -> Self {
        let (tag, sep): (&[u8], char) = match kind {
            TextKind::W3c => (b"#Fields:", ' '),
            TextKind::Zeek => (b"#fields", '\t'),
            _ => return Headers::default(),
        };
        let mut at = Vec::new();
        let mut pos = 0;
        while pos < b.len() {
            let end = memchr::memchr(b'\n', &b[pos..]).map_or(b.len(), |k| pos + k);
            let line = &b[pos..end];
            if line.starts_with(tag) {
                let text = String::from_utf8_lossy(&line[tag.len()..]);
                let cols = text
                    .trim()
                    .split(sep)
                    .filter(|c| !c.is_empty())
                    .map(|c| c.trim().to_string())
                    .collect();
                at.push((pos, cols));
            }
            pos = end + 1;
        }
        Headers { at }
    }

    fn before(&self, offset: usize) -> Option<&[String]> {
        let i = self.at.partition_point(|(o, _)| *o < offset);
        i.checked_sub(1).map(|i| self.at[i].1.as_slice())
    }
}

fn s(v: &str) -> Scalar<'static> {
    Scalar::Str(Cow::Owned(v.to_string()))
}

/// Fields of one line, or why it was not a record of this kind. `Ok(None)`
/// means a directive line.
fn line_fields(
    kind: TextKind,
    line: &str,
    headers: Option<&[String]>,
    opts: &Options,
) -> Result<Option<Fields<'static>>, String> {
    let mut f = Fields::default();
    let map = &opts.map;
    let mut offer = |path: &str, v: Scalar<'static>| f.offer(map, path, v);
    if line.starts_with('#') && matches!(kind, TextKind::W3c | TextKind::Zeek) {
        return Ok(None);
    }
    match kind {
        TextKind::Clf => clf(line, &mut offer)?,
        TextKind::Alb => alb(line, &mut offer)?,
        TextKind::W3c | TextKind::Zeek => columns(kind, line, headers, &mut offer)?,
        TextKind::Haproxy | TextKind::Envoy => proxy(kind, line, &mut offer)?,
    }
    Ok(Some(f))
}

/// Where a line's values go: a field path and its value.
type Offer<'o> = dyn FnMut(&str, Scalar<'static>) + 'o;

/// nginx/Apache combined or common log format.
fn clf(line: &str, offer: &mut Offer<'_>) -> Result<(), String> {
    let t = tokens(line);
    if !is_clf(line, &t) {
        return Err("not a combined/common log format line".into());
    }
    offer("remote_addr", s(t[0]));
    offer("time_local", s(t[3]));
    offer("request", s(t[4]));
    offer("status", s(t[5]));
    if let Some(ua) = t.get(8) {
        offer("http_user_agent", s(ua));
    }
    Ok(())
}

/// An AWS Application Load Balancer log line.
fn alb(line: &str, offer: &mut Offer<'_>) -> Result<(), String> {
    let t = tokens(line);
    if !is_alb(&t) {
        return Err("not an AWS ALB access-log line".into());
    }
    offer("time", s(t[1]));
    offer("client.ip", s(t[3].rsplit_once(':').map_or(t[3], |(h, _)| h)));
    // request, target and response processing times, in seconds; -1 = not reached
    let times: Vec<f64> = t[5..8].iter().filter_map(|x| x.parse::<f64>().ok()).collect();
    if times.iter().all(|x| *x >= 0.0) && times.len() == 3 {
        offer("duration_ms", Scalar::F64(times.iter().sum::<f64>() * 1000.0));
    }
    offer("elb_status_code", s(t[8]));
    offer("user_agent", s(t[13]));
    offer("upstream_addr", s(t[4]));
    offer("target_status_code", s(t[9]));
    // "GET https://host:443/path HTTP/1.1"
    let mut req = t[12].split(' ');
    if let (Some(m), Some(u)) = (req.next(), req.next()) {
        offer("method", s(m));
        offer("url", s(u));
    }
    let mut ctx = trace::TraceCtx::default();
    trace::absorb_header(&mut ctx, "x-amzn-trace-id", t[17]);
    if let Some(id) = ctx.trace_id {
        offer("trace_id", s(&id));
    }
    if let Some(reason) = t.get(24).filter(|r| !r.is_empty() && **r != "-") {
        offer("error_message", s(reason));
    } else if t[9] == "-" && t[8].starts_with('5') {
        offer(
            "error_message",
            s("the load balancer got no response from the target"),
        );
    }
    Ok(())
}

/// A W3C extended (IIS) or Zeek line, by the columns of its header.
fn columns(
    kind: TextKind,
    line: &str,
    headers: Option<&[String]>,
    offer: &mut Offer<'_>,
) -> Result<(), String> {
    let cols = headers.ok_or("a data line before any #Fields header")?;
    let sep = if kind == TextKind::Zeek { '\t' } else { ' ' };
    let vals: Vec<&str> = line.split(sep).collect();
    if vals.len() != cols.len() {
        return Err(format!("{} values for {} columns", vals.len(), cols.len()));
    }
    let get = |name: &str| {
        cols.iter()
            .position(|c| c == name)
            .map(|i| vals[i])
            .filter(|v| *v != "-" && *v != "(empty)")
    };
    if let (Some(d), Some(t)) = (get("date"), get("time")) {
        // W3C times are UTC by definition.
        offer("time", s(&format!("{d}T{t}Z")));
    }
    let mut target = get("cs-uri-stem").or_else(|| get("uri")).map(str::to_string);
    if let (Some(t), Some(q)) = (target.as_mut(), get("cs-uri-query")) {
        t.push('?');
        t.push_str(q);
    }
    for (col, path) in [
        ("ts", "ts"),
        ("cs-method", "method"),
        ("method", "method"),
        ("sc-status", "status"),
        ("status_code", "status"),
        ("time-taken", "duration_ms"),
        ("c-ip", "client.ip"),
        ("id.orig_h", "client.ip"),
        ("cs-host", "host"),
        ("host", "host"),
        ("uid", "request_id"),
        ("status_msg", "message"),
    ] {
        if let Some(v) = get(col) {
            offer(path, s(v));
        }
    }
    if let Some(t) = target {
        offer("url", s(&t));
    }
    Ok(())
}

/// A HAProxy or Envoy line, perhaps inside a syslog line.
fn proxy(kind: TextKind, line: &str, offer: &mut Offer<'_>) -> Result<(), String> {
    let (prog_msg, body) = match SYSLOG.captures(line) {
        Some(c) => (
            c.name("msg").map(|m| m.as_str()),
            c.name("msg").map_or(line, |m| m.as_str()),
        ),
        None => (None, line),
    };
    let re = if kind == TextKind::Haproxy {
        &*HAPROXY
    } else {
        &*ENVOY
    };
    match re.captures(body) {
        Some(c) => {
            if kind == TextKind::Haproxy {
                haproxy(&c, offer);
            } else {
                envoy(&c, offer);
            }
        }
        None => match prog_msg {
            // A syslog line that is not an HTTP log still says something.
            Some(msg) => {
                offer("message", s(msg));
                if crate::normalize::error_class::from_text(msg).is_some() {
                    offer("error_message", s(msg));
                }
            }
            None => return Err(format!("not a {} line", kind.name())),
        },
    }
    Ok(())
}

/// HAProxy's fields, with the termination state read as an error.
fn haproxy(c: &regex::Captures<'_>, offer: &mut Offer<'_>) {
    let g = |n: &str| c.name(n).map_or("", |m| m.as_str());
    offer("remote_addr", s(g("client")));
    offer("time_local", s(g("ts")));
    offer("duration_ms", s(g("tt")));
    let status = g("status");
    if status != "-1" {
        offer("status", s(status));
    }
    offer("request", s(g("req")));
    offer("service", s(g("be")));
    // Termination state: first char is who ended the session,
    // second is when; `sH` is a server timeout waiting for headers.
    let term = g("term");
    let why = match term.get(..2).unwrap_or("") {
        "sH" | "sD" | "sC" | "sQ" => Some("upstream server timeout"),
        "SH" | "SD" => Some("upstream connection reset by server"),
        "CD" | "CH" | "CR" | "CQ" => Some("client aborted the request"),
        "cD" | "cR" => Some("client timeout"),
        _ => None,
    };
    if let Some(w) = why {
        offer("error_message", s(&format!("haproxy termination {term}: {w}")));
    }
}

/// Envoy's default format's fields.
fn envoy(c: &regex::Captures<'_>, offer: &mut Offer<'_>) {
    let g = |n: &str| c.name(n).map_or("", |m| m.as_str());
    offer("start_time", s(g("ts")));
    offer("request", s(g("req")));
    offer("status", s(g("status")));
    offer("duration", Scalar::I64(g("dur").parse().unwrap_or(0)));
    offer("request_id", s(g("rid")));
    offer("authority", s(g("auth")));
    offer("user_agent", s(g("ua")));
    offer("upstream_host", s(g("uphost")));
    let flags = g("flags");
    if flags != "-" {
        offer("response_flags", s(flags));
    }
}

/// Parse a text access log of a known kind.
pub fn parse(id: SourceId, b: &[u8], kind: TextKind, opts: &Options) -> Output {
    parse_chunked(id, b, kind, opts, CHUNK)
}

/// [`parse`] with chunks of about `chunk` bytes: the result is the same for
/// any size (the property tests check it).
pub fn parse_chunked(id: SourceId, b: &[u8], kind: TextKind, opts: &Options, chunk: usize) -> Output {
    let headers = Headers::scan(b, kind);
    let lines::Merged { events, stats, .. } = lines::parse_in_order(b, chunk, |start, end, out| {
        let mut pos = start;
        while pos < end {
            let nl = memchr::memchr(b'\n', &b[pos..end]).map_or(end, |k| pos + k);
            out.lines += 1;
            let raw = &b[pos..nl];
            let text = String::from_utf8_lossy(raw);
            let line = text.trim_end_matches('\r');
            if !line.trim().is_empty() {
                out.records += 1;
                let loc = Locator::Line(out.lines);
                match line_fields(kind, line, headers.before(pos), opts) {
                    Ok(Some(f)) => out.events.push(record::to_event(id, loc, pos as u64, &f, opts)),
                    Ok(None) => out.issues.push(ParseIssue {
                        locator: loc,
                        offset: pos as u64,
                        reason: format!(
                            "directive line, no event: {}",
                            line.chars().take(40).collect::<String>()
                        ),
                    }),
                    Err(reason) => out.issues.push(ParseIssue {
                        locator: loc,
                        offset: pos as u64,
                        reason,
                    }),
                }
            }
            pos = nl + 1;
        }
    });
    Output {
        events,
        stats,
        dialect: kind.name().to_string(),
        key_hashes: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ErrorClass;
    use crate::model::OptionStr;

    fn one(kind: TextKind, text: &str) -> Output {
        parse(SourceId(0), text.as_bytes(), kind, &Options::default())
    }

    #[test]
    fn combined_log_format() {
        let out = one(
            TextKind::Clf,
            r#"83.149.9.216 - - [17/May/2015:10:05:03 +0200] "GET /api/users/42?token=abc HTTP/1.1" 503 203 "-" "curl/8""#,
        );
        let e = &out.events[0];
        assert_eq!(e.status, Some(503));
        assert_eq!(e.method().as_str(), Some("GET"));
        assert_eq!(e.route().as_str(), Some("/api/users/{id}"));
        assert_eq!(
            e.ts_ns(),
            crate::normalize::time::parse_rfc3339("2015-05-17T08:05:03Z").map(|p| p.ns)
        );
        assert!(!e.url.as_deref().unwrap_or("").contains("abc"));
    }

    #[test]
    fn alb() {
        let line = r#"https 2024-05-01T10:00:00.123456Z app/my-lb/50dc6c495c0c9188 203.0.113.7:2817 10.0.0.1:80 0.001 29.998 0.000 504 - 34 366 "GET https://api.example.com:443/v1/orders/17 HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:1:targetgroup/t/1 "Root=1-58337262-36d228ad5d99923122bbe354" "api.example.com" "arn:aws:acm:cert" 0 2024-05-01T09:59:30.124000Z "forward" "-" "-" "10.0.0.1:80" "-" "-" "-""#;
        let out = one(TextKind::Alb, line);
        let e = &out.events[0];
        assert_eq!(e.status, Some(504));
        assert_eq!(e.duration_ms(), Some(29_999.0));
        assert_eq!(e.host().as_str(), Some("api.example.com"));
        assert_eq!(e.user_agent.as_deref(), Some("curl/7.46.0"));
        assert_eq!(e.upstream().as_str(), Some("10.0.0.1:80"));
        assert_eq!(e.route().as_str(), Some("/v1/orders/{id}"));
        assert_eq!(e.trace_id.as_deref(), Some("5833726236d228ad5d99923122bbe354"));
        assert_eq!(e.ts_ns(), Some(1_714_557_600_123_456_000));
        assert_eq!(e.error_class, Some(ErrorClass::UpstreamTimeout));
    }

    #[test]
    fn w3c_with_two_field_headers() {
        let text = "#Software: IIS\n#Fields: date time cs-method cs-uri-stem sc-status time-taken\n\
                    2015-01-13 00:32:17 GET /robots.txt 404 283\n\
                    #Fields: date time c-ip cs-method cs-uri-stem cs-uri-query sc-status time-taken\n\
                    2015-01-13 00:33:00 10.0.0.9 POST /api/orders/9 id=1 500 1500\n";
        let out = one(TextKind::W3c, text);
        assert_eq!(out.stats.records, 5);
        assert_eq!(out.stats.skipped, 3, "three directive lines");
        assert_eq!(out.events.len(), 2);
        let e = &out.events[1];
        assert_eq!(e.status, Some(500));
        assert_eq!(e.duration_ms(), Some(1500.0));
        assert_eq!(e.route().as_str(), Some("/api/orders/{id}"));
        assert_eq!(
            e.ts_ns(),
            crate::normalize::time::parse_rfc3339("2015-01-13T00:33:00Z").map(|p| p.ns)
        );
        assert_eq!(out.events[0].status, Some(404));
    }

    #[test]
    fn envoy_default_format() {
        let line = r#"[2016-04-15T20:17:00.310Z] "POST /api/v1/locations HTTP/2" 504 UT 154 0 15000 - "10.0.35.28" "nsq2http" "cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2" "locations" "tcp://10.0.2.1:80""#;
        let out = one(TextKind::Envoy, line);
        let e = &out.events[0];
        assert_eq!(e.status, Some(504));
        assert_eq!(e.duration_ms(), Some(15_000.0));
        assert_eq!(
            e.request_id().as_str(),
            Some("cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2")
        );
        assert_eq!(
            e.ts_ns(),
            crate::normalize::time::parse_rfc3339("2016-04-15T20:17:00.310Z").map(|p| p.ns)
        );
        assert_eq!(e.route().as_str(), Some("/api/v1/locations"));
    }

    #[test]
    fn haproxy_in_syslog_and_plain_syslog_lines() {
        let text = "Feb 25 16:19:38 192.168.4.2 haproxy[1]: Proxy prod_http_in started.\n\
            Feb 25 16:19:49 192.168.4.2 haproxy[7]: 141.35.244.171:53332 [25/Feb/2019:16:19:48.143] prod_http_in~ bk_admin/nginx 0/0/7/1457/1487 200 11394 - - ---- 2/1/0/0/0 0/0 {Mozilla/5.0} {} \"GET /admin/x?y=1 HTTP/1.1\"\n\
            Feb 25 16:20:15 192.168.4.2 haproxy[7]: 95.216.197.33:56224 [25/Feb/2019:16:20:10.111] prod_http_in/sktst2: SSL handshake failure\n";
        let out = one(TextKind::Haproxy, text);
        assert_eq!(out.stats.records, 3);
        assert_eq!(out.events.len(), 3);
        let e = &out.events[1];
        assert_eq!(e.status, Some(200));
        assert_eq!(e.duration_ms(), Some(1487.0));
        assert_eq!(e.method().as_str(), Some("GET"));
        assert!(e.ts_tz_assumed());
        assert_eq!(out.events[2].error_class, Some(ErrorClass::TlsHandshake));
        assert_eq!(
            out.events[0].message.as_deref(),
            Some("Proxy prod_http_in started.")
        );
    }

    #[test]
    fn zeek_http_log() {
        let text = "#separator \\x09\n#fields\tts\tuid\tid.orig_h\tmethod\thost\turi\tstatus_code\n\
                    1320279566.452687\tCwFs1P\t192.168.2.76\tGET\twww.reddit.com\t/r/42\t502\n";
        let out = one(TextKind::Zeek, text);
        assert_eq!(out.events.len(), 1);
        let e = &out.events[0];
        assert_eq!(e.status, Some(502));
        assert_eq!(e.ts_ns(), Some(1_320_279_566_452_687_000));
        assert_eq!(e.host().as_str(), Some("www.reddit.com"));
        assert_eq!(e.route().as_str(), Some("/r/{id}"));
    }

    #[test]
    fn tokenizer() {
        assert_eq!(
            tokens(r#"a [b c] "d \"e\"" f"#),
            vec!["a", "b c", r#"d \"e\""#, "f"]
        );
    }
}
