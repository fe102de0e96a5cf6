//! The normalized event: one HTTP exchange or one log record, whatever format
//! it came from. Parsers in `input` fill it; rules read it. Evidence stays a
//! (source, locator, offset) triple pointing back into the input.

use serde::Serialize;

use super::origin::{Origin, OriginId};
use super::source::{Locator, SourceId};

pub use super::sym::{intern, Str};

/// The longest field value kept, in bytes. A longer one (a 1 GB log
/// message, a stack trace of megabytes) is cut at a character boundary and
/// marked with its size ([`clip`]): every later stage (redaction, templates,
/// reports) then works on a bounded string.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;

/// The largest record (a JSON line, a HAR entry) that is parsed. Parsing
/// may copy a record whole (its strings with escapes), so one larger than
/// this is skipped with its reason instead of risking the process on
/// memory it may not have.
pub const MAX_RECORD_BYTES: usize = 4 << 30;

/// The reason to skip a record of `len` bytes, if it is over
/// [`MAX_RECORD_BYTES`].
pub fn oversized(len: usize) -> Option<String> {
    (len > MAX_RECORD_BYTES).then(|| {
        format!(
            "record of {} MiB is over the {} MiB limit for one record",
            len >> 20,
            MAX_RECORD_BYTES >> 20
        )
    })
}

/// `s`, or its first [`MAX_VALUE_BYTES`] (at a character boundary) followed
/// by `… [cut: N bytes]` when it is longer.
pub fn clip(s: &str) -> std::borrow::Cow<'_, str> {
    if s.len() <= MAX_VALUE_BYTES {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut end = MAX_VALUE_BYTES;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    std::borrow::Cow::Owned(format!("{}… [cut: {} bytes]", &s[..end], s.len()))
}

/// `s` with the lifetime of `b`, when `s` is a stretch of `b` (a string
/// borrowed from the input it was parsed from, rather than unescaped or
/// rebuilt elsewhere).
pub fn lying_in<'b>(s: &str, b: &'b [u8]) -> Option<&'b str> {
    let start = (s.as_ptr() as usize).wrapping_sub(b.as_ptr() as usize);
    let bytes = b.get(start..start.checked_add(s.len())?)?;
    // SAFETY: `bytes` is the very memory `s` spans (same start, same
    // length), and `s` is a `str`: the bytes are UTF-8.
    Some(unsafe { std::str::from_utf8_unchecked(bytes) })
}

/// Text that is usually unique to its record (a URL, a message, an id):
/// interning it would cost a hash-table probe per record for nothing, so it
/// is referred to where it lies in the kept input ([`Text::within`]) or
/// copied once into a per-thread bump arena that lives as long as the
/// process. Derefs to `str`.
///
/// A `Text` is one word, not a two-word `&str`: an event holds up to six of
/// them (three inline, three in its [`Ids`]), and at millions of events the
/// second word was a fifth of the memory. The
/// word packs the address (low 48 bits, which every user-space address on
/// x86-64 and AArch64 Linux fits unless a program asks for more) and the
/// length (high 16 bits). A string of 65,535 bytes or more, or at an
/// address past 48 bits, is kept in a side table instead and the word holds
/// its index, marked by a length of `0xFFFF`: values are cut at 64 KiB
/// ([`MAX_VALUE_BYTES`]), so that is rare. The word is never zero (a `&str`
/// points somewhere even when empty, and an index is stored plus one), so
/// `Option<Text>` is one word too.
#[derive(Clone, Copy)]
pub struct Text(std::num::NonZeroU64);

/// The length that marks a side-table index.
const LONG: u64 = 0xFFFF;
/// The bits that hold an address or an index.
const LOW: u64 = (1 << 48) - 1;

/// Strings too long or too far up to pack: index + 1 → text.
static SIDE: std::sync::RwLock<Vec<&'static str>> = std::sync::RwLock::new(Vec::new());

thread_local! {
    /// This thread's arena. Leaked on purpose: events borrow from it until
    /// the process exits.
    static ARENA: &'static bumpalo::Bump = Box::leak(Box::new(bumpalo::Bump::new()));
}

impl Text {
    /// Hold `s`, which lives as long as the process.
    fn pack(s: &'static str) -> Text {
        let addr = s.as_ptr().expose_provenance() as u64;
        let len = s.len() as u64;
        let word = if len < LONG && addr <= LOW && addr != 0 {
            (len << 48) | addr
        } else {
            let mut side = SIDE.write().unwrap_or_else(std::sync::PoisonError::into_inner);
            side.push(s);
            // More than 2^48 long strings would need 4 PiB of them first.
            (LONG << 48) | (side.len() as u64 & LOW)
        };
        // Both arms are non-zero: a packed address is, and so is the mark.
        Text(std::num::NonZeroU64::new(word).unwrap_or(std::num::NonZeroU64::MIN))
    }

    /// Copy `s` into this thread's arena.
    pub fn new(s: &str) -> Text {
        ARENA.with(|a| Text::pack(a.alloc_str(s)))
    }

    /// `s` as text: referred to in place when it lies inside `backing`
    /// (bytes that live as long as the process, such as a kept memory map
    /// of the input), copied into the arena otherwise. An unescaped JSON
    /// string borrowed from the input is the common case: no copy.
    pub fn within(s: &str, backing: Option<&'static [u8]>) -> Text {
        match backing.and_then(|b| lying_in(s, b)) {
            Some(t) => Text::pack(t),
            None => Text::new(s),
        }
    }

    /// The text.
    pub fn as_str(&self) -> &'static str {
        let word = self.0.get();
        let len = word >> 48;
        if len == LONG {
            let side = SIDE.read().unwrap_or_else(std::sync::PoisonError::into_inner);
            return side
                .get(((word & LOW) as usize).wrapping_sub(1))
                .copied()
                .unwrap_or("");
        }
        let ptr = std::ptr::with_exposed_provenance::<u8>((word & LOW) as usize);
        // SAFETY: `pack` took this address and length from a `&'static str`
        // (its provenance exposed there), so the bytes are live for the
        // rest of the process and are UTF-8.
        unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(ptr, len as usize)) }
    }

    /// Ask the processor to start loading the text's last byte, which a
    /// pass reading it a few events later then finds in cache: texts lying
    /// in a large input are far apart, and a pass over every event's trace
    /// id otherwise waited on memory for each (a hint: it changes nothing
    /// the program sees).
    #[inline]
    pub fn prefetch(&self) {
        #[cfg(target_arch = "x86_64")]
        {
            let word = self.0.get();
            let len = word >> 48;
            if len != LONG && len > 0 {
                let end = ((word & LOW) + len - 1) as usize;
                // SAFETY: a prefetch reads nothing the program sees and
                // cannot fault, whatever the address; SSE is part of the
                // x86_64 baseline.
                unsafe {
                    std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                        std::ptr::without_provenance::<i8>(end),
                    );
                }
            }
        }
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Text) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Text) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::hash::Hash for Text {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.as_str().hash(h);
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text::new(s)
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text::new(&s)
    }
}

impl From<&String> for Text {
    fn from(s: &String) -> Text {
        Text::new(s)
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Coarse class of a failure, from status codes and error text
/// (`docs/formats.md` §5.2). Rules match on these names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// Name resolution failed.
    Dns,
    /// The peer refused the connection.
    ConnectRefused,
    /// Connecting timed out.
    ConnectTimeout,
    /// Waiting for the response timed out.
    ReadTimeout,
    /// The connection was reset or closed early.
    ConnReset,
    /// The certificate had expired.
    TlsExpired,
    /// The certificate chain was not trusted.
    TlsUntrusted,
    /// The certificate did not match the host name.
    TlsHostname,
    /// The TLS handshake failed.
    TlsHandshake,
    /// The client cancelled or aborted the request.
    Cancelled,
    /// The client had no network at all.
    Offline,
    /// Blocked by the browser or an extension (CORS, ad blockers).
    Blocked,
    /// An HTTP/2 or QUIC protocol error.
    Protocol,
    /// Upstream timed out behind a proxy (504, Envoy UT).
    UpstreamTimeout,
    /// No healthy upstream, circuit open or overloaded (Envoy UH/UO/NC).
    Unavailable,
    /// Rate limited (429).
    RateLimited,
    /// The credentials had expired.
    AuthExpired,
    /// The credentials were refused (401 without an expiry signal).
    AuthInvalid,
    /// Forbidden (403).
    Forbidden,
    /// Another 4xx.
    Http4xx,
    /// Another 5xx.
    Http5xx,
    /// A business error inside a 2xx response (`{"code": 4001}`, GraphQL `errors`).
    Business,
    /// An error we could not classify further.
    Other,
}

impl ErrorClass {
    /// The snake_case name used in rule files and reports.
    pub fn name(self) -> &'static str {
        match self {
            ErrorClass::Dns => "dns",
            ErrorClass::ConnectRefused => "connect_refused",
            ErrorClass::ConnectTimeout => "connect_timeout",
            ErrorClass::ReadTimeout => "read_timeout",
            ErrorClass::ConnReset => "conn_reset",
            ErrorClass::TlsExpired => "tls_expired",
            ErrorClass::TlsUntrusted => "tls_untrusted",
            ErrorClass::TlsHostname => "tls_hostname",
            ErrorClass::TlsHandshake => "tls_handshake",
            ErrorClass::Cancelled => "cancelled",
            ErrorClass::Offline => "offline",
            ErrorClass::Blocked => "blocked",
            ErrorClass::Protocol => "protocol",
            ErrorClass::UpstreamTimeout => "upstream_timeout",
            ErrorClass::Unavailable => "unavailable",
            ErrorClass::RateLimited => "rate_limited",
            ErrorClass::AuthExpired => "auth_expired",
            ErrorClass::AuthInvalid => "auth_invalid",
            ErrorClass::Forbidden => "forbidden",
            ErrorClass::Http4xx => "http_4xx",
            ErrorClass::Http5xx => "http_5xx",
            ErrorClass::Business => "business",
            ErrorClass::Other => "other",
        }
    }

    /// All classes, for validating rule files.
    pub const ALL: [ErrorClass; 23] = [
        ErrorClass::Dns,
        ErrorClass::ConnectRefused,
        ErrorClass::ConnectTimeout,
        ErrorClass::ReadTimeout,
        ErrorClass::ConnReset,
        ErrorClass::TlsExpired,
        ErrorClass::TlsUntrusted,
        ErrorClass::TlsHostname,
        ErrorClass::TlsHandshake,
        ErrorClass::Cancelled,
        ErrorClass::Offline,
        ErrorClass::Blocked,
        ErrorClass::Protocol,
        ErrorClass::UpstreamTimeout,
        ErrorClass::Unavailable,
        ErrorClass::RateLimited,
        ErrorClass::AuthExpired,
        ErrorClass::AuthInvalid,
        ErrorClass::Forbidden,
        ErrorClass::Http4xx,
        ErrorClass::Http5xx,
        ErrorClass::Business,
        ErrorClass::Other,
    ];

    /// Parse a class name as written in rule files.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.name() == name)
    }
}

/// Normalized severity level of a log record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    /// Finest detail.
    Trace,
    /// Debugging.
    Debug,
    /// Normal operation.
    Info,
    /// Something unexpected.
    Warn,
    /// A failure.
    Error,
    /// A failure that stops the process.
    Fatal,
}

impl Level {
    /// Upper-case name.
    pub fn name(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
            Level::Fatal => "FATAL",
        }
    }
}

/// What the request's credentials and the server's auth challenge say.
/// Claims only: the token itself is never stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuthInfo {
    /// Scheme of the request's `Authorization` header (`Bearer`, `Basic`, ...).
    pub scheme: Option<Box<str>>,
    /// `exp` claim of a bearer JWT, in seconds since the epoch.
    pub jwt_exp: Option<i64>,
    /// `iat` claim of a bearer JWT.
    pub jwt_iat: Option<i64>,
    /// `nbf` claim of a bearer JWT.
    pub jwt_nbf: Option<i64>,
    /// `iss` claim of a bearer JWT.
    pub jwt_iss: Option<Box<str>>,
    /// `aud` claim of a bearer JWT (the first, when a list).
    pub jwt_aud: Option<Box<str>>,
    /// `error` parameter of the response's `WWW-Authenticate` challenge.
    pub challenge_error: Option<Box<str>>,
    /// A short fingerprint of the credential, for grouping without revealing it.
    pub credential_fp: Option<Box<str>>,
}

/// Rate-limit state a response advertised (`X-RateLimit-*`, `RateLimit-*`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateLimitInfo {
    /// Requests allowed in the window.
    pub limit: Option<i64>,
    /// Requests left in the window.
    pub remaining: Option<i64>,
}

/// Details most records lack, kept out of line so that an event without
/// any of them pays one null pointer instead of 80 bytes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extra {
    /// `Retry-After` in seconds, from the response.
    pub retry_after_s: Option<f64>,
    /// Authentication details, when the request carried any.
    pub auth: Option<AuthInfo>,
    /// Rate-limit headers of the response.
    pub ratelimit: Option<RateLimitInfo>,
    /// Request body size in bytes.
    pub req_bytes: Option<u64>,
    /// Response body size in bytes.
    pub resp_bytes: Option<u64>,
    /// The request's media type, lower-case, without parameters
    /// (`application/json`).
    pub req_content_type: Option<Str>,
    /// The JSON response body's field paths with their types, sorted.
    pub body_fields: Option<Box<[Str]>>,
    /// The names of the request's headers, lower-case, sorted, joined by
    /// commas (`accept,authorization,user-agent`); only where the input
    /// records every header (a HAR), not a log's chosen few.
    pub req_headers: Option<Str>,
    /// What a 2xx JSON body said of the outcome in a code the capture must
    /// first show the meaning of (`{"code": 4001, "msg": …}`): judged once
    /// every record is read.
    pub body_outcome: Option<Box<BodyOutcome>>,
}

/// What a JSON body says of its request's outcome, before the capture
/// tells which code means success there.
#[derive(Debug, Clone, PartialEq)]
pub struct BodyOutcome {
    /// A failure the body states outright, whatever the API's convention:
    /// a non-empty `errors[]`, `success: false`, `ok: false`, an `error`.
    pub stated: Option<String>,
    /// The code member (`code`, `errcode`, …) and its value as written
    /// (`4001`, `"0000"`).
    pub code: Option<(&'static str, Str)>,
    /// The message member's text.
    pub message: Option<String>,
}

/// An `Option<Locator>` in one word instead of two: 0 is none, the high
/// bit marks an entry, and the low 63 bits hold the number plus one.
/// Numbers past 2^63 − 2 (no input has that many lines) are kept as that.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PackedLocator(u64);

impl PackedLocator {
    const ENTRY: u64 = 1 << 63;

    fn new(l: Option<Locator>) -> PackedLocator {
        let n = |n: u64| n.min(Self::ENTRY - 2) + 1;
        PackedLocator(match l {
            None => 0,
            Some(Locator::Line(l)) => n(l),
            Some(Locator::Entry(e)) => Self::ENTRY | n(e),
        })
    }

    fn get(self) -> Option<Locator> {
        let n = (self.0 & !Self::ENTRY).checked_sub(1)?;
        Some(if self.0 & Self::ENTRY != 0 {
            Locator::Entry(n)
        } else {
            Locator::Line(n)
        })
    }
}

impl std::fmt::Debug for PackedLocator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

/// An `Option<i64>` of nanoseconds in 8 bytes instead of 16: `i64::MIN`
/// is none, so a time of exactly `i64::MIN` ns (in 1677, at the edge of
/// what the type holds, where parsers saturate) is kept 1 ns later.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct MaybeNs(i64);

impl Default for MaybeNs {
    fn default() -> MaybeNs {
        MaybeNs(i64::MIN)
    }
}

impl MaybeNs {
    fn new(t: Option<i64>) -> MaybeNs {
        MaybeNs(t.map_or(i64::MIN, |t| t.max(i64::MIN + 1)))
    }

    fn get(self) -> Option<i64> {
        (self.0 != i64::MIN).then_some(self.0)
    }
}

impl std::fmt::Debug for MaybeNs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

/// An `Option<f64>` in 8 bytes instead of 16: none is one NaN bit pattern
/// that arithmetic never produces (a NaN that is set is kept as the
/// standard NaN, so it stays a value).
#[derive(Clone, Copy, PartialEq)]
pub(crate) struct MaybeMs(u64);

impl MaybeMs {
    const NONE: u64 = 0x7ff8_6e6f_6e65_0001;

    fn new(d: Option<f64>) -> MaybeMs {
        MaybeMs(match d {
            None => Self::NONE,
            Some(v) if v.is_nan() => f64::NAN.to_bits(),
            Some(v) => v.to_bits(),
        })
    }

    fn get(self) -> Option<f64> {
        (self.0 != Self::NONE).then(|| f64::from_bits(self.0))
    }
}

impl Default for MaybeMs {
    fn default() -> MaybeMs {
        MaybeMs(Self::NONE)
    }
}

impl std::fmt::Debug for MaybeMs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

/// The ids that join an event to its span tree and its request, which many
/// inputs lack: an event without them pays one null word instead of three.
/// Kept in the per-thread arena, like copied [`Text`], for the life of the
/// process.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ids {
    /// 16-hex span id.
    pub span_id: Option<Text>,
    /// 16-hex parent span id.
    pub parent_span_id: Option<Text>,
    /// Request or correlation id.
    pub request_id: Option<Text>,
}

/// One normalized event.
#[derive(Debug, Clone, Default)]
pub struct Event {
    /// Which input it came from.
    pub source: SourceId,
    /// Method, host, route, upstream and service: see
    /// [`Event::origin`] and the accessors named after each.
    pub(crate) origin_id: OriginId,
    /// Where in that input: see [`Event::locator`].
    pub(crate) loc: PackedLocator,
    /// Byte offset of the record in the (decompressed) input.
    pub offset: u64,
    /// Request start (or log time): see [`Event::ts_ns`].
    pub(crate) ts: MaybeNs,
    /// Three yes-or-no facts in one byte: see [`Event::ts_tz_assumed`],
    /// [`Event::duration_unit_guessed`] and [`Event::context_record`].
    pub(crate) flags: u8,
    /// Full URL or path as logged.
    pub url: Option<Text>,
    /// HTTP status; `None` when there was no response.
    pub status: Option<u16>,
    /// Total duration: see [`Event::duration_ms`].
    pub(crate) dur: MaybeMs,
    /// Failure class, if this event is a failure.
    pub error_class: Option<ErrorClass>,
    /// Error text as reported (browser `net::ERR_*`, exception message, ...).
    pub error_text: Option<Str>,
    /// Canonical 32-hex trace id.
    pub trace_id: Option<Text>,
    /// Span, parent span and request ids: see [`Event::span_id`] and the
    /// others. Out of line: many inputs carry none of them.
    pub(crate) ids: Option<&'static Ids>,
    /// Log level.
    pub level: Option<Level>,
    /// Log message.
    pub message: Option<Text>,
    /// Client address. On the event, not in the [`Origin`]: clients are
    /// many, and each would multiply the origins by the routes it called.
    pub client: Option<Str>,
    /// The client's `User-Agent` header as sent. Referred to in the input
    /// rather than interned: it is nearly unique to its request.
    pub user_agent: Option<Text>,
    /// The client release the user agent names (`ShopApp/7.2.0`): what
    /// rules group by and culprits name. Browsers name none.
    pub release: Option<Str>,
    /// Rarely present details: see the accessors ([`Event::auth`], ...).
    pub extra: Option<Box<Extra>>,
    /// The error template this failure's text belongs to (`t17`).
    pub template: Option<Str>,
}

impl Event {
    /// New empty event at a location.
    pub fn at(source: SourceId, locator: Locator, offset: u64) -> Self {
        Event {
            source,
            loc: PackedLocator::new(Some(locator)),
            offset,
            ..Event::default()
        }
    }

    /// The request context: method, host, route,
    /// upstream and service (a copy, to change and set again).
    pub fn origin(&self) -> Origin {
        *self.origin_id.get()
    }

    /// Set the whole request context at once (one table look-up).
    pub fn set_origin(&mut self, o: &Origin) {
        self.origin_id = OriginId::of(o);
    }

    /// The span, parent span and request ids.
    pub fn ids(&self) -> Ids {
        self.ids.copied().unwrap_or_default()
    }

    /// Set the span, parent span and request ids at once.
    pub fn set_ids(&mut self, ids: Ids) {
        self.ids = (ids != Ids::default()).then(|| &*ARENA.with(|a| a.alloc(ids)));
    }

    /// 16-hex span id.
    pub fn span_id(&self) -> Option<Text> {
        self.ids.and_then(|i| i.span_id)
    }

    /// 16-hex parent span id.
    pub fn parent_span_id(&self) -> Option<Text> {
        self.ids.and_then(|i| i.parent_span_id)
    }

    /// Request or correlation id.
    pub fn request_id(&self) -> Option<Text> {
        self.ids.and_then(|i| i.request_id)
    }

    /// Where in its input the event's record is.
    pub fn locator(&self) -> Option<Locator> {
        self.loc.get()
    }

    /// Set where in its input the event's record is.
    pub fn set_locator(&mut self, l: Option<Locator>) {
        self.loc = PackedLocator::new(l);
    }

    /// Request start (or log time), UTC nanoseconds since the epoch.
    pub fn ts_ns(&self) -> Option<i64> {
        self.ts.get()
    }

    /// Set the time ([`MaybeNs`] says how the earliest instant is kept).
    pub fn set_ts_ns(&mut self, t: Option<i64>) {
        self.ts = MaybeNs::new(t);
    }

    /// Total duration in milliseconds.
    pub fn duration_ms(&self) -> Option<f64> {
        self.dur.get()
    }

    /// Set the duration.
    pub fn set_duration_ms(&mut self, d: Option<f64>) {
        self.dur = MaybeMs::new(d);
    }

    /// The rarely present details, created on first write.
    pub fn extra_mut(&mut self) -> &mut Extra {
        self.extra.get_or_insert_with(Default::default)
    }

    /// `Retry-After` in seconds, from the response.
    pub fn retry_after_s(&self) -> Option<f64> {
        self.extra.as_ref().and_then(|x| x.retry_after_s)
    }

    /// Authentication details, when the request carried any.
    pub fn auth(&self) -> Option<&AuthInfo> {
        self.extra.as_ref().and_then(|x| x.auth.as_ref())
    }

    /// Rate-limit headers of the response.
    pub fn ratelimit(&self) -> Option<&RateLimitInfo> {
        self.extra.as_ref().and_then(|x| x.ratelimit.as_ref())
    }

    /// Request body size in bytes.
    pub fn req_bytes(&self) -> Option<u64> {
        self.extra.as_ref().and_then(|x| x.req_bytes)
    }

    /// Response body size in bytes.
    pub fn resp_bytes(&self) -> Option<u64> {
        self.extra.as_ref().and_then(|x| x.resp_bytes)
    }

    /// The request's media type (`application/json`).
    pub fn req_content_type(&self) -> Option<Str> {
        self.extra.as_ref().and_then(|x| x.req_content_type)
    }

    /// The request's header names, where the input records them all.
    pub fn req_headers(&self) -> Option<Str> {
        self.extra.as_ref().and_then(|x| x.req_headers)
    }

    /// The JSON response body's field paths with their types, sorted.
    pub fn body_fields(&self) -> Option<&[Str]> {
        self.extra.as_ref().and_then(|x| x.body_fields.as_deref())
    }

    /// Whether the event is a failure: an error class was assigned.
    pub fn is_failure(&self) -> bool {
        self.error_class.is_some()
    }
}

/// A getter and a setter for each bit of [`Event::flags`].
macro_rules! flags {
    ($($bit:literal $get:ident $set:ident $doc:literal),*) => {
        impl Event {
            $(
                #[doc = $doc]
                pub fn $get(&self) -> bool {
                    self.flags & (1 << $bit) != 0
                }

                #[doc = concat!("Set whether: ", $doc)]
                pub fn $set(&mut self, on: bool) {
                    self.flags = (self.flags & !(1 << $bit)) | (u8::from(on) << $bit);
                }
            )*
        }
    };
}

flags!(
    0 ts_tz_assumed set_ts_tz_assumed "The timestamp had no zone and UTC was assumed.",
    1 duration_unit_guessed set_duration_unit_guessed
        "The duration's unit was inferred (`duration`: integer → ms, fraction → s).",
    2 context_record set_context_record
        "The record carries context for the records after it (an Elastic APM `metadata` line) rather than a request or log message of its own."
);

/// A getter for each part of an event's [`Origin`]. There are no setters
/// per part: each would look the whole origin up again, so a change is
/// made to a copy ([`Event::origin`]) and set once ([`Event::set_origin`]).
macro_rules! origin_parts {
    ($($get:ident),*) => {
        impl Event {
            $(
                #[doc = concat!("The origin's `", stringify!($get), "`.")]
                pub fn $get(&self) -> Option<Str> {
                    self.origin_id.get().$get
                }
            )*
        }
    };
}

origin_parts!(method, host, route, upstream, cluster, service, service_version);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_at_a_character_and_marked() {
        let s = "é".repeat(MAX_VALUE_BYTES);
        let c = clip(&s);
        assert!(c.len() < MAX_VALUE_BYTES + 40);
        let tail: String = c
            .chars()
            .rev()
            .take(30)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        assert!(c.ends_with(&format!("… [cut: {} bytes]", s.len())), "{tail}");
        assert_eq!(clip("short"), "short");
        assert!(oversized(MAX_RECORD_BYTES).is_none());
        assert!(oversized(MAX_RECORD_BYTES + 1).is_some_and(|r| r.contains("limit for one record")));
    }

    #[test]
    fn text_inside_the_backing_is_referred_to_and_other_text_copied() {
        static BACKING: &[u8] = b"{\"message\":\"GET /v1 200\"}";
        let inside = std::str::from_utf8(&BACKING[12..22]).unwrap();
        let t = Text::within(inside, Some(BACKING));
        assert_eq!(&*t, "GET /v1 20");
        assert!(std::ptr::eq(t.as_str(), inside), "not copied");

        let elsewhere = String::from("GET /v1 20");
        let c = Text::within(&elsewhere, Some(BACKING));
        assert_eq!(&*c, "GET /v1 20");
        assert!(!std::ptr::eq(c.as_str().as_ptr(), elsewhere.as_ptr()), "copied");

        // Without a backing, and for text running past its end: copied.
        assert_eq!(&*Text::within(inside, None), "GET /v1 20");
        let tail = std::str::from_utf8(&BACKING[20..]).unwrap();
        assert_eq!(&*Text::within(tail, Some(&BACKING[..22])), tail);
        assert_eq!(Text::within("", Some(BACKING)).as_str(), "");
    }

    #[test]
    fn text_is_one_word_and_keeps_any_length() {
        assert_eq!(std::mem::size_of::<Option<Text>>(), 8);
        for len in [0, 1, 65_534, 65_535, 65_536, 1 << 20] {
            let s = "x".repeat(len);
            let t = Text::new(&s);
            assert_eq!(t.as_str(), s, "length {len}");
            assert_eq!(t, Text::new(&s));
        }
        let (a, b) = (Text::new("a"), Text::new("b"));
        assert!(a < b && a != b);
        assert_eq!(format!("{a:?} {b}"), "\"a\" b");
    }

    #[test]
    fn an_event_stays_within_its_memory_budget() {
        // A gigabyte of JSON lines holds about three million records, all
        // held at once: every word here costs 24 MB per gigabyte of input.
        assert!(
            std::mem::size_of::<Event>() <= 112,
            "{}",
            std::mem::size_of::<Event>()
        );
    }

    #[test]
    fn packed_fields_keep_every_value() {
        let mut e = Event::default();
        assert_eq!((e.locator(), e.ts_ns(), e.duration_ms()), (None, None, None));
        for l in [
            Locator::Line(0),
            Locator::Line(1),
            Locator::Entry(0),
            Locator::Entry(7),
            Locator::Line(u64::MAX >> 2),
        ] {
            e.set_locator(Some(l));
            assert_eq!(e.locator(), Some(l));
        }
        e.set_locator(None);
        assert_eq!(e.locator(), None);
        for t in [0, -1, 1, i64::MAX, i64::MIN + 1] {
            e.set_ts_ns(Some(t));
            assert_eq!(e.ts_ns(), Some(t));
        }
        e.set_ts_ns(Some(i64::MIN));
        assert_eq!(
            e.ts_ns(),
            Some(i64::MIN + 1),
            "the earliest instant is kept 1 ns later"
        );
        for d in [0.0, -0.0, 1.5, f64::INFINITY, f64::NEG_INFINITY, f64::MAX] {
            e.set_duration_ms(Some(d));
            assert_eq!(e.duration_ms().map(f64::to_bits), Some(d.to_bits()));
        }
        e.set_duration_ms(Some(f64::NAN));
        assert!(
            e.duration_ms().is_some_and(f64::is_nan),
            "a NaN is a value, not none"
        );
        e.set_duration_ms(Some(f64::from_bits(MaybeMs::NONE)));
        assert!(e.duration_ms().is_some_and(f64::is_nan));
        e.set_duration_ms(None);
        assert_eq!(e.duration_ms(), None);
        e.set_context_record(true);
        e.set_ts_tz_assumed(true);
        e.set_context_record(false);
        assert!(e.ts_tz_assumed() && !e.context_record() && !e.duration_unit_guessed());
    }

    #[test]
    fn rare_details_cost_nothing_until_set() {
        let mut e = Event::default();
        assert!(e.extra.is_none() && e.auth().is_none() && e.retry_after_s().is_none());
        e.extra_mut().retry_after_s = Some(30.0);
        assert_eq!(e.retry_after_s(), Some(30.0));
        assert!(e.body_fields().is_none() && e.req_bytes().is_none());
    }
}
