//! JSON lines: one object per line, in any of the common logging conventions
//! (ECS, OpenTelemetry, nginx, Envoy, Caddy, Cloudflare, pino, zap, logrus,
//! slog, logstash, Elastic APM). The input is split into chunks on line
//! boundaries and the chunks are parsed in parallel; line numbers are fixed
//! up afterwards so the result is the same for any thread count.

use rayon::prelude::*;

use super::fields::{self, FieldError, Fields, Scalar, Slot, Unit};
use crate::model::{AuthInfo, ErrorClass, Event, InputStats, Locator, ParseIssue, SourceId};
use crate::normalize::{error_class, level, route, time, trace};

/// Target chunk size for parallel parsing.
const CHUNK: usize = 4 << 20;

/// The parse of one JSON-lines input.
#[derive(Debug)]
pub struct JsonlOutput {
    /// Events in line order.
    pub events: Vec<Event>,
    /// Accounting.
    pub stats: InputStats,
    /// The logging convention most lines follow.
    pub dialect: String,
}

/// Split `b` into chunks that end on a newline (or at the end).
pub fn chunks(b: &[u8], target: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < b.len() {
        let want = (start + target).min(b.len());
        let end = if want == b.len() {
            want
        } else {
            memchr::memchr(b'\n', &b[want..]).map_or(b.len(), |k| want + k + 1)
        };
        out.push((start, end));
        start = end;
    }
    out
}

struct ChunkOut {
    events: Vec<Event>,
    issues: Vec<ParseIssue>,
    records: u64,
    lines: u64,
    dialect_votes: Vec<&'static str>,
}

/// Parse a JSON-lines input.
pub fn parse(id: SourceId, b: &[u8]) -> JsonlOutput {
    let parts: Vec<ChunkOut> = chunks(b, CHUNK)
        .into_par_iter()
        .map(|(s, e)| parse_chunk(id, b, s, e))
        .collect();
    let mut stats = InputStats::default();
    let mut events = Vec::with_capacity(parts.iter().map(|p| p.events.len()).sum());
    let mut line_base = 0u64;
    let mut votes: Vec<&'static str> = Vec::new();
    for mut p in parts {
        for ev in &mut p.events {
            if let Some(Locator::Line(n)) = &mut ev.locator {
                *n += line_base;
            }
        }
        for is in &mut p.issues {
            if let Locator::Line(n) = &mut is.locator {
                *n += line_base;
            }
        }
        line_base += p.lines;
        stats.records += p.records;
        stats.skipped += p.issues.len() as u64;
        stats.issues.extend(p.issues);
        events.extend(p.events);
        if votes.len() < 64 {
            votes.extend(p.dialect_votes);
        }
    }
    JsonlOutput {
        events,
        stats,
        dialect: majority(&votes),
    }
}

fn majority(votes: &[&'static str]) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for v in votes {
        match counts.iter_mut().find(|(k, _)| k == v) {
            Some(c) => c.1 += 1,
            None => counts.push((v, 1)),
        }
    }
    // Highest count; ties go to the first seen.
    let mut best: Option<(&str, usize)> = None;
    for (k, c) in counts {
        if best.is_none_or(|(_, bc)| c > bc) {
            best = Some((k, c));
        }
    }
    best.map_or_else(|| "none".to_string(), |(k, _)| k.to_string())
}

fn parse_chunk(id: SourceId, b: &[u8], start: usize, end: usize) -> ChunkOut {
    let mut out = ChunkOut {
        events: Vec::new(),
        issues: Vec::new(),
        records: 0,
        lines: 0,
        dialect_votes: Vec::new(),
    };
    let mut pos = start;
    while pos < end {
        let nl = memchr::memchr(b'\n', &b[pos..end]).map_or(end, |k| pos + k);
        let line = &b[pos..nl];
        out.lines += 1;
        let lineno = out.lines;
        let trimmed = line.trim_ascii();
        if !trimmed.is_empty() {
            out.records += 1;
            let lead = line.len() - line.trim_ascii_start().len();
            let offset = (pos + lead) as u64;
            match fields::extract(trimmed) {
                Ok(f) => {
                    if out.dialect_votes.len() < 16 {
                        out.dialect_votes.push(dialect_of(trimmed));
                    }
                    out.events.push(to_event(id, Locator::Line(lineno), offset, &f));
                }
                Err(e) => out.issues.push(ParseIssue {
                    locator: Locator::Line(lineno),
                    offset,
                    reason: match e {
                        FieldError::Json(e) => format!("invalid JSON: {e}"),
                        FieldError::NotObject => "valid JSON but not an object".to_string(),
                    },
                }),
            }
        }
        pos = nl + 1;
    }
    // A chunk that ends exactly on a newline has no extra line after it.
    out
}

/// Name the logging convention of one line by its tell-tale keys.
fn dialect_of(line: &[u8]) -> &'static str {
    let has = |needle: &str| memchr::memmem::find(line, needle.as_bytes()).is_some();
    let first_key = super::scan::MemberWalk::new(line, 0).and_then(|mut w| w.next_key().map(|(k, _)| k));
    if has("\"resourceLogs\"") {
        "otel-batch"
    } else if has("\"timeUnixNano\"") {
        "otel"
    } else if matches!(
        first_key,
        Some(b"metadata" | b"transaction" | b"span" | b"error" | b"metricset" | b"log")
    ) && !has("\"@timestamp\"")
    {
        "elastic-apm"
    } else if has("\"_source\"") {
        "elasticsearch-hit"
    } else if has("\"ecs.version\"") || has("\"ecs\":{") {
        "ecs"
    } else if has("\"@timestamp\"") {
        "logstash"
    } else if has("\"ClientRequestHost\"") {
        "cloudflare"
    } else if has("\"logger\":\"http.log") {
        "caddy"
    } else if has("\"response_flags\"") || has("\"upstream_cluster\"") {
        "envoy"
    } else if has("\"DownstreamStatus\"") {
        "traefik"
    } else if has("\"request_time\"") || has("\"time_local\"") || has("\"nginx_version\"") {
        "nginx"
    } else if has("\"instant\"") || has("\"thrown\"") {
        "log4j2"
    } else if has("\"caller\"") && has("\"ts\"") {
        "zap"
    } else if has("\"pid\"") && has("\"hostname\"") && has("\"msg\"") {
        "pino"
    } else if has("\"msg\"") && has("\"time\"") {
        "logrus/slog"
    } else {
        "generic"
    }
}

fn duration_ms(v: &Scalar<'_>, unit: Unit) -> Option<f64> {
    // nginx `upstream_response_time` style lists: sum the parts.
    let f = match v {
        Scalar::Str(s) if s.contains([',', ':']) => s
            .split([',', ':'])
            .filter_map(|p| p.trim().parse::<f64>().ok())
            .sum(),
        _ => v.as_f64()?,
    };
    let ms = match unit {
        Unit::Ns => f / 1e6,
        Unit::Us => f / 1e3,
        Unit::Ms | Unit::None => f,
        Unit::S => f * 1e3,
        Unit::MsOrS => match v {
            Scalar::F64(x) if x.fract() != 0.0 => f * 1e3,
            _ => f,
        },
    };
    (ms >= 0.0 && ms.is_finite()).then_some(ms)
}

fn timestamp(f: &Fields<'_>) -> Option<time::Parsed> {
    if let Some(sec) = f.get(Slot::InstantSec).and_then(Scalar::as_i64) {
        let nano = f.get(Slot::InstantNano).and_then(Scalar::as_i64).unwrap_or(0);
        return sec
            .checked_mul(1_000_000_000)
            .and_then(|s| s.checked_add(nano))
            .map(|ns| time::Parsed {
                ns,
                tz_assumed: false,
            });
    }
    let v = f.get(Slot::Ts)?;
    let ns = match v {
        Scalar::Str(s) => return time::parse_text(s),
        Scalar::I64(i) => time::from_epoch_int(*i),
        Scalar::U64(u) => i64::try_from(*u).ok().and_then(time::from_epoch_int),
        Scalar::F64(x) => time::from_epoch_float(*x),
        Scalar::Bool(_) => None,
    }?;
    Some(time::Parsed {
        ns,
        tz_assumed: false,
    })
}

fn boxed(s: Option<&str>) -> Option<Box<str>> {
    s.map(Into::into)
}

/// Build the normalized event of one record.
fn to_event(id: SourceId, loc: Locator, offset: u64, f: &Fields<'_>) -> Event {
    let mut ev = Event::at(id, loc, offset);
    if let Some(p) = timestamp(f) {
        ev.ts_ns = Some(p.ns);
        ev.ts_tz_assumed = p.tz_assumed;
    }
    ev.level = match f.get(Slot::Level) {
        Some(Scalar::Str(s)) => level::from_name(s),
        Some(v) => v.as_i64().and_then(level::from_number),
        None => None,
    }
    .or_else(|| {
        f.get(Slot::SeverityNumber)
            .and_then(Scalar::as_i64)
            .and_then(level::from_otel)
    });
    ev.message = f
        .str(Slot::Message)
        .map(|m| crate::redact::text(m).into_owned().into());
    ev.status = f
        .get(Slot::Status)
        .and_then(Scalar::as_i64)
        .filter(|s| (100..1000).contains(s))
        .map(|s| s as u16);
    ev.duration_ms = f
        .get_with_unit(Slot::Duration)
        .and_then(|(v, u)| duration_ms(v, u));

    let mut method = f.str(Slot::Method).map(str::to_string);
    let mut target = f.str(Slot::Url).map(str::to_string);
    if let Some(line) = f.str(Slot::RequestLine) {
        // nginx `$request`: "GET /path HTTP/1.1"
        let mut parts = line.split_whitespace();
        if let (Some(m), Some(t)) = (parts.next(), parts.next()) {
            if m.bytes().all(|c| c.is_ascii_uppercase()) {
                method.get_or_insert_with(|| m.to_string());
                target.get_or_insert_with(|| t.to_string());
            }
        }
    }
    ev.method = method.map(|m| m.to_ascii_uppercase().into());
    if let Some(t) = &target {
        let (host, path) = route::split_url(t);
        ev.host = host.map(Into::into);
        ev.route = Some(route::template(path).into());
        ev.url = Some(crate::redact::url(t).into_owned().into());
    }
    if ev.host.is_none() && target.is_some() {
        ev.host = boxed(f.str(Slot::Host));
    }

    ev.trace_id = f
        .get(Slot::TraceId)
        .and_then(|v| match v {
            Scalar::Str(s) => {
                // GCP: projects/P/traces/T
                let t = s.rsplit('/').next().unwrap_or(s);
                trace::canon_trace_any(t)
            }
            other => other
                .as_i64()
                .and_then(|n| trace::canon_trace_any(&n.to_string())),
        })
        .map(Into::into);
    ev.span_id = f.str(Slot::SpanId).and_then(trace::canon_span).map(Into::into);
    ev.parent_span_id = f
        .str(Slot::ParentSpanId)
        .and_then(trace::canon_span)
        .map(Into::into);
    ev.request_id = f
        .get(Slot::RequestId)
        .and_then(|v| match v {
            Scalar::Str(s) if !s.is_empty() && s != "-" => Some(s.to_string()),
            Scalar::I64(n) => Some(n.to_string()),
            _ => None,
        })
        .map(Into::into);
    ev.service = boxed(f.str(Slot::Service));
    ev.service_version = boxed(f.str(Slot::ServiceVersion));
    ev.retry_after_s = f
        .get(Slot::RetryAfter)
        .and_then(Scalar::as_f64)
        .filter(|s| *s >= 0.0);

    let mut auth = AuthInfo::default();
    let mut has_auth = false;
    if let Some(a) = f.str(Slot::Authorization) {
        super::har::auth_from_header(a, &mut auth);
        has_auth = true;
    }
    if let Some(c) = f.str(Slot::WwwAuthenticate).and_then(super::har::challenge_error) {
        auth.challenge_error = Some(c.into());
        has_auth = true;
    }
    if has_auth {
        ev.auth = Some(Box::new(auth));
    }

    let err_msg = f.str(Slot::ErrorMessage);
    let err_type = f.str(Slot::ErrorType);
    let error_text = match (err_type, err_msg) {
        (Some(t), Some(m)) => Some(format!("{t}: {m}")),
        (Some(t), None) => Some(t.to_string()),
        (None, Some(m)) => Some(m.to_string()),
        (None, None) => None,
    };
    let failed_level = ev.level.is_some_and(|l| l >= crate::model::Level::Error);
    ev.error_class = match (&error_text, ev.status) {
        (Some(t), status) => error_class::from_text(t)
            .or_else(|| status.and_then(error_class::from_status))
            .or(Some(ErrorClass::Other)),
        (None, Some(s)) => error_class::from_status(s),
        (None, None) if failed_level => Some(
            ev.message
                .as_deref()
                .and_then(error_class::from_text)
                .unwrap_or(ErrorClass::Other),
        ),
        (None, None) => None,
    };
    // A successful response that logged a recovered transport error is not a failure.
    if ev.status.is_some_and(|s| s < 400) && error_text.is_some() && !failed_level {
        ev.error_class = None;
    }
    ev.error_text = error_text.map(|t| crate::redact::text(&t).into_owned().into());
    super::har::refine_auth(&mut ev);
    ev
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lines_records_and_skips() {
        let input = b"{\"status\":200}\n\n{bad\n[1]\r\n{\"status\":503,\"msg\":\"x\"}";
        let out = parse(SourceId(0), input);
        assert_eq!(out.stats.records, 4);
        assert_eq!(out.stats.skipped, 2);
        assert_eq!(out.events.len(), 2);
        assert_eq!(out.stats.issues[0].locator, Locator::Line(3));
        assert_eq!(out.stats.issues[1].locator, Locator::Line(4));
        assert_eq!(out.events[1].locator, Some(Locator::Line(5)));
        assert_eq!(out.events[1].error_class, Some(ErrorClass::Http5xx));
    }

    #[test]
    fn chunking_does_not_change_the_result() {
        let mut input = Vec::new();
        for i in 0..500 {
            input.extend_from_slice(
                format!("{{\"status\":{},\"ts\":{}}}\n", 200 + i % 5, 1_700_000_000 + i).as_bytes(),
            );
            if i % 7 == 0 {
                input.extend_from_slice(b"garbage\n\n");
            }
        }
        let whole: Vec<_> = chunks(&input, usize::MAX);
        let small = chunks(&input, 97);
        assert_eq!(whole.len(), 1);
        assert!(small.len() > 10);
        let a: Vec<_> = small
            .iter()
            .map(|&(s, e)| parse_chunk(SourceId(0), &input, s, e))
            .collect();
        let lines: u64 = a.iter().map(|c| c.lines).sum();
        assert_eq!(lines, parse_chunk(SourceId(0), &input, 0, input.len()).lines);
    }

    #[test]
    fn units_and_aliases() {
        let out = parse(
            SourceId(0),
            br#"{"@timestamp":"2024-05-01T10:00:00Z","event":{"duration":2500000},"http":{"request":{"method":"get"},"response":{"status_code":504}},"url":{"full":"https://api.example.com/v1/orders/123?key=s3cr3t"},"trace":{"id":"4BF92F3577B34DA6A3CE929D0E0E4736"}}
{"level":"info","ts":1716723772.6014807,"logger":"http.log.access","msg":"handled request","request":{"method":"GET","host":"h:400","uri":"/a/b"},"duration":0.25,"status":429,"resp_headers":{"Retry-After":["30"]}}
{"time":"10/Oct/2000:13:55:36 -0700","request":"POST /api/login HTTP/1.1","status":"401","request_time":"0.120"}"#,
        );
        let e = &out.events[0];
        assert_eq!(e.duration_ms, Some(2.5));
        assert_eq!(e.method.as_deref(), Some("GET"));
        assert_eq!(e.host.as_deref(), Some("api.example.com"));
        assert_eq!(e.route.as_deref(), Some("/v1/orders/{id}"));
        assert_eq!(e.error_class, Some(ErrorClass::UpstreamTimeout));
        assert_eq!(e.trace_id.as_deref(), Some("4bf92f3577b34da6a3ce929d0e0e4736"));
        assert!(!e.url.as_deref().unwrap().contains("s3cr3t"));
        let c = &out.events[1];
        assert_eq!(c.duration_ms, Some(250.0));
        assert_eq!(c.retry_after_s, Some(30.0));
        assert_eq!(c.host.as_deref(), Some("h:400"));
        let n = &out.events[2];
        assert_eq!(n.method.as_deref(), Some("POST"));
        assert_eq!(n.status, Some(401));
        assert_eq!(n.duration_ms, Some(120.0));
        assert!(n.ts_ns.is_some());
    }
}
