//! Field extraction for JSON-lines records by alias (`docs/formats.md` §3.2).
//!
//! A record is walked once: nested and dotted keys flatten into dotted
//! paths, only the leaves whose path is a known alias are kept (borrowing
//! strings from the input where it can), and every other subtree is
//! skipped without being built. No generic JSON tree is built; the one
//! object kept is a response body logged as an object, as its JSON text.
//! The walk is the fast one of [`crate::input::json::walk`] when it
//! answers, and a serde visitor otherwise: serde decides what is invalid
//! and words the error.

use std::borrow::Cow;
use std::fmt;
use std::sync::LazyLock;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// What a field means once found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Slot {
    /// Event time.
    Ts,
    /// Log4j2 `instant.epochSecond`.
    InstantSec,
    /// Log4j2 `instant.nanoOfSecond`.
    InstantNano,
    /// Level name or pino/logback number.
    Level,
    /// OTel severityNumber.
    SeverityNumber,
    /// Log message.
    Message,
    /// HTTP status.
    Status,
    /// Duration; the alias carries the unit.
    Duration,
    /// HTTP method.
    Method,
    /// Full URL or request target.
    Url,
    /// Host or authority.
    Host,
    /// `"GET /path HTTP/1.1"`.
    RequestLine,
    /// Trace id (hex or decimal).
    TraceId,
    /// Span id.
    SpanId,
    /// Parent span id.
    ParentSpanId,
    /// Request or correlation id.
    RequestId,
    /// Error message.
    ErrorMessage,
    /// Error type or code.
    ErrorType,
    /// Service name.
    Service,
    /// Service version.
    ServiceVersion,
    /// Logger name (used to tell dialects apart).
    Logger,
    /// `Retry-After`.
    RetryAfter,
    /// `WWW-Authenticate`.
    WwwAuthenticate,
    /// `Authorization` (read for its scheme and JWT claims only).
    Authorization,
    /// Upstream status behind a proxy.
    UpstreamStatus,
    /// Client address.
    Client,
    /// Elasticsearch `_index` (for de-duplicating hits).
    EsIndex,
    /// Elasticsearch `_id`.
    EsId,
    /// Logstash/Beats `tags`.
    Tags,
    /// The response body, as JSON text.
    ResponseBody,
    /// Request body bytes.
    ReqBytes,
    /// Response body bytes.
    RespBytes,
    /// Rate-limit requests remaining.
    RlRemaining,
    /// The client's `User-Agent`.
    UserAgent,
    /// The upstream a proxy forwarded to (`upstream_addr`, Envoy `upstream_host`).
    Upstream,
    /// A logged W3C `traceparent` header value.
    Traceparent,
    /// The request's `Content-Type`.
    ContentType,
    /// The upstream cluster or pool (Envoy `upstream_cluster`).
    UpstreamCluster,
}

/// Number of slots.
pub const SLOTS: usize = Slot::UpstreamCluster as usize + 1;

impl Slot {
    /// Every slot, in declaration order.
    pub const ALL: [Slot; SLOTS] = [
        Slot::Ts,
        Slot::InstantSec,
        Slot::InstantNano,
        Slot::Level,
        Slot::SeverityNumber,
        Slot::Message,
        Slot::Status,
        Slot::Duration,
        Slot::Method,
        Slot::Url,
        Slot::Host,
        Slot::RequestLine,
        Slot::TraceId,
        Slot::SpanId,
        Slot::ParentSpanId,
        Slot::RequestId,
        Slot::ErrorMessage,
        Slot::ErrorType,
        Slot::Service,
        Slot::ServiceVersion,
        Slot::Logger,
        Slot::RetryAfter,
        Slot::WwwAuthenticate,
        Slot::Authorization,
        Slot::UpstreamStatus,
        Slot::Client,
        Slot::EsIndex,
        Slot::EsId,
        Slot::Tags,
        Slot::ResponseBody,
        Slot::ReqBytes,
        Slot::RespBytes,
        Slot::RlRemaining,
        Slot::UserAgent,
        Slot::Upstream,
        Slot::Traceparent,
        Slot::ContentType,
        Slot::UpstreamCluster,
    ];

    /// The name used by `--map NAME=PATH`.
    pub fn name(self) -> &'static str {
        match self {
            Slot::Ts => "ts",
            Slot::InstantSec => "instant_sec",
            Slot::InstantNano => "instant_nano",
            Slot::Level => "level",
            Slot::SeverityNumber => "severity_number",
            Slot::Message => "message",
            Slot::Status => "status",
            Slot::Duration => "duration_ms",
            Slot::Method => "method",
            Slot::Url => "url",
            Slot::Host => "host",
            Slot::RequestLine => "request_line",
            Slot::TraceId => "trace_id",
            Slot::SpanId => "span_id",
            Slot::ParentSpanId => "parent_span_id",
            Slot::RequestId => "request_id",
            Slot::ErrorMessage => "error",
            Slot::ErrorType => "error_type",
            Slot::Service => "service",
            Slot::ServiceVersion => "service_version",
            Slot::Logger => "logger",
            Slot::RetryAfter => "retry_after",
            Slot::WwwAuthenticate => "www_authenticate",
            Slot::Authorization => "authorization",
            Slot::UpstreamStatus => "upstream_status",
            Slot::Client => "client",
            Slot::EsIndex => "es_index",
            Slot::EsId => "es_id",
            Slot::Tags => "tags",
            Slot::ResponseBody => "response_body",
            Slot::ReqBytes => "req_bytes",
            Slot::RespBytes => "resp_bytes",
            Slot::RlRemaining => "ratelimit_remaining",
            Slot::UserAgent => "user_agent",
            Slot::Upstream => "upstream",
            Slot::Traceparent => "traceparent",
            Slot::ContentType => "content_type",
            Slot::UpstreamCluster => "upstream_cluster",
        }
    }
}

/// Unit of a duration alias.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Not a duration.
    None,
    /// Nanoseconds.
    Ns,
    /// Microseconds.
    Us,
    /// Milliseconds.
    Ms,
    /// Seconds.
    S,
    /// Milliseconds when integral, seconds when fractional (Caddy vs Envoy `duration`).
    MsOrS,
}

/// The alias table: dotted path, slot, unit. Earlier entries of the same slot win.
const ALIASES: &[(&str, Slot, Unit)] = &[
    // time
    ("@timestamp", Slot::Ts, Unit::None),
    ("timestamp", Slot::Ts, Unit::None),
    // Request start beats the log line's own time (Traefik, Envoy).
    ("StartUTC", Slot::Ts, Unit::None),
    ("start_time", Slot::Ts, Unit::None),
    ("time", Slot::Ts, Unit::None),
    ("ts", Slot::Ts, Unit::None),
    ("timeUnixNano", Slot::Ts, Unit::None),
    ("observedTimeUnixNano", Slot::Ts, Unit::None),
    ("time_iso8601", Slot::Ts, Unit::None),
    ("time_local", Slot::Ts, Unit::None),
    ("msec", Slot::Ts, Unit::None),
    ("timeMillis", Slot::Ts, Unit::None),
    ("date", Slot::Ts, Unit::None),
    ("EdgeStartTimestamp", Slot::Ts, Unit::None),
    ("transaction.timestamp", Slot::Ts, Unit::None),
    ("span.timestamp", Slot::Ts, Unit::None),
    ("error.timestamp", Slot::Ts, Unit::None),
    ("log.timestamp", Slot::Ts, Unit::None),
    // Serilog's compact JSON (CLEF).
    ("@t", Slot::Ts, Unit::None),
    ("instant.epochSecond", Slot::InstantSec, Unit::None),
    ("instant.nanoOfSecond", Slot::InstantNano, Unit::None),
    // level
    ("log.level", Slot::Level, Unit::None),
    ("level", Slot::Level, Unit::None),
    ("severityText", Slot::Level, Unit::None),
    ("severity", Slot::Level, Unit::None),
    ("levelname", Slot::Level, Unit::None),
    ("lvl", Slot::Level, Unit::None),
    ("@fields.lvl", Slot::Level, Unit::None),
    ("level_value", Slot::Level, Unit::None),
    ("@l", Slot::Level, Unit::None),
    ("severityNumber", Slot::SeverityNumber, Unit::None),
    // message
    ("message", Slot::Message, Unit::None),
    ("msg", Slot::Message, Unit::None),
    ("@fields.msg", Slot::Message, Unit::None),
    ("body.stringValue", Slot::Message, Unit::None),
    ("body", Slot::Message, Unit::None),
    ("event", Slot::Message, Unit::None),
    ("log", Slot::Message, Unit::None),
    ("error.log.message", Slot::Message, Unit::None),
    ("log.message", Slot::Message, Unit::None),
    ("@m", Slot::Message, Unit::None),
    ("@mt", Slot::Message, Unit::None),
    // status
    ("http.response.status_code", Slot::Status, Unit::None),
    ("status", Slot::Status, Unit::None),
    ("status_code", Slot::Status, Unit::None),
    ("statusCode", Slot::Status, Unit::None),
    ("StatusCode", Slot::Status, Unit::None),
    ("res.statusCode", Slot::Status, Unit::None),
    ("response_code", Slot::Status, Unit::None),
    ("DownstreamStatus", Slot::Status, Unit::None),
    ("elb_status_code", Slot::Status, Unit::None),
    ("http.status_code", Slot::Status, Unit::None),
    ("httpRequest.status", Slot::Status, Unit::None),
    ("EdgeResponseStatus", Slot::Status, Unit::None),
    (
        "transaction.context.response.status_code",
        Slot::Status,
        Unit::None,
    ),
    ("error.context.response.status_code", Slot::Status, Unit::None),
    ("span.context.http.status_code", Slot::Status, Unit::None),
    ("context.response.status_code", Slot::Status, Unit::None),
    // duration
    ("event.duration", Slot::Duration, Unit::Ns),
    ("Duration", Slot::Duration, Unit::Ns),
    ("duration_ms", Slot::Duration, Unit::Ms),
    ("latency_ms", Slot::Duration, Unit::Ms),
    ("responseTime", Slot::Duration, Unit::Ms),
    // Serilog.AspNetCore's request logging.
    ("Elapsed", Slot::Duration, Unit::Ms),
    ("response_time", Slot::Duration, Unit::Ms),
    ("request_time", Slot::Duration, Unit::S),
    ("duration", Slot::Duration, Unit::MsOrS),
    ("latency", Slot::Duration, Unit::Ms),
    ("elapsed", Slot::Duration, Unit::Ms),
    ("took", Slot::Duration, Unit::Ms),
    ("httpRequest.latency", Slot::Duration, Unit::S),
    ("OriginResponseDurationMs", Slot::Duration, Unit::Ms),
    ("transaction.duration", Slot::Duration, Unit::Ms),
    ("span.duration", Slot::Duration, Unit::Ms),
    ("transaction.duration.us", Slot::Duration, Unit::Us),
    // method / url / host
    ("http.request.method", Slot::Method, Unit::None),
    ("method", Slot::Method, Unit::None),
    ("request_method", Slot::Method, Unit::None),
    ("RequestMethod", Slot::Method, Unit::None),
    ("req.method", Slot::Method, Unit::None),
    ("request.method", Slot::Method, Unit::None),
    ("http.method", Slot::Method, Unit::None),
    ("httpRequest.requestMethod", Slot::Method, Unit::None),
    ("ClientRequestMethod", Slot::Method, Unit::None),
    ("transaction.context.request.method", Slot::Method, Unit::None),
    ("error.context.request.method", Slot::Method, Unit::None),
    ("span.context.http.method", Slot::Method, Unit::None),
    ("url.full", Slot::Url, Unit::None),
    ("url.original", Slot::Url, Unit::None),
    ("http.url", Slot::Url, Unit::None),
    ("httpRequest.requestUrl", Slot::Url, Unit::None),
    ("transaction.context.request.url.full", Slot::Url, Unit::None),
    ("error.context.request.url.full", Slot::Url, Unit::None),
    ("span.context.http.url", Slot::Url, Unit::None),
    ("url", Slot::Url, Unit::None),
    ("req.url", Slot::Url, Unit::None),
    ("request.uri", Slot::Url, Unit::None),
    ("request_uri", Slot::Url, Unit::None),
    ("url.path", Slot::Url, Unit::None),
    ("path", Slot::Url, Unit::None),
    ("RequestPath", Slot::Url, Unit::None),
    ("uri", Slot::Url, Unit::None),
    ("ClientRequestURI", Slot::Url, Unit::None),
    ("request", Slot::RequestLine, Unit::None),
    ("url.domain", Slot::Host, Unit::None),
    ("host.name", Slot::Host, Unit::None),
    ("request.host", Slot::Host, Unit::None),
    ("RequestHost", Slot::Host, Unit::None),
    ("authority", Slot::Host, Unit::None),
    ("ClientRequestHost", Slot::Host, Unit::None),
    ("http_host", Slot::Host, Unit::None),
    ("host", Slot::Host, Unit::None),
    // trace
    ("trace.id", Slot::TraceId, Unit::None),
    ("traceId", Slot::TraceId, Unit::None),
    ("trace_id", Slot::TraceId, Unit::None),
    ("dd.trace_id", Slot::TraceId, Unit::None),
    ("logging.googleapis.com/trace", Slot::TraceId, Unit::None),
    ("contextMap.traceId", Slot::TraceId, Unit::None),
    ("transaction.trace_id", Slot::TraceId, Unit::None),
    ("span.trace_id", Slot::TraceId, Unit::None),
    ("error.trace_id", Slot::TraceId, Unit::None),
    ("span.id", Slot::SpanId, Unit::None),
    ("spanId", Slot::SpanId, Unit::None),
    ("span_id", Slot::SpanId, Unit::None),
    ("dd.span_id", Slot::SpanId, Unit::None),
    ("contextMap.spanId", Slot::SpanId, Unit::None),
    ("transaction.id", Slot::SpanId, Unit::None),
    ("parent.id", Slot::ParentSpanId, Unit::None),
    ("parentSpanId", Slot::ParentSpanId, Unit::None),
    ("parent_span_id", Slot::ParentSpanId, Unit::None),
    ("transaction.parent_id", Slot::ParentSpanId, Unit::None),
    ("span.parent_id", Slot::ParentSpanId, Unit::None),
    ("error.parent_id", Slot::ParentSpanId, Unit::None),
    // request id
    ("http.request.id", Slot::RequestId, Unit::None),
    ("request_id", Slot::RequestId, Unit::None),
    ("x_request_id", Slot::RequestId, Unit::None),
    ("req.id", Slot::RequestId, Unit::None),
    ("req_id", Slot::RequestId, Unit::None),
    ("requestId", Slot::RequestId, Unit::None),
    ("request_X-Request-Id", Slot::RequestId, Unit::None),
    ("correlation_id", Slot::RequestId, Unit::None),
    ("RayID", Slot::RequestId, Unit::None),
    // errors
    ("error.message", Slot::ErrorMessage, Unit::None),
    ("error.exception.message", Slot::ErrorMessage, Unit::None),
    ("err.message", Slot::ErrorMessage, Unit::None),
    ("exception.message", Slot::ErrorMessage, Unit::None),
    ("thrown.message", Slot::ErrorMessage, Unit::None),
    ("error", Slot::ErrorMessage, Unit::None),
    ("exception", Slot::ErrorMessage, Unit::None),
    ("err", Slot::ErrorMessage, Unit::None),
    ("error_message", Slot::ErrorMessage, Unit::None),
    ("@x", Slot::ErrorMessage, Unit::None),
    (
        "upstream_transport_failure_reason",
        Slot::ErrorMessage,
        Unit::None,
    ),
    ("error.type", Slot::ErrorType, Unit::None),
    ("error.exception.type", Slot::ErrorType, Unit::None),
    ("err.type", Slot::ErrorType, Unit::None),
    ("exception.type", Slot::ErrorType, Unit::None),
    ("thrown.name", Slot::ErrorType, Unit::None),
    ("err.code", Slot::ErrorType, Unit::None),
    ("error.code", Slot::ErrorType, Unit::None),
    ("response_flags", Slot::ErrorType, Unit::None),
    // service
    ("service.name", Slot::Service, Unit::None),
    ("serviceName", Slot::Service, Unit::None),
    ("ServiceName", Slot::Service, Unit::None),
    ("service", Slot::Service, Unit::None),
    ("app", Slot::Service, Unit::None),
    ("application", Slot::Service, Unit::None),
    ("service.version", Slot::ServiceVersion, Unit::None),
    ("service_version", Slot::ServiceVersion, Unit::None),
    ("app_version", Slot::ServiceVersion, Unit::None),
    ("logger", Slot::Logger, Unit::None),
    ("logger_name", Slot::Logger, Unit::None),
    ("log.logger", Slot::Logger, Unit::None),
    // headers the rules need
    ("http.response.headers.retry-after", Slot::RetryAfter, Unit::None),
    ("res.headers.retry-after", Slot::RetryAfter, Unit::None),
    ("resp_headers.Retry-After", Slot::RetryAfter, Unit::None),
    ("response.headers.retry-after", Slot::RetryAfter, Unit::None),
    ("retry_after", Slot::RetryAfter, Unit::None),
    (
        "http.response.headers.www-authenticate",
        Slot::WwwAuthenticate,
        Unit::None,
    ),
    ("res.headers.www-authenticate", Slot::WwwAuthenticate, Unit::None),
    ("resp_headers.Www-Authenticate", Slot::WwwAuthenticate, Unit::None),
    (
        "response.headers.www-authenticate",
        Slot::WwwAuthenticate,
        Unit::None,
    ),
    ("www_authenticate", Slot::WwwAuthenticate, Unit::None),
    (
        "http.request.headers.authorization",
        Slot::Authorization,
        Unit::None,
    ),
    ("req.headers.authorization", Slot::Authorization, Unit::None),
    ("request.headers.Authorization", Slot::Authorization, Unit::None),
    ("request.headers.authorization", Slot::Authorization, Unit::None),
    ("upstream_status", Slot::UpstreamStatus, Unit::None),
    ("OriginStatus", Slot::UpstreamStatus, Unit::None),
    ("target_status_code", Slot::UpstreamStatus, Unit::None),
    (
        "aws.elb.backend.http.response.status_code",
        Slot::UpstreamStatus,
        Unit::None,
    ),
    ("client.ip", Slot::Client, Unit::None),
    ("client.address", Slot::Client, Unit::None),
    ("source.ip", Slot::Client, Unit::None),
    ("remote_addr", Slot::Client, Unit::None),
    ("request.remote_ip", Slot::Client, Unit::None),
    ("request.client_ip", Slot::Client, Unit::None),
    ("ClientIP", Slot::Client, Unit::None),
    ("ClientHost", Slot::Client, Unit::None),
    ("c-ip", Slot::Client, Unit::None),
    ("id.orig_h", Slot::Client, Unit::None),
    ("_index", Slot::EsIndex, Unit::None),
    ("_id", Slot::EsId, Unit::None),
    ("tags", Slot::Tags, Unit::None),
    ("http.response.body.content", Slot::ResponseBody, Unit::None),
    ("response_body", Slot::ResponseBody, Unit::None),
    ("resp_body", Slot::ResponseBody, Unit::None),
    ("responseBody", Slot::ResponseBody, Unit::None),
    ("response.body", Slot::ResponseBody, Unit::None),
    ("resp.body", Slot::ResponseBody, Unit::None),
    ("res.body", Slot::ResponseBody, Unit::None),
    ("http.request.body.bytes", Slot::ReqBytes, Unit::None),
    ("request_length", Slot::ReqBytes, Unit::None),
    ("bytes_received", Slot::ReqBytes, Unit::None),
    ("cs-bytes", Slot::ReqBytes, Unit::None),
    ("request_body_len", Slot::ReqBytes, Unit::None),
    ("bytes_read", Slot::ReqBytes, Unit::None),
    ("http.response.body.bytes", Slot::RespBytes, Unit::None),
    ("body_bytes_sent", Slot::RespBytes, Unit::None),
    ("bytes_sent", Slot::RespBytes, Unit::None),
    ("EdgeResponseBytes", Slot::RespBytes, Unit::None),
    ("DownstreamContentSize", Slot::RespBytes, Unit::None),
    ("sc-bytes", Slot::RespBytes, Unit::None),
    ("response_body_len", Slot::RespBytes, Unit::None),
    ("resp_bytes", Slot::RespBytes, Unit::None),
    (
        "http.response.headers.x-ratelimit-remaining",
        Slot::RlRemaining,
        Unit::None,
    ),
    ("x_ratelimit_remaining", Slot::RlRemaining, Unit::None),
    ("ratelimit_remaining", Slot::RlRemaining, Unit::None),
    (
        "resp_headers.X-Ratelimit-Remaining",
        Slot::RlRemaining,
        Unit::None,
    ),
    ("req.headers.host", Slot::Host, Unit::None),
    ("req.remoteAddress", Slot::Client, Unit::None),
    ("http.request.mime_type", Slot::ContentType, Unit::None),
    ("request_content_type", Slot::ContentType, Unit::None),
    ("content_type", Slot::ContentType, Unit::None),
    ("req.headers.content-type", Slot::ContentType, Unit::None),
    ("request.headers.Content-Type", Slot::ContentType, Unit::None),
    ("request.headers.content-type", Slot::ContentType, Unit::None),
    ("http.request.headers.content-type", Slot::ContentType, Unit::None),
    ("user_agent.original", Slot::UserAgent, Unit::None),
    ("http_user_agent", Slot::UserAgent, Unit::None),
    ("user_agent", Slot::UserAgent, Unit::None),
    ("userAgent", Slot::UserAgent, Unit::None),
    ("http.user_agent", Slot::UserAgent, Unit::None),
    ("req.headers.user-agent", Slot::UserAgent, Unit::None),
    ("request.headers.User-Agent", Slot::UserAgent, Unit::None),
    ("ClientRequestUserAgent", Slot::UserAgent, Unit::None),
    ("httpRequest.userAgent", Slot::UserAgent, Unit::None),
    ("attributes.user_agent.original", Slot::UserAgent, Unit::None),
    ("upstream_addr", Slot::Upstream, Unit::None),
    ("upstream_host", Slot::Upstream, Unit::None),
    ("upstream", Slot::Upstream, Unit::None),
    ("upstream.address", Slot::Upstream, Unit::None),
    ("upstream_cluster", Slot::UpstreamCluster, Unit::None),
    ("upstream.cluster", Slot::UpstreamCluster, Unit::None),
    ("backend", Slot::Upstream, Unit::None),
    ("target_ip", Slot::Upstream, Unit::None),
    ("OriginIP", Slot::Upstream, Unit::None),
    ("traceparent", Slot::Traceparent, Unit::None),
    ("http_traceparent", Slot::Traceparent, Unit::None),
    ("http.request.headers.traceparent", Slot::Traceparent, Unit::None),
    ("req.headers.traceparent", Slot::Traceparent, Unit::None),
    ("request.headers.traceparent", Slot::Traceparent, Unit::None),
    // ALB in Filebeat form, Traefik, Log4j2, logstash-logback, OTel attributes
    ("aws.elb.request_processing_time.sec", Slot::Duration, Unit::S),
    ("RequestAddr", Slot::Host, Unit::None),
    ("RouterName", Slot::Logger, Unit::None),
    ("stack_trace", Slot::ErrorMessage, Unit::None),
    ("stacktrace", Slot::ErrorMessage, Unit::None),
    ("thrown.extendedStackTrace", Slot::ErrorMessage, Unit::None),
    ("loggerName", Slot::Logger, Unit::None),
    ("metadata.service.name", Slot::Service, Unit::None),
    ("metadata.service.version", Slot::ServiceVersion, Unit::None),
    ("resource.service.name", Slot::Service, Unit::None),
    ("resource.service.version", Slot::ServiceVersion, Unit::None),
    ("resource.host.name", Slot::Host, Unit::None),
    ("scope.name", Slot::Logger, Unit::None),
    ("attributes.http.request.method", Slot::Method, Unit::None),
    ("attributes.http.method", Slot::Method, Unit::None),
    ("attributes.http.response.status_code", Slot::Status, Unit::None),
    ("attributes.http.status_code", Slot::Status, Unit::None),
    ("attributes.url.full", Slot::Url, Unit::None),
    ("attributes.http.url", Slot::Url, Unit::None),
    ("attributes.url.path", Slot::Url, Unit::None),
    ("attributes.http.target", Slot::Url, Unit::None),
    ("attributes.server.address", Slot::Host, Unit::None),
    ("attributes.http.response.body", Slot::ResponseBody, Unit::None),
    (
        "attributes.http.response.body.content",
        Slot::ResponseBody,
        Unit::None,
    ),
    ("attributes.http.response.body.size", Slot::RespBytes, Unit::None),
    ("attributes.http.request.body.size", Slot::ReqBytes, Unit::None),
    ("attributes.exception.message", Slot::ErrorMessage, Unit::None),
    ("attributes.exception.type", Slot::ErrorType, Unit::None),
    ("attributes.error.type", Slot::ErrorType, Unit::None),
];

/// The alias table in use: the built-in aliases, plus `--map` entries,
/// which take precedence over every built-in alias of their slot.
///
/// The dotted paths are kept as a tree of their `.`-separated segments, so
/// that walking a record costs one short look-up per key (of that key
/// alone, not of the whole path to it), and the walk keeps no path text.
/// A path's segments are the same whether the record nests its keys
/// (`{"log":{"level":..}}`) or dots them (`{"log.level":..}`).
#[derive(Debug, Clone)]
pub struct FieldMap {
    /// Node 0 is the root, the empty path.
    nodes: Vec<PathNode>,
    /// Different for every map built or changed in this process (a clone,
    /// being equal, shares it), so that a [`Recall`] of one map's
    /// look-ups is never consulted for another's.
    stamp: u64,
}

/// A fresh [`FieldMap::stamp`].
fn next_stamp() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

#[derive(Debug, Clone, Default)]
struct PathNode {
    info: PathInfo,
    children: crate::input::json::keytable::KeyTable,
}

/// What the alias table knows about one dotted path.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct PathInfo {
    /// The slot, precedence rank and unit when the path is an alias.
    pub(super) leaf: Option<(Slot, u8, Unit)>,
    /// Whether some alias lies below the path.
    pub(super) prefix: bool,
    /// The path's node in the tree (0, the root, by default).
    node: u32,
}

impl Default for FieldMap {
    fn default() -> Self {
        FieldMap {
            nodes: vec![PathNode::default()],
            stamp: next_stamp(),
        }
    }
}

/// The `.`-separated segments of a key or path.
fn segments(path: &str) -> impl Iterator<Item = &str> {
    crate::util::url::split(path, b'.')
}

impl FieldMap {
    /// The built-in aliases plus user mappings `(slot name, dotted path)`.
    /// Returns the unknown slot name on error.
    pub fn with_user(user: &[(String, String)]) -> Result<Self, String> {
        let mut resolved = Vec::with_capacity(user.len());
        for (name, path) in user {
            let slot = Slot::ALL
                .iter()
                .copied()
                .find(|s| s.name() == name)
                .ok_or_else(|| name.clone())?;
            resolved.push((slot, path.as_str()));
        }
        Ok(Self::build(&resolved))
    }

    /// Add an alias; an existing one is kept unless `replace`.
    fn add(&mut self, path: &str, leaf: (Slot, u8, Unit), replace: bool) {
        self.stamp = next_stamp();
        let mut at = 0usize;
        for seg in segments(path) {
            // Some alias lies below this path. The root is not a path of
            // its own: an array in place of the record (`"_source": [..]`)
            // is not walked into.
            if at != 0 {
                self.nodes[at].info.prefix = true;
            }
            at = match self.nodes[at].children.get(seg.as_bytes()) {
                Some(n) => n as usize,
                None => {
                    let n = self.nodes.len();
                    let node = u32::try_from(n).unwrap_or(u32::MAX);
                    self.nodes.push(PathNode {
                        info: PathInfo {
                            node,
                            ..PathInfo::default()
                        },
                        children: Default::default(),
                    });
                    self.nodes[at].children.insert(seg.as_bytes(), node);
                    n
                }
            };
        }
        let info = &mut self.nodes[at].info;
        if replace || info.leaf.is_none() {
            info.leaf = Some(leaf);
        }
    }

    fn build(user: &[(Slot, &str)]) -> Self {
        let mut map = FieldMap::default();
        for &(slot, path) in user {
            let unit = if slot == Slot::Duration {
                Unit::Ms
            } else {
                Unit::None
            };
            map.add(path, (slot, 0, unit), true);
        }
        let mut rank = [1u8; SLOTS];
        for &(path, slot, unit) in ALIASES {
            let r = &mut rank[slot as usize];
            map.add(path, (slot, *r, unit), false);
            *r = r.saturating_add(1);
        }
        map
    }

    /// The role a path is an alias of.
    pub fn slot_of(&self, path: &str) -> Option<Slot> {
        self.get(path).map(|(s, _, _)| s)
    }

    /// A copy with mappings (path, role, unit) added after every known
    /// alias: what inference found.
    pub fn with_added<'a>(&self, found: impl IntoIterator<Item = (&'a str, Slot, Unit)>) -> FieldMap {
        let mut m = self.clone();
        for (path, slot, unit) in found {
            // A body logged as an object under a message's name (`body`):
            // this input's values there are objects, which no message is.
            let replace = slot == Slot::ResponseBody && self.slot_of(path) == Some(Slot::Message);
            m.add(path, (slot, u8::MAX, unit), replace);
        }
        m
    }

    /// The map's [`FieldMap::stamp`], for what a walk keeps between records.
    pub(super) fn stamp(&self) -> u64 {
        self.stamp
    }

    /// Whether `path` is a known alias.
    pub fn knows(&self, path: &str) -> bool {
        self.get(path).is_some()
    }

    fn get(&self, path: &str) -> Option<(Slot, u8, Unit)> {
        self.child(PathInfo::default(), path).and_then(|i| i.leaf)
    }

    /// What the table knows about the path `key` below `parent` (the
    /// root's [`PathInfo::default`] for a top-level key): `None` when no
    /// alias lies at or below it. A dotted key descends one segment a dot.
    pub(super) fn child(&self, parent: PathInfo, key: &str) -> Option<PathInfo> {
        let mut at = parent.node;
        for seg in segments(key) {
            at = self.nodes.get(at as usize)?.children.get(seg.as_bytes())?;
        }
        self.nodes.get(at as usize).map(|n| n.info)
    }
}

/// The key look-ups of the record walked before, in walk order, for the
/// walk of the next. Records of one input mostly repeat their keys, so a
/// look-up is first checked against the one made at the same step of the
/// record before: a compare with memory just read instead of a probe of
/// the tree. (A quarter of the walk went to the probes' loads.)
#[derive(Debug, Default)]
pub(super) struct Recall {
    stamp: u64,
    steps: Vec<(u32, crate::input::json::keytable::Print, Option<PathInfo>)>,
    at: usize,
}

impl Recall {
    /// The longest record remembered, in keys.
    const STEPS: usize = 256;

    /// Start a record walked with `map`.
    pub(super) fn start(&mut self, map: &FieldMap) {
        if self.stamp != map.stamp {
            self.stamp = map.stamp;
            self.steps.clear();
        }
        self.at = 0;
    }

    /// [`FieldMap::child`], recalled when the record before made the same
    /// look-up at this step. The map is the one given to [`Recall::start`].
    pub(super) fn child(&mut self, map: &FieldMap, parent: PathInfo, key: &str) -> Option<PathInfo> {
        let Some(print) = crate::input::json::keytable::Print::exact(key.as_bytes()) else {
            return map.child(parent, key);
        };
        let step = self.at;
        self.at += 1;
        if let Some(&(node, p, found)) = self.steps.get(step) {
            if node == parent.node && p == print {
                return found;
            }
        }
        let found = map.child(parent, key);
        if let Some(s) = self.steps.get_mut(step) {
            *s = (parent.node, print, found);
        } else if step == self.steps.len() && step < Self::STEPS {
            self.steps.push((parent.node, print, found));
        }
        found
    }
}

/// The built-in aliases, shared.
pub static BUILTIN: LazyLock<FieldMap> = LazyLock::new(|| FieldMap::build(&[]));

/// A leaf value, borrowed from the input when it had no escapes.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar<'de> {
    /// A string.
    Str(Cow<'de, str>),
    /// A signed integer.
    I64(i64),
    /// An unsigned integer beyond `i64`.
    U64(u64),
    /// A float (or an integer too large for 64 bits).
    F64(f64),
    /// A boolean.
    Bool(bool),
}

impl Scalar<'_> {
    /// As text, if it is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Scalar::Str(s) => Some(s),
            _ => None,
        }
    }

    /// As an integer, from a number or a numeric string.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Scalar::I64(v) => Some(*v),
            Scalar::U64(v) => i64::try_from(*v).ok(),
            Scalar::F64(v) if v.is_finite() && v.fract() == 0.0 && v.abs() < 9.2e18 => Some(*v as i64),
            Scalar::Str(s) => strip_grouping(s.trim()).parse().ok(),
            _ => None,
        }
    }

    /// As a float, from a number or a numeric string.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Scalar::I64(v) => Some(*v as f64),
            Scalar::U64(v) => Some(*v as f64),
            Scalar::F64(v) => Some(*v),
            Scalar::Str(s) => strip_grouping(s.trim().trim_end_matches('s')).parse().ok(),
            Scalar::Bool(_) => None,
        }
        .filter(|f: &f64| f.is_finite())
    }
}

/// `7,658,713` → `7658713` (Kibana CSV); anything else is returned unchanged.
fn strip_grouping(s: &str) -> Cow<'_, str> {
    let int_part = s.split('.').next().unwrap_or(s);
    let grouped = s.contains(',')
        && int_part.split(',').enumerate().all(|(i, g)| {
            let ok_len = if i == 0 {
                (1..=3).contains(&g.len())
            } else {
                g.len() == 3
            };
            ok_len && g.bytes().all(|c| c.is_ascii_digit())
        });
    if grouped {
        Cow::Owned(s.replace(',', ""))
    } else {
        Cow::Borrowed(s)
    }
}

/// The fields found in one record.
pub struct Fields<'de> {
    /// A slot's value counts only while its bit in `filled` is set: a
    /// [`Fields::reset`] clears the bits and leaves the values, which the
    /// next record's offers overwrite.
    slots: [Option<(u8, Scalar<'de>, Unit)>; SLOTS],
    /// Bit `i` is set when slot `i` holds a value of this record.
    filled: u64,
    /// The record has a top-level key that wrappers of many records use
    /// ([`WRAPPER_KEYS`]).
    wrapper_key: bool,
}

/// Top-level keys of the JSON values that hold many records rather than
/// being one: an Elasticsearch `_search` response (`hits`), an async or
/// multi search (`response`, `responses`), an ES|QL result (`columns`,
/// `values`), an OpenTelemetry batch (`resourceLogs`).
pub const WRAPPER_KEYS: [&str; 6] = [
    "hits",
    "response",
    "responses",
    "columns",
    "values",
    "resourceLogs",
];

impl Default for Fields<'_> {
    fn default() -> Self {
        const { assert!(SLOTS <= 64, "Fields::filled has a bit a slot") };
        Fields {
            slots: std::array::from_fn(|_| None),
            filled: 0,
            wrapper_key: false,
        }
    }
}

impl std::fmt::Debug for Fields<'_> {
    /// The filled slots alone (what two walks of a record must agree on).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fields")
            .field("slots", &(0..SLOTS).map(|i| self.cell(i)).collect::<Vec<_>>())
            .field("wrapper_key", &self.wrapper_key)
            .finish()
    }
}

impl<'de> Fields<'de> {
    /// Slot `i`'s rank, value and unit, if this record filled it.
    fn cell(&self, i: usize) -> Option<&(u8, Scalar<'de>, Unit)> {
        if self.filled & (1 << i) == 0 {
            return None;
        }
        self.slots[i].as_ref()
    }

    /// The value found for a slot.
    pub fn get(&self, slot: Slot) -> Option<&Scalar<'de>> {
        self.cell(slot as usize).map(|(_, v, _)| v)
    }

    /// The value and the unit of its alias.
    pub fn get_with_unit(&self, slot: Slot) -> Option<(&Scalar<'de>, Unit)> {
        self.cell(slot as usize).map(|(_, v, u)| (v, *u))
    }

    /// The value as text.
    pub fn str(&self, slot: Slot) -> Option<&str> {
        self.get(slot)
            .and_then(Scalar::as_str)
            .filter(|s| !s.is_empty() && *s != "-")
    }

    /// Offer a value found at `path` (the CSV and text parsers call this too).
    pub fn offer(&mut self, map: &FieldMap, path: &str, v: Scalar<'de>) {
        if let Some(leaf) = map.get(path) {
            self.offer_leaf(leaf, v);
        }
    }

    /// Offer a value for an alias already looked up.
    pub(super) fn offer_leaf(&mut self, (slot, rank, unit): (Slot, u8, Unit), v: Scalar<'de>) {
        let bit = 1 << slot as u32;
        let filled = self.filled & bit != 0;
        let cell = &mut self.slots[slot as usize];
        if !filled || cell.as_ref().is_none_or(|(r, _, _)| rank < *r) {
            let v = match v {
                Scalar::Str(s) if s.len() > crate::model::MAX_VALUE_BYTES => {
                    Scalar::Str(Cow::Owned(crate::model::clip(&s).into_owned()))
                }
                v => v,
            };
            *cell = Some((rank, v, unit));
            self.filled |= bit;
        }
    }

    /// Empty again, for the next record (of the same input: the values
    /// borrow from it). A fresh `Fields` writes every slot and drops every
    /// slot; this clears the bits, and the old values are dropped as the
    /// next records' offers overwrite them.
    pub fn reset(&mut self) {
        self.filled = 0;
        self.wrapper_key = false;
    }
}

impl Fields<'_> {
    /// A copy that owns all its strings.
    pub fn to_static_fields(&self) -> Fields<'static> {
        let mut out = Fields::<'static>::default();
        for i in 0..SLOTS {
            out.slots[i] = self.cell(i).map(|(r, v, u)| (*r, v.to_static(), *u));
        }
        out.filled = self.filled;
        out.wrapper_key = self.wrapper_key;
        out
    }

    /// Fill every slot this record lacks from `outer` (the wrapper a record
    /// was embedded in: a docker `log` line, a logstash parse failure, an
    /// OTel resource).
    pub fn fill_from(&mut self, outer: &Fields<'_>) {
        for i in 0..SLOTS {
            if self.cell(i).is_none() {
                if let Some((r, v, u)) = outer.cell(i) {
                    self.slots[i] = Some((*r, v.to_static(), *u));
                    self.filled |= 1 << i;
                }
            }
        }
    }

    /// Whether the record has one of the [`WRAPPER_KEYS`] at its top level:
    /// a record without one is not a wrapper, and is not searched for one.
    pub fn wrapper_key(&self) -> bool {
        self.wrapper_key
    }

    /// Mark the record as having a [`WRAPPER_KEYS`] key at its top level.
    pub(super) fn set_wrapper_key(&mut self) {
        self.wrapper_key = true;
    }

    /// How many slots were found.
    pub fn found(&self) -> usize {
        self.filled.count_ones() as usize
    }

    /// The bits of `slots`, for [`Fields::any`] (worked out at compile time
    /// when held in a `const`).
    pub const fn mask(slots: &[Slot]) -> u64 {
        let mut m = 0u64;
        let mut i = 0;
        while i < slots.len() {
            m |= 1 << slots[i] as u32;
            i += 1;
        }
        m
    }

    /// Whether any slot of `mask` ([`Fields::mask`]) holds a value: one
    /// test for a group of fields that most records lack.
    pub fn any(&self, mask: u64) -> bool {
        self.filled & mask != 0
    }

    /// Clear a slot.
    pub fn clear(&mut self, slot: Slot) {
        self.filled &= !(1 << slot as u32);
    }
}

impl Scalar<'_> {
    /// A copy that owns its string.
    pub fn to_static(&self) -> Scalar<'static> {
        match self {
            Scalar::Str(s) => Scalar::Str(Cow::Owned(s.to_string())),
            Scalar::I64(x) => Scalar::I64(*x),
            Scalar::U64(x) => Scalar::U64(*x),
            Scalar::F64(x) => Scalar::F64(*x),
            Scalar::Bool(x) => Scalar::Bool(*x),
        }
    }
}

/// Why a line was not a usable record.
#[derive(Debug)]
pub enum FieldError {
    /// Not valid JSON.
    Json(serde_json::Error),
    /// Valid JSON, but not an object.
    NotObject,
}

/// [`extract_with`](crate::input::json::extract::extract_with) by serde alone: the authority on what is valid JSON and
/// on the wording of errors. Public for the differential checks of the
/// fast walk (`fuzzing::jsonl`).
pub fn extract_serde<'de>(map: &FieldMap, line: &'de [u8]) -> Result<Fields<'de>, FieldError> {
    let mut fields = Fields::default();
    extract_serde_into(map, line, &mut fields)?;
    Ok(fields)
}

/// [`extract_serde`] into empty `fields`.
pub(super) fn extract_serde_into<'de>(
    map: &FieldMap,
    line: &'de [u8],
    fields: &mut Fields<'de>,
) -> Result<(), FieldError> {
    let mut de = serde_json::Deserializer::from_slice(line);
    let is_obj = Node {
        map,
        fields,
        root: true,
        info: PathInfo::default(),
    }
    .deserialize(&mut de)
    .map_err(FieldError::Json)?;
    de.end().map_err(FieldError::Json)?;
    if !is_obj {
        return Err(FieldError::NotObject);
    }
    Ok(())
}

/// A value at a path; returns whether it was an object.
struct Node<'a, 'de> {
    map: &'a FieldMap,
    fields: &'a mut Fields<'de>,
    root: bool,
    /// What the alias table says about the path, looked up by the parent.
    info: PathInfo,
}

impl<'de> Node<'_, 'de> {
    fn offer(self, v: Scalar<'de>) -> bool {
        if let Some(leaf) = self.info.leaf {
            self.fields.offer_leaf(leaf, v);
        }
        false
    }
}

impl<'de> DeserializeSeed<'de> for Node<'_, 'de> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        match self.info.leaf {
            Some(leaf @ (Slot::ResponseBody, _, _)) => self.body(leaf, d),
            _ => d.deserialize_any(self),
        }
    }
}

impl<'de> Node<'_, 'de> {
    /// A response body: an object is offered whole as its JSON text, as
    /// the fast walk offers it; any other value is read as usual.
    fn body<D: Deserializer<'de>>(self, leaf: (Slot, u8, Unit), d: D) -> Result<bool, D::Error> {
        let raw = <&'de serde_json::value::RawValue as de::Deserialize>::deserialize(d)?;
        let text = raw.get();
        let mut inner = serde_json::Deserializer::from_str(text);
        if !text.starts_with('{') {
            return inner.deserialize_any(self).map_err(de::Error::custom);
        }
        if self.info.prefix {
            Node {
                map: self.map,
                fields: &mut *self.fields,
                root: false,
                info: PathInfo {
                    leaf: None,
                    ..self.info
                },
            }
            .deserialize(&mut inner)
            .map_err(de::Error::custom)?;
        }
        self.fields.offer_leaf(leaf, Scalar::Str(Cow::Borrowed(text)));
        Ok(false)
    }
}

impl<'de> Visitor<'de> for Node<'_, 'de> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<bool, E> {
        Ok(self.offer(Scalar::Str(Cow::Borrowed(v))))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        // Copy an escaped string only when it is wanted.
        if self.info.leaf.is_none() {
            return Ok(false);
        }
        Ok(self.offer(Scalar::Str(Cow::Owned(v.to_string()))))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<bool, E> {
        Ok(self.offer(Scalar::Str(Cow::Owned(v))))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<bool, E> {
        Ok(self.offer(Scalar::I64(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<bool, E> {
        Ok(self.offer(i64::try_from(v).map_or(Scalar::U64(v), Scalar::I64)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<bool, E> {
        Ok(self.offer(Scalar::F64(v)))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
        Ok(self.offer(Scalar::Bool(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        // A header logged as a list of values: keep the first one.
        // A list of values (a header) or of objects (APM `exception`): keep the first.
        let info = self.info;
        let wanted = info.leaf.is_some() || info.prefix;
        let mut first = true;
        while let Some(()) = if first && wanted {
            first = false;
            seq.next_element_seed(Node {
                map: self.map,
                fields: self.fields,
                root: false,
                info,
            })?
            .map(|_| ())
        } else {
            seq.next_element::<IgnoredAny>()?.map(|_| ())
        } {}
        Ok(false)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        while let Some(key) = map.next_key::<Key<'de>>()? {
            // Elasticsearch hits: `_source` holds the document itself, and
            // `fields` the same document as dotted keys with array values.
            if self.root && (key.0 == "_source" || key.0 == "fields") {
                map.next_value_seed(Node {
                    map: self.map,
                    fields: self.fields,
                    root: false,
                    info: self.info,
                })?;
                continue;
            }
            if self.root && WRAPPER_KEYS.contains(&&*key.0) {
                self.fields.set_wrapper_key();
            }
            if let Some(info) = self.map.child(self.info, &key.0) {
                map.next_value_seed(Node {
                    map: self.map,
                    fields: self.fields,
                    root: false,
                    info,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(true)
    }
}

/// An object key, borrowed when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::json::extract::{extract, extract_into};

    #[test]
    fn nested_and_dotted_keys_flatten_alike() {
        let a = extract(br#"{"http":{"response":{"status_code":503}},"@timestamp":"x"}"#).unwrap();
        let b = extract(br#"{"http.response.status_code":503}"#).unwrap();
        assert_eq!(a.get(Slot::Status), Some(&Scalar::I64(503)));
        assert_eq!(b.get(Slot::Status), Some(&Scalar::I64(503)));
        assert_eq!(a.str(Slot::Ts), Some("x"));
    }

    #[test]
    fn a_reused_fields_shows_only_the_record_it_was_last_filled_with() {
        let a: &[u8] =
            br#"{"http":{"response":{"status_code":503}},"level":"error","msg":"a","trace.id":"t"}"#;
        let b: &[u8] = br#"{"status":200,"message":"b"}"#;
        let mut f = Fields::default();
        extract_into(&BUILTIN, a, &mut f).unwrap();
        assert_eq!(f.found(), 4);
        // Another record, whose status comes from an alias that ranks
        // below the stale value's: the stale one neither shows nor wins.
        extract_into(&BUILTIN, b, &mut f).unwrap();
        let fresh = extract(b).unwrap();
        assert_eq!(format!("{f:?}"), format!("{fresh:?}"));
        assert_eq!(f.found(), fresh.found());
        assert_eq!(f.get(Slot::Status).and_then(Scalar::as_i64), Some(200));
        assert!(f.get(Slot::Level).is_none() && f.get(Slot::TraceId).is_none());
        assert_eq!(format!("{:?}", f.to_static_fields()), format!("{fresh:?}"));
        let mut inner = Fields::default();
        inner.fill_from(&f);
        assert_eq!(format!("{inner:?}"), format!("{fresh:?}"));
        f.clear(Slot::Message);
        assert!(f.get(Slot::Message).is_none());
        assert_eq!(f.found(), fresh.found() - 1);
        // Bad input leaves nothing behind either.
        assert!(extract_into(&BUILTIN, b"{\"status\":", &mut f).is_err());
        extract_into(&BUILTIN, b"{}", &mut f).unwrap();
        assert_eq!(f.found(), 0);
    }

    #[test]
    fn earlier_alias_wins_regardless_of_key_order() {
        let f = extract(br#"{"status":"ok","http":{"response":{"status_code":502}}}"#).unwrap();
        assert_eq!(f.get(Slot::Status), Some(&Scalar::I64(502)));
    }

    #[test]
    fn strings_are_borrowed_when_unescaped() {
        let f = extract(br#"{"msg":"plain","error":"a\"b"}"#).unwrap();
        assert!(matches!(
            f.get(Slot::Message),
            Some(Scalar::Str(Cow::Borrowed("plain")))
        ));
        assert_eq!(f.str(Slot::ErrorMessage), Some("a\"b"));
    }

    #[test]
    fn source_of_hits_is_the_document() {
        let f = extract(br#"{"_index":"i","_id":"1","_source":{"status":404}}"#).unwrap();
        assert_eq!(f.get(Slot::Status), Some(&Scalar::I64(404)));
    }

    #[test]
    fn rejects_non_objects_and_garbage() {
        assert!(matches!(extract(b"[1,2]"), Err(FieldError::NotObject)));
        assert!(matches!(extract(b"{\"a\":1} x"), Err(FieldError::Json(_))));
        assert!(matches!(
            extract(b"{ \"invalid-json\" }"),
            Err(FieldError::Json(_))
        ));
    }

    #[test]
    fn header_lists_keep_the_first_value() {
        let f = extract(br#"{"request":{"headers":{"Authorization":["Bearer x","y"]}}}"#).unwrap();
        assert_eq!(f.str(Slot::Authorization), Some("Bearer x"));
    }
}
