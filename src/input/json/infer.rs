//! Field inference for JSON lines that use names the alias table does not
//! know (`resp.code`, `timing.total_ms`, `endpoint`). A sample of the
//! input's first lines is flattened to leaf paths; for each role the known
//! aliases leave empty, the path whose name hints at the role and whose
//! values have the role's shape (3-digit statuses, HTTP methods, paths,
//! times, hex trace ids) is mapped to it. Some roles are recognized by
//! their values alone, whatever the name: user agents (`Product/1.2 (…)`),
//! release versions (`7.2.0`), upstream addresses (`10.0.0.7:8080`).
//! A string holding JSON is a response body, and so is an object that
//! reads as one (an outcome member, data beside a status) and holds no
//! field of the record's own. Fields that only failures carry (an error
//! text, an upstream that only proxied requests name) are rare at the top
//! of a file, so the sample is taken from the start and from evenly
//! spread places further on, and such roles need to be present in fewer
//! lines. What was inferred is
//! reported as a note, and `--map` overrides it.

use serde_json::Value;

use crate::input::json::fields::{FieldMap, Slot, Unit};
use crate::normalize::time;
use crate::normalize::trace::is_hex;

/// Lines sampled from the start of the input.
const SAMPLE_LINES: usize = 200;
/// Places further on from which more lines are sampled.
const SAMPLE_PLACES: usize = 16;
/// Lines sampled at each of those places.
const LINES_PER_PLACE: usize = 25;
/// Share of sampled lines a path must appear in.
const MIN_PRESENCE: f64 = 0.3;
/// The same for roles that only some records carry (error texts,
/// request sizes, upstreams): a few lines suffice.
const MIN_SPARSE_PRESENCE: f64 = 0.005;
/// A path in this share of the sampled lines covers a role alone.
const COMPLETE: f64 = 0.95;
/// Two paths whose lines add up to at most this share are carried by
/// different records, and both are kept for the role.
const OVERLAP: f64 = 1.05;
/// Sampled lines a sparse role must still appear in.
const MIN_SPARSE_LINES: usize = 3;
/// Share of a path's values that must have the role's shape.
const MIN_SHAPE: f64 = 0.9;

/// One inferred mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Inferred {
    /// The role.
    pub slot: Slot,
    /// The dotted path in the input.
    pub path: String,
    /// The duration unit, for durations.
    pub unit: Unit,
}

/// The leaves of a record by dotted path, and its objects below the top
/// (a body may be logged as one).
fn flatten<'a>(
    prefix: &str,
    v: &'a Value,
    leaves: &mut Vec<(String, &'a Value)>,
    objects: &mut Vec<(String, &'a Value)>,
    depth: usize,
) {
    match v {
        Value::Object(m) if depth < 8 => {
            if depth > 0 {
                objects.push((prefix.to_string(), v));
            }
            for (k, v) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&p, v, leaves, objects, depth + 1);
            }
        }
        Value::Array(_) | Value::Object(_) => {}
        _ => leaves.push((prefix.to_string(), v)),
    }
}

const METHODS: &[&str] = &[
    "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "CONNECT", "TRACE",
];

fn leaf_name(path: &str) -> String {
    path.rsplit('.').next().unwrap_or(path).to_ascii_lowercase()
}

fn has_any(name: &str, hints: &[&str]) -> bool {
    hints.iter().any(|h| name.contains(h))
}

/// Whether roles of this slot may be missing from most records.
fn sparse(slot: Slot) -> bool {
    matches!(
        slot,
        Slot::ErrorMessage
            | Slot::Upstream
            | Slot::ReqBytes
            | Slot::UserAgent
            | Slot::ServiceVersion
            | Slot::ContentType
            | Slot::UpstreamCluster
            | Slot::ResponseBody
    )
}

/// A user agent: a product token with a version (`okhttp/4.12.0`,
/// `Mozilla/5.0 (…)`), possibly followed by comments and more products.
fn user_agent_like(s: &str) -> bool {
    let token = s.split([' ', '(']).next().unwrap_or("");
    match token.split_once('/') {
        Some((product, version)) => {
            !product.is_empty()
                && product.len() <= 64
                && product
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                && version.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

/// A release version: `7.2.0`, `v2.14.1`, `1.4.0-rc.1`, `3.1.2+build.7`.
/// Two-part numbers (`1.1`, `2.0`) are left out: protocols look like that.
pub fn version_like(s: &str) -> bool {
    let s = s.strip_prefix(['v', 'V']).unwrap_or(s);
    let core = s.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    (3..=4).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 6 && p.bytes().all(|b| b.is_ascii_digit()))
        // Four numbers below 256 are more likely an IPv4 address.
        && !(parts.len() == 4 && s.parse::<std::net::Ipv4Addr>().is_ok())
}

/// An address a request was forwarded to: `host:port`, `ip:port`, or a
/// list of them (nginx logs every upstream it tried, comma-separated).
fn address_like(s: &str) -> bool {
    let first = s.split([',', ' ']).next().unwrap_or("");
    match first.rsplit_once(':') {
        Some((host, port)) => {
            !host.is_empty()
                && port.len() <= 5
                && !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit())
                && host
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
        }
        None => false,
    }
}

/// The values seen at one path, and its name.
struct Sample<'a> {
    /// The path's last segment, lower case.
    name: String,
    /// The whole path, lower case.
    full: String,
    values: &'a [&'a Value],
}

impl Sample<'_> {
    /// Whether enough of the values have the shape.
    fn shaped(&self, pred: &dyn Fn(&Value) -> bool) -> bool {
        let n = self.values.iter().filter(|v| pred(v)).count();
        n as f64 / self.values.len().max(1) as f64 >= MIN_SHAPE
    }
}

/// A number, or a number written as text.
fn num(v: &Value) -> Option<f64> {
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

/// How well `values` at `path` fit `slot`: `None` when they do not.
fn fits(slot: Slot, path: &str, values: &[&Value]) -> Option<u32> {
    let s = Sample {
        name: leaf_name(path),
        full: path.to_ascii_lowercase(),
        values,
    };
    match slot {
        Slot::Status
        | Slot::Method
        | Slot::Url
        | Slot::Ts
        | Slot::Duration
        | Slot::TraceId
        | Slot::SpanId
        | Slot::ParentSpanId
        | Slot::RequestId => fits_request(slot, &s),
        Slot::Host
        | Slot::Service
        | Slot::ServiceVersion
        | Slot::ErrorMessage
        | Slot::Client
        | Slot::UserAgent => fits_party(slot, &s),
        _ => fits_payload(slot, &s),
    }
}

/// The request's own roles: status, method, URL, time, duration and ids.
fn fits_request(slot: Slot, s: &Sample<'_>) -> Option<u32> {
    let (name, full, values) = (&s.name, &s.full, s.values);
    let shaped = |pred: &dyn Fn(&Value) -> bool| s.shaped(pred);
    match slot {
        Slot::Status => {
            let ok = shaped(&|v| num(v).is_some_and(|n| (100.0..600.0).contains(&n) && n.fract() == 0.0));
            let named = has_any(name, &["status", "code"]) || has_any(full, &["status"]);
            (ok && named).then_some(if name.contains("status") { 3 } else { 1 })
        }
        Slot::Method => shaped(&|v| {
            v.as_str()
                .is_some_and(|s| METHODS.contains(&s.to_ascii_uppercase().as_str()))
        })
        .then_some(2),
        Slot::Url => {
            let ok = shaped(&|v| {
                v.as_str().is_some_and(|s| {
                    s.starts_with('/') || s.starts_with("http://") || s.starts_with("https://")
                })
            });
            let named = has_any(
                name,
                &["path", "url", "uri", "route", "endpoint", "target", "resource"],
            );
            (ok && named).then_some(if name.contains("url") { 3 } else { 2 })
        }
        Slot::Ts => {
            let ok = shaped(&|v| match v {
                // Numbers written as text ("200") are epoch times only
                // past 2000, like numbers.
                Value::String(s) => time::parse_text(s).is_some_and(|p| p.ns > 946_684_800_000_000_000),
                Value::Number(n) => n
                    .as_i64()
                    .and_then(time::from_epoch_int)
                    .or_else(|| n.as_f64().and_then(time::from_epoch_float))
                    .is_some_and(|ns| ns > 946_684_800_000_000_000),
                _ => false,
            });
            let named = has_any(name, &["time", "ts", "date", "when", "at", "logged"]);
            (ok && named).then_some(2)
        }
        Slot::Duration => {
            let ok = shaped(&|v| num(v).is_some_and(|n| n >= 0.0));
            let named = has_any(
                name,
                &[
                    "duration",
                    "latency",
                    "elapsed",
                    "took",
                    "response_time",
                    "resp_time",
                    "rt_ms",
                ],
            ) || name.ends_with("_ms")
                || (name.contains("time") && has_any(name, &["ms", "total", "request", "response"]));
            (ok && named).then_some(2)
        }
        Slot::TraceId => {
            let ok = shaped(&|v| {
                v.as_str()
                    .is_some_and(|s| (s.len() == 32 || s.len() == 16) && is_hex(s))
            });
            (ok && name.contains("trace")).then_some(2)
        }
        Slot::SpanId => {
            let ok = shaped(&|v| v.as_str().is_some_and(|s| s.len() == 16 && is_hex(s)));
            (ok && name.contains("span") && !name.contains("parent")).then_some(2)
        }
        Slot::ParentSpanId => {
            let ok = shaped(&|v| v.as_str().is_some_and(|s| s.len() == 16 && is_hex(s)));
            (ok && name.contains("parent")).then_some(2)
        }
        Slot::RequestId => {
            let ok = shaped(&|v| v.as_str().is_some_and(|s| s.len() >= 8));
            let compact = name.replace(['_', '-'], "");
            if ok && has_any(&compact, &["requestid", "reqid", "correlationid", "correlation"]) {
                return Some(2);
            }
            // By value: an id per request (`call_id`, `rid`), mostly
            // distinct, opaque and long, under a name that says id and
            // none of the things that are not requests.
            let opaque = shaped(&|v| {
                v.as_str().is_some_and(|s| {
                    (12..=80).contains(&s.len())
                        && s.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                        && s.bytes().any(|b| b.is_ascii_digit())
                })
            });
            let mut distinct: Vec<&str> = values.iter().filter_map(|v| v.as_str()).collect();
            let n = distinct.len();
            distinct.sort_unstable();
            distinct.dedup();
            let idlike = (compact.ends_with("id") || compact.ends_with("uuid"))
                && !has_any(
                    &compact,
                    &[
                        "trace", "span", "parent", "user", "session", "account", "order", "customer",
                        "tenant", "device", "org", "client", "key", "thread", "process", "pid", "host",
                        "node",
                    ],
                );
            (opaque && idlike && n > 0 && distinct.len() as f64 >= 0.5 * n as f64).then_some(1)
        }
        _ => None,
    }
}

/// Who took part: host, service and version, client, user agent, and
/// the error they reported.
fn fits_party(slot: Slot, s: &Sample<'_>) -> Option<u32> {
    let (name, full, values) = (&s.name, &s.full, s.values);
    let shaped = |pred: &dyn Fn(&Value) -> bool| s.shaped(pred);
    match slot {
        Slot::Host => {
            let ok = shaped(&|v| {
                v.as_str().is_some_and(|s| {
                    !s.is_empty() && !s.contains(' ') && !s.starts_with('/') && s.contains('.')
                })
            });
            (ok && has_any(name, &["host", "domain", "authority", "server_name", "vhost"])).then_some(2)
        }
        Slot::Service => {
            let ok = shaped(&|v| v.as_str().is_some_and(|s| !s.is_empty() && s.len() < 80));
            (ok && has_any(name, &["service", "component", "app"]) && !name.contains("version")).then_some(2)
        }
        Slot::ServiceVersion => {
            // The service's own version, not a protocol's or a schema's.
            let ok = shaped(&|v| v.is_string() || v.is_number());
            let named = has_any(name, &["version", "release", "build"])
                && (full == "version"
                    || has_any(full, &["service", "app", "release", "build", "deploy", "commit"]))
                && !has_any(
                    full,
                    &[
                        "ecs", "http", "protocol", "schema", "tls", "agent", "runtime", "os.",
                    ],
                );
            if ok && named {
                return Some(2);
            }
            // By value: release versions under a name no alias knows, with
            // few distinct values (a deploy has a handful).
            let mut distinct: Vec<&str> = values.iter().filter_map(|v| v.as_str()).collect();
            distinct.sort_unstable();
            distinct.dedup();
            let by_value = shaped(&|v| v.as_str().is_some_and(version_like))
                && distinct.len() <= 32
                && !has_any(
                    full,
                    &[
                        "ecs", "http", "protocol", "schema", "tls", "agent", "runtime", "os", "sdk", "lib",
                        "api",
                    ],
                );
            by_value.then_some(1)
        }
        Slot::ErrorMessage => {
            let ok = shaped(&|v| v.is_string());
            (ok && has_any(name, &["error", "err", "exception", "failure", "reason"])).then_some(2)
        }
        Slot::Client => {
            let ok = shaped(&|v| v.as_str().is_some_and(|s| s.parse::<std::net::IpAddr>().is_ok()));
            let named = has_any(full, &["client", "remote", "peer", "src", "source"])
                && !has_any(full, &["dest", "server", "upstream", "target", "backend"]);
            (ok && named).then_some(2)
        }
        Slot::UserAgent => {
            let compact = name.replace(['_', '-'], "");
            if compact.contains("useragent") {
                return shaped(&|v| v.is_string()).then_some(2);
            }
            // By value: most are product tokens, and they vary.
            let ok = shaped(&|v| v.as_str().is_some_and(user_agent_like));
            let spaced = values.iter().any(|v| v.as_str().is_some_and(|s| s.contains(' ')));
            (ok && (spaced || has_any(&compact, &["agent", "ua", "client"]))).then_some(1)
        }
        _ => None,
    }
}

/// Members that say an object is an API response body: an outcome.
const BODY_OUTCOME: &[&str] = &[
    "code",
    "errcode",
    "error_code",
    "errorCode",
    "err_code",
    "success",
    "ok",
    "errors",
    "error",
];
/// Members that say so beside a `status` or `result`.
const BODY_BESIDE_STATUS: &[&str] = &["data", "message", "msg", "errmsg", "reason"];
/// Members any response body may carry, which say so under a body's name.
const BODY_MEMBERS: &[&str] = &["data", "result", "message", "msg", "errmsg", "items", "id"];

/// Whether an object reads as an API response body: it carries an
/// outcome or a wrapped reply, is a GraphQL response, has a status beside
/// data or a message, or, under a body's name, what bodies hold.
fn body_like(m: &serde_json::Map<String, Value>, named: bool) -> bool {
    let has = |keys: &[&str]| keys.iter().any(|k| m.contains_key(*k));
    // A reply wrapped in a member named for the call or the reply
    // (`alipay_trade_pay_response`, `Response`).
    let wrapped = m
        .iter()
        .any(|(k, v)| (k.ends_with("_response") || k == "Response") && v.is_object());
    // A GraphQL response: `data`, with `errors` and `extensions` or not.
    let graphql = m.get("data").is_some_and(|d| d.is_object() || d.is_null())
        && m.keys()
            .all(|k| matches!(k.as_str(), "data" | "errors" | "extensions"));
    has(BODY_OUTCOME)
        || wrapped
        || graphql
        || (m.contains_key("status") || m.contains_key("result")) && has(BODY_BESIDE_STATUS)
        || named && has(BODY_MEMBERS)
}

/// What was sent and where: bodies, upstreams, content types and sizes.
fn fits_payload(slot: Slot, s: &Sample<'_>) -> Option<u32> {
    let (name, full) = (&s.name, &s.full);
    let shaped = |pred: &dyn Fn(&Value) -> bool| s.shaped(pred);
    match slot {
        Slot::ResponseBody => {
            // JSON inside a string: a response body some logger kept as
            // text. Or an object that reads as a body, logged as is.
            let text = shaped(&|v| {
                v.as_str().is_some_and(|s| {
                    let t = s.trim_start();
                    (t.starts_with('{') || t.starts_with('['))
                        && serde_json::from_str::<serde::de::IgnoredAny>(s).is_ok()
                })
            });
            let object = shaped(&|v| v.as_object().is_some_and(|m| !m.is_empty()));
            // A body under a request object (ECS `http.request.body.content`)
            // is what the client sent, whatever its own name says.
            let inbound = has_any(name, &["req", "request", "input", "sent", "query", "param"])
                || (has_any(full, &["request"]) && !has_any(full, &["resp", "reply"]));
            let named = has_any(
                name,
                &["resp", "reply", "response", "body", "payload", "result", "output"],
            );
            // An object is a body when most of them carry what bodies
            // carry: an outcome (a code, `success`, `errors`), or, under a
            // body's name, data or a message. Others are the record's own
            // structure (a user, a geo location, Kubernetes metadata).
            let object = object && {
                let bodies = s
                    .values
                    .iter()
                    .filter(|v| v.as_object().is_some_and(|m| body_like(m, named)))
                    .count();
                bodies as f64 >= 0.5 * s.values.len() as f64
            };
            ((text || object) && !inbound).then_some(if named { 2 } else { 1 })
        }
        Slot::UpstreamCluster => {
            // A cluster or pool is named, not addressed.
            let ok = shaped(&|v| {
                v.as_str()
                    .is_some_and(|s| !s.is_empty() && s.len() <= 200 && !s.contains(' ') && !address_like(s))
            });
            let named =
                has_any(name, &["cluster", "pool"]) && !has_any(name, &["status", "time", "code", "latency"]);
            (ok && named).then_some(2)
        }
        Slot::Upstream => {
            let ok = shaped(&|v| v.as_str().is_some_and(address_like));
            let named = has_any(
                name,
                &[
                    "upstream", "backend", "target", "node", "origin", "dest", "instance", "pod", "server",
                ],
            );
            let other_end = has_any(full, &["client", "remote", "peer", "src", "source"]);
            (ok && !other_end).then_some(if named { 2 } else { 1 })
        }
        Slot::ContentType => {
            let ok = shaped(&|v| {
                v.as_str()
                    .is_some_and(|s| crate::normalize::media_type(s).is_some())
            });
            let named = (has_any(name, &["type", "mime", "ctype"]) || has_any(full, &["content"]))
                && !has_any(full, &["resp", "response", "accept", "sent", "out"]);
            (ok && named).then_some(2)
        }
        Slot::ReqBytes => {
            let ok = shaped(&|v| num(v).is_some_and(|n| n >= 0.0 && n.fract() == 0.0));
            let sized = has_any(name, &["len", "size", "bytes", "length"]);
            let inbound = has_any(
                name,
                &["req", "request", "upload", "payload", "in", "received", "body"],
            ) && !has_any(name, &["resp", "response", "sent", "out"]);
            (ok && sized && inbound).then_some(2)
        }
        _ => None,
    }
}

/// Roles worth inferring, in the order they claim paths.
const ROLES: &[Slot] = &[
    Slot::Ts,
    Slot::Status,
    Slot::Method,
    Slot::Url,
    Slot::Duration,
    Slot::TraceId,
    Slot::ParentSpanId,
    Slot::SpanId,
    Slot::RequestId,
    Slot::Host,
    Slot::ServiceVersion,
    Slot::Service,
    Slot::Client,
    Slot::UserAgent,
    Slot::Upstream,
    Slot::UpstreamCluster,
    Slot::ReqBytes,
    Slot::ContentType,
    Slot::ResponseBody,
    Slot::ErrorMessage,
];

fn duration_unit(path: &str) -> Unit {
    let n = leaf_name(path);
    if n.ends_with("_ns") || n.ends_with("nanos") || n.contains("nano") {
        Unit::Ns
    } else if n.ends_with("_us") || n.contains("micro") {
        Unit::Us
    } else if n.ends_with("_ms") || n.contains("millis") || n.ends_with("ms") {
        Unit::Ms
    } else if n.ends_with("_s") || n.ends_with("_sec") || n.ends_with("seconds") || n.ends_with("secs") {
        Unit::S
    } else {
        Unit::MsOrS
    }
}

/// Lines longer than this are left out of the sample.
const MAX_SAMPLE_LINE: usize = 1 << 20;

/// Parse up to `want` JSON-object lines from the start of `bytes` into
/// `out`; returns the bytes read.
fn sample(bytes: &[u8], want: usize, out: &mut Vec<Value>) -> usize {
    let (mut got, mut read) = (0usize, 0usize);
    for line in bytes.split(|&c| c == b'\n').take(want * 2) {
        read += line.len() + 1;
        let t = line.trim_ascii();
        // A huge line would be copied whole into the sample's value tree.
        if t.first() != Some(&b'{') || t.len() > MAX_SAMPLE_LINE {
            continue;
        }
        if let Ok(v) = serde_json::from_slice::<Value>(t) {
            out.push(v);
            got += 1;
        }
        if got >= want {
            break;
        }
    }
    read
}

/// Whether `path` lies inside the object at `outer` (`a.b` inside `a`).
fn inside(path: &str, outer: &str) -> bool {
    path.strip_prefix(outer).is_some_and(|rest| rest.starts_with('.'))
}

/// Sampled values grouped by path, in first-seen order.
#[derive(Default)]
struct ByPath<'a> {
    groups: Vec<(String, Vec<&'a Value>)>,
    index: rustc_hash::FxHashMap<String, usize>,
}

impl<'a> ByPath<'a> {
    fn push(&mut self, path: String, v: &'a Value) {
        let groups = &mut self.groups;
        let i = *self.index.entry(path).or_insert_with_key(|p| {
            groups.push((p.clone(), Vec::new()));
            groups.len() - 1
        });
        groups[i].1.push(v);
    }

    fn has(&self, path: &str) -> bool {
        self.index.contains_key(path)
    }
}

/// Drop the candidates that are objects inside another candidate: a body
/// holds objects that may read as bodies too (JSON-RPC's `result` and
/// `error`), and the outermost object that fits is the body. A string of
/// JSON inside one is the body itself, and stays.
fn outermost_objects(fitting: &mut Vec<(u32, usize, &String)>, objects: &ByPath<'_>) {
    let inner: Vec<bool> = fitting
        .iter()
        .map(|(_, _, p)| objects.has(p) && fitting.iter().any(|(_, _, q)| inside(p, q)))
        .collect();
    let mut keep = inner.iter().map(|i| !i);
    fitting.retain(|_| keep.next().unwrap_or(true));
}

/// Infer mappings for the roles the known aliases miss in this input.
pub fn infer(map: &FieldMap, bytes: &[u8]) -> Vec<Inferred> {
    let mut lines: Vec<Value> = Vec::new();
    sample(bytes, SAMPLE_LINES, &mut lines);
    // Further places, each from the start of a line: records that only
    // come later (the incident's failures) are seen too.
    let mut from = 0usize;
    for k in 1..=SAMPLE_PLACES {
        let at = (bytes.len() / (SAMPLE_PLACES + 1)).saturating_mul(k).max(from);
        let Some(nl) = bytes.get(at..).and_then(|b| memchr::memchr(b'\n', b)) else {
            break;
        };
        let start = at + nl + 1;
        from = start + sample(&bytes[start..], LINES_PER_PLACE, &mut lines);
    }
    if lines.is_empty() {
        return Vec::new();
    }
    // The leaves' values by path, not the known ones.
    let mut paths = ByPath::default();
    let mut covered = [false; crate::input::json::fields::SLOTS];
    // Objects, by path, that may be bodies; and those that hold a known
    // field, which are the record's own structure.
    let mut objects = ByPath::default();
    let mut structural: rustc_hash::FxHashSet<String> = Default::default();
    for v in &lines {
        let (mut leaves, mut objs) = (Vec::new(), Vec::new());
        flatten("", v, &mut leaves, &mut objs, 0);
        for (p, val) in objs {
            objects.push(p, val);
        }
        for (p, val) in leaves {
            if let Some(slot) = map.slot_of(&p) {
                covered[slot as usize] = true;
                for (i, _) in p.match_indices('.') {
                    structural.insert(p[..i].to_string());
                }
                continue;
            }
            paths.push(p, val);
        }
    }
    // A request line or a URL covers the method and the path roles.
    if covered[Slot::RequestLine as usize] {
        covered[Slot::Method as usize] = true;
        covered[Slot::Url as usize] = true;
    }
    let n = lines.len() as f64;
    let mut taken: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for &slot in ROLES {
        if covered[slot as usize] {
            continue;
        }
        // An object that holds a known field, or one a role took (a
        // status at `resp.code`), is the record's own structure.
        let bodies = objects.groups.iter().filter(|(p, _)| {
            slot == Slot::ResponseBody && !structural.contains(p) && !taken.iter().any(|t| inside(t, p))
        });
        let mut fitting: Vec<(u32, usize, &String)> = paths
            .groups
            .iter()
            .chain(bodies)
            .filter(|(p, vals)| {
                let present = if sparse(slot) {
                    vals.len() >= MIN_SPARSE_LINES && vals.len() as f64 / n >= MIN_SPARSE_PRESENCE
                } else {
                    vals.len() as f64 / n >= MIN_PRESENCE
                };
                // Nor what lies inside a body taken whole.
                present && !taken.iter().any(|t| p == t || inside(p, t))
            })
            .filter_map(|(p, vals)| {
                let non_null: Vec<&Value> = vals.iter().copied().filter(|v| !v.is_null()).collect();
                fits(slot, p, &non_null).map(|score| (score, non_null.len(), p))
            })
            .collect();
        outermost_objects(&mut fitting, &objects);
        // Best first: score, then presence, then the smaller path.
        fitting.sort_by(|a, b| (b.0, b.1).cmp(&(a.0, a.1)).then_with(|| a.2.cmp(b.2)));
        let Some(&(_, best_n, best)) = fitting.first() else {
            continue;
        };
        let mut chosen = vec![best];
        // Records of two layouts in one input (a service's request lines
        // with `http.path`, its outbound calls with `endpoint`): a second
        // path that the other records carry is kept behind the first.
        if (best_n as f64) < COMPLETE * n {
            if let Some(&(_, _, other)) = fitting
                .iter()
                .skip(1)
                .find(|(_, k, _)| (best_n + k) as f64 <= OVERLAP * n)
            {
                chosen.push(other);
            }
        }
        for p in chosen {
            taken.push(p);
            out.push(Inferred {
                slot,
                path: p.clone(),
                unit: if slot == Slot::Duration {
                    duration_unit(p)
                } else {
                    Unit::None
                },
            });
        }
    }
    out
}

/// A note for the report.
pub fn describe(found: &[Inferred]) -> String {
    let parts: Vec<String> = found
        .iter()
        .map(|f| format!("{} ← {}", f.slot.name(), f.path))
        .collect();
    format!(
        "fields inferred from their names and values: {}; override with --map NAME=PATH",
        parts.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::json::fields::BUILTIN;

    #[test]
    fn infers_unknown_names_by_shape() {
        let text = br#"{"when":"2024-05-01T10:00:00Z","resp":{"code":503},"verb":"GET","endpoint":"/v1/orders/7","timing":{"total_ms":12.5},"correlation":"abc123def456","origin":{"hostname":"api.example.com"}}
{"when":"2024-05-01T10:00:01Z","resp":{"code":200},"verb":"POST","endpoint":"/v1/orders","timing":{"total_ms":3},"correlation":"abc123def457","origin":{"hostname":"api.example.com"}}
"#;
        let found = infer(&BUILTIN, text);
        let get = |s: Slot| found.iter().find(|f| f.slot == s).map(|f| f.path.as_str());
        assert_eq!(get(Slot::Ts), Some("when"));
        assert_eq!(get(Slot::Status), Some("resp.code"));
        assert_eq!(get(Slot::Method), Some("verb"));
        assert_eq!(get(Slot::Url), Some("endpoint"));
        assert_eq!(get(Slot::Duration), Some("timing.total_ms"));
        assert_eq!(get(Slot::Host), Some("origin.hostname"));
        assert_eq!(get(Slot::RequestId), Some("correlation"));
        let d = found.iter().find(|f| f.slot == Slot::Duration).map(|f| f.unit);
        assert_eq!(d, Some(Unit::Ms));
    }

    #[test]
    fn a_body_under_a_request_object_is_not_the_response_body() {
        // ECS keeps the request body at http.request.body.content: JSON in
        // a string, with a name that says only "content".
        let line = |i: u32| {
            format!(
                r#"{{"@timestamp":"2024-05-01T10:00:0{i}Z","http":{{"request":{{"body":{{"content":"{{\"sku\":\"A{i}\",\"qty\":1}}"}}}},"response":{{"status_code":200}}}},"out":{{"data":"{{\"id\":{i},\"ok\":true}}"}}}}"#
            )
        };
        let text = (0..4).map(line).collect::<Vec<_>>().join("\n");
        let found = infer(&BUILTIN, text.as_bytes());
        let bodies: Vec<&str> = found
            .iter()
            .filter(|f| f.slot == Slot::ResponseBody)
            .map(|f| f.path.as_str())
            .collect();
        assert_eq!(bodies, ["out.data"], "{found:?}");
    }

    #[test]
    fn objects_that_read_as_bodies_are_bodies_and_the_records_own_are_not() {
        let line = |i: u32, body: &str| {
            format!(
                r#"{{"when":"2024-05-01T10:00:0{i}Z","resp":{{"code":"200"}},"verb":"GET","endpoint":"/v1/a","user":{{"id":{i},"name":"n"}},"k8s":{{"pod":"p","status":"Running"}},{body}}}"#
            )
        };
        let bodies = |body: &dyn Fn(u32) -> String| {
            let text: Vec<String> = (0..6).map(|i| line(i, &body(i))).collect();
            let found = infer(&BUILTIN, text.join("\n").as_bytes());
            let paths: Vec<String> = found
                .iter()
                .filter(|f| f.slot == Slot::ResponseBody)
                .map(|f| f.path.clone())
                .collect();
            (paths, found)
        };
        // An outcome under a name nobody aliased.
        let (got, found) = bodies(&|i| format!(r#""answer":{{"errcode":{i},"errmsg":"ok"}}"#));
        assert_eq!(got, ["answer"], "{found:?}");
        // `resp` holds the status, `user` and `k8s` are the record's own;
        // nothing inside the body is taken for another role.
        assert!(found.iter().all(|f| !f.path.starts_with("answer.")), "{found:?}");
        // Data and a message under a body's name.
        let (got, _) = bodies(&|i| format!(r#""payload":{{"data":{{"id":{i}}},"message":"ok"}}"#));
        assert_eq!(got, ["payload"]);
        // An object without what bodies carry, under no body's name.
        let (got, _) = bodies(&|i| format!(r#""geo":{{"lat":{i},"lon":2}}"#));
        assert!(got.is_empty(), "{got:?}");
        // JSON-RPC: the reply, not the `result` or `error` inside it.
        let (got, _) = bodies(&|i| match i % 2 {
            0 => r#""rpc":{"jsonrpc":"2.0","result":{"id":7},"id":1}"#.to_string(),
            _ => r#""rpc":{"jsonrpc":"2.0","error":{"code":-32602,"message":"m"},"id":1}"#.to_string(),
        });
        assert_eq!(got, ["rpc"]);
        // GraphQL: `data` alone is a response under any name.
        let (got, _) = bodies(&|i| format!(r#""gql":{{"data":{{"viewer":{{"id":{i}}}}}}}"#));
        assert_eq!(got, ["gql"]);
        // `body`, a message elsewhere, holding objects here.
        let (got, found) = bodies(&|i| format!(r#""body":{{"code":{i},"msg":"m"}}"#));
        assert_eq!(got, ["body"]);
        let map = BUILTIN.with_added(found.iter().map(|f| (f.path.as_str(), f.slot, f.unit)));
        assert_eq!(map.slot_of("body"), Some(Slot::ResponseBody));
        assert_eq!(BUILTIN.slot_of("body"), Some(Slot::Message));
    }

    #[test]
    fn a_status_written_as_text_is_not_a_time() {
        let text = br#"{"when":"2024-05-01T10:00:00Z","http_status":"200","verb":"GET","resource":"/v1/a"}
{"when":"2024-05-01T10:00:01Z","http_status":"404","verb":"GET","resource":"/v1/b"}
"#;
        let found = infer(&BUILTIN, text);
        let get = |s: Slot| found.iter().find(|f| f.slot == s).map(|f| f.path.as_str());
        assert_eq!(get(Slot::Ts), Some("when"));
        assert_eq!(get(Slot::Status), Some("http_status"));
    }

    #[test]
    fn known_aliases_are_left_alone() {
        let text = br#"{"@timestamp":"2024-05-01T10:00:00Z","status":503,"http_code":404,"url":"/x"}"#;
        let found = infer(&BUILTIN, text);
        assert!(
            found.iter().all(|f| f.slot != Slot::Status && f.slot != Slot::Ts),
            "{found:?}"
        );
    }
}
