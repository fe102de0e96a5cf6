//! JSON lines: one object per line, in any of the common logging conventions
//! (ECS, OpenTelemetry, nginx, Envoy, Caddy, Cloudflare, pino, zap, logrus,
//! slog, logstash, Elastic APM). The input is split into chunks on line
//! boundaries and the chunks are parsed in parallel; line numbers are fixed
//! up afterwards so the result is the same for any thread count.

use crate::error::Result;
use crate::input::formats::esdoc;
use crate::input::formats::otel;
use crate::input::formats::{Claim, Input, InputFormat, Tier};
use crate::input::json::extract;
use crate::input::json::fields::{FieldError, Fields, Slot};
use crate::input::json::infer;
use crate::input::lines::{self, Chunk};
use crate::input::probe::{is_json_object, Probe};
use crate::input::record;
use crate::input::Options;
use crate::input::Output;
use crate::model::Format;
use crate::model::{Event, Locator, ParseIssue, SourceId};

/// JSON lines' format.
pub const FORMAT: Format = Format::named("jsonl", false);

/// One JSON object per line (with OpenTelemetry batches, Elasticsearch
/// response lines and `name | {...}` prefixed lines).
pub struct Jsonl;

const CLAIMS: &[Claim] = &[
    Claim {
        tier: Tier::FirstLine,
        test: first_line,
    },
    Claim {
        tier: Tier::LaterLines,
        test: later_lines,
    },
];

impl InputFormat for Jsonl {
    fn format(&self) -> Format {
        FORMAT
    }

    fn claims(&self) -> &'static [Claim] {
        CLAIMS
    }

    /// Field roles no alias names are inferred first. No pages are handed
    /// back: events refer to the kept input's text (see
    /// `Options::backing`), so the pages are read again.
    fn parse(&self, input: &Input<'_>) -> Result<Output> {
        let found = infer::infer(&input.opts.map, input.bytes);
        if found.is_empty() {
            return Ok(parse(input.id, input.bytes, input.opts));
        }
        let inferred = Options {
            map: input
                .opts
                .map
                .with_added(found.iter().map(|f| (f.path.as_str(), f.slot, f.unit))),
            ..input.opts.clone()
        };
        let mut out = parse(input.id, input.bytes, &inferred);
        out.stats.notes.push(infer::describe(&found));
        Ok(out)
    }
}

/// A first line that is a JSON object, or a JSON object after a
/// `name | ` prefix (docker compose).
fn first_line(p: &Probe<'_>) -> Option<Format> {
    let claimed = match p.first {
        b'{' => is_json_object(p.first_line()),
        b'[' => false,
        _ => compose_prefix(p.first_line()).is_some(),
    };
    claimed.then_some(FORMAT)
}

/// Later lines are JSON objects and the first line's value is whole or
/// broken (not a document that spans lines).
fn later_lines(p: &Probe<'_>) -> Option<Format> {
    (matches!(p.first, b'{' | b'[') && p.lines_after_first_value()).then_some(FORMAT)
}

/// Target chunk size for parallel parsing.
const CHUNK: usize = 4 << 20;

/// The docker-compose `service  | ` prefix, if the line has one: returns
/// the service name and the rest of the line.
pub fn compose_prefix(line: &[u8]) -> Option<(&str, &[u8])> {
    // A JSON line has no prefix; without this check every line would be
    // searched to its end for a `|`.
    if line.first() == Some(&b'{') {
        return None;
    }
    // The name is at most 128 characters, plus compose's alignment padding.
    let bar = memchr::memchr(b'|', &line[..line.len().min(256)])?;
    let name = std::str::from_utf8(&line[..bar]).ok()?.trim();
    let ok = !name.is_empty()
        && name.len() <= 128
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'));
    let rest = line[bar + 1..].trim_ascii_start();
    (ok && rest.first() == Some(&b'{')).then_some((name, rest))
}

/// Parse a JSON-lines input.
pub fn parse(id: SourceId, b: &[u8], opts: &Options) -> Output {
    parse_chunked(id, b, opts, CHUNK)
}

/// [`parse`] with chunks of about `chunk` bytes: the result is the same for
/// any size (the property tests check it).
pub fn parse_chunked(id: SourceId, b: &[u8], opts: &Options, chunk: usize) -> Output {
    let lines::Merged {
        mut events,
        stats,
        votes,
        keys,
    } = lines::parse_in_order(b, chunk, |s, e, out| parse_chunk_into(id, b, s, e, opts, out));
    let dialect = majority(&votes);
    if dialect == "elastic-apm" {
        apply_apm_metadata(&mut events);
    }
    Output {
        events,
        stats,
        dialect,
        key_hashes: Some(keys),
    }
}

/// Elastic APM intake v2: a `metadata` line describes the service for the
/// records after it, until the next `metadata` line.
fn apply_apm_metadata(events: &mut [Event]) {
    let mut service: Option<crate::model::Str> = None;
    let mut version: Option<crate::model::Str> = None;
    for ev in events {
        if ev.context_record() {
            service = ev.service();
            version = ev.service_version();
            continue;
        }
        let mut o = ev.origin();
        o.service = o.service.or(service);
        o.service_version = o.service_version.or(version);
        if o != ev.origin() {
            ev.set_origin(&o);
        }
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

/// A JSON object carried as text inside a field: a docker/Kubernetes
/// `{"log": "{...}", "stream": ...}` wrapper, or a logstash event tagged
/// `_jsonparsefailure` whose `message` is the original line.
fn embedded_json<'f>(line: &[u8], f: &'f Fields<'_>) -> Option<&'f str> {
    // The cheap test first: most messages are not JSON objects.
    let m = f.str(Slot::Message).filter(|m| m.trim_start().starts_with('{'))?;
    let has = |n: &str| memchr::memmem::find(line, n.as_bytes()).is_some();
    (has("_jsonparsefailure") || (has("\"log\"") && has("\"stream\""))).then_some(m)
}

/// The events of one non-empty line, and how many records it holds. The
/// line's fields are found in `f`, which the lines of a chunk share.
fn line_events<'de>(
    id: SourceId,
    line: &'de [u8],
    loc: Locator,
    offset: u64,
    opts: &Options,
    chunk: &mut Chunk,
    f: &mut Fields<'de>,
) -> Result<u64, String> {
    let Chunk {
        events: out, issues, ..
    } = chunk;
    extract::extract_into(&opts.map, line, f).map_err(|e| match e {
        FieldError::Json(e) => format!("invalid JSON: {e}"),
        FieldError::NotObject => "valid JSON but not an object".to_string(),
    })?;
    let f = &*f;
    let has = |n: &str| memchr::memmem::find(line, n.as_bytes()).is_some();
    let before = out.len();
    let mut records = 1;
    // OTel batches and `_search` responses have no log field of their own at
    // the top level; ordinary records skip the two scans.
    let wrapper = f.wrapper_key() && f.found() == 0;
    if wrapper && has("\"resourceLogs\"") {
        otel::batch_events(id, line, loc, offset, opts, out);
    } else if f.wrapper_key() && esdoc::mentions_hits(line) && esdoc::is_export(line) {
        if let Some((n, failed)) = esdoc::response_line_events(id, line, loc, offset, opts, out) {
            records = n;
            issues.extend(failed.into_iter().map(|(offset, reason)| ParseIssue {
                locator: loc,
                offset,
                reason,
            }));
        }
    } else if let Some(inner) = embedded_json(line, f) {
        if let Ok(mut inner_f) = extract::extract_with(&opts.map, inner.as_bytes()) {
            let mut outer = f.to_static_fields();
            outer.clear(Slot::Message);
            inner_f.fill_from(&outer);
            out.push(record::to_event(id, loc, offset, &inner_f, opts));
        }
    }
    if out.len() == before && records == 1 {
        let mut ev = record::to_event(id, loc, offset, f, opts);
        ev.set_context_record(line.starts_with(b"{\"metadata\"") || line.starts_with(b"{ \"metadata\""));
        out.push(ev);
    }
    Ok(records)
}

/// Name the service of the events that lack one (from the `service |`
/// prefix of docker compose output).
fn set_service(events: &mut [Event], name: &str) {
    for ev in events {
        if ev.service().is_none() {
            ev.set_origin(&crate::model::Origin {
                service: Some(name.into()),
                ..ev.origin()
            });
        }
    }
}

/// Parse the lines of `b[start..end]` into `out`, which is empty.
fn parse_chunk_into(id: SourceId, b: &[u8], start: usize, end: usize, opts: &Options, out: &mut Chunk) {
    let mut pos = start;
    let mut fields = Fields::default();
    while pos < end {
        let nl = memchr::memchr(b'\n', &b[pos..end]).map_or(end, |k| pos + k);
        let line = &b[pos..nl];
        out.lines += 1;
        let lineno = out.lines;
        let trimmed = line.trim_ascii();
        if !trimmed.is_empty() {
            let lead = line.len() - line.trim_ascii_start().len();
            let offset = (pos + lead) as u64;
            let (service, json) = match compose_prefix(trimmed) {
                Some((name, rest)) if trimmed.first() != Some(&b'{') => (Some(name), rest),
                _ => (None, trimmed),
            };
            let loc = Locator::Line(lineno);
            let before = out.events.len();
            let mut res = match crate::model::oversized(json.len()) {
                Some(reason) => Err(reason),
                None => line_events(id, json, loc, offset, opts, out, &mut fields),
            };
            if res.is_err()
                && json.len() <= crate::model::MAX_RECORD_BYTES
                && std::str::from_utf8(json).is_err()
            {
                // Bad bytes in an otherwise good record (a log written in
                // Latin-1, a cut multi-byte character): read it with U+FFFD
                // in their place rather than lose it.
                let fixed = String::from_utf8_lossy(json);
                let mut f = Fields::default();
                res = line_events(id, fixed.as_bytes(), loc, offset, opts, out, &mut f);
                out.repaired += u64::from(res.is_ok());
            }
            if let Some(name) = service {
                set_service(&mut out.events[before..], name);
            }
            for e in &out.events[before..] {
                crate::normalize::join::push_key_hashes(e, &mut out.keys);
            }
            match res {
                Ok(n) => {
                    out.records += n;
                    if out.votes.len() < 16 {
                        out.votes.push(if service.is_some() {
                            "docker-compose"
                        } else {
                            dialect_of(json)
                        });
                    }
                }
                Err(reason) => {
                    out.records += 1;
                    out.issues.push(ParseIssue {
                        locator: loc,
                        offset,
                        reason,
                    });
                }
            }
        }
        pos = nl + 1;
    }
}

/// Name the logging convention of one line by its tell-tale keys.
fn dialect_of(line: &[u8]) -> &'static str {
    let has = |needle: &str| memchr::memmem::find(line, needle.as_bytes()).is_some();
    let first_key =
        crate::input::json::scan::MemberWalk::new(line, 0).and_then(|mut w| w.next_key().map(|(k, _)| k));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::lines::chunks;
    use crate::model::ErrorClass;
    use crate::model::OptionStr;

    #[test]
    fn counts_lines_records_and_skips() {
        let input = b"{\"status\":200}\n\n{bad\n[1]\r\n{\"status\":503,\"msg\":\"x\"}";
        let out = parse(SourceId(0), input, &Options::default());
        assert_eq!(out.stats.records, 4);
        assert_eq!(out.stats.skipped, 2);
        assert_eq!(out.events.len(), 2);
        assert_eq!(out.stats.issues[0].locator, Locator::Line(3));
        assert_eq!(out.stats.issues[1].locator, Locator::Line(4));
        assert_eq!(out.events[1].locator(), Some(Locator::Line(5)));
        assert_eq!(out.events[1].error_class, Some(ErrorClass::Http5xx));
    }

    #[test]
    fn user_agents_are_kept_whole_and_do_not_multiply_origins() {
        // Every request from its own browser build, two releases of an app.
        let mut input = String::new();
        for i in 0..300 {
            let ua = if i % 3 == 0 {
                format!("ShopApp/7.{}.0 (iPhone; iOS 17.{i})", i % 2)
            } else {
                format!("Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0.{i}.1")
            };
            input.push_str(&format!(
                "{{\"status\":200,\"url\":\"/v1/orders/{i}\",\"user_agent\":\"{ua}\"}}\n"
            ));
        }
        let out = parse(SourceId(0), input.as_bytes(), &Options::default());
        assert_eq!(out.events.len(), 300);
        let e = &out.events[4];
        assert_eq!(
            e.user_agent.as_deref(),
            Some("Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0.4.1")
        );
        assert_eq!(e.release, None);
        assert_eq!(out.events[3].release.as_str(), Some("ShopApp/7.1.0"));
        // One origin for all: the route is the same.
        let origins: std::collections::BTreeSet<_> = out.events.iter().map(|e| e.origin_id.index()).collect();
        assert_eq!(origins.len(), 1, "{origins:?}");
    }

    #[test]
    fn the_key_hashes_are_those_of_the_events_made() {
        // Trace ids (hex, GCP paths, traceparent), request ids, records
        // wrapped in docker and compose lines, a batch of OTel records, a
        // cut line and a repaired one: every event's keys, and no others.
        let mut input = Vec::new();
        for i in 0..40u32 {
            let line = match i % 8 {
                0 => format!("{{\"trace.id\":\"{i:032x}\",\"status\":200}}"),
                1 => format!("{{\"logging.googleapis.com/trace\":\"projects/p/traces/{:032x}\"}}", i / 2),
                2 => format!("{{\"traceparent\":\"00-{i:032x}-00f067aa0ba902b7-01\",\"request_id\":\"r{}\"}}", i % 3),
                3 => format!("{{\"log\":\"{{\\\"trace_id\\\":\\\"{i:032x}\\\"}}\",\"stream\":\"stdout\"}}"),
                4 => format!("web | {{\"request_id\":\"r{}\",\"msg\":\"x\"}}", i % 3),
                5 => format!("{{\"resourceLogs\":[{{\"scopeLogs\":[{{\"logRecords\":[{{\"traceId\":\"{i:032x}\"}},{{\"traceId\":\"{:032x}\"}}]}}]}}]}}", i + 1),
                6 => format!("{{\"trace_id\":\"{i:032x}\",\"msg\":\"cut"),
                _ => format!("{{\"trace_id\":\"{i:016x}\",\"msg\":\"LATIN1\"}}"),
            };
            // A byte that is not UTF-8, for the repaired read.
            input.extend_from_slice(line.replace("LATIN1", "\u{1}").as_bytes());
            if let Some(at) = input.iter().rposition(|&b| b == 1) {
                input[at] = 0xE9;
            }
            input.push(b'\n');
        }
        for chunk in [1, 64, 4096, usize::MAX] {
            let out = parse_chunked(SourceId(0), &input, &Options::default(), chunk);
            let mut got = out.key_hashes.clone().unwrap();
            got.sort_unstable();
            let want = crate::normalize::join::sorted_key_hashes(&out.events);
            assert!(want.len() >= 30, "{}", want.len());
            assert_eq!(got, want, "chunk {chunk}");
        }
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
        let parse_chunk = |s, e| {
            let mut c = Chunk::default();
            parse_chunk_into(SourceId(0), &input, s, e, &Options::default(), &mut c);
            c
        };
        let a: Vec<_> = small.iter().map(|&(s, e)| parse_chunk(s, e)).collect();
        let lines: u64 = a.iter().map(|c| c.lines).sum();
        assert_eq!(lines, parse_chunk(0, input.len()).lines);
        // The merged small chunks give the same events and skips, at the same
        // file lines and offsets, as one chunk; and so do the small chunks
        // parsed by two threads and merged as they finish.
        let one = parse_chunk(0, input.len());
        let a = lines::merge(a);
        let b = lines::merge(vec![one]);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let c = pool.install(|| {
            lines::parse_in_order(&input, 97, |s, e, out| {
                parse_chunk_into(SourceId(0), &input, s, e, &Options::default(), out)
            })
        });
        let key = |e: &Event| (e.locator(), e.offset, e.status, e.ts_ns());
        for m in [&a, &c] {
            assert_eq!(
                m.events.iter().map(key).collect::<Vec<_>>(),
                b.events.iter().map(key).collect::<Vec<_>>()
            );
            assert_eq!(m.stats.issues, b.stats.issues);
            assert_eq!(
                (m.stats.records, m.stats.skipped),
                (b.stats.records, b.stats.skipped)
            );
            assert_eq!(m.keys, b.keys);
        }
        assert_eq!(c.votes, a.votes);
        assert_eq!(a.events.len(), 500);
    }

    #[test]
    fn units_and_aliases() {
        let out = parse(
            SourceId(0),
            br#"{"@timestamp":"2024-05-01T10:00:00Z","event":{"duration":2500000},"http":{"request":{"method":"get"},"response":{"status_code":504}},"url":{"full":"https://api.example.com/v1/orders/123?key=s3cr3t"},"trace":{"id":"4BF92F3577B34DA6A3CE929D0E0E4736"}}
{"level":"info","ts":1716723772.6014807,"logger":"http.log.access","msg":"handled request","request":{"method":"GET","host":"h:400","uri":"/a/b"},"duration":0.25,"status":429,"resp_headers":{"Retry-After":["30"]}}
{"time":"10/Oct/2000:13:55:36 -0700","request":"POST /api/login HTTP/1.1","status":"401","request_time":"0.120"}"#,
            &Options::default(),
        );
        let e = &out.events[0];
        assert_eq!(e.duration_ms(), Some(2.5));
        assert_eq!(e.method().as_str(), Some("GET"));
        assert_eq!(e.host().as_str(), Some("api.example.com"));
        assert_eq!(e.route().as_str(), Some("/v1/orders/{id}"));
        assert_eq!(e.error_class, Some(ErrorClass::UpstreamTimeout));
        assert_eq!(e.trace_id.as_deref(), Some("4bf92f3577b34da6a3ce929d0e0e4736"));
        assert!(!e.url.as_deref().unwrap().contains("s3cr3t"));
        let c = &out.events[1];
        assert_eq!(c.duration_ms(), Some(250.0));
        assert_eq!(c.retry_after_s(), Some(30.0));
        assert_eq!(c.host().as_str(), Some("h:400"));
        let n = &out.events[2];
        assert_eq!(n.method().as_str(), Some("POST"));
        assert_eq!(n.status, Some(401));
        assert_eq!(n.duration_ms(), Some(120.0));
        assert!(n.ts_ns().is_some());
    }

    fn events(text: &str) -> Vec<Event> {
        parse(SourceId(0), text.as_bytes(), &Options::default()).events
    }

    #[test]
    fn traefik_json() {
        let e = &events(
            r#"{"StartUTC":"2024-05-01T10:00:00.5Z","RequestMethod":"GET","RequestHost":"shop.example.com","RequestPath":"/api/cart/77?x=1","DownstreamStatus":502,"OriginStatus":0,"Duration":1500000000,"RetryAttempts":2,"ServiceName":"cart@docker","level":"info","msg":"","time":"2024-05-01T10:00:02Z"}"#,
        )[0];
        assert_eq!(e.status, Some(502));
        assert_eq!(e.duration_ms(), Some(1500.0));
        assert_eq!(e.method().as_str(), Some("GET"));
        assert_eq!(e.route().as_str(), Some("/api/cart/{id}"));
        assert_eq!(e.service().as_str(), Some("cart@docker"));
        assert_eq!(e.ts_ns(), Some(1_714_557_600_500_000_000));
    }

    #[test]
    fn log4j2_and_logstash_logback() {
        let e = &events(
            r#"{"instant":{"epochSecond":1714557600,"nanoOfSecond":123456789},"level":"ERROR","loggerName":"com.x.Api","message":"boom","thrown":{"name":"java.net.SocketTimeoutException","message":"Read timed out"},"contextMap":{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736"}}"#,
        )[0];
        assert_eq!(e.ts_ns(), Some(1_714_557_600_123_456_789));
        assert_eq!(e.trace_id.as_deref(), Some("4bf92f3577b34da6a3ce929d0e0e4736"));
        assert_eq!(e.error_class, Some(ErrorClass::ReadTimeout));
        let e = &events(
            r#"{"@timestamp":"2024-05-01T12:00:00.000+02:00","@version":"1","message":"ok","logger_name":"a","level":"INFO","level_value":20000,"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7"}"#,
        )[0];
        assert_eq!(e.ts_ns(), Some(1_714_557_600_000_000_000));
        assert_eq!(e.span_id().as_str(), Some("00f067aa0ba902b7"));
    }

    #[test]
    fn wrapped_json_is_reparsed() {
        let docker = r#"{"log":"{\"level\":\"error\",\"status\":503,\"msg\":\"upstream down\"}\n","stream":"stderr","time":"2024-05-01T10:00:00.000000001Z"}"#;
        let e = &events(docker)[0];
        assert_eq!(e.status, Some(503));
        assert_eq!(e.message.as_deref(), Some("upstream down"));
        assert_eq!(
            e.ts_ns(),
            Some(1_714_557_600_000_000_001),
            "time comes from the wrapper"
        );
        let failure = r#"{"@timestamp":"2024-05-01T10:00:00Z","tags":["_jsonparsefailure"],"message":"{\"status\":429,\"path\":\"/v1/x\"}"}"#;
        let e = &events(failure)[0];
        assert_eq!(e.status, Some(429));
        assert_eq!(e.route().as_str(), Some("/v1/x"));
    }

    #[test]
    fn compose_prefix_names_the_service() {
        let out = parse(
            SourceId(0),
            b"caddy  | {\"level\":\"error\",\"ts\":1716723772.5,\"status\":502,\"msg\":\"x\"}\nweb_1 | {\"msg\":\"y\"}\n",
            &Options::default(),
        );
        assert_eq!(out.dialect, "docker-compose");
        assert_eq!(out.events.len(), 2);
        assert_eq!(out.events[0].service().as_str(), Some("caddy"));
        assert_eq!(out.events[0].status, Some(502));
        assert_eq!(out.events[1].service().as_str(), Some("web_1"));
    }

    #[test]
    fn apm_metadata_applies_to_the_records_after_it() {
        let text = r#"{"metadata":{"service":{"name":"checkout","version":"1.2.3"}}}
{"transaction":{"id":"945254c567a5417e","trace_id":"0123456789abcdef0123456789abcdef","name":"GET /x","duration":32.5,"timestamp":1496170407154000,"context":{"request":{"method":"GET","url":{"full":"https://shop/x/1"}},"response":{"status_code":500}}}}
{"metadata":{"service":{"name":"payments"}}}
{"error":{"id":"e1","timestamp":1496170407155000,"exception":[{"message":"connection refused","type":"ECONNREFUSED"}]}}"#;
        let out = parse(SourceId(0), text.as_bytes(), &Options::default());
        assert_eq!(out.dialect, "elastic-apm");
        let t = &out.events[1];
        assert_eq!(t.service().as_str(), Some("checkout"));
        assert_eq!(t.service_version().as_str(), Some("1.2.3"));
        assert_eq!(t.status, Some(500));
        assert_eq!(t.duration_ms(), Some(32.5));
        assert_eq!(t.ts_ns(), Some(1_496_170_407_154_000_000));
        let e = &out.events[3];
        assert_eq!(e.service().as_str(), Some("payments"));
        assert_eq!(e.error_class, Some(ErrorClass::ConnectRefused));
    }

    #[test]
    fn sizes_and_rate_limits_from_logs() {
        let e = &events(
            r#"{"time_local":"10/Oct/2000:13:55:36 +0000","request":"POST /upload HTTP/1.1","status":413,"request_length":"10485760","body_bytes_sent":183,"x_ratelimit_remaining":"3"}"#,
        )[0];
        assert_eq!((e.req_bytes(), e.resp_bytes()), (Some(10_485_760), Some(183)));
        assert_eq!(e.ratelimit().and_then(|r| r.remaining), Some(3));
    }

    #[test]
    fn user_mappings_win() {
        let opts = Options {
            map: crate::input::json::fields::FieldMap::with_user(&[
                ("status".into(), "resp.code".into()),
                ("ts".into(), "when".into()),
                ("duration_ms".into(), "took".into()),
            ])
            .unwrap(),
            ..Options::default()
        };
        let out = parse(
            SourceId(0),
            br#"{"when":"2024-05-01T10:00:00Z","resp":{"code":504},"status":"ok","took":12.5}"#,
            &opts,
        );
        let e = &out.events[0];
        assert_eq!(e.status, Some(504));
        assert_eq!(e.duration_ms(), Some(12.5));
        assert_eq!(e.ts_ns(), Some(1_714_557_600_000_000_000));
    }
}
